//! `PalSysvShm` over Linux's `shmget`, `shmat`, `shmdt` and `shmctl` system calls, which
//! take the values and structures of `sys/shm.h` as they are.

use super::{Sys, e_raw};
use crate::{
    error::Result,
    header::sys_shm::shmid_ds,
    platform::{
        PalSysvShm,
        types::{c_int, c_void, key_t, size_t},
    },
};

impl PalSysvShm for Sys {
    fn shmget(key: key_t, size: size_t, shmflg: c_int) -> Result<c_int> {
        // SAFETY: the call touches no memory of this program.
        Ok(e_raw(unsafe { syscall!(SHMGET, key, size, shmflg) })? as c_int)
    }

    unsafe fn shmat(shmid: c_int, shmaddr: *const c_void, shmflg: c_int) -> Result<*mut c_void> {
        // SAFETY: the kernel maps the segment at the address the caller asked for (with
        // `SHM_REMAP` over what is there, as the caller chose).
        Ok(e_raw(unsafe { syscall!(SHMAT, shmid, shmaddr, shmflg) })? as *mut c_void)
    }

    unsafe fn shmdt(shmaddr: *const c_void) -> Result<()> {
        // SAFETY: the caller detaches its own attachment and no longer uses it.
        e_raw(unsafe { syscall!(SHMDT, shmaddr) })?;
        Ok(())
    }

    unsafe fn shmctl(shmid: c_int, cmd: c_int, buf: *mut shmid_ds) -> Result<c_int> {
        // SAFETY: the kernel reads or writes `*buf` for the commands that use it, as the
        // caller promises it may.
        Ok(e_raw(unsafe { syscall!(SHMCTL, shmid, cmd, buf) })? as c_int)
    }
}
