//! The run: source items in, a sorted, deduplicated [`Report`] out.

use std::borrow::Cow;

use crate::common::clock::{millis_since, Clock};
use crate::common::dates::format_timestamp;
use crate::common::order;
use crate::common::wire::WireError;
use crate::provenance::{ApiProvenance, FailureCode, PageFailure, Warning, WarningCode};
use crate::report::counts::Counts;
use crate::report::distributions::Distributions;
use crate::report::{
    Enrichment, IssueCounts, Metadata, QualitySummary, Rejection, Report, SourceInfo,
};
use crate::settings::RunSettings;
use crate::source::ingest::{ingest_page_at, IngestError, InputFormat, Position, SourceItem};
use crate::source::mapping::{Mapping, MappingSpec};
use crate::source::reader::{ReadOptions, Reader};
use crate::source::record::Mapper;
use crate::transform::customer::{assess, Assessment, Customer, Customers, Renumbering};
use crate::transform::dedupe::Deduper;

/// Builds a report from items handed over one at a time, in source order,
/// so input can be processed as it is read.
#[derive(Debug)]
pub(crate) struct ReportBuilder<'a> {
    settings: RunSettings,
    customers: Customers,
    deduper: Deduper,
    rejected: Vec<Rejection<'a>>,
    records_read: usize,
    /// What the summaries count, kept as customers come and go (a run
    /// merged from parts, [`crate::split`]); `None`: counted at the end.
    counts: Option<Counts>,
}

impl<'a> ReportBuilder<'a> {
    /// An empty report for these settings.
    pub(crate) fn new(settings: &RunSettings) -> Self {
        ReportBuilder {
            settings: *settings,
            customers: Customers::new(settings.as_of),
            deduper: Deduper::default(),
            rejected: Vec::new(),
            records_read: 0,
            counts: None,
        }
    }

    /// Counts what the summaries count as customers come and go, so that
    /// parts counted elsewhere ([`take_counts`](Self::take_counts)) only
    /// need adding.
    pub(crate) fn count_as_you_go(&mut self) {
        self.counts.get_or_insert_with(Counts::default);
    }

    /// Adds the counts of a part read elsewhere, whose texts were taken as
    /// `renumbering` says.
    ///
    /// # Errors
    /// [`WireError`] when they count a domain the part does not have.
    pub(crate) fn take_counts(
        &mut self,
        part: &Counts,
        renumbering: &Renumbering,
    ) -> Result<(), WireError> {
        match &mut self.counts {
            Some(counts) => counts.add_part(part, renumbering),
            None => Ok(()),
        }
    }

    /// Dedupes the next customer, taking the one removed (if any) off the counts.
    fn dedupe(&mut self, position: Position, customer: Customer) {
        let removed = self.deduper.push(&mut self.customers, position, customer);
        if let (Some(counts), Some(removed)) = (&mut self.counts, removed) {
            counts.remove(self.customers.with(&removed));
        }
    }

    /// Takes the next item; a rejected one keeps borrowing its original text.
    pub(crate) fn add(&mut self, item: &SourceItem<'a>) {
        let raw = item.raw;
        self.take(item, || Cow::Borrowed(raw));
    }

    /// Takes the next item from input that will be gone by the end (a
    /// chunk of a stream); a rejected one gets a copy of its original text.
    pub(crate) fn add_transient(&mut self, item: &SourceItem<'_>) {
        let raw = item.raw;
        self.take(item, || Cow::Owned(raw.to_owned()));
    }

    fn take(&mut self, item: &SourceItem<'_>, original: impl FnOnce() -> Cow<'a, str>) {
        self.records_read += 1;
        let run = Assessment {
            seed: self.settings.seed,
            as_of: self.settings.as_of,
            simulate: self.settings.simulate,
        };
        let assessed = match &item.parsed {
            Ok(record) => assess(record, &run, &mut self.customers),
            Err(reason) => Err(reason.clone()),
        };
        match assessed {
            Ok(customer) => {
                if let Some(counts) = &mut self.counts {
                    counts.add(self.customers.with(&customer));
                }
                self.dedupe(item.position, customer);
            }
            Err(reason) => self.rejected.push(Rejection {
                position: item.position,
                reason,
                record: original(),
            }),
        }
    }

