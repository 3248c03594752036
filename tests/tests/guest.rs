//! Boots the kernel with the guest programs: `init` runs every guest test under a time
//! limit and ends the machine with success only if all passed.

use std::time::Duration;

use integration::initfs::guest_initfs;
use std::path::Path;

use integration::{Boot, Ending, Firmware, debug_kernel_elf, kernel_elf};
use kestrel_abi::initfs::{Image, MANIFEST};

/// The `N passed, M failed` line init prints last.
fn summary(serial: &str) -> Option<(usize, usize)> {
    serial.lines().rev().find_map(|line| {
        let (passed, failed) = line.trim().split_once(" passed, ")?;
        Some((passed.parse().ok()?, failed.strip_suffix(" failed")?.parse().ok()?))
    })
}

#[test]
fn guest_suite_passes() {
    run_suite(&kernel_elf(), 1, "guest suite");
}

/// The same suite on a machine with four CPUs, where the tests' processes and threads
/// run in parallel.
#[test]
fn guest_suite_passes_on_four_cpus() {
    run_suite(&kernel_elf(), 4, "guest suite (4 CPUs)");
}

/// The same suite on the kernel built with debug assertions, where taking the IPC locks
/// out of their written order (`context::lock_order`) panics, on two CPUs.
#[test]
fn guest_suite_passes_with_debug_assertions() {
    run_suite(&debug_kernel_elf(), 2, "guest suite (debug kernel, 2 CPUs)");
}

fn run_suite(kernel: &Path, cpus: u32, what: &str) {
    let mut boot = Boot::new(kernel.to_path_buf(), Firmware::Pvh);
    boot.cpus = cpus;
    boot.initrd = Some(guest_initfs());
    boot.timeout = Duration::from_secs(600);
    let out = boot.run().expect("QEMU runs");
    let image = std::fs::read(boot.initrd.as_ref().expect("set above")).expect("the initfs image is readable");
    let image = Image::parse(&image).expect("the initfs image parses");
    let manifest = std::str::from_utf8(image.find(MANIFEST).expect("the image has a manifest").data).expect("UTF-8");
    let expected: Vec<&str> = manifest.lines().filter_map(|l| l.split_whitespace().next()).collect();
    assert!(expected.iter().any(|t| t.starts_with("c_")), "the manifest lists C tests: {expected:?}");
    assert!(!out.serial.contains("KERNEL PANIC") && !out.serial.contains("KERNEL EXCEPTION"), "{}", out.serial);
    assert_eq!(summary(&out.serial), Some((expected.len(), 0)), "serial:\n{}", out.serial);
    for test in &expected {
        assert!(out.serial.contains(&format!("PASS {test} (")), "{test} did not pass:\n{}", out.serial);
    }
    assert_eq!(out.ending, Ending::Success, "serial:\n{}", out.serial);
    if cpus > 1 {
        assert!(out.serial.contains(&format!("CPUs: {cpus} running")), "not every CPU started:\n{}", out.serial);
    }
    // Programs see the machine's CPUs through sysconf (c_sigcpu prints them).
    let online = format!("CPUs online: {cpus}, configured: {cpus}");
    assert!(out.serial.contains(&online), "sysconf does not give {cpus} CPUs:\n{}", out.serial);
    println!("{what}: {} tests in {:.2} s of QEMU time", expected.len(), out.elapsed.as_secs_f64());
}

#[test]
fn summary_line_is_parsed() {
    assert_eq!(summary("x\n3 passed, 1 failed\n"), Some((3, 1)));
    assert_eq!(summary("nothing"), None);
}
