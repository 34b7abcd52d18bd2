//! Pages kept on the device between runs (opt-in), so that a run cut short
//! by a reload or a crash resumes where it stopped. The store is a small
//! async trait: the browser adapter implements it with IndexedDB, tests
//! with a fake that fails on demand.
//!
//! The fetcher treats a stored page like a cached one: it is judged the
//! same way before it is used, pages older than the chosen age are fetched
//! again, and a store that fails (a full disk, storage switched off) never
//! fails the run: it warns once and goes on in memory.
//!
//! The API key is never stored. A stored page is keyed by its URL (which
//! holds `page` and `per_page`) and [`stored_key_identity`], a SHA-256 of
//! the key.

use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use futures::future::LocalBoxFuture;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::common::errors::error_codes;

/// A page body kept on the device, and when it was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPage {
    /// The body, a JSON page envelope as the API sent it.
    pub body: Rc<Vec<u8>>,
    /// When it was stored.
    pub stored_at: DateTime<Utc>,
}

/// Why the store could not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// The storage this site may use on the device is full; the text is
    /// what the platform said.
    Quota(String),
    /// Storage is unavailable (switched off, private browsing, blocked) or
    /// failed otherwise; the text is what the platform said.
    Unavailable(String),
}

error_codes!(
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // used by the page (web)
    pub(crate) StoreError {
        Quota => "store_full",
        Unavailable => "store_unavailable",
    }
);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Quota(detail) => {
                write!(f, "this site's storage on the device is full ({detail})")
            }
            StoreError::Unavailable(detail) => {
                write!(f, "storage on this device is unavailable ({detail})")
            }
        }
    }
}

impl std::error::Error for StoreError {}

/// What a store's call returns: a future that owns what it needs, so
/// calls may overlap (pages are fetched concurrently).
pub type StoreFuture<T> = LocalBoxFuture<'static, Result<T, StoreError>>;

/// Page bodies kept on the device, by page URL and key identity.
pub trait PageStore {
    /// The page stored for `url` and `key_id`, if any (whatever its age).
    fn get(&self, url: &str, key_id: &str) -> StoreFuture<Option<StoredPage>>;

    /// Stores (or replaces) the page for `url` and `key_id`.
    fn put(&self, url: &str, key_id: &str, page: StoredPage) -> StoreFuture<()>;

    /// Forgets the page for `url` and `key_id` (nothing happens if there is none).
    fn remove(&self, url: &str, key_id: &str) -> StoreFuture<()>;
}

/// What the store holds, for the page to show.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StoreUsage {
    /// Pages stored.
    pub pages: u64,
    /// Bytes of their bodies.
    pub bytes: u64,
}

/// Separates this hash from any other SHA-256 of the same key, so tables
/// of hashed keys made for other purposes do not apply.
const KEY_IDENTITY_CONTEXT: &[u8] = b"customer-pipeline stored page key v1\n";

/// The identity of an API key in the store: `sha256-` and 64 hex digits
/// (a SHA-256 of the key with a fixed prefix), or `no-key`. Unlike the
/// memory cache's fast hash, it cannot be turned back into the key by
/// trying keys at speed, and it is kept on the device, so that matters.
pub(crate) fn stored_key_identity(api_key: Option<&str>) -> String {
    let Some(key) = api_key else {
        return "no-key".into();
    };
    let mut hasher = Sha256::new();
    hasher.update(KEY_IDENTITY_CONTEXT);
    hasher.update(key.as_bytes());
    let digest = hasher.finalize();
    let mut identity = String::with_capacity(7 + 64);
    identity.push_str("sha256-");
    for byte in digest {
        identity.push(char::from(HEX[usize::from(byte >> 4)]));
        identity.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    identity
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Whether a page stored at `stored_at` may be used at `now`: younger than
/// `keep_for`. A page stored "in the future" (the clock was changed) is
/// not trusted.
pub(crate) fn is_fresh(stored_at: DateTime<Utc>, now: DateTime<Utc>, keep_for: Duration) -> bool {
    let age = now - stored_at;
    let limit = TimeDelta::from_std(keep_for).unwrap_or(TimeDelta::MAX);
    age >= TimeDelta::zero() && age < limit
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn store_errors_have_their_codes() {
        assert_eq!(StoreError::Quota("q".into()).code(), "store_full");
        assert_eq!(
            StoreError::Unavailable("u".into()).code(),
            "store_unavailable"
        );
    }

    #[test]
    fn key_identities_are_sha256_and_never_the_key() {
        let identity = stored_key_identity(Some("secret-1"));
        assert!(identity.starts_with("sha256-"), "{identity}");
        assert_eq!(identity.len(), 7 + 64);
        assert!(!identity.contains("secret"));
        assert_eq!(identity, stored_key_identity(Some("secret-1")));
        assert_ne!(identity, stored_key_identity(Some("secret-2")));
        assert_eq!(stored_key_identity(None), "no-key");
        // Known answer: SHA-256 of the prefix followed by "k".
        let mut hasher = Sha256::new();
        hasher.update(b"customer-pipeline stored page key v1\nk");
        let expected: String = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(stored_key_identity(Some("k")), format!("sha256-{expected}"));
    }

    #[test]
    fn freshness_is_an_age_below_the_limit() {
        let day = Duration::from_secs(24 * 3600);
        let now = at("2026-11-25T10:04:00Z");
        assert!(is_fresh(at("2026-11-25T10:04:00Z"), now, day));
        assert!(is_fresh(at("2026-11-24T10:04:01Z"), now, day));
        assert!(!is_fresh(at("2026-11-24T10:04:00Z"), now, day));
        assert!(!is_fresh(at("2026-11-25T10:05:00Z"), now, day), "future");
        assert!(is_fresh(at("2000-01-01T00:00:00Z"), now, Duration::MAX));
    }

    #[test]
    fn errors_say_what_happened() {
        assert_eq!(
            StoreError::Quota("QuotaExceededError".into()).to_string(),
            "this site's storage on the device is full (QuotaExceededError)"
        );
        assert_eq!(
            StoreError::Unavailable("no IndexedDB".into()).to_string(),
            "storage on this device is unavailable (no IndexedDB)"
        );
    }
}
