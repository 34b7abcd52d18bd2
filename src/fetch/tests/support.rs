//! Test doubles for the fetcher: a scripted transport, a timer that records
//! waits and returns at once, a clock that the timer advances, and a page
//! store in memory that fails on demand.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::common::clock::Clock;
use crate::fetch::events::{EventKind, FetchEvent};
use crate::fetch::fetcher::{fetch_all, FetchConfig, FetchOutcome, Services};
use crate::fetch::pages::PageCache;
use crate::fetch::services::{
    CancelToken, HttpResponse, PageRequest, ResponseFuture, Timer, Transport, TransportError,
};
use crate::fetch::store::{PageStore, StoreError, StoreFuture, StoredPage};
use crate::pipeline::process_fetched;
use crate::provenance::FailureCode;
use crate::report::Report;
use crate::settings::RunSettings;
use chrono::{DateTime, TimeDelta, Utc};
use futures::future::LocalBoxFuture;
use futures::FutureExt;

pub(crate) mod rated;
pub(crate) mod shaped;

/// What the scripted API does for one attempt at a page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    /// Serve the page from the dataset, after `polls` extra polls (to
    /// reorder completions).
    Ok { polls: u32 },
    /// Answer with this status and an error body.
    Status(u16),
    /// Answer 429 with this `Retry-After` (None: no header).
    RateLimited(Option<String>),
    /// Answer 200 with a truncated body.
    Malformed,
    /// Fail below HTTP.
    NetworkError,
    /// Never answer (the deadline fires).
    Hang,
    /// Cancel the run, then never answer.
    CancelAndHang,
    /// Serve page 1's body, as an API that ignores `page` does.
    WrongPage,
    /// Serve only the first `n` records of the page (totals truthful).
    Short(usize),
    /// Serve another page's records under this page's number.
    Repeat(u64),
    /// Answer 302 with this `Location` (`None`: not visible).
    Redirect(Option<String>),
    /// An answer larger than the request allows.
    TooLarge,
}

/// A change to the API's records while a run goes on (data that moves).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Move {
    /// A record inserted before all others: every page shifts by one.
    InsertFront(String),
    /// The first record removed: every page shifts back by one.
    RemoveFront,
    /// A record inserted at the front and the last one removed: every
    /// page shifts by one, and `total` stays the same.
    InsertFrontRemoveLast(String),
    /// A record added after all others.
    Append(String),
}

/// One request the scripted API received.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Served {
    pub(crate) page: u64,
    pub(crate) step: Step,
    pub(crate) api_key: Option<String>,
    pub(crate) url: String,
}

/// A reqres-like API over a dataset, answering each page's attempts from a
/// script; once a page's script is used up it answers `Step::Ok`.
pub(crate) struct ScriptedApi {
    pub(crate) per_page: usize,
    /// The records it holds now, as JSON text, in listing order (`total`
    /// counts them all, repeated ids and records without an id included).
    pub(crate) records: RefCell<Vec<String>>,
    /// Changes made to the records, each once this many requests have
    /// been answered.
    pub(crate) moves: RefCell<Vec<(usize, Move)>>,
    /// Pages past the end answer the last page again, naming the last page
    /// (`clamp_names_last`) or the page asked for.
    pub(crate) clamp: bool,
    pub(crate) clamp_names_last: bool,
    /// Leave `total_pages` out of every page (`total` stays unless `hide_total`).
    pub(crate) hide_total_pages: bool,
    /// `total_pages` reported on page 1 (default: the truth).
    pub(crate) page1_total_pages: Option<u64>,
    /// Every page serves page 1's records (an API that ignores `page`).
    pub(crate) ignore_page_parameter: bool,
    /// `(total, total_pages)` stated by particular pages, instead of the truth.
    pub(crate) stated_totals: HashMap<u64, (u64, u64)>,
    /// Leave `total` out (keep `total_pages`).
    pub(crate) hide_total: bool,
    /// Leave `per_page` out.
    pub(crate) hide_per_page: bool,
    pub(crate) script: RefCell<HashMap<u64, VecDeque<Step>>>,
    /// Every request, in order.
    pub(crate) served: RefCell<Vec<Served>>,
    pub(crate) cancel: RefCell<Option<CancelToken>>,
    /// Requests started and not yet answered (or dropped), and the most at once.
    pub(crate) in_flight: Rc<Cell<usize>>,
    pub(crate) max_in_flight: Rc<Cell<usize>>,
}

