//! `memcpy`, `memmove`, `memset`, `memcmp` and `bcmp` for the kernel and the Rust guest
//! runtime: the host target's precompiled `core` expects a C library to provide them.
//! They are string instructions or moves in inline assembly, or loops of volatile reads,
//! so that the compiler can neither turn them back into calls to themselves nor merge
//! moves into SSE ones (the kernel's first SSE instruction in a system call costs a lazy
//! FPU save).
//!
//! A program links them by naming the crate (`use kestrel_memfuncs as _;`); the kernel
//! does so only outside its host tests, whose C library provides its own. This crate's
//! own tests call them by their Rust names: the symbols are exported only outside
//! `cfg(test)`, so a test binary keeps its C library's.
//!
//! Forward copies and fills move 8 bytes per iteration (`movsq`/`stosq`) and finish the
//! tail bytewise: under emulation each iteration of a `rep` instruction costs about as
//! much as a whole word move, so a page copied with `rep movsb` takes 7-8 times longer.

#![cfg_attr(not(test), no_std)]

use core::arch::asm;

/// # Safety
/// `dest` and `src` must be valid for `n` bytes and must not overlap.
#[cfg_attr(not(test), unsafe(no_mangle))]
pub unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if n <= 32 {
        // SAFETY: as below; small copies (system call arguments) take plain moves
        // (two halves of up to 16 bytes, each two possibly overlapping moves) instead of
        // `rep` iterations.
        unsafe {
            if n <= 16 {
                copy_small(dest, src, n);
            } else {
                copy_small(dest, src, 16);
                copy_small(dest.add(16), src.add(16), n - 16);
            }
        }
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
/// one ending at the last byte (the two may overlap in the middle). The moves are
/// assembly so that the compiler cannot merge neighbouring ones into SSE moves: the
/// kernel's first SSE instruction in a system call costs a lazy FPU save (fpu.rs).
///
/// # Safety
/// `dest` and `src` must be valid for `n` bytes and must not overlap.
#[inline(always)]
pub unsafe fn copy_small(dest: *mut u8, src: *const u8, n: usize) {
    if n == 0 {
        return;
    }
    let w = if n >= 8 {
        8
    } else if n >= 4 {
        4
    } else if n >= 2 {
        2
    } else {
        1
    };
    // SAFETY: both moves read `w` bytes at 0 and at `n - w` of `src` and write the same
    // spans of `dest`, all inside the first `n` bytes (w <= n); both loads come before
    // the stores, so the result is right whatever the two spans share.
    unsafe {
        let (s2, d2) = (src.add(n - w), dest.add(n - w));
        match w {
            8 => asm!("mov {a}, qword ptr [{s1}]", "mov {b}, qword ptr [{s2}]",
                      "mov qword ptr [{d1}], {a}", "mov qword ptr [{d2}], {b}",
                      s1 = in(reg) src, s2 = in(reg) s2, d1 = in(reg) dest, d2 = in(reg) d2,
                      a = out(reg) _, b = out(reg) _, options(nostack, preserves_flags)),
            4 => asm!("mov {a:e}, dword ptr [{s1}]", "mov {b:e}, dword ptr [{s2}]",
                      "mov dword ptr [{d1}], {a:e}", "mov dword ptr [{d2}], {b:e}",
                      s1 = in(reg) src, s2 = in(reg) s2, d1 = in(reg) dest, d2 = in(reg) d2,
                      a = out(reg) _, b = out(reg) _, options(nostack, preserves_flags)),
            2 => asm!("movzx {a:e}, word ptr [{s1}]", "movzx {b:e}, word ptr [{s2}]",
                      "mov word ptr [{d1}], {a:x}", "mov word ptr [{d2}], {b:x}",
                      s1 = in(reg) src, s2 = in(reg) s2, d1 = in(reg) dest, d2 = in(reg) d2,
                      a = out(reg) _, b = out(reg) _, options(nostack, preserves_flags)),
            _ => asm!("movzx {a:e}, byte ptr [{s1}]", "mov byte ptr [{d1}], {a:l}",
                      s1 = in(reg) src, d1 = in(reg) dest, a = out(reg) _, options(nostack, preserves_flags)),
        }
    }
}

/// # Safety
/// `dest` and `src` must be valid for `n` bytes; they may overlap.
#[cfg_attr(not(test), unsafe(no_mangle))]
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
#[cfg_attr(not(test), unsafe(no_mangle))]
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
#[cfg_attr(not(test), unsafe(no_mangle))]
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
#[cfg_attr(not(test), unsafe(no_mangle))]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: same contract as memcmp.
    unsafe { memcmp(a, b, n) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 + 3) as u8).collect()
    }

    #[test]
    fn memcpy_copies_every_length_and_nothing_more() {
        for n in (0..=80).chain([4095, 4096, 4097, 8192 + 5]) {
            let src = pattern(n);
            let mut dst = vec![0xeeu8; n + 16];
            // SAFETY: both buffers hold at least `n` bytes and do not overlap.
            let ret = unsafe { memcpy(dst.as_mut_ptr().add(8), src.as_ptr(), n) };
            assert_eq!(ret, dst.as_mut_ptr().wrapping_add(8));
            assert_eq!(&dst[8..8 + n], &src[..], "length {n}");
            assert!(dst[..8].iter().chain(&dst[8 + n..]).all(|&b| b == 0xee), "length {n} wrote outside");
        }
    }

    #[test]
    fn memmove_handles_overlap_both_ways() {
        for n in [0, 1, 7, 8, 9, 31, 33, 100, 5000] {
            for shift in [1usize, 3, 8, 17] {
                let mut buf = pattern(n + shift);
                let want_up: Vec<u8> = buf[..n].to_vec();
                // SAFETY: both ranges lie in `buf`.
                unsafe { memmove(buf.as_mut_ptr().add(shift), buf.as_ptr(), n) };
                assert_eq!(&buf[shift..shift + n], &want_up[..], "up: n {n} shift {shift}");
                let mut buf = pattern(n + shift);
                let want_down: Vec<u8> = buf[shift..shift + n].to_vec();
                // SAFETY: as above.
                unsafe { memmove(buf.as_mut_ptr(), buf.as_ptr().add(shift), n) };
                assert_eq!(&buf[..n], &want_down[..], "down: n {n} shift {shift}");
            }
        }
    }

    #[test]
    fn memset_fills_exactly() {
        for n in [0, 1, 7, 8, 9, 63, 64, 65, 4096] {
            let mut buf = vec![0u8; n + 2];
            // SAFETY: the buffer holds `n + 2` bytes.
            unsafe { memset(buf.as_mut_ptr().add(1), 0x1a5, n) };
            assert_eq!(buf[0], 0);
            assert!(buf[1..1 + n].iter().all(|&b| b == 0xa5), "length {n}");
            assert_eq!(buf[n + 1], 0);
        }
    }

    #[test]
    fn memcmp_orders_by_the_first_difference() {
        let (a, b) = (b"abcdef", b"abcxef");
        // SAFETY: both arrays hold 6 bytes.
        unsafe {
            assert_eq!(memcmp(a.as_ptr(), a.as_ptr(), 6), 0);
            assert!(memcmp(a.as_ptr(), b.as_ptr(), 6) < 0);
            assert!(memcmp(b.as_ptr(), a.as_ptr(), 6) > 0);
            assert_eq!(memcmp(a.as_ptr(), b.as_ptr(), 3), 0);
            assert_ne!(bcmp(a.as_ptr(), b.as_ptr(), 6), 0);
        }
    }
}
