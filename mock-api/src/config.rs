//! Settings, and parsing them from command-line flags and query parameters.
//!
//! Every setting has one snake_case name. A flag is the same name in
//! kebab-case (`--failure-rate` is `failure_rate`), and the same name works
//! as a per-request query parameter and in `POST /__admin/config`, so all
//! three paths go through [`Settings::apply`].

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;

use serde_json::{json, Value};

use crate::budget::RateMode;
use crate::spelled::spelled;

/// Largest synthetic dataset; keeps a per-request `users=` from exhausting memory.
pub const MAX_USERS: usize = 100_000;
/// Largest page size a request may ask for.
pub const MAX_PER_PAGE: usize = 10_000;
/// Longest delay a setting may ask for (ten minutes), so a typo cannot park threads forever.
pub const MAX_DELAY_MS: u64 = 600_000;
/// Largest request budget a second (`budget`).
pub const MAX_BUDGET: u64 = 100_000;

spelled! {
    /// How a `Retry-After` header expresses the wait.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum RetryAfterFormat {
        /// Delay in whole seconds, e.g. `Retry-After: 1`.
        Seconds => "seconds",
        /// An absolute HTTP-date, e.g. `Retry-After: Wed, 21 Oct 2015 07:28:00 GMT`.
        HttpDate => "http-date",
    }
}

spelled! {
    /// Whether the API answers `302 Found` instead of the page, and where to.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Redirect {
        /// Answer the page.
        None => "none",
        /// Redirect to the same API under `/api/moved/users` on the same origin.
        Same => "same",
        /// Redirect to `/api/users` on another origin (`redirect_origin`).
        Cross => "cross",
    }
}

spelled! {
    /// Which real API the answers look like.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Shape {
        /// reqres.in: `{"page", "per_page", "total", "total_pages", "data"}`.
        Reqres => "reqres",
        /// Shopify Admin REST customers: `{"customers": [...]}`, `Link`
        /// pagination, `X-Shopify-Access-Token`.
        Shopify => "shopify",
        /// HubSpot CRM v3 contacts: `{"results": [...], "paging": ...}`, every
        /// field a string under `properties`, a cursor, a bearer token.
        Hubspot => "hubspot",
    }
}

spelled! {
    /// How the answers page.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Paging {
        /// `?page=N&per_page=M`.
        Page => "page",
        /// `?offset=N&limit=M`.
        Offset => "offset",
        /// A cursor in the body (`paging.next.after`), sent back as `after`.
        Cursor => "cursor",
        /// A `Link: <…page_info=…>; rel="next"` header.
        Link => "link",
        /// A `"next"` URL in the body.
        NextUrl => "next_url",
    }
}

/// Everything that shapes an API answer: dataset, paging and faults.
///
/// Server-wide values come from flags and `POST /__admin/config`; a request
/// may override any of them with query parameters for itself only.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Records per page when the request has no `per_page`.
    pub per_page: usize,
    /// `None` serves the twelve reqres.in users; `Some(n)` a synthetic dataset of `n`.
    pub users: Option<usize>,
    /// Seed for fault decisions, synthetic data and defect placement.
    pub seed: u64,
    /// Share of attempts answered 500 or 503.
    pub failure_rate: f64,
    /// Share of attempts answered 429 with `Retry-After`.
    pub rate_limit_rate: f64,
    /// How `Retry-After` is written.
    pub retry_after_format: RetryAfterFormat,
    /// The wait `Retry-After` asks for, in seconds.
    pub retry_after_secs: u64,
    /// Delay added to every API response, in milliseconds.
    pub latency_ms: u64,
    /// Share of attempts answered only after `slow_ms`.
    pub slow_rate: f64,
    /// Extra delay of a slow answer, in milliseconds.
    pub slow_ms: u64,
    /// Share of attempts answered 200 with truncated JSON.
    pub malformed_rate: f64,
    /// Share of records followed by a duplicate customer (same `id`, another
    /// email, no avatar); duplicates are part of the dataset and of `total`.
    pub duplicate_rate: f64,
    /// Whether some records break the data contract.
    pub defects: bool,
    /// Whether page 1 under-reports `total_pages` by one.
    pub changing_total: bool,
    /// Pages that always answer 503, whatever the attempt.
    pub fail_pages: BTreeSet<u32>,
    /// Faults are only injected on attempts `1..=max_faults_per_page` of a page.
    pub max_faults_per_page: u32,
    /// When set, requests must carry `x-api-key` with this value.
    pub api_key: Option<String>,
    /// Whether `Retry-After` is listed in `Access-Control-Expose-Headers`.
    pub expose_retry_after: bool,
    /// Whether every page answers what page 1 answers, as an API that
    /// ignores the `page` parameter would.
    pub ignore_page: bool,
    /// Pages that answer only their first records, on every attempt.
    pub short_pages: BTreeSet<u32>,
    /// Pages that answer `"data": []`, on every attempt.
    pub empty_pages: BTreeSet<u32>,
    /// Whether a page past the last one answers the last page (with its
    /// number), as APIs that clamp the page number do, instead of `"data": []`.
    pub clamp: bool,
    /// Whether page bodies leave out `total_pages`.
    pub hide_total_pages: bool,
    /// Whether page bodies leave out `total`.
    pub hide_total: bool,
    /// Whether the API answers `302 Found` instead of the page.
    pub redirect: Redirect,
    /// Origin a `cross` redirect points at, e.g. `http://localhost:8080`;
    /// `None` means this server under its other loopback name.
    pub redirect_origin: Option<String>,
    /// Which real API the answers look like.
    pub shape: Shape,
    /// How the answers page; `None`: as the shape does (reqres pages,
    /// Shopify links, HubSpot cursors).
    pub pagination: Option<Paging>,
    /// How the key must be presented (`header:Name`, `bearer`, `basic`,
    /// `query:name`); `None`: as the shape does.
    pub auth: Option<String>,
    /// Whether API answers carry CORS headers (off: a browser refuses them).
    pub cors: bool,
    /// Whether page 2 gives the same next page as page 1: a cursor loop.
    pub cursor_loop: bool,
    /// Requests allowed a second (or, with `rate=shopify`, the leaky
    /// bucket's size), announced in the headers `rate` names; a request
    /// past it is a 429. 0: no budget.
    pub budget: u64,
    /// Which headers announce `budget` (`xrl`, `ietf`, `shopify`, `hubspot`).
    pub rate: RateMode,
}

