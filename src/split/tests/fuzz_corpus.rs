//! The fuzz corpus cut at random: every file the fuzzers start from
//! (`fuzz/seeds/`, and the fixtures the corpus is seeded with, see
//! `fuzz/README.md`) is read whole and cut into parts at random places,
//! and the report must be the same bytes (but for `metadata.source.workers`)
//! or the same error at the same place. The corpus the fuzzers grow is not
//! kept (`fuzz/corpus/` is git-ignored): its seeds and the inputs of past
//! findings are, and this test reads the folder, so a seed added there is
//! cut here too.

use super::*;
use crate::source::fuzzing::chunked_input;

/// One way to read a corpus file.
struct Case {
    what: String,
    bytes: Vec<u8>,
    name: String,
    options: ReadOptions,
    /// Cut points the file brings (a `chunked` input's own).
    own_cuts: Vec<usize>,
    /// Also cut at every byte (once per file and way of decoding it).
    every_byte: bool,
}

/// Every corpus file, each read as the fuzz targets read it (named
/// `fuzz.json`), under a name that says nothing and under its own, and a
/// `chunked` input also as that target decodes it (its read options and
/// its own cuts).
fn corpus() -> Vec<Case> {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut paths: Vec<std::path::PathBuf> = Vec::new();
    for dir in ["fuzz/seeds", "tests/fixtures"] {
        for entry in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                paths.push(path);
            }
        }
    }
    paths.sort();
    let mut cases = Vec::new();
    for path in paths {
        let bytes = std::fs::read(&path).unwrap();
        let file_name = path.file_name().unwrap().to_string_lossy().into_owned();
        // As the fuzz targets name it, as a name that says nothing (the
        // content decides the layout), and under its own.
        for name in ["fuzz.json", "fuzz", file_name.as_str()] {
            cases.push(Case {
                what: format!("{file_name} as {name}"),
                bytes: bytes.clone(),
                name: name.to_owned(),
                options: ReadOptions::default(),
                own_cuts: Vec::new(),
                every_byte: name == "fuzz",
            });
        }
        let Some((options, cuts, file)) = file_name
            .ends_with(".bin")
            .then(|| chunked_input(&bytes))
            .flatten()
        else {
            continue;
        };
        for name in ["fuzz.json", "fuzz"] {
            cases.push(Case {
                what: format!("{file_name} as the chunked target reads it, as {name}"),
                bytes: file.to_vec(),
                name: name.to_owned(),
                options: options.clone(),
                own_cuts: cuts.clone(),
                every_byte: name == "fuzz",
            });
        }
    }
    cases
}

#[test]
fn the_fuzz_corpus_is_the_same_report_cut_at_random() {
    let cases = corpus();
    let seeds = cases
        .iter()
        .filter(|c| c.what.contains(".bin as the chunked"))
        .count();
    assert!(
        cases.len() > 30 && seeds >= 5,
        "the seeds and fixtures are found: {} cases, {seeds} chunked inputs",
        cases.len()
    );
    let mut rng = SplitMix64::new(2222);
    let (mut merged, mut failed, mut runs, mut cases_merged) = (0usize, 0usize, 0usize, 0usize);
    for case in &cases {
        let before = merged;
        let input = case.bytes.as_slice();
        let mut cut_sets: Vec<Vec<usize>> = Vec::new();
        if !case.own_cuts.is_empty() {
            cut_sets.push(case.own_cuts.clone());
        }
        // Random cut sets (1 to 6 cuts), and one cut at every byte of a
        // small file.
        cut_sets.extend((0..48).map(|_| random_targets(&mut rng, input.len())));
        if case.every_byte && input.len() <= 600 {
            cut_sets.extend((1..input.len()).map(|at| vec![at]));
        }
        let whole = process_upload_with(input, &case.name, &settings(true), &case.options);
        failed += usize::from(whole.is_err());
        for (k, targets) in cut_sets.iter().enumerate() {
            // `same_as_whole_with` asserts the same bytes, or the same error.
            let compared = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                same_as_whole_with(input, &case.name, targets, k % 2 == 0, &case.options)
            }));
            let (parts, from_parts) =
                compared.unwrap_or_else(|_| panic!("{} cut at {targets:?}", case.what));
            merged += usize::from(parts >= 2 && from_parts);
            runs += 1;
        }
        cases_merged += usize::from(merged > before);
    }
    // Both sides of the rule were met: reports merged from parts (of
    // arrays, NDJSON and CSV: a cut needs a record in the file's start and
    // one past the cut), and files that cannot be read failing where a
    // one-piece read fails.
    assert!(
        merged > 1_000 && cases_merged >= 10,
        "{merged} of {runs} runs, {cases_merged} of {} ways of reading, merged from parts",
        cases.len()
    );
    assert!(failed >= 5, "{failed} ways of reading fail");
}
