//! `semaphore.h` on the host: the library's functions with the host adapter (Linux futexes,
//! `/dev/shm` objects through glibc's `shm_open`), across threads and a fork child, and
//! against glibc's own functions (found with `dlsym(RTLD_NEXT)`, since this test program
//! defines the same symbols): random sequences of operations on unnamed semaphores, the
//! name rules, and the object namespace (glibc removes a semaphore this library made, by
//! its name).

use core::ffi::{CStr, c_int, c_uint};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::header::semaphore::{
    SEM_FAILED, SEM_VALUE_MAX, sem_clockwait, sem_close, sem_destroy, sem_getvalue, sem_init, sem_open, sem_post,
    sem_t, sem_timedwait, sem_trywait, sem_unlink, sem_wait,
};
use crate::platform::{self, CLOCK_MONOTONIC, CLOCK_REALTIME, errno::*, sys, timespec};

mod glibc;

/// A fresh semaphore (not yet initialized).
fn new_sem() -> Box<sem_t> {
    Box::new(sem_t { __size: [0; 32] })
}

/// The errno of the library's last failed call (the host adapter keeps it per thread).
fn errno() -> c_int {
    sys::errno()
}

/// An absolute time `ms` from now on the adapter's `clock`.
fn after(clock: c_int, ms: i64) -> timespec {
    let host_clock = if clock == CLOCK_REALTIME { 0 } else { 1 };
    let mut now = timespec::default();
    // SAFETY: `clock_gettime` writes the local.
    unsafe { glibc::clock_gettime(host_clock, &mut now) };
    let ns = now.tv_nsec + (ms % 1000) * 1_000_000;
    timespec { tv_sec: now.tv_sec + ms / 1000 + ns / 1_000_000_000, tv_nsec: ns % 1_000_000_000 }
}

/// A name of this test run's own.
fn unique_name(tag: &str) -> std::ffi::CString {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::ffi::CString::new(format!("/kestrel-psem-{}-{tag}-{n}", std::process::id())).unwrap()
}

#[test]
fn unnamed_values_and_errnos() {
    let mut s = new_sem();
    let s = &raw mut *s;
    // SAFETY: `s` is a live, aligned sem_t for every call below.
    unsafe {
        assert_eq!(sem_init(s, 0, SEM_VALUE_MAX as c_uint + 1), -1);
        assert_eq!(errno(), EINVAL);
        assert_eq!(sem_init(s, 0, 1), 0);
        assert_eq!(sem_trywait(s), 0);
        assert_eq!(sem_trywait(s), -1);
        assert_eq!(errno(), EAGAIN);
        let past = timespec { tv_sec: 0, tv_nsec: 0 };
        assert_eq!(sem_timedwait(s, &past), -1);
        assert_eq!(errno(), ETIMEDOUT);
        assert_eq!(sem_clockwait(s, 42, &past), -1);
        assert_eq!(errno(), EINVAL);
        let bad = timespec { tv_sec: 0, tv_nsec: 1_000_000_000 };
        assert_eq!(sem_timedwait(s, &bad), -1, "would block: the deadline is checked");
        assert_eq!(errno(), EINVAL);
        assert_eq!(sem_post(s), 0);
        assert_eq!(sem_timedwait(s, &bad), 0, "a token there: taken without a look at the deadline");
        assert_eq!(sem_init(s, 1, SEM_VALUE_MAX as c_uint), 0);
        assert_eq!(sem_post(s), -1);
        assert_eq!(errno(), EOVERFLOW);
        let mut v = 0;
        assert_eq!(sem_getvalue(s, &mut v), 0);
        assert_eq!(v, SEM_VALUE_MAX);
        assert_eq!(sem_destroy(s), 0);
    }
}

#[test]
fn timed_waits_time_out_and_are_woken() {
    let sem = Box::leak(new_sem()) as *mut sem_t as usize;
    // SAFETY: a leaked, live sem_t, shared with the thread below.
    unsafe { sem_init(sem as *mut sem_t, 0, 0) };
    for clock in [CLOCK_REALTIME, CLOCK_MONOTONIC] {
        let start = Instant::now();
        let deadline = after(clock, 100);
        // SAFETY: as above.
        assert_eq!(unsafe { sem_clockwait(sem as *mut sem_t, clock, &deadline) }, -1);
        assert_eq!(errno(), ETIMEDOUT);
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(95) && took < Duration::from_secs(3), "{took:?}");

        let poster = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            // SAFETY: as above.
            unsafe { sem_post(sem as *mut sem_t) }
        });
        let deadline = after(clock, 5000);
        // SAFETY: as above.
        assert_eq!(unsafe { sem_clockwait(sem as *mut sem_t, clock, &deadline) }, 0);
        assert!(start.elapsed() < Duration::from_secs(3));
        assert_eq!(poster.join().unwrap(), 0);
    }
}

