//! The guest's system calls (kestrel's, made with the `syscall` instruction) and the C
//! runtime functions that the library takes from `userspace/`'s `libc.a`: what the
//! standalone build runs on. Host tests put `host.rs` in its place.
//!
//! A system call has its number in `rax`, arguments in `rdi`, `rsi`, `rdx`, `r10`, `r8`,
//! `r9`; `rcx` and `r11` are clobbered; a result in `-4095..=-1` is a negated errno.
use core::arch::asm;

use kestrel_abi::syscall::{SYS_CALL, SYS_CLOSE, SYS_FCNTL, SYS_FSTAT, SYS_OPEN, Stat};

use super::{c_int, c_void};

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

pub fn fcntl(fd: usize, cmd: usize, arg: usize) -> Result<usize, c_int> {
    // SAFETY: no fcntl command the library makes touches memory of this program.
    unsafe { syscall3(SYS_FCNTL, fd, cmd, arg) }
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
    let args = [fd, payload.as_ptr() as usize, payload.len(), flags | metadata.len(), metadata.as_ptr() as usize, 0];
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
    fn pthread_atfork(
        prepare: Option<extern "C" fn()>,
        parent: Option<extern "C" fn()>,
        child: Option<extern "C" fn()>,
    ) -> c_int;
    fn pthread_sigmask(how: c_int, set: *const u64, old: *mut u64) -> c_int;
}

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

pub use super::threads::spawn_detached;

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
