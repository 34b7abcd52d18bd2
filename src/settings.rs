//! The settings of a run, as the page gives them (text from its form),
//! checked in one place with one message per problem, and their limits,
//! which the page also reads (through [`crate::vocabulary`]) for its inputs.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::common::dates::{parse_calendar_date, parse_timestamp};
use crate::fetch::fetcher::FetchConfig;
use crate::fetch::kinds::{is_dotted_path, is_parameter_name, ApiShape, Auth, Pagination, Preset};
use crate::fetch::policy::RetryPolicy;
use crate::fetch::url::{Origin, UrlError};
use crate::source::csv_rows::SEPARATORS;
use crate::source::mapping::{MappingError, MappingSpec};
use crate::source::reader::{LayoutHint, ReadOptions};

/// A field mapping as the page gives it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(Serialize))]
#[serde(untagged)]
pub(crate) enum MapSetting {
    /// `id:Customer ID,email:`, the `map` URL parameter's form.
    Text(String),
    /// Contract field → source column or JSON path, `null` for "not in
    /// this source": names any column, commas included.
    Fields(BTreeMap<String, Option<String>>),
}

/// Reads a field mapping (absent: every field as proposed).
///
/// # Errors
/// [`SettingsError`] naming the mapping when it cannot be read.
pub(crate) fn mapping_spec(setting: Option<&MapSetting>) -> Result<MappingSpec, SettingsError> {
    let spec = match setting {
        None => Ok(MappingSpec::none()),
        Some(MapSetting::Text(text)) => MappingSpec::parse(text),
        Some(MapSetting::Fields(fields)) => MappingSpec::from_fields(
            fields
                .iter()
                .map(|(field, column)| (field.as_str(), column.as_deref())),
        ),
    };
    spec.map_err(|error| SettingsError {
        setting: Setting::Map,
        problem: Problem::Map(error),
    })
}

/// The `map` text of a link: `base` (a `map` text, as a link gave it)
/// with `changes` over it, written in contract order as
/// [`MappingSpec::to_text`] writes it. A change the text cannot name (a
/// column with a comma, or spaces around it) is left out: that field stays
/// as `base` has it. A `base` that cannot be read is given back as it is:
/// the link keeps what it was given, and the core refuses it where it is
/// used.
///
/// # Errors
/// [`SettingsError`] naming the mapping when `changes` cannot be read.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // used by the page (web)
pub(crate) fn map_text(base: &str, changes: Option<&MapSetting>) -> Result<String, SettingsError> {
    let changes = mapping_spec(changes)?.writable_only();
    Ok(match MappingSpec::parse(base) {
        Ok(base) => base.overridden_by(&changes).to_text(),
        Err(_) => base.to_owned(),
    })
}

/// How an upload is read, as the page gives it: the field mapping and the
/// CSV separator.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReadForm {
    /// Field mapping overrides (absent or empty: as proposed).
    pub(crate) map: Option<MapSetting>,
    /// A comma, semicolon, tab or pipe (a tab may be written `tab` or `\t`), or
    /// empty to find it from the header.
    pub(crate) separator: Option<String>,
    /// The file's name, whose extension may say its layout.
    pub(crate) file_name: Option<String>,
    /// Draw from the seed what the source lacks (absent: on).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // used by the page (web)
    pub simulate: Option<bool>,
    /// How many workers read the file at once, as typed (absent or
    /// empty: the front end's own count, see [`SettingKind::Cores`]).
    pub(crate) workers: Option<String>,
}

impl ReadForm {
    /// The number of workers asked for, or `None` when left empty (the
    /// front end then uses its own count: the page, the device's cores).
    ///
    /// # Errors
    /// [`SettingsError`] naming `workers` when it is not a whole number
    /// from 1 to 16.
    // Used by the page (`web`, wasm32 only) and by tests.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub fn workers(&self) -> Result<Option<usize>, SettingsError> {
        match self.workers.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(given) => whole_number(Setting::Workers, WORKERS, given).map(|n| Some(n as usize)),
        }
    }

    /// The read options, or the setting that cannot be used.
    ///
    /// # Errors
    /// [`SettingsError`] naming `map` or `separator`.
    // Used by the page (`web`, wasm32 only) and by tests.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub fn validate(&self) -> Result<ReadOptions, SettingsError> {
        let mapping = mapping_spec(self.map.as_ref())?;
        self.workers()?;
        let separator = match self.separator.as_deref().map(|text| text.trim_matches(' ')) {
            None | Some("") => None,
            Some("tab" | "\\t") => Some(b'\t'),
            Some(text) => Some(
                SEPARATORS
                    .iter()
                    .map(|(byte, _)| *byte)
                    .find(|byte| text.as_bytes() == [*byte])
                    .ok_or_else(|| SettingsError {
                        setting: Setting::Separator,
                        problem: Problem::NotASeparator(text.to_owned()),
                    })?,
            ),
        };
        let layout = self
            .file_name
            .as_deref()
            .map(LayoutHint::for_file_name)
            .unwrap_or_default();
        Ok(ReadOptions {
            mapping,
            separator,
            layout,
            ..ReadOptions::default()
        })
    }
}

/// The largest seed accepted: JavaScript numbers hold integers exactly up to here,
/// so a seed read back from a report always reproduces the run.
pub const MAX_SEED: u64 = (1 << 53) - 1;

/// The allowed range of a whole-number setting, and its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limit {
    /// Smallest allowed.
    pub min: u64,
    /// Largest allowed.
    pub max: u64,
    /// Used when the setting is left empty (`None`: then it is not sent).
    pub default: Option<u64>,
}

impl Limit {
    /// From `min` to `max`, and `default` when left empty.
    const fn new(min: u64, max: u64, default: Option<u64>) -> Limit {
        Limit { min, max, default }
    }
}

/// Requests in flight at once.
pub(crate) const CONCURRENCY: Limit = Limit::new(1, 16, Some(4));
/// Retries per page after the first attempt (5xx, timeouts, network, bad answers).
pub(crate) const RETRIES: Limit = Limit::new(0, 10, Some(3));
/// Time allowed per attempt, in milliseconds.
pub(crate) const TIMEOUT_MS: Limit = Limit::new(100, 120_000, Some(10_000));
/// Records per page asked for (`per_page`); empty leaves it to the API.
pub(crate) const PER_PAGE: Limit = Limit::new(1, 10_000, None);
/// The most megabytes one page's answer may have.
pub(crate) const MAX_PAGE_MB: Limit = Limit::new(1, 1024, Some(64));

/// Workers reading an upload at once; the default is the most the page
/// takes when it counts the device's cores (`navigator.hardwareConcurrency`).
pub(crate) const WORKERS: Limit = Limit::new(1, 16, Some(8));

/// Hours a page kept on the device is reused.
pub(crate) const KEEP_HOURS: Limit = Limit::new(1, 720, Some(24));
/// The seed of the seeded assignments.
pub(crate) const SEED: Limit = Limit::new(0, MAX_SEED, None);

