//! The customer table's view: which customers match the search and the
//! filters, in which order. Computed on the data's side (in the worker),
//! so the page only ever renders the rows on screen.
// Used by the page (`web`, a wasm32-only module), and tested natively.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use serde::ser::SerializeMap;
use serde::Serialize;

use crate::common::order::{positions, sort_keyed, sort_text_keyed, Keyed, TextKeyed};
use crate::report::Rejection;
use crate::schema::{text_rem, ColumnLayout, Kind, LineField, LINE};
use crate::source::mapping::Field;
use crate::transform::customer::{CustomerRef, Customers, LineValue};
use crate::transform::dedupe::DroppedDuplicate;
use crate::transform::quality::QualityBucket;

/// A column of one of the page's tables: its key (a field of the line,
/// or one of the table's own), its heading, the kind of value it shows
/// (how a cell is drawn), its layout (width and where text breaks, from
/// the kind), and whether it sorts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub(crate) struct Column {
    /// The key of the value in a row.
    pub(crate) key: &'static str,
    /// The heading.
    pub(crate) label: &'static str,
    /// A [`crate::schema::Kind`] name, or the table's own (`changes`, `bucket`).
    pub(crate) kind: &'static str,
    /// Its width and where its text breaks (`min_rem`, `share`, `wrap`).
    #[serde(flatten)]
    pub(crate) layout: ColumnLayout,
    /// Whether the table sorts by it.
    pub(crate) sortable: bool,
}

impl Column {
    /// The column of a field of the line: laid out by its kind, and never
    /// narrower than the longest word of its heading (headings are bold).
    pub(crate) fn of(field: LineField) -> Column {
        let spec = field.spec();
        let mut layout = spec.kind.layout();
        let longest_word = spec
            .heading
            .split(' ')
            .map(|word| word.chars().count())
            .max()
            .unwrap_or(0);
        layout.min_rem = layout.min_rem.max(text_rem(longest_word) + 0.5);
        Column {
            key: spec.key,
            label: spec.heading,
            kind: spec.kind.name(),
            layout,
            sortable: spec.sortable,
        }
    }
}

/// The field a column sorts by, from its key as in the report
/// (`"full_name"`), if it sorts.
pub(crate) fn sort_key(column: &str) -> Option<LineField> {
    LineField::from_key(column).filter(|field| field.spec().sortable)
}

/// What the table shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableQuery {
    /// Sort column; `None` keeps the report's order (by name).
    pub(crate) sort: Option<LineField>,
    /// Reverse the order.
    pub(crate) descending: bool,
    /// Case-insensitive text to find in the id, name or email domain.
    pub(crate) search: String,
    /// Only customers in this quality bucket.
    pub(crate) bucket: Option<QualityBucket>,
    /// Only customers with an issue in this field.
    pub(crate) issue: Option<Field>,
}

fn matches(customer: &CustomerRef<'_>, query: &TableQuery, needle: &str) -> bool {
    if let Some(bucket) = query.bucket {
        if QualityBucket::of(customer.data_quality_score) != bucket {
            return false;
        }
    }
    if let Some(field) = query.issue {
        if !customer.quality_issues().any(|i| i.field() == field) {
            return false;
        }
    }
    // The search finds a text field's words (any case) or the whole id.
    needle.is_empty()
        || LineField::ALL
            .into_iter()
            .any(|field| match customer.value(field) {
                LineValue::Text { text, .. } => text.to_lowercase().contains(needle),
                LineValue::Id(id) => id.to_string() == needle,
                _ => false,
            })
}

/// Indexes into `customers` of the rows to show, in display order.
/// Sorting is stable: equal keys keep the report's order, both ways.
pub(crate) fn select_rows(customers: &Customers, query: &TableQuery) -> Vec<u32> {
    let needle = query.search.trim().to_lowercase();
    let mut rows: Vec<u32> = (0..customers.len() as u32)
        .filter(|&i| matches(&customers.get(i as usize), query, &needle))
        .collect();
    if let Some(field) = query.sort {
        rows = sorted(customers, &rows, field, query.descending);
    } else if query.descending {
        rows.reverse();
    }
    rows
}

