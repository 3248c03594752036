//! Property tests of the timer rules.
//!
//! `counting_matches_a_model`: random sequences of settime (relative or absolute,
//! one-shot or periodic, or disarming), gettime, reads (blocking or not), the glue's
//! expire calls, cancelled sleepers and forward sets of the realtime clock, against a
//! model that lists every period one by one (the rules compute them by division) and
//! serves the sleepers in order. Every result is compared.
//!
//! `cancel_on_set_keeps_its_rules`: random sequences with `TFD_TIMER_CANCEL_ON_SET` and
//! clock sets both ways, checking what a read reports against what the timer says
//! before it (pending notice, readiness, count) and that a notice is reported once.

use alloc::collections::VecDeque;

use super::*;
use crate::errno::{EAGAIN, ECANCELED};
use crate::scheme::ipc::sem::tests::{Rng, cases};
use crate::scheme::ipc::wait::{Outcome, WaiterId};

/// The model: the periods as a list walked one at a time.
#[derive(Debug, Default)]
struct Model {
    /// The next period not yet counted, if armed (one-shot timers disarm once counted).
    next: Option<u64>,
    interval: u64,
    /// The deadline was given relative (it moves with a set of the realtime clock).
    relative: bool,
    /// Periods counted and not yet read.
    pending: u64,
    sleepers: VecDeque<WaiterId>,
}

impl Model {
    fn count(&mut self, now: u64) {
        while let Some(next) = self.next
            && next <= now
        {
            self.pending += 1;
            self.next = if self.interval == 0 { None } else { Some(next + self.interval) };
        }
    }

    fn left(&self, now: u64) -> u64 {
        self.next.map_or(0, |next| next.saturating_sub(now))
    }

    fn serve(&mut self, woken: &mut Woken) {
        if self.pending > 0
            && let Some(waiter) = self.sleepers.pop_front()
        {
            woken.push(Completed { waiter, result: Ok(core::mem::take(&mut self.pending)) });
        }
    }
}

#[test]
fn counting_matches_a_model() {
    let mut rng = Rng(0x7466_645f_7072_6f70);
    for case in 0..cases("KESTREL_PROPERTY_CASES", 3_000) {
        let clock = [Clock::Realtime, Clock::Monotonic, Clock::Boottime][rng.below(3) as usize];
        let mut offset = rng.below(1000) as i64;
        let mut t = Timer::new(clock, offset);
        let mut m = Model::default();
        let mut now = rng.below(100);
        for step in 0..60 {
            let (mut woken, mut expect) = (Woken::new(), Woken::new());
            let what = alloc::format!("case {case} step {step} at {now}: {m:?}");
            match rng.below(10) {
                0 | 1 => {
                    let abs = rng.below(2) == 0;
                    let value = match rng.below(5) {
                        0 => 0,
                        _ if abs => now.saturating_sub(30) + rng.below(100),
                        _ => 1 + rng.below(80),
                    };
                    let interval = [0, 0, 1 + rng.below(3), 1 + rng.below(40)][rng.below(4) as usize];
                    let old = t.settime(
                        now,
                        if abs { TFD_TIMER_ABSTIME } else { 0 },
                        &itimerspec(interval, value),
                        &mut woken,
                    );
                    m.count(now);
                    assert_eq!(old, Ok(itimerspec(m.interval, m.left(now))), "{what}: settime");
                    m.pending = 0;
                    m.interval = interval;
                    m.relative = !abs;
                    m.next = (value != 0).then(|| if abs { value } else { now + value });
                    m.count(now);
                    m.serve(&mut expect);
                }
                2 => {
                    m.count(now);
                    assert_eq!(t.gettime(now), itimerspec(m.interval, m.left(now)), "{what}: gettime");
                }
                3..=5 => {
                    let nonblock = rng.below(2) == 0;
                    let result = t.read(now, 8, nonblock, &mut woken);
                    m.count(now);
                    m.serve(&mut expect);
                    let want = match core::mem::take(&mut m.pending) {
                        0 if nonblock => Err(EAGAIN),
                        0 => {
                            let Ok(Outcome::Wait(w)) = result else { panic!("{what}: {result:?} for a sleeper") };
                            m.sleepers.push_back(w);
                            Ok(Outcome::Wait(w))
                        }
                        n => Ok(Outcome::Done(n)),
                    };
                    assert_eq!(result, want, "{what}: read");
                }
                6 if !m.sleepers.is_empty() => {
                    let w = m.sleepers.remove(rng.below(m.sleepers.len() as u64) as usize).unwrap();
                    assert!(t.cancel(w), "{what}");
                }
                7 if clock == Clock::Realtime => {
                    let jump = rng.below(300);
                    offset += jump as i64;
                    now += jump;
                    if m.relative {
                        m.next = m.next.map(|n| n + jump);
                    }
                    t.clock_was_set(now, offset, &mut woken);
                    m.count(now);
                    m.serve(&mut expect);
                }
                _ => {
                    now += rng.below(60);
                    t.expire(now, &mut woken);
                    m.count(now);
                    m.serve(&mut expect);
                }
            }
            assert_eq!(woken, expect, "{what}: the sleepers completed");
            let mut probe = Model { next: m.next, interval: m.interval, pending: m.pending, ..Model::default() };
            probe.count(now);
            assert_eq!(t.expirations(now), probe.pending, "{what}: expirations");
            assert_eq!(t.readable(now), probe.pending > 0, "{what}: readable");
            assert!(!t.cancel_pending());
            assert_eq!(t.sleepers().collect::<VecDeque<_>>(), m.sleepers, "{what}: sleepers");
            if let Some(deadline) = t.next_deadline() {
                assert!(m.next.is_some_and(|next| next <= deadline), "{what}: the deadline {deadline}");
            }
        }
    }
}

