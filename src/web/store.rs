//! The device's page store: IndexedDB, used from the worker (or from the
//! page, in the browser tests).
//!
//! One database, [`super::DATABASE`], with one object store, `pages`, of
//! `{url, key_id, stored_at_ms, bytes, body}` records keyed by
//! `[url, key_id]`; `body` is a `Uint8Array`. Two indexes: `stored_at_ms`,
//! to delete pages past their age without reading them, and `bytes`, to
//! count the space used without reading the bodies.
//!
//! IndexedDB reports through events; each request or transaction here is
//! turned into a promise whose resolve and reject functions are the event
//! handlers, and awaited. Every failure becomes a [`StoreError`]: a
//! `QuotaExceededError` is [`StoreError::Quota`], anything else
//! [`StoreError::Unavailable`] with what the browser said.

use std::rc::Rc;

use chrono::{DateTime, Utc};
use futures::FutureExt;
use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    DomException, IdbCursor, IdbDatabase, IdbFactory, IdbKeyRange, IdbObjectStore,
    IdbObjectStoreParameters, IdbRequest, IdbTransaction, IdbTransactionMode,
};

use crate::fetch::store::{PageStore, StoreError, StoreFuture, StoreUsage, StoredPage};

const VERSION: u32 = 1;
const PAGES: &str = "pages";
const BY_AGE: &str = "stored_at_ms";
const BY_SIZE: &str = "bytes";

/// Pages kept in IndexedDB. Opening never fails: a database that cannot
/// be opened (no IndexedDB, storage switched off) makes every operation
/// fail with the reason, so the fetcher warns once and goes on in memory.
#[derive(Clone)]
pub struct IdbStore {
    db: Result<IdbDatabase, StoreError>,
}

impl IdbStore {
    /// Opens (creating it the first time) the database `name`; the page
    /// uses [`super::DATABASE`].
    pub async fn open(name: &str) -> IdbStore {
        IdbStore {
            db: open_database(name).await,
        }
    }

    /// Closes the connection; later operations fail.
    pub fn close(&self) {
        if let Ok(db) = &self.db {
            db.close();
        }
    }

    /// How many pages are stored and the bytes of their bodies.
    ///
    /// # Errors
    /// [`StoreError`] when the database cannot be read.
    pub async fn usage(&self) -> Result<StoreUsage, StoreError> {
        let (transaction, pages) = self.pages(IdbTransactionMode::Readonly)?;
        let request = pages
            .index(BY_SIZE)
            .and_then(|index| index.open_key_cursor())
            .map_err(|e| store_error(&e))?;
        let usage = Rc::new(std::cell::Cell::new(StoreUsage::default()));
        let sum = Rc::clone(&usage);
        walk(&request, move |cursor| {
            let bytes = cursor
                .key()
                .ok()
                .and_then(|key| key.as_f64())
                .unwrap_or(0.0);
            let before = sum.get();
            sum.set(StoreUsage {
                pages: before.pages + 1,
                bytes: before.bytes + bytes.max(0.0) as u64,
            });
            Ok(())
        })
        .await?;
        drop(transaction);
        Ok(usage.get())
    }

    /// Forgets every stored page.
    ///
    /// # Errors
    /// [`StoreError`] when the database cannot be written.
    pub async fn clear(&self) -> Result<(), StoreError> {
        let (transaction, pages) = self.pages(IdbTransactionMode::Readwrite)?;
        pages.clear().map_err(|e| store_error(&e))?;
        committed(&transaction).await
    }

    /// Forgets the pages stored at or before `cutoff`; returns how many.
    ///
    /// # Errors
    /// [`StoreError`] when the database cannot be written.
    pub async fn delete_older_than(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        let (transaction, pages) = self.pages(IdbTransactionMode::Readwrite)?;
        let range = IdbKeyRange::upper_bound(&JsValue::from_f64(cutoff.timestamp_millis() as f64))
            .map_err(|e| store_error(&e))?;
        let request = pages
            .index(BY_AGE)
            .and_then(|index| index.open_key_cursor_with_range(&range))
            .map_err(|e| store_error(&e))?;
        let deleted = Rc::new(std::cell::Cell::new(0u64));
        let count = Rc::clone(&deleted);
        let store = pages.clone();
        walk(&request, move |cursor| {
            store.delete(&cursor.primary_key()?)?;
            count.set(count.get() + 1);
            Ok(())
        })
        .await?;
        committed(&transaction).await?;
        Ok(deleted.get())
    }

