//! The local APIC: this CPU's interrupt controller and timer, and the sender of
//! inter-processor interrupts.
//!
//! The periodic timer of the local APIC is the kernel's tick wherever the CPU has one
//! (every x86_64 CPU does); it is calibrated against the TSC, which was calibrated against
//! the PIT before it. The legacy PIC is then masked and the PIT's periodic channel
//! stopped, so no PIT interrupt is in use. The registers are reached through the xAPIC
//! page, or through MSRs when the firmware left the APIC in x2APIC mode.

use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use x86_64::registers::model_specific::Msr;

use super::{clock, interrupts::TIMER_VECTOR};
use crate::memory::phys_to_virt;

/// The vector of the APIC's spurious interrupts, which need no EOI.
pub const SPURIOUS_VECTOR: u8 = 0xff;

const IA32_APIC_BASE: u32 = 0x1b;
const APIC_BASE_ENABLE: u64 = 1 << 11;
const APIC_BASE_X2APIC: u64 = 1 << 10;
const APIC_BASE_ADDRESS: u64 = 0x000f_ffff_ffff_f000;
/// x2APIC register `r` (the xAPIC offset) is MSR `X2APIC_MSR_BASE + r / 16`.
const X2APIC_MSR_BASE: u32 = 0x800;

// Register offsets in the xAPIC page.
const REG_ID: u32 = 0x20;
const REG_TPR: u32 = 0x80;
const REG_EOI: u32 = 0xb0;
const REG_SVR: u32 = 0xf0;
const REG_ICR_LOW: u32 = 0x300;
const REG_ICR_HIGH: u32 = 0x310;
const REG_LVT_TIMER: u32 = 0x320;
const REG_TIMER_INITIAL: u32 = 0x380;
const REG_TIMER_CURRENT: u32 = 0x390;
const REG_TIMER_DIVIDE: u32 = 0x3e0;

const SVR_ENABLE: u32 = 1 << 8;
const LVT_MASKED: u32 = 1 << 16;
const LVT_TIMER_PERIODIC: u32 = 1 << 17;
/// Divide configuration 0b0011: the timer counts at the bus clock / 16.
const TIMER_DIVIDE_BY_16: u32 = 0b0011;
/// ICR delivery status: the previous IPI is still being sent (xAPIC only).
const ICR_SEND_PENDING: u32 = 1 << 12;

/// How long the timer's rate is measured against the TSC.
const CALIBRATION_NS: u64 = 10_000_000;

/// Physical address of the xAPIC page (0 before [`init`]).
static XAPIC_BASE: AtomicU64 = AtomicU64::new(0);
static X2APIC: AtomicBool = AtomicBool::new(false);
/// Timer counts (at divide 16) per tick, found on the boot CPU and reused by the others.
static TICK_COUNT: AtomicU32 = AtomicU32::new(0);
/// Whether the local APIC timer is the tick (else the PIT is).
static TIMER_IN_USE: AtomicBool = AtomicBool::new(false);

/// Whether the CPU has a local APIC (CPUID.1:EDX bit 9).
pub fn present() -> bool {
    core::arch::x86_64::__cpuid(1).edx & (1 << 9) != 0
}

fn read(reg: u32) -> u32 {
    if X2APIC.load(Ordering::Relaxed) {
        // SAFETY: x2APIC mode is on, so these MSRs exist; reading them has no side effect
        // the kernel relies on not happening.
        unsafe { Msr::new(X2APIC_MSR_BASE + reg / 16).read() as u32 }
    } else {
        let addr = phys_to_virt(XAPIC_BASE.load(Ordering::Relaxed) + u64::from(reg)) as *const u32;
        // SAFETY: the direct map covers the APIC page (it lies below 4 GiB, and the direct
        // map always covers the first 4 GiB); `reg` is one of the register offsets above.
        unsafe { addr.read_volatile() }
    }
}

fn write(reg: u32, value: u32) {
    if X2APIC.load(Ordering::Relaxed) {
        // SAFETY: as for `read`; the values written are the ones the SDM defines.
        unsafe { Msr::new(X2APIC_MSR_BASE + reg / 16).write(u64::from(value)) };
    } else {
        let addr = phys_to_virt(XAPIC_BASE.load(Ordering::Relaxed) + u64::from(reg)) as *mut u32;
        // SAFETY: as for `read`.
        unsafe { addr.write_volatile(value) };
    }
}

