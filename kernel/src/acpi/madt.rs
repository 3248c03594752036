//! The MADT (signature `APIC`): the processors' local APICs, the I/O APICs and how the
//! ISA interrupts map onto global system interrupts, for the APIC and SMP bring-up.
//!
//! Entries are walked by their own length bytes, each checked against the table's end:
//! an entry shorter than its type's layout or running past the end stops the walk and
//! marks the result [`Madt::malformed`], keeping what came before it.

use arrayvec::ArrayVec;

use super::tables::{AcpiError, Signature, Table};

/// Most processors kept.
pub const MAX_CPUS: usize = 256;
/// Most I/O APICs kept.
pub const MAX_IO_APICS: usize = 16;
/// Most interrupt source overrides kept.
pub const MAX_OVERRIDES: usize = 32;
/// Most local APIC NMI entries kept.
pub const MAX_NMIS: usize = 32;

const TYPE_LOCAL_APIC: u8 = 0;
const TYPE_IO_APIC: u8 = 1;
const TYPE_INTERRUPT_OVERRIDE: u8 = 2;
const TYPE_LOCAL_APIC_NMI: u8 = 4;
const TYPE_LOCAL_APIC_ADDRESS: u8 = 5;
const TYPE_LOCAL_X2APIC: u8 = 9;
const TYPE_LOCAL_X2APIC_NMI: u8 = 0xa;

/// Local APIC flag: the processor is usable now.
const CPU_ENABLED: u32 = 1 << 0;
/// Local APIC flag: the processor can be brought online later.
const CPU_ONLINE_CAPABLE: u32 = 1 << 1;

/// One processor (a local APIC or local x2APIC entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cpu {
    /// The ACPI processor UID (matches the processor objects in the AML).
    pub processor_uid: u32,
    /// The local APIC id (x2APIC id for an x2APIC entry): what an INIT-SIPI targets.
    pub apic_id: u32,
    /// Usable now.
    pub enabled: bool,
    /// Not enabled, but the firmware says it can be brought online.
    pub online_capable: bool,
}

/// One I/O APIC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IoApic {
    /// Its APIC id.
    pub id: u8,
    /// Physical address of its registers.
    pub address: u32,
    /// The first global system interrupt it serves.
    pub gsi_base: u32,
}

/// An ISA interrupt that arrives on another global system interrupt, or with other
/// polarity or trigger mode than ISA's (active high, edge).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InterruptOverride {
    /// Always 0 (ISA).
    pub bus: u8,
    /// The ISA IRQ.
    pub source_irq: u8,
    /// The global system interrupt it arrives on.
    pub gsi: u32,
    /// MPS INTI flags: polarity in bits 0-1, trigger mode in bits 2-3.
    pub flags: u16,
}

/// The polarity or trigger mode an MPS INTI flags field gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InterruptMode {
    /// As the bus defines it (ISA: active high, edge).
    BusDefault,
    /// Active high (polarity) or edge (trigger).
    HighOrEdge,
    /// Active low (polarity) or level (trigger).
    LowOrLevel,
    /// The reserved encoding.
    Reserved,
}

impl InterruptMode {
    fn from_bits(bits: u16) -> Self {
        match bits & 3 {
            0 => Self::BusDefault,
            1 => Self::HighOrEdge,
            3 => Self::LowOrLevel,
            _ => Self::Reserved,
        }
    }
}

impl InterruptOverride {
    /// Active high or low.
    pub fn polarity(&self) -> InterruptMode {
        InterruptMode::from_bits(self.flags)
    }

    /// Edge or level.
    pub fn trigger(&self) -> InterruptMode {
        InterruptMode::from_bits(self.flags >> 2)
    }
}

/// A processor's local interrupt pin wired to NMI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalApicNmi {
    /// The processor UID, `u32::MAX` (or 0xff in the short form) for all processors.
    pub processor_uid: u32,
    /// MPS INTI flags.
    pub flags: u16,
    /// LINT0 or LINT1.
    pub lint: u8,
}

/// What the MADT says about the interrupt hardware.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Madt {
    /// Physical address of every processor's local APIC (the 64-bit override if present).
    pub local_apic_address: u64,
    /// The machine also has the two 8259 PICs, to be masked before using the APICs.
    pub pcat_compat: bool,
    /// The processors, in the table's order (the boot processor first, by convention).
    pub cpus: ArrayVec<Cpu, MAX_CPUS>,
    /// The I/O APICs.
    pub io_apics: ArrayVec<IoApic, MAX_IO_APICS>,
    /// The ISA interrupt source overrides.
    pub overrides: ArrayVec<InterruptOverride, MAX_OVERRIDES>,
    /// The local APIC NMI pins.
    pub nmis: ArrayVec<LocalApicNmi, MAX_NMIS>,
    /// Entries not kept because an array was full.
    pub dropped: usize,
    /// The walk stopped at an impossible entry.
    pub malformed: bool,
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from(u32_at(b, at)) | u64::from(u32_at(b, at + 4)) << 32
}

