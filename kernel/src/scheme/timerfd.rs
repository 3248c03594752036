//! `/scheme/timerfd`: timers as descriptors (`kestrel_abi::timerfd::call` has the calls).
//! The rules live in `ipc::timerfd`; this glue makes the descriptions, reads the clocks,
//! sleeps a reader until its timer's deadline or a change, tells every realtime timer
//! when the clock is set, and gives the event scheme the deadlines at which timers become
//! readable.
//!
//! Handle 0 is the root, which takes the calls; every other handle is one timer with its
//! own lock and sleepers (a facility of its own for `ipc_glue`), kept while its
//! description lives (a sleeping reader holds its description).
//!
//! A reader sleeps until its timer's deadline on the clock Linux keeps the timer on: an
//! absolute `CLOCK_REALTIME` deadline as a realtime one (which follows `clock_settime`),
//! a relative one as a monotonic one. At the deadline the glue lets the rules fire the
//! timer, which hands the count to the earliest reader.
//!
//! Locks: `TIMERS` (the table, a leaf, held only to find timers), then one timer's lock
//! (level Facility). Threads are woken and the event scheme told after it is released.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use kestrel_abi::syscall::{EVENT_READ, O_NONBLOCK, O_RDWR, Stat};
use kestrel_abi::timerfd::ItimerSpec;
use kestrel_abi::timerfd::call::{
    TFD_CLOEXEC, TFD_NONBLOCK, TIMERFD_CALL_CREATE, TIMERFD_CALL_GETTIME, TIMERFD_CALL_SETTIME,
};
use spin::Mutex;

use super::handles::{HandleTable, ROOT, anonymous_stat, handle_path, install, open_root};
use super::ipc::timerfd::{Clock, Timer, Woken};
use super::ipc::wait::{Completed, Outcome};
use super::ipc_glue::{self, Deadline, Facility, Sleepers, Wakeups};
use super::{Caller, KernelScheme, Result, SchemeId};
use crate::arch::clock;
use crate::context::lock_order::{Level, OrderedMutex};
use crate::errno::{EAGAIN, EBADF, EINVAL, EOPNOTSUPP};
use crate::memory::user::{Plain, bytes_of};

// SAFETY: two `struct timespec`s of two i64 each, no padding.
unsafe impl Plain for ItimerSpec {}

/// One timer, its sleeping readers, and the readers a call completed until they are
/// handed on.
struct TimerState {
    timer: Timer,
    sleepers: Sleepers<u64>,
    woken: Woken,
}

impl Facility for TimerState {
    type Result = u64;

    fn sleepers(&mut self) -> &mut Sleepers<u64> {
        &mut self.sleepers
    }
}

type Shared = Arc<OrderedMutex<TimerState>>;

/// The timers, by handle.
static TIMERS: Mutex<HandleTable<Shared>> = Mutex::new(HandleTable::new());

fn timer(handle: usize) -> Result<Shared> {
    TIMERS.lock().get(handle).cloned().ok_or(EBADF)
}

/// CLOCK_REALTIME − CLOCK_MONOTONIC now.
fn realtime_offset() -> i64 {
    clock::realtime_ns() as i64 - clock::monotonic_ns() as i64
}

/// The time on `clock` now.
fn now(clock: Clock) -> u64 {
    match clock {
        Clock::Realtime => clock::realtime_ns(),
        Clock::Monotonic | Clock::Boottime => clock::monotonic_ns(),
    }
}

/// When a reader of `timer` must look again: its deadline on the clock the timer is kept
/// on (see the module header); `Never` while it is not armed.
fn deadline_of(timer: &Timer) -> Deadline {
    match (timer.next_deadline(), timer.clock()) {
        (None, _) => Deadline::Never,
        (Some(at), Clock::Realtime) if timer.relative() => {
            Deadline::Monotonic(at.saturating_add_signed(-realtime_offset()))
        }
        (Some(at), Clock::Realtime) => Deadline::Realtime(at),
        (Some(at), _) => Deadline::Monotonic(at),
    }
}

