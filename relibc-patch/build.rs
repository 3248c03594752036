//! Sets `cfg(kestrel_standalone)` for this crate: the header modules define the C-variadic
//! functions (`semctl`, `mq_open`) with `...` in relibc, which builds on nightly with
//! `c_variadic`, and with fixed extra parameters here, on stable Rust, where a C-variadic
//! definition does not compile. The fixed forms are ABI-compatible with the variadic C
//! declarations on x86_64 (see `sys_sem` and `mqueue`).

fn main() {
    println!("cargo::rustc-check-cfg=cfg(kestrel_standalone)");
    println!("cargo::rustc-cfg=kestrel_standalone");
}
