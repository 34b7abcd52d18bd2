//! JSON text written by one formatter and reshaped. Every serde formatter
//! instantiates the serializer of every field of every type again, so a
//! type written both pretty (the report's file) and compact (for the
//! page) was in the `.wasm` twice (about 14 KB, issue 22): it is now
//! written pretty only and compacted here.

use serde::Serialize;

/// `value` as `serde_json::to_string` writes it, by way of its pretty form.
///
/// # Errors
/// What serde_json says when `value` does not serialize (never for the
/// crate's types, which are plain data).
pub(crate) fn to_compact_string<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    serde_json::to_string_pretty(value).map(|pretty| compact(&pretty))
}

/// `pretty` (JSON text) without whitespace between tokens. For serde_json's
/// pretty output these are the bytes its compact formatter writes: the two
/// differ only in the line breaks, indents and the space after each `:`,
/// never inside a string (where a line break is written `\n`).
fn compact(pretty: &str) -> String {
    let mut out = String::with_capacity(pretty.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in pretty.chars() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        } else if c.is_ascii_whitespace() {
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_same_bytes_as_the_compact_formatter() {
        let values = [
            json!({}),
            json!([]),
            json!({"a": [], "b": {}, "c": [1, 2.5, -3e-7, null, true, false]}),
            json!({"spaces inside": "a  b\n c\t\"d\" \\ e: {f}, [g]", "é": "ünï €"}),
            json!([[["deep", {"x": {"y": [" ", "\\", "\\\"", ""]}}]]]),
            json!("only a string with : and ,"),
            json!(12),
        ];
        for value in values {
            let expected = serde_json::to_string(&value).unwrap();
            assert_eq!(to_compact_string(&value).unwrap(), expected, "{value}");
        }
    }

    #[test]
    fn whitespace_inside_strings_is_kept() {
        // Not a no-op: the pretty form has line breaks and indents.
        let value = json!({"k": "a b  c", "l": [" x "]});
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        assert_ne!(pretty, serde_json::to_string(&value).unwrap());
        assert_eq!(compact(&pretty), r#"{"k":"a b  c","l":[" x "]}"#);
    }
}
