//! `PalMqueue` over Linux's `mq_open`, `mq_unlink`, `mq_timedsend`, `mq_timedreceive`,
//! `mq_getsetattr` and `mq_notify` system calls.
//!
//! As glibc does: a name must start with `/`, which the kernel does not take (`EINVAL`
//! otherwise), and `EPERM` from `mq_unlink` is `EACCES`, as POSIX names it. A `SIGEV_THREAD`
//! registration is `ENOSYS`: the header's helper thread listens on a pipe, kestrel's
//! protocol, while Linux delivers these notices on a netlink socket, which this backend does
//! not set up.

use core::ffi::CStr;

use super::{Sys, e_raw};
use crate::{
    error::{Errno, Result},
    header::{
        bits_timespec::timespec,
        errno::{EACCES, EINVAL, ENOSYS, EPERM},
        mqueue::{KernelSigevent, mq_attr, mqd_t},
    },
    platform::{
        PalMqueue,
        types::{c_char, c_int, c_uint, mode_t, size_t},
    },
};

/// Linux's `SIGEV_THREAD`.
const LINUX_SIGEV_THREAD: c_int = 2;

/// The name without its leading `/`, as the kernel takes it.
fn kernel_name(name: &CStr) -> Result<*const c_char> {
    match name.to_bytes().first() {
        // SAFETY: the name has at least the `/` before its NUL, so one past it is in it.
        Some(b'/') => Ok(unsafe { name.as_ptr().add(1) }),
        _ => Err(Errno(EINVAL)),
    }
}

impl PalMqueue for Sys {
    unsafe fn mq_open(name: &CStr, oflag: c_int, mode: mode_t, attr: *mut mq_attr) -> Result<mqd_t> {
        let name = kernel_name(name)?;
        // SAFETY: the kernel reads the name, a NUL-terminated string borrowed for the call,
        // and `*attr` (with `O_CREAT`), as the caller promises it may.
        Ok(e_raw(unsafe { syscall!(MQ_OPEN, name, oflag, mode, attr) })? as mqd_t)
    }

    fn mq_unlink(name: &CStr) -> Result<()> {
        let name = kernel_name(name)?;
        // SAFETY: the kernel reads the name, a NUL-terminated string borrowed for the call.
        match e_raw(unsafe { syscall!(MQ_UNLINK, name) }) {
            Err(Errno(EPERM)) => Err(Errno(EACCES)),
            result => result.map(drop),
        }
    }

    unsafe fn mq_timedsend(
        mqdes: mqd_t,
        msg_ptr: *const c_char,
        msg_len: size_t,
        msg_prio: c_uint,
        abs_timeout: *const timespec,
    ) -> Result<()> {
        // SAFETY: the kernel reads the message and the timeout, as the caller promises it
        // may.
        e_raw(unsafe { syscall!(MQ_TIMEDSEND, mqdes, msg_ptr, msg_len, msg_prio, abs_timeout) })?;
        Ok(())
    }

    unsafe fn mq_timedreceive(
        mqdes: mqd_t,
        msg_ptr: *mut c_char,
        msg_len: size_t,
        msg_prio: *mut c_uint,
        abs_timeout: *const timespec,
    ) -> Result<usize> {
        // SAFETY: the kernel writes the message and the priority and reads the timeout, as
        // the caller promises it may.
        e_raw(unsafe { syscall!(MQ_TIMEDRECEIVE, mqdes, msg_ptr, msg_len, msg_prio, abs_timeout) })
    }

    unsafe fn mq_getsetattr(mqdes: mqd_t, new: *const mq_attr, old: *mut mq_attr) -> Result<()> {
        // SAFETY: the kernel reads `*new` and writes `*old` (each if not null), as the
        // caller promises it may.
        e_raw(unsafe { syscall!(MQ_GETSETATTR, mqdes, new, old) })?;
        Ok(())
    }

    unsafe fn mq_notify(mqdes: mqd_t, event: *const KernelSigevent) -> Result<()> {
        // SAFETY: `event` is null or a sigevent the header built and lends for the call.
        if !event.is_null() && unsafe { (*event).sigev_notify } == LINUX_SIGEV_THREAD {
            return Err(Errno(ENOSYS));
        }
        // SAFETY: the kernel reads the sigevent, as above.
        e_raw(unsafe { syscall!(MQ_NOTIFY, mqdes, event) })?;
        Ok(())
    }
}
