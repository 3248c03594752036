//! Ending a run: QEMU's exit port, ACPI soft-off, a reset, or a halt, as the command
//! line's `end=` chose; or soft-off whatever it chose, when the power button asks
//! (`sci.rs`, which also uses the register access and the ACPI-mode switch here).
//!
//! Before acting it prints `end of run (success)` or `end of run (failure)` and what it
//! is about to do, so a host watching a machine without QEMU's exit port still learns the
//! result. Soft-off follows the ACPI spec (16.1.7): switch to ACPI mode through the SMI
//! command port if SCI_EN is clear, then write SLP_TYPx and SLP_EN to PM1a_CNT and
//! PM1b_CNT. A reset tries the FADT's reset register, then the 8042 keyboard
//! controller's reset line, then a triple fault. Whatever fails falls through to a halt.

use core::fmt;
use core::sync::atomic::{AtomicU8, Ordering};

use x86_64::instructions::port::Port;

use super::qemu::{self, ExitCode};
use super::serial::Console;
use crate::acpi::fadt::{AddressSpace, GenericAddress};
use crate::acpi::{self, PM1_SCI_EN, PM1_SLP_EN, SoftOff};
use crate::cmdline::EndAction;

/// I/O accesses to wait for a state change (each takes about a microsecond on a PC, and
/// longer under emulation): a few seconds.
const WAIT_ACCESSES: u32 = 3_000_000;
/// The 8042's status and command port.
const KBC_COMMAND: u16 = 0x64;
/// 8042 status: input buffer full (the controller has not taken the last byte yet).
const KBC_INPUT_FULL: u8 = 1 << 1;
/// 8042 command: pulse the reset line.
const KBC_PULSE_RESET: u8 = 0xfe;

static END_ACTION: AtomicU8 = AtomicU8::new(EndAction::DebugExit as u8);

/// Chooses how runs end (from the command line).
pub fn set_end_action(action: EndAction) {
    END_ACTION.store(action as u8, Ordering::Relaxed);
}

fn end_action() -> EndAction {
    match END_ACTION.load(Ordering::Relaxed) {
        x if x == EndAction::PowerOff as u8 => EndAction::PowerOff,
        x if x == EndAction::Reboot as u8 => EndAction::Reboot,
        x if x == EndAction::Halt as u8 => EndAction::Halt,
        _ => EndAction::DebugExit,
    }
}

/// Prints on the console even if the fault that ends the run happened while it was held.
fn say(args: fmt::Arguments<'_>) {
    Console::emergency(args);
}

/// Ends the run with `code`, as `end=` chose. Does not return.
pub fn end_run(code: ExitCode) -> ! {
    crate::context::kernel_lock::stop_other_cpus();
    let result = match code {
        ExitCode::Success => "success",
        ExitCode::Failure => "failure",
    };
    match end_action() {
        EndAction::DebugExit => qemu::exit(code),
        EndAction::Halt => say(format_args!("kestrel: end of run ({result}): halting\n")),
        EndAction::PowerOff => power_off(result),
        EndAction::Reboot => {
            say(format_args!("kestrel: end of run ({result}): resetting the machine\n"));
            reset()
        }
    }
    super::halt_forever()
}

/// Ends the run in ACPI soft-off whatever `end=` chose, as a press of the power button
/// asks: the other CPUs stop as at every end of run, and the line printed is
/// `end of run (RESULT): powering off ...`. Does not return (a halt if S5 fails).
pub fn end_run_powering_off(result: &str) -> ! {
    crate::context::kernel_lock::stop_other_cpus();
    power_off(result);
    super::halt_forever()
}

/// Enters ACPI S5; returns (after saying why) only if that failed.
fn power_off(result: &str) {
    match acpi::get().ok_or("no ACPI tables").and_then(acpi::Acpi::soft_off) {
        Ok(off) => {
            say(format_args!(
                "kestrel: end of run ({result}): powering off (ACPI S5, PM1a_CNT {:?} {:#x}, SLP_TYPa {})\n",
                off.pm1a.0.space, off.pm1a.0.address, off.pm1a.1
            ));
            let why = soft_off(&off);
            say(format_args!("kestrel: power-off failed: {why}; halting\n"));
        }
        Err(why) => say(format_args!("kestrel: end of run ({result}): cannot power off: {why}; halting\n")),
    }
}

