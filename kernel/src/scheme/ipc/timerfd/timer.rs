//! One timer: its setting, the expirations counted and not yet read, its sleeping
//! readers, and `TFD_TIMER_CANCEL_ON_SET`.
//!
//! The state is Linux's (`struct timerfd_ctx` with its hrtimer), evaluated lazily: where
//! Linux's timer interrupt fires the timer at its deadline, every call here first fires
//! it if `now` has reached the deadline ([`Timer::fire_due`]). As in Linux, a timer that
//! fired is not re-armed until a read or gettime counts the periods it missed and moves
//! the deadline past `now` (Linux does so against a short interval flooding the
//! machine); what a read returns does not depend on when the count was made.
//!
//! One deliberate difference: when the realtime clock is set back between an absolute
//! periodic timer's firing and the read, Linux's read adds "the periods up to now, minus
//! one" with no period up to now, its u64 count wraps to 0, and the read returns nothing
//! (EAGAIN, or 0 bytes for a blocking read); here the firing counts as the one expiration
//! it was.
//!
//! Invariant between calls (once the glue called [`Timer::expire`] at the deadline it
//! armed): no reader sleeps while there are expirations to read.

use alloc::collections::VecDeque;

use super::{Clock, ItimerSpec, KTIME_MAX, SetFlags, itimerspec, timespec_to_ns};
use crate::errno::{EAGAIN, ECANCELED, EINVAL, Result};
use crate::scheme::ipc::wait::{self, Outcome, WaiterId};

/// A sleeping read that a change completed: the count, or ECANCELED.
pub type Completed = wait::Completed<u64>;
/// The readers one change completed, in order.
pub type Woken = wait::Woken<u64>;

/// A read needs room for the u64 count.
const COUNT_SIZE: usize = 8;

/// A timer on one clock.
#[derive(Clone, Debug)]
pub struct Timer {
    clock: Clock,
    /// The deadline (Linux: the hrtimer's expiry). It stays when the timer fires or stops,
    /// so that gettime reports the time left as 0; 0 when disarmed.
    expires: u64,
    /// Whether the deadline is still to come (Linux: the hrtimer is queued).
    active: bool,
    /// The deadline was given relative to `now`. Linux keeps relative `CLOCK_REALTIME`
    /// timers on the monotonic clock, so a set of the realtime clock moves them with it.
    relative: bool,
    /// The period, 0 for a one-shot timer (kept when disarmed: gettime reports it).
    interval: u64,
    /// Expirations counted and not yet read, and one per noticed clock set (Linux `ticks`).
    ticks: u64,
    /// The timer fired and has not been re-armed since (Linux `expired`).
    expired: bool,
    /// `TFD_TIMER_CANCEL_ON_SET` is in effect (Linux `might_cancel`).
    cancel_on_set: bool,
    /// The realtime clock's offset from the monotonic one when the timer last checked it;
    /// `None` once a set of the realtime clock is noticed and not yet reported (Linux
    /// `moffs` at `KTIME_MAX`).
    seen_offset: Option<i64>,
    /// The realtime clock's offset as the glue last told (CLOCK_REALTIME − CLOCK_MONOTONIC).
    offset: i64,
    /// Sleeping reads, in arrival order. Their ids are the timer's own: the glue cancels
    /// a sleeper through the timer it sleeps on.
    sleepers: VecDeque<WaiterId>,
    next_waiter: u64,
}

/// Linux `hrtimer_forward` for a deadline that came: the periods from `expires` up to
/// `now` inclusive, and the deadline after them (past `now`, or `ceiling`).
fn forward(expires: u64, interval: u64, now: u64, ceiling: u64) -> (u64, u64) {
    if now < expires {
        return (0, expires);
    }
    let periods = (now - expires) / interval + 1;
    // periods * interval ≤ now − expires + interval: no overflow below 2 * KTIME_MAX.
    let next = expires.saturating_add(periods.saturating_mul(interval)).min(ceiling);
    (periods, next)
}

impl Timer {
    /// A disarmed timer on `clock`. `realtime_offset` is CLOCK_REALTIME − CLOCK_MONOTONIC
    /// now (Linux records it at creation; only `CLOCK_REALTIME` timers use it).
    pub fn new(clock: Clock, realtime_offset: i64) -> Self {
        Self {
            clock,
            expires: 0,
            active: false,
            relative: true,
            interval: 0,
            ticks: 0,
            expired: false,
            cancel_on_set: false,
            seen_offset: Some(realtime_offset),
            offset: realtime_offset,
            sleepers: VecDeque::new(),
            next_waiter: 1,
        }
    }

    /// Its clock.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Whether its deadline was given relative to the time of the setting (a relative
    /// `CLOCK_REALTIME` deadline moves with the clock, as if on the monotonic one).
    pub fn relative(&self) -> bool {
        self.relative
    }

    /// The latest deadline, which never comes: [`KTIME_MAX`] on the clock Linux keeps the
    /// timer on, so for a relative `CLOCK_REALTIME` deadline (kept on the monotonic
    /// clock) `KTIME_MAX` plus the realtime clock's offset.
    fn ceiling(&self) -> u64 {
        if self.clock == Clock::Realtime && self.relative {
            KTIME_MAX.saturating_add_signed(self.offset)
        } else {
            KTIME_MAX
        }
    }

