//! Running the built `customer-pipeline` binary, and what its report is
//! compared with.
#![allow(dead_code)] // each test file uses part of it

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The binary cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_customer-pipeline");

/// The project's fixtures.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(name)
}

/// Runs the binary with `args`, `stdin` as its input, and neither a key
/// nor a proxy in its environment unless `env` gives one (the mock is on
/// this machine).
pub fn run(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .env_remove("CUSTOMER_API_KEY")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("the binary starts");
    let mut input = child.stdin.take().expect("stdin");
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let output = child.wait_with_output().expect("the binary ends");
    let _ = writer.join();
    output
}

/// [`run`] with nothing on standard input and nothing added to the
/// environment; fails, showing standard error, unless it succeeds.
pub fn run_ok(args: &[&str]) -> Output {
    let output = run(args, b"", &[]);
    assert_eq!(code(&output), Some(0), "{args:?}: {}", stderr(&output));
    output
}

/// Sends `signal` (`-INT`, `-TERM`) to `child` and waits for it, which
/// must end as cancelled: exit 1, `(cancelled)` said. Returns its output.
pub fn cancelled_by(signal: &str, child: std::process::Child) -> Output {
    let killed = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let output = child.wait_with_output().expect("the binary ends");
    assert_eq!(code(&output), Some(1), "{signal}: {}", stderr(&output));
    assert!(
        stderr(&output).contains("(cancelled)"),
        "{signal}: {}",
        stderr(&output)
    );
    output
}

/// The exit code (`None` when killed by a signal).
pub fn code(output: &Output) -> Option<i32> {
    output.status.code()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `report` with its `export_timestamp` set to the epoch and the
/// command line's mark in `source` taken out: what must equal the page's.
pub fn without_time_and_mark(report: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(without_time(report)).expect("UTF-8");
    let mark = ",\n      \"via\": \"cli\"";
    assert_eq!(text.matches(mark).count(), 1, "one mark, in source");
    text.replacen(mark, "", 1).into_bytes()
}

/// The same for a report the page's path made (no mark to take out).
pub fn without_time(report: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(report.to_vec()).expect("UTF-8");
    let key = "\"export_timestamp\": \"";
    let start = text.find(key).expect("an export timestamp") + key.len();
    let end = start + text[start..].find('"').expect("its end");
    format!("{}1970-01-01T00:00:00Z{}", &text[..start], &text[end..]).into_bytes()
}

/// A fresh empty folder for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "customer-pipeline-cli-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// A fresh empty folder for one test, and a report's path in it.
pub fn scratch_report(name: &str) -> (PathBuf, PathBuf) {
    let dir = scratch(name);
    let report = dir.join("report.json");
    (dir, report)
}

/// `bytes` (a report or a changes file) with every `export_timestamp` set
/// to the epoch and every command-line mark (`"via": "cli"` in a pretty
/// `source`, `,"via":"cli"` in a compact one) taken out.
pub fn normalized(bytes: &[u8]) -> String {
    let text = String::from_utf8(bytes.to_vec()).expect("UTF-8");
    let key = "\"export_timestamp\": \"";
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find(key) {
        let start = at + key.len();
        let end = start + rest[start..].find('"').expect("its end");
        out.push_str(&rest[..start]);
        out.push_str("1970-01-01T00:00:00Z");
        rest = &rest[end..];
    }
    out.push_str(rest);
    let out = out.replace(",\"via\":\"cli\"", "");
    let mut lines: Vec<&str> = Vec::new();
    for line in out.split_inclusive('\n') {
        if line.trim() == "\"via\": \"cli\"" {
            if let Some(last) = lines.pop() {
                let trimmed = last.trim_end_matches('\n').trim_end_matches(',');
                lines.push(trimmed);
                lines.push("\n");
            }
            continue;
        }
        lines.push(line);
    }
    lines.concat()
}

/// The project's mock API with `flags` (as `mock-api` takes them), served
/// on a free loopback port from this test process, for one test (its
/// fault counters are its own). Returns its base URL.
pub fn mock_api(flags: &[&str]) -> String {
    let mut args = vec!["--port", "0"];
    args.extend_from_slice(flags);
    let options = match mock_api::config::parse_args(args) {
        Ok(mock_api::config::Command::Run(options)) => *options,
        _ => panic!("mock-api flags {flags:?}"),
    };
    let server = mock_api::server::MockServer::bind(&options).expect("the mock binds");
    let url = server.url();
    std::thread::spawn(move || server.run());
    url
}

/// The JSON lines of a run's `--log json` output.
pub fn events(output: &Output) -> Vec<serde_json::Value> {
    stderr(output)
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}
