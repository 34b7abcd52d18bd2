//! The fuzz targets of the readers (`fuzz/fuzz_targets/ingest.rs` and
//! `ingest_page.rs`), behind the `fuzzing` feature.

use super::ingest::ingest_page;
use super::mapping::MappingSpec;
use super::probe::probe_page;
use super::reader::Reader;
use super::record::{check_scan_against_serde, Mapper};

/// Any bytes into the reader: it returns (never panics), and every item of
/// a successful read has a position that can be shown to people. The
/// hand-written record scan reads any object it accepts as serde does.
///
/// # Panics
/// When one of those does not hold.
pub fn check_read(data: &[u8]) {
    let _ = Reader::read_all(data, &mut |item| {
        assert!(
            !item.position.to_string().is_empty(),
            "empty position for {:?}",
            item.raw
        );
    });
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(at) = text.find('{') {
            check_scan_against_serde(&text[at..]);
        }
    }
}

/// Any bytes as an API page body: [`ingest_page`] returns, never panics,
/// whether the mapping is proposed from the first record or given, and
/// the mapping panel's probe of the same page agrees with it.
///
/// # Panics
/// When the probe and the run disagree.
pub fn check_page(data: &[u8]) {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fuzz targets' checks hold on their seeds and the test fixtures.
    #[test]
    fn the_checks_hold_on_the_seeds_and_fixtures() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut read = 0;
        for dir in ["fuzz/seeds", "tests/fixtures"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() {
                    let bytes = std::fs::read(&path).unwrap();
                    check_read(&bytes);
                    check_page(&bytes);
                    read += 1;
                }
            }
        }
        assert!(read > 10, "{read} files");
    }
}
