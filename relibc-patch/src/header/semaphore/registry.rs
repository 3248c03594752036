//! The process's named semaphores: which objects it has mapped, where, and how many
//! `sem_open`s of each are not yet closed.
//!
//! POSIX: "If a process makes multiple successful calls to sem_open() with the same value
//! for name, the same semaphore address shall be returned for each such successful call,
//! provided that there have been no calls to sem_unlink() for this semaphore, and at least
//! one previous successful sem_open() call for this semaphore has not been matched with a
//! sem_close() call." As glibc, an object is known by its file identity (device and
//! inode), so that an object unlinked and made anew under the same name is a new
//! semaphore, and each mapping counts its opens; the last `sem_close` unmaps it.
//!
//! The entries are a singly linked list of `malloc`ed nodes under one lock (a futex word:
//! 0 free, 1 held, 2 held and maybe slept on). A forked child inherits the list with the
//! mappings it describes. (A fork while another thread holds the lock, for the few
//! instructions of a lookup, leaves the child's copy held: the child's `sem_open` and
//! `sem_close` would wait forever. POSIX allows the child of a threaded process only
//! async-signal-safe calls until it execs, and `sem_open` and `sem_close` are not among
//! them; `sem_post` is, and needs no lock.)

use core::ptr;
use core::sync::atomic::{AtomicPtr, AtomicU32, Ordering};

use crate::header::_kestrel::{self as platform, FileId, c_void};

/// One mapped object.
struct Entry {
    id: FileId,
    address: *mut c_void,
    opens: usize,
    next: *mut Entry,
}

/// The list's head, changed only under [`LOCK`].
static HEAD: AtomicPtr<Entry> = AtomicPtr::new(ptr::null_mut());
/// The lock over the list.
static LOCK: AtomicU32 = AtomicU32::new(0);

/// Holds [`LOCK`] for its lifetime.
struct Guard;

impl Guard {
    fn lock() -> Self {
        if LOCK.compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed).is_err() {
            while LOCK.swap(2, Ordering::Acquire) != 0 {
                // Woken, changed or interrupted: look again.
                let _ = platform::futex_wait(&LOCK, 2, None);
            }
        }
        Guard
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if LOCK.swap(0, Ordering::Release) == 2 {
            platform::futex_wake(&LOCK, 1);
        }
    }
}

/// What [`add`] decided.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Added {
    /// The object was already mapped here: the caller unmaps its own new mapping and
    /// returns this address (one more open of it).
    Existing(*mut c_void),
    /// The new mapping is recorded.
    New,
}

/// Records an open of the object `id`, newly mapped at `address`; `None` when out of
/// memory for the record (the caller unmaps and fails with `ENOMEM`).
pub(crate) fn add(id: FileId, address: *mut c_void) -> Option<Added> {
    let _guard = Guard::lock();
    let mut node = HEAD.load(Ordering::Relaxed);
    while !node.is_null() {
        // SAFETY: nodes in the list are live allocations of `add`, changed only under the
        // lock, which this thread holds.
        let entry = unsafe { &mut *node };
        if entry.id == id {
            entry.opens += 1;
            return Some(Added::Existing(entry.address));
        }
        node = entry.next;
    }
    let node = platform::malloc(size_of::<Entry>()).cast::<Entry>();
    if node.is_null() {
        return None;
    }
    // SAFETY: `node` is a fresh allocation of an `Entry`'s size (malloc's alignment
    // suits any type); it becomes reachable only when it is the head, under the lock.
    unsafe { node.write(Entry { id, address, opens: 1, next: HEAD.load(Ordering::Relaxed) }) };
    HEAD.store(node, Ordering::Relaxed);
    Some(Added::New)
}

/// What [`remove`] decided.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Removed {
    /// `address` is no named semaphore of this process (`EINVAL`).
    Unknown,
    /// Other opens remain: nothing to unmap.
    StillOpen,
    /// That was the last open: the caller unmaps the semaphore.
    Last,
}

/// Records a `sem_close` of the semaphore at `address`.
pub(crate) fn remove(address: *mut c_void) -> Removed {
    let guard = Guard::lock();
    let mut prev: *mut Entry = ptr::null_mut();
    let mut node = HEAD.load(Ordering::Relaxed);
    while !node.is_null() {
        // SAFETY: as in `add`: a live node, under the lock.
        let entry = unsafe { &mut *node };
        if entry.address == address {
            entry.opens -= 1;
            if entry.opens > 0 {
                return Removed::StillOpen;
            }
            if prev.is_null() {
                HEAD.store(entry.next, Ordering::Relaxed);
            } else {
                // SAFETY: `prev` is the live node before this one, under the lock.
                unsafe { (*prev).next = entry.next };
            }
            drop(guard);
            // SAFETY: the node is out of the list, so no other thread can reach it; it
            // came from `malloc` in `add` and is freed once.
            unsafe { platform::free(node.cast()) };
            return Removed::Last;
        }
        prev = node;
        node = entry.next;
    }
    Removed::Unknown
}
