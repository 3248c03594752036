//! Thread switching and the per-CPU values the entry paths read.
//!
//! The values the assembly entry paths need (the current thread's kernel stack top and
//! FPU save area) live in the CPU's block (percpu.rs). They change only in
//! [`switch_to`] and [`set_current`], with interrupts disabled.

use core::arch::{global_asm, naked_asm};
use core::sync::atomic::Ordering;

use super::fpu::FpuArea;
use super::{gdt, percpu};

// The values the entry paths read (kernel stack top, FPU area, the loaded page tables
// and FS base) are fields of the CPU's block (percpu.rs).

/// What the entry paths must know about the thread about to run.
pub struct SwitchTarget {
    /// Top of its kernel stack (TSS RSP0 and the syscall entry stack).
    pub kernel_stack_top: u64,
    /// Its FPU save area.
    pub fpu_area: *mut FpuArea,
    /// Its page tables, when they differ from the current ones.
    pub cr3: Option<u64>,
    /// Its user FS base.
    pub fs_base: u64,
}

/// Switches from the current thread to another: saves the callee-saved registers on the
/// current stack and the stack pointer in `*prev_rsp`, then resumes the other thread at
/// `next_rsp`. Returns when something switches back to this thread.
///
/// # Safety
/// `prev_rsp` must be the current thread's save slot, `next_rsp` a value saved by an
/// earlier switch (or prepared by [`prepare_new_stack`]) for a thread that is not
/// running, and interrupts must be disabled.
pub unsafe fn switch_to(prev_rsp: *mut u64, next_rsp: u64, target: &SwitchTarget) {
    gdt::set_kernel_stack(target.kernel_stack_top);
    let cpu = percpu::this();
    cpu.kernel_stack_top.store(target.kernel_stack_top, Ordering::Relaxed);
    cpu.current_fpu_area.store(target.fpu_area as u64, Ordering::Relaxed);
    if let Some(cr3) = target.cr3 {
        // SAFETY: `cr3` is a PML4 that shares the kernel half, so the kernel keeps running.
        unsafe { load_page_tables(cr3) };
    }
    load_fs_base(target.fs_base);
    // SAFETY: the caller guarantees the stack pointers belong to the right threads.
    unsafe { switch_stacks(prev_rsp, next_rsp) }
}

/// Loads the user FS base `base` (a user-half address) into the CPU, if it is not there
/// already. The kernel itself uses no FS-relative memory.
pub fn load_fs_base(base: u64) {
    let loaded = &percpu::this().loaded_fs_base;
    if loaded.load(Ordering::Relaxed) != base {
        x86_64::registers::model_specific::FsBase::write(x86_64::VirtAddr::new_truncate(base));
        loaded.store(base, Ordering::Relaxed);
    }
}

/// The physical address of the page tables loaded now (`u64::MAX` before the kernel's
/// own, never 0).
pub fn loaded_page_tables() -> u64 {
    percpu::this().loaded_page_tables.load(Ordering::Relaxed)
}

/// Loads the PML4 at physical address `pml4` into CR3 (every CR3 load goes through here,
/// so [`loaded_page_tables`] stays true).
///
/// # Safety
/// `pml4` must map the kernel (its code, stack and data) where it runs now.
pub unsafe fn load_page_tables(pml4: u64) {
    // SAFETY: the caller guarantees the kernel stays mapped.
    unsafe { core::arch::asm!("mov cr3, {}", in(reg) pml4, options(nostack, preserves_flags)) };
    percpu::this().loaded_page_tables.store(pml4, Ordering::Relaxed);
}

/// Loads `cr3` and sets the entry-path values for the first thread, without switching.
pub fn set_current(target: &SwitchTarget) {
    gdt::set_kernel_stack(target.kernel_stack_top);
    let cpu = percpu::this();
    cpu.kernel_stack_top.store(target.kernel_stack_top, Ordering::Relaxed);
    cpu.current_fpu_area.store(target.fpu_area as u64, Ordering::Relaxed);
    load_fs_base(target.fs_base);
}

#[unsafe(naked)]
unsafe extern "C" fn switch_stacks(prev_rsp: *mut u64, next_rsp: u64) {
    naked_asm!(
        "push rbp",
        "push rbx",
        "push r12",
        "push r13",
        "push r14",
        "push r15",
        "mov [rdi], rsp",
        "mov rsp, rsi",
        "pop r15",
        "pop r14",
        "pop r13",
        "pop r12",
        "pop rbx",
        "pop rbp",
        "ret",
    )
}

global_asm!(
    r#"
    .section .text.thread_entry, "ax"
    .global new_thread_trampoline
new_thread_trampoline:
    /* A new thread starts here with rsp at its TrapFrame; leave through the common
       return path, which delivers signals and restores the FPU state for user mode. */
    jmp interrupt_return
"#
);

unsafe extern "C" {
    fn new_thread_trampoline();
}

/// Lays out a new thread's kernel stack so that the first switch to it "returns" into
/// the common interrupt return path with the `TrapFrame` that sits at `frame_addr` (the
/// caller has written it there). Returns the stack pointer to switch to.
///
/// # Safety
/// `frame_addr` must lie in a kernel stack with at least 7 free words below it.
pub unsafe fn prepare_new_stack(frame_addr: u64) -> u64 {
    let words = [0u64, 0, 0, 0, 0, 0, new_thread_trampoline as *const () as u64];
    let rsp = frame_addr - (words.len() as u64) * 8;
    for (i, w) in words.iter().enumerate() {
        // SAFETY: the caller guarantees these words are free stack memory.
        unsafe { core::ptr::write((rsp + i as u64 * 8) as *mut u64, *w) };
    }
    rsp
}
