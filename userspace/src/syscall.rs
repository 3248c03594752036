//! Raw system calls: `syscall` with the number in `rax` and arguments in `rdi, rsi, rdx,
//! r10, r8, r9`; `rcx` and `r11` are clobbered by the instruction. A result in
//! `-4095..=-1` is a negated errno.
//!
//! These are `unsafe`: the kernel reads and writes memory at the addresses they pass.

use core::arch::asm;

use crate::{Errno, Result};

/// Decodes the kernel's return value.
#[inline]
pub fn decode(ret: usize) -> Result<usize> {
    let signed = ret as isize;
    if (-4095..=-1).contains(&signed) { Err(Errno(-signed as i32)) } else { Ok(ret) }
}

/// # Safety
/// The call must not break the program's memory safety (see the module header).
#[inline]
pub unsafe fn syscall0(n: usize) -> Result<usize> {
    let ret: usize;
    // SAFETY: the caller vouches for the call; the kernel preserves every register but
    // rax, rcx and r11, and never touches the user stack below rsp.
    unsafe { asm!("syscall", inlateout("rax") n => ret, out("rcx") _, out("r11") _, options(nostack)) };
    decode(ret)
}

/// # Safety
/// As for [`syscall0`].
#[inline]
pub unsafe fn syscall1(n: usize, a: usize) -> Result<usize> {
    let ret: usize;
    // SAFETY: as in syscall0.
    unsafe {
        asm!("syscall", inlateout("rax") n => ret, in("rdi") a, out("rcx") _, out("r11") _, options(nostack));
    }
    decode(ret)
}

/// # Safety
/// As for [`syscall0`].
#[inline]
pub unsafe fn syscall2(n: usize, a: usize, b: usize) -> Result<usize> {
    let ret: usize;
    // SAFETY: as in syscall0.
    unsafe {
        asm!("syscall", inlateout("rax") n => ret, in("rdi") a, in("rsi") b, out("rcx") _, out("r11") _,
             options(nostack));
    }
    decode(ret)
}

/// # Safety
/// As for [`syscall0`].
#[inline]
pub unsafe fn syscall3(n: usize, a: usize, b: usize, c: usize) -> Result<usize> {
    let ret: usize;
    // SAFETY: as in syscall0.
    unsafe {
        asm!("syscall", inlateout("rax") n => ret, in("rdi") a, in("rsi") b, in("rdx") c, out("rcx") _,
             out("r11") _, options(nostack));
    }
    decode(ret)
}

/// # Safety
/// As for [`syscall0`].
#[inline]
pub unsafe fn syscall4(n: usize, a: usize, b: usize, c: usize, d: usize) -> Result<usize> {
    let ret: usize;
    // SAFETY: as in syscall0.
    unsafe {
        asm!("syscall", inlateout("rax") n => ret, in("rdi") a, in("rsi") b, in("rdx") c, in("r10") d,
             out("rcx") _, out("r11") _, options(nostack));
    }
    decode(ret)
}

/// # Safety
/// As for [`syscall0`].
#[inline]
pub unsafe fn syscall5(n: usize, a: usize, b: usize, c: usize, d: usize, e: usize) -> Result<usize> {
    let ret: usize;
    // SAFETY: as in syscall0.
    unsafe {
        asm!("syscall", inlateout("rax") n => ret, in("rdi") a, in("rsi") b, in("rdx") c, in("r10") d,
             in("r8") e, out("rcx") _, out("r11") _, options(nostack));
    }
    decode(ret)
}

/// # Safety
/// As for [`syscall0`].
#[inline]
pub unsafe fn syscall6(n: usize, a: usize, b: usize, c: usize, d: usize, e: usize, f: usize) -> Result<usize> {
    let ret: usize;
    // SAFETY: as in syscall0.
    unsafe {
        asm!("syscall", inlateout("rax") n => ret, in("rdi") a, in("rsi") b, in("rdx") c, in("r10") d,
             in("r8") e, in("r9") f, out("rcx") _, out("r11") _, options(nostack));
    }
    decode(ret)
}
