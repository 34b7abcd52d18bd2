//! API URLs: which ones a run accepts, their origins, and where a redirect
//! leads. The API key is only ever sent to the origin of the URL the user
//! gave, so every redirect is judged here before it is followed.

use std::fmt;

/// Why an API URL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlError {
    /// Nothing was given.
    Empty,
    /// The URL has no `scheme://host` part (a relative or garbled URL).
    NotAbsolute(String),
    /// A scheme other than `http` or `https` (`data:`, `javascript:`, `file:`, …).
    Scheme(String),
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlError::Empty => f.write_str("Enter the API URL, e.g. https://reqres.in/api/users."),
            UrlError::NotAbsolute(url) => write!(
                f,
                "The API URL must be an absolute http:// or https:// URL with a host; got '{url}'."
            ),
            UrlError::Scheme(scheme) => write!(
                f,
                "The API URL must start with http:// or https://; '{scheme}:' URLs are not fetched."
            ),
        }
    }
}

impl std::error::Error for UrlError {}

/// Scheme, host and port: the unit the browser's same-origin rules (and
/// ours, for the API key) work with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let default = if self.scheme == "https" { 443 } else { 80 };
        if self.port == default {
            write!(f, "{}://{}", self.scheme, self.host)
        } else {
            write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
        }
    }
}

impl Origin {
    /// The origin of an absolute `http(s)://` URL.
    ///
    /// # Errors
    /// [`UrlError`] for an empty, relative or non-HTTP URL.
    pub fn of(url: &str) -> Result<Origin, UrlError> {
        let url = url.trim();
        if url.is_empty() {
            return Err(UrlError::Empty);
        }
        let (scheme, rest) = split_scheme(url).ok_or_else(|| UrlError::NotAbsolute(url.into()))?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(UrlError::Scheme(scheme));
        }
        let rest = rest
            .strip_prefix("//")
            .ok_or_else(|| UrlError::NotAbsolute(url.into()))?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host_port = authority.rsplit('@').next().unwrap_or("");
        let (host, port) =
            split_port(host_port).ok_or_else(|| UrlError::NotAbsolute(url.into()))?;
        if host.is_empty() {
            return Err(UrlError::NotAbsolute(url.into()));
        }
        let default = if scheme == "https" { 443 } else { 80 };
        Ok(Origin {
            host: host.to_ascii_lowercase(),
            port: port.unwrap_or(default),
            scheme,
        })
    }
}

/// `scheme:rest` when the URL starts with a valid scheme.
fn split_scheme(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once(':')?;
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then_some((scheme, rest))
}

/// Host and optional port of `host[:port]` or `[v6]:port`; `None` for a bad port.
fn split_port(host_port: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        let (inside, after) = v6.split_once(']')?;
        (&host_port[..inside.len() + 2], after.strip_prefix(':'))
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    match port {
        None | Some("") => Some((host, None)),
        Some(digits) => digits.parse().ok().map(|port| (host, Some(port))),
    }
}

/// Where a redirect's `Location` leads, resolved against the URL that
/// answered: absolute, scheme-relative (`//host/…`), absolute-path
/// (`/path`) and relative (`path`) forms.
pub fn resolve(base: &str, location: &str) -> String {
    let location = location.trim();
    if split_scheme(location).is_some_and(|(_, rest)| rest.starts_with("//")) {
        return location.to_owned();
    }
    let Some((scheme, rest)) = split_scheme(base) else {
        return location.to_owned();
    };
    if let Some(authority_relative) = location.strip_prefix("//") {
        return format!("{scheme}://{authority_relative}");
    }
    let after_slashes = rest.trim_start_matches('/');
    let authority_end = after_slashes
        .find(['/', '?', '#'])
        .unwrap_or(after_slashes.len());
    let root = format!("{scheme}://{}", &after_slashes[..authority_end]);
    if location.starts_with('/') {
        return format!("{root}{location}");
    }
    let path = &after_slashes[authority_end..];
    let path = path.split(['?', '#']).next().unwrap_or("");
    let directory = &path[..path.rfind('/').map_or(0, |slash| slash + 1)];
    let directory = if directory.is_empty() { "/" } else { directory };
    format!("{root}{directory}{location}")
}

/// A URL without its query and fragment, as shown for where data came from.
pub fn without_query(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_table() {
        let cases = [
            (
                "http://127.0.0.1:8080/api/users",
                Ok("http://127.0.0.1:8080"),
            ),
            ("HTTPS://Reqres.IN/api/users?x=1", Ok("https://reqres.in")),
            ("https://reqres.in:443/api", Ok("https://reqres.in")),
            ("http://user:pw@host:81/", Ok("http://host:81")),
            ("http://[::1]:9000/api", Ok("http://[::1]:9000")),
            ("  https://a.b  ", Ok("https://a.b")),
            ("", Err(UrlError::Empty)),
            (
                "/api/users",
                Err(UrlError::NotAbsolute("/api/users".into())),
            ),
            ("http:/x", Err(UrlError::NotAbsolute("http:/x".into()))),
            ("http://", Err(UrlError::NotAbsolute("http://".into()))),
            (
                "http://h:99999/",
                Err(UrlError::NotAbsolute("http://h:99999/".into())),
            ),
            (
                "data:application/json,{}",
                Err(UrlError::Scheme("data".into())),
            ),
            (
                "javascript:alert(1)",
                Err(UrlError::Scheme("javascript".into())),
            ),
            ("FILE:///etc/passwd", Err(UrlError::Scheme("file".into()))),
        ];
        for (url, expected) in cases {
            let got = Origin::of(url).map(|origin| origin.to_string());
            assert_eq!(got, expected.map(str::to_owned), "{url}");
        }
    }

    #[test]
    fn same_origin_needs_scheme_host_and_port() {
        let api = Origin::of("http://127.0.0.1:8765/api/users").unwrap();
        assert_eq!(
            Origin::of("http://127.0.0.1:8765/other?page=2").unwrap(),
            api
        );
        assert_ne!(Origin::of("http://localhost:8765/api/users").unwrap(), api);
        assert_ne!(Origin::of("https://127.0.0.1:8765/api/users").unwrap(), api);
        assert_ne!(Origin::of("http://127.0.0.1:8766/api/users").unwrap(), api);
    }

    #[test]
    fn locations_resolve_against_the_answering_url() {
        let base = "http://h:1/api/users?page=2";
        let cases = [
            ("http://other/x?page=2", "http://other/x?page=2"),
            ("//other:2/y", "http://other:2/y"),
            (
                "/api/moved/users?page=2",
                "http://h:1/api/moved/users?page=2",
            ),
            ("moved?page=2", "http://h:1/api/moved?page=2"),
        ];
        for (location, expected) in cases {
            assert_eq!(resolve(base, location), expected, "{location}");
        }
        assert_eq!(resolve("http://h", "x"), "http://h/x");
        assert_eq!(without_query("http://h/a?page=1#f"), "http://h/a");
    }
}
