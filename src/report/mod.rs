//! The exported report: `{"metadata", "customers", "rejected", "duplicates"}`.
//!
//! Serialization is deterministic: the same input, seed, `as_of` and
//! timestamp give the same bytes.
//!
//! - [`json_out`]: the report's customer lines, written by hand.
//! - [`export_csv`]: the customers as CSV.
//! - [`distributions`]: the counts the dashboard charts.
//! - [`counts`]: what the summaries count, as counts that add up across
//!   the parts of a file.
//! - [`table`]: the customer table's view (search, filters, sort).

pub(crate) mod counts;
pub(crate) mod distributions;
pub(crate) mod export_csv;
pub(crate) mod json_out;
pub(crate) mod table;

use std::borrow::Cow;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::value::RawValue;

use crate::provenance::{FetchStats, PageFailure, Truncation, WalkEnding, Warning};
use crate::report::counts::Counts;
use crate::report::distributions::Distributions;
use crate::report::json_out::{write_lines, LineWriter};
use crate::schema::{LineField, LINE};
use crate::source::ingest::{InputFormat, Position};
use crate::source::mapping::Field;
use crate::source::mapping::Mapping;
use crate::transform::customer::Customers;
use crate::transform::dedupe::DroppedDuplicate;
use crate::transform::quality::{QualityBucket, SCORED_FIELDS};

/// The whole report. It borrows the original text of rejected records from the input.
#[derive(Debug)]
pub struct Report<'a> {
    /// Counts, settings and provenance of the run.
    pub metadata: Metadata,
    /// The customers, sorted by `full_name` (case-insensitively), then `customer_id`.
    pub customers: Customers,
    /// Records that could not be customers, with the reason and the original.
    pub(crate) rejected: Vec<Rejection<'a>>,
    /// Records removed as duplicates of a better or earlier record.
    pub(crate) duplicates: Vec<DroppedDuplicate>,
}

/// The report's `metadata`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metadata {
    /// Number of customers in the report.
    pub total_customers: usize,
    /// When the report was made, `YYYY-MM-DDTHH:MM:SSZ`.
    pub(crate) export_timestamp: String,
    /// Customers per quality bucket.
    pub(crate) data_quality_summary: QualitySummary,
    /// The seed of the seeded assignments; rerun with it to reproduce.
    pub(crate) seed: u64,
    /// Reference date for `activity_status`, `YYYY-MM-DD`.
    pub(crate) as_of: String,
    /// Where the records came from.
    pub(crate) source: SourceInfo,
    /// Which source field fed each contract field (`fields`), the fields
    /// the source does not have (`unmapped`: not scored), and the source
    /// columns no field reads (`ignored_columns`).
    pub(crate) mapping: Mapping,
    /// Record-like elements read: customers + duplicates removed + rejected.
    pub records_read: usize,
    /// Records removed as duplicates (listed in `duplicates`).
    pub duplicates_removed: usize,
    /// Records that could not be customers (listed in `rejected`).
    pub rejected_records: usize,
    /// Customers with an issue in each scored field.
    pub(crate) issues_by_field: IssueCounts,
    /// Customers per value of each enriched field, and the top email domains.
    pub(crate) distributions: Distributions,
    /// Which fields of the line were drawn from the seed in this run
    /// (`simulated`: not data) and which were computed from the source
    /// (`derived`).
    pub(crate) enrichment: Enrichment,
    /// Whether every source record is provably accounted for. `false` for
    /// a partial API run: see `failed_pages`, `truncated` and `warnings`.
    pub complete: bool,
    /// API pages missing or incomplete, with a code and the reason.
    pub(crate) failed_pages: Vec<PageFailure>,
    /// Things a person should know about the run (changed totals, limits),
    /// each `{code, page?, message}`.
    pub(crate) warnings: Vec<Warning>,
    /// Set when the page limit cut an API run short; `null` otherwise.
    pub(crate) truncated: Option<Truncation>,
    /// Requests, retries and timings of an API run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) fetch: Option<FetchStats>,
}

