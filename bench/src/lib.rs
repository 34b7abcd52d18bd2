//! A deterministic generator of reqres-shaped customer records with the
//! data contract's defects in realistic proportions, for benchmarks.
//!
//! Per 10,000 records, about: 200 duplicates of an earlier id (2%), 100
//! missing emails, 50 implausible emails, 50 empty first names, 50 missing
//! last names, 50 invalid `last_login` dates, 50 null and 30 out-of-range
//! engagement scores, 30 bad avatars, 20 string ids and 10 records without
//! an id (rejected).
//!
//! The same records come out as a JSON array, NDJSON or CSV (see
//! [`Layout`]): one generator decides every value, and only the writing
//! differs.
#![deny(missing_docs)]

use std::fmt::Write;

pub mod timing;

use customer_pipeline::common::hash::SplitMix64;

const FIRST: [&str; 16] = [
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "Mateo", "Isabella", "Lucas",
    "Mia", "Amelia", "Hiro", "Zoë", "Aarav", "Fatima",
];
const LAST: [&str; 16] = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Tanaka",
    "Müller",
    "Okafor",
    "Nguyen",
    "Kowalski",
    "O'Brien",
];
const DOMAINS: [&str; 8] = [
    "example.com",
    "mail.example.org",
    "shop.example",
    "reqres.in",
    "corp.example.net",
    "gmail.example",
    "outlook.example",
    "yahoo.example",
];

/// How the records are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// A JSON array, one record per line.
    JsonArray,
    /// One record per line, no array.
    Ndjson,
    /// CSV (RFC 4180): a header row naming the contract's fields, then one
    /// row per record; a null or absent value is an empty cell.
    Csv,
    /// The JSON array with what an empty CSV cell cannot tell apart left
    /// out: keys whose value is null or an empty string are absent. The
    /// core reads an empty cell as absent, so this file and the CSV must
    /// give the same customers.
    JsonArrayOmitEmpty,
}

/// The contract's fields, in the order records write them (and the CSV's
/// header).
const COLUMNS: [&str; 7] = [
    "id",
    "email",
    "first_name",
    "last_name",
    "avatar",
    "last_login",
    "engagement_score",
];

/// One generated value, before it is written in a layout.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Absent,
    Null,
    Text(String),
    Number(u64),
}

/// Writes `count` records, the same bytes for the same `count`, `seed` and
/// layout; every layout holds the same records.
pub fn generate(count: usize, seed: u64, layout: Layout) -> Vec<u8> {
    let mut rng = SplitMix64::new(seed);
    let mut out = String::with_capacity(count * 210);
    let (open, between, close) = match layout {
        Layout::JsonArray | Layout::JsonArrayOmitEmpty => ("[\n", ",\n", "\n]\n"),
        Layout::Ndjson | Layout::Csv => ("", "\n", "\n"),
    };
    out.push_str(open);
    if layout == Layout::Csv {
        out.push_str(&COLUMNS.join(","));
        out.push('\n');
    }
    let mut next_id = 1u64;
    for i in 0..count {
        let duplicate = next_id > 10 && rng.below(100) < 2;
        let id = if duplicate {
            1 + rng.below(next_id - 1)
        } else {
            next_id
        };
        if !duplicate {
            next_id += 1;
        }
        if i > 0 {
            out.push_str(between);
        }
        let record = make_record(&mut rng, id);
        match layout {
            Layout::JsonArray | Layout::Ndjson => write_json(&mut out, &record, false),
            Layout::JsonArrayOmitEmpty => write_json(&mut out, &record, true),
            Layout::Csv => write_csv(&mut out, &record),
        }
    }
    if count > 0 || layout != Layout::Csv {
        out.push_str(close);
    }
    out.into_bytes()
}

