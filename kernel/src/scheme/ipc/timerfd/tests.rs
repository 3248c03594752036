//! Unit tests of the timerfd rules, one rule at a time. The property tests are in
//! `properties.rs`.

use super::*;
use crate::errno::{EAGAIN, ECANCELED, EINVAL};
use crate::scheme::ipc::wait::Outcome;

const S: u64 = NSEC_PER_SEC as u64;
const ABS: i32 = TFD_TIMER_ABSTIME;
const CANCEL: i32 = TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET;

fn ts(ns: u64) -> Timespec {
    ns_to_timespec(ns)
}

fn spec(interval: u64, value: u64) -> ItimerSpec {
    itimerspec(interval, value)
}

fn set(t: &mut Timer, now: u64, flags: i32, interval: u64, value: u64) -> Result<ItimerSpec> {
    let mut woken = Woken::new();
    let r = t.settime(now, flags, &spec(interval, value), &mut woken);
    assert!(woken.is_empty());
    r
}

fn read(t: &mut Timer, now: u64) -> Result<Outcome<u64>> {
    let mut woken = Woken::new();
    let r = t.read(now, 8, true, &mut woken);
    assert!(woken.is_empty());
    r
}

#[test]
fn clocks_and_create_flags() {
    use kestrel_abi::syscall::{CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME};
    assert_eq!(Clock::from_id(CLOCK_REALTIME), Ok(Clock::Realtime));
    assert_eq!(Clock::from_id(CLOCK_MONOTONIC), Ok(Clock::Monotonic));
    assert_eq!(Clock::from_id(CLOCK_BOOTTIME), Ok(Clock::Boottime));
    assert_eq!(Clock::from_id(0), Err(EINVAL));
    assert_eq!(Clock::from_id(8), Err(EINVAL), "no alarm clocks");
    assert_eq!(create_args(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC), Ok((Clock::Monotonic, CreateFlags::all())));
    assert_eq!(create_args(CLOCK_MONOTONIC, 1), Err(EINVAL));
    assert_eq!(create_args(99, 0), Err(EINVAL));
}

#[test]
fn timespecs_are_checked_and_clamped_as_linux() {
    assert_eq!(timespec_to_ns(Timespec { tv_sec: 1, tv_nsec: 5 }), Ok(S + 5));
    assert_eq!(timespec_to_ns(Timespec { tv_sec: -1, tv_nsec: 0 }), Err(EINVAL));
    assert_eq!(timespec_to_ns(Timespec { tv_sec: 0, tv_nsec: -1 }), Err(EINVAL));
    assert_eq!(timespec_to_ns(Timespec { tv_sec: 0, tv_nsec: 1_000_000_000 }), Err(EINVAL));
    assert_eq!(timespec_to_ns(Timespec { tv_sec: 0, tv_nsec: 999_999_999 }), Ok(999_999_999));
    assert_eq!(timespec_to_ns(Timespec { tv_sec: 9_223_372_035, tv_nsec: 999_999_999 }), Ok(9_223_372_035_999_999_999));
    assert_eq!(timespec_to_ns(Timespec { tv_sec: 9_223_372_036, tv_nsec: 0 }), Ok(KTIME_MAX));
    assert_eq!(timespec_to_ns(Timespec { tv_sec: i64::MAX, tv_nsec: 0 }), Ok(KTIME_MAX));
    assert_eq!(ns_to_timespec(KTIME_MAX), Timespec { tv_sec: 9_223_372_036, tv_nsec: 854_775_807 });
    assert_eq!(core::mem::size_of::<ItimerSpec>(), 32);
}

#[test]
fn settime_checks_flags_and_values_first() {
    let mut t = Timer::new(Clock::Monotonic, 0);
    set(&mut t, 0, 0, 0, 10).unwrap();
    for flags in [4, 8, -1, 1 << 20] {
        assert_eq!(set(&mut t, 1, flags, 0, 50), Err(EINVAL), "flags {flags}");
    }
    let bad = ItimerSpec { it_interval: Timespec { tv_sec: 0, tv_nsec: -1 }, it_value: ts(5) };
    assert_eq!(t.settime(1, 0, &bad, &mut Woken::new()), Err(EINVAL));
    let bad = ItimerSpec { it_interval: ts(0), it_value: Timespec { tv_sec: -1, tv_nsec: 0 } };
    assert_eq!(t.settime(1, 0, &bad, &mut Woken::new()), Err(EINVAL));
    assert_eq!(t.gettime(1), spec(0, 9), "nothing changed");
    assert!(set(&mut t, 1, TFD_TIMER_CANCEL_ON_SET, 0, 50).is_ok(), "CANCEL_ON_SET without ABSTIME is accepted");
    assert!(set(&mut t, 1, CANCEL, 0, 50).is_ok(), "and on a monotonic clock");
}

