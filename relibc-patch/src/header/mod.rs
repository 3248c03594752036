//! The C headers, one module per header, laid out as relibc's `src/header/` (`sys/ipc.h`
//! is `sys_ipc/mod.rs`, with the `cbindgen.toml` that relibc's build uses to generate it).
//!
//! This file itself stays here: relibc has its own `src/header/mod.rs`, into which
//! `mkpatch` adds the `_kestrel` module and the new headers. The small modules below stand
//! in for relibc's own headers (`errno`, `bits_timespec`, `bits_sigset_t`, `time`) from
//! which the shipped modules take a few names.

/// The platform adapter, under the path it has in relibc (`src/header/_kestrel/`).
pub(crate) use crate::platform as _kestrel;

/// relibc's `errno.h` values (Linux's, which kestrel and Redox share).
pub mod errno {
    pub use kestrel_abi::errno::*;
}

/// relibc's `fcntl.h` values that the Redox backend uses (the guest runtime's: Redox's).
pub mod fcntl {
    use crate::platform::types::c_int;
    use kestrel_abi::syscall as k;

    pub const O_RDWR: c_int = k::O_RDWR as c_int;
    pub const O_CLOEXEC: c_int = k::O_CLOEXEC as c_int;
    pub const F_DUPFD: c_int = k::F_DUPFD as c_int;
    pub const F_GETFD: c_int = k::F_GETFD as c_int;
    pub const F_SETFD: c_int = k::F_SETFD as c_int;
    pub const FD_CLOEXEC: c_int = k::FD_CLOEXEC as c_int;
}

/// relibc's home of `struct timespec`.
pub mod bits_timespec {
    pub use crate::platform::timespec;
}

/// relibc's home of `sigset_t`.
pub mod bits_sigset_t {
    pub use crate::platform::types::sigset_t;
}

/// relibc's `time.h`, for `struct itimerspec`.
pub mod time {
    pub use crate::platform::itimerspec;
}

pub mod mqueue;
pub mod semaphore;
pub mod sys_eventfd;
pub mod sys_ipc;
pub mod sys_msg;
pub mod sys_sem;
pub mod sys_shm;
pub mod sys_signalfd;
pub mod sys_timerfd;
