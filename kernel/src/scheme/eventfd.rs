//! `/scheme/eventfd`: descriptors over a 64-bit counter (`kestrel_abi::eventfd` has the
//! call). The rules live in `ipc::eventfd`; this glue makes the descriptions, moves the
//! 8-byte values, sleeps and wakes through `ipc_glue`, and tells the event scheme when
//! readiness changes.
//!
//! Handle 0 is the root, which takes the call; every other handle is one counter with its
//! own lock and sleepers (a facility of its own for `ipc_glue`), kept while its
//! description lives: a reader or writer asleep holds the description, so the counter
//! outlives every sleeper.
//!
//! Locks: `COUNTERS` (the table, a leaf, held only to find a counter), then one counter's
//! lock (level Facility). Threads are woken and the event scheme told after it is
//! released.

use alloc::string::String;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicUsize, Ordering};

use kestrel_abi::eventfd::{EFD_CLOEXEC, EFD_NONBLOCK, EFD_SEMAPHORE, EVENTFD_CALL};
use kestrel_abi::syscall::{EVENT_READ, EVENT_WRITE, O_NONBLOCK, O_RDWR, Stat};
use spin::Mutex;

use super::handles::{HandleTable, ROOT, anonymous_stat, handle_path, install, open_root};
use super::ipc::eventfd::{self as rules, Delivery, EventFd, Woken};
use super::ipc::wait::Outcome;
use super::ipc_glue::{self, Deadline, Facility, Sleepers, Wakeups};
use super::{Caller, KernelScheme, ReadinessCell, Result, SchemeId};
use crate::context::lock_order::{Level, OrderedMutex};
use crate::errno::{EBADF, EINTR, EINVAL, EIO, EOPNOTSUPP};

/// One counter, its sleepers, and the waiters a call completed until they are handed on.
struct Counter {
    rules: EventFd,
    sleepers: Sleepers<Delivery>,
    woken: Woken,
}

impl Facility for Counter {
    type Result = Delivery;

    fn sleepers(&mut self) -> &mut Sleepers<Delivery> {
        &mut self.sleepers
    }
}

impl Counter {
    fn readiness(&self) -> usize {
        (if self.rules.readable() { EVENT_READ } else { 0 }) | (if self.rules.writable() { EVENT_WRITE } else { 0 })
    }
}

/// A counter behind its lock, and its readiness as of its last change, which `poll`
/// reads without the lock (an event loop polls far more often than it reads or writes).
struct CounterCell {
    counter: OrderedMutex<Counter>,
    readiness: ReadinessCell,
}

type Shared = Arc<CounterCell>;

/// The counters, by handle.
static COUNTERS: Mutex<HandleTable<Shared>> = Mutex::new(HandleTable::new());

fn counter(handle: usize) -> Result<Shared> {
    COUNTERS.lock().get(handle).cloned().ok_or(EBADF)
}

/// Runs a read or write's rules on `counter`, then wakes whom it completed and tells the
/// event scheme if readiness changed; a call that must wait sleeps until a change
/// completes it or a signal interrupts it (EINTR, or the call made again after a handler
/// with SA_RESTART, as for Linux's eventfd reads and writes).
fn run<T>(
    handle: usize,
    cell: &CounterCell,
    caller: &Caller<'_>,
    call: impl FnOnce(&mut EventFd, &mut Woken) -> Result<Outcome<T>>,
    from_delivery: impl FnOnce(Delivery) -> Result<T>,
) -> Result<T> {
    let mut wakeups = Wakeups::default();
    let counter = &cell.counter;
    let mut guard = counter.lock();
    let before = guard.readiness();
    let Counter { rules, woken, .. } = &mut *guard;
    let outcome = call(rules, woken);
    let Counter { sleepers, woken, .. } = &mut *guard;
    sleepers.complete(woken.drain(..), &mut wakeups);
    let now = guard.readiness();
    cell.readiness.store(now, Ordering::Relaxed);
    let changed = now != before;
    match outcome {
        Ok(Outcome::Wait(waiter)) => {
            debug_assert!(wakeups.is_empty() && !changed);
            let delivery = ipc_glue::sleep(counter, guard, caller.thread, waiter, Deadline::Never, EINTR, |c| {
                c.rules.cancel(waiter)
            })
            .map_err(ipc_glue::restartable)?;
            from_delivery(delivery)
        }
        other => {
            drop(guard);
            wakeups.wake();
            if other.is_ok() {
                // Linux wakes pollers at every read and write, so an edge-triggered
                // registration hears of each one, readiness changed or not.
                super::event::activity(SchemeId::Eventfd, handle);
            } else if changed {
                super::event::notify();
            }
            other.map(|outcome| match outcome {
                Outcome::Done(value) => value,
                Outcome::Wait(_) => unreachable!("handled above"),
            })
        }
    }
}

