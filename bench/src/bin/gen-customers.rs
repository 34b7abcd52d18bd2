//! `gen-customers COUNT FILE [--ndjson | --csv | --omit-empty] [--seed N]`:
//! writes benchmark input, the same records in each layout: a JSON array
//! (default), NDJSON, CSV with a header row, or the JSON array without the
//! null and empty values an empty CSV cell stands for (`--omit-empty`, what
//! the CSV's report is checked against).

use std::process::ExitCode;

use customer_bench::{generate, Layout};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let positional: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let seed = args
        .iter()
        .position(|a| a == "--seed")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let (Some(count), Some(path)) = (
        positional.first().and_then(|c| c.parse().ok()),
        positional.get(1),
    ) else {
        eprintln!("usage: gen-customers COUNT FILE [--ndjson | --csv | --omit-empty] [--seed N]");
        return ExitCode::from(2);
    };
    let flag = |name: &str| args.iter().any(|a| a == name);
    let layout = match (flag("--ndjson"), flag("--csv"), flag("--omit-empty")) {
        (false, false, false) => Layout::JsonArray,
        (true, false, false) => Layout::Ndjson,
        (false, true, false) => Layout::Csv,
        (false, false, true) => Layout::JsonArrayOmitEmpty,
        _ => {
            eprintln!("gen-customers: choose one of --ndjson, --csv, --omit-empty");
            return ExitCode::from(2);
        }
    };
    match std::fs::write(path, generate(count, seed, layout)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cannot write {path}: {error}");
            ExitCode::FAILURE
        }
    }
}
