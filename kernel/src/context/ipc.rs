//! The per-process IPC state: the slot that the IPC schemes fill (SEM_UNDO adjustments,
//! shared memory attachments) and the rules for it at fork, exec and exit.
//!
//! Each IPC facility registers an [`IpcHooks`] implementation; the process code calls
//! every registered hook at the three lifecycle points, so the facilities stay in
//! `scheme/ipc/` and the process code knows none of them.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

/// A process's own IPC state, kept in its `Process` and guarded by its `ipc` lock.
#[derive(Debug, Default)]
pub struct ProcessIpc {
    /// SEM_UNDO adjustments: per semaphore set id, one adjustment per semaphore. Threads
    /// share them; a fork child starts with none; exec keeps them; exit applies them.
    pub sem_undo: BTreeMap<i32, Vec<i16>>,
}

/// What an IPC facility does when a process forks, execs or exits.
pub trait IpcHooks: Send + Sync {
    /// A child `child` was forked from `parent`.
    fn on_fork(&self, parent: u32, child: u32);
    /// Process `pid` replaced its program image.
    fn on_exec(&self, pid: u32);
    /// Process `pid` is exiting (all its threads are gone).
    fn on_exit(&self, pid: u32);
}

static HOOKS: spin::Mutex<Vec<&'static dyn IpcHooks>> = spin::Mutex::new(Vec::new());

/// Registers a facility's hooks (at boot).
pub fn register(hooks: &'static dyn IpcHooks) {
    HOOKS.lock().push(hooks);
}

fn each(f: impl Fn(&'static dyn IpcHooks)) {
    // Copy the list out so that no lock is held while the hooks run.
    let hooks: Vec<_> = HOOKS.lock().clone();
    hooks.into_iter().for_each(f);
}

/// Runs every facility's fork rule.
pub fn fork(parent: u32, child: u32) {
    each(|h| h.on_fork(parent, child));
}

/// Runs every facility's exec rule.
pub fn exec(pid: u32) {
    each(|h| h.on_exec(pid));
}

/// Runs every facility's exit rule.
pub fn exit(pid: u32) {
    each(|h| h.on_exit(pid));
}
