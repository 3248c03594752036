//! The IPC facilities' rules: System V semaphore sets, message queues and shared memory,
//! POSIX message queues, and the timerfd and eventfd descriptors.
//!
//! The rules are plain safe Rust with no hardware and no global state, so the host runs
//! their unit, property and differential tests. Every facility has the same shape:
//! - [`ids`]: the id table (`index + seq * 32768`; a stale id is EINVAL);
//! - [`perm`]: `ipc_perm` and Linux's access and ownership checks;
//! - [`get`]: the `*get` call, generic in the object;
//! - [`ctl`]: the `*ctl` commands every object has (STAT, SET, RMID, INFO, `*_STAT`);
//! - [`wait`]: blocking as data: a call returns done, "wait under this id" or an errno,
//!   and a change returns the waiters it completed, with their results;
//! - [`slots`]: the queue of an object's sleepers, in arrival order, kept in place;
//! - [`sysvipc`]: the `/proc/sysvipc` tables of the System V objects;
//! - [`readiness`]: what an event queue registration reports (level, edge, one-shot,
//!   Linux's epoll events);
//! - one folder per facility ([`sem`], [`msg`], [`shm`], [`mq`] for POSIX message queues,
//!   [`timerfd`], [`eventfd`]) with its own rules only.
//!
//! The kernel glue (`scheme::ipc_glue`) sleeps and wakes threads as these results say.

#![forbid(unsafe_code)]

pub mod ctl;
pub mod eventfd;
pub mod get;
pub mod ids;
pub mod mq;
pub mod msg;
pub mod perm;
pub mod readiness;
pub mod sem;
pub mod shm;
pub mod slots;
pub mod sysvipc;
pub mod timerfd;
pub mod wait;

// The Linux ABI numbers, stated once in the ABI crate.
pub use kestrel_abi::sysv::{IPC_CREAT, IPC_EXCL, IPC_INFO, IPC_NOWAIT, IPC_PRIVATE, IPC_RMID, IPC_SET, IPC_STAT};

/// A System V key (`key_t`); [`IPC_PRIVATE`] always makes a new object.
pub type Key = i32;

bitflags::bitflags! {
    /// The flags of a `*get` call above its nine permission bits.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct GetFlags: i32 {
        const CREAT = IPC_CREAT;
        const EXCL = IPC_EXCL;
    }
}
