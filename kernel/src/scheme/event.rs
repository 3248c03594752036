//! `/scheme/event`: event queues. Writing an `Event { id: fd, flags, data }` registers
//! (or, with flags 0, removes) interest in descriptor `fd` of the writer; reading returns
//! an `Event` for each registered descriptor that is ready now, blocking until one is
//! unless the queue is `O_NONBLOCK` (then `EAGAIN`). `SYS_CALL` with `[EVENT_CALL_WAIT,
//! deadline]` does the same into its payload until an absolute monotonic deadline (0 at
//! the deadline): `epoll_wait` in one call. `SYS_EPOLL_WAIT` ([`EventScheme::epoll_wait`])
//! waits the same way and hands Linux's `struct epoll_event` records, in the epoll events
//! each registration carries above `EVENT_EPOLL_SHIFT`, straight to the caller's buffer:
//! no metadata, no payload round trip, no translation in the C runtime.
//!
//! The conditions are `EVENT_READ`, `EVENT_WRITE`, `EVENT_HUP` and `EVENT_ERR`; a
//! registration asks for some and is reported only those. It is level-triggered
//! (reported on every read while its descriptor is ready) unless its flags have
//! `EVENT_EDGE`: then each condition is reported once when it becomes true, and again
//! only after it has been seen false. With `EPOLLONESHOT` among its epoll events, a
//! registration is disabled once reported. Writing a registration again re-arms it (its
//! present state is reported).
//!
//! A queue may watch another queue (readable when that one has events), but not itself,
//! nor a queue that watches it, nor deeper than `MAX_NESTING` levels: `EINVAL`.
//!
//! Readiness comes from each scheme's `poll`. A scheme calls [`notify`] after its
//! readiness changes, either way (a timer's deadline passing is the exception: timers
//! report their deadline, so a reader sleeps until the earliest one). `notify` wakes the
//! readers and lets edge-triggered registrations see conditions that became false.

use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};

use crate::errno::{EAGAIN, EBADF, EINTR, EINVAL};
use arrayvec::ArrayVec;
use kestrel_abi::syscall::{EPOLL_EVENT_SIZE, EVENT_CALL_WAIT, EVENT_READ, Event, MODE_CHR, Stat};
use spin::Mutex;

use super::handles::HandleTable;
use super::ipc::readiness::{self, CONDITIONS};
use super::{Caller, KernelScheme, OpenDescription, ReadinessCell, Result, SchemeId};
use crate::arch::clock::monotonic_ns;
use crate::context::thread::WakeReason;
use crate::context::wait_queue::WaitQueue;

#[derive(Clone)]
struct Registration {
    fd: usize,
    description: Weak<OpenDescription>,
    /// The description's scheme and handle, polled while it is open (its strong count
    /// not 0) without taking a reference to it.
    scheme: &'static dyn KernelScheme,
    handle: usize,
    /// The scheme's readiness cell for the handle, if it keeps one: read instead of
    /// calling `poll` (an eventfd's, which an event loop's every wait looks at).
    readiness: Option<ReadinessCell>,
    flags: usize,
    data: usize,
    /// Edge-triggered: the conditions reported and not seen false since.
    reported: usize,
    /// The queue this registration watches, if its descriptor is an event queue.
    nested: Option<usize>,
}

/// Most levels of queues inside queues below a registration (Linux's `EP_MAX_NESTS`).
const MAX_NESTING: usize = 4;

/// Whether queue `from`, or a queue registered in it (to `MAX_NESTING` levels), is
/// `target`: registering `from` in `target` would make a loop, which a queue's `poll`
/// would follow for ever.
fn reaches(queues: &HandleTable<Queue>, from: usize, target: usize, depth: usize) -> bool {
    from == target
        || depth >= MAX_NESTING
        || queues.get(from).is_some_and(|q| {
            q.registrations
                .iter()
                .filter(|r| r.description.strong_count() > 0)
                .filter_map(|r| r.nested)
                .any(|n| reaches(queues, n, target, depth + 1))
        })
}

