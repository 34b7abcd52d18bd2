//! Comparing this run with an earlier report: which customers were added,
//! which were removed, and for the others which fields changed, from what
//! to what.
//!
//! The earlier report is read by [`ReportReader`] (in chunks, as a file
//! arrives, or whole) into a compact [`PreviousReport`]; it is checked to
//! be a report this tool exported, and nothing the size of the file is
//! kept. [`compare`] matches it with the current run's customers by
//! `customer_id` (both sorted by id, then merged) and returns [`Changes`]:
//! positions into both sides, counts, and notes. The changes file is then
//! written from the two sides ([`Changes::write_json_chunks`]), and the
//! page's table of added, removed and changed customers is a view over
//! them ([`view`]).
//!
//! When the two reports' seeds differ, the seeded fields are left out:
//! `acquisition_channel`, `market_segment` and `customer_tier` always are
//! seeded, and `engagement_level` and `activity_status` are seeded for the
//! customers whose input lacked `engagement_score` or `last_login`, which a
//! report does not record, so they are left out too.

mod previous;
mod read;
pub(crate) mod view;
mod write;

use std::fmt;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use crate::common::order::order_by_key;
use crate::common::wire::{Wire, WireError, WireReader, Writer};
use crate::report::json_out::LineWriter;
use crate::report::Report;
use crate::schema::{LineField, LINE};
use crate::transform::customer::{Customers, LineValue};
use crate::transform::quality::QualityBucket;

pub use previous::PreviousReport;
use previous::{PreviousCustomer, PreviousValue};
pub use read::{ReadError, ReadProblem, ReportReader};

/// A set of fields of the line, as bits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct FieldSet(u16);

impl FieldSet {
    /// Every field but `customer_id`, the key the reports are matched by.
    pub(crate) const COMPARABLE: FieldSet =
        FieldSet(((1 << LINE.len()) - 1) & !(1 << LineField::CustomerId as u16));

    /// Whether `field` is in the set.
    pub(crate) fn contains(self, field: LineField) -> bool {
        self.0 & (1 << field as u16) != 0
    }

    /// Whether the set is empty.
    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }

    fn insert(&mut self, field: LineField) {
        self.0 |= 1 << field as u16;
    }

    fn without(self, other: FieldSet) -> FieldSet {
        FieldSet(self.0 & !other.0)
    }

    /// The fields in the set, in the report's order.
    pub(crate) fn iter(self) -> impl Iterator<Item = LineField> {
        LineField::ALL
            .into_iter()
            .filter(move |f| self.contains(*f))
    }
}

/// Serialized as the list of the fields' keys.
impl Serialize for FieldSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter().map(LineField::key))
    }
}

/// What identifies a report: the run's settings, its source and size.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    /// `metadata.export_timestamp`.
    pub(crate) export_timestamp: String,
    /// `metadata.seed`.
    pub(crate) seed: u64,
    /// `metadata.as_of`.
    pub(crate) as_of: String,
    /// `metadata.source`, compact, keys in the report's order.
    pub(crate) source: Box<RawValue>,
    /// Customers in the report.
    pub(crate) total_customers: usize,
    /// `metadata.complete` (`true` when an earlier report does not say).
    pub complete: bool,
}

impl RunSummary {
    /// The summary of a report made by this run.
    pub(crate) fn of(report: &Report<'_>) -> Self {
        let m = &report.metadata;
        RunSummary {
            export_timestamp: m.export_timestamp.clone(),
            seed: m.seed,
            as_of: m.as_of.clone(),
            // A `SourceInfo` always serializes; `null` only keeps this infallible.
            source: serde_json::value::to_raw_value(&m.source).unwrap_or_else(|_| null_raw_value()),
            total_customers: report.customers.len(),
            complete: m.complete,
        }
    }
}

/// A summary as bytes; `source` as its compact JSON text, checked when taken.
impl Wire for RunSummary {
    fn put(&self, out: &mut Writer) {
        out.str(&self.export_timestamp);
        out.uint(self.seed);
        out.str(&self.as_of);
        out.str(self.source.get());
        out.usize(self.total_customers);
        out.bool(self.complete);
    }

    fn take(from: &mut WireReader<'_>) -> Result<Self, WireError> {
        Ok(RunSummary {
            export_timestamp: from.str()?.to_owned(),
            seed: from.uint()?,
            as_of: from.str()?.to_owned(),
            source: RawValue::from_string(from.str()?.to_owned()).map_err(|_| WireError)?,
            total_customers: from.usize()?,
            complete: from.bool()?,
        })
    }
}

