//! POSIX message queues: the named queues of mq_open and mq_unlink, mq_send and
//! mq_receive with their sleeping callers, mq_getattr/mq_setattr and mq_notify's
//! registration, as mq_overview(7) and Linux's `ipc/mqueue.c` have them.
//!
//! - `names`: the checks on a queue's name;
//! - `queue`: one queue ([`MqQueue`]), its messages by priority and its sleepers;
//! - here: the namespace (names, references, the limit on queues and the bytes each
//!   user's queues are charged) and the calls.
//!
//! A queue outlives its name: [`MqNamespace::open`] hands out a [`QueueRef`] the glue
//! keeps per open description and gives back with [`MqNamespace::close`]; an unlinked
//! queue goes when its last reference does. What belongs to an open description (its
//! access mode, hence EBADF, and its O_NONBLOCK flag) is the glue's: the calls take the
//! `nonblock` flag, and [`setattr_flags`] checks a new one.
//!
//! Blocking is data ([`super::wait`]): a sleeping sender's message waits in its record,
//! and a change returns the waiters it completed. A send to a queue with a sleeping
//! receiver hands the message to the first of them; a receive that makes room performs
//! the first sleeping sender's send. Sleepers are served in arrival order (Linux orders
//! them by scheduling priority first; this kernel's threads here all have one).

mod names;
mod queue;

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;

pub use self::names::NAME_MAX;
pub use self::queue::MqQueue;
use self::queue::{Registration, SleepingReceiver, SleepingSender};
use super::perm::{IpcPerm, READ, WRITE};
use super::wait::{self, Outcome, WaiterId, WaiterIds};
use crate::context::cred::Credentials;
use crate::errno::{EAGAIN, EBADF, EBUSY, EEXIST, EINVAL, EMFILE, EMSGSIZE, ENOENT, ENOSPC, Result};

/// Priorities are below this (`MQ_PRIO_MAX`).
pub use kestrel_abi::mq::MQ_PRIO_MAX;
/// Most queues in the namespace for unprivileged creators (Linux `queues_max`, which is
/// per IPC namespace, not per user; CAP_SYS_RESOURCE, here root, passes).
pub const QUEUES_MAX: usize = 256;
/// Unprivileged limits on `mq_maxmsg` and `mq_msgsize`, and the defaults (Linux
/// `msg_max`, `msgsize_max`, `msg_default`, `msgsize_default`).
pub const MSG_MAX: i64 = 10;
pub const MSGSIZE_MAX: i64 = 8192;
/// Root's limits (Linux `HARD_MSGMAX`, `HARD_MSGSIZEMAX`).
pub const HARD_MSGMAX: i64 = 65536;
pub const HARD_MSGSIZEMAX: i64 = 16 << 20;

/// The default RLIMIT_MSGQUEUE (Linux `MQ_BYTES_MAX`): bytes of queues a user may create.
pub const RLIMIT_MSGQUEUE_DEFAULT: u64 = 819_200;
/// What Linux charges per message slot besides its text: a `struct msg_msg` (48 bytes
/// on x86_64), and per priority node one `struct posix_msg_tree_node` (48 bytes).
const MSG_RECORD: u64 = 48;
const TREE_NODE: u64 = 48;

/// The bytes a queue charges its creator's user (Linux `mqueue_get_inode`):
/// `maxmsg * msgsize` plus a record per message and a tree node per possible priority.
pub fn queue_bytes(maxmsg: usize, msgsize: usize) -> u64 {
    let (maxmsg, msgsize) = (maxmsg as u64, msgsize as u64);
    maxmsg * (msgsize + MSG_RECORD) + maxmsg.min(u64::from(MQ_PRIO_MAX)) * TREE_NODE
}

/// Linux's `oflag` values for mq_open, as the ABI states them.
pub use kestrel_abi::mq::{
    MQ_O_ACCMODE as O_ACCMODE, MQ_O_CREAT as O_CREAT, MQ_O_EXCL as O_EXCL, MQ_O_NONBLOCK as O_NONBLOCK,
    MQ_O_RDONLY as O_RDONLY, MQ_O_RDWR as O_RDWR, MQ_O_WRONLY as O_WRONLY,
};

bitflags::bitflags! {
    /// mq_open's flags above the access mode (the glue keeps the known ones with
    /// `from_bits_truncate`, as Linux ignores the others).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct OpenFlags: i32 {
        const CREAT = O_CREAT;
        const EXCL = O_EXCL;
        const NONBLOCK = O_NONBLOCK;
    }
}

/// `struct mq_attr` (four `long`s in Linux's layout).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MqAttr {
    pub mq_flags: i64,
    pub mq_maxmsg: i64,
    pub mq_msgsize: i64,
    pub mq_curmsgs: i64,
}

