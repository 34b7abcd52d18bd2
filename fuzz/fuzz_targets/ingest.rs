//! Any bytes into the reader: it must return (never panic), and every item of
//! a successful read must have a position that can be shown to people.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(ingested) = customer_pipeline::reader::read_items(data) {
        for item in &ingested.items {
            assert!(
                !item.position.to_string().is_empty(),
                "empty position for {:?}",
                item.raw
            );
        }
    }
});
