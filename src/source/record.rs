//! The shape of one input object: a customer record, or a page envelope.
//!
//! Parsing keeps every field as its JSON text (`RawField`) so that the
//! validation rules, not the parser, decide what is wrong with a record.
//! Which keys feed which field comes from the run's [`Mapping`] as a
//! [`KeyMap`] (dotted paths such as `contact.email` read nested objects).

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

mod scan;

use crate::common::de::deserialize_from_map;
use crate::common::field::{FieldValue, RawField};
use crate::source::mapping::{Field, FieldSet, Mapping, MappingSpec};

/// The fields of a record that the pipeline reads, as their JSON text (or
/// a CSV cell's text).
///
/// `None` means the field is absent; a `null` value is present. The rules
/// treat the two differently. Fields the source does not have at all
/// (see [`Mapping`]) are not in `mapped`, and are not scored.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SourceRecord<'a> {
    fields: [Option<RawField<'a>>; 7],
    /// The fields the source has.
    pub(crate) mapped: FieldSet,
}

impl Default for SourceRecord<'_> {
    fn default() -> Self {
        SourceRecord {
            fields: [None; 7],
            mapped: FieldSet::ALL,
        }
    }
}

impl<'a> SourceRecord<'a> {
    /// The field's raw text, if present.
    pub(crate) fn raw(&self, field: Field) -> Option<RawField<'a>> {
        self.fields[field as usize]
    }

    /// Reads `field` as a number when it is a string holding one.
    pub(crate) fn read_numeric_string(&mut self, field: Field) {
        if let Some(raw) = self.fields[field as usize] {
            self.fields[field as usize] = Some(raw.numeric_string());
        }
    }

    /// The field's value, if present.
    pub(crate) fn value(&self, field: Field) -> Option<FieldValue<'a>> {
        self.raw(field).map(RawField::value)
    }

    /// Sets a field (first one wins when building from CSV cells).
    pub(crate) fn set(&mut self, field: Field, raw: RawField<'a>) {
        self.fields[field as usize] = Some(raw);
    }

    /// Stores a field's value, refusing a second occurrence: with duplicate
    /// keys it is ambiguous which value the source meant.
    fn set_once<E: de::Error>(&mut self, field: Field, raw: RawField<'a>) -> Result<(), E> {
        let slot = &mut self.fields[field as usize];
        if slot.is_some() {
            return Err(E::duplicate_field(field.name()));
        }
        *slot = Some(raw);
        Ok(())
    }
}

/// A JSON object from the input, parsed once: the record fields plus the
/// envelope fields that tell a page envelope (`{"page":…, "data":[…]}`) apart.
#[derive(Debug, Default)]
pub(crate) struct InputObject<'a> {
    /// The record fields, meaningful when the object is a record.
    pub(crate) record: SourceRecord<'a>,
    /// The `data` member, present when the object is a page envelope.
    pub(crate) data: Option<&'a RawValue>,
    /// The `page` member of an envelope.
    pub(crate) page: Option<RawField<'a>>,
}

impl InputObject<'_> {
    /// The envelope's page number, when `page` is a positive integer.
    pub(crate) fn page_number(&self) -> Option<u64> {
        match self.page.map(RawField::value) {
            Some(FieldValue::Unsigned(n)) if n > 0 => Some(n),
            _ => None,
        }
    }
}

/// What a key of an object leads to.
#[derive(Debug, Clone, PartialEq)]
enum Slot {
    Field(Field),
    /// An object holding fields (a step of a dotted path).
    Nested(KeyMap),
    Data,
    Page,
}

/// Which keys of an object feed which fields.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct KeyMap {
    /// The contract's names at the top level, read with a `match`.
    identity: bool,
    entries: Vec<(Box<str>, Slot)>,
}

impl Default for KeyMap {
    /// The contract's own names (reqres-shaped input).
    fn default() -> Self {
        KeyMap {
            identity: true,
            entries: Vec::new(),
        }
    }
}

