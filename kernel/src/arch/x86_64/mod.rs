//! x86_64: boot entry, descriptor tables, interrupts and exceptions, the local APIC and
//! the other CPUs' start, the I/O APICs and the ACPI SCI (the power button), the legacy
//! PIC and PIT, the clocks, the serial console, the
//! screen, the QEMU exit device and the end of a run (`power`: exit port, ACPI soft-off,
//! reset). Most of the kernel's `unsafe` lives here and in `memory/`.

pub mod apic;
pub mod boot;
pub mod clock;
pub mod exception;
pub mod fpu;
pub mod gdt;
pub mod interrupts;
pub mod ioapic;
pub mod percpu;
pub mod pic;
pub mod power;
pub mod qemu;
pub mod sci;
pub mod screen;
pub mod serial;
pub mod smp;
pub mod switch;
pub mod syscall;
pub mod tlb;
pub mod user_copy;

// memcpy and friends, which the precompiled `core` calls.
use kestrel_memfuncs as _;

/// Halts until the next interrupt, with interrupts enabled only while halted.
///
/// The kernel runs with interrupts disabled because its code (and the precompiled `core`)
/// keeps data in the red zone below the stack pointer, which an interrupt frame pushed
/// onto the same stack would clobber. Only a leaf function may use the red zone, and a
/// caller of this function is not a leaf; this naked function itself keeps nothing below
/// its stack pointer, so the interrupt frame lands on free stack.
#[unsafe(naked)]
pub extern "C" fn wait_for_interrupt() {
    core::arch::naked_asm!("sti", "hlt", "cli", "ret")
}

/// Stops this CPU for good.
pub fn halt_forever() -> ! {
    loop {
        // SAFETY: with interrupts disabled `hlt` only returns on NMI; looping is correct.
        unsafe { core::arch::asm!("cli", "hlt", options(nomem, nostack)) };
    }
}