impl Settings {
    /// How the answers page, the shape's way unless `pagination` says.
    pub fn paging(&self) -> Paging {
        self.pagination.unwrap_or(match self.shape {
            Shape::Reqres => Paging::Page,
            Shape::Shopify => Paging::Link,
            Shape::Hubspot => Paging::Cursor,
        })
    }

    /// How the key must be presented, the shape's way unless `auth` says.
    pub fn auth_kind(&self) -> &str {
        self.auth.as_deref().unwrap_or(match self.shape {
            Shape::Reqres => "header:x-api-key",
            Shape::Shopify => "header:X-Shopify-Access-Token",
            Shape::Hubspot => "bearer",
        })
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            per_page: 6,
            users: None,
            seed: 1,
            failure_rate: 0.2,
            rate_limit_rate: 0.0,
            retry_after_format: RetryAfterFormat::Seconds,
            retry_after_secs: 1,
            latency_ms: 0,
            slow_rate: 0.0,
            slow_ms: 15_000,
            malformed_rate: 0.0,
            duplicate_rate: 0.0,
            defects: false,
            changing_total: false,
            fail_pages: BTreeSet::new(),
            max_faults_per_page: 2,
            api_key: None,
            expose_retry_after: true,
            ignore_page: false,
            short_pages: BTreeSet::new(),
            empty_pages: BTreeSet::new(),
            clamp: false,
            hide_total_pages: false,
            hide_total: false,
            redirect: Redirect::None,
            redirect_origin: None,
            shape: Shape::Reqres,
            pagination: None,
            auth: None,
            cors: true,
            cursor_loop: false,
            budget: 0,
            rate: RateMode::XRateLimit,
        }
    }
}

/// What went wrong while reading a flag, query parameter or admin setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// The name is not a known setting.
    UnknownSetting {
        /// The name as given (flag or parameter).
        name: String,
    },
    /// The value could not be read as what the setting needs.
    InvalidValue {
        /// The setting's snake_case name.
        name: String,
        /// The value as given.
        value: String,
        /// A description of what is accepted.
        expected: Cow<'static, str>,
    },
    /// A flag that needs a value came last on the command line.
    MissingValue {
        /// The flag as given.
        flag: String,
    },
    /// A command-line word that is not a `--flag`.
    UnexpectedArgument {
        /// The word as given.
        arg: String,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::UnknownSetting { name } => write!(f, "unknown setting `{name}`"),
            ConfigError::InvalidValue {
                name,
                value,
                expected,
            } => write!(
                f,
                "invalid value `{value}` for `{name}`: expected {expected}"
            ),
            ConfigError::MissingValue { flag } => write!(f, "flag `{flag}` needs a value"),
            ConfigError::UnexpectedArgument { arg } => {
                write!(f, "unexpected argument `{arg}` (flags start with --)")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

fn invalid(name: &str, value: &str, expected: impl Into<Cow<'static, str>>) -> ConfigError {
    ConfigError::InvalidValue {
        name: name.to_string(),
        value: value.to_string(),
        expected: expected.into(),
    }
}

fn parse_rate(name: &str, value: &str) -> Result<f64, ConfigError> {
    match value.trim().parse::<f64>() {
        Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
        _ => Err(invalid(name, value, "a number from 0 to 1")),
    }
}

fn parse_bounded(
    name: &str,
    value: &str,
    max: u64,
    expected: &'static str,
) -> Result<u64, ConfigError> {
    match value.trim().parse::<u64>() {
        Ok(n) if n <= max => Ok(n),
        _ => Err(invalid(name, value, expected)),
    }
}

/// Reads a boolean; an empty value means "on" so `?defects` alone works.
fn parse_bool(name: &str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(invalid(name, value, "1/true/yes/on or 0/false/no/off")),
    }
}

fn parse_pages(name: &str, value: &str) -> Result<BTreeSet<u32>, ConfigError> {
    value
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| match p.parse::<u32>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(invalid(
                name,
                value,
                "a comma-separated list of page numbers (1 or more)",
            )),
        })
        .collect()
}