/// Where the values of the line's enriched fields came from in a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Enrichment {
    /// The seed the simulated values were drawn from.
    pub(crate) seed: u64,
    /// Whether the run drew from the seed what the source lacks (off:
    /// such values are `unknown`).
    pub(crate) simulate: bool,
    /// Fields at least one customer's value was drawn from the seed for:
    /// simulated, not data.
    pub(crate) simulated: Vec<&'static str>,
    /// Fields at least one customer's value was computed from the source for.
    pub(crate) derived: Vec<&'static str>,
    /// For each simulated field, how many customers' values were drawn.
    #[serde(serialize_with = "counts_as_map")]
    pub(crate) simulated_customers: Vec<(&'static str, usize)>,
}

/// `[(key, n)]` as `{"key": n}`, in order.
fn counts_as_map<S: serde::Serializer>(
    counts: &[(&'static str, usize)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(counts.iter().map(|(key, n)| (*key, *n)))
}

impl Enrichment {
    /// What the customers' values came from.
    #[cfg(test)]
    pub(crate) fn of(customers: &Customers, seed: u64, simulate: bool) -> Self {
        Enrichment::from_counts(&Counts::of(customers), seed, simulate)
    }

    /// What the customers counted in `counts` got their values from.
    pub(crate) fn from_counts(counts: &Counts, seed: u64, simulate: bool) -> Self {
        let (drawn, derived) = (&counts.drawn, &counts.derived);
        let keys = |keep: &dyn Fn(LineField) -> bool| -> Vec<&'static str> {
            LINE.iter()
                .filter(|spec| keep(spec.field))
                .map(|spec| spec.key)
                .collect()
        };
        Enrichment {
            seed,
            simulate,
            simulated: keys(&|field| drawn[field as usize] > 0),
            derived: keys(&|field| derived[field as usize] > 0),
            simulated_customers: LINE
                .iter()
                .filter(|spec| drawn[spec.field as usize] > 0)
                .map(|spec| (spec.key, drawn[spec.field as usize]))
                .collect(),
        }
    }

    /// How many customers' `key` was drawn from the seed (0: none).
    pub(crate) fn simulated_count(&self, key: &str) -> usize {
        self.simulated_customers
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(0, |(_, n)| *n)
    }
}

/// Customers per quality bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub(crate) struct QualitySummary {
    /// Score ≥ 90.
    pub(crate) high_quality: usize,
    /// Score 70-89.
    pub(crate) medium_quality: usize,
    /// Score below 70.
    pub(crate) low_quality: usize,
}

impl QualitySummary {
    /// The key of a bucket's count in `data_quality_summary`
    /// (`high_quality`, …); the vocabulary gives it to the page.
    pub(crate) fn key(bucket: QualityBucket) -> &'static str {
        match bucket {
            QualityBucket::High => "high_quality",
            QualityBucket::Medium => "medium_quality",
            QualityBucket::Low => "low_quality",
        }
    }

    /// The customers in one bucket.
    #[cfg(test)]
    pub(crate) fn get(&self, bucket: QualityBucket) -> usize {
        match bucket {
            QualityBucket::High => self.high_quality,
            QualityBucket::Medium => self.medium_quality,
            QualityBucket::Low => self.low_quality,
        }
    }

    /// The customers counted in `counts`, per bucket.
    pub(crate) fn from_counts(counts: &Counts) -> Self {
        let [high_quality, medium_quality, low_quality] = counts.buckets;
        QualitySummary {
            high_quality,
            medium_quality,
            low_quality,
        }
    }
}

/// Issue counts per scored field; serialized as an object with every field, in contract order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct IssueCounts([usize; Field::ALL.len()]);

impl IssueCounts {
    /// The issues of the customers counted in `counts`.
    pub(crate) fn from_counts(counts: &Counts) -> Self {
        IssueCounts(counts.issues)
    }

    /// The count for one field.
    pub(crate) fn get(&self, field: Field) -> usize {
        self.0[field as usize]
    }
}

