//! The kernel heap behind `alloc`: the `talc` allocator (segregated free lists, so an
//! allocation or free takes a few steps whatever the heap's fragmentation; the first-fit
//! list walk of a linked-list allocator cost more than a whole semop) over one physically
//! contiguous span reached through the direct map.
//!
//! Lock order: `HEAP` is a leaf lock. Interrupt handlers never allocate.

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::NonNull;

use spin::Mutex;
use talc::{ErrOnOom, Span, Talc};

use super::{LARGE_PAGE_SIZE, PAGE_SIZE, frame, phys_to_virt};

/// Smallest and largest heap; in between it is an eighth of usable memory.
const MIN_HEAP: u64 = 4 << 20;
const MAX_HEAP: u64 = 128 << 20;

struct KernelHeap(Mutex<Talc<ErrOnOom>>);

#[global_allocator]
static HEAP: KernelHeap = KernelHeap(Mutex::new(Talc::new(ErrOnOom)));

// SAFETY: the allocator hands out disjoint blocks of the heap span under its lock and
// takes back only blocks it handed out (the GlobalAlloc contract binds the callers).
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the GlobalAlloc contract: `layout` has a non-zero size.
        unsafe { self.0.lock().malloc(layout) }.map_or(core::ptr::null_mut(), |p| p.as_ptr())
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let Some(ptr) = NonNull::new(ptr) {
            // SAFETY: the caller passes a block this allocator returned, with its layout.
            unsafe { self.0.lock().free(ptr, layout) };
        }
    }
}

/// Size of the heap for `usable` bytes of RAM.
pub fn heap_size_for(usable: u64) -> u64 {
    (usable / 8).clamp(MIN_HEAP, MAX_HEAP).next_multiple_of(LARGE_PAGE_SIZE)
}

/// Carves the heap out of physical memory. Returns its size, or `None` if no span of
/// even the minimum size is free.
pub fn init(usable: u64) -> Option<u64> {
    let mut size = heap_size_for(usable);
    let base = loop {
        if let Some(base) = frame::alloc_contiguous(size / PAGE_SIZE, LARGE_PAGE_SIZE) {
            break base;
        }
        if size <= MIN_HEAP {
            return None;
        }
        size /= 2;
    };
    let span = Span::from_base_size(phys_to_virt(base) as *mut u8, size as usize);
    // SAFETY: the span was just allocated for the heap alone, for good, and is mapped
    // read-write by the direct map; `init` runs once, before anything allocates.
    unsafe { HEAP.0.lock().claim(span) }.ok()?;
    Some(size)
}

/// What the heap holds now: bytes in live allocations, live allocations, and the
/// heap's size.
pub struct HeapUsage {
    pub allocated_bytes: usize,
    pub allocations: usize,
    pub size: usize,
}

/// The heap's usage now (talc keeps the counts as it allocates and frees).
pub fn usage() -> HeapUsage {
    let heap = HEAP.0.lock();
    let counters = heap.get_counters();
    HeapUsage {
        allocated_bytes: counters.allocated_bytes,
        allocations: counters.allocation_count,
        size: counters.claimed_bytes,
    }
}

/// Kernel heap a call that makes new kernel objects (a process, a thread, an open file,
/// a pipe) leaves free: below it such a call is ENOMEM, so that the heap never runs out in
/// the middle of building one (an allocation that fails ends the kernel).
const HEADROOM: usize = 1 << 20;

/// Whether the heap has room for a call that makes kernel objects; ENOMEM if not.
pub fn reserve_headroom() -> Result<(), crate::errno::Errno> {
    let heap = HEAP.0.lock();
    let counters = heap.get_counters();
    if counters.available_bytes < HEADROOM { Err(crate::errno::ENOMEM) } else { Ok(()) }
}
