//! `stress_shm [PROCS [SEGMENTS [SECONDS]]]` (default 8 6 3): worker processes attaching
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

use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering, fence};

use userspace::abi::proc::PROC_FREE_FRAMES;
use userspace::abi::syscall::Map;
use userspace::abi::sysv::{
    IPC_PRIVATE, IPC_STAT, SHM_DEST, SHM_RDONLY, SHM_REMAP, SHM_RND, SHM_STAT, ShmUsage, ShmidDs,
};
use userspace::mm::{self, ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PAGE_SIZE, PROT_READ, PROT_WRITE};
use userspace::process::{self, WNOHANG};
use userspace::shm::{self, shmat, shmctl, shmdt, shmget};
use userspace::signal::SIGKILL;
use userspace::{Errno, check, check_eq, check_ok, println, rt, time};

use userspace::rand::Rng;

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

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The size asked for the segment of slot `slot` (not always whole pages).
fn segment_size(slot: usize) -> usize {
    PAGES[slot % PAGES.len()] * PAGE_SIZE - (slot * 200) % 1000
}

fn blocks_of(slot: usize) -> usize {
    segment_size(slot) / BLOCK_BYTES
}

/// The worker slot that owns block `block` of segment slot `slot`.
fn owner_of(slot: usize, block: usize, procs: usize) -> usize {
    (7 * slot + block) % procs
}

/// A block's identity word: the segment's generation, its slot, the block.
fn identity(generation: u32, slot: usize, block: usize) -> u64 {
    (u64::from(generation) << 32) | ((slot as u64) << 16) | block as u64
}

/// A block's stamp word: its owner and write count.
fn stamp(owner: usize, count: u32) -> u64 {
    ((owner as u64) << 32) | u64::from(count)
}

/// Data word `i` (4..64) of a block.
fn data_word(identity: u64, stamp: u64, i: usize) -> u64 {
    splitmix(identity ^ stamp.rotate_left(17) ^ (i as u64).wrapping_mul(0x2545_f491_4f6c_dd1d))
}

fn checksum(identity: u64, stamp: u64) -> u64 {
    (4..BLOCK_WORDS).fold(splitmix(identity ^ stamp), |h, i| splitmix(h ^ data_word(identity, stamp, i)))
}

/// What a block holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Seen {
    /// Never written: all zero.
    Empty,
    /// Being written, or left half written by a killed owner.
    Torn,
    /// Written whole by `owner`, its `count`th write.
    Whole { owner: usize, count: u32 },
    /// Anything else: corruption.
    Bad,
}

/// A mapped attachment of a segment: its words may be read (and, unless it is read-only,
/// written) while it exists; [`Attachment::detach`] consumes it.
struct Attachment {
    id: i32,
    slot: usize,
    generation: u32,
    base: usize,
    len: usize,
    read_only: bool,
    /// It lies in the worker's window of fixed addresses (which it restores on detach).
    fixed: bool,
}

impl Attachment {
    fn word(&self, i: usize) -> &AtomicU64 {
        assert!(8 * i + 8 <= self.len, "word {i} outside the attachment");
        // SAFETY: the attachment is mapped at base..base + len (page-aligned, len at most
        // the segment's size) for as long as self exists: only `detach`, which consumes
        // self, removes it. Every process touches these words only through atomics, and
        // AtomicU64 accepts any bits. A read-only attachment is only loaded from.
        unsafe { &*((self.base + 8 * i) as *const AtomicU64) }
    }

    fn block_word(&self, block: usize, i: usize) -> &AtomicU64 {
        self.word(block * BLOCK_WORDS + i)
    }

    /// Reads block `block` under its seqlock and says what it holds.
    fn see(&self, block: usize, procs: usize) -> Seen {
        let seq = self.block_word(block, 0).load(Ordering::Acquire);
        if seq % 2 == 1 {
            return Seen::Torn;
        }
        let mut words = [0u64; BLOCK_WORDS];
        for (i, w) in words.iter_mut().enumerate().skip(1) {
            *w = self.block_word(block, i).load(Ordering::Relaxed);
        }
        fence(Ordering::Acquire);
        if self.block_word(block, 0).load(Ordering::Relaxed) != seq {
            return Seen::Torn;
        }
        if seq == 0 {
            return if words.iter().all(|&w| w == 0) { Seen::Empty } else { Seen::Bad };
        }
        let (id, st) = (words[1], words[2]);
        let owner = (st >> 32) as usize;
        if id != identity(self.generation, self.slot, block)
            || owner != owner_of(self.slot, block, procs)
            || words[3] != checksum(id, st)
            || (4..BLOCK_WORDS).any(|i| words[i] != data_word(id, st, i))
        {
            return Seen::Bad;
        }
        Seen::Whole { owner, count: st as u32 }
    }

