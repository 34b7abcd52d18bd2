//! Reading an uploaded file or an API page into positioned source items.
//!
//! Accepted formats, detected from the content:
//! - a reqres page envelope: `{"page": 1, "data": [records…]}`;
//! - a JSON array of envelopes, of records, or of both;
//! - NDJSON: one record or one envelope per line.
//!
//! Any JSON object with a `data` key is taken as an envelope. Errors that
//! make the whole file unusable (empty, not UTF-8, invalid JSON, the wrong
//! shape) are [`IngestError`]s; a single element that is not a usable
//! object becomes a [`SourceItem`] whose `parsed` is an error, so it is
//! rejected with its position instead of being dropped.

use std::fmt;

use serde::Serialize;
use serde_json::value::RawValue;

use crate::record::{InputObject, SourceRecord};

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
}

/// Where a record sits in the input, shown to people as "line 4, page 2, record 3".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Position {
    /// 1-based line of the NDJSON line holding the record or its envelope.
    pub line: Option<usize>,
    /// The envelope's `page` number, when it has a valid one.
    pub page: Option<u64>,
    /// 1-based index of the envelope in an array, used when `page` is missing.
    pub envelope: Option<usize>,
    /// 1-based index of the record in its array.
    pub record: Option<usize>,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::with_capacity(3);
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
#[derive(Debug)]
pub struct SourceItem<'a> {
    /// Where the element is in the input.
    pub position: Position,
    /// The element's original JSON text, kept for the rejected list.
    pub raw: &'a RawValue,
    /// The parsed record, or why the element is not a usable object.
    pub parsed: Result<SourceRecord<'a>, String>,
}

/// The result of reading one input: its format and its items in source order.
#[derive(Debug)]
pub struct Ingested<'a> {
    /// The detected layout.
    pub format: InputFormat,
    /// Every record-like element, in source order.
    pub items: Vec<SourceItem<'a>>,
}

/// Why an input could not be read at all. No partial result comes with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestError {
    /// The input has no content (or only white space).
    Empty,
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
                f.write_str("The file is empty: expected customer records as JSON or NDJSON.")
            }
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

impl IngestError {
    /// Moves a line-relative position (from parsing one line) into the file.
    fn at_line(self, line: usize) -> Self {
        match self {
            IngestError::InvalidJson {
                line: relative,
                column,
                message,
            } => IngestError::InvalidJson {
                line: line + relative - 1,
                column,
                message,
            },
            other => other,
        }
    }

    fn from_json(error: &serde_json::Error) -> Self {
        let message = parser_message(error);
        IngestError::InvalidJson {
            line: error.line(),
            column: error.column().max(1),
            message,
        }
    }
}

const TOP_LEVEL_EXPECTED: &str =
    "a page envelope ({\"page\":…, \"data\":[…]}), an array of records or envelopes, or NDJSON";
const DATA_EXPECTED: &str = "\"data\" to be an array of records";

/// Reads a whole uploaded file.
///
/// # Errors
/// [`IngestError`] when the file is empty, not UTF-8, not valid JSON/NDJSON
/// (with line and column), or valid JSON of a shape that holds no records.
pub fn ingest(input: &[u8]) -> Result<Ingested<'_>, IngestError> {
    let mut items = Vec::new();
    let format = ingest_each(input, &mut |item| items.push(item))?;
    Ok(Ingested { format, items })
}

