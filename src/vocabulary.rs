//! The words the page and the core share, defined once here and sent to
//! the page as one JSON document: quality buckets with their thresholds
//! and summary keys, every enriched field with its values in dashboard
//! order, the scored fields, the table's columns, the run settings (names,
//! form keys, query parameters, kinds, limits), the log's levels and event
//! kinds, every error code and the details errors carry, and the probe's
//! size. The page builds its selects, legends, chart order, form, link,
//! input limits and log filter from it, and keeps no copy; a test reads
//! `www/` for codes, levels and kinds the core does not have.
//!
//! The page receives [`TEXT`], this module's output written once into
//! `src/vocabulary.json` and checked by a test here: building the document
//! in the `.wasm` took 17 KB of it (7 KB gzipped, issue 22). After a change
//! to the vocabulary: `UPDATE_VOCABULARY=1 cargo test --lib vocabulary`.
// Built only by the test that writes and checks `src/vocabulary.json`.
#![cfg_attr(not(test), allow(dead_code))]

use std::collections::BTreeMap;

use serde::Serialize;

use crate::common::errors::{ErrorDetail, RequestFailure};
use crate::common::events::Level;
use crate::compare::ReadError;
use crate::fetch::budget::RateSource;
use crate::fetch::events::EventKind;
use crate::fetch::fetcher::MAX_REDIRECTS;
use crate::fetch::kinds::Preset;
use crate::fetch::store::StoreError;
use crate::provenance::FailureCode;
use crate::report::distributions::TOP_DOMAINS;
use crate::report::table::Column;
use crate::report::QualitySummary;
use crate::schema::{Kind, Origin, LINE};
use crate::settings::{Limit, Setting, SettingKind, SettingsError};
use crate::source::csv_rows::SEPARATORS;
use crate::source::ingest::{IngestError, InputFormat};
use crate::source::mapping::Field as ContractField;
use crate::source::probe::{PREVIEW_RECORDS, PROBE_BYTES};
use crate::stream::UploadEventKind;
use crate::transform::enrich::ACTIVE_WITHIN_DAYS;
use crate::transform::quality::{scored_label, QualityBucket, POINTS_PER_ISSUE, SCORED_FIELDS};

/// [`vocabulary`] as JSON text, as the page receives it.
pub(crate) const TEXT: &str = include_str!("vocabulary.json");

/// Everything the page needs to name and limit things.
#[derive(Debug, Serialize)]
pub(crate) struct Vocabulary {
    /// Quality buckets, best first, with their score ranges.
    pub(crate) quality_buckets: Vec<Bucket>,
    /// The customer line, field by field ([`crate::schema::LINE`]).
    pub(crate) line: Vec<LineEntry>,
    /// The charted (enumerated) fields of the line, with their values in
    /// dashboard order.
    pub(crate) fields: Vec<Field>,
    /// The fields that count towards the quality score.
    pub(crate) scored_fields: Vec<Named>,
    /// Points deducted per quality issue.
    pub(crate) points_per_issue: u8,
    /// Days before `as_of` within which a login counts as active.
    pub(crate) active_within_days: i64,
    /// The customer table's columns (the line's fields).
    pub(crate) columns: Vec<Column>,
    /// The run settings: each one's name (as `invalid_setting` names it),
    /// key in the API run's form, query parameter, kind and limit.
    pub(crate) settings: Vec<SettingEntry>,
    /// The API presets, in the page's order, each with the shape it fills
    /// (`preset`, `pagination`, `records`, `auth`, the kinds' parameter
    /// names and `size`, the page size asked for when none is set).
    pub(crate) presets: Vec<BTreeMap<String, String>>,
    /// The pagination kinds whose pages are fetched one at a time.
    pub(crate) sequential_paginations: Vec<&'static str>,
    /// The most pages one API run fetches.
    pub(crate) max_pages: u64,
    /// Same-origin redirects followed in a row, at most.
    pub(crate) max_redirects: u32,
    /// Email domains listed in `top_email_domains`.
    pub(crate) top_email_domains: usize,
    /// The input contract's fields, in order: what a mapping maps.
    pub(crate) contract_fields: Vec<Named>,
    /// The CSV separators a user may choose (`value` is the character).
    pub(crate) separators: Vec<Separator>,
    /// Records shown in the mapping preview.
    pub(crate) preview_records: usize,
    /// Bytes of a file's start the mapping probe reads (all of a smaller file).
    pub(crate) probe_bytes: usize,
    /// The layouts a source may have (`source.format`, the probe's `format`).
    pub(crate) layouts: Vec<Named>,
    /// The levels of the run log's events, from the least to the most that matters.
    pub(crate) log_levels: Vec<Named>,
    /// Every error code the core can give, with what gives it.
    pub(crate) error_codes: Vec<ErrorCode>,
    /// The properties an error carries besides its message (`code`,
    /// `field`, …): what the worker forwards to the page.
    pub(crate) error_details: Vec<&'static str>,
    /// The kinds of the run log's entries: the events of an API run
    /// (`fetch`) and of a file (`upload`), and the one the page adds itself
    /// (`page`: a download).
    pub(crate) event_kinds: Vec<EventKindName>,
    /// The headers an API announces its budget in, as a `paced` event
    /// names them in `source` (`label` is the header).
    pub(crate) rate_sources: Vec<Named>,
}

