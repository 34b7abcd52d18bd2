//! Any text as an API URL: what `fetch::url` builds by hand on top of the
//! `url` crate (splitting a query on `&`) must agree with the `url`
//! crate's own reading. A redacted URL keeps the origin and path and no
//! secret value; a page's URL keeps the origin, the path and every other
//! parameter, and holds `page` exactly once. The checks are the crate's
//! (`fetch::fuzzing`, behind the `fuzzing` feature): `fetch::url` stays
//! crate-private.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| customer_pipeline::fetch::fuzzing::check_url(data));
