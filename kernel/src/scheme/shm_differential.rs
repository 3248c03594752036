//! Differential tests of the shared memory rules (outside `ipc`, whose modules forbid
//! `unsafe`, because calling the host's libc needs it): random sequences of shmget, shmat,
//! shmdt and shmctl in this test process, run against the host Linux kernel and against
//! the rules plus a model of this process's mappings ([`mappings`]), comparing every
//! return value (attach addresses included) and errno, and after every call each
//! segment's `shmid_ds` (size, nattch, mode with SHM_DEST and SHM_LOCKED, key, owner,
//! pids, and the times as "set or not").
//!
//! Fixed attaches land in a hole of this process's address space: a range far below
//! where mmap places things, checked empty (mapped with MAP_FIXED_NOREPLACE, then
//! unmapped) before each sequence and unmapped after it, so that SHM_REMAP replaces
//! only this test's own mappings. A NULL attach lands where the host puts it; the model
//! maps at the address the host returned. Ids are not compared (Linux's depend on the
//! host's other segments): each host id is paired with the rules' id for the same
//! segment. SHM_INFO's counts and the INFO commands' highest index are the host's, not
//! this test's: only IPC_INFO's limits are compared.

mod mappings;
mod steps;

use std::fs;

use kestrel_abi::sysv::{ShmInfo, ShmUsage, ShmidDs as AbiDs};

use self::mappings::{By, Mappings};
use super::ipc::ctl::NewOwner;
use super::ipc::sem::tests::{Rng, cases};
use super::ipc::shm::attach::{SHM_EXEC, SHM_RDONLY, SHM_REMAP, SHM_RND};
use super::ipc::shm::ctl::{Command, IPC_INFO, IPC_RMID, IPC_SET, IPC_STAT, Reply, SHM_INFO, SHM_LOCK, SHM_STAT};
use super::ipc::shm::ctl::{SHM_STAT_ANY, SHM_UNLOCK, ShmidDs};
use super::ipc::shm::tests::{Ns, TestMemory};
use super::ipc::shm::{AttachAt, SHMALL, SHMMAX, SHMMNI};
use super::ipc::{IPC_CREAT, IPC_EXCL, IPC_PRIVATE};
use super::msg_differential::host_credentials;
use crate::context::cred::Credentials;
use crate::errno::{EINVAL, Errno};
use crate::memory::PAGE_SIZE;

type Result<T> = core::result::Result<T, Errno>;

/// The hole's size, and the pages of it an attach may start in (the largest segment
/// here is 8 pages, so every fixed attach stays inside).
const HOLE_PAGES: u64 = 48;
const START_PAGES: u64 = 41;

fn errno() -> Errno {
    Errno::from_raw(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
}

fn host(ret: i64) -> Result<i64> {
    if ret == -1 { Err(errno()) } else { Ok(ret) }
}

fn host_ctl<T>(id: i32, cmd: i32, buf: &mut T) -> Result<i64> {
    // SAFETY: `buf` is a glibc `shmid_ds`, `shminfo` or `shm_info` (the ABI crate's
    // layouts, checked at compile time), as large as `cmd` reads or writes.
    host(i64::from(unsafe { libc::shmctl(id, cmd, (buf as *mut T).cast()) }))
}

/// The host's side of a sequence, undone however the sequence ends: the hole's
/// mappings, NULL attaches elsewhere, and every segment created.
struct Host {
    hole: u64,
    elsewhere: Vec<(u64, u64)>,
    segments: Vec<i32>,
}

impl Host {
    /// Unmaps every attach of the sequence (each unmapped region is a detach).
    fn unmap_all(&mut self) {
        for (addr, len) in self.elsewhere.drain(..).chain([(self.hole, HOLE_PAGES * PAGE_SIZE)]) {
            // SAFETY: the range holds only this test's attaches (the hole was checked
            // empty, and a NULL attach's range is its own).
            unsafe { libc::munmap(addr as *mut libc::c_void, len as usize) };
        }
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        self.unmap_all();
        for &id in &self.segments {
            // SAFETY: IPC_RMID takes no buffer.
            unsafe { libc::shmctl(id, IPC_RMID, core::ptr::null_mut()) };
        }
    }
}

/// Maps `len` bytes at exactly `addr` if nothing is there, and unmaps them again.
fn range_is_free(addr: u64, len: u64) -> bool {
    let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_FIXED_NOREPLACE;
    // SAFETY: MAP_FIXED_NOREPLACE never replaces a mapping; the new one is unmapped at once.
    let got = unsafe { libc::mmap(addr as *mut libc::c_void, len as usize, libc::PROT_NONE, flags, -1, 0) };
    if got == libc::MAP_FAILED {
        return false;
    }
    // SAFETY: `got` is the mapping just made.
    unsafe { libc::munmap(got, len as usize) };
    got as u64 == addr
}

/// A hole at 32 TiB or above, far below where the host's mmap places anything.
fn find_hole() -> Option<u64> {
    (0..256u64).map(|i| 0x2000_0000_0000 + i * (1 << 30)).find(|&addr| range_is_free(addr, HOLE_PAGES * PAGE_SIZE))
}

/// The host must have Linux's default limits (the rules' own) and no shm_rmid_forced.
fn host_supports_shm() -> core::result::Result<(), String> {
    let read = |name: &str| fs::read_to_string(format!("/proc/sys/kernel/{name}")).map(|s| s.trim().to_owned());
    match (read("shmmax"), read("shmall"), read("shmmni"), read("shm_rmid_forced")) {
        (Ok(max), Ok(all), Ok(mni), Ok(forced))
            if max == SHMMAX.to_string() && all == SHMALL.to_string() && mni == SHMMNI.to_string() && forced == "0" =>
        {
            Ok(())
        }
        (Ok(max), Ok(all), Ok(mni), Ok(forced)) => Err(format!(
            "the host's shmmax {max}, shmall {all}, shmmni {mni}, shm_rmid_forced {forced} are not the defaults"
        )),
        _ => Err(String::from("the host has no System V shared memory (/proc/sys/kernel/shmmax)")),
    }
}

/// Whether SHM_LOCK of a few small segments succeeds on the host (CAP_IPC_LOCK, or a
/// memory-lock limit with room for them), as it always does in the rules.
fn host_may_lock() -> bool {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let effective = status.lines().find_map(|l| l.strip_prefix("CapEff:")).map(str::trim);
    let capable = effective.and_then(|hex| u64::from_str_radix(hex, 16).ok()).is_some_and(|caps| caps & (1 << 14) != 0);
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: `limit` is an rlimit for the call to fill.
    let got = unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut limit) } == 0;
    capable || (got && limit.rlim_cur >= 64 << 20)
}

