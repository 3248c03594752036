//! `/scheme/mq`: POSIX message queues as descriptors (`kestrel_abi::mq` has the calls).
//! The rules live in `ipc::mq`; this glue decodes the calls on the scheme's root, finds
//! the queue descriptor each names, copies messages between user memory and the kernel
//! (once from the sender, once to the receiver), sleeps and wakes through `ipc_glue`,
//! reports readiness to the event scheme and delivers mq_notify's notices.
//!
//! - here: the queue descriptions, the state under `MQS`, and the scheme's entry points;
//! - `calls`: each call's decoding, its checks in Linux's order, and settling a send or
//!   receive that completed, must sleep or failed;
//! - `notice`: what a registration asks for, and its delivery;
//! - `spare`: message buffers kept for reuse.
//!
//! Handles: 0 is the root, which takes the calls; every other handle is one open
//! description of a queue, made by `MQ_CALL_OPEN` and holding a reference to it, its
//! access mode (Linux's, so mode 3 gives neither send nor receive) and its name. The
//! description's O_NONBLOCK flag is the queue description's (mq_setattr and
//! `fcntl(F_SETFL)` set the same flag); dup and fork share the description.
//!
//! Locks, in the order of `context::lock_order`: the caller's `creds` (mq_open and
//! mq_unlink only), then `MQS` (level Facility), under which the caller's address space
//! may be locked to check a receive buffer. The caller's descriptor table is locked and
//! released before `MQS`. Threads are woken, signals sent and notices written only after
//! `MQS` is released.
//!
//! mq_send and mq_receive run without the kernel lock (`context::kernel_lock`) and take
//! it only to wake or sleep, to tell the event scheme or deliver a notice, or for a user
//! copy the loaded page tables cannot make. Under `MQS` (a short text's copy, the
//! receive buffer's check) only the loaded page tables are asked when the kernel lock is
//! not held (`ENEEDLOCK` makes the call again under it).
//!
//! Deliberate differences from Linux: no umask is applied to a new queue's mode (the
//! kernel has none); a receive checks that the caller's buffer (and `msg_prio`) can take
//! the message before taking it, so a bad buffer is EFAULT with the message still queued
//! (Linux loses it), and before it sleeps it checks room for `mq_msgsize` bytes; a
//! registration made before an exec still fires after it (Linux skips the signal); the
//! per-user byte limit is the default RLIMIT_MSGQUEUE (there is no setrlimit).

use alloc::string::String;
use alloc::vec::Vec;

use kestrel_abi::mq::{
    MQ_CALL_GETSETATTR, MQ_CALL_NOTIFY, MQ_CALL_OPEN, MQ_CALL_RECEIVE, MQ_CALL_SEND, MQ_CALL_UNLINK, MqAttr as AbiAttr,
};
use kestrel_abi::syscall::{EVENT_READ, EVENT_WRITE, MODE_CHR, MODE_FILE, Stat};

use self::notice::Notices;
use crate::context::lock_order::{Level, OrderedMutex};
use crate::errno::{EBADF, EINVAL, EOPNOTSUPP};
use crate::memory::user::Plain;
pub use crate::scheme::handles::ROOT;
use crate::scheme::handles::{self, HandleTable};
use crate::scheme::ipc::mq::{Delivery, MqNamespace, QueueRef, Woken};
use crate::scheme::ipc_glue::{Facility, Sleepers};
use crate::scheme::{Caller, KernelScheme, Result};

mod calls;
mod notice;
mod spare;

/// One open description of a queue.
struct Handle {
    queue: QueueRef,
    /// `oflag & O_ACCMODE` as mq_open got it.
    access: i32,
    /// The name it was opened by, for `fpath`.
    name: Vec<u8>,
    /// How far `read` has gone through the status line.
    read_offset: usize,
}

/// The queues, their open descriptions, the threads asleep in mq_send and mq_receive,
/// and what each mq_notify registration asks for.
struct Mqs {
    ns: MqNamespace,
    sleepers: Sleepers<Delivery>,
    /// The waiters a call's change completed, until they are handed to their sleepers.
    woken: Woken,
    /// The queue descriptions, by handle.
    handles: HandleTable<Handle>,
    notices: Notices,
}

impl Facility for Mqs {
    type Result = Delivery;

    fn sleepers(&mut self) -> &mut Sleepers<Delivery> {
        &mut self.sleepers
    }
}

impl Mqs {
    fn handle(&self, handle: usize) -> Option<&Handle> {
        self.handles.get(handle)
    }

    fn handle_mut(&mut self, handle: usize) -> Option<&mut Handle> {
        self.handles.get_mut(handle)
    }

    /// The poll bits of `queue` (Linux `mqueue_poll_file`, whatever the access mode).
    fn readiness(&self, queue: QueueRef) -> usize {
        let q = self.ns.queue(queue);
        (if q.readable() { EVENT_READ } else { 0 }) | (if q.writable() { EVENT_WRITE } else { 0 })
    }
}

static MQS: spin::LazyLock<OrderedMutex<Mqs>> = spin::LazyLock::new(|| {
    OrderedMutex::new(
        Level::Facility,
        Mqs {
            ns: MqNamespace::new(),
            sleepers: Sleepers::new(),
            woken: Woken::new(),
            handles: HandleTable::new(),
            notices: Notices::default(),
        },
    )
});

