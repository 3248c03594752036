//! Finding the used entries of a page table quickly.
//!
//! User address spaces are sparse: a table of 512 entries usually has a handful in use,
//! and fork and teardown visit every table of the lower half. `repe scasq` skips a run of
//! empty entries at the cost of one emulated iteration per entry, several times cheaper
//! under emulation than a compiled loop, and no slower on hardware.

use core::arch::asm;
use core::ops::Range;

use x86_64::structures::paging::PageTable;

/// Entries in a page table.
const ENTRIES: usize = 512;

/// Index of the first used (non-zero) entry of `table` in `from..end`.
pub fn next_used(table: &PageTable, from: usize, end: usize) -> Option<usize> {
    let end = end.min(ENTRIES);
    if from >= end {
        return None;
    }
    let base = (table as *const PageTable).cast::<u64>();
    let stop: *const u64;
    // SAFETY: compares the entries `from..end` of the table (all inside it) with zero and
    // writes nothing; the direction flag is clear, as the ABI requires.
    unsafe {
        asm!("repe scasq", inout("rcx") end - from => _, inout("rdi") base.add(from) => stop, in("rax") 0u64,
             options(nostack, readonly));
    }
    // rdi stops one entry past the last one compared: the first used one, or the range's
    // last entry if all were empty.
    let last = (stop as usize - base as usize) / 8 - 1;
    (!table[last].is_unused()).then_some(last)
}

/// The indices of the used entries of `table` in `range`, in order.
pub fn used(table: &PageTable, range: Range<usize>) -> impl Iterator<Item = usize> + '_ {
    let mut from = range.start;
    core::iter::from_fn(move || {
        let i = next_used(table, from, range.end)?;
        from = i + 1;
        Some(i)
    })
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use x86_64::PhysAddr;
    use x86_64::structures::paging::PageTableFlags;

    use super::*;

    fn table_with(used: &[usize]) -> PageTable {
        let mut table = PageTable::new();
        for &i in used {
            table[i].set_addr(PhysAddr::new(0x1000 * (i as u64 + 1)), PageTableFlags::PRESENT);
        }
        table
    }

    #[test]
    fn finds_used_entries_in_order() {
        let table = table_with(&[0, 7, 8, 255, 256, 511]);
        assert_eq!(used(&table, 0..512).collect::<Vec<_>>(), [0, 7, 8, 255, 256, 511]);
        assert_eq!(used(&table, 0..256).collect::<Vec<_>>(), [0, 7, 8, 255]);
        assert_eq!(used(&table, 9..255).count(), 0);
        assert_eq!(next_used(&table, 1, 512), Some(7));
        assert_eq!(next_used(&table, 511, 512), Some(511));
        assert_eq!(next_used(&table, 512, 512), None);
        assert_eq!(next_used(&table, 3, 2), None);
    }

    #[test]
    fn empty_and_full_tables() {
        assert_eq!(used(&PageTable::new(), 0..512).count(), 0);
        let all: Vec<usize> = (0..512).collect();
        assert_eq!(used(&table_with(&all), 0..512).collect::<Vec<_>>(), all);
    }

    #[test]
    fn an_entry_with_only_software_bits_is_used() {
        let mut table = PageTable::new();
        table[300].set_flags(PageTableFlags::BIT_10);
        assert_eq!(used(&table, 0..512).collect::<Vec<_>>(), [300]);
    }
}
