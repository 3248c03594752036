//! The layout every process of `stress_shm` shares: the blocks of a segment (identity,
//! stamp, checksum, seqlock) and how a process reads and writes them through an
//! attachment, and the directory segment.

use super::*;

/// The size asked for the segment of slot `slot` (not always whole pages).
pub(crate) fn segment_size(slot: usize) -> usize {
    PAGES[slot % PAGES.len()] * PAGE_SIZE - (slot * 200) % 1000
}

pub(crate) fn blocks_of(slot: usize) -> usize {
    segment_size(slot) / BLOCK_BYTES
}

/// The worker slot that owns block `block` of segment slot `slot`.
pub(crate) fn owner_of(slot: usize, block: usize, procs: usize) -> usize {
    (7 * slot + block) % procs
}

/// A block's identity word: the segment's generation, its slot, the block.
pub(crate) fn identity(generation: u32, slot: usize, block: usize) -> u64 {
    (u64::from(generation) << 32) | ((slot as u64) << 16) | block as u64
}

/// A block's stamp word: its owner and write count.
pub(crate) fn stamp(owner: usize, count: u32) -> u64 {
    ((owner as u64) << 32) | u64::from(count)
}

/// Data word `i` (4..64) of a block.
pub(crate) fn data_word(identity: u64, stamp: u64, i: usize) -> u64 {
    splitmix(identity ^ stamp.rotate_left(17) ^ (i as u64).wrapping_mul(0x2545_f491_4f6c_dd1d))
}

pub(crate) fn checksum(identity: u64, stamp: u64) -> u64 {
    (4..BLOCK_WORDS).fold(splitmix(identity ^ stamp), |h, i| splitmix(h ^ data_word(identity, stamp, i)))
}

/// What a block holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Seen {
    /// Never written: all zero.
    Empty,
    /// Being written, or left half written by a killed owner.
    Torn,
    /// Written whole by `owner`, its `count`th write.
    Whole { owner: usize, count: u32 },
    /// Anything else: corruption.
    Bad,
}

/// A mapped attachment of a segment: its words may be read (and, unless it is read-only,
/// written) while it exists; [`Attachment::detach`] consumes it.
pub(crate) struct Attachment {
    pub(crate) id: i32,
    pub(crate) slot: usize,
    pub(crate) generation: u32,
    pub(crate) base: usize,
    pub(crate) len: usize,
    pub(crate) read_only: bool,
    /// It lies in the worker's window of fixed addresses (which it restores on detach).
    pub(crate) fixed: bool,
}

impl Attachment {
    pub(crate) fn word(&self, i: usize) -> &AtomicU64 {
        assert!(8 * i + 8 <= self.len, "word {i} outside the attachment");
        // SAFETY: the attachment is mapped at base..base + len (page-aligned, len at most
        // the segment's size) for as long as self exists: only `detach`, which consumes
        // self, removes it. Every process touches these words only through atomics, and
        // AtomicU64 accepts any bits. A read-only attachment is only loaded from.
        unsafe { &*((self.base + 8 * i) as *const AtomicU64) }
    }

    pub(crate) fn block_word(&self, block: usize, i: usize) -> &AtomicU64 {
        self.word(block * BLOCK_WORDS + i)
    }

    /// Reads block `block` under its seqlock and says what it holds.
    pub(crate) fn see(&self, block: usize, procs: usize) -> Seen {
        let seq = self.block_word(block, 0).load(Ordering::Acquire);
        if seq % 2 == 1 {
            return Seen::Torn;
        }
        let mut words = [0u64; BLOCK_WORDS];
        for (i, w) in words.iter_mut().enumerate().skip(1) {
            *w = self.block_word(block, i).load(Ordering::Relaxed);
        }
        fence(Ordering::Acquire);
        if self.block_word(block, 0).load(Ordering::Relaxed) != seq {
            return Seen::Torn;
        }
        if seq == 0 {
            return if words.iter().all(|&w| w == 0) { Seen::Empty } else { Seen::Bad };
        }
        let (id, st) = (words[1], words[2]);
        let owner = (st >> 32) as usize;
        if id != identity(self.generation, self.slot, block)
            || owner != owner_of(self.slot, block, procs)
            || words[3] != checksum(id, st)
            || (4..BLOCK_WORDS).any(|i| words[i] != data_word(id, st, i))
        {
            return Seen::Bad;
        }
        Seen::Whole { owner, count: st as u32 }
    }

    /// Writes block `block` as its owner's `count`th write.
    pub(crate) fn write(&self, block: usize, owner: usize, count: u32) {
        let seq = self.block_word(block, 0).load(Ordering::Relaxed) | 1;
        self.block_word(block, 0).store(seq, Ordering::Relaxed);
        fence(Ordering::Release);
        let (id, st) = (identity(self.generation, self.slot, block), stamp(owner, count));
        self.block_word(block, 1).store(id, Ordering::Relaxed);
        self.block_word(block, 2).store(st, Ordering::Relaxed);
        self.block_word(block, 3).store(checksum(id, st), Ordering::Relaxed);
        for i in 4..BLOCK_WORDS {
            self.block_word(block, i).store(data_word(id, st, i), Ordering::Relaxed);
        }
        self.block_word(block, 0).store(seq + 1, Ordering::Release);
    }

    /// Detaches; a fixed attachment's part of `window` is reserved again at once, so no
    /// other mapping can take it.
    pub(crate) fn detach(self, window: &Window) -> Result<(), Errno> {
        let (fixed, slot) = (self.fixed, self.slot);
        self.detach_here()?;
        if fixed { window.reserve(slot) } else { Ok(()) }
    }

    /// Detaches, leaving the range unmapped.
    pub(crate) fn detach_here(self) -> Result<(), Errno> {
        // SAFETY: self is consumed: no reference into the attachment outlives this call.
        unsafe { shmdt(self.base) }
    }
}

/// The directory segment, attached by the conductor before it forks anyone and never
/// detached by a worker (nor by their children), so its words stay mapped in every process.
#[derive(Clone, Copy)]
pub(crate) struct Dir {
    pub(crate) base: usize,
}

impl Dir {
    pub(crate) fn word(&self, i: usize) -> &AtomicU64 {
        assert!(i < PAGE_SIZE / 8);
        // SAFETY: the directory is a one-page attachment at base that stays mapped in every
        // process that has a Dir (the conductor detaches it only after every worker ended);
        // every process touches it only through atomics.
        unsafe { &*((self.base + 8 * i) as *const AtomicU64) }
    }

    /// The id and generation of segment slot `slot`.
    pub(crate) fn entry(&self, slot: usize) -> (i32, u32) {
        let e = self.word(DIR_ENTRIES + slot).load(Ordering::Acquire);
        (e as u32 as i32, (e >> 32) as u32)
    }

    pub(crate) fn publish(&self, slot: usize, id: i32, generation: u32) {
        self.word(DIR_ENTRIES + slot).store((u64::from(generation) << 32) | u64::from(id as u32), Ordering::Release);
    }

    pub(crate) fn count(&self, worker: usize, counter: usize) {
        self.word(DIR_COUNTERS + 4 * worker + counter).fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn total(&self, procs: usize, counter: usize) -> u64 {
        (0..procs).map(|w| self.word(DIR_COUNTERS + 4 * w + counter).load(Ordering::Relaxed)).sum()
    }

    /// Records a failure that every process can see (orphaned children have no one to
    /// report to but this).
    pub(crate) fn failed(&self) {
        self.word(DIR_FAILURES).fetch_add(1, Ordering::Relaxed);
    }
}
