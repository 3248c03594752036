//! `shmctl`: status, ownership, removal, locking, and the facility's limits and usage.
//!
//! A negative id or command is EINVAL for every command, before anything else (Linux
//! `ksys_shmctl`, IPC_INFO included). Each command then checks in Linux's order (see
//! [`ShmNamespace::shmctl`]).

pub use kestrel_abi::sysv::{SHM_INFO, SHM_LOCK, SHM_STAT, SHM_STAT_ANY, SHM_UNLOCK, ShmInfo, ShmUsage};

use super::{SHM_LOCKED, SHMMIN, Segment, SegmentMemory, ShmNamespace};
use crate::context::cred::Credentials;
use crate::errno::{EINVAL, Result};
use crate::scheme::ipc::ctl::{self, NewOwner};
use crate::scheme::ipc::perm::IpcPerm;
pub use crate::scheme::ipc::{IPC_INFO, IPC_RMID, IPC_SET, IPC_STAT};

/// `struct shmid_ds`, without its layout (the glue lays it out).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShmidDs {
    /// With the key (IPC_PRIVATE once removed while attached) and SHM_DEST, SHM_LOCKED.
    pub perm: IpcPerm,
    /// The segment's id (`__seq` is derived from it).
    pub id: i32,
    pub segsz: u64,
    pub atime: u64,
    pub dtime: u64,
    pub ctime: u64,
    pub cpid: u32,
    pub lpid: u32,
    pub nattch: u64,
}

/// A decoded shmctl command with its argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// IPC_STAT.
    Stat,
    /// SHM_STAT (`any`: SHM_STAT_ANY, no read permission needed); the id is an index.
    StatIndex { any: bool },
    /// IPC_SET with the new owner and mode.
    Set { owner: NewOwner },
    /// IPC_RMID.
    Remove,
    /// IPC_INFO: the limits.
    Info,
    /// SHM_INFO: the usage.
    Usage,
    /// SHM_LOCK.
    Lock,
    /// SHM_UNLOCK.
    Unlock,
}

/// What shmctl returns besides its integer result.
#[derive(Debug, PartialEq, Eq)]
pub enum Reply<M> {
    /// Just the return value.
    Int(i32),
    /// The return value and a `shmid_ds` to copy out.
    Ds(i32, ShmidDs),
    /// The return value and a `shminfo` to copy out.
    Info(i32, ShmInfo),
    /// The return value and a `shm_info` to copy out.
    Usage(i32, ShmUsage),
    /// IPC_RMID of an unattached segment (return value 0): the caller frees its memory
    /// after dropping its lock.
    Removed(Segment<M>),
}

impl Command {
    /// Decodes the commands that need nothing from user memory; `None` for IPC_SET (the
    /// glue builds it from the caller's `shmid_ds`) and for unknown commands.
    pub fn simple(cmd: i32) -> Option<Self> {
        Some(match cmd {
            IPC_STAT => Self::Stat,
            SHM_STAT => Self::StatIndex { any: false },
            SHM_STAT_ANY => Self::StatIndex { any: true },
            IPC_RMID => Self::Remove,
            IPC_INFO => Self::Info,
            SHM_INFO => Self::Usage,
            SHM_LOCK => Self::Lock,
            SHM_UNLOCK => Self::Unlock,
            _ => return None,
        })
    }
}

impl<M> Segment<M> {
    /// Its `shmid_ds`, as segment `id`.
    pub fn ds(&self, id: i32) -> ShmidDs {
        ShmidDs {
            perm: self.perm,
            id,
            segsz: self.segsz,
            atime: self.atime,
            dtime: self.dtime,
            ctime: self.ctime,
            cpid: self.cpid,
            lpid: self.lpid,
            nattch: self.nattch,
        }
    }
}

