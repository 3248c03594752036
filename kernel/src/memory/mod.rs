//! Physical and virtual memory: the frame allocator, the kernel's page tables and direct
//! map of physical memory, and the kernel heap.
//!
//! Layout of the kernel half of every address space:
//! - `PHYS_OFFSET..`: all physical memory, mapped read-write, no-execute (the direct map).
//! - `KERNEL_VIRT_OFFSET..`: the kernel image, as linked.

pub mod frame_bitmap;
pub mod table_walk;

#[cfg(not(test))]
pub mod address_space;
#[cfg(not(test))]
pub mod fork_share;
#[cfg(not(test))]
pub mod frame;
#[cfg(not(test))]
pub mod heap;
#[cfg(not(test))]
pub mod paging;
#[cfg(not(test))]
pub mod shared;
#[cfg(not(test))]
pub mod shared_map;
#[cfg(not(test))]
pub mod user;

/// Size of a page and of a physical frame.
pub const PAGE_SIZE: u64 = 4096;
/// Size of a large page.
pub const LARGE_PAGE_SIZE: u64 = 2 * 1024 * 1024;
/// Where the direct map of physical memory starts.
pub const PHYS_OFFSET: u64 = 0xffff_8000_0000_0000;
/// Where the kernel image is linked.
pub const KERNEL_VIRT_OFFSET: u64 = 0xffff_ffff_8000_0000;
/// Physical memory below this is left alone (BIOS data, real-mode IVT, option ROMs).
pub const LOW_MEMORY_END: u64 = 0x10_0000;

/// The direct-map virtual address of physical address `paddr`.
pub const fn phys_to_virt(paddr: u64) -> u64 {
    PHYS_OFFSET + paddr
}