/// A run setting, named as errors (`invalid_setting`'s `field`), the
/// vocabulary and the page name it. The vocabulary lists each with its key
/// in the API run's form, its query parameter, its kind and its limit, and
/// the page builds its form, link and error marks from that list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Setting {
    /// The API URL.
    Url,
    /// The API key.
    ApiKey,
    /// Requests in flight.
    Concurrency,
    /// Retries per page.
    Retries,
    /// Time per attempt.
    TimeoutMs,
    /// Page size.
    PerPage,
    /// The most megabytes a page's answer may have.
    MaxPageMb,
    /// Full jitter on retry waits.
    Jitter,
    /// Ignore cached pages.
    Refresh,
    /// Keep fetched pages on the device.
    Keep,
    /// Draw from the seed what the source lacks (on by default, as the
    /// contract says); off: such values are `unknown`.
    Simulate,
    /// Workers reading an upload at once (the file cut into that many
    /// parts at record boundaries); the report is the same whatever it is.
    Workers,
    /// The age after which a page kept on the device is fetched again.
    KeepHours,
    /// The field mapping (`map`).
    Map,
    /// The CSV separator.
    Separator,
    /// The seed.
    Seed,
    /// The reference date.
    AsOf,
    /// The export timestamp (set by the core, or by a program calling
    /// `processUpload`; never typed on the page).
    ExportTimestamp,
    /// The API's preset: `reqres` (default), `shopify`, `hubspot`, `custom`.
    Preset,
    /// The pagination kind: `page`, `offset`, `cursor`, `link`, `next_url`.
    Pagination,
    /// Where the records are: a dotted path (`data`, `customers`), or
    /// empty/`auto` for `data` or the body's one array of objects.
    Records,
    /// How the key is sent: `header:<Name>`, `bearer`, `basic`, `query:<name>`.
    Auth,
    /// The page number's parameter (`page`).
    PageParam,
    /// The page size's parameter (`per_page`, `limit`).
    SizeParam,
    /// The offset's parameter (`offset`).
    OffsetParam,
    /// Where the cursor is in the body (`paging.next.after`).
    CursorPath,
    /// The cursor's parameter (`after`).
    CursorParam,
    /// Where the next page's URL is in the body (`next`).
    NextPath,
}

/// What kind of value a setting takes, which says how the page reads and
/// shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingKind {
    /// An absolute `http(s)` URL.
    Url,
    /// A secret: never in a link, a log or a report.
    Secret,
    /// A whole number within its limit, as text; empty takes the default.
    WholeNumber,
    /// A number of workers: a whole number within its limit, as text;
    /// empty takes as many as the device has cores, at most the limit's
    /// default.
    Cores,
    /// The seed: a whole number within its limit, typed as text.
    Seed,
    /// A `YYYY-MM-DD` date.
    Date,
    /// An RFC 3339 date-time.
    Timestamp,
    /// On or off (a link gives `1` for on).
    Flag,
    /// A field mapping: the `map` text or its object form.
    Mapping,
    /// A CSV separator.
    Separator,
    /// One of the names the vocabulary lists as its `choices`.
    Choice,
    /// A name or dotted path, checked by the core.
    Text,
}

impl Setting {
    /// Every setting (the API's shape last).
    pub const ALL: [Setting; 28] = [
        Setting::Url,
        Setting::ApiKey,
        Setting::Concurrency,
        Setting::Retries,
        Setting::TimeoutMs,
        Setting::PerPage,
        Setting::MaxPageMb,
        Setting::Jitter,
        Setting::Refresh,
        Setting::Keep,
        Setting::KeepHours,
        Setting::Simulate,
        Setting::Workers,
        Setting::Map,
        Setting::Separator,
        Setting::Seed,
        Setting::AsOf,
        Setting::ExportTimestamp,
        Setting::Preset,
        Setting::Pagination,
        Setting::Records,
        Setting::Auth,
        Setting::PageParam,
        Setting::SizeParam,
        Setting::OffsetParam,
        Setting::CursorPath,
        Setting::CursorParam,
        Setting::NextPath,
    ];

