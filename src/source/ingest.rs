//! What reading produces: positioned source items, the layout found, and
//! the errors that make an input unusable; and reading one API page.
//!
//! Files are read by [`crate::source::reader`]. Any JSON object with a `data` key
//! is taken as an envelope. Errors that make the whole file unusable
//! (empty, not UTF-8, invalid JSON, the wrong shape) are [`IngestError`]s;
//! a single element that is not a usable object becomes a [`SourceItem`]
//! whose `parsed` is an error, so it is rejected with its position instead
//! of being dropped.

use std::fmt;

use serde::Serialize;
use serde_json::value::RawValue;

use crate::common::errors::error_codes;
use crate::common::json_path::at_path;
use crate::common::wire::{Wire, WireError, WireReader, Writer};
use crate::source::mapping::Field;
use crate::source::record::{InputObject, Mapper, SourceRecord};
use crate::source::sniff::BinaryKind;

/// How the input was laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputFormat {
    /// One `{"page":…, "data":[…]}` object.
    PageEnvelope,
    /// A JSON array whose elements are all envelopes.
    EnvelopeArray,
    /// A JSON array of records (no envelopes).
    RecordArray,
    /// A JSON array mixing envelopes and records.
    MixedArray,
    /// Newline-delimited JSON: a record or an envelope per line.
    Ndjson,
    /// CSV with a header row.
    Csv,
}

impl InputFormat {
    /// Every layout, in the order the README lists them.
    pub(crate) const ALL: [InputFormat; 6] = [
        InputFormat::RecordArray,
        InputFormat::EnvelopeArray,
        InputFormat::MixedArray,
        InputFormat::PageEnvelope,
        InputFormat::Ndjson,
        InputFormat::Csv,
    ];

    /// The layout's name in reports and events (as serialized).
    pub(crate) fn name(self) -> &'static str {
        match self {
            InputFormat::PageEnvelope => "page_envelope",
            InputFormat::EnvelopeArray => "envelope_array",
            InputFormat::RecordArray => "record_array",
            InputFormat::MixedArray => "mixed_array",
            InputFormat::Ndjson => "ndjson",
            InputFormat::Csv => "csv",
        }
    }

    /// The layout as people read it.
    pub(crate) fn label(self) -> &'static str {
        match self {
            InputFormat::PageEnvelope => "one page envelope",
            InputFormat::EnvelopeArray => "a JSON array of page envelopes",
            InputFormat::RecordArray => "a JSON array of records",
            InputFormat::MixedArray => "a JSON array of records and envelopes",
            InputFormat::Ndjson => "NDJSON (one JSON value after another)",
            InputFormat::Csv => "CSV with a header row",
        }
    }
}

impl Wire for InputFormat {
    fn put(&self, out: &mut Writer) {
        let at = InputFormat::ALL.iter().position(|f| f == self).unwrap_or(0);
        out.u8(at as u8);
    }

    fn take(from: &mut WireReader<'_>) -> Result<Self, WireError> {
        let at = usize::from(from.u8()?);
        InputFormat::ALL.get(at).copied().ok_or(WireError)
    }
}

/// Where a record sits in the input, shown to people as "line 4, page 2, record 3".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Position {
    /// 1-based line of the NDJSON line holding the record or its envelope.
    pub(crate) line: Option<usize>,
    /// The envelope's `page` number, when it has a valid one.
    pub(crate) page: Option<u64>,
    /// 1-based index of the envelope in an array, used when `page` is missing.
    pub(crate) envelope: Option<usize>,
    /// 1-based index of the record in its array.
    pub(crate) record: Option<usize>,
    /// 1-based row of a CSV file (the header is row 1).
    pub(crate) row: Option<usize>,
}

impl Wire for Position {
    /// Which of the five are given (a bit each), then those given.
    fn put(&self, out: &mut Writer) {
        let small = [self.line, self.envelope, self.record, self.row];
        let mut given = u8::from(self.page.is_some()) << 4;
        for (bit, value) in small.iter().enumerate() {
            given |= u8::from(value.is_some()) << bit;
        }
        out.u8(given);
        for value in small.into_iter().flatten() {
            out.usize(value);
        }
        if let Some(page) = self.page {
            out.uint(page);
        }
    }