/// The shortest valid entry of each type the kernel reads.
fn min_len(kind: u8) -> usize {
    match kind {
        TYPE_LOCAL_APIC => 8,
        TYPE_IO_APIC => 12,
        TYPE_INTERRUPT_OVERRIDE => 10,
        TYPE_LOCAL_APIC_NMI => 6,
        TYPE_LOCAL_APIC_ADDRESS => 12,
        TYPE_LOCAL_X2APIC => 16,
        TYPE_LOCAL_X2APIC_NMI => 12,
        _ => 2,
    }
}

impl Madt {
    /// Number of processors usable now.
    pub fn enabled_cpus(&self) -> usize {
        self.cpus.iter().filter(|c| c.enabled).count()
    }

    fn keep<T, const N: usize>(dropped: &mut usize, list: &mut ArrayVec<T, N>, item: T) {
        if list.try_push(item).is_err() {
            *dropped += 1;
        }
    }

    fn add_cpu(&mut self, processor_uid: u32, apic_id: u32, flags: u32) {
        let cpu = Cpu {
            processor_uid,
            apic_id,
            enabled: flags & CPU_ENABLED != 0,
            online_capable: flags & CPU_ENABLED == 0 && flags & CPU_ONLINE_CAPABLE != 0,
        };
        // Firmware may list a processor both as local APIC and as x2APIC: keep one.
        if self.cpus.iter().any(|c| c.apic_id == apic_id) {
            return;
        }
        Self::keep(&mut self.dropped, &mut self.cpus, cpu);
    }

    /// Decodes a checked MADT.
    pub fn parse(table: &Table) -> Result<Self, AcpiError> {
        if table.signature() != Signature::MADT {
            return Err(AcpiError::Malformed(table.signature(), "not a MADT"));
        }
        let body = table.body();
        if body.len() < 8 {
            return Err(AcpiError::Malformed(Signature::MADT, "no local APIC address and flags"));
        }
        let mut madt = Madt {
            local_apic_address: u64::from(u32_at(body, 0)),
            pcat_compat: u32_at(body, 4) & 1 != 0,
            ..Madt::default()
        };
        let mut at = 8;
        while at < body.len() {
            let (Some(&kind), Some(&len)) = (body.get(at), body.get(at + 1)) else {
                madt.malformed = true;
                break;
            };
            let len = usize::from(len);
            let Some(e) = body.get(at..at + len).filter(|_| len >= min_len(kind)) else {
                madt.malformed = true;
                break;
            };
            match kind {
                TYPE_LOCAL_APIC => madt.add_cpu(u32::from(e[2]), u32::from(e[3]), u32_at(e, 4)),
                TYPE_LOCAL_X2APIC => madt.add_cpu(u32_at(e, 12), u32_at(e, 4), u32_at(e, 8)),
                TYPE_IO_APIC => {
                    let io_apic = IoApic { id: e[2], address: u32_at(e, 4), gsi_base: u32_at(e, 8) };
                    Self::keep(&mut madt.dropped, &mut madt.io_apics, io_apic);
                }
                TYPE_INTERRUPT_OVERRIDE => {
                    let o = InterruptOverride { bus: e[2], source_irq: e[3], gsi: u32_at(e, 4), flags: u16_at(e, 8) };
                    Self::keep(&mut madt.dropped, &mut madt.overrides, o);
                }
                TYPE_LOCAL_APIC_NMI => {
                    let uid = if e[2] == 0xff { u32::MAX } else { u32::from(e[2]) };
                    let nmi = LocalApicNmi { processor_uid: uid, flags: u16_at(e, 3), lint: e[5] };
                    Self::keep(&mut madt.dropped, &mut madt.nmis, nmi);
                }
                TYPE_LOCAL_X2APIC_NMI => {
                    let nmi = LocalApicNmi { processor_uid: u32_at(e, 4), flags: u16_at(e, 2), lint: e[8] };
                    Self::keep(&mut madt.dropped, &mut madt.nmis, nmi);
                }
                TYPE_LOCAL_APIC_ADDRESS => madt.local_apic_address = u64_at(e, 4),
                _ => {}
            }
            at += len;
        }
        Ok(madt)
    }
}
