//! The IPC facilities: System V semaphore sets (and, in later work, message queues,
//! shared memory), POSIX message queues and timerfd.
//!
//! The semantics here are plain safe Rust with no hardware and no global state, so the
//! host runs their unit, property and differential tests. A semantic operation returns
//! "done", "must wait" (with a waiter id) or an errno, and a state change returns the
//! waiters it completed; the kernel glue blocks and wakes threads accordingly.

#![forbid(unsafe_code)]

pub mod ids;
pub mod perm;
pub mod sem;

// The Linux ABI numbers, stated once in the ABI crate.
pub use kestrel_abi::sysv::{IPC_CREAT, IPC_EXCL, IPC_INFO, IPC_NOWAIT, IPC_PRIVATE, IPC_RMID, IPC_SET, IPC_STAT};
