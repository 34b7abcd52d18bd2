//! What the fetcher lets out (issue 17): secrets in the API URL are sent
//! but never written down, pages kept on the device are keyed without
//! them, an answer too large fails its page at once, and a redirect that
//! is no URL is not followed.

use super::support::{config, FakeStore, Harness, ScriptedApi, Step};
use crate::fetch::events::EventKind;
use crate::provenance::FailureCode;

#[test]
fn secrets_in_the_url_are_sent_but_never_written_down() {
    let harness = Harness::new(ScriptedApi::new(12, 6));
    let mut cfg = config();
    cfg.base_url = "https://api.test/api/users?api_key=SECRET&team=7&Token=T0K".into();
    let outcome = harness.run(&cfg);
    assert!(outcome.provenance.complete);
    let sent = harness.api.served.borrow()[0].url.clone();
    assert!(
        sent.contains("api_key=SECRET") && sent.contains("Token=T0K"),
        "{sent}"
    );
    assert_eq!(
        outcome.provenance.url,
        "https://api.test/api/users?api_key=***&team=7&Token=***"
    );
    for event in harness.logged() {
        let json = serde_json::to_string(&event).unwrap();
        assert!(!json.contains("SECRET") && !json.contains("T0K"), "{json}");
    }
    let report = String::from_utf8(harness.report(&outcome).to_json()).unwrap();
    assert!(!report.contains("SECRET") && !report.contains("T0K"));
    assert!(report.contains(r#""url": "https://api.test/api/users?api_key=***&team=7&Token=***""#));
}

#[test]
fn kept_pages_are_keyed_without_the_secret_and_not_shared_across_secrets() {
    let store = FakeStore::new();
    let harness = Harness::new(ScriptedApi::new(12, 6)).with_store(store.clone());
    let mut cfg = config();
    cfg.keep_for = Some(std::time::Duration::from_secs(3600));
    cfg.base_url = "https://api.test/api/users?token=first".into();
    assert!(harness.run(&cfg).provenance.complete);
    let urls: Vec<String> = store
        .pages
        .borrow()
        .keys()
        .map(|(url, _)| url.clone())
        .collect();
    assert_eq!(urls.len(), 2);
    for url in &urls {
        assert!(url.contains("token=***") && !url.contains("first"), "{url}");
    }
    // Another secret: the kept pages are not served for it.
    harness.cache.borrow_mut().clear();
    let before = harness.api.requests();
    cfg.base_url = "https://api.test/api/users?token=second".into();
    assert!(harness.run(&cfg).provenance.complete);
    assert_eq!(
        harness.api.requests() - before,
        2,
        "fetched again, not reused"
    );
    // The same secret again: reused from the device.
    harness.cache.borrow_mut().clear();
    let before = harness.api.requests();
    cfg.base_url = "https://api.test/api/users?token=first".into();
    assert!(harness.run(&cfg).provenance.complete);
    assert_eq!(harness.api.requests(), before, "reused");
}

#[test]
fn an_answer_too_large_fails_its_page_at_once() {
    let harness = Harness::new(ScriptedApi::new(18, 6).script(2, [Step::TooLarge]));
    let outcome = harness.run(&config());
    assert!(!outcome.provenance.complete);
    assert_eq!(harness.api.requests_for(2), 1, "not retried");
    let failure = &outcome.provenance.failed_pages[0];
    assert_eq!((failure.page, failure.code), (2, FailureCode::PageTooLarge));
    assert!(
        failure.reason.contains("larger than 64 MB"),
        "{}",
        failure.reason
    );
}

#[test]
fn a_redirect_to_no_url_is_not_followed() {
    let harness = Harness::new(
        ScriptedApi::new(12, 6).script(2, [Step::Redirect(Some("http://[::1".into()))]),
    );
    let mut cfg = config();
    cfg.api_key = Some("k".into());
    let outcome = harness.run(&cfg);
    assert_eq!(harness.api.requests_for(2), 1);
    assert_eq!(
        outcome.provenance.failed_pages[0].code,
        FailureCode::RedirectUnreadable
    );
    assert!(harness
        .logged()
        .iter()
        .all(|event| !matches!(event.kind, EventKind::Redirected { .. })));
}
