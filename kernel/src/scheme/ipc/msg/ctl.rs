//! `msgctl`: status, ownership and capacity, removal, and the facility's limits.
//!
//! A negative id is EINVAL for every command, before anything else (Linux
//! `ksys_msgctl`, IPC_INFO included). Each command then checks in Linux's order (see
//! [`MsgNamespace::msgctl`]).

pub use kestrel_abi::sysv::{MSG_INFO, MSG_STAT, MSG_STAT_ANY, MsgInfo};

use super::{MSGMAX, MSGMNB, MSGMNI, MsgNamespace, MsgQueue, Woken};
use crate::context::cred::Credentials;
use crate::errno::{EINVAL, EPERM, Result};
use crate::scheme::ipc::ctl::{self, NewOwner};
use crate::scheme::ipc::perm::IpcPerm;
pub use crate::scheme::ipc::{IPC_INFO, IPC_RMID, IPC_SET, IPC_STAT};

/// The constants IPC_INFO reports that bound nothing here (Linux's `<linux/msg.h>`).
const MSGPOOL: i32 = MSGMNI * MSGMNB / 1024;
const MSGMAP: i32 = MSGMNB;
const MSGTQL: i32 = MSGMNB;
const MSGSSZ: i32 = 16;
const MSGSEG: u16 = {
    let segments = MSGPOOL as i64 * 1024 / MSGSSZ as i64;
    if segments <= 0xffff { segments as u16 } else { 0xffff }
};

/// `struct msqid_ds`, without its layout (the glue lays it out).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MsqidDs {
    pub perm: IpcPerm,
    /// The queue's id (`__seq` is derived from it).
    pub id: i32,
    pub stime: u64,
    pub rtime: u64,
    pub ctime: u64,
    pub cbytes: u64,
    pub qnum: u64,
    pub qbytes: u64,
    pub lspid: u32,
    pub lrpid: u32,
}

/// A decoded msgctl command with its argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// IPC_STAT.
    Stat,
    /// MSG_STAT (`any`: MSG_STAT_ANY, no read permission needed); the id is an index.
    StatIndex { any: bool },
    /// IPC_SET with the new owner, mode and `msg_qbytes` (the caller's full field).
    Set { owner: NewOwner, qbytes: u64 },
    /// IPC_RMID.
    Remove,
    /// IPC_INFO (`usage`: MSG_INFO, with the usage counts).
    Info { usage: bool },
}

/// What msgctl returns besides its integer result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// Just the return value.
    Int(i32),
    /// The return value and a `msqid_ds` to copy out.
    Ds(i32, MsqidDs),
    /// The return value and a `msginfo` to copy out.
    Info(i32, MsgInfo),
}

impl Command {
    /// Decodes the commands that need nothing from user memory; `None` for IPC_SET (the
    /// glue builds it from the caller's `msqid_ds`) and for unknown commands.
    pub fn simple(cmd: i32) -> Option<Self> {
        Some(match cmd {
            IPC_STAT => Self::Stat,
            MSG_STAT => Self::StatIndex { any: false },
            MSG_STAT_ANY => Self::StatIndex { any: true },
            IPC_RMID => Self::Remove,
            IPC_INFO => Self::Info { usage: false },
            MSG_INFO => Self::Info { usage: true },
            _ => return None,
        })
    }
}

impl MsgQueue {
    pub(super) fn ds(&self, id: i32) -> MsqidDs {
        MsqidDs {
            perm: self.perm,
            id,
            stime: self.stime,
            rtime: self.rtime,
            ctime: self.ctime,
            cbytes: self.cbytes(),
            qnum: self.qnum(),
            qbytes: self.qbytes,
            lspid: self.lspid,
            lrpid: self.lrpid,
        }
    }
}

