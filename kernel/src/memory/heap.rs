//! The kernel heap behind `alloc`: a linked-list allocator over one physically
//! contiguous span reached through the direct map.
//!
//! Lock order: `HEAP` is a leaf lock. Interrupt handlers never allocate.

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::NonNull;

use linked_list_allocator::Heap;
use spin::Mutex;

use super::{LARGE_PAGE_SIZE, PAGE_SIZE, frame, phys_to_virt};

/// Smallest and largest heap; in between it is an eighth of usable memory.
const MIN_HEAP: u64 = 4 << 20;
const MAX_HEAP: u64 = 128 << 20;

struct KernelHeap(Mutex<Heap>);

#[global_allocator]
static HEAP: KernelHeap = KernelHeap(Mutex::new(Heap::empty()));

// SAFETY: the allocator hands out disjoint blocks of the heap span under its lock and
// takes back only blocks it handed out (the GlobalAlloc contract binds the callers).
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.0.lock().allocate_first_fit(layout).map_or(core::ptr::null_mut(), |p| p.as_ptr())
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let Some(ptr) = NonNull::new(ptr) {
            // SAFETY: the caller passes a block this allocator returned, with its layout.
            unsafe { self.0.lock().deallocate(ptr, layout) };
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
    // SAFETY: the span was just allocated for the heap alone and is mapped read-write
    // by the direct map; `init` runs once, before anything allocates.
    unsafe { HEAP.0.lock().init(phys_to_virt(base) as *mut u8, size as usize) };
    Some(size)
}

/// Bytes in use and the heap's size.
pub fn usage() -> (usize, usize) {
    let heap = HEAP.0.lock();
    (heap.used(), heap.size())
}
