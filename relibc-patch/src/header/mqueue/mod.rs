//! `mqueue.h`: POSIX message queues (`mq_open`, `mq_close`, `mq_unlink`, `mq_send`,
//! `mq_timedsend`, `mq_receive`, `mq_timedreceive`, `mq_getattr`, `mq_setattr`,
//! `mq_notify`).
//!
//! See <https://pubs.opengroup.org/onlinepubs/9799919799/basedefs/mqueue.h.html>.
//!
//! ABI: Linux x86_64 as glibc defines it: `mqd_t` is an `int` (a queue descriptor is an
//! ordinary descriptor), `struct mq_attr` is four `long`s and four reserved ones (64
//! bytes), `struct sigevent` and `union sigval` are `signal.h`'s.
//!
//! # The calls
//!
//! Each function is one call of the platform's [`PalMqueue`]: on Redox (kestrel) one call on
//! the kernel's `mq` scheme (`platform/redox/mqueue.rs` says how the arguments are
//! encoded), on Linux the system call of the same name. The kernel makes every check in
//! Linux's order (a bad priority or timeout before a bad descriptor, `EBADF` for a
//! descriptor that is not a queue, `EFAULT` for an address it cannot use, `EMSGSIZE`, ...);
//! the wrapper checks nothing and passes the values through unchanged. Failure returns -1
//! (`(mqd_t)-1` from `mq_open`) with `errno` set; success leaves `errno` alone.
//!
//! `mq_close` is `close(2)`.
//!
//! # Open flags: the C library's, translated to Linux's
//!
//! The kernel takes Linux's `oflag` values (`O_CREAT` 0o100, `O_EXCL` 0o200, `O_NONBLOCK`
//! 0o4000, `O_CLOEXEC` 0o2000000, access modes 0, 1, 2). A C library's `fcntl.h` may have
//! other values: kestrel's guest C runtime and relibc on Redox use Redox's (`O_RDONLY`
//! 0x10000, `O_NONBLOCK` 0x40000, `O_CREAT` 0x2000000, ...). So `mq_open` translates the
//! bits that it looks at from the platform's values (the adapter's `O_*`) to Linux's, and
//! drops the others (Linux's mq_open ignores them too); an access mode that is none of the
//! platform's three becomes Linux's invalid 3 (`EINVAL` from the kernel).
//!
//! `mq_attr.mq_flags` is another matter: it lives in the caller's memory, which the
//! library does not read or rewrite (a bad address must be the kernel's `EFAULT`, not a
//! fault in the caller), so the kernel's ABI takes the platform's `O_NONBLOCK` there
//! (kestrel's, which is Redox's), and `mq_getattr` and `mq_setattr` pass the caller's
//! structures through.
//!
//! A queue descriptor is always close-on-exec, with or without `O_CLOEXEC` (POSIX has `exec`
//! close message queue descriptors; Linux's `mq_open` makes each one close-on-exec): the
//! kernel sees to that, as Linux's does, and `O_CLOEXEC` travels translated like the rest.
//!
//! # `mq_open` is variadic
//!
//! C declares `mqd_t mq_open(const char *name, int oflag, ...)`, the mode (`mode_t`) and the
//! `struct mq_attr *` following only with `O_CREAT`. In relibc (nightly, `c_variadic`)
//! `mq_open` is defined that way and reads the two with `next_arg` only under `O_CREAT`.
//! The standalone kestrel library builds on stable Rust, which cannot define a C-variadic
//! function: there `cfg(kestrel_standalone)` selects a definition that takes `mode` and
//! `attr` as fixed parameters (the C header still declares the variadic prototype). On x86_64 System V a variadic call passes its first six
//! integer-class arguments in `rdi`, `rsi`, `rdx`, `rcx`, `r8`, `r9`, exactly as a call with
//! fixed arguments does (the vector-register count in `al` only matters to a variadic
//! callee), so `mode` receives `rdx` and `attr` `rcx`. Without `O_CREAT` the two registers
//! hold whatever the caller left there, and they are not used: the call passes mode 0 and
//! no attributes. (The same holds on AArch64 and RISC-V 64 with their Linux-style ABIs.)
//!
//! # `SIGEV_THREAD`
//!
//! The kernel only knows `SIGEV_SIGNAL` and `SIGEV_NONE`; for `SIGEV_THREAD` it writes a
//! 16-byte [`MqThreadNotice`] (the registration's cookie and `NOTIFY_WOKENUP` or
//! `NOTIFY_REMOVED`, `kestrel_protocol`'s) to the descriptor in `sigev_signo`. On the process's first
//! `SIGEV_THREAD` registration the library makes a close-on-exec pipe and starts one
//! detached helper thread that reads those records from it; the helper blocks every signal
//! (as glibc's does), so that signals go to the program's own threads. Each registration
//! passes the kernel `sigev_signo` = the pipe's write end and `sigev_value` = a cookie, the
//! address of a heap record with the caller's function, value and (if given) a copy of its
//! `pthread_attr_t`.
//!
//! A woken-up notice makes the helper start a detached thread (with the caller's attributes,
//! made detached, and the helper's signal mask) that calls `function(value)`; then, as for a
//! removed one, the helper frees the record. A refused registration frees it at once. A
//! forked child inherits the pipe but not the thread: a `pthread_atfork` child handler
//! closes the child's copies of the pipe and forgets them, so the child's first
//! `SIGEV_THREAD` registration makes its own pipe and helper and never reads the parent's
//! notices. If the pipe fails under the helper (a program closing all its descriptors), the
//! helper ends and the library forgets the pipe: the next registration makes new ones.

