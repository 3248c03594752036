//! The C API that kestrel's IPC schemes need in a libc: the functions, types and constants
//! of `sys/ipc.h`, `sys/sem.h`, `sys/msg.h`, `sys/shm.h`, `mqueue.h`, `sys/signalfd.h`,
//! `sys/eventfd.h`, `sys/timerfd.h` and `semaphore.h`, in the Linux x86_64 ABI.
//!
//! The same source files serve two builds:
//!
//! - **standalone** (this crate): a static library, `libkestrel_relibc.a`, that guest C
//!   programs link beside the small C runtime of `userspace/`. Its `Sys` is the Redox
//!   backend, which reaches kestrel's schemes with raw system calls; errors go to the C
//!   runtime's `errno`.
//! - **relibc**: `mkpatch` copies the header modules (`src/header/*`), the platform traits
//!   (`src/platform/pal/<family>.rs`) and their two backends (`src/platform/redox/` and
//!   `src/platform/linux/`, one file per family) into upstream relibc's tree at the same
//!   paths, and `relibc/platform.rs` to `src/header/_kestrel/mod.rs`.
//!
//! The files that travel use relibc's paths (`crate::error`, `crate::platform::{Sys, Pal*,
//! types}`, `crate::header::{errno, bits_timespec, bits_sigset_t, time}`, `redox_rt::sys`,
//! `syscall`, `sc`'s `syscall!`); this crate provides those names with small stand-ins
//! (`error.rs`, `platform/{mod,types}.rs`, `platform/pal/mod.rs`, `platform/redox/mod.rs`,
//! `platform/linux/mod.rs`, `header/mod.rs`, `redox_rt.rs`), which stay here. What the
//! headers need from the rest of a C library (its `malloc`, `pthread_*`, open flags, ...)
//! comes through `crate::header::_kestrel`, here a re-export of `platform`.

#![cfg_attr(not(test), no_std)]

// relibc's Linux backend makes its system calls with `sc`'s `syscall!`.
#[macro_use]
extern crate sc;

// The crate root is also `redox_rt`, whose `sys` module (`redox_rt.rs`) stands in for the
// redox-rt functions that `platform/redox/kestrel_scheme.rs` calls in relibc.
extern crate self as redox_rt;

pub mod error;
pub mod header;
mod platform;
#[path = "redox_rt.rs"]
pub mod sys;

#[cfg(test)]
mod tests;

/// Compile-time checks that the C types agree with the kernel's view of them.
mod abi_agreement;

/// A panic cannot unwind into C: end the program through the C runtime. Header code avoids
/// panicking paths, so this is reached only through a bug.
#[cfg(all(feature = "panic-handler", not(test)))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    unsafe extern "C" {
        /// The C runtime's `abort(3)`.
        fn abort() -> !;
    }
    // SAFETY: `abort` takes no arguments, touches no Rust-visible memory and never returns.
    unsafe { abort() }
}

/// The precompiled `core` is built to unwind: an out-of-line piece of it that the library
/// happens to use (a slice-length check's panic path, say) brings an unwind-table
/// reference to the personality routine, which no C program provides. Panics abort here,
/// so nothing ever unwinds and this is never called (the kernel does the same).
#[cfg(all(feature = "panic-handler", not(test)))]
#[unsafe(no_mangle)]
pub extern "C" fn rust_eh_personality() {}
