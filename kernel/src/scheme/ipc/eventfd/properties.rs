//! Property tests: random sequences of reads and writes (blocking or not, values near
//! the limit so that writers sleep) and cancellations on one counter, with and without
//! `EFD_SEMAPHORE`. After every call:
//!
//! 1. Nothing is lost or invented: the initial value plus every write performed equals
//!    the count plus every read performed.
//! 2. The count stays within `0..=COUNT_MAX`; readiness follows it.
//! 3. A read takes the whole count (1 with `EFD_SEMAPHORE`); a call sleeps only if it
//!    cannot proceed, and fails with EAGAIN in its place when non-blocking.
//! 4. Sleepers complete at most once, never after they cancelled, readers in arrival
//!    order, writers in arrival order among those completed; no reader sleeps while the
//!    count is above 0, no writer sleeps whose value fits.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::*;
use crate::scheme::ipc::sem::tests::{Rng, cases};

#[test]
fn random_sequences_keep_the_rules() {
    let mut rng = Rng(0x6566_645f_7072_6f70);
    for case in 0..cases("KESTREL_PROPERTY_CASES", 3_000) {
        let semaphore = rng.below(2) == 0;
        let initval = [0, 1, 3, u32::MAX][rng.below(4) as usize];
        let mut e = EventFd::new(initval, if semaphore { EFD_SEMAPHORE } else { 0 }).unwrap();
        let (mut written, mut read) = (u128::from(initval), 0u128);
        // Sleepers in arrival order: (waiter, Some(value) for a writer).
        let mut sleeping: Vec<(WaiterId, Option<u64>)> = Vec::new();
        let mut done: BTreeMap<WaiterId, ()> = BTreeMap::new();
        for step in 0..80 {
            let mut woken = Woken::new();
            let before = e.count();
            let nonblock = rng.below(3) == 0;
            match rng.below(7) {
                0..=2 => match e.read(8, nonblock, &mut woken).unwrap_or_else(|err| {
                    assert!(err == EAGAIN && before == 0 && nonblock, "case {case} step {step}: {err:?}");
                    Outcome::Done(0)
                }) {
                    Outcome::Done(0) => {}
                    Outcome::Done(v) => {
                        assert_eq!(v, if semaphore { 1 } else { before }, "case {case} step {step}");
                        read += u128::from(v);
                    }
                    Outcome::Wait(w) => {
                        assert!(before == 0 && !nonblock, "case {case} step {step}");
                        sleeping.push((w, None));
                    }
                },
                3..=5 => {
                    let value = match rng.below(5) {
                        0 => COUNT_MAX - rng.below(4),
                        1 => (COUNT_MAX - before).saturating_add(rng.below(3)).min(COUNT_MAX),
                        2 => 0,
                        _ => rng.below(5),
                    };
                    let fits = u128::from(before) + u128::from(value) <= u128::from(COUNT_MAX);
                    match e.write(value, 8, nonblock, &mut woken) {
                        Err(err) => assert!(err == EAGAIN && !fits && nonblock, "case {case} step {step}"),
                        Ok(Outcome::Done(())) => {
                            assert!(fits, "case {case} step {step}");
                            written += u128::from(value);
                        }
                        Ok(Outcome::Wait(w)) => {
                            assert!(!fits && !nonblock, "case {case} step {step}");
                            sleeping.push((w, Some(value)));
                        }
                    }
                }
                _ if !sleeping.is_empty() => {
                    let (w, _) = sleeping.remove(rng.below(sleeping.len() as u64) as usize);
                    assert!(e.cancel(w), "case {case} step {step}: a sleeper is queued");
                    assert!(!e.cancel(w));
                }
                _ => {}
            }
            // The completed sleepers: readers a prefix of the sleeping readers, writers in order.
            let mut last_reader = None;
            let mut last_writer = None;
            for c in &woken {
                let at = sleeping.iter().position(|&(w, _)| w == c.waiter).expect("a sleeper completes once");
                let (w, value) = sleeping.remove(at);
                assert!(done.insert(w, ()).is_none());
                match (value, &c.result) {
                    (None, Ok(Delivery::Read(v))) => {
                        assert!(sleeping.iter().all(|&(s, v)| v.is_some() || s > w), "readers in order");
                        assert!(last_reader < Some(w));
                        last_reader = Some(w);
                        assert!(!semaphore || *v == 1);
                        read += u128::from(*v);
                    }
                    (Some(value), Ok(Delivery::Written)) => {
                        assert!(last_writer < Some(w), "writers in order");
                        last_writer = Some(w);
                        written += u128::from(value);
                    }
                    other => panic!("case {case} step {step}: {other:?}"),
                }
            }
            let count = e.count();
            assert_eq!(written, u128::from(count) + read, "case {case} step {step}: conservation");
            assert!(count <= COUNT_MAX);
            assert_eq!((e.readable(), e.writable()), (count > 0, count < COUNT_MAX));
            let (readers, writers) = e.sleepers();
            let (readers, writers): (Vec<_>, Vec<_>) = (readers.collect(), writers.collect());
            assert!(readers.is_empty() || count == 0, "case {case} step {step}: a reader sleeps on a count");
            for &(w, value) in &sleeping {
                match value {
                    None => assert!(readers.contains(&w)),
                    Some(v) => {
                        assert!(writers.contains(&w));
                        assert!(u128::from(count) + u128::from(v) > u128::from(COUNT_MAX), "a writer that fits sleeps");
                    }
                }
            }
            assert_eq!(readers.len() + writers.len(), sleeping.len());
        }
    }
}