    /// Linux's timer interrupt: the deadline came, so the timer fires once and stops.
    fn fire_due(&mut self, now: u64) {
        if self.active && now >= self.expires {
            self.active = false;
            self.expired = true;
            self.ticks = self.ticks.saturating_add(1);
        }
    }

    /// Re-arms a periodic timer that fired: the periods missed since its deadline join
    /// the count (the first was counted when it fired) and the deadline moves past `now`.
    fn rearm(&mut self, now: u64) {
        if self.expired && self.interval > 0 {
            let (periods, next) = forward(self.expires, self.interval, now, self.ceiling());
            self.ticks = self.ticks.saturating_add(periods.saturating_sub(1));
            self.expires = next;
            self.active = true;
        }
        self.expired = false;
    }

    /// Linux `timerfd_canceled`: a noticed clock set is reported (once) if
    /// `TFD_TIMER_CANCEL_ON_SET` is in effect.
    fn take_cancel(&mut self) -> bool {
        if !self.cancel_on_set || self.seen_offset.is_some() {
            return false;
        }
        self.seen_offset = Some(self.offset);
        true
    }

    /// A read with something to report: ECANCELED after a clock set (the count goes, and
    /// a timer that fired is not re-armed: Linux lets the caller re-evaluate), else the
    /// count, which it resets.
    fn take(&mut self, now: u64) -> Result<u64> {
        if self.take_cancel() {
            self.ticks = 0;
            self.expired = false;
            return Err(ECANCELED);
        }
        self.rearm(now);
        Ok(core::mem::take(&mut self.ticks))
    }

    /// Hands the count to the earliest sleeping reader, if there is one and a count (one
    /// read takes all, so at most one completes).
    fn serve(&mut self, now: u64, woken: &mut Woken) {
        if self.ticks == 0 {
            return;
        }
        if let Some(waiter) = self.sleepers.pop_front() {
            let result = self.take(now);
            woken.push(Completed { waiter, result });
        }
    }

    /// The time left and the interval, without the checks of a call.
    fn setting(&self, now: u64) -> ItimerSpec {
        itimerspec(self.interval, self.expires.saturating_sub(now))
    }

    /// `timerfd_settime(flags, new)` at `now`: the previous setting (time left, interval).
    ///
    /// Errors: a flag other than `TFD_TIMER_ABSTIME` and `TFD_TIMER_CANCEL_ON_SET`, or a
    /// bad timespec in `new` → EINVAL, with nothing changed. `TFD_TIMER_CANCEL_ON_SET`
    /// takes effect with `CLOCK_REALTIME` and `TFD_TIMER_ABSTIME` only, and is silently
    /// dropped otherwise (Linux). A zero `it_value` disarms (the interval is kept, and
    /// gettime reports it); otherwise the deadline is `it_value`, absolute with
    /// `TFD_TIMER_ABSTIME`, else from `now` (clamped at [`KTIME_MAX`] on the clock Linux
    /// keeps the timer on: see `ceiling`). The count of expirations goes. If a clock set
    /// is still to be reported and the new setting arms the timer with
    /// `TFD_TIMER_CANCEL_ON_SET`, the timer is set and the call reports the set instead
    /// (ECANCELED, no previous setting), as Linux's does; a disarming settime, or one
    /// without the flag, leaves the notice to a later read or arming. A deadline already
    /// past completes a sleeping reader, into `woken`.
    pub fn settime(&mut self, now: u64, flags: i32, new: &ItimerSpec, woken: &mut Woken) -> Result<ItimerSpec> {
        let flags = SetFlags::from_bits(flags).ok_or(EINVAL)?;
        let value = timespec_to_ns(new.it_value)?;
        let interval = timespec_to_ns(new.it_interval)?;
        self.cancel_on_set =
            self.clock == Clock::Realtime && flags.contains(SetFlags::ABSTIME | SetFlags::CANCEL_ON_SET);
        self.fire_due(now);
        // A periodic timer that fired reports the time to its next period (Linux
        // forwards it; its count goes anyway).
        if self.expired && self.interval > 0 {
            self.expires = forward(self.expires, self.interval, now, self.ceiling()).1;
        }
        let old = self.setting(now);
        self.expired = false;
        self.ticks = 0;
        self.interval = interval;
        self.relative = !flags.contains(SetFlags::ABSTIME);
        let mut result = Ok(old);
        if value == 0 {
            (self.expires, self.active) = (0, false);
        } else {
            self.expires = if self.relative { now.saturating_add(value).min(self.ceiling()) } else { value };
            self.active = true;
            if self.take_cancel() {
                result = Err(ECANCELED);
            }
        }
        self.fire_due(now);
        self.serve(now, woken);
        result
    }

