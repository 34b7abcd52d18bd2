//! What the integration tests share with the crate's fetch tests
//! (`src/fetch/tests.rs` includes this file): a customer looked up in a
//! report's JSON, and the golden files' check.
#![allow(dead_code)] // Each test uses a different part.

/// The customer with `id` in a report's JSON; panics when there is none.
pub fn customer(report: &serde_json::Value, id: u64) -> &serde_json::Value {
    report["customers"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["customer_id"] == id))
        .unwrap_or_else(|| panic!("customer {id} is in the report"))
}

/// Compares `bytes` with `tests/fixtures/golden/<name>` (or writes it, with
/// `UPDATE_GOLDEN` set).
pub fn golden(name: &str, bytes: &[u8]) {
    let path = format!(
        "{}/tests/fixtures/golden/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(format!(
            "{}/tests/fixtures/golden",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("the golden folder");
        std::fs::write(&path, bytes).expect("writable");
    }
    let expected =
        std::fs::read(&path).unwrap_or_else(|_| panic!("{path} (UPDATE_GOLDEN=1 writes it)"));
    assert!(
        bytes == expected.as_slice(),
        "{name} differs from {path}:\n{}",
        String::from_utf8_lossy(bytes)
    );
}
