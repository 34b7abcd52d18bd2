//! The one reader of uploaded files: bytes in, positioned source items out,
//! as the bytes arrive in chunks of any size (the page reads files with
//! `Blob.stream()`) or all at once (tests, benchmarks, the fuzzer). Both
//! go through the same engine, so a file reads the same however it is cut.
//!
//! Accepted layouts, decided by the first character that is not white space:
//! - `[`: one JSON array whose elements are records or page envelopes (or
//!   both); nothing but white space may follow its closing `]`.
//! - anything else: a sequence of JSON values separated by white space
//!   (NDJSON; a value may span lines, and several may share a line). One
//!   page envelope alone is a page-envelope file; any other single value
//!   must be a record object.
//!
//! Records are handed on as soon as they are complete, so memory is bounded
//! by the output, not the file (a single huge envelope is the exception: it
//! is one value). Errors that make the whole file unusable are
//! [`IngestError`]s with the line and column in the file; an element that
//! is not a usable object becomes a rejected item with its position.

use std::borrow::Cow;

use serde::de::IgnoredAny;

use crate::common::wire::{Wire, WireError, WireReader, Writer};
use crate::source::csv_rows::{sniff_separator, CsvRows};
use crate::source::ingest::{
    json_kind_of, parser_message, read_envelope_data, IngestError, InputFormat, Position,
    SourceItem,
};
use crate::source::json_scan::{skip_space, Elements, Lines, Step, BOM};
use crate::source::mapping::{Mapping, MappingSpec};
use crate::source::record::{InputObject, Mapper};
use crate::source::sniff::{binary_kind, SNIFF_BYTES};

/// How a file is read beyond its bytes: the user's field mapping and, for
/// CSV, the separator (sniffed from the header when not given).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Overrides of the proposed field mapping.
    pub(crate) mapping: MappingSpec,
    /// The CSV separator, when chosen rather than sniffed.
    pub separator: Option<u8>,
    /// The layout the file's name says, if it says one.
    pub(crate) layout: LayoutHint,
    /// Read a CSV that has no column for the customer id (the mapping
    /// panel does, to let the user choose one); a run refuses it.
    pub(crate) allow_no_id: bool,
    /// The largest record, line or row read.
    pub(crate) limits: ReadLimits,
}

/// The most one piece of a file may hold: past these the file fails with
/// a message naming where, instead of filling the module's memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReadLimits {
    /// One top-level JSON value: an array element, an NDJSON value, or a
    /// whole page envelope.
    pub(crate) max_value_bytes: usize,
    /// One CSV row (a quote left open makes the rest of the file one row).
    pub(crate) max_row_bytes: usize,
}

/// The default [`ReadLimits::max_value_bytes`]: 256 MB.
pub(crate) const MAX_VALUE_BYTES: usize = 256 << 20;
/// The default [`ReadLimits::max_row_bytes`]: 16 MB.
pub(crate) const MAX_ROW_BYTES: usize = 16 << 20;

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits {
            max_value_bytes: MAX_VALUE_BYTES,
            max_row_bytes: MAX_ROW_BYTES,
        }
    }
}

impl ReadOptions {
    /// These options for a file named `name`: its extension says the
    /// layout, unless one is set already.
    pub(crate) fn for_file(mut self, name: &str) -> Self {
        if self.layout == LayoutHint::Content {
            self.layout = LayoutHint::for_file_name(name);
        }
        self
    }
}

/// The layout a file's name says. A name that says one decides it; the
/// content decides only when the name says nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum LayoutHint {
    /// The name says nothing (`customers`, `export.txt`): the first
    /// character decides, then whether the first line is JSON.
    #[default]
    Content,
    /// `.json`, `.ndjson`, `.jsonl`: read as JSON, never as CSV. Holds the
    /// extension, for messages.
    Json(String),
    /// `.csv`, `.tsv`: read as CSV, whatever the first line looks like.
    Csv,
}

impl LayoutHint {
    /// The layout a file name says (its extension, in any case).
    pub(crate) fn for_file_name(name: &str) -> LayoutHint {
        let extension = match name.rsplit_once('.') {
            Some((stem, extension)) if !stem.is_empty() => extension.to_ascii_lowercase(),
            _ => return LayoutHint::Content,
        };
        match extension.as_str() {
            "json" | "ndjson" | "jsonl" => LayoutHint::Json(format!(".{extension}")),
            "csv" | "tsv" => LayoutHint::Csv,
            _ => LayoutHint::Content,
        }
    }
}

/// Where a reader of one part of a file starts when the part does not
/// start the file (`crate::split` cuts a stream at exact boundaries): the
/// file's start was judged by the part before it (not binary, not UTF-16),
/// the layout is known, and positions count on from the file's, so the
/// part's records, rejections and errors name the places a reader of the
/// whole file names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Resume {
    /// Where in the layout.
    pub(crate) at: Midway,
    /// 1-based line of the part's first byte.
    pub(crate) line: usize,
    /// 1-based column (in bytes) of the part's first byte.
    pub(crate) column: usize,
    /// What came before the part: the array's elements ([`Midway::Elements`])
    /// or the CSV rows, the header included ([`Midway::Rows`]).
    pub(crate) before: usize,
}

/// Where a part starts in the layout of its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Midway {
    /// At the `,` after an element of the top-level array.
    Elements,
    /// Between the values of a sequence of several (NDJSON): none is held
    /// back as perhaps the file's only value.
    Values,
    /// At the start of a CSV row, after the header row, which the part's
    /// job gives again before it.
    Rows,
}

impl Wire for Resume {
    fn put(&self, out: &mut Writer) {
        out.u8(match self.at {
            Midway::Elements => 0,
            Midway::Values => 1,
            Midway::Rows => 2,
        });
        out.usize(self.line);
        out.usize(self.column);
        out.usize(self.before);
    }

    fn take(from: &mut WireReader<'_>) -> Result<Self, WireError> {
        let at = match from.u8()? {
            0 => Midway::Elements,
            1 => Midway::Values,
            2 => Midway::Rows,
            _ => return Err(WireError),
        };
        let (line, column) = (from.usize()?, from.usize()?);
        if line == 0 || column == 0 {
            return Err(WireError);
        }
        Ok(Resume {
            at,
            line,
            column,
            before: from.usize()?,
        })
    }
}

impl Wire for ReadOptions {
    fn put(&self, out: &mut Writer) {
        self.mapping.put(out);
        out.bool(self.separator.is_some());
        out.u8(self.separator.unwrap_or(0));
        match &self.layout {
            LayoutHint::Content => out.u8(0),
            LayoutHint::Json(extension) => {
                out.u8(1);
                out.str(extension);
            }
            LayoutHint::Csv => out.u8(2),
        }
        out.bool(self.allow_no_id);
        out.usize(self.limits.max_value_bytes);
        out.usize(self.limits.max_row_bytes);
    }

    fn take(from: &mut WireReader<'_>) -> Result<Self, WireError> {
        let mapping = MappingSpec::take(from)?;
        let given = from.bool()?;
        let separator = from.u8()?;
        let layout = match from.u8()? {
            0 => LayoutHint::Content,
            1 => LayoutHint::Json(from.str()?.to_owned()),
            2 => LayoutHint::Csv,
            _ => return Err(WireError),
        };
        Ok(ReadOptions {
            mapping,
            separator: given.then_some(separator),
            layout,
            allow_no_id: from.bool()?,
            limits: ReadLimits {
                max_value_bytes: from.usize()?,
                max_row_bytes: from.usize()?,
            },
        })
    }
}

