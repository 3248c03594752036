//! Schemes: every kernel service is reached by opening `/scheme/NAME/PATH`.
//!
//! A scheme implements [`KernelScheme`] over its own handle numbers. An open file
//! description ([`OpenDescription`]) pairs a scheme with a handle and the status flags;
//! descriptors in a process's [`FileTable`] share descriptions (dup, fork), and the
//! scheme's `close` runs when the last reference goes.
//!
//! Scheme operations run with interrupts disabled on the only CPU; an operation that
//! must wait blocks through `context::wait_queue`, never while holding a lock that a
//! waker needs.

pub mod ipc;

#[cfg(test)]
mod msg_differential;
#[cfg(test)]
mod sem_differential;

#[cfg(not(test))]
pub mod debug;
#[cfg(not(test))]
pub mod event;
#[cfg(not(test))]
pub mod initfs;
#[cfg(not(test))]
pub mod proc;
#[cfg(not(test))]
mod registry;
#[cfg(not(test))]
pub mod sem;
#[cfg(not(test))]
pub mod time;

#[cfg(not(test))]
pub use registry::*;
