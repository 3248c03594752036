//! `/scheme/sem`: System V semaphore sets (see `kestrel_abi::sysv` for the calls). The
//! rules live in `ipc::sem`; this glue decodes the calls, copies user memory, sleeps and
//! wakes through `ipc_glue`, and keeps each process's SEM_UNDO adjustments in its
//! `Process`.
//!
//! Locks, in the order of `context::lock_order`: the caller's `creds` (held across the
//! call, for the permission checks), `SEMS`, then through [`ProcessUndo`] the process
//! table and one process's `ipc` state at a time. Threads are woken only after `SEMS` is
//! released.

use alloc::string::String;
use alloc::vec::Vec;
use core::mem::MaybeUninit;

use kestrel_abi::syscall::{MODE_CHR, Stat};
use kestrel_abi::sysv::{
    LinuxTimespec, SEM_CALL_CTL, SEM_CALL_GET, SEM_CALL_OP, SemBuf as AbiSemBuf, SemInfo, SemidDs as AbiDs,
};

use super::ipc::IPC_SET;
use super::ipc::ctl::NewOwner;
use super::ipc::sem::ctl::{Command, Reply, SETALL, SETVAL, SemidDs};
use super::ipc::sem::{SEMOPM, SemBuf, SemNamespace, UndoStore, Woken};
use super::ipc::wait::Outcome;
use super::ipc_glue::{self, Deadline, Facility, Sleepers, Wakeups};
use super::{Caller, KernelScheme, Result};
use crate::arch::clock;
use crate::context::lock_order::{Level, OrderedGuard, OrderedMutex};
use crate::context::{Process, ipc, process};
use crate::errno::{E2BIG, EAGAIN, EINVAL, ENOENT, ENOMEM};
use crate::memory::user::{Plain, copy_from_user, read_user};

/// The semaphore sets and the threads asleep in semop.
struct Sems {
    ns: SemNamespace,
    sleepers: Sleepers<()>,
    /// The waiters a semop's change completed, until they are handed to their sleepers.
    /// Kept here and emptied after each use, so that a semop allocates nothing.
    woken: Woken,
}

impl Sems {
    fn new() -> Self {
        Self { ns: SemNamespace::new(), sleepers: Sleepers::new(), woken: Woken::new() }
    }

    /// Hands the completed waiters in `self.woken` their results and adds their threads
    /// to `wakeups`.
    fn complete_woken(&mut self, wakeups: &mut Wakeups) {
        self.sleepers.complete(self.woken.drain(..), wakeups);
    }
}

impl Facility for Sems {
    type Result = ();

    fn sleepers(&mut self) -> &mut Sleepers<()> {
        &mut self.sleepers
    }
}

static SEMS: spin::LazyLock<OrderedMutex<Sems>> =
    spin::LazyLock::new(|| OrderedMutex::new(Level::Facility, Sems::new()));

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
/// process, reached directly: the adjustments a semop changes are its own.
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

/// The deadline of a relative semtimedop timeout (EINVAL if it is malformed). What
/// remains of it is kept across wake-ups: it is a monotonic deadline, not a duration.
#[cold]
fn deadline_after(ts: LinuxTimespec) -> Result<Deadline> {
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(EINVAL);
    }
    Ok(Deadline::after((ts.tv_sec as u64).saturating_mul(1_000_000_000).saturating_add(ts.tv_nsec as u64)))
}

/// The time stamped on sets (otime, ctime).
fn now_secs() -> u64 {
    clock::realtime_secs()
}

/// Runs `f` on the sets; wakes the waiters it completed once the lock is dropped.
fn with_sems<R>(f: impl FnOnce(&mut Sems) -> R) -> R {
    let mut wakeups = Wakeups::default();
    let result = {
        let mut sems = SEMS.lock();
        let result = f(&mut sems);
        sems.complete_woken(&mut wakeups);
        result
    };
    wakeups.wake();
    result
}

/// The facility's lifecycle rule: exit applies the process's SEM_UNDO adjustments.
pub struct SemHooks;

impl ipc::IpcHooks for SemHooks {
    fn on_exit(&self, process: &Process) {
        let lists = core::mem::take(&mut process.ipc.lock().sem_undo);
        if lists.is_empty() {
            return;
        }
        with_sems(|sems| {
            let Sems { ns, woken, .. } = sems;
            for (semid, adjustments) in lists {
                ns.apply_exit_undo(process.pid, semid, &adjustments, &mut ProcessUndo::default(), now_secs(), woken);
            }
        });
    }
}

/// The sem scheme.
pub struct SemScheme;

fn ds_to_abi(ds: &SemidDs) -> AbiDs {
    AbiDs {
        sem_perm: ipc_glue::abi_perm(&ds.perm, ds.id),
        sem_otime: ds.otime as i64,
        sem_ctime: ds.ctime as i64,
        sem_nsems: ds.nsems,
        ..AbiDs::default()
    }
}

impl SemScheme {
    /// semget: `[SEM_CALL_GET, key, nsems << 32 | semflg]`.
    #[inline(never)]
    fn semget(caller: &Caller<'_>, key: u64, word: u64) -> Result<usize> {
        let ((flags, nsems), key) = (kestrel_abi::protocol::split(word), key as u32 as i32);
        let creds = caller.process.creds.lock();
        let id = with_sems(|sems| sems.ns.semget(&creds, key, nsems, flags, now_secs()))?;
        Ok(id as usize)
    }

