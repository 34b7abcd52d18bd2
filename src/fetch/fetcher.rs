//! The fetch run: page 1, then every other page with bounded concurrency,
//! each page retried by the policy and judged before it is accepted, every
//! step reported as a typed event. At the end the run says what it can
//! prove: complete, or exactly which pages and records are missing.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::{select, Either};
use futures::stream::{FuturesUnordered, StreamExt};
use futures::FutureExt;

use super::budget::{read_budget, Announced, BucketLevel, Budget, RateHeaders, RateSource};
use super::classify::{classify, summarize_cached, Attempt, BodyShape, PageSummary, Verdict};
use super::completeness::{
    count_mismatch, implied_pages, movement, walk_end, Movement, PageFacts, Stated,
};
use super::events::{EventKind, FetchEvent, PaceReason, PageSource, Progress, RetryCause, RunEnd};
use super::kinds::{ApiShape, Auth, Pagination};
use super::limiter::{KnownBudget, KnownWindow, Limiter, TokenBucket};
use super::pages::PageCache;
use super::policy::{parse_retry_after, RetryPolicy};
use super::services::{CancelToken, PageRequest, Timer, Transport};
use super::store::{is_fresh, stored_key_identity, PageStore, StoreError, StoredPage};
use super::url::{redact, resolve, secret_values, without_param, without_query, Origin};
use crate::common::clock::{millis_since, Clock};
use crate::common::dates::{format_log_time, format_minute, format_timestamp};
use crate::common::events::Level;
use crate::common::hash::mix;
use crate::common::words::plural;
use crate::provenance::{
    ApiProvenance, FailureCode, FetchStats, PageFailure, RetryCounts, Truncation, WalkEnd,
    WalkEnding, Warning, WarningCode,
};

/// Redirects followed in a row for one request, at most.
pub(crate) const MAX_REDIRECTS: u32 = 5;

/// What to fetch and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchConfig {
    /// The users endpoint, e.g. `https://reqres.in/api/users`; `page` is added.
    pub(crate) base_url: String,
    /// Sent as `x-api-key`, only to the origin of `base_url`; never logged or exported.
    pub(crate) api_key: Option<String>,
    /// Sent as `per_page` when set.
    pub(crate) per_page: Option<u32>,
    /// Requests in flight at once (at least 1); halved after each 429.
    /// A page waiting out a backoff does not hold a slot.
    pub(crate) concurrency: usize,
    /// The most pages a run will fetch, against endless pagination.
    pub(crate) max_pages: u64,
    /// Bypass the cache and the pages stored on the device (they are
    /// still replaced by fresh ones).
    pub(crate) refresh: bool,
    /// Keep accepted pages on the device ([`Services::store`]) and reuse
    /// stored pages younger than this; `None`: the store is not touched.
    pub keep_for: Option<Duration>,
    /// Retries, waits and the timeout.
    pub policy: RetryPolicy,
    /// Seed for jittered delays (used only when the policy has jitter).
    pub(crate) jitter_seed: u64,
    /// The most bytes one page's answer may have (`page_too_large` past it).
    pub(crate) max_page_bytes: u64,
    /// The API's shape: pagination kind, where the records are, how the
    /// key is sent (default: reqres's).
    pub(crate) shape: ApiShape,
}

/// The default for [`FetchConfig::max_page_bytes`]: 64 MB.
pub(crate) const MAX_PAGE_BYTES: u64 = 64 << 20;

impl FetchConfig {
    /// The documented defaults for `base_url`: concurrency 4, at most 1000
    /// pages, the default [`RetryPolicy`], no key.
    pub(crate) fn new(base_url: impl Into<String>) -> Self {
        FetchConfig {
            base_url: base_url.into(),
            api_key: None,
            per_page: None,
            concurrency: 4,
            max_pages: 1000,
            refresh: false,
            keep_for: None,
            policy: RetryPolicy::default(),
            jitter_seed: 0,
            max_page_bytes: MAX_PAGE_BYTES,
            shape: ApiShape::default(),
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
    /// Pages kept on the device between runs, used when
    /// [`FetchConfig::keep_for`] is set. A store that fails is warned about
    /// once, then left alone for the rest of the run.
    pub store: Option<&'a dyn PageStore>,
    /// Receives every event as it happens.
    pub on_event: &'a dyn Fn(&FetchEvent),
}

/// A page whose records go into the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FetchedPage {
    /// Its number.
    pub(crate) page: u64,
    /// Its body, a JSON page envelope.
    pub(crate) body: Rc<Vec<u8>>,
}

/// The end of a run: the pages to process and what the run proved.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchOutcome {
    /// Pages whose records go into the report, by page number (short
    /// pages included: their records are kept, and they are also listed
    /// as failed).
    pub(crate) pages: Vec<FetchedPage>,
    /// Completeness, failures, warnings and statistics.
    pub provenance: ApiProvenance,
}

impl FetchOutcome {
    /// Each page's number and body, for the pipeline.
    pub fn page_bodies(&self) -> impl Iterator<Item = (u64, &[u8])> {
        self.pages
            .iter()
            .map(|page| (page.page, page.body.as_slice()))
    }
}

/// Fetches every page: page 1 first; then, if it states `total_pages`,
/// the rest with bounded concurrency; otherwise pages in order until the
/// walk ends (an empty or short page, the stated total, a page repeating
/// the one before it), a failed page, or `max_pages`. When the data moves
/// meanwhile, the pages concerned are fetched again (at most
/// [`MAX_REFETCHES`] times) before the run judges itself.
pub async fn fetch_all(config: &FetchConfig, services: &Services<'_>) -> FetchOutcome {
    let origin = Origin::of(&config.base_url);
    let run = Run::new(config, services, origin.as_ref().ok().cloned());
    let mut collected = Collected::default();
    match origin {
        Err(error) => {
            // Nothing is requested from a URL a run may not fetch.
            let failure = run.fail(1, 0, FailureCode::InvalidUrl, error.to_string());
            collected.failed.insert(1, failure);
        }
        Ok(_) => {
            run.emit(
                Level::Info,
                EventKind::Started {
                    url: redact(&config.base_url),
                },
                format!("Fetching {}", redact(&config.base_url)),
            );
            run.recall_budget();
            if run.walk_all(&mut collected, false).await {
                run.settle(&mut collected).await;
            }
        }
    }
    run.keep_budget();
    run.finish(collected).await
}

/// What authenticates a run's requests: the API key, and any secret query
/// values of the URL (which the device's store keys pages without).
fn credentials(config: &FetchConfig) -> Option<String> {
    let secrets = secret_values(&config.base_url);
    match (&config.api_key, secrets.is_empty()) {
        (key, true) => key.clone(),
        (None, false) => Some(format!("\n{secrets}")),
        (Some(key), false) => Some(format!("{key}\n{secrets}")),
    }
}

/// Times a run fetches pages again because the data moved during the walk.
pub(crate) const MAX_REFETCHES: u32 = 2;

enum PageResult {
    Fetched(FetchedPage, PageSummary),
    /// A short page whose records are kept, though the page is failed.
    Short(FetchedPage, PageSummary, PageFailure),
    /// In a walk, an answer repeating the page before: the API clamps
    /// past its end. Not data.
    PastEnd,
    Failed(PageFailure),
    Cancelled,
}

/// One page to fetch, and what bears on judging its answer.
#[derive(Debug, Clone, Copy)]
struct Ask {
    page: u64,
    /// Ask the API, not the cache or the device: the data moved.
    fresh: bool,
    /// In a walk with no stated end: the fingerprint of the page before,
    /// which this one repeats when the API clamps past its end.
    clamp_of: Option<u64>,
}

impl Ask {
    fn page(page: u64) -> Self {
        Ask {
            page,
            fresh: false,
            clamp_of: None,
        }
    }
}

#[derive(Default)]
struct Collected {
    pages: BTreeMap<u64, (FetchedPage, PageFacts)>,
    failed: BTreeMap<u64, PageFailure>,
    /// The totals as the pages accepted last stated them.
    latest: Stated,
    /// The page size, as the page accepted last stated it (or as asked for).
    per_page: Option<u64>,
    walk_ended: Option<WalkEnding>,
    /// Page boundaries whose repeated record was shown to be the source's
    /// own: both pages came back unchanged when fetched again.
    verified: BTreeSet<u64>,
    refetches: u32,
    truncated: Option<Truncation>,
    cancelled: bool,
    /// Where the records are, as the first page accepted had them.
    records_path: Option<String>,
}

impl Collected {
    fn accept(&mut self, page: FetchedPage, summary: &PageSummary, asked_per_page: Option<u64>) {
        let stated = stated_by(summary);
        self.latest.total = stated.total.or(self.latest.total);
        self.latest.total_pages = stated.total_pages.or(self.latest.total_pages);
        self.per_page = summary.per_page.or(asked_per_page).or(self.per_page);
        if self.records_path.is_none() {
            self.records_path = Some(summary.records_path.clone());
        }
        let facts = PageFacts {
            stated,
            records: summary.records as u64,
            fingerprint: summary.fingerprint(),
            first: summary.first_record(),
            last: summary.last_record(),
        };
        self.pages.insert(page.page, (page, facts));
    }

