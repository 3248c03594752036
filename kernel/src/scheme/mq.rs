//! `/scheme/mq`: POSIX message queues as descriptors (`kestrel_abi::mq` has the calls).
//! The rules live in `ipc::mq`; this glue decodes the calls on the scheme's root, finds
//! the queue descriptor each names, copies messages between user memory and the kernel
//! (once from the sender, once to the receiver), sleeps and wakes through `ipc_glue`,
//! reports readiness to the event scheme and delivers mq_notify's notices
//! (`mq_notice`).
//!
//! Handles: 0 is the root, which takes the calls; every other handle is one open
//! description of a queue, made by `MQ_CALL_OPEN` and holding a reference to it, its
//! access mode (Linux's, so mode 3 gives neither send nor receive) and its name. The
//! description's O_NONBLOCK flag is the queue description's (mq_setattr and
//! `fcntl(F_SETFL)` set the same flag); dup and fork share the description.
//!
//! Locks, in the order of `context::lock_order`: the caller's `creds` (mq_open and
//! mq_unlink only), then `MQS` (level Facility), under which the caller's address space
//! may be locked to check a receive buffer. The caller's descriptor table is locked and
//! released before `MQS`. Threads are woken, signals sent and notices written only after
//! `MQS` is released.
//!
//! Deliberate differences from Linux: no umask is applied to a new queue's mode (the
//! kernel has none); a receive checks that the caller's buffer (and `msg_prio`) can take
//! the message before taking it, so a bad buffer is EFAULT with the message still queued
//! (Linux loses it), and before it sleeps it checks room for `mq_msgsize` bytes; a
//! registration made before an exec still fires after it (Linux skips the signal); the
//! per-user byte limit is the default RLIMIT_MSGQUEUE (there is no setrlimit).

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use kestrel_abi::mq::{
    MQ_CALL_GETSETATTR, MQ_CALL_NOTIFY, MQ_CALL_OPEN, MQ_CALL_RECEIVE, MQ_CALL_SEND, MQ_CALL_UNLINK, MQ_O_CLOEXEC,
    MqAttr as AbiAttr, SigEvent,
};
use kestrel_abi::syscall::{
    EVENT_READ, EVENT_WRITE, MODE_CHR, MODE_FILE, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY, Stat,
};
use kestrel_abi::sysv::LinuxTimespec;

use super::ipc::mq::{
    self, Delivery, MqAttr, MqNamespace, Notify, O_ACCMODE, QueueRef, RLIMIT_MSGQUEUE_DEFAULT, Woken,
};
use super::ipc::wait::Outcome;
use super::ipc_glue::{self, Deadline, Facility, Sleepers, Wakeups};
use super::mq_notice::{Notices, Target};
use super::{Caller, FileDescriptor, KernelScheme, OpenDescription, Result, SchemeId};
use crate::context::lock_order::{Level, OrderedMutex};
use crate::context::scheduler;
use crate::errno::{
    EBADF, EINTR, EINVAL, EIO, EMFILE, EMSGSIZE, ENOENT, ENOMEM, EOPNOTSUPP, ERESTARTSYS, ETIMEDOUT, Errno,
};
use crate::memory::user::{Plain, check_writable};

/// The root's handle.
const ROOT: usize = 0;

/// One open description of a queue.
struct Handle {
    queue: QueueRef,
    /// `oflag & O_ACCMODE` as mq_open got it.
    access: i32,
    /// The name it was opened by, for `fpath`.
    name: Vec<u8>,
    /// How far `read` has gone through the status line.
    read_offset: usize,
}

/// The queues, their open descriptions, the threads asleep in mq_send and mq_receive,
/// and what each mq_notify registration asks for.
struct Mqs {
    ns: MqNamespace,
    sleepers: Sleepers<Delivery>,
    /// The waiters a call's change completed, until they are handed to their sleepers.
    woken: Woken,
    /// Handle `h` is `handles[h - 1]`.
    handles: Vec<Option<Handle>>,
    notices: Notices,
}

impl Facility for Mqs {
    type Result = Delivery;

    fn sleepers(&mut self) -> &mut Sleepers<Delivery> {
        &mut self.sleepers
    }
}

impl Mqs {
    fn handle(&self, handle: usize) -> Option<&Handle> {
        self.handles.get(handle.wrapping_sub(1)).and_then(Option::as_ref)
    }

