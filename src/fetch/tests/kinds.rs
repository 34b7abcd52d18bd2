//! Every pagination kind against a fake of that shape, both ways: a clean
//! walk is complete, a lying one (a loop, a foreign next page, a wrong
//! total, a dropped record, no end) is not, and says why. Auth kinds carry
//! the key where they say and nowhere else.

use super::support::shaped::{run_shaped, Paging, ShapedApi};
use super::support::{failed_pages, FakeStore, StoreOp};
use crate::fetch::budget::RateSource;
use crate::fetch::events::{EventKind, FetchEvent, PaceReason};
use crate::fetch::fetcher::{FetchConfig, FetchOutcome};
use crate::fetch::kinds::{ApiShape, Auth, Pagination, Preset};
use crate::fetch::services::{PageRequest, ResponseFuture, Transport, TransportError};
use crate::provenance::{FailureCode, WalkEnd, WarningCode};

fn config(shape: ApiShape, per_page: Option<u32>) -> FetchConfig {
    FetchConfig {
        per_page,
        shape,
        api_key: Some("s3cret".into()),
        ..FetchConfig::new("https://api.test/items")
    }
}

fn cursor() -> ApiShape {
    Preset::Hubspot.shape()
}

fn link() -> ApiShape {
    Preset::Shopify.shape()
}

fn next_url() -> ApiShape {
    ApiShape {
        pagination: Pagination::NextUrl {
            path: "next".into(),
        },
        size_param: "limit".into(),
        records: Some("items".into()),
        ..ApiShape::default()
    }
}

fn offset() -> ApiShape {
    ApiShape {
        pagination: Pagination::Offset {
            param: "offset".into(),
        },
        size_param: "limit".into(),
        ..ApiShape::default()
    }
}

fn ended_by(outcome: &FetchOutcome) -> Option<(u64, WalkEnd)> {
    outcome
        .provenance
        .walk_ended
        .map(|ending| (ending.last_page, ending.by))
}

/// A linked kind: its shape, and how its fake pages and where the fake
/// puts the records; walked in pages of 10.
#[derive(Debug)]
struct Linked {
    shape: ApiShape,
    paging: Paging,
    member: &'static str,
}

impl Linked {
    /// The kind's fake, holding `records`.
    fn api(&self, records: usize) -> ShapedApi {
        ShapedApi::new(self.paging, records, 10, self.member)
    }

    /// The kind's fake, holding `records` and saying it holds `stated`.
    fn api_stating(&self, records: usize, stated: u64) -> ShapedApi {
        let mut api = self.api(records);
        api.stated_total = Some(stated);
        api
    }

    /// A run of `api` with the kind's shape.
    fn run(&self, api: &ShapedApi) -> (FetchOutcome, Vec<FetchEvent>) {
        run_shaped(api, &config(self.shape.clone(), Some(10)), None)
    }
}

/// Each linked kind with its fake.
fn linked_kinds() -> [Linked; 3] {
    [
        (cursor(), Paging::Cursor, "results"),
        (link(), Paging::Link, "customers"),
        (next_url(), Paging::NextUrl, "items"),
    ]
    .map(|(shape, paging, member)| Linked {
        shape,
        paging,
        member,
    })
}

#[test]
fn a_clean_walk_of_every_linked_kind_is_complete() {
    for kind in linked_kinds() {
        let api = kind.api_stating(25, 25);
        let (outcome, _) = kind.run(&api);
        assert!(
            outcome.provenance.complete,
            "{kind:?}: {:?}",
            outcome.provenance
        );
        assert_eq!(outcome.pages.len(), 3, "{kind:?}");
        assert_eq!(outcome.provenance.records_received, 25, "{kind:?}");
        assert_eq!(
            ended_by(&outcome),
            Some((3, WalkEnd::NoNextPage)),
            "{kind:?}"
        );
        assert_eq!(api.requests(), 3, "{kind:?}: no request past the end");
        assert_eq!(
            outcome.provenance.records_path.as_deref(),
            Some(kind.member),
            "{kind:?}"
        );
        assert_eq!(outcome.provenance.api, kind.shape.describe(), "{kind:?}");
    }
}

#[test]
fn a_walk_without_a_stated_total_is_complete_at_its_last_page() {
    for kind in linked_kinds() {
        let api = kind.api(20);
        let (outcome, _) = kind.run(&api);
        assert!(outcome.provenance.complete, "{kind:?}");
        assert_eq!(outcome.provenance.records_received, 20);
        assert_eq!(ended_by(&outcome), Some((2, WalkEnd::NoNextPage)));
    }
}

