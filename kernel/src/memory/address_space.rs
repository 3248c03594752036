//! User address spaces: a PML4 whose upper half is the kernel's and whose lower half maps
//! the process's pages.
//!
//! The page tables are the only record of what is mapped: there is no separate region
//! list to drift out of step. Anonymous memory is demand-zero: mapping it writes entries
//! marked [`DEMAND_BIT`] that hold the page's rights but no frame, and the first access
//! (a user page fault, or a kernel copy through [`AddressSpace::translate`]) backs the page
//! with a zeroed frame the address space owns. Pages marked [`SHARED_BIT`] (shared memory)
//! map frames that belong to their segment and are not freed on unmap. Fork copies every
//! owned writable page that has a frame, keeps the others demand-zero, and shares the
//! pages that are not writable ([`FORK_SHARED_BIT`], counted in `fork_share`): a program
//! whose text is read-only and that touched two pages of its 1 MiB stack costs its
//! writable data and two stack pages.
//!
//! Like Linux, this overcommits: running out of frames shows at the first touch of a page,
//! as `EFAULT` for a kernel copy and SIGSEGV for the program.

use x86_64::structures::paging::{PageTable, PageTableFlags as Flags};

use super::shared_map::{SharedRegions, is_shared_demand};
use super::table_walk::{next_used, used};
use super::{PAGE_SIZE, fork_share, frame, paging, phys_to_virt};
use crate::errno::{EEXIST, EINVAL, ENOMEM};

/// Highest user address plus one (the canonical lower half, minus a guard page).
pub const USER_END: u64 = 0x0000_7fff_ffff_f000;

/// The largest mapping, in multiples of the machine's memory (see `map_demand`).
pub const MAX_MAPPING_RATIO: u64 = 4;
/// Where kernel-chosen mappings start.
pub const MMAP_BASE: u64 = 0x0000_1000_0000_0000;
/// PTE bit (available to software) marking a page whose frame the address space does not own.
pub const SHARED_BIT: Flags = Flags::BIT_9;
/// PTE bit (available to software) of a demand-zero page: mapped, not yet backed. The
/// entry is never present and holds the page's flags, with [`DEMAND_ACCESSIBLE`] in
/// place of PRESENT.
pub const DEMAND_BIT: Flags = Flags::BIT_10;
/// In a demand-zero entry: the page will be present once backed (it is not PROT_NONE).
const DEMAND_ACCESSIBLE: Flags = Flags::BIT_11;
/// PTE bit (available to software) of a page whose frame fork shares with other address
/// spaces (see `fork_share`); such a page is never writable while it has the bit.
pub const FORK_SHARED_BIT: Flags = Flags::BIT_52;

/// The entry of a demand-zero page with the given (resident) flags.
fn demand_entry(flags: Flags) -> Flags {
    let mut entry = flags.difference(Flags::PRESENT) | DEMAND_BIT;
    if flags.contains(Flags::PRESENT) {
        entry |= DEMAND_ACCESSIBLE;
    }
    entry
}

/// The flags a page has once resident, from its entry (demand-zero or not).
pub(super) fn resident_flags(entry: Flags) -> Flags {
    if !entry.contains(DEMAND_BIT) {
        return entry;
    }
    let mut flags = entry.difference(DEMAND_BIT | DEMAND_ACCESSIBLE);
    if entry.contains(DEMAND_ACCESSIBLE) {
        flags |= Flags::PRESENT;
    }
    flags
}

type Entry = x86_64::structures::paging::page_table::PageTableEntry;

/// Backs a demand-zero entry with a fresh zeroed frame; the frame, or `None` if no
/// memory is left. A resident entry's frame is returned as it is.
fn resident_frame(pte: &mut Entry) -> Option<u64> {
    if !pte.flags().contains(DEMAND_BIT) {
        return Some(pte.addr().as_u64());
    }
    let frame = frame::alloc_zeroed()?;
    // Not present before, so no TLB entry can be stale.
    pte.set_addr(x86_64::PhysAddr::new(frame), resident_flags(pte.flags()));
    Some(frame)
}

