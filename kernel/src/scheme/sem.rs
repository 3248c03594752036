//! `/scheme/sem`: System V semaphore sets (see `kestrel_abi::sysv` for the calls). The
//! rules live in `ipc::sem`; this glue copies user memory, blocks and wakes threads, and
//! keeps each process's SEM_UNDO adjustments in its `Process`.
//!
//! Lock order: the caller's `creds` → `SEMS` → a process's `ipc` lock (through
//! [`ProcessUndo`]). Threads are woken only after `SEMS` is released.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::mem::MaybeUninit;

use smallvec::SmallVec;

use crate::errno::{E2BIG, EAGAIN, EINTR, EINVAL, ENOMEM};
use kestrel_abi::syscall::{MODE_CHR, Stat};
use kestrel_abi::sysv::{
    IpcPerm as AbiPerm, LinuxTimespec, SEM_CALL_CTL, SEM_CALL_GET, SEM_CALL_OP, SemBuf as AbiSemBuf, SemInfo,
    SemidDs as AbiDs,
};
use spin::Mutex;

use super::ipc::sem::ctl::{Command, Reply, SETALL, SETVAL, SemidDs};
use super::ipc::sem::{Completed, SEMOPM, SemBuf, SemNamespace, SemopOutcome, UndoStore, WaiterId, Woken};
use super::ipc::{IPC_SET, perm::IpcPerm};
use super::{Caller, KernelScheme, Result};
use crate::arch::clock;
use crate::context::thread::{Thread, WakeReason};
use crate::context::{Process, ipc, process, scheduler};
use crate::memory::user::{Plain, copy_from_user, read_user, write_user};

/// A thread asleep in semop and, once a changer completed its operation, the result. A
/// slot without a thread is free.
struct Sleeper {
    waiter: WaiterId,
    thread: Option<Arc<Thread>>,
    result: Option<core::result::Result<(), crate::errno::Errno>>,
}

/// The semaphore sets and the threads asleep in semop.
struct Sems {
    ns: SemNamespace,
    /// Few at a time: a vector searched linearly keeps its capacity, where a map would
    /// allocate a node each time it goes from empty to one sleeper. Slots are filled and
    /// emptied in place, never moved: a move this wide is an SSE copy, which costs the
    /// caller's FPU state a lazy save (see `arch::fpu`).
    sleepers: Vec<Sleeper>,
    /// The waiters a semop's change completed, until the semop wakes them. Kept here,
    /// emptied after each use, so that it keeps its capacity: an uncontended semop tests
    /// its length and nothing more (no list to set up or drop per call).
    woken: Woken,
}

impl Sems {
    const fn new() -> Self {
        Self { ns: SemNamespace::new(), sleepers: Vec::new(), woken: Woken::new() }
    }

    fn add_sleeper(&mut self, waiter: WaiterId, thread: &Arc<Thread>) {
        match self.sleepers.iter_mut().find(|s| s.thread.is_none()) {
            Some(slot) => {
                slot.waiter = waiter;
                slot.result = None;
                slot.thread = Some(thread.clone());
            }
            None => self.sleepers.push(Sleeper { waiter, thread: Some(thread.clone()), result: None }),
        }
    }

    fn sleeper(&mut self, waiter: WaiterId) -> Option<&mut Sleeper> {
        find_sleeper(&mut self.sleepers, waiter)
    }

    fn remove_sleeper(&mut self, waiter: WaiterId) {
        if let Some(slot) = self.sleeper(waiter) {
            slot.thread = None;
        }
    }
}

fn find_sleeper(sleepers: &mut [Sleeper], waiter: WaiterId) -> Option<&mut Sleeper> {
    sleepers.iter_mut().find(|s| s.waiter == waiter && s.thread.is_some())
}

/// Threads to wake after a change, inline when few.
type ToWake = SmallVec<[Arc<Thread>; 4]>;

static SEMS: Mutex<Sems> = Mutex::new(Sems::new());

/// Operations of one semop decoded on the stack; longer calls use the heap.
const SEMOPM_FAST: usize = 64;
/// Size of a user `struct sembuf`.
const SEMBUF_SIZE: usize = size_of::<AbiSemBuf>();

// A user's `sembuf` array is copied straight into `SemBuf`s: the layouts must agree.
static_assertions::assert_eq_size!(SemBuf, AbiSemBuf);
static_assertions::const_assert_eq!(core::mem::offset_of!(SemBuf, num), core::mem::offset_of!(AbiSemBuf, sem_num));
static_assertions::const_assert_eq!(core::mem::offset_of!(SemBuf, op), core::mem::offset_of!(AbiSemBuf, sem_op));
static_assertions::const_assert_eq!(core::mem::offset_of!(SemBuf, flg), core::mem::offset_of!(AbiSemBuf, sem_flg));

