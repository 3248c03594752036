//! The FADT (signature `FACP`): where the power-management registers are, how to switch
//! the machine into ACPI mode, how to reset it, and where the DSDT is.
//!
//! Offsets are the ACPI 6.5 spec's (5.2.9); a field beyond the table's length is absent
//! (ACPI 1.0 FADTs end at 116 bytes, before the reset register and the 64-bit addresses).

use super::tables::{AcpiError, Signature, Table};

/// Where a register lives (ACPI's Generic Address Structure, 12 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GenericAddress {
    /// The address space.
    pub space: AddressSpace,
    /// Width of the register in bits.
    pub bit_width: u8,
    /// Bit offset of the register at the address.
    pub bit_offset: u8,
    /// 0 undefined, 1 byte, 2 word, 3 dword, 4 qword.
    pub access_size: u8,
    /// The address in that space.
    pub address: u64,
}

/// The address spaces the kernel knows how to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressSpace {
    /// Memory-mapped.
    SystemMemory,
    /// An I/O port.
    SystemIo,
    /// PCI configuration space of segment 0, bus 0: device in bits 32-47, function in
    /// 16-31, register offset in 0-15.
    PciConfig,
    /// Any other space (embedded controller, SMBus, ...).
    Other(u8),
}

impl GenericAddress {
    /// Decodes the 12 bytes at `bytes[at..]`.
    fn parse(bytes: &[u8], at: usize) -> Option<Self> {
        let raw = bytes.get(at..at + 12)?;
        let space = match raw[0] {
            0 => AddressSpace::SystemMemory,
            1 => AddressSpace::SystemIo,
            2 => AddressSpace::PciConfig,
            other => AddressSpace::Other(other),
        };
        let address = u64::from_le_bytes(raw[4..12].try_into().ok()?);
        Some(Self { space, bit_width: raw[1], bit_offset: raw[2], access_size: raw[3], address })
    }

    fn io_port(port: u32, len: u8) -> Option<Self> {
        (port != 0).then_some(Self {
            space: AddressSpace::SystemIo,
            bit_width: len.saturating_mul(8),
            bit_offset: 0,
            access_size: 0,
            address: u64::from(port),
        })
    }
}

/// The register that resets the machine and the value to write to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResetRegister {
    /// Where.
    pub register: GenericAddress,
    /// What.
    pub value: u8,
}

/// A PM1 event block (ACPI 6.5, 4.8.3.1): a status register in its first half and an
/// enable register in its second, each half the block's length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pm1Event {
    /// PM1x_STS: write-1-to-clear status bits.
    pub status: GenericAddress,
    /// PM1x_EN: which status bits raise the SCI.
    pub enable: GenericAddress,
}

impl Pm1Event {
    /// Splits the block at `block` of `len` bytes (the FADT's PM1_EVT_LEN when it is
    /// usable, else the GAS's bit width); `None` for a length the spec does not allow
    /// (it must be even and at least 4) or that the kernel cannot access (halves wider
    /// than 32 bits).
    fn split(block: GenericAddress, len: u8) -> Option<Self> {
        let usable = |len: u8| (4..=8).contains(&len) && len.is_multiple_of(2);
        let len = if usable(len) { len } else { block.bit_width / 8 };
        if !usable(len) {
            return None;
        }
        let half = len / 2;
        // Each half is accessed at its own width, whatever the block's access size says.
        let status = GenericAddress { bit_width: half * 8, bit_offset: 0, access_size: 0, ..block };
        let enable = GenericAddress { address: block.address.checked_add(u64::from(half))?, ..status };
        Some(Self { status, enable })
    }
}

/// FADT flag: the reset register is supported.
pub const FLAG_RESET_REG_SUP: u32 = 1 << 10;
/// FADT flag: hardware-reduced ACPI (no PM1 registers, no SMI command port).
pub const FLAG_HW_REDUCED_ACPI: u32 = 1 << 20;
/// IA-PC boot architecture flag: the machine has an 8042 keyboard controller.
pub const BOOT_ARCH_8042: u16 = 1 << 1;

