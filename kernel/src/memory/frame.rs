//! The kernel's physical frame allocator: a [`FrameBitmap`] over all usable memory,
//! stored in a span of that memory found at boot.
//!
//! Lock order: `FRAMES` is a leaf lock (nothing is taken while it is held).

use spin::Mutex;

use super::frame_bitmap::{self, FrameBitmap, FreeError, words_for};
use super::{LOW_MEMORY_END, PAGE_SIZE, phys_to_virt};
use crate::boot_info::BootInfo;

/// The boot page tables map only the first 4 GiB, so the bitmap must sit below it.
const BOOT_MAPPED_LIMIT: u64 = 4 << 30;

static FRAMES: Mutex<Option<FrameBitmap<&'static mut [u64]>>> = Mutex::new(None);

/// Why the allocator could not be set up.
#[derive(Clone, Copy, Debug)]
pub enum FrameInitError {
    /// No usable memory was reported.
    NoMemory,
    /// No span was free for the bitmap itself.
    NoRoomForBitmap(u64),
}

/// Builds the allocator from the boot memory map. Returns the number of free frames.
pub fn init(info: &BootInfo) -> Result<u64, FrameInitError> {
    let top = info.highest_usable();
    if top == 0 {
        return Err(FrameInitError::NoMemory);
    }
    let words = words_for(top);
    let bytes = (words * 8) as u64;
    let kernel = crate::linker::image_physical();
    let low = (0, LOW_MEMORY_END);
    // The kernel, low memory and the boot modules (the initfs) stay out of the allocator.
    let mut reserved: arrayvec::ArrayVec<(u64, u64), { 2 + crate::boot_info::MAX_MODULES + 1 }> =
        arrayvec::ArrayVec::new();
    reserved.push(kernel);
    reserved.push(low);
    for &(start, len) in &info.modules {
        reserved.push((start, start.saturating_add(len)));
    }
    let storage = frame_bitmap::find_free_span(&info.regions, &reserved, bytes, LOW_MEMORY_END, BOOT_MAPPED_LIMIT)
        .ok_or(FrameInitError::NoRoomForBitmap(bytes))?;
    // SAFETY: `storage` is usable RAM that overlaps nothing else in use, mapped by the
    // boot page tables' direct map, 8-byte aligned (page aligned), and from here on
    // owned only by the bitmap (its frames are reserved below).
    let bits = unsafe { core::slice::from_raw_parts_mut(phys_to_virt(storage) as *mut u64, words) };
    let mut bitmap = FrameBitmap::new_all_used(bits, top).ok_or(FrameInitError::NoRoomForBitmap(bytes))?;
    reserved.push((storage, storage + bytes));
    bitmap.populate(&info.regions, &reserved);
    let free = bitmap.free_frames();
    *FRAMES.lock() = Some(bitmap);
    Ok(free)
}

/// Allocates one frame; its contents are undefined.
pub fn alloc() -> Option<u64> {
    FRAMES.lock().as_mut()?.alloc()
}

/// Allocates one zeroed frame.
pub fn alloc_zeroed() -> Option<u64> {
    let frame = alloc()?;
    // SAFETY: the frame was just allocated, so nothing else uses it, and the direct map
    // covers all physical memory.
    unsafe { core::ptr::write_bytes(phys_to_virt(frame) as *mut u8, 0, PAGE_SIZE as usize) };
    Some(frame)
}

/// Allocates `count` contiguous frames aligned to `align` bytes.
pub fn alloc_contiguous(count: u64, align: u64) -> Option<u64> {
    FRAMES.lock().as_mut()?.alloc_contiguous(count, align)
}

/// Returns a frame to the allocator.
pub fn free(paddr: u64) -> Result<(), FreeError> {
    FRAMES.lock().as_mut().map_or(Err(FreeError::OutOfRange(paddr)), |b| b.free(paddr))
}

/// Frames the allocator manages (free or not).
pub fn total_frames() -> u64 {
    FRAMES.lock().as_ref().map_or(0, FrameBitmap::frames)
}

/// Free frames right now.
pub fn free_frames() -> u64 {
    FRAMES.lock().as_ref().map_or(0, FrameBitmap::free_frames)
}
