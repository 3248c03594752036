//! The kernel side every IPC facility shares: the threads asleep in a call that the rules
//! answered with `Outcome::Wait`, and how they sleep, time out, are interrupted and wake.
//!
//! A facility keeps a [`Sleepers`] list inside the state its lock guards, beside its rules.
//! A call that must wait links a [`Sleeper`] record that lives on its own kernel stack
//! (no allocation per wait) and sleeps in [`sleep`] with the lock released. A change that
//! completes waiters hands their results to [`Sleepers::complete`] under the lock, which
//! stores each result in its sleeper, unlinks it and collects its thread; the facility
//! wakes them with [`Wakeups::wake`] once the lock is dropped. A sleeper that times out or
//! is interrupted takes the lock again and either finds its result (the change came
//! first) or unlinks itself and asks the rules to cancel its waiter: no wake-up is lost
//! and nobody is woken who has nothing to do.
//!
//! A call that runs without the kernel lock (the message queues' on several CPUs,
//! `context::kernel_lock`) first polls for its result for a moment when another CPU is
//! busy ([`poll_for_result`]): its completer then sets a flag instead of waking it. It
//! takes the kernel lock only to sleep, and looks for its result once more under it
//! before it blocks, since a wake-up before that point found no blocked thread.
//!
//! Deadlines are on the clock the call names ([`Deadline`]): a relative timeout is a
//! monotonic deadline; an absolute `CLOCK_REALTIME` one follows `clock_settime`, which
//! wakes its sleepers ([`realtime_clock_set`]) so they measure again.

use alloc::sync::Arc;
use core::cell::Cell;
use core::pin::pin;
use core::sync::atomic::{AtomicBool, Ordering};

use intrusive_collections::{LinkedList, LinkedListLink, UnsafeRef, intrusive_adapter};
use smallvec::SmallVec;
use spin::Mutex;

use super::ipc::ids;
use super::ipc::perm::IpcPerm;
use super::ipc::wait::{Completed, WaiterId};
use crate::arch::{clock, percpu};
use crate::context::kernel_lock;
use crate::context::lock_order::{OrderedGuard, OrderedMutex};
use crate::context::scheduler;
use crate::context::thread::{Thread, WakeReason};
use crate::errno::{EINTR, Errno, Result};

/// When a blocked call gives up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deadline {
    /// Sleeps until completed or interrupted.
    Never,
    /// At this `CLOCK_MONOTONIC` time (ns): relative timeouts.
    Monotonic(u64),
    /// At this `CLOCK_REALTIME` time (ns since the epoch): absolute timeouts, which move
    /// with the clock when it is set.
    Realtime(u64),
}

impl Deadline {
    /// A relative timeout of `ns` from now.
    pub fn after(ns: u64) -> Self {
        Self::Monotonic(clock::monotonic_ns().saturating_add(ns))
    }

    /// The monotonic time to sleep until, as the clocks stand now; `None`: for ever.
    fn monotonic(self) -> Option<u64> {
        match self {
            Self::Never => None,
            Self::Monotonic(at) => Some(at),
            Self::Realtime(at) => {
                let (now_real, now_mono) = (clock::realtime_ns(), clock::monotonic_ns());
                Some(now_mono.saturating_add(at.saturating_sub(now_real)))
            }
        }
    }

    fn passed(self) -> bool {
        match self {
            Self::Never => false,
            Self::Monotonic(at) => clock::monotonic_ns() >= at,
            Self::Realtime(at) => clock::realtime_ns() >= at,
        }
    }
}

/// A thread asleep in an IPC call. It lives on the sleeping thread's kernel stack and is
/// linked into its facility's [`Sleepers`] from before the thread sleeps until it has its
/// result: the completer unlinks it when it stores the result, or the thread itself does
/// when it gives up. Both happen under the facility's lock.
pub struct Sleeper<R> {
    link: LinkedListLink,
    waiter: WaiterId,
    thread: Arc<Thread>,
    result: Cell<Option<Result<R>>>,
    /// The thread polls `done` instead of sleeping (see [`sleep`]): its completer sets
    /// `done` rather than waking it. Changed under the facility's lock.
    polling: Cell<bool>,
    /// Set (last, with Release) by a completer that found the sleeper polling: `result`
    /// is stored and the sleeper unlinked, and the completer no longer touches it.
    done: AtomicBool,
}

