//! Whether an attempt succeeded, should be retried, was rate limited, or
//! failed for good: a pure judgement of the response or transport error.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::events::RetryCause;
use super::kinds::link_next;
use super::services::{HttpResponse, TransportError};
use crate::common::field::FieldValue;
use crate::common::hash::{hash_bytes, mix};
use crate::common::json_path::{at_path, detect_records, text_at};
use crate::provenance::FailureCode;

/// What is known of a page from its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PageSummary {
    /// `page`, when present and a non-negative integer.
    pub(crate) page: Option<u64>,
    /// `per_page`, when present and a positive integer.
    pub(crate) per_page: Option<u64>,
    /// `total`, when present and a non-negative integer.
    pub(crate) total: Option<u64>,
    /// `total_pages`, when present and a non-negative integer.
    pub(crate) total_pages: Option<u64>,
    /// Elements of the records array.
    pub(crate) records: usize,
    /// Where the records are (`data`, or the path set or detected).
    pub(crate) records_path: String,
    /// The next page's pointer the body holds (a cursor or a URL at the
    /// shape's next path), or, once the fetcher adds it, the `Link`
    /// header's next target; `None`: no next page.
    pub(crate) next: Option<String>,
    /// A hash of each element of `data` as JSON text, in order: the same
    /// record served twice has the same hash, whatever its id (records
    /// without an id included).
    pub(crate) record_hashes: Vec<u64>,
}

impl PageSummary {
    /// A hash of the page's records in order, to notice a page that
    /// repeats another; `None` for a page without records.
    pub(crate) fn fingerprint(&self) -> Option<u64> {
        (!self.record_hashes.is_empty()).then(|| {
            self.record_hashes
                .iter()
                .fold(0, |hash, record| mix(hash ^ record))
        })
    }

    /// The hash of the page's first record, if it has one.
    pub(crate) fn first_record(&self) -> Option<u64> {
        self.record_hashes.first().copied()
    }

    /// The hash of the page's last record, if it has one.
    pub(crate) fn last_record(&self) -> Option<u64> {
        self.record_hashes.last().copied()
    }
}

/// The judgement of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// A usable page.
    Success {
        /// The HTTP status (2xx).
        status: u16,
        /// What the body says about pagination.
        summary: PageSummary,
        /// The body, a JSON page envelope.
        body: Vec<u8>,
    },
    /// Worth retrying after a backoff delay; the text describes the failure.
    Retry(RetryCause, String),
    /// A 3xx: the page is elsewhere.
    Redirect {
        /// Where, when visible.
        location: Option<String>,
    },
    /// 429: wait (`Retry-After` or the fallback), then try again.
    RateLimited {
        /// The `Retry-After` header, if visible.
        retry_after: Option<String>,
    },
    /// Retrying cannot help; the text says what a person should do.
    Fail(FailureCode, String),
}

/// The outcome of one attempt, as the classifier sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Attempt {
    /// An HTTP response arrived (boxed: it is most of the size).
    Response(Box<HttpResponse>),
    /// The transport failed.
    Transport(TransportError),
    /// The attempt's time allowance ran out.
    TimedOut,
}

/// What a body is read for: where its records are (`None`: `data`, or
/// the one array of objects) and where the next page's pointer is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct BodyShape<'a> {
    /// The records' dotted path, when set.
    pub(crate) records: Option<&'a str>,
    /// The next pointer's dotted path, for cursor and next-URL walks.
    pub(crate) next: Option<&'a str>,
    /// How the key travels, for the message of a 401 (`None`: `x-api-key`).
    pub(crate) key_sent_as: Option<&'a str>,
    /// The next page is the `Link` header's `rel="next"` target.
    pub(crate) next_from_link: bool,
}

/// What a request with no answer from another origin may mean, and what to do.
pub(crate) const CORS_ADVICE: &str = "the API may not allow browser requests (CORS), or the \
     network failed; if the API does not allow browsers, fetch it with the command line \
     (customer-pipeline fetch)";

