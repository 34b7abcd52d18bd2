//! The changes since an earlier report, as the page writes them (the
//! core's `compare` and its changes file): `compare OLD NEW` for two
//! report files, `--compare OLD --changes FILE` beside a run. Reports are
//! read in chunks, as the page reads them.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use clap::{Arg, ArgMatches, Command};
use customer_pipeline::compare::{compare, compare_reports, PreviousReport, ReportReader};
use customer_pipeline::report::Report;

use crate::log::Log;
use crate::outcome::{Done, Failure};
use crate::report_out::write_file;

pub(crate) fn command() -> Command {
    Command::new("compare")
        .about("Write the changes between two reports (the page's changes file)")
        .arg(Arg::new("OLD").required(true).help("The earlier report"))
        .arg(Arg::new("NEW").required(true).help("The later report"))
        .arg(
            Arg::new("output")
                .short('o')
                .long("output")
                .value_name("FILE")
                .help("Write the changes here (default: standard output)"),
        )
}

/// `compare OLD NEW`: exit 0, or 3 when either report is partial (the
/// changes then hold customers only missed; their notes say which side).
pub(crate) fn run(matches: &ArgMatches, _log: &Log) -> Result<Done, Failure> {
    let path = |id: &str| matches.get_one::<String>(id).cloned().unwrap_or_default();
    let previous = read_previous(Path::new(&path("OLD")))?;
    let current = read_previous(Path::new(&path("NEW")))?;
    let changes = compare_reports(&previous, &current);
    let write = |out: &mut dyn std::io::Write| {
        let mut result = Ok(());
        changes.write_json_chunks(&previous, &current, 1 << 20, &mut |part| {
            if result.is_ok() {
                result = out.write_all(part);
            }
        });
        result
    };
    match matches.get_one::<String>("output") {
        Some(file) => write_file(Path::new(file), write)?,
        None => {
            let mut out = io::BufWriter::new(io::stdout().lock());
            write(&mut out)
                .and_then(|()| std::io::Write::flush(&mut out))
                .map_err(|error| Failure::io("standard output", &error))?;
        }
    }
    Ok(Done::of(
        changes.previous.complete && changes.current.complete,
    ))
}

/// Adds `--compare` and `--changes`.
pub(crate) fn with_changes(command: Command) -> Command {
    command
        .arg(
            Arg::new("compare")
                .long("compare")
                .value_name("OLD")
                .requires("changes")
                .help("An earlier report to compare this run's with"),
        )
        .arg(
            Arg::new("changes")
                .long("changes")
                .value_name("FILE")
                .requires("compare")
                .help("Write the changes since the earlier report here"),
        )
}

/// The earlier report and where its changes go, when asked for; read
/// before the run, so a file that is not a report stops it (exit 2).
///
/// # Errors
/// [`Failure::Input`] with the reader's code (`not_a_report`, …), or a
/// file that cannot be opened.
pub(crate) fn earlier(matches: &ArgMatches) -> Result<Option<(PreviousReport, String)>, Failure> {
    let (Some(old), Some(changes)) = (
        matches.get_one::<String>("compare"),
        matches.get_one::<String>("changes"),
    ) else {
        return Ok(None);
    };
    Ok(Some((read_previous(Path::new(old))?, changes.clone())))
}

fn read_previous(path: &Path) -> Result<PreviousReport, Failure> {
    let name = path.display().to_string();
    let mut file = File::open(path).map_err(|error| Failure::Input {
        code: "file_not_readable",
        message: format!("{name}: {error}"),
    })?;
    let mut reader = ReportReader::new();
    let mut chunk = vec![0; 1 << 20];
    let not_a_report = |error: customer_pipeline::compare::ReadError| Failure::Input {
        code: error.code(),
        message: format!("{name}: {error}"),
    };
    loop {
        let read = match file.read(&mut chunk) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(Failure::io(&name, &error)),
        };
        reader.push(&chunk[..read]).map_err(not_a_report)?;
    }
    reader.finish().map_err(not_a_report)
}

/// Writes the changes between `previous` and `report` to `path`.
///
/// # Errors
/// [`Failure::Io`] when the file cannot be written.
pub(crate) fn write(
    previous: &PreviousReport,
    report: &Report<'_>,
    path: &str,
) -> Result<(), Failure> {
    let changes = compare(previous, report);
    write_file(Path::new(path), |out| {
        let mut result = Ok(());
        changes.write_json_chunks(previous, &report.customers, 1 << 20, &mut |part| {
            if result.is_ok() {
                result = out.write_all(part);
            }
        });
        result
    })
}