/// What `redirect_origin` accepts.
const ORIGIN_EXPECTED: &str =
    "an origin such as http://localhost:8080 (scheme, host, optional port), or empty";

/// Reads an origin; empty means "none". Only characters of a host and port
/// are accepted after the scheme, so the value can go into a `Location`
/// header as it is (no path, query, user info, spaces or line breaks).
fn parse_origin(name: &str, value: &str) -> Result<Option<String>, ConfigError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let origin = trimmed.strip_suffix('/').unwrap_or(trimmed);
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    match authority {
        Some(a)
            if !a.is_empty()
                && a.chars().all(|c| {
                    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '[' | ']')
                }) =>
        {
            Ok(Some(origin.to_string()))
        }
        _ => Err(invalid(name, value, ORIGIN_EXPECTED)),
    }
}

impl Settings {
    /// Names accepted by [`Settings::apply`], in the order `--help` lists them.
    pub const NAMES: &'static [&'static str] = &[
        "per_page",
        "users",
        "seed",
        "failure_rate",
        "rate_limit_rate",
        "retry_after_format",
        "retry_after_secs",
        "latency_ms",
        "slow_rate",
        "slow_ms",
        "malformed_rate",
        "duplicate_rate",
        "defects",
        "changing_total",
        "fail_pages",
        "max_faults_per_page",
        "api_key",
        "expose_retry_after",
        "ignore_page",
        "short_pages",
        "empty_pages",
        "clamp",
        "hide_total_pages",
        "hide_total",
        "redirect",
        "redirect_origin",
        "shape",
        "pagination",
        "auth",
        "cors",
        "cursor_loop",
        "budget",
        "rate",
    ];

    /// Sets one setting from its snake_case name and textual value.
    ///
    /// Empty values mean: `users` back to the reqres.in dataset, `fail_pages`,
    /// `short_pages` and `empty_pages` none, `api_key` not required,
    /// `redirect_origin` the other loopback name, booleans on.
    ///
    /// # Errors
    /// [`ConfigError::UnknownSetting`] for a name not in [`Settings::NAMES`];
    /// [`ConfigError::InvalidValue`] when the value is out of range or unreadable
    /// (the setting is then left unchanged).
    pub fn apply(&mut self, name: &str, value: &str) -> Result<(), ConfigError> {
        match name {
            "per_page" => {
                let n = parse_bounded(
                    name,
                    value,
                    MAX_PER_PAGE as u64,
                    "a page size from 1 to 10000",
                )?;
                if n == 0 {
                    return Err(invalid(name, value, "a page size from 1 to 10000"));
                }
                self.per_page = n as usize;
            }
            "users" => {
                self.users = match value.trim() {
                    "" | "reqres" => None,
                    v => Some(parse_bounded(
                        name,
                        v,
                        MAX_USERS as u64,
                        "a user count from 0 to 100000, or `reqres`",
                    )? as usize),
                };
            }
            "seed" => {
                self.seed = value
                    .trim()
                    .parse()
                    .map_err(|_| invalid(name, value, "an unsigned 64-bit integer"))?;
            }
            "failure_rate" => self.failure_rate = parse_rate(name, value)?,
            "rate_limit_rate" => self.rate_limit_rate = parse_rate(name, value)?,
            "slow_rate" => self.slow_rate = parse_rate(name, value)?,
            "malformed_rate" => self.malformed_rate = parse_rate(name, value)?,
            "duplicate_rate" => self.duplicate_rate = parse_rate(name, value)?,
            "retry_after_format" => {
                // `http_date` as well, as the setting's own name is written.
                let text = match value.trim() {
                    "http_date" => "http-date",
                    text => text,
                };
                self.retry_after_format = RetryAfterFormat::parse(text)
                    .ok_or_else(|| invalid(name, value, RetryAfterFormat::EXPECTED))?;
            }
            "retry_after_secs" => {
                self.retry_after_secs =
                    parse_bounded(name, value, 86_400, "seconds from 0 to 86400")?;
            }
            "latency_ms" => {
                self.latency_ms =
                    parse_bounded(name, value, MAX_DELAY_MS, "milliseconds from 0 to 600000")?;
            }
            "slow_ms" => {
                self.slow_ms =
                    parse_bounded(name, value, MAX_DELAY_MS, "milliseconds from 0 to 600000")?;
            }
            "defects" => self.defects = parse_bool(name, value)?,
            "changing_total" => self.changing_total = parse_bool(name, value)?,
            "expose_retry_after" => self.expose_retry_after = parse_bool(name, value)?,
            "ignore_page" => self.ignore_page = parse_bool(name, value)?,
            "clamp" => self.clamp = parse_bool(name, value)?,
            "hide_total_pages" => self.hide_total_pages = parse_bool(name, value)?,
            "hide_total" => self.hide_total = parse_bool(name, value)?,
            "fail_pages" => self.fail_pages = parse_pages(name, value)?,
            "short_pages" => self.short_pages = parse_pages(name, value)?,
            "empty_pages" => self.empty_pages = parse_pages(name, value)?,
            "redirect" => {
                self.redirect = Redirect::parse(value.trim())
                    .ok_or_else(|| invalid(name, value, Redirect::EXPECTED))?;
            }
            "redirect_origin" => self.redirect_origin = parse_origin(name, value)?,
            "shape" => {
                // Empty: the reqres shape, as when none is set.
                self.shape = match value.trim() {
                    "" => Shape::Reqres,
                    text => {
                        Shape::parse(text).ok_or_else(|| invalid(name, value, Shape::EXPECTED))?
                    }
                };
            }
            "pagination" => {
                // Empty: as the shape pages.
                self.pagination = match value.trim() {
                    "" => None,
                    text => Some(Paging::parse(text).ok_or_else(|| {
                        invalid(name, value, format!("{}, or empty", Paging::EXPECTED))
                    })?),
                };
            }
            "auth" => {
                let text = value.trim();
                let valid = text.is_empty()
                    || matches!(text, "bearer" | "basic")
                    || text
                        .strip_prefix("header:")
                        .or_else(|| text.strip_prefix("query:"))
                        .is_some_and(|n| {
                            !n.is_empty()
                                && n.chars()
                                    .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
                        });
                if !valid {
                    return Err(invalid(
                        name,
                        value,
                        "`header:Name`, `bearer`, `basic`, `query:name`, or empty",
                    ));
                }
                self.auth = Some(text.to_owned()).filter(|t| !t.is_empty());
            }
            "cors" => self.cors = parse_bool(name, value)?,
            "cursor_loop" => self.cursor_loop = parse_bool(name, value)?,
            "budget" => {
                self.budget = parse_bounded(
                    name,
                    value,
                    MAX_BUDGET,
                    "requests a second from 0 (no budget) to 100000",
                )?;
            }
            "rate" => {
                self.rate = RateMode::parse(value.trim())
                    .ok_or_else(|| invalid(name, value, RateMode::EXPECTED))?;
            }
            "max_faults_per_page" => {
                self.max_faults_per_page =
                    parse_bounded(name, value, u64::from(u32::MAX), "a non-negative integer")?
                        as u32;
            }
            "api_key" => {
                self.api_key = Some(value.to_string()).filter(|k| !k.is_empty());
            }
            _ => {
                return Err(ConfigError::UnknownSetting {
                    name: name.to_string(),
                })
            }
        }
        Ok(())
    }

    /// The settings as JSON for `/__admin/config`; the API key itself is
    /// never shown, only whether one is required.
    pub fn to_json(&self) -> Value {
        json!({
            "per_page": self.per_page,
            "users": self.users,
            "seed": self.seed,
            "failure_rate": self.failure_rate,
            "rate_limit_rate": self.rate_limit_rate,
            "retry_after_format": self.retry_after_format.as_str(),
            "retry_after_secs": self.retry_after_secs,
            "latency_ms": self.latency_ms,
            "slow_rate": self.slow_rate,
            "slow_ms": self.slow_ms,
            "malformed_rate": self.malformed_rate,
            "duplicate_rate": self.duplicate_rate,
            "defects": self.defects,
            "changing_total": self.changing_total,
            "fail_pages": self.fail_pages,
            "max_faults_per_page": self.max_faults_per_page,
            "api_key_required": self.api_key.is_some(),
            "expose_retry_after": self.expose_retry_after,
            "ignore_page": self.ignore_page,
            "short_pages": self.short_pages,
            "empty_pages": self.empty_pages,
            "clamp": self.clamp,
            "hide_total_pages": self.hide_total_pages,
            "hide_total": self.hide_total,
            "redirect": self.redirect.as_str(),
            "redirect_origin": self.redirect_origin,
            "shape": self.shape.as_str(),
            "pagination": self.paging().as_str(),
            "auth": self.auth_kind(),
            "cors": self.cors,
            "cursor_loop": self.cursor_loop,
            "budget": self.budget,
            "rate": self.rate.as_str(),
        })
    }
}

