//! Field rules: what makes each scored field missing or invalid, and the
//! quality score that follows.
//!
//! Every rule returns either the usable value or the text of one
//! [`QualityIssue`]; the score is 100 minus 10 per issue.

use std::fmt;

use chrono::NaiveDate;

use crate::common::dates::parse_iso8601_date;
use crate::common::field::FieldValue;
use crate::common::interner::Span;
use crate::common::wire::{Wire, WireError, WireReader, Writer};
use crate::source::mapping::Field;

/// The score of a record with no issues.
pub(crate) const PERFECT_SCORE: u8 = 100;
/// Points deducted per issue.
pub(crate) const POINTS_PER_ISSUE: u8 = 10;

/// The fields that count towards `data_quality_score`, in report order:
/// every field of the contract but the id.
pub(crate) const SCORED_FIELDS: &[Field] = match Field::ALL.split_first() {
    Some((Field::Id, scored)) => scored,
    _ => panic!("the id comes first in the contract"),
};

/// A scored field as the page's charts name it: its label, but the
/// avatar's is shorter there (`Avatar`, not `Avatar URL`).
pub(crate) fn scored_label(field: Field) -> &'static str {
    match field {
        Field::Avatar => "Avatar",
        other => other.label(),
    }
}

/// One deduction from a record's score: the field and what is wrong with
/// it, stored compactly (texts quoted in the problem live in the
/// customers' text store; see [`crate::transform::customer::Customers`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct QualityIssue {
    /// The field that lost points (one of [`SCORED_FIELDS`]).
    pub(crate) field: Field,
    /// What is wrong with it.
    pub(crate) problem: Problem<Span>,
}

/// What is wrong with a field. `T` is how quoted text is held: `&str` when
/// just found, [`Span`] once stored. Shown as in the report, e.g. `missing`
/// or `invalid date '2024-13-45'`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Problem<T> {
    /// The key is absent.
    Missing,
    /// The value is `null`.
    Null,
    /// The text is empty or blank.
    Empty,
    /// Not a string; what was found instead ("a number").
    ExpectedString(&'static str),
    /// Not a date string; what was found instead.
    ExpectedDateString(&'static str),
    /// Not a number; what was found instead.
    ExpectedNumber(&'static str),
    /// An implausible email address (its excerpt).
    InvalidAddress(T),
    /// Not an absolute http(s) URL (its excerpt).
    NotHttpUrl(T),
    /// Not an ISO 8601 date or date-time (its excerpt).
    InvalidDate(T),
    /// A date after `as_of` (its excerpt).
    AfterAsOf(T),
    /// A number outside 0-100, as written.
    OutOfRange(Number<T>),
}

/// A number as a problem quotes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Number<T> {
    /// A non-negative integer.
    Unsigned(u64),
    /// A negative integer.
    Signed(i64),
    /// Any other number.
    Float(f64),
    /// A number beyond the double range, as written.
    Text(T),
}

impl<T> Problem<T> {
    /// The same problem with its quoted text held another way.
    pub(crate) fn map_text<U>(self, mut convert: impl FnMut(T) -> U) -> Problem<U> {
        match self {
            Problem::Missing => Problem::Missing,
            Problem::Null => Problem::Null,
            Problem::Empty => Problem::Empty,
            Problem::ExpectedString(kind) => Problem::ExpectedString(kind),
            Problem::ExpectedDateString(kind) => Problem::ExpectedDateString(kind),
            Problem::ExpectedNumber(kind) => Problem::ExpectedNumber(kind),
            Problem::InvalidAddress(text) => Problem::InvalidAddress(convert(text)),
            Problem::NotHttpUrl(text) => Problem::NotHttpUrl(convert(text)),
            Problem::InvalidDate(text) => Problem::InvalidDate(convert(text)),
            Problem::AfterAsOf(text) => Problem::AfterAsOf(convert(text)),
            Problem::OutOfRange(number) => Problem::OutOfRange(match number {
                Number::Unsigned(n) => Number::Unsigned(n),
                Number::Signed(n) => Number::Signed(n),
                Number::Float(n) => Number::Float(n),
                Number::Text(text) => Number::Text(convert(text)),
            }),
        }
    }
}

/// A problem with its text, ready to show: `as_of` is the run's reference
/// date, which "after as_of" problems name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ShownProblem<'t> {
    /// The problem.
    pub(crate) problem: Problem<&'t str>,
    /// The run's reference date.
    pub(crate) as_of: NaiveDate,
}

