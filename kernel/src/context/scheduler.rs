//! The scheduler: one round-robin run queue for every CPU, the sleepers ordered by
//! deadline, blocking and waking, and preemption of user code by each CPU's timer.
//!
//! The kernel is not preemptible, and kernel code runs on one CPU at a time (the kernel
//! lock, `kernel_lock.rs`): a thread in the kernel runs until it blocks, yields or returns
//! to user mode, with interrupts disabled. So checking a condition and then blocking on it
//! cannot lose a wake-up, on one CPU or several. Blocking and waking always happen under
//! the kernel lock, also for the calls that otherwise run without it (which take it for
//! that, and look at their condition again under it before they block: `ipc_glue`). Timer interrupts arrive only while user
//! code or an idle thread runs; they wake expired sleepers and ask for a reschedule,
//! which happens on the way back to user mode.
//!
//! Each CPU has its own current and idle thread and its own run queue. A thread made
//! runnable waits on the CPU it last ran on, unless that one is busy and another idles:
//! then on the idle one, woken by a reschedule interrupt. A CPU whose queue is empty takes
//! the oldest thread of the longest other queue, and a time slice ends whenever a thread
//! waits anywhere, so the load spreads. A thread that may resume on another CPU has its FPU state saved
//! when it is switched out (`fpu.rs` keeps a state live only on its own CPU). A thread
//! with new work for its return to user mode (a signal, its process's exit) that runs on
//! another CPU is sent the same reschedule interrupt ([`interrupt`]).

use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::mem::ManuallyDrop;
use core::sync::atomic::Ordering;

use spin::Mutex;

use super::thread::{RunState, Thread, WakeReason};
use crate::arch::percpu::{MAX_CPUS, PerCpu};
use crate::arch::switch::{SwitchTarget, switch_to};
use crate::arch::{clock, percpu, wait_for_interrupt};

/// Timer ticks a thread runs before another runnable thread gets the CPU.
const TIME_SLICE_TICKS: u32 = 10;

/// What the scheduler keeps for each CPU.
struct CpuSlot {
    current: Option<Arc<Thread>>,
    idle: Option<Arc<Thread>>,
    /// Runnable threads waiting for this CPU.
    queue: VecDeque<Arc<Thread>>,
    ticks_in_slice: u32,
}

impl CpuSlot {
    const fn new() -> Self {
        Self { current: None, idle: None, queue: VecDeque::new(), ticks_in_slice: 0 }
    }
}

/// Each CPU has its run queue; a CPU whose queue is empty takes work from the longest
/// other one.
struct Scheduler {
    cpus: [CpuSlot; MAX_CPUS],
    sleepers: BTreeMap<(u64, u32), Arc<Thread>>,
    /// Threads that exited; freed once their CPU is off their stacks.
    dead: Vec<Arc<Thread>>,
}

/// Taken under the kernel lock (`kernel_lock`), which orders it after that lock, but for
/// [`others_waiting_here`]'s look; nothing else is taken under it but the threads' own
/// `sched` locks.
static SCHED: Mutex<Scheduler> =
    Mutex::new(Scheduler { cpus: [const { CpuSlot::new() }; MAX_CPUS], sleepers: BTreeMap::new(), dead: Vec::new() });

// Each CPU's block (`arch::percpu`) holds what the system call and return paths read
// without the lock: `current_thread`, the thread in `SCHED.current`, borrowed without a
// reference count round trip (written together with `SCHED.current`, under its lock);
// `need_resched`, a reschedule is due (a time slice ended or a sleeper woke); and
// `return_check`: the next return to user mode must run the full check of
// [`signal::on_return_to_user`] (exit, reschedule, signals, a frame that user input
// changed). Everything that may give a return work sets it: a reschedule request, a
// switch of threads, a signal sent, a signal mask changed, an exit begun, sigreturn and
// exec. The check clears it when it finds nothing to do, so that the other returns read
// this one flag instead of the thread's masks and pending sets.
//
// [`signal::on_return_to_user`]: super::signal::on_return_to_user