    /// The setting's name, as errors (`field`) and the vocabulary give it.
    pub fn name(self) -> &'static str {
        match self {
            Setting::Url => "url",
            Setting::ApiKey => "api_key",
            Setting::Concurrency => "concurrency",
            Setting::Retries => "retries",
            Setting::TimeoutMs => "timeout_ms",
            Setting::PerPage => "per_page",
            Setting::MaxPageMb => "max_page_mb",
            Setting::Jitter => "jitter",
            Setting::Refresh => "refresh",
            Setting::Keep => "keep",
            Setting::KeepHours => "keep_hours",
            Setting::Simulate => "simulate",
            Setting::Workers => "workers",
            Setting::Map => "map",
            Setting::Separator => "separator",
            Setting::Seed => "seed",
            Setting::AsOf => "as_of",
            Setting::ExportTimestamp => "export_timestamp",
            Setting::Preset => "preset",
            Setting::Pagination => "pagination",
            Setting::Records => "records",
            Setting::Auth => "auth",
            Setting::PageParam => "page_param",
            Setting::SizeParam => "size_param",
            Setting::OffsetParam => "offset_param",
            Setting::CursorPath => "cursor_path",
            Setting::CursorParam => "cursor_param",
            Setting::NextPath => "next_path",
        }
    }

    /// Its key in the API run's form ([`FetchForm`], `fetchAndProcess`'s
    /// JSON), if the form takes it. (An upload's read options take `map`
    /// and `separator` under their names: [`ReadForm`].)
    pub fn form_key(self) -> Option<&'static str> {
        match self {
            Setting::Url => Some("url"),
            Setting::ApiKey => Some("apiKey"),
            Setting::Concurrency => Some("concurrency"),
            Setting::Retries => Some("retries"),
            Setting::TimeoutMs => Some("timeoutMs"),
            Setting::PerPage => Some("perPage"),
            Setting::MaxPageMb => Some("maxPageMb"),
            Setting::Jitter => Some("jitter"),
            Setting::Refresh => Some("refresh"),
            Setting::Keep => Some("keep"),
            Setting::KeepHours => Some("keepHours"),
            Setting::Simulate => Some("simulate"),
            Setting::Map => Some("map"),
            Setting::Seed => Some("seed"),
            Setting::AsOf => Some("asOf"),
            Setting::Preset => Some("preset"),
            Setting::Pagination => Some("pagination"),
            Setting::Records => Some("records"),
            Setting::Auth => Some("auth"),
            Setting::PageParam => Some("pageParam"),
            Setting::SizeParam => Some("sizeParam"),
            Setting::OffsetParam => Some("offsetParam"),
            Setting::CursorPath => Some("cursorPath"),
            Setting::CursorParam => Some("cursorParam"),
            Setting::NextPath => Some("nextPath"),
            Setting::Separator | Setting::Workers | Setting::ExportTimestamp => None,
        }
    }

    /// Its parameter in the page's URL query (the automation contract), if
    /// a link may carry it. Never for the key.
    pub(crate) fn query(self) -> Option<&'static str> {
        match self {
            Setting::Url => Some("api"),
            Setting::Concurrency => Some("concurrency"),
            Setting::Retries => Some("retries"),
            Setting::TimeoutMs => Some("timeout_ms"),
            Setting::Keep => Some("keep"),
            Setting::KeepHours => Some("keep_hours"),
            Setting::Simulate => Some("simulate"),
            Setting::Workers => Some("workers"),
            Setting::Map => Some("map"),
            Setting::Separator => Some("separator"),
            Setting::Seed => Some("seed"),
            Setting::AsOf => Some("as_of"),
            Setting::Preset
            | Setting::Pagination
            | Setting::Records
            | Setting::Auth
            | Setting::PageParam
            | Setting::SizeParam
            | Setting::OffsetParam
            | Setting::CursorPath
            | Setting::CursorParam
            | Setting::NextPath => Some(self.name()),
            Setting::ApiKey
            | Setting::PerPage
            | Setting::MaxPageMb
            | Setting::Jitter
            | Setting::Refresh
            | Setting::ExportTimestamp => None,
        }
    }

    /// The kind of value it takes.
    pub fn kind(self) -> SettingKind {
        match self {
            Setting::Url => SettingKind::Url,
            Setting::ApiKey => SettingKind::Secret,
            Setting::Concurrency
            | Setting::Retries
            | Setting::TimeoutMs
            | Setting::PerPage
            | Setting::MaxPageMb
            | Setting::KeepHours => SettingKind::WholeNumber,
            Setting::Workers => SettingKind::Cores,
            Setting::Jitter | Setting::Refresh | Setting::Keep | Setting::Simulate => {
                SettingKind::Flag
            }
            Setting::Map => SettingKind::Mapping,
            Setting::Separator => SettingKind::Separator,
            Setting::Seed => SettingKind::Seed,
            Setting::AsOf => SettingKind::Date,
            Setting::ExportTimestamp => SettingKind::Timestamp,
            Setting::Preset | Setting::Pagination => SettingKind::Choice,
            Setting::Records
            | Setting::Auth
            | Setting::PageParam
            | Setting::SizeParam
            | Setting::OffsetParam
            | Setting::CursorPath
            | Setting::CursorParam
            | Setting::NextPath => SettingKind::Text,
        }
    }

    /// For a choice, the names it takes.
    pub fn choices(self) -> Option<Vec<&'static str>> {
        match self {
            Setting::Preset => Some(Preset::ALL.map(Preset::name).to_vec()),
            Setting::Pagination => Some(Pagination::NAMES.to_vec()),
            _ => None,
        }
    }

    /// Its range and default, for a number.
    pub fn limit(self) -> Option<Limit> {
        match self {
            Setting::Concurrency => Some(CONCURRENCY),
            Setting::Retries => Some(RETRIES),
            Setting::TimeoutMs => Some(TIMEOUT_MS),
            Setting::PerPage => Some(PER_PAGE),
            Setting::MaxPageMb => Some(MAX_PAGE_MB),
            Setting::KeepHours => Some(KEEP_HOURS),
            Setting::Workers => Some(WORKERS),
            Setting::Seed => Some(SEED),
            _ => None,
        }
    }

    /// The setting as people read it in messages.
    pub fn title(self) -> &'static str {
        match self {
            Setting::Url => "The API URL",
            Setting::ApiKey => "The API key",
            Setting::Seed => "The seed",
            Setting::AsOf => "The reference date (as of)",
            Setting::ExportTimestamp => "The export timestamp",
            Setting::Concurrency => "Concurrency",
            Setting::Retries => "Retries",
            Setting::TimeoutMs => "The timeout (ms)",
            Setting::PerPage => "The page size",
            Setting::Map => "The field mapping",
            Setting::Separator => "The CSV separator",
            Setting::KeepHours => "The age of kept pages (hours)",
            Setting::MaxPageMb => "The largest page (MB)",
            Setting::Jitter => "Jitter retry waits",
            Setting::Refresh => "Ignore cached pages",
            Setting::Keep => "Keep fetched pages on this device",
            Setting::Simulate => "Simulate what the source lacks",
            Setting::Workers => "Workers",
            Setting::Preset => "The API preset",
            Setting::Pagination => "The pagination",
            Setting::Records => "Where the records are",
            Setting::Auth => "How the key is sent",
            Setting::PageParam => "The page parameter",
            Setting::SizeParam => "The page size parameter",
            Setting::OffsetParam => "The offset parameter",
            Setting::CursorPath => "Where the cursor is",
            Setting::CursorParam => "The cursor parameter",
            Setting::NextPath => "Where the next page's URL is",
        }
    }

    /// For a flag, whether it is on when nothing says otherwise (a link
    /// then carries `0` to turn it off).
    pub fn on_by_default(self) -> Option<bool> {
        match self.kind() {
            SettingKind::Flag => Some(self == Setting::Simulate),
            _ => None,
        }
    }
}

/// A setting that cannot be used, with what was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    /// Which setting.
    pub setting: Setting,
    /// What is wrong.
    pub(crate) problem: Problem,
}

/// What is wrong with a setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Problem {
    /// Not a whole number within the limit.
    OutOfRange {
        /// The allowed range.
        limit: Limit,
        /// The text given.
        given: String,
    },
    /// Not a `YYYY-MM-DD` date.
    NotADate(String),
    /// Not an RFC 3339 date-time.
    NotATimestamp(String),
    /// Not an API URL a run may fetch.
    Url(UrlError),
    /// Not a field mapping.
    Map(MappingError),
    /// Not one of the separators offered.
    NotASeparator(String),
    /// A character a request header cannot carry (outside Latin-1, a
    /// control character, a line break), with its position (1-based).
    NotAHeaderValue {
        /// The character's position in the key, counting characters.
        at: usize,
    },
    /// A key would travel unencrypted: plain `http:` to a host that is
    /// not this machine.
    InsecureKeyTransport(String),
    /// Not one of the names a choice takes.
    NotAChoice {
        /// The text given.
        given: String,
        /// The names it takes.
        choices: Vec<&'static str>,
    },
    /// Not a query parameter name (letters, digits, `_ - . [ ]`).
    NotAParameterName(String),
    /// Not a dotted path of member names (`paging.next.after`).
    NotAPath(String),
    /// Not an auth kind (`header:<Name>`, `bearer`, `basic`, `query:<name>`).
    NotAnAuth(String),
    /// Basic auth with a key that is not `user:password`.
    NotUserAndPassword,
}

