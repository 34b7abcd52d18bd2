//! The `/api/users` endpoint as pure functions: query in, reply out.
//!
//! The server adds what needs the outside world (attempt counters, the
//! clock, sleeping, the socket); everything decided here is testable
//! without a network.

use std::fmt;
use std::ops::Range;
use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde_json::json;

use crate::config::{ConfigError, Settings};
use crate::dataset::Record;
use crate::faults::{decide, duplicates_previous, retry_after_value, Fault};

/// Which page a request asks for, and how big pages are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based page number.
    pub page: u32,
    /// Records per page.
    pub per_page: usize,
}

/// A request's query, read against the server-wide settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedQuery {
    /// Server-wide settings with the query's overrides applied.
    pub settings: Settings,
    /// The page asked for.
    pub request: PageRequest,
    /// The recognised parameters other than `page`, normalised; attempt
    /// counters are kept per `(scenario, page)`.
    pub scenario: String,
}

/// Why an API request is refused with 400.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// `page` is not a whole number of at least 1.
    BadPage {
        /// The value as given.
        value: String,
    },
    /// A setting given as a query parameter has an invalid value.
    BadSetting(ConfigError),
    /// The query string has a malformed percent escape.
    BadEncoding {
        /// The raw `name=value` pair.
        pair: String,
    },
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::BadPage { value } => {
                write!(
                    f,
                    "invalid page `{value}`: expected a whole number of 1 or more"
                )
            }
            ApiError::BadSetting(e) => write!(f, "{e}"),
            ApiError::BadEncoding { pair } => {
                write!(
                    f,
                    "query parameter `{pair}` is not valid percent-encoded UTF-8"
                )
            }
        }
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    /// The JSON body sent with the 400.
    pub fn body(&self) -> String {
        json!({ "error": self.to_string() }).to_string()
    }
}

/// Reads `page` and any setting overrides from decoded query pairs.
///
/// Names that are not settings (cache busters such as `_=123`) are ignored
/// and left out of the scenario key, so they cannot reset attempt counting.
/// A missing `page` means page 1, as on reqres.in.
///
/// # Errors
/// [`ApiError::BadPage`] for a `page` that is not an integer >= 1;
/// [`ApiError::BadSetting`] for a known setting with an invalid value.
pub fn parse_query(pairs: &[(String, String)], base: &Settings) -> Result<ParsedQuery, ApiError> {
    let mut settings = base.clone();
    let mut page = 1;
    let mut scenario: Vec<String> = Vec::new();
    for (name, value) in pairs {
        if name == "page" {
            page = match value.trim().parse::<u32>() {
                Ok(p) if p >= 1 => p,
                _ => {
                    return Err(ApiError::BadPage {
                        value: value.clone(),
                    })
                }
            };
            continue;
        }
        match settings.apply(name, value) {
            Ok(()) => scenario.push(format!("{name}={value}")),
            Err(ConfigError::UnknownSetting { .. }) => {}
            Err(e) => return Err(ApiError::BadSetting(e)),
        }
    }
    scenario.sort();
    let per_page = settings.per_page;
    Ok(ParsedQuery {
        settings,
        request: PageRequest { page, per_page },
        scenario: scenario.join("&"),
    })
}

/// Number of pages needed for `total` records.
pub fn total_pages(total: usize, per_page: usize) -> usize {
    total.div_ceil(per_page.max(1))
}

/// Indices of the records on `page`; empty past the last page.
pub fn page_range(total: usize, per_page: usize, page: u32) -> Range<usize> {
    let start = (page.saturating_sub(1) as usize)
        .saturating_mul(per_page)
        .min(total);
    let end = start.saturating_add(per_page).min(total);
    start..end
}

/// `total` and `total_pages` as reported on `page`.
///
/// With `changing_total`, page 1 claims one page fewer than there are (and
/// a total that fits in those pages), as a listing that grows while being
/// read would; clients must trust the latest page they saw.
pub fn reported_totals(
    total: usize,
    per_page: usize,
    page: u32,
    changing_total: bool,
) -> (usize, usize) {
    let pages = total_pages(total, per_page);
    if changing_total && page == 1 {
        let fewer = pages.saturating_sub(1);
        (total.min(fewer.saturating_mul(per_page)), fewer)
    } else {
        (total, pages)
    }
}

