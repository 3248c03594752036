//! `PalSysvSem`: the platform's System V semaphores, under [`sys/sem.h`](crate::header::sys_sem).

use crate::{
    error::Result,
    header::{bits_timespec::timespec, sys_sem::sembuf},
    platform::{
        Pal,
        types::{c_int, c_ulong, key_t, size_t},
    },
};

/// Platform abstraction for System V semaphore sets.
pub trait PalSysvSem: Pal {
    /// Platform implementation of [`semget()`](crate::header::sys_sem::semget) from [`sys/sem.h`](crate::header::sys_sem).
    fn semget(key: key_t, nsems: c_int, semflg: c_int) -> Result<c_int>;

    /// Platform implementation of [`semop()`](crate::header::sys_sem::semop) from [`sys/sem.h`](crate::header::sys_sem).
    unsafe fn semop(semid: c_int, sops: *mut sembuf, nsops: size_t) -> Result<()> {
        // SAFETY: the caller's promise for `sops`; no timeout.
        unsafe { Self::semtimedop(semid, sops, nsops, core::ptr::null()) }
    }

    /// Platform implementation of [`semtimedop()`](crate::header::sys_sem::semtimedop) from [`sys/sem.h`](crate::header::sys_sem).
    unsafe fn semtimedop(semid: c_int, sops: *mut sembuf, nsops: size_t, timeout: *const timespec) -> Result<()>;

    /// Platform implementation of [`semctl()`](crate::header::sys_sem::semctl) from [`sys/sem.h`](crate::header::sys_sem):
    /// `arg` is the `union semun` as a word (the int for `SETVAL`, an address for the
    /// commands that take one, anything for the others).
    unsafe fn semctl(semid: c_int, semnum: c_int, cmd: c_int, arg: c_ulong) -> Result<c_int>;
}