#[test]
fn a_cursor_seen_before_is_a_loop_that_fails_the_run_and_stops_it() {
    for kind in linked_kinds() {
        let mut api = kind.api(50);
        // Page 3 points back to page 2: 1, 2, 3, 2, 3, … forever.
        api.loop_back = Some((3, 2));
        let (outcome, events) = kind.run(&api);
        assert!(!outcome.provenance.complete, "{kind:?}");
        assert_eq!(
            failed_pages(&outcome),
            [(4, FailureCode::RepeatedCursor)],
            "{kind:?}"
        );
        assert_eq!(api.requests(), 3, "{kind:?}: the loop is not followed");
        assert_eq!(outcome.provenance.records_received, 30);
        let failed = events
            .iter()
            .find(|event| matches!(event.kind, EventKind::PageFailed { page: 4, .. }))
            .expect("the loop is said");
        assert!(failed.message.contains("seen before"), "{}", failed.message);
    }
}

#[test]
fn a_next_page_on_another_origin_is_refused_and_the_key_never_goes_there() {
    // The kinds whose next page is a URL (all but the cursor).
    for kind in linked_kinds().into_iter().skip(1) {
        let mut api = kind.api(30);
        api.foreign_next = Some(2);
        let (outcome, _) = kind.run(&api);
        assert!(!outcome.provenance.complete, "{kind:?}");
        assert_eq!(failed_pages(&outcome), [(3, FailureCode::NextOtherOrigin)]);
        let received = api.received.borrow();
        assert_eq!(received.len(), 2, "{kind:?}");
        assert!(received
            .iter()
            .all(|r| r.url.starts_with("https://api.test/")));
        assert!(outcome.provenance.failed_pages[0]
            .reason
            .contains("https://evil.test"));
    }
}

#[test]
fn a_stated_total_is_reconciled_in_a_cursor_walk_both_ways() {
    for kind in linked_kinds() {
        // The API says 30 and sends 25: a lie.
        let lying = kind.api_stating(25, 30);
        let (outcome, _) = kind.run(&lying);
        assert!(!outcome.provenance.complete, "{kind:?}");
        assert!(outcome
            .provenance
            .warnings
            .iter()
            .any(|w| w.code == WarningCode::RecordCountMismatch));
        // A record silently dropped, the total truthful: caught too.
        let mut dropping = kind.api_stating(25, 25);
        dropping.drop_last_on = Some(1);
        let (outcome, _) = kind.run(&dropping);
        assert!(!outcome.provenance.complete, "{kind:?}");
        assert_eq!(outcome.provenance.records_received, 24);
    }
}

#[test]
fn the_page_limit_holds_on_a_walk_that_never_ends() {
    for kind in linked_kinds() {
        let mut api = kind.api(10);
        api.endless = true;
        let cfg = FetchConfig {
            max_pages: 5,
            ..config(kind.shape.clone(), Some(10))
        };
        let (outcome, _) = run_shaped(&api, &cfg, None);
        assert!(!outcome.provenance.complete, "{kind:?}");
        assert_eq!(api.requests(), 5, "{kind:?}");
        let truncated = outcome.provenance.truncated.expect("truncated");
        assert_eq!((truncated.limit, truncated.pages_stated), (5, None));
    }
}

#[test]
fn a_failed_page_stops_a_cursor_walk() {
    let api = ShapedApi::new(Paging::Cursor, 30, 10, "results");
    api.fail_first.borrow_mut().insert(2, vec![404]);
    let (outcome, _) = run_shaped(&api, &config(cursor(), Some(10)), None);
    assert!(!outcome.provenance.complete);
    assert_eq!(failed_pages(&outcome), [(2, FailureCode::NotFound)]);
    assert!(outcome
        .provenance
        .warnings
        .iter()
        .any(|w| w.code == WarningCode::WalkStopped));
    // A 503 is retried, and the walk goes on.
    let api = ShapedApi::new(Paging::Cursor, 30, 10, "results");
    api.fail_first.borrow_mut().insert(2, vec![503]);
    let (outcome, _) = run_shaped(&api, &config(cursor(), Some(10)), None);
    assert!(outcome.provenance.complete);
    assert_eq!(api.requests(), 4);
}

#[test]
fn cursor_kinds_send_the_cursor_and_the_size_as_the_shape_names_them() {
    let api = ShapedApi::new(Paging::Cursor, 25, 100, "results");
    let (outcome, _) = run_shaped(&api, &config(cursor(), Some(10)), None);
    assert!(outcome.provenance.complete);
    let urls: Vec<String> = api
        .received
        .borrow()
        .iter()
        .map(|r| r.url.clone())
        .collect();
    assert_eq!(
        urls,
        [
            "https://api.test/items?limit=10",
            "https://api.test/items?limit=10&after=cur-10",
            "https://api.test/items?limit=10&after=cur-20",
        ]
    );
    // HubSpot's default size is 100.
    let api = ShapedApi::new(Paging::Cursor, 5, 10, "results");
    run_shaped(&api, &config(cursor(), None), None);
    assert_eq!(
        api.received.borrow()[0].url,
        "https://api.test/items?limit=100"
    );
}

