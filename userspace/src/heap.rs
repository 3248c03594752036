//! The global allocator: first-fit heaps (`linked_list_allocator`) on anonymous memory
//! mapped on demand.
//!
//! A heap can only grow upwards into memory that directly follows it, and the kernel
//! chooses where anonymous mappings go, so the allocator keeps up to [`MAX_CHUNKS`]
//! heaps. When none can satisfy a request it maps a chunk of at least [`MIN_CHUNK`]
//! bytes: it extends the last heap if the chunk happens to follow it, and starts a new
//! heap otherwise. Nothing is mapped until the first allocation, and memory is never
//! given back to the kernel.
//!
//! The heaps sit behind one spin lock; a thread that finds it taken yields the CPU
//! rather than spin through its time slice. A signal handler must not allocate (it could
//! interrupt a holder of the lock).

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::{self, NonNull};

use linked_list_allocator::Heap;
use spin::{Mutex, MutexGuard};

use crate::mm::{self, PAGE_SIZE, PROT_READ, PROT_WRITE};

/// Most separate heaps.
pub const MAX_CHUNKS: usize = 32;
/// Smallest chunk mapped at a time.
pub const MIN_CHUNK: usize = 1 << 20;

struct Heaps {
    heaps: [Heap; MAX_CHUNKS],
    count: usize,
}

static HEAPS: Mutex<Heaps> = Mutex::new(Heaps { heaps: [const { Heap::empty() }; MAX_CHUNKS], count: 0 });

fn lock() -> MutexGuard<'static, Heaps> {
    loop {
        if let Some(guard) = HEAPS.try_lock() {
            return guard;
        }
        let _ = crate::time::sched_yield();
    }
}

impl Heaps {
    fn in_use(&mut self) -> &mut [Heap] {
        &mut self.heaps[..self.count]
    }

    fn allocate(&mut self, layout: Layout) -> *mut u8 {
        if let Some(p) = self.in_use().iter_mut().find_map(|h| h.allocate_first_fit(layout).ok()) {
            return p.as_ptr();
        }
        match self.grow(layout) {
            Some(heap) => heap.allocate_first_fit(layout).map_or(ptr::null_mut(), NonNull::as_ptr),
            None => ptr::null_mut(),
        }
    }

    /// Maps a chunk big enough for `layout` and returns the heap that now covers it.
    fn grow(&mut self, layout: Layout) -> Option<&mut Heap> {
        // Room for the worst-case alignment padding and the allocator's bookkeeping.
        let need = layout.size().checked_add(layout.align())?.checked_add(PAGE_SIZE)?;
        let size = need.max(MIN_CHUNK).checked_next_multiple_of(PAGE_SIZE)?;
        let addr = mm::map_anonymous(size, PROT_READ | PROT_WRITE).ok()?;
        if let Some(last) = self.count.checked_sub(1)
            && self.heaps[last].top() as usize == addr
        {
            // SAFETY: the new chunk is fresh memory that starts exactly at the heap's top,
            // and nothing else uses it.
            unsafe { self.heaps[last].extend(size) };
            return Some(&mut self.heaps[last]);
        }
        if self.count == MAX_CHUNKS {
            // SAFETY: the chunk was just mapped and nothing points into it.
            let _ = unsafe { mm::funmap(addr, size) };
            return None;
        }
        let heap = &mut self.heaps[self.count];
        // SAFETY: the chunk is fresh, writable, owned by this heap alone from now on, and
        // stays mapped for the life of the process.
        unsafe { heap.init(addr as *mut u8, size) };
        self.count += 1;
        Some(heap)
    }

    fn deallocate(&mut self, ptr: *mut u8, layout: Layout) {
        let Some(nn) = NonNull::new(ptr) else { return };
        if let Some(heap) = self.in_use().iter_mut().find(|h| h.bottom() <= ptr && ptr < h.top()) {
            // SAFETY: ptr lies in this heap, so it came from its allocate_first_fit with
            // this layout (GlobalAlloc's contract).
            unsafe { heap.deallocate(nn, layout) };
        }
    }
}

/// The allocator registered as `#[global_allocator]`.
pub struct Allocator;

// SAFETY: allocations come from heaps whose memory is mapped and owned by the allocator;
// the lock serialises every use of them.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        lock().allocate(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        lock().deallocate(ptr, layout);
    }
}

#[global_allocator]
static ALLOCATOR: Allocator = Allocator;

/// Bytes mapped for the heap so far.
pub fn mapped_bytes() -> usize {
    let mut heaps = lock();
    heaps.in_use().iter().map(|h| h.size()).sum()
}