/// Reads a whole uploaded file, handing each item to `sink` in source order
/// as it is read, so no list of all items is ever built.
///
/// On an error, items already handed over must be discarded: the file as a
/// whole is unusable.
///
/// # Errors
/// As [`ingest`].
pub fn ingest_each<'a>(
    input: &'a [u8],
    sink: &mut dyn FnMut(SourceItem<'a>),
) -> Result<InputFormat, IngestError> {
    let text = decode(input)?;
    // The common case, one JSON array, in one pass instead of two; anything
    // else (NDJSON, errors to locate) takes the general path below.
    if text.trim_start().starts_with('[') {
        if let Ok(elements) = serde_json::from_str::<Vec<&RawValue>>(text) {
            return read_array(elements, sink);
        }
    }
    let documents = split_documents(text)?;
    match documents.as_slice() {
        [(_, only)] => read_single_document(only, sink),
        _ => {
            for (line, document) in &documents {
                let at = Position {
                    line: Some(*line),
                    ..Position::default()
                };
                read_object_or_envelope(document, at, at, sink)?;
            }
            Ok(InputFormat::Ndjson)
        }
    }
}

/// Reads one line of an NDJSON file that arrives in pieces (see
/// [`crate::stream`]). Blank lines are skipped; `line` is its 1-based number.
///
/// # Errors
/// [`IngestError`] when the line is not UTF-8 or not one JSON value, or is
/// an envelope whose `data` is not an array; positions are in the whole file.
pub fn ingest_line<'a>(
    bytes: &'a [u8],
    line: usize,
    sink: &mut dyn FnMut(SourceItem<'a>),
) -> Result<(), IngestError> {
    let text = std::str::from_utf8(bytes).map_err(|e| IngestError::NotUtf8 {
        line,
        column: e.valid_up_to() + 1,
    })?;
    if text.trim().is_empty() {
        return Ok(());
    }
    let document: &RawValue =
        serde_json::from_str(text).map_err(|e| IngestError::from_json(&e).at_line(line))?;
    let at = Position {
        line: Some(line),
        ..Position::default()
    };
    read_object_or_envelope(document, at, at, sink).map(|_| ())
}

/// Reads one API response body, which must be a page envelope.
///
/// Records are positioned by `page` (the page that was requested) and
/// their index in `data`.
///
/// # Errors
/// [`IngestError`] when the body is not a JSON object with a `data` array.
pub fn ingest_page(body: &[u8], page: u64) -> Result<Vec<SourceItem<'_>>, IngestError> {
    let text = decode(body)?;
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
    read_envelope_data(data, at, &mut |item| items.push(item))?;
    Ok(items)
}

