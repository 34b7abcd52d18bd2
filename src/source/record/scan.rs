//! The common record read without serde: a flat JSON object whose keys and
//! strings hold no escapes and whose values are strings, numbers, `true`,
//! `false` or `null`. Anything else (an escape, a nested value, a repeated
//! field, an envelope key, invalid JSON, a value the text cuts off) makes
//! [`scan`] answer `None`, and the record goes through serde as before:
//! this path only ever accepts what the serde path reads the same way (a
//! differential test and the `ingest` fuzz target hold it to that).
//!
//! Written by hand for a measured reason: serde's object walk with a raw
//! value per field was about half of the instructions per record
//! (callgrind, 100k records), and this single pass is a fraction of that.

use super::{InputObject, KeyMap, Slot};
use crate::common::field::RawField;
use crate::source::mapping::FieldSet;

/// Reads the object starting `text` (at its `{`), or `None` to leave it
/// to serde. Returns the object and where it ends.
pub(super) fn scan<'a>(
    text: &'a str,
    keys: &KeyMap,
    mapped: FieldSet,
) -> Option<(InputObject<'a>, usize)> {
    let bytes = text.as_bytes();
    let mut object = InputObject::default();
    object.record.mapped = mapped;
    if bytes.first() != Some(&b'{') {
        return None;
    }
    let mut at = skip_space(bytes, 1);
    if *bytes.get(at)? == b'}' {
        return Some((object, at + 1));
    }
    loop {
        if *bytes.get(at)? != b'"' {
            return None;
        }
        let key_end = string_end(bytes, at + 1)?;
        let key = &text[at + 1..key_end];
        at = skip_space(bytes, key_end + 1);
        if *bytes.get(at)? != b':' {
            return None;
        }
        let start = skip_space(bytes, at + 1);
        let end = value_end(bytes, start)?;
        match keys.slot(key) {
            None => {}
            Some(Slot::Field(field)) => {
                if object.record.raw(*field).is_some() {
                    return None;
                }
                object.record.set(*field, RawField::json(&text[start..end]));
            }
            Some(Slot::Nested(_) | Slot::Data | Slot::Page) => return None,
        }
        at = skip_space(bytes, end);
        match *bytes.get(at)? {
            b',' => at = skip_space(bytes, at + 1),
            b'}' => return Some((object, at + 1)),
            _ => return None,
        }
    }
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = bytes.get(at) {
        at += 1;
    }
    at
}

/// Where the string whose text starts at `from` closes (its quote), or
/// `None` at an escape, a control character or the end of the text.
///
/// Eight bytes at a time: for each word, the lowest byte that is a quote,
/// a backslash or below 0x20 is found with carry-free bit tricks (a borrow
/// can only mark bytes above the first true match, never below it). Keys
/// and values are short, so this beats both a byte loop and `memchr`'s
/// setup (measured with callgrind: 3 tests per byte, or ~60 instructions
/// per call).
fn string_end(bytes: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |word: u64| word.wrapping_sub(ONES) & !word & HIGH;
    let mut at = from;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let found = zero_byte(word ^ (ONES * u64::from(b'"')))
            | zero_byte(word ^ (ONES * u64::from(b'\\')))
            | (word.wrapping_sub(ONES * 0x20) & !word & HIGH);
        if found != 0 {
            let hit = at + (found.trailing_zeros() / 8) as usize;
            return (bytes[hit] == b'"').then_some(hit);
        }
        at += 8;
    }
    let rest = bytes.get(at..)?;
    let hit = at
        + rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
    (bytes[hit] == b'"').then_some(hit)
}

/// Where the value starting at `at` ends, for the values this path reads.
fn value_end(bytes: &[u8], at: usize) -> Option<usize> {
    let literal = |word: &[u8]| bytes[at..].starts_with(word).then_some(at + word.len());
    match *bytes.get(at)? {
        b'"' => Some(string_end(bytes, at + 1)? + 1),
        b't' => literal(b"true"),
        b'f' => literal(b"false"),
        b'n' => literal(b"null"),
        b'-' | b'0'..=b'9' => number_end(bytes, at),
        _ => None,
    }
}

