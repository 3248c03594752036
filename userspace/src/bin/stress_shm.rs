//! `stress_shm [PROCS [SEGMENTS [SECONDS [shared]]]]` (default 8 6 3; `shared`: beside other programs, so the machine's free frames are not compared): worker processes attaching
//! System V shared memory segments (anywhere, and at fixed addresses: over a reservation
//! with SHM_REMAP, in a hole, with SHM_RND), writing checksummed blocks, verifying every
//! block they can see, forking children that inherit their attachments, and detaching,
//! while a conductor SIGKILLs random workers and starts new ones, and now and then
//! replaces a segment by a new one and removes the old one while it is still attached.
//!
//! Blocks. Segment slot `s` has a size of its own (1 to 13 pages, not always whole pages)
//! cut into 512-byte blocks; block `b` belongs to worker slot `(7 s + b) % PROCS`, and only
//! the worker in that slot writes it. A block is a seqlock word (odd while being written),
//! an identity (the segment's generation, its slot, the block), a stamp (owner, write
//! count), a checksum, and 60 words that are a function of identity and stamp. Anyone who
//! sees a block (a worker, its fork children, the conductor at the end) recomputes it: it
//! must be empty (all zero), torn (seqlock odd or moving), or exactly what its owner
//! wrote. An owner also remembers what it last wrote to each of its blocks and finds it
//! there again (across detach and attach, at any address, after fork), and two
//! attachments of one segment hold the same bytes. Whoever finds a bad block prints it
//! and counts it in the directory segment, which every process shares.
//!
//! The directory. A one-page segment the conductor attaches before forking (so every
//! worker inherits it) holds the id and generation of each segment slot, the failure
//! count and each worker slot's counters. To replace a segment the conductor creates the
//! new one, publishes it, then IPC_RMIDs the old one, which lives (SHM_DEST) until its
//! last attachment goes: a worker's shmdt, exit, or death by SIGKILL, or its orphaned fork
//! child's exit.
//!
//! At the end, once every worker has stopped (and their children have exited), the
//! conductor checks:
//!
//! 1. no process found a bad block, and no worker failed or hung;
//! 2. nattch: every replaced segment is gone (EINVAL), every current one has nattch 0
//!    (IPC_STAT and SHM_STAT agree), and the directory only the conductor's attachment;
//! 3. the final contents: every block is empty, torn or right, and at most one block per
//!    killed worker is torn;
//! 4. after IPC_RMID every segment is gone at once, and SHM_INFO's segment and page
//!    counts are back to where they were.
//!
//! Around the conductor (a process of its own, so that nothing it maps stays behind),
//! the first process reads the kernel's free-frame count (`PROC_FREE_FRAMES`, which
//! counts the spare kernel stacks as free) before and after, and checks that it is back
//! to its start. Prints the figures and exits 0 only if every check held.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering, fence};

use userspace::abi::proc::PROC_FREE_FRAMES;
use userspace::abi::syscall::Map;
use userspace::abi::sysv::{
    IPC_PRIVATE, IPC_STAT, SHM_DEST, SHM_RDONLY, SHM_REMAP, SHM_RND, SHM_STAT, ShmUsage, ShmidDs,
};
use userspace::mm::{self, ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PAGE_SIZE, PROT_READ, PROT_WRITE};
use userspace::process;
use userspace::shm::{self, shmat, shmctl, shmdt, shmget};
use userspace::stress::{Crew, FIRST_SEED, Member, next_kill, next_seed, splitmix};
use userspace::{Errno, check, check_eq, check_ok, println, rt, time};

use userspace::rand::Rng;

#[path = "stress_shm/blocks.rs"]
mod blocks;
#[path = "stress_shm/worker.rs"]
mod worker;

use blocks::*;
use worker::*;

userspace::entry!(main);

const MS: u64 = 1_000_000;
/// How long the workers have after the deadline before they count as hung, and how long
/// the orphaned children of killed workers have to end.
const HANG_MS: u64 = 10_000;
const MAX_PROCS: usize = 64;
const MAX_SEGMENTS: usize = 32;
/// Pages of each segment slot's share of a worker's window of fixed addresses.
const SLOT_PAGES: usize = 16;
/// Pages of the segment in slot `s` are `PAGES[s % 6]`.
const PAGES: [usize; 6] = [1, 2, 3, 5, 8, 13];
const BLOCK_WORDS: usize = 64;
const BLOCK_BYTES: usize = BLOCK_WORDS * 8;
/// Ids are index + seq * 32768.
const IPCMNI: i32 = 32768;

