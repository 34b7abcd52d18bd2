//! Pages kept on the device between runs: a run cut short resumes with the
//! pages it lacks, stored pages expire, and a failing store (a full disk)
//! never fails a run. A fake store stands in for IndexedDB.

use std::rc::Rc;
use std::time::Duration;

use super::support::{config, FakeStore, Harness, ScriptedApi, Step, StoreOp};
use crate::common::events::Level;
use crate::fetch::events::{EventKind, FetchEvent, PageSource};
use crate::fetch::fetcher::{FetchConfig, FetchOutcome};
use crate::fetch::store::{StoreError, StoredPage};
use crate::provenance::{FailureCode, WarningCode};

const DAY: Duration = Duration::from_secs(24 * 3600);

fn keeping() -> FetchConfig {
    FetchConfig {
        keep_for: Some(DAY),
        ..config()
    }
}

/// 30 records, 6 per page: 5 pages.
fn five_pages() -> ScriptedApi {
    ScriptedApi::new(30, 6)
}

/// A device store, and a harness of five pages that keeps pages in it.
fn kept_on_device() -> (Rc<FakeStore>, Harness) {
    let store = FakeStore::new();
    let harness = Harness::new(five_pages()).with_store(Rc::clone(&store));
    (store, harness)
}

/// A kept run whose store fails its first `op` with `error`: the run
/// completes all the same.
fn run_failing_once(op: StoreOp, error: StoreError) -> (Rc<FakeStore>, Harness, FetchOutcome) {
    let (store, harness) = kept_on_device();
    store.fail(op, [error]);
    let outcome = harness.run(&keeping());
    assert!(outcome.provenance.complete);
    (store, harness, outcome)
}

fn device_pages(harness: &Harness) -> Vec<u64> {
    page_events(harness, PageSource::Device)
}

fn page_events(harness: &Harness, wanted: PageSource) -> Vec<u64> {
    let mut pages: Vec<u64> = harness
        .logged()
        .into_iter()
        .filter_map(|event| match event.kind {
            EventKind::PageFetched { page, source, .. } if source == wanted => Some(page),
            _ => None,
        })
        .collect();
    pages.sort_unstable();
    pages
}

fn store_warnings(harness: &Harness) -> Vec<FetchEvent> {
    harness
        .logged()
        .into_iter()
        .filter(|event| {
            matches!(
                event.kind,
                EventKind::Warning {
                    code: WarningCode::StoreUnavailable,
                    ..
                }
            )
        })
        .collect()
}

/// The report's customers, as JSON lines, for comparing runs.
fn customers(harness: &Harness, outcome: &FetchOutcome) -> String {
    let json = String::from_utf8(harness.report(outcome).to_json()).expect("the report is UTF-8");
    let start = json
        .find("\n  \"customers\": [")
        .expect("the report lists customers");
    json[start..].to_owned()
}

#[test]
fn a_run_keeps_its_pages_and_a_rerun_after_a_reload_requests_none() {
    let (store, harness) = kept_on_device();
    let first = harness.run(&keeping());
    assert!(first.provenance.complete);
    assert_eq!(store.stored_pages(), [1, 2, 3, 4, 5]);
    assert_eq!(page_events(&harness, PageSource::Network), [1, 2, 3, 4, 5]);

    // A reload: the tab's memory cache is gone, the device's store is not.
    harness.cache.borrow_mut().clear();
    harness.events.borrow_mut().clear();
    let again = harness.run(&keeping());
    assert!(again.provenance.complete);
    assert_eq!(harness.api.requests(), 5, "the rerun requests nothing");
    assert_eq!(device_pages(&harness), [1, 2, 3, 4, 5]);
    assert_eq!(again.provenance.stats.cache_hits, 5);
    assert_eq!(first.provenance.stats.pages_from_device, 0);
    assert_eq!(first.provenance.stats.pages_from_network, 5);
    assert_eq!(again.provenance.stats.pages_from_device, 5);
    assert_eq!(again.provenance.stats.pages_from_network, 0);
    harness.assert_logged("Fetched all 5 pages: 5 pages from this device, 0 fetched");
    harness.assert_logged("Page 3: from this device, stored 2026-11-24 12:00 UTC (6 records)");
    let event = harness
        .logged()
        .into_iter()
        .find(|e| matches!(e.kind, EventKind::PageFetched { page: 3, .. }))
        .unwrap();
    assert_eq!(
        event.kind,
        EventKind::PageFetched {
            page: 3,
            records: 6,
            source: PageSource::Device,
            stored_at: Some("2026-11-24T12:00:00Z".into()),
        }
    );
    assert_eq!(customers(&harness, &first), customers(&harness, &again));

    // Within the same tab, the memory cache answers first.
    harness.events.borrow_mut().clear();
    harness.run(&keeping());
    assert_eq!(page_events(&harness, PageSource::Memory), [1, 2, 3, 4, 5]);
}