/// Reads one file, chunk by chunk. Items borrow from the chunk or from the
/// reader's buffer, so a sink must copy what it keeps.
#[derive(Debug, Default)]
pub struct Reader {
    engine: Engine,
    /// Text received but not yet consumed.
    pending: String,
    /// The bytes of a character cut by the end of the last chunk.
    carry: Vec<u8>,
    /// Bytes received so far.
    received: usize,
    /// The file's first bytes, held until there are 4 (or the file ends)
    /// to recognise UTF-16 the same way however the file is cut.
    head: Vec<u8>,
    /// Whether the head was judged and passed on.
    started: bool,
}

impl Reader {
    /// A reader at the start of a file, with the proposed field mapping.
    #[cfg(test)]
    pub(crate) fn new() -> Self {
        Reader::default()
    }

    /// A reader at the start of a file.
    pub(crate) fn with_options(options: &ReadOptions) -> Self {
        let mut reader = Reader::default();
        reader.engine.mapper = Mapper::new(options.mapping.clone());
        reader.engine.separator = options.separator;
        reader.engine.hint = options.layout.clone();
        reader.engine.allow_no_id = options.allow_no_id;
        reader.engine.limits = options.limits;
        reader
    }

    /// A reader of a part of a file that starts at `resume`, read with
    /// `options` (for a CSV part, with the file's separator and layout
    /// given), after `header`: the CSV header row read again (nothing for
    /// JSON).
    ///
    /// # Errors
    /// [`IngestError`] when the header cannot be read (it was read at the
    /// file's start already, so only when it is not the file's).
    pub(crate) fn resuming(
        options: &ReadOptions,
        resume: &Resume,
        header: &[u8],
    ) -> Result<Self, IngestError> {
        let mut reader = Reader::with_options(options);
        reader.started = true;
        match resume.at {
            Midway::Elements => {
                reader.engine.layout = Layout::Array(Elements::After);
                reader.engine.elements_before = resume.before;
            }
            Midway::Values => {
                reader.engine.layout = Layout::Values;
                reader.engine.several = true;
            }
            Midway::Rows => {
                reader.engine.rows_before = Some(resume.before);
                // The header yields no item.
                reader.feed(header, &mut |_| {})?;
            }
        }
        // The bytes before the part's first byte on its line count as read,
        // so that columns count from the line's start.
        reader.received += resume.column - 1;
        reader.engine.lines = Lines::at(
            reader.received as u64,
            resume.line as u64,
            resume.column as u64,
        );
        Ok(reader)
    }

    /// The field mapping: decided at the first record (or the CSV header).
    pub(crate) fn mapping(&self) -> Mapping {
        self.engine.mapping()
    }

    /// The layout as far as it is known (before [`Reader::finish`]).
    // Used by the page (`web`, wasm32 only) and by tests.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn format_so_far(&self) -> InputFormat {
        self.engine.format().unwrap_or(InputFormat::Ndjson)
    }

    /// Top-level values read so far: the elements of an array, or the
    /// values of a sequence (NDJSON).
    pub(crate) fn values_read(&self) -> usize {
        self.engine.values
    }

    /// The separator of a CSV file, once known.
    // Used by the page (`web`, wasm32 only) and by tests.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn csv_separator(&self) -> Option<u8> {
        self.engine.csv.as_ref().map(|csv| csv.separator())
    }

    /// Reads a whole input at once with the proposed mapping; items borrow from it.
    ///
    /// # Errors
    /// As [`Reader::push`] and [`Reader::finish`].
    pub fn read_all<'a>(
        input: &'a [u8],
        sink: &mut dyn FnMut(&SourceItem<'_>),
    ) -> Result<InputFormat, IngestError> {
        Reader::read_all_with(input, &ReadOptions::default(), sink).map(|(format, _)| format)
    }

    /// Reads a whole input at once; items borrow from it. Returns the layout
    /// and the field mapping used.
    ///
    /// # Errors
    /// As [`Reader::push`] and [`Reader::finish`].
    pub(crate) fn read_all_with<'a>(
        input: &'a [u8],
        options: &ReadOptions,
        sink: &mut dyn FnMut(&SourceItem<'_>),
    ) -> Result<(InputFormat, Mapping), IngestError> {
        if let Some(looks_like) = binary_kind(&input[..input.len().min(SNIFF_BYTES)]) {
            return Err(IngestError::NotText { looks_like });
        }
        if looks_like_utf16(&input[..input.len().min(4)]) {
            return Err(IngestError::Utf16);
        }
        let mut reader = Reader::with_options(options);
        let (text, bad) = reader.decode(input, true);
        reader.engine.run(text, 0, bad.is_none(), sink)?;
        if let Some(at) = bad {
            return Err(reader.engine.not_utf8(text.as_bytes(), 0, at));
        }
        Ok((reader.engine.format()?, reader.engine.mapping()))
    }

    /// Takes the next chunk, handing every complete item to `sink`.
    ///
    /// # Errors
    /// [`IngestError`] when the file cannot be read (not text, invalid JSON,
    /// the wrong shape); the file is then unusable.
    pub(crate) fn push(
        &mut self,
        chunk: &[u8],
        sink: &mut dyn FnMut(&SourceItem<'_>),
    ) -> Result<(), IngestError> {
        if !self.started {
            self.head.extend_from_slice(chunk);
            if self.head.len() < 4 {
                return Ok(());
            }
            let head = self.start()?;
            return self.feed(&head, sink);
        }
        self.feed(chunk, sink)
    }

    /// Reads a chunk after the head.
    fn feed(
        &mut self,
        chunk: &[u8],
        sink: &mut dyn FnMut(&SourceItem<'_>),
    ) -> Result<(), IngestError> {
        if self.pending.is_empty() && self.carry.is_empty() && !self.engine.waiting_for_more() {
            // Parse straight from the chunk; keep only the unfinished tail.
            let base = self.received;
            let (text, bad) = self.decode(chunk, false);
            let consumed = self.engine.run(text, base, false, sink)?;
            if let Some(at) = bad {
                return Err(self.engine.not_utf8(text.as_bytes(), base, at));
            }
            self.pending.push_str(&text[consumed..]);
            return Ok(());
        }
        let joined: Cow<'_, [u8]> = if self.carry.is_empty() {
            Cow::Borrowed(chunk)
        } else {
            let mut bytes = std::mem::take(&mut self.carry);
            bytes.extend_from_slice(chunk);
            self.received -= bytes.len() - chunk.len();
            Cow::Owned(bytes)
        };
        let base = self.received - self.pending.len();
        let (text, bad) = self.decode(&joined, false);
        self.pending.push_str(text);
        if bad.is_none() && self.engine.waiting_for(self.pending.len()) {
            return Ok(());
        }
        let consumed = self.engine.run(&self.pending, base, false, sink)?;
        if let Some(at) = bad {
            return Err(self.engine.not_utf8(self.pending.as_bytes(), base, at));
        }
        self.pending.drain(..consumed);
        Ok(())
    }

    /// Ends the file: reads what is left and returns the layout found.
    ///
    /// # Errors
    /// [`IngestError`] when the file is empty, ends inside a value or a
    /// character, or is of a shape that holds no records.
    pub(crate) fn finish(
        &mut self,
        sink: &mut dyn FnMut(&SourceItem<'_>),
    ) -> Result<InputFormat, IngestError> {
        if !self.started {
            let head = self.start()?;
            self.feed(&head, sink)?;
        }
        // A character cut by the end of the file is invalid UTF-8 there.
        let bad = (!self.carry.is_empty()).then(|| self.received - self.carry.len());
        let base = self.received - self.carry.len() - self.pending.len();
        let pending = std::mem::take(&mut self.pending);
        self.engine.run(&pending, base, bad.is_none(), sink)?;
        if let Some(at) = bad {
            return Err(self.engine.not_utf8(pending.as_bytes(), base, at));
        }
        self.engine.format()
    }

    /// Judges the file's first bytes: UTF-16 is refused with a clear
    /// message. (A UTF-8 byte-order mark is skipped by the engine.)
    /// Returns the held bytes, to be read.
    fn start(&mut self) -> Result<Vec<u8>, IngestError> {
        self.started = true;
        if let Some(looks_like) = binary_kind(&self.head) {
            return Err(IngestError::NotText { looks_like });
        }
        if looks_like_utf16(&self.head) {
            return Err(IngestError::Utf16);
        }
        Ok(std::mem::take(&mut self.head))
    }

    /// The chunk as text, up to its first invalid byte, whose offset in
    /// the file comes second. A character cut at the chunk's end is kept
    /// for the next chunk, unless this is the last.
    fn decode<'c>(&mut self, chunk: &'c [u8], last: bool) -> (&'c str, Option<usize>) {
        let chunk_start = self.received;
        self.received += chunk.len();
        match std::str::from_utf8(chunk) {
            Ok(text) => (text, None),
            Err(error) => {
                let valid = error.valid_up_to();
                let text = std::str::from_utf8(&chunk[..valid]).unwrap_or_default();
                if error.error_len().is_none() && !last {
                    self.carry = chunk[valid..].to_vec();
                    (text, None)
                } else {
                    (text, Some(chunk_start + valid))
                }
            }
        }
    }
}

