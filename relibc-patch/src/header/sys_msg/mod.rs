//! `sys/msg.h`: System V message queues (`msgget`, `msgsnd`, `msgrcv`, `msgctl`).
//!
//! See <https://pubs.opengroup.org/onlinepubs/9799919799/basedefs/sys_msg.h.html>.
//!
//! ABI: Linux x86_64 as glibc defines it: the same flag and command values, `msgqnum_t` and
//! `msglen_t` as `unsigned long`, a 120-byte `struct msqid_ds` (the 48-byte `ipc_perm` of
//! `sys/ipc.h`, the three times, `__msg_cbytes`, `msg_qnum`, `msg_qbytes`, the two pids and
//! two reserved words) and the 32-byte `struct msginfo` of `IPC_INFO`/`MSG_INFO`. A message
//! is a `long` type followed by its text, as glibc's `struct msgbuf` (here [`msgbuf`], which
//! the C header declares only under `_GNU_SOURCE`, as glibc does: programs commonly define a
//! `struct msgbuf` of their own).
//!
//! # The calls
//!
//! Each function is one call of the platform's [`PalSysvMsg`]: on Redox (kestrel) one call
//! on the kernel's `msg` scheme (`platform/redox/sysv_msg.rs`), on Linux the system call of
//! the same name. The message and the `msgctl` buffer travel as addresses that the kernel
//! itself reads or writes, so a bad pointer is `EFAULT` from the kernel, not a crash here,
//! and a message's text is copied once, between the caller's buffer and the kernel. The kernel makes every check, in
//! Linux's order; the wrapper checks nothing and passes the values through unchanged (a
//! `msgsz` above `MSGMAX` or negative as a `long`, an `mtype` below 1, `MSG_COPY` without
//! `IPC_NOWAIT`, an unknown command, a null pointer). Failure returns -1 with `errno` set;
//! success leaves `errno` alone.
//!
//! `msgsz` reaches the kernel as the caller's full `size_t` and `msgtyp` as its `long`: Linux takes
//! both whole (a `msgsz` that is negative as a `long` is its `EINVAL`, a negative `msgtyp`
//! asks for the lowest type up to its absolute value). `msgrcv` returns the number of bytes
//! of text received, as an `ssize_t`.

#![allow(non_camel_case_types)]

use core::mem::{offset_of, size_of};

use crate::{
    error::ResultExt,
    header::sys_ipc::ipc_perm,
    platform::{
        PalSysvMsg, Sys,
        types::{c_char, c_int, c_long, c_ulong, c_ushort, c_void, key_t, pid_t, size_t, ssize_t, time_t},
    },
};

/// `msgrcv` flag: truncate a message longer than `msgsz` instead of failing with `E2BIG`.
pub const MSG_NOERROR: c_int = 0o10000;
/// `msgrcv` flag (Linux): with `msgtyp` > 0, receive the first message of any other type.
pub const MSG_EXCEPT: c_int = 0o20000;
/// `msgrcv` flag (Linux): copy the message at index `msgtyp` without removing it (needs
/// `IPC_NOWAIT`).
pub const MSG_COPY: c_int = 0o40000;

/// `msgctl` command (Linux): `IPC_STAT` of the queue at index `msqid`; returns its id.
pub const MSG_STAT: c_int = 11;
/// `msgctl` command (Linux): `IPC_INFO` with usage counts in `msgpool`, `msgmap` and
/// `msgtql`.
pub const MSG_INFO: c_int = 12;
/// `msgctl` command (Linux): `MSG_STAT` without the read-permission check.
pub const MSG_STAT_ANY: c_int = 13;

/// A count of messages in a queue.
pub type msgqnum_t = c_ulong;
/// A count of bytes in a queue.
pub type msglen_t = c_ulong;

/// The state of a message queue (`IPC_STAT`, `IPC_SET`, `MSG_STAT`): Linux x86_64 layout.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct msqid_ds {
    /// Owner, creator and mode; `IPC_SET` changes `uid`, `gid` and `mode & 0777`.
    pub msg_perm: ipc_perm,
    /// Last successful `msgsnd` (seconds since the epoch; 0 if none).
    pub msg_stime: time_t,
    /// Last successful `msgrcv`.
    pub msg_rtime: time_t,
    /// Last change by `msgctl` (and creation).
    pub msg_ctime: time_t,
    /// Bytes of text in the queue (`msg_cbytes` in C, a macro for this name).
    pub __msg_cbytes: c_ulong,
    /// Messages in the queue.
    pub msg_qnum: msgqnum_t,
    /// Most bytes of text the queue holds; `IPC_SET` changes it.
    pub msg_qbytes: msglen_t,
    /// Process of the last `msgsnd`.
    pub msg_lspid: pid_t,
    /// Process of the last `msgrcv`.
    pub msg_lrpid: pid_t,
    pub __glibc_reserved4: c_ulong,
    pub __glibc_reserved5: c_ulong,
}

/// System-wide limits (`IPC_INFO`), or with `MSG_INFO` the number of queues in `msgpool`,
/// of messages in `msgmap` and of bytes in `msgtql`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct msginfo {
    pub msgpool: c_int,
    pub msgmap: c_int,
    /// Largest message text.
    pub msgmax: c_int,
    /// Default capacity of a queue in bytes.
    pub msgmnb: c_int,
    /// Most queues.
    pub msgmni: c_int,
    pub msgssz: c_int,
    pub msgtql: c_int,
    pub msgseg: c_ushort,
}

