//! `--help` for each command, with the flags the core's settings give.

mod support;

use support::{code, run};

fn help(command: &str) -> String {
    let output = run(&[command, "--help"], b"", &[]);
    assert_eq!(code(&output), Some(0), "{command} --help");
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[test]
fn every_command_has_its_help_with_ranges_defaults_and_exit_codes() {
    let fetch = help("fetch");
    for flag in [
        "--concurrency <N>",
        "--retries <N>",
        "--timeout-ms <N>",
        "--per-page <N>",
        "--max-page-mb <N>",
        "--jitter",
        "--refresh",
        "--keep-hours <N>",
        "--no-simulate",
        "--map <TEXT>",
        "--seed <N>",
        "--as-of <YYYY-MM-DD>",
        "--keep <DIR>",
        "--key-file <PATH>",
        "-o, --output <FILE>",
        "--csv <FILE>",
        "--summary <FILE>",
        "CUSTOMER_API_KEY",
        "Concurrency (1 to 16, default 4)",
        "The timeout (ms) (100 to 120000, default 10000)",
        "Exit codes: 0 complete; 3",
    ] {
        assert!(fetch.contains(flag), "fetch --help lacks {flag}:\n{fetch}");
    }
    assert!(!fetch.contains("--api-key"), "the key is never an argument");
    assert!(!fetch.contains("--separator"), "not an API setting");

    let process = help("process");
    for flag in [
        "<FILE>",
        "--separator <S>",
        "--map <TEXT>",
        "--seed <N>",
        "--no-simulate",
        "--compare <OLD>",
    ] {
        assert!(
            process.contains(flag),
            "process --help lacks {flag}:\n{process}"
        );
    }
    assert!(!process.contains("--concurrency"));

    let compare = help("compare");
    assert!(
        compare.contains("<OLD>") && compare.contains("<NEW>"),
        "{compare}"
    );

    let top = run(&["--help"], b"", &[]);
    assert_eq!(code(&top), Some(0));
    let top = String::from_utf8(top.stdout).unwrap();
    for command in ["process", "fetch", "compare"] {
        assert!(top.contains(command), "{top}");
    }
    // No command is a usage error.
    assert_eq!(code(&run(&[], b"", &[])), Some(2));
}
