//! Platform adapter for the kestrel IPC headers, relibc side.
//!
//! Installed by the kestrel `relibc.patch` as `src/header/_kestrel/mod.rs` (a directory
//! whose leading underscore keeps relibc's build from generating a C header for it). It is
//! the twin of the kestrel wrapper crate's `src/platform/mod.rs` and exports the same names,
//! so that the header modules build unchanged in both places.
//!
//! The IPC calls themselves do not come through here: they are relibc's platform traits
//! (`PalSysvSem`, `PalSysvMsg`, `PalSysvShm`, `PalMqueue`, `PalTimerfd`, `PalEventfd`,
//! `PalSignalfd` in `src/platform/pal/`), implemented for Redox over kestrel's schemes and
//! for Linux over its system calls. This module carries what the headers take from the rest
//! of relibc under names that the standalone kestrel library can provide too: C types,
//! errno values and `ERRNO`, `ftok`'s file lookup (`Sys::stat`), and, for `mqueue.h`'s
//! `SIGEV_THREAD` helper thread, relibc's open flags (`fcntl.h`: Redox's values on Redox,
//! Linux's on Linux; the header module translates them to the Linux values the kernel
//! takes), its `struct sigevent`, `union sigval` and `pthread_attr_t`, and its `close`,
//! `pipe2`, `read`, `malloc`, `free`, `pthread_create`, `pthread_attr_*`, `pthread_atfork`
//! and `pthread_sigmask`; for `semaphore.h`, futex waits and wakes on a clock
//! (`Sys::futex_wait`, `Sys::futex_wake`) and shared memory objects (relibc's `shm_open`,
//! `shm_unlink`, and `Sys::fstat`, `Sys::ftruncate`, `Sys::mmap`, `Sys::munmap`), on Redox
//! and on Linux alike.

use crate::{
    c_str::CStr,
    header::{pthread, stdlib, sys_stat::stat},
    out::Out,
    platform::{ERRNO, Pal, Sys},
};
pub use crate::{
    header::{
        bits_sigset_t::sigset_t,
        bits_timespec::timespec,
        errno,
        fcntl::{O_ACCMODE, O_CLOEXEC, O_CREAT, O_EXCL, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY},
        signal::{SIGEV_NONE, SIGEV_SIGNAL, SIGEV_THREAD, sigevent, sigval},
        time::itimerspec,
    },
    platform::types::{
        c_char, c_int, c_long, c_short, c_uint, c_ulong, c_ushort, c_void, gid_t, key_t, mode_t,
        pid_t, pthread_attr_t, size_t, ssize_t, time_t, uid_t,
    },
};

/// The numbers that identify a file: its device and its inode (`st_dev`, `st_ino`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
}

/// The device and inode numbers of the file at `path`, or the errno of the failed lookup.
///
/// # Safety
///
/// `path` points to a NUL-terminated string readable up to its NUL.
pub unsafe fn file_id(path: *const c_char) -> Result<FileId, c_int> {
    // SAFETY: the caller vouches for a readable NUL-terminated string, hence not null.
    let path = unsafe { CStr::from_ptr(path) };
    let mut st = stat::default();
    Sys::stat(path, Out::from_mut(&mut st)).map_err(|err| err.0)?;
    Ok(FileId {
        dev: st.st_dev,
        ino: st.st_ino,
    })
}

/// Sets the caller-visible `errno`.
pub fn set_errno(value: c_int) {
    ERRNO.set(value);
}

/// `close(fd)` (`mq_close`).
pub fn close(fd: c_int) -> Result<(), c_int> {
    Sys::close(fd).map_err(|err| err.0)
}

/// A pipe whose two ends are close-on-exec (`pipe2(fds, O_CLOEXEC)`): `[read end, write end]`.
pub fn pipe_cloexec() -> Result<[c_int; 2], c_int> {
    let mut fds = [-1; 2];
    Sys::pipe2(Out::from_mut(&mut fds), O_CLOEXEC).map_err(|err| err.0)?;
    Ok(fds)
}

/// `read(fd, buf, buf.len())`: the count read (0 at end of file) or the errno.
pub fn read(fd: c_int, buf: &mut [u8]) -> Result<usize, c_int> {
    Sys::read(fd, buf).map_err(|err| err.0)
}

