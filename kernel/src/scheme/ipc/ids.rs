//! Id tables of System V objects: an id is `index + seq * 32768`, where `seq` changes
//! when an index is reused, so a stale id names nothing (EINVAL), never a newer object.
//!
//! Indices are handed out cyclically (as Linux does since 5.1), so a removed object's
//! index is not reused at once; the sequence number advances each time the cycle wraps.

use alloc::vec::Vec;

use crate::errno::{EINVAL, ENOSPC, Result};

/// Ids are `index + seq * IPCMNI`.
pub const IPCMNI: usize = 32768;
/// Sequence numbers stay below this (ids stay positive `int`s).
const SEQ_LIMIT: u32 = (i32::MAX as u32) / IPCMNI as u32;
/// Linux's smallest cycle before indices are reused.
const MIN_CYCLE: usize = 64;

/// The sequence number an id carries (`ipc_perm.__seq`).
pub fn seq_of(id: i32) -> u16 {
    (id as u32 as usize / IPCMNI) as u16
}

/// An object and the sequence number its id carries.
struct Slot<T> {
    seq: u32,
    object: T,
}

/// A table of at most `limit` objects.
pub struct IdTable<T> {
    slots: Vec<Option<Slot<T>>>,
    limit: usize,
    in_use: usize,
    seq: u32,
    last_index: Option<usize>,
}

impl<T> IdTable<T> {
    /// An empty table for at most `limit` (≤ 32768) objects.
    pub const fn new(limit: usize) -> Self {
        let limit = if limit < IPCMNI { limit } else { IPCMNI };
        Self { slots: Vec::new(), limit, in_use: 0, seq: 0, last_index: None }
    }

    /// Number of objects.
    pub fn len(&self) -> usize {
        self.in_use
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.in_use == 0
    }

    fn is_free(&self, index: usize) -> bool {
        self.slots.get(index).is_none_or(Option::is_none)
    }

    /// Stores a new object; returns its id, or ENOSPC when the table is full.
    pub fn insert(&mut self, object: T) -> Result<i32> {
        if self.in_use >= self.limit {
            return Err(ENOSPC);
        }
        let cycle = (self.in_use * 3 / 2).max(MIN_CYCLE).min(self.limit);
        let start = self.last_index.map_or(0, |i| i + 1);
        let index = (start..cycle)
            .chain(0..start.min(cycle))
            .find(|&i| self.is_free(i))
            .or_else(|| (0..self.limit).find(|&i| self.is_free(i)))
            .ok_or(ENOSPC)?;
        if self.last_index.is_some_and(|last| index <= last) {
            self.seq = (self.seq + 1) % SEQ_LIMIT;
        }
        self.last_index = Some(index);
        if self.slots.len() <= index {
            self.slots.resize_with(index + 1, || None);
        }
        self.slots[index] = Some(Slot { seq: self.seq, object });
        self.in_use += 1;
        Ok(Self::id(index, self.seq))
    }

    /// An id's index and sequence number; `None` for a negative id.
    fn split(id: i32) -> Option<(usize, u32)> {
        let id = usize::try_from(id).ok()?;
        Some((id % IPCMNI, (id / IPCMNI) as u32))
    }

    /// The object with id `id`; EINVAL for a stale or negative id or an empty slot.
    #[inline]
    pub fn get(&self, id: i32) -> Result<&T> {
        let (index, seq) = Self::split(id).ok_or(EINVAL)?;
        match self.slots.get(index) {
            Some(Some(slot)) if slot.seq == seq => Ok(&slot.object),
            _ => Err(EINVAL),
        }
    }

    /// Mutable access to the object with id `id`.
    #[inline]
    pub fn get_mut(&mut self, id: i32) -> Result<&mut T> {
        let (index, seq) = Self::split(id).ok_or(EINVAL)?;
        match self.slots.get_mut(index) {
            Some(Some(slot)) if slot.seq == seq => Ok(&mut slot.object),
            _ => Err(EINVAL),
        }
    }

    /// Removes and returns the object with id `id`.
    pub fn remove(&mut self, id: i32) -> Result<T> {
        self.get(id)?;
        let (index, _) = Self::split(id).ok_or(EINVAL)?;
        let slot = self.slots[index].take().ok_or(EINVAL)?;
        self.in_use -= 1;
        Ok(slot.object)
    }

