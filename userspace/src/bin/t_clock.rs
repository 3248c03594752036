//! `t_clock`: the time scheme and `clock_settime`: `/scheme/time/CLOCK` reads agree
//! with `clock_gettime`; root sets CLOCK_REALTIME through `TIME_CALL_SETTIME` while
//! CLOCK_MONOTONIC does not jump; setting CLOCK_MONOTONIC, a bad `TimeSpec` and an
//! unprivileged caller are refused; a timer handle becomes readable only after its
//! deadline and a read disarms it; absolute CLOCK_REALTIME timers follow a set of the
//! clock (POSIX); nanosleep and clock_gettime reject bad arguments; CLOCK_BOOTTIME reads.
//!
//! The realtime clock is put back after every set (the value read at the start plus the
//! monotonic time elapsed since), so the tests that run later see the right time. The
//! machine is an emulator, so upper bounds are generous (2 s) and lower bounds tight.

#![no_std]
#![no_main]

use userspace::abi::syscall::{CALL_WRITE, MODE_CHR, SYS_CLOCK_NANOSLEEP, TIMER_ABSTIME, TimeSpec};
use userspace::abi::time::TIME_CALL_SETTIME;
use userspace::fs::{self, EVENT_READ, O_RDONLY, O_RDWR, bytes_of, bytes_of_mut};
use userspace::syscall::syscall4;
use userspace::time::{self, CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME};
use userspace::{Errno, check, check_eq, check_err, check_ok, cred, println, process};

userspace::entry!(main);

const MS: u64 = 1_000_000;
const SEC: u64 = 1_000_000_000;
/// 2030-01-01T00:00:00Z.
const YEAR_2030: i64 = 1_893_456_000;
const REALTIME: &str = "/scheme/time/1";
const MONOTONIC: &str = "/scheme/time/4";

/// The realtime clock as it should read: a reading and the monotonic time it was taken.
#[derive(Clone, Copy)]
struct Reference {
    real_ns: u64,
    mono_ns: u64,
}

impl Reference {
    fn now() -> Self {
        let mono_ns = time::monotonic_ns();
        let real_ns = clock_ns(CLOCK_REALTIME);
        Self { real_ns, mono_ns }
    }

    /// Where the realtime clock should be now.
    fn expected(&self) -> u64 {
        self.real_ns + time::monotonic_ns().saturating_sub(self.mono_ns)
    }

    /// How far the realtime clock is from where it should be, in nanoseconds.
    fn error(&self) -> u64 {
        let expected = self.expected();
        clock_ns(CLOCK_REALTIME).abs_diff(expected)
    }
}

/// `clock_gettime(clock)` in nanoseconds (0 and a failed check if it fails).
fn clock_ns(clock: usize) -> u64 {
    check_ok!(time::clock_gettime(clock), "clock_gettime({clock})").map_or(0, |ts| time::nanos(&ts))
}

fn ts(tv_sec: i64, tv_nsec: i32) -> TimeSpec {
    TimeSpec { tv_sec, tv_nsec, _pad: 0 }
}

/// `clock_settime` through the time scheme: `TIME_CALL_SETTIME` on `fd`.
fn settime(fd: usize, value: &TimeSpec) -> userspace::Result<usize> {
    let mut payload = *value;
    fs::call(fd, bytes_of_mut(&mut payload), CALL_WRITE, &[TIME_CALL_SETTIME])
}

/// Puts the realtime clock back to where `reference` says it should be.
fn restore(fd: usize, reference: &Reference) {
    let back = TimeSpec::from_nanos(reference.expected());
    check_ok!(settime(fd, &back), "restoring the realtime clock");
    let error = reference.error();
    check!(error < SEC, "the realtime clock is back within 1 s of where it belongs ({error} ns off)");
}

