//! The mq scheme's calls: decoding, Linux's order of checks, and settling a send or
//! receive that completed, must sleep or failed.

use alloc::string::String;
use alloc::sync::Arc;

use kestrel_abi::mq::{MqAttr as AbiAttr, SigEvent};
use kestrel_abi::syscall::{O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY};
use kestrel_abi::sysv::LinuxTimespec;

use super::notice::Target;
use super::{Handle, MQS, MqScheme, Mqs, ROOT, spare};
use crate::context::lock_order::OrderedGuard;
use crate::context::{kernel_lock, long_copy};
use crate::errno::{EBADF, EINVAL, EIO, EMFILE, EMSGSIZE, ENOMEM, ETIMEDOUT, Errno};
use crate::scheme::handles::install;
use crate::scheme::ipc::mq::{
    self, Boxed, Delivery, MqAttr, MqNamespace, Notify, O_ACCMODE, QueueRef, RLIMIT_MSGQUEUE_DEFAULT, Woken,
};
use crate::scheme::ipc::wait::Outcome;
use crate::scheme::ipc_glue::{self, Deadline, Wakeups};
use crate::scheme::{Caller, OpenDescription, Result, SchemeId};

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

/// A sender completed as a receiver or the other way round: a bug in the rules, reported
/// in debug builds and answered with EIO otherwise.
fn mismatched_delivery() -> Errno {
    debug_assert!(false, "a waiter was completed with the other kind of delivery");
    EIO
}

/// Wakes the threads a change completed, and tells the event scheme if the queue's
/// readiness changed (with `MQS` released).
fn wake(wakeups: &mut Wakeups, readiness_changed: bool) {
    wakeups.wake();
    if readiness_changed {
        crate::scheme::event::notify();
    }
}

/// A notice fired: its target taken out under `guard`, delivered once `MQS` is released.
#[cold]
#[inline(never)]
fn deliver_notice(mut guard: OrderedGuard<'_, Mqs>, notice: Notify, caller: &Caller<'_>) {
    let target = guard.notices.take(notice.token);
    drop(guard);
    // Signals are sent, and a notice pipe written and closed, under the kernel lock.
    kernel_lock::ensure_held();
    if let Some(target) = target {
        target.deliver(notice.pid, caller);
    }
}

/// Runs a send or receive's rules under `MQS` and settles the outcome: done wakes whom
/// it completed; wait sleeps until a change completes it (`from_delivery` turns what it
/// was handed into the result), `deadline` passes (ETIMEDOUT) or a signal arrives
/// (EINTR). `prepare` runs first under the lock (the access mode, the user buffers) and
/// hands `call` what it made (a sender's message). Only small values move here (a boxed
/// message, an errno): a wide move is an SSE copy, and the first SSE instruction of a
/// call costs a lazy FPU save (`arch::fpu`).
fn run<P, T>(
    caller: &Caller<'_>,
    handle: usize,
    prepare: impl FnOnce(&Mqs, &Handle) -> Result<P>,
    call: impl FnOnce(&mut MqNamespace, QueueRef, P, &mut Woken, &mut Option<Notify>) -> Result<Outcome<T>>,
    from_delivery: impl FnOnce(Delivery) -> Result<T>,
    deadline: Deadline,
) -> Result<T> {
    let mut wakeups = Wakeups::default();
    let mut notice = None;
    let mut guard = MQS.lock();
    let h = guard.handle(handle).ok_or(EBADF)?;
    let queue = h.queue;
    let prepared = prepare(&guard, h)?;
    let before = guard.readiness(queue);
    let Mqs { ns, woken, .. } = &mut *guard;
    let outcome = call(ns, queue, prepared, woken, &mut notice);
    let Mqs { sleepers, woken, .. } = &mut *guard;
    sleepers.complete(woken.drain(..), &mut wakeups);
    let readiness_changed = guard.readiness(queue) != before;
    let value = match outcome {
        Err(errno) => Err(errno),
        Ok(Outcome::Done(value)) => Ok(value),
        Ok(Outcome::Wait(waiter)) => {
            // A call that waits changed nothing, so it completed and notified nobody.
            debug_assert!(wakeups.is_empty() && !readiness_changed && notice.is_none());
            let delivery = ipc_glue::sleep(&MQS, guard, caller.thread, waiter, deadline, ETIMEDOUT, |mqs| {
                mqs.ns.cancel(queue, waiter)
            });
            // signal(7): interrupted by a handler with SA_RESTART, they are made again (the
            // deadline is absolute, so it stands).
            return delivery.map_err(ipc_glue::restartable).and_then(from_delivery);
        }
    };
    match notice {
        None => drop(guard),
        Some(notice) => deliver_notice(guard, notice, caller),
    }
    wake(&mut wakeups, readiness_changed);
    value
}

