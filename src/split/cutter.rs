//! A stream (standard input, a pipe) cut into parts as it is read: it has
//! no size to plan by and cannot be read twice, so instead of guessing at
//! cuts in windows as the [`super::Planner`] does, every byte passes
//! through one [`StreamCutter`] in order, which follows the layout as the
//! reader does and cuts only where the reader of the whole stream would be
//! between two records:
//!
//! - a JSON array at the `,` after an element (the array's elements,
//!   followed with the reader's own scanner: [`Elements`], [`ValueEnd`]);
//! - JSON values (NDJSON) after a line break between two values, once two
//!   were read (so the reader of the whole stream reads it as a sequence);
//! - CSV after a row's line break, the rows followed by `csv-core` as the
//!   reader follows them, quotes and all.
//!
//! The layout, the field mapping and a CSV's header row come from the
//! stream's start, as the planner takes them from a file's head. Each part
//! after the first is read by a reader that starts where the part does
//! ([`Resume`]: the layout's state, the line and column, the elements or
//! rows before it), so its records, rejections and errors name the
//! stream's places, and the part's first error is the one a reader of the
//! whole stream gives there: once the parts before it were read, every
//! reader is where the reader of the whole stream would be. Where the
//! layout is not followed any more (past the array's end, at a byte the
//! reader refuses, after a top-level number or literal in a sequence of
//! values), nothing is cut: the rest is the last part's.

use csv_core::{ReadRecordResult, Reader as CsvReader, ReaderBuilder};

use super::{layout_of, Cut, PartJob, HEAD_BYTES};
use crate::settings::RunSettings;
use crate::source::json_scan::{is_space, skip_space, Elements, Lines, Step, ValueEnd, BOM};
use crate::source::mapping::{Mapping, MappingSpec};
use crate::source::reader::{LayoutHint, Midway, ReadOptions, Resume};

/// Cuts a stream into parts of about a given size at exact record
/// boundaries, as its bytes pass through it in order.
///
/// ```text
/// let cutter = StreamCutter::for_upload(name, &options, &head, part_bytes)?; // None: one piece
/// // for every chunk, from the stream's first byte on:
/// while let Some(end) = cutter.scan(chunk) { /* chunk[..end] ends the part; the next starts */ chunk = &chunk[end..]; }
/// ```
#[derive(Debug)]
pub struct StreamCutter {
    cut: Cut,
    mapping: Option<(MappingSpec, Mapping)>,
    /// A CSV's header row (to the end of its line break as `csv-core`
    /// ends a row), read again before every part's rows but the first's.
    header: Vec<u8>,
    separator: u8,
    part_bytes: u64,
    scan: Scan,
    /// Bytes scanned.
    at: u64,
    /// Where the current part starts.
    part_start: u64,
    /// Where the current part starts in the layout (`None`: the first).
    resume: Option<Resume>,
    parts: usize,
    lines: Lines,
    /// Array elements, JSON values or CSV rows (the header included) read.
    count: usize,
    /// `csv-core` writes a row's cells somewhere: here, never read.
    cells: Vec<u8>,
    ends: Vec<usize>,
}

/// Where the cutter is in the layout.
#[derive(Debug)]
enum Scan {
    /// White space (and a byte-order mark) before the layout's first byte.
    Start,
    /// In the top-level array: between its elements, or in one.
    Array {
        elements: Elements,
        value: Option<ValueEnd>,
    },
    /// A sequence of JSON values: between two, or in one.
    Values { value: Option<ValueEnd> },
    /// CSV rows; `cr`: the last row ended with `\r` at the end of the
    /// bytes scanned (a `\n` may follow, which `csv-core` takes with it).
    Csv { rows: Box<CsvReader>, cr: bool },
    /// Nothing more is cut.
    Done,
}

impl StreamCutter {
    /// The bytes of a stream's start [`StreamCutter::for_upload`] looks at
    /// (it needs the first record among them).
    pub const HEAD_BYTES: usize = HEAD_BYTES;