/// Reads the clock of a time handle.
fn read_handle(fd: usize) -> Option<u64> {
    let mut value = TimeSpec::default();
    let n = check_ok!(fs::read(fd, bytes_of_mut(&mut value)), "read of time handle {fd}")?;
    check_eq!(n, size_of::<TimeSpec>(), "bytes read from a time handle");
    check!((0..1_000_000_000).contains(&value.tv_nsec), "tv_nsec in range: {value:?}");
    value.to_nanos()
}

fn arm(fd: usize, deadline_ns: u64) -> bool {
    let n = fs::write(fd, bytes_of(&TimeSpec::from_nanos(deadline_ns)));
    check_eq!(n, Ok(size_of::<TimeSpec>()), "arming time handle {fd}")
}

fn handle_reads() {
    println!("t_clock: /scheme/time/1 reads CLOCK_REALTIME; /scheme/time/4 and /7 read CLOCK_MONOTONIC");
    if let Some(fd) = check_ok!(fs::open(REALTIME, O_RDONLY), "open {REALTIME}") {
        let via_handle = read_handle(fd).unwrap_or(0);
        let via_call = clock_ns(CLOCK_REALTIME);
        check!(
            via_handle.abs_diff(via_call) < SEC,
            "the handle ({via_handle}) and clock_gettime ({via_call}) agree within 1 s"
        );
        let mut buf = [0u8; 256];
        let n = fs::fpath(fd, &mut buf).unwrap_or(0);
        check_eq!(&buf[..n], REALTIME.as_bytes(), "fpath of the realtime handle");
        check_eq!(fs::fstat(fd).map(|s| s.st_mode & 0xf000), Ok(MODE_CHR), "type bits of a time handle");
        check_err!(fs::read(fd, &mut [0u8; 8]), Errno::EINVAL, "a read shorter than a TimeSpec");
        check_ok!(fs::close(fd), "close");
    }
    for (path, clock) in [(MONOTONIC, CLOCK_MONOTONIC), ("/scheme/time/7", CLOCK_BOOTTIME)] {
        if let Some(fd) = check_ok!(fs::open(path, O_RDONLY), "open {path}") {
            let before = clock_ns(clock);
            let via_handle = read_handle(fd).unwrap_or(0);
            let after = clock_ns(clock);
            check!(
                before <= via_handle && via_handle <= after,
                "{path} reads between two clock_gettime({clock}) calls: {before} <= {via_handle} <= {after}"
            );
            check_ok!(fs::close(fd), "close");
        }
    }
    println!("t_clock: an unknown clock id is ENOENT");
    for path in ["/scheme/time/99", "/scheme/time/0", "/scheme/time/2", "/scheme/time/abc", "/scheme/time/"] {
        check_err!(fs::open(path, O_RDONLY), Errno::ENOENT, "open {path}");
    }
}

fn settime_as_root(fd: usize, reference: &Reference) {
    println!("t_clock: root sets CLOCK_REALTIME to 2030-01-01; CLOCK_MONOTONIC does not jump");
    let mono_before = clock_ns(CLOCK_MONOTONIC);
    let boot_before = clock_ns(CLOCK_BOOTTIME);
    let set = settime(fd, &ts(YEAR_2030, 0));
    let real = clock_ns(CLOCK_REALTIME);
    let mono_after = clock_ns(CLOCK_MONOTONIC);
    let boot_after = clock_ns(CLOCK_BOOTTIME);
    check_eq!(set, Ok(0), "TIME_CALL_SETTIME to 2030-01-01 as root");
    let target = YEAR_2030 as u64 * SEC;
    check!(real >= target && real - target < 5 * SEC, "realtime after the set: {real} ns, 2030 is {target}");
    check!(mono_after - mono_before < SEC, "monotonic moved {} ns across the set", mono_after - mono_before);
    check!(boot_after - boot_before < SEC, "boottime moved {} ns across the set", boot_after - boot_before);
    if let Some(via_handle) = check_ok!(fs::open(REALTIME, O_RDONLY), "open {REALTIME}") {
        let read = read_handle(via_handle).unwrap_or(0);
        check!(read >= target && read - target < 5 * SEC, "a time handle reads the new realtime: {read}");
        let _ = fs::close(via_handle);
    }
    restore(fd, reference);

    println!("t_clock: a set with SYS_CALL flags 0 (payload both ways) and a fractional second");
    let mut payload = ts(YEAR_2030 + 60, 500_000_000);
    let set = fs::call(fd, bytes_of_mut(&mut payload), 0, &[TIME_CALL_SETTIME]);
    let real = clock_ns(CLOCK_REALTIME);
    check_eq!(set, Ok(0), "TIME_CALL_SETTIME with flags 0");
    let target = (YEAR_2030 as u64 + 60) * SEC + 500 * MS;
    check!(real >= target && real - target < 5 * SEC, "realtime after the set: {real} ns, expected {target}");
    restore(fd, reference);
}

