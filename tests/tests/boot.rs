//! Boots the kernel ELF through its PVH entry and checks the banner, the clean exit, the
//! exception reports of injected faults, and the ends of a run on a machine without
//! QEMU's exit device (ACPI soft-off and reset, on the PIIX4 and the ICH9 chipsets).

use std::path::PathBuf;
use std::sync::OnceLock;

use integration::symbolize::{self, Symbolizer};
use integration::{Boot, Ending, Firmware, kernel_elf};

fn boot(append: &str) -> integration::Outcome {
    let mut boot = Boot::new(kernel_elf(), Firmware::Pvh);
    boot.append = append.to_string();
    boot.run().expect("QEMU runs")
}

fn assert_banner(serial: &str, protocol: &str) {
    for needle in [
        &format!("kestrel {} (x86_64) booted via {protocol}", env!("CARGO_PKG_VERSION")) as &str,
        "INFO  memory: ",
        "MiB usable in",
        "INFO  clock: TSC at ",
        "calibrated against the PIT",
        "INFO  realtime: 20",
        "from the CMOS RTC",
        "INFO  boot time: ",
        "INFO  acpi: ",
        "CPUs (1 enabled)",
    ] {
        assert!(serial.contains(needle), "banner lacks {needle:?}:\n{serial}");
    }
}

#[test]
fn boots_prints_banner_and_exits_cleanly() {
    let out = boot("");
    assert_eq!(out.ending, Ending::Success, "serial:\n{}", out.serial);
    assert_banner(&out.serial, "Pvh");
    assert!(!out.serial.contains("KERNEL"), "no panic or exception expected:\n{}", out.serial);
}

#[test]
fn injected_page_fault_is_reported_and_fails_the_run() {
    let out = boot("test_fault=page");
    assert_eq!(out.ending, Ending::Failure, "serial:\n{}", out.serial);
    let s = &out.serial;
    assert!(s.contains("!!! KERNEL EXCEPTION: page fault (#PF, vector 14)"), "{s}");
    assert!(s.contains("error code 0x2: write to a non-present page in kernel mode at CR2=0x0000000012345000"), "{s}");
    for reg in ["RIP=0xffffffff8", "RSP=", "CR3=", "RAX=", "R15="] {
        assert!(s.contains(reg), "report lacks {reg}:\n{s}");
    }
    assert!(s.contains("(faulting instruction)"), "stack trace names the faulting RIP:\n{s}");
    // The report with names, as qemu-run prints it: the faulting instruction is in the
    // function that injects the fault, on a line of start.rs.
    let names = Symbolizer::new(&kernel_elf()).expect("the kernel ELF has symbols");
    let report = symbolize::annotate(s, &names).expect("a report to symbolize");
    // The faulting RIP's block: its line and the source lines under it.
    let mut lines = report.lines().skip(1);
    let rip = lines.next().unwrap_or_default();
    let block: Vec<&str> = core::iter::once(rip).chain(lines.take_while(|l| !l.starts_with("  0x"))).collect();
    let block = block.join("\n");
    assert!(block.contains("kernel::start::inject_fault at kernel/src/start.rs:"), "{report}");
}

#[test]
fn injected_general_protection_fault_is_reported() {
    let out = boot("test_fault=gp");
    assert_eq!(out.ending, Ending::Failure, "serial:\n{}", out.serial);
    assert!(out.serial.contains("!!! KERNEL EXCEPTION: general protection fault (#GP, vector 13)"), "{}", out.serial);
}

#[test]
fn injected_divide_error_is_reported() {
    let out = boot("test_fault=divide");
    assert_eq!(out.ending, Ending::Failure, "serial:\n{}", out.serial);
    assert!(out.serial.contains("!!! KERNEL EXCEPTION: divide error (#DE, vector 0)"), "{}", out.serial);
}

#[test]
fn panic_is_reported_with_location() {
    let out = boot("test_fault=panic");
    assert_eq!(out.ending, Ending::Failure, "serial:\n{}", out.serial);
    assert!(out.serial.contains("!!! KERNEL PANIC: test panic requested on the command line"), "{}", out.serial);
    assert!(out.serial.contains("at kernel/src/start.rs:"), "{}", out.serial);
    let names = Symbolizer::new(&kernel_elf()).expect("the kernel ELF has symbols");
    let report = symbolize::annotate(&out.serial, &names).expect("a report to symbolize");
    assert!(report.contains("panic"), "the trace names the panic path:\n{report}");
}

