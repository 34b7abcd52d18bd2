//! The words the page and the core share, defined once here and sent to
//! the page as one JSON document: quality buckets with their thresholds,
//! every enriched field with its values in dashboard order, the scored
//! fields, the table's columns, and the limits of every setting. The page
//! builds its selects, legends, chart order and input limits from it.

use serde::Serialize;

use crate::common::events::Level;
use crate::fetch::fetcher::MAX_REDIRECTS;
use crate::report::distributions::TOP_DOMAINS;
use crate::report::table::{Column, COLUMNS};
use crate::report::QualitySummary;
use crate::settings::{
    Limit, CONCURRENCY, KEEP_HOURS, MAX_PAGE_MB, PER_PAGE, RETRIES, SEED, TIMEOUT_MS,
};
use crate::source::csv_rows::SEPARATORS;
use crate::source::ingest::InputFormat;
use crate::source::mapping::Field as ContractField;
use crate::source::probe::{PREVIEW_RECORDS, PROBE_BYTES};
use crate::transform::enrich::{
    AcquisitionChannel, ActivityStatus, CustomerTier, EngagementLevel, MarketSegment,
    ACTIVE_WITHIN_DAYS,
};
use crate::transform::quality::{QualityBucket, ScoredField, POINTS_PER_ISSUE};

/// Everything the page needs to name and limit things.
#[derive(Debug, Serialize)]
pub struct Vocabulary {
    /// Quality buckets, best first, with their score ranges.
    pub quality_buckets: Vec<Bucket>,
    /// The enriched fields, with their values in dashboard order.
    pub fields: Vec<Field>,
    /// The fields that count towards the quality score.
    pub scored_fields: Vec<Named>,
    /// Points deducted per quality issue.
    pub points_per_issue: u8,
    /// Days before `as_of` within which a login counts as active.
    pub active_within_days: i64,
    /// The customer table's columns.
    pub columns: &'static [Column],
    /// The limits of the run settings.
    pub limits: Limits,
    /// The most pages one API run fetches.
    pub max_pages: u64,
    /// Same-origin redirects followed in a row, at most.
    pub max_redirects: u32,
    /// Email domains listed in `top_email_domains`.
    pub top_email_domains: usize,
    /// The input contract's fields, in order: what a mapping maps.
    pub contract_fields: Vec<Named>,
    /// The CSV separators a user may choose (`value` is the character).
    pub separators: Vec<Separator>,
    /// Records shown in the mapping preview.
    pub preview_records: usize,
    /// Bytes of a file's start the mapping probe reads (all of a smaller file).
    pub probe_bytes: usize,
    /// The layouts a source may have (`source.format`, the probe's `format`).
    pub layouts: Vec<Named>,
    /// The levels of the run log's events, from the least to the most that matters.
    pub log_levels: Vec<Named>,
}

/// A CSV separator.
#[derive(Debug, Serialize)]
pub struct Separator {
    /// The character.
    pub value: String,
    /// As people read it.
    pub label: &'static str,
}

/// A quality bucket.
#[derive(Debug, Serialize)]
pub struct Bucket {
    /// `high`, `medium` or `low`.
    pub name: &'static str,
    /// Lowest score in it.
    pub min: u8,
    /// Highest score in it.
    pub max: u8,
    /// The key of its count in the report's `data_quality_summary`.
    pub summary_key: &'static str,
}

/// An enriched field and its values.
#[derive(Debug, Serialize)]
pub struct Field {
    /// The report's key.
    pub name: &'static str,
    /// As people read it.
    pub label: &'static str,
    /// Its values, as exported, in order.
    pub values: Vec<&'static str>,
}

/// A name and how people read it.
#[derive(Debug, Serialize)]
pub struct Named {
    /// The report's key.
    pub name: &'static str,
    /// As people read it.
    pub label: &'static str,
}

/// The limits of the settings a user types.
#[derive(Debug, Serialize)]
pub struct Limits {
    /// Requests in flight.
    pub concurrency: Limit,
    /// Retries per page.
    pub retries: Limit,
    /// Time per attempt, in ms.
    pub timeout_ms: Limit,
    /// Records per page asked for.
    pub per_page: Limit,
    /// The seed.
    pub seed: Limit,
    /// Hours a page kept on the device is reused.
    pub keep_hours: Limit,
    /// The most megabytes a page's answer may have.
    pub max_page_mb: Limit,
}

fn field<T: Copy>(
    name: &'static str,
    label: &'static str,
    values: &[T],
    text: fn(T) -> &'static str,
) -> Field {
    Field {
        name,
        label,
        values: values.iter().map(|v| text(*v)).collect(),
    }
}

