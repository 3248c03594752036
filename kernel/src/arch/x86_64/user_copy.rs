//! Copies to and from user memory straight through the loaded page tables, as Linux's
//! `copy_from_user` does: no page-table walk, no lock. A fault inside a copy is not
//! fatal: the page-fault handler finds the faulting instruction in the fixup table
//! (section `.user_copy_fixups`, one entry per inlined copy, see [`resume_after_fault`])
//! and resumes at that copy's failure exit; the caller then falls back to the checked
//! path (`memory::user`), which backs demand-zero pages and decides `EFAULT`.
//!
//! Callers pass only ranges inside one user page (see `memory::user::copy_from_loaded`):
//! then the first access to the page faults if any does, so a failed copy out has
//! written nothing. CR0.WP is set at boot, so a write to a read-only user page faults
//! here as it would in user mode. The kernel leaves CR4.SMAP clear; enabling it would
//! need `stac`/`clac` around the routine. The user half holds nothing of the kernel's
//! (`memory::paging`), so a range below the user limit can only reach user pages.

use super::interrupts::TrapFrame;

/// One entry of the fixup table: a kernel-mode page fault at an instruction in
/// `begin..end` resumes at `fixup`. The linker script gathers the entries between
/// `__user_copy_fixups_start` and `__user_copy_fixups_end`.
#[repr(C)]
struct Fixup {
    begin: u64,
    end: u64,
    fixup: u64,
}

unsafe extern "C" {
    static __user_copy_fixups_start: Fixup;
    static __user_copy_fixups_end: Fixup;
}

/// Copies `len` bytes from `src` to `dst`, one of which is a user address in the loaded
/// address space; false if an access faulted (some bytes may have been copied).
///
/// Inlined into each caller, with an entry of its own in the fixup table: a call and its
/// return would cost a jump-target lookup under binary translation, on every argument
/// a system call reads. The copy first moves the stack pointer below the red zone, so
/// that a fault's frame cannot overwrite data the compiler keeps there.
///
/// Every load comes before the stores it feeds, and small copies are plain moves (a
/// rep-prefixed move is a loop of translated blocks under QEMU).
///
/// # Safety
/// The kernel side must be valid for the access (`len` bytes writable at `dst` or
/// readable at `src`), and the user side must lie below the user address limit, so that
/// a fault is the only way the access can go wrong.
#[inline(always)]
pub unsafe fn copy(dst: *mut u8, src: *const u8, len: usize) -> bool {
    let failed: u64;
    // SAFETY: the caller's contract; the asm only touches `len` bytes at `dst` and `src`,
    // restores the stack pointer, and a fault inside it resumes at its label 38 through
    // the fixup entry it emits.
    unsafe {
        core::arch::asm!(
            r#"
    leaq -128(%rsp), %rsp
30:
    cmpq $8, %rdx
    jb 34f
    cmpq $16, %rdx
    ja 32f
    /* 8..=16 bytes: two words, overlapping when fewer than 16. */
    movq (%rsi), %rax
    movq -8(%rsi,%rdx), %rcx
    movq %rax, (%rdi)
    movq %rcx, -8(%rdi,%rdx)
    jmp 36f
32:
    cmpq $32, %rdx
    ja 33f
    /* 17..=32 bytes: four words. */
    movq (%rsi), %rax
    movq 8(%rsi), %rcx
    movq -16(%rsi,%rdx), %r8
    movq -8(%rsi,%rdx), %r9
    movq %rax, (%rdi)
    movq %rcx, 8(%rdi)
    movq %r8, -16(%rdi,%rdx)
    movq %r9, -8(%rdi,%rdx)
    jmp 36f
33:
    /* Longer: words, then the remaining bytes. */
    movq %rdx, %rcx
    shrq $3, %rcx
    rep movsq
    movq %rdx, %rcx
    andq $7, %rcx
    rep movsb
    jmp 36f
34:
    cmpq $4, %rdx
    jb 35f
    /* 4..=7 bytes: two overlapping halves. */
    movl (%rsi), %eax
    movl -4(%rsi,%rdx), %ecx
    movl %eax, (%rdi)
    movl %ecx, -4(%rdi,%rdx)
    jmp 36f
35:
    testq %rdx, %rdx
    jz 36f
    /* 1..=3 bytes: the first, middle and last byte. */
    movq %rdx, %r8
    shrq $1, %r8
    movzbl (%rsi), %eax
    movzbl (%rsi,%r8), %ecx
    movzbl -1(%rsi,%rdx), %r9d
    movb %al, (%rdi)
    movb %cl, (%rdi,%r8)
    movb %r9b, -1(%rdi,%rdx)
36:
    xorl %eax, %eax
    jmp 39f
38:
    movl $1, %eax
39:
    leaq 128(%rsp), %rsp
    .pushsection .user_copy_fixups, "a"
    .balign 8
    .quad 30b, 38b, 38b
    .popsection
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
    failed == 0
}

/// For a kernel-mode page fault: if it hit inside a user copy, points the frame at that
/// copy's failure exit and returns true.
pub fn resume_after_fault(frame: &mut TrapFrame) -> bool {
    let start = &raw const __user_copy_fixups_start;
    let end = &raw const __user_copy_fixups_end;
    let count = (end as usize - start as usize) / size_of::<Fixup>();
    // SAFETY: the linker script places the table's entries, each a `Fixup` the copies'
    // asm emitted, contiguously between the two symbols.
    let table = unsafe { core::slice::from_raw_parts(start, count) };
    match table.iter().find(|entry| (entry.begin..entry.end).contains(&frame.rip)) {
        Some(entry) => {
            frame.rip = entry.fixup;
            true
        }
        None => false,
    }
}
