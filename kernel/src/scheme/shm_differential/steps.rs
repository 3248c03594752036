//! The generated calls of the shared memory differential test, each made on the host and
//! on the rules, and the comparison after each.

use super::*;

/// Sizes for shmget: small ones around page boundaries, and refused ones.
const SIZES: [u64; 14] = [1, 100, 4095, 4096, 4097, 8192, 12289, 16384, 20480, 28000, 32768, 0, SHMMAX + 1, u64::MAX];
const MODES: [i32; 5] = [0o600, 0o644, 0o400, 0o000, 0o777];

/// One generated call, for the failure message.
#[derive(Debug)]
#[expect(dead_code, reason = "the fields are read by Debug, in failure messages")]
enum Call {
    Get { key: i32, size: u64, flags: i32 },
    At { id: i32, addr: u64, flags: i32 },
    Dt { addr: u64 },
    Stat { id: i32 },
    StatIndex { cmd: i32, index: i32 },
    Set { mode: u32, uid: u32, gid: u32 },
    Rmid { id: i32 },
    Info { cmd: i32, id: i32 },
    Lock { cmd: i32, id: i32 },
    Ctl { id: i32, cmd: i32 },
}

/// The whole run: its generator, this process's identity, and what it exercised.
pub(super) struct Run {
    rng: Rng,
    hole: u64,
    creds: Credentials,
    pid: u32,
    keys: [i32; 4],
    may_lock: bool,
    compared: usize,
    attached: usize,
    freed_at_detach: usize,
    splits: usize,
    remnants: usize,
    host_only: usize,
}

impl Run {
    pub(super) fn new(hole: u64, creds: Credentials, may_lock: bool) -> Self {
        let pid = std::process::id();
        // Keys of this process's own (pids are below 2^22), so that concurrent runs do not meet.
        let base = 0x5000_0000 | ((pid as i32 & 0x3f_ffff) << 2);
        let keys = [IPC_PRIVATE, base | 1, base | 2, base | 3];
        let rng = Rng(0xbb67_ae85_84ca_a73b);
        Self {
            rng,
            hole,
            creds,
            pid,
            keys,
            may_lock,
            compared: 0,
            attached: 0,
            freed_at_detach: 0,
            splits: 0,
            remnants: 0,
            host_only: 0,
        }
    }

    pub(super) fn summary(&self) -> String {
        format!(
            "{} calls compared with the host kernel ({} attaches; {} mappings cut in two; {} remnants detached by \
             their attach's address; {} segments freed at their last detach), {} SHM_LOCKs checked on the host only",
            self.compared, self.attached, self.splits, self.remnants, self.freed_at_detach, self.host_only
        )
    }

    /// An address for shmat or shmdt: mostly in the hole (aligned or not), or where a
    /// mapping starts or its attach was made.
    fn address(&mut self, maps: &Mappings) -> u64 {
        let page = self.hole + self.rng.below(START_PAGES) * PAGE_SIZE;
        let last = self.hole + (START_PAGES - 1) * PAGE_SIZE;
        let existing: Vec<&mappings::Mapping> = maps.iter().filter(|m| self.in_hole(m.start)).collect();
        let addr = match self.rng.below(12) {
            0 | 1 => page + 1 + self.rng.below(PAGE_SIZE - 1),
            _ if existing.is_empty() => page,
            2 | 3 => {
                let m = existing[self.rng.below(existing.len() as u64) as usize];
                if self.rng.below(2) == 0 { m.start } else { m.origin }
            }
            4..=6 => {
                // Inside a mapping: what SHM_REMAP cuts.
                let m = existing[self.rng.below(existing.len() as u64) as usize];
                m.start + self.rng.below((m.end - m.start) / PAGE_SIZE) * PAGE_SIZE
            }
            _ => page,
        };
        if addr <= last { addr } else { page }
    }

    fn in_hole(&self, addr: u64) -> bool {
        (self.hole..self.hole + HOLE_PAGES * PAGE_SIZE).contains(&addr)
    }

    fn attach_flags(&mut self) -> i32 {
        let mut flags = 0;
        for (flag, one_in) in [(SHM_RDONLY, 3), (SHM_RND, 3), (SHM_REMAP, 3), (SHM_EXEC, 6)] {
            if self.rng.below(one_in) == 0 {
                flags |= flag;
            }
        }
        flags
    }