#[test]
fn relative_and_absolute_deadlines() {
    let mut t = Timer::new(Clock::Monotonic, 0);
    assert_eq!(t.gettime(100), spec(0, 0), "disarmed");
    assert_eq!(set(&mut t, 100, 0, 0, 50), Ok(spec(0, 0)));
    assert_eq!(t.next_deadline(), Some(150));
    assert_eq!(t.gettime(120), spec(0, 30));
    assert_eq!(set(&mut t, 130, ABS, 7, 1000), Ok(spec(0, 20)), "the old setting");
    assert_eq!(t.gettime(130), spec(7, 870));
    assert_eq!(set(&mut t, 140, 0, 9, 0), Ok(spec(7, 860)));
    assert_eq!((t.gettime(140), t.next_deadline()), (spec(9, 0), None), "disarmed, the interval kept");
    assert_eq!(set(&mut t, 140, 0, 0, KTIME_MAX), Ok(spec(9, 0)));
    assert_eq!(t.next_deadline(), Some(KTIME_MAX), "clamped");
    assert_eq!(t.gettime(140), spec(0, KTIME_MAX - 140));
}

#[test]
fn a_one_shot_timer_expires_once() {
    let mut t = Timer::new(Clock::Monotonic, 0);
    set(&mut t, 0, 0, 0, 10).unwrap();
    assert_eq!((read(&mut t, 9), t.readable(9)), (Err(EAGAIN), false));
    assert!(t.readable(10), "the deadline itself expires");
    assert_eq!(t.expirations(500), 1);
    assert_eq!(t.gettime(11), spec(0, 0), "an expired one-shot timer reports 0 left");
    assert_eq!(read(&mut t, 500), Ok(Outcome::Done(1)));
    assert_eq!((read(&mut t, 900), t.readable(900), t.next_deadline()), (Err(EAGAIN), false, None));
    let mut woken = Woken::new();
    assert_eq!(t.read(900, 7, true, &mut woken), Err(EINVAL), "a buffer under 8 bytes");
    assert_eq!(t.read(900, 7, false, &mut woken), Err(EINVAL), "before sleeping");
}

#[test]
fn periodic_timers_count_every_missed_period() {
    let mut t = Timer::new(Clock::Monotonic, 0);
    set(&mut t, 0, 0, 10, 5).unwrap();
    assert_eq!((t.expirations(4), t.expirations(5), t.expirations(14), t.expirations(15)), (0, 1, 1, 2));
    assert_eq!(read(&mut t, 37), Ok(Outcome::Done(4)), "5, 15, 25, 35");
    assert_eq!(t.next_deadline(), Some(45));
    assert_eq!(t.gettime(40), spec(10, 5));
    // gettime re-arms a fired timer and keeps its count.
    assert_eq!(t.gettime(50), spec(10, 5), "next at 55");
    assert_eq!(t.gettime(66), spec(10, 9), "next at 75");
    assert_eq!(read(&mut t, 75), Ok(Outcome::Done(4)), "45, 55, 65, 75");
    // A settime of a fired periodic timer reports the time to its next period.
    assert_eq!(set(&mut t, 90, 0, 0, 0), Ok(spec(10, 5)));
    assert_eq!(read(&mut t, 1000), Err(EAGAIN), "the count went with the settime");
}