/// The directory segment's words.
const DIR_MAGIC: usize = 0;
const DIR_FAILURES: usize = 1;
const DIR_ENTRIES: usize = 8;
const DIR_COUNTERS: usize = 64;
const MAGIC: u64 = 0x6b73_7472_6573_7368;
/// A worker slot's counters: blocks written, blocks verified, attaches, forks.
const WRITES: usize = 0;
const VERIFIED: usize = 1;
const ATTACHES: usize = 2;
const FORKS: usize = 3;

/// The kernel's count of free physical frames (its spare kernel stacks counted as free).
fn free_frames() -> Result<u64, Errno> {
    process::proc_call(&[PROC_FREE_FRAMES], &mut []).map(|n| n as u64)
}

/// `shmctl(0, SHM_INFO, usage)`: the highest used index.
fn shm_info(usage: &mut ShmUsage) -> Result<i32, Errno> {
    // SAFETY: SHM_INFO writes a struct shm_info (48 bytes), and usage is one.
    unsafe { shm::shmctl_at(0, shm::SHM_INFO, usage as *mut ShmUsage as u64) }
}

/// `shmctl(id, IPC_RMID, NULL)`.
fn shmctl_rmid(id: i32) -> Result<(), Errno> {
    shm::remove(id)
}

struct Running {
    pid: usize,
    slot: usize,
}

impl Member for Running {
    fn pid(&self) -> usize {
        self.pid
    }

    fn describe(&self) -> String {
        format!("worker slot {}", self.slot)
    }
}

fn stat(id: i32) -> Result<ShmidDs, Errno> {
    let mut ds = ShmidDs::default();
    shmctl(id, IPC_STAT, &mut ds).map(|_| ds)
}

