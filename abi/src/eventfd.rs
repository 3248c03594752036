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

/// The scheme's path, the call and the flags as the call takes them (as on Linux, the open
/// flags' values, which here are the kernel's, Redox's): the protocol's (`crate::protocol`).
pub use crate::protocol::{EFD_CLOEXEC, EFD_NONBLOCK, EFD_SEMAPHORE, EVENTFD_CALL, EVENTFD_SCHEME};

static_assertions::const_assert_eq!(EFD_NONBLOCK, crate::syscall::O_NONBLOCK as u32);
static_assertions::const_assert_eq!(EFD_CLOEXEC, crate::syscall::O_CLOEXEC as u32);
