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
        let mut top: Vec<DomainCount> = counts
            .domains
            .iter()
            .enumerate()
            .filter(|(index, customers)| {
                **customers > 0 && *index < all.table_len(TextTable::Domains)
            })
            .map(|(index, &customers)| DomainCount {
                domain: all.table_text(TextTable::Domains, index).to_owned(),
                customers,
            })
            .collect();
        top.sort_by(|a, b| {
            b.customers
                .cmp(&a.customers)
                .then_with(|| a.domain.cmp(&b.domain))
        });
        top.truncate(TOP_DOMAINS);
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
}
