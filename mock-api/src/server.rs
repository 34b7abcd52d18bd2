//! The HTTP adapter: accept loop, routing, one thread per connection.
//!
//! Decisions live in [`crate::api`], [`crate::faults`] and
//! [`crate::static_files`]; this module only moves bytes, keeps the shared
//! state and sleeps, so latency on one request never holds up another.

use std::fmt;
use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use crate::http::{Connection, HttpRequest};
use serde_json::json;

use crate::api::{self, cors_headers, ApiError, Outcome, Reply, MOVED_USERS_PATH, USERS_PATH};
use crate::budget::{Budget, Spent};
use crate::config::{Redirect, ServerOptions, Settings};
use crate::dataset::{self, DatasetSpec, Record};
use crate::shapes;
use crate::static_files;
use crate::tracker::{LogEntry, Tracker};
use crate::url::{parse_query, percent_decode, split_target};

/// Why the server could not start.
#[derive(Debug)]
pub enum ServerError {
    /// The address could not be bound (in use, bad host, no permission).
    Bind {
        /// `host:port` as requested.
        addr: String,
        /// What the OS said.
        reason: String,
    },
    /// `--www` does not name a folder.
    MissingWww {
        /// The folder as given.
        path: PathBuf,
    },
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerError::Bind { addr, reason } => write!(f, "cannot listen on {addr}: {reason}"),
            ServerError::MissingWww { path } => {
                write!(f, "--www {} is not a folder", path.display())
            }
        }
    }
}

impl std::error::Error for ServerError {}

const API_METHODS: &str = "GET, OPTIONS";
const ADMIN_METHODS: &str = "GET, POST, OPTIONS";

/// State shared by all request threads.
struct Shared {
    settings: Mutex<Settings>,
    tracker: Mutex<Tracker>,
    /// The window or bucket of `budget=N`, one for the whole server as an
    /// API's budget is per key, not per page.
    budget: Mutex<Budget>,
    /// The origin of the budget's clock.
    started: Instant,
    /// The last dataset built; nearly every request asks for the same one.
    dataset: Mutex<Option<(DatasetSpec, Arc<Vec<Record>>)>>,
    www: Option<PathBuf>,
    /// The port bound, for a request that names no `Host`.
    port: u16,
}

/// A panic in one request thread must not take the others down with a
/// poisoned lock; the data behind these locks stays consistent anyway.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    fn dataset(&self, spec: DatasetSpec) -> Arc<Vec<Record>> {
        let mut cache = lock(&self.dataset);
        match cache.as_ref() {
            Some((cached, data)) if *cached == spec => Arc::clone(data),
            _ => {
                let data = Arc::new(dataset::build(spec));
                *cache = Some((spec, Arc::clone(&data)));
                data
            }
        }
    }
}

/// A bound mock server, ready to [`run`](MockServer::run).
pub struct MockServer {
    listener: TcpListener,
    stopped: Arc<AtomicBool>,
    shared: Arc<Shared>,
    host: String,
    port: u16,
}

/// Stops a running [`MockServer`] from another thread.
#[derive(Clone)]
pub struct StopHandle {
    stopped: Arc<AtomicBool>,
    addr: Option<SocketAddr>,
}

impl StopHandle {
    /// Makes [`MockServer::run`] return; requests in flight still finish.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        // Wake the blocking accept so it sees the flag.
        if let Some(addr) = self.addr {
            let _ = TcpStream::connect(addr);
        }
    }
}

