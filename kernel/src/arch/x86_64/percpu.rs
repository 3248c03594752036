//! Per-CPU data: what each CPU's entry paths, FPU handling and scheduler keep for
//! themselves, reached through the GS base.
//!
//! In the kernel, GS's base is the running CPU's [`PerCpu`]; in user mode it is the user's
//! (always 0: the kernel offers no way to set it), and the kernel's value waits in
//! `IA32_KERNEL_GS_BASE`. Every entry from user mode (`syscall`, interrupts and exceptions
//! whose frame has a user CS) executes `swapgs` first, and every return to user mode
//! executes it last, so kernel code always sees its own block. The assembly reaches the
//! fields as `%gs:OFFSET` with the offsets [`offset_of!`](core::mem::offset_of) gives.
//!
//! A thread that blocks in the kernel may resume on another CPU, so a reference from
//! [`this`] is good only until the thread next switches; read it again afterwards.

use core::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering};

use x86_64::VirtAddr;
use x86_64::registers::model_specific::{GsBase, KernelGsBase};

/// The most CPUs the kernel runs on; the others a machine has stay parked.
pub const MAX_CPUS: usize = 16;

/// One CPU's block. Fields are atomics so that other CPUs may read them (the scheduler
/// looks for idle CPUs) and so that the block can be a plain static.
#[repr(C)]
pub struct PerCpu {
    /// The block's own address, for [`this`] (`mov %gs:0`).
    this: AtomicU64,
    /// Top of the current thread's kernel stack: the `syscall` entry's stack.
    pub kernel_stack_top: AtomicU64,
    /// Where the `syscall` entry parks the user stack pointer for a moment.
    pub user_rsp_scratch: AtomicU64,
    /// The current thread's FPU save area (the entry and exit paths use it).
    pub current_fpu_area: AtomicU64,
    /// The save area whose user state this CPU's FPU registers hold (0: none).
    pub fpu_owner: AtomicU64,
    /// The save area of a thread whose user code used the FPU since this CPU's last tick.
    pub fpu_hot_area: AtomicU64,
    /// The page tables in CR3 (`u64::MAX` until the kernel's own are loaded; never 0).
    pub loaded_page_tables: AtomicU64,
    /// The FS base in this CPU's MSR.
    pub loaded_fs_base: AtomicU64,
    /// The thread this CPU runs (a `*const Thread`; 0 before the scheduler starts).
    pub current_thread: AtomicU64,
    /// This CPU's task state segment (a `*mut TaskStateSegment`, set by `gdt`).
    pub tss: AtomicU64,
    /// 1 while user code runs with CR0.TS parked (see `fpu.rs`).
    pub ts_parked: AtomicU8,
    /// The next return to user mode must run the full check (see the scheduler).
    pub return_check: AtomicBool,
    /// A reschedule is due on this CPU.
    pub need_resched: AtomicBool,
    /// Whether this CPU runs (the boot CPU, or an AP that reported in).
    pub online: AtomicBool,
    /// Whether it sits in its idle loop, halted or about to halt (a queued thread wakes
    /// it with a reschedule interrupt).
    pub idle: AtomicBool,
    /// Whether, idle, it polls `idle` before halting (`scheduler::idle_loop`): a CPU
    /// that queues a thread for it then needs no reschedule interrupt.
    pub polling: AtomicBool,
    /// A TLB shootdown request for this CPU (`tlb.rs`): page tables to flush, bit 0 set
    /// to leave them; 0 when none is pending.
    pub tlb_request: AtomicU64,
    /// The levels of the ordered locks this CPU holds (`context::lock_order`, debug builds).
    pub held_levels: AtomicU32,
    /// This CPU's index in [`cpus`] (the boot CPU is 0).
    pub index: AtomicU32,
    /// Its local APIC id.
    pub apic_id: AtomicU32,
}