#[test]
fn counting_does_not_overflow() {
    let mut t = Timer::new(Clock::Monotonic, 0);
    set(&mut t, 0, ABS, 1, 1).unwrap();
    let now = KTIME_MAX - 1;
    assert_eq!(t.expirations(now), now);
    assert_eq!(read(&mut t, now), Ok(Outcome::Done(now)));
    assert_eq!(t.next_deadline(), Some(KTIME_MAX));
    set(&mut t, 0, ABS, KTIME_MAX, 1).unwrap();
    assert_eq!(read(&mut t, now), Ok(Outcome::Done(1)));
    assert_eq!(t.next_deadline(), Some(KTIME_MAX), "the next period saturates");
}

#[test]
fn a_sleeping_reader_gets_the_count_at_expiry() {
    let mut t = Timer::new(Clock::Boottime, 0);
    set(&mut t, 0, 0, 0, 10).unwrap();
    let mut woken = Woken::new();
    let Ok(Outcome::Wait(a)) = t.read(1, 8, false, &mut woken) else { panic!("sleeps") };
    let Ok(Outcome::Wait(b)) = t.read(2, 8, false, &mut woken) else { panic!("sleeps") };
    t.expire(9, &mut woken);
    assert!(woken.is_empty());
    t.expire(12, &mut woken);
    assert_eq!(woken, [Completed { waiter: a, result: Ok(1) }], "the first sleeper, alone");
    assert_eq!(t.sleepers().collect::<alloc::vec::Vec<_>>(), [b]);
    assert!(t.cancel(b) && !t.cancel(b) && !t.cancel(a));
    // A settime to a deadline already past completes a sleeper at once.
    let Ok(Outcome::Wait(c)) = t.read(20, 8, false, &mut woken) else { panic!("sleeps") };
    woken.clear();
    assert_eq!(t.settime(20, ABS, &spec(0, 5), &mut woken), Ok(spec(0, 0)));
    assert_eq!(woken, [Completed { waiter: c, result: Ok(1) }]);
}

#[test]
fn cancel_on_set_reports_a_clock_set_once() {
    let mut t = Timer::new(Clock::Realtime, 1000);
    let mut woken = Woken::new();
    set(&mut t, 5000, CANCEL, 0, 9000).unwrap();
    t.clock_was_set(5000, 1000, &mut woken);
    assert!(!t.readable(5000) && !t.cancel_pending(), "the offset did not change");
    t.clock_was_set(6000, 2000, &mut woken);
    assert!(t.readable(6000) && t.cancel_pending());
    assert_eq!(read(&mut t, 6000), Err(ECANCELED));
    assert_eq!((read(&mut t, 6001), t.readable(6001)), (Err(EAGAIN), false), "once");
    assert_eq!(t.gettime(6001), spec(0, 2999), "still armed, at its absolute deadline");
    assert_eq!(read(&mut t, 9000), Ok(Outcome::Done(1)));
    // A sleeping reader gets ECANCELED at the set.
    set(&mut t, 9000, CANCEL, 0, 20000).unwrap();
    let Ok(Outcome::Wait(w)) = t.read(9000, 8, false, &mut woken) else { panic!("sleeps") };
    t.clock_was_set(9500, 1500, &mut woken);
    assert_eq!(woken, [Completed { waiter: w, result: Err(ECANCELED) }]);
    assert_eq!(t.gettime(9500), spec(0, 10500));
}

#[test]
fn a_canceled_read_leaves_a_fired_periodic_timer_stopped() {
    let mut t = Timer::new(Clock::Realtime, 0);
    let mut woken = Woken::new();
    set(&mut t, 0, CANCEL, 10, 100).unwrap();
    t.clock_was_set(150, 50, &mut woken);
    assert_eq!(t.expirations(150), 1 + 6, "the set, and the periods 100, 110, .. 150 (a read reports ECANCELED)");
    assert_eq!(read(&mut t, 155), Err(ECANCELED));
    assert_eq!((t.gettime(500), t.next_deadline()), (spec(10, 0), None), "Linux does not re-arm it");
    // Not fired at the set: it stays armed.
    set(&mut t, 500, CANCEL, 10, 600).unwrap();
    t.clock_was_set(510, 60, &mut woken);
    assert_eq!(read(&mut t, 520), Err(ECANCELED));
    assert_eq!(t.next_deadline(), Some(600));
    assert_eq!(read(&mut t, 625), Ok(Outcome::Done(3)));
}

