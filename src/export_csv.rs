//! The customers as CSV (RFC 4180), for spreadsheets.

use crate::customer::Customers;

/// The header row, in the report's field order.
pub const CSV_HEADER: &str = "customer_id,full_name,email_domain,engagement_level,activity_status,\
acquisition_channel,market_segment,customer_tier,data_quality_score,quality_issues";

/// Writes the customers as CSV with a header row and CRLF line ends.
///
/// Fields are quoted when they contain a comma, quote or line break.
/// `quality_issues` are joined with `"; "`. A text field that a spreadsheet
/// would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) is
/// prefixed with `'`, so opening the file cannot execute anything.
pub fn customers_csv(customers: &Customers) -> Vec<u8> {
    let mut out = String::with_capacity(64 + customers.len() * 160);
    out.push_str(CSV_HEADER);
    out.push_str("\r\n");
    for c in customers.iter() {
        let issues: Vec<String> = c.quality_issues().map(|i| i.to_string()).collect();
        let fields = [
            c.customer_id.to_string(),
            text_field(c.full_name()),
            text_field(c.email_domain()),
            c.engagement_level.label().to_owned(),
            c.activity_status.label().to_owned(),
            c.acquisition_channel.label().to_owned(),
            c.market_segment.label().to_owned(),
            c.customer_tier.label().to_owned(),
            c.data_quality_score.to_string(),
            text_field(&issues.join("; ")),
        ];
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

fn text_field(value: &str) -> String {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::{assess, Assessment};
    use crate::record::InputObject;

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
        assert_eq!(lines[0], CSV_HEADER);
        let row: Vec<_> = lines[1].split(',').collect();
        assert_eq!(row.len(), 10);
        assert_eq!(
            &row[..5],
            ["1", "George Bluth", "reqres.in", "high", "active"]
        );
        assert_eq!(row[8], "100");
        assert_eq!(row[9], "");
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
            row.starts_with(r#"2,"'=HYPERLINK(""x"") O'Neil, Jr",unknown,"#),
            "{row}"
        );
        assert!(
            row.ends_with(",80,email: missing; avatar: missing"),
            "{row}"
        );
    }
}
