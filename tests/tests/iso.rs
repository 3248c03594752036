//! Boots the GRUB ISO (multiboot2 entry) under SeaBIOS and under OVMF: the paths a bare
//! x86_64 machine takes; checks the GRUB menu's entries, boots one of its stress
//! entries on a machine without QEMU's exit device, and presses the power button of such
//! a machine under both firmwares.

use std::time::Duration;

use integration::{Boot, Ending, Firmware, kernel_iso};

fn boot_iso(firmware: Firmware, name: &str, cmdline: &str) -> integration::Outcome {
    boot_iso_on(firmware, name, cmdline, 1)
}

fn boot_iso_on(firmware: Firmware, name: &str, cmdline: &str, cpus: u32) -> integration::Outcome {
    let mut boot = Boot::new(kernel_iso(name, cmdline), firmware);
    boot.timeout = Duration::from_secs(180);
    boot.cpus = cpus;
    boot.run().expect("QEMU runs")
}

/// The other CPUs come up from GRUB's start as from QEMU's PVH one, under both firmwares
/// (OVMF's q35 tables and SeaBIOS's i440FX ones).
#[test]
fn iso_starts_four_cpus_under_seabios_and_ovmf() {
    for (firmware, name) in [(Firmware::Bios, "test-bios-smp"), (Firmware::Uefi, "test-uefi-smp")] {
        let out = boot_iso_on(firmware, name, "", 4);
        assert_eq!(out.ending, Ending::Success, "{firmware:?}:\n{}", out.serial);
        assert!(out.serial.contains("CPUs (4 enabled)"), "{firmware:?}:\n{}", out.serial);
        assert!(out.serial.contains("CPUs: 4 running"), "{firmware:?}:\n{}", out.serial);
    }
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
    // GRUB hands over the RSDP (multiboot2 tag 14 or 15): OVMF's tables.
    assert!(out.serial.contains("INFO  acpi: ") && out.serial.contains("CPUs (1 enabled)"), "{}", out.serial);
}

#[test]
fn iso_powers_off_under_ovmf_and_seabios_without_the_exit_device() {
    for (firmware, name) in [(Firmware::Uefi, "test-uefi-poweroff"), (Firmware::Bios, "test-bios-poweroff")] {
        let mut boot = Boot::new(kernel_iso(name, "end=poweroff"), firmware);
        boot.timeout = Duration::from_secs(180);
        boot.debug_exit = false;
        let out = boot.run().expect("QEMU runs");
        let s = &out.serial;
        assert_eq!(out.ending, Ending::Success, "{firmware:?}:\n{s}");
        assert!(s.contains("booted via Multiboot2"), "{s}");
        assert!(s.contains("kestrel: end of run (success): powering off (ACPI S5"), "{firmware:?}:\n{s}");
    }
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

/// `scripts/mkiso` over a small initfs of `init` and `stress_msg`, default entry `default`.
fn small_menu_iso(name: &str, default: &str) -> std::path::PathBuf {
    let root = integration::workspace_root();
    let initfs = integration::initfs::small_image("iso-menu", &["stress_msg"], None);
    let out_iso = root.join(format!("target/iso/{name}.iso"));
    let status = std::process::Command::new(root.join("scripts/mkiso"))
        .args(["--initfs".as_ref(), initfs.as_os_str(), "--default".as_ref(), default.as_ref()])
        .arg(integration::kernel_elf())
        .arg(&out_iso)
        .arg("log=info")
        .stdout(std::process::Stdio::null())
        .status()
        .expect("mkiso runs");
    assert!(status.success());
    out_iso
}

/// The ISO's `/boot/grub/grub.cfg`, read back with xorriso.
fn grub_cfg(iso: &std::path::Path) -> String {
    let out = iso.with_extension("grub.cfg");
    let _ = std::fs::remove_file(&out);
    let status = std::process::Command::new("xorriso")
        .args(["-osirrox", "on", "-indev"])
        .arg(iso)
        .args(["-extract", "/boot/grub/grub.cfg"])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("xorriso runs");
    assert!(status.success(), "extracting grub.cfg from {}", iso.display());
    std::fs::read_to_string(&out).expect("reading the extracted grub.cfg")
}

/// The kernel command line of the menu entry with id `id`.
fn entry_cmdline<'a>(cfg: &'a str, id: &str) -> Option<&'a str> {
    let header = format!("--id {id} {{");
    let mut lines = cfg.lines().skip_while(|l| !l.trim_end().ends_with(&header)).skip(1);
    let line = lines.next()?.trim().strip_prefix("multiboot2 /boot/kernel.elf")?;
    Some(line.trim())
}

