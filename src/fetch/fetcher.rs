//! The fetch run: page 1, then every other page with bounded concurrency,
//! each page retried by the policy, every attempt logged.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::{select, Either};
use futures::stream::{FuturesUnordered, StreamExt};
use futures::FutureExt;
use serde::Serialize;

use super::classify::{classify, summarize_cached, Attempt, PageSummary, Verdict};
use super::events::{FetchEvent, FetchStats, Level, LogEntry, Progress};
use super::limiter::Limiter;
use super::pages::{page_url, PageCache};
use super::policy::{parse_retry_after, RetryPolicy};
use super::services::{CancelToken, Clock, PageRequest, Timer, Transport};
use crate::dates::format_log_time;
use crate::hash::mix;

/// What to fetch and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchConfig {
    /// The users endpoint, e.g. `https://reqres.in/api/users`; `page` is added.
    pub base_url: String,
    /// Sent as `x-api-key`; never logged or exported.
    pub api_key: Option<String>,
    /// Sent as `per_page` when set.
    pub per_page: Option<u32>,
    /// Requests in flight at once (at least 1); halved after each 429.
    /// A page waiting out a backoff does not hold a slot.
    pub concurrency: usize,
    /// The most pages a run will fetch, against endless pagination.
    pub max_pages: u64,
    /// Bypass the cache (cached pages are still replaced by fresh ones).
    pub refresh: bool,
    /// Retries, waits and the timeout.
    pub policy: RetryPolicy,
    /// Seed for jittered delays (used only when the policy has jitter).
    pub jitter_seed: u64,
}

impl FetchConfig {
    /// The documented defaults for `base_url`: concurrency 4, at most 1000
    /// pages, the default [`RetryPolicy`], no key.
    pub fn new(base_url: impl Into<String>) -> Self {
        FetchConfig {
            base_url: base_url.into(),
            api_key: None,
            per_page: None,
            concurrency: 4,
            max_pages: 1000,
            refresh: false,
            policy: RetryPolicy::default(),
            jitter_seed: 0,
        }
    }
}

/// The platform a run uses.
pub struct Services<'a> {
    /// Sends requests.
    pub transport: &'a dyn Transport,
    /// Waits and deadlines.
    pub timer: &'a dyn Timer,
    /// The time.
    pub clock: &'a dyn Clock,
    /// Stops the run.
    pub cancel: CancelToken,
    /// Successful pages, shared between runs.
    pub cache: &'a RefCell<PageCache>,
    /// Receives log entries and progress as they happen.
    pub on_event: &'a dyn Fn(&FetchEvent),
}

/// A page that was fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedPage {
    /// Its number.
    pub page: u64,
    /// Its body, a JSON page envelope.
    pub body: Rc<Vec<u8>>,
}

/// A page that could not be fetched, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageFailure {
    /// Its number.
    pub page: u64,
    /// Attempts made.
    pub attempts: u32,
    /// What went wrong and what to do.
    pub reason: String,
}

/// The end of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchOutcome {
    /// Fetched pages, by page number.
    pub pages: Vec<FetchedPage>,
    /// Pages that failed after their retries, by page number.
    pub failed: Vec<PageFailure>,
    /// Things a person should know (changed totals, repeated pages, limits).
    pub warnings: Vec<String>,
    /// Metrics.
    pub stats: FetchStats,
    /// The number of pages the API reported (the largest seen), if it did.
    pub pages_total: Option<u64>,
    /// Whether the run was cancelled.
    pub cancelled: bool,
}

impl FetchOutcome {
    /// Whether every page was fetched and the run was not cancelled or cut short.
    pub fn is_complete(&self) -> bool {
        self.failed.is_empty() && !self.cancelled && !self.truncated()
    }

    fn truncated(&self) -> bool {
        self.pages_total
            .is_some_and(|total| (self.pages.len() as u64) < total && self.failed.is_empty())
    }
}

