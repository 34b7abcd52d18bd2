//! Splitting and percent-decoding request targets.
//!
//! The server hands us the raw request target (`/api/users?page=2`); these
//! helpers turn it into a path and decoded query pairs.

/// Splits a request target into its path and (possibly empty) query.
pub fn split_target(target: &str) -> (&str, &str) {
    // A fragment never reaches a server, but a hand-written client might send one.
    let target = target.split('#').next().unwrap_or(target);
    match target.split_once('?') {
        Some((path, query)) => (path, query),
        None => (target, ""),
    }
}

/// Decodes `%XX` escapes (and `+` as a space when `plus_is_space`).
///
/// Returns `None` for a malformed escape or a result that is not UTF-8, so
/// callers can refuse the request instead of guessing.
pub fn percent_decode(input: &str, plus_is_space: bool) -> Option<String> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hi = hex_value(*bytes.get(i + 1)?)?;
                let lo = hex_value(*bytes.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Parses a query string into decoded `(name, value)` pairs, in order.
///
/// A pair without `=` gets an empty value. Returns the raw pair that failed
/// to decode as the error.
pub fn parse_query(query: &str) -> Result<Vec<(String, String)>, String> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            match (percent_decode(name, true), percent_decode(value, true)) {
                (Some(n), Some(v)) => Ok((n, v)),
                _ => Err(pair.to_string()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_path_and_query() {
        assert_eq!(split_target("/api/users?page=2"), ("/api/users", "page=2"));
        assert_eq!(split_target("/index.html"), ("/index.html", ""));
        assert_eq!(split_target("/a?b=1#frag"), ("/a", "b=1"));
    }

    #[test]
    fn decodes_escapes() {
        assert_eq!(percent_decode("%2e%2E/x", false).as_deref(), Some("../x"));
        assert_eq!(percent_decode("a+b", true).as_deref(), Some("a b"));
        assert_eq!(percent_decode("a+b", false).as_deref(), Some("a+b"));
        assert_eq!(percent_decode("%zz", false), None);
        assert_eq!(percent_decode("%4", false), None);
        assert_eq!(percent_decode("%ff", false), None);
    }

    #[test]
    fn parses_query_pairs() {
        let pairs = parse_query("page=2&fail_pages=3%2C5&defects&&x=").unwrap_or_default();
        let expected: Vec<(String, String)> = [
            ("page", "2"),
            ("fail_pages", "3,5"),
            ("defects", ""),
            ("x", ""),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        assert_eq!(pairs, expected);
        assert_eq!(parse_query("a=%g1"), Err("a=%g1".to_string()));
    }
}