    /// A cutter for a stream named `file_name` read with `options` (as the
    /// user gave them), whose first bytes are `head`, into parts of about
    /// `part_bytes` (at least that, to the next boundary); `None` when it
    /// is to be read in one piece: no record in its head (or the head is
    /// not the whole stream's start as far as [`Self::HEAD_BYTES`]), or a
    /// single page envelope.
    pub fn for_upload(
        file_name: &str,
        options: &ReadOptions,
        head: &[u8],
        part_bytes: usize,
    ) -> Option<StreamCutter> {
        let options = options.clone().for_file(file_name);
        let head = &head[..head.len().min(HEAD_BYTES)];
        let layout = layout_of(head, &options)?;
        let header = match layout.cut {
            Cut::Csv => csv_header(head, layout.separator)?,
            _ => Vec::new(),
        };
        Some(StreamCutter {
            cut: layout.cut,
            mapping: layout.mapping,
            header,
            separator: layout.separator,
            part_bytes: part_bytes.max(1) as u64,
            scan: Scan::Start,
            at: 0,
            part_start: 0,
            resume: None,
            parts: 1,
            lines: Lines::default(),
            count: 0,
            cells: vec![0; 64 << 10],
            ends: vec![0; 256],
        })
    }

    /// Scans the stream's next bytes: `Some(end)` when the current part
    /// ends after `bytes[..end]` (the next part starts at `bytes[end]`:
    /// scan `bytes[end..]` next), `None` when all of `bytes` is the
    /// current part's.
    pub fn scan(&mut self, bytes: &[u8]) -> Option<usize> {
        let base = self.at;
        if base == 0 && !bytes.is_empty() {
            self.start(bytes);
        }
        let found = self.find(bytes);
        let end = found.unwrap_or(bytes.len());
        self.at = base + end as u64;
        self.lines.count_to(bytes, base, self.at);
        if found.is_some() {
            let (line, column) = self.lines.locate(self.at);
            let (at, before) = match self.cut {
                Cut::Array => (Midway::Elements, self.count),
                Cut::Csv => (Midway::Rows, self.count),
                Cut::Values | Cut::Whole => (Midway::Values, 0),
            };
            self.resume = Some(Resume {
                at,
                line: line as usize,
                column: column as usize,
                before,
            });
            self.part_start = self.at;
            self.parts += 1;
        }
        found
    }

    /// Parts started so far (the current one included).
    pub fn parts(&self) -> usize {
        self.parts
    }

    /// What a worker needs to read the current part (the one the last cut
    /// started, or the first) of the stream named `file_name`, read with
    /// `options` (as the user gave them) for a run with `settings`. Its
    /// reader ends with [`super::PartReader::finish`] when the part ended
    /// at a cut, with [`super::PartReader::finish_at_end`] when the stream
    /// ended in it.
    pub fn job(&self, file_name: &str, settings: &RunSettings, options: &ReadOptions) -> PartJob {
        let mut options = options.clone().for_file(file_name);
        let mut prefix: &[u8] = b"";
        if self.resume.is_some() {
            // Decided by the stream's start, which the part does not see.
            if let Some((spec, _)) = &self.mapping {
                options.mapping = spec.clone();
            }
            if self.cut == Cut::Csv {
                options.separator = Some(self.separator);
                options.layout = LayoutHint::Csv;
                prefix = &self.header;
            }
        }
        let suffix: &[u8] = match self.cut {
            Cut::Array => b"]",
            _ => b"",
        };
        PartJob::new(options, settings, prefix, suffix, self.resume)
    }

    /// How the parts are read ([`super::Merger::for_stream`]).
    pub(super) fn cut(&self) -> Cut {
        self.cut
    }

    /// The mapping the stream's start decided, for JSON.
    pub(super) fn mapping(&self) -> Option<Mapping> {
        self.mapping.as_ref().map(|(_, mapping)| mapping.clone())
    }