#[test]
fn threads_contend_and_no_post_is_lost() {
    const THREADS: usize = 4;
    const ROUNDS: usize = 5000;
    let lock = Box::leak(new_sem()) as *mut sem_t as usize;
    let items = Box::leak(new_sem()) as *mut sem_t as usize;
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    // SAFETY: leaked, live semaphores, shared with the threads.
    unsafe {
        sem_init(lock as *mut sem_t, 0, 1);
        sem_init(items as *mut sem_t, 0, 0);
    }
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            std::thread::spawn(move || {
                for i in 0..ROUNDS {
                    // SAFETY: as above.
                    unsafe { sem_wait(lock as *mut sem_t) };
                    // A read and a write apart: only the semaphore keeps them together.
                    let c = COUNTER.load(Ordering::Relaxed);
                    if i % 256 == 0 {
                        std::thread::yield_now();
                    }
                    COUNTER.store(c + 1, Ordering::Relaxed);
                    // SAFETY: as above.
                    unsafe {
                        sem_post(lock as *mut sem_t);
                        sem_post(items as *mut sem_t);
                    }
                }
            })
        })
        .collect();
    // Consumers asleep on `items` while the workers post: every post wakes or is taken.
    for _ in 0..THREADS * ROUNDS {
        // SAFETY: as above.
        assert_eq!(unsafe { sem_wait(items as *mut sem_t) }, 0);
    }
    workers.into_iter().for_each(|w| w.join().unwrap());
    assert_eq!(COUNTER.load(Ordering::Relaxed), (THREADS * ROUNDS) as u64);
    // SAFETY: as above.
    assert_eq!(unsafe { sem_trywait(items as *mut sem_t) }, -1);
}

#[test]
fn process_shared_across_fork() {
    // SAFETY: a new anonymous shared mapping; the child only posts and exits.
    unsafe {
        let sem = glibc::mmap(core::ptr::null_mut(), 4096, 3, 0x01 | 0x20, -1, 0).cast::<sem_t>();
        assert_ne!(sem as isize, -1);
        assert_eq!(sem_init(sem, 1, 0), 0);
        let pid = glibc::fork();
        if pid == 0 {
            for _ in 0..3 {
                sem_post(sem);
            }
            glibc::_exit(0);
        }
        for _ in 0..3 {
            let deadline = after(CLOCK_REALTIME, 10_000);
            assert_eq!(sem_timedwait(sem, &deadline), 0);
        }
        let mut status = 0;
        assert_eq!(glibc::waitpid(pid, &mut status, 0), pid);
        assert_eq!(status, 0);
        assert_eq!(sem_trywait(sem), -1);
        glibc::munmap(sem.cast(), 4096);
    }
}

#[test]
fn named_open_close_unlink() {
    let name = unique_name("named");
    let (creat, excl) = (platform::O_CREAT, platform::O_EXCL);
    // SAFETY: NUL-terminated names; the semaphores sem_open returns are live until closed.
    unsafe {
        assert_eq!(sem_open(name.as_ptr(), 0, 0, 0), SEM_FAILED);
        assert_eq!(errno(), ENOENT);
        let a = sem_open(name.as_ptr(), creat | excl, 0o600, 2);
        assert_ne!(a, SEM_FAILED);
        assert_eq!(sem_open(name.as_ptr(), creat | excl, 0o600, 2), SEM_FAILED);
        assert_eq!(errno(), EEXIST);
        let b = sem_open(name.as_ptr(), creat, 0o600, SEM_VALUE_MAX as c_uint + 1);
        assert_eq!(b, a, "one address per semaphore");
        assert_eq!(sem_close(a), 0);
        assert_eq!(sem_trywait(b), 0, "still open once");
        assert_eq!(sem_unlink(name.as_ptr()), 0);
        assert_eq!(sem_post(b), 0, "unlinked: works on");
        let c = sem_open(name.as_ptr(), creat, 0o600, 5);
        assert!(c != SEM_FAILED && c != b, "a new semaphore under the old name");
        let mut v = 0;
        sem_getvalue(c, &mut v);
        assert_eq!(v, 5);
        assert_eq!(sem_close(b), 0);
        assert_eq!(sem_close(b), -1, "closed");
        assert_eq!(errno(), EINVAL);
        assert_eq!(sem_close(c), 0);
        assert_eq!(sem_unlink(name.as_ptr()), 0);
        assert_eq!(sem_unlink(name.as_ptr()), -1);
        assert_eq!(errno(), ENOENT);
    }
}

