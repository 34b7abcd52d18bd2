//! Loosely typed JSON values for record fields.
//!
//! Input records come from systems we do not control, so a field may hold
//! any JSON type. [`FieldValue`] accepts every type (it never makes the
//! parse fail) and keeps strings borrowed from the input where possible, so
//! the validation rules can report "wrong type" instead of crashing.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer};
use serde_json::value::RawValue;

/// One JSON value as found in an input record, with containers summarised.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FieldValue<'a> {
    /// JSON `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A non-negative integer.
    Unsigned(u64),
    /// A negative integer.
    Signed(i64),
    /// A number with a fraction or exponent (or too large for an integer).
    Float(f64),
    /// A number beyond the range of a double (`1e400`): its text as written.
    OutOfRange(Cow<'a, str>),
    /// A string, borrowed from the input unless it contained escapes.
    Text(Cow<'a, str>),
    /// An array (its contents are not kept: no field expects one).
    Array,
    /// An object (its contents are not kept: no field expects one).
    Object,
}

impl FieldValue<'_> {
    /// The JSON type with an article, for messages: "a string", "an array", "null".
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            FieldValue::Null => "null",
            FieldValue::Bool(_) => "a boolean",
            FieldValue::Unsigned(_)
            | FieldValue::Signed(_)
            | FieldValue::Float(_)
            | FieldValue::OutOfRange(_) => "a number",
            FieldValue::Text(_) => "a string",
            FieldValue::Array => "an array",
            FieldValue::Object => "an object",
        }
    }

    /// The value as a number, if it is one (infinite when out of range).
    pub(crate) fn as_f64(&self) -> Option<f64> {
        match self {
            FieldValue::Unsigned(n) => Some(*n as f64),
            FieldValue::Signed(n) => Some(*n as f64),
            FieldValue::Float(n) => Some(*n),
            FieldValue::OutOfRange(text) => Some(if text.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }),
            _ => None,
        }
    }
}

/// The longest excerpt of a string value quoted in a message.
const EXCERPT_CHARS: usize = 40;

/// Shows the value the way a quality message quotes it: strings in single
/// quotes (shortened past 40 characters), numbers as written, containers by type.
impl fmt::Display for FieldValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::Null => f.write_str("null"),
            FieldValue::Bool(b) => write!(f, "{b}"),
            FieldValue::Unsigned(n) => write!(f, "{n}"),
            FieldValue::Signed(n) => write!(f, "{n}"),
            FieldValue::Float(n) => write!(f, "{n}"),
            FieldValue::OutOfRange(text) => f.write_str(text),
            FieldValue::Text(s) => write!(f, "'{}'", excerpt(s)),
            FieldValue::Array => f.write_str("an array"),
            FieldValue::Object => f.write_str("an object"),
        }
    }
}

/// The first 40 characters of `s`, with "…" when cut.
pub(crate) fn excerpt(s: &str) -> Cow<'_, str> {
    match s.char_indices().nth(EXCERPT_CHARS) {
        None => Cow::Borrowed(s),
        Some((cut, _)) => Cow::Owned(format!("{}…", &s[..cut])),
    }
}

/// A field as it was in the record: its JSON text, read into a
/// [`FieldValue`] only when the rules look at it. Keeping the text makes a
/// record small (a parsed record is moved several times on its way) and
/// avoids serde's number parsing, which refuses numbers beyond the double
/// range and would make the whole record unreadable for one bad field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawField<'a> {
    text: &'a str,
    kind: RawKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RawKind {
    /// JSON text.
    Json,
    /// A JSON string with escapes (decoded when read).
    EscapedJson,
    /// A CSV cell's text, taken as it is.
    Cell,
}

