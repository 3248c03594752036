//! glibc's own `semaphore.h` functions, for the differential tests: this test program
//! defines `sem_open`, `sem_post`, ... itself, so glibc's are found with
//! `dlsym(RTLD_NEXT, ...)`, which looks past the program. And the host functions the
//! tests call directly.

use core::ffi::{c_char, c_int, c_uint, c_void};
use std::sync::OnceLock;

use crate::header::semaphore::sem_t;
use crate::platform::timespec;

unsafe extern "C" {
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    fn __errno_location() -> *mut c_int;
    pub fn clock_gettime(clock: c_int, ts: *mut timespec) -> c_int;
    pub fn mmap(addr: *mut c_void, len: usize, prot: c_int, flags: c_int, fd: c_int, offset: i64) -> *mut c_void;
    pub fn munmap(addr: *mut c_void, len: usize) -> c_int;
    pub fn fork() -> c_int;
    pub fn waitpid(pid: c_int, status: *mut c_int, options: c_int) -> c_int;
    pub fn _exit(status: c_int) -> !;
}

/// glibc's `RTLD_NEXT`.
const RTLD_NEXT: *mut c_void = -1isize as *mut c_void;
/// Linux's `O_CREAT` and `O_EXCL`.
pub const O_CREAT: c_int = 0o100;
pub const O_EXCL: c_int = 0o200;

/// The calling thread's real errno (glibc's).
pub fn errno() -> c_int {
    // SAFETY: glibc's errno of this thread, read right after the call.
    unsafe { __errno_location().read() }
}

type InitFn = unsafe extern "C" fn(*mut sem_t, c_int, c_uint) -> c_int;
type SemFn = unsafe extern "C" fn(*mut sem_t) -> c_int;
type TimedFn = unsafe extern "C" fn(*mut sem_t, *const timespec) -> c_int;
type ClockFn = unsafe extern "C" fn(*mut sem_t, c_int, *const timespec) -> c_int;
type GetValueFn = unsafe extern "C" fn(*mut sem_t, *mut c_int) -> c_int;
type OpenFn = unsafe extern "C" fn(*const c_char, c_int, c_uint, c_uint) -> *mut sem_t;
type UnlinkFn = unsafe extern "C" fn(*const c_char) -> c_int;

/// glibc's semaphore functions.
pub struct Glibc {
    pub init: InitFn,
    pub post: SemFn,
    pub trywait: SemFn,
    pub timedwait: TimedFn,
    pub clockwait: ClockFn,
    pub getvalue: GetValueFn,
    pub open: OpenFn,
    pub close: SemFn,
    pub unlink: UnlinkFn,
}

/// The address of glibc's `name` (NUL-terminated).
fn find(name: &[u8]) -> *mut c_void {
    // SAFETY: a NUL-terminated symbol name.
    let f = unsafe { dlsym(RTLD_NEXT, name.as_ptr().cast()) };
    assert!(!f.is_null(), "glibc has {}", String::from_utf8_lossy(name));
    f
}

/// glibc's functions, looked up once.
pub fn get() -> &'static Glibc {
    static GLIBC: OnceLock<Glibc> = OnceLock::new();
    GLIBC.get_or_init(|| {
        // SAFETY: each symbol is glibc's function of that C type (`sem_open` variadic,
        // called with its two optional arguments, as x86_64 passes them in registers).
        unsafe {
            Glibc {
                init: core::mem::transmute::<*mut c_void, InitFn>(find(b"sem_init\0")),
                post: core::mem::transmute::<*mut c_void, SemFn>(find(b"sem_post\0")),
                trywait: core::mem::transmute::<*mut c_void, SemFn>(find(b"sem_trywait\0")),
                timedwait: core::mem::transmute::<*mut c_void, TimedFn>(find(b"sem_timedwait\0")),
                clockwait: core::mem::transmute::<*mut c_void, ClockFn>(find(b"sem_clockwait\0")),
                getvalue: core::mem::transmute::<*mut c_void, GetValueFn>(find(b"sem_getvalue\0")),
                open: core::mem::transmute::<*mut c_void, OpenFn>(find(b"sem_open\0")),
                close: core::mem::transmute::<*mut c_void, SemFn>(find(b"sem_close\0")),
                unlink: core::mem::transmute::<*mut c_void, UnlinkFn>(find(b"sem_unlink\0")),
            }
        }
    })
}
