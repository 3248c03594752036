//! `sys/signalfd.h`: descriptors that read the caller's pending signals (`signalfd`).
//!
//! Not in POSIX; Linux's interface, see signalfd(2).
//!
//! ABI: Linux x86_64 as glibc defines it: the 128-byte [`signalfd_siginfo`] record that a
//! `read` returns per signal, and `SFD_CLOEXEC` and `SFD_NONBLOCK` equal to the C library's
//! `O_CLOEXEC` and `O_NONBLOCK` (as glibc defines them equal to Linux's; in kestrel's guest
//! runtime and in relibc on Redox those are Redox's values, which the kernel takes).
//!
//! # The call
//!
//! `signalfd(fd, mask, flags)` is one call of the platform's [`PalSignalfd`]: on Redox
//! (kestrel) one call on the kernel's `signalfd` scheme (`platform/redox/signalfd.rs`), on
//! Linux the `signalfd4` system call; either way with the mask's address and its size in
//! bytes, 8. The kernel reads the mask itself, so a bad pointer is `EFAULT` from the kernel, not a
//! crash here. The kernel makes every check, in Linux's order (unknown flags, then an
//! unreadable mask, then a `fd` that is not a signalfd); the wrapper passes the values
//! through unchanged. It returns the new descriptor (or `fd`, whose mask it replaced), or
//! -1 with `errno` set; success leaves `errno` alone.
//!
//! The size is always 8, as Linux's kernel sigset is 8 bytes: the first 64 signals are all
//! there are. The guest runtime's `sigset_t` (`unsigned long`) and relibc's (`unsigned long
//! long`) are exactly that; a platform with a larger `sigset_t` (glibc's is 128 bytes) would
//! still pass 8, and the kernel would read only its first word.

#![allow(non_camel_case_types)]

use core::mem::{offset_of, size_of};

use crate::{
    error::ResultExt,
    header::{
        _kestrel::{O_CLOEXEC, O_NONBLOCK, c_int},
        bits_sigset_t::sigset_t,
    },
    platform::{PalSignalfd, Sys},
};

/// `signalfd` flag: the descriptor is close-on-exec (the C library's `O_CLOEXEC`).
pub const SFD_CLOEXEC: c_int = O_CLOEXEC;
/// `signalfd` flag: reads that find no signal fail with `EAGAIN` (the C library's
/// `O_NONBLOCK`).
pub const SFD_NONBLOCK: c_int = O_NONBLOCK;

/// One signal as a `read` of a signalfd returns it: Linux's layout, 128 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct signalfd_siginfo {
    /// The signal number.
    pub ssi_signo: u32,
    /// An error number (`si_errno`; 0 here).
    pub ssi_errno: i32,
    /// Where the signal came from (`si_code`: `SI_USER`, `SI_QUEUE`, `CLD_EXITED`, ...).
    pub ssi_code: i32,
    /// The sending process (`kill`, `sigqueue`) or the child (`SIGCHLD`).
    pub ssi_pid: u32,
    /// The sender's real user id.
    pub ssi_uid: u32,
    /// The descriptor (`SIGIO`).
    pub ssi_fd: i32,
    /// The kernel's timer id (POSIX timers).
    pub ssi_tid: u32,
    /// The band event (`SIGIO`).
    pub ssi_band: u32,
    /// The overrun count (POSIX timers).
    pub ssi_overrun: u32,
    /// The trap number of a hardware signal.
    pub ssi_trapno: u32,
    /// The exit status or signal (`SIGCHLD`).
    pub ssi_status: i32,
    /// The value's int (`sigqueue`).
    pub ssi_int: i32,
    /// The value's pointer (`sigqueue`).
    pub ssi_ptr: u64,
    /// User CPU time consumed (`SIGCHLD`).
    pub ssi_utime: u64,
    /// System CPU time consumed (`SIGCHLD`).
    pub ssi_stime: u64,
    /// The faulting address (hardware signals).
    pub ssi_addr: u64,
    /// The address's least significant bit (`SIGBUS`).
    pub ssi_addr_lsb: u16,
    pub __pad2: u16,
    /// The system call number (`SIGSYS`).
    pub ssi_syscall: i32,
    /// The system call's address (`SIGSYS`).
    pub ssi_call_addr: u64,
    /// The system call's architecture (`SIGSYS`).
    pub ssi_arch: u32,
    /// Room to grow: 128 bytes in all.
    pub __pad: [u8; 28],
}

// The layout above, checked where it is defined (core only: relibc has no
// static_assertions). The same on every Linux target: the fields have fixed widths.
const _: () = {
    assert!(
        offset_of!(signalfd_siginfo, ssi_signo) == 0
            && offset_of!(signalfd_siginfo, ssi_errno) == 4
            && offset_of!(signalfd_siginfo, ssi_code) == 8
            && offset_of!(signalfd_siginfo, ssi_pid) == 12
            && offset_of!(signalfd_siginfo, ssi_uid) == 16
            && offset_of!(signalfd_siginfo, ssi_fd) == 20
            && offset_of!(signalfd_siginfo, ssi_tid) == 24
            && offset_of!(signalfd_siginfo, ssi_band) == 28
            && offset_of!(signalfd_siginfo, ssi_overrun) == 32
            && offset_of!(signalfd_siginfo, ssi_trapno) == 36
            && offset_of!(signalfd_siginfo, ssi_status) == 40
            && offset_of!(signalfd_siginfo, ssi_int) == 44
            && offset_of!(signalfd_siginfo, ssi_ptr) == 48
            && offset_of!(signalfd_siginfo, ssi_utime) == 56
            && offset_of!(signalfd_siginfo, ssi_stime) == 64
            && offset_of!(signalfd_siginfo, ssi_addr) == 72
            && offset_of!(signalfd_siginfo, ssi_addr_lsb) == 80
            && offset_of!(signalfd_siginfo, __pad2) == 82
            && offset_of!(signalfd_siginfo, ssi_syscall) == 84
            && offset_of!(signalfd_siginfo, ssi_call_addr) == 88
            && offset_of!(signalfd_siginfo, ssi_arch) == 96
            && offset_of!(signalfd_siginfo, __pad) == 100
            && size_of::<signalfd_siginfo>() == 128
    );
    // The kernel reads 8 bytes at the mask's address.
    assert!(size_of::<sigset_t>() >= 8);
};

/// `signalfd(fd, mask, flags)`: with `fd` -1, a new descriptor whose reads return the
/// caller's pending signals in `*mask` as [`signalfd_siginfo`] records (taking them); with
/// the descriptor of a signalfd, that descriptor, its mask replaced by `*mask`. `flags` is 0
/// or `SFD_CLOEXEC` and `SFD_NONBLOCK`. `SIGKILL` and `SIGSTOP` are left out of the mask.
/// The signals should be blocked (`sigprocmask`), or their default action or handler takes
/// them first.
///
/// # Safety
///
/// `mask` points to a readable `sigset_t` (the kernel reads its first 8 bytes; it reports
/// `EFAULT` for an address that is not readable, but cannot tell memory the caller does not
/// own).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn signalfd(fd: c_int, mask: *const sigset_t, flags: c_int) -> c_int {
    // SAFETY: the caller's promise for the mask is passed on unchanged.
    unsafe { Sys::signalfd(fd, mask, flags) }.or_minus_one_errno()
}
