//! What the report's summaries count (quality buckets, issues per field,
//! the charted distributions, the enrichment), kept as counts that add up:
//! a part of a file counts its customers as it reads them, elsewhere and at
//! once with the other parts; the merge adds the parts' counts and takes
//! off each customer the deduper removes; the summaries are then read off
//! the sum, with no pass over every customer left on one thread. A run
//! read in one piece counts its customers once, at the end, the same way.

use crate::common::wire::{Wire, WireError, WireReader, Writer};
use crate::schema::{Choices, Kind, LineField, LINE};
use crate::source::mapping::Field;
use crate::transform::customer::{CustomerRef, Customers, Renumbering};
use crate::transform::quality::QualityBucket;

const FIELDS: usize = LineField::ALL.len();

/// The charted fields of the line with their choices, in the line's order.
pub(crate) fn charted() -> impl Iterator<Item = (LineField, &'static Choices)> {
    LINE.iter()
        .filter(|spec| spec.charted)
        .filter_map(|spec| match spec.kind {
            Kind::Enum(choices) => Some((spec.field, choices)),
            _ => None,
        })
}

/// [`charted`]'s fields, listed once (the counting reads them per customer).
fn charted_fields() -> &'static [LineField] {
    static FIELDS: std::sync::OnceLock<Vec<LineField>> = std::sync::OnceLock::new();
    FIELDS.get_or_init(|| charted().map(|(field, _)| field).collect())
}

/// Customers counted per what the summaries show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Counts {
    /// Per quality bucket, best first ([`QualityBucket::ALL`]).
    pub(crate) buckets: [usize; 3],
    /// Issues per scored field.
    pub(crate) issues: [usize; Field::ALL.len()],
    /// Per charted field ([`charted`]), customers per choice.
    pub(crate) labels: Vec<Vec<usize>>,
    /// Customers per email domain, by the domain's number in its store.
    pub(crate) domains: Vec<usize>,
    /// Per field of the line, customers whose value was drawn from the seed…
    pub(crate) drawn: [usize; FIELDS],
    /// …and whose value was derived from the source.
    pub(crate) derived: [usize; FIELDS],
}

impl Default for Counts {
    fn default() -> Self {
        Counts {
            buckets: [0; 3],
            issues: [0; Field::ALL.len()],
            labels: charted()
                .map(|(_, choices)| vec![0; choices.labels.len()])
                .collect(),
            domains: Vec::new(),
            drawn: [0; FIELDS],
            derived: [0; FIELDS],
        }
    }
}

impl Counts {
    /// Counts every customer of `customers`.
    pub(crate) fn of(customers: &Customers) -> Self {
        let mut counts = Counts::default();
        for customer in customers.iter() {
            counts.add(customer);
        }
        counts
    }

    /// Counts one customer more.
    pub(crate) fn add(&mut self, customer: CustomerRef<'_>) {
        self.count(customer, |n| *n = n.wrapping_add(1));
    }

    /// Counts one customer less (one removed as a duplicate). Counts wrap
    /// rather than fail: a part's counts taken off the wire are summed in
    /// any order, and bytes that are no part never panic.
    pub(crate) fn remove(&mut self, customer: CustomerRef<'_>) {
        self.count(customer, |n| *n = n.wrapping_sub(1));
    }

    // Every customer passes here (twice when removed as a duplicate), so
    // this reads the customer's codes and bits directly rather than through
    // `value` and the schema's filters: measured with callgrind on 100k
    // records, 284 instructions a customer before, ~1.4% of a run.
    fn count(&mut self, customer: CustomerRef<'_>, step: impl Fn(&mut usize)) {
        let bucket = match QualityBucket::of(customer.data_quality_score) {
            QualityBucket::High => 0,
            QualityBucket::Medium => 1,
            QualityBucket::Low => 2,
        };
        step(&mut self.buckets[bucket]);
        for issue in customer.quality_issues() {
            step(&mut self.issues[issue.field() as usize]);
        }
        for (&field, counts) in charted_fields().iter().zip(&mut self.labels) {
            if let Some(n) = customer
                .label_code(field)
                .and_then(|code| counts.get_mut(usize::from(code)))
            {
                step(n);
            }
        }
        let domain = customer.domain_index() as usize;
        if domain >= self.domains.len() {
            self.domains.resize(domain + 1, 0);
        }
        step(&mut self.domains[domain]);
        for field in customer.drawn.indices() {
            step(&mut self.drawn[field]);
        }
        for field in customer.derived.indices() {
            step(&mut self.derived[field]);
        }
    }

    /// Adds the counts of a part whose texts were taken as `renumbering`
    /// says (its domains are numbered differently here).
    ///
    /// # Errors
    /// [`WireError`] when the part counts a domain it does not have.
    pub(crate) fn add_part(
        &mut self,
        part: &Counts,
        renumbering: &Renumbering,
    ) -> Result<(), WireError> {
        let sum = |into: &mut [usize], from: &[usize]| {
            for (n, m) in into.iter_mut().zip(from) {
                *n = n.wrapping_add(*m);
            }
        };
        sum(&mut self.buckets, &part.buckets);
        sum(&mut self.issues, &part.issues);
        for (into, from) in self.labels.iter_mut().zip(&part.labels) {
            sum(into, from);
        }
        sum(&mut self.drawn, &part.drawn);
        sum(&mut self.derived, &part.derived);
        for (index, &n) in part.domains.iter().enumerate() {
            if n == 0 {
                continue;
            }
            let here = renumbering.domain(index).ok_or(WireError)? as usize;
            if here >= self.domains.len() {
                self.domains.resize(here + 1, 0);
            }
            self.domains[here] = self.domains[here].wrapping_add(n);
        }
        Ok(())
    }
}

impl Wire for Counts {
    fn put(&self, out: &mut Writer) {
        let list = |out: &mut Writer, values: &[usize]| {
            out.usize(values.len());
            for &n in values {
                out.usize(n);
            }
        };
        list(out, &self.buckets);
        list(out, &self.issues);
        for counts in &self.labels {
            list(out, counts);
        }
        out.list(&self.domains);
        list(out, &self.drawn);
        list(out, &self.derived);
    }

    fn take(from: &mut WireReader<'_>) -> Result<Self, WireError> {
        let list = |from: &mut WireReader<'_>, into: &mut [usize]| {
            if from.usize()? != into.len() {
                return Err(WireError);
            }
            into.iter_mut().try_for_each(|n| {
                *n = from.usize()?;
                Ok(())
            })
        };
        let mut counts = Counts::default();
        list(from, &mut counts.buckets)?;
        list(from, &mut counts.issues)?;
        for labels in &mut counts.labels {
            list(from, labels)?;
        }
        counts.domains = from.list()?;
        list(from, &mut counts.drawn)?;
        list(from, &mut counts.derived)?;
        Ok(counts)
    }
}
