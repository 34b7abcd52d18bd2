//! Loosely typed JSON values for record fields.
//!
//! Input records come from systems we do not control, so a field may hold
//! any JSON type. [`FieldValue`] accepts every type (it never makes the
//! parse fail) and keeps strings borrowed from the input where possible, so
//! the validation rules can report "wrong type" instead of crashing.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// One JSON value as found in an input record, with containers summarised.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue<'a> {
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
    /// A string, borrowed from the input unless it contained escapes.
    Text(Cow<'a, str>),
    /// An array (its contents are not kept: no field expects one).
    Array,
    /// An object (its contents are not kept: no field expects one).
    Object,
}

impl FieldValue<'_> {
    /// The JSON type with an article, for messages: "a string", "an array", "null".
    pub fn kind(&self) -> &'static str {
        match self {
            FieldValue::Null => "null",
            FieldValue::Bool(_) => "a boolean",
            FieldValue::Unsigned(_) | FieldValue::Signed(_) | FieldValue::Float(_) => "a number",
            FieldValue::Text(_) => "a string",
            FieldValue::Array => "an array",
            FieldValue::Object => "an object",
        }
    }

    /// The value as a number, if it is one.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            FieldValue::Unsigned(n) => Some(n as f64),
            FieldValue::Signed(n) => Some(n as f64),
            FieldValue::Float(n) => Some(n),
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
            FieldValue::Text(s) => write!(f, "'{}'", excerpt(s)),
            FieldValue::Array => f.write_str("an array"),
            FieldValue::Object => f.write_str("an object"),
        }
    }
}

/// The first 40 characters of `s`, with "…" when cut.
pub fn excerpt(s: &str) -> Cow<'_, str> {
    match s.char_indices().nth(EXCERPT_CHARS) {
        None => Cow::Borrowed(s),
        Some((cut, _)) => Cow::Owned(format!("{}…", &s[..cut])),
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for FieldValue<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FieldValueVisitor)
    }
}

struct FieldValueVisitor;

impl<'de> Visitor<'de> for FieldValueVisitor {
    type Value = FieldValue<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(FieldValue::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(FieldValue::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(FieldValue::Bool(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(FieldValue::Unsigned(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(if v >= 0 {
            FieldValue::Unsigned(v as u64)
        } else {
            FieldValue::Signed(v)
        })
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(FieldValue::Float(v))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(FieldValue::Text(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(FieldValue::Text(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(FieldValue::Text(Cow::Owned(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(FieldValue::Array)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(FieldValue::Object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> FieldValue<'_> {
        serde_json::from_str(json).expect("test input is valid JSON")
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
}
