//! The sleeping senders and receivers of a queue, and the changes that complete them on
//! their behalf: a message handed to a waiting receiver, a sender performed once its
//! message fits, a re-check after IPC_SET, and removal.
//!
//! Each record keeps what the re-checks need: the caller's pid and its credentials when
//! it went to sleep, a receiver's type test and buffer, a sender's message. Records live
//! in [`SlotQueue`]s, filled and read in place.

use super::{Boxed, Completed, Delivery, MsgQueue, Wanted, Woken};
use crate::context::cred::Credentials;
use crate::errno::{E2BIG, EACCES, EIDRM};
use crate::scheme::ipc::perm::{READ, WRITE};
use crate::scheme::ipc::slots::SlotQueue;
use crate::scheme::ipc::wait::WaiterId;

/// A msgsnd asleep until its message fits.
#[derive(Debug)]
pub(super) struct SleepingSender {
    pub(super) waiter: WaiterId,
    pub(super) pid: u32,
    pub(super) creds: Credentials,
    /// Its message, taken out when the send is performed (`None` in a free slot).
    pub(super) message: Option<Boxed>,
}

impl SleepingSender {
    fn size(&self) -> usize {
        self.message.as_ref().map_or(0, |m| m.text.len())
    }
}

/// A msgrcv asleep until a message it takes arrives.
#[derive(Debug)]
pub(super) struct SleepingReceiver {
    pub(super) waiter: WaiterId,
    pub(super) pid: u32,
    pub(super) creds: Credentials,
    pub(super) wanted: Wanted,
    pub(super) bufsz: usize,
    pub(super) noerror: bool,
}

/// Appends a sleeping sender, refilling a free slot in place.
pub(super) fn push_sender(
    senders: &mut SlotQueue<SleepingSender>,
    waiter: WaiterId,
    pid: u32,
    creds: &Credentials,
    message: Boxed,
) {
    senders.push(
        message,
        |s, message| {
            (s.waiter, s.pid, s.message) = (waiter, pid, Some(message));
            s.creds.copy_from(creds);
        },
        |message| SleepingSender { waiter, pid, creds: creds.clone(), message: Some(message) },
    );
}

/// Appends a sleeping receiver, refilling a free slot in place.
pub(super) fn push_receiver(
    receivers: &mut SlotQueue<SleepingReceiver>,
    waiter: WaiterId,
    pid: u32,
    creds: &Credentials,
    (wanted, bufsz, noerror): (Wanted, usize, bool),
) {
    receivers.push(
        (),
        |r, ()| {
            (r.waiter, r.pid, r.wanted, r.bufsz, r.noerror) = (waiter, pid, wanted, bufsz, noerror);
            r.creds.copy_from(creds);
        },
        |()| SleepingReceiver { waiter, pid, creds: creds.clone(), wanted, bufsz, noerror },
    );
}

impl MsgQueue {
    /// Linux `pipelined_send`: offers `message` to the sleeping receivers in arrival
    /// order. The first whose test it passes is dequeued: with too small a buffer (and no
    /// MSG_NOERROR) it fails with E2BIG and the offer goes on; otherwise it receives the
    /// message (truncated to its buffer) and is the last receiver (lrpid, rtime). Returns
    /// the message if no receiver took it.
    pub(super) fn hand_to_receiver(&mut self, message: Boxed, now: u64, woken: &mut Woken) -> Option<Boxed> {
        let mut i = 0;
        while i < self.receivers.len() {
            if !self.receivers.get(i).wanted.accepts(message.mtype) {
                i += 1;
                continue;
            }
            let receiver = self.receivers.remove(i);
            let (waiter, pid, bufsz) = (receiver.waiter, receiver.pid, receiver.bufsz);
            if bufsz < message.text.len() && !receiver.noerror {
                woken.push(Completed { waiter, result: Err(E2BIG) });
                continue;
            }
            self.lrpid = pid;
            self.rtime = now;
            let mut message = message;
            message.text.truncate(bufsz);
            woken.push(Completed { waiter, result: Ok(Delivery::Received(message)) });
            return None;
        }
        Some(message)
    }

    /// After space was freed or `qbytes` raised: each sleeping sender whose message now
    /// fits, in arrival order, does what its msgsnd would on waking (Linux `ss_wakeup`
    /// and the sender's retry): its write permission is checked again (EACCES if lost),
    /// then its message is sent. A later sender may go ahead of an earlier one that still
    /// does not fit; those stay asleep, in their order.
    pub(super) fn wake_senders(&mut self, now: u64, woken: &mut Woken) {
        let mut i = 0;
        while i < self.senders.len() {
            if !self.fits(self.senders.get(i).size()) {
                i += 1;
                continue;
            }
            let perm = self.perm;
            let sender = self.senders.remove(i);
            let (waiter, pid, message) = (sender.waiter, sender.pid, sender.message.take());
            if perm.check(&sender.creds, WRITE).is_err() {
                woken.push(Completed { waiter, result: Err(EACCES) });
                continue;
            }
            woken.push(Completed { waiter, result: Ok(Delivery::Sent) });
            if let Some(message) = message {
                self.send(pid, message, now, woken);
            }
        }
    }

    /// After IPC_SET: Linux wakes every receiver to look again (`expunge_all` with
    /// EAGAIN); one that lost read permission fails with EACCES. The others find nothing
    /// (none sleeps while a message it takes is queued) and sleep on, in their order.
    pub(super) fn recheck_receivers(&mut self, woken: &mut Woken) {
        let perm = self.perm;
        self.receivers.retain(|receiver| {
            let allowed = perm.check(&receiver.creds, READ).is_ok();
            if !allowed {
                woken.push(Completed { waiter: receiver.waiter, result: Err(EACCES) });
            }
            allowed
        });
    }

    /// IPC_RMID: every sleeper fails with EIDRM, receivers first (Linux `freeque`).
    pub(super) fn drain_removed(&mut self, woken: &mut Woken) {
        self.receivers.drain(|r| woken.push(Completed { waiter: r.waiter, result: Err(EIDRM) }));
        self.senders.drain(|s| {
            s.message = None;
            woken.push(Completed { waiter: s.waiter, result: Err(EIDRM) });
        });
    }

    /// Dequeues `waiter`; `false` if it is not asleep here.
    pub(super) fn cancel(&mut self, waiter: WaiterId) -> bool {
        if let Some(i) = self.senders.position(|s| s.waiter == waiter) {
            self.senders.remove(i).message = None;
            true
        } else if let Some(i) = self.receivers.position(|r| r.waiter == waiter) {
            self.receivers.remove(i);
            true
        } else {
            false
        }
    }
}