/// UTF-16 (with or without a byte-order mark): JSON text starts with an
/// ASCII character, which UTF-16 writes with a zero byte beside it. (A zero
/// byte is never valid in JSON text, so nothing valid is refused.)
fn looks_like_utf16(start: &[u8]) -> bool {
    // 0xFF and 0xFE never occur in UTF-8: a file starting with one starts
    // with a UTF-16 byte-order mark.
    matches!(start.first(), Some(0xFF | 0xFE)) || start.iter().take(4).any(|&b| b == 0)
}

/// Where the reader is in the file's structure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Layout {
    /// Nothing but white space seen yet.
    #[default]
    Start,
    /// Inside the top-level array.
    Array(Elements),
    /// After the array's closing `]`.
    ArrayDone,
    /// A sequence of top-level values.
    Values,
    /// CSV with a header row.
    Csv,
}

/// The first top-level value of a value sequence, held back until it is
/// known whether it is the only one (which decides its positions).
#[derive(Debug, Clone, Copy)]
struct Held {
    start: usize,
    end: usize,
    line: usize,
}

/// Where the engine hands each item it reads.
type ItemSink<'s> = dyn FnMut(&SourceItem<'_>) + 's;

/// The piece of input the engine is reading: its text, the offset of its
/// first byte in the file, and whether the input ends with it.
#[derive(Debug, Clone, Copy)]
struct Piece<'b> {
    buf: &'b str,
    base: usize,
    at_end: bool,
}

/// The reading state that carries over from chunk to chunk. Offsets are
/// absolute byte offsets in the file.
#[derive(Debug)]
struct Engine {
    layout: Layout,
    /// Lines counted as far as the text read so far.
    lines: Lines,
    /// Array elements, or top-level values, seen.
    values: usize,
    envelopes: usize,
    held: Option<Held>,
    /// An unfinished value is not parsed again before the buffer holds
    /// this many bytes, so a value arriving in many chunks costs linear time.
    retry_at: usize,
    /// Decides the field mapping and reads objects with it.
    mapper: Mapper,
    /// The CSV separator chosen by the user, if any.
    separator: Option<u8>,
    /// The CSV reader, once the file is known to be CSV.
    csv: Option<Box<CsvRows>>,
    /// The layout the file's name says.
    hint: LayoutHint,
    /// Whether a CSV without a customer id column is read anyway.
    allow_no_id: bool,
    /// Read as JSON because of the name alone (its start is not `[` or
    /// `{`): the start of the text, for the message when it is not JSON.
    forced_json: Option<String>,
    /// The most a value or a row may hold.
    limits: ReadLimits,
    /// A part of a sequence of several values: no value is held back as
    /// perhaps the file's only one ([`Midway::Values`]).
    several: bool,
    /// The array's elements before the part ([`Midway::Elements`]).
    elements_before: usize,
    /// The CSV rows before the part, the header included ([`Midway::Rows`]).
    rows_before: Option<usize>,
}

impl Default for Engine {
    fn default() -> Self {
        Engine {
            layout: Layout::Start,
            lines: Lines::default(),
            values: 0,
            envelopes: 0,
            held: None,
            retry_at: 0,
            mapper: Mapper::new(MappingSpec::none()),
            separator: None,
            csv: None,
            hint: LayoutHint::Content,
            allow_no_id: false,
            forced_json: None,
            limits: ReadLimits::default(),
            several: false,
            elements_before: 0,
            rows_before: None,
        }
    }
}

/// A value read from the buffer.
// The common variant is the large one, and it lives on the stack for one
// record at a time: boxing it would cost an allocation per record.
#[allow(clippy::large_enum_variant)]
enum Value<'b> {
    Object(InputObject<'b>),
    /// A JSON object the record parser refused (e.g. a repeated key).
    Unreadable(String),
    /// Valid JSON that is not an object: its kind, e.g. "a number".
    Other(&'static str),
}

/// A value read at a position and where it ends, or `None` when the value
/// goes on past the end of the buffer.
type Read<'b> = Option<(Value<'b>, usize)>;

impl Engine {
    fn mapping(&self) -> Mapping {
        self.mapper.mapping()
    }

    fn waiting_for_more(&self) -> bool {
        self.retry_at > 0
    }

    /// Whether a buffer of `len` bytes is still too short to try again
    /// (past the largest value, it is tried, to fail at once).
    fn waiting_for(&self, len: usize) -> bool {
        len < self.retry_at && len <= self.limits.max_value_bytes
    }

    /// Fails a value starting at `pos` that is (or, unfinished, already
    /// is more than) the largest allowed; `len` is how far it reaches.
    fn check_size(
        &mut self,
        bytes: &[u8],
        base: usize,
        pos: usize,
        len: usize,
    ) -> Result<(), IngestError> {
        if len <= self.limits.max_value_bytes {
            return Ok(());
        }
        let (line, column) = self.position(bytes, base, base + pos);
        Err(IngestError::ValueTooLarge {
            line,
            column,
            limit: self.limits.max_value_bytes,
        })
    }

    /// The error for an invalid byte at offset `at` (in `bytes`, which
    /// starts at offset `base`), after everything before it was read.
    fn not_utf8(&mut self, bytes: &[u8], base: usize, at: usize) -> IngestError {
        let (line, column) = self.position(bytes, base, at);
        IngestError::NotUtf8 { line, column }
    }

    /// Line and column (1-based, in bytes) of offset `at` (in `bytes`,
    /// which starts at offset `base`), counted to.
    fn position(&mut self, bytes: &[u8], base: usize, at: usize) -> (usize, usize) {
        let (line, column) = self.lines.position(bytes, base as u64, at as u64);
        (line as usize, column as usize)
    }

    fn invalid(&mut self, bytes: &[u8], base: usize, at: usize, message: &str) -> IngestError {
        let (line, column) = self.position(bytes, base, at);
        IngestError::InvalidJson {
            line,
            column,
            message: message.to_owned(),
        }
    }

    /// A parser error inside the value that starts at `start`, moved into
    /// the file's lines and columns.
    fn invalid_value(
        &mut self,
        bytes: &[u8],
        base: usize,
        start: usize,
        error: &serde_json::Error,
    ) -> IngestError {
        let (line, column) = self.position(bytes, base, start);
        let (error_line, error_column) = (error.line().max(1), error.column().max(1));
        IngestError::InvalidJson {
            line: line + error_line - 1,
            column: if error_line == 1 {
                column - 1 + error_column
            } else {
                error_column
            },
            message: parser_message(error),
        }
    }

