//! Completeness judged both ways (issue 16): a clean source ends
//! `complete: true` with a report equal to the source's, duplicates and
//! records without an id included, however its walk ends; a lying or
//! moving source ends `complete: false`, naming why, unless fetching again
//! settles it with every record of the data as it ended up.

use super::support::{
    config, customer_lines, source_report_lines, Harness, Move, ScriptedApi, Step,
};
use crate::fetch::events::EventKind;
use crate::fetch::fetcher::FetchOutcome;
use crate::provenance::{FailureCode, WalkEnd, WalkEnding, Warning, WarningCode};

/// Records 1..=n with a second record for some ids: `(after, id)` puts a
/// duplicate of `id` after the record at position `after` (1-based).
fn with_duplicates(n: usize, duplicates: &[(usize, usize)]) -> Vec<String> {
    let mut records = Vec::new();
    for id in 1..=n {
        records.push(ScriptedApi::record(id));
        for (variant, &(after, of)) in duplicates.iter().enumerate() {
            if after == id {
                records.push(ScriptedApi::duplicate(of, variant));
            }
        }
    }
    records
}

/// Asserts a complete run whose report equals the source's, read as one file.
fn assert_complete_as_the_source(harness: &Harness, outcome: &FetchOutcome) {
    assert!(
        outcome.provenance.complete,
        "warnings {:?}, failed {:?}",
        outcome.provenance.warnings, outcome.provenance.failed_pages
    );
    assert!(outcome.provenance.warnings.is_empty());
    let records = harness.api.records.borrow().clone();
    let (lines, duplicates, rejected) = source_report_lines(&records);
    let report = harness.report(outcome);
    assert_eq!(customer_lines(&report), lines);
    assert_eq!(report.metadata.duplicates_removed, duplicates);
    assert_eq!(report.metadata.rejected_records, rejected);
    assert_eq!(report.metadata.records_read, records.len());
    assert!(report.metadata.complete);
}

fn warning_codes(harness: &Harness) -> Vec<WarningCode> {
    harness
        .logged()
        .into_iter()
        .filter_map(|event| match event.kind {
            EventKind::Warning { code, .. } => Some(code),
            _ => None,
        })
        .collect()
}

fn refetches(harness: &Harness) -> usize {
    harness
        .logged()
        .iter()
        .filter(|event| matches!(event.kind, EventKind::Refetch { .. }))
        .count()
}

// --- A clean source stays clean ---------------------------------------

#[test]
fn duplicates_in_the_source_are_complete_and_removed() {
    // 30 records: ids 7 and 20 twice (inside page 2, and across pages 3-4).
    let records = with_duplicates(28, &[(8, 7), (19, 20)]);
    assert_eq!(records.len(), 30);
    let harness = Harness::new(ScriptedApi::with_records(records, 6));
    let outcome = harness.run(&config());
    assert_complete_as_the_source(&harness, &outcome);
    assert_eq!(outcome.provenance.records_stated, Some(30));
    assert_eq!(outcome.provenance.records_received, 30);
    assert_eq!(harness.report(&outcome).metadata.duplicates_removed, 2);
    assert_eq!(harness.api.requests(), 5, "no page fetched twice");
}

#[test]
fn records_without_an_id_count_toward_the_total() {
    let mut records = with_duplicates(16, &[(3, 3)]);
    records.insert(5, ScriptedApi::without_id(1));
    records.push(ScriptedApi::without_id(2));
    let harness = Harness::new(ScriptedApi::with_records(records, 6));
    let outcome = harness.run(&config());
    assert_complete_as_the_source(&harness, &outcome);
    assert_eq!(harness.report(&outcome).metadata.rejected_records, 2);
}

