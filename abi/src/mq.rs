//! POSIX message queues: the `mq` scheme's calls and the structures they carry.
//!
//! The wire protocol, call by call: `abi/PROTOCOL.md`, section 7 (mq).
//!
//! Queue descriptors are ordinary descriptors (`mqd_t` is an `int`): `close`, `dup`,
//! `fork`, `poll`, `fcntl(F_SETFL, O_NONBLOCK)` and `fstat` work on them. Every `mq_*`
//! call is a `SYS_CALL` on the process's descriptor of the scheme's root, [`MQ_SCHEME`],
//! naming the queue descriptor as an argument, so that the kernel makes every check in
//! Linux's order (a bad priority or timeout before a bad descriptor, and EBADF for a
//! descriptor that is not a queue). The payload is only read by the kernel (`CALL_WRITE`);
//! results come back as the return value or through the addresses the call carries.
//!
//! | call (`metadata[0]`) | `metadata[1]` | `metadata[2]` | payload (u64 words, little-endian) | returns |
//! |---|---|---|---|---|
//! | `MQ_CALL_OPEN` | `mode << 32 \| oflag` (each as u32) | `mq_attr` address or 0 | the name's bytes (no NUL) | the new descriptor |
//! | `MQ_CALL_UNLINK` | 0 | 0 | the name's bytes | 0 |
//! | `MQ_CALL_SEND \| prio << 32` | mqd | message address | msg_len, abs_timeout address or 0 | 0 |
//! | `MQ_CALL_RECEIVE` | mqd | buffer address | msg_len, abs_timeout address or 0, prio address or 0 | bytes received |
//! | `MQ_CALL_GETSETATTR` | mqd | 0 | new `mq_attr` address or 0, old `mq_attr` address or 0 | 0 |
//! | `MQ_CALL_NOTIFY` | mqd | `sigevent` address or 0 | none | 0 |
//!
//! Names are passed as the caller gave them (with their leading '/'); `oflag` and `mode`
//! are Linux's values. `mq_attr.mq_flags` (mq_getsetattr's new and old attributes) holds
//! this kernel's `O_NONBLOCK` (`crate::syscall::O_NONBLOCK`, what programs' `<fcntl.h>`
//! defines), so that the C library passes the caller's structures through untouched and a
//! bad address is the kernel's EFAULT. A queue descriptor is close-on-exec with or without `O_CLOEXEC`,
//! as Linux's mq_open makes it (POSIX closes queue descriptors at exec). Timeouts are
//! absolute `CLOCK_REALTIME` `struct timespec`s.
//!
//! `mq_notify` takes Linux's `struct sigevent`. `SIGEV_SIGNAL` and `SIGEV_NONE` are as on
//! Linux. `SIGEV_THREAD` is the C library's business, as on Linux, where glibc hands the
//! kernel a netlink socket: here the library passes `sigev_signo` = the write end of a pipe
//! and `sigev_value` = a cookie, and the kernel writes an [`MqThreadNotice`] to that pipe
//! when the notice fires ([`NOTIFY_WOKENUP`]) or when the registration is removed without
//! firing ([`NOTIFY_REMOVED`]); the library's thread reads it and starts the caller's
//! function.

/// The scheme's path, its calls, the send word, `mq_open`'s flags as the kernel takes
/// them, `sigev_notify`'s values, the notice's `si_code` and the `SIGEV_THREAD` record:
/// the protocol's (`crate::protocol`).
pub use crate::protocol::{
    MQ_CALL_GETSETATTR, MQ_CALL_NOTIFY, MQ_CALL_OPEN, MQ_CALL_RECEIVE, MQ_CALL_SEND, MQ_CALL_UNLINK, MQ_O_ACCMODE,
    MQ_O_CLOEXEC, MQ_O_CREAT, MQ_O_EXCL, MQ_O_NONBLOCK, MQ_O_RDONLY, MQ_O_RDWR, MQ_O_WRONLY, MQ_SCHEME, MqThreadNotice,
    NOTIFY_REMOVED, NOTIFY_WOKENUP, SI_MESGQ, SIGEV_NONE, SIGEV_SIGNAL, SIGEV_THREAD, send_word,
};

/// Priorities are below this.
pub const MQ_PRIO_MAX: u32 = 32768;

/// `struct mq_attr`, Linux x86_64: four `long`s and four reserved ones (64 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MqAttr {
    pub mq_flags: i64,
    pub mq_maxmsg: i64,
    pub mq_msgsize: i64,
    pub mq_curmsgs: i64,
    pub reserved: [i64; 4],
}

static_assertions::assert_eq_size!(MqAttr, [u8; 64]);

/// Linux's x86_64 `struct sigevent` (64 bytes): the value, the signal, how to notify,
/// then a union (the thread function and attributes, or a thread id) the kernel does not
/// read.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigEvent {
    pub sigev_value: u64,
    pub sigev_signo: i32,
    pub sigev_notify: i32,
    pub union: [u64; 6],
}

static_assertions::assert_eq_size!(SigEvent, [u8; 64]);