    fn facts(&self) -> BTreeMap<u64, PageFacts> {
        // `extend`, not `collect`, in this file's maps and sets: `collect`
        // sorts its input first, and each key and value type it sorts is
        // one more copy of the standard library's sort (3-4 KB) in the
        // page's module; these hold one entry a page.
        let mut facts = BTreeMap::new();
        facts.extend(self.pages.iter().map(|(&page, (_, facts))| (page, *facts)));
        facts
    }

    fn fingerprint(&self, page: u64) -> Option<u64> {
        self.pages
            .get(&page)
            .and_then(|(_, facts)| facts.fingerprint)
    }

    /// Records on the accepted pages up to `page`, counted as they came.
    fn received_through(&self, page: u64) -> u64 {
        self.pages
            .range(..=page)
            .map(|(_, (_, facts))| facts.records)
            .sum()
    }

    fn records_received(&self) -> u64 {
        self.received_through(u64::MAX)
    }

    fn is_settled(&self) -> bool {
        self.failed.is_empty() && !self.cancelled && self.truncated.is_none()
    }
}

/// The totals a page states (`total_pages: 0` is an empty result: page 1
/// still exists).
fn stated_by(summary: &PageSummary) -> Stated {
    Stated {
        total: summary.total,
        total_pages: summary.total_pages.map(|n| n.max(1)),
    }
}

struct Run<'a> {
    config: &'a FetchConfig,
    services: &'a Services<'a>,
    /// The only origin the API key is sent to.
    origin: Option<Origin>,
    started: DateTime<Utc>,
    limiter: Limiter,
    state: RefCell<RunState>,
    /// The API key's identity in the store.
    key_id: String,
    /// The store failed once: this run goes on in memory.
    store_off: Cell<bool>,
}

#[derive(Default)]
struct RunState {
    stats: FetchStats,
    progress: Progress,
    warnings: Vec<Warning>,
    /// Page fingerprint → the page accepted with it, to catch repeated pages.
    fingerprints: HashMap<u64, u64>,
    /// The largest `total_pages` seen so far, to tell a page before the last.
    followed_pages: Option<u64>,
    redirected_to: BTreeSet<String>,
    /// Pages another page failed for repeating: one of the two is wrong,
    /// and which one cannot be known, so both are named.
    repeated_by: BTreeMap<u64, u64>,
    /// No request starts before this: the API announced its budget spent.
    pace_until: Option<DateTime<Utc>>,
    /// Requests holding a slot (waiting out a pause, or sent) and not yet
    /// answered: they spend the announced budget before any request
    /// started after an answer.
    in_flight: u64,
    /// Requests the announced budget still allows in its window, less
    /// those in flight when it was read and those started since; `None`
    /// when unknown (no announcement yet, or a new window).
    budget_left: Option<u64>,
    /// When that window resets.
    budget_reset: Option<DateTime<Utc>>,
    /// Which headers announced that window.
    budget_source: Option<RateSource>,
    /// The answer itself said none were left (not the requests in flight).
    budget_spent: bool,
    /// Requests sent and not yet answered: a leaky bucket holds them
    /// before their answers say so.
    sent: u64,
    /// The room left in the API's leaky bucket, when it announces one.
    bucket: TokenBucket,
    /// The bucket's level as the last answer said it (for the log).
    bucket_level: Option<BucketLevel>,
    /// The slowdowns the log told since pacing last started (each source
    /// and reason once), and when the latest pacing wait ends: after a
    /// quiet spell they are told again.
    paced_told: Vec<(RateSource, PaceReason)>,
    paced_until: Option<DateTime<Utc>>,
}

/// Counts one request in a counter of [`RunState`] while it lives, whichever
/// way the attempt ends (answered, timed out, cancelled, dropped).
struct Counted<'a> {
    state: &'a RefCell<RunState>,
    counter: fn(&mut RunState) -> &mut u64,
}

impl<'a> Counted<'a> {
    fn count(state: &'a RefCell<RunState>, counter: fn(&mut RunState) -> &mut u64) -> Self {
        *counter(&mut state.borrow_mut()) += 1;
        Counted { state, counter }
    }
}

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        let mut state = self.state.borrow_mut();
        let count = (self.counter)(&mut state);
        *count = count.saturating_sub(1);
    }
}

/// Pacing the log tells again once no request waited this long.
const PACING_QUIET: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// Why the next request waits, and whether the log is to say so.
struct PaceWait {
    wait: Duration,
    note: Option<(RateSource, PaceReason)>,
}

/// What the fetcher makes of an accepted-looking page.
enum Judgement {
    Good,
    /// In a walk, the page before again: the API's end.
    PastEnd,
    /// Retried like a malformed body.
    Bad(FailureCode, String),
    /// Retried like a malformed body: the records of another page of this run.
    Repeats(u64),
    /// Fewer records than a page holds, before the last page.
    Short {
        records: usize,
        expected: u64,
    },
}

/// The per-page counters of one page's attempts.
#[derive(Default)]
struct PageAttempts {
    requests: u32,
    retries: u32,
    rate_limit_waits: u32,
    redirects: u32,
    short_retried: bool,
    /// The last attempt got no answer from another origin (CORS-shaped).
    cross_origin: bool,
    /// The reset the last answer announced.
    announced_reset: Option<Duration>,
    /// The page whose records this one last repeated.
    repeated: Option<u64>,
}

impl<'a> Run<'a> {
    fn new(config: &'a FetchConfig, services: &'a Services<'a>, origin: Option<Origin>) -> Self {
        Run {
            config,
            services,
            origin,
            started: services.clock.now(),
            limiter: Limiter::new(config.concurrency),
            state: RefCell::new(RunState::default()),
            key_id: stored_key_identity(credentials(config).as_deref()),
            store_off: Cell::new(false),
        }
    }

    fn emit(&self, level: Level, kind: EventKind, message: String) {
        let event = FetchEvent {
            at: format_log_time(self.services.clock.now()),
            level,
            kind,
            message,
        };
        (self.services.on_event)(&event);
    }

    /// A warning of the report, told as an event too.
    fn warn(&self, code: WarningCode, page: Option<u64>, message: String) {
        self.state.borrow_mut().warnings.push(Warning {
            code,
            page,
            message: message.clone(),
        });
        self.emit(Level::Warn, EventKind::Warning { code, page }, message);
    }

    fn update(&self, change: impl FnOnce(&mut RunState)) {
        let progress = {
            let mut state = self.state.borrow_mut();
            change(&mut state);
            state.progress.requests = state.stats.requests;
            state.progress.retries = state.stats.retries.total();
            state.progress.clone()
        };
        self.emit(Level::Info, EventKind::Progress(progress), String::new());
    }

    /// Halves the concurrency (not below 1) for the rest of the run.
    fn lower_concurrency(&self, page: u64) {
        let before = self.limiter.limit();
        self.limiter.set_limit(before / 2);
        let after = self.limiter.limit();
        if after < before {
            self.emit(
                Level::Warn,
                EventKind::ConcurrencyLowered {
                    page,
                    from: before,
                    to: after,
                },
                format!("Rate limited: lowering concurrency from {before} to {after} for the rest of the run"),
            );
        }
    }

    /// One request for `page`, once a slot is free and the API's budget
    /// allows it, bounded by the timeout; `None` when cancelled.
    async fn attempt(&self, page: u64, request: &PageRequest) -> Option<Attempt> {
        let cancel = &self.services.cancel;
        let _permit = match select(self.limiter.acquire(), cancel.cancelled()).await {
            Either::Left((permit, _)) if !cancel.is_cancelled() => permit,
            _ => return None,
        };
        // Counted from the permit on, so requests waiting out a pause are
        // counted too: they will spend the budget as surely as those sent.
        let _in_flight = Counted::count(&self.state, |state| &mut state.in_flight);
        self.pace(page).await;
        if cancel.is_cancelled() {
            return None;
        }
        let _sent = Counted::count(&self.state, |state| &mut state.sent);
        self.update(|state| state.stats.requests += 1);
        let get = self.services.transport.get(request);
        let deadline = self.services.timer.deadline(self.config.policy.timeout);
        match select(select(get, deadline), cancel.cancelled()).await {
            Either::Left((Either::Left((Ok(response), _)), _)) => {
                Some(Attempt::Response(Box::new(response)))
            }
            Either::Left((Either::Left((Err(error), _)), _)) => Some(Attempt::Transport(error)),
            Either::Left((Either::Right(((), _)), _)) => Some(Attempt::TimedOut),
            Either::Right(_) => None,
        }
    }

