//! The clocks: a monotonic nanosecond clock from the TSC (calibrated against PIT
//! channel 2 at boot), and the realtime clock, initialised from the CMOS RTC and kept as
//! an offset from the monotonic clock so that setting it is one store.

use core::sync::atomic::{AtomicI64, Ordering};

use spin::Once;
use x86_64::instructions::port::Port;

use super::pic;
use crate::acpi::fadt::PM_TIMER_HZ;
use crate::time::calendar::{DateTime, RtcRegisters};
use crate::time::tsc::TscScale;

/// How the monotonic clock is derived, for the boot banner.
#[derive(Clone, Copy, Debug)]
pub struct ClockSource {
    /// The calibrated TSC.
    pub scale: TscScale,
    /// Whether CPUID reports an invariant TSC.
    pub invariant: bool,
    /// What the TSC was calibrated against.
    pub reference: Reference,
}

/// A clock of known frequency to calibrate the TSC against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reference {
    /// PIT channel 2.
    Pit,
    /// The ACPI power-management timer at this I/O port (3.579545 MHz; 32 bits wide, or
    /// 24).
    PmTimer { port: u16, wide: bool },
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

/// Calibrates the TSC against the PIT, or against the ACPI PM timer `pm_timer` where no
/// PIT answers (median of a few 10 ms rounds), then reads the RTC. Returns the clock
/// source, or `None` if calibration gave nonsense.
pub fn init(pm_timer: Option<Reference>) -> Option<ClockSource> {
    let (scale, reference) = match calibrate(Reference::Pit) {
        Some(scale) => (scale, Reference::Pit),
        None => {
            let pm_timer = pm_timer?;
            (calibrate(pm_timer)?, pm_timer)
        }
    };
    let source = *SOURCE.call_once(|| ClockSource { scale, invariant: invariant_tsc(), reference });
    if let Some(now) = read_rtc() {
        set_realtime_ns(now.unix_nanos());
    }
    Some(source)
}

fn calibrate(reference: Reference) -> Option<TscScale> {
    let mut freqs = [0u64; CALIBRATION_ROUNDS];
    for freq in &mut freqs {
        let (cycles, ticks, hz) = match reference {
            Reference::Pit => {
                let (start, end) = pic::time_one_shot(CALIBRATION_TICKS, rdtsc)?;
                (end - start, u64::from(CALIBRATION_TICKS), pic::PIT_HZ)
            }
            Reference::PmTimer { port, wide } => {
                let (cycles, ticks) = time_pm_timer(port, wide)?;
                (cycles, ticks, PM_TIMER_HZ)
            }
        };
        *freq = TscScale::calibrated(cycles, ticks, hz)?.freq_hz();
    }
    freqs.sort_unstable();
    // No x86_64 CPU's TSC runs below 100 MHz: a slower result means the reference lied
    // (a PIT that is not there can read as expired at once).
    TscScale::new(freqs[CALIBRATION_ROUNDS / 2]).filter(|s| s.freq_hz() >= MIN_TSC_HZ)
}

/// The slowest TSC calibration believes.
const MIN_TSC_HZ: u64 = 100_000_000;

/// Counts TSC cycles over about 10 ms of the PM timer at `port`; returns the cycles and
/// the timer ticks they took, or `None` if the timer does not count.
fn time_pm_timer(port: u16, wide: bool) -> Option<(u64, u64)> {
    let mask = if wide { u32::MAX } else { 0x00ff_ffff };
    // SAFETY: `port` is the PM timer's, from the FADT; reading it has no side effect.
    let read = || unsafe { Port::<u32>::new(port).read() } & mask;
    let target = PM_TIMER_HZ / 100;
    let (start, tsc_start) = (read(), rdtsc());
    for _ in 0..50_000_000u32 {
        let ticks = u64::from(read().wrapping_sub(start) & mask);
        if ticks >= target {
            return Some((rdtsc() - tsc_start, ticks));
        }
        core::hint::spin_loop();
    }
    None
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
