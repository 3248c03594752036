//! `sys/shm.h`: System V shared memory (`shmget`, `shmat`, `shmdt`, `shmctl`).
//!
//! See <https://pubs.opengroup.org/onlinepubs/9799919799/basedefs/sys_shm.h.html>.
//!
//! ABI: Linux x86_64 as glibc defines it: the same flag, command and mode-bit values,
//! `shmatt_t` as `unsigned long`, a 112-byte `struct shmid_ds` (the 48-byte `ipc_perm` of
//! `sys/ipc.h`, the size, the three times, the two pids, the attach count and two reserved
//! words), the 72-byte `struct shminfo` of `IPC_INFO` and the 48-byte `struct shm_info` of
//! `SHM_INFO`. `SHMLBA` is the page size, 4096. `SHM_FAILED`, `shmat`'s failure value
//! `(void *)-1`, is POSIX 2024's name for it (glibc does not define it yet).
//!
//! # The calls
//!
//! Each function is one call of the platform's [`PalSysvShm`]: on Redox (kestrel) one call
//! on the root of the kernel's shared memory scheme (`platform/redox/sysv_shm.rs`), on
//! Linux the system call of the same name. The kernel maps and unmaps the memory itself (so `shmat` honours the address and `SHM_RND`,
//! `SHM_REMAP`, `SHM_RDONLY` and `SHM_EXEC`, and `shmdt` needs no size kept by the library),
//! and reads or writes the `shmctl` buffer at its user address, so a bad pointer is `EFAULT`
//! from the kernel, not a crash here. The kernel makes every check, in Linux's order; the
//! wrapper checks nothing and passes the values through unchanged (a size of 0 or above
//! `SHMMAX`, an unaligned address, an unknown command, a null buffer). Failure returns -1
//! (`shmat`: `(void *)-1`) with `errno` set; success leaves `errno` alone.
//!
//! `shmat` returns the kernel's attach address; an address is never in `-4095..=-1`, so it
//! cannot be mistaken for an error.

#![allow(non_camel_case_types)]

use core::mem::{offset_of, size_of};

use crate::{
    error::ResultExt,
    header::sys_ipc::ipc_perm,
    platform::{
        PalSysvShm, Sys,
        types::{c_int, c_ulong, c_void, key_t, pid_t, size_t, time_t},
    },
};

/// Permission bit for `shmget`: the owner may read (`S_IRUSR`; glibc's name).
pub const SHM_R: c_int = 0o400;
/// Permission bit for `shmget`: the owner may write (`S_IWUSR`; glibc's name).
pub const SHM_W: c_int = 0o200;

/// `shmat` flag: attach read-only (needs read permission); else read-write (needs both).
pub const SHM_RDONLY: c_int = 0o10000;
/// `shmat` flag: round `shmaddr` down to a multiple of `SHMLBA` instead of failing with
/// `EINVAL` for an unaligned address.
pub const SHM_RND: c_int = 0o20000;
/// `shmat` flag (Linux): replace whatever is mapped at `shmaddr` instead of failing with
/// `EINVAL`.
pub const SHM_REMAP: c_int = 0o40000;
/// `shmat` flag (Linux): the memory may also be executed.
pub const SHM_EXEC: c_int = 0o100000;

/// `shmctl` command (Linux): keep the segment's memory resident (root only).
pub const SHM_LOCK: c_int = 11;
/// `shmctl` command (Linux): undo `SHM_LOCK`.
pub const SHM_UNLOCK: c_int = 12;
/// `shmctl` command (Linux): `IPC_STAT` of the segment at index `shmid`; returns its id.
pub const SHM_STAT: c_int = 13;
/// `shmctl` command (Linux): usage counts, into a `struct shm_info`.
pub const SHM_INFO: c_int = 14;
/// `shmctl` command (Linux): `SHM_STAT` without the read-permission check.
pub const SHM_STAT_ANY: c_int = 15;

