//! `t_time`: clocks, sleeping and futex timeouts. The machine is an emulator, so upper
//! bounds are generous (2 s) and only lower bounds are tight.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, Ordering};

use userspace::abi::syscall::TimeSpec;
use userspace::time::{self, CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME};
use userspace::{Errno, check, check_eq, check_err, check_ok, println, thread};

userspace::entry!(main);

const MS: u64 = 1_000_000;
/// 2020-01-01T00:00:00Z.
const YEAR_2020: i64 = 1_577_836_800;

fn clocks() {
    println!("t_time: CLOCK_MONOTONIC never goes backwards over 1000 reads");
    let mut last = 0;
    let mut backwards = 0;
    for _ in 0..1000 {
        match time::clock_gettime(CLOCK_MONOTONIC) {
            Ok(ts) => {
                check!(ts.tv_nsec >= 0 && ts.tv_nsec < 1_000_000_000, "tv_nsec in range: {ts:?}");
                let now = time::nanos(&ts);
                if now < last {
                    backwards += 1;
                }
                last = now;
            }
            Err(e) => {
                check!(false, "clock_gettime(CLOCK_MONOTONIC): error {e:?}");
                break;
            }
        }
    }
    check_eq!(backwards, 0, "reads that went backwards");
    println!("t_time: CLOCK_REALTIME is after 2020; BOOTTIME reads; an unknown clock is EINVAL");
    let real = time::clock_gettime(CLOCK_REALTIME);
    check!(real.is_ok_and(|ts| ts.tv_sec > YEAR_2020), "realtime {real:?} is after 2020-01-01");
    check_ok!(time::clock_gettime(CLOCK_BOOTTIME), "clock_gettime(CLOCK_BOOTTIME)");
    check_err!(time::clock_gettime(99), Errno::EINVAL, "clock_gettime(99)");
}

fn sleeping() {
    println!("t_time: nanosleep(30 ms) sleeps at least 30 ms");
    let start = time::monotonic_ns();
    check_ok!(time::nanosleep(&TimeSpec::from_nanos(30 * MS), None), "nanosleep(30 ms)");
    let slept = time::monotonic_ns() - start;
    check!(slept >= 30 * MS, "slept {slept} ns, at least 30 ms");
    check!(slept < 2_000 * MS, "slept {slept} ns, under 2 s");
    println!("t_time: nanosleep(0) returns; a bad tv_nsec is EINVAL; sched_yield works");
    check_ok!(time::nanosleep(&TimeSpec::default(), None), "nanosleep(0)");
    let bad = TimeSpec { tv_sec: 0, tv_nsec: 1_000_000_000, _pad: 0 };
    check_err!(time::nanosleep(&bad, None), Errno::EINVAL, "nanosleep with tv_nsec = 1e9");
    let negative = TimeSpec { tv_sec: -1, tv_nsec: 0, _pad: 0 };
    check_err!(time::nanosleep(&negative, None), Errno::EINVAL, "nanosleep with tv_sec = -1");
    check_ok!(time::sched_yield(), "sched_yield");
}

fn futexes() {
    println!("t_time: FUTEX_WAIT with a 20 ms timeout gives ETIMEDOUT after 20 ms");
    let word = AtomicU32::new(5);
    let start = time::monotonic_ns();
    let result = time::futex_wait(&word, 5, Some(&TimeSpec::from_nanos(20 * MS)));
    let waited = time::monotonic_ns() - start;
    check_err!(result, Errno::ETIMEDOUT, "futex wait with a timeout");
    check!(waited >= 20 * MS, "waited {waited} ns, at least 20 ms");
    check!(waited < 2_000 * MS, "waited {waited} ns, under 2 s");

    println!("t_time: FUTEX_WAIT with a value that differs gives EAGAIN at once");
    let start = time::monotonic_ns();
    check_err!(time::futex_wait(&word, 6, Some(&TimeSpec::from_nanos(1_000 * MS))), Errno::EAGAIN, "mismatch");
    check!(time::monotonic_ns() - start < 500 * MS, "EAGAIN came without waiting");
    check_eq!(time::futex_wake(&word, 1), Ok(0), "FUTEX_WAKE without waiters wakes none");

    println!("t_time: FUTEX_WAKE wakes a thread blocked in FUTEX_WAIT");
    let shared = Arc::new(AtomicU32::new(0));
    let theirs = shared.clone();
    let waiter = thread::spawn(move || {
        let mut waits = 0;
        while theirs.load(Ordering::SeqCst) == 0 {
            let _ = time::futex_wait(&theirs, 0, None);
            waits += 1;
        }
        waits
    });
    let Some(waiter) = check_ok!(waiter, "thread spawn") else { return };
    let _ = time::sleep_ms(50);
    shared.store(1, Ordering::SeqCst);
    check_eq!(time::futex_wake(&shared, 1), Ok(1), "FUTEX_WAKE woke the waiting thread");
    let waits = check_ok!(waiter.join(), "join");
    check_eq!(waits, Some(1), "the thread waited once");
}

fn main(_args: &[&str]) -> i32 {
    clocks();
    sleeping();
    futexes();
    userspace::check::finish()
}
