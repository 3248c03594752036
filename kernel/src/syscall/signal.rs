//! Signal calls: sigaction, sigprocmask, sigpending.

use core::sync::atomic::Ordering;

use crate::errno::EINVAL;
use kestrel_abi::signal::{NSIG, SIG_BLOCK, SIG_SETMASK, SIG_UNBLOCK, SigAction, UNBLOCKABLE};

use super::{Context, Result};
use crate::context::signal::set_action;
use crate::memory::user::{read_user, write_user};

pub fn sigaction(cx: &Context, signo: usize, new: usize, old: usize) -> Result {
    let signo = u8::try_from(signo).ok().filter(|s| (1..=NSIG).contains(s)).ok_or(EINVAL)?;
    let new_action =
        if new == 0 { None } else { Some(cx.process.with_space(|s| read_user::<SigAction>(s, new as u64))?) };
    if old != 0 {
        // Check the out pointer before changing anything.
        let current = set_action(cx.process, signo, None)?;
        cx.process.with_space(|s| write_user(s, old as u64, &current))?;
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
        cx.process.with_space(|s| write_user(s, old as u64, &current))?;
    }
    if let Some(mask) = new {
        cx.thread.sigmask.store(mask & !UNBLOCKABLE, Ordering::Relaxed);
        // A signal the new mask unblocks is delivered before the call returns.
        crate::context::scheduler::request_return_check();
    }
    Ok(0)
}

pub fn sigpending(cx: &Context, out: usize) -> Result {
    let pending = cx.process.pending_signals.load(Ordering::Relaxed) | cx.thread.pending.load(Ordering::Relaxed);
    let blocked = pending & cx.thread.sigmask.load(Ordering::Relaxed);
    cx.process.with_space(|s| write_user(s, out as u64, &blocked))?;
    Ok(0)
}
