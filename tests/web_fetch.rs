//! The real browser fetch path (gloo-net, gloo-timers, CORS) against the
//! mock API, in headless Chromium. `scripts/test.sh` starts the mock and
//! passes its address at compile time as `MOCK_API_URL`.
#![cfg(target_arch = "wasm32")]
// Browser tests are `#[wasm_bindgen_test]`, which clippy does not see as tests.
#![allow(clippy::unwrap_used)]

use customer_pipeline::web::{clear_cache, fetch_and_process, probe_api};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

mod browser;
use browser::{mock_url, Events, Run};

wasm_bindgen_test_configure!(run_in_browser);

/// Runs against the mock with `scenario` as extra query parameters, from
/// an empty page cache.
async fn run(scenario: &str, extra_settings: &str) -> Run {
    clear_cache();
    let url = format!("{}/api/users?{scenario}", mock_url());
    run_form(format!(
        r#"{{"url": "{url}", "seed": "42", "asOf": "2026-11-24"{extra_settings}}}"#
    ))
    .await
}

/// Runs against the mock with one `fault` (query parameters) on each
/// page's first attempt and none after: the run gets all twelve users.
async fn recovered(fault: &str, extra_settings: &str) -> Run {
    let run = run(
        &format!("failure_rate=0&max_faults_per_page=1&{fault}"),
        extra_settings,
    )
    .await;
    assert_eq!(run.metadata()["total_customers"], 12, "{fault}");
    run
}

