//! A `stress_shm` worker: where it attaches (the fixed-address window), what it does
//! each round (attach, write its blocks, verify what it sees, fork, detach), and what it
//! reports to the directory.

use super::*;

/// Where a worker attaches a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Placement {
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
pub(crate) struct Window {
    pub(crate) base: usize,
}

impl Window {
    pub(crate) fn new(segments: usize) -> Result<Self, Errno> {
        mm::map_anonymous(segments * SLOT_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE).map(|base| Self { base })
    }

    pub(crate) fn at(&self, slot: usize) -> usize {
        self.base + slot * SLOT_PAGES * PAGE_SIZE
    }

    /// The bytes of slot `slot`'s part that its segment covers (whole pages).
    pub(crate) fn span(slot: usize) -> usize {
        segment_size(slot).next_multiple_of(PAGE_SIZE)
    }

    /// Maps anonymous memory where slot `slot`'s segment was attached.
    pub(crate) fn reserve(&self, slot: usize) -> Result<(), Errno> {
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
    pub(crate) fn release(&self, slot: usize) -> Result<(), Errno> {
        // SAFETY: only the reservation is there, which nothing uses.
        unsafe { mm::funmap(self.at(slot), Self::span(slot)) }
    }
}

/// What a worker needs.
#[derive(Clone, Copy)]
pub(crate) struct Job {
    pub(crate) dir: Dir,
    pub(crate) slot: usize,
    pub(crate) procs: usize,
    pub(crate) segments: usize,
    pub(crate) seed: u64,
    pub(crate) deadline: u64,
    pub(crate) conductor: usize,
}

/// A worker's state: its attachments (one per segment slot at most) and what it last
/// wrote to each of its own blocks.
pub(crate) struct Worker {
    pub(crate) job: Job,
    pub(crate) window: Window,
    pub(crate) attached: Vec<Option<Attachment>>,
    /// Per segment slot: the generation `known` is about.
    pub(crate) known_gen: Vec<u32>,
    /// Per segment slot and block: the count this worker last wrote there.
    pub(crate) known: Vec<Option<u32>>,
    pub(crate) rng: Rng,
}

impl Worker {
    pub(crate) fn report(&self, what: core::fmt::Arguments<'_>) {
        check!(false, "stress_shm: worker slot {} (pid {}): {what}", self.job.slot, process::getpid());
        self.job.dir.failed();
    }

    pub(crate) fn known_index(&self, slot: usize, block: usize) -> usize {
        slot * SLOT_PAGES * PAGE_SIZE / BLOCK_BYTES + block
    }

    /// Checks every block of `att` (and that this worker's own blocks hold what it last
    /// wrote, if `exact`, or at least that much otherwise).
    pub(crate) fn verify(&self, att: &Attachment, exact: bool) {
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
    pub(crate) fn attach(&mut self, slot: usize, read_only: bool) -> Option<Attachment> {
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
    pub(crate) fn write_one(&mut self, slot: usize) {
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
    pub(crate) fn adopt(&mut self, slot: usize, generation: u32) {
        if self.known_gen[slot] != generation {
            self.known_gen[slot] = generation;
            let start = self.known_index(slot, 0);
            self.known[start..start + blocks_of(slot)].fill(None);
        }
    }

    /// IPC_STAT and SHM_STAT of an attached segment.
    pub(crate) fn stat(&self, att: &Attachment) {
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
    pub(crate) fn child(mut self) -> i32 {
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

    pub(crate) fn run(mut self) -> i32 {
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

    pub(crate) fn attach_slot(&mut self, slot: usize) {
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
    pub(crate) fn second_view(&mut self, slot: usize) {
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

    pub(crate) fn fork_child(&mut self) {
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

pub(crate) fn worker(job: Job) -> i32 {
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
