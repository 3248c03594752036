//! Processes: creation (spawn from initfs, fork), program replacement (exec), exit and
//! reaping (waitpid), and the process table.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use crate::errno::{EAGAIN, ECHILD, ENOENT, ESRCH};
use kestrel_abi::signal::{CLD_EXITED, CLD_KILLED, SI_QUEUE, SI_USER, SIGCHLD, SIGKILL};
use kestrel_abi::wait;
use spin::Mutex;

use super::cred::Credentials;
use super::lock_order::{Level, OrderedMutex};
use super::signal::{Info, SignalState};
use super::thread::{Thread, WakeReason};
use super::wait_queue::WaitQueue;
use super::{exec, ipc, itimer, scheduler, user_count};
use crate::arch::fpu::FpuArea;
use crate::arch::interrupts::TrapFrame;
use crate::arch::power;
use crate::arch::qemu::ExitCode;
use crate::memory::address_space::AddressSpace;
use crate::memory::user;
use crate::scheme::FileTable;

/// Pid of the first user process; orphans are given to it.
pub const INIT_PID: u32 = 1;

/// Life of a process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessState {
    Alive,
    /// Its threads are on their way out; the status is final.
    Exiting(i32),
    /// All threads gone; waiting to be reaped by its parent.
    Zombie(i32),
}

/// A process.
pub struct Process {
    pub pid: u32,
    pub ppid: AtomicU32,
    pub name: Mutex<String>,
    /// The user address space (`None` for the kernel's own process 0).
    pub space: OrderedMutex<Option<AddressSpace>>,
    pml4: AtomicU64,
    pub files: Mutex<FileTable>,
    /// Level `Creds` in `lock_order`: held across an IPC facility's call.
    pub creds: OrderedMutex<Credentials>,
    pub signals: Mutex<SignalState>,
    /// Signals pending for the process as a whole; changed under `signals`' lock, read
    /// without it (every return to user mode looks).
    pub pending_signals: AtomicU64,
    pub threads: Mutex<Vec<Weak<Thread>>>,
    pub state: Mutex<ProcessState>,
    /// `state` has left `Alive` (it never comes back): read on every return to user mode.
    exiting: AtomicBool,
    pub children: Mutex<Vec<Arc<Process>>>,
    /// Woken when a child becomes a zombie.
    pub child_exit: WaitQueue,
    /// Per-process IPC state (SEM_UNDO adjustments); level `ProcessIpc` in `lock_order`.
    pub ipc: OrderedMutex<ipc::ProcessIpc>,
    /// The real-time interval timer (`setitimer`, `alarm`); see `itimer` for its lock order.
    pub itimer: Mutex<itimer::RealTimer>,
    /// The real uid the process is counted under in `user_count` (while in the table).
    pub counted_uid: AtomicU32,
}

/// The process table; level `ProcessTable` in `lock_order`.
static PROCESSES: OrderedMutex<BTreeMap<u32, Arc<Process>>> = OrderedMutex::new(Level::ProcessTable, BTreeMap::new());
static NEXT_PID: AtomicU32 = AtomicU32::new(INIT_PID);

/// Most processes alive at once.
pub const MAX_PROCESSES: usize = 4096;

impl Process {
    fn build(
        pid: u32,
        ppid: u32,
        name: String,
        space: Option<AddressSpace>,
        files: FileTable,
        creds: Credentials,
        signals: SignalState,
    ) -> Arc<Self> {
        let pml4 = space.as_ref().map_or(0, AddressSpace::pml4);
        let ruid = creds.ruid;
        Arc::new(Self {
            pid,
            ppid: AtomicU32::new(ppid),
            name: Mutex::new(name),
            space: OrderedMutex::new(Level::Space, space),
            pml4: AtomicU64::new(pml4),
            files: Mutex::new(files),
            creds: OrderedMutex::new(Level::Creds, creds),
            signals: Mutex::new(signals),
            pending_signals: AtomicU64::new(0),
            threads: Mutex::new(Vec::new()),
            state: Mutex::new(ProcessState::Alive),
            exiting: AtomicBool::new(false),
            children: Mutex::new(Vec::new()),
            child_exit: WaitQueue::new(),
            ipc: OrderedMutex::new(Level::ProcessIpc, ipc::ProcessIpc::default()),
            itimer: Mutex::new(itimer::RealTimer::default()),
            counted_uid: AtomicU32::new(ruid),
        })
    }