/// `malloc(size)`: null when out of memory.
pub fn malloc(size: size_t) -> *mut c_void {
    // SAFETY: `malloc` has no preconditions.
    unsafe { stdlib::malloc(size) }
}

/// `free(ptr)`.
///
/// # Safety
///
/// `ptr` is null or came from [`malloc`] and was not freed.
pub unsafe fn free(ptr: *mut c_void) {
    // SAFETY: as the caller promises.
    unsafe { stdlib::free(ptr) }
}

/// Starts a detached thread running `start(arg)`: with the attributes `*attr` (made
/// detached first) if `attr` is not null, else with the defaults. The errno on failure.
///
/// # Safety
///
/// `attr` is null or points to an initialized `pthread_attr_t` the caller may change.
pub unsafe fn spawn_detached(
    attr: *mut pthread_attr_t,
    start: extern "C" fn(*mut c_void) -> *mut c_void,
    arg: *mut c_void,
) -> Result<(), c_int> {
    let mut thread: crate::platform::types::pthread_t = core::ptr::null_mut();
    let err = if attr.is_null() {
        let mut own = core::mem::MaybeUninit::<pthread_attr_t>::uninit();
        // SAFETY: `own` is a local that relibc initializes, then uses and destroys.
        unsafe {
            pthread::pthread_attr_init(own.as_mut_ptr());
            pthread::pthread_attr_setdetachstate(own.as_mut_ptr(), pthread::PTHREAD_CREATE_DETACHED);
            let err = pthread::pthread_create(&mut thread, own.as_ptr(), start, arg);
            pthread::pthread_attr_destroy(own.as_mut_ptr());
            err
        }
    } else {
        // SAFETY: the caller vouches for `attr`; `thread` is a local.
        unsafe {
            pthread::pthread_attr_setdetachstate(attr, pthread::PTHREAD_CREATE_DETACHED);
            pthread::pthread_create(&mut thread, attr, start, arg)
        }
    };
    if err == 0 { Ok(()) } else { Err(err) }
}

/// Registers `child` to run in the child after every `fork` (`pthread_atfork`).
pub fn at_fork_child(child: extern "C" fn()) -> Result<(), c_int> {
    match pthread::pthread_atfork(None, None, Some(child)) {
        0 => Ok(()),
        err => Err(err),
    }
}

/// Blocks every signal in the calling thread (`pthread_sigmask(SIG_BLOCK, full set)`).
pub fn block_all_signals() {
    let mut all: crate::header::bits_sigset_t::sigset_t = 0;
    // SAFETY: relibc fills and reads the local set; no old set is asked for.
    unsafe {
        crate::header::signal::sigfillset(&mut all);
        crate::header::signal::pthread_sigmask(
            crate::header::signal::SIG_BLOCK,
            &all,
            core::ptr::null_mut(),
        );
    }
}

// ---- semaphore.h: futexes on a clock, and shared memory objects ----
//
// What `semaphore.h` needs besides its own atomics: a futex wait until an absolute time on
// a clock and a futex wake (`Sys::futex_wait` and `Sys::futex_wake`: shared futexes, keyed
// by physical address, so one call serves private and process-shared semaphores), and the
// named objects of `shm_open`'s namespace (relibc's own `shm_open` and `shm_unlink`, and
// `Sys::fstat`, `Sys::ftruncate`, `Sys::mmap`, `Sys::munmap`).

pub use crate::{
    header::time::{CLOCK_MONOTONIC, CLOCK_REALTIME},
    platform::types::clockid_t,
};

