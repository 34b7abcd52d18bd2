//! The rules that judge a run's pages as a whole: where a walk without
//! `total_pages` ends, whether the data moved while the pages were being
//! fetched, and whether the records received prove the run complete.
//!
//! Pure functions over what each accepted page stated and held, apart from
//! fetching, so that every rule is tested both ways: a clean source stays
//! clean, a lying or moving one is caught.
//!
//! - Duplicates are the source's own. Records are counted as they arrive
//!   (records without an id and repeated ids included), so a stable source
//!   holding the same customer twice meets its stated `total`.
//! - Data that moves during the walk shows as pages stating other totals
//!   than the latest, or as the last record of page `n` coming back as the
//!   first record of page `n + 1` (a record inserted before it shifted the
//!   listing). Neither proves a loss, neither proves completeness: the
//!   fetcher asks those pages again.

use std::collections::{BTreeMap, BTreeSet};

use crate::provenance::WalkEnd;

/// The totals one page stated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Stated {
    /// `total` (records), when stated.
    pub(crate) total: Option<u64>,
    /// `total_pages`, when stated (`0` is read as 1: an empty result).
    pub(crate) total_pages: Option<u64>,
}

impl Stated {
    /// Whether two statements contradict each other; a value one of them
    /// leaves out says nothing.
    pub(crate) fn disagrees(self, other: Stated) -> bool {
        let differs =
            |a: Option<u64>, b: Option<u64>| matches!((a, b), (Some(a), Some(b)) if a != b);
        differs(self.total, other.total) || differs(self.total_pages, other.total_pages)
    }
}

/// What an accepted page stated and held.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PageFacts {
    /// Its totals.
    pub(crate) stated: Stated,
    /// Its records, counted as they came (duplicates and id-less ones included).
    pub(crate) records: u64,
    /// A hash of its records in order (`None` when it has none).
    pub(crate) fingerprint: Option<u64>,
    /// The hash of its first record.
    pub(crate) first: Option<u64>,
    /// The hash of its last record.
    pub(crate) last: Option<u64>,
}

/// Signs that the data moved while the pages were fetched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Movement {
    /// Pages whose totals disagree with the latest statement, with what
    /// each stated.
    pub(crate) stale: Vec<(u64, Stated)>,
    /// Pages `n` whose last record came back as the first record of page
    /// `n + 1`, not yet shown to be the source's own.
    pub(crate) overlaps: Vec<u64>,
}

impl Movement {
    /// Whether nothing moved.
    pub(crate) fn is_empty(&self) -> bool {
        self.stale.is_empty() && self.overlaps.is_empty()
    }
}

/// The signs of movement among `pages`: pages whose totals disagree with
/// `latest` (the statement of the page accepted last), and overlaps at page
/// boundaries other than those in `verified` (boundaries whose two pages
/// came back unchanged when fetched again: a stable source's own repeat).
pub(crate) fn movement(
    pages: &BTreeMap<u64, PageFacts>,
    latest: Stated,
    verified: &BTreeSet<u64>,
) -> Movement {
    let stale = pages
        .iter()
        .filter(|(_, facts)| facts.stated.disagrees(latest))
        .map(|(&page, facts)| (page, facts.stated))
        .collect();
    let overlaps = pages
        .iter()
        .zip(pages.iter().skip(1))
        .filter(|((&page, before), (&next, after))| {
            next == page + 1
                && !verified.contains(&page)
                && before.last.is_some()
                && before.last == after.first
        })
        .map(|((&page, _), _)| page)
        .collect();
    Movement { stale, overlaps }
}

/// The page count implied by a stated `total` and the page size, when both
/// are known (at least 1: an empty result is one empty page).
pub(crate) fn implied_pages(total: Option<u64>, per_page: Option<u64>) -> Option<u64> {
    match (total, per_page) {
        (Some(total), Some(per_page)) if per_page > 0 => Some(total.div_ceil(per_page).max(1)),
        _ => None,
    }
}

/// Whether a walk without `total_pages` ends after `page`, the last page
/// accepted (`facts`), given the page size when known and the records
/// received so far; and why. A walk also ends at a page that repeats the
/// one before it (the API clamps past its end), which the fetcher sees
/// when that page arrives.
pub(crate) fn walk_end(
    page: u64,
    facts: &PageFacts,
    per_page: Option<u64>,
    received: u64,
) -> Option<WalkEnd> {
    let total = facts.stated.total;
    let implied = implied_pages(total, per_page);
    if implied.is_some_and(|last| page >= last) || total.is_some_and(|total| received >= total) {
        return Some(WalkEnd::StatedTotal);
    }
    if implied.is_some() {
        // The stated total says more pages exist: a short or empty page
        // before them is a failure the fetcher lists, not the end.
        return None;
    }
    if facts.records == 0 {
        return Some(WalkEnd::EmptyPage);
    }
    if per_page.is_some_and(|size| facts.records < size) {
        return Some(WalkEnd::ShortPage);
    }
    None
}

