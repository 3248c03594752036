//! Property tests: random sequences of shmget, shmat (attach, then the mapping reported),
//! shmdt, fork (each of the parent's mappings reported again for the child), exit and
//! exec (each of the process's mappings reported gone), a mapping cut in two, IPC_RMID,
//! and stray reports (of a removed segment's memory, or of other memory under a live id).
//!
//! The test keeps its own account: the live segments (with their memory, pages and
//! whether IPC_RMID marked them) and each process's mappings. After every step:
//!
//! 1. The namespace holds exactly the account's live segments: a segment disappears only
//!    by IPC_RMID while unattached, or at the detach of the last mapping of a segment
//!    IPC_RMID marked, and then that detach hands it back.
//! 2. Each segment's nattch is the number of mappings of it in all processes, and its
//!    lpid, atime and dtime are those of the last report that counted.
//! 3. A marked segment is attached, has SHM_DEST and the key IPC_PRIVATE; an unmarked
//!    one has neither.
//! 4. A new id is not the id of a live segment; a removed id attaches nothing (EINVAL).
//! 5. The page total and SHM_INFO's counts are the live segments'.

use alloc::vec::Vec;

use super::ctl::{Command, Reply};
use super::tests::{Ns, OWNER, TestMemory, user};
use super::*;
use crate::scheme::ipc::sem::tests::{Rng, cases};

/// One process's mappings: (shmid, memory), as the glue would keep them.
#[derive(Clone, Debug)]
struct Process {
    pid: u32,
    mappings: Vec<(i32, TestMemory)>,
}

/// The account of one live segment.
#[derive(Debug)]
struct Live {
    id: i32,
    key: Key,
    size: u64,
    memory: TestMemory,
    pages: u64,
    marked: bool,
    /// (lpid, atime, dtime) as the last counted reports left them.
    last: (u32, u64, u64),
}

struct World {
    ns: Ns,
    live: Vec<Live>,
    dead: Vec<(i32, TestMemory)>,
    processes: Vec<Process>,
    next_pid: u32,
    now: u64,
    case: usize,
    /// Segments removed by the detach of their last mapping, and by IPC_RMID at once.
    freed_at_detach: usize,
    freed_at_rmid: usize,
}

impl World {
    fn live(&mut self, id: i32) -> Option<&mut Live> {
        self.live.iter_mut().find(|l| l.id == id)
    }

    fn mappings_of(&self, id: i32) -> usize {
        self.processes.iter().flat_map(|p| &p.mappings).filter(|(m, _)| *m == id).count()
    }

    fn create(&mut self, rng: &mut Rng) {
        let key = if rng.below(3) == 0 { 100 + rng.below(4) as i32 } else { IPC_PRIVATE };
        let size = 1 + rng.below(5 * PAGE_SIZE);
        let made = TestMemory::default();
        let flags = IPC_CREAT_FLAG | 0o600;
        let got = self.ns.shmget(&user(OWNER), key, size, flags, 1, self.now, |_| Ok(made.clone()));
        let existing = self.live.iter().find(|l| key != IPC_PRIVATE && l.key == key && !l.marked);
        match (got, existing) {
            (Ok(id), Some(existing)) if id == existing.id && existing.size >= size => {}
            (Err(EINVAL), Some(existing)) if existing.size < size => {}
            (Ok(id), None) => {
                assert!(self.live.iter().all(|l| l.id != id), "case {}: id {id} reused", self.case);
                let pages = size.div_ceil(PAGE_SIZE);
                self.live.push(Live { id, key, size, memory: made, pages, marked: false, last: (0, 0, 0) });
            }
            (got, existing) => panic!("case {}: shmget of {size} bytes: {got:?} with {existing:?}", self.case),
        }
    }

    fn attach(&mut self, p: usize, id: i32) {
        let case = self.case;
        let got = self.ns.attach(&user(OWNER), id, 0);
        let pid = self.processes[p].pid;
        let now = self.now;
        let Some(live) = self.live(id) else {
            assert_eq!(got, Err(EINVAL), "case {case}: attach of removed id {id}");
            return;
        };
        let attach = got.unwrap_or_else(|e| panic!("case {case}: attach of {id}: {e:?}"));
        assert!(attach.memory.same(&live.memory) && attach.len == live.pages * PAGE_SIZE, "case {case}");
        live.last = (pid, now, live.last.2);
        self.ns.attached(id, &attach.memory, pid, now);
        self.processes[p].mappings.push((id, attach.memory));
    }

