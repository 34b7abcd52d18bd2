//! The command line, built from the core's list of settings: each setting
//! a command takes becomes a flag named after it (`timeout_ms` is
//! `--timeout-ms`), described by its title and limit, and what is typed is
//! handed to the core's own forms (`FetchForm`, `ReadForm`) as text, so it
//! is checked by the same code with the same messages as on the page. A
//! setting added to the core appears here without a change.

use clap::{Arg, ArgAction, ArgMatches, Command};
use customer_pipeline::settings::{Setting, SettingKind};
use serde_json::{Map, Value};

/// The settings `process` takes (an upload's: how it is read, by how many
/// threads, and the run).
pub(crate) const PROCESS_SETTINGS: [Setting; 6] = [
    Setting::Separator,
    Setting::Map,
    Setting::Seed,
    Setting::AsOf,
    Setting::Simulate,
    Setting::Workers,
];

/// The settings `fetch` takes: every setting of the API run's form but
/// the key (never an argument: arguments are visible to other users) and
/// `keep`, which here names a folder.
pub(crate) fn fetch_settings() -> impl Iterator<Item = Setting> {
    Setting::ALL.into_iter().filter(|setting| {
        setting.form_key().is_some()
            && setting.kind() != SettingKind::Secret
            && *setting != Setting::Keep
    })
}

/// The flag of a setting, without its dashes: its name with `-` for `_`,
/// and `no-` before a flag that is on unless turned off.
pub(crate) fn flag(setting: Setting) -> String {
    let name = setting.name().replace('_', "-");
    if setting.on_by_default() == Some(true) {
        format!("no-{name}")
    } else {
        name
    }
}

/// The flag a value of `setting` is typed in, without its dashes; `None`
/// for what is not typed in a flag (the URL, the key, what the core sets).
pub(crate) fn typed_in_flag(setting: Setting) -> Option<String> {
    let typed = PROCESS_SETTINGS.contains(&setting) || fetch_settings().any(|s| s == setting);
    (typed && setting.kind() != SettingKind::Url).then(|| flag(setting))
}

fn value_name(kind: SettingKind) -> &'static str {
    match kind {
        SettingKind::Url => "URL",
        SettingKind::WholeNumber | SettingKind::Cores | SettingKind::Seed => "N",
        SettingKind::Date => "YYYY-MM-DD",
        SettingKind::Timestamp => "TIME",
        SettingKind::Mapping => "TEXT",
        SettingKind::Separator => "S",
        SettingKind::Choice => "NAME",
        SettingKind::Text => "TEXT",
        SettingKind::Secret | SettingKind::Flag => "",
    }
}

/// What `--help` says of a setting: its title, and its range and default.
fn help(setting: Setting) -> String {
    let title = setting.title();
    let extra = match (setting.kind(), setting.limit()) {
        (SettingKind::Flag, _) if setting.on_by_default() == Some(true) => {
            " (on unless this is given)".to_owned()
        }
        (SettingKind::Seed, _) => " (default: a random one, written in the report)".to_owned(),
        (SettingKind::Date, _) => " (default: today, UTC)".to_owned(),
        (SettingKind::Mapping, _) => {
            " as field:column pairs, e.g. 'id:Customer ID,email:' (default: as proposed)".to_owned()
        }
        (SettingKind::Separator, _) => ": , ; tab or | (default: found from the header)".to_owned(),
        (SettingKind::Cores, Some(limit)) => format!(
            " ({} to {}, default this machine's cores, at most {})",
            limit.min,
            limit.max,
            limit.default.unwrap_or(limit.max)
        ),
        (SettingKind::Choice, _) => {
            format!(": {}", setting.choices().unwrap_or_default().join(", "))
        }
        (_, Some(limit)) => match limit.default {
            Some(default) => format!(" ({} to {}, default {default})", limit.min, limit.max),
            None => format!(" ({} to {})", limit.min, limit.max),
        },
        _ => String::new(),
    };
    format!("{title}{extra}")
}

/// `command` with one argument per setting: the URL positional, flags as
/// switches, everything else a value.
pub(crate) fn with_settings(
    mut command: Command,
    settings: impl IntoIterator<Item = Setting>,
) -> Command {
    for setting in settings {
        let arg = Arg::new(setting.name()).help(help(setting));
        let arg = match setting.kind() {
            SettingKind::Secret => continue,
            SettingKind::Url => arg.value_name("URL").required(true),
            SettingKind::Flag => arg.long(flag(setting)).action(ArgAction::SetTrue),
            kind => arg
                .long(flag(setting))
                .value_name(value_name(kind))
                .allow_hyphen_values(true)
                .action(ArgAction::Set),
        };
        command = command.arg(arg);
    }
    command
}

/// What was typed for `settings`, keyed by `key` (a form key or the
/// setting's name) as the core's forms read them: text as typed, flags as
/// booleans. A setting not given is left out, so the form takes its
/// default.
pub(crate) fn form_values(
    matches: &ArgMatches,
    settings: impl IntoIterator<Item = Setting>,
    key: impl Fn(Setting) -> Option<&'static str>,
) -> Map<String, Value> {
    let mut values = Map::new();
    for setting in settings {
        let Some(key) = key(setting) else { continue };
        let value = match setting.kind() {
            SettingKind::Secret => continue,
            SettingKind::Flag => {
                if !matches.get_flag(setting.name()) {
                    continue;
                }
                // Given: the opposite of its default.
                Value::Bool(setting.on_by_default() != Some(true))
            }
            _ => match matches.get_one::<String>(setting.name()) {
                Some(text) => Value::String(text.clone()),
                None => continue,
            },
        };
        values.insert(key.to_owned(), value);
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_the_settings_names() {
        assert_eq!(flag(Setting::TimeoutMs), "timeout-ms");
        assert_eq!(flag(Setting::AsOf), "as-of");
        assert_eq!(flag(Setting::Simulate), "no-simulate");
        assert_eq!(flag(Setting::Refresh), "refresh");
        let fetch: Vec<Setting> = fetch_settings().collect();
        assert!(fetch.contains(&Setting::Concurrency));
        assert!(fetch.contains(&Setting::Url));
        assert!(!fetch.contains(&Setting::ApiKey), "never an argument");
        assert!(!fetch.contains(&Setting::Keep), "a folder here");
        assert!(!fetch.contains(&Setting::Separator), "not the API form's");
        assert_eq!(typed_in_flag(Setting::Workers).as_deref(), Some("workers"));
        assert_eq!(
            typed_in_flag(Setting::Simulate).as_deref(),
            Some("no-simulate")
        );
        assert_eq!(typed_in_flag(Setting::Url), None, "a positional");
        assert_eq!(typed_in_flag(Setting::ApiKey), None, "from the environment");
    }

    #[test]
    fn typed_values_are_handed_over_as_text_and_flags_as_their_opposite() {
        let command = with_settings(Command::new("t"), fetch_settings());
        let matches = command
            .try_get_matches_from([
                "t",
                "https://h/api/users",
                "--concurrency",
                "17",
                "--no-simulate",
                "--as-of",
                "2026-01-01",
            ])
            .unwrap();
        let values = form_values(&matches, fetch_settings(), Setting::form_key);
        assert_eq!(
            Value::Object(values),
            serde_json::json!({
                "url": "https://h/api/users",
                "concurrency": "17",
                "simulate": false,
                "asOf": "2026-01-01",
            })
        );
        let keyless = with_settings(Command::new("t"), fetch_settings()).try_get_matches_from([
            "t",
            "https://h/api/users",
            "--api-key",
            "k",
        ]);
        assert!(keyless.is_err(), "no argument takes the key");
    }
}
