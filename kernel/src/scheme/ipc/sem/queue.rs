//! The records of a set's sleeping semops, in arrival order (in a [`SlotQueue`], so that
//! queueing and completing one moves no record whole).

use smallvec::SmallVec;

use super::{SemBuf, WaiterId};
use crate::scheme::ipc::slots::SlotQueue;

/// The operations of one queued semop, inline when there are few.
pub(super) type QueuedOps = SmallVec<[SemBuf; 4]>;

/// A semop that has to wait.
#[derive(Clone, Debug)]
pub(super) struct Pending {
    pub(super) waiter: WaiterId,
    pub(super) pid: u32,
    pub(super) ops: QueuedOps,
    /// The operation it is blocked on: (semaphore, waits for zero).
    pub(super) blocking: (u16, bool),
}

/// Sleeping semops in FIFO order.
pub(super) type PendingQueue = SlotQueue<Pending>;

/// Appends a sleeping semop, refilling a free slot field by field when there is one.
pub(super) fn push(queue: &mut PendingQueue, waiter: WaiterId, pid: u32, ops: &[SemBuf], blocking: (u16, bool)) {
    queue.push(
        (),
        |entry, ()| {
            entry.waiter = waiter;
            entry.pid = pid;
            entry.blocking = blocking;
            entry.ops.clear();
            entry.ops.extend_from_slice(ops);
        },
        |()| Pending { waiter, pid, ops: QueuedOps::from_slice(ops), blocking },
    );
}
