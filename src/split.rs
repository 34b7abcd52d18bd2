//! A file cut into parts at record boundaries, each part read and assessed
//! on its own (by another worker or thread), and the parts merged into the
//! report that reading the file in one piece gives, byte for byte.
//!
//! - [`Planner`] finds the cuts without reading the whole file: it reads
//!   the file's start (the layout, the field mapping, the first record's
//!   first key, a CSV's header row) and a window of bytes at each target
//!   (the file's size divided evenly), and cuts at the first place in the
//!   window that looks like a boundary: between two top-level objects of a
//!   JSON array (`}, {"id"` with the first record's first key), after a
//!   line break before such an object (NDJSON), after a CSV row end outside
//!   quotes (as far as the window tells). A single page envelope, a file
//!   with no record at its start or no such place is one part.
//! - A cut is a guess, checked by reading: a part is read as a file of its
//!   own from a boundary (its slice, with `[`/`]` around a run of array
//!   elements or the header row before a run of CSV rows), so a cut inside
//!   a string, a quoted cell or a nested value leaves the part before it
//!   unfinished, which the reader refuses; [`Merger`] also refuses parts
//!   that would not read as the file does (a run of NDJSON lines with one
//!   value). Then the file is read in one piece instead: the report is
//!   always the one-piece report, and an error names the same place.
//! - [`PartJob`] is what a worker needs to read one part (how to read it,
//!   the run's seed and date, the bytes around its slice); [`PartReader`]
//!   reads the part's slice in chunks and assesses its records (the
//!   expensive work) without deduping, into a [`PartOutput`]. Both cross
//!   between workers as bytes ([`PartJob::to_bytes`],
//!   [`PartOutput::to_bytes`]).
//! - [`Merger`] takes the parts in file order: positions are shifted to the
//!   file's (element, line or row numbers as if read in one piece, counted
//!   by the parts themselves), every record goes through one deduper in
//!   source order (today's keep-the-best rule, [`crate::transform::dedupe`]),
//!   and the report is sorted and summed up as a one-part run's.
//! - A stream (standard input), which has no size to plan by and cannot be
//!   read twice, is cut instead as it passes, by a [`StreamCutter`] that
//!   follows its layout byte by byte and cuts at exact boundaries only;
//!   its parts are read from where they start (their readers count the
//!   stream's positions on), so they need no shifting and a part's first
//!   error is the one-piece run's ([`Merger::for_stream`]).

use chrono::{DateTime, Utc};

use crate::common::wire::{wire_fields, Wire, WireError, WireReader, Writer};
#[cfg(test)]
use crate::pipeline::process_upload_with;
use crate::pipeline::ReportBuilder;
use crate::report::counts::Counts;
use crate::report::{Rejection, Report, SourceInfo};
use crate::settings::RunSettings;
use crate::source::csv_rows::QuoteTracker;
use crate::source::ingest::{IngestError, InputFormat, Position, SourceItem};
use crate::source::json_scan::{is_space, skip_space, string_end};
use crate::source::mapping::{Field, Mapping, MappingSpec};
use crate::source::reader::{ReadOptions, Reader, Resume};
use crate::transform::customer::{assess, Assessment, Customer, Customers};

/// How the parts of a file are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cut {
    /// One part: the whole file.
    Whole,
    /// A JSON array: each part is a run of its elements, read as an array.
    Array,
    /// JSON values, one or more a line (NDJSON): each part is a run of lines.
    Values,
    /// CSV: each part is a run of rows, read after the header row.
    Csv,
}

/// One part of the file: its bytes (for an array, its elements without
/// the commas around).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Part {
    start: usize,
    end: usize,
}

/// Where a file is cut.
#[derive(Debug, Clone)]
pub struct Plan {
    cut: Cut,
    parts: Vec<Part>,
    /// The file's field mapping, decided by its first record, for the JSON
    /// parts after the first (which do not see that record), and as the
    /// report states it.
    mapping: Option<(MappingSpec, Mapping)>,
    /// A CSV file's header row, read before every part after the first.
    header: Vec<u8>,
}

/// The planner reads the start of a file up to this many bytes to find the
/// layout and the mapping before cutting; a file with no record by then is
/// one part.
pub(crate) const HEAD_BYTES: usize = 64 << 10;

/// The bytes after each target the planner looks at for a boundary.
const WINDOW_BYTES: usize = 64 << 10;

/// The smallest part [`Planner::new`] makes: a smaller file is read in
/// fewer parts (one below twice this), as starting a worker for a few
/// records costs more than reading them.
pub(crate) const MIN_PART_BYTES: usize = 64 << 10;

/// What the start of a file says about cutting it.
#[derive(Debug)]
struct Layout {
    cut: Cut,
    mapping: Option<(MappingSpec, Mapping)>,
    header: Vec<u8>,
    /// The first object's first key, quotes included: the objects the file
    /// is cut before start with it.
    first_key: Option<Vec<u8>>,
    separator: u8,
}

/// Finds where a file is cut, asking for the bytes it needs (the file's
/// start, then a window at each target) one piece at a time, so a front
/// end that holds the file elsewhere (a browser's `File`) reads only those.
///
/// ```text
/// while let Some((start, len)) = planner.wants() { planner.give(&bytes[start..start + len]); }
/// let plan = planner.plan();
/// ```
#[derive(Debug)]
pub struct Planner {
    size: usize,
    options: ReadOptions,
    /// Byte offsets to cut at or after, ascending; the next is `targets[next]`.
    targets: Vec<usize>,
    next: usize,
    layout: Option<Layout>,
    /// Where each part after the first starts, and where the one before it
    /// ends (for an array, the comma between them is in neither).
    cuts: Vec<(usize, usize)>,
    done: bool,
}

