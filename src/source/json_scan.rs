//! The chunked JSON scanner that both readers of JSON files share: the
//! upload reader ([`super::reader`]) and the earlier-report reader
//! (`compare/read.rs`). It knows as much of JSON as cutting a file into
//! values needs, and nothing more: white space and the byte-order mark,
//! where a value ends (strings with their escapes, nesting) however its
//! bytes are cut, the commas and brackets between an array's elements,
//! and the line and column of an offset. Checking a value is serde_json's
//! work, once the value is cut out.

/// UTF-8's byte-order mark, which a file may start with.
pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Whether `byte` is JSON white space.
pub(crate) fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// The offset of the first byte at or after `pos` that is not white space
/// (`bytes.len()` when there is none).
pub(crate) fn skip_space(bytes: &[u8], mut pos: usize) -> usize {
    while pos < bytes.len() && is_space(bytes[pos]) {
        pos += 1;
    }
    pos
}

/// The end (just past the closing quote) of the string whose inside starts
/// at `bytes[from]`, or `None` when `bytes` ends first. `escaped` says that
/// the byte at `from` is escaped (a backslash ended the bytes before); it
/// is left saying whether the bytes end with an unfinished escape.
pub(crate) fn string_end(bytes: &[u8], mut from: usize, escaped: &mut bool) -> Option<usize> {
    loop {
        if *escaped {
            if from >= bytes.len() {
                return None;
            }
            *escaped = false;
            from += 1;
        }
        // Strings are most of a file: jump to what can end one.
        from += memchr::memchr2(b'"', b'\\', bytes.get(from..)?)?;
        if bytes[from] == b'"' {
            return Some(from + 1);
        }
        *escaped = true;
        from += 1;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// An object or array: ends when `depth` returns to 0.
    Container { depth: u32 },
    /// A string: ends at its closing quote.
    Text,
    /// A number or a literal: ends before the next delimiter.
    Bare,
}

/// Finds where one JSON value ends, fed its bytes in chunks cut anywhere.
/// It follows strings and nesting only; whether the value is valid JSON
/// is for the parser that reads it once it is cut out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ValueEnd {
    shape: Shape,
    in_string: bool,
    escaped: bool,
    /// Bytes of the value scanned so far.
    len: usize,
}

impl ValueEnd {
    /// A scanner for the value whose first byte is `byte`, to be fed from
    /// that byte on; `None` when no JSON value starts with `byte`.
    pub(crate) fn starting_with(byte: u8) -> Option<ValueEnd> {
        let shape = match byte {
            b'{' | b'[' => Shape::Container { depth: 0 },
            b'"' => Shape::Text,
            b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => Shape::Bare,
            _ => return None,
        };
        Some(ValueEnd {
            shape,
            in_string: false,
            escaped: false,
            len: 0,
        })
    }

    /// The bytes of the value scanned so far: its length once it ended.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Scans `chunk[from..]`: the end of the value (exclusive) if it is
    /// there, `None` when the value goes on past the chunk. A number or a
    /// literal ends only at a delimiter, so at the end of the input the
    /// caller decides.
    pub(crate) fn scan(&mut self, chunk: &[u8], from: usize) -> Option<usize> {
        let end = self.find(chunk, from);
        self.len += end.unwrap_or(chunk.len()) - from;
        end
    }

    fn find(&mut self, chunk: &[u8], from: usize) -> Option<usize> {
        let mut at = from;
        while at < chunk.len() {
            if self.in_string {
                at = string_end(chunk, at, &mut self.escaped)?;
                self.in_string = false;
                if self.shape == Shape::Text {
                    return Some(at);
                }
                continue;
            }
            let byte = chunk[at];
            match &mut self.shape {
                Shape::Container { depth } => match byte {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => *depth += 1,
                    b'}' | b']' => {
                        *depth -= 1;
                        if *depth == 0 {
                            return Some(at + 1);
                        }
                    }
                    _ => {}
                },
                Shape::Bare => {
                    if is_space(byte) || matches!(byte, b',' | b']' | b'}') {
                        return Some(at);
                    }
                }
                Shape::Text => self.in_string = true,
            }
            at += 1;
        }
        None
    }
}

/// Where a scanner is between the elements of an array (or the members
/// of an object: a member is an element that starts with its key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Elements {
    /// After `[`: an element or `]`.
    First,
    /// After `,`: an element.
    Next,
    /// After an element: `,` or `]`.
    After,
}