fn settime_errors(fd: usize, reference: &Reference) {
    println!("t_clock: TIME_CALL_SETTIME on a CLOCK_MONOTONIC handle is EINVAL and moves nothing");
    if let Some(mono_fd) = check_ok!(fs::open(MONOTONIC, O_RDWR), "open {MONOTONIC}") {
        let before = clock_ns(CLOCK_MONOTONIC);
        check_err!(settime(mono_fd, &ts(YEAR_2030, 0)), Errno::EINVAL, "setting CLOCK_MONOTONIC");
        let moved = clock_ns(CLOCK_MONOTONIC) - before;
        check!(moved < SEC, "monotonic moved {moved} ns");
        check_ok!(fs::close(mono_fd), "close");
    }
    if let Some(boot_fd) = check_ok!(fs::open("/scheme/time/7", O_RDWR), "open /scheme/time/7") {
        check_err!(settime(boot_fd, &ts(YEAR_2030, 0)), Errno::EINVAL, "setting CLOCK_BOOTTIME");
        check_ok!(fs::close(boot_fd), "close");
    }
    check!(reference.error() < SEC, "realtime untouched after the refused sets");

    println!("t_clock: a bad TimeSpec, a short payload and an unknown call are EINVAL");
    let bad = [
        (ts(YEAR_2030, 1_000_000_000), "tv_nsec = 1e9"),
        (ts(YEAR_2030, i32::MAX), "tv_nsec = i32::MAX"),
        (ts(YEAR_2030, -1), "tv_nsec = -1"),
        (ts(-1, 0), "tv_sec = -1"),
    ];
    for (value, what) in bad {
        if !check_err!(settime(fd, &value), Errno::EINVAL, "clock_settime with {what}") {
            restore(fd, reference);
        }
    }
    let mut short = [0u8; 8];
    short.copy_from_slice(&YEAR_2030.to_le_bytes());
    check_err!(fs::call(fd, &mut short, CALL_WRITE, &[TIME_CALL_SETTIME]), Errno::EINVAL, "an 8-byte payload");
    let mut payload = [0u8; 16];
    check_err!(
        fs::call(fd, &mut payload, CALL_WRITE, &[TIME_CALL_SETTIME, 0]),
        Errno::EINVAL,
        "TIME_CALL_SETTIME with a second metadata word"
    );
    let mut value = ts(YEAR_2030, 0);
    check_err!(fs::call(fd, bytes_of_mut(&mut value), CALL_WRITE, &[99]), Errno::EINVAL, "time call 99");
    check_err!(fs::call(fd, bytes_of_mut(&mut value), CALL_WRITE, &[]), Errno::EINVAL, "a time call without metadata");
    check!(reference.error() < SEC, "realtime untouched after the refused sets");

    // Linux refuses times its clock cannot hold (timespec64_valid_settod: tv_sec below
    // KTIME_SEC_MAX minus 30 years of uptime, i.e. before 2232) with EINVAL. Year 2286
    // is beyond both that and i64 nanoseconds (2262).
    println!("t_clock: a time beyond what the clock can hold (year 2286) is EINVAL");
    let far = settime(fd, &ts(10_000_000_000, 0));
    if !check_err!(far, Errno::EINVAL, "clock_settime to tv_sec 10^10 (year 2286)") {
        let real = clock_ns(CLOCK_REALTIME);
        check!(false, "after accepting year 2286 the realtime clock reads {real} ns since 1970");
        restore(fd, reference);
    }
}

