//! Field rules: what makes each scored field missing or invalid, and the
//! quality score that follows.
//!
//! Every rule returns either the usable value or the text of one
//! [`QualityIssue`]; the score is 100 minus 10 per issue.

use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

use crate::dates::parse_iso8601_date;
use crate::field::{excerpt, FieldValue};

/// The score of a record with no issues.
pub const PERFECT_SCORE: u8 = 100;
/// Points deducted per issue.
pub const POINTS_PER_ISSUE: u8 = 10;

/// The fields that count towards `data_quality_score`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScoredField {
    /// `first_name`: required.
    FirstName,
    /// `last_name`: required.
    LastName,
    /// `email`: required, must be a plausible address.
    Email,
    /// `avatar`: required, must be an absolute http(s) URL.
    Avatar,
    /// `last_login`: optional; if present must be a date not after `as_of`.
    LastLogin,
    /// `engagement_score`: optional; if present must be a number 0-100.
    EngagementScore,
}

impl ScoredField {
    /// Every scored field, in report order.
    pub const ALL: [ScoredField; 6] = [
        ScoredField::FirstName,
        ScoredField::LastName,
        ScoredField::Email,
        ScoredField::Avatar,
        ScoredField::LastLogin,
        ScoredField::EngagementScore,
    ];

    /// The field as people read it, e.g. on the page's charts.
    pub fn label(self) -> &'static str {
        match self {
            ScoredField::FirstName => "First name",
            ScoredField::LastName => "Last name",
            ScoredField::Email => "Email",
            ScoredField::Avatar => "Avatar",
            ScoredField::LastLogin => "Last login",
            ScoredField::EngagementScore => "Engagement score",
        }
    }

    /// The input key of the field.
    pub fn name(self) -> &'static str {
        match self {
            ScoredField::FirstName => "first_name",
            ScoredField::LastName => "last_name",
            ScoredField::Email => "email",
            ScoredField::Avatar => "avatar",
            ScoredField::LastLogin => "last_login",
            ScoredField::EngagementScore => "engagement_score",
        }
    }
}

/// One deduction from a record's score: the field and what is wrong with it.
/// Shown and exported as `"field: problem"`, e.g. `"email: missing"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QualityIssue {
    /// The field that lost points.
    pub field: ScoredField,
    /// What is wrong, e.g. `missing` or `invalid date '2024-13-45'`.
    pub problem: String,
}

impl fmt::Display for QualityIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field.name(), self.problem)
    }
}

impl Serialize for QualityIssue {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The score for a number of issues: 100 minus 10 each, never below 0.
pub fn score(issue_count: usize) -> u8 {
    let deducted = issue_count.saturating_mul(usize::from(POINTS_PER_ISSUE));
    PERFECT_SCORE.saturating_sub(u8::try_from(deducted).unwrap_or(u8::MAX))
}

/// The quality bucket of a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QualityBucket {
    /// 90 and above.
    High,
    /// 70 to 89.
    Medium,
    /// Below 70.
    Low,
}

impl QualityBucket {
    /// Every bucket, best first.
    pub const ALL: [QualityBucket; 3] = [
        QualityBucket::High,
        QualityBucket::Medium,
        QualityBucket::Low,
    ];

    /// The bucket a score falls in.
    pub fn of(score: u8) -> Self {
        QualityBucket::ALL
            .into_iter()
            .find(|bucket| score >= bucket.min_score())
            .unwrap_or(QualityBucket::Low)
    }

    /// The bucket's name: `high`, `medium` or `low`.
    pub fn name(self) -> &'static str {
        match self {
            QualityBucket::High => "high",
            QualityBucket::Medium => "medium",
            QualityBucket::Low => "low",
        }
    }

    /// The lowest score in the bucket.
    pub fn min_score(self) -> u8 {
        match self {
            QualityBucket::High => 90,
            QualityBucket::Medium => 70,
            QualityBucket::Low => 0,
        }
    }

    /// The highest score in the bucket.
    pub fn max_score(self) -> u8 {
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
/// The problem text when the key is absent, null, not a string, or blank.
pub fn check_name<'a>(value: Option<&'a FieldValue<'_>>) -> Result<&'a str, String> {
    let text = required_text(value)?;
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("empty".into());
    }
    Ok(trimmed)
}

/// `email`: the lower-cased domain of a plausible address.
///
/// Plausible means, after trimming surrounding white space: exactly one
/// `@`, a non-empty local part, a domain of at least two non-empty
/// dot-separated labels, and no white space anywhere.
///
/// # Errors
/// The problem text when the key is absent, null, not a string, blank, or implausible.
pub fn check_email(value: Option<&FieldValue<'_>>) -> Result<String, String> {
    let text = required_text(value)?.trim();
    if text.is_empty() {
        return Err("empty".into());
    }
    email_domain(text)
        .map(|domain| domain.to_lowercase())
        .ok_or_else(|| format!("invalid address '{}'", excerpt(text)))
}