impl KeyMap {
    /// The keys of a mapping (plus `data` and `page` at the top level).
    pub(crate) fn of(mapping: &Mapping) -> KeyMap {
        if mapping.is_identity() {
            return KeyMap::default();
        }
        let mut top = KeyMap {
            identity: false,
            entries: vec![("data".into(), Slot::Data), ("page".into(), Slot::Page)],
        };
        for field in Field::ALL {
            if let Some(path) = mapping.source(field) {
                top.insert(path, field);
            }
        }
        top
    }

    fn insert(&mut self, path: &str, field: Field) {
        match path.split_once('.') {
            Some((head, rest)) if !head.is_empty() && !rest.is_empty() => {
                let at = match self.entries.iter().position(|(key, _)| &**key == head) {
                    Some(at) => at,
                    None => {
                        self.entries.push((
                            head.into(),
                            Slot::Nested(KeyMap {
                                identity: false,
                                entries: Vec::new(),
                            }),
                        ));
                        self.entries.len() - 1
                    }
                };
                if let Slot::Nested(inner) = &mut self.entries[at].1 {
                    inner.insert(rest, field);
                }
            }
            _ => {
                self.entries.retain(|(key, _)| &**key != path);
                self.entries.push((path.into(), Slot::Field(field)));
            }
        }
    }

    fn slot(&self, key: &str) -> Option<&Slot> {
        if self.identity {
            return match key {
                "id" => Some(&Slot::Field(Field::Id)),
                "email" => Some(&Slot::Field(Field::Email)),
                "first_name" => Some(&Slot::Field(Field::FirstName)),
                "last_name" => Some(&Slot::Field(Field::LastName)),
                "avatar" => Some(&Slot::Field(Field::Avatar)),
                "last_login" => Some(&Slot::Field(Field::LastLogin)),
                "engagement_score" => Some(&Slot::Field(Field::EngagementScore)),
                "data" => Some(&Slot::Data),
                "page" => Some(&Slot::Page),
                _ => None,
            };
        }
        self.entries
            .iter()
            .find(|(name, _)| &**name == key)
            .map(|(_, slot)| slot)
    }
}

/// Reads an object's keys through a key map.
pub(crate) struct ObjectSeed<'k> {
    pub(crate) keys: &'k KeyMap,
    pub(crate) mapped: FieldSet,
}

impl<'de> DeserializeSeed<'de> for ObjectSeed<'_> {
    type Value = InputObject<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let mut object = InputObject::default();
        object.record.mapped = self.mapped;
        deserializer.deserialize_map(ObjectVisitor {
            keys: self.keys,
            object: &mut object,
            top: true,
        })?;
        Ok(object)
    }
}

/// Deserializing with the contract's own names.
impl<'de: 'a, 'a> de::Deserialize<'de> for InputObject<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        ObjectSeed {
            keys: &KeyMap::default(),
            mapped: FieldSet::ALL,
        }
        .deserialize(deserializer)
    }
}

struct KeySeed<'k>(&'k KeyMap);

impl<'de, 'k> DeserializeSeed<'de> for KeySeed<'k> {
    type Value = Option<&'k Slot>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'k> Visitor<'_> for KeySeed<'k> {
    type Value = Option<&'k Slot>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.0.slot(key))
    }
}

struct ObjectVisitor<'k, 'o, 'a> {
    keys: &'k KeyMap,
    object: &'o mut InputObject<'a>,
    /// Envelope keys count at the top level only.
    top: bool,
}

