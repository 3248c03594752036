//! The counter of a POSIX semaphore and its wait/post protocol: two 32-bit atomic words,
//! the value and the number of threads that may be asleep on it, and nothing else.
//!
//! The rules are plain Rust, tested on the host; sleeping and waking are the caller's
//! (`sleep` and `wake` closures: futex calls on the value word in the library, a model in
//! the tests), so the same code serves private and process-shared semaphores: the
//! kernel keys a futex by the word's physical address, so a counter in shared memory is
//! one futex for every process that maps it.
//!
//! Invariants: the value is never above `SEM_VALUE_MAX` and never "negative" (the word
//! is a plain count; waiters are counted apart, as in glibc's x86_64 layout, where the
//! value is the low and the waiter count the high half of one 64-bit word).
//!
//! No lost wake-up: a waiter registers (waiters + 1) before it looks at the value for
//! the last time, and sleeps only while the value is still 0 (the futex compares it
//! atomically); a poster raises the value before it reads the waiter count. With every
//! access sequentially consistent, either the poster sees the waiter and wakes one, or the
//! waiter sees the new value. A waiter that leaves without a token (a timeout, a signal)
//! while a token is there and others still sleep hands the wake-up on, so that a wake-up
//! it may have taken is not lost to them.

use core::sync::atomic::{AtomicU32, Ordering::SeqCst};

use crate::header::_kestrel::{c_int, errno::EOVERFLOW};

/// The largest value a semaphore can have: `INT_MAX`, as on Linux (glibc's
/// `SEM_VALUE_MAX`).
pub(crate) const MAX_VALUE: u32 = i32::MAX as u32;

/// A semaphore's counter: the first 8 bytes of its `sem_t`.
#[repr(C)]
pub(crate) struct Counter {
    /// The count of available tokens, 0 ..= `MAX_VALUE`; the futex word.
    value: AtomicU32,
    /// The threads between registering in [`Counter::wait`] and leaving it.
    waiters: AtomicU32,
}

impl Counter {
    /// A counter holding `value` tokens (at most [`MAX_VALUE`]: the caller checks),
    /// with no waiters.
    pub(crate) const fn new(value: u32) -> Self {
        Self { value: AtomicU32::new(value), waiters: AtomicU32::new(0) }
    }

    /// The value (`sem_getvalue`): never negative, 0 while threads wait (as glibc reports it).
    pub(crate) fn value(&self) -> u32 {
        self.value.load(SeqCst)
    }

    /// The number of threads in [`Counter::wait`].
    #[cfg(test)]
    pub(crate) fn waiters(&self) -> u32 {
        self.waiters.load(SeqCst)
    }

    /// Counts in a waiter that is not there (a sleeper of another thread, for tests).
    #[cfg(test)]
    pub(crate) fn add_waiter(&self) {
        self.waiters.fetch_add(1, SeqCst);
    }

    /// The futex word the waiters sleep on.
    pub(crate) fn word(&self) -> &AtomicU32 {
        &self.value
    }

    /// Takes a token if there is one (`sem_trywait`); false when the value is 0.
    pub(crate) fn try_take(&self) -> bool {
        let mut value = self.value.load(SeqCst);
        while value > 0 {
            match self.value.compare_exchange_weak(value, value - 1, SeqCst, SeqCst) {
                Ok(_) => return true,
                Err(now) => value = now,
            }
        }
        false
    }

    /// Adds a token (`sem_post`): `Ok(true)` when a waiter should be woken (the caller
    /// wakes one), `EOVERFLOW` when the value is already [`MAX_VALUE`] (POSIX 2024
    /// names it; Linux and glibc return it).
    pub(crate) fn post(&self) -> Result<bool, c_int> {
        let mut value = self.value.load(SeqCst);
        loop {
            if value >= MAX_VALUE {
                return Err(EOVERFLOW);
            }
            match self.value.compare_exchange_weak(value, value + 1, SeqCst, SeqCst) {
                Ok(_) => return Ok(self.waiters.load(SeqCst) > 0),
                Err(now) => value = now,
            }
        }
    }

    /// Takes a token, sleeping while there is none (`sem_wait` and the timed waits).
    ///
    /// `sleep(word, 0)` sleeps while `*word` is 0: it returns `Ok` when woken, when the
    /// word had changed, or spuriously (the loop looks again), and an errno to give up
    /// with (`ETIMEDOUT`, `EINTR`, `EINVAL` for a bad deadline: checked only once the call
    /// would block, as POSIX allows). `wake(word)` wakes one sleeper.
    pub(crate) fn wait(
        &self,
        mut sleep: impl FnMut(&AtomicU32, u32) -> Result<(), c_int>,
        wake: impl FnOnce(&AtomicU32),
    ) -> Result<(), c_int> {
        if self.try_take() {
            return Ok(());
        }
        self.waiters.fetch_add(1, SeqCst);
        let result = loop {
            if self.try_take() {
                break Ok(());
            }
            if let Err(errno) = sleep(&self.value, 0) {
                break Err(errno);
            }
        };
        self.waiters.fetch_sub(1, SeqCst);
        if result.is_err() && self.value.load(SeqCst) > 0 && self.waiters.load(SeqCst) > 0 {
            wake(&self.value);
        }
        result
    }
}
