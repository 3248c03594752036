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

#[test]
fn iso_with_initfs_runs_the_guest_suite_under_seabios() {
    let root = integration::workspace_root();
    let out_iso = root.join("target/iso/test-bios-guest.iso");
    let status = std::process::Command::new(root.join("scripts/mkiso"))
        .arg("--initfs")
        .arg(integration::initfs::guest_initfs())
        .arg(integration::kernel_elf())
        .arg(&out_iso)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("mkiso runs");
    assert!(status.success());
    let mut boot = Boot::new(out_iso, Firmware::Bios);
    boot.timeout = Duration::from_secs(600);
    let out = boot.run().expect("QEMU runs");
    assert_eq!(out.ending, Ending::Success, "serial:\n{}", out.serial);
    assert!(out.serial.contains("booted via Multiboot2"), "{}", out.serial);
    assert!(out.serial.contains(" passed, 0 failed"), "{}", out.serial);
}
