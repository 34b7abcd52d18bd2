//! Turning one source record into a customer: field mapping, enrichment and
//! quality scoring, as one function ([`assess`]) of the record and the run.
//!
//! Customers are stored compactly: a [`Customer`] holds numbers and small
//! codes; its full name and email domain are numbers into tables of the
//! distinct names and domains of the [`Customers`] it belongs to, and the
//! values quoted by its issues live in one text buffer. A clean record
//! allocates nothing of its own, and a million customers are freed as a
//! handful of buffers.

use std::fmt;

use chrono::NaiveDate;

use crate::common::field::excerpt;
use crate::common::interner::Interner;
use crate::common::interner::Span;
use crate::common::order::{sort_keyed, sort_text_keyed, TextKeyed};
use crate::common::wire::{wire_fields, Wire, WireError, WireReader, Writer};
use crate::schema::{
    AcquisitionChannel, ActivityStatus, CustomerTier, EngagementLevel, LineField, MarketSegment,
};
use crate::source::mapping::Field;
use crate::source::record::{customer_id, SourceRecord};
use crate::transform::enrich::Seeded;
use crate::transform::quality::{
    check_avatar, check_email, check_engagement_score, check_last_login, check_name, score,
    Problem, QualityIssue, ShownProblem,
};

/// The value of `full_name` and `email_domain` when nothing usable was given.
pub(crate) const UNKNOWN: &str = "unknown";

/// What every record of a run is assessed against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Assessment {
    /// Seed of the seeded assignments.
    pub(crate) seed: u64,
    /// Reference date for `activity_status`.
    pub(crate) as_of: NaiveDate,
    /// Draw from the seed what the source lacks; off: `unknown`.
    pub(crate) simulate: bool,
}

/// Fields of the line, as bits (`1 << LineField as u16`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct LineBits(u16);

impl LineBits {
    fn insert(&mut self, field: LineField) {
        self.0 |= 1 << field as u16;
    }

    /// The fields in the set, as `field as usize`, in the line's order.
    pub(crate) fn indices(self) -> impl Iterator<Item = usize> {
        let mut bits = self.0;
        std::iter::from_fn(move || {
            (bits != 0).then(|| {
                let at = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                at
            })
        })
    }
}

/// One customer of the report, compact: its texts are in its [`Customers`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Customer {
    /// The input `id`.
    pub(crate) customer_id: u64,
    name: u32,
    domain: u32,
    /// From `engagement_score`, or seeded when it is absent.
    pub(crate) engagement_level: EngagementLevel,
    /// From `last_login`, or seeded when it is absent.
    pub(crate) activity_status: ActivityStatus,
    /// Seeded.
    pub(crate) acquisition_channel: AcquisitionChannel,
    /// Seeded.
    pub(crate) market_segment: MarketSegment,
    /// Seeded.
    pub(crate) customer_tier: CustomerTier,
    /// 100 minus 10 per quality issue.
    pub(crate) data_quality_score: u8,
    /// The fields whose value was drawn from the seed (simulated).
    pub(crate) drawn: LineBits,
    /// The fields derived from a source value (a score, a last login).
    pub(crate) derived: LineBits,
    issues_start: u32,
    issue_count: u8,
}

/// Customers and the texts they refer to.
#[derive(Debug)]
pub struct Customers {
    rows: Vec<Customer>,
    /// Values quoted by issues.
    text: String,
    names: Interner,
    /// Index 0 is `"unknown"`.
    domains: Interner,
    issues: Vec<QualityIssue>,
    as_of: NaiveDate,
    /// Reused for building a name, or lower-casing a domain, before it is looked up.
    scratch: String,
}

impl Customers {
    /// No customers yet, for a run with reference date `as_of`.
    pub(crate) fn new(as_of: NaiveDate) -> Self {
        let mut domains = Interner::default();
        domains.intern(UNKNOWN);
        Customers {
            rows: Vec::new(),
            text: String::new(),
            names: Interner::default(),
            domains,
            issues: Vec::new(),
            as_of,
            scratch: String::new(),
        }
    }