/// [`run`] with `key` as the API key.
async fn run_with_key(scenario: &str, key: &str) -> Run {
    run(scenario, &format!(r#", "apiKey": "{key}""#)).await
}

/// Runs with the form as given (the page cache as it is).
async fn run_form(settings: String) -> Run {
    let events = Events::new();
    let controller = web_sys::AbortController::new().expect("AbortController");
    let result = fetch_and_process(settings, events.on_event(), controller.signal())
        .await
        .map_err(|error| {
            let get = |name: &str| {
                js_sys::Reflect::get(&error, &JsValue::from_str(name))
                    .ok()
                    .and_then(|m| m.as_string())
                    .unwrap_or_default()
            };
            format!("{}: {}", get("code"), get("message"))
        });
    events.run(result)
}

#[wasm_bindgen_test]
async fn a_503_then_success_fetches_all_twelve_users() {
    let run = run("failure_rate=1&max_faults_per_page=1&seed=101", "").await;
    let metadata = run.metadata();
    assert_eq!(metadata["total_customers"], 12);
    assert_eq!(metadata["complete"], true);
    assert_eq!(
        metadata["fetch"]["retries"]["server_error"], 2,
        "one per page"
    );
    run.assert_logged("retry 1 of 3 in 1 s");
}

#[wasm_bindgen_test]
async fn a_429_with_a_visible_retry_after_is_honoured() {
    let run = recovered("rate_limit_rate=1&retry_after_secs=1&seed=102", "").await;
    run.assert_logged("HTTP 429 rate limited; Retry-After: 1; rate-limit wait 1 of 5: 1 s");
}

#[wasm_bindgen_test]
async fn a_429_whose_retry_after_cors_hides_falls_back_to_backoff() {
    let run = recovered("rate_limit_rate=1&expose_retry_after=0&seed=103", "").await;
    run.assert_logged("no Retry-After visible, backoff; rate-limit wait 1 of 5: 1 s");
}

#[wasm_bindgen_test]
async fn a_slow_response_times_out_and_is_retried() {
    let run = recovered(
        "slow_rate=1&slow_ms=3000&seed=104",
        r#", "timeoutMs": "300""#,
    )
    .await;
    assert_eq!(run.metadata()["fetch"]["retries"]["timeout"], 2);
    run.assert_logged("timed out; retry 1 of 3");
}

#[wasm_bindgen_test]
async fn a_malformed_body_is_retried() {
    let run = recovered("malformed_rate=1&seed=105", "").await;
    assert_eq!(run.metadata()["fetch"]["retries"]["malformed_body"], 2);
}

#[wasm_bindgen_test]
async fn a_401_fails_at_once_with_advice() {
    let run = run_with_key("failure_rate=0&api_key=right-key&seed=106", "wrong-key").await;
    run.assert_failed("auth_rejected", "", &["HTTP 401", "check the key"]);
    let attempts = run.log().iter().filter(|m| m.contains("Page 1")).count();
    assert_eq!(attempts, 1, "no retries: {:?}", run.log());
}

#[wasm_bindgen_test]
async fn the_right_api_key_is_sent_as_a_header() {
    let run = run_with_key("failure_rate=0&api_key=right-key&seed=107", "right-key").await;
    assert_eq!(run.metadata()["total_customers"], 12);
}

/// Every API request the mock saw (its admin log).
async fn mock_requests() -> Vec<serde_json::Value> {
    let response = gloo_net::http::Request::get(&format!("{}/__admin/log", mock_url()))
        .send()
        .await
        .expect("the mock's log");
    let text = response.text().await.expect("the log");
    let log: serde_json::Value = serde_json::from_str(&text).expect("the log is JSON");
    log.as_array().cloned().unwrap_or_default()
}

#[wasm_bindgen_test]
async fn a_same_origin_redirect_is_followed_with_the_key() {
    let run = run_with_key(
        "failure_rate=0&redirect=same&api_key=k-same&seed=108",
        "k-same",
    )
    .await;
    let metadata = run.metadata();
    assert_eq!(metadata["total_customers"], 12);
    assert_eq!(metadata["complete"], true);
    let redirected = metadata["source"]["redirected_to"][0]
        .as_str()
        .unwrap_or("");
    assert!(redirected.ends_with("/api/moved/users"), "{metadata}");
    run.assert_logged("redirected to");
}

#[wasm_bindgen_test]
async fn a_cross_origin_redirect_fails_and_the_other_origin_never_sees_the_key() {
    let run = run_with_key("failure_rate=0&redirect=cross&seed=109", "k-cross").await;
    run.assert_failed("redirect_other_origin", "", &["another origin"]);
    let other_host = if mock_url().contains("127.0.0.1") {
        "localhost"
    } else {
        "127.0.0.1"
    };
    let requests = mock_requests().await;
    let to_other: Vec<_> = requests
        .iter()
        .filter(|r| {
            r["host"]
                .as_str()
                .is_some_and(|h| h.starts_with(other_host))
        })
        .collect();
    assert!(
        !to_other.is_empty(),
        "the browser found the target without the key"
    );
    assert!(
        to_other.iter().all(|r| r["api_key_sent"] == false),
        "{to_other:?}"
    );
}

#[wasm_bindgen_test]
async fn a_probe_looks_at_page_one_and_the_run_reuses_it() {
    clear_cache();
    let url = format!("{}/api/users?failure_rate=0&seed=111", mock_url());
    let form = format!(r#"{{"url": "{url}", "seed": "42", "asOf": "2026-11-24"}}"#);
    let ignore = Closure::<dyn Fn(String)>::new(|_: String| {});
    let controller = web_sys::AbortController::new().expect("AbortController");
    let probe = probe_api(
        form.clone(),
        ignore.as_ref().unchecked_ref::<js_sys::Function>().clone(),
        controller.signal(),
    )
    .await
    .expect("page 1 is probed");
    let probe: serde_json::Value = serde_json::from_str(&probe).expect("JSON");
    assert_eq!(probe["format"], "page_envelope");
    assert_eq!(probe["mapping"]["fields"]["email"], "email");
    assert_eq!(probe["mapping"]["fields"]["id"], "id");
    assert_eq!(probe["preview"].as_array().map(Vec::len), Some(5));
    assert_eq!(probe["preview"][0]["position"], "page 1, record 1");
    assert_eq!(probe["preview"][0]["values"][0], "1");

    // The run, with the avatar left out, takes page 1 from memory.
    let run = run_form(format!(
        r#"{{"url": "{url}", "seed": "42", "asOf": "2026-11-24", "map": "avatar:"}}"#
    ))
    .await;
    let metadata = run.metadata();
    assert_eq!(metadata["total_customers"], 12);
    assert_eq!(
        metadata["mapping"]["unmapped"],
        serde_json::json!(["avatar"])
    );
    let page_one: Vec<_> = run
        .events
        .iter()
        .filter(|e| e["kind"] == "page_fetched" && e["page"] == 1)
        .cloned()
        .collect();
    assert_eq!(page_one.len(), 1, "{page_one:?}");
    assert_eq!(page_one[0]["source"], "memory");

    // A mapping that cannot be read names the setting.
    let bad =
        format!(r#"{{"url": "{url}", "seed": "42", "asOf": "2026-11-24", "map": "colour:x"}}"#);
    let error = probe_api(
        bad,
        ignore.as_ref().unchecked_ref::<js_sys::Function>().clone(),
        controller.signal(),
    )
    .await
    .expect_err("an unknown field is refused");
    let field = js_sys::Reflect::get(&error, &JsValue::from_str("field")).unwrap();
    assert_eq!(field.as_string().as_deref(), Some("map"));
}

#[wasm_bindgen_test]
async fn a_key_no_header_can_carry_is_a_setting_error_and_the_next_run_works() {
    let url = format!("{}/api/users?failure_rate=0", mock_url());
    let with_key = |key: &str| {
        format!(r#"{{"url": "{url}", "apiKey": "{key}", "seed": "42", "asOf": "2026-11-24"}}"#)
    };
    clear_cache();
    let refused = run_form(with_key("ключ")).await;
    refused.assert_failed("invalid_setting", "The API key has a character", &[]);
    // Nothing crashed: the same module runs again at once.
    let run = run_form(with_key("plain-ascii-key")).await;
    assert_eq!(run.metadata()["complete"], true);
}

/// 6,000 users in one page (about 1.2 MB), with pages up to `max_page_mb`.
async fn one_large_page(max_page_mb: &str) -> Run {
    let limit = format!(r#", "maxPageMb": "{max_page_mb}""#);
    run("failure_rate=0&users=6000&per_page=6000", &limit).await
}

#[wasm_bindgen_test]
async fn an_answer_larger_than_the_largest_page_fails_that_page() {
    one_large_page("1").await.assert_failed(
        "page_too_large",
        "Could not fetch the first page: the answer is larger than 1 MB",
        &[],
    );
    // Within the limit it is read whole.
    let run = one_large_page("8").await;
    assert_eq!(run.metadata()["total_customers"], 6000);
}

#[wasm_bindgen_test]
async fn secrets_in_the_url_reach_the_api_but_not_the_report_or_the_log() {
    let run = run("failure_rate=0&token=SECRET-VALUE", "").await;
    let metadata = run.metadata();
    let url = metadata["source"]["url"].as_str().unwrap().to_owned();
    assert!(url.ends_with("?failure_rate=0&token=***"), "{url}");
    for event in &run.events {
        assert!(!event.to_string().contains("SECRET-VALUE"), "{event}");
    }
    let report = String::from_utf8(run.result.as_ref().unwrap().report()).unwrap();
    assert!(!report.contains("SECRET-VALUE"));
}

#[wasm_bindgen_test]
async fn a_clean_api_with_duplicate_customers_is_complete() {
    // 30 users plus the duplicates the seed places, counted in total.
    let run = run("failure_rate=0&users=30&duplicate_rate=0.3&seed=6", "").await;
    let metadata = run.metadata();
    assert_eq!(metadata["complete"], true, "{metadata}");
    assert_eq!(metadata["total_customers"], 30);
    let received = metadata["source"]["records_received"].as_u64().unwrap();
    assert_eq!(
        Some(received),
        metadata["source"]["records_stated"].as_u64()
    );
    assert_eq!(
        metadata["duplicates_removed"].as_u64().unwrap(),
        received - 30
    );
    assert!(received > 30);
}

#[wasm_bindgen_test]
async fn a_walk_that_clamps_past_the_end_keeps_the_last_page() {
    let run = run(
        "failure_rate=0&users=18&hide_total_pages=1&hide_total=1&clamp=1",
        "",
    )
    .await;
    let metadata = run.metadata();
    assert_eq!(metadata["complete"], true, "{metadata}");
    assert_eq!(metadata["total_customers"], 18);
    assert_eq!(
        metadata["source"]["walk_ended"],
        serde_json::json!({"last_page": 3, "by": "repeated_last_page"})
    );
    assert_eq!(metadata["fetch"]["requests"], 4, "one request past the end");
}

#[wasm_bindgen_test]
async fn a_cancelled_run_says_how_many_pages_it_fetched() {
    let url = format!("{}/api/users?failure_rate=0", mock_url());
    let ignore = Closure::<dyn Fn(String)>::new(|_: String| {});
    let controller = web_sys::AbortController::new().expect("AbortController");
    controller.abort();
    let error = match fetch_and_process(
        format!(r#"{{"url": "{url}", "seed": "42", "asOf": "2026-11-24"}}"#),
        ignore.as_ref().unchecked_ref::<js_sys::Function>().clone(),
        controller.signal(),
    )
    .await
    {
        Ok(_) => panic!("an aborted run is cancelled"),
        Err(error) => error,
    };
    let get = |name: &str| js_sys::Reflect::get(&error, &JsValue::from_str(name)).unwrap();
    assert_eq!(get("code").as_string().as_deref(), Some("cancelled"));
    assert_eq!(get("pages_fetched").as_f64(), Some(0.0));
}
