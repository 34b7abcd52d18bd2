//! A look at the start of a source before a run, for the mapping panel:
//! its layout, its columns (a CSV header, or the key paths of the first
//! records), the proposed mapping, and the first records as they would be
//! read with it.

use serde::Serialize;

use crate::common::field::excerpt;
use crate::source::ingest::{ingest_page_at, IngestError, InputFormat, SourceItem};
use crate::source::mapping::{Field, Mapping, MappingSpec};
use crate::source::reader::{ReadOptions, Reader};
use crate::source::record::{customer_id, key_paths, Mapper};

/// Records shown in the preview.
pub(crate) const PREVIEW_RECORDS: usize = 5;

/// How much of a larger file the probe looks at (the page reads this much
/// of the file's start, through the vocabulary): room for a header and far
/// more than the preview's records.
pub(crate) const PROBE_BYTES: usize = 64 * 1024;

/// JSON records whose keys are listed as the source's columns (the
/// mapping itself is proposed from the first, as a run proposes it).
const COLUMN_RECORDS: usize = 100;

/// What the start of a source looks like.
#[derive(Debug, Serialize)]
pub(crate) struct Probe {
    /// The layout found (`csv`, `record_array`, …).
    pub(crate) format: InputFormat,
    /// The CSV separator, for CSV.
    pub(crate) separator: Option<String>,
    /// The source's columns: the header, or the first records' key paths.
    pub(crate) columns: Vec<String>,
    /// The proposed mapping (with the user's overrides applied).
    pub(crate) mapping: Mapping,
    /// The first records read with that mapping: per contract field (in
    /// contract order) its text, or `None` when absent.
    pub(crate) preview: Vec<PreviewRow>,
    /// Why a run with this mapping would be refused (a CSV with no column
    /// for the customer id), if it would.
    pub(crate) refusal: Option<Refusal>,
}

/// A run's refusal of the source as the panel shows it.
#[derive(Debug, Serialize)]
pub(crate) struct Refusal {
    /// The error code the run would fail with (`no_id_column`).
    pub(crate) code: &'static str,
    /// The run's message.
    pub(crate) message: String,
}

/// One record of the preview.
#[derive(Debug, Serialize)]
pub(crate) struct PreviewRow {
    /// Where it is, e.g. `row 2` or `record 1`.
    pub(crate) position: String,
    /// Per contract field, the text read (shortened), or `None` where the
    /// record has none; `None` as a whole when the record cannot be read.
    pub(crate) values: Option<Vec<Option<String>>>,
    /// Why it cannot be read, or why the run will reject it (no valid id).
    pub(crate) problem: Option<String>,
}

/// Looks at `start`, the beginning of a source (a whole small file, the
/// first [`PROBE_BYTES`] of a big one); `complete` says whether it is the
/// whole source.
///
/// # Errors
/// [`IngestError`] when the start cannot be read (not text, invalid JSON
/// or CSV before the cut, the wrong shape).
// Used by the page (`web`, wasm32 only) and by tests.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub(crate) fn probe(
    start: &[u8],
    options: &ReadOptions,
    complete: bool,
) -> Result<Probe, IngestError> {
    // Read as a run reads, so the mapping decided is the run's; but a CSV
    // without a customer id column is shown (the panel is where one is
    // chosen), with the run's refusal as its problem.
    let refusal = match probe_start(start, options, complete) {
        Err(error @ IngestError::NoIdColumn { .. }) => Some(error),
        Err(error) => return Err(error),
        Ok(probe) => return Ok(probe),
    };
    let options = ReadOptions {
        allow_no_id: true,
        ..options.clone()
    };
    let mut found = probe_start(start, &options, complete)?;
    found.refusal = refusal.map(|error| Refusal {
        code: error.code(),
        message: error.to_string(),
    });
    Ok(found)
}

// Used by the page (`web`, wasm32 only) and by tests.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn probe_start(start: &[u8], options: &ReadOptions, complete: bool) -> Result<Probe, IngestError> {
    let mut reader = Reader::with_options(options);
    let mut raws: Vec<String> = Vec::new();
    let mut preview = Vec::new();
    let mut collect = |item: &SourceItem<'_>| {
        if raws.len() < COLUMN_RECORDS {
            raws.push(item.raw.to_owned());
        }
        if preview.len() < PREVIEW_RECORDS {
            preview.push(PreviewRow::of(item));
        }
    };
    reader.push(start, &mut collect)?;
    let format = if complete {
        reader.finish(&mut collect)?
    } else {
        reader.format_so_far()
    };
    let (columns, mapping) = if format == InputFormat::Csv {
        let mapping = reader.mapping();
        (mapping.columns().to_vec(), mapping)
    } else {
        with_seen_columns(reader.mapping(), &raws)
    };
    let separator = (format == InputFormat::Csv).then(|| {
        let separator = options
            .separator
            .unwrap_or_else(|| reader.csv_separator().unwrap_or(b','));
        char::from(separator).to_string()
    });
    Ok(Probe {
        format,
        separator,
        columns,
        mapping,
        preview,
        refusal: None,
    })
}