/// `rows` ordered by one field, by its kind: numbers as numbers, texts
/// without regard to case (character by character lower-cased), labels as
/// words; equal keys keep the report's order, both ways. Each row's key is
/// worked out once, then (key, row) pairs go through the shared sorts of
/// [`crate::common::order`] (no sort of this table's own in the module).
fn sorted(customers: &Customers, rows: &[u32], field: LineField, descending: bool) -> Vec<u32> {
    let value = |row: u32| customers.get(row as usize).value(field);
    if matches!(field.spec().kind, Kind::Id | Kind::Score) {
        let mut pairs: Vec<Keyed> = rows
            .iter()
            .map(|&row| match value(row) {
                LineValue::Id(id) => (id, row),
                LineValue::Score(score) => (u64::from(score), row),
                _ => (0, row),
            })
            .collect();
        sort_keyed(&mut pairs);
        return positions(&pairs, descending);
    }
    // The texts that lower-casing changes, lower-cased into one buffer.
    let mut lowered = String::new();
    let spans: Vec<Option<(usize, usize)>> = rows
        .iter()
        .map(|&row| match value(row) {
            LineValue::Text { text, .. }
                if text
                    .bytes()
                    .any(|b| b.is_ascii_uppercase() || !b.is_ascii()) =>
            {
                let start = lowered.len();
                lowered.extend(text.chars().flat_map(char::to_lowercase));
                Some((start, lowered.len()))
            }
            _ => None,
        })
        .collect();
    let mut pairs: Vec<TextKeyed<'_>> = rows
        .iter()
        .zip(&spans)
        .map(|(&row, span)| match (span, value(row)) {
            (Some((start, end)), _) => (&lowered[*start..*end], row),
            (None, LineValue::Text { text, .. }) => (text, row),
            (None, LineValue::Label { label, .. }) => (label, row),
            _ => ("", row),
        })
        .collect();
    sort_text_keyed(&mut pairs);
    positions(&pairs, descending)
}

/// One row as the page shows it: every field of the line, by the
/// schema, with the id as text (JavaScript numbers lose ids above 2^53),
/// and the quality bucket.
struct Row<'c>(CustomerRef<'c>);

impl Serialize for Row<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(LINE.len() + 1))?;
        for spec in &LINE {
            match self.0.value(spec.field) {
                LineValue::Id(id) => map.serialize_entry(spec.key, &id.to_string())?,
                LineValue::Text { text, .. } => map.serialize_entry(spec.key, text)?,
                LineValue::Label { label, .. } => map.serialize_entry(spec.key, label)?,
                LineValue::Score(score) => map.serialize_entry(spec.key, &score)?,
                LineValue::Issues(customer) => {
                    let items: Vec<String> =
                        customer.quality_issues().map(|i| i.to_string()).collect();
                    map.serialize_entry(spec.key, &items)?;
                }
            }
        }
        map.serialize_entry(
            "quality_bucket",
            QualityBucket::of(self.0.data_quality_score).name(),
        )?;
        map.end()
    }
}

/// The entries `offset..offset + limit` of a view, as far as it goes.
pub(crate) fn page_of<T>(view: &[T], offset: usize, limit: usize) -> &[T] {
    let start = offset.min(view.len());
    let end = start.saturating_add(limit).min(view.len());
    &view[start..end]
}

/// `rows` as a JSON array for the page (empty should they not serialize).
pub(crate) fn json_array<T: Serialize>(rows: &[T]) -> String {
    serde_json::to_string(rows).unwrap_or_else(|_| "[]".into())
}

/// Rows `offset..offset + limit` of a view (indexes into `customers`), as
/// a JSON array for the page.
pub(crate) fn rows_json(
    customers: &Customers,
    view: &[u32],
    offset: usize,
    limit: usize,
) -> String {
    let rows: Vec<Row> = page_of(view, offset, limit)
        .iter()
        .map(|&i| Row(customers.get(i as usize)))
        .collect();
    json_array(&rows)
}

/// A rejected record as the page lists it (the original stays in the report).
#[derive(Debug, Serialize)]
struct RejectedRow<'r> {
    position: String,
    reason: &'r str,
}

