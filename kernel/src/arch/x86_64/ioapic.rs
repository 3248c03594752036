//! The I/O APICs: the interrupt controllers that turn device lines (global system
//! interrupts, GSIs) into interrupt messages to a local APIC.
//!
//! This module owns every I/O APIC the MADT lists: at boot it reads each one's
//! redirection entry count and masks every entry (firmware may leave some unmasked), so
//! that no line reaches a CPU until the kernel routes it. [`route`] then unmasks one GSI
//! as a vector on the boot CPU, with the polarity and trigger mode that
//! `acpi::routing` decided from the MADT's overrides (that module holds the rules and
//! the entry layout, host-tested; this one only writes registers). An interrupt routed
//! here is acknowledged at the local APIC (`apic::end_of_interrupt`), which also tells
//! the I/O APIC that a level-triggered line was served.
//!
//! The registers are reached through the direct map, as the local APIC's are: an I/O
//! APIC lies below 4 GiB, which the direct map always covers. Each is a pair, an index
//! register (IOREGSEL) and a data window (IOWIN), so accesses are serialised by one lock,
//! taken with interrupts disabled (kernel code) and under no other lock.
//!
//! A machine without an I/O APIC (or whose MADT is unusable) keeps the legacy PIC path:
//! nothing here is used, and `pic.rs` serves the PIT tick as before.

use arrayvec::ArrayVec;
use spin::{Mutex, Once};

use crate::acpi::madt::{IoApic, MAX_IO_APICS, Madt};
use crate::acpi::routing::{self, ENTRY_MASKED, Pin, Route};
use crate::memory::{paging, phys_to_virt};

/// IOREGSEL: the index of the register IOWIN shows.
const REG_SELECT: u64 = 0x00;
/// IOWIN: the selected register.
const REG_WINDOW: u64 = 0x10;
/// The version register: maximum redirection entry index in bits 16-23.
const IOAPICVER: u32 = 0x01;
/// The first redirection entry's low half; entry `n` is at `0x10 + 2n` (low), `+1` (high).
const IOREDTBL: u32 = 0x10;

/// One I/O APIC the kernel found answering.
#[derive(Clone, Copy, Debug)]
struct Chip {
    /// Physical address of its registers.
    address: u64,
    /// Its redirection entry count (0 if it did not answer).
    entries: u8,
}

/// The I/O APICs in the MADT's order, with the MADT entries they came from.
struct Chips {
    madt: ArrayVec<IoApic, MAX_IO_APICS>,
    chips: ArrayVec<Chip, MAX_IO_APICS>,
}

static CHIPS: Once<Chips> = Once::new();
/// Serialises the select-then-window register pairs.
static REGISTERS: Mutex<()> = Mutex::new(());

/// What [`init`] found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Found {
    /// I/O APICs that answered.
    pub chips: usize,
    /// Redirection entries masked, on all of them.
    pub masked: usize,
    /// I/O APICs the MADT lists that were skipped (address outside the direct map,
    /// misaligned, or nothing answering there).
    pub skipped: usize,
}

fn read(chip: &Chip, reg: u32) -> u32 {
    let base = phys_to_virt(chip.address);
    // SAFETY: `init` checked that the 32 bytes of registers at `chip.address` lie in the
    // direct map and are 16-byte aligned; the MADT names them as an I/O APIC's. The
    // caller holds REGISTERS, so the select and the window read are one pair.
    unsafe {
        ((base + REG_SELECT) as *mut u32).write_volatile(reg);
        ((base + REG_WINDOW) as *const u32).read_volatile()
    }
}

fn write(chip: &Chip, reg: u32, value: u32) {
    let base = phys_to_virt(chip.address);
    // SAFETY: as for `read`; the values written are redirection entries the datasheet
    // defines.
    unsafe {
        ((base + REG_SELECT) as *mut u32).write_volatile(reg);
        ((base + REG_WINDOW) as *mut u32).write_volatile(value);
    }
}

/// Writes redirection entry `entry`: masked first, then the destination, then the low
/// half with the final mask bit, so that no half-written entry is ever live.
fn write_entry(chip: &Chip, entry: u8, value: u64) {
    let low = IOREDTBL + 2 * u32::from(entry);
    write(chip, low, ENTRY_MASKED as u32);
    write(chip, low + 1, (value >> 32) as u32);
    write(chip, low, value as u32);
}

/// Whether an I/O APIC's registers at `address` can be reached through the direct map.
fn reachable(address: u64) -> bool {
    address != 0
        && address.is_multiple_of(16)
        && address.checked_add(0x20).is_some_and(|end| end <= paging::direct_map_end())
}

/// Finds the MADT's I/O APICs, reads their entry counts and masks every entry. Call once,
/// at boot, with interrupts disabled, after the direct map is up.
pub fn init(madt: Option<&Madt>) -> Found {
    let mut found = Found::default();
    let io_apics = madt.map_or(&[][..], |m| &m.io_apics[..]);
    let _registers = REGISTERS.lock();
    let chips = CHIPS.call_once(|| {
        let mut chips = Chips { madt: ArrayVec::new(), chips: ArrayVec::new() };
        for io_apic in io_apics {
            let address = u64::from(io_apic.address);
            let mut chip = Chip { address, entries: 0 };
            if reachable(address) {
                chip.entries = routing::entry_count(read(&chip, IOAPICVER)).unwrap_or(0);
            }
            // Both lists have the MADT's capacity, so neither push can fail.
            let _ = chips.madt.try_push(*io_apic);
            let _ = chips.chips.try_push(chip);
        }
        chips
    });
    for chip in &chips.chips {
        if chip.entries == 0 {
            found.skipped += 1;
            continue;
        }
        found.chips += 1;
        for entry in 0..chip.entries {
            write_entry(chip, entry, ENTRY_MASKED);
            found.masked += 1;
        }
    }
    found
}

/// Whether an I/O APIC answered at boot.
pub fn present() -> bool {
    CHIPS.get().is_some_and(|c| c.chips.iter().any(|chip| chip.entries > 0))
}

/// Delivers `route`'s GSI as `vector` to the local APIC with id `apic_id` (fixed
/// delivery, physical destination) and unmasks it. Returns the pin, or why it cannot.
pub fn route(route: &Route, vector: u8, apic_id: u32) -> Result<Pin, &'static str> {
    let chips = CHIPS.get().ok_or("no I/O APIC was set up")?;
    let counts: ArrayVec<u8, MAX_IO_APICS> = chips.chips.iter().map(|c| c.entries).collect();
    let pin = routing::locate(&chips.madt, &counts, route.gsi).ok_or("no I/O APIC serves that GSI")?;
    let apic_id = u8::try_from(apic_id).map_err(|_| "the CPU's APIC id does not fit a redirection entry")?;
    let _registers = REGISTERS.lock();
    write_entry(&chips.chips[pin.io_apic], pin.entry, routing::redirection_entry(route, vector, apic_id));
    Ok(pin)
}

/// Masks the entry at `pin` again (a line that will not stop asserting).
pub fn mask(pin: Pin) {
    let Some(chip) = CHIPS.get().and_then(|c| c.chips.get(pin.io_apic)) else { return };
    let _registers = REGISTERS.lock();
    write_entry(chip, pin.entry, ENTRY_MASKED);
}