#[test]
fn cancel_on_set_keeps_its_rules() {
    let mut rng = Rng(0x6361_6e63_656c_0001);
    for case in 0..cases("KESTREL_PROPERTY_CASES", 3_000) {
        let mut offset = 1_000_000i64;
        let mut now = 10_000u64;
        let mut t = Timer::new(Clock::Realtime, offset);
        // Whether the last settime put TFD_TIMER_CANCEL_ON_SET in effect.
        let mut in_effect = false;
        for step in 0..50 {
            let what = alloc::format!("case {case} step {step} at {now}");
            let mut woken = Woken::new();
            match rng.below(8) {
                0 | 1 => {
                    let flags =
                        [0, TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET]
                            [rng.below(4) as usize];
                    let value = [0, now + rng.below(500), 1 + rng.below(500)][rng.below(3) as usize];
                    let r = t.settime(now, flags, &itimerspec(rng.below(3) * 50, value), &mut woken);
                    in_effect = flags == TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET;
                    if r == Err(ECANCELED) {
                        assert!(in_effect && value != 0, "{what}: ECANCELED only when arming with the flag");
                    } else {
                        assert!(r.is_ok(), "{what}: {r:?}");
                    }
                    assert!(!(in_effect && value != 0 && t.cancel_pending()), "{what}: the arming reported it");
                }
                2 | 3 => {
                    let jump = rng.below(2000) as i64 - 1000;
                    let jump = if now as i64 + jump < 0 { 0 } else { jump };
                    offset += jump;
                    now = (now as i64 + jump) as u64;
                    t.clock_was_set(now, offset, &mut woken);
                    if in_effect && jump != 0 {
                        assert!(t.cancel_pending() && t.readable(now), "{what}: a set is noticed");
                    }
                    if !in_effect {
                        assert!(!t.cancel_pending(), "{what}: without the flag nothing is noticed");
                    }
                }
                4 => {
                    now += rng.below(200);
                    t.gettime(now);
                }
                _ => {
                    let (pending, readable, count) = (t.cancel_pending(), t.readable(now), t.expirations(now));
                    let r = t.read(now, 8, true, &mut woken);
                    let want = if pending {
                        Err(ECANCELED)
                    } else if readable {
                        Ok(Outcome::Done(count))
                    } else {
                        Err(EAGAIN)
                    };
                    assert_eq!(r, want, "{what}: read");
                    assert!(count > 0 || !readable, "{what}");
                    assert!(!t.cancel_pending(), "{what}: reported once");
                    if pending {
                        assert_eq!(t.read(now, 8, true, &mut woken), Err(EAGAIN), "{what}: then nothing");
                    }
                }
            }
            assert!(woken.is_empty(), "{what}: nobody sleeps");
            let spec = t.gettime(now);
            assert!(timespec_to_ns(spec.it_value).is_ok() && timespec_to_ns(spec.it_interval).is_ok());
        }
    }
}