    /// Reads `buf` (which starts at offset `base`) as far as it can and
    /// returns how many bytes are finished with. `at_end`: no more input follows.
    fn run(
        &mut self,
        buf: &str,
        base: usize,
        at_end: bool,
        sink: &mut ItemSink<'_>,
    ) -> Result<usize, IngestError> {
        let piece = Piece { buf, base, at_end };
        let consumed = self
            .read(piece, sink)
            .map_err(|error| self.named_layout_error(error))?;
        // What is finished with is dropped by the caller: count its lines now.
        let (base, to) = (base as u64, (base + consumed) as u64);
        self.lines.count_to(buf.as_bytes(), base, to);
        Ok(consumed)
    }

    fn read(&mut self, piece: Piece<'_>, sink: &mut ItemSink<'_>) -> Result<usize, IngestError> {
        let Piece { buf, base, at_end } = piece;
        self.retry_at = 0;
        let bytes = buf.as_bytes();
        // A value held back from an earlier buffer is not read again.
        let mut pos = self.held.map_or(0, |held| held.end - base);
        loop {
            if let (Layout::Csv, Some(csv)) = (self.layout, self.csv.as_mut()) {
                // csv-core keeps what it needs between pieces: all is read.
                csv.feed(&buf[pos..], at_end, &mut self.mapper, sink)?;
                return Ok(bytes.len());
            }
            pos = skip_space(bytes, pos);
            if pos == bytes.len() {
                return self.end_of_buffer(piece, sink);
            }
            match self.layout {
                Layout::Start if base + pos == 0 && buf.starts_with('\u{feff}') => {
                    // A byte-order mark: columns count from after it.
                    pos += BOM.len();
                    self.lines.start_columns_at(BOM.len() as u64);
                }
                Layout::Start if bytes[pos] == b'[' && self.hint != LayoutHint::Csv => {
                    pos += 1;
                    self.layout = Layout::Array(Elements::First);
                }
                Layout::Start if bytes[pos] == b'{' && self.hint != LayoutHint::Csv => {
                    self.layout = Layout::Values;
                }
                Layout::Start => {
                    // JSON values, or a CSV header: the name decides, else the first line.
                    let rest = &buf[pos..];
                    let line = match memchr::memchr(b'\n', rest.as_bytes()) {
                        Some(end) => &rest[..end],
                        None if at_end => rest,
                        None => return Ok(self.wait(bytes.len(), pos)),
                    };
                    let line = line.trim_end_matches('\r');
                    let as_json = match self.hint {
                        LayoutHint::Json(_) => {
                            self.forced_json = Some(snippet(line));
                            true
                        }
                        LayoutHint::Csv => false,
                        LayoutHint::Content => is_json_value_line(line),
                    };
                    if as_json {
                        self.layout = Layout::Values;
                    } else {
                        // Where JSON fails on this line, for a refusal's message.
                        let not_json = (self.hint == LayoutHint::Content).then(|| {
                            let (line_no, column) = self.position(bytes, base, base + pos);
                            let offset = json_error_offset(line);
                            (line_no, column + offset, snippet(&line[offset..]))
                        });
                        let separator = self.separator.unwrap_or_else(|| sniff_separator(line));
                        let mut csv = CsvRows::new(
                            separator,
                            !self.allow_no_id,
                            not_json,
                            self.limits.max_row_bytes,
                        );
                        if let Some(rows) = self.rows_before {
                            csv.resume_rows(rows);
                        }
                        self.csv = Some(Box::new(csv));
                        self.layout = Layout::Csv;
                    }
                }
                Layout::ArrayDone => {
                    return Err(self.invalid(bytes, base, base + pos, "trailing characters"))
                }
                Layout::Array(mut elements) => match elements.step(bytes[pos], b']') {
                    Step::Close => {
                        self.layout = Layout::ArrayDone;
                        pos += 1;
                    }
                    Step::Comma => {
                        self.layout = Layout::Array(elements);
                        pos += 1;
                    }
                    Step::NotCommaOrClose => {
                        return Err(self.invalid(bytes, base, base + pos, "expected `,` or `]`"))
                    }
                    Step::TrailingComma => {
                        return Err(self.invalid(bytes, base, base + pos, "trailing comma"))
                    }
                    Step::Element => match self.next_value(piece, pos)? {
                        None => return Ok(self.wait(bytes.len(), pos)),
                        Some((value, end)) => {
                            self.array_element(value, &buf[pos..end], sink)?;
                            self.layout = Layout::Array(Elements::After);
                            pos = end;
                        }
                    },
                },
                // Handled before white space is skipped.
                Layout::Csv => return Ok(bytes.len()),
                Layout::Values => {
                    let (line, _) = self.position(bytes, base, base + pos);
                    if let Some(held) = self.held.take() {
                        // A second value: the held one is a line of NDJSON.
                        self.release(held, buf, base, false, sink)?;
                    }
                    match self.next_value(piece, pos)? {
                        None => return Ok(self.wait(bytes.len(), pos)),
                        Some((value, end)) => {
                            if self.values == 1 && !self.several {
                                self.held = Some(Held {
                                    start: base + pos,
                                    end: base + end,
                                    line,
                                });
                            } else {
                                let at = Position {
                                    line: Some(line),
                                    ..Position::default()
                                };
                                self.object_or_envelope(value, &buf[pos..end], at, at, sink)?;
                            }
                            pos = end;
                        }
                    }
                }
            }
        }
    }

    /// An unfinished value at `pos`: keep it, and do not try again until
    /// the buffer has grown enough to make a new attempt worth it.
    fn wait(&mut self, len: usize, pos: usize) -> usize {
        let kept = match self.held {
            Some(_) => len,
            None => len - pos,
        };
        self.retry_at = 2 * kept;
        self.finished_with(pos)
    }

    /// How many bytes of the buffer are finished with when stopping at
    /// `pos`: a held value stays.
    fn finished_with(&self, pos: usize) -> usize {
        match self.held {
            Some(_) => 0,
            None => pos,
        }
    }

    fn end_of_buffer(
        &mut self,
        piece: Piece<'_>,
        sink: &mut ItemSink<'_>,
    ) -> Result<usize, IngestError> {
        let Piece { buf, base, at_end } = piece;
        let bytes = buf.as_bytes();
        if !at_end {
            let (base, to) = (base as u64, (base + bytes.len()) as u64);
            self.lines.count_to(bytes, base, to);
            return Ok(self.finished_with(bytes.len()));
        }
        match self.layout {
            Layout::Start => return Err(IngestError::Empty),
            Layout::Array(_) => {
                return Err(self.invalid(
                    bytes,
                    base,
                    base + bytes.len(),
                    "EOF while parsing a list",
                ))
            }
            Layout::ArrayDone | Layout::Values | Layout::Csv => {}
        }
        if let Some(held) = self.held.take() {
            self.release(held, buf, base, true, sink)?;
        }
        Ok(bytes.len())
    }

