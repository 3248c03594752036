//! POSIX message queues through `/scheme/mq` (see `kestrel_abi::mq`): the raw calls the
//! guest tests and the stress test use. (C programs get them from the relibc-patch
//! wrapper.)
//!
//! A queue descriptor (`mqd_t`) is an ordinary descriptor: [`mq_close`] is `close`, and
//! `dup`, `fork`, `fcntl` and `fevent` work on it. Every other call is one `SYS_CALL` on
//! the scheme's root descriptor with exactly three metadata words and a payload of
//! little-endian u64 words that the kernel only reads (`CALL_WRITE`), as the abi's table
//! has them:
//!
//! | call (metadata[0]) | metadata[1] | metadata[2] | payload |
//! |---|---|---|---|
//! | `MQ_CALL_OPEN` | `mode << 32 \| oflag` | `mq_attr` address or 0 | the name's bytes |
//! | `MQ_CALL_UNLINK` | 0 | 0 | the name's bytes |
//! | `send_word(prio)` | mqd | message address | msg_len, abs_timeout address or 0 |
//! | `MQ_CALL_RECEIVE` | mqd | buffer address | msg_len, abs_timeout address or 0, prio address or 0 |
//! | `MQ_CALL_GETSETATTR` | mqd | 0 | new `mq_attr` address or 0, old `mq_attr` address or 0 |
//! | `MQ_CALL_NOTIFY` | mqd | `sigevent` address or 0 | none |
//!
//! Deadlines are absolute `CLOCK_REALTIME` times ([`deadline_in`] makes one). The
//! `*_at` functions pass any address, for testing what the kernel does with a bad one;
//! those that let the kernel write there are `unsafe`. Errors are the kernel's errno, as
//! the C functions would set it.

use core::sync::atomic::{AtomicUsize, Ordering};

use kestrel_abi::mq::{MQ_CALL_GETSETATTR, MQ_CALL_NOTIFY, MQ_CALL_OPEN, MQ_CALL_RECEIVE, MQ_CALL_UNLINK, send_word};
use kestrel_abi::syscall::CALL_WRITE;

use crate::{Result, fs, slice_addr, slice_addr_mut, time};

pub use kestrel_abi::mq::{
    MQ_O_ACCMODE, MQ_O_CLOEXEC, MQ_O_CREAT, MQ_O_EXCL, MQ_O_NONBLOCK, MQ_O_RDONLY, MQ_O_RDWR, MQ_O_WRONLY, MQ_PRIO_MAX,
    MQ_SCHEME, MqAttr, MqThreadNotice, NOTIFY_REMOVED, NOTIFY_WOKENUP, SI_MESGQ, SIGEV_NONE, SIGEV_SIGNAL,
    SIGEV_THREAD, SigEvent,
};
/// The non-blocking bit of `mq_attr.mq_flags` (mq_getattr and mq_setattr): this kernel's
/// `O_NONBLOCK`, as programs' `<fcntl.h>` has it, not Linux's [`MQ_O_NONBLOCK`] that
/// mq_open's `oflag` takes.
pub const MQ_FLAGS_NONBLOCK: i64 = kestrel_abi::syscall::O_NONBLOCK as i64;

/// Linux's `struct timespec`, as the deadlines are passed.
pub use kestrel_abi::sysv::LinuxTimespec as Timespec;

/// The `/scheme/mq` descriptor, opened on first use (and inherited across fork).
fn mq_fd() -> Result<usize> {
    static FD: AtomicUsize = AtomicUsize::new(usize::MAX);
    match FD.load(Ordering::Relaxed) {
        usize::MAX => {
            let fd = fs::open(MQ_SCHEME, fs::O_RDWR | fs::O_CLOEXEC)?;
            // Two threads may race here: the loser closes its descriptor and uses the
            // winner's.
            match FD.compare_exchange(usize::MAX, fd, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => Ok(fd),
                Err(theirs) => {
                    let _ = fs::close(fd);
                    Ok(theirs)
                }
            }
        }
        fd => Ok(fd),
    }
}

