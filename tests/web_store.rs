//! The IndexedDB page store in a real browser (Chromium and Firefox):
//! writing and reading back, ages, forgetting, the space used, how browser
//! errors are read (a full disk is a quota error), and runs of the real
//! adapter (`fetchAndProcess` with `keep`) against the mock API, including
//! one whose device store fails as a full disk does. `scripts/test.sh`
//! starts the mock and passes its address at compile time as `MOCK_API_URL`.
#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use chrono::{DateTime, TimeDelta, Utc};
use customer_pipeline::fetch::store::{PageStore, StoreError, StoreFuture, StoreUsage, StoredPage};
use customer_pipeline::web::store::{store_error, IdbStore};
use customer_pipeline::web::{
    clear_cache, fetch_and_process_with, forget_stored_pages, stored_pages,
};
use futures::FutureExt;
use wasm_bindgen_test::*;

mod browser;
use browser::{mock_url, Events, Run};

wasm_bindgen_test_configure!(run_in_browser);

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("valid time")
        .with_timezone(&Utc)
}

/// A store of its own for each test, emptied first.
async fn fresh(name: &str) -> IdbStore {
    let store = IdbStore::open(name).await;
    store.clear().await.expect("a fresh store");
    store
}

/// A page of `text`, stored at `stored_at`.
fn page(text: &str, stored_at: DateTime<Utc>) -> StoredPage {
    StoredPage {
        body: Rc::new(text.as_bytes().to_vec()),
        stored_at,
    }
}

