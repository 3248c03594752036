//! `stress_all [SECONDS]` (default 3): every facility at once. Runs the stress programs
//! of semaphores, System V and POSIX message queues and shared memory side by side (each
//! kills its own workers at random and checks its own invariants at the end), plus
//! workers of its own that create, use and close eventfds, armed timerfds, signalfds,
//! pipes with data in them and event queues, and that it SIGKILLs at random; prints a progress line every
//! second. Passes when every stress program passed and, after a warm-up round of the
//! same mix, every count of `/scheme/sys/resources` is back where it was (each read after
//! `/scheme/sys/drop_caches`): every object count exactly; the kernel heap and the free
//! frames within the capacity the kernel's tables may keep after a busier moment.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use userspace::abi::eventfd::EVENTFD_CALL;
use userspace::abi::signalfd::SIGNALFD_CALL;
use userspace::abi::syscall::{CALL_READ, CLOCK_MONOTONIC, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY};
use userspace::abi::timerfd::call::TIMERFD_CALL_CREATE;
use userspace::abi::timerfd::call::TIMERFD_CALL_SETTIME;
use userspace::abi::timerfd::{ItimerSpec, Timespec};
use userspace::process::{self, WNOHANG};
use userspace::rand::Rng;
use userspace::signal::{SIGKILL, SIGUSR2};
use userspace::{check, check_eq, fs, println, rt, time};

userspace::entry!(main);

/// The stress programs and their arguments before the run time (`{s}`).
/// (`stress_shm` is told `shared`: the free frames are this program's to compare.)
const PROGRAMS: [(&str, &[&str], &[&str]); 4] = [
    ("stress_sem", &["8", "8"], &[]),
    ("stress_msg", &["6"], &[]),
    ("stress_mq", &["4"], &[]),
    ("stress_shm", &["4", "4"], &["shared"]),
];

/// How far the kernel heap (bytes) and the free frames may end from where they were:
/// the capacity tables keep after a busier moment than the warm-up's.
const HEAP_SLACK: u64 = 64 << 10;
const FRAMES_SLACK: u64 = 16;

/// Descriptor workers of this program.
const FD_WORKERS: usize = 3;

/// `/scheme/sys/resources` as (name, value) pairs, after the kernel has given back what
/// it keeps for reuse (`/scheme/sys/drop_caches`).
fn resources() -> Vec<(String, u64)> {
    if let Ok(fd) = fs::open("/scheme/sys/drop_caches", O_WRONLY) {
        let _ = fs::write(fd, b"1");
        let _ = fs::close(fd);
    }
    let Ok(fd) = fs::open("/scheme/sys/resources", O_RDONLY) else { return Vec::new() };
    let text = fs::read_to_end(fd).unwrap_or_default();
    let _ = fs::close(fd);
    core::str::from_utf8(&text)
        .unwrap_or("")
        .lines()
        .filter_map(|l| {
            let (name, value) = l.split_once(' ')?;
            Some((String::from(name), value.parse().ok()?))
        })
        .collect()
}

fn resource(all: &[(String, u64)], name: &str) -> u64 {
    all.iter().find(|(n, _)| n == name).map_or(0, |(_, v)| *v)
}

/// A new eventfd, armed timerfd or signalfd, by a call on its scheme's root `root`.
fn make_fd(root: usize, kind: u64) -> Option<usize> {
    match kind {
        0 => fs::call(root, &mut [], 0, &[EVENTFD_CALL, 3, 0]).ok().inspect(|&fd| {
            let _ = fs::write(fd, &5u64.to_le_bytes());
        }),
        1 => {
            let fd = fs::call(root, &mut [], 0, &[TIMERFD_CALL_CREATE, CLOCK_MONOTONIC as u64, 0]).ok()?;
            let spec = ItimerSpec {
                it_interval: Timespec { tv_sec: 0, tv_nsec: 1_000_000 },
                it_value: Timespec { tv_sec: 0, tv_nsec: 1_000_000 },
            };
            let mut words = [(&spec as *const ItimerSpec as u64).to_le_bytes(), [0; 8]].concat();
            let _ = fs::call(root, &mut words, CALL_READ, &[TIMERFD_CALL_SETTIME, fd as u64, 0]);
            Some(fd)
        }
        _ => {
            let mask: u64 = 1 << (SIGUSR2 - 1);
            let mut words = [(&mask as *const u64 as u64).to_le_bytes(), 8u64.to_le_bytes()].concat();
            fs::call(root, &mut words, CALL_READ, &[SIGNALFD_CALL, u64::from(u32::MAX), 0]).ok()
        }
    }
}

/// A descriptor worker: makes, uses and closes descriptors of every kind until killed.
fn fd_worker(seed: u64) -> ! {
    let mut rng = Rng(seed | 1);
    let roots = ["/scheme/eventfd", "/scheme/timerfd", "/scheme/signalfd"].map(|p| fs::open(p, O_RDWR).ok());
    loop {
        let mut made = Vec::new();
        for _ in 0..1 + rng.below(4) {
            let kind = rng.below(6);
            let fd = match kind {
                0..=2 => roots[kind as usize].and_then(|root| make_fd(root, kind)),
                3 => fs::pipe2(O_NONBLOCK).ok().map(|[r, w]| {
                    let _ = fs::write(w, b"stress");
                    made.push(r);
                    w
                }),
                4 => fs::open("/scheme/event", O_RDWR).ok(),
                _ => fs::open("/scheme/sys/resources", O_RDONLY).ok(),
            };
            made.extend(fd);
        }
        let mut count = [0u8; 8];
        for fd in made {
            let _ = fs::read(fd, &mut count);
            let _ = fs::close(fd);
        }
        let _ = time::sched_yield();
    }
}