    /// At the stream's first bytes: a byte-order mark is passed over (the
    /// reader counts columns from after it).
    fn start(&mut self, bytes: &[u8]) {
        if bytes.starts_with(BOM) {
            self.lines.start_columns_at(BOM.len() as u64);
        } else if bytes.len() < BOM.len() && BOM.starts_with(bytes) {
            // Perhaps a mark cut by the chunk's end: not followed.
            self.scan = Scan::Done;
        }
    }

    /// The first cut in `bytes`, the state moved to it; without one, the
    /// state moved past `bytes`.
    fn find(&mut self, bytes: &[u8]) -> Option<usize> {
        let mut at = if self.at == 0 && bytes.starts_with(BOM) {
            BOM.len()
        } else {
            0
        };
        // Whether the current part is long enough to end before `bytes[at]`.
        let (scanned, part_start, part_bytes) = (self.at, self.part_start, self.part_bytes);
        let full = |at: usize| scanned + at as u64 - part_start >= part_bytes;
        loop {
            match &mut self.scan {
                Scan::Done => return None,
                Scan::Start => {
                    at = skip_space(bytes, at);
                    if at == bytes.len() {
                        return None;
                    }
                    self.scan = match self.cut {
                        Cut::Array if bytes[at] == b'[' => {
                            at += 1;
                            Scan::Array {
                                elements: Elements::First,
                                value: None,
                            }
                        }
                        Cut::Values => Scan::Values { value: None },
                        Cut::Csv => Scan::Csv {
                            rows: Box::new(ReaderBuilder::new().delimiter(self.separator).build()),
                            cr: false,
                        },
                        Cut::Array | Cut::Whole => Scan::Done,
                    };
                }
                Scan::Array { elements, value } => {
                    if let Some(scanner) = value {
                        at = scanner.scan(bytes, at)?;
                        *value = None;
                        *elements = Elements::After;
                        self.count += 1;
                        continue;
                    }
                    at = skip_space(bytes, at);
                    if at == bytes.len() {
                        return None;
                    }
                    let byte = bytes[at];
                    // The comma after an element starts the next part.
                    if *elements == Elements::After && byte == b',' && full(at) {
                        return Some(at);
                    }
                    match elements.step(byte, b']') {
                        Step::Comma => at += 1,
                        Step::Element => match ValueEnd::starting_with(byte) {
                            Some(scanner) => *value = Some(scanner),
                            None => self.scan = Scan::Done,
                        },
                        // The array's end (what follows is the last
                        // part's), or what the reader refuses.
                        Step::Close | Step::TrailingComma | Step::NotCommaOrClose => {
                            self.scan = Scan::Done;
                        }
                    }
                }
                Scan::Values { value } => {
                    if let Some(scanner) = value {
                        at = scanner.scan(bytes, at)?;
                        *value = None;
                        self.count += 1;
                        continue;
                    }
                    while at < bytes.len() && is_space(bytes[at]) {
                        at += 1;
                        if bytes[at - 1] == b'\n' && self.count >= 2 && full(at) {
                            return Some(at);
                        }
                    }
                    if at == bytes.len() {
                        return None;
                    }
                    let byte = bytes[at];
                    match ValueEnd::starting_with(byte) {
                        Some(scanner) if matches!(byte, b'{' | b'[' | b'"') => {
                            *value = Some(scanner);
                        }
                        // A number or a literal ends, for `ValueEnd`, only
                        // at a delimiter; the reader's parser ends it at the
                        // first byte it cannot take (`7[` is 7, then an
                        // array that may go on past a line break): after
                        // one, nothing is cut.
                        _ => self.scan = Scan::Done,
                    }
                }
                Scan::Csv { rows, cr } => {
                    if std::mem::take(cr) && bytes.first() == Some(&b'\n') && full(0) {
                        return Some(0);
                    }
                    while at < bytes.len() {
                        let (result, read, _, _) =
                            rows.read_record(&bytes[at..], &mut self.cells, &mut self.ends);
                        at += read;
                        if result != ReadRecordResult::Record {
                            continue;
                        }
                        self.count += 1;
                        // A row is cut after (the header is read again
                        // before the next part's rows).
                        if read == 0 || self.count < 2 {
                            continue;
                        }
                        match bytes[at - 1] {
                            b'\n' if full(at) => return Some(at),
                            // `\r\n`: the next part starts at `\n`, which
                            // `csv-core` takes as the end of the same row.
                            b'\r' if at == bytes.len() => *cr = true,
                            b'\r' if bytes[at] == b'\n' && full(at) => return Some(at),
                            _ => {}
                        }
                    }
                    return None;
                }
            }
        }
    }
}

