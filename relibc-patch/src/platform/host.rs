//! A stand-in kernel for host tests: a few fixed files, descriptors counted so that tests
//! see leaks, `errno` in a thread-local, and `sem`, `msg`, `shm`, `mq`, `signalfd`,
//! `eventfd` and `timerfd` schemes that record
//! each call and answer what the test asked for (or what a test's hook computes, reading and
//! writing the memory the call names as the kernel would). The C runtime functions that
//! `mqueue.h` and `sys/eventfd.h` use are the host C library's, with pipes, allocations and
//! `close` recorded.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::sync::Mutex;

use std::collections::BTreeSet;

use kestrel_abi::errno::{EBADF, EIO, ENOENT};
use kestrel_abi::eventfd::EVENTFD_SCHEME;
use kestrel_abi::mq::MQ_SCHEME;
use kestrel_abi::signalfd::SIGNALFD_SCHEME;
use kestrel_abi::syscall::{F_DUPFD, F_GETFD, F_SETFD, O_ACCMODE, O_RDONLY, Stat, UPPER_FDTBL_TAG};
use kestrel_abi::sysv::{MSG_SCHEME, SEM_SCHEME, SHM_SCHEME};
use kestrel_abi::timerfd::call::TIMERFD_SCHEME;

use super::{c_int, c_void, pthread_attr_t};

/// A file the stand-in serves at `path`; `fstat_fails` makes its `fstat` return `EIO`.
pub struct FakeFile {
    pub path: &'static str,
    pub dev: u64,
    pub ino: u64,
    pub fstat_fails: bool,
}

pub const FILES: &[FakeFile] = &[
    FakeFile { path: "/scheme/initfs/t_ipc", dev: 0, ino: 7, fstat_fails: false },
    FakeFile { path: "/scheme/initfs/", dev: 0, ino: 1, fstat_fails: false },
    FakeFile { path: "/scheme/disk/big", dev: 0x1234_5678_9abc_def0, ino: 0xfedc_ba98_7654_3210, fstat_fails: false },
    FakeFile { path: "/scheme/broken/file", dev: 3, ino: 4, fstat_fails: true },
];

/// The descriptor `/scheme/sem` ends up with: the stand-in opens it as the untagged number
/// and `F_DUPFD` with `UPPER_FDTBL_TAG` gives this one. Process-wide, like the backend's
/// cache of it, which every test thread shares.
pub const FAKE_SEM_FD: usize = UPPER_FDTBL_TAG | 0x5e;
/// The descriptor the stand-in gives `/scheme/msg`, likewise.
pub const FAKE_MSG_FD: usize = UPPER_FDTBL_TAG | 0x6d;
/// The descriptor the stand-in gives `/scheme/shm`, likewise.
pub const FAKE_SHM_FD: usize = UPPER_FDTBL_TAG | 0x53;
/// The descriptor the stand-in gives `/scheme/mq`, likewise.
pub const FAKE_MQ_FD: usize = UPPER_FDTBL_TAG | 0x4d;

/// The descriptor the stand-in gives `/scheme/signalfd`, likewise.
pub const FAKE_SIGNALFD_FD: usize = UPPER_FDTBL_TAG | 0x5f;
/// The descriptor the stand-in gives `/scheme/eventfd`, likewise.
pub const FAKE_EVENTFD_FD: usize = UPPER_FDTBL_TAG | 0x65;
/// The descriptor the stand-in gives `/scheme/timerfd`, likewise.
pub const FAKE_TIMERFD_FD: usize = UPPER_FDTBL_TAG | 0x74;

/// A `SYS_CALL` as the stand-in received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    pub fd: usize,
    pub payload: Vec<u8>,
    pub flags: usize,
    pub metadata: Vec<u64>,
}

