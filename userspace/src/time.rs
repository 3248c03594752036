//! Clocks, sleeping, yielding and futexes.

use core::sync::atomic::AtomicU32;

use kestrel_abi::syscall::{FUTEX_WAIT, FUTEX_WAKE, SYS_CLOCK_GETTIME, SYS_FUTEX, SYS_NANOSLEEP, SYS_YIELD, TimeSpec};

use crate::Result;
use crate::syscall::{syscall0, syscall2, syscall4};

pub use kestrel_abi::syscall::{CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME};

/// The current time of `clock`.
pub fn clock_gettime(clock: usize) -> Result<TimeSpec> {
    let mut ts = TimeSpec::default();
    // SAFETY: the kernel writes one TimeSpec into ts.
    unsafe { syscall2(SYS_CLOCK_GETTIME, clock, &raw mut ts as usize)? };
    Ok(ts)
}

/// Nanoseconds of `ts` (0 if it is not a valid time).
pub fn nanos(ts: &TimeSpec) -> u64 {
    ts.to_nanos().unwrap_or(0)
}

/// The monotonic clock in nanoseconds (0 if it cannot be read).
pub fn monotonic_ns() -> u64 {
    clock_gettime(CLOCK_MONOTONIC).map_or(0, |ts| nanos(&ts))
}

/// Milliseconds elapsed since `start_ns` on the monotonic clock.
pub fn elapsed_ms(start_ns: u64) -> u64 {
    monotonic_ns().saturating_sub(start_ns) / 1_000_000
}

/// Sleeps for `req`. On `EINTR` the time left is written to `rem` if given.
pub fn nanosleep(req: &TimeSpec, rem: Option<&mut TimeSpec>) -> Result<()> {
    let rem = rem.map_or(0, |r| r as *mut TimeSpec as usize);
    // SAFETY: the kernel reads req and may write one TimeSpec into rem.
    unsafe { syscall2(SYS_NANOSLEEP, req as *const TimeSpec as usize, rem).map(drop) }
}

/// Sleeps for `ms` milliseconds (one call: `EINTR` is returned, not retried).
pub fn sleep_ms(ms: u64) -> Result<()> {
    nanosleep(&TimeSpec::from_nanos(ms * 1_000_000), None)
}

/// Gives the CPU to another runnable thread.
pub fn sched_yield() -> Result<()> {
    // SAFETY: no memory is passed.
    unsafe { syscall0(SYS_YIELD).map(drop) }
}

/// `FUTEX_WAIT`: sleeps while `*word == expected`, until woken, a signal (`EINTR`) or
/// the relative `timeout` (`ETIMEDOUT`); `EAGAIN` at once if the value differs.
pub fn futex_wait(word: &AtomicU32, expected: u32, timeout: Option<&TimeSpec>) -> Result<usize> {
    let timeout = timeout.map_or(0, |t| t as *const TimeSpec as usize);
    // SAFETY: the kernel reads the word and the timeout.
    unsafe { syscall4(SYS_FUTEX, word.as_ptr() as usize, FUTEX_WAIT, expected as usize, timeout) }
}

/// `FUTEX_WAKE`: wakes up to `count` waiters on `word`; returns how many woke.
pub fn futex_wake(word: &AtomicU32, count: usize) -> Result<usize> {
    // SAFETY: the kernel only uses the word's address as a key.
    unsafe { syscall4(SYS_FUTEX, word.as_ptr() as usize, FUTEX_WAKE, count, 0) }
}