/// What the log and the console call an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 200 with the page.
    Ok,
    /// 200 with the page, after the slow delay.
    Slow,
    /// 200 with truncated JSON.
    Malformed,
    /// 500 or 503.
    ServerError(u16),
    /// 429.
    RateLimited,
    /// 401.
    Unauthorized,
}

impl Outcome {
    /// The label used in `/__admin/log`: `ok`, `slow`, `malformed`, or the status.
    pub fn label(self) -> String {
        match self {
            Outcome::Ok => "ok".into(),
            Outcome::Slow => "slow".into(),
            Outcome::Malformed => "malformed".into(),
            Outcome::ServerError(code) => code.to_string(),
            Outcome::RateLimited => "429".into(),
            Outcome::Unauthorized => "401".into(),
        }
    }
}

/// A complete API answer, ready to be sent after `delay`.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// How the log classifies it.
    pub outcome: Outcome,
    /// JSON body (invalid JSON when `outcome` is `Malformed`).
    pub body: String,
    /// `Retry-After` value, for 429.
    pub retry_after: Option<String>,
    /// Records in `data` (also counted for a malformed body).
    pub records: usize,
    /// How long to wait before answering.
    pub delay: Duration,
    /// One-line description for the console, e.g. `503 injected failure`.
    pub summary: String,
}

#[derive(Serialize)]
struct PageBody<'a> {
    page: u32,
    per_page: usize,
    total: usize,
    total_pages: usize,
    data: Vec<&'a Record>,
}

fn error_reply(
    status: u16,
    outcome: Outcome,
    message: &str,
    summary: String,
    delay: Duration,
) -> Reply {
    Reply {
        status,
        outcome,
        body: json!({ "error": message }).to_string(),
        retry_after: None,
        records: 0,
        delay,
        summary,
    }
}

/// Builds the answer to attempt `attempt` of a page request.
///
/// The API key is checked first, then faults are applied in the order
/// `fail_pages`, 429, 500/503, slow, malformed (see [`decide`]).
/// `presented_key` is the request's `x-api-key` header, `now` only feeds an
/// HTTP-date `Retry-After`.
pub fn answer(
    settings: &Settings,
    request: PageRequest,
    attempt: u32,
    presented_key: Option<&str>,
    dataset: &[Record],
    now: SystemTime,
) -> Reply {
    let latency = Duration::from_millis(settings.latency_ms);
    if let Some(expected) = &settings.api_key {
        match presented_key.filter(|k| !k.is_empty()) {
            None => {
                return error_reply(
                    401,
                    Outcome::Unauthorized,
                    "Missing API key",
                    "401 missing API key".into(),
                    latency,
                )
            }
            Some(k) if k != expected => {
                return error_reply(
                    401,
                    Outcome::Unauthorized,
                    "Invalid API key",
                    "401 invalid API key".into(),
                    latency,
                )
            }
            Some(_) => {}
        }
    }

    let fault = decide(settings, request.page, attempt);
    match fault {
        Some(Fault::FailPage) => {
            return error_reply(
                503,
                Outcome::ServerError(503),
                "Service Unavailable (fail page)",
                "503 fail page".into(),
                latency,
            )
        }
        Some(Fault::ServerError(code)) => {
            let message = if code == 500 {
                "Internal Server Error (injected)"
            } else {
                "Service Unavailable (injected)"
            };
            return error_reply(
                code,
                Outcome::ServerError(code),
                message,
                format!("{code} injected failure"),
                latency,
            );
        }
        Some(Fault::RateLimited) => {
            let value =
                retry_after_value(settings.retry_after_format, settings.retry_after_secs, now);
            let mut reply = error_reply(
                429,
                Outcome::RateLimited,
                "Too Many Requests (injected)",
                format!("429 injected rate limit (Retry-After: {value})"),
                latency,
            );
            reply.retry_after = Some(value);
            return reply;
        }
        _ => {}
    }

    let PageRequest { page, per_page } = request;
    let total = dataset.len();
    let own = page_range(total, per_page, page);
    let mut data: Vec<&Record> = Vec::new();
    let mut repeated = 0;
    if !own.is_empty() && duplicates_previous(settings, page) {
        let previous = page_range(total, per_page, page - 1);
        // A third of a page, as if the listing shifted under the client.
        repeated = (per_page / 3).clamp(1, previous.len());
        data.extend(&dataset[previous.end - repeated..previous.end]);
    }
    data.extend(&dataset[own]);
    let (reported_total, reported_pages) =
        reported_totals(total, per_page, page, settings.changing_total);
    let records = data.len();
    let body = PageBody {
        page,
        per_page,
        total: reported_total,
        total_pages: reported_pages,
        data,
    };
    let body = serde_json::to_string(&body)
        .unwrap_or_else(|e| json!({ "error": e.to_string() }).to_string());
    let detail = if repeated > 0 {
        format!(
            "{records} records, {repeated} repeated from page {}",
            page - 1
        )
    } else {
        format!("{records} records")
    };

    match fault {
        Some(Fault::Malformed) => {
            // Any strict prefix of a JSON object is invalid JSON.
            let mut cut = body.len() / 2;
            while !body.is_char_boundary(cut) {
                cut -= 1;
            }
            Reply {
                status: 200,
                outcome: Outcome::Malformed,
                body: body[..cut].to_string(),
                retry_after: None,
                records,
                delay: latency,
                summary: format!("200 injected malformed JSON ({detail}, truncated)"),
            }
        }
        Some(Fault::Slow) => Reply {
            status: 200,
            outcome: Outcome::Slow,
            body,
            retry_after: None,
            records,
            delay: latency + Duration::from_millis(settings.slow_ms),
            summary: format!(
                "200 injected slow answer after {} ms ({detail})",
                settings.slow_ms
            ),
        },
        _ => Reply {
            status: 200,
            outcome: Outcome::Ok,
            body,
            retry_after: None,
            records,
            delay: latency,
            summary: format!("200 ok ({detail})"),
        },
    }
}

