//! Writing the report's customer lines by hand: one pass into one buffer,
//! constant labels copied as they are, numbers with `itoa`, and strings
//! escaped exactly as serde_json escapes them (checked against it in the
//! tests). serde's generic path escape-scanned every byte of every string,
//! constant labels included, and was the largest single cost of a run.

use std::fmt::{self, Write as _};

use crate::schema::{for_line_fields, LineField};
use crate::transform::customer::{CustomerRef, Customers, LineValue, TextTable};

/// Appends `text` as a JSON string, escaped like serde_json does: `"` and
/// `\` with a backslash, control characters as `\b \t \n \f \r` or `\u00XX`;
/// everything else (DEL and non-ASCII included) as it is.
pub(crate) fn write_str(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    write_escaped(out, text);
    out.push(b'"');
}

fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

fn write_escaped(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let mut clean_from = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        if !needs_escape(byte) {
            continue;
        }
        out.extend_from_slice(&bytes[clean_from..at]);
        clean_from = at + 1;
        match byte {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(byte >> 4)]);
                out.push(HEX[usize::from(byte & 0xf)]);
            }
        }
    }
    out.extend_from_slice(&bytes[clean_from..]);
}

/// A `fmt::Write` that escapes what is written into a JSON string's contents.
struct Escaping<'o>(&'o mut Vec<u8>);

impl fmt::Write for Escaping<'_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        write_escaped(self.0, text);
        Ok(())
    }
}

fn write_number(out: &mut Vec<u8>, number: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(number).as_bytes());
}

/// Writes `,\n  "name": [` and each item compactly on its own line (the
/// report and the changes file), calling `after_line` after each.
pub(crate) fn write_lines<T>(
    out: &mut Vec<u8>,
    name: &str,
    items: impl Iterator<Item = T>,
    after_line: &mut dyn FnMut(&mut Vec<u8>),
    write_item: impl Fn(&mut Vec<u8>, &T),
) {
    out.extend_from_slice(b",\n  \"");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\": [");
    let mut any = false;
    for item in items {
        out.extend_from_slice(if any { b",\n    " } else { b"\n    " });
        any = true;
        write_item(out, &item);
        after_line(out);
    }
    if any {
        out.extend_from_slice(b"\n  ");
    }
    out.push(b']');
}

/// Writes customer lines, field by field of the schema. Texts repeat, so
/// whether each distinct one needs escaping is found out once per text
/// table, not once per customer.
pub(crate) struct LineWriter {
    /// Per text table, whether each of its texts can be written as it is.
    clean: [Vec<bool>; TextTable::ALL.len()],
}

fn is_clean(text: &str) -> bool {
    !text.bytes().any(needs_escape)
}

/// Appends `text` as a JSON string known to need no escaping, or escapes it.
fn write_known(out: &mut Vec<u8>, text: &str, clean: bool) {
    if clean {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        write_str(out, text);
    }
}

/// Writes each field of the line in turn, expanded per field at compile
/// time (see [`for_line_fields`]): the field is a constant in each
/// expansion, so its key is copied as a constant and its value's kind
/// is known.
macro_rules! write_fields {
    ($first:ident $(, $field:ident)*) => {
        fn write_fields(&self, out: &mut Vec<u8>, customer: &CustomerRef<'_>) {
            out.push(b'{');
            out.extend_from_slice(&LineField::$first.spec().json_key.as_bytes()[1..]);
            self.write_value(out, customer.value(LineField::$first));
            $(
                out.extend_from_slice(LineField::$field.spec().json_key.as_bytes());
                self.write_value(out, customer.value(LineField::$field));
            )*
            out.push(b'}');
        }
    };
}

impl LineWriter {
    /// A writer for the customers of `customers`.
    pub(crate) fn new(customers: &Customers) -> Self {
        let clean = TextTable::ALL.map(|table| {
            (0..customers.table_len(table))
                .map(|i| is_clean(customers.table_text(table, i)))
                .collect()
        });
        LineWriter { clean }
    }

    /// Appends one customer as a compact JSON object, fields in the
    /// schema's order: the same bytes as serde_json gives for the values.
    pub(crate) fn write(&self, out: &mut Vec<u8>, customer: &CustomerRef<'_>) {
        self.write_fields(out, customer);
    }

    for_line_fields!(write_fields);

    #[inline(always)]
    fn write_value(&self, out: &mut Vec<u8>, value: LineValue<'_>) {
        match value {
            LineValue::Id(id) => write_number(out, id),
            LineValue::Text { text, table, index } => {
                write_known(out, text, self.clean[table as usize][index as usize]);
            }
            // Labels are fixed words without characters to escape.
            LineValue::Label { quoted, .. } => out.extend_from_slice(quoted.as_bytes()),
            LineValue::Score(score) => write_number(out, score),
            LineValue::Issues(customer) => {
                out.push(b'[');
                for (index, issue) in customer.quality_issues().enumerate() {
                    if index > 0 {
                        out.push(b',');
                    }
                    out.push(b'"');
                    // Writing into a Vec cannot fail.
                    let _ = write!(Escaping(out), "{issue}");
                    out.push(b'"');
                }
                out.push(b']');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_exactly_like_serde_json() {
        let mut samples: Vec<String> = (0u8..0x80)
            .map(|b| format!("a{}b", char::from(b)))
            .collect();
        samples.extend([
            String::new(),
            "plain".into(),
            "Zoë \u{1F600} \u{7f}".into(),
            "\"quoted\" \\ back/slash".into(),
            "\u{2028}\u{2029}".into(),
        ]);
        for sample in samples {
            let mut ours = Vec::new();
            write_str(&mut ours, &sample);
            let theirs = serde_json::to_vec(&sample).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&theirs),
                "{sample:?}"
            );
        }
    }

    #[test]
    fn formatted_text_is_escaped_as_it_is_written() {
        let mut out = Vec::new();
        let (field, problem) = ("a\"b", "c\nd");
        let _ = write!(Escaping(&mut out), "{field}: {problem}");
        assert_eq!(out, br#"a\"b: c\nd"#);
    }
}