/// One queue: its registrations, and whether one of them watches another queue.
#[derive(Clone, Default)]
struct Queue {
    registrations: Vec<Registration>,
    watches_queues: bool,
}

impl Registration {
    /// Its descriptor's readiness, while the description is open.
    #[inline(always)]
    fn poll(&self) -> usize {
        match &self.readiness {
            Some(cell) => cell.load(Ordering::Relaxed),
            None => self.scheme.poll(self.handle),
        }
    }

    /// After conditions `new` were reported (see `ipc::readiness`).
    fn mark_reported(&mut self, new: usize) {
        readiness::after_report(&mut self.flags, &mut self.reported, new);
    }
}

/// The event scheme: its queues (by handle) and the threads waiting on any of them.
pub struct EventScheme {
    queues: Mutex<HandleTable<Queue>>,
    waiters: WaitQueue,
}

/// The registered instance.
pub static EVENT_SCHEME: EventScheme =
    EventScheme { queues: Mutex::new(HandleTable::new()), waiters: WaitQueue::new() };

/// A descriptor had activity that Linux's wait queues would wake pollers for even when
/// its readiness stays the same (a write to an eventfd that was already readable): its
/// edge-triggered registrations report their conditions again, as Linux's EPOLLET does
/// after every wake-up, and waiters look again.
pub fn activity(scheme: SchemeId, handle: usize) {
    if OPEN_QUEUES.load(Ordering::Relaxed) == 0 {
        return;
    }
    {
        let mut queues = EVENT_SCHEME.queues.lock();
        for r in queues.iter_mut().flat_map(|q| q.registrations.iter_mut()) {
            if r.reported != 0 && r.description.upgrade().is_some_and(|d| d.scheme == scheme && d.handle == handle) {
                r.reported = 0;
            }
        }
    }
    notify();
}

/// Event queues open: readiness changes are skipped while there are none, as nobody can
/// wait on them (a waiter waits on a queue).
static OPEN_QUEUES: AtomicUsize = AtomicUsize::new(0);

/// Some descriptor's readiness may have changed: edge-triggered registrations forget
/// the conditions that are now false, and readers re-check.
pub fn notify() {
    // No event queue is open (a program that does not poll): nobody to tell.
    if OPEN_QUEUES.load(Ordering::Relaxed) == 0 {
        return;
    }
    // From a call that runs without the kernel lock (an mq_send), with no lock held.
    crate::context::kernel_lock::ensure_held();
    EVENT_SCHEME.forget_lapsed();
    EVENT_SCHEME.waiters.wake_all();
}

/// The readiness of a registration's descriptor among the conditions it asks for.
fn current_readiness(r: &Registration) -> usize {
    r.description.upgrade().map_or(0, |desc| desc.scheme().poll(desc.handle) & r.flags & CONDITIONS)
}

/// A registration found ready: its descriptor, the conditions to report, its data and
/// its flags (for the Linux events asked for).
struct Ready {
    fd: usize,
    new: usize,
    data: usize,
    flags: usize,
}

fn ready_events(registrations: &[Registration]) -> (Vec<Ready>, Option<u64>) {
    let mut events = Vec::new();
    let mut deadline: Option<u64> = None;
    for r in registrations.iter().filter(|r| readiness::armed(r.flags)) {
        let Some(desc) = r.description.upgrade() else { continue };
        let scheme = desc.scheme();
        let ready = scheme.poll(desc.handle) & r.flags & CONDITIONS;
        // A copy: the queue's own registration is marked once the report is taken.
        let new = readiness::to_report(r.flags, &mut r.reported.clone(), ready);
        if new != 0 {
            events.push(Ready { fd: r.fd, new, data: r.data, flags: r.flags });
        } else if ready == 0
            && let Some(d) = scheme.next_deadline(desc.handle)
        {
            deadline = Some(deadline.map_or(d, |x| x.min(d)));
        }
    }
    (events, deadline)
}