    /// A transaction on the `pages` store, and the store.
    fn pages(
        &self,
        mode: IdbTransactionMode,
    ) -> Result<(IdbTransaction, IdbObjectStore), StoreError> {
        let db = self.db.as_ref().map_err(Clone::clone)?;
        let transaction = db
            .transaction_with_str_and_mode(PAGES, mode)
            .map_err(|e| store_error(&e))?;
        let pages = transaction
            .object_store(PAGES)
            .map_err(|e| store_error(&e))?;
        Ok((transaction, pages))
    }
}

impl PageStore for IdbStore {
    fn get(&self, url: &str, key_id: &str) -> StoreFuture<Option<StoredPage>> {
        let store = self.clone();
        let key = record_key(url, key_id);
        async move {
            let (_transaction, pages) = store.pages(IdbTransactionMode::Readonly)?;
            let request = pages.get(&key).map_err(|e| store_error(&e))?;
            let value = request_done(&request).await?;
            Ok(read_record(&value))
        }
        .boxed_local()
    }

    fn put(&self, url: &str, key_id: &str, page: StoredPage) -> StoreFuture<()> {
        let store = self.clone();
        let record = new_record(url, key_id, &page);
        async move {
            let record = record?;
            let (transaction, pages) = store.pages(IdbTransactionMode::Readwrite)?;
            pages.put(&record).map_err(|e| store_error(&e))?;
            // A full disk shows when the transaction commits, not before.
            committed(&transaction).await
        }
        .boxed_local()
    }

    fn remove(&self, url: &str, key_id: &str) -> StoreFuture<()> {
        let store = self.clone();
        let key = record_key(url, key_id);
        async move {
            let (transaction, pages) = store.pages(IdbTransactionMode::Readwrite)?;
            pages.delete(&key).map_err(|e| store_error(&e))?;
            committed(&transaction).await
        }
        .boxed_local()
    }
}

/// What a browser error means for the store: `QuotaExceededError` (or
/// Firefox's older quota name) is a full disk, anything else makes the
/// store unavailable. The text names the error and what the browser said.
pub fn store_error(error: &JsValue) -> StoreError {
    let (name, message) = match error.dyn_ref::<DomException>() {
        Some(exception) => (exception.name(), exception.message()),
        None => match error.dyn_ref::<js_sys::Error>() {
            Some(error) => (String::from(error.name()), String::from(error.message())),
            None => ("Error".into(), error.as_string().unwrap_or_default()),
        },
    };
    let detail = if message.is_empty() {
        name.clone()
    } else {
        format!("{name}: {message}")
    };
    if name == "QuotaExceededError" || name.contains("QUOTA") {
        StoreError::Quota(detail)
    } else {
        StoreError::Unavailable(detail)
    }
}

fn dom_error(error: Option<DomException>, what: &str) -> StoreError {
    match error {
        Some(exception) => store_error(&exception.into()),
        None => StoreError::Unavailable(what.into()),
    }
}

fn record_key(url: &str, key_id: &str) -> JsValue {
    Array::of2(&JsValue::from_str(url), &JsValue::from_str(key_id)).into()
}

fn new_record(url: &str, key_id: &str, page: &StoredPage) -> Result<JsValue, StoreError> {
    let StoredPage { body, stored_at } = page;
    let record = Object::new();
    let fields: [(&str, JsValue); 5] = [
        ("url", JsValue::from_str(url)),
        ("key_id", JsValue::from_str(key_id)),
        (
            "stored_at_ms",
            JsValue::from_f64(stored_at.timestamp_millis() as f64),
        ),
        ("bytes", JsValue::from_f64(body.len() as f64)),
        ("body", Uint8Array::from(body.as_slice()).into()),
    ];
    for (name, value) in fields {
        Reflect::set(&record, &JsValue::from_str(name), &value).map_err(|e| store_error(&e))?;
    }
    Ok(record.into())
}

/// A stored record as a page; `None` when there is none, or when it is
/// not one of ours (then the page is fetched and the record replaced).
fn read_record(value: &JsValue) -> Option<StoredPage> {
    if value.is_undefined() || value.is_null() {
        return None;
    }
    let field = |name: &str| Reflect::get(value, &JsValue::from_str(name)).ok();
    let body = field("body")?.dyn_into::<Uint8Array>().ok()?.to_vec();
    let millis = field("stored_at_ms")?.as_f64()?;
    if !millis.is_finite() {
        return None;
    }
    let stored_at = DateTime::from_timestamp_millis(millis as i64)?;
    Some(StoredPage {
        body: Rc::new(body),
        stored_at,
    })
}

/// The browser's IndexedDB, in a window or a worker.
fn factory() -> Result<IdbFactory, StoreError> {
    let unavailable = || StoreError::Unavailable("this browser offers no IndexedDB here".into());
    // Reading `indexedDB` throws in some sandboxed contexts.
    let value = Reflect::get(&js_sys::global(), &JsValue::from_str("indexedDB"))
        .map_err(|e| store_error(&e))?;
    value.dyn_into::<IdbFactory>().map_err(|_| unavailable())
}

