//! Clock arithmetic that needs no hardware: turning TSC cycles into nanoseconds and CMOS
//! RTC readings into Unix time. The hardware reads live in `arch::x86_64::clock`.

pub mod calendar;
pub mod tsc;

/// Nanoseconds per second.
pub const NANOS_PER_SEC: u64 = 1_000_000_000;
