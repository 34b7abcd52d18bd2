//! `gen-customers COUNT FILE [--ndjson] [--seed N]`: writes benchmark input.

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
        eprintln!("usage: gen-customers COUNT FILE [--ndjson] [--seed N]");
        return ExitCode::from(2);
    };
    let layout = if args.iter().any(|a| a == "--ndjson") {
        Layout::Ndjson
    } else {
        Layout::JsonArray
    };
    match std::fs::write(path, generate(count, seed, layout)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cannot write {path}: {error}");
            ExitCode::FAILURE
        }
    }
}
