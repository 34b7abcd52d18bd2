//! The customer table's view: which customers match the search and the
//! filters, in which order. Computed on the data's side (in the worker),
//! so the page only ever renders the rows on screen.

use std::cmp::Ordering;

use serde::Serialize;

use crate::report::Rejection;
use crate::transform::customer::{CustomerRef, Customers};
use crate::transform::dedupe::DroppedDuplicate;
use crate::transform::quality::{QualityBucket, ScoredField};

/// A column to sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// `customer_id`
    CustomerId,
    /// `full_name`, case-insensitively
    FullName,
    /// `email_domain`
    EmailDomain,
    /// `engagement_level`
    EngagementLevel,
    /// `activity_status`
    ActivityStatus,
    /// `acquisition_channel`
    AcquisitionChannel,
    /// `market_segment`
    MarketSegment,
    /// `customer_tier`
    CustomerTier,
    /// `data_quality_score`
    DataQualityScore,
}

/// A column of the customer table: the report's field, its heading, and
/// how it sorts (the issues column does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Column {
    /// The customer field, as in the report.
    pub key: &'static str,
    /// The heading.
    pub label: &'static str,
    /// How it sorts, if it does.
    #[serde(rename = "sortable", serialize_with = "is_some")]
    pub sort: Option<SortKey>,
}

fn is_some<S: serde::Serializer>(sort: &Option<SortKey>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_bool(sort.is_some())
}

/// The table's columns, in the report's field order.
pub const COLUMNS: [Column; 10] = [
    column("customer_id", "ID", Some(SortKey::CustomerId)),
    column("full_name", "Name", Some(SortKey::FullName)),
    column("email_domain", "Email domain", Some(SortKey::EmailDomain)),
    column(
        "engagement_level",
        "Engagement",
        Some(SortKey::EngagementLevel),
    ),
    column("activity_status", "Activity", Some(SortKey::ActivityStatus)),
    column(
        "acquisition_channel",
        "Channel",
        Some(SortKey::AcquisitionChannel),
    ),
    column("market_segment", "Segment", Some(SortKey::MarketSegment)),
    column("customer_tier", "Tier", Some(SortKey::CustomerTier)),
    column(
        "data_quality_score",
        "Quality",
        Some(SortKey::DataQualityScore),
    ),
    column("quality_issues", "Issues", None),
];

const fn column(key: &'static str, label: &'static str, sort: Option<SortKey>) -> Column {
    Column { key, label, sort }
}

impl SortKey {
    /// The key for a column name as in the report (`"full_name"`), if it sorts.
    pub fn from_column(column: &str) -> Option<Self> {
        COLUMNS
            .iter()
            .find(|c| c.key == column)
            .and_then(|c| c.sort)
    }
}

/// What the table shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableQuery {
    /// Sort column; `None` keeps the report's order (by name).
    pub sort: Option<SortKey>,
    /// Reverse the order.
    pub descending: bool,
    /// Case-insensitive text to find in the id, name or email domain.
    pub search: String,
    /// Only customers in this quality bucket.
    pub bucket: Option<QualityBucket>,
    /// Only customers with an issue in this field.
    pub issue: Option<ScoredField>,
}

fn matches(customer: &CustomerRef<'_>, query: &TableQuery, needle: &str) -> bool {
    if let Some(bucket) = query.bucket {
        if QualityBucket::of(customer.data_quality_score) != bucket {
            return false;
        }
    }
    if let Some(field) = query.issue {
        if !customer.quality_issues().any(|i| i.field() == field) {
            return false;
        }
    }
    needle.is_empty()
        || customer.full_name().to_lowercase().contains(needle)
        || customer.email_domain().contains(needle)
        || customer.customer_id.to_string() == needle
}

/// Indexes into `customers` of the rows to show, in display order.
/// Sorting is stable: equal keys keep the report's order, both ways.
pub fn select_rows(customers: &Customers, query: &TableQuery) -> Vec<u32> {
    let needle = query.search.trim().to_lowercase();
    let mut rows: Vec<u32> = (0..customers.len() as u32)
        .filter(|&i| matches(&customers.get(i as usize), query, &needle))
        .collect();
    if let Some(key) = query.sort {
        // One comparator for every column keeps a single sort in the binary.
        rows.sort_unstable_by(|&a, &b| {
            let by_key = compare(key, &customers.get(a as usize), &customers.get(b as usize));
            let by_key = if query.descending {
                by_key.reverse()
            } else {
                by_key
            };
            by_key.then(a.cmp(&b))
        });
    } else if query.descending {
        rows.reverse();
    }
    rows
}