fn settime_unprivileged(fd: usize, reference: &Reference) {
    println!("t_clock: a child that dropped root (setresuid 1000) gets EPERM; the clock is unchanged");
    let child = move || {
        // An effective uid other than 0 is enough to lose the privilege.
        if cred::seteuid(1000).is_err() {
            return 10;
        }
        match settime(fd, &ts(YEAR_2030, 0)) {
            Err(Errno::EPERM) => {}
            Ok(_) => return 11,
            Err(_) => return 12,
        }
        if cred::seteuid(0).is_err() {
            return 13;
        }
        if cred::setresuid(1000, 1000, 1000).is_err() {
            return 20;
        }
        match settime(fd, &ts(YEAR_2030, 0)) {
            Err(Errno::EPERM) => {}
            Ok(_) => return 21,
            Err(_) => return 22,
        }
        // As on Linux, a malformed time is EINVAL before the privilege check.
        match settime(fd, &ts(YEAR_2030, 1_000_000_000)) {
            Err(Errno::EINVAL) => 0,
            Ok(_) => 31,
            Err(_) => 32,
        }
    };
    if let Some(pid) = check_ok!(process::fork_run(child), "fork") {
        let status = process::wait_for(pid).ok().and_then(|s| s.exited());
        check_eq!(status, Some(0), "the unprivileged child's exit code (11/21: the set went through)");
    }
    let error = reference.error();
    if !check!(error < SEC, "realtime untouched by the unprivileged child ({error} ns off)") {
        restore(fd, reference);
    }
}

/// Polls `fd` with short sleeps until it reports `EVENT_READ`; checks that it never
/// does before `clock` reaches `deadline` and that it does within 2 s after it. Returns
/// whether it became ready.
fn wait_ready(fd: usize, clock: usize, deadline: u64, what: &str) -> bool {
    let mut polls = 0;
    loop {
        let before = clock_ns(clock);
        let ready = fs::fevent(fd, EVENT_READ);
        let after = clock_ns(clock);
        polls += 1;
        match ready {
            Ok(flags) if flags & EVENT_READ != 0 => {
                check!(after >= deadline, "{what}: ready {} ns before its deadline", deadline - after);
                return true;
            }
            Ok(0) => {}
            other => {
                check!(false, "{what}: fevent gave {other:?}");
                return false;
            }
        }
        if before > deadline + 2 * SEC {
            check!(false, "{what}: not ready 2 s after its deadline ({polls} polls)");
            return false;
        }
        let _ = time::sleep_ms(5);
    }
}

