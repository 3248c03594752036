//! The platform adapter of the standalone build: what the header modules need from the
//! system, for kestrel guest programs linked against the C runtime of `userspace/`.
//!
//! This is the only file that differs between the two builds: `relibc/platform.rs` is its
//! relibc twin (installed as relibc's `src/header/_kestrel/mod.rs`) and exports the same
//! names. Keep the two in step.
//!
//! - C types: the guest's `sys/types.h` (glibc's x86_64 choices: `uid_t`, `gid_t` and
//!   `mode_t` are `unsigned int`, `key_t` is `int`).
//! - Errors: Linux errno values (the kestrel ABI uses them), stored in the C runtime's
//!   thread-local `errno` (through `__errno_location()`, as in glibc and relibc).
//! - System calls: raw kestrel syscalls (`SYS_OPEN`, `SYS_FSTAT`, `SYS_CLOSE`, `SYS_CALL`).
//!   On the host, under `cargo test`, a stand-in kernel answers them instead (see `sys`).
//! - The `sem`, `msg`, `shm` and `mq` schemes: one descriptor each per process, opened on
//!   first use (see [`sem_call`], [`msg_call`], [`shm_call`] and [`mq_call`]).
//! - The `signalfd`, `eventfd` and `timerfd` schemes' roots: likewise one descriptor each
//!   (see [`signalfd_call`], [`eventfd_call`] and [`timerfd_call`]); `eventfd_read` and
//!   `eventfd_write` use the C runtime's `read` and `write`.
//! - For `semaphore.h`: the C runtime's futex helpers (`__kestrel_futex_wait`,
//!   `__kestrel_futex_wake`, `__kestrel_time_left`), `shm_open`, `shm_unlink`,
//!   `ftruncate`, `mmap`, `munmap`, and the kernel's `fstat`.
//! - For `mqueue.h`: the C runtime's open flags (its `fcntl.h`: Redox values), `struct
//!   sigevent` and `pthread_attr_t` as its `signal.h` and `pthread.h` lay them out, and its
//!   `close`, `pipe2`, `read`, `malloc`, `free`, `pthread_create`, `pthread_attr_*` and
//!   `pthread_atfork` (the `SIGEV_THREAD` helper thread of `mq_notify`).

#![allow(non_camel_case_types)]

use core::sync::atomic::{AtomicUsize, Ordering};

pub use core::ffi::{c_char, c_int, c_long, c_short, c_uint, c_ulong, c_ushort, c_void};

pub use kestrel_abi::errno;
use kestrel_abi::errno::{ENOENT, ENOSYS};
use kestrel_abi::eventfd::EVENTFD_SCHEME;
use kestrel_abi::mq::MQ_SCHEME;
use kestrel_abi::signalfd::SIGNALFD_SCHEME;
use kestrel_abi::syscall::{self as ksys, CALL_WRITE, Stat};
use kestrel_abi::sysv::{MSG_SCHEME, SEM_SCHEME, SHM_SCHEME};
use kestrel_abi::timerfd::call::TIMERFD_SCHEME;

/// `key_t`: System V IPC keys.
pub type key_t = c_int;
/// `uid_t`.
pub type uid_t = u32;
/// `gid_t`.
pub type gid_t = u32;
/// `mode_t`.
pub type mode_t = u32;
/// `size_t`.
pub type size_t = usize;
/// `ssize_t`.
pub type ssize_t = isize;
/// `pid_t`.
pub type pid_t = c_int;
/// `time_t`: 64-bit seconds.
pub type time_t = i64;
/// `sigset_t`: the C runtime's `signal.h` has one 64-bit word, a bit per signal (bit N-1
/// for signal N).
pub type sigset_t = c_ulong;

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

/// A scheme descriptor that a process opens on first use and keeps: a forked child inherits
/// it with the rest of its memory and descriptors; it is opened with `O_CLOEXEC`, so after
/// `exec` the new image, whose statics start afresh, opens its own. Threads racing to open it
/// keep the first descriptor stored and close theirs.
pub(crate) struct SchemeFd(AtomicUsize);

impl SchemeFd {
    /// No descriptor yet (no descriptor has this number).
    const NONE: usize = usize::MAX;

    pub(crate) const fn new() -> Self {
        Self(AtomicUsize::new(Self::NONE))
    }