    /// `timerfd_gettime` at `now`: the time left (0 when disarmed, and once a one-shot
    /// timer expired) and the interval. A periodic timer that fired is re-armed, its
    /// missed periods counted (as Linux's gettime does).
    pub fn gettime(&mut self, now: u64) -> ItimerSpec {
        self.fire_due(now);
        if self.expired && self.interval > 0 {
            self.rearm(now);
        }
        self.setting(now)
    }

    /// `read(buf_len)` at `now` on a description with `nonblock` or without: the number
    /// of expirations since the last read (every missed period of a periodic timer
    /// counts), which it resets. Errors in Linux's order: `buf_len` under 8 → EINVAL;
    /// nothing to read: EAGAIN with `nonblock`, else the caller sleeps (even when a clock
    /// set is to be reported: Linux's blocking read waits for a count first); a set of
    /// the realtime clock noticed under `TFD_TIMER_CANCEL_ON_SET` → ECANCELED, once, and
    /// the count goes. An earlier sleeper is served first (into `woken`).
    pub fn read(&mut self, now: u64, buf_len: usize, nonblock: bool, woken: &mut Woken) -> Result<Outcome<u64>> {
        if buf_len < COUNT_SIZE {
            return Err(EINVAL);
        }
        self.fire_due(now);
        self.serve(now, woken);
        if self.ticks == 0 && !nonblock {
            let waiter = WaiterId(self.next_waiter);
            self.next_waiter += 1;
            self.sleepers.push_back(waiter);
            return Ok(Outcome::Wait(waiter));
        }
        match self.take(now)? {
            0 => Err(EAGAIN),
            count => Ok(Outcome::Done(count)),
        }
    }

    /// The glue's wakeup at `now` (at or after [`Self::next_deadline`]): the timer fires
    /// and the earliest sleeping reader, if any, gets the count (into `woken`).
    pub fn expire(&mut self, now: u64, woken: &mut Woken) {
        self.fire_due(now);
        self.serve(now, woken);
    }

    /// The realtime clock was set; `realtime_offset` is now CLOCK_REALTIME −
    /// CLOCK_MONOTONIC. The glue calls this on every `CLOCK_REALTIME` timer after every
    /// set (others ignore it), then re-arms its wakeup at [`Self::next_deadline`].
    ///
    /// A relative deadline moves with the clock (it stays the same time away); an
    /// absolute one stays (and may now be past). Under `TFD_TIMER_CANCEL_ON_SET` a change
    /// of the offset since the timer last looked is noticed: the timer stays armed, it
    /// becomes readable, and the next read reports ECANCELED (a sleeping reader at once,
    /// into `woken`). `now` is the realtime clock after the set.
    pub fn clock_was_set(&mut self, now: u64, realtime_offset: i64, woken: &mut Woken) {
        if self.clock != Clock::Realtime {
            return;
        }
        let jump = realtime_offset.wrapping_sub(self.offset);
        self.offset = realtime_offset;
        if self.relative {
            // Saturating at 0 only for a deadline already past before a set to 1970.
            self.expires = self.expires.saturating_add_signed(jump).min(self.ceiling());
        }
        if self.cancel_on_set && self.seen_offset != Some(realtime_offset) {
            self.seen_offset = None;
            self.ticks = self.ticks.saturating_add(1);
        }
        self.fire_due(now);
        self.serve(now, woken);
    }

    /// A sleeping reader gives up (a timeout or a signal): `true` if it was still queued
    /// (now removed), `false` if a change already completed it.
    pub fn cancel(&mut self, waiter: WaiterId) -> bool {
        match self.sleepers.iter().position(|&w| w == waiter) {
            Some(i) => {
                self.sleepers.remove(i);
                true
            }
            None => false,
        }
    }

    /// poll at `now`: a read would not sleep (POLLIN). Linux's poll looks at the count
    /// only: a clock set still to be reported after a settime reset the count is not
    /// readable, though a non-blocking read reports it.
    pub fn readable(&self, now: u64) -> bool {
        self.ticks > 0 || (self.active && now >= self.expires)
    }

    /// The count a read at `now` would return (unless it reports a clock set instead:
    /// [`Self::cancel_pending`]), without reading it.
    pub fn expirations(&self, now: u64) -> u64 {
        let (mut ticks, mut expired) = (self.ticks, self.expired);
        if self.active && now >= self.expires {
            ticks = ticks.saturating_add(1);
            expired = true;
        }
        if expired && self.interval > 0 {
            ticks = ticks.saturating_add(forward(self.expires, self.interval, now, self.ceiling()).0.saturating_sub(1));
        }
        ticks
    }

    /// A set of the realtime clock is to be reported (ECANCELED) by the next read.
    pub fn cancel_pending(&self) -> bool {
        self.cancel_on_set && self.seen_offset.is_none()
    }

    /// When the glue must call [`Self::expire`]: the deadline on the timer's clock, if
    /// the timer is armed and has not fired.
    pub fn next_deadline(&self) -> Option<u64> {
        self.active.then_some(self.expires)
    }

    /// The sleeping readers, in arrival order.
    pub fn sleepers(&self) -> impl Iterator<Item = WaiterId> + '_ {
        self.sleepers.iter().copied()
    }
}