    /// Waits until the budget the API announced allows a request for
    /// `page` (shared by every request in flight), counting the time paced.
    /// A pause announced while this one waited may end later, and another
    /// request may take the room the bucket regained: waits again until
    /// the request may go.
    async fn pace(&self, page: u64) {
        loop {
            let Some(PaceWait { wait, note }) = self.pace_wait() else {
                return;
            };
            if let Some((source, reason)) = self.untold(note, wait) {
                self.say_paced(page, source, reason, wait);
            }
            if !self.wait_counted(wait, |stats| &mut stats.paced_ms).await {
                return;
            }
        }
    }

    /// Whether a request may go now (then it takes its share of the
    /// budget: one of the requests the window has left, one call of the
    /// bucket's room) or how long it waits. A request takes one of the
    /// requests the window has left; when requests started since the last
    /// answer have taken them all, it waits for the window's reset
    /// (several may start between two answers, so counting at answers
    /// alone would overrun the window).
    fn pace_wait(&self) -> Option<PaceWait> {
        let now = self.services.clock.now();
        let mut state = self.state.borrow_mut();
        let state = &mut *state;
        if let Some(until) = state.pace_until.filter(|&until| until > now) {
            return Some(PaceWait {
                wait: (until - now).to_std().unwrap_or_default(),
                note: None,
            });
        }
        if state.budget_left == Some(0) {
            match state.budget_reset.filter(|&reset| reset > now) {
                Some(reset) => {
                    state.pace_until = Some(reset);
                    return Some(PaceWait {
                        wait: (reset - now).to_std().unwrap_or_default(),
                        note: state.budget_source.map(|source| {
                            let reason = if state.budget_spent {
                                PaceReason::Spent
                            } else {
                                PaceReason::InFlight
                            };
                            (source, reason)
                        }),
                    });
                }
                None => state.budget_left = None,
            }
        }
        let wait = state.bucket.wait(now);
        if !wait.is_zero() {
            return Some(PaceWait {
                wait,
                note: Some((RateSource::ShopifyCallLimit, PaceReason::BucketFull)),
            });
        }
        state.bucket.take();
        if let Some(left) = &mut state.budget_left {
            *left -= 1;
        }
        None
    }

    /// Notes a pacing wait starting now, for `note`'s source and reason:
    /// them, when the log has not told them since pacing last started
    /// (after [`PACING_QUIET`] without any).
    fn untold(
        &self,
        note: Option<(RateSource, PaceReason)>,
        wait: Duration,
    ) -> Option<(RateSource, PaceReason)> {
        let now = self.services.clock.now();
        let mut state = self.state.borrow_mut();
        if state
            .paced_until
            .is_some_and(|until| now >= until + PACING_QUIET)
        {
            state.paced_told.clear();
        }
        let until = now + chrono::TimeDelta::from_std(wait).unwrap_or_default();
        state.paced_until = Some(state.paced_until.map_or(until, |known| known.max(until)));
        let note = note.filter(|note| !state.paced_told.contains(note))?;
        state.paced_told.push(note);
        Some(note)
    }

    /// Tells the log that requests wait for the API's budget, and why.
    fn say_paced(&self, page: u64, source: RateSource, reason: PaceReason, wait: Duration) {
        let (in_flight, sent, bucket) = {
            let state = self.state.borrow();
            (state.in_flight, state.sent, state.bucket_level)
        };
        let header = source.header();
        let why = match (reason, bucket) {
            (PaceReason::Spent, _) => format!("the API announced no requests left ({header})"),
            (PaceReason::InFlight, _) => format!(
                "the requests in flight or started since the API's last answer spend what it \
                 said was left ({header}; {} holding a slot)",
                plural(in_flight, "request", "requests")
            ),
            (PaceReason::BucketFull, level) => {
                let said = level.map_or(String::new(), |level| {
                    format!(": its last answer said {}/{}", level.used, level.size)
                });
                format!(
                    "the API's leaky bucket has no room for another request ({header}{said}, \
                     and the requests sent since fill the rest)"
                )
            }
        };
        let how = match (reason, bucket) {
            (PaceReason::BucketFull, Some(level)) => format!(
                "requests go at its leak rate, {} a second",
                level.leak_milli as f64 / 1000.0
            ),
            (PaceReason::BucketFull, None) => "requests go at its leak rate".to_owned(),
            (PaceReason::Spent | PaceReason::InFlight, _) => {
                "requests wait for its reset".to_owned()
            }
        };
        self.emit(
            Level::Info,
            EventKind::Paced {
                page,
                source,
                reason,
                wait_ms: u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                in_flight: if reason == PaceReason::BucketFull {
                    sent
                } else {
                    in_flight
                },
            },
            format!(
                "Page {page}: {why}; pacing: {how}, the next waits {}",
                seconds(wait)
            ),
        );
    }

    /// Reads the budget an answer announces: a window's requests left (when
    /// spent, the next requests wait for its reset, and the log says so and
    /// why), or a leaky bucket's level (the token bucket follows it).
    /// Returns what a 429 without `Retry-After` waits for: the announced
    /// reset (spent or not), or one call's drain.
    fn follow_budget(&self, page: u64, rate: &RateHeaders) -> Option<Duration> {
        let now = self.services.clock.now();
        let now_unix = u64::try_from(now.timestamp()).unwrap_or(0);
        match read_budget(rate, now_unix)? {
            Announced::Window(budget) => self.follow_window(page, budget, now),
            Announced::Bucket(level) => {
                let mut state = self.state.borrow_mut();
                let sent = state.sent;
                state.bucket.observe(now, level, sent);
                state.bucket_level = Some(level);
                Some(level.one_call())
            }
        }
    }

    /// Starts from what the last run or preview of this API in this tab
    /// knew of its budget: this run's first requests go before any answer
    /// of its own, and its page 1 may come from the cache with no answer at
    /// all. A window is known until its reset, a bucket keeps draining; the
    /// first request that has to wait tells the log so, as any pacing.
    fn recall_budget(&self) {
        let Some(origin) = &self.origin else { return };
        let key = self.config.api_key.as_deref();
        let Some(known) = self
            .services
            .cache
            .borrow()
            .budget(&origin.to_string(), key)
        else {
            return;
        };
        let now = self.services.clock.now();
        let mut state = self.state.borrow_mut();
        if let Some(window) = known.window.filter(|window| window.reset > now) {
            state.budget_left = Some(window.left);
            state.budget_reset = Some(window.reset);
            state.budget_source = Some(window.source);
            // Spent before this run began: no request of its own in it.
            state.budget_spent = window.spent || window.left == 0;
        }
        state.bucket = known.bucket;
        state.bucket_level = known.level;
    }

    /// Keeps what this run knows of the API's budget for the next run or
    /// preview of the same API in this tab (see [`Run::recall_budget`]).
    fn keep_budget(&self) {
        let Some(origin) = &self.origin else { return };
        let state = self.state.borrow();
        let window = match (state.budget_left, state.budget_reset, state.budget_source) {
            (Some(left), Some(reset), Some(source)) => Some(KnownWindow {
                left,
                reset,
                source,
                spent: state.budget_spent,
            }),
            _ => None,
        };
        if window.is_none() && state.bucket_level.is_none() {
            return;
        }
        let known = KnownBudget {
            window,
            bucket: state.bucket,
            level: state.bucket_level,
        };
        let key = self.config.api_key.as_deref();
        self.services
            .cache
            .borrow_mut()
            .keep_budget(&origin.to_string(), key, known);
    }

    /// Follows a window's announced budget (see [`Run::follow_budget`]).
    fn follow_window(&self, page: u64, budget: Budget, now: DateTime<Utc>) -> Option<Duration> {
        let announced = (!budget.reset.is_zero()).then_some(budget.reset);
        let in_flight = self.state.borrow().in_flight;
        if let Some(reset) = announced {
            let mut state = self.state.borrow_mut();
            let left = budget.remaining.saturating_sub(in_flight);
            // An answer read late must not hand back requests a later one
            // already said were spent, in the same window.
            let same_window = state.budget_reset.is_some_and(|at| at > now);
            state.budget_left = Some(match state.budget_left {
                Some(known) if same_window => known.min(left),
                _ => left,
            });
            state.budget_reset = Some(now + chrono::TimeDelta::from_std(reset).unwrap_or_default());
            state.budget_source = Some(budget.source);
            state.budget_spent = budget.remaining == 0;
        }
        let Some(pause) = budget.pause(in_flight) else {
            return announced;
        };
        let until = now + chrono::TimeDelta::from_std(pause).unwrap_or_default();
        let already = self.state.borrow().pace_until.is_some_and(|at| at >= until);
        if !already {
            self.state.borrow_mut().pace_until = Some(until);
            let reason = if budget.remaining == 0 {
                PaceReason::Spent
            } else {
                PaceReason::InFlight
            };
            if let Some((source, reason)) = self.untold(Some((budget.source, reason)), pause) {
                self.say_paced(page, source, reason, pause);
            }
        }
        Some(pause)
    }

    /// Waits, unless cancelled first; returns whether the wait completed.
    async fn wait(&self, duration: Duration) -> bool {
        self.wait_counted(duration, |stats| &mut stats.waited_ms)
            .await
    }