/// A message and its priority.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Message {
    pub prio: u32,
    pub data: Vec<u8>,
}

/// A message as the calls take and give it: boxed, so that handing it on moves a pointer
/// (a message moved whole is an SSE copy in the compiler's code, and in the kernel the
/// first SSE instruction of a call costs the caller's FPU state a save).
pub type Boxed = Box<Message>;

impl Message {
    /// A boxed message of `prio` with `data`.
    pub fn boxed(prio: u32, data: Vec<u8>) -> Boxed {
        Box::new(Self { prio, data })
    }
}

/// What a completed waiter gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// A receiver: its message.
    Received(Boxed),
    /// A sender: its message was queued.
    Sent,
}

/// A sleeping mq_send or mq_receive that a change completed.
pub type Completed = wait::Completed<Delivery>;
/// The waiters one change completed, in order.
pub type Woken = wait::Woken<Delivery>;

/// A notice the glue delivers now: process `pid` registered `token` (its sigevent) and
/// is unregistered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Notify {
    pub pid: u32,
    pub token: u64,
}

/// A counted reference to a queue, one per open description.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct QueueRef(u64);

impl QueueRef {
    /// A number that names the queue while it exists (its inode number, for `fstat`).
    pub fn id(self) -> u64 {
        self.0
    }
}

/// The queues of the system.
#[derive(Debug, Default)]
pub struct MqNamespace {
    /// Each name's queue, by its slot in `queues`.
    names: BTreeMap<Vec<u8>, u64>,
    /// The queues, each in a slot that is free again once it is freed (the calls find a
    /// queue by its slot, not by a search).
    queues: Vec<Option<MqQueue>>,
    /// Slots in use.
    live: usize,
    waiter_ids: WaiterIds,
    /// Bytes charged per real uid ([`queue_bytes`]), until each queue is freed.
    user_bytes: BTreeMap<u32, u64>,
}

/// Linux `mq_attr_ok`: both sizes positive and within the caller's limits.
fn check_attr(creds: &Credentials, attr: &MqAttr) -> Result<(usize, usize)> {
    let (maxmsg, msgsize) = (attr.mq_maxmsg, attr.mq_msgsize);
    let (max, size_max) = if creds.is_root() { (HARD_MSGMAX, HARD_MSGSIZEMAX) } else { (MSG_MAX, MSGSIZE_MAX) };
    if maxmsg <= 0 || msgsize <= 0 || maxmsg > max || msgsize > size_max {
        return Err(EINVAL);
    }
    Ok((maxmsg as usize, msgsize as usize))
}

/// mq_setattr's new flags: only O_NONBLOCK may be set (EINVAL, checked before the
/// descriptor). Returns the description's new O_NONBLOCK.
pub fn setattr_flags(new: &MqAttr) -> Result<bool> {
    if new.mq_flags & !i64::from(O_NONBLOCK) != 0 {
        return Err(EINVAL);
    }
    Ok(new.mq_flags != 0)
}

impl MqNamespace {
    /// No queues.
    pub const fn new() -> Self {
        Self {
            names: BTreeMap::new(),
            queues: Vec::new(),
            live: 0,
            waiter_ids: WaiterIds::new(),
            user_bytes: BTreeMap::new(),
        }
    }

    /// The queue `queue` refers to (the glue holds the reference, so it exists).
    pub fn queue(&self, queue: QueueRef) -> &MqQueue {
        self.queues[queue.0 as usize].as_ref().expect("a held reference")
    }

    fn queue_mut(&mut self, queue: QueueRef) -> &mut MqQueue {
        self.queues[queue.0 as usize].as_mut().expect("a held reference")
    }

    /// Queues in the namespace, named or still open.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Bytes of queues charged to real uid `uid`.
    pub fn user_bytes(&self, uid: u32) -> u64 {
        self.user_bytes.get(&uid).copied().unwrap_or(0)
    }

    /// Frees a queue with neither name nor reference, and its user's charge (Linux
    /// `mqueue_evict_inode`).
    fn free(&mut self, id: u64) {
        let queue = self.queues[id as usize].take().expect("a queue to free");
        self.live -= 1;
        let (uid, bytes) = queue.charged;
        if let Some(total) = self.user_bytes.get_mut(&uid) {
            *total -= bytes;
            if *total == 0 {
                self.user_bytes.remove(&uid);
            }
        }
    }