/// Fetches every page: page 1 first; then, if it reports `total_pages`,
/// the rest with bounded concurrency; otherwise pages in order until an
/// empty `data`, a page that repeats the previous one, or `max_pages`.
pub async fn fetch_all(config: &FetchConfig, services: &Services<'_>) -> FetchOutcome {
    let run = Run::new(config, services);
    run.log(
        Level::Info,
        None,
        None,
        None,
        format!("Fetching {}", config.base_url),
    );
    let mut collected = Collected::default();
    match run.fetch_page(1).await {
        PageResult::Fetched(page, summary) => {
            let total = summary.total_pages;
            collected.note_total(&run, 1, &summary);
            collected.pages.insert(1, page);
            match total {
                Some(total) => run.fetch_known(&mut collected, total).await,
                None => run.walk(&mut collected, summary.ids).await,
            }
        }
        PageResult::Failed(failure) => {
            collected.failed.insert(1, failure);
        }
        PageResult::Cancelled => collected.cancelled = true,
    }
    run.finish(collected)
}

enum PageResult {
    Fetched(FetchedPage, PageSummary),
    Failed(PageFailure),
    Cancelled,
}

#[derive(Default)]
struct Collected {
    pages: BTreeMap<u64, FetchedPage>,
    failed: BTreeMap<u64, PageFailure>,
    reported_total_pages: Option<u64>,
    reported_total: Option<u64>,
    cancelled: bool,
}

impl Collected {
    /// Follows the largest `total_pages`/`total` seen, warning when they change.
    fn note_total(&mut self, run: &Run<'_>, page: u64, summary: &PageSummary) {
        for (reported, seen, name) in [
            (
                summary.total_pages,
                &mut self.reported_total_pages,
                "total_pages",
            ),
            (summary.total, &mut self.reported_total, "total"),
        ] {
            let Some(reported) = reported else { continue };
            match *seen {
                Some(before) if before != reported => {
                    run.warn(
                        Some(page),
                        format!(
                            "Page {page} reports {name} = {reported}, earlier pages said {before}; \
                             following the larger"
                        ),
                    );
                    *seen = Some(before.max(reported));
                }
                Some(_) => {}
                None => *seen = Some(reported),
            }
        }
    }
}

struct Run<'a> {
    config: &'a FetchConfig,
    services: &'a Services<'a>,
    started: DateTime<Utc>,
    limiter: Limiter,
    state: RefCell<RunState>,
}

#[derive(Default)]
struct RunState {
    stats: FetchStats,
    progress: Progress,
    warnings: Vec<String>,
}

impl<'a> Run<'a> {
    fn new(config: &'a FetchConfig, services: &'a Services<'a>) -> Self {
        Run {
            config,
            services,
            started: services.clock.now(),
            limiter: Limiter::new(config.concurrency),
            state: RefCell::new(RunState {
                stats: FetchStats::default(),
                progress: Progress::default(),
                warnings: Vec::new(),
            }),
        }
    }

    fn log(
        &self,
        level: Level,
        page: Option<u64>,
        attempt: Option<u32>,
        wait: Option<Duration>,
        message: String,
    ) {
        let entry = LogEntry {
            at: format_log_time(self.services.clock.now()),
            level,
            page,
            attempt,
            wait_ms: wait.map(|w| u64::try_from(w.as_millis()).unwrap_or(u64::MAX)),
            message,
        };
        (self.services.on_event)(&FetchEvent::Log(entry));
    }

    fn warn(&self, page: Option<u64>, message: String) {
        self.state.borrow_mut().warnings.push(message.clone());
        self.log(Level::Warn, page, None, None, message);
    }

    fn update(&self, change: impl FnOnce(&mut RunState)) {
        let progress = {
            let mut state = self.state.borrow_mut();
            change(&mut state);
            state.progress.requests = state.stats.requests;
            state.progress.retries = state.stats.retries.total();
            state.progress.clone()
        };
        (self.services.on_event)(&FetchEvent::Progress(progress));
    }