    /// One sequence: its calls, then the process's exit and the removal of its segments.
    pub(super) fn sequence(&mut self, case: usize) {
        let by = By { pid: self.pid, now: 1 };
        let mut model = Model { ns: Ns::new(), maps: Mappings::default(), creds: self.creds.clone(), by };
        let mut machine = Host { hole: self.hole, elsewhere: Vec::new(), segments: Vec::new() };
        let mut pairs = Pairs::default();
        for &key in &self.keys[1..] {
            // SAFETY: plain syscall wrappers; a segment left by an earlier run of this pid
            // would answer for the key.
            unsafe {
                let id = libc::shmget(key, 0, 0);
                if id >= 0 {
                    libc::shmctl(id, IPC_RMID, core::ptr::null_mut());
                }
            }
        }
        for step in 0..40 {
            let live = model.ns.segments().count();
            let Some((call, linux, ours)) = self.step(&mut model, &mut machine, &mut pairs) else { continue };
            assert_eq!(linux, ours, "case {case} step {step}: {call:?}");
            if !matches!(call, Call::Rmid { .. }) {
                self.freed_at_detach += live.saturating_sub(model.ns.segments().count());
            }
            for &(h, m) in &pairs.0 {
                assert_eq!(host_stat(h), model.stat(m), "case {case} step {step}: shmid_ds after {call:?}");
            }
            self.compared += 1;
        }
        self.splits += model.maps.splits;
        self.remnants += model.maps.remnants_detached;
        // Exit: every mapping goes; segments marked SHM_DEST go with their last one.
        machine.unmap_all();
        model.maps.clear(&mut model.ns, by);
        for &(h, m) in &pairs.0 {
            assert_eq!(host_stat(h), model.stat(m), "case {case}: shmid_ds after the exit");
        }
    }

