//! Reading an earlier report, whole or in chunks, into a compact
//! [`PreviousReport`], and checking that it is a report this tool exported.
//!
//! A report can be large (about 270 MB for a million customers), so it is
//! never held whole, nor as a `serde_json::Value`. A small state machine
//! walks the top-level object, on the chunked JSON scanner the upload
//! reader uses too (`source/json_scan.rs`), and cuts out one value at a
//! time: `metadata` whole, and each element of `customers` (and of the
//! other arrays) on its own, borrowed from the chunk when it lies inside
//! one and copied only when a chunk boundary cuts it. Each customer is
//! deserialized into a borrowed struct and stored compactly: names,
//! domains and issue texts interned, enumerations as codes.
//!
//! What is checked: the file is a JSON object with `metadata` holding
//! `seed`, `as_of`, `export_timestamp` and `source`, and `customers`, an
//! array of objects with every field of a customer line (`customer_id` a
//! positive whole number, appearing once; the enumerations one of the
//! values this tool writes). Other keys, and the elements of other arrays,
//! must be valid JSON and are otherwise ignored. Keys may come in any order.

use std::borrow::Cow;
use std::fmt;

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::common::dates::{parse_calendar_date, parse_timestamp};
use crate::common::errors::error_codes;
use crate::common::field::excerpt;
use crate::common::order::order_by_key;
use crate::settings::MAX_SEED;
use crate::source::ingest::{json_kind_of, parser_message};
use crate::source::json_scan::{is_space, string_end, Elements, Lines, Step, ValueEnd, BOM};

use super::previous::{LineError, PreviousMetadata, PreviousReport};

/// Why a file is not a report this tool can compare with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Nothing but white space.
    Empty,
    /// Not valid JSON (or cut short), at a line and column (1-based, bytes).
    InvalidJson {
        /// Line of the problem.
        line: u64,
        /// Column of the problem, in bytes.
        column: u64,
        /// What is wrong.
        detail: String,
    },
    /// One value of the file is larger than a report's value may be.
    ValueTooLarge {
        /// Line where it starts.
        line: u64,
        /// Column where it starts.
        column: u64,
        /// The limit, in bytes.
        limit: usize,
    },
    /// Valid JSON, but not shaped like a report: `path` says where
    /// (`metadata.seed`, `customers[3].customer_id`; empty for the whole file).
    NotAReport {
        /// Where, as a path into the report.
        path: String,
        /// What is wrong there.
        problem: ReadProblem,
    },
}

/// What is wrong with a part of a file that is not a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadProblem {
    /// The key is absent (or `null`).
    Missing,
    /// The value has the wrong JSON type.
    WrongType {
        /// What a report has there.
        expected: &'static str,
        /// What the file has (`a string`, `an array`, …).
        found: &'static str,
    },
    /// The value has the right type but cannot be in a report.
    BadValue {
        /// What a report has there.
        expected: &'static str,
        /// The value found, cut to 40 characters.
        found: String,
    },
    /// A top-level key appears twice.
    Repeated,
    /// A customer id appears twice.
    RepeatedId {
        /// The id.
        id: u64,
        /// The first customer with it, by place in `customers`.
        first: usize,
    },
}

error_codes!(
    // Used by the page (`web`, wasm32 only) and by tests.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub ReadError {
        Empty => "empty_file",
        InvalidJson => "invalid_json",
        ValueTooLarge => "value_too_large",
        NotAReport => "not_a_report",
    }
);

impl ReadError {
    /// The line and column, for invalid JSON.
    // Used by the page (`web`, wasm32 only) and by tests.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn location(&self) -> Option<(u64, u64)> {
        match self {
            ReadError::InvalidJson { line, column, .. }
            | ReadError::ValueTooLarge { line, column, .. } => Some((*line, *column)),
            _ => None,
        }
    }

    /// The path of the part that is wrong (`metadata.seed`), for a file
    /// that is not a report.
    // Used by the page (`web`, wasm32 only) and by tests.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn path(&self) -> Option<&str> {
        match self {
            ReadError::NotAReport { path, .. } => Some(path),
            _ => None,
        }
    }

    pub(super) fn not_a_report(path: impl Into<String>, problem: ReadProblem) -> Self {
        ReadError::NotAReport {
            path: path.into(),
            problem,
        }
    }
}