impl<'a> RawField<'a> {
    /// A CSV cell: text, or a number when `numeric` and it reads as one
    /// (`82`, `82.5`); anything else stays text and the rules say why.
    pub(crate) fn cell(text: &'a str, numeric: bool) -> RawField<'a> {
        let is_number = numeric
            && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'));
        RawField {
            text,
            kind: if is_number {
                RawKind::Json
            } else {
                RawKind::Cell
            },
        }
    }

    /// Valid JSON text without escapes (checked by the caller).
    pub(crate) fn json(text: &'a str) -> RawField<'a> {
        RawField {
            text,
            kind: RawKind::Json,
        }
    }

    /// The field's value.
    pub(crate) fn value(self) -> FieldValue<'a> {
        match (self.kind, self.text.as_bytes().first()) {
            (RawKind::Cell, _) => FieldValue::Text(Cow::Borrowed(self.text)),
            (RawKind::Json, Some(b'"')) => {
                FieldValue::Text(Cow::Borrowed(&self.text[1..self.text.len() - 1]))
            }
            // Escapes were checked when the record was read, so this reads.
            _ => FieldValue::from_raw(self.text)
                .unwrap_or(FieldValue::Text(Cow::Borrowed(self.text))),
        }
    }

    /// A JSON string holding a number (`"45"`, `"12.5"`), as APIs that
    /// send every value as a string do, read as that number; anything else
    /// as it is.
    pub(crate) fn numeric_string(self) -> RawField<'a> {
        if self.kind != RawKind::Json || self.text.len() < 2 || !self.text.starts_with('"') {
            return self;
        }
        let number = RawField::cell(&self.text[1..self.text.len() - 1], true);
        if number.kind == RawKind::Json {
            number
        } else {
            self
        }
    }

    /// The field's text as it was in the source.
    pub(crate) fn text(self) -> &'a str {
        self.text
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RawField<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <&'de RawValue>::deserialize(deserializer)?.get();
        // A string with escapes is decoded once now, so that a bad escape
        // (a lone surrogate) makes the record unreadable here, as any other
        // malformed JSON does.
        let escaped = text.starts_with('"') && has_backslash(text);
        if escaped {
            serde_json::from_str::<String>(text).map_err(de::Error::custom)?;
        }
        let kind = if escaped {
            RawKind::EscapedJson
        } else {
            RawKind::Json
        };
        Ok(RawField { text, kind })
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for FieldValue<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(RawField::deserialize(deserializer)?.value())
    }
}

impl<'a> FieldValue<'a> {
    /// The value of valid JSON text.
    fn from_raw(raw: &'a str) -> Result<Self, serde_json::Error> {
        Ok(match raw.as_bytes().first() {
            Some(b'"') => {
                let inner = &raw[1..raw.len() - 1];
                if has_backslash(inner) {
                    FieldValue::Text(Cow::Owned(serde_json::from_str(raw)?))
                } else {
                    FieldValue::Text(Cow::Borrowed(inner))
                }
            }
            Some(b'n') => FieldValue::Null,
            Some(b't') => FieldValue::Bool(true),
            Some(b'f') => FieldValue::Bool(false),
            Some(b'[') => FieldValue::Array,
            Some(b'{') => FieldValue::Object,
            _ => number(raw),
        })
    }
}

/// Whether a string has a backslash (an escape, in JSON text). Field
/// strings are short: a loop the compiler vectorises beats the setup of
/// `str::contains` and memchr here (measured with callgrind).
fn has_backslash(text: &str) -> bool {
    text.bytes().fold(false, |found, b| found | (b == b'\\'))
}