#[test]
fn same_namespace_as_glibc() {
    // Made here, removed by glibc's sem_unlink by the same name: both use /dev/shm/sem.NAME.
    let name = unique_name("glibc");
    // SAFETY: NUL-terminated names; the semaphore is live until closed.
    unsafe {
        let s = sem_open(name.as_ptr(), platform::O_CREAT | platform::O_EXCL, 0o600, 1);
        assert_ne!(s, SEM_FAILED);
        let path = format!("/dev/shm/sem.{}", &name.to_str().unwrap()[1..]);
        assert!(std::path::Path::new(&path).exists(), "{path}");
        assert_eq!((glibc::get().unlink)(name.as_ptr()), 0);
        assert!(!std::path::Path::new(&path).exists());
        assert_eq!(sem_close(s), 0);
    }
}

/// `sem_open` and `sem_unlink` of a name, here and in glibc: the errno (0 for success).
fn open_and_unlink(name: &CStr) -> ((c_int, c_int), (c_int, c_int)) {
    let g = glibc::get();
    // SAFETY: NUL-terminated names; what opens is closed and removed at once.
    unsafe {
        let ours_open = {
            let s = sem_open(name.as_ptr(), platform::O_CREAT | platform::O_EXCL, 0o600, 0);
            if s == SEM_FAILED { errno() } else { sem_close(s) }
        };
        let ours_unlink = if sem_unlink(name.as_ptr()) == 0 { 0 } else { errno() };
        let theirs_open = {
            let s = (g.open)(name.as_ptr(), glibc::O_CREAT | glibc::O_EXCL, 0o600, 0);
            if s == SEM_FAILED { glibc::errno() } else { (g.close)(s) }
        };
        let theirs_unlink = if (g.unlink)(name.as_ptr()) == 0 { 0 } else { glibc::errno() };
        ((ours_open, ours_unlink), (theirs_open, theirs_unlink))
    }
}

