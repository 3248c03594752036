//! `PalTimerfd` over Linux's `timerfd_create`, `timerfd_settime` and `timerfd_gettime`
//! system calls (the clock ids and flags are Linux's values, which relibc's Linux headers
//! have; `struct itimerspec` is Linux's).

use super::{Sys, e_raw};
use crate::{
    error::Result,
    header::time::itimerspec,
    platform::{PalTimerfd, types::c_int},
};

impl PalTimerfd for Sys {
    fn timerfd_create(clockid: c_int, flags: c_int) -> Result<c_int> {
        // SAFETY: the call touches no memory of this program.
        Ok(e_raw(unsafe { syscall!(TIMERFD_CREATE, clockid, flags) })? as c_int)
    }

    unsafe fn timerfd_settime(
        fd: c_int,
        flags: c_int,
        new_value: *const itimerspec,
        old_value: *mut itimerspec,
    ) -> Result<()> {
        // SAFETY: the kernel reads `*new_value` and writes `*old_value` (if not null), as
        // the caller promises it may.
        e_raw(unsafe { syscall!(TIMERFD_SETTIME, fd, flags, new_value, old_value) })?;
        Ok(())
    }

    unsafe fn timerfd_gettime(fd: c_int, curr_value: *mut itimerspec) -> Result<()> {
        // SAFETY: the kernel writes `*curr_value`, as the caller promises it may.
        e_raw(unsafe { syscall!(TIMERFD_GETTIME, fd, curr_value) })?;
        Ok(())
    }
}