/// The stated total and the records received, when they differ; `None`
/// when they agree or the API stated no total.
pub(crate) fn count_mismatch(stated: Option<u64>, received: u64) -> Option<(u64, u64)> {
    stated
        .filter(|&stated| stated != received)
        .map(|stated| (stated, received))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stated(total: Option<u64>, total_pages: Option<u64>) -> Stated {
        Stated { total, total_pages }
    }

    /// A page of `records` records whose first and last are `first` and `last`.
    fn page(total: u64, records: u64, first: u64, last: u64) -> PageFacts {
        PageFacts {
            stated: stated(Some(total), Some(total.div_ceil(6))),
            records,
            fingerprint: Some(first * 1000 + last),
            first: Some(first),
            last: Some(last),
        }
    }

    /// A clean source of `total` records, 6 a page: record i's hash is i.
    fn clean(total: u64) -> BTreeMap<u64, PageFacts> {
        (1..=total.div_ceil(6))
            .map(|n| {
                let first = (n - 1) * 6 + 1;
                let last = (n * 6).min(total);
                (n, page(total, last - first + 1, first, last))
            })
            .collect()
    }

    #[test]
    fn a_stable_source_shows_no_movement() {
        let pages = clean(30);
        let latest = pages[&5].stated;
        assert!(movement(&pages, latest, &BTreeSet::new()).is_empty());
    }

    #[test]
    fn pages_stating_other_totals_are_fetched_again() {
        // A record was inserted after page 2: pages 3-6 state 31 records.
        let mut pages = clean(30);
        for n in 3..=5 {
            pages.get_mut(&n).unwrap().stated = stated(Some(31), Some(6));
        }
        let moved = movement(&pages, stated(Some(31), Some(6)), &BTreeSet::new());
        assert_eq!(
            moved.stale,
            [
                (1, stated(Some(30), Some(5))),
                (2, stated(Some(30), Some(5)))
            ]
        );
    }

    #[test]
    fn a_value_left_out_is_no_disagreement() {
        assert!(!stated(Some(30), None).disagrees(stated(Some(30), Some(5))));
        assert!(!stated(None, None).disagrees(stated(Some(30), Some(5))));
        assert!(stated(Some(30), None).disagrees(stated(Some(31), None)));
        assert!(stated(None, Some(5)).disagrees(stated(Some(30), Some(6))));
    }

    #[test]
    fn a_shifted_boundary_is_movement_until_verified() {
        // Page 3 starts with page 2's last record (12): the listing shifted.
        let mut pages = clean(30);
        pages.insert(3, page(30, 6, 12, 17));
        let latest = pages[&5].stated;
        let moved = movement(&pages, latest, &BTreeSet::new());
        assert_eq!(moved.overlaps, [2]);
        // Fetched again unchanged: the repeat is the source's own.
        assert!(movement(&pages, latest, &BTreeSet::from([2])).is_empty());
    }

    #[test]
    fn only_neighbouring_pages_overlap() {
        let mut pages = clean(30);
        pages.remove(&3);
        pages.insert(4, page(30, 6, 12, 23));
        assert!(movement(&pages, pages[&5].stated, &BTreeSet::new())
            .overlaps
            .is_empty());
        // Empty pages have no records to repeat.
        let mut empty = clean(12);
        empty.insert(3, PageFacts::default());
        empty.insert(4, PageFacts::default());
        assert!(movement(&empty, empty[&1].stated, &BTreeSet::new()).is_empty());
    }

    #[test]
    fn the_implied_page_count() {
        assert_eq!(implied_pages(Some(30), Some(6)), Some(5));
        assert_eq!(implied_pages(Some(31), Some(6)), Some(6));
        assert_eq!(implied_pages(Some(0), Some(6)), Some(1));
        assert_eq!(implied_pages(Some(30), None), None);
        assert_eq!(implied_pages(None, Some(6)), None);
        assert_eq!(implied_pages(Some(30), Some(0)), None);
    }

    #[test]
    fn where_a_walk_ends() {
        let facts = |total: Option<u64>, records: u64| PageFacts {
            stated: stated(total, None),
            records,
            ..PageFacts::default()
        };
        let cases = [
            // (page, total, records on it, per_page, received) → end
            (3, None, 0, Some(6), 12, Some(WalkEnd::EmptyPage)),
            (3, None, 6, Some(6), 18, None),
            (3, None, 2, Some(6), 14, Some(WalkEnd::ShortPage)),
            (3, None, 2, None, 14, None),
            (3, Some(30), 6, Some(6), 18, None),
            (5, Some(30), 6, Some(6), 30, Some(WalkEnd::StatedTotal)),
            (3, Some(18), 6, None, 18, Some(WalkEnd::StatedTotal)),
            (3, Some(20), 6, None, 18, None),
            // Duplicates count: 14 records received of the 14 stated.
            (3, Some(14), 2, Some(6), 14, Some(WalkEnd::StatedTotal)),
            // A short or empty page before the implied end is not the end.
            (2, Some(30), 2, Some(6), 8, None),
            (2, Some(30), 0, Some(6), 6, None),
            // Without the page size, an empty page ends it, total or not.
            (4, Some(30), 0, None, 18, Some(WalkEnd::EmptyPage)),
        ];
        for (page, total, records, per_page, received, expected) in cases {
            assert_eq!(
                walk_end(page, &facts(total, records), per_page, received),
                expected,
                "page {page}, total {total:?}, {records} records, per_page {per_page:?}, \
                 {received} received"
            );
        }
    }

    #[test]
    fn records_are_reconciled_with_the_stated_total_both_ways() {
        assert_eq!(count_mismatch(Some(30), 30), None);
        assert_eq!(count_mismatch(None, 28), None);
        assert_eq!(count_mismatch(Some(30), 28), Some((30, 28)));
        assert_eq!(count_mismatch(Some(30), 32), Some((30, 32)));
    }
}