#[test]
fn offset_walks_end_at_a_short_page_an_empty_page_or_the_stated_total() {
    let cases = [
        // (records, stated total, requests, ended by)
        (25, None, 3, (3, WalkEnd::ShortPage)),
        (20, None, 3, (3, WalkEnd::EmptyPage)),
        (20, Some(20), 2, (2, WalkEnd::StatedTotal)),
    ];
    for (records, total, requests, end) in cases {
        let mut api = ShapedApi::new(Paging::Offset, records, 10, "data");
        api.stated_total = total;
        let (outcome, _) = run_shaped(&api, &config(offset(), Some(10)), None);
        assert!(outcome.provenance.complete, "{records} {total:?}");
        assert_eq!(outcome.provenance.records_received, records as u64);
        assert_eq!(api.requests(), requests, "{records} {total:?}");
        assert_eq!(ended_by(&outcome), Some(end), "{records} {total:?}");
    }
    let api = ShapedApi::new(Paging::Offset, 25, 10, "data");
    run_shaped(&api, &config(offset(), Some(10)), None);
    assert_eq!(
        api.received.borrow()[2].url,
        "https://api.test/items?offset=20&limit=10"
    );
    // A lying total: pages stop early, the count says so.
    let mut lying = ShapedApi::new(Paging::Offset, 25, 10, "data");
    lying.stated_total = Some(27);
    let (outcome, _) = run_shaped(&lying, &config(offset(), Some(10)), None);
    assert!(!outcome.provenance.complete);
}

#[test]
fn the_page_kind_takes_its_parameter_names() {
    let shape = ApiShape {
        pagination: Pagination::Page { param: "p".into() },
        size_param: "size".into(),
        ..ApiShape::default()
    };
    let api = ShapedApi::new(Paging::Page("p", "size"), 25, 10, "data");
    let (outcome, _) = run_shaped(&api, &config(shape, Some(10)), None);
    assert!(outcome.provenance.complete);
    assert_eq!(outcome.provenance.records_received, 25);
    assert_eq!(
        api.received.borrow()[1].url,
        "https://api.test/items?p=2&size=10"
    );
}

#[test]
fn records_are_found_in_the_one_array_of_objects() {
    let api = ShapedApi::new(Paging::Page("page", "per_page"), 12, 6, "customers");
    let (outcome, _) = run_shaped(&api, &config(ApiShape::default(), Some(6)), None);
    assert!(outcome.provenance.complete);
    assert_eq!(
        outcome.provenance.records_path.as_deref(),
        Some("customers")
    );
    assert_eq!(outcome.provenance.api["records"], "customers");
}

#[test]
fn auth_kinds_carry_the_key_where_they_say() {
    let cases = [
        (
            Auth::Header("X-Shopify-Access-Token".into()),
            Some(("X-Shopify-Access-Token", "s3cret")),
        ),
        (Auth::Bearer, Some(("Authorization", "Bearer s3cret"))),
        (Auth::Query("hapikey".into()), None),
    ];
    for (auth, header) in cases {
        let api = ShapedApi::new(Paging::Cursor, 15, 10, "results");
        let shape = ApiShape {
            auth: auth.clone(),
            ..cursor()
        };
        let (outcome, events) = run_shaped(&api, &config(shape, Some(10)), None);
        assert!(outcome.provenance.complete, "{auth:?}");
        for received in api.received.borrow().iter() {
            assert_eq!(
                received.key_header,
                header.map(|(n, v)| (n.to_owned(), v.to_owned())),
                "{auth:?}"
            );
            assert_eq!(
                received.url.contains("hapikey=s3cret"),
                header.is_none(),
                "{auth:?}: {}",
                received.url
            );
        }
        // Written nowhere: not in the report's URL, the log or the shape.
        assert!(!format!("{:?}", outcome.provenance).contains("s3cret"));
        assert!(events.iter().all(|e| !e.message.contains("s3cret")
            && !serde_json::to_string(&e.kind).unwrap().contains("s3cret")));
    }
}

#[test]
fn a_cursor_walk_with_kept_pages_starts_over_and_says_so() {
    let store = FakeStore::new();
    let api = ShapedApi::new(Paging::Cursor, 25, 10, "results");
    let cfg = FetchConfig {
        keep_for: Some(std::time::Duration::from_secs(3600)),
        ..config(cursor(), Some(10))
    };
    let (first, events) = run_shaped(&api, &cfg, Some(store.clone()));
    assert!(first.provenance.complete);
    assert!(events
        .iter()
        .any(|e| e.message.starts_with("A cursor walk starts over")));
    // Nothing is read from or written to the device: a kept page could
    // be what a cursor named once, not what it names now.
    assert_eq!(
        store.calls_of(StoreOp::Get) + store.calls_of(StoreOp::Put),
        0
    );
    let (second, _) = run_shaped(&api, &cfg, Some(store.clone()));
    assert!(second.provenance.complete);
    assert_eq!(api.requests(), 6, "the second run asks every page again");
    // A numbered walk still keeps its pages.
    let numbered = ShapedApi::new(Paging::Page("page", "per_page"), 12, 6, "data");
    let cfg = FetchConfig {
        keep_for: Some(std::time::Duration::from_secs(3600)),
        ..config(ApiShape::default(), Some(6))
    };
    run_shaped(&numbered, &cfg, Some(store.clone()));
    assert!(store.calls_of(StoreOp::Put) > 0);
}

