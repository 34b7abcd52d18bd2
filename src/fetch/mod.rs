//! Fetching every page of a flaky, rate-limited, paginated users API.
//!
//! - [`policy`]: how long to wait (backoff 1 s, 2 s, 4 s; `Retry-After`).
//! - [`classify`]: whether to retry (5xx, 408, timeouts, network, malformed
//!   bodies), wait for a rate limit (429) or fail at once (other 4xx).
//! - [`fetcher`]: the run itself; pagination, bounded concurrency, the
//!   cache, cancellation, logging and metrics.
//! - [`budget`]: the request budget an API announces in its headers (a
//!   window's requests left, or Shopify's leaky bucket), read before it
//!   says 429.
//! - [`limiter`]: the bound on requests in flight, first come first served,
//!   and the token bucket that follows an API's leaky bucket.
//! - [`services`]: the platform as traits (transport, timer; the clock is
//!   [`crate::common::clock`]'s), so the logic runs natively in tests with
//!   scripted fakes and no real sleeping.
//! - [`store`]: pages kept on the device between runs (opt-in), as a trait
//!   the browser implements with IndexedDB.

pub mod budget;
pub(crate) mod classify;
mod completeness;
pub mod events;
pub mod fetcher;
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing;
pub(crate) mod kinds;
pub(crate) mod limiter;
pub mod pages;
pub(crate) mod policy;
pub mod services;
pub mod store;
pub(crate) mod url;

// Native only: the fakes block on the run.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
