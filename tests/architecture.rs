//! The house's rules, checked on the source: every module sits on a floor
//! of the pipeline, and no code (tests aside) imports a module on its own
//! floor or above, but its own part. So the arrows point down, and there
//! is no circle between parts.
//!
//! | floor | parts |
//! | --- | --- |
//! | 0 | `common`, `schema`, `provenance` (shared helpers and plain data) |
//! | 1 | `source`, `fetch` |
//! | 2 | `transform`, `settings` (the run's settings, checked) |
//! | 3 | `report` |
//! | 4 | `compare` |
//! | 5 | `pipeline` (a file or an API's pages to a report) |
//! | 6 | `stream` (an upload in chunks), `split` (a file in parts, merged) |
//! | 7 | `vocabulary` (the page's words, event kinds included) |
//! | 8 | `web` (the page's boundary) |
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const FLOORS: [(&str, u8); 14] = [
    ("common", 0),
    ("schema", 0),
    ("provenance", 0),
    ("source", 1),
    ("fetch", 1),
    ("transform", 2),
    ("settings", 2),
    ("report", 3),
    ("compare", 4),
    ("pipeline", 5),
    ("stream", 6),
    ("split", 6),
    ("vocabulary", 7),
    ("web", 8),
];

fn floor(part: &str) -> Option<u8> {
    FLOORS
        .iter()
        .find(|(name, _)| *name == part)
        .map(|(_, f)| *f)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The part a file belongs to: `src/source/reader.rs` is in `source`.
fn part_of(path: &Path, src: &Path) -> String {
    let relative = path.strip_prefix(src).expect("under src");
    let first = relative.components().next().expect("a component");
    first
        .as_os_str()
        .to_string_lossy()
        .trim_end_matches(".rs")
        .to_owned()
}

/// Whether a file holds tests only: a `tests.rs`, or a file in a `tests`
/// folder (`src/fetch/tests/`).
fn is_test_file(path: &Path, src: &Path) -> bool {
    let relative = path.strip_prefix(src).expect("under src");
    relative.ends_with("tests.rs") || relative.components().any(|c| c.as_os_str() == "tests")
}

/// The code of a file without its test module (`#[cfg(test)] mod tests …`
/// to the end, as this crate writes them) and its comments.
fn code_without_tests(text: &str) -> String {
    let cut = text.find("#[cfg(test)]\nmod tests").unwrap_or(text.len());
    text[..cut]
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `crate::part` a file's code names.
fn parts_named(code: &str) -> BTreeSet<String> {
    let mut parts = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let name: String = rest[at + 7..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        parts.insert(name);
        rest = &rest[at + 7..];
    }
    parts
}

#[test]
fn arrows_point_down_the_pipeline() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut back_arrows = Vec::new();
    for path in &files {
        let part = part_of(path, &src);
        if part == "lib" || is_test_file(path, &src) {
            continue;
        }
        let own = floor(&part).unwrap_or_else(|| panic!("{part} has no floor in FLOORS"));
        let code = code_without_tests(&std::fs::read_to_string(path).expect("readable"));
        for named in parts_named(&code) {
            if named == part {
                continue;
            }
            let theirs = floor(&named).unwrap_or_else(|| panic!("{named} has no floor"));
            if theirs >= own {
                back_arrows.push(format!(
                    "{} (floor {own}) uses crate::{named} (floor {theirs})",
                    path.strip_prefix(&src).expect("under src").display()
                ));
            }
        }
    }
    assert!(
        back_arrows.is_empty(),
        "arrows that do not point down:\n{}",
        back_arrows.join("\n")
    );
}

#[test]
fn at_most_eight_files_sit_directly_in_src() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let top: Vec<String> = std::fs::read_dir(&src)
        .expect("src is readable")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let name = path.file_name()?.to_string_lossy().into_owned();
            (path.is_file() && name.ends_with(".rs")).then_some(name)
        })
        .collect();
    assert!(top.len() <= 8, "{top:?}");
}
