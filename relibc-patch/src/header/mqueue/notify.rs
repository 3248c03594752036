//! `mq_notify`'s `SIGEV_THREAD`: the registration records, the process's notice pipe and
//! its helper thread, and the threads that run the caller's functions (see the module
//! documentation of `mqueue`). The records are allocated with the platform's `malloc`; a
//! record's address is the cookie the kernel hands back in a notice, and the helper frees
//! each record once, after a woken-up or removed notice.

use core::{
    mem::size_of,
    ptr,
    sync::atomic::{AtomicBool, AtomicI32, Ordering},
};

use super::NOTICE_LEN;
use crate::{
    header::_kestrel::{self as platform, c_int, c_void, pthread_attr_t, sigval},
    platform::kestrel_protocol::{NOTIFY_REMOVED, NOTIFY_WOKENUP},
};

/// A `SIGEV_THREAD` registration: what the notice's thread runs, and how it is started.
/// Allocated with the platform's `malloc`; its address is the cookie the kernel hands back.
#[repr(C)]
pub(super) struct ThreadRecord {
    function: Option<extern "C" fn(sigval)>,
    value: sigval,
    /// Whether `attr` holds a copy of the caller's attributes.
    has_attr: bool,
    attr: pthread_attr_t,
}

impl ThreadRecord {
    /// A new record on the heap for `function` with `value` (a `union sigval`'s bits) and
    /// a copy of `*attr`, or null when out of memory.
    ///
    /// # Safety
    ///
    /// `attr` is null or the address of an initialized `pthread_attr_t`.
    pub(super) unsafe fn new(
        function: Option<extern "C" fn(sigval)>,
        value: u64,
        attr: *const pthread_attr_t,
    ) -> *mut ThreadRecord {
        let record = platform::malloc(size_of::<ThreadRecord>()).cast::<ThreadRecord>();
        if record.is_null() {
            return record;
        }
        // SAFETY: `record` is a fresh allocation of the record's size (malloc's alignment
        // suits it); the fields are written through raw pointers, `attr` bytewise from the
        // caller's object, as the caller promises.
        unsafe {
            (&raw mut (*record).function).write(function);
            (&raw mut (*record).value).cast::<u64>().write(value);
            (&raw mut (*record).has_attr).write(!attr.is_null());
            if !attr.is_null() {
                ptr::copy_nonoverlapping(attr, &raw mut (*record).attr, 1);
            }
        }
        record
    }
}

/// What a notice's thread needs once the record is gone.
#[repr(C)]
struct ThreadStart {
    function: Option<extern "C" fn(sigval)>,
    value: sigval,
}

/// The process's notice pipe: the helper thread reads its read end, the kernel writes to
/// its write end. -1 for none (before the first `SIGEV_THREAD` registration, and in a
/// forked child until its own first one).
static NOTICE_READ_END: AtomicI32 = AtomicI32::new(-1);
static NOTICE_WRITE_END: AtomicI32 = AtomicI32::new(-1);
/// Held while the pipe and the helper are being set up.
static HELPER_LOCK: AtomicBool = AtomicBool::new(false);
/// Whether the fork handler is registered.
static AT_FORK_REGISTERED: AtomicBool = AtomicBool::new(false);

/// The write end of the process's notice pipe, made with its helper thread on first use.
pub(super) fn helper_pipe() -> Result<c_int, c_int> {
    let fd = NOTICE_WRITE_END.load(Ordering::Acquire);
    if fd >= 0 {
        return Ok(fd);
    }
    while HELPER_LOCK.compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
        core::hint::spin_loop();
    }
    let result = start_helper();
    HELPER_LOCK.store(false, Ordering::Release);
    result
}

/// [`helper_pipe`]'s work, under the lock.
fn start_helper() -> Result<c_int, c_int> {
    let fd = NOTICE_WRITE_END.load(Ordering::Acquire);
    if fd >= 0 {
        return Ok(fd);
    }
    if !AT_FORK_REGISTERED.load(Ordering::Acquire) {
        platform::at_fork_child(forget_helper_in_child)?;
        AT_FORK_REGISTERED.store(true, Ordering::Release);
    }
    let [read_end, write_end] = platform::pipe_cloexec()?;
    let arg = read_end as isize as *mut c_void;
    // SAFETY: no attributes; the argument is the descriptor, not an address.
    let started = unsafe { platform::spawn_detached(ptr::null_mut(), helper_main, arg) };
    if let Err(errno) = started {
        let _ = platform::close(read_end);
        let _ = platform::close(write_end);
        return Err(errno);
    }
    NOTICE_READ_END.store(read_end, Ordering::Release);
    NOTICE_WRITE_END.store(write_end, Ordering::Release);
    Ok(write_end)
}

