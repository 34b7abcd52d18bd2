//! The users the API pages through: the real reqres.in twelve, a seeded
//! synthetic set, and the contract defects that can be laid over either.
//!
//! Records keep their fields in reqres order (id, email, first_name,
//! last_name, avatar, ...) so responses read like the real service.

use chrono::{Days, NaiveDate};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use crate::hash::{mix, pick};

/// One user record: ordered fields whose values may be of any JSON type,
/// because defects deliberately break the types.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    fields: Vec<(&'static str, Value)>,
}

impl Record {
    /// The value of a field, if present.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    /// Sets a field, keeping its position if it already exists.
    pub fn set(&mut self, name: &'static str, value: Value) {
        match self.fields.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => self.fields.push((name, value)),
        }
    }

    /// Removes a field if present.
    pub fn remove(&mut self, name: &str) {
        self.fields.retain(|(k, _)| *k != name);
    }

    /// Field names in output order.
    pub fn names(&self) -> Vec<&'static str> {
        self.fields.iter().map(|(k, _)| *k).collect()
    }
}

impl Serialize for Record {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.fields.len()))?;
        for (k, v) in &self.fields {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// What determines a dataset; equal specs give identical datasets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatasetSpec {
    /// `None` for the reqres.in users, `Some(n)` for `n` synthetic users.
    pub users: Option<usize>,
    /// Seed for synthetic values and defect placement.
    pub seed: u64,
    /// Whether to lay the contract defects over the records.
    pub defects: bool,
}

/// Builds the dataset a spec describes.
pub fn build(spec: DatasetSpec) -> Vec<Record> {
    let mut records = match spec.users {
        None => reqres_users(),
        Some(n) => synthetic_users(n, spec.seed),
    };
    if spec.defects {
        apply_defects(&mut records, spec.seed);
    }
    records
}

const REQRES_NAMES: [(&str, &str); 12] = [
    ("George", "Bluth"),
    ("Janet", "Weaver"),
    ("Emma", "Wong"),
    ("Eve", "Holt"),
    ("Charles", "Morris"),
    ("Tracey", "Ramos"),
    ("Michael", "Lawson"),
    ("Lindsay", "Ferguson"),
    ("Tobias", "Funke"),
    ("Byron", "Fields"),
    ("George", "Edwards"),
    ("Rachel", "Howell"),
];

fn avatar(face: usize) -> String {
    format!("https://reqres.in/img/faces/{face}-image.jpg")
}

/// The twelve users reqres.in serves, with exactly its five fields.
pub fn reqres_users() -> Vec<Record> {
    REQRES_NAMES
        .iter()
        .enumerate()
        .map(|(i, (first, last))| {
            let id = i + 1;
            Record {
                fields: vec![
                    ("id", Value::from(id)),
                    (
                        "email",
                        Value::from(format!(
                            "{}.{}@reqres.in",
                            first.to_lowercase(),
                            last.to_lowercase()
                        )),
                    ),
                    ("first_name", Value::from(*first)),
                    ("last_name", Value::from(*last)),
                    ("avatar", Value::from(avatar(id))),
                ],
            }
        })
        .collect()
}

const FIRST_NAMES: &[&str] = &[
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Oliver", "Sophia", "Elijah", "Isabella", "James",
    "Mia", "Lucas", "Amelia", "Mateo", "Harper", "Ethan", "Aiko", "Ravi", "Chloe", "Daniel",
    "Fatima", "Jonas", "Lena", "Marco", "Nadia", "Owen", "Priya", "Quinn", "Sofia", "Tomas",
    "Yara", "Zoe",
];

const LAST_NAMES: &[&str] = &[
    "Smith", "Johnson", "Garcia", "Brown", "Nguyen", "Miller", "Davis", "Martinez", "Lopez",
    "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Walker",
    "Hall", "Young", "Kowalski", "Okafor", "Tanaka", "Schmidt", "Rossi", "Dubois", "Novak",
    "Silva", "Haddad", "Larsen", "Fischer", "Patel",
];

const DOMAINS: &[&str] = &["example.com", "example.org", "example.net", "mail.example"];

/// Salts that keep each synthetic field's hash independent of the others.
const SALT_FIRST: u64 = 1;
const SALT_LAST: u64 = 2;
const SALT_DOMAIN: u64 = 3;
const SALT_LOGIN: u64 = 4;
const SALT_SCORE: u64 = 5;
const SALT_DEFECT: u64 = 6;