    /// The kernel's process 0, owner of the idle thread.
    pub fn kernel() -> Arc<Self> {
        Self::build(
            0,
            0,
            String::from("kernel"),
            None,
            FileTable::default(),
            Credentials::root(),
            SignalState::default(),
        )
    }

    /// The PML4 the scheduler loads for this process's threads (`None`: the kernel's).
    pub fn pml4(&self) -> Option<u64> {
        match self.pml4.load(Ordering::Relaxed) {
            0 => None,
            p => Some(p),
        }
    }

    /// Zero exactly when this process's page tables are the loaded ones (during its own
    /// threads' system calls); a process without an address space (pml4 0) never is,
    /// as the loaded value is never 0. A number rather than a bool: the direct copies
    /// fold it into their range test, one branch for all.
    #[inline(always)]
    pub(super) fn loaded_difference(&self) -> u64 {
        self.pml4.load(Ordering::Relaxed) ^ crate::arch::switch::loaded_page_tables()
    }

    /// Copies `len` bytes of this process's memory at `uaddr` to `dst`: directly when the
    /// range is in one page of the loaded address space, else through the page tables
    /// (`EFAULT` for a bad range). On success all `len` bytes at `dst` are initialized.
    ///
    /// # Safety
    /// `dst` must be valid for writes of `len` bytes.
    ///
    /// The direct copy is inlined into the caller; the checked path is out of line.
    #[inline(always)]
    pub unsafe fn copy_in(&self, uaddr: u64, dst: *mut u8, len: usize) -> Result<(), crate::errno::Errno> {
        // SAFETY: `dst` is the caller's.
        if unsafe { user::copy_from_loaded(self.loaded_difference(), uaddr, dst, len) } {
            return Ok(());
        }
        core::hint::cold_path();
        // SAFETY: as above.
        unsafe { self.copy_in_checked(uaddr, dst, len) }
    }

    /// [`copy_in`](Self::copy_in) through a page-table walk.
    ///
    /// # Safety
    /// As for [`copy_in`](Self::copy_in).
    #[cold]
    #[inline(never)]
    unsafe fn copy_in_checked(&self, uaddr: u64, dst: *mut u8, len: usize) -> Result<(), crate::errno::Errno> {
        super::kernel_lock::ensure_held();
        // SAFETY: `dst` is the caller's.
        self.with_space(|s| unsafe { user::copy_from_user_raw(s, uaddr, dst, len) })
    }

    /// Writes `data` to this process's memory at `uaddr`, like [`copy_in`](Self::copy_in).
    #[inline(always)]
    pub fn copy_out(&self, uaddr: u64, data: &[u8]) -> Result<(), crate::errno::Errno> {
        if user::copy_to_loaded(self.loaded_difference(), uaddr, data) {
            return Ok(());
        }
        core::hint::cold_path();
        self.copy_out_checked(uaddr, data)
    }

    /// [`copy_out`](Self::copy_out) through a page-table walk.
    #[cold]
    #[inline(never)]
    fn copy_out_checked(&self, uaddr: u64, data: &[u8]) -> Result<(), crate::errno::Errno> {
        super::kernel_lock::ensure_held();
        self.with_space(|s| user::copy_to_user(s, uaddr, data))
    }

    /// Writes a `T` to this process's memory, like [`copy_out`](Self::copy_out).
    #[inline(always)]
    pub fn write_user<T: user::Plain>(&self, uaddr: u64, value: &T) -> Result<(), crate::errno::Errno> {
        self.copy_out(uaddr, user::bytes_of(value))
    }

    /// Checks that `len` bytes of this process's memory at `uaddr` may be written (for a
    /// result to be copied there after the call), like [`copy_out`](Self::copy_out).
    #[inline(always)]
    pub fn check_writable(&self, uaddr: u64, len: usize) -> Result<(), crate::errno::Errno> {
        if len == 0 || user::writable_loaded(self.loaded_difference(), uaddr, len) {
            return Ok(());
        }
        core::hint::cold_path();
        self.check_writable_walked(uaddr, len)
    }

