//! `sys/timerfd.h`: how `timerfd_create`, `timerfd_settime` and `timerfd_gettime` encode
//! their arguments for the kernel's `timerfd` scheme, checked against the stand-in kernel of
//! `platform::sys` (exact metadata and payload, addresses passed unchanged, results and
//! `errno`), with a hook that plays the kernel's part on the caller's `itimerspec`s.

use core::ffi::c_int;

use kestrel_abi::errno::{EBADF, EFAULT, EINVAL, EMFILE, ENOSYS};
use kestrel_abi::syscall::{O_CLOEXEC, O_RDWR};
use kestrel_abi::timerfd::call::{TIMERFD_CALL_CREATE, TIMERFD_CALL_GETTIME, TIMERFD_CALL_SETTIME};

use crate::header::sys_timerfd::{
    TFD_CLOEXEC, TFD_NONBLOCK, TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET, timerfd_create, timerfd_gettime,
    timerfd_settime,
};
use crate::platform::sys::{self, Call, FAKE_TIMERFD_FD};
use crate::platform::{itimerspec, timespec};

fn one_call<R>(reply: Result<usize, c_int>, f: impl FnOnce() -> R) -> (R, Call) {
    let (ret, call) = super::one_call_on(FAKE_TIMERFD_FD, reply, f);
    assert_eq!(call.metadata.len(), 3, "every timerfd call takes exactly three metadata words");
    (ret, call)
}

/// The payload of a settime: the two addresses as little-endian u64 words.
fn addresses(new: u64, old: u64) -> Vec<u8> {
    [new.to_le_bytes(), old.to_le_bytes()].concat()
}

fn settime(fd: c_int, flags: c_int, new: *const itimerspec, old: *mut itimerspec) -> c_int {
    // SAFETY: the stand-in kernel never touches the addresses unless a test's hook does.
    unsafe { timerfd_settime(fd, flags, new, old) }
}

fn gettime(fd: c_int, curr: *mut itimerspec) -> c_int {
    // SAFETY: as in `settime`.
    unsafe { timerfd_gettime(fd, curr) }
}

fn spec(interval: (i64, i64), value: (i64, i64)) -> itimerspec {
    itimerspec {
        it_interval: timespec { tv_sec: interval.0, tv_nsec: interval.1 },
        it_value: timespec { tv_sec: value.0, tv_nsec: value.1 },
    }
}

#[test]
fn timerfd_create_sends_the_clock_and_flags_and_no_payload() {
    // The guest runtime's CLOCK_MONOTONIC (4) and its O_CLOEXEC | O_NONBLOCK, untranslated.
    let (ret, call) = one_call(Ok(7), || timerfd_create(4, TFD_CLOEXEC | TFD_NONBLOCK));
    assert_eq!(ret, 7);
    assert_eq!(call.metadata, [TIMERFD_CALL_CREATE, 4, 0x104_0000]);
    assert!(call.payload.is_empty());
    let (_, call) = one_call(Ok(3), || timerfd_create(1, 0));
    assert_eq!(call.metadata, [TIMERFD_CALL_CREATE, 1, 0]);
    let (_, call) = one_call(Ok(3), || timerfd_create(7, TFD_CLOEXEC));
    assert_eq!(call.metadata, [TIMERFD_CALL_CREATE, 7, 0x100_0000]);
    // Unknown clocks, negative ids and unknown flag bits reach the kernel as their 32 bits.
    let (_, call) = one_call(Err(EINVAL), || timerfd_create(-2, -1));
    assert_eq!(call.metadata, [TIMERFD_CALL_CREATE, 0xffff_fffe, 0xffff_ffff]);
    let (_, call) = one_call(Err(EINVAL), || timerfd_create(c_int::MAX, TFD_TIMER_ABSTIME));
    assert_eq!(call.metadata, [TIMERFD_CALL_CREATE, 0x7fff_ffff, 1]);
    let (_, call) = one_call(Err(EINVAL), || timerfd_create(0, c_int::MIN));
    assert_eq!(call.metadata, [TIMERFD_CALL_CREATE, 0, 0x8000_0000]);
}

#[test]
fn timerfd_settime_sends_fd_flags_and_both_addresses() {
    let new = spec((0, 250_000_000), (1, 500));
    let mut old = itimerspec::default();
    let (new_at, old_at) = (&raw const new as u64, &raw mut old as u64);
    let (ret, call) = one_call(Ok(0), || settime(5, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &new, &mut old));
    assert_eq!(ret, 0);
    assert_eq!(call.metadata, [TIMERFD_CALL_SETTIME, 5, 3]);
    assert_eq!(call.payload, addresses(new_at, old_at));
    // A null old_value is 0; a null new_value too (the kernel's EFAULT).
    let (_, call) = one_call(Ok(0), || settime(5, 0, &new, core::ptr::null_mut()));
    assert_eq!(call.metadata, [TIMERFD_CALL_SETTIME, 5, 0]);
    assert_eq!(call.payload, addresses(new_at, 0));
    let (ret, call) = one_call(Err(EFAULT), || settime(5, 0, core::ptr::null(), core::ptr::null_mut()));
    assert_eq!(ret, -1);
    assert_eq!(call.payload, addresses(0, 0));
    // Bad addresses, -1 and unknown flags pass unchanged: every check is the kernel's.
    let (bad_new, bad_old) = (0x1001 as *const itimerspec, usize::MAX as *mut itimerspec);
    let (_, call) = one_call(Err(EFAULT), || settime(-1, -1, bad_new, bad_old));
    assert_eq!(call.metadata, [TIMERFD_CALL_SETTIME, 0xffff_ffff, 0xffff_ffff]);
    assert_eq!(call.payload, addresses(0x1001, u64::MAX));
    let (_, call) = one_call(Err(EINVAL), || settime(c_int::MAX, 4, &new, &mut old));
    assert_eq!(call.metadata, [TIMERFD_CALL_SETTIME, 0x7fff_ffff, 4]);
    assert_eq!(call.payload, addresses(new_at, old_at));
}