/// A HubSpot contact as its API sends it: fields under `properties`,
/// every value a string.
fn hubspot_contact(id: usize) -> String {
    format!(
        r#"{{"id":"{id}","properties":{{"firstname":"First{id}","lastname":"Last{id}","email":"user{id}@example.com","hubspotscore":"{}","notes_last_updated":"2026-11-{:02}T09:15:00.000Z","hs_object_id":"{id}"}},"createdAt":"2025-01-01T00:00:00.000Z","archived":false}}"#,
        id * 7 % 101,
        1 + id % 20
    )
}

#[test]
fn a_hubspot_walk_reads_nested_string_fields_into_the_contract() {
    use crate::settings::RunSettings;
    let mut api = ShapedApi::new(Paging::Cursor, 0, 10, "results");
    api.records = (1..=12).map(hubspot_contact).collect();
    let (outcome, _) = run_shaped(&api, &config(cursor(), Some(10)), None);
    assert!(outcome.provenance.complete);
    let settings =
        RunSettings::from_text("42", "2026-11-24", "2026-11-24T12:00:00Z").expect("valid settings");
    let report =
        super::support::report_unmapped(&outcome, &settings, &super::support::FakeTime::default());
    let json: serde_json::Value = serde_json::from_slice(&report.to_json()).unwrap();
    let fields = &json["metadata"]["mapping"]["fields"];
    for (field, path) in Preset::Hubspot.mapping() {
        assert_eq!(fields[field], *path, "{field}: {fields}");
    }
    let customers = json["customers"].as_array().unwrap();
    assert_eq!(customers.len(), 12);
    let first = &customers[0];
    assert_eq!(first["full_name"], "First1 Last1");
    assert_eq!(first["email_domain"], "example.com");
    // "7" read as the number 7: a low engagement, not an issue.
    assert_eq!(first["engagement_level"], "low", "{first}");
    assert_eq!(first["activity_status"], "active", "{first}");
    assert_eq!(
        first["quality_issues"],
        serde_json::json!(["avatar: missing"])
    );
    assert_eq!(json["metadata"]["source"]["settings"]["preset"], "hubspot");
    assert_eq!(json["metadata"]["source"]["settings"]["records"], "results");
}

#[test]
fn every_auth_kind_keeps_the_key_on_its_origin_across_redirects() {
    use super::support::{config as reqres_config, Harness, ScriptedApi, Step};
    for auth in [
        Auth::Header("X-Shopify-Access-Token".into()),
        Auth::Bearer,
        Auth::Basic,
        Auth::Query("hapikey".into()),
    ] {
        // A server may repeat the query it was sent (the key in it, for
        // a key sent in the query) in its Location.
        let location = match auth {
            Auth::Query(_) => "https://api.test/api/moved?page=2&hapikey=user:s3cret",
            _ => "https://api.test/api/moved?page=2",
        };
        let api = ScriptedApi::new(18, 6)
            .script(2, [Step::Redirect(Some(location.into()))])
            .script(
                3,
                [Step::Redirect(Some(
                    "https://evil.test/api/users?page=3".into(),
                ))],
            );
        let harness = Harness::new(api);
        let cfg = FetchConfig {
            api_key: Some("user:s3cret".into()),
            shape: ApiShape {
                auth: auth.clone(),
                ..ApiShape::default()
            },
            ..reqres_config()
        };
        let outcome = harness.run(&cfg);
        let served = harness.api.served.borrow();
        assert!(
            served
                .iter()
                .all(|s| s.url.starts_with("https://api.test/")),
            "{auth:?}"
        );
        assert_eq!(
            failed_pages(&outcome),
            [(3, FailureCode::RedirectOtherOrigin)],
            "{auth:?}"
        );
        // The key in the query is sent on each request, once, and written nowhere.
        if let Auth::Query(_) = auth {
            let followed = served.iter().find(|s| s.url.contains("/moved")).unwrap();
            assert_eq!(
                followed.url.matches("hapikey=").count(),
                1,
                "{}",
                followed.url
            );
        }
        let log = serde_json::to_string(&harness.logged()).unwrap();
        assert!(!log.contains("s3cret"), "{auth:?}: {log}");
        let report = String::from_utf8(harness.report(&outcome).to_json()).unwrap();
        assert!(!report.contains("s3cret"), "{auth:?}");
    }
}

