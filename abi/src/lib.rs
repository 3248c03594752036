//! The user ABI of the kestrel kernel, shared by the kernel, the guest runtime and the C
//! wrapper, so that both sides name the same numbers.
//!
//! The IPC schemes' wire protocol (conventions, every call, `time::TIME_CALL_SETTIME`): `abi/PROTOCOL.md`.
//! Its paths, call numbers, metadata words and flags are [`protocol`], a dependency-free
//! file that the C library (`relibc-patch`, and relibc through its patch) compiles as it
//! is; the facility modules below re-export their parts of it.
//!
//! Syscalls use the Redox convention: `syscall` with the number in `rax` and arguments in
//! `rdi, rsi, rdx, r10, r8, r9`; the result comes back in `rax`, a negated errno (Linux
//! values) on failure. Numbers, flags and structures that `redox_syscall` defines are
//! used as they are; this crate adds only what this kernel has beyond them.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

pub mod dirent;
pub mod eventfd;
pub mod initfs;
pub mod mq;
pub mod proc;
pub mod protocol;
pub mod signal;
pub mod signalfd;
pub mod syscall;
pub mod sysv;
pub mod timerfd;
pub mod wait;

/// Linux errno values (which Redox shares for all of these).
pub mod errno {
    pub const EPERM: i32 = 1;
    pub const ENOENT: i32 = 2;
    pub const ESRCH: i32 = 3;
    pub const EINTR: i32 = 4;
    pub const EIO: i32 = 5;
    pub const E2BIG: i32 = 7;
    pub const ENOEXEC: i32 = 8;
    pub const EBADF: i32 = 9;
    pub const ECHILD: i32 = 10;
    pub const EAGAIN: i32 = 11;
    pub const ENOMEM: i32 = 12;
    pub const EACCES: i32 = 13;
    pub const EFAULT: i32 = 14;
    pub const EBUSY: i32 = 16;
    pub const EEXIST: i32 = 17;
    pub const EXDEV: i32 = 18;
    pub const ENODEV: i32 = 19;
    pub const ENOTDIR: i32 = 20;
    pub const EISDIR: i32 = 21;
    pub const EINVAL: i32 = 22;
    pub const EMFILE: i32 = 24;
    pub const ENOTTY: i32 = 25;
    pub const EFBIG: i32 = 27;
    pub const ENOSPC: i32 = 28;
    pub const ESPIPE: i32 = 29;
    pub const EPIPE: i32 = 32;
    pub const ERANGE: i32 = 34;
    pub const ENAMETOOLONG: i32 = 36;
    pub const ENOSYS: i32 = 38;
    pub const ENOTEMPTY: i32 = 39;
    pub const ENOMSG: i32 = 42;
    pub const EIDRM: i32 = 43;
    pub const EOVERFLOW: i32 = 75;
    pub const EMSGSIZE: i32 = 90;
    pub const EOPNOTSUPP: i32 = 95;
    pub const ETIMEDOUT: i32 = 110;
    pub const ECANCELED: i32 = 125;
}

/// Calls on `/scheme/time/CLOCK` handles through `SYS_CALL` (`metadata[0]`).
pub mod time {
    /// Set the clock to the `TimeSpec` in the payload. CLOCK_REALTIME only; root only.
    pub const TIME_CALL_SETTIME: u64 = 1;
}
