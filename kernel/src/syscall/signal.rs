//! Signal calls: sigaction, sigprocmask, sigpending, sigsuspend, sigtimedwait, sigqueue.

use core::sync::atomic::Ordering;

use crate::errno::{EAGAIN, EINTR, EINVAL, ESRCH};
use kestrel_abi::signal::{NSIG, SIG_BLOCK, SIG_SETMASK, SIG_UNBLOCK, SigAction, UNBLOCKABLE};
use kestrel_abi::syscall::TimeSpec;

use super::{Context, Result};
use crate::arch::clock;
use crate::context::signal::{self, set_action};
use crate::context::{process, scheduler};
use crate::memory::user::read_user;

pub fn sigaction(cx: &Context, signo: usize, new: usize, old: usize) -> Result {
    let signo = u8::try_from(signo).ok().filter(|s| (1..=NSIG).contains(s)).ok_or(EINVAL)?;
    let new_action =
        if new == 0 { None } else { Some(cx.process.with_space(|s| read_user::<SigAction>(s, new as u64))?) };
    if old != 0 {
        // Check the out pointer before changing anything.
        let current = set_action(cx.process, signo, None)?;
        cx.process.write_user(old as u64, &current)?;
    }
    set_action(cx.process, signo, new_action)?;
    Ok(0)
}

pub fn sigprocmask(cx: &Context, how: usize, set: usize, old: usize) -> Result {
    let current = cx.thread.sigmask.load(Ordering::Relaxed);
    let new = if set == 0 {
        None
    } else {
        let set: u64 = cx.process.with_space(|s| read_user(s, set as u64))?;
        Some(match how {
            SIG_BLOCK => current | set,
            SIG_UNBLOCK => current & !set,
            SIG_SETMASK => set,
            _ => return Err(EINVAL),
        })
    };
    if old != 0 {
        cx.process.write_user(old as u64, &current)?;
    }
    if let Some(mask) = new {
        cx.thread.sigmask.store(mask & !UNBLOCKABLE, Ordering::Relaxed);
        // A signal the new mask unblocks is delivered before the call returns.
        scheduler::request_return_check();
    }
    Ok(0)
}

pub fn sigpending(cx: &Context, out: usize) -> Result {
    let pending = cx.process.pending_signals.load(Ordering::Relaxed) | cx.thread.pending.load(Ordering::Relaxed);
    let blocked = pending & cx.thread.sigmask.load(Ordering::Relaxed);
    cx.process.write_user(out as u64, &blocked)?;
    Ok(0)
}

/// `sigsuspend(mask)`: waits with `mask` in place until a signal is to be delivered (or
/// the process ends), then fails with EINTR. The old mask is kept for the way back: the
/// handler frame saves it, so it returns after the handler (Linux's saved sigmask).
pub fn sigsuspend(cx: &Context, mask: usize) -> Result {
    let mask: u64 = cx.process.with_space(|s| read_user(s, mask as u64))?;
    let thread = cx.thread;
    thread.signal.save_mask(thread.sigmask.load(Ordering::Relaxed));
    thread.sigmask.store(mask & !UNBLOCKABLE, Ordering::Relaxed);
    scheduler::request_return_check();
    while !signal::must_interrupt(thread) {
        scheduler::block(None);
    }
    Err(EINTR)
}

/// `sigtimedwait(set, info, timeout)`: takes a pending signal of `set` without running
/// its handler and returns its number, with its `siginfo_t` in `info` (if not 0). With
/// none pending it waits, for at most the relative `timeout` (CLOCK_MONOTONIC; none:
/// for ever; zero: not at all) with `set` unblocked, as Linux: EAGAIN when the time runs
/// out, EINTR if another signal is delivered first. As on Linux, the signal is taken
/// before `info` is written, so a bad `info` loses it (EFAULT).
pub fn sigtimedwait(cx: &Context, set: usize, info: usize, timeout: usize) -> Result {
    let set = cx.process.with_space(|s| read_user::<u64>(s, set as u64))? & !UNBLOCKABLE;
    let timeout = match timeout {
        0 => None,
        ptr => Some(cx.process.with_space(|s| read_user::<TimeSpec>(s, ptr as u64))?.to_nanos().ok_or(EINVAL)?),
    };
    let thread = cx.thread;
    let (signo, taken) = match signal::take(thread, set) {
        Some(taken) => taken,
        None if timeout == Some(0) => return Err(EAGAIN),
        None => signal::wait_for(thread, set, timeout.map(|ns| clock::monotonic_ns().saturating_add(ns)))?,
    };
    if info != 0 {
        cx.process.write_user(info as u64, &taken.to_abi(signo))?;
    }
    Ok(usize::from(signo))
}

/// `sigqueue(pid, signo, value)`: as kill, with `value` in the signal's `si_value` and
/// `SI_QUEUE`; a pid that is not positive names no process (ESRCH, as Linux), and a
/// real-time signal that finds its queue full fails with EAGAIN.
pub fn sigqueue(cx: &Context, pid: usize, signo: usize, value: usize) -> Result {
    let pid = u32::try_from(pid as i64).ok().filter(|&p| p > 0 && p <= i32::MAX as u32).ok_or(ESRCH)?;
    let signo = u8::try_from(signo).unwrap_or(u8::MAX);
    process::sigqueue(cx.process, pid, signo, value as u64).map(|()| 0)
}