impl Serialize for IssueCounts {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(SCORED_FIELDS.len()))?;
        for &field in SCORED_FIELDS {
            map.serialize_entry(field.name(), &self.get(field))?;
        }
        map.end()
    }
}

/// Where the records came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum SourceInfo {
    /// A file chosen by the user.
    Upload {
        /// The file's name as the browser reported it.
        file_name: String,
        /// The detected layout.
        format: InputFormat,
        /// How many workers read the file at once: the parts it was cut
        /// into at record boundaries (1: read in one piece). The only value
        /// of the report that depends on the `workers` setting.
        workers: usize,
        /// The front end that ran it, when not the page.
        #[serde(skip_serializing_if = "Option::is_none")]
        via: Option<Via>,
    },
    /// A paginated users API.
    Api {
        /// The endpoint, as configured (the API key is never part of it).
        url: String,
        /// Where same-origin redirects led, when any did.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        redirected_to: Vec<String>,
        /// Pages the API stated (`total_pages` as the page accepted last stated it), if it did.
        pages_total: Option<u64>,
        /// Pages whose records are in the report.
        pages_fetched: usize,
        /// Records the API stated (`total` as the page accepted last stated it), if it did.
        records_stated: Option<u64>,
        /// Records received on those pages, repeated ids and records without an id included.
        records_received: u64,
        /// For a walk without `total_pages`: its last page and what ended it.
        #[serde(skip_serializing_if = "Option::is_none")]
        walk_ended: Option<WalkEnding>,
        /// Times pages were fetched again because the data moved during the walk.
        #[serde(skip_serializing_if = "is_zero")]
        refetches: u32,
        /// The API's shape as the run used it: `preset`, `pagination`,
        /// `records`, `auth` and the kinds' parameter names (never the key).
        #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        settings: std::collections::BTreeMap<String, String>,
        /// The front end that ran it, when not the page.
        #[serde(skip_serializing_if = "Option::is_none")]
        via: Option<Via>,
    },
}

/// The front end that ran a report, when not the page (whose reports
/// carry no `via`, as they always have).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// The `customer-pipeline` command (`"via": "cli"`).
    Cli,
}

fn is_zero(count: &u32) -> bool {
    *count == 0
}

/// A record that cannot be a customer.
#[derive(Debug, Serialize)]
pub(crate) struct Rejection<'a> {
    /// Where it was.
    pub(crate) position: Position,
    /// Why it was rejected, e.g. `id: missing`.
    pub(crate) reason: String,
    /// The original JSON, exactly as it was in the input (or, when JSON readers
    /// could not read it back, its text as a string);
    /// owned when the input arrived in pieces that are gone by the end.
    #[serde(serialize_with = "original_record")]
    pub(crate) record: Cow<'a, str>,
}

/// Writes a rejected record as it was, unless JSON readers could not read
/// it back (a number beyond the double range such as `3e308`, or a lone
/// UTF-16 surrogate escape): then as a string holding the original text, so
/// the report always parses. Only rejected records pay for this check.
// serde's `serialize_with` hands over a reference to the field's own type.
#[allow(clippy::ptr_arg)]
fn original_record<S: Serializer>(record: &Cow<'_, str>, serializer: S) -> Result<S::Ok, S::Error> {
    let readable = serde_json::from_str::<serde_json::Value>(record).is_ok();
    match serde_json::from_str::<&RawValue>(record) {
        Ok(raw) if readable => raw.serialize(serializer),
        _ => serializer.serialize_str(record),
    }
}