    /// Hands on the first top-level value, now that it is known whether it
    /// is the only one.
    fn release(
        &mut self,
        held: Held,
        buf: &str,
        base: usize,
        only: bool,
        sink: &mut ItemSink<'_>,
    ) -> Result<(), IngestError> {
        let (start, end) = (held.start - base, held.end - base);
        let whole = Piece {
            buf,
            base,
            at_end: true,
        };
        let Some((value, _)) = self.read_value(whole, start)? else {
            unreachable!("a held value was read completely before");
        };
        let raw = &buf[start..end];
        let line = Position {
            line: Some(held.line),
            ..Position::default()
        };
        if !only {
            return self.object_or_envelope(value, raw, line, line, sink);
        }
        // A single value: an envelope is addressed by page alone, a record
        // by its line; anything else holds no records.
        match value {
            Value::Other(found) => Err(IngestError::WrongShape {
                at: "the whole input".into(),
                expected: TOP_LEVEL_EXPECTED,
                found,
            }),
            value => self.object_or_envelope(value, raw, line, Position::default(), sink),
        }
    }

    /// The layout once the whole file is read.
    fn format(&self) -> Result<InputFormat, IngestError> {
        Ok(match self.layout {
            Layout::Start => return Err(IngestError::Empty),
            Layout::Array(_) | Layout::ArrayDone => match (self.envelopes, self.values) {
                (0, _) => InputFormat::RecordArray,
                (e, v) if e == v => InputFormat::EnvelopeArray,
                _ => InputFormat::MixedArray,
            },
            Layout::Values if self.values == 1 && self.envelopes == 1 && !self.several => {
                InputFormat::PageEnvelope
            }
            Layout::Values => InputFormat::Ndjson,
            Layout::Csv => InputFormat::Csv,
        })
    }

    /// Reads the next top-level value (an array's element or a line's
    /// value) at `pos`, within the size limit, and counts it; `None` while
    /// it is unfinished (already too large is an error).
    fn next_value<'b>(&mut self, piece: Piece<'b>, pos: usize) -> Result<Read<'b>, IngestError> {
        let read = self.read_value(piece, pos)?;
        let Piece { buf, base, .. } = piece;
        let len = match &read {
            None => buf.len() - pos,
            Some((_, end)) => end - pos,
        };
        self.check_size(buf.as_bytes(), base, pos, len)?;
        if read.is_some() {
            self.values += 1;
        }
        Ok(read)
    }

    /// Reads the JSON value that starts at `pos` (not white space).
    fn read_value<'b>(&mut self, piece: Piece<'b>, pos: usize) -> Result<Read<'b>, IngestError> {
        let Piece { buf, base, at_end } = piece;
        let bytes = buf.as_bytes();
        let rest = &buf[pos..];
        if bytes[pos] == b'{' {
            match self.mapper.parse(rest) {
                Ok((object, end)) => return Ok(Some((Value::Object(object), pos + end))),
                Err(error) if error.is_eof() => {}
                Err(error) => {
                    // Valid JSON the record parser refuses (a repeated key,
                    // a lone surrogate) is one unreadable record; anything
                    // else is invalid JSON, reported below.
                    if let Some(end) = skip_value(rest) {
                        let message = format!("unreadable record: {}", parser_message(&error));
                        return Ok(Some((Value::Unreadable(message), pos + end)));
                    }
                }
            }
        }
        let mut values = serde_json::Deserializer::from_str(rest).into_iter::<IgnoredAny>();
        match values.next() {
            Some(Ok(_)) => {
                let end = pos + values.byte_offset();
                // A number (or true, false, null) that reaches the end of
                // the buffer may go on in the next chunk.
                if end == bytes.len() && !at_end && !bytes[end - 1].is_ascii_punctuation() {
                    return Ok(None);
                }
                Ok(Some((Value::Other(json_kind_of(bytes[pos])), end)))
            }
            // Cut by the end of the input and already too large: the same
            // error a chunked read gives before the end arrives.
            Some(Err(error))
                if at_the_end(rest, &error) && rest.len() > self.limits.max_value_bytes =>
            {
                self.check_size(bytes, base, pos, rest.len()).map(|()| None)
            }
            // A value cut by the end of a chunk may fail to parse only for
            // that (a number such as `12e` or `1.`): try again with more.
            Some(Err(error)) if !at_end && at_the_end(rest, &error) => Ok(None),
            Some(Err(error)) => Err(self.invalid_value(bytes, base, base + pos, &error)),
            None => unreachable!("a value starts here"),
        }
    }

    fn array_element<'b>(
        &mut self,
        value: Value<'b>,
        raw: &'b str,
        sink: &mut ItemSink<'_>,
    ) -> Result<(), IngestError> {
        let element = self.elements_before + self.values;
        let as_record = Position {
            record: Some(element),
            ..Position::default()
        };
        let as_envelope = Position {
            envelope: Some(element),
            ..Position::default()
        };
        self.object_or_envelope(value, raw, as_record, as_envelope, sink)
    }

    /// Hands on a record (positioned at `as_record`), or the records of an
    /// envelope (positioned under `as_envelope`), or a rejected item.
    fn object_or_envelope<'b>(
        &mut self,
        value: Value<'b>,
        raw: &'b str,
        as_record: Position,
        as_envelope: Position,
        sink: &mut ItemSink<'_>,
    ) -> Result<(), IngestError> {
        let parsed = match value {
            Value::Object(object) => match object.data {
                Some(data) => {
                    self.envelopes += 1;
                    let page = object.page_number();
                    let at = Position {
                        page,
                        envelope: as_envelope.envelope.filter(|_| page.is_none()),
                        ..as_envelope
                    };
                    return read_envelope_data(data, at, &mut self.mapper, &mut |item| sink(item));
                }
                None => Ok(object.record),
            },
            Value::Unreadable(reason) => Err(reason),
            Value::Other(found) => Err(format!("not a record: expected an object, found {found}")),
        };
        sink(&SourceItem {
            position: as_record,
            raw,
            parsed,
        });
        Ok(())
    }
}

const TOP_LEVEL_EXPECTED: &str =
    "a page envelope ({\"page\":…, \"data\":[…]}), an array of records or envelopes, or NDJSON";

impl Engine {
    /// A file read as JSON because its name says so, whose very first
    /// value is not JSON, is said to be not JSON at all.
    fn named_layout_error(&self, error: IngestError) -> IngestError {
        match (&self.hint, &self.forced_json, error) {
            (
                LayoutHint::Json(extension),
                Some(found),
                IngestError::InvalidJson { line, column, .. },
            ) if self.values == 0 => IngestError::NotJson {
                extension: extension.clone(),
                line,
                column,
                found: found.clone(),
            },
            (_, _, error) => error,
        }
    }
}

