//! The page's table of changed customers: which match the search and the
//! filters (in id order, as in the changes file), and their rows as JSON.
//! Computed in the worker, like the customer table's view.
// Used by the page (`web`, a wasm32-only module), and tested natively.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use serde::ser::SerializeMap;
use serde::Serialize;

use crate::report::table::Column;
use crate::schema::{LineField, LINE};
use crate::transform::customer::{CustomerRef, Customers, LineValue};
use crate::transform::quality::QualityBucket;

use super::previous::PreviousValue;
use super::write::{current_value, previous_value, sides, Value};
use super::{Changes, PreviousReport};

/// The table's columns: the fields that name a customer, the changes,
/// and the quality bucket before and now.
pub(crate) fn columns() -> Vec<Column> {
    let mut columns: Vec<Column> = LINE
        .iter()
        .filter(|spec| spec.identifies)
        .map(|spec| Column {
            sortable: false,
            ..Column::of(spec.field)
        })
        .collect();
    columns.push(Column {
        key: "changes",
        label: "Changes (before → now)",
        kind: "changes",
        sortable: false,
    });
    columns.push(Column {
        key: "quality_bucket",
        label: "Quality (before → now)",
        kind: "bucket",
        sortable: false,
    });
    columns
}

/// What the table shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ChangesQuery {
    /// Case-insensitive text to find in the name or email domain (now), or the whole id.
    pub search: String,
    /// Only customers in this quality bucket now.
    pub bucket: Option<QualityBucket>,
    /// Only customers with a change in this field.
    pub field: Option<LineField>,
}

/// Indexes into [`Changes::changed`] of the rows to show, in id order.
/// `previous` and `current` must be the ones compared.
pub(crate) fn select_changes(
    changes: &Changes,
    previous: &PreviousReport,
    current: &Customers,
    query: &ChangesQuery,
) -> Vec<u32> {
    let needle = query.search.trim().to_lowercase();
    let mut rows = Vec::new();
    for (index, changed) in changes.changed().iter().enumerate() {
        let Some((_, now)) = sides(changed, previous, current) else {
            continue;
        };
        let wanted = query
            .bucket
            .is_none_or(|bucket| QualityBucket::of(now.data_quality_score) == bucket)
            && query
                .field
                .is_none_or(|field| changed.fields.contains(field))
            && (needle.is_empty()
                || LineField::ALL
                    .into_iter()
                    .any(|field| match now.value(field) {
                        LineValue::Text { text, .. } => text.to_lowercase().contains(&needle),
                        LineValue::Id(id) => id.to_string() == needle,
                        _ => false,
                    }));
        if wanted {
            rows.push(index as u32);
        }
    }
    rows
}

/// One field's change as the page shows it.
#[derive(Debug, Serialize)]
struct FieldChange<'a> {
    field: &'static str,
    old: Value<'a>,
    new: Value<'a>,
}

/// One changed customer as the page shows it: its id (as text: JavaScript
/// numbers lose ids above 2^53) and texts now, the quality bucket before
/// and now, and each changed field.
struct Row<'a> {
    now: CustomerRef<'a>,
    previous_bucket: &'static str,
    changes: Vec<FieldChange<'a>>,
}

impl Serialize for Row<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for spec in &LINE {
            match self.now.value(spec.field) {
                LineValue::Id(id) => map.serialize_entry(spec.key, &id.to_string())?,
                LineValue::Text { text, .. } => map.serialize_entry(spec.key, text)?,
                _ => {}
            }
        }
        map.serialize_entry("previous_bucket", self.previous_bucket)?;
        map.serialize_entry(
            "quality_bucket",
            QualityBucket::of(self.now.data_quality_score).name(),
        )?;
        map.serialize_entry("changes", &self.changes)?;
        map.end()
    }
}

/// Rows `offset..offset + limit` of a view (from [`select_changes`]), as
/// a JSON array for the page.
pub(crate) fn changes_rows_json(
    changes: &Changes,
    previous: &PreviousReport,
    current: &Customers,
    view: &[u32],
    offset: usize,
    limit: usize,
) -> String {
    let start = offset.min(view.len());
    let end = start.saturating_add(limit).min(view.len());
    let rows: Vec<Row> = view[start..end]
        .iter()
        .filter_map(|&index| {
            let changed = changes.changed().get(index as usize)?;
            let (before, now) = sides(changed, previous, current)?;
            let earlier = match before.value(LineField::DataQualityScore) {
                PreviousValue::Score(score) => score,
                _ => 0,
            };
            Some(Row {
                now,
                previous_bucket: QualityBucket::of(earlier).name(),
                changes: changed
                    .fields
                    .iter()
                    .map(|field| FieldChange {
                        field: field.key(),
                        old: previous_value(&before, field),
                        new: current_value(&now, field),
                    })
                    .collect(),
            })
        })
        .collect();
    serde_json::to_string(&rows).unwrap_or_else(|_| "[]".into())
}

/// The table's columns as JSON, for the page.
pub(crate) fn columns_json() -> String {
    serde_json::to_string(&columns()).unwrap_or_else(|_| "[]".into())
}
