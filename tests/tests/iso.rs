//! Boots the GRUB ISO (multiboot2 entry) under SeaBIOS and under OVMF: the paths a bare
//! x86_64 machine takes.

use std::time::Duration;

use integration::{Boot, Ending, Firmware, kernel_iso};

fn boot_iso(firmware: Firmware, name: &str, cmdline: &str) -> integration::Outcome {
    let mut boot = Boot::new(kernel_iso(name, cmdline), firmware);
    boot.timeout = Duration::from_secs(180);
    boot.run().expect("QEMU runs")
}

#[test]
fn iso_boots_under_seabios() {
    let out = boot_iso(Firmware::Bios, "test-bios", "");
    assert_eq!(out.ending, Ending::Success, "serial:\n{}", out.serial);
    assert!(out.serial.contains("booted via Multiboot2"), "{}", out.serial);
    assert!(out.serial.contains("INFO  memory: "), "{}", out.serial);
}

#[test]
fn iso_boots_under_ovmf() {
    let out = boot_iso(Firmware::Uefi, "test-uefi", "");
    assert_eq!(out.ending, Ending::Success, "serial:\n{}", out.serial);
    assert!(out.serial.contains("booted via Multiboot2"), "{}", out.serial);
    assert!(out.serial.contains("INFO  memory: "), "{}", out.serial);
}

#[test]
fn iso_passes_the_command_line_and_reports_faults() {
    let out = boot_iso(Firmware::Bios, "test-bios-fault", "test_fault=page");
    assert_eq!(out.ending, Ending::Failure, "serial:\n{}", out.serial);
    assert!(out.serial.contains("command line \"test_fault=page\""), "{}", out.serial);
    assert!(out.serial.contains("!!! KERNEL EXCEPTION: page fault"), "{}", out.serial);
}
