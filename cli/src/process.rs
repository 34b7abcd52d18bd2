//! `customer-pipeline process FILE|-`: a JSON, NDJSON or CSV file (or
//! standard input) read in chunks through the same stream as the page's
//! upload ([`UploadStream`]), so memory is bounded by the report, not the
//! file, and the report is the page's, byte for byte, but for
//! `export_timestamp` and `source.via`. With more than one worker
//! (`--workers`, by default this machine's cores) a file is read in parts
//! on as many threads ([`crate::parts`]), as the page does with a worker
//! per core. Standard input (or a pipe), whose size is not known before
//! its end and which cannot be read twice, is cut into parts as it comes,
//! read on as many threads ([`crate::piped`]); one shorter than a part is
//! read in one piece.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::time::Instant;

use chrono::Utc;
use clap::{Arg, ArgMatches, Command};
use customer_pipeline::compare::PreviousReport;
use customer_pipeline::report::{Report, Via};
use customer_pipeline::settings::{ReadForm, RunSettings, SeedAndDate};
use customer_pipeline::stream::{UploadEventKind, UploadStream};
use serde_json::Value;

use crate::args::{form_values, with_settings, PROCESS_SETTINGS};
use crate::interrupt::Interrupt;
use crate::log::Log;
use crate::outcome::{Done, Failure};
use crate::parts::{default_workers, PartsRun};
use crate::piped::{StreamRun, Streamed};
use crate::report_out::Outputs;
use crate::run_defaults;

/// Bytes read at a time.
pub(crate) const CHUNK_BYTES: usize = 1 << 20;

pub(crate) fn command() -> Command {
    let command = Command::new("process")
        .about("Process a JSON, NDJSON or CSV file (or - for standard input) into a report")
        .arg(
            Arg::new("FILE")
                .required(true)
                .help("The file to read, or - for standard input"),
        );
    crate::changes::with_changes(crate::with_outputs(with_settings(
        command,
        PROCESS_SETTINGS,
    )))
}

pub(crate) fn run(matches: &ArgMatches, log: &Log, interrupt: &Interrupt) -> Result<Done, Failure> {
    let path = matches
        .get_one::<String>("FILE")
        .cloned()
        .unwrap_or_default();
    let outputs = crate::outputs(matches);
    let mut values = form_values(matches, PROCESS_SETTINGS, |s| Some(s.name()));
    let (seed, as_of) = run_defaults(&mut values, |s| Some(s.name()));
    let chosen = SeedAndDate::from_text(&seed, &as_of)?;
    // The page names an upload by its file's name; the layout may follow it.
    let file_name = if path == "-" {
        "stdin".to_owned()
    } else {
        Path::new(&path)
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.clone())
    };
    values.insert("file_name".into(), Value::String(file_name.clone()));
    let form: ReadForm = serde_json::from_value(Value::Object(values))
        .map_err(|error| Failure::Internal(error.to_string()))?;
    let options = form.validate()?;
    let workers = form.workers()?.unwrap_or_else(default_workers);
    let settings = RunSettings {
        simulate: form.simulate.unwrap_or(true),
        ..chosen.stamped(Utc::now())
    };
    let earlier = crate::changes::earlier(matches)?;

    // A pipe or a device has no size to plan by: it is cut as it comes.
    let (mut input, size, streamed): (Box<dyn Read>, u64, bool) = if path == "-" {
        (Box::new(io::stdin().lock()), 0, true)
    } else {
        let mut file = File::open(&path).map_err(|error| Failure::Input {
            code: "file_not_readable",
            message: format!("{path}: {error}"),
        })?;
        let metadata = file.metadata().ok();
        let size = metadata.as_ref().map_or(0, |m| m.len());
        let regular = metadata.is_some_and(|m| m.is_file());
        if workers >= 2 && regular {
            let parts = PartsRun {
                path: Path::new(&path),
                file_name: &file_name,
                size,
                settings: &settings,
                options: &options,
                workers,
            };
            if let Some(report) = parts.read(&mut file, log, interrupt)? {
                return deliver(report, &outputs, earlier.as_ref(), interrupt);
            }
            // One piece, from the start.
            file.seek(SeekFrom::Start(0))
                .map_err(|error| Failure::io(&path, &error))?;
        }
        (Box::new(file), size, !regular)
    };
    // What reading in parts read before it found the stream too short.
    let mut first = Vec::new();
    if workers >= 2 && streamed {
        let run = StreamRun {
            path: &path,
            file_name: &file_name,
            settings: &settings,
            options: &options,
            workers,
        };
        match run.read(&mut *input, log, interrupt)? {
            Streamed::Report(report) => {
                return deliver(*report, &outputs, earlier.as_ref(), interrupt)
            }
            Streamed::OnePiece(bytes) => first = bytes,
        }
    }
    log.event(
        &UploadEventKind::UploadStarted {
            file_name: file_name.clone(),
            bytes: size,
            workers: 1,
        }
        .at(Utc::now()),
    );
    let started = Instant::now();
    let mut stream = UploadStream::with_options(&file_name, &settings, &options);
    let mut chunk = vec![0; CHUNK_BYTES];
    let mut bytes = first.len() as u64;
    if !first.is_empty() {
        stream.push(&first).map_err(|error| failed(log, error))?;
    }
    drop(first);
    let mut shown = Instant::now();
    loop {
        interrupt.check()?;
        let read = match input.read(&mut chunk) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            // Nothing read yet (a folder, a device): not a file to read.
            Err(error) if bytes == 0 => {
                return Err(Failure::Input {
                    code: "file_not_readable",
                    message: format!("{path}: {error}"),
                })
            }
            Err(error) => return Err(Failure::io(&path, &error)),
        };
        bytes += read as u64;
        stream
            .push(&chunk[..read])
            .map_err(|error| failed(log, error))?;
        if shown.elapsed().as_millis() >= 200 {
            shown = Instant::now();
            log.progress(&progress(bytes, size, stream.records_read()));
        }
    }
    log.clear_progress();
    let read_ms = millis(started);
    let built = Instant::now();
    let report = stream
        .finish(Utc::now())
        .map_err(|error| failed(log, error))?;
    log.event(
        &UploadEventKind::UploadRead {
            bytes,
            records: report.metadata.records_read,
            read_ms,
        }
        .at(Utc::now()),
    );
    log.event(&UploadEventKind::report_built(&report.metadata, millis(built)).at(Utc::now()));
    deliver(report, &outputs, earlier.as_ref(), interrupt)
}