#![allow(non_camel_case_types)]
// `kestrel_standalone` is set by the kestrel standalone build only (see above).
#![allow(unexpected_cfgs)]

use core::ffi::CStr;
use core::mem::{offset_of, size_of};
use core::ptr;

mod notify;

#[cfg(test)]
pub(crate) use self::notify::notice_pipe;
use self::notify::{ThreadRecord, helper_pipe};
use crate::{
    error::{Errno, ResultExt},
    header::{
        _kestrel::{
            self as platform, c_char, c_int, c_long, c_uint, mode_t, pthread_attr_t, sigevent, sigval, size_t, ssize_t,
        },
        bits_timespec::timespec,
        errno::EFAULT,
    },
    platform::{
        Pal, PalMqueue, Sys,
        kestrel_protocol::{
            MQ_O_ACCMODE, MQ_O_CLOEXEC, MQ_O_CREAT, MQ_O_EXCL, MQ_O_NONBLOCK, MQ_O_RDONLY, MQ_O_RDWR, MQ_O_WRONLY,
            MqThreadNotice, SIGEV_THREAD,
        },
    },
};

/// A message queue descriptor.
pub type mqd_t = c_int;

/// A queue's attributes (Linux x86_64 layout, 64 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct mq_attr {
    /// `O_NONBLOCK` or 0 (`mq_getattr`, `mq_setattr`; ignored by `mq_open`).
    pub mq_flags: c_long,
    /// The most messages the queue holds (`mq_open` with `O_CREAT`).
    pub mq_maxmsg: c_long,
    /// The longest message in bytes (`mq_open` with `O_CREAT`).
    pub mq_msgsize: c_long,
    /// Messages in the queue (`mq_getattr`).
    pub mq_curmsgs: c_long,
    pub __pad: [c_long; 4],
}

// The layout, checked where it is defined (core only: relibc has no static_assertions).
// 64-bit only: kestrel is x86_64, and the same layout holds on every LP64 Linux target.
#[cfg(target_pointer_width = "64")]
const _: () = assert!(
    offset_of!(mq_attr, mq_flags) == 0
        && offset_of!(mq_attr, mq_maxmsg) == 8
        && offset_of!(mq_attr, mq_msgsize) == 16
        && offset_of!(mq_attr, mq_curmsgs) == 24
        && offset_of!(mq_attr, __pad) == 32
        && size_of::<mq_attr>() == 64
);

