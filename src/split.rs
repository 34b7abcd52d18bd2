//! A file cut into parts at record boundaries, each part read and assessed
//! on its own (by another worker or thread), and the parts merged into the
//! report that reading the file in one piece gives, byte for byte.
//!
//! - [`Plan::new`] finds the cuts: between the top-level elements of a JSON
//!   array (of records, envelopes or both), after a line between JSON values
//!   (NDJSON), or after a CSV row (outside quotes; every part is read after
//!   the file's header row). A single page envelope, a file too small to
//!   cut, or one whose first part holds no record is one part.
//! - [`read_part`] reads one part through the same [`Reader`] as a whole
//!   file, and assesses its records (the expensive work), without deduping.
//! - [`merge`] takes the parts in file order: positions are shifted to the
//!   file's (element, line or row numbers as if read in one piece), every
//!   record goes through one deduper in source order (today's keep-the-best
//!   rule, [`crate::transform::dedupe`]), and the report is sorted and
//!   summed up as a one-part run's.
//!
//! A part that cannot be read makes [`process_upload_in_parts`] read the
//! whole file in one piece instead, so an error names the same place as a
//! one-part run.

use crate::pipeline::{process_upload_with, ReportBuilder};
use crate::report::{Rejection, Report, SourceInfo};
use crate::settings::RunSettings;
use crate::source::csv_rows::QuoteTracker;
use crate::source::ingest::{IngestError, InputFormat, Position, SourceItem};
use crate::source::mapping::{Field, Mapping, MappingSpec};
use crate::source::reader::{ReadOptions, Reader};
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
    /// CSV: each part is a run of rows, read after the header row, which
    /// ends at `header_end`.
    Csv {
        /// Where the first row after the header starts.
        header_end: usize,
    },
}

/// One part of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Part {
    /// Its bytes (for an array, its elements without the commas around).
    start: usize,
    end: usize,
    /// Top-level array elements before it.
    elements_before: usize,
    /// Line breaks before it.
    lines_before: usize,
}

/// Where a file is cut.
#[derive(Debug, Clone)]
pub struct Plan {
    cut: Cut,
    parts: Vec<Part>,
    /// The file's field mapping, decided by its first record, for the JSON
    /// parts after the first (which may not see that record), and as the
    /// report states it.
    mapping: Option<(MappingSpec, Mapping)>,
}

/// The probe reads the start of a file up to this many bytes (or the first
/// part, if longer) to find the layout and the mapping before cutting; a
/// file with no record by then is one part.
const PROBE_CHUNK: usize = 64 << 10;

impl Plan {
    /// Cuts `input` (read with `options`, already [`ReadOptions::for_file`])
    /// into at most `parts` parts of about equal size.
    pub fn new(input: &[u8], options: &ReadOptions, parts: usize) -> Plan {
        let parts = parts.max(1);
        let targets: Vec<usize> = (1..parts).map(|k| input.len() / parts * k).collect();
        Plan::at(input, options, &targets)
    }

    /// Cuts `input` at the first record boundary at or after each of
    /// `targets` (byte offsets, ascending) that leaves no part empty.
    pub(crate) fn at(input: &[u8], options: &ReadOptions, targets: &[usize]) -> Plan {
        let whole = Plan {
            cut: Cut::Whole,
            parts: vec![Part {
                start: 0,
                end: input.len(),
                elements_before: 0,
                lines_before: 0,
            }],
            mapping: None,
        };
        if targets.is_empty() {
            return whole;
        }
        let limit = targets[0].max(PROBE_CHUNK);
        let Some(probe) = probe(input, options, limit) else {
            return whole;
        };
        let (cut, parts) = match probe.format {
            InputFormat::Csv => {
                let Some(separator) = probe.separator else {
                    return whole;
                };
                csv_parts(input, separator, targets)
            }
            InputFormat::Ndjson => (Cut::Values, value_parts(input, targets)),
            InputFormat::RecordArray | InputFormat::EnvelopeArray | InputFormat::MixedArray => {
                (Cut::Array, array_parts(input, targets))
            }
            InputFormat::PageEnvelope => return whole,
        };
        if parts.len() < 2 {
            return whole;
        }
        let mapping = match cut {
            Cut::Array | Cut::Values => Some((spec_of(&probe.mapping), probe.mapping)),
            Cut::Whole | Cut::Csv { .. } => None,
        };
        Plan {
            cut,
            parts,
            mapping,
        }
    }

