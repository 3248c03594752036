//! eventfd: a counter that writes add to and reads take from, as eventfd(2) and Linux's
//! `fs/eventfd.c` have it.
//!
//! The count stays within `0..=`[`COUNT_MAX`]. A read takes the whole count (or 1 with
//! `EFD_SEMAPHORE`) and sleeps while it is 0; a write adds its value and sleeps while
//! the sum would pass [`COUNT_MAX`].
//!
//! Sleepers, in the IPC skeleton's way ([`super::wait`]): a change performs the sleeping
//! calls it lets through, on their callers' behalf, and returns them. A write serves the
//! sleeping readers in arrival order while the count is above 0 (without
//! `EFD_SEMAPHORE` the first takes it all; with it each takes 1); a read serves the
//! sleeping writers in arrival order, each whose value now fits, passing over one that
//! still does not fit (a smaller later write may go first, as in Linux, which wakes every
//! sleeper to check again). Readers and writers never sleep at once: readers sleep only
//! on a count of 0, to which every write fits.

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;

use alloc::collections::VecDeque;

use super::wait::{self, Outcome, WaiterId};
use crate::errno::{EAGAIN, EINVAL, Result};
pub use kestrel_abi::timerfd::{EFD_CLOEXEC, EFD_FLAGS, EFD_NONBLOCK, EFD_SEMAPHORE};

/// The largest count (Linux: `ULLONG_MAX - 1`; `ULLONG_MAX` itself is the overflow
/// that only the kernel's own `eventfd_signal` can reach, and that poll reports as
/// POLLERR).
pub const COUNT_MAX: u64 = u64::MAX - 1;

/// Reads and writes carry a u64.
const COUNT_SIZE: usize = 8;

bitflags::bitflags! {
    /// `eventfd2`'s flags.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Flags: i32 {
        const SEMAPHORE = EFD_SEMAPHORE;
        const CLOEXEC = EFD_CLOEXEC;
        const NONBLOCK = EFD_NONBLOCK;
    }
}

/// What a completed sleeper gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// A reader: what it took.
    Read(u64),
    /// A writer: its value was added.
    Written,
}

/// A sleeping read or write that a change completed.
pub type Completed = wait::Completed<Delivery>;
/// The sleepers one change completed, in the order they completed.
pub type Woken = wait::Woken<Delivery>;

/// An eventfd's counter and its sleepers.
#[derive(Clone, Debug)]
pub struct EventFd {
    count: u64,
    flags: Flags,
    /// Sleeping reads, in arrival order.
    readers: VecDeque<WaiterId>,
    /// Sleeping writes and their values, in arrival order.
    writers: VecDeque<(WaiterId, u64)>,
    next_waiter: u64,
}

impl EventFd {
    /// `eventfd2(initval, flags)`: a counter at `initval`. An unknown flag → EINVAL.
    /// `EFD_NONBLOCK` and `EFD_CLOEXEC` are the new description's (see [`Self::flags`]).
    pub fn new(initval: u32, flags: i32) -> Result<Self> {
        let flags = Flags::from_bits(flags).ok_or(EINVAL)?;
        Ok(Self {
            count: u64::from(initval),
            flags,
            readers: VecDeque::new(),
            writers: VecDeque::new(),
            next_waiter: 1,
        })
    }

    /// The flags it was created with.
    pub fn flags(&self) -> Flags {
        self.flags
    }

    /// The count.
    pub fn count(&self) -> u64 {
        self.count
    }

    fn fresh_waiter(&mut self) -> WaiterId {
        let waiter = WaiterId(self.next_waiter);
        self.next_waiter += 1;
        waiter
    }

    /// What one read takes, now that the count is above 0.
    fn take(&mut self) -> u64 {
        let taken = if self.flags.contains(Flags::SEMAPHORE) { 1 } else { self.count };
        self.count -= taken;
        taken
    }

