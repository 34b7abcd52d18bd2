//! Turning one source record into a customer: field mapping, enrichment and
//! quality scoring, as one pure function ([`assess`]).

use chrono::NaiveDate;
use serde::Serialize;

use crate::enrich::{
    seeded_activity, seeded_channel, seeded_engagement, seeded_segment, seeded_tier,
    AcquisitionChannel, ActivityStatus, CustomerTier, EngagementLevel, MarketSegment,
};
use crate::field::FieldValue;
use crate::quality::{
    check_avatar, check_email, check_engagement_score, check_last_login, check_name, score,
    QualityIssue, ScoredField,
};
use crate::record::SourceRecord;

/// The value of `full_name` and `email_domain` when nothing usable was given.
pub const UNKNOWN: &str = "unknown";

/// What every record of a run is assessed against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assessment {
    /// Seed of the seeded assignments.
    pub seed: u64,
    /// Reference date for `activity_status`.
    pub as_of: NaiveDate,
}

/// One customer of the report. Field order is the export's field order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Customer {
    /// The input `id`.
    pub customer_id: u64,
    /// Trimmed first and last name, or `"unknown"`.
    pub full_name: String,
    /// Lower-cased domain of a plausible email, or `"unknown"`.
    pub email_domain: String,
    /// From `engagement_score`, or seeded when it is absent.
    pub engagement_level: EngagementLevel,
    /// From `last_login`, or seeded when it is absent.
    pub activity_status: ActivityStatus,
    /// Seeded.
    pub acquisition_channel: AcquisitionChannel,
    /// Seeded.
    pub market_segment: MarketSegment,
    /// Seeded.
    pub customer_tier: CustomerTier,
    /// 100 minus 10 per quality issue.
    pub data_quality_score: u8,
    /// One entry per deduction.
    pub quality_issues: Vec<QualityIssue>,
}

/// Reads the customer id: a positive integer, or a string of ASCII digits.
///
/// # Errors
/// The reason the record cannot be a customer, e.g. `id: missing`.
pub fn customer_id(value: Option<&FieldValue<'_>>) -> Result<u64, String> {
    let invalid = |shown: &dyn std::fmt::Display| format!("id: not a positive integer ({shown})");
    match value {
        None => Err("id: missing".into()),
        Some(FieldValue::Null) => Err("id: null".into()),
        Some(FieldValue::Unsigned(n)) if *n > 0 => Ok(*n),
        Some(FieldValue::Text(text))
            if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) =>
        {
            match text.parse::<u64>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(invalid(value.unwrap_or(&FieldValue::Null))),
            }
        }
        Some(
            v @ (FieldValue::Unsigned(_)
            | FieldValue::Signed(_)
            | FieldValue::Float(_)
            | FieldValue::OutOfRange(_)
            | FieldValue::Text(_)),
        ) => Err(invalid(v)),
        Some(other) => Err(format!(
            "id: expected a positive integer, found {}",
            other.kind()
        )),
    }
}

/// The issues found so far in one record.
#[derive(Default)]
struct Issues(Vec<QualityIssue>);

impl Issues {
    /// Passes a usable value on, or records why the field has none.
    fn note<T>(&mut self, field: ScoredField, outcome: Result<T, String>) -> Option<T> {
        outcome
            .map_err(|problem| self.0.push(QualityIssue { field, problem }))
            .ok()
    }
}