impl Planner {
    /// A planner for a file of `size` bytes, read with `options` (already
    /// [`ReadOptions::for_file`]), cut into at most `parts` parts of about
    /// equal size, each at least [`MIN_PART_BYTES`].
    pub(crate) fn new(size: usize, options: &ReadOptions, parts: usize) -> Planner {
        let parts = parts.clamp(1, (size / MIN_PART_BYTES).max(1));
        let targets = (1..parts).map(|k| size / parts * k).collect();
        Planner::at(size, options, targets)
    }

    /// [`Planner::new`] for an upload named `file_name`, read with
    /// `options` as the user gave them (the name's extension may say the
    /// layout, as [`Plan::job`] applies it): what a front end calls.
    pub fn for_upload(
        file_name: &str,
        size: usize,
        options: &ReadOptions,
        parts: usize,
    ) -> Planner {
        Planner::new(size, &options.clone().for_file(file_name), parts)
    }

    /// A planner that cuts at the first boundary at or after each of
    /// `targets` (ascending byte offsets).
    fn at(size: usize, options: &ReadOptions, targets: Vec<usize>) -> Planner {
        Planner {
            size,
            options: options.clone(),
            done: targets.is_empty() || size == 0,
            targets,
            next: 0,
            layout: None,
            cuts: Vec::new(),
        }
    }

    /// The bytes it wants next, as `(start, len)`, or `None` when it has
    /// seen enough ([`Planner::plan`]).
    pub fn wants(&self) -> Option<(usize, usize)> {
        if self.done {
            return None;
        }
        if self.layout.is_none() {
            return Some((0, self.size.min(HEAD_BYTES)));
        }
        let start = self.targets[self.next];
        Some((start, (self.size - start).min(WINDOW_BYTES)))
    }

    /// Takes the bytes it asked for ([`Planner::wants`]).
    pub fn give(&mut self, bytes: &[u8]) {
        let Some((start, _)) = self.wants() else {
            return;
        };
        let Some(layout) = &self.layout else {
            self.layout = layout_of(bytes, &self.options);
            match &self.layout {
                None => self.done = true,
                Some(layout) => {
                    // A CSV file is cut after its header row.
                    let floor = layout.header.len();
                    self.targets.retain(|&t| t >= floor && t < self.size);
                    self.skip_targets_before(0);
                }
            }
            return;
        };
        let found = match layout.cut {
            Cut::Array => array_cut(bytes, layout.first_key.as_deref()),
            Cut::Values => value_cut(bytes, layout.first_key.as_deref()),
            Cut::Csv => csv_cut(bytes, layout.separator),
            Cut::Whole => None,
        };
        let last = self.cuts.last().map_or(0, |&(next, _)| next);
        match found {
            // The part after the cut holds something.
            Some((end, next)) if start + next < self.size && start + end > last => {
                self.cuts.push((start + next, start + end));
                self.skip_targets_before(start + next);
            }
            _ => {
                self.next += 1;
                self.done = self.next >= self.targets.len();
            }
        }
    }

    /// Moves past the targets before `at`: each part is cut once.
    fn skip_targets_before(&mut self, at: usize) {
        while self.targets.get(self.next).is_some_and(|&t| t < at) {
            self.next += 1;
        }
        self.done = self.next >= self.targets.len();
    }

    /// The plan: the cuts found (one part when none was).
    pub fn plan(self) -> Plan {
        let whole = Plan {
            cut: Cut::Whole,
            parts: vec![Part {
                start: 0,
                end: self.size,
            }],
            mapping: None,
            header: Vec::new(),
        };
        let Some(layout) = self.layout else {
            return whole;
        };
        if self.cuts.is_empty() || layout.cut == Cut::Whole {
            return whole;
        }
        let mut parts = Vec::with_capacity(self.cuts.len() + 1);
        let mut start = 0;
        for &(next, end) in &self.cuts {
            parts.push(Part { start, end });
            start = next;
        }
        parts.push(Part {
            start,
            end: self.size,
        });
        let header = match layout.cut {
            Cut::Csv => layout.header,
            _ => Vec::new(),
        };
        Plan {
            cut: layout.cut,
            parts,
            mapping: layout.mapping,
            header,
        }
    }
}

impl Plan {
    /// Cuts `input` (read with `options`, already [`ReadOptions::for_file`])
    /// into at most `parts` parts of about equal size.
    #[cfg(test)]
    pub(crate) fn new(input: &[u8], options: &ReadOptions, parts: usize) -> Plan {
        Plan::drive(input, Planner::new(input.len(), options, parts))
    }

    /// Cuts `input` at the first boundary at or after each of `targets`.
    #[cfg(test)]
    fn at(input: &[u8], options: &ReadOptions, targets: &[usize]) -> Plan {
        Plan::drive(input, Planner::at(input.len(), options, targets.to_vec()))
    }

    #[cfg(test)]
    fn drive(input: &[u8], mut planner: Planner) -> Plan {
        while let Some((start, len)) = planner.wants() {
            planner.give(&input[start..start + len]);
        }
        planner.plan()
    }

    /// How many parts.
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// Whether the plan has no parts (never: a file is at least one part).
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// Where part `index`'s bytes are in the file: `start..end`.
    ///
    /// # Panics
    /// When `index` is not below [`Plan::len`].
    pub fn bounds(&self, index: usize) -> std::ops::Range<usize> {
        let part = self.parts[index];
        part.start..part.end
    }

