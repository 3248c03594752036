//! `PalSignalfd` over kestrel's `signalfd` scheme (`/scheme/signalfd`; abi/PROTOCOL.md,
//! `signalfd`): metadata `[SIGNALFD_CALL, fd (as u32), flags (as u32)]`, and a payload of
//! the mask's address and size (`SIGNALFD_MASK_SIZE`, 8) as little-endian u64s, which the kernel only reads. The
//! flags are the C library's `O_CLOEXEC` and `O_NONBLOCK` (Redox's values), passed as they
//! are.

use super::{Sys, kestrel_scheme::SIGNALFD};
use crate::{
    error::Result,
    header::bits_sigset_t::sigset_t,
    platform::{
        PalSignalfd,
        kestrel_protocol::{SIGNALFD_CALL, SIGNALFD_MASK_SIZE},
        types::c_int,
    },
};

impl PalSignalfd for Sys {
    unsafe fn signalfd(fd: c_int, mask: *const sigset_t, flags: c_int) -> Result<c_int> {
        let payload = [(mask as usize as u64).to_le_bytes(), SIGNALFD_MASK_SIZE.to_le_bytes()];
        let metadata = [SIGNALFD_CALL, u64::from(fd as u32), u64::from(flags as u32)];
        // A descriptor number.
        Ok(SIGNALFD.call_wo(payload.as_flattened(), &metadata)? as c_int)
    }
}