/// The fields of a `shmid_ds` Linux reports deterministically, for comparison.
#[derive(Debug, PartialEq, Eq)]
struct Status {
    segsz: u64,
    nattch: u64,
    mode: u32,
    key: i32,
    owner: (u32, u32, u32, u32),
    pids: (i64, i64),
    times_set: (bool, bool, bool),
}

impl Status {
    fn host(ds: &AbiDs) -> Self {
        let p = &ds.shm_perm;
        Self {
            segsz: ds.shm_segsz,
            nattch: ds.shm_nattch,
            mode: p.mode,
            key: p.key,
            owner: (p.uid, p.gid, p.cuid, p.cgid),
            pids: (i64::from(ds.shm_cpid), i64::from(ds.shm_lpid)),
            times_set: (ds.shm_atime != 0, ds.shm_dtime != 0, ds.shm_ctime != 0),
        }
    }

    fn model(ds: &ShmidDs) -> Self {
        let p = &ds.perm;
        Self {
            segsz: ds.segsz,
            nattch: ds.nattch,
            mode: u32::from(p.mode),
            key: p.key,
            owner: (p.uid, p.gid, p.cuid, p.cgid),
            pids: (i64::from(ds.cpid), i64::from(ds.lpid)),
            times_set: (ds.atime != 0, ds.dtime != 0, ds.ctime != 0),
        }
    }
}

/// The rules' side: one namespace and this process's mappings, called as this process.
struct Model {
    ns: Ns,
    maps: Mappings,
    creds: Credentials,
    by: By,
}

impl Model {
    fn get(&mut self, key: i32, size: u64, flags: i32) -> Result<i32> {
        self.ns.shmget(&self.creds, key, size, flags, self.by.pid, 1, |_| Ok(TestMemory::default()))
    }

    /// shmat; `anywhere` is where the host put a NULL attach.
    fn attach(&mut self, id: i32, addr: u64, flags: i32, anywhere: Option<u64>) -> Result<u64> {
        let at = Ns::attach_check(id, addr, flags)?;
        let attach = self.ns.attach(&self.creds, id, flags)?;
        let (addr, replace) = match at {
            AttachAt::Anywhere => match anywhere {
                Some(addr) => {
                    let end = addr + attach.len;
                    let overlap = self.maps.iter().find(|m| m.start < end && addr < m.end);
                    assert!(overlap.is_none(), "the host's NULL attach at {addr:#x} overlaps {overlap:?}");
                    (addr, false)
                }
                // The host refused what the rules allow: the comparison shows it.
                None => return Ok(0),
            },
            AttachAt::Fixed { addr, replace } => (addr, replace),
        };
        self.maps.attach(&mut self.ns, self.by, addr, attach.len, id, attach.memory, replace)
    }

    fn ctl(&mut self, id: i32, cmd: Command) -> Result<Reply<TestMemory>> {
        self.ns.shmctl(&self.creds, id, cmd, 1)
    }

    fn stat(&mut self, id: i32) -> Result<Status> {
        match self.ctl(id, Command::Stat)? {
            Reply::Ds(0, ds) => Ok(Status::model(&ds)),
            other => panic!("IPC_STAT of the model's segment: {other:?}"),
        }
    }
}