    /// Waits, unless cancelled first, adding the wait to the milliseconds
    /// `count` picks from the stats; returns whether the wait completed.
    async fn wait_counted(
        &self,
        duration: Duration,
        count: fn(&mut FetchStats) -> &mut u64,
    ) -> bool {
        self.update(|state| {
            *count(&mut state.stats) += u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
        });
        let waited = select(
            self.services.timer.wait(duration),
            self.services.cancel.cancelled(),
        )
        .await;
        matches!(waited, Either::Left(_))
    }

    fn cached_page(&self, ask: Ask, url: &str) -> Option<PageResult> {
        if self.config.refresh || ask.fresh || self.linked() {
            return None;
        }
        let body = self
            .services
            .cache
            .borrow()
            .get(url, self.config.api_key.as_deref())?;
        self.reuse(ask, body, None)
    }

    /// The store, when this run keeps pages and the store has not failed.
    /// A cursor walk neither reuses nor keeps pages: a cursor names a
    /// moment of the listing, so a kept page may not be what it now names.
    fn store(&self) -> Option<&dyn PageStore> {
        match self.config.keep_for {
            Some(_) if !self.store_off.get() && !self.linked() => self.services.store,
            _ => None,
        }
    }

    /// Warns once that the store failed; the run goes on without it.
    fn store_failed(&self, page: u64, doing: &str, error: &StoreError) {
        if self.store_off.replace(true) {
            return;
        }
        // Not one of the report's warnings: the data is whole either way.
        self.emit(
            Level::Warn,
            EventKind::Warning {
                code: WarningCode::StoreUnavailable,
                page: Some(page),
            },
            format!(
                "Page {page}: cannot {doing} pages on this device: {error}; this run goes on \
                 in memory and keeps nothing more"
            ),
        );
    }

    /// A page kept on the device by an earlier run, if it is young enough
    /// and passes the same judgement as a fresh page.
    async fn stored_page(&self, ask: Ask, url: &str) -> Option<PageResult> {
        let keep_for = self.config.keep_for?;
        if self.config.refresh || ask.fresh {
            return None;
        }
        let page = ask.page;
        let stored = match self.store()?.get(&redact(url), &self.key_id).await {
            Ok(stored) => stored?,
            Err(error) => {
                self.store_failed(page, "read", &error);
                return None;
            }
        };
        if !is_fresh(stored.stored_at, self.services.clock.now(), keep_for) {
            return None;
        }
        let body = Rc::clone(&stored.body);
        let reused = self.reuse(ask, stored.body, Some(stored.stored_at))?;
        self.services
            .cache
            .borrow_mut()
            .put(url, self.config.api_key.as_deref(), body);
        Some(reused)
    }

    /// Serves a page from the memory cache (`stored_at` None) or the
    /// device, once it passes the judgement a fresh page would have to
    /// (another page of this run may now repeat it); else `None`, and it is
    /// fetched again.
    fn reuse(
        &self,
        ask: Ask,
        body: Rc<Vec<u8>>,
        stored_at: Option<DateTime<Utc>>,
    ) -> Option<PageResult> {
        let page = ask.page;
        let summary = summarize_cached(&body, self.body_shape())?;
        if !matches!(self.judge(ask, &summary), Judgement::Good) {
            return None;
        }
        self.remember(page, &summary);
        self.update(|state| {
            state.stats.cache_hits += 1;
            state.progress.pages_done += 1;
            state.progress.records += summary.records as u64;
        });
        if stored_at.is_some() {
            self.update(|state| state.stats.pages_from_device += 1);
        }
        let records = summary.records;
        let (source, message) = match stored_at {
            None => (
                PageSource::Memory,
                format!(
                    "Page {page}: from cache ({})",
                    plural(records as u64, "record", "records")
                ),
            ),
            Some(at) => (
                PageSource::Device,
                format!(
                    "Page {page}: from this device, stored {} ({})",
                    format_minute(at),
                    plural(records as u64, "record", "records")
                ),
            ),
        };
        self.emit(
            Level::Info,
            EventKind::PageFetched {
                page,
                records,
                source,
                stored_at: stored_at.map(format_timestamp),
            },
            message,
        );
        Some(PageResult::Fetched(FetchedPage { page, body }, summary))
    }

    /// Keeps an accepted page on the device, when this run keeps pages.
    async fn store_page(&self, page: u64, url: &str, body: &Rc<Vec<u8>>) {
        let Some(store) = self.store() else { return };
        let now = self.services.clock.now();
        let stored_url = redact(url);
        let page_kept = StoredPage {
            body: Rc::clone(body),
            stored_at: now,
        };
        if let Err(error) = store.put(&stored_url, &self.key_id, page_kept).await {
            self.store_failed(page, "keep", &error);
        }
    }

    fn fail(&self, page: u64, attempts: u32, code: FailureCode, reason: String) -> PageFailure {
        self.emit(
            Level::Error,
            EventKind::PageFailed {
                page,
                attempts,
                code,
            },
            format!("Page {page} failed: {reason}"),
        );
        self.update(|state| state.progress.pages_failed += 1);
        PageFailure {
            page,
            attempts,
            code,
            reason,
        }
    }

    /// Checks a page that parsed as an envelope: in a walk with no stated
    /// end, a repeat of the page before is the end; otherwise it must be
    /// the page asked for, must not repeat another page of this run, and a
    /// page before the last (stated, or implied by `total`) must be full.
    fn judge(&self, ask: Ask, summary: &PageSummary) -> Judgement {
        let page = ask.page;
        if ask.clamp_of.is_some() && ask.clamp_of == summary.fingerprint() {
            return Judgement::PastEnd;
        }
        let numbered = matches!(self.config.shape.pagination, Pagination::Page { .. });
        if let Some(answered) = summary
            .page
            .filter(|&answered| numbered && answered != page)
        {
            return Judgement::Bad(
                FailureCode::WrongPage,
                format!(
                    "the API answered page {answered} when page {page} was asked for \
                     (it may ignore the page parameter)"
                ),
            );
        }
        let state = self.state.borrow();
        if let Some(hash) = summary.fingerprint() {
            if let Some(&other) = state
                .fingerprints
                .get(&hash)
                .filter(|&&other| other != page)
            {
                return Judgement::Repeats(other);
            }
        }
        let per_page = summary.per_page.or(self.asked_per_page());
        // The page's own statement first: after the data moved, it knows
        // its listing better than the pages before it.
        let last = stated_by(summary)
            .total_pages
            .or(implied_pages(summary.total, per_page))
            .or(state.followed_pages);
        if let (Some(last), Some(expected)) = (last, per_page) {
            if page < last && (summary.records as u64) < expected {
                return Judgement::Short {
                    records: summary.records,
                    expected,
                };
            }
        }
        Judgement::Good
    }

    /// Notes an accepted page's ids and stated page count for later judgements.
    fn remember(&self, page: u64, summary: &PageSummary) {
        let mut state = self.state.borrow_mut();
        if let Some(hash) = summary.fingerprint() {
            state.fingerprints.entry(hash).or_insert(page);
        }
        if let Some(total) = summary.total_pages {
            state.followed_pages = state.followed_pages.max(Some(total.max(1)));
        }
    }

    fn accepted(&self, address: &str, page: u64, url: &str, summary: &PageSummary) {
        self.remember(page, summary);
        if url != address {
            let base = without_query(url).to_owned();
            self.state.borrow_mut().redirected_to.insert(base);
        }
        self.update(|state| {
            state.stats.successful_requests += 1;
            state.progress.pages_done += 1;
            state.progress.records += summary.records as u64;
        });
    }

    /// Fetches one numbered page with retries, 429 waits, redirects and the cache.
    async fn fetch_page(&self, ask: Ask) -> PageResult {
        self.fetch_at(ask, self.page_address(ask.page)).await
    }