    /// The descriptor, opened with `open` if there is none yet; `close` drops a descriptor
    /// that lost a race. A failed open is not remembered: the next call tries again.
    pub(crate) fn get(
        &self,
        open: impl FnOnce() -> Result<usize, c_int>,
        close: impl FnOnce(usize),
    ) -> Result<usize, c_int> {
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
}

/// Opens an IPC scheme (`/scheme/sem`, `/scheme/msg`, `/scheme/shm`) for reading and
/// writing, close-on-exec. A kernel without the scheme (`ENOENT`) makes its calls fail with
/// `ENOSYS`: `ENOENT` would read as "nothing for this key" from `semget`, `msgget` or
/// `shmget`.
pub(crate) fn open_scheme(path: &str) -> Result<usize, c_int> {
    sys::open(path.as_bytes(), ksys::O_RDWR | ksys::O_CLOEXEC).map_err(scheme_open_errno)
}

/// The errno that a failed open of an IPC scheme gives the IPC calls: `ENOSYS` for a
/// scheme the kernel does not have, otherwise the open's own (`EMFILE`, ...).
pub(crate) fn scheme_open_errno(errno: c_int) -> c_int {
    if errno == ENOENT { ENOSYS } else { errno }
}

/// The process's `/scheme/sem` descriptor.
static SEM_FD: SchemeFd = SchemeFd::new();
/// The process's `/scheme/msg` descriptor.
static MSG_FD: SchemeFd = SchemeFd::new();
/// The process's `/scheme/shm` descriptor (the scheme's root, which takes the System V
/// calls).
static SHM_FD: SchemeFd = SchemeFd::new();

/// One call on the IPC scheme at `path` (`SYS_CALL` on the process's descriptor of it,
/// cached in `fd` and opened on first use): `metadata` as `kestrel_abi::sysv` lays it out,
/// and `payload`, which the kernel only reads (`CALL_WRITE`: every sem, msg and shm call's
/// results come back as the return value or through addresses the call carries, so nothing
/// is copied back). Returns the kernel's result or its errno (or the errno of opening the
/// scheme).
///
/// A program that closes descriptors it did not open (a daemon closing every descriptor
/// above 2) closes these too; the calls then fail with `EBADF`, as with any descriptor a
/// libc keeps.
fn scheme_call(fd: &SchemeFd, path: &str, payload: &[u8], metadata: &[u64]) -> Result<usize, c_int> {
    let fd = fd.get(
        || open_scheme(path),
        |fd| {
            let _ = sys::close(fd);
        },
    )?;
    sys::call(fd, payload, CALL_WRITE, metadata)
}

/// One call on the kernel's `sem` scheme (`/scheme/sem`), as [`scheme_call`] describes.
pub fn sem_call(payload: &[u8], metadata: &[u64]) -> Result<usize, c_int> {
    scheme_call(&SEM_FD, SEM_SCHEME, payload, metadata)
}

/// One call on the kernel's `msg` scheme (`/scheme/msg`), as [`scheme_call`] describes.
pub fn msg_call(payload: &[u8], metadata: &[u64]) -> Result<usize, c_int> {
    scheme_call(&MSG_FD, MSG_SCHEME, payload, metadata)
}

/// One call on the kernel's shared memory scheme (`/scheme/shm`), as [`scheme_call`]
/// describes: the System V calls take exactly three metadata words and no payload.
pub fn shm_call(metadata: &[u64; 3]) -> Result<usize, c_int> {
    scheme_call(&SHM_FD, SHM_SCHEME, &[], metadata)
}

/// The process's `/scheme/mq` descriptor (POSIX message queues).
static MQ_FD: SchemeFd = SchemeFd::new();

/// One call on the kernel's POSIX message queue scheme (`/scheme/mq`), as [`scheme_call`]
/// describes: three metadata words (`kestrel_abi::mq`), a payload the kernel only reads.
pub fn mq_call(payload: &[u8], metadata: &[u64; 3]) -> Result<usize, c_int> {
    scheme_call(&MQ_FD, MQ_SCHEME, payload, metadata)
}

/// The process's `/scheme/signalfd` descriptor.
static SIGNALFD_FD: SchemeFd = SchemeFd::new();
/// The process's `/scheme/eventfd` descriptor.
static EVENTFD_FD: SchemeFd = SchemeFd::new();
/// The process's `/scheme/timerfd` descriptor.
static TIMERFD_FD: SchemeFd = SchemeFd::new();

/// One call on the kernel's `signalfd` scheme (`/scheme/signalfd`), as [`scheme_call`]
/// describes: three metadata words (`kestrel_abi::signalfd`), a payload the kernel only
/// reads (the mask's address and size).
pub fn signalfd_call(payload: &[u8], metadata: &[u64; 3]) -> Result<usize, c_int> {
    scheme_call(&SIGNALFD_FD, SIGNALFD_SCHEME, payload, metadata)
}

/// One call on the kernel's `eventfd` scheme (`/scheme/eventfd`), as [`scheme_call`]
/// describes: three metadata words (`kestrel_abi::eventfd`), no payload.
pub fn eventfd_call(metadata: &[u64; 3]) -> Result<usize, c_int> {
    scheme_call(&EVENTFD_FD, EVENTFD_SCHEME, &[], metadata)
}

/// One call on the kernel's `timerfd` scheme (`/scheme/timerfd`), as [`scheme_call`]
/// describes: three metadata words (`kestrel_abi::timerfd::call`), a payload the kernel
/// only reads (`timerfd_settime`'s two addresses; empty for the other calls).
pub fn timerfd_call(payload: &[u8], metadata: &[u64; 3]) -> Result<usize, c_int> {
    scheme_call(&TIMERFD_FD, TIMERFD_SCHEME, payload, metadata)
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

/// `write(fd, buf, buf.len())`: the count written or the errno.
pub fn write(fd: c_int, buf: &[u8]) -> Result<usize, c_int> {
    sys::write(fd, buf)
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
// What `semaphore.h` needs besides its own atomics: a futex wait until an absolute time on
// a clock and a futex wake (kestrel's futexes are keyed by physical address, so one call
// serves private and process-shared semaphores), and the named objects of `shm_open`'s
// namespace (`/scheme/shm/NAME`): open or create, identify and size, truncate, map
// `MAP_SHARED`, unmap, remove. Here through the C runtime's futex helpers, `shm_open`,
// `shm_unlink`, `ftruncate`, `mmap` and `munmap`, and the kernel's `fstat`.

/// `clockid_t` (the C runtime's `sys/types.h`).
pub type clockid_t = c_int;
/// The C runtime's `CLOCK_REALTIME` (its `time.h`: the kernel's value).
pub const CLOCK_REALTIME: clockid_t = ksys::CLOCK_REALTIME as clockid_t;
/// The C runtime's `CLOCK_MONOTONIC`.
pub const CLOCK_MONOTONIC: clockid_t = ksys::CLOCK_MONOTONIC as clockid_t;

/// Sleeps while `*word == expected`, until woken, or until `deadline` (an absolute time on
/// the clock `CLOCK_REALTIME` or `CLOCK_MONOTONIC`) has passed. `Ok` when woken, when the
/// word differed, spuriously, or when a sleep ended before a deadline that a change of the
/// realtime clock moved (the caller looks again and calls again); `ETIMEDOUT` once the
/// deadline has passed, `EINTR` when a signal handler ran, `EINVAL` for a `tv_nsec` outside
/// 0..1e9.
pub fn futex_wait(
    word: &core::sync::atomic::AtomicU32,
    expected: u32,
    deadline: Option<(clockid_t, &timespec)>,
) -> Result<(), c_int> {
    sys::futex_wait(word, expected, deadline)
}

/// Wakes up to `count` threads asleep on `word`, in any process.
pub fn futex_wake(word: &core::sync::atomic::AtomicU32, count: u32) {
    sys::futex_wake(word, count);
}

/// `shm_open(name, oflag, mode)`: a close-on-exec descriptor of the shared memory object
/// `name` ("/NAME"); `oflag` in the C library's `O_*` values.
pub fn shm_object_open(name: &core::ffi::CStr, oflag: c_int, mode: mode_t) -> Result<c_int, c_int> {
    sys::shm_object_open(name, oflag, mode)
}

/// `shm_unlink(name)`.
pub fn shm_object_unlink(name: &core::ffi::CStr) -> Result<(), c_int> {
    sys::shm_object_unlink(name)
}

/// The identity (device and inode) and size in bytes of the file open on `fd` (`fstat`).
pub fn fd_identity(fd: c_int) -> Result<(FileId, u64), c_int> {
    sys::fd_identity(fd)
}

/// `ftruncate(fd, len)`.
pub fn fd_truncate(fd: c_int, len: u64) -> Result<(), c_int> {
    sys::fd_truncate(fd, len)
}

/// `mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)`: the address.
pub fn map_shared(fd: c_int, len: usize) -> Result<*mut c_void, c_int> {
    sys::map_shared(fd, len)
}

/// `munmap(addr, len)`.
///
/// # Safety
///
/// Nothing uses the memory at `addr .. addr + len` any more.
pub unsafe fn unmap(addr: *mut c_void, len: usize) -> Result<(), c_int> {
    // SAFETY: as the caller promises.
    unsafe { sys::unmap(addr, len) }
}

/// The guest's system calls: `syscall` with the number in `rax`, arguments in `rdi`, `rsi`,
/// `rdx`, `r10`, `r8`, `r9`; `rcx` and `r11` are clobbered; a result in `-4095..=-1` is a
/// negated errno.
#[cfg(not(test))]
mod sys {
    use core::arch::asm;

    use kestrel_abi::syscall::{SYS_CALL, SYS_CLOSE, SYS_FSTAT, SYS_OPEN, Stat};

    use super::{c_int, c_void, pthread_attr_t};

    unsafe extern "C" {
        /// The calling thread's `errno` in the C runtime (errno is thread-local there).
        fn __errno_location() -> *mut c_int;
    }

    /// # Safety
    ///
    /// The kernel may read or write memory at addresses among the arguments: the caller
    /// makes sure those ranges belong to live objects it may hand over.
    unsafe fn syscall3(number: usize, a: usize, b: usize, c: usize) -> Result<usize, c_int> {
        let ret: usize;
        // SAFETY: the caller vouches for the memory the call touches; the kernel preserves
        // every register but rax, rcx and r11 and does not use the user stack.
        unsafe {
            asm!("syscall", inlateout("rax") number => ret, in("rdi") a, in("rsi") b, in("rdx") c,
                 out("rcx") _, out("r11") _, options(nostack));
        }
        result(ret)
    }

    /// # Safety
    ///
    /// As for [`syscall3`].
    unsafe fn syscall6(number: usize, args: [usize; 6]) -> Result<usize, c_int> {
        let ret: usize;
        let [a, b, c, d, e, f] = args;
        // SAFETY: as in `syscall3`.
        unsafe {
            asm!("syscall", inlateout("rax") number => ret, in("rdi") a, in("rsi") b, in("rdx") c,
                 in("r10") d, in("r8") e, in("r9") f, out("rcx") _, out("r11") _, options(nostack));
        }
        result(ret)
    }

    fn result(ret: usize) -> Result<usize, c_int> {
        match ret as isize {
            e @ -4095..=-1 => Err(-e as c_int),
            _ => Ok(ret),
        }
    }

    pub fn open(path: &[u8], flags: usize) -> Result<usize, c_int> {
        // SAFETY: the kernel reads `path.len()` bytes at `path.as_ptr()`: the borrowed slice.
        unsafe { syscall3(SYS_OPEN, path.as_ptr() as usize, path.len(), flags) }
    }

    unsafe extern "C" {
        /// The C runtime's `open`, which resolves a path as programs write it.
        #[link_name = "open"]
        fn runtime_open(path: *const core::ffi::c_char, flags: c_int, ...) -> c_int;
    }

    /// Opens `path` as the C runtime's `open` does (the working directory, `/tmp`, `/etc`).
    pub fn open_path(path: &core::ffi::CStr, flags: usize) -> Result<usize, c_int> {
        // SAFETY: `path` is a NUL-terminated string borrowed for the call; without O_CREAT
        // `open` reads no mode argument.
        let fd = unsafe { runtime_open(path.as_ptr(), flags as c_int) };
        // SAFETY: `__errno_location` returns the address of the calling thread's errno,
        // read right after the failed call.
        if fd < 0 { Err(unsafe { __errno_location().read() }) } else { Ok(fd as usize) }
    }

    pub fn fstat(fd: usize, stat: &mut Stat) -> Result<(), c_int> {
        let buf = core::ptr::from_mut(stat) as usize;
        // SAFETY: the kernel writes at most `size_of::<Stat>()` bytes at `buf`: `*stat`,
        // borrowed mutably for the call.
        unsafe { syscall3(SYS_FSTAT, fd, buf, size_of::<Stat>()) }.map(drop)
    }

    pub fn close(fd: usize) -> Result<(), c_int> {
        // SAFETY: closing a descriptor touches no memory of this program.
        unsafe { syscall3(SYS_CLOSE, fd, 0, 0) }.map(drop)
    }

    /// `SYS_CALL` with a payload the scheme only reads (`flags` must not ask for a copy
    /// back: the payload is borrowed shared).
    pub fn call(fd: usize, payload: &[u8], flags: usize, metadata: &[u64]) -> Result<usize, c_int> {
        debug_assert_eq!(flags & kestrel_abi::syscall::CALL_READ, 0, "a shared payload cannot be written back");
        // The metadata's length rides in the flags' low byte, as redox_syscall's `call_wo`
        // passes it; the sixth argument is unused.
        let args =
            [fd, payload.as_ptr() as usize, payload.len(), flags | metadata.len(), metadata.as_ptr() as usize, 0];
        // SAFETY: the kernel reads `metadata` and at most `payload.len()` bytes of
        // `payload` (no copy back without CALL_READ), both borrowed for the call. Memory that the
        // scheme reaches through addresses inside the payload is the callers' concern: the
        // header functions document what their C callers promise about it.
        unsafe { syscall6(SYS_CALL, args) }
    }

    pub fn set_errno(value: c_int) {
        // SAFETY: `__errno_location` returns the address of the calling thread's errno,
        // a valid, aligned int for the thread's life; the raw-pointer store creates no
        // Rust reference that could alias C's.
        unsafe { __errno_location().write(value) }
    }

    unsafe extern "C" {
        /// The C runtime's functions that `mqueue.h` and `sys/eventfd.h` use (`unistd.h`,
        /// `stdlib.h`, `pthread.h`).
        #[link_name = "close"]
        fn runtime_close(fd: c_int) -> c_int;
        fn pipe2(fds: *mut c_int, flags: c_int) -> c_int;
        #[link_name = "read"]
        fn runtime_read(fd: c_int, buf: *mut c_void, count: usize) -> isize;
        #[link_name = "write"]
        fn runtime_write(fd: c_int, buf: *const c_void, count: usize) -> isize;
        #[link_name = "malloc"]
        fn runtime_malloc(size: usize) -> *mut c_void;
        #[link_name = "free"]
        fn runtime_free(ptr: *mut c_void);
        fn pthread_create(
            thread: *mut u64,
            attr: *const pthread_attr_t,
            start: extern "C" fn(*mut c_void) -> *mut c_void,
            arg: *mut c_void,
        ) -> c_int;
        fn pthread_attr_init(attr: *mut pthread_attr_t) -> c_int;
        fn pthread_attr_setdetachstate(attr: *mut pthread_attr_t, state: c_int) -> c_int;
        fn pthread_attr_destroy(attr: *mut pthread_attr_t) -> c_int;
        fn pthread_atfork(
            prepare: Option<extern "C" fn()>,
            parent: Option<extern "C" fn()>,
            child: Option<extern "C" fn()>,
        ) -> c_int;
        fn pthread_sigmask(how: c_int, set: *const u64, old: *mut u64) -> c_int;
    }

    /// The C runtime's `PTHREAD_CREATE_DETACHED`.
    const PTHREAD_CREATE_DETACHED: c_int = 1;

    /// The calling thread's errno, right after a failed call.
    fn errno() -> c_int {
        // SAFETY: `__errno_location` returns the address of the calling thread's errno.
        unsafe { __errno_location().read() }
    }

    pub fn close_fd(fd: c_int) -> Result<(), c_int> {
        // SAFETY: closing a descriptor touches no memory of this program.
        if unsafe { runtime_close(fd) } < 0 { Err(errno()) } else { Ok(()) }
    }

    pub fn pipe_cloexec() -> Result<[c_int; 2], c_int> {
        let mut fds = [-1; 2];
        // SAFETY: `pipe2` writes two ints at `fds`, a local array.
        if unsafe { pipe2(fds.as_mut_ptr(), super::O_CLOEXEC) } < 0 { Err(errno()) } else { Ok(fds) }
    }

    pub fn read(fd: c_int, buf: &mut [u8]) -> Result<usize, c_int> {
        // SAFETY: `read` writes at most `buf.len()` bytes at `buf`, borrowed mutably.
        let n = unsafe { runtime_read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 { Err(errno()) } else { Ok(n as usize) }
    }

    pub fn write(fd: c_int, buf: &[u8]) -> Result<usize, c_int> {
        // SAFETY: `write` reads at most `buf.len()` bytes at `buf`, borrowed for the call.
        let n = unsafe { runtime_write(fd, buf.as_ptr().cast(), buf.len()) };
        if n < 0 { Err(errno()) } else { Ok(n as usize) }
    }

    pub fn malloc(size: usize) -> *mut c_void {
        // SAFETY: `malloc` has no preconditions.
        unsafe { runtime_malloc(size) }
    }

    /// # Safety
    ///
    /// `ptr` is null or a live allocation of `malloc`.
    pub unsafe fn free(ptr: *mut c_void) {
        // SAFETY: as the caller promises.
        unsafe { runtime_free(ptr) }
    }

    /// # Safety
    ///
    /// `attr` is null or an initialized attribute object the caller may change.
    pub unsafe fn spawn_detached(
        attr: *mut pthread_attr_t,
        start: extern "C" fn(*mut c_void) -> *mut c_void,
        arg: *mut c_void,
    ) -> Result<(), c_int> {
        let mut thread = 0u64;
        let err = if attr.is_null() {
            let mut own = core::mem::MaybeUninit::<pthread_attr_t>::uninit();
            // SAFETY: `own` is a local the runtime initializes, then uses and destroys.
            unsafe {
                pthread_attr_init(own.as_mut_ptr());
                pthread_attr_setdetachstate(own.as_mut_ptr(), PTHREAD_CREATE_DETACHED);
                let err = pthread_create(&mut thread, own.as_ptr(), start, arg);
                pthread_attr_destroy(own.as_mut_ptr());
                err
            }
        } else {
            // SAFETY: the caller vouches for `attr`; `thread` is a local.
            unsafe {
                pthread_attr_setdetachstate(attr, PTHREAD_CREATE_DETACHED);
                pthread_create(&mut thread, attr, start, arg)
            }
        };
        if err == 0 { Ok(()) } else { Err(err) }
    }

    pub fn at_fork_child(child: extern "C" fn()) -> Result<(), c_int> {
        // SAFETY: registers a function pointer; no memory is lent.
        match unsafe { pthread_atfork(None, None, Some(child)) } {
            0 => Ok(()),
            err => Err(err),
        }
    }

    pub fn block_all_signals() {
        // The runtime's sigset_t is one word, a bit per signal; SIG_BLOCK is 0.
        let all: u64 = !0;
        // SAFETY: the runtime reads the local set; no old set is asked for.
        unsafe { pthread_sigmask(0, &all, core::ptr::null_mut()) };
    }

    // semaphore.h: the runtime's futex helpers and shared memory objects.

    unsafe extern "C" {
        /// Sleeps while `*word == expected`, at most `rel` (monotonic; null: no limit):
        /// 0, or a negated errno (`-EAGAIN`, `-ETIMEDOUT`, `-EINTR`).
        fn __kestrel_futex_wait(word: *const u32, expected: u32, rel: *const super::timespec) -> c_int;
        fn __kestrel_futex_wake(word: *const u32, count: c_int);
        /// The time left until `*abs` on `clock` in `*rel`: 0, `ETIMEDOUT` or `EINVAL`.
        fn __kestrel_time_left(clock: c_int, abs: *const super::timespec, rel: *mut super::timespec) -> c_int;
        fn shm_open(name: *const core::ffi::c_char, oflag: c_int, mode: u32) -> c_int;
        fn shm_unlink(name: *const core::ffi::c_char) -> c_int;
        fn ftruncate(fd: c_int, len: i64) -> c_int;
        fn mmap(addr: *mut c_void, len: usize, prot: c_int, flags: c_int, fd: c_int, offset: i64) -> *mut c_void;
        fn munmap(addr: *mut c_void, len: usize) -> c_int;
    }

    /// The runtime's `PROT_READ | PROT_WRITE` and `MAP_SHARED` (Linux values).
    const PROT_READ_WRITE: c_int = 0x3;
    const MAP_SHARED: c_int = 0x1;

    pub fn futex_wait(
        word: &core::sync::atomic::AtomicU32,
        expected: u32,
        deadline: Option<(c_int, &super::timespec)>,
    ) -> Result<(), c_int> {
        use kestrel_abi::errno::{EAGAIN, EINTR, ETIMEDOUT};
        let mut rel = super::timespec::default();
        let rel = match deadline {
            None => core::ptr::null(),
            Some((clock, abs)) => {
                // SAFETY: both are valid for the call: `abs` borrowed, `rel` a local.
                match unsafe { __kestrel_time_left(clock, abs, &mut rel) } {
                    0 => &raw const rel,
                    errno => return Err(errno),
                }
            }
        };
        // SAFETY: `word` is a live atomic the kernel only reads; `rel` is null or a local.
        match unsafe { __kestrel_futex_wait(word.as_ptr(), expected, rel) } {
            0 => Ok(()),
            // Changed already; or the relative sleep ended: the caller looks again, and the
            // next call measures the deadline anew on its own clock.
            e if e == -EAGAIN || e == -ETIMEDOUT => Ok(()),
            e if e == -EINTR => Err(EINTR),
            e => Err(-e),
        }
    }

    pub fn futex_wake(word: &core::sync::atomic::AtomicU32, count: u32) {
        // SAFETY: the kernel only uses the word's address as a key.
        unsafe { __kestrel_futex_wake(word.as_ptr(), count.min(i32::MAX as u32) as c_int) }
    }

    pub fn shm_object_open(name: &core::ffi::CStr, oflag: c_int, mode: u32) -> Result<c_int, c_int> {
        // SAFETY: `name` is a NUL-terminated string borrowed for the call.
        let fd = unsafe { shm_open(name.as_ptr(), oflag, mode) };
        if fd < 0 { Err(errno()) } else { Ok(fd) }
    }

    pub fn shm_object_unlink(name: &core::ffi::CStr) -> Result<(), c_int> {
        // SAFETY: as for `shm_open`.
        if unsafe { shm_unlink(name.as_ptr()) } < 0 { Err(errno()) } else { Ok(()) }
    }

    pub fn fd_identity(fd: c_int) -> Result<(super::FileId, u64), c_int> {
        let mut stat = Stat::default();
        fstat(fd as usize, &mut stat)?;
        Ok((super::FileId { dev: stat.st_dev, ino: stat.st_ino }, stat.st_size))
    }

    pub fn fd_truncate(fd: c_int, len: u64) -> Result<(), c_int> {
        // SAFETY: truncating a descriptor's file touches no memory of this program.
        if unsafe { ftruncate(fd, len as i64) } < 0 { Err(errno()) } else { Ok(()) }
    }

    pub fn map_shared(fd: c_int, len: usize) -> Result<*mut c_void, c_int> {
        // SAFETY: a new mapping at an address the kernel picks replaces nothing.
        let addr = unsafe { mmap(core::ptr::null_mut(), len, PROT_READ_WRITE, MAP_SHARED, fd, 0) };
        if addr as isize == -1 { Err(errno()) } else { Ok(addr) }
    }

    /// # Safety
    ///
    /// Nothing uses the memory any more.
    pub unsafe fn unmap(addr: *mut c_void, len: usize) -> Result<(), c_int> {
        // SAFETY: as the caller promises.
        if unsafe { munmap(addr, len) } < 0 { Err(errno()) } else { Ok(()) }
    }
}

/// A stand-in kernel for host tests: a few fixed files, descriptors counted so that tests
/// see leaks, `errno` in a thread-local, and `sem`, `msg`, `shm`, `mq`, `signalfd`,
/// `eventfd` and `timerfd` schemes that record
/// each call and answer what the test asked for (or what a test's hook computes, reading and
/// writing the memory the call names as the kernel would). The C runtime functions that
/// `mqueue.h` and `sys/eventfd.h` use are the host C library's, with pipes, allocations and `close` recorded.
#[cfg(test)]
#[path = "platform/host.rs"]
pub(crate) mod sys;
