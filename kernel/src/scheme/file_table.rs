//! A process's descriptor tables: the ordinary one, whose numbers the program sees, and
//! Redox's "upper" one, where a C runtime keeps descriptors of its own (the proc handle,
//! thread and event handles) out of reach of `dup2`, `close` loops and `closefrom`.
//!
//! A descriptor number with [`UPPER_FDTBL_TAG`] (`1 << 62`) set names slot
//! `fd & !UPPER_FDTBL_TAG` of the upper table; any other number names the ordinary
//! table. The two never meet: an untagged number is never looked up in the upper table
//! and a tagged one never in the ordinary table. Any other high bit (bit 63, say) leaves
//! an index far past either table, so the number is simply not open (EBADF).
//!
//! The rules are Redox's (its kernel's `FdTbl`, as `redox-rt` uses it):
//! - every call that takes a descriptor takes a tagged one too; `F_DUPFD` with a minimum
//!   that carries the tag installs the lowest free upper slot at or above the untagged
//!   part of the minimum and returns it tagged (this is how `redox-rt` moves a
//!   descriptor up: `F_DUPFD` with `UPPER_FDTBL_TAG`, then `close` of the original);
//! - `open`, `pipe2` and `dup` always install in the ordinary table (Redox has no open
//!   flag that lands in the upper table on a kernel that picks the number itself);
//! - `dup2`'s target chooses its table by its own tag, either way round;
//! - fork copies both tables, exec closes the close-on-exec descriptors of both, exit
//!   closes all of them, each close through `scheme::close_descriptors`.
//!
//! A few calls carry a descriptor as a C `int` inside their payload (timerfd_settime's
//! and signalfd's target, a POSIX queue's descriptor, `SIGEV_THREAD`'s pipe): a tagged
//! number does not fit one, as on Redox, where a runtime's upper descriptors have no C
//! number; those stay ordinary. Kestrel has no `F_DUPFD_CLOEXEC` (Redox's takes the
//! tag the same way); `F_DUPFD` then `F_SETFD` does its work.
//!
//! One deliberate difference: Redox also caps the total over both tables (at its 65,536
//! `CONTEXT_MAX_FILES`); here each table has its own [`MAX_FDS`] slots and nothing else,
//! so that a program keeps the ordinary table's 1,024 numbers (Linux's default
//! `RLIMIT_NOFILE`) whatever its runtime holds in the upper table. EMFILE when the chosen
//! table is full.
//!
//! The ordinary lookup costs what it did before the upper table existed: one bounds
//! check against the ordinary table, whose length never reaches the tag, so a tagged
//! number always fails it and is looked up out of line (getppid, a `SYS_CALL` on the proc
//! descriptor, stays at 238 instructions under `-icount`). Its shape is measured, not
//! obvious: branching on the tag first, or giving back the descriptor rather than the
//! slot from the out-of-line path, cost the null call 1 to 7 instructions in spilled
//! registers.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::errno::{EBADF, EMFILE, ENOMEM};
pub use kestrel_abi::syscall::UPPER_FDTBL_TAG;

use super::OpenDescription;

/// Most descriptors a process may hold in each of its two tables.
pub const MAX_FDS: usize = 1024;

// A tagged number must never pass the ordinary table's bounds check.
static_assertions::const_assert!(MAX_FDS <= UPPER_FDTBL_TAG);

/// One descriptor: a shared description and the close-on-exec flag.
#[derive(Clone)]
pub struct FileDescriptor {
    pub description: Arc<OpenDescription>,
    pub cloexec: bool,
}

type Slots = Vec<Option<FileDescriptor>>;

/// A process's descriptors: the ordinary table and the upper one (see the module header).
/// Neither vector grows past [`MAX_FDS`] slots.
#[derive(Default)]
pub struct FileTable {
    slots: Slots,
    upper: Slots,
}

/// Makes `slots` at least `len` long; ENOMEM (as Linux's table expansion) if the kernel
/// heap has no room for it, rather than the allocation failure that would end the kernel.
fn grow(slots: &mut Slots, len: usize) -> Result<(), crate::errno::Errno> {
    if slots.len() < len {
        slots.try_reserve(len - slots.len()).map_err(|_| ENOMEM)?;
        slots.resize(len, None);
    }
    Ok(())
}

/// A copy of `slots`, or ENOMEM.
fn try_copy(slots: &Slots) -> Result<Slots, crate::errno::Errno> {
    let mut copy = Vec::new();
    copy.try_reserve_exact(slots.len()).map_err(|_| ENOMEM)?;
    copy.extend(slots.iter().cloned());
    Ok(copy)
}

/// The index a tagged number names in the upper table (past the table if other high
/// bits are set).
#[inline]
const fn upper_index(fd: usize) -> usize {
    fd & !UPPER_FDTBL_TAG
}