    /// Number of customers.
    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }

    /// The customer at `index`, with its texts.
    pub(crate) fn get(&self, index: usize) -> CustomerRef<'_> {
        CustomerRef {
            customer: &self.rows[index],
            customers: self,
        }
    }

    /// `customer` (made by [`assess`] into this store, kept here or not)
    /// with its texts.
    pub(crate) fn with<'c>(&'c self, customer: &'c Customer) -> CustomerRef<'c> {
        CustomerRef {
            customer,
            customers: self,
        }
    }

    /// Every customer, in order, with its texts.
    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = CustomerRef<'_>> + '_ {
        self.rows.iter().map(move |customer| CustomerRef {
            customer,
            customers: self,
        })
    }

    /// The compact customers, in order.
    pub(crate) fn rows(&self) -> &[Customer] {
        &self.rows
    }

    /// Keeps `customer` (made by [`assess`] into this store).
    pub(crate) fn push(&mut self, customer: Customer) {
        self.rows.push(customer);
    }

    /// Adds the texts of `from` (another run's store for the same reference
    /// date: a part of the same file) after this store's, and says how its
    /// customers are numbered here ([`Renumbering::apply`]). Taken in file
    /// order, parts leave this store as reading the file in one piece would:
    /// a name or domain is numbered by where it first appears in the file,
    /// and quoted values follow each other in file order. One lookup per
    /// distinct text, not per customer.
    pub(crate) fn take_texts(&mut self, from: &Customers) -> Renumbering {
        let names = (0..from.names.len() as u32)
            .map(|id| self.names.intern(from.names.get(id)))
            .collect();
        let domains = (0..from.domains.len() as u32)
            .map(|id| self.domains.intern(from.domains.get(id)))
            .collect();
        let issues_from = self.issues.len() as u32;
        let text_from = self.text.len() as u32;
        self.text.push_str(&from.text);
        self.issues
            .extend(from.issues.iter().map(|issue| QualityIssue {
                field: issue.field,
                problem: issue.problem.map_text(|span| Span {
                    start: span.start + text_from,
                    len: span.len,
                }),
            }));
        Renumbering {
            names,
            domains,
            issues_from,
        }
    }

    /// Puts `customer` in the place of the one at `index`.
    pub(crate) fn replace(&mut self, index: usize, customer: Customer) {
        self.rows[index] = customer;
    }

    /// Sorts the customers by full name, case-insensitively (as
    /// `str::to_lowercase` compares them), then by id.
    pub(crate) fn sort_by_name(&mut self) {
        // Names repeat, so the distinct names are ranked once (a name that
        // is already lower-case ASCII is its own key; the others are
        // lower-cased into one buffer), then customers sort by (rank, id).
        let mut lowered = String::new();
        let keys: Vec<(Span, bool)> = (0..self.names.len() as u32)
            .map(|id| {
                let name = self.names.get(id);
                if name
                    .bytes()
                    .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
                {
                    return (Span::default(), false);
                }
                let start = lowered.len() as u32;
                if name.is_ascii() {
                    lowered.extend(name.bytes().map(|b| char::from(b.to_ascii_lowercase())));
                } else {
                    lowered.push_str(&name.to_lowercase());
                }
                let len = lowered.len() as u32 - start;
                (Span { start, len }, true)
            })
            .collect();
        let key = |id: u32| -> &str {
            match keys[id as usize] {
                (span, true) => &lowered[span.start as usize..(span.start + span.len) as usize],
                (_, false) => self.names.get(id),
            }
        };
        // (key, name) pairs: the shared sort by text (`common::order`).
        let mut by_key: Vec<TextKeyed<'_>> = (0..self.names.len() as u32)
            .map(|id| (key(id), id))
            .collect();
        sort_text_keyed(&mut by_key);
        let mut rank = vec![0u32; by_key.len()];
        let mut current = 0;
        for (position, &(text, id)) in by_key.iter().enumerate() {
            if position > 0 && by_key[position - 1].0 != text {
                current += 1;
            }
            rank[id as usize] = current;
        }
        // Customers are placed by rank with a counting sort (source order
        // within a rank), then each rank's customers are sorted by id, which
        // source order usually already is.
        let mut starts = vec![0u32; rank.len() + 1];
        for customer in &self.rows {
            starts[rank[customer.name as usize] as usize + 1] += 1;
        }
        for at in 1..starts.len() {
            starts[at] += starts[at - 1];
        }
        let mut next = starts.clone();
        let mut order = vec![0u32; self.rows.len()];
        for (index, customer) in self.rows.iter().enumerate() {
            let slot = &mut next[rank[customer.name as usize] as usize];
            order[*slot as usize] = index as u32;
            *slot += 1;
        }
        let rows = &self.rows;
        let id = |index: u32| rows[index as usize].customer_id;
        let mut keyed = Vec::new();
        for bucket in starts.windows(2) {
            let group = &mut order[bucket[0] as usize..bucket[1] as usize];
            if !group.windows(2).all(|pair| id(pair[0]) <= id(pair[1])) {
                // Ids are unique here (one customer per id), so sorting
                // (id, index) pairs is sorting by id.
                keyed.clear();
                keyed.extend(group.iter().map(|&index| (id(index), index)));
                sort_keyed(&mut keyed);
                for (slot, &(_, index)) in group.iter_mut().zip(&keyed) {
                    *slot = index;
                }
            }
        }
        permute(&mut self.rows, order);
    }

    /// The text of a span.
    pub(crate) fn text(&self, span: Span) -> &str {
        let start = span.start as usize;
        self.text
            .get(start..start + span.len as usize)
            .unwrap_or("")
    }

    /// The text of a customer's name.
    pub(crate) fn name_of(&self, customer: &Customer) -> &str {
        self.names.get(customer.name)
    }

    /// The email domain (lower case) of a customer.
    pub(crate) fn domain_of(&self, customer: &Customer) -> &str {
        self.domains.get(customer.domain)
    }

    /// How many distinct texts a table holds.
    pub(crate) fn table_len(&self, table: TextTable) -> usize {
        match table {
            TextTable::Names => self.names.len(),
            TextTable::Domains => self.domains.len(),
        }
    }

    /// The text numbered `index` in a table.
    pub(crate) fn table_text(&self, table: TextTable, index: usize) -> &str {
        match table {
            TextTable::Names => self.names.get(index as u32),
            TextTable::Domains => self.domains.get(index as u32),
        }
    }

    /// A customer's issues.
    pub(crate) fn issues_of(&self, customer: &Customer) -> &[QualityIssue] {
        let start = customer.issues_start as usize;
        &self.issues[start..start + usize::from(customer.issue_count)]
    }

    /// The domain's entry, lower-cased first when it is not already.
    fn store_domain(&mut self, domain: &str) -> u32 {
        if domain
            .bytes()
            .all(|b| !b.is_ascii_uppercase() && b.is_ascii())
        {
            return self.domains.intern(domain);
        }
        self.scratch.clear();
        if domain.is_ascii() {
            self.scratch
                .extend(domain.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            self.scratch.push_str(&domain.to_lowercase());
        }
        let lower = std::mem::take(&mut self.scratch);
        let id = self.domains.intern(&lower);
        self.scratch = lower;
        id
    }
}