/// Fails every request below HTTP, as `error` says.
struct Unreachable(TransportError);

impl Transport for Unreachable {
    fn get(&self, _request: &PageRequest) -> ResponseFuture {
        use futures::FutureExt;
        futures::future::ready(Err(self.0.clone())).boxed_local()
    }
}

#[test]
fn no_answer_from_another_origin_says_cors_and_names_the_command_line() {
    let run = |error: TransportError| {
        let time = super::support::FakeTime::default();
        super::support::fetch_on(
            &Unreachable(error),
            &time,
            &config(cursor(), None),
            None,
            &|_| {},
        )
    };
    let blocked = run(TransportError::CrossOrigin("Failed to fetch".into()));
    let failure = &blocked.provenance.failed_pages[0];
    assert_eq!(failure.code, FailureCode::CorsBlocked);
    assert!(
        failure.reason.contains("may not allow browser requests")
            && failure.reason.contains("customer-pipeline fetch"),
        "{}",
        failure.reason
    );
    assert_eq!(failure.attempts, 4, "retried like any network failure");
    // The same failure on the page's own origin is a network error.
    let same = run(TransportError::Network("Failed to fetch".into()));
    assert_eq!(same.provenance.failed_pages[0].code, FailureCode::Network);
    assert!(!same.provenance.failed_pages[0].reason.contains("CORS"));
}

#[test]
fn an_announced_budget_is_followed_before_the_api_says_429() {
    // Two requests a window, resetting after 2 s: every third request waits.
    let mut api = ShapedApi::new(Paging::Cursor, 50, 10, "results");
    api.window = Some(2);
    api.reset_secs = 2;
    let (outcome, events) = run_shaped(&api, &config(cursor(), Some(10)), None);
    assert!(outcome.provenance.complete);
    assert_eq!(api.requests(), 5);
    assert_eq!(
        outcome.provenance.stats.paced_ms, 4_000,
        "before requests 3 and 5"
    );
    assert_eq!(outcome.provenance.stats.rate_limited, 0);
    let paced: Vec<(&EventKind, &str)> = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Paced { .. }))
        .map(|e| (&e.kind, e.message.as_str()))
        .collect();
    assert_eq!(paced.len(), 1, "told once, not at every pause: {paced:?}");
    assert_eq!(
        paced[0].0,
        &EventKind::Paced {
            page: 2,
            source: RateSource::XRateLimit,
            reason: PaceReason::Spent,
            wait_ms: 2_000,
            in_flight: 0,
        }
    );
    assert!(
        paced[0].1.contains("X-RateLimit-Remaining") && paced[0].1.contains("2 s"),
        "{}",
        paced[0].1
    );
    // Without announcements nothing is paced.
    let quiet = ShapedApi::new(Paging::Cursor, 50, 10, "results");
    let (outcome, _) = run_shaped(&quiet, &config(cursor(), Some(10)), None);
    assert_eq!(outcome.provenance.stats.paced_ms, 0);
}

#[test]
fn pacing_is_told_once_a_slowdown_and_again_after_a_quiet_minute() {
    // Every answer says no request is left until a second later: every
    // request is paced. A 429 on page 5 asks for `retry_after` seconds.
    let paced_told = |retry_after: &str| {
        let mut api = ShapedApi::new(Paging::Cursor, 100, 10, "results");
        api.window = Some(1);
        api.reset_secs = 1;
        api.fail_first.borrow_mut().insert(5, vec![429]);
        api.fail_retry_after = Some(retry_after.into());
        let (outcome, events) = run_shaped(&api, &config(cursor(), Some(10)), None);
        assert!(outcome.provenance.complete);
        assert_eq!(
            outcome.provenance.stats.paced_ms, 9_000,
            "before pages 2 to 10"
        );
        events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Paced { .. }))
            .count()
    };
    assert_eq!(paced_told("5"), 1, "one slowdown, told once");
    assert_eq!(
        paced_told("60"),
        2,
        "paced again after a minute without: told again"
    );
}

#[test]
fn a_429_without_retry_after_waits_for_the_announced_reset() {
    let mut api = ShapedApi::new(Paging::Cursor, 20, 10, "results");
    api.window = Some(100);
    api.reset_secs = 7;
    api.fail_first.borrow_mut().insert(2, vec![429]);
    let (outcome, events) = run_shaped(&api, &config(cursor(), Some(10)), None);
    assert!(outcome.provenance.complete);
    let wait = events
        .iter()
        .find_map(|e| match e.kind {
            EventKind::RateLimitWait { wait_ms, .. } => Some((wait_ms, e.message.clone())),
            _ => None,
        })
        .expect("a rate-limit wait");
    assert_eq!(wait.0, 7_000, "{}", wait.1);
    assert!(wait.1.contains("announced reset"), "{}", wait.1);
    // With nothing announced, the documented backoff (1 s).
    let api = ShapedApi::new(Paging::Cursor, 20, 10, "results");
    api.fail_first.borrow_mut().insert(2, vec![429]);
    let (_, events) = run_shaped(&api, &config(cursor(), Some(10)), None);
    assert!(events
        .iter()
        .any(|e| matches!(e.kind, EventKind::RateLimitWait { wait_ms: 1_000, .. })));
}

