//! The browser's implementations of the fetcher's services: gloo-net for
//! requests, gloo-timers for waiting, `Date.now()` for the clock.

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::LocalBoxFuture;
use futures::FutureExt;
use gloo_net::http::{Headers, Request, Response};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, ReadableStream, ReadableStreamDefaultReader, RequestCache, RequestRedirect,
    ResponseType,
};

use crate::common::clock::Clock;
use crate::fetch::budget::RateHeaders;
use crate::fetch::services::{
    HttpResponse, PageRequest, ResponseFuture, Timer, Transport, TransportError,
};

/// Requests through the browser's `fetch`, with redirects handled by the
/// fetcher, not the browser: the browser would resend the key's header to
/// wherever a redirect points.
pub(crate) struct BrowserTransport;

/// Aborts the request when the future that owns it is dropped (timeout or cancel).
struct AbortOnDrop(AbortController);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Whether `url` is on another origin than the page (or worker) running
/// this module; `false` when either cannot be told.
fn is_cross_origin(url: &str) -> bool {
    let own = js_sys::Reflect::get(&js_sys::global(), &"location".into())
        .and_then(|location| js_sys::Reflect::get(&location, &"origin".into()))
        .ok()
        .and_then(|origin| origin.as_string());
    match (own, crate::fetch::url::Origin::of(url)) {
        (Some(own), Ok(origin)) => origin.to_string() != own,
        _ => false,
    }
}

fn network_error(error: gloo_net::Error) -> TransportError {
    TransportError::Network(error.to_string())
}

impl Transport for BrowserTransport {
    fn get(&self, request: &PageRequest) -> ResponseFuture {
        let request = request.clone();
        async move {
            let controller = AbortController::new()
                .map_err(|_| TransportError::Network("cannot create an AbortController".into()))?;
            let _abort = AbortOnDrop(controller.clone());
            // Our own page cache decides what is reused; the HTTP cache must not.
            let headers = web_sys::Headers::new()
                .map_err(|_| TransportError::Network("cannot create request headers".into()))?;
            if let Some((name, value)) = &request.key_header {
                // Settings refuse keys a header cannot carry; should one get
                // here anyway, it is a failed request, never a crash.
                headers.set(name, value).map_err(|_| {
                    TransportError::Network("the API key cannot be sent as a header".into())
                })?;
            }
            let builder = Request::get(&request.url)
                .cache(RequestCache::NoStore)
                .redirect(RequestRedirect::Manual)
                .headers(Headers::from_raw(headers))
                .abort_signal(Some(&controller.signal()));
            let response = builder.send().await.map_err(|error| {
                if is_cross_origin(&request.url) {
                    // A CORS refusal reaches script as a bare network error.
                    TransportError::CrossOrigin(error.to_string())
                } else {
                    network_error(error)
                }
            })?;
            if response.type_() == ResponseType::Opaqueredirect {
                // The browser hides a manual redirect's Location from
                // script; find out where it leads without the key.
                let location = redirect_target(&request.url, &controller).await;
                return Ok(HttpResponse::redirect(location));
            }
            let status = response.status();
            // Null when absent, or when CORS does not expose it.
            let retry_after = response.headers().get("retry-after");
            let link = response.headers().get("link");
            let body = read_capped(&response, request.max_body_bytes).await?;
            Ok(HttpResponse {
                status,
                retry_after,
                location: None,
                link,
                rate: RateHeaders::from_lookup(|name| response.headers().get(name)),
                body,
            })
        }
        .boxed_local()
    }
}

/// The body, read piece by piece and given up past `cap` bytes (a stated
/// `Content-Length` past it is refused before anything is read), so a
/// hostile or mistaken answer cannot fill the module's memory.
async fn read_capped(response: &Response, cap: u64) -> Result<Vec<u8>, TransportError> {
    let too_large = || TransportError::TooLarge { limit: cap };
    let stated = response
        .headers()
        .get("content-length")
        .and_then(|length| length.trim().parse::<u64>().ok());
    if stated.is_some_and(|length| length > cap) {
        return Err(too_large());
    }
    let Some(stream) = response.body() else {
        return Ok(Vec::new());
    };
    let failed = |_| TransportError::Network("the answer's body could not be read".into());
    let reader: ReadableStreamDefaultReader = ReadableStream::get_reader(&stream).unchecked_into();
    let mut body = Vec::with_capacity(stated.unwrap_or(0).min(cap) as usize);
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(failed)?;
        let done = js_sys::Reflect::get(&chunk, &"done".into()).map_err(failed)?;
        if done.is_truthy() {
            return Ok(body);
        }
        let value = js_sys::Reflect::get(&chunk, &"value".into()).map_err(failed)?;
        let bytes: js_sys::Uint8Array = value.unchecked_into();
        if body.len() as u64 + u64::from(bytes.length()) > cap {
            // Dropping the reader with the request's AbortController aborts the rest.
            let _ = reader.cancel();
            return Err(too_large());
        }
        let start = body.len();
        body.resize(start + bytes.length() as usize, 0);
        bytes.copy_to(&mut body[start..]);
    }
}

/// Where a redirect of `url` finally leads, asked again without the API
/// key and letting the browser follow: the response's URL. `None` when
/// that request fails (e.g. the target does not allow CORS). The fetcher
/// then judges the target's origin before any request carries the key.
async fn redirect_target(url: &str, controller: &AbortController) -> Option<String> {
    let response = Request::get(url)
        .cache(RequestCache::NoStore)
        .abort_signal(Some(&controller.signal()))
        .send()
        .await
        .ok()?;
    let target = response.url();
    (response.redirected() && !target.is_empty()).then_some(target)
}

/// Timers on the browser's event loop.
pub(crate) struct BrowserTimer;

fn sleep(duration: Duration) -> LocalBoxFuture<'static, ()> {
    // gloo-timers panics above u32::MAX milliseconds.
    let capped = duration.min(Duration::from_millis(u64::from(u32::MAX)));
    gloo_timers::future::sleep(capped).boxed_local()
}

impl Timer for BrowserTimer {
    fn wait(&self, duration: Duration) -> LocalBoxFuture<'static, ()> {
        sleep(duration)
    }

    fn deadline(&self, duration: Duration) -> LocalBoxFuture<'static, ()> {
        sleep(duration)
    }
}

/// The browser's clock.
pub(crate) struct BrowserClock;

impl Clock for BrowserClock {
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
    }
}