impl fmt::Display for ShownProblem<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problem {
            Problem::Missing => f.write_str("missing"),
            Problem::Null => f.write_str("null"),
            Problem::Empty => f.write_str("empty"),
            Problem::ExpectedString(kind) => write!(f, "expected a string, found {kind}"),
            Problem::ExpectedDateString(kind) => write!(f, "expected a date string, found {kind}"),
            Problem::ExpectedNumber(kind) => write!(f, "expected a number, found {kind}"),
            Problem::InvalidAddress(text) => write!(f, "invalid address '{text}'"),
            Problem::NotHttpUrl(text) => write!(f, "not an absolute http(s) URL '{text}'"),
            Problem::InvalidDate(text) => write!(f, "invalid date '{text}'"),
            Problem::AfterAsOf(text) => write!(f, "after as_of {} ('{text}')", self.as_of),
            Problem::OutOfRange(number) => {
                f.write_str("out of range 0-100 (")?;
                match number {
                    Number::Unsigned(n) => write!(f, "{n}")?,
                    Number::Signed(n) => write!(f, "{n}")?,
                    Number::Float(n) => write!(f, "{n}")?,
                    Number::Text(text) => f.write_str(text)?,
                }
                f.write_str(")")
            }
        }
    }
}

/// The score for a number of issues: 100 minus 10 each, never below 0.
pub(crate) fn score(issue_count: usize) -> u8 {
    let deducted = issue_count.saturating_mul(usize::from(POINTS_PER_ISSUE));
    PERFECT_SCORE.saturating_sub(u8::try_from(deducted).unwrap_or(u8::MAX))
}

/// The quality bucket of a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QualityBucket {
    /// 90 and above.
    High,
    /// 70 to 89.
    Medium,
    /// Below 70.
    Low,
}

impl QualityBucket {
    /// Every bucket, best first.
    pub(crate) const ALL: [QualityBucket; 3] = [
        QualityBucket::High,
        QualityBucket::Medium,
        QualityBucket::Low,
    ];

    /// The bucket a score falls in.
    pub(crate) fn of(score: u8) -> Self {
        QualityBucket::ALL
            .into_iter()
            .find(|bucket| score >= bucket.min_score())
            .unwrap_or(QualityBucket::Low)
    }

    /// The bucket's name: `high`, `medium` or `low`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            QualityBucket::High => "high",
            QualityBucket::Medium => "medium",
            QualityBucket::Low => "low",
        }
    }

    /// The lowest score in the bucket.
    pub(crate) fn min_score(self) -> u8 {
        match self {
            QualityBucket::High => 90,
            QualityBucket::Medium => 70,
            QualityBucket::Low => 0,
        }
    }

    /// The highest score in the bucket.
    pub(crate) fn max_score(self) -> u8 {
        match self {
            QualityBucket::High => PERFECT_SCORE,
            QualityBucket::Medium => QualityBucket::High.min_score() - 1,
            QualityBucket::Low => QualityBucket::Medium.min_score() - 1,
        }
    }
}

/// A required text field (`first_name`, `last_name`): the trimmed text.
///
/// # Errors
/// The problem when the key is absent, null, not a string, or blank.
pub(crate) fn check_name<'a>(
    value: Option<&'a FieldValue<'_>>,
) -> Result<&'a str, Problem<&'a str>> {
    required_nonblank(value)
}

/// `email`: the domain of a plausible address, as written (the caller
/// lower-cases it).
///
/// Plausible means, after trimming surrounding white space: exactly one
/// `@`, a non-empty local part, a domain of at least two non-empty
/// dot-separated labels, and no white space anywhere.
///
/// # Errors
/// The problem when the key is absent, null, not a string, blank, or implausible.
pub(crate) fn check_email<'a>(
    value: Option<&'a FieldValue<'_>>,
) -> Result<&'a str, Problem<&'a str>> {
    let text = required_nonblank(value)?;
    email_domain(text).ok_or(Problem::InvalidAddress(text))
}

