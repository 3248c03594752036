//! Wait queues: FIFO lists of blocked threads.
//!
//! A waiter checks its condition, then calls [`WaitQueue::wait`]; a waker changes the
//! state, then wakes. The kernel is not preemptible, so nothing can run between a
//! waiter's check and its sleep, and no wake-up is lost. A woken waiter removes itself
//! and re-checks its condition; a timed-out or interrupted one removes itself too.

use alloc::collections::VecDeque;
use alloc::sync::Arc;

use super::scheduler;
use super::thread::{Thread, WakeReason};

/// A FIFO queue of blocked threads.
#[derive(Default)]
pub struct WaitQueue {
    waiters: spin::Mutex<VecDeque<Arc<Thread>>>,
}

impl WaitQueue {
    /// An empty queue.
    pub const fn new() -> Self {
        Self { waiters: spin::Mutex::new(VecDeque::new()) }
    }

    /// Blocks the current thread on this queue until woken, `deadline` (monotonic ns)
    /// passes, or a signal interrupts.
    pub fn wait(&self, deadline: Option<u64>) -> WakeReason {
        let me = scheduler::current();
        self.waiters.lock().push_back(me.clone());
        let reason = scheduler::block(deadline);
        self.waiters.lock().retain(|t| !Arc::ptr_eq(t, &me));
        reason
    }

    /// Wakes the longest-waiting thread. Returns whether one was woken.
    pub fn wake_one(&self) -> bool {
        loop {
            let Some(thread) = self.waiters.lock().pop_front() else { return false };
            if scheduler::wake(&thread, WakeReason::Woken) {
                return true;
            }
        }
    }

    /// Wakes every waiter; returns how many were woken.
    pub fn wake_all(&self) -> usize {
        let waiters: VecDeque<_> = core::mem::take(&mut *self.waiters.lock());
        waiters.iter().filter(|t| scheduler::wake(t, WakeReason::Woken)).count()
    }

    /// Whether nobody waits.
    pub fn is_empty(&self) -> bool {
        self.waiters.lock().is_empty()
    }
}