impl SettingsError {
    /// Every code a settings error has.
    pub(crate) const CODES: [&'static str; 2] = ["invalid_setting", "insecure_key_transport"];

    /// The error's code: `insecure_key_transport` for a key that would
    /// travel in clear, `invalid_setting` for everything else.
    // Used by the page (`web`, wasm32 only) and by tests.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub fn code(&self) -> &'static str {
        match self.problem {
            Problem::InsecureKeyTransport(_) => SettingsError::CODES[1],
            _ => SettingsError::CODES[0],
        }
    }
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let title = self.setting.title();
        match &self.problem {
            Problem::OutOfRange { limit, given } => write!(
                f,
                "{title} must be a whole number from {} to {}; got '{given}'.",
                limit.min, limit.max
            ),
            Problem::NotADate(given) => write!(f, "{title} must be YYYY-MM-DD; got '{given}'."),
            Problem::NotATimestamp(given) => {
                write!(f, "{title} must be an RFC 3339 date-time; got '{given}'.")
            }
            Problem::Url(error) => write!(f, "{error}"),
            Problem::Map(error) => write!(f, "{error}"),
            Problem::NotASeparator(given) => write!(
                f,
                "{title} must be a comma, a semicolon, a tab or a pipe; got '{given}'."
            ),
            // The key itself is never repeated in a message.
            Problem::NotAHeaderValue { at } => write!(
                f,
                "{title} has a character a request header cannot carry (character {at}: a \
                 control character, a line break, or one outside Latin-1 such as Cyrillic or \
                 emoji); check that the whole key was pasted, and nothing else."
            ),
            Problem::NotAChoice { given, choices } => write!(
                f,
                "{title} must be one of {}; got '{given}'.",
                choices.join(", ")
            ),
            Problem::NotAParameterName(given) => write!(
                f,
                "{title} must be a query parameter name (letters, digits, _ - . [ ]); got \
                 '{given}'."
            ),
            Problem::NotAPath(given) => write!(
                f,
                "{title} must be a dotted path of member names such as paging.next.after; got \
                 '{given}'."
            ),
            Problem::NotAnAuth(given) => write!(
                f,
                "{title} must be header:<Name> (e.g. header:x-api-key), bearer, basic or \
                 query:<name>; got '{given}'."
            ),
            // The key itself is never repeated in a message.
            Problem::NotUserAndPassword => write!(
                f,
                "{title} must be user:password for basic auth (a colon between the two)."
            ),
            Problem::InsecureKeyTransport(origin) => write!(
                f,
                "The API key would travel unencrypted to {origin} over plain http:; use an \
                 https:// URL (plain http: is allowed with a key only on this machine: \
                 localhost, 127.0.0.1, [::1])."
            ),
        }
    }
}

impl std::error::Error for SettingsError {}

/// Checks that an API key can be a request header's value as the browser
/// sends it: Latin-1 characters other than controls (tab allowed).
///
/// # Errors
/// [`Problem::NotAHeaderValue`] naming the first character that cannot.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // used by the page (web)
pub(crate) fn check_header_value(key: &str) -> Result<(), SettingsError> {
    let bad = key.chars().position(|c| {
        let code = u32::from(c);
        code > 0xFF || (c.is_control() && c != '\t')
    });
    match bad {
        None => Ok(()),
        Some(index) => Err(SettingsError {
            setting: Setting::ApiKey,
            problem: Problem::NotAHeaderValue { at: index + 1 },
        }),
    }
}

/// Reads a whole number within `limit` from text (surrounding spaces allowed).
fn whole_number(setting: Setting, limit: Limit, text: &str) -> Result<u64, SettingsError> {
    let trimmed = text.trim();
    trimmed
        .parse::<u64>()
        .ok()
        .filter(|n| (limit.min..=limit.max).contains(n) && !trimmed.starts_with('+'))
        .ok_or_else(|| SettingsError {
            setting,
            problem: Problem::OutOfRange {
                limit,
                given: text.to_owned(),
            },
        })
}

/// An optional whole number: empty text takes the default.
// Used by the page (`web`, wasm32 only) and by tests.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn optional_number(
    setting: Setting,
    limit: Limit,
    text: Option<&str>,
) -> Result<Option<u64>, SettingsError> {
    match text.map(str::trim) {
        None | Some("") => Ok(limit.default),
        Some(given) => whole_number(setting, limit, given).map(Some),
    }
}

/// The seed and reference date of a run: what decides its customers,
/// known before the run. The export time is added when the report is made
/// ([`SeedAndDate::stamped`]), once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedAndDate {
    /// Seed of the seeded assignments.
    pub(crate) seed: u64,
    /// Reference date for `activity_status`.
    pub(crate) as_of: NaiveDate,
    /// Draw from the seed what the source lacks.
    pub(crate) simulate: bool,
}

impl SeedAndDate {
    /// Reads a decimal seed and a `YYYY-MM-DD` date as the page gives them.
    ///
    /// # Errors
    /// [`SettingsError`] naming the seed or the date.
    pub fn from_text(seed: &str, as_of: &str) -> Result<Self, SettingsError> {
        let seed = whole_number(Setting::Seed, SEED, seed)?;
        let as_of = parse_calendar_date(as_of.trim()).ok_or_else(|| SettingsError {
            setting: Setting::AsOf,
            problem: Problem::NotADate(as_of.to_owned()),
        })?;
        Ok(SeedAndDate {
            seed,
            as_of,
            simulate: true,
        })
    }

    /// The settings of a report made at `export_timestamp`.
    pub fn stamped(self, export_timestamp: DateTime<Utc>) -> RunSettings {
        RunSettings {
            seed: self.seed,
            as_of: self.as_of,
            export_timestamp,
            simulate: self.simulate,
        }
    }
}

/// What every run needs besides its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunSettings {
    /// Seed of the seeded assignments.
    pub seed: u64,
    /// Reference date for `activity_status`.
    pub as_of: NaiveDate,
    /// The moment written as `export_timestamp`.
    pub export_timestamp: DateTime<Utc>,
    /// Draw from the seed what the source lacks (the contract's default);
    /// off, such values are `unknown` and nothing is drawn.
    pub simulate: bool,
}

impl RunSettings {
    /// Reads the settings as the page gives them: a decimal seed, a
    /// `YYYY-MM-DD` date and an RFC 3339 timestamp (e.g. `Date.toISOString()`).
    ///
    /// # Errors
    /// [`SettingsError`] naming the first setting that cannot be used.
    pub fn from_text(
        seed: &str,
        as_of: &str,
        export_timestamp: &str,
    ) -> Result<Self, SettingsError> {
        let chosen = SeedAndDate::from_text(seed, as_of)?;
        let export_timestamp = parse_timestamp(export_timestamp).ok_or_else(|| SettingsError {
            setting: Setting::ExportTimestamp,
            problem: Problem::NotATimestamp(export_timestamp.to_owned()),
        })?;
        Ok(chosen.stamped(export_timestamp))
    }
}

/// An API run's settings as the page's form holds them (JSON, camelCase,
/// numbers as the text typed). Its keys are the settings' form keys
/// ([`Setting::form_key`]), which the page reads from the vocabulary.
#[derive(Debug, Clone, Default, Deserialize)]
// Serialized only by the test that checks the form keys against it.
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // used by the page (web)
pub struct FetchForm {
    /// The users endpoint.
    pub(crate) url: String,
    /// Sent as `x-api-key`; empty means none.
    #[serde(default)]
    pub(crate) api_key: Option<String>,
    /// Page size, or empty.
    #[serde(default)]
    pub(crate) per_page: Option<String>,
    /// Requests in flight, or empty for the default.
    #[serde(default)]
    pub(crate) concurrency: Option<String>,
    /// Retries per page, or empty for the default.
    #[serde(default)]
    pub(crate) retries: Option<String>,
    /// Time per attempt in ms, or empty for the default.
    #[serde(default)]
    pub(crate) timeout_ms: Option<String>,
    /// Full jitter on retry waits.
    #[serde(default)]
    pub(crate) jitter: bool,
    /// Ignore cached pages.
    #[serde(default)]
    pub(crate) refresh: bool,
    /// Keep fetched pages on the device, and reuse the ones kept.
    #[serde(default)]
    pub(crate) keep: bool,
    /// Hours a kept page is reused, or empty for the default; read only
    /// when `keep` is set.
    #[serde(default)]
    pub(crate) keep_hours: Option<String>,
    /// Draw from the seed what the source lacks (absent: on).
    #[serde(default)]
    pub(crate) simulate: Option<bool>,
    /// The most megabytes a page's answer may have, or empty for the default.
    #[serde(default)]
    pub(crate) max_page_mb: Option<String>,
    /// The seed, decimal.
    pub(crate) seed: String,
    /// The reference date, `YYYY-MM-DD`.
    pub(crate) as_of: String,
    /// Field mapping overrides (absent or empty: as proposed).
    #[serde(default)]
    pub(crate) map: Option<MapSetting>,
    /// The API's shape: the preset and what overrides it.
    #[serde(flatten)]
    pub(crate) shape: ShapeForm,
}

