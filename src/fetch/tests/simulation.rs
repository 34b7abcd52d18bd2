//! A deterministic simulation of many runs against an API with random
//! faults, at the HTTP level (errors, 429s, timeouts, malformed bodies,
//! redirects), in the data (a page ignored, short or empty pages, repeated
//! pages, totals that contradict each other) and in time (records inserted,
//! removed or appended while the run goes on), over sources holding
//! duplicate ids and records without an id, with or without stated totals
//! and page sizes, some clamping past their end. Whatever happens:
//!
//! - never `complete: true` unless the report is exactly the source's (the
//!   data as it ended up, read as one file): no record missing, none twice;
//! - a clean, stable source is always complete once every page arrived;
//! - a partial run names the pages concerned (or, when no page can be
//!   named, warns with the numbers);
//! - the API key never goes to another origin;
//! - no page gets more attempts than the policy allows, and for HTTP-level
//!   faults the waiting matches the policy exactly.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::support::{
    config, customer_lines, source_report_lines, Harness, Move, ScriptedApi, Step,
};
use crate::common::hash::SplitMix64;
use crate::fetch::fetcher::FetchConfig;
use crate::provenance::{Warning, WarningCode};

const SEEDS: u64 = 10_000;
/// 1 attempt, 3 retries, 5 rate-limit waits and 5 redirects.
const MAX_ATTEMPTS_PER_PAGE: usize = 1 + 3 + 5 + 5;
const PER_PAGE: usize = 3;

fn http_step(rng: &mut SplitMix64) -> Step {
    match rng.below(100) {
        0..=44 => Step::Ok {
            polls: rng.below(5) as u32,
        },
        45..=54 => Step::Status(503),
        55..=59 => Step::Status(500),
        60..=62 => Step::Status(502),
        63..=64 => Step::Status(408),
        65..=69 => Step::NetworkError,
        70..=74 => Step::Hang,
        75..=79 => Step::Malformed,
        80..=86 => Step::RateLimited(Some(rng.below(6).to_string())),
        87..=89 => Step::RateLimited(Some("Mon, 23 Nov 2026 12:00:00 GMT".into())),
        90..=94 => Step::RateLimited(None),
        95..=96 => Step::RateLimited(Some("Wed, 01 Jan 2031 00:00:00 GMT".into())),
        97 => Step::RateLimited(Some("90".into())),
        98 => Step::Status(404),
        _ => Step::Status(401),
    }
}

/// A fault in the data or a redirect, for page `page` of `pages`.
fn data_step(rng: &mut SplitMix64, page: u64, pages: u64, short_allowed: bool) -> Step {
    match rng.below(10) {
        0 | 1 => Step::WrongPage,
        2 | 3 if short_allowed => Step::Short(rng.below(PER_PAGE as u64) as usize),
        4 | 5 => Step::Repeat(1 + rng.below(pages)),
        6 => Step::Redirect(Some(format!(
            "https://api.test/api/moved/users?page={page}"
        ))),
        7 => Step::Redirect(Some(format!("https://evil.test/api/users?page={page}"))),
        8 => Step::Redirect(None),
        _ => Step::Ok { polls: 0 },
    }
}

/// The waits the documented policy prescribes for the HTTP-level steps one
/// page was served, written independently of the fetcher.
fn expected_waits(steps: &[Step]) -> Vec<Duration> {
    let secs = Duration::from_secs;
    let mut waits = Vec::new();
    let (mut retries, mut rate_limited) = (0u32, 0u32);
    for step in steps {
        match step {
            Step::Ok { .. } | Step::Status(401 | 404) => break,
            Step::Status(_) | Step::NetworkError | Step::Hang | Step::Malformed => {
                if retries == 3 {
                    break;
                }
                waits.push(secs(1 << retries));
                retries += 1;
            }
            Step::RateLimited(header) => {
                if rate_limited == 5 {
                    break;
                }
                let fallback = secs(1 << rate_limited).min(secs(60));
                rate_limited += 1;
                let wait = match header.as_deref() {
                    None => fallback,
                    Some("Mon, 23 Nov 2026 12:00:00 GMT") => secs(1),
                    Some("Wed, 01 Jan 2031 00:00:00 GMT") => break,
                    Some(seconds) => match seconds.parse::<u64>() {
                        Ok(s) if s > 60 => break,
                        Ok(s) => secs(s.max(1)),
                        Err(_) => fallback,
                    },
                };
                waits.push(wait);
            }
            other => unreachable!("not an HTTP-level step: {other:?}"),
        }
    }
    waits
}

