//! The page's table of changed customers: which match the search and the
//! filters (in id order, as in the changes file), and their rows as JSON.
//! Computed in the worker, like the customer table's view.

use serde::Serialize;

use crate::report::table::Column;
use crate::transform::customer::Customers;
use crate::transform::quality::QualityBucket;

use super::write::{current_value, previous_value, sides, Value};
use super::{Changes, CustomerField, PreviousReport};

/// The table's columns.
pub const COLUMNS: [Column; 4] = [
    Column {
        key: "customer_id",
        label: "ID",
        sort: None,
    },
    Column {
        key: "full_name",
        label: "Name",
        sort: None,
    },
    Column {
        key: "changes",
        label: "Changes (before → now)",
        sort: None,
    },
    Column {
        key: "quality_bucket",
        label: "Quality (before → now)",
        sort: None,
    },
];

/// What the table shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangesQuery {
    /// Case-insensitive text to find in the name or email domain (now), or the whole id.
    pub search: String,
    /// Only customers in this quality bucket now.
    pub bucket: Option<QualityBucket>,
    /// Only customers with a change in this field.
    pub field: Option<CustomerField>,
}

/// Indexes into [`Changes::changed`] of the rows to show, in id order.
/// `previous` and `current` must be the ones compared.
pub fn select_changes(
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
                || now.full_name().to_lowercase().contains(&needle)
                || now.email_domain().contains(&needle)
                || now.customer_id.to_string() == needle);
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

/// One changed customer as the page shows it: the id as text
/// (JavaScript numbers lose ids above 2^53), the name and domain now, the
/// quality bucket before and now, and each changed field.
#[derive(Debug, Serialize)]
struct Row<'a> {
    customer_id: String,
    full_name: &'a str,
    email_domain: &'a str,
    previous_bucket: &'static str,
    quality_bucket: &'static str,
    changes: Vec<FieldChange<'a>>,
}

/// Rows `offset..offset + limit` of a view (from [`select_changes`]), as
/// a JSON array for the page.
pub fn changes_rows_json(
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
            Some(Row {
                customer_id: now.customer_id.to_string(),
                full_name: now.full_name(),
                email_domain: now.email_domain(),
                previous_bucket: QualityBucket::of(before.row.data_quality_score).name(),
                quality_bucket: QualityBucket::of(now.data_quality_score).name(),
                changes: changed
                    .fields
                    .iter()
                    .map(|field| FieldChange {
                        field: field.name(),
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
pub fn columns_json() -> String {
    serde_json::to_string(&COLUMNS).unwrap_or_else(|_| "[]".into())
}