    /// Fetches the page at `page_address` (the key left out) as page
    /// `ask.page`, with retries, 429 waits, redirects and the cache.
    async fn fetch_at(&self, ask: Ask, page_address: String) -> PageResult {
        let page = ask.page;
        if let Some(cached) = self.cached_page(ask, &page_address) {
            return cached;
        }
        if let Some(stored) = self.stored_page(ask, &page_address).await {
            return stored;
        }
        let policy = &self.config.policy;
        let page_seed = mix(self.config.jitter_seed ^ page);
        let mut backoff = policy.backoff(page_seed);
        let mut rate_limit_backoff = policy.rate_limit_backoff(mix(page_seed));
        let mut tries = PageAttempts::default();
        let mut url = page_address.clone();
        loop {
            if self.services.cancel.is_cancelled() {
                return PageResult::Cancelled;
            }
            tries.requests += 1;
            let key = self.config.api_key.as_deref();
            let auth = &self.config.shape.auth;
            let request = PageRequest {
                url: auth.request_url(&url, key),
                api_key: self.config.api_key.clone(),
                key_header: key.and_then(|key| auth.header(key)),
                max_body_bytes: self.config.max_page_bytes,
            };
            let Some(attempt) = self.attempt(page, &request).await else {
                return PageResult::Cancelled;
            };
            tries.cross_origin = matches!(
                attempt,
                Attempt::Transport(super::services::TransportError::CrossOrigin(_))
            );
            tries.announced_reset = match &attempt {
                Attempt::Response(response) => self.follow_budget(page, &response.rate),
                _ => None,
            };
            // Each arm either ends the page, or names the retry's cause, the
            // failure code should the retries run out, and what went wrong.
            let ((cause, code), detail) = match classify(attempt, self.body_shape()) {
                Verdict::Success {
                    status,
                    summary,
                    body,
                } => match self.judge(ask, &summary) {
                    Judgement::PastEnd => {
                        self.update(|state| state.stats.successful_requests += 1);
                        return PageResult::PastEnd;
                    }
                    Judgement::Good => {
                        let body = Rc::new(body);
                        self.services.cache.borrow_mut().put(
                            &page_address,
                            self.config.api_key.as_deref(),
                            Rc::clone(&body),
                        );
                        // Noted before the store is awaited, so that a page
                        // judged meanwhile is checked against this one.
                        self.accepted(&page_address, page, &url, &summary);
                        self.store_page(page, &page_address, &body).await;
                        let first_try = tries.retries == 0 && tries.rate_limit_waits == 0;
                        self.update(|state| {
                            state.stats.pages_from_network += 1;
                            state.stats.pages_first_try += u64::from(first_try);
                        });
                        let records = summary.records;
                        self.emit(
                            Level::Info,
                            EventKind::PageFetched {
                                page,
                                records,
                                source: PageSource::Network,
                                stored_at: None,
                            },
                            format!(
                                "Page {page}: HTTP {status} ({})",
                                plural(records as u64, "record", "records")
                            ),
                        );
                        return PageResult::Fetched(FetchedPage { page, body }, summary);
                    }
                    Judgement::Bad(code, detail) => ((RetryCause::BadAnswer, code), detail),
                    Judgement::Repeats(other) => {
                        tries.repeated = Some(other);
                        let detail = format!("page {page} has the same records as page {other}");
                        ((RetryCause::BadAnswer, FailureCode::RepeatedPage), detail)
                    }
                    Judgement::Short { records, expected } => {
                        let detail = format!("short page: {records} of {expected} records");
                        if tries.short_retried {
                            // Kept, not cached: "Retry failed pages" asks again.
                            self.accepted(&page_address, page, &url, &summary);
                            let failure =
                                self.fail(page, tries.requests, FailureCode::ShortPage, detail);
                            let body = Rc::new(body);
                            return PageResult::Short(FetchedPage { page, body }, summary, failure);
                        }
                        tries.short_retried = true;
                        ((RetryCause::ShortPage, FailureCode::ShortPage), detail)
                    }
                },
                Verdict::Redirect { location } => {
                    tries.redirects += 1;
                    match self.follow(&url, location, tries.redirects) {
                        Ok(next) => {
                            self.emit(
                                Level::Info,
                                EventKind::Redirected {
                                    page,
                                    to: redact(&next),
                                },
                                format!(
                                    "Page {page}: redirected to {} (same origin, followed)",
                                    redact(&next)
                                ),
                            );
                            url = next;
                            continue;
                        }
                        Err((code, reason)) => {
                            return PageResult::Failed(self.fail(
                                page,
                                tries.requests,
                                code,
                                reason,
                            ))
                        }
                    }
                }
                Verdict::Retry(cause, detail) => ((cause, cause_code(cause)), detail),
                Verdict::Fail(code, reason) => {
                    return PageResult::Failed(self.fail(page, tries.requests, code, reason))
                }
                Verdict::RateLimited { retry_after } => {
                    match self.rate_limit_delay(
                        page,
                        &mut tries,
                        retry_after,
                        &mut rate_limit_backoff,
                    ) {
                        Ok(delay) => {
                            if !self.wait(delay).await {
                                return PageResult::Cancelled;
                            }
                            continue;
                        }
                        Err(reason) => {
                            return PageResult::Failed(self.fail(
                                page,
                                tries.requests,
                                FailureCode::RateLimited,
                                reason,
                            ))
                        }
                    }
                }
            };
            let Some(delay) = backoff.next() else {
                let retries = policy.max_retries;
                let reason = format!(
                    "{detail} (gave up after {})",
                    plural(u64::from(retries), "retry", "retries")
                );
                // Said as what it most likely is: the browser hides a CORS refusal.
                let code = if tries.cross_origin {
                    FailureCode::CorsBlocked
                } else {
                    code
                };
                if let (FailureCode::RepeatedPage, Some(other)) = (code, tries.repeated) {
                    self.state.borrow_mut().repeated_by.insert(other, page);
                }
                return PageResult::Failed(self.fail(page, tries.requests, code, reason));
            };
            tries.retries += 1;
            self.update(|state| add_retry(&mut state.stats.retries, cause));
            let (retry, of) = (tries.retries, policy.max_retries);
            let wait_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
            self.emit(
                Level::Warn,
                EventKind::Retry {
                    page,
                    cause,
                    retry,
                    of,
                    wait_ms,
                },
                format!(
                    "Page {page}: {detail}; retry {retry} of {of} in {}",
                    seconds(delay)
                ),
            );
            if !self.wait(delay).await {
                return PageResult::Cancelled;
            }
        }
    }

    /// Where a redirect may be followed to: the same origin only, and only
    /// so many times; the API key never goes anywhere else.
    fn follow(
        &self,
        from: &str,
        location: Option<String>,
        hops: u32,
    ) -> Result<String, (FailureCode, String)> {
        let Some(location) = location else {
            return Err((
                FailureCode::RedirectUnreadable,
                "the API answered with a redirect whose target this page cannot see; \
                 the API key was not sent on. Use the final URL of the API instead"
                    .into(),
            ));
        };
        let Some(next) = resolve(from, &location) else {
            return Err((
                FailureCode::RedirectUnreadable,
                format!(
                    "the API redirected to '{}', which is not a URL; the API key was not sent on",
                    redact(&location)
                ),
            ));
        };
        // A key sent in the query is added to each request, never kept in
        // an address that is written down or followed.
        let next = match self.config.shape.auth.query_name() {
            Some(name) => without_param(&next, name),
            None => next,
        };
        match Origin::of(&next) {
            Ok(origin) if Some(&origin) == self.origin.as_ref() => {
                if hops > MAX_REDIRECTS {
                    Err((
                        FailureCode::TooManyRedirects,
                        format!("more than {MAX_REDIRECTS} redirects in a row; check the API URL"),
                    ))
                } else {
                    Ok(next)
                }
            }
            Ok(origin) => Err((
                FailureCode::RedirectOtherOrigin,
                format!(
                    "the API redirected to {origin}, another origin; the API key is never sent \
                     there. If you trust it, use that URL as the API URL"
                ),
            )),
            Err(_) => Err((
                FailureCode::RedirectOtherOrigin,
                format!(
                    "the API redirected to '{}', which is not an http(s) URL",
                    without_query(&next)
                ),
            )),
        }
    }

    /// The wait after a 429, or why the page fails instead.
    fn rate_limit_delay(
        &self,
        page: u64,
        tries: &mut PageAttempts,
        retry_after: Option<String>,
        fallback_backoff: &mut impl Iterator<Item = Duration>,
    ) -> Result<Duration, String> {
        let policy = &self.config.policy;
        self.update(|state| state.stats.rate_limited += 1);
        self.lower_concurrency(page);
        let of = policy.rate_limit_waits;
        if tries.rate_limit_waits == of {
            return Err(format!(
                "HTTP 429: still rate limited after {of} waits; try again later"
            ));
        }
        let now = self.services.clock.now();
        let demanded = retry_after
            .as_deref()
            .and_then(|value| parse_retry_after(value, now));
        let fallback = fallback_backoff.next().unwrap_or(policy.retry_after_cap);
        let (delay, why, readable) = match (&retry_after, demanded) {
            (Some(value), Some(demanded)) => match policy.rate_limit_wait(demanded) {
                Ok(delay) => (delay, format!("Retry-After: {value}"), Some(value.clone())),
                Err(too_long) => {
                    let cap = seconds(policy.retry_after_cap);
                    let asked = seconds(too_long);
                    return Err(format!(
                        "HTTP 429: the API asked to wait {asked} (Retry-After: {value}), \
                         more than the {cap} limit; try again later"
                    ));
                }
            },
            (Some(value), None) => (
                fallback,
                format!("unreadable Retry-After '{value}', backoff"),
                None,
            ),
            (None, _) => match tries.announced_reset {
                // The API said when its budget resets: that is the wait.
                Some(reset) => (
                    reset.clamp(policy.retry_after_floor, policy.retry_after_cap),
                    "no Retry-After, waiting for the announced reset".to_owned(),
                    None,
                ),
                None => (fallback, "no Retry-After visible, backoff".to_owned(), None),
            },
        };
        tries.rate_limit_waits += 1;
        let wait = tries.rate_limit_waits;
        self.update(|state| state.progress.rate_limit_waits += 1);
        let wait_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.emit(
            Level::Warn,
            EventKind::RateLimitWait {
                page,
                wait,
                of,
                wait_ms,
                retry_after: readable,
            },
            format!(
                "Page {page}: HTTP 429 rate limited; {why}; rate-limit wait {wait} of {of}: {}",
                seconds(delay)
            ),
        );
        Ok(delay)
    }
}