/// Enables this CPU's local APIC (software-enabled, all priorities accepted, its timer
/// masked). Every CPU calls it before it takes an interrupt from it.
pub fn init() {
    let mut msr = Msr::new(IA32_APIC_BASE);
    // SAFETY: IA32_APIC_BASE exists wherever `present()` holds; setting the global enable
    // bit keeps the mode (xAPIC or x2APIC) the firmware chose.
    let base = unsafe { msr.read() };
    // SAFETY: as above.
    unsafe { msr.write(base | APIC_BASE_ENABLE) };
    X2APIC.store(base & APIC_BASE_X2APIC != 0, Ordering::Relaxed);
    XAPIC_BASE.store(base & APIC_BASE_ADDRESS, Ordering::Relaxed);
    write(REG_TPR, 0);
    write(REG_LVT_TIMER, LVT_MASKED | u32::from(TIMER_VECTOR));
    write(REG_SVR, SVR_ENABLE | u32::from(SPURIOUS_VECTOR));
}

/// This CPU's APIC id.
pub fn id() -> u32 {
    if X2APIC.load(Ordering::Relaxed) { read(REG_ID) } else { read(REG_ID) >> 24 }
}

/// Measures the timer's rate against the (calibrated) TSC and starts it as this CPU's
/// tick, `hz` times a second. Returns the timer's counts per second at divide 16, or
/// `None` if it did not count.
pub fn start_timer(hz: u64) -> Option<u64> {
    write(REG_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
    write(REG_LVT_TIMER, LVT_MASKED | u32::from(TIMER_VECTOR));
    write(REG_TIMER_INITIAL, u32::MAX);
    let start = clock::monotonic_ns();
    while clock::monotonic_ns() - start < CALIBRATION_NS {
        core::hint::spin_loop();
    }
    let counted = u64::from(u32::MAX - read(REG_TIMER_CURRENT));
    let per_second = counted * 1_000_000_000 / CALIBRATION_NS;
    let per_tick = u32::try_from(per_second / hz).ok().filter(|&n| n > 0)?;
    TICK_COUNT.store(per_tick, Ordering::Relaxed);
    start_periodic(per_tick);
    TIMER_IN_USE.store(true, Ordering::Relaxed);
    Some(per_second)
}

/// Starts this CPU's timer at the rate the boot CPU measured (application processors).
pub fn start_timer_as_measured() {
    let per_tick = TICK_COUNT.load(Ordering::Relaxed);
    if per_tick > 0 {
        start_periodic(per_tick);
    }
}

fn start_periodic(per_tick: u32) {
    write(REG_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
    write(REG_LVT_TIMER, LVT_TIMER_PERIODIC | u32::from(TIMER_VECTOR));
    write(REG_TIMER_INITIAL, per_tick);
}

/// Whether the local APIC timer is the tick.
pub fn timer_in_use() -> bool {
    TIMER_IN_USE.load(Ordering::Relaxed)
}

/// Acknowledges the interrupt in service.
pub fn end_of_interrupt() {
    write(REG_EOI, 0);
}

/// An inter-processor interrupt's kind (ICR delivery mode and level bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ipi {
    /// INIT, asserted.
    Init,
    /// Start-up: the AP begins in real mode at `page * 4096`.
    Startup { page: u8 },
    /// A fixed interrupt at `vector`.
    Fixed { vector: u8 },
}

impl Ipi {
    fn icr_low(self) -> u32 {
        const LEVEL_ASSERT: u32 = 1 << 14;
        match self {
            Ipi::Init => (0b101 << 8) | LEVEL_ASSERT,
            Ipi::Startup { page } => (0b110 << 8) | LEVEL_ASSERT | u32::from(page),
            Ipi::Fixed { vector } => LEVEL_ASSERT | u32::from(vector),
        }
    }
}

/// Sends `ipi` to the CPU with APIC id `target` and waits until the APIC has sent it.
pub fn send(target: u32, ipi: Ipi) {
    if X2APIC.load(Ordering::Relaxed) {
        let icr = (u64::from(target) << 32) | u64::from(ipi.icr_low());
        // SAFETY: x2APIC mode is on; the ICR MSR takes destination and command together.
        unsafe { Msr::new(X2APIC_MSR_BASE + REG_ICR_LOW / 16).write(icr) };
    } else {
        write(REG_ICR_HIGH, target << 24);
        write(REG_ICR_LOW, ipi.icr_low());
        while read(REG_ICR_LOW) & ICR_SEND_PENDING != 0 {
            core::hint::spin_loop();
        }
    }
}
