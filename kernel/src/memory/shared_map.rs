//! The shared mappings of an address space: which [`SharedMemory`] object backs each range
//! mapped shared, from which of its pages, and the most the mapping may ever allow.
//!
//! The page tables stay the record of what is mapped; this list only adds, for the pages
//! whose entries carry `SHARED_BIT`, what they map. A shared page starts as a demand
//! entry (`SHARED_BIT | DEMAND_BIT`) and is backed at the first touch with the object's
//! frame for that page (allocated then if no mapping touched it before), so every
//! address space that maps the object sees the same memory.
//!
//! Each region counts as one mapping of its object (System V's `shm_nattch` counts them,
//! like Linux's VMAs): mapping adds one, unmapping, exit and exec take one away, fork adds
//! one per region the child inherits, and unmapping the middle of a region leaves two.
//! A region remembers the mapping call that made it (its address, length and a number),
//! which its pieces keep: `shmdt` detaches an attachment by the address it was made at.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;

use x86_64::structures::paging::PageTableFlags as Flags;

use super::PAGE_SIZE;
use super::address_space::{AddressSpace, Placement, Prot};
use super::shared::SharedMemory;
use crate::errno::{EACCES, EINVAL};

/// A range of an address space mapped shared.
#[derive(Clone)]
pub struct SharedRegion {
    pub start: u64,
    pub len: u64,
    pub object: Arc<SharedMemory>,
    /// The object's page mapped at the region's start.
    pub first_page: u64,
    /// The most the mapping may allow: `mprotect` beyond it is EACCES (a System V
    /// attachment's mode, a descriptor's access mode).
    pub max: Prot,
    /// The mapping call that made the region (pieces of one region keep it): where it
    /// mapped, how much, and its number in this address space.
    pub origin: u64,
    pub origin_len: u64,
    pub call: u64,
}

impl SharedRegion {
    fn end(&self) -> u64 {
        self.start + self.len
    }
}

/// The shared regions of an address space, sorted by start address. A vector of boxes
/// rather than a `BTreeMap`: the map's searches and iterators zero 16-byte cursors with
/// SSE stores, and moving whole records would take SSE copies too, while the first SSE
/// instruction of a system call or page fault costs a lazy FPU save (`arch::fpu`). Here
/// only pointers move. An address space has a handful of shared regions.
pub type SharedRegions = Vec<Box<SharedRegion>>;

impl Prot {
    /// Whether every right of `self` is in `max`.
    pub fn within(self, max: Prot) -> bool {
        (!self.read || max.read) && (!self.write || max.write) && (!self.exec || max.exec)
    }
}

impl AddressSpace {
    /// Maps `len` bytes (a page multiple) of `object` from its page `first_page`, with
    /// rights `prot` never to exceed `max`; returns the address. Nothing is backed until
    /// touched. `FixedNoReplace` fails with EEXIST if anything is mapped in the range.
    pub fn map_shared(
        &mut self,
        placement: Placement,
        len: u64,
        prot: Prot,
        max: Prot,
        object: &Arc<SharedMemory>,
        first_page: u64,
    ) -> Result<u64, crate::errno::Errno> {
        if !prot.within(max) {
            return Err(EACCES);
        }
        // A mapping that replaces others is counted before them, so that replacing the
        // last mapping of a System V segment marked for removal with a new one of the
        // same segment does not free it in between (Linux's shmat holds a count on its
        // segment while it maps).
        let replacing = matches!(placement, Placement::FixedReplace(_));
        if replacing {
            object.mapped();
        }
        let addr = match self.map_demand(placement, len, prot, super::address_space::SHARED_BIT) {
            Ok(addr) => addr,
            Err(e) => {
                if replacing {
                    object.unmapped();
                }
                return Err(e);
            }
        };
        let call = self.next_map_call();
        let region = SharedRegion {
            start: addr,
            len,
            object: object.clone(),
            first_page,
            max,
            origin: addr,
            origin_len: len,
            call,
        };
        self.insert_shared(Box::new(region));
        if !replacing {
            object.mapped();
        }
        Ok(addr)
    }

    /// Maps a private copy of `len` bytes of `object` from its page `first_page`
    /// (`MAP_PRIVATE` of a shared memory object): the pages it has now are copied, the
    /// others are demand-zero; writes stay private. POSIX leaves unspecified whether
    /// later changes to the object show through such a mapping; here they do not (Linux
    /// shows them in the pages this mapping has not written yet). On ENOMEM nothing
    /// stays mapped.
    pub fn map_private_copy(
        &mut self,
        placement: Placement,
        len: u64,
        prot: Prot,
        object: &SharedMemory,
        first_page: u64,
    ) -> Result<u64, crate::errno::Errno> {
        let addr = self.map_anonymous(placement, len, prot)?;
        for i in 0..len / PAGE_SIZE {
            let Some(src) = object.existing_frame(first_page + i) else { continue };
            let copied = super::address_space::copy_frame(src).and_then(|frame| {
                let pte = self.pte(addr + i * PAGE_SIZE, false)?.ok_or(crate::errno::ENOMEM)?;
                // A demand entry (never present, so no TLB entry to flush) becomes resident.
                pte.set_addr(x86_64::PhysAddr::new(frame), super::address_space::resident_flags(pte.flags()));
                Ok(())
            });
            if let Err(e) = copied {
                self.unmap(addr, len);
                return Err(e);
            }
        }
        Ok(addr)
    }