    /// Halves the concurrency (not below 1) for the rest of the run.
    fn lower_concurrency(&self, page: u64) {
        let before = self.limiter.limit();
        self.limiter.set_limit(before / 2);
        let after = self.limiter.limit();
        if after < before {
            self.log(
                Level::Warn,
                Some(page),
                None,
                None,
                format!("Rate limited: lowering concurrency from {before} to {after} for the rest of the run"),
            );
        }
    }

    /// One attempt, once a request slot is free, bounded by the timeout;
    /// `None` when cancelled.
    async fn attempt(&self, request: &PageRequest) -> Option<Attempt> {
        let cancel = &self.services.cancel;
        let _permit = match select(self.limiter.acquire(), cancel.cancelled()).await {
            Either::Left((permit, _)) if !cancel.is_cancelled() => permit,
            _ => return None,
        };
        self.update(|state| state.stats.requests += 1);
        let get = self.services.transport.get(request);
        let deadline = self.services.timer.deadline(self.config.policy.timeout);
        match select(select(get, deadline), self.services.cancel.cancelled()).await {
            Either::Left((Either::Left((Ok(response), _)), _)) => Some(Attempt::Response(response)),
            Either::Left((Either::Left((Err(error), _)), _)) => Some(Attempt::Transport(error)),
            Either::Left((Either::Right(((), _)), _)) => Some(Attempt::TimedOut),
            Either::Right(_) => None,
        }
    }

    /// Waits, unless cancelled first; returns whether the wait completed.
    async fn wait(&self, duration: Duration) -> bool {
        let waited = select(
            self.services.timer.wait(duration),
            self.services.cancel.cancelled(),
        )
        .await;
        matches!(waited, Either::Left(_))
    }

    fn cached_page(&self, page: u64, request: &PageRequest) -> Option<PageResult> {
        if self.config.refresh {
            return None;
        }
        let cache = self.services.cache.borrow();
        let body = cache.get(&request.url, request.api_key.as_deref())?;
        let summary = summarize_cached(&body)?;
        drop(cache);
        self.update(|state| {
            state.stats.cache_hits += 1;
            state.progress.pages_done += 1;
            state.progress.records += summary.ids.len() as u64;
        });
        self.log(
            Level::Info,
            Some(page),
            None,
            None,
            format!("Page {page}: from cache ({} records)", summary.ids.len()),
        );
        Some(PageResult::Fetched(FetchedPage { page, body }, summary))
    }

    fn fail(&self, page: u64, attempts: u32, reason: String) -> PageResult {
        self.log(
            Level::Error,
            Some(page),
            Some(attempts),
            None,
            format!("Page {page} failed: {reason}"),
        );
        self.update(|state| state.progress.pages_failed += 1);
        PageResult::Failed(PageFailure {
            page,
            attempts,
            reason,
        })
    }