/// The flags of every open of `/scheme/sem` (by any test thread).
pub static SEM_OPENS: Mutex<Vec<usize>> = Mutex::new(Vec::new());
/// The flags of every open of `/scheme/msg` (by any test thread).
pub static MSG_OPENS: Mutex<Vec<usize>> = Mutex::new(Vec::new());
/// The flags of every open of `/scheme/shm` (by any test thread).
pub static SHM_OPENS: Mutex<Vec<usize>> = Mutex::new(Vec::new());
/// The flags of every open of `/scheme/mq` (by any test thread).
pub static MQ_OPENS: Mutex<Vec<usize>> = Mutex::new(Vec::new());

/// The flags of every open of `/scheme/signalfd` (by any test thread).
pub static SIGNALFD_OPENS: Mutex<Vec<usize>> = Mutex::new(Vec::new());
/// The flags of every open of `/scheme/eventfd` (by any test thread).
pub static EVENTFD_OPENS: Mutex<Vec<usize>> = Mutex::new(Vec::new());
/// The flags of every open of `/scheme/timerfd` (by any test thread).
pub static TIMERFD_OPENS: Mutex<Vec<usize>> = Mutex::new(Vec::new());

/// A test's stand-in for the kernel's handling of a call: it sees the call and answers.
pub type Hook = Box<dyn FnMut(&Call) -> Result<usize, c_int>>;

thread_local! {
    static ERRNO: Cell<c_int> = const { Cell::new(0) };
    static OPEN: RefCell<BTreeMap<usize, usize>> = const { RefCell::new(BTreeMap::new()) };
    static NEXT_FD: Cell<usize> = const { Cell::new(3) };
    static CALLS: RefCell<Vec<Call>> = const { RefCell::new(Vec::new()) };
    static REPLY: Cell<Result<usize, c_int>> = const { Cell::new(Ok(0)) };
    static HOOK: RefCell<Option<Hook>> = const { RefCell::new(None) };
    static CLOSED: RefCell<Vec<c_int>> = const { RefCell::new(Vec::new()) };
    static GONE: RefCell<BTreeSet<usize>> = const { RefCell::new(BTreeSet::new()) };
}

pub fn open_path(path: &core::ffi::CStr, flags: usize) -> Result<usize, c_int> {
    open(path.to_bytes(), flags)
}

pub fn open(path: &[u8], flags: usize) -> Result<usize, c_int> {
    if path == SEM_SCHEME.as_bytes() {
        SEM_OPENS.lock().unwrap().push(flags);
        return Ok(FAKE_SEM_FD & !UPPER_FDTBL_TAG);
    }
    if path == MSG_SCHEME.as_bytes() {
        MSG_OPENS.lock().unwrap().push(flags);
        return Ok(FAKE_MSG_FD & !UPPER_FDTBL_TAG);
    }
    if path == SHM_SCHEME.as_bytes() {
        SHM_OPENS.lock().unwrap().push(flags);
        return Ok(FAKE_SHM_FD & !UPPER_FDTBL_TAG);
    }
    if path == MQ_SCHEME.as_bytes() {
        MQ_OPENS.lock().unwrap().push(flags);
        return Ok(FAKE_MQ_FD & !UPPER_FDTBL_TAG);
    }
    if path == SIGNALFD_SCHEME.as_bytes() {
        SIGNALFD_OPENS.lock().unwrap().push(flags);
        return Ok(FAKE_SIGNALFD_FD & !UPPER_FDTBL_TAG);
    }
    if path == EVENTFD_SCHEME.as_bytes() {
        EVENTFD_OPENS.lock().unwrap().push(flags);
        return Ok(FAKE_EVENTFD_FD & !UPPER_FDTBL_TAG);
    }
    if path == TIMERFD_SCHEME.as_bytes() {
        TIMERFD_OPENS.lock().unwrap().push(flags);
        return Ok(FAKE_TIMERFD_FD & !UPPER_FDTBL_TAG);
    }
    assert_eq!(flags & O_ACCMODE, O_RDONLY, "ftok must not ask for write access");
    let index = FILES.iter().position(|f| f.path.as_bytes() == path).ok_or(ENOENT)?;
    let fd = NEXT_FD.get();
    NEXT_FD.set(fd + 1);
    OPEN.with_borrow_mut(|open| open.insert(fd, index));
    Ok(fd)
}

