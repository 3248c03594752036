//! Copies between kernel memory and the current process's memory.
//!
//! A user address is only an allegation until each page it covers has been looked up in
//! the process's page tables and found mapped for user access (and writable, for a copy
//! out). The copy then goes through the direct map, so a bad pointer is `EFAULT` and can
//! never fault in the kernel. Kernel code runs on one CPU at a time (the kernel lock) and
//! is not preempted, so no other thread can unmap a page between the check and the copy.
//!
//! System calls try a faster way first for a range inside one page of the loaded address
//! space ([`copy_from_loaded`], [`copy_to_loaded`]): the access itself, with a page fault
//! turned into a fallback to the checked copy.

use alloc::vec::Vec;

use crate::errno::{EFAULT, ENOMEM};

use super::address_space::{AddressSpace, USER_END};
use super::{PAGE_SIZE, phys_to_virt};
use crate::arch::user_copy;

/// Whether `len` bytes at `uaddr` may be copied straight through the loaded page tables:
/// `loaded_difference` is zero when the caller's address space is the loaded one, and the
/// range must be non-empty and inside one page of the user half.
///
/// The conditions are folded into one number tested once. Written as comparisons joined
/// by `&&` (or even `&`), the compiler emits a branch for each, and each branch ends a
/// translated block under binary translation, on every system call's argument copy.
#[inline(always)]
fn direct_range(loaded_difference: u64, uaddr: u64, len: usize) -> bool {
    let last = uaddr.wrapping_add(len as u64).wrapping_sub(1);
    let page_shift = PAGE_SIZE.trailing_zeros();
    let crosses_page = (uaddr ^ last) >> page_shift;
    // Zero or more than a page (the first also makes `last` wrap below `uaddr`).
    let bad_len = (len as u64).wrapping_sub(1) >> page_shift;
    // USER_END is page-aligned, so a range starting below it on one page ends below it.
    let kernel_half = u64::from(uaddr >= USER_END);
    loaded_difference | crosses_page | bad_len | kernel_half == 0
}

/// Copies `len` bytes at user address `uaddr` of the address space loaded now to `dst`,
/// straight through the page tables (see `arch::user_copy`). False when the caller's
/// space is not the loaded one (`loaded_difference` not zero), the range is empty or not
/// inside one user page, or the access faulted (a page not present, such as a
/// demand-zero one, or not user-accessible): the caller then takes the checked path.
///
/// # Safety
/// `dst` must be valid for writes of `len` bytes.
#[inline(always)]
pub unsafe fn copy_from_loaded(loaded_difference: u64, uaddr: u64, dst: *mut u8, len: usize) -> bool {
    // SAFETY: the range is in the user half (checked) and `dst` is the caller's.
    direct_range(loaded_difference, uaddr, len) && unsafe { user_copy::copy(dst, uaddr as *const u8, len) }
}

/// Writes `data` to user address `uaddr` of the address space loaded now, like
/// [`copy_from_loaded`]. On false nothing was written: the first store to the one page
/// is the one that faults.
#[inline(always)]
pub fn copy_to_loaded(loaded_difference: u64, uaddr: u64, data: &[u8]) -> bool {
    direct_range(loaded_difference, uaddr, data.len())
        // SAFETY: the range is in the user half (checked); `data` is readable.
        && unsafe { user_copy::copy(uaddr as *mut u8, data.as_ptr(), data.len()) }
}

/// Whether `len` bytes at user address `uaddr` of the address space loaded now may be
/// written, like [`copy_to_loaded`] without writing anything: false also when the range
/// is not inside one page of the loaded space or the page is not present yet, for the
/// caller to ask the page tables.
#[inline(always)]
pub fn writable_loaded(loaded_difference: u64, uaddr: u64, len: usize) -> bool {
    // SAFETY: the range is in the user half (checked).
    direct_range(loaded_difference, uaddr, len) && unsafe { user_copy::probe_writable(uaddr as *mut u8) }
}

/// Whether every byte of `len` at user address `uaddr` of the address space loaded now
/// may be written, page by page as [`writable_loaded`] answers for one: false also for
/// a page not present yet.
pub fn writable_loaded_range(loaded_difference: u64, uaddr: u64, len: usize) -> bool {
    if len == 0 {
        return true;
    }
    let Some(end) = uaddr.checked_add(len as u64) else { return false };
    let mut at = uaddr;
    while at < end {
        if !writable_loaded(loaded_difference, at, 1) {
            return false;
        }
        at = (at & !(PAGE_SIZE - 1)) + PAGE_SIZE;
    }
    true
}

