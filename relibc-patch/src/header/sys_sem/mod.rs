//! `sys/sem.h`: System V semaphore sets (`semget`, `semop`, `semtimedop`, `semctl`).
//!
//! See <https://pubs.opengroup.org/onlinepubs/9799919799/basedefs/sys_sem.h.html>.
//!
//! ABI: Linux x86_64 as glibc defines it: the same command and flag values, a 6-byte
//! `struct sembuf`, a 104-byte `struct semid_ds` (the 48-byte `ipc_perm` of `sys/ipc.h`, the
//! two times each followed by a reserved word, `sem_nsems` as an `unsigned long`, two
//! reserved words) and the 10-int `struct seminfo` of `IPC_INFO`/`SEM_INFO`. As on Linux,
//! `union semun` is not defined here: the caller defines it (`_SEM_SEMUN_UNDEFINED` says so
//! in the C header). `semtimedop` takes Linux's `struct timespec` (two longs), which the
//! kernel reads.
//!
//! # The calls
//!
//! Each function is one call of the platform's [`PalSysvSem`]: on Redox (kestrel) one call
//! on the kernel's `sem` scheme (`platform/redox/sysv_sem.rs` says how the arguments are
//! encoded), on Linux the system call of the same name. Pointers (the `sembuf` array, the
//! timeout, the `semctl` buffer) travel as addresses that the kernel itself reads or
//! writes, so a bad pointer is `EFAULT` from the kernel, not a crash here. The kernel makes
//! every check, in Linux's order; the wrapper checks nothing and passes the values through
//! unchanged (a negative `nsems` or `semnum`, a huge `nsops`, a null pointer). Failure
//! returns -1 with `errno` set; success leaves `errno` alone.
//!
//! # `semctl` is variadic
//!
//! C declares `int semctl(int semid, int semnum, int cmd, ...)`: the fourth argument, a
//! `union semun`, is present only for the commands that use it. In relibc (nightly,
//! `c_variadic`) `semctl` is defined that way and reads the argument with `next_arg` only
//! for those commands. The standalone kestrel library builds on stable Rust, which cannot
//! define a C-variadic function: its build script sets `cfg(kestrel_standalone)`, which
//! selects a definition with a fixed fourth parameter `arg: c_ulong` instead (the C header
//! still declares the variadic prototype). The two agree on x86_64 (System V ABI): a
//! variadic call passes its first four integer-class arguments in `rdi`, `rsi`, `rdx`,
//! `rcx` exactly as a call with four fixed arguments does (the count of vector registers in
//! `al` is only read by a variadic callee), and a `union semun` (an `int` or a pointer, 8
//! bytes, class INTEGER) travels in `rcx` like any integer or pointer. A caller that passes
//! an `int` (as many do for `SETVAL`) leaves the upper 32 bits of `rcx` unspecified: for
//! `SETVAL`, the one command whose argument is an int, only the low 32 bits are used (sign
//! included, so -1 is `ERANGE`, not a large value). A command without an argument finds
//! whatever `rcx` holds in `arg` and ignores it. The same holds on AArch64 and RISC-V 64,
//! whose variadic integer arguments also use the ordinary argument registers (not on
//! Apple's AArch64 ABI, which Redox does not use).

#![allow(non_camel_case_types)]
// `kestrel_standalone` is set by the kestrel standalone build only (see above).
#![allow(unexpected_cfgs)]

use core::mem::{offset_of, size_of};

use crate::{
    error::ResultExt,
    header::{
        bits_timespec::timespec,
        sys_ipc::{IPC_INFO, IPC_SET, IPC_STAT, ipc_perm},
    },
    platform::{
        PalSysvSem, Sys,
        types::{c_int, c_short, c_ulong, c_ushort, key_t, size_t, time_t},
    },
};

/// `sem_flg` bit: undo the operation when the process exits.
pub const SEM_UNDO: c_int = 0x1000;

