//! Time as the caller hands it in: a monotonic [`Instant`] for deadlines and a wall-clock
//! [`UnixTime`] for what goes on the wire, plus the `xsd:dateTime` form ([`DateTime`]).
//!
//! core never reads a clock. Durations are `core::time::Duration`.

use core::fmt;
use core::time::Duration;

use crate::sink::{Full, Sink};

/// A point on the caller's monotonic clock, in milliseconds from an arbitrary origin.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(u64);

impl Instant {
    /// The clock's origin.
    pub const ZERO: Instant = Instant(0);

    /// An instant `ms` milliseconds after the origin.
    pub const fn from_millis(ms: u64) -> Self {
        Self(ms)
    }

    /// Milliseconds since the origin.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// `self + d`, saturating at the end of time.
    pub fn saturating_add(self, d: Duration) -> Self {
        let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        Self(self.0.saturating_add(ms))
    }

    /// Time elapsed from `earlier` to `self`, zero if `earlier` is later.
    pub fn saturating_since(self, earlier: Instant) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }
}

impl core::ops::Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        self.saturating_add(d)
    }
}

/// Wall-clock time in UTC: whole seconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime(pub i64);

impl UnixTime {
    /// Seconds since the epoch.
    pub const fn secs(self) -> i64 {
        self.0
    }

    /// This time as an `xsd:dateTime` in UTC.
    pub fn to_datetime(self) -> DateTime {
        DateTime::from_unix(self)
    }
}

/// The zone part of an `xsd:dateTime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Zone {
    /// `Z`.
    Utc,
    /// `+hh:mm` / `-hh:mm`, in minutes east of UTC.
    Offset(i16),
    /// No zone: TR-106 uses this for time relative to boot (years below 1000).
    Floating,
}

/// An `xsd:dateTime` as it appears on the wire (TR-106 §3.2.2 subset of ISO 8601).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    /// Year, 1..=9999.
    pub year: u16,
    /// Month, 1..=12.
    pub month: u8,
    /// Day of month, 1..=31 (checked against the month).
    pub day: u8,
    /// Hour, 0..=23.
    pub hour: u8,
    /// Minute, 0..=59.
    pub minute: u8,
    /// Second, 0..=59 (a leap second 60 is accepted on input).
    pub second: u8,
    /// Fraction of a second in nanoseconds.
    pub nanos: u32,
    /// Time zone.
    pub zone: Zone,
}

/// Why a string is not an `xsd:dateTime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateTimeError {
    /// Not of the form `YYYY-MM-DDThh:mm:ss[.f][Z|±hh:mm]`.
    Syntax,
    /// A field is out of its range (month 13, 31 April, hour 24, zone beyond ±14:00...).
    Range,
}

impl fmt::Display for DateTimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DateTimeError::Syntax => "not an xsd:dateTime",
            DateTimeError::Range => "xsd:dateTime field out of range",
        })
    }
}

const SECS_PER_DAY: i64 = 86_400;

impl DateTime {
    /// TR-106 Unknown Time, `0001-01-01T00:00:00Z`: absolute time is not known.
    pub const UNKNOWN: DateTime = DateTime {
        year: 1,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
        nanos: 0,
        zone: Zone::Utc,
    };

    /// TR-106 Infinite Time, `9999-12-31T23:59:59Z`.
    pub const INFINITE: DateTime = DateTime {
        year: 9999,
        month: 12,
        day: 31,
        hour: 23,
        minute: 59,
        second: 59,
        nanos: 0,
        zone: Zone::Utc,
    };

