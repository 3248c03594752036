//! Signals: actions, pending sets with the information each signal carries, delivery on
//! the way back to user mode, and the conversion of user faults into signals. The
//! handler frame and `sigreturn` are in `frame`.
//!
//! A signal sent to a process is pending on the process; one of its threads that does
//! not block it is interrupted if asleep. Delivery happens in [`on_return_to_user`]: the
//! default action (terminate or ignore), or a handler frame pushed on the user stack.
//! Blocking calls return `EINTR` when interrupted and are not restarted, except those
//! signal(7) lists as restarted under SA_RESTART that this kernel has (the POSIX queue
//! calls): they fail with `ERESTARTSYS`, which the return path turns into the call made
//! again or into `EINTR` ([`settle_interrupted_call`]).
//!
//! Standard signals (below `SIGRT_FIRST`) have one pending instance, which keeps the
//! first sender's information; real-time signals queue every instance with its own, up
//! to `SIGQUEUE_MAX` per process (Linux's `legacy_queue` and `RLIMIT_SIGPENDING`). The
//! pending bit sets stay the summary that the return path reads without a lock.

mod frame;

pub use frame::sigreturn;

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use core::fmt;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::errno::{EAGAIN, EINTR, EINVAL, ERESTARTSYS, Errno};
use kestrel_abi::signal::{
    DefaultAction, NSIG, SA_RESTORER, SI_KERNEL, SI_USER, SIG_DFL, SIG_IGN, SIGALRM, SIGKILL, SIGQUEUE_MAX,
    SIGRT_FIRST, SIGSTOP, SigAction, SigInfo, UNBLOCKABLE, bit, default_action,
};
use kestrel_abi::wait;

use super::thread::{Thread, WakeReason};
use super::{Process, itimer, process, scheduler};
use crate::arch::interrupts::TrapFrame;

/// What a pending signal carries: its `si_code` and the first two words of the
/// `siginfo_t` union (see `kestrel_abi::signal::SigInfo`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Info {
    pub code: i32,
    pub fields: [u64; 2],
}

impl Info {
    /// Sent by the kernel itself (the interval timer's SIGALRM, as Linux's `SEND_SIG_PRIV`).
    pub const KERNEL: Self = Self { code: SI_KERNEL, fields: [0, 0] };

    /// Sent by process `pid` of real user `uid`, with `value`.
    pub const fn from_process(code: i32, pid: u32, uid: u32, value: u64) -> Self {
        Self { code, fields: SigInfo::sender(pid, uid, value) }
    }

    /// A fault at `addr`.
    pub const fn fault(code: i32, addr: u64) -> Self {
        Self { code, fields: [addr, 0] }
    }

    /// Sent by `process` (its pid and real uid) with `code`: SIGPIPE (`SI_USER`),
    /// `pthread_kill` (`SI_TKILL`).
    pub fn sent_by(process: &Process, code: i32) -> Self {
        Self::from_process(code, process.pid, process.creds.lock().ruid, 0)
    }

    /// The `siginfo_t` of `signo` with this information.
    pub fn to_abi(self, signo: u8) -> SigInfo {
        SigInfo::new(signo, self.code, self.fields)
    }
}

/// Per-process signal actions and the information of pending signals. The process-wide
/// pending set is `Process::pending_signals`, an atomic read on every return to user
/// mode; it is changed under this state's lock, together with `queue`.
#[derive(Clone)]
pub struct SignalState {
    pub actions: [SigAction; NSIG as usize],
    /// The information of the process's pending signals, oldest first: at most one entry
    /// for a standard signal, one per instance for a real-time one. A pending bit without
    /// an entry is an instance whose information was lost (a `kill` past the queue's
    /// bound, or no memory), reported as `SI_USER` from pid 0, as Linux does.
    queue: VecDeque<(u8, Info)>,
    /// Real-time entries in `queue`.
    realtime_queued: usize,
}

impl Default for SignalState {
    fn default() -> Self {
        Self { actions: [SigAction::default(); NSIG as usize], queue: VecDeque::new(), realtime_queued: 0 }
    }
}

impl SignalState {
    /// A fork child keeps the actions (and starts with nothing pending).
    pub fn for_fork(&self) -> Self {
        Self { actions: self.actions, ..Self::default() }
    }

    /// Exec resets handled signals to the default action; ignored ones stay ignored, and
    /// pending signals stay pending.
    pub fn reset_for_exec(&mut self) {
        for action in &mut self.actions {
            if action.sa_handler != SIG_IGN {
                *action = SigAction::default();
            }
        }
    }