/// Everything the binary needs to start.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerOptions {
    /// Interface to bind, e.g. `127.0.0.1`.
    pub host: String,
    /// Port to bind; 0 lets the OS pick one.
    pub port: u16,
    /// Folder of static files to serve, if any.
    pub www: Option<PathBuf>,
    /// Initial server-wide settings.
    pub settings: Settings,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            host: "127.0.0.1".to_string(),
            port: 8080,
            www: None,
            settings: Settings::default(),
        }
    }
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Start the server with these options (boxed: they are large, `Help` is empty).
    Run(Box<ServerOptions>),
    /// Print the usage text and exit.
    Help,
}

/// Flags that are switches: given alone they mean "on".
const SWITCHES: &[&str] = &[
    "defects",
    "changing_total",
    "no_expose_retry_after",
    "expose_retry_after",
    "ignore_page",
    "clamp",
    "hide_total_pages",
    "hide_total",
];

/// Parses command-line arguments (without the program name).
///
/// Accepts `--name value` and `--name=value`; switches (`--defects`,
/// `--changing-total`, `--ignore-page`, `--clamp`, `--hide-total-pages`,
/// `--hide-total`, `--no-expose-retry-after`) take no separate value.
///
/// # Errors
/// A [`ConfigError`] naming the first flag that is unknown, lacks a value
/// or has an invalid one.
pub fn parse_args<I, S>(args: I) -> Result<Command, ConfigError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut options = ServerOptions::default();
    let mut args = args.into_iter().map(|a| a.as_ref().to_string());
    while let Some(arg) = args.next() {
        if arg == "--help" || arg == "-h" {
            return Ok(Command::Help);
        }
        let Some(flag) = arg.strip_prefix("--") else {
            return Err(ConfigError::UnexpectedArgument { arg });
        };
        let (raw_name, inline_value) = match flag.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (flag, None),
        };
        let name = raw_name.replace('-', "_");
        let value = match inline_value {
            Some(v) => v,
            None if SWITCHES.contains(&name.as_str()) => String::new(),
            None => args
                .next()
                .ok_or_else(|| ConfigError::MissingValue { flag: arg.clone() })?,
        };
        match name.as_str() {
            "host" => {
                if value.trim().is_empty() {
                    return Err(invalid("host", &value, "a host name or IP address"));
                }
                options.host = value;
            }
            "port" => {
                options.port = value
                    .trim()
                    .parse()
                    .map_err(|_| invalid("port", &value, "a port number from 0 to 65535"))?;
            }
            "www" => options.www = Some(PathBuf::from(value)),
            "no_expose_retry_after" => {
                options.settings.expose_retry_after = !parse_bool(&name, &value)?;
            }
            _ => options.settings.apply(&name, &value).map_err(|e| match e {
                ConfigError::UnknownSetting { .. } => ConfigError::UnknownSetting {
                    name: format!("--{raw_name}"),
                },
                other => other,
            })?,
        }
    }
    Ok(Command::Run(Box::new(options)))
}