/// Counts a request as in flight until its future completes or is dropped.
struct InFlight(Rc<Cell<usize>>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}

impl ScriptedApi {
    pub(crate) fn new(total_records: usize, per_page: usize) -> Self {
        Self::with_records((1..=total_records).map(Self::record).collect(), per_page)
    }

    /// An API that states no `total_pages` (so it is walked) and answers
    /// page 1 whatever page is asked for.
    pub(crate) fn ignoring_page_in_a_walk(total_records: usize, per_page: usize) -> Self {
        let mut api = Self::new(total_records, per_page);
        api.hide_total_pages = true;
        api.ignore_page_parameter = true;
        api
    }

    /// An API holding exactly these records.
    pub(crate) fn with_records(records: Vec<String>, per_page: usize) -> Self {
        ScriptedApi {
            per_page,
            records: RefCell::new(records),
            moves: RefCell::new(Vec::new()),
            clamp: false,
            clamp_names_last: true,
            hide_total_pages: false,
            page1_total_pages: None,
            ignore_page_parameter: false,
            stated_totals: HashMap::new(),
            hide_total: false,
            hide_per_page: false,
            script: RefCell::new(HashMap::new()),
            served: RefCell::new(Vec::new()),
            cancel: RefCell::new(None),
            in_flight: Rc::new(Cell::new(0)),
            max_in_flight: Rc::new(Cell::new(0)),
        }
    }

    pub(crate) fn script(self, page: u64, steps: impl IntoIterator<Item = Step>) -> Self {
        self.script
            .borrow_mut()
            .insert(page, steps.into_iter().collect());
        self
    }

    /// Records it holds now.
    pub(crate) fn total_records(&self) -> usize {
        self.records.borrow().len()
    }

    pub(crate) fn pages(&self) -> u64 {
        self.total_records().div_ceil(self.per_page) as u64
    }

    /// Makes `change` once `after` requests have been answered.
    pub(crate) fn move_after(self, after: usize, change: Move) -> Self {
        self.moves.borrow_mut().push((after, change));
        self
    }

    /// Applies the moves due before request number `served + 1`.
    fn apply_moves(&self, served: usize) {
        let mut moves = self.moves.borrow_mut();
        let mut records = self.records.borrow_mut();
        moves.retain(|(after, change)| {
            if *after > served {
                return true;
            }
            match change {
                Move::InsertFront(record) => records.insert(0, record.clone()),
                Move::RemoveFront => {
                    if !records.is_empty() {
                        records.remove(0);
                    }
                }
                Move::InsertFrontRemoveLast(record) => {
                    records.insert(0, record.clone());
                    records.pop();
                }
                Move::Append(record) => records.push(record.clone()),
            }
            false
        });
    }

    pub(crate) fn requests(&self) -> usize {
        self.served.borrow().len()
    }

    pub(crate) fn requests_for(&self, page: u64) -> usize {
        self.served
            .borrow()
            .iter()
            .filter(|served| served.page == page)
            .count()
    }

    pub(crate) fn record(id: usize) -> String {
        format!(
            r#"{{"id":{id},"email":"user{id}@example.com","first_name":"First{id}","last_name":"Last{id}","avatar":"https://example.com/{id}.png"}}"#
        )
    }

    /// Another record for customer `id` (a duplicate in the source), told
    /// apart by `variant`.
    pub(crate) fn duplicate(id: usize, variant: usize) -> String {
        format!(
            r#"{{"id":{id},"email":"user{id}.{variant}@example.com","first_name":"First{id}","last_name":"Last{id}"}}"#
        )
    }