/// What kind of source a seed simulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Honest and stable: duplicates, records without an id, hidden
    /// totals, a clamping end, but faults at the HTTP level only, so the
    /// waits can be checked exactly and the run must be complete whenever
    /// every page arrived.
    Clean,
    /// Lies in its data: ignores `page`, short pages, repeated pages,
    /// totals that contradict each other.
    Lying,
    /// Honest, but its records change during the run (inserted or
    /// removed at the front, appended, shifted).
    Moving,
}

/// What one seed's API looks like.
struct Scenario {
    api: ScriptedApi,
    pages: u64,
    kind: Kind,
}

/// Records with ids 1, 2, …, some repeated (another record for an earlier
/// id) and some without an id: a source as the pipeline meets them.
fn dataset(rng: &mut SplitMix64, len: usize) -> Vec<String> {
    let mut records = Vec::with_capacity(len);
    let mut next_id = 1;
    for n in 0..len {
        match rng.below(10) {
            0 if next_id > 1 => {
                let id = 1 + rng.below(next_id as u64 - 1) as usize;
                records.push(ScriptedApi::duplicate(id, n));
            }
            1 => records.push(ScriptedApi::without_id(n)),
            _ => {
                records.push(ScriptedApi::record(next_id));
                next_id += 1;
            }
        }
    }
    records
}

fn scenario(seed: u64, rng: &mut SplitMix64) -> Scenario {
    let pages = 1 + rng.below(5);
    let total = pages as usize * PER_PAGE - rng.below(PER_PAGE as u64) as usize;
    let mut api = ScriptedApi::with_records(dataset(rng, total), PER_PAGE);
    let kind = match seed % 4 {
        0 | 2 => Kind::Clean,
        1 => Kind::Lying,
        _ => Kind::Moving,
    };
    match kind {
        Kind::Clean => {
            // Every honest way to state (or not) where the listing ends.
            api.hide_total_pages = rng.below(2) == 0;
            api.hide_total = api.hide_total_pages && rng.below(2) == 0;
            api.hide_per_page = rng.below(3) == 0;
            api.clamp = rng.below(2) == 0;
            api.clamp_names_last = rng.below(2) == 0;
        }
        Kind::Lying => match rng.below(20) {
            0 => api.ignore_page_parameter = true,
            1 | 2 => api.hide_total_pages = true,
            3 => api.hide_total = true,
            4 | 5 => {
                // A page that states one page fewer or more than the truth.
                // (Page 1 stating a single page when there are more is not
                // generated: no other page would ever be asked, so nothing
                // could tell.)
                let page = 1 + rng.below(pages);
                let stated_pages = if rng.below(2) == 0 && (page > 1 || pages > 2) {
                    pages - 1
                } else {
                    pages + 1
                };
                api.stated_totals
                    .insert(page, (stated_pages * PER_PAGE as u64, stated_pages));
            }
            _ => {}
        },
        Kind::Moving => {
            // `total` stays stated: a change that keeps it and repeats no
            // record at a page boundary cannot be seen (README), so one
            // change, or two that only add records.
            api.hide_total_pages = rng.below(2) == 0;
            api.hide_per_page = api.hide_total_pages && rng.below(2) == 0;
            let first = 1 + rng.below(2 * pages) as usize;
            let new_record = |n: u64| ScriptedApi::record(1000 + n as usize);
            let change = match rng.below(4) {
                0 => Move::InsertFront(new_record(0)),
                1 => Move::RemoveFront,
                2 => Move::InsertFrontRemoveLast(new_record(0)),
                _ => Move::Append(new_record(0)),
            };
            let grows = matches!(change, Move::InsertFront(_) | Move::Append(_));
            api = api.move_after(first, change);
            if grows && rng.below(2) == 0 {
                let second = first + 1 + rng.below(2 * pages) as usize;
                let change = if rng.below(2) == 0 {
                    Move::InsertFront(new_record(1))
                } else {
                    Move::Append(new_record(1))
                };
                api = api.move_after(second, change);
            }
        }
    }
    // Without `total`, a short last page looks like any last page, and
    // without `total_pages` every page may be the last: such losses cannot
    // be seen, so they are not generated (the README states the limit).
    let can_see_short = |page: u64| !api.hide_total || (page < pages && !api.hide_total_pages);
    let mut scripts = Vec::new();
    for page in 1..=pages {
        let steps: Vec<Step> = (0..rng.below(11))
            .map(|_| {
                if kind == Kind::Lying && rng.below(4) == 0 {
                    data_step(rng, page, pages, can_see_short(page))
                } else {
                    http_step(rng)
                }
            })
            .collect();
        scripts.push((page, steps));
    }
    for (page, steps) in scripts {
        api = api.script(page, steps);
    }
    Scenario { api, pages, kind }
}

