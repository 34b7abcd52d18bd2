//! The page reads files in chunks; tests and the fuzzer read them whole.
//! Any bytes, cut at any boundaries, must give the same report byte for
//! byte, or the same error, as the whole file.
//!
//! Input layout: the first byte's low four bits say how many cut points
//! follow (0-15), its high four bits choose the read options (the CSV
//! separator: found, `,`, `;`, tab or `|`; from 8 up, a field mapping
//! with a column, a dotted path and a field left out); each cut point is
//! two bytes (a little-endian offset, taken modulo the rest's length); the
//! rest is the file, named by `chunked_file_name` (as JSON only when the
//! options say nothing of CSV, so that CSV inputs reach the CSV reader).
#![no_main]

mod common;

use common::settings;
use customer_pipeline::common::dates::parse_timestamp;
use customer_pipeline::pipeline::process_upload_with;
use customer_pipeline::source::fuzzing::{chunked_file_name, chunked_input};
use customer_pipeline::stream::UploadStream;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((options, mut cuts, file)) = chunked_input(data) else {
        return;
    };
    let name = chunked_file_name(&options);
    cuts.push(file.len());

    let whole =
        process_upload_with(file, name, settings(), &options).map(|report| report.to_json());
    let mut stream = UploadStream::with_options(name, settings(), &options);
    let mut from = 0;
    let mut chunked = Ok(());
    for cut in cuts {
        chunked = stream.push(&file[from..cut]);
        from = cut;
        if chunked.is_err() {
            break;
        }
    }
    let at = parse_timestamp("2026-11-24T12:00:00Z").expect("a valid timestamp");
    let chunked = chunked.and_then(|()| stream.finish(at).map(|r| r.to_json()));
    match (&whole, &chunked) {
        (Ok(a), Ok(b)) => assert!(
            a == b,
            "reports differ:\n{}\n---\n{}",
            String::from_utf8_lossy(a),
            String::from_utf8_lossy(b)
        ),
        (Err(a), Err(b)) => assert_eq!(a, b, "errors differ"),
        _ => panic!("whole {whole:?} vs chunked {chunked:?}"),
    }
});