impl FileTable {
    /// The descriptor `fd`.
    #[inline]
    pub fn get(&self, fd: usize) -> Result<&FileDescriptor, crate::errno::Errno> {
        // The ordinary table's bounds check is the only test an ordinary number meets; a
        // tagged one always fails it (the table is shorter than the tag) and is looked up
        // out of line.
        let slot = match self.slots.get(fd) {
            Some(slot) => slot,
            None => self.upper_slot(fd).ok_or(EBADF)?,
        };
        slot.as_ref().ok_or(EBADF)
    }

    /// The slot a number past the ordinary table names: an upper slot if the number is
    /// tagged and inside the upper table.
    #[cold]
    #[inline(never)]
    fn upper_slot(&self, fd: usize) -> Option<&Option<FileDescriptor>> {
        let (slots, index) = self.table(fd);
        slots.get(index)
    }

    /// Mutable access to descriptor `fd`.
    pub fn get_mut(&mut self, fd: usize) -> Result<&mut FileDescriptor, crate::errno::Errno> {
        let (slots, index) = self.table_mut(fd);
        slots.get_mut(index).and_then(Option::as_mut).ok_or(EBADF)
    }

    /// The table `fd` names and its index there.
    fn table(&self, fd: usize) -> (&Slots, usize) {
        if fd & UPPER_FDTBL_TAG == 0 { (&self.slots, fd) } else { (&self.upper, upper_index(fd)) }
    }

    /// [`Self::table`], mutable.
    fn table_mut(&mut self, fd: usize) -> (&mut Slots, usize) {
        if fd & UPPER_FDTBL_TAG == 0 { (&mut self.slots, fd) } else { (&mut self.upper, upper_index(fd)) }
    }

    /// Whether an ordinary descriptor can be installed (fewer than [`MAX_FDS`] in use).
    pub fn has_room(&self) -> bool {
        self.slots.len() < MAX_FDS || self.slots.iter().any(Option::is_none)
    }

    /// Installs `desc` at the lowest free number not below `min`, in the upper table if
    /// `min` carries [`UPPER_FDTBL_TAG`] (the number returned then carries it too).
    /// EMFILE if there is none below [`MAX_FDS`] in that table.
    pub fn insert_from(&mut self, min: usize, desc: FileDescriptor) -> Result<usize, crate::errno::Errno> {
        let tag = min & UPPER_FDTBL_TAG;
        let (slots, start) = self.table_mut(min);
        let index = (start..MAX_FDS).find(|&i| slots.get(i).is_none_or(Option::is_none)).ok_or(EMFILE)?;
        grow(slots, index + 1)?;
        slots[index] = Some(desc);
        Ok(index | tag)
    }

    /// Installs `desc` at `fd` (in the table its tag chooses), returning what was there;
    /// EBADF for a number past [`MAX_FDS`] in its table, as Linux's `dup2`.
    pub fn insert_at(
        &mut self,
        fd: usize,
        desc: FileDescriptor,
    ) -> Result<Option<FileDescriptor>, crate::errno::Errno> {
        let (slots, index) = self.table_mut(fd);
        if index >= MAX_FDS {
            return Err(EBADF);
        }
        grow(slots, index + 1)?;
        Ok(slots[index].replace(desc))
    }

    /// Removes descriptor `fd`.
    pub fn remove(&mut self, fd: usize) -> Result<FileDescriptor, crate::errno::Errno> {
        let (slots, index) = self.table_mut(fd);
        slots.get_mut(index).and_then(Option::take).ok_or(EBADF)
    }

    /// Removes every close-on-exec descriptor of both tables, returning them so that the
    /// caller closes them without holding the table's lock.
    pub fn close_on_exec(&mut self) -> Vec<FileDescriptor> {
        self.slots
            .iter_mut()
            .chain(self.upper.iter_mut())
            .filter(|s| s.as_ref().is_some_and(|d| d.cloexec))
            .filter_map(Option::take)
            .collect()
    }

    /// A copy for a forked child or a spawned program (descriptions shared), or ENOMEM
    /// when the kernel heap has no room for it.
    pub fn try_clone(&self) -> Result<Self, crate::errno::Errno> {
        Ok(Self { slots: try_copy(&self.slots)?, upper: try_copy(&self.upper)? })
    }

    /// Descriptors in use in both tables.
    pub fn count(&self) -> usize {
        self.slots.iter().chain(self.upper.iter()).filter(|s| s.is_some()).count()
    }

    /// Removes every descriptor of both tables (process exit), returning them so that the
    /// caller drops them without holding the table's lock.
    pub fn take_all(&mut self) -> Vec<FileDescriptor> {
        self.slots.drain(..).chain(self.upper.drain(..)).flatten().collect()
    }
}