/// A CSV's header row in `head`, from the start to the end of its line
/// break as `csv-core` ends a row (the reader starts `csv-core` after
/// white space and a byte-order mark), or `None` when it does not end in
/// `head`.
fn csv_header(head: &[u8], separator: u8) -> Option<Vec<u8>> {
    let start = if head.starts_with(BOM) { BOM.len() } else { 0 };
    let mut at = skip_space(head, start);
    let mut rows = ReaderBuilder::new().delimiter(separator).build();
    let (mut cells, mut ends) = (vec![0; 4096], vec![0; 64]);
    while at < head.len() {
        let (result, read, _, _) = rows.read_record(&head[at..], &mut cells, &mut ends);
        at += read;
        if result == ReadRecordResult::Record && read > 0 {
            return Some(head[..at].to_vec());
        }
    }
    None
}

/// The report of `input`, a stream named `file_name`, cut by a
/// [`StreamCutter`] into parts of about `part_bytes` as it comes in
/// chunks of `chunk` bytes, each part read in chunks by its own reader
/// and merged in order, as a front end with threads does (one after the
/// other here); read in one piece when the cutter makes one part. Returns
/// the report (or the first part's error) and the number of parts.
///
/// # Panics
/// When the merger refuses a part: parts cut at exact boundaries always
/// fit.
#[cfg(test)]
pub(crate) fn process_streamed(
    input: &[u8],
    file_name: &str,
    settings: &RunSettings,
    options: &ReadOptions,
    part_bytes: usize,
    chunk: usize,
) -> (
    Result<crate::report::Report<'static>, crate::source::ingest::IngestError>,
    usize,
) {
    use crate::pipeline::process_upload_with;
    let whole = || {
        let report = process_upload_with(input, file_name, settings, options);
        (report.map(|report| report.into_owned()), 1)
    };
    let head = &input[..input.len().min(StreamCutter::HEAD_BYTES)];
    let Some(mut cutter) = StreamCutter::for_upload(file_name, options, head, part_bytes) else {
        return whole();
    };
    let mut parts = vec![(0, cutter.job(file_name, settings, options))];
    let mut offset = 0;
    for piece in input.chunks(chunk.max(1)) {
        let mut rest = piece;
        while let Some(end) = cutter.scan(rest) {
            offset += end;
            rest = &rest[end..];
            parts.push((offset, cutter.job(file_name, settings, options)));
        }
        offset += rest.len();
    }
    if parts.len() < 2 {
        return whole();
    }
    let mut merger = super::Merger::for_stream(&cutter, parts.len(), settings);
    for (index, (start, job)) in parts.iter().enumerate() {
        let end = parts.get(index + 1).map_or(input.len(), |(next, _)| *next);
        let read = job.start().and_then(|mut reader| {
            for piece in input[*start..end].chunks(chunk.max(1)) {
                reader.push(piece)?;
            }
            if index + 1 == parts.len() {
                reader.finish_at_end()
            } else {
                reader.finish()
            }
        });
        match read {
            Ok(part) => merger.add(part).expect("a part cut at a boundary fits"),
            Err(error) => return (Err(error), parts.len()),
        }
    }
    if let Some(error) = merger.no_records() {
        return (Err(error), parts.len());
    }
    let report = merger
        .finish(file_name, settings.export_timestamp)
        .expect("parts cut at boundaries merge");
    (Ok(report), parts.len())
}