    /// [`check_writable`](Self::check_writable) through a page-table walk.
    #[cold]
    #[inline(never)]
    fn check_writable_walked(&self, uaddr: u64, len: usize) -> Result<(), crate::errno::Errno> {
        super::kernel_lock::ensure_held();
        self.with_space(|s| user::check_writable(s, uaddr, len))
    }

    /// [`check_writable`](Self::check_writable) for a caller that holds a facility's lock
    /// and may not hold the kernel lock (a call that runs without it, `kernel_lock.rs`):
    /// without it only the loaded page tables are asked, and a range they do not show
    /// writable (not present yet, copy-on-write, or bad) is `ENEEDLOCK`, for the call to
    /// be made again under the kernel lock.
    #[inline(always)]
    pub fn check_writable_under_lock(&self, uaddr: u64, len: usize) -> Result<(), crate::errno::Errno> {
        if super::kernel_lock::held_here() {
            self.check_writable(uaddr, len)
        } else if user::writable_loaded_range(self.loaded_difference(), uaddr, len) {
            Ok(())
        } else {
            Err(crate::errno::ENEEDLOCK)
        }
    }

    /// [`copy_in`](Self::copy_in) for a caller that holds a facility's lock and may not
    /// hold the kernel lock, like [`check_writable_under_lock`](Self::check_writable_under_lock):
    /// without it, a copy that does not go straight through the loaded page tables is
    /// `ENEEDLOCK`.
    ///
    /// # Safety
    /// As for [`copy_in`](Self::copy_in).
    pub unsafe fn copy_in_under_lock(&self, uaddr: u64, dst: *mut u8, len: usize) -> Result<(), crate::errno::Errno> {
        // SAFETY: `dst` is the caller's.
        if len == 0 || unsafe { user::copy_from_loaded(self.loaded_difference(), uaddr, dst, len) } {
            return Ok(());
        }
        if !super::kernel_lock::held_here() {
            return Err(crate::errno::ENEEDLOCK);
        }
        // SAFETY: as above.
        unsafe { self.copy_in_checked(uaddr, dst, len) }
    }

    /// Reads a `T` from this process's memory, like [`copy_in`](Self::copy_in). Always
    /// inlined: with the size known, the copy is one straight-line move.
    #[inline(always)]
    pub fn read_user<T: user::Plain>(&self, uaddr: u64) -> Result<T, crate::errno::Errno> {
        let mut value = core::mem::MaybeUninit::<T>::uninit();
        // SAFETY: `value` has room for a T; T is Plain, so the copied bytes form a valid
        // value once all of them are written (which success guarantees).
        unsafe {
            self.copy_in(uaddr, value.as_mut_ptr().cast::<u8>(), size_of::<T>())?;
            Ok(value.assume_init())
        }
    }

    /// Runs `f` on the user address space.
    pub fn with_space<R>(
        &self,
        f: impl FnOnce(&mut AddressSpace) -> Result<R, crate::errno::Errno>,
    ) -> Result<R, crate::errno::Errno> {
        // Page tables change only under the kernel lock (`arch::tlb`, `long_copy`).
        debug_assert!(super::kernel_lock::held_here(), "an address space used without the kernel lock");
        let mut space = self.space.lock();
        f(space.as_mut().ok_or(crate::errno::EFAULT)?)
    }

    /// How many threads are live (for the `sys` census; counting, not collecting, keeps
    /// `live_threads` inlined where it is hot).
    pub fn thread_count(&self) -> usize {
        self.threads.lock().iter().filter(|t| t.strong_count() > 0).count()
    }

    /// The live threads.
    pub fn live_threads(&self) -> Vec<Arc<Thread>> {
        self.threads.lock().iter().filter_map(Weak::upgrade).collect()
    }

    /// Adds a thread to the process and makes it runnable.
    pub fn start_thread(&self, thread: Arc<Thread>) {
        self.threads.lock().push(Arc::downgrade(&thread));
        scheduler::add(thread);
    }

    /// Whether the process is on its way out.
    pub fn is_exiting(&self) -> bool {
        self.exiting.load(Ordering::Relaxed)
    }

    /// Starts ending the process with `status`: every thread leaves at its next return
    /// towards user mode; blocked ones are interrupted. A later call keeps the first status.
    pub fn begin_exit(&self, status: i32) {
        {
            let mut state = self.state.lock();
            if *state != ProcessState::Alive {
                return;
            }
            *state = ProcessState::Exiting(status);
            self.exiting.store(true, Ordering::Relaxed);
        }
        scheduler::request_return_check();
        for thread in self.live_threads() {
            scheduler::interrupt(&thread);
        }
    }
}

