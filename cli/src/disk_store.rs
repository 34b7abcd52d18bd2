//! `--keep DIR`: accepted pages kept on disk behind the core's
//! [`PageStore`], with the same identity as the page's IndexedDB (the
//! page's URL and a SHA-256 identity of the key, never the key), so a run
//! cut short resumes with only the pages it lacks.
//!
//! One file per page: a first line of JSON (`url`, `key_id`, `stored_at`)
//! and then the body as the API sent it. The file's name is a SHA-256 of
//! the URL and key identity; the first line is checked on reading, so a
//! file is only ever used for the page it was stored for.

use std::fs;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use chrono::{DateTime, Utc};
use customer_pipeline::common::dates::parse_timestamp;
use customer_pipeline::fetch::store::{PageStore, StoreError, StoreFuture, StoredPage};
use futures::future;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::report_out::write_file;

/// Pages kept in a folder.
pub(crate) struct DiskStore {
    dir: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct Header {
    url: String,
    key_id: String,
    stored_at: String,
}

const SUFFIX: &str = ".page";

fn unavailable(error: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(error.to_string())
}

impl DiskStore {
    /// The store in `dir`, made if missing.
    ///
    /// # Errors
    /// The system's message when the folder cannot be made.
    pub(crate) fn open(dir: &Path) -> std::io::Result<Self> {
        fs::create_dir_all(dir)?;
        Ok(DiskStore {
            dir: dir.to_owned(),
        })
    }

    fn path(&self, url: &str, key_id: &str) -> PathBuf {
        let mut hasher = Sha256::new();
        hasher.update(url.as_bytes());
        hasher.update(b"\n");
        hasher.update(key_id.as_bytes());
        let name: String = hasher
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        self.dir.join(name + SUFFIX)
    }

    fn read(&self, url: &str, key_id: &str) -> Result<Option<StoredPage>, StoreError> {
        let bytes = match fs::read(self.path(url, key_id)) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(unavailable(error)),
        };
        Ok(parse(&bytes)
            .filter(|(header, _)| header.url == url && header.key_id == key_id)
            .and_then(|(header, body)| {
                Some(StoredPage {
                    body: Rc::new(body.to_vec()),
                    stored_at: parse_timestamp(&header.stored_at)?,
                })
            }))
    }

    fn write(&self, url: &str, key_id: &str, page: &StoredPage) -> Result<(), StoreError> {
        let header = Header {
            url: url.to_owned(),
            key_id: key_id.to_owned(),
            stored_at: page
                .stored_at
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        };
        let line = serde_json::to_vec(&header).map_err(unavailable)?;
        write_file(&self.path(url, key_id), |out| {
            out.write_all(&line)?;
            out.write_all(b"\n")?;
            out.write_all(&page.body)
        })
        .map_err(|failure| unavailable(failure.message()))
    }

    /// Deletes the pages stored before `cutoff`: they are never used
    /// again. Files that are not pages are left alone.
    pub(crate) fn delete_older_than(&self, cutoff: DateTime<Utc>) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if !path.to_string_lossy().ends_with(SUFFIX) {
                continue;
            }
            let old = fs::read(&path).ok().and_then(|bytes| {
                let (header, _) = parse(&bytes)?;
                Some(parse_timestamp(&header.stored_at)? < cutoff)
            });
            if old == Some(true) {
                let _ = fs::remove_file(path);
            }
        }
    }
}

fn parse(bytes: &[u8]) -> Option<(Header, &[u8])> {
    let end = bytes.iter().position(|&byte| byte == b'\n')?;
    let header: Header = serde_json::from_slice(&bytes[..end]).ok()?;
    Some((header, &bytes[end + 1..]))
}

impl PageStore for DiskStore {
    fn get(&self, url: &str, key_id: &str) -> StoreFuture<Option<StoredPage>> {
        Box::pin(future::ready(self.read(url, key_id)))
    }

    fn put(&self, url: &str, key_id: &str, page: StoredPage) -> StoreFuture<()> {
        Box::pin(future::ready(self.write(url, key_id, &page)))
    }

    fn remove(&self, url: &str, key_id: &str) -> StoreFuture<()> {
        let result = match fs::remove_file(self.path(url, key_id)) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(unavailable(error)),
            _ => Ok(()),
        };
        Box::pin(future::ready(result))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;

    #[test]
    fn a_page_is_found_by_its_url_and_key_identity_only() {
        let dir = std::env::temp_dir().join(format!("cp-disk-store-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let store = DiskStore::open(&dir).unwrap();
        let at = parse_timestamp("2026-11-24T12:00:00Z").unwrap();
        let body = Rc::new(b"{\"page\": 1}".to_vec());
        let page = StoredPage {
            body,
            stored_at: at,
        };
        block_on(store.put("http://h/api?page=1", "sha256-a", page.clone())).unwrap();
        let found = block_on(store.get("http://h/api?page=1", "sha256-a")).unwrap();
        assert_eq!(found, Some(page));
        assert_eq!(
            block_on(store.get("http://h/api?page=1", "sha256-b")).unwrap(),
            None
        );
        assert_eq!(
            block_on(store.get("http://h/api?page=2", "sha256-a")).unwrap(),
            None
        );
        // Old pages go; younger ones stay.
        store.delete_older_than(at);
        assert!(block_on(store.get("http://h/api?page=1", "sha256-a"))
            .unwrap()
            .is_some());
        store.delete_older_than(at + chrono::TimeDelta::seconds(1));
        assert_eq!(
            block_on(store.get("http://h/api?page=1", "sha256-a")).unwrap(),
            None
        );
        block_on(store.remove("http://h/api?page=9", "no-key")).unwrap();
        fs::remove_dir_all(dir).unwrap();
    }
}
