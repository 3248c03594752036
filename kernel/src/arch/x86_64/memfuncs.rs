//! `memcpy`, `memmove`, `memset`, `memcmp` and `bcmp`: the host target's `core` expects
//! libc to provide them. They are string instructions in inline assembly so that the
//! compiler cannot turn them back into calls to themselves.
//!
//! Forward copies and fills move 8 bytes per iteration (`movsq`/`stosq`) and finish the
//! tail bytewise: under emulation each iteration of a `rep` instruction costs about as
//! much as a whole word move, so a page copied with `rep movsb` takes 7-8 times longer.

use core::arch::asm;

/// # Safety
/// `dest` and `src` must be valid for `n` bytes and must not overlap.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if n <= 16 {
        // SAFETY: as below; small copies (system call arguments) take two possibly
        // overlapping moves instead of a `rep` loop per byte.
        unsafe { copy_small(dest, src, n) };
        return dest;
    }
    // SAFETY: the caller guarantees both ranges are valid; movsq then movsb copy forwards,
    // n / 8 words and then the n % 8 remaining bytes.
    unsafe {
        asm!("rep movsq", "mov rcx, {tail}", "rep movsb",
             tail = in(reg) n & 7, inout("rcx") n / 8 => _, inout("rdi") dest => _, inout("rsi") src => _,
             options(nostack, preserves_flags));
    }
    dest
}

/// Copies `n <= 16` bytes with a pair of moves of the largest width that fits, the second
/// one ending at the last byte (the two may overlap in the middle).
///
/// # Safety
/// `dest` and `src` must be valid for `n` bytes and must not overlap.
unsafe fn copy_small(dest: *mut u8, src: *const u8, n: usize) {
    use core::ptr::{read_unaligned as rd, write_unaligned as wr};
    // SAFETY: every access below lies within the first `n` bytes of both ranges: each
    // branch reads and writes `w` bytes at 0 and at `n - w`, with `w <= n`. Both loads
    // happen before the stores, so the result is right whatever the two moves share.
    unsafe {
        if n >= 8 {
            let (a, b) = (rd(src.cast::<u64>()), rd(src.add(n - 8).cast::<u64>()));
            wr(dest.cast::<u64>(), a);
            wr(dest.add(n - 8).cast::<u64>(), b);
        } else if n >= 4 {
            let (a, b) = (rd(src.cast::<u32>()), rd(src.add(n - 4).cast::<u32>()));
            wr(dest.cast::<u32>(), a);
            wr(dest.add(n - 4).cast::<u32>(), b);
        } else if n >= 2 {
            let (a, b) = (rd(src.cast::<u16>()), rd(src.add(n - 2).cast::<u16>()));
            wr(dest.cast::<u16>(), a);
            wr(dest.add(n - 2).cast::<u16>(), b);
        } else if n == 1 {
            *dest = *src;
        }
    }
}

/// # Safety
/// `dest` and `src` must be valid for `n` bytes; they may overlap.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dest as usize).wrapping_sub(src as usize) >= n {
        // dest is below src or the ranges do not overlap: a forward copy is safe.
        // SAFETY: as for memcpy; forward copying never reads a byte already written.
        unsafe { memcpy(dest, src, n) }
    } else {
        // SAFETY: dest overlaps the end of src: copy backwards from the last byte, with
        // the direction flag restored before returning.
        unsafe {
            asm!("std", "rep movsb", "cld",
                 inout("rcx") n => _, inout("rdi") dest.add(n - 1) => _, inout("rsi") src.add(n - 1) => _,
                 options(nostack));
        }
        dest
    }
}

/// # Safety
/// `dest` must be valid for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memset(dest: *mut u8, value: i32, n: usize) -> *mut u8 {
    let word = u64::from(value as u8) * 0x0101_0101_0101_0101;
    // SAFETY: the caller guarantees the range is valid; n / 8 words, then the tail bytes
    // (stosb stores al, the low byte of the same pattern).
    unsafe {
        asm!("rep stosq", "mov rcx, {tail}", "rep stosb",
             tail = in(reg) n & 7, inout("rcx") n / 8 => _, inout("rdi") dest => _, in("rax") word,
             options(nostack, preserves_flags));
    }
    dest
}

/// # Safety
/// `a` and `b` must be valid for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i < n {
        // SAFETY: i < n and the caller guarantees both ranges are valid. Volatile reads
        // keep the loop from being recognised as a memcmp idiom.
        let (x, y) = unsafe { (core::ptr::read_volatile(a.add(i)), core::ptr::read_volatile(b.add(i))) };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
        i += 1;
    }
    0
}

/// # Safety
/// `a` and `b` must be valid for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: same contract as memcmp.
    unsafe { memcmp(a, b, n) }
}
