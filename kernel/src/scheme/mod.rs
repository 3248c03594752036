//! Schemes: every kernel service is reached by opening `/scheme/NAME/PATH`.
//!
//! A scheme implements [`KernelScheme`] over its own handle numbers. An open file
//! description ([`OpenDescription`]) pairs a scheme with a handle and the status flags;
//! descriptors in a process's [`FileTable`] share descriptions (dup, fork), and the
//! scheme's `close` runs when the last reference goes.
//!
//! Scheme operations run with interrupts disabled, on one CPU at a time (the kernel lock,
//! `context::kernel_lock`), but for the message queue calls on a machine with several
//! CPUs, which run under their facility's lock alone and take the kernel lock only to
//! block, wake or make a user copy the loaded page tables cannot (`syscall::fs::call`).
//! An IPC call that must wait sleeps through [`ipc_glue`]: the facility's rules queue a
//! waiter and return "wait", the caller sleeps on its own stack record with the
//! facility's lock released, and a later change hands it its result and wakes it after
//! that lock is dropped (see `ipc_glue` for timeouts, signals, the clocks and polling). Other schemes (event, pipe, proc's waitpid) block on a `context::wait_queue`.
//! Nothing blocks holding a lock a waker needs.

pub mod ipc;
pub mod pipe_buffer;
pub mod tmpfs_tree;

#[cfg(test)]
mod mq_differential;
#[cfg(test)]
mod msg_differential;
#[cfg(test)]
mod sem_differential;
#[cfg(test)]
mod shm_differential;
#[cfg(test)]
mod sysvipc_differential;
#[cfg(test)]
mod timerfd_differential;
#[cfg(test)]
mod tmpfs_tree_tests;

#[cfg(not(test))]
pub mod debug;
#[cfg(not(test))]
pub mod event;
#[cfg(not(test))]
pub mod eventfd;
#[cfg(not(test))]
mod file_table;
#[cfg(not(test))]
pub mod handles;
#[cfg(not(test))]
pub mod initfs;
#[cfg(not(test))]
pub mod ipc_glue;
#[cfg(not(test))]
pub mod mq;
#[cfg(not(test))]
pub mod msg;
#[cfg(not(test))]
pub mod pipe;
#[cfg(not(test))]
pub mod proc;
#[cfg(not(test))]
mod registry;
#[cfg(not(test))]
pub mod sem;
#[cfg(not(test))]
pub mod shm;
#[cfg(not(test))]
mod shm_sysv;
#[cfg(not(test))]
pub mod signalfd;
#[cfg(not(test))]
pub mod sys;
#[cfg(not(test))]
pub mod time;
#[cfg(not(test))]
pub mod timerfd;
#[cfg(not(test))]
pub mod tmpfs;

#[cfg(not(test))]
pub use registry::*;
