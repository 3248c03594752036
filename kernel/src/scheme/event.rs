//! `/scheme/event`: event queues. Writing an `Event { id: fd, flags, data }` registers
//! (or, with flags 0, removes) interest in descriptor `fd` of the writer; reading returns
//! an `Event` for each registered descriptor that is ready now (level-triggered), blocking
//! until one is unless the queue is `O_NONBLOCK` (then `EAGAIN`).
//!
//! Readiness comes from each scheme's `poll`. A scheme whose readiness changes calls
//! [`notify`]; timers report their deadline, so a reader sleeps until the earliest one.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use crate::errno::{EAGAIN, EBADF, EINTR, EINVAL};
use kestrel_abi::syscall::{EVENT_READ, EVENT_WRITE, Event, MODE_CHR, Stat};
use spin::Mutex;

use super::{Caller, KernelScheme, OpenDescription, Result};
use crate::context::thread::WakeReason;
use crate::context::wait_queue::WaitQueue;
use crate::memory::user::bytes_of;

#[derive(Clone)]
struct Registration {
    fd: usize,
    description: Weak<OpenDescription>,
    flags: usize,
    data: usize,
}

/// The event scheme: its queues and the threads waiting on any of them.
pub struct EventScheme {
    queues: Mutex<BTreeMap<usize, Vec<Registration>>>,
    next: Mutex<usize>,
    waiters: WaitQueue,
}

/// The registered instance.
pub static EVENT_SCHEME: EventScheme =
    EventScheme { queues: Mutex::new(BTreeMap::new()), next: Mutex::new(1), waiters: WaitQueue::new() };

/// Some descriptor's readiness may have changed: readers re-check.
pub fn notify() {
    EVENT_SCHEME.waiters.wake_all();
}

fn ready_events(registrations: &[Registration]) -> (Vec<Event>, Option<u64>) {
    let mut events = Vec::new();
    let mut deadline: Option<u64> = None;
    for r in registrations {
        let Some(desc) = r.description.upgrade() else { continue };
        let scheme = desc.scheme();
        let ready = scheme.poll(desc.handle) & r.flags;
        if ready != 0 {
            events.push(Event { id: r.fd, flags: ready, data: r.data });
        } else if let Some(d) = scheme.next_deadline(desc.handle) {
            deadline = Some(deadline.map_or(d, |x| x.min(d)));
        }
    }
    (events, deadline)
}

impl KernelScheme for EventScheme {
    fn open(&self, _path: &str, _flags: usize, _caller: &mut Caller<'_>) -> Result<usize> {
        let mut next = self.next.lock();
        let handle = *next;
        *next += 1;
        self.queues.lock().insert(handle, Vec::new());
        Ok(handle)
    }

    fn write(&self, handle: usize, buf: &[u8], _nonblock: bool, caller: &mut Caller<'_>) -> Result<usize> {
        const SIZE: usize = size_of::<Event>();
        if buf.len() < SIZE {
            return Err(EINVAL);
        }
        let mut written = 0;
        for chunk in buf.chunks_exact(SIZE) {
            let word = |i: usize| usize::from_le_bytes(chunk[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]));
            let (fd, flags, data) = (word(0), word(1), word(2));
            let description: Arc<OpenDescription> = caller.process.files.lock().get(fd)?.description.clone();
            let mut queues = self.queues.lock();
            let queue = queues.get_mut(&handle).ok_or(EBADF)?;
            queue.retain(|r| r.fd != fd);
            if flags & (EVENT_READ | EVENT_WRITE) != 0 {
                queue.push(Registration { fd, description: Arc::downgrade(&description), flags, data });
            }
            written += SIZE;
        }
        Ok(written)
    }

    fn read(&self, handle: usize, buf: &mut [u8], nonblock: bool, _caller: &mut Caller<'_>) -> Result<usize> {
        const SIZE: usize = size_of::<Event>();
        if buf.len() < SIZE {
            return Err(EINVAL);
        }
        loop {
            let registrations = self.queues.lock().get(&handle).ok_or(EBADF)?.clone();
            let (events, deadline) = ready_events(&registrations);
            if !events.is_empty() {
                let n = events.len().min(buf.len() / SIZE);
                for (i, event) in events.iter().take(n).enumerate() {
                    buf[i * SIZE..(i + 1) * SIZE].copy_from_slice(bytes_of(event));
                }
                return Ok(n * SIZE);
            }
            if nonblock {
                return Err(EAGAIN);
            }
            if self.waiters.wait(deadline) == WakeReason::Interrupted {
                return Err(EINTR);
            }
        }
    }

    fn fstat(&self, handle: usize) -> Result<Stat> {
        self.queues.lock().get(&handle).ok_or(EBADF)?;
        Ok(Stat { st_mode: MODE_CHR | 0o600, ..Stat::default() })
    }

    fn fpath(&self, _handle: usize) -> Result<String> {
        Ok(String::new())
    }

    fn poll(&self, handle: usize) -> usize {
        let registrations = self.queues.lock().get(&handle).cloned().unwrap_or_default();
        if ready_events(&registrations).0.is_empty() { 0 } else { EVENT_READ }
    }

    fn close(&self, handle: usize) {
        self.queues.lock().remove(&handle);
    }
}