    /// Puts `region` in its place in the sorted list.
    fn insert_shared(&mut self, region: Box<SharedRegion>) {
        let at = self.shared_regions().partition_point(|r| r.start < region.start);
        self.shared_regions_mut().insert(at, region);
    }

    /// The position of the first region that ends after `addr`.
    fn first_shared_after(&self, addr: u64) -> usize {
        self.shared_regions().partition_point(|r| r.end() <= addr)
    }

    /// The region that contains `addr`.
    fn shared_region_at(&self, addr: u64) -> Option<&SharedRegion> {
        let region = self.shared_regions().get(self.first_shared_after(addr))?;
        (region.start <= addr).then_some(&**region)
    }

    /// The regions that overlap `[addr, end)`.
    fn shared_overlapping(&self, addr: u64, end: u64) -> impl Iterator<Item = &SharedRegion> {
        let first = self.first_shared_after(addr);
        self.shared_regions()[first..].iter().map(|r| &**r).take_while(move |r| r.start < end)
    }

    /// The frame behind shared page `page` (backing it now if no mapping has yet): `None`
    /// if no region covers it, it is past its object's end, or no memory is left.
    pub(super) fn shared_frame(&self, page: u64) -> Option<u64> {
        let region = self.shared_region_at(page)?;
        region.object.frame(region.first_page + (page - region.start) / PAGE_SIZE)
    }

    /// Whether `addr` is in a shared mapping but past the end of its object: a touch there
    /// is SIGBUS, as on Linux, not SIGSEGV.
    pub fn past_object_end(&self, addr: u64) -> bool {
        self.shared_region_at(addr)
            .is_some_and(|region| region.first_page + (addr - region.start) / PAGE_SIZE >= region.object.pages())
    }

    /// Checks that `prot` is within what every shared region in the range allows.
    pub(super) fn check_shared_max(&self, addr: u64, len: u64, prot: Prot) -> Result<(), crate::errno::Errno> {
        let allowed = self.shared_overlapping(addr, addr.saturating_add(len)).all(|region| prot.within(region.max));
        if allowed { Ok(()) } else { Err(EACCES) }
    }

    /// Drops the parts of shared regions inside `[addr, addr + len)`, whose entries the
    /// caller has already cleared (and whose TLB entries it has flushed): a region wholly
    /// inside goes, one cut by the range keeps its pieces outside it.
    pub(super) fn forget_shared(&mut self, addr: u64, len: u64) {
        let end = addr.saturating_add(len);
        let first = self.first_shared_after(addr);
        while let Some(region) = self.shared_regions().get(first)
            && region.start < end
        {
            let region = self.shared_regions_mut().remove(first);
            if region.start < addr {
                let mut left = region.clone();
                left.len = addr - region.start;
                self.insert_shared(left);
                region.object.mapped();
            }
            if region.end() > end {
                let mut right = region.clone();
                right.start = end;
                right.len = region.end() - end;
                right.first_page += (end - region.start) / PAGE_SIZE;
                self.insert_shared(right);
                region.object.mapped();
            }
            region.object.unmapped();
            if region.end() > end {
                break;
            }
        }
    }

    /// `shmdt(addr)`, as Linux's: the lowest region of a System V attachment made at
    /// `addr` goes (even if that attachment's first pages were since replaced), then the
    /// further pieces of that same attachment that end within its length of `addr`.
    /// EINVAL if no attachment was made at `addr`.
    pub fn detach_segment(&mut self, addr: u64) -> Result<(), crate::errno::Errno> {
        let regions = self.shared_regions();
        let first = regions.iter().position(|r| r.origin == addr && r.object.is_segment()).ok_or(EINVAL)?;
        let (call, limit) = (regions[first].call, addr + regions[first].origin_len);
        // The found region is the first of these: a piece of the attachment at `addr`
        // ends within its length.
        let gone: Vec<(u64, u64)> = regions[first..]
            .iter()
            .take_while(|r| r.end() <= limit)
            .filter(|r| r.call == call)
            .map(|r| (r.start, r.len))
            .collect();
        for (start, len) in gone {
            self.unmap(start, len);
        }
        Ok(())
    }

    /// The regions a fork child inherits: the same objects, each counted once more.
    pub(super) fn fork_shared(&self) -> SharedRegions {
        let regions = self.shared_regions().clone();
        regions.iter().for_each(|region| region.object.mapped());
        regions
    }

    /// Counts every region as gone (the address space is being dropped).
    pub(super) fn drop_shared(&mut self) {
        let regions = core::mem::take(self.shared_regions_mut());
        regions.iter().for_each(|region| region.object.unmapped());
    }
}

/// Whether an entry maps shared memory not yet backed.
pub(super) fn is_shared_demand(entry: Flags) -> bool {
    entry.contains(super::address_space::SHARED_BIT | super::address_space::DEMAND_BIT)
}
