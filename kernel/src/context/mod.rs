//! Processes and threads.
//!
//! A [`Process`] owns an address space, a descriptor table, credentials, signal actions,
//! its children and its per-process IPC state; its [`Thread`]s share all of that and
//! each has a kernel stack, saved registers, an FPU save area and a signal mask.
//!
//! A thread also has an FS base (thread-local storage) and a robust futex list
//! ([`robust`]).
//!
//! Lock order (outer first): `scheduler::SCHED` → `Thread::sched`. A process's `creds`,
//! its `ipc` state, its `space` and the process table take part in the IPC paths' order,
//! written and checked in [`lock_order`] (`creds` → a facility's lock → the process table
//! → a process's `ipc` → its `space` → the System V segments). The other locks of a
//! process (`files`, `signals`, `children`, `state`, `threads`) are leaves taken one at a
//! time, never while blocking; its `itimer` is taken before the armed timers' map
//! (`itimer::ARMED`), a leaf.

pub mod cred;
pub mod ipc;
#[cfg(not(test))]
pub mod kernel_lock;
pub mod lock_order;
#[cfg(not(test))]
pub mod long_copy;

#[cfg(not(test))]
pub mod exec;
#[cfg(not(test))]
pub mod futex;
#[cfg(not(test))]
pub mod itimer;
#[cfg(not(test))]
pub mod process;
#[cfg(not(test))]
pub mod robust;
#[cfg(not(test))]
pub mod scheduler;
#[cfg(not(test))]
pub mod signal;
#[cfg(not(test))]
pub mod thread;
#[cfg(not(test))]
pub mod user_count;
#[cfg(not(test))]
pub mod wait_queue;

#[cfg(not(test))]
pub use process::Process;
#[cfg(not(test))]
pub use thread::Thread;
