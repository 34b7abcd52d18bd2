//! The compact store of an earlier report, and one customer line read
//! into it, field by field of the schema ([`crate::schema::LINE`]): each
//! value checked against what this tool writes for the field's kind, texts
//! interned, labels kept as codes.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::common::de::deserialize_from_map;
use crate::common::interner::Interner;
use crate::schema::{Kind, LineField, LINE};
use crate::source::ingest::parser_message;

use super::read::{kind_of_value, shown, ReadError, ReadProblem, ReportReader};
use super::RunSummary;

/// Why a customer line could not be kept.
pub(super) enum LineError {
    /// It is not valid JSON.
    Json(serde_json::Error),
    /// It is JSON, but not a customer line this tool writes.
    NotALine(ReadError),
}

/// The most a quality score can be.
const MAX_SCORE: u64 = 100;

/// One customer of the earlier report, compact: per field of the line a
/// number (a text's number in its field's table, a label's code, a score).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PreviousRow {
    pub(crate) customer_id: u64,
    values: [u32; LINE.len()],
    issues_start: u32,
    issue_count: u32,
    /// Place in the file's `customers`, for messages.
    pub(super) place: u32,
}

/// The checked metadata of the earlier report.
#[derive(Debug, Clone)]
pub(super) struct PreviousMetadata {
    pub(super) seed: u64,
    pub(super) as_of: String,
    pub(super) export_timestamp: String,
    pub(super) source: Box<RawValue>,
    pub(super) complete: bool,
}

/// An earlier report, read and checked: its metadata and its customers,
/// sorted by id.
#[derive(Debug)]
pub struct PreviousReport {
    pub(super) metadata: PreviousMetadata,
    pub(super) rows: Vec<PreviousRow>,
    /// Per field of the line, the distinct texts of a text field.
    texts: Vec<Interner>,
    issue_texts: Interner,
    /// Each customer's issues: numbers into `issue_texts`.
    issues: Vec<u32>,
}

/// A field's value in the earlier report, by the field's kind.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PreviousValue<'p> {
    /// `Kind::Id`.
    Id(u64),
    /// `Kind::Text` and `Kind::Domain`.
    Text(&'p str),
    /// `Kind::Enum`: the label and its code.
    Label {
        /// As exported.
        label: &'static str,
        /// Its place among the field's choices.
        code: u8,
    },
    /// `Kind::Score`.
    Score(u8),
    /// `Kind::Issues`: read with [`PreviousCustomer::issues`].
    Issues,
}

/// A customer of the earlier report with access to its texts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PreviousCustomer<'p> {
    pub(crate) row: &'p PreviousRow,
    report: &'p PreviousReport,
}

impl<'p> PreviousCustomer<'p> {
    /// The value of one field of its line.
    pub(crate) fn value(&self, field: LineField) -> PreviousValue<'p> {
        let stored = self.row.values[field as usize];
        match field.spec().kind {
            Kind::Id => PreviousValue::Id(self.row.customer_id),
            Kind::Text | Kind::Domain => {
                PreviousValue::Text(self.report.texts[field as usize].get(stored))
            }
            Kind::Enum(choices) => PreviousValue::Label {
                label: choices.labels[stored as usize],
                code: stored as u8,
            },
            Kind::Score => PreviousValue::Score(stored as u8),
            Kind::Issues => PreviousValue::Issues,
        }
    }

    /// Its quality issues, as the report wrote them.
    pub(crate) fn issues(&self) -> impl ExactSizeIterator<Item = &'p str> + 'p {
        let start = self.row.issues_start as usize;
        let end = start + self.row.issue_count as usize;
        let report = self.report;
        report.issues[start..end]
            .iter()
            .map(move |&id| report.issue_texts.get(id))
    }
}

impl PreviousReport {
    /// An empty store, before a report is read into it.
    pub(super) fn empty() -> Self {
        PreviousReport {
            metadata: PreviousMetadata {
                seed: 0,
                as_of: String::new(),
                export_timestamp: String::new(),
                source: super::null_raw_value(),
                complete: true,
            },
            rows: Vec::new(),
            texts: LINE.iter().map(|_| Interner::default()).collect(),
            issue_texts: Interner::default(),
            issues: Vec::new(),
        }
    }

