//! `semaphore.h`: POSIX semaphores, unnamed (`sem_init`) and named (`sem_open`).
//!
//! See <https://pubs.opengroup.org/onlinepubs/9799919799/basedefs/semaphore.h.html>.
//!
//! ABI: Linux x86_64 as glibc defines it: `sem_t` is a 32-byte union aligned to 8 (`char
//! __size[32]; long __align;`), `SEM_FAILED` is `(sem_t *)0` and `SEM_VALUE_MAX` is
//! `INT_MAX`.
//!
//! # Inside a `sem_t`
//!
//! | offset | word | |
//! |---|---|---|
//! | 0 | value | the count, 0 ..= `SEM_VALUE_MAX`; the futex word |
//! | 4 | waiters | threads that may sleep on the value |
//! | 8 | pshared | `sem_init`'s `pshared` (1 for a named semaphore) |
//! | 12 | state | [`READY`] once initialized; 0 in a named semaphore's object until its creator has written it |
//! | 16 | reserved | 16 bytes of zeros |
//!
//! The value and waiter count are glibc's x86_64 layout (the two halves of its 64-bit
//! word); the wait/post protocol is `counter`'s. Waiting and waking are futex calls on
//! the value word through the platform adapter (`futex_wait`, `futex_wake`). The kernel
//! keys futexes by physical address, so private and process-shared semaphores work the
//! same way: a `sem_t` in `MAP_SHARED` memory, a `shm_open` object or a System V
//! segment is one semaphore for every process mapping it.
//!
//! Named semaphores are shared memory objects (`named`, `name`, `registry`).
//!
//! # Where this follows Linux and glibc, and where POSIX
//!
//! - `sem_wait`, `sem_timedwait` and `sem_clockwait` fail with `EINTR` when a signal
//!   handler runs, with or without `SA_RESTART` (signal(7): never restarted).
//! - The timed waits check the deadline's `tv_nsec` only when they would block (POSIX:
//!   "the validity of the abstime need not be checked if the semaphore can be locked
//!   immediately"); glibc checks it first, so there a bad `tv_nsec` is `EINVAL` even
//!   when a token is there. `sem_clockwait` takes `CLOCK_REALTIME` and `CLOCK_MONOTONIC`
//!   and, as glibc, refuses any other clock with `EINVAL` before anything else.
//! - `sem_getvalue` never reports a negative value (glibc's choice; POSIX allows the
//!   number of waiters as a negative value instead).
//! - `sem_destroy` and `sem_init` of a semaphore in use are undefined in POSIX; as in
//!   glibc, `sem_destroy` only returns 0.

#![allow(non_camel_case_types)]

pub(crate) mod counter;
pub(crate) mod name;
mod named;
pub(crate) mod registry;

use core::ffi::CStr;
use core::sync::atomic::AtomicU32;

use self::counter::Counter;
use crate::header::_kestrel::{
    self as platform, CLOCK_MONOTONIC, CLOCK_REALTIME, c_char, c_int, c_long, c_uint, clockid_t,
    errno::{EFAULT, EINVAL},
    mode_t, timespec,
};

/// A semaphore: 32 bytes aligned to 8, as glibc's x86_64 `sem_t` (the words inside are
/// described in the module documentation).
#[repr(C)]
#[derive(Clone, Copy)]
pub union sem_t {
    pub __size: [c_char; 32],
    pub __align: c_long,
}

/// The largest value a semaphore can have (`INT_MAX`, as Linux).
pub const SEM_VALUE_MAX: c_int = 0x7fff_ffff;

/// What `sem_open` returns on failure (`(sem_t *)0`, as glibc and musl). cbindgen
/// writes no pointer constants: `cbindgen.toml` defines it for C (and `sem_t`, which the
/// variadic `sem_open` it declares there needs first).
pub const SEM_FAILED: *mut sem_t = core::ptr::null_mut();

/// The `state` word of an initialized semaphore ("SEM1").
pub(crate) const READY: u32 = 0x5345_4d31;

/// The words inside a `sem_t`.
#[repr(C)]
pub(crate) struct RawSem {
    pub(crate) counter: Counter,
    pshared: u32,
    pub(crate) state: AtomicU32,
    reserved: [u32; 4],
}

impl RawSem {
    /// An initialized semaphore holding `value` tokens.
    pub(crate) const fn new(value: u32, pshared: bool) -> Self {
        Self { counter: Counter::new(value), pshared: pshared as u32, state: AtomicU32::new(READY), reserved: [0; 4] }
    }
}

