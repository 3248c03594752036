//! ACPI: the firmware's description of the machine, read once at boot.
//!
//! The kernel reads the table directory ([`tables`]), the FADT ([`fadt`]: power
//! management and reset registers, the PM1 event blocks of the power button), the MADT
//! ([`madt`]: processors, I/O APICs, interrupt overrides) and the DSDT's `\_S5_` sleep
//! type ([`aml`]), and keeps the result in one [`Acpi`] value for the power-off, reset
//! and power button paths and the SMP bring-up. [`routing`] decides from the MADT how an
//! interrupt source reaches an I/O APIC pin.
//!
//! This module is portable safe Rust, tested on the host against byte images: it reads
//! physical memory only through [`PhysicalMemory`]; the port and memory writes that act on
//! what it found are in `arch::x86_64::power`, `ioapic` and `sci`. A missing or bad table
//! is an error value in [`Acpi`], never a panic.

#![forbid(unsafe_code)]

pub mod aml;
pub mod fadt;
pub mod madt;
pub mod routing;
pub mod tables;

#[cfg(test)]
mod mutation_tests;
#[cfg(test)]
mod sci_tests;
#[cfg(test)]
mod tests;

use alloc::boxed::Box;

use crate::boot_info::PhysicalMemory;
use aml::{AmlError, SleepType};
use fadt::{Fadt, GenericAddress, Pm1Event};
use madt::Madt;
use tables::{AcpiError, RootTable, Rsdp, Signature};

/// The sleep state of soft power-off.
pub const S5: u8 = 5;

/// Why the `\_S5_` sleep type is unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SleepTypeError {
    /// No usable FADT or DSDT.
    Table(AcpiError),
    /// The DSDT's AML did not give it.
    Aml(AmlError),
}

/// What the kernel learned from ACPI.
#[derive(Debug)]
pub struct Acpi {
    /// The root pointer.
    pub rsdp: Rsdp,
    /// The root table used: RSDT or XSDT.
    pub root: Signature,
    /// The FADT.
    pub fadt: Result<Fadt, AcpiError>,
    /// The MADT (boxed: it holds up to 256 processors).
    pub madt: Result<Box<Madt>, AcpiError>,
    /// SLP_TYPa/b of the S5 (soft off) state.
    pub s5: Result<SleepType, SleepTypeError>,
}

/// Reads the tables the RSDP leads to. Fails only when the root table is unusable; a bad
/// FADT, MADT or DSDT is recorded in the result.
pub fn discover(mem: &impl PhysicalMemory, rsdp: Rsdp) -> Result<Acpi, AcpiError> {
    let root = RootTable::load(mem, &rsdp)?;
    let fadt = root.find(mem, Signature::FADT).and_then(|t| Fadt::parse(&t));
    let madt = root.find(mem, Signature::MADT).and_then(|t| Madt::parse(&t)).map(Box::new);
    let s5 = match &fadt {
        Ok(fadt) => match fadt.dsdt {
            Some(paddr) => match tables::load_table(mem, paddr, Signature::DSDT) {
                Ok(dsdt) => aml::find_sleep_type(dsdt.body(), S5).map_err(SleepTypeError::Aml),
                Err(e) => Err(SleepTypeError::Table(e)),
            },
            None => Err(SleepTypeError::Table(AcpiError::Malformed(Signature::FADT, "no DSDT address"))),
        },
        Err(e) => Err(SleepTypeError::Table(*e)),
    };
    Ok(Acpi { rsdp, root: root.table().signature(), fadt, madt, s5 })
}

/// PM1 control register: the OS has ACPI mode (set by the firmware on `ACPI_ENABLE`).
pub const PM1_SCI_EN: u16 = 1 << 0;
/// PM1 control register: start the sleep given by SLP_TYP.
pub const PM1_SLP_EN: u16 = 1 << 13;
const PM1_SLP_TYP_SHIFT: u16 = 10;
const PM1_SLP_TYP_MASK: u16 = 7 << PM1_SLP_TYP_SHIFT;

/// PM1 status register: the power button was pressed (write 1 to clear).
pub const PM1_PWRBTN_STS: u16 = 1 << 8;
/// PM1 enable register: a power button press raises the SCI.
pub const PM1_PWRBTN_EN: u16 = 1 << 8;