/// One record's values, in `COLUMNS` order.
fn make_record(rng: &mut SplitMix64, id: u64) -> [Value; 7] {
    let defect = rng.below(10_000);
    let first = FIRST[rng.below(16) as usize];
    let last = LAST[rng.below(16) as usize];
    let domain = DOMAINS[rng.below(8) as usize];
    let id_value = match defect {
        0..=9 => Value::Absent,
        10..=29 => Value::Text(id.to_string()),
        _ => Value::Number(id),
    };
    let email = match defect {
        30..=129 => Value::Absent,
        130..=179 => Value::Text(format!(
            "{}.{}{id}",
            first.to_lowercase(),
            last.to_lowercase()
        )),
        _ => Value::Text(format!(
            "{}.{}{id}@{domain}",
            first.to_lowercase(),
            last.to_lowercase().replace('\'', "")
        )),
    };
    let first_name = if (180..230).contains(&defect) {
        ""
    } else {
        first
    };
    let first_name = Value::Text(first_name.to_owned());
    let last_name = if (230..280).contains(&defect) {
        Value::Absent
    } else {
        Value::Text(last.to_owned())
    };
    let avatar = if (280..310).contains(&defect) {
        Value::Text("not a url".to_owned())
    } else {
        Value::Text(format!(
            "https://reqres.in/img/faces/{}-image.jpg",
            1 + id % 12
        ))
    };
    let day = rng.below(400);
    let last_login = Value::Text(if (310..360).contains(&defect) {
        "2024-13-45".to_owned()
    } else if day < 200 {
        format!("2026-{:02}-{:02}", 1 + day % 11, 1 + day % 28)
    } else {
        format!(
            "2025-{:02}-{:02}T{:02}:{:02}:00Z",
            1 + day % 12,
            1 + day % 28,
            day % 24,
            day % 60
        )
    });
    let engagement_score = match defect {
        360..=409 => Value::Null,
        410..=439 => Value::Number(150),
        _ => Value::Number(rng.below(101)),
    };
    [
        id_value,
        email,
        first_name,
        last_name,
        avatar,
        last_login,
        engagement_score,
    ]
}