/// A JSON number's value: an integer when it is written as one and fits,
/// else a double, else (beyond the double range) its text.
fn number(text: &str) -> FieldValue<'_> {
    let integral = !text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E'));
    if integral {
        if let Ok(n) = text.parse::<u64>() {
            return FieldValue::Unsigned(n);
        }
        if let Ok(n) = text.parse::<i64>() {
            return FieldValue::Signed(n);
        }
    }
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() => FieldValue::Float(n),
        _ => FieldValue::OutOfRange(Cow::Borrowed(text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> FieldValue<'_> {
        serde_json::from_str(json).expect("test input is valid JSON")
    }

    #[test]
    fn cells_are_text_unless_a_number_is_expected_and_written() {
        use FieldValue::*;
        let text = |t: &'static str| Text(t.into());
        for (cell, number_expected, value) in [
            ("82", true, Unsigned(82)),
            ("82.5", true, Float(82.5)),
            ("-3", true, Signed(-3)),
            ("1e400", true, OutOfRange("1e400".into())),
            ("high", true, text("high")),
            ("null", true, text("null")),
            ("82", false, text("82")),
            ("\"x\"", false, text("\"x\"")),
        ] {
            assert_eq!(
                RawField::cell(cell, number_expected).value(),
                value,
                "{cell}"
            );
        }
    }

    #[test]
    fn numbers_beyond_the_double_range_are_values_not_errors() {
        assert_eq!(parse("1e400"), FieldValue::OutOfRange("1e400".into()));
        assert_eq!(parse("-1e400").as_f64(), Some(f64::NEG_INFINITY));
        assert_eq!(parse("1e400").to_string(), "1e400");
        assert_eq!(parse("1e400").kind(), "a number");
        assert_eq!(
            parse("18446744073709551616"),
            FieldValue::Float(18446744073709551616.0)
        );
        assert_eq!(parse("-9223372036854775808"), FieldValue::Signed(i64::MIN));
        assert_eq!(parse("1E2"), FieldValue::Float(100.0));
    }

    #[test]
    fn every_json_type_is_accepted() {
        assert_eq!(parse("null"), FieldValue::Null);
        assert_eq!(parse("true"), FieldValue::Bool(true));
        assert_eq!(parse("7"), FieldValue::Unsigned(7));
        assert_eq!(parse("-7"), FieldValue::Signed(-7));
        assert_eq!(parse("7.5"), FieldValue::Float(7.5));
        assert_eq!(parse(r#""a""#), FieldValue::Text(Cow::Borrowed("a")));
        assert_eq!(parse("[1, [2], {}]"), FieldValue::Array);
        assert_eq!(parse(r#"{"a": [1]}"#), FieldValue::Object);
    }

    #[test]
    fn strings_are_borrowed_unless_escaped() {
        assert!(matches!(
            parse(r#""plain""#),
            FieldValue::Text(Cow::Borrowed("plain"))
        ));
        match parse(r#""a\nb""#) {
            FieldValue::Text(Cow::Owned(s)) => assert_eq!(s, "a\nb"),
            other => panic!("expected an owned string, got {other:?}"),
        }
    }

    #[test]
    fn display_quotes_and_shortens_strings() {
        assert_eq!(parse(r#""2024-13-45""#).to_string(), "'2024-13-45'");
        let long = format!("\"{}\"", "x".repeat(50));
        assert_eq!(parse(&long).to_string(), format!("'{}…'", "x".repeat(40)));
        assert_eq!(parse("150").to_string(), "150");
        assert_eq!(parse("[]").to_string(), "an array");
    }

    #[test]
    fn kinds_read_as_english() {
        assert_eq!(parse("{}").kind(), "an object");
        assert_eq!(parse("1.5").kind(), "a number");
        assert_eq!(parse("null").kind(), "null");
    }

    #[test]
    fn strings_holding_numbers_read_as_numbers_when_asked() {
        let read = |json: &'static str| RawField::json(json).numeric_string().value();
        assert_eq!(read(r#""45""#), FieldValue::Unsigned(45));
        assert_eq!(read(r#""12.5""#), FieldValue::Float(12.5));
        assert_eq!(read(r#""-3""#), FieldValue::Signed(-3));
        assert_eq!(read(r#""high""#), FieldValue::Text("high".into()));
        assert_eq!(read(r#""""#), FieldValue::Text("".into()));
        assert_eq!(read(r#"" 45""#), FieldValue::Text(" 45".into()));
        assert_eq!(read("45"), FieldValue::Unsigned(45));
        assert_eq!(read("null"), FieldValue::Null);
        // Not asked: a string stays a string.
        assert_eq!(
            RawField::json(r#""45""#).value(),
            FieldValue::Text("45".into())
        );
    }
}