    /// `mq_open(name, oflag, mode, attr)`: a new reference to the named queue, created
    /// with O_CREAT if there is none. `mode` is the permission bits after the umask.
    /// Errors in Linux's order: the name (`names::check`); then for a queue that
    /// exists: O_CREAT|O_EXCL → EEXIST, access mode 3 → EINVAL, the access the mode asks
    /// for (read, write, both) → EACCES; for none: no O_CREAT → ENOENT, `attr` (or the
    /// defaults) → EINVAL, [`QUEUES_MAX`] queues and not root → ENOSPC, then the bytes
    /// the caller's real uid has in queues plus [`queue_bytes`] above `rlimit_msgqueue`
    /// (the caller's RLIMIT_MSGQUEUE; root too) → EMFILE, as Linux says. The queue
    /// charges that user until it is freed. A new queue is owned by the caller's
    /// effective ids; the access mode is not checked against the
    /// mode it is created with (Linux opens a new queue even with access mode 3).
    pub fn open(
        &mut self,
        creds: &Credentials,
        name: &[u8],
        oflag: i32,
        mode: u16,
        attr: Option<MqAttr>,
        rlimit_msgqueue: u64,
    ) -> Result<QueueRef> {
        let name = names::check(name)?;
        let flags = OpenFlags::from_bits_truncate(oflag);
        if let Some(&id) = self.names.get(&name) {
            if flags.contains(OpenFlags::CREAT | OpenFlags::EXCL) {
                return Err(EEXIST);
            }
            let wanted = match oflag & O_ACCMODE {
                O_RDONLY => READ,
                O_WRONLY => WRITE,
                O_RDWR => READ | WRITE,
                _ => return Err(EINVAL),
            };
            let queue = self.queue_mut(QueueRef(id));
            queue.perm.check(creds, wanted)?;
            queue.refs += 1;
            return Ok(QueueRef(id));
        }
        if !flags.contains(OpenFlags::CREAT) {
            return Err(ENOENT);
        }
        let default = MqAttr { mq_maxmsg: MSG_MAX, mq_msgsize: MSGSIZE_MAX, ..MqAttr::default() };
        let (maxmsg, msgsize) = check_attr(creds, &attr.unwrap_or(default))?;
        if self.live >= QUEUES_MAX && !creds.is_root() {
            return Err(ENOSPC);
        }
        let bytes = queue_bytes(maxmsg, msgsize);
        let charged = self.user_bytes(creds.ruid);
        if charged + bytes > rlimit_msgqueue {
            return Err(EMFILE);
        }
        self.user_bytes.insert(creds.ruid, charged + bytes);
        let mut queue = MqQueue::new(IpcPerm::new(0, i32::from(mode & 0o777), creds), maxmsg, msgsize);
        queue.refs = 1;
        queue.charged = (creds.ruid, bytes);
        let slot = match self.queues.iter().position(Option::is_none) {
            Some(slot) => slot,
            None => {
                self.queues.push(None);
                self.queues.len() - 1
            }
        };
        self.queues[slot] = Some(queue);
        self.live += 1;
        let id = slot as u64;
        self.names.insert(name, id);
        Ok(QueueRef(id))
    }

    /// `mq_unlink(name)`: removes the name; the queue lives on while references remain.
    /// Errors: the name (`names::check`), none → ENOENT, then the sticky mqueue
    /// directory's rule: only the queue's owner or root → else EACCES (Linux's
    /// `may_delete` says EPERM, which the C library turns into EACCES as POSIX asks).
    pub fn unlink(&mut self, creds: &Credentials, name: &[u8]) -> Result<()> {
        let name = names::check(name)?;
        let id = *self.names.get(&name).ok_or(ENOENT)?;
        let queue = self.queue_mut(QueueRef(id));
        if creds.euid != queue.perm.uid && !creds.is_root() {
            return Err(crate::errno::EACCES);
        }
        queue.linked = false;
        let unreferenced = queue.refs == 0;
        self.names.remove(&name);
        if unreferenced {
            self.free(id);
        }
        Ok(())
    }

    /// mq_close (the last close of a description): gives `queue` back; an unlinked queue
    /// goes with its last reference. The caller's registration, if any, goes at each
    /// close of its descriptors ([`Self::forget_notify`]), not here.
    pub fn close(&mut self, queue: QueueRef) {
        let q = self.queue_mut(queue);
        q.refs -= 1;
        if q.refs == 0 && !q.linked {
            self.free(queue.0);
        }
    }

    /// A new reference to an open queue (a description duplicated by fork).
    pub fn reference(&mut self, queue: QueueRef) -> QueueRef {
        self.queue_mut(queue).refs += 1;
        queue
    }

