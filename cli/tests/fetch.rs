//! `customer-pipeline fetch` against the project's mock API (faults on,
//! CORS irrelevant natively): exit codes, the key from the environment
//! only, the same waits as the page, resume with `--keep`, redirects.

mod support;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{code, events, mock_api, run, run_ok, scratch, scratch_report, stderr};

fn report(path: &std::path::Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("the report")).expect("JSON")
}

/// The users endpoint of a mock API with `flags`.
fn users(flags: &[&str]) -> String {
    format!("{}/api/users", mock_api(flags))
}

/// The users endpoint of a mock whose answers take `ms` (and fail no
/// other way), with more `flags`.
fn slow_users(ms: &str, flags: &[&str]) -> String {
    let mut all = vec!["--failure-rate", "0", "--slow-rate", "1", "--slow-ms", ms];
    all.extend_from_slice(flags);
    users(&all)
}

/// `fetch url` with `--log json` and the `options` given, the report
/// written to `out`, with `env` added to the environment.
fn fetch_logging(
    url: &str,
    options: &[&str],
    out: &str,
    env: &[(&str, &str)],
) -> std::process::Output {
    let mut args = vec!["--log", "json", "fetch", url];
    args.extend_from_slice(options);
    args.extend_from_slice(&["-o", out]);
    run(&args, b"", env)
}

/// `fetch url` with `--log json`, 12 a page, and `extra` options, its
/// report thrown away.
fn fetch_logged(url: &str, extra: &[&str]) -> std::process::Output {
    let mut options = vec!["--per-page", "12"];
    options.extend_from_slice(extra);
    fetch_logging(url, &options, "/dev/null", &[])
}

/// The `fields` of each `--log json` event of `kind`, as one array an event.
fn fields_of(output: &std::process::Output, kind: &str, fields: &[&str]) -> Vec<Value> {
    events(output)
        .iter()
        .filter(|event| event["kind"] == kind)
        .map(|event| fields.iter().map(|field| event[field].clone()).collect())
        .collect()
}

