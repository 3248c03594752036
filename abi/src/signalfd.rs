//! signalfd: descriptors that read the caller's pending signals as records.
//!
//! The wire protocol, call by call: `abi/PROTOCOL.md`, section 10 (signalfd).
//!
//! `signalfd(fd, mask, flags)` is one `SYS_CALL` on the process's descriptor of
//! [`SIGNALFD_SCHEME`]'s root: `[SIGNALFD_CALL, fd (as u32), flags (as u32)]` with the
//! payload (read by the kernel, little-endian u64 words) the mask's address and the
//! mask's size in bytes (`sizemask`, which must be 8). It returns the new descriptor, or
//! `fd` itself when `fd` is a signalfd whose mask it replaced. Linux's order of checks:
//! unknown flags EINVAL, a size other than 8 EINVAL, an unreadable mask EFAULT, then for
//! `fd != -1` EBADF (not open) or EINVAL (not a signalfd). SIGKILL and SIGSTOP are
//! dropped from the mask silently.
//!
//! `read` on the descriptor returns whole [`SignalfdSiginfo`] records (128 bytes each) of
//! signals in the mask pending for the reading thread (its own, then its process's), as
//! many as fit and are pending; a buffer under 128 bytes is EINVAL. With none pending it
//! blocks (or EAGAIN with `SFD_NONBLOCK`); a signal it does not wait for interrupts it
//! (EINTR). The descriptor is readable for poll while such a signal is pending for the
//! polling thread. After fork, the child's reads take the child's signals.

/// The scheme's path, the call, the mask size it takes and its flags (as on Linux, the open
/// flags' values, which here are the kernel's, Redox's, so that `fcntl` reports them as
/// set): the protocol's (`crate::protocol`).
pub use crate::protocol::{SFD_CLOEXEC, SFD_NONBLOCK, SIGNALFD_CALL, SIGNALFD_MASK_SIZE, SIGNALFD_SCHEME};

static_assertions::const_assert_eq!(SFD_NONBLOCK, crate::syscall::O_NONBLOCK as u32);
static_assertions::const_assert_eq!(SFD_CLOEXEC, crate::syscall::O_CLOEXEC as u32);

/// Linux's `struct signalfd_siginfo` (128 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SignalfdSiginfo {
    pub ssi_signo: u32,
    pub ssi_errno: i32,
    pub ssi_code: i32,
    pub ssi_pid: u32,
    pub ssi_uid: u32,
    pub ssi_fd: i32,
    pub ssi_tid: u32,
    pub ssi_band: u32,
    pub ssi_overrun: u32,
    pub ssi_trapno: u32,
    pub ssi_status: i32,
    pub ssi_int: i32,
    pub ssi_ptr: u64,
    pub ssi_utime: u64,
    pub ssi_stime: u64,
    pub ssi_addr: u64,
    pub ssi_addr_lsb: u16,
    pub pad2: u16,
    pub ssi_syscall: i32,
    pub ssi_call_addr: u64,
    pub ssi_arch: u32,
    pub pad: [u8; 28],
}

static_assertions::assert_eq_size!(SignalfdSiginfo, [u8; 128]);
static_assertions::const_assert_eq!(core::mem::offset_of!(SignalfdSiginfo, ssi_ptr), 48);
static_assertions::const_assert_eq!(core::mem::offset_of!(SignalfdSiginfo, ssi_addr_lsb), 80);
static_assertions::const_assert_eq!(core::mem::offset_of!(SignalfdSiginfo, ssi_arch), 96);
