//! The kernel's own page tables, replacing the boot stub's: the kernel image mapped with
//! per-section rights (text read-execute, rodata read-only, data and bss read-write,
//! no-execute where the CPU supports it), the direct map of all physical memory with
//! 2 MiB pages (and of the boot loader's framebuffer, uncached, where it lies beyond),
//! and nothing in the lower half.
//!
//! Every later address space shares the kernel half (PML4 entries 256..512) of the table
//! built here.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use x86_64::registers::model_specific::{Efer, EferFlags};
use x86_64::structures::paging::mapper::MapToError;
use x86_64::structures::paging::{
    FrameAllocator, Mapper, OffsetPageTable, Page, PageTable, PageTableFlags as Flags, PhysFrame, Size2MiB, Size4KiB,
};
use x86_64::{PhysAddr, VirtAddr};

use super::{KERNEL_VIRT_OFFSET, LARGE_PAGE_SIZE, PAGE_SIZE, PHYS_OFFSET, frame, phys_to_virt};
use crate::boot_info::{BootInfo, RegionKind};
use crate::linker;

/// The direct map always covers at least the first 4 GiB (MMIO lives there).
const MIN_DIRECT_MAP: u64 = 4 << 30;

/// One past the last physical address the direct map covers (the boot map's 4 GiB at first).
static DIRECT_MAP_END: AtomicU64 = AtomicU64::new(MIN_DIRECT_MAP);
static KERNEL_PML4: AtomicU64 = AtomicU64::new(0);
static NX_ENABLED: AtomicBool = AtomicBool::new(false);

/// The page tables could not be built.
#[derive(Clone, Copy, Debug)]
pub enum PagingError {
    /// Out of frames for page tables.
    OutOfMemory,
    /// A page was mapped twice (a bug in the layout).
    AlreadyMapped(u64),
}

impl<S: x86_64::structures::paging::PageSize> From<MapToError<S>> for PagingError {
    fn from(e: MapToError<S>) -> Self {
        match e {
            MapToError::FrameAllocationFailed => Self::OutOfMemory,
            MapToError::ParentEntryHugePage | MapToError::PageAlreadyMapped(_) => Self::AlreadyMapped(0),
        }
    }
}

struct ZeroedFrames;

// SAFETY: every frame returned comes fresh from the frame allocator, zeroed, and is
// never handed out again while in use.
unsafe impl FrameAllocator<Size4KiB> for ZeroedFrames {
    fn allocate_frame(&mut self) -> Option<PhysFrame<Size4KiB>> {
        frame::alloc_zeroed().map(|p| PhysFrame::containing_address(PhysAddr::new(p)))
    }
}

