//! System V semaphore sets: `semget`, `semop`/`semtimedop` with the pending queue, and
//! SEM_UNDO adjustments (semctl is in [`ctl`]).
//!
//! Blocking is data: [`SemNamespace::semop`] either completes, fails, or queues the
//! operation and returns a [`WaiterId`]. Every later change (a semop, SETVAL, SETALL,
//! IPC_RMID, an exiting process's undo) walks the queue in FIFO order and *performs* the
//! waiting operations that can now proceed, on their callers' behalf, returning each
//! completed waiter with its result; the glue wakes exactly those threads. A waiter that
//! times out or is interrupted calls [`SemNamespace::cancel`], which either dequeues it
//! or hands back the result it was already given.
//!
//! SEM_UNDO adjustments are kept per (process, set) in an [`UndoStore`] the caller
//! provides (the kernel keeps them in each process's state).

pub mod ctl;
mod queue;

#[cfg(test)]
pub(crate) mod tests;

use alloc::vec::Vec;

use kestrel_abi::errno::{E2BIG, EAGAIN, EEXIST, EFBIG, EIDRM, EINVAL, ENOENT, ENOSPC, ERANGE};

use self::queue::PendingQueue;
use super::ids::IdTable;
use super::perm::{IpcPerm, READ, WRITE, requested_bits};
use super::{IPC_CREAT, IPC_EXCL, IPC_NOWAIT, IPC_PRIVATE};
use crate::context::cred::Credentials;

/// Most semaphores in a set.
pub const SEMMSL: usize = 32000;
/// Most operations in one semop call.
pub const SEMOPM: usize = 500;
/// Largest semaphore value.
pub const SEMVMX: i32 = 32767;
// `SemSet::attempt` tests the range 0..=SEMVMX with a shift by 15.
static_assertions::const_assert_eq!(SEMVMX, (1 << 15) - 1);
/// Largest adjust-on-exit magnitude.
pub const SEMAEM: i32 = 32767;
/// Most sets.
pub const SEMMNI: usize = 32000;
/// Most semaphores in all sets.
pub const SEMMNS: usize = SEMMSL * SEMMNI;
pub use kestrel_abi::sysv::SEM_UNDO;

/// One operation of a semop call (`struct sembuf`), laid out as the user's: the kernel
/// copies a caller's array straight into these.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SemBuf {
    pub num: u16,
    pub op: i16,
    pub flg: i16,
}

/// Identifies a queued operation until it completes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct WaiterId(pub u64);

/// Waiters completed by one change. The kernel passes semop a list it keeps from call to
/// call (so it allocates once, not per change); other changes return a new one.
pub type Woken = Vec<Completed>;

/// A semop that had to wait, and the result the changer gave it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Completed {
    pub waiter: WaiterId,
    pub result: Result<(), i32>,
}

/// What a semop call did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SemopOutcome {
    /// Performed; the waiters this change completed were added to the caller's list,
    /// and `woke` says whether there were any (the uncontended path then tests one
    /// value it already has, not the list).
    Done { woke: bool },
    /// Queued: the caller sleeps until completed (or cancels).
    Wait(WaiterId),
}

/// SEM_UNDO adjustments of every process, per set.
pub trait UndoStore {
    /// The adjustment of semaphore `num` of set `semid` for process `pid` (0 if none).
    fn get(&self, pid: u32, semid: i32, num: u16) -> i16;
    /// Sets it (creating the process's entry for the set if needed).
    fn set(&mut self, pid: u32, semid: i32, nsems: usize, num: u16, value: i16);
    /// Clears semaphore `num` of `semid` (or the whole set with `None`) in every process.
    fn clear(&mut self, semid: i32, num: Option<u16>);
}

/// One semaphore.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sem {
    pub value: u16,
    /// Pid of the last process that operated on it.
    pub pid: u32,
}

/// A semaphore set. (The default, empty set fills the id table's free slots.)
#[derive(Clone, Debug, Default)]
pub struct SemSet {
    pub perm: IpcPerm,
    pub sems: Vec<Sem>,
    /// Last semop time and last change time (seconds since the epoch).
    pub otime: u64,
    pub ctime: u64,
    pending: PendingQueue,
}