/// The bytes of what the kernel writes to a `SIGEV_THREAD` registration's pipe
/// ([`MqThreadNotice`]: the cookie, then the kind, as little-endian u64s).
pub(crate) const NOTICE_LEN: usize = size_of::<MqThreadNotice>();

/// `oflag` as the kernel takes it (Linux's values, `kestrel_protocol::MQ_O_*`, see the
/// module docs): the access mode and `O_CREAT`, `O_EXCL`, `O_NONBLOCK` and `O_CLOEXEC`
/// translated, other bits dropped.
pub(crate) const fn kernel_oflag(oflag: c_int) -> c_int {
    let access = oflag & platform::O_ACCMODE;
    let mut linux = if access == platform::O_WRONLY {
        MQ_O_WRONLY
    } else if access == platform::O_RDWR {
        MQ_O_RDWR
    } else if access == platform::O_RDONLY || access == 0 {
        MQ_O_RDONLY
    } else {
        MQ_O_ACCMODE
    };
    let pairs = [
        (platform::O_CREAT, MQ_O_CREAT),
        (platform::O_EXCL, MQ_O_EXCL),
        (platform::O_NONBLOCK, MQ_O_NONBLOCK),
        (platform::O_CLOEXEC, MQ_O_CLOEXEC),
    ];
    let mut i = 0;
    while i < pairs.len() {
        if oflag & pairs[i].0 != 0 {
            linux |= pairs[i].1;
        }
        i += 1;
    }
    linux
}

/// The queue's name, or `EFAULT` for a null pointer (the kernel reports a bad address as
/// `EFAULT` too).
///
/// # Safety
///
/// `name` is null or a NUL-terminated string readable up to its NUL.
unsafe fn queue_name<'a>(name: *const c_char) -> Result<&'a CStr, Errno> {
    if name.is_null() {
        return Err(Errno(EFAULT));
    }
    // SAFETY: the caller vouches for a NUL-terminated string.
    Ok(unsafe { CStr::from_ptr(name) })
}

/// `mq_open(name, oflag, ...)`: a descriptor of the queue `name` ("/NAME"), created with
/// `O_CREAT` (with the permission bits `mode` and the attributes `*attr`, or the defaults
/// for a null `attr`), exclusively with `O_EXCL`, for reading, writing or both as the access
/// mode says, non-blocking with `O_NONBLOCK`; always close-on-exec (the kernel's doing, as
/// on Linux).
///
/// Variadic in C: see the module docs for why `mode` and `attr` are fixed parameters here.
/// They are used only with `O_CREAT`.
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/mq_open.html>.
///
/// # Safety
///
/// `name` is null or a NUL-terminated string; with `O_CREAT`, `attr` is null or the address
/// of a `struct mq_attr` (the kernel reads it and reports `EFAULT` for an unmapped address).
#[cfg(not(kestrel_standalone))]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mq_open(name: *const c_char, oflag: c_int, mut __valist: ...) -> mqd_t {
    let (mode, attr) = if oflag & platform::O_CREAT != 0 {
        // SAFETY: with O_CREAT the caller passed the mode and the attributes.
        unsafe { (__valist.next_arg::<mode_t>(), __valist.next_arg::<*mut mq_attr>()) }
    } else {
        (0, ptr::null_mut())
    };
    // SAFETY: as the caller promises.
    unsafe { open_queue(name, oflag, mode, attr) }
}

/// `mq_open` with the mode and the attributes as fixed parameters, for the standalone build
/// on stable Rust (see the module documentation): ABI-compatible with the variadic C
/// declaration on x86_64. Without `O_CREAT` they are not used.
///
/// # Safety
///
/// As for the variadic `mq_open`.
///
/// cbindgen:ignore
#[cfg(kestrel_standalone)]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mq_open(name: *const c_char, oflag: c_int, mode: mode_t, attr: *mut mq_attr) -> mqd_t {
    let (mode, attr) = if oflag & platform::O_CREAT != 0 { (mode, attr) } else { (0, ptr::null_mut()) };
    // SAFETY: as the caller promises.
    unsafe { open_queue(name, oflag, mode, attr) }
}

