//! `/scheme/msg`: System V message queues (see `kestrel_abi::sysv` for the calls). The
//! rules live in `ipc::msg`; this glue decodes the calls, copies the message between user
//! memory and the kernel (once from the sender, once to the receiver), and sleeps and
//! wakes through `ipc_glue`.
//!
//! Locks, in the order of `context::lock_order`: the caller's `creds` (held across the
//! call, for the permission checks), then `MSGS`. Threads are woken only after `MSGS` is
//! released.
//!
//! Every call runs without the kernel lock (`context::kernel_lock`) and takes it only to
//! wake or sleep, or for a user copy the loaded page tables cannot make: a sender and a
//! receiver on two CPUs meet only at `MSGS`, as on Linux at the queue's lock. Under
//! `MSGS` the receive buffer is checked through the loaded page tables alone when the
//! kernel lock is not held (`ENEEDLOCK` makes the call again under it).
//!
//! One deliberate difference from Linux: msgrcv checks that its buffer can take the
//! message before the message is taken (and, before it sleeps, that it can take the
//! largest it may be handed), so a bad buffer is EFAULT with the message still queued.
//! Linux takes the message first and loses it when the copy to the caller fails. A
//! process's address space is locked for that check under `MSGS`, which no interrupt
//! takes.

use alloc::string::String;

use kestrel_abi::syscall::{MODE_CHR, Stat};
use kestrel_abi::sysv::{IPC_SET, MSG_CALL_CTL, MSG_CALL_GET, MSG_CALL_RCV, MSG_CALL_SND, MsgInfo, MsqidDs as AbiDs};

use super::ipc::ctl::NewOwner;
use super::ipc::msg::ctl::{Command, MsqidDs, Reply};
use super::ipc::msg::{Delivery, MsgFlags, MsgNamespace, Woken};
use super::ipc::wait::Outcome;
use super::ipc_glue::{self, Deadline, Facility, Sleepers, Wakeups};
use super::{Caller, KernelScheme, Result};
use crate::arch::clock;
use crate::context::cred::Credentials;
use crate::context::lock_order::{Level, OrderedMutex};
use crate::errno::{EINTR, EINVAL, EIO, ENOENT, ENOMEM, Errno};
use crate::memory::user::Plain;

/// The message queues and the threads asleep in msgsnd and msgrcv.
struct Msgs {
    ns: MsgNamespace,
    sleepers: Sleepers<Delivery>,
    /// The waiters a call's change completed, until they are handed to their sleepers.
    woken: Woken,
}

impl Msgs {
    /// Hands the completed waiters their results and adds their threads to `wakeups`.
    fn complete_woken(&mut self, wakeups: &mut Wakeups) {
        self.sleepers.complete(self.woken.drain(..), wakeups);
    }
}

impl Facility for Msgs {
    type Result = Delivery;

    fn sleepers(&mut self) -> &mut Sleepers<Delivery> {
        &mut self.sleepers
    }
}

static MSGS: spin::LazyLock<OrderedMutex<Msgs>> = spin::LazyLock::new(|| {
    OrderedMutex::new(Level::Facility, Msgs { ns: MsgNamespace::new(), sleepers: Sleepers::new(), woken: Woken::new() })
});

// SAFETY: repr(C) structs of integers with explicit padding.
unsafe impl Plain for AbiDs {}
// SAFETY: as above.
unsafe impl Plain for MsgInfo {}

/// The time stamped on queues (stime, rtime, ctime).
fn now_secs() -> u64 {
    clock::realtime_secs()
}

/// A call's id and the 32-bit value beside it (`kestrel_abi::sysv::msg_word`).
fn split_word(word: u64) -> (i32, i32) {
    kestrel_abi::protocol::split(word)
}

/// Reads a little-endian u64 at `at` of a payload.
fn payload_u64(payload: &[u8], at: usize) -> Result<u64> {
    let bytes = payload.get(at..at + 8).ok_or(EINVAL)?;
    Ok(u64::from_le_bytes(bytes.try_into().map_err(|_| EINVAL)?))
}

fn ds_to_abi(ds: &MsqidDs) -> AbiDs {
    AbiDs {
        msg_perm: ipc_glue::abi_perm(&ds.perm, ds.id),
        msg_stime: ds.stime as i64,
        msg_rtime: ds.rtime as i64,
        msg_ctime: ds.ctime as i64,
        msg_cbytes: ds.cbytes,
        msg_qnum: ds.qnum,
        msg_qbytes: ds.qbytes,
        msg_lspid: ds.lspid as i32,
        msg_lrpid: ds.lrpid as i32,
        ..AbiDs::default()
    }
}