/// An API with a budget in fake time, announced in one header family and
/// answering 429 without `Retry-After` past it; its answers take a few
/// polls each, so requests overlap.
struct BudgetApi<'a> {
    time: &'a super::support::FakeTime,
    budget: super::support::rated::ApiBudget,
    per_page: usize,
    total: usize,
    /// Answers still to come without their rate headers (the budget is
    /// counted all the same): a budget the client cannot see.
    silent: std::cell::Cell<u64>,
}

impl Transport for BudgetApi<'_> {
    fn get(&self, request: &PageRequest) -> ResponseFuture {
        use crate::common::clock::Clock;
        use futures::FutureExt;
        let (allowed, mut rate) = self.budget.admit(self.time.now());
        if self.silent.get() > 0 {
            self.silent.set(self.silent.get() - 1);
            rate = Default::default();
        }
        let page: usize = request
            .url
            .split(['?', '&'])
            .find_map(|pair| pair.strip_prefix("page="))
            .and_then(|n| n.parse().ok())
            .expect("a page");
        let (status, body) = if !allowed {
            (429, br#"{"error":"over budget"}"#.to_vec())
        } else {
            let start = (page - 1) * self.per_page;
            let ids: Vec<String> = (start + 1..=(start + self.per_page).min(self.total))
                .map(super::support::ScriptedApi::record)
                .collect();
            let pages = self.total.div_ceil(self.per_page);
            (
                200,
                format!(
                    r#"{{"page":{page},"total_pages":{pages},"total":{},"data":[{}]}}"#,
                    self.total,
                    ids.join(",")
                )
                .into_bytes(),
            )
        };
        super::support::AfterPolls {
            // Answers of different lengths, so they come back out of order.
            polls: 2 + (page as u32 * 7) % 5,
            value: Some(Ok(crate::fetch::services::HttpResponse {
                status,
                retry_after: None,
                location: None,
                link: None,
                rate,
                body,
            })),
        }
        .boxed_local()
    }
}

/// What a run against a budget saw.
struct BudgetRun {
    outcome: crate::fetch::fetcher::FetchOutcome,
    /// 429s the API sent.
    refused: u64,
    events: Vec<crate::fetch::events::FetchEvent>,
}

/// `total` customers, 10 a page, at concurrency 4 from an API announcing
/// a budget of `limit` in `family`'s headers.
fn run_against(family: super::support::rated::Family, limit: u64, total: usize) -> BudgetRun {
    let steps = [run_config()];
    let mut runs = in_one_tab(family, limit, total, 0, std::time::Duration::ZERO, &steps);
    runs.pop().expect("one run")
}

/// 1,000 customers, 10 a page, at concurrency 4 from an API announcing
/// `limit` requests a second in `X-RateLimit-*`.
fn run_against_budget(limit: u64) -> (crate::fetch::fetcher::FetchOutcome, u64) {
    let run = run_against(super::support::rated::Family::XRateLimit, limit, 1_000);
    (run.outcome, run.refused)
}

/// The `paced` events of a run: their source and reason.
fn paced(events: &[crate::fetch::events::FetchEvent]) -> Vec<(RateSource, PaceReason)> {
    events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Paced { source, reason, .. } => Some((source, reason)),
            _ => None,
        })
        .collect()
}

#[test]
fn concurrent_requests_stay_within_the_announced_budget() {
    let (outcome, refused) = run_against_budget(10);
    assert!(outcome.provenance.complete, "{:?}", outcome.provenance);
    assert_eq!(outcome.provenance.records_received, 1_000);
    assert!(refused <= 1, "429s: {refused}");
    assert_eq!(
        outcome.provenance.stats.requests,
        100 + refused,
        "no request wasted"
    );
    assert!(outcome.provenance.stats.paced_ms > 0);
}

#[test]
fn a_budget_the_run_never_reaches_paces_nothing() {
    // 1,000 a second announced, 100 pages needed: the clean case stays clean.
    let (outcome, refused) = run_against_budget(1_000);
    assert!(outcome.provenance.complete, "{:?}", outcome.provenance);
    assert_eq!(refused, 0);
    assert_eq!(outcome.provenance.stats.requests, 100);
    assert_eq!(outcome.provenance.stats.paced_ms, 0);
}