    fn take(from: &mut WireReader<'_>) -> Result<Self, WireError> {
        let given = from.u8()?;
        if given >> 5 != 0 {
            return Err(WireError);
        }
        let mut small = [None; 4];
        for (bit, value) in small.iter_mut().enumerate() {
            if given & (1 << bit) != 0 {
                *value = Some(from.usize()?);
            }
        }
        let page = if given & (1 << 4) != 0 {
            Some(from.uint()?)
        } else {
            None
        };
        let [line, envelope, record, row] = small;
        Ok(Position {
            line,
            page,
            envelope,
            record,
            row,
        })
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::with_capacity(3);
        if let Some(row) = self.row {
            parts.push(format!("row {row}"));
        }
        if let Some(line) = self.line {
            parts.push(format!("line {line}"));
        }
        if let Some(page) = self.page {
            parts.push(format!("page {page}"));
        } else if let Some(envelope) = self.envelope {
            parts.push(format!("envelope {envelope}"));
        }
        if let Some(record) = self.record {
            parts.push(format!("record {record}"));
        }
        if parts.is_empty() {
            f.write_str("the whole input")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

impl Serialize for Position {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// One element of the input in source order: a record, or something that
/// should have been one.
#[derive(Debug, Clone)]
pub struct SourceItem<'a> {
    /// Where the element is in the input.
    pub(crate) position: Position,
    /// The element's original JSON text, kept for the rejected list.
    pub(crate) raw: &'a str,
    /// The parsed record, or why the element is not a usable object.
    pub(crate) parsed: Result<SourceRecord<'a>, String>,
}

/// Why an input could not be read at all. No partial result comes with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestError {
    /// The input has no content (or only white space).
    Empty,
    /// The input is UTF-16 (or UTF-32), not UTF-8.
    Utf16,
    /// The input is not valid UTF-8; the position is of the first bad byte.
    NotUtf8 {
        /// 1-based line.
        line: usize,
        /// 1-based column, in bytes.
        column: usize,
    },
    /// The input is not valid JSON or NDJSON.
    InvalidJson {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// The parser's description of what it expected.
        message: String,
    },
    /// A CSV quoted field that is never closed.
    UnterminatedQuote {
        /// The row where the quoted field began (the header is row 1).
        row: usize,
    },
    /// The file's name says JSON (`.json`, `.ndjson`, `.jsonl`), but it
    /// does not start as JSON.
    NotJson {
        /// The name's extension, e.g. `.json`.
        extension: String,
        /// 1-based line of the first character JSON cannot take.
        line: usize,
        /// 1-based column, in bytes.
        column: usize,
        /// The start of the text found there.
        found: String,
    },
    /// A CSV none of whose columns is the customer id (proposed or
    /// chosen): every record would be rejected, so the run is refused.
    NoIdColumn {
        /// The header's columns.
        columns: Vec<String>,
        /// When the content chose CSV: where JSON failed, and what was there.
        not_json: Option<(usize, usize, String)>,
    },
    /// One JSON value is larger than the most a value may be.
    ValueTooLarge {
        /// 1-based line where it starts.
        line: usize,
        /// 1-based column where it starts.
        column: usize,
        /// The limit, in bytes.
        limit: usize,
    },
    /// One CSV row is larger than the most a row may be (often a quote
    /// left open).
    RowTooLarge {
        /// The row (the header is row 1).
        row: usize,
        /// The limit, in bytes.
        limit: usize,
    },
    /// The file is not text but a known binary kind (a PDF, a workbook,
    /// an image), told by its first bytes.
    NotText {
        /// What it looks like.
        looks_like: BinaryKind,
    },
    /// The file is readable but holds no record at all.
    NoRecords {
        /// The layout read.
        format: InputFormat,
    },
    /// Valid JSON, but not a layout of customer records.
    WrongShape {
        /// Which part of the input, e.g. "line 3, page 2", or "the whole input".
        at: String,
        /// What was expected there.
        expected: &'static str,
        /// The JSON type found instead.
        found: &'static str,
    },
}

impl fmt::Display for IngestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IngestError::Empty => {
                f.write_str("The file is empty: expected customer records as JSON, NDJSON or CSV.")
            }
            IngestError::Utf16 => f.write_str(
                "This file looks like UTF-16 text; save it as UTF-8 (JSON, NDJSON and CSV \
                 files must be UTF-8) and choose it again.",
            ),
            IngestError::NotUtf8 { line, column } => write!(
                f,
                "The file is not UTF-8 text: invalid bytes at line {line}, column {column}. \
                 Export it as UTF-8 JSON or NDJSON."
            ),
            IngestError::InvalidJson {
                line,
                column,
                message,
            } => write!(
                f,
                "Invalid JSON at line {line}, column {column}: {message}."
            ),
            IngestError::UnterminatedQuote { row } => write!(
                f,
                "Unterminated quoted field in row {row}: a quote (\") opens a field there and is \
                 never closed, so the rest of the file would be one cell. Check that row."
            ),
            IngestError::NotJson {
                extension,
                line,
                column,
                found,
            } => write!(
                f,
                "The file's name ends in {extension}, so it was read as JSON, but it is not JSON \
                 (line {line}, column {column}: `{found}`). Choose a JSON, NDJSON or CSV export \
                 (a CSV file's name should end in .csv)."
            ),
            IngestError::NoIdColumn { columns, not_json } => {
                if let Some((line, column, found)) = not_json {
                    write!(
                        f,
                        "The file is not JSON (line {line}, column {column}: `{found}`), and read \
                         as CSV it has no column that could be the customer id"
                    )?;
                } else {
                    f.write_str("This CSV has no column that could be the customer id")?;
                }
                let shown: Vec<String> = columns.iter().take(8).map(|c| format!("`{c}`")).collect();
                let more = if columns.len() > 8 { ", …" } else { "" };
                write!(
                    f,
                    " (its columns: {}{more}). Choose the customer id's column in the field \
                     mapping, or choose another file.",
                    shown.join(", ")
                )
            }
            IngestError::ValueTooLarge {
                line,
                column,
                limit,
            } => write!(
                f,
                "The JSON value starting at line {line}, column {column} is larger than {} MB, \
                 the most one record or page envelope may be. Export the records as NDJSON or \
                 as a JSON array of records instead of one large value.",
                limit >> 20
            ),
            IngestError::RowTooLarge { row, limit } => write!(
                f,
                "Row {row} is larger than {} MB, the most one CSV row may be; a quote (\") \
                 left open there would make the rest of the file one cell. Check that row.",
                limit >> 20
            ),
            IngestError::NotText { looks_like } => write!(
                f,
                "This file looks like {}, not text. Choose the customer records exported as \
                 JSON, NDJSON or CSV (UTF-8 text).",
                looks_like.description()
            ),
            IngestError::NoRecords { format } => write!(
                f,
                "The file holds no customer records ({}). Nothing to report.",
                match format {
                    InputFormat::Csv => "a CSV header without rows",
                    InputFormat::Ndjson => "no JSON values",
                    InputFormat::PageEnvelope => "a page envelope with an empty \"data\"",
                    _ => "an empty JSON array",
                }
            ),
            IngestError::WrongShape {
                at,
                expected,
                found,
            } => write!(
                f,
                "Unexpected JSON shape in {at}: expected {expected}, found {found}."
            ),
        }
    }
}

