//! `sys/eventfd.h`: how `eventfd` encodes its arguments for the kernel's `eventfd` scheme
//! (checked against the stand-in kernel of `platform::sys`), and `eventfd_read` and
//! `eventfd_write` on real descriptors of the host (Linux's own eventfds, which these
//! functions treat as any descriptor: a `read` or `write` of 8 bytes), with pipes for the
//! short transfers.

use core::ffi::{c_int, c_long, c_void};

use kestrel_abi::errno::{EAGAIN, EBADF, EFAULT, EINVAL, EMFILE, ENOSYS};
use kestrel_abi::eventfd::EVENTFD_CALL;
use kestrel_abi::syscall::{O_CLOEXEC, O_RDWR};

use crate::header::sys_eventfd::{
    EFD_CLOEXEC, EFD_NONBLOCK, EFD_SEMAPHORE, eventfd, eventfd_read, eventfd_t, eventfd_write,
};
use crate::platform::sys::{self, Call, FAKE_EVENTFD_FD};

fn one_call<R>(reply: Result<usize, c_int>, f: impl FnOnce() -> R) -> (R, Call) {
    let (ret, call) = super::one_call_on(FAKE_EVENTFD_FD, reply, f);
    assert_eq!(call.metadata.len(), 3, "the eventfd call takes exactly three metadata words");
    (ret, call)
}

#[test]
fn eventfd_sends_initval_and_flags_and_no_payload() {
    let (ret, call) = one_call(Ok(9), || eventfd(5, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE));
    assert_eq!(ret, 9);
    assert_eq!(call.metadata, [EVENTFD_CALL, 5, 0x104_0001], "Redox's O_CLOEXEC | O_NONBLOCK, untranslated");
    assert!(call.payload.is_empty());
    let (_, call) = one_call(Ok(3), || eventfd(0, 0));
    assert_eq!(call.metadata, [EVENTFD_CALL, 0, 0]);
    // The largest initval and unknown flag bits reach the kernel as they are.
    let (_, call) = one_call(Err(EINVAL), || eventfd(u32::MAX, -1));
    assert_eq!(call.metadata, [EVENTFD_CALL, 0xffff_ffff, 0xffff_ffff]);
    let (_, call) = one_call(Err(EINVAL), || eventfd(1, 2));
    assert_eq!(call.metadata, [EVENTFD_CALL, 1, 2]);
}

#[test]
fn eventfd_failure_is_minus_one_with_errno() {
    for errno in [EINVAL, EMFILE, ENOSYS] {
        sys::set_errno(0);
        let (ret, _) = one_call(Err(errno), || eventfd(0, 0));
        assert_eq!((ret, sys::errno()), (-1, errno));
    }
    sys::set_errno(77);
    let (ret, _) = one_call(Ok(4), || eventfd(0, 0));
    assert_eq!((ret, sys::errno()), (4, 77), "success leaves errno alone");
}

#[test]
fn the_scheme_is_opened_read_write_close_on_exec() {
    let (_, call) = one_call(Ok(4), || eventfd(1, 0));
    assert_eq!(call.fd, FAKE_EVENTFD_FD);
    let opens = sys::EVENTFD_OPENS.lock().unwrap().clone();
    assert!(!opens.is_empty());
    assert!(opens.iter().all(|&flags| flags == O_RDWR | O_CLOEXEC), "{opens:x?}");
}

unsafe extern "C" {
    // The host's: this crate's own `eventfd` would shadow the C library's, so the host
    // eventfd is made with the system call itself.
    fn syscall(number: c_long, ...) -> c_long;
    fn pipe(fds: *mut c_int) -> c_int;
    fn close(fd: c_int) -> c_int;
    #[link_name = "write"]
    fn host_write(fd: c_int, buf: *const c_void, count: usize) -> isize;
}

/// Linux x86_64's `eventfd2`, and its flags (the host's values).
const SYS_EVENTFD2: c_long = 290;
const LINUX_EFD_NONBLOCK: c_int = 0o4000;
const LINUX_EFD_CLOEXEC: c_int = 0o2000000;

/// A host eventfd (non-blocking, close-on-exec) with count `initval`, and `extra` flags.
fn host_eventfd(initval: u32, extra: c_int) -> c_int {
    // SAFETY: eventfd2 takes two integers and touches no memory.
    let fd = unsafe { syscall(SYS_EVENTFD2, initval, LINUX_EFD_NONBLOCK | LINUX_EFD_CLOEXEC | extra) };
    assert!(fd >= 0, "host eventfd2");
    fd as c_int
}

fn read(fd: c_int, value: *mut eventfd_t) -> c_int {
    // SAFETY: `value` is null or a local of the caller.
    unsafe { eventfd_read(fd, value) }
}

fn close_fd(fd: c_int) {
    // SAFETY: a descriptor the test opened.
    assert_eq!(unsafe { close(fd) }, 0);
}