pub fn fstat(fd: usize, stat: &mut Stat) -> Result<(), c_int> {
    let index = OPEN.with_borrow(|open| open.get(&fd).copied()).ok_or(EBADF)?;
    let file = &FILES[index];
    if file.fstat_fails {
        return Err(EIO);
    }
    *stat = Stat { st_dev: file.dev, st_ino: file.ino, ..Stat::default() };
    Ok(())
}

/// The scheme descriptors' numbers, as opened (untagged) and as moved (tagged).
const SCHEME_FDS: [usize; 7] =
    [FAKE_SEM_FD, FAKE_MSG_FD, FAKE_SHM_FD, FAKE_MQ_FD, FAKE_SIGNALFD_FD, FAKE_EVENTFD_FD, FAKE_TIMERFD_FD];

/// Every `fcntl` and `close` made on a scheme descriptor (by any test thread), in order.
pub static SCHEME_FD_OPS: Mutex<Vec<FdOp>> = Mutex::new(Vec::new());

/// An operation on a scheme descriptor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FdOp {
    Fcntl { fd: usize, cmd: usize, arg: usize },
    Close(usize),
}

/// `fcntl` on a scheme descriptor: `F_DUPFD` with the tag gives the tagged number, `F_SETFD`
/// and `F_GETFD` succeed on either number.
pub fn fcntl(fd: usize, cmd: usize, arg: usize) -> Result<usize, c_int> {
    if !SCHEME_FDS.iter().any(|&s| s == fd || s & !UPPER_FDTBL_TAG == fd) {
        return Err(EBADF);
    }
    SCHEME_FD_OPS.lock().unwrap().push(FdOp::Fcntl { fd, cmd, arg });
    if GONE.with_borrow(|gone| gone.contains(&fd)) {
        return Err(EBADF);
    }
    if cmd == F_DUPFD {
        // A new copy: the number is usable again.
        GONE.with_borrow_mut(|gone| gone.remove(&(fd | UPPER_FDTBL_TAG)));
    }
    match cmd {
        F_DUPFD if arg == UPPER_FDTBL_TAG => Ok(fd | UPPER_FDTBL_TAG),
        F_SETFD | F_GETFD => Ok(0),
        _ => Err(kestrel_abi::errno::EINVAL),
    }
}

pub fn close(fd: usize) -> Result<(), c_int> {
    if SCHEME_FDS.iter().any(|&s| s == fd || s & !UPPER_FDTBL_TAG == fd) {
        SCHEME_FD_OPS.lock().unwrap().push(FdOp::Close(fd));
        return Ok(());
    }
    OPEN.with_borrow_mut(|open| open.remove(&fd)).map(drop).ok_or(EBADF)
}

/// Makes the scheme descriptor `fd` closed, for this thread's calls, until it is copied
/// again (`F_DUPFD` of its untagged number): calls on it and `F_GETFD` are `EBADF`.
pub fn close_behind_the_library(fd: usize) {
    GONE.with_borrow_mut(|gone| gone.insert(fd));
}

/// Records the call and answers with what [`reply_with`] set (by default `Ok(0)`), or
/// `EBADF` on a descriptor [`close_behind_the_library`] closed.
pub fn call(fd: usize, payload: &[u8], flags: usize, metadata: &[u64]) -> Result<usize, c_int> {
    assert!(metadata.len() <= 3, "the kernel takes at most 3 metadata words");
    let call = Call { fd, payload: payload.to_vec(), flags, metadata: metadata.to_vec() };
    if GONE.with_borrow(|gone| gone.contains(&fd)) {
        CALLS.with_borrow_mut(|calls| calls.push(call));
        return Err(EBADF);
    }
    let hooked = HOOK.with_borrow_mut(|hook| hook.as_mut().map(|hook| hook(&call)));
    CALLS.with_borrow_mut(|calls| calls.push(call));
    hooked.unwrap_or_else(|| REPLY.get())
}

