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

/// `IPC_PRIVATE`: always creates a new object.
pub const IPC_PRIVATE: i32 = 0;
/// Create the object if the key has none.
pub const IPC_CREAT: i32 = 0o1000;
/// With IPC_CREAT: fail if the key has an object.
pub const IPC_EXCL: i32 = 0o2000;
/// Do not wait.
pub const IPC_NOWAIT: i32 = 0o4000;

/// Remove the object.
pub const IPC_RMID: i32 = 0;
/// Set owner and mode.
pub const IPC_SET: i32 = 1;
/// Read the object's status.
pub const IPC_STAT: i32 = 2;
/// Read the facility's limits.
pub const IPC_INFO: i32 = 3;