/// Plain data that may be copied to and from user memory as bytes.
///
/// # Safety
/// Every bit pattern of the type's size must be a valid value, and the type must have no
/// padding whose contents matter (it is `repr(C)` with integer fields).
pub unsafe trait Plain: Copy + Default {}

// SAFETY: integers and arrays of them accept every bit pattern.
unsafe impl Plain for u8 {}
// SAFETY: as above.
unsafe impl Plain for u32 {}
// SAFETY: as above.
unsafe impl Plain for i32 {}
// SAFETY: as above.
unsafe impl Plain for u64 {}
// SAFETY: as above.
unsafe impl<const N: usize> Plain for [u64; N] where [u64; N]: Default {}
// SAFETY: repr(C) structs of integers.
unsafe impl Plain for kestrel_abi::syscall::TimeSpec {}
// SAFETY: repr(C) structs of integers.
unsafe impl Plain for kestrel_abi::syscall::Map {}
// SAFETY: repr(C) structs of integers.
unsafe impl Plain for kestrel_abi::syscall::Event {}
// SAFETY: repr(C) structs of integers.
unsafe impl Plain for kestrel_abi::syscall::Stat {}
// SAFETY: repr(C) structs of integers.
unsafe impl Plain for kestrel_abi::signal::SigAction {}
// SAFETY: repr(C) structs of integers.
unsafe impl Plain for kestrel_abi::proc::ThreadArgs {}
// SAFETY: repr(C) structs of integers (and of such structs), padding named.
unsafe impl Plain for kestrel_abi::signal::SigInfo {}
// SAFETY: as above.
unsafe impl Plain for kestrel_abi::signal::UContext {}
// SAFETY: as above.
unsafe impl Plain for kestrel_abi::signal::RtSigFrame {}
// SAFETY: as above.
unsafe impl Plain for kestrel_abi::signal::ITimerVal {}

/// Calls `f(kernel pointer, offset, len)` for each page-bounded piece of the user range.
/// Inlined: the one-page case (every system call's arguments, usually) is a lookup and
/// the copy itself.
#[inline]
fn for_each_piece(
    space: &mut AddressSpace,
    uaddr: u64,
    len: usize,
    write: bool,
    mut f: impl FnMut(*mut u8, usize, usize),
) -> Result<(), crate::errno::Errno> {
    // An empty range touches nothing, whatever its address (as on Linux).
    if len == 0 {
        return Ok(());
    }
    let end = uaddr.checked_add(len as u64).ok_or(EFAULT)?;
    if uaddr & !(PAGE_SIZE - 1) == (end - 1) & !(PAGE_SIZE - 1) {
        let paddr = space.translate(uaddr, write).ok_or(EFAULT)?;
        f(phys_to_virt(paddr) as *mut u8, 0, len);
        return Ok(());
    }
    for_each_piece_across_pages(space, uaddr, end, write, &mut f)
}

/// [`for_each_piece`] for a range over more than one page.
fn for_each_piece_across_pages(
    space: &mut AddressSpace,
    uaddr: u64,
    end: u64,
    write: bool,
    f: &mut dyn FnMut(*mut u8, usize, usize),
) -> Result<(), crate::errno::Errno> {
    let len = (end - uaddr) as usize;
    // Check every page before touching any, so a failed copy out writes nothing.
    let mut page = uaddr & !(PAGE_SIZE - 1);
    while page < end {
        space.translate(page, write).ok_or(EFAULT)?;
        page += PAGE_SIZE;
    }
    let mut done = 0;
    while done < len {
        let at = uaddr + done as u64;
        let paddr = space.translate(at, write).ok_or(EFAULT)?;
        let n = ((PAGE_SIZE - (at & (PAGE_SIZE - 1))) as usize).min(len - done);
        f(phys_to_virt(paddr) as *mut u8, done, n);
        done += n;
    }
    Ok(())
}

/// Checks that `len` bytes at `uaddr` are mapped writable for the user (`EFAULT` if not).
pub fn check_writable(space: &mut AddressSpace, uaddr: u64, len: usize) -> Result<(), crate::errno::Errno> {
    for_each_piece(space, uaddr, len, true, |_, _, _| {})
}