// SAFETY: repr(C) structs of integers with explicit padding.
unsafe impl Plain for AbiSemBuf {}
// SAFETY: as above (three 16-bit integers, no padding).
unsafe impl Plain for SemBuf {}
// SAFETY: as above.
unsafe impl Plain for AbiDs {}
// SAFETY: as above.
unsafe impl Plain for SemInfo {}
// SAFETY: as above.
unsafe impl Plain for LinuxTimespec {}

/// SEM_UNDO adjustments as kept in each process's `ipc` state. `caller` is the calling
/// process, reached directly: the adjustments a semop changes are its own, and looking
/// it up in the process table per operation cost more than the operation.
#[derive(Default)]
struct ProcessUndo<'a> {
    caller: Option<&'a Process>,
}

impl ProcessUndo<'_> {
    fn with_process<R>(&self, pid: u32, f: impl FnOnce(&Process) -> R) -> Option<R> {
        match self.caller {
            Some(caller) if caller.pid == pid => Some(f(caller)),
            _ => process::find(pid).map(|p| f(&p)),
        }
    }
}

impl UndoStore for ProcessUndo<'_> {
    fn get(&self, pid: u32, semid: i32, num: u16) -> i16 {
        self.with_process(pid, |p| p.ipc.lock().sem_undo.get(&semid).map(|v| v[usize::from(num)]))
            .flatten()
            .unwrap_or(0)
    }

    fn set(&mut self, pid: u32, semid: i32, nsems: usize, num: u16, value: i16) {
        self.with_process(pid, |p| {
            p.ipc.lock().sem_undo.entry(semid).or_insert_with(|| alloc::vec![0; nsems])[usize::from(num)] = value;
        });
    }

    fn clear(&mut self, semid: i32, num: Option<u16>) {
        for p in process::all() {
            let mut ipc = p.ipc.lock();
            match num {
                None => {
                    ipc.sem_undo.remove(&semid);
                }
                Some(n) => {
                    if let Some(adj) = ipc.sem_undo.get_mut(&semid) {
                        adj[usize::from(n)] = 0;
                    }
                }
            }
        }
    }
}

/// The monotonic deadline of a relative semtimedop timeout (EINVAL if it is malformed).
/// What remains of it is kept across wake-ups.
#[cold]
fn deadline_after(ts: LinuxTimespec) -> Result<u64> {
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(EINVAL);
    }
    let ns = (ts.tv_sec as u64).saturating_mul(1_000_000_000).saturating_add(ts.tv_nsec as u64);
    Ok(clock::monotonic_ns().saturating_add(ns))
}

/// Locks `lock`, trying once inline: a free lock (always, on this single-CPU kernel
/// when nothing is interrupted) costs one test. `Mutex::lock`'s retry loop, inlined,
/// added a jump to every acquisition.
#[inline(always)]
fn lock_fast<T>(lock: &Mutex<T>) -> spin::MutexGuard<'_, T> {
    match lock.try_lock() {
        Some(guard) => guard,
        None => lock_slow(lock),
    }
}

#[cold]
#[inline(never)]
fn lock_slow<T>(lock: &Mutex<T>) -> spin::MutexGuard<'_, T> {
    lock.lock()
}

/// The time stamped on sets (otime, ctime): seconds as of the last tick, as on Linux.
fn now_secs() -> u64 {
    clock::realtime_secs_coarse()
}

fn with_sems<R>(f: impl FnOnce(&mut Sems) -> R) -> R {
    f(&mut SEMS.lock())
}

/// Records the results of completed waiters and adds their threads to `to_wake`, which
/// is passed by reference: moving it would be a wide copy (see `arch::fpu`).
fn complete_into(sleepers: &mut [Sleeper], done: impl Iterator<Item = Completed>, to_wake: &mut ToWake) {
    for c in done {
        if let Some(entry) = find_sleeper(sleepers, c.waiter)
            && let Some(thread) = &entry.thread
        {
            entry.result = Some(c.result);
            to_wake.push(thread.clone());
        }
    }
}

/// [`complete_into`] for a change other than a semop's.
fn complete(sems: &mut Sems, done: Woken) -> ToWake {
    let mut to_wake = ToWake::new();
    complete_into(&mut sems.sleepers, done.into_iter(), &mut to_wake);
    to_wake
}

