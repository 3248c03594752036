//! ACPI parsing against hand-built tables in a fake physical memory, good and bad.

use super::aml::{self, AmlError, SleepType};
use super::fadt::{AddressSpace, Fadt, GenericAddress};
use super::madt::{InterruptMode, Madt};
use super::tables::{self, AcpiError, Rsdp, Signature, Table};
use super::*;

/// Sparse physical memory: (start, bytes) chunks.
#[derive(Default)]
pub(super) struct Memory {
    pub(super) chunks: Vec<(u64, Vec<u8>)>,
}

impl Memory {
    pub(super) fn put(&mut self, paddr: u64, bytes: &[u8]) {
        self.chunks.push((paddr, bytes.to_vec()));
    }
}

impl PhysicalMemory for Memory {
    fn read(&self, paddr: u64, buf: &mut [u8]) -> bool {
        for (start, bytes) in &self.chunks {
            if paddr >= *start && paddr + buf.len() as u64 <= start + bytes.len() as u64 {
                let at = (paddr - start) as usize;
                buf.copy_from_slice(&bytes[at..at + buf.len()]);
                return true;
            }
        }
        false
    }
}

pub(super) fn fix_checksum(bytes: &mut [u8], at: usize) {
    bytes[at] = 0;
    let sum = bytes.iter().fold(0u8, |s, &b| s.wrapping_add(b));
    bytes[at] = 0u8.wrapping_sub(sum);
}

/// A system description table with a correct length and checksum.
pub(super) fn sdt(signature: &[u8; 4], revision: u8, body: &[u8]) -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(signature);
    t.extend_from_slice(&((36 + body.len()) as u32).to_le_bytes());
    t.push(revision);
    t.push(0);
    t.extend_from_slice(b"KESTRL");
    t.extend_from_slice(b"TESTTABL");
    t.extend_from_slice(&[1, 0, 0, 0, b'K', b'T', b'S', b'T', 1, 0, 0, 0]);
    t.extend_from_slice(body);
    fix_checksum(&mut t, 9);
    t
}

pub(super) fn rsdp_v1(rsdt: u32) -> Vec<u8> {
    let mut r = Vec::new();
    r.extend_from_slice(b"RSD PTR ");
    r.push(0);
    r.extend_from_slice(b"BOCHS ");
    r.push(0);
    r.extend_from_slice(&rsdt.to_le_bytes());
    fix_checksum(&mut r, 8);
    r
}

pub(super) fn rsdp_v2(rsdt: u32, xsdt: u64) -> Vec<u8> {
    let mut r = rsdp_v1(rsdt);
    r[15] = 2;
    fix_checksum(&mut r, 8);
    r.extend_from_slice(&36u32.to_le_bytes());
    r.extend_from_slice(&xsdt.to_le_bytes());
    r.extend_from_slice(&[0, 0, 0, 0]);
    fix_checksum(&mut r, 32);
    r
}

/// A FADT body (offsets from the table start; the header is 36 bytes).
pub(super) fn fadt_bytes(
    revision: u8,
    len: usize,
    dsdt: u32,
    pm1a: u32,
    flags: u32,
    reset: Option<(u8, u64, u8)>,
) -> Vec<u8> {
    let mut t = vec![0u8; len.max(244)];
    t[40..44].copy_from_slice(&dsdt.to_le_bytes());
    t[46..48].copy_from_slice(&9u16.to_le_bytes());
    t[48..52].copy_from_slice(&0xb2u32.to_le_bytes());
    t[52] = 0xf1;
    t[64..68].copy_from_slice(&pm1a.to_le_bytes());
    t[89] = 2;
    t[112..116].copy_from_slice(&flags.to_le_bytes());
    if let Some((space, address, value)) = reset {
        t[116] = space;
        t[117] = 8;
        t[120..128].copy_from_slice(&address.to_le_bytes());
        t[128] = value;
    }
    sdt(b"FACP", revision, &t[36..len])
}

fn table(bytes: Vec<u8>) -> Table {
    Table::from_bytes(0x1000, bytes).expect("a valid fixture")
}