/// `semctl` command: the pid of the last process that operated on semaphore `semnum`.
pub const GETPID: c_int = 11;
/// `semctl` command: the value of semaphore `semnum`.
pub const GETVAL: c_int = 12;
/// `semctl` command: every value, into the `unsigned short` array `arg`.
pub const GETALL: c_int = 13;
/// `semctl` command: how many processes wait for semaphore `semnum` to increase.
pub const GETNCNT: c_int = 14;
/// `semctl` command: how many processes wait for semaphore `semnum` to become zero.
pub const GETZCNT: c_int = 15;
/// `semctl` command: set semaphore `semnum` to the int `arg`.
pub const SETVAL: c_int = 16;
/// `semctl` command: set every value from the `unsigned short` array `arg`.
pub const SETALL: c_int = 17;
/// `semctl` command (Linux): `IPC_STAT` of the set at index `semid`; returns its id.
pub const SEM_STAT: c_int = 18;
/// `semctl` command (Linux): `IPC_INFO` with usage counts in `semusz` and `semaem`.
pub const SEM_INFO: c_int = 19;
/// `semctl` command (Linux): `SEM_STAT` without the read-permission check.
pub const SEM_STAT_ANY: c_int = 20;

/// Tells C programs that they define `union semun` themselves: this header does not.
pub const _SEM_SEMUN_UNDEFINED: c_int = 1;

/// One operation of `semop`: add `sem_op` to semaphore `sem_num` (or wait for it to be zero
/// when `sem_op` is 0), with `IPC_NOWAIT` and `SEM_UNDO` in `sem_flg`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct sembuf {
    pub sem_num: c_ushort,
    pub sem_op: c_short,
    pub sem_flg: c_short,
}

/// The state of a semaphore set (`IPC_STAT`, `IPC_SET`, `SEM_STAT`): Linux x86_64 layout.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct semid_ds {
    /// Owner, creator and mode; `IPC_SET` changes `uid`, `gid` and `mode & 0777`.
    pub sem_perm: ipc_perm,
    /// Last successful `semop` (seconds since the epoch; 0 if none).
    pub sem_otime: time_t,
    pub __sem_otime_high: c_ulong,
    /// Last change by `semctl` (and creation).
    pub sem_ctime: time_t,
    pub __sem_ctime_high: c_ulong,
    /// Number of semaphores in the set.
    pub sem_nsems: c_ulong,
    pub __glibc_reserved3: c_ulong,
    pub __glibc_reserved4: c_ulong,
}

/// System-wide limits (`IPC_INFO`), or with `SEM_INFO` the number of sets in `semusz` and
/// of semaphores in `semaem`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct seminfo {
    pub semmap: c_int,
    pub semmni: c_int,
    pub semmns: c_int,
    pub semmnu: c_int,
    pub semmsl: c_int,
    pub semopm: c_int,
    pub semume: c_int,
    pub semusz: c_int,
    pub semvmx: c_int,
    pub semaem: c_int,
}

// The layouts above, checked where they are defined (core only: relibc has no
// static_assertions). 64-bit only: kestrel is x86_64, and the same layout holds on every
// LP64 Linux target.
const _: () = {
    assert!(size_of::<sembuf>() == 6);
    assert!(offset_of!(sembuf, sem_op) == 2 && offset_of!(sembuf, sem_flg) == 4);
    assert!(size_of::<seminfo>() == 40 && offset_of!(seminfo, semaem) == 36);
    #[cfg(target_pointer_width = "64")]
    assert!(
        offset_of!(semid_ds, sem_perm) == 0
            && offset_of!(semid_ds, sem_otime) == 48
            && offset_of!(semid_ds, __sem_otime_high) == 56
            && offset_of!(semid_ds, sem_ctime) == 64
            && offset_of!(semid_ds, __sem_ctime_high) == 72
            && offset_of!(semid_ds, sem_nsems) == 80
            && offset_of!(semid_ds, __glibc_reserved3) == 88
            && offset_of!(semid_ds, __glibc_reserved4) == 96
            && size_of::<semid_ds>() == 104
    );
};

/// `semget(key, nsems, semflg)`: the id of the set for `key`, created if `semflg` has
/// `IPC_CREAT` (with `nsems` semaphores and the access bits of `semflg`), or a new set for
/// `IPC_PRIVATE`.
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/semget.html>.
#[unsafe(no_mangle)]
pub extern "C" fn semget(key: key_t, nsems: c_int, semflg: c_int) -> c_int {
    Sys::semget(key, nsems, semflg).or_minus_one_errno()
}

