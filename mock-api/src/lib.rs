//! A loopback HTTP server that imitates a flaky, rate-limited, paginated
//! REST API in the reqres.in shape, and serves the static web page.
//!
//! # Architecture
//!
//! Everything that decides something is a pure function, tested natively;
//! only [`server`] touches sockets, threads and the clock.
//!
//! - [`config`]: the [`Settings`](config::Settings), parsed from flags,
//!   query parameters and `POST /__admin/config` through one `apply`.
//! - [`dataset`]: the reqres.in users, a seeded synthetic dataset, the
//!   contract defects laid over either, and duplicate customers mixed in.
//! - [`budget`]: the request budget of `budget=N`: a one-second window
//!   announced in `X-RateLimit-*`, IETF `RateLimit` or HubSpot's secondly
//!   headers (a 429 without `Retry-After` past it), or Shopify's leaky
//!   bucket in `X-Shopify-Shop-Api-Call-Limit` (`rate=` picks).
//! - [`faults`]: the fault decision, a pure function of
//!   `(seed, page, attempt)`, so request interleaving cannot change it.
//! - [`api`]: `/api/users` from query to reply: pagination, clamping,
//!   totals (shown or hidden), contract breaches, faults.
//! - [`shapes`]: the same data in Shopify's and HubSpot's shapes, paged
//!   by offset, cursor, `Link` header or next URL.
//! - [`tracker`]: attempt counters per `(scenario, page)` and the request log.
//! - [`static_files`]: request path to file, traversal refusal, MIME types.
//! - [`http`]: a minimal HTTP/1.1 reader and writer on `std::net`.
//! - [`server`]: the accept loop and routing, one thread per connection.

#![deny(missing_docs)]

pub mod api;
pub mod budget;
pub mod config;
pub mod dataset;
pub mod faults;
pub mod hash;
pub mod http;
pub mod server;
pub mod shapes;
mod spelled;
pub mod static_files;
pub mod tracker;
pub mod url;