/// A register's width in bits: the access size when given, else the bit width.
fn width(reg: &GenericAddress) -> u8 {
    match reg.access_size {
        1 => 8,
        2 => 16,
        3 => 32,
        4 => 64,
        _ => reg.bit_width,
    }
}

/// Reads an I/O port or memory register of 8, 16 or 32 bits.
pub(super) fn read_register(reg: &GenericAddress) -> Option<u32> {
    match reg.space {
        AddressSpace::SystemIo => {
            let port = u16::try_from(reg.address).ok()?;
            // SAFETY: the firmware's FADT names this port as an ACPI fixed register;
            // reading it has no effect beyond the read.
            let value = unsafe {
                match width(reg) {
                    8 => u32::from(Port::<u8>::new(port).read()),
                    16 => u32::from(Port::<u16>::new(port).read()),
                    32 => Port::<u32>::new(port).read(),
                    _ => return None,
                }
            };
            Some(value)
        }
        AddressSpace::SystemMemory => {
            let ptr = mmio(reg)?;
            // SAFETY: `mmio` checked the register lies in the direct map; the FADT names
            // it as an ACPI fixed register, and a volatile read of it has no other effect.
            let value = unsafe {
                match width(reg) {
                    8 => u32::from(core::ptr::read_volatile(ptr)),
                    16 => u32::from(core::ptr::read_volatile(ptr.cast::<u16>())),
                    32 => core::ptr::read_volatile(ptr.cast::<u32>()),
                    _ => return None,
                }
            };
            Some(value)
        }
        _ => None,
    }
}

/// Writes an I/O port, memory or PCI configuration register of 8, 16 or 32 bits.
pub(super) fn write_register(reg: &GenericAddress, value: u32) -> bool {
    match reg.space {
        AddressSpace::SystemIo => {
            let Ok(port) = u16::try_from(reg.address) else { return false };
            // SAFETY: the FADT names this port as the register for this write (PM1
            // control, SMI command or reset); the machine is being shut down or reset.
            unsafe {
                match width(reg) {
                    8 => Port::<u8>::new(port).write(value as u8),
                    16 => Port::<u16>::new(port).write(value as u16),
                    32 => Port::<u32>::new(port).write(value),
                    _ => return false,
                }
            }
            true
        }
        AddressSpace::SystemMemory => {
            let Some(ptr) = mmio(reg) else { return false };
            // SAFETY: `mmio` checked the register lies in the direct map; the FADT names
            // it as the register for this write, and the machine is ending.
            unsafe {
                match width(reg) {
                    8 => core::ptr::write_volatile(ptr, value as u8),
                    16 => core::ptr::write_volatile(ptr.cast::<u16>(), value as u16),
                    32 => core::ptr::write_volatile(ptr.cast::<u32>(), value),
                    _ => return false,
                }
            }
            true
        }
        AddressSpace::PciConfig => {
            // Segment 0, bus 0: device in bits 32-47, function in 16-31, offset in 0-15.
            let (device, function, offset) = ((reg.address >> 32) & 0x1f, (reg.address >> 16) & 7, reg.address & 0xff);
            let address = 0x8000_0000 | (device << 11) | (function << 8) | (offset & 0xfc);
            // SAFETY: 0xcf8/0xcfc are the PC's PCI configuration mechanism #1; the FADT
            // names this configuration register as the reset register.
            unsafe {
                Port::<u32>::new(0xcf8).write(address as u32);
                Port::<u8>::new(0xcfc + (offset & 3) as u16).write(value as u8);
            }
            true
        }
        AddressSpace::Other(_) => false,
    }
}

/// The direct-map pointer to a memory register, if the direct map covers it.
fn mmio(reg: &GenericAddress) -> Option<*mut u8> {
    let end = reg.address.checked_add(8)?;
    (end <= crate::memory::paging::direct_map_end()).then(|| crate::memory::phys_to_virt(reg.address) as *mut u8)
}

/// About a microsecond: a write to the POST diagnostic port, as PC kernels do.
fn io_delay() {
    // SAFETY: port 0x80 is the POST code port; writes to it have no effect on the kernel.
    unsafe { Port::<u8>::new(0x80).write(0) };
}