impl EventScheme {
    /// Edge-triggered registrations: clears the reported conditions that are false now.
    /// Descriptors are polled without the queues' lock (a queue's own `poll` takes it).
    fn forget_lapsed(&self) {
        let armed: Vec<(usize, Registration)> = {
            let queues = self.queues.lock();
            if queues.iter().flat_map(|q| &q.registrations).all(|r| r.reported == 0) {
                return;
            }
            queues
                .iter_with_handles()
                .flat_map(|(h, q)| q.registrations.iter().filter(|r| r.reported != 0).map(move |r| (h, r.clone())))
                .collect()
        };
        let now: Vec<(usize, usize, usize)> = armed.iter().map(|(h, r)| (*h, r.fd, current_readiness(r))).collect();
        let mut queues = self.queues.lock();
        for (handle, fd, ready) in now {
            if let Some(r) = queues.get_mut(handle).and_then(|q| q.registrations.iter_mut().find(|r| r.fd == fd)) {
                r.reported &= ready;
            }
        }
    }

    /// Waits until queue `handle` has ready events or `deadline` (monotonic ns; `None`
    /// never, `Some(0)` only looks) passes; puts them in `out` and returns how many, or 0
    /// at the deadline.
    fn wait(&self, handle: usize, out: &mut impl Records, deadline: Option<u64>) -> Result<usize> {
        loop {
            let (n, timer) = self.take_ready(handle, out)?;
            if n > 0 {
                return Ok(n);
            }
            if deadline.is_some_and(|d| d == 0 || monotonic_ns() >= d) {
                return Ok(0);
            }
            let until = match (deadline, timer) {
                (Some(d), Some(t)) => Some(d.min(t)),
                (d, t) => d.or(t),
            };
            if self.waiters.wait(until) == WakeReason::Interrupted {
                return Err(EINTR);
            }
        }
    }

    /// Puts the ready events of queue `handle` in `out` (as many as fit) and marks the
    /// edge-triggered ones reported and the one-shot ones disabled. Returns how many, and
    /// the earliest deadline of a registered timer that is not ready yet.
    ///
    /// Descriptors are polled under the queues' lock (no scheme's own lock is held while
    /// it calls `notify`), except event queues: a queue's `poll` takes that lock, so a
    /// queue watching queues is polled from a copy of its registrations.
    #[inline(always)]
    fn take_ready(&self, handle: usize, out: &mut impl Records) -> Result<(usize, Option<u64>)> {
        let room = out.room();
        let mut queues = self.queues.lock();
        let queue = queues.get_mut(handle).ok_or(EBADF)?;
        if queue.watches_queues {
            drop(queues);
            return self.take_ready_nested(handle, out);
        }
        let (mut n, mut deadline) = (0, None);
        // A one-shot registration reported already asks for nothing; a closed
        // description's registration reports nothing (polled without a reference to it:
        // nothing closes it meanwhile, and its scheme's `poll` takes no queue lock).
        for r in queue.registrations.iter_mut() {
            if n == room {
                break;
            }
            if !readiness::armed(r.flags) || r.description.strong_count() == 0 {
                continue;
            }
            let ready = r.poll() & r.flags & CONDITIONS;
            // An edge-triggered condition seen false now is reported again when it next
            // becomes true, whether or not its scheme said so by `notify`.
            let new = readiness::to_report(r.flags, &mut r.reported, ready);
            if new != 0 && out.put(n, &Ready { fd: r.fd, new, data: r.data, flags: r.flags }) {
                r.mark_reported(new);
                n += 1;
            } else if ready == 0
                && let Some(d) = r.scheme.next_deadline(r.handle)
            {
                deadline = Some(deadline.map_or(d, |x: u64| x.min(d)));
            }
        }
        Ok((n, deadline))
    }

