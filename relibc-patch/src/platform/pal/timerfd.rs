//! `PalTimerfd`: the platform's timer descriptors, under [`sys/timerfd.h`](crate::header::sys_timerfd).

use crate::{
    error::Result,
    header::time::itimerspec,
    platform::{Pal, types::c_int},
};

/// Platform abstraction for timer descriptors.
pub trait PalTimerfd: Pal {
    /// Platform implementation of [`timerfd_create()`](crate::header::sys_timerfd::timerfd_create) from [`sys/timerfd.h`](crate::header::sys_timerfd).
    fn timerfd_create(clockid: c_int, flags: c_int) -> Result<c_int>;

    /// Platform implementation of [`timerfd_settime()`](crate::header::sys_timerfd::timerfd_settime) from [`sys/timerfd.h`](crate::header::sys_timerfd).
    unsafe fn timerfd_settime(
        fd: c_int,
        flags: c_int,
        new_value: *const itimerspec,
        old_value: *mut itimerspec,
    ) -> Result<()>;

    /// Platform implementation of [`timerfd_gettime()`](crate::header::sys_timerfd::timerfd_gettime) from [`sys/timerfd.h`](crate::header::sys_timerfd).
    unsafe fn timerfd_gettime(fd: c_int, curr_value: *mut itimerspec) -> Result<()>;
}
