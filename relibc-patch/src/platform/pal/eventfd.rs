//! `PalEventfd`: the platform's event counters, under [`sys/eventfd.h`](crate::header::sys_eventfd).

use crate::{
    error::Result,
    platform::{
        Pal,
        types::{c_int, c_uint},
    },
};

/// Platform abstraction for event counter descriptors (`eventfd_read` and `eventfd_write`
/// are [`Pal::read`] and [`Pal::write`]).
pub trait PalEventfd: Pal {
    /// Platform implementation of [`eventfd()`](crate::header::sys_eventfd::eventfd) from [`sys/eventfd.h`](crate::header::sys_eventfd).
    fn eventfd(initval: c_uint, flags: c_int) -> Result<c_int>;
}