const NOT_A_REPORT: &str = "This is not a report exported by this tool";

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Empty => write!(
                f,
                "The file is empty: choose a report exported by this tool (customer_report-….json)."
            ),
            ReadError::InvalidJson {
                line,
                column,
                detail,
            } => write!(
                f,
                "{NOT_A_REPORT}: invalid JSON at line {line}, column {column}: {detail}."
            ),
            ReadError::ValueTooLarge {
                line,
                column,
                limit,
            } => write!(
                f,
                "{NOT_A_REPORT}: the value starting at line {line}, column {column} is larger \
                 than {} MB, more than any value of a report.",
                limit >> 20
            ),
            ReadError::NotAReport { path, problem } if path.is_empty() => match problem {
                ReadProblem::WrongType {
                    found: "an array", ..
                } => write!(
                    f,
                    "{NOT_A_REPORT}: it is a JSON array (customer records, perhaps?), not an \
                     object with metadata and customers."
                ),
                ReadProblem::WrongType { found, .. } => write!(
                    f,
                    "{NOT_A_REPORT}: it is {found}, not an object with metadata and customers."
                ),
                other => write!(f, "{NOT_A_REPORT}: {other}."),
            },
            ReadError::NotAReport { path, problem } => {
                write!(f, "{NOT_A_REPORT}: {path} {problem}.")
            }
        }
    }
}

impl fmt::Display for ReadProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadProblem::Missing => write!(f, "is missing"),
            ReadProblem::WrongType { expected, found } => {
                write!(f, "should be {expected}, found {found}")
            }
            ReadProblem::BadValue { expected, found } => {
                write!(f, "should be {expected}, found {found}")
            }
            ReadProblem::Repeated => write!(f, "appears twice"),
            ReadProblem::RepeatedId { id, first } => {
                write!(f, "repeats customer_id {id} of customers[{first}]")
            }
        }
    }
}

impl std::error::Error for ReadError {}

pub(super) fn kind_of_text(json: &str) -> &'static str {
    json_kind_of(json.as_bytes().first().copied().unwrap_or(b'n'))
}

pub(super) fn kind_of_value(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// A value as messages quote it: its JSON text, cut to 40 characters.
pub(super) fn shown(raw: &str) -> String {
    excerpt(raw.trim()).into_owned()
}

// ---------- the metadata ----------

/// The metadata's keys that are checked, as raw JSON (the rest is ignored).
#[derive(Deserialize)]
struct MetadataFields<'a> {
    #[serde(borrow, default)]
    seed: Option<&'a RawValue>,
    #[serde(borrow, default)]
    as_of: Option<&'a RawValue>,
    #[serde(borrow, default)]
    export_timestamp: Option<&'a RawValue>,
    #[serde(borrow, default)]
    source: Option<&'a RawValue>,
    #[serde(borrow, default)]
    complete: Option<&'a RawValue>,
}

fn metadata_problem(key: &str, problem: ReadProblem) -> ReadError {
    ReadError::not_a_report(format!("metadata.{key}"), problem)
}

fn required<'a>(key: &str, raw: Option<&'a RawValue>) -> Result<&'a str, ReadError> {
    let text = raw.map(RawValue::get).unwrap_or("null");
    if text == "null" {
        return Err(metadata_problem(key, ReadProblem::Missing));
    }
    Ok(text)
}

fn string_field<'a>(
    key: &str,
    raw: Option<&'a RawValue>,
    expected: &'static str,
    valid: fn(&str) -> bool,
) -> Result<String, ReadError> {
    let text = required(key, raw)?;
    let Ok(value) = serde_json::from_str::<String>(text) else {
        return Err(metadata_problem(
            key,
            ReadProblem::WrongType {
                expected,
                found: kind_of_text(text),
            },
        ));
    };
    if !valid(&value) {
        return Err(metadata_problem(
            key,
            ReadProblem::BadValue {
                expected,
                found: shown(text),
            },
        ));
    }
    Ok(value)
}