/// `shm_perm.mode` bit (Linux): removed with `IPC_RMID` while attached; the memory goes at
/// the last detach.
pub const SHM_DEST: c_int = 0o1000;
/// `shm_perm.mode` bit (Linux): locked with `SHM_LOCK`.
pub const SHM_LOCKED: c_int = 0o2000;

/// Attach addresses are multiples of this: the page size.
pub const SHMLBA: c_int = 4096;

/// `shmat`'s failure value, `(void *)-1` (POSIX 2024). cbindgen does not write pointer
/// constants: `cbindgen.toml` defines it for C.
///
/// cbindgen:ignore
pub const SHM_FAILED: *mut c_void = usize::MAX as *mut c_void;

/// A count of attachments.
pub type shmatt_t = c_ulong;

/// The state of a segment (`IPC_STAT`, `IPC_SET`, `SHM_STAT`): Linux x86_64 layout.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct shmid_ds {
    /// Owner, creator and mode; `IPC_SET` changes `uid`, `gid` and `mode & 0777`. The mode
    /// also carries `SHM_DEST` and `SHM_LOCKED`.
    pub shm_perm: ipc_perm,
    /// The size asked for at creation, in bytes (the memory is whole pages).
    pub shm_segsz: size_t,
    /// Last `shmat` (seconds since the epoch; 0 if none).
    pub shm_atime: time_t,
    /// Last `shmdt`.
    pub shm_dtime: time_t,
    /// Last change by `shmctl` (and creation).
    pub shm_ctime: time_t,
    /// Process that created the segment.
    pub shm_cpid: pid_t,
    /// Process of the last `shmat` or `shmdt`.
    pub shm_lpid: pid_t,
    /// Current attachments.
    pub shm_nattch: shmatt_t,
    pub __glibc_reserved5: c_ulong,
    pub __glibc_reserved6: c_ulong,
}

/// System-wide limits (`IPC_INFO`, through a `struct shmid_ds *` cast).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct shminfo {
    /// Largest segment, in bytes.
    pub shmmax: c_ulong,
    /// Smallest segment, in bytes.
    pub shmmin: c_ulong,
    /// Most segments.
    pub shmmni: c_ulong,
    /// Most attachments per process.
    pub shmseg: c_ulong,
    /// Most pages in all segments.
    pub shmall: c_ulong,
    pub __glibc_reserved1: c_ulong,
    pub __glibc_reserved2: c_ulong,
    pub __glibc_reserved3: c_ulong,
    pub __glibc_reserved4: c_ulong,
}

/// Usage counts (`SHM_INFO`, through a `struct shmid_ds *` cast).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct shm_info {
    /// Segments in use.
    pub used_ids: c_int,
    /// Pages in all segments.
    pub shm_tot: c_ulong,
    /// Pages with memory behind them.
    pub shm_rss: c_ulong,
    /// Pages swapped out.
    pub shm_swp: c_ulong,
    pub swap_attempts: c_ulong,
    pub swap_successes: c_ulong,
}

// The layouts above, checked where they are defined (core only: relibc has no
// static_assertions). 64-bit only: kestrel is x86_64, and the same layout holds on every
// LP64 Linux target.
#[cfg(target_pointer_width = "64")]
const _: () = {
    assert!(
        offset_of!(shmid_ds, shm_perm) == 0
            && offset_of!(shmid_ds, shm_segsz) == 48
            && offset_of!(shmid_ds, shm_atime) == 56
            && offset_of!(shmid_ds, shm_dtime) == 64
            && offset_of!(shmid_ds, shm_ctime) == 72
            && offset_of!(shmid_ds, shm_cpid) == 80
            && offset_of!(shmid_ds, shm_lpid) == 84
            && offset_of!(shmid_ds, shm_nattch) == 88
            && offset_of!(shmid_ds, __glibc_reserved5) == 96
            && offset_of!(shmid_ds, __glibc_reserved6) == 104
            && size_of::<shmid_ds>() == 112
    );
    assert!(offset_of!(shminfo, shmall) == 32 && size_of::<shminfo>() == 72);
    assert!(
        offset_of!(shm_info, shm_tot) == 8 && offset_of!(shm_info, swap_successes) == 40 && size_of::<shm_info>() == 48
    );
};