/// The end of a JSON number (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`)
/// starting at `at`; `None` if it is not one, or if it reaches the end of
/// the text (it may go on in the next chunk).
fn number_end(bytes: &[u8], mut at: usize) -> Option<usize> {
    let digits = |mut at: usize| {
        while bytes.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        at
    };
    if bytes[at] == b'-' {
        at += 1;
    }
    match *bytes.get(at)? {
        b'0' => at += 1,
        b'1'..=b'9' => at = digits(at + 1),
        _ => return None,
    }
    if bytes.get(at) == Some(&b'.') {
        let after = digits(at + 1);
        if after == at + 1 {
            return None;
        }
        at = after;
    }
    if let Some(b'e' | b'E') = bytes.get(at) {
        at += 1;
        if let Some(b'+' | b'-') = bytes.get(at) {
            at += 1;
        }
        let after = digits(at);
        if after == at {
            return None;
        }
        at = after;
    }
    (at < bytes.len()).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::super::parse_with;
    use super::*;
    use crate::source::mapping::{Mapping, MappingSpec};

    /// Whether the scan reads `text`; if it does, serde must read the same.
    fn agree(text: &str, keys: &KeyMap) -> bool {
        let Some((fast, fast_end)) = scan(text, keys, FieldSet::ALL) else {
            return false;
        };
        let (slow, slow_end) = parse_with(text, keys, FieldSet::ALL)
            .unwrap_or_else(|error| panic!("the scan read {text:?}, serde did not: {error}"));
        assert_eq!(fast.record, slow.record, "{text:?}");
        assert!(slow.data.is_none() && slow.page.is_none(), "{text:?}");
        assert_eq!(fast_end, slow_end, "{text:?}");
        true
    }

    #[test]
    fn flat_records_are_read_as_serde_reads_them() {
        let keys = KeyMap::default();
        for text in [
            r#"{"id": 7, "email": "a@b.co", "first_name": "Ann", "avatar": null}"#,
            r#"{"id":-0.5e+3,"engagement_score":1E400,"last_login":"2026-11-20","x":true}"#,
            "{ }",
            "{}",
            "{\"id\" :\t12 ,\r\n \"other\": false } trailing",
            r#"{"id": 1, "first_name": "Zoë 日本"}"#,
            r#"{"id": 0}"#,
        ] {
            assert!(agree(text, &keys), "the scan should read {text:?}");
        }
    }

    #[test]
    fn anything_unusual_is_left_to_serde() {
        let keys = KeyMap::default();
        for text in [
            r#"{"id": 1, "first_name": "A\u00e9"}"#,
            r#"{"i\u0064": 1}"#,
            r#"{"id": 1, "id": 2}"#,
            r#"{"id": 1, "tags": [1]}"#,
            r#"{"id": 1, "address": {"city": "x"}}"#,
            r#"{"page": 1, "data": []}"#,
            r#"{"id": 01}"#,
            r#"{"id": 1.}"#,
            r#"{"id": 1e}"#,
            r#"{"id": -}"#,
            r#"{"id": tru}"#,
            r#"{"id": truex}"#,
            r#"{"id": 1,}"#,
            r#"{"id" 1}"#,
            r#"{id: 1}"#,
            "{\"first_name\": \"a\tb\"}",
            r#"{"id": 12"#,
            r#"{"id": 12}"#.trim_end_matches('}'),
            r#"{"id": "open"#,
            "{",
            "",
        ] {
            assert!(scan(text, &keys, FieldSet::ALL).is_none(), "{text:?}");
        }
    }

    #[test]
    fn mapped_keys_are_read_and_nested_paths_left_to_serde() {
        let spec = MappingSpec::parse("id:Customer ID,email:contact.email").unwrap();
        let columns = ["Customer ID".to_owned(), "contact.email".to_owned()];
        let keys = KeyMap::of(&Mapping::propose(&columns, &spec, false));
        assert!(agree(r#"{"Customer ID": 9, "id": 3}"#, &keys));
        assert!(scan(r#"{"contact": {"email": "a@b.co"}}"#, &keys, FieldSet::ALL).is_none());
    }

    /// Random objects from a small alphabet of tokens, valid and not: the
    /// scan may decline any, but must agree with serde on every one it reads.
    #[test]
    fn random_objects_agree_with_serde() {
        const TOKENS: [&str; 30] = [
            "{",
            "}",
            "\"id\"",
            "\"email\"",
            "\"first_name\"",
            "\"x\"",
            "\"data\"",
            ":",
            ",",
            " ",
            "\n",
            "1",
            "-2",
            "0.5",
            "1e3",
            "01",
            "-",
            ".",
            "e",
            "\"a@b.co\"",
            "\"\\n\"",
            "\"é\"",
            "true",
            "null",
            "fals",
            "[",
            "]",
            "\"",
            "\t",
            "\u{1}",
        ];
        let keys = KeyMap::default();
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut read = 0;
        for _ in 0..200_000 {
            let mut text = String::from("{");
            let length = (state >> 60) as usize + 1;
            for _ in 0..length * 3 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push_str(TOKENS[(state % TOKENS.len() as u64) as usize]);
            }
            if agree(&text, &keys) {
                read += 1;
            }
        }
        assert!(read > 100, "the generator reaches the scan's path ({read})");
    }

    /// The word-at-a-time search finds what a byte loop finds, wherever
    /// the first quote, backslash or control byte falls in a word.
    #[test]
    fn string_ends_are_found_as_a_byte_loop_finds_them() {
        let naive = |bytes: &[u8], from: usize| {
            let rest = bytes.get(from..)?;
            let at = rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
            (rest[at] == b'"').then_some(from + at)
        };
        let alphabet = [
            b'a', b'"', b'\\', 0x1f, 0x20, 0x21, 0x7f, 0x80, 0xc3, 0xff, 0x00, b'!',
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..100_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let length = (state % 24) as usize;
            let bytes: Vec<u8> = (0..length)
                .map(|i| {
                    let pick = (state >> (i % 16 * 4)) as usize % 16;
                    // Mostly plain bytes, so matches fall anywhere in a word.
                    if pick < alphabet.len() && (state >> (40 + i % 20)) & 3 == 0 {
                        alphabet[pick]
                    } else {
                        b'a' + (pick as u8)
                    }
                })
                .collect();
            let from = (state >> 59) as usize % (length + 1);
            assert_eq!(
                string_end(&bytes, from),
                naive(&bytes, from),
                "{bytes:?} from {from}"
            );
        }
    }
}
