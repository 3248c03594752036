//! The order in which the IPC paths take their locks, written once and checked in debug
//! builds.
//!
//! A lock that takes part in the order is an [`OrderedMutex`] with a [`Level`]. A thread
//! may take a lock only when every ordered lock it holds has a lower level; in debug
//! builds taking one out of order panics with both levels named, so an inversion shows
//! up in the first test that walks the path, not as a deadlock on a second CPU. Locks of
//! one level are never held together (the IPC paths take processes' `ipc` locks one at a
//! time). Kernel code runs on one CPU at a time (the kernel lock, `kernel_lock.rs`) with
//! interrupts disabled and never sleeps holding an ordered lock (`scheduler::block`
//! asserts it), so one record of the held levels serves every thread and every CPU.
//!
//! The order, outer first:
//! 0. the kernel lock (`kernel_lock.rs`), held by the CPU for all kernel code; every
//!    lock below is taken under it;
//! 1. [`Level::Creds`]: the caller's credentials, held across a facility's call so that
//!    its permission checks see one set of ids without copying them;
//! 2. [`Level::Facility`]: a facility's state (`SEMS`, `MSGS`), its rules and sleepers;
//! 3. [`Level::ProcessTable`]: the table of processes, to reach another process's state
//!    (SETVAL clearing every process's adjustments);
//! 4. [`Level::ProcessIpc`]: one process's IPC state (its SEM_UNDO adjustments);
//! 5. [`Level::Space`]: a process's address space (msgrcv checks its buffer under
//!    `MSGS`; shmat maps under nothing else);
//! 6. [`Level::Segments`]: the System V shared memory segments (`SHMS`), told of every
//!    mapping of a segment that appears or goes, which happens under the address space's
//!    lock (`memory::shared`).
//!
//! Leaves below all of these: a shared memory object's frame list, the frame allocator
//! and the kernel heap. The scheduler's locks are not taken under them: threads are woken
//! only after the facility's lock is dropped.

use core::sync::atomic::{AtomicU32, Ordering};

/// A lock's place in the order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Level {
    Creds = 1,
    Facility = 2,
    ProcessTable = 3,
    ProcessIpc = 4,
    Space = 5,
    Segments = 6,
}

/// The levels held now, one bit each.
static HELD: AtomicU32 = AtomicU32::new(0);

/// Records that `level` is being taken; panics (debug builds) if a lock of the same or a
/// higher level is held.
fn acquire(level: Level) {
    if cfg!(debug_assertions) {
        let held = HELD.load(Ordering::Relaxed);
        let mask = 1u32 << level as u8;
        assert!(held & !(mask - 1) == 0, "lock order: taking {level:?} while holding levels {held:#b}");
        HELD.store(held | mask, Ordering::Relaxed);
    }
}

fn release(level: Level) {
    if cfg!(debug_assertions) {
        HELD.fetch_and(!(1u32 << level as u8), Ordering::Relaxed);
    }
}

/// Whether no ordered lock is held (always true in release builds).
pub fn none_held() -> bool {
    HELD.load(Ordering::Relaxed) == 0
}

/// A spin lock with a place in the order.
pub struct OrderedMutex<T> {
    level: Level,
    inner: spin::Mutex<T>,
}

impl<T> OrderedMutex<T> {
    /// `value` behind a lock of level `level`.
    pub const fn new(level: Level, value: T) -> Self {
        Self { level, inner: spin::Mutex::new(value) }
    }

    /// Takes the lock.
    pub fn lock(&self) -> OrderedGuard<'_, T> {
        acquire(self.level);
        OrderedGuard { guard: self.inner.lock(), level: self.level }
    }
}

/// The guard of an [`OrderedMutex`].
pub struct OrderedGuard<'a, T> {
    guard: spin::MutexGuard<'a, T>,
    level: Level,
}

impl<T> Drop for OrderedGuard<'_, T> {
    fn drop(&mut self) {
        release(self.level);
    }
}

impl<T> core::ops::Deref for OrderedGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> core::ops::DerefMut for OrderedGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // One test: the record of held levels is shared by the whole test binary's use of it.
    #[test]
    fn order_is_enforced_and_released() {
        let creds = OrderedMutex::new(Level::Creds, 1);
        let facility = OrderedMutex::new(Level::Facility, 2);
        let table = OrderedMutex::new(Level::ProcessTable, 3);
        {
            let _c = creds.lock();
            let _f = facility.lock();
            drop(table.lock());
            let _t = table.lock();
        }
        assert!(none_held());
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _f = facility.lock();
            let _c = creds.lock();
        }));
        assert!(result.is_err(), "taking Creds under Facility must panic in debug builds");
        HELD.store(0, Ordering::Relaxed);
        let other_facility = OrderedMutex::new(Level::Facility, 0);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _a = facility.lock();
            let _b = other_facility.lock();
        }));
        assert!(result.is_err(), "two locks of one level are never held together");
        HELD.store(0, Ordering::Relaxed);
    }
}
