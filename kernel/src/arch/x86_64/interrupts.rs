//! Interrupt and exception entry: 256 assembly stubs that build a [`TrapFrame`], the IDT
//! that points at them, and the dispatcher that routes each vector.
//!
//! Every stub is 16 bytes: it pushes a zero error code when the CPU pushes none, pushes
//! its vector number, and jumps to a common path that saves the general registers and
//! calls [`interrupt_dispatch`] with the frame. Double fault, NMI and machine check run
//! on their own IST stacks.

use core::arch::global_asm;
use core::sync::atomic::{AtomicU64, Ordering};

use spin::Once;
use x86_64::structures::idt::InterruptDescriptorTable;
use x86_64::{PrivilegeLevel, VirtAddr};

use super::{apic, exception, gdt, pic, sci};
use crate::context::kernel_lock;

/// First vector of the legacy PIC's interrupts.
pub const IRQ_BASE: u8 = 32;
/// The timer's vector (IRQ 0).
pub const TIMER_VECTOR: u8 = IRQ_BASE;
/// First vector of the interrupts routed through the I/O APIC (after the PIC's 16).
pub const IOAPIC_BASE: u8 = IRQ_BASE + 16;
/// The ACPI SCI's vector (sci.rs).
pub const SCI_VECTOR: u8 = IOAPIC_BASE;

/// The registers saved on every interrupt, in stack order (lowest address first).
#[repr(C)]
#[derive(Clone, Debug, Default)]
pub struct TrapFrame {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rbp: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub rcx: u64,
    pub rbx: u64,
    pub rax: u64,
    pub vector: u64,
    pub error_code: u64,
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}

static_assertions::const_assert_eq!(core::mem::size_of::<TrapFrame>(), 22 * 8);

impl TrapFrame {
    /// Whether the interrupted code ran in user mode.
    pub fn from_user(&self) -> bool {
        self.cs & 3 == 3
    }
}

const STUB_SIZE: u64 = 16;

global_asm!(
    r#"
    /* Saves the registers a TrapFrame holds below `vector`. */
    .macro push_general_registers
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
    .endm

    /* Restores the registers a TrapFrame holds below `vector`, in stack order. */
    .macro pop_general_registers
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    .endm

    .section .text.interrupt_stubs, "ax"
    .balign 16
    .global interrupt_stubs
interrupt_stubs:
    .set vector, 0
    .rept 256
    .balign 16
    .if (vector == 8) || (vector == 10) || (vector == 11) || (vector == 12) || (vector == 13) || (vector == 14) || (vector == 17) || (vector == 21) || (vector == 29) || (vector == 30)
    .else
    pushq $0
    .endif
    pushq $vector
    jmp interrupt_common
    .set vector, vector + 1
    .endr

    /* The entry and exit paths go in the hot text (see linker.ld), beside the system
       call dispatcher. */
    .section .text.hot.entry, "ax"
    .balign 64
    .global interrupt_common
interrupt_common:
    push_general_registers
    cld
    /* From user mode, set CR0.TS: the user's FPU/SSE state stays in the registers
       until kernel code uses them (see fpu.rs). It is set already if the return to
       user mode left it parked. */
    testb $3, {cs_offset}(%rsp)
    jz 3f
    /* From user mode: GS becomes this CPU's block (percpu.rs). */
    swapgs
    jmp entry_from_user_swapped
    /* The syscall entry (syscall.rs), which had to swap first to find its stack, comes
       here with the hardware part of its frame pushed: the same register save, then
       the same path as an interrupt from user mode. */
    .global syscall_save_registers
syscall_save_registers:
    push_general_registers
    cld
entry_from_user_swapped:
    cmpb $0, %gs:{ts_parked}
    jne 2f
    movq CR0_TRAPPING(%rip), %rax
    movq %rax, %cr0
    jmp 3f
2:
    movb $0, %gs:{ts_parked}
3:
    movq %rsp, %rdi
    /* System calls go straight to their dispatcher, which also does the return-to-user
       work, so one call and return serves both; then the FPU and register restore
       below, without a jump. Other vectors go to 7. */
    cmpq ${syscall_vector}, {vector_offset}(%rsp)
    jne 7f
    call {syscall_dispatch}
8:
    /* The registers must hold this thread's FPU state. A state still live for another
       thread is saved to its owner's area first. */
    movq %gs:{current_fpu_area}, %rax
    cmpq %gs:{fpu_owner}, %rax
    jne 5f
    /* Live already, so TS is set (fpu.rs). A thread whose user code has not used the
       FPU since the last timer tick goes back with TS still set (parked); the others
       with it clear. */
    testq %rax, %rax
    jz 1f
    cmpq %gs:{fpu_hot_area}, %rax
    je 1f
    movb $1, %gs:{ts_parked}
    jmp 6f
1:
    clts
    jmp 6f
5:
    clts
    movq %gs:{fpu_owner}, %rdx
    testq %rdx, %rdx
    jz 2f
    fxsave64 (%rdx)
2:
    fxrstor64 (%rax)
    movq %rax, %gs:{fpu_owner}
6:
    /* A frame the syscall entry built goes back with sysret, which is much cheaper than
       iretq; rcx and r11 are clobbered by the syscall ABI anyway. Frames whose registers
       must all come back (interrupts, sigreturn, new threads) take iretq, and so does a
       non-canonical rip (sysret would fault in ring 0). */
    cmpq ${syscall_vector}, {vector_offset}(%rsp)
    jne 10f
    movq {rip_offset}(%rsp), %rcx
    movq %rcx, %r11
    shrq $47, %r11
    jnz 10f
    pop_general_registers
    /* Now rsp points at vector: rip +16, rflags +32, user rsp +40. */
    movq 16(%rsp), %rcx
    movq 32(%rsp), %r11
    movq 40(%rsp), %rsp
    /* The user's GS base back, as the very last step (percpu.rs). */
    swapgs
    sysretq
10:
    pop_general_registers
    addq $16, %rsp
    swapgs
    iretq
4:
    /* Back to kernel code (the idle loop, or a fault a user copy recovers from): GS
       stays the kernel's. */
    pop_general_registers
    addq $16, %rsp
    iretq
7:
    call {dispatch}

    .global interrupt_return
interrupt_return:
    testb $3, {cs_offset}(%rsp)
    jz 4b
    /* Back to user mode: signals, exits and rescheduling first, then its FPU state. */
    movq %rsp, %rdi
    call {to_user}
    jmp 8b
"#,
    dispatch = sym interrupt_dispatch,
    syscall_dispatch = sym syscall_dispatch,
    to_user = sym return_to_user,
    cs_offset = const core::mem::offset_of!(TrapFrame, cs),
    rip_offset = const core::mem::offset_of!(TrapFrame, rip),
    vector_offset = const core::mem::offset_of!(TrapFrame, vector),
    syscall_vector = const super::syscall::SYSCALL_VECTOR,
    ts_parked = const super::percpu::offsets::TS_PARKED,
    current_fpu_area = const super::percpu::offsets::CURRENT_FPU_AREA,
    fpu_owner = const super::percpu::offsets::FPU_OWNER,
    fpu_hot_area = const super::percpu::offsets::FPU_HOT_AREA,
    options(att_syntax)
);