/// A fetcher judging completeness otherwise than ours, for the mutation
/// checks: the oracle must catch both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Judge {
    /// The fetcher as it is.
    Ours,
    /// Says `complete: true` whatever happened.
    AlwaysComplete,
    /// Says `complete: false` whatever happened, with a warning.
    NeverComplete,
}

/// Runs one seed; `Err` names the invariant that broke.
fn simulate(seed: u64, judge: Judge) -> Result<(), String> {
    let mut rng = SplitMix64::new(seed);
    let Scenario { api, pages, kind } = scenario(seed, &mut rng);
    let harness = Harness::new(api);
    let mut cfg = config();
    cfg.concurrency = 1 + rng.below(4) as usize;
    cfg.api_key = Some("secret".into());
    let mut outcome = harness.run(&cfg);
    match judge {
        Judge::Ours => {}
        Judge::AlwaysComplete => outcome.provenance.complete = true,
        Judge::NeverComplete => {
            outcome.provenance.complete = false;
            outcome.provenance.warnings.push(Warning {
                code: WarningCode::RecordCountMismatch,
                page: None,
                message: "mutant: never complete".into(),
            });
        }
    }
    let report = harness.report(&outcome);
    let metadata = &report.metadata;
    let fail = |what: &str| Err(format!("seed {seed} ({kind:?}): {what}"));

    // The key stays with its origin.
    for served in harness.api.served.borrow().iter() {
        if !served.url.starts_with("https://api.test/") {
            return fail(&format!("a request went to {}", served.url));
        }
    }

    // Attempts per page are bounded by the policy (per walk); requests are counted right.
    let mut served: BTreeMap<u64, Vec<Step>> = BTreeMap::new();
    for request in harness.api.served.borrow().iter() {
        served
            .entry(request.page)
            .or_default()
            .push(request.step.clone());
    }
    let walks = 1 + outcome.provenance.refetches as usize;
    for (page, steps) in &served {
        if steps.len() > MAX_ATTEMPTS_PER_PAGE * walks {
            return fail(&format!("page {page} got {} attempts", steps.len()));
        }
    }
    let stats = &outcome.provenance.stats;
    if stats.requests as usize != harness.api.requests() {
        return fail("requests miscounted");
    }

    // With HTTP-level faults only, the waiting is exactly what the policy prescribes.
    if kind == Kind::Clean {
        let mut expected: Vec<Duration> = served.values().flat_map(|s| expected_waits(s)).collect();
        let mut actual = harness.time.waits();
        expected.sort();
        actual.sort();
        if actual != expected {
            return fail(&format!("waits {actual:?}, expected {expected:?}"));
        }
        // A clamping end costs one request past it, no more.
        if served.keys().any(|&page| page > pages + 1) {
            return fail(&format!(
                "asked for pages past {}: {:?}",
                pages + 1,
                served.keys()
            ));
        }
    }

    let failed: BTreeSet<u64> = metadata.failed_pages.iter().map(|f| f.page).collect();
    // Without page 1 nothing else is known: the run fails as a whole (the
    // page shows the error and offers no report).
    if outcome.pages.is_empty() {
        if metadata.complete || !failed.contains(&1) {
            return fail("no page, yet not failed at page 1");
        }
        return Ok(());
    }
    // The data as it ended up, and its report read as one file.
    let records = harness.api.records.borrow().clone();
    let (source_lines, source_duplicates, source_rejected) = source_report_lines(&records);
    let lines = customer_lines(&report);
    let warned = !metadata.warnings.is_empty() || metadata.truncated.is_some();
    if metadata.complete {
        // Never complete with a record missing or counted twice.
        if lines != source_lines
            || metadata.duplicates_removed != source_duplicates
            || metadata.rejected_records != source_rejected
        {
            return fail("complete, but the report is not the source's");
        }
        if !failed.is_empty() || metadata.truncated.is_some() {
            return fail("complete with failures");
        }
    } else if failed.is_empty() && !warned {
        return fail("partial without saying why");
    }
    // A clean source is complete whenever every page arrived.
    if kind == Kind::Clean && failed.is_empty() && !metadata.complete {
        return fail(&format!(
            "clean source not complete (warnings {:?})",
            metadata.warnings
        ));
    }
    if kind == Kind::Clean {
        // Every missing customer's page is named (or, in a walk, a page
        // before it that stopped the walk).
        let ids: BTreeSet<u64> = report.customers.iter().map(|c| c.customer_id).collect();
        for (n, record) in records.iter().enumerate() {
            let value: serde_json::Value = serde_json::from_str(record).expect("records are JSON");
            let Some(id) = value["id"].as_u64() else {
                continue;
            };
            let page = (n / PER_PAGE + 1) as u64;
            if !ids.contains(&id) && !failed.iter().any(|&f| f <= page) {
                return fail(&format!(
                    "customer {id} of page {page} is missing without a trace (failed {failed:?})"
                ));
            }
        }
        if !failed.contains(&1) && metadata.complete != failed.is_empty() {
            return fail("complete disagrees with the failed pages");
        }
    }
    // Every record of every accepted answer is accounted for.
    let served_records: usize = outcome
        .pages
        .iter()
        .map(|page| {
            let body: serde_json::Value =
                serde_json::from_slice(&page.body).expect("accepted pages are JSON");
            body["data"].as_array().map_or(0, Vec::len)
        })
        .sum();
    if metadata.records_read != served_records
        || metadata.records_read
            != metadata.total_customers + metadata.duplicates_removed + metadata.rejected_records
    {
        return fail("records unaccounted for");
    }
    Ok(())
}

