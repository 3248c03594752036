//! The SCI and the power button: the FADT's PM1 event blocks, what arming the button
//! takes, and the routing rules (overrides, polarity and trigger, redirection entries).

use super::fadt::{AddressSpace, Fadt, GenericAddress, Pm1Event};
use super::madt::{InterruptOverride, IoApic};
use super::routing::{self, Pin, Polarity, Route, Trigger};
use super::tables::Table;
use super::tests::{fadt_bytes, fix_checksum, qemu_like_memory};
use super::*;

fn parse(bytes: Vec<u8>) -> Fadt {
    Fadt::parse(&Table::from_bytes(0x1000, bytes).expect("a valid fixture")).expect("a FADT")
}

/// A revision 3 FADT with PM1a_EVT_BLK at port `port` of `len` bytes.
fn fadt_with_event_port(port: u32, len: u8) -> Vec<u8> {
    let mut bytes = fadt_bytes(3, 244, 0x7000, 0x604, 0, None);
    bytes[56..60].copy_from_slice(&port.to_le_bytes());
    bytes[88] = len;
    fix_checksum(&mut bytes, 9);
    bytes
}

fn io(address: u64, bits: u8) -> GenericAddress {
    GenericAddress { space: AddressSpace::SystemIo, bit_width: bits, bit_offset: 0, access_size: 0, address }
}

#[test]
fn pm1_event_block_from_the_32_bit_port() {
    // QEMU's PIIX4: PM1a_EVT_BLK 0x600, 4 bytes: status 0x600, enable 0x602, 16 bits each.
    let f = parse(fadt_with_event_port(0x600, 4));
    assert_eq!(f.pm1a_event, Some(Pm1Event { status: io(0x600, 16), enable: io(0x602, 16) }));
    assert_eq!(f.pm1b_event, None);
    // An 8-byte block has 32-bit halves.
    let f = parse(fadt_with_event_port(0xb000, 8));
    assert_eq!(f.pm1a_event, Some(Pm1Event { status: io(0xb000, 32), enable: io(0xb004, 32) }));
    // Lengths the spec forbids (odd, below 4), halves wider than 32 bits and a zero
    // port: no block.
    for (port, len) in [(0x600, 3), (0x600, 2), (0x600, 0), (0x600, 5), (0x600, 10), (0x600, 255), (0, 4)] {
        assert_eq!(parse(fadt_with_event_port(port, len)).pm1a_event, None, "port {port:#x} len {len}");
    }
}

#[test]
fn pm1_event_block_from_the_extended_address() {
    // X_PM1a_EVT_BLK in memory and X_PM1b_EVT_BLK as a port, both 32 bits wide with a
    // dword access size (each half is still accessed as 16 bits).
    let mut bytes = fadt_with_event_port(0x600, 4);
    bytes[148..152].copy_from_slice(&[0, 32, 0, 3]);
    bytes[152..160].copy_from_slice(&0xfed0_1000u64.to_le_bytes());
    bytes[160..164].copy_from_slice(&[1, 32, 0, 3]);
    bytes[164..172].copy_from_slice(&0x620u64.to_le_bytes());
    fix_checksum(&mut bytes, 9);
    let f = parse(bytes.clone());
    let a = f.pm1a_event.unwrap();
    assert_eq!((a.status.space, a.status.address, a.status.bit_width), (AddressSpace::SystemMemory, 0xfed0_1000, 16));
    assert_eq!((a.enable.address, a.enable.bit_width, a.enable.access_size), (0xfed0_1002, 16, 0));
    assert_eq!(f.pm1b_event, Some(Pm1Event { status: io(0x620, 16), enable: io(0x622, 16) }));

    // PM1_EVT_LEN unusable: the GAS's width decides.
    bytes[88] = 0;
    fix_checksum(&mut bytes, 9);
    assert_eq!(parse(bytes.clone()).pm1a_event.unwrap().enable.address, 0xfed0_1002);
    // Neither usable: no block.
    bytes[149] = 0;
    fix_checksum(&mut bytes, 9);
    assert_eq!(parse(bytes.clone()).pm1a_event, None);
    // An extended address of 0 falls back to the port, which needs PM1_EVT_LEN.
    bytes[88] = 4;
    bytes[152..160].copy_from_slice(&0u64.to_le_bytes());
    fix_checksum(&mut bytes, 9);
    assert_eq!(parse(bytes).pm1a_event.unwrap().status, io(0x600, 16));
    // An ACPI 1.0 FADT (116 bytes) has the port form only.
    let mut short = fadt_bytes(1, 116, 0x7000, 0x604, 0, None);
    short[56..60].copy_from_slice(&0x600u32.to_le_bytes());
    short[88] = 4;
    fix_checksum(&mut short, 9);
    assert_eq!(parse(short).pm1a_event.unwrap().enable, io(0x602, 16));
}

