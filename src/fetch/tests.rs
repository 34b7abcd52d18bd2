//! The fetcher's runs against scripted fakes of an API, of time and of the
//! device's store (`support`): every pagination kind, failure scenario and
//! store mishap, judged by what the run proves and by the report it makes.
//! Inside the crate, so that they see what the run proved without making
//! it public.

/// Shared with the integration tests: a customer in a report's JSON, and
/// the golden files' check.
#[path = "../../tests/support/mod.rs"]
mod output;
mod support;

mod completeness;
mod golden;
mod kinds;
mod scenarios;
mod security;
mod simulation;
mod store;