#[test]
fn a_run_cut_short_resumes_with_only_the_pages_it_lacks() {
    let store = FakeStore::new();
    let mut one_at_a_time = keeping();
    one_at_a_time.concurrency = 1;
    // The tab closes while page 4 is on its way.
    let cut =
        Harness::new(five_pages().script(4, [Step::CancelAndHang])).with_store(Rc::clone(&store));
    assert!(cut.run(&one_at_a_time).provenance.cancelled);
    assert_eq!(store.stored_pages(), [1, 2, 3]);

    // After the reload: a new tab, the same device.
    let resumed = Harness::new(five_pages()).with_store(Rc::clone(&store));
    let outcome = resumed.run(&one_at_a_time);
    assert!(outcome.provenance.complete);
    let requested: Vec<u64> = resumed.api.served.borrow().iter().map(|s| s.page).collect();
    assert_eq!(requested, [4, 5], "only the pages not stored");
    assert_eq!(device_pages(&resumed), [1, 2, 3]);
    assert_eq!(outcome.provenance.stats.pages_from_device, 3);
    assert_eq!(outcome.provenance.stats.pages_from_network, 2);
    resumed.assert_logged("Fetched all 5 pages: 3 pages from this device, 2 fetched");
    assert_eq!(store.stored_pages(), [1, 2, 3, 4, 5]);

    let whole = Harness::new(five_pages());
    let uninterrupted = whole.run(&config());
    assert_eq!(
        customers(&resumed, &outcome),
        customers(&whole, &uninterrupted),
        "the same report as an uninterrupted run"
    );
    assert_eq!(
        resumed.report(&outcome).metadata.total_customers,
        whole.report(&uninterrupted).metadata.total_customers
    );
}

#[test]
fn pages_older_than_the_chosen_age_are_fetched_again() {
    let (store, harness) = kept_on_device();
    harness.run(&keeping());
    // A day later (the fake clock moves with the waits it records).
    harness
        .time
        .elapsed
        .set(harness.time.elapsed.get() + DAY + Duration::from_secs(1));
    harness.cache.borrow_mut().clear();
    harness.events.borrow_mut().clear();
    let two_days = FetchConfig {
        keep_for: Some(2 * DAY),
        ..config()
    };
    harness.run(&two_days);
    assert_eq!(harness.api.requests(), 5, "younger than two days: reused");
    assert_eq!(device_pages(&harness), [1, 2, 3, 4, 5]);

    harness.cache.borrow_mut().clear();
    harness.events.borrow_mut().clear();
    assert!(harness.run(&keeping()).provenance.complete);
    assert_eq!(
        harness.api.requests(),
        10,
        "older than a day: fetched again"
    );
    assert!(device_pages(&harness).is_empty());
    let now = harness.time.elapsed.get();
    assert!(store
        .pages
        .borrow()
        .values()
        .all(|page| page.stored_at.timestamp() == 1_795_521_600 + now.as_secs() as i64));
}

#[test]
fn a_full_disk_warns_once_and_the_run_completes_in_memory() {
    let quota = StoreError::Quota("QuotaExceededError".into());
    let (store, harness, outcome) = run_failing_once(StoreOp::Put, quota);
    assert_eq!(harness.report(&outcome).metadata.total_customers, 30);
    let warnings = store_warnings(&harness);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].level, Level::Warn);
    assert!(
        warnings[0].message.contains(
            "cannot keep pages on this device: this site's storage on the device is full \
             (QuotaExceededError); this run goes on in memory"
        ),
        "{}",
        warnings[0].message
    );
    assert_eq!(store.calls_of(StoreOp::Put), 1, "nothing more is stored");
    assert!(store.pages.borrow().is_empty());
    assert!(
        outcome.provenance.warnings.is_empty(),
        "the data is whole: not a warning of the report"
    );
    // The memory cache still holds every page.
    let before = harness.api.requests();
    harness.run(&keeping());
    assert_eq!(harness.api.requests(), before);
}

#[test]
fn a_store_that_cannot_be_read_warns_once_and_everything_is_fetched() {
    let disabled = StoreError::Unavailable("IndexedDB is disabled".into());
    let (store, harness, _) = run_failing_once(StoreOp::Get, disabled);
    assert_eq!(harness.api.requests(), 5);
    assert_eq!(store_warnings(&harness).len(), 1);
    assert_eq!(
        store.calls_of(StoreOp::Get),
        1,
        "the store is left alone after it failed"
    );
    assert_eq!(store.calls_of(StoreOp::Put), 0);
}