/// A message as `msgsnd` takes it and `msgrcv` fills it: the type, then the text (glibc's
/// `struct msgbuf`; a caller's own struct has a longer `mtext`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct msgbuf {
    /// The message type, greater than 0.
    pub mtype: c_long,
    /// The text: `msgsz` bytes from here.
    pub mtext: [c_char; 1],
}

// The layouts above, checked where they are defined (core only: relibc has no
// static_assertions). 64-bit only: kestrel is x86_64, and the same layout holds on every
// LP64 Linux target.
const _: () = {
    assert!(size_of::<msginfo>() == 32 && offset_of!(msginfo, msgseg) == 28);
    #[cfg(target_pointer_width = "64")]
    assert!(
        offset_of!(msqid_ds, msg_perm) == 0
            && offset_of!(msqid_ds, msg_stime) == 48
            && offset_of!(msqid_ds, msg_rtime) == 56
            && offset_of!(msqid_ds, msg_ctime) == 64
            && offset_of!(msqid_ds, __msg_cbytes) == 72
            && offset_of!(msqid_ds, msg_qnum) == 80
            && offset_of!(msqid_ds, msg_qbytes) == 88
            && offset_of!(msqid_ds, msg_lspid) == 96
            && offset_of!(msqid_ds, msg_lrpid) == 100
            && offset_of!(msqid_ds, __glibc_reserved4) == 104
            && offset_of!(msqid_ds, __glibc_reserved5) == 112
            && size_of::<msqid_ds>() == 120
    );
    #[cfg(target_pointer_width = "64")]
    assert!(offset_of!(msgbuf, mtext) == 8 && size_of::<msgbuf>() == 16);
};

/// `msgget(key, msgflg)`: the id of the queue for `key`, created if `msgflg` has
/// `IPC_CREAT` (with the access bits of `msgflg`), or a new queue for `IPC_PRIVATE`.
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/msgget.html>.
#[unsafe(no_mangle)]
pub extern "C" fn msgget(key: key_t, msgflg: c_int) -> c_int {
    Sys::msgget(key, msgflg).or_minus_one_errno()
}

/// `msgsnd(msqid, msgp, msgsz, msgflg)`: appends the message at `msgp` (a `long` type
/// greater than 0, then `msgsz` bytes of text) to queue `msqid`, waiting while the queue is
/// full unless `msgflg` has `IPC_NOWAIT` (then `EAGAIN`).
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/msgsnd.html>.
///
/// # Safety
///
/// `msgp` points to a `long` followed by `msgsz` bytes (the kernel reads them; it reports
/// `EFAULT` for an address that is not readable, but cannot tell memory the caller does not
/// own).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msgsnd(msqid: c_int, msgp: *const c_void, msgsz: size_t, msgflg: c_int) -> c_int {
    // SAFETY: the caller's promise for the message is passed on unchanged.
    unsafe { Sys::msgsnd(msqid, msgp, msgsz, msgflg) }.map(|()| 0).or_minus_one_errno()
}

/// `msgrcv(msqid, msgp, msgsz, msgtyp, msgflg)`: removes a message from queue `msqid` and
/// stores its type and at most `msgsz` bytes of its text at `msgp`; returns the number of
/// bytes of text stored. `msgtyp` 0 takes the first message, > 0 the first of that type
/// (with `MSG_EXCEPT`, of any other type), < 0 the first of the lowest type up to
/// `-msgtyp`; with `MSG_COPY` it is the index of a message to copy and leave queued. Waits
/// for a message unless `msgflg` has `IPC_NOWAIT` (then `ENOMSG`); a longer text is `E2BIG`
/// (the message stays queued) unless `msgflg` has `MSG_NOERROR` (then it is truncated).
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/msgrcv.html>.
///
/// # Safety
///
/// `msgp` points to writable memory for a `long` followed by `msgsz` bytes (the kernel
/// writes them; it reports `EFAULT` for an address that is not writable, but cannot tell
/// memory the caller does not own).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msgrcv(
    msqid: c_int,
    msgp: *mut c_void,
    msgsz: size_t,
    msgtyp: c_long,
    msgflg: c_int,
) -> ssize_t {
    // SAFETY: the caller's promise for the buffer is passed on unchanged; the kernel returns
    // at most MSGMAX bytes of text.
    unsafe { Sys::msgrcv(msqid, msgp, msgsz, msgtyp, msgflg) }.map(|len| len as ssize_t).or_minus_one_errno()
}

/// `msgctl(msqid, cmd, buf)`: the command `cmd` on queue `msqid` (or, for `MSG_STAT` and
/// `MSG_STAT_ANY`, on the queue at index `msqid`). `buf` is a `struct msqid_ds *` for
/// `IPC_STAT`, `IPC_SET`, `MSG_STAT` and `MSG_STAT_ANY`, a `struct msginfo *` (cast) for
/// `IPC_INFO` and `MSG_INFO`, which the kernel reads or writes; `IPC_RMID` ignores it.
/// Returns 0, the id for `MSG_STAT*`, or the highest used index for `IPC_INFO`/`MSG_INFO`.
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/msgctl.html>.
///
/// # Safety
///
/// For the commands that use it, `buf` points to memory of the size the command uses,
/// which the kernel may write (`IPC_STAT`, `MSG_STAT*`, `IPC_INFO`, `MSG_INFO`): the kernel
/// reports `EFAULT` for an unmapped address but cannot tell memory the caller does not own.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msgctl(msqid: c_int, cmd: c_int, buf: *mut msqid_ds) -> c_int {
    // SAFETY: the caller's promise for the buffer is passed on unchanged.
    unsafe { Sys::msgctl(msqid, cmd, buf) }.or_minus_one_errno()
}