/// QEMU's `Name (_S5_, Package (0x04) { Zero, Zero, Zero, Zero })`.
pub(super) const QEMU_S5: &[u8] = &[0x08, b'_', b'S', b'5', b'_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00];

#[test]
fn rsdp_versions_and_checksums() {
    let mut mem = Memory::default();
    mem.put(0x1000, &rsdp_v1(0x2000));
    mem.put(0x3000, &rsdp_v2(0x2000, 0x4000));
    let v1 = tables::read_rsdp(&mem, 0x1000).unwrap();
    assert_eq!((v1.revision, v1.rsdt, v1.xsdt, &v1.oem_id), (0, 0x2000, None, b"BOCHS "));
    let v2 = tables::read_rsdp(&mem, 0x3000).unwrap();
    assert_eq!((v2.revision, v2.xsdt), (2, Some(0x4000)));

    let mut bad = rsdp_v2(0x2000, 0x4000);
    bad[30] ^= 1; // the extended checksum covers it, the first does not
    mem.put(0x5000, &bad);
    assert!(matches!(tables::read_rsdp(&mem, 0x5000), Err(AcpiError::BadChecksum { .. })));
    let mut bad = rsdp_v1(0x2000);
    bad[16] ^= 1;
    mem.put(0x6000, &bad);
    assert!(matches!(tables::read_rsdp(&mem, 0x6000), Err(AcpiError::BadChecksum { .. })));
    assert!(matches!(tables::read_rsdp(&mem, 0x7000), Err(AcpiError::Unreadable(0x7000))));
    // Truncated: the v2 part runs into unreadable memory.
    mem.put(0x8000, &rsdp_v2(0x2000, 0x4000)[..24]);
    assert!(matches!(tables::read_rsdp(&mem, 0x8000), Err(AcpiError::Unreadable(_))));
}

#[test]
fn rsdp_is_found_in_the_ebda_then_the_bios_area() {
    let mut mem = Memory::default();
    let mut bda = vec![0u8; 0x500];
    bda[0x40e..0x410].copy_from_slice(&0x9fc0u16.to_le_bytes());
    mem.put(0, &bda);
    let mut ebda = vec![0u8; 1024];
    // A signature with a bad checksum first: skipped.
    ebda[0x20..0x28].copy_from_slice(b"RSD PTR ");
    ebda[0x40..0x54].copy_from_slice(&rsdp_v1(0x1234));
    mem.put(0x9_fc00, &ebda);
    let mut bios = vec![0u8; 0x2_0000];
    bios[0x1_0010..0x1_0024].copy_from_slice(&rsdp_v1(0x5678));
    mem.put(0xe_0000, &bios);
    assert_eq!(tables::find_rsdp(&mem, None).unwrap().rsdt, 0x1234);
    // The loader's pointer wins when valid, and is passed over when not.
    mem.put(0x20_0000, &rsdp_v1(0x9999));
    assert_eq!(tables::find_rsdp(&mem, Some(0x20_0000)).unwrap().rsdt, 0x9999);
    assert_eq!(tables::find_rsdp(&mem, Some(0x30_0000)).unwrap().rsdt, 0x1234);
    // No EBDA: the BIOS area.
    mem.chunks[0].1[0x40e..0x410].copy_from_slice(&[0, 0]);
    let found = tables::find_rsdp(&mem, None).unwrap();
    assert_eq!((found.rsdt, found.paddr), (0x5678, 0xf_0010));
    let empty = Memory::default();
    assert_eq!(tables::find_rsdp(&empty, None), Err(AcpiError::NoRsdp));
}

#[test]
fn tables_are_checked_before_use() {
    let mut mem = Memory::default();
    let good = sdt(b"APIC", 1, &[0; 8]);
    mem.put(0x1000, &good);
    assert_eq!(tables::load_table(&mem, 0x1000, Signature::MADT).unwrap().bytes(), &good[..]);
    assert!(matches!(
        tables::load_table(&mem, 0x1000, Signature::FADT),
        Err(AcpiError::WrongSignature { expected: Signature::FADT, .. })
    ));
    let mut bad = good.clone();
    bad[40] = 1;
    mem.put(0x2000, &bad);
    assert!(matches!(tables::load_table(&mem, 0x2000, Signature::MADT), Err(AcpiError::BadChecksum { .. })));
    for len in [0u32, 35, tables::MAX_TABLE_LEN + 1] {
        let mut t = good.clone();
        t[4..8].copy_from_slice(&len.to_le_bytes());
        mem.put(0x3000 + u64::from(len % 0x100) * 0x100, &t);
        let r = tables::load_table(&mem, 0x3000 + u64::from(len % 0x100) * 0x100, Signature::MADT);
        assert!(matches!(r, Err(AcpiError::BadLength { .. })), "{len}: {r:?}");
    }
    // A length past readable memory.
    let mut t = good.clone();
    t[4..8].copy_from_slice(&4096u32.to_le_bytes());
    mem.put(0x9000, &t);
    assert!(matches!(tables::load_table(&mem, 0x9000, Signature::MADT), Err(AcpiError::Unreadable(_))));
    assert!(matches!(tables::load_table(&mem, 0, Signature::MADT), Err(AcpiError::Unreadable(0))));
}

pub(super) fn root_entries(width: usize, entries: &[u64]) -> Vec<u8> {
    entries.iter().flat_map(|&e| e.to_le_bytes()[..width].to_vec()).collect()
}

#[test]
fn xsdt_is_preferred_and_rsdt_is_the_fallback() {
    let mut mem = Memory::default();
    mem.put(0x1000, &sdt(b"RSDT", 1, &root_entries(4, &[0x3000])));
    mem.put(0x2000, &sdt(b"XSDT", 1, &root_entries(8, &[0, 0x5000, 0x4000])));
    mem.put(0x3000, &sdt(b"APIC", 1, &[1, 0, 0, 0, 0, 0, 0, 0]));
    mem.put(0x4000, &sdt(b"APIC", 1, &[2, 0, 0, 0, 0, 0, 0, 0]));
    let mut bad = sdt(b"APIC", 1, &[3, 0, 0, 0, 0, 0, 0, 0]);
    bad[36] = 4;
    mem.put(0x5000, &bad);
    let rsdp = Rsdp { paddr: 0, revision: 2, oem_id: *b"BOCHS ", rsdt: 0x1000, xsdt: Some(0x2000) };
    let root = RootTable::load(&mem, &rsdp).unwrap();
    assert_eq!(root.table().signature(), Signature::XSDT);
    // The bad copy is passed over for the next good one.
    assert_eq!(root.find(&mem, Signature::MADT).unwrap().body()[0], 2);
    assert_eq!(root.find(&mem, Signature::DSDT), Err(AcpiError::NotFound(Signature::DSDT)));

    let broken_xsdt = Rsdp { xsdt: Some(0x7000), ..rsdp };
    let root = RootTable::load(&mem, &broken_xsdt).unwrap();
    assert_eq!(root.table().signature(), Signature::RSDT);
    assert_eq!(root.find(&mem, Signature::MADT).unwrap().body()[0], 1);
    assert!(RootTable::load(&mem, &Rsdp { rsdt: 0, ..broken_xsdt }).is_err());
}

#[test]
fn fadt_acpi_1_and_later_forms() {
    // ACPI 1.0: 116 bytes, 32-bit port blocks, no reset register.
    let f = Fadt::parse(&table(fadt_bytes(1, 116, 0x7000, 0x604, 0, None))).unwrap();
    assert_eq!(f.dsdt, Some(0x7000));
    assert_eq!((f.smi_command, f.acpi_enable, f.sci_interrupt), (0xb2, 0xf1, 9));
    let pm1a = f.pm1a_control.unwrap();
    assert_eq!((pm1a.space, pm1a.address, pm1a.bit_width), (AddressSpace::SystemIo, 0x604, 16));
    assert_eq!(f.pm1b_control, None);
    assert_eq!(f.reset, None);
    assert!(f.has_8042());

    // ACPI 3.0 with the reset register and an X_PM1a_CNT_BLK in memory space.
    let mut bytes = fadt_bytes(3, 244, 0x7000, 0x604, fadt::FLAG_RESET_REG_SUP, Some((1, 0xcf9, 6)));
    bytes[140..148].copy_from_slice(&0x1_0000_7000u64.to_le_bytes());
    bytes[172] = 0;
    bytes[173] = 16;
    bytes[176..184].copy_from_slice(&0xfed0_0004u64.to_le_bytes());
    fix_checksum(&mut bytes, 9);
    let f = Fadt::parse(&table(bytes)).unwrap();
    assert_eq!(f.dsdt, Some(0x1_0000_7000));
    assert_eq!(f.pm1a_control.unwrap().space, AddressSpace::SystemMemory);
    assert_eq!(f.pm1a_control.unwrap().address, 0xfed0_0004);
    let reset = f.reset.unwrap();
    assert_eq!((reset.register.space, reset.register.address, reset.value), (AddressSpace::SystemIo, 0xcf9, 6));
    assert!(!f.has_8042(), "revision 3 without the 8042 flag");

    // A reset register the flags do not vouch for is ignored.
    let f = Fadt::parse(&table(fadt_bytes(3, 244, 0x7000, 0x604, 0, Some((1, 0xcf9, 6))))).unwrap();
    assert_eq!(f.reset, None);
    // Too short to hold the flags.
    assert!(matches!(Fadt::parse(&table(fadt_bytes(1, 100, 0, 0, 0, None))), Err(AcpiError::Malformed(..))));
}

pub(super) fn madt_body(entries: &[&[u8]]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&0xfee0_0000u32.to_le_bytes());
    body.extend_from_slice(&1u32.to_le_bytes());
    for e in entries {
        body.extend_from_slice(e);
    }
    body
}