/// `mq_open`'s work, once the variadic arguments are known.
///
/// # Safety
///
/// As for `mq_open`.
unsafe fn open_queue(name: *const c_char, oflag: c_int, mode: mode_t, attr: *mut mq_attr) -> mqd_t {
    // SAFETY: as the caller promises.
    let name = match unsafe { queue_name(name) } {
        Ok(name) => name,
        Err(err) => {
            err.sync();
            return -1;
        }
    };
    // SAFETY: the caller's promise for the attributes is passed on unchanged.
    unsafe { Sys::mq_open(name, kernel_oflag(oflag), mode, attr) }.or_minus_one_errno()
}

/// `mq_close(mqdes)`: closes the queue descriptor (`close`), which also drops the process's
/// notification registration made through it.
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/mq_close.html>.
#[unsafe(no_mangle)]
pub extern "C" fn mq_close(mqdes: mqd_t) -> c_int {
    Sys::close(mqdes).map(|()| 0).or_minus_one_errno()
}

/// `mq_unlink(name)`: removes the name; the queue lives on until its last descriptor is
/// closed.
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/mq_unlink.html>.
///
/// # Safety
///
/// `name` is null or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mq_unlink(name: *const c_char) -> c_int {
    // SAFETY: as the caller promises.
    unsafe { queue_name(name) }.and_then(Sys::mq_unlink).map(|()| 0).or_minus_one_errno()
}

/// `mq_timedsend(mqdes, msg_ptr, msg_len, msg_prio, abs_timeout)`: adds the message of
/// `msg_len` bytes at `msg_ptr` with priority `msg_prio` (below `MQ_PRIO_MAX`, 32768),
/// waiting while the queue is full until the absolute `CLOCK_REALTIME` time `*abs_timeout`
/// (`ETIMEDOUT`; forever if `abs_timeout` is null), or `EAGAIN` at once for a non-blocking
/// descriptor.
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/mq_timedsend.html>.
///
/// # Safety
///
/// `msg_ptr` is the address of `msg_len` bytes and `abs_timeout` null or the address of a
/// `struct timespec` (the kernel reads both and reports `EFAULT` for an unmapped address).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mq_timedsend(
    mqdes: mqd_t,
    msg_ptr: *const c_char,
    msg_len: size_t,
    msg_prio: c_uint,
    abs_timeout: *const timespec,
) -> c_int {
    // SAFETY: the caller's promise for the message and the timeout is passed on unchanged.
    unsafe { Sys::mq_timedsend(mqdes, msg_ptr, msg_len, msg_prio, abs_timeout) }.map(|()| 0).or_minus_one_errno()
}

/// `mq_send(mqdes, msg_ptr, msg_len, msg_prio)`: [`mq_timedsend`] without a timeout.
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/mq_send.html>.
///
/// # Safety
///
/// As for [`mq_timedsend`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mq_send(mqdes: mqd_t, msg_ptr: *const c_char, msg_len: size_t, msg_prio: c_uint) -> c_int {
    // SAFETY: as the caller promises; no timeout.
    unsafe { mq_timedsend(mqdes, msg_ptr, msg_len, msg_prio, ptr::null()) }
}

/// `mq_timedreceive(mqdes, msg_ptr, msg_len, msg_prio, abs_timeout)`: removes the oldest of
/// the highest-priority messages into the `msg_len` bytes at `msg_ptr` (`EMSGSIZE` if
/// `msg_len` is below the queue's message size), stores its priority at `msg_prio` if that
/// is not null, and returns its length; waits while the queue is empty as
/// [`mq_timedsend`] waits while it is full.
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/mq_timedreceive.html>.
///
/// # Safety
///
/// `msg_ptr` is the address of `msg_len` writable bytes, `msg_prio` null or the address of
/// a writable `unsigned int`, `abs_timeout` null or the address of a `struct timespec` (the
/// kernel reports `EFAULT` for an address it cannot use, but cannot tell memory the caller
/// does not own).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mq_timedreceive(
    mqdes: mqd_t,
    msg_ptr: *mut c_char,
    msg_len: size_t,
    msg_prio: *mut c_uint,
    abs_timeout: *const timespec,
) -> ssize_t {
    // SAFETY: the caller's promise for the buffer, the priority and the timeout is passed
    // on unchanged; the kernel returns at most the queue's message size.
    unsafe { Sys::mq_timedreceive(mqdes, msg_ptr, msg_len, msg_prio, abs_timeout) }
        .map(|len| len as ssize_t)
        .or_minus_one_errno()
}