fn decode(input: &[u8]) -> Result<&str, IngestError> {
    let text = std::str::from_utf8(input).map_err(|e| {
        let valid = &input[..e.valid_up_to()];
        let line = 1 + valid.iter().filter(|&&b| b == b'\n').count();
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        IngestError::NotUtf8 {
            line,
            column: valid.len() - line_start + 1,
        }
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(IngestError::Empty);
    }
    Ok(text)
}

/// Splits the text into its top-level JSON values, each with its 1-based line.
fn split_documents(text: &str) -> Result<Vec<(usize, &RawValue)>, IngestError> {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<&RawValue>();
    let mut documents = Vec::new();
    let (mut line, mut counted_to) = (1, 0);
    while let Some(next) = stream.next() {
        let document = next.map_err(|e| IngestError::from_json(&e))?;
        let end = stream.byte_offset();
        let start = end - document.get().len();
        line += text.as_bytes()[counted_to..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        counted_to = start;
        documents.push((line, document));
    }
    Ok(documents)
}

fn read_single_document<'a>(
    document: &'a RawValue,
    sink: &mut dyn FnMut(SourceItem<'a>),
) -> Result<InputFormat, IngestError> {
    match document.get().as_bytes().first() {
        Some(b'{') => {
            // A single envelope is addressed by page; a single record is
            // one line of NDJSON.
            let as_record = Position {
                line: Some(1),
                ..Position::default()
            };
            Ok(
                if read_object_or_envelope(document, as_record, Position::default(), sink)? {
                    InputFormat::PageEnvelope
                } else {
                    InputFormat::Ndjson
                },
            )
        }
        Some(b'[') => {
            let elements = split_array(document).map_err(|found| IngestError::WrongShape {
                at: "the whole input".into(),
                expected: TOP_LEVEL_EXPECTED,
                found,
            })?;
            read_array(elements, sink)
        }
        _ => Err(IngestError::WrongShape {
            at: "the whole input".into(),
            expected: TOP_LEVEL_EXPECTED,
            found: json_kind(document),
        }),
    }
}

/// Reads the elements of a top-level array: envelopes, records, or both.
fn read_array<'a>(
    elements: Vec<&'a RawValue>,
    sink: &mut dyn FnMut(SourceItem<'a>),
) -> Result<InputFormat, IngestError> {
    let (mut envelopes, mut records) = (0, 0);
    for (index, element) in elements.into_iter().enumerate() {
        let as_record = Position {
            record: Some(index + 1),
            ..Position::default()
        };
        let as_envelope = Position {
            envelope: Some(index + 1),
            ..Position::default()
        };
        if read_object_or_envelope(element, as_record, as_envelope, sink)? {
            envelopes += 1;
        } else {
            records += 1;
        }
    }
    Ok(match (envelopes, records) {
        (0, _) => InputFormat::RecordArray,
        (_, 0) => InputFormat::EnvelopeArray,
        _ => InputFormat::MixedArray,
    })
}

/// Reads an object that is either a record (positioned at `as_record`) or
/// an envelope (whose records are positioned under `as_envelope`).
/// Returns whether it was an envelope.
fn read_object_or_envelope<'a>(
    element: &'a RawValue,
    as_record: Position,
    as_envelope: Position,
    sink: &mut dyn FnMut(SourceItem<'a>),
) -> Result<bool, IngestError> {
    if !is_object(element) {
        sink(not_an_object(element, as_record));
        return Ok(false);
    }
    match serde_json::from_str::<InputObject>(element.get()) {
        Ok(object) => match object.data {
            Some(data) => {
                let page = object.page_number();
                let at = Position {
                    page,
                    envelope: if page.is_some() {
                        None
                    } else {
                        as_envelope.envelope
                    },
                    ..as_envelope
                };
                read_envelope_data(data, at, sink)?;
                Ok(true)
            }
            None => {
                sink(SourceItem {
                    position: as_record,
                    raw: element,
                    parsed: Ok(object.record),
                });
                Ok(false)
            }
        },
        Err(error) => {
            sink(unreadable_record(element, as_record, &error));
            Ok(false)
        }
    }
}

fn read_envelope_data<'a>(
    data: &'a RawValue,
    at: Position,
    sink: &mut dyn FnMut(SourceItem<'a>),
) -> Result<(), IngestError> {
    let elements = split_array(data).map_err(|found| IngestError::WrongShape {
        at: at.to_string(),
        expected: DATA_EXPECTED,
        found,
    })?;
    for (index, element) in elements.into_iter().enumerate() {
        let position = Position {
            record: Some(index + 1),
            ..at
        };
        if !is_object(element) {
            sink(not_an_object(element, position));
            continue;
        }
        sink(match serde_json::from_str::<InputObject>(element.get()) {
            Ok(object) => SourceItem {
                position,
                raw: element,
                parsed: Ok(object.record),
            },
            Err(error) => unreadable_record(element, position, &error),
        });
    }
    Ok(())
}

/// The elements of a JSON array, or the JSON type found instead.
fn split_array(value: &RawValue) -> Result<Vec<&RawValue>, &'static str> {
    if !value.get().starts_with('[') {
        return Err(json_kind(value));
    }
    // The text was already validated as JSON, so this cannot fail.
    serde_json::from_str(value.get()).map_err(|_| json_kind(value))
}

fn is_object(value: &RawValue) -> bool {
    value.get().starts_with('{')
}

fn not_an_object(element: &RawValue, position: Position) -> SourceItem<'_> {
    SourceItem {
        position,
        raw: element,
        parsed: Err(format!(
            "not a record: expected an object, found {}",
            json_kind(element)
        )),
    }
}