    /// Fetches one page with retries, 429 waits and the cache.
    async fn fetch_page(&self, page: u64) -> PageResult {
        let request = PageRequest {
            url: page_url(&self.config.base_url, page, self.config.per_page),
            api_key: self.config.api_key.clone(),
        };
        if let Some(cached) = self.cached_page(page, &request) {
            return cached;
        }
        let policy = &self.config.policy;
        let page_seed = mix(self.config.jitter_seed ^ page);
        let mut backoff = policy.backoff(page_seed);
        let mut rate_limit_backoff = policy.rate_limit_backoff(mix(page_seed));
        let mut attempts = 0;
        let mut rate_limit_waits = 0;
        loop {
            if self.services.cancel.is_cancelled() {
                return PageResult::Cancelled;
            }
            attempts += 1;
            let Some(attempt) = self.attempt(&request).await else {
                return PageResult::Cancelled;
            };
            let (wait, message) = match classify(attempt) {
                Verdict::Success {
                    status,
                    summary,
                    body,
                } => {
                    let body = Rc::new(body);
                    self.services.cache.borrow_mut().put(
                        &request.url,
                        request.api_key.as_deref(),
                        Rc::clone(&body),
                    );
                    self.update(|state| {
                        state.stats.successful_requests += 1;
                        state.progress.pages_done += 1;
                        state.progress.records += summary.ids.len() as u64;
                    });
                    let records = summary.ids.len();
                    self.log(
                        Level::Info,
                        Some(page),
                        Some(attempts),
                        None,
                        format!("Page {page}: HTTP {status} ({records} records)"),
                    );
                    return PageResult::Fetched(FetchedPage { page, body }, summary);
                }
                Verdict::Fail(reason) => return self.fail(page, attempts, reason),
                Verdict::Retry(cause, detail) => {
                    let Some(delay) = backoff.next() else {
                        let retries = policy.max_retries;
                        return self.fail(
                            page,
                            attempts,
                            format!("{detail} (gave up after {retries} retries)"),
                        );
                    };
                    self.update(|state| state.stats.retries.add(cause));
                    let max = policy.max_retries;
                    let wait = seconds(delay);
                    (
                        delay,
                        format!(
                            "Page {page}: {detail}; retry {attempts} of {max} after backoff {wait}"
                        ),
                    )
                }
                Verdict::RateLimited { retry_after } => {
                    self.update(|state| state.stats.rate_limited += 1);
                    self.lower_concurrency(page);
                    if rate_limit_waits == policy.rate_limit_waits {
                        let waits = policy.rate_limit_waits;
                        return self.fail(
                            page,
                            attempts,
                            format!(
                                "HTTP 429: still rate limited after {waits} waits; try again later"
                            ),
                        );
                    }
                    rate_limit_waits += 1;
                    let now = self.services.clock.now();
                    let demanded = retry_after
                        .as_deref()
                        .and_then(|value| parse_retry_after(value, now));
                    let fallback = rate_limit_backoff.next().unwrap_or(policy.retry_after_cap);
                    let (delay, why) = match (retry_after, demanded) {
                        (Some(value), Some(demanded)) => match policy.rate_limit_wait(demanded) {
                            Ok(delay) => (delay, format!("Retry-After: {value}")),
                            Err(too_long) => {
                                let cap = seconds(policy.retry_after_cap);
                                let asked = seconds(too_long);
                                return self.fail(
                                    page,
                                    attempts,
                                    format!(
                                        "HTTP 429: the API asked to wait {asked} (Retry-After: {value}), \
                                         more than the {cap} limit; try again later"
                                    ),
                                );
                            }
                        },
                        (Some(value), None) => (
                            fallback,
                            format!("unreadable Retry-After '{value}', backoff"),
                        ),
                        (None, _) => (fallback, "no Retry-After visible, backoff".to_owned()),
                    };
                    self.update(|state| state.progress.rate_limit_waits += 1);
                    let wait = seconds(delay);
                    (
                        delay,
                        format!("Page {page}: HTTP 429 rate limited; {why}; waiting {wait}"),
                    )
                }
            };
            self.log(Level::Warn, Some(page), Some(attempts), Some(wait), message);
            self.update(|state| {
                state.stats.waited_ms += u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
            });
            if !self.wait(wait).await {
                return PageResult::Cancelled;
            }
        }
    }
}

fn seconds(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis.is_multiple_of(1000) {
        format!("{} s", millis / 1000)
    } else {
        format!("{:.3} s", duration.as_secs_f64())
    }
}

