//! `just fuzz`, short and seeded: random system and scheme calls from root and
//! unprivileged workers (userspace/src/bin/fuzz.rs) end with no kernel panic, no hang,
//! the System V objects left removable, and the kernel still serving fork, semaphores
//! and pipes; once on the release kernel and once on the debug kernel, whose lock-order
//! and other debug assertions are live.

use std::process::Command;

use integration::workspace_root;

fn fuzz(kernel: &std::path::Path, seconds: &str, seed: &str) {
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let built = Command::new(cargo)
        .args(["build", "-q", "-p", "userspace", "--release", "--bin", "init", "--bin", "fuzz"])
        .current_dir(&root)
        .status()
        .expect("cargo runs");
    assert!(built.success(), "building the fuzzer failed");
    let out = Command::new(root.join("scripts/run-guest"))
        .arg(root.join("target/release/fuzz"))
        .args([seconds, seed])
        .env("KESTREL_RUN_KERNEL", kernel)
        .env("RUN_TIMEOUT", "300")
        .output()
        .expect("run-guest runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(out.status.success(), "fuzz failed on {}:\n{stdout}\n{stderr}", kernel.display());
    assert!(stdout.contains("calls/s"), "no report:\n{stdout}");
    assert!(stdout.contains("fuzz: all checks passed"), "{stdout}");
}

#[test]
fn random_calls_leave_the_release_kernel_standing() {
    fuzz(&integration::kernel_elf(), "8", "1");
}

#[test]
fn random_calls_leave_the_debug_kernel_standing() {
    fuzz(&integration::debug_kernel_elf(), "8", "2");
}