/// A payload of little-endian u64 words.
fn words<const N: usize>(values: [u64; N]) -> [[u8; 8]; N] {
    values.map(u64::to_le_bytes)
}

fn call<const N: usize>(meta: [u64; 3], payload: [u64; N]) -> Result<usize> {
    let mut payload = words(payload);
    fs::call(mq_fd()?, payload.as_flattened_mut(), CALL_WRITE, &meta)
}

/// An absolute `CLOCK_REALTIME` deadline `ns` nanoseconds from now.
pub fn deadline_in(ns: u64) -> Result<Timespec> {
    let now = time::clock_gettime(time::CLOCK_REALTIME)?;
    let total = i64::from(now.tv_nsec) + (ns % 1_000_000_000) as i64;
    Ok(Timespec {
        tv_sec: now.tv_sec + (ns / 1_000_000_000) as i64 + total / 1_000_000_000,
        tv_nsec: total % 1_000_000_000,
    })
}

/// `mq_open(name, oflag, mode, attr)`: the new queue descriptor. `oflag` takes the
/// `MQ_O_*` values (Linux's); `mode` and `attr` count only when the call creates the
/// queue (`MQ_O_CREAT`), and without `attr` a new queue has the defaults.
pub fn mq_open(name: &str, oflag: i32, mode: u32, attr: Option<&MqAttr>) -> Result<usize> {
    mq_open_at(name.as_bytes(), oflag, mode, attr.map_or(0, |a| a as *const MqAttr as u64))
}

/// The raw `MQ_CALL_OPEN`: any name bytes, and the attributes at address `attr` (0: none),
/// which the kernel only reads.
pub fn mq_open_at(name: &[u8], oflag: i32, mode: u32, attr: u64) -> Result<usize> {
    let meta = [MQ_CALL_OPEN, (u64::from(mode) << 32) | u64::from(oflag as u32), attr];
    // The kernel reads the name from a copy: call() writes the payload back.
    let mut name = alloc::vec::Vec::from(name);
    fs::call(mq_fd()?, &mut name, CALL_WRITE, &meta)
}

/// `mq_unlink(name)`.
pub fn mq_unlink(name: &str) -> Result<()> {
    let mut name = alloc::vec::Vec::from(name.as_bytes());
    fs::call(mq_fd()?, &mut name, CALL_WRITE, &[MQ_CALL_UNLINK, 0, 0]).map(drop)
}

/// `mq_close(mqd)`: a queue descriptor closes like any other.
pub fn mq_close(mqd: usize) -> Result<()> {
    fs::close(mqd)
}

/// `mq_send(mqd, msg, prio)`.
pub fn mq_send(mqd: usize, msg: &[u8], prio: u32) -> Result<()> {
    mq_timedsend(mqd, msg, prio, None)
}

/// `mq_timedsend(mqd, msg, prio, deadline)`; `None` waits for ever (as `mq_send`).
pub fn mq_timedsend(mqd: usize, msg: &[u8], prio: u32, deadline: Option<&Timespec>) -> Result<()> {
    let deadline = deadline.map_or(0, |t| t as *const Timespec as u64);
    mq_send_at(mqd, slice_addr(msg) as u64, msg.len(), prio, deadline)
}

/// The raw send: `len` bytes at address `msg` and the deadline at address `deadline` (0:
/// none), passed as they are (the kernel only reads there).
pub fn mq_send_at(mqd: usize, msg: u64, len: usize, prio: u32, deadline: u64) -> Result<()> {
    call([send_word(prio), mqd as u64, msg], [len as u64, deadline]).map(drop)
}

/// `mq_receive(mqd, buf)`: the message's length and its priority. A buffer shorter than
/// the queue's `mq_msgsize` is EMSGSIZE.
pub fn mq_receive(mqd: usize, buf: &mut [u8]) -> Result<(usize, u32)> {
    mq_timedreceive(mqd, buf, None)
}