/// Makes the next return to user mode run the full check (see `return_check` above), on
/// every CPU: the thread the work is for may run on any of them.
pub fn request_return_check() {
    for cpu in percpu::online() {
        cpu.return_check.store(true, Ordering::Relaxed);
    }
}

/// Whether the next return to user mode must run the full check, without clearing the
/// request (a call answered without the kernel lock looks before taking it).
#[inline(always)]
pub fn return_check_requested() -> bool {
    percpu::this().return_check.load(Ordering::Relaxed)
}

/// Whether the next return to user mode must run the full check; clears the request.
#[inline(always)]
pub fn take_return_check() -> bool {
    // A load and a store rather than a swap, which is a locked instruction: only this
    // CPU clears its flag, with interrupts disabled; a request that lands between the two
    // is for work this check is about to look at anyway.
    let flag = &percpu::this().return_check;
    let requested = flag.load(Ordering::Relaxed);
    if requested {
        flag.store(false, Ordering::Relaxed);
    }
    requested
}

fn set_current(s: &mut Scheduler, cpu: &PerCpu, thread: Arc<Thread>) {
    cpu.current_thread.store(Arc::as_ptr(&thread) as u64, Ordering::Relaxed);
    s.cpus[cpu.index()].current = Some(thread);
}

/// Makes the thread running this CPU's boot code the CPU's idle thread and its current
/// one (the boot CPU's first, then each application processor's).
pub fn init(idle: Arc<Thread>) {
    let cpu = percpu::this();
    let mut s = SCHED.lock();
    set_current(&mut s, cpu, idle.clone());
    s.cpus[cpu.index()].idle = Some(idle);
}

/// The running thread.
pub fn current() -> Arc<Thread> {
    let cpu = percpu::this().index();
    SCHED.lock().cpus[cpu].current.clone().expect("the scheduler runs a thread")
}

/// Runs `f` with the running thread, borrowed: no lock, no reference count change.
///
/// The borrow cannot outlive the thread: while it runs, `SCHED.current` holds it, and a
/// thread that blocks or yields inside `f` holds its own reference in `block` (or stays in
/// the run queue) until it runs again, and `f` returns on that same thread.
pub fn with_current<R>(f: impl FnOnce(&Arc<Thread>) -> R) -> R {
    let ptr = percpu::this().current_thread.load(Ordering::Relaxed) as *const Thread;
    assert!(!ptr.is_null(), "the scheduler runs a thread");
    // SAFETY: `ptr` came from `Arc::as_ptr` of the Arc in `SCHED.current`, which keeps a
    // strong reference for as long as the thread is current (see above); ManuallyDrop
    // keeps this handle from releasing a reference it never took.
    let thread = ManuallyDrop::new(unsafe { Arc::from_raw(ptr) });
    f(&thread)
}

/// Queues a new runnable thread.
pub fn add(thread: Arc<Thread>) {
    let mut s = SCHED.lock();
    enqueue(&mut s, thread);
}

impl Scheduler {
    /// Whether any CPU has a thread waiting.
    fn anything_runnable(&self) -> bool {
        self.cpus[..percpu::online_count()].iter().any(|slot| !slot.queue.is_empty())
    }

    /// The next thread for CPU `me`: the oldest in its own queue, else the oldest of the
    /// longest other queue (the load moves to where there is room).
    fn take_next(&mut self, me: usize) -> Option<Arc<Thread>> {
        if let Some(next) = self.cpus[me].queue.pop_front() {
            return Some(next);
        }
        let busiest = (0..percpu::online_count()).filter(|&i| i != me).max_by_key(|&i| self.cpus[i].queue.len())?;
        self.cpus[busiest].queue.pop_front()
    }
}