/// One compact JSON object; `omit_empty` leaves out null and `""` values.
fn write_json(out: &mut String, record: &[Value; 7], omit_empty: bool) {
    out.push('{');
    let mut first = true;
    for (name, value) in COLUMNS.iter().zip(record) {
        let skip = match value {
            Value::Absent => true,
            Value::Null => omit_empty,
            Value::Text(text) => omit_empty && text.is_empty(),
            Value::Number(_) => false,
        };
        if skip {
            continue;
        }
        if !first {
            out.push(',');
        }
        first = false;
        let _ = write!(out, r#""{name}":"#);
        match value {
            Value::Null | Value::Absent => out.push_str("null"),
            Value::Text(text) => write_json_string(out, text),
            Value::Number(n) => {
                let _ = write!(out, "{n}");
            }
        }
    }
    out.push('}');
}

fn write_json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// One CSV row (without its line break).
fn write_csv(out: &mut String, record: &[Value; 7]) {
    for (at, value) in record.iter().enumerate() {
        if at > 0 {
            out.push(',');
        }
        match value {
            Value::Absent | Value::Null => {}
            Value::Text(text) => write_csv_cell(out, text),
            Value::Number(n) => {
                let _ = write!(out, "{n}");
            }
        }
    }
}

/// A cell as RFC 4180 writes it: quoted, with its quotes doubled, when it
/// holds the separator, a quote or a line break; as it is otherwise.
fn write_csv_cell(out: &mut String, text: &str) {
    if text.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use customer_pipeline::pipeline::process_upload;
    use customer_pipeline::settings::RunSettings;

    #[test]
    fn output_is_deterministic_and_valid() {
        let a = generate(2_000, 7, Layout::JsonArray);
        assert_eq!(a, generate(2_000, 7, Layout::JsonArray));
        assert_ne!(a, generate(2_000, 8, Layout::JsonArray));
        let settings = RunSettings::from_text("1", "2026-11-24", "2026-11-24T00:00:00Z").unwrap();
        for layout in [Layout::JsonArray, Layout::Ndjson] {
            let input = generate(20_000, 7, layout);
            let report = process_upload(&input, "gen", &settings).unwrap();
            let m = &report.metadata;
            assert_eq!(m.records_read, 20_000);
            // About 2% duplicates, 0.1% without id, a few percent with issues.
            assert!(
                (300..500).contains(&m.duplicates_removed),
                "{}",
                m.duplicates_removed
            );
            assert!(
                (5..40).contains(&m.rejected_records),
                "{}",
                m.rejected_records
            );
            let json = report.to_json();
            let clean = customer_lines(&json)
                .matches(r#""quality_issues":[]"#)
                .count();
            let flawed = m.total_customers - clean;
            assert!((600..1_100).contains(&flawed), "{flawed}");
        }
    }

    #[test]
    fn about_two_hundred_bytes_a_record() {
        let size = generate(10_000, 1, Layout::Ndjson).len();
        assert!((1_700_000..2_300_000).contains(&size), "{size}");
    }

    /// The `"customers"` array of a report, as its text.
    fn customer_lines(report: &[u8]) -> &str {
        let text = std::str::from_utf8(report).unwrap();
        let start = text.find("\"customers\": [").unwrap();
        let end = start + text[start..].find("\n  ]").unwrap();
        &text[start..end]
    }

    #[test]
    fn the_csv_reads_as_the_json_without_empty_values() {
        let settings = RunSettings::from_text("1", "2026-11-24", "2026-11-24T00:00:00Z").unwrap();
        let run = |layout| {
            let input = generate(20_000, 7, layout);
            let report = process_upload(&input, "gen", &settings).unwrap();
            let m = &report.metadata;
            let counts = (
                m.records_read,
                m.rejected_records,
                m.duplicates_removed,
                m.total_customers,
            );
            (counts, report.to_json())
        };
        let (csv_counts, csv) = run(Layout::Csv);
        let (omitted_counts, omitted) = run(Layout::JsonArrayOmitEmpty);
        let (json_counts, json) = run(Layout::JsonArray);
        assert!(std::str::from_utf8(&csv)
            .unwrap()
            .contains(r#""format": "csv""#));
        assert_eq!(csv_counts, omitted_counts);
        assert_eq!(customer_lines(&csv), customer_lines(&omitted));
        // Against the JSON with nulls and empty strings, the same customers
        // but not the same lines: an empty cell cannot say null or "".
        assert_eq!(csv_counts, json_counts);
        assert_ne!(customer_lines(&csv), customer_lines(&json));
    }

    #[test]
    fn csv_cells_are_quoted_as_rfc_4180_reads_them() {
        let cells = [
            "plain",
            "",
            "a,b",
            r#"say "hi""#,
            "two\nlines",
            "cr\r\nlf",
            r#"""#,
            "Zoë O'Brien",
        ];
        let mut row = String::new();
        for (at, cell) in cells.iter().enumerate() {
            if at > 0 {
                row.push(',');
            }
            write_csv_cell(&mut row, cell);
        }
        row.push('\n');
        let mut reader = csv_core::Reader::new();
        let (mut out, mut ends) = ([0u8; 256], [0usize; 16]);
        let (result, read, _, count) = reader.read_record(row.as_bytes(), &mut out, &mut ends);
        assert_eq!(result, csv_core::ReadRecordResult::Record);
        assert_eq!(read, row.len());
        let mut start = 0;
        let read_back: Vec<&str> = ends[..count]
            .iter()
            .map(|&end| {
                let cell = std::str::from_utf8(&out[start..end]).unwrap();
                start = end;
                cell
            })
            .collect();
        assert_eq!(read_back, cells);
        assert!(row.starts_with("plain,,\"a,b\",\"say \"\"hi\"\"\","));
    }

    #[test]
    fn the_csv_has_a_header_and_a_row_per_record() {
        let csv = String::from_utf8(generate(1_000, 3, Layout::Csv)).unwrap();
        let mut lines = csv.lines();
        assert_eq!(
            lines.next(),
            Some("id,email,first_name,last_name,avatar,last_login,engagement_score")
        );
        assert_eq!(lines.count(), 1_000);
        assert_eq!(
            String::from_utf8(generate(0, 3, Layout::Csv)).unwrap(),
            "id,email,first_name,last_name,avatar,last_login,engagement_score\n"
        );
    }
}