fn wake(threads: &mut ToWake) {
    for t in threads.drain(..) {
        scheduler::wake(&t, WakeReason::Woken);
    }
}

/// The IPC hooks: exit applies the process's SEM_UNDO adjustments.
struct SemHooks;

impl ipc::IpcHooks for SemHooks {
    fn on_fork(&self, _parent: u32, _child: u32) {}
    fn on_exec(&self, _pid: u32) {}
    fn on_exit(&self, pid: u32) {
        let Some(process) = process::find(pid) else { return };
        let lists = core::mem::take(&mut process.ipc.lock().sem_undo);
        let mut threads = with_sems(|sems| {
            let mut done = Woken::new();
            for (semid, adj) in lists {
                done.extend(sems.ns.apply_exit_undo(pid, semid, &adj, &mut ProcessUndo::default(), now_secs()));
            }
            complete(sems, done)
        });
        wake(&mut threads);
    }
}

static HOOKS: SemHooks = SemHooks;

/// Registers the exit hook (at boot).
pub fn init() {
    ipc::register(&HOOKS);
}

/// The sem scheme.
pub struct SemScheme;

fn perm_to_abi(p: &IpcPerm) -> AbiPerm {
    AbiPerm {
        key: p.key,
        uid: p.uid,
        gid: p.gid,
        cuid: p.cuid,
        cgid: p.cgid,
        mode: u32::from(p.mode),
        seq: p.seq,
        ..AbiPerm::default()
    }
}

fn ds_to_abi(ds: &SemidDs) -> AbiDs {
    AbiDs {
        sem_perm: perm_to_abi(&ds.perm),
        sem_otime: ds.otime as i64,
        sem_ctime: ds.ctime as i64,
        sem_nsems: ds.nsems,
        ..AbiDs::default()
    }
}

impl SemScheme {
    /// semget and semctl.
    #[inline(never)]
    fn get_or_ctl(payload: &[u8], metadata: &[u64], caller: &Caller<'_>) -> Result<usize> {
        let meta = |i: usize| metadata.get(i).copied().unwrap_or(0);
        match meta(0) {
            SEM_CALL_GET => {
                let key = meta(1) as u32 as i32;
                let nsems = (meta(2) >> 32) as u32 as i32;
                let flags = meta(2) as u32 as i32;
                let creds = caller.process.creds.lock().clone();
                with_sems(|sems| sems.ns.semget(&creds, key, nsems, flags, now_secs())).map(|id| id as usize)
            }
            SEM_CALL_CTL => {
                let arg: u64 = parse(payload).ok_or(EINVAL)?;
                Self::semctl(caller, meta(1) as u32 as i32, (meta(2) >> 32) as u32 as i32, meta(2) as u32 as i32, arg)
            }
            _ => Err(EINVAL),
        }
    }

    /// semop and semtimedop: `word` is `nsops << 32 | semid` (the count as Linux's
    /// `unsigned int`), `sops` the array's address; the payload is empty (no timeout) or
    /// the timeout's address.
    ///
    /// The common call, one operation without a timeout, has a path of its own, chosen
    /// by one test of one number: the operation is read with one fixed-size move, and
    /// with the count known the checks and loops over the operations compile to
    /// straight-line code. (The errors come in the same order as on the general path:
    /// with one operation there is no count to reject and no timeout to read.)
    ///
    /// Inlined into the system call dispatcher, in the first page of hot text (see
    /// linker.ld), with everything but the one-operation path out of line: a call and
    /// return into other pages cost two jump-target lookups under binary translation.
    #[inline(always)]
    fn semop(caller: &Caller<'_>, payload: &[u8], word: u64, sops: u64) -> Result<()> {
        if payload.len() as u64 | ((word >> 32) ^ 1) == 0 {
            let op: SemBuf = caller.process.read_user(sops)?;
            return Self::perform(caller, word as u32 as i32, core::slice::from_ref(&op), None);
        }
        Self::semop_general(caller, payload, word, sops)
    }

