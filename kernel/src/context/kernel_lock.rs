//! The kernel lock: one CPU at a time runs kernel code.
//!
//! Every CPU runs user code in parallel, but kernel code (system calls, interrupts and
//! exceptions, the scheduler, the idle loop's look at the run queue) runs only on the CPU
//! that holds this lock. What the kernel's modules say about a single CPU therefore stays
//! true on several: a condition checked and then slept on cannot change in between, a
//! wake-up cannot be lost, and the lock order of the kernel's own spinlocks is the one
//! written on each type, taken under this lock.
//!
//! The lock belongs to a CPU, not a thread: a thread that blocks or switches keeps it
//! for the CPU, and the thread that runs next carries on under it. A CPU takes it on every
//! entry from user mode and on an interrupt in the idle loop, and gives it back on every
//! return to user mode and before the idle loop halts.
//!
//! Outside it run only: the entry and exit assembly, the calls that read the caller's own
//! identity (`syscall::answer_identity`: getpid, getppid, gettid, which take the lock
//! only if their return to user mode has work), the copy of a message's text in
//! msgsnd, msgrcv, mq_send and mq_receive (`context::long_copy`, [`released`]), the
//! handling of a TLB shootdown request (which the holder may be waiting for, so a CPU
//! waiting for the lock serves requests while it spins), and an application
//! processor's bring-up.
//!
//! Lock order: this lock comes before every other kernel lock.

use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use crate::arch::{percpu, tlb};

/// The holder's per-CPU index plus one; 0 when free.
static HOLDER: AtomicU32 = AtomicU32::new(0);
/// Set when the run ends: a CPU waiting for the lock halts instead.
static STOPPING: AtomicBool = AtomicBool::new(false);

/// The run is ending on this CPU: every other CPU halts the next time it waits for the
/// lock (at its next tick at the latest), so that nothing runs after the end.
pub fn stop_other_cpus() {
    STOPPING.store(true, Ordering::Release);
}

fn me() -> u32 {
    percpu::this().index() as u32 + 1
}

/// Takes the lock for this CPU, serving TLB shootdown requests while it waits.
#[inline(always)]
pub fn acquire() {
    let me = me();
    debug_assert_ne!(HOLDER.load(Ordering::Relaxed), me, "the kernel lock taken twice by one CPU");
    if HOLDER.compare_exchange(0, me, Ordering::Acquire, Ordering::Relaxed).is_err() {
        acquire_contended(me);
    }
}

/// [`acquire`] when another CPU holds the lock: out of line, so that the system call
/// path carries one locked instruction, not the wait.
#[cold]
#[inline(never)]
fn acquire_contended(me: u32) {
    loop {
        if HOLDER.load(Ordering::Relaxed) == 0
            && HOLDER.compare_exchange_weak(0, me, Ordering::Acquire, Ordering::Relaxed).is_ok()
        {
            return;
        }
        tlb::serve_requests();
        if STOPPING.load(Ordering::Acquire) {
            crate::arch::halt_forever();
        }
        core::hint::spin_loop();
    }
}

/// Takes the lock unless this CPU holds it already; returns whether it took it.
pub fn acquire_if_free_here() -> bool {
    if held_here() {
        false
    } else {
        acquire();
        true
    }
}

/// Runs `f` with the lock let go, and takes it again after (serving TLB shootdown
/// requests while it waits, as [`acquire`] does). Only for the long copies of
/// `context::long_copy`, whose header says why they need no lock: `f` touches user
/// memory through the loaded page tables and memory the caller owns, and the caller
/// holds no other kernel lock (the ordered ones checked in debug builds).
pub fn released<R>(f: impl FnOnce() -> R) -> R {
    debug_assert!(super::lock_order::none_held(), "the kernel lock let go under an ordered lock");
    release();
    let result = f();
    acquire();
    result
}

/// Gives the lock back.
pub fn release() {
    debug_assert!(held_here(), "the kernel lock released by a CPU that does not hold it");
    HOLDER.store(0, Ordering::Release);
}

/// Whether this CPU holds the lock.
pub fn held_here() -> bool {
    HOLDER.load(Ordering::Relaxed) == me()
}