/// What the kernel uses of the FADT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fadt {
    /// The table's revision.
    pub revision: u8,
    /// Physical address of the DSDT (X_DSDT when set, else DSDT).
    pub dsdt: Option<u64>,
    /// The interrupt line of the SCI.
    pub sci_interrupt: u16,
    /// The SMI command port, 0 when the machine is always in ACPI mode.
    pub smi_command: u32,
    /// The value written to `smi_command` to switch to ACPI mode.
    pub acpi_enable: u8,
    /// The PM1a control register (SLP_TYP, SLP_EN, SCI_EN).
    pub pm1a_control: Option<GenericAddress>,
    /// The PM1b control register, when the machine has a second one.
    pub pm1b_control: Option<GenericAddress>,
    /// The PM1a event block (PWRBTN_STS and the other fixed-event bits).
    pub pm1a_event: Option<Pm1Event>,
    /// The PM1b event block, when the machine has a second one.
    pub pm1b_event: Option<Pm1Event>,
    /// Fixed feature flags (`FLAG_*`).
    pub flags: u32,
    /// IA-PC boot architecture flags (`BOOT_ARCH_*`; 0 before ACPI 2.0).
    pub boot_arch: u16,
    /// The reset register, when the FADT has one and says it works.
    pub reset: Option<ResetRegister>,
    /// The power-management timer (3.579545 MHz), when the machine has one.
    pub pm_timer: Option<GenericAddress>,
}

/// The power-management timer's frequency (ACPI 6.5, 4.8.3.3).
pub const PM_TIMER_HZ: u64 = 3_579_545;
/// FADT flag: the PM timer counts 32 bits, not 24.
pub const FLAG_TMR_VAL_EXT: u32 = 1 << 8;

fn u8_at(b: &[u8], at: usize) -> Option<u8> {
    b.get(at).copied()
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// The X_ form of a register when the table has it and it is set, else the 32-bit port.
fn register(b: &[u8], extended_at: usize, port_at: usize, len: u8) -> Option<GenericAddress> {
    GenericAddress::parse(b, extended_at)
        .filter(|g| g.address != 0)
        .or_else(|| GenericAddress::io_port(u32_at(b, port_at)?, len))
}

impl Fadt {
    /// Decodes a checked FADT.
    pub fn parse(table: &Table) -> Result<Self, AcpiError> {
        if table.signature() != Signature::FADT {
            return Err(AcpiError::Malformed(table.signature(), "not a FADT"));
        }
        let b = table.bytes();
        // ACPI 1.0's FADT is 116 bytes; everything up to the flags is required.
        let Some(flags) = u32_at(b, 112) else {
            return Err(AcpiError::Malformed(Signature::FADT, "shorter than 116 bytes"));
        };
        let dsdt = u64_at(b, 140).filter(|&a| a != 0).or_else(|| u32_at(b, 40).filter(|&a| a != 0).map(u64::from));
        let pm1_control_len = u8_at(b, 89).unwrap_or(2);
        let pm1_event_len = u8_at(b, 88).unwrap_or(0);
        let pm1_event =
            |x_at, port_at| register(b, x_at, port_at, pm1_event_len).and_then(|r| Pm1Event::split(r, pm1_event_len));
        let reset = (flags & FLAG_RESET_REG_SUP != 0)
            .then(|| Some(ResetRegister { register: GenericAddress::parse(b, 116)?, value: u8_at(b, 128)? }))
            .flatten()
            .filter(|r| r.register.address != 0);
        Ok(Self {
            revision: table.revision(),
            dsdt,
            sci_interrupt: u16_at(b, 46).unwrap_or(0),
            smi_command: u32_at(b, 48).unwrap_or(0),
            acpi_enable: u8_at(b, 52).unwrap_or(0),
            pm1a_control: register(b, 172, 64, pm1_control_len),
            pm1b_control: register(b, 184, 68, pm1_control_len),
            pm1a_event: pm1_event(148, 56),
            pm1b_event: pm1_event(160, 60),
            flags,
            boot_arch: if table.revision() >= 2 { u16_at(b, 109).unwrap_or(0) } else { 0 },
            reset,
            pm_timer: register(b, 208, 76, 4).filter(|_| u8_at(b, 91) == Some(4)),
        })
    }

    /// Whether the platform is hardware-reduced ACPI (no PM1 sleep registers).
    pub fn hardware_reduced(&self) -> bool {
        self.flags & FLAG_HW_REDUCED_ACPI != 0
    }

    /// Whether the firmware says an 8042 keyboard controller is present. ACPI 1.0 tables
    /// cannot say, and PCs of that age all have one.
    pub fn has_8042(&self) -> bool {
        self.revision < 2 || self.boot_arch & BOOT_ARCH_8042 != 0
    }
}