/// How the customers of one store are numbered in another that took its
/// texts ([`Customers::take_texts`]).
#[derive(Debug)]
pub(crate) struct Renumbering {
    names: Vec<u32>,
    domains: Vec<u32>,
    issues_from: u32,
}

impl Renumbering {
    /// The number here of domain `index` of the store the texts came from.
    pub(crate) fn domain(&self, index: usize) -> Option<u32> {
        self.domains.get(index).copied()
    }

    /// `customer` of the store the texts came from, as a customer of the
    /// store that took them.
    pub(crate) fn apply(&self, customer: &Customer) -> Customer {
        Customer {
            name: self.names[customer.name as usize],
            domain: self.domains[customer.domain as usize],
            issues_start: customer.issues_start + self.issues_from,
            ..*customer
        }
    }
}

/// Which of a run's tables of distinct texts a text is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextTable {
    /// Full names.
    Names,
    /// Email domains.
    Domains,
}

impl TextTable {
    /// Every table.
    pub(crate) const ALL: [TextTable; 2] = [TextTable::Names, TextTable::Domains];
}

/// The value of one field of a customer's line, by the field's kind
/// (see [`crate::schema::Kind`]).
#[derive(Debug, Clone, Copy)]
pub(crate) enum LineValue<'c> {
    /// `Kind::Id`.
    Id(u64),
    /// `Kind::Text`: the text, and where it is interned (so a writer can
    /// work out once per distinct text what it needs).
    Text {
        /// The text.
        text: &'c str,
        /// Its table.
        table: TextTable,
        /// Its number in the table.
        index: u32,
    },
    /// `Kind::Enum`: the label and its place among the field's choices.
    Label {
        /// As exported.
        label: &'static str,
        /// The same in quotes, as JSON writes it.
        quoted: &'static str,
        /// Its place in the field's `Choices`.
        code: u8,
    },
    /// `Kind::Score`.
    Score(u8),
    /// `Kind::Issues`: read with [`CustomerRef::quality_issues`].
    Issues(CustomerRef<'c>),
}

/// A customer with access to its texts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CustomerRef<'c> {
    customer: &'c Customer,
    customers: &'c Customers,
}

impl std::ops::Deref for CustomerRef<'_> {
    type Target = Customer;

    fn deref(&self) -> &Customer {
        self.customer
    }
}

impl<'c> CustomerRef<'c> {
    /// Trimmed first and last name, or `"unknown"`.
    pub(crate) fn full_name(&self) -> &'c str {
        self.customers.name_of(self.customer)
    }

    /// Lower-cased domain of a plausible email, or `"unknown"`.
    pub(crate) fn email_domain(&self) -> &'c str {
        self.customers.domain_of(self.customer)
    }

    /// The number of its email domain in its [`Customers`]' domains.
    pub(crate) fn domain_index(&self) -> u32 {
        self.customer.domain
    }

    /// The code of its value of `field` when `field` is an enumeration.
    #[inline]
    pub(crate) fn label_code(&self, field: LineField) -> Option<u8> {
        match self.value(field) {
            LineValue::Label { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The value of one field of its line: the one place that says which
    /// of a customer's values each field of the schema holds.
    #[inline(always)]
    pub(crate) fn value(&self, field: LineField) -> LineValue<'c> {
        macro_rules! label {
            ($value:expr) => {
                LineValue::Label {
                    label: $value.label(),
                    quoted: $value.quoted(),
                    code: $value.code(),
                }
            };
        }
        match field {
            LineField::CustomerId => LineValue::Id(self.customer_id),
            LineField::FullName => LineValue::Text {
                text: self.full_name(),
                table: TextTable::Names,
                index: self.customer.name,
            },
            LineField::EmailDomain => LineValue::Text {
                text: self.email_domain(),
                table: TextTable::Domains,
                index: self.customer.domain,
            },
            LineField::EngagementLevel => label!(self.engagement_level),
            LineField::ActivityStatus => label!(self.activity_status),
            LineField::AcquisitionChannel => label!(self.acquisition_channel),
            LineField::MarketSegment => label!(self.market_segment),
            LineField::CustomerTier => label!(self.customer_tier),
            LineField::DataQualityScore => LineValue::Score(self.data_quality_score),
            LineField::QualityIssues => LineValue::Issues(*self),
        }
    }

    /// One entry per deduction.
    pub(crate) fn quality_issues(&self) -> impl ExactSizeIterator<Item = IssueRef<'c>> + 'c {
        let customers = self.customers;
        customers
            .issues_of(self.customer)
            .iter()
            .map(move |issue| IssueRef { issue, customers })
    }
}

/// A quality issue with access to its quoted text; shown as in the report,
/// `"field: problem"`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IssueRef<'c> {
    issue: &'c QualityIssue,
    customers: &'c Customers,
}

