//! System V message queues through `/scheme/msg` (see `kestrel_abi::sysv`): the raw calls
//! the guest tests and the stress test use. (C programs get them from the relibc-patch
//! wrapper.)
//!
//! Each call is one `SYS_CALL` on the scheme's descriptor with exactly three metadata words,
//! as the abi's table has them:
//!
//! | call | metadata[1] | metadata[2] | payload |
//! |---|---|---|---|
//! | `MSG_CALL_GET` | key (as u32) | msgflg (as u32) | none |
//! | `MSG_CALL_SND` | `msg_word(msqid, msgflg)` | `msgp` address | msgsz (u64) |
//! | `MSG_CALL_RCV` | `msg_word(msqid, msgflg)` | `msgp` address | msgsz (u64), msgtyp (i64) |
//! | `MSG_CALL_CTL` | `msg_word(msqid, cmd)` | `buf` address | none |
//!
//! The kernel reads and writes the message buffer (`struct msgbuf`: a `long` type, then the
//! text) and msgctl's buffer at their addresses. The `*_at` functions pass any address, for
//! testing what the kernel does with a bad one; those that let the kernel write there are
//! `unsafe`. The others take a [`Message`], a [`MsqidDs`] or a [`MsgInfo`].

use core::sync::atomic::{AtomicUsize, Ordering};

use kestrel_abi::syscall::CALL_WRITE;
use kestrel_abi::sysv::{MSG_CALL_CTL, MSG_CALL_GET, MSG_CALL_RCV, MSG_CALL_SND, MSG_SCHEME, msg_word};

use crate::{Result, fs};

pub use kestrel_abi::sysv::{
    IPC_CREAT, IPC_EXCL, IPC_INFO, IPC_NOWAIT, IPC_PRIVATE, IPC_RMID, IPC_SET, IPC_STAT, MSG_COPY, MSG_EXCEPT,
    MSG_INFO, MSG_NOERROR, MSG_STAT, MSG_STAT_ANY, MSGMAX, MSGMNB, MSGMNI, MsgInfo, MsqidDs,
};

/// [`MSGMAX`] as a length.
pub const MSGMAX_LEN: usize = MSGMAX as usize;

/// A message as msgsnd and msgrcv take it (`struct msgbuf`): the type, then room for the
/// largest text.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Message {
    pub mtype: i64,
    pub mtext: [u8; MSGMAX_LEN],
}

impl Message {
    /// A message of type `mtype` whose text is all zeroes.
    pub const fn new(mtype: i64) -> Self {
        Self { mtype, mtext: [0; MSGMAX_LEN] }
    }
}

impl Default for Message {
    fn default() -> Self {
        Self::new(0)
    }
}

/// The `/scheme/msg` descriptor, opened on first use (and inherited across fork).
fn msg_fd() -> Result<usize> {
    static FD: AtomicUsize = AtomicUsize::new(usize::MAX);
    match FD.load(Ordering::Relaxed) {
        usize::MAX => {
            let fd = fs::open(MSG_SCHEME, fs::O_RDWR | fs::O_CLOEXEC)?;
            FD.store(fd, Ordering::Relaxed);
            Ok(fd)
        }
        fd => Ok(fd),
    }
}

/// `msgget(key, msgflg)`.
pub fn msgget(key: i32, flags: i32) -> Result<i32> {
    let meta = [MSG_CALL_GET, u64::from(key as u32), u64::from(flags as u32)];
    fs::call(msg_fd()?, &mut [], 0, &meta).map(|id| id as i32)
}

/// `msgsnd(id, msg, len, flags)`: sends `msg.mtype` and the first `len` bytes of
/// `msg.mtext`. (A `len` above [`MSGMAX`] is the kernel's EINVAL.)
pub fn msgsnd(id: i32, msg: &Message, len: usize, flags: i32) -> Result<()> {
    msgsnd_at(id, msg as *const Message as u64, len, flags)
}

/// The raw `MSG_CALL_SND`: the message at address `msgp`, `msgsz` bytes of text, passed as
/// they are (the kernel only reads there).
pub fn msgsnd_at(id: i32, msgp: u64, msgsz: usize, flags: i32) -> Result<()> {
    let meta = [MSG_CALL_SND, msg_word(id, flags), msgp];
    fs::call(msg_fd()?, &mut (msgsz as u64).to_le_bytes(), CALL_WRITE, &meta).map(|_| ())
}

