//! A bitmap of physical frames: one bit per 4 KiB frame, set when the frame is in use.
//!
//! Invariants: `free` equals the number of clear bits below `frames`; frames at or above
//! `frames` do not exist and are never handed out; `hint` is at most the lowest index
//! whose word may have a clear bit (it only speeds up the search).

use super::PAGE_SIZE;
use crate::boot_info::{MemoryRegion, RegionKind};

/// Why a frame could not be freed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FreeError {
    /// The frame was already free.
    DoubleFree(u64),
    /// The address is not a frame this bitmap manages.
    OutOfRange(u64),
    /// The address is not frame aligned.
    Unaligned(u64),
}

/// The frame bitmap over storage `B` (a `Vec<u64>` in tests, static memory in the kernel).
#[derive(Debug)]
pub struct FrameBitmap<B> {
    bits: B,
    frames: u64,
    free: u64,
    hint: usize,
}

/// Words of storage needed to track memory up to `top` (exclusive).
pub const fn words_for(top: u64) -> usize {
    (top.div_ceil(PAGE_SIZE)).div_ceil(64) as usize
}

impl<B: AsRef<[u64]> + AsMut<[u64]>> FrameBitmap<B> {
    /// A bitmap in which every frame below `top` is in use; `bits` must hold at least
    /// [`words_for`]`(top)` words, else `None`.
    pub fn new_all_used(mut bits: B, top: u64) -> Option<Self> {
        let frames = top / PAGE_SIZE;
        if bits.as_ref().len() < words_for(top) {
            return None;
        }
        bits.as_mut().fill(u64::MAX);
        Some(Self { bits, frames, free: 0, hint: 0 })
    }

    /// Number of frames tracked.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Number of free frames.
    pub fn free_frames(&self) -> u64 {
        self.free
    }

    fn is_used(&self, frame: u64) -> bool {
        self.bits.as_ref()[(frame / 64) as usize] & (1 << (frame % 64)) != 0
    }

    fn set(&mut self, frame: u64, used: bool) {
        let word = &mut self.bits.as_mut()[(frame / 64) as usize];
        let mask = 1 << (frame % 64);
        let was_used = *word & mask != 0;
        if used && !was_used {
            *word |= mask;
            self.free -= 1;
        } else if !used && was_used {
            *word &= !mask;
            self.free += 1;
            self.hint = self.hint.min((frame / 64) as usize);
        }
    }

    /// Marks the whole frames inside `[start, end)` free (partial frames stay used).
    pub fn release_range(&mut self, start: u64, end: u64) {
        let first = start.div_ceil(PAGE_SIZE);
        let last = (end / PAGE_SIZE).min(self.frames);
        for frame in first..last {
            self.set(frame, false);
        }
    }

    /// Marks every frame touching `[start, end)` used.
    pub fn reserve_range(&mut self, start: u64, end: u64) {
        let first = start / PAGE_SIZE;
        let last = end.div_ceil(PAGE_SIZE).min(self.frames);
        for frame in first..last {
            self.set(frame, true);
        }
    }

    /// Takes the lowest free frame and returns its physical address.
    pub fn alloc(&mut self) -> Option<u64> {
        let words = self.bits.as_ref();
        let start = self.hint;
        let (index, word) = words[start..].iter().enumerate().find(|(_, w)| **w != u64::MAX)?;
        let word_index = start + index;
        let frame = word_index as u64 * 64 + u64::from(word.trailing_ones());
        self.hint = word_index;
        if frame >= self.frames {
            return None;
        }
        self.set(frame, true);
        Some(frame * PAGE_SIZE)
    }