/// Makes `hook` answer this thread's calls (instead of [`reply_with`]'s value) until
/// `None` is set.
pub fn hook_calls(hook: Option<Hook>) {
    HOOK.set(hook);
}

/// What the stand-in's `SYS_CALL` returns from now on (in this thread).
pub fn reply_with(reply: Result<usize, c_int>) {
    REPLY.set(reply);
}

/// The calls this thread made since the last `take_calls`.
pub fn take_calls() -> Vec<Call> {
    CALLS.take()
}

pub fn set_errno(value: c_int) {
    ERRNO.set(value);
}

/// The stand-in's `errno`.
pub fn errno() -> c_int {
    ERRNO.get()
}

/// How many descriptors are open.
pub fn open_count() -> usize {
    OPEN.with_borrow(BTreeMap::len)
}

// The C runtime functions of `mqueue.h` and `sys/eventfd.h`: the host C library's.
unsafe extern "C" {
    #[link_name = "close"]
    fn host_close(fd: c_int) -> c_int;
    #[link_name = "pipe2"]
    fn host_pipe2(fds: *mut c_int, flags: c_int) -> c_int;
    #[link_name = "read"]
    fn host_read(fd: c_int, buf: *mut c_void, count: usize) -> isize;
    #[link_name = "write"]
    fn host_write(fd: c_int, buf: *const c_void, count: usize) -> isize;
    #[link_name = "malloc"]
    fn host_malloc(size: usize) -> *mut c_void;
    #[link_name = "free"]
    fn host_free(ptr: *mut c_void);
    fn pthread_attr_init(attr: *mut pthread_attr_t) -> c_int;
    fn pthread_attr_getdetachstate(attr: *const pthread_attr_t, state: *mut c_int) -> c_int;
    fn pthread_attr_setstacksize(attr: *mut pthread_attr_t, size: usize) -> c_int;
    fn pthread_attr_destroy(attr: *mut pthread_attr_t) -> c_int;
    fn pthread_getattr_np(thread: u64, attr: *mut pthread_attr_t) -> c_int;
    fn pthread_attr_getstacksize(attr: *const pthread_attr_t, size: *mut usize) -> c_int;
    fn pthread_self() -> u64;
    fn pthread_sigmask(how: c_int, set: *const u64, old: *mut u64) -> c_int;
    fn sigfillset(set: *mut u64) -> c_int;
    fn __errno_location() -> *mut c_int;
}

/// The host's `O_CLOEXEC` and `PTHREAD_CREATE_DETACHED`.
const HOST_O_CLOEXEC: c_int = 0o2000000;
pub const PTHREAD_CREATE_DETACHED: c_int = 1;

/// The pipes made through [`pipe_cloexec`] (both ends), still open.
pub static PIPES: Mutex<BTreeSet<c_int>> = Mutex::new(BTreeSet::new());
/// The live allocations made through [`malloc`].
pub static ALLOCATIONS: Mutex<BTreeSet<usize>> = Mutex::new(BTreeSet::new());
/// The handler registered through [`at_fork_child`].
pub static AT_FORK_CHILD: Mutex<Vec<extern "C" fn()>> = Mutex::new(Vec::new());
/// How many threads [`spawn_detached`] started, and with a caller's attributes.
pub static SPAWNED: Mutex<(usize, usize)> = Mutex::new((0, 0));

fn host_errno() -> c_int {
    // SAFETY: the calling thread's errno, right after the failed call.
    unsafe { __errno_location().read() }
}