const _: () = assert!(SEM_VALUE_MAX as u32 == counter::MAX_VALUE && SEM_VALUE_MAX == c_int::MAX);
const _: () = assert!(size_of::<sem_t>() == 32 && align_of::<sem_t>() == 8, "sem_t: glibc's x86_64 layout");
const _: () = assert!(size_of::<RawSem>() == size_of::<sem_t>() && align_of::<RawSem>() <= align_of::<sem_t>());

/// The semaphore inside `*sem`.
///
/// # Safety
///
/// `sem` points to a `sem_t` that `sem_init` or `sem_open` initialized and that stays
/// valid for `'a`.
unsafe fn raw<'a>(sem: *mut sem_t) -> &'a RawSem {
    // SAFETY: the caller vouches for an initialized, live `sem_t`; `RawSem` has its size
    // and no stricter alignment, and is only read through atomics after initialization.
    unsafe { &*sem.cast::<RawSem>() }
}

/// 0, or -1 with `errno` set.
fn status(result: Result<(), c_int>) -> c_int {
    match result {
        Ok(()) => 0,
        Err(errno) => {
            platform::set_errno(errno);
            -1
        }
    }
}

/// `sem_init(sem, pshared, value)`: an unnamed semaphore holding `value` tokens, for this
/// process's threads (`pshared` 0) or for every process that maps `*sem` (`pshared` not
/// 0). `value` above `SEM_VALUE_MAX` is `EINVAL`.
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/sem_init.html>.
///
/// # Safety
///
/// `sem` points to 32 writable bytes aligned to 8.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sem_init(sem: *mut sem_t, pshared: c_int, value: c_uint) -> c_int {
    if value > counter::MAX_VALUE {
        return status(Err(EINVAL));
    }
    // SAFETY: the caller gives a writable, aligned `sem_t`, which `RawSem` exactly fills.
    unsafe { sem.cast::<RawSem>().write(RawSem::new(value, pshared != 0)) };
    0
}

/// `sem_destroy(sem)`: ends an unnamed semaphore. Nothing to free: returns 0, as glibc.
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/sem_destroy.html>.
///
/// # Safety
///
/// None needed: `sem` is not read.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sem_destroy(sem: *mut sem_t) -> c_int {
    let _ = sem;
    0
}

/// `sem_post(sem)`: adds a token and wakes one waiter; `EOVERFLOW` at `SEM_VALUE_MAX`.
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/sem_post.html>.
///
/// # Safety
///
/// `sem` is an initialized semaphore.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sem_post(sem: *mut sem_t) -> c_int {
    // SAFETY: as the caller promises.
    let raw = unsafe { raw(sem) };
    status(raw.counter.post().map(|wake| {
        if wake {
            platform::futex_wake(raw.counter.word(), 1);
        }
    }))
}

/// `sem_trywait(sem)`: takes a token, or fails with `EAGAIN` when there is none.
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/sem_trywait.html>.
///
/// # Safety
///
/// `sem` is an initialized semaphore.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sem_trywait(sem: *mut sem_t) -> c_int {
    // SAFETY: as the caller promises.
    let taken = unsafe { raw(sem) }.counter.try_take();
    status(if taken { Ok(()) } else { Err(platform::errno::EAGAIN) })
}

/// Takes a token of `*sem`, sleeping until one comes, or until `deadline` (an absolute
/// time on its clock) passes (`ETIMEDOUT`), or a signal handler runs (`EINTR`).
///
/// # Safety
///
/// `sem` is an initialized semaphore; `deadline`'s pointer is null or readable.
unsafe fn wait(sem: *mut sem_t, deadline: Option<(clockid_t, *const timespec)>) -> c_int {
    // SAFETY: as the caller promises.
    let raw = unsafe { raw(sem) };
    let result = raw.counter.wait(
        |word, expected| match deadline {
            None => platform::futex_wait(word, expected, None),
            Some((clock, abstime)) => {
                // Checked only now that the call would block.
                // SAFETY: the caller gives a null or readable `timespec`.
                let abstime = unsafe { abstime.as_ref() }.ok_or(EINVAL)?;
                if !(0..1_000_000_000).contains(&abstime.tv_nsec) {
                    return Err(EINVAL);
                }
                platform::futex_wait(word, expected, Some((clock, abstime)))
            }
        },
        |word| platform::futex_wake(word, 1),
    );
    status(result)
}

