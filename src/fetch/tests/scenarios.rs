//! The fetcher driven through the failure scenarios of a flaky API, with a
//! scripted transport and a recording timer: exact waits, no real sleeping.

use super::support::{config, Harness, ScriptedApi, Step};
use crate::common::clock::Clock;
use crate::common::events::Level;
use crate::common::testing::secs;
use crate::fetch::events::EventKind;
use crate::provenance::{FailureCode, Truncation, Warning, WarningCode};

/// 12 records, 6 per page: 2 pages, like reqres.
fn reqres_like() -> ScriptedApi {
    ScriptedApi::new(12, 6)
}

#[test]
fn all_pages_without_faults() {
    let harness = Harness::new(ScriptedApi::new(30, 6));
    let outcome = harness.run(&config());
    assert!(outcome.provenance.complete);
    assert_eq!(
        outcome.pages.iter().map(|p| p.page).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(harness.api.requests(), 5);
    assert_eq!(outcome.provenance.stats.requests, 5);
    assert_eq!(outcome.provenance.stats.success_rate, 1.0);
    assert_eq!(outcome.provenance.stats.pages_from_network, 5);
    assert_eq!(
        outcome.provenance.stats.pages_first_try, 5,
        "no page needed a retry"
    );
    assert!(harness.time.waits().is_empty());
    let report = harness.report(&outcome);
    assert_eq!(report.metadata.total_customers, 30);
    assert!(report.metadata.complete);
}

#[test]
fn a_503_then_success_waits_one_second() {
    let harness = Harness::new(reqres_like().script(2, [Step::Status(503)]));
    let outcome = harness.run(&config());
    assert!(outcome.provenance.complete);
    assert_eq!(harness.time.waits(), secs(&[1]));
    assert_eq!(harness.api.requests_for(2), 2);
    assert_eq!(outcome.provenance.stats.retries.server_error, 1);
    // Both pages arrived; one of them on its first request.
    assert_eq!(outcome.provenance.stats.pages_from_network, 2);
    assert_eq!(outcome.provenance.stats.pages_first_try, 1);
    harness.assert_logged("Page 2: HTTP 503; retry 1 of 3 in 1 s");
}

#[test]
fn three_failures_then_success_waits_one_two_four() {
    let harness = Harness::new(reqres_like().script(
        1,
        [Step::Status(500), Step::Status(503), Step::NetworkError],
    ));
    let outcome = harness.run(&config());
    assert!(outcome.provenance.complete);
    assert_eq!(harness.time.waits(), secs(&[1, 2, 4]));
    assert_eq!(harness.api.requests_for(1), 4);
    assert_eq!(outcome.provenance.stats.retries.server_error, 2);
    assert_eq!(outcome.provenance.stats.retries.network, 1);
}

#[test]
fn four_failures_fail_the_page_and_the_run_is_partial() {
    let harness = Harness::new(ScriptedApi::new(18, 6).script(2, vec![Step::Status(503); 4]));
    let outcome = harness.run(&config());
    assert!(!outcome.provenance.complete);
    assert_eq!(harness.time.waits(), secs(&[1, 2, 4]));
    assert_eq!(
        harness.api.requests_for(2),
        4,
        "1 attempt + 3 retries, no more"
    );
    assert_eq!(outcome.provenance.failed_pages.len(), 1);
    assert_eq!(outcome.provenance.failed_pages[0].page, 2);
    assert_eq!(outcome.provenance.failed_pages[0].attempts, 4);
    assert_eq!(
        outcome.provenance.failed_pages[0].reason,
        "HTTP 503 (gave up after 3 retries)"
    );
    let report = harness.report(&outcome);
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
    assert!(!harness.run(&config()).provenance.complete);
    let before = harness.api.requests();
    let outcome = harness.run(&config());
    assert!(outcome.provenance.complete);
    assert_eq!(
        harness.api.requests() - before,
        1,
        "pages 1 and 3 come from the cache"
    );
    assert_eq!(outcome.provenance.stats.cache_hits, 2);
    let report = harness.report(&outcome);
    assert_eq!(report.metadata.total_customers, 18);
}

#[test]
fn a_429_with_seconds_waits_as_told_and_lowers_concurrency() {
    let harness =
        Harness::new(ScriptedApi::new(30, 6).script(3, [Step::RateLimited(Some("3".into()))]));
    let outcome = harness.run(&config());
    assert!(outcome.provenance.complete);
    assert_eq!(harness.time.waits(), secs(&[3]));
    assert_eq!(outcome.provenance.stats.rate_limited, 1);
    assert_eq!(
        outcome.provenance.stats.retries.total(),
        0,
        "429s do not use the retries"
    );
    assert_eq!(
        outcome.provenance.stats.pages_first_try, 4,
        "a page that waited for a 429 was not a first try"
    );
    assert_eq!(outcome.provenance.stats.final_concurrency, 2);
    harness.assert_logged(
        "Page 3: HTTP 429 rate limited; Retry-After: 3; rate-limit wait 1 of 5: 3 s",
    );
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
    assert!(harness.run(&config()).provenance.complete);
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
    assert!(harness.run(&config()).provenance.complete);
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
    assert!(outcome.provenance.complete);
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
        outcome.provenance.failed_pages[0].reason,
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
        outcome.provenance.failed_pages[0].reason,
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
        harness.run(&config()).provenance.complete,
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
    assert!(outcome.provenance.failed_pages[0]
        .reason
        .contains("check the key"));
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
            outcome.provenance.failed_pages[0].reason.contains(advice),
            "{status}: {}",
            outcome.provenance.failed_pages[0].reason
        );
    }
}

