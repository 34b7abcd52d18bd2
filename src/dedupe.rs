//! Removing duplicate customers (same `customer_id`).
//!
//! The record with the highest `data_quality_score` wins; on a tie, the one
//! that came first in source order. Every removed record is reported with
//! where it was and which record was kept instead.

use std::collections::hash_map::Entry;

use rustc_hash::FxHashMap;

use serde::Serialize;

use crate::customer::Customer;
use crate::ingest::Position;

/// A customer with its place in the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Where the record came from.
    pub position: Position,
    /// The assessed customer.
    pub customer: Customer,
}

/// A record removed because another with the same id was kept.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DroppedDuplicate {
    /// The shared id.
    pub customer_id: u64,
    /// Where the removed record was.
    pub position: Position,
    /// The removed record's score.
    pub data_quality_score: u8,
    /// Where the record that was kept is.
    pub kept_position: Position,
}

/// The outcome of [`Deduper::finish`].
#[derive(Debug, Default)]
pub struct Deduplicated {
    /// One candidate per id, in order of first appearance of the id.
    pub kept: Vec<Candidate>,
    /// The removed records, in the order they were removed.
    pub dropped: Vec<DroppedDuplicate>,
}

/// Keeps the best record per `customer_id`, taking candidates one at a time
/// in source order.
#[derive(Debug, Default)]
pub struct Deduper {
    // Ids come from the input, but this runs locally on the user's own
    // data, so a fast non-keyed hash is fine.
    slot_of: FxHashMap<u64, usize>,
    result: Deduplicated,
}

impl Deduper {
    /// Takes the next candidate in source order.
    pub fn push(&mut self, candidate: Candidate) {
        let id = candidate.customer.customer_id;
        match self.slot_of.entry(id) {
            Entry::Vacant(vacant) => {
                vacant.insert(self.result.kept.len());
                self.result.kept.push(candidate);
            }
            Entry::Occupied(occupied) => {
                let kept = &mut self.result.kept[*occupied.get()];
                // Strictly greater: on a tie the earlier record stays.
                let loser =
                    if candidate.customer.data_quality_score > kept.customer.data_quality_score {
                        std::mem::replace(kept, candidate)
                    } else {
                        candidate
                    };
                self.result.dropped.push(DroppedDuplicate {
                    customer_id: id,
                    position: loser.position,
                    data_quality_score: loser.customer.data_quality_score,
                    kept_position: loser.position,
                });
            }
        }
    }

    /// The kept and the dropped records.
    pub fn finish(mut self) -> Deduplicated {
        // A later, better record may have replaced the one kept at first.
        for dropped in &mut self.result.dropped {
            if let Some(&slot) = self.slot_of.get(&dropped.customer_id) {
                dropped.kept_position = self.result.kept[slot].position;
            }
        }
        self.result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::{assess, Assessment};
    use crate::record::InputObject;

    fn dedupe(candidates: impl IntoIterator<Item = Candidate>) -> Deduplicated {
        let mut deduper = Deduper::default();
        for candidate in candidates {
            deduper.push(candidate);
        }
        deduper.finish()
    }

    fn candidate(index: usize, json: &str) -> Candidate {
        let object: InputObject = serde_json::from_str(json).unwrap();
        let run = Assessment {
            seed: 1,
            as_of: chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
        };
        Candidate {
            position: Position {
                record: Some(index),
                ..Position::default()
            },
            customer: assess(&object.record, &run).unwrap(),
        }
    }

    const FULL: &str = r#"{"id": 5, "first_name": "Charles", "last_name": "Morris",
        "email": "charles.morris@reqres.in", "avatar": "https://reqres.in/img/faces/5-image.jpg"}"#;
    const NO_EMAIL: &str = r#"{"id": 5, "first_name": "Charles", "last_name": "Morris",
        "avatar": "https://reqres.in/img/faces/5-image.jpg"}"#;

    fn kept_records(result: &Deduplicated) -> Vec<(u64, Option<usize>)> {
        result
            .kept
            .iter()
            .map(|c| (c.customer.customer_id, c.position.record))
            .collect()
    }

    #[test]
    fn the_higher_score_wins_wherever_it_comes() {
        let later_better = dedupe([candidate(1, NO_EMAIL), candidate(2, FULL)]);
        assert_eq!(kept_records(&later_better), [(5, Some(2))]);
        assert_eq!(later_better.dropped.len(), 1);
        assert_eq!(later_better.dropped[0].position.record, Some(1));
        assert_eq!(later_better.dropped[0].data_quality_score, 90);
        assert_eq!(later_better.dropped[0].kept_position.record, Some(2));

        let earlier_better = dedupe([candidate(1, FULL), candidate(2, NO_EMAIL)]);
        assert_eq!(kept_records(&earlier_better), [(5, Some(1))]);
        assert_eq!(earlier_better.dropped[0].position.record, Some(2));
    }

    #[test]
    fn on_a_tie_the_first_in_source_order_wins() {
        let result = dedupe([candidate(1, FULL), candidate(2, FULL), candidate(3, FULL)]);
        assert_eq!(kept_records(&result), [(5, Some(1))]);
        let dropped: Vec<_> = result.dropped.iter().map(|d| d.position.record).collect();
        assert_eq!(dropped, [Some(2), Some(3)]);
    }

    #[test]
    fn kept_position_points_at_the_final_winner() {
        let result = dedupe([
            candidate(1, r#"{"id": 5}"#),
            candidate(2, NO_EMAIL),
            candidate(3, FULL),
        ]);
        assert_eq!(kept_records(&result), [(5, Some(3))]);
        assert!(result
            .dropped
            .iter()
            .all(|d| d.kept_position.record == Some(3)));
    }

    #[test]
    fn distinct_ids_are_all_kept_in_order() {
        let result = dedupe([
            candidate(1, r#"{"id": 2}"#),
            candidate(2, r#"{"id": 1}"#),
            candidate(3, r#"{"id": 2}"#),
        ]);
        assert_eq!(kept_records(&result), [(2, Some(1)), (1, Some(2))]);
        assert_eq!(result.dropped.len(), 1);
    }
}