    /// Writes block `block` as its owner's `count`th write.
    fn write(&self, block: usize, owner: usize, count: u32) {
        let seq = self.block_word(block, 0).load(Ordering::Relaxed) | 1;
        self.block_word(block, 0).store(seq, Ordering::Relaxed);
        fence(Ordering::Release);
        let (id, st) = (identity(self.generation, self.slot, block), stamp(owner, count));
        self.block_word(block, 1).store(id, Ordering::Relaxed);
        self.block_word(block, 2).store(st, Ordering::Relaxed);
        self.block_word(block, 3).store(checksum(id, st), Ordering::Relaxed);
        for i in 4..BLOCK_WORDS {
            self.block_word(block, i).store(data_word(id, st, i), Ordering::Relaxed);
        }
        self.block_word(block, 0).store(seq + 1, Ordering::Release);
    }

    /// Detaches; a fixed attachment's part of `window` is reserved again at once, so no
    /// other mapping can take it.
    fn detach(self, window: &Window) -> Result<(), Errno> {
        let (fixed, slot) = (self.fixed, self.slot);
        self.detach_here()?;
        if fixed { window.reserve(slot) } else { Ok(()) }
    }

    /// Detaches, leaving the range unmapped.
    fn detach_here(self) -> Result<(), Errno> {
        // SAFETY: self is consumed: no reference into the attachment outlives this call.
        unsafe { shmdt(self.base) }
    }
}

/// Where a worker attaches a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Placement {
    /// Where the kernel chooses (NULL).
    Anywhere,
    /// At the slot's part of the window, replacing its reservation (SHM_REMAP).
    OverReservation,
    /// At the slot's part of the window once it is unmapped; with SHM_RND if `offset`
    /// is not 0 (the address is then inside the part's first page).
    InHole { offset: usize },
}

/// A worker's window of fixed attach addresses: `SLOT_PAGES` pages per segment slot, kept
/// mapped (anonymous memory) wherever no segment is attached. Only the first pages of a
/// slot's part, as many as its segment occupies, are ever unmapped or replaced: the rest
/// stays mapped, so that no mapping the kernel places (an attachment anywhere) can land
/// in a part and be replaced when the part is reserved again.
struct Window {
    base: usize,
}

impl Window {
    fn new(segments: usize) -> Result<Self, Errno> {
        mm::map_anonymous(segments * SLOT_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE).map(|base| Self { base })
    }

    fn at(&self, slot: usize) -> usize {
        self.base + slot * SLOT_PAGES * PAGE_SIZE
    }

    /// The bytes of slot `slot`'s part that its segment covers (whole pages).
    fn span(slot: usize) -> usize {
        segment_size(slot).next_multiple_of(PAGE_SIZE)
    }

    /// Maps anonymous memory where slot `slot`'s segment was attached.
    fn reserve(&self, slot: usize) -> Result<(), Errno> {
        let map = Map {
            offset: 0,
            size: Self::span(slot),
            flags: PROT_READ | PROT_WRITE | MAP_PRIVATE | MAP_FIXED,
            address: self.at(slot),
        };
        // SAFETY: the range belongs to this window and nothing of the program lives there
        // (an attachment there was just detached, or nothing was attached).
        unsafe { mm::fmap(ANONYMOUS, &map) }.map(drop)
    }

    /// Unmaps the range slot `slot`'s segment covers (for an attach without SHM_REMAP).
    fn release(&self, slot: usize) -> Result<(), Errno> {
        // SAFETY: only the reservation is there, which nothing uses.
        unsafe { mm::funmap(self.at(slot), Self::span(slot)) }
    }
}

/// The directory segment, attached by the conductor before it forks anyone and never
/// detached by a worker (nor by their children), so its words stay mapped in every process.
#[derive(Clone, Copy)]
struct Dir {
    base: usize,
}

impl Dir {
    fn word(&self, i: usize) -> &AtomicU64 {
        assert!(i < PAGE_SIZE / 8);
        // SAFETY: the directory is a one-page attachment at base that stays mapped in every
        // process that has a Dir (the conductor detaches it only after every worker ended);
        // every process touches it only through atomics.
        unsafe { &*((self.base + 8 * i) as *const AtomicU64) }
    }

