//! The C headers, one module per header, laid out as relibc's `src/header/` (`sys/ipc.h`
//! is `sys_ipc/mod.rs`, with the `cbindgen.toml` that relibc's build uses to generate it).
//!
//! This file itself stays here: relibc has its own `src/header/mod.rs`, into which
//! `mkpatch` adds the `_kestrel` module.

/// The platform adapter, under the path it has in relibc (`src/header/_kestrel/`).
pub(crate) use crate::platform as _kestrel;

pub mod mqueue;
pub mod semaphore;
pub mod sys_eventfd;
pub mod sys_ipc;
pub mod sys_msg;
pub mod sys_sem;
pub mod sys_shm;
pub mod sys_signalfd;
pub mod sys_timerfd;