#[test]
fn a_hung_kernel_times_out_with_a_report_of_where_it_spins() {
    let mut boot = Boot::new(kernel_elf(), Firmware::Pvh);
    boot.append = "test_fault=hang".to_string();
    boot.timeout = std::time::Duration::from_secs(5);
    let out = boot.run().expect("QEMU runs");
    assert_eq!(out.ending, Ending::TimedOut, "serial:\n{}", out.serial);
    let state = out.hang_state.expect("the monitor answered before the machine was killed");
    let names = Symbolizer::new(&kernel_elf()).expect("the kernel ELF has symbols");
    let report = symbolize::hang_report(&state, &names);
    assert!(report.contains("hang_for_test"), "the report names the loop:\n{report}\n{state}");
}

#[test]
fn unknown_boot_options_are_warned_about_not_fatal() {
    let out = boot("frobnicate=1 log=debug");
    assert_eq!(out.ending, Ending::Success, "serial:\n{}", out.serial);
    assert!(out.serial.contains("ignoring unknown boot option \"frobnicate=1\""), "{}", out.serial);
    assert!(out.serial.contains("DEBUG memory "), "log=debug shows the memory map:\n{}", out.serial);
}

#[test]
fn program_status_is_read_from_init_closing_line() {
    use integration::guest_program_status;
    assert_eq!(guest_program_status("x\ninit: prog ended with exit status 3\n"), Some(3));
    assert_eq!(guest_program_status("init: prog ended with killed by signal 11"), Some(139));
    assert_eq!(guest_program_status("init: running 3 tests"), None);
}

/// `init`, `t_clock` and `stress_msg` with a manifest naming `t_clock`: a guest suite of
/// one quick test, and a stress program for the command line to name.
fn small_initfs() -> PathBuf {
    static IMAGE: OnceLock<PathBuf> = OnceLock::new();
    IMAGE
        .get_or_init(|| integration::initfs::small_image("boot-end", &["t_clock", "stress_msg"], Some("t_clock")))
        .clone()
}

/// A boot with the small initfs on `machine`, without QEMU's exit device.
fn boot_without_exit_device(machine: &str, append: &str, cpus: u32) -> integration::Outcome {
    let mut boot = Boot::new(kernel_elf(), Firmware::Pvh);
    boot.append = append.to_string();
    boot.initrd = Some(small_initfs());
    boot.debug_exit = false;
    boot.cpus = cpus;
    boot.qemu_args = ["-machine", machine].iter().map(|a| a.to_string()).collect();
    boot.run().expect("QEMU runs")
}

#[test]
fn poweroff_ends_a_machine_without_the_exit_device() {
    for (machine, smp) in [("pc", 1), ("q35", 2)] {
        let out = boot_without_exit_device(machine, "end=poweroff", smp);
        let s = &out.serial;
        // QEMU ended by itself (not the time limit), after the kernel's success line.
        assert_eq!(out.ending, Ending::Success, "{machine}:\n{s}");
        assert!(s.contains("1 passed, 0 failed"), "{machine}: the summary:\n{s}");
        assert!(s.contains("shutdown requested by pid 1: Success"), "{machine}:\n{s}");
        assert!(s.contains("kestrel: end of run (success): powering off (ACPI S5, PM1a_CNT"), "{machine}:\n{s}");
        assert!(s.contains(&format!("CPUs ({smp} enabled)")), "{machine}: the MADT's processors:\n{s}");
        assert!(!s.contains("power-off failed"), "{machine}:\n{s}");
    }
}

#[test]
fn a_failed_run_powers_off_reporting_failure() {
    let out = boot_without_exit_device("pc", "end=poweroff -- no_such_program", 1);
    assert_eq!(out.ending, Ending::Failure, "serial:\n{}", out.serial);
    assert!(out.serial.contains("init: cannot start /scheme/initfs/no_such_program"), "{}", out.serial);
    assert!(out.serial.contains("kestrel: end of run (failure): powering off"), "{}", out.serial);
}