/// Judges one attempt, reading a 2xx body as `shape` says.
pub(crate) fn classify(attempt: Attempt, shape: BodyShape<'_>) -> Verdict {
    let response = match attempt {
        Attempt::TimedOut => return Verdict::Retry(RetryCause::Timeout, "timed out".into()),
        Attempt::Transport(TransportError::Network(text)) => {
            return Verdict::Retry(RetryCause::Network, format!("network error: {text}"))
        }
        Attempt::Transport(TransportError::CrossOrigin(text)) => {
            return Verdict::Retry(
                RetryCause::Network,
                format!("no answer from the API ({text}): {CORS_ADVICE}"),
            )
        }
        Attempt::Transport(TransportError::TooLarge { limit }) => {
            return Verdict::Fail(
                FailureCode::PageTooLarge,
                format!(
                    "the answer is larger than {} MB, the most a page may be; lower the page \
                     size, or raise the limit if the API's pages really are this large",
                    limit / (1 << 20)
                ),
            )
        }
        Attempt::Response(response) => *response,
    };
    let status = response.status;
    match status {
        200..=299 => match summarize_page(&response.body, shape) {
            Ok(mut summary) => {
                if shape.next_from_link {
                    summary.next = response.link.as_deref().and_then(link_next);
                }
                Verdict::Success {
                    status,
                    summary,
                    body: response.body,
                }
            }
            Err(PageProblem::NotJson(detail)) => Verdict::Retry(
                RetryCause::MalformedBody,
                format!("HTTP {status} with a body that is not valid JSON ({detail})"),
            ),
            Err(PageProblem::NotAnEnvelope(found)) => Verdict::Fail(
                FailureCode::NotAnEnvelope,
                match shape.records {
                    None => format!(
                        "HTTP {status}, but the body is not a page envelope with a \"data\" \
                         array (found {found}); check the API URL, or set where the records are"
                    ),
                    Some(path) => format!(
                        "HTTP {status}, but the body has no array of records at \"{path}\" \
                         (found {found}); check the API URL and the records setting"
                    ),
                },
            ),
        },
        300..=399 => Verdict::Redirect {
            location: response.location,
        },
        429 => Verdict::RateLimited {
            retry_after: response.retry_after,
        },
        408 => Verdict::Retry(
            RetryCause::RequestTimeout,
            "HTTP 408 Request Timeout".into(),
        ),
        501 => Verdict::Fail(
            FailureCode::HttpStatus,
            "HTTP 501 Not Implemented: the server does not support this request; check the API URL"
                .into(),
        ),
        500..=599 => Verdict::Retry(RetryCause::ServerError, format!("HTTP {status}")),
        401 => Verdict::Fail(
            FailureCode::AuthRejected,
            format!(
                "HTTP 401 Unauthorized: the API did not accept the API key; check the key \
                 (sent as {})",
                shape.key_sent_as.unwrap_or("x-api-key")
            ),
        ),
        403 => Verdict::Fail(
            FailureCode::AuthRejected,
            "HTTP 403 Forbidden: the API key may not read this endpoint; check the API key".into(),
        ),
        404 => Verdict::Fail(
            FailureCode::NotFound,
            "HTTP 404 Not Found: check the API URL".into(),
        ),
        400..=499 => Verdict::Fail(
            FailureCode::HttpStatus,
            format!("HTTP {status}: the API refused the request; check the URL and settings"),
        ),
        _ => Verdict::Fail(
            FailureCode::HttpStatus,
            format!("unexpected HTTP status {status}"),
        ),
    }
}

#[derive(Debug)]
enum PageProblem {
    NotJson(String),
    NotAnEnvelope(String),
}

#[derive(Deserialize)]
struct EnvelopeHead<'a> {
    #[serde(default)]
    page: Option<FieldValue<'a>>,
    #[serde(default)]
    per_page: Option<FieldValue<'a>>,
    #[serde(default)]
    total: Option<FieldValue<'a>>,
    #[serde(default)]
    total_pages: Option<FieldValue<'a>>,
    #[serde(borrow)]
    data: Option<&'a RawValue>,
}