    /// The id and generation of segment slot `slot`.
    fn entry(&self, slot: usize) -> (i32, u32) {
        let e = self.word(DIR_ENTRIES + slot).load(Ordering::Acquire);
        (e as u32 as i32, (e >> 32) as u32)
    }

    fn publish(&self, slot: usize, id: i32, generation: u32) {
        self.word(DIR_ENTRIES + slot).store((u64::from(generation) << 32) | u64::from(id as u32), Ordering::Release);
    }

    fn count(&self, worker: usize, counter: usize) {
        self.word(DIR_COUNTERS + 4 * worker + counter).fetch_add(1, Ordering::Relaxed);
    }

    fn total(&self, procs: usize, counter: usize) -> u64 {
        (0..procs).map(|w| self.word(DIR_COUNTERS + 4 * w + counter).load(Ordering::Relaxed)).sum()
    }

    /// Records a failure that every process can see (orphaned children have no one to
    /// report to but this).
    fn failed(&self) {
        self.word(DIR_FAILURES).fetch_add(1, Ordering::Relaxed);
    }
}

/// What a worker needs.
#[derive(Clone, Copy)]
struct Job {
    dir: Dir,
    slot: usize,
    procs: usize,
    segments: usize,
    seed: u64,
    deadline: u64,
    conductor: usize,
}

/// A worker's state: its attachments (one per segment slot at most) and what it last
/// wrote to each of its own blocks.
struct Worker {
    job: Job,
    window: Window,
    attached: Vec<Option<Attachment>>,
    /// Per segment slot: the generation `known` is about.
    known_gen: Vec<u32>,
    /// Per segment slot and block: the count this worker last wrote there.
    known: Vec<Option<u32>>,
    rng: Rng,
}

impl Worker {
    fn report(&self, what: core::fmt::Arguments<'_>) {
        check!(false, "stress_shm: worker slot {} (pid {}): {what}", self.job.slot, process::getpid());
        self.job.dir.failed();
    }

    fn known_index(&self, slot: usize, block: usize) -> usize {
        slot * SLOT_PAGES * PAGE_SIZE / BLOCK_BYTES + block
    }

    /// Checks every block of `att` (and that this worker's own blocks hold what it last
    /// wrote, if `exact`, or at least that much otherwise).
    fn verify(&self, att: &Attachment, exact: bool) {
        let same_gen = self.known_gen[att.slot] == att.generation;
        for block in 0..blocks_of(att.slot) {
            let seen = att.see(block, self.job.procs);
            if seen == Seen::Bad {
                self.report(format_args!(
                    "bad block {block} in segment {} (slot {}, generation {})",
                    att.id, att.slot, att.generation
                ));
                continue;
            }
            let mine = owner_of(att.slot, block, self.job.procs) == self.job.slot;
            if let (true, true, Some(count)) = (mine, same_gen, self.known[self.known_index(att.slot, block)]) {
                let ok = match seen {
                    Seen::Whole { count: c, .. } => c == count || (!exact && c > count),
                    Seen::Empty => count == 0,
                    _ => !exact,
                };
                if !ok {
                    self.report(format_args!(
                        "own block {block} of segment {} holds {seen:?}, last written {count}",
                        att.id
                    ));
                }
            }
        }
        self.job.dir.count(self.job.slot, VERIFIED);
    }