/// What a comparison needs of this run, apart from the run: its summary
/// and its customers. The page's upload module has no comparing code (it
/// is kept small, issue 22); a run made there is compared by the module
/// that has it, which takes this side as bytes ([`RunSide::of`],
/// [`RunSide::from_bytes`]) and compares exactly as [`compare`] compares
/// the run.
// Made and read by the page (`web`, wasm32 only) and by tests.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
#[derive(Debug)]
pub(crate) struct RunSide {
    /// The run's summary, as [`RunSummary::of`] makes it.
    pub(crate) summary: RunSummary,
    /// Its customers, in the report's order.
    pub(crate) customers: Customers,
}

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
impl RunSide {
    /// `report`'s side as bytes.
    pub(crate) fn of(report: &Report<'_>) -> Vec<u8> {
        // About 16 bytes a customer (15.6 for the 1M benchmark file).
        let mut out = Writer::with_capacity(report.customers.len() * 16);
        RunSummary::of(report).put(&mut out);
        report.customers.put(&mut out);
        out.into_bytes()
    }

    /// The side [`RunSide::of`] wrote.
    ///
    /// # Errors
    /// [`WireError`] when the bytes are not such a side (cut short, a
    /// customer pointing outside its tables, a total that is not the
    /// number of customers).
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        let mut from = WireReader::new(bytes);
        let summary = RunSummary::take(&mut from)?;
        let customers = Customers::take(&mut from)?;
        from.end()?;
        if summary.total_customers != customers.len() {
            return Err(WireError);
        }
        Ok(RunSide { summary, customers })
    }

    /// The changes since `previous`, as [`compare`] gives them for the run.
    pub(crate) fn compare(&self, previous: &PreviousReport) -> Changes {
        compare_sides(previous, self.summary.clone(), &self.customers)
    }
}

fn null_raw_value() -> Box<RawValue> {
    RawValue::from_string("null".to_owned()).unwrap_or_default()
}

/// Why a comparison needs reading with care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum NoteCode {
    /// Different seeds: the seed-dependent fields were left out.
    SeedsDiffer,
    /// Different `as_of` dates: `activity_status` depends on it.
    AsOfDiffers,
    /// The earlier report is partial: its missing customers show as added.
    PreviousPartial,
    /// This run's report is partial: its missing customers show as removed.
    CurrentPartial,
}

/// A note on the comparison: a code for programs, a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Note {
    /// What the note is about.
    pub(crate) code: NoteCode,
    /// The note, for display.
    pub(crate) message: String,
}

/// Customers who moved from one quality bucket to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct BucketMove {
    /// The bucket in the earlier report.
    #[serde(serialize_with = "bucket_name")]
    pub(crate) from: QualityBucket,
    /// The bucket now.
    #[serde(serialize_with = "bucket_name")]
    pub(crate) to: QualityBucket,
    /// How many customers moved so.
    pub(crate) customers: usize,
}

fn bucket_name<S: Serializer>(bucket: &QualityBucket, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(bucket.name())
}

/// How much changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts {
    /// Customers now, not before.
    pub added: usize,
    /// Customers before, not now.
    pub removed: usize,
    /// Customers in both with a compared field changed.
    pub changed: usize,
    /// Customers in both with no compared field changed.
    pub unchanged: usize,
    /// Changed customers per compared field (a customer counts once per field).
    pub(crate) fields: Vec<(LineField, usize)>,
    /// Moves between quality buckets, best bucket first on both sides.
    pub(crate) quality_buckets: Vec<BucketMove>,
}

impl Counts {
    /// Changed customers with a change in `field` (0 for a field not compared).
    #[cfg(test)]
    pub(crate) fn field(&self, field: LineField) -> usize {
        self.fields
            .iter()
            .find(|(f, _)| *f == field)
            .map_or(0, |(_, n)| *n)
    }
}

impl Serialize for Counts {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Fields<'c>(&'c [(LineField, usize)]);
        impl Serialize for Fields<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(self.0.len()))?;
                for (field, n) in self.0 {
                    map.serialize_entry(field.key(), n)?;
                }
                map.end()
            }
        }
        let mut map = serializer.serialize_map(Some(6))?;
        map.serialize_entry("added", &self.added)?;
        map.serialize_entry("removed", &self.removed)?;
        map.serialize_entry("changed", &self.changed)?;
        map.serialize_entry("unchanged", &self.unchanged)?;
        map.serialize_entry("fields", &Fields(&self.fields))?;
        map.serialize_entry("quality_buckets", &self.quality_buckets)?;
        map.end()
    }
}