#[test]
fn cancel_on_set_needs_realtime_and_abstime() {
    let mut woken = Woken::new();
    for (clock, flags) in [(Clock::Realtime, TFD_TIMER_CANCEL_ON_SET), (Clock::Monotonic, CANCEL)] {
        let mut t = Timer::new(clock, 0);
        set(&mut t, 0, flags, 0, 1000).unwrap();
        t.clock_was_set(0, 77, &mut woken);
        assert!(!t.readable(0) && !t.cancel_pending(), "{clock:?} {flags}");
        assert_eq!(read(&mut t, 1), Err(EAGAIN));
    }
}

#[test]
fn a_clock_set_moves_relative_realtime_deadlines_only() {
    let mut woken = Woken::new();
    let mut rel = Timer::new(Clock::Realtime, 0);
    let mut abs = Timer::new(Clock::Realtime, 0);
    set(&mut rel, 1000, 0, 0, 500).unwrap();
    set(&mut abs, 1000, ABS, 0, 1500).unwrap();
    // The clock jumps forward by 10000.
    rel.clock_was_set(11000, 10000, &mut woken);
    abs.clock_was_set(11000, 10000, &mut woken);
    assert_eq!(rel.gettime(11000), spec(0, 500), "the same time away");
    assert!(abs.readable(11000), "its deadline has passed");
    assert_eq!(read(&mut abs, 11000), Ok(Outcome::Done(1)));
    // And back by 5000.
    rel.clock_was_set(6000, 5000, &mut woken);
    assert_eq!(rel.gettime(6000), spec(0, 500));
    let mut mono = Timer::new(Clock::Monotonic, 0);
    set(&mut mono, 1000, 0, 0, 500).unwrap();
    mono.clock_was_set(11000, 10000, &mut woken);
    assert_eq!(mono.gettime(1000), spec(0, 500), "other clocks ignore it");
}

#[test]
fn a_pending_cancel_survives_a_settime_and_is_reported_by_the_next_arming() {
    let mut t = Timer::new(Clock::Realtime, 0);
    let mut woken = Woken::new();
    set(&mut t, 0, CANCEL, 0, 1000).unwrap();
    t.clock_was_set(10, 5, &mut woken);
    // Disarming keeps the notice (and the count goes): poll does not show it, a
    // non-blocking read reports it.
    assert_eq!(set(&mut t, 10, CANCEL, 0, 0), Ok(spec(0, 990)));
    assert!(!t.readable(10) && t.cancel_pending());
    assert_eq!(read(&mut t, 11), Err(ECANCELED));
    // A blocking read sleeps until a count comes, then reports it.
    t.clock_was_set(20, 6, &mut woken);
    set(&mut t, 20, CANCEL, 0, 0).unwrap();
    let Ok(Outcome::Wait(w)) = t.read(20, 8, false, &mut woken) else { panic!("sleeps") };
    t.clock_was_set(30, 7, &mut woken);
    assert_eq!(woken, [Completed { waiter: w, result: Err(ECANCELED) }]);
    // Arming with CANCEL_ON_SET reports a pending set in place of the old value.
    t.clock_was_set(40, 8, &mut woken);
    assert_eq!(set(&mut t, 40, CANCEL, 0, 5000), Err(ECANCELED));
    assert_eq!((t.gettime(40), t.cancel_pending()), (spec(0, 4960), false), "armed all the same");
    // Without the flag the notice sleeps, and comes back with it.
    t.clock_was_set(50, 9, &mut woken);
    assert_eq!(set(&mut t, 50, ABS, 0, 5000), Ok(spec(0, 4950)));
    assert_eq!(read(&mut t, 60), Err(EAGAIN));
    assert_eq!(set(&mut t, 60, CANCEL, 0, 5000), Err(ECANCELED));
}

#[test]
fn a_firing_counts_even_if_the_clock_went_back_before_the_read() {
    let mut t = Timer::new(Clock::Realtime, 0);
    let mut woken = Woken::new();
    set(&mut t, 0, ABS, 100, 1000).unwrap();
    t.expire(1050, &mut woken);
    t.clock_was_set(500, -550, &mut woken);
    assert_eq!(read(&mut t, 500), Ok(Outcome::Done(1)), "Linux's count wraps to 0 here");
    assert_eq!(t.next_deadline(), Some(1000), "re-armed where it was");
}
