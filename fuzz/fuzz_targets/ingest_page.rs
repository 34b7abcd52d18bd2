//! Any bytes as an API page body: `ingest_page` must return, never panic,
//! whether the mapping is proposed from the first record or given, and
//! the mapping panel's probe of the same page must agree with it.
#![no_main]

use customer_pipeline::source::ingest::ingest_page;
use customer_pipeline::source::mapping::MappingSpec;
use customer_pipeline::source::probe::probe_page;
use customer_pipeline::source::record::Mapper;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let proposed = ingest_page(data, 1, &mut Mapper::new(MappingSpec::none()));
    let probed = probe_page(data, 1, &MappingSpec::none());
    assert_eq!(
        proposed.as_ref().err(),
        probed.as_ref().err(),
        "the probe reads the page as the run does"
    );
    if let Ok(spec) = MappingSpec::parse("id:customerId,email:contact.email,avatar:") {
        let _ = ingest_page(data, 1, &mut Mapper::new(spec));
    }
});