    /// Attaches segment slot `slot` as the directory names it, somewhere or at a fixed
    /// address; `None` if the segment was replaced and is gone.
    fn attach(&mut self, slot: usize, read_only: bool) -> Option<Attachment> {
        let (id, generation) = self.job.dir.entry(slot);
        let ro = if read_only { SHM_RDONLY } else { 0 };
        let at = self.window.at(slot);
        let placement = match self.rng.below(4) {
            0 | 1 => Placement::Anywhere,
            2 => Placement::OverReservation,
            _ => Placement::InHole {
                offset: if self.rng.below(2) == 0 { 0 } else { 1 + self.rng.below(PAGE_SIZE as u64 - 1) as usize },
            },
        };
        let result = match placement {
            // SAFETY: no SHM_REMAP: nothing mapped is replaced.
            Placement::Anywhere => unsafe { shmat(id, 0, ro) },
            // SAFETY: only the window's reservation lives at `at`.
            Placement::OverReservation => unsafe { shmat(id, at, ro | SHM_REMAP) },
            Placement::InHole { offset } => {
                if let Err(e) = self.window.release(slot) {
                    self.report(format_args!("munmap of the window's part for slot {slot}: {e}"));
                    return None;
                }
                let rnd = if offset == 0 { 0 } else { SHM_RND };
                // SAFETY: no SHM_REMAP: nothing mapped is replaced.
                let r = unsafe { shmat(id, at + offset, ro | rnd) };
                if r.is_err()
                    && let Err(e) = self.window.reserve(slot)
                {
                    self.report(format_args!("reserving the window's part for slot {slot} again: {e}"));
                }
                r
            }
        };
        let base = match result {
            Ok(base) => base,
            // Replaced and removed meanwhile, and no longer attachable by id.
            Err(Errno::EINVAL) if self.job.dir.entry(slot).0 != id => return None,
            Err(e) => {
                self.report(format_args!("shmat of segment {id} (slot {slot}) {placement:?}: {e}"));
                return None;
            }
        };
        let fixed = placement != Placement::Anywhere;
        if (fixed && base != at) || base % PAGE_SIZE != 0 {
            self.report(format_args!("shmat {placement:?} at {at:#x} returned {base:#x}"));
        }
        self.job.dir.count(self.job.slot, ATTACHES);
        Some(Attachment { id, slot, generation, base, len: segment_size(slot), read_only, fixed })
    }

    /// Writes one of this worker's blocks of `slot`'s attachment, after checking that it
    /// holds what this worker last wrote there.
    fn write_one(&mut self, slot: usize) {
        let Some(att) = &self.attached[slot] else { return };
        let (procs, me) = (self.job.procs, self.job.slot);
        // This worker's blocks are first, first + procs, first + 2 procs, ...
        let first = (me + procs * 8 - (7 * slot) % procs) % procs;
        let blocks = blocks_of(slot);
        if att.read_only || first >= blocks {
            return;
        }
        let block = first + procs * self.rng.below(((blocks - first - 1) / procs + 1) as u64) as usize;
        let index = self.known_index(slot, block);
        let seen = att.see(block, procs);
        let count = match (self.known[index], seen) {
            (Some(k), Seen::Whole { count, .. }) if k == count => count,
            (Some(0), Seen::Empty) => 0,
            // Not known yet: adopt what a predecessor left, whole or torn. A torn block
            // is taken at the count in its stamp word (the new count or the one before),
            // so counts never go back (a predecessor's orphaned fork child may check).
            (None, Seen::Whole { count, .. }) => count,
            (None, Seen::Empty) => 0,
            (None, Seen::Torn) => att.block_word(block, 2).load(Ordering::Relaxed) as u32,
            (known, seen) => {
                self.report(format_args!(
                    "own block {block} of segment {} holds {seen:?}, last written {known:?}",
                    att.id
                ));
                return;
            }
        };
        att.write(block, me, count + 1);
        self.known[index] = Some(count + 1);
        self.job.dir.count(me, WRITES);
    }

    /// Forgets what this worker knew of `slot`'s blocks if `generation` is another segment.
    fn adopt(&mut self, slot: usize, generation: u32) {
        if self.known_gen[slot] != generation {
            self.known_gen[slot] = generation;
            let start = self.known_index(slot, 0);
            self.known[start..start + blocks_of(slot)].fill(None);
        }
    }

    /// IPC_STAT and SHM_STAT of an attached segment.
    fn stat(&self, att: &Attachment) {
        let mut ds = ShmidDs::default();
        match shmctl(att.id, IPC_STAT, &mut ds) {
            Ok(_) => {
                let dest = ds.shm_perm.mode & SHM_DEST != 0;
                if ds.shm_nattch < 1
                    || ds.shm_segsz != segment_size(att.slot) as u64
                    || ds.shm_cpid as usize != self.job.conductor
                    || (dest && self.job.dir.entry(att.slot).0 == att.id)
                {
                    self.report(format_args!(
                        "IPC_STAT of attached segment {}: nattch {}, segsz {}, cpid {}, mode {:#o}",
                        att.id, ds.shm_nattch, ds.shm_segsz, ds.shm_cpid, ds.shm_perm.mode
                    ));
                }
            }
            Err(e) => self.report(format_args!("IPC_STAT of attached segment {}: {e}", att.id)),
        }
        let mut by_index = ShmidDs::default();
        match shmctl(att.id % IPCMNI, SHM_STAT, &mut by_index) {
            Ok(id) if id == att.id => {}
            other => self.report(format_args!("SHM_STAT of index {}: {other:?}, id {}", att.id % IPCMNI, att.id)),
        }
    }