/// Fills `buf` from user memory at `uaddr`.
pub fn copy_from_user(space: &mut AddressSpace, uaddr: u64, buf: &mut [u8]) -> Result<(), crate::errno::Errno> {
    // SAFETY: `buf` is `buf.len()` writable bytes.
    unsafe { copy_from_user_raw(space, uaddr, buf.as_mut_ptr(), buf.len()) }
}

/// Copies `len` bytes of user memory at `uaddr` to `dst`, which may be uninitialized
/// (hot paths use this to avoid zeroing a stack buffer first; see `arch::fpu`). On
/// success all `len` bytes at `dst` are initialized.
///
/// # Safety
/// `dst` must be valid for writes of `len` bytes.
#[inline]
pub unsafe fn copy_from_user_raw(
    space: &mut AddressSpace,
    uaddr: u64,
    dst: *mut u8,
    len: usize,
) -> Result<(), crate::errno::Errno> {
    for_each_piece(space, uaddr, len, false, |src, offset, n| {
        // SAFETY: `src` points at `n` readable bytes of a user page through the direct
        // map; `dst + offset .. + n` lies inside the caller's `len` bytes.
        unsafe { copy_piece(dst.add(offset), src, n) }
    })
}

/// Copies one piece of a checked user copy. A system call's few words (up to 32 bytes)
/// are moved inline, a longer piece by `memcpy`: never as the wide SSE moves the compiler
/// would inline for a copy of known size (a `write_user::<TimeSpec>`), whose first use in
/// a system call costs a lazy FPU save (`arch::fpu`).
///
/// # Safety
/// `dst` and `src` must be valid for `n` bytes and must not overlap.
#[inline(always)]
unsafe fn copy_piece(dst: *mut u8, src: *const u8, n: usize) {
    // SAFETY: the caller's.
    unsafe {
        if n <= 16 {
            kestrel_memfuncs::copy_small(dst, src, n)
        } else if n <= 32 {
            kestrel_memfuncs::copy_small(dst, src, 16);
            kestrel_memfuncs::copy_small(dst.add(16), src.add(16), n - 16)
        } else {
            kestrel_memfuncs::memcpy(dst, src, n);
        }
    }
}

/// Writes `data` to user memory at `uaddr`.
pub fn copy_to_user(space: &mut AddressSpace, uaddr: u64, data: &[u8]) -> Result<(), crate::errno::Errno> {
    let src = data.as_ptr();
    for_each_piece(space, uaddr, data.len(), true, |dst, offset, n| {
        // SAFETY: `dst` points at `n` bytes of a writable user page through the direct
        // map; `src + offset .. + n` lies inside `data`.
        unsafe { copy_piece(dst, src.add(offset), n) }
    })
}

/// Reads a `T` from user memory.
pub fn read_user<T: Plain>(space: &mut AddressSpace, uaddr: u64) -> Result<T, crate::errno::Errno> {
    let mut value = T::default();
    // SAFETY: T is Plain, so any bytes written into it form a valid value.
    let bytes = unsafe { core::slice::from_raw_parts_mut(&mut value as *mut T as *mut u8, size_of::<T>()) };
    copy_from_user(space, uaddr, bytes)?;
    Ok(value)
}

/// Writes a `T` to user memory.
pub fn write_user<T: Plain>(space: &mut AddressSpace, uaddr: u64, value: &T) -> Result<(), crate::errno::Errno> {
    // SAFETY: T is Plain: reading its bytes is defined.
    let bytes = unsafe { core::slice::from_raw_parts(value as *const T as *const u8, size_of::<T>()) };
    copy_to_user(space, uaddr, bytes)
}

/// Copies `len` bytes from user memory into a new vector (`ENOMEM` if that cannot be
/// allocated).
pub fn read_user_vec(space: &mut AddressSpace, uaddr: u64, len: usize) -> Result<Vec<u8>, crate::errno::Errno> {
    let mut buf = Vec::new();
    buf.try_reserve_exact(len).map_err(|_| ENOMEM)?;
    buf.resize(len, 0);
    copy_from_user(space, uaddr, &mut buf)?;
    Ok(buf)
}

/// The bytes of a plain value.
pub fn bytes_of<T: Plain>(value: &T) -> &[u8] {
    // SAFETY: T is Plain: reading its bytes is defined, for the value's lifetime.
    unsafe { core::slice::from_raw_parts(value as *const T as *const u8, size_of::<T>()) }
}