/// Why an atomic attempt stopped.
enum Attempt {
    Done,
    Blocked { num: u16, zero: bool, nowait: bool },
    Failed(i32),
}

impl SemSet {
    /// Number of waiters blocked on semaphore `num` (`zero`: waiting for zero).
    pub fn waiters_on(&self, num: u16, zero: bool) -> usize {
        self.pending.iter().filter(|p| p.blocking == (num, zero)).count()
    }

    /// Tries `ops` atomically for `pid`; on success applies values, pids and undo.
    ///
    /// As Linux's `perform_atomic_semop`, the operations are applied in place one by one
    /// and, if one blocks or fails, the ones before it are reverted in reverse order: no
    /// scratch copy of the values, so an uncontended semop allocates nothing.
    ///
    /// A function of the values alone (not `&mut self`), so that the queue walk can pass
    /// a waiter's operations in place. Inlined into its two callers: a call and return
    /// cost a jump-target lookup under binary translation, on every semop.
    #[inline(always)]
    fn attempt(sems: &mut [Sem], semid: i32, pid: u32, ops: &[SemBuf], undo: &mut dyn UndoStore) -> Attempt {
        let nsems = sems.len();
        for (i, op) in ops.iter().enumerate() {
            let current = i32::from(sems[usize::from(op.num)].value);
            let new = current + i32::from(op.op);
            // The usual operation changes the value, keeps it in 0..=SEMVMX and has no
            // SEM_UNDO. Tested as one number (each part is non-zero when it fails): as
            // separate comparisons it is a branch each, and each ends a translated
            // block under binary translation.
            let unusual = (u32::from(op.op as u16).wrapping_sub(1) >> 16) // op == 0
                | (new as u32 >> 15) // outside 0..=SEMVMX (2^15 - 1)
                | u32::from(op.flg as u16 & SEM_UNDO as u16);
            if unusual == 0 {
                sems[usize::from(op.num)].value = new as u16;
                continue;
            }
            // Said to the compiler so that it keeps the usual path's values in registers
            // and saves them only on this one (which calls the undo store).
            core::hint::cold_path();
            let nowait = op.flg & IPC_NOWAIT as i16 != 0;
            let stop = if op.op == 0 {
                (current != 0).then_some(Attempt::Blocked { num: op.num, zero: true, nowait })
            } else if new < 0 {
                Some(Attempt::Blocked { num: op.num, zero: false, nowait })
            } else if new > SEMVMX {
                Some(Attempt::Failed(ERANGE))
            } else if op.flg & SEM_UNDO != 0 {
                let new_adj = i32::from(undo.get(pid, semid, op.num)) - i32::from(op.op);
                if (-SEMAEM - 1..=SEMAEM).contains(&new_adj) {
                    undo.set(pid, semid, nsems, op.num, new_adj as i16);
                    None
                } else {
                    Some(Attempt::Failed(ERANGE))
                }
            } else {
                None
            };
            if let Some(stop) = stop {
                Self::revert(sems, semid, pid, &ops[..i], undo);
                return stop;
            }
            sems[usize::from(op.num)].value = new as u16;
        }
        for op in ops {
            sems[usize::from(op.num)].pid = pid;
        }
        Attempt::Done
    }

    /// Takes back operations `attempt` applied (values and adjustments), last first.
    fn revert(sems: &mut [Sem], semid: i32, pid: u32, applied: &[SemBuf], undo: &mut dyn UndoStore) {
        let nsems = sems.len();
        for op in applied.iter().rev() {
            let sem = &mut sems[usize::from(op.num)];
            sem.value = (i32::from(sem.value) - i32::from(op.op)) as u16;
            if op.flg & SEM_UNDO != 0 && op.op != 0 {
                let adj = i32::from(undo.get(pid, semid, op.num)) + i32::from(op.op);
                undo.set(pid, semid, nsems, op.num, adj as i16);
            }
        }
    }