/// The conductor: creates the segments and the directory, runs the workers, kills and
/// replaces them, replaces segments, and checks everything at the end.
fn conductor(procs: usize, segments: usize, seconds: u64) -> i32 {
    let me = process::getpid();
    let mut usage0 = ShmUsage::default();
    check_ok!(shm_info(&mut usage0), "SHM_INFO at the start");
    let Some(dir_id) = check_ok!(shmget(IPC_PRIVATE, PAGE_SIZE, 0o600), "shmget (directory)") else { return 1 };
    // SAFETY: no SHM_REMAP: nothing mapped is replaced.
    let Some(dir_base) = check_ok!(unsafe { shmat(dir_id, 0, 0) }, "shmat (directory)") else { return 1 };
    let dir = Dir { base: dir_base };
    dir.word(DIR_MAGIC).store(MAGIC, Ordering::Relaxed);
    let mut current: Vec<(i32, u32)> = Vec::with_capacity(segments);
    for slot in 0..segments {
        let Some(id) = check_ok!(shmget(IPC_PRIVATE, segment_size(slot), 0o600), "shmget (slot {slot})") else {
            return 1;
        };
        dir.publish(slot, id, 1);
        current.push((id, 1));
    }
    let mut replaced: Vec<i32> = Vec::new();

    let start = time::monotonic_ns();
    let end = start + seconds * 1_000_000_000;
    let mut seed = FIRST_SEED;
    let mut spawn = |slot: usize| -> Option<Running> {
        let job = Job { dir, slot, procs, segments, seed: next_seed(&mut seed), deadline: end, conductor: me };
        let pid = check_ok!(process::fork_run(move || worker(job)), "fork worker slot {slot}")?;
        Some(Running { pid, slot })
    };
    let mut crew = Crew { workers: (0..procs).filter_map(&mut spawn).collect(), ..Crew::default() };

    let mut rng = Rng(start | 1);
    let mut kill_at = next_kill(start, &mut rng);
    let mut next_swap = start + (100 + rng.below(200)) * MS;
    while time::monotonic_ns() + 100 * MS < end && !crew.workers.is_empty() {
        let now = time::monotonic_ns();
        if now >= next_swap {
            next_swap = now + (100 + rng.below(200)) * MS;
            let slot = rng.below(segments as u64) as usize;
            let (old, generation) = current[slot];
            if let Some(new) = check_ok!(shmget(IPC_PRIVATE, segment_size(slot), 0o600), "shmget (replacing)") {
                dir.publish(slot, new, generation + 1);
                current[slot] = (new, generation + 1);
                check_ok!(shmctl_rmid(old), "IPC_RMID of replaced segment {old}");
                replaced.push(old);
            }
        }
        if now < kill_at {
            let _ = time::sleep_ms(2);
            continue;
        }
        kill_at = next_kill(now, &mut rng);
        let Some((victim, _)) = crew.kill_random(&mut rng) else { break };
        crew.workers.extend(spawn(victim.slot));
    }

    // The workers stop at the deadline by themselves.
    crew.wait_all(end + HANG_MS * MS, |_, _| false);
    let elapsed = time::monotonic_ns() - start;

    // The fork children of killed workers live on as orphans for a moment: wait until
    // every attachment but the conductor's own is gone.
    let settled = |current: &[(i32, u32)], replaced: &[i32]| {
        stat(dir_id).is_ok_and(|ds| ds.shm_nattch == 1)
            && current.iter().all(|&(id, _)| stat(id).is_ok_and(|ds| ds.shm_nattch == 0))
            && replaced.iter().all(|&id| stat(id) == Err(Errno::EINVAL))
    };
    let settle_deadline = time::monotonic_ns() + HANG_MS * MS;
    while !settled(&current, &replaced) && time::monotonic_ns() < settle_deadline {
        let _ = time::sleep_ms(10);
    }

    // 1. Nobody found a bad block.
    check_eq!(dir.word(DIR_FAILURES).load(Ordering::Relaxed), 0, "bad blocks or failed calls seen by the workers");
    check_eq!(crew.failures, 0, "workers that failed");
    // 2. nattch: replaced segments gone, current ones unattached, the directory ours only.
    for &id in &replaced {
        check_eq!(stat(id).map(|ds| ds.shm_nattch), Err(Errno::EINVAL), "replaced segment {id} after every process");
    }
    match stat(dir_id) {
        Ok(ds) => check_eq!(ds.shm_nattch, 1, "nattch of the directory (the conductor's attachment)"),
        Err(e) => check!(false, "IPC_STAT of the directory: {e}"),
    };
    let (mut whole, mut empty, mut torn, mut bad) = (0u64, 0u64, 0u64, 0u64);
    for (slot, &(id, generation)) in current.iter().enumerate() {
        match stat(id) {
            Ok(ds) => {
                check_eq!(ds.shm_nattch, 0, "nattch of segment {id} (slot {slot}) after every process");
                check_eq!(ds.shm_segsz, segment_size(slot) as u64, "segsz of segment {id}");
                check_eq!(ds.shm_perm.mode & SHM_DEST, 0, "SHM_DEST on current segment {id}");
                check_eq!(ds.shm_cpid as usize, me, "cpid of segment {id}");
                let mut by_index = ShmidDs::default();
                check_eq!(shmctl(id % IPCMNI, SHM_STAT, &mut by_index), Ok(id), "SHM_STAT of index {}", id % IPCMNI);
                check_eq!(by_index.shm_nattch, 0, "SHM_STAT's nattch of segment {id}");
            }
            Err(e) => {
                check!(false, "IPC_STAT of segment {id} (slot {slot}): {e}");
                continue;
            }
        }
        // 3. The final contents.
        // SAFETY: no SHM_REMAP: nothing mapped is replaced.
        let Some(base) = check_ok!(unsafe { shmat(id, 0, SHM_RDONLY) }, "shmat of segment {id} at the end") else {
            continue;
        };
        let att = Attachment { id, slot, generation, base, len: segment_size(slot), read_only: true, fixed: false };
        for block in 0..blocks_of(slot) {
            match att.see(block, procs) {
                Seen::Whole { .. } => whole += 1,
                Seen::Empty => empty += 1,
                Seen::Torn => torn += 1,
                Seen::Bad => {
                    check!(false, "segment {id} (slot {slot}): bad block {block} at the end");
                    bad += 1;
                }
            }
        }
        check_ok!(att.detach_here(), "shmdt of segment {id} at the end");
        check_eq!(stat(id).map(|ds| ds.shm_nattch), Ok(0), "nattch of segment {id} after the check");
    }
    let kills = crew.kills;
    check!(torn <= kills, "{torn} torn blocks, more than the {kills} workers killed could leave");
    check!(whole > 0, "no block was ever written");

    // 4. Removal.
    for &(id, _) in &current {
        check_ok!(shmctl_rmid(id), "IPC_RMID of segment {id}");
        check_eq!(stat(id).map(|ds| ds.shm_nattch), Err(Errno::EINVAL), "segment {id} after IPC_RMID");
    }
    let (writes, verified, attaches, forks) =
        (dir.total(procs, WRITES), dir.total(procs, VERIFIED), dir.total(procs, ATTACHES), dir.total(procs, FORKS));
    // SAFETY: dir is not used after this (the workers, which share it, are gone).
    check_ok!(unsafe { shmdt(dir_base) }, "shmdt of the directory");
    check_ok!(shmctl_rmid(dir_id), "IPC_RMID of the directory");
    check_eq!(stat(dir_id).map(|ds| ds.shm_nattch), Err(Errno::EINVAL), "the directory after IPC_RMID");
    let mut usage = ShmUsage::default();
    if check_ok!(shm_info(&mut usage), "SHM_INFO at the end").is_some() {
        check_eq!(usage.used_ids, usage0.used_ids, "segments in use after removal");
        check_eq!(usage.shm_tot, usage0.shm_tot, "pages in segments after removal");
    }
    println!(
        "stress_shm: {procs} processes, {segments} segments, {:.1} s: {writes} block writes, {verified} segments \
         verified, {attaches} attaches, {forks} forks, {} segments replaced, {kills} workers killed; at the end \
         {whole} blocks whole, {empty} empty, {torn} torn, {bad} bad",
        elapsed as f64 / 1e9,
        replaced.len(),
    );
    userspace::check::status()
}