fn read_metadata(bytes: &[u8]) -> Result<PreviousMetadata, ReadError> {
    let first = bytes.first().copied().unwrap_or(b'n');
    let fields: MetadataFields = match (first, serde_json::from_slice(bytes)) {
        (b'{', Ok(fields)) => fields,
        (b'{', Err(error)) => {
            // Valid JSON (it was checked), so a repeated key.
            return Err(ReadError::not_a_report(
                "metadata",
                ReadProblem::BadValue {
                    expected: "an object with each key once",
                    found: shown(&error.to_string()),
                },
            ));
        }
        (other, _) => {
            return Err(ReadError::not_a_report(
                "metadata",
                ReadProblem::WrongType {
                    expected: "an object",
                    found: json_kind_of(other),
                },
            ))
        }
    };
    const SEED: &str = "a whole number from 0 to 9007199254740991";
    let seed_text = required("seed", fields.seed)?;
    let seed = match serde_json::from_str::<serde_json::Number>(seed_text) {
        Ok(n) => n.as_u64().filter(|&s| s <= MAX_SEED).ok_or_else(|| {
            metadata_problem(
                "seed",
                ReadProblem::BadValue {
                    expected: SEED,
                    found: shown(seed_text),
                },
            )
        })?,
        Err(_) => {
            return Err(metadata_problem(
                "seed",
                ReadProblem::WrongType {
                    expected: SEED,
                    found: kind_of_text(seed_text),
                },
            ))
        }
    };
    let as_of = string_field("as_of", fields.as_of, "a date YYYY-MM-DD", |text| {
        parse_calendar_date(text).is_some()
    })?;
    let export_timestamp = string_field(
        "export_timestamp",
        fields.export_timestamp,
        "a UTC time YYYY-MM-DDTHH:MM:SSZ",
        |text| parse_timestamp(text).is_some(),
    )?;
    let source_text = required("source", fields.source)?;
    if !source_text.starts_with('{') {
        return Err(metadata_problem(
            "source",
            ReadProblem::WrongType {
                expected: "an object",
                found: kind_of_text(source_text),
            },
        ));
    }
    let source = RawValue::from_string(minified(source_text)).map_err(|error| {
        metadata_problem(
            "source",
            ReadProblem::BadValue {
                expected: "an object",
                found: shown(&error.to_string()),
            },
        )
    })?;
    let complete = match fields.complete.map(RawValue::get) {
        None | Some("true") => true,
        Some("false") => false,
        Some(other) => {
            return Err(metadata_problem(
                "complete",
                ReadProblem::WrongType {
                    expected: "true or false",
                    found: kind_of_text(other),
                },
            ))
        }
    };
    Ok(PreviousMetadata {
        seed,
        as_of,
        export_timestamp,
        source,
        complete,
    })
}

fn is_space_char(c: char) -> bool {
    c.is_ascii() && is_space(c as u8)
}

/// Valid JSON text without the white space between its tokens.
fn minified(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut rest = json;
    while let Some(quote) = rest.find('"') {
        out.extend(rest[..quote].chars().filter(|&c| !is_space_char(c)));
        let end = string_end(rest.as_bytes(), quote + 1, &mut false).unwrap_or(rest.len());
        out.push_str(&rest[quote..end]);
        rest = &rest[end..];
    }
    out.extend(rest.chars().filter(|&c| !is_space_char(c)));
    out
}

// ---------- the scanner ----------

/// Where the scanner is in the report's top-level object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the object; `bom` bytes of a byte-order mark matched.
    Start { bom: u8 },
    /// Between the members of the report's object (a key starts one).
    Object(Elements),
    /// Inside a key's string; `escaped` after a backslash.
    InKey { escaped: bool },
    /// After a key: `:`.
    Colon,
    /// After `:`: the value.
    Value,
    /// Inside a top-level array.
    Array(Elements),
    /// After the closing `}`: only white space.
    Done,
}

/// What a value being cut out is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Metadata,
    Customer,
    /// Valid JSON, otherwise ignored.
    Other,
}

/// A value being cut out.
#[derive(Debug, Clone, Copy)]
struct Capture {
    end: ValueEnd,
    /// The line and column of its first byte.
    start: (u64, u64),
    target: Target,
}

/// Reads a report handed over in chunks (any cut points), keeping only
/// what the comparison needs. Call [`ReportReader::push`] with each
/// chunk, then [`ReportReader::finish`].
#[derive(Debug)]
pub struct ReportReader {
    state: State,
    capture: Option<Capture>,
    /// The bytes of a value that began in an earlier chunk.
    carry: Vec<u8>,
    /// The current top-level key, as written.
    key: Vec<u8>,
    /// What the current top-level array's elements are for.
    elements: Target,
    /// Elements of the current top-level array so far.
    index: usize,
    /// Bytes in earlier chunks.
    consumed: u64,
    /// Lines counted as far as the earlier chunks (or an error) go.
    lines: Lines,
    metadata: Option<PreviousMetadata>,
    customers_seen: bool,
    store: PreviousReport,
    /// The most bytes one value (metadata, a customer line, a rejected
    /// record) may have.
    max_value_bytes: usize,
}