impl Report<'_> {
    /// Says which front end ran the report (`metadata.source.via`).
    pub fn set_via(&mut self, front_end: Via) {
        match &mut self.metadata.source {
            SourceInfo::Upload { via, .. } | SourceInfo::Api { via, .. } => *via = Some(front_end),
        }
    }

    /// The same report owning all its data: the originals of rejected
    /// records are copied, so the input they came from can be freed.
    // Used by the page (`web`, wasm32 only) and by tests.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn into_owned(self) -> Report<'static> {
        Report {
            metadata: self.metadata,
            customers: self.customers,
            rejected: self
                .rejected
                .into_iter()
                .map(|r| Rejection {
                    position: r.position,
                    reason: r.reason,
                    record: Cow::Owned(r.record.into_owned()),
                })
                .collect(),
            duplicates: self.duplicates,
        }
    }

    /// The report as JSON, ending in a newline: `metadata` pretty-printed
    /// (two-space indent) for people, then one compact line per customer,
    /// rejected record and duplicate, which keeps a million-customer report
    /// small, fast to write and easy to diff or `grep`.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.json_size_estimate());
        self.write_json(&mut out, &mut |_| {});
        out
    }

    /// The customers as CSV (RFC 4180), for spreadsheets: a byte-order
    /// mark, a header row that marks the simulated fields, one row per
    /// customer, CRLF line ends.
    pub fn to_csv(&self) -> Vec<u8> {
        export_csv::customers_csv(&self.customers, &self.metadata.enrichment)
    }

    /// The same bytes as [`Report::to_json`], handed to `sink` in pieces of
    /// about `chunk_bytes`, so no buffer the size of the whole report is
    /// ever needed.
    // Used by the page (`web`, wasm32 only) and by tests.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub fn write_json_chunks(&self, chunk_bytes: usize, sink: &mut dyn FnMut(&[u8])) {
        let mut out = Vec::with_capacity(chunk_bytes + 4096);
        self.write_json(&mut out, &mut |buffer| {
            if buffer.len() >= chunk_bytes {
                sink(buffer);
                buffer.clear();
            }
        });
        if !out.is_empty() {
            sink(&out);
        }
    }

    /// Writes the report into `out`, calling `after_line` after each line
    /// so a caller can pass the bytes on and clear the buffer.
    fn write_json(&self, out: &mut Vec<u8>, after_line: &mut dyn FnMut(&mut Vec<u8>)) {
        out.extend_from_slice(b"{\n  \"metadata\": ");
        let mut metadata = Vec::with_capacity(2048);
        // Writing to a Vec cannot fail, and every type here serializes
        // infallibly, so the results of the writes below carry no information.
        let _ = serde_json::to_writer_pretty(&mut metadata, &self.metadata);
        for &byte in &metadata {
            out.push(byte);
            if byte == b'\n' {
                out.extend_from_slice(b"  ");
            }
        }
        after_line(out);
        let writer = LineWriter::new(&self.customers);
        write_lines(
            out,
            "customers",
            self.customers.iter(),
            after_line,
            |out, customer| writer.write(out, customer),
        );
        write_lines(
            out,
            "rejected",
            self.rejected.iter(),
            after_line,
            write_serialized,
        );
        write_lines(
            out,
            "duplicates",
            self.duplicates.iter(),
            after_line,
            write_serialized,
        );
        out.extend_from_slice(b"\n}\n");
    }
}

impl Report<'_> {
    /// A generous guess of [`Report::to_json`]'s length from a sample of
    /// customers, so the buffer is allocated once: growing it by doubling
    /// would briefly hold the old and the new buffer, three times the report.
    fn json_size_estimate(&self) -> usize {
        const SAMPLE: usize = 256;
        let writer = LineWriter::new(&self.customers);
        let mut line = Vec::new();
        let mut sampled = 0;
        for customer in self.customers.iter().take(SAMPLE) {
            line.clear();
            writer.write(&mut line, &customer);
            sampled += line.len() + 6;
        }
        let per_customer = sampled / self.customers.len().clamp(1, SAMPLE) + 16;
        let others = (self.rejected.len() + self.duplicates.len()) * 256;
        8192 + self.customers.len() * per_customer + others
    }
}

fn write_serialized<T: Serialize>(out: &mut Vec<u8>, item: &T) {
    // Writing to a Vec cannot fail, and these types serialize infallibly.
    let _ = serde_json::to_writer(&mut *out, item);
}

#[cfg(test)]
mod tests {
    use super::QualitySummary;
    use crate::pipeline::process_upload;
    use crate::settings::RunSettings;
    use crate::transform::quality::QualityBucket;

