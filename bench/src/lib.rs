//! A deterministic generator of reqres-shaped customer records with the
//! data contract's defects in realistic proportions, for benchmarks.
//!
//! Per 10,000 records, about: 200 duplicates of an earlier id (2%), 100
//! missing emails, 50 implausible emails, 50 empty first names, 50 missing
//! last names, 50 invalid `last_login` dates, 50 null and 30 out-of-range
//! engagement scores, 30 bad avatars, 20 string ids and 10 records without
//! an id (rejected).
#![deny(missing_docs)]

use std::fmt::Write;

use customer_pipeline::hash::SplitMix64;

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
}

/// Writes `count` records, the same bytes for the same `count` and `seed`.
pub fn generate(count: usize, seed: u64, layout: Layout) -> Vec<u8> {
    let mut rng = SplitMix64::new(seed);
    let mut out = String::with_capacity(count * 210);
    if layout == Layout::JsonArray {
        out.push_str("[\n");
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
            out.push_str(if layout == Layout::JsonArray {
                ",\n"
            } else {
                "\n"
            });
        }
        write_record(&mut out, &mut rng, id);
    }
    out.push_str(if layout == Layout::JsonArray {
        "\n]\n"
    } else {
        "\n"
    });
    out.into_bytes()
}

fn write_record(out: &mut String, rng: &mut SplitMix64, id: u64) {
    let defect = rng.below(10_000);
    let first = FIRST[rng.below(16) as usize];
    let last = LAST[rng.below(16) as usize];
    let domain = DOMAINS[rng.below(8) as usize];
    out.push('{');
    match defect {
        0..=9 => {}
        10..=29 => {
            let _ = write!(out, r#""id":"{id}","#);
        }
        _ => {
            let _ = write!(out, r#""id":{id},"#);
        }
    }
    match defect {
        30..=129 => {}
        130..=179 => {
            let _ = write!(
                out,
                r#""email":"{}.{}{id}","#,
                first.to_lowercase(),
                last.to_lowercase()
            );
        }
        _ => {
            let _ = write!(
                out,
                r#""email":"{}.{}{id}@{domain}","#,
                first.to_lowercase(),
                last.to_lowercase().replace('\'', "")
            );
        }
    }
    let first_name = if (180..230).contains(&defect) {
        ""
    } else {
        first
    };
    let _ = write!(out, r#""first_name":"{first_name}","#);
    if !(230..280).contains(&defect) {
        let _ = write!(out, r#""last_name":"{last}","#);
    }
    if (280..310).contains(&defect) {
        out.push_str(r#""avatar":"not a url","#);
    } else {
        let _ = write!(
            out,
            r#""avatar":"https://reqres.in/img/faces/{}-image.jpg","#,
            1 + id % 12
        );
    }
    let day = rng.below(400);
    if (310..360).contains(&defect) {
        out.push_str(r#""last_login":"2024-13-45","#);
    } else if day < 200 {
        let _ = write!(
            out,
            r#""last_login":"2026-{:02}-{:02}","#,
            1 + day % 11,
            1 + day % 28
        );
    } else {
        let _ = write!(
            out,
            r#""last_login":"2025-{:02}-{:02}T{:02}:{:02}:00Z","#,
            1 + day % 12,
            1 + day % 28,
            day % 24,
            day % 60
        );
    }
    match defect {
        360..=409 => out.push_str(r#""engagement_score":null"#),
        410..=439 => out.push_str(r#""engagement_score":150"#),
        _ => {
            let _ = write!(out, r#""engagement_score":{}"#, rng.below(101));
        }
    }
    out.push('}');
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
            let flawed = report
                .customers
                .iter()
                .filter(|c| c.quality_issues().len() > 0)
                .count();
            assert!((600..1_100).contains(&flawed), "{flawed}");
        }
    }

    #[test]
    fn about_two_hundred_bytes_a_record() {
        let size = generate(10_000, 1, Layout::Ndjson).len();
        assert!((1_700_000..2_300_000).contains(&size), "{size}");
    }
}
