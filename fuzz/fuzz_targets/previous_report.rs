//! Any bytes as an earlier report: reading them whole and in pieces (the
//! first byte picks the piece size) gives the same report or the same
//! error, never a panic or a trap, whatever their size.
#![no_main]

use customer_pipeline::compare::{PreviousReport, ReportReader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&size, rest)) = data.split_first() else {
        return;
    };
    let summary = |report: PreviousReport| serde_json::to_string(&report.summary()).ok();
    let whole = PreviousReport::from_bytes(rest).map(summary);
    let mut reader = ReportReader::new();
    let mut chunked = Ok(());
    for piece in rest.chunks(usize::from(size).max(1)) {
        chunked = reader.push(piece);
        if chunked.is_err() {
            break;
        }
    }
    let chunked = chunked
        .and_then(|()| reader.finish())
        .map(summary);
    assert_eq!(whole, chunked);
});
