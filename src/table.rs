//! The customer table's view: which customers match the search and the
//! filters, in which order. Computed on the data's side (in the worker),
//! so the page only ever renders the rows on screen.

use std::cmp::Ordering;

use crate::customer::Customer;
use crate::quality::{QualityBucket, ScoredField};

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

impl SortKey {
    /// The key for a column name as in the report (`"full_name"`), if it is one.
    pub fn from_column(column: &str) -> Option<Self> {
        Some(match column {
            "customer_id" => SortKey::CustomerId,
            "full_name" => SortKey::FullName,
            "email_domain" => SortKey::EmailDomain,
            "engagement_level" => SortKey::EngagementLevel,
            "activity_status" => SortKey::ActivityStatus,
            "acquisition_channel" => SortKey::AcquisitionChannel,
            "market_segment" => SortKey::MarketSegment,
            "customer_tier" => SortKey::CustomerTier,
            "data_quality_score" => SortKey::DataQualityScore,
            _ => return None,
        })
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

fn matches(customer: &Customer, query: &TableQuery, needle: &str) -> bool {
    if let Some(bucket) = query.bucket {
        if QualityBucket::of(customer.data_quality_score) != bucket {
            return false;
        }
    }
    if let Some(field) = query.issue {
        if !customer.quality_issues.iter().any(|i| i.field == field) {
            return false;
        }
    }
    needle.is_empty()
        || customer.full_name.to_lowercase().contains(needle)
        || customer.email_domain.contains(needle)
        || customer.customer_id.to_string() == needle
}

/// Indexes into `customers` of the rows to show, in display order.
/// Sorting is stable: equal keys keep the report's order, both ways.
pub fn select_rows(customers: &[Customer], query: &TableQuery) -> Vec<u32> {
    let needle = query.search.trim().to_lowercase();
    let mut rows: Vec<u32> = (0..customers.len() as u32)
        .filter(|&i| matches(&customers[i as usize], query, &needle))
        .collect();
    if let Some(key) = query.sort {
        // One comparator for every column keeps a single sort in the binary.
        rows.sort_unstable_by(|&a, &b| {
            let by_key = compare(key, &customers[a as usize], &customers[b as usize]);
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

/// Orders two customers by one column (names case-insensitively).
fn compare(key: SortKey, a: &Customer, b: &Customer) -> Ordering {
    match key {
        SortKey::CustomerId => a.customer_id.cmp(&b.customer_id),
        SortKey::FullName => a
            .full_name
            .chars()
            .flat_map(char::to_lowercase)
            .cmp(b.full_name.chars().flat_map(char::to_lowercase)),
        SortKey::EmailDomain => a.email_domain.cmp(&b.email_domain),
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
    use crate::pipeline::{process_upload, RunSettings};

    fn customers() -> Vec<Customer> {
        let input = br#"[
            {"id": 3, "first_name": "Cleo", "email": "c@b.org", "avatar": "https://x.y/a", "last_name": "Z"},
            {"id": 1, "first_name": "alma", "email": "a@a.com"},
            {"id": 2, "first_name": "Bea", "last_name": "Y", "email": "b@a.com", "avatar": "https://x.y/b"},
            {"id": 4, "first_name": "Dan", "last_name": "W", "email": "d@b.org", "avatar": "https://x.y/d"}
        ]"#;
        let settings = RunSettings::from_text("1", "2026-11-24", "2026-11-24T00:00:00Z").unwrap();
        process_upload(input, "f", &settings).unwrap().customers
    }

    fn ids(customers: &[Customer], query: &TableQuery) -> Vec<u64> {
        select_rows(customers, query)
            .iter()
            .map(|i| customers[*i as usize].customer_id)
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