/// A customer in both reports whose compared fields changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Changed {
    /// Its place in the earlier report (sorted by id).
    pub(crate) previous: u32,
    /// Its index in the current customers.
    pub(crate) current: u32,
    /// The compared fields that changed.
    pub(crate) fields: FieldSet,
}

/// The result of [`compare`]. It holds positions, not values: the values
/// are read from the same earlier report and current customers when the
/// changes are written or shown, so those must be the ones compared.
#[derive(Debug, Clone)]
pub struct Changes {
    /// The earlier report.
    pub previous: RunSummary,
    /// This run's report.
    pub current: RunSummary,
    /// The fields compared.
    pub(crate) compared_fields: FieldSet,
    /// The fields left out (seed-dependent ones, when the seeds differ).
    pub(crate) left_out_fields: FieldSet,
    /// The totals.
    pub counts: Counts,
    /// What to keep in mind reading the changes.
    pub(crate) notes: Vec<Note>,
    /// Indexes into the current customers, by id.
    added: Vec<u32>,
    /// Places in the earlier report (sorted by id).
    removed: Vec<u32>,
    /// By id.
    changed: Vec<Changed>,
}

impl Changes {
    /// The customers in both reports whose compared fields changed, by id.
    pub(crate) fn changed(&self) -> &[Changed] {
        &self.changed
    }

    /// The customers only in this run: indexes into its customers, by id.
    pub(crate) fn added(&self) -> &[u32] {
        &self.added
    }

    /// The customers only in the earlier report: places in it, by id.
    pub(crate) fn removed(&self) -> &[u32] {
        &self.removed
    }
}

/// Compares the earlier report with this run's by `customer_id`.
///
/// Every field is compared, except, when the seeds differ, the
/// seed-dependent ones (see the module's documentation). Added, removed
/// and changed customers are in id order.
pub fn compare(previous: &PreviousReport, current: &Report<'_>) -> Changes {
    compare_sides(previous, RunSummary::of(current), &current.customers)
}

/// Compares two reports read back (the command line's `compare OLD NEW`)
/// exactly as [`compare`] compares an earlier report with this run's: the
/// same changes, and the same file ([`Changes::to_json`] with the report).
pub fn compare_reports(previous: &PreviousReport, current: &PreviousReport) -> Changes {
    compare_sides(previous, current.summary(), current)
}

fn compare_sides<S: Current>(previous: &PreviousReport, now: RunSummary, current: &S) -> Changes {
    let before = previous.summary();
    let seeded = LineField::ALL
        .into_iter()
        .filter(|f| f.spec().origin.depends_on_seed())
        .fold(FieldSet::default(), |mut set, f| {
            set.insert(f);
            set
        });
    let compared_fields = if before.seed == now.seed {
        FieldSet::COMPARABLE
    } else {
        FieldSet::COMPARABLE.without(seeded)
    };
    let left_out_fields = FieldSet::COMPARABLE.without(compared_fields);

    let by_id = current.by_id();

    let mut matcher = Matcher {
        previous,
        compared: compared_fields,
        added: Vec::new(),
        removed: Vec::new(),
        changed: Vec::new(),
        field_counts: [0; LINE.len()],
        moves: [[0; 3]; 3],
        unchanged: 0,
    };
    // Both sides sorted by id, merged.
    let (mut p, mut c) = (0, 0);
    loop {
        let previous_id = (p < previous.len()).then(|| previous.id_at(p));
        let current_at = by_id.get(c).map(|&i| (i, current.id(i)));
        match (previous_id, current_at) {
            (None, None) => break,
            (Some(id), Some((index, current_id))) if id == current_id => {
                matcher.matched(p, index, current);
                p += 1;
                c += 1;
            }
            (Some(id), Some((index, current_id))) if id > current_id => {
                matcher.added.push(index);
                c += 1;
            }
            (Some(_), _) => {
                matcher.removed.push(p as u32);
                p += 1;
            }
            (None, Some((index, _))) => {
                matcher.added.push(index);
                c += 1;
            }
        }
    }

    let counts = Counts {
        added: matcher.added.len(),
        removed: matcher.removed.len(),
        changed: matcher.changed.len(),
        unchanged: matcher.unchanged,
        fields: compared_fields
            .iter()
            .map(|f| (f, matcher.field_counts[f as usize]))
            .collect(),
        quality_buckets: bucket_moves(&matcher.moves),
    };
    let notes = notes(&before, &now, left_out_fields);
    Changes {
        previous: before,
        current: now,
        compared_fields,
        left_out_fields,
        counts,
        notes,
        added: matcher.added,
        removed: matcher.removed,
        changed: matcher.changed,
    }
}