async fn open_database(name: &str) -> Result<IdbDatabase, StoreError> {
    let request = factory()?
        .open_with_u32(name, VERSION)
        .map_err(|e| store_error(&e))?;
    let opening = request.clone();
    let upgrade = Closure::<dyn FnMut()>::new(move || {
        // The first open creates the store; an error here aborts the
        // upgrade, and the open request then fails with it.
        if let Ok(db) = opening.result() {
            let _ = create_pages(&db.unchecked_into());
        }
    });
    request.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    let opened = request_done(&request).await;
    request.set_onupgradeneeded(None);
    drop(upgrade);
    opened?
        .dyn_into::<IdbDatabase>()
        .map_err(|_| StoreError::Unavailable("IndexedDB did not open the database".into()))
}

fn create_pages(db: &IdbDatabase) -> Result<(), JsValue> {
    let parameters = IdbObjectStoreParameters::new();
    let key_path = Array::of2(&JsValue::from_str("url"), &JsValue::from_str("key_id"));
    parameters.set_key_path(&key_path);
    let pages = db.create_object_store_with_optional_parameters(PAGES, &parameters)?;
    pages.create_index_with_str(BY_AGE, "stored_at_ms")?;
    pages.create_index_with_str(BY_SIZE, "bytes")?;
    Ok(())
}

/// A pending promise with its resolve and reject functions, to be used as
/// event handlers.
fn deferred() -> Result<(Promise, Function, Function), StoreError> {
    let mut handlers = None;
    // The executor runs at once, inside `Promise::new`.
    let promise = Promise::new(&mut |resolve, reject| handlers = Some((resolve, reject)));
    let (resolve, reject) =
        handlers.ok_or_else(|| StoreError::Unavailable("no promise handlers".into()))?;
    Ok((promise, resolve, reject))
}

/// Waits for one of two events: `listen` sets the handlers of the one that
/// resolves and the one that rejects, and unsets them (`None`) after.
async fn settled(
    listen: impl Fn(Option<&Function>, Option<&Function>),
) -> Result<Result<JsValue, JsValue>, StoreError> {
    let (promise, resolve, reject) = deferred()?;
    listen(Some(&resolve), Some(&reject));
    let outcome = JsFuture::from(promise).await;
    listen(None, None);
    Ok(outcome)
}

/// The result of a request, once it succeeded.
async fn request_done(request: &IdbRequest) -> Result<JsValue, StoreError> {
    let outcome = settled(|success, error| {
        request.set_onsuccess(success);
        request.set_onerror(error);
    })
    .await?;
    match outcome {
        Ok(_) => request.result().map_err(|e| store_error(&e)),
        Err(_) => Err(dom_error(
            request.error().ok().flatten(),
            "an IndexedDB request failed",
        )),
    }
}

/// Waits until `transaction` has committed; its error if it was aborted
/// (a full disk shows here).
async fn committed(transaction: &IdbTransaction) -> Result<(), StoreError> {
    let outcome = settled(|complete, abort| {
        transaction.set_oncomplete(complete);
        transaction.set_onabort(abort);
    })
    .await?;
    outcome
        .map(drop)
        .map_err(|_| dom_error(transaction.error(), "an IndexedDB transaction was aborted"))
}

/// Visits every position of a cursor request, inside the success event
/// (so the transaction stays active), until the end or an error.
async fn walk(
    request: &IdbRequest,
    mut visit: impl FnMut(&IdbCursor) -> Result<(), JsValue> + 'static,
) -> Result<(), StoreError> {
    let (promise, resolve, reject) = deferred()?;
    let stepping = request.clone();
    let fail = reject.clone();
    let step = Closure::<dyn FnMut()>::new(move || match stepping.result() {
        Ok(value) if !value.is_null() && !value.is_undefined() => {
            let cursor: IdbCursor = value.unchecked_into();
            if let Err(error) = visit(&cursor).and_then(|()| cursor.continue_()) {
                let _ = fail.call1(&JsValue::NULL, &error);
            }
        }
        _ => {
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    request.set_onsuccess(Some(step.as_ref().unchecked_ref()));
    request.set_onerror(Some(&reject));
    let outcome = JsFuture::from(promise).await;
    request.set_onsuccess(None);
    request.set_onerror(None);
    drop(step);
    outcome.map(drop).map_err(|error| {
        request
            .error()
            .ok()
            .flatten()
            .map_or_else(|| store_error(&error), |e| store_error(&e.into()))
    })
}
