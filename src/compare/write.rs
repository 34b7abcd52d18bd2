//! The changes file, in the report's style: `metadata` pretty-printed,
//! then one compact line per added, removed and changed customer.
//!
//! ```text
//! {
//!   "metadata": {
//!     "previous": {"export_timestamp", "seed", "as_of", "source", "total_customers", "complete"},
//!     "current": {…the same…},
//!     "compared_fields": ["full_name", …],
//!     "left_out_fields": [],
//!     "counts": {"added", "removed", "changed", "unchanged", "fields": {…}, "quality_buckets": [{"from", "to", "customers"}]},
//!     "notes": [{"code", "message"}]
//!   },
//!   "added": [ …customer lines as in this run's report… ],
//!   "removed": [ …customer lines as in the earlier report… ],
//!   "changed": [
//!     {"customer_id":7,"full_name":"Emma Wong","changes":{"data_quality_score":{"old":70,"new":90}}}
//!   ]
//! }
//! ```

use std::borrow::Cow;

use serde::ser::SerializeSeq;
use serde::{Serialize, Serializer};

use crate::report::json_out::{write_lines, write_str};
use crate::schema::{LineField, LINE};
use crate::transform::customer::{CustomerRef, Customers, LineValue};

use super::previous::{PreviousCustomer, PreviousValue};
use super::{Changed, Changes, Counts, Current, FieldSet, Note, Now, PreviousReport, RunSummary};

/// The changes file's `metadata` (and the page's summary of the changes).
#[derive(Debug, Serialize)]
pub(crate) struct ChangesMetadata<'c> {
    previous: &'c RunSummary,
    current: &'c RunSummary,
    compared_fields: FieldSet,
    left_out_fields: FieldSet,
    counts: &'c Counts,
    notes: &'c [Note],
}

/// A field's value on one side, as the report writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value<'a> {
    Id(u64),
    Text(&'a str),
    Number(u8),
    List(Vec<Cow<'a, str>>),
}

impl Serialize for Value<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Id(id) => serializer.serialize_u64(*id),
            Value::Text(text) => serializer.serialize_str(text),
            Value::Number(n) => serializer.serialize_u8(*n),
            Value::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
        }
    }
}

impl Value<'_> {
    fn write(&self, out: &mut Vec<u8>) {
        match self {
            Value::Id(id) => out.extend_from_slice(itoa::Buffer::new().format(*id).as_bytes()),
            Value::Text(text) => write_str(out, text),
            Value::Number(n) => out.extend_from_slice(itoa::Buffer::new().format(*n).as_bytes()),
            Value::List(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_str(out, item);
                }
                out.push(b']');
            }
        }
    }
}

/// The value of `field` in the earlier report.
pub(crate) fn previous_value<'p>(customer: &PreviousCustomer<'p>, field: LineField) -> Value<'p> {
    match customer.value(field) {
        PreviousValue::Id(id) => Value::Id(id),
        PreviousValue::Text(text) => Value::Text(text),
        PreviousValue::Label { label, .. } => Value::Text(label),
        PreviousValue::Score(score) => Value::Number(score),
        PreviousValue::Issues => Value::List(customer.issues().map(Cow::Borrowed).collect()),
    }
}

/// The value of `field` in this run.
pub(crate) fn current_value<'c>(customer: &CustomerRef<'c>, field: LineField) -> Value<'c> {
    match customer.value(field) {
        LineValue::Id(id) => Value::Id(id),
        LineValue::Text { text, .. } => Value::Text(text),
        LineValue::Label { label, .. } => Value::Text(label),
        LineValue::Score(score) => Value::Number(score),
        LineValue::Issues(customer) => Value::List(
            customer
                .quality_issues()
                .map(|issue| Cow::Owned(issue.to_string()))
                .collect(),
        ),
    }
}

/// Both sides of a changed customer, if the positions are theirs.
pub(crate) fn sides<'a>(
    changed: &Changed,
    previous: &'a PreviousReport,
    current: &'a Customers,
) -> Option<(PreviousCustomer<'a>, CustomerRef<'a>)> {
    let before = previous.try_customer(changed.previous as usize)?;
    let index = changed.current as usize;
    (index < current.len()).then(|| (before, current.get(index)))
}

