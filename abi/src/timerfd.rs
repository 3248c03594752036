//! timerfd and eventfd: the flags and the `struct itimerspec` their calls carry, with
//! Linux x86_64's values and layout.
//!
//! The wire protocol, call by call: `abi/PROTOCOL.md`, section 8 (timerfd).
//!
//! The `TFD_*`/`EFD_*` creation flags here are Linux's numbers, which the portable rules
//! take (so that they can be compared with the host's Linux). Linux defines them as its
//! own `O_NONBLOCK` and `O_CLOEXEC`; this kernel's are Redox's (`crate::syscall`), and its
//! calls take those, as the C headers define `TFD_NONBLOCK` and `EFD_NONBLOCK` equal to
//! the C library's `O_NONBLOCK` (see `crate::eventfd`): the glue maps them onto these for
//! the rules and onto the description's status flags. Clock ids are this kernel's
//! (`crate::syscall::CLOCK_*`, those of `clock_gettime`).

/// `timerfd_settime` flags (the protocol's, `crate::protocol`): `TFD_TIMER_ABSTIME`,
/// `it_value` is an absolute time on the timer's clock; `TFD_TIMER_CANCEL_ON_SET`, with
/// `CLOCK_REALTIME` and `TFD_TIMER_ABSTIME`, a read fails with ECANCELED once after the
/// realtime clock is set.
pub use crate::protocol::{TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET};
/// Every flag `timerfd_settime` knows (others: EINVAL).
pub const TFD_SETTIME_FLAGS: i32 = TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET;

/// `timerfd_create` flags (Linux's `O_CLOEXEC` and `O_NONBLOCK`).
pub const TFD_CLOEXEC: i32 = 0o2000000;
pub const TFD_NONBLOCK: i32 = 0o4000;
/// Every flag `timerfd_create` knows (others: EINVAL).
pub const TFD_CREATE_FLAGS: i32 = TFD_CLOEXEC | TFD_NONBLOCK;

/// `eventfd` flags: reads take 1 at a time.
pub const EFD_SEMAPHORE: i32 = 1;
/// `eventfd` flags (Linux's `O_CLOEXEC` and `O_NONBLOCK`).
pub const EFD_CLOEXEC: i32 = 0o2000000;
pub const EFD_NONBLOCK: i32 = 0o4000;
/// Every flag `eventfd2` knows (others: EINVAL).
pub const EFD_FLAGS: i32 = EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK;

/// Nanoseconds in a second.
pub const NSEC_PER_SEC: i64 = 1_000_000_000;

/// `struct timespec`, Linux x86_64: two `long`s (16 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timespec {
    pub tv_sec: i64,
    pub tv_nsec: i64,
}

/// `struct itimerspec`, Linux x86_64: the interval, then the value (32 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ItimerSpec {
    pub it_interval: Timespec,
    pub it_value: Timespec,
}

static_assertions::assert_eq_size!(Timespec, [u8; 16]);
static_assertions::assert_eq_size!(ItimerSpec, [u8; 32]);
static_assertions::const_assert_eq!(core::mem::offset_of!(Timespec, tv_sec), 0);
static_assertions::const_assert_eq!(core::mem::offset_of!(Timespec, tv_nsec), 8);
static_assertions::const_assert_eq!(core::mem::offset_of!(ItimerSpec, it_interval), 0);
static_assertions::const_assert_eq!(core::mem::offset_of!(ItimerSpec, it_value), 16);
static_assertions::const_assert_eq!(core::mem::align_of::<ItimerSpec>(), 8);

/// The kernel's calls: one scheme, whose root makes timers and sets and reads them.
///
/// | call (`metadata[0]`) | `metadata[1]` | `metadata[2]` | payload (u64 words) | returns |
/// |---|---|---|---|---|
/// | `TIMERFD_CALL_CREATE` | clock id (this kernel's) | flags ([`call::TFD_NONBLOCK`], [`call::TFD_CLOEXEC`]) | none | the new descriptor |
/// | `TIMERFD_CALL_SETTIME` | fd (as u32) | flags ([`TFD_TIMER_ABSTIME`], [`TFD_TIMER_CANCEL_ON_SET`]) | new `itimerspec` address, old one's or 0 | 0 |
/// | `TIMERFD_CALL_GETTIME` | fd (as u32) | `itimerspec` address | none | 0 |
///
/// Checks in Linux's order: settime reads the new setting first (EFAULT), then unknown
/// flags or a bad timespec (EINVAL), then the descriptor (EBADF if it is not open, EINVAL
/// if it is not a timer), then writes the old setting (EFAULT). `read` of a timer's
/// descriptor returns the 8-byte count; it is readable for poll once the timer expired.
///
/// The path, the calls and the creation flags as the call takes them (the kernel's
/// `O_NONBLOCK` and `O_CLOEXEC`, which the C headers' `TFD_NONBLOCK` and `TFD_CLOEXEC`
/// equal) are the protocol's (`crate::protocol`).
pub mod call {
    pub use crate::protocol::{
        TFD_CLOEXEC, TFD_NONBLOCK, TIMERFD_CALL_CREATE, TIMERFD_CALL_GETTIME, TIMERFD_CALL_SETTIME, TIMERFD_SCHEME,
    };

    static_assertions::const_assert_eq!(TFD_NONBLOCK, crate::syscall::O_NONBLOCK as u32);
    static_assertions::const_assert_eq!(TFD_CLOEXEC, crate::syscall::O_CLOEXEC as u32);
}