/// The process with pid `pid`.
pub fn find(pid: u32) -> Option<Arc<Process>> {
    PROCESSES.lock().get(&pid).cloned()
}

fn allocate_pid() -> Result<u32, crate::errno::Errno> {
    if PROCESSES.lock().len() >= MAX_PROCESSES {
        return Err(EAGAIN);
    }
    Ok(NEXT_PID.fetch_add(1, Ordering::Relaxed))
}

fn register(parent: Option<&Arc<Process>>, process: &Arc<Process>) {
    PROCESSES.lock().insert(process.pid, process.clone());
    user_count::add(process.counted_uid.load(Ordering::Relaxed));
    if let Some(parent) = parent {
        parent.children.lock().push(process.clone());
    }
}

/// Takes `process` out of the table (it has been reaped).
fn unregister(process: &Arc<Process>) {
    PROCESSES.lock().remove(&process.pid);
    user_count::remove(process.counted_uid.load(Ordering::Relaxed));
}

/// The initial user frame of a program: its entry point and stack, user selectors,
/// interrupts enabled.
pub fn user_entry_frame(entry: u64, stack: u64) -> TrapFrame {
    use crate::arch::gdt::{USER_CS, USER_DS};
    TrapFrame {
        rip: entry,
        rsp: stack,
        cs: u64::from(USER_CS),
        ss: u64::from(USER_DS),
        rflags: 0x202,
        ..TrapFrame::default()
    }
}

/// Creates a process running the initfs program at `path` (`/scheme/initfs/NAME`), child
/// of `parent` (none for init), with the given descriptors and credentials.
pub fn spawn(
    parent: Option<&Arc<Process>>,
    path: &str,
    args: &[&[u8]],
    env: &[&[u8]],
    files: FileTable,
    creds: Credentials,
) -> Result<u32, crate::errno::Errno> {
    let image = exec::program_image(path).ok_or(ENOENT)?;
    let mut space = AddressSpace::new()?;
    let loaded = exec::load(&mut space, image, args, env)?;
    let pid = allocate_pid()?;
    let ppid = parent.map_or(0, |p| p.pid);
    let name = exec::program_name(path);
    let process = Process::build(pid, ppid, name, Some(space), files, creds, SignalState::default());
    let thread = Thread::new_user(process.clone(), &user_entry_frame(loaded.entry, loaded.stack_top), None)?;
    register(parent, &process);
    process.start_thread(thread);
    Ok(pid)
}

/// Forks the calling thread's process: the child gets a copy of the address space, the
/// descriptors, credentials and signal actions, and one thread that returns 0 from the
/// same call.
pub fn fork(thread: &Arc<Thread>, frame: &TrapFrame) -> Result<u32, crate::errno::Errno> {
    let parent = &thread.process;
    {
        // RLIMIT_NPROC: a process without privileges may not take its real user past
        // the limit (root may).
        let creds = parent.creds.lock();
        if !creds.is_root() && user_count::count(creds.ruid) >= user_count::limit() {
            return Err(EAGAIN);
        }
    }
    crate::memory::heap::reserve_headroom()?;
    let space = parent.with_space(|s| s.fork())?;
    let pid = allocate_pid()?;
    let files = parent.files.lock().try_clone()?;
    let creds = parent.creds.lock().clone();
    let signals = parent.signals.lock().for_fork();
    let name = parent.name.lock().clone();
    let child = Process::build(pid, parent.pid, name, Some(space), files, creds, signals);
    let mut child_frame = frame.clone();
    child_frame.rax = 0;
    let fpu: FpuArea = thread.fpu_snapshot();
    let child_thread = Thread::new_user(child.clone(), &child_frame, Some(&fpu))?;
    child_thread.sigmask.store(thread.sigmask.load(Ordering::Relaxed), Ordering::Relaxed);
    // As Linux: the child's thread has the forking thread's thread-local storage.
    child_thread.fs_base.store(thread.fs_base.load(Ordering::Relaxed), Ordering::Relaxed);
    register(Some(parent), &child);
    ipc::fork(parent, &child);
    child.start_thread(child_thread);
    Ok(pid)
}

