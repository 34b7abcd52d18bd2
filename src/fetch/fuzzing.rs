//! The fuzz target of URLs (`fuzz/fuzz_targets/urls.rs`), behind the
//! `fuzzing` feature: what [`super::url`] builds by hand on top of the `url`
//! crate must agree with the `url` crate's own reading.

use super::url::{is_secret_parameter, parse_api_url, redact, with_query_numbers, Origin};

/// Any bytes as an API URL. A redacted URL keeps the origin and path and no
/// secret value; a page's URL keeps the origin, the path and every other
/// parameter, and holds `page` exactly once.
///
/// # Panics
/// When one of those does not hold.
pub fn check_url(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(url) = parse_api_url(text) else {
        return;
    };
    let origin = Origin::of(text).expect("parsed, so it has an origin");

    let shown = url::Url::parse(&redact(text)).expect("a redacted URL parses");
    assert_eq!(shown.origin(), url.origin());
    assert_eq!(shown.path(), url.path());
    // A secret parameter's value is written as ***; a bare name has none.
    for (name, value) in shown.query_pairs() {
        if is_secret_parameter(&name) {
            assert!(value == "***" || value.is_empty(), "{text}");
        }
    }
    let kept: Vec<_> = url
        .query_pairs()
        .filter(|(name, _)| !is_secret_parameter(name))
        .collect();
    let shown_kept: Vec<_> = shown
        .query_pairs()
        .filter(|(name, _)| !is_secret_parameter(name))
        .collect();
    assert_eq!(kept, shown_kept, "{text}");

    let page =
        url::Url::parse(&with_query_numbers(text, &[("page", 7)])).expect("a page URL parses");
    assert_eq!(Origin::of(page.as_str()).expect("same kind of URL"), origin);
    assert_eq!(page.path(), url.path());
    let pages: Vec<_> = page
        .query_pairs()
        .filter(|(name, _)| name == "page")
        .collect();
    assert_eq!(pages.len(), 1, "{text}");
    assert_eq!(pages[0].1, "7");
    let others: Vec<_> = url
        .query_pairs()
        .filter(|(name, _)| name != "page")
        .collect();
    let page_others: Vec<_> = page
        .query_pairs()
        .filter(|(name, _)| name != "page")
        .collect();
    assert_eq!(others, page_others, "{text}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checks_hold_on_urls_with_secrets_pages_and_fragments() {
        for url in [
            "https://api.example.com/v1/users?page=3&per_page=50&api_key=s3cret",
            "http://h/api/users?#frag",
            "https://h/a?token&page=1&page=2",
            "not a url",
            "https://h/",
        ] {
            check_url(url.as_bytes());
        }
    }
}
