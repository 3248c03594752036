//! System V semaphore sets: `semget`, `semop`/`semtimedop` with the pending queue, and
//! SEM_UNDO adjustments (semctl is in [`ctl`]).
//!
//! Blocking is data: [`SemNamespace::semop`] either completes, fails, or queues the
//! operation and returns a [`WaiterId`]. Every later change (a semop, SETVAL, SETALL,
//! IPC_RMID, an exiting process's undo) walks the queue in FIFO order and *performs* the
//! waiting operations that can now proceed, on their callers' behalf, returning each
//! completed waiter with its result; the glue wakes exactly those threads. A waiter that
//! times out or is interrupted calls [`SemNamespace::cancel`], which dequeues it unless
//! a change already completed it (then the result it was given stands).
//!
//! SEM_UNDO adjustments are kept per (process, set) in an [`UndoStore`] the caller
//! provides (the kernel keeps them in each process's state).

pub mod ctl;
mod queue;

#[cfg(test)]
pub(crate) mod tests;

use alloc::vec::Vec;

use self::queue::PendingQueue;
use super::get::{self, IpcObject};
use super::ids::IdTable;
use super::perm::{IpcPerm, READ, WRITE};
use super::wait::{self, Outcome, WaiterId, WaiterIds};
use super::{IPC_NOWAIT, Key};
use crate::context::cred::Credentials;
use crate::errno::{E2BIG, EAGAIN, EFBIG, EIDRM, EINVAL, ENOMEM, ENOSPC, ERANGE, Errno, Result};

/// Most semaphores in a set.
pub const SEMMSL: usize = 32000;
/// Most operations in one semop call.
pub const SEMOPM: usize = 500;
/// Largest semaphore value.
pub const SEMVMX: i32 = 32767;
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

bitflags::bitflags! {
    /// The flags of one operation (`sem_flg`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct SemFlags: i16 {
        /// Fail with EAGAIN instead of waiting.
        const NOWAIT = IPC_NOWAIT as i16;
        /// Undo the operation when the process exits.
        const UNDO = SEM_UNDO;
    }
}

impl SemBuf {
    fn flags(&self) -> SemFlags {
        SemFlags::from_bits_truncate(self.flg)
    }

    fn nowait(&self) -> bool {
        self.flags().contains(SemFlags::NOWAIT)
    }

    fn undo(&self) -> bool {
        self.flags().contains(SemFlags::UNDO)
    }
}

/// A semop that had to wait, and the result a changer gave it.
pub type Completed = wait::Completed<()>;
/// The waiters one change completed.
pub type Woken = wait::Woken<()>;

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

/// A semaphore set.
#[derive(Clone, Debug, Default)]
pub struct SemSet {
    pub perm: IpcPerm,
    pub sems: Vec<Sem>,
    /// Last semop time and last change time (seconds since the epoch).
    pub otime: u64,
    pub ctime: u64,
    pending: PendingQueue,
}

impl IpcObject for SemSet {
    fn perm(&self) -> &IpcPerm {
        &self.perm
    }
    fn perm_mut(&mut self) -> &mut IpcPerm {
        &mut self.perm
    }
}

/// Why an atomic attempt stopped.
enum Attempt {
    Done,
    Blocked { num: u16, zero: bool, nowait: bool },
    Failed(Errno),
}

impl SemSet {
    /// Number of waiters blocked on semaphore `num` (`zero`: waiting for zero).
    pub fn waiters_on(&self, num: u16, zero: bool) -> usize {
        self.pending.iter().filter(|p| p.blocking == (num, zero)).count()
    }

    /// Tries `ops` atomically for `pid`; on success applies values, pids and undo.
    ///
    /// As Linux's `perform_atomic_semop`, the operations are applied in place one by one
    /// and, if one blocks or fails, the ones before it are reverted in reverse order (so
    /// an uncontended semop needs no scratch copy of the values). A function of the
    /// values alone, so that the queue walk can pass a waiter's operations in place.
    #[inline(always)]
    fn attempt(sems: &mut [Sem], semid: i32, pid: u32, ops: &[SemBuf], undo: &mut dyn UndoStore) -> Attempt {
        let nsems = sems.len();
        for (i, op) in ops.iter().enumerate() {
            let current = i32::from(sems[usize::from(op.num)].value);
            let new = current + i32::from(op.op);
            let stop = if op.op == 0 {
                (current != 0).then_some(Attempt::Blocked { num: op.num, zero: true, nowait: op.nowait() })
            } else if new < 0 {
                Some(Attempt::Blocked { num: op.num, zero: false, nowait: op.nowait() })
            } else if new > SEMVMX {
                Some(Attempt::Failed(ERANGE))
            } else if op.undo() {
                // The adjustment undoes the operation at exit; it must stay a short.
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
            if op.undo() && op.op != 0 {
                let adj = i32::from(undo.get(pid, semid, op.num)) + i32::from(op.op);
                undo.set(pid, semid, nsems, op.num, adj as i16);
            }
        }
    }

    /// After a change that may have moved values, performs every queued operation that
    /// can now proceed, in FIFO order, restarting after each one that changed values (it
    /// may unblock an earlier waiter). Each completed waiter is appended to `woken`.
    fn update_queue(&mut self, semid: i32, undo: &mut dyn UndoStore, now: u64, woken: &mut Woken) {
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
    }

    /// Fails every waiter with EIDRM (the set is being removed).
    fn drain_removed(&mut self) -> Woken {
        let mut woken = Woken::new();
        self.pending.drain(|p| woken.push(Completed { waiter: p.waiter, result: Err(EIDRM) }));
        woken
    }
}

/// All semaphore sets of the system.
pub struct SemNamespace {
    pub(crate) sets: IdTable<SemSet>,
    waiter_ids: WaiterIds,
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
        Self { sets: IdTable::new(SEMMNI), waiter_ids: WaiterIds::new(), total_sems: 0 }
    }