/// The default largest value of a report: 64 MB (a customer line is a few
/// hundred bytes; a rejected record's original is the largest value).
pub(super) const MAX_REPORT_VALUE_BYTES: usize = 64 << 20;

/// The longest top-level key of a report (its keys are short words).
const MAX_KEY_BYTES: usize = 256;

impl Default for ReportReader {
    fn default() -> Self {
        ReportReader::new()
    }
}

impl ReportReader {
    /// Ready for the first chunk.
    pub fn new() -> Self {
        ReportReader {
            state: State::Start { bom: 0 },
            capture: None,
            carry: Vec::new(),
            key: Vec::new(),
            elements: Target::Other,
            index: 0,
            consumed: 0,
            lines: Lines::default(),
            metadata: None,
            customers_seen: false,
            max_value_bytes: MAX_REPORT_VALUE_BYTES,
            store: PreviousReport::empty(),
        }
    }

    /// The same reader refusing values larger than `bytes`.
    #[cfg(test)]
    pub(crate) fn with_value_limit(mut self, bytes: usize) -> Self {
        self.max_value_bytes = bytes;
        self
    }

    /// Line and column (1-based) of `chunk[at]`.
    fn position(&mut self, chunk: &[u8], at: usize) -> (u64, u64) {
        let at = self.consumed + at.min(chunk.len()) as u64;
        self.lines.position(chunk, self.consumed, at)
    }

    fn invalid(&mut self, chunk: &[u8], at: usize, detail: impl Into<String>) -> ReadError {
        let (line, column) = self.position(chunk, at);
        ReadError::InvalidJson {
            line,
            column,
            detail: detail.into(),
        }
    }

    fn unexpected(&mut self, chunk: &[u8], at: usize, expected: &str) -> ReadError {
        let found = match chunk[at] {
            byte if byte.is_ascii_graphic() => format!("'{}'", char::from(byte)),
            byte => format!("byte 0x{byte:02x}"),
        };
        self.invalid(chunk, at, format!("expected {expected}, found {found}"))
    }