/// One row as the page shows it: every field of the customer, the id as
/// text (JavaScript numbers lose ids above 2^53) and the quality bucket.
#[derive(Debug, Serialize)]
struct Row<'c> {
    customer_id: String,
    full_name: &'c str,
    email_domain: &'c str,
    engagement_level: &'static str,
    activity_status: &'static str,
    acquisition_channel: &'static str,
    market_segment: &'static str,
    customer_tier: &'static str,
    data_quality_score: u8,
    quality_bucket: &'static str,
    quality_issues: Vec<String>,
}

impl<'c> Row<'c> {
    fn of(c: CustomerRef<'c>) -> Self {
        Row {
            customer_id: c.customer_id.to_string(),
            full_name: c.full_name(),
            email_domain: c.email_domain(),
            engagement_level: c.engagement_level.label(),
            activity_status: c.activity_status.label(),
            acquisition_channel: c.acquisition_channel.label(),
            market_segment: c.market_segment.label(),
            customer_tier: c.customer_tier.label(),
            data_quality_score: c.data_quality_score,
            quality_bucket: QualityBucket::of(c.data_quality_score).name(),
            quality_issues: c.quality_issues().map(|i| i.to_string()).collect(),
        }
    }
}

/// Rows `offset..offset + limit` of a view (indexes into `customers`), as
/// a JSON array for the page.
pub fn rows_json(customers: &Customers, view: &[u32], offset: usize, limit: usize) -> String {
    let start = offset.min(view.len());
    let end = start.saturating_add(limit).min(view.len());
    let rows: Vec<Row> = view[start..end]
        .iter()
        .map(|&i| Row::of(customers.get(i as usize)))
        .collect();
    serde_json::to_string(&rows).unwrap_or_else(|_| "[]".into())
}

/// A rejected record as the page lists it (the original stays in the report).
#[derive(Debug, Serialize)]
struct RejectedRow<'r> {
    position: String,
    reason: &'r str,
}