    #[test]
    fn the_summary_is_written_under_the_keys_it_names() {
        let summary = QualitySummary {
            high_quality: 3,
            medium_quality: 2,
            low_quality: 1,
        };
        let written = serde_json::to_value(summary).unwrap();
        let named: serde_json::Map<String, serde_json::Value> = QualityBucket::ALL
            .into_iter()
            .map(|bucket| {
                (
                    QualitySummary::key(bucket).to_owned(),
                    summary.get(bucket).into(),
                )
            })
            .collect();
        assert_eq!(written, serde_json::Value::Object(named));
        let order: Vec<&str> = QualityBucket::ALL.map(QualitySummary::key).to_vec();
        let text = serde_json::to_string(&summary).unwrap();
        let positions: Vec<usize> = order.iter().filter_map(|key| text.find(key)).collect();
        assert!(
            positions.windows(2).all(|w| w[0] < w[1]),
            "best first: {text}"
        );
    }

    #[test]
    fn chunks_join_to_the_same_bytes() {
        let settings = RunSettings::from_text("1", "2026-11-24", "2026-11-24T00:00:00Z").unwrap();
        let input =
            br#"[{"id": 2, "first_name": "B"}, {"id": 1, "first_name": "A"}, {"x": 1}, {"id": 1}]"#;
        let report = process_upload(input, "f", &settings).unwrap();
        for chunk_bytes in [1, 50, 1 << 20] {
            let mut joined = Vec::new();
            let mut chunks = 0;
            report.write_json_chunks(chunk_bytes, &mut |chunk| {
                chunks += 1;
                joined.extend_from_slice(chunk);
            });
            assert_eq!(joined, report.to_json(), "chunks of {chunk_bytes}");
            assert_eq!(
                chunks > 1,
                chunk_bytes < 100,
                "chunks of {chunk_bytes}: {chunks}"
            );
        }
    }

    #[test]
    fn the_json_buffer_is_allocated_once() {
        let settings = RunSettings::from_text("1", "2026-11-24", "2026-11-24T00:00:00Z").unwrap();
        let records: Vec<String> = (1..=2000)
            .map(|id| {
                let long_name = if id % 3 == 0 { "Bartholomew-Alexander" } else { "Al" };
                format!(
                    r#"{{"id": {id}, "first_name": "{long_name}", "email": "x{id}@mail.example.org", "engagement_score": {}}}"#,
                    if id % 7 == 0 { "null".to_string() } else { (id % 101).to_string() }
                )
            })
            .collect();
        let input = format!("[{}, 5]", records.join(","));
        let report = process_upload(input.as_bytes(), "f", &settings).unwrap();
        let json = report.to_json();
        assert!(
            json.len() <= report.json_size_estimate(),
            "{} > estimate",
            json.len()
        );
        assert!(
            json.len() * 10 >= report.json_size_estimate() * 8,
            "estimate within 25%"
        );
    }

    #[test]
    fn rejected_records_json_cannot_read_are_kept_as_text() {
        // Found by fuzzing: such records were copied verbatim into a report
        // that serde_json could not read back.
        let settings = RunSettings::from_text("1", "2026-11-24", "2026-11-24T00:00:00Z").unwrap();
        let input = br#"[{"x": 3e308}, {"avatar": "https://x.y/\ude00"}, {"email": 1e5}]"#;
        let report = process_upload(input, "f", &settings).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&report.to_json()).unwrap();
        let rejected = json["rejected"].as_array().unwrap();
        assert_eq!(rejected[0]["record"], r#"{"x": 3e308}"#);
        assert_eq!(rejected[0]["reason"], "id: missing");
        assert_eq!(rejected[1]["record"], r#"{"avatar": "https://x.y/\ude00"}"#);
        assert_eq!(
            rejected[1]["reason"],
            "unreadable record: lone leading surrogate in hex escape"
        );
        assert_eq!(
            rejected[2]["record"]["email"], 100000.0,
            "readable records stay JSON"
        );
    }
}