/// A reader completed as a writer or the other way round: a bug in the rules.
fn mismatched_delivery() -> crate::errno::Errno {
    debug_assert!(false, "a waiter was completed with the other kind of delivery");
    EIO
}

/// The eventfd scheme.
pub struct EventfdScheme;

impl EventfdScheme {
    /// eventfd: `[EVENTFD_CALL, initval, flags]`.
    fn eventfd(caller: &Caller<'_>, initval: u64, flags: u64) -> Result<usize> {
        let flags = flags as u32;
        if flags & !(EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC) != 0 {
            return Err(EINVAL);
        }
        let semaphore = if flags & EFD_SEMAPHORE != 0 { rules::Flags::SEMAPHORE.bits() } else { 0 };
        let rules = EventFd::new(initval as u32, semaphore)?;
        let counter = Counter { rules, sleepers: Sleepers::new(), woken: Woken::new() };
        let readiness = Arc::new(AtomicUsize::new(counter.readiness()));
        let counter = Arc::new(CounterCell { counter: OrderedMutex::new(Level::Facility, counter), readiness });
        let handle = COUNTERS.lock().insert(counter);
        let nonblock = if flags & EFD_NONBLOCK != 0 { O_NONBLOCK } else { 0 };
        install(caller, SchemeId::Eventfd, handle, O_RDWR | nonblock, flags & EFD_CLOEXEC != 0)
    }
}

impl KernelScheme for EventfdScheme {
    fn open(&self, path: &str, _flags: usize, _caller: &mut Caller<'_>) -> Result<usize> {
        // Counters are made by EVENTFD_CALL, which takes the initial value.
        open_root(path)
    }

    fn call(&self, handle: usize, _payload: &mut [u8], metadata: &[u64], caller: &mut Caller<'_>) -> Result<usize> {
        if handle != ROOT {
            return Err(EOPNOTSUPP);
        }
        match *metadata {
            [EVENTFD_CALL, initval, flags] => Self::eventfd(caller, initval, flags),
            _ => Err(EINVAL),
        }
    }

    fn read(&self, handle: usize, buf: &mut [u8], nonblock: bool, caller: &mut Caller<'_>) -> Result<usize> {
        let counter = counter(handle)?;
        let len = buf.len();
        let value = run(
            handle,
            &counter,
            caller,
            |rules, woken| rules.read(len, nonblock, woken),
            |delivery| match delivery {
                Delivery::Read(value) => Ok(value),
                Delivery::Written => Err(mismatched_delivery()),
            },
        )?;
        buf[..8].copy_from_slice(&value.to_ne_bytes());
        Ok(8)
    }

    fn write(&self, handle: usize, buf: &[u8], nonblock: bool, caller: &mut Caller<'_>) -> Result<usize> {
        let counter = counter(handle)?;
        let value = buf.get(..8).map_or(0, |b| u64::from_ne_bytes(b.try_into().unwrap_or_default()));
        run(
            handle,
            &counter,
            caller,
            |rules, woken| rules.write(value, buf.len(), nonblock, woken),
            |delivery| match delivery {
                Delivery::Written => Ok(()),
                Delivery::Read(_) => Err(mismatched_delivery()),
            },
        )?;
        Ok(8)
    }

    fn fstat(&self, _handle: usize) -> Result<Stat> {
        Ok(anonymous_stat())
    }

    fn fpath(&self, handle: usize) -> Result<String> {
        Ok(handle_path(handle))
    }

    fn poll(&self, handle: usize) -> usize {
        COUNTERS.lock().get(handle).map_or(0, |c| c.readiness.load(Ordering::Relaxed))
    }

    fn readiness_cell(&self, handle: usize) -> Option<ReadinessCell> {
        COUNTERS.lock().get(handle).map(|c| c.readiness.clone())
    }

    fn close(&self, handle: usize) {
        let gone = COUNTERS.lock().remove(handle);
        drop(gone);
    }
}