/// Hands the readers a change completed their results and wakes them, with the lock
/// released (the caller drops `guard` through this).
fn settle(mut guard: crate::context::lock_order::OrderedGuard<'_, TimerState>) {
    let mut wakeups = Wakeups::default();
    let TimerState { sleepers, woken, .. } = &mut *guard;
    sleepers.complete(woken.drain(..), &mut wakeups);
    drop(guard);
    wakeups.wake();
}

/// The realtime clock was set: every realtime timer hears of it (cancel-on-set, relative
/// deadlines), and readers it completed wake. Called by `time::set_realtime`.
pub fn clock_was_set() {
    let timers: Vec<Shared> = TIMERS.lock().iter().cloned().collect();
    let (now, offset) = (clock::realtime_ns(), realtime_offset());
    for shared in timers {
        let mut guard = shared.lock();
        let TimerState { timer, woken, .. } = &mut *guard;
        timer.clock_was_set(now, offset, woken);
        settle(guard);
    }
}

/// The descriptor `fd` of the caller as a timer: EBADF if it is not open, EINVAL if it
/// is not a timer (Linux's answers).
fn timer_descriptor(caller: &Caller<'_>, fd: u64) -> Result<Shared> {
    let fd = usize::try_from(fd as u32 as i32).map_err(|_| EBADF)?;
    let desc = caller.process.files.lock().get(fd)?.description.clone();
    if desc.scheme != SchemeId::Timerfd || desc.handle == ROOT {
        return Err(EINVAL);
    }
    timer(desc.handle)
}

/// The timerfd scheme.
pub struct TimerfdScheme;

impl TimerfdScheme {
    /// timerfd_create: `[TIMERFD_CALL_CREATE, clockid, flags]`.
    fn create(caller: &Caller<'_>, clockid: u64, flags: u64) -> Result<usize> {
        let flags = u32::try_from(flags).map_err(|_| EINVAL)?;
        if flags & !(TFD_NONBLOCK | TFD_CLOEXEC) != 0 {
            return Err(EINVAL);
        }
        let clock = Clock::from_id(clockid as usize)?;
        let state =
            TimerState { timer: Timer::new(clock, realtime_offset()), sleepers: Sleepers::new(), woken: Woken::new() };
        let shared = Arc::new(OrderedMutex::new(Level::Facility, state));
        let handle = TIMERS.lock().insert(shared);
        let nonblock = if flags & TFD_NONBLOCK != 0 { O_NONBLOCK } else { 0 };
        install(caller, SchemeId::Timerfd, handle, O_RDWR | nonblock, flags & TFD_CLOEXEC != 0)
    }

    /// timerfd_settime: `[TIMERFD_CALL_SETTIME, fd, flags]`, the new setting's address
    /// and the old one's (or 0) in the payload.
    fn settime(caller: &Caller<'_>, fd: u64, flags: u64, payload: &[u8]) -> Result<usize> {
        if payload.len() != 16 {
            return Err(EINVAL);
        }
        let word = |i: usize| u64::from_le_bytes(payload[i * 8..i * 8 + 8].try_into().unwrap_or_default());
        let new: ItimerSpec = caller.process.read_user(word(0))?;
        let flags = i32::try_from(flags).map_err(|_| EINVAL)?;
        // The flags and the timespecs before the descriptor, as Linux checks them.
        super::ipc::timerfd::SetFlags::from_bits(flags).ok_or(EINVAL)?;
        super::ipc::timerfd::timespec_to_ns(new.it_value)?;
        super::ipc::timerfd::timespec_to_ns(new.it_interval)?;
        let shared = timer_descriptor(caller, fd)?;
        let mut guard = shared.lock();
        let TimerState { timer, woken, .. } = &mut *guard;
        let result = timer.settime(now(timer.clock()), flags, &new, woken);
        // Readers still asleep sleep until the old deadline: they look again.
        loop {
            let Some(waiter) = timer.sleepers().next() else { break };
            timer.cancel(waiter);
            woken.push(Completed { waiter, result: Err(EAGAIN) });
        }
        settle(guard);
        // The deadline changed: event queues look again.
        super::event::notify();
        // By reference: moving the 32-byte setting would be an SSE copy (a lazy FPU save).
        let old = result.as_ref().map_err(|&errno| errno)?;
        if word(1) != 0 {
            caller.process.copy_out(word(1), bytes_of(old))?;
        }
        Ok(0)
    }