    /// The mapping at `at` of process `p` goes.
    fn detach(&mut self, p: usize, at: usize) {
        let case = self.case;
        let (id, memory) = self.processes[p].mappings.remove(at);
        let pid = self.processes[p].pid;
        let gone = self.ns.detached(id, &memory, pid, self.now);
        let left = self.mappings_of(id);
        let now = self.now;
        let live = self.live(id).unwrap_or_else(|| panic!("case {case}: a mapping of removed {id}"));
        live.last = (pid, live.last.1, now);
        let marked = live.marked;
        match gone {
            Some(segment) => {
                assert!(marked && left == 0, "case {case}: {id} removed with {left} mappings, marked {marked}");
                assert!(segment.memory().same(&memory) && segment.nattch() == 0, "case {case}");
                self.bury(id);
                self.freed_at_detach += 1;
            }
            None => assert!(!marked || left > 0, "case {case}: {id} outlived its last mapping"),
        }
    }

    fn bury(&mut self, id: i32) {
        let at = self.live.iter().position(|l| l.id == id).unwrap();
        let live = self.live.remove(at);
        self.dead.push((live.id, live.memory));
    }

    fn fork(&mut self, p: usize) {
        let pid = self.next_pid;
        self.next_pid += 1;
        let mappings = self.processes[p].mappings.clone();
        for (id, memory) in &mappings {
            self.ns.attached(*id, memory, pid, self.now);
            let now = self.now;
            let live = self.live(*id).unwrap();
            live.last = (pid, now, live.last.2);
        }
        self.processes.push(Process { pid, mappings });
    }

    /// Exit (`stays`: exec): every mapping goes, in order.
    fn exit(&mut self, p: usize, stays: bool) {
        while !self.processes[p].mappings.is_empty() {
            self.detach(p, 0);
        }
        if !stays {
            self.processes.remove(p);
        }
    }

    fn remove(&mut self, id: i32) {
        let case = self.case;
        let reply = self.ns.shmctl(&user(OWNER), id, Command::Remove, self.now);
        let mapped = self.mappings_of(id) > 0;
        let live = self.live(id).unwrap();
        match reply {
            Ok(Reply::Int(0)) => {
                assert!(mapped, "case {case}: {id} marked without a mapping");
                live.marked = true;
            }
            Ok(Reply::Removed(segment)) => {
                assert!(!mapped && segment.memory().same(&live.memory), "case {case}: {id} removed while mapped");
                self.bury(id);
                self.freed_at_rmid += 1;
            }
            other => panic!("case {case}: IPC_RMID of {id}: {other:?}"),
        }
    }

    /// Reports the glue may make of a mapping whose id no longer means its memory.
    fn stray(&mut self, rng: &mut Rng) {
        let (pid, now) = (9999, self.now);
        if !self.dead.is_empty() {
            let (id, memory) = self.dead[rng.below(self.dead.len() as u64) as usize].clone();
            self.ns.attached(id, &memory, pid, now);
            assert!(self.ns.detached(id, &memory, pid, now).is_none(), "case {}", self.case);
        }
        if !self.live.is_empty() {
            let id = self.live[rng.below(self.live.len() as u64) as usize].id;
            let other = TestMemory::default();
            self.ns.attached(id, &other, pid, now);
            assert!(self.ns.detached(id, &other, pid, now).is_none(), "case {}", self.case);
        }
    }

