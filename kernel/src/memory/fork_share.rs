//! Frames that fork shares between address spaces instead of copying them: pages that are
//! not writable (program text, read-only data). Copying them cost more than the copy:
//! the emulator keys translated code by physical address, so a child running copied text
//! had every block of it translated again.
//!
//! Each shared frame is counted by the number of page-table entries that map it, all of
//! which carry `FORK_SHARED_BIT`; the frame is freed when the last one goes. An entry
//! keeps the bit while it is not writable; making it writable takes the frame for itself
//! ([`take_for_write`]): the frame itself when no other entry maps it, else a copy.
//!
//! Lock order: `SHARES` is taken under an address space's own lock and takes only the
//! frame allocator's.

use alloc::collections::BTreeMap;

use crate::errno::ENOMEM;
use spin::Mutex;

use super::{PAGE_SIZE, frame, phys_to_virt};

/// Frame -> number of entries mapping it (at least 1 while present).
static SHARES: Mutex<BTreeMap<u64, u32>> = Mutex::new(BTreeMap::new());

/// One more entry maps `frame`. The first call for a frame counts the entry that mapped
/// it before (the forking parent's) too.
pub fn add_mapping(frame: u64) {
    *SHARES.lock().entry(frame).or_insert(1) += 1;
}

/// An entry mapping `frame` goes away; the last one frees the frame.
pub fn release(frame: u64) {
    let mut shares = SHARES.lock();
    let last = match shares.get_mut(&frame) {
        Some(count) => {
            *count -= 1;
            *count == 0
        }
        None => {
            log::error!("release of frame {frame:#x}, which no fork shares");
            return;
        }
    };
    if last {
        shares.remove(&frame);
        if let Err(e) = frame::free(frame) {
            log::error!("fork-shared frame {frame:#x} was already free: {e:?}");
        }
    }
}

/// The frame an entry that maps `frame` may write to: `frame` itself if that entry is
/// its only mapping (which then owns it), else a fresh copy.
pub fn take_for_write(frame: u64) -> Result<u64, crate::errno::Errno> {
    let mut shares = SHARES.lock();
    let Some(count) = shares.get_mut(&frame) else { return Ok(frame) };
    if *count <= 1 {
        shares.remove(&frame);
        return Ok(frame);
    }
    let copy = frame::alloc().ok_or(ENOMEM)?;
    // SAFETY: both frames are mapped by the direct map; `copy` is fresh, and `frame` is
    // not writable by anyone while shared.
    unsafe {
        core::ptr::copy_nonoverlapping(
            phys_to_virt(frame) as *const u8,
            phys_to_virt(copy) as *mut u8,
            PAGE_SIZE as usize,
        )
    };
    *count -= 1;
    Ok(copy)
}