/// Builds the kernel's page tables and switches to them. Returns the size of the direct map.
pub fn init(info: &BootInfo) -> Result<u64, PagingError> {
    let nx_enabled = Efer::read().contains(EferFlags::NO_EXECUTE_ENABLE);
    NX_ENABLED.store(nx_enabled, Ordering::Relaxed);
    let nx = if nx_enabled { Flags::NO_EXECUTE } else { Flags::empty() };
    let pml4_frame = frame::alloc_zeroed().ok_or(PagingError::OutOfMemory)?;
    // SAFETY: the frame is freshly allocated and zeroed, reached through the boot
    // direct map (frames come from the lowest memory first, below 4 GiB), and used only
    // as this page table from now on.
    let pml4 = unsafe { &mut *(phys_to_virt(pml4_frame) as *mut PageTable) };
    // SAFETY: the boot page tables map all frames the allocator hands out during this
    // function at PHYS_OFFSET, which is what OffsetPageTable needs.
    let mut mapper = unsafe { OffsetPageTable::new(pml4, VirtAddr::new(PHYS_OFFSET)) };

    // RAM and ACPI memory are mapped; reserved holes above 4 GiB (QEMU reserves one at
    // 1 TiB) are MMIO the kernel does not use and would cost megabytes of page tables.
    let phys_end = info
        .regions
        .iter()
        .filter(|r| r.kind != RegionKind::Reserved)
        .map(|r| r.end())
        .max()
        .unwrap_or(0)
        .max(MIN_DIRECT_MAP)
        .next_multiple_of(LARGE_PAGE_SIZE);
    let data_flags = Flags::PRESENT | Flags::WRITABLE | Flags::GLOBAL | nx;
    for paddr in (0..phys_end).step_by(LARGE_PAGE_SIZE as usize) {
        let page = Page::<Size2MiB>::containing_address(VirtAddr::new(phys_to_virt(paddr)));
        let frame = PhysFrame::<Size2MiB>::containing_address(PhysAddr::new(paddr));
        // SAFETY: the direct map aliases physical memory; Rust references into it are
        // only ever created for memory the owner allocated.
        unsafe { mapper.map_to(page, frame, data_flags | Flags::HUGE_PAGE, &mut ZeroedFrames) }?.ignore();
    }

    // A framebuffer beyond the direct map (firmware may place it above 4 GiB) joins it,
    // uncached: the memory type registers need not cover it, and a write-back cache
    // would keep pixels from the display.
    if let Some(fb) = info.framebuffer.filter(|fb| fb.addr.saturating_add(fb.len()) > phys_end) {
        let fb_flags = data_flags | Flags::NO_CACHE | Flags::WRITE_THROUGH | Flags::HUGE_PAGE;
        let start = (fb.addr - fb.addr % LARGE_PAGE_SIZE).max(phys_end);
        let end = (fb.addr + fb.len()).next_multiple_of(LARGE_PAGE_SIZE);
        for paddr in (start..end).step_by(LARGE_PAGE_SIZE as usize) {
            let page = Page::<Size2MiB>::containing_address(VirtAddr::new(phys_to_virt(paddr)));
            let frame = PhysFrame::<Size2MiB>::containing_address(PhysAddr::new(paddr));
            // SAFETY: device memory the loader reported as the framebuffer, mapped where
            // the direct map would have it; only the screen console references it.
            unsafe { mapper.map_to(page, frame, fb_flags, &mut ZeroedFrames) }?.ignore();
        }
    }

    let (text, rodata, data, end) =
        (linker::text().0, linker::rodata_start(), linker::data_start(), linker::virt_end());
    for vaddr in (text..end).step_by(PAGE_SIZE as usize) {
        let flags = if vaddr < rodata {
            Flags::PRESENT | Flags::GLOBAL
        } else if vaddr < data {
            Flags::PRESENT | Flags::GLOBAL | nx
        } else {
            data_flags
        };
        let page = Page::<Size4KiB>::containing_address(VirtAddr::new(vaddr));
        let frame = PhysFrame::<Size4KiB>::containing_address(PhysAddr::new(vaddr - KERNEL_VIRT_OFFSET));
        // SAFETY: maps the kernel image where it is linked, onto where it was loaded.
        unsafe { mapper.map_to(page, frame, flags, &mut ZeroedFrames) }?.ignore();
    }

    // SAFETY: the new table maps the kernel image at its link address (code, the stack in
    // .bss, statics) and the direct map, which is everything the kernel touches from now
    // on; the boot information was copied out beforehand.
    unsafe { crate::arch::switch::load_page_tables(pml4_frame) };
    KERNEL_PML4.store(pml4_frame, Ordering::Relaxed);
    DIRECT_MAP_END.store(phys_end, Ordering::Relaxed);
    Ok(phys_end)
}

/// One past the last physical address the direct map covers.
pub fn direct_map_end() -> u64 {
    DIRECT_MAP_END.load(Ordering::Relaxed)
}

/// Whether page tables may use the no-execute bit.
pub fn nx_enabled() -> bool {
    NX_ENABLED.load(Ordering::Relaxed)
}

/// Physical address of the kernel's PML4 (0 before [`init`]).
pub fn kernel_pml4() -> u64 {
    KERNEL_PML4.load(Ordering::Relaxed)
}

/// For a kernel virtual address, one past the end of the readable kernel mapping that
/// contains it; `addr` itself when it is not mapped for the kernel.
pub fn readable_kernel_end(addr: u64) -> u64 {
    let (image_start, image_end) = (linker::text().0, linker::virt_end());
    let direct_end = PHYS_OFFSET + DIRECT_MAP_END.load(Ordering::Relaxed);
    if (image_start..image_end).contains(&addr) {
        image_end
    } else if (PHYS_OFFSET..direct_end).contains(&addr) {
        direct_end
    } else {
        addr
    }
}