/// Looks at an API's first page (a `{"page":…, "data":[…]}` envelope), as
/// [`probe`] looks at a file.
///
/// # Errors
/// [`IngestError`] when the page is not an envelope of records.
// Used by the fuzz target (`source::fuzzing`) and by tests.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn probe_page(
    body: &[u8],
    page: u64,
    options: &MappingSpec,
) -> Result<Probe, IngestError> {
    probe_page_at(body, page, None, options)
}

/// [`probe_page`] for a page whose records are at the dotted `records`
/// path (`results`, `customers`; `None`: `data`), as a run reads them:
/// strings holding numbers read as numbers where the contract wants one.
///
/// # Errors
/// [`IngestError`] when the page has no array of records there.
// Used by the page (`web`, wasm32 only), the fuzz target and tests.
#[cfg_attr(
    not(any(target_arch = "wasm32", feature = "fuzzing")),
    allow(dead_code)
)]
pub(crate) fn probe_page_at(
    body: &[u8],
    page: u64,
    records: Option<&str>,
    options: &MappingSpec,
) -> Result<Probe, IngestError> {
    let mut mapper = Mapper::new(options.clone()).reading_numeric_strings();
    let items = ingest_page_at(body, page, records, &mut mapper)?;
    let raws: Vec<&str> = items
        .iter()
        .take(COLUMN_RECORDS)
        .map(|item| item.raw)
        .collect();
    let (columns, mapping) = with_seen_columns(mapper.mapping(), &raws);
    let preview = items
        .iter()
        .take(PREVIEW_RECORDS)
        .map(PreviewRow::of)
        .collect();
    Ok(Probe {
        format: InputFormat::PageEnvelope,
        separator: None,
        columns,
        mapping,
        preview,
        refusal: None,
    })
}

/// A JSON run's mapping (decided from its first record: a field found in
/// no key keeps its contract name, as later records may have it), listing
/// the key paths of the first `records` as the source's columns.
fn with_seen_columns(mapping: Mapping, records: &[impl AsRef<str>]) -> (Vec<String>, Mapping) {
    let mut columns: Vec<String> = Vec::new();
    for raw in records {
        for path in key_paths(raw.as_ref()) {
            if !columns.contains(&path) {
                columns.push(path);
            }
        }
    }
    (columns.clone(), mapping.with_columns(columns))
}

impl PreviewRow {
    /// The text of the `at`th contract field, if the record has one.
    #[cfg(test)]
    pub(crate) fn value(&self, at: usize) -> Option<&str> {
        self.values.as_ref()?.get(at)?.as_deref()
    }