    /// One random call on both sides: (the call, the host's result, the rules' result);
    /// `None` when the call could not be made.
    fn step(
        &mut self,
        model: &mut Model,
        machine: &mut Host,
        pairs: &mut Pairs,
    ) -> Option<(Call, Result<i64>, Result<i64>)> {
        let (hid, mid) = pairs.pick(&mut self.rng);
        let rng = &mut self.rng;
        // Mostly a segment first, then mostly attaches and detaches.
        let op = if pairs.0.is_empty() && rng.below(5) != 0 { 0 } else { rng.below(40) };
        Some(match op {
            0..=5 => {
                let key = self.keys[rng.below(4) as usize];
                let size = SIZES[rng.below(SIZES.len() as u64) as usize];
                let flags = [0, IPC_CREAT, IPC_CREAT | IPC_EXCL][rng.below(3) as usize] | MODES[rng.below(5) as usize];
                // SAFETY: plain syscall wrapper with integer arguments.
                let l = host(i64::from(unsafe { libc::shmget(key, size as usize, flags) }));
                if let Ok(id) = l
                    && !machine.segments.contains(&(id as i32))
                {
                    machine.segments.push(id as i32);
                }
                let m = model.get(key, size, flags);
                let l = match (l, m) {
                    (Ok(h), Ok(ours)) => Ok(i64::from(pairs.pair(h as i32, ours))),
                    (l, _) => l,
                };
                (Call::Get { key, size, flags }, l, m.map(i64::from))
            }
            6..=19 => {
                let flags = self.attach_flags();
                let mut addr = if self.rng.below(6) == 0 { 0 } else { self.address(&model.maps) };
                if self.rng.below(30) == 0 {
                    // Below SHMLBA: rounds to 0, refused with SHM_REMAP. Never without it:
                    // Linux would map at 0 for a privileged caller.
                    addr = 1 + self.rng.below(PAGE_SIZE - 1);
                    if flags & SHM_RND != 0 && flags & SHM_REMAP == 0 {
                        addr = 0;
                    }
                }
                // SAFETY: a fixed address lies in the hole, which holds only this test's
                // attaches; a NULL attach goes where the host finds room.
                let got = unsafe { libc::shmat(hid, addr as *const libc::c_void, flags) };
                let l = if got as isize == -1 { Err(errno()) } else { Ok(got as i64) };
                if let Ok(at) = l
                    && addr == 0
                {
                    let len = host_stat(hid).map_or(PAGE_SIZE, |s| s.segsz.div_ceil(PAGE_SIZE) * PAGE_SIZE);
                    machine.elsewhere.push((at as u64, len));
                }
                let m = model.attach(mid, addr, flags, l.ok().filter(|_| addr == 0).map(|a| a as u64));
                self.attached += usize::from(m.is_ok());
                (Call::At { id: hid, addr, flags }, l, m.map(|a| a as i64))
            }
            20..=27 => {
                let addr = match self.rng.below(12) {
                    0 => 0,
                    1 => model.maps.iter().find(|m| !self.in_hole(m.start)).map_or(0, |m| m.start),
                    _ => self.address(&model.maps),
                };
                // SAFETY: shmdt unmaps only a shm attach, and all of this process's are this test's.
                let l = host(i64::from(unsafe { libc::shmdt(addr as *const libc::c_void) }));
                if l.is_ok() {
                    machine.elsewhere.retain(|&(start, _)| start != addr);
                }
                let m = model.maps.detach(&mut model.ns, model.by, addr).map(|()| 0);
                (Call::Dt { addr }, l, m)
            }
            28 => {
                let l = host_stat(hid).map(|s| format!("{s:?}"));
                let m = model.stat(mid).map(|s| format!("{s:?}"));
                (Call::Stat { id: hid }, l.map(|_| 0), m.map(|_| 0))
            }
            29..=30 => {
                // Only a live segment's index: a dead one's may hold another process's.
                let (hid, mid) = pairs.0.iter().copied().find(|&(_, m)| model.ns.segment(m).is_ok())?;
                let (cmd, any) = if rng.below(2) == 0 { (SHM_STAT, false) } else { (SHM_STAT_ANY, true) };
                let plus = if rng.below(4) == 0 { 32768 * (1 + rng.below(3) as i32) } else { 0 };
                let mut ds = AbiDs::default();
                let l = host_ctl(hid % 32768 + plus, cmd, &mut ds);
                let m = model.ctl(mid % 32768 + plus, Command::StatIndex { any });
                if let (Ok(_), Ok(Reply::Ds(_, ours))) = (&l, &m) {
                    assert_eq!(Status::host(&ds), Status::model(ours), "{cmd} of {hid}");
                }
                let l = l.map(|h| i64::from(pairs.model_of(h as i32).unwrap_or(-2)));
                (Call::StatIndex { cmd, index: hid % 32768 + plus }, l, m.map(|r| int(&r)))
            }
            31..=32 => {
                let mode = [0o600, 0o640, 0o444, 0o000, 0o7777][rng.below(5) as usize];
                let uid = [self.creds.euid, self.creds.euid, 1000, u32::MAX][rng.below(4) as usize];
                let gid = if rng.below(6) == 0 { u32::MAX } else { self.creds.egid };
                let perm = kestrel_abi::sysv::IpcPerm { uid, gid, mode, ..Default::default() };
                let mut ds = AbiDs { shm_perm: perm, ..Default::default() };
                let l = host_ctl(hid, IPC_SET, &mut ds);
                let m = model.ctl(mid, Command::Set { owner: NewOwner { uid, gid, mode: mode as u16 } });
                (Call::Set { mode, uid, gid }, l, m.map(|r| int(&r)))
            }
            33..=34 => {
                let l = host_ctl(hid, IPC_RMID, &mut AbiDs::default());
                (Call::Rmid { id: hid }, l, model.ctl(mid, Command::Remove).map(|r| int(&r)))
            }
            35 => {
                let id = if rng.below(3) == 0 { -1 - rng.below(3) as i32 } else { rng.below(3) as i32 };
                let (cmd, l, m) = if rng.below(2) == 0 {
                    let mut info = ShmInfo::default();
                    let l = host_ctl(id, IPC_INFO, &mut info);
                    let m = model.ctl(id, Command::Info);
                    if let (Ok(_), Ok(Reply::Info(_, ours))) = (&l, &m) {
                        assert_eq!(&info, ours, "IPC_INFO");
                    }
                    (IPC_INFO, l, m)
                } else {
                    let l = host_ctl(id, SHM_INFO, &mut ShmUsage::default());
                    (SHM_INFO, l, model.ctl(id, Command::Usage))
                };
                (Call::Info { cmd, id }, l.map(|_| 0), m.map(|_| 0))
            }
            36..=37 => {
                let (cmd, ours) =
                    if rng.below(2) == 0 { (SHM_LOCK, Command::Lock) } else { (SHM_UNLOCK, Command::Unlock) };
                let l = host_ctl(hid, cmd, &mut AbiDs::default());
                let call = Call::Lock { cmd, id: hid };
                if !self.may_lock && cmd == SHM_LOCK && l.is_err() && model.ns.segment(mid).is_ok() {
                    // Linux's memory-lock limit, which the rules do not have.
                    self.host_only += 1;
                    return None;
                }
                (call, l, model.ctl(mid, ours).map(|r| int(&r)))
            }
            _ => {
                let cmd = [IPC_STAT, IPC_SET, IPC_RMID, SHM_LOCK, SHM_STAT, 16, 99, -1][rng.below(8) as usize];
                let id = if cmd == 16 || cmd == 99 || cmd == -1 { hid } else { -1 };
                let l = host_ctl(id, cmd, &mut AbiDs::default());
                let m = Ns::shmctl_check(if id == hid { mid } else { -1 }, cmd).map(|()| 0);
                (Call::Ctl { id, cmd }, l, m)
            }
        })
    }
}

/// A reply's integer result.
fn int(reply: &Reply<TestMemory>) -> i64 {
    i64::from(match reply {
        Reply::Int(v) | Reply::Ds(v, _) | Reply::Info(v, _) | Reply::Usage(v, _) => *v,
        Reply::Removed(_) => 0,
    })
}