    fn handle_mut(&mut self, handle: usize) -> Option<&mut Handle> {
        self.handles.get_mut(handle.wrapping_sub(1)).and_then(Option::as_mut)
    }

    /// Keeps `handle` in a free slot; its number.
    fn add_handle(&mut self, handle: Handle) -> usize {
        match self.handles.iter().position(Option::is_none) {
            Some(i) => {
                self.handles[i] = Some(handle);
                i + 1
            }
            None => {
                self.handles.push(Some(handle));
                self.handles.len()
            }
        }
    }

    /// The poll bits of `queue` (Linux `mqueue_poll_file`, whatever the access mode).
    fn readiness(&self, queue: QueueRef) -> usize {
        let q = self.ns.queue(queue);
        (if q.readable() { EVENT_READ } else { 0 }) | (if q.writable() { EVENT_WRITE } else { 0 })
    }
}

static MQS: spin::LazyLock<OrderedMutex<Mqs>> = spin::LazyLock::new(|| {
    OrderedMutex::new(
        Level::Facility,
        Mqs {
            ns: MqNamespace::new(),
            sleepers: Sleepers::new(),
            woken: Woken::new(),
            handles: Vec::new(),
            notices: Notices::default(),
        },
    )
});

// SAFETY: a repr(C) struct of integers without padding.
unsafe impl Plain for AbiAttr {}

/// The payload as exactly `N` little-endian words (any other length is EINVAL).
fn words<const N: usize>(payload: &[u8]) -> Result<[u64; N]> {
    if payload.len() != N * 8 {
        return Err(EINVAL);
    }
    let mut words = [0; N];
    for (word, bytes) in words.iter_mut().zip(payload.chunks_exact(8)) {
        *word = u64::from_le_bytes(bytes.try_into().map_err(|_| EINVAL)?);
    }
    Ok(words)
}

/// The absolute timeout at `address` (0: none), read first as Linux does (EFAULT).
fn read_timeout(caller: &Caller<'_>, address: u64) -> Result<Option<LinuxTimespec>> {
    if address == 0 { Ok(None) } else { caller.process.read_user(address).map(Some) }
}

/// The deadline of an absolute `CLOCK_REALTIME` timeout, validated as Linux's
/// `prepare_timeout` does even when the call will not wait (EINVAL).
fn realtime_deadline(timeout: Option<LinuxTimespec>) -> Result<Deadline> {
    let Some(ts) = timeout else { return Ok(Deadline::Never) };
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(EINVAL);
    }
    Ok(Deadline::Realtime((ts.tv_sec as u64).saturating_mul(1_000_000_000).saturating_add(ts.tv_nsec as u64)))
}

/// The queue description `mqd` names, and its handle: EBADF if it is not one.
fn queue_descriptor(caller: &Caller<'_>, mqd: u64) -> Result<(Arc<OpenDescription>, usize)> {
    let fd = usize::try_from(mqd as u32 as i32).map_err(|_| EBADF)?;
    let desc = caller.process.files.lock().get(fd)?.description.clone();
    if desc.scheme != SchemeId::Mq || desc.handle == ROOT {
        return Err(EBADF);
    }
    let handle = desc.handle;
    Ok((desc, handle))
}

/// What a send or receive left to do once `MQS` is released.
#[derive(Default)]
struct Aftermath {
    wakeups: Wakeups,
    readiness_changed: bool,
    notice: Option<(u32, Target)>,
}

impl Aftermath {
    /// Wakes the completed waiters, tells the event scheme, delivers the notice.
    fn finish(mut self, caller: &Caller<'_>) {
        self.wakeups.wake();
        if self.readiness_changed {
            super::event::notify();
        }
        if let Some((owner, target)) = self.notice {
            target.deliver(owner, caller);
        }
    }
}

/// A sender completed as a receiver or the other way round: a bug in the rules, reported
/// in debug builds and answered with EIO otherwise.
fn mismatched_delivery() -> Errno {
    debug_assert!(false, "a waiter was completed with the other kind of delivery");
    EIO
}

/// signal(7): mq_send and mq_receive interrupted by a handler with SA_RESTART are made
/// again (the deadline is absolute, so it stands); see `context::signal`.
fn restartable(errno: Errno) -> Errno {
    if errno == EINTR {
        scheduler::request_return_check();
        ERESTARTSYS
    } else {
        errno
    }
}