#[test]
fn arming_the_power_button_needs_the_pm1a_blocks_and_an_sci() {
    let mut mem = qemu_like_memory(false);
    let rsdp = tables::find_rsdp(&mem, Some(0xf_5000)).unwrap();
    // The fixture's FADT has no event block yet.
    assert!(discover(&mem, rsdp).unwrap().power_button().is_err());

    let fadt_at = |mem: &mut tests::Memory| mem.chunks.iter().position(|(a, _)| *a == 0x2000).unwrap();
    let at = fadt_at(&mut mem);
    mem.chunks[at].1 = fadt_with_event_port(0x600, 4);
    let button = discover(&mem, rsdp).unwrap().power_button().unwrap();
    assert_eq!(button.sci_interrupt, 9);
    assert_eq!((button.smi_command, button.acpi_enable), (0xb2, 0xf1));
    assert_eq!(button.pm1a_control.address, 0x604);
    assert_eq!(button.pm1a_event.status.address, 0x600);
    assert_eq!(button.pm1b_event, None);

    // Hardware-reduced ACPI has no fixed button; SCI_INT 0 names no interrupt.
    let mut reduced = fadt_with_event_port(0x600, 4);
    reduced[112..116].copy_from_slice(&fadt::FLAG_HW_REDUCED_ACPI.to_le_bytes());
    fix_checksum(&mut reduced, 9);
    mem.chunks[at].1 = reduced;
    assert!(discover(&mem, rsdp).unwrap().power_button().unwrap_err().contains("hardware-reduced"));
    let mut no_sci = fadt_with_event_port(0x600, 4);
    no_sci[46..48].copy_from_slice(&0u16.to_le_bytes());
    fix_checksum(&mut no_sci, 9);
    mem.chunks[at].1 = no_sci;
    assert!(discover(&mem, rsdp).unwrap().power_button().unwrap_err().contains("no SCI"));
    // A FADT with a bad checksum: not armed, no panic.
    let mut bad = fadt_with_event_port(0x600, 4);
    bad[60] ^= 0x5a;
    mem.chunks[at].1 = bad;
    assert!(discover(&mem, rsdp).unwrap().power_button().is_err());
}

#[test]
fn acpi_mode_is_requested_only_when_needed_and_possible() {
    assert!(needs_acpi_enable(0, 0xb2, 0xf1));
    assert!(!needs_acpi_enable(PM1_SCI_EN, 0xb2, 0xf1), "already in ACPI mode");
    assert!(!needs_acpi_enable(0, 0, 0xf1), "no SMI command port: always in ACPI mode");
    assert!(!needs_acpi_enable(0, 0xb2, 0), "no ACPI_ENABLE value");
}

fn over(source_irq: u8, gsi: u32, flags: u16) -> InterruptOverride {
    InterruptOverride { bus: 0, source_irq, gsi, flags }
}