/// The API's shape as a form or link gives it: a preset, and any of its
/// settings over it (empty: the preset's). Read by [`ShapeForm::validate`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(Serialize))]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ShapeForm {
    /// `reqres` (empty), `shopify`, `hubspot` or `custom`.
    pub(crate) preset: Option<String>,
    /// `page`, `offset`, `cursor`, `link` or `next_url`.
    pub(crate) pagination: Option<String>,
    /// A dotted path, or `auto`.
    pub(crate) records: Option<String>,
    /// `header:<Name>`, `bearer`, `basic`, `query:<name>`.
    pub(crate) auth: Option<String>,
    /// The page kind's page number parameter.
    pub(crate) page_param: Option<String>,
    /// The page size parameter.
    pub(crate) size_param: Option<String>,
    /// The offset kind's offset parameter.
    pub(crate) offset_param: Option<String>,
    /// The cursor kind's body path.
    pub(crate) cursor_path: Option<String>,
    /// The cursor kind's parameter.
    pub(crate) cursor_param: Option<String>,
    /// The next-URL kind's body path.
    pub(crate) next_path: Option<String>,
}

/// A text setting that was given (not empty), trimmed.
fn given(text: &Option<String>) -> Option<&str> {
    text.as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
}

fn refused(setting: Setting, problem: Problem) -> SettingsError {
    SettingsError { setting, problem }
}

impl ShapeForm {
    /// The API's shape: the preset's, with every setting given over it.
    /// A parameter of a kind the run does not use is not read.
    ///
    /// # Errors
    /// [`SettingsError`] naming the first setting that cannot be used.
    pub(crate) fn validate(&self) -> Result<ApiShape, SettingsError> {
        let preset_text = given(&self.preset).unwrap_or("");
        let preset = Preset::parse(preset_text).ok_or_else(|| {
            refused(
                Setting::Preset,
                Problem::NotAChoice {
                    given: preset_text.to_owned(),
                    choices: Preset::ALL.map(Preset::name).to_vec(),
                },
            )
        })?;
        let mut shape = preset.shape();
        let name =
            |setting: Setting, text: &Option<String>| -> Result<Option<String>, SettingsError> {
                match given(text) {
                    None => Ok(None),
                    Some(name) if is_parameter_name(name) => Ok(Some(name.to_owned())),
                    Some(name) => Err(refused(
                        setting,
                        Problem::NotAParameterName(name.to_owned()),
                    )),
                }
            };
        let path =
            |setting: Setting, text: &Option<String>| -> Result<Option<String>, SettingsError> {
                match given(text) {
                    None => Ok(None),
                    Some(path) if is_dotted_path(path) => Ok(Some(path.to_owned())),
                    Some(path) => Err(refused(setting, Problem::NotAPath(path.to_owned()))),
                }
            };
        if let Some(kind) = given(&self.pagination) {
            if kind != shape.pagination.name() {
                shape.pagination = match kind {
                    "page" => Pagination::Page {
                        param: "page".into(),
                    },
                    "offset" => Pagination::Offset {
                        param: "offset".into(),
                    },
                    "cursor" => Pagination::Cursor {
                        path: "next_cursor".into(),
                        param: "cursor".into(),
                    },
                    "link" => Pagination::Link,
                    "next_url" => Pagination::NextUrl {
                        path: "next".into(),
                    },
                    other => {
                        return Err(refused(
                            Setting::Pagination,
                            Problem::NotAChoice {
                                given: other.to_owned(),
                                choices: Pagination::NAMES.to_vec(),
                            },
                        ))
                    }
                };
                shape.size_param = match kind {
                    "page" => "per_page",
                    _ => "limit",
                }
                .into();
            }
        }
        if let Some(size) = name(Setting::SizeParam, &self.size_param)? {
            shape.size_param = size;
        }
        let page_param = name(Setting::PageParam, &self.page_param)?;
        let offset_param = name(Setting::OffsetParam, &self.offset_param)?;
        let cursor_path = path(Setting::CursorPath, &self.cursor_path)?;
        let cursor_param = name(Setting::CursorParam, &self.cursor_param)?;
        let next_path = path(Setting::NextPath, &self.next_path)?;
        match &mut shape.pagination {
            Pagination::Page { param } => *param = page_param.unwrap_or(param.clone()),
            Pagination::Offset { param } => *param = offset_param.unwrap_or(param.clone()),
            Pagination::Cursor { path, param } => {
                *path = cursor_path.unwrap_or(path.clone());
                *param = cursor_param.unwrap_or(param.clone());
            }
            Pagination::Link => {}
            Pagination::NextUrl { path } => *path = next_path.unwrap_or(path.clone()),
        }
        match given(&self.records) {
            None => {}
            Some("auto") => shape.records = None,
            Some(_) => shape.records = path(Setting::Records, &self.records)?,
        }
        if let Some(auth) = given(&self.auth) {
            shape.auth = Auth::parse(auth)
                .ok_or_else(|| refused(Setting::Auth, Problem::NotAnAuth(auth.to_owned())))?;
        }
        Ok(shape)
    }
}