/// The `--help` text.
pub const USAGE: &str = "\
mock-api: a flaky, rate-limited, paginated reqres.in-style API on loopback

USAGE: mock-api [FLAGS]

Server:
  --host HOST                 interface to bind (default 127.0.0.1)
  --port PORT                 port, 0 = any free port (default 8080)
  --www DIR                   also serve static files from DIR

Data and paging:
  --users N                   synthetic dataset of N users (default: the 12 reqres.in users)
  --per-page N                records per page (default 6)
  --seed N                    seed for all deterministic choices (default 1)
  --defects                   put contract defects on some records
  --duplicate-rate R          share of records followed by a duplicate customer (same id,
                              email+N, no avatar), counted in total (default 0.0)

Faults (decided from seed, page and attempt number):
  --failure-rate R            share answered 500/503 (default 0.2)
  --rate-limit-rate R         share answered 429 (default 0.0)
  --retry-after-format F      seconds | http-date (default seconds)
  --retry-after-secs N        wait asked for by Retry-After (default 1)
  --latency-ms N              delay on every API response (default 0)
  --slow-rate R               share answered after --slow-ms (default 0.0)
  --slow-ms N                 delay of a slow answer (default 15000)
  --malformed-rate R          share answered 200 with truncated JSON (default 0.0)
  --changing-total            page 1 under-reports total_pages by one
  --fail-pages P,Q            these pages always answer 503
  --max-faults-per-page N     only attempts 1..=N of a page are faulted (default 2)
  --api-key KEY               require header x-api-key: KEY (401 otherwise)
  --no-expose-retry-after     leave Retry-After out of Access-Control-Expose-Headers
  --budget N                  allow N requests a second, announced in X-RateLimit-Limit/
                              Remaining/Reset; past it 429 without Retry-After (default 0: off)
  --rate R                    xrl | ietf | shopify | hubspot: the headers announcing --budget:
                              X-RateLimit-*, IETF RateLimit/RateLimit-Policy, HubSpot's
                              X-HubSpot-RateLimit-Secondly(-Remaining) (a 1 s window of N), or
                              Shopify's X-Shopify-Shop-Api-Call-Limit: a leaky bucket of N calls
                              draining in 20 s, 429 with Retry-After: 2.0 (default xrl)

Contract breaches (on every attempt; totals stay truthful):
  --ignore-page               every page answers page 1 (its records and page 1)
  --short-pages P,Q           these pages answer only their first 2 records
  --empty-pages P,Q           these pages answer with an empty data array
  --redirect R                none | same | cross: answer 302 instead of the page;
                              same: to /api/moved/users here, cross: to /api/users
                              on --redirect-origin (default none)
  --redirect-origin URL       origin of a cross redirect (default: this server under
                              its other loopback name, 127.0.0.1 <-> localhost)

