//! Signals: actions, pending sets, delivery on the way back to user mode, handler frames
//! and `sigreturn`, and the conversion of user faults into signals.
//!
//! A signal sent to a process is pending on the process; one of its threads that does
//! not block it is interrupted if asleep. Delivery happens in [`on_return_to_user`]: the
//! default action (terminate or ignore), or a handler frame pushed on the user stack.
//! Blocking calls return `EINTR` when interrupted and are never restarted.

use core::fmt;
use core::sync::atomic::Ordering;

use crate::errno::{EFAULT, EINVAL};
use alloc::sync::Arc;
use kestrel_abi::signal::{
    DefaultAction, NSIG, SA_NODEFER, SA_RESETHAND, SA_RESTORER, SIG_DFL, SIG_IGN, SIGKILL, SIGSTOP, SigAction,
    UNBLOCKABLE, bit, default_action,
};
use kestrel_abi::wait;

use super::thread::{Thread, WakeReason};
use super::{Process, process, scheduler};
use crate::arch::fpu::FpuArea;
use crate::arch::gdt::{USER_CS, USER_DS};
use crate::arch::interrupts::TrapFrame;
use crate::memory::user::{copy_from_user, copy_to_user};

/// Per-process signal actions. The process-wide pending set is `Process::pending_signals`,
/// an atomic read on every return to user mode; it is changed under this state's lock.
#[derive(Clone)]
pub struct SignalState {
    pub actions: [SigAction; NSIG as usize],
}

impl Default for SignalState {
    fn default() -> Self {
        Self { actions: [SigAction::default(); NSIG as usize] }
    }
}

impl SignalState {
    /// A fork child keeps the actions (and starts with nothing pending).
    pub fn for_fork(&self) -> Self {
        Self { actions: self.actions }
    }

    /// Exec resets handled signals to the default action; ignored ones stay ignored.
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
}

/// Makes `signo` pending on `process` and interrupts a thread that can take it. Ignored
/// signals are discarded at once, as Linux does.
pub fn send(process: &Arc<Process>, signo: u8) {
    if signo == 0 || signo > NSIG {
        return;
    }
    {
        let signals = process.signals.lock();
        if signals.is_ignored(signo) {
            return;
        }
        process.pending_signals.fetch_or(bit(signo), Ordering::Relaxed);
    }
    scheduler::request_return_check();
    if let Some(thread) =
        process.live_threads().into_iter().find(|t| t.sigmask.load(Ordering::Relaxed) & bit(signo) == 0)
    {
        scheduler::wake(&thread, WakeReason::Interrupted);
    }
}