/// Runs a call's rules under the locks, then settles its outcome: a call that is done
/// wakes whomever it completed; one that must wait sleeps until a change completes it or
/// a signal arrives (EINTR; these calls have no timeout).
fn run<T>(
    caller: &Caller<'_>,
    msqid: i32,
    call: impl FnOnce(&Credentials, &mut MsgNamespace, &mut Woken) -> Result<Outcome<T>>,
    from_delivery: impl FnOnce(Delivery) -> Result<T>,
) -> Result<T> {
    let mut wakeups = Wakeups::default();
    let creds = caller.process.creds.lock();
    let mut guard = MSGS.lock();
    let Msgs { ns, woken, .. } = &mut *guard;
    let outcome = call(&creds, ns, woken);
    drop(creds);
    guard.complete_woken(&mut wakeups);
    match outcome {
        Err(errno) => {
            drop(guard);
            wakeups.wake();
            Err(errno)
        }
        Ok(Outcome::Done(value)) => {
            drop(guard);
            wakeups.wake();
            Ok(value)
        }
        Ok(Outcome::Wait(waiter)) => {
            // A call that waits changed nothing, so it completed nobody.
            debug_assert!(wakeups.is_empty());
            let delivery = ipc_glue::sleep(&MSGS, guard, caller.thread, waiter, Deadline::Never, EINTR, |msgs| {
                msgs.ns.cancel(msqid, waiter)
            })?;
            from_delivery(delivery)
        }
    }
}

/// A sender completed as a receiver or the other way round: a bug in the rules, reported
/// in debug builds and answered with EIO otherwise.
fn mismatched_delivery() -> Errno {
    debug_assert!(false, "a waiter was completed with the other kind of delivery");
    EIO
}

/// Message records kept for reuse: a message's record and text buffer go back here once
/// its receiver has copied it out, and the next msgsnd refills one, so a steady stream
/// of messages does not allocate (each allocation and free costs about as much as the
/// rest of the call). Bounded in count and in the size of the buffers kept.
mod spare_messages {
    use alloc::boxed::Box;

    use arrayvec::ArrayVec;

    use crate::scheme::ipc::msg::{Boxed, MSGMAX, Message};

    /// Most records kept.
    const KEPT: usize = 16;

    /// The spare records. Lock order: a leaf, taken under no other lock.
    static SPARE: spin::Mutex<ArrayVec<Boxed, KEPT>> = spin::Mutex::new(ArrayVec::new_const());

    /// A record of type `mtype` whose text is to be filled: a spare one, or a new one
    /// (built from `mtype`, not from a default: zeroing a whole record is a wide SSE
    /// store, which costs a lazy FPU save).
    pub(super) fn take(mtype: i64) -> Boxed {
        match SPARE.lock().pop() {
            Some(mut message) => {
                message.mtype = mtype;
                message
            }
            None => Box::new(Message { mtype, text: alloc::vec::Vec::new() }),
        }
    }

    /// Keeps `message`'s record for a later send, if there is room and its buffer is not
    /// larger than a message can be.
    pub(super) fn give_back(message: Boxed) {
        if message.text.capacity() <= MSGMAX as usize {
            let _ = SPARE.lock().try_push(message);
        }
    }

    /// Frees the spare records (`/scheme/sys/drop_caches`).
    pub fn drop_all() {
        let spare = core::mem::take(&mut *SPARE.lock());
        drop(spare);
    }
}

/// Frees the spare message records (`/scheme/sys/drop_caches`).
pub fn drop_spare_messages() {
    spare_messages::drop_all();
}

/// The msg scheme.
pub struct MsgScheme;

impl MsgScheme {
    /// msgget: `[MSG_CALL_GET, key, msgflg]`.
    fn msgget(caller: &Caller<'_>, key: u64, flags: u64) -> Result<usize> {
        let creds = caller.process.creds.lock();
        let id = MSGS.lock().ns.msgget(&creds, key as u32 as i32, flags as u32 as i32, now_secs())?;
        Ok(id as usize)
    }

    /// msgsnd: `[MSG_CALL_SND, msgflg << 32 | msqid, msgp]`, msgsz in the payload. The
    /// checks come in Linux's order: the type's EFAULT (it is read first), the size, id
    /// and type's EINVAL, the text's EFAULT, then the queue's.
    fn msgsnd(caller: &Caller<'_>, payload: &[u8], word: u64, msgp: u64) -> Result<usize> {
        if payload.len() != 8 {
            return Err(EINVAL);
        }
        let msgsz = payload_u64(payload, 0)?;
        let (msqid, msgflg) = split_word(word);
        let mtype = caller.process.read_user::<u64>(msgp)? as i64;
        let size = MsgNamespace::msgsnd_check(msqid, mtype, msgsz)?;
        let mut message = spare_messages::take(mtype);
        let text = &mut message.text;
        text.clear();
        text.try_reserve_exact(size).map_err(|_| ENOMEM)?;
        // The call's one long copy, without the kernel lock (`context::long_copy`).
        // SAFETY: the reserved capacity holds `size` bytes, and the message is this call's.
        unsafe { caller.process.copy_in_long(msgp.wrapping_add(8), text.as_mut_ptr(), size)? };
        // SAFETY: the copy initialized all `size` bytes.
        unsafe { text.set_len(size) };
        let flags = MsgFlags::from_bits_truncate(msgflg);
        let (pid, now) = (caller.process.pid, now_secs());
        run(
            caller,
            msqid,
            |creds, ns, woken| ns.msgsnd(creds, pid, msqid, message, flags, now, woken),
            |delivery| match delivery {
                Delivery::Sent => Ok(()),
                Delivery::Received(_) => Err(mismatched_delivery()),
            },
        )?;
        Ok(0)
    }