intrusive_adapter!(SleeperLink<R> = UnsafeRef<Sleeper<R>>: Sleeper<R> { link: LinkedListLink });

/// A facility's sleeping threads, kept under the facility's lock.
pub struct Sleepers<R> {
    list: LinkedList<SleeperLink<R>>,
}

// SAFETY: the list and the sleepers it links are only touched under the lock of the
// facility that owns the list (every method takes `&mut self`, which only the guard
// gives), and each sleeper outlives its time in the list (see `sleep`).
unsafe impl<R: Send> Send for Sleepers<R> {}

impl<R> Default for Sleepers<R> {
    fn default() -> Self {
        Self::new()
    }
}

/// Threads to wake once the facility's lock is dropped. Kept in place and passed by
/// reference: moving it whole would be a wide copy, and the kernel's first SSE
/// instruction in a system call costs the caller's FPU state a save (`arch::fpu`).
#[derive(Default)]
pub struct Wakeups(SmallVec<[Arc<Thread>; 4]>);

impl Wakeups {
    /// Whether there is nobody to wake.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Wakes them (call with no spinlock held), taking the kernel lock for it if the
    /// call runs without it (`context::kernel_lock`). Inline: most calls wake nobody.
    #[inline(always)]
    pub fn wake(&mut self) {
        if !self.0.is_empty() {
            self.wake_all();
        }
    }

    fn wake_all(&mut self) {
        kernel_lock::ensure_held();
        for thread in self.0.drain(..) {
            scheduler::wake(&thread, WakeReason::Woken);
        }
    }
}

impl<R> Sleepers<R> {
    /// Nobody asleep.
    pub fn new() -> Self {
        Self { list: LinkedList::new(SleeperLink::NEW) }
    }

    /// Hands each completed waiter its result: stores it in the waiter's sleeper, unlinks
    /// the sleeper and adds its thread to `wakeups`. Every queued waiter has a linked
    /// sleeper: [`sleep`] links it under the same hold of the lock in which the rules
    /// queued the waiter, and unlinks it under the same hold in which it cancels.
    pub fn complete(&mut self, done: impl IntoIterator<Item = Completed<R>>, wakeups: &mut Wakeups) {
        for Completed { waiter, result } in done {
            let mut cursor = self.list.front_mut();
            while let Some(sleeper) = cursor.get() {
                if sleeper.waiter == waiter {
                    sleeper.result.set(Some(result));
                    let sleeper = cursor.remove().expect("the cursor is on a sleeper");
                    if sleeper.polling.get() {
                        // The last touch: the sleeper may return as soon as it sees it.
                        sleeper.done.store(true, Ordering::Release);
                    } else {
                        wakeups.0.push(sleeper.thread.clone());
                    }
                    break;
                }
                cursor.move_next();
            }
        }
    }

    fn unlink(&mut self, sleeper: &Sleeper<R>) {
        if sleeper.link.is_linked() {
            // SAFETY: the sleeper is linked, and only ever into this list (it is linked
            // by `sleep` into the list of the facility whose lock the caller holds).
            unsafe { self.list.cursor_mut_from_ptr(sleeper).remove() };
        }
    }
}

/// A facility whose calls can sleep: its state (behind one lock) holds the rules and
/// the sleepers.
pub trait Facility: Send + 'static {
    /// What a completed waiter of this facility gets.
    type Result;
    /// The sleepers list inside the state.
    fn sleepers(&mut self) -> &mut Sleepers<Self::Result>;
}

