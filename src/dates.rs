//! Dates: reading `last_login` values and the run's reference date, and
//! writing the export timestamp.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// The format of `export_timestamp`: UTC, whole seconds.
const TIMESTAMP_FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

/// Reads an ISO 8601 calendar date (`2024-03-01`) or date-time
/// (`2024-03-01T10:00:00Z`, with an offset, fractional seconds, or no
/// offset, which is taken as UTC) and returns its UTC calendar date.
///
/// Surrounding white space is ignored. Returns `None` for anything else,
/// including impossible dates such as `2024-02-30`.
pub fn parse_iso8601_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    if text.len() == 10 {
        return parse_calendar_date(text);
    }
    if let Ok(moment) = DateTime::parse_from_rfc3339(text) {
        return Some(moment.with_timezone(&Utc).date_naive());
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .filter(|_| has_four_digit_year(text))
        .map(|moment| moment.date())
}

/// Reads a strict `YYYY-MM-DD` date, as used for `as_of`.
pub fn parse_calendar_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shaped {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

fn has_four_digit_year(text: &str) -> bool {
    text.as_bytes().get(4) == Some(&b'-') && text.as_bytes()[..4].iter().all(u8::is_ascii_digit)
}

/// Formats a moment as the report's `export_timestamp`: `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_timestamp(moment: DateTime<Utc>) -> String {
    moment.format(TIMESTAMP_FORMAT).to_string()
}

/// Reads a timestamp as produced by JavaScript's `Date.toISOString()` or
/// any RFC 3339 date-time, dropping fractions of a second.
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let moment = DateTime::parse_from_rfc3339(text.trim()).ok()?;
    let utc = moment.with_timezone(&Utc);
    DateTime::from_timestamp(utc.timestamp(), 0)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let moment = parse_timestamp("2026-11-24T08:40:05.987Z").unwrap();
        assert_eq!(format_timestamp(moment), "2026-11-24T08:40:05Z");
        let moment = parse_timestamp("2026-11-24T10:40:05+02:00").unwrap();
        assert_eq!(format_timestamp(moment), "2026-11-24T08:40:05Z");
        assert_eq!(parse_timestamp("2026-11-24"), None);
    }
}