#[test]
fn a_thousand_pages_with_duplicates_and_a_reset_connection_are_complete() {
    // 20,000 records, 20 a page: every 50th record repeats the id before it.
    let duplicates: Vec<(usize, usize)> =
        (50..=19_600).step_by(50).map(|at| (at, at - 1)).collect();
    let records = with_duplicates(20_000 - duplicates.len(), &duplicates);
    assert_eq!(records.len(), 20_000);
    let api = ScriptedApi::with_records(records, 20).script(400, [Step::NetworkError]);
    let harness = Harness::new(api);
    let mut cfg = config();
    cfg.concurrency = 8;
    let outcome = harness.run(&cfg);
    assert_complete_as_the_source(&harness, &outcome);
    assert_eq!(outcome.pages.len(), 1_000);
    assert_eq!(harness.api.requests(), 1_001, "one retry after the reset");
}

#[test]
fn a_walk_ends_at_the_page_count_the_total_implies() {
    let mut api = ScriptedApi::new(30, 6);
    api.hide_total_pages = true;
    let harness = Harness::new(api);
    let outcome = harness.run(&config());
    assert_complete_as_the_source(&harness, &outcome);
    assert_eq!(harness.api.requests(), 5, "no request past the end");
    assert_eq!(
        outcome.provenance.walk_ended,
        Some(WalkEnding {
            last_page: 5,
            by: WalkEnd::StatedTotal
        })
    );
    let json: serde_json::Value =
        serde_json::from_slice(&harness.report(&outcome).to_json()).unwrap();
    assert_eq!(
        json["metadata"]["source"]["walk_ended"],
        serde_json::json!({"last_page": 5, "by": "stated_total"})
    );
}

#[test]
fn a_walk_ends_at_the_stated_total_without_a_page_size() {
    let mut api = ScriptedApi::with_records(with_duplicates(16, &[(2, 2), (9, 1)]), 6);
    api.hide_total_pages = true;
    api.hide_per_page = true;
    let harness = Harness::new(api);
    let outcome = harness.run(&config());
    assert_complete_as_the_source(&harness, &outcome);
    assert_eq!(harness.api.requests(), 3);
    assert_eq!(
        outcome.provenance.walk_ended.map(|end| end.by),
        Some(WalkEnd::StatedTotal)
    );
}

#[test]
fn without_totals_a_walk_ends_at_a_short_or_an_empty_page() {
    for (records, requests, last_page, by) in [
        (14, 3, 3, WalkEnd::ShortPage),
        (18, 4, 4, WalkEnd::EmptyPage),
    ] {
        let mut api = ScriptedApi::new(records, 6);
        api.hide_total_pages = true;
        api.hide_total = true;
        let harness = Harness::new(api);
        let outcome = harness.run(&config());
        assert_complete_as_the_source(&harness, &outcome);
        assert_eq!(harness.api.requests(), requests, "{records} records");
        assert_eq!(
            outcome.provenance.walk_ended,
            Some(WalkEnding { last_page, by }),
            "{records} records"
        );
    }
}

#[test]
fn an_api_that_clamps_past_its_end_keeps_its_last_page() {
    for names_last in [true, false] {
        for hide_per_page in [false, true] {
            let mut api = ScriptedApi::with_records(with_duplicates(17, &[(4, 4)]), 6);
            api.hide_total_pages = true;
            api.hide_total = true;
            api.hide_per_page = hide_per_page;
            api.clamp = true;
            api.clamp_names_last = names_last;
            let harness = Harness::new(api);
            let outcome = harness.run(&config());
            let case = format!("names last {names_last}, per_page hidden {hide_per_page}");
            assert_complete_as_the_source(&harness, &outcome);
            assert_eq!(outcome.pages.len(), 3, "{case}");
            assert_eq!(
                harness.api.requests(),
                4,
                "one request past the end: {case}"
            );
            assert_eq!(
                outcome.provenance.walk_ended,
                Some(WalkEnding {
                    last_page: 3,
                    by: WalkEnd::RepeatedLastPage
                }),
                "{case}"
            );
            assert!(outcome.provenance.failed_pages.is_empty(), "{case}");
        }
    }
}

#[test]
fn data_that_grows_during_the_walk_settles_on_a_second_walk() {
    let mut cfg = config();
    cfg.concurrency = 1;
    let api = ScriptedApi::new(18, 6).move_after(2, Move::Append(ScriptedApi::record(19)));
    let harness = Harness::new(api);
    let outcome = harness.run(&cfg);
    assert_complete_as_the_source(&harness, &outcome);
    assert_eq!(outcome.provenance.refetches, 1);
    assert_eq!(refetches(&harness), 1);
    assert_eq!(harness.report(&outcome).metadata.total_customers, 19);
}