impl MqScheme {
    /// mq_open: `[MQ_CALL_OPEN, mode << 32 | oflag, attr]`, the name in the payload.
    pub(super) fn open_queue(caller: &Caller<'_>, word: u64, attr: u64, payload: &[u8]) -> Result<usize> {
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
            guard.handles.insert(Handle { queue, access, name: name.to_vec(), read_offset: 0 })
        };
        let access = match oflag & O_ACCMODE {
            mq::O_RDONLY => O_RDONLY,
            mq::O_WRONLY => O_WRONLY,
            mq::O_RDWR => O_RDWR,
            _ => 0,
        };
        let nonblock = if oflag & mq::O_NONBLOCK != 0 { O_NONBLOCK } else { 0 };
        // Close-on-exec whatever oflag says: POSIX closes every queue descriptor at exec,
        // and Linux's mq_open always sets it (`get_unused_fd_flags(O_CLOEXEC)`).
        install(caller, SchemeId::Mq, handle, access | nonblock, true)
    }

    /// mq_unlink: `[MQ_CALL_UNLINK, 0, 0]`, the name in the payload.
    pub(super) fn unlink_queue(caller: &Caller<'_>, payload: &[u8]) -> Result<usize> {
        let creds = caller.process.creds.lock();
        MQS.lock().ns.unlink(&creds, payload)?;
        Ok(0)
    }

    /// mq_timedsend: `[MQ_CALL_SEND | prio << 32, mqd, msg_ptr]`, msg_len and the timeout's
    /// address in the payload. Linux's order: the timeout's EFAULT, the priority's and the
    /// timeout's EINVAL, the descriptor's EBADF, EMSGSIZE, the text's EFAULT, then the
    /// queue's.
    pub(super) fn send(caller: &Caller<'_>, word: u64, mqd: u64, msg_ptr: u64, payload: &[u8]) -> Result<usize> {
        let [msg_len, timeout] = words::<2>(payload)?;
        let prio = (word >> 32) as u32;
        let timeout = read_timeout(caller, timeout)?;
        mq::check_prio(prio)?;
        let deadline = realtime_deadline(timeout)?;
        let (desc, handle) = queue_descriptor(caller, mqd)?;
        let nonblock = desc.nonblock();
        // The access mode and the size come first (EMSGSIZE before the text's EFAULT).
        let check = |mqs: &Mqs, h: &Handle| {
            mq::check_access(h.access, true)?;
            match msg_len > mqs.ns.queue(h.queue).msgsize() as u64 {
                true => Err(EMSGSIZE),
                false => Ok(()),
            }
        };
        let message = |long: bool| -> Result<Boxed> {
            let len = msg_len as usize;
            let mut message = spare::take();
            message.prio = prio;
            let data = &mut message.data;
            data.try_reserve_exact(len).map_err(|_| ENOMEM)?;
            // SAFETY: the reserved capacity holds `len` bytes, and the message is this
            // call's.
            unsafe {
                match long {
                    true => caller.process.copy_in_long(msg_ptr, data.as_mut_ptr(), len)?,
                    false => caller.process.copy_in_under_lock(msg_ptr, data.as_mut_ptr(), len)?,
                }
            }
            // SAFETY: the copy initialized all `len` bytes.
            unsafe { data.set_len(len) };
            Ok(message)
        };
        let send = |ns: &mut MqNamespace, q, message, woken: &mut Woken, notice: &mut Option<Notify>| {
            let (outcome, fired) = ns.send(q, message, nonblock, woken)?;
            *notice = fired;
            Ok(outcome)
        };
        let sent = |delivery| match delivery {
            Delivery::Sent => Ok(()),
            Delivery::Received(_) => Err(mismatched_delivery()),
        };
        // The checks alone, in a pass of their own under the queues' lock.
        let check_pass = || {
            let mqs = MQS.lock();
            check(&mqs, mqs.handle(handle).ok_or(EBADF)?)
        };
        if !long_copy::is_long(msg_len as usize) {
            // A short text is copied in under the queues' lock, in the pass that sends it.
            run(caller, handle, |mqs, h| check(mqs, h).and_then(|()| message(false)), send, sent, deadline)?;
        } else if msg_len <= mq::MSGSIZE_MAX as u64 {
            // A long one with no lock held (`context::long_copy`), before the pass that
            // checks and sends: one pass under the queues' lock, not two. The text a
            // user can ask for is copied before its size is checked against the queue's
            // (an unprivileged queue's message size is at most this); if the copy fails,
            // the checks still come first.
            match message(true) {
                Ok(message) => run(caller, handle, |mqs, h| check(mqs, h).map(|()| message), send, sent, deadline)?,
                Err(errno) => return check_pass().and(Err(errno)),
            }
        } else {
            // Longer: a pass that checks, the copy with no lock held, then the pass that
            // sends. Neither the access mode nor the queue's message size changes while
            // the description is open.
            check_pass()?;
            let message = message(true)?;
            run(caller, handle, |_, _| Ok(message), send, sent, deadline)?;
        }
        Ok(0)
    }

    /// mq_timedreceive: `[MQ_CALL_RECEIVE, mqd, buf]`, msg_len, the timeout's address and
    /// `msg_prio`'s in the payload. Returns the message's length.
    pub(super) fn receive(caller: &Caller<'_>, mqd: u64, buf: u64, payload: &[u8]) -> Result<usize> {
        let [msg_len, timeout, prio_ptr] = words::<3>(payload)?;
        let deadline = realtime_deadline(read_timeout(caller, timeout)?)?;
        let (desc, handle) = queue_descriptor(caller, mqd)?;
        let nonblock = desc.nonblock();
        let buf_len = usize::try_from(msg_len).unwrap_or(usize::MAX);
        // Room for what will be taken (the next message, or any while asleep), checked
        // before it is taken; after the rules' EMSGSIZE, and not when EAGAIN will come.
        let check = |mqs: &Mqs, h: &Handle| {
            mq::check_access(h.access, false)?;
            let q = mqs.ns.queue(h.queue);
            if buf_len < q.msgsize() || (nonblock && !q.readable()) {
                return Ok(());
            }
            let need = q.next_len().unwrap_or(q.msgsize());
            caller.process.check_writable_under_lock(buf, need)?;
            if prio_ptr != 0 { caller.process.check_writable_under_lock(prio_ptr, 4) } else { Ok(()) }
        };
        let receive = |ns: &mut MqNamespace, q, (), woken: &mut Woken, _: &mut Option<Notify>| {
            ns.receive(q, buf_len, nonblock, woken)
        };
        let received = |delivery| match delivery {
            Delivery::Received(message) => Ok(message),
            Delivery::Sent => Err(mismatched_delivery()),
        };
        let message = run(caller, handle, check, receive, received, deadline)?;
        let copied = caller.process.copy_out_long(buf, &message.data);
        let copied = copied.and_then(|()| match prio_ptr {
            0 => Ok(()),
            _ => caller.process.copy_out(prio_ptr, &message.prio.to_le_bytes()),
        });
        let len = message.data.len();
        spare::give_back(message);
        copied.map(|()| len)
    }

    /// mq_getsetattr: `[MQ_CALL_GETSETATTR, mqd, 0]`, the new and old attributes'
    /// addresses in the payload (0: none). Linux's order: the new attributes' EFAULT and
    /// EINVAL, the descriptor's EBADF, then the old ones copied out (EFAULT, after the
    /// change is made).
    pub(super) fn getsetattr(caller: &Caller<'_>, mqd: u64, payload: &[u8]) -> Result<usize> {
        let [new, old] = words::<2>(payload)?;
        let new: Option<AbiAttr> = if new == 0 { None } else { Some(caller.process.read_user(new)?) };
        // `mq_flags` holds the kernel's O_NONBLOCK (the value programs' <fcntl.h> gives
        // it here); the rules take Linux's.
        let to_linux = |flags: i64| {
            let nonblock = flags & O_NONBLOCK as i64;
            (flags & !nonblock) | if nonblock != 0 { i64::from(mq::O_NONBLOCK) } else { 0 }
        };
        let nonblock = new
            .map(|a| mq::setattr_flags(&MqAttr { mq_flags: to_linux(a.mq_flags), ..MqAttr::default() }))
            .transpose()?;
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
                mq_flags: if attr.mq_flags != 0 { O_NONBLOCK as i64 } else { 0 },
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
    pub(super) fn notify(caller: &Caller<'_>, mqd: u64, sevp: u64) -> Result<usize> {
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
    pub(super) fn status_line(handle: usize) -> Result<String> {
        let guard = MQS.lock();
        let queue = guard.ns.queue(guard.handle(handle).ok_or(EBADF)?.queue);
        let (notify, signo) = queue.notify_token().and_then(|t| guard.notices.get(t)).map_or((0, 0), Target::describe);
        let pid = queue.notify_owner().unwrap_or(0);
        Ok(alloc::format!("QSIZE:{:<10} NOTIFY:{notify:<5} SIGNO:{signo:<5} NOTIFY_PID:{pid:<6}\n", queue.bytes()))
    }
}