impl IssueRef<'_> {
    /// The field that lost points.
    pub(crate) fn field(&self) -> Field {
        self.issue.field
    }

    /// What is wrong, e.g. `missing` or `invalid date '2024-13-45'`.
    pub(crate) fn problem(&self) -> ShownProblem<'_> {
        ShownProblem {
            problem: self
                .issue
                .problem
                .map_text(|span| self.customers.text(span)),
            as_of: self.customers.as_of,
        }
    }
}

impl fmt::Display for IssueRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.issue.field.name(), self.problem())
    }
}

/// The issues of the record being assessed, stored as they are found.
struct Issues<'s> {
    customers: &'s mut Customers,
    start: usize,
}

impl Issues<'_> {
    /// Passes a usable value on, or records why the field has none.
    fn note<T>(&mut self, field: Field, outcome: Result<T, Problem<&str>>) -> Option<T> {
        match outcome {
            Ok(value) => Some(value),
            Err(problem) => {
                let text = &mut self.customers.text;
                let problem = problem.map_text(|quoted| {
                    let cut = excerpt(quoted);
                    let start = text.len() as u32;
                    text.push_str(&cut);
                    Span {
                        start,
                        len: cut.len() as u32,
                    }
                });
                self.customers.issues.push(QualityIssue { field, problem });
                None
            }
        }
    }

    fn count(&self) -> usize {
        self.customers.issues.len() - self.start
    }
}

/// Maps, enriches and scores one record; its texts go into `customers`,
/// which must have been made for `run.as_of`.
///
/// # Errors
/// The rejection reason when the record has no valid `id`: without one it
/// cannot be a customer.
pub(crate) fn assess(
    record: &SourceRecord<'_>,
    run: &Assessment,
    customers: &mut Customers,
) -> Result<Customer, String> {
    let id = customer_id(record.value(Field::Id).as_ref())?;
    let start = customers.issues.len();
    let mut issues = Issues { customers, start };
    // A field the source does not have at all is not scored.
    let mapped = |field| record.mapped.contains(field);

    let first_name = record.value(Field::FirstName);
    let last_name = record.value(Field::LastName);
    let email = record.value(Field::Email);
    let first = match mapped(Field::FirstName) {
        true => issues.note(Field::FirstName, check_name(first_name.as_ref())),
        false => None,
    };
    let last = match mapped(Field::LastName) {
        true => issues.note(Field::LastName, check_name(last_name.as_ref())),
        false => None,
    };
    let domain = match mapped(Field::Email) {
        true => issues.note(Field::Email, check_email(email.as_ref())),
        false => None,
    };
    if mapped(Field::Avatar) {
        issues.note(
            Field::Avatar,
            check_avatar(record.value(Field::Avatar).as_ref()),
        );
    }

    // What the source lacks is drawn from the seed, and said so; or,
    // when the run does not simulate, `unknown`.
    let (mut drawn, mut derived) = (LineBits::default(), LineBits::default());
    fn draw<T: Seeded>(run: &Assessment, id: u64, drawn: &mut LineBits) -> T {
        if run.simulate {
            drawn.insert(T::FIELD);
            T::seeded(run.seed, id)
        } else {
            T::UNKNOWN
        }
    }
    let activity_status = match record.value(Field::LastLogin) {
        None => draw(run, id, &mut drawn),
        Some(value) => {
            derived.insert(LineField::ActivityStatus);
            issues
                .note(Field::LastLogin, check_last_login(&value, run.as_of))
                .map_or(ActivityStatus::Unknown, |date| {
                    ActivityStatus::from_last_login(date, run.as_of)
                })
        }
    };
    let engagement_level = match record.value(Field::EngagementScore) {
        None => draw(run, id, &mut drawn),
        Some(value) => {
            derived.insert(LineField::EngagementLevel);
            issues
                .note(Field::EngagementScore, check_engagement_score(&value))
                .map_or(EngagementLevel::Unknown, EngagementLevel::from_score)
        }
    };
    let acquisition_channel = draw::<AcquisitionChannel>(run, id, &mut drawn);
    let market_segment = draw::<MarketSegment>(run, id, &mut drawn);
    let customer_tier = draw::<CustomerTier>(run, id, &mut drawn);
    let issue_count = issues.count();

    let name = match (first, last) {
        (Some(first), Some(last)) => {
            let mut full = std::mem::take(&mut customers.scratch);
            full.clear();
            full.push_str(first);
            full.push(' ');
            full.push_str(last);
            let id = customers.names.intern(&full);
            customers.scratch = full;
            id
        }
        (Some(only), None) | (None, Some(only)) => customers.names.intern(only),
        (None, None) => customers.names.intern(UNKNOWN),
    };
    let domain = domain.map_or(0, |domain| customers.store_domain(domain));
    Ok(Customer {
        customer_id: id,
        name,
        domain,
        engagement_level,
        activity_status,
        acquisition_channel,
        market_segment,
        customer_tier,
        drawn,
        derived,
        data_quality_score: score(issue_count),
        issues_start: start as u32,
        issue_count: issue_count as u8,
    })
}