#[test]
fn madt_processors_io_apics_and_overrides() {
    let body = madt_body(&[
        &[0, 8, 0, 0, 1, 0, 0, 0],                          // CPU 0, APIC 0, enabled
        &[0, 8, 1, 1, 1, 0, 0, 0],                          // CPU 1, APIC 1, enabled
        &[0, 8, 2, 2, 2, 0, 0, 0],                          // CPU 2, online capable
        &[0, 8, 3, 3, 0, 0, 0, 0],                          // CPU 3, neither
        &[1, 12, 0, 0, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0],       // I/O APIC 0 at 0xfec00000, GSI 0
        &[2, 10, 0, 0, 2, 0, 0, 0, 0, 0],                   // IRQ0 -> GSI 2
        &[2, 10, 0, 9, 9, 0, 0, 0, 0x0d, 0],                // IRQ9: level, active high
        &[4, 6, 0xff, 0, 0, 1],                             // NMI on LINT1 of every CPU
        &[9, 16, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0], // x2APIC 256, enabled, UID 7
        &[9, 16, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0], // x2APIC copy of APIC 1: ignored
        &[0x7f, 3, 0],                                      // unknown type: skipped
    ]);
    let m = Madt::parse(&table(sdt(b"APIC", 3, &body))).unwrap();
    assert!(!m.malformed);
    assert_eq!(m.local_apic_address, 0xfee0_0000);
    assert!(m.pcat_compat);
    let ids: Vec<(u32, bool, bool)> = m.cpus.iter().map(|c| (c.apic_id, c.enabled, c.online_capable)).collect();
    assert_eq!(ids, [(0, true, false), (1, true, false), (2, false, true), (3, false, false), (256, true, false)]);
    assert_eq!(m.cpus[4].processor_uid, 7);
    assert_eq!(m.enabled_cpus(), 3);
    assert_eq!((m.io_apics[0].address, m.io_apics[0].gsi_base), (0xfec0_0000, 0));
    assert_eq!((m.overrides[0].source_irq, m.overrides[0].gsi), (0, 2));
    assert_eq!(m.overrides[1].trigger(), InterruptMode::LowOrLevel);
    assert_eq!(m.overrides[1].polarity(), InterruptMode::HighOrEdge);
    assert_eq!((m.nmis[0].processor_uid, m.nmis[0].lint), (u32::MAX, 1));
}