/// `sem_wait(sem)`: takes a token, sleeping until one comes; `EINTR` when a signal
/// handler runs meanwhile.
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/sem_wait.html>.
///
/// # Safety
///
/// `sem` is an initialized semaphore.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sem_wait(sem: *mut sem_t) -> c_int {
    // SAFETY: as the caller promises.
    unsafe { wait(sem, None) }
}

/// `sem_timedwait(sem, abstime)`: `sem_wait` until the absolute `CLOCK_REALTIME` time
/// `*abstime` (`ETIMEDOUT`; a deadline moved by a change of the clock is honoured).
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/sem_timedwait.html>.
///
/// # Safety
///
/// `sem` is an initialized semaphore; `abstime` is null or a readable `struct timespec`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sem_timedwait(sem: *mut sem_t, abstime: *const timespec) -> c_int {
    // SAFETY: as the caller promises.
    unsafe { wait(sem, Some((CLOCK_REALTIME, abstime))) }
}

/// `sem_clockwait(sem, clock, abstime)`: `sem_timedwait` on `clock`, `CLOCK_REALTIME` or
/// `CLOCK_MONOTONIC` (any other: `EINVAL`, checked first, as glibc).
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/sem_clockwait.html>.
///
/// # Safety
///
/// `sem` is an initialized semaphore; `abstime` is null or a readable `struct timespec`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sem_clockwait(sem: *mut sem_t, clock: clockid_t, abstime: *const timespec) -> c_int {
    if clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC {
        return status(Err(EINVAL));
    }
    // SAFETY: as the caller promises.
    unsafe { wait(sem, Some((clock, abstime))) }
}

/// `sem_getvalue(sem, sval)`: stores the value in `*sval` (0 while threads wait: never
/// negative).
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/sem_getvalue.html>.
///
/// # Safety
///
/// `sem` is an initialized semaphore; `sval` points to a writable `int`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sem_getvalue(sem: *mut sem_t, sval: *mut c_int) -> c_int {
    // SAFETY: as the caller promises.
    let value = unsafe { raw(sem) }.counter.value();
    // SAFETY: as the caller promises; the value is at most INT_MAX.
    unsafe { sval.write(value as c_int) };
    0
}

/// `sem_open(name, oflag, ...)`: the named semaphore `name` ("/NAME"), with `O_CREAT`
/// created when missing from the two further arguments (`mode_t mode`, `unsigned
/// value`), with `O_EXCL` too only if missing. Returns its address (the same address for
/// every open of it in this process until the last `sem_close`) or `SEM_FAILED` with
/// `errno` set: `EINVAL` (a bad name, a value above `SEM_VALUE_MAX`), `ENAMETOOLONG`,
/// `ENOENT`, `EEXIST`, `EACCES`, or what creating the object said.
///
/// Variadic in C; defined with two fixed extra parameters, as relibc-patch's `mq_open`
/// (see its module documentation: on x86_64 a variadic caller passes them in the same
/// registers; they are read only with `O_CREAT`). `semaphore.h` declares it variadic.
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/sem_open.html>.
///
/// # Safety
///
/// `name` is null or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sem_open(name: *const c_char, oflag: c_int, mode: mode_t, value: c_uint) -> *mut sem_t {
    if name.is_null() {
        platform::set_errno(EFAULT);
        return SEM_FAILED;
    }
    // SAFETY: the caller vouches for a NUL-terminated string.
    let name = unsafe { CStr::from_ptr(name) };
    named::open(name, oflag, mode, value).unwrap_or_else(|errno| {
        platform::set_errno(errno);
        SEM_FAILED
    })
}

/// `sem_close(sem)`: this process is done with one open of a named semaphore; the last
/// unmaps it. `EINVAL` for anything `sem_open` did not return (or already closed).
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/sem_close.html>.
///
/// # Safety
///
/// After its last close, `sem` is no longer used.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sem_close(sem: *mut sem_t) -> c_int {
    status(named::close(sem))
}

/// `sem_unlink(name)`: removes the name; the semaphore lives on for those that have it
/// open. `ENOENT` for no such semaphore (or a name that no semaphore can have),
/// `ENAMETOOLONG`, `EACCES` for another user's.
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/sem_unlink.html>.
///
/// # Safety
///
/// `name` is null or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sem_unlink(name: *const c_char) -> c_int {
    if name.is_null() {
        return status(Err(EFAULT));
    }
    // SAFETY: the caller vouches for a NUL-terminated string.
    status(named::unlink(unsafe { CStr::from_ptr(name) }))
}