impl Changes {
    /// The `metadata` of the changes file.
    pub(crate) fn metadata(&self) -> ChangesMetadata<'_> {
        ChangesMetadata {
            previous: &self.previous,
            current: &self.current,
            compared_fields: self.compared_fields,
            left_out_fields: self.left_out_fields,
            counts: &self.counts,
            notes: &self.notes,
        }
    }

    /// The `metadata` as compact JSON, for the page.
    // Used by the page (`web`, wasm32 only) and by tests.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn metadata_json(&self) -> String {
        crate::common::json_text::to_compact_string(&self.metadata()).unwrap_or_default()
    }

    /// The changes file, ending in a newline. `previous` and `current`
    /// (this run's customers, or a report read back: see [`Now`]) must be
    /// the ones compared.
    pub fn to_json<'c>(&self, previous: &PreviousReport, current: impl Into<Now<'c>>) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(previous, current.into(), &mut out, &mut |_| {});
        out
    }

    /// The same bytes as [`Changes::to_json`], handed to `sink` in pieces
    /// of about `chunk_bytes`.
    pub fn write_json_chunks<'c>(
        &self,
        previous: &PreviousReport,
        current: impl Into<Now<'c>>,
        chunk_bytes: usize,
        sink: &mut dyn FnMut(&[u8]),
    ) {
        let mut out = Vec::with_capacity(chunk_bytes + 4096);
        self.write(previous, current.into(), &mut out, &mut |buffer| {
            if buffer.len() >= chunk_bytes {
                sink(buffer);
                buffer.clear();
            }
        });
        if !out.is_empty() {
            sink(&out);
        }
    }

    fn write(
        &self,
        previous: &PreviousReport,
        current: Now<'_>,
        out: &mut Vec<u8>,
        after_line: &mut dyn FnMut(&mut Vec<u8>),
    ) {
        match current {
            Now::Run(customers) => self.write_json(previous, customers, out, after_line),
            Now::Report(report) => self.write_json(previous, report, out, after_line),
        }
    }

    fn write_json<S: Current>(
        &self,
        previous: &PreviousReport,
        current: &S,
        out: &mut Vec<u8>,
        after_line: &mut dyn FnMut(&mut Vec<u8>),
    ) {
        out.extend_from_slice(b"{\n  \"metadata\": ");
        let mut metadata = Vec::with_capacity(2048);
        // Writing to a Vec cannot fail, and these types serialize infallibly.
        let _ = serde_json::to_writer_pretty(&mut metadata, &self.metadata());
        for &byte in &metadata {
            out.push(byte);
            if byte == b'\n' {
                out.extend_from_slice(b"  ");
            }
        }
        after_line(out);

        let writer = current.line_writer();
        let added = self.added.iter().filter(|&&i| current.has(i));
        write_lines(out, "added", added, after_line, |out, i| writer(out, **i));
        let removed = self
            .removed
            .iter()
            .filter_map(|&place| previous.try_customer(place as usize));
        write_lines(out, "removed", removed, after_line, write_previous_line);
        let changed = self.changed.iter().filter_map(|changed| {
            let before = previous.try_customer(changed.previous as usize)?;
            current
                .has(changed.current)
                .then_some((changed.fields, before, changed.current))
        });
        write_lines(
            out,
            "changed",
            changed,
            after_line,
            |out, (fields, before, now)| {
                write_changed_line(out, *fields, before, current, *now);
            },
        );
        out.extend_from_slice(b"\n}\n");
    }
}

/// A customer of the earlier report as its line was (for a report this
/// tool wrote, the same bytes).
pub(super) fn write_previous_line(out: &mut Vec<u8>, customer: &PreviousCustomer<'_>) {
    for (place, spec) in LINE.iter().enumerate() {
        if place == 0 {
            out.push(b'{');
            out.extend_from_slice(&spec.json_key.as_bytes()[1..]);
        } else {
            out.extend_from_slice(spec.json_key.as_bytes());
        }
        previous_value(customer, spec.field).write(out);
    }
    out.push(b'}');
}

/// `{"customer_id":…,"full_name":…,"changes":{"field":{"old":…,"new":…},…}}`:
/// the fields that name the customer as they are now, then each change.
fn write_changed_line<S: Current>(
    out: &mut Vec<u8>,
    fields: FieldSet,
    before: &PreviousCustomer<'_>,
    current: &S,
    now: u32,
) {
    out.push(b'{');
    for spec in LINE.iter().filter(|spec| spec.identifies) {
        out.extend_from_slice(&spec.json_key.as_bytes()[1..]);
        current.value(now, spec.field).write(out);
        out.push(b',');
    }
    out.extend_from_slice(b"\"changes\":{");
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, field.key());
        out.extend_from_slice(b":{\"old\":");
        previous_value(before, field).write(out);
        out.extend_from_slice(b",\"new\":");
        current.value(now, field).write(out);
        out.push(b'}');
    }
    out.extend_from_slice(b"}}");
}