impl MockServer {
    /// Binds the listening socket and prepares the shared state.
    ///
    /// # Errors
    /// [`ServerError::Bind`] when the address cannot be bound,
    /// [`ServerError::MissingWww`] when `--www` is not a folder.
    pub fn bind(options: &ServerOptions) -> Result<MockServer, ServerError> {
        if let Some(www) = &options.www {
            if !www.is_dir() {
                return Err(ServerError::MissingWww { path: www.clone() });
            }
        }
        let addr = if options.host.contains(':') {
            format!(
                "[{}]:{}",
                options.host.trim_matches(['[', ']']),
                options.port
            )
        } else {
            format!("{}:{}", options.host, options.port)
        };
        let listener = crate::http::bind(&addr).map_err(|e| ServerError::Bind {
            addr: addr.clone(),
            reason: e.to_string(),
        })?;
        let port = listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or(options.port);
        Ok(MockServer {
            listener,
            stopped: Arc::new(AtomicBool::new(false)),
            shared: Arc::new(Shared {
                settings: Mutex::new(options.settings.clone()),
                tracker: Mutex::new(Tracker::default()),
                budget: Mutex::new(Budget::default()),
                started: Instant::now(),
                dataset: Mutex::new(None),
                www: options.www.clone(),
                port,
            }),
            host: options.host.clone(),
            port,
        })
    }

    /// The socket address actually bound (the real port when 0 was asked for).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// The base URL, e.g. `http://127.0.0.1:8080`, with the host as given.
    pub fn url(&self) -> String {
        let host = self.host.trim_matches(['[', ']']);
        if host.contains(':') {
            format!("http://[{host}]:{}", self.port)
        } else {
            format!("http://{host}:{}", self.port)
        }
    }

    /// A handle that can stop [`run`](MockServer::run) from another thread.
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle {
            stopped: Arc::clone(&self.stopped),
            addr: self.local_addr(),
        }
    }

    /// Serves connections until stopped, each on its own thread.
    pub fn run(&self) {
        for connection in self.listener.incoming() {
            if self.stopped.load(Ordering::SeqCst) {
                break;
            }
            let Ok(stream) = connection else { continue };
            let shared = Arc::clone(&self.shared);
            let spawned = thread::Builder::new()
                .name("mock-api-connection".into())
                .spawn(move || {
                    let Ok(mut connection) = Connection::new(stream) else {
                        return;
                    };
                    // A client that closes, idles or sends nothing usable ends the loop.
                    while let Ok(Some(request)) = connection.next_request() {
                        let head_only = request.method == "HEAD";
                        let answer = handle(&shared, &request);
                        let sent = connection.respond(
                            answer.status,
                            &answer.headers,
                            &answer.body,
                            head_only,
                            request.keep_alive,
                        );
                        // An error means the client left (e.g. timed out on a slow answer).
                        if sent.is_err() || !request.keep_alive {
                            break;
                        }
                    }
                });
            if let Err(e) = spawned {
                // The stream was moved into the failed closure and is dropped,
                // which closes the connection; the client sees a network error.
                eprintln!("mock-api: cannot start a request thread: {e}");
            }
        }
    }
}

/// A response before it is written.
struct Answer {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn json(status: u16, body: String) -> Answer {
        Answer {
            status,
            headers: vec![
                ("Content-Type", "application/json".into()),
                // A cached page would skip the server and break attempt counting.
                ("Cache-Control", "no-store".into()),
            ],
            body: body.into_bytes(),
        }
    }

    fn error(status: u16, message: &str) -> Answer {
        Answer::json(status, json!({ "error": message }).to_string())
    }

    fn with_cors(mut self, methods: &'static str, expose_retry_after: bool) -> Answer {
        self.headers.extend(
            cors_headers(methods, expose_retry_after)
                .into_iter()
                .map(|(k, v)| (k, v.to_string())),
        );
        self
    }
}

