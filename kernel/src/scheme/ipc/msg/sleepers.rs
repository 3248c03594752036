//! The sleeping senders and receivers of a queue, and the changes that complete them on
//! their behalf: a message handed to a waiting receiver, a sender performed once its
//! message fits, a re-check after IPC_SET, and removal.
//!
//! Each record keeps what the re-checks need: the caller's pid and its credentials when
//! it went to sleep, a receiver's type test and buffer, a sender's message.

use super::{Completed, Delivery, Message, MsgQueue, Wanted, Woken};
use crate::context::cred::Credentials;
use crate::errno::{E2BIG, EACCES, EIDRM};
use crate::scheme::ipc::perm::{READ, WRITE};
use crate::scheme::ipc::wait::WaiterId;

/// A msgsnd asleep until its message fits.
#[derive(Debug)]
pub(super) struct SleepingSender {
    pub(super) waiter: WaiterId,
    pub(super) pid: u32,
    pub(super) creds: Credentials,
    pub(super) message: Message,
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

impl MsgQueue {
    /// Linux `pipelined_send`: offers `message` to the sleeping receivers in arrival
    /// order. The first whose test it passes is dequeued: with too small a buffer (and no
    /// MSG_NOERROR) it fails with E2BIG and the offer goes on; otherwise it receives the
    /// message (truncated to its buffer) and is the last receiver (lrpid, rtime). Returns
    /// the message if no receiver took it.
    pub(super) fn hand_to_receiver(&mut self, message: Message, now: u64, woken: &mut Woken) -> Option<Message> {
        let mut i = 0;
        while i < self.receivers.len() {
            if !self.receivers[i].wanted.accepts(message.mtype) {
                i += 1;
                continue;
            }
            let receiver = self.receivers.remove(i).expect("in range");
            if receiver.bufsz < message.text.len() && !receiver.noerror {
                woken.push(Completed { waiter: receiver.waiter, result: Err(E2BIG) });
                continue;
            }
            self.lrpid = receiver.pid;
            self.rtime = now;
            let mut message = message;
            message.text.truncate(receiver.bufsz);
            woken.push(Completed { waiter: receiver.waiter, result: Ok(Delivery::Received(message)) });
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
            if !self.fits(self.senders[i].message.text.len()) {
                i += 1;
                continue;
            }
            let sender = self.senders.remove(i).expect("in range");
            if self.perm.check(&sender.creds, WRITE).is_err() {
                woken.push(Completed { waiter: sender.waiter, result: Err(EACCES) });
                continue;
            }
            woken.push(Completed { waiter: sender.waiter, result: Ok(Delivery::Sent) });
            self.send(sender.pid, sender.message, now, woken);
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
        let receivers = self.receivers.drain(..).map(|r| r.waiter);
        let senders = self.senders.drain(..).map(|s| s.waiter);
        woken.extend(receivers.chain(senders).map(|waiter| Completed { waiter, result: Err(EIDRM) }));
    }

    /// Dequeues `waiter`; `false` if it is not asleep here.
    pub(super) fn cancel(&mut self, waiter: WaiterId) -> bool {
        if let Some(i) = self.senders.iter().position(|s| s.waiter == waiter) {
            self.senders.remove(i);
            true
        } else if let Some(i) = self.receivers.iter().position(|r| r.waiter == waiter) {
            self.receivers.remove(i);
            true
        } else {
            false
        }
    }
}