#[test]
fn ten_thousand_random_fault_runs_keep_the_invariants() {
    for seed in 0..SEEDS {
        if let Err(broken) = simulate(seed, Judge::Ours) {
            panic!("{broken}");
        }
    }
}

/// How many seeds the oracle catches a mutant fetcher on, and the first.
fn caught(judge: Judge, needle: &str) -> (usize, Option<String>) {
    let failures: Vec<String> = (0..SEEDS)
        .filter_map(|seed| simulate(seed, judge).err())
        .filter(|broken| broken.contains(needle))
        .collect();
    (failures.len(), failures.first().cloned())
}

#[test]
fn a_fetcher_that_always_says_complete_fails_the_simulation() {
    let (seeds, first) = caught(Judge::AlwaysComplete, "complete");
    assert!(seeds > 100, "caught on {seeds} seeds only; first {first:?}");
}

#[test]
fn a_fetcher_that_always_says_incomplete_fails_the_simulation() {
    let (seeds, first) = caught(Judge::NeverComplete, "clean source not complete");
    assert!(
        seeds > 1_000,
        "caught on {seeds} seeds only; first {first:?}"
    );
}

/// The simulation reaches the cases it is for: clean sources with
/// duplicates complete, walks ended each way, moving data settled by a
/// second walk and moving data caught.
#[test]
fn the_simulation_covers_every_kind_of_end() {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for seed in 0..SEEDS {
        let mut rng = SplitMix64::new(seed);
        let Scenario { api, kind, .. } = scenario(seed, &mut rng);
        let harness = Harness::new(api);
        let mut cfg = config();
        cfg.concurrency = 1 + rng.below(4) as usize;
        let outcome = harness.run(&cfg);
        let provenance = &outcome.provenance;
        let mut count = |what| *counts.entry(what).or_default() += 1;
        match (kind, provenance.complete) {
            (Kind::Clean, true) => count("clean, complete"),
            (Kind::Clean, false) => count("clean, partial (pages failed)"),
            (Kind::Lying, true) => count("lying, complete (faults recovered)"),
            (Kind::Lying, false) => count("lying, partial"),
            (Kind::Moving, true) if provenance.refetches > 0 => count("moving, settled"),
            (Kind::Moving, true) => count("moving, complete (moved after the walk)"),
            (Kind::Moving, false) => count("moving, partial"),
        }
        if kind == Kind::Clean && provenance.complete {
            let report = harness.report(&outcome);
            if report.metadata.duplicates_removed > 0 {
                count("clean with duplicates, complete");
            }
            if let Some(end) = provenance.walk_ended {
                count(match end.by {
                    crate::provenance::WalkEnd::EmptyPage => "walk ended: empty page",
                    crate::provenance::WalkEnd::ShortPage => "walk ended: short page",
                    crate::provenance::WalkEnd::StatedTotal => "walk ended: stated total",
                    crate::provenance::WalkEnd::RepeatedLastPage => {
                        "walk ended: repeated last page"
                    }
                    crate::provenance::WalkEnd::NoNextPage => "walk ended: no next page",
                });
            }
        }
    }
    println!("{counts:#?}");
    for case in [
        "clean with duplicates, complete",
        "walk ended: empty page",
        "walk ended: short page",
        "walk ended: stated total",
        "walk ended: repeated last page",
        "moving, settled",
        "moving, partial",
        "lying, partial",
    ] {
        assert!(
            counts.get(case).copied().unwrap_or(0) >= 20,
            "{case}: {counts:?}"
        );
    }
}