/// Sleeps while `*word == expected`, until woken, or until `deadline` (an absolute time on
/// the clock `CLOCK_REALTIME` or `CLOCK_MONOTONIC`) has passed. `Ok` when woken, when the
/// word differed, spuriously, or when a sleep ended before a realtime deadline that a change
/// of the clock moved (the caller looks again and calls again); `ETIMEDOUT` once the
/// deadline has passed, `EINTR` when a signal handler ran, `EINVAL` for a `tv_nsec` outside
/// 0..1e9 or another clock.
pub fn futex_wait(
    word: &core::sync::atomic::AtomicU32,
    expected: u32,
    deadline: Option<(clockid_t, &timespec)>,
) -> Result<(), c_int> {
    // `Sys::futex_wait` takes an absolute CLOCK_MONOTONIC deadline.
    let monotonic = match deadline {
        None => None,
        Some((_, abs)) if !(0..1_000_000_000).contains(&abs.tv_nsec) => return Err(errno::EINVAL),
        Some((CLOCK_MONOTONIC, abs)) => Some(abs.clone()),
        Some((CLOCK_REALTIME, abs)) => Some(
            crate::header::time::timespec_realtime_to_monotonic(abs).map_err(|err| err.0)?,
        ),
        Some(_) => return Err(errno::EINVAL),
    };
    // SAFETY: the word is a live atomic; the kernel compares and sleeps on its address.
    match unsafe { Sys::futex_wait(word.as_ptr(), expected, monotonic.as_ref()) } {
        Ok(()) => Ok(()),
        Err(err) if err.0 == errno::EAGAIN => Ok(()),
        // A realtime deadline is measured again by the next call.
        Err(err) if err.0 == errno::ETIMEDOUT && matches!(deadline, Some((CLOCK_REALTIME, _))) => Ok(()),
        Err(err) => Err(err.0),
    }
}

/// Wakes up to `count` threads asleep on `word`, in any process.
pub fn futex_wake(word: &core::sync::atomic::AtomicU32, count: u32) {
    // SAFETY: the kernel uses the word's address as a key.
    let _ = unsafe { Sys::futex_wake(word.as_ptr(), count) };
}

/// `shm_open(name, oflag, mode)`: a close-on-exec descriptor of the shared memory object
/// `name` ("/NAME").
pub fn shm_object_open(name: &core::ffi::CStr, oflag: c_int, mode: mode_t) -> Result<c_int, c_int> {
    // SAFETY: a NUL-terminated name borrowed for the call.
    let fd = unsafe { crate::header::sys_mman::shm_open(name.as_ptr(), oflag | O_CLOEXEC, mode) };
    if fd < 0 { Err(ERRNO.get()) } else { Ok(fd) }
}

/// `shm_unlink(name)`.
pub fn shm_object_unlink(name: &core::ffi::CStr) -> Result<(), c_int> {
    // SAFETY: a NUL-terminated name borrowed for the call.
    if unsafe { crate::header::sys_mman::shm_unlink(name.as_ptr()) } < 0 {
        Err(ERRNO.get())
    } else {
        Ok(())
    }
}

/// The identity (device and inode) and size in bytes of the file open on `fd` (`fstat`).
pub fn fd_identity(fd: c_int) -> Result<(FileId, u64), c_int> {
    let mut st = stat::default();
    Sys::fstat(fd, Out::from_mut(&mut st)).map_err(|err| err.0)?;
    let id = FileId {
        dev: st.st_dev as u64,
        ino: st.st_ino as u64,
    };
    Ok((id, st.st_size as u64))
}

/// `ftruncate(fd, len)`.
pub fn fd_truncate(fd: c_int, len: u64) -> Result<(), c_int> {
    Sys::ftruncate(fd, len as crate::platform::types::off_t).map_err(|err| err.0)
}

/// `mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)`: the address.
pub fn map_shared(fd: c_int, len: usize) -> Result<*mut c_void, c_int> {
    use crate::header::sys_mman::{MAP_SHARED, PROT_READ, PROT_WRITE};
    // SAFETY: a new mapping at an address the kernel picks replaces nothing.
    unsafe {
        Sys::mmap(
            core::ptr::null_mut(),
            len,
            PROT_READ | PROT_WRITE,
            MAP_SHARED,
            fd,
            0,
        )
    }
    .map_err(|err| err.0)
}

/// `munmap(addr, len)`.
///
/// # Safety
///
/// Nothing uses the memory at `addr .. addr + len` any more.
pub unsafe fn unmap(addr: *mut c_void, len: usize) -> Result<(), c_int> {
    // SAFETY: as the caller promises.
    unsafe { Sys::munmap(addr, len) }.map_err(|err| err.0)
}