#[test]
fn isa_irqs_are_identity_mapped_edge_high_unless_overridden() {
    // QEMU's overrides: IRQ 0 on GSI 2; IRQs 5, 9, 10, 11 level, active high (flags 0xd).
    let overrides = [over(0, 2, 0), over(5, 5, 0xd), over(9, 9, 0xd), over(10, 10, 0xd), over(11, 11, 0xd)];
    let edge_high = |gsi| Route { gsi, polarity: Polarity::High, trigger: Trigger::Edge };
    assert_eq!(routing::isa_route(&overrides, 0), edge_high(2));
    assert_eq!(routing::isa_route(&overrides, 4), edge_high(4));
    assert_eq!(
        routing::isa_route(&overrides, 10),
        Route { gsi: 10, polarity: Polarity::High, trigger: Trigger::Level }
    );
    assert_eq!(routing::isa_route(&[], 1), edge_high(1));
    // Active low, edge (flags 0b0111); an override of another bus is not ISA's.
    assert_eq!(
        routing::isa_route(&[over(3, 20, 0b0111)], 3),
        Route { gsi: 20, polarity: Polarity::Low, trigger: Trigger::Edge }
    );
    let pci = InterruptOverride { bus: 1, ..over(3, 20, 0b0111) };
    assert_eq!(routing::isa_route(&[pci], 3), edge_high(3));
}

#[test]
fn the_sci_defaults_to_level_active_low() {
    let level = |gsi, polarity| Route { gsi, polarity, trigger: Trigger::Level };
    // No override: the GSI is SCI_INT, level, active low.
    assert_eq!(routing::sci_route(&[], 9), level(9, Polarity::Low));
    // QEMU's override of IRQ 9 says active high, level.
    assert_eq!(routing::sci_route(&[over(9, 9, 0xd)], 9), level(9, Polarity::High));
    // Bus-default fields keep the SCI's defaults, not ISA's; the GSI moves.
    assert_eq!(routing::sci_route(&[over(9, 20, 0)], 9), level(20, Polarity::Low));
    // Reserved encodings (2) read as the default; an edge override is honoured.
    assert_eq!(routing::sci_route(&[over(9, 9, 0b1010)], 9), level(9, Polarity::Low));
    assert_eq!(
        routing::sci_route(&[over(9, 9, 0b0101)], 9),
        Route { gsi: 9, polarity: Polarity::High, trigger: Trigger::Edge }
    );
    // An SCI_INT beyond the ISA range is a GSI as it stands.
    assert_eq!(routing::sci_route(&[over(9, 20, 0)], 40), level(40, Polarity::Low));
}

#[test]
fn gsis_are_found_on_the_io_apic_that_serves_them() {
    let apics =
        [IoApic { id: 0, address: 0xfec0_0000, gsi_base: 0 }, IoApic { id: 1, address: 0xfec0_1000, gsi_base: 24 }];
    assert_eq!(routing::locate(&apics, &[24, 32], 9), Some(Pin { io_apic: 0, entry: 9 }));
    assert_eq!(routing::locate(&apics, &[24, 32], 24), Some(Pin { io_apic: 1, entry: 0 }));
    assert_eq!(routing::locate(&apics, &[24, 32], 55), Some(Pin { io_apic: 1, entry: 31 }));
    assert_eq!(routing::locate(&apics, &[24, 32], 56), None);
    // One that did not answer (0 entries) serves nothing.
    assert_eq!(routing::locate(&apics, &[0, 32], 9), None);
    assert_eq!(routing::locate(&[], &[], 0), None);
}

#[test]
fn redirection_entries_and_version_register() {
    let sci = Route { gsi: 9, polarity: Polarity::Low, trigger: Trigger::Level };
    let entry = routing::redirection_entry(&sci, 0x30, 3);
    assert_eq!(entry, 0x0300_0000_0000_0000 | routing::ENTRY_LEVEL | routing::ENTRY_ACTIVE_LOW | 0x30);
    assert_eq!(entry & routing::ENTRY_MASKED, 0, "unmasked");
    let isa = Route { gsi: 1, polarity: Polarity::High, trigger: Trigger::Edge };
    assert_eq!(routing::redirection_entry(&isa, 0x31, 0), 0x31, "fixed, physical, edge, high");
    // QEMU's I/O APIC: version 0x11, 24 entries (maximum index 23).
    assert_eq!(routing::entry_count(0x0017_0011), Some(24));
    assert_eq!(routing::entry_count(0), Some(1));
    assert_eq!(routing::entry_count(u32::MAX), None, "no device answered");
    assert_eq!(routing::entry_count(0x00ff_0020), None, "256 entries do not fit an entry index");
}
