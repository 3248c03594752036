//! The queue of a set's sleeping semops, in arrival order.
//!
//! Entries are written and read in place and never moved whole: an entry is wider than
//! 16 bytes, so moving one (into a `VecDeque`, or out of it on removal) is an SSE copy,
//! and in the kernel the first SSE instruction of a system call forces the caller's
//! user FPU state out of the registers (see `arch::x86_64::fpu`), which costs more than
//! the rest of a blocking semop. So the entries live in slots that are reused, and the
//! arrival order is a queue of slot numbers.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use smallvec::SmallVec;

use super::{SemBuf, WaiterId};

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
#[derive(Clone, Debug, Default)]
pub(super) struct PendingQueue {
    /// Entries, used and free; a slot keeps its operations' storage for the next user.
    slots: Vec<Pending>,
    /// Slot numbers in arrival order.
    order: VecDeque<u32>,
    /// Slots not in `order`.
    free: Vec<u32>,
}

impl PendingQueue {
    pub(super) fn len(&self) -> usize {
        self.order.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The entry at `position` in arrival order.
    pub(super) fn get(&self, position: usize) -> &Pending {
        &self.slots[self.order[position] as usize]
    }

    /// The entry at `position` in arrival order, to update in place.
    pub(super) fn get_mut(&mut self, position: usize) -> &mut Pending {
        &mut self.slots[self.order[position] as usize]
    }

    /// The entries in arrival order.
    pub(super) fn iter(&self) -> impl Iterator<Item = &Pending> {
        self.order.iter().map(|&slot| &self.slots[slot as usize])
    }

    /// Where `waiter` is in arrival order.
    pub(super) fn position(&self, waiter: WaiterId) -> Option<usize> {
        self.order.iter().position(|&slot| self.slots[slot as usize].waiter == waiter)
    }

    /// Appends an entry, filling a free slot field by field when there is one.
    pub(super) fn push(&mut self, waiter: WaiterId, pid: u32, ops: &[SemBuf], blocking: (u16, bool)) {
        let slot = match self.free.pop() {
            Some(slot) => {
                let entry = &mut self.slots[slot as usize];
                entry.waiter = waiter;
                entry.pid = pid;
                entry.blocking = blocking;
                entry.ops.clear();
                entry.ops.extend_from_slice(ops);
                slot
            }
            None => {
                self.slots.push(Pending { waiter, pid, ops: QueuedOps::from_slice(ops), blocking });
                // At most SEMMNS waiters can exist at once (one per sleeping thread), far
                // below u32::MAX.
                (self.slots.len() - 1) as u32
            }
        };
        self.order.push_back(slot);
    }

    /// Removes the entry at `position` and returns its waiter.
    pub(super) fn remove(&mut self, position: usize) -> Option<WaiterId> {
        let slot = self.order.remove(position)?;
        self.free.push(slot);
        Some(self.slots[slot as usize].waiter)
    }

    /// Removes every entry, returning their waiters in arrival order.
    pub(super) fn drain_waiters(&mut self) -> impl Iterator<Item = WaiterId> + '_ {
        let Self { slots, order, free } = self;
        order.drain(..).map(move |slot| {
            free.push(slot);
            slots[slot as usize].waiter
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(num: u16) -> SemBuf {
        SemBuf { num, op: -1, flg: 0 }
    }

    #[test]
    fn arrival_order_survives_removal_and_slot_reuse() {
        let mut q = PendingQueue::default();
        for w in 1..=3 {
            q.push(WaiterId(w), 10 + w as u32, &[op(w as u16)], (w as u16, false));
        }
        assert_eq!(q.remove(1), Some(WaiterId(2)));
        q.push(WaiterId(4), 14, &[op(4), op(5), op(6), op(7), op(8)], (4, true));
        let seen: Vec<_> = q.iter().map(|p| (p.waiter.0, p.pid, p.ops.len(), p.blocking)).collect();
        assert_eq!(seen, [(1, 11, 1, (1, false)), (3, 13, 1, (3, false)), (4, 14, 5, (4, true))]);
        assert_eq!(
            q.get(2).ops.as_slice(),
            &[op(4), op(5), op(6), op(7), op(8)],
            "the reused slot holds only its own ops"
        );
        q.get_mut(0).blocking = (9, true);
        assert_eq!(q.get(0).blocking, (9, true));
        assert_eq!((q.position(WaiterId(3)), q.position(WaiterId(2))), (Some(1), None));
        assert_eq!(q.remove(3), None);
        assert_eq!(q.drain_waiters().map(|w| w.0).collect::<Vec<_>>(), [1, 3, 4]);
        assert!(q.is_empty());
        q.push(WaiterId(5), 15, &[op(0)], (0, false));
        assert_eq!((q.len(), q.slots.len()), (1, 3), "freed slots are reused");
    }
}