#[test]
fn malformed_madt_entries_stop_the_walk_without_panicking() {
    let cpu: &[u8] = &[0, 8, 0, 0, 1, 0, 0, 0];
    for bad in [
        &[0u8, 0][..],               // zero length: would loop forever
        &[0, 1],                     // shorter than its own header
        &[1, 8, 0, 0, 0, 0, 0, 0],   // an I/O APIC entry too short for its fields
        &[0, 200, 0, 0, 1, 0, 0, 0], // runs past the end of the table
        &[0],                        // a lone type byte
    ] {
        let m = Madt::parse(&table(sdt(b"APIC", 3, &madt_body(&[cpu, bad, cpu])))).unwrap();
        assert!(m.malformed, "{bad:?}");
        assert_eq!(m.cpus.len(), 1, "{bad:?}");
    }
    assert!(Madt::parse(&table(sdt(b"APIC", 3, &[0; 4]))).is_err());
    // More processors than kept: counted, not an error.
    let entries: Vec<Vec<u8>> = (0..300u32).map(|i| vec![0, 8, i as u8, (i % 256) as u8, 1, 0, 0, 0]).collect();
    let refs: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
    let m = Madt::parse(&table(sdt(b"APIC", 3, &madt_body(&refs)))).unwrap();
    assert_eq!(m.cpus.len(), 256);
}