    /// The id and object at `index` (for the `*_STAT` commands, which take an index).
    pub fn by_index(&self, index: i32) -> Result<(i32, &T)> {
        let index = usize::try_from(index).map_err(|_| EINVAL)?;
        match self.slots.get(index) {
            Some(Some(slot)) => Ok((Self::id(index, slot.seq), &slot.object)),
            _ => Err(EINVAL),
        }
    }

    /// The highest index in use (0 when empty), as `*_INFO` reports it.
    pub fn highest_index(&self) -> i32 {
        self.slots.iter().rposition(Option::is_some).map_or(0, |i| i as i32)
    }

    /// Every (id, object).
    pub fn iter(&self) -> impl Iterator<Item = (i32, &T)> {
        self.slots.iter().enumerate().filter_map(|(i, s)| s.as_ref().map(|s| (Self::id(i, s.seq), &s.object)))
    }

    /// Every (id, object), mutably.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (i32, &mut T)> {
        self.slots.iter_mut().enumerate().filter_map(|(i, s)| s.as_mut().map(|s| (Self::id(i, s.seq), &mut s.object)))
    }

    fn id(index: usize, seq: u32) -> i32 {
        index as i32 + seq as i32 * IPCMNI as i32
    }

    /// The id of the first object for which `f` holds.
    pub fn find(&self, mut f: impl FnMut(&T) -> bool) -> Option<i32> {
        self.iter().find(|(_, o)| f(o)).map(|(id, _)| id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_ids_are_einval() {
        let mut t = IdTable::new(128);
        let a = t.insert("a").unwrap();
        assert_eq!(t.get(a), Ok(&"a"));
        t.remove(a).unwrap();
        assert_eq!(t.get(a), Err(EINVAL));
        assert_eq!(t.remove(a), Err(EINVAL));
        assert_eq!(t.get(-1), Err(EINVAL));
        assert_eq!(t.get(12345), Err(EINVAL));
    }

    #[test]
    fn negative_ids_name_nothing_even_with_a_live_index() {
        let mut t = IdTable::new(128);
        let a = t.insert("a").unwrap();
        // The same index and low sequence bits as `a`, with the sign bit set.
        let negative = a | i32::MIN;
        assert!(negative < 0);
        assert_eq!(t.get(negative), Err(EINVAL));
        assert_eq!(t.get_mut(negative), Err(EINVAL));
        assert_eq!(t.remove(negative), Err(EINVAL));
        assert_eq!(t.get(a), Ok(&"a"));
    }

    #[test]
    fn indices_cycle_and_reuse_gets_a_new_seq() {
        let mut t = IdTable::new(128);
        let mut seen = Vec::new();
        for _ in 0..200 {
            let id = t.insert(()).unwrap();
            assert!(!seen.contains(&id), "id {id} reused");
            seen.push(id);
            t.remove(id).unwrap();
        }
        // The cycle is at least 64 long, so the first 64 ids have distinct indices.
        let first: Vec<_> = seen[..64].iter().map(|id| id % IPCMNI as i32).collect();
        assert_eq!(first, (0..64).collect::<Vec<_>>());
        assert_eq!(seen[64] % IPCMNI as i32, 0);
        assert_eq!(seen[64] / IPCMNI as i32, 1);
    }

    #[test]
    fn limit_gives_enospc_and_stat_takes_indices() {
        let mut t = IdTable::new(3);
        let ids: Vec<_> = (0..3).map(|i| t.insert(i).unwrap()).collect();
        assert_eq!(t.insert(9), Err(ENOSPC));
        assert_eq!(t.by_index(1), Ok((ids[1], &1)));
        assert_eq!(t.by_index(7), Err(EINVAL));
        assert_eq!(t.by_index(-1), Err(EINVAL));
        assert_eq!(t.highest_index(), 2);
        t.remove(ids[2]).unwrap();
        assert_eq!(t.highest_index(), 1);
        assert_eq!(t.find(|&v| v == 1), Some(ids[1]));
        assert_eq!(t.len(), 2);
    }
}