fn cause_code(cause: RetryCause) -> FailureCode {
    match cause {
        RetryCause::ServerError => FailureCode::ServerError,
        RetryCause::RequestTimeout => FailureCode::RequestTimeout,
        RetryCause::Timeout => FailureCode::Timeout,
        RetryCause::Network => FailureCode::Network,
        RetryCause::MalformedBody => FailureCode::MalformedBody,
        RetryCause::BadAnswer => FailureCode::WrongPage,
        RetryCause::ShortPage => FailureCode::ShortPage,
    }
}

fn add_retry(counts: &mut RetryCounts, cause: RetryCause) {
    let slot = match cause {
        RetryCause::ServerError => &mut counts.server_error,
        RetryCause::RequestTimeout => &mut counts.request_timeout,
        RetryCause::Timeout => &mut counts.timeout,
        RetryCause::Network => &mut counts.network,
        RetryCause::MalformedBody => &mut counts.malformed_body,
        RetryCause::BadAnswer => &mut counts.bad_answer,
        RetryCause::ShortPage => &mut counts.short_page,
    };
    *slot += 1;
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
    fn numbered(&self, ask: Ask) -> impl std::future::Future<Output = (u64, PageResult)> + '_ {
        self.fetch_page(ask).map(move |result| (ask.page, result))
    }

    /// The page size the run asks for (the one set, or the shape's default).
    fn asked_per_page(&self) -> Option<u64> {
        self.config
            .shape
            .page_size(self.config.per_page)
            .map(u64::from)
    }

    /// Whether each page's address comes from the page before it.
    fn linked(&self) -> bool {
        self.config.shape.pagination.is_linked()
    }

    /// The address of numbered page `page` (for a cursor walk, the first page's).
    fn page_address(&self, page: u64) -> String {
        let shape = &self.config.shape;
        shape.page_address(
            &self.config.base_url,
            page,
            shape.page_size(self.config.per_page),
        )
    }

    /// How a body is read: the records' path, the next pointer's.
    fn body_shape(&self) -> BodyShape<'_> {
        let shape = &self.config.shape;
        BodyShape {
            records: shape.records.as_deref(),
            next: shape.pagination.next_path(),
            key_sent_as: Some(match &shape.auth {
                Auth::Header(name) => name.as_str(),
                Auth::Bearer => "Authorization: Bearer",
                Auth::Basic => "Authorization: Basic",
                Auth::Query(name) => name.as_str(),
            }),
            next_from_link: matches!(shape.pagination, Pagination::Link),
        }
    }

    /// Every page: numbered pages from page 1 on, or a cursor walk.
    /// Returns whether the run may go on to settle.
    async fn walk_all(&self, collected: &mut Collected, fresh: bool) -> bool {
        if self.linked() {
            self.walk_linked(collected, fresh).await;
            return true;
        }
        if !self.first_page(collected, fresh).await {
            return false;
        }
        self.extend(collected, fresh).await;
        true
    }

    /// A cursor walk (cursor, link, next URL): each page's address comes
    /// from the page before it, one page at a time, until a page gives no
    /// next page, a page fails, the page limit, or a loop: a pointer seen
    /// before in this walk fails the run (`repeated_cursor`). A next URL on
    /// another origin is refused (`next_other_origin`): the key never
    /// follows it.
    async fn walk_linked(&self, collected: &mut Collected, fresh: bool) {
        if self.config.keep_for.is_some() && collected.refetches == 0 {
            // An event only: the data is whole either way.
            self.emit(
                Level::Info,
                EventKind::Warning {
                    code: WarningCode::CursorStartsOver,
                    page: None,
                },
                "A cursor walk starts over: pages kept on this device are not reused (or kept) \
                 for cursor, link or next-URL pagination, since a cursor names a moment of the \
                 listing, not a place in it"
                    .to_owned(),
            );
        }
        let shape = &self.config.shape;
        let first = self.page_address(1);
        let mut seen = BTreeSet::new();
        seen.insert(first.clone());
        let mut address = first.clone();
        let mut page = 1;
        loop {
            if self.services.cancel.is_cancelled() {
                collected.cancelled = true;
                return;
            }
            if page > self.config.max_pages {
                self.stop_at_limit(collected);
                return;
            }
            let ask = Ask {
                fresh,
                ..Ask::page(page)
            };
            let summary = match self.fetch_at(ask, address.clone()).await {
                PageResult::Fetched(fetched, summary) => {
                    collected.accept(fetched, &summary, self.asked_per_page());
                    summary
                }
                PageResult::Short(fetched, summary, failure) => {
                    collected.accept(fetched, &summary, self.asked_per_page());
                    collected.failed.insert(page, failure);
                    summary
                }
                PageResult::Failed(failure) => {
                    self.walk_stopped(collected, page, failure, "in a cursor walk");
                    return;
                }
                PageResult::PastEnd | PageResult::Cancelled => {
                    collected.cancelled = true;
                    return;
                }
            };
            let Some(next) = summary.next else {
                self.walk_ended(collected, page, WalkEnd::NoNextPage);
                return;
            };
            let next_page = page + 1;
            let refuse = |code, reason: String| self.fail(next_page, 0, code, reason);
            let Some(resolved) = shape.next_address(&first, &address, &next) else {
                let failure = refuse(
                    FailureCode::NextOtherOrigin,
                    format!(
                        "page {page} gave '{}' as the next page, which is not a URL; the walk \
                         stops there",
                        redact(&next)
                    ),
                );
                collected.failed.insert(next_page, failure);
                return;
            };
            let resolved = match shape.auth.query_name() {
                Some(name) => without_param(&resolved, name),
                None => resolved,
            };
            match Origin::of(&resolved) {
                Ok(origin) if Some(&origin) == self.origin.as_ref() => {}
                other => {
                    let whither = match other {
                        Ok(origin) => origin.to_string(),
                        Err(_) => format!("'{}'", without_query(&resolved)),
                    };
                    let failure = refuse(
                        FailureCode::NextOtherOrigin,
                        format!(
                            "page {page} gave a next page on {whither}, another origin; the API \
                             key is never sent there, so the walk stops. If you trust it, use \
                             that URL as the API URL"
                        ),
                    );
                    collected.failed.insert(next_page, failure);
                    return;
                }
            }
            if !seen.insert(resolved.clone()) {
                let what = match shape.pagination {
                    Pagination::Cursor { .. } => format!("the cursor '{next}'"),
                    _ => format!("the next page {}", redact(&resolved)),
                };
                let failure = refuse(
                    FailureCode::RepeatedCursor,
                    format!(
                        "page {page} gave {what}, seen before in this walk: the API loops, so \
                         the walk stops; the report may be missing records"
                    ),
                );
                collected.failed.insert(next_page, failure);
                return;
            }
            address = resolved;
            page = next_page;
        }
    }

    /// Page 1 (from the API when `fresh`); returns whether the run goes on.
    async fn first_page(&self, collected: &mut Collected, fresh: bool) -> bool {
        match self
            .fetch_page(Ask {
                fresh,
                ..Ask::page(1)
            })
            .await
        {
            PageResult::Fetched(page, summary) => {
                collected.accept(page, &summary, self.asked_per_page());
                true
            }
            PageResult::Short(page, summary, failure) => {
                collected.accept(page, &summary, self.asked_per_page());
                collected.failed.insert(1, failure);
                true
            }
            PageResult::Failed(failure) => {
                collected.failed.insert(1, failure);
                false
            }
            PageResult::PastEnd | PageResult::Cancelled => {
                collected.cancelled = true;
                false
            }
        }
    }

    /// Fetches the pages the run still lacks: with a stated `total_pages`
    /// every missing page up to it (concurrently), else by walking. When
    /// `fresh`, pages are asked of the API, not the cache or the device.
    async fn extend(&self, collected: &mut Collected, fresh: bool) {
        if collected.cancelled || self.services.cancel.is_cancelled() {
            collected.cancelled = true;
            return;
        }
        match collected.latest.total_pages {
            Some(total) => self.fetch_known(collected, total, fresh).await,
            None => self.walk(collected, fresh).await,
        }
    }

    /// Fetches every page up to `total` the run lacks (the limiter bounds
    /// the requests in flight), following a growing total up to the page
    /// limit.
    async fn fetch_known(&self, collected: &mut Collected, total: u64, fresh: bool) {
        let mut last = self.limit_pages(collected, total);
        self.update(|state| state.progress.pages_total = Some(last));
        let mut in_flight = FuturesUnordered::new();
        let missing = |collected: &Collected, pages: std::ops::RangeInclusive<u64>| {
            pages
                .filter(|page| {
                    !collected.pages.contains_key(page) && !collected.failed.contains_key(page)
                })
                .map(|page| Ask {
                    fresh,
                    ..Ask::page(page)
                })
                .collect::<Vec<_>>()
        };
        for ask in missing(collected, 1..=last) {
            in_flight.push(self.numbered(ask));
        }
        while let Some((page, result)) = in_flight.next().await {
            match result {
                PageResult::Fetched(fetched, summary) => {
                    collected.accept(fetched, &summary, self.asked_per_page());
                }
                PageResult::Short(fetched, summary, failure) => {
                    collected.accept(fetched, &summary, self.asked_per_page());
                    collected.failed.insert(page, failure);
                }
                PageResult::Failed(failure) => {
                    collected.failed.insert(page, failure);
                    continue;
                }
                PageResult::PastEnd | PageResult::Cancelled => {
                    collected.cancelled = true;
                    continue;
                }
            }
            let stated = collected.latest.total_pages.unwrap_or(total);
            let followed = self.limit_pages(collected, stated);
            if followed > last && !self.services.cancel.is_cancelled() {
                for ask in missing(collected, last + 1..=followed) {
                    in_flight.push(self.numbered(ask));
                }
                last = followed;
                self.update(|state| state.progress.pages_total = Some(last));
            }
        }
        if self.services.cancel.is_cancelled() {
            collected.cancelled = true;
        }
    }

    /// Without `total_pages`: pages in order until the walk ends (see
    /// [`walk_end`], or a page repeating the one before it), a failed
    /// page, or the page limit. Pages the run already has are not asked
    /// again.
    async fn walk(&self, collected: &mut Collected, fresh: bool) {
        let mut page = 1;
        loop {
            if !collected.pages.contains_key(&page) {
                if collected.failed.contains_key(&page) {
                    return;
                }
                if page > self.config.max_pages {
                    self.stop_at_limit(collected);
                    return;
                }
                // Only with no stated end can a repeat of the page before be the end.
                let open_ended =
                    implied_pages(collected.latest.total, collected.per_page).is_none();
                let ask = Ask {
                    page,
                    fresh,
                    clamp_of: if open_ended && page > 1 {
                        collected.fingerprint(page - 1)
                    } else {
                        None
                    },
                };
                match self.fetch_page(ask).await {
                    PageResult::Fetched(fetched, summary) => {
                        collected.accept(fetched, &summary, self.asked_per_page());
                    }
                    PageResult::Short(fetched, summary, failure) => {
                        collected.accept(fetched, &summary, self.asked_per_page());
                        collected.failed.insert(page, failure);
                    }
                    PageResult::PastEnd => {
                        self.walk_ended(collected, page - 1, WalkEnd::RepeatedLastPage);
                        return;
                    }
                    PageResult::Failed(failure) => {
                        self.walk_stopped(collected, page, failure, "without total_pages");
                        return;
                    }
                    PageResult::Cancelled => {
                        collected.cancelled = true;
                        return;
                    }
                }
            }
            let facts = collected.pages[&page].1;
            let received = collected.received_through(page);
            if let Some(by) = walk_end(page, &facts, collected.per_page, received) {
                self.walk_ended(collected, page, by);
                return;
            }
            page += 1;
        }
    }

    /// Marks a walk stopped at the page limit.
    /// Page `page` of a walk failed (`walk` says which walk): the pages
    /// after it are unknown until it succeeds, so the walk stops there.
    fn walk_stopped(&self, collected: &mut Collected, page: u64, failure: PageFailure, walk: &str) {
        collected.failed.insert(page, failure);
        self.warn(
            WarningCode::WalkStopped,
            Some(page),
            format!("Stopped at page {page}: {walk}, later pages are unknown until it succeeds"),
        );
    }

    fn stop_at_limit(&self, collected: &mut Collected) {
        let limit = self.config.max_pages;
        collected.truncated = Some(Truncation {
            limit,
            pages_stated: None,
        });
        self.warn(
            WarningCode::Truncated,
            None,
            format!("Stopped after {limit} pages, the most a run fetches; the API may have more"),
        );
    }

    /// Notes where the walk ended; pages an earlier walk had past that
    /// end are no longer part of the listing.
    fn walk_ended(&self, collected: &mut Collected, page: u64, by: WalkEnd) {
        let beyond: Vec<u64> = collected.pages.range(page + 1..).map(|(&p, _)| p).collect();
        for later in beyond {
            self.forget(collected, later);
        }
        collected.walk_ended = Some(WalkEnding {
            last_page: page,
            by,
        });
        let why = match by {
            WalkEnd::EmptyPage => "it has no records",
            WalkEnd::ShortPage => "it has fewer records than a page holds",
            WalkEnd::StatedTotal => "the API's stated total is reached",
            WalkEnd::RepeatedLastPage => {
                "the next page repeated it, as an API does past its end (the repeat is not kept)"
            }
            WalkEnd::NoNextPage => "it names no next page",
        };
        self.emit(
            Level::Info,
            EventKind::WalkEnded { page, by },
            format!("Page {page} is the last page: {why}"),
        );
    }

    /// Takes an accepted page out of the run (its answer is stale).
    fn forget(&self, collected: &mut Collected, page: u64) {
        let Some((_, facts)) = collected.pages.remove(&page) else {
            return;
        };
        self.update(|state| {
            if let Some(hash) = facts.fingerprint {
                if state.fingerprints.get(&hash) == Some(&page) {
                    state.fingerprints.remove(&hash);
                }
            }
            state.progress.pages_done = state.progress.pages_done.saturating_sub(1);
            state.progress.records = state.progress.records.saturating_sub(facts.records);
        });
    }

    /// While the data looks like it moved during the walk (pages stating
    /// other totals than the latest, or a page boundary where a record
    /// came back), walks again from page 1, asking the API for every page,
    /// at most [`MAX_REFETCHES`] times. A boundary whose two pages come
    /// back unchanged is the source's own repeat.
    ///
    /// Every page is asked again, not only those that look stale: pages
    /// are fetched concurrently, so a page answered before the change can
    /// arrive after pages answered since, and nothing in a shifted page
    /// without a changed total tells which it is. Page 1 comes first in
    /// every walk, so that a shift shows as a repeated record at the first
    /// boundary between an older page and a newer one.
    async fn settle(&self, collected: &mut Collected) {
        while collected.refetches < MAX_REFETCHES {
            if !collected.is_settled() || self.services.cancel.is_cancelled() {
                return;
            }
            let moved = movement(&collected.facts(), collected.latest, &collected.verified);
            if moved.is_empty() {
                return;
            }
            collected.refetches += 1;
            let refetch = collected.refetches;
            let mut before = BTreeMap::new();
            before.extend(
                collected
                    .pages
                    .iter()
                    .map(|(&page, (_, facts))| (page, facts.fingerprint)),
            );
            self.emit(
                Level::Warn,
                EventKind::Refetch {
                    refetch,
                    of: MAX_REFETCHES,
                    pages: before.len(),
                },
                format!(
                    "{}; fetching every page again (re-walk {refetch} of {MAX_REFETCHES})",
                    describe_movement(&moved, collected.latest),
                ),
            );
            for &page in before.keys() {
                self.forget(collected, page);
            }
            collected.walk_ended = None;
            collected.latest = Stated::default();
            if !self.walk_all(collected, true).await {
                return;
            }
            for &page in &moved.overlaps {
                let unchanged = [page, page + 1].iter().all(|p| {
                    before
                        .get(p)
                        .is_some_and(|&f| f == collected.fingerprint(*p))
                });
                if unchanged {
                    collected.verified.insert(page);
                }
            }
        }
    }

    /// The number of pages to fetch for a stated total; past the page
    /// limit, the run is marked truncated (once).
    fn limit_pages(&self, collected: &mut Collected, total: u64) -> u64 {
        let limit = self.config.max_pages;
        if total > limit {
            let already = collected.truncated.map(|t| t.pages_stated);
            if already != Some(Some(total)) {
                collected.truncated = Some(Truncation {
                    limit,
                    pages_stated: Some(total),
                });
                self.warn(
                    WarningCode::Truncated,
                    None,
                    format!(
                        "The API states {total} pages; a run fetches at most {limit}, \
                         so only the first {limit} are in the report"
                    ),
                );
            }
        }
        total.min(limit)
    }

    /// Pages whose answers repeated another page are both failed; pages
    /// an earlier answer placed past the stated end, empty, are dropped.
    async fn evict_repeated(&self, collected: &mut Collected) {
        let repeated_by = std::mem::take(&mut self.state.borrow_mut().repeated_by);
        for (page, by) in repeated_by {
            if collected.pages.contains_key(&page) && !collected.failed.contains_key(&page) {
                // Its cached body may be the wrong one: ask again next time.
                let address = self.page_address(page);
                self.services
                    .cache
                    .borrow_mut()
                    .remove(&address, self.config.api_key.as_deref());
                if let Some(store) = self.store() {
                    if let Err(error) = store.remove(&redact(&address), &self.key_id).await {
                        self.store_failed(page, "forget", &error);
                    }
                }
                let reason = format!(
                    "page {by} has the same records as this page, so one of them is wrong; \
                     both are fetched again by a retry"
                );
                collected
                    .failed
                    .insert(page, self.fail(page, 0, FailureCode::RepeatedPage, reason));
            }
        }
        if let Some(last) = collected.latest.total_pages {
            let empty_beyond: Vec<u64> = collected
                .pages
                .range(last + 1..)
                .filter(|(_, (_, facts))| facts.records == 0)
                .map(|(&page, _)| page)
                .collect();
            for page in empty_beyond {
                self.forget(collected, page);
            }
        }
    }

    /// Judges the run as a whole: complete only when every page stated
    /// arrived and was sound, the data did not move (or settled), and the
    /// records received equal the stated `total`.
    fn judge_run(&self, collected: &Collected) -> bool {
        if !collected.is_settled() {
            return false;
        }
        let moved = movement(&collected.facts(), collected.latest, &collected.verified);
        if !moved.stale.is_empty() {
            self.warn(
                WarningCode::TotalChanged,
                moved.stale.first().map(|(page, _)| *page),
                format!(
                    "{}, and still did after fetching them again {} times: the data moved \
                     during the walk or the API contradicts itself; the report may be missing \
                     records",
                    describe_stale(&moved, collected.latest),
                    collected.refetches
                ),
            );
        }
        if !moved.overlaps.is_empty() {
            self.warn(
                WarningCode::PagesShifted,
                moved.overlaps.first().copied(),
                format!(
                    "{}, and fetching the pages again {} times did not settle it: the listing \
                     shifted while it was fetched; the report may be missing records",
                    describe_overlaps(&moved.overlaps),
                    collected.refetches
                ),
            );
        }
        if !moved.is_empty() {
            return false;
        }
        let received = collected.records_received();
        if let Some((stated, received)) = count_mismatch(collected.latest.total, received) {
            self.warn(
                WarningCode::RecordCountMismatch,
                None,
                format!(
                    "The API states total = {stated} records, but {received} records arrived \
                     on its pages; the report may be missing records or the API's count is wrong"
                ),
            );
            return false;
        }
        true
    }

    async fn finish(&self, mut collected: Collected) -> FetchOutcome {
        self.evict_repeated(&mut collected).await;
        let cancelled = collected.cancelled || self.services.cancel.is_cancelled();
        collected.cancelled = cancelled;
        let complete = self.judge_run(&collected);
        let received = collected.records_received();
        let state = std::mem::take(&mut *self.state.borrow_mut());
        let mut stats = state.stats;
        stats.success_rate = if stats.requests == 0 {
            1.0
        } else {
            stats.successful_requests as f64 / stats.requests as f64
        };
        stats.final_concurrency = self.limiter.limit();
        stats.fetch_ms = millis_since(self.services.clock, self.started);
        let failed: Vec<PageFailure> = std::mem::take(&mut collected.failed)
            .into_values()
            .collect();
        let pages: Vec<FetchedPage> = std::mem::take(&mut collected.pages)
            .into_values()
            .map(|(page, _)| page)
            .collect();
        let end = if cancelled {
            RunEnd::Cancelled
        } else if complete {
            RunEnd::Complete
        } else {
            RunEnd::Partial
        };
        let message = match end {
            RunEnd::Cancelled => "Cancelled".to_owned(),
            RunEnd::Complete if pages.len() == 1 => {
                format!("Fetched the only page{}", reuse_note(&stats))
            }
            RunEnd::Complete => format!("Fetched all {} pages{}", pages.len(), reuse_note(&stats)),
            RunEnd::Partial if failed.is_empty() => format!(
                "Incomplete: {} fetched{}; see the warnings",
                plural(pages.len() as u64, "page", "pages"),
                reuse_note(&stats)
            ),
            RunEnd::Partial => {
                let list: Vec<_> = failed.iter().map(|f| f.page.to_string()).collect();
                format!(
                    "Incomplete: {} fetched{}; failed pages: {}",
                    plural(pages.len() as u64, "page", "pages"),
                    reuse_note(&stats),
                    list.join(", ")
                )
            }
        };
        let level = match end {
            RunEnd::Complete => Level::Info,
            RunEnd::Cancelled => Level::Warn,
            RunEnd::Partial => Level::Error,
        };
        self.emit(
            level,
            EventKind::Finished {
                end,
                pages_fetched: pages.len(),
                pages_failed: failed.len(),
            },
            message,
        );
        let provenance = ApiProvenance {
            url: redact(&self.config.base_url),
            redirected_to: state.redirected_to.into_iter().collect(),
            pages_total: collected.latest.total_pages,
            pages_fetched: pages.len(),
            records_stated: collected.latest.total,
            records_received: received,
            walk_ended: collected.walk_ended,
            refetches: collected.refetches,
            complete,
            failed_pages: failed,
            warnings: state.warnings,
            truncated: collected.truncated,
            cancelled,
            stats,
            api: {
                let mut api = self.config.shape.describe();
                if let Some(found) = &collected.records_path {
                    api.insert("records".into(), found.clone());
                }
                api
            },
            records_path: collected.records_path.take(),
        };
        FetchOutcome { pages, provenance }
    }
}