    /// `semget(key, nsems, flags)`: nsems outside 0..=SEMMSL is EINVAL before anything
    /// else; an existing set with fewer semaphores is EINVAL; a new set needs at least
    /// one semaphore (EINVAL), room in SEMMNS (ENOSPC) and memory for its values
    /// (ENOMEM).
    pub fn semget(&mut self, creds: &Credentials, key: Key, nsems: i32, flags: i32, now: u64) -> Result<i32> {
        let nsems = usize::try_from(nsems).ok().filter(|&n| n <= SEMMSL).ok_or(EINVAL)?;
        let total = self.total_sems;
        let got = get::get(
            &mut self.sets,
            creds,
            key,
            flags,
            |set| if nsems > set.sems.len() { Err(EINVAL) } else { Ok(()) },
            |perm| {
                if nsems == 0 {
                    return Err(EINVAL);
                }
                if total + nsems > SEMMNS {
                    return Err(ENOSPC);
                }
                // Linux's allocation of the set fails with ENOMEM when memory is short;
                // so does this one, rather than stopping the kernel.
                let mut sems = Vec::new();
                sems.try_reserve_exact(nsems).map_err(|_| ENOMEM)?;
                sems.resize(nsems, Sem::default());
                Ok(SemSet { perm, sems, otime: 0, ctime: now, ..SemSet::default() })
            },
        )?;
        if got.created {
            self.total_sems += nsems;
        }
        Ok(got.id)
    }

    /// The set with id `semid`.
    pub fn set(&self, semid: i32) -> Result<&SemSet> {
        self.sets.get(semid)
    }

    /// `semop`/`semtimedop` for process `pid`: performs `ops` atomically, fails, or
    /// queues them. Errors come in Linux's order (E2BIG, EINVAL for no operations, then
    /// the set: EINVAL, EFBIG, EACCES, then ERANGE or EAGAIN from the attempt). Waiters
    /// that a performed change completes are appended to `woken`, which the caller owns
    /// (the kernel keeps one from call to call, so a semop allocates nothing).
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
    ) -> Result<Outcome<()>> {
        // Linux checks the count first, then (after copying the array) the id.
        if ops.len() > SEMOPM {
            return Err(E2BIG);
        }
        if ops.is_empty() {
            return Err(EINVAL);
        }
        let set = self.sets.get_mut(semid)?;
        // A number past the set is EFBIG, before any permission check.
        if ops.iter().any(|op| usize::from(op.num) >= set.sems.len()) {
            return Err(EFBIG);
        }
        // Altering needs write permission; a call of only wait-for-zero ops needs read.
        let alter = ops.iter().any(|op| op.op != 0);
        set.perm.check(creds, if alter { WRITE } else { READ })?;
        match SemSet::attempt(&mut set.sems, semid, pid, ops, undo) {
            Attempt::Done => {
                set.otime = now;
                if alter && !set.pending.is_empty() {
                    set.update_queue(semid, undo, now, woken);
                }
                Ok(Outcome::Done(()))
            }
            Attempt::Failed(errno) => Err(errno),
            Attempt::Blocked { nowait: true, .. } => Err(EAGAIN),
            Attempt::Blocked { num, zero, nowait: false } => {
                let waiter = self.waiter_ids.fresh();
                queue::push(&mut set.pending, waiter, pid, ops, (num, zero));
                Ok(Outcome::Wait(waiter))
            }
        }
    }

    /// A waiter gives up (timeout or signal): `true` if it was still queued (now
    /// removed); `false` if a change already completed it (its result is on its way).
    pub fn cancel(&mut self, semid: i32, waiter: WaiterId) -> bool {
        if let Ok(set) = self.sets.get_mut(semid)
            && let Some(i) = set.pending.position(|p| p.waiter == waiter)
        {
            set.pending.remove(i);
            return true;
        }
        false
    }

    /// Applies the SEM_UNDO adjustments `adjustments` (per semaphore) of an exiting
    /// process to set `semid`, without blocking, each value clamped to [0, SEMVMX]. A set
    /// removed meanwhile is skipped. Completed waiters are appended to `woken`.
    pub fn apply_exit_undo(
        &mut self,
        pid: u32,
        semid: i32,
        adjustments: &[i16],
        undo: &mut dyn UndoStore,
        now: u64,
        woken: &mut Woken,
    ) {
        let Ok(set) = self.sets.get_mut(semid) else { return };
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
        if changed {
            set.update_queue(semid, undo, now, woken);
        }
    }
}
