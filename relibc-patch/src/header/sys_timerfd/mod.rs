//! `sys/timerfd.h`: timers that report their expirations through a descriptor
//! (`timerfd_create`, `timerfd_settime`, `timerfd_gettime`).
//!
//! Not in POSIX; Linux's interface, see timerfd_create(2).
//!
//! ABI: Linux x86_64 as glibc defines it: `TFD_TIMER_ABSTIME` is 1 and
//! `TFD_TIMER_CANCEL_ON_SET` 2, and `TFD_CLOEXEC` and `TFD_NONBLOCK` equal the C library's
//! `O_CLOEXEC` and `O_NONBLOCK` (as glibc defines them equal to Linux's; in kestrel's guest
//! runtime and in relibc on Redox those are Redox's values, which the kernel takes).
//! `struct itimerspec` is the C library's `time.h` one (Linux's 32 bytes: `it_interval`,
//! then `it_value`, each a two-long `struct timespec`), which the kernel reads and writes as
//! it is. Clock ids are the C library's `CLOCK_*` (in kestrel's guest runtime and in relibc
//! on Redox the kernel's own numbers), passed to the kernel as they are.
//!
//! # The calls
//!
//! Each function is one call of the platform's [`PalTimerfd`]: on Redox (kestrel) one call
//! on the kernel's `timerfd` scheme (`platform/redox/timerfd.rs`), on Linux the system call
//! of the same name.
//!
//! The kernel reads and writes the `itimerspec`s itself, so a bad pointer is `EFAULT` from
//! the kernel, not a crash here, and it makes every check in Linux's order (unknown flags,
//! an unknown clock, a bad timespec: `EINVAL`; a `fd` that is not open `EBADF`, not a
//! timer `EINVAL`); the wrapper checks nothing and passes the values through unchanged.
//! `timerfd_create` returns the new descriptor, the others 0, or -1 with `errno` set;
//! success leaves `errno` alone. The descriptor is then read as any (an 8-byte count of
//! expirations).

#![allow(non_camel_case_types)]

use core::mem::{offset_of, size_of};

use crate::{
    error::ResultExt,
    header::{
        _kestrel::{O_CLOEXEC, O_NONBLOCK, c_int},
        bits_timespec::timespec,
        time::itimerspec,
    },
    platform::{PalTimerfd, Sys},
};

/// `timerfd_create` flag: the descriptor is close-on-exec (the C library's `O_CLOEXEC`).
pub const TFD_CLOEXEC: c_int = O_CLOEXEC;
/// `timerfd_create` flag: a read before an expiry fails with `EAGAIN` instead of waiting
/// (the C library's `O_NONBLOCK`).
pub const TFD_NONBLOCK: c_int = O_NONBLOCK;
/// `timerfd_settime` flag: `it_value` is an absolute time on the timer's clock.
pub const TFD_TIMER_ABSTIME: c_int = 1;
/// `timerfd_settime` flag: with `CLOCK_REALTIME` and `TFD_TIMER_ABSTIME`, a read fails
/// with `ECANCELED` (once) after the realtime clock is set.
pub const TFD_TIMER_CANCEL_ON_SET: c_int = 2;

// `struct itimerspec` as the kernel reads and writes it: Linux's 32 bytes (core only:
// relibc has no static_assertions).
const _: () = {
    assert!(
        size_of::<timespec>() == 16
            && offset_of!(timespec, tv_sec) == 0
            && offset_of!(timespec, tv_nsec) == 8
            && size_of::<itimerspec>() == 32
            && offset_of!(itimerspec, it_interval) == 0
            && offset_of!(itimerspec, it_value) == 16
    );
};

/// `timerfd_create(clockid, flags)`: a new descriptor over a disarmed timer on clock
/// `clockid` (`CLOCK_REALTIME`, `CLOCK_MONOTONIC` or `CLOCK_BOOTTIME`). `flags` is 0 or
/// `TFD_CLOEXEC` and `TFD_NONBLOCK`.
#[unsafe(no_mangle)]
pub extern "C" fn timerfd_create(clockid: c_int, flags: c_int) -> c_int {
    Sys::timerfd_create(clockid, flags).or_minus_one_errno()
}

/// `timerfd_settime(fd, flags, new_value, old_value)`: arms the timer of `fd` with
/// `*new_value` (disarms it if `it_value` is zero; `it_value` relative, or absolute with
/// `TFD_TIMER_ABSTIME`), and stores the previous setting in `*old_value` unless it is null.
/// 0, or -1 with `errno` set.
///
/// # Safety
///
/// `new_value` points to a readable `itimerspec` and `old_value` is null or points to a
/// writable one (the kernel reports `EFAULT` for an address it cannot reach, but cannot
/// tell memory the caller does not own).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn timerfd_settime(
    fd: c_int,
    flags: c_int,
    new_value: *const itimerspec,
    old_value: *mut itimerspec,
) -> c_int {
    // SAFETY: the caller's promise for the two settings is passed on unchanged.
    unsafe { Sys::timerfd_settime(fd, flags, new_value, old_value) }.map(|()| 0).or_minus_one_errno()
}

/// `timerfd_gettime(fd, curr_value)`: stores in `*curr_value` the time until the timer of
/// `fd` next expires (zero when disarmed) and its interval. 0, or -1 with `errno` set.
///
/// # Safety
///
/// `curr_value` points to a writable `itimerspec` (as for `timerfd_settime`'s
/// `old_value`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn timerfd_gettime(fd: c_int, curr_value: *mut itimerspec) -> c_int {
    // SAFETY: the caller's promise for the setting is passed on unchanged.
    unsafe { Sys::timerfd_gettime(fd, curr_value) }.map(|()| 0).or_minus_one_errno()
}