    /// A fork child: checks what it inherited, attaches and detaches a little, and exits
    /// (attached or not). Its work is bounded: it waits for nothing.
    fn child(mut self) -> i32 {
        for att in self.attached.iter().flatten() {
            self.verify(att, false);
        }
        let slot = self.rng.below(self.job.segments as u64) as usize;
        if let Some(att) = self.attached[slot].take()
            && let Err(e) = att.detach(&self.window)
        {
            self.report(format_args!("shmdt in a fork child: {e}"));
        }
        if let Some(att) = self.attach(slot, true) {
            self.verify(&att, false);
            self.attached[slot] = Some(att);
        }
        if self.rng.below(2) == 0 {
            let attached: Vec<Attachment> = self.attached.iter_mut().filter_map(Option::take).collect();
            for att in attached {
                if let Err(e) = att.detach(&self.window) {
                    self.report(format_args!("shmdt in a fork child: {e}"));
                }
            }
        }
        userspace::check::status()
    }

    fn run(mut self) -> i32 {
        let segments = self.job.segments;
        while time::monotonic_ns() < self.job.deadline {
            let slot = self.rng.below(segments as u64) as usize;
            match self.rng.below(20) {
                0..=6 if self.attached[slot].is_some() => self.write_one(slot),
                0..=6 => self.attach_slot(slot),
                7..=9 => self.attach_slot(slot),
                10..=11 => {
                    if let Some(att) = self.attached[slot].take()
                        && let Err(e) = att.detach(&self.window)
                    {
                        self.report(format_args!("shmdt of slot {slot}: {e}"));
                    }
                }
                12..=13 => {
                    if let Some(att) = &self.attached[slot] {
                        self.verify(att, true);
                    }
                }
                14..=15 => self.second_view(slot),
                16..=17 => {
                    if let Some(att) = &self.attached[slot] {
                        self.stat(att);
                    }
                }
                _ => self.fork_child(),
            }
        }
        if self.rng.below(2) == 0 {
            let attached: Vec<Attachment> = self.attached.iter_mut().filter_map(Option::take).collect();
            for att in attached {
                if let Err(e) = att.detach(&self.window) {
                    self.report(format_args!("shmdt at the end: {e}"));
                }
            }
        }
        userspace::check::status()
    }

    fn attach_slot(&mut self, slot: usize) {
        if self.attached[slot].is_some() {
            return;
        }
        let read_only = self.rng.below(8) == 0;
        if let Some(att) = self.attach(slot, read_only) {
            self.adopt(slot, att.generation);
            self.verify(&att, true);
            self.attached[slot] = Some(att);
        }
    }

    /// Attaches `slot`'s segment a second time, anywhere: the two attachments must hold
    /// the same bytes in this worker's own blocks (nobody else writes them), and every
    /// block must be sound through both.
    fn second_view(&mut self, slot: usize) {
        let Some((id, generation)) = self.attached[slot].as_ref().map(|a| (a.id, a.generation)) else { return };
        let read_only = self.rng.below(2) == 0;
        // SAFETY: no SHM_REMAP: nothing mapped is replaced.
        let base = match unsafe { shmat(id, 0, if read_only { SHM_RDONLY } else { 0 }) } {
            Ok(base) => base,
            // Replaced, removed, and no longer attachable by id.
            Err(Errno::EINVAL) if self.job.dir.entry(slot).0 != id => return,
            Err(e) => {
                self.report(format_args!("second shmat of segment {id}: {e}"));
                return;
            }
        };
        let second = Attachment { id, slot, generation, base, len: segment_size(slot), read_only, fixed: false };
        if let Some(first) = &self.attached[slot] {
            if second.base == first.base {
                self.report(format_args!("two attachments of segment {id} at one address {base:#x}"));
            }
            let procs = self.job.procs;
            for block in (0..blocks_of(slot)).filter(|&b| owner_of(slot, b, procs) == self.job.slot) {
                let differs = (0..BLOCK_WORDS).any(|i| {
                    first.block_word(block, i).load(Ordering::Relaxed)
                        != second.block_word(block, i).load(Ordering::Relaxed)
                });
                if differs {
                    self.report(format_args!("segment {id}: own block {block} differs between two attachments"));
                }
            }
        }
        self.verify(&second, true);
        if let Err(e) = second.detach(&self.window) {
            self.report(format_args!("shmdt of a second attachment: {e}"));
        }
    }