#[test]
fn every_header_family_is_followed_with_at_most_one_429() {
    use super::support::rated::Family;
    for (family, source) in [
        (Family::XRateLimit, RateSource::XRateLimit),
        (Family::Ietf, RateSource::Ietf),
        (Family::Hubspot, RateSource::HubspotSecondly),
        (Family::Shopify, RateSource::ShopifyCallLimit),
    ] {
        let run = run_against(family, 10, 1_000);
        let provenance = &run.outcome.provenance;
        assert!(
            run.outcome.provenance.complete,
            "{family:?}: {provenance:?}"
        );
        assert!(run.refused <= 1, "{family:?}: 429s {}", run.refused);
        assert_eq!(provenance.stats.requests, 100 + run.refused, "{family:?}");
        assert!(provenance.stats.paced_ms > 0, "{family:?}");
        let said = paced(&run.events);
        assert!(!said.is_empty(), "{family:?}: the log says why");
        assert!(
            said.iter().all(|(s, _)| *s == source),
            "{family:?}: {said:?}"
        );
    }
}

#[test]
fn a_shopify_bucket_far_from_full_is_not_slowed() {
    // 30 pages into Shopify's 40: the clean case stays clean.
    let run = run_against(super::support::rated::Family::Shopify, 40, 300);
    assert!(run.outcome.provenance.complete);
    assert_eq!(run.refused, 0);
    assert_eq!(run.outcome.provenance.stats.requests, 30);
    assert_eq!(run.outcome.provenance.stats.paced_ms, 0);
    assert_eq!(paced(&run.events), []);
}

#[test]
fn a_filling_shopify_bucket_is_paced_to_its_leak_rate() {
    // 100 pages at concurrency 4 into 40 calls draining 2 a second.
    let run = run_against(super::support::rated::Family::Shopify, 40, 1_000);
    let provenance = &run.outcome.provenance;
    assert!(run.outcome.provenance.complete, "{provenance:?}");
    assert_eq!(run.refused, 0, "followed before it overflows");
    assert_eq!(provenance.stats.requests, 100);
    assert_eq!(provenance.stats.rate_limited, 0);
    assert!(
        provenance.stats.paced_ms >= 30_000,
        "{:?}",
        provenance.stats
    );
    let said = paced(&run.events);
    assert_eq!(
        said[0],
        (RateSource::ShopifyCallLimit, PaceReason::BucketFull),
        "{said:?}"
    );
    assert_eq!(
        said.len(),
        1,
        "once a slowdown, not once a request: {said:?}"
    );
    let message = &run
        .events
        .iter()
        .find(|e| matches!(e.kind, EventKind::Paced { .. }))
        .expect("a paced event")
        .message;
    assert!(
        message.contains("/40") && message.contains("2 a second"),
        "{message}"
    );
}

#[test]
fn requests_started_since_the_last_answer_are_held_back_and_the_log_says_so() {
    let run = run_against(super::support::rated::Family::XRateLimit, 10, 1_000);
    let said = paced(&run.events);
    assert!(
        said.contains(&(RateSource::XRateLimit, PaceReason::InFlight)),
        "{said:?}"
    );
}

/// A preview of page 1 alone, as the page's mapping panel asks for it
/// (`refresh`: not from the cache), or a run at concurrency 4.
fn preview(refresh: bool) -> FetchConfig {
    FetchConfig {
        max_pages: 1,
        refresh,
        ..run_config()
    }
}

fn run_config() -> FetchConfig {
    FetchConfig {
        per_page: Some(10),
        concurrency: 4,
        ..FetchConfig::new("https://api.test/api/users")
    }
}

/// Fetches `steps` one after the other in one tab (one page cache) from an
/// API of `total` customers, 10 a page, announcing a budget of `limit` in
/// `family`'s headers, but on none of its first `silent` answers; between
/// steps, `pause` of fake time passes. What each step saw.
fn in_one_tab(
    family: super::support::rated::Family,
    limit: u64,
    total: usize,
    silent: u64,
    pause: std::time::Duration,
    steps: &[FetchConfig],
) -> Vec<BudgetRun> {
    let time = super::support::FakeTime::default();
    let api = BudgetApi {
        time: &time,
        budget: super::support::rated::ApiBudget::new(family, limit),
        per_page: 10,
        total,
        silent: std::cell::Cell::new(silent),
    };
    let cache = std::cell::RefCell::new(crate::fetch::pages::PageCache::new());
    let mut seen = Vec::new();
    for (n, config) in steps.iter().enumerate() {
        if n > 0 {
            time.elapsed.set(time.elapsed.get() + pause);
        }
        let events = std::cell::RefCell::new(Vec::new());
        let on_event = |event: &FetchEvent| {
            if !matches!(event.kind, EventKind::Progress(_)) {
                events.borrow_mut().push(event.clone());
            }
        };
        let before = api.budget.refused.get();
        let outcome = super::support::fetch_in(&api, &time, config, &cache, None, &on_event);
        seen.push(BudgetRun {
            outcome,
            refused: api.budget.refused.get() - before,
            events: events.into_inner(),
        });
    }
    seen
}

