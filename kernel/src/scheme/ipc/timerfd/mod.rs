//! timerfd: one timer's rules, as timerfd_create(2) and Linux's `fs/timerfd.c` have them.
//!
//! - here: the clocks, the flags, and the conversions between `struct itimerspec` and
//!   nanoseconds (with Linux's checks and its clamping at `KTIME_MAX`);
//! - `timer`: one timer ([`Timer`]): settime, gettime, read and its sleepers, poll's
//!   readiness, and what a set of the realtime clock does to it.
//!
//! Times are u64 nanoseconds on the timer's clock (since the epoch for `CLOCK_REALTIME`,
//! since boot for the others), `now` always below [`KTIME_MAX`] (the year 2262). The rules
//! hold no clock: every call takes `now` on the timer's clock, and the timer counts the
//! expirations up to it. The glue arms a wakeup at [`Timer::next_deadline`] and calls
//! [`Timer::expire`] then, so that a sleeping reader gets its count.

mod timer;

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;

pub use self::timer::{Completed, Timer, Woken};
use crate::errno::{EINVAL, Result};
pub use kestrel_abi::timerfd::{
    ItimerSpec, NSEC_PER_SEC, TFD_CLOEXEC, TFD_CREATE_FLAGS, TFD_NONBLOCK, TFD_SETTIME_FLAGS, TFD_TIMER_ABSTIME,
    TFD_TIMER_CANCEL_ON_SET, Timespec,
};

/// The largest time Linux represents (`KTIME_MAX`, `i64::MAX` ns): longer values are
/// clamped to it, and a deadline there never comes.
pub const KTIME_MAX: u64 = i64::MAX as u64;
/// Whole seconds at and above which a timespec is [`KTIME_MAX`] (Linux `KTIME_SEC_MAX`).
const KTIME_SEC_MAX: i64 = i64::MAX / NSEC_PER_SEC;

/// The clocks a timer can run on. (Linux's `CLOCK_REALTIME_ALARM` and
/// `CLOCK_BOOTTIME_ALARM`, which wake a suspended machine, are EINVAL here: this kernel
/// does not suspend.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// Wall-clock time, which `clock_settime` can set.
    Realtime,
    /// Time since boot, never set.
    Monotonic,
    /// Time since boot including suspend (here the same as `Monotonic`).
    Boottime,
}

impl Clock {
    /// The clock of `clockid`, this kernel's numbers (those of `clock_gettime`); another
    /// → EINVAL.
    pub fn from_id(clockid: usize) -> Result<Self> {
        use kestrel_abi::syscall::{CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME};
        match clockid {
            CLOCK_REALTIME => Ok(Self::Realtime),
            CLOCK_MONOTONIC => Ok(Self::Monotonic),
            CLOCK_BOOTTIME => Ok(Self::Boottime),
            _ => Err(EINVAL),
        }
    }
}

bitflags::bitflags! {
    /// `timerfd_create`'s flags: the new description's status flags.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct CreateFlags: i32 {
        const CLOEXEC = TFD_CLOEXEC;
        const NONBLOCK = TFD_NONBLOCK;
    }

    /// `timerfd_settime`'s flags.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct SetFlags: i32 {
        const ABSTIME = TFD_TIMER_ABSTIME;
        const CANCEL_ON_SET = TFD_TIMER_CANCEL_ON_SET;
    }
}

/// `timerfd_create(clockid, flags)`'s checks (Linux makes both in one test): an unknown
/// flag or clock → EINVAL. Returns the clock and the description's flags.
pub fn create_args(clockid: usize, flags: i32) -> Result<(Clock, CreateFlags)> {
    let flags = CreateFlags::from_bits(flags).ok_or(EINVAL)?;
    Ok((Clock::from_id(clockid)?, flags))
}

/// A timespec as nanoseconds, as Linux's `timespec64_valid` and `timespec64_to_ktime`:
/// a negative `tv_sec` or a `tv_nsec` outside `0..NSEC_PER_SEC` → EINVAL; from
/// [`KTIME_SEC_MAX`] seconds on, [`KTIME_MAX`].
pub fn timespec_to_ns(ts: Timespec) -> Result<u64> {
    if ts.tv_sec < 0 || !(0..NSEC_PER_SEC).contains(&ts.tv_nsec) {
        return Err(EINVAL);
    }
    if ts.tv_sec >= KTIME_SEC_MAX {
        return Ok(KTIME_MAX);
    }
    Ok(ts.tv_sec as u64 * NSEC_PER_SEC as u64 + ts.tv_nsec as u64)
}

/// Nanoseconds as a timespec.
pub fn ns_to_timespec(ns: u64) -> Timespec {
    let per = NSEC_PER_SEC as u64;
    Timespec { tv_sec: (ns / per) as i64, tv_nsec: (ns % per) as i64 }
}

/// An interval and a value (or remaining time) as an `itimerspec`.
pub fn itimerspec(interval: u64, value: u64) -> ItimerSpec {
    ItimerSpec { it_interval: ns_to_timespec(interval), it_value: ns_to_timespec(value) }
}