/// `str::trim`, without decoding characters when both ends are ASCII and
/// not white space (almost every value).
fn trim(text: &str) -> &str {
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(&first), Some(&last))
            if first.is_ascii() && last.is_ascii() && !is_space(first) && !is_space(last) =>
        {
            text
        }
        _ => text.trim(),
    }
}

/// `char::is_whitespace` for an ASCII byte.
fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Whether the text has white space (`char::is_whitespace`) anywhere.
fn has_space(text: &str) -> bool {
    if text.is_ascii() {
        text.bytes().any(is_space)
    } else {
        text.chars().any(char::is_whitespace)
    }
}

fn email_domain(address: &str) -> Option<&str> {
    if address.is_ascii() {
        // The same rules, byte by byte.
        let bytes = address.as_bytes();
        if bytes.iter().copied().any(is_space) {
            return None;
        }
        let at = bytes.iter().position(|&b| b == b'@')?;
        let domain = &bytes[at + 1..];
        let plausible = at > 0
            && !domain.contains(&b'@')
            && domain.contains(&b'.')
            && domain.first() != Some(&b'.')
            && domain.last() != Some(&b'.')
            && !domain.windows(2).any(|pair| pair == b"..");
        return plausible.then(|| &address[at + 1..]);
    }
    email_domain_chars(address)
}

fn email_domain_chars(address: &str) -> Option<&str> {
    if address.chars().any(char::is_whitespace) {
        return None;
    }
    let (local, domain) = address.split_once('@')?;
    let plausible = !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && domain.split('.').all(|label| !label.is_empty());
    plausible.then_some(domain)
}

/// `avatar`: must be an absolute `http://` or `https://` URL with a host.
///
/// # Errors
/// The problem when the key is absent, null, not a string, blank, or not such a URL.
pub(crate) fn check_avatar<'a>(value: Option<&'a FieldValue<'_>>) -> Result<(), Problem<&'a str>> {
    let text = required_nonblank(value)?;
    if is_absolute_http_url(text) {
        Ok(())
    } else {
        Err(Problem::NotHttpUrl(text))
    }
}

fn is_absolute_http_url(text: &str) -> bool {
    if has_space(text) {
        return false;
    }
    let has_scheme = |scheme: &str| {
        text.get(..scheme.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(scheme))
    };
    let rest = if has_scheme("https://") {
        &text[8..]
    } else if has_scheme("http://") {
        &text[7..]
    } else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = host.split(':').next().unwrap_or("");
    !host.is_empty()
}

/// `last_login` when present: its UTC date, which must not be after `as_of`.
///
/// # Errors
/// The problem when the value is null, not a string, not an ISO 8601
/// date or date-time, or after `as_of`.
pub(crate) fn check_last_login<'a>(
    value: &'a FieldValue<'_>,
    as_of: NaiveDate,
) -> Result<NaiveDate, Problem<&'a str>> {
    let text: &str = match value {
        FieldValue::Text(text) => text,
        FieldValue::Null => return Err(Problem::Null),
        other => return Err(Problem::ExpectedDateString(other.kind())),
    };
    let date = parse_iso8601_date(text).ok_or(Problem::InvalidDate(text))?;
    if date > as_of {
        return Err(Problem::AfterAsOf(text));
    }
    Ok(date)
}

/// `engagement_score` when present: a number from 0 to 100 inclusive.
///
/// # Errors
/// The problem when the value is null, not a number, or out of range.
pub(crate) fn check_engagement_score<'a>(
    value: &'a FieldValue<'_>,
) -> Result<f64, Problem<&'a str>> {
    let number = match value {
        FieldValue::Null => return Err(Problem::Null),
        other => other
            .as_f64()
            .ok_or(Problem::ExpectedNumber(other.kind()))?,
    };
    if (0.0..=100.0).contains(&number) {
        return Ok(number);
    }
    Err(Problem::OutOfRange(match value {
        FieldValue::Unsigned(n) => Number::Unsigned(*n),
        FieldValue::Signed(n) => Number::Signed(*n),
        FieldValue::OutOfRange(text) => Number::Text(text),
        _ => Number::Float(number),
    }))
}