fn main(_args: &[&str]) -> i32 {
    let procs = rt::arg_or(1, 8).clamp(1, MAX_PROCS as u64) as usize;
    let segments = rt::arg_or(2, 6).clamp(1, MAX_SEGMENTS as u64) as usize;
    let seconds = rt::arg_or(3, 3);
    // `shared`: other programs run beside this one (stress_all), so the machine's free
    // frames are not this run's to compare; the caller compares the kernel's counts.
    let alone = rt::arg(4) != Some("shared");
    println!("stress_shm: {procs} processes, {segments} segments, {seconds} s");
    let mut usage0 = ShmUsage::default();
    check_ok!(shm_info(&mut usage0), "SHM_INFO at the start");
    let frames0 = free_frames();

    let status = process::fork_run(move || conductor(procs, segments, seconds)).and_then(process::wait_for);
    check!(status.is_ok_and(|s| s.success()), "the conductor ended with {status:?}");

    // Everything the conductor and its processes held must come back; a process that
    // ended a moment ago may still be on its way out.
    let mut frames = free_frames();
    let settle_deadline = time::monotonic_ns() + 3000 * MS;
    while alone && frames.is_ok() && frames != frames0 && time::monotonic_ns() < settle_deadline {
        let _ = time::sleep_ms(20);
        frames = free_frames();
    }
    match (frames0, frames) {
        (Ok(_), Ok(_)) if !alone => {}
        (Ok(before), Ok(after)) => {
            check_eq!(after, before, "free frames after the run (before: {before})");
        }
        (Err(e), _) | (_, Err(e)) => {
            check!(false, "the kernel does not report its free frames (proc op {PROC_FREE_FRAMES}): {e}");
        }
    }
    let mut usage = ShmUsage::default();
    if check_ok!(shm_info(&mut usage), "SHM_INFO at the end").is_some() {
        check_eq!(usage.used_ids, usage0.used_ids, "segments in use after the run");
        check_eq!(usage.shm_tot, usage0.shm_tot, "pages in segments after the run");
    }
    println!(
        "stress_shm: free frames {} before, {} after",
        frames0.map_or(-1, |f| f as i64),
        frames.map_or(-1, |f| f as i64)
    );
    userspace::check::finish()
}