// SAFETY: a repr(C) struct of integers without padding.
unsafe impl Plain for AbiAttr {}

/// The mq scheme.
pub struct MqScheme;

impl MqScheme {
    /// Whether the call `metadata` on the root runs without the kernel lock: mq_send and
    /// mq_receive (`syscall::fs::call`).
    pub fn runs_unlocked(metadata: &[u64]) -> bool {
        matches!(metadata, [word, _, _] if *word as u32 as u64 == MQ_CALL_SEND || *word == MQ_CALL_RECEIVE)
    }
}

impl KernelScheme for MqScheme {
    fn open(&self, path: &str, _flags: usize, _caller: &mut Caller<'_>) -> Result<usize> {
        // Queues are opened with MQ_CALL_OPEN, which takes mq_open's attributes.
        handles::open_root(path)
    }

    /// The calls on the root take exactly three metadata words; any other count, or a
    /// call on a queue's descriptor, is refused.
    fn call(&self, handle: usize, payload: &mut [u8], metadata: &[u64], caller: &mut Caller<'_>) -> Result<usize> {
        if handle != ROOT {
            return Err(EOPNOTSUPP);
        }
        match *metadata {
            [MQ_CALL_OPEN, word, attr] => Self::open_queue(caller, word, attr, payload),
            [MQ_CALL_UNLINK, 0, 0] => Self::unlink_queue(caller, payload),
            [word, mqd, msg] if word as u32 as u64 == MQ_CALL_SEND => Self::send(caller, word, mqd, msg, payload),
            [MQ_CALL_RECEIVE, mqd, buf] => Self::receive(caller, mqd, buf, payload),
            [MQ_CALL_GETSETATTR, mqd, 0] => Self::getsetattr(caller, mqd, payload),
            [MQ_CALL_NOTIFY, mqd, sevp] => Self::notify(caller, mqd, sevp),
            _ => Err(EINVAL),
        }
    }

    /// The queue's status line, from the description's offset on (Linux's `read` of an
    /// mqueue file).
    fn read(&self, handle: usize, buf: &mut [u8], _nonblock: bool, _caller: &mut Caller<'_>) -> Result<usize> {
        let line = Self::status_line(handle)?;
        let mut guard = MQS.lock();
        let h = guard.handle_mut(handle).ok_or(EBADF)?;
        let rest = line.as_bytes().get(h.read_offset..).unwrap_or(&[]);
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        h.read_offset += n;
        Ok(n)
    }

    /// Linux's mqueue files have no write (EINVAL, once the descriptor's access mode let
    /// the call through).
    fn write(&self, _handle: usize, _buf: &[u8], _nonblock: bool, _caller: &mut Caller<'_>) -> Result<usize> {
        Err(EINVAL)
    }

    fn fstat(&self, handle: usize) -> Result<Stat> {
        if handle == ROOT {
            return Ok(Stat { st_mode: MODE_CHR | 0o666, ..Stat::default() });
        }
        let guard = MQS.lock();
        let queue = guard.handle(handle).ok_or(EBADF)?.queue;
        let perm = guard.ns.queue(queue).perm();
        // As Linux's mqueue inodes: a regular file of the queue's owner and mode, whose
        // size is that of its status line.
        Ok(Stat {
            st_ino: queue.id(),
            st_mode: MODE_FILE | perm.mode,
            st_nlink: 1,
            st_uid: perm.uid,
            st_gid: perm.gid,
            st_size: 80,
            st_blksize: 4096,
            ..Stat::default()
        })
    }

    fn fpath(&self, handle: usize) -> Result<String> {
        if handle == ROOT {
            return Ok(String::new());
        }
        let guard = MQS.lock();
        let name = &guard.handle(handle).ok_or(EBADF)?.name;
        Ok(String::from_utf8_lossy(name.strip_prefix(b"/").unwrap_or(name)).into_owned())
    }

    fn poll(&self, handle: usize) -> usize {
        let guard = MQS.lock();
        guard.handle(handle).map_or(0, |h| guard.readiness(h.queue))
    }

    /// Process `pid` closed a descriptor of the queue: its registration goes (Linux
    /// `mqueue_flush_file`).
    fn flush(&self, handle: usize, pid: u32) {
        let released = {
            let mut guard = MQS.lock();
            let Some(queue) = guard.handle(handle).map(|h| h.queue) else { return };
            guard.ns.forget_notify(queue, pid).and_then(|token| guard.notices.take(token))
        };
        if let Some(target) = released {
            target.release();
        }
    }

    fn close(&self, handle: usize) {
        let mut guard = MQS.lock();
        let Some(h) = guard.handles.remove(handle) else { return };
        guard.ns.close(h.queue);
    }
}

/// POSIX message queues alive (named, or unlinked and still open), for the `sys` census.
pub fn queue_count() -> usize {
    MQS.lock().ns.len()
}

/// Frees the spare message records (`/scheme/sys/drop_caches`).
pub fn drop_spare_messages() {
    spare::drop_all();
}
