//! What the fetcher needs from the platform, as traits: the network, timers
//! and cancellation (and the clock, [`crate::common::clock::Clock`], which
//! the pipeline uses too). The browser adapter implements them with
//! gloo-net and gloo-timers; tests implement them with scripted fakes.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use futures::future::LocalBoxFuture;

/// One GET of one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// The full URL, with the page's position (and size) in the query,
    /// and the key when the auth kind sends it as a query parameter.
    pub url: String,
    /// The key this request carries (to check where it goes); the
    /// transport sends [`PageRequest::key_header`], not this.
    pub api_key: Option<String>,
    /// The header carrying the key, `(name, value)`, when the auth kind
    /// sends it in a header (`x-api-key: …`, `Authorization: Bearer …`).
    pub key_header: Option<(String, String)>,
    /// The most body bytes read; a larger answer is [`TransportError::TooLarge`].
    pub max_body_bytes: u64,
}

/// An HTTP response, whatever its status: statuses are for the classifier
/// to judge, not the transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The `Retry-After` header, when the server sent it and the browser shows it.
    pub retry_after: Option<String>,
    /// For a 3xx: where it leads (`Location`, or what the browser found
    /// out without sending the key), `None` when that cannot be seen.
    pub location: Option<String>,
    /// The `Link` header, when the server sent it and the browser shows it.
    pub link: Option<String>,
    /// The rate headers (the budget the API announces), as far as visible.
    pub rate: super::budget::RateHeaders,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A 302 to `location` (`None` when where it leads cannot be seen),
    /// with no body.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // used by the page (web)
    pub(crate) fn redirect(location: Option<String>) -> Self {
        HttpResponse {
            status: 302,
            retry_after: None,
            location,
            link: None,
            rate: Default::default(),
            body: Vec::new(),
        }
    }
}

/// A failure below HTTP: no response was received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// The network failed, or CORS blocked the response; the text says what the platform said.
    Network(String),
    /// No response from an API on another origin than the page's: what a
    /// CORS refusal looks like to script (the browser tells no more), and
    /// also what a network failure to such an API looks like.
    CrossOrigin(String),
    /// The answer's body is larger than the request allows.
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
}

/// What a request returns: the response, or why none came.
pub type ResponseFuture = LocalBoxFuture<'static, Result<HttpResponse, TransportError>>;

/// Sends requests. Dropping the returned future must abort the request.
pub trait Transport {
    /// Starts a GET request.
    fn get(&self, request: &PageRequest) -> ResponseFuture;
}

/// Timers. Waits are deliberate pauses (backoff, `Retry-After`); deadlines
/// bound an attempt. They are separate so tests can record the waits alone.
pub trait Timer {
    /// Completes after `duration`: a pause before retrying.
    fn wait(&self, duration: Duration) -> LocalBoxFuture<'static, ()>;
    /// Completes after `duration`: the end of an attempt's time allowance.
    fn deadline(&self, duration: Duration) -> LocalBoxFuture<'static, ()>;
}

/// A shared flag that stops a run: pending waits end, in-flight requests
/// are dropped (and so aborted), and no new attempt starts.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Rc<RefCell<CancelState>>);

#[derive(Debug, Default)]
struct CancelState {
    cancelled: bool,
    wakers: Vec<Waker>,
}

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        CancelToken::default()
    }

    /// Cancels the run and wakes everything waiting on [`CancelToken::cancelled`].
    pub fn cancel(&self) {
        let wakers = {
            let mut state = self.0.borrow_mut();
            state.cancelled = true;
            std::mem::take(&mut state.wakers)
        };
        wakers.into_iter().for_each(Waker::wake);
    }

    /// Whether [`CancelToken::cancel`] was called.
    pub(crate) fn is_cancelled(&self) -> bool {
        self.0.borrow().cancelled
    }

    /// A future that completes once the token is cancelled.
    pub(crate) fn cancelled(&self) -> Cancelled {
        Cancelled(self.clone())
    }
}

/// The future returned by [`CancelToken::cancelled`].
#[derive(Debug)]
pub(crate) struct Cancelled(CancelToken);

impl Future for Cancelled {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = (self.0).0.borrow_mut();
        if state.cancelled {
            Poll::Ready(())
        } else {
            if !state.wakers.iter().any(|w| w.will_wake(cx.waker())) {
                state.wakers.push(cx.waker().clone());
            }
            Poll::Pending
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt;

    #[test]
    fn cancelled_completes_only_after_cancel() {
        let token = CancelToken::new();
        let mut waiting = token.cancelled();
        assert!((&mut waiting).now_or_never().is_none());
        token.clone().cancel();
        assert!(token.is_cancelled());
        assert!(waiting.now_or_never().is_some());
    }
}
