//! The page's table of changes: the added, removed and changed customers
//! (each marked so) that match the search and the filters, in id order,
//! and their rows as JSON. Computed in the worker, like the customer
//! table's view.
// Used by the page (`web`, a wasm32-only module), and tested natively.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use serde::ser::SerializeMap;
use serde::Serialize;

use crate::common::order::order_by_key;
use crate::report::table::{json_array, page_of, Column};
use crate::schema::{ColumnLayout, LineField, Wrap, LINE};
use crate::transform::customer::{CustomerRef, Customers, LineValue};
use crate::transform::quality::QualityBucket;

use super::previous::{PreviousCustomer, PreviousValue};
use super::write::{current_value, previous_value, sides, Value};
use super::{Changes, PreviousReport};

/// The table's columns: what happened to the customer (added, removed,
/// changed), the fields that name it, the changes, and the quality bucket
/// before and now.
pub(crate) fn columns() -> Vec<Column> {
    let mut columns = vec![Column {
        key: "change",
        label: "Change",
        kind: "change",
        layout: ColumnLayout {
            min_rem: 5.5,
            share: 0.3,
            wrap: Wrap::Never,
        },
        sortable: false,
    }];
    columns.extend(
        LINE.iter()
            .filter(|spec| spec.identifies)
            .map(|spec| Column {
                sortable: false,
                ..Column::of(spec.field)
            }),
    );
    columns.push(Column {
        key: "changes",
        label: "Changes (before → now)",
        kind: "changes",
        layout: ColumnLayout {
            min_rem: 18.0,
            share: 4.0,
            wrap: Wrap::Lines,
        },
        sortable: false,
    });
    columns.push(Column {
        key: "quality_bucket",
        label: "Quality (before → now)",
        kind: "bucket",
        layout: ColumnLayout {
            min_rem: 10.0,
            share: 0.8,
            wrap: Wrap::Words,
        },
        sortable: false,
    });
    columns
}

/// What the table shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ChangesQuery {
    /// Case-insensitive text to find in a text field (now, or before for a
    /// removed customer), or the whole id.
    pub(crate) search: String,
    /// Only customers in this quality bucket now (so no removed one).
    pub(crate) bucket: Option<QualityBucket>,
    /// Only changed customers with a change in this field.
    pub(crate) field: Option<LineField>,
}

/// One row of the table: an index into [`Changes::added`],
/// [`Changes::removed`] or [`Changes::changed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Listed {
    /// A customer only in this run.
    Added(u32),
    /// A customer only in the earlier report.
    Removed(u32),
    /// A customer in both, with a compared field changed.
    Changed(u32),
}

impl Listed {
    fn name(self) -> &'static str {
        match self {
            Listed::Added(_) => "added",
            Listed::Removed(_) => "removed",
            Listed::Changed(_) => "changed",
        }
    }
}

/// One side of a listed customer: as it is now, or as it was.
#[derive(Clone, Copy)]
enum Side<'a> {
    Now(CustomerRef<'a>),
    Before(PreviousCustomer<'a>),
}

impl Side<'_> {
    fn id(&self) -> u64 {
        match self {
            Side::Now(customer) => customer.customer_id,
            Side::Before(customer) => customer.row.customer_id,
        }
    }

    /// The text of a text field (`None` for other kinds).
    fn text(&self, field: LineField) -> Option<&str> {
        match self {
            Side::Now(customer) => match customer.value(field) {
                LineValue::Text { text, .. } => Some(text),
                _ => None,
            },
            Side::Before(customer) => match customer.value(field) {
                PreviousValue::Text(text) => Some(text),
                _ => None,
            },
        }
    }
}

/// The side a listed customer is shown by: now, except a removed one.
fn shown_side<'a>(
    listed: Listed,
    changes: &Changes,
    previous: &'a PreviousReport,
    current: &'a Customers,
) -> Option<Side<'a>> {
    let now = |index: u32| (index as usize) < current.len();
    match listed {
        Listed::Added(i) => {
            let index = *changes.added().get(i as usize)?;
            now(index).then(|| Side::Now(current.get(index as usize)))
        }
        Listed::Removed(i) => {
            let place = *changes.removed().get(i as usize)?;
            previous.try_customer(place as usize).map(Side::Before)
        }
        Listed::Changed(i) => {
            let changed = changes.changed().get(i as usize)?;
            sides(changed, previous, current).map(|(_, now)| Side::Now(now))
        }
    }
}