impl std::error::Error for IngestError {}

error_codes!(pub IngestError {
    Empty => "empty_file",
    Utf16 => "utf16",
    NotUtf8 => "not_utf8",
    InvalidJson => "invalid_json",
    UnterminatedQuote => "csv_unterminated_quote",
    NotJson => "not_json",
    NoIdColumn => "no_id_column",
    NoRecords => "no_records",
    NotText => "not_text",
    ValueTooLarge => "value_too_large",
    RowTooLarge => "csv_row_too_large",
    WrongShape => "wrong_shape",
});

impl IngestError {
    /// Line and column of the error in the file, when it has one.
    // Used by the page (`web`, wasm32 only) and by tests.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn location(&self) -> Option<(usize, usize)> {
        match self {
            IngestError::NotUtf8 { line, column }
            | IngestError::InvalidJson { line, column, .. }
            | IngestError::NotJson { line, column, .. }
            | IngestError::ValueTooLarge { line, column, .. } => Some((*line, *column)),
            IngestError::NoIdColumn {
                not_json: Some((line, column, _)),
                ..
            } => Some((*line, *column)),
            _ => None,
        }
    }
}

impl IngestError {
    fn from_json(error: &serde_json::Error) -> Self {
        let message = parser_message(error);
        IngestError::InvalidJson {
            line: error.line(),
            column: error.column().max(1),
            message,
        }
    }
}