/// `semop(semid, sops, nsops)`: `semtimedop` without a timeout.
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/semop.html>.
///
/// # Safety
///
/// `sops` points to `nsops` `sembuf`s (the kernel reads them; it reports `EFAULT` for an
/// address that is not readable, but cannot tell memory the caller does not own).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn semop(semid: c_int, sops: *mut sembuf, nsops: size_t) -> c_int {
    // SAFETY: the caller's promise is passed on unchanged.
    unsafe { Sys::semop(semid, sops, nsops) }.map(|()| 0).or_minus_one_errno()
}

/// `semtimedop(semid, sops, nsops, timeout)`: performs the `nsops` operations at `sops` on
/// set `semid` atomically, waiting while one cannot proceed (unless its `sem_flg` has
/// `IPC_NOWAIT`), for at most the relative `timeout` if it is not null (then `EAGAIN`).
///
/// See the Linux man page semop(2).
///
/// # Safety
///
/// `sops` points to `nsops` `sembuf`s and `timeout` is null or points to a `timespec`
/// (the kernel reads them and reports `EFAULT` for an unreadable address).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn semtimedop(semid: c_int, sops: *mut sembuf, nsops: size_t, timeout: *const timespec) -> c_int {
    // SAFETY: the caller's promise is passed on unchanged.
    unsafe { Sys::semtimedop(semid, sops, nsops, timeout) }.map(|()| 0).or_minus_one_errno()
}

/// `semctl(semid, semnum, cmd, ...)`: the command `cmd` on set `semid` (or, for `SEM_STAT`
/// and `SEM_STAT_ANY`, on the set at index `semid`) and its semaphore `semnum`.
///
/// The fourth argument is the `union semun`: the int value for `SETVAL`; for `IPC_STAT`,
/// `IPC_SET`, `SEM_STAT` and `SEM_STAT_ANY` a `struct semid_ds *`, for `GETALL` and
/// `SETALL` an `unsigned short *` with one value per semaphore, for `IPC_INFO` and
/// `SEM_INFO` a `struct seminfo *`, which the kernel reads or writes; other commands take
/// none. Returns the command's value (`GETVAL`, `GETPID`, `GETNCNT`, `GETZCNT`; the id for
/// `SEM_STAT*`; the highest used index for `IPC_INFO`/`SEM_INFO`) or 0.
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/semctl.html>.
///
/// # Safety
///
/// For the commands that take a pointer, the argument points to memory of the size the
/// command uses, which the kernel may write (`IPC_STAT`, `SEM_STAT*`, `GETALL`, `IPC_INFO`,
/// `SEM_INFO`): the kernel reports `EFAULT` for an unmapped address but cannot tell memory
/// the caller does not own.
#[cfg(not(kestrel_standalone))]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn semctl(semid: c_int, semnum: c_int, cmd: c_int, mut __valist: ...) -> c_int {
    let arg = if takes_argument(cmd) {
        // SAFETY: the caller passed the union for a command that takes one.
        unsafe { __valist.next_arg::<c_ulong>() }
    } else {
        0
    };
    // SAFETY: the caller's promise for the argument is passed on unchanged.
    unsafe { Sys::semctl(semid, semnum, cmd, arg) }.or_minus_one_errno()
}

/// `semctl` with the fourth argument as a fixed parameter, for the standalone build on
/// stable Rust (see the module documentation): ABI-compatible with the variadic C
/// declaration on x86_64.
///
/// # Safety
///
/// As for the variadic `semctl`: for the commands that take a pointer, `arg` points to
/// memory of the size the command uses, which the kernel may write.
///
/// cbindgen:ignore
#[cfg(kestrel_standalone)]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn semctl(semid: c_int, semnum: c_int, cmd: c_int, arg: c_ulong) -> c_int {
    // SAFETY: the caller's promise for `arg` is passed on unchanged.
    unsafe { Sys::semctl(semid, semnum, cmd, arg) }.or_minus_one_errno()
}

/// Whether `semctl`'s command `cmd` takes the `union semun` argument.
#[cfg_attr(kestrel_standalone, allow(dead_code, reason = "the fixed-argument semctl passes every argument"))]
pub(crate) const fn takes_argument(cmd: c_int) -> bool {
    matches!(cmd, SETVAL | GETALL | SETALL | IPC_STAT | IPC_SET | IPC_INFO | SEM_STAT | SEM_INFO | SEM_STAT_ANY)
}