    /// `mq_send(queue, message)` on a description open for writing: sends, fails, or
    /// queues the sender with its message. Errors in Linux's order: `prio` ≥
    /// [`MQ_PRIO_MAX`] → EINVAL (Linux checks it before the descriptor), a message longer
    /// than `mq_msgsize` → EMSGSIZE, a full queue with `nonblock` → EAGAIN. A receiver
    /// the message went to is appended to `woken`; the notice to deliver, if the send
    /// made the queue non-empty with nobody asleep to receive, is returned with it.
    pub fn send(
        &mut self,
        queue: QueueRef,
        message: Boxed,
        nonblock: bool,
        woken: &mut Woken,
    ) -> Result<(Outcome<()>, Option<Notify>)> {
        check_prio(message.prio)?;
        let q = self.queues[queue.0 as usize].as_mut().expect("a held reference");
        if message.data.len() > q.msgsize {
            return Err(EMSGSIZE);
        }
        if q.curmsgs() < q.maxmsg {
            let notify = q.send(message, woken);
            return Ok((Outcome::Done(()), notify));
        }
        if nonblock {
            return Err(EAGAIN);
        }
        let waiter = self.waiter_ids.fresh();
        q.senders.push(
            message,
            |s, message| (s.waiter, s.message) = (waiter, Some(message)),
            |message| SleepingSender { waiter, message: Some(message) },
        );
        Ok((Outcome::Wait(waiter), None))
    }

    /// `mq_receive(queue, buf_len)` on a description open for reading: the first message
    /// of the highest priority, or the caller queued. Errors in Linux's order: `buf_len`
    /// below `mq_msgsize` → EMSGSIZE (even if the message would fit), an empty queue
    /// with `nonblock` → EAGAIN. A sender the room let through is appended to `woken`.
    pub fn receive(
        &mut self,
        queue: QueueRef,
        buf_len: usize,
        nonblock: bool,
        woken: &mut Woken,
    ) -> Result<Outcome<Boxed>> {
        let q = self.queues[queue.0 as usize].as_mut().expect("a held reference");
        if buf_len < q.msgsize {
            return Err(EMSGSIZE);
        }
        if q.readable() {
            let message = q.take();
            q.wake_sender(woken);
            return Ok(Outcome::Done(message));
        }
        if nonblock {
            return Err(EAGAIN);
        }
        let waiter = self.waiter_ids.fresh();
        q.receivers.push((), |r, ()| r.waiter = waiter, |()| SleepingReceiver { waiter });
        Ok(Outcome::Wait(waiter))
    }

    /// A waiter gives up (a timeout or a signal): `true` if it was still queued (now
    /// removed), `false` if a change already completed it (its result stands).
    pub fn cancel(&mut self, queue: QueueRef, waiter: WaiterId) -> bool {
        self.queue_mut(queue).cancel(waiter)
    }

    /// mq_getattr: the queue's attributes with the description's `nonblock` flag.
    pub fn getattr(&self, queue: QueueRef, nonblock: bool) -> MqAttr {
        let q = self.queue(queue);
        MqAttr {
            mq_flags: if nonblock { i64::from(O_NONBLOCK) } else { 0 },
            mq_maxmsg: q.maxmsg as i64,
            mq_msgsize: q.msgsize as i64,
            mq_curmsgs: q.curmsgs() as i64,
        }
    }

    /// `mq_notify(queue, sevp)` by process `pid`: `Some(token)` registers it (EBUSY if
    /// any process, the caller included, is registered); `None` removes the caller's
    /// registration, and is a successful no-op if it has none (Linux's rule). A queue
    /// that is already non-empty gives no notice until it empties and fills again.
    /// Returns the token of a registration removed, for the glue to release.
    pub fn notify(&mut self, queue: QueueRef, pid: u32, token: Option<u64>) -> Result<Option<u64>> {
        match token {
            None => Ok(self.forget_notify(queue, pid)),
            Some(_) if self.queue(queue).notify.is_some() => Err(EBUSY),
            Some(token) => {
                self.queue_mut(queue).notify = Some(Registration { pid, token });
                Ok(None)
            }
        }
    }

    /// Process `pid` closed a descriptor of `queue` (Linux `mqueue_flush_file`, at every
    /// close): its registration, if it has one, goes; its token is returned.
    pub fn forget_notify(&mut self, queue: QueueRef, pid: u32) -> Option<u64> {
        let q = self.queue_mut(queue);
        let registration = q.notify.filter(|r| r.pid == pid)?;
        q.notify = None;
        Some(registration.token)
    }
}

/// EBADF for a description without the access a call needs (the glue's check, with the
/// description's access mode): mq_send needs write, mq_receive read. Linux gives a
/// description opened with access mode 3 neither (`OPEN_FMODE`), so both fail.
pub fn check_access(oflag: i32, write: bool) -> Result<()> {
    let ok = match oflag & O_ACCMODE {
        O_RDONLY => !write,
        O_WRONLY => write,
        O_RDWR => true,
        _ => false,
    };
    if ok { Ok(()) } else { Err(EBADF) }
}

/// mq_send's first check, before the descriptor's (so the glue makes it before EBADF):
/// a priority of [`MQ_PRIO_MAX`] or more → EINVAL.
pub fn check_prio(prio: u32) -> Result<()> {
    if prio >= MQ_PRIO_MAX { Err(EINVAL) } else { Ok(()) }
}