    /// [`semop`](Self::semop) with a timeout or a count other than one.
    #[inline(never)]
    fn semop_general(caller: &Caller<'_>, payload: &[u8], word: u64, sops: u64) -> Result<()> {
        let timeout = match payload.len() {
            0 => 0,
            8 => parse::<u64>(payload).ok_or(EINVAL)?,
            _ => return Err(EINVAL),
        };
        let (semid, nsops) = (word as u32 as i32, (word >> 32) as usize);
        let ts: Option<LinuxTimespec> = if timeout == 0 { None } else { Some(caller.process.read_user(timeout)?) };
        // Linux's order: the timeout's EFAULT (it is read first), E2BIG, EINVAL for
        // nsops < 1, the array's EFAULT, EINVAL for a negative id, the timeout's EINVAL,
        // then the set.
        if nsops > SEMOPM {
            return Err(E2BIG);
        }
        if nsops < 1 {
            return Err(EINVAL);
        }
        // Up to SEMOPM_FAST operations are copied onto the stack (as Linux does), so an
        // ordinary semop allocates nothing; longer calls take the heap path.
        if nsops > SEMOPM_FAST {
            let ops = Self::read_ops_large(caller, sops, nsops)?;
            return Self::perform(caller, semid, &ops, ts);
        }
        let mut buf = MaybeUninit::<[SemBuf; SEMOPM_FAST]>::uninit();
        let ptr = buf.as_mut_ptr().cast::<SemBuf>();
        // SAFETY: nsops <= SEMOPM_FAST operations fit `buf`.
        unsafe { caller.process.copy_in(sops, ptr.cast::<u8>(), nsops * SEMBUF_SIZE)? };
        // SAFETY: the copy wrote `nsops` operations, and SemBuf is Plain (any bytes are a
        // valid value; its layout is the user's, asserted above).
        let ops = unsafe { core::slice::from_raw_parts(ptr, nsops) };
        Self::perform(caller, semid, ops, ts)
    }

    /// Reads more than SEMOPM_FAST operations through the heap.
    #[cold]
    fn read_ops_large(caller: &Caller<'_>, sops: u64, nsops: usize) -> Result<Vec<SemBuf>> {
        let mut ops = Vec::<SemBuf>::new();
        ops.try_reserve_exact(nsops).map_err(|_| ENOMEM)?;
        // SAFETY: the reserved capacity holds `nsops` operations.
        unsafe { caller.process.copy_in(sops, ops.as_mut_ptr().cast::<u8>(), nsops * SEMBUF_SIZE)? };
        // SAFETY: the copy initialized `nsops` operations (SemBuf is Plain).
        unsafe { ops.set_len(nsops) };
        Ok(ops)
    }

    /// semop once the operations are read: the id's sign, the timeout's validity, then the
    /// set (Linux's order). An uncontended call returns from here; one that completes
    /// waiters or must wait goes on in [`settle`](Self::settle).
    #[inline(always)]
    fn perform(caller: &Caller<'_>, semid: i32, ops: &[SemBuf], ts: Option<LinuxTimespec>) -> Result<()> {
        let deadline = match ts {
            None => None,
            // A negative id is EINVAL before a bad timeout is; without a timeout the
            // set lookup rejects it.
            Some(_) if semid < 0 => return Err(EINVAL),
            Some(ts) => Some(deadline_after(ts)?),
        };
        // Held, not cloned, across the call: a copy of the credentials is wide stores
        // (a lazy FPU save) and, with supplementary groups, an allocation.
        let creds = lock_fast(&caller.process.creds);
        // The lock is taken here rather than through `with_sems`: a closure this size is
        // not inlined, and its call was a measurable part of an uncontended semop.
        let mut guard = SEMS.lock();
        let sems = &mut *guard;
        let undo = &mut ProcessUndo { caller: Some(caller.process) };
        let outcome = sems.ns.semop(&creds, caller.process.pid, semid, ops, undo, now_secs(), &mut sems.woken);
        drop(creds);
        // Only a performed change completes waiters; an error changed nothing.
        match outcome {
            Ok(SemopOutcome::Done { woke: false }) => Ok(()),
            Err(errno) => Err(errno),
            Ok(outcome) => Self::settle(caller, guard, semid, outcome, deadline),
        }
    }

