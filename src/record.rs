//! The shape of one input object: a customer record, or a page envelope.
//!
//! Parsing keeps every field loosely typed ([`FieldValue`]) so that the
//! validation rules, not the parser, decide what is wrong with a record.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::field::{FieldValue, RawField};

/// The fields of a reqres-shaped user record that the pipeline reads, as
/// their JSON text (see [`RawField`]).
///
/// `None` means the key is absent; a `null` value is present. The rules
/// treat the two differently.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct SourceRecord<'a> {
    /// `id`: must be a positive integer (or a string of digits).
    pub id: Option<RawField<'a>>,
    /// `email`.
    pub email: Option<RawField<'a>>,
    /// `first_name`.
    pub first_name: Option<RawField<'a>>,
    /// `last_name`.
    pub last_name: Option<RawField<'a>>,
    /// `avatar`: an absolute http(s) URL.
    pub avatar: Option<RawField<'a>>,
    /// `last_login`: an ISO 8601 date or date-time (optional).
    pub last_login: Option<RawField<'a>>,
    /// `engagement_score`: a number from 0 to 100 (optional).
    pub engagement_score: Option<RawField<'a>>,
}

/// A JSON object from the input, parsed once: the record fields plus the
/// envelope fields that tell a page envelope (`{"page":…, "data":[…]}`) apart.
#[derive(Debug, Default)]
pub struct InputObject<'a> {
    /// The record fields, meaningful when the object is a record.
    pub record: SourceRecord<'a>,
    /// The `data` member, present when the object is a page envelope.
    pub data: Option<&'a RawValue>,
    /// The `page` member of an envelope.
    pub page: Option<RawField<'a>>,
}

impl InputObject<'_> {
    /// The envelope's page number, when `page` is a positive integer.
    pub fn page_number(&self) -> Option<u64> {
        match self.page.map(RawField::value) {
            Some(FieldValue::Unsigned(n)) if n > 0 => Some(n),
            _ => None,
        }
    }
}

/// The object keys the pipeline reads; every other key is skipped.
enum Key {
    Id,
    Email,
    FirstName,
    LastName,
    Avatar,
    LastLogin,
    EngagementScore,
    Data,
    Page,
    Other,
}

impl Key {
    fn name(&self) -> &'static str {
        match self {
            Key::Id => "id",
            Key::Email => "email",
            Key::FirstName => "first_name",
            Key::LastName => "last_name",
            Key::Avatar => "avatar",
            Key::LastLogin => "last_login",
            Key::EngagementScore => "engagement_score",
            Key::Data => "data",
            Key::Page => "page",
            Key::Other => "",
        }
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        Ok(match key {
            "id" => Key::Id,
            "email" => Key::Email,
            "first_name" => Key::FirstName,
            "last_name" => Key::LastName,
            "avatar" => Key::Avatar,
            "last_login" => Key::LastLogin,
            "engagement_score" => Key::EngagementScore,
            "data" => Key::Data,
            "page" => Key::Page,
            _ => Key::Other,
        })
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for InputObject<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(InputObjectVisitor)
    }
}

struct InputObjectVisitor;

/// Stores a field's value, refusing a second occurrence of the same key:
/// with duplicate keys it is ambiguous which value the source meant.
fn set_once<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    slot: &mut Option<T>,
    key: &Key,
    map: &mut A,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(key.name()));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

impl<'de> Visitor<'de> for InputObjectVisitor {
    type Value = InputObject<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut object = InputObject::default();
        while let Some(key) = map.next_key::<Key>()? {
            let record = &mut object.record;
            match key {
                Key::Id => set_once(&mut record.id, &key, &mut map)?,
                Key::Email => set_once(&mut record.email, &key, &mut map)?,
                Key::FirstName => set_once(&mut record.first_name, &key, &mut map)?,
                Key::LastName => set_once(&mut record.last_name, &key, &mut map)?,
                Key::Avatar => set_once(&mut record.avatar, &key, &mut map)?,
                Key::LastLogin => set_once(&mut record.last_login, &key, &mut map)?,
                Key::EngagementScore => set_once(&mut record.engagement_score, &key, &mut map)?,
                Key::Data => set_once(&mut object.data, &key, &mut map)?,
                Key::Page => set_once(&mut object.page, &key, &mut map)?,
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_and_null_are_different() {
        let object: InputObject = serde_json::from_str(r#"{"id": 1, "email": null}"#).unwrap();
        assert_eq!(
            object.record.id.map(RawField::value),
            Some(FieldValue::Unsigned(1))
        );
        assert_eq!(
            object.record.email.map(RawField::value),
            Some(FieldValue::Null)
        );
        assert_eq!(object.record.avatar, None);
        assert!(object.data.is_none());
    }

    #[test]
    fn unknown_keys_are_skipped_and_envelopes_are_seen() {
        let json = r#"{"page": 2, "per_page": 6, "support": {"url": "x"}, "data": [{"id": 7}]}"#;
        let object: InputObject = serde_json::from_str(json).unwrap();
        assert_eq!(object.page_number(), Some(2));
        assert_eq!(object.data.map(RawValue::get), Some(r#"[{"id": 7}]"#));
    }

    #[test]
    fn a_duplicate_key_is_an_error_naming_the_key() {
        let err = serde_json::from_str::<InputObject>(r#"{"email": "a@b.co", "email": "c@d.co"}"#)
            .unwrap_err();
        assert!(err.to_string().contains("duplicate field `email`"), "{err}");
    }

    #[test]
    fn wrong_types_do_not_fail_the_parse() {
        let json =
            r#"{"id": [1], "first_name": 5, "last_login": {"a": 1}, "engagement_score": "high"}"#;
        let object: InputObject = serde_json::from_str(json).unwrap();
        assert_eq!(
            object.record.id.map(RawField::value),
            Some(FieldValue::Array)
        );
        assert_eq!(
            object.record.first_name.map(RawField::value),
            Some(FieldValue::Unsigned(5))
        );
        assert_eq!(
            object.record.last_login.map(RawField::value),
            Some(FieldValue::Object)
        );
    }
}
