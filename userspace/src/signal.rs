//! Signals: actions, the signal mask, the pending set, waiting for signals, sending them
//! with a value, and the real-time interval timer (`alarm`, `setitimer`).
//!
//! A handler is an `extern "C" fn(signo: i32)` (or an [`InfoHandler`], which also gets the
//! signal's [`SigInfo`] and the interrupted [`UContext`]) run on the interrupted thread's
//! stack. It returns into [`restorer`], which calls `SYS_SIGRETURN` so that the kernel
//! restores the interrupted state; every action set through this module carries
//! `SA_RESTORER` and that restorer.

use kestrel_abi::syscall::{
    SYS_ALARM, SYS_GETITIMER, SYS_SETITIMER, SYS_SIGACTION, SYS_SIGPENDING, SYS_SIGPROCMASK, SYS_SIGQUEUE,
    SYS_SIGRETURN, SYS_SIGSUSPEND, SYS_SIGTIMEDWAIT, TimeSpec,
};

use crate::syscall::{syscall1, syscall2, syscall3};
use crate::{Errno, Result};

pub use kestrel_abi::signal::*;

/// A signal handler: receives the signal number.
pub type Handler = extern "C" fn(signo: i32);

/// A handler that also receives the signal's information and the interrupted context
/// (the kernel passes both to every handler).
pub type InfoHandler = extern "C" fn(signo: i32, info: &SigInfo, context: &mut UContext);

/// The handler's return address: asks the kernel to restore the interrupted context.
/// It must not touch the stack: the kernel finds its saved frame from `rsp`.
#[unsafe(naked)]
pub extern "C" fn restorer() -> ! {
    core::arch::naked_asm!("mov eax, {n}", "syscall", "ud2", n = const SYS_SIGRETURN)
}

/// `sigaction(signo, new)`: installs `new` (with `SA_RESTORER` and [`restorer`] filled
/// in) if given, and returns the previous action.
///
/// # Safety
/// `new.sa_handler`, unless `SIG_DFL` or `SIG_IGN`, must be the address of a
/// [`Handler`] that is safe to run at any point where the signal may arrive.
pub unsafe fn sigaction(signo: u8, new: Option<&SigAction>) -> Result<SigAction> {
    let new =
        new.map(|a| SigAction { sa_flags: a.sa_flags | SA_RESTORER, sa_restorer: restorer as *const () as u64, ..*a });
    let new_ptr = new.as_ref().map_or(0, |a| a as *const SigAction as usize);
    let mut old = SigAction::default();
    // SAFETY: the kernel reads new and writes old; the caller vouches for the handler.
    unsafe { syscall3(SYS_SIGACTION, usize::from(signo), new_ptr, &raw mut old as usize)? };
    Ok(old)
}

/// Runs `handler` when `signo` arrives, with `mask` added to the signal mask meanwhile
/// and the `SA_*` `flags`; returns the previous action.
pub fn set_handler_with(signo: u8, handler: Handler, mask: u64, flags: u64) -> Result<SigAction> {
    let action = SigAction { sa_handler: handler as *const () as u64, sa_flags: flags, sa_restorer: 0, sa_mask: mask };
    // SAFETY: handler is a Handler; a safe Rust function cannot break memory safety by
    // running at an arbitrary point (shared state it touches must be atomics).
    unsafe { sigaction(signo, Some(&action)) }
}

/// Runs `handler` when `signo` arrives; returns the previous action.
pub fn set_handler(signo: u8, handler: Handler) -> Result<SigAction> {
    set_handler_with(signo, handler, 0, 0)
}

/// Ignores `signo`.
pub fn ignore(signo: u8) -> Result<SigAction> {
    // SAFETY: SIG_IGN runs no code.
    unsafe { sigaction(signo, Some(&SigAction { sa_handler: SIG_IGN, ..SigAction::default() })) }
}

/// Restores the default action of `signo`.
pub fn set_default(signo: u8) -> Result<SigAction> {
    // SAFETY: SIG_DFL runs no code.
    unsafe { sigaction(signo, Some(&SigAction { sa_handler: SIG_DFL, ..SigAction::default() })) }
}

/// The current action of `signo`.
pub fn get_action(signo: u8) -> Result<SigAction> {
    // SAFETY: nothing is installed.
    unsafe { sigaction(signo, None) }
}

/// `sigprocmask(how, set)` with `SIG_BLOCK`, `SIG_UNBLOCK` or `SIG_SETMASK`; returns the
/// previous mask. With `set` `None` the mask is only read.
pub fn sigprocmask(how: usize, set: Option<u64>) -> Result<u64> {
    let set_ptr = set.as_ref().map_or(0, |s| s as *const u64 as usize);
    let mut old = 0u64;
    // SAFETY: the kernel reads set and writes old.
    unsafe { syscall3(SYS_SIGPROCMASK, how, set_ptr, &raw mut old as usize)? };
    Ok(old)
}