    /// [`Self::take_ready`] for a queue that watches other queues.
    fn take_ready_nested(&self, handle: usize, out: &mut impl Records) -> Result<(usize, Option<u64>)> {
        let registrations = self.queues.lock().get(handle).ok_or(EBADF)?.registrations.clone();
        let (events, deadline) = ready_events(&registrations);
        let mut reported = Vec::new();
        for event in events {
            if reported.len() == out.room() {
                break;
            }
            if out.put(reported.len(), &event) {
                reported.push(event);
            }
        }
        let mut queues = self.queues.lock();
        if let Some(queue) = queues.get_mut(handle) {
            for event in &reported {
                if let Some(r) = queue.registrations.iter_mut().find(|r| r.fd == event.fd) {
                    r.mark_reported(event.new);
                }
            }
        }
        Ok((reported.len(), deadline))
    }
}

/// Where a wait puts the ready events it takes.
trait Records {
    /// How many events fit.
    fn room(&self) -> usize;
    /// Puts `event` as the `index`th; false if it has nothing this kind of record reports
    /// (it then counts as not taken).
    fn put(&mut self, index: usize, event: &Ready) -> bool;
}

/// Redox's records, `Event { fd, ready conditions, data }`, in a byte buffer.
struct EventRecords<'a>(&'a mut [u8]);

impl Records for EventRecords<'_> {
    fn room(&self) -> usize {
        self.0.len() / EVENT_SIZE
    }

    fn put(&mut self, index: usize, event: &Ready) -> bool {
        put_event(self.0, index, &Event { id: event.fd, flags: event.new, data: event.data });
        true
    }
}

/// Most records one `SYS_EPOLL_WAIT` takes: they are gathered on the kernel stack.
const EPOLL_BATCH: usize = 64;

/// Linux's records (`struct epoll_event`), gathered for one copy to the caller.
pub struct EpollRecords {
    records: ArrayVec<[u8; EPOLL_EVENT_SIZE], EPOLL_BATCH>,
    room: usize,
}

impl EpollRecords {
    /// Room for `max` records (at most `EPOLL_BATCH`).
    pub fn new(max: usize) -> Self {
        Self { records: ArrayVec::new(), room: max.min(EPOLL_BATCH) }
    }

    /// The records taken, as the caller's buffer receives them.
    pub fn bytes(&self) -> &[u8] {
        self.records.as_flattened()
    }
}

impl Records for EpollRecords {
    fn room(&self) -> usize {
        self.room
    }

    #[inline(always)]
    fn put(&mut self, _index: usize, event: &Ready) -> bool {
        let events = readiness::epoll_events(event.flags, event.new);
        if events == 0 {
            return false;
        }
        let mut record = [0u8; EPOLL_EVENT_SIZE];
        record[..4].copy_from_slice(&events.to_le_bytes());
        record[4..].copy_from_slice(&(event.data as u64).to_le_bytes());
        self.records.push(record);
        true
    }
}

impl EventScheme {
    /// `SYS_EPOLL_WAIT` on queue `handle`: waits as [`Self::wait`] and leaves the events
    /// in `out`.
    pub fn epoll_wait(&self, handle: usize, out: &mut EpollRecords, deadline: u64) -> Result<usize> {
        self.wait(handle, out, (deadline != u64::MAX).then_some(deadline))
    }

    /// The events of queue `handle` ready now, in `out`, without waiting: the first look
    /// of every `SYS_EPOLL_WAIT`, which an event loop's busy queue answers.
    #[inline(always)]
    pub fn epoll_take(&self, handle: usize, out: &mut EpollRecords) -> Result<usize> {
        Ok(self.take_ready(handle, out)?.0)
    }
}

/// Bytes of one `Event` in a read or wait buffer.
const EVENT_SIZE: usize = size_of::<Event>();

/// Writes `event` as the `index`th record of `out`, a word at a time (a whole-record
/// copy would be a wide SSE move, whose first use in a call costs a lazy FPU save).
fn put_event(out: &mut [u8], index: usize, event: &Event) {
    let record = &mut out[index * EVENT_SIZE..(index + 1) * EVENT_SIZE];
    for (slot, word) in record.chunks_exact_mut(8).zip([event.id, event.flags, event.data]) {
        slot.copy_from_slice(&word.to_le_bytes());
    }
}

