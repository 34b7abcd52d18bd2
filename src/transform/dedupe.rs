//! Removing duplicate customers (same `customer_id`).
//!
//! The record with the highest `data_quality_score` wins; on a tie, the one
//! that came first in source order. Every removed record is reported with
//! where it was and which record was kept instead.

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::source::ingest::Position;
use crate::transform::customer::{Customer, Customers};

/// A record removed because another with the same id was kept.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct DroppedDuplicate {
    /// The shared id.
    pub(crate) customer_id: u64,
    /// Where the removed record was.
    pub(crate) position: Position,
    /// The removed record's score.
    pub(crate) data_quality_score: u8,
    /// Where the record that was kept is.
    pub(crate) kept_position: Position,
}

/// Where each id's customer is kept. Ids are usually small and dense
/// (1, 2, 3, …), so most live in a table indexed by id; the rest in a map.
#[derive(Debug, Default)]
struct Slots {
    dense: Vec<u32>,
    sparse: FxHashMap<u64, u32>,
}

const EMPTY: u32 = u32::MAX;
/// Ids below this always go in the table (256 KB of it at most).
const DENSE_FLOOR: u64 = 1 << 16;

impl Slots {
    fn get(&self, id: u64) -> Option<u32> {
        match self.dense.get(id as usize) {
            Some(&slot) if slot != EMPTY => Some(slot),
            Some(_) => None,
            None => self.sparse.get(&id).copied(),
        }
    }

    /// Stores a new id; `kept` is how many customers are kept so far, which
    /// bounds how far the table may grow (4 slots per customer).
    fn insert(&mut self, id: u64, slot: u32, kept: usize) {
        let limit = DENSE_FLOOR.max(4 * kept as u64);
        if id >= self.dense.len() as u64 && id < limit {
            let grown = (id as usize + 1)
                .max(self.dense.len() * 2)
                .min(limit as usize);
            self.dense.resize(grown, EMPTY);
            // Ids stored in the map before the table reached them move in.
            let moved: Vec<(u64, u32)> = self
                .sparse
                .iter()
                .filter(|(&other, _)| other < grown as u64)
                .map(|(&other, &at)| (other, at))
                .collect();
            for (other, at) in moved {
                self.sparse.remove(&other);
                self.dense[other as usize] = at;
            }
        }
        match self.dense.get_mut(id as usize) {
            Some(entry) => *entry = slot,
            None => {
                self.sparse.insert(id, slot);
            }
        }
    }
}

/// A [`Position`] in 24 bytes instead of 64 (one is kept per customer);
/// 0 stands for "none" (counts start at 1).
#[derive(Debug, Clone, Copy)]
struct Place {
    page: u64,
    line: u32,
    envelope: u32,
    record: u32,
    row: u32,
}

fn narrow(n: Option<usize>) -> u32 {
    n.map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX))
}

fn widen(n: u32) -> Option<usize> {
    (n != 0).then_some(n as usize)
}

impl From<Position> for Place {
    fn from(p: Position) -> Self {
        Place {
            page: p.page.unwrap_or(0),
            line: narrow(p.line),
            envelope: narrow(p.envelope),
            record: narrow(p.record),
            row: narrow(p.row),
        }
    }
}

impl From<Place> for Position {
    fn from(p: Place) -> Self {
        Position {
            line: widen(p.line),
            page: (p.page != 0).then_some(p.page),
            envelope: widen(p.envelope),
            record: widen(p.record),
            row: widen(p.row),
        }
    }
}

/// Keeps the best record per `customer_id`, taking candidates one at a time
/// in source order.
#[derive(Debug, Default)]
pub(crate) struct Deduper {
    slots: Slots,
    /// Where each kept customer (by slot) is in the source.
    places: Vec<Place>,
    dropped: Vec<DroppedDuplicate>,
}

impl Deduper {
    /// Takes the next customer in source order; kept customers are in
    /// `customers`, in order of first appearance of their id. Returns the
    /// customer removed, if one was (this one, or the one kept until now).
    pub(crate) fn push(
        &mut self,
        customers: &mut Customers,
        position: Position,
        customer: Customer,
    ) -> Option<Customer> {
        let id = customer.customer_id;
        let Some(slot) = self.slots.get(id) else {
            let slot = customers.len() as u32;
            self.slots.insert(id, slot, customers.len());
            customers.push(customer);
            self.places.push(position.into());
            return None;
        };
        let slot = slot as usize;
        let kept = customers.rows()[slot];
        // Strictly greater: on a tie the earlier record stays.
        let (loser, loser_position) = if customer.data_quality_score > kept.data_quality_score {
            customers.replace(slot, customer);
            let kept_place = std::mem::replace(&mut self.places[slot], position.into());
            (kept, kept_place.into())
        } else {
            (customer, position)
        };
        self.dropped.push(DroppedDuplicate {
            customer_id: id,
            position: loser_position,
            data_quality_score: loser.data_quality_score,
            kept_position: loser_position,
        });
        Some(loser)
    }

