//! Long copies between user memory and a buffer a call owns (a message's text) with the
//! kernel lock let go while the bytes move, so that the other CPUs' kernel code runs
//! meanwhile: a sender copying its message in and a receiver copying one out work in
//! parallel, as they do on Linux. (On a machine with several CPUs the message queue
//! calls run without the kernel lock from the start, `kernel_lock.rs`; there is then
//! nothing to let go, and the copies run the same way.)
//!
//! The copy goes straight through the loaded page tables, a page at a time, as user code
//! on another CPU touches the same memory without the lock; what is left after a page
//! that faults (not present yet, or not mapped) goes the checked way under the lock.
//! Why nothing it reaches goes away under it: page tables change and frames are freed
//! only under the lock, and the change is done only once every CPU with those tables
//! loaded has flushed its TLB (`arch::tlb`); this CPU, with interrupts disabled, flushes
//! only when it spins for a lock (the kernel lock or an ordered one) or returns to user
//! mode, never in the middle of a page's copy. A fault in the copy resumes it at its
//! failure exit (`arch::user_copy`), with no lock taken.

use super::Process;
use super::kernel_lock;
use crate::errno::Errno;
use crate::memory::{PAGE_SIZE, user};

/// Shorter copies are not worth giving the lock up for (taking it back is a locked
/// instruction, and, with another CPU in the kernel, a wait).
const MIN_LONG_COPY: usize = 256;

/// Whether a copy of `len` bytes is one that the `*_long` copies make without the lock.
pub fn is_long(len: usize) -> bool {
    len >= MIN_LONG_COPY
}

/// Runs `copy_page(uaddr + offset, offset, n)` over `len` bytes at user address `uaddr`,
/// a piece inside one page at a time, with the kernel lock let go, until a piece fails;
/// returns how many bytes the pieces that succeeded covered.
fn by_pages(uaddr: u64, len: usize, mut copy_page: impl FnMut(u64, usize, usize) -> bool) -> usize {
    kernel_lock::released(|| {
        let mut copied = 0;
        while copied < len {
            let at = uaddr.wrapping_add(copied as u64);
            let n = (len - copied).min((PAGE_SIZE - at % PAGE_SIZE) as usize);
            if !copy_page(at, copied, n) {
                break;
            }
            copied += n;
        }
        copied
    })
}

impl Process {
    /// [`copy_in`](Self::copy_in) of a message's text, with the kernel lock let go while
    /// the bytes move (see the module's header). The caller holds no other lock.
    ///
    /// # Safety
    /// `dst` must be valid for writes of `len` bytes, and nothing else may use it during
    /// the call.
    pub unsafe fn copy_in_long(&self, uaddr: u64, dst: *mut u8, len: usize) -> Result<(), Errno> {
        if !is_long(len) {
            // SAFETY: the caller's.
            return unsafe { self.copy_in(uaddr, dst, len) };
        }
        let copied = by_pages(uaddr, len, |at, offset, n| {
            // SAFETY: `offset + n <= len` bytes of `dst` are the caller's.
            unsafe { user::copy_from_loaded(self.loaded_difference(), at, dst.add(offset), n) }
        });
        if copied == len {
            return Ok(());
        }
        // What is left goes the checked way, under the lock.
        // SAFETY: as above; `copied < len`.
        unsafe { self.copy_in(uaddr.wrapping_add(copied as u64), dst.add(copied), len - copied) }
    }

    /// [`copy_out`](Self::copy_out) of a message's text, with the kernel lock let go
    /// while the bytes move (see the module's header). The caller holds no other lock.
    pub fn copy_out_long(&self, uaddr: u64, data: &[u8]) -> Result<(), Errno> {
        if !is_long(data.len()) {
            return self.copy_out(uaddr, data);
        }
        let copied = by_pages(uaddr, data.len(), |at, offset, n| {
            user::copy_to_loaded(self.loaded_difference(), at, &data[offset..offset + n])
        });
        match copied == data.len() {
            true => Ok(()),
            // What is left goes the checked way, under the lock.
            false => self.copy_out(uaddr.wrapping_add(copied as u64), &data[copied..]),
        }
    }
}