Listing ends (honest API behaviours a client must handle, not breaches):
  --clamp                     a page past the last answers the last page (its records
                              and its page number) instead of empty data
  --hide-total-pages          leave total_pages out of page bodies
  --hide-total                leave total out of page bodies

Other APIs' shapes (see the README):
  --shape S                   reqres | shopify | hubspot (records, paging and key)
  --pagination P              page | offset | cursor | link | next_url (default:
                              the shape's)
  --auth A                    header:Name | bearer | basic | query:name: where the
                              API key is looked for (default: the shape's)
  --cors B                    0: no CORS headers on API answers (browsers refuse)
  --cursor-loop               page 2 gives the same next page as page 1

Every fault and data setting can also be given per request as a query
parameter in snake_case (failure_rate=0.5, fail_pages=3,5, defects=1, ...).
";

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> ServerOptions {
        match parse_args(args) {
            Ok(Command::Run(o)) => *o,
            other => panic!("expected Run, got {other:?}"),
        }
    }

    #[test]
    fn defaults_match_the_documented_ones() {
        let o = run(&[]);
        assert_eq!(o.host, "127.0.0.1");
        assert_eq!(o.port, 8080);
        assert_eq!(o.www, None);
        let s = o.settings;
        assert_eq!(s.per_page, 6);
        assert_eq!(s.seed, 1);
        assert_eq!(s.failure_rate, 0.2);
        assert_eq!(s.max_faults_per_page, 2);
        assert_eq!(s.slow_ms, 15_000);
        assert_eq!(s.retry_after_secs, 1);
        assert_eq!(s.retry_after_format, RetryAfterFormat::Seconds);
        assert!(s.expose_retry_after);
        assert!(!s.defects && !s.changing_total);
        assert!(!s.ignore_page && s.short_pages.is_empty() && s.empty_pages.is_empty());
        assert_eq!((s.redirect, s.redirect_origin), (Redirect::None, None));
        assert_eq!(s.duplicate_rate, 0.0);
        assert_eq!(
            (s.clamp, s.hide_total_pages, s.hide_total),
            (false, false, false)
        );
    }

    #[test]
    fn parses_every_flag_form() {
        let o = run(&[
            "--host",
            "0.0.0.0",
            "--port=0",
            "--www",
            "www",
            "--users",
            "50",
            "--per-page",
            "10",
            "--seed",
            "7",
            "--failure-rate",
            "0.5",
            "--rate-limit-rate=0.25",
            "--retry-after-format",
            "http-date",
            "--retry-after-secs",
            "3",
            "--latency-ms",
            "20",
            "--slow-rate",
            "0.1",
            "--slow-ms",
            "100",
            "--malformed-rate",
            "0.05",
            "--duplicate-rate",
            "0.3",
            "--defects",
            "--changing-total",
            "--fail-pages",
            "3,5",
            "--max-faults-per-page",
            "4",
            "--api-key",
            "secret",
            "--no-expose-retry-after",
            "--ignore-page",
            "--short-pages",
            "2,4",
            "--empty-pages=6",
            "--clamp",
            "--hide-total-pages",
            "--hide-total=yes",
            "--redirect",
            "cross",
            "--redirect-origin",
            "http://localhost:9000/",
        ]);
        assert_eq!((o.host.as_str(), o.port), ("0.0.0.0", 0));
        assert_eq!(o.www, Some(PathBuf::from("www")));
        let s = o.settings;
        assert_eq!(s.users, Some(50));
        assert_eq!(s.per_page, 10);
        assert_eq!(s.seed, 7);
        assert_eq!(s.failure_rate, 0.5);
        assert_eq!(s.rate_limit_rate, 0.25);
        assert_eq!(s.retry_after_format, RetryAfterFormat::HttpDate);
        assert_eq!(s.retry_after_secs, 3);
        assert_eq!((s.latency_ms, s.slow_rate, s.slow_ms), (20, 0.1, 100));
        assert_eq!((s.malformed_rate, s.duplicate_rate), (0.05, 0.3));
        assert!(s.defects && s.changing_total && !s.expose_retry_after);
        assert_eq!(s.fail_pages, BTreeSet::from([3, 5]));
        assert_eq!(s.max_faults_per_page, 4);
        assert_eq!(s.api_key.as_deref(), Some("secret"));
        assert!(s.ignore_page);
        assert_eq!(s.short_pages, BTreeSet::from([2, 4]));
        assert_eq!(s.empty_pages, BTreeSet::from([6]));
        assert_eq!(
            (s.clamp, s.hide_total_pages, s.hide_total),
            (true, true, true)
        );
        assert_eq!(s.redirect, Redirect::Cross);
        // The trailing slash goes, so `<origin>/api/users` has one slash.
        assert_eq!(s.redirect_origin.as_deref(), Some("http://localhost:9000"));
    }

    #[test]
    fn help_and_errors() {
        assert_eq!(parse_args(["--help"]), Ok(Command::Help));
        assert_eq!(
            parse_args(["--bogus", "1"]),
            Err(ConfigError::UnknownSetting {
                name: "--bogus".into()
            })
        );
        assert_eq!(
            parse_args(["--seed"]),
            Err(ConfigError::MissingValue {
                flag: "--seed".into()
            })
        );
        assert_eq!(
            parse_args(["stray"]),
            Err(ConfigError::UnexpectedArgument {
                arg: "stray".into()
            })
        );
        assert!(matches!(
            parse_args(["--port", "70000"]),
            Err(ConfigError::InvalidValue { .. })
        ));
        let err = parse_args(["--failure-rate", "1.5"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid value `1.5` for `failure_rate`: expected a number from 0 to 1"
        );
    }

    #[test]
    fn listing_end_switches_read_every_boolean_spelling() {
        type Field = fn(&Settings) -> bool;
        let fields: [(&str, Field); 3] = [
            ("clamp", |s| s.clamp),
            ("hide_total_pages", |s| s.hide_total_pages),
            ("hide_total", |s| s.hide_total),
        ];
        let spellings = [
            ("", true),
            ("1", true),
            ("true", true),
            ("Yes", true),
            ("on", true),
            ("0", false),
            ("false", false),
            ("no", false),
            ("OFF", false),
        ];
        for (name, get) in fields {
            for (value, expected) in spellings {
                let mut s = Settings {
                    clamp: !expected,
                    hide_total_pages: !expected,
                    hide_total: !expected,
                    ..Settings::default()
                };
                assert_eq!(s.apply(name, value), Ok(()), "{name}={value}");
                assert_eq!(get(&s), expected, "{name}={value}");
            }
            assert_eq!(
                Settings::default().apply(name, "2"),
                Err(ConfigError::InvalidValue {
                    name: name.to_string(),
                    value: "2".into(),
                    expected: "1/true/yes/on or 0/false/no/off".into(),
                })
            );
        }
        // Each switch sets only its own field.
        let mut s = Settings::default();
        assert_eq!(s.apply("hide_total", "1"), Ok(()));
        assert_eq!(
            (s.clamp, s.hide_total_pages, s.hide_total),
            (false, false, true)
        );
        // On the command line they are switches: alone, they mean on.
        let o = run(&["--hide-total-pages", "--seed", "4"]);
        assert!(o.settings.hide_total_pages && !o.settings.hide_total && !o.settings.clamp);
        assert_eq!(o.settings.seed, 4);
        assert!(!run(&["--clamp=off"]).settings.clamp);
    }

    #[test]
    fn query_style_values() {
        let mut s = Settings::default();
        let table: &[(&str, &str)] = &[
            ("defects", "1"),
            ("changing_total", "true"),
            ("fail_pages", "3, 5"),
            ("users", "40"),
            ("api_key", "k"),
            ("retry_after_format", "http-date"),
            ("expose_retry_after", "0"),
            ("ignore_page", ""),
            ("short_pages", "2,3"),
            ("empty_pages", " 4 "),
            ("redirect", "same"),
            ("redirect_origin", "https://[::1]:8443"),
        ];
        for (name, value) in table {
            assert_eq!(s.apply(name, value), Ok(()), "{name}={value}");
        }
        assert!(s.defects && s.changing_total && !s.expose_retry_after);
        assert_eq!(s.fail_pages, BTreeSet::from([3, 5]));
        assert_eq!(s.users, Some(40));
        assert!(s.ignore_page);
        assert_eq!(s.short_pages, BTreeSet::from([2, 3]));
        assert_eq!(s.empty_pages, BTreeSet::from([4]));
        assert_eq!(s.redirect, Redirect::Same);
        assert_eq!(s.redirect_origin.as_deref(), Some("https://[::1]:8443"));
        for (value, expected) in [
            ("none", Redirect::None),
            ("cross", Redirect::Cross),
            ("same", Redirect::Same),
        ] {
            assert_eq!(s.apply("redirect", value), Ok(()));
            assert_eq!(s.redirect, expected, "{value}");
            assert_eq!(s.redirect.as_str(), value);
        }
        // Empty values switch things back off, which is how a test "recovers".
        for (name, value) in [
            ("fail_pages", ""),
            ("users", ""),
            ("api_key", ""),
            ("short_pages", ""),
            ("empty_pages", ""),
            ("redirect_origin", ""),
            ("ignore_page", "0"),
        ] {
            assert_eq!(s.apply(name, value), Ok(()));
        }
        assert!(s.fail_pages.is_empty() && s.users.is_none() && s.api_key.is_none());
        assert!(s.short_pages.is_empty() && s.empty_pages.is_empty());
        assert!(s.redirect_origin.is_none() && !s.ignore_page);
    }

    #[test]
    fn rejects_bad_query_values_and_keeps_the_old_one() {
        let mut s = Settings::default();
        for (name, value) in [
            ("failure_rate", "-0.1"),
            ("failure_rate", "abc"),
            ("failure_rate", "NaN"),
            ("per_page", "0"),
            ("per_page", "x"),
            ("users", "100001"),
            ("fail_pages", "0"),
            ("fail_pages", "2,x"),
            ("retry_after_format", "minutes"),
            ("defects", "maybe"),
            ("latency_ms", "600001"),
            ("ignore_page", "2"),
            ("short_pages", "0"),
            ("empty_pages", "1,x"),
            ("duplicate_rate", "1.01"),
            ("duplicate_rate", "-0.5"),
            ("clamp", "2"),
            ("hide_total_pages", "y"),
            ("hide_total", "maybe"),
            ("redirect", "elsewhere"),
            ("redirect", ""),
            ("redirect_origin", "localhost:8080"),
            ("redirect_origin", "ftp://localhost"),
            ("redirect_origin", "http://"),
            ("redirect_origin", "http://localhost:8080/api"),
            ("redirect_origin", "http://localhost?x=1"),
            ("redirect_origin", "http://user@localhost"),
            ("redirect_origin", "http://a b"),
            // A line break would let a value write its own response headers.
            ("redirect_origin", "http://a\r\nSet-Cookie: x=1"),
        ] {
            assert!(
                matches!(s.apply(name, value), Err(ConfigError::InvalidValue { .. })),
                "{name}={value}"
            );
        }
        assert_eq!(s, Settings::default());
        assert_eq!(
            s.apply("nope", "1"),
            Err(ConfigError::UnknownSetting {
                name: "nope".into()
            })
        );
    }

    #[test]
    fn every_listed_name_is_accepted() {
        for name in Settings::NAMES {
            let err = Settings::default().apply(name, "");
            assert!(
                !matches!(err, Err(ConfigError::UnknownSetting { .. })),
                "{name}"
            );
        }
    }

    #[test]
    fn budget_reads_a_bounded_count_and_keeps_the_old_one_on_error() {
        let mut s = Settings::default();
        assert_eq!(s.budget, 0);
        assert_eq!(s.apply("budget", "10"), Ok(()));
        assert_eq!((s.budget, &s.to_json()["budget"]), (10, &json!(10)));
        for bad in ["-1", "ten", "100001"] {
            assert!(
                matches!(
                    s.apply("budget", bad),
                    Err(ConfigError::InvalidValue { .. })
                ),
                "{bad}"
            );
        }
        assert_eq!(s.budget, 10);
        assert_eq!(run(&["--budget", "5"]).settings.budget, 5);
    }

    #[test]
    fn rate_names_the_budget_headers_and_keeps_the_old_one_on_error() {
        let mut s = Settings::default();
        assert_eq!(
            (s.rate, &s.to_json()["rate"]),
            (RateMode::XRateLimit, &json!("xrl"))
        );
        for mode in RateMode::ALL {
            assert_eq!(s.apply("rate", mode.as_str()), Ok(()));
            assert_eq!(s.to_json()["rate"], mode.as_str());
        }
        assert!(matches!(
            s.apply("rate", "x-ratelimit"),
            Err(ConfigError::InvalidValue { .. })
        ));
        assert_eq!(s.rate, RateMode::Hubspot);
        let flags = run(&["--budget", "40", "--rate", "shopify"]).settings;
        assert_eq!((flags.budget, flags.rate), (40, RateMode::Shopify));
    }

    #[test]
    fn json_view_hides_the_key() {
        let s = Settings {
            api_key: Some("hunter2".into()),
            ..Settings::default()
        };
        let text = s.to_json().to_string();
        assert!(!text.contains("hunter2"));
        assert!(text.contains("\"api_key_required\":true"));
    }

    #[test]
    fn json_view_shows_the_new_settings() {
        let mut s = Settings::default();
        let v = s.to_json();
        assert_eq!(
            (
                &v["ignore_page"],
                &v["short_pages"],
                &v["empty_pages"],
                &v["redirect"],
                &v["redirect_origin"]
            ),
            (
                &json!(false),
                &json!([]),
                &json!([]),
                &json!("none"),
                &Value::Null
            )
        );
        for (name, value) in [
            ("short_pages", "3,1"),
            ("redirect", "cross"),
            ("redirect_origin", "http://localhost:1"),
        ] {
            assert_eq!(s.apply(name, value), Ok(()));
        }
        for (name, expected) in [
            ("clamp", false),
            ("hide_total_pages", false),
            ("hide_total", false),
        ] {
            assert_eq!(v[name], json!(expected), "{name}");
        }
        assert_eq!(v["duplicate_rate"], json!(0.0));
        for (name, value) in [
            ("clamp", "1"),
            ("hide_total", "yes"),
            ("duplicate_rate", "0.25"),
        ] {
            assert_eq!(s.apply(name, value), Ok(()));
        }
        let v = s.to_json();
        assert_eq!(
            (
                &v["clamp"],
                &v["hide_total_pages"],
                &v["hide_total"],
                &v["duplicate_rate"]
            ),
            (&json!(true), &json!(false), &json!(true), &json!(0.25))
        );
        assert_eq!(v["short_pages"], json!([1, 3]));
        assert_eq!(v["redirect"], "cross");
        assert_eq!(v["redirect_origin"], "http://localhost:1");
    }
}