#[test]
fn s5_of_qemu_and_other_encodings() {
    let mut aml = vec![0x10, 0x05, b'\\', b'_', b'S', b'B', b'_'];
    aml.extend_from_slice(QEMU_S5);
    assert_eq!(aml::find_sleep_type(&aml, 5), Ok(SleepType { a: 0, b: 0 }));
    // \_S5_ with the root prefix, byte and word constants, and a two-byte PkgLength.
    let aml = [0x08, b'\\', b'_', b'S', b'5', b'_', 0x12, 0x40, 0x08, 0x02, 0x0a, 0x05, 0x0b, 0x07, 0x00];
    let mut padded = aml.to_vec();
    padded.resize(6 + 1 + 0x80, 0xa3);
    assert_eq!(aml::find_sleep_type(&padded, 5), Ok(SleepType { a: 5, b: 7 }));
    // One and dword constants.
    let aml = [0x08, b'_', b'S', b'5', b'_', 0x12, 0x08, 0x02, 0x01, 0x0c, 0x06, 0x00, 0x00, 0x00];
    assert_eq!(aml::find_sleep_type(&aml, 5), Ok(SleepType { a: 1, b: 6 }));
    // One integer holding both values.
    let aml = [0x08, b'_', b'S', b'5', b'_', 0x12, 0x05, 0x01, 0x0b, 0x07, 0x05];
    assert_eq!(aml::find_sleep_type(&aml, 5), Ok(SleepType { a: 7, b: 5 }));
    // Another state's package is not taken for S5.
    let aml = [0x08, b'_', b'S', b'3', b'_', 0x12, 0x04, 0x02, 0x01, 0x01];
    assert_eq!(aml::find_sleep_type(&aml, 5), Err(AmlError::NotFound));
    assert_eq!(aml::find_sleep_type(&aml, 3), Ok(SleepType { a: 1, b: 1 }));
}

#[test]
fn s5_decoding_rejects_malformed_aml() {
    let s5 = |rest: &[u8]| {
        let mut aml = vec![0x08, b'_', b'S', b'5', b'_'];
        aml.extend_from_slice(rest);
        aml::find_sleep_type(&aml, 5)
    };
    assert_eq!(s5(&[]), Err(AmlError::NotAPackage));
    assert_eq!(s5(&[0x14, 0x06, 0x00]), Err(AmlError::NotAPackage)); // a method
    assert_eq!(s5(&[0x12]), Err(AmlError::Truncated));
    assert_eq!(s5(&[0x12, 0x06, 0x04, 0x00]), Err(AmlError::Truncated)); // length past the end
    assert_eq!(s5(&[0x12, 0x41]), Err(AmlError::Truncated)); // PkgLength cut short
    assert_eq!(s5(&[0x12, 0x01, 0x04]), Err(AmlError::Truncated)); // too short for NumElements
    assert_eq!(s5(&[0x12, 0x02, 0x00]), Err(AmlError::Empty));
    assert_eq!(s5(&[0x12, 0x02, 0x02]), Err(AmlError::Empty)); // counted, not present
    assert_eq!(s5(&[0x12, 0x04, 0x02, 0x0b, 0x01]), Err(AmlError::Truncated)); // word cut by the package
    assert_eq!(s5(&[0x12, 0x07, 0x02, 0x0c, 0x01, 0x00, 0x00]), Err(AmlError::Truncated));
    assert_eq!(s5(&[0x12, 0x04, 0x02, 0x0d, 0x41]), Err(AmlError::NotAnInteger(0x0d))); // a string
    assert_eq!(s5(&[0x12, 0x04, 0x02, 0xff, 0x00]), Err(AmlError::OutOfRange(u64::MAX)));
    assert_eq!(s5(&[0x12, 0x05, 0x02, 0x0a, 0x08, 0x00]), Err(AmlError::OutOfRange(8)));
    // A stray "_S5_" that is not a Name is skipped; the real one after it is found.
    let mut aml = b"\x0d_S5_\x00".to_vec();
    aml.extend_from_slice(QEMU_S5);
    assert_eq!(aml::find_sleep_type(&aml, 5), Ok(SleepType { a: 0, b: 0 }));
    // A bad one first and a good one after: the good one.
    let mut aml = vec![0x08, b'_', b'S', b'5', b'_', 0x12, 0x7f];
    aml.extend_from_slice(QEMU_S5);
    assert_eq!(aml::find_sleep_type(&aml, 5), Ok(SleepType { a: 0, b: 0 }));
    assert_eq!(aml::find_sleep_type(b"_S5_", 5), Err(AmlError::NotFound));
    assert_eq!(aml::find_sleep_type(b"", 5), Err(AmlError::NotFound));
}