    /// What a worker needs to read part `index` (its bytes are
    /// [`Plan::bounds`]) of a file read with `options` (as given by the
    /// user: the file's name is applied here) for a run with `settings`.
    ///
    /// # Panics
    /// When `index` is not below [`Plan::len`].
    pub fn job(
        &self,
        index: usize,
        file_name: &str,
        settings: &RunSettings,
        options: &ReadOptions,
    ) -> PartJob {
        let mut options = options.clone().for_file(file_name);
        if index > 0 {
            if let Some((spec, _)) = &self.mapping {
                options.mapping = spec.clone();
            }
        }
        let last = index + 1 == self.parts.len();
        let (prefix, suffix): (&[u8], &[u8]) = match self.cut {
            Cut::Whole | Cut::Values => (b"", b""),
            Cut::Csv if index > 0 => (&self.header, b""),
            Cut::Csv => (b"", b""),
            Cut::Array => match (index, last) {
                (0, _) => (b"", b"]"),
                (_, true) => (b"[", b""),
                _ => (b"[", b"]"),
            },
        };
        PartJob::new(options, settings, prefix, suffix, None)
    }
}

/// What reading the start of a file tells before cutting it.
struct Probe {
    format: InputFormat,
    mapping: Mapping,
    separator: Option<u8>,
}

/// Reads `head` (the start of a file) until its first record; `None` when
/// there is none in it or it cannot be read.
fn probe(head: &[u8], options: &ReadOptions) -> Option<Probe> {
    let mut reader = Reader::with_options(options);
    let (mut read, mut size) = (0, 256);
    let mut found = false;
    // Growing pieces: the first record is usually near the start.
    while read < head.len() {
        let chunk = &head[read..(read + size).min(head.len())];
        size = (size * 2).min(HEAD_BYTES);
        reader
            .push(chunk, &mut |item| found |= item.parsed.is_ok())
            .ok()?;
        read += chunk.len();
        if found {
            return Some(Probe {
                format: reader.format_so_far(),
                mapping: reader.mapping(),
                separator: reader.csv_separator(),
            });
        }
    }
    None
}

/// How a file whose start is `head` is cut, or `None` when it is not.
fn layout_of(head: &[u8], options: &ReadOptions) -> Option<Layout> {
    let probe = probe(head, options)?;
    let json = |cut| {
        Some(Layout {
            cut,
            mapping: Some((spec_of(&probe.mapping), probe.mapping.clone())),
            header: Vec::new(),
            first_key: first_key(head).map(<[u8]>::to_vec),
            separator: b',',
        })
    };
    match probe.format {
        InputFormat::Csv => {
            let separator = probe.separator?;
            let header_end = csv_header_end(head, separator)?;
            Some(Layout {
                cut: Cut::Csv,
                mapping: None,
                header: head[..header_end].to_vec(),
                first_key: None,
                separator,
            })
        }
        InputFormat::Ndjson => json(Cut::Values),
        InputFormat::RecordArray | InputFormat::EnvelopeArray | InputFormat::MixedArray => {
            json(Cut::Array)
        }
        InputFormat::PageEnvelope => None,
    }
}

/// A spec that gives every field the source `mapping` gives it.
fn spec_of(mapping: &Mapping) -> MappingSpec {
    let mut spec = MappingSpec::none();
    for field in Field::ALL {
        spec.set(field, mapping.source(field).map(str::to_owned));
    }
    spec
}

/// The first key of the first object in `head`, quotes included, as
/// written (`"id"`); `None` when the object has none in `head`.
fn first_key(head: &[u8]) -> Option<&[u8]> {
    let open = memchr::memchr(b'{', head)?;
    let quote = skip_space(head, open + 1);
    if head.get(quote) != Some(&b'"') {
        return None;
    }
    let end = string_end(head, quote + 1, &mut false)?;
    Some(&head[quote..end])
}

/// Where the header row of a CSV file ends (after its line break), if
/// within `head`.
fn csv_header_end(head: &[u8], separator: u8) -> Option<usize> {
    let mut quotes = QuoteTracker::new(separator);
    let mut at = 0;
    while at < head.len() {
        let taken = quotes.step(head, at);
        if !quotes.quoted() && head[at] == b'\n' {
            return Some(at + 1);
        }
        at += taken;
    }
    None
}

/// The byte before `at` that is not white space.
fn sign_before(bytes: &[u8], at: usize) -> Option<u8> {
    bytes[..at].iter().rev().copied().find(|&b| !is_space(b))
}

/// Whether an object starts at or after `at` (white space first), with
/// `key` as its first key when one is given.
fn object_starts(bytes: &[u8], at: usize, key: Option<&[u8]>) -> bool {
    let open = skip_space(bytes, at);
    if bytes.get(open) != Some(&b'{') {
        return false;
    }
    match key {
        None => true,
        Some(key) => {
            let quote = skip_space(bytes, open + 1);
            bytes.get(quote..).is_some_and(|rest| rest.starts_with(key))
        }
    }
}

/// In a window of a JSON array: the first comma between an object and an
/// object starting with `key`, as (end of the part before, start of the
/// next), offsets in the window.
fn array_cut(window: &[u8], key: Option<&[u8]>) -> Option<(usize, usize)> {
    memchr::memchr_iter(b',', window)
        .find(|&at| sign_before(window, at) == Some(b'}') && object_starts(window, at + 1, key))
        .map(|at| (at, at + 1))
}