    /// Reads a whole report.
    ///
    /// # Errors
    /// [`ReadError`] saying why the bytes are not a report this tool exported.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ReadError> {
        let mut reader = ReportReader::new();
        reader.push(bytes)?;
        reader.finish()
    }

    /// Its seed, dates, source and size.
    pub fn summary(&self) -> RunSummary {
        let m = &self.metadata;
        RunSummary {
            export_timestamp: m.export_timestamp.clone(),
            seed: m.seed,
            as_of: m.as_of.clone(),
            source: m.source.clone(),
            total_customers: self.rows.len(),
            complete: m.complete,
        }
    }

    /// Number of customers.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether it has no customers.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub(crate) fn id_at(&self, place: usize) -> u64 {
        self.rows[place].customer_id
    }

    pub(crate) fn customer(&self, place: usize) -> PreviousCustomer<'_> {
        PreviousCustomer {
            row: &self.rows[place],
            report: self,
        }
    }

    pub(crate) fn try_customer(&self, place: usize) -> Option<PreviousCustomer<'_>> {
        self.rows
            .get(place)
            .map(|row| PreviousCustomer { row, report: self })
    }
}

// ---------- one customer line ----------

/// One field's value as read, before it is stored.
enum FieldRead<'a> {
    Id(u64),
    Text(Cow<'a, str>),
    Code(u8),
    Score(u64),
    Issues(Vec<Cow<'a, str>>),
}

/// A customer line read field by field of the schema, its texts borrowed
/// from the input where they can be (unknown keys are passed over, as
/// serde does for a struct).
struct LineRead<'a> {
    values: [Option<FieldRead<'a>>; LINE.len()],
}

impl LineRead<'_> {
    /// Whether every value is one a report holds (serde has checked types).
    fn is_valid(&self) -> bool {
        self.values.iter().all(|value| match value {
            Some(FieldRead::Id(id)) => *id > 0,
            Some(FieldRead::Score(score)) => *score <= MAX_SCORE,
            Some(_) => true,
            None => false,
        })
    }
}

/// A line's key, as the field it names (or none).
struct Key(Option<LineField>);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
                Ok(Key(LineField::from_key(key)))
            }
        }
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

/// Reads one value as its field's kind.
struct ValueSeed(Kind);

/// A text, borrowed when the input allows.
struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(text))
    }
    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(text.to_owned()))
    }
    fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(text))
    }
}

struct Text<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(TextVisitor).map(Text)
    }
}

/// A label, as its code among `choices`.
struct LabelVisitor(&'static crate::schema::Choices);

impl Visitor<'_> for LabelVisitor {
    type Value = u8;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.expected)
    }
    fn visit_str<E: de::Error>(self, text: &str) -> Result<u8, E> {
        self.0
            .labels
            .iter()
            .position(|label| *label == text)
            .map(|code| code as u8)
            .ok_or_else(|| E::invalid_value(de::Unexpected::Str(text), &self))
    }
}

/// A list of texts.
struct ListVisitor;

impl<'de> Visitor<'de> for ListVisitor {
    type Value = Vec<Cow<'de, str>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of strings")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(Text(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(items)
    }
}

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = FieldRead<'de>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        Ok(match self.0 {
            Kind::Id => FieldRead::Id(u64::deserialize(deserializer)?),
            Kind::Text | Kind::Domain => {
                FieldRead::Text(deserializer.deserialize_str(TextVisitor)?)
            }
            Kind::Enum(choices) => {
                FieldRead::Code(deserializer.deserialize_str(LabelVisitor(choices))?)
            }
            Kind::Score => FieldRead::Score(u64::deserialize(deserializer)?),
            Kind::Issues => FieldRead::Issues(deserializer.deserialize_seq(ListVisitor)?),
        })
    }
}

deserialize_from_map!(<'de> LineRead, "a customer line", |map| {
    let mut line = LineRead {
        values: std::array::from_fn(|_| None),
    };
    while let Some(Key(field)) = map.next_key()? {
        let Some(field) = field else {
            map.next_value::<IgnoredAny>()?;
            continue;
        };
        let slot = &mut line.values[field as usize];
        if slot.is_some() {
            return Err(de::Error::duplicate_field(field.key()));
        }
        *slot = Some(map.next_value_seed(ValueSeed(field.spec().kind))?);
    }
    if let Some(spec) = LINE
        .iter()
        .find(|spec| line.values[spec.field as usize].is_none())
    {
        return Err(de::Error::missing_field(spec.key));
    }
    Ok(line)
});

