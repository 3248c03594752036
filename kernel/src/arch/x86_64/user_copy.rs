//! Copies to and from user memory straight through the loaded page tables, as Linux's
//! `copy_from_user` does: no page-table walk, no lock. A fault inside the copy routine is
//! not fatal: the page-fault handler resumes the routine at its failure exit
//! ([`resume_after_fault`]), and the caller falls back to the checked path
//! (`memory::user`), which backs demand-zero pages and decides `EFAULT`.
//!
//! Callers pass only ranges inside one user page (see `memory::user::copy_from_loaded`):
//! then the first access to the page faults if any does, so a failed copy out has
//! written nothing. CR0.WP is set at boot, so a write to a read-only user page faults
//! here as it would in user mode. The kernel leaves CR4.SMAP clear; enabling it would
//! need `stac`/`clac` around the routine. The user half holds nothing of the kernel's
//! (`memory::paging`), so a range below the user limit can only reach user pages.

use super::interrupts::TrapFrame;

/// Copies `len` bytes from `src` to `dst`; returns 0 when copied, 1 after a fault.
///
/// A function of its own, never inlined: a fault pushes its frame onto this stack, so no
/// caller may keep data in the red zone below the stack pointer (a call ends that), and
/// this body keeps everything in registers. Not naked: calls to a naked function go
/// through a GOT slot, an indirect call that QEMU's translator cannot chain.
///
/// Every load comes before the stores it feeds, and small copies are plain moves (a
/// rep-prefixed move is a loop of translated blocks under QEMU).
///
/// # Safety
/// As [`copy`].
// The labels are global so the fault handler can find the routine: the function is
// never inlined, so they are defined once.
#[allow(named_asm_labels)]
#[inline(never)]
unsafe extern "C" fn user_copy(dst: *mut u8, src: *const u8, len: usize) -> u64 {
    let failed: u64;
    // SAFETY: the caller's contract; the asm only touches `len` bytes at `dst` and `src`,
    // and a fault inside it resumes at `user_copy_fault`.
    unsafe {
        core::arch::asm!(
            r#"
    .global user_copy_begin
    .global user_copy_end
    .global user_copy_fault
user_copy_begin:
    cmpq $8, %rdx
    jb 4f
    cmpq $16, %rdx
    ja 2f
    /* 8..=16 bytes: two words, overlapping when fewer than 16. */
    movq (%rsi), %rax
    movq -8(%rsi,%rdx), %rcx
    movq %rax, (%rdi)
    movq %rcx, -8(%rdi,%rdx)
    jmp 6f
2:
    cmpq $32, %rdx
    ja 3f
    /* 17..=32 bytes: four words. */
    movq (%rsi), %rax
    movq 8(%rsi), %rcx
    movq -16(%rsi,%rdx), %r8
    movq -8(%rsi,%rdx), %r9
    movq %rax, (%rdi)
    movq %rcx, 8(%rdi)
    movq %r8, -16(%rdi,%rdx)
    movq %r9, -8(%rdi,%rdx)
    jmp 6f
3:
    /* Longer: words, then the remaining bytes. */
    movq %rdx, %rcx
    shrq $3, %rcx
    rep movsq
    movq %rdx, %rcx
    andq $7, %rcx
    rep movsb
    jmp 6f
4:
    cmpq $4, %rdx
    jb 5f
    /* 4..=7 bytes: two overlapping halves. */
    movl (%rsi), %eax
    movl -4(%rsi,%rdx), %ecx
    movl %eax, (%rdi)
    movl %ecx, -4(%rdi,%rdx)
    jmp 6f
5:
    testq %rdx, %rdx
    jz 6f
    /* 1..=3 bytes: the first, middle and last byte. */
    movq %rdx, %r8
    shrq $1, %r8
    movzbl (%rsi), %eax
    movzbl (%rsi,%r8), %ecx
    movzbl -1(%rsi,%rdx), %r9d
    movb %al, (%rdi)
    movb %cl, (%rdi,%r8)
    movb %r9b, -1(%rdi,%rdx)
6:
    xorl %eax, %eax
    jmp 7f
user_copy_end:
user_copy_fault:
    movl $1, %eax
7:
"#,
            inout("rdi") dst => _,
            inout("rsi") src => _,
            inout("rdx") len => _,
            out("rax") failed,
            out("rcx") _,
            out("r8") _,
            out("r9") _,
            options(nostack, att_syntax),
        );
    }
    failed
}

unsafe extern "C" {
    static user_copy_begin: u8;
    static user_copy_end: u8;
    static user_copy_fault: u8;
}

/// Copies `len` bytes from `src` to `dst`, one of which is a user address in the loaded
/// address space; false if an access faulted (some bytes may have been copied).
///
/// # Safety
/// The kernel side must be valid for the access (`len` bytes writable at `dst` or
/// readable at `src`), and the user side must lie below the user address limit, so that
/// a fault is the only way the access can go wrong.
#[inline]
pub unsafe fn copy(dst: *mut u8, src: *const u8, len: usize) -> bool {
    // SAFETY: the caller's contract; a fault returns 1 through `resume_after_fault`.
    unsafe { user_copy(dst, src, len) == 0 }
}

/// For a kernel-mode page fault: if it hit inside the copy routine, points the frame at
/// the routine's failure exit and returns true.
pub fn resume_after_fault(frame: &mut TrapFrame) -> bool {
    let (begin, end) = (&raw const user_copy_begin as u64, &raw const user_copy_end as u64);
    if !(begin..end).contains(&frame.rip) {
        return false;
    }
    frame.rip = &raw const user_copy_fault as u64;
    true
}