#[test]
fn a_malformed_body_then_success() {
    let harness = Harness::new(reqres_like().script(1, [Step::Malformed]));
    let outcome = harness.run(&config());
    assert!(outcome.provenance.complete);
    assert_eq!(harness.time.waits(), secs(&[1]));
    assert_eq!(outcome.provenance.stats.retries.malformed_body, 1);
}

#[test]
fn a_timeout_then_success() {
    let harness = Harness::new(reqres_like().script(2, [Step::Hang]));
    let outcome = harness.run(&config());
    assert!(outcome.provenance.complete);
    assert_eq!(outcome.provenance.stats.retries.timeout, 1);
    assert_eq!(harness.time.waits(), secs(&[1]));
    harness.assert_logged("Page 2: timed out; retry 1 of 3 in 1 s");
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
        .filter_map(|e| match e.kind {
            EventKind::PageFetched { page, .. } => Some(page),
            _ => None,
        })
        .collect();
    assert_eq!(
        completion,
        [1, 4, 3, 2],
        "the pages really completed out of order"
    );
    let report =
        |outcome, harness: &Harness| super::support::customer_lines(&harness.report(outcome));
    assert_eq!(report(&a, &in_order), report(&b, &reversed));
}

#[test]
fn a_walked_page_that_repeats_the_previous_one_fails_and_stops_the_walk() {
    let harness = Harness::new(ScriptedApi::ignoring_page_in_a_walk(30, 6));
    let outcome = harness.run(&config());
    assert_eq!(
        harness.api.requests(),
        5,
        "page 1, then page 2 with 3 retries"
    );
    assert_eq!(outcome.pages.len(), 1);
    assert!(!outcome.provenance.complete);
    let failed = &outcome.provenance.failed_pages;
    assert_eq!(
        failed.iter().map(|f| (f.page, f.code)).collect::<Vec<_>>(),
        [
            (1, FailureCode::RepeatedPage),
            (2, FailureCode::RepeatedPage)
        ],
        "which of the two is wrong cannot be known: both are named"
    );
    assert_eq!(
        failed[1].reason,
        "page 2 has the same records as page 1 (gave up after 3 retries)"
    );
    assert_eq!(
        harness.cache.borrow().len(),
        0,
        "page 1 is asked again by a retry"
    );
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
    assert!(!outcome.provenance.complete);
    assert_eq!(
        outcome.provenance.warnings,
        [Warning {
            code: WarningCode::Truncated,
            page: None,
            message: "Stopped after 5 pages, the most a run fetches; the API may have more".into()
        }]
    );
    assert_eq!(
        outcome.provenance.truncated,
        Some(Truncation {
            limit: 5,
            pages_stated: None
        })
    );
}

