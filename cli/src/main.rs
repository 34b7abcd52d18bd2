//! `customer-pipeline`: the pipeline from the command line, for APIs that
//! forbid browsers, for schedules and for files bigger than a tab. A thin
//! native front end on the same core as the page: the core checks the
//! settings, reads, transforms and writes; this crate reads arguments and
//! files, supplies the platform (network, timers, clock, a page store on
//! disk) and says how the run ended in its exit code:
//!
//! - `0`: the report is complete;
//! - `3`: the report was written but is incomplete (`complete: false`);
//! - `2`: bad input or settings (nothing written);
//! - `1`: any other failure.

mod args;
mod changes;
mod disk_store;
mod fetch;
mod interrupt;
mod log;
mod native;
mod outcome;
mod parts;
mod piped;
mod process;
mod report_out;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Arg, ArgAction, ArgMatches, Command};
use customer_pipeline::settings::{Setting, MAX_SEED};
use serde_json::{Map, Value};

use log::{Log, LogFormat};
use report_out::Outputs;

const EXIT_CODES: &str = "Exit codes: 0 complete; 3 report written but incomplete (complete: \
                          false); 2 bad input or settings (nothing written); 1 any other failure.";

fn command() -> Command {
    Command::new("customer-pipeline")
        .version(env!("CARGO_PKG_VERSION"))
        .about(
            "Clean, enrich, quality-score and export customer records: from a file, from a \
             paginated API, and the changes between two reports.",
        )
        .after_help(EXIT_CODES)
        .subcommand_required(true)
        .arg_required_else_help(true)
        .arg(
            Arg::new("quiet")
                .short('q')
                .long("quiet")
                .global(true)
                .action(ArgAction::SetTrue)
                .help("Say nothing on standard error but why a run failed"),
        )
        .arg(
            Arg::new("log")
                .long("log")
                .global(true)
                .value_name("FORMAT")
                .value_parser(["text", "json"])
                .default_value("text")
                .help("Log lines as text, or the run's events as JSON lines (their kinds as the page gets them)"),
        )
        .subcommand(process::command().after_help(EXIT_CODES))
        .subcommand(fetch::command().after_help(EXIT_CODES))
        .subcommand(changes::command().after_help(EXIT_CODES))
}

/// Adds `-o`, `--csv` and `--summary`.
pub(crate) fn with_outputs(command: Command) -> Command {
    command
        .arg(
            Arg::new("output")
                .short('o')
                .long("output")
                .value_name("FILE")
                .help("Write the report here (default: standard output)"),
        )
        .arg(
            Arg::new("csv")
                .long("csv")
                .value_name("FILE")
                .help("Also write the customers as CSV here"),
        )
        .arg(
            Arg::new("summary")
                .long("summary")
                .value_name("FILE")
                .help("Also write the report's metadata alone here"),
        )
}

pub(crate) fn outputs(matches: &ArgMatches) -> Outputs {
    let path = |id: &str| matches.get_one::<String>(id).map(PathBuf::from);
    Outputs {
        report: path("output"),
        csv: path("csv"),
        summary: path("summary"),
    }
}

/// The seed and reference date as typed (under `key`), or, as on the
/// page, a random seed and today (UTC); both are written in the report.
pub(crate) fn run_defaults(
    values: &mut Map<String, Value>,
    key: impl Fn(Setting) -> Option<&'static str>,
) -> (String, String) {
    let mut text = |setting: Setting, default: &dyn Fn() -> String| match key(setting)
        .and_then(|key| values.remove(key))
    {
        Some(Value::String(text)) => text,
        _ => default(),
    };
    let seed = text(Setting::Seed, &|| {
        getrandom::u64()
            .map_or(0, |value| value & MAX_SEED)
            .to_string()
    });
    let as_of = text(Setting::AsOf, &|| {
        chrono::Utc::now().date_naive().to_string()
    });
    (seed, as_of)
}

fn main() -> ExitCode {
    let matches = command().get_matches();
    let log = Log::new(
        match matches.get_one::<String>("log").map(String::as_str) {
            Some("json") => LogFormat::Json,
            _ => LogFormat::Text,
        },
        matches.get_flag("quiet"),
    );
    let interrupt = interrupt::Interrupt::catch();
    let outcome = match matches.subcommand() {
        Some(("process", sub)) => process::run(sub, &log, &interrupt),
        Some(("fetch", sub)) => fetch::run(sub, &log, &interrupt),
        Some(("compare", sub)) => changes::run(sub, &log),
        _ => Err(outcome::Failure::Internal("no such command".into())),
    };
    match outcome {
        Ok(done) => done.exit_code(),
        Err(failure) => {
            log.failure(&failure);
            failure.exit_code()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        command().debug_assert();
    }
}