#[test]
fn eventfd_write_adds_and_eventfd_read_takes_the_count() {
    let fd = host_eventfd(3, 0);
    sys::set_errno(55);
    assert_eq!(eventfd_write(fd, 4), 0);
    assert_eq!(eventfd_write(fd, 0x1_0000_0000), 0, "all 64 bits");
    let mut value: eventfd_t = 0;
    assert_eq!(read(fd, &mut value), 0);
    assert_eq!(value, 0x1_0000_0007);
    assert_eq!(sys::errno(), 55, "success leaves errno alone");

    // Nothing left: the (non-blocking) read's EAGAIN, and the value is not touched.
    value = 99;
    assert_eq!((read(fd, &mut value), sys::errno(), value), (-1, EAGAIN, 99));
    // u64::MAX is the kernel's EINVAL; so is an overflow on a non-blocking descriptor EAGAIN.
    assert_eq!((eventfd_write(fd, u64::MAX), sys::errno()), (-1, EINVAL));
    assert_eq!(eventfd_write(fd, u64::MAX - 1), 0);
    assert_eq!((eventfd_write(fd, 1), sys::errno()), (-1, EAGAIN));
    assert_eq!(read(fd, &mut value), 0);
    assert_eq!(value, u64::MAX - 1);
    close_fd(fd);
}

#[test]
fn eventfd_read_in_semaphore_mode_takes_one() {
    // The host's EFD_SEMAPHORE is Linux's 1, as this header's.
    let fd = host_eventfd(2, EFD_SEMAPHORE);
    let mut value: eventfd_t = 0;
    assert_eq!((read(fd, &mut value), value), (0, 1));
    assert_eq!((read(fd, &mut value), value), (0, 1));
    assert_eq!((read(fd, &mut value), sys::errno()), (-1, EAGAIN));
    close_fd(fd);
}

#[test]
fn eventfd_read_and_write_errors_set_errno() {
    let mut value: eventfd_t = 5;
    sys::set_errno(0);
    assert_eq!((read(-1, &mut value), sys::errno(), value), (-1, EBADF, 5));
    sys::set_errno(0);
    assert_eq!((eventfd_write(-1, 1), sys::errno()), (-1, EBADF));

    // A null value is EFAULT without a read: the count stays.
    let fd = host_eventfd(6, 0);
    sys::set_errno(0);
    assert_eq!((read(fd, core::ptr::null_mut()), sys::errno()), (-1, EFAULT));
    assert_eq!((read(fd, &mut value), value), (0, 6));
    close_fd(fd);
}

#[test]
fn a_short_read_is_minus_one_with_errno_untouched() {
    let mut fds = [-1; 2];
    // SAFETY: `pipe` writes two ints at `fds`.
    assert_eq!(unsafe { pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: writes 4 bytes of a local.
    assert_eq!(unsafe { host_write(fds[1], [1u8, 2, 3, 4].as_ptr().cast(), 4) }, 4);
    close_fd(fds[1]);
    let mut value: eventfd_t = 42;
    sys::set_errno(1234);
    assert_eq!((read(fds[0], &mut value), sys::errno(), value), (-1, 1234, 42), "4 bytes of 8");
    // End of file: a read of 0 bytes is short too.
    assert_eq!((read(fds[0], &mut value), sys::errno(), value), (-1, 1234, 42), "end of file");
    close_fd(fds[0]);
}

#[test]
fn eventfd_write_writes_the_value_in_machine_order() {
    let mut fds = [-1; 2];
    // SAFETY: `pipe` writes two ints at `fds`.
    assert_eq!(unsafe { pipe(fds.as_mut_ptr()) }, 0);
    assert_eq!(eventfd_write(fds[1], 0x0102_0304_0506_0708), 0);
    let mut bytes = [0u8; 16];
    assert_eq!(crate::platform::sys::read(fds[0], &mut bytes), Ok(8));
    assert_eq!(bytes[..8], 0x0102_0304_0506_0708u64.to_ne_bytes());
    close_fd(fds[1]);
    close_fd(fds[0]);
}

#[test]
fn a_scheme_descriptor_found_closed_is_opened_again() {
    sys::take_calls();
    sys::reply_with(Ok(9));
    let _ = eventfd(0, 0);
    let opens_before = sys::EVENTFD_OPENS.lock().unwrap().len();
    sys::take_calls();
    sys::close_behind_the_library(FAKE_EVENTFD_FD);
    assert_eq!(eventfd(1, 0), 9, "the call made again on a new descriptor");
    let calls = sys::take_calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(calls.iter().all(|call| call.fd == FAKE_EVENTFD_FD && call.metadata[1] == 1));
    assert!(sys::EVENTFD_OPENS.lock().unwrap().len() > opens_before, "the scheme opened again");
    assert_eq!(sys::errno(), 0, "errno untouched");
}
