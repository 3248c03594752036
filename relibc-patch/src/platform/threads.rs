//! Detached helper threads through the C runtime's `pthread_create`, for both stand-in
//! backends (the guest's runtime and, under `cargo test`, the host's C library export the
//! same functions); relibc has its own threads and does not take this file.

use super::{c_int, c_void, pthread_attr_t};

/// `PTHREAD_CREATE_DETACHED` (Linux's, the C runtime's and glibc's).
const PTHREAD_CREATE_DETACHED: c_int = 1;

unsafe extern "C" {
    fn pthread_create(
        thread: *mut u64,
        attr: *const pthread_attr_t,
        start: extern "C" fn(*mut c_void) -> *mut c_void,
        arg: *mut c_void,
    ) -> c_int;
    fn pthread_attr_init(attr: *mut pthread_attr_t) -> c_int;
    fn pthread_attr_setdetachstate(attr: *mut pthread_attr_t, state: c_int) -> c_int;
    fn pthread_attr_destroy(attr: *mut pthread_attr_t) -> c_int;
}

/// Starts a detached thread running `start(arg)`, with `*attr` made detached if `attr` is
/// not null, else with default attributes; the errno on failure.
///
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
        // SAFETY: `own` is a local the C library initializes, then uses and destroys.
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
