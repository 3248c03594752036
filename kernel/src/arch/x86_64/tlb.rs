//! TLB shootdown: when the kernel changes or frees page tables that another CPU has
//! loaded, that CPU must drop what its TLB cached from them before the change counts as
//! done.
//!
//! Only the holder of the kernel lock changes page tables, so one request per CPU at a
//! time is enough: the holder writes it into the target's block, sends the shootdown
//! interrupt, and waits until the target clears it. A target in user mode or halted in
//! its idle loop takes the interrupt; one waiting for the kernel lock (with interrupts
//! disabled) serves the request from its spin loop (`kernel_lock::acquire`), so the wait
//! cannot deadlock.

use core::sync::atomic::Ordering;

use arrayvec::ArrayVec;

use super::apic::{self, Ipi};
use super::percpu::{self, MAX_CPUS, PerCpu};
use super::switch;

/// The shootdown interrupt's vector.
pub const SHOOTDOWN_VECTOR: u8 = 0xfd;

/// Request bit: switch to the kernel's own page tables (the ones named are being freed).
const LEAVE: u64 = 1;

/// Makes every other CPU that has `pml4` loaded flush its TLB (`leave`: switch to the
/// kernel's page tables instead, because `pml4` is about to be freed), and waits until
/// each has. The caller holds the kernel lock and has dealt with its own CPU.
pub fn shootdown(pml4: u64, leave: bool) {
    let me = percpu::this().index();
    let mut waiting: ArrayVec<&'static PerCpu, MAX_CPUS> = ArrayVec::new();
    for cpu in percpu::online() {
        if cpu.index() != me && cpu.loaded_page_tables.load(Ordering::Relaxed) == pml4 {
            cpu.tlb_request.store(pml4 | if leave { LEAVE } else { 0 }, Ordering::Release);
            apic::send(cpu.apic_id.load(Ordering::Relaxed), Ipi::Fixed { vector: SHOOTDOWN_VECTOR });
            waiting.push(cpu);
        }
    }
    for cpu in waiting {
        while cpu.tlb_request.load(Ordering::Acquire) != 0 {
            core::hint::spin_loop();
        }
    }
}

/// Serves this CPU's pending shootdown request, if any.
pub fn serve_requests() {
    let cpu = percpu::this();
    let request = cpu.tlb_request.load(Ordering::Acquire);
    if request == 0 {
        return;
    }
    let pml4 = request & !LEAVE;
    if cpu.loaded_page_tables.load(Ordering::Relaxed) == pml4 {
        let reload = if request & LEAVE != 0 { crate::memory::paging::kernel_pml4() } else { pml4 };
        // SAFETY: both the named page tables and the kernel's map the kernel, and the
        // named ones are still allocated: their owner waits for this request.
        unsafe { switch::load_page_tables(reload) };
    }
    cpu.tlb_request.store(0, Ordering::Release);
}