/// A QEMU-like machine: RSDP v0 -> RSDT -> FADT (-> DSDT) and MADT.
pub(super) fn qemu_like_memory(fadt_reset: bool) -> Memory {
    let mut mem = Memory::default();
    mem.put(0xf_5000, &rsdp_v1(0x1000));
    mem.put(0x1000, &sdt(b"RSDT", 1, &root_entries(4, &[0x2000, 0x3000])));
    let (flags, reset) = if fadt_reset { (fadt::FLAG_RESET_REG_SUP, Some((1, 0xcf9, 6))) } else { (0, None) };
    mem.put(0x2000, &fadt_bytes(3, 244, 0x4000, 0x604, flags, reset));
    let mut dsdt_body = vec![0x10, 0x05, b'\\', b'_', b'S', b'B', b'_'];
    dsdt_body.extend_from_slice(QEMU_S5);
    mem.put(0x4000, &sdt(b"DSDT", 1, &dsdt_body));
    mem.put(0x3000, &sdt(b"APIC", 1, &madt_body(&[&[0, 8, 0, 0, 1, 0, 0, 0], &[0, 8, 1, 1, 1, 0, 0, 0]])));
    mem
}

#[test]
fn discovery_of_a_whole_machine() {
    let mem = qemu_like_memory(true);
    let rsdp = tables::find_rsdp(&mem, Some(0xf_5000)).unwrap();
    let acpi = discover(&mem, rsdp).unwrap();
    assert_eq!(acpi.root, Signature::RSDT);
    assert_eq!(acpi.cpu_count(), 2);
    assert_eq!(acpi.s5, Ok(SleepType { a: 0, b: 0 }));
    let off = acpi.soft_off().unwrap();
    assert_eq!(off.pm1a.0.address, 0x604);
    assert_eq!(off.pm1a.1, 0);
    assert_eq!(off.pm1b, None);
    assert_eq!((off.smi_command, off.acpi_enable), (0xb2, 0xf1));
    assert!(acpi.fadt.as_ref().unwrap().reset.is_some());

    // A DSDT with a bad checksum: no S5, but the rest stands.
    let mut mem = qemu_like_memory(false);
    let dsdt = mem.chunks.iter_mut().find(|(a, _)| *a == 0x4000).unwrap();
    dsdt.1[40] ^= 0x55;
    let acpi = discover(&mem, rsdp).unwrap();
    assert!(matches!(acpi.s5, Err(SleepTypeError::Table(AcpiError::BadChecksum { .. }))));
    assert!(acpi.soft_off().is_err());
    assert_eq!(acpi.cpu_count(), 2);
}

#[test]
fn pm1_control_value_keeps_other_bits() {
    assert_eq!(pm1_sleep_value(PM1_SCI_EN, 0), PM1_SCI_EN | PM1_SLP_EN);
    assert_eq!(pm1_sleep_value(0x1c01 | PM1_SLP_EN, 5), 0x1401 | PM1_SLP_EN);
    assert_eq!(pm1_sleep_value(0, 7), 0x1c00 | PM1_SLP_EN);
    let _ = GenericAddress { space: AddressSpace::SystemIo, bit_width: 16, bit_offset: 0, access_size: 2, address: 0 };
}
