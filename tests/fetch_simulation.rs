//! A deterministic simulation of many runs against an API with random
//! faults: whatever happens, every record ends up exactly once in the
//! report or its page is listed as failed, no page gets more attempts than
//! the policy allows, and the waiting matches the policy exactly.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use customer_pipeline::hash::SplitMix64;
use customer_pipeline::pipeline::{process_fetched, RunSettings};
use support::{config, Harness, ScriptedApi, Step};

const SEEDS: u64 = 10_000;
const MAX_ATTEMPTS_PER_PAGE: usize = 1 + 3 + 6;

fn random_step(rng: &mut SplitMix64) -> Step {
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

/// The waits the documented policy prescribes for the steps one page was
/// served, written independently of the fetcher.
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
            Step::CancelAndHang => unreachable!("not generated"),
        }
    }
    waits
}

fn settings() -> RunSettings {
    RunSettings::from_text("1", "2026-11-24", "2026-11-24T12:00:00Z").expect("valid settings")
}

fn simulate(seed: u64) {
    let mut rng = SplitMix64::new(seed);
    let per_page = 3;
    let pages = 1 + rng.below(5) as usize;
    let total = pages * per_page - rng.below(per_page as u64) as usize;
    let mut api = ScriptedApi::new(total, per_page);
    for page in 1..=pages as u64 {
        let steps: Vec<Step> = (0..rng.below(11)).map(|_| random_step(&mut rng)).collect();
        api = api.script(page, steps);
    }
    let harness = Harness::new(api);
    let mut cfg = config();
    cfg.concurrency = 1 + rng.below(4) as usize;
    let outcome = harness.run(&cfg);
    let report = process_fetched(&outcome, "u", &settings(), &*harness.time);

    // Attempts per page are bounded by the policy.
    let mut served: BTreeMap<u64, Vec<Step>> = BTreeMap::new();
    for (page, step, _) in harness.api.served.borrow().iter() {
        served.entry(*page).or_default().push(step.clone());
    }
    for (page, steps) in &served {
        assert!(
            steps.len() <= MAX_ATTEMPTS_PER_PAGE,
            "seed {seed}: page {page} got {} attempts",
            steps.len()
        );
    }
    assert_eq!(
        outcome.stats.requests as usize,
        harness.api.requests(),
        "seed {seed}"
    );

    // The waiting is exactly what the policy prescribes for what was served.
    let mut expected: Vec<Duration> = served.values().flat_map(|s| expected_waits(s)).collect();
    let mut actual = harness.time.waits();
    expected.sort();
    actual.sort();
    assert_eq!(actual, expected, "seed {seed}: waits");

    // Every record is in the report exactly once, or its page failed.
    let failed: Vec<u64> = report
        .metadata
        .failed_pages
        .iter()
        .map(|f| f.page)
        .collect();
    if failed.contains(&1) {
        assert!(
            outcome.pages.is_empty(),
            "seed {seed}: page 1 failed, nothing else is known"
        );
        assert_eq!(failed, [1], "seed {seed}");
        return;
    }
    assert!(outcome.pages_total == Some(pages as u64), "seed {seed}");
    let mut seen = vec![0u32; total + 1];
    for customer in &report.customers {
        seen[customer.customer_id as usize] += 1;
    }
    for (id, times) in seen.iter().enumerate().skip(1) {
        let page = ((id - 1) / per_page + 1) as u64;
        let expected = u32::from(!failed.contains(&page));
        assert_eq!(*times, expected, "seed {seed}: record {id} on page {page}");
    }
    assert_eq!(report.metadata.complete, failed.is_empty(), "seed {seed}");
    assert_eq!(
        failed.len() + outcome.pages.len(),
        pages,
        "seed {seed}: every page is fetched or failed"
    );
}

#[test]
fn ten_thousand_random_fault_runs_keep_the_invariants() {
    for seed in 0..SEEDS {
        simulate(seed);
    }
}
