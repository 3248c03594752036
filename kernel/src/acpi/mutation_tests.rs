//! Bad firmware tables must never panic the kernel: valid fixtures with bytes changed,
//! lengths cut or grown and checksums fixed up again (so the parsers, not only the
//! checksum test, meet the damage), thousands of times, from a fixed seed.

use super::aml;
use super::fadt::Fadt;
use super::madt::Madt;
use super::tables::{self, Table};
use super::tests::{Memory, QEMU_S5, fadt_bytes, fix_checksum, madt_body, qemu_like_memory, sdt};
use super::{discover, fadt};

/// xorshift64*: reproducible without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Changes a few bytes, maybe cuts or extends the table, then makes the header's length
/// and checksum agree with the result (a table that is wrong but self-consistent).
fn damage(rng: &mut Rng, table: &[u8], keep_header_consistent: bool) -> Vec<u8> {
    let mut t = table.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(t.len());
        t[at] = rng.next() as u8;
    }
    match rng.below(4) {
        0 => t.truncate(rng.below(t.len() + 1)),
        1 => t.extend((0..rng.below(64)).map(|_| rng.next() as u8)),
        _ => {}
    }
    if keep_header_consistent && t.len() >= 36 {
        let len = t.len() as u32;
        t[4..8].copy_from_slice(&len.to_le_bytes());
        fix_checksum(&mut t, 9);
    }
    t
}

#[test]
fn damaged_tables_are_errors_not_panics() {
    let mut rng = Rng(0x6b65_7374_7265_6c21);
    let madt = sdt(
        b"APIC",
        3,
        &madt_body(&[
            &[0, 8, 0, 0, 1, 0, 0, 0],
            &[1, 12, 0, 0, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0],
            &[2, 10, 0, 0, 2, 0, 0, 0, 0, 0],
            &[4, 6, 0xff, 0, 0, 1],
            &[9, 16, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0],
        ]),
    );
    let fadt = fadt_bytes(3, 244, 0x7000, 0x604, fadt::FLAG_RESET_REG_SUP, Some((1, 0xcf9, 6)));
    let mut dsdt_body = b"\x10\x05\\_SB_".to_vec();
    dsdt_body.extend_from_slice(QEMU_S5);
    let mut parsed = [0; 3];
    for _ in 0..5000 {
        let consistent = rng.below(4) != 0;
        if let Ok(t) = Table::from_bytes(0x1000, damage(&mut rng, &madt, consistent)) {
            parsed[0] += usize::from(Madt::parse(&t).is_ok());
        }
        if let Ok(t) = Table::from_bytes(0x1000, damage(&mut rng, &fadt, consistent)) {
            parsed[1] += usize::from(Fadt::parse(&t).is_ok());
        }
        let aml = damage(&mut rng, &dsdt_body, false);
        parsed[2] += usize::from(aml::find_sleep_type(&aml, 5).is_ok());
    }
    // The damage reached the parsers, which still made sense of much of it.
    assert!(parsed.iter().all(|&n| n > 500), "{parsed:?}");
}

#[test]
fn a_damaged_machine_is_discovered_without_panicking() {
    let mut rng = Rng(0x5335_5f5f_4143_5049);
    let mut discovered = 0;
    for _ in 0..3000 {
        let mut mem: Memory = qemu_like_memory(rng.below(2) == 0);
        let victim = rng.below(mem.chunks.len());
        let consistent = rng.below(3) != 0;
        let damaged = damage(&mut rng, &mem.chunks[victim].1, consistent && mem.chunks[victim].0 != 0xf_5000);
        mem.chunks[victim].1 = damaged;
        let Ok(rsdp) = tables::find_rsdp(&mem, Some(0xf_5000)) else { continue };
        if let Ok(acpi) = discover(&mem, rsdp) {
            let _ = acpi.soft_off();
            let _ = acpi.cpu_count();
            discovered += 1;
        }
    }
    assert!(discovered > 1000, "{discovered}");
}