/// The trimmed text of a required field; the problem when the key is
/// absent, null, not a string, or blank.
fn required_nonblank<'a>(value: Option<&'a FieldValue<'_>>) -> Result<&'a str, Problem<&'a str>> {
    let text = trim(required_text(value)?);
    if text.is_empty() {
        return Err(Problem::Empty);
    }
    Ok(text)
}

fn required_text<'a>(value: Option<&'a FieldValue<'_>>) -> Result<&'a str, Problem<&'a str>> {
    match value {
        None => Err(Problem::Missing),
        Some(FieldValue::Null) => Err(Problem::Null),
        Some(FieldValue::Text(text)) => Ok(text),
        Some(other) => Err(Problem::ExpectedString(other.kind())),
    }
}

/// The kinds a problem names ("expected a string, found a number"), by
/// their place, for the byte encoding.
const FOUND_KINDS: [&str; 6] = [
    "null",
    "a boolean",
    "a number",
    "a string",
    "an array",
    "an object",
];

fn put_kind(kind: &str, out: &mut Writer) {
    // Every kind a reader names is in the list; another would be a bug,
    // and reads back as "a number" rather than failing the run.
    let at = FOUND_KINDS.iter().position(|k| *k == kind).unwrap_or(2);
    out.u8(at as u8);
}