    /// Takes the texts of customers assessed elsewhere (a part of the file
    /// read on its own, [`crate::split`]); its customers are then added
    /// with [`add_assessed`](Self::add_assessed) as renumbered here.
    pub(crate) fn take_texts(&mut self, from: &Customers) -> Renumbering {
        self.customers.take_texts(from)
    }

    /// Takes the next record in source order, assessed (and counted, see
    /// [`take_counts`](Self::take_counts)) elsewhere and renumbered by
    /// [`take_texts`](Self::take_texts).
    pub(crate) fn add_assessed(&mut self, position: Position, customer: Customer) {
        self.records_read += 1;
        self.dedupe(position, customer);
    }

    /// Takes the next record in source order, rejected elsewhere.
    pub(crate) fn add_rejected(&mut self, rejection: Rejection<'a>) {
        self.records_read += 1;
        self.rejected.push(rejection);
    }

    /// Sets the moment the report says it was made (a report merged from
    /// parts is made when the last part is in).
    pub(crate) fn stamp(&mut self, export_timestamp: chrono::DateTime<chrono::Utc>) {
        self.settings.export_timestamp = export_timestamp;
    }

    /// Records read so far.
    pub(crate) fn records_read(&self) -> usize {
        self.records_read
    }

    /// The report of an uploaded file, read as `format` with `mapping`:
    /// [`finish`](Self::finish) with the file as the source.
    ///
    /// # Errors
    /// [`IngestError::NoRecords`] when the file held no record.
    pub(crate) fn finish_upload(
        self,
        file_name: String,
        format: InputFormat,
        mapping: Mapping,
    ) -> Result<Report<'a>, IngestError> {
        if self.records_read == 0 {
            return Err(IngestError::NoRecords { format });
        }
        let source = SourceInfo::Upload {
            file_name,
            format,
            workers: 1,
            via: None,
        };
        Ok(self.finish(source, mapping))
    }

    /// Deduplicates, sorts and summarises; `mapping` is the field mapping
    /// the records were read with.
    pub(crate) fn finish(self, source: SourceInfo, mapping: Mapping) -> Report<'a> {
        let settings = self.settings;
        let duplicates = self.deduper.finish();
        let mut customers = self.customers;
        let counts = self.counts.unwrap_or_else(|| Counts::of(&customers));
        customers.sort_by_name();
        let metadata = Metadata {
            total_customers: customers.len(),
            export_timestamp: format_timestamp(settings.export_timestamp),
            data_quality_summary: QualitySummary::from_counts(&counts),
            seed: settings.seed,
            as_of: settings.as_of.to_string(),
            source,
            mapping,
            records_read: self.records_read,
            duplicates_removed: duplicates.len(),
            rejected_records: self.rejected.len(),
            issues_by_field: IssueCounts::from_counts(&counts),
            distributions: Distributions::from_counts(&counts, &customers),
            enrichment: Enrichment::from_counts(&counts, settings.seed, settings.simulate),
            complete: true,
            failed_pages: Vec::new(),
            warnings: Vec::new(),
            truncated: None,
            fetch: None,
        };
        Report {
            metadata,
            customers,
            rejected: self.rejected,
            duplicates,
        }
    }
}

/// Reads a whole uploaded file and builds its report, through the same
/// reader as an upload read in chunks ([`crate::stream::UploadStream`]).
///
/// # Errors
/// [`IngestError`] when the file cannot be read as customer records at all.
pub fn process_upload<'a>(
    input: &'a [u8],
    file_name: &str,
    settings: &RunSettings,
) -> Result<Report<'a>, IngestError> {
    process_upload_with(input, file_name, settings, &ReadOptions::default())
}

