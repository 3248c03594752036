//! System V message queues: `msgget`, `msgsnd` and `msgrcv` with their sleeping senders
//! and receivers (`msgctl` is in [`ctl`]), as msgop(2) and Linux's `ipc/msg.c` have them.
//!
//! A queue holds messages in arrival order, with `cbytes` (bytes of text queued) and
//! `qnum` (messages queued) kept against one limit, `qbytes`: a message of `size` bytes
//! fits while `cbytes + size <= qbytes` and `qnum + 1 <= qbytes`.
//!
//! - `msgsnd` puts a message on the queue, or sleeps while it does not fit (EAGAIN with
//!   IPC_NOWAIT). A message is first offered to the sleeping receivers in arrival order:
//!   the first whose type test it passes takes it directly and it is never queued; one
//!   whose buffer is too small (without MSG_NOERROR) is failed with E2BIG on the way.
//! - `msgrcv` takes the message its type test picks ([`Wanted`]), or sleeps while there is
//!   none (ENOMSG with IPC_NOWAIT). A message longer than the buffer is E2BIG and stays
//!   queued, unless MSG_NOERROR truncates it. MSG_COPY copies the message at an index and
//!   leaves it queued. A receive that frees space performs the sleeping senders whose
//!   messages now fit, in arrival order, each re-checking its write permission first.
//!
//! Blocking is data ([`super::wait`]): a sleeping sender's message stays in its waiter
//! record (it is not copied again) and a change that completes waiters returns each one's
//! [`Delivery`]. Invariants between calls: no receiver sleeps while a message it would
//! take is queued, and no sender sleeps while its message fits.

pub mod ctl;
mod queue;
mod sleepers;

#[cfg(test)]
mod properties;
#[cfg(test)]
pub(crate) mod tests;

use alloc::boxed::Box;
use alloc::vec::Vec;

use self::queue::Messages;
pub use self::queue::Wanted;
use self::sleepers::{SleepingReceiver, SleepingSender};
use super::get::{self, IpcObject};
use super::ids::IdTable;
use super::perm::{IpcPerm, READ, WRITE};
use super::slots::SlotQueue;
use super::wait::{self, Outcome, WaiterId, WaiterIds};
use super::{IPC_NOWAIT, Key};
use crate::context::cred::Credentials;
use crate::errno::{E2BIG, EAGAIN, EINVAL, ENOMEM, ENOMSG, Result};

pub use kestrel_abi::sysv::{MSG_COPY, MSG_EXCEPT, MSG_NOERROR, MSGMAX, MSGMNB, MSGMNI};

/// A message: its type (at least 1) and its text, copied once from the sender.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Message {
    pub mtype: i64,
    pub text: Vec<u8>,
}

/// A message as it travels from sender to queue to receiver: boxed, so that handing it
/// on moves one pointer (as Linux's queues link `msg_msg` records).
pub type Boxed = Box<Message>;

bitflags::bitflags! {
    /// The `msgflg` bits of msgsnd and msgrcv (the glue keeps the known ones with
    /// `from_bits_truncate`, as Linux ignores the others).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct MsgFlags: i32 {
        /// Fail with EAGAIN (send) or ENOMSG (receive) instead of sleeping.
        const NOWAIT = IPC_NOWAIT;
        /// Receive: truncate a message longer than the buffer instead of E2BIG.
        const NOERROR = MSG_NOERROR;
        /// Receive with msgtyp > 0: the first message of any other type.
        const EXCEPT = MSG_EXCEPT;
        /// Receive: copy the message at index msgtyp, leaving it queued.
        const COPY = MSG_COPY;
    }
}

/// What a completed waiter gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// A receiver: its message, already truncated to its buffer if MSG_NOERROR applied.
    Received(Boxed),
    /// A sender: its message was queued or handed to a receiver.
    Sent,
}

/// A msgsnd or msgrcv that slept, and what a change gave it.
pub type Completed = wait::Completed<Delivery>;
/// The waiters one change completed, in the order it completed them.
pub type Woken = wait::Woken<Delivery>;

