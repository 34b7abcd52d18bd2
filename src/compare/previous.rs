//! The compact store of an earlier report, and one customer line read
//! into it: checked field by field against what this tool writes, its
//! texts interned and its labels kept as codes.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::common::interner::Interner;
use crate::transform::enrich::{
    AcquisitionChannel, ActivityStatus, CustomerTier, EngagementLevel, MarketSegment,
};

use super::read::{kind_of_value, shown, ReadError, ReadProblem, ReportReader};
use super::RunSummary;

/// Why a customer line could not be kept.
pub(super) enum LineError {
    /// It is not valid JSON.
    Json(serde_json::Error),
    /// It is JSON, but not a customer line this tool writes.
    NotALine(ReadError),
}

/// One customer of the earlier report, compact: texts are interned.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PreviousRow {
    pub(crate) customer_id: u64,
    name: u32,
    domain: u32,
    issues_start: u32,
    issue_count: u32,
    /// Place in the file's `customers`, for messages.
    pub(super) place: u32,
    pub(crate) engagement_level: EngagementLevel,
    pub(crate) activity_status: ActivityStatus,
    pub(crate) acquisition_channel: AcquisitionChannel,
    pub(crate) market_segment: MarketSegment,
    pub(crate) customer_tier: CustomerTier,
    pub(crate) data_quality_score: u8,
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
    pub(super) names: Interner,
    pub(super) domains: Interner,
    pub(super) issue_texts: Interner,
    /// Each customer's issues: numbers into `issue_texts`.
    pub(super) issues: Vec<u32>,
}

/// A customer of the earlier report with access to its texts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PreviousCustomer<'p> {
    pub(crate) row: &'p PreviousRow,
    report: &'p PreviousReport,
}

impl<'p> PreviousCustomer<'p> {
    pub(crate) fn full_name(&self) -> &'p str {
        self.report.names.get(self.row.name)
    }

    pub(crate) fn email_domain(&self) -> &'p str {
        self.report.domains.get(self.row.domain)
    }

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

/// The enumerations a customer line holds, read from their labels.
trait Labelled: Copy + 'static {
    const ALL: &'static [Self];
    const EXPECTED: &'static str;
    fn label(self) -> &'static str;
}

macro_rules! labelled {
    ($($ty:ty => $expected:literal),+ $(,)?) => {$(
        impl Labelled for $ty {
            const ALL: &'static [Self] = <$ty>::ALL;
            const EXPECTED: &'static str = $expected;
            fn label(self) -> &'static str {
                <$ty>::label(self)
            }
        }
    )+};
}

labelled!(
    EngagementLevel => "one of high, medium, low, unknown",
    ActivityStatus => "one of active, inactive, unknown",
    AcquisitionChannel => "one of website, mobile_app, email_campaign",
    MarketSegment => "one of US-West, US-East, EU-Central, APAC",
    CustomerTier => "one of basic, premium, enterprise",
);

fn from_label<T: Labelled>(text: &str) -> Option<T> {
    T::ALL.iter().copied().find(|value| value.label() == text)
}

/// A label read as its value.
struct Label<T>(T);

impl<'de, T: Labelled> Deserialize<'de> for Label<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LabelVisitor<T>(std::marker::PhantomData<T>);
        impl<T: Labelled> Visitor<'_> for LabelVisitor<T> {
            type Value = Label<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(T::EXPECTED)
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Label<T>, E> {
                from_label(text)
                    .map(Label)
                    .ok_or_else(|| E::invalid_value(de::Unexpected::Str(text), &self))
            }
        }
        deserializer.deserialize_str(LabelVisitor(std::marker::PhantomData))
    }
}

/// A customer line, borrowing its texts from the input where it can.
#[derive(Deserialize)]
struct CustomerLine<'a> {
    customer_id: u64,
    #[serde(borrow)]
    full_name: Cow<'a, str>,
    #[serde(borrow)]
    email_domain: Cow<'a, str>,
    engagement_level: Label<EngagementLevel>,
    activity_status: Label<ActivityStatus>,
    acquisition_channel: Label<AcquisitionChannel>,
    market_segment: Label<MarketSegment>,
    customer_tier: Label<CustomerTier>,
    data_quality_score: u8,
    #[serde(borrow)]
    quality_issues: Vec<Cow<'a, str>>,
}