/// In a window of NDJSON: the first line break before an object starting
/// with `key`; the cut is after it.
fn value_cut(window: &[u8], key: Option<&[u8]>) -> Option<(usize, usize)> {
    memchr::memchr_iter(b'\n', window)
        .find(|&at| object_starts(window, at + 1, key))
        .map(|at| (at + 1, at + 1))
}

/// In a window of CSV: the first row end outside quotes before a row,
/// reading the window both as starting outside a quoted cell and inside
/// one, and believing the reading that stumbles less (a closing quote not
/// followed by a separator or a line break, a quote inside a cell that is
/// not quoted: what an export does not write); the cut is after it.
fn csv_cut(window: &[u8], separator: u8) -> Option<(usize, usize)> {
    let read = |inside: bool| {
        let mut quotes = QuoteTracker::inside(separator, inside);
        let (mut stumbles, mut cut) = (0usize, None);
        let mut at = 0;
        while at < window.len() {
            let was_quoted = quotes.quoted();
            let taken = quotes.step(window, at);
            let byte = window[at];
            if was_quoted && !quotes.quoted() {
                let after = window.get(at + 1).copied();
                if !matches!(after, None | Some(b'\n' | b'\r')) && after != Some(separator) {
                    stumbles += 1;
                }
            } else if !was_quoted && !quotes.quoted() && byte == b'"' {
                // A quote inside a cell that is not quoted.
                stumbles += 1;
            }
            if cut.is_none()
                && !quotes.quoted()
                && byte == b'\n'
                && !matches!(window.get(at + 1), None | Some(b'\n' | b'\r'))
            {
                cut = Some((at + 1, at + 1));
            }
            at += taken;
        }
        (stumbles, cut)
    };
    let (outside, inside) = (read(false), read(true));
    if inside.0 < outside.0 {
        inside.1
    } else {
        outside.1
    }
}

/// What a worker needs to read one part of a file.
#[derive(Debug, Clone, PartialEq)]
pub struct PartJob {
    options: ReadOptions,
    run: Assessment,
    /// Read before the part's bytes (`[`, or a CSV's header row)…
    prefix: Vec<u8>,
    /// …and after them when the part ends at a cut (`]`).
    suffix: Vec<u8>,
    /// Where the part starts when its reader counts positions on from the
    /// file's (a stream's parts, [`StreamCutter`]); `None`: from the
    /// part's start, shifted by the [`Merger`].
    resume: Option<Resume>,
}

wire_fields!(PartJob {
    options,
    run,
    prefix,
    suffix,
    resume
});

impl PartJob {
    /// A part's job for a run with `settings`: its reader reads with
    /// `options`, `prefix` before the part's bytes and `suffix` after, and
    /// starts at `resume` when given.
    fn new(
        options: ReadOptions,
        settings: &RunSettings,
        prefix: &[u8],
        suffix: &[u8],
        resume: Option<Resume>,
    ) -> PartJob {
        PartJob {
            options,
            run: Assessment {
                seed: settings.seed,
                as_of: settings.as_of,
                simulate: settings.simulate,
            },
            prefix: prefix.to_vec(),
            suffix: suffix.to_vec(),
            resume,
        }
    }

    /// The job as bytes, for another worker.
    // Used by the page (`web`, wasm32 only: parts cross between workers as
    // bytes) and by tests.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut out = Writer::with_capacity(64 + self.prefix.len());
        self.put(&mut out);
        out.into_bytes()
    }

    /// A job from [`PartJob::to_bytes`].
    ///
    /// # Errors
    /// [`WireError`] when the bytes are not a job.
    // Used by the page (`web`, wasm32 only: parts cross between workers as
    // bytes) and by tests.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<PartJob, WireError> {
        crate::common::wire::decode(bytes)
    }

    /// Starts reading the part: its bytes go to [`PartReader::push`].
    ///
    /// # Errors
    /// [`IngestError`] when the bytes before the part cannot be read.
    pub fn start(&self) -> Result<PartReader, IngestError> {
        let (reader, prefix) = match &self.resume {
            Some(resume) => (
                Reader::resuming(&self.options, resume, &self.prefix)?,
                &[][..],
            ),
            None => (Reader::with_options(&self.options), &self.prefix[..]),
        };
        let mut reader = PartReader {
            reader,
            run: self.run,
            assessed: Assessed {
                customers: Customers::new(self.run.as_of),
                positions: Vec::new(),
                rejected: Vec::new(),
                counts: Counts::default(),
            },
            suffix: self.suffix.clone(),
            newlines: 0,
        };
        reader.feed(prefix)?;
        Ok(reader)
    }
}

wire_fields!(Rejection<'static> {
    position,
    reason,
    record
});

/// One part being read: chunks of its bytes in, records assessed as they
/// come.
#[derive(Debug)]
pub struct PartReader {
    reader: Reader,
    run: Assessment,
    assessed: Assessed,
    suffix: Vec<u8>,
    /// Line breaks in the part's own bytes.
    newlines: usize,
}

/// The records of a part: its customers in source order (each a row of
/// `customers`, where it is at the same index of `positions`), and its
/// rejected records in source order. (Which comes first between a
/// customer and a rejection does not matter: customers go to the deduper,
/// rejections to their list.)
#[derive(Debug)]
struct Assessed {
    customers: Customers,
    positions: Vec<Position>,
    rejected: Vec<Rejection<'static>>,
    /// What the report's summaries count, of every customer of the part
    /// (the merge takes off those it removes as duplicates).
    counts: Counts,
}