    /// The removed records, in the order they were removed, each pointing
    /// at the record finally kept.
    pub(crate) fn finish(mut self) -> Vec<DroppedDuplicate> {
        // A later, better record may have replaced the one kept at first.
        for dropped in &mut self.dropped {
            if let Some(slot) = self.slots.get(dropped.customer_id) {
                dropped.kept_position = self.places[slot as usize].into();
            }
        }
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::record::InputObject;
    use crate::transform::customer::{assess, Assessment};

    const RUN: Assessment = Assessment {
        seed: 1,
        as_of: match chrono::NaiveDate::from_ymd_opt(2026, 11, 24) {
            Some(date) => date,
            None => chrono::NaiveDate::MIN,
        },
        simulate: true,
    };

    /// Dedupes records given as (source index, JSON); returns the kept
    /// customers' (id, name) and the dropped records.
    fn dedupe(records: &[(u32, &str)]) -> (Vec<(u64, String)>, Vec<DroppedDuplicate>) {
        let mut customers = Customers::new(RUN.as_of);
        let mut deduper = Deduper::default();
        for &(index, json) in records {
            let object: InputObject = serde_json::from_str(json).unwrap();
            let customer = assess(&object.record, &RUN, &mut customers).unwrap();
            let position = Position {
                record: Some(index as usize),
                ..Position::default()
            };
            deduper.push(&mut customers, position, customer);
        }
        let dropped = deduper.finish();
        let kept = customers
            .iter()
            .map(|c| (c.customer_id, c.full_name().to_owned()))
            .collect();
        (kept, dropped)
    }

    const FULL: &str = r#"{"id": 5, "first_name": "Charles", "last_name": "Morris",
        "email": "charles.morris@reqres.in", "avatar": "https://reqres.in/img/faces/5-image.jpg"}"#;
    const NO_EMAIL: &str = r#"{"id": 5, "first_name": "Chuck", "last_name": "Morris",
        "avatar": "https://reqres.in/img/faces/5-image.jpg"}"#;

    #[test]
    fn the_higher_score_wins_wherever_it_comes() {
        let (kept, dropped) = dedupe(&[(1, NO_EMAIL), (2, FULL)]);
        assert_eq!(kept, [(5, "Charles Morris".to_string())]);
        assert_eq!(dropped.len(), 1);
        assert_eq!(dropped[0].position.record, Some(1));
        assert_eq!(dropped[0].data_quality_score, 90);
        assert_eq!(dropped[0].kept_position.record, Some(2));

        let (kept, dropped) = dedupe(&[(1, FULL), (2, NO_EMAIL)]);
        assert_eq!(kept, [(5, "Charles Morris".to_string())]);
        assert_eq!(dropped[0].position.record, Some(2));
    }

    #[test]
    fn on_a_tie_the_first_in_source_order_wins() {
        let (_, dropped) = dedupe(&[(1, FULL), (2, FULL), (3, FULL)]);
        let positions: Vec<_> = dropped.iter().map(|d| d.position.record).collect();
        assert_eq!(positions, [Some(2), Some(3)]);
        assert!(dropped.iter().all(|d| d.kept_position.record == Some(1)));
    }

    #[test]
    fn kept_position_points_at_the_final_winner() {
        let (kept, dropped) = dedupe(&[(1, r#"{"id": 5}"#), (2, NO_EMAIL), (3, FULL)]);
        assert_eq!(kept, [(5, "Charles Morris".to_string())]);
        assert!(dropped.iter().all(|d| d.kept_position.record == Some(3)));
    }

    #[test]
    fn distinct_ids_are_all_kept_in_order() {
        let (kept, dropped) = dedupe(&[
            (1, r#"{"id": 2, "first_name": "B"}"#),
            (2, r#"{"id": 1, "first_name": "A"}"#),
            (3, r#"{"id": 2}"#),
        ]);
        assert_eq!(kept, [(2, "B".to_string()), (1, "A".to_string())]);
        assert_eq!(dropped.len(), 1);
    }

    #[test]
    fn places_keep_positions() {
        for position in [
            Position::default(),
            Position {
                line: Some(3),
                page: Some(u64::MAX),
                envelope: None,
                record: Some(7),
                row: None,
            },
            Position {
                row: Some(9),
                ..Position::default()
            },
            Position {
                envelope: Some(2),
                record: Some(1),
                ..Position::default()
            },
        ] {
            assert_eq!(Position::from(Place::from(position)), position);
        }
    }

    #[test]
    fn large_and_small_ids_are_found_wherever_they_are_stored() {
        let mut slots = Slots::default();
        // A large id first (in the map), then the table grows past it.
        slots.insert(70_000, 0, 0);
        slots.insert(3, 1, 1);
        for id in 4..70_010u64 {
            slots.insert(id + 100_000, (id + 1) as u32, id as usize);
        }
        slots.insert(69_999, 9, 100_000);
        assert_eq!(slots.get(70_000), Some(0));
        assert_eq!(slots.get(3), Some(1));
        assert_eq!(slots.get(69_999), Some(9));
        assert_eq!(slots.get(170_000), Some(70_001));
        assert_eq!(slots.get(u64::MAX), None);
        assert_eq!(slots.get(5), None);
    }
}