    fn action(&self, signo: u8) -> SigAction {
        self.actions[usize::from(signo - 1)]
    }

    fn is_ignored(&self, signo: u8) -> bool {
        let a = self.action(signo);
        a.sa_handler == SIG_IGN || (a.sa_handler == SIG_DFL && default_action(signo) == DefaultAction::Ignore)
    }

    /// Records an instance of `signo` that is about to be made pending (its bit is set
    /// by the caller unless this fails). `Ok(false)`: a standard signal already pending,
    /// to be discarded.
    fn enqueue(&mut self, pending: u64, signo: u8, info: Info) -> Result<bool, Errno> {
        if signo < SIGRT_FIRST {
            if pending & bit(signo) != 0 {
                return Ok(false);
            }
            // Without memory the signal is still sent, without its information.
            if self.queue.try_reserve(1).is_ok() {
                self.queue.push_back((signo, info));
            }
            return Ok(true);
        }
        if self.realtime_queued < SIGQUEUE_MAX && self.queue.try_reserve(1).is_ok() {
            self.queue.push_back((signo, info));
            self.realtime_queued += 1;
        } else if info.code != SI_USER {
            // Linux: a real-time signal that cannot be queued fails, unless kill sent it.
            return Err(EAGAIN);
        }
        Ok(true)
    }

    /// Takes the oldest information of `signo`; also says whether another instance of
    /// it stays queued.
    fn dequeue(&mut self, signo: u8) -> (Info, bool) {
        let mut found = None;
        let mut more = false;
        for (i, &(s, _)) in self.queue.iter().enumerate() {
            if s == signo {
                if found.is_some() {
                    more = true;
                    break;
                }
                found = Some(i);
            }
        }
        let info = match found.and_then(|i| self.queue.remove(i)) {
            Some((_, info)) => {
                if signo >= SIGRT_FIRST {
                    self.realtime_queued -= 1;
                }
                info
            }
            None => Info::from_process(SI_USER, 0, 0, 0),
        };
        (info, more)
    }

    /// Forgets every pending instance of `signo` (its action became "ignore").
    fn discard(&mut self, signo: u8) {
        let before = self.queue.len();
        self.queue.retain(|&(s, _)| s != signo);
        if signo >= SIGRT_FIRST {
            self.realtime_queued -= before - self.queue.len();
        }
    }
}

/// Per-thread signal state beyond the mask and the thread-directed pending set.
#[derive(Default)]
pub struct ThreadSignals {
    /// `sigsuspend` replaced the mask: this one comes back on the way to user mode, or
    /// through the handler frame (which saves it) if a handler runs. Only the thread
    /// itself touches these two, in the kernel.
    has_saved_mask: AtomicBool,
    saved_mask: AtomicU64,
    /// While the thread waits in `sigtimedwait`, the mask it had: the wait unblocks its
    /// set, but the signals stay blocked for the "ignored" test of [`send_info`] (Linux's
    /// `real_blocked`).
    real_blocked: AtomicU64,
    /// The information of the signals pending on the thread alone (`Thread::pending`):
    /// one instance of each, real-time ones included, the first one's kept. The bits of
    /// `Thread::pending` are changed under this lock.
    infos: spin::Mutex<alloc::vec::Vec<(u8, Info)>>,
}

impl ThreadSignals {
    /// Keeps `mask` to restore before the thread next reaches user mode.
    pub fn save_mask(&self, mask: u64) {
        self.saved_mask.store(mask, Ordering::Relaxed);
        self.has_saved_mask.store(true, Ordering::Relaxed);
    }

    /// The mask [`save_mask`](Self::save_mask) kept, if any, now forgotten.
    fn take_saved_mask(&self) -> Option<u64> {
        if self.has_saved_mask.swap(false, Ordering::Relaxed) {
            Some(self.saved_mask.load(Ordering::Relaxed))
        } else {
            None
        }
    }

    /// Sets (or, with 0, clears) the mask a `sigtimedwait` replaced for its wait.
    pub fn set_real_blocked(&self, mask: u64) {
        self.real_blocked.store(mask, Ordering::Relaxed);
    }
}