/// How a send or receive ended: at once, or asleep until a change completed it.
enum Settled<T> {
    Now(T),
    Later(Delivery),
}

/// Runs a send or receive's rules under `MQS` and settles the outcome: done wakes whom
/// it completed; wait sleeps until a change completes it, `deadline` passes (ETIMEDOUT)
/// or a signal arrives (EINTR). `check` runs first under the lock (access, buffers).
fn run<T>(
    caller: &Caller<'_>,
    handle: usize,
    check: impl FnOnce(&mut Mqs, QueueRef) -> Result<()>,
    call: impl FnOnce(&mut MqNamespace, QueueRef, &mut Woken) -> Result<(Outcome<T>, Option<Notify>)>,
    deadline: Deadline,
) -> Result<Settled<T>> {
    let mut after = Aftermath::default();
    let mut guard = MQS.lock();
    let queue = guard.handle(handle).ok_or(EBADF)?.queue;
    check(&mut guard, queue)?;
    let before = guard.readiness(queue);
    let Mqs { ns, woken, .. } = &mut *guard;
    let outcome = call(ns, queue, woken);
    let Mqs { sleepers, woken, .. } = &mut *guard;
    sleepers.complete(woken.drain(..), &mut after.wakeups);
    after.readiness_changed = guard.readiness(queue) != before;
    let result = match outcome {
        Err(errno) => Err(errno),
        Ok((Outcome::Done(value), notify)) => {
            after.notice = notify.and_then(|n| guard.notices.take(n.token).map(|t| (n.pid, t)));
            Ok(Settled::Now(value))
        }
        Ok((Outcome::Wait(waiter), _)) => {
            // A call that waits changed nothing, so it completed and notified nobody.
            debug_assert!(after.wakeups.is_empty() && !after.readiness_changed);
            return ipc_glue::sleep(&MQS, guard, caller.thread, waiter, deadline, ETIMEDOUT, |mqs| {
                mqs.ns.cancel(queue, waiter)
            })
            .map(Settled::Later)
            .map_err(restartable);
        }
    };
    drop(guard);
    after.finish(caller);
    result
}

/// Message buffers kept for reuse: a message's buffer goes back here once its receiver
/// has copied it out, and the next send fills it, so a steady stream of messages does
/// not allocate (an allocation and a free cost about as much as the rest of a call).
/// Bounded in count and in the size of the buffers kept.
mod spare_buffers {
    use alloc::vec::Vec;

    use arrayvec::ArrayVec;

    use crate::scheme::ipc::mq::MSGSIZE_MAX;

    /// Most buffers kept.
    const KEPT: usize = 16;

    /// The spare buffers. Lock order: a leaf, taken under no other lock.
    static SPARE: spin::Mutex<ArrayVec<Vec<u8>, KEPT>> = spin::Mutex::new(ArrayVec::new_const());

    /// An empty buffer: a spare one, or a new one.
    pub(super) fn take() -> Vec<u8> {
        SPARE.lock().pop().unwrap_or_default()
    }

    /// Keeps `buffer` for a later send, if there is room and it is not larger than an
    /// unprivileged queue's messages can be.
    pub(super) fn give_back(mut buffer: Vec<u8>) {
        if buffer.capacity() <= MSGSIZE_MAX as usize {
            buffer.clear();
            let _ = SPARE.lock().try_push(buffer);
        }
    }
}

/// The mq scheme.
pub struct MqScheme;