#[test]
fn iso_menu_offers_the_suite_each_stress_test_and_the_benchmark() {
    let cfg = grub_cfg(&small_menu_iso("test-menu", "suite"));
    assert!(cfg.contains("set default=suite"), "{cfg}");
    let expected = [
        ("suite", "log=info"),
        ("suite-poweroff", "end=poweroff log=info"),
        ("suite-halt", "end=halt log=info"),
        ("stress_sem", "end=poweroff log=info -- stress_sem 32 16 3"),
        ("stress_msg", "end=poweroff log=info -- stress_msg 16 3"),
        ("stress_mq", "end=poweroff log=info -- stress_mq 12 3"),
        ("stress_shm", "end=poweroff log=info -- stress_shm 8 6 3"),
        ("stress_all", "end=poweroff log=info -- stress_all 3"),
        ("leaks", "end=poweroff log=info -- c_leaks 100000 10000"),
        ("bench", "end=poweroff log=info -- ipcbench"),
    ];
    for (id, cmdline) in expected {
        assert_eq!(entry_cmdline(&cfg, id), Some(cmdline), "entry {id}:\n{cfg}");
    }
    assert_eq!(cfg.matches("menuentry ").count(), expected.len(), "{cfg}");
    assert_eq!(cfg.matches("module2 /boot/initfs.img initfs").count(), expected.len(), "{cfg}");
    // The stress programs the entries name are in the standard guest image.
    let tests = integration::initfs::guest_tests();
    for program in ["stress_sem", "stress_msg", "stress_mq", "stress_shm", "stress_all"] {
        assert!(tests.iter().any(|t| t == program), "{program} is not a guest program");
    }
}

#[test]
fn iso_stress_entry_runs_under_seabios_without_the_exit_device() {
    let iso = small_menu_iso("test-menu-stress", "stress_msg");
    let mut boot = Boot::new(iso, Firmware::Bios);
    boot.timeout = Duration::from_secs(180);
    boot.debug_exit = false;
    let out = boot.run().expect("QEMU runs");
    let s = &out.serial;
    assert_eq!(out.ending, Ending::Success, "serial:\n{s}");
    assert!(s.contains("booted via Multiboot2"), "{s}");
    assert!(s.contains("command line \"end=poweroff log=info -- stress_msg 16 3\""), "{s}");
    assert!(s.contains("stress_msg: 16 processes, 3 s"), "{s}");
    assert!(s.contains("init: stress_msg ended with exit status 0"), "{s}");
    assert!(s.contains("kestrel: end of run (success): powering off (ACPI S5"), "{s}");
}

/// The firmware's own path to ACPI mode and its tables (SeaBIOS on i440FX, OVMF on q35):
/// the kernel arms the power button, and a press powers the machine off.
#[test]
fn iso_power_button_powers_off_under_seabios_and_ovmf() {
    let root = integration::workspace_root();
    let initfs = integration::initfs::small_image("iso-power-button", &["t_helper"], None);
    for (firmware, name) in [(Firmware::Bios, "test-bios-power-button"), (Firmware::Uefi, "test-uefi-power-button")] {
        let out_iso = root.join(format!("target/iso/{name}.iso"));
        let status = std::process::Command::new(root.join("scripts/mkiso"))
            .args(["--initfs".as_ref(), initfs.as_os_str()])
            .arg(integration::kernel_elf())
            .arg(&out_iso)
            .args(["--", "t_helper", "sleep", "120000"])
            .stdout(std::process::Stdio::null())
            .status()
            .expect("mkiso runs");
        assert!(status.success());
        let mut boot = Boot::new(out_iso, firmware);
        boot.timeout = Duration::from_secs(180);
        boot.debug_exit = false;
        boot.command_after_line = Some(("power button armed".into(), "system_powerdown".into()));
        let out = boot.run().expect("QEMU runs");
        let s = &out.serial;
        assert!(s.contains("booted via Multiboot2"), "{firmware:?}:\n{s}");
        assert!(s.contains("power button: ending the run"), "{firmware:?}:\n{s}");
        assert!(s.contains("kestrel: end of run (power button): powering off (ACPI S5"), "{firmware:?}:\n{s}");
        assert_eq!(out.ending, Ending::Other(0), "{firmware:?}: QEMU powered off by itself:\n{s}");
    }
}
