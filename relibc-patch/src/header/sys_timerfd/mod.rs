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
//! Each function is one call on the process's descriptor of the kernel's `timerfd` scheme,
//! through the platform adapter (`timerfd_call`), with the arguments as
//! `kestrel_abi::timerfd::call` lays them out:
//!
//! - `timerfd_create(clockid, flags)`: metadata `[TIMERFD_CALL_CREATE, clockid (as u32),
//!   flags (as u32)]`, no payload;
//! - `timerfd_settime(fd, flags, new_value, old_value)`: metadata `[TIMERFD_CALL_SETTIME,
//!   fd (as u32), flags (as u32)]` and a payload of two little-endian u64 words that the
//!   kernel only reads: `new_value`'s address and `old_value`'s (0 for a null pointer);
//! - `timerfd_gettime(fd, curr_value)`: metadata `[TIMERFD_CALL_GETTIME, fd (as u32),
//!   curr_value's address]`, no payload.
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

use crate::header::_kestrel::{self as platform, O_CLOEXEC, O_NONBLOCK, c_int, itimerspec, timespec};

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

/// The kernel's `timerfd` scheme calls (`metadata[0]`), as `kestrel_abi::timerfd::call`
/// numbers them.
pub(crate) const TIMERFD_CALL_CREATE: u64 = 1;
pub(crate) const TIMERFD_CALL_SETTIME: u64 = 2;
pub(crate) const TIMERFD_CALL_GETTIME: u64 = 3;

/// The adapter's answer as the C return value: the kernel's result, or -1 with `errno`
/// set.
fn result(reply: Result<usize, c_int>) -> c_int {
    match reply {
        // A descriptor number, or 0.
        Ok(value) => value as c_int,
        Err(errno) => {
            platform::set_errno(errno);
            -1
        }
    }
}

/// `timerfd_create(clockid, flags)`: a new descriptor over a disarmed timer on clock
/// `clockid` (`CLOCK_REALTIME`, `CLOCK_MONOTONIC` or `CLOCK_BOOTTIME`). `flags` is 0 or
/// `TFD_CLOEXEC` and `TFD_NONBLOCK`.
#[unsafe(no_mangle)]
pub extern "C" fn timerfd_create(clockid: c_int, flags: c_int) -> c_int {
    let metadata = [TIMERFD_CALL_CREATE, u64::from(clockid as u32), u64::from(flags as u32)];
    result(platform::timerfd_call(&[], &metadata))
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
    let mut payload = [0; 16];
    payload[..8].copy_from_slice(&(new_value as usize as u64).to_le_bytes());
    payload[8..].copy_from_slice(&(old_value as usize as u64).to_le_bytes());
    let metadata = [TIMERFD_CALL_SETTIME, u64::from(fd as u32), u64::from(flags as u32)];
    result(platform::timerfd_call(&payload, &metadata))
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
    let metadata = [TIMERFD_CALL_GETTIME, u64::from(fd as u32), curr_value as usize as u64];
    result(platform::timerfd_call(&[], &metadata))
}