/// A message queue.
#[derive(Debug, Default)]
pub struct MsgQueue {
    perm: IpcPerm,
    /// Times (seconds since the epoch) of the last msgsnd, the last msgrcv and the last
    /// change (creation or IPC_SET); 0 for never.
    stime: u64,
    rtime: u64,
    ctime: u64,
    /// The limit on both queued bytes and queued messages.
    qbytes: u64,
    /// Pids of the last sender and the last receiver (0 for none).
    lspid: u32,
    lrpid: u32,
    messages: Messages,
    senders: SlotQueue<SleepingSender>,
    receivers: SlotQueue<SleepingReceiver>,
}

impl IpcObject for MsgQueue {
    fn perm(&self) -> &IpcPerm {
        &self.perm
    }
    fn perm_mut(&mut self) -> &mut IpcPerm {
        &mut self.perm
    }
}

impl MsgQueue {
    /// An empty queue of the default capacity, created at `now`.
    fn new(perm: IpcPerm, now: u64) -> Self {
        Self { perm, ctime: now, qbytes: MSGMNB as u64, ..Self::default() }
    }

    /// Kernel memory its queued messages hold: their text and [`MESSAGE_OVERHEAD`] each.
    pub fn held(&self) -> usize {
        self.messages.bytes() as usize + self.messages.len() * MESSAGE_OVERHEAD
    }

    /// Ownership and mode.
    pub fn perm(&self) -> &IpcPerm {
        &self.perm
    }

    /// Bytes of text queued.
    pub fn cbytes(&self) -> u64 {
        self.messages.bytes()
    }

    /// Messages queued.
    pub fn qnum(&self) -> u64 {
        self.messages.len() as u64
    }

    /// The limit on queued bytes and messages.
    pub fn qbytes(&self) -> u64 {
        self.qbytes
    }

    /// The queued messages, first first.
    pub fn messages(&self) -> impl Iterator<Item = &Message> {
        self.messages.iter()
    }

    /// The sleeping senders and receivers, each in arrival order.
    pub fn sleepers(&self) -> (impl Iterator<Item = WaiterId> + '_, impl Iterator<Item = WaiterId> + '_) {
        (self.senders.iter().map(|s| s.waiter), self.receivers.iter().map(|r| r.waiter))
    }

    /// Linux `msg_fits_inqueue`: `qbytes` bounds the bytes and, separately, the count
    /// (`cbytes + size <= qbytes` and `qnum + 1 <= qbytes`).
    fn fits(&self, size: usize) -> bool {
        self.messages.bytes() + size as u64 <= self.qbytes && (self.messages.len() as u64) < self.qbytes
    }

    /// Sends `message` for `pid`: to the first sleeping receiver that takes it, else onto
    /// the queue. The caller has checked that it fits.
    fn send(&mut self, pid: u32, message: Boxed, now: u64, woken: &mut Woken) {
        self.lspid = pid;
        self.stime = now;
        if let Some(message) = self.hand_to_receiver(message, now, woken) {
            self.messages.push(message);
        }
    }

    /// Removes the message at `index` for a receive by `pid`.
    fn take(&mut self, index: usize, pid: u32, now: u64) -> Boxed {
        self.lrpid = pid;
        self.rtime = now;
        self.messages.remove(index)
    }
}

/// All message queues of the system.
pub struct MsgNamespace {
    queues: IdTable<MsgQueue>,
    waiter_ids: WaiterIds,
    /// Kernel memory the queued messages of every queue hold ([`MsgQueue::held`]).
    held: usize,
}

/// Most kernel memory the queued messages of all queues may hold. Linux bounds them by
/// the memory the allocator finds (a send that finds none is ENOMEM); this kernel's heap
/// is far smaller than MSGMNI full queues, so the bound is explicit, with the same errno.
pub const MSG_MEMORY: usize = 16 << 20;
/// What a queued message holds besides its text: its record and its place in the queue.
pub const MESSAGE_OVERHEAD: usize = 64;

