//! The kernel lock: one CPU at a time runs kernel code, but for the calls that take it
//! only when they need it.
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
//! Outside it run only:
//! - the entry and exit assembly;
//! - the calls that read the caller's own identity (`syscall::answer_identity`: getpid,
//!   getppid, gettid), which take the lock only if their return to user mode has work;
//! - on a machine with several CPUs, the message queue calls (`SYS_CALL` on
//!   `/scheme/msg`, and mq_send and mq_receive on `/scheme/mq`: `syscall::fs::call`),
//!   whose state is all under their facility's lock. They take this lock only for what
//!   needs it, with no ordered lock held ([`ensure_held`]): waking or putting a thread
//!   to sleep, telling the event scheme, sending a signal, and a user copy that cannot go
//!   straight through the loaded page tables. A copy that would need it while the facility's lock is held
//!   fails with `ENEEDLOCK` instead, before the call has changed anything, and the call
//!   is made again from the start under this lock (`syscall::fs::call`);
//! - the copy of a message's text in a call that holds the lock (`context::long_copy`,
//!   [`released`]);
//! - the handling of a TLB shootdown request (which the holder may be waiting for, so a
//!   CPU waiting for this lock or an ordered one serves requests while it spins) and of a
//!   user copy's page fault (`arch::user_copy`);
//! - an application processor's bring-up.
//!
//! Lock order: this lock comes before every other kernel lock; a CPU that holds any
//! other lock never waits for it.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::arch::{percpu, tlb};

/// The address of the holder's per-CPU block (`arch::percpu`, never 0); 0 when free.
/// An address rather than an index: this CPU's is one load, the block's first word.
static HOLDER: AtomicU64 = AtomicU64::new(0);
/// Set when the run ends: a CPU waiting for the lock halts instead.
static STOPPING: AtomicBool = AtomicBool::new(false);

/// The run is ending on this CPU: every other CPU halts the next time it waits for the
/// lock (at its next tick at the latest), so that nothing runs after the end.
pub fn stop_other_cpus() {
    STOPPING.store(true, Ordering::Release);
}

#[inline(always)]
fn me() -> u64 {
    percpu::this() as *const percpu::PerCpu as u64
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
fn acquire_contended(me: u64) {
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

/// Takes the lock unless this CPU holds it already, for a call that runs without it
/// (see the header) and now needs it: it then keeps it until its return to user mode.
/// The caller holds no other kernel lock (the ordered ones checked in debug builds).
#[inline]
pub fn ensure_held() {
    if !held_here() {
        debug_assert!(super::lock_order::none_held(), "the kernel lock taken under an ordered lock");
        acquire();
    }
}

/// Runs `f` with the lock let go, if this CPU holds it, and takes it again after
/// (serving TLB shootdown requests while it waits, as [`acquire`] does). Only for the
/// long copies of `context::long_copy`, whose header says why they need no lock: `f`
/// touches user memory through the loaded page tables and memory the caller owns, and
/// the caller holds no other kernel lock (the ordered ones checked in debug builds).
pub fn released<R>(f: impl FnOnce() -> R) -> R {
    if !held_here() {
        return f();
    }
    debug_assert!(super::lock_order::none_held(), "the kernel lock let go under an ordered lock");
    release();
    let result = f();
    acquire();
    result
}

/// Gives the lock back.
#[inline(always)]
pub fn release() {
    debug_assert!(held_here(), "the kernel lock released by a CPU that does not hold it");
    HOLDER.store(0, Ordering::Release);
}

/// Whether this CPU holds the lock.
#[inline(always)]
pub fn held_here() -> bool {
    HOLDER.load(Ordering::Relaxed) == me()
}
