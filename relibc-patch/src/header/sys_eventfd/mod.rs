//! `sys/eventfd.h`: descriptors over a 64-bit counter (`eventfd`, `eventfd_read`,
//! `eventfd_write`).
//!
//! Not in POSIX; Linux's interface, see eventfd(2).
//!
//! ABI: Linux x86_64 as glibc defines it: `eventfd_t` is `uint64_t`, `EFD_SEMAPHORE` is 1,
//! and `EFD_CLOEXEC` and `EFD_NONBLOCK` equal the C library's `O_CLOEXEC` and `O_NONBLOCK`
//! (as glibc defines them equal to Linux's; in kestrel's guest runtime and in relibc on
//! Redox those are Redox's values, which the kernel takes).
//!
//! # The calls
//!
//! `eventfd(initval, flags)` is one call of the platform's [`PalEventfd`]: on Redox
//! (kestrel) one call on the kernel's `eventfd` scheme (`platform/redox/eventfd.rs`), on
//! Linux the `eventfd2` system call. The kernel makes every check
//! (unknown flags are its `EINVAL`); the wrapper passes the values through unchanged. It
//! returns the new descriptor, or -1 with `errno` set; success leaves `errno` alone.
//!
//! `eventfd_read(fd, value)` and `eventfd_write(fd, value)` are one `read` or `write` of the
//! 8-byte counter value (in the machine's byte order) on `fd` (the platform's `read` and
//! `write`). As in
//! glibc and musl (and eventfd(3)'s "0 if the correct number of bytes was transferred, or -1
//! otherwise"), they return 0 when all 8 bytes moved and -1 otherwise: with `errno` set when
//! the `read` or `write` failed, and `errno` left alone when it moved fewer bytes (which an
//! eventfd never does; another kind of descriptor may). `eventfd_read` stores the value only
//! when it read all 8 bytes; a null `value` is `EFAULT` without a read (a read into nothing
//! would take the count and lose it).

#![allow(non_camel_case_types)]

use crate::{
    error::{Errno, ResultExt},
    header::{
        _kestrel::{O_CLOEXEC, O_NONBLOCK, c_int, c_uint},
        errno::EFAULT,
    },
    platform::{Pal, PalEventfd, Sys},
};

/// An eventfd's counter value, as `eventfd_read` and `eventfd_write` move it.
pub type eventfd_t = u64;

/// `eventfd` flag: a read returns 1 and decrements the count, instead of returning the
/// count and resetting it to 0.
pub const EFD_SEMAPHORE: c_int = 1;
/// `eventfd` flag: the descriptor is close-on-exec (the C library's `O_CLOEXEC`).
pub const EFD_CLOEXEC: c_int = O_CLOEXEC;
/// `eventfd` flag: a read of a zero count, or a write that would overflow it, fails with
/// `EAGAIN` instead of waiting (the C library's `O_NONBLOCK`).
pub const EFD_NONBLOCK: c_int = O_NONBLOCK;

/// The size of a counter value on the wire.
const VALUE_SIZE: usize = size_of::<eventfd_t>();

/// `eventfd(initval, flags)`: a new descriptor over a counter that starts at `initval`.
/// `flags` is 0 or `EFD_CLOEXEC`, `EFD_NONBLOCK` and `EFD_SEMAPHORE`.
#[unsafe(no_mangle)]
pub extern "C" fn eventfd(initval: c_uint, flags: c_int) -> c_int {
    Sys::eventfd(initval, flags).or_minus_one_errno()
}

/// `eventfd_read(fd, value)`: reads the counter of eventfd `fd` into `*value` (a `read` of
/// 8 bytes: waits while it is 0 unless the descriptor is non-blocking). 0, or -1 (see the
/// module's documentation for `errno`).
///
/// # Safety
///
/// `value` is null or points to a writable `eventfd_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eventfd_read(fd: c_int, value: *mut eventfd_t) -> c_int {
    if value.is_null() {
        Errno(EFAULT).sync();
        return -1;
    }
    let mut bytes = [0; VALUE_SIZE];
    match Sys::read(fd, &mut bytes) {
        Ok(VALUE_SIZE) => {
            // SAFETY: the caller vouches for a writable eventfd_t at `value`, not null here.
            unsafe { value.write_unaligned(eventfd_t::from_ne_bytes(bytes)) };
            0
        }
        // A short read: -1 with errno untouched, as glibc and musl.
        Ok(_) => -1,
        Err(err) => {
            err.sync();
            -1
        }
    }
}

/// `eventfd_write(fd, value)`: adds `value` to the counter of eventfd `fd` (a `write` of 8
/// bytes: waits while the sum would pass `u64::MAX - 1` unless the descriptor is
/// non-blocking; `u64::MAX` itself is `EINVAL`). 0, or -1 (see the module's documentation
/// for `errno`).
#[unsafe(no_mangle)]
pub extern "C" fn eventfd_write(fd: c_int, value: eventfd_t) -> c_int {
    match Sys::write(fd, &value.to_ne_bytes()) {
        Ok(VALUE_SIZE) => 0,
        // A short write: -1 with errno untouched, as glibc and musl.
        Ok(_) => -1,
        Err(err) => {
            err.sync();
            -1
        }
    }
}
