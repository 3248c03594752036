//! One queue: its messages by priority, its sleeping senders and receivers, and its
//! mq_notify registration.
//!
//! Invariants between calls: no receiver sleeps while a message is queued, no sender
//! sleeps while there is room, and the count never exceeds `maxmsg`.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;

use super::{Boxed, Delivery, Message, Notify, Woken};
use crate::scheme::ipc::perm::IpcPerm;
use crate::scheme::ipc::slots::SlotQueue;
use crate::scheme::ipc::wait::{Completed, WaiterId};

/// An mq_send asleep until there is room; its message waits with it.
#[derive(Debug)]
pub(super) struct SleepingSender {
    pub(super) waiter: WaiterId,
    /// Taken out when the send is performed (`None` in a free slot).
    pub(super) message: Option<Boxed>,
}

/// An mq_receive asleep until a message arrives (its buffer was checked to hold any).
#[derive(Debug)]
pub(super) struct SleepingReceiver {
    pub(super) waiter: WaiterId,
}

/// The process registered with mq_notify and the glue's description of the notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Registration {
    pub(super) pid: u32,
    pub(super) token: u64,
}

/// A POSIX message queue.
#[derive(Debug)]
pub struct MqQueue {
    /// Owner and mode (the inode's, checked like a file's); `key` is unused.
    pub(super) perm: IpcPerm,
    pub(super) maxmsg: usize,
    pub(super) msgsize: usize,
    /// Each priority with messages, and the list in `lists` that holds them.
    by_prio: BTreeMap<u32, usize>,
    /// Lists of messages in arrival order, each in use by one priority or free (in
    /// `free_lists`). An emptied list stays for the next priority, with its storage (as
    /// Linux keeps a spare priority node, `node_cache`), so a queue that fills and
    /// empties allocates nothing, and no list is moved (a move of one is an SSE copy in
    /// the compiler's code, which costs the kernel a lazy FPU save).
    lists: Vec<VecDeque<Boxed>>,
    free_lists: Vec<usize>,
    count: usize,
    bytes: usize,
    pub(super) senders: SlotQueue<SleepingSender>,
    pub(super) receivers: SlotQueue<SleepingReceiver>,
    pub(super) notify: Option<Registration>,
    /// Open references (descriptions the glue holds).
    pub(super) refs: usize,
    /// Whether a name still leads to it.
    pub(super) linked: bool,
    /// The real uid charged for it and the bytes charged.
    pub(super) charged: (u32, u64),
}

impl MqQueue {
    pub(super) fn new(perm: IpcPerm, maxmsg: usize, msgsize: usize) -> Self {
        Self {
            perm,
            maxmsg,
            msgsize,
            by_prio: BTreeMap::new(),
            lists: Vec::new(),
            free_lists: Vec::new(),
            count: 0,
            bytes: 0,
            senders: SlotQueue::default(),
            receivers: SlotQueue::default(),
            notify: None,
            refs: 0,
            linked: true,
            charged: (0, 0),
        }
    }

    /// Most messages it holds (`mq_maxmsg`).
    pub fn maxmsg(&self) -> usize {
        self.maxmsg
    }

    /// Longest message (`mq_msgsize`).
    pub fn msgsize(&self) -> usize {
        self.msgsize
    }

    /// Messages queued (`mq_curmsgs`).
    pub fn curmsgs(&self) -> usize {
        self.count
    }

    /// Bytes of the queued messages.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Owner and mode.
    pub fn perm(&self) -> &IpcPerm {
        &self.perm
    }

    /// poll: a message is queued (POLLIN).
    pub fn readable(&self) -> bool {
        self.count > 0
    }

    /// The length of the message a receive would take now.
    pub fn next_len(&self) -> Option<usize> {
        self.by_prio.last_key_value().and_then(|(_, &list)| self.lists[list].front()).map(|m| m.data.len())
    }

    /// poll: there is room for a message (POLLOUT).
    pub fn writable(&self) -> bool {
        self.count < self.maxmsg
    }

    /// The queued messages in the order receives take them.
    pub fn messages(&self) -> impl Iterator<Item = Message> + '_ {
        self.by_prio.iter().rev().flat_map(|(_, &list)| self.lists[list].iter().map(|message| (**message).clone()))
    }

    /// The sleeping senders and receivers, each in arrival order.
    pub fn sleepers(&self) -> (impl Iterator<Item = WaiterId> + '_, impl Iterator<Item = WaiterId> + '_) {
        (self.senders.iter().map(|s| s.waiter), self.receivers.iter().map(|r| r.waiter))
    }

    /// The process registered for notification.
    pub fn notify_owner(&self) -> Option<u32> {
        self.notify.map(|r| r.pid)
    }

    /// The registered token (the glue's description of the notice).
    pub fn notify_token(&self) -> Option<u64> {
        self.notify.map(|r| r.token)
    }

    /// Linux `msg_insert`: behind the messages of its priority.
    fn insert(&mut self, message: Boxed) {
        self.count += 1;
        self.bytes += message.data.len();
        let (lists, free) = (&mut self.lists, &mut self.free_lists);
        let list = *self.by_prio.entry(message.prio).or_insert_with(|| {
            free.pop().unwrap_or_else(|| {
                lists.push(VecDeque::new());
                lists.len() - 1
            })
        });
        self.lists[list].push_back(message);
    }

    /// The first message of the highest priority; the caller saw one is queued.
    pub(super) fn take(&mut self) -> Boxed {
        let entry = self.by_prio.last_entry().expect("a message is queued");
        let list = *entry.get();
        let message = self.lists[list].pop_front().expect("no empty priority is kept");
        if self.lists[list].is_empty() {
            entry.remove();
            self.free_lists.push(list);
        }
        self.count -= 1;
        self.bytes -= message.data.len();
        message
    }

    /// Linux's send once the message fits: to the first sleeping receiver
    /// (`pipelined_send`), else onto the queue, and then (`__do_notify`) a notice if the
    /// queue just went from empty to one message and a process is registered, which the
    /// notice unregisters.
    pub(super) fn send(&mut self, message: Boxed, woken: &mut Woken) -> Option<Notify> {
        if !self.receivers.is_empty() {
            let waiter = self.receivers.remove(0).waiter;
            woken.push(Completed { waiter, result: Ok(Delivery::Received(message)) });
            return None;
        }
        self.insert(message);
        if self.count != 1 {
            return None;
        }
        self.notify.take().map(|r| Notify { pid: r.pid, token: r.token })
    }

    /// Linux `pipelined_receive`: after a receive made room, the first sleeping sender's
    /// message goes on the queue and it completes. No notice: the queue was not empty.
    pub(super) fn wake_sender(&mut self, woken: &mut Woken) {
        if self.senders.is_empty() {
            return;
        }
        let sender = self.senders.remove(0);
        let (waiter, message) = (sender.waiter, sender.message.take());
        if let Some(message) = message {
            self.insert(message);
        }
        woken.push(Completed { waiter, result: Ok(Delivery::Sent) });
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
