//! The real-time interval timer of each process (`setitimer(ITIMER_REAL)`, `alarm`): at
//! its expiry the process gets SIGALRM (`SI_KERNEL`, as Linux's timer sends it).
//!
//! Armed timers are kept in one map ordered by deadline, which the timer interrupt looks
//! at on every tick (whether user code or the idle thread was running), so a timer fires
//! within a tick of its deadline even while the process computes in user mode. As on
//! Linux, an interval timer reloads when its SIGALRM is taken (delivered or waited for),
//! not when it fires: until then it reads as disarmed with its interval kept, and one
//! that fires while SIGALRM is ignored never reloads. The reload keeps the timer's phase
//! (the next multiple of the interval after the last expiry that is still ahead).
//!
//! A fork child starts without a timer; exec keeps it. Lock order: a process's `itimer`,
//! then `ARMED` (the tick takes `ARMED` alone, then each process's timer after).

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use kestrel_abi::signal::SIGALRM;
use spin::Mutex;

use super::Process;
use crate::arch::clock;

/// One process's timer, guarded by `Process::itimer`.
#[derive(Debug, Default)]
pub struct RealTimer {
    /// The monotonic deadline (ns) while armed (and in [`ARMED`] under it).
    deadline: Option<u64>,
    /// The reload interval (ns); 0 for a one-shot timer.
    interval: u64,
    /// When it last fired: where a reload counts its intervals from.
    last_expiry: u64,
}

/// The armed timers by deadline (then pid).
static ARMED: Mutex<BTreeMap<(u64, u32), Weak<Process>>> = Mutex::new(BTreeMap::new());
/// The first deadline in [`ARMED`] (`u64::MAX`: none), read without the lock on each tick.
static EARLIEST: AtomicU64 = AtomicU64::new(u64::MAX);

fn update_earliest(armed: &BTreeMap<(u64, u32), Weak<Process>>) {
    let first = armed.first_key_value().map_or(u64::MAX, |(&(deadline, _), _)| deadline);
    EARLIEST.store(first, Ordering::Relaxed);
}

fn arm(process: &Arc<Process>, timer: &mut RealTimer, deadline: u64) {
    timer.deadline = Some(deadline);
    let mut armed = ARMED.lock();
    armed.insert((deadline, process.pid), Arc::downgrade(process));
    update_earliest(&armed);
}

fn disarm_locked(process: &Process, timer: &mut RealTimer) {
    if let Some(deadline) = timer.deadline.take() {
        let mut armed = ARMED.lock();
        armed.remove(&(deadline, process.pid));
        update_earliest(&armed);
    }
}

/// The time left (ns) before `timer` fires, 0 if disarmed; a timer whose deadline has
/// passed but has not fired yet reports 1 µs, as Linux does ("still active").
fn remaining(timer: &RealTimer, now: u64) -> u64 {
    match timer.deadline {
        Some(deadline) if deadline > now => deadline - now,
        Some(_) => 1_000,
        None => 0,
    }
}

/// The timer as `getitimer` reports it: the time left and the interval (ns).
pub fn get(process: &Process) -> (u64, u64) {
    let timer = process.itimer.lock();
    (remaining(&timer, clock::monotonic_ns()), timer.interval)
}

/// `setitimer`: arms the timer to fire `value` ns from now and then every `interval` ns
/// (0: once), or disarms it if `value` is 0; returns what [`get`] returned before.
pub fn set(process: &Arc<Process>, value: u64, interval: u64) -> (u64, u64) {
    let now = clock::monotonic_ns();
    let mut timer = process.itimer.lock();
    let old = (remaining(&timer, now), timer.interval);
    disarm_locked(process, &mut timer);
    if value == 0 {
        timer.interval = 0;
    } else {
        timer.interval = interval;
        arm(process, &mut timer, now.saturating_add(value));
    }
    old
}

/// Disarms the timer of a process that is ending.
pub fn disarm(process: &Process) {
    let mut timer = process.itimer.lock();
    disarm_locked(process, &mut timer);
    timer.interval = 0;
}

/// SIGALRM was taken: an interval timer that fired reloads (Linux's `dequeue_signal`).
pub fn reload(process: &Arc<Process>) {
    let mut timer = process.itimer.lock();
    if timer.deadline.is_some() || timer.interval == 0 {
        return;
    }
    // As `hrtimer_forward`: the first expiry after now, counted from the last one.
    let now = clock::monotonic_ns();
    let periods = now.saturating_sub(timer.last_expiry) / timer.interval + 1;
    let next = timer.last_expiry.saturating_add(periods.saturating_mul(timer.interval));
    arm(process, &mut timer, next);
}

/// The timer interrupt: fires every timer whose deadline has passed.
pub fn on_timer_tick(now: u64) {
    if EARLIEST.load(Ordering::Relaxed) > now {
        return;
    }
    let mut expired = Vec::new();
    {
        let mut armed = ARMED.lock();
        while let Some(entry) = armed.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let ((deadline, _), process) = entry.remove_entry();
            expired.push((deadline, process));
        }
        update_earliest(&armed);
    }
    for (deadline, process) in expired {
        let Some(process) = process.upgrade() else { continue };
        {
            let mut timer = process.itimer.lock();
            if timer.deadline != Some(deadline) {
                continue;
            }
            timer.deadline = None;
            timer.last_expiry = deadline;
        }
        super::signal::send(&process, SIGALRM);
    }
}

/// `alarm`'s result from a timer's time left: whole seconds, rounded to the nearest, but
/// never 0 for a timer that was armed (Linux's `alarm_setitimer`).
pub fn alarm_seconds(remaining_ns: u64) -> u64 {
    let (seconds, nanos) = (remaining_ns / 1_000_000_000, remaining_ns % 1_000_000_000);
    if (seconds == 0 && nanos != 0) || nanos >= 500_000_000 { seconds + 1 } else { seconds }
}