impl<M: SegmentMemory> ShmNamespace<M> {
    /// Every segment's `shmid_ds` and resident pages, in index order (`/proc/sysvipc/shm`).
    pub fn all_ds(&self) -> impl Iterator<Item = (ShmidDs, u64)> + '_ {
        self.segments.iter().map(|(id, segment)| (segment.ds(id), segment.memory().resident_pages()))
    }

    /// What Linux checks before IPC_SET's buffer is read: a negative id or command, or an
    /// unknown command → EINVAL.
    pub fn shmctl_check(shmid: i32, cmd: i32) -> Result<()> {
        if shmid < 0 || cmd < 0 || (cmd != IPC_SET && Command::simple(cmd).is_none()) {
            return Err(EINVAL);
        }
        Ok(())
    }

    /// Linux `shmctl_ipc_info`: the limits (`shmseg`, per process on paper, is `shmmni`).
    fn info(&self) -> ShmInfo {
        let limits = self.limits;
        let shmmni = limits.shmmni as u64;
        ShmInfo {
            shmmax: limits.shmmax,
            shmmin: SHMMIN,
            shmmni,
            shmseg: shmmni,
            shmall: limits.shmall,
            _reserved: [0; 4],
        }
    }

    /// Linux `shmctl_shm_info`: segments in use, their pages, and those with frames.
    /// Nothing is ever swapped.
    fn usage(&self) -> ShmUsage {
        ShmUsage {
            used_ids: self.segments.len() as i32,
            _pad: 0,
            shm_tot: self.total_pages,
            shm_rss: self.segments.iter().map(|(_, segment)| segment.memory.resident_pages()).sum(),
            shm_swp: 0,
            swap_attempts: 0,
            swap_successes: 0,
        }
    }

    /// `shmctl(shmid, cmd, buf)` by `creds` at `now`. After a negative `shmid` (EINVAL):
    ///
    /// - IPC_STAT: the id (EINVAL), read permission (EACCES). Returns 0.
    /// - SHM_STAT, SHM_STAT_ANY: `shmid` is an index, of which Linux takes the low 15
    ///   bits; an empty slot is EINVAL; SHM_STAT needs read permission. Returns the id.
    /// - IPC_SET: the id, ownership (EPERM), a uid or gid of -1 (EINVAL); then owner and
    ///   permission bits change (SHM_DEST and SHM_LOCKED stay) and ctime is `now`.
    /// - IPC_RMID: the id, ownership (EPERM). Unattached, the segment is removed and
    ///   returned ([`Reply::Removed`]); attached, it is marked SHM_DEST and its key
    ///   becomes IPC_PRIVATE (a lookup by key no longer finds it; IPC_STAT, SHM_STAT and
    ///   shmat by id still do), and it goes at its last detach. Again on a marked
    ///   segment: the same, no error.
    /// - IPC_INFO, SHM_INFO: the highest index in use (0 for none), and [`ShmInfo`] or
    ///   [`ShmUsage`].
    /// - SHM_LOCK, SHM_UNLOCK: the id (EINVAL); then, except for root, the caller's euid
    ///   must be the owner's or the creator's uid (EPERM); then SHM_LOCKED is set or
    ///   cleared. Linux also locks the pages in memory, and without CAP_IPC_LOCK refuses
    ///   SHM_LOCK under a zero RLIMIT_MEMLOCK (EPERM) or above it (ENOMEM): with no swap
    ///   and no memory-lock limits here, the bit is all there is. ctime stays.
    pub fn shmctl(&mut self, creds: &Credentials, shmid: i32, cmd: Command, now: u64) -> Result<Reply<M>> {
        if shmid < 0 {
            return Err(EINVAL);
        }
        match cmd {
            Command::Info => Ok(Reply::Info(ctl::info_result(&self.segments), self.info())),
            Command::Usage => Ok(Reply::Usage(ctl::info_result(&self.segments), self.usage())),
            Command::StatIndex { any } => {
                let (id, segment) = ctl::stat_index(&self.segments, creds, shmid, any)?;
                Ok(Reply::Ds(id, segment.ds(id)))
            }
            Command::Stat => Ok(Reply::Ds(0, ctl::stat(&self.segments, creds, shmid)?.ds(shmid))),
            Command::Set { owner } => {
                ctl::set(&mut self.segments, creds, shmid, owner, |_| Ok(()), |segment| segment.ctime = now)?;
                Ok(Reply::Int(0))
            }
            Command::Remove => {
                let segment = self.segments.get_mut(shmid)?;
                segment.perm.check_owner(creds)?;
                if segment.nattch > 0 {
                    Self::mark_removed(segment);
                    return Ok(Reply::Int(0));
                }
                Ok(Reply::Removed(self.take(shmid)?))
            }
            Command::Lock | Command::Unlock => {
                let perm = &mut self.segments.get_mut(shmid)?.perm;
                // Linux's own test, but the same one as IPC_SET's and IPC_RMID's.
                perm.check_owner(creds)?;
                if cmd == Command::Lock {
                    perm.mode |= SHM_LOCKED;
                } else {
                    perm.mode &= !SHM_LOCKED;
                }
                Ok(Reply::Int(0))
            }
        }
    }
}