/// `n` plausible users with ids `1..=n`, the reqres fields plus
/// `last_login` and `engagement_score`; the same seed gives the same users.
pub fn synthetic_users(n: usize, seed: u64) -> Vec<Record> {
    // Logins fall in the 2.5 years before mid-2025, a plausible CRM window.
    let epoch = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap_or(NaiveDate::MIN);
    (1..=n)
        .map(|id| {
            let key = id as u64;
            let first = FIRST_NAMES[pick(mix(&[seed, key, SALT_FIRST]), FIRST_NAMES.len())];
            let last = LAST_NAMES[pick(mix(&[seed, key, SALT_LAST]), LAST_NAMES.len())];
            let domain = DOMAINS[pick(mix(&[seed, key, SALT_DOMAIN]), DOMAINS.len())];
            // The id keeps emails unique even when two users share a name.
            let email = format!(
                "{}.{}{id}@{domain}",
                first.to_lowercase(),
                last.to_lowercase()
            );
            let login = mix(&[seed, key, SALT_LOGIN]);
            let day = epoch
                .checked_add_days(Days::new(login % 912))
                .unwrap_or(epoch);
            // Both date shapes appear so clients must accept either.
            let last_login = if (login >> 20) & 1 == 0 {
                day.format("%Y-%m-%d").to_string()
            } else {
                let secs = (login >> 32) % 86_400;
                format!(
                    "{}T{:02}:{:02}:{:02}Z",
                    day.format("%Y-%m-%d"),
                    secs / 3600,
                    secs / 60 % 60,
                    secs % 60
                )
            };
            let score = mix(&[seed, key, SALT_SCORE]) % 101;
            Record {
                fields: vec![
                    ("id", Value::from(id)),
                    ("email", Value::from(email)),
                    ("first_name", Value::from(first)),
                    ("last_name", Value::from(last)),
                    ("avatar", Value::from(avatar((id - 1) % 12 + 1))),
                    ("last_login", Value::from(last_login)),
                    ("engagement_score", Value::from(score)),
                ],
            }
        })
        .collect()
}

/// The ways a record can break the data contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defect {
    /// No `email` field at all.
    MissingEmail,
    /// `email` is `not-an-email`.
    InvalidEmail,
    /// `first_name` is the empty string.
    EmptyFirstName,
    /// `last_login` is the impossible date `2024-13-45`.
    BadLastLogin,
    /// `engagement_score` is `null`.
    NullScore,
    /// `engagement_score` is 150, above the 0-100 range.
    ScoreOutOfRange,
    /// `avatar` is `not a url`.
    BadAvatar,
    /// `id` is a string such as `"7"` instead of a number.
    StringId,
}

/// All defects. Index `k` and `k + 4` never touch the same field, so they
/// can share a record when the dataset is small.
pub const DEFECTS: [Defect; 8] = [
    Defect::MissingEmail,
    Defect::InvalidEmail,
    Defect::EmptyFirstName,
    Defect::BadLastLogin,
    Defect::NullScore,
    Defect::ScoreOutOfRange,
    Defect::BadAvatar,
    Defect::StringId,
];

impl Defect {
    fn apply(self, record: &mut Record) {
        match self {
            Defect::MissingEmail => record.remove("email"),
            Defect::InvalidEmail => record.set("email", Value::from("not-an-email")),
            Defect::EmptyFirstName => record.set("first_name", Value::from("")),
            Defect::BadLastLogin => record.set("last_login", Value::from("2024-13-45")),
            Defect::NullScore => record.set("engagement_score", Value::Null),
            Defect::ScoreOutOfRange => record.set("engagement_score", Value::from(150)),
            Defect::BadAvatar => record.set("avatar", Value::from("not a url")),
            Defect::StringId => {
                let text = match record.get("id") {
                    Some(Value::Number(n)) => n.to_string(),
                    Some(other) => other.to_string(),
                    None => String::new(),
                };
                record.set("id", Value::from(text));
            }
        }
    }
}

/// Which records get which defects: `(index, defects)` pairs.
///
/// Every defect appears at least once once there are four records: small
/// datasets (under 40) get four records with two defects each, larger ones
/// one defect on every fifth record or so. Positions are spread evenly and
/// rotated by the seed.
pub fn defect_plan(n: usize, seed: u64) -> Vec<(usize, Vec<Defect>)> {
    if n == 0 {
        return Vec::new();
    }
    let paired = n < 40;
    let count = if paired { n.min(4) } else { n / 5 };
    let offset = pick(mix(&[seed, SALT_DEFECT]), n);
    (0..count)
        .map(|j| {
            // j * n / count is strictly increasing, so indices stay distinct.
            let index = (j * n / count + offset) % n;
            let defects = if paired {
                vec![DEFECTS[j % 4], DEFECTS[j % 4 + 4]]
            } else {
                vec![DEFECTS[j % DEFECTS.len()]]
            };
            (index, defects)
        })
        .collect()
}

