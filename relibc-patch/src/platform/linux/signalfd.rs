//! `PalSignalfd` over Linux's `signalfd4` system call, with the kernel's 8-byte signal set.

use core::mem::size_of;

use super::{Sys, e_raw};
use crate::{
    error::Result,
    header::bits_sigset_t::sigset_t,
    platform::{PalSignalfd, types::c_int},
};

/// The kernel's signal set: 64 signals, 8 bytes.
const KERNEL_SIGSET_SIZE: usize = 8;
const _: () = assert!(size_of::<sigset_t>() >= KERNEL_SIGSET_SIZE);

impl PalSignalfd for Sys {
    unsafe fn signalfd(fd: c_int, mask: *const sigset_t, flags: c_int) -> Result<c_int> {
        // SAFETY: the kernel reads 8 bytes at `mask`, as the caller promises it may.
        Ok(e_raw(unsafe { syscall!(SIGNALFD4, fd, mask, KERNEL_SIGSET_SIZE, flags) })? as c_int)
    }
}