/// The first `limit` rejected records (position and reason), as JSON.
pub(crate) fn rejected_json(rejected: &[Rejection<'_>], limit: usize) -> String {
    let rows: Vec<RejectedRow> = rejected
        .iter()
        .take(limit)
        .map(|r| RejectedRow {
            position: r.position.to_string(),
            reason: &r.reason,
        })
        .collect();
    json_array(&rows)
}

/// A removed duplicate as the page lists it, and the sentence that says it.
#[derive(Debug, Serialize)]
struct DuplicateRow {
    customer_id: String,
    position: String,
    data_quality_score: u8,
    kept_position: String,
    message: String,
}

/// The first `limit` removed duplicates (id as text, where it was, its
/// score, where the kept record is), as JSON.
pub(crate) fn duplicates_json(duplicates: &[DroppedDuplicate], limit: usize) -> String {
    let rows: Vec<DuplicateRow> = duplicates
        .iter()
        .take(limit)
        .map(|d| DuplicateRow {
            customer_id: d.customer_id.to_string(),
            position: d.position.to_string(),
            data_quality_score: d.data_quality_score,
            kept_position: d.kept_position.to_string(),
            message: format!(
                "Customer {}: {} (score {}) removed; kept {}",
                d.customer_id, d.position, d.data_quality_score, d.kept_position
            ),
        })
        .collect();
    json_array(&rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::process_upload;
    use crate::settings::RunSettings;

    fn customers() -> Customers {
        let input = br#"[
            {"id": 3, "first_name": "Cleo", "email": "c@b.org", "avatar": "https://x.y/a", "last_name": "Z"},
            {"id": 1, "first_name": "alma", "email": "a@a.com"},
            {"id": 2, "first_name": "Bea", "last_name": "Y", "email": "b@a.com", "avatar": "https://x.y/b"},
            {"id": 4, "first_name": "Dan", "last_name": "W", "email": "d@b.org", "avatar": "https://x.y/d"}
        ]"#;
        let settings = RunSettings::from_text("1", "2026-11-24", "2026-11-24T00:00:00Z").unwrap();
        process_upload(input, "f", &settings).unwrap().customers
    }

    fn ids(customers: &Customers, query: &TableQuery) -> Vec<u64> {
        select_rows(customers, query)
            .iter()
            .map(|i| customers.get(*i as usize).customer_id)
            .collect()
    }

    fn query() -> TableQuery {
        TableQuery {
            sort: None,
            descending: false,
            search: String::new(),
            bucket: None,
            issue: None,
        }
    }

    #[test]
    fn rows_carry_ids_as_text_and_the_bucket() {
        let input = br#"[{"id": 9007199254740993, "first_name": "Big", "last_name": "Id"},
                         {"id": 9007199254740992, "first_name": "Big", "last_name": "Id"}]"#;
        let settings = RunSettings::from_text("1", "2026-11-24", "2026-11-24T00:00:00Z").unwrap();
        let customers = process_upload(input, "f", &settings).unwrap().customers;
        let json: serde_json::Value =
            serde_json::from_str(&rows_json(&customers, &[0, 1], 0, 10)).unwrap();
        assert_eq!(json[0]["customer_id"], "9007199254740992");
        assert_eq!(json[1]["customer_id"], "9007199254740993");
        assert_eq!(
            json[0]["quality_bucket"], "medium",
            "80: email and avatar missing"
        );
        assert_eq!(json[0]["quality_issues"][0], "email: missing");
        assert_eq!(rows_json(&customers, &[0, 1], 5, 10), "[]");
    }

    #[test]
    fn rejected_and_duplicates_are_listed_for_the_page() {
        let input = br#"[{"id": 5, "first_name": "A"}, {"x": 1}, {"id": 5}, 7]"#;
        let settings = RunSettings::from_text("1", "2026-11-24", "2026-11-24T00:00:00Z").unwrap();
        let report = process_upload(input, "f", &settings).unwrap();
        assert_eq!(
            rejected_json(&report.rejected, 1),
            r#"[{"position":"record 2","reason":"id: missing"}]"#
        );
        assert_eq!(
            duplicates_json(&report.duplicates, 10),
            r#"[{"customer_id":"5","position":"record 3","data_quality_score":60,"kept_position":"record 1","message":"Customer 5: record 3 (score 60) removed; kept record 1"}]"#
        );
    }

    #[test]
    fn default_order_is_the_reports() {
        assert_eq!(ids(&customers(), &query()), [1, 2, 3, 4]);
    }

    #[test]
    fn sorting_is_stable_both_ways() {
        let all = customers();
        let by_score = TableQuery {
            sort: Some(LineField::DataQualityScore),
            ..query()
        };
        assert_eq!(ids(&all, &by_score), [1, 2, 3, 4]);
        let by_score_desc = TableQuery {
            descending: true,
            ..by_score
        };
        assert_eq!(
            ids(&all, &by_score_desc),
            [2, 3, 4, 1],
            "ties keep report order"
        );
        let by_domain = TableQuery {
            sort: Some(LineField::EmailDomain),
            descending: true,
            ..query()
        };
        assert_eq!(ids(&all, &by_domain), [3, 4, 1, 2]);
        let by_id = TableQuery {
            sort: sort_key("customer_id"),
            descending: true,
            ..query()
        };
        assert_eq!(ids(&all, &by_id), [4, 3, 2, 1]);
    }

    #[test]
    fn every_column_sorts_as_a_comparison_of_its_values_would() {
        // Names and domains in mixed case and beyond ASCII, with ties.
        let names = [
            "émile", "Émile", "Zoë", "zoe", "ÉMILE", "ΣΑΣ", "σας", "straße", "STRASSE", "Ab", "ab",
            "İz",
        ];
        let records: Vec<String> = (0..48)
            .map(|i| {
                let name = names[i % names.len()];
                let domain = ["B.org", "a.COM", "b.org", "Ä.de"][i % 4];
                let score = ["90", "null", "10", "55", "\"x\""][i % 5];
                format!(
                    r#"{{"id": {}, "first_name": "{name}", "email": "u{i}@{domain}", "engagement_score": {score}, "signup_date": "2024-0{}-01"}}"#,
                    (i * 7919) % 97 + 1,
                    i % 9 + 1
                )
            })
            .collect();
        let input = format!("[{}]", records.join(","));
        let settings = RunSettings::from_text("1", "2026-11-24", "2026-11-24T00:00:00Z").unwrap();
        let all = process_upload(input.as_bytes(), "f", &settings)
            .unwrap()
            .customers;
        assert_eq!(all.len(), 48);
        // What the view did before its keys were worked out once a row.
        let compare = |field: LineField, a: u32, b: u32| {
            let (a, b) = (all.get(a as usize), all.get(b as usize));
            match (a.value(field), b.value(field)) {
                (LineValue::Id(a), LineValue::Id(b)) => a.cmp(&b),
                (LineValue::Score(a), LineValue::Score(b)) => a.cmp(&b),
                (LineValue::Text { text: a, .. }, LineValue::Text { text: b, .. }) => a
                    .chars()
                    .flat_map(char::to_lowercase)
                    .cmp(b.chars().flat_map(char::to_lowercase)),
                (LineValue::Label { label: a, .. }, LineValue::Label { label: b, .. }) => a.cmp(b),
                _ => std::cmp::Ordering::Equal,
            }
        };
        let mut sorted_fields = 0;
        for field in LineField::ALL.into_iter().filter(|f| f.spec().sortable) {
            for descending in [false, true] {
                let mut expected: Vec<u32> = (0..all.len() as u32).collect();
                expected.sort_by(|&a, &b| {
                    let by_key = compare(field, a, b);
                    let by_key = if descending { by_key.reverse() } else { by_key };
                    by_key.then(a.cmp(&b))
                });
                let query = TableQuery {
                    sort: Some(field),
                    descending,
                    ..query()
                };
                assert_eq!(
                    select_rows(&all, &query),
                    expected,
                    "{field:?}, descending {descending}"
                );
            }
            sorted_fields += 1;
        }
        assert!(sorted_fields >= 8, "{sorted_fields}");
    }

    #[test]
    fn search_and_filters() {
        let all = customers();
        assert_eq!(
            ids(
                &all,
                &TableQuery {
                    search: " ALMA ".into(),
                    ..query()
                }
            ),
            [1]
        );
        assert_eq!(
            ids(
                &all,
                &TableQuery {
                    search: "b.org".into(),
                    ..query()
                }
            ),
            [3, 4]
        );
        assert_eq!(
            ids(
                &all,
                &TableQuery {
                    search: "2".into(),
                    ..query()
                }
            ),
            [2]
        );
        let low = TableQuery {
            bucket: Some(QualityBucket::Medium),
            ..query()
        };
        assert_eq!(ids(&all, &low), [1]);
        let avatar = TableQuery {
            issue: Some(Field::Avatar),
            ..query()
        };
        assert_eq!(ids(&all, &avatar), [1]);
        assert!(ids(
            &all,
            &TableQuery {
                issue: Some(Field::Email),
                ..query()
            }
        )
        .is_empty());
    }
}