/// A scenario of any pagination kind: the fake, its shape, and whether it
/// is clean. Four seeds in five announce a budget (a window of 1 to 4
/// requests a second in `X-RateLimit-*`, IETF `RateLimit` or HubSpot's
/// secondly headers, or a Shopify bucket of 3 to 8 calls) small enough
/// that most walks must be paced, and answer 429 past it.
fn kinds_scenario(seed: u64) -> (super::support::shaped::ShapedApi, FetchConfig, bool) {
    use super::support::rated::{ApiBudget, Family};
    use super::support::shaped::{Paging, ShapedApi};
    use crate::fetch::kinds::{ApiShape, Pagination, Preset};
    let mut rng = SplitMix64::new(seed ^ 0x6b69_6e64);
    let (paging, shape, member) = match seed % 5 {
        0 => (Paging::Cursor, Preset::Hubspot.shape(), "results"),
        1 => (Paging::Link, Preset::Shopify.shape(), "customers"),
        2 => (
            Paging::NextUrl,
            ApiShape {
                pagination: Pagination::NextUrl {
                    path: "next".into(),
                },
                size_param: "limit".into(),
                ..ApiShape::default()
            },
            "items",
        ),
        3 => (
            Paging::Offset,
            ApiShape {
                pagination: Pagination::Offset {
                    param: "offset".into(),
                },
                size_param: "limit".into(),
                ..ApiShape::default()
            },
            "data",
        ),
        _ => (
            Paging::Page("page", "per_page"),
            ApiShape::default(),
            "data",
        ),
    };
    let per_page = 1 + rng.below(6) as usize;
    let len = rng.below(30) as usize;
    let mut api = ShapedApi::new(paging, 0, per_page, member);
    api.records = dataset(&mut rng, len);
    let pages = len.div_ceil(per_page).max(1) as u64;
    let linked = matches!(paging, Paging::Cursor | Paging::Link | Paging::NextUrl);
    let mut clean = true;
    if rng.below(2) == 0 {
        api.stated_total = Some(len as u64);
    }
    match rng.below(10) {
        // A loop back to an earlier page (or to itself).
        0 if linked => {
            let from = 1 + rng.below(pages);
            api.loop_back = Some((from, 1 + rng.below(from)));
            clean = false;
        }
        1 if paging == Paging::Link || paging == Paging::NextUrl => {
            api.foreign_next = Some(1 + rng.below(pages));
            clean = len as u64 <= per_page as u64 * api.foreign_next.unwrap_or(0);
        }
        // A total that overstates (an offset walk cannot tell one that
        // understates: it stops where the API says it ends).
        2 => {
            api.stated_total = Some(len as u64 + 1 + rng.below(3));
            clean = false;
        }
        3 if linked => {
            api.stated_total = Some(len as u64).filter(|&n| n > 0).map(|n| n - 1);
            clean = api.stated_total.is_none();
        }
        4 if len > 0 => {
            api.stated_total = Some(len as u64);
            api.drop_last_on = Some(1 + rng.below(pages));
            clean = false;
        }
        5 if linked => {
            api.endless = true;
            clean = false;
        }
        _ => {}
    }
    // Retryable failures, fewer than the retries allowed.
    for page in 1..=pages {
        if rng.below(4) == 0 {
            let statuses = vec![503; 1 + rng.below(3) as usize];
            api.fail_first.borrow_mut().insert(page, statuses);
        }
    }
    let family = rng.below(5) as usize;
    if let Some(&family) = Family::ALL.get(family) {
        let limit = match family {
            Family::Shopify => 3 + rng.below(6),
            _ => 1 + rng.below(4),
        };
        api.budget = Some(ApiBudget::new(family, limit));
        api.slow_answers = true;
    }
    let config = FetchConfig {
        per_page: Some(per_page as u32),
        shape,
        api_key: Some("secret".into()),
        max_pages: 40,
        ..FetchConfig::new("https://api.test/items")
    };
    (api, config, clean)
}