/// The current signal mask.
pub fn current_mask() -> Result<u64> {
    sigprocmask(SIG_BLOCK, None)
}

/// The signals pending for the calling thread (blocked ones that have arrived).
pub fn sigpending() -> Result<u64> {
    let mut set = 0u64;
    // SAFETY: the kernel writes one u64.
    unsafe { syscall1(SYS_SIGPENDING, &raw mut set as usize)? };
    Ok(set)
}

/// Runs `handler`, with the signal's information, when `signo` arrives (`SA_SIGINFO`
/// added to `flags`); returns the previous action.
pub fn set_info_handler(signo: u8, handler: InfoHandler, mask: u64, flags: u64) -> Result<SigAction> {
    let action = SigAction {
        sa_handler: handler as *const () as u64,
        sa_flags: flags | SA_SIGINFO,
        sa_restorer: 0,
        sa_mask: mask,
    };
    // SAFETY: as in set_handler_with: the kernel calls it with valid references to the
    // frame it pushed.
    unsafe { sigaction(signo, Some(&action)) }
}

/// `sigsuspend(mask)`: waits with `mask` as the signal mask until a signal is handled (or
/// ends the process); always `Err(EINTR)`, with the old mask back.
pub fn sigsuspend(mask: u64) -> Errno {
    // SAFETY: the kernel reads one u64.
    match unsafe { syscall1(SYS_SIGSUSPEND, &raw const mask as usize) } {
        Ok(_) => Errno::EINTR,
        Err(e) => e,
    }
}

/// `sigtimedwait(set, timeout)`: takes a pending signal of `set` (which the caller should
/// block) and returns its information, waiting at most `timeout` (none: for ever).
/// `EAGAIN` when the time runs out, `EINTR` when a handler ran meanwhile.
pub fn sigtimedwait(set: u64, timeout: Option<&TimeSpec>) -> Result<SigInfo> {
    let mut info = SigInfo::default();
    let timeout_ptr = timeout.map_or(0, |t| t as *const TimeSpec as usize);
    // SAFETY: the kernel reads the set and the timeout and writes one SigInfo.
    unsafe { syscall3(SYS_SIGTIMEDWAIT, &raw const set as usize, &raw mut info as usize, timeout_ptr)? };
    Ok(info)
}

/// `sigqueue(pid, signo, value)`: sends `signo` with `value` (`SI_QUEUE`).
pub fn sigqueue(pid: usize, signo: u8, value: u64) -> Result<()> {
    // SAFETY: no memory is passed.
    unsafe { syscall3(SYS_SIGQUEUE, pid, usize::from(signo), value as usize).map(drop) }
}

/// `setitimer(which, new)`: sets the timer (`None`: disarms it) and returns the previous
/// setting.
pub fn setitimer(which: usize, new: Option<&ITimerVal>) -> Result<ITimerVal> {
    let mut old = ITimerVal::default();
    let new_ptr = new.map_or(0, |n| n as *const ITimerVal as usize);
    // SAFETY: the kernel reads new and writes old.
    unsafe { syscall3(SYS_SETITIMER, which, new_ptr, &raw mut old as usize)? };
    Ok(old)
}

/// `getitimer(which)`: the time left and the interval.
pub fn getitimer(which: usize) -> Result<ITimerVal> {
    let mut value = ITimerVal::default();
    // SAFETY: the kernel writes one ITimerVal.
    unsafe { syscall2(SYS_GETITIMER, which, &raw mut value as usize)? };
    Ok(value)
}

/// `alarm(seconds)`: SIGALRM in `seconds` (0: none); the previous alarm's seconds left.
pub fn alarm(seconds: u32) -> u32 {
    // SAFETY: no memory is passed.
    unsafe { syscall1(SYS_ALARM, seconds as usize).unwrap_or(0) as u32 }
}

/// The name of `signo` (`SIGSEGV`), or `"signal"` for one without a name here.
pub fn name(signo: u8) -> &'static str {
    match signo {
        SIGHUP => "SIGHUP",
        SIGINT => "SIGINT",
        SIGQUIT => "SIGQUIT",
        SIGILL => "SIGILL",
        SIGTRAP => "SIGTRAP",
        SIGABRT => "SIGABRT",
        SIGBUS => "SIGBUS",
        SIGFPE => "SIGFPE",
        SIGKILL => "SIGKILL",
        SIGUSR1 => "SIGUSR1",
        SIGSEGV => "SIGSEGV",
        SIGUSR2 => "SIGUSR2",
        SIGPIPE => "SIGPIPE",
        SIGALRM => "SIGALRM",
        SIGTERM => "SIGTERM",
        SIGCHLD => "SIGCHLD",
        SIGCONT => "SIGCONT",
        SIGSTOP => "SIGSTOP",
        SIGSYS => "SIGSYS",
        _ => "signal",
    }
}