fn host_stat(id: i32) -> Result<Status> {
    let mut ds = AbiDs::default();
    host_ctl(id, IPC_STAT, &mut ds).map(|_| Status::host(&ds))
}

/// Each host segment's id and the rules' id for the same segment.
#[derive(Default)]
struct Pairs(Vec<(i32, i32)>);

impl Pairs {
    /// The rules' id paired with host id `host`: a new pair with `model` if neither is
    /// paired yet, -2 if `model` is paired with another host id.
    fn pair(&mut self, host: i32, model: i32) -> i32 {
        if let Some(paired) = self.model_of(host) {
            return paired;
        }
        if self.0.iter().any(|p| p.1 == model) {
            return -2;
        }
        self.0.push((host, model));
        model
    }

    fn model_of(&self, host: i32) -> Option<i32> {
        self.0.iter().find(|p| p.0 == host).map(|p| p.1)
    }

    fn pick(&self, rng: &mut Rng) -> (i32, i32) {
        match rng.below(24) {
            _ if self.0.is_empty() => (-1, -1),
            0 => (-1 - rng.below(3) as i32, -1),
            1 => {
                let (h, m) = self.0[rng.below(self.0.len() as u64) as usize];
                (h.wrapping_add(32768 * 7), m.wrapping_add(32768 * 7))
            }
            _ => self.0[rng.below(self.0.len() as u64) as usize],
        }
    }
}

#[test]
fn differential_against_the_host_kernel() {
    if let Err(why) = host_supports_shm() {
        return println!("shm differential skipped: {why}");
    }
    let Some(hole) = find_hole() else {
        return println!("shm differential skipped: no free range for the attaches at 32 TiB");
    };
    // SAFETY: plain syscall wrapper with integer arguments.
    let probe = host(i64::from(unsafe { libc::shmget(IPC_PRIVATE, 1, 0o600) }));
    match probe {
        // SAFETY: IPC_RMID takes no buffer.
        Ok(id) => unsafe { libc::shmctl(id as i32, IPC_RMID, core::ptr::null_mut()) },
        Err(e) => return println!("shm differential skipped: the host's shmget fails with {e:?}"),
    };
    let n = cases("KESTREL_DIFF_CASES", 10_000);
    let mut run = steps::Run::new(hole, host_credentials(), host_may_lock());
    for case in 0..n {
        assert!(range_is_free(hole, HOLE_PAGES * PAGE_SIZE), "case {case}: something is mapped in the hole");
        run.sequence(case);
    }
    println!("shm differential: {n} sequences, {}", run.summary());
}

#[test]
fn the_model_of_mappings_replaces_and_detaches_as_linux_does() {
    let mut ns = Ns::new();
    let creds = Credentials::root();
    let by = By { pid: 1, now: 1 };
    let a = ns.shmget(&creds, IPC_PRIVATE, 4 * PAGE_SIZE, 0o600, 1, 1, |_| Ok(TestMemory::default())).unwrap();
    let b = ns.shmget(&creds, IPC_PRIVATE, PAGE_SIZE, 0o600, 1, 1, |_| Ok(TestMemory::default())).unwrap();
    let (ma, mb) = (ns.segment(a).unwrap().memory().clone(), ns.segment(b).unwrap().memory().clone());
    let mut maps = Mappings::default();
    let x = 0x10_0000;
    assert_eq!(maps.attach(&mut ns, by, x, 4 * PAGE_SIZE, a, ma.clone(), false), Ok(x));
    assert_eq!(maps.attach(&mut ns, by, x + PAGE_SIZE, PAGE_SIZE, b, mb.clone(), false), Err(EINVAL));
    assert_eq!(maps.attach(&mut ns, by, x + PAGE_SIZE, PAGE_SIZE, b, mb.clone(), true), Ok(x + PAGE_SIZE));
    assert_eq!(ns.segment(a).unwrap().nattch(), 2, "cut in two");
    assert_eq!(maps.attach(&mut ns, by, x, PAGE_SIZE, b, mb.clone(), true), Ok(x));
    assert_eq!((ns.segment(a).unwrap().nattch(), ns.segment(b).unwrap().nattch()), (1, 2));
    assert_eq!(maps.detach(&mut ns, by, x + 1), Err(EINVAL));
    assert_eq!(maps.detach(&mut ns, by, x), Ok(()), "the attach of b at x");
    assert_eq!(maps.detach(&mut ns, by, x), Ok(()), "the remnant of a's attach at x");
    assert_eq!(ns.segment(a).unwrap().nattch(), 0);
    assert_eq!(maps.detach(&mut ns, by, x), Err(EINVAL));
    assert_eq!(maps.detach(&mut ns, by, x + PAGE_SIZE), Ok(()));
    assert_eq!(ns.segment(b).unwrap().nattch(), 0);
}