    /// How many parts.
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// Whether the plan has no parts (never: a file is at least one part).
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// The bytes the reader is given for part `index`, in order: slices of
    /// the file and the brackets that make a run of elements an array.
    fn pieces<'a>(&self, input: &'a [u8], index: usize) -> Vec<&'a [u8]> {
        let part = self.parts[index];
        let body = &input[part.start..part.end];
        let last = index + 1 == self.parts.len();
        match self.cut {
            Cut::Whole | Cut::Values => vec![body],
            Cut::Csv { header_end } if index > 0 => vec![&input[..header_end], body],
            Cut::Csv { .. } => vec![body],
            Cut::Array => match (index, last) {
                (0, _) => vec![body, b"]"],
                (_, true) => vec![b"[", body],
                _ => vec![b"[", body, b"]"],
            },
        }
    }

    /// Where a record of part `index` is in the whole file; `rows_before`:
    /// the records of the parts before it.
    fn place(&self, index: usize, rows_before: usize, mut position: Position) -> Position {
        let part = self.parts[index];
        match self.cut {
            Cut::Whole => {}
            Cut::Array => {
                if let Some(envelope) = position.envelope {
                    position.envelope = Some(envelope + part.elements_before);
                } else if position.page.is_none() {
                    position.record = position.record.map(|r| r + part.elements_before);
                }
            }
            Cut::Values => position.line = position.line.map(|l| l + part.lines_before),
            // Every row after the header is one record.
            Cut::Csv { .. } => position.row = position.row.map(|r| r + rows_before),
        }
        position
    }
}

/// What reading the start of a file tells before cutting it.
struct Probe {
    format: InputFormat,
    mapping: Mapping,
    separator: Option<u8>,
}

