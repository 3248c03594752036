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
//! Each function encodes its arguments for the kernel's `sem` scheme and makes one scheme
//! call through the platform adapter (`sem_call`): `metadata[0]` says which call, the small
//! arguments travel in the other two metadata words, and pointers (the `sembuf` array, the
//! timeout, the `semctl` buffer) travel as addresses that the kernel itself reads or
//! writes, so a bad pointer is `EFAULT` from the kernel, not a crash here. The
//! kernel makes every check, in Linux's order; the wrapper checks nothing and passes the
//! values through unchanged (a negative `nsems` or `semnum`, a huge `nsops`, a null
//! pointer). Failure returns -1 with `errno` set; success leaves `errno` alone.
//!
//! | call | `metadata[1]` | `metadata[2]` | payload |
//! |---|---|---|---|
//! | `semget` | key (as u32) | `nsems << 32 \| semflg` (each as u32) | none |
//! | `semop`, `semtimedop` | `nsops << 32 \| semid` (each as u32) | `sops` address | none, or the `timeout` address as a little-endian u64 |
//! | `semctl` | semid (as u32) | `semnum << 32 \| cmd` (each as u32) | the argument as a u64 |
//!
//! # `semctl` is variadic in C, and defined here with a fixed fourth argument
//!
//! C declares `int semctl(int semid, int semnum, int cmd, ...)`: the fourth argument, a
//! `union semun`, is present only for the commands that use it. Stable Rust cannot define a
//! variadic function, so this module defines `semctl(semid, semnum, cmd, arg: c_ulong)` and
//! the C header declares the variadic prototype. The two agree on x86_64 (System V ABI): a
//! variadic call passes its first four integer-class arguments in `rdi`, `rsi`, `rdx`, `rcx`
//! exactly as a call with four fixed arguments does (the count of vector registers in `al`
//! is only read by a variadic callee), and a `union semun` (an `int` or a pointer, 8 bytes,
//! class INTEGER) travels in `rcx` like any integer or pointer. So `arg` is the union's
//! value, or a pointer or int passed in its place. A caller that passes an `int` (as many do
//! for `SETVAL`) leaves the upper 32 bits of `rcx` unspecified: for `SETVAL`, the one
//! command whose argument is an int, only the low 32 bits are used (sign included, so -1 is
//! `ERANGE`, not a large value). A command without an argument finds whatever `rcx` holds
//! in `arg` and ignores it; the kernel does not read it. The same holds on AArch64 and
//! RISC-V 64, whose variadic integer arguments also use the ordinary argument registers
//! (not on Apple's AArch64 ABI, which Redox does not use).
//!
//! Upstream relibc, on its nightly toolchain, could define `semctl` with `c_variadic`
//! (`...`) and read the argument with `va_arg` only for the commands that have one. The
//! patch keeps this fixed-argument form instead, so that relibc and the standalone library
//! build the same file and the register reasoning above is the one to check.

#![allow(non_camel_case_types)]

use core::mem::{offset_of, size_of};

use crate::header::_kestrel::{
    self as platform, c_int, c_short, c_uint, c_ulong, c_ushort, key_t, size_t, time_t, timespec,
};
use crate::header::sys_ipc::ipc_perm;

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

/// The kernel's `sem` scheme calls (`metadata[0]`), as `kestrel_abi::sysv` numbers them.
pub(crate) const SEM_CALL_GET: u64 = 1;
pub(crate) const SEM_CALL_OP: u64 = 2;
pub(crate) const SEM_CALL_CTL: u64 = 3;

/// Two 32-bit values in one metadata word, `high << 32 | low`, each taken as its 32 bits.
const fn pack(high: c_int, low: c_int) -> u64 {
    ((high as u32 as u64) << 32) | low as u32 as u64
}

/// Makes the scheme call and turns its result into the C convention: the value, or -1 with
/// `errno` set.
fn call(payload: &[u8], metadata: &[u64; 3]) -> c_int {
    match platform::sem_call(payload, metadata) {
        // The kernel's results (ids, values, counts, pids, indexes) are ints.
        Ok(value) => value as c_int,
        Err(errno) => {
            platform::set_errno(errno);
            -1
        }
    }
}

/// `semget(key, nsems, semflg)`: the id of the set for `key`, created if `semflg` has
/// `IPC_CREAT` (with `nsems` semaphores and the access bits of `semflg`), or a new set for
/// `IPC_PRIVATE`.
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/semget.html>.
#[unsafe(no_mangle)]
pub extern "C" fn semget(key: key_t, nsems: c_int, semflg: c_int) -> c_int {
    call(&[], &[SEM_CALL_GET, u64::from(key as u32), pack(nsems, semflg)])
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
    // SAFETY: the caller's promise is passed on unchanged; a null timeout is allowed.
    unsafe { semtimedop(semid, sops, nsops, core::ptr::null()) }
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
    // Only the count's low 32 bits reach the kernel: Linux takes it as an unsigned int.
    let metadata = [SEM_CALL_OP, pack(nsops as c_int, semid), sops as usize as u64];
    // Without a timeout there is no payload at all, so a semop copies nothing but the
    // metadata and the array.
    if timeout.is_null() { call(&[], &metadata) } else { call(&(timeout as usize as u64).to_le_bytes(), &metadata) }
}

/// `semctl(semid, semnum, cmd, arg)`: the command `cmd` on set `semid` (or, for `SEM_STAT`
/// and `SEM_STAT_ANY`, on the set at index `semid`) and its semaphore `semnum`.
///
/// C declares it variadic; it is defined with a fixed `arg` for the reasons in the module
/// documentation. `arg` is the `union semun`: the int value for `SETVAL`; for `IPC_STAT`,
/// `IPC_SET`, `SEM_STAT` and `SEM_STAT_ANY` a `struct semid_ds *`, for `GETALL` and
/// `SETALL` an `unsigned short *` with one value per semaphore, for `IPC_INFO` and
/// `SEM_INFO` a `struct seminfo *`, which the kernel reads or writes; other commands ignore
/// it. Returns the command's value (`GETVAL`, `GETPID`, `GETNCNT`, `GETZCNT`; the id for
/// `SEM_STAT*`; the highest used index for `IPC_INFO`/`SEM_INFO`) or 0.
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/semctl.html>.
///
/// # Safety
///
/// For the commands that take a pointer, `arg` points to memory of the size the command
/// uses, which the kernel may write (`IPC_STAT`, `SEM_STAT*`, `GETALL`, `IPC_INFO`,
/// `SEM_INFO`): the kernel reports `EFAULT` for an unmapped address but cannot tell memory
/// the caller does not own.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn semctl(semid: c_int, semnum: c_int, cmd: c_int, arg: c_ulong) -> c_int {
    // SETVAL's argument is an int: the rest of the register is not part of it.
    #[allow(clippy::useless_conversion, reason = "c_ulong is u32 on 32-bit targets")]
    let arg = if cmd == SETVAL { u64::from(arg as c_uint) } else { u64::from(arg) };
    call(&arg.to_le_bytes(), &[SEM_CALL_CTL, u64::from(semid as u32), pack(semnum, cmd)])
}