impl Default for MsgNamespace {
    fn default() -> Self {
        Self::new()
    }
}

impl MsgNamespace {
    /// No queues.
    pub const fn new() -> Self {
        Self { queues: IdTable::new(MSGMNI as usize), waiter_ids: WaiterIds::new(), held: 0 }
    }

    /// The queue with id `msqid`.
    pub fn queue(&self, msqid: i32) -> Result<&MsgQueue> {
        self.queues.get(msqid)
    }

    /// `msgget(key, msgflg)`: the generic `*get`; a new queue holds up to MSGMNB bytes and
    /// its ctime is `now`. At most MSGMNI queues (ENOSPC).
    pub fn msgget(&mut self, creds: &Credentials, key: Key, flags: i32, now: u64) -> Result<i32> {
        let got = get::get(&mut self.queues, creds, key, flags, |_| Ok(()), |perm| Ok(MsgQueue::new(perm, now)))?;
        Ok(got.id)
    }

    /// The checks Linux makes before the text is read from user memory (after the glue
    /// read mtype: EFAULT for that comes first, in the glue): `msgsz` (the caller's
    /// `size_t`) above MSGMAX or negative as a `long`, or a negative `msqid` → EINVAL;
    /// then `mtype` < 1 → EINVAL. Returns `msgsz` as a size.
    pub fn msgsnd_check(msqid: i32, mtype: i64, msgsz: u64) -> Result<usize> {
        if msgsz > MSGMAX as u64 || (msgsz as i64) < 0 || msqid < 0 {
            return Err(EINVAL);
        }
        if mtype < 1 {
            return Err(EINVAL);
        }
        usize::try_from(msgsz).map_err(|_| EINVAL)
    }

    /// `msgsnd(msqid, msgp, msgsz, msgflg)` for process `pid`: sends `message`, fails, or
    /// queues the sender with its message. Errors in Linux's order: [`Self::msgsnd_check`],
    /// then ENOMEM when the queued messages of all queues hold [`MSG_MEMORY`] (Linux's
    /// allocation of the message fails at this point too), the id (EINVAL), write
    /// permission (EACCES), a full queue with IPC_NOWAIT (EAGAIN). Receivers the message
    /// completed are appended to `woken`.
    #[allow(clippy::too_many_arguments, reason = "the call's inputs plus the caller's out-list")]
    pub fn msgsnd(
        &mut self,
        creds: &Credentials,
        pid: u32,
        msqid: i32,
        message: Boxed,
        flags: MsgFlags,
        now: u64,
        woken: &mut Woken,
    ) -> Result<Outcome<()>> {
        Self::msgsnd_check(msqid, message.mtype, message.text.len() as u64)?;
        if self.held + message.text.len() + MESSAGE_OVERHEAD > MSG_MEMORY {
            return Err(ENOMEM);
        }
        let queue = self.queues.get_mut(msqid)?;
        queue.perm.check(creds, WRITE)?;
        if queue.fits(message.text.len()) {
            let before = queue.held();
            queue.send(pid, message, now, woken);
            self.held = self.held - before + queue.held();
            return Ok(Outcome::Done(()));
        }
        if flags.contains(MsgFlags::NOWAIT) {
            return Err(EAGAIN);
        }
        let waiter = self.waiter_ids.fresh();
        sleepers::push_sender(&mut queue.senders, waiter, pid, creds, message);
        Ok(Outcome::Wait(waiter))
    }

    /// The checks before any lookup: a negative `msqid`, or `bufsz` (the caller's
    /// `size_t`) negative as a `long` → EINVAL; MSG_COPY with MSG_EXCEPT or without
    /// IPC_NOWAIT → EINVAL. Returns `bufsz` as a size. (With MSG_COPY, Linux then reads
    /// `min(bufsz, MSGMAX)` bytes of the caller's buffer, EFAULT, before the lookup.)
    pub fn msgrcv_check(msqid: i32, bufsz: u64, flags: MsgFlags) -> Result<usize> {
        if msqid < 0 || (bufsz as i64) < 0 {
            return Err(EINVAL);
        }
        if flags.contains(MsgFlags::COPY) && (flags.contains(MsgFlags::EXCEPT) || !flags.contains(MsgFlags::NOWAIT)) {
            return Err(EINVAL);
        }
        usize::try_from(bufsz).map_err(|_| EINVAL)
    }

