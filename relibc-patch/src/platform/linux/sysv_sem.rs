//! `PalSysvSem` over Linux's `semget`, `semtimedop` and `semctl` system calls, which take
//! the values and structures of `sys/sem.h` as they are.

use super::{Sys, e_raw};
use crate::{
    error::Result,
    header::{bits_timespec::timespec, sys_sem::sembuf},
    platform::{
        PalSysvSem,
        types::{c_int, c_ulong, key_t, size_t},
    },
};

impl PalSysvSem for Sys {
    fn semget(key: key_t, nsems: c_int, semflg: c_int) -> Result<c_int> {
        // SAFETY: the call touches no memory of this program.
        Ok(e_raw(unsafe { syscall!(SEMGET, key, nsems, semflg) })? as c_int)
    }

    unsafe fn semtimedop(semid: c_int, sops: *mut sembuf, nsops: size_t, timeout: *const timespec) -> Result<()> {
        // SAFETY: the kernel reads `nsops` operations at `sops` and the timeout, as the
        // caller promises they are.
        e_raw(unsafe { syscall!(SEMTIMEDOP, semid, sops, nsops, timeout) })?;
        Ok(())
    }

    unsafe fn semctl(semid: c_int, semnum: c_int, cmd: c_int, arg: c_ulong) -> Result<c_int> {
        // SAFETY: the kernel reads or writes what `arg` points to for the commands that
        // take an address, as the caller promises it may.
        Ok(e_raw(unsafe { syscall!(SEMCTL, semid, semnum, cmd, arg) })? as c_int)
    }
}