fn take_kind(from: &mut WireReader<'_>) -> Result<&'static str, WireError> {
    FOUND_KINDS
        .get(usize::from(from.u8()?))
        .copied()
        .ok_or(WireError)
}

fn put_span(span: Span, out: &mut Writer) {
    out.uint(u64::from(span.start));
    out.uint(u64::from(span.len));
}

fn take_span(from: &mut WireReader<'_>) -> Result<Span, WireError> {
    Ok(Span {
        start: from.u32()?,
        len: from.u32()?,
    })
}

impl Wire for QualityIssue {
    fn put(&self, out: &mut Writer) {
        // Its place in the contract (`Field::ALL`), as `take` reads it.
        let place = Field::ALL.iter().position(|field| *field == self.field);
        out.u8(place.unwrap_or(0) as u8);
        // The problem's tag, as `take` reads it, then what it carries.
        let tag = match self.problem {
            Problem::Missing => 0,
            Problem::Null => 1,
            Problem::Empty => 2,
            Problem::ExpectedString(_) => 3,
            Problem::ExpectedDateString(_) => 4,
            Problem::ExpectedNumber(_) => 5,
            Problem::InvalidAddress(_) => 6,
            Problem::NotHttpUrl(_) => 7,
            Problem::InvalidDate(_) => 8,
            Problem::AfterAsOf(_) => 9,
            Problem::OutOfRange(Number::Unsigned(_)) => 10,
            Problem::OutOfRange(Number::Signed(_)) => 11,
            Problem::OutOfRange(Number::Float(_)) => 12,
            Problem::OutOfRange(Number::Text(_)) => 13,
        };
        out.u8(tag);
        match self.problem {
            Problem::Missing | Problem::Null | Problem::Empty => {}
            Problem::ExpectedString(kind)
            | Problem::ExpectedDateString(kind)
            | Problem::ExpectedNumber(kind) => put_kind(kind, out),
            Problem::InvalidAddress(span)
            | Problem::NotHttpUrl(span)
            | Problem::InvalidDate(span)
            | Problem::AfterAsOf(span)
            | Problem::OutOfRange(Number::Text(span)) => put_span(span, out),
            Problem::OutOfRange(Number::Unsigned(n)) => out.uint(n),
            Problem::OutOfRange(Number::Signed(n)) => out.int(n),
            Problem::OutOfRange(Number::Float(n)) => out.f64(n),
        }
    }

    fn take(from: &mut WireReader<'_>) -> Result<Self, WireError> {
        let field = *Field::ALL.get(usize::from(from.u8()?)).ok_or(WireError)?;
        let problem = match from.u8()? {
            0 => Problem::Missing,
            1 => Problem::Null,
            2 => Problem::Empty,
            3 => Problem::ExpectedString(take_kind(from)?),
            4 => Problem::ExpectedDateString(take_kind(from)?),
            5 => Problem::ExpectedNumber(take_kind(from)?),
            6 => Problem::InvalidAddress(take_span(from)?),
            7 => Problem::NotHttpUrl(take_span(from)?),
            8 => Problem::InvalidDate(take_span(from)?),
            9 => Problem::AfterAsOf(take_span(from)?),
            10 => Problem::OutOfRange(Number::Unsigned(from.uint()?)),
            11 => Problem::OutOfRange(Number::Signed(from.int()?)),
            12 => Problem::OutOfRange(Number::Float(from.f64()?)),
            13 => Problem::OutOfRange(Number::Text(take_span(from)?)),
            _ => return Err(WireError),
        };
        Ok(QualityIssue { field, problem })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::field::excerpt;

    fn text(s: &str) -> FieldValue<'_> {
        FieldValue::Text(s.into())
    }

    /// A check's result with the problem as the report shows it.
    fn shown<T>(result: Result<T, Problem<&str>>) -> Result<T, String> {
        let as_of = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        result.map_err(|problem| {
            let mut quoted = String::new();
            let problem = problem.map_text(|t| quoted = excerpt(t).into_owned());
            let problem = problem.map_text(|()| quoted.as_str());
            ShownProblem { problem, as_of }.to_string()
        })
    }

    #[test]
    fn every_problem_crosses_as_bytes_and_back() {
        let span = Span { start: 3, len: 7 };
        let problems = [
            Problem::Missing,
            Problem::Null,
            Problem::Empty,
            Problem::ExpectedString("a number"),
            Problem::ExpectedDateString("an object"),
            Problem::ExpectedNumber("null"),
            Problem::InvalidAddress(span),
            Problem::NotHttpUrl(span),
            Problem::InvalidDate(span),
            Problem::AfterAsOf(span),
            Problem::OutOfRange(Number::Unsigned(101)),
            Problem::OutOfRange(Number::Signed(-1)),
            Problem::OutOfRange(Number::Float(100.5)),
            Problem::OutOfRange(Number::Text(span)),
        ];
        for (tag, problem) in problems.into_iter().enumerate() {
            let issue = QualityIssue {
                field: Field::Email,
                problem,
            };
            let mut out = Writer::default();
            issue.put(&mut out);
            assert_eq!(out.into_bytes()[1], tag as u8, "{problem:?}");
            assert_eq!(crate::common::wire::round_trip(&issue), Ok(issue));
        }
    }

    #[test]
    fn scores_deduct_ten_per_issue() {
        assert_eq!(score(0), 100);
        assert_eq!(score(1), 90);
        assert_eq!(score(6), 40);
        assert_eq!(score(10), 0);
        assert_eq!(score(11), 0);
        assert_eq!(score(usize::MAX), 0);
    }

    #[test]
    fn buckets_have_exact_edges() {
        use QualityBucket::*;
        let buckets = [100, 90, 89, 70, 69, 0].map(QualityBucket::of);
        assert_eq!(buckets, [High, High, Medium, Medium, Low, Low]);
    }

    #[test]
    fn names_are_trimmed_and_required() {
        assert_eq!(shown(check_name(Some(&text("  George ")))), Ok("George"));
        assert_eq!(shown(check_name(None)), Err("missing".into()));
        assert_eq!(
            shown(check_name(Some(&FieldValue::Null))),
            Err("null".into())
        );
        assert_eq!(shown(check_name(Some(&text("   ")))), Err("empty".into()));
        assert_eq!(
            shown(check_name(Some(&FieldValue::Unsigned(5)))),
            Err("expected a string, found a number".into())
        );
    }

    #[test]
    fn email_plausibility_table() {
        let cases: [(&str, Result<&str, &str>); 14] = [
            ("george.bluth@reqres.in", Ok("reqres.in")),
            ("Eve.Holt@ReqRes.IN", Ok("reqres.in")),
            ("  a@b.co  ", Ok("b.co")),
            ("a@mail.example.co.uk", Ok("mail.example.co.uk")),
            ("not-an-email", Err("invalid address 'not-an-email'")),
            ("@reqres.in", Err("invalid address '@reqres.in'")),
            ("a@@reqres.in", Err("invalid address 'a@@reqres.in'")),
            ("a@b@reqres.in", Err("invalid address 'a@b@reqres.in'")),
            ("a@localhost", Err("invalid address 'a@localhost'")),
            ("a@.com", Err("invalid address 'a@.com'")),
            ("a@b.", Err("invalid address 'a@b.'")),
            ("a@b..c", Err("invalid address 'a@b..c'")),
            ("a b@c.de", Err("invalid address 'a b@c.de'")),
            ("", Err("empty")),
        ];
        for (input, expected) in cases {
            let expected = expected.map_err(str::to_owned);
            assert_eq!(
                shown(check_email(Some(&text(input)))).map(str::to_lowercase),
                expected.map(str::to_owned),
                "{input:?}"
            );
        }
        assert_eq!(shown(check_email(None)), Err("missing".into()));
        assert_eq!(
            shown(check_email(Some(&FieldValue::Array))),
            Err("expected a string, found an array".into())
        );
    }

    #[test]
    fn the_byte_level_rules_agree_with_the_character_rules() {
        let pieces = [
            "a", "@", ".", " ", "\u{a0}", "\u{2003}", "é", "\t", "x.y", "\u{b}", "Ü",
        ];
        let mut rng = crate::common::hash::SplitMix64::new(3);
        for _ in 0..20_000 {
            let text: String = (0..rng.below(9))
                .map(|_| pieces[rng.below(pieces.len() as u64) as usize])
                .collect();
            assert_eq!(trim(&text), text.trim(), "{text:?}");
            assert_eq!(
                has_space(&text),
                text.chars().any(char::is_whitespace),
                "{text:?}"
            );
            assert_eq!(email_domain(&text), email_domain_chars(&text), "{text:?}");
        }
    }

    #[test]
    fn avatar_must_be_absolute_http_url() {
        for ok in [
            "https://reqres.in/img/faces/1-image.jpg",
            "http://example.com",
            "HTTPS://EXAMPLE.COM/a?b#c",
            "https://user@host:8080/x",
        ] {
            assert_eq!(shown(check_avatar(Some(&text(ok)))), Ok(()), "{ok}");
        }
        for bad in [
            "not a url",
            "/img/faces/1-image.jpg",
            "ftp://example.com/a.jpg",
            "https://",
            "https:///path",
            "https://exa mple.com",
            "javascript:alert(1)",
        ] {
            assert_eq!(
                shown(check_avatar(Some(&text(bad)))),
                Err(format!("not an absolute http(s) URL '{bad}'")),
                "{bad}"
            );
        }
        assert_eq!(shown(check_avatar(None)), Err("missing".into()));
    }

    #[test]
    fn last_login_rules() {
        let as_of = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        assert_eq!(
            shown(check_last_login(&text("2026-11-20T10:00:00Z"), as_of)),
            Ok(NaiveDate::from_ymd_opt(2026, 11, 20).unwrap())
        );
        assert_eq!(
            shown(check_last_login(&text("2026-11-24"), as_of)),
            Ok(as_of)
        );
        assert_eq!(
            shown(check_last_login(&FieldValue::Null, as_of)),
            Err("null".into())
        );
        assert_eq!(
            shown(check_last_login(&text("2024-13-45"), as_of)),
            Err("invalid date '2024-13-45'".into())
        );
        assert_eq!(
            shown(check_last_login(&text("2026-11-25"), as_of)),
            Err("after as_of 2026-11-24 ('2026-11-25')".into())
        );
        assert_eq!(
            shown(check_last_login(
                &FieldValue::Unsigned(1_700_000_000),
                as_of
            )),
            Err("expected a date string, found a number".into())
        );
    }

    #[test]
    fn engagement_score_rules() {
        assert_eq!(
            shown(check_engagement_score(&FieldValue::Unsigned(0))),
            Ok(0.0)
        );
        assert_eq!(
            shown(check_engagement_score(&FieldValue::Float(100.0))),
            Ok(100.0)
        );
        assert_eq!(
            shown(check_engagement_score(&FieldValue::Float(55.5))),
            Ok(55.5)
        );
        assert_eq!(
            shown(check_engagement_score(&FieldValue::Null)),
            Err("null".into())
        );
        assert_eq!(
            shown(check_engagement_score(&FieldValue::Unsigned(150))),
            Err("out of range 0-100 (150)".into())
        );
        assert_eq!(
            shown(check_engagement_score(&FieldValue::Float(-0.5))),
            Err("out of range 0-100 (-0.5)".into())
        );
        assert_eq!(
            shown(check_engagement_score(&text("75"))),
            Err("expected a number, found a string".into())
        );
    }
}
