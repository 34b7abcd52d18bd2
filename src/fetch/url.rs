//! API URLs: which ones a run accepts, their origins, where a redirect
//! leads, each page's address, and what of a URL may be written down.
//!
//! Parsing is the `url` crate's, which follows the WHATWG URL standard the
//! browser follows: the origin the API key is bound to is the origin the
//! request goes to (`https://api.example.com\@evil.example/` is
//! `api.example.com` for both). Nothing here parses URLs by hand.

use std::fmt;

use url::{Host, Url};

/// Query parameters whose values are credentials: sent on the request,
/// written everywhere else as `***` (compared without regard to case).
pub(crate) const SECRET_PARAMETERS: [&str; 9] = [
    "key",
    "api_key",
    "apikey",
    "token",
    "access_token",
    "secret",
    "password",
    "signature",
    "sig",
];

/// What stands for a secret's value wherever a URL is written down.
pub(crate) const REDACTED: &str = "***";

/// Why an API URL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UrlError {
    /// Nothing was given.
    Empty,
    /// Not an absolute URL with a host (relative, garbled, a bad port):
    /// the text as it may be shown ([`redact`]ed when it is made, so that
    /// showing the error parses no URL and a module without the fetcher
    /// carries no URL parser).
    NotAbsolute(String),
    /// A scheme other than `http` or `https` (`data:`, `javascript:`, `file:`, …).
    Scheme(String),
    /// A user name or password in the URL (`user:pass@host`).
    Userinfo,
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
            UrlError::Userinfo => f.write_str(
                "The API URL holds a user name or password (user:password@…), which would be \
                 written into the report and the link; put the credential in the API key field \
                 instead.",
            ),
        }
    }
}

impl std::error::Error for UrlError {}

/// Scheme, host and port: the unit the browser's same-origin rules (and
/// ours, for the API key) work with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin(url::Origin);

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.ascii_serialization())
    }
}

impl Origin {
    /// The origin of an absolute `http(s)://` URL.
    ///
    /// # Errors
    /// [`UrlError`] for an empty, relative or non-HTTP URL, or one with a
    /// user name or password.
    pub(crate) fn of(url: &str) -> Result<Origin, UrlError> {
        parse_api_url(url).map(|url| Origin(url.origin()))
    }

    /// Whether requests to this origin travel unencrypted beyond this
    /// machine: plain `http:` to a host that is not loopback.
    // Used by the page (`web`, wasm32 only) and by tests.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn is_insecure(&self) -> bool {
        match &self.0 {
            url::Origin::Tuple(scheme, host, _) => scheme == "http" && !is_loopback(host),
            url::Origin::Opaque(_) => true,
        }
    }
}

// Used by the page (`web`, wasm32 only) and by tests.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn is_loopback(host: &Host) -> bool {
    match host {
        Host::Domain(name) => name == "localhost" || name.ends_with(".localhost"),
        Host::Ipv4(address) => address.is_loopback(),
        Host::Ipv6(address) => address.is_loopback(),
    }
}

/// Parses an API URL: absolute, `http` or `https`, with a host and
/// without a user name or password.
///
/// # Errors
/// [`UrlError`] saying which of these it is not.
pub(crate) fn parse_api_url(text: &str) -> Result<Url, UrlError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(UrlError::Empty);
    }
    let url = Url::parse(text).map_err(|_| UrlError::NotAbsolute(redact(text)))?;
    match url.scheme() {
        "http" | "https" => {}
        other => return Err(UrlError::Scheme(other.to_owned())),
    }
    if url.host().is_none() {
        return Err(UrlError::NotAbsolute(redact(text)));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlError::Userinfo);
    }
    Ok(url)
}

/// Where a redirect's `Location` leads, resolved against the URL that
/// answered (absolute, scheme-relative, absolute-path and relative forms),
/// or `None` when it is no URL at all.
pub(crate) fn resolve(base: &str, location: &str) -> Option<String> {
    let base = Url::parse(base).ok()?;
    base.join(location.trim()).ok().map(String::from)
}

/// A URL without its query and fragment, as shown for where data came from.
pub(crate) fn without_query(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) => {
            parsed.set_query(None);
            parsed.set_fragment(None);
            parsed.into()
        }
        Err(_) => url.split(['?', '#']).next().unwrap_or(url).to_owned(),
    }
}

/// Whether a query parameter's name says its value is a credential.
pub(crate) fn is_secret_parameter(name: &str) -> bool {
    SECRET_PARAMETERS
        .iter()
        .any(|secret| secret.eq_ignore_ascii_case(name))
}

/// The query pairs as written (not decoded), in order.
fn raw_pairs(query: &str) -> impl Iterator<Item = (&str, Option<&str>)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (pair, None),
        })
}

/// A query parameter's name, percent-decoded.
fn decoded(name: &str) -> String {
    url::form_urlencoded::parse(name.as_bytes())
        .next()
        .map(|(name, _)| name.into_owned())
        .unwrap_or_default()
}

