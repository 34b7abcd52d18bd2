//! `--compare OLD --changes FILE`: the changes since an earlier report,
//! as the page writes them (the core's `compare` and its changes file).
//! The earlier report is read in chunks, as the page reads it.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use clap::{Arg, ArgMatches, Command};
use customer_pipeline::compare::{compare, PreviousReport, ReportReader};
use customer_pipeline::report::Report;

use crate::outcome::Failure;
use crate::report_out::write_file;

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