unsafe extern "C" {
    static interrupt_stubs: u8;
}

static IDT: Once<InterruptDescriptorTable> = Once::new();
static TIMER_TICKS: AtomicU64 = AtomicU64::new(0);

fn stub_address(vector: u8) -> VirtAddr {
    let base = &raw const interrupt_stubs as u64;
    VirtAddr::new(base + u64::from(vector) * STUB_SIZE)
}

/// Builds and loads the IDT, and records the CR0 value that entries from user mode load.
/// Interrupts stay disabled.
pub fn init() {
    super::fpu::init();
    let idt = IDT.call_once(|| {
        let mut idt = InterruptDescriptorTable::new();
        // SAFETY: each stub address is the entry of the matching vector in
        // `interrupt_stubs`, which saves all registers and returns with iretq; the IST
        // indices name stacks that `gdt::init` installed.
        unsafe {
            idt.divide_error.set_handler_addr(stub_address(0));
            idt.debug.set_handler_addr(stub_address(1));
            idt.non_maskable_interrupt.set_handler_addr(stub_address(2)).set_stack_index(gdt::IST_NMI);
            // int3 and into may be used by user code (debuggers, overflow checks).
            idt.breakpoint.set_handler_addr(stub_address(3)).set_privilege_level(PrivilegeLevel::Ring3);
            idt.overflow.set_handler_addr(stub_address(4)).set_privilege_level(PrivilegeLevel::Ring3);
            idt.bound_range_exceeded.set_handler_addr(stub_address(5));
            idt.invalid_opcode.set_handler_addr(stub_address(6));
            // Lazy FPU saves (fpu.rs): its own stack, because the kernel code it
            // interrupts keeps data in the red zone below its stack pointer.
            idt.device_not_available
                .set_handler_addr(VirtAddr::new(super::fpu::device_not_available_handler()))
                .set_stack_index(gdt::IST_DEVICE_NOT_AVAILABLE);
            idt.double_fault.set_handler_addr(stub_address(8)).set_stack_index(gdt::IST_DOUBLE_FAULT);
            idt.invalid_tss.set_handler_addr(stub_address(10));
            idt.segment_not_present.set_handler_addr(stub_address(11));
            idt.stack_segment_fault.set_handler_addr(stub_address(12));
            idt.general_protection_fault.set_handler_addr(stub_address(13));
            idt.page_fault.set_handler_addr(stub_address(14));
            idt.x87_floating_point.set_handler_addr(stub_address(16));
            idt.alignment_check.set_handler_addr(stub_address(17));
            idt.machine_check.set_handler_addr(stub_address(18)).set_stack_index(gdt::IST_MACHINE_CHECK);
            idt.simd_floating_point.set_handler_addr(stub_address(19));
            idt.virtualization.set_handler_addr(stub_address(20));
            idt.cp_protection_exception.set_handler_addr(stub_address(21));
            idt.hv_injection_exception.set_handler_addr(stub_address(28));
            idt.vmm_communication_exception.set_handler_addr(stub_address(29));
            idt.security_exception.set_handler_addr(stub_address(30));
            for vector in IRQ_BASE..=255 {
                idt[vector].set_handler_addr(stub_address(vector));
            }
        }
        idt
    });
    idt.load();
}

