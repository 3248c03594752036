//! `PalTimerfd` over kestrel's `timerfd` scheme (`/scheme/timerfd`; abi/PROTOCOL.md,
//! `timerfd`), as `kestrel_protocol` numbers the calls:
//!
//! - `timerfd_create`: metadata `[TIMERFD_CALL_CREATE, clockid (as u32), flags (as u32)]`,
//!   no payload;
//! - `timerfd_settime`: metadata `[TIMERFD_CALL_SETTIME, fd (as u32), flags (as u32)]` and a
//!   payload of two little-endian u64s that the kernel only reads: `new_value`'s address
//!   and `old_value`'s (0 for a null pointer);
//! - `timerfd_gettime`: metadata `[TIMERFD_CALL_GETTIME, fd (as u32), curr_value's
//!   address]`, no payload.
//!
//! The kernel reads and writes the `itimerspec`s itself and makes every check in Linux's
//! order; the values pass unchanged.

use super::{Sys, kestrel_scheme::TIMERFD};
use crate::{
    error::Result,
    header::time::itimerspec,
    platform::{
        PalTimerfd,
        kestrel_protocol::{TIMERFD_CALL_CREATE, TIMERFD_CALL_GETTIME, TIMERFD_CALL_SETTIME},
        types::c_int,
    },
};

impl PalTimerfd for Sys {
    fn timerfd_create(clockid: c_int, flags: c_int) -> Result<c_int> {
        let metadata = [TIMERFD_CALL_CREATE, u64::from(clockid as u32), u64::from(flags as u32)];
        // A descriptor number.
        Ok(TIMERFD.call_wo(&[], &metadata)? as c_int)
    }

    unsafe fn timerfd_settime(
        fd: c_int,
        flags: c_int,
        new_value: *const itimerspec,
        old_value: *mut itimerspec,
    ) -> Result<()> {
        let payload = [(new_value as usize as u64).to_le_bytes(), (old_value as usize as u64).to_le_bytes()];
        let metadata = [TIMERFD_CALL_SETTIME, u64::from(fd as u32), u64::from(flags as u32)];
        TIMERFD.call_wo(payload.as_flattened(), &metadata)?;
        Ok(())
    }

    unsafe fn timerfd_gettime(fd: c_int, curr_value: *mut itimerspec) -> Result<()> {
        let metadata = [TIMERFD_CALL_GETTIME, u64::from(fd as u32), curr_value as usize as u64];
        TIMERFD.call_wo(&[], &metadata)?;
        Ok(())
    }
}