/// "pages 1-3", "page 4", "pages 1, 2 and 5".
fn page_list(pages: &BTreeSet<u64>) -> String {
    let list: Vec<u64> = pages.iter().copied().collect();
    match list.as_slice() {
        [] => "no page".to_owned(),
        [one] => format!("page {one}"),
        [first, .., last] if last - first + 1 == list.len() as u64 => {
            format!("pages {first}-{last}")
        }
        [rest @ .., last] => {
            let rest: Vec<String> = rest.iter().map(u64::to_string).collect();
            format!("pages {} and {last}", rest.join(", "))
        }
    }
}

fn describe_totals(stated: Stated) -> String {
    let mut parts = Vec::new();
    if let Some(total) = stated.total {
        parts.push(format!("total = {total}"));
    }
    if let Some(pages) = stated.total_pages {
        parts.push(format!("total_pages = {pages}"));
    }
    parts.join(", ")
}

fn describe_stale(moved: &Movement, latest: Stated) -> String {
    let mut pages = BTreeSet::new();
    pages.extend(moved.stale.iter().map(|(page, _)| *page));
    let example = moved
        .stale
        .first()
        .map(|(_, stated)| *stated)
        .unwrap_or_default();
    format!(
        "{} stated {} where the latest page states {}",
        capitalize(page_list(&pages)),
        describe_totals(example),
        describe_totals(latest)
    )
}