wire_fields!(Assessment {
    seed,
    as_of,
    simulate
});

/// A customer's five labels in two bytes (each label's code fits in 3
/// bits), its bits of the line as numbers.
impl Wire for Customer {
    fn put(&self, out: &mut Writer) {
        out.uint(self.customer_id);
        out.uint(u64::from(self.name));
        out.uint(u64::from(self.domain));
        out.u8(self.engagement_level.code() | self.activity_status.code() << 3);
        out.u8(self.acquisition_channel.code()
            | self.market_segment.code() << 3
            | self.customer_tier.code() << 6);
        out.u8(self.data_quality_score);
        out.uint(u64::from(self.drawn.0));
        out.uint(u64::from(self.derived.0));
        out.uint(u64::from(self.issues_start));
        out.u8(self.issue_count);
    }

    fn take(from: &mut WireReader<'_>) -> Result<Self, WireError> {
        let customer_id = from.uint()?;
        let name = from.u32()?;
        let domain = from.u32()?;
        let labels = from.u8()?;
        let more = from.u8()?;
        let label = |code: u8| code & 0b111;
        let bits = |n: u64| u16::try_from(n).map(LineBits).map_err(|_| WireError);
        Ok(Customer {
            customer_id,
            name,
            domain,
            engagement_level: EngagementLevel::from_code(label(labels)).ok_or(WireError)?,
            activity_status: ActivityStatus::from_code(label(labels >> 3)).ok_or(WireError)?,
            acquisition_channel: AcquisitionChannel::from_code(label(more)).ok_or(WireError)?,
            market_segment: MarketSegment::from_code(label(more >> 3)).ok_or(WireError)?,
            customer_tier: CustomerTier::from_code(more >> 6).ok_or(WireError)?,
            data_quality_score: from.u8()?,
            drawn: bits(from.uint()?)?,
            derived: bits(from.uint()?)?,
            issues_start: from.u32()?,
            issue_count: from.u8()?,
        })
    }
}

fn put_interner(interner: &Interner, out: &mut Writer) {
    let (text, spans) = interner.parts();
    out.str(text);
    out.usize(spans.len());
    for span in spans {
        out.uint(u64::from(span.start));
        out.uint(u64::from(span.len));
    }
}

fn take_interner(from: &mut WireReader<'_>) -> Result<Interner, WireError> {
    let text = from.str()?.to_owned();
    let count = from.usize()?;
    let mut spans = Vec::with_capacity(count.min(text.len() + 1));
    for _ in 0..count {
        spans.push(Span {
            start: from.u32()?,
            len: from.u32()?,
        });
    }
    Interner::from_parts(text, spans).ok_or(WireError)
}

impl Customers {
    /// Whether `customer` could be one of these customers: its name,
    /// domain and issues are in these tables (a customer read back from
    /// bytes is checked before it is used).
    pub(crate) fn holds(&self, customer: &Customer) -> bool {
        let issues_end =
            (customer.issues_start as usize).checked_add(usize::from(customer.issue_count));
        (customer.name as usize) < self.names.len()
            && (customer.domain as usize) < self.domains.len()
            && issues_end.is_some_and(|end| end <= self.issues.len())
    }
}

impl Customers {
    /// Writes everything but the customers themselves: the reference
    /// date and the tables of texts and issues they refer to.
    pub(crate) fn put_tables(&self, out: &mut Writer) {
        self.as_of.put(out);
        put_interner(&self.names, out);
        put_interner(&self.domains, out);
        out.str(&self.text);
        out.list(&self.issues);
    }

