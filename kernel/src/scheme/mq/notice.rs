//! What an mq_notify registration asks for, and its delivery (mq_notify(3), Linux
//! `ipc/mqueue.c`). The rules (`ipc::mq`) keep which process registered and a token;
//! the [`Notices`] here keep what each token stands for: a signal with its value, nothing
//! (`SIGEV_NONE`), or the C library's `SIGEV_THREAD` pipe (see `kestrel_abi::mq`).
//! Notices are delivered, and released registrations told to the library, only after the
//! queues' lock is dropped.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;

use kestrel_abi::mq::{
    MqThreadNotice, NOTIFY_REMOVED, NOTIFY_WOKENUP, SI_MESGQ, SIGEV_NONE, SIGEV_SIGNAL, SIGEV_THREAD, SigEvent,
};
use kestrel_abi::signal::NSIG;

use crate::context::{process, signal};
use crate::errno::{EBADF, EINVAL, Result};
use crate::memory::user::{Plain, bytes_of};
use crate::scheme::{Caller, OpenDescription, SchemeId, pipe};

// SAFETY: a repr(C) struct of integers without padding.
unsafe impl Plain for SigEvent {}
// SAFETY: as above.
unsafe impl Plain for MqThreadNotice {}

/// How a registered process is told.
pub enum Target {
    /// `SIGEV_NONE`: the registration goes, nothing is sent.
    Nothing,
    /// `SIGEV_SIGNAL`: `signo` (0: none, as Linux accepts it) with `si_value` = `value`.
    Signal { signo: u8, value: u64 },
    /// `SIGEV_THREAD`: a record to the library's pipe.
    Thread { pipe: Arc<OpenDescription>, cookie: u64 },
}

impl Target {
    /// Decodes a `struct sigevent` as Linux's `do_mq_notify` checks it: an unknown
    /// `sigev_notify` or a signal above NSIG is EINVAL; `SIGEV_THREAD`'s descriptor must
    /// be a pipe's write end of the caller (EBADF).
    pub fn decode(caller: &Caller<'_>, event: &SigEvent) -> Result<Self> {
        match event.sigev_notify {
            SIGEV_NONE => Ok(Self::Nothing),
            SIGEV_SIGNAL => {
                let signo = u8::try_from(event.sigev_signo).ok().filter(|&s| s <= NSIG).ok_or(EINVAL)?;
                Ok(Self::Signal { signo, value: event.sigev_value })
            }
            SIGEV_THREAD => {
                let fd = usize::try_from(event.sigev_signo).map_err(|_| EBADF)?;
                let pipe = caller.process.files.lock().get(fd)?.description.clone();
                if pipe.scheme != SchemeId::Pipe || !pipe::is_write_end(pipe.handle) {
                    return Err(EBADF);
                }
                Ok(Self::Thread { pipe, cookie: event.sigev_value })
            }
            _ => Err(EINVAL),
        }
    }

    /// `sigev_notify` and the signal, for the queue's status line.
    pub fn describe(&self) -> (i32, u8) {
        match *self {
            Self::Nothing => (SIGEV_NONE, 0),
            Self::Signal { signo, .. } => (SIGEV_SIGNAL, signo),
            Self::Thread { .. } => (SIGEV_THREAD, 0),
        }
    }

    /// The notice fired: tells process `owner`, on behalf of `sender` (its pid and real
    /// uid go in the signal's `si_pid` and `si_uid`). Call with no lock held.
    pub fn deliver(self, owner: u32, sender: &Caller<'_>) {
        match self {
            Self::Nothing | Self::Signal { signo: 0, .. } => {}
            Self::Signal { signo, value } => {
                if let Some(process) = process::find(owner) {
                    let uid = sender.process.creds.lock().ruid;
                    let info = signal::Info::from_process(SI_MESGQ, sender.process.pid, uid, value);
                    // A full real-time queue loses the notice, as on Linux.
                    let _ = signal::send_info(&process, signo, info);
                }
            }
            Self::Thread { pipe, cookie } => write_notice(&pipe, cookie, NOTIFY_WOKENUP),
        }
    }

    /// The registration went without firing: the library frees what it kept for it.
    /// Call with no lock held (dropping the pipe may close it).
    pub fn release(self) {
        if let Self::Thread { pipe, cookie } = self {
            write_notice(&pipe, cookie, NOTIFY_REMOVED);
        }
    }
}

fn write_notice(pipe: &OpenDescription, cookie: u64, kind: u64) {
    pipe::write_record(pipe.handle, bytes_of(&MqThreadNotice { cookie, kind }));
}

/// The targets of the registrations, by token. Kept under the queues' lock.
#[derive(Default)]
pub struct Notices {
    by_token: BTreeMap<u64, Target>,
    next_token: u64,
}

impl Notices {
    /// Keeps `target`; its token.
    pub fn insert(&mut self, target: Target) -> u64 {
        self.next_token += 1;
        self.by_token.insert(self.next_token, target);
        self.next_token
    }

    /// The target of a registration that went (fired or removed).
    pub fn take(&mut self, token: u64) -> Option<Target> {
        self.by_token.remove(&token)
    }

    /// The target of a live registration.
    pub fn get(&self, token: u64) -> Option<&Target> {
        self.by_token.get(&token)
    }
}
