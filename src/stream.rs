//! An upload read as it arrives in chunks (the page reads files with
//! `Blob.stream()`): the [`Reader`] hands each record to the report as soon
//! as it is complete, so memory is bounded by the output, not the file.
//! [`crate::pipeline::process_upload`] reads a whole file through the same
//! reader, so both give the same report for the same bytes.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::common::dates::{format_log_time, format_timestamp};
use crate::common::events::{event_kinds, Level, RunEvent};
use crate::common::words::{plural, size};
use crate::pipeline::ReportBuilder;
use crate::report::{Report, SourceInfo};
use crate::settings::RunSettings;
use crate::source::ingest::{IngestError, InputFormat};
use crate::source::reader::{ReadOptions, Reader};

/// An upload in progress.
#[derive(Debug)]
pub struct UploadStream {
    file_name: String,
    reader: Reader,
    builder: ReportBuilder<'static>,
}

impl UploadStream {
    /// A new upload of `file_name`; `settings.export_timestamp` is replaced at the end.
    #[cfg(test)]
    pub(crate) fn new(file_name: &str, settings: &RunSettings) -> Self {
        UploadStream::with_options(file_name, settings, &ReadOptions::default())
    }

    /// A new upload of `file_name` read with a field mapping (and CSV
    /// separator) given; the name's extension says the layout, as for a
    /// whole file ([`crate::pipeline::process_upload_with`]).
    pub fn with_options(file_name: &str, settings: &RunSettings, options: &ReadOptions) -> Self {
        UploadStream {
            file_name: file_name.to_owned(),
            reader: Reader::with_options(&options.clone().for_file(file_name)),
            builder: ReportBuilder::new(settings),
        }
    }

    /// Records read so far.
    pub fn records_read(&self) -> usize {
        self.builder.records_read()
    }

    /// Takes the next chunk of the file.
    ///
    /// # Errors
    /// [`IngestError`] when the file cannot be read; the upload is then unusable.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), IngestError> {
        let builder = &mut self.builder;
        self.reader
            .push(chunk, &mut |item| builder.add_transient(item))
    }

    /// Ends the upload and builds the report, stamped with `export_timestamp`.
    ///
    /// # Errors
    /// [`IngestError`] when the file cannot be read as customer records.
    pub fn finish(
        mut self,
        export_timestamp: DateTime<Utc>,
    ) -> Result<Report<'static>, IngestError> {
        let mut builder = self.builder;
        let format = self
            .reader
            .finish(&mut |item| builder.add_transient(item))?;
        let mut report = builder.finish_upload(self.file_name, format, self.reader.mapping())?;
        report.metadata.export_timestamp = format_timestamp(export_timestamp);
        Ok(report)
    }
}

/// What an upload tells the page's run log.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
// Used by the page (`web`, wasm32 only) and by tests.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub enum UploadEventKind {
    /// Reading started.
    UploadStarted {
        /// The file's name.
        file_name: String,
        /// Its size (0: a stream, whose size is not known before its end).
        bytes: u64,
        /// Workers reading it at once, one part each (1: in one piece; for
        /// a stream, as many parts as it holds, one at a time each).
        workers: usize,
    },
    /// A part could not be read on its own (a cut that was no boundary,
    /// or the file has an error): the file is read again in one piece,
    /// which names any error where a one-piece run does.
    ReadInOnePiece,
    /// The whole file was read and its records processed.
    UploadRead {
        /// Bytes read.
        bytes: u64,
        /// Records read.
        records: usize,
        /// Time from the first chunk to the last, in ms.
        read_ms: u64,
    },
    /// The report was built.
    ReportBuilt {
        /// The layout found.
        format: InputFormat,
        /// Customers in the report.
        customers: usize,
        /// Records removed as duplicates.
        duplicates_removed: usize,
        /// Records rejected.
        rejected_records: usize,
        /// Time to deduplicate, sort and summarise, in ms.
        process_ms: u64,
    },
    /// The upload failed.
    UploadFailed {
        /// What went wrong (an [`IngestError`] code).
        code: &'static str,
    },
}

/// An upload's event.
pub(crate) type UploadEvent = RunEvent<UploadEventKind>;

// Used by the page (`web`, wasm32 only) and by tests.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn seconds(ms: u64) -> String {
    format!("{:.2} s", ms as f64 / 1000.0)
}

// Used by the page (`web`, wasm32 only) and by tests.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn layout(format: InputFormat) -> &'static str {
    format.label()
}

event_kinds!(UploadEventKind {
    UploadStarted => "upload_started", "Reading started";
    UploadRead => "upload_read", "File read";
    ReportBuilt => "report_built", "Report built";
    UploadFailed => "upload_failed", "File not read";
    ReadInOnePiece => "read_in_one_piece", "Read in one piece";
});

