//! `semctl`: status, ownership, removal, limits, and reading or setting values.
//!
//! Errors come in Linux's order for each command (see [`SemNamespace::semctl`]).

use alloc::vec::Vec;

pub use kestrel_abi::sysv::SemInfo;

use super::{SEMAEM, SEMMNI, SEMMNS, SEMMSL, SEMOPM, SEMVMX, Sem, SemNamespace, SemSet, UndoStore, Woken};
use crate::context::cred::Credentials;
use crate::errno::{EINVAL, ERANGE, Result};
use crate::scheme::ipc::ctl::{self, NewOwner};
use crate::scheme::ipc::perm::WRITE;
pub use crate::scheme::ipc::{IPC_INFO, IPC_RMID, IPC_STAT};

pub use kestrel_abi::sysv::{
    GETALL, GETNCNT, GETPID, GETVAL, GETZCNT, SEM_INFO, SEM_STAT, SEM_STAT_ANY, SETALL, SETVAL,
};

/// Linux's constant reported by IPC_INFO that has no limit of its own here.
const SEMUSZ: i32 = 20;

/// `struct semid_ds`, without its layout (the glue lays it out).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SemidDs {
    pub perm: crate::scheme::ipc::perm::IpcPerm,
    /// The set's id (`__seq` is derived from it).
    pub id: i32,
    pub otime: u64,
    pub ctime: u64,
    pub nsems: u64,
}

/// A decoded semctl command with its argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// IPC_STAT.
    Stat,
    /// SEM_STAT (`any`: SEM_STAT_ANY, no read permission needed); the id is an index.
    StatIndex {
        any: bool,
    },
    /// IPC_SET with the new owner and mode.
    Set(NewOwner),
    /// IPC_RMID.
    Remove,
    /// IPC_INFO (`usage`: SEM_INFO, with the usage counts).
    Info {
        usage: bool,
    },
    GetVal,
    GetPid,
    GetNcnt,
    GetZcnt,
    GetAll,
    SetVal(i32),
    /// SETALL with one value per semaphore (the glue reads exactly `nsems`).
    SetAll(Vec<u16>),
}

/// What semctl returns besides its integer result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// Just the return value.
    Int(i32),
    /// The return value and a `semid_ds` to copy out.
    Ds(i32, SemidDs),
    /// The return value and a `seminfo` to copy out.
    Info(i32, SemInfo),
    /// GETALL's values (return value 0).
    Values(Vec<u16>),
}

impl Command {
    /// Decodes the commands that need no argument from user memory; `None` for those that
    /// do (IPC_SET, SETVAL, SETALL: the glue builds them) and for unknown ones.
    pub fn simple(cmd: i32) -> Option<Self> {
        Some(match cmd {
            IPC_STAT => Self::Stat,
            SEM_STAT => Self::StatIndex { any: false },
            SEM_STAT_ANY => Self::StatIndex { any: true },
            IPC_RMID => Self::Remove,
            IPC_INFO => Self::Info { usage: false },
            SEM_INFO => Self::Info { usage: true },
            GETVAL => Self::GetVal,
            GETPID => Self::GetPid,
            GETNCNT => Self::GetNcnt,
            GETZCNT => Self::GetZcnt,
            GETALL => Self::GetAll,
            _ => return None,
        })
    }
}

impl SemSet {
    fn ds(&self, id: i32) -> SemidDs {
        SemidDs { perm: self.perm, id, otime: self.otime, ctime: self.ctime, nsems: self.sems.len() as u64 }
    }

    /// Semaphore `semnum` of the set (EINVAL past its end).
    fn num(&self, semnum: i32) -> Result<u16> {
        u16::try_from(semnum).ok().filter(|&n| usize::from(n) < self.sems.len()).ok_or(EINVAL)
    }
}

