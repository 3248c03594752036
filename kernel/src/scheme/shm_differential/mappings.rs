//! A test-only model of one process's shared memory mappings, as Linux keeps them: each
//! mapping is one region (a vma) of one attach of one segment, and reports every region
//! that appears or goes to the rules' `attached` and `detached`, which is what Linux's
//! `shm_open` and `shm_close` count.
//!
//! - A fixed attach without SHM_REMAP that wraps or overlaps a mapping is EINVAL.
//! - SHM_REMAP replaces whatever the range covers: a mapping wholly inside goes; one cut
//!   at one end keeps the rest (Linux splits it, counting the new piece, and closes the
//!   cut piece); one the range falls inside of becomes two (split twice, the middle
//!   closed: counted twice and gone once). The new mapping is reported
//!   before the ones it replaces: Linux's shmat holds a count of its own segment while it
//!   maps, so a segment marked SHM_DEST is never freed by its own re-attach.
//! - `shmdt(addr)`, as Linux's: an unaligned address is EINVAL; otherwise it removes the
//!   lowest mapping whose attach was made at `addr` (so a remnant whose first pages were
//!   replaced still counts), then the further remnants of that same attach that end
//!   within the attach's length of `addr`; none: EINVAL.

use crate::errno::{EINVAL, Result};
use crate::memory::PAGE_SIZE;
use crate::scheme::ipc::shm::tests::{Ns, TestMemory};

/// One region of one attach.
#[derive(Clone, Debug)]
pub(super) struct Mapping {
    pub(super) start: u64,
    pub(super) end: u64,
    /// Where the attach that made it mapped the segment's first page.
    pub(super) origin: u64,
    /// The attach's length (the segment's pages), which bounds shmdt's search.
    len: u64,
    /// Which attach made it (Linux: the attach's own file).
    attach: u64,
    pub(super) shmid: i32,
    memory: TestMemory,
}

/// The mappings of one process, sorted by address, and what reports they caused.
#[derive(Default)]
pub(super) struct Mappings {
    list: Vec<Mapping>,
    attaches: u64,
    /// Mappings cut in two, and remnants shmdt found by their attach's address.
    pub(super) splits: usize,
    pub(super) remnants_detached: usize,
}

/// Who reports, and when (for lpid, atime, dtime).
#[derive(Clone, Copy)]
pub(super) struct By {
    pub(super) pid: u32,
    pub(super) now: u64,
}

impl Mappings {
    pub(super) fn iter(&self) -> impl Iterator<Item = &Mapping> {
        self.list.iter()
    }

    fn overlaps(&self, start: u64, end: u64) -> bool {
        self.list.iter().any(|m| m.start < end && start < m.end)
    }

    /// An attach of `len` bytes of segment `shmid` at `addr`; `replace`: SHM_REMAP.
    /// Returns the address.
    #[allow(clippy::too_many_arguments, reason = "an attach's whole description")]
    pub(super) fn attach(
        &mut self,
        ns: &mut Ns,
        by: By,
        addr: u64,
        len: u64,
        shmid: i32,
        memory: TestMemory,
        replace: bool,
    ) -> Result<u64> {
        let end = addr.checked_add(len).ok_or(EINVAL)?;
        if !replace && self.overlaps(addr, end) {
            return Err(EINVAL);
        }
        let (mut kept, mut gone) = (Vec::new(), Vec::new());
        let mut appeared = Vec::new();
        for m in self.list.drain(..) {
            if m.end <= addr || end <= m.start {
                kept.push(m);
                continue;
            }
            let (left, right) = (m.start < addr, end < m.end);
            if left {
                kept.push(Mapping { end: addr, ..m.clone() });
            }
            if right {
                kept.push(Mapping { start: end, ..m.clone() });
            }
            match (left, right) {
                (false, false) => gone.push(m),
                (true, true) => {
                    // Split twice, then the middle closed.
                    self.splits += 1;
                    appeared.extend([m.clone(), m.clone()]);
                    gone.push(m);
                }
                _ => {
                    // Split, then the cut piece closed: counted once each way.
                    appeared.push(m.clone());
                    gone.push(m);
                }
            }
        }
        self.attaches += 1;
        let new = Mapping { start: addr, end, origin: addr, len, attach: self.attaches, shmid, memory };
        for m in appeared.iter().chain([&new]) {
            ns.attached(m.shmid, &m.memory, by.pid, by.now);
        }
        for m in &gone {
            ns.detached(m.shmid, &m.memory, by.pid, by.now);
        }
        kept.push(new);
        kept.sort_by_key(|m| m.start);
        self.list = kept;
        Ok(addr)
    }

    /// `shmdt(addr)`.
    pub(super) fn detach(&mut self, ns: &mut Ns, by: By, addr: u64) -> Result<()> {
        if !addr.is_multiple_of(PAGE_SIZE) {
            return Err(EINVAL);
        }
        let first = self.list.iter().position(|m| m.origin == addr).ok_or(EINVAL)?;
        let found = self.list.remove(first);
        ns.detached(found.shmid, &found.memory, by.pid, by.now);
        // The remnants after it, up to the first region ending past the attach's length.
        let mut at = first;
        while at < self.list.len() && self.list[at].end - addr <= found.len {
            if self.list[at].attach == found.attach {
                let m = self.list.remove(at);
                ns.detached(m.shmid, &m.memory, by.pid, by.now);
                self.remnants_detached += 1;
            } else {
                at += 1;
            }
        }
        if found.start != addr {
            self.remnants_detached += 1;
        }
        Ok(())
    }

    /// Every mapping goes (the process exits).
    pub(super) fn clear(&mut self, ns: &mut Ns, by: By) {
        for m in self.list.drain(..) {
            ns.detached(m.shmid, &m.memory, by.pid, by.now);
        }
    }
}
