//! The kestrel guest runtime: what a `#![no_std]`, `#![no_main]` program needs to run as
//! a process of the kestrel kernel.
//!
//! - [`rt`]: `_start`, the arguments and environment, and the [`entry!`] macro.
//! - [`syscall`]: raw `syscall0..6` and [`Errno`].
//! - [`fs`], [`mm`], [`time`], [`signal`], [`cred`], [`process`]: one safe (or narrowly
//!   unsafe) wrapper per call of the ABI in [`kestrel_abi`].
//! - [`io`]: `print!`, `println!`, `eprint!`, `eprintln!`.
//! - [`heap`]: the global allocator, on anonymous memory from `fmap`.
//! - [`thread`]: threads with their own stacks, joined through the futex on their
//!   clear-tid word.
//! - [`check`]: assertion helpers for the guest tests.
//! - [`sysv`], [`msg`]: System V semaphores and message queues over the kernel's `sem`
//!   and `msg` schemes; [`mq`]: POSIX message queues over its `mq` scheme.
//! - [`fuzz`]: a fuzzing worker's random system and scheme calls;
//! - [`stress`]: what the guest stress programs share (the supervisor's crew of workers,
//!   the per-sender log of messages seen).
//!
//! The language items and C symbols that the precompiled `core` and `alloc` expect
//! (`memcpy` and friends, the panic handler, `rust_eh_personality`) live in `lang`.

#![no_std]

extern crate alloc;

pub mod check;
pub mod cred;
pub mod errno;
pub mod fs;
pub mod fuzz;
pub mod heap;
pub mod io;
mod lang;
pub mod mm;
pub mod mq;
pub mod msg;
pub mod process;
pub mod rand;
pub mod rt;
pub mod shm;
pub mod signal;
pub mod stress;
pub mod syscall;
pub mod sysv;
pub mod thread;
pub mod time;

pub use errno::Errno;
pub use kestrel_abi as abi;

/// Result of a system call wrapper.
pub type Result<T> = core::result::Result<T, Errno>;

/// Address to hand the kernel for a slice: null for an empty one, whose `as_ptr` is a
/// dangling (non-null, unmapped) address that a kernel may rightly call a bad pointer.
pub(crate) fn slice_addr<T>(s: &[T]) -> usize {
    if s.is_empty() { 0 } else { s.as_ptr() as usize }
}

/// Mutable counterpart of [`slice_addr`].
pub(crate) fn slice_addr_mut<T>(s: &mut [T]) -> usize {
    if s.is_empty() { 0 } else { s.as_mut_ptr() as usize }
}