/// `msgrcv(id, msg, msgsz, msgtyp, flags)`: receives into `msg`; returns the bytes of text.
/// `msgsz` is clamped to the buffer's [`MSGMAX`] bytes, which no message exceeds, so the
/// clamp changes no outcome.
pub fn msgrcv(id: i32, msg: &mut Message, msgsz: usize, msgtyp: i64, flags: i32) -> Result<usize> {
    // SAFETY: the kernel writes the type and at most MSGMAX_LEN bytes of text into msg,
    // which has room for them.
    unsafe { msgrcv_at(id, msg as *mut Message as u64, msgsz.min(MSGMAX_LEN), msgtyp, flags) }
}

/// The raw `MSG_CALL_RCV`: receives into the buffer at address `msgp` with room for `msgsz`
/// bytes of text (both passed as they are); returns the bytes of text.
///
/// # Safety
/// Unless the call fails before it writes, the kernel writes an `i64` and up to `msgsz`
/// bytes (at most [`MSGMAX`]) at `msgp`: that memory must be writable and not in use by
/// anything else (an unmapped address only makes the call fail with EFAULT).
pub unsafe fn msgrcv_at(id: i32, msgp: u64, msgsz: usize, msgtyp: i64, flags: i32) -> Result<usize> {
    let meta = [MSG_CALL_RCV, msg_word(id, flags), msgp];
    let mut payload = [0u8; 16];
    payload[..8].copy_from_slice(&(msgsz as u64).to_le_bytes());
    payload[8..].copy_from_slice(&msgtyp.to_le_bytes());
    fs::call(msg_fd()?, &mut payload, CALL_WRITE, &meta)
}

/// `msgctl(id, cmd, ds)` for the commands that take a `struct msqid_ds` (IPC_STAT,
/// MSG_STAT, MSG_STAT_ANY, IPC_SET; IPC_RMID ignores it); returns the call's value.
pub fn msgctl(id: i32, cmd: i32, ds: &mut MsqidDs) -> Result<i32> {
    // SAFETY: no msgctl command writes more than a struct msqid_ds (IPC_INFO and MSG_INFO
    // write the smaller struct msginfo), and ds is one.
    unsafe { msgctl_at(id, cmd, ds as *mut MsqidDs as u64) }
}

/// `msgctl(id, IPC_RMID, NULL)`.
pub fn msgctl_rmid(id: i32) -> Result<()> {
    // SAFETY: IPC_RMID does not touch the buffer, and there is none.
    unsafe { msgctl_at(id, IPC_RMID, 0) }.map(|_| ())
}

/// `msgctl(0, cmd, info)` for IPC_INFO and MSG_INFO: returns the highest used index.
pub fn msgctl_info(cmd: i32, info: &mut MsgInfo) -> Result<i32> {
    let mut ds = MsqidDs::default();
    let highest = msgctl(0, cmd, &mut ds)?;
    // SAFETY: MsqidDs is larger than MsgInfo, both are plain integers, and the kernel wrote
    // a struct msginfo at the start of ds.
    *info = unsafe { core::ptr::read_unaligned((&raw const ds).cast::<MsgInfo>()) };
    Ok(highest)
}

/// The raw `MSG_CALL_CTL`: `buf` passed as it is; returns the call's value.
///
/// # Safety
/// For IPC_STAT, MSG_STAT and MSG_STAT_ANY the kernel writes a `struct msqid_ds` (120
/// bytes), for IPC_INFO and MSG_INFO a `struct msginfo` (32 bytes) at `buf`: that memory
/// must be writable and not in use by anything else (an unmapped address only makes the
/// call fail with EFAULT).
pub unsafe fn msgctl_at(id: i32, cmd: i32, buf: u64) -> Result<i32> {
    let meta = [MSG_CALL_CTL, msg_word(id, cmd), buf];
    fs::call(msg_fd()?, &mut [], 0, &meta).map(|v| v as i32)
}