impl PerCpu {
    const fn new() -> Self {
        Self {
            this: AtomicU64::new(0),
            kernel_stack_top: AtomicU64::new(0),
            user_rsp_scratch: AtomicU64::new(0),
            current_fpu_area: AtomicU64::new(0),
            fpu_owner: AtomicU64::new(0),
            fpu_hot_area: AtomicU64::new(0),
            loaded_page_tables: AtomicU64::new(u64::MAX),
            loaded_fs_base: AtomicU64::new(0),
            current_thread: AtomicU64::new(0),
            tss: AtomicU64::new(0),
            ts_parked: AtomicU8::new(0),
            return_check: AtomicBool::new(true),
            need_resched: AtomicBool::new(false),
            online: AtomicBool::new(false),
            idle: AtomicBool::new(false),
            polling: AtomicBool::new(false),
            tlb_request: AtomicU64::new(0),
            held_levels: AtomicU32::new(0),
            index: AtomicU32::new(0),
            apic_id: AtomicU32::new(0),
        }
    }

    /// This block's index (the boot CPU's is 0).
    pub fn index(&self) -> usize {
        self.index.load(Ordering::Relaxed) as usize
    }
}

static CPUS: [PerCpu; MAX_CPUS] = [const { PerCpu::new() }; MAX_CPUS];
/// How many blocks are in use: CPUs get indices 0, 1, 2, ... as they come up, so the
/// running ones are the first `ONLINE` (a loop over them on a one-CPU machine is one
/// step).
static ONLINE: AtomicUsize = AtomicUsize::new(0);

/// Makes block `index` this CPU's: GS base points at it, the user's GS base (in
/// `IA32_KERNEL_GS_BASE` until the first return to user mode) is 0.
pub fn init_this_cpu(index: usize, apic_id: u32) {
    let cpu = &CPUS[index];
    let addr = cpu as *const PerCpu as u64;
    cpu.this.store(addr, Ordering::Relaxed);
    cpu.index.store(index as u32, Ordering::Relaxed);
    cpu.apic_id.store(apic_id, Ordering::Relaxed);
    GsBase::write(VirtAddr::new(addr));
    KernelGsBase::write(VirtAddr::new(0));
    cpu.online.store(true, Ordering::Release);
    ONLINE.fetch_max(index + 1, Ordering::AcqRel);
}

/// The running CPU's block.
#[inline(always)]
pub fn this() -> &'static PerCpu {
    let addr: u64;
    // SAFETY: in the kernel GS's base is this CPU's block, whose first word is its own
    // address (`init_this_cpu` runs before anything calls this). Not `pure`: a thread
    // that switched may be on another CPU, so the value must be read again each time.
    unsafe { core::arch::asm!("mov {}, gs:[0]", out(reg) addr, options(nostack, readonly, preserves_flags)) };
    // SAFETY: `addr` is the address of an element of the static `CPUS`.
    unsafe { &*(addr as *const PerCpu) }
}

/// The blocks of the CPUs that run.
pub fn online() -> impl Iterator<Item = &'static PerCpu> {
    CPUS[..ONLINE.load(Ordering::Acquire)].iter().filter(|cpu| cpu.online.load(Ordering::Acquire))
}

/// How many CPUs run (the blocks in use).
pub fn online_count() -> usize {
    ONLINE.load(Ordering::Acquire)
}

/// Block `index`.
pub fn cpu(index: usize) -> &'static PerCpu {
    &CPUS[index]
}

/// Offsets of the fields the assembly uses.
pub mod offsets {
    use super::PerCpu;
    use core::mem::offset_of;

    pub const KERNEL_STACK_TOP: usize = offset_of!(PerCpu, kernel_stack_top);
    pub const USER_RSP_SCRATCH: usize = offset_of!(PerCpu, user_rsp_scratch);
    pub const CURRENT_FPU_AREA: usize = offset_of!(PerCpu, current_fpu_area);
    pub const FPU_OWNER: usize = offset_of!(PerCpu, fpu_owner);
    pub const FPU_HOT_AREA: usize = offset_of!(PerCpu, fpu_hot_area);
    pub const TS_PARKED: usize = offset_of!(PerCpu, ts_parked);
}