    fn fork_child(&mut self) {
        self.job.dir.count(self.job.slot, FORKS);
        match process::fork() {
            Ok(0) => {
                let child = Worker {
                    job: self.job,
                    window: Window { base: self.window.base },
                    attached: core::mem::take(&mut self.attached),
                    known_gen: core::mem::take(&mut self.known_gen),
                    known: core::mem::take(&mut self.known),
                    rng: Rng(splitmix(self.rng.0 ^ 0x5eed) | 1),
                };
                process::exit(child.child())
            }
            Ok(pid) => match process::wait_for(pid) {
                Ok(status) if status.success() => {}
                other => self.report(format_args!("fork child {pid}: {other:?}")),
            },
            Err(e) => self.report(format_args!("fork: {e}")),
        }
    }
}

fn worker(job: Job) -> i32 {
    let window = match Window::new(job.segments) {
        Ok(w) => w,
        Err(e) => {
            check!(false, "stress_shm: worker slot {}: the window: {e}", job.slot);
            job.dir.failed();
            return 2;
        }
    };
    let per_slot = SLOT_PAGES * PAGE_SIZE / BLOCK_BYTES;
    let w = Worker {
        job,
        window,
        attached: (0..job.segments).map(|_| None).collect(),
        known_gen: vec![0; job.segments],
        known: vec![None; job.segments * per_slot],
        rng: Rng(job.seed | 1),
    };
    w.run()
}

struct Running {
    pid: usize,
    slot: usize,
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
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut spawn = |slot: usize| -> Option<Running> {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let job = Job { dir, slot, procs, segments, seed, deadline: end, conductor: me };
        let pid = check_ok!(process::fork_run(move || worker(job)), "fork worker slot {slot}")?;
        Some(Running { pid, slot })
    };
    let mut workers: Vec<Running> = (0..procs).filter_map(&mut spawn).collect();

    let mut rng = Rng(start | 1);
    let (mut kills, mut failures) = (0u64, 0usize);
    let mut next_kill = start + (20 + rng.below(60)) * MS;
    let mut next_swap = start + (100 + rng.below(200)) * MS;
    while time::monotonic_ns() + 100 * MS < end && !workers.is_empty() {
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
        if now < next_kill {
            let _ = time::sleep_ms(2);
            continue;
        }
        next_kill = now + (20 + rng.below(60)) * MS;
        let victim = workers.swap_remove(rng.below(workers.len() as u64) as usize);
        if check_ok!(process::kill(victim.pid, SIGKILL), "SIGKILL a worker").is_some() {
            match process::wait_for(victim.pid) {
                Ok(status) if status.signaled() == Some(SIGKILL) => kills += 1,
                // It may have ended on its own just before the signal.
                Ok(status) if status.success() => {}
                other => {
                    check!(false, "killed worker slot {}: {other:?}", victim.slot);
                    failures += 1;
                }
            }
        }
        workers.extend(spawn(victim.slot));
    }

    // The workers stop at the deadline by themselves.
    let hang_deadline = end + HANG_MS * MS;
    while !workers.is_empty() {
        match process::waitpid(-1, WNOHANG) {
            Ok((0, _)) => {}
            Ok((pid, status)) => {
                if let Some(i) = workers.iter().position(|w| w.pid == pid) {
                    let w = workers.swap_remove(i);
                    if !check!(status.success(), "worker slot {} ended with {status}", w.slot) {
                        failures += 1;
                    }
                }
                continue;
            }
            Err(Errno::EINTR) => continue,
            Err(e) => {
                check!(false, "waitpid: {e}");
                break;
            }
        }
        if time::monotonic_ns() > hang_deadline {
            check!(false, "{} workers hung", workers.len());
            for w in &workers {
                let _ = process::kill(w.pid, SIGKILL);
                let _ = process::wait_for(w.pid);
            }
            break;
        }
        let _ = time::sleep_ms(2);
    }
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
    check_eq!(failures, 0, "workers that failed");
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
    while frames.is_ok() && frames != frames0 && time::monotonic_ns() < settle_deadline {
        let _ = time::sleep_ms(20);
        frames = free_frames();
    }
    match (frames0, frames) {
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
