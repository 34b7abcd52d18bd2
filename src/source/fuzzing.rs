//! The fuzz targets of the readers (`fuzz/fuzz_targets/ingest.rs` and
//! `ingest_page.rs`), and the `chunked` target's inputs decoded (for the
//! target and for the test that cuts the fuzz corpus, which read them
//! alike), behind the `fuzzing` feature.

use super::ingest::ingest_page;
use super::mapping::MappingSpec;
use super::probe::probe_page;
use super::reader::{ReadOptions, Reader};
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

/// The read options the high four bits of a `chunked` input's first byte
/// choose: the CSV separator (found, `,`, `;`, tab or `|`), and from 8 up
/// a field mapping with a column, a dotted path and a field left out.
fn options(choice: u8) -> ReadOptions {
    let separator =
        [None, Some(b','), Some(b';'), Some(b'\t'), Some(b'|')][usize::from(choice % 5)];
    let mapping = if choice >= 8 {
        MappingSpec::parse("id:Customer ID,email:contact.email,avatar:")
            .expect("the fuzz mapping is valid")
    } else {
        MappingSpec::none()
    };
    ReadOptions {
        mapping,
        separator,
        ..ReadOptions::default()
    }
}

/// The name the `chunked` target gives its file: `fuzz.json` when the
/// options say nothing of CSV (no separator, no mapping), else `fuzz`, so
/// that the content decides and CSV inputs reach the CSV reader.
pub fn chunked_file_name(options: &ReadOptions) -> &'static str {
    if options.separator.is_none() && options.mapping == MappingSpec::none() {
        "fuzz.json"
    } else {
        "fuzz"
    }
}

/// A `chunked` input: the first byte's low four bits say how many cut
/// points follow (0-15), its high four bits choose the read options; each
/// cut point is two bytes (a little-endian offset, taken modulo the file's
/// length plus one); the rest is the file. Gives the options, the cut
/// points in order, and the file; `None` when the input is too short to
/// hold its cut points (the target skips it).
pub fn chunked_input(data: &[u8]) -> Option<(ReadOptions, Vec<usize>, &[u8])> {
    let (&first, rest) = data.split_first()?;
    let count = usize::from(first & 0x0F);
    let (cut_bytes, file) = rest.split_at_checked(count * 2)?;
    let mut cuts: Vec<usize> = cut_bytes
        .chunks(2)
        .map(|pair| usize::from(u16::from_le_bytes([pair[0], pair[1]])) % (file.len() + 1))
        .collect();
    cuts.sort_unstable();
    Some((options(first >> 4), cuts, file))
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

    #[test]
    fn an_input_gives_its_options_its_sorted_cuts_and_the_file() {
        let (options, cuts, file) = chunked_input(&[0x12, 5, 0, 1, 0, b'a', b'b']).unwrap();
        assert_eq!(options.separator, Some(b','));
        // 5 and 1, modulo the file's 2 bytes plus one, in order.
        assert_eq!(cuts, [1, 2]);
        assert_eq!(file, b"ab");
        let (mapped, cuts, file) = chunked_input(&[0x80]).unwrap();
        assert_ne!(mapped.mapping, MappingSpec::none());
        assert!(cuts.is_empty() && file.is_empty());
        assert!(
            chunked_input(&[0x02, 1, 0, 2]).is_none(),
            "two cuts need four bytes"
        );
        assert!(chunked_input(&[]).is_none());
    }

    #[test]
    fn a_chunked_file_is_named_as_json_only_when_its_options_say_nothing_of_csv() {
        let name = |first: u8| chunked_file_name(&chunked_input(&[first]).unwrap().0);
        assert_eq!(name(0x00), "fuzz.json");
        assert_eq!(name(0x50), "fuzz.json", "5 % 5: the separator is found");
        assert_eq!(name(0x20), "fuzz", "a separator");
        assert_eq!(name(0xA0), "fuzz", "a mapping (10 % 5: no separator)");
    }
}
