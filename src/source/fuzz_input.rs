//! The inputs of the `chunked` fuzz target (`fuzz/fuzz_targets/chunked.rs`),
//! decoded here so that the target and the test that cuts the fuzz corpus
//! (`split`'s tests) read them alike. Only the fuzzer and the tests build it.

use super::mapping::MappingSpec;
use super::reader::ReadOptions;

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
}