impl MqScheme {
    /// mq_open: `[MQ_CALL_OPEN, mode << 32 | oflag, attr]`, the name in the payload.
    fn open_queue(caller: &Caller<'_>, word: u64, attr: u64, payload: &[u8]) -> Result<usize> {
        let (oflag, mode) = (word as u32 as i32, (word >> 32) as u32);
        // Linux copies the attributes whenever they are given (EFAULT), and looks at
        // them only when it creates the queue.
        let attr: Option<AbiAttr> = if attr == 0 { None } else { Some(caller.process.read_user(attr)?) };
        let attr = attr.map(|a| MqAttr {
            mq_flags: a.mq_flags,
            mq_maxmsg: a.mq_maxmsg,
            mq_msgsize: a.mq_msgsize,
            mq_curmsgs: 0,
        });
        // Linux takes the descriptor number before it looks at the name.
        if !caller.process.files.lock().has_room() {
            return Err(EMFILE);
        }
        let name = payload;
        let handle = {
            let creds = caller.process.creds.lock();
            let mut guard = MQS.lock();
            let queue = guard.ns.open(&creds, name, oflag, (mode & 0o7777) as u16, attr, RLIMIT_MSGQUEUE_DEFAULT)?;
            let access = oflag & O_ACCMODE;
            guard.add_handle(Handle { queue, access, name: name.to_vec(), read_offset: 0 })
        };
        let access = match oflag & O_ACCMODE {
            mq::O_RDONLY => O_RDONLY,
            mq::O_WRONLY => O_WRONLY,
            mq::O_RDWR => O_RDWR,
            _ => 0,
        };
        let nonblock = if oflag & mq::O_NONBLOCK != 0 { O_NONBLOCK } else { 0 };
        let description = Arc::new(OpenDescription::new(SchemeId::Mq, handle, access | nonblock));
        let cloexec = oflag & MQ_O_CLOEXEC != 0;
        // On failure the description drops here and gives its reference back.
        caller.process.files.lock().insert_from(0, FileDescriptor { description, cloexec })
    }

    /// mq_unlink: `[MQ_CALL_UNLINK, 0, 0]`, the name in the payload.
    fn unlink_queue(caller: &Caller<'_>, payload: &[u8]) -> Result<usize> {
        let creds = caller.process.creds.lock();
        MQS.lock().ns.unlink(&creds, payload)?;
        Ok(0)
    }

    /// mq_timedsend: `[MQ_CALL_SEND | prio << 32, mqd, msg_ptr]`, msg_len and the timeout's
    /// address in the payload. Linux's order: the timeout's EFAULT, the priority's and the
    /// timeout's EINVAL, the descriptor's EBADF, EMSGSIZE, the text's EFAULT, then the
    /// queue's.
    fn send(caller: &Caller<'_>, word: u64, mqd: u64, msg_ptr: u64, payload: &[u8]) -> Result<usize> {
        let [msg_len, timeout] = words::<2>(payload)?;
        let prio = (word >> 32) as u32;
        let timeout = read_timeout(caller, timeout)?;
        mq::check_prio(prio)?;
        let deadline = realtime_deadline(timeout)?;
        let (desc, handle) = queue_descriptor(caller, mqd)?;
        let msgsize = {
            let guard = MQS.lock();
            let h = guard.handle(handle).ok_or(EBADF)?;
            mq::check_access(h.access, true)?;
            guard.ns.queue(h.queue).msgsize()
        };
        if msg_len > msgsize as u64 {
            return Err(EMSGSIZE);
        }
        let len = msg_len as usize;
        let mut data = spare_buffers::take();
        data.try_reserve_exact(len).map_err(|_| ENOMEM)?;
        // SAFETY: the reserved capacity holds `len` bytes.
        unsafe { caller.process.copy_in(msg_ptr, data.as_mut_ptr(), len)? };
        // SAFETY: the copy initialized all `len` bytes.
        unsafe { data.set_len(len) };
        let nonblock = desc.nonblock();
        let sent =
            run(caller, handle, |_, _| Ok(()), |ns, q, woken| ns.send(q, data, prio, nonblock, woken), deadline)?;
        match sent {
            Settled::Now(()) | Settled::Later(Delivery::Sent) => Ok(0),
            Settled::Later(Delivery::Received(_)) => Err(mismatched_delivery()),
        }
    }

