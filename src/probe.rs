//! A look at the start of a source before a run, for the mapping panel:
//! its layout, its columns (a CSV header, or the key paths of the first
//! records), the proposed mapping, and the first records as they would be
//! read with it.

use serde::Serialize;

use crate::field::excerpt;
use crate::ingest::{ingest_page, IngestError, InputFormat, SourceItem};
use crate::mapping::{Field, Mapping, MappingSpec};
use crate::reader::{ReadOptions, Reader};
use crate::record::{key_paths, Mapper};

/// Records looked at for columns and shown in the preview.
pub const PREVIEW_RECORDS: usize = 5;

/// What the start of a source looks like.
#[derive(Debug, Serialize)]
pub struct Probe {
    /// The layout found (`csv`, `record_array`, …).
    pub format: InputFormat,
    /// The CSV separator, for CSV.
    pub separator: Option<String>,
    /// The source's columns: the header, or the first records' key paths.
    pub columns: Vec<String>,
    /// The proposed mapping (with the user's overrides applied).
    pub mapping: Mapping,
    /// The first records read with that mapping: per contract field (in
    /// contract order) its text, or `None` when absent.
    pub preview: Vec<PreviewRow>,
}

/// One record of the preview.
#[derive(Debug, Serialize)]
pub struct PreviewRow {
    /// Where it is, e.g. `row 2` or `record 1`.
    pub position: String,
    /// Per contract field, the text read (shortened), or `None`.
    pub values: Vec<Option<String>>,
    /// Why it cannot be a record, if it cannot.
    pub problem: Option<String>,
}

/// Looks at `start`, the beginning of a source (a whole small file, the
/// first 64 KB of a big one); `complete` says whether it is the whole source.
///
/// # Errors
/// [`IngestError`] when the start cannot be read (not text, invalid JSON
/// or CSV before the cut, the wrong shape).
pub fn probe(start: &[u8], options: &ReadOptions, complete: bool) -> Result<Probe, IngestError> {
    // First pass: the layout, and the first records' text.
    let mut reader = Reader::with_options(&ReadOptions {
        mapping: MappingSpec::none(),
        separator: options.separator,
    });
    let mut raws: Vec<String> = Vec::new();
    let mut collect = |item: &SourceItem<'_>| {
        if raws.len() < PREVIEW_RECORDS {
            raws.push(item.raw.to_owned());
        }
    };
    reader.push(start, &mut collect)?;
    let format = if complete {
        reader.finish(&mut collect)?
    } else {
        reader.format_so_far()
    };
    let columns = if format == InputFormat::Csv {
        reader.mapping().columns().to_vec()
    } else {
        columns_of(&raws)
    };
    let mapping = Mapping::propose(&columns, &options.mapping, true);
    // Second pass: the first records read with every field decided.
    let mut preview = Vec::new();
    let mut reader = Reader::with_options(&ReadOptions {
        mapping: decided(&mapping),
        separator: options.separator,
    });
    let mut show = |item: &SourceItem<'_>| {
        if preview.len() < PREVIEW_RECORDS {
            preview.push(PreviewRow::of(item));
        }
    };
    reader.push(start, &mut show)?;
    if complete {
        reader.finish(&mut show)?;
    }
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
    })
}

/// Looks at an API's first page (a `{"page":…, "data":[…]}` envelope), as
/// [`probe`] looks at a file.
///
/// # Errors
/// [`IngestError`] when the page is not an envelope of records.
pub fn probe_page(body: &[u8], page: u64, options: &MappingSpec) -> Result<Probe, IngestError> {
    let items = ingest_page(body, page, &mut Mapper::new(MappingSpec::none()))?;
    let raws: Vec<&str> = items
        .iter()
        .take(PREVIEW_RECORDS)
        .map(|item| item.raw)
        .collect();
    let columns = columns_of(&raws);
    let mapping = Mapping::propose(&columns, options, true);
    let items = ingest_page(body, page, &mut Mapper::new(decided(&mapping)))?;
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
    })
}

/// The key paths of `records`, in the order first seen.
fn columns_of(records: &[impl AsRef<str>]) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    for raw in records {
        for path in key_paths(raw.as_ref()) {
            if !columns.contains(&path) {
                columns.push(path);
            }
        }
    }
    columns
}

/// `mapping` as a spec with every field decided, so a second read uses it
/// as it is rather than proposing again.
fn decided(mapping: &Mapping) -> MappingSpec {
    let mut spec = MappingSpec::none();
    for field in Field::ALL {
        spec.set(field, mapping.source(field).map(str::to_owned));
    }
    spec
}

impl PreviewRow {
    fn of(item: &SourceItem<'_>) -> PreviewRow {
        let (values, problem) = match &item.parsed {
            Ok(record) => (
                Field::ALL
                    .iter()
                    .map(|field| {
                        record
                            .raw(*field)
                            .map(|raw| excerpt(raw.text()).into_owned())
                    })
                    .collect(),
                None,
            ),
            Err(reason) => (vec![None; Field::ALL.len()], Some(reason.clone())),
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
        assert_eq!(probe.preview[0].values[0].as_deref(), Some("101"));
        assert_eq!(
            probe.preview[0].values[5].as_deref(),
            Some("2026-11-20 09:15")
        );
        assert_eq!(probe.preview.len(), 2);
    }

    #[test]
    fn json_columns_come_from_the_first_records_and_missing_fields_are_proposed_absent() {
        let file = std::fs::read("tests/fixtures/camel_case_customers.json").unwrap();
        let probe = probe(&file, &ReadOptions::default(), true).unwrap();
        assert_eq!(probe.format, InputFormat::RecordArray);
        assert!(probe.columns.contains(&"contact.email".to_string()));
        assert_eq!(probe.mapping.source(Field::Email), Some("contact.email"));
        assert_eq!(probe.mapping.source(Field::Id), Some("customerId"));
        assert_eq!(probe.preview.len(), 4);
        assert_eq!(
            probe.preview[0].values[3].as_deref(),
            Some("\"noor@example.com\"")
        );
        let reqres = br#"[{"id": 1, "email": "a@b.co"}]"#;
        let probe = super::probe(reqres, &ReadOptions::default(), true).unwrap();
        assert_eq!(
            probe.mapping.source(Field::Avatar),
            None,
            "not in these records"
        );
        let spec = MappingSpec::parse("avatar:avatar").unwrap();
        let options = ReadOptions {
            mapping: spec,
            separator: None,
        };
        let probe = super::probe(reqres, &options, true).unwrap();
        assert_eq!(
            probe.mapping.source(Field::Avatar),
            Some("avatar"),
            "the user's word"
        );
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
        assert_eq!(probe.mapping.source(Field::LastName), None);
        assert_eq!(probe.preview.len(), 2);
        assert_eq!(probe.preview[1].position, "page 1, record 2");
        assert_eq!(probe.preview[1].values[0].as_deref(), Some("8"));
        let spec = MappingSpec::parse("email:").unwrap();
        let probe = probe_page(body, 1, &spec).unwrap();
        assert_eq!(probe.mapping.source(Field::Email), None, "the user's word");
        assert_eq!(probe.preview[0].values[3], None, "email not read");
        assert_eq!(probe.preview[0].values[1].as_deref(), Some("\"Noor\""));
        let error = probe_page(b"[1, 2]", 1, &MappingSpec::none()).unwrap_err();
        assert_eq!(error.code(), "wrong_shape");
    }
}
