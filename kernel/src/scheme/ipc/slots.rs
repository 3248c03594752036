//! [`SlotQueue`]: the queue of an object's sleeping callers, in arrival order, for every
//! facility.
//!
//! A sleeper's record (its operations, its credentials, its message) is wider than 16
//! bytes, and moving one whole, into a `VecDeque` or out of it, is an SSE copy in the
//! compiler's code. In the kernel the first SSE instruction of a system call forces the
//! caller's user FPU state out of the registers (a trap and a 512-byte save, see
//! `arch::x86_64::fpu`), which costs more than the rest of a blocking call. So records
//! live in slots that are filled and emptied in place and reused, and the arrival order
//! is a queue of slot numbers. A removed record stays in its slot until the slot is
//! reused: the caller reads from it what it needs (a waiter id, a boxed message) first.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

/// Records in arrival order, kept in reusable slots.
#[derive(Clone, Debug)]
pub struct SlotQueue<T> {
    /// Records, in use and free; a free slot keeps its storage for the next record.
    slots: Vec<T>,
    /// Slot numbers in arrival order.
    order: VecDeque<u32>,
    /// Slots not in `order`.
    free: Vec<u32>,
}

impl<T> Default for SlotQueue<T> {
    fn default() -> Self {
        Self { slots: Vec::new(), order: VecDeque::new(), free: Vec::new() }
    }
}

impl<T> SlotQueue<T> {
    /// Number of records.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The record at `position` in arrival order.
    pub fn get(&self, position: usize) -> &T {
        &self.slots[self.order[position] as usize]
    }

    /// The record at `position` in arrival order, to update in place.
    pub fn get_mut(&mut self, position: usize) -> &mut T {
        &mut self.slots[self.order[position] as usize]
    }

    /// The records in arrival order.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.order.iter().map(|&slot| &self.slots[slot as usize])
    }

    /// The position of the first record for which `f` holds.
    pub fn position(&self, mut f: impl FnMut(&T) -> bool) -> Option<usize> {
        self.order.iter().position(|&slot| f(&self.slots[slot as usize]))
    }

    /// Appends the record made of `data`: a free slot is refilled in place by `refill`,
    /// else `new` makes the record in a new slot.
    pub fn push<D>(&mut self, data: D, refill: impl FnOnce(&mut T, D), new: impl FnOnce(D) -> T) {
        let slot = match self.free.pop() {
            Some(slot) => {
                refill(&mut self.slots[slot as usize], data);
                slot
            }
            None => {
                self.slots.push(new(data));
                // One record per sleeping thread: far fewer than u32::MAX.
                (self.slots.len() - 1) as u32
            }
        };
        self.order.push_back(slot);
    }

    /// Takes the record at `position` out of the order. It stays in its slot, returned
    /// here to be read, until a later `push` reuses the slot.
    pub fn remove(&mut self, position: usize) -> &mut T {
        let slot = self.order.remove(position).expect("position in range");
        self.free.push(slot);
        &mut self.slots[slot as usize]
    }

    /// Takes every record out of the order; `f` reads each, in arrival order.
    pub fn drain(&mut self, mut f: impl FnMut(&mut T)) {
        let Self { slots, order, free } = self;
        for slot in order.drain(..) {
            free.push(slot);
            f(&mut slots[slot as usize]);
        }
    }

    /// Keeps the records for which `keep` holds, in their order; `keep` may update them.
    pub fn retain(&mut self, mut keep: impl FnMut(&mut T) -> bool) {
        let Self { slots, order, free } = self;
        order.retain(|&slot| {
            let kept = keep(&mut slots[slot as usize]);
            if !kept {
                free.push(slot);
            }
            kept
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push(q: &mut SlotQueue<(u32, Vec<u8>)>, id: u32, len: usize) {
        q.push(
            (id, len),
            |r, (id, len)| {
                r.0 = id;
                r.1.clear();
                r.1.resize(len, id as u8);
            },
            |(id, len)| (id, alloc::vec![id as u8; len]),
        );
    }

    #[test]
    fn arrival_order_survives_removal_and_slot_reuse() {
        let mut q = SlotQueue::default();
        for id in 1..=3 {
            push(&mut q, id, 1);
        }
        assert_eq!(q.remove(1).0, 2);
        push(&mut q, 4, 5);
        assert_eq!(q.iter().map(|r| (r.0, r.1.len())).collect::<Vec<_>>(), [(1, 1), (3, 1), (4, 5)]);
        assert_eq!(q.slots.len(), 3, "the freed slot was reused");
        assert_eq!(q.get(2).1, [4; 5], "the reused slot holds only its new record");
        q.get_mut(0).0 = 9;
        assert_eq!((q.position(|r| r.0 == 3), q.position(|r| r.0 == 2)), (Some(1), None));
        q.retain(|r| r.0 != 3);
        assert_eq!(q.iter().map(|r| r.0).collect::<Vec<_>>(), [9, 4]);
        let mut drained = Vec::new();
        q.drain(|r| drained.push(r.0));
        assert_eq!((drained, q.is_empty(), q.len()), (alloc::vec![9, 4], true, 0));
        push(&mut q, 5, 0);
        assert_eq!((q.len(), q.slots.len()), (1, 3), "freed slots are reused");
    }
}