impl UploadEventKind {
    /// The event for a report just built from an upload.
    // Used by the page (`web`, wasm32 only) and by tests.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub fn report_built(metadata: &crate::report::Metadata, process_ms: u64) -> Self {
        let format = match &metadata.source {
            SourceInfo::Upload { format, .. } => *format,
            SourceInfo::Api { .. } => InputFormat::PageEnvelope,
        };
        UploadEventKind::ReportBuilt {
            format,
            customers: metadata.total_customers,
            duplicates_removed: metadata.duplicates_removed,
            rejected_records: metadata.rejected_records,
            process_ms,
        }
    }

    /// The event, stamped `at`, with its sentence.
    // Used by the page (`web`, wasm32 only) and by tests.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub fn at(self, at: DateTime<Utc>) -> UploadEvent {
        let (level, message) = match &self {
            UploadEventKind::UploadStarted {
                file_name,
                bytes,
                workers,
            } => (
                Level::Info,
                match workers {
                    0 | 1 => format!("Reading {file_name} ({})", size(*bytes)),
                    // A stream: its size is known at its end, its parts as they come.
                    n if *bytes == 0 => {
                        format!("Reading {file_name} in parts as it comes, on {n} workers")
                    }
                    n => format!(
                        "Reading {file_name} ({}) in {n} parts, one worker each",
                        size(*bytes)
                    ),
                },
            ),
            UploadEventKind::ReadInOnePiece => (
                Level::Info,
                "A part of the file could not be read on its own: reading the file in one piece"
                    .to_owned(),
            ),
            UploadEventKind::UploadRead {
                bytes,
                records,
                read_ms,
            } => (
                Level::Info,
                format!(
                    "Read {} and {} in {}",
                    size(*bytes),
                    plural(*records as u64, "record", "records"),
                    seconds(*read_ms)
                ),
            ),
            UploadEventKind::ReportBuilt {
                format,
                customers,
                duplicates_removed,
                rejected_records,
                process_ms,
            } => (
                if *rejected_records > 0 {
                    Level::Warn
                } else {
                    Level::Info
                },
                format!(
                    "Layout: {}. {}, {} removed, {} rejected; report built in {}",
                    layout(*format),
                    plural(*customers as u64, "customer", "customers"),
                    plural(*duplicates_removed as u64, "duplicate", "duplicates"),
                    plural(*rejected_records as u64, "record", "records"),
                    seconds(*process_ms)
                ),
            ),
            UploadEventKind::UploadFailed { .. } => {
                (Level::Error, "The file could not be read".to_owned())
            }
        };
        RunEvent {
            at: format_log_time(at),
            level,
            kind: self,
            message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::dates::parse_timestamp;
    use crate::pipeline::process_upload;

    fn settings() -> RunSettings {
        RunSettings::from_text("42", "2026-11-24", "2026-11-24T12:00:00Z").unwrap()
    }

    fn whole(input: &[u8]) -> Result<Vec<u8>, IngestError> {
        process_upload(input, "f", &settings()).map(|r| r.to_json())
    }

    fn chunked(input: &[u8], size: usize) -> Result<Vec<u8>, IngestError> {
        let mut stream = UploadStream::new("f", &settings());
        for chunk in input.chunks(size.max(1)) {
            stream.push(chunk)?;
        }
        let at = parse_timestamp("2026-11-24T12:00:00Z").unwrap();
        stream.finish(at).map(|report| report.to_json())
    }

    const NDJSON: &[u8] = b"\xEF\xBB\xBF{\"id\": 1, \"first_name\": \"Ann\"}\r\n\n\
{\"page\": 2, \"data\": [{\"id\": 2}, 7]}\n[1]\n{\"id\": 1, \"first_name\": \"Ann\", \"last_name\": \"Lee\"}\n\
{\"email\": \"x@y.z\"}";

    #[test]
    fn kinds_name_every_event_as_it_serializes() {
        let each = [
            UploadEventKind::UploadStarted {
                file_name: String::new(),
                bytes: 0,
                workers: 1,
            },
            UploadEventKind::UploadRead {
                bytes: 0,
                records: 0,
                read_ms: 0,
            },
            UploadEventKind::ReportBuilt {
                format: InputFormat::Csv,
                customers: 0,
                duplicates_removed: 0,
                rejected_records: 0,
                process_ms: 0,
            },
            UploadEventKind::UploadFailed { code: "utf16" },
            UploadEventKind::ReadInOnePiece,
        ];
        crate::common::testing::assert_kinds_named(
            &each,
            &UploadEventKind::KINDS,
            UploadEventKind::name,
        );
    }

    #[test]
    fn ndjson_in_any_chunking_equals_the_whole_file() {
        let expected = whole(NDJSON).unwrap();
        let text = String::from_utf8_lossy(&expected).into_owned();
        assert!(
            text.contains(r#""position":"line 3, page 2, record 2""#),
            "{text}"
        );
        assert!(
            text.contains(r#""position":"line 6","reason":"id: missing""#),
            "{text}"
        );
        for size in 1..NDJSON.len() + 1 {
            assert_eq!(chunked(NDJSON, size).unwrap(), expected, "chunks of {size}");
        }
    }

    #[test]
    fn ndjson_is_processed_as_it_arrives() {
        let mut stream = UploadStream::new("f", &settings());
        stream.push(b"{\"id\": 1}\n{\"id\": 2}\n{\"id\"").unwrap();
        assert_eq!(
            stream.records_read(),
            2,
            "complete lines are processed at once"
        );
        stream.push(b": 3}\n{").unwrap();
        assert_eq!(stream.records_read(), 3);
    }

    #[test]
    fn other_layouts_read_the_same_in_chunks() {
        let pretty = b"{\n  \"page\": 1,\n  \"data\": [{\"id\": 1}]\n}\n";
        let array = b"[\n{\"id\": 1},\n{\"id\": 2}\n]";
        for input in [&pretty[..], &array[..], b"  [{\"id\": 3}]"] {
            for size in [1, 3, 1000] {
                assert_eq!(chunked(input, size).unwrap(), whole(input).unwrap());
            }
        }
    }

    /// Inputs the `chunked` fuzz target found reading differently in chunks.
    const FUZZ_FINDINGS: &[&[u8]] = &[
        // An invalid byte on the first line: read the same however it is cut.
        b")\t\xe6",
        // A zero byte in the first 4 means UTF-16, even when the chunk
        // before it already held an invalid byte.
        b"\xf6\x00",
        // A number cut inside its exponent (`2021e`) fails to parse for
        // that alone: it waits for the next chunk.
        b"\"a\"2021e30824T12:00\"",
        b"[{\"id\": 2021e1, \"engagement_score\": 1.5E+1}]",
    ];

    #[test]
    fn fuzz_findings_read_the_same_whole_and_in_chunks() {
        for input in FUZZ_FINDINGS {
            let expected = whole(input);
            for size in 1..=input.len() {
                assert_eq!(
                    chunked(input, size),
                    expected,
                    "{input:?} in chunks of {size}"
                );
            }
        }
        // The layout (JSON values or CSV) is decided on the first line,
        // and this one holds an invalid byte before it ends.
        assert_eq!(
            whole(FUZZ_FINDINGS[0]).unwrap_err(),
            IngestError::NotUtf8 { line: 1, column: 3 }
        );
    }

    #[test]
    fn upload_events_carry_their_data_and_a_sentence() {
        let at = parse_timestamp("2026-11-24T12:00:00Z").unwrap();
        let event = UploadEventKind::ReportBuilt {
            format: InputFormat::RecordArray,
            customers: 10,
            duplicates_removed: 1,
            rejected_records: 2,
            process_ms: 1500,
        }
        .at(at);
        assert_eq!(
            serde_json::to_string(&event).unwrap(),
            r#"{"at":"2026-11-24T12:00:00.000Z","level":"warn","kind":"report_built","format":"record_array","customers":10,"duplicates_removed":1,"rejected_records":2,"process_ms":1500,"message":"Layout: a JSON array of records. 10 customers, 1 duplicate removed, 2 records rejected; report built in 1.50 s"}"#
        );
        // A small file says its size in bytes or KB, never "0.0 MB"; one record is one.
        let read = |bytes, records| {
            UploadEventKind::UploadRead {
                bytes,
                records,
                read_ms: 20,
            }
            .at(at)
            .message
        };
        assert_eq!(read(812, 1), "Read 812 bytes and 1 record in 0.02 s");
        assert_eq!(read(421_888, 2), "Read 412 KB and 2 records in 0.02 s");
        assert_eq!(
            read(12_897_485, 1234),
            "Read 12.3 MB and 1,234 records in 0.02 s"
        );
    }

    #[test]
    fn errors_name_the_line_of_the_file() {
        let input = b"{\"id\": 1}\n{\"id\": 2}\n{\"id\": 3,}\n";
        let err = chunked(input, 4).unwrap_err();
        assert_eq!(
            err,
            IngestError::InvalidJson {
                line: 3,
                column: 10,
                message: "key must be a string".into()
            }
        );
        assert_eq!(chunked(b"", 4).unwrap_err(), IngestError::Empty);
        assert_eq!(chunked(b" \n ", 1).unwrap_err(), IngestError::Empty);
        assert!(matches!(
            chunked(b"{\"id\": 1}\n{\"a\": \"\xff\"}\n", 5).unwrap_err(),
            IngestError::NotUtf8 { line: 2, .. }
        ));
    }
}
