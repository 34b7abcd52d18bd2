//! Reading an upload as it arrives in chunks (the page reads files with
//! `Blob.stream()`).
//!
//! NDJSON is processed line by line as the chunks come, so memory is bounded
//! by the output, not by the file. Any other layout (a JSON array, a
//! pretty-printed envelope) is gathered and read whole at the end. Which one
//! is decided from the first non-blank line: an object that is complete on
//! its line means NDJSON.

use chrono::{DateTime, Utc};

use crate::dates::format_timestamp;
use crate::ingest::{ingest_line, IngestError, InputFormat};
use crate::pipeline::{process_upload, ReportBuilder, RunSettings};
use crate::report::{Report, SourceInfo};

const BOM: &[u8] = b"\xEF\xBB\xBF";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// No complete first line seen yet.
    Undecided,
    /// One JSON value per line: processed as lines complete.
    Ndjson,
    /// Anything else: gathered, read whole by [`UploadStream::finish`].
    Whole,
}

/// An upload in progress.
#[derive(Debug)]
pub struct UploadStream {
    settings: RunSettings,
    mode: Mode,
    /// Undecided or NDJSON: the bytes not yet processed; whole: everything.
    pending: Vec<u8>,
    /// The 1-based number of the first line in `pending` (NDJSON).
    line: usize,
    /// The expected file size, so a file read whole is stored without regrowing.
    size_hint: usize,
    builder: ReportBuilder<'static>,
}

impl UploadStream {
    /// A new upload; `settings.export_timestamp` is replaced at the end.
    pub fn new(settings: &RunSettings) -> Self {
        UploadStream {
            settings: *settings,
            mode: Mode::Undecided,
            pending: Vec::new(),
            line: 1,
            size_hint: 0,
            builder: ReportBuilder::new(settings),
        }
    }

    /// Tells the stream the file's size (e.g. `File.size`): a file read
    /// whole then takes one allocation instead of a doubling buffer, which
    /// would briefly need up to twice the memory.
    pub fn expect_size(&mut self, bytes: usize) {
        self.size_hint = bytes;
    }

    /// Records processed so far (NDJSON only; 0 until the end otherwise).
    pub fn records_read(&self) -> usize {
        self.builder.records_read()
    }

    /// Takes the next chunk of the file.
    ///
    /// # Errors
    /// [`IngestError`] for an NDJSON line that cannot be read; the upload is
    /// then unusable.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), IngestError> {
        self.pending.extend_from_slice(chunk);
        if self.mode == Mode::Undecided {
            self.mode = self.decide();
            if self.mode == Mode::Whole {
                let missing = self.size_hint.saturating_sub(self.pending.len());
                self.pending.reserve_exact(missing);
            }
        }
        if self.mode == Mode::Ndjson {
            self.process_lines(false)?;
        }
        Ok(())
    }

    /// Decides the layout from the first non-blank line, once it is complete.
    fn decide(&self) -> Mode {
        let text = self.pending.strip_prefix(BOM).unwrap_or(&self.pending);
        let Some(first) = text.iter().position(|b| !b.is_ascii_whitespace()) else {
            return Mode::Undecided;
        };
        if text[first] != b'{' {
            return Mode::Whole;
        }
        match text[first..].iter().position(|&b| b == b'\n') {
            None => Mode::Undecided,
            Some(end) => {
                let line = &text[first..first + end];
                if serde_json::from_slice::<serde::de::IgnoredAny>(line).is_ok() {
                    Mode::Ndjson
                } else {
                    Mode::Whole
                }
            }
        }
    }

    /// Processes every complete line (and, at the end, the last one).
    fn process_lines(&mut self, at_end: bool) -> Result<(), IngestError> {
        let mut start = 0;
        let builder = &mut self.builder;
        while start < self.pending.len() {
            let newline = self.pending[start..].iter().position(|&b| b == b'\n');
            let end = match newline {
                Some(offset) => start + offset,
                None if at_end => self.pending.len(),
                None => break,
            };
            let mut line = &self.pending[start..end];
            if self.line == 1 {
                line = line.strip_prefix(BOM).unwrap_or(line);
            }
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            ingest_line(line, self.line, &mut |item| builder.add_transient(item))?;
            self.line += 1;
            start = end + 1;
        }
        self.pending.drain(..start.min(self.pending.len()));
        Ok(())
    }

    /// Ends the upload and hands the report to `then` (it may borrow the
    /// gathered input, so it cannot be returned).
    ///
    /// # Errors
    /// [`IngestError`] when the file cannot be read as customer records.
    pub fn finish<T>(
        mut self,
        file_name: &str,
        export_timestamp: DateTime<Utc>,
        then: impl FnOnce(Report<'_>) -> T,
    ) -> Result<T, IngestError> {
        if self.mode == Mode::Ndjson {
            self.process_lines(true)?;
            let mut report = self.builder.finish(SourceInfo::Upload {
                file_name: file_name.to_owned(),
                format: InputFormat::Ndjson,
            });
            report.metadata.export_timestamp = format_timestamp(export_timestamp);
            return Ok(then(report));
        }
        let settings = RunSettings {
            export_timestamp,
            ..self.settings
        };
        let input = std::mem::take(&mut self.pending);
        Ok(then(process_upload(&input, file_name, &settings)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::parse_timestamp;

    fn settings() -> RunSettings {
        RunSettings::from_text("42", "2026-11-24", "2026-11-24T12:00:00Z").unwrap()
    }

    fn whole(input: &[u8]) -> Result<Vec<u8>, IngestError> {
        process_upload(input, "f", &settings()).map(|r| r.to_json())
    }

    fn chunked(input: &[u8], size: usize) -> Result<Vec<u8>, IngestError> {
        let mut stream = UploadStream::new(&settings());
        for chunk in input.chunks(size.max(1)) {
            stream.push(chunk)?;
        }
        let at = parse_timestamp("2026-11-24T12:00:00Z").unwrap();
        stream.finish("f", at, |report| report.to_json())
    }

    const NDJSON: &[u8] = b"\xEF\xBB\xBF{\"id\": 1, \"first_name\": \"Ann\"}\r\n\n\
{\"page\": 2, \"data\": [{\"id\": 2}, 7]}\n[1]\n{\"id\": 1, \"first_name\": \"Ann\", \"last_name\": \"Lee\"}\n\
{\"email\": \"x@y.z\"}";

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
        let mut stream = UploadStream::new(&settings());
        stream.push(b"{\"id\": 1}\n{\"id\": 2}\n{\"id\"").unwrap();
        assert_eq!(stream.records_read(), 2);
        assert!(stream.pending.len() < 8, "finished lines are dropped");
    }

    #[test]
    fn other_layouts_are_read_whole() {
        let pretty = b"{\n  \"page\": 1,\n  \"data\": [{\"id\": 1}]\n}\n";
        let array = b"[\n{\"id\": 1},\n{\"id\": 2}\n]";
        for input in [&pretty[..], &array[..], b"  [{\"id\": 3}]"] {
            for size in [1, 3, 1000] {
                assert_eq!(chunked(input, size).unwrap(), whole(input).unwrap());
            }
        }
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
