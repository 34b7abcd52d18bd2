//! How the customers spread over each segment, for the dashboard and the
//! report's metadata.

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::transform::customer::{Customer, Customers};
use crate::transform::enrich::{
    AcquisitionChannel, ActivityStatus, CustomerTier, EngagementLevel, MarketSegment,
};

/// How many email domains `top_email_domains` lists.
pub const TOP_DOMAINS: usize = 10;

/// Counts per value, in a fixed order; serialized as a JSON object.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tally(pub Vec<(String, usize)>);

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
pub struct DomainCount {
    /// The domain (`"unknown"` for missing or implausible emails).
    pub domain: String,
    /// Customers with it.
    pub customers: usize,
}

/// Customers per value of each enriched field.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Distributions {
    /// Per `engagement_level`: high, medium, low, unknown.
    pub engagement_level: Tally,
    /// Per `activity_status`: active, inactive, unknown.
    pub activity_status: Tally,
    /// Per `acquisition_channel`.
    pub acquisition_channel: Tally,
    /// Per `market_segment`.
    pub market_segment: Tally,
    /// Per `customer_tier`.
    pub customer_tier: Tally,
    /// The most common email domains, most customers first (ties by name).
    pub top_email_domains: Vec<DomainCount>,
}

/// Customers per value of one enriched field, in the field's own order.
fn tally<T: Copy + PartialEq>(
    customers: &[Customer],
    values: &[T],
    label: fn(T) -> &'static str,
    value_of: fn(&Customer) -> T,
) -> Tally {
    let mut counts = vec![0usize; values.len()];
    for customer in customers {
        let value = value_of(customer);
        if let Some(slot) = values.iter().position(|v| *v == value) {
            counts[slot] += 1;
        }
    }
    Tally(
        values
            .iter()
            .map(|v| label(*v).to_owned())
            .zip(counts)
            .collect(),
    )
}

impl Distributions {
    /// Counts the customers.
    pub fn of(all: &Customers) -> Self {
        let mut per_domain = vec![0usize; all.domain_count()];
        for customer in all.rows() {
            per_domain[Customers::domain_index(customer)] += 1;
        }
        let mut top: Vec<DomainCount> = per_domain
            .into_iter()
            .enumerate()
            .filter(|(_, customers)| *customers > 0)
            .map(|(index, customers)| DomainCount {
                domain: all.domain_name(index).to_owned(),
                customers,
            })
            .collect();
        let customers = all.rows();
        top.sort_by(|a, b| {
            b.customers
                .cmp(&a.customers)
                .then_with(|| a.domain.cmp(&b.domain))
        });
        top.truncate(TOP_DOMAINS);
        Distributions {
            engagement_level: tally(
                customers,
                EngagementLevel::ALL,
                EngagementLevel::label,
                |c| c.engagement_level,
            ),
            activity_status: tally(customers, ActivityStatus::ALL, ActivityStatus::label, |c| {
                c.activity_status
            }),
            acquisition_channel: tally(
                customers,
                AcquisitionChannel::ALL,
                AcquisitionChannel::label,
                |c| c.acquisition_channel,
            ),
            market_segment: tally(customers, MarketSegment::ALL, MarketSegment::label, |c| {
                c.market_segment
            }),
            customer_tier: tally(customers, CustomerTier::ALL, CustomerTier::label, |c| {
                c.customer_tier
            }),
            top_email_domains: top,
        }
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
        let engagement: usize = d.engagement_level.0.iter().map(|(_, n)| n).sum();
        assert_eq!(engagement, 4);
        assert_eq!(d.engagement_level.0[3], ("unknown".to_string(), 1));
        for tally in [
            &d.activity_status,
            &d.acquisition_channel,
            &d.market_segment,
            &d.customer_tier,
        ] {
            assert_eq!(tally.0.iter().map(|(_, n)| n).sum::<usize>(), 4);
        }
        let domains: Vec<_> = d
            .top_email_domains
            .iter()
            .map(|c| (c.domain.as_str(), c.customers))
            .collect();
        assert_eq!(domains, [("y.com", 2), ("unknown", 1), ("x.com", 1)]);
        let json = serde_json::to_string(&d.market_segment).unwrap();
        assert!(json.starts_with(r#"{"US-West":"#), "{json}");
    }
}
