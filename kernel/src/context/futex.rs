//! Futexes: threads wait on a user word, keyed by its physical address so that the same
//! word in shared memory is one futex for every process mapping it, at whatever address.
//!
//! Frames never move here (no swap, no migration, and fork copies private pages at once
//! rather than on write), so the physical address names what Linux keys by: for a page
//! of a shared mapping (System V segment, `MAP_SHARED`, a `/scheme/shm` object) the
//! object's frame for that page, that is the object and the offset; for a private page
//! the frame this address space owns, that is the space and the address. Looking the key
//! up backs a page not yet touched, as the first access would.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;

use crate::errno::{EAGAIN, EFAULT, EINTR, EINVAL, ETIMEDOUT};
use spin::Mutex;

use super::Process;
use super::thread::WakeReason;
use super::wait_queue::WaitQueue;
use crate::memory::user::read_user;

static FUTEXES: Mutex<BTreeMap<u64, Arc<WaitQueue>>> = Mutex::new(BTreeMap::new());

fn key(process: &Process, uaddr: u64) -> Result<u64, crate::errno::Errno> {
    if !uaddr.is_multiple_of(4) {
        return Err(EINVAL);
    }
    process.with_space(|s| s.translate(uaddr, false).ok_or(EFAULT))
}

/// `FUTEX_WAIT`: sleeps while `*uaddr == expected`, until woken, `deadline` (monotonic
/// ns) or a signal.
pub fn wait(process: &Process, uaddr: u64, expected: u32, deadline: Option<u64>) -> Result<usize, crate::errno::Errno> {
    let key = key(process, uaddr)?;
    let value: u32 = process.with_space(|s| read_user(s, uaddr))?;
    if value != expected {
        return Err(EAGAIN);
    }
    let queue = FUTEXES.lock().entry(key).or_default().clone();
    let reason = queue.wait(deadline);
    {
        let mut table = FUTEXES.lock();
        if queue.is_empty() && table.get(&key).is_some_and(|q| Arc::ptr_eq(q, &queue)) {
            table.remove(&key);
        }
    }
    match reason {
        WakeReason::Woken => Ok(0),
        WakeReason::TimedOut => Err(ETIMEDOUT),
        WakeReason::Interrupted => Err(EINTR),
    }
}

/// `FUTEX_WAKE`: wakes up to `count` waiters on `uaddr`; returns how many.
pub fn wake(process: &Process, uaddr: u64, count: usize) -> usize {
    let Ok(key) = key(process, uaddr) else { return 0 };
    let Some(queue) = FUTEXES.lock().get(&key).cloned() else { return 0 };
    (0..count).take_while(|_| queue.wake_one()).count()
}