/// `shmget(key, size, shmflg)`: the id of the segment for `key`, created if `shmflg` has
/// `IPC_CREAT` (`size` bytes, rounded up to pages and zeroed, with the access bits of
/// `shmflg`), or a new segment for `IPC_PRIVATE`. An existing segment must be at least
/// `size` bytes.
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/shmget.html>.
#[unsafe(no_mangle)]
pub extern "C" fn shmget(key: key_t, size: size_t, shmflg: c_int) -> c_int {
    Sys::shmget(key, size, shmflg).or_minus_one_errno()
}

/// `shmat(shmid, shmaddr, shmflg)`: maps segment `shmid` into the process and returns its
/// address: where the kernel chooses for a null `shmaddr`, else exactly at `shmaddr`
/// (rounded down to `SHMLBA` with `SHM_RND`; an unaligned address without it, or an
/// address range in use without `SHM_REMAP`, is `EINVAL`). Read-only with `SHM_RDONLY`,
/// executable too with `SHM_EXEC`. Returns `(void *)-1` on failure.
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/shmat.html>.
///
/// # Safety
///
/// With `SHM_REMAP` the kernel replaces whatever the process has mapped at `shmaddr` for the
/// segment's size: the caller makes sure nothing there is still in use.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn shmat(shmid: c_int, shmaddr: *const c_void, shmflg: c_int) -> *mut c_void {
    // SAFETY: the caller's promise for the address is passed on unchanged.
    match unsafe { Sys::shmat(shmid, shmaddr, shmflg) } {
        Ok(address) => address,
        Err(err) => {
            err.sync();
            SHM_FAILED
        }
    }
}

/// `shmdt(shmaddr)`: unmaps the attachment that starts at `shmaddr` (`EINVAL` if none does).
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/shmdt.html>.
///
/// # Safety
///
/// The memory of the attachment is gone afterwards: the caller makes sure nothing still
/// uses it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn shmdt(shmaddr: *const c_void) -> c_int {
    // SAFETY: the caller's promise for the attachment is passed on unchanged.
    unsafe { Sys::shmdt(shmaddr) }.map(|()| 0).or_minus_one_errno()
}

/// `shmctl(shmid, cmd, buf)`: the command `cmd` on segment `shmid` (or, for `SHM_STAT` and
/// `SHM_STAT_ANY`, on the segment at index `shmid`). `buf` goes to the kernel for every
/// command: a `struct shmid_ds *` that `IPC_STAT`, `SHM_STAT` and `SHM_STAT_ANY` write and
/// `IPC_SET` reads, a `struct shminfo *` (cast) that `IPC_INFO` writes, a `struct shm_info *`
/// (cast) that `SHM_INFO` writes; `IPC_RMID`, `SHM_LOCK` and `SHM_UNLOCK` ignore it.
/// Returns 0, the id for `SHM_STAT*`, or the highest used index for `IPC_INFO`/`SHM_INFO`.
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/shmctl.html>.
///
/// # Safety
///
/// For the commands that use it, `buf` points to memory of the size the command uses,
/// which the kernel may write (`IPC_STAT`, `SHM_STAT*`, `IPC_INFO`, `SHM_INFO`): the kernel
/// reports `EFAULT` for an unmapped address but cannot tell memory the caller does not own.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn shmctl(shmid: c_int, cmd: c_int, buf: *mut shmid_ds) -> c_int {
    // SAFETY: the caller's promise for the buffer is passed on unchanged.
    unsafe { Sys::shmctl(shmid, cmd, buf) }.or_minus_one_errno()
}