fn describe_overlaps(overlaps: &[u64]) -> String {
    let boundaries: Vec<String> = overlaps
        .iter()
        .map(|page| format!("page {page} came back as the first of page {}", page + 1))
        .collect();
    format!("The last record of {}", boundaries.join(", and of "))
}

fn describe_movement(moved: &Movement, latest: Stated) -> String {
    match (moved.stale.is_empty(), moved.overlaps.is_empty()) {
        (false, true) => format!("The data moved: {}", describe_stale(moved, latest)),
        (true, false) => format!("The data moved: {}", describe_overlaps(&moved.overlaps)),
        _ => format!(
            "The data moved: {}; {}",
            describe_stale(moved, latest),
            describe_overlaps(&moved.overlaps)
        ),
    }
}

/// `page_list`'s text is ASCII, so an ASCII upper case is enough; `char`'s
/// full `to_uppercase` would bring the standard library's Unicode
/// upper-case tables (13 KB) into the page's module for this one sentence.
fn capitalize(mut text: String) -> String {
    if let Some(first) = text.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    text
}

/// What the summary line adds when pages kept on this device were reused:
/// ": 31 pages from this device, 69 fetched" (nothing otherwise).
fn reuse_note(stats: &FetchStats) -> String {
    if stats.pages_from_device == 0 {
        return String::new();
    }
    let device = stats.pages_from_device;
    let plural = if device == 1 { "page" } else { "pages" };
    format!(
        ": {device} {plural} from this device, {} fetched",
        stats.pages_from_network
    )
}

#[cfg(test)]
mod reuse_note_tests {
    use super::*;

    fn stats(device: u64, network: u64) -> FetchStats {
        FetchStats {
            pages_from_device: device,
            pages_from_network: network,
            ..FetchStats::default()
        }
    }

    #[test]
    fn says_the_split_only_when_pages_came_from_this_device() {
        assert_eq!(reuse_note(&stats(0, 20)), "");
        assert_eq!(
            reuse_note(&stats(31, 69)),
            ": 31 pages from this device, 69 fetched"
        );
        assert_eq!(
            reuse_note(&stats(1, 0)),
            ": 1 page from this device, 0 fetched"
        );
    }
}
