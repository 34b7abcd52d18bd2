//! Any bytes into the reader: it must return (never panic), and every item of
//! a successful read must have a position that can be shown to people. The
//! hand-written record scan must read any object it accepts as serde does.
//! The checks are the crate's (`source::fuzzing`, behind the `fuzzing`
//! feature).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| customer_pipeline::source::fuzzing::check_read(data));