    /// semop and semtimedop: `word` is `nsops << 32 | semid` (the count as Linux's
    /// `unsigned int`), `sops` the array's address; the payload is empty (no timeout) or
    /// the timeout's address.
    ///
    /// The usual call, one operation without a timeout, is read with one fixed-size copy
    /// and skips the count and timeout checks, which cannot fail for it; the errors come
    /// in the same order as on the general path.
    #[inline(always)]
    fn semop(caller: &Caller<'_>, payload: &[u8], word: u64, sops: u64) -> Result<()> {
        if payload.is_empty() && word >> 32 == 1 {
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
    /// set (Linux's order). An uncontended call returns from here; one that completed
    /// waiters or must wait goes on in [`settle`](Self::settle).
    #[inline(always)]
    fn perform(caller: &Caller<'_>, semid: i32, ops: &[SemBuf], ts: Option<LinuxTimespec>) -> Result<()> {
        let deadline = match ts {
            None => Deadline::Never,
            // A negative id is EINVAL before a bad timeout is; without a timeout the
            // set lookup rejects it.
            Some(_) if semid < 0 => return Err(EINVAL),
            Some(ts) => deadline_after(ts)?,
        };
        // Held, not cloned, across the call: a copy of the credentials is an allocation
        // when there are supplementary groups.
        let creds = caller.process.creds.lock();
        let mut guard = SEMS.lock();
        let sems = &mut *guard;
        let undo = &mut ProcessUndo { caller: Some(caller.process) };
        let outcome = sems.ns.semop(&creds, caller.process.pid, semid, ops, undo, now_secs(), &mut sems.woken);
        drop(creds);
        match outcome {
            Ok(Outcome::Done(())) if sems.woken.is_empty() => Ok(()),
            Err(errno) => Err(errno),
            Ok(outcome) => Self::settle(caller, guard, semid, outcome, deadline),
        }
    }

    /// The rest of a semop that completed waiters (they are woken) or must wait (the
    /// caller sleeps until a changer completes its operation, the deadline passes
    /// (EAGAIN) or a signal arrives (EINTR)).
    #[inline(never)]
    fn settle(
        caller: &Caller<'_>,
        mut guard: OrderedGuard<'_, Sems>,
        semid: i32,
        outcome: Outcome<()>,
        deadline: Deadline,
    ) -> Result<()> {
        match outcome {
            Outcome::Done(()) => {
                let mut wakeups = Wakeups::default();
                guard.complete_woken(&mut wakeups);
                drop(guard);
                wakeups.wake();
                Ok(())
            }
            Outcome::Wait(waiter) => ipc_glue::sleep(&SEMS, guard, caller.thread, waiter, deadline, EAGAIN, |sems| {
                sems.ns.cancel(semid, waiter)
            }),
        }
    }

    /// semctl: `[SEM_CALL_CTL, semid, semnum << 32 | cmd]`, the argument in the payload.
    #[inline(never)]
    fn semctl(caller: &Caller<'_>, payload: &[u8], semid: u64, word: u64) -> Result<usize> {
        let arg: u64 = parse(payload).ok_or(EINVAL)?;
        let ((cmd, semnum), semid) = (kestrel_abi::protocol::split(word), semid as u32 as i32);
        if semid < 0 {
            return Err(EINVAL);
        }
        let creds = caller.process.creds.lock();
        let pid = caller.process.pid;
        let command = match cmd {
            SETVAL => Command::SetVal(arg as u32 as i32),
            IPC_SET => {
                let ds: AbiDs = caller.process.with_space(|s| read_user(s, arg))?;
                let perm = ds.sem_perm;
                Command::Set(NewOwner { uid: perm.uid, gid: perm.gid, mode: (perm.mode & 0o777) as u16 })
            }
            SETALL => {
                let nsems = with_sems(|sems| sems.ns.setall_prepare(&creds, semid))?;
                let mut raw = alloc::vec![0u8; nsems * 2];
                caller.process.with_space(|s| copy_from_user(s, arg, &mut raw))?;
                Command::SetAll(raw.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect())
            }
            _ => Command::simple(cmd).ok_or(EINVAL)?,
        };
        let reply = with_sems(|sems| {
            let Sems { ns, woken, .. } = sems;
            let undo = &mut ProcessUndo { caller: Some(caller.process) };
            ns.semctl(&creds, pid, semid, semnum, command, undo, now_secs(), woken)
        })?;
        drop(creds);
        match reply {
            Reply::Int(v) => Ok(v as usize),
            Reply::Ds(v, ds) => {
                caller.process.write_user(arg, &ds_to_abi(&ds))?;
                Ok(v as usize)
            }
            Reply::Info(v, info) => {
                caller.process.write_user(arg, &info)?;
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
        if path.is_empty() { Ok(0) } else { Err(ENOENT) }
    }

    /// Every call takes exactly three metadata words (`kestrel_abi::sysv`); any other
    /// count is EINVAL, never a call with missing words read as zero.
    #[inline(always)]
    fn call(&self, _handle: usize, payload: &mut [u8], metadata: &[u64], caller: &mut Caller<'_>) -> Result<usize> {
        match *metadata {
            [SEM_CALL_OP, word, sops] => Self::semop(caller, payload, word, sops).map(|()| 0),
            [SEM_CALL_GET, key, word] => Self::semget(caller, key, word),
            [SEM_CALL_CTL, semid, word] => Self::semctl(caller, payload, semid, word),
            _ => Err(EINVAL),
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

/// `/proc/sysvipc/sem`'s lines (after its header) and the number of sets.
pub fn sysvipc_table(out: &mut String) -> usize {
    let sems = SEMS.lock();
    sems.ns.all_ds().map(|ds| super::ipc::sysvipc::sem_line(out, &ds)).count()
}
