//! The kestrel microkernel.
//!
//! The crate is a library so that its portable parts (boot information parsing, the frame
//! bitmap, clock arithmetic, and later the IPC semantics) are unit-tested on the host by
//! `cargo test`. Everything that touches hardware is compiled only into the kernel image
//! (`cfg(not(test))`); `main.rs` holds the language items and the entry point.

#![cfg_attr(not(test), no_std)]

extern crate alloc;

pub mod acpi;
pub mod boot_info;
pub mod cmdline;
pub mod context;
pub mod errno;
pub mod memory;
pub mod scheme;
pub mod time;

#[cfg(not(test))]
pub mod arch;
#[cfg(not(test))]
pub mod linker;
#[cfg(not(test))]
pub mod logger;
#[cfg(not(test))]
pub mod start;
#[cfg(not(test))]
pub mod syscall;

/// The kernel's name and version, as printed in the boot banner.
pub const VERSION: &str = concat!("kestrel ", env!("CARGO_PKG_VERSION"));
