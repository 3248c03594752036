//! `fuzz [SECONDS [SEED [WORKERS]]]` (default 10 s, seed 1, 4 workers): random system
//! calls and scheme calls against the kernel (see `userspace::fuzz` for what a worker
//! calls and what it leaves alone), from root and from unprivileged workers alike.
//!
//! The supervisor starts the workers (half of them drop to uid and gid 1000 without
//! supplementary groups), watches the call count each keeps in shared memory, and
//! SIGKILLs a worker whose count has not moved for 300 ms (asleep in a call that
//! waits forever: a message that never comes, a futex nobody wakes); a worker that dies
//! of its own calls (a bad signal handler, its code unmapped) or is killed is replaced
//! by a new one with the next seed. A kernel panic ends the machine and a kernel hang
//! stops the supervisor; the host sees both. At the end it reports the calls per second,
//! removes the System V objects the workers left, and checks that the kernel still
//! serves a fork, a semaphore and a pipe, and that no process is left behind.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use userspace::abi::syscall::{MAP_SHARED, Map};
use userspace::abi::sysv::{GETVAL, MSG_STAT, MsqidDs, SEM_STAT, SHM_STAT, ShmidDs};
use userspace::fuzz::Worker;
use userspace::mm::{ANONYMOUS, PAGE_SIZE, PROT_READ, PROT_WRITE, fmap};
use userspace::process::{self, WNOHANG};
use userspace::signal::SIGKILL;
use userspace::sysv::{IPC_PRIVATE, IPC_RMID, op, semctl, semget, semop};
use userspace::{check, check_eq, check_ok, cred, fs, msg, println, rt, shm, time};

userspace::entry!(main);

/// A worker whose count has not moved for this long is killed.
const STALL_NS: u64 = 300_000_000;
/// Most workers.
const MAX_WORKERS: usize = 32;

/// A running worker: its pid, its slot's count when last seen moving, and when.
struct Running {
    pid: usize,
    seen: u64,
    since: u64,
}

/// Starts worker `slot` with `seed`: root if the slot is even, else uid and gid 1000.
fn start(slot: usize, seed: u64, counts: &'static [AtomicU64]) -> Option<usize> {
    counts[slot].store(0, Ordering::Relaxed);
    let pid = process::fork().ok()?;
    if pid == 0 {
        if slot % 2 == 1 {
            let dropped =
                cred::setgroups(&[]).and(cred::setresgid(1000, 1000, 1000)).and(cred::setresuid(1000, 1000, 1000));
            if dropped.is_err() {
                process::exit(9);
            }
        }
        let buf = alloc::vec![0u8; 16 * PAGE_SIZE].leak();
        Worker::new(seed, buf, &counts[slot], &counts[MAX_WORKERS + slot]).run(&counts[2 * MAX_WORKERS + slot]);
    }
    Some(pid)
}

