//! The platform layer of the standalone build, laid out as relibc's `src/platform/`: the C
//! types (`types`), the platform traits (`pal`: relibc's `Pal`, reduced to what the IPC
//! headers use, and one trait per IPC family), `Sys` with its two backends (`redox`:
//! kestrel's schemes, what guest programs run; `linux`: Linux's system calls, which relibc's
//! Linux build uses and the host tests exercise), and `ERRNO`.
//!
//! `pal/<family>.rs`, `redox/<family>.rs`, `redox/kestrel_scheme.rs` and
//! `linux/<family>.rs` go into relibc as they are, and so does `kestrel_protocol` (the
//! schemes' paths, call numbers and metadata words), which is kestrel's
//! `abi/src/protocol.rs` itself; the rest of this directory is this crate's stand-in for
//! relibc's own platform code.
//!
//! This module is also the standalone side of the header modules' adapter
//! `crate::header::_kestrel` (`relibc/platform.rs` is relibc's side; keep the two in step):
//! what the headers take from the rest of a C library, which this crate does not have:
//!
//! - C types: the guest's `sys/types.h` (glibc's x86_64 choices: `uid_t`, `gid_t` and
//!   `mode_t` are `unsigned int`, `key_t` is `int`).
//! - Errors: Linux errno values (the kestrel ABI uses them), stored in the C runtime's
//!   thread-local `errno` (through `__errno_location()`, as in glibc and relibc).
//! - `ftok`'s file lookup (`open`, `SYS_FSTAT`, `SYS_CLOSE`).
//! - For `mqueue.h` and `sys/eventfd.h`: the C runtime's open flags (its `fcntl.h`: Redox
//!   values), `struct sigevent` and `pthread_attr_t` as its `signal.h` and `pthread.h` lay
//!   them out, and its `close`, `pipe2`, `read`, `write`, `malloc`, `free`,
//!   `pthread_create`, `pthread_attr_*` and `pthread_atfork` (the `SIGEV_THREAD` helper
//!   thread of `mq_notify`).
//! - For `semaphore.h`: futexes on a clock and shared memory objects, through
//!   [`PalFutexShm`] (relibc has these calls already: its adapter uses them directly).
//!
//! On the host, under `cargo test`, a stand-in kernel answers the system calls (see `sys`).

#![allow(non_camel_case_types)]

pub use kestrel_abi::errno;
use kestrel_abi::syscall::{self as ksys, Stat};

pub use self::pal::{
    Pal, PalEventfd, PalFutexShm, PalMqueue, PalSignalfd, PalSysvMsg, PalSysvSem, PalSysvShm, PalTimerfd,
};
pub use self::redox::Sys;
pub use self::types::*;

// The IPC schemes' protocol: kestrel's `abi/src/protocol.rs` itself, the file the patch
// ships as relibc's `src/platform/kestrel_protocol.rs` (and the kernel's `kestrel_abi::protocol`).
#[path = "../../../abi/src/protocol.rs"]
#[allow(dead_code, reason = "the kernel's side of the protocol too: not every item is the library's")]
pub mod kestrel_protocol;
// The Linux backend: compiled (and so type-checked) in every build, used by the host tests.
#[cfg_attr(not(test), allow(dead_code, reason = "guest programs run the Redox backend"))]
pub mod linux;
mod pal;
pub mod redox;
pub mod types;

/// `errno` as relibc names it: the calling thread's, which is the C runtime's here.
pub static ERRNO: Errno = Errno;

/// The calling thread's `errno` (relibc's `ERRNO` is a thread-local `Cell`; this one reaches
/// the C runtime's, or the stand-in's on the host).
pub struct Errno;

impl Errno {
    /// Sets the calling thread's `errno`.
    pub fn set(&self, value: c_int) {
        sys::set_errno(value);
    }
}

/// `struct timespec` as Linux x86_64 lays it out (two longs), which the kernel reads for
/// `semtimedop`. The guest's `time.h` declares the same.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct timespec {
    pub tv_sec: time_t,
    pub tv_nsec: c_long,
}

/// `struct itimerspec` as Linux x86_64 lays it out (the interval, then the value: 32
/// bytes), which the kernel reads and writes for `timerfd_settime` and `timerfd_gettime`.
/// The guest's `time.h` has none: `sys/timerfd.h` declares it (as glibc's `time.h` does).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct itimerspec {
    pub it_interval: timespec,
    pub it_value: timespec,
}