impl<'de: 'a, 'a> Visitor<'de> for ObjectVisitor<'_, '_, 'a> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(slot) = map.next_key_seed(KeySeed(self.keys))? {
            match slot {
                Some(Slot::Field(field)) => {
                    let raw: RawField<'de> = map.next_value()?;
                    self.object.record.set_once(*field, raw)?;
                }
                Some(Slot::Nested(inner)) => {
                    map.next_value_seed(NestedSeed {
                        keys: inner,
                        object: &mut *self.object,
                    })?;
                }
                Some(Slot::Data) if self.top => {
                    if self.object.data.is_some() {
                        return Err(de::Error::duplicate_field("data"));
                    }
                    self.object.data = Some(map.next_value()?);
                }
                Some(Slot::Page) if self.top => {
                    if self.object.page.is_some() {
                        return Err(de::Error::duplicate_field("page"));
                    }
                    self.object.page = Some(map.next_value()?);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// A nested object on a dotted path: its fields go into the same record;
/// a value that is not an object simply holds none of them.
struct NestedSeed<'k, 'o, 'a> {
    keys: &'k KeyMap,
    object: &'o mut InputObject<'a>,
}

impl<'de: 'a, 'a> DeserializeSeed<'de> for NestedSeed<'_, '_, 'a> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let raw = <&'de RawValue as de::Deserialize>::deserialize(deserializer)?;
        if !raw.get().starts_with('{') {
            return Ok(());
        }
        let mut inner = serde_json::Deserializer::from_str(raw.get());
        inner
            .deserialize_map(ObjectVisitor {
                keys: self.keys,
                object: self.object,
                top: false,
            })
            .map_err(de::Error::custom)
    }
}

/// The key paths of an object, for proposing a mapping: its keys, and the
/// keys of objects one level down as `outer.inner`.
pub(crate) fn key_paths(object: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let Ok(top) = serde_json::from_str::<OrderedKeys>(object) else {
        return paths;
    };
    for (key, value) in top.0 {
        if value.get().starts_with('{') {
            if let Ok(inner) = serde_json::from_str::<OrderedKeys>(value.get()) {
                paths.extend(inner.0.into_iter().map(|(k, _)| format!("{key}.{k}")));
                continue;
            }
        }
        paths.push(key);
    }
    paths
}

/// An object's keys and raw values in document order.
struct OrderedKeys<'a>(Vec<(String, &'a RawValue)>);

deserialize_from_map!(<'de> OrderedKeys, "a JSON object", |map| {
    let mut pairs = Vec::new();
    while let Some((key, value)) = map.next_entry::<String, &'de RawValue>()? {
        pairs.push((key, value));
    }
    Ok(OrderedKeys(pairs))
});

/// The mapping of a run as it is decided: from the user's overrides and,
/// for JSON, the keys of the first record (a CSV header decides it at once,
/// see [`crate::source::reader`]).
#[derive(Debug, Clone)]
pub(crate) struct Mapper {
    spec: MappingSpec,
    resolved: Option<Resolved>,
    numeric_strings: bool,
}

/// A decided mapping with what each record's read needs from it, worked
/// out once rather than per record.
#[derive(Debug, Clone)]
struct Resolved {
    mapping: Mapping,
    keys: KeyMap,
    mapped: FieldSet,
}

impl Resolved {
    fn of(mapping: Mapping) -> Resolved {
        Resolved {
            keys: KeyMap::of(&mapping),
            mapped: mapping.mapped(),
            mapping,
        }
    }
}

impl Mapper {
    /// The same mapper, reading a number the contract wants (the
    /// engagement score) from a string that holds one (`"45"`): APIs such
    /// as HubSpot's send every value as a string.
    pub(crate) fn reading_numeric_strings(mut self) -> Self {
        self.numeric_strings = true;
        self
    }

    /// Whether strings holding numbers are read as numbers.
    pub(crate) fn reads_numeric_strings(&self) -> bool {
        self.numeric_strings
    }

    /// A mapper applying `spec` over the proposals.
    pub(crate) fn new(spec: MappingSpec) -> Self {
        Mapper {
            spec,
            resolved: None,
            numeric_strings: false,
        }
    }

    /// The user's overrides.
    pub(crate) fn spec(&self) -> &MappingSpec {
        &self.spec
    }

    /// Fixes the mapping (from a CSV header).
    pub(crate) fn resolve(&mut self, mapping: Mapping) {
        self.resolved = Some(Resolved::of(mapping));
    }