/// Reads one API response body, which must be a page envelope.
///
/// Records are positioned by `page` (the page that was requested, which
/// the fetcher checked the body names) and their index in `data`.
///
/// # Errors
/// [`IngestError`] when the body is not a JSON object with a `data` array.
pub(crate) fn ingest_page<'a>(
    body: &'a [u8],
    page: u64,
    mapper: &mut Mapper,
) -> Result<Vec<SourceItem<'a>>, IngestError> {
    let text = std::str::from_utf8(body).map_err(|e| IngestError::NotUtf8 {
        line: 1,
        column: e.valid_up_to() + 1,
    })?;
    let document: &RawValue = serde_json::from_str(text).map_err(|e| IngestError::from_json(&e))?;
    let at = Position {
        page: Some(page),
        ..Position::default()
    };
    let shape_error = |found| IngestError::WrongShape {
        at: format!("page {page}"),
        expected: "a page envelope with a \"data\" array",
        found,
    };
    let object: InputObject =
        serde_json::from_str(document.get()).map_err(|_| shape_error(json_kind(document)))?;
    let data = object
        .data
        .ok_or(shape_error("an object without \"data\""))?;
    let mut items = Vec::new();
    read_envelope_data(data, at, mapper, &mut |item| items.push(item.clone()))?;
    Ok(items)
}

/// Reads one API response body whose records are at the dotted
/// `records` path (`customers`, `results`); `None` or `data` reads it as
/// [`ingest_page`] does.
///
/// # Errors
/// [`IngestError`] when the body is not JSON, or has no array at `records`.
pub(crate) fn ingest_page_at<'a>(
    body: &'a [u8],
    page: u64,
    records: Option<&str>,
    mapper: &mut Mapper,
) -> Result<Vec<SourceItem<'a>>, IngestError> {
    let path = match records {
        None | Some("data") => return ingest_page(body, page, mapper),
        Some(path) => path,
    };
    let text = std::str::from_utf8(body).map_err(|e| IngestError::NotUtf8 {
        line: 1,
        column: e.valid_up_to() + 1,
    })?;
    let document: &RawValue = serde_json::from_str(text).map_err(|e| IngestError::from_json(&e))?;
    let data = at_path(document.get(), path).ok_or_else(|| IngestError::WrongShape {
        at: format!("page {page}"),
        expected: "an object with an array of records where the records setting says",
        found: json_kind(document),
    })?;
    let at = Position {
        page: Some(page),
        ..Position::default()
    };
    let mut items = Vec::new();
    read_envelope_data(data, at, mapper, &mut |item| items.push(item.clone()))?;
    Ok(items)
}

const DATA_EXPECTED: &str = "\"data\" to be an array of records";

