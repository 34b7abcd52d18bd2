//! A deterministic simulation of many runs against an API with random
//! faults, at the HTTP level (errors, 429s, timeouts, malformed bodies,
//! redirects) and in the data (a page ignored, short or empty pages,
//! repeated pages, growing and shrinking totals). Whatever happens:
//!
//! - never `complete: true` with a record missing: either every record the
//!   API holds is in the report and the run is complete, or the run is
//!   partial and names the pages concerned (or, when no page can be named,
//!   warns with the numbers);
//! - the API key never goes to another origin;
//! - no page gets more attempts than the policy allows, and for HTTP-level
//!   faults the waiting matches the policy exactly.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use customer_pipeline::hash::SplitMix64;
use support::{config, Harness, ScriptedApi, Step};

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

/// What one seed's API looks like, and whether its data is faulty.
struct Scenario {
    api: ScriptedApi,
    pages: u64,
    data_faults: bool,
}

fn scenario(seed: u64, rng: &mut SplitMix64) -> Scenario {
    let pages = 1 + rng.below(5);
    let total = pages as usize * PER_PAGE - rng.below(PER_PAGE as u64) as usize;
    let mut api = ScriptedApi::new(total, PER_PAGE);
    // Half the seeds keep to HTTP-level faults, so their waits can be
    // checked exactly; the other half add faults in the data.
    let data_faults = seed % 2 == 1;
    if data_faults {
        match rng.below(20) {
            0 => api.ignore_page_parameter = true,
            1 | 2 => api.hide_total_pages = true,
            3 => api.hide_total = true,
            4 | 5 => {
                // A total that grows or shrinks: one page states one page
                // fewer or more than the truth. (Page 1 stating a single
                // page when there are more is not generated: no other page
                // would ever be asked, so nothing could tell.)
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
                if data_faults && rng.below(4) == 0 {
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
    Scenario {
        api,
        pages,
        data_faults,
    }
}

fn simulate(seed: u64) {
    let mut rng = SplitMix64::new(seed);
    let Scenario {
        api,
        pages,
        data_faults,
    } = scenario(seed, &mut rng);
    let total = api.total_records;
    let harness = Harness::new(api);
    let mut cfg = config();
    cfg.concurrency = 1 + rng.below(4) as usize;
    cfg.api_key = Some("secret".into());
    let outcome = harness.run(&cfg);
    let report = harness.report(&outcome);
    let metadata = &report.metadata;

    // The key stays with its origin.
    for served in harness.api.served.borrow().iter() {
        assert!(
            served.url.starts_with("https://api.test/"),
            "seed {seed}: a request went to {}",
            served.url
        );
    }

    // Attempts per page are bounded by the policy; requests are counted right.
    let mut served: BTreeMap<u64, Vec<Step>> = BTreeMap::new();
    for request in harness.api.served.borrow().iter() {
        served
            .entry(request.page)
            .or_default()
            .push(request.step.clone());
    }
    for (page, steps) in &served {
        assert!(
            steps.len() <= MAX_ATTEMPTS_PER_PAGE,
            "seed {seed}: page {page} got {} attempts",
            steps.len()
        );
    }
    let stats = &outcome.provenance.stats;
    assert_eq!(
        stats.requests as usize,
        harness.api.requests(),
        "seed {seed}"
    );

    // With HTTP-level faults only, the waiting is exactly what the policy prescribes.
    if !data_faults {
        let mut expected: Vec<Duration> = served.values().flat_map(|s| expected_waits(s)).collect();
        let mut actual = harness.time.waits();
        expected.sort();
        actual.sort();
        assert_eq!(actual, expected, "seed {seed}: waits");
    }

    let failed: BTreeSet<u64> = metadata.failed_pages.iter().map(|f| f.page).collect();
    // Without page 1 nothing else is known: the run fails as a whole (the
    // page shows the error and offers no report).
    if outcome.pages.is_empty() {
        assert!(!metadata.complete, "seed {seed}");
        assert!(failed.contains(&1), "seed {seed}");
        return;
    }
    // Never complete with a record missing, and never partial without
    // saying why. With faults only at the HTTP level, every missing record's
    // page is named; an API that also lies in its data (serving one page's
    // records as another's) can hide which page lost them, but not that
    // the run is partial.
    let customers: BTreeSet<u64> = report.customers.iter().map(|c| c.customer_id).collect();
    let missing: Vec<usize> = (1..=total)
        .filter(|id| !customers.contains(&(*id as u64)))
        .collect();
    let warned = !metadata.warnings.is_empty() || metadata.truncated.is_some();
    if metadata.complete {
        assert!(
            missing.is_empty(),
            "seed {seed}: complete but {missing:?} missing"
        );
        assert!(
            failed.is_empty() && metadata.truncated.is_none(),
            "seed {seed}: complete with failures"
        );
        assert_eq!(
            report.customers.len(),
            total,
            "seed {seed}: each record once"
        );
    } else {
        assert!(
            !failed.is_empty() || warned,
            "seed {seed}: partial without saying why"
        );
    }
    if !data_faults {
        for id in &missing {
            let page = ((id - 1) / PER_PAGE + 1) as u64;
            assert!(
                failed.contains(&page),
                "seed {seed}: record {id} of page {page} is missing without a trace \
                 (failed {failed:?}, warnings {:?})",
                metadata.warnings
            );
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
    assert_eq!(metadata.records_read, served_records, "seed {seed}");
    assert_eq!(
        metadata.records_read,
        metadata.total_customers + metadata.duplicates_removed + metadata.rejected_records,
        "seed {seed}"
    );
    if !data_faults && !failed.contains(&1) {
        assert_eq!(metadata.complete, failed.is_empty(), "seed {seed}");
        assert_eq!(
            failed.len() + outcome.pages.len(),
            pages as usize,
            "seed {seed}: every page is fetched or failed"
        );
    }
}

#[test]
fn ten_thousand_random_fault_runs_keep_the_invariants() {
    for seed in 0..SEEDS {
        simulate(seed);
    }
}
