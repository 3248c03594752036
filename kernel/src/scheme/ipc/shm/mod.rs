//! System V shared memory: `shmget` and the segments it makes (`shmat`'s checks and the
//! count of attachments are in [`attach`], `shmctl` in [`ctl`]), as shmget(2), shmat(2),
//! shmctl(2) and Linux's `ipc/shm.c` have them.
//!
//! A segment is `segsz` bytes (the size asked for) in whole pages, kept in memory the
//! rules see only through [`SegmentMemory`]: which object it is, and how many of its pages
//! have frames. The rules map nothing. `shmat` hands the glue what to map ([`Attach`]);
//! the glue maps it and then reports every mapping of a segment that appears or goes
//! ([`ShmNamespace::attached`], [`ShmNamespace::detached`]), which is all `nattch` counts.
//! As on Linux, a mapping is one region of an address space: a fork copies each one, and
//! a mapping cut in two (by munmap, mprotect or SHM_REMAP over its middle) is two.
//!
//! Invariants between calls:
//! - `nattch` is the number of mappings reported as appeared and not yet as gone;
//! - a segment marked SHM_DEST (IPC_RMID while attached) has the key IPC_PRIVATE and is
//!   still attached somewhere: it is removed by the detach that takes `nattch` to 0, and
//!   handed back so that the caller frees its memory after dropping its lock;
//! - no other segment disappears except by IPC_RMID with `nattch` 0;
//! - the namespace's page total is the sum of its segments' pages (SHM_INFO's `shm_tot`,
//!   which `shmall` bounds).
//!
//! There is no swap: a page of a segment has a frame from its first touch until the
//! segment is freed. SHM_LOCK and SHM_UNLOCK therefore only set and clear SHM_LOCKED.

pub mod attach;
pub mod ctl;

#[cfg(test)]
mod properties;
#[cfg(test)]
pub(crate) mod tests;

pub use kestrel_abi::sysv::{SHMALL, SHMLBA, SHMMAX, SHMMIN, SHMMNI};

pub use self::attach::{Attach, AttachAt};
use super::get::{self, IpcObject};
use super::ids::IdTable;
use super::perm::IpcPerm;
use super::{IPC_PRIVATE, Key};
use crate::context::cred::Credentials;
use crate::errno::{EINVAL, ENOSPC, Result};
use crate::memory::PAGE_SIZE;

/// `shm_perm.mode` state bits: removed while attached, and locked (both above the nine
/// permission bits, which IPC_SET leaves alone).
pub const SHM_DEST: u16 = kestrel_abi::sysv::SHM_DEST as u16;
pub const SHM_LOCKED: u16 = kestrel_abi::sysv::SHM_LOCKED as u16;

/// The memory behind a segment, as the rules see it (the kernel's is a reference to its
/// shared memory object).
pub trait SegmentMemory: Clone {
    /// Whether `other` is this same memory (not equal contents: the same object).
    fn same(&self, other: &Self) -> bool;
    /// Pages that have a frame behind them now (SHM_INFO's `shm_rss`).
    fn resident_pages(&self) -> u64;
}

/// The limits Linux makes sysctls (`kernel.shmmax`, `kernel.shmall`, `kernel.shmmni`);
/// the default is Linux's defaults, which bound nothing but the number of segments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShmLimits {
    /// Largest segment, in bytes.
    pub shmmax: u64,
    /// Most pages in all segments together.
    pub shmall: u64,
    /// Most segments (at most 32768, the id's index part).
    pub shmmni: usize,
}

impl ShmLimits {
    /// Linux's defaults: SHMMAX, SHMALL, SHMMNI.
    pub const LINUX: Self = Self { shmmax: SHMMAX, shmall: SHMALL, shmmni: SHMMNI as usize };
}

impl Default for ShmLimits {
    fn default() -> Self {
        Self::LINUX
    }
}

/// A shared memory segment.
#[derive(Debug, PartialEq, Eq)]
pub struct Segment<M> {
    /// Ownership, permission bits, and the state bits SHM_DEST and SHM_LOCKED.
    perm: IpcPerm,
    /// The size asked for at creation, in bytes.
    segsz: u64,
    /// `segsz` rounded up to whole pages: what is mapped and counted against `shmall`.
    pages: u64,
    /// Mappings of the segment in all address spaces.
    nattch: u64,
    /// The creator and the last process that attached or detached (0 for none).
    cpid: u32,
    lpid: u32,
    /// Times (seconds since the epoch) of the last attach, the last detach and the last
    /// change (creation or IPC_SET); 0 for never.
    atime: u64,
    dtime: u64,
    ctime: u64,
    memory: M,
}

impl<M> IpcObject for Segment<M> {
    fn perm(&self) -> &IpcPerm {
        &self.perm
    }
    fn perm_mut(&mut self) -> &mut IpcPerm {
        &mut self.perm
    }
}

impl<M> Segment<M> {
    /// Ownership and mode (with SHM_DEST and SHM_LOCKED).
    pub fn perm(&self) -> &IpcPerm {
        &self.perm
    }

    /// The size asked for at creation (`shm_segsz`).
    pub fn segsz(&self) -> u64 {
        self.segsz
    }

    /// Its size in pages.
    pub fn pages(&self) -> u64 {
        self.pages
    }