/// Reads `input` from the start until its first record (at most `limit`
/// bytes); `None` when there is none by then or the file cannot be read.
fn probe(input: &[u8], options: &ReadOptions, limit: usize) -> Option<Probe> {
    let mut reader = Reader::with_options(options);
    let (mut read, mut size) = (0, 256);
    let mut found = false;
    let end = limit.min(input.len());
    // Growing pieces: the first record is usually near the start, and the
    // first part may end soon after it.
    while read < end {
        let chunk = &input[read..(read + size).min(end)];
        size = (size * 2).min(PROBE_CHUNK);
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

/// A spec that gives every field the source `mapping` gives it.
fn spec_of(mapping: &Mapping) -> MappingSpec {
    let mut spec = MappingSpec::none();
    for field in Field::ALL {
        spec.set(field, mapping.source(field).map(str::to_owned));
    }
    spec
}

/// Steps through JSON text outside and inside strings, so structure is
/// only seen outside them.
#[derive(Debug, Default)]
struct JsonWalk {
    in_string: bool,
    escaped: bool,
    depth: usize,
}

impl JsonWalk {
    /// Takes one byte; true when it is structure (outside a string).
    fn step(&mut self, byte: u8) -> bool {
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if byte == b'\\' {
                self.escaped = true;
            } else if byte == b'"' {
                self.in_string = false;
            }
            return false;
        }
        match byte {
            b'"' => self.in_string = true,
            b'[' | b'{' => self.depth += 1,
            b']' | b'}' => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        true
    }
}

/// Calls `each(at, byte, walk)` for every byte outside strings (and for
/// the quotes that open and close them), jumping over string contents;
/// stops when `each` returns false. Strings are most of a file's bytes.
fn walk_json(input: &[u8], mut each: impl FnMut(usize, u8, &JsonWalk) -> bool) {
    let mut walk = JsonWalk::default();
    let mut at = 0;
    while at < input.len() {
        if walk.in_string && !walk.escaped {
            match memchr::memchr2(b'"', b'\\', &input[at..]) {
                Some(skip) => at += skip,
                None => return,
            }
        }
        let byte = input[at];
        let outside = walk.step(byte);
        if (outside || !walk.in_string) && !each(at, byte, &walk) {
            return;
        }
        at += 1;
    }
}

fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// The next byte at or after `at` that is not white space.
fn next_sign(input: &[u8], at: usize) -> Option<u8> {
    input[at..].iter().copied().find(|&b| !is_space(b))
}

/// Parts of a JSON array, cut at commas between its top-level elements.
fn array_parts(input: &[u8], targets: &[usize]) -> Vec<Part> {
    let mut parts = Vec::new();
    let (mut start, mut elements_before, mut commas) = (0, 0, 0);
    let mut previous_sign = 0u8;
    let mut next_target = targets.iter().copied().peekable();
    walk_json(input, |at, byte, walk| {
        if byte == b',' && walk.depth == 1 {
            commas += 1;
            // A cut leaves an element on both sides, or an error would be
            // lost (`[1,,2]`, `[1,]`): those are left in one part.
            let between = !matches!(previous_sign, b'[' | b',')
                && !matches!(next_sign(input, at + 1), None | Some(b']' | b','));
            while next_target.peek().is_some_and(|&t| t <= at) && between {
                next_target.next();
                if start < at {
                    parts.push(Part {
                        start,
                        end: at,
                        elements_before,
                        lines_before: 0,
                    });
                    start = at + 1;
                    elements_before = commas;
                }
            }
        }
        if !is_space(byte) {
            previous_sign = byte;
        }
        !(walk.depth == 0 && byte == b']')
    });
    parts.push(Part {
        start,
        end: input.len(),
        elements_before,
        lines_before: 0,
    });
    parts
}

/// Parts of JSON values, cut after line breaks outside any value, before
/// an object; every part holds at least two lines with a value (one value
/// alone would be read as a file of one value).
fn value_parts(input: &[u8], targets: &[usize]) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut start = 0;
    // Lines holding something, in the current part and since the last break.
    let (mut filled, mut content) = (0, false);
    let mut next_target = targets.iter().copied().peekable();
    walk_json(input, |at, byte, walk| {
        if !is_space(byte) {
            content = true;
        }
        if byte != b'\n' || walk.depth != 0 || !content {
            return true;
        }
        content = false;
        filled += 1;
        // A part read alone is JSON values when it starts with an object
        // (an array or another value there would decide another layout).
        if filled >= 2
            && next_target.peek().is_some_and(|&t| t <= at)
            && next_sign(input, at + 1) == Some(b'{')
        {
            while next_target.peek().is_some_and(|&t| t <= at) {
                next_target.next();
            }
            parts.push(Part {
                start,
                end: at + 1,
                elements_before: 0,
                lines_before: 0,
            });
            start = at + 1;
            filled = 0;
        }
        true
    });
    // The last part too holds two lines with a value, or joins the one before.
    if filled + usize::from(content) < 2 {
        if let Some(before) = parts.pop() {
            start = before.start;
        }
    }
    parts.push(Part {
        start,
        end: input.len(),
        elements_before: 0,
        lines_before: 0,
    });
    // Line breaks before each part, counted apart (strings were jumped over).
    let mut lines = 0;
    let mut counted = 0;
    for part in &mut parts {
        lines += memchr::memchr_iter(b'\n', &input[counted..part.start]).count();
        counted = part.start;
        part.lines_before = lines;
    }
    parts
}

/// Parts of a CSV file, cut after row ends outside quotes (a quote opens a
/// quoted cell only at the start of a cell, as the reader reads them).
fn csv_parts(input: &[u8], separator: u8, targets: &[usize]) -> (Cut, Vec<Part>) {
    let mut parts = Vec::new();
    let mut quotes = QuoteTracker::new(separator);
    let mut header_end = None;
    let mut start = 0;
    let mut next_target = targets.iter().copied().peekable();
    let mut at = 0;
    while at < input.len() {
        let taken = quotes.step(input, at);
        if !quotes.quoted() && input[at] == b'\n' {
            match header_end {
                None => {
                    header_end = Some(at + 1);
                    start = at + 1;
                }
                Some(_) => {
                    if next_target.peek().is_some_and(|&t| t <= at)
                        && input[at + 1..].iter().any(|&b| !is_space(b))
                    {
                        while next_target.peek().is_some_and(|&t| t <= at) {
                            next_target.next();
                        }
                        parts.push(Part {
                            start,
                            end: at + 1,
                            elements_before: 0,
                            lines_before: 0,
                        });
                        start = at + 1;
                    }
                }
            }
        }
        at += taken;
    }
    let Some(header_end) = header_end else {
        return (Cut::Whole, Vec::new());
    };
    parts.push(Part {
        start,
        end: input.len(),
        elements_before: 0,
        lines_before: 0,
    });
    // The first part starts with the header.
    if let Some(first) = parts.first_mut() {
        first.start = 0;
    }
    (Cut::Csv { header_end }, parts)
}

/// A record of a part, assessed, in source order.
#[derive(Debug)]
enum Assessed {
    Customer(Position, Customer),
    Rejected(Rejection<'static>),
}

/// One part, read and assessed.
#[derive(Debug)]
pub struct PartOutput {
    customers: Customers,
    records: Vec<Assessed>,
    format: InputFormat,
    mapping: Mapping,
}

/// Reads and assesses part `index` of `input` cut by `plan`.
///
/// # Errors
/// [`IngestError`] when the part cannot be read (the whole file is then
/// read in one piece for its error, see [`process_upload_in_parts`]).
pub fn read_part(
    input: &[u8],
    plan: &Plan,
    index: usize,
    settings: &RunSettings,
    options: &ReadOptions,
) -> Result<PartOutput, IngestError> {
    let mut options = options.clone();
    if index > 0 {
        if let Some((spec, _)) = &plan.mapping {
            options.mapping = spec.clone();
        }
    }
    let mut reader = Reader::with_options(&options);
    let run = Assessment {
        seed: settings.seed,
        as_of: settings.as_of,
        simulate: settings.simulate,
    };
    let mut customers = Customers::new(settings.as_of);
    let mut records = Vec::new();
    let mut sink = |item: &SourceItem<'_>| {
        let assessed = match &item.parsed {
            Ok(record) => assess(record, &run, &mut customers),
            Err(reason) => Err(reason.clone()),
        };
        records.push(match assessed {
            Ok(customer) => Assessed::Customer(item.position, customer),
            Err(reason) => Assessed::Rejected(Rejection {
                position: item.position,
                reason,
                record: item.raw.to_owned().into(),
            }),
        });
    };
    for piece in plan.pieces(input, index) {
        reader.push(piece, &mut sink)?;
    }
    let format = reader.finish(&mut sink)?;
    Ok(PartOutput {
        customers,
        records,
        format,
        mapping: reader.mapping(),
    })
}

/// The layout of the whole file from its parts': an array whose parts
/// disagree mixes records and envelopes.
fn merged_format(parts: &[PartOutput]) -> InputFormat {
    let first = parts.first().map_or(InputFormat::RecordArray, |p| p.format);
    if parts.iter().all(|part| part.format == first) {
        first
    } else {
        InputFormat::MixedArray
    }
}

/// The report of the whole file from its parts, in file order.
///
/// # Errors
/// [`IngestError::NoRecords`] when no part holds a record.
pub fn merge(
    plan: &Plan,
    parts: Vec<PartOutput>,
    file_name: &str,
    settings: &RunSettings,
) -> Result<Report<'static>, IngestError> {
    let mut builder = ReportBuilder::new(settings);
    let format = merged_format(&parts);
    let mut rows_before = 0;
    let mut mapping = None;
    for (index, part) in parts.into_iter().enumerate() {
        let count = part.records.len();
        let renumbering = builder.take_texts(&part.customers);
        for record in part.records {
            match record {
                Assessed::Customer(position, customer) => builder.add_assessed(
                    plan.place(index, rows_before, position),
                    renumbering.apply(&customer),
                ),
                Assessed::Rejected(rejection) => builder.add_rejected(Rejection {
                    position: plan.place(index, rows_before, rejection.position),
                    ..rejection
                }),
            }
        }
        rows_before += count;
        mapping.get_or_insert(part.mapping);
    }
    if builder.records_read() == 0 {
        return Err(IngestError::NoRecords { format });
    }
    let source = SourceInfo::Upload {
        file_name: file_name.to_owned(),
        format,
        workers: plan.len(),
        via: None,
    };
    let mapping = match &plan.mapping {
        Some((_, decided)) => decided.clone(),
        None => mapping.unwrap_or_default(),
    };
    Ok(builder.finish(source, mapping))
}