    /// mq_timedreceive: `[MQ_CALL_RECEIVE, mqd, buf]`, msg_len, the timeout's address and
    /// `msg_prio`'s in the payload. Returns the message's length.
    fn receive(caller: &Caller<'_>, mqd: u64, buf: u64, payload: &[u8]) -> Result<usize> {
        let [msg_len, timeout, prio_ptr] = words::<3>(payload)?;
        let deadline = realtime_deadline(read_timeout(caller, timeout)?)?;
        let (desc, handle) = queue_descriptor(caller, mqd)?;
        let nonblock = desc.nonblock();
        let buf_len = usize::try_from(msg_len).unwrap_or(usize::MAX);
        // Room for what will be taken (the next message, or any while asleep), checked
        // before it is taken; after the rules' EMSGSIZE, and not when EAGAIN will come.
        let check = |mqs: &mut Mqs, queue: QueueRef| {
            let h = mqs.handle(handle).ok_or(EBADF)?;
            mq::check_access(h.access, false)?;
            let q = mqs.ns.queue(queue);
            if buf_len < q.msgsize() || (nonblock && !q.readable()) {
                return Ok(());
            }
            let need = q.next_len().unwrap_or(q.msgsize());
            caller.process.with_space(|s| {
                check_writable(s, buf, need)?;
                if prio_ptr != 0 { check_writable(s, prio_ptr, 4) } else { Ok(()) }
            })
        };
        let received =
            run(caller, handle, check, |ns, q, woken| Ok((ns.receive(q, buf_len, nonblock, woken)?, None)), deadline)?;
        let message = match received {
            Settled::Now(message) | Settled::Later(Delivery::Received(message)) => message,
            Settled::Later(Delivery::Sent) => return Err(mismatched_delivery()),
        };
        let copied = caller.process.copy_out(buf, &message.data);
        let copied = copied.and_then(|()| match prio_ptr {
            0 => Ok(()),
            _ => caller.process.copy_out(prio_ptr, &message.prio.to_le_bytes()),
        });
        let len = message.data.len();
        spare_buffers::give_back(message.data);
        copied.map(|()| len)
    }

    /// mq_getsetattr: `[MQ_CALL_GETSETATTR, mqd, 0]`, the new and old attributes'
    /// addresses in the payload (0: none). Linux's order: the new attributes' EFAULT and
    /// EINVAL, the descriptor's EBADF, then the old ones copied out (EFAULT, after the
    /// change is made).
    fn getsetattr(caller: &Caller<'_>, mqd: u64, payload: &[u8]) -> Result<usize> {
        let [new, old] = words::<2>(payload)?;
        let new: Option<AbiAttr> = if new == 0 { None } else { Some(caller.process.read_user(new)?) };
        let nonblock =
            new.map(|a| mq::setattr_flags(&MqAttr { mq_flags: a.mq_flags, ..MqAttr::default() })).transpose()?;
        let (desc, handle) = queue_descriptor(caller, mqd)?;
        let attr = {
            let guard = MQS.lock();
            let queue = guard.handle(handle).ok_or(EBADF)?.queue;
            guard.ns.getattr(queue, desc.nonblock())
        };
        if let Some(nonblock) = nonblock {
            desc.set_status_flags(if nonblock { O_NONBLOCK } else { 0 });
        }
        if old != 0 {
            let abi = AbiAttr {
                mq_flags: attr.mq_flags,
                mq_maxmsg: attr.mq_maxmsg,
                mq_msgsize: attr.mq_msgsize,
                mq_curmsgs: attr.mq_curmsgs,
                reserved: [0; 4],
            };
            caller.process.copy_out(old, crate::memory::user::bytes_of(&abi))?;
        }
        Ok(0)
    }

    /// mq_notify: `[MQ_CALL_NOTIFY, mqd, sevp]` (0: remove the caller's registration).
    fn notify(caller: &Caller<'_>, mqd: u64, sevp: u64) -> Result<usize> {
        let event: Option<SigEvent> = if sevp == 0 { None } else { Some(caller.process.read_user(sevp)?) };
        let target = event.map(|e| Target::decode(caller, &e)).transpose()?;
        let (_desc, handle) = queue_descriptor(caller, mqd)?;
        let pid = caller.process.pid;
        let released = {
            let mut guard = MQS.lock();
            let queue = guard.handle(handle).ok_or(EBADF)?.queue;
            match target {
                Some(target) => {
                    let token = guard.notices.insert(target);
                    match guard.ns.notify(queue, pid, Some(token)) {
                        Ok(_) => None,
                        Err(errno) => {
                            // Not registered: dropped unannounced (the library frees its
                            // record when the call fails).
                            let refused = guard.notices.take(token);
                            drop(guard);
                            drop(refused);
                            return Err(errno);
                        }
                    }
                }
                None => guard.ns.notify(queue, pid, None)?.and_then(|token| guard.notices.take(token)),
            }
        };
        if let Some(target) = released {
            target.release();
        }
        Ok(0)
    }

