//! The budget a fake API enforces, in the fake time of a run, announced in
//! one of the header families the fetcher follows: a one-second window in
//! `X-RateLimit-*`, IETF `RateLimit`/`RateLimit-Policy` or HubSpot's
//! secondly headers, or Shopify's leaky bucket (its size in
//! `X-Shopify-Shop-Api-Call-Limit`, draining in 20 s). A request past the
//! budget is refused (the fake answers 429, without `Retry-After`).

use std::cell::Cell;

use crate::fetch::budget::RateHeaders;
use chrono::{DateTime, TimeDelta, Utc};

/// Which headers announce the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    XRateLimit,
    Ietf,
    Hubspot,
    Shopify,
}

impl Family {
    pub(crate) const ALL: [Family; 4] = [
        Family::XRateLimit,
        Family::Ietf,
        Family::Hubspot,
        Family::Shopify,
    ];
}

/// One call, in millionths (the bucket's level is counted in these).
const CALL: u64 = 1_000_000;

/// A budget of `limit` requests a second (a window), or a bucket of
/// `limit` calls (Shopify).
pub(crate) struct ApiBudget {
    pub(crate) family: Family,
    pub(crate) limit: u64,
    /// A window's opening and the requests counted in it.
    window: Cell<Option<(DateTime<Utc>, u64)>>,
    /// The bucket's level (millionths of a call) and when it was drained last.
    level: Cell<Option<(DateTime<Utc>, u64)>>,
    /// Requests refused (answered 429).
    pub(crate) refused: Cell<u64>,
}

impl ApiBudget {
    pub(crate) fn new(family: Family, limit: u64) -> Self {
        ApiBudget {
            family,
            limit,
            window: Cell::new(None),
            level: Cell::new(None),
            refused: Cell::new(0),
        }
    }

    /// Counts a request arriving at `now`: whether it is within the
    /// budget, and the headers its answer carries.
    pub(crate) fn admit(&self, now: DateTime<Utc>) -> (bool, RateHeaders) {
        let (allowed, rate) = match self.family {
            Family::Shopify => self.bucket(now),
            family => self.windowed(family, now),
        };
        if !allowed {
            self.refused.set(self.refused.get() + 1);
        }
        (allowed, rate)
    }

    fn bucket(&self, now: DateTime<Utc>) -> (bool, RateHeaders) {
        let size = self.limit;
        // Millionths of a call a millisecond: the bucket drains in 20 s.
        let leak = size * CALL / 20_000;
        let level = match self.level.get() {
            Some((at, level)) => {
                let millis = (now - at).num_milliseconds().max(0) as u64;
                level.saturating_sub(millis * leak)
            }
            None => 0,
        };
        let allowed = level + CALL <= size * CALL;
        let level = if allowed { level + CALL } else { level };
        self.level.set(Some((now, level)));
        let rate = RateHeaders {
            shopify: Some(format!("{}/{size}", level.div_ceil(CALL))),
            ..RateHeaders::default()
        };
        (allowed, rate)
    }

    fn windowed(&self, family: Family, now: DateTime<Utc>) -> (bool, RateHeaders) {
        let second = TimeDelta::seconds(1);
        let (opened, used) = match self.window.get() {
            Some((opened, used)) if now - opened < second => (opened, used + 1),
            _ => (now, 1),
        };
        self.window.set(Some((opened, used)));
        let remaining = self.limit.saturating_sub(used);
        // Whole seconds until the window ends, rounded up.
        let left = (opened + second - now).num_milliseconds().max(1) as u64;
        let reset = left.div_ceil(1000);
        let mut rate = RateHeaders::default();
        match family {
            Family::XRateLimit => {
                rate.remaining = Some(remaining.to_string());
                rate.reset = Some(reset.to_string());
            }
            Family::Ietf => {
                rate.ietf = Some(format!("\"default\";r={remaining};t={reset}"));
                rate.ietf_policy = Some(format!("\"default\";q={};w=1", self.limit));
            }
            Family::Hubspot => rate.hubspot_secondly = Some(remaining.to_string()),
            Family::Shopify => unreachable!("a bucket"),
        }
        (used <= self.limit, rate)
    }
}