#[wasm_bindgen_test]
async fn a_page_is_written_and_read_back_by_url_and_key_identity() {
    let store = fresh("test-write-read").await;
    let stored_at = at("2026-11-25T10:04:00.123Z");
    let kept = page(r#"{"page":7,"data":[{"id":1}]}"#, stored_at);
    store
        .put("http://api.test/users?page=7", "sha256-ab", kept.clone())
        .await
        .expect("put");
    let read = store
        .get("http://api.test/users?page=7", "sha256-ab")
        .await
        .expect("get");
    assert_eq!(read, Some(kept));
    for (url, key_id) in [
        ("http://api.test/users?page=7", "no-key"),
        ("http://api.test/users?page=8", "sha256-ab"),
        ("http://api.test/users?page=7&per_page=3", "sha256-ab"),
    ] {
        assert_eq!(store.get(url, key_id).await, Ok(None), "{url} {key_id}");
    }
    // Replacing keeps one record.
    store
        .put(
            "http://api.test/users?page=7",
            "sha256-ab",
            page("{}", stored_at),
        )
        .await
        .expect("put again");
    assert_eq!(store.usage().await, Ok(StoreUsage { pages: 1, bytes: 2 }));
    store
        .remove("http://api.test/users?page=7", "sha256-ab")
        .await
        .expect("remove");
    assert_eq!(
        store.get("http://api.test/users?page=7", "sha256-ab").await,
        Ok(None)
    );
    store.close();
}

#[wasm_bindgen_test]
async fn pages_past_their_age_are_deleted_and_forget_clears_everything() {
    let store = fresh("test-expiry").await;
    let start = at("2026-11-24T10:00:00Z");
    for hour in 0..4 {
        let stored_at = start + TimeDelta::hours(hour);
        store
            .put(
                &format!("http://api.test/users?page={}", hour + 1),
                "no-key",
                page("12345", stored_at),
            )
            .await
            .expect("put");
    }
    assert_eq!(
        store.usage().await,
        Ok(StoreUsage {
            pages: 4,
            bytes: 20
        })
    );
    let deleted = store
        .delete_older_than(start + TimeDelta::hours(1))
        .await
        .expect("delete old pages");
    assert_eq!(deleted, 2, "stored at or before the cutoff");
    assert_eq!(
        store.get("http://api.test/users?page=2", "no-key").await,
        Ok(None)
    );
    assert!(store
        .get("http://api.test/users?page=3", "no-key")
        .await
        .expect("get")
        .is_some());
    assert_eq!(store.usage().await.map(|u| u.pages), Ok(2));
    store.clear().await.expect("forget");
    assert_eq!(store.usage().await, Ok(StoreUsage::default()));
    store.close();
}

#[wasm_bindgen_test]
async fn a_closed_store_fails_with_a_reason_instead_of_panicking() {
    let store = fresh("test-closed").await;
    store.close();
    match store.get("u", "no-key").await {
        Err(StoreError::Unavailable(reason)) => assert!(!reason.is_empty()),
        other => panic!("expected an unavailable store, got {other:?}"),
    }
}

#[wasm_bindgen_test]
fn browser_errors_are_read_by_name_a_full_disk_is_a_quota_error() {
    let quota = web_sys::DomException::new_with_message_and_name(
        "The quota has been exceeded.",
        "QuotaExceededError",
    )
    .expect("DOMException");
    assert_eq!(
        store_error(&quota.into()),
        StoreError::Quota("QuotaExceededError: The quota has been exceeded.".into())
    );
    let other = web_sys::DomException::new_with_message_and_name("gone", "InvalidStateError")
        .expect("DOMException");
    assert_eq!(
        store_error(&other.into()),
        StoreError::Unavailable("InvalidStateError: gone".into())
    );
    assert_eq!(
        store_error(&js_sys::Error::new("odd").into()),
        StoreError::Unavailable("Error: odd".into())
    );
}

// ---------- the adapter, against the mock API ----------

/// The device store with writes failing as on a full disk: the browser's
/// own `QuotaExceededError`, read by the adapter's [`store_error`].
struct FullDisk(IdbStore);

impl PageStore for FullDisk {
    fn get(&self, url: &str, key_id: &str) -> StoreFuture<Option<StoredPage>> {
        self.0.get(url, key_id)
    }

    fn put(&self, _url: &str, _key_id: &str, _page: StoredPage) -> StoreFuture<()> {
        let error = web_sys::DomException::new_with_message_and_name(
            "The quota has been exceeded.",
            "QuotaExceededError",
        )
        .map_or_else(|e| store_error(&e), |quota| store_error(&quota.into()));
        futures::future::ready(Err(error)).boxed_local()
    }

    fn remove(&self, url: &str, key_id: &str) -> StoreFuture<()> {
        self.0.remove(url, key_id)
    }
}

/// A run with `keep` of the twelve reqres users (2 pages) from the mock,
/// with the device store wrapped by `wrap`.
async fn keep_run<S: PageStore>(scenario: &str, wrap: impl FnOnce(IdbStore) -> S) -> Run {
    clear_cache();
    let url = format!("{}/api/users?{scenario}", mock_url());
    let form = format!(
        r#"{{"url": "{url}", "seed": "42", "asOf": "2026-11-24", "keep": true, "keepHours": "1"}}"#
    );
    let events = Events::new();
    let controller = web_sys::AbortController::new().expect("AbortController");
    let result = fetch_and_process_with(form, events.on_event(), controller.signal(), wrap)
        .await
        .map_err(|error| format!("{error:?}"));
    events.run(result)
}

async fn stored() -> serde_json::Value {
    let json = stored_pages().await.expect("storedPages");
    serde_json::from_str(&json).expect("JSON")
}

#[wasm_bindgen_test]
async fn a_run_that_keeps_pages_is_repeated_from_the_device_without_requests() {
    forget_stored_pages().await.expect("forgetStoredPages");
    assert_eq!(stored().await, serde_json::json!({"pages": 0, "bytes": 0}));
    let scenario = "failure_rate=0&seed=301";

    let first = keep_run(scenario, |store| store).await;
    assert_eq!(first.metadata()["complete"], true);
    assert_eq!(first.metadata()["fetch"]["requests"], 2);
    let kept = stored().await;
    assert_eq!(kept["pages"], 2);
    assert!(kept["bytes"].as_u64().unwrap_or(0) > 500, "{kept}");

    // As after a reload: the memory cache is empty (keep_run clears it).
    let again = keep_run(scenario, |store| store).await;
    let metadata = again.metadata();
    assert_eq!(metadata["complete"], true);
    assert_eq!(metadata["total_customers"], 12);
    assert_eq!(metadata["fetch"]["requests"], 0, "nothing requested");
    let fetched = again.of_kind("page_fetched");
    assert_eq!(fetched.len(), 2);
    for event in fetched {
        assert_eq!(event["source"], "device");
        assert!(event["stored_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')));
        let message = event["message"].as_str().unwrap_or_default();
        assert!(message.contains(": from this device, stored "), "{message}");
        assert!(message.ends_with(" UTC (6 records)"), "{message}");
    }

    forget_stored_pages().await.expect("forgetStoredPages");
    assert_eq!(stored().await["pages"], 0);
}

#[wasm_bindgen_test]
async fn a_full_disk_warns_once_and_the_run_completes_in_memory() {
    forget_stored_pages().await.expect("forgetStoredPages");
    let run = keep_run("failure_rate=0&seed=302", FullDisk).await;
    let metadata = run.metadata();
    assert_eq!(metadata["complete"], true);
    assert_eq!(metadata["total_customers"], 12);
    assert_eq!(metadata["warnings"], serde_json::json!([]));
    let warnings = run.of_kind("warning");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0]["code"], "store_unavailable");
    assert_eq!(warnings[0]["level"], "warn");
    let message = warnings[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("storage on the device is full (QuotaExceededError"),
        "{message}"
    );
    assert!(message.contains("this run goes on in memory"), "{message}");
    assert_eq!(stored().await["pages"], 0, "nothing was kept");
}