/// The state of the merge of the two sides.
struct Matcher<'p> {
    previous: &'p PreviousReport,
    compared: FieldSet,
    added: Vec<u32>,
    removed: Vec<u32>,
    changed: Vec<Changed>,
    field_counts: [usize; LINE.len()],
    /// Customers by (earlier bucket, bucket now), in `QualityBucket::ALL` order.
    moves: [[usize; 3]; 3],
    unchanged: usize,
}

impl Matcher<'_> {
    fn matched<S: Current>(&mut self, place: usize, index: u32, current: &S) {
        let before = self.previous.customer(place);
        let mut fields = FieldSet::default();
        for field in self.compared.iter() {
            if !current.same(index, field, &before) {
                fields.insert(field);
                self.field_counts[field as usize] += 1;
            }
        }
        let rank = |score| QualityBucket::of(score) as usize;
        let earlier = match before.value(LineField::DataQualityScore) {
            PreviousValue::Score(score) => score,
            _ => 0,
        };
        self.moves[rank(earlier)][rank(current.score(index))] += 1;
        if fields.is_empty() {
            self.unchanged += 1;
        } else {
            self.changed.push(Changed {
                previous: place as u32,
                current: index,
                fields,
            });
        }
    }
}

/// What the earlier report was compared with, for writing the changes:
/// this run's customers ([`compare`]) or a report read back
/// ([`compare_reports`]); either converts from a reference.
#[derive(Debug, Clone, Copy)]
pub enum Now<'a> {
    /// This run's customers.
    Run(&'a Customers),
    /// A report read back.
    Report(&'a PreviousReport),
}

impl<'a> From<&'a Customers> for Now<'a> {
    fn from(customers: &'a Customers) -> Self {
        Now::Run(customers)
    }
}

impl<'a> From<&'a PreviousReport> for Now<'a> {
    fn from(report: &'a PreviousReport) -> Self {
        Now::Report(report)
    }
}

/// Writes the line of the customer at an index.
pub(crate) type LineWriterFn<'a> = Box<dyn Fn(&mut Vec<u8>, u32) + 'a>;

/// The side compared as "now": this run's customers, or a report read
/// back. Customers are named by their index on that side.
pub(crate) trait Current {
    /// How many customers it has.
    fn count(&self) -> usize;
    /// The indexes of its customers, by id.
    fn by_id(&self) -> Vec<u32>;
    /// The id of the customer at `index`.
    fn id(&self, index: u32) -> u64;
    /// Its quality score.
    fn score(&self, index: u32) -> u8;
    /// Whether its `field` is as it was in `before`.
    fn same(&self, index: u32, field: LineField, before: &PreviousCustomer<'_>) -> bool;
    /// Its `field`, as the report writes it.
    fn value(&self, index: u32, field: LineField) -> write::Value<'_>;
    /// Whether `index` is one of its customers.
    fn has(&self, index: u32) -> bool {
        (index as usize) < self.count()
    }
    /// A writer of its customers' lines, as its report has them.
    fn line_writer(&self) -> LineWriterFn<'_>;
}

impl Current for Customers {
    fn count(&self) -> usize {
        self.len()
    }

    fn by_id(&self) -> Vec<u32> {
        order_by_key(self.rows().iter().map(|customer| customer.customer_id))
    }

    fn id(&self, index: u32) -> u64 {
        self.rows()[index as usize].customer_id
    }

    fn score(&self, index: u32) -> u8 {
        self.rows()[index as usize].data_quality_score
    }

    fn same(&self, index: u32, field: LineField, before: &PreviousCustomer<'_>) -> bool {
        let customer = self.get(index as usize);
        match (before.value(field), customer.value(field)) {
            (PreviousValue::Id(a), LineValue::Id(b)) => a == b,
            (PreviousValue::Text(a), LineValue::Text { text: b, .. }) => a == b,
            (PreviousValue::Label { code: a, .. }, LineValue::Label { code: b, .. }) => a == b,
            (PreviousValue::Score(a), LineValue::Score(b)) => a == b,
            (PreviousValue::Issues, LineValue::Issues(now)) => {
                let earlier = before.issues();
                earlier.len() == now.quality_issues().len()
                    && earlier
                        .zip(now.quality_issues())
                        .all(|(old, new)| displays_as(new, old))
            }
            _ => false,
        }
    }