/// Access rights of user pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Prot {
    pub read: bool,
    pub write: bool,
    pub exec: bool,
}

impl Prot {
    /// Read and write, no execute.
    pub const RW: Self = Self { read: true, write: true, exec: false };

    fn flags(self) -> Flags {
        let mut f = Flags::USER_ACCESSIBLE;
        if self.read || self.write || self.exec {
            f |= Flags::PRESENT;
        }
        if self.write {
            f |= Flags::WRITABLE;
        }
        if !self.exec && paging::nx_enabled() {
            f |= Flags::NO_EXECUTE;
        }
        f
    }
}

/// How a fixed mapping treats pages already mapped in its range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// The kernel picks a free range (the address is a hint).
    Anywhere(u64),
    /// Exactly there, replacing what is mapped (MAP_FIXED).
    FixedReplace(u64),
    /// Exactly there, failing with EEXIST if anything is mapped (MAP_FIXED_NOREPLACE).
    FixedNoReplace(u64),
}

/// A user address space.
pub struct AddressSpace {
    pml4: u64,
    /// The last page [`AddressSpace::translate`] resolved: (page, frame, writable). A
    /// system call's arguments usually sit on one stack page, so its second and third
    /// copies skip the page-table walk. Cleared by every change of an entry.
    recent: Option<(u64, u64, bool)>,
    /// What the `SHARED_BIT` pages map (see `shared_map`).
    shared: SharedRegions,
    /// Shared mapping calls made so far (each region records the one that made it).
    map_calls: u64,
}

fn table(paddr: u64) -> &'static mut PageTable {
    // SAFETY: `paddr` is a page-table frame owned by an address space; kernel code runs
    // on one CPU at a time (the kernel lock) and is not preempted, so no other reference
    // to it is live while the caller uses this one (other CPUs' page walks only read it,
    // and see each entry whole).
    unsafe { &mut *(phys_to_virt(paddr) as *mut PageTable) }
}

/// Indices of `vaddr` in the four levels.
fn indices(vaddr: u64) -> [usize; 4] {
    [
        (vaddr >> 39) as usize & 511,
        (vaddr >> 30) as usize & 511,
        (vaddr >> 21) as usize & 511,
        (vaddr >> 12) as usize & 511,
    ]
}

/// Whether `[addr, addr + len)` is a non-empty, page-aligned user range.
pub fn valid_user_range(addr: u64, len: u64) -> bool {
    len > 0
        && addr.is_multiple_of(PAGE_SIZE)
        && len.is_multiple_of(PAGE_SIZE)
        && addr.checked_add(len).is_some_and(|end| end <= USER_END)
}

impl AddressSpace {
    /// An empty address space sharing the kernel half.
    pub fn new() -> Result<Self, crate::errno::Errno> {
        let pml4 = frame::alloc_zeroed().ok_or(ENOMEM)?;
        let kernel = table(paging::kernel_pml4());
        let new = table(pml4);
        for i in 256..512 {
            new[i] = kernel[i].clone();
        }
        Ok(Self { pml4, recent: None, shared: SharedRegions::new(), map_calls: 0 })
    }

    pub(super) fn shared_regions(&self) -> &SharedRegions {
        &self.shared
    }

    pub(super) fn shared_regions_mut(&mut self) -> &mut SharedRegions {
        &mut self.shared
    }

    /// A number for a new shared mapping call.
    pub(super) fn next_map_call(&mut self) -> u64 {
        self.map_calls += 1;
        self.map_calls
    }

    /// Physical address of the PML4, for CR3.
    pub fn pml4(&self) -> u64 {
        self.pml4
    }