/// Hands on the records of an envelope's `data` array, positioned under `at`.
///
/// # Errors
/// [`IngestError::WrongShape`] when `data` is not an array.
pub(crate) fn read_envelope_data<'a>(
    data: &'a RawValue,
    at: Position,
    mapper: &mut Mapper,
    sink: &mut dyn FnMut(&SourceItem<'a>),
) -> Result<(), IngestError> {
    if !data.get().starts_with('[') {
        return Err(IngestError::WrongShape {
            at: at.to_string(),
            expected: DATA_EXPECTED,
            found: json_kind(data),
        });
    }
    // The text was already validated as JSON, so this cannot fail.
    let elements: Vec<&RawValue> = serde_json::from_str(data.get()).unwrap_or_default();
    for (index, element) in elements.into_iter().enumerate() {
        let position = Position {
            record: Some(index + 1),
            ..at
        };
        let raw = element.get();
        let numeric_strings = mapper.reads_numeric_strings();
        let parsed = if raw.starts_with('{') {
            mapper
                .parse(raw)
                .map(|(object, _)| {
                    let mut record = object.record;
                    if numeric_strings {
                        record.read_numeric_string(Field::EngagementScore);
                    }
                    record
                })
                .map_err(|error| format!("unreadable record: {}", parser_message(&error)))
        } else {
            Err(format!(
                "not a record: expected an object, found {}",
                json_kind(element)
            ))
        };
        sink(&SourceItem {
            position,
            raw,
            parsed,
        });
    }
    Ok(())
}

/// serde_json's description of an error without the " at line L column C"
/// it appends: messages here report positions themselves.
pub(crate) fn parser_message(error: &serde_json::Error) -> String {
    let full = error.to_string();
    match full.rfind(" at line ") {
        Some(cut) => full[..cut].to_owned(),
        None => full,
    }
}

/// The JSON type of a validated value, from its first character.
fn json_kind(value: &RawValue) -> &'static str {
    json_kind_of(value.get().as_bytes().first().copied().unwrap_or(b'0'))
}

/// The JSON type of a value that starts with `first`, with an article.
pub(crate) fn json_kind_of(first: u8) -> &'static str {
    match first {
        b'{' => "an object",
        b'[' => "an array",
        b'"' => "a string",
        b't' | b'f' => "a boolean",
        b'n' => "null",
        _ => "a number",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::mapping::MappingSpec;

    #[test]
    fn api_pages_must_be_envelopes() {
        let items = ingest_page(
            br#"{"page": 2, "data": [{"id": 7}]}"#,
            2,
            &mut Mapper::new(MappingSpec::none()),
        )
        .unwrap();
        assert_eq!(items[0].position.to_string(), "page 2, record 1");
        let err =
            ingest_page(br#"[{"id": 7}]"#, 3, &mut Mapper::new(MappingSpec::none())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Unexpected JSON shape in page 3: expected a page envelope with a \"data\" array, found an array."
        );
        let err =
            ingest_page(br#"{"page": 3}"#, 3, &mut Mapper::new(MappingSpec::none())).unwrap_err();
        assert!(
            err.to_string().contains("found an object without \"data\""),
            "{err}"
        );
        assert!(matches!(
            ingest_page(
                b"{\"page\": 3, \"da",
                3,
                &mut Mapper::new(MappingSpec::none())
            ),
            Err(IngestError::InvalidJson { .. })
        ));
    }

    #[test]
    fn api_page_records_are_positioned_by_page() {
        let items = ingest_page(
            br#"{"page": 3, "data": [{"id": 1}, 5, {"id": 2, "id": 3}]}"#,
            3,
            &mut Mapper::new(MappingSpec::none()),
        )
        .unwrap();
        let seen: Vec<_> = items
            .iter()
            .map(|item| {
                (
                    item.position.to_string(),
                    item.parsed.as_ref().err().cloned(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("page 3, record 1".to_string(), None),
                (
                    "page 3, record 2".to_string(),
                    Some("not a record: expected an object, found a number".to_string())
                ),
                (
                    "page 3, record 3".to_string(),
                    Some("unreadable record: duplicate field `id`".to_string())
                ),
            ]
        );
        assert_eq!(items[1].raw, "5");
    }
}