/// `url` as it may be written down (report, log, link): the values of
/// [`SECRET_PARAMETERS`] replaced by `***`, and any user name or password
/// dropped. Text that is no URL loses everything from its `?` on.
pub(crate) fn redact(url: &str) -> String {
    let Ok(mut parsed) = Url::parse(url.trim()) else {
        return url.split(['?', '#']).next().unwrap_or(url).to_owned();
    };
    // Neither fails on an http(s) URL with a host; on others there is nothing to drop.
    let _ = parsed.set_username("");
    let _ = parsed.set_password(None);
    if let Some(query) = parsed.query().map(str::to_owned) {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) if is_secret_parameter(&decoded(name)) => {
                    format!("{name}={REDACTED}")
                }
                _ => pair.to_owned(),
            })
            .collect();
        parsed.set_query(Some(&pairs.join("&")));
    }
    parsed.into()
}

/// `text` trimmed, when there is nothing in it for [`redact`] to take
/// out: a secret is only ever in a query (after a `?`) or a user name or
/// password (before an `@`), so a URL with neither is shown as typed. The
/// page's upload module has no URL parser and shows such URLs itself.
// Used by the page (`web`, wasm32 only) and by tests.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub(crate) fn without_secrets(text: &str) -> Option<&str> {
    let text = text.trim();
    (!text.contains(['?', '@'])).then_some(text)
}

/// The secret query values of `url`, as one string: part of the identity
/// of a page kept on the device, which keys pages by their redacted URL.
pub(crate) fn secret_values(url: &str) -> String {
    let Ok(parsed) = Url::parse(url) else {
        return String::new();
    };
    raw_pairs(parsed.query().unwrap_or(""))
        .filter(|(name, _)| is_secret_parameter(&decoded(name)))
        .map(|(name, value)| format!("{name}={}", value.unwrap_or("")))
        .collect::<Vec<_>>()
        .join("&")
}

/// `base` with the parameters `set` given these numbers in its query
/// (replacing any of the same names), as the browser would send it. Other
/// query parameters are kept as written; a fragment is dropped. Text that
/// is no URL is returned as it is (a run never gets that far with it).
pub(crate) fn with_query_numbers(base: &str, set: &[(&str, u64)]) -> String {
    let set: Vec<(&str, String)> = set
        .iter()
        .map(|(name, value)| (*name, value.to_string()))
        .collect();
    with_query(base, &set)
}

/// `base` with the parameters `set` given these values (percent-encoded as
/// a form would encode them), replacing any of the same names; other
/// parameters are kept as written and a fragment is dropped. Text that is
/// no URL is returned as it is.
pub(crate) fn with_query(base: &str, set: &[(&str, String)]) -> String {
    let Ok(mut url) = Url::parse(base.trim()) else {
        return base.to_owned();
    };
    url.set_fragment(None);
    let mut params: Vec<String> = raw_pairs(url.query().unwrap_or(""))
        .filter(|(name, _)| !set.iter().any(|(set_name, _)| decoded(name) == *set_name))
        .map(|(name, value)| match value {
            Some(value) => format!("{name}={value}"),
            None => name.to_owned(),
        })
        .collect();
    params.extend(set.iter().map(|(name, value)| {
        let encoded: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
        format!("{name}={encoded}")
    }));
    url.set_query(Some(&params.join("&")));
    url.into()
}