    /// After a change (`changed`: some value may have moved), performs every queued
    /// operation that can now proceed, in FIFO order, restarting after each one that
    /// changed values (it may unblock an earlier waiter). Returns whether it completed
    /// any waiter (each is appended to `woken`).
    /// Inlined: an uncontended semop has no queue, and this test is all it costs (the
    /// queue is tested first: the compiler does not carry `changed` over from where
    /// semop computed it, so testing it first would be a test more).
    #[inline(always)]
    fn update_queue(
        &mut self,
        changed: bool,
        semid: i32,
        undo: &mut dyn UndoStore,
        now: u64,
        woken: &mut Woken,
    ) -> bool {
        if self.pending.is_empty() || !changed {
            return false;
        }
        // Said to the compiler so that semop keeps its values in registers on the
        // uncontended path and saves them around the walk only.
        core::hint::cold_path();
        self.walk_queue(semid, undo, now, woken)
    }

    /// [`update_queue`](Self::update_queue) with sleepers queued.
    fn walk_queue(&mut self, semid: i32, undo: &mut dyn UndoStore, now: u64, woken: &mut Woken) -> bool {
        let before = woken.len();
        let mut i = 0;
        while i < self.pending.len() {
            let waiting = self.pending.get(i);
            let (waiter, changes) = (waiting.waiter, waiting.ops.iter().any(|op| op.op != 0));
            match Self::attempt(&mut self.sems, semid, waiting.pid, &waiting.ops, undo) {
                Attempt::Done => {
                    self.pending.remove(i);
                    self.otime = now;
                    woken.push(Completed { waiter, result: Ok(()) });
                    if changes {
                        i = 0;
                        continue;
                    }
                }
                Attempt::Failed(errno) => {
                    self.pending.remove(i);
                    woken.push(Completed { waiter, result: Err(errno) });
                }
                Attempt::Blocked { num, zero, .. } => {
                    self.pending.get_mut(i).blocking = (num, zero);
                    i += 1;
                }
            }
        }
        woken.len() > before
    }

    /// Fails every waiter with EIDRM (the set is being removed).
    fn drain_removed(&mut self) -> Woken {
        self.pending.drain_waiters().map(|waiter| Completed { waiter, result: Err(EIDRM) }).collect()
    }
}

/// All semaphore sets of the system.
pub struct SemNamespace {
    pub(crate) sets: IdTable<SemSet>,
    next_waiter: u64,
    total_sems: usize,
}

impl Default for SemNamespace {
    fn default() -> Self {
        Self::new()
    }
}

impl SemNamespace {
    /// No sets.
    pub const fn new() -> Self {
        Self { sets: IdTable::new(SEMMNI), next_waiter: 1, total_sems: 0 }
    }

    /// `semget(key, nsems, flags)`.
    pub fn semget(&mut self, creds: &Credentials, key: i32, nsems: i32, flags: i32, now: u64) -> Result<i32, i32> {
        if nsems < 0 || nsems as usize > SEMMSL {
            return Err(EINVAL);
        }
        if key != IPC_PRIVATE {
            if let Some(id) = self.sets.find(|s| s.perm.key == key) {
                if flags & IPC_CREAT != 0 && flags & IPC_EXCL != 0 {
                    return Err(EEXIST);
                }
                let set = self.sets.get(id)?;
                if nsems as usize > set.sems.len() {
                    return Err(EINVAL);
                }
                set.perm.check(creds, (flags & 0o777) as u16)?;
                return Ok(id);
            }
            if flags & IPC_CREAT == 0 {
                return Err(ENOENT);
            }
        }
        if nsems == 0 {
            return Err(EINVAL);
        }
        if self.total_sems + nsems as usize > SEMMNS {
            return Err(ENOSPC);
        }
        let set = |seq| SemSet {
            perm: IpcPerm::new(key, flags, creds, seq),
            sems: alloc::vec![Sem::default(); nsems as usize],
            otime: 0,
            ctime: now,
            pending: PendingQueue::new(),
        };
        let id = self.sets.insert(set)?;
        self.total_sems += nsems as usize;
        Ok(id)
    }

    /// The set with id `semid`.
    pub fn set(&self, semid: i32) -> Result<&SemSet, i32> {
        self.sets.get(semid)
    }