/// The first `limit` rejected records (position and reason), as JSON.
pub fn rejected_json(rejected: &[Rejection<'_>], limit: usize) -> String {
    let rows: Vec<RejectedRow> = rejected
        .iter()
        .take(limit)
        .map(|r| RejectedRow {
            position: r.position.to_string(),
            reason: &r.reason,
        })
        .collect();
    serde_json::to_string(&rows).unwrap_or_else(|_| "[]".into())
}

/// A removed duplicate as the page lists it.
#[derive(Debug, Serialize)]
struct DuplicateRow {
    customer_id: String,
    position: String,
    data_quality_score: u8,
    kept_position: String,
}

/// The first `limit` removed duplicates (id as text, where it was, its
/// score, where the kept record is), as JSON.
pub fn duplicates_json(duplicates: &[DroppedDuplicate], limit: usize) -> String {
    let rows: Vec<DuplicateRow> = duplicates
        .iter()
        .take(limit)
        .map(|d| DuplicateRow {
            customer_id: d.customer_id.to_string(),
            position: d.position.to_string(),
            data_quality_score: d.data_quality_score,
            kept_position: d.kept_position.to_string(),
        })
        .collect();
    serde_json::to_string(&rows).unwrap_or_else(|_| "[]".into())
}

/// Orders two customers by one column (names case-insensitively).
fn compare(key: SortKey, a: &CustomerRef<'_>, b: &CustomerRef<'_>) -> Ordering {
    match key {
        SortKey::CustomerId => a.customer_id.cmp(&b.customer_id),
        SortKey::FullName => a
            .full_name()
            .chars()
            .flat_map(char::to_lowercase)
            .cmp(b.full_name().chars().flat_map(char::to_lowercase)),
        SortKey::EmailDomain => a.email_domain().cmp(b.email_domain()),
        SortKey::EngagementLevel => a.engagement_level.label().cmp(b.engagement_level.label()),
        SortKey::ActivityStatus => a.activity_status.label().cmp(b.activity_status.label()),
        SortKey::AcquisitionChannel => a
            .acquisition_channel
            .label()
            .cmp(b.acquisition_channel.label()),
        SortKey::MarketSegment => a.market_segment.label().cmp(b.market_segment.label()),
        SortKey::CustomerTier => a.customer_tier.label().cmp(b.customer_tier.label()),
        SortKey::DataQualityScore => a.data_quality_score.cmp(&b.data_quality_score),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::process_upload;
    use crate::settings::RunSettings;

    fn customers() -> Customers {
        let input = br#"[
            {"id": 3, "first_name": "Cleo", "email": "c@b.org", "avatar": "https://x.y/a", "last_name": "Z"},
            {"id": 1, "first_name": "alma", "email": "a@a.com"},
            {"id": 2, "first_name": "Bea", "last_name": "Y", "email": "b@a.com", "avatar": "https://x.y/b"},
            {"id": 4, "first_name": "Dan", "last_name": "W", "email": "d@b.org", "avatar": "https://x.y/d"}
        ]"#;
        let settings = RunSettings::from_text("1", "2026-11-24", "2026-11-24T00:00:00Z").unwrap();
        process_upload(input, "f", &settings).unwrap().customers
    }

    fn ids(customers: &Customers, query: &TableQuery) -> Vec<u64> {
        select_rows(customers, query)
            .iter()
            .map(|i| customers.get(*i as usize).customer_id)
            .collect()
    }

    fn query() -> TableQuery {
        TableQuery {
            sort: None,
            descending: false,
            search: String::new(),
            bucket: None,
            issue: None,
        }
    }

    #[test]
    fn rows_carry_ids_as_text_and_the_bucket() {
        let input = br#"[{"id": 9007199254740993, "first_name": "Big", "last_name": "Id"},
                         {"id": 9007199254740992, "first_name": "Big", "last_name": "Id"}]"#;
        let settings = RunSettings::from_text("1", "2026-11-24", "2026-11-24T00:00:00Z").unwrap();
        let customers = process_upload(input, "f", &settings).unwrap().customers;
        let json: serde_json::Value =
            serde_json::from_str(&rows_json(&customers, &[0, 1], 0, 10)).unwrap();
        assert_eq!(json[0]["customer_id"], "9007199254740992");
        assert_eq!(json[1]["customer_id"], "9007199254740993");
        assert_eq!(
            json[0]["quality_bucket"], "medium",
            "80: email and avatar missing"
        );
        assert_eq!(json[0]["quality_issues"][0], "email: missing");
        assert_eq!(rows_json(&customers, &[0, 1], 5, 10), "[]");
    }

    #[test]
    fn rejected_and_duplicates_are_listed_for_the_page() {
        let input = br#"[{"id": 5, "first_name": "A"}, {"x": 1}, {"id": 5}, 7]"#;
        let settings = RunSettings::from_text("1", "2026-11-24", "2026-11-24T00:00:00Z").unwrap();
        let report = process_upload(input, "f", &settings).unwrap();
        assert_eq!(
            rejected_json(&report.rejected, 1),
            r#"[{"position":"record 2","reason":"id: missing"}]"#
        );
        assert_eq!(
            duplicates_json(&report.duplicates, 10),
            r#"[{"customer_id":"5","position":"record 3","data_quality_score":60,"kept_position":"record 1"}]"#
        );
    }

    #[test]
    fn default_order_is_the_reports() {
        assert_eq!(ids(&customers(), &query()), [1, 2, 3, 4]);
    }

    #[test]
    fn sorting_is_stable_both_ways() {
        let all = customers();
        let by_score = TableQuery {
            sort: Some(SortKey::DataQualityScore),
            ..query()
        };
        assert_eq!(ids(&all, &by_score), [1, 2, 3, 4]);
        let by_score_desc = TableQuery {
            descending: true,
            ..by_score
        };
        assert_eq!(
            ids(&all, &by_score_desc),
            [2, 3, 4, 1],
            "ties keep report order"
        );
        let by_domain = TableQuery {
            sort: Some(SortKey::EmailDomain),
            descending: true,
            ..query()
        };
        assert_eq!(ids(&all, &by_domain), [3, 4, 1, 2]);
        let by_id = TableQuery {
            sort: SortKey::from_column("customer_id"),
            descending: true,
            ..query()
        };
        assert_eq!(ids(&all, &by_id), [4, 3, 2, 1]);
    }

    #[test]
    fn search_and_filters() {
        let all = customers();
        assert_eq!(
            ids(
                &all,
                &TableQuery {
                    search: " ALMA ".into(),
                    ..query()
                }
            ),
            [1]
        );
        assert_eq!(
            ids(
                &all,
                &TableQuery {
                    search: "b.org".into(),
                    ..query()
                }
            ),
            [3, 4]
        );
        assert_eq!(
            ids(
                &all,
                &TableQuery {
                    search: "2".into(),
                    ..query()
                }
            ),
            [2]
        );
        let low = TableQuery {
            bucket: Some(QualityBucket::Medium),
            ..query()
        };
        assert_eq!(ids(&all, &low), [1]);
        let avatar = TableQuery {
            issue: Some(ScoredField::Avatar),
            ..query()
        };
        assert_eq!(ids(&all, &avatar), [1]);
        assert!(ids(
            &all,
            &TableQuery {
                issue: Some(ScoredField::Email),
                ..query()
            }
        )
        .is_empty());
    }
}
