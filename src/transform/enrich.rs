//! Enrichment: the derived segments of a customer.
//!
//! Where the input carries the facts (`engagement_score`, `last_login`)
//! they decide; where it does not, a value is assigned by
//! [`seeded_index`], a pure function of (seed, customer id, field). The
//! same customer therefore gets the same values in every run with the same
//! seed, whatever order the records arrive in.

use chrono::NaiveDate;

use crate::common::hash::mix;
use crate::schema::{
    AcquisitionChannel, ActivityStatus, CustomerTier, EngagementLevel, LineField, MarketSegment,
};

/// Days before `as_of` within which a login makes a customer active.
pub(crate) const ACTIVE_WITHIN_DAYS: i64 = 30;

impl EngagementLevel {
    /// The level for a valid score (0-100).
    pub(crate) fn from_score(score: f64) -> Self {
        if score >= 70.0 {
            EngagementLevel::High
        } else if score >= 40.0 {
            EngagementLevel::Medium
        } else {
            EngagementLevel::Low
        }
    }
}

impl ActivityStatus {
    /// The status for a last login on `date` (not after `as_of`).
    pub(crate) fn from_last_login(date: NaiveDate, as_of: NaiveDate) -> Self {
        if (as_of - date).num_days() <= ACTIVE_WITHIN_DAYS {
            ActivityStatus::Active
        } else {
            ActivityStatus::Inactive
        }
    }
}

/// The fields that may be assigned from the seed. Each has its own salt so
/// that one customer's values are independent of each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SeededField {
    /// `engagement_level` when `engagement_score` is absent.
    EngagementLevel,
    /// `activity_status` when `last_login` is absent.
    ActivityStatus,
    /// `acquisition_channel`.
    AcquisitionChannel,
    /// `market_segment`.
    MarketSegment,
    /// `customer_tier`.
    CustomerTier,
}

impl SeededField {
    fn salt(self) -> u64 {
        match self {
            SeededField::EngagementLevel => 0x656e_6761_6765,
            SeededField::ActivityStatus => 0x6163_7469_7669,
            SeededField::AcquisitionChannel => 0x6368_616e_6e65,
            SeededField::MarketSegment => 0x7365_676d_656e,
            SeededField::CustomerTier => 0x7469_6572_0000,
        }
    }
}

/// An index in `0..choices` that depends only on (seed, customer id, field).
///
/// The mapping is part of the data contract: changing it changes every
/// report made with a given seed. `choices` must be at least 1.
pub(crate) fn seeded_index(
    seed: u64,
    customer_id: u64,
    field: SeededField,
    choices: usize,
) -> usize {
    let hash = mix(mix(mix(seed) ^ customer_id) ^ field.salt());
    // Multiply-shift maps the hash onto 0..choices without modulo bias:
    // the high 64 bits of hash × choices.
    high_product(hash, choices.max(1) as u64) as usize
}

/// The high 64 bits of the 128-bit product `hash × n`, for `n < 2^32`, in
/// 64-bit arithmetic: wasm32 has no 64×64→128 multiplication, and the u128
/// routine it falls back to made seeding a large part of a run there.
fn high_product(hash: u64, n: u64) -> u64 {
    let (high, low) = (hash >> 32, hash & 0xffff_ffff);
    // high·n and low·n each fit in 64 bits for n < 2^32; the carry from
    // the low half is exactly what reaches the high word.
    (high * n + ((low * n) >> 32)) >> 32
}

/// A value of the line that the seed draws when the source lacks it.
pub(crate) trait Seeded: Copy + 'static {
    /// The field of the line it fills.
    const FIELD: LineField;
    /// Its salt.
    const SALT: SeededField;
    /// The values it is drawn from, in order (the order is part of the
    /// data contract, as [`seeded_index`] is).
    const DRAWN: &'static [Self];
    /// The value when nothing is drawn (or the source's fact is unusable).
    const UNKNOWN: Self;

    /// The value drawn for `customer_id` with `seed`.
    fn seeded(seed: u64, customer_id: u64) -> Self {
        Self::DRAWN[seeded_index(seed, customer_id, Self::SALT, Self::DRAWN.len())]
    }
}

/// Each seeded field with the values it is drawn from; its line field and
/// salt have its name.
macro_rules! seeded {
    ($($ty:ident: [$($value:ident),+];)+) => {$(
        impl Seeded for $ty {
            const FIELD: LineField = LineField::$ty;
            const SALT: SeededField = SeededField::$ty;
            const DRAWN: &'static [Self] = &[$($ty::$value),+];
            const UNKNOWN: Self = $ty::Unknown;
        }
    )+};
}