#[test]
fn timerfd_gettime_sends_fd_and_the_address_and_no_payload() {
    let mut curr = itimerspec::default();
    let curr_at = &raw mut curr as u64;
    let (ret, call) = one_call(Ok(0), || gettime(9, &mut curr));
    assert_eq!(ret, 0);
    assert_eq!(call.metadata, [TIMERFD_CALL_GETTIME, 9, curr_at]);
    assert!(call.payload.is_empty());
    let (ret, call) = one_call(Err(EFAULT), || gettime(9, core::ptr::null_mut()));
    assert_eq!(ret, -1);
    assert_eq!(call.metadata, [TIMERFD_CALL_GETTIME, 9, 0]);
    let (_, call) = one_call(Err(EBADF), || gettime(-1, usize::MAX as *mut itimerspec));
    assert_eq!(call.metadata, [TIMERFD_CALL_GETTIME, 0xffff_ffff, u64::MAX]);
}

#[test]
fn the_kernel_reads_and_writes_the_callers_itimerspecs() {
    // The hook plays the kernel: settime reads the new setting at the first address and
    // writes the old one at the second; gettime writes at the metadata's address.
    let stored = std::rc::Rc::new(std::cell::Cell::new(spec((0, 0), (0, 0))));
    let kernel = stored.clone();
    sys::hook_calls(Some(Box::new(move |call: &Call| {
        let word = |i: usize| u64::from_le_bytes(call.payload[8 * i..8 * i + 8].try_into().unwrap());
        match call.metadata[0] {
            TIMERFD_CALL_SETTIME => {
                // SAFETY: the test passes live itimerspecs (or a null old one).
                let new = unsafe { (word(0) as *const itimerspec).read() };
                if word(1) != 0 {
                    // SAFETY: as above.
                    unsafe { (word(1) as *mut itimerspec).write(kernel.get()) };
                }
                kernel.set(new);
                Ok(0)
            }
            TIMERFD_CALL_GETTIME => {
                // SAFETY: the test passes a live itimerspec.
                unsafe { (call.metadata[2] as *mut itimerspec).write(kernel.get()) };
                Ok(0)
            }
            _ => Err(EINVAL),
        }
    })));
    let first = spec((2, 3), (4, 5));
    let second = spec((0, 999_999_999), (i64::MAX, 1));
    let mut old = spec((9, 9), (9, 9));
    assert_eq!(settime(3, 0, &first, &mut old), 0);
    assert_eq!(old, spec((0, 0), (0, 0)));
    assert_eq!(settime(3, 0, &second, &mut old), 0);
    assert_eq!(old, first);
    assert_eq!(settime(3, 0, &first, core::ptr::null_mut()), 0);
    let mut curr = itimerspec::default();
    assert_eq!(gettime(3, &mut curr), 0);
    assert_eq!(curr, first);
    sys::hook_calls(None);
    sys::take_calls();
    assert_eq!(stored.get(), first);
}

#[test]
fn failures_are_minus_one_with_errno() {
    let new = itimerspec::default();
    let mut curr = itimerspec::default();
    for errno in [EINVAL, EMFILE, ENOSYS, EBADF, EFAULT] {
        sys::set_errno(0);
        let (ret, _) = one_call(Err(errno), || timerfd_create(1, 0));
        assert_eq!((ret, sys::errno()), (-1, errno));
        sys::set_errno(0);
        let (ret, _) = one_call(Err(errno), || settime(3, 0, &new, core::ptr::null_mut()));
        assert_eq!((ret, sys::errno()), (-1, errno));
        sys::set_errno(0);
        let (ret, _) = one_call(Err(errno), || gettime(3, &mut curr));
        assert_eq!((ret, sys::errno()), (-1, errno));
    }
    sys::set_errno(77);
    let (ret, _) = one_call(Ok(4), || timerfd_create(1, 0));
    assert_eq!((ret, sys::errno()), (4, 77), "success leaves errno alone");
    let (ret, _) = one_call(Ok(0), || settime(4, 0, &new, core::ptr::null_mut()));
    assert_eq!((ret, sys::errno()), (0, 77));
    let (ret, _) = one_call(Ok(0), || gettime(4, &mut curr));
    assert_eq!((ret, sys::errno()), (0, 77));
}

#[test]
fn the_scheme_is_opened_read_write_close_on_exec() {
    let (_, call) = one_call(Ok(4), || timerfd_create(1, 0));
    assert_eq!(call.fd, FAKE_TIMERFD_FD);
    let opens = sys::TIMERFD_OPENS.lock().unwrap().clone();
    assert!(!opens.is_empty());
    assert!(opens.iter().all(|&flags| flags == O_RDWR | O_CLOEXEC), "{opens:x?}");
}
