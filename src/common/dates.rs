//! Dates: reading `last_login` values and the run's reference date, and
//! writing the export timestamp.

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Timelike, Utc};

/// Reads an ISO 8601 calendar date (`2024-03-01`) or date-time
/// (`2024-03-01T10:00:00Z`, with an offset `±HH:MM`, fractional seconds,
/// seconds left out, or no offset, which is taken as UTC) and returns its
/// UTC calendar date.
///
/// Surrounding white space is ignored. Returns `None` for anything else,
/// including impossible dates such as `2024-02-30` and times such as `25:00`.
/// Hand-written rather than format-string driven: it runs once per record.
pub(crate) fn parse_iso8601_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.trim().as_bytes();
    let date = parse_calendar_date(std::str::from_utf8(bytes.get(..10)?).ok()?)?;
    let Some((&separator, time)) = bytes[10..].split_first() else {
        return Some(date);
    };
    if !matches!(separator, b'T' | b't' | b' ') {
        return None;
    }
    let minutes = local_minutes(time)?;
    let offset = offset_minutes(&time[time_length(time)?..])?;
    let utc_minutes = minutes - offset;
    match utc_minutes {
        ..0 => date.pred_opt(),
        MINUTES_PER_DAY.. => date.succ_opt(),
        _ => Some(date),
    }
}

const MINUTES_PER_DAY: i32 = 24 * 60;

/// Two ASCII digits at `at` as a number.
fn two_digits(bytes: &[u8], at: usize) -> Option<i32> {
    match bytes.get(at..at + 2)? {
        [a @ b'0'..=b'9', b @ b'0'..=b'9'] => Some(i32::from(a - b'0') * 10 + i32::from(b - b'0')),
        _ => None,
    }
}

/// Minutes since midnight of `HH:MM[:SS[.fraction]]`.
fn local_minutes(time: &[u8]) -> Option<i32> {
    let hours = two_digits(time, 0)?;
    let minutes = two_digits(time, 3)?;
    (time.get(2) == Some(&b':') && hours <= 23 && minutes <= 59).then_some(hours * 60 + minutes)
}

/// The length of the time part, validating seconds and fraction.
fn time_length(time: &[u8]) -> Option<usize> {
    let mut at = 5;
    if time.get(at) == Some(&b':') {
        let seconds = two_digits(time, at + 1)?;
        if seconds > 60 {
            return None;
        }
        at += 3;
        if matches!(time.get(at), Some(b'.' | b',')) {
            let digits = time[at + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if digits == 0 {
                return None;
            }
            at += 1 + digits;
        }
    }
    Some(at)
}

/// The offset east of UTC in minutes: none or `Z` is 0, else `±HH:MM`.
fn offset_minutes(zone: &[u8]) -> Option<i32> {
    match zone {
        [] | [b'Z' | b'z'] => Some(0),
        [sign @ (b'+' | b'-'), b'0'..=b'9', b'0'..=b'9', b':', b'0'..=b'9', b'0'..=b'9'] => {
            let hours = two_digits(zone, 1)?;
            let minutes = two_digits(zone, 4)?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let total = hours * 60 + minutes;
            Some(if *sign == b'-' { -total } else { total })
        }
        _ => None,
    }
}

/// Reads a strict `YYYY-MM-DD` date, as used for `as_of`.
pub(crate) fn parse_calendar_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = two_digits(bytes, 0)? * 100 + two_digits(bytes, 2)?;
    let month = two_digits(bytes, 5)?;
    let day = two_digits(bytes, 8)?;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// Formats a moment as the report's `export_timestamp`: `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn format_timestamp(moment: DateTime<Utc>) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        moment.year(),
        moment.month(),
        moment.day(),
        moment.hour(),
        moment.minute(),
        moment.second()
    )
}

/// Formats a moment to the minute for a sentence: `YYYY-MM-DD HH:MM UTC`.
/// Written by hand, as [`format_timestamp`] is: chrono's `format` brings its
/// whole strftime machinery into the `.wasm` for this one line.
pub(crate) fn format_minute(moment: DateTime<Utc>) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        moment.year(),
        moment.month(),
        moment.day(),
        moment.hour(),
        moment.minute()
    )
}

/// Formats a moment for the run log: `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub(crate) fn format_log_time(moment: DateTime<Utc>) -> String {
    let seconds = format_timestamp(moment);
    let millis = moment.timestamp_subsec_millis().min(999);
    format!("{}.{millis:03}Z", &seconds[..seconds.len() - 1])
}