/// The resources line `name` of the sys scheme.
fn resource(name: &str) -> Option<u64> {
    let fd = fs::open("/scheme/sys/resources", userspace::abi::syscall::O_RDONLY).ok()?;
    let text = fs::read_to_end(fd).ok();
    let _ = fs::close(fd);
    let text = text?;
    let text = core::str::from_utf8(&text).ok()?;
    text.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

/// Removes every System V object left (the workers make them with random keys): each
/// index's id by SEM_STAT, MSG_STAT or SHM_STAT, then IPC_RMID.
fn remove_ipc_objects() -> usize {
    let mut removed = 0;
    for index in 0..256 {
        let mut sem_ds = [0u8; 128];
        if let Ok(id) = semctl(index, 0, SEM_STAT, sem_ds.as_mut_ptr() as u64) {
            removed += usize::from(semctl(id, 0, IPC_RMID, 0).is_ok());
        }
        if let Ok(id) = msg::msgctl(index, MSG_STAT, &mut MsqidDs::default()) {
            removed += usize::from(msg::msgctl_rmid(id).is_ok());
        }
        if let Ok(id) = shm::shmctl(index, SHM_STAT, &mut ShmidDs::default()) {
            removed += usize::from(shm::remove(id).is_ok());
        }
    }
    removed
}

/// The kernel still serves the basics.
fn kernel_still_works() {
    let child = process::fork_run(|| 7);
    if let Some(pid) = check_ok!(child, "fork after fuzzing") {
        check_eq!(process::wait_for(pid).map(|s| s.exited()), Ok(Some(7)), "the child's status");
    }
    if let Some(id) = check_ok!(semget(IPC_PRIVATE, 1, 0o600), "semget after fuzzing") {
        check_ok!(semop(id, &[op(0, 1, 0)]), "semop");
        check_eq!(semctl(id, 0, GETVAL, 0), Ok(1), "GETVAL");
        check_ok!(semctl(id, 0, IPC_RMID, 0), "IPC_RMID");
    }
    if let Some([r, w]) = check_ok!(fs::pipe2(0), "pipe2 after fuzzing") {
        check_eq!(fs::write(w, b"ok"), Ok(2), "pipe write");
        let mut buf = [0u8; 2];
        check_eq!(fs::read(r, &mut buf), Ok(2), "pipe read");
        let _ = (fs::close(r), fs::close(w));
    }
}

fn main(_args: &[&str]) -> i32 {
    let seconds = rt::arg_or(1, 10);
    let mut seed = rt::arg_or(2, 1);
    let workers = (rt::arg_or(3, 4) as usize).clamp(1, MAX_WORKERS);
    println!("fuzz: {workers} workers (half without privileges), {seconds} s, seed {seed}");
    let processes_before = resource("processes");

    let map = Map { offset: 0, size: PAGE_SIZE, flags: PROT_READ | PROT_WRITE | MAP_SHARED, address: 0 };
    // SAFETY: a new shared anonymous page wherever the kernel puts it; nothing is replaced.
    let Some(page) = check_ok!(unsafe { fmap(ANONYMOUS, &map) }, "a shared page for the counts") else { return 1 };
    // SAFETY: the page is ours, zeroed, page-aligned and as long as 3 * MAX_WORKERS counters
    // (each worker's call count, its call in progress, its slowest call);
    // the workers share it after fork and only touch their own slot, atomically.
    let counts: &'static [AtomicU64] =
        unsafe { core::slice::from_raw_parts(page as *const AtomicU64, 3 * MAX_WORKERS) };

    let start_ns = time::monotonic_ns();
    let deadline = start_ns + seconds * 1_000_000_000;
    let mut running: Vec<Option<Running>> = (0..workers).map(|_| None).collect();
    let (mut started, mut stalled, mut died, mut calls, mut slowest) = (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut next_report = start_ns + 10_000_000_000;
    while time::monotonic_ns() < deadline {
        let now = time::monotonic_ns();
        for (slot, worker) in running.iter_mut().enumerate() {
            match worker {
                None => {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    if let Some(pid) = start(slot, seed, counts) {
                        started += 1;
                        *worker = Some(Running { pid, seen: 0, since: now });
                    }
                }
                Some(w) => {
                    let count = counts[slot].load(Ordering::Relaxed);
                    if count != w.seen {
                        w.seen = count;
                        w.since = now;
                    } else if now - w.since > STALL_NS {
                        let _ = process::kill(w.pid, SIGKILL);
                        stalled += 1;
                    }
                }
            }
        }
        // Reap whatever ended (stalled ones killed above, and those that died).
        while let Ok((pid, status)) = process::waitpid(-1, WNOHANG) {
            if pid == 0 {
                break;
            }
            if let Some(slot) = running.iter().position(|w| w.as_ref().is_some_and(|w| w.pid == pid)) {
                calls += counts[slot].load(Ordering::Relaxed);
                slowest = slowest.max(counts[2 * MAX_WORKERS + slot].swap(0, Ordering::Relaxed));
                if status.signaled() != Some(SIGKILL) {
                    died += 1;
                }
                running[slot] = None;
            }
        }
        if now > next_report {
            println!("fuzz: {} s, {} calls so far", (now - start_ns) / 1_000_000_000, calls);
            next_report += 10_000_000_000;
        }
        let _ = time::sleep_ms(50);
    }
    for (slot, worker) in running.iter_mut().enumerate() {
        if let Some(w) = worker.take() {
            let _ = process::kill(w.pid, SIGKILL);
            let _ = process::wait_for(w.pid);
            calls += counts[slot].load(Ordering::Relaxed);
            slowest = slowest.max(counts[2 * MAX_WORKERS + slot].swap(0, Ordering::Relaxed));
        }
    }
    // Orphans of the workers' forks were killed with them or ended at once.
    while let Ok((pid, _)) = process::waitpid(-1, WNOHANG) {
        if pid == 0 {
            break;
        }
    }
    let elapsed_ms = time::elapsed_ms(start_ns).max(1);
    println!(
        "fuzz: {calls} calls in {elapsed_ms} ms ({} calls/s), {started} workers started, {died} died of their calls, {stalled} killed asleep",
        calls * 1000 / elapsed_ms
    );
    println!(
        "fuzz: the slowest call (asleep or not) took {} ms: call {:#x}",
        (slowest >> 32) / 1000,
        slowest & 0xffff_ffff
    );
    let removed = remove_ipc_objects();
    println!("fuzz: removed {removed} System V objects the workers left");
    kernel_still_works();
    check!(calls > 0, "the workers made calls");
    // Every worker and every child of theirs is gone (reparented orphans end as zombies
    // of init, which reaps them; give it a moment).
    let _ = time::sleep_ms(200);
    check_eq!(resource("processes"), processes_before, "processes after the run");
    userspace::check::finish()
}