    /// Takes `count` physically contiguous free frames starting at a multiple of
    /// `align` bytes (a power of two, at least a page), lowest first.
    pub fn alloc_contiguous(&mut self, count: u64, align: u64) -> Option<u64> {
        if count == 0 || !align.is_power_of_two() || align < PAGE_SIZE {
            return None;
        }
        let step = align / PAGE_SIZE;
        let mut first = (self.hint as u64 * 64).next_multiple_of(step);
        while first + count <= self.frames {
            match (first..first + count).find(|&f| self.is_used(f)) {
                None => {
                    for frame in first..first + count {
                        self.set(frame, true);
                    }
                    return Some(first * PAGE_SIZE);
                }
                Some(used) => first = (used + 1).next_multiple_of(step),
            }
        }
        None
    }

    /// Returns the frame at `paddr`.
    pub fn free(&mut self, paddr: u64) -> Result<(), FreeError> {
        if !paddr.is_multiple_of(PAGE_SIZE) {
            return Err(FreeError::Unaligned(paddr));
        }
        let frame = paddr / PAGE_SIZE;
        if frame >= self.frames {
            return Err(FreeError::OutOfRange(paddr));
        }
        if !self.is_used(frame) {
            return Err(FreeError::DoubleFree(paddr));
        }
        self.set(frame, false);
        Ok(())
    }
}

/// Finds `bytes` of page-aligned usable memory inside `[floor, ceiling)` that overlaps
/// no `reserved` range (and no non-usable region), for the bitmap's own storage.
pub fn find_free_span(
    regions: &[MemoryRegion],
    reserved: &[(u64, u64)],
    bytes: u64,
    floor: u64,
    ceiling: u64,
) -> Option<u64> {
    let bytes = bytes.next_multiple_of(PAGE_SIZE);
    let blocked = |start: u64, end: u64| {
        reserved
            .iter()
            .copied()
            .chain(regions.iter().filter(|r| r.kind != RegionKind::Usable).map(|r| (r.start, r.end())))
            .find(|&(s, e)| s < end && start < e)
    };
    for region in regions.iter().filter(|r| r.kind == RegionKind::Usable) {
        let mut start = region.start.max(floor).next_multiple_of(PAGE_SIZE);
        let end = region.end().min(ceiling);
        while start.checked_add(bytes).is_some_and(|e| e <= end) {
            match blocked(start, start + bytes) {
                None => return Some(start),
                Some((_, e)) => start = e.next_multiple_of(PAGE_SIZE),
            }
        }
    }
    None
}

