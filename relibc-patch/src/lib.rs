//! The C API that kestrel's IPC schemes need in a libc: the functions, types and constants
//! of `sys/ipc.h`, `sys/sem.h`, `sys/msg.h`, `sys/shm.h`, `mqueue.h`, `sys/signalfd.h`,
//! `sys/eventfd.h`, `sys/timerfd.h` and `semaphore.h`, in the Linux x86_64 ABI.
//!
//! The same header modules serve two builds:
//!
//! - **standalone** (this crate): a static library, `libkestrel_relibc.a`, that guest C
//!   programs link beside the small C runtime of `userspace/`. It reaches the kernel with
//!   raw syscalls of the kestrel ABI and reports errors through the C runtime's `errno`.
//! - **relibc**: `mkpatch` copies `src/header/*` into upstream relibc's `src/header/` tree
//!   and puts `relibc/platform.rs` where this crate has `src/platform.rs`, so relibc's
//!   cbindgen step generates the C headers and relibc's `Sys` does the system calls.
//!
//! The header modules reach everything platform-specific through `crate::header::_kestrel`
//! (here a re-export of `platform`, in relibc a module of its own), so they are copied
//! unchanged. Nothing outside `src/header/` travels into relibc.

#![cfg_attr(not(test), no_std)]

pub mod header;
mod platform;

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
