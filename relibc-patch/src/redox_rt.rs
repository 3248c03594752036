//! The part of redox-rt's `sys` module that the Redox backend uses (`open`, `fcntl`,
//! `close`, `sys_call_wo`), for the standalone build, which has no redox-rt: the crate
//! root is named `redox_rt` (`extern crate self as redox_rt` in `lib.rs`) and this module
//! is its `sys`, so `redox/kestrel_scheme.rs` reads the same here and in relibc. The calls
//! are kestrel's system calls (`platform::sys`), or the host tests' stand-in kernel.

use syscall::{CallFlags, Error, Result};

use crate::platform::sys;

/// Opens `path` (a `/scheme/...` path) with the Redox open flags `flags`.
pub fn open<T: AsRef<str>>(path: T, flags: usize) -> Result<usize> {
    sys::open(path.as_ref().as_bytes(), flags).map_err(Error::new)
}

/// `fcntl(fd, cmd, arg)` with Redox's commands (`F_DUPFD` with an `UPPER_FDTBL_TAG`
/// minimum copies into the upper table).
pub fn fcntl(fd: usize, cmd: usize, arg: usize) -> Result<usize> {
    sys::fcntl(fd, cmd, arg).map_err(Error::new)
}

/// Closes `fd`.
pub fn close(fd: usize) -> Result<usize> {
    sys::close(fd).map(|()| 0).map_err(Error::new)
}

/// `SYS_CALL` on `fd` with a payload the kernel only reads (redox_syscall's `call_wo`: the
/// flags with `CallFlags::WRITE`, the metadata's length in their low byte).
pub fn sys_call_wo(fd: usize, payload: &[u8], flags: CallFlags, metadata: &[u64]) -> Result<usize> {
    sys::call(fd, payload, (flags | CallFlags::WRITE).bits(), metadata).map_err(Error::new)
}
