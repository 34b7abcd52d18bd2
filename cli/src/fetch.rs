//! `customer-pipeline fetch URL`: every page of a paginated API fetched
//! by the core's fetcher (retries, rate-limit waits, pacing, redirects and
//! completeness judged as on the page) over the native platform, then the
//! report. The key comes from the environment (`CUSTOMER_API_KEY`) or a
//! file (`--key-file`), never from an argument: arguments are visible to
//! every user of the machine (`ps`).

use std::cell::RefCell;
use std::path::PathBuf;

use chrono::Utc;
use clap::{Arg, ArgMatches, Command};
use customer_pipeline::fetch::fetcher::{fetch_all, Services};
use customer_pipeline::fetch::pages::PageCache;
use customer_pipeline::fetch::services::CancelToken;
use customer_pipeline::fetch::store::PageStore;
use customer_pipeline::pipeline::process_fetched;
use customer_pipeline::report::Via;
use customer_pipeline::settings::{FetchForm, Setting};
use serde_json::Value;

use crate::args::{fetch_settings, form_values, with_settings};
use crate::disk_store::DiskStore;
use crate::interrupt::Interrupt;
use crate::log::Log;
use crate::native::{NativeTimer, NativeTransport, SystemClock};
use crate::outcome::{Done, Failure};
use crate::run_defaults;

/// Where the key is read from.
pub(crate) const KEY_VARIABLE: &str = "CUSTOMER_API_KEY";

pub(crate) fn command() -> Command {
    let command = Command::new("fetch")
        .about("Fetch every page of a paginated users API into a report")
        .long_about(
            "Fetch every page of a paginated users API into a report.\n\n\
             The API key is read from the environment variable CUSTOMER_API_KEY, or from \
             the file given with --key-file; never from an argument. It is sent only to \
             the API's own origin, never across a redirect elsewhere.",
        );
    let command = with_settings(command, fetch_settings())
        .arg(Arg::new("keep").long("keep").value_name("DIR").help(
            "Keep accepted pages in this folder and reuse them (younger than \
                     --keep-hours), so a run cut short resumes; the key is never stored",
        ))
        .arg(
            Arg::new("key-file")
                .long("key-file")
                .value_name("PATH")
                .help("Read the API key from this file (instead of CUSTOMER_API_KEY)"),
        );
    crate::changes::with_changes(crate::with_outputs(command))
}

/// The key: the file's first line, or the environment's.
fn api_key(matches: &ArgMatches) -> Result<Option<String>, Failure> {
    match matches.get_one::<String>("key-file") {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|error| Failure::Input {
                code: "file_not_readable",
                message: format!("{path}: {error}"),
            })?;
            Ok(text.lines().next().map(str::to_owned))
        }
        None => Ok(std::env::var(KEY_VARIABLE).ok()),
    }
}

pub(crate) fn run(matches: &ArgMatches, log: &Log, interrupt: &Interrupt) -> Result<Done, Failure> {
    let outputs = crate::outputs(matches);
    let mut values = form_values(matches, fetch_settings(), Setting::form_key);
    let (seed, as_of) = run_defaults(&mut values, Setting::form_key);
    let mut set = |setting: Setting, value: Value| {
        if let Some(key) = setting.form_key() {
            values.insert(key.to_owned(), value);
        }
    };
    set(Setting::Seed, Value::String(seed));
    set(Setting::AsOf, Value::String(as_of));
    let keep_dir = matches.get_one::<String>("keep").map(PathBuf::from);
    set(Setting::Keep, Value::Bool(keep_dir.is_some()));
    if let Some(key) = api_key(matches)? {
        set(Setting::ApiKey, Value::String(key));
    }
    let form: FetchForm = serde_json::from_value(Value::Object(values))
        .map_err(|error| Failure::Internal(error.to_string()))?;
    let (config, chosen, mapping) = form.validate()?;
    let earlier = crate::changes::earlier(matches)?;

    let clock = SystemClock;
    let store = match (&keep_dir, config.keep_for) {
        (Some(dir), Some(keep_for)) => {
            let store = DiskStore::open(dir).map_err(|error| Failure::Input {
                code: "store_unavailable",
                message: format!("{}: {error}", dir.display()),
            })?;
            let age = chrono::TimeDelta::from_std(keep_for).unwrap_or(chrono::TimeDelta::MAX);
            if let Some(cutoff) = Utc::now().checked_sub_signed(age) {
                store.delete_older_than(cutoff);
            }
            Some(store)
        }
        _ => None,
    };
    let transport = NativeTransport::new(config.policy.timeout);
    let cache = RefCell::new(PageCache::new());
    let emit = |event: &customer_pipeline::fetch::events::FetchEvent| log.event(event);
    let cancel = CancelToken::new();
    let services = Services {
        transport: &transport,
        timer: &NativeTimer,
        clock: &clock,
        cancel: cancel.clone(),
        cache: &cache,
        store: store.as_ref().map(|store| store as &dyn PageStore),
        on_event: &emit,
    };
    let outcome = futures::executor::block_on(async {
        let run = std::pin::pin!(fetch_all(&config, &services));
        let watch = std::pin::pin!(interrupt.cancel_on_signal(cancel));
        match futures::future::select(run, watch).await {
            futures::future::Either::Left((outcome, _)) => outcome,
            // Cancelled: the fetcher ends at once, with what it has.
            futures::future::Either::Right(((), run)) => run.await,
        }
    });
    if outcome.provenance.cancelled {
        return Err(crate::interrupt::cancelled(outcome.page_bodies().count()));
    }
    if outcome.page_bodies().next().is_none() {
        return Err(match outcome.provenance.failed_pages.first() {
            Some(failure) => Failure::Run {
                code: failure.code.name(),
                message: format!("Could not fetch the first page: {}.", failure.reason),
            },
            None => Failure::Internal("no page was fetched and none failed".into()),
        });
    }
    // The report is made now: its export time is set here, and only here.
    let settings = chosen.stamped(Utc::now());
    let mut report = process_fetched(
        outcome.page_bodies(),
        outcome.provenance.clone(),
        &mapping,
        &settings,
        &clock,
    );
    report.set_via(Via::Cli);
    interrupt.check()?;
    outputs.write(&report)?;
    if let Some((previous, path)) = &earlier {
        crate::changes::write(previous, &report, path)?;
    }
    Ok(Done::of(report.metadata.complete))
}
