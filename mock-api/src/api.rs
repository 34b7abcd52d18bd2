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

use crate::config::{ConfigError, Redirect, Settings};
use crate::dataset::{DatasetSpec, Record};
use crate::faults::{decide, retry_after_value, Fault};
use crate::url::percent_decode;

/// Where the users endpoint lives.
pub const USERS_PATH: &str = "/api/users";
/// Where a `same` redirect points; serves exactly what [`USERS_PATH`] serves.
pub const MOVED_USERS_PATH: &str = "/api/moved/users";
/// Records a page in `short_pages` keeps.
pub const SHORT_PAGE_RECORDS: usize = 2;

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

/// What decides the dataset a request pages through; requests with equal
/// specs page through identical data.
pub fn dataset_spec(settings: &Settings) -> DatasetSpec {
    DatasetSpec {
        users: settings.users,
        seed: settings.seed,
        defects: settings.defects,
        duplicate_rate_bits: DatasetSpec::rate_bits(settings.duplicate_rate),
    }
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
    /// 302 to another URL instead of the page.
    Redirect,
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
            Outcome::Redirect => "302".into(),
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
    /// `Location` value, for 302.
    pub location: Option<String>,
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
    /// `None` with `hide_total`.
    #[serde(skip_serializing_if = "Option::is_none")]
    total: Option<usize>,
    /// `None` with `hide_total_pages`.
    #[serde(skip_serializing_if = "Option::is_none")]
    total_pages: Option<usize>,
    data: &'a [Record],
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
        location: None,
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

    // Faults and attempts follow the page asked for; the content follows
    // the page served, so `ignore_page` answers exactly what page 1 answers
    // and `clamp` exactly what the last page answers.
    let per_page = request.per_page;
    let total = dataset.len();
    let page = served_page(settings, request.page, total, per_page);
    let (own, shortened) = served_range(settings, total, per_page, page);
    let data = &dataset[own];
    let (reported_total, reported_pages) =
        reported_totals(total, per_page, page, settings.changing_total);
    let records = data.len();
    let body = PageBody {
        page,
        per_page,
        total: (!settings.hide_total).then_some(reported_total),
        total_pages: (!settings.hide_total_pages).then_some(reported_pages),
        data,
    };
    let body = serde_json::to_string(&body)
        .unwrap_or_else(|e| json!({ "error": e.to_string() }).to_string());
    let mut detail = format!("{records} records");
    if let Some(kind) = shortened {
        detail.push_str(&format!(", {kind} page"));
    }
    if page != request.page {
        let why = if settings.ignore_page {
            "ignored"
        } else {
            "clamped"
        };
        detail.push_str(&format!(", page {} {why}", request.page));
    }

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
                location: None,
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
            location: None,
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
            location: None,
            records,
            delay: latency,
            summary: format!("200 ok ({detail})"),
        },
    }
}

/// The page whose content answers a request for `requested` when the
/// dataset holds `total` records: page 1 with `ignore_page`; with `clamp`,
/// the last page for a page past it (unless there are no records at all,
/// when there is no last page and the empty page past the end answers);
/// else the page itself.
pub fn served_page(settings: &Settings, requested: u32, total: usize, per_page: usize) -> u32 {
    if settings.ignore_page {
        return 1;
    }
    let last = u32::try_from(total_pages(total, per_page)).unwrap_or(u32::MAX);
    if settings.clamp && last >= 1 && requested > last {
        last
    } else {
        requested
    }
}

/// The records `page` answers with, and why it is cut short if it is
/// (`"empty"` or `"short"`). Totals are computed apart and stay truthful.
fn served_range(
    settings: &Settings,
    total: usize,
    per_page: usize,
    page: u32,
) -> (Range<usize>, Option<&'static str>) {
    let own = page_range(total, per_page, page);
    if settings.empty_pages.contains(&page) {
        (own.start..own.start, Some("empty"))
    } else if settings.short_pages.contains(&page) {
        let end = own.end.min(own.start + SHORT_PAGE_RECORDS);
        (own.start..end, Some("short"))
    } else {
        (own, None)
    }
}

