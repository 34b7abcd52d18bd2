//! The customers as CSV (RFC 4180), for spreadsheets: one column per field
//! of the line ([`crate::schema::LINE`]), in its order.

use crate::schema::{LineField, LINE};
use crate::transform::customer::{Customers, LineValue};

/// The header row: the line's keys, in order.
pub(crate) fn csv_header() -> String {
    LINE.iter()
        .map(|spec| spec.key)
        .collect::<Vec<_>>()
        .join(",")
}

/// Writes the customers as CSV with a header row and CRLF line ends.
///
/// Every text cell (a text or a list of the line) is quoted, so no
/// separator of any locale (`,` `;` tab `|`) and no line break inside it
/// splits the row; the other cells are numbers and fixed labels. A list is
/// one cell, its items joined with `"; "`. See [`text_cell`] for formulas.
pub fn customers_csv(customers: &Customers) -> Vec<u8> {
    let mut out = String::with_capacity(64 + customers.len() * 160);
    out.push_str(&csv_header());
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

    fn customer(json: &str) -> Customers {
        let object: InputObject = serde_json::from_str(json).unwrap();
        let run = Assessment {
            seed: 42,
            as_of: chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
        };
        let mut customers = Customers::new(run.as_of);
        let customer = assess(&object.record, &run, &mut customers).unwrap();
        customers.push(customer);
        customers
    }

    #[test]
    fn a_row_per_customer_in_field_order() {
        let csv = customers_csv(&customer(
            r#"{"id": 1, "first_name": "George", "last_name": "Bluth", "email": "g@reqres.in",
                "avatar": "https://reqres.in/1.jpg", "engagement_score": 80, "last_login": "2026-11-20"}"#,
        ));
        let text = String::from_utf8(csv).unwrap();
        let lines: Vec<_> = text.split("\r\n").collect();
        assert_eq!(lines[0], csv_header());
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
        let text = String::from_utf8(customers_csv(&customer(
            r#"{"id": 2, "first_name": "=HYPERLINK(\"x\")", "last_name": "O'Neil, Jr"}"#,
        )))
        .unwrap();
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
