//! `PalSignalfd`: the platform's signal descriptors, under [`sys/signalfd.h`](crate::header::sys_signalfd).

use crate::{
    error::Result,
    header::bits_sigset_t::sigset_t,
    platform::{Pal, types::c_int},
};

/// Platform abstraction for signal descriptors.
pub trait PalSignalfd: Pal {
    /// Platform implementation of [`signalfd()`](crate::header::sys_signalfd::signalfd) from [`sys/signalfd.h`](crate::header::sys_signalfd):
    /// the kernel reads the first 8 bytes of `*mask` (64 signals).
    unsafe fn signalfd(fd: c_int, mask: *const sigset_t, flags: c_int) -> Result<c_int>;
}