#[test]
fn names_differ_from_glibc_only_above_name_max() {
    let base = unique_name("n");
    let base = &base.to_str().unwrap()[1..];
    let mut names: Vec<String> =
        ["", "/", "//", "/a/b", "/x/", &format!("/{base}"), &format!("//{base}"), base].map(String::from).to_vec();
    for len in [250, 251, 252, 255, 256, 300] {
        names.push(format!("/{}", "q".repeat(len)));
    }
    for name in names {
        let c = std::ffi::CString::new(name.clone()).unwrap();
        let (ours, theirs) = open_and_unlink(&c);
        let after_slashes = name.trim_start_matches('/').len();
        if after_slashes > 255 {
            // glibc: EINVAL from its name buffer (sem_unlink: ENOENT); here ENAMETOOLONG.
            assert_eq!(theirs, (EINVAL, ENOENT), "{name:?}");
            assert_eq!(ours, (ENAMETOOLONG, ENAMETOOLONG), "{name:?}");
        } else {
            assert_eq!(ours, theirs, "{name:?} ({after_slashes} bytes)");
        }
    }
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// One operation of the differential test, on our semaphore or glibc's: the result, the
/// errno of a failure, and the value afterwards.
fn apply(op: u64, arg: u64, ours: bool, s: *mut sem_t) -> (c_int, c_int, c_int) {
    let g = glibc::get();
    let past = timespec { tv_sec: 1, tv_nsec: 0 };
    let bad = timespec { tv_sec: 1, tv_nsec: -1 };
    let value = arg as c_uint;
    // SAFETY: `s` is a live sem_t of the side being tested, initialized by the first
    // operation of every sequence.
    unsafe {
        let ret = match (op, ours) {
            (0, true) => sem_init(s, (arg & 1) as c_int, value),
            (0, false) => (g.init)(s, (arg & 1) as c_int, value),
            (1, true) => sem_post(s),
            (1, false) => (g.post)(s),
            (2, true) => sem_trywait(s),
            (2, false) => (g.trywait)(s),
            (3, true) => sem_timedwait(s, &past),
            (3, false) => (g.timedwait)(s, &past),
            (4, true) => sem_clockwait(s, CLOCK_MONOTONIC, &past),
            (4, false) => (g.clockwait)(s, 1, &past),
            (5, true) => sem_clockwait(s, 3, &past), // CLOCK_THREAD_CPUTIME_ID on Linux
            (5, false) => (g.clockwait)(s, 3, &past),
            (_, true) => sem_timedwait(s, &bad),
            (_, false) => (g.timedwait)(s, &bad),
        };
        let errno = if ret == 0 {
            0
        } else if ours {
            errno()
        } else {
            glibc::errno()
        };
        let mut v = -1;
        if ours {
            sem_getvalue(s, &mut v)
        } else {
            (g.getvalue)(s, &mut v)
        };
        (ret, errno, v)
    }
}

#[test]
fn unnamed_operations_match_glibc() {
    let mut rng = Rng(0x5e3a_0001);
    let (mut ours, mut theirs) = (new_sem(), new_sem());
    for _ in 0..300 {
        // Start near 0, near the maximum, or above it (sem_init's EINVAL).
        let start = match rng.next() % 4 {
            0 => rng.next() % 3,
            1 => SEM_VALUE_MAX as u64 - rng.next() % 3,
            2 => SEM_VALUE_MAX as u64 + 1 + rng.next() % 3,
            _ => rng.next() % 100,
        };
        let mut ops = vec![(0, start)];
        ops.extend((0..20).map(|_| (1 + rng.next() % 6, 0)));
        for (op, arg) in ops {
            let o = apply(op, arg, true, &raw mut *ours);
            let t = apply(op, arg, false, &raw mut *theirs);
            if op == 0 && o.0 != 0 {
                assert_eq!((o.0, o.1), (t.0, t.1), "sem_init({start})");
                break; // not initialized: nothing more to compare
            }
            if op == 6 && t.2 > 0 {
                // glibc checks tv_nsec first; POSIX lets a call that need not block skip it.
                assert_eq!((o.0, t.1), (0, EINVAL), "a bad deadline with a token there");
                // SAFETY: the glibc semaphore is initialized: keep the two values equal.
                unsafe { (glibc::get().trywait)(&raw mut *theirs) };
                continue;
            }
            assert_eq!(o, t, "operation {op} from {start}");
        }
    }
}

#[test]
fn random_mix_of_waits_loses_no_wakeup() {
    // Consumers take their share with every kind of wait while producers post at random
    // moments; a lost wake-up would leave a consumer asleep past its 10 s deadline.
    const CONSUMERS: usize = 3;
    const SHARE: usize = 3000;
    let sem = Box::leak(new_sem()) as *mut sem_t as usize;
    // SAFETY: a leaked, live sem_t shared with the threads.
    unsafe { sem_init(sem as *mut sem_t, 0, 0) };
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|c| {
            std::thread::spawn(move || {
                let mut rng = Rng(0x9e37_79b9 + c as u64);
                for _ in 0..SHARE {
                    let s = sem as *mut sem_t;
                    // SAFETY: as above.
                    let taken = unsafe {
                        match rng.next() % 4 {
                            0 => sem_wait(s),
                            1 => sem_timedwait(s, &after(CLOCK_REALTIME, 10_000)),
                            2 => sem_clockwait(s, CLOCK_MONOTONIC, &after(CLOCK_MONOTONIC, 10_000)),
                            _ => loop {
                                if sem_trywait(s) == 0 {
                                    break 0;
                                }
                                assert_eq!(errno(), EAGAIN);
                                std::thread::yield_now();
                            },
                        }
                    };
                    assert_eq!(taken, 0, "errno {}", errno());
                }
            })
        })
        .collect();
    let producers: Vec<_> = (0..2)
        .map(|p| {
            std::thread::spawn(move || {
                let mut rng = Rng(0x51_7cc1 + p);
                for _ in 0..CONSUMERS * SHARE / 2 {
                    if rng.next().is_multiple_of(8) {
                        std::thread::yield_now();
                    }
                    // SAFETY: as above.
                    assert_eq!(unsafe { sem_post(sem as *mut sem_t) }, 0);
                }
            })
        })
        .collect();
    producers.into_iter().chain(consumers).for_each(|t| t.join().unwrap());
    let mut v = -1;
    // SAFETY: as above.
    unsafe { sem_getvalue(sem as *mut sem_t, &mut v) };
    assert_eq!(v, 0, "every post taken once");
}

#[test]
fn threads_racing_to_create_get_one_semaphore() {
    const THREADS: usize = 8;
    let name = unique_name("race");
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(THREADS));
    let opened: Vec<usize> = (0..THREADS)
        .map(|_| {
            let (name, barrier) = (name.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                // SAFETY: a NUL-terminated name.
                let s = unsafe { sem_open(name.as_ptr(), platform::O_CREAT, 0o600, 3) };
                assert_ne!(s, SEM_FAILED, "errno {}", errno());
                s as usize
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap())
        .collect();
    assert!(opened.iter().all(|&a| a == opened[0]), "one address: {opened:x?}");
    let s = opened[0] as *mut sem_t;
    let mut v = -1;
    // SAFETY: the semaphore is open THREADS times until the closes below.
    unsafe {
        sem_getvalue(s, &mut v);
        assert_eq!(v, 3, "initialized once, by its creator");
        for _ in 0..THREADS {
            assert_eq!(sem_close(s), 0);
        }
        assert_eq!(sem_close(s), -1);
        assert_eq!(sem_unlink(name.as_ptr()), 0);
    }
}