impl Assessed {
    /// Assesses one item of a part.
    fn take(&mut self, item: &SourceItem<'_>, run: &Assessment) {
        let assessed = match &item.parsed {
            Ok(record) => assess(record, run, &mut self.customers),
            Err(reason) => Err(reason.clone()),
        };
        match assessed {
            Ok(customer) => {
                self.counts.add(self.customers.with(&customer));
                self.customers.push(customer);
                self.positions.push(item.position);
            }
            Err(reason) => self.rejected.push(Rejection {
                position: item.position,
                reason,
                record: item.raw.to_owned().into(),
            }),
        }
    }

    fn len(&self) -> usize {
        self.positions.len() + self.rejected.len()
    }
}

impl PartReader {
    /// Takes the next chunk of the part's bytes.
    ///
    /// # Errors
    /// [`IngestError`] when the part cannot be read (the file is then read
    /// in one piece for its error).
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), IngestError> {
        self.newlines += memchr::memchr_iter(b'\n', chunk).count();
        self.feed(chunk)
    }

    fn feed(&mut self, bytes: &[u8]) -> Result<(), IngestError> {
        let PartReader {
            reader,
            run,
            assessed,
            ..
        } = self;
        reader.push(bytes, &mut |item| assessed.take(item, run))
    }

    /// Records read so far.
    pub fn records_read(&self) -> usize {
        self.assessed.len()
    }

    /// Ends the part at a cut (its job's suffix closes it).
    ///
    /// # Errors
    /// [`IngestError`] when the part cannot be read, e.g. because it ends
    /// inside a value (the cut was not a boundary).
    pub fn finish(mut self) -> Result<PartOutput, IngestError> {
        let suffix = std::mem::take(&mut self.suffix);
        self.feed(&suffix)?;
        self.end()
    }

    /// Ends the part where the file ends: a stream's last part, which is
    /// not known to be the last when it starts ([`StreamCutter`]), so its
    /// job has the suffix of a part that ends at a cut.
    ///
    /// # Errors
    /// [`IngestError`] when the part cannot be read, as the file's end
    /// would be by a reader of the whole file.
    pub fn finish_at_end(self) -> Result<PartOutput, IngestError> {
        self.end()
    }

    fn end(self) -> Result<PartOutput, IngestError> {
        let PartReader {
            mut reader,
            run,
            mut assessed,
            newlines,
            ..
        } = self;
        let format = reader.finish(&mut |item| assessed.take(item, &run))?;
        Ok(PartOutput {
            assessed,
            format,
            mapping: reader.mapping(),
            values: reader.values_read(),
            newlines,
        })
    }
}

/// One part, read and assessed.
#[derive(Debug)]
pub struct PartOutput {
    assessed: Assessed,
    format: InputFormat,
    mapping: Mapping,
    /// Top-level values read (array elements, NDJSON values).
    values: usize,
    /// Line breaks in the part's own bytes.
    newlines: usize,
}

/// A part as bytes: what it says about itself, the tables its customers
/// refer to, each customer with its position, then its rejected records.
/// The customers come one by one so that [`Merger::add_bytes`] merges them
/// as it reads them, without a copy of the part in between.
impl Wire for PartOutput {
    fn put(&self, out: &mut Writer) {
        self.format.put(out);
        self.mapping.put(out);
        out.usize(self.values);
        out.usize(self.newlines);
        let assessed = &self.assessed;
        assessed.customers.put_tables(out);
        assessed.counts.put(out);
        out.usize(assessed.positions.len());
        for (customer, position) in assessed.customers.rows().iter().zip(&assessed.positions) {
            customer.put(out);
            position.put(out);
        }
        out.list(&assessed.rejected);
    }

    fn take(from: &mut WireReader<'_>) -> Result<Self, WireError> {
        let format = InputFormat::take(from)?;
        let mapping = Mapping::take(from)?;
        let values = from.usize()?;
        let newlines = from.usize()?;
        let mut customers = Customers::take_tables(from)?;
        let counts = Counts::take(from)?;
        let mut positions = Vec::new();
        for _ in 0..from.usize()? {
            let customer = Customer::take(from)?;
            if !customers.holds(&customer) {
                return Err(WireError);
            }
            customers.push(customer);
            positions.push(Position::take(from)?);
        }
        Ok(PartOutput {
            assessed: Assessed {
                customers,
                positions,
                rejected: from.list()?,
                counts,
            },
            format,
            mapping,
            values,
            newlines,
        })
    }
}

impl PartOutput {
    /// The part as bytes, for the worker that merges.
    // Used by the page (`web`, wasm32 only: parts cross between workers as
    // bytes) and by tests.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        // About 24 bytes a customer.
        let mut out = Writer::with_capacity(4096 + 24 * self.assessed.len());
        self.put(&mut out);
        out.into_bytes()
    }

    /// A part from [`PartOutput::to_bytes`].
    ///
    /// # Errors
    /// [`WireError`] when the bytes are not a part.
    // The merger reads parts as bytes itself (`Merger::add_bytes`).
    #[cfg(test)]
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<PartOutput, WireError> {
        crate::common::wire::decode(bytes)
    }

    /// Records read.
    #[cfg(test)]
    pub(crate) fn records_read(&self) -> usize {
        self.assessed.len()
    }
}

/// The first part of a file being read by the worker that merges
/// ([`Merger::start_first`]).
#[derive(Debug)]
// The page's worker reads its part this way (and the native tests).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub(crate) struct FirstPart {
    reader: Reader,
    suffix: Vec<u8>,
    /// Line breaks in the part's own bytes.
    newlines: usize,
}