    /// Takes the next chunk of the file.
    ///
    /// # Errors
    /// [`ReadError`] as soon as the bytes so far show that the file is
    /// not a report; the reader should not be used after that.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), ReadError> {
        let result = self.scan(chunk);
        // Keep positions right for the next chunk.
        let end = self.consumed + chunk.len() as u64;
        self.lines.count_to(chunk, self.consumed, end);
        self.consumed = end;
        result
    }

    fn scan(&mut self, chunk: &[u8]) -> Result<(), ReadError> {
        let mut at = 0;
        while at < chunk.len() {
            if let Some(mut capture) = self.capture {
                let found = capture.end.scan(chunk, at);
                if capture.end.len() > self.max_value_bytes {
                    let ((line, column), limit) = (capture.start, self.max_value_bytes);
                    return Err(ReadError::ValueTooLarge {
                        line,
                        column,
                        limit,
                    });
                }
                match found {
                    Some(end) => {
                        self.capture = None;
                        if self.carry.is_empty() {
                            self.take_value(&chunk[at..end], &capture)?;
                        } else {
                            let mut bytes = std::mem::take(&mut self.carry);
                            bytes.extend_from_slice(&chunk[at..end]);
                            let taken = self.take_value(&bytes, &capture);
                            bytes.clear();
                            self.carry = bytes;
                            taken?;
                        }
                        at = end;
                    }
                    None => {
                        self.carry.extend_from_slice(&chunk[at..]);
                        self.capture = Some(capture);
                        return Ok(());
                    }
                }
                continue;
            }
            let byte = chunk[at];
            if is_space(byte) && !matches!(self.state, State::InKey { .. }) {
                at += 1;
                continue;
            }
            match self.state {
                State::Start { bom } => {
                    let offset = self.consumed + at as u64;
                    if offset < 3 && offset == u64::from(bom) && byte == BOM[usize::from(bom)] {
                        self.state = State::Start { bom: bom + 1 };
                    } else if byte == b'{' {
                        self.state = State::Object(Elements::First);
                    } else {
                        return Err(self.not_an_object(chunk, at));
                    }
                }
                State::Object(mut members) => match members.step(byte, b'}') {
                    Step::Element if byte == b'"' => {
                        self.key.clear();
                        self.state = State::InKey { escaped: false };
                    }
                    Step::Element | Step::TrailingComma => {
                        return Err(self.unexpected(chunk, at, "a key in quotes"))
                    }
                    Step::Comma => self.state = State::Object(members),
                    Step::Close => self.state = State::Done,
                    Step::NotCommaOrClose => return Err(self.unexpected(chunk, at, "',' or '}'")),
                },
                State::InKey { mut escaped } => {
                    let end = string_end(chunk, at, &mut escaped);
                    let inside = end.map_or(chunk.len(), |end| end - 1) - at;
                    if self.key.len() + inside > MAX_KEY_BYTES {
                        let at = at + MAX_KEY_BYTES - self.key.len();
                        return Err(self.invalid(chunk, at, "a key longer than any of a report"));
                    }
                    self.key.extend_from_slice(&chunk[at..at + inside]);
                    let Some(end) = end else {
                        self.state = State::InKey { escaped };
                        return Ok(());
                    };
                    self.state = State::Colon;
                    at = end;
                    continue;
                }
                State::Colon => match byte {
                    b':' => self.state = State::Value,
                    _ => return Err(self.unexpected(chunk, at, "':'")),
                },
                State::Value => {
                    let target = self.key_target(chunk, at)?;
                    match (target, byte) {
                        (Target::Customer, b'[') | (Target::Other, b'[') => {
                            self.elements = target;
                            self.index = 0;
                            self.state = State::Array(Elements::First);
                        }
                        (Target::Customer, other) => {
                            return Err(ReadError::not_a_report(
                                "customers",
                                ReadProblem::WrongType {
                                    expected: "an array",
                                    found: json_kind_of(other),
                                },
                            ))
                        }
                        _ => {
                            self.state = State::Object(Elements::After);
                            self.begin(chunk, at, target)?;
                            continue;
                        }
                    }
                }
                State::Array(mut elements) => match elements.step(byte, b']') {
                    Step::Comma => {
                        self.index += 1;
                        self.state = State::Array(elements);
                    }
                    Step::Close => self.state = State::Object(Elements::After),
                    Step::NotCommaOrClose => return Err(self.unexpected(chunk, at, "',' or ']'")),
                    // A `]` after `,` is refused as an element that is no value.
                    Step::Element | Step::TrailingComma => {
                        if self.elements == Target::Customer && byte != b'{' {
                            return Err(ReadError::not_a_report(
                                format!("customers[{}]", self.index),
                                ReadProblem::WrongType {
                                    expected: "an object",
                                    found: json_kind_of(byte),
                                },
                            ));
                        }
                        self.state = State::Array(Elements::After);
                        if self.elements == Target::Customer {
                            // Straight from the chunk, so the value is not
                            // scanned twice; when cut by the chunk's end or
                            // not a valid line, it is cut out as any value.
                            if let Some(end) =
                                self.store.take_line_in_place(&chunk[at..], self.index)
                            {
                                at += end;
                                continue;
                            }
                        }
                        self.begin(chunk, at, self.elements)?;
                        continue;
                    }
                },
                State::Done => {
                    let trailing = "more text after the report's closing '}'";
                    return Err(self.invalid(chunk, at, trailing));
                }
            }
            at += 1;
        }
        Ok(())
    }

    fn not_an_object(&mut self, chunk: &[u8], at: usize) -> ReadError {
        let byte = chunk[at];
        if matches!(byte, b'[' | b'"' | b't' | b'f' | b'n' | b'-' | b'0'..=b'9') {
            ReadError::not_a_report(
                "",
                ReadProblem::WrongType {
                    expected: "an object",
                    found: json_kind_of(byte),
                },
            )
        } else {
            self.unexpected(chunk, at, "'{'")
        }
    }

    /// What the value of the current key is for; refuses a second
    /// `metadata` or `customers`.
    fn key_target(&mut self, chunk: &[u8], at: usize) -> Result<Target, ReadError> {
        let key: Cow<str> = if self.key.contains(&b'\\') {
            let mut quoted = Vec::with_capacity(self.key.len() + 2);
            quoted.push(b'"');
            quoted.extend_from_slice(&self.key);
            quoted.push(b'"');
            match serde_json::from_slice::<String>(&quoted) {
                Ok(key) => Cow::Owned(key),
                Err(error) => return Err(self.invalid(chunk, at, format!("a key: {error}"))),
            }
        } else {
            match std::str::from_utf8(&self.key) {
                Ok(key) => Cow::Borrowed(key),
                Err(_) => return Err(self.invalid(chunk, at, "a key that is not UTF-8")),
            }
        };
        let (target, seen) = match &*key {
            "metadata" => (Target::Metadata, self.metadata.is_some()),
            "customers" => (Target::Customer, self.customers_seen),
            _ => return Ok(Target::Other),
        };
        if seen {
            return Err(ReadError::not_a_report(
                key.into_owned(),
                ReadProblem::Repeated,
            ));
        }
        if target == Target::Customer {
            self.customers_seen = true;
        }
        Ok(target)
    }

    /// Starts cutting out the value whose first byte is `chunk[at]`.
    fn begin(&mut self, chunk: &[u8], at: usize, target: Target) -> Result<(), ReadError> {
        let Some(end) = ValueEnd::starting_with(chunk[at]) else {
            return Err(self.unexpected(chunk, at, "a JSON value"));
        };
        let start = self.position(chunk, at);
        self.capture = Some(Capture { end, start, target });
        Ok(())
    }

    /// Checks and keeps a value cut out of the file.
    fn take_value(&mut self, bytes: &[u8], capture: &Capture) -> Result<(), ReadError> {
        let at_error = |error: &serde_json::Error| {
            let (line, column) = capture.start;
            let (l, c) = (error.line() as u64, error.column() as u64);
            let (line, column) = if l <= 1 {
                (line, column + c.saturating_sub(1))
            } else {
                (line + l - 1, c)
            };
            ReadError::InvalidJson {
                line,
                column,
                detail: parser_message(error),
            }
        };
        match capture.target {
            Target::Customer => match self.store.take_line(bytes, self.index) {
                Ok(()) => Ok(()),
                Err(LineError::Json(error)) => Err(at_error(&error)),
                Err(LineError::NotALine(error)) => Err(error),
            },
            Target::Metadata => {
                if let Err(error) = serde_json::from_slice::<IgnoredAny>(bytes) {
                    return Err(at_error(&error));
                }
                self.metadata = Some(read_metadata(bytes)?);
                Ok(())
            }
            Target::Other => match serde_json::from_slice::<IgnoredAny>(bytes) {
                Ok(_) => Ok(()),
                Err(error) => Err(at_error(&error)),
            },
        }
    }

    /// Ends the file and returns the report, its customers sorted by id.
    ///
    /// # Errors
    /// [`ReadError`] when the file is empty, ends before the report does,
    /// lacks `metadata` or `customers`, or repeats a customer id.
    pub fn finish(mut self) -> Result<PreviousReport, ReadError> {
        match self.state {
            State::Done => {}
            State::Start { .. } => return Err(ReadError::Empty),
            _ => {
                let (line, column) = self.lines.locate(self.consumed);
                return Err(ReadError::InvalidJson {
                    line,
                    column,
                    detail: "the file ends before the report does (is it cut short?)".into(),
                });
            }
        }
        let Some(metadata) = self.metadata.take() else {
            return Err(ReadError::not_a_report("metadata", ReadProblem::Missing));
        };
        if !self.customers_seen {
            return Err(ReadError::not_a_report("customers", ReadProblem::Missing));
        }
        let mut store = self.store;
        store.metadata = metadata;
        // By id, then place: rows are stored in place order.
        let order = order_by_key(store.rows.iter().map(|row| row.customer_id));
        store.rows = order.iter().map(|&at| store.rows[at as usize]).collect();
        if let Some(pair) = store
            .rows
            .windows(2)
            .filter(|pair| pair[0].customer_id == pair[1].customer_id)
            .min_by_key(|pair| pair[1].place)
        {
            return Err(ReadError::not_a_report(
                format!("customers[{}].customer_id", pair[1].place),
                ReadProblem::RepeatedId {
                    id: pair[1].customer_id,
                    first: pair[0].place as usize,
                },
            ));
        }
        Ok(store)
    }
}
