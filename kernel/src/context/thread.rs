//! Threads: a kernel stack, the saved stack pointer of a switched-out thread, the user
//! FPU/SSE state, the scheduling state and the signal mask.

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use crate::errno::ENOMEM;

use super::Process;
use crate::arch::fpu::{self, FpuArea};
use crate::arch::interrupts::TrapFrame;
use crate::arch::switch::{SwitchTarget, prepare_new_stack};
use crate::memory::{PAGE_SIZE, frame, phys_to_virt};

/// Size of each thread's kernel stack.
pub const KERNEL_STACK_SIZE: usize = 64 * 1024;

static NEXT_TID: AtomicU32 = AtomicU32::new(1);

/// Where a thread is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunState {
    /// Running or in the run queue.
    Runnable,
    /// Asleep until woken (or its deadline passes).
    Blocked,
    /// Finished; its memory goes once nothing runs on its stack.
    Dead,
}

/// Why a blocked thread was woken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WakeReason {
    /// Someone woke it on purpose.
    Woken,
    /// Its deadline passed.
    TimedOut,
    /// A signal (or its process's exit) interrupted the wait.
    Interrupted,
}

/// Scheduling state, guarded by `Thread::sched`.
#[derive(Debug)]
pub struct SchedState {
    pub state: RunState,
    pub wake_reason: WakeReason,
    /// Deadline (monotonic ns) of the current block, if any.
    pub deadline: Option<u64>,
}

/// A kernel stack: physically contiguous frames reached through the direct map, so that
/// many threads do not exhaust the kernel heap.
struct KernelStack {
    frames: u64,
}

/// Freed kernel stacks kept for the next threads: finding 16 contiguous free frames in
/// the bitmap costs more than the rest of creating a thread. Lock order: a leaf.
static SPARE_STACKS: spin::Mutex<arrayvec::ArrayVec<u64, SPARE_STACKS_MAX>> =
    spin::Mutex::new(arrayvec::ArrayVec::new_const());
/// Most spare stacks kept (the rest go back to the frame allocator).
const SPARE_STACKS_MAX: usize = 8;

/// Gives the spare kernel stacks back to the frame allocator (`/scheme/sys/drop_caches`).
pub fn drop_spare_stacks() {
    let spare = core::mem::take(&mut *SPARE_STACKS.lock());
    for frames in spare {
        for page in 0..KernelStack::PAGES {
            if let Err(e) = frame::free(frames + page * PAGE_SIZE) {
                log::error!("kernel stack frame already free: {e:?}");
            }
        }
    }
}

/// Frames held by spare kernel stacks: free for any use in all but name (the leak checks
/// count them as free).
pub fn spare_stack_frames() -> u64 {
    SPARE_STACKS.lock().len() as u64 * KernelStack::PAGES
}

impl KernelStack {
    const PAGES: u64 = KERNEL_STACK_SIZE as u64 / PAGE_SIZE;

    fn new() -> Result<Self, crate::errno::Errno> {
        if let Some(frames) = SPARE_STACKS.lock().pop() {
            return Ok(Self { frames });
        }
        let frames = frame::alloc_contiguous(Self::PAGES, PAGE_SIZE).ok_or(ENOMEM)?;
        Ok(Self { frames })
    }

    fn top(&self) -> u64 {
        phys_to_virt(self.frames) + KERNEL_STACK_SIZE as u64
    }
}

impl Drop for KernelStack {
    fn drop(&mut self) {
        // A thread's stack is dropped only after the scheduler switched away from it.
        if SPARE_STACKS.lock().try_push(self.frames).is_ok() {
            return;
        }
        for page in 0..Self::PAGES {
            if let Err(e) = frame::free(self.frames + page * PAGE_SIZE) {
                log::error!("kernel stack frame already free: {e:?}");
            }
        }
    }
}

/// A thread.
pub struct Thread {
    pub tid: u32,
    pub process: Arc<Process>,
    stack: Option<KernelStack>,
    /// Saved stack pointer while switched out (written only by `switch_to`).
    saved_rsp: UnsafeCell<u64>,
    /// The user FPU/SSE state while it is not live in the registers (see `arch::fpu`).
    fpu: UnsafeCell<Box<FpuArea>>,
    pub sched: spin::Mutex<SchedState>,
    /// Blocked signals.
    pub sigmask: AtomicU64,
    /// Signals sent to this thread alone (synchronous faults).
    pub pending: AtomicU64,
    /// User address cleared and futex-woken when the thread exits (0: none).
    pub clear_tid: AtomicU64,
    /// The user FS base (thread-local storage), loaded whenever the thread runs.
    pub fs_base: AtomicU64,
    /// The head of the thread's robust futex list (0: none; see `robust`).
    pub robust_list: AtomicU64,
    /// The thread asked to exit (`PROC_THREAD_EXIT`): it does on its way back to user
    /// mode, where its kernel stack holds nothing, rather than inside the call, whose
    /// frames hold references (the proc descriptor's) that would never be dropped.
    pub exit_requested: core::sync::atomic::AtomicBool,
    /// The rest of its signal state (sigsuspend's saved mask, a fault's information).
    pub signal: super::signal::ThreadSignals,
    /// The CPU it last ran on (per-CPU index), whose run queue it prefers.
    pub last_cpu: core::sync::atomic::AtomicU32,
}