/// Reads and assesses part `index` of `input` cut by `plan`.
///
/// # Errors
/// [`IngestError`] when the part cannot be read (the whole file is then
/// read in one piece for its error, see [`process_upload_threads`]).
#[cfg(test)]
pub(crate) fn read_part(
    input: &[u8],
    plan: &Plan,
    index: usize,
    file_name: &str,
    settings: &RunSettings,
    options: &ReadOptions,
) -> Result<PartOutput, IngestError> {
    let mut reader = plan.job(index, file_name, settings, options).start()?;
    reader.push(&input[plan.bounds(index)])?;
    reader.finish()
}

/// The parts do not make up the file as it was cut (a cut that was no
/// boundary, a part that reads as another layout): read the file in one
/// piece instead, which also names any error where a one-part run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadWhole;

/// What came before a part in the file, counted by the parts before it.
#[derive(Debug, Default, Clone, Copy)]
struct Before {
    elements: usize,
    lines: usize,
    rows: usize,
}

/// Where a record of a part is in the whole file.
fn place(cut: Cut, before: Before, mut position: Position) -> Position {
    match cut {
        Cut::Whole => {}
        Cut::Array => {
            if let Some(envelope) = position.envelope {
                position.envelope = Some(envelope + before.elements);
            } else if position.page.is_none() {
                position.record = position.record.map(|r| r + before.elements);
            }
        }
        Cut::Values => position.line = position.line.map(|l| l + before.lines),
        // Every row after the header is one record.
        Cut::Csv => position.row = position.row.map(|r| r + before.rows),
    }
    position
}

/// The parts of a file merged one at a time, in file order, into its
/// report: a part is merged as soon as it and the parts before it are
/// read, while later parts are still being read elsewhere.
#[derive(Debug)]
pub struct Merger {
    cut: Cut,
    /// How many parts the file was cut into; `None`: a stream's, as many
    /// as come.
    parts: Option<usize>,
    /// The parts' positions are the file's already (a stream's parts are
    /// read from where they start, [`Resume`]): nothing to shift.
    placed: bool,
    /// Threads that read the parts, as the report says.
    threads: usize,
    /// The mapping the plan decided, if it did.
    decided: Option<Mapping>,
    builder: ReportBuilder<'static>,
    before: Before,
    /// The first part's layout, and whether another part's differs.
    format: Option<InputFormat>,
    mixed: bool,
    /// The first part's mapping.
    mapping: Option<Mapping>,
    added: usize,
    /// A part was refused, or its bytes were bad after some of it was merged.
    broken: bool,
}

impl Merger {
    /// Merges the parts of a file cut by `plan`, for a run with `settings`.
    pub fn new(plan: &Plan, settings: &RunSettings) -> Merger {
        let decided = plan.mapping.as_ref().map(|(_, mapping)| mapping.clone());
        let parts = plan.len();
        Merger::with(plan.cut, Some(parts), false, parts, decided, settings)
    }

    /// Merges the parts of a stream cut by `cutter` as it is read, however
    /// many come, read by `threads` threads at once (the report says the
    /// fewer of the threads and the parts), for a run with `settings`.
    pub fn for_stream(cutter: &StreamCutter, threads: usize, settings: &RunSettings) -> Merger {
        Merger::with(
            cutter.cut(),
            None,
            true,
            threads,
            cutter.mapping(),
            settings,
        )
    }

    /// The fields are [`Merger`]'s; nothing is merged yet.
    fn with(
        cut: Cut,
        parts: Option<usize>,
        placed: bool,
        threads: usize,
        decided: Option<Mapping>,
        settings: &RunSettings,
    ) -> Merger {
        // The parts count their customers; the merge adds up.
        let mut builder = ReportBuilder::new(settings);
        builder.count_as_you_go();
        Merger {
            cut,
            parts,
            placed,
            threads,
            decided,
            builder,
            before: Before::default(),
            format: None,
            mixed: false,
            mapping: None,
            added: 0,
            broken: false,
        }
    }

    /// Parts merged so far.
    pub fn merged(&self) -> usize {
        self.added
    }

    /// Records of the parts merged so far.
    pub fn records_read(&self) -> usize {
        self.builder.records_read()
    }

    /// Takes the layout of the next part, unless it would not read as the
    /// file does.
    fn start_part(&mut self, format: InputFormat, values: usize) -> Result<(), ReadWhole> {
        let fits = match self.cut {
            Cut::Whole => true,
            Cut::Array => matches!(
                format,
                InputFormat::RecordArray | InputFormat::EnvelopeArray | InputFormat::MixedArray
            ),
            // One value alone would be read as a file of one value, unless
            // the part is read as one of several (a stream's).
            Cut::Values => format == InputFormat::Ndjson && (values >= 2 || self.placed),
            Cut::Csv => format == InputFormat::Csv,
        };
        let all_in = self.parts.is_some_and(|parts| self.added >= parts);
        if self.broken || !fits || all_in {
            self.broken = true;
            return Err(ReadWhole);
        }
        match self.format {
            None => self.format = Some(format),
            // Parts of an array that disagree mix records and envelopes.
            Some(first) => self.mixed |= first != format,
        }
        Ok(())
    }

    /// How the next part's positions are shifted to the file's: by
    /// [`place`] with these.
    fn shift(&self) -> (Cut, Before) {
        if self.placed {
            (Cut::Whole, Before::default())
        } else {
            (self.cut, self.before)
        }
    }