/// Loads the IDT [`init`] built on this CPU (application processors share it).
pub fn load_idt() {
    if let Some(idt) = IDT.get() {
        idt.load();
    }
}

/// Timer interrupts seen since boot.
pub fn timer_ticks() -> u64 {
    TIMER_TICKS.load(Ordering::Relaxed)
}

/// Called on every return to user mode, with the frame about to be restored.
extern "C" fn return_to_user(frame: &mut TrapFrame) {
    crate::context::signal::on_return_to_user(frame);
    kernel_lock::release();
}

/// Called by the common stub for a system call frame, with interrupts disabled: runs the
/// call, then the work of [`return_to_user`].
#[unsafe(link_section = ".text.hot.dispatch")]
extern "C" fn syscall_dispatch(frame: &mut TrapFrame) {
    // The caller's identity is answered without the kernel lock. The dispatcher takes
    // it, unless the call runs without it (a `SYS_CALL` on a message queue,
    // `syscall::fs::call`). The return takes it only if it has work.
    if crate::syscall::answer_identity(frame) {
        if !crate::context::scheduler::return_check_requested() {
            return;
        }
    } else {
        crate::syscall::dispatch(frame);
        if !crate::context::scheduler::return_check_requested() {
            if kernel_lock::held_here() {
                kernel_lock::release();
            }
            return;
        }
    }
    return_with_work(frame);
}

/// The return from a system call whose return has work (`scheduler::request_return_check`).
#[inline(never)]
fn return_with_work(frame: &mut TrapFrame) {
    kernel_lock::ensure_held();
    crate::context::signal::on_return_to_user(frame);
    kernel_lock::release();
}

/// Called by the common stub for every other vector, with interrupts disabled.
///
/// Takes the kernel lock unless this CPU holds it (an interrupt in kernel code that holds
/// it: a tick during boot). An interrupt from user mode gives it back in
/// [`return_to_user`], one in the idle loop before returning. A TLB shootdown request is
/// served before waiting for the lock, whose holder may be waiting for it. A user copy's
/// page fault needs no lock: the copy fails and its caller takes the checked path, which
/// it may be running without the kernel lock, under a facility's (`kernel_lock.rs`).
extern "C" fn interrupt_dispatch(frame: &mut TrapFrame) {
    if frame.vector == 14 && !frame.from_user() && super::user_copy::resume_after_fault(frame) {
        return;
    }
    super::tlb::serve_requests();
    let took = kernel_lock::acquire_if_free_here();
    dispatch_vector(frame);
    if took && !frame.from_user() {
        kernel_lock::release();
    }
}

fn dispatch_vector(frame: &mut TrapFrame) {
    let vector = frame.vector as u8;
    match vector {
        0..IRQ_BASE => exception::handle(frame),
        TIMER_VECTOR => {
            TIMER_TICKS.fetch_add(1, Ordering::Relaxed);
            super::fpu::on_timer_tick();
            if apic::timer_in_use() {
                apic::end_of_interrupt();
            } else {
                pic::end_of_interrupt(0);
            }
            crate::context::scheduler::on_timer_tick(frame.from_user());
        }
        // The SCI, on the PIC while the PIT is the tick (sci.rs acknowledges it).
        v if pic::is_pic_vector(v) && sci::is_pic_line(v - IRQ_BASE) => sci::handle(),
        v if pic::is_pic_vector(v) => {
            let irq = v - IRQ_BASE;
            if !pic::is_spurious(irq) {
                log::warn!("unexpected IRQ {irq}");
                pic::end_of_interrupt(irq);
            }
        }
        // Acknowledged at the local APIC by the handler (or it ends the run).
        SCI_VECTOR => sci::handle(),
        // Needs no EOI: the APIC withdrew the interrupt before it was delivered.
        apic::SPURIOUS_VECTOR => {}
        // Served on the way in (above); the reschedule needs nothing more either: the
        // idle loop it woke looks at the run queue.
        super::tlb::SHOOTDOWN_VECTOR | super::smp::RESCHEDULE_VECTOR => apic::end_of_interrupt(),
        v => log::warn!("unexpected interrupt vector {v}"),
    }
}
