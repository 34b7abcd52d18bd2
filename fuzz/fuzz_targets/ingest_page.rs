//! Any bytes as an API page body: `ingest_page` must return, never panic,
//! whether the mapping is proposed from the first record or given, and
//! the mapping panel's probe of the same page must agree with it. The
//! checks are the crate's (`source::fuzzing`, behind the `fuzzing` feature).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| customer_pipeline::source::fuzzing::check_page(data));
