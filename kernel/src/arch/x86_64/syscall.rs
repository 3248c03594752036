//! The `syscall` instruction's entry: MSR set-up and the assembly that builds a
//! [`TrapFrame`] on the thread's kernel stack, so that system calls and interrupts share
//! one frame layout and one return path (`interrupt_return`, which delivers signals).

use core::arch::global_asm;

use x86_64::VirtAddr;
use x86_64::registers::model_specific::{Efer, EferFlags, LStar, SFMask, Star};
use x86_64::registers::rflags::RFlags;
use x86_64::structures::gdt::SegmentSelector;

use super::gdt::{KERNEL_CS, KERNEL_DS, USER_CS, USER_DS};
use super::interrupts::TrapFrame;

/// The `vector` value of a frame built by the syscall entry.
pub const SYSCALL_VECTOR: u64 = 0x100;

global_asm!(
    r#"
    .section .text.syscall_entry, "ax"
    .global syscall_entry
syscall_entry:
    movq %rsp, USER_RSP_SCRATCH(%rip)
    movq KERNEL_STACK_TOP(%rip), %rsp
    pushq ${user_ds}
    pushq USER_RSP_SCRATCH(%rip)
    pushq %r11
    pushq ${user_cs}
    pushq %rcx
    pushq $0
    pushq ${vector}
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    cld
    movq CURRENT_FPU_AREA(%rip), %rax
    fxsave64 (%rax)
    movq %rsp, %rdi
    call {dispatch}
    jmp interrupt_return
"#,
    user_ds = const USER_DS,
    user_cs = const USER_CS,
    vector = const SYSCALL_VECTOR,
    dispatch = sym syscall_dispatch_entry,
    options(att_syntax)
);

unsafe extern "C" {
    fn syscall_entry();
}

extern "C" fn syscall_dispatch_entry(frame: &mut TrapFrame) {
    crate::syscall::dispatch(frame);
}

/// Enables `syscall`/`sysret` and points them at the entry above.
pub fn init() {
    // SAFETY: enabling SCE only adds the syscall instruction; the MSRs below are set
    // before any user code runs.
    unsafe { Efer::update(|f| f.insert(EferFlags::SYSTEM_CALL_EXTENSIONS)) };
    LStar::write(VirtAddr::new(syscall_entry as *const () as u64));
    // Interrupts, traps, direction and alignment checks are off in the kernel.
    SFMask::write(RFlags::INTERRUPT_FLAG | RFlags::TRAP_FLAG | RFlags::DIRECTION_FLAG | RFlags::ALIGNMENT_CHECK);
    Star::write(
        SegmentSelector(USER_CS),
        SegmentSelector(USER_DS),
        SegmentSelector(KERNEL_CS),
        SegmentSelector(KERNEL_DS),
    )
    .expect("the GDT layout satisfies STAR's ordering");
}