// SAFETY: the UnsafeCell fields are touched only by the context switch and the entry
// paths, under the kernel lock with interrupts disabled, and only for a thread that is
// not running elsewhere.
unsafe impl Sync for Thread {}
// SAFETY: as above; the raw stack pointer is owned memory.
unsafe impl Send for Thread {}

impl Thread {
    /// The thread that is already running on the boot stack (the idle thread).
    pub fn adopt_boot(process: Arc<Process>, boot_stack_top: u64) -> Arc<Self> {
        let thread = Arc::new(Self::bare(process, None));
        let target =
            SwitchTarget { kernel_stack_top: boot_stack_top, fpu_area: thread.fpu_ptr(), cr3: None, fs_base: 0 };
        crate::arch::switch::set_current(&target);
        thread
    }

    fn bare(process: Arc<Process>, stack: Option<KernelStack>) -> Self {
        Self {
            tid: NEXT_TID.fetch_add(1, Ordering::Relaxed),
            process,
            stack,
            saved_rsp: UnsafeCell::new(0),
            fpu: UnsafeCell::new(Box::new(FpuArea::initial())),
            sched: spin::Mutex::new(SchedState {
                state: RunState::Runnable,
                wake_reason: WakeReason::Woken,
                deadline: None,
            }),
            sigmask: AtomicU64::new(0),
            pending: AtomicU64::new(0),
            clear_tid: AtomicU64::new(0),
            fs_base: AtomicU64::new(0),
            robust_list: AtomicU64::new(0),
            exit_requested: core::sync::atomic::AtomicBool::new(false),
            signal: super::signal::ThreadSignals::default(),
            last_cpu: core::sync::atomic::AtomicU32::new(crate::arch::percpu::this().index() as u32),
        }
    }

    /// A new user thread that will start by returning to user mode with `frame`.
    pub fn new_user(
        process: Arc<Process>,
        frame: &TrapFrame,
        fpu: Option<&FpuArea>,
    ) -> Result<Arc<Self>, crate::errno::Errno> {
        let stack = KernelStack::new()?;
        let frame_addr = stack.top() - size_of::<TrapFrame>() as u64;
        // SAFETY: the frame fits at the top of the fresh stack, which nothing else uses.
        unsafe { core::ptr::write(frame_addr as *mut TrapFrame, frame.clone()) };
        // SAFETY: the stack has room for the switch words below the frame.
        let rsp = unsafe { prepare_new_stack(frame_addr) };
        let mut thread = Self::bare(process, Some(stack));
        *thread.saved_rsp.get_mut() = rsp;
        if let Some(fpu) = fpu {
            **thread.fpu.get_mut() = fpu.clone();
        }
        Ok(Arc::new(thread))
    }

    /// Top of the kernel stack (`None` for the idle thread, which uses the boot stack).
    pub fn kernel_stack_top(&self) -> Option<u64> {
        self.stack.as_ref().map(KernelStack::top)
    }

    /// The save slot for the stack pointer, for `switch_to`.
    pub fn saved_rsp_ptr(&self) -> *mut u64 {
        self.saved_rsp.get()
    }

    /// The saved stack pointer of a switched-out thread.
    pub fn saved_rsp(&self) -> u64 {
        // SAFETY: read only for a thread that is switched out, whose slot nobody writes.
        unsafe { *self.saved_rsp.get() }
    }

    /// The FPU save area.
    pub fn fpu_ptr(&self) -> *mut FpuArea {
        // SAFETY: the Box gives a stable address; see the type's Sync note.
        unsafe { &mut **self.fpu.get() as *mut FpuArea }
    }

    /// A copy of the thread's user FPU state (valid while in the kernel).
    pub fn fpu_snapshot(&self) -> FpuArea {
        fpu::save_if_live(self.fpu_ptr());
        // SAFETY: the area now holds the user state; this thread is the one running, so
        // nothing writes it concurrently.
        unsafe { (**self.fpu.get()).clone() }
    }

    /// Replaces the thread's user FPU state (sigreturn, exec).
    pub fn set_fpu(&self, mut area: FpuArea) {
        area.sanitize();
        fpu::forget(self.fpu_ptr());
        // SAFETY: as for `fpu_snapshot`.
        unsafe { **self.fpu.get() = area };
    }

    /// Current run state.
    pub fn run_state(&self) -> RunState {
        self.sched.lock().state
    }
}

impl Drop for Thread {
    fn drop(&mut self) {
        // The registers may still hold this thread's state on behalf of its area, which
        // is about to be freed.
        fpu::forget(self.fpu_ptr());
    }
}