/// The C runtime's open flags (`fcntl.h`), which are the kernel's (Redox values, not
/// Linux's): what a program passes to `mq_open` and finds in `mq_attr.mq_flags`.
pub const O_RDONLY: c_int = kestrel_abi::syscall::O_RDONLY as c_int;
pub const O_WRONLY: c_int = kestrel_abi::syscall::O_WRONLY as c_int;
pub const O_RDWR: c_int = kestrel_abi::syscall::O_RDWR as c_int;
pub const O_ACCMODE: c_int = kestrel_abi::syscall::O_ACCMODE as c_int;
pub const O_CREAT: c_int = kestrel_abi::syscall::O_CREAT as c_int;
pub const O_EXCL: c_int = kestrel_abi::syscall::O_EXCL as c_int;
pub const O_NONBLOCK: c_int = kestrel_abi::syscall::O_NONBLOCK as c_int;
pub const O_CLOEXEC: c_int = kestrel_abi::syscall::O_CLOEXEC as c_int;

/// `sigev_notify` values (the C runtime's `signal.h`: Linux's).
pub const SIGEV_SIGNAL: c_int = 0;
pub const SIGEV_NONE: c_int = 1;
pub const SIGEV_THREAD: c_int = 2;

/// `union sigval` (the C runtime's `signal.h`).
#[repr(C)]
#[derive(Clone, Copy)]
pub union sigval {
    pub sival_int: c_int,
    pub sival_ptr: *mut c_void,
}

/// `pthread_attr_t`: the C runtime's is 56 bytes (glibc's x86_64 size), opaque here; the
/// library copies one as bytes and hands it to the runtime's `pthread_*` functions.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct pthread_attr_t {
    __opaque: [u64; 7],
}

/// `struct sigevent` as the C runtime's `signal.h` (and Linux x86_64) lays it out: 64 bytes,
/// the thread function and attributes at 16 and 24 (a union with `_tid` and padding in C).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sigevent {
    pub sigev_value: sigval,
    pub sigev_signo: c_int,
    pub sigev_notify: c_int,
    pub sigev_notify_function: Option<extern "C" fn(sigval)>,
    pub sigev_notify_attributes: *mut pthread_attr_t,
    pub __pad: [u64; 4],
}

/// The numbers that identify a file: its device and its inode (`st_dev`, `st_ino`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
}

/// The device and inode numbers of the file at `path`, or the errno of the failed lookup.
///
/// kestrel has no stat-by-path call: the file is opened read-only, `fstat`ed and closed.
/// Paths are scheme paths (`/scheme/initfs/NAME`); any other path is passed to the kernel
/// as given (and is `ENOENT` unless a scheme serves it).
///
/// # Safety
///
/// `path` points to a NUL-terminated string readable up to its NUL.
pub unsafe fn file_id(path: *const c_char) -> Result<FileId, c_int> {
    // SAFETY: the caller vouches for a readable NUL-terminated string.
    let path = unsafe { core::ffi::CStr::from_ptr(path) };
    // Through the C runtime's `open`, which applies the working directory and finds
    // `/tmp` and `/etc` (the kernel takes only `/scheme/...` paths).
    let fd = sys::open_path(path, ksys::O_RDONLY | ksys::O_CLOEXEC)?;
    let mut stat = Stat::default();
    let result = sys::fstat(fd, &mut stat);
    // The descriptor is gone whatever close says; its error cannot change the answer.
    let _ = sys::close(fd);
    result?;
    Ok(FileId { dev: stat.st_dev, ino: stat.st_ino })
}

/// Sets the caller-visible `errno`.
pub fn set_errno(value: c_int) {
    sys::set_errno(value);
}

/// `close(fd)` through the C runtime (`mq_close`).
pub fn close(fd: c_int) -> Result<(), c_int> {
    sys::close_fd(fd)
}

/// A pipe whose two ends are close-on-exec (`pipe2(fds, O_CLOEXEC)`): `[read end, write end]`.
pub fn pipe_cloexec() -> Result<[c_int; 2], c_int> {
    sys::pipe_cloexec()
}

/// `read(fd, buf, buf.len())`: the count read (0 at end of file) or the errno.
pub fn read(fd: c_int, buf: &mut [u8]) -> Result<usize, c_int> {
    sys::read(fd, buf)
}

/// `malloc(size)`: null when out of memory.
pub fn malloc(size: size_t) -> *mut c_void {
    sys::malloc(size)
}

/// `free(ptr)`.
///
/// # Safety
///
/// `ptr` is null or came from [`malloc`] and was not freed.
pub unsafe fn free(ptr: *mut c_void) {
    // SAFETY: as the caller promises.
    unsafe { sys::free(ptr) }
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
    // SAFETY: as the caller promises.
    unsafe { sys::spawn_detached(attr, start, arg) }
}

