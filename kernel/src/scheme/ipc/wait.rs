//! Blocking as data, for every facility: a call that may wait returns an [`Outcome`]
//! (done, or queued under a [`WaiterId`]) or an errno, and a change that lets queued
//! callers proceed performs their operations on their behalf and hands back each one's
//! result as a [`Completed`].
//!
//! The rules never sleep or wake anything: the kernel glue (`scheme::ipc_glue`) puts the
//! caller to sleep on `Outcome::Wait`, wakes the threads of the completed waiters once
//! the facility's lock is dropped, and on a timeout or a signal asks the rules to cancel
//! the waiter (which either dequeues it or finds the result it was already given).

use alloc::vec::Vec;

use crate::errno::Result;

/// Names a queued operation until it completes or is cancelled. Unique for the life of
/// a facility's namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WaiterId(pub u64);

/// Hands out waiter ids in increasing order.
#[derive(Debug)]
pub struct WaiterIds {
    next: u64,
}

impl Default for WaiterIds {
    fn default() -> Self {
        Self::new()
    }
}

impl WaiterIds {
    /// The first id is 1.
    pub const fn new() -> Self {
        Self { next: 1 }
    }

    /// A fresh id.
    pub fn fresh(&mut self) -> WaiterId {
        let id = WaiterId(self.next);
        self.next += 1;
        id
    }
}

/// What a call that may wait did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome<T> {
    /// Performed, with its result.
    Done(T),
    /// Queued: the caller sleeps until a change completes it (or it cancels).
    Wait(WaiterId),
}

/// A queued operation that a change performed (or failed) on its caller's behalf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completed<R> {
    pub waiter: WaiterId,
    pub result: Result<R>,
}

/// The waiters one change completed, in the order they completed.
pub type Woken<R> = Vec<Completed<R>>;
