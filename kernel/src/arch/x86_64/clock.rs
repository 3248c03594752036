//! The clocks: a monotonic nanosecond clock from the TSC (calibrated against PIT
//! channel 2 at boot), and the realtime clock, initialised from the CMOS RTC and kept as
//! an offset from the monotonic clock so that setting it is one store.

use core::sync::atomic::{AtomicI64, Ordering};

use spin::Once;
use x86_64::instructions::port::Port;

use super::pic;
use crate::time::calendar::{DateTime, RtcRegisters};
use crate::time::tsc::TscScale;

/// How the monotonic clock is derived, for the boot banner.
#[derive(Clone, Copy, Debug)]
pub struct ClockSource {
    /// The calibrated TSC.
    pub scale: TscScale,
    /// Whether CPUID reports an invariant TSC.
    pub invariant: bool,
}

static SOURCE: Once<ClockSource> = Once::new();
/// Realtime minus monotonic, in nanoseconds.
static REALTIME_OFFSET: AtomicI64 = AtomicI64::new(0);

const CALIBRATION_TICKS: u16 = 11_932; // 10 ms of the PIT
const CALIBRATION_ROUNDS: usize = 3;

/// The raw time-stamp counter.
pub fn rdtsc() -> u64 {
    // SAFETY: rdtsc has no side effects and is available on every x86_64 CPU.
    unsafe { core::arch::x86_64::_rdtsc() }
}

fn invariant_tsc() -> bool {
    let max = core::arch::x86_64::__cpuid(0x8000_0000).eax;
    max >= 0x8000_0007 && core::arch::x86_64::__cpuid(0x8000_0007).edx & (1 << 8) != 0
}

/// Calibrates the TSC against the PIT (median of a few 10 ms rounds), then reads the
/// RTC. Returns the clock source, or `None` if calibration gave nonsense.
pub fn init() -> Option<ClockSource> {
    let mut freqs = [0u64; CALIBRATION_ROUNDS];
    for freq in &mut freqs {
        let (start, end) = pic::time_one_shot(CALIBRATION_TICKS, rdtsc);
        *freq = TscScale::calibrated(end - start, u64::from(CALIBRATION_TICKS), pic::PIT_HZ)?.freq_hz();
    }
    freqs.sort_unstable();
    let scale = TscScale::new(freqs[CALIBRATION_ROUNDS / 2])?;
    let source = *SOURCE.call_once(|| ClockSource { scale, invariant: invariant_tsc() });
    if let Some(now) = read_rtc() {
        set_realtime_ns(now.unix_nanos());
    }
    Some(source)
}

/// Nanoseconds since the CPU's TSC started (power-on under QEMU and on most machines);
/// 0 before calibration.
pub fn monotonic_ns() -> u64 {
    SOURCE.get().map_or(0, |s| s.scale.cycles_to_ns(rdtsc()))
}

/// Nanoseconds since the Unix epoch.
pub fn realtime_ns() -> u64 {
    (monotonic_ns() as i64).saturating_add(REALTIME_OFFSET.load(Ordering::Relaxed)).max(0) as u64
}

/// Sets the realtime clock (a discontinuous jump).
pub fn set_realtime_ns(ns: u64) {
    REALTIME_OFFSET.store(ns as i64 - monotonic_ns() as i64, Ordering::Relaxed);
}

/// Whole seconds since the Unix epoch: the System V IPC timestamps. Read from the clock,
/// as `time()` reads it, so that a timestamp is never behind a `time()` taken before the
/// call (Linux keeps both from the tick, which agrees too; a value kept by this kernel's
/// tick could lag a precise `time()` by a second just after the second changed).
pub fn realtime_secs() -> u64 {
    realtime_ns() / 1_000_000_000
}

fn cmos_read(reg: u8) -> u8 {
    // SAFETY: 0x70/0x71 are the CMOS index and data ports; this module owns them.
    unsafe {
        Port::<u8>::new(0x70).write(reg);
        Port::<u8>::new(0x71).read()
    }
}

fn rtc_snapshot() -> RtcRegisters {
    // Wait out an update in progress so the fields come from one second.
    let mut spins = 0u32;
    while cmos_read(0x0a) & 0x80 != 0 && spins < 1_000_000 {
        spins += 1;
        core::hint::spin_loop();
    }
    RtcRegisters {
        second: cmos_read(0x00),
        minute: cmos_read(0x02),
        hour: cmos_read(0x04),
        day: cmos_read(0x07),
        month: cmos_read(0x08),
        year: cmos_read(0x09),
        century: cmos_read(0x32),
        status_b: cmos_read(0x0b),
    }
}

/// Reads the CMOS RTC (twice, until two reads agree). Firmware without a century
/// register at 0x32 gets the two-digit year rule instead.
pub fn read_rtc() -> Option<DateTime> {
    let mut last = rtc_snapshot();
    for _ in 0..5 {
        let now = rtc_snapshot();
        if now == last {
            return now.decode().or_else(|| RtcRegisters { century: 0, ..now }.decode());
        }
        last = now;
    }
    None
}