impl Run<'_> {
    /// [`Run::fetch_page`] with the page number beside its result.
    fn numbered(&self, page: u64) -> impl std::future::Future<Output = (u64, PageResult)> + '_ {
        self.fetch_page(page).map(move |result| (page, result))
    }

    /// Fetches pages 2..=total (the limiter bounds the requests in flight),
    /// following a growing total.
    async fn fetch_known(&self, collected: &mut Collected, total: u64) {
        let mut last = self.limit_pages(total);
        self.update(|state| state.progress.pages_total = Some(last));
        let mut in_flight = FuturesUnordered::new();
        for page in 2..=last {
            in_flight.push(self.numbered(page));
        }
        while let Some((page, result)) = in_flight.next().await {
            match result {
                PageResult::Fetched(fetched, summary) => {
                    collected.note_total(self, page, &summary);
                    collected.pages.insert(page, fetched);
                    let followed =
                        self.limit_pages(collected.reported_total_pages.unwrap_or(total));
                    if followed > last && !self.services.cancel.is_cancelled() {
                        for page in last + 1..=followed {
                            in_flight.push(self.numbered(page));
                        }
                        last = followed;
                        self.update(|state| state.progress.pages_total = Some(last));
                    }
                }
                PageResult::Failed(failure) => {
                    collected.failed.insert(page, failure);
                }
                PageResult::Cancelled => collected.cancelled = true,
            }
        }
        if self.services.cancel.is_cancelled() {
            collected.cancelled = true;
        }
    }

    /// Without `total_pages`: pages in order until an empty page, a repeated
    /// page, a failure, or `max_pages`.
    async fn walk(&self, collected: &mut Collected, first_ids: Vec<String>) {
        let mut previous_ids = first_ids;
        let mut page = 2;
        while !previous_ids.is_empty() {
            if page > self.config.max_pages {
                let max = self.config.max_pages;
                self.warn(
                    None,
                    format!("Stopped after {max} pages (the maximum); the API may have more"),
                );
                collected.reported_total_pages = Some(page);
                return;
            }
            match self.fetch_page(page).await {
                PageResult::Fetched(fetched, summary) => {
                    if !summary.ids.is_empty() && summary.ids == previous_ids {
                        self.warn(
                            Some(page),
                            format!(
                                "Page {page} repeats the records of page {}; stopped here \
                                 (the API may ignore the page parameter)",
                                page - 1
                            ),
                        );
                        return;
                    }
                    previous_ids = summary.ids;
                    collected.pages.insert(page, fetched);
                }
                PageResult::Failed(failure) => {
                    collected.failed.insert(page, failure);
                    self.warn(
                        Some(page),
                        format!("Stopped at page {page}: without total_pages, later pages are unknown until it succeeds"),
                    );
                    return;
                }
                PageResult::Cancelled => {
                    collected.cancelled = true;
                    return;
                }
            }
            page += 1;
        }
    }

    /// The number of pages to fetch for a reported total, warning once if
    /// `max_pages` cuts it short.
    fn limit_pages(&self, total: u64) -> u64 {
        let max = self.config.max_pages;
        if total > max {
            let message = format!("The API reports {total} pages; fetching only the first {max}");
            if !self.state.borrow().warnings.contains(&message) {
                self.warn(None, message);
            }
        }
        total.min(max)
    }

    fn finish(&self, collected: Collected) -> FetchOutcome {
        let elapsed = (self.services.clock.now() - self.started).num_milliseconds();
        let cancelled = collected.cancelled || self.services.cancel.is_cancelled();
        let state = std::mem::take(&mut *self.state.borrow_mut());
        let mut stats = state.stats;
        stats.success_rate = if stats.requests == 0 {
            1.0
        } else {
            stats.successful_requests as f64 / stats.requests as f64
        };
        stats.final_concurrency = self.limiter.limit();
        stats.fetch_ms = u64::try_from(elapsed).unwrap_or(0);
        let outcome = FetchOutcome {
            pages: collected.pages.into_values().collect(),
            failed: collected.failed.into_values().collect(),
            warnings: state.warnings,
            stats,
            pages_total: collected.reported_total_pages,
            cancelled,
        };
        let (level, message) = if outcome.cancelled {
            (Level::Warn, "Cancelled".to_owned())
        } else if outcome.is_complete() {
            (
                Level::Info,
                format!("Fetched all {} pages", outcome.pages.len()),
            )
        } else {
            let failed: Vec<_> = outcome.failed.iter().map(|f| f.page.to_string()).collect();
            (
                Level::Error,
                format!(
                    "Incomplete: {} pages fetched; failed pages: {}",
                    outcome.pages.len(),
                    failed.join(", ")
                ),
            )
        };
        self.log(level, None, None, None, message);
        outcome
    }
}