/// One round: the stress programs for `seconds` and the descriptor workers under random
/// SIGKILLs; returns whether every program passed.
fn round(seconds: u64, seed: u64, progress: bool) -> bool {
    let secs = format!("{seconds}");
    let mut programs: Vec<(usize, &str)> = Vec::new();
    for (name, args, after) in PROGRAMS {
        if let Some(only) = rt::arg(2)
            && only != name
            && only != "all"
        {
            continue;
        }
        let mut all: Vec<&str> = alloc::vec![name];
        all.extend(args);
        all.push(&secs);
        all.extend(after);
        let path = format!("/scheme/initfs/{name}");
        match process::spawn(&path, &all, &[]) {
            Ok(pid) => programs.push((pid, name)),
            Err(e) => {
                check!(false, "spawn {name}: {e}");
            }
        }
    }
    let mut rng = Rng(seed | 1);
    let mut workers: Vec<usize> = Vec::new();
    let mut kills = 0u64;
    let start = time::monotonic_ns();
    let mut next_progress = start + 1_000_000_000;
    let mut passed = true;
    // Until every stress program has ended (they end by themselves after `seconds`).
    while !programs.is_empty() {
        while workers.len() < FD_WORKERS {
            match process::fork() {
                Ok(0) => fd_worker(rng.next()),
                Ok(pid) => workers.push(pid),
                Err(_) => break,
            }
        }
        if rng.below(4) == 0 && !workers.is_empty() {
            let victim = workers.swap_remove(rng.below(workers.len() as u64) as usize);
            let _ = process::kill(victim, SIGKILL);
            let _ = process::wait_for(victim);
            kills += 1;
        }
        while let Ok((pid, status)) = process::waitpid(-1, WNOHANG) {
            if pid == 0 {
                break;
            }
            if let Some(i) = programs.iter().position(|&(p, _)| p == pid) {
                let (_, name) = programs.swap_remove(i);
                if !check!(status.success(), "{name} ended with {status}") {
                    passed = false;
                }
            }
        }
        let now = time::monotonic_ns();
        if progress && now > next_progress {
            let r = resources();
            println!(
                "stress_all: {} s: {} programs running, {} descriptor workers killed, {} processes, {} sem sets, {} msg queues, {} segments, {} POSIX queues, {} descriptors",
                (now - start) / 1_000_000_000,
                programs.len(),
                kills,
                resource(&r, "processes"),
                resource(&r, "sem_sets"),
                resource(&r, "msg_queues"),
                resource(&r, "shm_segments"),
                resource(&r, "mq_queues"),
                resource(&r, "descriptors"),
            );
            next_progress += 1_000_000_000;
        }
        let _ = time::sleep_ms(20);
    }
    for pid in workers {
        let _ = process::kill(pid, SIGKILL);
        let _ = process::wait_for(pid);
    }
    if progress {
        println!("stress_all: {} descriptor workers killed", kills);
    }
    passed
}

fn main(_args: &[&str]) -> i32 {
    let seconds = rt::arg_or(1, 3).max(1);
    println!(
        "stress_all: semaphores, System V and POSIX queues, shared memory and descriptors at once for {seconds} s"
    );
    // The warm-up grows the tables that keep their capacity, and this program's own
    // memory (its progress lines), so that the counts after the run compare exactly.
    check!(round(1, 7, true), "the warm-up round passed");
    let _ = resources();
    let before = resources();
    let passed = round(seconds, 11, true);
    check!(passed, "every stress program passed");
    // A process reaped a moment ago may still be freeing its last thread: the object
    // counts get up to 2 s to come back before they are checked.
    let settled = |after: &[(String, u64)]| {
        before.iter().zip(after).all(|((name, was), (_, now))| {
            matches!(name.as_str(), "heap_bytes" | "frames_free" | "heap_allocations" | "lazy_fpu_saves") || now == was
        })
    };
    let mut after = resources();
    for _ in 0..100 {
        if settled(&after) {
            break;
        }
        let _ = time::sleep_ms(20);
        after = resources();
    }
    check_eq!(before.len(), after.len(), "resource lines");
    for ((name, was), (_, now)) in before.iter().zip(&after) {
        match name.as_str() {
            // Tables keep the largest capacity they needed (the process table, a
            // facility's handles), and a busier run than the warm-up needs more: the
            // kernel heap and the frames may end a little above their high-water mark
            // of before. A leak per operation shows in c_leaks, which counts exactly.
            "heap_bytes" => {
                check!(*now <= was + HEAP_SLACK, "heap_bytes after the run: {now}, before {was}");
            }
            "frames_free" => {
                check!(now + FRAMES_SLACK >= *was, "frames_free after the run: {now}, before {was}");
            }
            // A count of events, not of things held.
            "lazy_fpu_saves" => {}
            "heap_allocations" => {
                check!(*now <= was + 16, "heap_allocations after the run: {now}, before {was}");
            }
            _ => {
                check_eq!(now, was, "{name} after the run");
            }
        }
    }
    println!(
        "stress_all: kernel heap {} bytes before, {} after; free frames {} before, {} after",
        resource(&before, "heap_bytes"),
        resource(&after, "heap_bytes"),
        resource(&before, "frames_free"),
        resource(&after, "frames_free")
    );
    userspace::check::finish()
}