/// Makes `signo` pending on `thread` alone with `info` (`pthread_kill`, and SIGPIPE,
/// which Linux sends to the thread that wrote) and interrupts it if it is asleep and does
/// not block the signal. A signal whose action is to ignore it is discarded at once,
/// unless the thread blocks it (as Linux).
pub fn send_to_thread(thread: &Arc<Thread>, signo: u8, info: Info) {
    if signo == 0 || signo > NSIG {
        return;
    }
    {
        let signals = thread.process.signals.lock();
        let blocked =
            (thread.sigmask.load(Ordering::Relaxed) | thread.signal.real_blocked.load(Ordering::Relaxed)) & bit(signo);
        if signals.is_ignored(signo) && blocked == 0 {
            return;
        }
        pend_on_thread(thread, signo, info);
    }
    scheduler::request_return_check();
    if thread.sigmask.load(Ordering::Relaxed) & bit(signo) == 0 {
        scheduler::interrupt(thread);
    }
    crate::scheme::event::notify();
}

/// Makes `signo` pending on `thread` alone, unless it already is (then the first
/// instance's information is kept).
fn pend_on_thread(thread: &Thread, signo: u8, info: Info) {
    let mut infos = thread.signal.infos.lock();
    if thread.pending.load(Ordering::Relaxed) & bit(signo) == 0 {
        // Without memory the signal is still sent, without its information.
        if infos.try_reserve(1).is_ok() {
            infos.push((signo, info));
        }
        thread.pending.fetch_or(bit(signo), Ordering::Relaxed);
    }
}

/// Makes `signo` pending on `process` on behalf of the kernel (`SI_KERNEL`).
pub fn send(process: &Arc<Process>, signo: u8) {
    let _ = send_info(process, signo, Info::KERNEL);
}

/// Makes `signo` pending on `process` with `info` and interrupts a thread that can take
/// it. A signal whose action is to ignore it is discarded at once, as Linux does, unless
/// the process's first thread blocks it (it may be waited for, or handled later). Fails
/// only with `EAGAIN`: a real-time signal with no room in the queue.
pub fn send_info(process: &Arc<Process>, signo: u8, info: Info) -> Result<(), Errno> {
    if signo == 0 || signo > NSIG {
        return Ok(());
    }
    let threads = process.live_threads();
    let main_blocks = threads.first().is_some_and(|t| {
        (t.sigmask.load(Ordering::Relaxed) | t.signal.real_blocked.load(Ordering::Relaxed)) & bit(signo) != 0
    });
    {
        let mut signals = process.signals.lock();
        if signals.is_ignored(signo) && !main_blocks {
            return Ok(());
        }
        let pending = process.pending_signals.load(Ordering::Relaxed);
        if !signals.enqueue(pending, signo, info)? {
            return Ok(());
        }
        process.pending_signals.fetch_or(bit(signo), Ordering::Relaxed);
    }
    scheduler::request_return_check();
    if let Some(thread) = threads.iter().find(|t| t.sigmask.load(Ordering::Relaxed) & bit(signo) == 0) {
        scheduler::interrupt(thread);
    }
    // A signalfd of the process may have become readable.
    crate::scheme::event::notify();
    Ok(())
}

/// Takes a pending signal of `thread` among `allowed` with its information: one sent to
/// the thread itself first (a fault, `pthread_kill`, SIGPIPE), else the process's
/// lowest-numbered one. Taking
/// SIGALRM lets the interval timer reload (as Linux's `dequeue_signal`).
pub fn take(thread: &Thread, allowed: u64) -> Option<(u8, Info)> {
    let own = thread.pending.load(Ordering::Relaxed) & allowed;
    let (signo, info) = if own != 0 {
        let signo = own.trailing_zeros() as u8 + 1;
        let mut infos = thread.signal.infos.lock();
        thread.pending.fetch_and(!bit(signo), Ordering::Relaxed);
        let found = infos.iter().position(|&(s, _)| s == signo);
        (signo, found.map_or(Info::KERNEL, |i| infos.swap_remove(i).1))
    } else {
        let process = &thread.process;
        let mut signals = process.signals.lock();
        let ready = process.pending_signals.load(Ordering::Relaxed) & allowed;
        if ready == 0 {
            return None;
        }
        let signo = ready.trailing_zeros() as u8 + 1;
        let (info, more) = signals.dequeue(signo);
        if !more {
            process.pending_signals.fetch_and(!bit(signo), Ordering::Relaxed);
        }
        (signo, info)
    };
    if signo == SIGALRM {
        itimer::reload(&thread.process);
    }
    Some((signo, info))
}