impl FetchForm {
    /// The fetch configuration, the run's seed and date and the field
    /// mapping, or the first setting that cannot be used. The report's
    /// export time is not a setting: it is the time the report is made,
    /// after the fetch.
    ///
    /// # Errors
    /// [`SettingsError`] naming the setting, with the limit or format it breaks.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // used by the page (web)
    pub fn validate(&self) -> Result<(FetchConfig, SeedAndDate, MappingSpec), SettingsError> {
        let url = self.url.trim();
        let origin = Origin::of(url).map_err(|error| SettingsError {
            setting: Setting::Url,
            problem: Problem::Url(error),
        })?;
        let shape = self.shape.validate()?;
        let api_key = self.api_key.clone().filter(|key| !key.trim().is_empty());
        if let Some(key) = &api_key {
            // A key in the query is encoded; one in a header must be one.
            if shape.auth.query_name().is_none() {
                check_header_value(key)?;
            }
            if shape.auth == Auth::Basic && !key.contains(':') {
                return Err(refused(Setting::ApiKey, Problem::NotUserAndPassword));
            }
            if origin.is_insecure() {
                return Err(SettingsError {
                    setting: Setting::Url,
                    problem: Problem::InsecureKeyTransport(origin.to_string()),
                });
            }
        }
        let chosen = SeedAndDate {
            simulate: self.simulate.unwrap_or(true),
            ..SeedAndDate::from_text(&self.seed, &self.as_of)?
        };
        let number = |setting, limit, text: &Option<String>| {
            optional_number(setting, limit, text.as_deref())
        };
        let defaults = FetchConfig::new(url);
        let concurrency = number(Setting::Concurrency, CONCURRENCY, &self.concurrency)?;
        let retries = number(Setting::Retries, RETRIES, &self.retries)?;
        let timeout_ms = number(Setting::TimeoutMs, TIMEOUT_MS, &self.timeout_ms)?;
        let per_page = number(Setting::PerPage, PER_PAGE, &self.per_page)?;
        let max_page_mb = number(Setting::MaxPageMb, MAX_PAGE_MB, &self.max_page_mb)?;
        let keep_for = if self.keep {
            let hours = number(Setting::KeepHours, KEEP_HOURS, &self.keep_hours)?;
            hours.map(|hours| Duration::from_secs(hours * 3600))
        } else {
            None
        };
        // Every limit has a default where the value cannot be absent.
        let policy = RetryPolicy {
            max_retries: retries.map_or(defaults.policy.max_retries, |n| n as u32),
            jitter: self.jitter,
            timeout: timeout_ms.map_or(defaults.policy.timeout, Duration::from_millis),
            ..defaults.policy
        };
        let config = FetchConfig {
            api_key,
            per_page: per_page.map(|n| n as u32),
            concurrency: concurrency.map_or(defaults.concurrency, |n| n as usize),
            refresh: self.refresh,
            keep_for,
            policy,
            jitter_seed: chosen.seed,
            max_page_bytes: max_page_mb.map_or(defaults.max_page_bytes, |mb| mb << 20),
            shape,
            ..defaults
        };
        let mapping = mapping_spec(self.map.as_ref())?;
        Ok((config, chosen, mapping))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::dates::format_timestamp;
    use crate::source::mapping::Field;

    fn now() -> DateTime<Utc> {
        parse_timestamp("2026-11-24T12:00:00Z").unwrap()
    }

    fn form() -> FetchForm {
        FetchForm {
            url: "http://127.0.0.1:8080/api/users".into(),
            seed: "42".into(),
            as_of: "2026-11-24".into(),
            ..FetchForm::default()
        }
    }

    #[test]
    fn settings_are_named_as_errors_name_them_and_keyed_as_the_form_reads_them() {
        crate::common::testing::assert_serialized_as(&Setting::ALL, Setting::name);
        // Every form key is one the form takes, and the form takes no other.
        let keys: Vec<&str> = Setting::ALL.iter().filter_map(|s| s.form_key()).collect();
        let form = serde_json::to_value(FetchForm::default()).unwrap();
        let mut fields: Vec<&str> = form
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut sorted = keys.clone();
        fields.sort_unstable();
        sorted.sort_unstable();
        assert_eq!(sorted, fields);
        let every: serde_json::Map<String, serde_json::Value> = Setting::ALL
            .iter()
            .filter_map(|setting| {
                let value = match setting.kind() {
                    SettingKind::Flag => serde_json::Value::Bool(true),
                    _ => serde_json::Value::String(String::new()),
                };
                setting.form_key().map(|key| (key.to_owned(), value))
            })
            .collect();
        let read: Result<FetchForm, _> = serde_json::from_value(every.into());
        assert!(read.is_ok(), "{read:?}");

        // Links: one parameter per setting, never the key.
        let mut queries: Vec<&str> = Setting::ALL.iter().filter_map(|s| s.query()).collect();
        let all = queries.len();
        queries.sort_unstable();
        queries.dedup();
        assert_eq!(queries.len(), all);
        for setting in Setting::ALL {
            if setting.kind() == SettingKind::Secret {
                assert_eq!(setting.query(), None, "{setting:?}");
            }
            let numeric = matches!(
                setting.kind(),
                SettingKind::WholeNumber | SettingKind::Cores | SettingKind::Seed
            );
            assert_eq!(setting.limit().is_some(), numeric, "{setting:?}");
        }
    }

    #[test]
    fn run_settings_from_text() {
        let s = RunSettings::from_text(" 7 ", "2026-01-31", "2026-01-31T10:11:12.345Z").unwrap();
        assert_eq!(s.seed, 7);
        assert_eq!(s.as_of.to_string(), "2026-01-31");
        assert_eq!(format_timestamp(s.export_timestamp), "2026-01-31T10:11:12Z");
        assert_eq!(
            RunSettings::from_text("9007199254740991", "2026-01-31", "2026-01-31T00:00:00Z")
                .map(|s| s.seed),
            Ok(MAX_SEED)
        );
        for bad in ["", "-1", "1.5", "abc", "+3", "9007199254740992"] {
            let error =
                RunSettings::from_text(bad, "2026-01-31", "2026-01-31T00:00:00Z").unwrap_err();
            assert_eq!(error.setting, Setting::Seed, "{bad}");
            assert_eq!(
                error.to_string(),
                format!("The seed must be a whole number from 0 to {MAX_SEED}; got '{bad}'.")
            );
        }
        let error = RunSettings::from_text("1", "31/01/2026", "2026-01-31T00:00:00Z").unwrap_err();
        assert_eq!(
            error.to_string(),
            "The reference date (as of) must be YYYY-MM-DD; got '31/01/2026'."
        );
        let error = RunSettings::from_text("1", "2026-01-31", "now").unwrap_err();
        assert_eq!(
            error.to_string(),
            "The export timestamp must be an RFC 3339 date-time; got 'now'."
        );
    }

    #[test]
    fn empty_numbers_take_the_defaults() {
        let (config, chosen, _) = form().validate().unwrap();
        assert_eq!(config.concurrency, 4);
        assert_eq!(config.policy.max_retries, 3);
        assert_eq!(config.policy.timeout, Duration::from_secs(10));
        assert_eq!(config.per_page, None);
        assert_eq!(config.jitter_seed, 42);
        assert_eq!(
            (chosen.seed, chosen.as_of.to_string().as_str()),
            (42, "2026-11-24")
        );
        // The export time is the report's, given once when it is made.
        let settings = chosen.stamped(now());
        assert_eq!(
            (settings.seed, settings.as_of, settings.export_timestamp),
            (42, chosen.as_of, now())
        );
    }

    #[test]
    fn numbers_are_checked_against_their_limits_not_clamped() {
        let cases = [
            (
                "concurrency",
                "17",
                Setting::Concurrency,
                "Concurrency must be a whole number from 1 to 16; got '17'.",
            ),
            (
                "concurrency",
                "0",
                Setting::Concurrency,
                "Concurrency must be a whole number from 1 to 16; got '0'.",
            ),
            (
                "retries",
                "2.5",
                Setting::Retries,
                "Retries must be a whole number from 0 to 10; got '2.5'.",
            ),
            (
                "timeout",
                "50",
                Setting::TimeoutMs,
                "The timeout (ms) must be a whole number from 100 to 120000; got '50'.",
            ),
            (
                "per_page",
                "abc",
                Setting::PerPage,
                "The page size must be a whole number from 1 to 10000; got 'abc'.",
            ),
        ];
        for (which, given, setting, message) in cases {
            let mut form = form();
            let slot = match which {
                "concurrency" => &mut form.concurrency,
                "retries" => &mut form.retries,
                "timeout" => &mut form.timeout_ms,
                _ => &mut form.per_page,
            };
            *slot = Some(given.into());
            let error = form.validate().unwrap_err();
            assert_eq!(
                (error.setting, error.to_string().as_str()),
                (setting, message)
            );
        }
        let mut edge = form();
        edge.concurrency = Some("16".into());
        edge.retries = Some("0".into());
        edge.per_page = Some(" 25 ".into());
        let (config, _, _) = edge.validate().unwrap();
        assert_eq!(
            (
                config.concurrency,
                config.policy.max_retries,
                config.per_page
            ),
            (16, 0, Some(25))
        );
    }

    #[test]
    fn only_http_api_urls_are_accepted() {
        for (url, message) in [
            ("", "Enter the API URL, e.g. https://reqres.in/api/users."),
            (
                "javascript:alert(1)",
                "The API URL must start with http:// or https://; 'javascript:' URLs are not fetched.",
            ),
            (
                "data:application/json,{}",
                "The API URL must start with http:// or https://; 'data:' URLs are not fetched.",
            ),
        ] {
            let mut form = form();
            form.url = url.into();
            let error = form.validate().unwrap_err();
            assert_eq!((error.setting, error.to_string().as_str()), (Setting::Url, message));
        }
    }

    #[test]
    fn keeping_pages_is_off_unless_asked_and_its_age_is_checked() {
        let (config, _, _) = form().validate().unwrap();
        assert_eq!(config.keep_for, None);
        let mut ignored = form();
        ignored.keep_hours = Some("not read".into());
        assert_eq!(ignored.validate().unwrap().0.keep_for, None);

        let mut keep = form();
        keep.keep = true;
        let day = Duration::from_secs(24 * 3600);
        assert_eq!(keep.validate().unwrap().0.keep_for, Some(day));
        keep.keep_hours = Some(" 720 ".into());
        assert_eq!(
            keep.validate().unwrap().0.keep_for,
            Some(Duration::from_secs(720 * 3600))
        );
        for bad in ["0", "721", "1.5", "x"] {
            keep.keep_hours = Some(bad.into());
            let error = keep.validate().unwrap_err();
            assert_eq!(
                (error.setting, error.to_string()),
                (
                    Setting::KeepHours,
                    format!(
                        "The age of kept pages (hours) must be a whole number from 1 to 720; \
                         got '{bad}'."
                    )
                )
            );
        }
        let parsed: FetchForm = serde_json::from_str(
            r#"{"url": "http://h/api/users", "seed": "1", "asOf": "2026-11-24", "keep": true, "keepHours": "2"}"#,
        )
        .unwrap();
        assert_eq!(
            parsed.validate().unwrap().0.keep_for,
            Some(Duration::from_secs(7200))
        );
    }

    #[test]
    fn an_empty_key_is_no_key() {
        let mut with_blank = form();
        with_blank.api_key = Some("  ".into());
        assert_eq!(with_blank.validate().unwrap().0.api_key, None);
    }

    #[test]
    fn workers_are_a_whole_number_from_1_to_16_or_the_front_ends_count() {
        let form = |workers: Option<&str>| ReadForm {
            workers: workers.map(str::to_owned),
            ..ReadForm::default()
        };
        assert_eq!(form(None).workers(), Ok(None));
        assert_eq!(form(Some(" ")).workers(), Ok(None));
        assert_eq!(form(Some("1")).workers(), Ok(Some(1)));
        assert_eq!(form(Some(" 16 ")).workers(), Ok(Some(16)));
        for bad in ["0", "17", "2.5", "two", "-1", "+2"] {
            let error = form(Some(bad)).workers().unwrap_err();
            assert_eq!(error.setting, Setting::Workers, "{bad}");
            assert_eq!(
                error.to_string(),
                format!("Workers must be a whole number from 1 to 16; got '{bad}'.")
            );
            // Refused wherever the form is read.
            assert_eq!(form(Some(bad)).validate().unwrap_err(), error);
        }
        let read: ReadForm = serde_json::from_str(r#"{"workers": "3"}"#).unwrap();
        assert_eq!(read.workers(), Ok(Some(3)));
        assert_eq!(Setting::Workers.kind(), SettingKind::Cores);
        assert_eq!(Setting::Workers.query(), Some("workers"));
        assert_eq!(Setting::Workers.form_key(), None, "not the API run's");
        assert_eq!(Setting::Workers.limit(), Some(Limit::new(1, 16, Some(8))));
    }

    #[test]
    fn a_read_form_gives_the_mapping_and_the_separator() {
        let form = |map: &str, separator: &str| ReadForm {
            map: Some(MapSetting::Text(map.to_owned())),
            separator: Some(separator.to_owned()),
            file_name: None,
            simulate: None,
            workers: None,
        };
        let options = form("id:Customer ID,avatar:", ";").validate().unwrap();
        assert_eq!(options.separator, Some(b';'));
        assert_eq!(
            options.mapping,
            MappingSpec::parse("id:Customer ID,avatar:").unwrap()
        );
        assert_eq!(form("", "tab").validate().unwrap().separator, Some(b'\t'));
        assert_eq!(form("", "\t").validate().unwrap().separator, Some(b'\t'));
        assert_eq!(form("", "\\t").validate().unwrap().separator, Some(b'\t'));
        assert_eq!(form("", "|").validate().unwrap().separator, Some(b'|'));
        assert_eq!(form("", "").validate().unwrap().separator, None);
        assert_eq!(ReadForm::default().validate().unwrap().separator, None);

        let error = form("", ":").validate().unwrap_err();
        assert_eq!(error.setting, Setting::Separator);
        assert_eq!(
            error.to_string(),
            "The CSV separator must be a comma, a semicolon, a tab or a pipe; got ':'."
        );
        let error = form("colour:Name", "").validate().unwrap_err();
        assert_eq!(error.setting, Setting::Map);

        // The object form names columns the text form cannot.
        let json = r#"{"map": {"id": "Customer, ID", "avatar": null}, "separator": ""}"#;
        let form: ReadForm = serde_json::from_str(json).unwrap();
        let mut expected = MappingSpec::none();
        expected.set(Field::Id, Some("Customer, ID".to_owned()));
        expected.set(Field::Avatar, None);
        assert_eq!(form.validate().unwrap().mapping, expected);
        let form: ReadForm = serde_json::from_str(r#"{"map": {"colour": "x"}}"#).unwrap();
        assert_eq!(form.validate().unwrap_err().setting, Setting::Map);
    }

    #[test]
    fn a_links_map_text_is_its_map_with_the_changes_over_it() {
        let picks: MapSetting =
            serde_json::from_str(r#"{"email": null, "id": "Customer, ID", "avatar": "Photo"}"#)
                .unwrap();
        assert_eq!(
            map_text("id:Customer ID,first_name:Given", Some(&picks)).unwrap(),
            "id:Customer ID,first_name:Given,email:,avatar:Photo",
            "a column with a comma cannot be written: the field stays as the link has it"
        );
        assert_eq!(map_text("", None).unwrap(), "");
        assert_eq!(map_text(" id : X ", None).unwrap(), "id:X");
        assert_eq!(
            map_text("colour:x", Some(&picks)).unwrap(),
            "colour:x",
            "kept as given, for the core to refuse where it is used"
        );
        let wrong: MapSetting = serde_json::from_str(r#"{"colour": "x"}"#).unwrap();
        assert_eq!(
            map_text("", Some(&wrong)).unwrap_err().setting,
            Setting::Map
        );
    }

    #[test]
    fn keys_a_header_cannot_carry_are_refused_on_the_key_field() {
        let with_key = |key: &str| FetchForm {
            api_key: Some(key.into()),
            ..form()
        };
        for (key, at) in [
            ("ключ", 1),
            ("ab\ncd", 3),
            ("a\rb", 2),
            ("k\u{0}", 2),
            ("key😀", 4),
            ("\u{85}x", 1),
        ] {
            let error = with_key(key).validate().unwrap_err();
            assert_eq!(error.setting, Setting::ApiKey, "{key:?}");
            assert_eq!(error.problem, Problem::NotAHeaderValue { at }, "{key:?}");
            assert_eq!(error.code(), "invalid_setting");
            assert!(
                !error.to_string().contains(key),
                "the key is never repeated"
            );
        }
        for key in ["reqres-free-v1", "café-ÿ", "a\tb", " spaced "] {
            let (config, _, _) = with_key(key).validate().unwrap();
            assert_eq!(config.api_key.as_deref(), Some(key), "{key:?}");
        }
    }

    #[test]
    fn a_key_travels_in_clear_only_on_this_machine() {
        let run = |url: &str, key: Option<&str>| {
            FetchForm {
                url: url.into(),
                api_key: key.map(str::to_owned),
                ..form()
            }
            .validate()
        };
        let error = run("http://api.example.com/api/users", Some("k")).unwrap_err();
        assert_eq!(error.code(), "insecure_key_transport");
        assert_eq!(error.setting, Setting::Url);
        assert!(error.to_string().contains("use an https:// URL"), "{error}");
        assert!(
            run("http://api.example.com/api/users", None).is_ok(),
            "no key, no secret"
        );
        assert!(
            run("http://api.example.com/api/users", Some("  ")).is_ok(),
            "an empty key is none"
        );
        for url in [
            "https://api.example.com/api/users",
            "http://127.0.0.1:8080/api/users",
            "http://localhost:8080/api/users",
            "http://[::1]:8080/api/users",
        ] {
            assert!(run(url, Some("k")).is_ok(), "{url}");
        }
    }

    #[test]
    fn credentials_in_the_url_are_refused() {
        let error = FetchForm {
            url: "https://user:pass@api.example.com/api/users".into(),
            ..form()
        }
        .validate()
        .unwrap_err();
        assert_eq!(error.setting, Setting::Url);
        assert!(error.to_string().contains("API key field"), "{error}");
        assert!(!error.to_string().contains("pass@"), "{error}");
    }

    fn shape_of(json: serde_json::Value) -> Result<ApiShape, SettingsError> {
        let mut form = serde_json::to_value(form()).unwrap();
        for (key, value) in json.as_object().unwrap() {
            form[key] = value.clone();
        }
        let form: FetchForm = serde_json::from_value(form).unwrap();
        form.validate().map(|(config, _, _)| config.shape)
    }

    #[test]
    fn presets_fill_the_shape_and_custom_fields_override_it() {
        use serde_json::json;
        assert_eq!(shape_of(json!({})).unwrap(), ApiShape::default());
        assert_eq!(
            shape_of(json!({"preset": "shopify"})).unwrap(),
            Preset::Shopify.shape()
        );
        let hubspot = shape_of(json!({"preset": "hubspot"})).unwrap();
        assert_eq!(hubspot.auth, Auth::Bearer);
        assert_eq!(hubspot.records.as_deref(), Some("results"));
        assert_eq!(hubspot.page_size(None), Some(100));
        let custom = shape_of(json!({
            "preset": "custom", "pagination": "cursor", "cursorPath": "meta.next",
            "cursorParam": "starting_after", "records": "items", "auth": "query:token",
            "sizeParam": "count", "pageParam": "ignored-for-a-cursor"
        }))
        .unwrap();
        assert_eq!(
            custom.pagination,
            Pagination::Cursor {
                path: "meta.next".into(),
                param: "starting_after".into()
            }
        );
        assert_eq!(custom.size_param, "count");
        assert_eq!(custom.records.as_deref(), Some("items"));
        assert_eq!(custom.auth, Auth::Query("token".into()));
        let offset = shape_of(json!({"preset": "custom", "pagination": "offset"})).unwrap();
        assert_eq!(
            (offset.pagination, offset.size_param.as_str()),
            (
                Pagination::Offset {
                    param: "offset".into()
                },
                "limit"
            )
        );
        let pages = shape_of(json!({"pagination": "page", "pageParam": "p"})).unwrap();
        assert_eq!(pages.pagination, Pagination::Page { param: "p".into() });
        assert_eq!(pages.size_param, "per_page");
        assert_eq!(
            shape_of(json!({"preset": "shopify", "records": "auto"}))
                .unwrap()
                .records,
            None
        );
    }

    #[test]
    fn shape_settings_are_refused_with_their_field() {
        use serde_json::json;
        let cases = [
            (
                json!({"preset": "stripe"}),
                "preset",
                "must be one of reqres, shopify, hubspot, custom",
            ),
            (
                json!({"pagination": "scroll"}),
                "pagination",
                "must be one of page, offset, cursor, link, next_url",
            ),
            (json!({"records": "a..b"}), "records", "dotted path"),
            (json!({"auth": "token"}), "auth", "header:<Name>"),
            (json!({"auth": "header:a b"}), "auth", "header:<Name>"),
            (
                json!({"pagination": "cursor", "cursorParam": "a b"}),
                "cursor_param",
                "query parameter name",
            ),
            (
                json!({"pagination": "next_url", "nextPath": "next. url"}),
                "next_path",
                "dotted path",
            ),
            (
                json!({"sizeParam": "a&b"}),
                "size_param",
                "query parameter name",
            ),
            (
                json!({"auth": "basic", "apiKey": "no-colon"}),
                "api_key",
                "user:password",
            ),
        ];
        for (given, field, says) in cases {
            let error = shape_of(given.clone()).unwrap_err();
            assert_eq!(error.setting.name(), field, "{given}");
            assert_eq!(error.code(), "invalid_setting");
            assert!(error.to_string().contains(says), "{given}: {error}");
            assert!(
                !error.to_string().contains("no-colon"),
                "the key is never repeated"
            );
        }
        // A key in the query is encoded, so it may hold what a header cannot.
        assert!(shape_of(json!({"auth": "query:key", "apiKey": "ключ"})).is_ok());
        assert!(shape_of(json!({"auth": "bearer", "apiKey": "ключ"})).is_err());
        assert!(shape_of(json!({"auth": "basic", "apiKey": "user:pass"})).is_ok());
        // An unknown key is still refused.
        let mut form = serde_json::to_value(form()).unwrap();
        form["cursor"] = json!("x");
        assert!(serde_json::from_value::<FetchForm>(form).is_err());
    }

    #[test]
    fn choices_are_listed_for_the_page() {
        assert_eq!(
            Setting::Preset.choices().unwrap(),
            ["reqres", "shopify", "hubspot", "custom"]
        );
        assert_eq!(Setting::Pagination.choices().unwrap().len(), 5);
        assert_eq!(Setting::Records.choices(), None);
    }
}