    /// `msgrcv(msqid, msgp, bufsz, msgtyp, msgflg)` for process `pid`: takes (or with
    /// MSG_COPY copies) the message `msgtyp` picks, fails, or queues the receiver. Errors
    /// in Linux's order: [`Self::msgrcv_check`], the id (EINVAL), read permission
    /// (EACCES), the picked message longer than `bufsz` without MSG_NOERROR (E2BIG, the
    /// message stays), none with IPC_NOWAIT (ENOMSG). Sleeping senders that the freed
    /// space let through (and receivers their messages went to) are appended to `woken`.
    ///
    /// `writable(n)` says whether the caller's buffer can take a message with `n` bytes
    /// of text (EFAULT if not). It is asked before a message is taken or copied, so a bad
    /// buffer leaves the message queued, and before the caller sleeps, with the most the
    /// buffer may receive, so that no message is handed to a buffer it cannot reach.
    /// (Linux takes the message and loses it when the copy fails, and sleeps with a bad
    /// buffer; otherwise the errors are Linux's.)
    #[allow(clippy::too_many_arguments, reason = "the call's inputs plus the caller's out-list")]
    pub fn msgrcv(
        &mut self,
        creds: &Credentials,
        pid: u32,
        msqid: i32,
        bufsz: usize,
        msgtyp: i64,
        flags: MsgFlags,
        now: u64,
        woken: &mut Woken,
        writable: impl FnOnce(usize) -> Result<()>,
    ) -> Result<Outcome<Boxed>> {
        Self::msgrcv_check(msqid, bufsz as u64, flags)?;
        let queue = self.queues.get_mut(msqid)?;
        queue.perm.check(creds, READ)?;
        let wanted = Wanted::new(msgtyp, flags);
        let noerror = flags.contains(MsgFlags::NOERROR);
        let Some(index) = queue.messages.find(wanted) else {
            if flags.contains(MsgFlags::NOWAIT) {
                return Err(ENOMSG);
            }
            writable(bufsz.min(MSGMAX as usize))?;
            let waiter = self.waiter_ids.fresh();
            sleepers::push_receiver(&mut queue.receivers, waiter, pid, creds, (wanted, bufsz, noerror));
            return Ok(Outcome::Wait(waiter));
        };
        let size = queue.messages.get(index).text.len();
        if bufsz < size && !noerror {
            return Err(E2BIG);
        }
        writable(size.min(bufsz))?;
        if flags.contains(MsgFlags::COPY) {
            // Linux copies into a message of min(bufsz, MSGMAX) bytes, and `copy_msg`
            // refuses a longer one with EINVAL: MSG_NOERROR does not truncate a copy.
            if size > bufsz.min(MSGMAX as usize) {
                return Err(EINVAL);
            }
            return Ok(Outcome::Done(Box::new(queue.messages.get(index).clone())));
        }
        let before = queue.held();
        let mut message = queue.take(index, pid, now);
        message.text.truncate(bufsz);
        queue.wake_senders(now, woken);
        self.held = self.held - before + queue.held();
        Ok(Outcome::Done(message))
    }

    /// Kernel memory the queued messages of every queue hold (what [`MSG_MEMORY`] bounds).
    pub fn held(&self) -> usize {
        self.held
    }

    /// A waiter gives up (a signal): `true` if it was still queued (now removed), `false`
    /// if a change already completed it (its result stands).
    pub fn cancel(&mut self, msqid: i32, waiter: WaiterId) -> bool {
        self.queues.get_mut(msqid).is_ok_and(|queue| queue.cancel(waiter))
    }
}