/// Makes `signo` pending on `thread` alone (`pthread_kill`, and SIGPIPE, which Linux
/// sends to the thread that wrote) and interrupts it if it is asleep and does not block
/// the signal. Ignored signals are discarded at once.
pub fn send_to_thread(thread: &Arc<Thread>, signo: u8) {
    if signo == 0 || signo > NSIG {
        return;
    }
    {
        let signals = thread.process.signals.lock();
        if signals.is_ignored(signo) {
            return;
        }
        thread.pending.fetch_or(bit(signo), Ordering::Relaxed);
    }
    scheduler::request_return_check();
    if thread.sigmask.load(Ordering::Relaxed) & bit(signo) == 0 {
        scheduler::wake(thread, WakeReason::Interrupted);
    }
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

/// A user-mode fault: the signal goes to the faulting thread. If it has no handler (or
/// blocks the signal), the process dies with a one-line report.
pub fn user_fault(frame: &mut TrapFrame, signo: u8, what: fmt::Arguments<'_>) {
    let _ = frame;
    let thread = scheduler::current();
    let process = &thread.process;
    let action = process.signals.lock().action(signo);
    let blocked = thread.sigmask.load(Ordering::Relaxed) & bit(signo) != 0;
    if action.sa_handler > SIG_IGN && !blocked {
        thread.pending.fetch_or(bit(signo), Ordering::Relaxed);
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
    // return work (see `scheduler::RETURN_CHECK`).
    if !scheduler::take_return_check() {
        return;
    }
    // The common case, checked without taking a reference to the thread: nothing to do.
    let canonical = frame.rip < LOWER_HALF_END && frame.rsp < LOWER_HALF_END;
    if canonical
        && !scheduler::need_resched()
        && scheduler::with_current(|thread| !thread.process.is_exiting() && deliverable(thread) == 0)
    {
        return;
    }
    work_before_return(frame);
}

/// [`on_return_to_user`] with something to do. Out of line, so that the common case does
/// not save and restore the registers and stack frame this needs.
#[cold]
#[inline(never)]
fn work_before_return(frame: &mut TrapFrame) {
    loop {
        let thread = scheduler::current();
        if thread.process.is_exiting() {
            drop(thread);
            process::exit_current_thread();
        }
        if scheduler::need_resched() {
            drop(thread);
            scheduler::schedule();
            continue;
        }
        let ready = deliverable(&thread);
        if ready == 0 {
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
            return;
        }
        let signo = ready.trailing_zeros() as u8 + 1;
        // Take it from the thread's own set first, else from the process's.
        if thread.pending.fetch_and(!bit(signo), Ordering::Relaxed) & bit(signo) == 0 {
            let _signals = thread.process.signals.lock();
            thread.process.pending_signals.fetch_and(!bit(signo), Ordering::Relaxed);
        }
        deliver(&thread, frame, signo);
    }
}

/// What a handler frame holds on the user stack, below the red zone.
#[repr(C)]
struct SignalFrame {
    /// The handler's return address (`sa_restorer`).
    restorer: u64,
    signo: u64,
    old_mask: u64,
    _pad: u64,
    regs: TrapFrame,
    fpu: FpuArea,
}

const RED_ZONE: u64 = 128;
/// The `vector` of a frame restored by sigreturn (returns with iretq).
const RESTORED_FRAME: u64 = 0x101;
/// First non-canonical address above the user half.
const LOWER_HALF_END: u64 = 0x0000_8000_0000_0000;

fn deliver(thread: &Arc<Thread>, frame: &mut TrapFrame, signo: u8) {
    let process = &thread.process;
    let action = process.signals.lock().action(signo);
    match action.sa_handler {
        SIG_IGN => {}
        SIG_DFL => {
            if default_action(signo) == DefaultAction::Terminate {
                process.begin_exit(wait::signaled(signo));
            }
        }
        handler => {
            let old_mask = thread.sigmask.load(Ordering::Relaxed);
            let sig_frame = SignalFrame {
                restorer: action.sa_restorer,
                signo: u64::from(signo),
                old_mask,
                _pad: 0,
                regs: frame.clone(),
                fpu: thread.fpu_snapshot(),
            };
            // rsp at handler entry points at the return address and must be 8 mod 16, as
            // if `call` had pushed it; the frame lies below the interrupted red zone.
            let sp = (frame.rsp.wrapping_sub(RED_ZONE + size_of::<SignalFrame>() as u64) & !15).wrapping_sub(8);
            // SAFETY: SignalFrame is repr(C) of integers and byte arrays, with explicit
            // padding, so all of its bytes are initialised.
            let bytes = unsafe {
                core::slice::from_raw_parts(&sig_frame as *const SignalFrame as *const u8, size_of::<SignalFrame>())
            };
            if process.with_space(|s| copy_to_user(s, sp, bytes)).is_err() {
                log::warn!("pid {} ({}): no room for a signal frame, killed", process.pid, process.name.lock());
                process.begin_exit(wait::signaled(kestrel_abi::signal::SIGSEGV));
                return;
            }
            let mut mask = old_mask | action.sa_mask;
            if action.sa_flags & SA_NODEFER == 0 {
                mask |= bit(signo);
            }
            thread.sigmask.store(mask & !UNBLOCKABLE, Ordering::Relaxed);
            if action.sa_flags & SA_RESETHAND != 0 {
                process.signals.lock().actions[usize::from(signo - 1)] = SigAction::default();
            }
            frame.rip = handler;
            frame.rsp = sp;
            frame.rdi = u64::from(signo);
            frame.rsi = 0;
            frame.rdx = 0;
            frame.rax = 0;
            frame.rflags &= !(1 << 10); // DF clear, as the ABI requires
        }
    }
}

/// `SYS_SIGRETURN`: restores what [`deliver`] saved. The frame's stack pointer is where
/// the restorer's `ret` left it: just past the return address, at `signo`.
pub fn sigreturn(thread: &Arc<Thread>, frame: &mut TrapFrame) -> Result<(), crate::errno::Errno> {
    let at = frame.rsp.checked_sub(8).ok_or(EFAULT)?;
    let mut sig_frame =
        SignalFrame { restorer: 0, signo: 0, old_mask: 0, _pad: 0, regs: TrapFrame::default(), fpu: FpuArea([0; 512]) };
    // SAFETY: every bit pattern is a valid SignalFrame (integers and byte arrays).
    let bytes = unsafe {
        core::slice::from_raw_parts_mut(&mut sig_frame as *mut SignalFrame as *mut u8, size_of::<SignalFrame>())
    };
    thread.process.with_space(|s| copy_from_user(s, at, bytes))?;
    let regs = sig_frame.regs;
    // Only user-controllable state comes back: user selectors, and flags without IOPL,
    // with interrupts on.
    const USER_FLAGS: u64 = 0xcd5; // CF PF AF ZF SF TF DF OF
    // The restored state may be from any point of the program (an interrupt), so every
    // register must come back: not a syscall frame, which returns with sysret.
    *frame = TrapFrame {
        cs: u64::from(USER_CS),
        ss: u64::from(USER_DS),
        rflags: (regs.rflags & USER_FLAGS) | 0x202,
        vector: RESTORED_FRAME,
        error_code: 0,
        ..regs
    };
    thread.set_fpu(sig_frame.fpu);
    thread.sigmask.store(sig_frame.old_mask & !UNBLOCKABLE, Ordering::Relaxed);
    // The restored mask may unblock a pending signal, and the frame came from user memory.
    scheduler::request_return_check();
    Ok(())
}

/// `sigaction`: SIGKILL and SIGSTOP cannot be changed; a handler needs SA_RESTORER.
pub fn set_action(process: &Process, signo: u8, new: Option<SigAction>) -> Result<SigAction, crate::errno::Errno> {
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
            process.pending_signals.fetch_and(!bit(signo), Ordering::Relaxed);
        }
    }
    Ok(old)
}