fn summarize_page(body: &[u8], shape: BodyShape<'_>) -> Result<PageSummary, PageProblem> {
    let not_envelope = |found: &str| PageProblem::NotAnEnvelope(found.to_owned());
    let text = std::str::from_utf8(body).map_err(|_| PageProblem::NotJson("not UTF-8".into()))?;
    let value: &RawValue =
        serde_json::from_str(text).map_err(|e| PageProblem::NotJson(e.to_string()))?;
    if !value.get().starts_with('{') {
        return Err(not_envelope(match value.get().as_bytes()[0] {
            b'[' => "an array",
            _ => "a JSON value that is not an object",
        }));
    }
    let head: EnvelopeHead = serde_json::from_str(value.get())
        .map_err(|_| not_envelope("an object with duplicate keys"))?;
    let (records_path, data) = match (shape.records, head.data) {
        (Some(path), _) => {
            let data = at_path(value.get(), path)
                .ok_or_else(|| not_envelope(&format!("nothing at \"{path}\"")))?;
            (path.to_owned(), data)
        }
        (None, Some(data)) => ("data".to_owned(), data),
        (None, None) => {
            let path = detect_records(value.get()).ok_or_else(|| {
                not_envelope("an object without \"data\" or exactly one array of records")
            })?;
            let data = at_path(value.get(), &path)
                .ok_or_else(|| not_envelope("an object without \"data\""))?;
            (path, data)
        }
    };
    let records: Vec<&RawValue> = serde_json::from_str(data.get())
        .map_err(|_| not_envelope(&format!("\"{records_path}\" that is not an array")))?;
    let record_hashes = records
        .iter()
        .map(|record| hash_bytes(record.get().as_bytes()))
        .collect();
    let count = |value: Option<FieldValue>| match value {
        Some(FieldValue::Unsigned(n)) => Some(n),
        _ => None,
    };
    Ok(PageSummary {
        page: count(head.page),
        per_page: count(head.per_page).filter(|&n| n > 0),
        total: count(head.total),
        total_pages: count(head.total_pages),
        records: records.len(),
        records_path,
        next: shape.next.and_then(|path| text_at(value.get(), path)),
        record_hashes,
    })
}