/// A kind of the run log's entries.
#[derive(Debug, Serialize)]
pub(crate) struct EventKindName {
    /// The `kind` the entry carries.
    pub(crate) name: &'static str,
    /// As people read it.
    pub(crate) label: &'static str,
    /// Whose entry it is: `fetch`, `upload` or `page`.
    pub(crate) of: &'static str,
}

/// The entries the page adds to the run log itself: a download (the core
/// writes the file, the page saves it).
const PAGE_EVENT_KINDS: [(&str, &str); 1] = [("exported", "File downloaded")];

fn event_kinds() -> Vec<EventKindName> {
    let of = |of: &'static str| {
        move |(name, label): (&'static str, &'static str)| EventKindName { name, label, of }
    };
    EventKind::KINDS
        .into_iter()
        .map(of("fetch"))
        .chain(UploadEventKind::KINDS.into_iter().map(of("upload")))
        .chain(PAGE_EVENT_KINDS.into_iter().map(of("page")))
        .collect()
}

/// An error code and what gives it.
#[derive(Debug, Serialize)]
pub(crate) struct ErrorCode {
    /// The code (`invalid_json`, `auth_rejected`, …).
    pub(crate) code: &'static str,
    /// What gives it: `file` (reading a source), `fetch` (an API page),
    /// `setting`, `previous_report` (reading an earlier report), `store`
    /// (pages kept on the device) or `request` (no stage: cancelled,
    /// nothing to answer with, overtaken, or a bug). A code may come
    /// from more than one (`invalid_json`).
    pub(crate) of: &'static str,
}

/// Every error code, with what gives it.
fn error_codes() -> Vec<ErrorCode> {
    let of = |of: &'static str| move |code: &'static str| ErrorCode { code, of };
    IngestError::CODES
        .into_iter()
        .map(of("file"))
        .chain(
            FailureCode::ALL
                .map(FailureCode::name)
                .into_iter()
                .map(of("fetch")),
        )
        .chain(SettingsError::CODES.into_iter().map(of("setting")))
        .chain(ReadError::CODES.into_iter().map(of("previous_report")))
        .chain(StoreError::CODES.into_iter().map(of("store")))
        .chain(
            RequestFailure::ALL
                .map(RequestFailure::code)
                .into_iter()
                .map(of("request")),
        )
        .collect()
}

/// A CSV separator.
#[derive(Debug, Serialize)]
pub(crate) struct Separator {
    /// The character.
    pub(crate) value: String,
    /// As people read it.
    pub(crate) label: &'static str,
}

/// A quality bucket.
#[derive(Debug, Serialize)]
pub(crate) struct Bucket {
    /// `high`, `medium` or `low`.
    pub(crate) name: &'static str,
    /// Lowest score in it.
    pub(crate) min: u8,
    /// Highest score in it.
    pub(crate) max: u8,
    /// The key of its count in the report's `data_quality_summary`.
    pub(crate) summary_key: &'static str,
}

