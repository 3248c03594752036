//! What the precompiled `core` and `alloc` of the host target expect from a C library and
//! from `std`: `memcpy`, `memmove`, `memset`, `memcmp`, `bcmp`, `strlen`, the panic
//! handler, and the (never used: panics abort) unwinding symbols.
//!
//! The memory functions are string instructions in inline assembly, or loops of
//! volatile reads, so that the compiler cannot recognise them as the idiom they
//! implement and turn them back into calls to themselves.

use core::arch::asm;
use core::sync::atomic::{AtomicBool, Ordering};

/// # Safety
/// `dest` and `src` must be valid for `n` bytes and must not overlap.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller guarantees both ranges are valid; rep movsb copies forwards
    // (the ABI guarantees the direction flag is clear).
    unsafe {
        asm!("rep movsb", inout("rcx") n => _, inout("rdi") dest => _, inout("rsi") src => _,
             options(nostack, preserves_flags));
    }
    dest
}

/// # Safety
/// `dest` and `src` must be valid for `n` bytes; they may overlap.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dest as usize).wrapping_sub(src as usize) >= n {
        // dest is below src or the ranges do not overlap: a forward copy never reads a
        // byte it already wrote.
        // SAFETY: as for memcpy.
        unsafe { memcpy(dest, src, n) }
    } else {
        // SAFETY: dest overlaps the end of src (so n > 0): copy backwards from the last
        // byte, restoring the direction flag before returning.
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
    // SAFETY: the caller guarantees the range is valid.
    unsafe {
        asm!("rep stosb", inout("rcx") n => _, inout("rdi") dest => _, in("al") value as u8,
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

/// # Safety
/// `s` must point to a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strlen(s: *const u8) -> usize {
    let mut n = 0;
    // SAFETY: the caller guarantees a terminator, so every byte up to it is readable.
    while unsafe { core::ptr::read_volatile(s.add(n)) } != 0 {
        n += 1;
    }
    n
}

static PANICKING: AtomicBool = AtomicBool::new(false);

/// Prints `NAME: panicked at FILE:LINE: MESSAGE` on stderr and exits with status 101.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    if !PANICKING.swap(true, Ordering::Relaxed) {
        let name = crate::rt::program_name();
        match info.location() {
            Some(at) => crate::eprintln!("{name}: panicked at {at}: {}", info.message()),
            None => crate::eprintln!("{name}: panicked: {}", info.message()),
        }
    }
    crate::process::exit(101)
}

/// Referenced by the precompiled `alloc`; never called, since panics abort.
#[unsafe(no_mangle)]
pub extern "C" fn rust_eh_personality() {}

/// Referenced by the precompiled `alloc`; never called, since panics abort.
#[unsafe(no_mangle)]
pub extern "C" fn _Unwind_Resume() -> ! {
    crate::process::exit(101)
}