    /// A store with the tables [`Customers::put_tables`] wrote and no
    /// customers yet (each is checked against them, [`Customers::holds`]).
    pub(crate) fn take_tables(from: &mut WireReader<'_>) -> Result<Self, WireError> {
        let as_of = NaiveDate::take(from)?;
        let names = take_interner(from)?;
        let domains = take_interner(from)?;
        let text = from.str()?.to_owned();
        let issues: Vec<QualityIssue> = from.list()?;
        // A quoted text must be within the text store.
        let within = |span: Span| {
            let start = span.start as usize;
            start
                .checked_add(span.len as usize)
                .and_then(|end| text.get(start..end))
                .is_some()
        };
        let mut spans_ok = true;
        for issue in &issues {
            issue.problem.map_text(|span| spans_ok &= within(span));
        }
        if !spans_ok || domains.len() == 0 || domains.get(0) != UNKNOWN {
            return Err(WireError);
        }
        Ok(Customers {
            rows: Vec::new(),
            text,
            names,
            domains,
            issues,
            as_of,
            scratch: String::new(),
        })
    }
}

/// A whole store: its tables, then its customers, each checked against
/// the tables when taken. How a run made by the page's upload module is
/// handed to the module that compares (`compare::RunSide`).
impl Wire for Customers {
    fn put(&self, out: &mut Writer) {
        self.put_tables(out);
        out.list(&self.rows);
    }

    fn take(from: &mut WireReader<'_>) -> Result<Self, WireError> {
        let mut customers = Customers::take_tables(from)?;
        let rows: Vec<Customer> = from.list()?;
        if !rows.iter().all(|customer| customers.holds(customer)) {
            return Err(WireError);
        }
        customers.rows = rows;
        Ok(customers)
    }
}