/// An enriched field and its values.
#[derive(Debug, Serialize)]
pub(crate) struct Field {
    /// The report's key.
    pub(crate) name: &'static str,
    /// As people read it.
    pub(crate) label: &'static str,
    /// Its values, as exported, in order.
    pub(crate) values: Vec<&'static str>,
}

/// One field of the customer line, as the page needs it.
#[derive(Debug, Serialize)]
pub(crate) struct LineEntry {
    /// Its key in the report and in the page's rows.
    pub(crate) key: &'static str,
    /// Its column heading.
    pub(crate) heading: &'static str,
    /// Its name in titles and charts.
    pub(crate) title: &'static str,
    /// What it holds: `id`, `text`, `enum`, `score` or `issues`.
    pub(crate) kind: &'static str,
    /// For `enum`: its values, in order.
    pub(crate) values: Option<&'static [&'static str]>,
    /// Where its value comes from: `source`, `derived`, `derived_or_seeded`, `seeded`.
    pub(crate) origin: Origin,
    /// Whether the customer table sorts by it.
    pub(crate) sortable: bool,
    /// Whether the dashboard charts it.
    pub(crate) charted: bool,
}

/// A name and how people read it.
#[derive(Debug, Serialize)]
pub(crate) struct Named {
    /// The report's key.
    pub(crate) name: &'static str,
    /// As people read it.
    pub(crate) label: &'static str,
}

/// A run setting, as the page builds its form, link and limits from it.
#[derive(Debug, Serialize)]
pub(crate) struct SettingEntry {
    /// The core's name (`invalid_setting`'s `field`; the page's inputs
    /// carry it as `data-setting`).
    pub(crate) name: &'static str,
    /// Its key in the API run's form (`fetchAndProcess`), if it has one.
    pub(crate) form_key: Option<&'static str>,
    /// Its parameter in the page's URL query, if a link may carry it.
    pub(crate) query: Option<&'static str>,
    /// The kind of value it takes.
    pub(crate) kind: SettingKind,
    /// Its range and default, for a number.
    pub(crate) limit: Option<Limit>,
    /// For a flag, whether it is on when nothing says otherwise.
    pub(crate) on_by_default: Option<bool>,
    /// For a choice, the names it takes (in the page's order).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) choices: Option<Vec<&'static str>>,
}