/// Makes a runnable thread wait for a CPU: the one it last ran on (its cache is warm
/// there) unless that CPU is busy and another idles, in which case the idle one, woken by
/// a reschedule interrupt.
fn enqueue(s: &mut Scheduler, thread: Arc<Thread>) {
    let last = thread.last_cpu.load(Ordering::Relaxed) as usize;
    let me = percpu::this().index();
    let last_idles = percpu::cpu(last).idle.load(Ordering::Relaxed);
    let target = if last_idles {
        Some(percpu::cpu(last))
    } else {
        percpu::online().find(|cpu| cpu.index() != me && cpu.idle.load(Ordering::Relaxed))
    };
    match target {
        Some(cpu) => {
            s.cpus[cpu.index()].queue.push_back(thread);
            if cpu.index() != me {
                // One wake-up per queued thread: the CPU stops counting as idle now. One
                // that polls sees that (`idle_loop`); one that halts needs the interrupt.
                cpu.idle.store(false, Ordering::SeqCst);
                if !cpu.polling.load(Ordering::SeqCst) {
                    crate::arch::smp::send_reschedule(cpu);
                }
            }
        }
        None => s.cpus[last].queue.push_back(thread),
    }
}

/// Whether a thread waits in this CPU's run queue, for a call that would rather poll than
/// sleep (`ipc_glue`) but not keep a waiting thread off the CPU. It may run without the
/// kernel lock, under a facility's lock: `SCHED` is a leaf, and its holder never waits
/// for another CPU (nor for a TLB shootdown).
pub fn others_waiting_here() -> bool {
    !SCHED.lock().cpus[percpu::this().index()].queue.is_empty()
}

/// Whether a reschedule is due (checked on the way back to user mode).
pub fn need_resched() -> bool {
    percpu::this().need_resched.load(Ordering::Relaxed)
}

/// Frees what threads that ended left behind (their kernel stacks), as the next switch
/// would: for a count of free memory that does not depend on when the last switch was.
pub fn release_dead() {
    let dead = core::mem::take(&mut SCHED.lock().dead);
    drop(dead);
}

/// Gives the CPU to the next runnable thread, if any; returns when this thread runs again
/// (possibly on another CPU).
pub fn schedule() {
    let (prev_slot, next_rsp, target) = {
        let cpu = percpu::this();
        let mut s = SCHED.lock();
        cpu.need_resched.store(false, Ordering::Relaxed);
        // Whichever thread runs next returns to user mode with its own signals to check.
        cpu.return_check.store(true, Ordering::Relaxed);
        let slot = &mut s.cpus[cpu.index()];
        slot.ticks_in_slice = 0;
        let prev = slot.current.clone().expect("a current thread");
        let is_idle = slot.idle.as_ref().is_some_and(|i| Arc::ptr_eq(i, &prev));
        // Threads that died earlier are off their stacks now, unless it is `prev` itself:
        // a CPU leaves a dead thread's stack in the switch below, before it can give the
        // kernel lock to another CPU that might free it.
        s.dead.retain(|t| Arc::ptr_eq(t, &prev));
        let prev_state = prev.run_state();
        let next = match s.take_next(cpu.index()) {
            Some(next) => {
                if prev_state == RunState::Runnable && !is_idle {
                    s.cpus[cpu.index()].queue.push_back(prev.clone());
                }
                next
            }
            None if prev_state == RunState::Runnable => return,
            None => s.cpus[cpu.index()].idle.clone().expect("an idle thread"),
        };
        if Arc::ptr_eq(&next, &prev) {
            return;
        }
        // A thread without a user address space (the idle thread) runs on whatever page
        // tables are loaded, as Linux's lazy TLB mode does: every address space maps the
        // kernel, and each CR3 load flushes the whole TLB (under emulation, every
        // translation the kernel and the program then touch). An address space is freed
        // only after leaving it (`finish_exit`, `exec`), so the loaded one stays valid.
        let cr3 = next.process.pml4().filter(|&next_space| next_space != crate::arch::switch::loaded_page_tables());
        let target = SwitchTarget {
            kernel_stack_top: next.kernel_stack_top().unwrap_or_else(crate::arch::boot::boot_stack_top),
            fpu_area: next.fpu_ptr(),
            cr3,
            fs_base: next.fs_base.load(Ordering::Relaxed),
        };
        if percpu::online_count() > 1 && !is_idle {
            // `prev` may resume on another CPU, whose registers do not hold its FPU state:
            // its save area must (fpu.rs keeps it live only on the CPU that ran it).
            crate::arch::fpu::save_if_live(prev.fpu_ptr());
        }
        let slot = prev.saved_rsp_ptr();
        let rsp = next.saved_rsp();
        next.last_cpu.store(cpu.index() as u32, Ordering::Relaxed);
        set_current(&mut s, cpu, next);
        // `prev` stays alive through `s.current` of whoever switches back, or `s.dead`.
        (slot, rsp, target)
    };
    // SAFETY: `prev_slot` is the save slot of the thread running now; `next_rsp` was
    // saved by an earlier switch of a thread that is not running; interrupts are off.
    unsafe { switch_to(prev_slot, next_rsp, &target) };
}

