//! `PalEventfd` over Linux's `eventfd2` system call (the flags are Linux's `O_*` values,
//! which relibc's Linux `fcntl.h` has).

use super::{Sys, e_raw};
use crate::{
    error::Result,
    platform::{
        PalEventfd,
        types::{c_int, c_uint},
    },
};

impl PalEventfd for Sys {
    fn eventfd(initval: c_uint, flags: c_int) -> Result<c_int> {
        // SAFETY: the call touches no memory of this program.
        Ok(e_raw(unsafe { syscall!(EVENTFD2, initval, flags) })? as c_int)
    }
}