    /// timerfd_gettime: `[TIMERFD_CALL_GETTIME, fd, address]`.
    fn gettime(caller: &Caller<'_>, fd: u64, address: u64) -> Result<usize> {
        let shared = timer_descriptor(caller, fd)?;
        let current = {
            let mut guard = shared.lock();
            let clock = guard.timer.clock();
            guard.timer.gettime(now(clock))
        };
        caller.process.copy_out(address, bytes_of(&current))?;
        Ok(0)
    }
}

impl KernelScheme for TimerfdScheme {
    fn open(&self, path: &str, _flags: usize, _caller: &mut Caller<'_>) -> Result<usize> {
        // Timers are made by TIMERFD_CALL_CREATE, which takes the clock.
        open_root(path)
    }

    fn call(&self, handle: usize, payload: &mut [u8], metadata: &[u64], caller: &mut Caller<'_>) -> Result<usize> {
        if handle != ROOT {
            return Err(EOPNOTSUPP);
        }
        match *metadata {
            [TIMERFD_CALL_CREATE, clockid, flags] => Self::create(caller, clockid, flags),
            [TIMERFD_CALL_SETTIME, fd, flags] => Self::settime(caller, fd, flags, payload),
            [TIMERFD_CALL_GETTIME, fd, address] => Self::gettime(caller, fd, address),
            _ => Err(EINVAL),
        }
    }

    /// The count of expirations, or a sleep until the timer's deadline (the rules fire
    /// the timer then, and the earliest reader gets the count).
    /// Not writable: Linux's file has no write operation, which `write` reports as
    /// EINVAL, though the descriptor is open for writing.
    fn write(&self, _handle: usize, _buf: &[u8], _nonblock: bool, _caller: &mut Caller<'_>) -> Result<usize> {
        Err(EINVAL)
    }

    fn read(&self, handle: usize, buf: &mut [u8], nonblock: bool, caller: &mut Caller<'_>) -> Result<usize> {
        let shared = timer(handle)?;
        let len = buf.len();
        let count = loop {
            let mut guard = shared.lock();
            let TimerState { timer, woken, .. } = &mut *guard;
            let clock = timer.clock();
            let outcome = timer.read(now(clock), len, nonblock, woken);
            let deadline = deadline_of(timer);
            match outcome {
                Ok(Outcome::Done(count)) => {
                    settle(guard);
                    break count;
                }
                Err(errno) => {
                    settle(guard);
                    return Err(errno);
                }
                Ok(Outcome::Wait(waiter)) => {
                    // EAGAIN stands for "the deadline came, or the setting changed": read
                    // again, which fires the timer or sleeps until its new deadline.
                    let slept = ipc_glue::sleep(&shared, guard, caller.thread, waiter, deadline, EAGAIN, |t| {
                        t.timer.cancel(waiter)
                    });
                    match slept {
                        Ok(count) => break count,
                        Err(EAGAIN) => continue,
                        Err(errno) => return Err(ipc_glue::restartable(errno)),
                    }
                }
            }
        };
        // Not readable any more: edge-triggered registrations see it false.
        super::event::notify();
        buf[..8].copy_from_slice(&count.to_ne_bytes());
        Ok(8)
    }

    fn fstat(&self, _handle: usize) -> Result<Stat> {
        Ok(anonymous_stat())
    }

    fn fpath(&self, handle: usize) -> Result<String> {
        Ok(handle_path(handle))
    }

    fn poll(&self, handle: usize) -> usize {
        let Ok(shared) = timer(handle) else { return 0 };
        let guard = shared.lock();
        let clock = guard.timer.clock();
        if guard.timer.readable(now(clock)) { EVENT_READ } else { 0 }
    }

    /// The monotonic time at which the timer becomes readable, for event queues.
    fn next_deadline(&self, handle: usize) -> Option<u64> {
        let shared = timer(handle).ok()?;
        let guard = shared.lock();
        match deadline_of(&guard.timer) {
            Deadline::Never => None,
            Deadline::Monotonic(at) => Some(at),
            Deadline::Realtime(at) => Some(at.saturating_add_signed(-realtime_offset())),
        }
    }

    fn close(&self, handle: usize) {
        let gone = TIMERS.lock().remove(handle);
        drop(gone);
    }
}