/// Yields the CPU to other runnable threads.
pub fn yield_now() {
    schedule();
}

/// Blocks the current thread until it is woken, its deadline (monotonic ns) passes, or
/// (for an interruptible wait) a signal arrives.
pub fn block(deadline: Option<u64>) -> WakeReason {
    debug_assert!(super::lock_order::none_held(), "blocking while holding an ordered lock");
    debug_assert!(super::kernel_lock::held_here(), "blocking without the kernel lock");
    let thread = current();
    if super::signal::must_interrupt(&thread) {
        return WakeReason::Interrupted;
    }
    if deadline.is_some_and(|d| d <= clock::monotonic_ns()) {
        return WakeReason::TimedOut;
    }
    {
        let mut s = SCHED.lock();
        let mut st = thread.sched.lock();
        st.state = RunState::Blocked;
        st.wake_reason = WakeReason::Woken;
        st.deadline = deadline;
        if let Some(d) = deadline {
            s.sleepers.insert((d, thread.tid), thread.clone());
        }
    }
    schedule();
    thread.sched.lock().wake_reason
}

/// Wakes `thread` if it is blocked. Returns whether it was.
pub fn wake(thread: &Arc<Thread>, reason: WakeReason) -> bool {
    // Without it a wake-up could find a thread marked blocked that has not left its CPU.
    debug_assert!(super::kernel_lock::held_here(), "waking without the kernel lock");
    let mut s = SCHED.lock();
    let mut st = thread.sched.lock();
    if st.state != RunState::Blocked {
        return false;
    }
    st.state = RunState::Runnable;
    st.wake_reason = reason;
    if let Some(d) = st.deadline.take() {
        s.sleepers.remove(&(d, thread.tid));
    }
    drop(st);
    enqueue(&mut s, thread.clone());
    true
}

/// Makes `thread` look at its signals and exit soon: wakes it if it is blocked
/// (interrupting the wait) and, if it runs on another CPU, interrupts that CPU, whose
/// return to user mode then runs the check [`request_return_check`] asked for. Without
/// the interrupt, a thread that computes without making system calls would see a signal
/// sent to it, or its process's exit, only at its CPU's next tick.
pub fn interrupt(thread: &Arc<Thread>) {
    if wake(thread, WakeReason::Interrupted) {
        return;
    }
    let me = percpu::this().index();
    let running = Arc::as_ptr(thread) as u64;
    if let Some(cpu) = percpu::online().find(|cpu| cpu.current_thread.load(Ordering::Relaxed) == running)
        && cpu.index() != me
    {
        crate::arch::smp::send_reschedule(cpu);
    }
}

