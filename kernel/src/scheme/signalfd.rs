//! `/scheme/signalfd`: descriptors that read the reader's pending signals
//! (`kestrel_abi::signalfd` has the call and the record).
//!
//! Handle 0 is the root, which takes the call; every other handle is one signalfd
//! description and its mask. A read or a poll looks at the signals pending for the thread
//! that makes it (its own, then its process's), as Linux's do, so after fork a shared
//! description reads each process's own signals. Reads take signals the way sigtimedwait
//! does (`context::signal::take` and `wait_for`): the reader's handler never runs for a
//! signal it read.
//!
//! Readiness: a signal made pending tells the event scheme (`context::signal` calls
//! `event::notify`), whose waiters poll this scheme again.
//!
//! Locks: `MASKS`, a leaf, held only to read or change a mask.

use alloc::string::String;

use kestrel_abi::signal::{SIGBUS, SIGCHLD, SIGFPE, SIGILL, SIGSEGV, SIGTRAP, SigInfo, UNBLOCKABLE};
use kestrel_abi::signalfd::{SFD_CLOEXEC, SFD_NONBLOCK, SIGNALFD_CALL, SIGNALFD_MASK_SIZE, SignalfdSiginfo};
use kestrel_abi::syscall::{EVENT_READ, O_NONBLOCK, O_RDWR, Stat};
use spin::Mutex;

use super::handles::{HandleTable, ROOT, anonymous_stat, handle_path, install, open_root};
use super::{Caller, KernelScheme, Result, SchemeId};
use crate::context::{scheduler, signal};
use crate::errno::{EAGAIN, EBADF, EINVAL, EOPNOTSUPP};
use crate::memory::user::{Plain, bytes_of};

// SAFETY: a repr(C) struct of integers with its padding as explicit fields.
unsafe impl Plain for SignalfdSiginfo {}

/// One record's size.
const RECORD: usize = size_of::<SignalfdSiginfo>();

/// Each signalfd's mask, by handle.
static MASKS: Mutex<HandleTable<u64>> = Mutex::new(HandleTable::new());

fn mask_of(handle: usize) -> Result<u64> {
    MASKS.lock().get(handle).copied().ok_or(EBADF)
}

/// The record a read gives for `signo` with `info` (Linux `signalfd_copyinfo`): a fault's
/// address, SIGCHLD's status, or the sender's pid and uid with the value.
fn record(signo: u8, info: signal::Info) -> SignalfdSiginfo {
    let abi: SigInfo = info.to_abi(signo);
    let mut r = SignalfdSiginfo { ssi_signo: u32::from(signo), ssi_code: abi.si_code, ..SignalfdSiginfo::default() };
    let fault = matches!(signo, SIGSEGV | SIGBUS | SIGILL | SIGFPE | SIGTRAP) && abi.si_code > 0;
    if fault {
        r.ssi_addr = abi.addr();
    } else {
        (r.ssi_pid, r.ssi_uid) = (abi.pid(), abi.uid());
        if signo == SIGCHLD {
            r.ssi_status = abi.status();
        } else {
            (r.ssi_int, r.ssi_ptr) = (abi.value() as u32 as i32, abi.value());
        }
    }
    r
}

/// The signalfd scheme.
pub struct SignalfdScheme;

impl SignalfdScheme {
    /// signalfd: `[SIGNALFD_CALL, fd, flags]`, the mask's address and size in the payload.
    fn signalfd(caller: &Caller<'_>, fd: u64, flags: u64, payload: &[u8]) -> Result<usize> {
        let flags = flags as u32;
        if flags & !(SFD_NONBLOCK | SFD_CLOEXEC) != 0 || payload.len() != 16 {
            return Err(EINVAL);
        }
        let word = |i: usize| u64::from_le_bytes(payload[i * 8..i * 8 + 8].try_into().unwrap_or_default());
        if word(1) != SIGNALFD_MASK_SIZE {
            return Err(EINVAL);
        }
        // SIGKILL and SIGSTOP cannot be read (Linux drops them silently).
        let mask = caller.process.read_user::<u64>(word(0))? & !UNBLOCKABLE;
        let fd = fd as u32 as i32;
        if fd != -1 {
            let fd = usize::try_from(fd).map_err(|_| EBADF)?;
            let desc = caller.process.files.lock().get(fd)?.description.clone();
            if desc.scheme != SchemeId::Signalfd || desc.handle == ROOT {
                return Err(EINVAL);
            }
            if let Some(slot) = MASKS.lock().get_mut(desc.handle) {
                *slot = mask;
            }
            // Readers asleep wait on the old mask; they look again.
            super::event::notify();
            return Ok(fd);
        }
        let handle = MASKS.lock().insert(mask);
        let nonblock = if flags & SFD_NONBLOCK != 0 { O_NONBLOCK } else { 0 };
        install(caller, SchemeId::Signalfd, handle, O_RDWR | nonblock, flags & SFD_CLOEXEC != 0)
    }
}

impl KernelScheme for SignalfdScheme {
    fn open(&self, path: &str, _flags: usize, _caller: &mut Caller<'_>) -> Result<usize> {
        // Signalfds are made by SIGNALFD_CALL, which takes the mask.
        open_root(path)
    }

    fn call(&self, handle: usize, payload: &mut [u8], metadata: &[u64], caller: &mut Caller<'_>) -> Result<usize> {
        if handle != ROOT {
            return Err(EOPNOTSUPP);
        }
        match *metadata {
            [SIGNALFD_CALL, fd, flags] => Self::signalfd(caller, fd, flags, payload),
            _ => Err(EINVAL),
        }
    }

    /// As many records as fit of signals in the mask pending for the reader; with none,
    /// sleeps for the first (or EAGAIN).
    /// Not writable: Linux's file has no write operation, which `write` reports as
    /// EINVAL, though the descriptor is open for writing.
    fn write(&self, _handle: usize, _buf: &[u8], _nonblock: bool, _caller: &mut Caller<'_>) -> Result<usize> {
        Err(EINVAL)
    }

    fn read(&self, handle: usize, buf: &mut [u8], nonblock: bool, caller: &mut Caller<'_>) -> Result<usize> {
        let mask = mask_of(handle)?;
        let room = buf.len() / RECORD;
        if room == 0 {
            return Err(EINVAL);
        }
        let thread = caller.thread;
        let mut taken = 0;
        while taken < room {
            let next = match signal::take(thread, mask) {
                Some(next) => next,
                None if taken > 0 || nonblock => break,
                None => signal::wait_for(thread, mask, None)?,
            };
            let (signo, info) = next;
            buf[taken * RECORD..(taken + 1) * RECORD].copy_from_slice(bytes_of(&record(signo, info)));
            taken += 1;
        }
        if taken == 0 {
            return Err(EAGAIN);
        }
        // A signal taken here is not delivered: the return path need not look for it.
        scheduler::request_return_check();
        // Perhaps not readable any more: edge-triggered registrations see it false.
        super::event::notify();
        Ok(taken * RECORD)
    }

    fn fstat(&self, _handle: usize) -> Result<Stat> {
        Ok(anonymous_stat())
    }

    fn fpath(&self, handle: usize) -> Result<String> {
        Ok(handle_path(handle))
    }

    /// Readable while a signal of the mask is pending for the polling thread.
    fn poll(&self, handle: usize) -> usize {
        let Ok(mask) = mask_of(handle) else { return 0 };
        let pending = scheduler::with_current(|thread| signal::pending_in(thread, mask));
        if pending != 0 { EVENT_READ } else { 0 }
    }

    fn close(&self, handle: usize) {
        MASKS.lock().remove(handle);
    }
}