/// `close`: a pipe end made by [`pipe_cloexec`] is closed for real; other descriptors
/// are recorded (see [`take_closed`]) and a negative one is `EBADF`.
pub fn close_fd(fd: c_int) -> Result<(), c_int> {
    if PIPES.lock().unwrap().remove(&fd) || SHM_FDS.lock().unwrap().remove(&fd) {
        // SAFETY: a descriptor this stand-in opened.
        return if unsafe { host_close(fd) } < 0 { Err(host_errno()) } else { Ok(()) };
    }
    CLOSED.with_borrow_mut(|closed| closed.push(fd));
    if fd < 0 { Err(EBADF) } else { Ok(()) }
}

/// The descriptors other than pipes that this thread closed since the last call.
pub fn take_closed() -> Vec<c_int> {
    CLOSED.take()
}

pub fn pipe_cloexec() -> Result<[c_int; 2], c_int> {
    let mut fds = [-1; 2];
    // SAFETY: `pipe2` writes two ints at `fds`, a local array.
    if unsafe { host_pipe2(fds.as_mut_ptr(), HOST_O_CLOEXEC) } < 0 {
        return Err(host_errno());
    }
    PIPES.lock().unwrap().extend(fds);
    Ok(fds)
}

pub fn read(fd: c_int, buf: &mut [u8]) -> Result<usize, c_int> {
    // SAFETY: `read` writes at most `buf.len()` bytes at `buf`, borrowed mutably.
    let n = unsafe { host_read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    if n < 0 { Err(host_errno()) } else { Ok(n as usize) }
}

/// Writes `bytes` to `fd` (`eventfd_write`, or a test playing the kernel's part on a notice
/// pipe).
pub fn write(fd: c_int, bytes: &[u8]) -> Result<usize, c_int> {
    // SAFETY: `write` reads `bytes.len()` bytes at `bytes`.
    let n = unsafe { host_write(fd, bytes.as_ptr().cast(), bytes.len()) };
    if n < 0 { Err(host_errno()) } else { Ok(n as usize) }
}

pub fn malloc(size: usize) -> *mut c_void {
    // SAFETY: `malloc` has no preconditions.
    let ptr = unsafe { host_malloc(size) };
    ALLOCATIONS.lock().unwrap().insert(ptr as usize);
    ptr
}

/// # Safety
///
/// `ptr` is null or a live allocation of [`malloc`].
pub unsafe fn free(ptr: *mut c_void) {
    if !ptr.is_null() {
        assert!(ALLOCATIONS.lock().unwrap().remove(&(ptr as usize)), "free of {ptr:?}: not allocated");
    }
    // SAFETY: as the caller promises.
    unsafe { host_free(ptr) }
}

/// [`threads::spawn_detached`](super::threads::spawn_detached), counted in [`SPAWNED`].
///
/// # Safety
///
/// `attr` is null or an initialized attribute object the caller may change.
pub unsafe fn spawn_detached(
    attr: *mut pthread_attr_t,
    start: extern "C" fn(*mut c_void) -> *mut c_void,
    arg: *mut c_void,
) -> Result<(), c_int> {
    // SAFETY: as the caller promises.
    unsafe { super::threads::spawn_detached(attr, start, arg) }?;
    let mut spawned = SPAWNED.lock().unwrap();
    spawned.0 += 1;
    spawned.1 += usize::from(!attr.is_null());
    Ok(())
}

pub fn at_fork_child(child: extern "C" fn()) -> Result<(), c_int> {
    AT_FORK_CHILD.lock().unwrap().push(child);
    Ok(())
}

/// The host's: its `sigset_t` is 128 bytes; `SIG_BLOCK` is 0.
pub fn block_all_signals() {
    let mut set = [0u64; 16];
    // SAFETY: the host library fills and reads the local set.
    unsafe {
        sigfillset(set.as_mut_ptr());
        pthread_sigmask(0, set.as_ptr(), core::ptr::null_mut());
    }
}

/// Whether the calling thread blocks `SIGUSR1` (10), for tests.
pub fn blocks_sigusr1() -> bool {
    let mut set = [0u64; 16];
    // SAFETY: the host library writes the current mask into the local set.
    unsafe { pthread_sigmask(0, core::ptr::null(), set.as_mut_ptr()) };
    set[0] & (1 << 9) != 0
}

/// A `pthread_attr_t` with the stack size `size` (detached or not), for tests.
pub fn attr_with_stack_size(size: usize) -> pthread_attr_t {
    let mut attr = core::mem::MaybeUninit::<pthread_attr_t>::uninit();
    // SAFETY: the host library initializes the local and sets its stack size.
    unsafe {
        pthread_attr_init(attr.as_mut_ptr());
        assert_eq!(pthread_attr_setstacksize(attr.as_mut_ptr(), size), 0);
        attr.assume_init()
    }
}

/// The calling thread's stack size and whether it is detached.
pub fn current_thread_stack_size_and_detached() -> (usize, bool) {
    let mut attr = core::mem::MaybeUninit::<pthread_attr_t>::uninit();
    let (mut size, mut state) = (0, 0);
    // SAFETY: the host library fills the local with the running thread's attributes.
    unsafe {
        assert_eq!(pthread_getattr_np(pthread_self(), attr.as_mut_ptr()), 0);
        pthread_attr_getstacksize(attr.as_ptr(), &mut size);
        pthread_attr_getdetachstate(attr.as_ptr(), &mut state);
        pthread_attr_destroy(attr.as_mut_ptr());
    }
    (size, state == PTHREAD_CREATE_DETACHED)
}

// ---- semaphore.h: futexes on a clock, and shared memory objects ----
//
// The host's own: Linux futexes (`FUTEX_WAIT_BITSET`, shared, with an absolute deadline on
// the asked clock), and `shm_open` objects in `/dev/shm` through glibc, so that the host
// tests run real semaphores across threads and processes. The adapter's values (the
// kernel's `O_*` and clock ids) are translated to Linux's here.

unsafe extern "C" {
    fn syscall(number: i64, ...) -> i64;
    #[link_name = "shm_open"]
    fn host_shm_open(name: *const core::ffi::c_char, oflag: c_int, mode: u32) -> c_int;
    #[link_name = "shm_unlink"]
    fn host_shm_unlink(name: *const core::ffi::c_char) -> c_int;
    #[link_name = "fstat"]
    fn host_fstat(fd: c_int, buf: *mut [u64; 18]) -> c_int;
    #[link_name = "ftruncate"]
    fn host_ftruncate(fd: c_int, len: i64) -> c_int;
    #[link_name = "mmap"]
    fn host_mmap(addr: *mut c_void, len: usize, prot: c_int, flags: c_int, fd: c_int, offset: i64) -> *mut c_void;
    #[link_name = "munmap"]
    fn host_munmap(addr: *mut c_void, len: usize) -> c_int;
}

/// The descriptors [`shm_object_open`] opened and [`close_fd`] has not closed.
pub static SHM_FDS: Mutex<BTreeSet<c_int>> = Mutex::new(BTreeSet::new());

/// Linux's `SYS_futex`, `FUTEX_WAIT_BITSET`, `FUTEX_WAKE`, `FUTEX_CLOCK_REALTIME`.
const SYS_FUTEX: i64 = 202;
const FUTEX_WAIT_BITSET: i64 = 9;
const FUTEX_WAKE: i64 = 1;
const FUTEX_CLOCK_REALTIME: i64 = 256;

pub fn futex_wait(
    word: &core::sync::atomic::AtomicU32,
    expected: u32,
    deadline: Option<(c_int, &super::timespec)>,
) -> Result<(), c_int> {
    use kestrel_abi::errno::{EAGAIN, EINVAL, ETIMEDOUT};
    let (op, timeout) = match deadline {
        None => (FUTEX_WAIT_BITSET, core::ptr::null()),
        Some((clock, abs)) if clock == super::CLOCK_REALTIME => {
            (FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, abs as *const _)
        }
        Some((clock, abs)) if clock == super::CLOCK_MONOTONIC => (FUTEX_WAIT_BITSET, abs as *const _),
        Some(_) => return Err(EINVAL),
    };
    // SAFETY: the kernel reads the live word and the borrowed deadline.
    let r = unsafe { syscall(SYS_FUTEX, word.as_ptr(), op, expected, timeout, 0usize, u32::MAX) };
    match r {
        0 => Ok(()),
        _ => match host_errno() {
            EAGAIN => Ok(()),
            errno if errno == ETIMEDOUT => Err(ETIMEDOUT),
            errno => Err(errno),
        },
    }
}

pub fn futex_wake(word: &core::sync::atomic::AtomicU32, count: u32) {
    // SAFETY: the kernel uses the word's address as a key.
    unsafe { syscall(SYS_FUTEX, word.as_ptr(), FUTEX_WAKE, count.min(i32::MAX as u32)) };
}

/// The adapter's open flags (the kernel's values) as Linux's.
fn host_open_flags(oflag: c_int) -> c_int {
    use kestrel_abi::syscall::{O_CREAT, O_EXCL, O_RDWR};
    let oflag = oflag as usize;
    let mut host = if oflag & O_ACCMODE == O_RDWR { 2 } else { 0 };
    if oflag & O_CREAT != 0 {
        host |= 0o100;
    }
    if oflag & O_EXCL != 0 {
        host |= 0o200;
    }
    host
}

pub fn shm_object_open(name: &core::ffi::CStr, oflag: c_int, mode: u32) -> Result<c_int, c_int> {
    // SAFETY: a NUL-terminated name borrowed for the call.
    let fd = unsafe { host_shm_open(name.as_ptr(), host_open_flags(oflag), mode) };
    if fd < 0 {
        return Err(host_errno());
    }
    SHM_FDS.lock().unwrap().insert(fd);
    Ok(fd)
}

pub fn shm_object_unlink(name: &core::ffi::CStr) -> Result<(), c_int> {
    // SAFETY: a NUL-terminated name borrowed for the call.
    if unsafe { host_shm_unlink(name.as_ptr()) } < 0 { Err(host_errno()) } else { Ok(()) }
}

pub fn fd_identity(fd: c_int) -> Result<(super::FileId, u64), c_int> {
    // glibc's x86_64 `struct stat`: 144 bytes, st_dev, st_ino at 0 and 8, st_size at 48.
    let mut buf = [0u64; 18];
    // SAFETY: `fstat` writes 144 bytes into the local buffer.
    if unsafe { host_fstat(fd, &mut buf) } < 0 {
        return Err(host_errno());
    }
    Ok((super::FileId { dev: buf[0], ino: buf[1] }, buf[6]))
}

pub fn fd_truncate(fd: c_int, len: u64) -> Result<(), c_int> {
    // SAFETY: no memory of this program is touched.
    if unsafe { host_ftruncate(fd, len as i64) } < 0 { Err(host_errno()) } else { Ok(()) }
}

pub fn map_shared(fd: c_int, len: usize) -> Result<*mut c_void, c_int> {
    // SAFETY: a new mapping where the kernel likes replaces nothing. PROT_READ |
    // PROT_WRITE, MAP_SHARED.
    let addr = unsafe { host_mmap(core::ptr::null_mut(), len, 3, 1, fd, 0) };
    if addr as isize == -1 { Err(host_errno()) } else { Ok(addr) }
}

/// # Safety
///
/// Nothing uses the memory any more.
pub unsafe fn unmap(addr: *mut c_void, len: usize) -> Result<(), c_int> {
    // SAFETY: as the caller promises.
    if unsafe { host_munmap(addr, len) } < 0 { Err(host_errno()) } else { Ok(()) }
}