/// `mq_receive(mqdes, msg_ptr, msg_len, msg_prio)`: [`mq_timedreceive`] without a timeout.
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/mq_receive.html>.
///
/// # Safety
///
/// As for [`mq_timedreceive`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mq_receive(
    mqdes: mqd_t,
    msg_ptr: *mut c_char,
    msg_len: size_t,
    msg_prio: *mut c_uint,
) -> ssize_t {
    // SAFETY: as the caller promises; no timeout.
    unsafe { mq_timedreceive(mqdes, msg_ptr, msg_len, msg_prio, ptr::null()) }
}

/// The get-and-set call: the kernel reads `*new` (if not null) and writes `*old` (if not
/// null), both with the platform's `O_NONBLOCK` in `mq_flags`, which the kernel's ABI
/// takes (see the module docs).
///
/// # Safety
///
/// `new` is null or the address of an `mq_attr` the kernel may read; `old` is null or an
/// address the kernel may write an `mq_attr` to.
unsafe fn getsetattr(mqdes: mqd_t, new: *const mq_attr, old: *mut mq_attr) -> c_int {
    // SAFETY: the caller's promise for the two structures is passed on unchanged.
    unsafe { Sys::mq_getsetattr(mqdes, new, old) }.map(|()| 0).or_minus_one_errno()
}

/// `mq_getattr(mqdes, mqstat)`: stores the queue's attributes and the descriptor's
/// `O_NONBLOCK` at `mqstat`.
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/mq_getattr.html>.
///
/// # Safety
///
/// `mqstat` is the address of a writable `struct mq_attr` (the kernel reports `EFAULT`
/// for an address it cannot write, but cannot tell memory the caller does not own).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mq_getattr(mqdes: mqd_t, mqstat: *mut mq_attr) -> c_int {
    // SAFETY: as the caller promises.
    unsafe { getsetattr(mqdes, ptr::null(), mqstat) }
}

/// `mq_setattr(mqdes, mqstat, omqstat)`: sets the descriptor's `O_NONBLOCK` from
/// `mqstat->mq_flags` (any other flag is `EINVAL`; the other fields are ignored) and, if
/// `omqstat` is not null, stores the previous attributes there.
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/mq_setattr.html>.
///
/// # Safety
///
/// `mqstat` is null (Linux: then only the old attributes are stored) or the address of a
/// readable `struct mq_attr`; `omqstat` is null or the address of a writable `struct
/// mq_attr` (the kernel reports `EFAULT` for an address it cannot read or write).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mq_setattr(mqdes: mqd_t, mqstat: *const mq_attr, omqstat: *mut mq_attr) -> c_int {
    // SAFETY: as the caller promises.
    unsafe { getsetattr(mqdes, mqstat, omqstat) }
}

/// The start of `struct sigevent`, where every layout of it agrees (Linux's 64-byte one,
/// and relibc's 32-byte one on Redox): the value, the signal, how to notify, the thread
/// function and the thread attributes. Read field by field: the last two only for
/// `SIGEV_THREAD` (a program need not set them for the other kinds).
#[repr(C)]
struct SigeventHead {
    sigev_value: u64,
    sigev_signo: c_int,
    sigev_notify: c_int,
    sigev_notify_function: Option<extern "C" fn(sigval)>,
    sigev_notify_attributes: *mut pthread_attr_t,
}