/// Replaces the calling process's program. On success `frame` starts the new program;
/// on failure nothing has changed.
pub fn exec(
    thread: &Arc<Thread>,
    frame: &mut TrapFrame,
    path: &str,
    args: &[&[u8]],
    env: &[&[u8]],
) -> Result<(), crate::errno::Errno> {
    let process = &thread.process;
    if process.live_threads().len() > 1 {
        // Linux ends the other threads; here a multi-threaded exec is refused instead.
        return Err(crate::errno::EBUSY);
    }
    let image = exec::program_image(path).ok_or(ENOENT)?;
    let mut space = AddressSpace::new()?;
    let loaded = exec::load(&mut space, image, args, env)?;
    // Point of no return.
    let new_pml4 = space.pml4();
    // SAFETY: the new PML4 shares the kernel half, so the kernel keeps running.
    unsafe { crate::arch::switch::load_page_tables(new_pml4) };
    process.pml4.store(new_pml4, Ordering::Relaxed);
    // As Linux: the old program's robust locks are released as at its death, while its
    // memory, where the list lives, is still the process's.
    super::robust::release_held(thread);
    let old = process.space.lock().replace(space);
    drop(old);
    let closed = process.files.lock().close_on_exec();
    crate::scheme::close_descriptors(process.pid, closed);
    process.signals.lock().reset_for_exec();
    *process.name.lock() = exec::program_name(path);
    thread.set_fpu(FpuArea::initial());
    // The new program sets up its own thread-local storage.
    thread.fs_base.store(0, Ordering::Relaxed);
    crate::arch::switch::load_fs_base(0);
    ipc::exec(process);
    *frame = user_entry_frame(loaded.entry, loaded.stack_top);
    scheduler::request_return_check();
    Ok(())
}

/// Ends the calling thread; the last thread of a process finishes the process's exit.
pub fn exit_current_thread() -> ! {
    let thread = scheduler::current();
    let process = thread.process.clone();
    // The locks it still holds are its waiters' now, marked owner-died.
    super::robust::release_held(&thread);
    let clear_tid = thread.clear_tid.swap(0, Ordering::Relaxed);
    if clear_tid != 0 {
        // CLONE_CHILD_CLEARTID: store 0 and wake one joiner; a bad address is ignored.
        let _ = process.with_space(|s| crate::memory::user::write_user(s, clear_tid, &0u32));
        super::futex::wake(&process, clear_tid, 1);
    }
    let last = {
        let mut threads = process.threads.lock();
        threads.retain(|w| w.upgrade().is_some_and(|t| !Arc::ptr_eq(&t, &thread)));
        threads.is_empty()
    };
    drop(thread);
    if last {
        finish_exit(&process);
    }
    drop(process);
    scheduler::exit_current()
}

fn finish_exit(process: &Arc<Process>) {
    let status = match *process.state.lock() {
        ProcessState::Exiting(status) => status,
        _ => wait::exited(0),
    };
    let files = process.files.lock().take_all();
    crate::scheme::close_descriptors(process.pid, files);
    // Leave the address space before freeing it.
    let kernel = crate::memory::paging::kernel_pml4();
    // SAFETY: the kernel PML4 maps everything the kernel uses.
    unsafe { crate::arch::switch::load_page_tables(kernel) };
    process.pml4.store(0, Ordering::Relaxed);
    let space = process.space.lock().take();
    drop(space);
    ipc::exit(process);
    itimer::disarm(process);

    let orphans: Vec<_> = core::mem::take(&mut *process.children.lock());
    if !orphans.is_empty() {
        if let Some(init) = find(INIT_PID).filter(|i| i.pid != process.pid) {
            for orphan in &orphans {
                orphan.ppid.store(INIT_PID, Ordering::Relaxed);
            }
            let any_zombie = orphans.iter().any(|o| matches!(*o.state.lock(), ProcessState::Zombie(_)));
            init.children.lock().extend(orphans);
            if any_zombie {
                init.child_exit.wake_all();
            }
        } else {
            for orphan in orphans {
                unregister(&orphan);
            }
        }
    }

    *process.state.lock() = ProcessState::Zombie(status);
    process.exiting.store(true, Ordering::Relaxed);
    if process.pid == INIT_PID {
        log::error!("init exited ({}); shutting down", describe_status(status));
        power::end_run(ExitCode::Failure);
    }
    if let Some(parent) = find(process.ppid.load(Ordering::Relaxed)) {
        parent.child_exit.wake_all();
        let (code, value) = if wait::if_exited(status) {
            (CLD_EXITED, wait::exit_status(status))
        } else {
            (CLD_KILLED, wait::term_sig(status))
        };
        let uid = process.creds.lock().ruid;
        let info = Info::from_process(code, process.pid, uid, u64::from(value));
        let _ = super::signal::send_info(&parent, SIGCHLD, info);
    }
}