impl KernelScheme for EventScheme {
    fn open(&self, _path: &str, _flags: usize, _caller: &mut Caller<'_>) -> Result<usize> {
        let handle = self.queues.lock().insert(Queue::default());
        OPEN_QUEUES.fetch_add(1, Ordering::Relaxed);
        Ok(handle)
    }

    fn write(&self, handle: usize, buf: &[u8], _nonblock: bool, caller: &mut Caller<'_>) -> Result<usize> {
        const SIZE: usize = EVENT_SIZE;
        if buf.len() < SIZE {
            return Err(EINVAL);
        }
        let mut written = 0;
        for chunk in buf.chunks_exact(SIZE) {
            let word = |i: usize| usize::from_le_bytes(chunk[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]));
            let (fd, flags, data) = (word(0), word(1), word(2));
            let description: Arc<OpenDescription> = caller.process.files.lock().get(fd)?.description.clone();
            let nested = (description.scheme == SchemeId::Event).then_some(description.handle);
            let mut queues = self.queues.lock();
            if flags & CONDITIONS != 0 && nested.is_some_and(|n| reaches(&queues, n, handle, 0)) {
                return Err(EINVAL);
            }
            let queue = queues.get_mut(handle).ok_or(EBADF)?;
            queue.registrations.retain(|r| r.fd != fd);
            if flags & CONDITIONS != 0 {
                let (scheme, handle) = (description.scheme(), description.handle);
                let readiness = scheme.readiness_cell(handle);
                let description = Arc::downgrade(&description);
                queue.registrations.push(Registration {
                    fd,
                    description,
                    scheme,
                    handle,
                    readiness,
                    flags,
                    data,
                    reported: 0,
                    nested,
                });
            }
            queue.watches_queues = queue.registrations.iter().any(|r| r.nested.is_some());
            written += SIZE;
        }
        Ok(written)
    }

    /// `read`: the ready events, waiting for one unless the queue is `O_NONBLOCK`.
    fn read(&self, handle: usize, buf: &mut [u8], nonblock: bool, _caller: &mut Caller<'_>) -> Result<usize> {
        if buf.len() < EVENT_SIZE {
            return Err(EINVAL);
        }
        match self.wait(handle, &mut EventRecords(buf), if nonblock { Some(0) } else { None })? {
            0 => Err(EAGAIN),
            n => Ok(n * EVENT_SIZE),
        }
    }

    /// `EVENT_CALL_WAIT`: the ready events, waiting until the deadline.
    fn call(&self, handle: usize, payload: &mut [u8], metadata: &[u64], _caller: &mut Caller<'_>) -> Result<usize> {
        let &[EVENT_CALL_WAIT, deadline] = metadata else { return Err(EINVAL) };
        if payload.len() < EVENT_SIZE {
            return Err(EINVAL);
        }
        Ok(self.wait(handle, &mut EventRecords(payload), (deadline != u64::MAX).then_some(deadline))? * EVENT_SIZE)
    }

    fn fstat(&self, handle: usize) -> Result<Stat> {
        self.queues.lock().get(handle).ok_or(EBADF)?;
        Ok(Stat { st_mode: MODE_CHR | 0o600, ..Stat::default() })
    }

    fn fpath(&self, _handle: usize) -> Result<String> {
        Ok(String::new())
    }

    fn poll(&self, handle: usize) -> usize {
        let registrations = self.queues.lock().get(handle).cloned().unwrap_or_default().registrations;
        if ready_events(&registrations).0.is_empty() { 0 } else { EVENT_READ }
    }

    /// A queue inside another becomes readable when one of its descriptors' deadlines
    /// comes (a timer's): the outer queue's waiters sleep until the earliest.
    fn next_deadline(&self, handle: usize) -> Option<u64> {
        let registrations = self.queues.lock().get(handle).cloned().unwrap_or_default().registrations;
        ready_events(&registrations).1
    }

    fn close(&self, handle: usize) {
        if self.queues.lock().remove(handle).is_some() {
            OPEN_QUEUES.fetch_sub(1, Ordering::Relaxed);
        }
    }
}
