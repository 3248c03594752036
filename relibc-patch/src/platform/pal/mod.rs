//! relibc's platform abstraction layer (`src/platform/pal/mod.rs` there), reduced to what
//! the IPC headers use: `Pal` with the three descriptor calls they make, and one trait per
//! IPC family, each in its own file as relibc keeps `PalEpoll` and `PalSocket`. The family
//! files go into relibc as they are; this file stands in for relibc's, whose `Pal` has the
//! same three methods among its others (the patch adds the `mod` and `pub use` lines).

use crate::{error::Result, platform::types::c_int};

pub use self::eventfd::PalEventfd;
mod eventfd;

pub use self::futex_shm::PalFutexShm;
mod futex_shm;

pub use self::mqueue::PalMqueue;
mod mqueue;

pub use self::signalfd::PalSignalfd;
mod signalfd;

pub use self::sysv_msg::PalSysvMsg;
mod sysv_msg;

pub use self::sysv_sem::PalSysvSem;
mod sysv_sem;

pub use self::sysv_shm::PalSysvShm;
mod sysv_shm;

pub use self::timerfd::PalTimerfd;
mod timerfd;

/// Platform abstraction layer, a platform-agnostic abstraction over syscalls.
pub trait Pal {
    /// Platform implementation of `close()` from `unistd.h`.
    fn close(fildes: c_int) -> Result<()>;

    /// Platform implementation of `read()` from `unistd.h`.
    fn read(fildes: c_int, buf: &mut [u8]) -> Result<usize>;

    /// Platform implementation of `write()` from `unistd.h`.
    fn write(fildes: c_int, buf: &[u8]) -> Result<usize>;
}