/// Maps, enriches and scores one record.
///
/// # Errors
/// The rejection reason when the record has no valid `id`: without one it
/// cannot be a customer.
pub fn assess(record: &SourceRecord<'_>, run: &Assessment) -> Result<Customer, String> {
    let id = customer_id(record.id.as_ref())?;
    let mut issues = Issues::default();

    let first = issues.note(
        ScoredField::FirstName,
        check_name(record.first_name.as_ref()),
    );
    let last = issues.note(ScoredField::LastName, check_name(record.last_name.as_ref()));
    let domain = issues.note(ScoredField::Email, check_email(record.email.as_ref()));
    issues.note(ScoredField::Avatar, check_avatar(record.avatar.as_ref()));

    let activity_status = match &record.last_login {
        None => seeded_activity(run.seed, id),
        Some(value) => issues
            .note(ScoredField::LastLogin, check_last_login(value, run.as_of))
            .map_or(ActivityStatus::Unknown, |date| {
                ActivityStatus::from_last_login(date, run.as_of)
            }),
    };
    let engagement_level = match &record.engagement_score {
        None => seeded_engagement(run.seed, id),
        Some(value) => issues
            .note(ScoredField::EngagementScore, check_engagement_score(value))
            .map_or(EngagementLevel::Unknown, EngagementLevel::from_score),
    };

    let full_name = match (first, last) {
        (Some(first), Some(last)) => format!("{first} {last}"),
        (Some(only), None) | (None, Some(only)) => only.to_owned(),
        (None, None) => UNKNOWN.to_owned(),
    };
    Ok(Customer {
        customer_id: id,
        full_name,
        email_domain: domain.unwrap_or_else(|| UNKNOWN.to_owned()),
        engagement_level,
        activity_status,
        acquisition_channel: seeded_channel(run.seed, id),
        market_segment: seeded_segment(run.seed, id),
        customer_tier: seeded_tier(run.seed, id),
        data_quality_score: score(issues.0.len()),
        quality_issues: issues.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::InputObject;

    const RUN: Assessment = Assessment {
        seed: 42,
        as_of: match NaiveDate::from_ymd_opt(2026, 11, 24) {
            Some(date) => date,
            None => NaiveDate::MIN,
        },
    };

    fn assess_json(json: &str) -> Result<Customer, String> {
        let object: InputObject = serde_json::from_str(json).expect("test input is valid");
        assess(&object.record, &RUN)
    }

    fn issues(customer: &Customer) -> Vec<String> {
        customer
            .quality_issues
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    const GEORGE: &str = r#"{"id": 1, "email": "george.bluth@reqres.in", "first_name": "George",
        "last_name": "Bluth", "avatar": "https://reqres.in/img/faces/1-image.jpg",
        "last_login": "2026-11-20T09:15:00Z", "engagement_score": 82}"#;

    #[test]
    fn a_complete_record_maps_every_field() {
        let customer = assess_json(GEORGE).unwrap();
        assert_eq!(customer.customer_id, 1);
        assert_eq!(customer.full_name, "George Bluth");
        assert_eq!(customer.email_domain, "reqres.in");
        assert_eq!(customer.engagement_level, EngagementLevel::High);
        assert_eq!(customer.activity_status, ActivityStatus::Active);
        assert_eq!(customer.acquisition_channel, seeded_channel(42, 1));
        assert_eq!(customer.market_segment, seeded_segment(42, 1));
        assert_eq!(customer.customer_tier, seeded_tier(42, 1));
        assert_eq!(customer.data_quality_score, 100);
        assert!(customer.quality_issues.is_empty());
    }

    #[test]
    fn ids_table() {
        let cases: [(&str, Result<u64, &str>); 11] = [
            (
                r#"{"id": 1e400}"#,
                Err("id: not a positive integer (1e400)"),
            ),
            (r#"{"id": 7}"#, Ok(7)),
            (r#"{"id": "12"}"#, Ok(12)),
            (r#"{"id": "007"}"#, Ok(7)),
            (r#"{}"#, Err("id: missing")),
            (r#"{"id": null}"#, Err("id: null")),
            (r#"{"id": 0}"#, Err("id: not a positive integer (0)")),
            (r#"{"id": -3}"#, Err("id: not a positive integer (-3)")),
            (r#"{"id": 1.5}"#, Err("id: not a positive integer (1.5)")),
            (
                r#"{"id": "12a"}"#,
                Err("id: not a positive integer ('12a')"),
            ),
            (
                r#"{"id": [1]}"#,
                Err("id: expected a positive integer, found an array"),
            ),
        ];
        for (json, expected) in cases {
            let got = assess_json(json).map(|c| c.customer_id);
            assert_eq!(got, expected.map_err(str::to_owned), "{json}");
        }
        assert_eq!(
            assess_json(r#"{"id": "99999999999999999999"}"#).unwrap_err(),
            "id: not a positive integer ('99999999999999999999')"
        );
    }

    #[test]
    fn full_name_uses_what_is_present() {
        let name = |json| assess_json(json).unwrap().full_name;
        assert_eq!(
            name(r#"{"id":1,"first_name":" Janet ","last_name":" Weaver "}"#),
            "Janet Weaver"
        );
        assert_eq!(name(r#"{"id":1,"first_name":"Janet"}"#), "Janet");
        assert_eq!(
            name(r#"{"id":1,"last_name":"Weaver","first_name":"  "}"#),
            "Weaver"
        );
        assert_eq!(
            name(r#"{"id":1,"first_name":null,"last_name":5}"#),
            "unknown"
        );
    }

    #[test]
    fn email_domain_is_unknown_when_not_plausible() {
        let domain = |json| assess_json(json).unwrap().email_domain;
        assert_eq!(
            domain(r#"{"id":1,"email":"Emma.Wong@ReqRes.in"}"#),
            "reqres.in"
        );
        assert_eq!(domain(r#"{"id":1,"email":"emma.wong"}"#), "unknown");
        assert_eq!(domain(r#"{"id":1}"#), "unknown");
    }

    #[test]
    fn engagement_level_present_absent_and_invalid() {
        let level = |json| assess_json(json).unwrap().engagement_level;
        assert_eq!(
            level(r#"{"id":1,"engagement_score":40}"#),
            EngagementLevel::Medium
        );
        assert_eq!(
            level(r#"{"id":1,"engagement_score":12.5}"#),
            EngagementLevel::Low
        );
        assert_eq!(
            level(r#"{"id":1,"engagement_score":null}"#),
            EngagementLevel::Unknown
        );
        assert_eq!(
            level(r#"{"id":1,"engagement_score":"80"}"#),
            EngagementLevel::Unknown
        );
        assert_eq!(
            level(r#"{"id":1,"engagement_score":101}"#),
            EngagementLevel::Unknown
        );
        assert_eq!(level(r#"{"id":1}"#), seeded_engagement(42, 1));
        assert_ne!(seeded_engagement(42, 1), EngagementLevel::Unknown);
    }

    #[test]
    fn activity_status_present_absent_and_invalid() {
        let status = |json| assess_json(json).unwrap().activity_status;
        assert_eq!(
            status(r#"{"id":1,"last_login":"2026-10-25"}"#),
            ActivityStatus::Active
        );
        assert_eq!(
            status(r#"{"id":1,"last_login":"2026-10-24T23:59:59Z"}"#),
            ActivityStatus::Inactive
        );
        assert_eq!(
            status(r#"{"id":1,"last_login":null}"#),
            ActivityStatus::Unknown
        );
        assert_eq!(
            status(r#"{"id":1,"last_login":"2024-13-45"}"#),
            ActivityStatus::Unknown
        );
        assert_eq!(
            status(r#"{"id":1,"last_login":"2026-11-25"}"#),
            ActivityStatus::Unknown
        );
        assert_eq!(status(r#"{"id":1}"#), seeded_activity(42, 1));
        assert_ne!(seeded_activity(42, 1), ActivityStatus::Unknown);
    }

    #[test]
    fn each_issue_costs_ten_points_and_is_explained() {
        let customer = assess_json(
            r#"{"id": 3, "first_name": "", "email": "nope", "avatar": "x",
                "last_login": "2024-13-45", "engagement_score": null}"#,
        )
        .unwrap();
        assert_eq!(
            issues(&customer),
            [
                "first_name: empty",
                "last_name: missing",
                "email: invalid address 'nope'",
                "avatar: not an absolute http(s) URL 'x'",
                "last_login: invalid date '2024-13-45'",
                "engagement_score: null",
            ]
        );
        assert_eq!(customer.data_quality_score, 40);
    }

    #[test]
    fn numbers_out_of_range_are_invalid_fields_not_rejections() {
        let customer = assess_json(r#"{"id": 4, "engagement_score": 1e400, "first_name": -1e999}"#)
            .expect("the record is kept");
        assert_eq!(
            issues(&customer)[..2],
            [
                "first_name: expected a string, found a number",
                "last_name: missing"
            ]
        );
        assert!(
            issues(&customer).contains(&"engagement_score: out of range 0-100 (1e400)".to_string()),
            "{:?}",
            issues(&customer)
        );
        assert_eq!(customer.engagement_level, EngagementLevel::Unknown);
    }

    #[test]
    fn absent_optional_fields_cost_nothing() {
        let customer = assess_json(
            r#"{"id": 1, "email": "george.bluth@reqres.in", "first_name": "George",
                "last_name": "Bluth", "avatar": "https://reqres.in/img/faces/1-image.jpg"}"#,
        )
        .unwrap();
        assert_eq!(customer.data_quality_score, 100);
        let customer = assess_json(r#"{"id": 1}"#).unwrap();
        assert_eq!(
            issues(&customer),
            [
                "first_name: missing",
                "last_name: missing",
                "email: missing",
                "avatar: missing"
            ]
        );
        assert_eq!(customer.data_quality_score, 60);
    }

    #[test]
    fn customers_serialize_in_contract_order() {
        let json = serde_json::to_string(&assess_json(GEORGE).unwrap()).unwrap();
        let keys = [
            "customer_id",
            "full_name",
            "email_domain",
            "engagement_level",
            "activity_status",
            "acquisition_channel",
            "market_segment",
            "customer_tier",
            "data_quality_score",
            "quality_issues",
        ];
        let positions: Vec<_> = keys
            .iter()
            .map(|k| json.find(&format!("\"{k}\"")).unwrap())
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{json}");
    }
}