/// The rows to show, in id order. `previous` and `current` must be the
/// ones compared.
pub(crate) fn select_changes(
    changes: &Changes,
    previous: &PreviousReport,
    current: &Customers,
    query: &ChangesQuery,
) -> Vec<Listed> {
    let needle = query.search.trim().to_lowercase();
    let listed = (0..changes.added().len() as u32)
        .map(Listed::Added)
        .chain((0..changes.removed().len() as u32).map(Listed::Removed))
        .chain((0..changes.changed().len() as u32).map(Listed::Changed));
    let rows: Vec<(u64, Listed)> = listed
        .filter_map(|listed| {
            let side = shown_side(listed, changes, previous, current)?;
            let in_bucket = query.bucket.is_none_or(|bucket| match side {
                Side::Now(now) => QualityBucket::of(now.data_quality_score) == bucket,
                Side::Before(_) => false,
            });
            let with_field = query.field.is_none_or(|field| match listed {
                Listed::Changed(i) => changes
                    .changed()
                    .get(i as usize)
                    .is_some_and(|changed| changed.fields.contains(field)),
                _ => false,
            });
            let found = needle.is_empty()
                || side.id().to_string() == needle
                || LineField::ALL.into_iter().any(|field| {
                    side.text(field)
                        .is_some_and(|text| text.to_lowercase().contains(&needle))
                });
            (in_bucket && with_field && found).then(|| (side.id(), listed))
        })
        .collect();
    order_by_key(rows.iter().map(|&(id, _)| id))
        .into_iter()
        .map(|at| rows[at as usize].1)
        .collect()
}

/// One field's change as the page shows it.
#[derive(Debug, Serialize)]
struct FieldChange<'a> {
    field: &'static str,
    old: Value<'a>,
    new: Value<'a>,
}

/// One listed customer as the page shows it: what happened to it, its id
/// (as text: JavaScript numbers lose ids above 2^53) and texts (now, or
/// as they were for a removed customer), the quality bucket before and
/// now (`null` on the side it is missing from), and each changed field.
struct Row<'a> {
    change: &'static str,
    side: Side<'a>,
    previous_bucket: Option<&'static str>,
    quality_bucket: Option<&'static str>,
    changes: Vec<FieldChange<'a>>,
}

impl Serialize for Row<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("change", self.change)?;
        for spec in &LINE {
            if spec.field == LineField::CustomerId {
                map.serialize_entry(spec.key, &self.side.id().to_string())?;
            } else if let Some(text) = self.side.text(spec.field) {
                map.serialize_entry(spec.key, text)?;
            }
        }
        map.serialize_entry("previous_bucket", &self.previous_bucket)?;
        map.serialize_entry("quality_bucket", &self.quality_bucket)?;
        map.serialize_entry("changes", &self.changes)?;
        map.end()
    }
}

fn bucket_before(customer: &PreviousCustomer<'_>) -> &'static str {
    let score = match customer.value(LineField::DataQualityScore) {
        PreviousValue::Score(score) => score,
        _ => 0,
    };
    QualityBucket::of(score).name()
}

fn bucket_now(customer: &CustomerRef<'_>) -> &'static str {
    QualityBucket::of(customer.data_quality_score).name()
}

/// Rows `offset..offset + limit` of a view (from [`select_changes`]), as
/// a JSON array for the page.
pub(crate) fn changes_rows_json(
    changes: &Changes,
    previous: &PreviousReport,
    current: &Customers,
    view: &[Listed],
    offset: usize,
    limit: usize,
) -> String {
    let rows: Vec<Row> = page_of(view, offset, limit)
        .iter()
        .filter_map(|&listed| {
            let side = shown_side(listed, changes, previous, current)?;
            let row = |previous_bucket, quality_bucket, changes| Row {
                change: listed.name(),
                side,
                previous_bucket,
                quality_bucket,
                changes,
            };
            Some(match (listed, side) {
                (Listed::Changed(i), _) => {
                    let changed = changes.changed().get(i as usize)?;
                    let (before, now) = sides(changed, previous, current)?;
                    row(
                        Some(bucket_before(&before)),
                        Some(bucket_now(&now)),
                        changed
                            .fields
                            .iter()
                            .map(|field| FieldChange {
                                field: field.key(),
                                old: previous_value(&before, field),
                                new: current_value(&now, field),
                            })
                            .collect(),
                    )
                }
                (_, Side::Now(now)) => row(None, Some(bucket_now(&now)), Vec::new()),
                (_, Side::Before(before)) => row(Some(bucket_before(&before)), None, Vec::new()),
            })
        })
        .collect();
    json_array(&rows)
}

/// The table's columns as JSON, for the page.
pub(crate) fn columns_json() -> String {
    json_array(&columns())
}