/// Why a customer line that did not deserialize is not one: the first
/// field, in the report's order, that is missing or wrong; `None` when
/// each field is fine on its own (then the object repeats a key).
fn diagnose_customer(value: &serde_json::Value) -> Option<(&'static str, ReadProblem)> {
    use serde_json::Value;
    fn whole(v: &Value, expected: &'static str, valid: fn(u64) -> bool) -> Option<ReadProblem> {
        match v {
            Value::Number(n) if n.as_u64().is_some_and(valid) => None,
            Value::Number(n) => Some(ReadProblem::BadValue {
                expected,
                found: shown(&n.to_string()),
            }),
            other => Some(ReadProblem::WrongType {
                expected,
                found: kind_of_value(other),
            }),
        }
    }
    let check = |kind: Kind, v: &Value| match kind {
        Kind::Id => whole(v, "a positive whole number", |id| id > 0),
        Kind::Text | Kind::Domain => (!v.is_string()).then(|| ReadProblem::WrongType {
            expected: "a string",
            found: kind_of_value(v),
        }),
        Kind::Enum(choices) => match v {
            Value::String(s) if choices.labels.contains(&s.as_str()) => None,
            Value::String(s) => Some(ReadProblem::BadValue {
                expected: choices.expected,
                found: shown(&format!("'{s}'")),
            }),
            other => Some(ReadProblem::WrongType {
                expected: "a string",
                found: kind_of_value(other),
            }),
        },
        Kind::Score => whole(v, "a whole number from 0 to 100", |s| s <= MAX_SCORE),
        Kind::Issues => match v {
            Value::Array(items) => {
                items
                    .iter()
                    .find(|i| !i.is_string())
                    .map(|i| ReadProblem::WrongType {
                        expected: "an array of strings",
                        found: match i {
                            Value::Number(_) => "an array holding a number",
                            Value::Bool(_) => "an array holding a boolean",
                            Value::Null => "an array holding null",
                            Value::Array(_) => "an array holding an array",
                            _ => "an array holding an object",
                        },
                    })
            }
            other => Some(ReadProblem::WrongType {
                expected: "an array of strings",
                found: kind_of_value(other),
            }),
        },
    };
    LINE.iter().find_map(|spec| match value.get(spec.key) {
        None => Some((spec.key, ReadProblem::Missing)),
        Some(v) => check(spec.kind, v).map(|problem| (spec.key, problem)),
    })
}

impl PreviousReport {
    /// Reads the customer line at the start of `rest` straight into the
    /// store, returning where it ends; `None` when it is cut short or is
    /// not a valid line (it is then cut out and checked by [`Self::take_line`]).
    pub(super) fn take_line_in_place(&mut self, rest: &[u8], place: usize) -> Option<usize> {
        let mut values = serde_json::Deserializer::from_slice(rest).into_iter::<LineRead>();
        match values.next() {
            Some(Ok(line)) if line.is_valid() => {
                let end = values.byte_offset();
                self.store(line, place);
                Some(end)
            }
            _ => None,
        }
    }

    /// Reads one customer line cut out of the file (the `place`-th of
    /// `customers`), or says why it is not one.
    pub(super) fn take_line(&mut self, bytes: &[u8], place: usize) -> Result<(), LineError> {
        match serde_json::from_slice::<LineRead>(bytes) {
            Ok(line) if line.is_valid() => {
                self.store(line, place);
                Ok(())
            }
            result => {
                let value: serde_json::Value =
                    serde_json::from_slice(bytes).map_err(LineError::Json)?;
                let place = format!("customers[{place}]");
                Err(LineError::NotALine(match diagnose_customer(&value) {
                    Some((field, problem)) => {
                        ReadError::not_a_report(format!("{place}.{field}"), problem)
                    }
                    None => ReadError::not_a_report(
                        place,
                        ReadProblem::BadValue {
                            expected: "an object with each key once",
                            found: result
                                .err()
                                .map(|e| shown(&parser_message(&e)))
                                .unwrap_or_default(),
                        },
                    ),
                }))
            }
        }
    }

    fn store(&mut self, line: LineRead<'_>, place: usize) {
        let mut row = PreviousRow {
            customer_id: 0,
            values: [0; LINE.len()],
            issues_start: self.issues.len() as u32,
            issue_count: 0,
            place: place as u32,
        };
        for (index, value) in line.values.into_iter().enumerate() {
            row.values[index] = match value {
                Some(FieldRead::Id(id)) => {
                    row.customer_id = id;
                    0
                }
                Some(FieldRead::Text(text)) => self.texts[index].intern(&text),
                Some(FieldRead::Code(code)) => u32::from(code),
                Some(FieldRead::Score(score)) => score as u32,
                Some(FieldRead::Issues(items)) => {
                    row.issue_count = items.len() as u32;
                    for item in &items {
                        let id = self.issue_texts.intern(item);
                        self.issues.push(id);
                    }
                    0
                }
                None => 0,
            };
        }
        self.rows.push(row);
    }
}
