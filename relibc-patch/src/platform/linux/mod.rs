//! The Linux backend of the platform traits, as relibc's `src/platform/linux/` holds it:
//! `Sys` over Linux's own system calls (the `sc` crate's `syscall!`, as relibc makes them),
//! so that relibc's Linux build runs the same header code. The family files
//! (`sysv_sem.rs` ... `timerfd.rs`) go into relibc as they are; this one stands in for
//! relibc's `linux/mod.rs`: `Sys`, `e_raw` and the three `Pal` calls (the patch adds the
//! `mod` lines to relibc's).
//!
//! The standalone library never uses it (guest programs run on kestrel); the host tests
//! run it against the host's kernel.

use crate::{
    error::{Errno, Result},
    platform::{Pal, types::c_int},
};

mod eventfd;
mod futex_shm;
mod mqueue;
mod signalfd;
mod sysv_msg;
mod sysv_sem;
mod sysv_shm;
mod timerfd;

/// The largest errno: a result in `-4095..=-1` is a negated errno.
const ERRNO_MAX: usize = 4095;

/// A raw system call result as relibc's Linux backend reads it: the value, or the errno.
pub fn e_raw(sys: usize) -> Result<usize> {
    if sys > ERRNO_MAX.wrapping_neg() { Err(Errno(sys.wrapping_neg() as c_int)) } else { Ok(sys) }
}

/// Linux syscall implementation of [`Pal`].
pub struct Sys;

impl Pal for Sys {
    fn close(fildes: c_int) -> Result<()> {
        // SAFETY: closing a descriptor touches no memory of this program.
        e_raw(unsafe { syscall!(CLOSE, fildes) }).map(drop)
    }

    fn read(fildes: c_int, buf: &mut [u8]) -> Result<usize> {
        // SAFETY: the kernel writes at most `buf.len()` bytes at `buf`, borrowed mutably.
        e_raw(unsafe { syscall!(READ, fildes, buf.as_mut_ptr(), buf.len()) })
    }

    fn write(fildes: c_int, buf: &[u8]) -> Result<usize> {
        // SAFETY: the kernel reads at most `buf.len()` bytes at `buf`, borrowed for the call.
        e_raw(unsafe { syscall!(WRITE, fildes, buf.as_ptr(), buf.len()) })
    }
}
