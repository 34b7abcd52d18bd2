//! Any bytes as an API page body: `ingest_page` must return, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = customer_pipeline::ingest::ingest_page(data, 1);
});
