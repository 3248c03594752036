//! Calendar arithmetic: CMOS RTC register decoding and civil date to Unix time.

use super::NANOS_PER_SEC;

/// A wall-clock reading as the CMOS RTC gives it, already in binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime {
    /// Full year, e.g. 2026.
    pub year: u32,
    /// 1..=12.
    pub month: u32,
    /// 1..=31.
    pub day: u32,
    /// 0..=23.
    pub hour: u32,
    /// 0..=59.
    pub minute: u32,
    /// 0..=59 (60 tolerated for a leap second).
    pub second: u32,
}

/// Raw RTC registers: seconds, minutes, hours, day, month, year, century (0 when the
/// firmware names no century register), and status register B.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RtcRegisters {
    pub second: u8,
    pub minute: u8,
    pub hour: u8,
    pub day: u8,
    pub month: u8,
    pub year: u8,
    pub century: u8,
    pub status_b: u8,
}

const STATUS_B_24_HOUR: u8 = 0x02;
const STATUS_B_BINARY: u8 = 0x04;
const HOUR_PM: u8 = 0x80;

fn from_bcd(v: u8) -> u32 {
    u32::from(v >> 4) * 10 + u32::from(v & 0x0f)
}

impl RtcRegisters {
    /// Decodes BCD or binary, 12- or 24-hour registers into a date; `None` if the
    /// result is not a valid date.
    pub fn decode(&self) -> Option<DateTime> {
        let binary = self.status_b & STATUS_B_BINARY != 0;
        let conv = |v: u8| if binary { u32::from(v) } else { from_bcd(v) };
        let pm = self.hour & HOUR_PM != 0;
        let mut hour = conv(self.hour & !HOUR_PM);
        if self.status_b & STATUS_B_24_HOUR == 0 {
            // 12-hour mode: 12 AM is 0, 12 PM is 12.
            hour %= 12;
            if pm {
                hour += 12;
            }
        }
        let year2 = conv(self.year);
        let year = if self.century != 0 {
            conv(self.century) * 100 + year2
        } else if year2 < 70 {
            2000 + year2
        } else {
            1900 + year2
        };
        let dt = DateTime {
            year,
            month: conv(self.month),
            day: conv(self.day),
            hour,
            minute: conv(self.minute),
            second: conv(self.second),
        };
        dt.is_valid().then_some(dt)
    }
}

fn is_leap(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl DateTime {
    /// Whether every field is in range and the year is not before 1970.
    pub fn is_valid(&self) -> bool {
        self.year >= 1970
            && (1..=12).contains(&self.month)
            && (1..=days_in_month(self.year, self.month)).contains(&self.day)
            && self.hour < 24
            && self.minute < 60
            && self.second <= 60
    }

    /// Seconds since 1970-01-01T00:00:00Z (the civil-from-days algorithm, inverted).
    pub fn unix_seconds(&self) -> u64 {
        let (y, m) = if self.month <= 2 { (self.year - 1, self.month + 9) } else { (self.year, self.month - 3) };
        let era = y / 400;
        let yoe = y - era * 400;
        let doy = (153 * m + 2) / 5 + self.day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = u64::from(era) * 146_097 + u64::from(doe) - 719_468;
        days * 86_400 + u64::from(self.hour) * 3600 + u64::from(self.minute) * 60 + u64::from(self.second)
    }

    /// The date of a Unix time in seconds.
    pub fn from_unix_seconds(secs: u64) -> Self {
        let days = secs / 86_400;
        let rem = secs % 86_400;
        let z = days + 719_468;
        let era = z / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400) as u32 + u32::from(month <= 2);
        Self {
            year,
            month,
            day,
            hour: (rem / 3600) as u32,
            minute: (rem % 3600 / 60) as u32,
            second: (rem % 60) as u32,
        }
    }

    /// Nanoseconds since the Unix epoch.
    pub fn unix_nanos(&self) -> u64 {
        self.unix_seconds() * NANOS_PER_SEC
    }
}

impl core::fmt::Display for DateTime {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(year: u32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> DateTime {
        DateTime { year, month, day, hour, minute, second }
    }

    #[test]
    fn known_unix_times() {
        assert_eq!(dt(1970, 1, 1, 0, 0, 0).unix_seconds(), 0);
        assert_eq!(dt(2000, 2, 29, 12, 0, 0).unix_seconds(), 951_825_600);
        assert_eq!(dt(2026, 11, 23, 8, 30, 15).unix_seconds(), 1_795_422_615);
        assert_eq!(dt(2038, 1, 19, 3, 14, 8).unix_seconds(), 1 << 31);
    }

    #[test]
    fn round_trip_every_day_for_two_centuries() {
        for day in 0..(200 * 366) {
            let secs = day * 86_400 + (day * 7919) % 86_400;
            let d = DateTime::from_unix_seconds(secs);
            assert!(d.is_valid(), "{d}");
            assert_eq!(d.unix_seconds(), secs);
        }
    }

    #[test]
    fn rtc_bcd_12_hour_and_century() {
        let regs = RtcRegisters {
            second: 0x59,
            minute: 0x07,
            hour: 0x80 | 0x12, // 12 PM
            day: 0x23,
            month: 0x11,
            year: 0x26,
            century: 0x20,
            status_b: 0,
        };
        assert_eq!(regs.decode(), Some(dt(2026, 11, 23, 12, 7, 59)));
        let midnight = RtcRegisters { hour: 0x12, ..regs };
        assert_eq!(midnight.decode().unwrap().hour, 0);
        let binary_24 =
            RtcRegisters { hour: 23, minute: 5, second: 9, day: 1, month: 2, year: 99, century: 0, status_b: 0x06 };
        assert_eq!(binary_24.decode(), Some(dt(1999, 2, 1, 23, 5, 9)));
    }

    #[test]
    fn rtc_garbage_is_rejected() {
        let regs = RtcRegisters {
            second: 0,
            minute: 0,
            hour: 0,
            day: 0x31,
            month: 0x02,
            year: 0x26,
            century: 0x20,
            status_b: 0x02,
        };
        assert_eq!(regs.decode(), None);
        let regs = RtcRegisters { month: 0x13, day: 1, ..regs };
        assert_eq!(regs.decode(), None);
    }
}