/// The vocabulary.
pub fn vocabulary() -> Vocabulary {
    Vocabulary {
        quality_buckets: QualityBucket::ALL
            .into_iter()
            .map(|bucket| Bucket {
                name: bucket.name(),
                min: bucket.min_score(),
                max: bucket.max_score(),
                summary_key: QualitySummary::key(bucket),
            })
            .collect(),
        fields: vec![
            field(
                "engagement_level",
                "Engagement level",
                EngagementLevel::ALL,
                EngagementLevel::label,
            ),
            field(
                "activity_status",
                "Activity status",
                ActivityStatus::ALL,
                ActivityStatus::label,
            ),
            field(
                "acquisition_channel",
                "Acquisition channel",
                AcquisitionChannel::ALL,
                AcquisitionChannel::label,
            ),
            field(
                "market_segment",
                "Market segment",
                MarketSegment::ALL,
                MarketSegment::label,
            ),
            field(
                "customer_tier",
                "Customer tier",
                CustomerTier::ALL,
                CustomerTier::label,
            ),
        ],
        scored_fields: ScoredField::ALL
            .into_iter()
            .map(|field| Named {
                name: field.name(),
                label: field.label(),
            })
            .collect(),
        points_per_issue: POINTS_PER_ISSUE,
        active_within_days: ACTIVE_WITHIN_DAYS,
        columns: &COLUMNS,
        limits: Limits {
            concurrency: CONCURRENCY,
            retries: RETRIES,
            timeout_ms: TIMEOUT_MS,
            per_page: PER_PAGE,
            seed: SEED,
            keep_hours: KEEP_HOURS,
            max_page_mb: MAX_PAGE_MB,
        },
        max_pages: crate::fetch::fetcher::FetchConfig::new("").max_pages,
        max_redirects: MAX_REDIRECTS,
        top_email_domains: TOP_DOMAINS,
        contract_fields: ContractField::ALL
            .into_iter()
            .map(|field| Named {
                name: field.name(),
                label: field.label(),
            })
            .collect(),
        separators: SEPARATORS
            .iter()
            .map(|(byte, label)| Separator {
                value: char::from(*byte).to_string(),
                label,
            })
            .collect(),
        preview_records: PREVIEW_RECORDS,
        probe_bytes: PROBE_BYTES,
        layouts: InputFormat::ALL
            .into_iter()
            .map(|format| Named {
                name: format.name(),
                label: format.label(),
            })
            .collect(),
        log_levels: Level::ALL
            .into_iter()
            .map(|level| Named {
                name: level.name(),
                label: level.label(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vocabulary_names_what_the_report_uses() {
        let json = serde_json::to_value(vocabulary()).unwrap();
        assert_eq!(
            json["quality_buckets"],
            serde_json::json!([
                {"name": "high", "min": 90, "max": 100, "summary_key": "high_quality"},
                {"name": "medium", "min": 70, "max": 89, "summary_key": "medium_quality"},
                {"name": "low", "min": 0, "max": 69, "summary_key": "low_quality"}
            ])
        );
        assert_eq!(
            json["fields"][3]["values"],
            serde_json::json!(["US-West", "US-East", "EU-Central", "APAC"])
        );
        assert_eq!(json["scored_fields"][5]["name"], "engagement_score");
        assert_eq!(json["scored_fields"][5]["label"], "Engagement score");
        assert_eq!(
            json["columns"][0],
            serde_json::json!({"key": "customer_id", "label": "ID", "sortable": true})
        );
        assert_eq!(json["columns"][9]["sortable"], false);
        assert_eq!(
            json["limits"]["concurrency"],
            serde_json::json!({"min": 1, "max": 16, "default": 4})
        );
        assert_eq!(
            json["limits"]["per_page"]["default"],
            serde_json::Value::Null
        );
        assert_eq!(json["max_pages"], 1000);
        assert_eq!(json["contract_fields"].as_array().map(Vec::len), Some(7));
        assert_eq!(
            json["contract_fields"][6],
            serde_json::json!({"name": "engagement_score", "label": "Engagement score"})
        );
        assert_eq!(
            json["separators"][2],
            serde_json::json!({"value": "\t", "label": "Tab"})
        );
        assert_eq!(json["preview_records"], 5);
        assert_eq!(json["probe_bytes"], 65536);
        assert_eq!(
            json["layouts"][5],
            serde_json::json!({"name": "csv", "label": "CSV with a header row"})
        );
        assert_eq!(
            json["log_levels"],
            serde_json::json!([
                {"name": "info", "label": "Information"},
                {"name": "warn", "label": "Warnings"},
                {"name": "error", "label": "Errors"}
            ])
        );
        for format in InputFormat::ALL {
            assert_eq!(serde_json::to_value(format).unwrap(), format.name());
        }
    }

    #[test]
    fn bucket_ranges_agree_with_the_scoring() {
        for score in 0..=100u8 {
            let bucket = QualityBucket::of(score);
            assert!(
                (bucket.min_score()..=bucket.max_score()).contains(&score),
                "{score} in {bucket:?}"
            );
        }
    }
}