/// What a byte means between the elements of an array (or an object).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// An element starts at this byte (not checked): once it is read, the
    /// caller's state becomes [`Elements::After`].
    Element,
    /// A `,` after an element: the state is now [`Elements::Next`].
    Comma,
    /// The closing bracket.
    Close,
    /// The closing bracket right after a `,`.
    TrailingComma,
    /// Neither `,` nor the closing bracket after an element.
    NotCommaOrClose,
}

impl Elements {
    /// What `byte`, not white space, means here; `close` is `]` or `}`.
    pub(crate) fn step(&mut self, byte: u8, close: u8) -> Step {
        match (*self, byte) {
            (Elements::First | Elements::After, _) if byte == close => Step::Close,
            (Elements::Next, _) if byte == close => Step::TrailingComma,
            (Elements::After, b',') => {
                *self = Elements::Next;
                Step::Comma
            }
            (Elements::After, _) => Step::NotCommaOrClose,
            (Elements::First | Elements::Next, _) => Step::Element,
        }
    }
}

/// Lines and columns in a file read in chunks. Newlines are counted once,
/// only as far as asked, so a position costs no second pass over the file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Lines {
    /// Newlines are counted up to this offset…
    counted: u64,
    /// …and are this many…
    newlines: u64,
    /// …the last one ending just before this offset.
    line_start: u64,
}

impl Lines {
    /// Counts the newlines before offset `to` not counted yet. `bytes`
    /// starts at offset `base` and holds every byte from where counting
    /// stopped to `to`. An offset already counted to is left as it is.
    pub(crate) fn count_to(&mut self, bytes: &[u8], base: u64, to: u64) {
        if to <= self.counted {
            return;
        }
        debug_assert!(
            self.counted >= base,
            "bytes were dropped before being counted"
        );
        let from = self.counted.max(base);
        let span = &bytes[(from - base) as usize..(to - base) as usize];
        if let Some(last) = memchr::memrchr(b'\n', span) {
            self.newlines += memchr::memchr_iter(b'\n', span).count() as u64;
            self.line_start = from + last as u64 + 1;
        }
        self.counted = to;
    }

    /// Line and column (1-based, in bytes) of offset `at`, which lies on
    /// the line counted to.
    pub(crate) fn locate(&self, at: u64) -> (u64, u64) {
        (self.newlines + 1, at.saturating_sub(self.line_start) + 1)
    }

    /// Counts up to offset `at` (in `bytes`, which starts at `base`) and
    /// locates it.
    pub(crate) fn position(&mut self, bytes: &[u8], base: u64, at: u64) -> (u64, u64) {
        self.count_to(bytes, base, at);
        self.locate(at)
    }

    /// Counting from offset `at`, which is at `line` and `column` (1-based)
    /// of a file some of which was read elsewhere (a part of it read on
    /// its own): `at` is at least `column - 1`, the bytes before it on
    /// its line.
    pub(crate) fn at(at: u64, line: u64, column: u64) -> Lines {
        Lines {
            counted: at,
            newlines: line.saturating_sub(1),
            line_start: at.saturating_sub(column.saturating_sub(1)),
        }
    }

