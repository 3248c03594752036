//! The real-time interval timer calls: setitimer, getitimer and alarm (see
//! `context::itimer`). Only `ITIMER_REAL` exists: `ITIMER_VIRTUAL` and `ITIMER_PROF`,
//! which count the process's CPU time, are `EINVAL`, as an unknown timer is.

use crate::errno::EINVAL;
use kestrel_abi::signal::{ITIMER_REAL, ITimerVal, TimeVal};

use super::{Context, Result};
use crate::context::itimer;
use crate::memory::user::read_user;

fn itimerval(value: u64, interval: u64) -> ITimerVal {
    ITimerVal { it_interval: TimeVal::from_nanos(interval), it_value: TimeVal::from_nanos(value) }
}

/// `setitimer(which, new, old)`, in Linux's order: `new` is read and checked (EFAULT,
/// then EINVAL for a negative time or microseconds outside 0..1,000,000) before `which`
/// (EINVAL); a null `new` disarms, as Linux still allows; the timer is set before `old`
/// is written, so a bad `old` is EFAULT with the new setting in force.
pub fn setitimer(cx: &Context, which: usize, new: usize, old: usize) -> Result {
    let (value, interval) = if new == 0 {
        (0, 0)
    } else {
        let new: ITimerVal = cx.process.with_space(|s| read_user(s, new as u64))?;
        (new.it_value.to_nanos().ok_or(EINVAL)?, new.it_interval.to_nanos().ok_or(EINVAL)?)
    };
    if which != ITIMER_REAL {
        return Err(EINVAL);
    }
    let (left, reload) = itimer::set(cx.process, value, interval);
    if old != 0 {
        cx.process.write_user(old as u64, &itimerval(left, reload))?;
    }
    Ok(0)
}

/// `getitimer(which, out)`: the time left and the interval.
pub fn getitimer(cx: &Context, which: usize, out: usize) -> Result {
    if which != ITIMER_REAL {
        return Err(EINVAL);
    }
    let (left, reload) = itimer::get(cx.process);
    cx.process.write_user(out as u64, &itimerval(left, reload))?;
    Ok(0)
}

/// `alarm(seconds)`: a one-shot timer (none for 0) replacing any setting; returns the
/// previous one's time left in whole seconds, rounded as Linux rounds it.
pub fn alarm(cx: &Context, seconds: usize) -> Result {
    let seconds = seconds as u32;
    let (left, _) = itimer::set(cx.process, u64::from(seconds) * 1_000_000_000, 0);
    Ok(itimer::alarm_seconds(left) as usize)
}