#[test]
fn a_clean_run_exits_0_and_a_partial_one_3_with_its_report() {
    let url = users(&["--failure-rate", "0"]);
    let (dir, out) = scratch_report("exit-codes");
    let args = |url: &str| {
        vec![
            "fetch".to_owned(),
            url.to_owned(),
            "--seed".into(),
            "42".into(),
            "--as-of".into(),
            "2026-11-24".into(),
            "--retries".into(),
            "0".into(),
            "-o".into(),
            out.to_str().unwrap().to_owned(),
        ]
    };
    let run_args = |url: &str| {
        let args = args(url);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&args, b"", &[])
    };
    let complete = run_args(&url);
    assert_eq!(code(&complete), Some(0), "{}", stderr(&complete));
    let written = report(&out);
    assert_eq!(written["metadata"]["complete"], true);
    assert_eq!(written["metadata"]["total_customers"], 12);
    assert_eq!(written["metadata"]["source"]["kind"], "api");
    assert_eq!(written["metadata"]["source"]["via"], "cli");
    assert_eq!(written["metadata"]["seed"], 42);

    // Page 2 always fails: the report is written, and says it is partial.
    let failing = format!("{url}?fail_pages=2");
    let partial = run_args(&failing);
    assert_eq!(code(&partial), Some(3), "{}", stderr(&partial));
    let written = report(&out);
    assert_eq!(written["metadata"]["complete"], false);
    assert_eq!(written["metadata"]["failed_pages"][0]["page"], 2);
    assert_eq!(written["metadata"]["total_customers"], 6);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn bad_settings_exit_2_with_the_pages_messages_and_nothing_is_fetched_or_written() {
    let (dir, out) = scratch_report("bad-settings");
    let o = out.to_str().unwrap();
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 4] = [
        (
            &[
                "fetch",
                "http://127.0.0.1:9/api/users",
                "--concurrency",
                "17",
                "-o",
                o,
            ],
            &[],
            "Concurrency must be a whole number from 1 to 16; got '17'.",
        ),
        (
            &["fetch", "ftp://example.com/users", "-o", o],
            &[],
            "(invalid_setting)",
        ),
        (
            &["fetch", "http://api.example.com/api/users", "-o", o],
            &[("CUSTOMER_API_KEY", "k")],
            "(insecure_key_transport)",
        ),
        (
            &[
                "fetch",
                "http://127.0.0.1:9/api/users",
                "--api-key",
                "k",
                "-o",
                o,
            ],
            &[],
            "--api-key",
        ),
    ];
    for (args, env, message) in cases {
        let output = run(args, b"", env);
        assert_eq!(code(&output), Some(2), "{args:?}: {}", stderr(&output));
        assert!(
            stderr(&output).contains(message),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(!out.exists());
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_key_is_read_from_the_environment_or_a_file_and_never_written() {
    let url = users(&["--failure-rate", "0", "--api-key", "sekret-key"]);
    let (dir, out) = scratch_report("key");
    let args = ["fetch", url.as_str(), "-o", out.to_str().unwrap()];

    let without = run(&args, b"", &[]);
    assert_eq!(code(&without), Some(1), "{}", stderr(&without));
    assert!(
        stderr(&without).contains("(auth_rejected)"),
        "{}",
        stderr(&without)
    );
    assert!(!out.exists());

    let wrong = run(&args, b"", &[("CUSTOMER_API_KEY", "wrong")]);
    assert_eq!(code(&wrong), Some(1), "{}", stderr(&wrong));

    let with = run(&args, b"", &[("CUSTOMER_API_KEY", "sekret-key")]);
    assert_eq!(code(&with), Some(0), "{}", stderr(&with));
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(!written.contains("sekret-key"));
    assert!(!stderr(&with).contains("sekret-key"));

    let key_file = dir.join("key");
    std::fs::write(&key_file, "sekret-key\n").unwrap();
    let mut from_file = args.to_vec();
    from_file.extend_from_slice(&["--key-file", key_file.to_str().unwrap()]);
    let output = run(&from_file, b"", &[("CUSTOMER_API_KEY", "wrong")]);
    assert_eq!(code(&output), Some(0), "the file wins: {}", stderr(&output));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn rate_limits_and_server_errors_wait_exactly_as_the_page_does() {
    // Every page's first attempt: 429 with Retry-After: 1. One page of 12.
    let url = users(&[
        "--failure-rate",
        "0",
        "--rate-limit-rate",
        "1",
        "--max-faults-per-page",
        "1",
        "--retry-after-secs",
        "1",
    ]);
    let started = Instant::now();
    let output = fetch_logged(&url, &[]);
    let took = started.elapsed();
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    let waits = fields_of(&output, "rate_limit_wait", &["page", "wait_ms"]);
    assert_eq!(waits, [json!([1, 1000])]);
    assert!(took.as_millis() >= 1000, "the wait was made: {took:?}");

    // A 503 on the first attempt: the first backoff, 1 s.
    let url = users(&["--failure-rate", "1", "--max-faults-per-page", "1"]);
    let output = fetch_logged(&url, &[]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    let retries = fields_of(&output, "retry", &["page", "retry", "wait_ms"]);
    assert_eq!(retries, [json!([1, 1, 1000])]);
}

#[test]
fn a_run_cut_short_resumes_from_the_pages_kept_on_disk() {
    // Seed 3: page 1 answers at once, page 2 fails its first attempt only.
    let url = users(&[
        "--failure-rate",
        "0.5",
        "--max-faults-per-page",
        "1",
        "--seed",
        "3",
    ]);
    let dir = scratch("keep");
    let keep = dir.join("pages");
    let out = dir.join("report.json");
    let run_keeping = || {
        fetch_logging(
            &url,
            &["--retries", "0", "--keep", keep.to_str().unwrap()],
            out.to_str().unwrap(),
            &[("CUSTOMER_API_KEY", "a-key")],
        )
    };
    let sources = |output: &std::process::Output| -> Vec<Value> {
        let mut pages = fields_of(output, "page_fetched", &["page", "source"]);
        pages.sort_by_key(|page| page[0].as_u64());
        pages
    };
    // The first run loses page 2 (no retries): page 1 is kept, the report partial.
    let first = run_keeping();
    assert_eq!(code(&first), Some(3), "{}", stderr(&first));
    assert_eq!(sources(&first), [json!([1, "network"])]);
    let kept: Vec<_> = std::fs::read_dir(&keep).unwrap().flatten().collect();
    assert_eq!(kept.len(), 1);
    let stored = std::fs::read_to_string(kept[0].path()).unwrap();
    assert!(!stored.contains("a-key"), "the key is never stored");

    // The rerun fetches only what is missing.
    let second = run_keeping();
    assert_eq!(code(&second), Some(0), "{}", stderr(&second));
    assert_eq!(
        sources(&second),
        [json!([1, "device"]), json!([2, "network"])]
    );
    assert_eq!(report(&out)["metadata"]["total_customers"], 12);

    // Another key is another identity: nothing kept is used for it.
    let other = fetch_logging(
        &url,
        &["--keep", keep.to_str().unwrap()],
        "/dev/null",
        &[("CUSTOMER_API_KEY", "another-key")],
    );
    assert_eq!(code(&other), Some(0), "{}", stderr(&other));
    assert!(sources(&other).iter().all(|page| page[1] == "network"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_redirect_to_another_origin_is_not_followed_with_the_key() {
    let url = users(&["--failure-rate", "0", "--redirect", "cross"]);
    let output = run(
        &["fetch", &url, "-o", "/dev/null"],
        b"",
        &[("CUSTOMER_API_KEY", "k")],
    );
    assert_eq!(code(&output), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("(redirect_other_origin)"),
        "{}",
        stderr(&output)
    );
    let url = users(&["--failure-rate", "0", "--redirect", "same"]);
    let output = run(
        &["fetch", &url, "-o", "/dev/null"],
        b"",
        &[("CUSTOMER_API_KEY", "k")],
    );
    assert_eq!(
        code(&output),
        Some(0),
        "same origin is followed: {}",
        stderr(&output)
    );
}

/// The page's path, natively: the form as the page sends it, checked by
/// `FetchForm`, the core's `fetch_all` over a plain blocking transport,
/// then `process_fetched`, as `fetchAndProcess` (src/web) does.
fn page_report(url: &str) -> Vec<u8> {
    use std::cell::RefCell;
    use std::time::Duration;

    use customer_pipeline::common::clock::Clock;
    use customer_pipeline::fetch::fetcher::{fetch_all, Services};
    use customer_pipeline::fetch::pages::PageCache;
    use customer_pipeline::fetch::services::{
        CancelToken, HttpResponse, PageRequest, ResponseFuture, Timer, Transport, TransportError,
    };
    use customer_pipeline::pipeline::process_fetched;
    use customer_pipeline::settings::FetchForm;
    use futures::future::{FutureExt, LocalBoxFuture};

    struct Blocking(ureq::Agent);
    impl Transport for Blocking {
        fn get(&self, request: &PageRequest) -> ResponseFuture {
            let answer = self
                .0
                .get(&request.url)
                .call()
                .map_err(|error| TransportError::Network(error.to_string()))
                .and_then(|mut response| {
                    Ok(HttpResponse {
                        status: response.status().as_u16(),
                        retry_after: None,
                        location: None,
                        link: None,
                        rate: Default::default(),
                        body: response
                            .body_mut()
                            .read_to_vec()
                            .map_err(|error| TransportError::Network(error.to_string()))?,
                    })
                });
            futures::future::ready(answer).boxed_local()
        }
    }
    struct Never;
    impl Timer for Never {
        fn wait(&self, _: Duration) -> LocalBoxFuture<'static, ()> {
            futures::future::ready(()).boxed_local()
        }
        fn deadline(&self, _: Duration) -> LocalBoxFuture<'static, ()> {
            futures::future::pending().boxed_local()
        }
    }
    struct Now;
    impl Clock for Now {
        fn now(&self) -> chrono::DateTime<chrono::Utc> {
            chrono::Utc::now()
        }
    }

    let form: FetchForm = serde_json::from_value(serde_json::json!({
        "url": url, "seed": "42", "asOf": "2026-11-24", "concurrency": "1",
    }))
    .expect("the page's form");
    let (config, chosen, mapping) = form.validate().expect("valid");
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let cache = RefCell::new(PageCache::new());
    let services = Services {
        transport: &Blocking(agent),
        timer: &Never,
        clock: &Now,
        cancel: CancelToken::new(),
        cache: &cache,
        store: None,
        on_event: &|_| {},
    };
    let outcome = futures::executor::block_on(fetch_all(&config, &services));
    let report = process_fetched(
        outcome.page_bodies(),
        outcome.provenance.clone(),
        &mapping,
        &chosen.stamped(chrono::Utc::now()),
        &Now,
    );
    report.to_json()
}

/// A report's metadata without what differs between two runs of the
/// same pages (the export time, the timings and counts of requests in
/// `fetch`, the command line's mark), and the rest of its bytes.
fn comparable(report: &[u8]) -> (Value, Vec<u8>) {
    let text = std::str::from_utf8(report).expect("UTF-8");
    let split = text.find("\n  \"customers\"").expect("customers");
    let mut metadata: Value =
        serde_json::from_str(&format!("{}}}", &text[..split].trim_end_matches(','))).expect("JSON");
    let metadata = metadata["metadata"].as_object_mut().expect("metadata");
    metadata.remove("export_timestamp");
    metadata.remove("fetch");
    if let Some(source) = metadata.get_mut("source").and_then(Value::as_object_mut) {
        source.remove("via");
    }
    (Value::Object(metadata.clone()), report[split..].to_vec())
}

#[test]
fn an_api_report_is_the_pages_but_for_the_time_the_timings_and_the_mark() {
    let url = users(&[
        "--failure-rate",
        "0",
        "--users",
        "40",
        "--defects",
        "--duplicate-rate",
        "0.1",
    ]);
    let output = run_ok(&[
        "fetch",
        &url,
        "--seed",
        "42",
        "--as-of",
        "2026-11-24",
        "--concurrency",
        "3",
    ]);
    let (cli_metadata, cli_rest) = comparable(&output.stdout);
    let (page_metadata, page_rest) = comparable(&page_report(&url));
    assert_eq!(cli_metadata, page_metadata);
    assert_eq!(
        String::from_utf8(cli_rest).unwrap(),
        String::from_utf8(page_rest).unwrap()
    );
    assert!(cli_metadata["total_customers"].as_u64().unwrap() > 30);
}

#[test]
fn requests_go_through_the_proxy_the_environment_names() {
    use std::io::{BufRead, BufReader};
    use std::net::TcpListener;

    // A "proxy" that notes the first line it is sent, and closes.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut line = String::new();
        BufReader::new(stream).read_line(&mut line).unwrap();
        line
    });
    let args = [
        "fetch",
        "http://customers.invalid/api/users",
        "--retries",
        "0",
        "-o",
        "/dev/null",
    ];
    let output = run(&args, b"", &[("HTTP_PROXY", &proxy), ("NO_PROXY", "")]);
    assert_eq!(code(&output), Some(1), "{}", stderr(&output));
    assert_eq!(
        seen.join().unwrap().trim_end(),
        "CONNECT customers.invalid:80 HTTP/1.1"
    );

    // Unless NO_PROXY names the host: then it is looked up, and is not found.
    let output = run(
        &args,
        b"",
        &[("HTTP_PROXY", &proxy), ("NO_PROXY", "customers.invalid")],
    );
    assert_eq!(code(&output), Some(1), "{}", stderr(&output));
    assert!(!stderr(&output).contains("proxy"), "{}", stderr(&output));
}

#[test]
fn an_attempt_past_its_timeout_is_given_up_and_retried() {
    // Page 1's first answer would take 3 s; the attempt is allowed 300 ms.
    let url = slow_users("3000", &["--max-faults-per-page", "1"]);
    let started = Instant::now();
    let output = fetch_logged(&url, &["--timeout-ms", "300"]);
    let took = started.elapsed();
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    let retries = fields_of(&output, "retry", &["cause", "wait_ms"]);
    assert_eq!(retries, [json!(["timeout", 1000])]);
    assert!(took.as_millis() >= 1300, "300 ms, then 1 s: {took:?}");
    assert!(
        took.as_millis() < 3000,
        "the slow answer was not awaited: {took:?}"
    );
}

#[test]
fn a_signal_cancels_the_run_as_the_pages_cancel_does_and_nothing_is_written() {
    // Every answer takes 5 s: the run is still waiting when the signal comes.
    let url = slow_users("5000", &[]);
    let (dir, out) = scratch_report("signal");
    for signal in ["-INT", "-TERM"] {
        let started = Instant::now();
        let child = std::process::Command::new(support::BIN)
            .args(["fetch", &url, "-o", out.to_str().unwrap()])
            .env_remove("HTTP_PROXY")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(500));
        support::cancelled_by(signal, child);
        assert!(
            started.elapsed().as_millis() < 3000,
            "{signal}: {:?}",
            started.elapsed()
        );
        assert!(!out.exists());
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            0,
            "no temporary file either"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn presets_reach_shopify_and_hubspot_shaped_apis_by_link_and_cursor() {
    let api = mock_api(&["--failure-rate", "0", "--users", "260"]);
    let (dir, out) = scratch_report("presets");
    for (preset, shape, key, pages) in [
        ("shopify", "shopify", "shpat", 2),
        ("hubspot", "hubspot", "pat-1", 3),
    ] {
        let url = format!("{api}/api/users?shape={shape}&api_key={key}");
        let args = [
            "fetch",
            &url,
            "--preset",
            preset,
            "--seed",
            "42",
            "--as-of",
            "2026-11-24",
            "-o",
            out.to_str().unwrap(),
        ];
        let done = run(&args, b"", &[("CUSTOMER_API_KEY", key)]);
        assert_eq!(code(&done), Some(0), "{preset}: {}", stderr(&done));
        let written = report(&out);
        let source = &written["metadata"]["source"];
        assert_eq!(source["settings"]["preset"], preset);
        assert_eq!(source["records_received"], 260, "{preset}");
        assert_eq!(source["pages_fetched"], pages, "{preset}");
        assert_eq!(source["walk_ended"]["by"], "no_next_page", "{preset}");
    }
    // A preset the core does not know: exit 2 with the core's message.
    let refused = run(
        &[
            "fetch",
            &format!("{api}/api/users"),
            "--preset",
            "stripe",
            "-o",
            out.to_str().unwrap(),
        ],
        b"",
        &[],
    );
    assert_eq!(code(&refused), Some(2), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("must be one of reqres, shopify, hubspot, custom"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_run_follows_the_announced_budget_with_at_most_one_429() {
    // 1,000 customers, 10 a page, 4 at a time, against an API that allows
    // 10 requests a second, says so in X-RateLimit-* and answers 429
    // without Retry-After past it (the run: 450 requests, 390 of
    // them 429, partial).
    let took = follows_rate_mode("xrl", "10", 1_000, "x_ratelimit");
    // 100 requests at 10 a second cannot take less than 9 s.
    assert!(took >= Duration::from_secs(9), "{took:?}");
}

/// A run of `users` customers, 10 a page, 4 at a time, against the mock's
/// budget of `budget` announced as `rate`: complete, at most one 429, some
/// time paced, the log saying why; how long it took.
fn follows_rate_mode(rate: &str, budget: &str, users: usize, source: &str) -> Duration {
    let url = users_url(rate, budget, users);
    let (dir, out) = scratch_report(&format!("rate-{rate}"));
    let started = Instant::now();
    let output = fetch_logging(
        &url,
        &["--per-page", "10", "--concurrency", "4"],
        out.to_str().expect("a UTF-8 path"),
        &[],
    );
    let took = started.elapsed();
    assert_eq!(
        code(&output),
        Some(0),
        "{rate}: complete: {}",
        stderr(&output)
    );
    let report: Value =
        serde_json::from_slice(&std::fs::read(&out).expect("the report")).expect("JSON");
    let fetch = &report["metadata"]["fetch"];
    let rate_limited = fetch["rate_limited"].as_u64().expect("a count");
    assert!(rate_limited <= 1, "{rate}: 429s: {fetch}");
    let pages = users.div_ceil(10) as u64;
    assert_eq!(
        fetch["requests"].as_u64().expect("a count"),
        pages + rate_limited,
        "{rate}: {fetch}"
    );
    assert!(
        fetch["paced_ms"].as_u64().expect("paced") > 0,
        "{rate}: {fetch}"
    );
    assert_eq!(
        report["customers"].as_array().expect("customers").len(),
        users
    );
    let paced: Vec<Value> = events(&output)
        .into_iter()
        .filter(|e| e["kind"] == "paced")
        .collect();
    assert!(!paced.is_empty(), "{rate}: the log says it slowed down");
    assert!(
        paced.iter().all(|e| e["source"] == source),
        "{rate}: {paced:?}"
    );
    std::fs::remove_dir_all(dir).expect("removed");
    took
}

fn users_url(rate: &str, budget: &str, users: usize) -> String {
    let users = users.to_string();
    self::users(&[
        "--failure-rate",
        "0",
        "--users",
        &users,
        "--budget",
        budget,
        "--rate",
        rate,
    ])
}

#[test]
fn a_run_follows_ietf_ratelimit_headers_with_at_most_one_429() {
    let took = follows_rate_mode("ietf", "10", 1_000, "ietf");
    // 100 requests at 10 a second cannot take less than 9 s.
    assert!(took >= Duration::from_secs(9), "{took:?}");
}

#[test]
fn a_run_follows_hubspot_secondly_headers_with_at_most_one_429() {
    let took = follows_rate_mode("hubspot", "10", 1_000, "hubspot_secondly");
    assert!(took >= Duration::from_secs(9), "{took:?}");
}

#[test]
fn a_run_follows_shopify_s_leaky_bucket_with_at_most_one_429() {
    // 60 calls into a bucket of 40 draining 2 a second: 40 at once, then
    // 20 at the leak rate, no sooner than 10 s (less what drained meanwhile).
    let took = follows_rate_mode("shopify", "40", 600, "shopify_call_limit");
    assert!(took >= Duration::from_secs(8), "{took:?}");
}