/// Powers off; returns only if the machine is still running, with the reason.
fn soft_off(off: &SoftOff) -> &'static str {
    let (pm1a, slp_typ_a) = off.pm1a;
    let Some(current) = read_register(&pm1a) else { return "PM1a_CNT is not a readable port or memory register" };
    if acpi::needs_acpi_enable(current as u16, off.smi_command, off.acpi_enable) {
        say(format_args!("kestrel: entering ACPI mode (SMI_CMD {:#x} <- {:#x})\n", off.smi_command, off.acpi_enable));
        if !enter_acpi_mode(&pm1a, off.smi_command, off.acpi_enable) {
            say(format_args!("kestrel: the firmware did not enter ACPI mode; trying the sleep registers anyway\n"));
        }
    }
    // The spec's sequence (and ACPICA's): SLP_TYP first, then SLP_TYP with SLP_EN; PM1a
    // and PM1b each with its own sleep type.
    let targets = [Some((pm1a, slp_typ_a)), off.pm1b];
    for with_enable in [false, true] {
        for (reg, slp_typ) in targets.iter().flatten() {
            let Some(now) = read_register(reg) else { continue };
            let mut value = acpi::pm1_sleep_value(now as u16, *slp_typ);
            if !with_enable {
                value &= !PM1_SLP_EN;
            }
            write_register(reg, u32::from(value));
        }
    }
    for _ in 0..WAIT_ACCESSES {
        io_delay();
    }
    "the machine is still running after SLP_EN"
}

/// Legacy mode: asks the firmware (SMM) to hand the PM registers over by writing
/// `acpi_enable` to the SMI command port, and waits (a few seconds at most) for SCI_EN in
/// `pm1_control`. Returns whether it was set.
pub(super) fn enter_acpi_mode(pm1_control: &GenericAddress, smi_command: u32, acpi_enable: u8) -> bool {
    let smi = GenericAddress { bit_width: 8, access_size: 1, ..io_port(smi_command) };
    write_register(&smi, u32::from(acpi_enable));
    (0..WAIT_ACCESSES).any(|_| read_register(pm1_control).is_some_and(|v| v as u16 & PM1_SCI_EN != 0))
}

/// An 8-bit I/O port register.
fn io_port(port: u32) -> GenericAddress {
    GenericAddress {
        space: AddressSpace::SystemIo,
        bit_width: 8,
        bit_offset: 0,
        access_size: 1,
        address: u64::from(port),
    }
}

/// Resets the machine: the FADT's reset register, the 8042, then a triple fault.
fn reset() -> ! {
    if let Some(reset) = acpi::get().and_then(|a| a.fadt.as_ref().ok()).and_then(|f| f.reset) {
        let reg = GenericAddress { bit_width: 8, access_size: 1, ..reset.register };
        say(format_args!(
            "kestrel: reset through the ACPI reset register ({:?} {:#x} <- {:#x})\n",
            reg.space, reg.address, reset.value
        ));
        if write_register(&reg, u32::from(reset.value)) {
            for _ in 0..WAIT_ACCESSES / 10 {
                io_delay();
            }
        }
        say(format_args!("kestrel: the ACPI reset register did not reset; trying the keyboard controller\n"));
    }
    say(format_args!("kestrel: reset through the keyboard controller (8042 command 0xfe)\n"));
    // SAFETY: 0x64 is the 8042's status/command port on PCs; on a machine without one
    // the reads return all ones and the write goes nowhere.
    unsafe {
        let mut command = Port::<u8>::new(KBC_COMMAND);
        for _ in 0..WAIT_ACCESSES / 30 {
            if command.read() & KBC_INPUT_FULL == 0 {
                break;
            }
        }
        command.write(KBC_PULSE_RESET);
    }
    for _ in 0..WAIT_ACCESSES / 10 {
        io_delay();
    }
    say(format_args!("kestrel: the keyboard controller did not reset; triple fault\n"));
    let empty = x86_64::structures::DescriptorTablePointer { limit: 0, base: x86_64::VirtAddr::new(0) };
    // SAFETY: an empty IDT makes the breakpoint a triple fault, which resets the CPU:
    // what this function is for. Interrupts are disabled in kernel code.
    unsafe {
        x86_64::instructions::tables::lidt(&empty);
        core::arch::asm!("int3", options(nomem, nostack));
    }
    super::halt_forever()
}