    /// Invariants 1, 2, 3 and 5.
    fn check(&mut self) {
        let case = self.case;
        let mut ids: Vec<i32> = self.ns.segments().map(|(id, _)| id).collect();
        ids.sort_unstable();
        let mut expected: Vec<i32> = self.live.iter().map(|l| l.id).collect();
        expected.sort_unstable();
        assert_eq!(ids, expected, "case {case}: the live segments");
        for live in &self.live {
            let segment = self.ns.segment(live.id).unwrap();
            let ds = segment.ds(live.id);
            assert_eq!(ds.nattch, self.mappings_of(live.id) as u64, "case {case}: nattch of {}", live.id);
            assert_eq!((ds.lpid, ds.atime, ds.dtime), live.last, "case {case}: last reports of {}", live.id);
            assert_eq!(segment.is_removed(), live.marked, "case {case}: SHM_DEST of {}", live.id);
            assert!(!live.marked || ds.nattch > 0, "case {case}: {} marked and unattached", live.id);
            assert_eq!(ds.perm.key, if live.marked { IPC_PRIVATE } else { live.key }, "case {case}");
        }
        let pages: u64 = self.live.iter().map(|l| l.pages).sum();
        assert_eq!(self.ns.total_pages(), pages, "case {case}: page total");
        let Ok(Reply::Usage(_, usage)) = self.ns.shmctl(&user(1), 0, Command::Usage, 0) else { panic!() };
        assert_eq!((usage.used_ids as usize, usage.shm_tot), (self.live.len(), pages), "case {case}: SHM_INFO");
    }
}

const IPC_CREAT_FLAG: i32 = crate::scheme::ipc::IPC_CREAT;

#[test]
fn property_attachments_are_counted_and_removal_waits_for_the_last() {
    let n = cases("KESTREL_PROPERTY_CASES", 10_000);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut steps, mut freed_at_detach, mut freed_at_rmid) = (0usize, 0usize, 0usize);
    for case in 0..n {
        let mut w = World {
            ns: Ns::with_limits(ShmLimits { shmmni: 8, ..ShmLimits::LINUX }),
            live: Vec::new(),
            dead: Vec::new(),
            processes: alloc::vec![Process { pid: 1, mappings: Vec::new() }],
            next_pid: 2,
            now: 1,
            case,
            freed_at_detach: 0,
            freed_at_rmid: 0,
        };
        for _ in 0..48 {
            w.now += 1;
            let p = rng.below(w.processes.len() as u64) as usize;
            match rng.below(24) {
                0..=3 if w.live.len() < 8 => w.create(&mut rng),
                4..=10 if !w.live.is_empty() || !w.dead.is_empty() => {
                    let all = w.live.len() + w.dead.len();
                    let pick = rng.below(all as u64) as usize;
                    let id = w.live.get(pick).map_or_else(|| w.dead[pick - w.live.len()].0, |l| l.id);
                    w.attach(p, id);
                }
                11..=14 if !w.processes[p].mappings.is_empty() => {
                    let at = rng.below(w.processes[p].mappings.len() as u64) as usize;
                    w.detach(p, at);
                }
                15 | 16 if w.processes.len() < 6 => w.fork(p),
                17 if w.processes.len() > 1 => w.exit(p, false),
                18 => w.exit(p, true),
                19 if !w.processes[p].mappings.is_empty() => {
                    // munmap of a mapping's middle: two mappings where there was one.
                    let at = rng.below(w.processes[p].mappings.len() as u64) as usize;
                    let (id, memory) = w.processes[p].mappings[at].clone();
                    let (pid, now) = (w.processes[p].pid, w.now);
                    w.ns.attached(id, &memory, pid, now);
                    let live = w.live(id).unwrap();
                    live.last = (pid, now, live.last.2);
                    w.processes[p].mappings.push((id, memory));
                }
                20 | 21 if !w.live.is_empty() => {
                    // Mostly a mapped one, so that removals wait for their last detach.
                    let mapped: Vec<i32> = w.live.iter().map(|l| l.id).filter(|&id| w.mappings_of(id) > 0).collect();
                    let id = match mapped.len() {
                        0 => w.live[rng.below(w.live.len() as u64) as usize].id,
                        _ if rng.below(4) == 0 => w.live[rng.below(w.live.len() as u64) as usize].id,
                        k => mapped[rng.below(k as u64) as usize],
                    };
                    w.remove(id);
                }
                22 => w.stray(&mut rng),
                _ => continue,
            }
            steps += 1;
            w.check();
        }
        freed_at_detach += w.freed_at_detach;
        freed_at_rmid += w.freed_at_rmid;
    }
    assert!(freed_at_detach > n / 2 && freed_at_rmid > n / 2, "the sequences remove segments both ways");
    println!(
        "shm properties: {n} sequences, {steps} steps; segments removed at their last detach {freed_at_detach}, \
         by IPC_RMID at once {freed_at_rmid}"
    );
}