    /// Mappings of it (`shm_nattch`).
    pub fn nattch(&self) -> u64 {
        self.nattch
    }

    /// Its memory.
    pub fn memory(&self) -> &M {
        &self.memory
    }

    /// Whether IPC_RMID marked it to go at its last detach.
    pub fn is_removed(&self) -> bool {
        self.perm.mode & SHM_DEST != 0
    }

    /// Whether SHM_LOCK locked it.
    pub fn is_locked(&self) -> bool {
        self.perm.mode & SHM_LOCKED != 0
    }
}

/// All shared memory segments of the system.
pub struct ShmNamespace<M: SegmentMemory> {
    segments: IdTable<Segment<M>>,
    limits: ShmLimits,
    /// Pages in all segments (`shm_tot`).
    total_pages: u64,
}

impl<M: SegmentMemory> Default for ShmNamespace<M> {
    fn default() -> Self {
        Self::new()
    }
}

/// Pages of a segment of `size` bytes, or `None` when rounding up overflows (Linux
/// computes it in a `size_t` and refuses the wrapped result with ENOSPC).
fn pages_of(size: u64) -> Option<u64> {
    size.checked_add(PAGE_SIZE - 1).map(|bytes| bytes / PAGE_SIZE)
}

impl<M: SegmentMemory> ShmNamespace<M> {
    /// No segments, with Linux's default limits.
    pub const fn new() -> Self {
        Self::with_limits(ShmLimits::LINUX)
    }

    /// No segments, with other limits (as Linux's sysctls set them).
    pub const fn with_limits(limits: ShmLimits) -> Self {
        Self { segments: IdTable::new(limits.shmmni), limits, total_pages: 0 }
    }

    /// The limits IPC_INFO reports.
    pub fn limits(&self) -> ShmLimits {
        self.limits
    }

    /// The segment with id `shmid` (EINVAL for a stale or negative id).
    pub fn segment(&self, shmid: i32) -> Result<&Segment<M>> {
        self.segments.get(shmid)
    }

    /// Every (id, segment).
    pub fn segments(&self) -> impl Iterator<Item = (i32, &Segment<M>)> {
        self.segments.iter()
    }

    /// Pages in all segments (`shm_tot`).
    pub fn total_pages(&self) -> u64 {
        self.total_pages
    }

    /// `shmget(key, size, shmflg)` for process `pid`: the generic `*get` ([`get::get`])
    /// with shm's own checks. For a key with a segment, after IPC_CREAT|IPC_EXCL (EEXIST):
    /// a segment smaller than `size` → EINVAL (`size` 0 fits any), then the access the
    /// low nine bits ask for (EACCES). For a new segment, in Linux's order (`newseg`):
    /// `size` below SHMMIN or above `shmmax` → EINVAL; rounding it up to pages overflows,
    /// or the pages of all segments would pass `shmall` (or overflow) → ENOSPC; then
    /// `new_memory(pages)` makes its memory (its error, ENOMEM, is the call's); then a
    /// free id (`shmmni` segments: ENOSPC, and the new memory is dropped).
    ///
    /// A new segment is `size` bytes in whole pages, created by `pid` at `now`, never
    /// attached (lpid, atime and dtime 0). The flags above the permission bits other than
    /// IPC_CREAT and IPC_EXCL (SHM_HUGETLB, SHM_NORESERVE) change nothing here: memory has
    /// frames only once touched, and there are no huge pages.
    #[allow(clippy::too_many_arguments, reason = "the call's inputs plus who, when, and the memory maker")]
    pub fn shmget(
        &mut self,
        creds: &Credentials,
        key: Key,
        size: u64,
        shmflg: i32,
        pid: u32,
        now: u64,
        new_memory: impl FnOnce(u64) -> Result<M>,
    ) -> Result<i32> {
        let (limits, total) = (self.limits, self.total_pages);
        let mut created_pages = 0;
        let fits = |segment: &Segment<M>| if segment.segsz < size { Err(EINVAL) } else { Ok(()) };
        let create = |perm| {
            if size < SHMMIN || size > limits.shmmax {
                return Err(EINVAL);
            }
            let pages = pages_of(size).ok_or(ENOSPC)?;
            if total.checked_add(pages).is_none_or(|all| all > limits.shmall) {
                return Err(ENOSPC);
            }
            let memory = new_memory(pages)?;
            created_pages = pages;
            Ok(Segment {
                perm,
                segsz: size,
                pages,
                nattch: 0,
                cpid: pid,
                lpid: 0,
                atime: 0,
                dtime: 0,
                ctime: now,
                memory,
            })
        };
        let got = get::get(&mut self.segments, creds, key, shmflg, fits, create)?;
        if got.created {
            self.total_pages += created_pages;
        }
        Ok(got.id)
    }

    /// Takes segment `shmid` out of the table, with its pages out of the total.
    fn take(&mut self, shmid: i32) -> Result<Segment<M>> {
        let segment = self.segments.remove(shmid)?;
        self.total_pages -= segment.pages;
        Ok(segment)
    }

    /// IPC_RMID's marking of an attached segment: it goes at its last detach, and its key
    /// no longer finds it (Linux `do_shm_rmid`).
    fn mark_removed(segment: &mut Segment<M>) {
        segment.perm.mode |= SHM_DEST;
        segment.perm.key = IPC_PRIVATE;
    }
}