/// The start of `text`, at most 24 characters, for a message.
fn snippet(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(24) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// The byte offset in `line` where reading it as JSON values fails.
fn json_error_offset(line: &str) -> usize {
    let mut values = serde_json::Deserializer::from_str(line).into_iter::<IgnoredAny>();
    let mut offset = 0;
    while let Some(Ok(_)) = values.next() {
        offset = values.byte_offset();
    }
    skip_space(line.as_bytes(), offset)
}

/// Whether a line holds JSON values and nothing else (`42`, `"x" 7`):
/// such a file is JSON values, not CSV.
fn is_json_value_line(line: &str) -> bool {
    serde_json::Deserializer::from_str(line)
        .into_iter::<IgnoredAny>()
        .all(|value| value.is_ok())
}

/// Whether a parser error in `text` is at its end (the end of the input
/// seen so far, or its last byte): then more input may make it go away.
fn at_the_end(text: &str, error: &serde_json::Error) -> bool {
    if error.is_eof() {
        return true;
    }
    // serde_json counts lines from 1 and columns (bytes) from 1.
    let bytes = text.as_bytes();
    let line_start = if error.line() <= 1 {
        0
    } else {
        match memchr::memchr_iter(b'\n', bytes).nth(error.line() - 2) {
            Some(newline) => newline + 1,
            None => return false,
        }
    };
    line_start + error.column() >= bytes.len()
}

/// The length of the valid JSON value at the start of `text`, if it is one.
fn skip_value(text: &str) -> Option<usize> {
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<IgnoredAny>();
    matches!(values.next(), Some(Ok(_))).then(|| values.byte_offset())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::field::FieldValue;
    use crate::source::sniff::BinaryKind;

    /// What reading gave, comparable across ways of cutting the input.
    #[derive(Debug, PartialEq)]
    struct Ingested {
        format: InputFormat,
        /// `position=id` or `position!reason` per item.
        items: Vec<String>,
        names: Vec<Option<FieldValue<'static>>>,
    }

    fn describe(item: &SourceItem<'_>) -> String {
        match &item.parsed {
            Ok(record) => format!(
                "{}={:?}",
                item.position,
                record.value(crate::source::mapping::Field::Id)
            ),
            Err(reason) => format!("{}!{reason}", item.position),
        }
    }

    fn name(item: &SourceItem<'_>) -> Option<FieldValue<'static>> {
        match &item.parsed {
            Ok(record) => match &record.value(crate::source::mapping::Field::FirstName) {
                Some(FieldValue::Text(text)) => Some(FieldValue::Text(text.to_string().into())),
                other => other.as_ref().map(|_| FieldValue::Null),
            },
            Err(_) => None,
        }
    }

    fn whole(input: &[u8]) -> Result<Ingested, IngestError> {
        let (mut items, mut names) = (Vec::new(), Vec::new());
        let format = Reader::read_all(input, &mut |item| {
            items.push(describe(item));
            names.push(name(item));
        })?;
        Ok(Ingested {
            format,
            items,
            names,
        })
    }

    fn chunked(input: &[u8], size: usize) -> Result<Ingested, IngestError> {
        let (mut items, mut names) = (Vec::new(), Vec::new());
        let mut sink = |item: &SourceItem<'_>| {
            items.push(describe(item));
            names.push(name(item));
        };
        let mut reader = Reader::new();
        for chunk in input.chunks(size.max(1)) {
            reader.push(chunk, &mut sink)?;
        }
        let format = reader.finish(&mut sink)?;
        Ok(Ingested {
            format,
            items,
            names,
        })
    }

    /// Reads the input whole, and checks that every way of cutting it into
    /// chunks of equal size reads the same (items, or the same error).
    fn ingest(input: &[u8]) -> Result<Ingested, IngestError> {
        let expected = whole(input);
        for size in 1..=input.len() {
            assert_eq!(chunked(input, size), expected, "chunks of {size}");
        }
        expected
    }

    /// Asserts that `input` is read as `format`, giving `items`.
    fn assert_items(input: &[u8], format: InputFormat, items: &[&str]) {
        let ingested = ingest(input).unwrap();
        assert_eq!(ingested.format, format);
        assert_eq!(ingested.items, items);
    }

    #[test]
    fn a_page_envelope_is_read_by_page_and_record() {
        assert_items(
            br#"{"page": 2, "data": [{"id": 7}, {"id": 8}]}"#,
            InputFormat::PageEnvelope,
            &[
                "page 2, record 1=Some(Unsigned(7))",
                "page 2, record 2=Some(Unsigned(8))",
            ],
        );
    }

    #[test]
    fn an_array_of_envelopes_keeps_page_order_as_given() {
        let input = br#"[{"page": 2, "data": [{"id": 7}]}, {"data": [{"id": 1}]}]"#;
        assert_items(
            input,
            InputFormat::EnvelopeArray,
            &[
                "page 2, record 1=Some(Unsigned(7))",
                "envelope 2, record 1=Some(Unsigned(1))",
            ],
        );
    }

    #[test]
    fn a_bare_array_of_records() {
        assert_items(
            br#"[{"id": 1}, {"id": "2"}]"#,
            InputFormat::RecordArray,
            &["record 1=Some(Unsigned(1))", "record 2=Some(Text(\"2\"))"],
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
        assert_items(
            input,
            InputFormat::Ndjson,
            &[
                "line 1=Some(Unsigned(1))",
                "line 3, page 3, record 1=Some(Unsigned(2))",
                "line 4=Some(Unsigned(3))",
            ],
        );
    }

    #[test]
    fn a_single_record_is_one_line_of_ndjson() {
        assert_items(
            br#"{"id": 5, "email": "a@b.co"}"#,
            InputFormat::Ndjson,
            &["line 1=Some(Unsigned(5))"],
        );
    }

    #[test]
    fn non_objects_become_items_with_their_position() {
        let ingested = ingest(br#"{"page": 1, "data": [{"id": 1}, 42, "x"]}"#).unwrap();
        assert_eq!(
            ingested.items[1..],
            [
                "page 1, record 2!not a record: expected an object, found a number",
                "page 1, record 3!not a record: expected an object, found a string"
            ]
        );
        let ingested = ingest(b"{\"id\": 1}\n[1, 2]\n").unwrap();
        assert_eq!(
            ingested.items[1],
            "line 2!not a record: expected an object, found an array"
        );
    }

    #[test]
    fn a_record_with_a_duplicate_key_is_kept_as_unreadable() {
        let ingested = ingest(br#"[{"id": 1, "id": 2}]"#).unwrap();
        assert_eq!(
            ingested.items,
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
        let input = r#"[{"id": 1, "first_name": "Zo\u00eb"}, {"id": 2, "first_name": "Zoë"}]"#;
        let ingested = ingest(input.as_bytes()).unwrap();
        assert_eq!(
            ingested.names,
            [
                Some(FieldValue::Text("Zoë".into())),
                Some(FieldValue::Text("Zoë".into()))
            ]
        );
    }

    #[test]
    fn a_record_may_span_lines_and_share_a_line() {
        let input = b"{\"id\": 1, \"first_name\": \"A\"}\n{\"id\": 2,\n \"first_name\": \"C\"}\n{\"id\": 3} {\"id\": 4}\n";
        assert_items(
            input,
            InputFormat::Ndjson,
            &[
                "line 1=Some(Unsigned(1))",
                "line 2=Some(Unsigned(2))",
                "line 4=Some(Unsigned(3))",
                "line 4=Some(Unsigned(4))",
            ],
        );
    }

    #[test]
    fn lines_count_blank_lines_whatever_the_layout() {
        let ingested = ingest(b"\n\n{\"id\": 1}").unwrap();
        assert_eq!(ingested.items, ["line 3=Some(Unsigned(1))"]);
        let ingested = ingest(b"{\"id\": 1}\n\n{\"id\": 2}\n").unwrap();
        assert_eq!(
            ingested.items,
            ["line 1=Some(Unsigned(1))", "line 3=Some(Unsigned(2))"]
        );
    }

    #[test]
    fn a_single_envelope_after_white_space_is_still_a_page_envelope() {
        assert_items(
            b"\n  {\"page\": 1,\n \"data\": [{\"id\": 5}]}\n\n",
            InputFormat::PageEnvelope,
            &["page 1, record 1=Some(Unsigned(5))"],
        );
    }

    #[test]
    fn utf16_is_refused_with_a_clear_message() {
        let utf16le: Vec<u8> = "[{\"id\": 1}]"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let utf16be: Vec<u8> = "{\"id\": 1}"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        let with_bom = [&b"\xFF\xFE"[..], &utf16le].concat();
        for input in [&utf16le[..], &utf16be[..], &with_bom[..], b"\xFE\xFF\x00["] {
            assert_eq!(ingest(input).unwrap_err(), IngestError::Utf16);
        }
        assert_eq!(
            IngestError::Utf16.to_string(),
            "This file looks like UTF-16 text; save it as UTF-8 (JSON, NDJSON and CSV files \
             must be UTF-8) and choose it again."
        );
    }

    #[test]
    fn a_binary_file_is_named_whatever_its_name_says() {
        let pdf = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog >>\n";
        let xlsx = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00";
        for (bytes, kind) in [(&pdf[..], BinaryKind::Pdf), (&xlsx[..], BinaryKind::Zip)] {
            for name in ["customers.csv", "customers.json", "customers"] {
                let options = ReadOptions::default().for_file(name);
                let whole = Reader::read_all_with(bytes, &options, &mut |_| {});
                assert_eq!(
                    whole.unwrap_err(),
                    IngestError::NotText { looks_like: kind },
                    "{name}"
                );
                // In chunks of one byte: decided once four bytes are in.
                let mut reader = Reader::with_options(&options);
                let mut outcome = Ok(());
                for byte in bytes.chunks(1) {
                    outcome = reader.push(byte, &mut |_| {});
                    if outcome.is_err() {
                        break;
                    }
                }
                assert_eq!(
                    outcome.unwrap_err(),
                    IngestError::NotText { looks_like: kind },
                    "{name}, chunked"
                );
            }
        }
        assert_eq!(
            IngestError::NotText {
                looks_like: BinaryKind::Pdf
            }
            .to_string(),
            "This file looks like a PDF document, not text. Choose the customer records \
             exported as JSON, NDJSON or CSV (UTF-8 text)."
        );
        // Text that starts with the same letters is still read.
        for text in [&b"PK,id\n1,2\n"[..], b"%PD,id\n1,2\n", b"GIF,id\n1,2\n"] {
            assert!(
                !matches!(ingest(text), Err(IngestError::NotText { .. })),
                "{text:?}"
            );
        }
    }

    #[test]
    fn an_array_must_be_well_formed_and_alone() {
        let cases = [
            (
                &b"[{\"id\": 1}] {\"id\": 2}"[..],
                (1, 13, "trailing characters"),
            ),
            (b"[{\"id\": 1},]", (1, 12, "trailing comma")),
            (b"[{\"id\": 1} {\"id\": 2}]", (1, 12, "expected `,` or `]`")),
            (b"[{\"id\": 1},\n", (2, 1, "EOF while parsing a list")),
            (b"[1, 2", (1, 6, "EOF while parsing a list")),
        ];
        for (input, (line, column, message)) in cases {
            assert_eq!(
                ingest(input).unwrap_err(),
                IngestError::InvalidJson {
                    line,
                    column,
                    message: message.into()
                },
                "{}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn numbers_cut_by_a_chunk_are_read_whole() {
        let ingested = ingest(b"[12345, {\"id\": 67890}]\n").unwrap();
        assert_eq!(
            ingested.items,
            [
                "record 1!not a record: expected an object, found a number",
                "record 2=Some(Unsigned(67890))"
            ]
        );
        assert_eq!(
            ingest(b"123 {\"id\": 1}").unwrap().items[0],
            "line 1!not a record: expected an object, found a number"
        );
    }

    #[test]
    fn a_value_arriving_in_many_chunks_is_not_parsed_over_and_over() {
        // One envelope of 20,000 records in 1-byte chunks: without the
        // growth rule this would parse the envelope once per byte.
        let records: Vec<String> = (1..=20_000).map(|id| format!("{{\"id\": {id}}}")).collect();
        let input = format!("{{\"page\": 1, \"data\": [{}]}}", records.join(","));
        let mut count = 0;
        let mut reader = Reader::new();
        for chunk in input.as_bytes().chunks(1) {
            reader.push(chunk, &mut |_| count += 1).unwrap();
        }
        assert_eq!(
            reader.finish(&mut |_| count += 1).unwrap(),
            InputFormat::PageEnvelope
        );
        assert_eq!(count, 20_000);
    }

    /// A CSV's items with the value of one field each (`-` when absent).
    fn csv_items(input: &[u8], field: crate::source::mapping::Field) -> Vec<String> {
        let mut seen = Vec::new();
        let format = Reader::read_all(input, &mut |item| {
            seen.push(match &item.parsed {
                Ok(record) => format!("{}={:?}", item.position, record.value(field)),
                Err(reason) => format!("{}!{reason}", item.position),
            })
        });
        assert_eq!(format, Ok(InputFormat::Csv));
        // …and the same in chunks of every size.
        let expected = whole(input);
        for size in 1..=input.len() {
            assert_eq!(chunked(input, size), expected, "chunks of {size}");
        }
        seen
    }

    #[test]
    fn csv_quotes_escapes_and_line_breaks_inside_quotes() {
        use crate::source::mapping::Field;
        let input = "\u{feff}Customer ID,First Name,Note\r\n\
                     1,\"Ann, the \"\"first\"\"\",x\r\n\
                     2,\"Bo\r\nb\",\"a\nb\"\r\n\
                     3,Zoë,\r\n";
        assert_eq!(
            csv_items(input.as_bytes(), Field::FirstName),
            [
                r#"row 2=Some(Text("Ann, the \"first\""))"#,
                r#"row 3=Some(Text("Bo\r\nb"))"#,
                r#"row 4=Some(Text("Zoë"))"#,
            ]
        );
        assert_eq!(
            csv_items(input.as_bytes(), Field::Id),
            [
                r#"row 2=Some(Text("1"))"#,
                r#"row 3=Some(Text("2"))"#,
                r#"row 4=Some(Text("3"))"#
            ]
        );
    }

    #[test]
    fn csv_separators_are_sniffed() {
        use crate::source::mapping::Field;
        for separator in [";", "\t", "|", ","] {
            let input = format!(
                "Record ID{s}Email{s}Score\n7{s}a@b.co{s}82.5\n",
                s = separator
            );
            assert_eq!(
                csv_items(input.as_bytes(), Field::EngagementScore),
                ["row 2=Some(Float(82.5))"],
                "{separator:?}"
            );
        }
    }

    #[test]
    fn csv_empty_cells_are_missing_and_ragged_rows_are_rejected() {
        use crate::source::mapping::Field;
        let input = b"id,email,first_name\n1,,Ann\n2,b@c.de\n3,c@d.ef,Cy,extra,more\n4, ,Di\n";
        assert_eq!(
            csv_items(input, Field::Email),
            [
                "row 2=None",
                r#"row 3=Some(Text("b@c.de"))"#,
                "row 4!row has 5 cells, the header has 3 (cells after column 'first_name')",
                "row 5=None",
            ]
        );
    }

    #[test]
    fn csv_short_rows_miss_their_last_cells_and_blank_lines_are_skipped() {
        use crate::source::mapping::Field;
        // Exporters drop trailing empty cells; a blank line holds no record.
        let input = b"id,first_name,email
1,Ann


3,Cy,c@d.ef
";
        assert_eq!(
            csv_items(input, Field::Email),
            ["row 2=None", r#"row 3=Some(Text("c@d.ef"))"#]
        );
    }

    #[test]
    fn csv_an_unterminated_quote_names_the_row_where_it_began() {
        let input = b"id,first_name\n1,Ann\n2,\"Bo\n3,Cy\n";
        assert_eq!(
            ingest(input).unwrap_err(),
            IngestError::UnterminatedQuote { row: 3 }
        );
        assert_eq!(
            IngestError::UnterminatedQuote { row: 3 }.to_string(),
            "Unterminated quoted field in row 3: a quote (\") opens a field there and is never \
             closed, so the rest of the file would be one cell. Check that row."
        );
    }

    #[test]
    fn json_values_on_the_first_line_stay_json() {
        assert_eq!(ingest(b"42").unwrap_err().code(), "wrong_shape");
        assert_eq!(ingest(b"\"customers\"").unwrap_err().code(), "wrong_shape");
        assert_eq!(
            ingest(b"7 {\"id\": 1}\n").unwrap().format,
            InputFormat::Ndjson
        );
        assert_eq!(ingest(b"id\n1\n").unwrap().format, InputFormat::Csv);
        assert_eq!(ingest(b"id,2\n3,4").unwrap().format, InputFormat::Csv);
    }

    fn read_as(input: &[u8], name: &str) -> Result<InputFormat, IngestError> {
        let options = ReadOptions::default().for_file(name);
        Reader::read_all_with(input, &options, &mut |_| {}).map(|(format, _)| format)
    }

    #[test]
    fn the_file_name_decides_the_layout_when_it_says_one() {
        assert_eq!(
            LayoutHint::for_file_name("a.JSON"),
            LayoutHint::Json(".json".into())
        );
        assert_eq!(
            LayoutHint::for_file_name("a.ndjson"),
            LayoutHint::Json(".ndjson".into())
        );
        assert_eq!(
            LayoutHint::for_file_name("a.jsonl"),
            LayoutHint::Json(".jsonl".into())
        );
        assert_eq!(LayoutHint::for_file_name("export.csv"), LayoutHint::Csv);
        assert_eq!(LayoutHint::for_file_name("export.TSV"), LayoutHint::Csv);
        for name in ["customers", "export.txt", ".json", "json", ""] {
            assert_eq!(
                LayoutHint::for_file_name(name),
                LayoutHint::Content,
                "{name}"
            );
        }
        // A CSV named .csv whose header happens to be JSON values.
        assert_eq!(
            read_as(b"1,2\n3,4\n", "x.csv").unwrap_err().code(),
            "no_id_column"
        );
        assert_eq!(read_as(b"\"id\"\n7\n", "x.csv"), Ok(InputFormat::Csv));
        // Without a name to go by, the same file is JSON values.
        assert_eq!(read_as(b"\"id\"\n7\n", "x"), Ok(InputFormat::Ndjson));
        // A JSON file is never read as CSV.
        assert_eq!(
            read_as(b"[{\"id\": 1}]", "x.json"),
            Ok(InputFormat::RecordArray)
        );
        assert_eq!(
            read_as(b"{\"id\": 1}\n{\"id\": 2}\n", "x.ndjson"),
            Ok(InputFormat::Ndjson)
        );
    }

    #[test]
    fn text_in_a_json_file_is_not_json() {
        let error = read_as(b"hello\n", "customers.json").unwrap_err();
        assert_eq!(
            error,
            IngestError::NotJson {
                extension: ".json".into(),
                line: 1,
                column: 1,
                found: "hello".into(),
            }
        );
        assert_eq!(
            error.to_string(),
            "The file's name ends in .json, so it was read as JSON, but it is not JSON (line 1, \
             column 1: `hello`). Choose a JSON, NDJSON or CSV export (a CSV file's name should \
             end in .csv)."
        );
        assert_eq!(error.code(), "not_json");
        // A file that starts as JSON keeps the parser's message.
        assert_eq!(
            read_as(b"[{\"id\": 1,}]", "x.json").unwrap_err().code(),
            "invalid_json"
        );
    }

    #[test]
    fn text_with_no_name_to_go_by_is_refused_as_csv_without_an_id() {
        let error = read_as(b"hello\n", "customers").unwrap_err();
        assert_eq!(
            error,
            IngestError::NoIdColumn {
                columns: vec!["hello".into()],
                not_json: Some((1, 1, "hello".into())),
            }
        );
        assert_eq!(
            error.to_string(),
            "The file is not JSON (line 1, column 1: `hello`), and read as CSV it has no column \
             that could be the customer id (its columns: `hello`). Choose the customer id's \
             column in the field mapping, or choose another file."
        );
        // Named .csv: no word about JSON.
        let error = read_as(b"name,email\nAnn,a@b.c\n", "x.csv").unwrap_err();
        assert_eq!(
            error.to_string(),
            "This CSV has no column that could be the customer id (its columns: `name`, \
             `email`). Choose the customer id's column in the field mapping, or choose another \
             file."
        );
        // Where JSON fails after valid values on the line.
        assert_eq!(
            read_as(b"7 8, 9\n", "x").unwrap_err(),
            IngestError::NoIdColumn {
                columns: vec!["7 8".into(), "9".into()],
                not_json: Some((1, 4, ", 9".into())),
            }
        );
        // The mapping panel reads it anyway, to let the user choose.
        let options = ReadOptions {
            allow_no_id: true,
            ..ReadOptions::default()
        };
        assert!(Reader::read_all_with(b"hello\n", &options, &mut |_| {}).is_ok());
    }

    /// Counts the items of `input` read with `options`, whole and in
    /// chunks of every size from 1 to 40: the same answer every way.
    fn read_limited(input: &[u8], options: &ReadOptions) -> Result<usize, IngestError> {
        let mut count = 0;
        let whole = Reader::read_all_with(input, options, &mut |_| count += 1).map(|_| count);
        for size in 1..=40 {
            let mut count = 0;
            let mut reader = Reader::with_options(options);
            let mut chunked = Ok(());
            for chunk in input.chunks(size) {
                chunked = reader.push(chunk, &mut |_| count += 1);
                if chunked.is_err() {
                    break;
                }
            }
            let chunked = chunked
                .and_then(|()| reader.finish(&mut |_| count += 1))
                .map(|_| count);
            assert_eq!(chunked, whole, "chunks of {size}");
        }
        whole
    }

    #[test]
    fn a_value_or_a_row_past_the_limit_fails_the_file_naming_where() {
        let options = ReadOptions {
            limits: ReadLimits {
                max_value_bytes: 64,
                max_row_bytes: 48,
            },
            ..ReadOptions::default()
        };
        let padding = |n| "a".repeat(n);
        let large = padding(100);
        // NDJSON: the second line is too large; an array element.
        for (input, line, column) in [
            (
                format!("{{\"id\": 1}}\n{{\"id\": 2, \"x\": \"{large}\"}}\n"),
                2,
                1,
            ),
            (
                format!("[{{\"id\": 1}},\n  {{\"id\": 2, \"x\": \"{large}\"}}]"),
                2,
                3,
            ),
        ] {
            let too_large = IngestError::ValueTooLarge {
                line,
                column,
                limit: 64,
            };
            assert_eq!(read_limited(input.as_bytes(), &options), Err(too_large));
        }
        // Exactly at the limit is read.
        let at_limit = format!("{{\"id\": 2, \"x\": \"{}\"}}", padding(64 - 18));
        assert_eq!(at_limit.len(), 64);
        assert_eq!(read_limited(at_limit.as_bytes(), &options), Ok(1));
        // An unfinished one (no end in sight).
        let input = format!("[{{\"id\": \"{}", padding(300));
        assert_eq!(
            read_limited(input.as_bytes(), &options).map_err(|e| e.code()),
            Err("value_too_large")
        );
        // CSV: a quote left open in row 3 swallows the rest.
        let input = format!("id,name\n1,Ann\n2,\"open\n{}\n", padding(100));
        assert_eq!(
            read_limited(input.as_bytes(), &options),
            Err(IngestError::RowTooLarge { row: 3, limit: 48 })
        );
        assert_eq!(
            IngestError::RowTooLarge {
                row: 3,
                limit: 16 << 20
            }
            .to_string(),
            "Row 3 is larger than 16 MB, the most one CSV row may be; a quote (\") left open \
             there would make the rest of the file one cell. Check that row."
        );
        // The defaults hold real files.
        assert_eq!(ReadLimits::default().max_value_bytes, 256 << 20);
        assert_eq!(ReadLimits::default().max_row_bytes, 16 << 20);
    }
}
