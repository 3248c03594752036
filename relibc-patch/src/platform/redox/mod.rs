//! The Redox backend of the platform traits, as relibc's `src/platform/redox/` holds it:
//! `Sys`, whose IPC families (`sysv_sem.rs` ... `timerfd.rs`) call kestrel's schemes
//! through the root descriptors of `kestrel_scheme.rs`. Those files go into relibc as they
//! are; this one stands in for relibc's `redox/mod.rs`: `Sys` and its `Pal` through the C
//! runtime (the patch adds the `mod` lines to relibc's).

use super::{Pal, sys};
use crate::{
    error::{Errno, Result},
    platform::types::c_int,
};

pub(crate) mod eventfd;
pub(crate) mod futex_shm;
pub(crate) mod kestrel_scheme;
pub(crate) mod mqueue;
pub(crate) mod signalfd;
pub(crate) mod sysv_msg;
pub(crate) mod sysv_sem;
pub(crate) mod sysv_shm;
pub(crate) mod timerfd;

/// Redox syscall implementation of [`Pal`] (kestrel's kernel, which speaks Redox's system
/// call ABI).
pub struct Sys;

impl Pal for Sys {
    fn close(fildes: c_int) -> Result<()> {
        sys::close_fd(fildes).map_err(Errno)
    }

    fn read(fildes: c_int, buf: &mut [u8]) -> Result<usize> {
        sys::read(fildes, buf).map_err(Errno)
    }

    fn write(fildes: c_int, buf: &[u8]) -> Result<usize> {
        sys::write(fildes, buf).map_err(Errno)
    }
}
