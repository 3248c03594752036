//! Link arguments for the guest programs only: static, non-PIE executables with no C
//! start files or libraries (the runtime provides `_start` and the `mem*` functions).
//! They go to the binaries alone so that build scripts and proc-macros are unaffected.

fn main() {
    for arg in ["-nostartfiles", "-nodefaultlibs", "-static", "-no-pie", "-Wl,--build-id=none"] {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