#[test]
fn cancel_mid_run_stops_new_requests() {
    let mut cfg = config();
    cfg.concurrency = 1;
    let harness = Harness::new(ScriptedApi::new(30, 6).script(2, [Step::CancelAndHang]));
    let outcome = harness.run(&cfg);
    assert!(outcome.provenance.cancelled);
    assert!(!outcome.provenance.complete);
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
    assert_eq!(again.provenance.stats.cache_hits, 2);
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
        .all(|served| served.api_key.as_deref() == Some("reqres-free-v1")));
    let events = serde_json::to_string(&*harness.events.borrow()).unwrap();
    assert!(!events.contains("reqres-free-v1"));
    let report = harness.report(&outcome);
    assert!(!String::from_utf8(report.to_json())
        .unwrap()
        .contains("reqres-free-v1"));
}

#[test]
fn every_attempt_is_logged_with_a_millisecond_utc_timestamp() {
    let harness = Harness::new(reqres_like().script(1, [Step::Status(503)]));
    harness.run(&config());
    let logs = harness.logged();
    assert_eq!(logs[1].at, "2026-11-24T12:00:00.000Z");
    assert_eq!(logs[1].level, Level::Warn);
    assert!(
        matches!(
            logs[1].kind,
            EventKind::Retry {
                page: 1,
                retry: 1,
                of: 3,
                wait_ms: 1000,
                ..
            }
        ),
        "{:?}",
        logs[1]
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
    assert!(harness.run(&cfg).provenance.complete);
    assert_eq!(harness.api.max_in_flight.get(), 3);
    assert_eq!(harness.api.in_flight.get(), 0);
}

#[test]
fn a_page_waiting_out_a_backoff_frees_its_slot() {
    let harness = Harness::new(ScriptedApi::new(24, 6).script(2, [Step::Status(503)]));
    let mut cfg = config();
    cfg.concurrency = 1;
    assert!(harness.run(&cfg).provenance.complete);
    let order: Vec<u64> = harness
        .api
        .served
        .borrow()
        .iter()
        .map(|served| served.page)
        .collect();
    assert_eq!(
        order,
        [1, 2, 3, 4, 2],
        "pages 3 and 4 go while page 2 waits"
    );
}

// ---------- completeness: answers that are wrong in their data ----------

#[test]
fn a_body_naming_another_page_is_retried_then_fails_the_page() {
    let harness = Harness::new(ScriptedApi::new(18, 6).script(3, vec![Step::WrongPage; 4]));
    let outcome = harness.run(&config());
    assert!(!outcome.provenance.complete);
    assert_eq!(
        harness.time.waits(),
        secs(&[1, 2, 4]),
        "retried like a malformed body"
    );
    let failure = &outcome.provenance.failed_pages[0];
    assert_eq!(
        (failure.page, failure.code, failure.attempts),
        (3, FailureCode::WrongPage, 4)
    );
    assert_eq!(
        failure.reason,
        "the API answered page 1 when page 3 was asked for (it may ignore the page \
         parameter) (gave up after 3 retries)"
    );
    assert_eq!(outcome.provenance.stats.retries.bad_answer, 3);
    let report = harness.report(&outcome);
    assert_eq!(report.metadata.total_customers, 12, "pages 1 and 2 kept");
}

#[test]
fn a_wrong_page_that_recovers_is_accepted() {
    let harness = Harness::new(ScriptedApi::new(18, 6).script(3, [Step::WrongPage]));
    let outcome = harness.run(&config());
    assert!(outcome.provenance.complete);
    assert_eq!(harness.report(&outcome).metadata.total_customers, 18);
}

#[test]
fn an_api_that_ignores_page_is_never_complete() {
    let mut api = ScriptedApi::new(18, 6);
    api.ignore_page_parameter = true;
    let harness = Harness::new(api);
    let outcome = harness.run(&config());
    assert!(!outcome.provenance.complete);
    let failed = super::support::failed_pages(&outcome);
    assert_eq!(
        failed,
        [
            (1, FailureCode::RepeatedPage),
            (2, FailureCode::RepeatedPage),
            (3, FailureCode::RepeatedPage)
        ]
    );
    let report = harness.report(&outcome);
    assert!(!report.metadata.complete);
    assert_eq!(
        report.metadata.duplicates_removed, 0,
        "no silent duplicates"
    );
}

#[test]
fn a_short_page_before_the_last_is_retried_once_then_kept_and_listed() {
    let harness = Harness::new(ScriptedApi::new(18, 6).script(2, [Step::Short(2), Step::Short(2)]));
    let outcome = harness.run(&config());
    assert!(!outcome.provenance.complete);
    assert_eq!(harness.api.requests_for(2), 2, "retried once");
    assert_eq!(harness.time.waits(), secs(&[1]));
    let failure = &outcome.provenance.failed_pages[0];
    assert_eq!((failure.page, failure.code), (2, FailureCode::ShortPage));
    assert_eq!(failure.reason, "short page: 2 of 6 records");
    let report = harness.report(&outcome);
    assert_eq!(
        report.metadata.total_customers, 14,
        "its 2 records are kept"
    );
    assert_eq!(
        report.metadata.failed_pages[0].reason,
        "short page: 2 of 6 records"
    );
    // Retry failed pages: the short page is asked again, the others come from the cache.
    let before = harness.api.requests();
    let again = harness.run(&config());
    assert!(again.provenance.complete);
    assert_eq!(harness.api.requests() - before, 1);
    assert_eq!(harness.report(&again).metadata.total_customers, 18);
}

#[test]
fn an_empty_middle_page_is_a_short_page() {
    let harness = Harness::new(ScriptedApi::new(18, 6).script(2, [Step::Short(0), Step::Short(0)]));
    let outcome = harness.run(&config());
    assert!(!outcome.provenance.complete);
    assert_eq!(
        outcome.provenance.failed_pages[0].reason,
        "short page: 0 of 6 records"
    );
}

#[test]
fn the_last_page_may_be_short() {
    let harness = Harness::new(ScriptedApi::new(14, 6));
    assert!(harness.run(&config()).provenance.complete, "14 = 6 + 6 + 2");
}

#[test]
fn two_pages_with_the_same_records_are_both_named() {
    let harness = Harness::new(ScriptedApi::new(24, 6).script(4, vec![Step::Repeat(2); 4]));
    let mut cfg = config();
    cfg.concurrency = 1;
    let outcome = harness.run(&cfg);
    assert!(!outcome.provenance.complete);
    let failed: Vec<_> = outcome
        .provenance
        .failed_pages
        .iter()
        .map(|f| (f.page, f.code, f.reason.as_str()))
        .collect();
    assert_eq!(
        failed,
        [
            (
                2,
                FailureCode::RepeatedPage,
                "page 4 has the same records as this page, so one of them is wrong; both are \
                 fetched again by a retry"
            ),
            (
                4,
                FailureCode::RepeatedPage,
                "page 4 has the same records as page 2 (gave up after 3 retries)"
            )
        ]
    );
}

#[test]
fn the_page_limit_is_its_own_state() {
    let harness = Harness::new(ScriptedApi::new(60, 6));
    let mut cfg = config();
    cfg.max_pages = 4;
    let outcome = harness.run(&cfg);
    assert!(!outcome.provenance.complete);
    assert!(
        outcome.provenance.failed_pages.is_empty(),
        "nothing to retry"
    );
    assert_eq!(
        outcome.provenance.truncated,
        Some(Truncation {
            limit: 4,
            pages_stated: Some(10)
        })
    );
    assert_eq!(
        outcome.provenance.warnings,
        [Warning {
            code: WarningCode::Truncated,
            page: None,
            message: "The API states 10 pages; a run fetches at most 4, so only the first 4 are \
                      in the report"
                .into()
        }]
    );
    let json = String::from_utf8(harness.report(&outcome).to_json()).unwrap();
    assert!(
        json.contains(r#""truncated": {"#) && json.contains(r#""pages_stated": 10"#),
        "{json}"
    );
}

#[test]
fn total_pages_zero_is_an_empty_result() {
    let mut api = ScriptedApi::new(0, 6);
    api.stated_totals.insert(1, (0, 0));
    let harness = Harness::new(api);
    let outcome = harness.run(&config());
    assert!(outcome.provenance.complete);
    assert_eq!(outcome.provenance.pages_total, Some(1));
    assert_eq!(harness.api.requests(), 1);
    assert_eq!(harness.report(&outcome).metadata.total_customers, 0);
}

#[test]
fn retries_and_rate_limit_waits_are_counted_apart() {
    let harness = Harness::new(reqres_like().script(
        2,
        [
            Step::RateLimited(Some("1".into())),
            Step::RateLimited(Some("1".into())),
            Step::Status(503),
            Step::RateLimited(Some("1".into())),
            Step::Status(500),
        ],
    ));
    let outcome = harness.run(&config());
    assert!(outcome.provenance.complete);
    let lines: Vec<_> = harness
        .log_messages()
        .into_iter()
        .filter(|m| m.starts_with("Page 2:") && !m.contains("records"))
        .collect();
    assert_eq!(
        lines,
        [
            "Page 2: HTTP 429 rate limited; Retry-After: 1; rate-limit wait 1 of 5: 1 s",
            "Page 2: HTTP 429 rate limited; Retry-After: 1; rate-limit wait 2 of 5: 1 s",
            "Page 2: HTTP 503; retry 1 of 3 in 1 s",
            "Page 2: HTTP 429 rate limited; Retry-After: 1; rate-limit wait 3 of 5: 1 s",
            "Page 2: HTTP 500; retry 2 of 3 in 2 s",
        ]
    );
    let stats = &outcome.provenance.stats;
    assert_eq!((stats.retries.total(), stats.rate_limited), (2, 3));
}

// ---------- redirects: the key stays with its origin ----------

#[test]
fn a_same_origin_redirect_is_followed_and_recorded() {
    let moved = "https://api.test/api/moved/users?page=2";
    let harness = Harness::new(reqres_like().script(2, [Step::Redirect(Some(moved.into()))]));
    let mut cfg = config();
    cfg.api_key = Some("k".into());
    let outcome = harness.run(&cfg);
    assert!(outcome.provenance.complete);
    let served = harness.api.served.borrow();
    let page_two: Vec<_> = served.iter().filter(|s| s.page == 2).collect();
    assert_eq!(page_two[1].url, moved);
    assert_eq!(page_two[1].api_key.as_deref(), Some("k"));
    assert_eq!(
        outcome.provenance.redirected_to,
        ["https://api.test/api/moved/users"]
    );
    assert!(harness.time.waits().is_empty(), "a redirect is not a retry");
    let json = String::from_utf8(harness.report(&outcome).to_json()).unwrap();
    assert!(
        json.contains(r#""redirected_to": ["#) && json.contains("/api/moved/users"),
        "{json}"
    );
}

#[test]
fn a_redirect_to_another_origin_fails_the_page_and_the_key_stays() {
    let harness = Harness::new(reqres_like().script(
        2,
        [Step::Redirect(Some(
            "http://other.test:8080/steal?page=2".into(),
        ))],
    ));
    let mut cfg = config();
    cfg.api_key = Some("secret".into());
    let outcome = harness.run(&cfg);
    assert!(!outcome.provenance.complete);
    assert!(harness
        .api
        .served
        .borrow()
        .iter()
        .all(|s| s.url.starts_with("https://api.test/")));
    assert_eq!(
        harness.api.requests_for(2),
        1,
        "failed at once, not retried"
    );
    let failure = &outcome.provenance.failed_pages[0];
    assert_eq!(failure.code, FailureCode::RedirectOtherOrigin);
    assert_eq!(
        failure.reason,
        "the API redirected to http://other.test:8080, another origin; the API key is never \
         sent there. If you trust it, use that URL as the API URL"
    );
}

#[test]
fn redirects_that_cannot_be_seen_or_never_end_fail_the_page() {
    let harness = Harness::new(reqres_like().script(2, [Step::Redirect(None)]));
    let outcome = harness.run(&config());
    assert_eq!(
        outcome.provenance.failed_pages[0].code,
        FailureCode::RedirectUnreadable
    );
    let hop = Step::Redirect(Some("/api/users?page=2".into()));
    let harness = Harness::new(reqres_like().script(2, vec![hop; 7]));
    let outcome = harness.run(&config());
    assert_eq!(harness.api.requests_for(2), 6, "1 + 5 redirects followed");
    assert_eq!(
        outcome.provenance.failed_pages[0].code,
        FailureCode::TooManyRedirects
    );
}

#[test]
fn only_http_urls_are_fetched() {
    for url in [
        "data:application/json,{}",
        "javascript:alert(1)",
        "/api/users",
        "",
    ] {
        let harness = Harness::new(reqres_like());
        let mut cfg = config();
        cfg.base_url = url.into();
        let outcome = harness.run(&cfg);
        assert_eq!(harness.api.requests(), 0, "{url}");
        assert_eq!(
            outcome.provenance.failed_pages[0].code,
            FailureCode::InvalidUrl,
            "{url}"
        );
    }
}