fn email_domain(address: &str) -> Option<&str> {
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
/// The problem text when the key is absent, null, not a string, blank, or not such a URL.
pub fn check_avatar(value: Option<&FieldValue<'_>>) -> Result<(), String> {
    let text = required_text(value)?.trim();
    if text.is_empty() {
        return Err("empty".into());
    }
    if is_absolute_http_url(text) {
        Ok(())
    } else {
        Err(format!("not an absolute http(s) URL '{}'", excerpt(text)))
    }
}

fn is_absolute_http_url(text: &str) -> bool {
    if text.chars().any(char::is_whitespace) {
        return false;
    }
    let lower_scheme = text
        .get(..8)
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let rest = if lower_scheme.starts_with("https://") {
        &text[8..]
    } else if lower_scheme.starts_with("http://") {
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
/// The problem text when the value is null, not a string, not an ISO 8601
/// date or date-time, or after `as_of`.
pub fn check_last_login(value: &FieldValue<'_>, as_of: NaiveDate) -> Result<NaiveDate, String> {
    let text = match value {
        FieldValue::Text(text) => text,
        FieldValue::Null => return Err("null".into()),
        other => return Err(format!("expected a date string, found {}", other.kind())),
    };
    let date =
        parse_iso8601_date(text).ok_or_else(|| format!("invalid date '{}'", excerpt(text)))?;
    if date > as_of {
        return Err(format!("after as_of {as_of} ('{}')", excerpt(text)));
    }
    Ok(date)
}

/// `engagement_score` when present: a number from 0 to 100 inclusive.
///
/// # Errors
/// The problem text when the value is null, not a number, or out of range.
pub fn check_engagement_score(value: &FieldValue<'_>) -> Result<f64, String> {
    let number = match value {
        FieldValue::Null => return Err("null".into()),
        other => other
            .as_f64()
            .ok_or_else(|| format!("expected a number, found {}", other.kind()))?,
    };
    if (0.0..=100.0).contains(&number) {
        Ok(number)
    } else {
        Err(format!("out of range 0-100 ({value})"))
    }
}

fn required_text<'a>(value: Option<&'a FieldValue<'_>>) -> Result<&'a str, String> {
    match value {
        None => Err("missing".into()),
        Some(FieldValue::Null) => Err("null".into()),
        Some(FieldValue::Text(text)) => Ok(text),
        Some(other) => Err(format!("expected a string, found {}", other.kind())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> FieldValue<'_> {
        FieldValue::Text(s.into())
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
        assert_eq!(QualityBucket::of(100), QualityBucket::High);
        assert_eq!(QualityBucket::of(90), QualityBucket::High);
        assert_eq!(QualityBucket::of(89), QualityBucket::Medium);
        assert_eq!(QualityBucket::of(70), QualityBucket::Medium);
        assert_eq!(QualityBucket::of(69), QualityBucket::Low);
        assert_eq!(QualityBucket::of(0), QualityBucket::Low);
    }

    #[test]
    fn names_are_trimmed_and_required() {
        assert_eq!(check_name(Some(&text("  George "))), Ok("George"));
        assert_eq!(check_name(None), Err("missing".into()));
        assert_eq!(check_name(Some(&FieldValue::Null)), Err("null".into()));
        assert_eq!(check_name(Some(&text("   "))), Err("empty".into()));
        assert_eq!(
            check_name(Some(&FieldValue::Unsigned(5))),
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
            let expected = expected.map(str::to_owned).map_err(str::to_owned);
            assert_eq!(check_email(Some(&text(input))), expected, "{input:?}");
        }
        assert_eq!(check_email(None), Err("missing".into()));
        assert_eq!(
            check_email(Some(&FieldValue::Array)),
            Err("expected a string, found an array".into())
        );
    }

    #[test]
    fn avatar_must_be_absolute_http_url() {
        for ok in [
            "https://reqres.in/img/faces/1-image.jpg",
            "http://example.com",
            "HTTPS://EXAMPLE.COM/a?b#c",
            "https://user@host:8080/x",
        ] {
            assert_eq!(check_avatar(Some(&text(ok))), Ok(()), "{ok}");
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
                check_avatar(Some(&text(bad))),
                Err(format!("not an absolute http(s) URL '{bad}'")),
                "{bad}"
            );
        }
        assert_eq!(check_avatar(None), Err("missing".into()));
    }

    #[test]
    fn last_login_rules() {
        let as_of = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        assert_eq!(
            check_last_login(&text("2026-11-20T10:00:00Z"), as_of),
            Ok(NaiveDate::from_ymd_opt(2026, 11, 20).unwrap())
        );
        assert_eq!(check_last_login(&text("2026-11-24"), as_of), Ok(as_of));
        assert_eq!(
            check_last_login(&FieldValue::Null, as_of),
            Err("null".into())
        );
        assert_eq!(
            check_last_login(&text("2024-13-45"), as_of),
            Err("invalid date '2024-13-45'".into())
        );
        assert_eq!(
            check_last_login(&text("2026-11-25"), as_of),
            Err("after as_of 2026-11-24 ('2026-11-25')".into())
        );
        assert_eq!(
            check_last_login(&FieldValue::Unsigned(1_700_000_000), as_of),
            Err("expected a date string, found a number".into())
        );
    }

    #[test]
    fn engagement_score_rules() {
        assert_eq!(check_engagement_score(&FieldValue::Unsigned(0)), Ok(0.0));
        assert_eq!(check_engagement_score(&FieldValue::Float(100.0)), Ok(100.0));
        assert_eq!(check_engagement_score(&FieldValue::Float(55.5)), Ok(55.5));
        assert_eq!(
            check_engagement_score(&FieldValue::Null),
            Err("null".into())
        );
        assert_eq!(
            check_engagement_score(&FieldValue::Unsigned(150)),
            Err("out of range 0-100 (150)".into())
        );
        assert_eq!(
            check_engagement_score(&FieldValue::Float(-0.5)),
            Err("out of range 0-100 (-0.5)".into())
        );
        assert_eq!(
            check_engagement_score(&text("75")),
            Err("expected a number, found a string".into())
        );
    }
}