fn timers() {
    println!("t_clock: a CLOCK_MONOTONIC handle armed 30 ms ahead is readable only after the deadline");
    let Some(fd) = check_ok!(fs::open(MONOTONIC, O_RDWR), "open {MONOTONIC}") else { return };
    check_eq!(fs::fevent(fd, EVENT_READ), Ok(0), "a handle never armed is not readable");
    let deadline = time::monotonic_ns() + 30 * MS;
    if arm(fd, deadline) {
        let start = time::monotonic_ns();
        let first = fs::fevent(fd, EVENT_READ);
        if time::monotonic_ns() < deadline {
            check_eq!(first, Ok(0), "fevent right after arming");
        }
        if wait_ready(fd, CLOCK_MONOTONIC, deadline, "the monotonic timer") {
            check!(time::elapsed_ms(start) < 2_030, "the timer fired within 2 s of its deadline");
            check_eq!(fs::fevent(fd, EVENT_READ), Ok(EVENT_READ), "readiness stays until a read");
            let read = read_handle(fd);
            check!(read.is_some_and(|t| t >= deadline), "the read gives the time, after the deadline: {read:?}");
            check_eq!(fs::fevent(fd, EVENT_READ), Ok(0), "a read disarms the timer");
            let _ = time::sleep_ms(10);
            check_eq!(fs::fevent(fd, EVENT_READ), Ok(0), "a disarmed timer stays quiet");
        }
    }
    println!("t_clock: a deadline already passed is ready at once; bad deadlines are EINVAL");
    if arm(fd, time::monotonic_ns().saturating_sub(MS)) {
        check_eq!(fs::fevent(fd, EVENT_READ), Ok(EVENT_READ), "a timer armed in the past");
        let _ = read_handle(fd);
    }
    check_err!(fs::write(fd, bytes_of(&ts(1, 1_000_000_000))), Errno::EINVAL, "arming with tv_nsec = 1e9");
    check_err!(fs::write(fd, bytes_of(&ts(-1, 0))), Errno::EINVAL, "arming with tv_sec = -1");
    check_err!(fs::write(fd, &[0u8; 8]), Errno::EINVAL, "arming with 8 bytes");
    check_ok!(fs::close(fd), "close");

    if let Some(ro) = check_ok!(fs::open(MONOTONIC, O_RDONLY), "open {MONOTONIC} read-only") {
        check_err!(fs::write(ro, bytes_of(&ts(0, 0))), Errno::EBADF, "arming a handle opened O_RDONLY");
        check_ok!(fs::close(ro), "close");
    }

    println!("t_clock: a CLOCK_REALTIME handle armed 30 ms ahead is readable only after the deadline");
    let Some(fd) = check_ok!(fs::open(REALTIME, O_RDWR), "open {REALTIME}") else { return };
    let deadline = clock_ns(CLOCK_REALTIME) + 30 * MS;
    if arm(fd, deadline) && wait_ready(fd, CLOCK_REALTIME, deadline, "the realtime timer") {
        let _ = read_handle(fd);
        check_eq!(fs::fevent(fd, EVENT_READ), Ok(0), "a read disarms the realtime timer");
    }
    check_ok!(fs::close(fd), "close");
}

/// POSIX (clock_settime): "If the value of the CLOCK_REALTIME clock is set via
/// clock_settime(), the new value of the clock shall be used to determine the time of
/// expiration for absolute time services based upon the CLOCK_REALTIME clock. This
/// applies to the time at which armed absolute timers expire." Linux does so for
/// timerfd and timer_settime with TIMER_ABSTIME.
fn realtime_timers_follow_settime(setter: usize, reference: &Reference) {
    println!("t_clock: a realtime timer 1 h ahead expires when the clock is set 2 h forward");
    let Some(fd) = check_ok!(fs::open(REALTIME, O_RDWR), "open {REALTIME}") else { return };
    let now = clock_ns(CLOCK_REALTIME);
    if arm(fd, now + 3600 * SEC) {
        check_eq!(fs::fevent(fd, EVENT_READ), Ok(0), "the timer 1 h ahead before the set");
        let set = settime(setter, &TimeSpec::from_nanos(now + 7200 * SEC));
        let ready = fs::fevent(fd, EVENT_READ);
        restore(setter, reference);
        if check_eq!(set, Ok(0), "setting the clock 2 h forward") {
            check_eq!(ready, Ok(EVENT_READ), "the realtime timer after the clock passed its deadline");
        }
        let _ = read_handle(fd);
    }

    println!("t_clock: a realtime timer 30 ms ahead does not expire when the clock is set 1 h back");
    let now = clock_ns(CLOCK_REALTIME);
    let deadline = now + 30 * MS;
    if arm(fd, deadline) {
        let set = settime(setter, &TimeSpec::from_nanos(now - 3600 * SEC));
        let _ = time::sleep_ms(100);
        let ready = fs::fevent(fd, EVENT_READ);
        let real = clock_ns(CLOCK_REALTIME);
        restore(setter, reference);
        if check_eq!(set, Ok(0), "setting the clock 1 h back") && real < deadline {
            check_eq!(ready, Ok(0), "the realtime timer while the clock is an hour before its deadline");
        }
    }
    check_ok!(fs::close(fd), "close");
}