/// Reads an RFC 3339 timestamp (`2026-11-24T08:40:05.123Z`, as made by
/// JavaScript's `Date.toISOString()`, or with an offset `±HH:MM`),
/// dropping fractions of a second.
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let bytes = text.trim().as_bytes();
    let date = parse_calendar_date(std::str::from_utf8(bytes.get(..10)?).ok()?)?;
    if !matches!(bytes.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let time = &bytes[11..];
    let length = time_length(time)?;
    if length < 8 {
        return None;
    }
    let zone = &time[length..];
    if zone.is_empty() {
        return None;
    }
    let offset = offset_minutes(zone)?;
    let seconds = two_digits(time, 6)?.min(59);
    let local = date.and_hms_opt(
        u32::try_from(two_digits(time, 0)?).ok()?,
        u32::try_from(two_digits(time, 3)?).ok()?,
        u32::try_from(seconds).ok()?,
    )?;
    Some(local.and_utc() - TimeDelta::minutes(i64::from(offset)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moment_to_the_minute() {
        for (given, minute) in [
            ("2026-03-07T09:05:59.999Z", "2026-03-07 09:05 UTC"),
            ("0999-12-31T23:59:00+00:00", "0999-12-31 23:59 UTC"),
        ] {
            assert_eq!(
                format_minute(parse_timestamp(given).unwrap()),
                minute,
                "{given}"
            );
        }
    }

    fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn iso8601_dates_and_date_times() {
        let cases = [
            ("2024-03-01", date(2024, 3, 1)),
            (" 2024-03-01 ", date(2024, 3, 1)),
            ("2024-03-01T10:00:00Z", date(2024, 3, 1)),
            ("2024-03-01T10:00:00.123Z", date(2024, 3, 1)),
            ("2024-03-01T23:30:00-02:00", date(2024, 3, 2)),
            ("2024-03-01T00:30:00+02:00", date(2024, 2, 29)),
            ("2024-03-01T10:00:00", date(2024, 3, 1)),
            ("2024-03-01T10:00", date(2024, 3, 1)),
            ("2024-13-45", None),
            ("2023-02-29", None),
            ("2024-3-1", None),
            ("01/03/2024", None),
            ("yesterday", None),
            ("", None),
            ("2024-03-01T25:00:00Z", None),
            ("+2024-03-01T10:00:00", None),
            ("2024-12-31T23:30:00-01:00", date(2025, 1, 1)),
            ("2024-03-01T10:00:00+0200", None),
            ("2024-03-01T10:00:60Z", date(2024, 3, 1)),
            ("2024-03-01T10:00:61Z", None),
            ("2024-03-01T10:00:00.Z", None),
            ("2024-03-01X10:00:00Z", None),
            ("2024-03-01T10:00:00Zjunk", None),
            ("2024-03-01 10:00:00+24:00", None),
            ("2024-03-01T1:00:00Z", None),
            // Spreadsheet exports: a space for the `T`, no offset (UTC).
            ("2024-03-01 10:00", date(2024, 3, 1)),
            ("2024-03-01 23:59:59", date(2024, 3, 1)),
            ("2024-03-01  10:00", None),
            ("2024-03-01 10", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_iso8601_date(text), expected, "{text:?}");
        }
    }

    #[test]
    fn calendar_dates_are_strict() {
        assert_eq!(parse_calendar_date("2026-11-24"), date(2026, 11, 24));
        assert_eq!(parse_calendar_date("2026-11-24T00:00:00Z"), None);
        assert_eq!(parse_calendar_date("2026-1-24"), None);
        assert_eq!(parse_calendar_date("2026-02-30"), None);
    }

    #[test]
    fn timestamps_round_to_whole_seconds_in_utc() {
        for (given, second) in [
            ("2026-11-24T08:40:05.987Z", "2026-11-24T08:40:05Z"),
            ("2026-11-24T10:40:05+02:00", "2026-11-24T08:40:05Z"),
            ("2026-12-31T23:30:00-01:00", "2027-01-01T00:30:00Z"),
        ] {
            assert_eq!(
                format_timestamp(parse_timestamp(given).unwrap()),
                second,
                "{given}"
            );
        }
        assert_eq!(parse_timestamp("2026-11-24"), None);
        assert_eq!(
            parse_timestamp("2026-11-24T10:40:05"),
            None,
            "a zone is required"
        );
        assert_eq!(
            parse_timestamp("2026-11-24T10:40Z"),
            None,
            "seconds are required"
        );
        let moment =
            parse_timestamp("2026-11-24T08:40:05.987Z").unwrap() + TimeDelta::milliseconds(42);
        assert_eq!(format_log_time(moment), "2026-11-24T08:40:05.042Z");
    }
}