/// "exit status N" or "killed by signal N".
pub fn describe_status(status: i32) -> alloc::string::String {
    if wait::if_exited(status) {
        alloc::format!("exit status {}", wait::exit_status(status))
    } else {
        alloc::format!("killed by signal {}", wait::term_sig(status))
    }
}

/// `waitpid`: reaps a zombie child (`pid` -1 for any). `Ok(None)` with `nohang` when
/// children exist but none has ended.
pub fn waitpid(parent: &Arc<Process>, pid: i64, nohang: bool) -> Result<Option<(u32, i32)>, crate::errno::Errno> {
    loop {
        {
            let mut children = parent.children.lock();
            let matching = |c: &Arc<Process>| pid == -1 || i64::from(c.pid) == pid;
            if !children.iter().any(&matching) {
                return Err(ECHILD);
            }
            let zombie =
                children.iter().position(|c| matching(c) && matches!(*c.state.lock(), ProcessState::Zombie(_)));
            if let Some(index) = zombie {
                let child = children.remove(index);
                drop(children);
                unregister(&child);
                let ProcessState::Zombie(status) = *child.state.lock() else { unreachable!("checked above") };
                return Ok(Some((child.pid, status)));
            }
        }
        if nohang {
            return Ok(None);
        }
        if parent.child_exit.wait(None) == WakeReason::Interrupted {
            return Err(crate::errno::EINTR);
        }
    }
}

/// Sends `signo` (0: only check) to process `pid` on behalf of `sender`.
pub fn kill(sender: &Arc<Process>, pid: u32, signo: u8) -> Result<(), crate::errno::Errno> {
    send_from(sender, pid, signo, SI_USER, 0)
}

/// `sigqueue`: [`kill`] with a value, which real-time signals queue with (`SI_QUEUE`).
/// The pid is looked up before the signal number is checked, as Linux does.
pub fn sigqueue(sender: &Arc<Process>, pid: u32, signo: u8, value: u64) -> Result<(), crate::errno::Errno> {
    find(pid).ok_or(ESRCH)?;
    if signo > kestrel_abi::signal::NSIG {
        return Err(crate::errno::EINVAL);
    }
    send_from(sender, pid, signo, SI_QUEUE, value)
}

/// Sends `signo` with `code` and `value` to process `pid` on behalf of `sender`, after
/// the permission check (POSIX: the sender's real or effective uid matches the target's
/// real or saved uid).
fn send_from(sender: &Arc<Process>, pid: u32, signo: u8, code: i32, value: u64) -> Result<(), crate::errno::Errno> {
    let target = find(pid).ok_or(ESRCH)?;
    if matches!(*target.state.lock(), ProcessState::Zombie(_)) {
        // Linux lets a zombie be signalled (to no effect).
        return Ok(());
    }
    // Copy the sender's ids first: sender and target may be the same process.
    let s = sender.creds.lock().clone();
    {
        let t = target.creds.lock().clone();
        let allowed = s.euid == 0 || s.ruid == t.ruid || s.ruid == t.suid || s.euid == t.ruid || s.euid == t.suid;
        if !allowed {
            return Err(crate::errno::EPERM);
        }
    }
    if signo == 0 {
        return Ok(());
    }
    if signo == SIGKILL {
        target.begin_exit(wait::signaled(SIGKILL));
        return Ok(());
    }
    super::signal::send_info(&target, signo, Info::from_process(code, sender.pid, s.ruid, value))
}

/// Every process in the table (zombies included).
pub fn all() -> Vec<Arc<Process>> {
    PROCESSES.lock().values().cloned().collect()
}

/// Number of processes in the table (zombies included).
pub fn count() -> usize {
    PROCESSES.lock().len()
}