    /// The status line Linux's mqueue file system shows for a queue.
    fn status_line(handle: usize) -> Result<String> {
        let guard = MQS.lock();
        let queue = guard.ns.queue(guard.handle(handle).ok_or(EBADF)?.queue);
        let (notify, signo) = queue.notify_token().and_then(|t| guard.notices.get(t)).map_or((0, 0), Target::describe);
        let pid = queue.notify_owner().unwrap_or(0);
        Ok(alloc::format!("QSIZE:{:<10} NOTIFY:{notify:<5} SIGNO:{signo:<5} NOTIFY_PID:{pid:<6}\n", queue.bytes()))
    }
}

impl KernelScheme for MqScheme {
    fn open(&self, path: &str, _flags: usize, _caller: &mut Caller<'_>) -> Result<usize> {
        // Queues are opened with MQ_CALL_OPEN, which takes mq_open's attributes.
        if path.is_empty() { Ok(ROOT) } else { Err(ENOENT) }
    }

    /// The calls on the root take exactly three metadata words; any other count, or a
    /// call on a queue's descriptor, is refused.
    fn call(&self, handle: usize, payload: &mut [u8], metadata: &[u64], caller: &mut Caller<'_>) -> Result<usize> {
        if handle != ROOT {
            return Err(EOPNOTSUPP);
        }
        match *metadata {
            [MQ_CALL_OPEN, word, attr] => Self::open_queue(caller, word, attr, payload),
            [MQ_CALL_UNLINK, 0, 0] => Self::unlink_queue(caller, payload),
            [word, mqd, msg] if word as u32 as u64 == MQ_CALL_SEND => Self::send(caller, word, mqd, msg, payload),
            [MQ_CALL_RECEIVE, mqd, buf] => Self::receive(caller, mqd, buf, payload),
            [MQ_CALL_GETSETATTR, mqd, 0] => Self::getsetattr(caller, mqd, payload),
            [MQ_CALL_NOTIFY, mqd, sevp] => Self::notify(caller, mqd, sevp),
            _ => Err(EINVAL),
        }
    }

    /// The queue's status line, from the description's offset on (Linux's `read` of an
    /// mqueue file).
    fn read(&self, handle: usize, buf: &mut [u8], _nonblock: bool, _caller: &mut Caller<'_>) -> Result<usize> {
        let line = Self::status_line(handle)?;
        let mut guard = MQS.lock();
        let h = guard.handle_mut(handle).ok_or(EBADF)?;
        let rest = line.as_bytes().get(h.read_offset..).unwrap_or(&[]);
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        h.read_offset += n;
        Ok(n)
    }

    fn fstat(&self, handle: usize) -> Result<Stat> {
        if handle == ROOT {
            return Ok(Stat { st_mode: MODE_CHR | 0o666, ..Stat::default() });
        }
        let guard = MQS.lock();
        let queue = guard.handle(handle).ok_or(EBADF)?.queue;
        let perm = guard.ns.queue(queue).perm();
        // As Linux's mqueue inodes: a regular file of the queue's owner and mode, whose
        // size is that of its status line.
        Ok(Stat {
            st_ino: queue.id(),
            st_mode: MODE_FILE | perm.mode,
            st_nlink: 1,
            st_uid: perm.uid,
            st_gid: perm.gid,
            st_size: 80,
            st_blksize: 4096,
            ..Stat::default()
        })
    }

    fn fpath(&self, handle: usize) -> Result<String> {
        if handle == ROOT {
            return Ok(String::new());
        }
        let guard = MQS.lock();
        let name = &guard.handle(handle).ok_or(EBADF)?.name;
        Ok(String::from_utf8_lossy(name.strip_prefix(b"/").unwrap_or(name)).into_owned())
    }

    fn poll(&self, handle: usize) -> usize {
        let guard = MQS.lock();
        guard.handle(handle).map_or(0, |h| guard.readiness(h.queue))
    }

    /// Process `pid` closed a descriptor of the queue: its registration goes (Linux
    /// `mqueue_flush_file`).
    fn flush(&self, handle: usize, pid: u32) {
        let released = {
            let mut guard = MQS.lock();
            let Some(queue) = guard.handle(handle).map(|h| h.queue) else { return };
            guard.ns.forget_notify(queue, pid).and_then(|token| guard.notices.take(token))
        };
        if let Some(target) = released {
            target.release();
        }
    }

    fn close(&self, handle: usize) {
        let mut guard = MQS.lock();
        let Some(h) = guard.handles.get_mut(handle.wrapping_sub(1)).and_then(Option::take) else { return };
        guard.ns.close(h.queue);
    }
}
