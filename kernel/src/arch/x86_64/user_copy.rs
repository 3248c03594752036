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

/// One guarded move: the accesses in `$body` (AT&T syntax, `%rdi` = dst, `%rsi` = src,
/// `%rdx` = len, scratch `%rax %rcx %r8 %r9`) run straight through; a fault inside them
/// resumes at an exit kept out of line (in `.text.unlikely`), which records the failure
/// and jumps back to the end. The success path therefore has no jump of its own: it
/// continues in the caller's translated block under binary translation. Evaluates to
/// whether the move succeeded.
///
/// The stack pointer first moves below the red zone, so that a fault's frame cannot
/// overwrite data the compiler keeps there.
macro_rules! guarded_move {
    ($dst:expr, $src:expr, $len:expr, $body:expr) => {{
        let failed: u32;
        // SAFETY: the caller's contract (see `copy`); the asm touches only `len` bytes at
        // `dst` and `src`, restores the stack pointer, and a fault inside it resumes at
        // its out-of-line exit through the fixup entry it emits.
        unsafe {
            core::arch::asm!(
                concat!(
                    "leaq -128(%rsp), %rsp\n",
                    "30:\n",
                    $body,
                    "\n37:\n",
                    "leaq 128(%rsp), %rsp\n",
                    ".pushsection .text.unlikely.user_copy_fault, \"ax\"\n",
                    "38:\n",
                    "movl $1, {failed:e}\n",
                    "jmp 37b\n",
                    ".popsection\n",
                    ".pushsection .user_copy_fixups, \"a\"\n",
                    ".balign 8\n",
                    ".quad 30b, 37b, 38b\n",
                    ".popsection",
                ),
                failed = inout(reg) 0u32 => failed,
                inout("rdi") $dst => _,
                inout("rsi") $src => _,
                inout("rdx") $len => _,
                out("rax") _,
                out("rcx") _,
                out("r8") _,
                out("r9") _,
                options(nostack, att_syntax),
            );
        }
        failed == 0
    }};
}

/// A [`guarded_move!`] of `$width..=2 * $width` bytes as two overlapping halves: `$mov`
/// moves `$width` bytes through the scratch registers `$first` and `$second`.
macro_rules! overlapping_halves {
    ($dst:expr, $src:expr, $len:expr, $mov:literal, $first:literal, $second:literal, $width:literal) => {
        guarded_move!(
            $dst,
            $src,
            $len,
            concat!(
                $mov,
                " (%rsi), %",
                $first,
                "\n",
                $mov,
                " -",
                $width,
                "(%rsi,%rdx), %",
                $second,
                "\n",
                $mov,
                " %",
                $first,
                ", (%rdi)\n",
                $mov,
                " %",
                $second,
                ", -",
                $width,
                "(%rdi,%rdx)"
            )
        )
    };
}

/// Copies `len` bytes from `src` to `dst`, one of which is a user address in the loaded
/// address space; false if an access faulted (some bytes may have been copied).
///
/// Inlined into each caller, with fixup entries of its own: a call and its return would
/// cost a jump-target lookup under binary translation, on every argument a system call
/// reads. The length is dispatched here rather than inside the asm, so that a copy of a
/// constant size (a `read_user::<T>`) compiles to its one straight-line move.
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
    if len < 4 {
        if len == 0 {
            return true;
        }
        // 1..=3 bytes: the first, middle and last byte.
        return guarded_move!(
            dst,
            src,
            len,
            "movq %rdx, %r8
    shrq $1, %r8
    movzbl (%rsi), %eax
    movzbl (%rsi,%r8), %ecx
    movzbl -1(%rsi,%rdx), %r9d
    movb %al, (%rdi)
    movb %cl, (%rdi,%r8)
    movb %r9b, -1(%rdi,%rdx)"
        );
    }
    if len < 8 {
        return overlapping_halves!(dst, src, len, "movl", "eax", "ecx", 4);
    }
    if len <= 16 {
        return overlapping_halves!(dst, src, len, "movq", "rax", "rcx", 8);
    }
    if len <= 32 {
        // 17..=32 bytes: four words.
        return guarded_move!(
            dst,
            src,
            len,
            "movq (%rsi), %rax
    movq 8(%rsi), %rcx
    movq -16(%rsi,%rdx), %r8
    movq -8(%rsi,%rdx), %r9
    movq %rax, (%rdi)
    movq %rcx, 8(%rdi)
    movq %r8, -16(%rdi,%rdx)
    movq %r9, -8(%rdi,%rdx)"
        );
    }
    // Longer: words, then the remaining bytes.
    guarded_move!(
        dst,
        src,
        len,
        "movq %rdx, %rcx
    shrq $3, %rcx
    rep movsq
    movq %rdx, %rcx
    andq $7, %rcx
    rep movsb"
    )
}

/// Whether the byte at user address `addr` of the loaded address space may be written,
/// found by writing it: an atomic OR of zero, which changes nothing (even under another
/// thread's concurrent store) and faults exactly as a store would. A page's permissions
/// cover all its bytes, so one probe answers for a range inside the page.
///
/// # Safety
/// `addr` must lie below the user address limit (see [`copy`]).
#[inline(always)]
pub unsafe fn probe_writable(addr: *mut u8) -> bool {
    guarded_move!(addr, addr, 1usize, "lock orb $0, (%rdi)")
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