/// Puts the current thread to sleep on `waiter`, which the rules just queued under
/// `guard`, until a change completes it (its result is returned), `deadline` passes
/// (`timeout_errno`) or a signal arrives (EINTR). The lock is released while asleep and
/// on return. `cancel` is the rules' cancel of this waiter: `true` if it was still queued
/// (now removed), `false` if a change already completed it.
pub fn sleep<F: Facility>(
    lock: &OrderedMutex<F>,
    mut guard: OrderedGuard<'_, F>,
    thread: &Arc<Thread>,
    waiter: WaiterId,
    deadline: Deadline,
    timeout_errno: Errno,
    cancel: impl FnOnce(&mut F) -> bool,
) -> Result<F::Result> {
    let realtime = matches!(deadline, Deadline::Realtime(_));
    let sleeper = pin!(Sleeper {
        link: LinkedListLink::new(),
        waiter,
        thread: thread.clone(),
        result: Cell::new(None),
        polling: Cell::new(false),
        done: AtomicBool::new(false),
    });
    let sleeper: &Sleeper<F::Result> = &sleeper;
    // SAFETY: `sleeper` is pinned on this stack frame and stays linked only while this
    // function runs: every return below happens with it unlinked (by the completer, or
    // by `unlink` here), under the lock.
    guard.sleepers().list.push_back(unsafe { UnsafeRef::from_raw(sleeper) });
    // A call that runs without the kernel lock (`context::kernel_lock`) may poll, and
    // takes the lock to sleep.
    let unlocked = !kernel_lock::held_here();
    // Polling is for a call without the kernel lock (it would keep every other CPU out),
    // with a partner that may be running on another CPU, and no thread waiting for this one.
    let poll = unlocked && another_cpu_busy() && !scheduler::others_waiting_here();
    sleeper.polling.set(poll);
    drop(guard);
    if poll && let Some(result) = poll_for_result(lock, sleeper) {
        return result;
    }
    // A change may have completed the waiter before this CPU had the kernel lock, and its
    // wake-up then found the thread not yet blocked: look for the result first. With the
    // lock held since the waiter was queued, no wake-up can come before the block.
    let mut look_first = unlocked;
    if unlocked {
        kernel_lock::acquire();
    }
    // Woken by `clock_settime` to measure the deadline again.
    if realtime {
        REALTIME_SLEEPERS.lock().push(thread.clone());
    }
    let result = loop {
        let reason = match look_first {
            true => WakeReason::Woken,
            false => scheduler::block(deadline.monotonic()),
        };
        look_first = false;
        let mut guard = lock.lock();
        if let Some(result) = sleeper.result.take() {
            break result;
        }
        let errno = match reason {
            WakeReason::Interrupted => EINTR,
            WakeReason::TimedOut => timeout_errno,
            // A realtime deadline the clock moved past, else a spurious wake-up: sleep on.
            WakeReason::Woken if deadline.passed() => timeout_errno,
            WakeReason::Woken => continue,
        };
        guard.sleepers().unlink(sleeper);
        let dequeued = cancel(&mut guard);
        debug_assert!(dequeued, "a waiter without its result must still be queued");
        break Err(errno);
    };
    if realtime {
        REALTIME_SLEEPERS.lock().retain(|t| !Arc::ptr_eq(t, thread));
    }
    result
}

/// How long a call that runs without the kernel lock on a machine with several CPUs
/// polls for its result before it sleeps.
const POLL_NS: u64 = 20_000;

/// Whether another CPU runs a thread (its partner, maybe): with every other CPU idle,
/// nothing but an interrupt could complete a waiter soon, and polling would be waste.
fn another_cpu_busy() -> bool {
    let me = percpu::this().index();
    percpu::online().any(|cpu| cpu.index() != me && !cpu.idle.load(Ordering::Relaxed))
}