#[test]
fn a_record_inserted_at_the_front_mid_walk_is_found_on_a_second_walk() {
    // After pages 1 and 2, record 0 goes in front: page 3 starts with
    // page 2's last record, and without a second walk record 0 is lost.
    for concurrency in [1, 4] {
        let mut cfg = config();
        cfg.concurrency = concurrency;
        let api =
            ScriptedApi::new(18, 6).move_after(2, Move::InsertFront(ScriptedApi::record(100)));
        let harness = Harness::new(api);
        let outcome = harness.run(&cfg);
        assert_complete_as_the_source(&harness, &outcome);
        let report = harness.report(&outcome);
        assert_eq!(
            report.metadata.total_customers, 19,
            "concurrency {concurrency}"
        );
        assert_eq!(
            report.metadata.duplicates_removed, 0,
            "concurrency {concurrency}"
        );
    }
}

#[test]
fn a_shift_that_keeps_the_total_is_found_by_the_repeated_record() {
    let mut cfg = config();
    cfg.concurrency = 1;
    let api = ScriptedApi::new(18, 6)
        .move_after(2, Move::InsertFrontRemoveLast(ScriptedApi::record(100)));
    let harness = Harness::new(api);
    let outcome = harness.run(&cfg);
    assert_complete_as_the_source(&harness, &outcome);
    assert_eq!(refetches(&harness), 1);
    let ids: Vec<u64> = harness
        .report(&outcome)
        .customers
        .iter()
        .map(|c| c.customer_id)
        .collect();
    assert!(ids.contains(&100) && !ids.contains(&18), "{ids:?}");
}

#[test]
fn a_stable_repeat_at_a_page_boundary_is_the_sources_own() {
    // Record 12 (the last of page 2) is listed again as the first of page 3,
    // byte for byte, and stays so: one second walk proves it stable.
    let mut records: Vec<String> = (1..=17).map(ScriptedApi::record).collect();
    records.insert(12, ScriptedApi::record(12));
    let harness = Harness::new(ScriptedApi::with_records(records, 6));
    let outcome = harness.run(&config());
    assert_complete_as_the_source(&harness, &outcome);
    assert_eq!(outcome.provenance.refetches, 1);
    assert_eq!(harness.report(&outcome).metadata.duplicates_removed, 1);
}

// --- A lying or moving source is caught --------------------------------

#[test]
fn data_that_keeps_moving_is_never_complete() {
    let mut api = ScriptedApi::new(18, 6);
    for (n, after) in [2, 6, 10, 14, 18, 22, 26].into_iter().enumerate() {
        api = api.move_after(after, Move::InsertFront(ScriptedApi::record(100 + n)));
    }
    let harness = Harness::new(api);
    let mut cfg = config();
    cfg.concurrency = 1;
    let outcome = harness.run(&cfg);
    assert!(!outcome.provenance.complete);
    assert_eq!(outcome.provenance.refetches, 2, "at most two more walks");
    assert!(warning_codes(&harness).contains(&WarningCode::TotalChanged));
    let warning = &outcome.provenance.warnings[0];
    assert_eq!(warning.code, WarningCode::TotalChanged);
    assert!(
        warning.message.contains("the data moved during the walk"),
        "{warning:?}"
    );
    let report = harness.report(&outcome);
    assert_eq!(report.metadata.warnings[0], *warning);
    assert!(report.metadata.warnings[0].message.contains("total = "));
}

