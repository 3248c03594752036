//! `shmat` and `shmdt` as far as the rules go: where a segment may be mapped and with
//! which access, and the count of its mappings (`nattch`).
//!
//! A `shmat` runs in three steps, as on Linux (`do_shmat`): [`ShmNamespace::attach_check`]
//! (the id's sign and the address arithmetic), [`ShmNamespace::attach`] (the lookup and
//! the permission check, returning what to map), then the glue maps it and reports the
//! new mapping with [`ShmNamespace::attached`]. Between the last two the glue may drop
//! its lock; a segment removed (and its id perhaps reused) meanwhile is not counted,
//! because `attached` and `detached` count only a mapping of the memory the id still
//! names (Linux compares the segment's file the same way).
//!
//! The glue checks the address space, after `attach` and in Linux's order: without
//! SHM_REMAP, a fixed range that wraps or overlaps any mapping → EINVAL; with it, the
//! mappings in the range are replaced (each one that goes reported to `detached`, each
//! one cut in two to `attached` once more). The new mapping is reported before the ones
//! it replaces: Linux's shmat holds a count of its segment while it maps, so a segment
//! marked SHM_DEST that is attached over its own last mapping survives (the differential
//! test checks this against the host). `shmdt(addr)` detaches the attachment made at
//! `addr` (EINVAL if there is none, or if `addr` is not page-aligned).

use super::{SHMLBA, Segment, SegmentMemory, ShmNamespace};
use crate::context::cred::Credentials;
use crate::errno::{EINVAL, Result};
use crate::memory::PAGE_SIZE;
use crate::scheme::ipc::perm::{READ, WRITE};

pub use kestrel_abi::sysv::{SHM_EXEC, SHM_RDONLY, SHM_REMAP, SHM_RND};

/// Execute permission bits in all three classes (`S_IXUGO`).
const EXEC: u16 = 0o111;

/// Where `shmat` maps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttachAt {
    /// Where the glue chooses (a NULL address).
    Anywhere,
    /// At `addr` exactly (page-aligned; 0 only when SHM_RND rounded a small address down
    /// without SHM_REMAP, which Linux maps at 0 too, and refuses where its mmap would).
    /// `replace` (SHM_REMAP): the range's mappings are replaced; otherwise any overlap
    /// with one is EINVAL.
    Fixed { addr: u64, replace: bool },
}

/// What a permitted `shmat` maps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attach<M> {
    pub memory: M,
    /// The segment's pages, in bytes.
    pub len: u64,
    /// Access of the mapping, which mprotect cannot later exceed: read always, write
    /// without SHM_RDONLY, execute with SHM_EXEC.
    pub read: bool,
    pub write: bool,
    pub exec: bool,
}

impl<M: SegmentMemory> ShmNamespace<M> {
    /// The checks Linux makes before it looks `shmid` up: a negative `shmid` → EINVAL;
    /// then the address. NULL: anywhere (with SHM_REMAP, which needs an address, EINVAL).
    /// Not a multiple of SHMLBA: with SHM_RND rounded down to one (to 0 with SHM_REMAP:
    /// EINVAL), without it EINVAL. Any other address is fixed, replacing with SHM_REMAP.
    pub fn attach_check(shmid: i32, shmaddr: u64, shmflg: i32) -> Result<AttachAt> {
        let replace = shmflg & SHM_REMAP != 0;
        if shmid < 0 {
            return Err(EINVAL);
        }
        if shmaddr == 0 {
            return if replace { Err(EINVAL) } else { Ok(AttachAt::Anywhere) };
        }
        let mut addr = shmaddr;
        if !addr.is_multiple_of(SHMLBA) {
            if shmflg & SHM_RND == 0 {
                return Err(EINVAL);
            }
            addr -= addr % SHMLBA;
            if addr == 0 && replace {
                return Err(EINVAL);
            }
        }
        Ok(AttachAt::Fixed { addr, replace })
    }

    /// `shmat`'s lookup and permission check, in Linux's order: the id (EINVAL), then
    /// the access the mapping needs (EACCES): read with SHM_RDONLY, else read and write;
    /// execute too with SHM_EXEC. A segment marked SHM_DEST can still be attached by its
    /// id. Returns what to map; the mapping is not counted until the glue reports it to
    /// [`Self::attached`].
    pub fn attach(&self, creds: &Credentials, shmid: i32, shmflg: i32) -> Result<Attach<M>> {
        let segment = self.segments.get(shmid)?;
        let write = shmflg & SHM_RDONLY == 0;
        let exec = shmflg & SHM_EXEC != 0;
        let access = READ | if write { WRITE } else { 0 } | if exec { EXEC } else { 0 };
        segment.perm.check(creds, access)?;
        Ok(Attach { memory: segment.memory.clone(), len: segment.pages * PAGE_SIZE, read: true, write, exec })
    }

    /// The segment at `shmid` if its memory is `memory`: a mapping outlives its id's
    /// meaning only if the segment went while the glue held no lock.
    fn mapped(&mut self, shmid: i32, memory: &M) -> Option<&mut Segment<M>> {
        self.segments.get_mut(shmid).ok().filter(|segment| segment.memory.same(memory))
    }

    /// A mapping of segment `shmid` appeared in process `pid` at `now`: `shmat` mapped it,
    /// a fork child inherited it, or one was cut in two. Counts it (`nattch` + 1) and
    /// records the attach (atime, lpid), if the segment at `shmid` still exists and its
    /// memory is `memory`; otherwise does nothing (the id may name a newer segment).
    pub fn attached(&mut self, shmid: i32, memory: &M, pid: u32, now: u64) {
        if let Some(segment) = self.mapped(shmid, memory) {
            segment.nattch += 1;
            segment.atime = now;
            segment.lpid = pid;
        }
    }

    /// A mapping of segment `shmid` went from process `pid` at `now` (shmdt, munmap,
    /// exit, exec, or another mapping replaced it): `nattch` - 1, and the detach is
    /// recorded (dtime, lpid), under the same condition as [`Self::attached`]. A segment
    /// marked SHM_DEST whose last mapping this was is removed and returned, so that the
    /// caller frees its memory after dropping its lock (Linux `shm_close`).
    pub fn detached(&mut self, shmid: i32, memory: &M, pid: u32, now: u64) -> Option<Segment<M>> {
        let segment = self.mapped(shmid, memory)?;
        segment.nattch = segment.nattch.saturating_sub(1);
        segment.dtime = now;
        segment.lpid = pid;
        if segment.nattch == 0 && segment.is_removed() { self.take(shmid).ok() } else { None }
    }
}