    /// msgrcv: `[MSG_CALL_RCV, msgflg << 32 | msqid, msgp]`, msgsz then msgtyp in the
    /// payload. Returns the number of bytes of text received.
    fn msgrcv(caller: &Caller<'_>, payload: &[u8], word: u64, msgp: u64) -> Result<usize> {
        if payload.len() != 16 {
            return Err(EINVAL);
        }
        let (bufsz, msgtyp) = (payload_u64(payload, 0)?, payload_u64(payload, 8)? as i64);
        let (msqid, msgflg) = split_word(word);
        let flags = MsgFlags::from_bits_truncate(msgflg);
        let bufsz = MsgNamespace::msgrcv_check(msqid, bufsz, flags)?;
        let (pid, now) = (caller.process.pid, now_secs());
        // Asked by the rules before a message is taken: the type and `n` bytes of text.
        let writable = |n: usize| caller.process.check_writable_under_lock(msgp, 8 + n);
        let message = run(
            caller,
            msqid,
            |creds, ns, woken| ns.msgrcv(creds, pid, msqid, bufsz, msgtyp, flags, now, woken, writable),
            |delivery| match delivery {
                Delivery::Received(message) => Ok(message),
                Delivery::Sent => Err(mismatched_delivery()),
            },
        )?;
        let copied = caller.process.copy_out(msgp, &message.mtype.to_le_bytes());
        let copied = copied.and_then(|()| caller.process.copy_out_long(msgp.wrapping_add(8), &message.text));
        let len = message.text.len();
        spare_messages::give_back(message);
        copied.map(|()| len)
    }

    /// msgctl: `[MSG_CALL_CTL, cmd << 32 | msqid, buf]`.
    fn msgctl(caller: &Caller<'_>, word: u64, buf: u64) -> Result<usize> {
        let (msqid, cmd) = split_word(word);
        // The id and command are checked before IPC_SET's buffer is read, as on Linux.
        MsgNamespace::msgctl_check(msqid, cmd)?;
        let command = match cmd {
            IPC_SET => {
                let ds: AbiDs = caller.process.read_user(buf)?;
                let perm = ds.msg_perm;
                let owner = NewOwner { uid: perm.uid, gid: perm.gid, mode: (perm.mode & 0o777) as u16 };
                Command::Set { owner, qbytes: ds.msg_qbytes }
            }
            _ => Command::simple(cmd).ok_or(EINVAL)?,
        };
        let reply = {
            let creds = caller.process.creds.lock();
            let mut guard = MSGS.lock();
            let Msgs { ns, woken, .. } = &mut *guard;
            let reply = ns.msgctl(&creds, msqid, command, now_secs(), woken);
            drop(creds);
            let mut wakeups = Wakeups::default();
            guard.complete_woken(&mut wakeups);
            drop(guard);
            wakeups.wake();
            reply?
        };
        match reply {
            Reply::Int(value) => Ok(value as usize),
            Reply::Ds(value, ds) => ipc_glue::reply_with(caller.process, buf, value, &ds_to_abi(&ds)),
            Reply::Info(value, info) => ipc_glue::reply_with(caller.process, buf, value, &info),
        }
    }
}

impl KernelScheme for MsgScheme {
    fn open(&self, path: &str, _flags: usize, _caller: &mut Caller<'_>) -> Result<usize> {
        if path.is_empty() { Ok(0) } else { Err(ENOENT) }
    }

    /// Every call takes exactly three metadata words (`kestrel_abi::sysv`); any other
    /// count is EINVAL, never a call with missing words read as zero.
    fn call(&self, _handle: usize, payload: &mut [u8], metadata: &[u64], caller: &mut Caller<'_>) -> Result<usize> {
        match *metadata {
            [MSG_CALL_GET, key, flags] => Self::msgget(caller, key, flags),
            [MSG_CALL_SND, word, msgp] => Self::msgsnd(caller, payload, word, msgp),
            [MSG_CALL_RCV, word, msgp] => Self::msgrcv(caller, payload, word, msgp),
            [MSG_CALL_CTL, word, buf] => Self::msgctl(caller, word, buf),
            _ => Err(EINVAL),
        }
    }

    fn fstat(&self, _handle: usize) -> Result<Stat> {
        Ok(Stat { st_mode: MODE_CHR | 0o666, ..Stat::default() })
    }

    fn fpath(&self, _handle: usize) -> Result<String> {
        Ok(String::new())
    }

    fn close(&self, _handle: usize) {}
}

/// `/proc/sysvipc/msg`'s lines (after its header); the number of queues and of messages.
pub fn sysvipc_table(out: &mut String) -> (usize, u64) {
    let msgs = MSGS.lock();
    let queues = msgs.ns.all_ds().map(|ds| super::ipc::sysvipc::msg_line(out, &ds)).count();
    (queues, msgs.ns.messages())
}