impl<B: AsRef<[u64]> + AsMut<[u64]>> FrameBitmap<B> {
    /// Frees the usable regions, then marks used again everything non-usable (a region
    /// listed both ways stays used) and every `reserved` range.
    pub fn populate(&mut self, regions: &[MemoryRegion], reserved: &[(u64, u64)]) {
        for r in regions.iter().filter(|r| r.kind == RegionKind::Usable) {
            self.release_range(r.start, r.end());
        }
        for r in regions.iter().filter(|r| r.kind != RegionKind::Usable) {
            self.reserve_range(r.start, r.end());
        }
        for &(start, end) in reserved {
            self.reserve_range(start, end);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(start: u64, len: u64, kind: RegionKind) -> MemoryRegion {
        MemoryRegion { start, len, kind }
    }

    #[test]
    fn populate_and_storage_search() {
        let regions = [
            region(0, 0x9f000, RegionKind::Usable),
            region(0x10_0000, 0x3f0_0000, RegionKind::Usable),
            region(0x20_0000, 0x1000, RegionKind::Reserved),
        ];
        let kernel = (0x20_0000, 0x60_0000);
        let span = find_free_span(&regions, &[kernel], 0x10_0000, 0x10_0000, u64::MAX).unwrap();
        assert_eq!(span, 0x10_0000, "fits below the kernel");
        let span = find_free_span(&regions, &[kernel], 0x20_0000, 0x10_0000, u64::MAX).unwrap();
        assert_eq!(span, 0x60_0000, "first fit after the kernel");
        let span = find_free_span(&regions, &[kernel], 0x20_0000, 0x10_0000, 0x6f_0000);
        assert_eq!(span, None, "ceiling respected");
        assert_eq!(find_free_span(&regions, &[], 0x1000, 0x10_0000, u64::MAX), Some(0x10_0000));

        let mut b = bitmap(0x400_0000);
        b.populate(&regions, &[kernel, (0, 0x10_0000)]);
        let expected = (0x400_0000 - 0x10_0000 - 0x40_0000) / PAGE_SIZE;
        assert_eq!(b.free_frames(), expected);
        assert_eq!(b.alloc(), Some(0x10_0000));
        assert_eq!(b.alloc(), Some(0x10_1000));
        // The reserved page inside the usable region and the kernel are skipped.
        let a = b.alloc_contiguous(1, 0x20_0000).unwrap();
        assert_eq!(a, 0x60_0000);
    }

    fn bitmap(top: u64) -> FrameBitmap<Vec<u64>> {
        FrameBitmap::new_all_used(vec![0; words_for(top)], top).unwrap()
    }

    #[test]
    fn starts_full_and_releases_whole_frames_only() {
        let mut b = bitmap(1 << 20);
        assert_eq!(b.free_frames(), 0);
        assert_eq!(b.alloc(), None);
        b.release_range(0x1800, 0x5800);
        assert_eq!(b.free_frames(), 3);
        assert_eq!(b.alloc(), Some(0x2000));
        assert_eq!(b.alloc(), Some(0x3000));
        assert_eq!(b.alloc(), Some(0x4000));
        assert_eq!(b.alloc(), None);
    }

    #[test]
    fn storage_too_small_is_refused() {
        assert!(FrameBitmap::new_all_used(vec![0u64; 1], 65 * PAGE_SIZE).is_none());
        assert!(FrameBitmap::new_all_used(vec![0u64; 2], 65 * PAGE_SIZE).is_some());
    }

    #[test]
    fn reserve_then_free_and_errors() {
        let mut b = bitmap(1 << 24);
        b.release_range(0, 1 << 24);
        b.reserve_range(0x10_0000, 0x10_0001);
        assert_eq!(b.free_frames(), 4095);
        assert_eq!(b.free(0x10_0000), Ok(()));
        assert_eq!(b.free(0x10_0000), Err(FreeError::DoubleFree(0x10_0000)));
        assert_eq!(b.free(0x10_0001), Err(FreeError::Unaligned(0x10_0001)));
        assert_eq!(b.free(1 << 24), Err(FreeError::OutOfRange(1 << 24)));
        assert_eq!(b.free_frames(), 4096);
    }

    #[test]
    fn contiguous_respects_alignment_and_holes() {
        let mut b = bitmap(64 << 20);
        b.release_range(0, 64 << 20);
        b.reserve_range(0x20_0000 + 0x5000, 0x20_0000 + 0x6000);
        let a = b.alloc_contiguous(512, 2 << 20).unwrap();
        assert_eq!(a, 0);
        let a = b.alloc_contiguous(512, 2 << 20).unwrap();
        assert_eq!(a, 0x40_0000, "the block with a hole is skipped");
        let before = b.free_frames();
        assert_eq!(b.alloc_contiguous(100_000, PAGE_SIZE), None);
        assert_eq!(b.free_frames(), before);
        assert_eq!(b.alloc_contiguous(0, PAGE_SIZE), None);
        assert_eq!(b.alloc_contiguous(1, 3 * PAGE_SIZE), None);
    }

    #[test]
    fn random_alloc_free_keeps_count() {
        let mut b = bitmap(8 << 20);
        b.release_range(0, 8 << 20);
        let total = b.free_frames();
        let mut held = Vec::new();
        let mut seed = 0x1234_5678u64;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            if !seed.is_multiple_of(3) || held.is_empty() {
                if let Some(f) = b.alloc() {
                    assert!(!held.contains(&f));
                    held.push(f);
                }
            } else {
                let f = held.swap_remove((seed as usize / 3) % held.len());
                b.free(f).unwrap();
            }
            assert_eq!(b.free_frames() + held.len() as u64, total);
        }
    }
}