fn bad_arguments() {
    println!("t_clock: nanosleep with tv_nsec out of range is EINVAL");
    for (value, what) in
        [(ts(0, 1_000_000_000), "tv_nsec = 1e9"), (ts(0, -1), "tv_nsec = -1"), (ts(-1, 0), "tv_sec = -1")]
    {
        let start = time::monotonic_ns();
        check_err!(time::nanosleep(&value, None), Errno::EINVAL, "nanosleep with {what}");
        check!(time::elapsed_ms(start) < 2_000, "the refused nanosleep returned at once");
    }
    println!("t_clock: clock_gettime of an unknown clock is EINVAL");
    for clock in [0, 2, 3, 5, 99, usize::MAX] {
        check_err!(time::clock_gettime(clock), Errno::EINVAL, "clock_gettime({clock})");
    }
    println!("t_clock: CLOCK_BOOTTIME (id 7) reads close to CLOCK_MONOTONIC");
    let before = clock_ns(CLOCK_MONOTONIC);
    let boot = clock_ns(CLOCK_BOOTTIME);
    let after = clock_ns(CLOCK_MONOTONIC);
    check!(boot >= before, "boottime {boot} is not behind monotonic {before}");
    check!(boot - after.min(boot) < SEC, "boottime {boot} is within 1 s of monotonic {after}");
}

/// `clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME)` follows `clock_settime`: a sleeper
/// until 60 s from now wakes at once when the clock is set past that time.
fn absolute_sleep_follows_settime(fd: usize, reference: &Reference) {
    println!("t_clock: an absolute CLOCK_REALTIME clock_nanosleep wakes when the clock is set past its time");
    let target = TimeSpec::from_nanos(clock_ns(CLOCK_REALTIME) + 60 * SEC);
    let child = process::fork_run(move || {
        let start = time::monotonic_ns();
        // SAFETY: the kernel reads the TimeSpec and writes nothing (no `rem`).
        let slept = unsafe {
            syscall4(SYS_CLOCK_NANOSLEEP, CLOCK_REALTIME, TIMER_ABSTIME, &target as *const TimeSpec as usize, 0)
        };
        let ms = time::elapsed_ms(start);
        i32::from(slept.is_err() || !(100..30_000).contains(&ms))
    });
    let Some(pid) = check_ok!(child, "fork the sleeper") else { return };
    let _ = time::sleep_ms(300);
    check_ok!(settime(fd, &TimeSpec::from_nanos(time::nanos(&target) + 10 * SEC)), "set the clock past it");
    let status = process::wait_for(pid).ok().and_then(|s| s.exited());
    check_eq!(status, Some(0), "the sleeper woke early, without error");
    restore(fd, reference);
}

fn main(_args: &[&str]) -> i32 {
    handle_reads();
    bad_arguments();
    timers();
    let root = cred::geteuid() == Ok(0);
    check!(root, "t_clock runs as root (euid {:?})", cred::geteuid());
    if let (true, Some(fd)) = (root, check_ok!(fs::open(REALTIME, O_RDWR), "open {REALTIME} for setting")) {
        let reference = Reference::now();
        settime_as_root(fd, &reference);
        settime_errors(fd, &reference);
        settime_unprivileged(fd, &reference);
        realtime_timers_follow_settime(fd, &reference);
        absolute_sleep_follows_settime(fd, &reference);
        let error = reference.error();
        check!(error < SEC, "at the end the realtime clock is within 1 s of where it belongs ({error} ns off)");
        check_ok!(fs::close(fd), "close");
    }
    userspace::check::finish()
}