/// Sleeps `thread` until a signal of `set` is pending for it and takes it (sigtimedwait,
/// a signalfd read). The set is unblocked while it sleeps, so that a signal of it wakes
/// the thread as an unblocked one would, and is blocked again (`real_blocked` keeps such
/// signals from being discarded as ignored meanwhile). EAGAIN once the monotonic
/// `deadline` passes, EINTR for another signal the thread does not block.
pub fn wait_for(thread: &Arc<Thread>, set: u64, deadline: Option<u64>) -> Result<(u8, Info), Errno> {
    loop {
        if let Some(taken) = take(thread, set) {
            return Ok(taken);
        }
        let mask = thread.sigmask.load(Ordering::Relaxed);
        thread.signal.set_real_blocked(mask);
        thread.sigmask.store(mask & !set, Ordering::Relaxed);
        let reason = scheduler::block(deadline);
        thread.sigmask.store(mask, Ordering::Relaxed);
        thread.signal.set_real_blocked(0);
        scheduler::request_return_check();
        if let Some(taken) = take(thread, set) {
            return Ok(taken);
        }
        match reason {
            WakeReason::TimedOut => return Err(EAGAIN),
            WakeReason::Interrupted => return Err(crate::errno::EINTR),
            WakeReason::Woken if deadline.is_some_and(|d| crate::arch::clock::monotonic_ns() >= d) => {
                return Err(EAGAIN);
            }
            WakeReason::Woken => {}
        }
    }
}

/// The signals of `set` pending for `thread` (its own and its process's).
pub fn pending_in(thread: &Thread, set: u64) -> u64 {
    (thread.process.pending_signals.load(Ordering::Relaxed) | thread.pending.load(Ordering::Relaxed)) & set
}

fn deliverable(thread: &Thread) -> u64 {
    let pending = thread.process.pending_signals.load(Ordering::Relaxed) | thread.pending.load(Ordering::Relaxed);
    pending & !(thread.sigmask.load(Ordering::Relaxed) & !UNBLOCKABLE)
}

/// Whether a blocking call of `thread` must stop now: its process is exiting or it has a
/// signal to take.
pub fn must_interrupt(thread: &Thread) -> bool {
    thread.process.is_exiting() || deliverable(thread) != 0
}

/// A user-mode fault: the signal goes to the faulting thread, with `code` and `addr` as
/// its information. If it has no handler (or blocks the signal), the process dies with a
/// one-line report.
pub fn user_fault(frame: &mut TrapFrame, signo: u8, code: i32, addr: u64, what: fmt::Arguments<'_>) {
    let _ = frame;
    let thread = scheduler::current();
    let process = &thread.process;
    let action = process.signals.lock().action(signo);
    let blocked = thread.sigmask.load(Ordering::Relaxed) & bit(signo) != 0;
    if action.sa_handler > SIG_IGN && !blocked {
        pend_on_thread(&thread, signo, Info::fault(code, addr));
        scheduler::request_return_check();
        return;
    }
    log::warn!("pid {} ({}) killed by signal {signo}: {what}", process.pid, process.name.lock());
    process.begin_exit(wait::signaled(signo));
}

/// Runs before every return to user mode: exits, reschedules, and delivers signals.
#[inline(always)]
pub fn on_return_to_user(frame: &mut TrapFrame) {
    // The most common case: nothing happened since the last check that could give this
    // return work (see `scheduler::request_return_check`).
    if !scheduler::take_return_check() {
        return;
    }
    // The common case, checked without taking a reference to the thread: nothing to do.
    let canonical = frame.rip < LOWER_HALF_END && frame.rsp < LOWER_HALF_END;
    if canonical
        && frame.rax != INTERRUPTED
        && !scheduler::need_resched()
        && scheduler::with_current(|thread| {
            !thread.process.is_exiting()
                && !thread.exit_requested.load(Ordering::Relaxed)
                && deliverable(thread) == 0
                && !thread.signal.has_saved_mask.load(Ordering::Relaxed)
        })
    {
        return;
    }
    work_before_return(frame);
}

/// `rax` after a call that returned ERESTARTSYS.
const INTERRUPTED: u64 = ERESTARTSYS.to_syscall_return() as u64;

/// A system call that returns ERESTARTSYS is made again (`restart`: its number back in
/// `rax`, `rip` back on the 2-byte `syscall` instruction, the argument registers as they
/// were) or fails with EINTR.
fn settle_interrupted_call(frame: &mut TrapFrame, restart: bool) {
    if frame.vector != crate::arch::syscall::SYSCALL_VECTOR || frame.rax != INTERRUPTED {
        return;
    }
    if restart {
        frame.rax = frame.error_code;
        frame.rip -= 2;
    } else {
        frame.rax = EINTR.to_syscall_return() as u64;
    }
}

