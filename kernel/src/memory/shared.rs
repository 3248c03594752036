//! Shared memory objects: memory that several address spaces map at once, the one kind
//! behind System V segments, POSIX shared memory objects (`/scheme/shm/NAME`) and
//! anonymous `MAP_SHARED` mappings.
//!
//! An object is a size and the frames behind its pages, each allocated (zero-filled) at
//! the first touch through any mapping and owned by the object, not by the address spaces
//! that map it: their entries carry `SHARED_BIT`, so unmapping never frees the frame.
//! The object is reference-counted (`Arc`): each mapping of it (a [`SharedRegion`] of an
//! address space), its System V segment and its POSIX name or descriptors hold a
//! reference, and the frames go back to the allocator when the last one is dropped.
//!
//! An object may have an [`Observer`], told whenever a mapping of it appears or goes
//! (System V counts attachments that way: `shm_nattch`, `shm_lpid`, the times, and the
//! removal of a segment marked SHM_DEST at its last detach).
//!
//! Lock order: an object's `frames` lock is taken under an address space's lock and takes
//! only the frame allocator's. An observer is called with the address space's lock held
//! (`context::lock_order`: its own lock is a leaf below it).
//!
//! [`SharedRegion`]: super::shared_map::SharedRegion

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};

use spin::Mutex;

use super::frame;

/// Told when a mapping of an object appears or goes.
pub trait Observer: Sync {
    /// A mapping of `object` (with the object's tag) appeared in the calling process.
    fn attached(&self, object: &Arc<SharedMemory>, tag: i64);
    /// A mapping of `object` went from the calling process's address space.
    fn detached(&self, object: &Arc<SharedMemory>, tag: i64);
}

/// The frames of an object's touched pages: page indices, sorted, and their frames at the
/// same positions. Vectors rather than a map, so that growing them can fail with ENOMEM
/// instead of aborting; two of them rather than one of pairs, because writing a 16-byte
/// pair takes an SSE store, and the first SSE instruction of a system call or page fault
/// costs a lazy FPU save (`arch::fpu`).
#[derive(Default)]
struct Frames {
    index: Vec<u64>,
    frame: Vec<u64>,
}

/// Shared memory objects alive (System V segments, POSIX objects, memfds, shared
/// anonymous mappings), for the `sys` scheme's census.
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// Shared memory objects alive now.
pub fn live_objects() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// A shared memory object.
pub struct SharedMemory {
    /// The pages touched so far and their frames (see [`Frames`]).
    frames: Mutex<Frames>,
    /// The size in pages: a page at or past it has no memory (a touch there is SIGBUS).
    pages: AtomicU64,
    /// Mappings of the object in all address spaces.
    mappings: AtomicUsize,
    observer: Option<&'static dyn Observer>,
    /// What the observer knows the object by (a System V shmid), once it is known.
    tag: AtomicI64,
}

impl SharedMemory {
    /// A new object of `pages` pages, none of them backed yet.
    pub fn new(pages: u64, observer: Option<&'static dyn Observer>) -> Arc<Self> {
        let object = Self {
            frames: Mutex::new(Frames::default()),
            pages: AtomicU64::new(pages),
            mappings: AtomicUsize::new(0),
            observer,
            tag: AtomicI64::new(-1),
        };
        LIVE.fetch_add(1, Ordering::Relaxed);
        Arc::new(object)
    }

    /// The size in pages.
    pub fn pages(&self) -> u64 {
        self.pages.load(Ordering::Relaxed)
    }

    /// Sets what the observer knows the object by.
    pub fn set_tag(&self, tag: i64) {
        self.tag.store(tag, Ordering::Relaxed);
    }

    /// Pages backed by a frame now.
    pub fn resident_pages(&self) -> u64 {
        self.frames.lock().index.len() as u64
    }

    /// The frame of page `index`, allocated and zeroed at the first call: `None` past the
    /// object's end or when no memory is left.
    pub fn frame(&self, index: u64) -> Option<u64> {
        if index >= self.pages() {
            return None;
        }
        let mut frames = self.frames.lock();
        let at = match frames.index.binary_search(&index) {
            Ok(at) => return Some(frames.frame[at]),
            Err(at) => at,
        };
        frames.index.try_reserve(1).ok()?;
        frames.frame.try_reserve(1).ok()?;
        let frame = frame::alloc_zeroed()?;
        frames.index.insert(at, index);
        frames.frame.insert(at, frame);
        Some(frame)
    }

    /// The frame of page `index` if it has one already.
    pub fn existing_frame(&self, index: u64) -> Option<u64> {
        let frames = self.frames.lock();
        frames.index.binary_search(&index).ok().map(|at| frames.frame[at])
    }

    /// Changes the size (`ftruncate`). Growing adds pages without memory. Shrinking frees
    /// the frames past the new end at once if nothing maps the object; a mapped object
    /// keeps them until it is dropped, because mappings may still point at them (a
    /// deliberate difference: Linux takes the pages from every mapping, and a later touch
    /// there is SIGBUS; here a page already touched stays readable through the mappings
    /// that had it, and only untouched ones fault).
    pub fn resize(&self, pages: u64) {
        self.pages.store(pages, Ordering::Relaxed);
        if self.mappings.load(Ordering::Relaxed) == 0 {
            let mut frames = self.frames.lock();
            let keep = frames.index.partition_point(|&i| i < pages);
            frames.index.truncate(keep);
            let gone = frames.frame.split_off(keep);
            drop(frames);
            gone.into_iter().for_each(free_frame);
        }
    }

    /// Counts a new mapping and tells the observer.
    pub(super) fn mapped(self: &Arc<Self>) {
        self.mappings.fetch_add(1, Ordering::Relaxed);
        if let Some(observer) = self.observer {
            observer.attached(self, self.tag.load(Ordering::Relaxed));
        }
    }

    /// Counts a mapping gone and tells the observer.
    pub(super) fn unmapped(self: &Arc<Self>) {
        self.mappings.fetch_sub(1, Ordering::Relaxed);
        if let Some(observer) = self.observer {
            observer.detached(self, self.tag.load(Ordering::Relaxed));
        }
    }

    /// Whether the object is a System V segment (it has an observer counting attachments).
    pub fn is_segment(&self) -> bool {
        self.observer.is_some()
    }
}

impl Drop for SharedMemory {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::Relaxed);
        core::mem::take(&mut self.frames.get_mut().frame).into_iter().for_each(free_frame);
    }
}

fn free_frame(frame: u64) {
    if let Err(e) = frame::free(frame) {
        log::error!("shared memory frame {frame:#x} was already free: {e:?}");
    }
}