    /// A record without an id (rejected by the pipeline, counted by `total`).
    pub(crate) fn without_id(n: usize) -> String {
        format!(r#"{{"email":"anonymous{n}@example.com","first_name":"Anon{n}"}}"#)
    }

    /// The positions of the records the dataset holds on `page`.
    fn slots_on(&self, page: u64) -> std::ops::Range<usize> {
        let total = self.total_records();
        let start = ((page as usize - 1) * self.per_page).min(total);
        start..(start + self.per_page).min(total)
    }

    pub(crate) fn page_body(&self, page: u64) -> String {
        self.body(page, page, usize::MAX)
    }

    /// Page `page`'s envelope holding (at most `keep` of) the records of
    /// page `records_of`.
    fn body(&self, page: u64, records_of: u64, keep: usize) -> String {
        let mut records_of = if self.ignore_page_parameter {
            1
        } else {
            records_of
        };
        let mut page = page;
        if self.clamp && records_of > self.pages() && self.pages() > 0 {
            records_of = self.pages();
            if self.clamp_names_last {
                page = records_of;
            }
        }
        let records: Vec<String> = {
            let all = self.records.borrow();
            all[self.slots_on(records_of)]
                .iter()
                .take(keep)
                .cloned()
                .collect()
        };
        let (total, total_pages) = match (page, self.page1_total_pages) {
            _ if self.stated_totals.contains_key(&page) => self.stated_totals[&page],
            (1, Some(reported)) => (reported * self.per_page as u64, reported),
            _ => (self.total_records() as u64, self.pages()),
        };
        let mut totals = String::new();
        if !self.hide_total {
            totals += &format!(r#""total":{total},"#);
        }
        if !self.hide_total_pages {
            totals += &format!(r#""total_pages":{total_pages},"#);
        }
        if !self.hide_per_page {
            totals = format!(r#""per_page":{},{totals}"#, self.per_page);
        }
        format!(
            r#"{{"page":{page},{totals}"data":[{}]}}"#,
            records.join(",")
        )
    }
}

fn page_of(url: &str) -> u64 {
    url.split(['?', '&'])
        .find_map(|pair| pair.strip_prefix("page="))
        .and_then(|n| n.parse().ok())
        .expect("every request names a page")
}

/// A future that is pending `polls` times (waking itself) before yielding its value.
pub(crate) struct AfterPolls<T> {
    pub(crate) polls: u32,
    pub(crate) value: Option<T>,
}

impl<T: Unpin> Future for AfterPolls<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        if self.polls == 0 {
            Poll::Ready(self.value.take().expect("polled after completion"))
        } else {
            self.polls -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

impl Transport for ScriptedApi {
    fn get(&self, request: &PageRequest) -> ResponseFuture {
        let page = page_of(&request.url);
        self.apply_moves(self.served.borrow().len());
        let step = self
            .script
            .borrow_mut()
            .get_mut(&page)
            .and_then(VecDeque::pop_front)
            .unwrap_or(Step::Ok { polls: 0 });
        self.served.borrow_mut().push(Served {
            page,
            step: step.clone(),
            api_key: request.api_key.clone(),
            url: request.url.clone(),
        });
        self.in_flight.set(self.in_flight.get() + 1);
        self.max_in_flight
            .set(self.max_in_flight.get().max(self.in_flight.get()));
        let guard = InFlight(Rc::clone(&self.in_flight));
        let answer = self.answer(page, step);
        async move {
            let _guard = guard;
            answer.await
        }
        .boxed_local()
    }
}

impl ScriptedApi {
    fn answer(&self, page: u64, step: Step) -> ResponseFuture {
        let respond = |status: u16, retry_after: Option<String>, body: String| {
            futures::future::ready(Ok(HttpResponse {
                status,
                retry_after,
                location: None,
                link: None,
                rate: Default::default(),
                body: body.into_bytes(),
            }))
            .boxed_local()
        };
        match step {
            Step::Ok { polls } => AfterPolls {
                polls,
                value: Some(Ok(HttpResponse {
                    status: 200,
                    retry_after: None,
                    location: None,
                    link: None,
                    rate: Default::default(),
                    body: self.page_body(page).into_bytes(),
                })),
            }
            .boxed_local(),
            Step::Status(status) => respond(status, None, r#"{"error":"scripted"}"#.into()),
            Step::RateLimited(header) => respond(429, header, r#"{"error":"slow down"}"#.into()),
            Step::Malformed => respond(200, None, r#"{"page":1,"data":[{"id":"#.into()),
            Step::WrongPage => respond(200, None, self.body(1, 1, usize::MAX)),
            Step::Short(keep) => respond(200, None, self.body(page, page, keep)),
            Step::Repeat(other) => respond(200, None, self.body(page, other, usize::MAX)),
            Step::Redirect(location) => {
                futures::future::ready(Ok(HttpResponse::redirect(location))).boxed_local()
            }
            Step::TooLarge => {
                futures::future::ready(Err(TransportError::TooLarge { limit: 64 << 20 }))
                    .boxed_local()
            }
            Step::NetworkError => {
                futures::future::ready(Err(TransportError::Network("Failed to fetch".into())))
                    .boxed_local()
            }
            Step::Hang => futures::future::pending().boxed_local(),
            Step::CancelAndHang => {
                if let Some(token) = self.cancel.borrow().as_ref() {
                    token.cancel();
                }
                futures::future::pending().boxed_local()
            }
        }
    }
}

/// Polls after which a fake deadline fires: more than any `Step::Ok` delay
/// used in the tests, so only a hanging answer times out.
const DEADLINE_POLLS: u32 = 1_000;

/// Records every wait, advances the clock by it and returns after one yield.
/// Deadlines fire after [`DEADLINE_POLLS`] polls, without real time passing.
#[derive(Default)]
pub(crate) struct FakeTime {
    pub(crate) waits: RefCell<Vec<Duration>>,
    pub(crate) deadlines: Cell<u32>,
    pub(crate) elapsed: Cell<Duration>,
}

impl FakeTime {
    pub(crate) fn waits(&self) -> Vec<Duration> {
        self.waits.borrow().clone()
    }
}

impl Timer for FakeTime {
    fn wait(&self, duration: Duration) -> LocalBoxFuture<'static, ()> {
        self.waits.borrow_mut().push(duration);
        self.elapsed.set(self.elapsed.get() + duration);
        // A wait yields once, as a real timer would, so other pages can run.
        AfterPolls {
            polls: 1,
            value: Some(()),
        }
        .boxed_local()
    }

    fn deadline(&self, _duration: Duration) -> LocalBoxFuture<'static, ()> {
        self.deadlines.set(self.deadlines.get() + 1);
        AfterPolls {
            polls: DEADLINE_POLLS,
            value: Some(()),
        }
        .boxed_local()
    }
}

impl Clock for FakeTime {
    fn now(&self) -> DateTime<Utc> {
        let start = DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z")
            .expect("valid start")
            .with_timezone(&Utc);
        start + TimeDelta::from_std(self.elapsed.get()).unwrap_or(TimeDelta::zero())
    }
}

/// Everything one fake run needs, with the events it emitted.
pub(crate) struct Harness {
    pub(crate) api: Rc<ScriptedApi>,
    pub(crate) time: Rc<FakeTime>,
    pub(crate) cache: RefCell<PageCache>,
    pub(crate) events: RefCell<Vec<FetchEvent>>,
    pub(crate) cancel: CancelToken,
    /// The device store, when the run has one.
    pub(crate) store: Option<Rc<FakeStore>>,
}

impl Harness {
    pub(crate) fn new(api: ScriptedApi) -> Self {
        let cancel = CancelToken::new();
        *api.cancel.borrow_mut() = Some(cancel.clone());
        Harness {
            api: Rc::new(api),
            time: Rc::new(FakeTime::default()),
            cache: RefCell::new(PageCache::new()),
            events: RefCell::new(Vec::new()),
            cancel,
            store: None,
        }
    }

    /// The same harness with a device store.
    pub(crate) fn with_store(mut self, store: Rc<FakeStore>) -> Self {
        self.store = Some(store);
        self
    }

    pub(crate) fn run(&self, config: &FetchConfig) -> FetchOutcome {
        let on_event = |event: &FetchEvent| self.events.borrow_mut().push(event.clone());
        let services = Services {
            transport: &*self.api,
            timer: &*self.time,
            clock: &*self.time,
            cancel: self.cancel.clone(),
            cache: &self.cache,
            store: self.store.as_deref().map(|store| store as &dyn PageStore),
            on_event: &on_event,
        };
        futures::executor::block_on(fetch_all(config, &services))
    }

    /// The sentences of every event but progress, in order.
    pub(crate) fn log_messages(&self) -> Vec<String> {
        self.logged()
            .into_iter()
            .map(|event| event.message)
            .collect()
    }

    /// Fails, showing the log, unless `line` is one of its messages.
    pub(crate) fn assert_logged(&self, line: &str) {
        let log = self.log_messages();
        assert!(log.iter().any(|m| m == line), "no '{line}' in {log:#?}");
    }

    /// Every event but progress, in order.
    pub(crate) fn logged(&self) -> Vec<FetchEvent> {
        self.events
            .borrow()
            .iter()
            .filter(|event| !matches!(event.kind, EventKind::Progress(_)))
            .cloned()
            .collect()
    }

    /// The report of a run, as the page would get it (seed 42, as of 2026-11-24).
    pub(crate) fn report<'o>(&self, outcome: &'o FetchOutcome) -> Report<'o> {
        let settings = RunSettings::from_text("42", "2026-11-24", "2026-11-24T12:00:00Z")
            .expect("valid settings");
        report_unmapped(outcome, &settings, &self.time)
    }
}

/// The report of a run's pages with no mapping, `settings`, and `time`
/// as the clock.
pub(crate) fn report_unmapped<'o>(
    outcome: &'o FetchOutcome,
    settings: &RunSettings,
    time: &FakeTime,
) -> Report<'o> {
    process_fetched(
        outcome.page_bodies(),
        outcome.provenance.clone(),
        &crate::source::mapping::MappingSpec::none(),
        settings,
        time,
    )
}

/// The pages a run gave up on, each with its code.
pub(crate) fn failed_pages(outcome: &FetchOutcome) -> Vec<(u64, FailureCode)> {
    outcome
        .provenance
        .failed_pages
        .iter()
        .map(|failure| (failure.page, failure.code))
        .collect()
}

pub(crate) fn config() -> FetchConfig {
    FetchConfig::new("https://api.test/api/users")
}

/// Which store operation a scripted failure is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum StoreOp {
    Get,
    Put,
    Remove,
}

/// A page store in memory, as IndexedDB would keep pages across a reload:
/// it counts every call, and fails the next calls of an operation with
/// the errors scripted for it.
#[derive(Default)]
pub(crate) struct FakeStore {
    pub(crate) pages: RefCell<HashMap<(String, String), StoredPage>>,
    pub(crate) failures: RefCell<HashMap<StoreOp, VecDeque<StoreError>>>,
    pub(crate) calls: RefCell<Vec<StoreOp>>,
}

impl FakeStore {
    pub(crate) fn new() -> Rc<Self> {
        Rc::new(FakeStore::default())
    }

