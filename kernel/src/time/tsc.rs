//! Conversion of time-stamp-counter cycles to nanoseconds.
//!
//! `ns = cycles * mult >> 32`, with the product taken in 128 bits so that no uptime
//! overflows, and `mult` chosen once from the calibrated frequency.

use super::NANOS_PER_SEC;

const SHIFT: u32 = 32;

/// A calibrated TSC: its frequency and the fixed-point factor to nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TscScale {
    freq_hz: u64,
    mult: u64,
}

impl TscScale {
    /// A scale for a counter running at `freq_hz` (at least 1 MHz, else `None`).
    pub fn new(freq_hz: u64) -> Option<Self> {
        if freq_hz < 1_000_000 {
            return None;
        }
        let mult = ((u128::from(NANOS_PER_SEC) << SHIFT) / u128::from(freq_hz)) as u64;
        Some(Self { freq_hz, mult })
    }

    /// The frequency from a calibration: `cycles` counted while a reference clock of
    /// `ref_hz` advanced by `ref_ticks`.
    pub fn calibrated(cycles: u64, ref_ticks: u64, ref_hz: u64) -> Option<Self> {
        if ref_ticks == 0 {
            return None;
        }
        let freq = u128::from(cycles) * u128::from(ref_hz) / u128::from(ref_ticks);
        Self::new(u64::try_from(freq).ok()?)
    }

    /// The counter's frequency in Hz.
    pub fn freq_hz(&self) -> u64 {
        self.freq_hz
    }

    /// Nanoseconds in `cycles` cycles.
    pub fn cycles_to_ns(&self, cycles: u64) -> u64 {
        ((u128::from(cycles) * u128::from(self.mult)) >> SHIFT) as u64
    }

    /// Cycles in `ns` nanoseconds (rounded up, saturating).
    pub fn ns_to_cycles(&self, ns: u64) -> u64 {
        let cycles = (u128::from(ns) * u128::from(self.freq_hz)).div_ceil(u128::from(NANOS_PER_SEC));
        u64::try_from(cycles).unwrap_or(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_seconds_are_exact_to_a_nanosecond() {
        for freq in [1_000_000u64, 2_900_000_000, 3_123_456_789, 1_193_182 * 1000] {
            let s = TscScale::new(freq).unwrap();
            for secs in [1u64, 60, 86_400, 10 * 365 * 86_400] {
                let ns = s.cycles_to_ns(freq * secs);
                let want = secs * NANOS_PER_SEC;
                assert!(want - ns <= secs, "freq {freq} secs {secs}: {ns} vs {want}");
            }
        }
    }

    #[test]
    fn round_trip_and_monotonic() {
        let s = TscScale::new(2_500_000_000).unwrap();
        let mut last = 0;
        for c in (0..10_000_000u64).step_by(9_973) {
            let ns = s.cycles_to_ns(c);
            assert!(ns >= last);
            last = ns;
            assert!(s.ns_to_cycles(ns) <= c + 3);
        }
        assert_eq!(s.ns_to_cycles(1), 3);
        assert_eq!(s.ns_to_cycles(u64::MAX), u64::MAX);
    }

    #[test]
    fn calibration() {
        // 10 ms of a 1.193182 MHz PIT is 11932 ticks; a 3 GHz TSC counts 30 M cycles then.
        let s = TscScale::calibrated(30_000_000 * 11_932 / 11_932, 11_932, 1_193_182).unwrap();
        assert!((s.freq_hz() as i64 - 3_000_000_000i64).abs() < 300_000);
        assert_eq!(TscScale::calibrated(5, 0, 1), None);
        assert_eq!(TscScale::new(999_999), None);
    }
}