/// Puts `rows` in `order` (`order[k]` is the index of the row that goes to
/// `k`; every index once) in place, one cycle of the permutation at a time:
/// a second vector of a million rows would add its 32 MB to the peak
/// memory of the run (measured in the page: +30 MB in some runs).
fn permute<T: Copy>(rows: &mut [T], mut order: Vec<u32>) {
    const PLACED: u32 = u32::MAX;
    for start in 0..order.len() {
        if order[start] == PLACED {
            continue;
        }
        let first = rows[start];
        let mut at = start;
        loop {
            let from = std::mem::replace(&mut order[at], PLACED) as usize;
            if from == start {
                rows[at] = first;
                break;
            }
            rows[at] = rows[from];
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::record::InputObject;

    const RUN: Assessment = Assessment {
        seed: 42,
        as_of: match NaiveDate::from_ymd_opt(2026, 11, 24) {
            Some(date) => date,
            None => NaiveDate::MIN,
        },
        simulate: true,
    };

    #[test]
    fn permute_places_each_row_where_the_order_says() {
        // Orders with one cycle, several cycles, fixed points, and none.
        let orders: [&[u32]; 5] = [
            &[1, 2, 3, 4, 0],
            &[1, 0, 3, 2, 4],
            &[0, 1, 2],
            &[4, 3, 2, 1, 0],
            &[],
        ];
        for order in orders {
            let rows: Vec<char> = ('a'..).take(order.len()).collect();
            let gathered: Vec<char> = order.iter().map(|&i| rows[i as usize]).collect();
            let mut permuted = rows.clone();
            permute(&mut permuted, order.to_vec());
            assert_eq!(permuted, gathered, "order {order:?}");
        }
        let mut rows = vec!['a', 'b', 'c'];
        permute(&mut rows, vec![2, 0, 1]);
        assert_eq!(rows, ['c', 'a', 'b']);
    }

    #[test]
    fn line_bits_list_the_fields_they_hold_and_no_other() {
        let mut bits = LineBits::default();
        assert_eq!(bits.indices().count(), 0);
        for field in [
            LineField::CustomerTier,
            LineField::CustomerId,
            LineField::QualityIssues,
        ] {
            bits.insert(field);
        }
        assert_eq!(
            bits.indices().collect::<Vec<usize>>(),
            [
                LineField::CustomerId as usize,
                LineField::CustomerTier as usize,
                LineField::QualityIssues as usize
            ]
        );
    }

    /// Assesses one record into a fresh store; the customer is its only row.
    fn assess_json(json: &str) -> Result<Customers, String> {
        let object: InputObject = serde_json::from_str(json).expect("test input is valid");
        let mut customers = Customers::new(RUN.as_of);
        let customer = assess(&object.record, &RUN, &mut customers)?;
        customers.push(customer);
        Ok(customers)
    }

    fn issues(customers: &Customers) -> Vec<String> {
        customers
            .get(0)
            .quality_issues()
            .map(|issue| issue.to_string())
            .collect()
    }

    const GEORGE: &str = r#"{"id": 1, "email": "george.bluth@reqres.in", "first_name": "George",
        "last_name": "Bluth", "avatar": "https://reqres.in/img/faces/1-image.jpg",
        "last_login": "2026-11-20T09:15:00Z", "engagement_score": 82}"#;

    #[test]
    fn a_complete_record_maps_every_field() {
        let customers = assess_json(GEORGE).unwrap();
        let customer = customers.get(0);
        assert_eq!(customer.customer_id, 1);
        assert_eq!(customer.full_name(), "George Bluth");
        assert_eq!(customer.email_domain(), "reqres.in");
        assert_eq!(customer.engagement_level, EngagementLevel::High);
        assert_eq!(customer.activity_status, ActivityStatus::Active);
        assert_eq!(
            customer.acquisition_channel,
            AcquisitionChannel::seeded(42, 1)
        );
        assert_eq!(customer.market_segment, MarketSegment::seeded(42, 1));
        assert_eq!(customer.customer_tier, CustomerTier::seeded(42, 1));
        assert_eq!(customer.data_quality_score, 100);
        assert_eq!(customer.quality_issues().len(), 0);
    }

    #[test]
    fn ids_table() {
        let cases: [(&str, Result<u64, &str>); 11] = [
            (
                r#"{"id": 1e400}"#,
                Err("id: not a positive integer (1e400)"),
            ),
            (r#"{"id": 7}"#, Ok(7)),
            (r#"{"id": "12"}"#, Ok(12)),
            (r#"{"id": "007"}"#, Ok(7)),
            (r#"{}"#, Err("id: missing")),
            (r#"{"id": null}"#, Err("id: null")),
            (r#"{"id": 0}"#, Err("id: not a positive integer (0)")),
            (r#"{"id": -3}"#, Err("id: not a positive integer (-3)")),
            (r#"{"id": 1.5}"#, Err("id: not a positive integer (1.5)")),
            (
                r#"{"id": "12a"}"#,
                Err("id: not a positive integer ('12a')"),
            ),
            (
                r#"{"id": [1]}"#,
                Err("id: expected a positive integer, found an array"),
            ),
        ];
        for (json, expected) in cases {
            let got = assess_json(json).map(|c| c.get(0).customer_id);
            assert_eq!(got, expected.map_err(str::to_owned), "{json}");
        }
        assert_eq!(
            assess_json(r#"{"id": "99999999999999999999"}"#).unwrap_err(),
            "id: not a positive integer ('99999999999999999999')"
        );
    }

    #[test]
    fn full_name_uses_what_is_present() {
        let name = |json| assess_json(json).unwrap().get(0).full_name().to_owned();
        assert_eq!(
            name(r#"{"id":1,"first_name":" Janet ","last_name":" Weaver "}"#),
            "Janet Weaver"
        );
        assert_eq!(name(r#"{"id":1,"first_name":"Janet"}"#), "Janet");
        assert_eq!(
            name(r#"{"id":1,"last_name":"Weaver","first_name":"  "}"#),
            "Weaver"
        );
        assert_eq!(
            name(r#"{"id":1,"first_name":null,"last_name":5}"#),
            "unknown"
        );
    }

    #[test]
    fn email_domain_is_lower_case_or_unknown() {
        let domain = |json| assess_json(json).unwrap().get(0).email_domain().to_owned();
        assert_eq!(
            domain(r#"{"id":1,"email":"Emma.Wong@ReqRes.in"}"#),
            "reqres.in"
        );
        assert_eq!(domain(r#"{"id":1,"email":"a@ÉCOLE.fr"}"#), "école.fr");
        assert_eq!(domain(r#"{"id":1,"email":"emma.wong"}"#), "unknown");
        assert_eq!(domain(r#"{"id":1}"#), "unknown");
    }

    #[test]
    fn domains_are_stored_once() {
        let mut customers = Customers::new(RUN.as_of);
        for json in [
            r#"{"id": 1, "email": "a@x.org"}"#,
            r#"{"id": 2, "email": "b@X.ORG"}"#,
            r#"{"id": 3, "email": "c@y.org"}"#,
        ] {
            let object: InputObject = serde_json::from_str(json).unwrap();
            let customer = assess(&object.record, &RUN, &mut customers).unwrap();
            customers.push(customer);
        }
        let domains: Vec<&str> = customers.iter().map(|c| c.email_domain()).collect();
        assert_eq!(domains, ["x.org", "x.org", "y.org"]);
        assert_eq!(
            customers.table_len(TextTable::Domains),
            3,
            "unknown, x.org, y.org"
        );
    }

    #[test]
    fn engagement_level_present_absent_and_invalid() {
        let level = |json| assess_json(json).unwrap().get(0).engagement_level;
        assert_eq!(
            level(r#"{"id":1,"engagement_score":40}"#),
            EngagementLevel::Medium
        );
        assert_eq!(
            level(r#"{"id":1,"engagement_score":12.5}"#),
            EngagementLevel::Low
        );
        assert_eq!(
            level(r#"{"id":1,"engagement_score":null}"#),
            EngagementLevel::Unknown
        );
        assert_eq!(
            level(r#"{"id":1,"engagement_score":"80"}"#),
            EngagementLevel::Unknown
        );
        assert_eq!(
            level(r#"{"id":1,"engagement_score":101}"#),
            EngagementLevel::Unknown
        );
        assert_eq!(level(r#"{"id":1}"#), EngagementLevel::seeded(42, 1));
        assert_ne!(EngagementLevel::seeded(42, 1), EngagementLevel::Unknown);
    }

    #[test]
    fn activity_status_present_absent_and_invalid() {
        let status = |json| assess_json(json).unwrap().get(0).activity_status;
        assert_eq!(
            status(r#"{"id":1,"last_login":"2026-10-25"}"#),
            ActivityStatus::Active
        );
        assert_eq!(
            status(r#"{"id":1,"last_login":"2026-10-24T23:59:59Z"}"#),
            ActivityStatus::Inactive
        );
        assert_eq!(
            status(r#"{"id":1,"last_login":null}"#),
            ActivityStatus::Unknown
        );
        assert_eq!(
            status(r#"{"id":1,"last_login":"2024-13-45"}"#),
            ActivityStatus::Unknown
        );
        assert_eq!(
            status(r#"{"id":1,"last_login":"2026-11-25"}"#),
            ActivityStatus::Unknown
        );
        assert_eq!(status(r#"{"id":1}"#), ActivityStatus::seeded(42, 1));
        assert_ne!(ActivityStatus::seeded(42, 1), ActivityStatus::Unknown);
    }

    #[test]
    fn each_issue_costs_ten_points_and_is_explained() {
        let customers = assess_json(
            r#"{"id": 3, "first_name": "", "email": "nope", "avatar": "x",
                "last_login": "2024-13-45", "engagement_score": null}"#,
        )
        .unwrap();
        assert_eq!(
            issues(&customers),
            [
                "first_name: empty",
                "last_name: missing",
                "email: invalid address 'nope'",
                "avatar: not an absolute http(s) URL 'x'",
                "last_login: invalid date '2024-13-45'",
                "engagement_score: null",
            ]
        );
        assert_eq!(customers.get(0).data_quality_score, 40);
        let after =
            assess_json(r#"{"id": 1, "last_login": "2026-11-25", "engagement_score": 150.5}"#)
                .unwrap();
        assert_eq!(
            issues(&after)[4..],
            [
                "last_login: after as_of 2026-11-24 ('2026-11-25')",
                "engagement_score: out of range 0-100 (150.5)"
            ]
        );
    }

    #[test]
    fn quoted_values_are_cut_at_forty_characters() {
        let long = "x".repeat(50);
        let customers = assess_json(&format!(r#"{{"id": 1, "email": "{long}"}}"#)).unwrap();
        assert_eq!(
            issues(&customers)[2],
            format!("email: invalid address '{}…'", "x".repeat(40))
        );
    }

    #[test]
    fn numbers_out_of_range_are_invalid_fields_not_rejections() {
        let customers =
            assess_json(r#"{"id": 4, "engagement_score": 1e400, "first_name": -1e999}"#)
                .expect("the record is kept");
        let found = issues(&customers);
        assert_eq!(
            found[..2],
            [
                "first_name: expected a string, found a number",
                "last_name: missing"
            ]
        );
        assert!(
            found.contains(&"engagement_score: out of range 0-100 (1e400)".to_string()),
            "{found:?}"
        );
        assert_eq!(customers.get(0).engagement_level, EngagementLevel::Unknown);
    }

    #[test]
    fn absent_optional_fields_cost_nothing() {
        let customers = assess_json(
            r#"{"id": 1, "email": "george.bluth@reqres.in", "first_name": "George",
                "last_name": "Bluth", "avatar": "https://reqres.in/img/faces/1-image.jpg"}"#,
        )
        .unwrap();
        assert_eq!(customers.get(0).data_quality_score, 100);
        let customers = assess_json(r#"{"id": 1}"#).unwrap();
        assert_eq!(
            issues(&customers),
            [
                "first_name: missing",
                "last_name: missing",
                "email: missing",
                "avatar: missing"
            ]
        );
        assert_eq!(customers.get(0).data_quality_score, 60);
    }

    #[test]
    fn the_sort_equals_sorting_by_lower_case_name_then_id() {
        // Random names from a small alphabet (so that names and keys repeat,
        // differ only in case, or are non-ASCII) and random ids.
        let mut rng = crate::common::hash::SplitMix64::new(7);
        let letters = ["a", "B", "b", "Σ", "σ", "É", "e", " "];
        let mut customers = Customers::new(RUN.as_of);
        for _ in 0..3000 {
            let name: String = (0..1 + rng.below(4))
                .map(|_| letters[rng.below(letters.len() as u64) as usize])
                .collect();
            let id = 1 + rng.below(5000);
            let json = format!(r#"{{"id": {id}, "first_name": "x{name}"}}"#);
            let object: InputObject = serde_json::from_str(&json).unwrap();
            let customer = assess(&object.record, &RUN, &mut customers).unwrap();
            customers.push(customer);
        }
        let mut expected: Vec<(String, u64)> = customers
            .iter()
            .map(|c| (c.full_name().to_lowercase(), c.customer_id))
            .collect();
        expected.sort();
        customers.sort_by_name();
        let got: Vec<(String, u64)> = customers
            .iter()
            .map(|c| (c.full_name().to_lowercase(), c.customer_id))
            .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn a_clean_customer_is_small() {
        assert!(
            std::mem::size_of::<Customer>() <= 48,
            "{}",
            std::mem::size_of::<Customer>()
        );
    }
}