/// The vocabulary.
pub(crate) fn vocabulary() -> Vocabulary {
    Vocabulary {
        quality_buckets: QualityBucket::ALL
            .into_iter()
            .map(|bucket| Bucket {
                name: bucket.name(),
                min: bucket.min_score(),
                max: bucket.max_score(),
                summary_key: QualitySummary::key(bucket),
            })
            .collect(),
        line: LINE
            .iter()
            .map(|spec| LineEntry {
                key: spec.key,
                heading: spec.heading,
                title: spec.title,
                kind: spec.kind.name(),
                values: match spec.kind {
                    Kind::Enum(choices) => Some(choices.labels),
                    _ => None,
                },
                origin: spec.origin,
                sortable: spec.sortable,
                charted: spec.charted,
            })
            .collect(),
        fields: LINE
            .iter()
            .filter(|spec| spec.charted)
            .filter_map(|spec| match spec.kind {
                Kind::Enum(choices) => Some(Field {
                    name: spec.key,
                    label: spec.title,
                    values: choices.labels.to_vec(),
                }),
                _ => None,
            })
            .collect(),
        scored_fields: SCORED_FIELDS
            .iter()
            .copied()
            .map(|field| Named {
                name: field.name(),
                label: scored_label(field),
            })
            .collect(),
        points_per_issue: POINTS_PER_ISSUE,
        active_within_days: ACTIVE_WITHIN_DAYS,
        columns: LINE.iter().map(|spec| Column::of(spec.field)).collect(),
        settings: Setting::ALL
            .into_iter()
            .map(|setting| SettingEntry {
                name: setting.name(),
                form_key: setting.form_key(),
                query: setting.query(),
                kind: setting.kind(),
                limit: setting.limit(),
                on_by_default: setting.on_by_default(),
                choices: setting.choices(),
            })
            .collect(),
        presets: Preset::ALL
            .into_iter()
            .map(|preset| {
                let shape = preset.shape();
                let mut described = shape.describe();
                if let Some(size) = shape.default_size {
                    described.insert("size".into(), size.to_string());
                }
                let (label, hint) = match preset {
                    // The custom auth is typed: the label stays general.
                    Preset::Custom => (
                        "API key or token",
                        "Sent as the field Key sent as says".to_owned(),
                    ),
                    _ => shape.auth.key_label(),
                };
                described.insert("key_label".into(), label.into());
                described.insert("key_hint".into(), hint);
                described
            })
            .collect(),
        sequential_paginations: vec!["cursor", "link", "next_url"],
        max_pages: crate::fetch::fetcher::FetchConfig::new("").max_pages,
        max_redirects: MAX_REDIRECTS,
        top_email_domains: TOP_DOMAINS,
        contract_fields: ContractField::ALL
            .into_iter()
            .map(|field| Named {
                name: field.name(),
                label: field.label(),
            })
            .collect(),
        separators: SEPARATORS
            .iter()
            .map(|(byte, label)| Separator {
                value: char::from(*byte).to_string(),
                label,
            })
            .collect(),
        preview_records: PREVIEW_RECORDS,
        probe_bytes: PROBE_BYTES,
        layouts: InputFormat::ALL
            .into_iter()
            .map(|format| Named {
                name: format.name(),
                label: format.label(),
            })
            .collect(),
        error_codes: error_codes(),
        error_details: ErrorDetail::ALL.map(ErrorDetail::name).to_vec(),
        event_kinds: event_kinds(),
        rate_sources: RateSource::ALL
            .into_iter()
            .map(|source| Named {
                name: source.name(),
                label: source.header(),
            })
            .collect(),
        log_levels: Level::ALL
            .into_iter()
            .map(|level| Named {
                name: level.name(),
                label: level.label(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page's copy is this module's output (see the module's docs).
    #[test]
    fn the_shipped_text_is_this_vocabulary() {
        let written = serde_json::to_string(&vocabulary()).unwrap();
        if std::env::var_os("UPDATE_VOCABULARY").is_some() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/vocabulary.json");
            std::fs::write(path, &written).unwrap();
        } else {
            assert!(
                TEXT == written,
                "src/vocabulary.json is not the vocabulary: UPDATE_VOCABULARY=1 cargo test --lib vocabulary"
            );
        }
    }

    #[test]
    fn the_vocabulary_names_what_the_report_uses() {
        let json = serde_json::to_value(vocabulary()).unwrap();
        assert_eq!(
            json["quality_buckets"],
            serde_json::json!([
                {"name": "high", "min": 90, "max": 100, "summary_key": "high_quality"},
                {"name": "medium", "min": 70, "max": 89, "summary_key": "medium_quality"},
                {"name": "low", "min": 0, "max": 69, "summary_key": "low_quality"}
            ])
        );
        assert_eq!(
            json["fields"][3]["values"],
            serde_json::json!(["US-West", "US-East", "EU-Central", "APAC", "unknown"])
        );
        assert_eq!(json["scored_fields"][5]["name"], "engagement_score");
        assert_eq!(json["scored_fields"][5]["label"], "Engagement score");
        assert_eq!(
            json["columns"][0],
            serde_json::json!({
                "key": "customer_id", "label": "ID", "kind": "id",
                "min_rem": 8.0, "share": 0.0, "wrap": "never", "sortable": true
            })
        );
        // Widths and breaks come from the kind: a domain breaks at dots, a
        // name at spaces, the issues one a line, in less room than the names.
        let wraps: Vec<&str> = json["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["wrap"].as_str().unwrap())
            .collect();
        assert_eq!(
            wraps,
            [
                "never", "words", "dots", "never", "never", "never", "never", "never", "never",
                "lines"
            ]
        );
        assert_eq!(json["columns"][2]["kind"], "domain");
        // An enumerated field's column fits its longest label (`email_campaign`),
        // and a column its heading's longest word (`Engagement`).
        let min = |c: usize| json["columns"][c]["min_rem"].as_f64().unwrap();
        assert_eq!(json["columns"][5]["key"], "acquisition_channel");
        assert_eq!(min(5), 8.0);
        assert_eq!(min(3), 6.5);
        assert_eq!(min(4), 5.5);
        let share = |c: usize| json["columns"][c]["share"].as_f64().unwrap();
        assert!(
            share(9) < share(1) + share(2),
            "the issues take less than name and domain"
        );
        assert_eq!(json["columns"][9]["sortable"], false);
        assert_eq!(
            json["settings"][2],
            serde_json::json!({
                "name": "concurrency", "form_key": "concurrency", "query": "concurrency",
                "kind": "whole_number", "limit": {"min": 1, "max": 16, "default": 4},
                "on_by_default": null
            })
        );
        assert_eq!(
            json["settings"][1],
            serde_json::json!({
                "name": "api_key", "form_key": "apiKey", "query": null, "kind": "secret",
                "limit": null, "on_by_default": null
            })
        );
        assert_eq!(
            json["settings"][5]["limit"]["default"],
            serde_json::Value::Null
        );
        let workers = json["settings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|entry| entry["name"] == "workers")
            .unwrap();
        assert_eq!(
            workers,
            &serde_json::json!({
                "name": "workers", "form_key": null, "query": "workers", "kind": "cores",
                "limit": {"min": 1, "max": 16, "default": 8}, "on_by_default": null
            })
        );
        assert_eq!(json["max_pages"], 1000);
        assert_eq!(json["contract_fields"].as_array().map(Vec::len), Some(7));
        assert_eq!(
            json["contract_fields"][6],
            serde_json::json!({"name": "engagement_score", "label": "Engagement score"})
        );
        assert_eq!(
            json["separators"][2],
            serde_json::json!({"value": "\t", "label": "Tab"})
        );
        assert_eq!(json["preview_records"], 5);
        assert_eq!(json["probe_bytes"], 65536);
        assert_eq!(
            json["layouts"][5],
            serde_json::json!({"name": "csv", "label": "CSV with a header row"})
        );
        assert_eq!(
            json["log_levels"],
            serde_json::json!([
                {"name": "info", "label": "Information"},
                {"name": "warn", "label": "Warnings"},
                {"name": "error", "label": "Errors"}
            ])
        );
        crate::common::testing::assert_serialized_as(&InputFormat::ALL, InputFormat::name);
    }

    #[test]
    fn every_error_code_is_listed_once_per_giver_and_every_detail_named() {
        let codes = error_codes();
        let listed = |of: &str| -> Vec<&str> {
            codes
                .iter()
                .filter(|code| code.of == of)
                .map(|code| code.code)
                .collect()
        };
        for of in [
            "file",
            "fetch",
            "setting",
            "previous_report",
            "store",
            "request",
        ] {
            let mut each = listed(of);
            let all = each.len();
            each.sort_unstable();
            each.dedup();
            assert!(all > 0 && each.len() == all, "{of}: {:?}", listed(of));
        }
        assert_eq!(
            listed("previous_report"),
            [
                "empty_file",
                "invalid_json",
                "value_too_large",
                "not_a_report"
            ]
        );
        assert_eq!(
            listed("setting"),
            ["invalid_setting", "insecure_key_transport"]
        );
        assert_eq!(listed("store"), ["store_full", "store_unavailable"]);
        assert_eq!(
            listed("request"),
            [
                "cancelled",
                "internal",
                "no_report",
                "no_changes",
                "superseded"
            ]
        );
        assert!(listed("fetch").contains(&"page_too_large"));
        assert!(listed("file").contains(&"no_id_column"));
        let json = serde_json::to_value(vocabulary()).unwrap();
        assert_eq!(
            json["error_details"],
            serde_json::json!([
                "code",
                "field",
                "line",
                "column",
                "page",
                "pages_fetched",
                "looks_like"
            ])
        );
        assert_eq!(
            json["error_codes"][0],
            serde_json::json!({"code": "empty_file", "of": "file"})
        );
    }

    #[test]
    fn rate_sources_name_their_headers() {
        let json = serde_json::to_value(vocabulary()).unwrap();
        assert_eq!(
            json["rate_sources"][2],
            serde_json::json!({"name": "shopify_call_limit", "label": "X-Shopify-Shop-Api-Call-Limit"})
        );
        assert_eq!(json["rate_sources"].as_array().unwrap().len(), 4);
    }

    #[test]
    fn event_kinds_are_every_fetch_and_upload_kind_and_the_pages_own() {
        let json = serde_json::to_value(vocabulary()).unwrap();
        let kinds = json["event_kinds"].as_array().unwrap();
        assert_eq!(kinds.len(), 13 + 5 + 1);
        assert_eq!(
            kinds[3],
            serde_json::json!({"name": "retry", "label": "Retry after backoff", "of": "fetch"})
        );
        assert_eq!(
            kinds[5],
            serde_json::json!({"name": "paced", "label": "Paced by the API's budget", "of": "fetch"})
        );
        assert_eq!(kinds[13]["name"], "upload_started");
        assert_eq!(kinds[13]["of"], "upload");
        assert_eq!(
            kinds[17],
            serde_json::json!({"name": "read_in_one_piece", "label": "Read in one piece", "of": "upload"})
        );
        assert_eq!(
            kinds[18],
            serde_json::json!({"name": "exported", "label": "File downloaded", "of": "page"})
        );
        let mut names: Vec<&str> = kinds.iter().map(|k| k["name"].as_str().unwrap()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), kinds.len(), "each kind once");
    }

    #[test]
    fn the_pages_inputs_name_the_cores_settings_and_every_typed_one_has_an_input() {
        let html = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/www/index.html"))
            .unwrap();
        let mut named: Vec<&str> = html
            .split("data-setting=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        assert!(named.len() > 10, "{named:?}");
        let all = named.len();
        named.sort_unstable();
        named.dedup();
        assert_eq!(named.len(), all, "one input per setting");
        for name in &named {
            assert!(
                Setting::ALL.iter().any(|setting| setting.name() == *name),
                "index.html: data-setting=\"{name}\" is not a setting of the core"
            );
        }
        // The mapping panel holds `map`; every other setting a form or a
        // link carries is typed into an input.
        for setting in Setting::ALL {
            let typed = setting.form_key().is_some() || setting.query().is_some();
            if typed && setting.kind() != SettingKind::Mapping {
                assert!(named.contains(&setting.name()), "no input for {setting:?}");
            }
        }
    }

    /// The page's scripts: every `.js` file under `www/` but the generated `pkg/`.
    fn page_scripts() -> Vec<(String, String)> {
        fn walk(dir: &std::path::Path, found: &mut Vec<(String, String)>) {
            let mut entries: Vec<_> = std::fs::read_dir(dir)
                .unwrap()
                .map(|entry| entry.unwrap().path())
                .collect();
            entries.sort();
            for path in entries {
                if path.is_dir() {
                    if path.file_name().is_some_and(|name| name != "pkg") {
                        walk(&path, found);
                    }
                } else if path.extension().is_some_and(|ext| ext == "js") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
                    let name = path.strip_prefix(root).unwrap_or(&path);
                    found.push((name.display().to_string(), text));
                }
            }
        }
        let mut found = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("www"),
            &mut found,
        );
        found
    }

    /// The quoted literals `key` is compared with or given in `source`
    /// through one of `ops` (`key === 'x'`, `key: 'x'`, `key = 'x'`);
    /// `key` starts a word (`error.code` and `{ code` count, `errorcode`
    /// does not).
    fn literals_of(source: &str, key: &str, ops: &[&str]) -> Vec<String> {
        let mut found = Vec::new();
        for (at, _) in source.match_indices(key) {
            let before = source[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                continue;
            }
            let rest = source[at + key.len()..].trim_start();
            let Some(op) = ops.iter().find(|op| rest.starts_with(**op)) else {
                continue;
            };
            let rest = &rest[op.len()..];
            // `=` must not be the start of `==` or `=>`.
            if rest.starts_with(['=', '>']) {
                continue;
            }
            let rest = rest.trim_start();
            let Some(quote) = rest.chars().next().filter(|c| matches!(c, '\'' | '"')) else {
                continue;
            };
            if let Some(end) = rest[1..].find(quote) {
                found.push(rest[1..1 + end].to_owned());
            }
        }
        found
    }

    #[test]
    fn literals_are_found_where_a_key_is_compared_or_given() {
        let source = "if (error.code === 'a') x = { code: \"b\", kind: 'c' };\n\
                      failure.code = 'd'; if (code !== 'e' || errorcode === 'no' || code => 'no') {}\n\
                      if (code == other) {}";
        assert_eq!(
            literals_of(source, "code", &["===", "!==", ":", "="]),
            ["a", "b", "d", "e"]
        );
        assert_eq!(literals_of(source, "kind", &[":"]), ["c"]);
    }

    #[test]
    fn the_page_uses_only_the_cores_codes_and_keeps_no_copy_of_its_lists() {
        let json = serde_json::to_value(vocabulary()).unwrap();
        let names = |list: &serde_json::Value, key: &str| -> Vec<String> {
            list.as_array()
                .unwrap()
                .iter()
                .map(|entry| entry[key].as_str().unwrap().to_owned())
                .collect()
        };
        let codes = names(&json["error_codes"], "code");
        let levels = names(&json["log_levels"], "name");
        let kinds = names(&json["event_kinds"], "name");
        let scripts = page_scripts();
        assert!(scripts.len() > 5, "the page's scripts are read");
        let mut used = Vec::new();
        for (path, source) in &scripts {
            for code in literals_of(source, "code", &["===", "!==", "==", "!=", ":", "="]) {
                assert!(
                    codes.contains(&code),
                    "{path}: '{code}' is not a code of the core"
                );
                used.push(code);
            }
            for level in literals_of(source, "level", &["===", "!==", ":"]) {
                assert!(
                    levels.contains(&level),
                    "{path}: '{level}' is not a level of the core"
                );
            }
            // `kind` also names other things in www/ (a source, a download):
            // an event's kind is compared as `event.kind` or given as `kind:`.
            let compared = literals_of(source, "event.kind", &["===", "!=="]);
            for kind in compared
                .into_iter()
                .chain(literals_of(source, "kind", &[":"]))
            {
                assert!(
                    kinds.contains(&kind),
                    "{path}: '{kind}' is not an event kind of the core"
                );
                used.push(kind);
            }
            for constant in ["SETTING_INPUTS", "LEVELS", "ERROR_DETAILS", "PROBE_BYTES"] {
                let defined = source.match_indices(constant).any(|(at, _)| {
                    let around =
                        |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
                    !around(source[..at].chars().next_back())
                        && !around(source[at + constant.len()..].chars().next())
                });
                assert!(
                    !defined,
                    "{path} still has {constant}: the core's vocabulary has it"
                );
            }
        }
        for code in [
            "invalid_setting",
            "cancelled",
            "internal",
            "no_report",
            "no_changes",
            "retry",
            "exported",
        ] {
            assert!(
                used.iter().any(|used| used == code),
                "the scan finds '{code}' in www/"
            );
        }
    }

    #[test]
    fn the_readme_names_every_error_code_and_detail() {
        let readme =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
        let json = serde_json::to_value(vocabulary()).unwrap();
        let codes = json["error_codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| &c["code"]);
        for name in codes.chain(json["error_details"].as_array().unwrap()) {
            let name = name.as_str().unwrap();
            assert!(readme.contains(&format!("`{name}`")), "README: `{name}`");
        }
    }

    #[test]
    fn bucket_ranges_agree_with_the_scoring() {
        for score in 0..=100u8 {
            let bucket = QualityBucket::of(score);
            assert!(
                (bucket.min_score()..=bucket.max_score()).contains(&score),
                "{score} in {bucket:?}"
            );
        }
    }
}