    /// The next calls of `op` fail with `errors`, in order; later ones succeed.
    pub(crate) fn fail(&self, op: StoreOp, errors: impl IntoIterator<Item = StoreError>) {
        self.failures
            .borrow_mut()
            .entry(op)
            .or_default()
            .extend(errors);
    }

    pub(crate) fn calls_of(&self, op: StoreOp) -> usize {
        self.calls.borrow().iter().filter(|&&c| c == op).count()
    }

    /// The page numbers stored, in order.
    pub(crate) fn stored_pages(&self) -> Vec<u64> {
        let mut pages: Vec<u64> = self
            .pages
            .borrow()
            .keys()
            .map(|(url, _)| page_of(url))
            .collect();
        pages.sort_unstable();
        pages
    }

    /// The key identities stored.
    pub(crate) fn key_ids(&self) -> Vec<String> {
        self.pages
            .borrow()
            .keys()
            .map(|(_, key_id)| key_id.clone())
            .collect()
    }

    fn call(&self, op: StoreOp) -> Result<(), StoreError> {
        self.calls.borrow_mut().push(op);
        match self
            .failures
            .borrow_mut()
            .get_mut(&op)
            .and_then(VecDeque::pop_front)
        {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

impl PageStore for FakeStore {
    fn get(&self, url: &str, key_id: &str) -> StoreFuture<Option<StoredPage>> {
        let result = self.call(StoreOp::Get).map(|()| {
            self.pages
                .borrow()
                .get(&(url.to_owned(), key_id.to_owned()))
                .cloned()
        });
        // Answers after a yield, as IndexedDB does, so pages interleave.
        AfterPolls {
            polls: 1,
            value: Some(result),
        }
        .boxed_local()
    }

    fn put(&self, url: &str, key_id: &str, page: StoredPage) -> StoreFuture<()> {
        let result = self.call(StoreOp::Put).map(|()| {
            self.pages
                .borrow_mut()
                .insert((url.to_owned(), key_id.to_owned()), page);
        });
        AfterPolls {
            polls: 1,
            value: Some(result),
        }
        .boxed_local()
    }

    fn remove(&self, url: &str, key_id: &str) -> StoreFuture<()> {
        let result = self.call(StoreOp::Remove).map(|()| {
            self.pages
                .borrow_mut()
                .remove(&(url.to_owned(), key_id.to_owned()));
        });
        AfterPolls {
            polls: 1,
            value: Some(result),
        }
        .boxed_local()
    }
}

/// One run of `config` against `transport` on `time`, with a cache of its
/// own, `store` if any, and every event handed to `on_event`.
pub(crate) fn fetch_on(
    transport: &dyn Transport,
    time: &FakeTime,
    config: &FetchConfig,
    store: Option<&dyn PageStore>,
    on_event: &dyn Fn(&FetchEvent),
) -> FetchOutcome {
    let cache = RefCell::new(PageCache::new());
    fetch_in(transport, time, config, &cache, store, on_event)
}

/// [`fetch_on`] with `cache` (one page's tab: runs and previews share it).
pub(crate) fn fetch_in(
    transport: &dyn Transport,
    time: &FakeTime,
    config: &FetchConfig,
    cache: &RefCell<PageCache>,
    store: Option<&dyn PageStore>,
    on_event: &dyn Fn(&FetchEvent),
) -> FetchOutcome {
    let services = Services {
        transport,
        timer: time,
        clock: time,
        cancel: CancelToken::new(),
        cache,
        store,
        on_event,
    };
    futures::executor::block_on(fetch_all(config, &services))
}

/// The customers of a report, one JSON line each, in the report's order.
pub(crate) fn customer_lines(report: &Report<'_>) -> Vec<String> {
    // Through the report's own writer: serializing customers one at a
    // time sets up the writer once per customer.
    let json: serde_json::Value =
        serde_json::from_slice(&report.to_json()).expect("the report is JSON");
    json["customers"]
        .as_array()
        .expect("customers is an array")
        .iter()
        .map(|customer| customer.to_string())
        .collect()
}

/// The report the same records would give read as one file (a JSON
/// array), with the harness's settings: what a complete run must match.
pub(crate) fn source_report_lines(records: &[String]) -> (Vec<String>, usize, usize) {
    if records.is_empty() {
        // A file with no record is refused; an API may hold none.
        return (Vec::new(), 0, 0);
    }
    let settings =
        RunSettings::from_text("42", "2026-11-24", "2026-11-24T12:00:00Z").expect("valid settings");
    let file = format!("[{}]", records.join(","));
    let report = crate::pipeline::process_upload(file.as_bytes(), "source.json", &settings)
        .expect("the source reads as a file");
    let lines = customer_lines(&report);
    (
        lines,
        report.metadata.duplicates_removed,
        report.metadata.rejected_records,
    )
}