/// The most a quality score can be.
const MAX_SCORE: u8 = 100;

/// Why a customer line that did not deserialize is not one: the first
/// field, in the report's order, that is missing or wrong; `None` when
/// each field is fine on its own (then the object repeats a key).
fn diagnose_customer(value: &serde_json::Value) -> Option<(&'static str, ReadProblem)> {
    use serde_json::Value;
    type Check = fn(&Value) -> Option<ReadProblem>;
    fn text(v: &Value) -> Option<ReadProblem> {
        (!v.is_string()).then(|| ReadProblem::WrongType {
            expected: "a string",
            found: kind_of_value(v),
        })
    }
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
    let checks: [(&'static str, Check); 10] = [
        ("customer_id", |v| {
            whole(v, "a positive whole number", |id| id > 0)
        }),
        ("full_name", text),
        ("email_domain", text),
        ("engagement_level", labelled_problem::<EngagementLevel>),
        ("activity_status", labelled_problem::<ActivityStatus>),
        (
            "acquisition_channel",
            labelled_problem::<AcquisitionChannel>,
        ),
        ("market_segment", labelled_problem::<MarketSegment>),
        ("customer_tier", labelled_problem::<CustomerTier>),
        ("data_quality_score", |v| {
            whole(v, "a whole number from 0 to 100", |s| {
                s <= u64::from(MAX_SCORE)
            })
        }),
        ("quality_issues", |v| match v {
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
        }),
    ];
    checks
        .into_iter()
        .find_map(|(name, check)| match value.get(name) {
            None => Some((name, ReadProblem::Missing)),
            Some(v) => check(v).map(|problem| (name, problem)),
        })
}

fn labelled_problem<T: Labelled>(value: &serde_json::Value) -> Option<ReadProblem> {
    match value {
        serde_json::Value::String(s) if from_label::<T>(s).is_some() => None,
        serde_json::Value::String(s) => Some(ReadProblem::BadValue {
            expected: T::EXPECTED,
            found: shown(&format!("'{s}'")),
        }),
        other => Some(ReadProblem::WrongType {
            expected: "a string",
            found: kind_of_value(other),
        }),
    }
}

impl PreviousReport {
    /// Reads the customer line at the start of `rest` straight into the
    /// store, returning where it ends; `None` when it is cut short or is
    /// not a valid line (it is then cut out and checked by [`Self::take_line`]).
    pub(super) fn take_line_in_place(&mut self, rest: &[u8], place: usize) -> Option<usize> {
        let mut values = serde_json::Deserializer::from_slice(rest).into_iter::<CustomerLine>();
        match values.next() {
            Some(Ok(line)) if line.customer_id > 0 && line.data_quality_score <= MAX_SCORE => {
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
        match serde_json::from_slice::<CustomerLine>(bytes) {
            Ok(line) if line.customer_id > 0 && line.data_quality_score <= MAX_SCORE => {
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
                                .map(|e| shown(&super::read::strip_position(&e.to_string())))
                                .unwrap_or_default(),
                        },
                    ),
                }))
            }
        }
    }

    fn store(&mut self, line: CustomerLine<'_>, place: usize) {
        let issues_start = self.issues.len() as u32;
        for issue in &line.quality_issues {
            let id = self.issue_texts.intern(issue);
            self.issues.push(id);
        }
        let name = self.names.intern(&line.full_name);
        let domain = self.domains.intern(&line.email_domain);
        self.rows.push(PreviousRow {
            customer_id: line.customer_id,
            name,
            domain,
            issues_start,
            issue_count: line.quality_issues.len() as u32,
            place: place as u32,
            engagement_level: line.engagement_level.0,
            activity_status: line.activity_status.0,
            acquisition_channel: line.acquisition_channel.0,
            market_segment: line.market_segment.0,
            customer_tier: line.customer_tier.0,
            data_quality_score: line.data_quality_score,
        });
    }
}
