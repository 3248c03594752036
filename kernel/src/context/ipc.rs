//! The per-process IPC state, and the one interface through which the IPC facilities
//! follow a process's life.
//!
//! A process owns its facilities' per-process state in [`ProcessIpc`] (behind its `ipc`
//! lock, level `ProcessIpc` in `lock_order`). Each facility implements [`IpcHooks`]; the
//! process code calls every facility's hook at fork, exec and exit with the processes
//! themselves, so the facilities stay in `scheme/` and the process code names none of
//! them (the list is `scheme::ipc_facilities`).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

/// A process's own IPC state.
#[derive(Debug, Default)]
pub struct ProcessIpc {
    /// SEM_UNDO adjustments: per semaphore set id, one adjustment per semaphore. Threads
    /// share them; a fork child starts with none; exec keeps them; exit applies them.
    pub sem_undo: BTreeMap<i32, Vec<i16>>,
}

#[cfg(not(test))]
pub use self::hooks::*;

#[cfg(not(test))]
mod hooks {
    use crate::context::Process;

    /// What an IPC facility does when a process forks, execs or exits. Each hook runs
    /// with no lock held.
    pub trait IpcHooks: Sync {
        /// `child` was forked from `parent` (before the child runs).
        fn on_fork(&self, _parent: &Process, _child: &Process) {}
        /// `process` replaced its program image.
        fn on_exec(&self, _process: &Process) {}
        /// `process` is exiting: all its threads are gone, its descriptors closed.
        fn on_exit(&self, _process: &Process) {}
    }

    /// Runs every facility's fork rule.
    pub fn fork(parent: &Process, child: &Process) {
        crate::scheme::ipc_facilities().iter().for_each(|f| f.on_fork(parent, child));
    }

    /// Runs every facility's exec rule.
    pub fn exec(process: &Process) {
        crate::scheme::ipc_facilities().iter().for_each(|f| f.on_exec(process));
    }

    /// Runs every facility's exit rule.
    pub fn exit(process: &Process) {
        crate::scheme::ipc_facilities().iter().for_each(|f| f.on_exit(process));
    }
}
