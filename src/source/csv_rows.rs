//! CSV input (RFC 4180) read with `csv-core`: quoted fields, `""` escapes,
//! separators and line breaks inside quotes, CRLF or LF. The header row
//! (row 1) names the columns, which decide the field mapping; every later
//! row becomes a record positioned as `row N`. `csv-core` keeps its state
//! between calls, so a file cut into chunks anywhere reads the same.

use csv_core::{ReadRecordResult, Reader as CsvReader, ReaderBuilder};

use crate::common::field::RawField;
use crate::source::ingest::{IngestError, Position, SourceItem};
use crate::source::mapping::{Field, FieldSet, Mapping};
use crate::source::record::{Mapper, SourceRecord};

/// The separators a header is sniffed for, in order of preference on a
/// tie, and the ones a user may choose, with how people read them.
pub(crate) const SEPARATORS: [(u8, &str); 4] = [
    (b',', "Comma"),
    (b';', "Semicolon"),
    (b'\t', "Tab"),
    (b'|', "Pipe"),
];

/// The separator of a header line: the candidate found most often outside
/// quotes (`,` on a tie or when none is found).
pub(crate) fn sniff_separator(header: &str) -> u8 {
    let mut counts = [0usize; SEPARATORS.len()];
    let mut quoted = false;
    for byte in header.bytes() {
        match byte {
            b'"' => quoted = !quoted,
            _ if quoted => {}
            _ => {
                if let Some(at) = SEPARATORS.iter().position(|&(s, _)| s == byte) {
                    counts[at] += 1;
                }
            }
        }
    }
    let best = (0..SEPARATORS.len())
        .max_by_key(|&at| (counts[at], std::cmp::Reverse(at)))
        .unwrap_or(0);
    SEPARATORS[best].0
}

/// Whether a byte of CSV text is inside a quoted cell, byte by byte: a
/// quote opens a quoted cell only at the start of a cell (as `csv-core`
/// reads it), and `""` inside one is an escaped quote.
#[derive(Debug, Clone, Copy)]
pub(crate) struct QuoteTracker {
    separator: u8,
    field_start: bool,
    quoted: bool,
}

impl QuoteTracker {
    /// At the start of a cell, outside quotes.
    pub(crate) fn new(separator: u8) -> Self {
        QuoteTracker {
            separator,
            field_start: true,
            quoted: false,
        }
    }

    /// Somewhere in a file: inside a quoted cell when `quoted`, or at the
    /// start of a cell (a guess, for reading from the middle of a file).
    pub(crate) fn inside(separator: u8, quoted: bool) -> Self {
        QuoteTracker {
            separator,
            field_start: !quoted,
            quoted,
        }
    }

    /// Takes the byte at `at` of `bytes`; returns how many bytes it took
    /// (2 for an escaped quote).
    pub(crate) fn step(&mut self, bytes: &[u8], at: usize) -> usize {
        let byte = bytes[at];
        let mut taken = 1;
        if self.quoted {
            if byte == b'"' {
                if bytes.get(at + 1) == Some(&b'"') {
                    taken = 2;
                } else {
                    self.quoted = false;
                }
            }
        } else if self.field_start && byte == b'"' {
            self.quoted = true;
        }
        self.field_start =
            !self.quoted && (byte == self.separator || byte == b'\n' || byte == b'\r');
        taken
    }

    /// Whether the last byte taken left a quoted cell open.
    pub(crate) fn quoted(&self) -> bool {
        self.quoted
    }
}

/// Whether a record's text ends inside a quoted field (only possible for
/// the last record of a file: `csv-core` otherwise reads on).
fn ends_in_open_quote(raw: &str, separator: u8) -> bool {
    let bytes = raw.as_bytes();
    let mut quotes = QuoteTracker::new(separator);
    let mut at = 0;
    while at < bytes.len() {
        at += quotes.step(bytes, at);
    }
    quotes.quoted()
}

/// A CSV file being read.
#[derive(Debug)]
pub(crate) struct CsvRows {
    reader: CsvReader,
    separator: u8,
    /// The current record's cells, unescaped, one after another…
    out: Vec<u8>,
    out_len: usize,
    /// …and where each ends.
    ends: Vec<usize>,
    ends_len: usize,
    /// The current record's text as it was in the file (bytes: a piece
    /// may end inside a character when the cell buffer fills).
    raw: Vec<u8>,
    /// Records completed (the header is 1).
    rows: usize,
    /// The header's column names, once read.
    columns: Option<Vec<String>>,
    /// The contract field each column feeds, if any.
    fields: Vec<Option<Field>>,
    mapped: FieldSet,
    finished: bool,
    /// Refuse a header with no column for the customer id.
    require_id: bool,
    /// When the content chose CSV: where JSON failed (line, column, text).
    not_json: Option<(usize, usize, String)>,
    /// The most bytes one row may have.
    max_row_bytes: usize,
}

impl CsvRows {
    pub(crate) fn new(
        separator: u8,
        require_id: bool,
        not_json: Option<(usize, usize, String)>,
        max_row_bytes: usize,
    ) -> Self {
        CsvRows {
            reader: ReaderBuilder::new().delimiter(separator).build(),
            separator,
            out: vec![0; 4096],
            out_len: 0,
            ends: vec![0; 64],
            ends_len: 0,
            raw: Vec::new(),
            rows: 0,
            columns: None,
            fields: Vec::new(),
            mapped: FieldSet::ALL,
            finished: false,
            require_id,
            not_json,
            max_row_bytes,
        }
    }