    /// Moves past a part just merged.
    fn end_part(&mut self, values: usize, newlines: usize, rows: usize, mapping: Mapping) {
        self.before.elements += values;
        self.before.lines += newlines;
        self.before.rows += rows;
        self.mapping.get_or_insert(mapping);
        self.added += 1;
    }

    /// Merges the next part.
    ///
    /// # Errors
    /// [`ReadWhole`] when it would not read as the file does.
    pub fn add(&mut self, part: PartOutput) -> Result<(), ReadWhole> {
        self.start_part(part.format, part.values)?;
        let Assessed {
            customers,
            positions,
            rejected,
            counts,
        } = part.assessed;
        let renumbering = self.builder.take_texts(&customers);
        if self.builder.take_counts(&counts, &renumbering).is_err() {
            self.broken = true;
            return Err(ReadWhole);
        }
        let (cut, before) = self.shift();
        for (position, customer) in positions.into_iter().zip(customers.rows()) {
            self.builder
                .add_assessed(place(cut, before, position), renumbering.apply(customer));
        }
        let rows = customers.len() + rejected.len();
        for rejection in rejected {
            self.builder.add_rejected(Rejection {
                position: place(cut, before, rejection.position),
                ..rejection
            });
        }
        self.end_part(part.values, part.newlines, rows, part.mapping);
        Ok(())
    }

    /// Merges the next part from its bytes ([`PartOutput::to_bytes`]) as it
    /// reads them.
    ///
    /// # Errors
    /// [`ReadWhole`] when the bytes are not a part, or it would not read as
    /// the file does.
    // Used by the page (`web`, wasm32 only: parts cross between workers as
    // bytes) and by tests.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn add_bytes(&mut self, bytes: &[u8]) -> Result<(), ReadWhole> {
        let mut from = WireReader::new(bytes);
        let read = self.read_part(&mut from).and_then(|()| from.end());
        read.map_err(|WireError| {
            self.broken = true;
            ReadWhole
        })
    }

    fn read_part(&mut self, from: &mut WireReader<'_>) -> Result<(), WireError> {
        let format = InputFormat::take(from)?;
        let mapping = Mapping::take(from)?;
        let values = from.usize()?;
        let newlines = from.usize()?;
        self.start_part(format, values)
            .map_err(|ReadWhole| WireError)?;
        let customers = Customers::take_tables(from)?;
        let renumbering = self.builder.take_texts(&customers);
        self.builder
            .take_counts(&Counts::take(from)?, &renumbering)?;
        let (cut, before) = self.shift();
        let count = from.usize()?;
        for _ in 0..count {
            let customer = Customer::take(from)?;
            if !customers.holds(&customer) {
                return Err(WireError);
            }
            let position = Position::take(from)?;
            self.builder
                .add_assessed(place(cut, before, position), renumbering.apply(&customer));
        }
        let rejected = from.usize()?;
        for _ in 0..rejected {
            let rejection = Rejection::take(from)?;
            self.builder.add_rejected(Rejection {
                position: place(cut, before, rejection.position),
                ..rejection
            });
        }
        self.end_part(values, newlines, count + rejected, mapping);
        Ok(())
    }

    /// Starts reading the first part here, straight into the merge (the
    /// part the merging worker reads itself): its records go through the
    /// deduper as they are read, as in a one-part run, so they are neither
    /// kept apart nor merged a second time once read. Its chunks go to
    /// [`Merger::push_first`], its end to [`Merger::finish_first`]; the
    /// parts after it are merged once it is.
    ///
    /// # Errors
    /// [`IngestError`] when the bytes before the part cannot be read.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn start_first(&mut self, job: &PartJob) -> Result<FirstPart, IngestError> {
        // Only the first part starts an empty merge.
        self.broken |= self.added != 0 || self.builder.records_read() != 0;
        let mut part = FirstPart {
            reader: Reader::with_options(&job.options),
            suffix: job.suffix.clone(),
            newlines: 0,
        };
        self.feed_first(&mut part, &job.prefix)?;
        Ok(part)
    }

    /// Takes the next chunk of the first part ([`Merger::start_first`]).
    ///
    /// # Errors
    /// [`IngestError`] when the part cannot be read (the file is then read
    /// in one piece for its error).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn push_first(
        &mut self,
        part: &mut FirstPart,
        chunk: &[u8],
    ) -> Result<(), IngestError> {
        part.newlines += memchr::memchr_iter(b'\n', chunk).count();
        self.feed_first(part, chunk)
    }

    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    fn feed_first(&mut self, part: &mut FirstPart, bytes: &[u8]) -> Result<(), IngestError> {
        let builder = &mut self.builder;
        let read = part
            .reader
            .push(bytes, &mut |item| builder.add_transient(item));
        self.broken |= read.is_err();
        read
    }

    /// Ends the first part ([`Merger::start_first`]); a part that would not
    /// read as the file does makes [`Merger::finish`] refuse the parts.
    ///
    /// # Errors
    /// [`IngestError`] when the part cannot be read, e.g. because it ends
    /// inside a value (the cut was not a boundary).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn finish_first(&mut self, part: FirstPart) -> Result<(), IngestError> {
        let FirstPart {
            mut reader,
            suffix,
            newlines,
        } = part;
        let builder = &mut self.builder;
        let read = reader
            .push(&suffix, &mut |item| builder.add_transient(item))
            .and_then(|()| reader.finish(&mut |item| builder.add_transient(item)));
        let format = match read {
            Ok(format) => format,
            Err(error) => {
                self.broken = true;
                return Err(error);
            }
        };
        let values = reader.values_read();
        if self.start_part(format, values).is_ok() {
            // Part 0 starts the file: its positions are the file's already.
            let rows = self.builder.records_read();
            self.end_part(values, newlines, rows, reader.mapping());
        }
        Ok(())
    }

    /// The report of the file named `file_name`, made at `export_timestamp`.
    ///
    /// # Errors
    /// [`ReadWhole`] when a part was refused or is missing, or no part
    /// holds a record: the file is then read in one piece.
    pub fn finish(
        mut self,
        file_name: &str,
        export_timestamp: DateTime<Utc>,
    ) -> Result<Report<'static>, ReadWhole> {
        let missing = self.parts.is_some_and(|parts| self.added != parts);
        if self.broken || missing || self.added == 0 || self.builder.records_read() == 0 {
            return Err(ReadWhole);
        }
        let Some(format) = self.format() else {
            return Err(ReadWhole);
        };
        let source = SourceInfo::Upload {
            file_name: file_name.to_owned(),
            format,
            workers: self.threads.min(self.added),
            via: None,
        };
        let mapping = match self.decided {
            Some(decided) => decided,
            None => self.mapping.unwrap_or_default(),
        };
        self.builder.stamp(export_timestamp);
        Ok(self.builder.finish(source, mapping))
    }
}