fn handle(shared: &Shared, request: &HttpRequest) -> Answer {
    let target = request.target.as_str();
    let (path, query) = split_target(target);
    let method = request.method.as_str();
    let expose = lock(&shared.settings).expose_retry_after;
    if method == "OPTIONS" {
        let methods = if path.starts_with("/__admin/") {
            ADMIN_METHODS
        } else {
            API_METHODS
        };
        if is_users_path(path) && !cors_on(shared, query) {
            // As an API that does not allow browsers: no CORS headers.
            return Answer {
                status: 204,
                headers: Vec::new(),
                body: Vec::new(),
            };
        }
        // Preflights are never counted or faulted: browsers send them on their own.
        let answer = Answer {
            status: 204,
            headers: Vec::new(),
            body: Vec::new(),
        }
        .with_cors(methods, expose);
        if is_users_path(path) {
            with_api_cors(answer, false)
        } else {
            answer
        }
    } else if is_users_path(path) {
        if method == "GET" || method == "HEAD" {
            api_users(shared, request, target, query)
        } else {
            Answer::error(405, "Method Not Allowed").with_cors(API_METHODS, expose)
        }
    } else if path == "/api" || path.starts_with("/api/") {
        Answer::error(404, "Not Found").with_cors(API_METHODS, expose)
    } else if let Some(action) = path.strip_prefix("/__admin/") {
        admin(shared, method, action, target, query).with_cors(ADMIN_METHODS, expose)
    } else {
        static_file(shared, method, path)
    }
}

/// The API's CORS headers beyond the common ones, as second lists that
/// browsers join to the first: the keys of the other auth kinds may be
/// sent, and for `Link` paging the `Link` header is readable.
fn with_api_cors(mut answer: Answer, expose_link: bool) -> Answer {
    if expose_link {
        answer
            .headers
            .push(("Access-Control-Expose-Headers", "Link".into()));
    }
    answer.headers.push((
        "Access-Control-Allow-Headers",
        "authorization, x-shopify-access-token".into(),
    ));
    answer
}

/// Whether API answers to this query carry CORS headers (`cors=0` turns them off).
fn cors_on(shared: &Shared, query: &str) -> bool {
    let base = lock(&shared.settings).clone();
    let pairs = parse_query(query).unwrap_or_default();
    api::parse_query(&pairs, &base).map_or(base.cors, |parsed| parsed.settings.cors)
}

/// The request's path and query without the position parameters (and
/// without a key sent in the query): where next-page URLs start, so that a
/// scenario's parameters stay on every page.
fn again(path: &str, query: &str, settings: &crate::config::Settings) -> String {
    let key_name = settings.auth_kind().strip_prefix("query:");
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let name = pair.split('=').next().unwrap_or("");
            !pair.is_empty()
                && !shapes::POSITION_PARAMETERS.contains(&name)
                && Some(name) != key_name
        })
        .collect();
    if kept.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", kept.join("&"))
    }
}

/// The users endpoint and the place a `same` redirect moves it to, with
/// or without a trailing slash.
fn is_users_path(path: &str) -> bool {
    let path = path.strip_suffix('/').unwrap_or(path);
    path == USERS_PATH || path == MOVED_USERS_PATH
}

/// Replaces the value of any `api_key` query parameter so the console never
/// shows a key.
fn redact(target: &str) -> String {
    let (path, query) = split_target(target);
    if query.is_empty() {
        return path.to_string();
    }
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| {
            let name = pair.split('=').next().unwrap_or("");
            if percent_decode(name, true).as_deref() == Some("api_key") {
                "api_key=***".to_string()
            } else {
                pair.to_string()
            }
        })
        .collect();
    format!("{path}?{}", pairs.join("&"))
}

