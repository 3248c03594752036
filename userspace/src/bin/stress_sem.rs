//! `stress_sem [PROCS [SEMS [SECONDS]]]` (default 32 16 3): many processes hammering one
//! semaphore set with random multi-operation calls under SEM_UNDO, while the supervisor
//! SIGKILLs random workers (asleep or not) and starts new ones.
//!
//! The set's first half are token pools (4 tokens each) that workers borrow and give
//! back; the second half are counters that workers raise and lower by their own amounts;
//! one last semaphore counts progress without undo. Every worker operation is under
//! SEM_UNDO and no worker takes from another's share, so when every worker has ended,
//! killed or not, undo must have brought each pool back to 4 and each counter to 0. The
//! values are also checked to stay within range during the run. Prints the figures and
//! exits 0 only if every check held and no process hung.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use userspace::process;
use userspace::stress::{Crew, FIRST_SEED, HANG_MS, MS, Member, next_seed, verdict};
use userspace::sysv::{
    GETALL, IPC_NOWAIT, IPC_PRIVATE, IPC_RMID, SEM_UNDO, SETALL, SemBuf, millis, op, semctl, semget, semop, semtimedop,
};
use userspace::{Errno, check_eq, check_ok, println, rt, time};

use userspace::rand::Rng;

userspace::entry!(main);

const TOKENS: u16 = 4;
/// Progress is counted in steps of this many completed calls.
const PROGRESS_STEP: u32 = 16;

/// A worker process, by its pid.
struct Pid(usize);

impl Member for Pid {
    fn pid(&self) -> usize {
        self.0
    }

    fn describe(&self) -> String {
        format!("worker {}", self.0)
    }
}

struct Config {
    procs: usize,
    sems: u16,
    seconds: u64,
}

/// One worker: borrow tokens and raise a counter in one call, give both back in one
/// call, now and then wait for a counter to reach zero; until `deadline`.
fn worker(id: i32, cfg_sems: u16, seed: u64, deadline: u64) -> i32 {
    let pools = cfg_sems / 2;
    let counters = cfg_sems - pools;
    let progress = cfg_sems;
    let mut rng = Rng(seed | 1);
    let mut done = 0u32;
    while time::monotonic_ns() < deadline {
        if rng.below(8) == 0 {
            let counter = pools + rng.below(u64::from(counters)) as u16;
            match semtimedop(id, &[op(counter, 0, 0)], Some(&millis(20))) {
                Ok(()) | Err(Errno::EAGAIN) => {}
                Err(_) => return 3,
            }
            continue;
        }
        let mut take: Vec<SemBuf> = Vec::new();
        for _ in 0..1 + rng.below(3) {
            let pool = rng.below(u64::from(pools)) as u16;
            let n = 1 + rng.below(2) as i16;
            take.push(op(pool, -n, SEM_UNDO));
        }
        let counter = pools + rng.below(u64::from(counters)) as u16;
        take.push(op(counter, 1 + rng.below(3) as i16, SEM_UNDO));
        match semtimedop(id, &take, Some(&millis(50))) {
            Ok(()) => {}
            Err(Errno::EAGAIN) => continue,
            Err(_) => return 4,
        }
        if rng.below(4) == 0 {
            let _ = time::sched_yield();
        }
        let give: Vec<SemBuf> = take.iter().map(|o| op(o.sem_num, -o.sem_op, SEM_UNDO | IPC_NOWAIT)).collect();
        if semop(id, &give).is_err() {
            return 5;
        }
        done += 1;
        if done.is_multiple_of(PROGRESS_STEP) && semop(id, &[op(progress, 1, 0)]).is_err() {
            return 6;
        }
    }
    0
}

fn values(id: i32, n: usize) -> Option<Vec<u16>> {
    let mut v = alloc::vec![0u16; n];
    check_ok!(semctl(id, 0, GETALL, v.as_mut_ptr() as u64), "GETALL").map(|_| v)
}

fn main(_args: &[&str]) -> i32 {
    let cfg = Config {
        procs: rt::arg_or(1, 32) as usize,
        sems: rt::arg_or(2, 16).clamp(2, 1000) as u16,
        seconds: rt::arg_or(3, 3),
    };
    println!("stress_sem: {} processes, {} semaphores, {} s", cfg.procs, cfg.sems, cfg.seconds);
    let nsems = usize::from(cfg.sems) + 1;
    let Some(id) = check_ok!(semget(IPC_PRIVATE, nsems as i32, 0o600), "semget") else { return 1 };
    let pools = usize::from(cfg.sems / 2);
    let mut initial = alloc::vec![0u16; nsems];
    initial[..pools].fill(TOKENS);
    check_ok!(semctl(id, 0, SETALL, initial.as_ptr() as u64), "SETALL");

    let start = time::monotonic_ns();
    let end = start + cfg.seconds * 1_000_000_000;
    let mut seed = FIRST_SEED;
    let spawn = |seed: &mut u64| {
        let s = next_seed(seed);
        process::fork_run(move || worker(id, cfg.sems, s, end)).map(Pid)
    };
    let mut crew = Crew::default();
    for _ in 0..cfg.procs {
        crew.workers.extend(check_ok!(spawn(&mut seed), "fork a worker"));
    }
    let mut rng = Rng(start | 1);
    let mut range_errors = 0usize;
    let progress = nsems as u16 - 1;
    let mut progress_steps = 0u64;
    // Moves the progress count out of the semaphore before it can reach SEMVMX.
    let drain_progress = |steps: &mut u64| {
        if let Ok(p) = semctl(id, i32::from(progress), userspace::sysv::GETVAL, 0)
            && p > 0
            && semop(id, &[op(progress, -(p as i16), IPC_NOWAIT)]).is_ok()
        {
            *steps += p as u64;
        }
    };
    while time::monotonic_ns() + 100 * MS < end {
        let _ = time::sleep_ms(20 + rng.below(60));
        if let Some(v) = values(id, nsems) {
            range_errors += v[..nsems - 1].iter().filter(|&&x| i32::from(x) > 32767).count();
        }
        drain_progress(&mut progress_steps);
        if crew.kill_random(&mut rng).is_none() {
            break;
        }
        crew.workers.extend(check_ok!(spawn(&mut seed), "fork a replacement"));
    }
    // The workers stop at the deadline; give them 10 s more before calling it a hang.
    crew.wait_all(end + HANG_MS * MS, |_, _| false);
    let elapsed = time::monotonic_ns() - start;
    drain_progress(&mut progress_steps);
    let Some(end_values) = values(id, nsems) else { return 1 };
    let calls = progress_steps * u64::from(PROGRESS_STEP);
    check_eq!(&end_values[..nsems - 1], &initial[..nsems - 1], "every value restored by undo");
    check_eq!(range_errors, 0, "values out of range during the run");
    check_eq!(crew.failures, 0, "workers that failed");
    let _ = semctl(id, 0, IPC_RMID, 0);
    let per_sec = calls * 1_000_000_000 / elapsed.max(1);
    println!(
        "stress_sem: {} processes, {} semaphores, {:.1} s: {} calls ({} per s), {} workers killed, values restored: {}",
        cfg.procs,
        cfg.sems,
        elapsed as f64 / 1e9,
        calls,
        per_sec,
        crew.kills,
        verdict()
    );
    userspace::check::finish()
}