/// `url` without the query parameter `name` (decoded names compared);
/// an empty query is dropped. Text that is no URL is returned as it is.
pub(crate) fn without_param(url: &str, name: &str) -> String {
    let Ok(mut parsed) = Url::parse(url.trim()) else {
        return url.to_owned();
    };
    let kept: Vec<String> = raw_pairs(parsed.query().unwrap_or(""))
        .filter(|(pair_name, _)| decoded(pair_name) != name)
        .map(|(name, value)| match value {
            Some(value) => format!("{name}={value}"),
            None => name.to_owned(),
        })
        .collect();
    parsed.set_query((!kept.is_empty()).then(|| kept.join("&")).as_deref());
    parsed.into()
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
            ("http://reqres.in:80/api", Ok("http://reqres.in")),
            ("http://[::1]:9000/api", Ok("http://[::1]:9000")),
            ("http://[0:0:0:0:0:0:0:1]/api", Ok("http://[::1]")),
            ("  https://a.b  ", Ok("https://a.b")),
            // The browser's reading: a backslash ends the host.
            (
                "https://api.example.com\\@evil.example/",
                Ok("https://api.example.com"),
            ),
            // No Unicode tables in the module (`idna_adapter` 1.0, see
            // Cargo.toml): a host name is ASCII, an international one is
            // given in its `xn--` form, which is what the browser sends.
            (
                "https://bücher.example/api",
                Err(UrlError::NotAbsolute("https://bücher.example/api".into())),
            ),
            (
                "https://xn--bcher-kva.example/api",
                Ok("https://xn--bcher-kva.example"),
            ),
            ("https://EXAMPLE.com./x", Ok("https://example.com.")),
            ("http://0x7f.1/x", Ok("http://127.0.0.1")),
            ("", Err(UrlError::Empty)),
            (
                "/api/users",
                Err(UrlError::NotAbsolute("/api/users".into())),
            ),
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
            ("http://user:pw@host:81/", Err(UrlError::Userinfo)),
            ("https://token@host/", Err(UrlError::Userinfo)),
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
        assert_eq!(
            Origin::of("https://a.example/x").unwrap(),
            Origin::of("https://A.EXAMPLE:443/y").unwrap()
        );
    }

    #[test]
    fn plain_http_is_insecure_except_on_loopback() {
        for (url, insecure) in [
            ("http://api.example.com/x", true),
            ("http://10.0.0.2/x", true),
            ("https://api.example.com/x", false),
            ("http://127.0.0.1:8080/x", false),
            ("http://127.8.9.1/x", false),
            ("http://localhost:8080/x", false),
            ("http://app.localhost/x", false),
            ("http://[::1]:8080/x", false),
            ("http://localhost.example.com/x", true),
        ] {
            assert_eq!(Origin::of(url).unwrap().is_insecure(), insecure, "{url}");
        }
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
            // Dot segments, encoded or not, stay inside the origin's paths.
            ("/a/%2e%2e/b", "http://h:1/b"),
            ("../../../x", "http://h:1/x"),
            ("\\\\evil.example/x", "http://evil.example/x"),
        ];
        for (location, expected) in cases {
            assert_eq!(
                resolve(base, location).as_deref(),
                Some(expected),
                "{location}"
            );
        }
        assert_eq!(resolve("http://h", "x").as_deref(), Some("http://h/x"));
        assert_eq!(resolve("not a url", "x"), None);
        assert_eq!(without_query("http://h/a?page=1#f"), "http://h/a");
    }

    #[test]
    fn secrets_in_the_query_are_written_as_stars() {
        let cases = [
            (
                "https://h/api/users?api_key=SECRET&page=2",
                "https://h/api/users?api_key=***&page=2",
            ),
            (
                "https://h/u?Token=a&KEY=b&apikey=c&access_token=d&secret=e&password=f&signature=g&sig=h&keep=1",
                "https://h/u?Token=***&KEY=***&apikey=***&access_token=***&secret=***&password=***&signature=***&sig=***&keep=1",
            ),
            ("https://h/u?api%5Fkey=x", "https://h/u?api%5Fkey=***"),
            ("https://h/u?token", "https://h/u?token"),
            ("https://user:pass@h/u?x=1", "https://h/u?x=1"),
            ("https://h/u#token=x", "https://h/u#token=x"),
            ("not a url?token=x", "not a url"),
            ("https://h/a@b?x=1", "https://h/a@b?x=1"),
        ];
        for (url, shown) in cases {
            assert_eq!(redact(url), shown, "{url}");
            assert!(!redact(url).contains("SECRET"));
        }
        assert_eq!(
            secret_values("https://h/u?a=1&token=t1&key=k"),
            "token=t1&key=k"
        );
        assert_eq!(secret_values("https://h/u?a=1"), "");
    }

    #[test]
    fn a_url_without_a_query_or_user_info_has_nothing_to_redact() {
        let plain = [
            "https://reqres.in/api/users",
            "HTTPS://API.Example.com:443/a/../b/%3Ftoken=x%40y",
            "https://h/u#token=x&api_key=y",
            "https:\\\\h\\api_key=x",
            " https://h/u/token=secret ",
            "http://[::1]:8080/x",
        ];
        for url in plain {
            assert_eq!(without_secrets(url), Some(url.trim()), "{url}");
            // What the page shows for it is what redact would show.
            let shown = redact(url);
            assert!(!shown.contains(REDACTED), "{url}");
            assert_eq!(Url::parse(&shown), Url::parse(url.trim()), "{url}");
        }
        for url in [
            "https://h/u?token=x",
            "https://u:p@h/",
            "https://h/u?page=2",
            "https://u@h/",
        ] {
            assert_eq!(without_secrets(url), None, "{url}");
        }
        assert_ne!(redact("https://h/u?token=x"), "https://h/u?token=x");
        assert_ne!(redact("https://u:p@h/"), "https://u:p@h/");
    }

    #[test]
    fn page_numbers_replace_their_parameters_and_keep_the_rest() {
        assert_eq!(
            with_query_numbers("http://h/api/users", &[("page", 2)]),
            "http://h/api/users?page=2"
        );
        assert_eq!(
            with_query_numbers(
                "http://h/api/users?page=9&per_page=3&delay=1&q=a%20b",
                &[("page", 2), ("per_page", 6)]
            ),
            "http://h/api/users?delay=1&q=a%20b&page=2&per_page=6"
        );
        assert_eq!(
            with_query_numbers("http://h/api/users?#frag", &[("page", 1)]),
            "http://h/api/users?page=1"
        );
    }

    #[test]
    fn texts_are_encoded_and_a_parameter_can_be_taken_out() {
        assert_eq!(
            with_query("http://h/c?limit=5", &[("after", "a b&c".into())]),
            "http://h/c?limit=5&after=a+b%26c"
        );
        assert_eq!(
            without_param("http://h/c?hapikey=S&limit=5", "hapikey"),
            "http://h/c?limit=5"
        );
        assert_eq!(
            without_param("http://h/c?hapikey=S", "hapikey"),
            "http://h/c"
        );
    }
}