/// Writes the report (marked as the command line's) and the changes.
fn deliver(
    mut report: Report<'static>,
    outputs: &Outputs,
    earlier: Option<&(PreviousReport, String)>,
    interrupt: &Interrupt,
) -> Result<Done, Failure> {
    report.set_via(Via::Cli);
    interrupt.check()?;
    outputs.write(&report)?;
    if let Some((previous, path)) = earlier {
        crate::changes::write(previous, &report, path)?;
    }
    Ok(Done::of(report.metadata.complete))
}

pub(crate) fn failed(log: &Log, error: customer_pipeline::source::ingest::IngestError) -> Failure {
    log.event(&UploadEventKind::UploadFailed { code: error.code() }.at(Utc::now()));
    Failure::from(error)
}

/// `Read 123.4 MB of 613.7 MB (20%), 600000 records`.
pub(crate) fn progress(bytes: u64, size: u64, records: usize) -> String {
    let mb = |bytes: u64| bytes as f64 / 1_048_576.0;
    if size > 0 {
        format!(
            "Read {:.1} MB of {:.1} MB ({}%), {records} records",
            mb(bytes),
            mb(size),
            bytes.saturating_mul(100) / size
        )
    } else {
        format!("Read {:.1} MB, {records} records", mb(bytes))
    }
}

pub(crate) fn millis(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use customer_pipeline::settings::Setting;

    #[test]
    fn progress_says_how_far_reading_is() {
        assert_eq!(
            progress(3 << 20, 12 << 20, 42),
            "Read 3.0 MB of 12.0 MB (25%), 42 records"
        );
        assert_eq!(progress(1 << 19, 0, 7), "Read 0.5 MB, 7 records");
    }

    #[test]
    fn the_upload_form_reads_what_process_hands_it() {
        let matches = command()
            .try_get_matches_from([
                "process",
                "f.csv",
                "--separator",
                ";",
                "--map",
                "id:Customer ID",
                "--no-simulate",
            ])
            .unwrap();
        let values = form_values(&matches, PROCESS_SETTINGS, |s| Some(s.name()));
        let form: ReadForm = serde_json::from_value(Value::Object(values)).unwrap();
        assert_eq!(form.simulate, Some(false));
        assert_eq!(form.validate().unwrap().separator, Some(b';'));
        let bad = command()
            .try_get_matches_from(["process", "f.csv", "--separator", ":"])
            .unwrap();
        let values = form_values(&bad, PROCESS_SETTINGS, |s| Some(s.name()));
        let form: ReadForm = serde_json::from_value(Value::Object(values)).unwrap();
        assert_eq!(form.validate().unwrap_err().setting, Setting::Separator);
    }
}