    /// The rest of a semop that completed waiters (they are woken) or must wait (the
    /// caller sleeps until a changer completes its operation, the deadline passes or a
    /// signal arrives). `guard` is released before anyone is woken or the caller sleeps.
    #[inline(never)]
    fn settle(
        caller: &Caller<'_>,
        mut guard: spin::MutexGuard<'_, Sems>,
        semid: i32,
        outcome: SemopOutcome,
        deadline: Option<u64>,
    ) -> Result<()> {
        let waiter = match outcome {
            SemopOutcome::Done { .. } => {
                let mut to_wake = ToWake::new();
                let Sems { sleepers, woken, .. } = &mut *guard;
                complete_into(sleepers, woken.drain(..), &mut to_wake);
                drop(guard);
                wake(&mut to_wake);
                return Ok(());
            }
            SemopOutcome::Wait(waiter) => {
                guard.add_sleeper(waiter, caller.thread);
                drop(guard);
                waiter
            }
        };
        loop {
            let reason = scheduler::block(deadline);
            let finished = with_sems(|sems| {
                let given = sems.sleeper(waiter).and_then(|s| s.result);
                if let Some(result) = given {
                    sems.remove_sleeper(waiter);
                    return Some(result);
                }
                if reason == WakeReason::Woken {
                    return None; // a spurious wake-up: sleep on until the deadline
                }
                sems.remove_sleeper(waiter);
                let result = sems.ns.cancel(semid, waiter, None);
                Some(result.unwrap_or(Err(if reason == WakeReason::TimedOut { EAGAIN } else { EINTR })))
            });
            if let Some(result) = finished {
                return result;
            }
        }
    }

    fn semctl(caller: &Caller<'_>, semid: i32, semnum: i32, cmd: i32, arg: u64) -> Result<usize> {
        if semid < 0 {
            return Err(EINVAL);
        }
        let creds = caller.process.creds.lock().clone();
        let pid = caller.process.pid;
        let command = match cmd {
            SETVAL => Command::SetVal(arg as u32 as i32),
            IPC_SET => {
                let ds: AbiDs = caller.process.with_space(|s| read_user(s, arg))?;
                Command::Set { uid: ds.sem_perm.uid, gid: ds.sem_perm.gid, mode: (ds.sem_perm.mode & 0o777) as u16 }
            }
            SETALL => {
                let nsems = with_sems(|sems| sems.ns.setall_prepare(&creds, semid))?;
                let mut raw = alloc::vec![0u8; nsems * 2];
                caller.process.with_space(|s| copy_from_user(s, arg, &mut raw))?;
                Command::SetAll(raw.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect())
            }
            _ => Command::simple(cmd).ok_or(EINVAL)?,
        };
        let (reply, mut to_wake) = with_sems(|sems| {
            let undo = &mut ProcessUndo { caller: Some(caller.process) };
            let (reply, done) = sems.ns.semctl(&creds, pid, semid, semnum, command, undo, now_secs())?;
            Ok::<_, i32>((reply, complete(sems, done)))
        })?;
        wake(&mut to_wake);
        match reply {
            Reply::Int(v) => Ok(v as usize),
            Reply::Ds(v, ds) => {
                caller.process.with_space(|s| write_user(s, arg, &ds_to_abi(&ds)))?;
                Ok(v as usize)
            }
            Reply::Info(v, info) => {
                caller.process.with_space(|s| write_user(s, arg, &info))?;
                Ok(v as usize)
            }
            Reply::Values(values) => {
                let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
                caller.process.with_space(|s| crate::memory::user::copy_to_user(s, arg, &bytes))?;
                Ok(0)
            }
        }
    }
}

impl KernelScheme for SemScheme {
    fn open(&self, path: &str, _flags: usize, _caller: &mut Caller<'_>) -> Result<usize> {
        if path.is_empty() { Ok(0) } else { Err(crate::errno::ENOENT) }
    }

    #[inline(always)]
    fn call(&self, _handle: usize, payload: &mut [u8], metadata: &[u64], caller: &mut Caller<'_>) -> Result<usize> {
        // semop inline (SYS_CALL reaches this scheme directly); semget and semctl out of
        // line, so that a semop does not pay for their stack frames.
        match *metadata {
            // Exactly three words (one length test, where reading each word past a
            // shorter slice needs its own).
            // The result is small (a unit or an errno), so it comes back in a register.
            [SEM_CALL_OP, word, sops] => Self::semop(caller, payload, word, sops).map(|()| 0),
            _ => Self::get_or_ctl(payload, metadata, caller),
        }
    }

    fn fstat(&self, _handle: usize) -> Result<Stat> {
        Ok(Stat { st_mode: MODE_CHR | 0o666, ..Stat::default() })
    }

    fn fpath(&self, _handle: usize) -> Result<String> {
        Ok(String::new())
    }

    fn close(&self, _handle: usize) {}
}

/// Reads a plain value from the front of a payload.
fn parse<T: Plain>(payload: &[u8]) -> Option<T> {
    let mut value = T::default();
    let size = size_of::<T>();
    let src = payload.get(..size)?;
    // SAFETY: T is Plain: any bytes form a valid value; the sizes match.
    let dst = unsafe { core::slice::from_raw_parts_mut(&mut value as *mut T as *mut u8, size) };
    dst.copy_from_slice(src);
    Some(value)
}