    /// The UTC date and time of a Unix timestamp (clamped to years 1..=9999).
    pub fn from_unix(t: UnixTime) -> Self {
        const MIN: i64 = -62_135_596_800; // 0001-01-01T00:00:00Z
        const MAX: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z
        let secs = t.0.clamp(MIN, MAX);
        let days = secs.div_euclid(SECS_PER_DAY);
        let rem = secs.rem_euclid(SECS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        // The clamp keeps year in 1..=9999 and rem in 0..86400, so the casts are lossless.
        DateTime {
            year: year as u16,
            month,
            day,
            hour: (rem / 3600) as u8,
            minute: (rem % 3600 / 60) as u8,
            second: (rem % 60) as u8,
            nanos: 0,
            zone: Zone::Utc,
        }
    }

    /// Seconds since the Unix epoch, or `None` for a floating (zone-less) value.
    pub fn to_unix(&self) -> Option<UnixTime> {
        let offset_secs = match self.zone {
            Zone::Utc => 0,
            Zone::Offset(m) => i64::from(m) * 60,
            Zone::Floating => return None,
        };
        let days = days_from_civil(i64::from(self.year), self.month, self.day);
        let secs = days * SECS_PER_DAY
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second.min(59))
            - offset_secs;
        Some(UnixTime(secs))
    }

    /// True for the Unknown Time (any zone spelling of `0001-01-01T00:00:00`).
    pub fn is_unknown(&self) -> bool {
        self.year == 1
            && self.month == 1
            && self.day == 1
            && self.hour == 0
            && self.minute == 0
            && self.second == 0
            && self.nanos == 0
    }

    /// Parses `YYYY-MM-DDThh:mm:ss[.fraction][Z|±hh:mm]`, surrounding whitespace allowed.
    pub fn parse(s: &str) -> Result<Self, DateTimeError> {
        let b = s.trim().as_bytes();
        if b.len() < 19 {
            return Err(DateTimeError::Syntax);
        }
        let sep = |i: usize, c: u8| {
            if b[i] == c {
                Ok(())
            } else {
                Err(DateTimeError::Syntax)
            }
        };
        let year = digits(&b[0..4])?;
        sep(4, b'-')?;
        let month = digits(&b[5..7])?;
        sep(7, b'-')?;
        let day = digits(&b[8..10])?;
        if b[10] != b'T' && b[10] != b't' {
            return Err(DateTimeError::Syntax);
        }
        let hour = digits(&b[11..13])?;
        sep(13, b':')?;
        let minute = digits(&b[14..16])?;
        sep(16, b':')?;
        let second = digits(&b[17..19])?;
        let mut rest = &b[19..];
        let mut nanos = 0u32;
        if let Some((&b'.', frac)) = rest.split_first() {
            let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return Err(DateTimeError::Syntax);
            }
            let mut scale = 100_000_000u32;
            for &c in &frac[..n] {
                nanos += u32::from(c - b'0') * scale;
                scale /= 10;
            }
            rest = &frac[n..];
        }
        let zone = match rest {
            [] => Zone::Floating,
            [b'Z'] | [b'z'] => Zone::Utc,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let h = digits(&[*h1, *h2])?;
                let m = digits(&[*m1, *m2])?;
                if h > 14 || m > 59 || (h == 14 && m != 0) {
                    return Err(DateTimeError::Range);
                }
                // h <= 14 and m <= 59, so the total fits easily.
                let total = (h * 60 + m) as i16;
                Zone::Offset(if *sign == b'-' { -total } else { total })
            }
            _ => return Err(DateTimeError::Syntax),
        };
        // Each field came from two or four digits, so the casts below cannot truncate.
        let dt = DateTime {
            year: year as u16,
            month: month as u8,
            day: day as u8,
            hour: hour as u8,
            minute: minute as u8,
            second: second as u8,
            nanos,
            zone,
        };
        if dt.year == 0
            || !(1..=12).contains(&dt.month)
            || dt.day == 0
            || dt.day > days_in_month(i64::from(dt.year), dt.month)
            || dt.hour > 23
            || dt.minute > 59
            || dt.second > 60
        {
            return Err(DateTimeError::Range);
        }
        Ok(dt)
    }

    /// Writes the canonical form (fraction only when non-zero, `Z` for UTC).
    pub fn write<S: Sink + ?Sized>(&self, sink: &mut S) -> Result<(), Full> {
        write!(sink, "{self}")
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )?;
        if self.nanos != 0 {
            let mut n = self.nanos;
            let mut width = 9;
            while n.is_multiple_of(10) {
                n /= 10;
                width -= 1;
            }
            write!(f, ".{n:0width$}")?;
        }
        match self.zone {
            Zone::Utc => f.write_str("Z"),
            Zone::Offset(m) => {
                let sign = if m < 0 { '-' } else { '+' };
                let m = m.unsigned_abs();
                write!(f, "{sign}{:02}:{:02}", m / 60, m % 60)
            }
            Zone::Floating => Ok(()),
        }
    }
}