/// Each header family, the `source` its `paced` events carry, and a budget
/// of 3 (a second, or a bucket of 3 calls draining one in 6.7 s).
const SMALL_BUDGETS: [(super::support::rated::Family, RateSource); 4] = [
    (
        super::support::rated::Family::XRateLimit,
        RateSource::XRateLimit,
    ),
    (super::support::rated::Family::Ietf, RateSource::Ietf),
    (
        super::support::rated::Family::Hubspot,
        RateSource::HubspotSecondly,
    ),
    (
        super::support::rated::Family::Shopify,
        RateSource::ShopifyCallLimit,
    ),
];

#[test]
fn a_run_after_a_preview_follows_the_budget_page_1_announced_though_page_1_is_cached() {
    use std::time::Duration;
    for (family, source) in SMALL_BUDGETS {
        // 4 pages; the preview's page 1 leaves 2 of 3: pages 2 to 4 at
        // once would be one too many.
        let steps = [preview(false), run_config()];
        let tab = in_one_tab(family, 3, 40, 0, Duration::ZERO, &steps);
        let (looked, run) = (&tab[0], &tab[1]);
        assert_eq!(looked.outcome.provenance.stats.requests, 1, "{family:?}");
        let stats = &run.outcome.provenance.stats;
        assert!(run.outcome.provenance.complete, "{family:?}: {stats:?}");
        assert_eq!(stats.cache_hits, 1, "{family:?}: page 1 from the cache");
        assert_eq!(run.refused, 0, "{family:?}: {:?}", run.events);
        assert_eq!(stats.requests, 3, "{family:?}");
        assert!(stats.paced_ms > 0, "{family:?}");
        let said = paced(&run.events);
        assert!(!said.is_empty(), "{family:?}: the log says why");
        assert!(
            said.iter().all(|(s, _)| *s == source),
            "{family:?}: {said:?}"
        );

        // The same, with page 1's answer silent on the budget: the run
        // sends pages 2 to 4 at once, blind, and the API refuses one.
        let blind = in_one_tab(family, 3, 40, 1, Duration::ZERO, &steps);
        assert!(blind[1].refused >= 1, "{family:?}: {:?}", blind[1].events);
    }
}

#[test]
fn a_preview_after_a_run_waits_for_the_budget_the_run_spent_and_says_so() {
    use std::time::Duration;
    for (family, source) in SMALL_BUDGETS {
        // 3 pages spend the budget of 3; the preview asks for page 1 again.
        let steps = [run_config(), preview(true)];
        let tab = in_one_tab(family, 3, 30, 0, Duration::ZERO, &steps);
        assert!(tab[0].outcome.provenance.complete, "{family:?}");
        assert_eq!(tab[0].refused, 0, "{family:?}");
        let looked = &tab[1];
        assert_eq!(looked.refused, 0, "{family:?}: {:?}", looked.events);
        assert_eq!(looked.outcome.provenance.stats.requests, 1, "{family:?}");
        let (reason, wait_ms) = if family == super::support::rated::Family::Shopify {
            // One call of the 3 drains in 20 s / 3.
            (PaceReason::BucketFull, 6_667)
        } else {
            (PaceReason::Spent, 1_000)
        };
        assert_eq!(
            looked.outcome.provenance.stats.paced_ms, wait_ms,
            "{family:?}"
        );
        let told: Vec<_> = looked
            .events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Paced { .. }))
            .collect();
        assert_eq!(told.len(), 1, "{family:?}: {told:?}");
        assert!(
            matches!(told[0].kind, EventKind::Paced { page: 1, source: s, reason: r, wait_ms: w, .. }
                if s == source && r == reason && w == wait_ms),
            "{family:?}: {told:?}"
        );
        assert!(
            told[0].message.starts_with("Page 1: "),
            "{}",
            told[0].message
        );

        // With the run's answers silent on the budget, the preview goes
        // at once and is refused (then follows what its 429 announced).
        let blind = in_one_tab(family, 3, 30, 3, Duration::ZERO, &steps);
        assert_eq!(blind[1].refused, 1, "{family:?}: {:?}", blind[1].events);
    }
}

#[test]
fn a_budget_announced_long_enough_ago_paces_nothing() {
    use std::time::Duration;
    // A window reset 2 s ago; a bucket of 3 drained empty in 20 s.
    for (family, _) in SMALL_BUDGETS {
        let steps = [run_config(), preview(true)];
        let tab = in_one_tab(family, 3, 30, 0, Duration::from_secs(20), &steps);
        let looked = &tab[1];
        assert_eq!(looked.refused, 0, "{family:?}");
        assert_eq!(looked.outcome.provenance.stats.paced_ms, 0, "{family:?}");
        assert_eq!(paced(&looked.events), [], "{family:?}");
    }
}
