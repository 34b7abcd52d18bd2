//! The reports of API runs with a failed page and with a warning, byte for
//! byte, as `tests/golden.rs` checks the other outputs (`UPDATE_GOLDEN=1`
//! rewrites them after an intended change).

use super::output::golden;
use super::support::{config, Harness, ScriptedApi, Step};

#[test]
fn api_reports_with_warnings_and_failures_are_as_reviewed() {
    // Page 2 fails for good.
    let api = ScriptedApi::new(24, 6).script(2, vec![Step::Status(503); 4]);
    let harness = Harness::new(api);
    let outcome = harness.run(&config());
    golden(
        "api_failed_page.report.json",
        &harness.report(&outcome).to_json(),
    );
    // Every page arrives, but they state 30 records of 24: a warning.
    let mut api = ScriptedApi::new(24, 6).script(3, [Step::Status(503)]);
    for page in 1..=4 {
        api.stated_totals.insert(page, (30, 4));
    }
    let harness = Harness::new(api);
    let outcome = harness.run(&config());
    golden(
        "api_count_mismatch.report.json",
        &harness.report(&outcome).to_json(),
    );
}
