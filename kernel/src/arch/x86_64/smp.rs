//! Starting the application processors (APs): the real-mode trampoline they begin in,
//! INIT-SIPI-SIPI, and their first steps in the kernel.
//!
//! The boot CPU starts the APs one at a time. Each begins at [`TRAMPOLINE_PAGE`] in real
//! mode, climbs to long mode through the boot stub's page tables (which identity-map the
//! first 4 GiB, so the trampoline page stays mapped while paging comes on), jumps to
//! `ap_entry64` in the kernel's text, switches to the kernel's own page tables and the
//! stack the boot CPU allocated for it, and runs [`ap_main`]: its own GDT, TSS and IST
//! stacks, the shared IDT, its local APIC. The boot CPU waits for each to report in
//! before it starts the next, so the handover statics below have one reader at a time.
//!
//! An AP that has reported in waits for the kernel lock and then joins the scheduler
//! with an idle thread of its own (`start::application_processor`).

use alloc::vec::Vec;
use core::arch::global_asm;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use super::apic::{self, Ipi};
use super::{clock, gdt, interrupts, percpu};
use crate::memory::{paging, phys_to_virt};

/// The physical page the APs start in (SIPI vector 0x08): below 1 MiB, as real mode needs,
/// and outside everything the frame allocator hands out (it keeps off the first MiB).
const TRAMPOLINE_PAGE: u64 = 0x8000;
/// An AP's kernel stack.
const AP_STACK_SIZE: usize = 64 * 1024;
/// How long the boot CPU waits for an AP to report in after its second SIPI.
const REPORT_TIMEOUT_NS: u64 = 200_000_000;

global_asm!(
    r#"
    .set TRAMP, {trampoline}
    .section .rodata.ap_trampoline, "a"
    .balign 16
    .global ap_trampoline_start
    .global ap_trampoline_end
    .code16
ap_trampoline_start:
    cli
    cld
    xorw %ax, %ax
    movw %ax, %ds
    lgdtl (TRAMP + (ap_gdt_ptr - ap_trampoline_start))
    movl %cr0, %eax
    orl $1, %eax
    movl %eax, %cr0
    ljmpl $0x08, $(TRAMP + (ap_pm32 - ap_trampoline_start))

    .code32
ap_pm32:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    /* CR4: PAE, OSFXSR, OSXMMEXCPT, as the boot stub sets them. */
    movl %cr4, %eax
    orl $((1 << 5) | (1 << 9) | (1 << 10)), %eax
    movl %eax, %cr4
    movl (TRAMP + (ap_boot_cr3 - ap_trampoline_start)), %eax
    movl %eax, %cr3
    /* EFER: LME, and NXE if the boot CPU has it on. */
    movl $0xc0000080, %ecx
    rdmsr
    orl (TRAMP + (ap_efer_bits - ap_trampoline_start)), %eax
    wrmsr
    /* CR0: PE, MP, WP, PG; EM clear. */
    movl %cr0, %eax
    andl $~(1 << 2), %eax
    orl $((1 << 31) | (1 << 16) | (1 << 1) | 1), %eax
    movl %eax, %cr0
    ljmpl $0x18, $(TRAMP + (ap_lm64 - ap_trampoline_start))

    .code64
ap_lm64:
    movq (TRAMP + (ap_entry - ap_trampoline_start)), %rax
    jmpq *%rax

    .balign 8
ap_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff
    .quad 0x00cf92000000ffff
    .quad 0x00af9a000000ffff
ap_gdt_ptr:
    .word ap_gdt_ptr - ap_gdt - 1
    .long TRAMP + (ap_gdt - ap_trampoline_start)
    .balign 8
    /* The boot stub's page tables (boot.rs), linked at their physical address below
       4 GiB: identity, direct map and kernel, as the boot CPU came up with. */
ap_boot_cr3:
    .quad boot_pml4
    .global ap_efer_bits
ap_efer_bits:
    .quad 0
ap_entry:
    .quad ap_entry64
ap_trampoline_end:

    .text
    .global ap_entry64
ap_entry64:
    movq AP_KERNEL_CR3(%rip), %rax
    movq %rax, %cr3
    movq AP_STACK_TOP(%rip), %rsp
    xorl %ebp, %ebp
    call {ap_main}
    ud2
"#,
    trampoline = const TRAMPOLINE_PAGE,
    ap_main = sym ap_main,
    options(att_syntax)
);

unsafe extern "C" {
    static ap_trampoline_start: u8;
    static ap_trampoline_end: u8;
    static ap_efer_bits: u8;
}

/// The kernel's PML4, for `ap_entry64`.
#[unsafe(no_mangle)]
static AP_KERNEL_CR3: AtomicU64 = AtomicU64::new(0);
/// The stack top of the AP being started, for `ap_entry64`.
#[unsafe(no_mangle)]
static AP_STACK_TOP: AtomicU64 = AtomicU64::new(0);
/// The per-CPU block index and APIC id of the AP being started.
static AP_INDEX: AtomicU32 = AtomicU32::new(0);
static AP_APIC_ID: AtomicU32 = AtomicU32::new(0);
/// Set by the AP being started once it runs on its own descriptor tables and APIC (and
/// has read the handover values above).
static AP_REPORTED: AtomicBool = AtomicBool::new(false);