/// Whether the OS must ask the firmware for ACPI mode before using the PM1 registers:
/// SCI_EN is clear in PM1 control and the FADT names an SMI command and its value
/// (ACPI 6.5, 16.3.1: a machine with SMI_CMD 0 is always in ACPI mode).
pub fn needs_acpi_enable(pm1_control: u16, smi_command: u32, acpi_enable: u8) -> bool {
    pm1_control & PM1_SCI_EN == 0 && smi_command != 0 && acpi_enable != 0
}

/// The PM1 control value that enters sleep type `slp_typ`, from the register's current
/// value (the other bits are kept, as the spec asks).
pub fn pm1_sleep_value(current: u16, slp_typ: u8) -> u16 {
    (current & !(PM1_SLP_TYP_MASK | PM1_SLP_EN))
        | (u16::from(slp_typ) << PM1_SLP_TYP_SHIFT & PM1_SLP_TYP_MASK)
        | PM1_SLP_EN
}

/// Everything a soft power-off (S5) needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SoftOff {
    /// The SMI command port and the value that switches to ACPI mode (port 0: none).
    pub smi_command: u32,
    /// The value for `smi_command`.
    pub acpi_enable: u8,
    /// The PM1a control register and its sleep type.
    pub pm1a: (GenericAddress, u8),
    /// The PM1b control register and its sleep type, when there is one.
    pub pm1b: Option<(GenericAddress, u8)>,
}

/// Everything arming the power button (a fixed-feature button, ACPI 6.5, 4.8.2.2.1.1)
/// needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PowerButton {
    /// `SCI_INT`: the SCI's interrupt (an ISA IRQ on a PC, subject to the overrides).
    pub sci_interrupt: u16,
    /// The SMI command port (0: none) and the value that switches to ACPI mode.
    pub smi_command: u32,
    /// The value for `smi_command`.
    pub acpi_enable: u8,
    /// PM1a control, whose SCI_EN says whether ACPI mode is on.
    pub pm1a_control: GenericAddress,
    /// The PM1a event block.
    pub pm1a_event: Pm1Event,
    /// The PM1b event block, when there is one (the bits are split across both).
    pub pm1b_event: Option<Pm1Event>,
}

impl Acpi {
    /// What arming the power button takes, or why it cannot be armed.
    pub fn power_button(&self) -> Result<PowerButton, &'static str> {
        let fadt = self.fadt.as_ref().map_err(|_| "no usable FADT")?;
        if fadt.hardware_reduced() {
            return Err("hardware-reduced ACPI (no fixed power button)");
        }
        if fadt.sci_interrupt == 0 {
            return Err("the FADT names no SCI interrupt");
        }
        Ok(PowerButton {
            sci_interrupt: fadt.sci_interrupt,
            smi_command: fadt.smi_command,
            acpi_enable: fadt.acpi_enable,
            pm1a_control: fadt.pm1a_control.ok_or("the FADT has no PM1a control register")?,
            pm1a_event: fadt.pm1a_event.ok_or("the FADT has no usable PM1a event block")?,
            pm1b_event: fadt.pm1b_event,
        })
    }

    /// What a soft power-off writes, or why it cannot be done.
    pub fn soft_off(&self) -> Result<SoftOff, &'static str> {
        let fadt = self.fadt.as_ref().map_err(|_| "no usable FADT")?;
        if fadt.hardware_reduced() {
            return Err("hardware-reduced ACPI (sleep control registers are not supported)");
        }
        let sleep = self.s5.as_ref().map_err(|_| "no \\_S5_ sleep type in the DSDT")?;
        let pm1a = fadt.pm1a_control.ok_or("the FADT has no PM1a control register")?;
        Ok(SoftOff {
            smi_command: fadt.smi_command,
            acpi_enable: fadt.acpi_enable,
            pm1a: (pm1a, sleep.a),
            pm1b: fadt.pm1b_control.map(|r| (r, sleep.b)),
        })
    }

    /// Processors the MADT lists as usable now (1 without a MADT: the boot processor).
    pub fn cpu_count(&self) -> usize {
        self.madt.as_ref().map_or(1, |m| m.enabled_cpus().max(1))
    }
}

static ACPI: spin::Once<Acpi> = spin::Once::new();

/// Keeps what boot found, for the rest of the kernel's life (the first call wins).
pub fn install(acpi: Acpi) -> &'static Acpi {
    ACPI.call_once(|| acpi)
}

/// What boot found, if it found the tables.
pub fn get() -> Option<&'static Acpi> {
    ACPI.get()
}