    /// The mapping decided, or the contract's own names when no record was read.
    pub(crate) fn mapping(&self) -> Mapping {
        match &self.resolved {
            Some(resolved) => resolved.mapping.clone(),
            None => Mapping::propose(&[], &self.spec, false),
        }
    }

    /// Parses an object (starting `text`; anything after it is left),
    /// deciding the mapping at the first record. Returns the object and
    /// where it ends.
    ///
    /// # Errors
    /// serde_json's error when the text is not one valid object the
    /// record parser accepts (a repeated key, a bad escape).
    pub(crate) fn parse<'a>(
        &mut self,
        text: &'a str,
    ) -> Result<(InputObject<'a>, usize), serde_json::Error> {
        if let Some(Resolved { keys, mapped, .. }) = &self.resolved {
            if let Some(found) = scan::scan(text, keys, *mapped) {
                return Ok(found);
            }
            return parse_with(text, keys, *mapped);
        }
        let default = KeyMap::default();
        let (object, end) = parse_with(text, &default, FieldSet::ALL)?;
        if object.data.is_some() {
            // An envelope: its first record decides.
            return Ok((object, end));
        }
        let raw = &text[..end];
        let paths: Vec<String> = key_paths(raw);
        let resolved = Resolved::of(Mapping::propose(&paths, &self.spec, false));
        let result = if resolved.keys == default && resolved.mapped == FieldSet::ALL {
            (object, end)
        } else {
            parse_with(text, &resolved.keys, resolved.mapped)?
        };
        self.resolved = Some(resolved);
        Ok(result)
    }
}

/// For the fuzzer: whenever the hand-written scan reads `text`, serde reads
/// the same object ending at the same place.
///
/// # Panics
/// When they disagree.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn check_scan_against_serde(text: &str) {
    let keys = KeyMap::default();
    if let Some((fast, end)) = scan::scan(text, &keys, FieldSet::ALL) {
        let (slow, slow_end) = parse_with(text, &keys, FieldSet::ALL)
            .unwrap_or_else(|error| panic!("the scan read {text:?}, serde did not: {error}"));
        assert_eq!(fast.record, slow.record, "{text:?}");
        assert!(slow.data.is_none() && slow.page.is_none(), "{text:?}");
        assert_eq!(end, slow_end, "{text:?}");
    }
}

fn parse_with<'a>(
    text: &'a str,
    keys: &KeyMap,
    mapped: FieldSet,
) -> Result<(InputObject<'a>, usize), serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let object = ObjectSeed { keys, mapped }.deserialize(&mut deserializer)?;
    let end = deserializer.into_iter::<IgnoredAny>().byte_offset();
    Ok((object, end))
}

