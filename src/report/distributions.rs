//! How the customers spread over each segment, for the dashboard and the
//! report's metadata.

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::report::counts::{charted, Counts};
use crate::schema::LineField;
use crate::transform::customer::{Customers, TextTable};

/// How many email domains `top_email_domains` lists.
pub(crate) const TOP_DOMAINS: usize = 10;

/// Counts per value, in a fixed order; serialized as a JSON object.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Tally(pub Vec<(String, usize)>);

impl Serialize for Tally {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (label, count) in &self.0 {
            map.serialize_entry(label, count)?;
        }
        map.end()
    }
}

/// One email domain and its number of customers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct DomainCount {
    /// The domain (`"unknown"` for missing or implausible emails).
    pub(crate) domain: String,
    /// Customers with it.
    pub(crate) customers: usize,
}

/// Customers per value of each charted field of the line, in the line's
/// order, then the most common email domains; serialized as one object
/// with a key per field.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Distributions {
    /// Per charted field, customers per value in the field's own order.
    pub(crate) per_field: Vec<(LineField, Tally)>,
    /// The most common email domains, most customers first (ties by name).
    pub(crate) top_email_domains: Vec<DomainCount>,
}

impl Distributions {
    /// The counts of one charted field (an empty tally for another field).
    #[cfg(test)]
    pub(crate) fn of_field(&self, field: LineField) -> Tally {
        self.per_field
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, tally)| tally.clone())
            .unwrap_or_default()
    }

    /// Counts the customers.
    #[cfg(test)]
    pub(crate) fn of(all: &Customers) -> Self {
        Distributions::from_counts(&Counts::of(all), all)
    }

    /// The distributions of the customers counted in `counts`, whose
    /// domains are numbered as in `all`.
    pub(crate) fn from_counts(counts: &Counts, all: &Customers) -> Self {
        let per_field = charted()
            .zip(&counts.labels)
            .map(|((field, choices), counts)| {
                let tally = choices.labels.iter().map(|l| (*l).to_owned());
                (field, Tally(tally.zip(counts.iter().copied()).collect()))
            })
            .collect();
        // The first `TOP_DOMAINS` of a stable sort by customers (most
        // first), then domain, kept as they come: no sort of every domain
        // (nor a copy of its name), nor a sort instance of its own in the
        // page's module.
        let mut top: Vec<DomainCount> = Vec::with_capacity(TOP_DOMAINS + 1);
        let known = counts
            .domains
            .iter()
            .enumerate()
            .take(all.table_len(TextTable::Domains));
        for (index, &customers) in known.filter(|(_, customers)| **customers > 0) {
            let domain = all.table_text(TextTable::Domains, index);
            let at = top.partition_point(|above| {
                above.customers > customers
                    || (above.customers == customers && above.domain.as_str() <= domain)
            });
            if at < TOP_DOMAINS {
                top.insert(
                    at,
                    DomainCount {
                        domain: domain.to_owned(),
                        customers,
                    },
                );
                top.truncate(TOP_DOMAINS);
            }
        }
        Distributions {
            per_field,
            top_email_domains: top,
        }
    }
}

impl Serialize for Distributions {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.per_field.len() + 1))?;
        for (field, tally) in &self.per_field {
            map.serialize_entry(field.key(), tally)?;
        }
        map.serialize_entry("top_email_domains", &self.top_email_domains)?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::process_upload;
    use crate::settings::RunSettings;

    #[test]
    fn counts_add_up_and_domains_rank() {
        let input = br#"[
            {"id": 1, "email": "a@x.com", "engagement_score": 90},
            {"id": 2, "email": "b@y.com", "engagement_score": 50},
            {"id": 3, "email": "c@y.com", "engagement_score": null},
            {"id": 4, "email": "bad"}
        ]"#;
        let settings = RunSettings::from_text("1", "2026-11-24", "2026-11-24T00:00:00Z").unwrap();
        let report = process_upload(input, "f", &settings).unwrap();
        let d = Distributions::of(&report.customers);
        let engagement = d.of_field(LineField::EngagementLevel);
        assert_eq!(engagement.0.iter().map(|(_, n)| n).sum::<usize>(), 4);
        assert_eq!(engagement.0[3], ("unknown".to_string(), 1));
        assert_eq!(d.per_field.len(), 5, "every charted field");
        for (_, tally) in &d.per_field {
            assert_eq!(tally.0.iter().map(|(_, n)| n).sum::<usize>(), 4);
        }
        let domains: Vec<_> = d
            .top_email_domains
            .iter()
            .map(|c| (c.domain.as_str(), c.customers))
            .collect();
        assert_eq!(domains, [("y.com", 2), ("unknown", 1), ("x.com", 1)]);
        let json = serde_json::to_string(&d.of_field(LineField::MarketSegment)).unwrap();
        assert!(json.starts_with(r#"{"US-West":"#), "{json}");
    }

    #[test]
    fn the_top_domains_are_a_sorts_first_ten() {
        // 14 domains, first seen in reverse name order, with ties across
        // the tenth place.
        let counts = [3, 1, 2, 3, 1, 1, 2, 3, 1, 2, 1, 1, 2, 1];
        let mut records = Vec::new();
        for round in 0..3 {
            for (k, &count) in counts.iter().enumerate() {
                if round < count {
                    let id = records.len() + 1;
                    let domain = format!("d{:02}.com", 13 - k);
                    records.push(format!(r#"{{"id": {id}, "email": "a{id}@{domain}"}}"#));
                }
            }
        }
        let input = format!("[{}]", records.join(","));
        let settings = RunSettings::from_text("1", "2026-11-24", "2026-11-24T00:00:00Z").unwrap();
        let report = process_upload(input.as_bytes(), "f", &settings).unwrap();
        let top: Vec<(String, usize)> = Distributions::of(&report.customers)
            .top_email_domains
            .into_iter()
            .map(|c| (c.domain, c.customers))
            .collect();
        let mut expected: Vec<(String, usize)> = counts
            .iter()
            .enumerate()
            .map(|(k, &count)| (format!("d{:02}.com", 13 - k), count))
            .collect();
        expected.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        expected.truncate(TOP_DOMAINS);
        assert_eq!(top, expected);
        assert_eq!(top[0], ("d06.com".to_owned(), 3));
        assert_eq!(top[9], ("d03.com".to_owned(), 1));
    }
}