seeded! {
    EngagementLevel: [High, Medium, Low];
    ActivityStatus: [Active, Inactive];
    AcquisitionChannel: [Website, MobileApp, EmailCampaign];
    MarketSegment: [UsWest, UsEast, EuCentral, Apac];
    CustomerTier: [Basic, Premium, Enterprise];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_serialize_as_their_labels() {
        // The contract's spellings, pinned.
        let labels = |values: &[String]| values.join(",");
        let all = |json: serde_json::Value| -> Vec<String> {
            json.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect()
        };
        fn json<T: serde::Serialize>(value: T) -> serde_json::Value {
            serde_json::to_value(value).unwrap()
        }
        for (values, expected) in [
            (json(EngagementLevel::ALL), "high,medium,low,unknown"),
            (json(ActivityStatus::ALL), "active,inactive,unknown"),
            (
                json(AcquisitionChannel::ALL),
                "website,mobile_app,email_campaign,unknown",
            ),
            (
                json(MarketSegment::ALL),
                "US-West,US-East,EU-Central,APAC,unknown",
            ),
            (json(CustomerTier::ALL), "basic,premium,enterprise,unknown"),
        ] {
            assert_eq!(labels(&all(values)), expected);
        }
    }

    #[test]
    fn engagement_levels_have_exact_edges() {
        use EngagementLevel::*;
        let scores = [100.0, 70.0, 69.99, 40.0, 39.9, 0.0];
        assert_eq!(
            scores.map(EngagementLevel::from_score),
            [High, High, Medium, Medium, Low, Low]
        );
    }

    #[test]
    fn activity_is_active_within_thirty_days_inclusive() {
        let as_of = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let days_before = |n| as_of - chrono::Days::new(n);
        assert_eq!(
            ActivityStatus::from_last_login(as_of, as_of),
            ActivityStatus::Active
        );
        assert_eq!(
            ActivityStatus::from_last_login(days_before(30), as_of),
            ActivityStatus::Active
        );
        assert_eq!(
            ActivityStatus::from_last_login(days_before(31), as_of),
            ActivityStatus::Inactive
        );
    }

    #[test]
    fn seeded_values_are_pinned() {
        // These values are part of the contract: a change here changes reports.
        let got: Vec<_> = (1..=4)
            .map(|id| seeded_index(42, id, SeededField::MarketSegment, 4))
            .collect();
        assert_eq!(got, [0, 2, 0, 3]);
    }

    #[test]
    fn seeded_values_depend_on_seed_id_and_field() {
        // Pinned values: the same (seed, id, field) must give these in every
        // build; another seed or another field gives other sequences.
        let tiers = |seed| {
            (1..=8)
                .map(|id| CustomerTier::seeded(seed, id).label())
                .collect::<Vec<_>>()
        };
        let channels = |seed| {
            (1..=8)
                .map(|id| AcquisitionChannel::seeded(seed, id).label())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            tiers(7),
            [
                "enterprise",
                "premium",
                "premium",
                "enterprise",
                "enterprise",
                "enterprise",
                "basic",
                "premium"
            ]
        );
        assert_eq!(
            tiers(8),
            [
                "basic",
                "enterprise",
                "basic",
                "enterprise",
                "basic",
                "basic",
                "basic",
                "basic"
            ]
        );
        assert_eq!(
            channels(7),
            [
                "mobile_app",
                "email_campaign",
                "email_campaign",
                "mobile_app",
                "website",
                "website",
                "email_campaign",
                "email_campaign"
            ]
        );
    }

    #[test]
    fn the_high_product_is_the_128_bit_one() {
        let mut rng = crate::common::hash::SplitMix64::new(11);
        for _ in 0..100_000 {
            let hash = rng.next_u64();
            for n in [1u64, 2, 3, 4, 7, 1 << 31, u32::MAX as u64] {
                let exact = ((u128::from(hash) * u128::from(n)) >> 64) as u64;
                assert_eq!(high_product(hash, n), exact, "{hash} × {n}");
            }
        }
        assert_eq!(high_product(u64::MAX, 4), 3);
    }

    #[test]
    fn seeded_choices_are_roughly_uniform() {
        for choices in [2usize, 3, 4] {
            let mut counts = vec![0usize; choices];
            for id in 1..=30_000 {
                counts[seeded_index(123, id, SeededField::CustomerTier, choices)] += 1;
            }
            let expected = 30_000 / choices;
            for count in counts {
                assert!(
                    count.abs_diff(expected) < expected / 20,
                    "{choices}: {count}"
                );
            }
        }
    }
}