/// The origin of this server under its other loopback name, from the
/// request's `Host`: `127.0.0.1:PORT` gives `http://localhost:PORT`,
/// `localhost:PORT` gives `http://127.0.0.1:PORT`, and any other name
/// gives `localhost`. A port that is not all digits is left out, so
/// nothing from the header but digits reaches a `Location`.
pub fn other_loopback_origin(host: &str) -> String {
    let host = host.trim();
    let (name, port) = if host.starts_with('[') {
        match host.split_once(']') {
            Some((name, rest)) => (name, rest.strip_prefix(':')),
            None => (host, None),
        }
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        }
    };
    let other = if name.eq_ignore_ascii_case("localhost") {
        "127.0.0.1"
    } else {
        "localhost"
    };
    match port.filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) {
        Some(port) => format!("http://{other}:{port}"),
        None => format!("http://{other}"),
    }
}

/// Whether a raw `name=value` query pair sets `redirect` or `redirect_origin`.
fn is_redirect_pair(pair: &str) -> bool {
    let name = pair.split('=').next().unwrap_or("");
    matches!(
        percent_decode(name, true).as_deref(),
        Some("redirect" | "redirect_origin")
    )
}

/// The `Location` of a redirect, or `None` when `settings` do not redirect.
///
/// `raw_query` is the request's query as received; its other pairs are kept
/// as they were, in order, and the redirect pairs are removed so the target
/// does not redirect again. When the server-wide settings redirect too
/// (`server_redirects`), `redirect=none` is added for the same reason.
/// `host` is the request's `Host` (see [`other_loopback_origin`]).
pub fn redirect_location(
    settings: &Settings,
    raw_query: &str,
    host: &str,
    server_redirects: bool,
) -> Option<String> {
    let target = match settings.redirect {
        Redirect::None => return None,
        Redirect::Same => MOVED_USERS_PATH.to_string(),
        Redirect::Cross => {
            let origin = settings
                .redirect_origin
                .clone()
                .unwrap_or_else(|| other_loopback_origin(host));
            format!("{origin}{USERS_PATH}")
        }
    };
    let mut kept: Vec<&str> = raw_query
        .split('&')
        .filter(|pair| !pair.is_empty() && !is_redirect_pair(pair))
        .collect();
    if server_redirects {
        kept.push("redirect=none");
    }
    Some(if kept.is_empty() {
        target
    } else {
        format!("{target}?{}", kept.join("&"))
    })
}