/// [`process_upload_with`] in at most `parts` parts, read one after the
/// other (a front end with threads or workers reads them at once with
/// [`read_part`] and hands them to [`merge`]). The same report, byte for
/// byte, whatever `parts`.
///
/// # Errors
/// As [`process_upload_with`], at the same place.
pub fn process_upload_in_parts<'a>(
    input: &'a [u8],
    file_name: &str,
    settings: &RunSettings,
    options: &ReadOptions,
    parts: usize,
) -> Result<Report<'a>, IngestError> {
    let read = options.clone().for_file(file_name);
    let plan = Plan::new(input, &read, parts);
    process_planned(input, file_name, settings, options, &plan)
}

/// [`process_upload_in_parts`] with the parts read at once, one thread each
/// (a front end with threads: the command line, the benchmark).
///
/// # Errors
/// As [`process_upload_with`], at the same place.
#[cfg(not(target_arch = "wasm32"))]
pub fn process_upload_threads<'a>(
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
                let (plan, read) = (&plan, &read);
                scope.spawn(move || read_part(input, plan, index, settings, read))
            })
            .collect();
        running
            .into_iter()
            .map(|thread| thread.join().unwrap_or(Err(IngestError::Empty)))
            .collect()
    });
    match outputs {
        Ok(outputs) => merge(&plan, outputs, file_name, settings),
        Err(_) => process_upload_with(input, file_name, settings, options),
    }
}

fn process_planned<'a>(
    input: &'a [u8],
    file_name: &str,
    settings: &RunSettings,
    options: &ReadOptions,
    plan: &Plan,
) -> Result<Report<'a>, IngestError> {
    if plan.len() < 2 {
        return process_upload_with(input, file_name, settings, options);
    }
    let read = options.clone().for_file(file_name);
    let outputs: Result<Vec<PartOutput>, IngestError> = (0..plan.len())
        .map(|index| read_part(input, plan, index, settings, &read))
        .collect();
    match outputs {
        Ok(outputs) => merge(plan, outputs, file_name, settings),
        // The first error of the file is found where a one-part run finds it.
        Err(_) => process_upload_with(input, file_name, settings, options),
    }
}

#[cfg(test)]
mod tests;