    /// The leaf entry for `vaddr`, creating tables on the way if `create`.
    pub(super) fn pte(&mut self, vaddr: u64, create: bool) -> Result<Option<&'static mut Entry>, crate::errno::Errno> {
        let idx = indices(vaddr);
        let mut current = self.pml4;
        for &i in &idx[..3] {
            let t = table(current);
            if t[i].is_unused() {
                if !create {
                    return Ok(None);
                }
                new_table(&mut t[i])?;
            }
            current = t[i].addr().as_u64();
        }
        Ok(Some(&mut table(current)[idx[3]]))
    }

    /// The entry of page `vaddr`, if something (resident or demand-zero) is mapped there.
    fn mapped(&mut self, vaddr: u64) -> Option<&'static mut Entry> {
        self.pte(vaddr, false).ok()?.filter(|pte| !pte.is_unused())
    }

    /// Whether anything is mapped at page `vaddr`.
    fn is_mapped(&mut self, vaddr: u64) -> bool {
        self.mapped(vaddr).is_some()
    }

    /// The first page in `[from, end)` with something mapped (resident or demand-zero).
    /// Absent tables are skipped whole, so that a call over a huge range of nothing (a
    /// terabyte `munmap`) costs a few steps per 512 GiB, 1 GiB or 2 MiB of it rather than
    /// one per page: scheme calls run with interrupts off.
    fn next_mapped(&self, from: u64, end: u64) -> Option<u64> {
        /// Bytes one entry covers at each level (L4, L3, L2).
        const SPAN: [u64; 3] = [1 << 39, 1 << 30, 1 << 21];
        let end = end.min(USER_END);
        let mut at = from & !(PAGE_SIZE - 1);
        'outer: while at < end {
            let idx = indices(at);
            let mut current = self.pml4;
            for level in 0..3 {
                let entry = &table(current)[idx[level]];
                if entry.is_unused() {
                    // Nothing below this entry: on to the next one's first page.
                    at = (at & !(SPAN[level] - 1)).checked_add(SPAN[level])?;
                    continue 'outer;
                }
                current = entry.addr().as_u64();
            }
            // Only the entries up to `end` are looked at: a call over a few pages looks
            // at those few, not at the rest of their table.
            let base = at & !(SPAN[2] - 1);
            let stop = ((end - base).div_ceil(PAGE_SIZE)).min(512) as usize;
            match next_used(table(current), idx[3], stop) {
                Some(i) => return Some(base + i as u64 * PAGE_SIZE),
                None => at = base.checked_add(SPAN[2])?,
            }
        }
        None
    }

    /// Translates a user address for an access of the given kind: the physical address,
    /// if the page is mapped for user access (and writable when `write`). A demand-zero
    /// page is backed first; `None` also when that finds no memory.
    #[inline]
    pub fn translate(&mut self, vaddr: u64, write: bool) -> Option<u64> {
        let (page, offset) = (vaddr & !(PAGE_SIZE - 1), vaddr & (PAGE_SIZE - 1));
        if let Some((recent, frame, writable)) = self.recent
            && recent == page
            && (writable || !write)
        {
            return Some(frame + offset);
        }
        self.translate_slow(page, write).map(|frame| frame + offset)
    }

    /// [`translate`](Self::translate) by walking the page tables; the frame of `page`.
    fn translate_slow(&mut self, page: u64, write: bool) -> Option<u64> {
        if page >= USER_END {
            return None;
        }
        let pte = self.mapped(page)?;
        let flags = resident_flags(pte.flags());
        let ok = flags.contains(Flags::PRESENT | Flags::USER_ACCESSIBLE) && (!write || flags.contains(Flags::WRITABLE));
        if !ok {
            return None;
        }
        let frame = if is_shared_demand(pte.flags()) {
            // Not present before, so no TLB entry can be stale.
            let frame = self.shared_frame(page)?;
            pte.set_addr(x86_64::PhysAddr::new(frame), flags);
            frame
        } else {
            resident_frame(pte)?
        };
        self.recent = Some((page, frame, flags.contains(Flags::WRITABLE)));
        Some(frame)
    }

    /// Resolves a user page fault on a page that is not present: backs it if it is a
    /// demand-zero page that allows the access. Returns whether the access can be retried.
    pub fn fault_in(&mut self, vaddr: u64, write: bool) -> bool {
        self.translate(vaddr, write).is_some()
    }

    fn is_free(&mut self, addr: u64, len: u64) -> bool {
        self.next_mapped(addr, addr + len).is_none()
    }

    fn find_free(&mut self, hint: u64, len: u64) -> Option<u64> {
        let mut addr = if hint >= MMAP_BASE && valid_user_range(hint, len) { hint } else { MMAP_BASE };
        while addr.checked_add(len)? <= USER_END {
            match self.next_mapped(addr, addr + len) {
                None => return Some(addr),
                Some(used) => addr = used + PAGE_SIZE,
            }
        }
        None
    }

    /// Maps demand-zero pages; returns the address. On failure nothing mapped changes.
    pub fn map_anonymous(&mut self, placement: Placement, len: u64, prot: Prot) -> Result<u64, crate::errno::Errno> {
        self.map_demand(placement, len, prot, Flags::empty())
    }

    /// Maps pages backed at their first touch, their entries marked with `bits` besides
    /// (`SHARED_BIT` for shared memory); returns the address. On failure nothing mapped
    /// changes.
    pub(super) fn map_demand(
        &mut self,
        placement: Placement,
        len: u64,
        prot: Prot,
        bits: Flags,
    ) -> Result<u64, crate::errno::Errno> {
        let len = len.checked_next_multiple_of(PAGE_SIZE).ok_or(ENOMEM)?;
        // Every page of a mapping has its page-table entry from the start (demand-zero
        // entries), built with interrupts off: no single mapping may be larger than
        // MAX_MAPPING_RATIO times the machine's memory (Linux, which builds entries at
        // the first touch, bounds only committed memory, and reserves of any size with
        // PROT_NONE succeed there).
        if len / PAGE_SIZE > frame::total_frames().saturating_mul(MAX_MAPPING_RATIO) {
            return Err(ENOMEM);
        }
        let addr = match placement {
            Placement::Anywhere(hint) => self.find_free(hint & !(PAGE_SIZE - 1), len).ok_or(ENOMEM)?,
            Placement::FixedReplace(addr) | Placement::FixedNoReplace(addr) => {
                if !valid_user_range(addr, len) {
                    return Err(EINVAL);
                }
                if matches!(placement, Placement::FixedNoReplace(_)) && !self.is_free(addr, len) {
                    return Err(EEXIST);
                }
                addr
            }
        };
        self.recent = None;
        // The page tables first: running out of memory for them leaves at most some empty
        // tables behind, and nothing replaced.
        for page in (addr..addr + len).step_by(PAGE_SIZE as usize) {
            self.pte(page, true)?;
        }
        self.unmap(addr, len);
        let entry = demand_entry(prot.flags()) | bits;
        for page in (addr..addr + len).step_by(PAGE_SIZE as usize) {
            if let Ok(Some(pte)) = self.pte(page, false) {
                pte.set_addr(x86_64::PhysAddr::new(0), entry);
            }
        }
        Ok(addr)
    }

    /// Maps `frame` at page `vaddr` with `flags` (which must include USER_ACCESSIBLE).
    pub fn map_page(&mut self, vaddr: u64, frame: u64, flags: Flags) -> Result<(), crate::errno::Errno> {
        self.recent = None;
        let pte = self.pte(vaddr, true)?.ok_or(ENOMEM)?;
        pte.set_addr(x86_64::PhysAddr::new(frame), flags);
        Ok(())
    }

    /// Unmaps every page in the range, freeing owned frames. Unmapped pages are skipped.
    pub fn unmap(&mut self, addr: u64, len: u64) {
        self.recent = None;
        let mut flush = false;
        let end = addr.saturating_add(len).min(USER_END);
        let mut at = addr;
        while let Some(page) = self.next_mapped(at, end) {
            if let Some(pte) = self.mapped(page) {
                release_page(pte.flags(), pte.addr().as_u64());
                pte.set_unused();
                flush = true;
            }
            at = page + PAGE_SIZE;
        }
        if flush {
            self.flush();
        }
        // After the flush: dropping a region may free its object's frames.
        self.forget_shared(addr, len);
    }

    /// Changes the rights of a fully mapped range; ENOMEM if any page is unmapped, EACCES
    /// if a shared mapping in it may not have them.
    pub fn protect(&mut self, addr: u64, len: u64, prot: Prot) -> Result<(), crate::errno::Errno> {
        if !(addr..addr + len).step_by(PAGE_SIZE as usize).all(|p| self.is_mapped(p)) {
            return Err(ENOMEM);
        }
        self.check_shared_max(addr, len, prot)?;
        self.recent = None;
        for page in (addr..addr + len).step_by(PAGE_SIZE as usize) {
            if let Ok(Some(pte)) = self.pte(page, false) {
                if pte.flags().contains(DEMAND_BIT) {
                    pte.set_flags(demand_entry(prot.flags()) | (pte.flags() & SHARED_BIT));
                } else if pte.flags().contains(FORK_SHARED_BIT) && prot.write {
                    // Writable: this mapping takes the frame, or a copy of it.
                    let frame = fork_share::take_for_write(pte.addr().as_u64())?;
                    pte.set_addr(x86_64::PhysAddr::new(frame), prot.flags());
                } else {
                    pte.set_flags(prot.flags() | (pte.flags() & (SHARED_BIT | FORK_SHARED_BIT)));
                }
            }
        }
        self.flush();
        Ok(())
    }

    /// Reloads CR3 if this is the active address space, so stale TLB entries go, and has
    /// every other CPU that has it loaded do the same.
    fn flush(&self) {
        let (active, _) = x86_64::registers::control::Cr3::read();
        if active.start_address().as_u64() == self.pml4 {
            x86_64::instructions::tlb::flush_all();
        }
        crate::arch::tlb::shootdown(self.pml4, false);
    }

    /// A copy for a forked child: owned pages are copied, shared pages shared, and
    /// demand-zero pages stay demand-zero. The child's tables are built in one walk of
    /// the parent's; on ENOMEM the partly built child is dropped, freeing what it got.
    pub fn fork(&self) -> Result<Self, crate::errno::Errno> {
        let mut child = Self::new()?;
        let (parent_l4, child_l4) = (table(self.pml4), table(child.pml4));
        for i4 in used(parent_l4, 0..256) {
            let (parent_l3, child_l3) = (table(parent_l4[i4].addr().as_u64()), new_table(&mut child_l4[i4])?);
            for i3 in used(parent_l3, 0..512) {
                let (parent_l2, child_l2) = (table(parent_l3[i3].addr().as_u64()), new_table(&mut child_l3[i3])?);
                for i2 in used(parent_l2, 0..512) {
                    let (parent_l1, child_l1) = (table(parent_l2[i2].addr().as_u64()), new_table(&mut child_l2[i2])?);
                    // Not `used`: the loop marks the parent's entries as it goes.
                    let mut from = 0;
                    while let Some(i1) = next_used(parent_l1, from, 512) {
                        from = i1 + 1;
                        let (mut flags, src) = (parent_l1[i1].flags(), parent_l1[i1].addr().as_u64());
                        let dst = if flags.intersects(SHARED_BIT | DEMAND_BIT) {
                            src
                        } else if !flags.contains(Flags::WRITABLE) {
                            // Never written without a copy first (protect): both map it.
                            fork_share::add_mapping(src);
                            flags |= FORK_SHARED_BIT;
                            parent_l1[i1].set_flags(flags);
                            src
                        } else {
                            copy_frame(src)?
                        };
                        child_l1[i1].set_addr(x86_64::PhysAddr::new(dst), flags);
                    }
                }
            }
        }
        child.shared = self.fork_shared();
        child.map_calls = self.map_calls;
        Ok(child)
    }

    /// Copies `data` into user memory at `vaddr`, through the page tables, regardless of
    /// the pages' rights (for the loader). Fails if a page is unmapped (EINVAL) or cannot
    /// be backed (ENOMEM).
    pub fn write_bytes(&mut self, vaddr: u64, data: &[u8]) -> Result<(), crate::errno::Errno> {
        let mut done = 0;
        while done < data.len() {
            let at = vaddr + done as u64;
            let frame = resident_frame(self.mapped(at & !(PAGE_SIZE - 1)).ok_or(EINVAL)?).ok_or(ENOMEM)?;
            let offset = at & (PAGE_SIZE - 1);
            let n = (PAGE_SIZE - offset).min((data.len() - done) as u64) as usize;
            // SAFETY: the frame is a user page of this address space, reached through
            // the direct map; the range stays inside it.
            unsafe {
                core::ptr::copy_nonoverlapping(data[done..].as_ptr(), phys_to_virt(frame + offset) as *mut u8, n)
            };
            done += n;
        }
        Ok(())
    }
}

