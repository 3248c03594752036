//! The `syscall` instruction's entry: MSR set-up and the assembly that builds the
//! hardware part of a [`TrapFrame`](super::interrupts::TrapFrame) on the thread's kernel stack, then joins the common
//! interrupt path, so that system calls and interrupts share one frame layout, one entry
//! and one return path (`interrupt_return`, which delivers signals).

use core::arch::global_asm;

use x86_64::VirtAddr;
use x86_64::registers::model_specific::{Efer, EferFlags, LStar, SFMask, Star};
use x86_64::registers::rflags::RFlags;
use x86_64::structures::gdt::SegmentSelector;

use super::gdt::{KERNEL_CS, KERNEL_DS, USER_CS, USER_DS};

/// The `vector` value of a frame built by the syscall entry.
pub const SYSCALL_VECTOR: u64 = 0x100;

global_asm!(
    r#"
    .section .text.hot.entry, "ax"
    .balign 64
    .global syscall_entry
syscall_entry:
    /* GS: this CPU's block (percpu.rs) until the return to user mode swaps back. */
    swapgs
    movq %rsp, %gs:{user_rsp}
    movq %gs:{kernel_stack}, %rsp
    pushq ${user_ds}
    pushq %gs:{user_rsp}
    pushq %r11
    pushq ${user_cs}
    pushq %rcx
    /* The error code slot keeps the call's number, to make the call again (ERESTARTSYS). */
    pushq %rax
    pushq ${vector}
    /* From here on a system call is an interrupt from user mode with this vector. */
    jmp syscall_save_registers
"#,
    user_ds = const USER_DS,
    user_cs = const USER_CS,
    vector = const SYSCALL_VECTOR,
    user_rsp = const super::percpu::offsets::USER_RSP_SCRATCH,
    kernel_stack = const super::percpu::offsets::KERNEL_STACK_TOP,
    options(att_syntax)
);

unsafe extern "C" {
    fn syscall_entry();
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