#[test]
fn another_key_does_not_see_the_pages_and_no_key_is_stored() {
    let (store, harness) = kept_on_device();
    let with_key = |key: &str| FetchConfig {
        api_key: Some(key.into()),
        ..keeping()
    };
    harness.run(&with_key("secret-one"));
    harness.cache.borrow_mut().clear();
    harness.run(&with_key("secret-two"));
    assert_eq!(harness.api.requests(), 10, "every page fetched again");
    harness.cache.borrow_mut().clear();
    harness.run(&with_key("secret-one"));
    assert_eq!(harness.api.requests(), 10);
    let ids = store.key_ids();
    // The SHA-256 of the store's prefix and the key (`src/fetch/store.rs`).
    let secret_one = "sha256-60c653ef7a9c444289a4d653070bd2dfe8eebd5dfa4e03c6b67e18310c13677a";
    assert!(ids.iter().any(|id| id == secret_one));
    assert!(ids.iter().all(|id| id.starts_with("sha256-")));
    assert!(!ids.iter().any(|id| id.contains("secret")));
    harness.cache.borrow_mut().clear();
    harness.run(&keeping());
    assert_eq!(harness.api.requests(), 15, "no key is another identity");
}

#[test]
fn not_keeping_never_touches_the_store() {
    let store = FakeStore::new();
    let harness = Harness::new(ScriptedApi::new(24, 6).script(4, vec![Step::Repeat(2); 4]))
        .with_store(Rc::clone(&store));
    let mut cfg = config();
    cfg.concurrency = 1;
    harness.run(&cfg);
    assert!(store.calls.borrow().is_empty());
}

#[test]
fn short_pages_are_not_kept_and_repeated_pages_are_forgotten() {
    let store = FakeStore::new();
    let harness = Harness::new(
        ScriptedApi::new(24, 6)
            .script(2, [Step::Short(2), Step::Short(2)])
            .script(4, vec![Step::Repeat(3); 4]),
    )
    .with_store(Rc::clone(&store));
    let mut cfg = keeping();
    cfg.concurrency = 1;
    let outcome = harness.run(&cfg);
    let failed = super::support::failed_pages(&outcome);
    assert_eq!(
        failed,
        [
            (2, FailureCode::ShortPage),
            (3, FailureCode::RepeatedPage),
            (4, FailureCode::RepeatedPage)
        ]
    );
    assert_eq!(
        store.stored_pages(),
        [1],
        "page 3 was stored, then forgotten"
    );
    assert_eq!(store.calls_of(StoreOp::Remove), 1);

    // After a reload, the failed pages are asked again.
    harness.cache.borrow_mut().clear();
    let before = harness.api.requests();
    assert!(harness.run(&cfg).provenance.complete);
    let asked: Vec<u64> = harness.api.served.borrow()[before..]
        .iter()
        .map(|s| s.page)
        .collect();
    assert_eq!(asked, [2, 3, 4]);
}

#[test]
fn a_stored_page_is_judged_like_a_fresh_one() {
    let store = FakeStore::new();
    let api = five_pages();
    // Page 2 as kept: it names page 1, as an API that ignored `page` once did.
    let wrong = api.page_body(1).into_bytes();
    let url = "https://api.test/api/users?page=2".to_owned();
    store.pages.borrow_mut().insert(
        (url, "no-key".to_owned()),
        StoredPage {
            body: Rc::new(wrong),
            stored_at: chrono::DateTime::from_timestamp(1_795_521_600, 0).unwrap(),
        },
    );
    let harness = Harness::new(api).with_store(Rc::clone(&store));
    let outcome = harness.run(&keeping());
    assert!(outcome.provenance.complete);
    assert_eq!(harness.api.requests_for(2), 1, "fetched again");
    assert!(device_pages(&harness).is_empty());
    let kept = store.pages.borrow();
    let page2 = kept
        .iter()
        .find(|((url, _), _)| url.ends_with("page=2"))
        .map(|(_, page)| page.body.clone())
        .unwrap();
    assert_eq!(*page2, harness.api.page_body(2).into_bytes(), "replaced");
}

#[test]
fn ignoring_cached_pages_ignores_the_stored_ones_but_replaces_them() {
    let (store, harness) = kept_on_device();
    harness.run(&keeping());
    harness.cache.borrow_mut().clear();
    let refresh = FetchConfig {
        refresh: true,
        ..keeping()
    };
    harness.run(&refresh);
    assert_eq!(harness.api.requests(), 10);
    assert_eq!(store.calls_of(StoreOp::Get), 5, "only the first run read");
    assert_eq!(store.calls_of(StoreOp::Put), 10);
}
