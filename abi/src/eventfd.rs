//! eventfd: descriptors over a 64-bit counter.
//!
//! The wire protocol, call by call: `abi/PROTOCOL.md`, section 9 (eventfd).
//!
//! `eventfd(initval, flags)` is one `SYS_CALL` on the process's descriptor of
//! [`EVENTFD_SCHEME`]'s root: `[EVENTFD_CALL, initval (as u32), flags (as u32)]`, no
//! payload; it returns the new descriptor. Unknown flags are EINVAL. The counter is read
//! and written with `read` and `write` of 8 bytes (a buffer under 8 bytes is EINVAL), as
//! eventfd(2) says: a read returns the count and resets it (or returns 1 and decrements
//! with [`EFD_SEMAPHORE`]) and waits while it is 0; a write adds its value (never
//! `u64::MAX`: EINVAL) and waits while the sum would pass `u64::MAX - 1`. The descriptor
//! is readable for poll while the count is not 0, writable while 1 can be added.

/// The scheme's path.
pub const EVENTFD_SCHEME: &str = "/scheme/eventfd";

/// The one call (`metadata[0]`).
pub const EVENTFD_CALL: u64 = 1;

/// Reads return 1 and decrement the count.
pub const EFD_SEMAPHORE: u32 = 1;
/// As on Linux, the open flags' values, which here are the kernel's (Redox's).
pub const EFD_NONBLOCK: u32 = crate::syscall::O_NONBLOCK as u32;
pub const EFD_CLOEXEC: u32 = crate::syscall::O_CLOEXEC as u32;