    /// Counts rows on from a part's start ([`super::reader::Resume`]):
    /// `rows` rows, the header included, come before the part's first, and
    /// the header, read again first, is the last of them.
    pub(crate) fn resume_rows(&mut self, rows: usize) {
        self.rows = rows.saturating_sub(1);
    }

    /// The separator in use.
    // Used by the page (`web`, wasm32 only) and by tests.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn separator(&self) -> u8 {
        self.separator
    }

    /// Reads `text` (all of it); `at_end`: nothing follows. Complete rows
    /// go to `sink`; the header decides the mapping.
    pub(crate) fn feed(
        &mut self,
        text: &str,
        at_end: bool,
        mapper: &mut Mapper,
        sink: &mut dyn FnMut(&SourceItem<'_>),
    ) -> Result<(), IngestError> {
        let mut input = text.as_bytes();
        loop {
            if self.finished {
                return Ok(());
            }
            if input.is_empty() && !at_end {
                return Ok(());
            }
            let (result, read, written, ended) = self.reader.read_record(
                input,
                &mut self.out[self.out_len..],
                &mut self.ends[self.ends_len..],
            );
            self.raw.extend_from_slice(&input[..read]);
            input = &input[read..];
            if self.raw.len() > self.max_row_bytes {
                return Err(IngestError::RowTooLarge {
                    row: self.rows + 1,
                    limit: self.max_row_bytes,
                });
            }
            self.out_len += written;
            self.ends_len += ended;
            match result {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    let grown = self.out.len() * 2;
                    self.out.resize(grown, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let grown = self.ends.len() * 2;
                    self.ends.resize(grown, 0);
                }
                ReadRecordResult::Record => {
                    self.rows += 1;
                    let raw = std::str::from_utf8(&self.raw).unwrap_or_default();
                    if at_end && input.is_empty() && ends_in_open_quote(raw, self.separator) {
                        return Err(IngestError::UnterminatedQuote { row: self.rows });
                    }
                    self.record(mapper, sink)?;
                    self.out_len = 0;
                    self.ends_len = 0;
                    self.raw.clear();
                }
                ReadRecordResult::End => {
                    self.finished = true;
                    return Ok(());
                }
            }
        }
    }

    /// The current record's cells.
    fn cells(&self) -> impl Iterator<Item = &str> {
        let mut start = 0;
        self.ends[..self.ends_len].iter().map(move |&end| {
            // Cells come from UTF-8 text, less the ASCII quotes around and
            // inside them, so they are UTF-8.
            let cell = std::str::from_utf8(&self.out[start..end]).unwrap_or_default();
            start = end;
            cell
        })
    }

    fn record(
        &mut self,
        mapper: &mut Mapper,
        sink: &mut dyn FnMut(&SourceItem<'_>),
    ) -> Result<(), IngestError> {
        let Some(columns) = &self.columns else {
            let columns: Vec<String> = self.cells().map(|cell| cell.trim().to_owned()).collect();
            let mapping = Mapping::propose(&columns, mapper.spec(), true);
            if self.require_id && mapping.source(Field::Id).is_none() {
                // Every record would be rejected: refused before any is read.
                return Err(IngestError::NoIdColumn {
                    columns,
                    not_json: self.not_json.take(),
                });
            }
            self.fields = mapping.by_column(&columns);
            self.mapped = mapping.mapped();
            mapper.resolve(mapping);
            self.columns = Some(columns);
            return Ok(());
        };
        let position = Position {
            row: Some(self.rows),
            ..Position::default()
        };
        // A whole record of UTF-8 text is UTF-8.
        let raw = std::str::from_utf8(&self.raw).unwrap_or_default();
        let raw = raw.trim_matches(['\r', '\n']);
        let count = self.ends_len;
        if count > columns.len() {
            let last = columns.last().map_or("", String::as_str);
            sink(&SourceItem {
                position,
                raw,
                parsed: Err(format!(
                    "row has {count} cells, the header has {} (cells after column '{last}')",
                    columns.len()
                )),
            });
            return Ok(());
        }
        let mut record = SourceRecord::default();
        record.mapped = self.mapped;
        for (cell, field) in self.cells().zip(&self.fields) {
            let (Some(field), text) = (field, cell.trim()) else {
                continue;
            };
            // An empty cell is a missing value.
            if !text.is_empty() && record.raw(*field).is_none() {
                record.set(
                    *field,
                    RawField::cell(text, *field == Field::EngagementScore),
                );
            }
        }
        sink(&SourceItem {
            position,
            raw,
            parsed: Ok(record),
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_are_sniffed_from_the_header_outside_quotes() {
        assert_eq!(sniff_separator("Customer ID,First Name,Email"), b',');
        assert_eq!(sniff_separator("Record ID;First Name;Email"), b';');
        assert_eq!(sniff_separator("id\tname\temail"), b'\t');
        assert_eq!(sniff_separator("id|name|email"), b'|');
        assert_eq!(sniff_separator("\"a;b;c\",d,e"), b',');
        assert_eq!(sniff_separator("single"), b',');
        assert_eq!(sniff_separator("a,b;c"), b',', "a tie prefers the comma");
    }

    #[test]
    fn open_quotes_are_found() {
        assert!(!ends_in_open_quote("a,\"b\"\"c\",d\n", b','));
        assert!(ends_in_open_quote("a,\"b\nc,d\n", b','));
        assert!(
            !ends_in_open_quote("a,b\"c,d", b','),
            "a quote inside a field is text"
        );
        assert!(ends_in_open_quote("\"", b','));
        assert!(!ends_in_open_quote("a;\"x;y\"", b';'));
    }
}
