//! The fetcher driven through the failure scenarios of a flaky API, with a
//! scripted transport and a recording timer: exact waits, no real sleeping.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use customer_pipeline::fetch::events::FetchEvent;
use customer_pipeline::fetch::services::Clock;
use customer_pipeline::pipeline::{process_fetched, RunSettings};
use support::{config, secs, Harness, ScriptedApi, Step};

fn settings() -> RunSettings {
    RunSettings::from_text("42", "2026-11-24", "2026-11-24T12:00:00Z").expect("valid settings")
}

/// 12 records, 6 per page: 2 pages, like reqres.
fn reqres_like() -> ScriptedApi {
    ScriptedApi::new(12, 6)
}

#[test]
fn all_pages_without_faults() {
    let harness = Harness::new(ScriptedApi::new(30, 6));
    let outcome = harness.run(&config());
    assert!(outcome.is_complete());
    assert_eq!(
        outcome.pages.iter().map(|p| p.page).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(harness.api.requests(), 5);
    assert_eq!(outcome.stats.requests, 5);
    assert_eq!(outcome.stats.success_rate, 1.0);
    assert!(harness.time.waits().is_empty());
    let report = process_fetched(
        &outcome,
        "https://api.test/api/users",
        &settings(),
        &*harness.time,
    );
    assert_eq!(report.metadata.total_customers, 30);
    assert!(report.metadata.complete);
}

#[test]
fn a_503_then_success_waits_one_second() {
    let harness = Harness::new(reqres_like().script(2, [Step::Status(503)]));
    let outcome = harness.run(&config());
    assert!(outcome.is_complete());
    assert_eq!(harness.time.waits(), secs(&[1]));
    assert_eq!(harness.api.requests_for(2), 2);
    assert_eq!(outcome.stats.retries.server_error, 1);
    assert!(harness
        .log_messages()
        .iter()
        .any(|m| m == "Page 2: HTTP 503; retry 1 of 3 after backoff 1 s"));
}

#[test]
fn three_failures_then_success_waits_one_two_four() {
    let harness = Harness::new(reqres_like().script(
        1,
        [Step::Status(500), Step::Status(503), Step::NetworkError],
    ));
    let outcome = harness.run(&config());
    assert!(outcome.is_complete());
    assert_eq!(harness.time.waits(), secs(&[1, 2, 4]));
    assert_eq!(harness.api.requests_for(1), 4);
    assert_eq!(outcome.stats.retries.server_error, 2);
    assert_eq!(outcome.stats.retries.network, 1);
}

#[test]
fn four_failures_fail_the_page_and_the_run_is_partial() {
    let harness = Harness::new(ScriptedApi::new(18, 6).script(2, vec![Step::Status(503); 4]));
    let outcome = harness.run(&config());
    assert!(!outcome.is_complete());
    assert_eq!(harness.time.waits(), secs(&[1, 2, 4]));
    assert_eq!(
        harness.api.requests_for(2),
        4,
        "1 attempt + 3 retries, no more"
    );
    assert_eq!(outcome.failed.len(), 1);
    assert_eq!(outcome.failed[0].page, 2);
    assert_eq!(outcome.failed[0].attempts, 4);
    assert_eq!(
        outcome.failed[0].reason,
        "HTTP 503 (gave up after 3 retries)"
    );
    let report = process_fetched(
        &outcome,
        "https://api.test/api/users",
        &settings(),
        &*harness.time,
    );
    assert!(!report.metadata.complete);
    assert_eq!(
        report.metadata.total_customers, 12,
        "pages 1 and 3 are kept"
    );
    assert_eq!(report.metadata.failed_pages[0].page, 2);
    let json = String::from_utf8(report.to_json()).unwrap();
    assert!(json.contains(r#""complete": false"#));
}

#[test]
fn retrying_after_a_partial_run_fetches_only_the_failed_page() {
    let harness = Harness::new(ScriptedApi::new(18, 6).script(2, vec![Step::Status(503); 4]));
    assert!(!harness.run(&config()).is_complete());
    let before = harness.api.requests();
    let outcome = harness.run(&config());
    assert!(outcome.is_complete());
    assert_eq!(
        harness.api.requests() - before,
        1,
        "pages 1 and 3 come from the cache"
    );
    assert_eq!(outcome.stats.cache_hits, 2);
    let report = process_fetched(&outcome, "u", &settings(), &*harness.time);
    assert_eq!(report.metadata.total_customers, 18);
}

#[test]
fn a_429_with_seconds_waits_as_told_and_lowers_concurrency() {
    let harness =
        Harness::new(ScriptedApi::new(30, 6).script(3, [Step::RateLimited(Some("3".into()))]));
    let outcome = harness.run(&config());
    assert!(outcome.is_complete());
    assert_eq!(harness.time.waits(), secs(&[3]));
    assert_eq!(outcome.stats.rate_limited, 1);
    assert_eq!(
        outcome.stats.retries.total(),
        0,
        "429s do not use the retries"
    );
    assert_eq!(outcome.stats.final_concurrency, 2);
    assert!(harness
        .log_messages()
        .iter()
        .any(|m| m == "Page 3: HTTP 429 rate limited; Retry-After: 3; waiting 3 s"));
}

#[test]
fn a_429_with_an_http_date_waits_until_then() {
    // The fake clock starts at 2026-11-24T12:00:00Z.
    let harness = Harness::new(reqres_like().script(
        1,
        [Step::RateLimited(Some(
            "Tue, 24 Nov 2026 12:00:05 GMT".into(),
        ))],
    ));
    assert!(harness.run(&config()).is_complete());
    assert_eq!(harness.time.waits(), secs(&[5]));
}

#[test]
fn a_429_with_zero_or_a_past_date_still_waits_the_floor() {
    let harness = Harness::new(reqres_like().script(
        1,
        [
            Step::RateLimited(Some("0".into())),
            Step::RateLimited(Some("Mon, 23 Nov 2026 12:00:00 GMT".into())),
        ],
    ));
    assert!(harness.run(&config()).is_complete());
    assert_eq!(harness.time.waits(), secs(&[1, 1]));
}

#[test]
fn a_429_without_a_visible_header_falls_back_to_backoff() {
    let harness = Harness::new(reqres_like().script(
        1,
        [
            Step::RateLimited(None),
            Step::RateLimited(Some("later".into())),
            Step::Status(503),
        ],
    ));
    let outcome = harness.run(&config());
    assert!(outcome.is_complete());
    // 429 fallback: 1 s, 2 s; then the 503's own first backoff: 1 s.
    assert_eq!(harness.time.waits(), secs(&[1, 2, 1]));
}

#[test]
fn a_429_demanding_more_than_the_cap_fails_the_page_at_once() {
    let harness = Harness::new(reqres_like().script(2, [Step::RateLimited(Some("120".into()))]));
    let outcome = harness.run(&config());
    assert_eq!(harness.api.requests_for(2), 1);
    assert!(harness.time.waits().is_empty());
    assert_eq!(
        outcome.failed[0].reason,
        "HTTP 429: the API asked to wait 120 s (Retry-After: 120), more than the 60 s limit; try again later"
    );
}

#[test]
fn rate_limit_waits_have_their_own_budget_of_five() {
    let harness =
        Harness::new(reqres_like().script(2, vec![Step::RateLimited(Some("1".into())); 6]));
    let outcome = harness.run(&config());
    assert_eq!(harness.api.requests_for(2), 6);
    assert_eq!(harness.time.waits(), secs(&[1, 1, 1, 1, 1]));
    assert_eq!(
        outcome.failed[0].reason,
        "HTTP 429: still rate limited after 5 waits; try again later"
    );
    let harness = Harness::new(reqres_like().script(
        2,
        [
            Step::RateLimited(Some("2".into())),
            Step::Status(500),
            Step::RateLimited(Some("2".into())),
            Step::Status(500),
            Step::Status(500),
        ],
    ));
    assert!(
        harness.run(&config()).is_complete(),
        "429 waits do not use up the retries"
    );
    assert_eq!(harness.time.waits(), secs(&[2, 1, 2, 2, 4]));
}

#[test]
fn a_401_fails_at_once_without_retrying() {
    let harness = Harness::new(reqres_like().script(1, [Step::Status(401)]));
    let outcome = harness.run(&config());
    assert_eq!(harness.api.requests(), 1);
    assert!(harness.time.waits().is_empty());
    assert!(outcome.pages.is_empty());
    assert!(outcome.failed[0].reason.contains("check the key"));
}

#[test]
fn other_client_errors_fail_at_once_with_advice() {
    for (status, advice) in [
        (404, "check the API URL"),
        (403, "check the API key"),
        (400, "refused"),
    ] {
        let harness = Harness::new(reqres_like().script(2, [Step::Status(status)]));
        let outcome = harness.run(&config());
        assert_eq!(harness.api.requests_for(2), 1, "{status}");
        assert!(
            outcome.failed[0].reason.contains(advice),
            "{status}: {}",
            outcome.failed[0].reason
        );
    }
}

#[test]
fn a_malformed_body_then_success() {
    let harness = Harness::new(reqres_like().script(1, [Step::Malformed]));
    let outcome = harness.run(&config());
    assert!(outcome.is_complete());
    assert_eq!(harness.time.waits(), secs(&[1]));
    assert_eq!(outcome.stats.retries.malformed_body, 1);
}

#[test]
fn a_timeout_then_success() {
    let harness = Harness::new(reqres_like().script(2, [Step::Hang]));
    let outcome = harness.run(&config());
    assert!(outcome.is_complete());
    assert_eq!(outcome.stats.retries.timeout, 1);
    assert_eq!(harness.time.waits(), secs(&[1]));
    assert!(harness
        .log_messages()
        .iter()
        .any(|m| m == "Page 2: timed out; retry 1 of 3 after backoff 1 s"));
}

#[test]
fn duplicates_across_pages_are_removed_by_the_contract_rule() {
    let mut api = ScriptedApi::new(18, 6);
    api.repeat_across_pages = true;
    let harness = Harness::new(api);
    let outcome = harness.run(&config());
    let report = process_fetched(&outcome, "u", &settings(), &*harness.time);
    assert_eq!(report.metadata.total_customers, 18);
    assert_eq!(report.metadata.duplicates_removed, 2);
    assert_eq!(
        report.duplicates[0].position.to_string(),
        "page 2, record 7"
    );
    assert_eq!(
        report.duplicates[0].kept_position.to_string(),
        "page 1, record 1"
    );
}

#[test]
fn the_report_does_not_depend_on_the_order_pages_complete_in() {
    let in_order = Harness::new(ScriptedApi::new(24, 6));
    let reversed = Harness::new(
        ScriptedApi::new(24, 6)
            .script(2, [Step::Ok { polls: 30 }])
            .script(3, [Step::Ok { polls: 20 }])
            .script(4, [Step::Ok { polls: 0 }]),
    );
    let a = in_order.run(&config());
    let b = reversed.run(&config());
    let completion: Vec<_> = reversed
        .events
        .borrow()
        .iter()
        .filter_map(|e| match e {
            FetchEvent::Log(l) if l.message.contains("records)") => l.page,
            _ => None,
        })
        .collect();
    assert_eq!(
        completion,
        [1, 4, 3, 2],
        "the pages really completed out of order"
    );
    let report = |outcome, harness: &Harness| {
        process_fetched(outcome, "u", &settings(), &*harness.time)
            .customers
            .iter()
            .map(|c| serde_json::to_string(c).unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(report(&a, &in_order), report(&b, &reversed));
}

#[test]
fn without_total_pages_it_walks_until_an_empty_page() {
    let mut api = ScriptedApi::new(14, 6);
    api.hide_total_pages = true;
    let harness = Harness::new(api);
    let outcome = harness.run(&config());
    assert!(outcome.is_complete());
    assert_eq!(
        harness.api.requests(),
        4,
        "pages 1-3 with data, page 4 empty"
    );
    let report = process_fetched(&outcome, "u", &settings(), &*harness.time);
    assert_eq!(report.metadata.total_customers, 14);
}

#[test]
fn a_page_that_repeats_the_previous_one_stops_the_walk() {
    let mut api = ScriptedApi::new(30, 6);
    api.hide_total_pages = true;
    api.ignore_page_parameter = true;
    let harness = Harness::new(api);
    let outcome = harness.run(&config());
    assert_eq!(harness.api.requests(), 2);
    assert_eq!(outcome.pages.len(), 1);
    assert!(outcome.warnings[0].starts_with("Page 2 repeats the records of page 1"));
}

#[test]
fn the_walk_is_bounded_by_max_pages() {
    let mut api = ScriptedApi::new(1000, 1);
    api.hide_total_pages = true;
    let harness = Harness::new(api);
    let mut cfg = config();
    cfg.max_pages = 5;
    let outcome = harness.run(&cfg);
    assert_eq!(harness.api.requests(), 5);
    assert!(!outcome.is_complete());
    assert_eq!(
        outcome.warnings,
        ["Stopped after 5 pages (the maximum); the API may have more"]
    );
}

#[test]
fn a_growing_total_pages_is_followed_with_a_warning() {
    let mut api = ScriptedApi::new(24, 6);
    api.page1_total_pages = Some(3);
    let harness = Harness::new(api);
    let outcome = harness.run(&config());
    assert!(outcome.is_complete());
    assert_eq!(outcome.pages.len(), 4);
    assert_eq!(outcome.pages_total, Some(4));
    assert!(outcome
        .warnings
        .iter()
        .any(|w| w.contains("reports total_pages = 4, earlier pages said 3")));
}

#[test]
fn cancel_mid_run_stops_new_requests() {
    let mut cfg = config();
    cfg.concurrency = 1;
    let harness = Harness::new(ScriptedApi::new(30, 6).script(2, [Step::CancelAndHang]));
    let outcome = harness.run(&cfg);
    assert!(outcome.cancelled);
    assert!(!outcome.is_complete());
    assert_eq!(harness.api.requests(), 2, "nothing after page 2");
    assert_eq!(
        harness.log_messages().last().map(String::as_str),
        Some("Cancelled")
    );
}

#[test]
fn the_cache_serves_reruns_and_refresh_bypasses_it() {
    let harness = Harness::new(reqres_like());
    harness.run(&config());
    assert_eq!(harness.api.requests(), 2);
    let again = harness.run(&config());
    assert_eq!(harness.api.requests(), 2, "a rerun costs no requests");
    assert_eq!(again.stats.cache_hits, 2);
    let mut refresh = config();
    refresh.refresh = true;
    harness.run(&refresh);
    assert_eq!(harness.api.requests(), 4);
    let mut other_key = config();
    other_key.api_key = Some("another-key".into());
    harness.run(&other_key);
    assert_eq!(
        harness.api.requests(),
        6,
        "another key is another cache entry"
    );
}

#[test]
fn the_api_key_is_sent_but_never_logged() {
    let harness = Harness::new(reqres_like().script(1, [Step::Status(503)]));
    let mut cfg = config();
    cfg.api_key = Some("reqres-free-v1".into());
    let outcome = harness.run(&cfg);
    assert!(harness
        .api
        .served
        .borrow()
        .iter()
        .all(|(_, _, key)| key.as_deref() == Some("reqres-free-v1")));
    let events = serde_json::to_string(&*harness.events.borrow()).unwrap();
    assert!(!events.contains("reqres-free-v1"));
    let report = process_fetched(&outcome, &cfg.base_url, &settings(), &*harness.time);
    assert!(!String::from_utf8(report.to_json())
        .unwrap()
        .contains("reqres-free-v1"));
}

#[test]
fn every_attempt_is_logged_with_a_millisecond_utc_timestamp() {
    let harness = Harness::new(reqres_like().script(1, [Step::Status(503)]));
    harness.run(&config());
    let events = harness.events.borrow();
    let logs: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            FetchEvent::Log(entry) => Some(entry),
            FetchEvent::Progress(_) => None,
        })
        .collect();
    assert_eq!(logs[1].at, "2026-11-24T12:00:00.000Z");
    assert_eq!(
        (logs[1].page, logs[1].attempt, logs[1].wait_ms),
        (Some(1), Some(1), Some(1000))
    );
    assert_eq!(
        logs[2].at, "2026-11-24T12:00:01.000Z",
        "logged after the 1 s wait"
    );
    assert_eq!(harness.time.now().to_rfc3339(), "2026-11-24T12:00:01+00:00");
}

#[test]
fn concurrency_bounds_the_requests_in_flight() {
    let steps = |page| (page, vec![Step::Ok { polls: 5 }]);
    let mut api = ScriptedApi::new(60, 6);
    for (page, script) in (2..=10).map(steps) {
        api = api.script(page, script);
    }
    let harness = Harness::new(api);
    let mut cfg = config();
    cfg.concurrency = 3;
    assert!(harness.run(&cfg).is_complete());
    assert_eq!(harness.api.max_in_flight.get(), 3);
    assert_eq!(harness.api.in_flight.get(), 0);
}

#[test]
fn a_page_waiting_out_a_backoff_frees_its_slot() {
    let harness = Harness::new(ScriptedApi::new(24, 6).script(2, [Step::Status(503)]));
    let mut cfg = config();
    cfg.concurrency = 1;
    assert!(harness.run(&cfg).is_complete());
    let order: Vec<u64> = harness
        .api
        .served
        .borrow()
        .iter()
        .map(|(page, _, _)| *page)
        .collect();
    assert_eq!(
        order,
        [1, 2, 3, 4, 2],
        "pages 3 and 4 go while page 2 waits"
    );
}
