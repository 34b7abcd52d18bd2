//! Transforms: one source record to one customer, enriched and scored
//! with reasons, or a rejection; then one customer per id.
//!
//! - `enrich`: the derived and seeded fields.
//! - `quality`: the checks, their reasons and the score.
//! - `customer`: [`customer::Customers`], the compact store, and `assess`.
//! - `dedupe`: one customer per id, keeping the best record.

pub(crate) mod customer;
pub(crate) mod dedupe;
pub(crate) mod enrich;
pub(crate) mod quality;