    fn value(&self, index: u32, field: LineField) -> write::Value<'_> {
        write::current_value(&self.get(index as usize), field)
    }

    fn line_writer(&self) -> LineWriterFn<'_> {
        let writer = LineWriter::new(self);
        Box::new(move |out, index| writer.write(out, &self.get(index as usize)))
    }
}

impl Current for PreviousReport {
    fn count(&self) -> usize {
        self.len()
    }

    fn by_id(&self) -> Vec<u32> {
        // Kept sorted by id.
        (0..self.len() as u32).collect()
    }

    fn id(&self, index: u32) -> u64 {
        self.id_at(index as usize)
    }

    fn score(&self, index: u32) -> u8 {
        match self
            .customer(index as usize)
            .value(LineField::DataQualityScore)
        {
            PreviousValue::Score(score) => score,
            _ => 0,
        }
    }

    fn same(&self, index: u32, field: LineField, before: &PreviousCustomer<'_>) -> bool {
        let now = self.customer(index as usize);
        match (before.value(field), now.value(field)) {
            (PreviousValue::Id(a), PreviousValue::Id(b)) => a == b,
            (PreviousValue::Text(a), PreviousValue::Text(b)) => a == b,
            (PreviousValue::Label { code: a, .. }, PreviousValue::Label { code: b, .. }) => a == b,
            (PreviousValue::Score(a), PreviousValue::Score(b)) => a == b,
            (PreviousValue::Issues, PreviousValue::Issues) => before.issues().eq(now.issues()),
            _ => false,
        }
    }

    fn value(&self, index: u32, field: LineField) -> write::Value<'_> {
        write::previous_value(&self.customer(index as usize), field)
    }

    fn line_writer(&self) -> LineWriterFn<'_> {
        Box::new(move |out, index| write::write_previous_line(out, &self.customer(index as usize)))
    }
}

/// Whether `value` displays as exactly `text`, checked piece by piece as
/// it is written, without rendering it.
fn displays_as(value: impl fmt::Display, text: &str) -> bool {
    /// What is left of the text to match.
    struct Rest<'t>(&'t str);
    impl fmt::Write for Rest<'_> {
        fn write_str(&mut self, piece: &str) -> fmt::Result {
            self.0 = self.0.strip_prefix(piece).ok_or(fmt::Error)?;
            Ok(())
        }
    }
    let mut rest = Rest(text);
    fmt::write(&mut rest, format_args!("{value}")).is_ok() && rest.0.is_empty()
}

fn bucket_moves(moves: &[[usize; 3]; 3]) -> Vec<BucketMove> {
    let mut list = Vec::new();
    for (from_rank, from) in QualityBucket::ALL.into_iter().enumerate() {
        for (to_rank, to) in QualityBucket::ALL.into_iter().enumerate() {
            let customers = moves[from_rank][to_rank];
            if from != to && customers > 0 {
                list.push(BucketMove {
                    from,
                    to,
                    customers,
                });
            }
        }
    }
    list
}

fn names(fields: FieldSet) -> String {
    let names: Vec<&str> = fields.iter().map(LineField::key).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

fn notes(before: &RunSummary, now: &RunSummary, left_out: FieldSet) -> Vec<Note> {
    let mut notes = Vec::new();
    if before.seed != now.seed {
        notes.push(Note {
            code: NoteCode::SeedsDiffer,
            message: format!(
                "The reports were made with different seeds ({} before, {} now), so the fields \
                 the seed can decide are left out: {}. (engagement_level and activity_status \
                 are seeded only for customers whose input had no engagement_score or \
                 last_login, but a report does not say whose.)",
                before.seed,
                now.seed,
                names(left_out)
            ),
        });
    }
    if before.as_of != now.as_of {
        notes.push(Note {
            code: NoteCode::AsOfDiffers,
            message: format!(
                "The reports have different reference dates (as of {} before, {} now): \
                 activity_status and the last_login issues depend on it, so some of their \
                 changes come from the date alone.",
                before.as_of, now.as_of
            ),
        });
    }
    if !before.complete {
        notes.push(Note {
            code: NoteCode::PreviousPartial,
            message: "The earlier report is partial (complete: false): customers it missed \
                      show as added."
                .to_owned(),
        });
    }
    if !now.complete {
        notes.push(Note {
            code: NoteCode::CurrentPartial,
            message: "This run's report is partial (complete: false): customers it missed \
                      show as removed."
                .to_owned(),
        });
    }
    notes
}

#[cfg(test)]
mod tests;