/// Lays the planned defects over the records in place.
pub fn apply_defects(records: &mut [Record], seed: u64) {
    for (index, defects) in defect_plan(records.len(), seed) {
        if let Some(record) = records.get_mut(index) {
            for defect in defects {
                defect.apply(record);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reqres_users_match_the_real_service() {
        let users = reqres_users();
        assert_eq!(users.len(), 12);
        let first = serde_json::to_string(&users[0]).unwrap_or_default();
        assert_eq!(
            first,
            r#"{"id":1,"email":"george.bluth@reqres.in","first_name":"George","last_name":"Bluth","avatar":"https://reqres.in/img/faces/1-image.jpg"}"#
        );
        let last = &users[11];
        assert_eq!(last.get("id"), Some(&Value::from(12)));
        assert_eq!(
            last.get("email"),
            Some(&Value::from("rachel.howell@reqres.in"))
        );
        assert_eq!(
            users[1].get("email"),
            Some(&Value::from("janet.weaver@reqres.in"))
        );
        for u in &users {
            assert_eq!(
                u.names(),
                ["id", "email", "first_name", "last_name", "avatar"]
            );
        }
    }

    #[test]
    fn synthetic_users_are_deterministic_and_plausible() {
        let a = synthetic_users(200, 9);
        assert_eq!(a, synthetic_users(200, 9));
        assert_ne!(a, synthetic_users(200, 10));
        for (i, u) in a.iter().enumerate() {
            assert_eq!(u.get("id"), Some(&Value::from(i + 1)));
            let email = u.get("email").and_then(Value::as_str).unwrap_or("");
            assert!(email.contains('@') && email.contains('.'), "{email}");
            let score = u
                .get("engagement_score")
                .and_then(Value::as_u64)
                .unwrap_or(999);
            assert!(score <= 100);
            let login = u.get("last_login").and_then(Value::as_str).unwrap_or("");
            let date_ok = NaiveDate::parse_from_str(login, "%Y-%m-%d").is_ok()
                || chrono::DateTime::parse_from_rfc3339(login).is_ok();
            assert!(date_ok, "{login}");
        }
        let both_shapes = a.iter().any(|u| {
            u.get("last_login")
                .and_then(Value::as_str)
                .is_some_and(|s| s.len() == 10)
        }) && a.iter().any(|u| {
            u.get("last_login")
                .and_then(Value::as_str)
                .is_some_and(|s| s.ends_with('Z'))
        });
        assert!(both_shapes);
    }

    fn has(records: &[Record], pred: impl Fn(&Record) -> bool) -> bool {
        records.iter().any(pred)
    }

    fn all_defects_present(records: &[Record]) -> bool {
        has(records, |r| r.get("email").is_none())
            && has(records, |r| {
                r.get("email") == Some(&Value::from("not-an-email"))
            })
            && has(records, |r| r.get("first_name") == Some(&Value::from("")))
            && has(records, |r| {
                r.get("last_login") == Some(&Value::from("2024-13-45"))
            })
            && has(records, |r| r.get("engagement_score") == Some(&Value::Null))
            && has(records, |r| {
                r.get("engagement_score") == Some(&Value::from(150))
            })
            && has(records, |r| {
                r.get("avatar") == Some(&Value::from("not a url"))
            })
            && has(records, |r| matches!(r.get("id"), Some(Value::String(_))))
    }

    #[test]
    fn defects_are_all_present_and_deterministic() {
        for users in [None, Some(12), Some(39), Some(40), Some(1000)] {
            let spec = DatasetSpec {
                users,
                seed: 3,
                defects: true,
            };
            let data = build(spec);
            assert!(all_defects_present(&data), "users={users:?}");
            assert_eq!(data, build(spec));
            assert_ne!(
                data,
                build(DatasetSpec {
                    defects: false,
                    ..spec
                })
            );
        }
    }

    #[test]
    fn defects_touch_a_minority_of_large_datasets() {
        let plan = defect_plan(1000, 1);
        assert_eq!(plan.len(), 200);
        let mut indices: Vec<usize> = plan.iter().map(|(i, _)| *i).collect();
        indices.sort_unstable();
        indices.dedup();
        assert_eq!(indices.len(), 200);
        assert!(defect_plan(0, 1).is_empty());
        assert_eq!(defect_plan(2, 1).len(), 2);
    }

    #[test]
    fn string_id_keeps_the_number() {
        let mut users = reqres_users();
        Defect::StringId.apply(&mut users[6]);
        assert_eq!(users[6].get("id"), Some(&Value::from("7")));
    }
}
