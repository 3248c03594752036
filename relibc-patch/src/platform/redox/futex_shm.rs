//! `PalFutexShm` on kestrel: the guest C runtime's futex helpers (`__kestrel_futex_wait`,
//! a relative monotonic timeout measured anew before each sleep by `__kestrel_time_left`,
//! so that a `clock_settime` moves a realtime deadline; `__kestrel_futex_wake`; kestrel keys
//! futexes by physical address), its `shm_open`, `shm_unlink`, `ftruncate`, `mmap` and
//! `munmap` (`/scheme/shm/NAME` objects), and the kernel's `fstat`. The calls themselves
//! are in `guest.rs` (in `host.rs`, Linux's futexes and glibc's `/dev/shm`, under `cargo
//! test`). Not shipped into relibc, whose Redox platform has these calls of its own.

use core::{ffi::CStr, sync::atomic::AtomicU32};

use super::Sys;
use crate::{
    error::{Errno, Result},
    platform::{
        FileId, PalFutexShm, sys, timespec,
        types::{c_int, c_void, clockid_t, mode_t},
    },
};

impl PalFutexShm for Sys {
    fn futex_wait_until(word: &AtomicU32, expected: u32, deadline: Option<(clockid_t, &timespec)>) -> Result<()> {
        sys::futex_wait(word, expected, deadline).map_err(Errno)
    }

    fn futex_wake_shared(word: &AtomicU32, count: u32) {
        sys::futex_wake(word, count);
    }

    fn shm_object_open(name: &CStr, oflag: c_int, mode: mode_t) -> Result<c_int> {
        sys::shm_object_open(name, oflag, mode).map_err(Errno)
    }

    fn shm_object_unlink(name: &CStr) -> Result<()> {
        sys::shm_object_unlink(name).map_err(Errno)
    }

    fn fd_identity(fd: c_int) -> Result<(FileId, u64)> {
        sys::fd_identity(fd).map_err(Errno)
    }

    fn fd_truncate(fd: c_int, len: u64) -> Result<()> {
        sys::fd_truncate(fd, len).map_err(Errno)
    }

    fn map_shared(fd: c_int, len: usize) -> Result<*mut c_void> {
        sys::map_shared(fd, len).map_err(Errno)
    }

    unsafe fn unmap(addr: *mut c_void, len: usize) -> Result<()> {
        // SAFETY: as the caller promises.
        unsafe { sys::unmap(addr, len) }.map_err(Errno)
    }
}