/// Points `entry` at a fresh zeroed page table and returns that table.
fn new_table(entry: &mut Entry) -> Result<&'static mut PageTable, crate::errno::Errno> {
    let frame = frame::alloc_zeroed().ok_or(ENOMEM)?;
    entry.set_addr(x86_64::PhysAddr::new(frame), Flags::PRESENT | Flags::WRITABLE | Flags::USER_ACCESSIBLE);
    Ok(table(frame))
}

/// A new frame holding a copy of frame `src`.
pub(super) fn copy_frame(src: u64) -> Result<u64, crate::errno::Errno> {
    let dst = frame::alloc().ok_or(ENOMEM)?;
    // SAFETY: both frames are mapped by the direct map; `dst` is fresh and `src` is a page
    // of the parent, which does not run during the copy.
    unsafe {
        core::ptr::copy_nonoverlapping(phys_to_virt(src) as *const u8, phys_to_virt(dst) as *mut u8, PAGE_SIZE as usize)
    };
    Ok(dst)
}

/// Gives up the frame of a page being unmapped, as its entry's bits say: an owned frame
/// is freed, a fork-shared one loses a mapping, a shared-memory one is not ours, and a
/// demand-zero entry has none.
fn release_page(flags: Flags, frame: u64) {
    if flags.intersects(SHARED_BIT | DEMAND_BIT) {
        return;
    }
    if flags.contains(FORK_SHARED_BIT) {
        fork_share::release(frame);
    } else {
        release_frame(frame);
    }
}