/// Reads the customer id: a positive integer, or a string of ASCII digits.
///
/// # Errors
/// The reason the record cannot be a customer, e.g. `id: missing`.
pub(crate) fn customer_id(value: Option<&FieldValue<'_>>) -> Result<u64, String> {
    let invalid = |shown: &dyn std::fmt::Display| format!("id: not a positive integer ({shown})");
    match value {
        None => Err("id: missing".into()),
        Some(FieldValue::Null) => Err("id: null".into()),
        Some(FieldValue::Unsigned(n)) if *n > 0 => Ok(*n),
        Some(FieldValue::Text(text))
            if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) =>
        {
            match text.parse::<u64>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(invalid(value.unwrap_or(&FieldValue::Null))),
            }
        }
        Some(
            v @ (FieldValue::Unsigned(_)
            | FieldValue::Signed(_)
            | FieldValue::Float(_)
            | FieldValue::OutOfRange(_)
            | FieldValue::Text(_)),
        ) => Err(invalid(v)),
        Some(other) => Err(format!(
            "id: expected a positive integer, found {}",
            other.kind()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(object: &InputObject<'_>, field: Field) -> Option<FieldValue<'static>> {
        object.record.value(field).map(|v| match v {
            FieldValue::Text(t) => FieldValue::Text(t.into_owned().into()),
            FieldValue::OutOfRange(t) => FieldValue::OutOfRange(t.into_owned().into()),
            FieldValue::Null => FieldValue::Null,
            FieldValue::Bool(b) => FieldValue::Bool(b),
            FieldValue::Unsigned(n) => FieldValue::Unsigned(n),
            FieldValue::Signed(n) => FieldValue::Signed(n),
            FieldValue::Float(n) => FieldValue::Float(n),
            FieldValue::Array => FieldValue::Array,
            FieldValue::Object => FieldValue::Object,
        })
    }

    #[test]
    fn absent_and_null_are_different() {
        let object: InputObject = serde_json::from_str(r#"{"id": 1, "email": null}"#).unwrap();
        assert_eq!(value(&object, Field::Id), Some(FieldValue::Unsigned(1)));
        assert_eq!(value(&object, Field::Email), Some(FieldValue::Null));
        assert_eq!(value(&object, Field::Avatar), None);
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
    fn a_repeated_field_key_is_an_error_naming_the_key() {
        let err = serde_json::from_str::<InputObject>(r#"{"email": "a@b.co", "email": "c@d.co"}"#)
            .unwrap_err();
        assert!(err.to_string().contains("duplicate field `email`"), "{err}");
        // Keys the pipeline does not read may repeat.
        assert!(serde_json::from_str::<InputObject>(r#"{"id": 1, "x": 1, "x": 2}"#).is_ok());
    }

    #[test]
    fn wrong_types_do_not_fail_the_parse() {
        let json =
            r#"{"id": [1], "first_name": 5, "last_login": {"a": 1}, "engagement_score": "high"}"#;
        let object: InputObject = serde_json::from_str(json).unwrap();
        assert_eq!(value(&object, Field::Id), Some(FieldValue::Array));
        assert_eq!(
            value(&object, Field::FirstName),
            Some(FieldValue::Unsigned(5))
        );
        assert_eq!(value(&object, Field::LastLogin), Some(FieldValue::Object));
    }

    #[test]
    fn key_paths_list_keys_and_one_level_of_nesting() {
        let paths = key_paths(
            r#"{"customerId": 1, "contact": {"email": "a@b.co", "phone": "1"}, "tags": [1]}"#,
        );
        assert_eq!(
            paths,
            ["customerId", "contact.email", "contact.phone", "tags"]
        );
    }

    #[test]
    fn the_first_record_decides_camel_case_and_dotted_paths() {
        let mut mapper = Mapper::new(MappingSpec::none());
        let first =
            r#"{"customerId": 7, "firstName": "Ann", "contact": {"email": "a@b.co"}, "x": 1}"#;
        let (object, end) = mapper.parse(first).unwrap();
        assert_eq!(end, first.len());
        assert_eq!(value(&object, Field::Id), Some(FieldValue::Unsigned(7)));
        assert_eq!(
            value(&object, Field::FirstName),
            Some(FieldValue::Text("Ann".into()))
        );
        assert_eq!(
            value(&object, Field::Email),
            Some(FieldValue::Text("a@b.co".into()))
        );
        let (second, _) = mapper
            .parse(r#"{"customerId": 8, "contact": {"email": "c@d.co"}, "email": "ignored@x.y"} "#)
            .unwrap();
        assert_eq!(value(&second, Field::Id), Some(FieldValue::Unsigned(8)));
        assert_eq!(
            value(&second, Field::Email),
            Some(FieldValue::Text("c@d.co".into()))
        );
        let json = serde_json::to_value(mapper.mapping()).unwrap();
        assert_eq!(json["fields"]["email"], "contact.email");
        assert_eq!(json["fields"]["avatar"], "avatar");
        assert_eq!(json["ignored_columns"], serde_json::json!(["x"]));
    }

    #[test]
    fn a_field_said_not_in_this_source_is_not_read() {
        let mut mapper = Mapper::new(MappingSpec::parse("avatar:").unwrap());
        let (object, _) = mapper.parse(r#"{"id": 1, "avatar": "x"}"#).unwrap();
        assert_eq!(object.record.raw(Field::Avatar), None);
        assert!(!object.record.mapped.contains(Field::Avatar));
    }
}
