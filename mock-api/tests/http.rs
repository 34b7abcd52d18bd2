//! End-to-end tests: start the real binary on a free port and talk plain
//! HTTP/1.1 to it over `TcpStream`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The running binary; killed when the test ends, pass or fail.
struct MockApi {
    child: Child,
    addr: SocketAddr,
    console: Arc<Mutex<Vec<String>>>,
}

impl Drop for MockApi {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl MockApi {
    fn start(args: &[&str]) -> MockApi {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mock-api"))
            .args(["--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn mock-api");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first = lines
            .next()
            .expect("a first line")
            .expect("readable stdout");
        let url = first
            .strip_prefix("mock-api listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line: {first}"));
        let addr: SocketAddr = url.parse().expect("host:port in the listening line");
        assert_eq!(addr.ip().to_string(), "127.0.0.1");
        assert_ne!(addr.port(), 0);
        // Keep draining stdout so the server never blocks on a full pipe.
        let console = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&console);
        thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                sink.lock().expect("console lock").push(line);
            }
        });
        MockApi {
            child,
            addr,
            console,
        }
    }

    fn request(&self, method: &str, target: &str, headers: &[(&str, &str)]) -> Reply {
        let mut stream = TcpStream::connect(self.addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        let mut text = format!("{method} {target} HTTP/1.1\r\nConnection: close\r\n");
        // A test may name the server differently (`localhost:PORT`).
        if !headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("host"))
        {
            text.push_str(&format!("Host: {}\r\n", self.addr));
        }
        for (name, value) in headers {
            text.push_str(&format!("{name}: {value}\r\n"));
        }
        text.push_str("\r\n");
        stream.write_all(text.as_bytes()).expect("send");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("read response");
        Reply::parse(&raw)
    }

    fn get(&self, target: &str) -> Reply {
        self.request("GET", target, &[])
    }

    fn post(&self, target: &str) -> Reply {
        self.request("POST", target, &[])
    }

    /// Waits briefly for a console line containing `needle`.
    fn console_has(&self, needle: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if self.console_text().contains(needle) {
                return true;
            }
            thread::sleep(Duration::from_millis(20));
        }
        false
    }

    fn console_text(&self) -> String {
        self.console.lock().expect("console lock").join("\n")
    }
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn parse(raw: &[u8]) -> Reply {
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("end of headers");
        let head = String::from_utf8_lossy(&raw[..split]).to_string();
        let mut lines = head.split("\r\n");
        let status_line = lines.next().expect("status line");
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("status code");
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        Reply {
            status,
            headers,
            body: raw[split + 4..].to_vec(),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers_named(name).next()
    }

    /// Every value of a header the reply may carry more than once
    /// (`Access-Control-Expose-Headers`), in order.
    fn headers_named(&self, name: &str) -> impl Iterator<Item = &str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .filter(move |(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

fn ids(page: &Value) -> Vec<u64> {
    page["data"]
        .as_array()
        .expect("data array")
        .iter()
        .map(|r| r["id"].as_u64().expect("numeric id"))
        .collect()
}

fn assert_cors(reply: &Reply) {
    assert_eq!(reply.header("Access-Control-Allow-Origin"), Some("*"));
    assert_eq!(
        reply.header("Access-Control-Allow-Headers"),
        Some("x-api-key, content-type")
    );
    assert_eq!(reply.header("Access-Control-Max-Age"), Some("600"));
}

#[test]
fn serves_a_page_in_reqres_shape() {
    let api = MockApi::start(&["--failure-rate", "0"]);
    let reply = api.get("/api/users?page=2");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("Content-Type"), Some("application/json"));
    assert_cors(&reply);
    let page = reply.json();
    assert_eq!(page["page"], 2);
    assert_eq!(page["per_page"], 6);
    assert_eq!(page["total"], 12);
    assert_eq!(page["total_pages"], 2);
    assert_eq!(ids(&page), [7, 8, 9, 10, 11, 12]);
    assert_eq!(page["data"][5]["email"], "rachel.howell@reqres.in");
    assert!(reply.text().starts_with(
        r#"{"page":2,"per_page":6,"total":12,"total_pages":2,"data":[{"id":7,"email":"#
    ));

    let past = api.get("/api/users?page=3").json();
    assert_eq!(past["data"], Value::Array(vec![]));

    let bad = api.get("/api/users?page=zero");
    assert_eq!(bad.status, 400);
    assert!(bad.json()["error"]
        .as_str()
        .is_some_and(|m| m.contains("page")));
    assert_eq!(api.get("/api/users?per_page=0").status, 400);

    assert!(api.console_has("GET /api/users?page=2 attempt=1 -> 200 ok (6 records)"));
}

#[test]
fn requires_the_api_key_and_never_prints_it() {
    let api = MockApi::start(&["--api-key", "s3cret-key", "--failure-rate", "0"]);
    let missing = api.get("/api/users?page=1");
    assert_eq!(missing.status, 401);
    assert_eq!(missing.text(), r#"{"error":"Missing API key"}"#);
    assert_cors(&missing);
    let wrong = api.request("GET", "/api/users?page=1", &[("x-api-key", "nope")]);
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.text(), r#"{"error":"Invalid API key"}"#);
    let right = api.request("GET", "/api/users?page=1", &[("X-Api-Key", "s3cret-key")]);
    assert_eq!(right.status, 200);
    // A per-request key overrides the flag, and is redacted on the console too.
    let other = api.request(
        "GET",
        "/api/users?page=1&api_key=other-key",
        &[("x-api-key", "other-key")],
    );
    assert_eq!(other.status, 200);
    assert!(api.console_has("api_key=***"));
    let console = api.console_text();
    assert!(!console.contains("s3cret-key") && !console.contains("other-key"));
}

#[test]
fn answers_preflight_without_counting_it() {
    let api = MockApi::start(&["--failure-rate", "0"]);
    let pre = api.request(
        "OPTIONS",
        "/api/users?page=1",
        &[
            ("Origin", "http://localhost:9999"),
            ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", "x-api-key"),
        ],
    );
    assert_eq!(pre.status, 204);
    assert_cors(&pre);
    assert_eq!(
        pre.header("Access-Control-Allow-Methods"),
        Some("GET, OPTIONS")
    );
    assert_eq!(
        pre.header("Access-Control-Expose-Headers"),
        Some("Retry-After")
    );
    assert_eq!(api.get("/__admin/log").json(), Value::Array(vec![]));

    let hidden = MockApi::start(&["--no-expose-retry-after"]);
    let pre = hidden.request("OPTIONS", "/api/users", &[]);
    assert_eq!(pre.header("Access-Control-Expose-Headers"), None);
}

#[test]
fn rate_limits_with_retry_after_until_the_cap() {
    let api = MockApi::start(&["--failure-rate", "0"]);
    let target = "/api/users?page=1&rate_limit_rate=1";
    for attempt in 1..=2 {
        let reply = api.get(target);
        assert_eq!(reply.status, 429, "attempt {attempt}");
        assert_eq!(reply.header("Retry-After"), Some("1"));
        assert_eq!(
            reply.header("Access-Control-Expose-Headers"),
            Some("Retry-After")
        );
        assert_cors(&reply);
    }
    assert_eq!(
        api.get(target).status,
        200,
        "the third attempt is past the cap"
    );

    let dated = api
        .get("/api/users?page=1&rate_limit_rate=1&retry_after_format=http-date&retry_after_secs=5");
    assert_eq!(dated.status, 429);
    let value = dated.header("Retry-After").expect("Retry-After");
    assert!(value.ends_with(" GMT") && value.len() == 29, "{value}");

    let log = api.get("/__admin/log").json();
    let entries = log.as_array().expect("log array");
    assert_eq!(entries.len(), 4);
    assert_eq!(entries[0]["outcome"], "429");
    assert_eq!(entries[0]["retry_after"], "1");
    assert_eq!(entries[1]["attempt"], 2);
    assert_eq!(entries[2]["outcome"], "ok");
    assert_eq!(entries[2]["records"], 6);
    assert!(entries[2].get("retry_after").is_none());
    // A different scenario has its own attempt counter.
    assert_eq!(entries[3]["attempt"], 1);
}

#[test]
fn injects_malformed_json_and_changing_totals() {
    let api = MockApi::start(&["--failure-rate", "0"]);
    let bad = api.get("/api/users?page=1&malformed_rate=1");
    assert_eq!(bad.status, 200);
    assert!(serde_json::from_slice::<Value>(&bad.body).is_err());

    let lying = api.get("/api/users?page=1&changing_total=1").json();
    assert_eq!(
        (lying["total"].clone(), lying["total_pages"].clone()),
        (6.into(), 1.into())
    );
    let truth = api.get("/api/users?page=2&changing_total=1").json();
    assert_eq!(truth["total_pages"], 2);

    let synthetic = api
        .get("/api/users?page=1&users=30&defects=1&per_page=30")
        .json();
    assert_eq!(synthetic["total"], 30);
    let text = synthetic.to_string();
    assert!(text.contains("not-an-email") && text.contains("2024-13-45"));
}

#[test]
fn latency_does_not_serialize_concurrent_requests() {
    let api = Arc::new(MockApi::start(&[
        "--failure-rate",
        "0",
        "--latency-ms",
        "600",
    ]));
    let started = Instant::now();
    let workers: Vec<_> = (1..=4)
        .map(|page| {
            let api = Arc::clone(&api);
            thread::spawn(move || api.get(&format!("/api/users?page={page}")).status)
        })
        .collect();
    for worker in workers {
        assert_eq!(worker.join().expect("worker"), 200);
    }
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(600), "{elapsed:?}");
    assert!(
        elapsed < Duration::from_millis(2000),
        "took {elapsed:?}: requests were serialized"
    );
}

#[test]
fn admin_endpoints_reset_configure_and_log() {
    let api = MockApi::start(&["--failure-rate", "0"]);
    assert_eq!(api.get("/api/users?page=1").status, 200);

    let config = api.post("/__admin/config?fail_pages=2&seed=9");
    assert_eq!(config.status, 200);
    assert_cors(&config);
    assert_eq!(config.json()["fail_pages"], serde_json::json!([2]));
    for _ in 0..4 {
        // fail_pages ignores the attempt cap.
        assert_eq!(api.get("/api/users?page=2").status, 503);
    }
    assert_eq!(api.post("/__admin/config?failure_rate=7").status, 400);
    assert_eq!(api.get("/__admin/config").json()["failure_rate"], 0.0);
    assert_eq!(api.post("/__admin/config?fail_pages=").status, 200);
    assert_eq!(api.get("/api/users?page=2").status, 200);

    let log = api.get("/__admin/log").json();
    let entries = log.as_array().expect("log array");
    assert_eq!(entries.len(), 6);
    assert_eq!(entries[0]["seq"], 1);
    assert_eq!(entries[1]["outcome"], "503");
    assert_eq!(entries[4]["attempt"], 4);
    assert_eq!(entries[5]["attempt"], 5);
    assert_eq!(entries[5]["outcome"], "ok");

    let reset = api.post("/__admin/reset");
    assert_eq!(reset.status, 200);
    assert_eq!(api.get("/__admin/log").json(), Value::Array(vec![]));
    api.get("/api/users?page=2");
    let after = api.get("/__admin/log").json();
    assert_eq!(after[0]["seq"], 1);
    assert_eq!(after[0]["attempt"], 1);
    assert_eq!(api.get("/__admin/reset").status, 405);
}

/// A throwaway web root, removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn serves_static_files_with_the_right_types() {
    let root = TempDir(std::env::temp_dir().join(format!("mock-api-www-{}", std::process::id())));
    let www = root.0.join("www");
    std::fs::create_dir_all(www.join("pkg")).expect("mkdir");
    std::fs::write(www.join("index.html"), "<!doctype html><title>t</title>").expect("write");
    std::fs::write(www.join("app.js"), "export {};").expect("write");
    std::fs::write(www.join("pkg/core_bg.wasm"), b"\0asm\x01\0\0\0").expect("write");
    std::fs::write(root.0.join("secret.txt"), "outside the root").expect("write");

    let www_arg = www.to_string_lossy().to_string();
    let api = MockApi::start(&["--www", &www_arg]);
    let index = api.get("/");
    assert_eq!(index.status, 200);
    assert_eq!(
        index.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(index.header("Cache-Control"), Some("no-cache"));
    assert!(index.text().contains("<title>t</title>"));

    let wasm = api.get("/pkg/core_bg.wasm");
    assert_eq!(wasm.status, 200);
    assert_eq!(wasm.header("Content-Type"), Some("application/wasm"));
    assert_eq!(wasm.body, b"\0asm\x01\0\0\0");
    assert_eq!(
        api.get("/app.js?v=2").header("Content-Type"),
        Some("text/javascript; charset=utf-8")
    );

    for target in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/pkg/%2E%2E%2F..%2Fsecret.txt",
        "/missing.js",
    ] {
        let reply = api.get(target);
        assert_eq!(reply.status, 404, "{target}");
        assert!(!reply.text().contains("outside the root"));
    }
    // The API is still there next to the files.
    assert_eq!(api.get("/api/users?page=1&failure_rate=0").status, 200);
}

#[test]
fn ignore_short_and_empty_pages_keep_truthful_totals() {
    let api = MockApi::start(&["--failure-rate", "0", "--users", "30"]);
    let first = api.get("/api/users?page=1");
    let ignored = api.get("/api/users?page=3&ignore_page=1");
    assert_eq!(ignored.status, 200);
    // The page asked for is not in the body: page 1 answered, as it is.
    assert_eq!(ignored.text(), first.text());
    assert_eq!(ignored.json()["page"], 1);
    assert_eq!(ids(&ignored.json()), [1, 2, 3, 4, 5, 6]);

    for attempt in 1..=3 {
        let short = api.get("/api/users?page=2&short_pages=2,5").json();
        assert_eq!(ids(&short), [7, 8], "attempt {attempt}");
        assert_eq!(
            (&short["page"], &short["total"], &short["total_pages"]),
            (&2.into(), &30.into(), &5.into())
        );
        let empty = api.get("/api/users?page=4&empty_pages=4").json();
        assert_eq!(empty["data"], Value::Array(vec![]), "attempt {attempt}");
        assert_eq!(
            (&empty["total"], &empty["total_pages"]),
            (&30.into(), &5.into())
        );
    }
    // Only the listed pages are cut.
    assert_eq!(
        ids(&api.get("/api/users?page=3&short_pages=2,5").json()).len(),
        6
    );

    // Server-wide, through the admin config, like every other setting.
    let config = api.post("/__admin/config?short_pages=1&empty_pages=2&ignore_page=0");
    assert_eq!(config.status, 200);
    assert_eq!(config.json()["short_pages"], serde_json::json!([1]));
    assert_eq!(ids(&api.get("/api/users?page=1").json()), [1, 2]);
    assert_eq!(
        api.get("/api/users?page=2").json()["data"],
        Value::Array(vec![])
    );
    assert_eq!(
        api.get("/api/users?page=2&empty_pages=").json()["total"],
        30
    );
    assert_eq!(api.get("/api/users?short_pages=x").status, 400);

    let log = api.get("/__admin/log").json();
    let records: Vec<u64> = log
        .as_array()
        .expect("log array")
        .iter()
        .map(|e| e["records"].as_u64().expect("records"))
        .collect();
    assert_eq!(records, [6, 6, 2, 0, 2, 0, 2, 0, 6, 2, 0, 6]);
    assert!(api.console_has("-> 200 ok (2 records, short page)"));
    assert!(api.console_has("-> 200 ok (6 records, page 3 ignored)"));
}

#[test]
fn redirects_to_the_moved_api_or_the_other_loopback_name() {
    let api = MockApi::start(&["--failure-rate", "0", "--api-key", "k"]);
    let port = api.addr.port();

    // Answered before the key check: a moved endpoint moves for everyone.
    let same = api.get("/api/users?page=2&redirect=same&seed=3&_=9");
    assert_eq!(same.status, 302);
    assert_eq!(
        same.header("Location"),
        Some("/api/moved/users?page=2&seed=3&_=9")
    );
    assert_cors(&same);
    assert_eq!(
        same.header("Access-Control-Expose-Headers"),
        Some("Retry-After")
    );
    assert_eq!(same.header("Cache-Control"), Some("no-store"));
    // The moved API is the same API.
    let moved = api.request(
        "GET",
        "/api/moved/users?page=2&seed=3&_=9",
        &[("x-api-key", "k")],
    );
    let direct = api.request("GET", "/api/users?page=2&seed=3", &[("x-api-key", "k")]);
    assert_eq!((moved.status, direct.status), (200, 200));
    assert_eq!(moved.text(), direct.text());
    assert_cors(&moved);
    assert_eq!(api.get("/api/moved/users?page=1").status, 401);
    assert_eq!(api.get("/api/moved/elsewhere").status, 404);

    let cross = api.get("/api/users?page=2&redirect=cross&per_page=3");
    assert_eq!(cross.status, 302);
    let swapped = format!("http://localhost:{port}/api/users?page=2&per_page=3");
    assert_eq!(cross.header("Location"), Some(swapped.as_str()));
    assert_cors(&cross);
    let host = format!("localhost:{port}");
    let back = api.request(
        "GET",
        "/api/users?redirect=cross&page=1",
        &[("Host", host.as_str())],
    );
    let back_location = format!("http://127.0.0.1:{port}/api/users?page=1");
    assert_eq!(back.header("Location"), Some(back_location.as_str()));

    let chosen =
        api.get("/api/users?page=4&redirect_origin=http%3A%2F%2Fexample.test%3A9&redirect=cross");
    assert_eq!(
        chosen.header("Location"),
        Some("http://example.test:9/api/users?page=4")
    );
    assert_eq!(api.get("/api/users?redirect=elsewhere").status, 400);
    assert_eq!(
        api.get("/api/users?redirect=cross&redirect_origin=http%3A%2F%2Fa%0D%0AX%3A1")
            .status,
        400
    );

    // Server-wide, the target is told not to redirect again.
    assert_eq!(api.post("/__admin/config?redirect=same").status, 200);
    let wide = api.get("/api/users?page=1");
    assert_eq!(wide.status, 302);
    assert_eq!(
        wide.header("Location"),
        Some("/api/moved/users?page=1&redirect=none")
    );
    let followed = api.request(
        "GET",
        "/api/moved/users?page=1&redirect=none",
        &[("x-api-key", "k")],
    );
    assert_eq!(followed.status, 200);
    assert_eq!(ids(&followed.json()), [1, 2, 3, 4, 5, 6]);
    assert!(api.console_has("-> 302 redirect to /api/moved/users?page=1&redirect=none"));
}

#[test]
fn log_shows_host_path_and_whether_a_key_was_sent() {
    let api = MockApi::start(&["--failure-rate", "0"]);
    let port = api.addr.port();
    let localhost = format!("localhost:{port}");
    api.get("/api/users?page=1");
    api.request(
        "GET",
        "/api/moved/users?page=2",
        &[("Host", localhost.as_str()), ("x-api-key", "s3cret-key")],
    );
    api.request("GET", "/api/users/?page=1", &[("X-API-KEY", "")]);
    api.get("/api/users?page=1&redirect=cross");

    let log = api.get("/__admin/log");
    assert!(!log.text().contains("s3cret-key"));
    let log = log.json();
    let rows: Vec<(String, String, bool, u64)> = log
        .as_array()
        .expect("log array")
        .iter()
        .map(|e| {
            (
                e["path"].as_str().expect("path").to_string(),
                e["host"].as_str().expect("host").to_string(),
                e["api_key_sent"].as_bool().expect("api_key_sent"),
                e["status"].as_u64().expect("status"),
            )
        })
        .collect();
    let here = api.addr.to_string();
    let expected = [
        ("/api/users", here.as_str(), false, 200),
        ("/api/moved/users", localhost.as_str(), true, 200),
        // Present counts, even empty: the header travelled.
        ("/api/users/", here.as_str(), true, 200),
        ("/api/users", here.as_str(), false, 302),
    ];
    let expected: Vec<(String, String, bool, u64)> = expected
        .iter()
        .map(|&(p, h, k, s)| (p.to_string(), h.to_string(), k, s))
        .collect();
    assert_eq!(rows, expected);
    assert_eq!(log[3]["outcome"], "302");
}

#[test]
fn static_files_carry_security_headers() {
    let root = TempDir(std::env::temp_dir().join(format!("mock-api-csp-{}", std::process::id())));
    let www = root.0.join("www");
    std::fs::create_dir_all(&www).expect("mkdir");
    std::fs::write(www.join("index.html"), "<!doctype html><title>t</title>").expect("write");
    std::fs::write(www.join("worker.js"), "export {};").expect("write");
    std::fs::write(www.join("part-worker.js"), "export {};").expect("write");
    std::fs::write(www.join("app.js"), "export {};").expect("write");
    let www_arg = www.to_string_lossy().to_string();
    let api = MockApi::start(&["--www", &www_arg]);

    let page_csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; \
connect-src 'self' http: https:; img-src 'self' data: blob:; style-src 'self'; object-src 'none'; \
base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    let worker_csp =
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' http: https:";
    for (target, csp) in [
        ("/", Some(page_csp)),
        ("/index.html", Some(page_csp)),
        ("/worker.js", Some(worker_csp)),
        (
            "/part-worker.js",
            Some("default-src 'none'; script-src 'self' 'wasm-unsafe-eval'"),
        ),
        ("/app.js", None),
    ] {
        let reply = api.get(target);
        assert_eq!(reply.status, 200, "{target}");
        assert_eq!(reply.header("Content-Security-Policy"), csp, "{target}");
        assert_eq!(
            reply.header("X-Content-Type-Options"),
            Some("nosniff"),
            "{target}"
        );
        assert_eq!(
            reply.header("Referrer-Policy"),
            Some("no-referrer"),
            "{target}"
        );
    }

    let worker = api.get("/worker.js");
    let policy = worker
        .header("Content-Security-Policy")
        .expect("worker CSP");
    let connect = policy
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("connect-src "))
        .expect("connect-src");
    assert!(!connect.contains("data:"), "{connect}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert!(policy.starts_with("default-src 'none';"), "{policy}");
    // The API is not a static file and keeps its own headers.
    assert_eq!(
        api.get("/api/users?failure_rate=0")
            .header("Content-Security-Policy"),
        None
    );
}

fn keys(page: &Value) -> Vec<String> {
    let mut keys: Vec<String> = page
        .as_object()
        .expect("a JSON object")
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

#[test]
fn duplicate_customers_are_part_of_the_dataset_and_of_total() {
    let api = MockApi::start(&[
        "--failure-rate",
        "0",
        "--seed",
        "6",
        "--duplicate-rate",
        "0.3",
    ]);
    // Seed 6: customer 3 repeats inside page 1, customer 5 across pages 1 and 2.
    let expected: [&[u64]; 4] = [&[1, 2, 3, 4, 3, 5], &[5, 6, 7, 8, 9, 10], &[11, 12], &[]];
    for (page, ids_expected) in (1..).zip(expected) {
        let reply = api.get(&format!("/api/users?page={page}"));
        assert_eq!(reply.status, 200);
        let body = reply.json();
        assert_eq!(ids(&body), ids_expected, "page {page}");
        assert_eq!(
            (&body["total"], &body["total_pages"]),
            (&14.into(), &3.into())
        );
        // Re-fetching shows the same data.
        assert_eq!(
            api.get(&format!("/api/users?page={page}")).text(),
            reply.text()
        );
    }
    let first = api.get("/api/users?page=1").json();
    let copy = &first["data"][4];
    assert_eq!(copy["email"], "emma.wong+2@reqres.in");
    assert_eq!(copy["first_name"], "Emma");
    assert!(copy.get("avatar").is_none());
    assert_eq!(first["data"][2]["email"], "emma.wong@reqres.in");
    assert_eq!(
        first["data"][2]["avatar"],
        "https://reqres.in/img/faces/3-image.jpg"
    );
    let second = api.get("/api/users?page=2").json();
    assert_eq!(second["data"][0]["email"], "charles.morris+2@reqres.in");
    assert!(second["data"][0].get("avatar").is_none());
    assert_eq!(first["data"][5]["email"], "charles.morris@reqres.in");

    // Rate 0 is the plain reqres listing, byte for byte.
    let plain = MockApi::start(&["--failure-rate", "0", "--seed", "6"]);
    for page in 1..=3 {
        let target = format!("/api/users?page={page}");
        let zero = api.get(&format!("{target}&duplicate_rate=0"));
        assert_eq!(zero.text(), plain.get(&target).text(), "page {page}");
    }
    let zero = api.get("/api/users?page=2&duplicate_rate=0").json();
    assert_eq!(ids(&zero), [7, 8, 9, 10, 11, 12]);
    assert_eq!(
        (&zero["total"], &zero["total_pages"]),
        (&12.into(), &2.into())
    );

    // Rate 1: a copy after every record but the first.
    let full = api.get("/api/users?page=4&duplicate_rate=1").json();
    assert_eq!(
        (&full["total"], &full["total_pages"]),
        (&23.into(), &4.into())
    );
    assert_eq!(ids(&full).len(), 5);
    let all = api.get("/api/users?per_page=100&duplicate_rate=1").json();
    let mut distinct = ids(&all);
    assert_eq!(distinct.len(), 23);
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct, (1..=12).collect::<Vec<u64>>());

    // Server-wide through the admin config: the dataset is rebuilt.
    let config = api.post("/__admin/config?duplicate_rate=1");
    assert_eq!(config.json()["duplicate_rate"], 1.0);
    assert_eq!(api.get("/api/users?page=1").json()["total"], 23);
    assert_eq!(api.post("/__admin/config?duplicate_rate=0").status, 200);
    assert_eq!(api.get("/api/users?page=1").json()["total"], 12);
    assert_eq!(api.get("/api/users?duplicate_rate=2").status, 400);

    assert!(api.console_has("GET /api/users?page=2 attempt=1 -> 200 ok (6 records)"));
    assert!(!api.console_text().contains("repeated"));
}

#[test]
fn clamp_answers_the_last_page_with_its_number() {
    let api = MockApi::start(&["--failure-rate", "0", "--users", "13", "--clamp"]);
    let last = api.get("/api/users?page=3");
    let body = last.json();
    assert_eq!(
        (&body["page"], &body["total_pages"]),
        (&3.into(), &3.into())
    );
    assert_eq!(ids(&body), [13]);
    for page in [4, 9, 4_000_000_000u32] {
        let past = api.get(&format!("/api/users?page={page}"));
        assert_eq!(past.status, 200);
        assert_eq!(past.text(), last.text(), "page {page}");
    }
    assert!(
        api.console_has("GET /api/users?page=9 attempt=1 -> 200 ok (1 records, page 9 clamped)")
    );

    // Per request it can be switched off (and on), like every boolean.
    let off = api.get("/api/users?page=9&clamp=off").json();
    assert_eq!(
        (&off["page"], &off["data"]),
        (&9.into(), &Value::Array(vec![]))
    );
    assert_eq!(api.get("/api/users?page=9&clamp=maybe").status, 400);
    // No records, no last page: an empty answer for the page asked.
    let empty = api.get("/api/users?page=5&users=0").json();
    assert_eq!((&empty["page"], &empty["total"]), (&5.into(), &0.into()));
    assert_eq!(empty["data"], Value::Array(vec![]));

    // Faults and attempts follow the page asked for.
    let failing = api.get("/api/users?page=7&fail_pages=7");
    assert_eq!(failing.status, 503);
    let log = api.get("/__admin/log").json();
    let entries = log.as_array().expect("log array");
    let last_entry = entries.last().expect("an entry");
    assert_eq!(
        (&last_entry["page"], &last_entry["status"]),
        (&7.into(), &503.into())
    );
    let clamped = entries
        .iter()
        .find(|e| e["page"] == 9)
        .expect("page 9 logged");
    assert_eq!(clamped["records"], 1);

    // Server-wide through the admin config.
    let config = api.post("/__admin/config?clamp=0");
    assert_eq!(config.json()["clamp"], false);
    assert_eq!(
        api.get("/api/users?page=4").json()["data"],
        Value::Array(vec![])
    );
    assert_eq!(api.post("/__admin/config?clamp=yes").json()["clamp"], true);
    assert_eq!(api.get("/api/users?page=4").json()["page"], 3);
}

#[test]
fn hidden_totals_are_absent_from_the_json() {
    let api = MockApi::start(&["--failure-rate", "0", "--hide-total-pages"]);
    let reply = api.get("/api/users?page=2");
    assert!(
        reply
            .text()
            .starts_with(r#"{"page":2,"per_page":6,"total":12,"data":[{"id":7,"#),
        "{}",
        reply.text()
    );
    let body = reply.json();
    assert_eq!(keys(&body), ["data", "page", "per_page", "total"]);
    assert_eq!(ids(&body), [7, 8, 9, 10, 11, 12]);

    let both = api.get("/api/users?page=2&hide_total=1").json();
    assert_eq!(keys(&both), ["data", "page", "per_page"]);
    assert_eq!(ids(&both), [7, 8, 9, 10, 11, 12]);
    let only_total = api
        .get("/api/users?page=1&hide_total=true&hide_total_pages=false")
        .json();
    assert_eq!(
        keys(&only_total),
        ["data", "page", "per_page", "total_pages"]
    );
    assert_eq!(only_total["total_pages"], 2);
    assert_eq!(api.get("/api/users?hide_total=2").status, 400);

    let config = api
        .post("/__admin/config?hide_total_pages=0&hide_total=1")
        .json();
    assert_eq!(
        (&config["hide_total_pages"], &config["hide_total"]),
        (&false.into(), &true.into())
    );
    let body = api.get("/api/users?page=1").json();
    assert_eq!(keys(&body), ["data", "page", "per_page", "total_pages"]);
    assert_eq!(api.get("/__admin/config").json()["hide_total"], true);
}

#[test]
fn shopify_and_hubspot_shapes_page_and_check_their_keys_with_cors_switchable() {
    let api = MockApi::start(&["--failure-rate", "0", "--users", "5"]);
    // Shopify: customers, a Link header that keeps the scenario, its token header.
    let first = api.request(
        "GET",
        "/api/users?shape=shopify&api_key=shp&limit=2",
        &[("X-Shopify-Access-Token", "shp")],
    );
    assert_eq!(first.status, 200, "{}", first.text());
    assert_eq!(first.json()["customers"].as_array().unwrap().len(), 2);
    assert_eq!(
        first.header("Link"),
        Some("</api/users?shape=shopify&api_key=shp&limit=2&page_info=p2>; rel=\"next\"")
    );
    assert!(first
        .headers_named("Access-Control-Expose-Headers")
        .any(|v| v == "Link"));
    let wrong = api.request(
        "GET",
        "/api/users?shape=shopify&api_key=shp",
        &[("x-api-key", "shp")],
    );
    assert_eq!(wrong.status, 401);
    // HubSpot: results with a cursor, a bearer token.
    let page = api.request(
        "GET",
        "/api/users?shape=hubspot&api_key=tok&limit=2&after=4",
        &[("Authorization", "Bearer tok")],
    );
    assert_eq!(page.status, 200, "{}", page.text());
    let body = page.json();
    assert_eq!(body["results"].as_array().unwrap().len(), 1);
    assert!(body.get("paging").is_none(), "the last page has no cursor");
    // CORS off: no CORS header at all, on the answer or the preflight.
    let closed = api.get("/api/users?shape=hubspot&cors=0");
    assert_eq!(closed.status, 200);
    assert_eq!(closed.header("Access-Control-Allow-Origin"), None);
    let pre = api.request("OPTIONS", "/api/users?cors=0", &[]);
    assert_eq!(pre.header("Access-Control-Allow-Origin"), None);
    assert!(api
        .get("/api/users?shape=hubspot")
        .header("Access-Control-Allow-Origin")
        .is_some());
}

#[test]
fn a_budget_is_announced_and_enforced_with_a_429_without_retry_after() {
    let api = MockApi::start(&["--failure-rate", "0", "--budget", "3"]);
    let replies: Vec<Reply> = (1..=4)
        .map(|page| api.get(&format!("/api/users?page={page}")))
        .collect();
    let seen: Vec<_> = replies
        .iter()
        .map(|r| {
            (
                r.status,
                r.header("X-RateLimit-Limit"),
                r.header("X-RateLimit-Remaining"),
                r.header("X-RateLimit-Reset"),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (200, Some("3"), Some("2"), Some("1")),
            (200, Some("3"), Some("1"), Some("1")),
            (200, Some("3"), Some("0"), Some("1")),
            (429, Some("3"), Some("0"), Some("1")),
        ]
    );
    let refused = &replies[3];
    assert_eq!(refused.header("Retry-After"), None);
    let exposed: Vec<&str> = refused
        .headers_named("Access-Control-Expose-Headers")
        .collect();
    assert!(
        exposed.contains(&"X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"),
        "{exposed:?}"
    );
    let log = api.get("/__admin/log").json();
    assert_eq!(log[3]["outcome"], "429");
    assert!(log[3].get("retry_after").is_none());
    assert!(api.console_has("429 over budget (no Retry-After)"));

    // The announced reset is honest: after it the next window opens.
    thread::sleep(Duration::from_millis(1100));
    let next = api.get("/api/users?page=4");
    assert_eq!(next.status, 200);
    assert_eq!(next.header("X-RateLimit-Remaining"), Some("2"));

    // Off per request: no rate headers, no refusal.
    for _ in 0..5 {
        let free = api.get("/api/users?page=1&budget=0");
        assert_eq!(free.status, 200);
        assert_eq!(free.header("X-RateLimit-Limit"), None);
    }
}

#[test]
fn every_rate_mode_announces_its_headers_and_enforces_the_budget() {
    let api = MockApi::start(&["--failure-rate", "0", "--budget", "3"]);
    for (mode, header, values, retry_after) in [
        (
            "ietf",
            "RateLimit",
            ["\"default\";r=2;t=1", "\"default\";r=0;t=1"],
            None,
        ),
        (
            "hubspot",
            "X-HubSpot-RateLimit-Secondly-Remaining",
            ["2", "0"],
            None,
        ),
        (
            "shopify",
            "X-Shopify-Shop-Api-Call-Limit",
            ["1/3", "3/3"],
            Some("2.0"),
        ),
    ] {
        api.post("/__admin/reset");
        let replies: Vec<Reply> = (1..=4)
            .map(|page| api.get(&format!("/api/users?page={page}&rate={mode}")))
            .collect();
        let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
        assert_eq!(statuses, [200, 200, 200, 429], "{mode}");
        assert_eq!(replies[0].header(header), Some(values[0]), "{mode}");
        assert_eq!(replies[3].header(header), Some(values[1]), "{mode}");
        assert_eq!(replies[3].header("Retry-After"), retry_after, "{mode}");
        assert_eq!(replies[0].header("X-RateLimit-Limit"), None, "{mode}");
        let exposed: Vec<&str> = replies[0]
            .headers_named("Access-Control-Expose-Headers")
            .collect();
        assert!(
            exposed.iter().any(|list| list.contains(header)),
            "{mode}: {exposed:?}"
        );
    }
    assert!(api.console_has("429 over budget (Retry-After: 2.0) [bucket: 3/3]"));
    let ietf = api.get("/api/users?page=1&rate=ietf&budget=10");
    assert_eq!(
        ietf.header("RateLimit-Policy"),
        Some("\"default\";q=10;w=1"),
        "the policy names the quota and window"
    );
    // A bucket of 3 drains one call in 6.7 s: 200 ms later it is still full.
    api.post("/__admin/reset");
    for _ in 0..3 {
        api.get("/api/users?page=1&rate=shopify&budget=3");
    }
    thread::sleep(Duration::from_millis(200));
    assert_eq!(
        api.get("/api/users?page=1&rate=shopify&budget=3").status,
        429
    );
    let bad = api.get("/api/users?page=1&rate=leaky");
    assert_eq!(bad.status, 400, "{}", bad.text());
}
