//! The users the API pages through: the real reqres.in twelve, a seeded
//! synthetic set, the contract defects that can be laid over either, and
//! the duplicate customers that can be mixed into the result.
//!
//! Records keep their fields in reqres order (id, email, first_name,
//! last_name, avatar, ...) so responses read like the real service.

use chrono::{Days, NaiveDate};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use crate::hash::{mix, pick, unit};

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
    /// [`f64::to_bits`] of the share of records followed by a duplicate
    /// customer; bits, so the spec stays `Eq` and can key a cache. Build it
    /// with [`DatasetSpec::rate_bits`].
    pub duplicate_rate_bits: u64,
}

impl DatasetSpec {
    /// The bits stored in `duplicate_rate_bits` for `rate`. `-0.0` becomes
    /// `0.0` so two spellings of "no duplicates" share one cache entry.
    pub fn rate_bits(rate: f64) -> u64 {
        if rate > 0.0 {
            rate.to_bits()
        } else {
            0.0f64.to_bits()
        }
    }

    /// The share of records followed by a duplicate customer.
    pub fn duplicate_rate(self) -> f64 {
        f64::from_bits(self.duplicate_rate_bits)
    }
}

/// Builds the dataset a spec describes: the base users, then the defects,
/// then the duplicates (so a duplicate copies its original's defects).
pub fn build(spec: DatasetSpec) -> Vec<Record> {
    let mut records = match spec.users {
        None => reqres_users(),
        Some(n) => synthetic_users(n, spec.seed),
    };
    if spec.defects {
        apply_defects(&mut records, spec.seed);
    }
    add_duplicates(records, spec.seed, spec.duplicate_rate())
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
const SALT_DUPLICATE: u64 = 7;
const SALT_DUPLICATE_OF: u64 = 8;

/// How far back a duplicate's original may lie: `j` is at most
/// `DUPLICATE_REACH - 1` records before the copy's slot. Close enough that,
/// with the usual page sizes, a copy lands on its original's page or the
/// next one, so both in-page and cross-page duplicates occur.
pub const DUPLICATE_REACH: usize = 8;

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

/// Mixes duplicate customers into `records`.
///
/// After record `i` (0-based, `i >= 1`), with probability `rate` decided by
/// hashing `(seed, i)`, comes a copy of record `j = i - d`, where `d` is
/// another hash of `(seed, i)` modulo `min(i, DUPLICATE_REACH)`; so `j` lies
/// in `i + 1 - min(i, 8) ..= i` (record 0 is never copied, and `j = i`
/// puts the copy right after its original). A copy keeps the `id` and
/// differs as a second sign-up would (see [`duplicate_of`]). With a rate of
/// 0 (or NaN) the records come back untouched.
pub fn add_duplicates(records: Vec<Record>, seed: u64, rate: f64) -> Vec<Record> {
    if rate.is_nan() || rate <= 0.0 {
        return records;
    }
    // Copies made of each record so far; the first copy is the "+2" one.
    let mut copies = vec![1u32; records.len()];
    let mut out = Vec::with_capacity(records.len() + records.len() / 2);
    for (i, record) in records.iter().enumerate() {
        out.push(record.clone());
        let key = i as u64;
        if i == 0 || unit(mix(&[seed, key, SALT_DUPLICATE])) >= rate {
            continue;
        }
        let j = i - pick(mix(&[seed, key, SALT_DUPLICATE_OF]), i.min(DUPLICATE_REACH));
        copies[j] += 1;
        out.push(duplicate_of(&records[j], j, copies[j]));
    }
    out
}

/// The `copy`-th record (2 for the first copy) of the customer at `index`:
/// the same `id` and fields, the email's local part suffixed `+copy`
/// (`olivia.smith17+2@example.com`; a value without `@` is all local part),
/// and no `avatar`, so it scores lower than the original. A missing or
/// non-string email becomes `duplicate{index}@example.com`.
pub fn duplicate_of(original: &Record, index: usize, copy: u32) -> Record {
    let email = match original.get("email").and_then(Value::as_str) {
        Some(email) => match email.rsplit_once('@') {
            Some((local, domain)) => format!("{local}+{copy}@{domain}"),
            None => format!("{email}+{copy}"),
        },
        None => format!("duplicate{index}@example.com"),
    };
    let mut record = original.clone();
    if record.get("email").is_some() {
        record.set("email", Value::from(email));
    } else {
        // Right after `id`, where reqres puts it.
        let at = record
            .fields
            .iter()
            .position(|(k, _)| *k == "id")
            .map_or(0, |p| p + 1);
        record.fields.insert(at, ("email", Value::from(email)));
    }
    record.remove("avatar");
    record
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
                duplicate_rate_bits: 0,
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

    /// Record `j` of the defect-free synthetic dataset the test above uses.
    fn clean_synthetic(j: usize) -> Record {
        synthetic_users(12, 3).remove(j)
    }

    fn spec(users: Option<usize>, seed: u64, defects: bool, rate: f64) -> DatasetSpec {
        DatasetSpec {
            users,
            seed,
            defects,
            duplicate_rate_bits: DatasetSpec::rate_bits(rate),
        }
    }

    fn ids(records: &[Record]) -> Vec<u64> {
        records
            .iter()
            .map(|r| r.get("id").and_then(Value::as_u64).unwrap_or(0))
            .collect()
    }

    fn emails(records: &[Record]) -> Vec<&str> {
        records
            .iter()
            .map(|r| r.get("email").and_then(Value::as_str).unwrap_or(""))
            .collect()
    }

    #[test]
    fn rate_zero_leaves_every_dataset_byte_identical() {
        for (users, defects) in [
            (None, false),
            (None, true),
            (Some(0), false),
            (Some(300), true),
        ] {
            let mut base = match users {
                None => reqres_users(),
                Some(n) => synthetic_users(n, 4),
            };
            if defects {
                apply_defects(&mut base, 4);
            }
            for zero in [0.0, -0.0] {
                let built = build(spec(users, 4, defects, zero));
                let text = serde_json::to_string(&built).unwrap_or_default();
                assert_eq!(built, base, "users={users:?} defects={defects}");
                assert_eq!(text, serde_json::to_string(&base).unwrap_or_default());
            }
        }
        // Both zeros share one cache key.
        assert_eq!(DatasetSpec::rate_bits(-0.0), DatasetSpec::rate_bits(0.0));
        assert_eq!(spec(None, 1, false, 0.3).duplicate_rate(), 0.3);
    }

    #[test]
    fn duplicates_are_pinned_for_seed_six() {
        let data = build(spec(None, 6, false, 0.3));
        // Pages of six: 3 repeats inside page 1, 5 straddles pages 1 and 2.
        assert_eq!(ids(&data), [1, 2, 3, 4, 3, 5, 5, 6, 7, 8, 9, 10, 11, 12]);
        assert_eq!(emails(&data)[4], "emma.wong+2@reqres.in");
        assert_eq!(emails(&data)[6], "charles.morris+2@reqres.in");
        assert_eq!(data[4].names(), ["id", "email", "first_name", "last_name"]);
        assert_eq!(
            serde_json::to_string(&data[6]).unwrap_or_default(),
            r#"{"id":5,"email":"charles.morris+2@reqres.in","first_name":"Charles","last_name":"Morris"}"#
        );
        // The originals are untouched.
        assert_eq!(data[5], reqres_users()[4]);
        assert_eq!(data, build(spec(None, 6, false, 0.3)));
        assert_ne!(data, build(spec(None, 7, false, 0.3)));
    }

    #[test]
    fn repeated_copies_count_up_their_suffix() {
        let data = build(spec(None, 2, false, 0.3));
        assert_eq!(
            ids(&data),
            [1, 2, 2, 3, 2, 4, 5, 6, 2, 7, 8, 9, 10, 11, 6, 12, 8]
        );
        let janets: Vec<&str> = emails(&data)
            .into_iter()
            .filter(|e| e.starts_with("janet.weaver"))
            .collect();
        assert_eq!(
            janets,
            [
                "janet.weaver@reqres.in",
                "janet.weaver+2@reqres.in",
                "janet.weaver+3@reqres.in",
                "janet.weaver+4@reqres.in"
            ]
        );
    }

    #[test]
    fn full_rate_follows_every_record_but_the_first_with_a_nearby_copy() {
        for users in [None, Some(500)] {
            let base = build(spec(users, 3, false, 0.0));
            let data = build(spec(users, 3, false, 1.0));
            assert_eq!(data.len(), 2 * base.len() - 1, "users={users:?}");
            assert_eq!(data[0], base[0]);
            for i in 1..base.len() {
                let (original, copy) = (&data[2 * i - 1], &data[2 * i]);
                assert_eq!(original, &base[i]);
                let j = copy.get("id").and_then(Value::as_u64).unwrap_or(0) as usize - 1;
                assert!(j <= i && i - j < DUPLICATE_REACH, "i={i} j={j}");
                assert!(copy.get("avatar").is_none());
                assert_eq!(copy.get("first_name"), base[j].get("first_name"));
                let email = copy.get("email").and_then(Value::as_str).unwrap_or("");
                assert!(email.contains('+') && email.contains('@'), "{email}");
            }
        }
    }

    #[test]
    fn rate_is_roughly_honoured() {
        let base = 20_000;
        let extra = build(spec(Some(base), 5, false, 0.25)).len() - base;
        assert!((4_700..5_300).contains(&extra), "{extra}");
    }

    #[test]
    fn duplicate_of_rewrites_email_and_drops_avatar() {
        let record = |email: Option<Value>| {
            let mut r = reqres_users().remove(6);
            match email {
                Some(v) => r.set("email", v),
                None => r.remove("email"),
            }
            r
        };
        // (email of the original, copy number, email of the copy)
        let table: &[(Option<Value>, u32, &str)] = &[
            (
                Some(Value::from("olivia.smith17@example.com")),
                2,
                "olivia.smith17+2@example.com",
            ),
            (Some(Value::from("a@b@c.example")), 3, "a@b+3@c.example"),
            (Some(Value::from("not-an-email")), 2, "not-an-email+2"),
            (None, 2, "duplicate6@example.com"),
            (Some(Value::Null), 2, "duplicate6@example.com"),
            (Some(Value::from(42)), 5, "duplicate6@example.com"),
        ];
        for (email, copy, expected) in table {
            let copy = duplicate_of(&record(email.clone()), 6, *copy);
            assert_eq!(
                copy.get("email"),
                Some(&Value::from(*expected)),
                "{email:?}"
            );
            assert_eq!(copy.names(), ["id", "email", "first_name", "last_name"]);
            assert_eq!(copy.get("id"), Some(&Value::from(7)));
        }
    }

    #[test]
    fn duplicates_copy_their_originals_defects() {
        let plain = build(spec(Some(12), 3, true, 0.0));
        let data = build(spec(Some(12), 3, true, 1.0));
        assert_eq!(data.len(), 23);
        let mut defective_copies = Vec::new();
        for i in 1..plain.len() {
            assert_eq!(data[2 * i - 1], plain[i], "originals keep their defects");
            let copy = &data[2 * i];
            let j = (i + 1 - i.min(DUPLICATE_REACH)..=i)
                .find(|&j| (2..=9).any(|n| *copy == duplicate_of(&plain[j], j, n)));
            let Some(j) = j else {
                panic!("copy after record {i} matches no original: {copy:?}")
            };
            if plain[j] != clean_synthetic(j) {
                defective_copies.push((i, j));
            }
        }
        // Record 3 carries a string id and an impossible date; its copy too.
        assert_eq!(defective_copies, [(8, 3)]);
        assert_eq!(
            serde_json::to_string(&data[16]).unwrap_or_default(),
            r#"{"id":"4","email":"daniel.davis4+2@mail.example","first_name":"Daniel","last_name":"Davis","last_login":"2024-13-45","engagement_score":75}"#
        );
    }

    #[test]
    fn string_id_keeps_the_number() {
        let mut users = reqres_users();
        Defect::StringId.apply(&mut users[6]);
        assert_eq!(users[6].get("id"), Some(&Value::from("7")));
    }
}
