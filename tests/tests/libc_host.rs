//! The guest C runtime's host-side checks (`userspace/libc/tests/host/run.sh`): its header
//! values against the kernel's abi and glibc, and its printf, strto*, strtod and scanf
//! against glibc on random cases (`KESTREL_LIBC_CASES=N` sets the number of each, 200,000
//! by default). Needs gcc and python3, as the sysroot does.

use std::process::Command;

use integration::workspace_root;

#[test]
fn runtime_agrees_with_the_abi_and_glibc() {
    let script = workspace_root().join("userspace/libc/tests/host/run.sh");
    let mut command = Command::new("bash");
    command.arg(&script);
    if let Ok(cases) = std::env::var("KESTREL_LIBC_CASES") {
        command.arg(cases);
    }
    let out = command.output().expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(out.status.success(), "{} failed:\n{stdout}\n{stderr}", script.display());
    for check in ["printf_diff:", "strto_diff:", "strtod_diff:", "scanf_diff:"] {
        assert!(stdout.contains(check), "{check} did not run:\n{stdout}");
    }
}