/// [`process_upload`] with a field mapping (and CSV separator) given.
///
/// # Errors
/// As [`process_upload`].
pub fn process_upload_with<'a>(
    input: &'a [u8],
    file_name: &str,
    settings: &RunSettings,
    options: &ReadOptions,
) -> Result<Report<'a>, IngestError> {
    let mut builder = ReportBuilder::new(settings);
    let options = options.clone().for_file(file_name);
    let (format, mapping) =
        Reader::read_all_with(input, &options, &mut |item| builder.add_transient(item))?;
    builder.finish_upload(file_name.to_owned(), format, mapping)
}

/// Builds the report of an API run from its pages (number and body), in
/// page order, so the order pages completed in does not matter, with what
/// the fetch proved about its source.
///
/// A page whose body cannot be read as an envelope (which the fetcher
/// already checked) is listed with the failed pages.
pub fn process_fetched<'a>(
    pages: impl IntoIterator<Item = (u64, &'a [u8])>,
    provenance: ApiProvenance,
    mapping: &MappingSpec,
    settings: &RunSettings,
    clock: &dyn Clock,
) -> Report<'a> {
    let started = clock.now();
    let mut failed_pages = provenance.failed_pages;
    let records_path = provenance.records_path.as_deref();
    // APIs such as HubSpot's send numbers as strings.
    let mut mapper = Mapper::new(mapping.clone()).reading_numeric_strings();
    let mut items = Vec::new();
    let mut unreadable = false;
    for (page, body) in pages {
        match ingest_page_at(body, page, records_path, &mut mapper) {
            Ok(page_items) => items.extend(page_items),
            Err(error) => {
                unreadable = true;
                failed_pages.push(PageFailure {
                    page,
                    attempts: 0,
                    code: FailureCode::NotAnEnvelope,
                    reason: error.to_string(),
                });
            }
        }
    }
    order::sort_by_key(&mut failed_pages, |failure| failure.page);
    let source = SourceInfo::Api {
        url: provenance.url,
        redirected_to: provenance.redirected_to,
        pages_total: provenance.pages_total,
        pages_fetched: provenance.pages_fetched,
        records_stated: provenance.records_stated,
        records_received: provenance.records_received,
        walk_ended: provenance.walk_ended,
        refetches: provenance.refetches,
        settings: provenance.api,
        via: None,
    };
    let mut builder = ReportBuilder::new(settings);
    for item in &items {
        builder.add(item);
    }
    let mut report = builder.finish(source, mapper.mapping());
    let metadata = &mut report.metadata;
    metadata.complete = provenance.complete && !unreadable;
    metadata.failed_pages = failed_pages;
    metadata.warnings = provenance.warnings;
    metadata.truncated = provenance.truncated;
    if provenance.cancelled {
        metadata.warnings.push(Warning {
            code: WarningCode::Cancelled,
            page: None,
            message: "The run was cancelled before every page was fetched".into(),
        });
    }
    let mut stats = provenance.stats;
    stats.process_ms = millis_since(clock, started);
    metadata.fetch = Some(stats);
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::mapping::Field;

    fn settings() -> RunSettings {
        RunSettings::from_text("42", "2026-11-24", "2026-11-24T12:00:00Z").unwrap()
    }

    #[test]
    fn every_record_is_accounted_for() {
        let input = br#"[{"id": 2, "first_name": "b"}, {"id": 1, "first_name": "A"},
            {"id": 2, "first_name": "b", "last_name": "z"}, {"email": "x@y.z"}, 7]"#;
        let report = process_upload(input, "f.json", &settings()).unwrap();
        let m = &report.metadata;
        assert_eq!(m.records_read, 5);
        assert_eq!(
            (m.total_customers, m.duplicates_removed, m.rejected_records),
            (2, 1, 2)
        );
        assert_eq!(
            m.records_read,
            m.total_customers + m.duplicates_removed + m.rejected_records
        );
        let reasons: Vec<_> = report
            .rejected
            .iter()
            .map(|r| (r.position.to_string(), r.reason.clone()))
            .collect();
        assert_eq!(
            reasons,
            [
                ("record 4".to_string(), "id: missing".to_string()),
                (
                    "record 5".to_string(),
                    "not a record: expected an object, found a number".to_string()
                )
            ]
        );
        assert_eq!(&*report.rejected[0].record, r#"{"email": "x@y.z"}"#);
        assert_eq!(report.duplicates[0].position.to_string(), "record 1");
        assert_eq!(report.duplicates[0].kept_position.to_string(), "record 3");
    }

    #[test]
    fn customers_sort_by_name_case_insensitively_then_id() {
        let input = br#"[{"id": 3, "first_name": "bob"}, {"id": 2, "first_name": "Bob"},
            {"id": 1, "first_name": "alice"}, {"id": 4, "first_name": "Carol"}]"#;
        let report = process_upload(input, "f.json", &settings()).unwrap();
        let order: Vec<_> = report.customers.iter().map(|c| c.customer_id).collect();
        assert_eq!(order, [1, 2, 3, 4]);
    }

    #[test]
    fn summary_and_issue_counts() {
        let input = br#"[
            {"id": 1, "first_name": "A", "last_name": "B", "email": "a@b.co", "avatar": "https://x.y/a.png"},
            {"id": 2, "first_name": "A", "last_name": "B", "email": "a@b.co", "avatar": "https://x.y/a.png", "engagement_score": null},
            {"id": 3, "first_name": "A", "last_name": "B", "avatar": "https://x.y/a.png", "engagement_score": null},
            {"id": 4, "first_name": "A", "last_name": "B", "avatar": "x", "email": "bad", "last_login": "x", "engagement_score": null}
        ]"#;
        let report = process_upload(input, "f.json", &settings()).unwrap();
        assert_eq!(
            report.metadata.data_quality_summary,
            QualitySummary {
                high_quality: 2,
                medium_quality: 1,
                low_quality: 1
            }
        );
        let counts = report.metadata.issues_by_field;
        assert_eq!(counts.get(Field::EngagementScore), 3);
        assert_eq!(counts.get(Field::Email), 2);
        assert_eq!(counts.get(Field::FirstName), 0);
        let json = serde_json::to_string(&counts).unwrap();
        assert_eq!(
            json,
            r#"{"first_name":0,"last_name":0,"email":2,"avatar":1,"last_login":1,"engagement_score":3}"#
        );
    }

    struct FixedClock;

    impl Clock for FixedClock {
        fn now(&self) -> chrono::DateTime<chrono::Utc> {
            settings().export_timestamp
        }
    }

    #[test]
    fn a_cancelled_api_run_says_so_with_its_code() {
        let page = br#"{"page": 1, "total_pages": 2, "data": [{"id": 1, "first_name": "A"}]}"#;
        let provenance = ApiProvenance {
            cancelled: true,
            ..ApiProvenance::default()
        };
        let report = process_fetched(
            [(1, &page[..])],
            provenance,
            &MappingSpec::none(),
            &settings(),
            &FixedClock,
        );
        assert_eq!(
            serde_json::to_value(&report.metadata.warnings).unwrap(),
            serde_json::json!([{
                "code": "cancelled",
                "message": "The run was cancelled before every page was fetched"
            }])
        );
    }

    #[test]
    fn output_is_byte_identical_for_the_same_run_and_independent_of_order() {
        let a = br#"[{"id": 1, "first_name": "A"}, {"id": 2, "first_name": "B"}]"#;
        let b = br#"[{"id": 2, "first_name": "B"}, {"id": 1, "first_name": "A"}]"#;
        let first = process_upload(a, "f.json", &settings()).unwrap().to_json();
        let again = process_upload(a, "f.json", &settings()).unwrap().to_json();
        assert_eq!(first, again);
        let customers = |input| {
            let report = process_upload(input, "f.json", &settings()).unwrap();
            let json: serde_json::Value = serde_json::from_slice(&report.to_json()).unwrap();
            json["customers"].to_string()
        };
        assert_eq!(customers(a), customers(b));
    }
}