/// Registers `child` to run in the child after every `fork` (`pthread_atfork`).
pub fn at_fork_child(child: extern "C" fn()) -> Result<(), c_int> {
    sys::at_fork_child(child)
}

/// Blocks every signal in the calling thread (`pthread_sigmask(SIG_BLOCK, full set)`).
pub fn block_all_signals() {
    sys::block_all_signals();
}

// ---- semaphore.h: futexes on a clock, and shared memory objects ----
//
// What `semaphore.h` needs besides its own atomics, through `PalFutexShm` (the Redox
// backend: the C runtime's futex helpers, `shm_open`, `shm_unlink`, `ftruncate`, `mmap`,
// `munmap`, and the kernel's `fstat`). relibc's adapter maps the same names to its own
// `Sys::futex_wait`, `Sys::futex_wake`, `shm_open`, `Sys::fstat`, ... .

/// The C runtime's `CLOCK_REALTIME` (its `time.h`: the kernel's value).
pub const CLOCK_REALTIME: clockid_t = ksys::CLOCK_REALTIME as clockid_t;
/// The C runtime's `CLOCK_MONOTONIC`.
pub const CLOCK_MONOTONIC: clockid_t = ksys::CLOCK_MONOTONIC as clockid_t;

/// Sleeps while `*word == expected`, until woken, or until `deadline` (an absolute time on
/// the clock `CLOCK_REALTIME` or `CLOCK_MONOTONIC`) has passed: see
/// [`PalFutexShm::futex_wait_until`].
pub fn futex_wait(
    word: &core::sync::atomic::AtomicU32,
    expected: u32,
    deadline: Option<(clockid_t, &timespec)>,
) -> Result<(), c_int> {
    Sys::futex_wait_until(word, expected, deadline).map_err(|err| err.0)
}

/// Wakes up to `count` threads asleep on `word`, in any process.
pub fn futex_wake(word: &core::sync::atomic::AtomicU32, count: u32) {
    Sys::futex_wake_shared(word, count);
}

/// `shm_open(name, oflag, mode)`: a close-on-exec descriptor of the shared memory object
/// `name` ("/NAME"); `oflag` in the C library's `O_*` values.
pub fn shm_object_open(name: &core::ffi::CStr, oflag: c_int, mode: mode_t) -> Result<c_int, c_int> {
    Sys::shm_object_open(name, oflag, mode).map_err(|err| err.0)
}

/// `shm_unlink(name)`.
pub fn shm_object_unlink(name: &core::ffi::CStr) -> Result<(), c_int> {
    Sys::shm_object_unlink(name).map_err(|err| err.0)
}

/// The identity (device and inode) and size in bytes of the file open on `fd` (`fstat`).
pub fn fd_identity(fd: c_int) -> Result<(FileId, u64), c_int> {
    Sys::fd_identity(fd).map_err(|err| err.0)
}

/// `ftruncate(fd, len)`.
pub fn fd_truncate(fd: c_int, len: u64) -> Result<(), c_int> {
    Sys::fd_truncate(fd, len).map_err(|err| err.0)
}

/// `mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)`: the address.
pub fn map_shared(fd: c_int, len: usize) -> Result<*mut c_void, c_int> {
    Sys::map_shared(fd, len).map_err(|err| err.0)
}

/// `munmap(addr, len)`.
///
/// # Safety
///
/// Nothing uses the memory at `addr .. addr + len` any more.
pub unsafe fn unmap(addr: *mut c_void, len: usize) -> Result<(), c_int> {
    // SAFETY: as the caller promises.
    unsafe { Sys::unmap(addr, len) }.map_err(|err| err.0)
}

/// Detached threads through the C runtime, for both backends below.
mod threads;

/// The guest's system calls and C runtime functions (`guest.rs`); on the host, under `cargo
/// test`, a stand-in kernel in their place (`host.rs`).
#[cfg(not(test))]
#[path = "guest.rs"]
pub(crate) mod sys;

/// A stand-in kernel for host tests: a few fixed files, descriptors counted so that tests
/// see leaks, `errno` in a thread-local, and `sem`, `msg`, `shm`, `mq`, `signalfd`,
/// `eventfd` and `timerfd` schemes that record
/// each call and answer what the test asked for (or what a test's hook computes, reading and
/// writing the memory the call names as the kernel would). The C runtime functions that
/// `mqueue.h` and `sys/eventfd.h` use are the host C library's, with pipes, allocations and `close` recorded.
#[cfg(test)]
#[path = "host.rs"]
pub(crate) mod sys;
