//! Boots the kernel with the guest programs: `init` runs every guest test under a time
//! limit and ends the machine with success only if all passed.

use std::time::Duration;

use integration::initfs::{guest_initfs, guest_tests};
use integration::{Boot, Ending, Firmware, kernel_elf};

/// The `N passed, M failed` line init prints last.
fn summary(serial: &str) -> Option<(usize, usize)> {
    serial.lines().rev().find_map(|line| {
        let (passed, failed) = line.trim().split_once(" passed, ")?;
        Some((passed.parse().ok()?, failed.strip_suffix(" failed")?.parse().ok()?))
    })
}

#[test]
fn guest_suite_passes() {
    let mut boot = Boot::new(kernel_elf(), Firmware::Pvh);
    boot.initrd = Some(guest_initfs());
    boot.timeout = Duration::from_secs(600);
    let out = boot.run().expect("QEMU runs");
    let expected = guest_tests();
    assert!(!out.serial.contains("KERNEL PANIC") && !out.serial.contains("KERNEL EXCEPTION"), "{}", out.serial);
    assert_eq!(summary(&out.serial), Some((expected.len(), 0)), "serial:\n{}", out.serial);
    for test in &expected {
        assert!(out.serial.contains(&format!("PASS {test} (")), "{test} did not pass:\n{}", out.serial);
    }
    assert_eq!(out.ending, Ending::Success, "serial:\n{}", out.serial);
    println!("guest suite: {} tests in {:.2} s of QEMU time", expected.len(), out.elapsed.as_secs_f64());
}

#[test]
fn summary_line_is_parsed() {
    assert_eq!(summary("x\n3 passed, 1 failed\n"), Some((3, 1)));
    assert_eq!(summary("nothing"), None);
}