impl MsgNamespace {
    /// Every queue's `msqid_ds`, in index order (`/proc/sysvipc/msg`).
    pub fn all_ds(&self) -> impl Iterator<Item = MsqidDs> + '_ {
        self.queues.iter().map(|(id, queue)| queue.ds(id))
    }

    /// Messages queued in all queues.
    pub fn messages(&self) -> u64 {
        self.queues.iter().map(|(_, queue)| queue.qnum()).sum()
    }

    /// What Linux checks before IPC_SET's buffer is read: a negative id or command, or an
    /// unknown command → EINVAL.
    pub fn msgctl_check(msqid: i32, cmd: i32) -> Result<()> {
        if msqid < 0 || cmd < 0 || (cmd != IPC_SET && Command::simple(cmd).is_none()) {
            return Err(EINVAL);
        }
        Ok(())
    }

    /// Linux `msgctl_info`: the limits, and with MSG_INFO the queues in use, the messages
    /// queued and the bytes queued in place of three of them.
    fn info(&self, usage: bool) -> MsgInfo {
        let mut info = MsgInfo {
            msgpool: MSGPOOL,
            msgmap: MSGMAP,
            msgmax: MSGMAX,
            msgmnb: MSGMNB,
            msgmni: MSGMNI,
            msgssz: MSGSSZ,
            msgtql: MSGTQL,
            msgseg: MSGSEG,
            _pad: 0,
        };
        if usage {
            let (messages, bytes) =
                self.queues.iter().fold((0u64, 0u64), |(n, b), (_, q)| (n + q.qnum(), b + q.cbytes()));
            info.msgpool = self.queues.len() as i32;
            info.msgmap = messages.min(i32::MAX as u64) as i32;
            info.msgtql = bytes.min(i32::MAX as u64) as i32;
        }
        info
    }

    /// `msgctl(msqid, cmd, buf)`. Sleepers that IPC_SET or IPC_RMID completed are
    /// appended to `woken`.
    ///
    /// - IPC_STAT: the id (EINVAL), read permission (EACCES).
    /// - MSG_STAT, MSG_STAT_ANY: `msqid` is an index, of which Linux takes the low 15
    ///   bits; an empty slot is EINVAL; MSG_STAT needs read permission. Returns the id.
    /// - IPC_SET: the id, ownership (EPERM), `qbytes` above MSGMNB without root (EPERM),
    ///   a uid or gid of -1 (EINVAL); then owner, mode, `qbytes` and ctime change,
    ///   receivers that lost read permission fail with EACCES and senders that now fit
    ///   are performed. `qbytes` reaches Linux's `msgctl_down` as an `int`: only its low
    ///   32 bits count, compared unsigned and stored sign-extended.
    /// - IPC_RMID: the id, ownership (EPERM); every sleeper fails with EIDRM.
    /// - IPC_INFO, MSG_INFO: the highest index in use, and [`MsgInfo`].
    pub fn msgctl(
        &mut self,
        creds: &Credentials,
        msqid: i32,
        cmd: Command,
        now: u64,
        woken: &mut Woken,
    ) -> Result<Reply> {
        if msqid < 0 {
            return Err(EINVAL);
        }
        match cmd {
            Command::Info { usage } => Ok(Reply::Info(ctl::info_result(&self.queues), self.info(usage))),
            Command::StatIndex { any } => {
                let (id, queue) = ctl::stat_index(&self.queues, creds, msqid, any)?;
                Ok(Reply::Ds(id, queue.ds(id)))
            }
            Command::Stat => Ok(Reply::Ds(0, ctl::stat(&self.queues, creds, msqid)?.ds(msqid))),
            Command::Set { owner, qbytes } => {
                let qbytes = qbytes as u32 as i32;
                let check = |_: &MsgQueue| {
                    if qbytes as u32 > MSGMNB as u32 && !creds.is_root() { Err(EPERM) } else { Ok(()) }
                };
                ctl::set(&mut self.queues, creds, msqid, owner, check, |queue| {
                    queue.qbytes = i64::from(qbytes) as u64;
                    queue.ctime = now;
                })?;
                let queue = self.queues.get_mut(msqid)?;
                let before = queue.held();
                queue.recheck_receivers(woken);
                queue.wake_senders(now, woken);
                self.held = self.held - before + queue.held();
                Ok(Reply::Int(0))
            }
            Command::Remove => {
                let mut queue = ctl::remove(&mut self.queues, creds, msqid)?;
                self.held -= queue.held();
                queue.drain_removed(woken);
                Ok(Reply::Int(0))
            }
        }
    }
}