/// `mq_timedreceive(mqd, buf, deadline)`; `None` waits for ever (as `mq_receive`).
pub fn mq_timedreceive(mqd: usize, buf: &mut [u8], deadline: Option<&Timespec>) -> Result<(usize, u32)> {
    let deadline = deadline.map_or(0, |t| t as *const Timespec as u64);
    let mut prio = 0u32;
    // SAFETY: the kernel writes at most buf.len() bytes into buf and one u32 into prio.
    let len = unsafe { mq_receive_at(mqd, slice_addr_mut(buf) as u64, buf.len(), deadline, &raw mut prio as u64)? };
    Ok((len, prio))
}

/// The raw receive: into the buffer at address `buf` of `len` bytes, with the deadline at
/// address `deadline` and the priority written at address `prio` (each 0: none), passed
/// as they are; returns the message's length.
///
/// # Safety
/// Unless the call fails before it writes, the kernel writes up to `len` bytes at `buf`
/// and a `u32` at `prio`: that memory must be writable and not in use by anything else
/// (an unmapped address only makes the call fail with EFAULT).
pub unsafe fn mq_receive_at(mqd: usize, buf: u64, len: usize, deadline: u64, prio: u64) -> Result<usize> {
    call([MQ_CALL_RECEIVE, mqd as u64, buf], [len as u64, deadline, prio])
}

/// `mq_getattr(mqd)` (`mq_flags` is [`MQ_FLAGS_NONBLOCK`] or 0).
pub fn mq_getattr(mqd: usize) -> Result<MqAttr> {
    let mut old = MqAttr::default();
    // SAFETY: the kernel writes one struct mq_attr into old.
    unsafe { mq_getsetattr_at(mqd, 0, &raw mut old as u64)? };
    Ok(old)
}

/// `mq_setattr(mqd, new)`: sets the description's O_NONBLOCK from `new.mq_flags`
/// ([`MQ_FLAGS_NONBLOCK`] or 0; the other fields are ignored) and returns the attributes
/// as they were.
pub fn mq_setattr(mqd: usize, new: &MqAttr) -> Result<MqAttr> {
    let mut old = MqAttr::default();
    // SAFETY: the kernel reads new and writes one struct mq_attr into old.
    unsafe { mq_getsetattr_at(mqd, new as *const MqAttr as u64, &raw mut old as u64)? };
    Ok(old)
}

/// The raw `MQ_CALL_GETSETATTR`: the new attributes at address `new` and the old ones
/// written at address `old` (each 0: none).
///
/// # Safety
/// Unless the call fails before it writes, the kernel writes a `struct mq_attr` (64
/// bytes) at `old`: that memory must be writable and not in use by anything else.
pub unsafe fn mq_getsetattr_at(mqd: usize, new: u64, old: u64) -> Result<()> {
    call([MQ_CALL_GETSETATTR, mqd as u64, 0], [new, old]).map(drop)
}

/// `mq_notify(mqd, sevp)`: registers the calling process for a notice when the queue
/// becomes non-empty, or (`None`) removes its registration.
pub fn mq_notify(mqd: usize, sev: Option<&SigEvent>) -> Result<()> {
    mq_notify_at(mqd, sev.map_or(0, |s| s as *const SigEvent as u64))
}

/// The raw `MQ_CALL_NOTIFY` with the `struct sigevent` at any address (0: none).
pub fn mq_notify_at(mqd: usize, sev: u64) -> Result<()> {
    call([MQ_CALL_NOTIFY, mqd as u64, sev], []).map(drop)
}

/// A `SIGEV_SIGNAL` registration: signal `signo` with `value` in `si_value`.
pub const fn sigev_signal(signo: i32, value: u64) -> SigEvent {
    SigEvent { sigev_value: value, sigev_signo: signo, sigev_notify: SIGEV_SIGNAL, union: [0; 6] }
}