/// The timer interrupt: wakes expired sleepers and asks for a reschedule when the
/// running thread's slice is over and someone else can run.
pub fn on_timer_tick(_from_user: bool) {
    let now = clock::monotonic_ns();
    let mut expired = Vec::new();
    {
        let mut s = SCHED.lock();
        while let Some(entry) = s.sleepers.first_entry() {
            if entry.key().0 > now {
                break;
            }
            expired.push(entry.remove());
        }
        // A slice ends when any thread waits anywhere: one waiting on a busier CPU is
        // taken over by this one.
        let waiting = s.anything_runnable();
        let slot = &mut s.cpus[percpu::this().index()];
        slot.ticks_in_slice += 1;
        if slot.ticks_in_slice >= TIME_SLICE_TICKS && waiting {
            percpu::this().need_resched.store(true, Ordering::Relaxed);
            percpu::this().return_check.store(true, Ordering::Relaxed);
        }
    }
    for thread in expired {
        // Clear the deadline first: `wake` would otherwise look for the removed entry.
        thread.sched.lock().deadline = None;
        if wake(&thread, WakeReason::TimedOut) {
            percpu::this().need_resched.store(true, Ordering::Relaxed);
            percpu::this().return_check.store(true, Ordering::Relaxed);
        }
    }
    // Interval timers (SIGALRM), also while user code keeps the CPU busy.
    super::itimer::on_timer_tick(now);
}

/// Ends the current thread: marks it dead and switches away for good.
pub fn exit_current() -> ! {
    let thread = current();
    {
        let mut s = SCHED.lock();
        thread.sched.lock().state = RunState::Dead;
        s.dead.push(thread.clone());
    }
    drop(thread);
    schedule();
    unreachable!("a dead thread was scheduled again")
}

/// The idle thread's loop: run whatever is runnable, else give back the kernel lock, poll
/// for a moment for a thread queued here, and halt until an interrupt (a tick, or another
/// CPU's reschedule interrupt after it queued a thread).
pub fn idle_loop() -> ! {
    loop {
        let runnable = SCHED.lock().anything_runnable();
        if runnable {
            schedule();
        } else {
            let cpu = percpu::this();
            cpu.idle.store(true, Ordering::Relaxed);
            super::kernel_lock::release();
            if !poll_for_work(cpu) {
                // A reschedule interrupt sent between the release and the halt stays
                // pending in the APIC and ends the halt at once.
                wait_for_interrupt();
            }
            super::kernel_lock::acquire();
            cpu.idle.store(false, Ordering::Relaxed);
        }
    }
}

/// How long an idle CPU polls before it halts.
const IDLE_POLL_NS: u64 = 50_000;

/// Polls, without the kernel lock, for up to [`IDLE_POLL_NS`], whether a thread was queued
/// on `cpu` (the queuing CPU clears its `idle`); returns whether one was.
///
/// A CPU's way out of a halt takes microseconds on real hardware (tens from its deeper
/// sleep states) and more under emulation, while the partner of an IPC exchange on
/// another CPU usually queues the next thread sooner: polling first saves the reschedule
/// interrupt and the wake-up, as Linux's polling idle state (`poll_idle`) does. A lone
/// CPU only gets work from an interrupt, which it takes in the halt, so it does not poll.
/// Interrupts stay disabled while it polls (this is Rust code, which may keep data below
/// its stack pointer): a tick waits until the halt, and TLB shootdown requests are served
/// from the loop.
fn poll_for_work(cpu: &PerCpu) -> bool {
    // (A clock not calibrated yet reads 0 and would never end the poll.)
    let now = clock::monotonic_ns();
    if percpu::online_count() < 2 || now == 0 {
        return false;
    }
    cpu.polling.store(true, Ordering::SeqCst);
    let until = now + IDLE_POLL_NS;
    while cpu.idle.load(Ordering::Relaxed) && clock::monotonic_ns() < until {
        crate::arch::tlb::serve_requests();
        core::hint::spin_loop();
    }
    // Either the queuing CPU sees `polling` cleared (and sends the interrupt), or this
    // one sees `idle` cleared: both sides store, then load the other's flag.
    cpu.polling.store(false, Ordering::SeqCst);
    !cpu.idle.load(Ordering::SeqCst)
}