/// CORS headers for API and admin responses.
///
/// `methods` differs: the API is read-only, the admin endpoints take POST.
pub fn cors_headers(
    methods: &'static str,
    expose_retry_after: bool,
) -> Vec<(&'static str, &'static str)> {
    let mut headers = vec![
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Allow-Methods", methods),
        ("Access-Control-Allow-Headers", "x-api-key, content-type"),
        ("Access-Control-Max-Age", "600"),
    ];
    if expose_retry_after {
        headers.push(("Access-Control-Expose-Headers", "Retry-After"));
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RetryAfterFormat;
    use crate::dataset::{build, DatasetSpec};
    use serde_json::Value;
    use std::collections::BTreeSet;

    fn pairs(query: &str) -> Vec<(String, String)> {
        crate::url::parse_query(query).unwrap_or_default()
    }

    fn calm() -> Settings {
        Settings {
            failure_rate: 0.0,
            ..Settings::default()
        }
    }

    fn reqres() -> Vec<Record> {
        build(DatasetSpec {
            users: None,
            seed: 1,
            defects: false,
        })
    }

    fn body(reply: &Reply) -> Value {
        serde_json::from_str(&reply.body).unwrap_or(Value::Null)
    }

    fn ids(v: &Value) -> Vec<u64> {
        v["data"]
            .as_array()
            .map(|a| a.iter().filter_map(|r| r["id"].as_u64()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn query_overrides_and_scenario_key() {
        let base = Settings::default();
        let q = parse_query(
            &pairs("page=3&per_page=4&failure_rate=0&fail_pages=3,5&_=123"),
            &base,
        );
        let q = q.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            q.request,
            PageRequest {
                page: 3,
                per_page: 4
            }
        );
        assert_eq!(q.settings.failure_rate, 0.0);
        assert_eq!(q.settings.fail_pages, BTreeSet::from([3, 5]));
        // Sorted, page and unknown names dropped.
        assert_eq!(q.scenario, "fail_pages=3,5&failure_rate=0&per_page=4");
        let same = parse_query(
            &pairs("fail_pages=3,5&page=9&per_page=4&failure_rate=0"),
            &base,
        );
        assert_eq!(same.map(|q| q.scenario), Ok(q.scenario.clone()));
        let plain = parse_query(&[], &base).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            plain.request,
            PageRequest {
                page: 1,
                per_page: 6
            }
        );
        assert_eq!(plain.scenario, "");
    }

    #[test]
    fn bad_page_and_per_page_are_400s() {
        let base = Settings::default();
        for q in ["page=0", "page=-1", "page=abc", "page=1.5", "page="] {
            assert!(
                matches!(parse_query(&pairs(q), &base), Err(ApiError::BadPage { .. })),
                "{q}"
            );
        }
        for q in ["per_page=0", "per_page=x", "failure_rate=2"] {
            assert!(
                matches!(parse_query(&pairs(q), &base), Err(ApiError::BadSetting(_))),
                "{q}"
            );
        }
        let err = parse_query(&pairs("page=0"), &base).unwrap_err();
        let v: Value = serde_json::from_str(&err.body()).unwrap_or(Value::Null);
        assert!(v["error"].as_str().is_some_and(|m| m.contains("page")));
    }

    #[test]
    fn pagination_math() {
        assert_eq!(total_pages(12, 6), 2);
        assert_eq!(total_pages(13, 6), 3);
        assert_eq!(total_pages(0, 6), 0);
        assert_eq!(page_range(12, 6, 1), 0..6);
        assert_eq!(page_range(12, 6, 2), 6..12);
        assert_eq!(page_range(12, 6, 3), 12..12);
        assert_eq!(page_range(13, 6, 3), 12..13);
        assert_eq!(page_range(12, 5, u32::MAX), 12..12);
        assert_eq!(page_range(12, 100, 1), 0..12);
    }

    #[test]
    fn page_shape_matches_reqres() {
        let data = reqres();
        let reply = answer(
            &calm(),
            PageRequest {
                page: 2,
                per_page: 6,
            },
            1,
            None,
            &data,
            SystemTime::now(),
        );
        assert_eq!(
            (reply.status, reply.outcome, reply.records),
            (200, Outcome::Ok, 6)
        );
        assert!(reply
            .body
            .starts_with(r#"{"page":2,"per_page":6,"total":12,"total_pages":2,"data":[{"id":7,"#));
        assert_eq!(ids(&body(&reply)), [7, 8, 9, 10, 11, 12]);
        assert_eq!(reply.summary, "200 ok (6 records)");

        let past = answer(
            &calm(),
            PageRequest {
                page: 3,
                per_page: 6,
            },
            1,
            None,
            &data,
            SystemTime::now(),
        );
        let v = body(&past);
        assert_eq!(v["data"], Value::Array(vec![]));
        assert_eq!(
            (v["page"].as_u64(), v["total_pages"].as_u64()),
            (Some(3), Some(2))
        );

        let small = answer(
            &calm(),
            PageRequest {
                page: 3,
                per_page: 5,
            },
            1,
            None,
            &data,
            SystemTime::now(),
        );
        assert_eq!(ids(&body(&small)), [11, 12]);
        assert_eq!(body(&small)["total_pages"].as_u64(), Some(3));
    }

    #[test]
    fn changing_total_lies_on_page_one_only() {
        assert_eq!(reported_totals(12, 6, 1, true), (6, 1));
        assert_eq!(reported_totals(12, 6, 2, true), (12, 2));
        assert_eq!(reported_totals(13, 6, 1, true), (12, 2));
        assert_eq!(reported_totals(13, 6, 1, false), (13, 3));
        assert_eq!(reported_totals(0, 6, 1, true), (0, 0));
        let s = Settings {
            changing_total: true,
            ..calm()
        };
        let v = body(&answer(
            &s,
            PageRequest {
                page: 1,
                per_page: 6,
            },
            1,
            None,
            &reqres(),
            SystemTime::now(),
        ));
        assert_eq!(
            (v["total"].as_u64(), v["total_pages"].as_u64()),
            (Some(6), Some(1))
        );
        assert_eq!(ids(&v).len(), 6, "the data itself is still the true page 1");
    }

    #[test]
    fn api_key_is_checked_before_faults() {
        let s = Settings {
            api_key: Some("k".into()),
            fail_pages: BTreeSet::from([1]),
            ..calm()
        };
        let req = PageRequest {
            page: 1,
            per_page: 6,
        };
        let data = reqres();
        let missing = answer(&s, req, 1, None, &data, SystemTime::now());
        assert_eq!(
            (missing.status, missing.body.as_str()),
            (401, r#"{"error":"Missing API key"}"#)
        );
        let empty = answer(&s, req, 1, Some(""), &data, SystemTime::now());
        assert_eq!(empty.body, r#"{"error":"Missing API key"}"#);
        let wrong = answer(&s, req, 1, Some("x"), &data, SystemTime::now());
        assert_eq!(
            (wrong.status, wrong.body.as_str()),
            (401, r#"{"error":"Invalid API key"}"#)
        );
        assert_eq!(wrong.outcome.label(), "401");
        let right = answer(&s, req, 1, Some("k"), &data, SystemTime::now());
        assert_eq!(
            (right.status, right.summary.as_str()),
            (503, "503 fail page")
        );
    }

    #[test]
    fn rate_limit_carries_retry_after() {
        let s = Settings {
            rate_limit_rate: 1.0,
            ..calm()
        };
        let req = PageRequest {
            page: 1,
            per_page: 6,
        };
        let r = answer(&s, req, 1, None, &reqres(), SystemTime::now());
        assert_eq!(
            (
                r.status,
                r.retry_after.as_deref(),
                r.outcome.label().as_str()
            ),
            (429, Some("1"), "429")
        );
        let dated = Settings {
            retry_after_format: RetryAfterFormat::HttpDate,
            ..s
        };
        let now = SystemTime::UNIX_EPOCH;
        let r = answer(&dated, req, 1, None, &reqres(), now);
        assert_eq!(
            r.retry_after.as_deref(),
            Some("Thu, 01 Jan 1970 00:00:01 GMT")
        );
        // The cap lets the third attempt through.
        assert_eq!(answer(&dated, req, 3, None, &reqres(), now).status, 200);
    }

    #[test]
    fn malformed_slow_and_latency() {
        let req = PageRequest {
            page: 1,
            per_page: 6,
        };
        let bad = Settings {
            malformed_rate: 1.0,
            latency_ms: 30,
            ..calm()
        };
        let r = answer(&bad, req, 1, None, &reqres(), SystemTime::now());
        assert_eq!(
            (r.status, r.outcome.label().as_str(), r.records),
            (200, "malformed", 6)
        );
        assert!(serde_json::from_str::<Value>(&r.body).is_err());
        assert!(r.body.starts_with(r#"{"page":1"#));
        assert_eq!(r.delay, Duration::from_millis(30));

        let slow = Settings {
            slow_rate: 1.0,
            slow_ms: 100,
            latency_ms: 30,
            ..calm()
        };
        let r = answer(&slow, req, 1, None, &reqres(), SystemTime::now());
        assert_eq!(
            (r.status, r.outcome, r.delay),
            (200, Outcome::Slow, Duration::from_millis(130))
        );
        assert_eq!(ids(&body(&r)).len(), 6);
    }

    #[test]
    fn duplicates_repeat_the_previous_page_tail() {
        let s = Settings {
            duplicate_rate: 1.0,
            ..calm()
        };
        let data = reqres();
        let r = answer(
            &s,
            PageRequest {
                page: 2,
                per_page: 6,
            },
            1,
            None,
            &data,
            SystemTime::now(),
        );
        assert_eq!(ids(&body(&r)), [5, 6, 7, 8, 9, 10, 11, 12]);
        assert_eq!(r.records, 8);
        let first = answer(
            &s,
            PageRequest {
                page: 1,
                per_page: 6,
            },
            1,
            None,
            &data,
            SystemTime::now(),
        );
        assert_eq!(first.records, 6);
        let past = answer(
            &s,
            PageRequest {
                page: 3,
                per_page: 6,
            },
            1,
            None,
            &data,
            SystemTime::now(),
        );
        assert_eq!(past.records, 0);
    }

    #[test]
    fn cors_headers_can_hide_retry_after() {
        let with = cors_headers("GET, OPTIONS", true);
        assert!(with.contains(&("Access-Control-Expose-Headers", "Retry-After")));
        assert!(with.contains(&("Access-Control-Allow-Origin", "*")));
        assert!(with.contains(&("Access-Control-Max-Age", "600")));
        let without = cors_headers("GET, OPTIONS", false);
        assert!(without
            .iter()
            .all(|(k, _)| *k != "Access-Control-Expose-Headers"));
    }
}