fn digits(b: &[u8]) -> Result<u32, DateTimeError> {
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return Err(DateTimeError::Syntax);
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Ok(v)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u8) -> u8 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u8, d: u8) -> i64 {
    let m = i64::from(m);
    let d = i64::from(d);
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    // d is 1..=31 and m is 1..=12 by construction.
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn unix_epoch_and_known_dates() {
        assert_eq!(
            UnixTime(0).to_datetime().to_string(),
            "1970-01-01T00:00:00Z"
        );
        assert_eq!(
            UnixTime(1_704_067_200).to_datetime().to_string(),
            "2024-01-01T00:00:00Z"
        );
        assert_eq!(
            UnixTime(951_782_400).to_datetime().to_string(),
            "2000-02-29T00:00:00Z"
        );
    }

    #[test]
    fn parse_genieacs_millisecond_form() {
        let dt = DateTime::parse("2024-06-01T12:00:00.000Z").unwrap();
        assert_eq!(dt.to_unix(), Some(UnixTime(1_717_243_200)));
        assert_eq!(dt.to_string(), "2024-06-01T12:00:00Z");
    }

    #[test]
    fn parse_offsets_and_fraction() {
        let dt = DateTime::parse("2024-05-01T12:00:00.25+02:00").unwrap();
        assert_eq!(dt.zone, Zone::Offset(120));
        assert_eq!(dt.nanos, 250_000_000);
        assert_eq!(dt.to_unix(), Some(UnixTime(1_714_557_600)));
        assert_eq!(dt.to_string(), "2024-05-01T12:00:00.25+02:00");
    }

    #[test]
    fn unknown_time_round_trips() {
        let dt = DateTime::parse("0001-01-01T00:00:00Z").unwrap();
        assert!(dt.is_unknown());
        assert_eq!(dt, DateTime::UNKNOWN);
        assert_eq!(DateTime::UNKNOWN.to_string(), "0001-01-01T00:00:00Z");
        assert_eq!(DateTime::from_unix(UnixTime(i64::MIN)), DateTime::UNKNOWN);
        assert_eq!(DateTime::from_unix(UnixTime(i64::MAX)), DateTime::INFINITE);
    }

    #[test]
    fn floating_time_has_no_unix_value() {
        let dt = DateTime::parse("0001-01-03T03:04:05").unwrap();
        assert_eq!(dt.zone, Zone::Floating);
        assert_eq!(dt.to_unix(), None);
    }

    #[test]
    fn rejects_bad_dates() {
        assert_eq!(
            DateTime::parse("2024-04-31T00:00:00Z"),
            Err(DateTimeError::Range)
        );
        assert_eq!(
            DateTime::parse("2023-02-29T00:00:00Z"),
            Err(DateTimeError::Range)
        );
        assert_eq!(
            DateTime::parse("2024-01-01T24:00:00Z"),
            Err(DateTimeError::Range)
        );
        assert_eq!(
            DateTime::parse("2024-01-01 00:00:00Z"),
            Err(DateTimeError::Syntax)
        );
        assert_eq!(
            DateTime::parse("2024-01-01T00:00:00+15:00"),
            Err(DateTimeError::Range)
        );
        assert_eq!(
            DateTime::parse("2024-01-01T00:00:00."),
            Err(DateTimeError::Syntax)
        );
        assert_eq!(DateTime::parse("yesterday"), Err(DateTimeError::Syntax));
    }

    #[test]
    fn civil_round_trip_over_many_days() {
        let mut day = -800_000i64;
        while day < 800_000 {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
            day += 37;
        }
    }

    #[test]
    fn instant_arithmetic_saturates() {
        let t = Instant::from_millis(u64::MAX - 5);
        assert_eq!((t + Duration::from_secs(1)).as_millis(), u64::MAX);
        assert_eq!(Instant::ZERO.saturating_since(t), Duration::ZERO);
    }
}