    fn of(item: &SourceItem<'_>) -> PreviewRow {
        let (values, problem) = match &item.parsed {
            Ok(record) => (
                Some(
                    Field::ALL
                        .iter()
                        .map(|field| {
                            record
                                .raw(*field)
                                .map(|raw| excerpt(raw.text()).into_owned())
                        })
                        .collect(),
                ),
                // A record without a valid id will be rejected: say so now.
                customer_id(record.value(Field::Id).as_ref()).err(),
            ),
            Err(reason) => (None, Some(reason.clone())),
        };
        PreviewRow {
            position: item.position.to_string(),
            values,
            problem,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_header_is_probed_from_the_first_bytes() {
        let file = std::fs::read("tests/fixtures/hubspot_contacts.csv").unwrap();
        // The header and the first two rows, the third cut off.
        let probe = probe(&file[..300], &ReadOptions::default(), false).unwrap();
        assert_eq!(probe.format, InputFormat::Csv);
        assert_eq!(probe.separator.as_deref(), Some(";"));
        assert_eq!(probe.columns[0], "Record ID");
        assert_eq!(
            probe.mapping.source(Field::LastLogin),
            Some("Last Activity Date")
        );
        assert_eq!(probe.mapping.source(Field::Avatar), None);
        assert_eq!(probe.preview[0].position, "row 2");
        assert_eq!(probe.preview[0].value(0), Some("101"));
        assert_eq!(probe.preview[0].value(5), Some("2026-11-20 09:15"));
        assert_eq!(probe.preview.len(), 2);
    }

    #[test]
    fn json_is_proposed_as_a_run_proposes_it() {
        let file = std::fs::read("tests/fixtures/camel_case_customers.json").unwrap();
        let probe = probe(&file, &ReadOptions::default(), true).unwrap();
        assert_eq!(probe.format, InputFormat::RecordArray);
        assert!(probe.columns.contains(&"contact.email".to_string()));
        assert_eq!(probe.mapping.source(Field::Email), Some("contact.email"));
        assert_eq!(probe.mapping.source(Field::Id), Some("customerId"));
        assert_eq!(probe.preview.len(), 4);
        assert_eq!(probe.preview[0].value(3), Some("\"noor@example.com\""));

        // A key the first record lacks keeps its contract name (a later
        // record may have it, as the second here has `avatar`); keys of
        // later records are offered as columns.
        let reqres =
            br#"[{"id": 1, "email": "a@b.co"}, {"id": 2, "avatar": "https://a.b/c", "plan": "x"}]"#;
        let probe = super::probe(reqres, &ReadOptions::default(), true).unwrap();
        assert_eq!(probe.mapping.source(Field::Avatar), Some("avatar"));
        assert_eq!(probe.columns, ["id", "email", "avatar", "plan"]);
        assert_eq!(probe.mapping.ignored_columns(), ["plan"]);
        let mut reader = Reader::new();
        reader.push(reqres, &mut |_| {}).unwrap();
        reader.finish(&mut |_| {}).unwrap();
        let run = reader.mapping();
        for field in Field::ALL {
            assert_eq!(
                probe.mapping.source(field),
                run.source(field),
                "the preview shows what the run reads: {field:?}"
            );
        }
        assert_eq!(probe.preview[1].value(4), Some("\"https://a.b/c\""));

        let spec = MappingSpec::parse("avatar:").unwrap();
        let options = ReadOptions {
            mapping: spec,
            ..ReadOptions::default()
        };
        let probe = super::probe(reqres, &options, true).unwrap();
        assert_eq!(probe.mapping.source(Field::Avatar), None, "the user's word");
        assert_eq!(probe.preview[1].value(4), None);
    }

    #[test]
    fn a_record_the_run_will_reject_says_why_in_the_preview() {
        let file = br#"[{"id": 1}, {"email": "a@b.co"}, {"id": -3}, {"id": 4, "id": 5}]"#;
        let probe = probe(file, &ReadOptions::default(), true).unwrap();
        let problems: Vec<_> = probe
            .preview
            .iter()
            .map(|row| row.problem.as_deref())
            .collect();
        assert_eq!(
            problems,
            [
                None,
                Some("id: missing"),
                Some("id: not a positive integer (-3)"),
                Some("unreadable record: duplicate field `id`")
            ]
        );
        assert_eq!(
            probe.preview[1].value(3),
            Some("\"a@b.co\""),
            "read, then rejected"
        );
        assert_eq!(probe.preview[3].values, None, "not read at all");
    }

    #[test]
    fn an_unreadable_start_says_why() {
        assert_eq!(
            probe(b"[{\"id\": 1,}]", &ReadOptions::default(), true)
                .unwrap_err()
                .code(),
            "invalid_json"
        );
    }

    #[test]
    fn an_api_page_is_probed_from_its_data() {
        let body = br#"{"page": 1, "total_pages": 3, "data": [
            {"customer_id": 7, "contact": {"email": "noor@example.com"}, "first_name": "Noor"},
            {"customer_id": 8, "contact": {"email": "sam@example.com"}, "first_name": "Sam"}
        ]}"#;
        let probe = probe_page(body, 1, &MappingSpec::none()).unwrap();
        assert_eq!(probe.format, InputFormat::PageEnvelope);
        assert_eq!(
            probe.columns,
            ["customer_id", "contact.email", "first_name"]
        );
        assert_eq!(probe.mapping.source(Field::Id), Some("customer_id"));
        assert_eq!(probe.mapping.source(Field::Email), Some("contact.email"));
        assert_eq!(probe.mapping.source(Field::LastName), Some("last_name"));
        assert_eq!(probe.preview.len(), 2);
        assert_eq!(probe.preview[1].position, "page 1, record 2");
        assert_eq!(probe.preview[1].value(0), Some("8"));
        let spec = MappingSpec::parse("email:").unwrap();
        let probe = probe_page(body, 1, &spec).unwrap();
        assert_eq!(probe.mapping.source(Field::Email), None, "the user's word");
        assert_eq!(probe.preview[0].value(3), None, "email not read");
        assert_eq!(probe.preview[0].value(1), Some("\"Noor\""));
        let error = probe_page(b"[1, 2]", 1, &MappingSpec::none()).unwrap_err();
        assert_eq!(error.code(), "wrong_shape");
    }

    #[test]
    fn an_api_page_with_nested_string_fields_is_proposed_and_previewed() {
        let body = br#"{"results":[{"id":"7","properties":{"firstname":"Jana","lastname":"N","email":"j@example.cz","hubspotscore":"82","notes_last_updated":"2026-11-20T09:15:00Z"}}],"paging":{}}"#;
        let probe = probe_page_at(body, 1, Some("results"), &MappingSpec::none()).unwrap();
        let json = serde_json::to_value(&probe).unwrap();
        let fields = &json["mapping"]["fields"];
        assert_eq!(fields["first_name"], "properties.firstname");
        assert_eq!(fields["engagement_score"], "properties.hubspotscore");
        assert_eq!(fields["last_login"], "properties.notes_last_updated");
        let score = Field::ALL
            .iter()
            .position(|f| *f == Field::EngagementScore)
            .unwrap();
        assert_eq!(probe.preview[0].value(score), Some("82"));
        assert!(probe_page_at(body, 1, Some("data"), &MappingSpec::none()).is_err());
    }
}