fn say(line: &str) {
    let mut out = io::stdout().lock();
    // Scripts follow the console live; a closed stdout must not stop serving.
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn api_users(shared: &Shared, request: &HttpRequest, target: &str, query: &str) -> Answer {
    let base = lock(&shared.settings).clone();
    let shown = redact(target);
    let parsed = parse_query(query)
        .map_err(|pair| ApiError::BadEncoding { pair })
        .and_then(|pairs| api::parse_query(&pairs, &base));
    let parsed = match parsed {
        Ok(p) => p,
        Err(e) => {
            say(&format!("GET {shown} -> 400 {e}"));
            return Answer::json(400, e.body()).with_cors(API_METHODS, base.expose_retry_after);
        }
    };
    let settings = &parsed.settings;
    let pairs = parse_query(query).unwrap_or_default();
    let shaped = shapes::is_shaped(settings);
    let position = match shapes::position(&pairs) {
        Ok(position) => position,
        Err(e) => {
            say(&format!("GET {shown} -> 400 {e}"));
            return Answer::json(400, e.body()).with_cors(API_METHODS, base.expose_retry_after);
        }
    };
    let per_page = position
        .limit
        .filter(|_| shaped)
        .unwrap_or(parsed.request.per_page);
    let start = position
        .start
        .filter(|_| shaped)
        .unwrap_or((parsed.request.page as usize - 1) * per_page);
    let page = if shaped {
        u32::try_from(start / per_page.max(1) + 1).unwrap_or(u32::MAX)
    } else {
        parsed.request.page
    };
    let ticket = lock(&shared.tracker).begin(&parsed.scenario, page);
    let presented = shapes::presented_key(settings, |name| request.header(name), &pairs);
    let presented_key = presented.as_deref();
    let host = request.header("host");
    let fallback_host = format!("127.0.0.1:{}", shared.port);
    // A moved endpoint answers before any key check or fault, as a rewrite
    // rule in front of a real API would.
    let location = api::redirect_location(
        settings,
        query,
        host.unwrap_or(&fallback_host),
        base.redirect != Redirect::None,
    );
    let mut link = None;
    let spent = (settings.budget > 0).then(|| {
        lock(&shared.budget).admit(shared.started.elapsed(), settings.budget, settings.rate)
    });
    let reply = match (location, &spent) {
        (Some(location), _) => api::redirect_reply(settings, location),
        (None, Some(spent)) if !spent.allowed => over_budget(settings, spent),
        (None, _) if shaped => {
            let data = shared.dataset(api::dataset_spec(settings));
            let (reply, next) = shapes::shaped_answer(
                settings,
                start,
                per_page,
                ticket.attempt,
                presented_key,
                &data,
                SystemTime::now(),
                &again(split_target(target).0, query, settings),
            );
            link = next;
            reply
        }
        (None, _) => {
            let data = shared.dataset(api::dataset_spec(settings));
            api::answer(
                settings,
                parsed.request,
                ticket.attempt,
                presented_key,
                &data,
                SystemTime::now(),
            )
        }
    };
    lock(&shared.tracker).record(
        ticket,
        LogEntry {
            seq: ticket.seq,
            page,
            attempt: ticket.attempt,
            outcome: reply.outcome.label(),
            status: reply.status,
            retry_after: reply.retry_after.clone(),
            records: reply.records,
            path: split_target(target).0.to_string(),
            host: host.map(str::to_owned),
            api_key_sent: presented_key.is_some(),
        },
    );
    let summary = match &reply.location {
        // The Location repeats the query, which may hold an api_key.
        Some(location) => format!("302 redirect to {}", redact(location)),
        None => reply.summary.clone(),
    };
    let summary = match &spent {
        Some(spent) => format!("{summary} [{}]", spent.left),
        None => summary,
    };
    say(&format!(
        "GET {shown} attempt={} -> {summary}",
        ticket.attempt
    ));
    if !reply.delay.is_zero() {
        thread::sleep(reply.delay);
    }
    let mut answer = Answer::json(reply.status, reply.body);
    if let Some(value) = reply.retry_after {
        answer.headers.push(("Retry-After", value));
    }
    if let Some(value) = reply.location {
        answer.headers.push(("Location", value));
    }
    if let Some(value) = link {
        answer.headers.push(("Link", value));
    }
    if let Some(spent) = &spent {
        answer.headers.extend(spent.headers.iter().cloned());
    }
    if !settings.cors {
        return answer;
    }
    let mut answer = with_api_cors(
        answer.with_cors(API_METHODS, settings.expose_retry_after),
        settings.paging() == crate::config::Paging::Link,
    );
    if let Some(spent) = &spent {
        answer
            .headers
            .push(("Access-Control-Expose-Headers", spent.exposed.into()));
    }
    answer
}

/// The answer to a request past `budget=N`: a 429 that says nothing of
/// when to come back but the reset added to every answer (a window), or
/// with Shopify's `Retry-After: 2.0` (a bucket). `latency_ms` still
/// applies, as to every API answer.
fn over_budget(settings: &Settings, spent: &Spent) -> Reply {
    let summary = match &spent.retry_after {
        Some(value) => format!("429 over budget (Retry-After: {value})"),
        None => "429 over budget (no Retry-After)".into(),
    };
    Reply {
        status: 429,
        outcome: Outcome::RateLimited,
        body: json!({ "error": "Too Many Requests (over budget)" }).to_string(),
        retry_after: spent.retry_after.clone(),
        location: None,
        records: 0,
        delay: Duration::from_millis(settings.latency_ms),
        summary,
    }
}

fn admin(shared: &Shared, method: &str, action: &str, target: &str, query: &str) -> Answer {
    match (method, action) {
        ("POST", "reset") => {
            lock(&shared.tracker).reset();
            *lock(&shared.budget) = Budget::default();
            say("POST /__admin/reset -> 200 counters, budget and log cleared");
            Answer::json(200, json!({ "ok": true }).to_string())
        }
        ("GET", "config") => Answer::json(200, lock(&shared.settings).to_json().to_string()),
        ("POST", "config") => {
            let pairs = match parse_query(query) {
                Ok(p) => p,
                Err(pair) => return Answer::json(400, ApiError::BadEncoding { pair }.body()),
            };
            let mut settings = lock(&shared.settings);
            // Apply to a copy so a bad value leaves the running config untouched.
            let mut next = settings.clone();
            for (name, value) in &pairs {
                if let Err(e) = next.apply(name, value) {
                    say(&format!("POST {} -> 400 {e}", redact(target)));
                    return Answer::json(400, json!({ "error": e.to_string() }).to_string());
                }
            }
            *settings = next;
            say(&format!("POST {} -> 200 config updated", redact(target)));
            Answer::json(200, settings.to_json().to_string())
        }
        ("GET", "log") => {
            let entries = lock(&shared.tracker).entries();
            let body = serde_json::to_string(&entries).unwrap_or_else(|_| "[]".into());
            Answer::json(200, body)
        }
        (_, "reset" | "config" | "log") => Answer::error(405, "Method Not Allowed"),
        _ => Answer::error(404, "Not Found"),
    }
}

fn static_file(shared: &Shared, method: &str, path: &str) -> Answer {
    let Some(root) = &shared.www else {
        return Answer::error(404, "Not Found");
    };
    if method != "GET" && method != "HEAD" {
        return Answer::error(405, "Method Not Allowed");
    }
    let not_found = || Answer {
        status: 404,
        headers: vec![
            ("Content-Type", "text/plain; charset=utf-8".into()),
            ("X-Content-Type-Options", "nosniff".into()),
        ],
        body: b"Not Found\n".to_vec(),
    };
    let Ok(mut file) = static_files::resolve(root, path) else {
        return not_found();
    };
    if file.is_dir() {
        file.push("index.html");
    }
    match std::fs::read(&file) {
        Ok(body) => {
            let mut headers = vec![
                ("Content-Type", static_files::content_type(&file).into()),
                // Rebuilt wasm must be picked up on reload during development.
                ("Cache-Control", "no-cache".into()),
            ];
            headers.extend(
                static_files::security_headers(&file)
                    .into_iter()
                    .map(|(name, value)| (name, value.to_string())),
            );
            Answer {
                status: 200,
                headers,
                body,
            }
        }
        Err(_) => not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_api_keys_from_urls() {
        assert_eq!(redact("/api/users?page=2"), "/api/users?page=2");
        assert_eq!(
            redact("/api/users?page=2&api_key=hunter2&seed=3"),
            "/api/users?page=2&api_key=***&seed=3"
        );
        assert_eq!(
            redact("/api/users?api%5Fkey=hunter2"),
            "/api/users?api_key=***"
        );
        assert_eq!(redact("/api/users"), "/api/users");
    }
}
