//! The in-memory page cache.

use std::collections::HashMap;
use std::rc::Rc;

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
/// (another seed, or retrying failed pages) costs no requests.
#[derive(Debug, Default)]
pub struct PageCache {
    pages: HashMap<(String, String), Rc<Vec<u8>>>,
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
    pub fn len(&self) -> usize {
        self.pages.len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
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
}
