//! Boots the kernel ELF through its PVH entry and checks the banner, the clean exit, and
//! the exception reports of injected faults.

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
