//! `SYS_EPOLL_WAIT`: `epoll_wait` on an event queue, with Linux's records written straight
//! to the caller's buffer (`scheme::event` holds the rules; this is the argument checking
//! in Linux's order and the copy).

use kestrel_abi::syscall::{EPOLL_EVENT_SIZE, EPOLL_MAX_EVENTS};

use super::{Context, Result};
use crate::errno::{EFAULT, EINVAL};
use crate::memory::address_space::USER_END;
use crate::scheme::SchemeId;
use crate::scheme::event::{EVENT_SCHEME, EpollRecords};

/// `epoll_wait(fd, events, max, deadline)`, its errors in the order Linux finds them:
/// EBADF, EINVAL for `max` outside 1..=EPOLL_MAX_EVENTS, EFAULT for a buffer outside user
/// memory, EINVAL for a descriptor that is not an event queue; then the wait. Returns the
/// records written.
#[inline(never)]
pub fn epoll_wait(cx: &Context, fd: usize, events: usize, max: usize, deadline: usize) -> Result {
    // No reference to the description yet: nothing closes it while the call runs under
    // the kernel lock, and only a wait (below) lets go of that lock.
    let (scheme, handle) = super::fs::description_key(cx, fd)?;
    if max == 0 || max > EPOLL_MAX_EVENTS {
        return Err(EINVAL);
    }
    // Neither the product (`max` is at most EPOLL_MAX_EVENTS) nor, once `events` is known
    // to be below USER_END, the sum can overflow.
    if events as u64 >= USER_END || events as u64 + (max * EPOLL_EVENT_SIZE) as u64 > USER_END {
        return Err(EFAULT);
    }
    if scheme != SchemeId::Event {
        return Err(EINVAL);
    }
    let mut records = EpollRecords::new(max);
    let mut n = EVENT_SCHEME.epoll_take(handle, &mut records)?;
    if n == 0 && deadline != 0 {
        n = wait(cx, fd, &mut records, deadline as u64)?;
    }
    cx.process.copy_out(events as u64, records.bytes())?;
    Ok(n)
}

/// The sleeping part of [`epoll_wait`], out of its way: it holds the description open
/// across the wait, so that another thread's close cannot hand the queue's handle to a
/// new queue meanwhile.
#[cold]
#[inline(never)]
fn wait(cx: &Context, fd: usize, records: &mut EpollRecords, deadline: u64) -> Result {
    let description = super::fs::description(cx, fd)?;
    EVENT_SCHEME.epoll_wait(description.handle, records, deadline)
}
