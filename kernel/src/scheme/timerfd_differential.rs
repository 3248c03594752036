//! Differential tests of the timerfd and eventfd rules (outside `ipc`, whose modules
//! forbid `unsafe`, because calling the host's libc needs it): random sequences of calls
//! run against the host Linux kernel (through libc, in this test process) and against
//! the rules, comparing every result and errno.
//!
//! eventfd: eventfd2 with random initial values and flags (unknown ones included), then
//! reads and writes with buffers of 0 to 16 bytes and values around the limits, and
//! poll's POLLIN and POLLOUT after each.
//!
//! timerfd: the results that do not depend on when the host's timer interrupt comes:
//! timerfd_create's checks; timerfd_settime's checks (flags, bad timespecs) and the
//! previous setting it returns; timerfd_gettime; non-blocking reads (buffers of 4 to 16
//! bytes) of timers that are disarmed, far in the future (10^6 s and more, or clamped at
//! KTIME_MAX), or absolute and already past (the test waits for the host's timer to fire,
//! with poll, before it reads); poll's POLLIN. The rules take `now` from the host's clock
//! just after each host call; a time left by the host lies between the rules' at that
//! `now` and the same plus the time the host call took (and, for a relative deadline, the
//! time its settime took). Intervals of timers whose deadline is past are 0 or far, so
//! the count of periods cannot change during a call. No clock is set (that needs the
//! host's CAP_SYS_TIME and would disturb the machine): `TFD_TIMER_CANCEL_ON_SET` is only
//! checked to be accepted or dropped as Linux does, and its effect is unit-tested.
//!
//! Host descriptors are always non-blocking: where the rules say a caller on a blocking
//! description waits, the host says EAGAIN, and the rules' waiter is cancelled.

use super::ipc::eventfd::{self, EventFd};
use super::ipc::sem::tests::{Rng, cases};
use super::ipc::timerfd::{self, Clock, ItimerSpec, Timer, Timespec};
use super::ipc::wait::Outcome;
use crate::errno::{EAGAIN, Errno};

type Result<T> = core::result::Result<T, Errno>;

const S: u64 = 1_000_000_000;

fn errno() -> Errno {
    Errno::from_raw(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
}

fn check(r: libc::c_int) -> Result<libc::c_int> {
    if r < 0 { Err(errno()) } else { Ok(r) }
}

fn host_now(clock: libc::clockid_t) -> u64 {
    // SAFETY: timespec is plain integers; clock_gettime writes it.
    let mut ts: libc::timespec = unsafe { core::mem::zeroed() };
    // SAFETY: a valid out-pointer.
    assert_eq!(unsafe { libc::clock_gettime(clock, &mut ts) }, 0);
    ts.tv_sec as u64 * S + ts.tv_nsec as u64
}

fn set_nonblocking(fd: libc::c_int) {
    // SAFETY: fcntl on a descriptor this test opened.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        assert_eq!(libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK), 0);
    }
}

/// poll's readiness: (POLLIN, POLLOUT), waiting at most `timeout_ms` for POLLIN.
fn host_poll(fd: libc::c_int, timeout_ms: libc::c_int) -> (bool, bool) {
    let mut p = libc::pollfd { fd, events: libc::POLLIN | libc::POLLOUT, revents: 0 };
    let events = if timeout_ms > 0 { libc::POLLIN } else { libc::POLLIN | libc::POLLOUT };
    p.events = events;
    // SAFETY: one valid pollfd.
    let n = unsafe { libc::poll(&mut p, 1, timeout_ms) };
    assert!(n >= 0, "poll: {:?}", errno());
    (p.revents & libc::POLLIN != 0, p.revents & libc::POLLOUT != 0)
}

/// A read of `len` bytes; the u64 it read.
fn host_read(fd: libc::c_int, len: usize) -> Result<u64> {
    let mut buf = [0u8; 16];
    // SAFETY: `buf` holds `len` ≤ 16 bytes.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), len) };
    if n < 0 {
        return Err(errno());
    }
    assert_eq!(n, 8, "a count is 8 bytes");
    Ok(u64::from_ne_bytes(buf[..8].try_into().unwrap()))
}

fn host_write(fd: libc::c_int, value: u64, len: usize) -> Result<()> {
    let mut buf = [0u8; 16];
    buf[..8].copy_from_slice(&value.to_ne_bytes());
    // SAFETY: `buf` holds `len` ≤ 16 bytes.
    let n = unsafe { libc::write(fd, buf.as_ptr().cast(), len) };
    if n < 0 {
        return Err(errno());
    }
    assert_eq!(n, 8);
    Ok(())
}

fn close(fd: libc::c_int) {
    // SAFETY: a descriptor this test opened.
    unsafe { libc::close(fd) };
}

