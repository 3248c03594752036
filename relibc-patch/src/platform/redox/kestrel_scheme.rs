//! The root descriptors of kestrel's IPC schemes (`/scheme/sem`, `/scheme/msg`,
//! `/scheme/shm`, `/scheme/mq`, `/scheme/signalfd`, `/scheme/eventfd`, `/scheme/timerfd`),
//! through which the Redox backend of each IPC family makes its calls.
//!
//! One descriptor per scheme per process, opened on first use and kept. It lives in the
//! process's upper descriptor table (Redox's `UPPER_FDTBL_TAG`: `F_DUPFD` with a tagged
//! minimum copies it there, then the ordinary descriptor is closed), so a program's `dup2`,
//! `close` or `closefrom` cannot reach it, and it takes no number a program expects to get
//! from `open`. It is close-on-exec: after `exec` the new image, whose statics start
//! afresh, opens its own; a forked child inherits it with the rest of its memory. Threads
//! racing to open it keep the first descriptor stored and close theirs. Should a call find
//! it closed after all (`EBADF`, and `F_GETFD` confirms it is gone), it is opened again once.
//!
//! A kernel without the scheme (`ENOENT` from the open) makes the calls fail with `ENOSYS`:
//! `ENOENT` would read as "nothing for this key" from `semget`, `msgget` or `shmget`.

use core::sync::atomic::{AtomicUsize, Ordering};

use syscall::{CallFlags, UPPER_FDTBL_TAG};

use crate::{
    error::{Errno, Result},
    header::{
        errno::{EBADF, ENOENT, ENOSYS},
        fcntl::{F_DUPFD, F_GETFD, F_SETFD, FD_CLOEXEC, O_CLOEXEC, O_RDWR},
    },
    platform::kestrel_protocol as protocol,
};

/// The kernel's `sem` scheme.
pub(crate) static SEM: SchemeRoot = SchemeRoot::new(protocol::SEM_SCHEME);
/// The kernel's `msg` scheme.
pub(crate) static MSG: SchemeRoot = SchemeRoot::new(protocol::MSG_SCHEME);
/// The kernel's `shm` scheme's root, which takes the System V calls.
pub(crate) static SHM: SchemeRoot = SchemeRoot::new(protocol::SHM_SCHEME);
/// The kernel's POSIX message queue scheme.
pub(crate) static MQ: SchemeRoot = SchemeRoot::new(protocol::MQ_SCHEME);
/// The kernel's `signalfd` scheme.
pub(crate) static SIGNALFD: SchemeRoot = SchemeRoot::new(protocol::SIGNALFD_SCHEME);
/// The kernel's `eventfd` scheme.
pub(crate) static EVENTFD: SchemeRoot = SchemeRoot::new(protocol::EVENTFD_SCHEME);
/// The kernel's `timerfd` scheme.
pub(crate) static TIMERFD: SchemeRoot = SchemeRoot::new(protocol::TIMERFD_SCHEME);

/// A scheme's root, and the process's descriptor of it once opened.
pub(crate) struct SchemeRoot {
    path: &'static str,
    fd: SchemeFd,
}

impl SchemeRoot {
    const fn new(path: &'static str) -> Self {
        Self { path, fd: SchemeFd::new() }
    }

    /// One call on the scheme (`SYS_CALL` on the root descriptor): `metadata` as
    /// `kestrel_protocol` lays it out for the call, and a `payload` that the kernel only reads
    /// (`call_wo`: every IPC call's results come back as the return value or through
    /// addresses the call carries). The kernel's result, or its errno, or that of opening
    /// the scheme.
    // Inlined into each call (semop_uncontended: 561.6 -> 548.6 guest instructions under
    // `just bench --icount`).
    #[inline]
    pub(crate) fn call_wo(&self, payload: &[u8], metadata: &[u64]) -> Result<usize> {
        let fd = self.fd()?;
        match redox_rt::sys::sys_call_wo(fd, payload, CallFlags::empty(), metadata) {
            Err(err) if err.errno == EBADF && !is_open(fd) => {
                // Closed under the library (a program that closed the tagged number): a
                // new descriptor, and the call once more.
                self.fd.forget(fd);
                let fd = self.fd()?;
                Ok(redox_rt::sys::sys_call_wo(fd, payload, CallFlags::empty(), metadata)?)
            }
            result => Ok(result?),
        }
    }

    /// The descriptor, opened if there is none yet.
    fn fd(&self) -> Result<usize> {
        self.fd.get(
            || open_upper(self.path),
            |fd| {
                let _ = redox_rt::sys::close(fd);
            },
        )
    }
}

/// Whether `fd` is still an open descriptor.
fn is_open(fd: usize) -> bool {
    redox_rt::sys::fcntl(fd, F_GETFD as usize, 0).is_ok()
}

/// Opens the scheme at `path` read-write and close-on-exec, and moves the descriptor into
/// the upper table: `F_DUPFD` with the tag as the minimum, `F_SETFD` (the copy does not
/// inherit close-on-exec), then the original closed.
fn open_upper(path: &str) -> Result<usize> {
    let fd = redox_rt::sys::open(path, (O_RDWR | O_CLOEXEC) as usize).map_err(|err| scheme_open_errno(err.into()))?;
    let upper = redox_rt::sys::fcntl(fd, F_DUPFD as usize, UPPER_FDTBL_TAG);
    // The ordinary descriptor is gone whatever close says.
    let _ = redox_rt::sys::close(fd);
    let upper = upper?;
    if let Err(err) = redox_rt::sys::fcntl(upper, F_SETFD as usize, FD_CLOEXEC as usize) {
        let _ = redox_rt::sys::close(upper);
        return Err(err.into());
    }
    Ok(upper)
}

/// The errno that a failed open of an IPC scheme gives the IPC calls: `ENOSYS` for a
/// scheme the kernel does not have, otherwise the open's own (`EMFILE`, ...).
pub(crate) fn scheme_open_errno(err: Errno) -> Errno {
    if err.0 == ENOENT { Errno(ENOSYS) } else { err }
}

/// A descriptor that is opened on first use and kept, shared by the process's threads.
pub(crate) struct SchemeFd(AtomicUsize);

impl SchemeFd {
    /// No descriptor yet (no descriptor has this number).
    const NONE: usize = usize::MAX;

    pub(crate) const fn new() -> Self {
        Self(AtomicUsize::new(Self::NONE))
    }

    /// The descriptor, opened with `open` if there is none yet; `close` drops a descriptor
    /// that lost a race. A failed open is not remembered: the next call tries again.
    pub(crate) fn get(&self, open: impl FnOnce() -> Result<usize>, close: impl FnOnce(usize)) -> Result<usize> {
        let fd = self.0.load(Ordering::Acquire);
        if fd != Self::NONE {
            return Ok(fd);
        }
        let fd = open()?;
        match self.0.compare_exchange(Self::NONE, fd, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => Ok(fd),
            Err(first) => {
                close(fd);
                Ok(first)
            }
        }
    }

    /// Forgets `fd`, found closed, unless another thread has replaced it already.
    pub(crate) fn forget(&self, fd: usize) {
        let _ = self.0.compare_exchange(fd, Self::NONE, Ordering::AcqRel, Ordering::Acquire);
    }
}
