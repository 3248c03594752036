//! How an interrupt source reaches an I/O APIC pin: the global system interrupt (GSI),
//! polarity and trigger mode of an ISA IRQ or of the ACPI SCI, after the MADT's interrupt
//! source overrides; which I/O APIC serves a GSI; and the redirection entry that routes it.
//!
//! The rules (ACPI 6.5, 5.2.12.5 and 5.2.9): ISA IRQs are identity-mapped onto the first
//! GSIs, active high and edge-triggered, unless an override says otherwise; the SCI is
//! "a sharable, level, active-low interrupt" on the GSI the FADT names (an ISA IRQ, and
//! so subject to the overrides, on a PC), and an override's "bus default" fields keep
//! those defaults. A reserved polarity or trigger encoding is read as the default.
//! The redirection entry layout is the 82093AA I/O APIC's (its datasheet, 3.2.4), which
//! every later I/O APIC keeps.
//!
//! Portable, safe and host-tested; `arch::x86_64::ioapic` writes what this decides.

use super::madt::{InterruptMode, InterruptOverride, IoApic};

/// The level at which a line asserts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Polarity {
    /// Active high.
    High,
    /// Active low.
    Low,
}

/// How a line signals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// An edge per interrupt.
    Edge,
    /// Asserted until the source is serviced.
    Level,
}

/// Where and how an interrupt source arrives at the I/O APICs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    /// The global system interrupt.
    pub gsi: u32,
    /// Active high or low.
    pub polarity: Polarity,
    /// Edge or level.
    pub trigger: Trigger,
}

/// The ISA bus, the only source bus of an interrupt source override.
const ISA_BUS: u8 = 0;

fn polarity(mode: InterruptMode, default: Polarity) -> Polarity {
    match mode {
        InterruptMode::HighOrEdge => Polarity::High,
        InterruptMode::LowOrLevel => Polarity::Low,
        InterruptMode::BusDefault | InterruptMode::Reserved => default,
    }
}

fn trigger(mode: InterruptMode, default: Trigger) -> Trigger {
    match mode {
        InterruptMode::HighOrEdge => Trigger::Edge,
        InterruptMode::LowOrLevel => Trigger::Level,
        InterruptMode::BusDefault | InterruptMode::Reserved => default,
    }
}

/// The route of `irq` with the given defaults, after the first override of that ISA IRQ.
fn route(overrides: &[InterruptOverride], irq: u32, default: (Polarity, Trigger)) -> Route {
    let found = overrides.iter().find(|o| o.bus == ISA_BUS && u32::from(o.source_irq) == irq);
    match found {
        Some(o) => {
            Route { gsi: o.gsi, polarity: polarity(o.polarity(), default.0), trigger: trigger(o.trigger(), default.1) }
        }
        None => Route { gsi: irq, polarity: default.0, trigger: default.1 },
    }
}

/// Where ISA IRQ `irq` arrives: identity-mapped, active high, edge, unless overridden.
pub fn isa_route(overrides: &[InterruptOverride], irq: u8) -> Route {
    route(overrides, u32::from(irq), (Polarity::High, Trigger::Edge))
}

/// Where the SCI arrives, given the FADT's `SCI_INT`: level, active low, unless an
/// override of that IRQ says otherwise.
pub fn sci_route(overrides: &[InterruptOverride], sci_interrupt: u16) -> Route {
    route(overrides, u32::from(sci_interrupt), (Polarity::Low, Trigger::Level))
}

/// An I/O APIC's pin for a GSI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pin {
    /// Index of the I/O APIC in the MADT's list.
    pub io_apic: usize,
    /// The redirection entry's index in it.
    pub entry: u8,
}

/// Which I/O APIC serves `gsi`, given each one's redirection entry count (`entries[i]`
/// for `io_apics[i]`; 0 for one that did not answer).
pub fn locate(io_apics: &[IoApic], entries: &[u8], gsi: u32) -> Option<Pin> {
    io_apics.iter().zip(entries).enumerate().find_map(|(index, (io_apic, &count))| {
        let entry = gsi.checked_sub(io_apic.gsi_base)?;
        (entry < u32::from(count)).then_some(Pin { io_apic: index, entry: entry as u8 })
    })
}

/// Redirection entry: masked (no interrupt is delivered).
pub const ENTRY_MASKED: u64 = 1 << 16;
/// Redirection entry: level-triggered.
pub const ENTRY_LEVEL: u64 = 1 << 15;
/// Redirection entry: active low.
pub const ENTRY_ACTIVE_LOW: u64 = 1 << 13;
const ENTRY_DESTINATION_SHIFT: u32 = 56;

/// The redirection entry that delivers `route` as `vector` to the local APIC with id
/// `apic_id`: fixed delivery, physical destination, unmasked.
pub fn redirection_entry(route: &Route, vector: u8, apic_id: u8) -> u64 {
    let mut entry = u64::from(vector) | u64::from(apic_id) << ENTRY_DESTINATION_SHIFT;
    if route.polarity == Polarity::Low {
        entry |= ENTRY_ACTIVE_LOW;
    }
    if route.trigger == Trigger::Level {
        entry |= ENTRY_LEVEL;
    }
    entry
}

/// The number of redirection entries an I/O APIC version register value gives (its
/// maximum entry index is bits 16-23); `None` for the all-ones of an absent device.
pub fn entry_count(version: u32) -> Option<u8> {
    if version == u32::MAX {
        return None;
    }
    u8::try_from(((version >> 16) & 0xff) + 1).ok()
}