/// How often each (call, errno or 0) came, to show what the sequences reached.
type Tally = std::collections::BTreeMap<(&'static str, i32), u64>;

fn count<T>(tally: &mut Tally, call: &'static str, r: &Result<T>) {
    *tally.entry((call, r.as_ref().err().map_or(0, |e| e.raw()))).or_default() += 1;
}

fn print(what: &str, n: usize, tally: &Tally) {
    let parts: Vec<String> = tally.iter().map(|((call, e), n)| format!("{call}/{e}x{n}")).collect();
    println!("{what} differential: {n} sequences compared with the host (call/errno x times): {}", parts.join(", "));
}

/// How far the realtime clock's offset measured at a timer's creation may be off.
const OFFSET_ERROR: u64 = 100_000;

const BUF_LENS: [usize; 10] = [0, 4, 7, 8, 8, 8, 8, 8, 9, 16];

#[test]
fn eventfd_random_sequences_match_the_host() {
    let n = cases("KESTREL_DIFF_CASES", 5_000);
    let mut rng = Rng(0x6566_6469_6666_0001);
    let mut tally = Tally::new();
    for case in 0..n {
        let initval = [0, 1, 2, 5, u32::MAX, rng.below(1 << 32) as u32][rng.below(6) as usize];
        let flags =
            [0, 0, 1, eventfd::EFD_NONBLOCK, 1 | eventfd::EFD_CLOEXEC, 2, 1 << 20, 0o4001][rng.below(8) as usize];
        // SAFETY: eventfd takes integers only.
        let host = check(unsafe { libc::eventfd(initval, flags) });
        let rules = EventFd::new(initval, flags);
        count(&mut tally, "eventfd", &host);
        assert_eq!(
            host.map(drop),
            rules.as_ref().map(drop).map_err(|e| *e),
            "case {case}: eventfd({initval}, {flags:#o})"
        );
        let (Ok(fd), Ok(mut e)) = (host, rules) else { continue };
        set_nonblocking(fd);
        let nonblock = flags & eventfd::EFD_NONBLOCK != 0;
        for step in 0..5 + rng.below(25) {
            let len = BUF_LENS[rng.below(BUF_LENS.len() as u64) as usize];
            let mut woken = eventfd::Woken::new();
            if rng.below(2) == 0 {
                let host = host_read(fd, len);
                let rules = match e.read(len, nonblock, &mut woken) {
                    Ok(Outcome::Done(v)) => Ok(v),
                    Ok(Outcome::Wait(w)) => {
                        assert!(e.cancel(w));
                        Err(EAGAIN)
                    }
                    Err(err) => Err(err),
                };
                count(&mut tally, "read", &host);
                assert_eq!(host, rules, "case {case} step {step}: read({len})");
            } else {
                let room = eventfd::COUNT_MAX - e.count();
                let value = match rng.below(9) {
                    0 => 0,
                    1 => u64::MAX,
                    2 => u64::MAX - 1,
                    3 => room,
                    4 => room.wrapping_add(1),
                    5 => rng.next(),
                    _ => rng.below(10),
                };
                let host = host_write(fd, value, len);
                let rules = match e.write(value, len, nonblock, &mut woken) {
                    Ok(Outcome::Done(())) => Ok(()),
                    Ok(Outcome::Wait(w)) => {
                        assert!(e.cancel(w));
                        Err(EAGAIN)
                    }
                    Err(err) => Err(err),
                };
                count(&mut tally, "write", &host);
                assert_eq!(host, rules, "case {case} step {step}: write({value:#x}, {len})");
            }
            assert!(woken.is_empty(), "nobody sleeps here");
            assert_eq!(host_poll(fd, 0), (e.readable(), e.writable()), "case {case} step {step}: poll");
        }
        close(fd);
    }
    print("eventfd", n, &tally);
}

/// A timer on both sides.
struct Pair {
    fd: libc::c_int,
    timer: Timer,
    clock: libc::clockid_t,
    nonblock: bool,
    /// How far the rules' deadline may be from the host's: for a relative one, the time
    /// its settime took and the error of the realtime offset measured at creation.
    slack: u64,
}

/// A random timespec for settime: mostly far in the future (or clamped), sometimes bad,
/// sometimes zero, or absolute and past (`past` says which, relative to `now`).
fn value(rng: &mut Rng, now: u64, abs: bool) -> (Timespec, bool) {
    let far = 1_000_000 * S + rng.below(1_000_000 * S);
    let ns = |ns: u64| timerfd::ns_to_timespec(ns);
    match rng.below(12) {
        0 => (ns(0), false),
        1 => (Timespec { tv_sec: -1 - rng.below(5) as i64, tv_nsec: 0 }, false),
        2 => (Timespec { tv_sec: 1, tv_nsec: [-1, 1_000_000_000, i64::MAX][rng.below(3) as usize] }, false),
        3 => {
            (Timespec { tv_sec: [9_223_372_036, i64::MAX][rng.below(2) as usize], tv_nsec: rng.below(S) as i64 }, false)
        }
        4 | 5 if abs => (ns(1 + rng.below(now)), true),
        _ if abs => (ns(now + far), false),
        _ => (ns(far), false),
    }
}

/// The interval for settime: 0, far, clamped or bad; small only if the deadline is not past.
fn interval(rng: &mut Rng, past: bool) -> Timespec {
    match rng.below(8) {
        0 | 1 => Timespec::default(),
        2 => Timespec { tv_sec: 0, tv_nsec: -5 },
        3 => Timespec { tv_sec: i64::MAX, tv_nsec: 0 },
        4 if !past => timerfd::ns_to_timespec(1 + rng.below(S)),
        _ => timerfd::ns_to_timespec(1_000_000 * S + rng.below(S)),
    }
}

fn ns_of(ts: &libc::timespec) -> u64 {
    ts.tv_sec as u64 * S + ts.tv_nsec as u64
}

impl Pair {
    /// Host's setting (time left, interval) against the rules' at `now`, which is
    /// `waited` ns after the host call started.
    fn compare(&self, host: &libc::itimerspec, rules: &ItimerSpec, waited: u64, what: &str) {
        let rules_interval = timerfd::timespec_to_ns(rules.it_interval).unwrap();
        let rules_value = timerfd::timespec_to_ns(rules.it_value).unwrap();
        assert_eq!(ns_of(&host.it_interval), rules_interval, "{what}: interval");
        let left = ns_of(&host.it_value);
        assert!(
            left + self.slack >= rules_value && left <= rules_value.saturating_add(waited + self.slack),
            "{what}: the host has {left} ns left, the rules {rules_value} (slack {}, waited {waited})",
            self.slack
        );
    }
}

fn linux_clock_to_kestrel(clock: libc::clockid_t) -> usize {
    use kestrel_abi::syscall::{CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME};
    match clock {
        libc::CLOCK_REALTIME => CLOCK_REALTIME,
        libc::CLOCK_MONOTONIC => CLOCK_MONOTONIC,
        libc::CLOCK_BOOTTIME => CLOCK_BOOTTIME,
        _ => 2, // no clock here
    }
}

#[test]
fn timerfd_random_sequences_match_the_host() {
    let n = cases("KESTREL_DIFF_CASES", 3_000);
    let mut rng = Rng(0x7466_6469_6666_0001);
    let mut tally = Tally::new();
    let flag_choices = [0, 1, 2, 3, 3, 1, 0, 4, 5, 8, -1, 1 << 30];
    for case in 0..n {
        // 8 and 9, the alarm clocks, are left out: this kernel has none (EINVAL), Linux
        // gives them to root.
        let clock = [0, 1, 7, 0, 1, 7, 0, 1, 7, 2, 4, 5, 10, -1][rng.below(14) as usize];
        let flags = [0, 0, timerfd::TFD_NONBLOCK, timerfd::TFD_NONBLOCK, timerfd::TFD_CLOEXEC, 1, 0o4001]
            [rng.below(7) as usize];
        // SAFETY: timerfd_create takes integers only.
        let host = check(unsafe { libc::timerfd_create(clock, flags) });
        let rules = timerfd::create_args(linux_clock_to_kestrel(clock), flags);
        count(&mut tally, "timerfd_create", &host);
        assert_eq!(host.map(drop), rules.map(drop), "case {case}: timerfd_create({clock}, {flags:#o})");
        let (Ok(fd), Ok((kclock, cflags))) = (host, rules) else { continue };
        set_nonblocking(fd);
        let mono = host_now(libc::CLOCK_MONOTONIC);
        let real = host_now(libc::CLOCK_REALTIME);
        let mono = (mono + host_now(libc::CLOCK_MONOTONIC)) / 2;
        let offset = real as i64 - mono as i64;
        let mut p = Pair {
            fd,
            timer: Timer::new(kclock, offset),
            clock,
            nonblock: cflags.contains(timerfd::CreateFlags::NONBLOCK),
            slack: 0,
        };
        assert_eq!(kclock == Clock::Realtime, clock == libc::CLOCK_REALTIME);
        for step in 0..3 + rng.below(20) {
            let what = format!("case {case} step {step}");
            match rng.below(4) {
                0 | 1 => settime(&mut p, &mut rng, &mut tally, &flag_choices, &what),
                2 => {
                    let before = host_now(p.clock);
                    // SAFETY: itimerspec is plain integers; timerfd_gettime writes it.
                    let mut cur: libc::itimerspec = unsafe { core::mem::zeroed() };
                    // SAFETY: a valid out-pointer.
                    let host = check(unsafe { libc::timerfd_gettime(p.fd, &mut cur) });
                    count(&mut tally, "timerfd_gettime", &host);
                    host.unwrap();
                    let now = host_now(p.clock);
                    let rules = p.timer.gettime(now);
                    p.compare(&cur, &rules, now - before, &format!("{what}: gettime"));
                }
                _ => {
                    let len = [4, 7, 8, 8, 16][rng.below(5) as usize];
                    // A past deadline: wait for the host's timer to fire.
                    let due = p.timer.readable(host_now(p.clock));
                    if due {
                        assert!(host_poll(p.fd, 2000).0, "{what}: the host's timer fired");
                    }
                    let before = host_now(p.clock);
                    let host = host_read(p.fd, len);
                    let now = host_now(p.clock);
                    let lowest = p.timer.expirations(before);
                    let mut woken = timerfd::Woken::new();
                    let rules = match p.timer.read(now, len, p.nonblock, &mut woken) {
                        Ok(Outcome::Done(v)) => Ok(v),
                        Ok(Outcome::Wait(w)) => {
                            assert!(p.timer.cancel(w));
                            Err(EAGAIN)
                        }
                        Err(e) => Err(e),
                    };
                    assert!(woken.is_empty());
                    count(&mut tally, "read", &host);
                    match (host, rules) {
                        (Ok(h), Ok(r)) => assert!(lowest <= h && h <= r, "{what}: read {h}, rules {lowest}..={r}"),
                        (h, r) => assert_eq!(h, r, "{what}: read({len})"),
                    }
                }
            }
            assert_eq!(host_poll(p.fd, 0).0, p.timer.readable(host_now(p.clock)), "{what}: poll");
        }
        close(fd);
    }
    print("timerfd", n, &tally);
}

fn settime(p: &mut Pair, rng: &mut Rng, tally: &mut Tally, flag_choices: &[i32], what: &str) {
    let flags = flag_choices[rng.below(flag_choices.len() as u64) as usize];
    let abs = flags & timerfd::TFD_TIMER_ABSTIME != 0;
    let (it_value, past) = value(rng, host_now(p.clock), abs);
    let new = ItimerSpec { it_interval: interval(rng, past), it_value };
    // SAFETY: itimerspec is plain integers.
    let mut host_new: libc::itimerspec = unsafe { core::mem::zeroed() };
    host_new.it_interval = libc::timespec { tv_sec: new.it_interval.tv_sec, tv_nsec: new.it_interval.tv_nsec };
    host_new.it_value = libc::timespec { tv_sec: new.it_value.tv_sec, tv_nsec: new.it_value.tv_nsec };
    // SAFETY: as above.
    let mut old: libc::itimerspec = unsafe { core::mem::zeroed() };
    let before = host_now(p.clock);
    // SAFETY: valid pointers.
    let host = check(unsafe { libc::timerfd_settime(p.fd, flags, &host_new, &mut old) });
    let now = host_now(p.clock);
    let mut woken = timerfd::Woken::new();
    let rules = p.timer.settime(now, flags, &new, &mut woken);
    assert!(woken.is_empty());
    count(tally, "timerfd_settime", &host);
    assert_eq!(host.map(drop), rules.map(drop), "{what}: settime({flags}, {new:?})");
    if let Ok(rules_old) = rules {
        p.compare(&old, &rules_old, now - before, &format!("{what}: settime's old value"));
        // A relative deadline is later in the rules by the time the call took, and one
        // clamped on a realtime timer by the error of the offset measured at creation.
        p.slack = if abs { 0 } else { now - before + OFFSET_ERROR };
    }
}

#[test]
fn abi_values_are_the_hosts() {
    use kestrel_abi::timerfd as abi;
    assert_eq!(abi::TFD_TIMER_ABSTIME, libc::TFD_TIMER_ABSTIME);
    assert_eq!(abi::TFD_TIMER_CANCEL_ON_SET, libc::TFD_TIMER_CANCEL_ON_SET);
    assert_eq!((abi::TFD_CLOEXEC, abi::TFD_NONBLOCK), (libc::TFD_CLOEXEC, libc::TFD_NONBLOCK));
    assert_eq!(
        (abi::EFD_CLOEXEC, abi::EFD_NONBLOCK, abi::EFD_SEMAPHORE),
        (libc::EFD_CLOEXEC, libc::EFD_NONBLOCK, libc::EFD_SEMAPHORE)
    );
    assert_eq!(core::mem::size_of::<abi::ItimerSpec>(), core::mem::size_of::<libc::itimerspec>());
    assert_eq!(core::mem::offset_of!(abi::ItimerSpec, it_value), core::mem::offset_of!(libc::itimerspec, it_value));
}