impl Merger {
    /// The error a reader of the whole file gives when the parts merged
    /// hold no record ([`IngestError::NoRecords`], with the layout they
    /// make up), if they hold none: a stream's parts cannot be read again
    /// in one piece for it.
    pub fn no_records(&self) -> Option<IngestError> {
        if self.builder.records_read() > 0 || self.broken {
            return None;
        }
        Some(IngestError::NoRecords {
            format: self.format()?,
        })
    }

    /// The layout the parts merged make up: the first's, or a mixed array
    /// when parts of an array disagree.
    fn format(&self) -> Option<InputFormat> {
        match (self.format, self.mixed) {
            (Some(_), true) => Some(InputFormat::MixedArray),
            (format, false) => format,
            (None, true) => None,
        }
    }
}

/// The report of the whole file from its parts, in file order.
///
/// # Errors
/// [`ReadWhole`] when the parts do not make up the file as cut, or hold no
/// record: the file is then read in one piece.
#[cfg(test)]
pub(crate) fn merge(
    plan: &Plan,
    parts: Vec<PartOutput>,
    file_name: &str,
    settings: &RunSettings,
) -> Result<Report<'static>, ReadWhole> {
    let mut merger = Merger::new(plan, settings);
    for part in parts {
        merger.add(part)?;
    }
    merger.finish(file_name, settings.export_timestamp)
}

/// [`process_upload_with`] in at most `threads` parts read at once, one
/// thread each, and merged: the same report, byte for byte, but for
/// `metadata.source.workers` (what a front end with threads does).
///
/// # Errors
/// As [`process_upload_with`], at the same place.
#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) fn process_upload_threads<'a>(
    input: &'a [u8],
    file_name: &str,
    settings: &RunSettings,
    options: &ReadOptions,
    threads: usize,
) -> Result<Report<'a>, IngestError> {
    let read = options.clone().for_file(file_name);
    let plan = Plan::new(input, &read, threads);
    if plan.len() < 2 {
        return process_upload_with(input, file_name, settings, options);
    }
    let outputs: Result<Vec<PartOutput>, IngestError> = std::thread::scope(|scope| {
        let running: Vec<_> = (0..plan.len())
            .map(|index| {
                let plan = &plan;
                scope.spawn(move || read_part(input, plan, index, file_name, settings, options))
            })
            .collect();
        running
            .into_iter()
            .map(|thread| thread.join().unwrap_or(Err(IngestError::Empty)))
            .collect()
    });
    match outputs.map(|outputs| merge(&plan, outputs, file_name, settings)) {
        Ok(Ok(report)) => Ok(report),
        _ => process_upload_with(input, file_name, settings, options),
    }
}

/// The report of `input` cut by `plan`, and whether it was merged from
/// the parts (false: read in one piece).
#[cfg(test)]
fn process_planned<'a>(
    input: &'a [u8],
    file_name: &str,
    settings: &RunSettings,
    options: &ReadOptions,
    plan: &Plan,
) -> (Result<Report<'a>, IngestError>, bool) {
    if plan.len() >= 2 {
        // The first part straight into the merge, as the page's worker reads it.
        let mut merger = Merger::new(plan, settings);
        let first = plan.job(0, file_name, settings, options);
        let read_first = merger.start_first(&first).and_then(|mut part| {
            merger.push_first(&mut part, &input[plan.bounds(0)])?;
            merger.finish_first(part)
        });
        let outputs: Result<Vec<PartOutput>, IngestError> = read_first.and_then(|()| {
            (1..plan.len())
                .map(|index| read_part(input, plan, index, file_name, settings, options))
                .collect()
        });
        if let Ok(outputs) = outputs {
            let merged = outputs.into_iter().try_for_each(|part| merger.add(part));
            if let Ok(report) =
                merged.and_then(|()| merger.finish(file_name, settings.export_timestamp))
            {
                return (Ok(report), true);
            }
        }
    }
    // One piece, or the first error of the file where a one-part run finds it.
    (
        process_upload_with(input, file_name, settings, options),
        false,
    )
}

mod cutter;
pub use cutter::StreamCutter;

#[cfg(test)]
mod tests;
