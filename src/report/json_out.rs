//! Writing the report's customer lines by hand: one pass into one buffer,
//! constant labels copied as they are, numbers with `itoa`, and strings
//! escaped exactly as serde_json escapes them (checked against it in the
//! tests). serde's generic path escape-scanned every byte of every string,
//! constant labels included, and was the largest single cost of a run.

use std::fmt::{self, Write as _};

use crate::transform::customer::{CustomerRef, Customers};

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

/// Writes customer lines. Names and domains repeat, so whether each
/// distinct one needs escaping is found out once, not once per customer.
pub(crate) struct LineWriter {
    names_clean: Vec<bool>,
    domains_clean: Vec<bool>,
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

impl LineWriter {
    /// A writer for the customers of `customers`.
    pub(crate) fn new(customers: &Customers) -> Self {
        LineWriter {
            names_clean: (0..customers.name_count())
                .map(|i| is_clean(customers.name_at(i)))
                .collect(),
            domains_clean: (0..customers.domain_count())
                .map(|i| is_clean(customers.domain_name(i)))
                .collect(),
        }
    }

    /// Appends one customer as a compact JSON object, fields in contract
    /// order: the same bytes as serde_json gives for the contract's field types.
    pub(crate) fn write(&self, out: &mut Vec<u8>, customer: &CustomerRef<'_>) {
        let name_clean = self.names_clean[Customers::name_index(customer)];
        let domain_clean = self.domains_clean[Customers::domain_index(customer)];
        write_customer(out, customer, name_clean, domain_clean);
    }
}

fn write_customer(
    out: &mut Vec<u8>,
    customer: &CustomerRef<'_>,
    name_clean: bool,
    domain_clean: bool,
) {
    out.extend_from_slice(b"{\"customer_id\":");
    write_number(out, customer.customer_id);
    out.extend_from_slice(b",\"full_name\":");
    write_known(out, customer.full_name(), name_clean);
    out.extend_from_slice(b",\"email_domain\":");
    write_known(out, customer.email_domain(), domain_clean);
    // The labels are fixed words without characters to escape.
    for (key, label) in [
        (
            &b",\"engagement_level\":\""[..],
            customer.engagement_level.label(),
        ),
        (
            b"\",\"activity_status\":\"",
            customer.activity_status.label(),
        ),
        (
            b"\",\"acquisition_channel\":\"",
            customer.acquisition_channel.label(),
        ),
        (b"\",\"market_segment\":\"", customer.market_segment.label()),
        (b"\",\"customer_tier\":\"", customer.customer_tier.label()),
    ] {
        out.extend_from_slice(key);
        out.extend_from_slice(label.as_bytes());
    }
    out.extend_from_slice(b"\",\"data_quality_score\":");
    write_number(out, customer.data_quality_score);
    out.extend_from_slice(b",\"quality_issues\":[");
    for (index, issue) in customer.quality_issues().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        out.push(b'"');
        // Writing into a Vec cannot fail.
        let _ = write!(Escaping(out), "{issue}");
        out.push(b'"');
    }
    out.extend_from_slice(b"]}");
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
