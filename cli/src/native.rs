//! The platform the core's fetcher asks for, natively: requests through
//! `ureq` (rustls; proxies from the standard environment variables), each
//! on its own thread so requests overlap as on the page; waits and
//! deadlines on `futures-timer`'s timer thread; the system clock.
//!
//! Redirects are never followed here: a 3xx goes back to the fetcher with
//! its `Location`, and the fetcher decides (same origin only, the key
//! never sent elsewhere), as for the page.

use std::io::Read;
use std::thread;
use std::time::Duration;

use chrono::{DateTime, Utc};
use customer_pipeline::common::clock::Clock;
use customer_pipeline::fetch::budget::RateHeaders;
use customer_pipeline::fetch::services::{
    HttpResponse, PageRequest, ResponseFuture, Timer, Transport, TransportError,
};
use futures::channel::oneshot;
use futures::future::{FutureExt, LocalBoxFuture};
use ureq::Agent;

/// Requests with `ureq`.
pub(crate) struct NativeTransport {
    agent: Agent,
}

impl NativeTransport {
    /// An agent that follows no redirect and treats no status as an
    /// error (the fetcher's classifier judges them). The fetcher's own
    /// deadline (`timeout`) ends an attempt; the agent gives up a while
    /// later, so that a request the fetcher stopped waiting for ends too,
    /// without racing the deadline (which would report a timeout as a
    /// network error).
    pub(crate) fn new(timeout: Duration) -> Self {
        let agent = Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_global(Some(timeout.saturating_mul(2) + Duration::from_secs(1)))
            .user_agent(concat!("customer-pipeline/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        NativeTransport { agent }
    }
}

impl Transport for NativeTransport {
    fn get(&self, request: &PageRequest) -> ResponseFuture {
        let (sender, answer) = oneshot::channel();
        let agent = self.agent.clone();
        let request = request.clone();
        let started = thread::Builder::new()
            .name("request".into())
            .spawn(move || {
                let _ = sender.send(get(&agent, &request));
            });
        async move {
            started.map_err(|error| TransportError::Network(error.to_string()))?;
            answer.await.unwrap_or_else(|_| {
                Err(TransportError::Network(
                    "the request ended without an answer".into(),
                ))
            })
        }
        .boxed_local()
    }
}

fn get(agent: &Agent, request: &PageRequest) -> Result<HttpResponse, TransportError> {
    let mut call = agent
        .get(&request.url)
        .header("accept", "application/json")
        .header("cache-control", "no-store");
    // The header the auth kind sends the key in (a key in the query is in the URL already).
    if let Some((name, value)) = &request.key_header {
        call = call.header(name.as_str(), value.as_str());
    }
    let mut response = call
        .call()
        .map_err(|error| TransportError::Network(error.to_string()))?;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let status = response.status().as_u16();
    let retry_after = header("retry-after");
    let link = header("link");
    let rate = RateHeaders::from_lookup(header);
    let location = (300..400)
        .contains(&status)
        .then(|| header("location"))
        .flatten();
    let cap = request.max_body_bytes;
    let too_large = TransportError::TooLarge { limit: cap };
    if header("content-length").and_then(|length| length.trim().parse::<u64>().ok()) > Some(cap) {
        return Err(too_large);
    }
    // One byte past the cap tells a body at the cap from a larger one.
    let mut body = Vec::new();
    response
        .body_mut()
        .as_reader()
        .take(cap.saturating_add(1))
        .read_to_end(&mut body)
        .map_err(|error| TransportError::Network(error.to_string()))?;
    if body.len() as u64 > cap {
        return Err(too_large);
    }
    Ok(HttpResponse {
        status,
        retry_after,
        location,
        link,
        rate,
        body,
    })
}

/// Timers on `futures-timer`'s thread.
pub(crate) struct NativeTimer;

impl Timer for NativeTimer {
    fn wait(&self, duration: Duration) -> LocalBoxFuture<'static, ()> {
        futures_timer::Delay::new(duration).boxed_local()
    }

    fn deadline(&self, duration: Duration) -> LocalBoxFuture<'static, ()> {
        futures_timer::Delay::new(duration).boxed_local()
    }
}

/// The system clock.
pub(crate) struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
