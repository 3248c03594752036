//! `PalEventfd` over kestrel's `eventfd` scheme (`/scheme/eventfd`; abi/PROTOCOL.md,
//! `eventfd`): metadata `[EVENTFD_CALL, initval (as u32), flags (as u32)]`, no payload. The
//! flags are the C library's `O_CLOEXEC` and `O_NONBLOCK` (Redox's values) and
//! `EFD_SEMAPHORE`, passed as they are.

use super::{Sys, kestrel_scheme::EVENTFD};
use crate::{
    error::Result,
    platform::{
        PalEventfd,
        kestrel_protocol::EVENTFD_CALL,
        types::{c_int, c_uint},
    },
};

impl PalEventfd for Sys {
    fn eventfd(initval: c_uint, flags: c_int) -> Result<c_int> {
        let metadata = [EVENTFD_CALL, u64::from(initval), u64::from(flags as u32)];
        // A descriptor number.
        Ok(EVENTFD.call_wo(&[], &metadata)? as c_int)
    }
}
