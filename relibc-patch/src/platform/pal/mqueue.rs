//! `PalMqueue`: the platform's POSIX message queues, under [`mqueue.h`](crate::header::mqueue).
//!
//! Names are as the program gave them (with their leading `/`); `oflag` is in Linux's
//! values, which [`mq_open()`](crate::header::mqueue::mq_open) translates to; the
//! notification is the kernel's 64-byte `struct sigevent`, which `mq_notify` builds.

use core::ffi::CStr;

use crate::{
    error::Result,
    header::{
        bits_timespec::timespec,
        mqueue::{KernelSigevent, mq_attr, mqd_t},
    },
    platform::{
        Pal,
        types::{c_char, c_int, c_uint, mode_t, size_t},
    },
};

/// Platform abstraction for POSIX message queues.
pub trait PalMqueue: Pal {
    /// Platform implementation of [`mq_open()`](crate::header::mqueue::mq_open) from [`mqueue.h`](crate::header::mqueue).
    unsafe fn mq_open(name: &CStr, oflag: c_int, mode: mode_t, attr: *mut mq_attr) -> Result<mqd_t>;

    /// Platform implementation of [`mq_unlink()`](crate::header::mqueue::mq_unlink) from [`mqueue.h`](crate::header::mqueue).
    fn mq_unlink(name: &CStr) -> Result<()>;

    /// Platform implementation of [`mq_timedsend()`](crate::header::mqueue::mq_timedsend) from [`mqueue.h`](crate::header::mqueue).
    unsafe fn mq_timedsend(
        mqdes: mqd_t,
        msg_ptr: *const c_char,
        msg_len: size_t,
        msg_prio: c_uint,
        abs_timeout: *const timespec,
    ) -> Result<()>;

    /// Platform implementation of [`mq_timedreceive()`](crate::header::mqueue::mq_timedreceive) from [`mqueue.h`](crate::header::mqueue):
    /// the message's length.
    unsafe fn mq_timedreceive(
        mqdes: mqd_t,
        msg_ptr: *mut c_char,
        msg_len: size_t,
        msg_prio: *mut c_uint,
        abs_timeout: *const timespec,
    ) -> Result<usize>;

    /// Platform implementation of [`mq_getattr()`](crate::header::mqueue::mq_getattr) and [`mq_setattr()`](crate::header::mqueue::mq_setattr)
    /// from [`mqueue.h`](crate::header::mqueue): sets `*new` if it is not null, and stores
    /// the attributes from before in `*old` if that is not null.
    unsafe fn mq_getsetattr(mqdes: mqd_t, new: *const mq_attr, old: *mut mq_attr) -> Result<()>;

    /// Platform implementation of [`mq_notify()`](crate::header::mqueue::mq_notify) from [`mqueue.h`](crate::header::mqueue):
    /// `event` is null (remove the registration) or the kernel's `struct sigevent`.
    unsafe fn mq_notify(mqdes: mqd_t, event: *const KernelSigevent) -> Result<()>;
}
