//! Any bytes into the reader: it must return (never panic), and every item of
//! a successful read must have a position that can be shown to people. The
//! hand-written record scan must read any object it accepts as serde does.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = customer_pipeline::source::reader::Reader::read_all(data, &mut |item| {
        assert!(
            !item.position.to_string().is_empty(),
            "empty position for {:?}",
            item.raw
        );
    });
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(at) = text.find('{') {
            customer_pipeline::source::record::check_scan_against_serde(&text[at..]);
        }
    }
});
