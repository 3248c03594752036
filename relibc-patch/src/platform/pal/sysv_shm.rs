//! `PalSysvShm`: the platform's System V shared memory, under [`sys/shm.h`](crate::header::sys_shm).

use crate::{
    error::Result,
    header::sys_shm::shmid_ds,
    platform::{
        Pal,
        types::{c_int, c_void, key_t, size_t},
    },
};

/// Platform abstraction for System V shared memory segments.
pub trait PalSysvShm: Pal {
    /// Platform implementation of [`shmget()`](crate::header::sys_shm::shmget) from [`sys/shm.h`](crate::header::sys_shm).
    fn shmget(key: key_t, size: size_t, shmflg: c_int) -> Result<c_int>;

    /// Platform implementation of [`shmat()`](crate::header::sys_shm::shmat) from [`sys/shm.h`](crate::header::sys_shm):
    /// the attached address.
    unsafe fn shmat(shmid: c_int, shmaddr: *const c_void, shmflg: c_int) -> Result<*mut c_void>;

    /// Platform implementation of [`shmdt()`](crate::header::sys_shm::shmdt) from [`sys/shm.h`](crate::header::sys_shm).
    unsafe fn shmdt(shmaddr: *const c_void) -> Result<()>;

    /// Platform implementation of [`shmctl()`](crate::header::sys_shm::shmctl) from [`sys/shm.h`](crate::header::sys_shm).
    unsafe fn shmctl(shmid: c_int, cmd: c_int, buf: *mut shmid_ds) -> Result<c_int>;
}