/// The `302 Found` answer pointing at `location`, sent after the latency.
pub fn redirect_reply(settings: &Settings, location: String) -> Reply {
    Reply {
        status: 302,
        outcome: Outcome::Redirect,
        body: json!({ "location": location }).to_string(),
        retry_after: None,
        summary: format!("302 redirect to {location}"),
        location: Some(location),
        records: 0,
        delay: Duration::from_millis(settings.latency_ms),
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
            duplicate_rate_bits: 0,
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
    fn duplicates_are_records_of_a_longer_dataset() {
        let s = Settings {
            seed: 6,
            duplicate_rate: 0.3,
            ..calm()
        };
        let data = build(dataset_spec(&s));
        // (page, ids, total_pages): pages are plain slices; totals count the copies.
        let table: &[(u32, &[u64])] = &[
            (1, &[1, 2, 3, 4, 3, 5]),
            (2, &[5, 6, 7, 8, 9, 10]),
            (3, &[11, 12]),
            (4, &[]),
        ];
        for &(page, expected) in table {
            let r = page_of(&s, page, 6, 1, &data);
            let v = body(&r);
            assert_eq!(ids(&v), expected, "page {page}");
            assert_eq!(r.records, expected.len());
            assert_eq!(
                (v["total"].as_u64(), v["total_pages"].as_u64()),
                (Some(14), Some(3))
            );
            assert_eq!(r.summary, format!("200 ok ({} records)", expected.len()));
        }
        // The dataset, not the attempt, holds the duplicates.
        assert_eq!(
            page_of(&s, 2, 6, 3, &data).body,
            page_of(&s, 2, 6, 1, &data).body
        );
    }

    #[test]
    fn dataset_spec_follows_the_dataset_settings_only() {
        let base = dataset_spec(&calm());
        assert_eq!(
            base,
            DatasetSpec {
                users: None,
                seed: 1,
                defects: false,
                duplicate_rate_bits: 0,
            }
        );
        let s = Settings {
            users: Some(40),
            seed: 9,
            defects: true,
            duplicate_rate: 0.5,
            failure_rate: 1.0,
            clamp: true,
            ..calm()
        };
        let spec = dataset_spec(&s);
        assert_eq!(
            (spec.users, spec.seed, spec.defects, spec.duplicate_rate()),
            (Some(40), 9, true, 0.5)
        );
        // A changed rate changes the key, so the server's cache rebuilds.
        let other = Settings {
            duplicate_rate: 0.25,
            ..s.clone()
        };
        assert_ne!(dataset_spec(&other), spec);
        let faults_only = Settings {
            failure_rate: 0.0,
            clamp: false,
            ..s
        };
        assert_eq!(dataset_spec(&faults_only), spec);
    }

    fn synthetic(users: usize) -> Vec<Record> {
        build(DatasetSpec {
            users: Some(users),
            seed: 1,
            defects: false,
            duplicate_rate_bits: 0,
        })
    }

    #[test]
    fn clamp_answers_the_last_page_with_its_number() {
        let data = synthetic(13);
        let s = Settings {
            clamp: true,
            ..calm()
        };
        // (records, per_page, page asked, page served, ids)
        let table: &[(usize, usize, u32, u32, &[u64])] = &[
            (13, 6, 1, 1, &[1, 2, 3, 4, 5, 6]),
            (13, 6, 3, 3, &[13]),
            (13, 6, 4, 3, &[13]),
            (13, 6, u32::MAX, 3, &[13]),
            (12, 6, 3, 2, &[7, 8, 9, 10, 11, 12]),
            (13, 20, 2, 1, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]),
            // No records, no last page: the empty answer of today.
            (0, 6, 1, 1, &[]),
            (0, 6, 5, 5, &[]),
        ];
        for &(records, per_page, asked, served, expected) in table {
            let r = page_of(&s, asked, per_page, 1, &data[..records]);
            let v = body(&r);
            let case = format!("{records} records, per_page {per_page}, page {asked}");
            assert_eq!(served_page(&s, asked, records, per_page), served, "{case}");
            assert_eq!(v["page"].as_u64(), Some(u64::from(served)), "{case}");
            assert_eq!(ids(&v), expected, "{case}");
            assert_eq!(
                v["total"].as_u64(),
                Some(records as u64),
                "{case}: totals stay truthful"
            );
            if asked != served {
                // Byte for byte what the last page itself answers.
                assert_eq!(
                    r.body,
                    page_of(&s, served, per_page, 1, &data[..records]).body,
                    "{case}"
                );
            }
        }
        assert_eq!(
            page_of(&s, 4, 6, 1, &data).summary,
            "200 ok (1 records, page 4 clamped)"
        );
        // Without clamp a page past the end stays empty.
        assert_eq!(
            ids(&body(&page_of(&calm(), 4, 6, 1, &data))),
            [] as [u64; 0]
        );
        // Faults still follow the page asked for.
        let failing = Settings {
            fail_pages: BTreeSet::from([4]),
            ..s.clone()
        };
        assert_eq!(page_of(&failing, 4, 6, 1, &data).status, 503);
        assert_eq!(page_of(&failing, 3, 6, 1, &data).status, 200);
        let faulty = Settings {
            failure_rate: 1.0,
            ..s
        };
        assert_ne!(page_of(&faulty, 5, 6, 2, &data).status, 200);
        assert_eq!(ids(&body(&page_of(&faulty, 5, 6, 3, &data))), [13]);
    }

    #[test]
    fn hidden_totals_leave_the_body() {
        let data = reqres();
        // (hide_total_pages, hide_total, body prefix)
        let table = [
            (
                false,
                false,
                r#"{"page":2,"per_page":6,"total":12,"total_pages":2,"data":[{"id":7,"#,
            ),
            (
                true,
                false,
                r#"{"page":2,"per_page":6,"total":12,"data":[{"id":7,"#,
            ),
            (
                false,
                true,
                r#"{"page":2,"per_page":6,"total_pages":2,"data":[{"id":7,"#,
            ),
            (true, true, r#"{"page":2,"per_page":6,"data":[{"id":7,"#),
        ];
        for (hide_total_pages, hide_total, prefix) in table {
            let s = Settings {
                hide_total_pages,
                hide_total,
                ..calm()
            };
            let r = page_of(&s, 2, 6, 1, &data);
            assert!(r.body.starts_with(prefix), "{}", r.body);
            let v = body(&r);
            assert_eq!(ids(&v), [7, 8, 9, 10, 11, 12]);
            assert_eq!(v.get("total").is_none(), hide_total);
            assert_eq!(v.get("total_pages").is_none(), hide_total_pages);
        }
        // With changing_total the totals that remain still lie on page 1.
        let s = Settings {
            hide_total: true,
            changing_total: true,
            ..calm()
        };
        let lying = page_of(&s, 1, 6, 1, &data).body;
        assert!(
            lying.starts_with(r#"{"page":1,"per_page":6,"total_pages":1,"data":[{"id":1,"#),
            "{lying}"
        );
    }

    #[test]
    fn new_settings_are_part_of_the_scenario_key() {
        let q = parse_query(
            &pairs("page=2&hide_total=1&clamp=yes&hide_total_pages=0&duplicate_rate=0.5&_=7"),
            &Settings::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            q.scenario,
            "clamp=yes&duplicate_rate=0.5&hide_total=1&hide_total_pages=0"
        );
        assert!(q.settings.clamp && q.settings.hide_total && !q.settings.hide_total_pages);
        for bad in ["clamp=2", "hide_total=maybe", "hide_total_pages=x"] {
            assert!(
                matches!(
                    parse_query(&pairs(bad), &Settings::default()),
                    Err(ApiError::BadSetting(_))
                ),
                "{bad}"
            );
        }
    }

    fn page_of(s: &Settings, page: u32, per_page: usize, attempt: u32, data: &[Record]) -> Reply {
        answer(
            s,
            PageRequest { page, per_page },
            attempt,
            None,
            data,
            SystemTime::UNIX_EPOCH,
        )
    }

    #[test]
    fn ignore_page_answers_page_one_for_every_page() {
        let data = reqres();
        let first = page_of(&calm(), 1, 6, 1, &data);
        let s = Settings {
            ignore_page: true,
            ..calm()
        };
        for page in [1, 2, 3, 40] {
            let r = page_of(&s, page, 6, 1, &data);
            assert_eq!(r.body, first.body, "page {page}");
            assert_eq!(r.records, 6);
        }
        let v = body(&page_of(&s, 3, 6, 1, &data));
        assert_eq!(v["page"].as_u64(), Some(1));
        assert_eq!(ids(&v), [1, 2, 3, 4, 5, 6]);
        assert_eq!(
            page_of(&s, 3, 6, 1, &data).summary,
            "200 ok (6 records, page 3 ignored)"
        );
        // Faults still follow the page asked for, so attempts stay countable.
        let failing = Settings {
            fail_pages: BTreeSet::from([3]),
            ..s
        };
        assert_eq!(page_of(&failing, 3, 6, 1, &data).status, 503);
        assert_eq!(page_of(&failing, 2, 6, 1, &data).body, first.body);
    }

    #[test]
    fn short_and_empty_pages_keep_truthful_totals() {
        let data = synthetic(13);
        let s = Settings {
            short_pages: BTreeSet::from([2, 3]),
            empty_pages: BTreeSet::from([1, 3]),
            ..calm()
        };
        // (page, ids, records): page 3 is in both lists and empty wins; page 3
        // of 13 records has one record, fewer than the two a short page keeps.
        let table: &[(u32, &[u64])] = &[(1, &[]), (2, &[7, 8]), (3, &[])];
        for &(page, expected) in table {
            for attempt in 1..=4 {
                let r = page_of(&s, page, 6, attempt, &data);
                let v = body(&r);
                assert_eq!(r.status, 200, "page {page} attempt {attempt}");
                assert_eq!(ids(&v), expected, "page {page} attempt {attempt}");
                assert_eq!(r.records, expected.len());
                assert_eq!(
                    (
                        v["page"].as_u64(),
                        v["per_page"].as_u64(),
                        v["total"].as_u64(),
                        v["total_pages"].as_u64()
                    ),
                    (Some(u64::from(page)), Some(6), Some(13), Some(3)),
                    "page {page}"
                );
            }
        }
        let only_short = Settings {
            short_pages: BTreeSet::from([3]),
            ..calm()
        };
        assert_eq!(ids(&body(&page_of(&only_short, 3, 6, 1, &data))), [13]);
        assert_eq!(
            page_of(&s, 2, 6, 1, &data).summary,
            "200 ok (2 records, short page)"
        );
        assert_eq!(
            page_of(&s, 1, 6, 1, &data).summary,
            "200 ok (0 records, empty page)"
        );
        // Pages not listed are whole.
        let other = Settings {
            short_pages: BTreeSet::from([1]),
            ..calm()
        };
        assert_eq!(
            ids(&body(&page_of(&other, 2, 6, 1, &data))),
            [7, 8, 9, 10, 11, 12]
        );
        // Faults still apply to a short page.
        let faulty = Settings {
            failure_rate: 1.0,
            ..s.clone()
        };
        assert_ne!(page_of(&faulty, 2, 6, 1, &data).status, 200);
        assert_eq!(ids(&body(&page_of(&faulty, 2, 6, 3, &data))), [7, 8]);
    }

    #[test]
    fn other_loopback_origin_swaps_the_names() {
        let table = [
            ("127.0.0.1:8080", "http://localhost:8080"),
            ("localhost:8080", "http://127.0.0.1:8080"),
            ("LocalHost:1", "http://127.0.0.1:1"),
            ("[::1]:8443", "http://localhost:8443"),
            ("127.0.0.1", "http://localhost"),
            ("localhost", "http://127.0.0.1"),
            ("example.test:80/x", "http://localhost"),
            ("a:1\"b", "http://localhost"),
            ("", "http://localhost"),
        ];
        for (host, expected) in table {
            assert_eq!(other_loopback_origin(host), expected, "{host}");
        }
    }

    #[test]
    fn redirect_locations_drop_the_redirect_parameters() {
        let with = |query: &str| {
            let pairs = pairs(query);
            parse_query(&pairs, &calm())
                .unwrap_or_else(|e| panic!("{e}"))
                .settings
        };
        // (query, Host, server-wide redirect, Location)
        let table: &[(&str, &str, bool, Option<&str>)] = &[
            ("page=2&seed=3", "127.0.0.1:8080", false, None),
            (
                "page=2&redirect=same&seed=3",
                "127.0.0.1:8080",
                false,
                Some("/api/moved/users?page=2&seed=3"),
            ),
            (
                "redirect=same&page=2&failure_rate=0&_=1",
                "127.0.0.1:8080",
                false,
                Some("/api/moved/users?page=2&failure_rate=0&_=1"),
            ),
            (
                "redirect=same",
                "127.0.0.1:8080",
                false,
                Some("/api/moved/users"),
            ),
            (
                "page=2&redirect=cross",
                "127.0.0.1:8765",
                false,
                Some("http://localhost:8765/api/users?page=2"),
            ),
            (
                "page=2&redirect=cross",
                "localhost:8765",
                false,
                Some("http://127.0.0.1:8765/api/users?page=2"),
            ),
            (
                "page=5&redirect=cross&redirect%5Forigin=http%3A%2F%2Fexample.test%3A9&per_page=3",
                "127.0.0.1:8765",
                false,
                Some("http://example.test:9/api/users?page=5&per_page=3"),
            ),
            (
                "page=2&redirect=same",
                "127.0.0.1:8080",
                true,
                Some("/api/moved/users?page=2&redirect=none"),
            ),
            (
                "page=2&redirect=cross",
                "127.0.0.1:8080",
                true,
                Some("http://localhost:8080/api/users?page=2&redirect=none"),
            ),
        ];
        for &(query, host, server, expected) in table {
            let settings = with(query);
            let raw = query;
            assert_eq!(
                redirect_location(&settings, raw, host, server).as_deref(),
                expected,
                "{query} from {host}"
            );
        }
    }

    #[test]
    fn redirect_reply_is_a_302_with_location() {
        let s = Settings {
            latency_ms: 20,
            ..calm()
        };
        let r = redirect_reply(&s, "/api/moved/users?page=2".into());
        assert_eq!(
            (r.status, r.outcome.label().as_str(), r.records),
            (302, "302", 0)
        );
        assert_eq!(r.location.as_deref(), Some("/api/moved/users?page=2"));
        assert_eq!(r.body, r#"{"location":"/api/moved/users?page=2"}"#);
        assert_eq!(r.delay, Duration::from_millis(20));
        assert_eq!(r.summary, "302 redirect to /api/moved/users?page=2");
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