#[test]
fn a_shift_that_keeps_happening_is_never_complete() {
    let mut api = ScriptedApi::new(18, 6);
    for (n, after) in [2, 5, 8, 11, 14].into_iter().enumerate() {
        api = api.move_after(
            after,
            Move::InsertFrontRemoveLast(ScriptedApi::record(100 + n)),
        );
    }
    let harness = Harness::new(api);
    let mut cfg = config();
    cfg.concurrency = 1;
    let outcome = harness.run(&cfg);
    assert!(!outcome.provenance.complete);
    assert_eq!(warning_codes(&harness), [WarningCode::PagesShifted]);
    let warning = &outcome.provenance.warnings[0];
    assert_eq!(warning.code, WarningCode::PagesShifted);
    assert!(warning.page.is_some(), "the first page that shifted");
    assert!(warning.message.starts_with("The last record of page"));
}

#[test]
fn a_page_that_keeps_contradicting_the_others_makes_the_run_partial() {
    // Page 1 states 3 pages (18 records), the others 4 (24), every time.
    let mut api = ScriptedApi::new(24, 6);
    api.page1_total_pages = Some(3);
    let harness = Harness::new(api);
    let outcome = harness.run(&config());
    assert!(!outcome.provenance.complete);
    assert_eq!(outcome.pages.len(), 4, "the larger total is followed");
    assert_eq!(warning_codes(&harness), [WarningCode::TotalChanged]);
    assert_eq!(
        (
            outcome.provenance.warnings[0].code,
            outcome.provenance.warnings[0].page
        ),
        (WarningCode::TotalChanged, Some(1))
    );
    assert!(
        outcome.provenance.warnings[0]
            .message
            .starts_with("Page 1 stated total = 18, total_pages = 3 where the latest page states total = 24, total_pages = 4"),
        "{:?}",
        outcome.provenance.warnings
    );
}

#[test]
fn received_records_are_reconciled_with_the_stated_total_both_ways() {
    for (stated, served) in [(20, 18), (16, 18)] {
        let mut api = ScriptedApi::new(served, 6);
        for page in 1..=3 {
            api.stated_totals.insert(page, (stated, 3));
        }
        let harness = Harness::new(api);
        let outcome = harness.run(&config());
        assert!(!outcome.provenance.complete, "{stated} stated");
        assert_eq!(
            outcome.provenance.warnings,
            [Warning {
                code: WarningCode::RecordCountMismatch,
                page: None,
                message: format!(
                    "The API states total = {stated} records, but {served} records arrived on \
                     its pages; the report may be missing records or the API's count is wrong"
                )
            }]
        );
        assert_eq!(
            (
                outcome.provenance.records_stated,
                outcome.provenance.records_received
            ),
            (Some(stated), served as u64)
        );
        let json = String::from_utf8(harness.report(&outcome).to_json()).unwrap();
        assert!(
            json.contains(&format!(r#""records_stated": {stated},"#)),
            "{json}"
        );
    }
}

#[test]
fn an_api_that_ignores_page_in_a_walk_is_never_complete() {
    // With the page size, the total says 5 pages: page 2 repeating page 1
    // is a bad answer, not the end.
    let harness = Harness::new(ScriptedApi::ignoring_page_in_a_walk(30, 6));
    let outcome = harness.run(&config());
    assert!(!outcome.provenance.complete);
    assert!(outcome
        .provenance
        .failed_pages
        .iter()
        .any(|f| f.code == FailureCode::RepeatedPage));
    // Without the page size, the repeat ends the walk, and the total
    // shows what is missing.
    let mut api = ScriptedApi::ignoring_page_in_a_walk(30, 6);
    api.hide_per_page = true;
    let harness = Harness::new(api);
    let outcome = harness.run(&config());
    assert!(!outcome.provenance.complete);
    assert_eq!(harness.api.requests(), 2);
    assert_eq!(warning_codes(&harness), [WarningCode::RecordCountMismatch]);
}

#[test]
fn a_short_middle_page_in_a_walk_is_listed_not_the_end() {
    let mut api = ScriptedApi::new(30, 6).script(2, [Step::Short(2), Step::Short(2)]);
    api.hide_total_pages = true;
    let harness = Harness::new(api);
    let outcome = harness.run(&config());
    assert!(!outcome.provenance.complete);
    assert_eq!(outcome.pages.len(), 5, "the walk goes on past it");
    assert_eq!(
        super::support::failed_pages(&outcome),
        [(2, FailureCode::ShortPage)]
    );
}
