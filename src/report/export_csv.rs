//! The customers as CSV (RFC 4180), for spreadsheets: one column per field
//! of the line ([`crate::schema::LINE`]), in its order.

use crate::report::Enrichment;
use crate::schema::{LineField, LINE};
use crate::transform::customer::{Customers, LineValue};

/// The UTF-8 byte-order mark the file starts with: without it, Excel
/// reads a CSV in the machine's legacy code page and garbles `Müller`.
pub(crate) const BOM: &str = "\u{FEFF}";

/// The header row: the line's keys, in order, each simulated field marked
/// where it stands, so a BI tool shows the mark on every chart of it:
/// `customer_tier (simulated from seed 42, not from your data)`, or
/// `activity_status (simulated for 2 of 3 customers from seed 42)` when the
/// source decided the others.
pub(crate) fn csv_header(enrichment: &Enrichment, customers: usize) -> String {
    LINE.iter()
        .map(|spec| match enrichment.simulated_count(spec.key) {
            0 => spec.key.to_owned(),
            n if n == customers => text_cell(&format!(
                "{} (simulated from seed {}, not from your data)",
                spec.key, enrichment.seed
            )),
            n => text_cell(&format!(
                "{} (simulated for {n} of {customers} customers from seed {})",
                spec.key, enrichment.seed
            )),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Writes the customers as CSV: a byte-order mark, a header row (see
/// [`csv_header`]), CRLF line ends.
///
/// Every text cell (a text or a list of the line) is quoted, so no
/// separator of any locale (`,` `;` tab `|`) and no line break inside it
/// splits the row; the other cells are numbers and fixed labels. A list is
/// one cell, its items joined with `"; "`. See [`text_cell`] for formulas.
pub(crate) fn customers_csv(customers: &Customers, enrichment: &Enrichment) -> Vec<u8> {
    let mut out = String::with_capacity(256 + customers.len() * 160);
    out.push_str(BOM);
    out.push_str(&csv_header(enrichment, customers.len()));
    out.push_str("\r\n");
    for customer in customers.iter() {
        for (place, field) in LineField::ALL.into_iter().enumerate() {
            if place > 0 {
                out.push(',');
            }
            match customer.value(field) {
                LineValue::Id(id) => out.push_str(itoa::Buffer::new().format(id)),
                LineValue::Text { text, .. } => out.push_str(&text_cell(text)),
                LineValue::Label { label, .. } => out.push_str(label),
                LineValue::Score(score) => out.push_str(itoa::Buffer::new().format(score)),
                LineValue::Issues(customer) => {
                    let items: Vec<String> =
                        customer.quality_issues().map(|i| i.to_string()).collect();
                    out.push_str(&text_cell(&items.join("; ")));
                }
            }
        }
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// Characters a spreadsheet takes as the start of a formula.
const FORMULA_TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Characters after which a spreadsheet may start a new cell: the
/// separators of every locale, and line breaks (for tools that split
/// lines without honouring quotes).
const CELL_BREAKS: [char; 6] = [',', ';', '\t', '|', '\r', '\n'];

/// One text cell: a formula trigger at its start, or after any separator
/// or line break inside it (quotes between them included), gets a `'`
/// before it (a spreadsheet then
/// shows the text and runs nothing, however it splits the row), and the
/// cell is always quoted (`"` doubled inside).
pub(crate) fn text_cell(value: &str) -> String {
    let mut cell = String::with_capacity(value.len() + 2);
    cell.push('"');
    let mut at_cell_start = true;
    for c in value.chars() {
        if at_cell_start && FORMULA_TRIGGERS.contains(&c) {
            cell.push('\'');
        }
        if c == '"' {
            cell.push('"');
        }
        cell.push(c);
        // Quotes right after a break do not end its reach: `""=` read
        // with another separator is an empty quoted part, then `=`.
        at_cell_start = CELL_BREAKS.contains(&c) || (at_cell_start && c == '"');
    }
    cell.push('"');
    cell
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::record::InputObject;
    use crate::transform::customer::{assess, Assessment};

    /// The customers of `records` (JSON objects), simulating or not.
    fn customers_of(records: &[&str], simulate: bool) -> Customers {
        let run = Assessment {
            seed: 42,
            as_of: chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
            simulate,
        };
        let mut customers = Customers::new(run.as_of);
        for json in records {
            let object: InputObject = serde_json::from_str(json).unwrap();
            let customer = assess(&object.record, &run, &mut customers).unwrap();
            customers.push(customer);
        }
        customers
    }

    fn customer(json: &str) -> Customers {
        customers_of(&[json], true)
    }

    /// The CSV of `customers`, as text.
    fn csv(customers: &Customers, simulate: bool) -> String {
        let enrichment = Enrichment::of(customers, 42, simulate);
        String::from_utf8(customers_csv(customers, &enrichment)).unwrap()
    }

    const SCORED: &str = r#"{"id": 1, "first_name": "George", "last_name": "Bluth", "email": "g@reqres.in",
                "avatar": "https://reqres.in/1.jpg", "engagement_score": 80, "last_login": "2026-11-20"}"#;
    const BARE: &str = r#"{"id": 2, "email": "m@x.de", "first_name": "Müller"}"#;

    #[test]
    fn the_file_starts_with_a_byte_order_mark_so_excel_reads_utf8() {
        let bytes = customers_csv(&customer(BARE), &Enrichment::of(&customer(BARE), 42, true));
        assert_eq!(&bytes[..3], [0xEF, 0xBB, 0xBF]);
        assert!(String::from_utf8(bytes).unwrap().contains("\"Müller\""));
    }

    #[test]
    fn the_header_marks_simulated_fields_where_they_stand() {
        let text = csv(&customers_of(&[SCORED, BARE], true), true);
        let header = text.trim_start_matches(BOM).split("\r\n").next().unwrap();
        assert_eq!(
            header,
            "customer_id,full_name,email_domain,\
             \"engagement_level (simulated for 1 of 2 customers from seed 42)\",\
             \"activity_status (simulated for 1 of 2 customers from seed 42)\",\
             \"acquisition_channel (simulated from seed 42, not from your data)\",\
             \"market_segment (simulated from seed 42, not from your data)\",\
             \"customer_tier (simulated from seed 42, not from your data)\",\
             data_quality_score,quality_issues"
        );
    }

    #[test]
    fn without_simulation_nothing_is_marked_and_what_the_source_lacks_is_unknown() {
        let text = csv(&customers_of(&[SCORED, BARE], false), false);
        let lines: Vec<_> = text.trim_start_matches(BOM).split("\r\n").collect();
        assert_eq!(
            lines[0],
            "customer_id,full_name,email_domain,engagement_level,activity_status,\
             acquisition_channel,market_segment,customer_tier,data_quality_score,quality_issues"
        );
        assert!(
            lines[1].starts_with(
                "1,\"George Bluth\",\"reqres.in\",high,active,unknown,unknown,unknown,"
            ),
            "{}",
            lines[1]
        );
        assert!(
            lines[2].starts_with("2,\"Müller\",\"x.de\",unknown,unknown,unknown,unknown,unknown,"),
            "{}",
            lines[2]
        );
    }

    #[test]
    fn a_row_per_customer_in_field_order() {
        let text = csv(&customer(SCORED), true);
        let lines: Vec<_> = text.trim_start_matches(BOM).split("\r\n").collect();
        assert!(lines[0].starts_with("customer_id,full_name,email_domain,engagement_level,activity_status,\"acquisition_channel (simulated"), "{}", lines[0]);
        let row: Vec<_> = lines[1].split(',').collect();
        assert_eq!(row.len(), 10);
        assert_eq!(
            &row[..5],
            ["1", "\"George Bluth\"", "\"reqres.in\"", "high", "active"]
        );
        assert_eq!(row[8], "100");
        assert_eq!(row[9], "\"\"");
        assert_eq!(lines[2], "");
    }

    #[test]
    fn quotes_commas_issues_and_formulas_are_safe() {
        let text = csv(
            &customer(r#"{"id": 2, "first_name": "=HYPERLINK(\"x\")", "last_name": "O'Neil, Jr"}"#),
            true,
        );
        let row = text.split("\r\n").nth(1).unwrap();
        assert!(
            row.starts_with(r#"2,"'=HYPERLINK(""x"") O'Neil, Jr","unknown","#),
            "{row}"
        );
        assert!(
            row.ends_with(r#",80,"email: missing; avatar: missing""#),
            "{row}"
        );
    }

    #[test]
    fn text_cells_table() {
        let cases = [
            ("Ann", r#""Ann""#),
            ("", r#""""#),
            ("=1+2", r#""'=1+2""#),
            ("-5", r#""'-5""#),
            ("@SUM(A1)", r#""'@SUM(A1)""#),
            ("\tx", "\"'\tx\""),
            (";=2+5;", r#"";'=2+5;""#),
            ("a,+1", r#""a,'+1""#),
            ("a|@x", r#""a|'@x""#),
            ("a\t=1", "\"a\t'=1\""),
            ("a\n-1", "\"a\n'-1\""),
            ("a\r\n=1", "\"a\r\n'=1\""),
            ("\t\"=1", "\"'\t\"\"'=1\""),
            ("x = y - z", r#""x = y - z""#),
            ("say \"hi\"", r#""say ""hi""""#),
            (",\t=1", "\",'\t'=1\""),
        ];
        for (value, cell) in cases {
            assert_eq!(text_cell(value), cell, "{value:?}");
        }
    }

    /// How a spreadsheet reading with `separator` splits `text` into rows
    /// of cells: a cell that starts with `"` is quoted (`""` a quote) up
    /// to its closing quote, what follows up to the next separator is
    /// added as it is; elsewhere a separator ends a cell and a line break
    /// a row.
    fn spreadsheet_cells(text: &str, separator: char) -> Vec<Vec<String>> {
        let mut rows = vec![Vec::new()];
        let mut cell = String::new();
        let (mut at_start, mut quoted) = (true, false);
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if quoted {
                if c == '"' && chars.peek() == Some(&'"') {
                    cell.push('"');
                    chars.next();
                } else if c == '"' {
                    quoted = false;
                } else {
                    cell.push(c);
                }
                continue;
            }
            if at_start && c == '"' {
                quoted = true;
                at_start = false;
                continue;
            }
            at_start = false;
            if c == separator {
                rows.last_mut().unwrap().push(std::mem::take(&mut cell));
                at_start = true;
            } else if c == '\n' || c == '\r' {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                rows.last_mut().unwrap().push(std::mem::take(&mut cell));
                rows.push(Vec::new());
                at_start = true;
            } else {
                cell.push(c);
            }
        }
        rows.last_mut().unwrap().push(cell);
        rows
    }

    #[test]
    fn no_locale_splits_a_formula_out_of_a_cell() {
        const ALPHABET: [char; 17] = [
            'a', 'b', ' ', '=', '+', '-', '@', '\t', '\r', '\n', ',', ';', '|', '"', '\'', 'é', '1',
        ];
        let mut rng = crate::common::hash::SplitMix64::new(17);
        for case in 0..20_000 {
            let len = rng.below(14) as usize;
            let value: String = (0..len)
                .map(|_| ALPHABET[rng.below(ALPHABET.len() as u64) as usize])
                .collect();
            let line = format!("7,{},high\r\n", text_cell(&value));
            for separator in [',', ';', '\t', '|'] {
                for row in spreadsheet_cells(&line, separator) {
                    for cell in row {
                        assert!(
                            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                            "case {case}: {value:?} gives the cell {cell:?} with {separator:?}"
                        );
                    }
                }
            }
            // Read with the separator it was written with, the text comes
            // back whole, only marked where a formula could have started.
            let rows = spreadsheet_cells(&line, ',');
            assert_eq!(rows[0].len(), 3, "case {case}: {value:?}");
            assert_eq!(
                rows[0][1].replace('\'', ""),
                value.replace('\'', ""),
                "case {case}"
            );
        }
    }

    #[test]
    fn the_oracle_would_catch_the_old_writer() {
        // The writer before issue 17: first character only, quoted only for , " and line breaks.
        let old = |value: &str| {
            let defused = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                format!("'{value}")
            } else {
                value.to_owned()
            };
            if defused.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", defused.replace('"', "\"\""))
            } else {
                defused
            }
        };
        let line = format!("7,{},high\r\n", old(";=2+5;"));
        let cells = spreadsheet_cells(&line, ';');
        assert!(
            cells[0].iter().any(|cell| cell.starts_with('=')),
            "{cells:?}"
        );
    }
}