    /// `semop`/`semtimedop` for process `pid`: performs `ops` atomically, fails, or
    /// queues them. Errors come in Linux's order (EINVAL, E2BIG, then the set: EINVAL,
    /// EFBIG, EACCES, then ERANGE or EAGAIN from the attempt). Waiters that a performed
    /// change completes are appended to `woken`, which the caller owns: the result stays
    /// two words, so the call and its return move no wide values (see `arch::fpu`).
    ///
    /// Inlined into the kernel's one caller, with queueing out of line: an uncontended
    /// semop then makes no call at all (each call and return is a jump-target lookup
    /// under binary translation).
    #[allow(clippy::too_many_arguments, reason = "the call's inputs plus the caller's out-list")]
    #[inline(always)]
    pub fn semop(
        &mut self,
        creds: &Credentials,
        pid: u32,
        semid: i32,
        ops: &[SemBuf],
        undo: &mut dyn UndoStore,
        now: u64,
        woken: &mut Woken,
    ) -> Result<SemopOutcome, i32> {
        // Linux checks the count first, then (after copying the array) the id's sign.
        if ops.len() > SEMOPM {
            return Err(E2BIG);
        }
        if ops.is_empty() {
            return Err(EINVAL);
        }
        // A negative id is EINVAL from the lookup.
        let set = self.sets.get_mut(semid)?;
        // One pass for both: a number past the set (EFBIG, before any permission check)
        // and whether anything changes. Stopping at the first bad number gives the same
        // errno as looking at all of them, and keeps the loop simple for one operation.
        let nsems = set.sems.len();
        let mut alter = false;
        for op in ops {
            if usize::from(op.num) >= nsems {
                return Err(EFBIG);
            }
            alter |= op.op != 0;
        }
        // The bits folded at compile time: folding the chosen flag costs a dozen
        // instructions on every semop.
        set.perm
            .check_bits(creds, if alter { const { requested_bits(WRITE) } } else { const { requested_bits(READ) } })?;
        match SemSet::attempt(&mut set.sems, semid, pid, ops, undo) {
            Attempt::Done => {
                set.otime = now;
                let woke = set.update_queue(alter, semid, undo, now, woken);
                Ok(SemopOutcome::Done { woke })
            }
            Attempt::Failed(errno) => Err(errno),
            Attempt::Blocked { nowait: true, .. } => Err(EAGAIN),
            Attempt::Blocked { num, zero, nowait: false } => {
                let waiter = WaiterId(self.next_waiter);
                self.next_waiter += 1;
                set.pending.push(waiter, pid, ops, (num, zero));
                Ok(SemopOutcome::Wait(waiter))
            }
        }
    }

    /// A waiter gives up (timeout or signal): `None` if it was still queued (now
    /// removed), or the result the changer already gave it.
    pub fn cancel(
        &mut self,
        semid: i32,
        waiter: WaiterId,
        completed: Option<Result<(), i32>>,
    ) -> Option<Result<(), i32>> {
        if let Ok(set) = self.sets.get_mut(semid)
            && let Some(i) = set.pending.position(waiter)
        {
            set.pending.remove(i);
            return None;
        }
        completed
    }

    /// Applies the SEM_UNDO adjustments `adjustments` (per semaphore) of an exiting
    /// process to set `semid`, without blocking, each value clamped to [0, SEMVMX]. A set
    /// removed meanwhile is skipped. Returns the waiters this completed.
    pub fn apply_exit_undo(
        &mut self,
        pid: u32,
        semid: i32,
        adjustments: &[i16],
        undo: &mut dyn UndoStore,
        now: u64,
    ) -> Woken {
        let mut woken = Woken::new();
        let Ok(set) = self.sets.get_mut(semid) else { return woken };
        let mut changed = false;
        for (num, &adj) in adjustments.iter().enumerate().take(set.sems.len()) {
            if adj == 0 {
                continue;
            }
            let sem = &mut set.sems[num];
            sem.value = (i32::from(sem.value) + i32::from(adj)).clamp(0, SEMVMX) as u16;
            sem.pid = pid;
            changed = true;
        }
        set.update_queue(changed, semid, undo, now, &mut woken);
        woken
    }

    pub(crate) fn remove_set(&mut self, semid: i32, undo: &mut dyn UndoStore) -> Result<Woken, i32> {
        let mut set = self.sets.remove(semid)?;
        self.total_sems -= set.sems.len();
        undo.clear(semid, None);
        Ok(set.drain_removed())
    }
}