/// Every pagination kind (page, offset, cursor, link, next URL), with
/// random loops, foreign next pages, lying totals, dropped records,
/// endless walks and retryable failures, most behind a budget announced in
/// one of the header families: a clean walk is complete and its report is
/// the source's, with at most one 429; a faulty one is never complete;
/// the key stays on its origin.
#[test]
fn random_walks_of_every_kind_keep_the_invariants() {
    use crate::settings::RunSettings;
    let settings =
        RunSettings::from_text("42", "2026-11-24", "2026-11-24T12:00:00Z").expect("valid settings");
    let (mut complete, mut partial) = (0, 0);
    // (family, kind) -> clean runs paced and complete.
    let mut paced: BTreeMap<(String, u64), usize> = BTreeMap::new();
    let mut refused_most = 0;
    for seed in 0..2_500 {
        let (api, config, clean) = kinds_scenario(seed);
        let (outcome, _) = super::support::shaped::run_shaped(&api, &config, None);
        let context = || format!("seed {seed}: {:?}", outcome.provenance);
        let refused = api.budget.as_ref().map_or(0, |b| b.refused.get());
        refused_most = refused_most.max(refused);
        if clean {
            assert!(
                refused <= 1,
                "{refused} 429s on a healthy source; {}",
                context()
            );
        }
        if let Some(budget) = &api.budget {
            if clean && outcome.provenance.stats.paced_ms > 0 {
                *paced
                    .entry((format!("{:?}", budget.family), seed % 5))
                    .or_default() += 1;
            }
        }
        assert!(
            api.received
                .borrow()
                .iter()
                .all(|r| r.url.starts_with("https://api.test/")),
            "the key left its origin; {}",
            context()
        );
        assert!(api.requests() <= 40 * 4, "{}", context());
        if clean {
            assert!(
                outcome.provenance.complete,
                "clean walk not complete; {}",
                context()
            );
        }
        if outcome.provenance.complete {
            complete += 1;
            let report = super::support::report_unmapped(
                &outcome,
                &settings,
                &super::support::FakeTime::default(),
            );
            let (expected, _, _) = source_report_lines(&api.records);
            assert_eq!(customer_lines(&report), expected, "{}", context());
            assert!(
                clean || api.foreign_next.is_some(),
                "a faulty walk said complete; {}",
                context()
            );
        } else {
            partial += 1;
            assert!(!clean, "{}", context());
        }
    }
    assert!(
        complete > 600 && partial > 350,
        "{complete} complete, {partial} partial"
    );
    println!("most 429s in one run: {refused_most}; paced clean runs: {paced:?}");
    // Every header family paced clean walks of every kind.
    assert_eq!(paced.len(), 4 * 5, "{paced:?}");
    assert!(paced.values().all(|&n| n >= 10), "{paced:?}");
}