    /// Whether `value` can be added now.
    fn fits(&self, value: u64) -> bool {
        u64::MAX - self.count > value
    }

    /// Performs the sleeping calls the count now lets through, in arrival order.
    fn settle(&mut self, woken: &mut Woken) {
        loop {
            let mut progressed = false;
            while self.count > 0
                && let Some(waiter) = self.readers.pop_front()
            {
                let taken = self.take();
                woken.push(Completed { waiter, result: Ok(Delivery::Read(taken)) });
                progressed = true;
            }
            let mut i = 0;
            while i < self.writers.len() {
                let (waiter, value) = self.writers[i];
                if self.fits(value) {
                    self.writers.remove(i);
                    self.count += value;
                    woken.push(Completed { waiter, result: Ok(Delivery::Written) });
                    progressed = true;
                } else {
                    i += 1;
                }
            }
            if !progressed {
                return;
            }
        }
    }

    /// `read(buf_len)` on a description with `nonblock` or without: the count (which
    /// becomes 0), or 1 with `EFD_SEMAPHORE` (taken from it). Errors: `buf_len` under 8
    /// → EINVAL; a count of 0 → EAGAIN with `nonblock`, else the caller sleeps. Writers
    /// the room lets through are appended to `woken`.
    pub fn read(&mut self, buf_len: usize, nonblock: bool, woken: &mut Woken) -> Result<Outcome<u64>> {
        if buf_len < COUNT_SIZE {
            return Err(EINVAL);
        }
        if self.count == 0 {
            if nonblock {
                return Err(EAGAIN);
            }
            let waiter = self.fresh_waiter();
            self.readers.push_back(waiter);
            return Ok(Outcome::Wait(waiter));
        }
        let taken = self.take();
        self.settle(woken);
        Ok(Outcome::Done(taken))
    }

    /// `write(value)` of `buf_len` bytes on a description with `nonblock` or without:
    /// adds `value` to the count. Errors in Linux's order: `buf_len` other than 8 →
    /// EINVAL (Linux 6.18, checked on the host; older kernels took longer buffers too);
    /// `value` `u64::MAX` → EINVAL; a sum above [`COUNT_MAX`] → EAGAIN with `nonblock`,
    /// else the caller sleeps with its value. Readers the count lets through are
    /// appended to `woken`.
    pub fn write(&mut self, value: u64, buf_len: usize, nonblock: bool, woken: &mut Woken) -> Result<Outcome<()>> {
        if buf_len != COUNT_SIZE || value == u64::MAX {
            return Err(EINVAL);
        }
        if !self.fits(value) {
            if nonblock {
                return Err(EAGAIN);
            }
            let waiter = self.fresh_waiter();
            self.writers.push_back((waiter, value));
            return Ok(Outcome::Wait(waiter));
        }
        self.count += value;
        self.settle(woken);
        Ok(Outcome::Done(()))
    }

    /// A sleeper gives up (a timeout or a signal): `true` if it was still queued (now
    /// removed), `false` if a change already completed it.
    pub fn cancel(&mut self, waiter: WaiterId) -> bool {
        if let Some(i) = self.readers.iter().position(|&w| w == waiter) {
            self.readers.remove(i);
            true
        } else if let Some(i) = self.writers.iter().position(|&(w, _)| w == waiter) {
            self.writers.remove(i);
            true
        } else {
            false
        }
    }

    /// poll: a read would not sleep (POLLIN).
    pub fn readable(&self) -> bool {
        self.count > 0
    }

    /// poll: a write of 1 would not sleep (POLLOUT), as Linux reports it.
    pub fn writable(&self) -> bool {
        self.count < COUNT_MAX
    }

    /// The sleeping readers and writers, each in arrival order.
    pub fn sleepers(&self) -> (impl Iterator<Item = WaiterId> + '_, impl Iterator<Item = WaiterId> + '_) {
        (self.readers.iter().copied(), self.writers.iter().map(|&(w, _)| w))
    }
}