/// The vector of the reschedule interrupt: another CPU queued a thread, or has work for
/// the thread running here (a signal, an exit) that its return to user mode looks at.
pub const RESCHEDULE_VECTOR: u8 = 0xfe;

/// Interrupts `cpu`: from its idle loop it looks at the run queue; from user code it
/// returns to user mode through the checks `scheduler::request_return_check` asked for.
pub fn send_reschedule(cpu: &percpu::PerCpu) {
    apic::send(cpu.apic_id.load(Ordering::Relaxed), Ipi::Fixed { vector: RESCHEDULE_VECTOR });
}

/// What starting the APs gave.
#[derive(Clone, Debug, Default)]
pub struct Started {
    /// APIC ids of the APs that reported in.
    pub online: Vec<u32>,
    /// APIC ids of the APs that did not.
    pub silent: Vec<u32>,
    /// APs left parked because the kernel runs at most `percpu::MAX_CPUS` CPUs.
    pub beyond_limit: usize,
}

/// Starts the application processors with the given APIC ids (the boot CPU's own is
/// skipped) and waits for each to report in. Needs the local APIC ([`apic::init`]) and the
/// calibrated clock.
pub fn start_application_processors(apic_ids: &[u32]) -> Started {
    let mut started = Started::default();
    let me = apic::id();
    install_trampoline();
    AP_KERNEL_CR3.store(paging::kernel_pml4(), Ordering::Relaxed);
    for &id in apic_ids.iter().filter(|&&id| id != me) {
        let index = started.online.len() + 1;
        if index >= percpu::MAX_CPUS {
            started.beyond_limit += 1;
            continue;
        }
        AP_INDEX.store(index as u32, Ordering::Relaxed);
        AP_APIC_ID.store(id, Ordering::Relaxed);
        let stack: &'static mut [u8] = Vec::leak(alloc::vec![0; AP_STACK_SIZE]);
        AP_STACK_TOP.store((stack.as_ptr() as u64 + AP_STACK_SIZE as u64) & !15, Ordering::Relaxed);
        AP_REPORTED.store(false, Ordering::Release);
        if wake(id) {
            started.online.push(id);
        } else {
            started.silent.push(id);
        }
    }
    started
}

/// Copies the trampoline to its page and fills in the EFER bits.
fn install_trampoline() {
    let start = &raw const ap_trampoline_start as u64;
    let len = &raw const ap_trampoline_end as u64 - start;
    let offset = |field: *const u8| field as u64 - start;
    let page = phys_to_virt(TRAMPOLINE_PAGE) as *mut u8;
    let efer_nx = if paging::nx_enabled() { 1u64 << 11 } else { 0 };
    let efer_bits = (1u64 << 8) | efer_nx;
    // SAFETY: the trampoline page lies below 1 MiB, which the frame allocator never hands
    // out and the direct map covers; `len` is the trampoline's size (far below a page);
    // the EFER field is an 8-byte aligned word inside the copied bytes.
    unsafe {
        core::ptr::copy_nonoverlapping(start as *const u8, page, len as usize);
        page.add(offset(&raw const ap_efer_bits) as usize).cast::<u64>().write_volatile(efer_bits);
    }
}

/// INIT, then up to two start-up IPIs (the MP specification's sequence); whether the AP
/// reported in.
fn wake(id: u32) -> bool {
    apic::send(id, Ipi::Init);
    spin_for(10_000_000);
    let page = (TRAMPOLINE_PAGE >> 12) as u8;
    for _ in 0..2 {
        apic::send(id, Ipi::Startup { page });
        if wait_for_report(200_000) {
            return true;
        }
    }
    wait_for_report(REPORT_TIMEOUT_NS)
}

fn wait_for_report(ns: u64) -> bool {
    let start = clock::monotonic_ns();
    loop {
        if AP_REPORTED.load(Ordering::Acquire) {
            return true;
        }
        if clock::monotonic_ns() - start >= ns {
            return false;
        }
        core::hint::spin_loop();
    }
}

fn spin_for(ns: u64) {
    let start = clock::monotonic_ns();
    while clock::monotonic_ns() - start < ns {
        core::hint::spin_loop();
    }
}

/// An AP's first Rust code, on its own stack and the kernel's page tables, interrupts
/// disabled.
extern "C" fn ap_main() -> ! {
    let stack_top = AP_STACK_TOP.load(Ordering::Relaxed);
    percpu::init_this_cpu(AP_INDEX.load(Ordering::Relaxed) as usize, AP_APIC_ID.load(Ordering::Relaxed));
    percpu::this().loaded_page_tables.store(paging::kernel_pml4(), Ordering::Relaxed);
    gdt::init_ap();
    interrupts::load_idt();
    // SAFETY: fninit only resets this CPU's x87 state, which nothing uses yet.
    unsafe { core::arch::asm!("fninit", options(nomem, nostack)) };
    apic::init();
    super::syscall::init();
    AP_REPORTED.store(true, Ordering::Release);
    crate::start::application_processor(stack_top)
}