/// `struct sigevent` as the kernel reads it (Linux x86_64, 64 bytes; the union after the
/// first 16 bytes is not read).
#[repr(C)]
#[derive(Default)]
pub struct KernelSigevent {
    pub sigev_value: u64,
    pub sigev_signo: c_int,
    pub sigev_notify: c_int,
    pub union: [u64; 6],
}

#[cfg(target_pointer_width = "64")]
const _: () = assert!(
    size_of::<sigevent>() >= size_of::<SigeventHead>()
        && size_of::<SigeventHead>() == 32
        && offset_of!(SigeventHead, sigev_notify_function) == 16
        && offset_of!(SigeventHead, sigev_notify_attributes) == 24
        && size_of::<sigval>() == 8
        && size_of::<KernelSigevent>() == 64
);

/// `mq_notify(mqdes, notification)`: registers the process for one notice when a message
/// arrives on the empty queue and no receiver is waiting (`EBUSY` if another process is
/// registered): the signal `sigev_signo` with `sigev_value` (`SIGEV_SIGNAL`, `si_code`
/// `SI_MESGQ`), nothing (`SIGEV_NONE`), or a new thread calling
/// `sigev_notify_function(sigev_value)` with the attributes `sigev_notify_attributes`
/// (`SIGEV_THREAD`, see the module docs). A null `notification` removes the process's
/// registration.
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/mq_notify.html>.
///
/// # Safety
///
/// `notification` is null or the address of a readable `struct sigevent` (the library reads
/// it, as glibc does, to find `SIGEV_THREAD`); for `SIGEV_THREAD`,
/// `sigev_notify_attributes` is null or the address of an initialized `pthread_attr_t`,
/// which is copied.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mq_notify(mqdes: mqd_t, notification: *const sigevent) -> c_int {
    if notification.is_null() {
        // SAFETY: a null sigevent removes the registration.
        return unsafe { Sys::mq_notify(mqdes, ptr::null()) }.map(|()| 0).or_minus_one_errno();
    }
    let head = notification.cast::<SigeventHead>();
    // SAFETY: the caller vouches for a readable sigevent, which starts with these fields.
    let (value, signo, notify) = unsafe {
        (
            (&raw const (*head).sigev_value).read_unaligned(),
            (&raw const (*head).sigev_signo).read_unaligned(),
            (&raw const (*head).sigev_notify).read_unaligned(),
        )
    };
    if notify != platform::SIGEV_THREAD {
        let event = KernelSigevent { sigev_value: value, sigev_signo: signo, sigev_notify: notify, union: [0; 6] };
        // SAFETY: `event` is a local the kernel reads during the call.
        return unsafe { Sys::mq_notify(mqdes, &event) }.map(|()| 0).or_minus_one_errno();
    }
    // SAFETY: a SIGEV_THREAD sigevent has these fields too, as the caller promises.
    let (function, attr) = unsafe {
        (
            (&raw const (*head).sigev_notify_function).read_unaligned(),
            (&raw const (*head).sigev_notify_attributes).read_unaligned(),
        )
    };
    // SAFETY: as the caller promises for the attributes.
    let record = unsafe { ThreadRecord::new(function, value, attr) };
    if record.is_null() {
        platform::set_errno(platform::errno::ENOMEM);
        return -1;
    }
    let write_end = match helper_pipe() {
        Ok(fd) => fd,
        Err(errno) => {
            // SAFETY: the record was never handed to the kernel.
            unsafe { platform::free(record.cast()) };
            platform::set_errno(errno);
            return -1;
        }
    };
    let event = KernelSigevent {
        sigev_value: record as usize as u64,
        sigev_signo: write_end,
        sigev_notify: SIGEV_THREAD,
        union: [0; 6],
    };
    // SAFETY: `event` is a local the kernel reads during the call.
    let ret = unsafe { Sys::mq_notify(mqdes, &event) }.map(|()| 0).or_minus_one_errno();
    if ret != 0 {
        // SAFETY: the kernel refused the registration, so no notice names the record.
        unsafe { platform::free(record.cast()) };
    }
    ret
}
