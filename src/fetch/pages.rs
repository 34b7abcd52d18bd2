//! The in-memory page cache.

use std::collections::HashMap;
use std::rc::Rc;

use super::limiter::KnownBudget;
use crate::common::hash::hash_bytes;

/// A stand-in for the API key in cache keys: a hash, so the key itself is
/// never stored, and pages fetched with one key are not served for another.
pub(crate) fn key_identity(api_key: Option<&str>) -> String {
    match api_key {
        None => "no-key".into(),
        Some(key) => format!("key-{:016x}", hash_bytes(key.as_bytes())),
    }
}

/// Successful page bodies, kept for the page's lifetime so that a rerun
/// (another seed, or retrying failed pages) costs no requests; and the
/// budget each API last announced, so that the next run or preview follows
/// it from its first request (a run whose page 1 comes from here has no
/// answer of its own to read it from before its concurrent requests).
#[derive(Debug, Default)]
pub struct PageCache {
    pages: HashMap<(String, String), Rc<Vec<u8>>>,
    /// By the API's origin and the key's identity (a budget is counted per
    /// key).
    budgets: HashMap<(String, String), KnownBudget>,
}

impl PageCache {
    /// An empty cache.
    pub fn new() -> Self {
        PageCache::default()
    }

    /// The cached body of `url` fetched with `api_key`, if any.
    pub(crate) fn get(&self, url: &str, api_key: Option<&str>) -> Option<Rc<Vec<u8>>> {
        self.pages
            .get(&(url.to_owned(), key_identity(api_key)))
            .cloned()
    }

    /// Keeps a successful body.
    pub(crate) fn put(&mut self, url: &str, api_key: Option<&str>, body: Rc<Vec<u8>>) {
        self.pages
            .insert((url.to_owned(), key_identity(api_key)), body);
    }

    /// Forgets one body.
    pub(crate) fn remove(&mut self, url: &str, api_key: Option<&str>) {
        self.pages.remove(&(url.to_owned(), key_identity(api_key)));
    }

    /// Number of cached pages.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // used by the page (web)
    pub(crate) fn len(&self) -> usize {
        self.pages.len()
    }

    /// What the last run of the API at `origin` with `api_key` knew of
    /// its budget, if it knew anything.
    pub(crate) fn budget(&self, origin: &str, api_key: Option<&str>) -> Option<KnownBudget> {
        self.budgets
            .get(&(origin.to_owned(), key_identity(api_key)))
            .copied()
    }

    /// Keeps what a run of the API at `origin` with `api_key` knew of its
    /// budget when it ended, in place of any earlier run's.
    pub(crate) fn keep_budget(&mut self, origin: &str, api_key: Option<&str>, known: KnownBudget) {
        self.budgets
            .insert((origin.to_owned(), key_identity(api_key)), known);
    }

    /// Forgets every page. What the APIs announced of their budgets is
    /// kept: fetching the pages again spends the same budget.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // used by the page (web)
    pub(crate) fn clear(&mut self) {
        self.pages.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_separates_api_keys_and_never_stores_them() {
        let mut cache = PageCache::new();
        cache.put("u", Some("secret-1"), Rc::new(b"a".to_vec()));
        assert_eq!(
            cache.get("u", Some("secret-1")).as_deref(),
            Some(&b"a".to_vec())
        );
        assert!(cache.get("u", Some("secret-2")).is_none());
        assert!(cache.get("u", None).is_none());
        assert!(!format!("{cache:?}").contains("secret"));
        assert_ne!(key_identity(Some("ab")), key_identity(Some("ba")));
    }

    #[test]
    fn a_budget_is_kept_per_origin_and_key_and_outlives_the_pages() {
        use super::super::budget::RateSource;
        use super::super::limiter::KnownWindow;
        let mut cache = PageCache::new();
        let left = |left: u64| KnownBudget {
            window: Some(KnownWindow {
                left,
                reset: chrono::DateTime::UNIX_EPOCH,
                source: RateSource::XRateLimit,
                spent: false,
            }),
            ..KnownBudget::default()
        };
        let window = |known: Option<KnownBudget>| known.and_then(|known| known.window);
        cache.keep_budget("http://h", Some("k"), left(3));
        cache.keep_budget("http://h", Some("k"), left(2));
        assert_eq!(window(cache.budget("http://h", Some("k"))), left(2).window);
        assert!(cache.budget("http://h", Some("other")).is_none());
        assert!(cache.budget("http://h", None).is_none());
        assert!(cache.budget("http://g", Some("k")).is_none());
        cache.clear();
        assert_eq!(window(cache.budget("http://h", Some("k"))), left(2).window);
    }
}