/// First non-canonical address above the user half.
const LOWER_HALF_END: u64 = 0x0000_8000_0000_0000;

/// [`on_return_to_user`] with something to do. Out of line, so that the common case does
/// not save and restore the registers and stack frame this needs.
#[cold]
#[inline(never)]
fn work_before_return(frame: &mut TrapFrame) {
    loop {
        let thread = scheduler::current();
        if thread.process.is_exiting() || thread.exit_requested.load(Ordering::Relaxed) {
            drop(thread);
            process::exit_current_thread();
        }
        if scheduler::need_resched() {
            drop(thread);
            scheduler::schedule();
            continue;
        }
        let allowed = !(thread.sigmask.load(Ordering::Relaxed) & !UNBLOCKABLE);
        let Some((signo, info)) = take(&thread, allowed) else {
            // No handler ran for the signal that ended a sigsuspend: its mask goes now
            // (and may let a signal through that it had blocked).
            if let Some(mask) = thread.signal.take_saved_mask() {
                thread.sigmask.store(mask & !UNBLOCKABLE, Ordering::Relaxed);
                continue;
            }
            // iretq to a non-canonical address faults in the kernel, so a frame that
            // user input (sigreturn, a handler address) made unusable kills the process.
            if frame.rip >= LOWER_HALF_END || frame.rsp >= LOWER_HALF_END {
                log::warn!(
                    "pid {} ({}): return to non-canonical rip {:#x} rsp {:#x}, killed",
                    thread.process.pid,
                    thread.process.name.lock(),
                    frame.rip,
                    frame.rsp
                );
                thread.process.begin_exit(wait::signaled(kestrel_abi::signal::SIGSEGV));
                continue;
            }
            // No handler ran: an interrupted call is made again, as on Linux.
            settle_interrupted_call(frame, true);
            return;
        };
        deliver(&thread, frame, signo, info);
    }
}

fn deliver(thread: &Arc<Thread>, frame: &mut TrapFrame, signo: u8, info: Info) {
    let process = &thread.process;
    let action = process.signals.lock().action(signo);
    match action.sa_handler {
        SIG_IGN => {}
        SIG_DFL => {
            if default_action(signo) == DefaultAction::Terminate {
                process.begin_exit(wait::signaled(signo));
            }
        }
        _ => {
            // The frame keeps the mask to return to: the one sigsuspend replaced, if any.
            let restore_mask =
                thread.signal.take_saved_mask().unwrap_or_else(|| thread.sigmask.load(Ordering::Relaxed));
            settle_interrupted_call(frame, action.sa_flags & kestrel_abi::signal::SA_RESTART != 0);
            if frame::push(thread, frame, &action, info.to_abi(signo), restore_mask).is_err() {
                log::warn!("pid {} ({}): no room for a signal frame, killed", process.pid, process.name.lock());
                process.begin_exit(wait::signaled(kestrel_abi::signal::SIGSEGV));
                return;
            }
            let mut mask = thread.sigmask.load(Ordering::Relaxed) | action.sa_mask;
            if action.sa_flags & kestrel_abi::signal::SA_NODEFER == 0 {
                mask |= bit(signo);
            }
            thread.sigmask.store(mask & !UNBLOCKABLE, Ordering::Relaxed);
            if action.sa_flags & kestrel_abi::signal::SA_RESETHAND != 0 {
                process.signals.lock().actions[usize::from(signo - 1)] = SigAction::default();
            }
        }
    }
}

/// `sigaction`: SIGKILL and SIGSTOP cannot be changed; a handler needs SA_RESTORER.
pub fn set_action(process: &Process, signo: u8, new: Option<SigAction>) -> Result<SigAction, Errno> {
    if signo == 0 || signo > NSIG {
        return Err(EINVAL);
    }
    let mut signals = process.signals.lock();
    let old = signals.action(signo);
    if let Some(mut new) = new {
        if signo == SIGKILL || signo == SIGSTOP {
            return Err(EINVAL);
        }
        if new.sa_handler > SIG_IGN && new.sa_flags & SA_RESTORER == 0 {
            return Err(EINVAL);
        }
        new.sa_mask &= !UNBLOCKABLE;
        signals.actions[usize::from(signo - 1)] = new;
        // Setting SIG_IGN (or a default of ignore) discards the pending signal (POSIX).
        if signals.is_ignored(signo) {
            signals.discard(signo);
            process.pending_signals.fetch_and(!bit(signo), Ordering::Relaxed);
        }
    }
    Ok(old)
}