fn release_frame(paddr: u64) {
    if let Err(e) = frame::free(paddr) {
        log::error!("address space released a frame it did not own: {e:?}");
    }
}

impl Drop for AddressSpace {
    fn drop(&mut self) {
        // Other CPUs may still have these tables loaded (an idle CPU keeps the last ones:
        // see the scheduler); they move to the kernel's before the tables go.
        crate::arch::tlb::shootdown(self.pml4, true);
        // One walk frees the owned frames and then each table below the PML4.
        let l4 = table(self.pml4);
        for i4 in used(l4, 0..256) {
            let l3_frame = l4[i4].addr().as_u64();
            let l3 = table(l3_frame);
            for i3 in used(l3, 0..512) {
                let l2_frame = l3[i3].addr().as_u64();
                let l2 = table(l2_frame);
                for i2 in used(l2, 0..512) {
                    let l1_frame = l2[i2].addr().as_u64();
                    let l1 = table(l1_frame);
                    for i1 in used(l1, 0..512) {
                        release_page(l1[i1].flags(), l1[i1].addr().as_u64());
                    }
                    release_frame(l1_frame);
                }
                release_frame(l2_frame);
            }
            release_frame(l3_frame);
        }
        release_frame(self.pml4);
        self.drop_shared();
    }
}