/// Polls `sleeper`'s `done` for up to [`POLL_NS`]; its result if a completer set it. The
/// sleeper stops polling under the lock: after that, a completion wakes it.
///
/// The partner of an exchange on another CPU (a sender for a receiver waiting on an empty
/// queue, a receiver for a sender waiting on a full one) usually completes the waiter
/// within microseconds. Sleeping and being woken cost the waiter a switch away and back,
/// and the completer the kernel lock and a wake-up, each time; Linux's polling idle state
/// and adaptive mutexes make the same trade. Interrupts stay disabled while it polls, and
/// TLB shootdown requests are served from the loop.
fn poll_for_result<F: Facility>(lock: &OrderedMutex<F>, sleeper: &Sleeper<F::Result>) -> Option<Result<F::Result>> {
    let until = clock::monotonic_ns().saturating_add(POLL_NS);
    loop {
        if sleeper.done.load(Ordering::Acquire) {
            // The completer stored the result before `done`, and touches it no more.
            return sleeper.result.take();
        }
        if clock::monotonic_ns() >= until {
            break;
        }
        crate::arch::tlb::serve_requests();
        core::hint::spin_loop();
    }
    let _guard = lock.lock();
    sleeper.polling.set(false);
    // Completed between the last look and the lock: no wake-up was sent for it.
    if sleeper.done.load(Ordering::Acquire) { sleeper.result.take() } else { None }
}

/// The errno of a sleep a signal interrupted, for a call that signal(7) restarts after a
/// handler with SA_RESTART (mq_send and mq_receive, reads and writes of an eventfd):
/// ERESTARTSYS, which the return path turns into the call made again or EINTR
/// (`context::signal`). Other errnos pass unchanged.
pub fn restartable(errno: Errno) -> Errno {
    if errno == EINTR {
        scheduler::request_return_check();
        crate::errno::ERESTARTSYS
    } else {
        errno
    }
}

/// Sleeps the calling `thread` until `deadline` passes (`Ok`) or a signal interrupts it
/// (EINTR): a timed sleep with nothing to wait for (`clock_nanosleep`). A realtime
/// deadline follows `clock_settime`, as an IPC call's does.
pub fn sleep_until(thread: &Arc<Thread>, deadline: Deadline) -> Result<()> {
    let realtime = matches!(deadline, Deadline::Realtime(_));
    if realtime {
        REALTIME_SLEEPERS.lock().push(thread.clone());
    }
    let result = loop {
        if deadline.passed() {
            break Ok(());
        }
        match scheduler::block(deadline.monotonic()) {
            WakeReason::Interrupted => break Err(EINTR),
            // The deadline may have moved with the clock, or the wake-up was spurious:
            // measure again.
            WakeReason::TimedOut | WakeReason::Woken => {}
        }
    };
    if realtime {
        REALTIME_SLEEPERS.lock().retain(|t| !Arc::ptr_eq(t, thread));
    }
    result
}

/// Threads asleep with a realtime deadline (an IPC call's, or `clock_nanosleep`'s). Lock
/// order: a leaf (taken after a facility's lock is released).
static REALTIME_SLEEPERS: Mutex<alloc::vec::Vec<Arc<Thread>>> = Mutex::new(alloc::vec::Vec::new());

/// The realtime clock was set: every sleeper with a realtime deadline wakes to measure
/// it again (it sleeps on if the deadline is still ahead).
pub fn realtime_clock_set() {
    let sleepers = REALTIME_SLEEPERS.lock().clone();
    for thread in sleepers {
        scheduler::wake(&thread, WakeReason::Woken);
    }
}

/// A `*ctl` call's result `value` with the structure it copies out to the caller's `buf`.
pub fn reply_with<T: crate::memory::user::Plain>(
    process: &crate::context::Process,
    buf: u64,
    value: i32,
    data: &T,
) -> Result<usize> {
    process.copy_out(buf, crate::memory::user::bytes_of(data))?;
    Ok(value as usize)
}

/// A System V object's `ipc_perm` as the user sees it (`__seq` comes from its id).
pub fn abi_perm(perm: &IpcPerm, id: i32) -> kestrel_abi::sysv::IpcPerm {
    kestrel_abi::sysv::IpcPerm {
        key: perm.key,
        uid: perm.uid,
        gid: perm.gid,
        cuid: perm.cuid,
        cgid: perm.cgid,
        mode: u32::from(perm.mode),
        seq: ids::seq_of(id),
        ..Default::default()
    }
}
