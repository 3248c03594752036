//! `sys/signalfd.h`: how `signalfd` encodes its arguments for the kernel's `signalfd`
//! scheme (checked against the stand-in kernel of `platform::sys`, which records every
//! call), how results and errors come back, and which descriptor the call uses.

use core::ffi::c_int;

use kestrel_abi::errno::{EBADF, EFAULT, EINVAL, EMFILE};
use kestrel_abi::signalfd::SIGNALFD_CALL;
use kestrel_abi::syscall::{O_CLOEXEC, O_RDWR};

use crate::header::sys_signalfd::{SFD_CLOEXEC, SFD_NONBLOCK, signalfd};
use crate::platform::sigset_t;
use crate::platform::sys::{self, Call, FAKE_SIGNALFD_FD};

/// Runs `f` against a stand-in kernel that answers `reply`, and returns what `f` returned
/// and the one scheme call it made.
fn one_call<R>(reply: Result<usize, c_int>, f: impl FnOnce() -> R) -> (R, Call) {
    let (ret, call) = super::one_call_on(FAKE_SIGNALFD_FD, reply, f);
    assert_eq!(call.metadata.len(), 3, "the signalfd call takes exactly three metadata words");
    (ret, call)
}

fn u64_at(payload: &[u8], offset: usize) -> u64 {
    u64::from_le_bytes(payload[offset..offset + 8].try_into().unwrap())
}

fn sfd(fd: c_int, mask: *const sigset_t, flags: c_int) -> c_int {
    // SAFETY: the stand-in kernel does not read the mask.
    unsafe { signalfd(fd, mask, flags) }
}

#[test]
fn signalfd_sends_fd_flags_and_the_masks_address_and_size() {
    let mask: sigset_t = (1 << 9) | (1 << 11);
    let (ret, call) = one_call(Ok(7), || sfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
    assert_eq!(ret, 7);
    assert_eq!(call.metadata, [SIGNALFD_CALL, 0xffff_ffff, (SFD_CLOEXEC | SFD_NONBLOCK) as u64]);
    assert_eq!(call.metadata[2], 0x104_0000, "Redox's O_CLOEXEC | O_NONBLOCK, untranslated");
    assert_eq!(call.payload.len(), 16);
    assert_eq!(u64_at(&call.payload, 0), &raw const mask as u64, "the mask's address, for the kernel to read");
    assert_eq!(u64_at(&call.payload, 8), 8, "the kernel's sigset size");

    // An existing descriptor and no flags: the kernel's answer is the same descriptor.
    let (ret, call) = one_call(Ok(5), || sfd(5, &mask, 0));
    assert_eq!(ret, 5);
    assert_eq!(call.metadata, [SIGNALFD_CALL, 5, 0]);
}

#[test]
fn signalfd_passes_bad_values_unchanged() {
    // A null mask, unknown flag bits, a negative descriptor other than -1: all the kernel's.
    let (_, call) = one_call(Err(EFAULT), || sfd(-7, core::ptr::null(), -1));
    assert_eq!(call.metadata, [SIGNALFD_CALL, 0xffff_fff9, 0xffff_ffff]);
    assert_eq!(u64_at(&call.payload, 0), 0);
    assert_eq!(u64_at(&call.payload, 8), 8);
    let (_, call) = one_call(Err(EINVAL), || sfd(0x7fff_ffff, 0x10 as *const sigset_t, 1));
    assert_eq!(call.metadata, [SIGNALFD_CALL, 0x7fff_ffff, 1]);
    assert_eq!(u64_at(&call.payload, 0), 0x10);
}

#[test]
fn signalfd_failure_is_minus_one_with_errno() {
    let mask: sigset_t = 1;
    for errno in [EINVAL, EFAULT, EBADF, EMFILE] {
        sys::set_errno(0);
        let (ret, _) = one_call(Err(errno), || sfd(-1, &mask, 0));
        assert_eq!((ret, sys::errno()), (-1, errno));
    }
    sys::set_errno(1234);
    let (ret, _) = one_call(Ok(3), || sfd(-1, &mask, 0));
    assert_eq!((ret, sys::errno()), (3, 1234), "success leaves errno alone");
}

#[test]
fn the_scheme_is_opened_read_write_close_on_exec() {
    let mask: sigset_t = 0;
    let (_, call) = one_call(Ok(4), || sfd(-1, &mask, 0));
    assert_eq!(call.fd, FAKE_SIGNALFD_FD);
    let opens = sys::SIGNALFD_OPENS.lock().unwrap().clone();
    assert!(!opens.is_empty());
    assert!(opens.iter().all(|&flags| flags == O_RDWR | O_CLOEXEC), "{opens:x?}");
}
