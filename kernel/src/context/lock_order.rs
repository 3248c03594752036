//! The order in which the IPC paths take their locks, written once and checked in debug
//! builds.
//!
//! A lock that takes part in the order is an [`OrderedMutex`] with a [`Level`]. A thread
//! may take a lock only when every ordered lock it holds has a lower level; in debug
//! builds taking one out of order panics with both levels named, so an inversion shows
//! up in the first test that walks the path, not as a deadlock on a second CPU. Locks of
//! one level are never held together (the IPC paths take processes' `ipc` locks one at a
//! time). Kernel code runs with interrupts disabled and never sleeps holding an ordered
//! lock (`scheduler::block` asserts it), so each CPU keeps one record of the levels it
//! holds, for whichever thread runs on it.
//!
//! A CPU waiting for an ordered lock serves TLB shootdown requests while it spins: the
//! holder may be waiting for this CPU's flush (a fault in a copy under the lock that
//! breaks a copy-on-write page, with the kernel lock held), and this CPU may be running
//! a call without the kernel lock (`kernel_lock.rs`), so only this spin can serve it.
//!
//! The order, outer first:
//! 0. the kernel lock (`kernel_lock.rs`), held by the CPU for all kernel code but the
//!    message queue calls, which take it only with no ordered lock held;
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
//! and the kernel heap. Threads are woken only after the facility's lock is dropped; the
//! scheduler's run queues (`SCHED`, a leaf) are only looked at under it, by a waiter
//! deciding whether to poll (`scheduler::others_waiting_here`).

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

/// The levels this CPU holds now, one bit each (debug builds).
#[cfg(not(test))]
fn held() -> &'static AtomicU32 {
    &crate::arch::percpu::this().held_levels
}

/// The host tests' one record.
#[cfg(test)]
static HELD: AtomicU32 = AtomicU32::new(0);

#[cfg(test)]
fn held() -> &'static AtomicU32 {
    &HELD
}

/// Records that `level` is being taken; panics (debug builds) if a lock of the same or a
/// higher level is held.
fn acquire(level: Level) {
    if cfg!(debug_assertions) {
        let held = held().load(Ordering::Relaxed);
        let mask = 1u32 << level as u8;
        assert!(held & !(mask - 1) == 0, "lock order: taking {level:?} while holding levels {held:#b}");
        self::held().store(held | mask, Ordering::Relaxed);
    }
}

fn release(level: Level) {
    if cfg!(debug_assertions) {
        held().fetch_and(!(1u32 << level as u8), Ordering::Relaxed);
    }
}

/// Whether this CPU holds no ordered lock (always true in release builds).
pub fn none_held() -> bool {
    !cfg!(debug_assertions) || held().load(Ordering::Relaxed) == 0
}

/// Takes `inner`; if it is held, waits for it serving TLB shootdown requests meanwhile
/// (see the header).
#[inline(always)]
fn lock_serving_shootdowns<T>(inner: &spin::Mutex<T>) -> spin::MutexGuard<'_, T> {
    match inner.try_lock() {
        Some(guard) => guard,
        None => lock_contended(inner),
    }
}

/// [`lock_serving_shootdowns`] when the lock is held: out of line.
#[cold]
#[inline(never)]
fn lock_contended<T>(inner: &spin::Mutex<T>) -> spin::MutexGuard<'_, T> {
    loop {
        // Spin on a load, which leaves the holder's cache line shared, and try the
        // locked instruction only once the lock looks free.
        while inner.is_locked() {
            #[cfg(not(test))]
            crate::arch::tlb::serve_requests();
            core::hint::spin_loop();
        }
        if let Some(guard) = inner.try_lock() {
            return guard;
        }
    }
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
        OrderedGuard { guard: lock_serving_shootdowns(&self.inner), level: self.level }
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

    // One test: the host's record of held levels is shared by the whole test binary.
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