/// The `pthread_atfork` child handler: the child has the parent's pipe but no helper
/// thread; it closes its copies (the numbers are still the pipe's: no code of the program
/// has run in the child yet) and makes its own pipe and helper when it needs them.
extern "C" fn forget_helper_in_child() {
    for end in [&NOTICE_READ_END, &NOTICE_WRITE_END] {
        let fd = end.swap(-1, Ordering::AcqRel);
        if fd >= 0 {
            let _ = platform::close(fd);
        }
    }
    HELPER_LOCK.store(false, Ordering::Release);
}

/// The helper thread: reads notices from the pipe's read end (its argument) until the pipe
/// fails, and starts or drops each registration's thread.
extern "C" fn helper_main(arg: *mut c_void) -> *mut c_void {
    // Signals are for the program's threads (as glibc's helper, this one blocks them all,
    // so that a sigsuspend or sigwait elsewhere gets them); the notice threads it starts
    // inherit the mask.
    platform::block_all_signals();
    let fd = arg as isize as c_int;
    let mut notice = [0u8; NOTICE_LEN];
    loop {
        let mut got = 0;
        while got < NOTICE_LEN {
            match platform::read(fd, &mut notice[got..]) {
                Ok(0) => return helper_gone(fd),
                Ok(n) => got += n,
                Err(platform::errno::EINTR) => {}
                Err(_) => return helper_gone(fd),
            }
        }
        let cookie = u64::from_le_bytes(notice[..8].try_into().unwrap_or_default());
        let kind = u64::from_le_bytes(notice[8..].try_into().unwrap_or_default());
        let record = cookie as usize as *mut ThreadRecord;
        if record.is_null() {
            continue;
        }
        // SAFETY: the kernel hands back the cookie of a live registration, once: a record
        // this library allocated and nothing else frees.
        unsafe {
            if kind == NOTIFY_WOKENUP {
                start_notice_thread(record);
            }
            if kind == NOTIFY_WOKENUP || kind == NOTIFY_REMOVED {
                platform::free(record.cast());
            }
        }
    }
}

/// The helper's end: its pipe failed (the program closed the read end, or every write end,
/// as a daemon closing all its descriptors does). The pipe is forgotten, not closed (its
/// numbers may be the program's by now), so that the next `SIGEV_THREAD` registration makes
/// a new pipe and helper instead of naming a dead one.
fn helper_gone(read_end: c_int) -> *mut c_void {
    while HELPER_LOCK.compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
        core::hint::spin_loop();
    }
    if NOTICE_READ_END.load(Ordering::Acquire) == read_end {
        NOTICE_READ_END.store(-1, Ordering::Release);
        NOTICE_WRITE_END.store(-1, Ordering::Release);
    }
    HELPER_LOCK.store(false, Ordering::Release);
    ptr::null_mut()
}

/// The write end of the process's notice pipe, -1 for none (for tests).
#[cfg(test)]
pub(crate) fn notice_pipe() -> c_int {
    NOTICE_WRITE_END.load(Ordering::Acquire)
}

/// Starts the detached thread that calls the record's function, with the record's
/// attributes if it has them. A thread that cannot be started loses the notice (as in
/// glibc).
///
/// # Safety
///
/// `record` is a live record.
unsafe fn start_notice_thread(record: *mut ThreadRecord) {
    let start = platform::malloc(size_of::<ThreadStart>()).cast::<ThreadStart>();
    if start.is_null() {
        return;
    }
    // SAFETY: `record` is live (the caller promises) and `start` a fresh allocation of its
    // size; the thread owns `start` once it runs, the record stays with the helper.
    unsafe {
        (&raw mut (*start).function).write((*record).function);
        ptr::copy_nonoverlapping(&raw const (*record).value, &raw mut (*start).value, 1);
        let attr = if (*record).has_attr { &raw mut (*record).attr } else { ptr::null_mut() };
        if platform::spawn_detached(attr, notice_thread_main, start.cast()).is_err() {
            platform::free(start.cast());
        }
    }
}

/// A notice's thread: calls the function with the value.
extern "C" fn notice_thread_main(arg: *mut c_void) -> *mut c_void {
    let start = arg.cast::<ThreadStart>();
    // SAFETY: the helper handed this thread its own `ThreadStart` allocation.
    let (function, value) = unsafe {
        let function = (&raw const (*start).function).read();
        let value = (&raw const (*start).value).read();
        platform::free(start.cast());
        (function, value)
    };
    if let Some(function) = function {
        function(value);
    }
    ptr::null_mut()
}