impl SemNamespace {
    /// Every set's `semid_ds`, in index order (`/proc/sysvipc/sem`).
    pub fn all_ds(&self) -> impl Iterator<Item = SemidDs> + '_ {
        self.sets.iter().map(|(id, set)| set.ds(id))
    }

    fn info(&self, usage: bool) -> SemInfo {
        let mut info = SemInfo {
            semmap: SEMMNS as i32,
            semmni: SEMMNI as i32,
            semmns: SEMMNS as i32,
            semmnu: SEMMNS as i32,
            semmsl: SEMMSL as i32,
            semopm: SEMOPM as i32,
            semume: SEMOPM as i32,
            semusz: SEMUSZ,
            semvmx: SEMVMX,
            semaem: SEMAEM,
        };
        if usage {
            info.semusz = self.sets.len() as i32;
            info.semaem = self.total_sems as i32;
        }
        info
    }

    /// Checks what SETALL needs before its values are read: the set exists and the
    /// caller may write it. Returns the number of values to read.
    pub fn setall_prepare(&self, creds: &Credentials, semid: i32) -> Result<usize> {
        let set = self.sets.get(semid)?;
        set.perm.check(creds, WRITE)?;
        Ok(set.sems.len())
    }

    /// `semctl(semid, semnum, cmd, arg)` for process `pid`; waiters that SETVAL or
    /// SETALL completed, or that IPC_RMID failed with EIDRM, are appended to `woken`.
    #[allow(clippy::too_many_arguments, reason = "the call's inputs plus the caller's out-list")]
    pub fn semctl(
        &mut self,
        creds: &Credentials,
        pid: u32,
        semid: i32,
        semnum: i32,
        cmd: Command,
        undo: &mut dyn UndoStore,
        now: u64,
        woken: &mut Woken,
    ) -> Result<Reply> {
        // Linux rejects a negative id before looking at the command.
        if semid < 0 {
            return Err(EINVAL);
        }
        match cmd {
            Command::Info { usage } => Ok(Reply::Info(ctl::info_result(&self.sets), self.info(usage))),
            Command::StatIndex { any } => {
                let (id, set) = ctl::stat_index(&self.sets, creds, semid, any)?;
                Ok(Reply::Ds(id, set.ds(id)))
            }
            Command::Stat => Ok(Reply::Ds(0, ctl::stat(&self.sets, creds, semid)?.ds(semid))),
            Command::Set(owner) => {
                ctl::set(&mut self.sets, creds, semid, owner, |_| Ok(()), |set| set.ctime = now)?;
                Ok(Reply::Int(0))
            }
            Command::Remove => {
                let mut set = ctl::remove(&mut self.sets, creds, semid)?;
                self.total_sems -= set.sems.len();
                undo.clear(semid, None);
                woken.extend(set.drain_removed());
                Ok(Reply::Int(0))
            }
            Command::SetVal(value) => {
                if !(0..=SEMVMX).contains(&value) {
                    return Err(ERANGE);
                }
                let set = self.sets.get_mut(semid)?;
                let num = set.num(semnum)?;
                set.perm.check(creds, WRITE)?;
                undo.clear(semid, Some(num));
                set.sems[usize::from(num)] = Sem { value: value as u16, pid };
                set.ctime = now;
                set.update_queue(semid, undo, now, woken);
                Ok(Reply::Int(0))
            }
            Command::SetAll(values) => {
                let nsems = self.setall_prepare(creds, semid)?;
                if values.len() != nsems {
                    return Err(EINVAL);
                }
                if values.iter().any(|&v| i32::from(v) > SEMVMX) {
                    return Err(ERANGE);
                }
                let set = self.sets.get_mut(semid)?;
                undo.clear(semid, None);
                for (sem, &value) in set.sems.iter_mut().zip(&values) {
                    *sem = Sem { value, pid };
                }
                set.ctime = now;
                set.update_queue(semid, undo, now, woken);
                Ok(Reply::Int(0))
            }
            Command::GetAll => {
                let set = ctl::stat(&self.sets, creds, semid)?;
                Ok(Reply::Values(set.sems.iter().map(|s| s.value).collect()))
            }
            Command::GetVal | Command::GetPid | Command::GetNcnt | Command::GetZcnt => {
                let set = ctl::stat(&self.sets, creds, semid)?;
                let num = set.num(semnum)?;
                let sem = set.sems[usize::from(num)];
                let value = match cmd {
                    Command::GetVal => i32::from(sem.value),
                    Command::GetPid => sem.pid as i32,
                    Command::GetNcnt => set.waiters_on(num, false) as i32,
                    _ => set.waiters_on(num, true) as i32,
                };
                Ok(Reply::Int(value))
            }
        }
    }
}