/// Reads the summary of a page body that was already accepted once (a cached page).
pub(crate) fn summarize_cached(body: &[u8], shape: BodyShape<'_>) -> Option<PageSummary> {
    summarize_page(body, shape).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label<T: serde::Serialize>(value: T) -> String {
        serde_json::to_value(value)
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn response(status: u16, body: &str) -> Attempt {
        Attempt::Response(Box::new(HttpResponse {
            status,
            retry_after: None,
            location: None,
            link: None,
            rate: Default::default(),
            body: body.as_bytes().to_vec(),
        }))
    }

    const PAGE: &str =
        r#"{"page":1,"per_page":2,"total":4,"total_pages":2,"data":[{"id":1},{"id":"2"}]}"#;

    #[test]
    fn classification_table() {
        let kind = |attempt: &Attempt| match classify(attempt.clone(), BodyShape::default()) {
            Verdict::Success { .. } => "success".to_string(),
            Verdict::Retry(cause, _) => format!("retry:{}", label(cause)),
            Verdict::RateLimited { .. } => "rate_limited".to_string(),
            Verdict::Redirect { .. } => "redirect".to_string(),
            Verdict::Fail(code, _) => format!("fail:{}", label(code)),
        };
        let cases = [
            (response(200, PAGE), "success"),
            (response(203, PAGE), "success"),
            (response(500, ""), "retry:server_error"),
            (response(502, ""), "retry:server_error"),
            (response(503, ""), "retry:server_error"),
            (response(504, ""), "retry:server_error"),
            (response(599, ""), "retry:server_error"),
            (response(501, ""), "fail:http_status"),
            (response(408, ""), "retry:request_timeout"),
            (response(429, ""), "rate_limited"),
            (response(400, ""), "fail:http_status"),
            (response(401, ""), "fail:auth_rejected"),
            (response(403, ""), "fail:auth_rejected"),
            (response(404, ""), "fail:not_found"),
            (response(418, ""), "fail:http_status"),
            (response(302, ""), "redirect"),
            (response(301, ""), "redirect"),
            (response(199, ""), "fail:http_status"),
            (
                response(200, r#"{"page":1,"data":[{"id":1},"#),
                "retry:malformed_body",
            ),
            (response(200, ""), "retry:malformed_body"),
            (response(200, r#"[{"id":1}]"#), "fail:not_an_envelope"),
            (response(200, r#"{"page":1}"#), "fail:not_an_envelope"),
            (Attempt::TimedOut, "retry:timeout"),
            (
                Attempt::Transport(TransportError::TooLarge { limit: 64 << 20 }),
                "fail:page_too_large",
            ),
            (
                Attempt::Transport(TransportError::Network("Failed to fetch".into())),
                "retry:network",
            ),
        ];
        for (attempt, expected) in cases {
            assert_eq!(kind(&attempt), expected, "{attempt:?}");
        }
    }

    #[test]
    fn failures_say_what_to_do() {
        let message = |status| match classify(response(status, ""), BodyShape::default()) {
            Verdict::Fail(_, text) => text,
            other => panic!("{other:?}"),
        };
        assert!(message(401).contains("check the key"));
        assert!(message(403).contains("check the API key"));
        assert!(message(404).contains("check the API URL"));
    }

    #[test]
    fn a_page_summary_has_totals_and_ids() {
        match classify(response(200, PAGE), BodyShape::default()) {
            Verdict::Success { summary, .. } => {
                assert_eq!(summary.page, Some(1));
                assert_eq!(summary.per_page, Some(2));
                assert_eq!(summary.total, Some(4));
                assert_eq!(summary.total_pages, Some(2));
                assert_eq!(summary.records, 2);
                assert_eq!(
                    summary.record_hashes,
                    [hash_bytes(br#"{"id":1}"#), hash_bytes(br#"{"id":"2"}"#)]
                );
                assert_eq!(summary.first_record(), Some(hash_bytes(br#"{"id":1}"#)));
                assert_eq!(summary.last_record(), Some(hash_bytes(br#"{"id":"2"}"#)));
                assert!(summary.fingerprint().is_some());
            }
            other => panic!("{other:?}"),
        }
        match classify(response(200, r#"{"data":[]}"#), BodyShape::default()) {
            Verdict::Success { summary, .. } => {
                assert_eq!((summary.total_pages, summary.records), (None, 0));
                assert_eq!(summary.fingerprint(), None);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn records_are_read_where_the_shape_says_or_where_they_are_found() {
        let summary = |body: &str, shape: BodyShape| match classify(response(200, body), shape) {
            Verdict::Success { summary, .. } => {
                Ok((summary.records_path, summary.records, summary.next))
            }
            Verdict::Fail(code, text) => Err((label(code), text)),
            other => panic!("{other:?}"),
        };
        let hubspot = r#"{"results":[{"id":"1"},{"id":"2"}],"paging":{"next":{"after":"2"}}}"#;
        let cursor = BodyShape {
            records: Some("results"),
            next: Some("paging.next.after"),
            ..BodyShape::default()
        };
        assert_eq!(
            summary(hubspot, cursor),
            Ok(("results".into(), 2, Some("2".into())))
        );
        // Detected: the one array of objects.
        assert_eq!(
            summary(hubspot, BodyShape::default()),
            Ok(("results".into(), 2, None))
        );
        assert_eq!(
            summary(
                r#"{"page":{"items":[{"id":1}]}}"#,
                BodyShape {
                    records: Some("page.items"),
                    ..BodyShape::default()
                }
            ),
            Ok(("page.items".into(), 1, None))
        );
        // The last page has no cursor.
        assert_eq!(
            summary(r#"{"results":[]}"#, cursor),
            Ok(("results".into(), 0, None))
        );
        let (code, text) = summary(r#"{"customers":[{"id":1}]}"#, cursor).unwrap_err();
        assert_eq!(code, "not_an_envelope");
        assert!(
            text.contains("no array of records at \"results\""),
            "{text}"
        );
        let (_, text) =
            summary(r#"{"a":[{"id":1}],"b":[{"id":2}]}"#, BodyShape::default()).unwrap_err();
        assert!(text.contains("exactly one array of records"), "{text}");
    }

    #[test]
    fn a_rejected_key_names_how_it_was_sent() {
        let shape = BodyShape {
            key_sent_as: Some("Authorization: Bearer"),
            ..BodyShape::default()
        };
        match classify(response(401, ""), shape) {
            Verdict::Fail(_, text) => {
                assert!(text.contains("(sent as Authorization: Bearer)"), "{text}")
            }
            other => panic!("{other:?}"),
        }
    }
}