#[test]
fn reboot_ends_qemu_under_no_reboot() {
    for machine in ["pc", "q35"] {
        let out = boot_without_exit_device(machine, "end=reboot", 1);
        let s = &out.serial;
        assert_eq!(out.ending, Ending::Success, "{machine}:\n{s}");
        assert!(s.contains("1 passed, 0 failed"), "{machine}:\n{s}");
        assert!(s.contains("kestrel: end of run (success): resetting the machine"), "{machine}:\n{s}");
        assert!(s.contains("kestrel: reset through the "), "{machine}:\n{s}");
        assert!(!s.contains("triple fault"), "{machine}: a reset path before the last resort:\n{s}");
    }
}

#[test]
fn the_command_line_names_the_program_init_runs() {
    let out = boot_without_exit_device("q35", "end=poweroff -- stress_msg 4 1", 1);
    let s = &out.serial;
    assert_eq!(out.ending, Ending::Success, "serial:\n{s}");
    assert!(s.contains("stress_msg: 4 processes, 1 s"), "the arguments reach the program:\n{s}");
    assert!(s.contains("init: stress_msg ended with exit status 0"), "{s}");
    assert!(!s.contains("init: running"), "the manifest is not run:\n{s}");
    assert!(!s.contains("ignoring unknown boot option"), "init's words are not the kernel's:\n{s}");
}

#[test]
fn halt_leaves_the_machine_stopped_with_the_result_on_the_console() {
    let mut boot = Boot::new(kernel_elf(), Firmware::Pvh);
    boot.append = "end=halt".to_string();
    boot.initrd = Some(small_initfs());
    boot.timeout = std::time::Duration::from_secs(8);
    let out = boot.run().expect("QEMU runs");
    // The exit device is there, but end=halt does not use it: the machine stays up.
    assert_eq!(out.ending, Ending::TimedOut, "serial:\n{}", out.serial);
    assert!(out.serial.contains("1 passed, 0 failed"), "{}", out.serial);
    assert!(out.serial.contains("kestrel: end of run (success): halting"), "{}", out.serial);
}

/// A boot of the small suite on `cpus` CPUs with extra QEMU arguments; the exit device
/// ends it.
fn boot_small_suite(cpus: u32, extra: &[&str]) -> integration::Outcome {
    let mut boot = Boot::new(kernel_elf(), Firmware::Pvh);
    boot.initrd = Some(small_initfs());
    boot.cpus = cpus;
    boot.qemu_args = extra.iter().map(|a| a.to_string()).collect();
    boot.run().expect("QEMU runs")
}

#[test]
fn every_cpu_the_madt_lists_starts_and_takes_the_tick() {
    for cpus in [2, 4] {
        let out = boot_small_suite(cpus, &[]);
        let s = &out.serial;
        assert_eq!(out.ending, Ending::Success, "{cpus} CPUs:\n{s}");
        assert!(s.contains(&format!("CPUs: {cpus} running")), "{cpus} CPUs:\n{s}");
        assert!(!s.contains("did not start"), "{cpus} CPUs:\n{s}");
        assert!(s.contains("timer: local APIC 0 at 1000 Hz"), "the APIC timer is the tick:\n{s}");
    }
}

#[test]
fn a_modern_cpu_model_boots() {
    let out = boot_small_suite(2, &["-cpu", "max"]);
    assert_eq!(out.ending, Ending::Success, "-cpu max:\n{}", out.serial);
    assert!(out.serial.contains("CPUs: 2 running"), "-cpu max:\n{}", out.serial);
}

#[test]
fn a_machine_without_a_pit_calibrates_against_the_acpi_pm_timer() {
    for machine in ["pc,pit=off", "q35,pit=off"] {
        let out = boot_small_suite(2, &["-machine", machine]);
        let s = &out.serial;
        assert_eq!(out.ending, Ending::Success, "{machine}:\n{s}");
        assert!(s.contains("calibrated against the ACPI PM timer"), "{machine}:\n{s}");
        assert!(s.contains("timer: local APIC"), "{machine}:\n{s}");
    }
}

#[test]
fn the_pit_can_still_be_the_tick() {
    let mut boot = Boot::new(kernel_elf(), Firmware::Pvh);
    boot.initrd = Some(small_initfs());
    boot.append = "timer=pit".to_string();
    let out = boot.run().expect("QEMU runs");
    assert_eq!(out.ending, Ending::Success, "timer=pit:\n{}", out.serial);
    assert!(out.serial.contains("timer: PIT at 1000 Hz"), "timer=pit:\n{}", out.serial);
}