    /// Columns of the first line count from offset `at` (after a
    /// byte-order mark), which is counted to.
    pub(crate) fn start_columns_at(&mut self, at: u64) {
        self.counted = at;
        self.line_start = at;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `text` to a scanner for its first byte, in two chunks cut at
    /// `cut`; the end found and the length scanned.
    fn end_cut_at(text: &[u8], cut: usize) -> Option<(usize, usize)> {
        let mut scanner = ValueEnd::starting_with(text[0])?;
        let (first, second) = text.split_at(cut);
        let end = match scanner.scan(first, 0) {
            Some(end) => Some(end),
            None => scanner.scan(second, 0).map(|end| cut + end),
        };
        end.map(|end| (end, scanner.len()))
    }

    /// The same in chunks of one byte.
    fn end_byte_by_byte(text: &[u8]) -> Option<(usize, usize)> {
        let mut scanner = ValueEnd::starting_with(text[0])?;
        for (at, byte) in text.iter().enumerate() {
            if let Some(end) = scanner.scan(std::slice::from_ref(byte), 0) {
                return Some((at + end, scanner.len()));
            }
        }
        None
    }

    #[test]
    fn a_value_ends_in_the_same_place_wherever_it_is_cut() {
        // (text, where its first value ends; None: it goes on)
        let cases: [(&str, Option<usize>); 22] = [
            (r#"{"a": 1} x"#, Some(8)),
            (r#"[1, [2, [3]], {"b": {}}],"#, Some(24)),
            (r#"{"a": "}]"}  "#, Some(11)),
            (r#""plain" "#, Some(7)),
            (r#""a\"b" "#, Some(6)),
            (r#""back\\" "#, Some(8)),
            (r#""\\\"" "#, Some(6)),
            (r#""\u00e9\n\"" "#, Some(12)),
            (r#"{"k\"}": "\\"}]"#, Some(14)),
            ("\"zoë\" ", Some(6)),
            ("123 ", Some(3)),
            ("-1.5e3]", Some(6)),
            ("true,", Some(4)),
            ("null}", Some(4)),
            ("false\n", Some(5)),
            (r#"{"a": 1"#, None),
            (r#"{"a": "}"#, None),
            (r#""abc\""#, None),
            (r#""abc\"#, None),
            ("123", None),
            ("[[[]]", None),
            (r#"{"a": [1, 2}"#, None),
        ];
        for (text, end) in cases {
            let bytes = text.as_bytes();
            for cut in 0..=bytes.len() {
                let found = end_cut_at(bytes, cut);
                assert_eq!(found.map(|(end, _)| end), end, "{text} cut at {cut}");
                if let Some((end, len)) = found {
                    assert_eq!(len, end, "{text} cut at {cut}: the value's length");
                }
            }
            assert_eq!(
                end_byte_by_byte(bytes).map(|(end, _)| end),
                end,
                "{text} byte by byte"
            );
        }
    }

    #[test]
    fn only_a_json_value_starts_a_scan() {
        for byte in *b"{[\"-0123456789tfn" {
            assert!(ValueEnd::starting_with(byte).is_some(), "{}", byte as char);
        }
        for byte in *b"]},: x+.'\\" {
            assert_eq!(ValueEnd::starting_with(byte), None, "{}", byte as char);
        }
    }

    #[test]
    fn nesting_is_followed_to_any_depth() {
        let deep = format!("{}{}", "[".repeat(1000), "]".repeat(1000));
        let mut scanner = ValueEnd::starting_with(b'[').unwrap();
        assert_eq!(scanner.scan(deep.as_bytes(), 0), Some(2000));
        let unclosed = &deep[..1999];
        let mut scanner = ValueEnd::starting_with(b'[').unwrap();
        assert_eq!(scanner.scan(unclosed.as_bytes(), 0), None);
        assert_eq!(scanner.len(), 1999);
    }

    #[test]
    fn the_length_scanned_is_what_a_size_cap_checks() {
        // A caller refuses a value whose length passes its cap, finished or
        // not: the length counts every chunk, however the value is cut.
        let value = format!(r#"{{"x": "{}"}}"#, "a".repeat(40));
        let bytes = value.as_bytes();
        for size in 1..=bytes.len() {
            let mut scanner = ValueEnd::starting_with(bytes[0]).unwrap();
            let mut seen = 0;
            let mut end = None;
            for chunk in bytes.chunks(size) {
                end = scanner.scan(chunk, 0);
                seen += chunk.len();
                assert_eq!(scanner.len(), seen.min(bytes.len()), "chunks of {size}");
                let over_cap = scanner.len() > 48;
                assert_eq!(over_cap, seen > 48, "chunks of {size}");
            }
            assert_eq!(
                end.map(|_| scanner.len()),
                Some(bytes.len()),
                "chunks of {size}"
            );
        }
    }

    #[test]
    fn strings_end_at_the_first_unescaped_quote() {
        // (inside of a string after its opening quote, end of the string)
        let cases: [(&[u8], Option<usize>); 7] = [
            (b"abc\" tail", Some(4)),
            (b"\" tail", Some(1)),
            (b"a\\\"b\" tail", Some(5)),
            (b"a\\\\\" tail", Some(4)),
            (b"\\u0022\" tail", Some(7)),
            (b"abc", None),
            (b"abc\\", None),
        ];
        for (inside, end) in cases {
            assert_eq!(string_end(inside, 0, &mut false), end, "{inside:?}");
            // Cut at every byte, mid-escape included.
            for cut in 0..=inside.len() {
                let mut escaped = false;
                let found = match string_end(&inside[..cut], 0, &mut escaped) {
                    Some(end) => Some(end),
                    None => string_end(&inside[cut..], 0, &mut escaped).map(|end| cut + end),
                };
                assert_eq!(found, end, "{inside:?} cut at {cut}");
            }
        }
    }

    /// The steps of an array's inside, from just after its `[`, with the
    /// elements' own bytes (single letters here) read as elements.
    fn steps(inside: &str, close: u8) -> Vec<Step> {
        let mut elements = Elements::First;
        let mut steps = Vec::new();
        for byte in inside.bytes() {
            let step = elements.step(byte, close);
            if step == Step::Element {
                elements = Elements::After;
            }
            steps.push(step);
            if matches!(
                step,
                Step::Close | Step::TrailingComma | Step::NotCommaOrClose
            ) {
                break;
            }
        }
        steps
    }

    #[test]
    fn commas_and_brackets_between_elements() {
        use Step::*;
        let cases: [(&str, &[Step]); 7] = [
            ("]", &[Close]),
            ("a]", &[Element, Close]),
            ("a,b]", &[Element, Comma, Element, Close]),
            ("a,]", &[Element, Comma, TrailingComma]),
            ("ab", &[Element, NotCommaOrClose]),
            (
                "a,b,c,]",
                &[
                    Element,
                    Comma,
                    Element,
                    Comma,
                    Element,
                    Comma,
                    TrailingComma,
                ],
            ),
            ("a,,", &[Element, Comma, Element]),
        ];
        for (inside, expected) in cases {
            assert_eq!(steps(inside, b']'), expected, "{inside}");
            // An object's members, closed by `}`, the same way.
            let object = inside.replace(']', "}");
            assert_eq!(steps(&object, b'}'), expected, "{object}");
            // There `]` is neither a comma nor the end.
            assert_eq!(steps("a]", b'}'), [Element, NotCommaOrClose]);
        }
    }

    /// Line and column of every offset of `text`, counted directly.
    fn expected_positions(text: &[u8]) -> Vec<(u64, u64)> {
        let (mut line, mut column) = (1, 1);
        let mut positions = Vec::new();
        for &byte in text {
            positions.push((line, column));
            if byte == b'\n' {
                (line, column) = (line + 1, 1);
            } else {
                column += 1;
            }
        }
        positions.push((line, column));
        positions
    }

    #[test]
    fn positions_are_the_same_however_the_file_is_cut() {
        let text = b"{\"a\":\n  [1,\r\n\n 2]}\nx";
        let expected = expected_positions(text);
        for size in 1..=text.len() {
            for (at, &expected) in expected.iter().enumerate() {
                // Count chunk by chunk up to the chunk holding `at`, as a
                // reader does, then locate it in that chunk.
                let mut lines = Lines::default();
                let mut base = 0;
                for chunk in text.chunks(size) {
                    if at <= base + chunk.len() {
                        break;
                    }
                    lines.count_to(chunk, base as u64, (base + chunk.len()) as u64);
                    base += chunk.len();
                }
                let chunk = &text[base..(base + size).min(text.len())];
                assert_eq!(
                    lines.position(chunk, base as u64, at as u64),
                    expected,
                    "offset {at} in chunks of {size}"
                );
            }
        }
    }

    #[test]
    fn columns_can_start_after_a_byte_order_mark() {
        let text = b"\xEF\xBB\xBF{\n}";
        let mut lines = Lines::default();
        lines.start_columns_at(3);
        assert_eq!(lines.position(text, 0, 3), (1, 1));
        assert_eq!(lines.position(text, 0, 5), (2, 1));
        // Without it, the mark's bytes are columns.
        assert_eq!(Lines::default().position(text, 0, 3), (1, 4));
    }

    #[test]
    fn white_space_is_json_white_space_only() {
        assert_eq!(skip_space(b" \t\r\n x", 0), 5);
        assert_eq!(skip_space(b"  ", 0), 2);
        assert_eq!(skip_space(b"x ", 1), 2);
        // A form feed or a no-break space is not JSON white space.
        assert_eq!(skip_space(b"\x0c", 0), 0);
        assert_eq!(skip_space("\u{a0}".as_bytes(), 0), 0);
    }
}