fn unreadable_record<'a>(
    element: &'a RawValue,
    position: Position,
    error: &serde_json::Error,
) -> SourceItem<'a> {
    let message = parser_message(error);
    SourceItem {
        position,
        raw: element,
        parsed: Err(format!("unreadable record: {message}")),
    }
}

/// serde_json's description of an error without the " at line L column C"
/// it appends: messages here report positions themselves.
fn parser_message(error: &serde_json::Error) -> String {
    let full = error.to_string();
    match full.rfind(" at line ") {
        Some(cut) => full[..cut].to_owned(),
        None => full,
    }
}

/// The JSON type of a validated value, from its first character.
fn json_kind(value: &RawValue) -> &'static str {
    match value.get().as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::FieldValue;

    fn ids(ingested: &Ingested) -> Vec<String> {
        ingested
            .items
            .iter()
            .map(|item| match &item.parsed {
                Ok(record) => format!("{}={:?}", item.position, record.id),
                Err(reason) => format!("{}!{reason}", item.position),
            })
            .collect()
    }

    #[test]
    fn a_page_envelope_is_read_by_page_and_record() {
        let ingested = ingest(br#"{"page": 2, "data": [{"id": 7}, {"id": 8}]}"#).unwrap();
        assert_eq!(ingested.format, InputFormat::PageEnvelope);
        assert_eq!(
            ids(&ingested),
            [
                "page 2, record 1=Some(Unsigned(7))",
                "page 2, record 2=Some(Unsigned(8))"
            ]
        );
    }

    #[test]
    fn an_array_of_envelopes_keeps_page_order_as_given() {
        let input = br#"[{"page": 2, "data": [{"id": 7}]}, {"data": [{"id": 1}]}]"#;
        let ingested = ingest(input).unwrap();
        assert_eq!(ingested.format, InputFormat::EnvelopeArray);
        assert_eq!(
            ids(&ingested),
            [
                "page 2, record 1=Some(Unsigned(7))",
                "envelope 2, record 1=Some(Unsigned(1))"
            ]
        );
    }

    #[test]
    fn a_bare_array_of_records() {
        let ingested = ingest(br#"[{"id": 1}, {"id": "2"}]"#).unwrap();
        assert_eq!(ingested.format, InputFormat::RecordArray);
        assert_eq!(
            ids(&ingested),
            ["record 1=Some(Unsigned(1))", "record 2=Some(Text(\"2\"))"]
        );
    }

    #[test]
    fn a_mixed_array() {
        let ingested = ingest(br#"[{"id": 1}, {"page": 1, "data": [{"id": 2}]}]"#).unwrap();
        assert_eq!(ingested.format, InputFormat::MixedArray);
        assert_eq!(ingested.items.len(), 2);
    }

    #[test]
    fn an_empty_array_is_zero_records_not_an_error() {
        let ingested = ingest(b"[]").unwrap();
        assert_eq!(ingested.format, InputFormat::RecordArray);
        assert!(ingested.items.is_empty());
    }

    #[test]
    fn ndjson_records_and_envelopes_by_line() {
        let input = b"{\"id\": 1}\n\n{\"page\": 3, \"data\": [{\"id\": 2}]}\r\n{\"id\": 3}\n";
        let ingested = ingest(input).unwrap();
        assert_eq!(ingested.format, InputFormat::Ndjson);
        assert_eq!(
            ids(&ingested),
            [
                "line 1=Some(Unsigned(1))",
                "line 3, page 3, record 1=Some(Unsigned(2))",
                "line 4=Some(Unsigned(3))"
            ]
        );
    }

    #[test]
    fn a_single_record_is_one_line_of_ndjson() {
        let ingested = ingest(br#"{"id": 5, "email": "a@b.co"}"#).unwrap();
        assert_eq!(ingested.format, InputFormat::Ndjson);
        assert_eq!(ids(&ingested), ["line 1=Some(Unsigned(5))"]);
    }

    #[test]
    fn non_objects_become_items_with_their_position() {
        let ingested = ingest(br#"{"page": 1, "data": [{"id": 1}, 42, "x"]}"#).unwrap();
        assert_eq!(
            ids(&ingested)[1..],
            [
                "page 1, record 2!not a record: expected an object, found a number",
                "page 1, record 3!not a record: expected an object, found a string"
            ]
        );
        let ingested = ingest(b"{\"id\": 1}\n[1, 2]\n").unwrap();
        assert_eq!(
            ids(&ingested)[1],
            "line 2!not a record: expected an object, found an array"
        );
    }

    #[test]
    fn a_record_with_a_duplicate_key_is_kept_as_unreadable() {
        let ingested = ingest(br#"[{"id": 1, "id": 2}]"#).unwrap();
        assert_eq!(
            ids(&ingested),
            ["record 1!unreadable record: duplicate field `id`"]
        );
    }

    #[test]
    fn empty_input_is_an_error() {
        assert_eq!(ingest(b"").unwrap_err(), IngestError::Empty);
        assert_eq!(ingest(b" \n\t ").unwrap_err(), IngestError::Empty);
        assert_eq!(
            ingest("\u{feff}".as_bytes()).unwrap_err(),
            IngestError::Empty
        );
    }

    #[test]
    fn invalid_utf8_says_where() {
        let err = ingest(b"[{\"id\": 1},\n{\"first_name\": \"\xff\"}]").unwrap_err();
        assert_eq!(
            err,
            IngestError::NotUtf8 {
                line: 2,
                column: 17
            }
        );
        assert!(err.to_string().contains("not UTF-8"), "{err}");
    }

    #[test]
    fn invalid_json_says_line_and_column() {
        let err = ingest(b"[\n  {\"id\": 1},\n  {\"id\": 2,}\n]").unwrap_err();
        match &err {
            IngestError::InvalidJson { line, column, .. } => assert_eq!((*line, *column), (3, 12)),
            other => panic!("expected invalid JSON, got {other:?}"),
        }
        assert!(
            err.to_string()
                .starts_with("Invalid JSON at line 3, column 12: "),
            "{err}"
        );
        let err = ingest(b"{\"id\": 1}\n{\"id\": \n").unwrap_err();
        assert!(
            matches!(err, IngestError::InvalidJson { line: 3, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn wrong_shapes_say_what_was_expected() {
        for (input, found) in [
            (&b"42"[..], "a number"),
            (b"\"customers\"", "a string"),
            (b"null", "null"),
            (b"true", "a boolean"),
        ] {
            let err = ingest(input).unwrap_err();
            assert_eq!(
                err,
                IngestError::WrongShape {
                    at: "the whole input".into(),
                    expected: TOP_LEVEL_EXPECTED,
                    found
                }
            );
        }
        let err = ingest(br#"{"page": 4, "data": {"id": 1}}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Unexpected JSON shape in page 4: expected \"data\" to be an array of records, found an object."
        );
    }

    #[test]
    fn escaped_strings_survive() {
        let ingested = ingest(br#"[{"id": 1, "first_name": "Zo\u00eb"}]"#).unwrap();
        let record = ingested.items[0].parsed.as_ref().unwrap();
        assert_eq!(record.first_name, Some(FieldValue::Text("Zoë".into())));
    }

    #[test]
    fn api_pages_must_be_envelopes() {
        let items = ingest_page(br#"{"page": 2, "data": [{"id": 7}]}"#, 2).unwrap();
        assert_eq!(items[0].position.to_string(), "page 2, record 1");
        let err = ingest_page(br#"[{"id": 7}]"#, 3).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Unexpected JSON shape in page 3: expected a page envelope with a \"data\" array, found an array."
        );
        let err = ingest_page(br#"{"page": 3}"#, 3).unwrap_err();
        assert!(
            err.to_string().contains("found an object without \"data\""),
            "{err}"
        );
        assert!(matches!(
            ingest_page(b"{\"page\": 3, \"da", 3),
            Err(IngestError::InvalidJson { .. })
        ));
    }
}
