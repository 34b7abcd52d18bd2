//! The report's customer line, declared once.
//!
//! [`LINE`] gives each field of a customer line its key, its names for
//! people, the kind of value it holds, where the value comes from, and
//! whether it is sorted and charted. The kind decides how the value is
//! written (JSON and CSV), read back (an earlier report, by compare),
//! sorted, searched and shown; nothing else names a field of the line:
//! the report's JSON and CSV writers, the customer table, compare, the
//! distributions and the vocabulary all iterate over [`LINE`], and the page
//! keys everything from the exported vocabulary.
//!
//! The sets of values of the enumerated fields ([`EngagementLevel`] and
//! the others) are declared here too, with their labels as exported; the
//! rules that choose a value live with the stage that computes it
//! (`transform::enrich`).
//!
//! Adding a field to the line: its name in `for_line_fields!` (which
//! declares [`LineField`]), its entry in [`LINE`], its value in the
//! customer stage (`CustomerRef::value`), and tests. The compiler points at the customer stage; a test checks that
//! [`LINE`] lists every field once, in order.

use serde::Serialize;

/// Expands `$apply!` with every field of the line, in order: the one list
/// of the line's fields, from which [`LineField`] is declared, and for
/// code that is written out per field at compile time: the report's
/// writer, whose per-field work then folds to straight-line code (a loop
/// over [`LINE`] cost it 4% of a whole run, callgrind on 100k records).
macro_rules! for_line_fields {
    ($apply:ident) => {
        $apply! {
            CustomerId,
            FullName,
            EmailDomain,
            EngagementLevel,
            ActivityStatus,
            AcquisitionChannel,
            MarketSegment,
            CustomerTier,
            DataQualityScore,
            QualityIssues
        }
    };
}
pub(crate) use for_line_fields;

macro_rules! declare_line_field {
    ($($field:ident),+) => {
        /// A field of the customer line, in the report's order; its key
        /// and everything else about it are in [`LINE`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub(crate) enum LineField {
            $($field),+
        }
    };
}
for_line_fields!(declare_line_field);

/// The values an enumerated field may hold, as exported, and how a
/// message says them.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Choices {
    /// The labels, in the order the dashboard shows them.
    pub(crate) labels: &'static [&'static str],
    /// `one of high, medium, low, unknown`.
    pub(crate) expected: &'static str,
}

impl Choices {
    /// The length of the longest label, in characters.
    pub(crate) fn longest(&self) -> usize {
        self.labels
            .iter()
            .map(|label| label.chars().count())
            .max()
            .unwrap_or(0)
    }
}

/// What a field holds; it decides how the value is written, read back,
/// sorted, searched and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The customer's id: a positive whole number (text in the page's rows,
    /// which JavaScript numbers cannot hold above 2^53); searched whole.
    Id,
    /// Free text: escaped in JSON, quoted in CSV, sorted and searched
    /// without regard to case.
    Text,
    /// A domain name: written, sorted and searched as [`Kind::Text`], but
    /// shown breaking only after its dots (never mid-label).
    Domain,
    /// One of fixed labels: written as it is, sorted by label, charted.
    Enum(&'static Choices),
    /// A score from 0 to 100.
    Score,
    /// A list of texts: a JSON array of strings, one CSV cell joined with `; `.
    Issues,
}

impl Kind {
    /// The kind's name in the vocabulary (`id`, `text`, `enum`, `score`, `issues`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Id => "id",
            Kind::Text => "text",
            Kind::Domain => "domain",
            Kind::Enum(_) => "enum",
            Kind::Score => "score",
            Kind::Issues => "issues",
        }
    }

    /// How a table shows the kind: ids, labels and scores on one line, a
    /// domain broken at its dots, names at spaces, lists one item a line.
    /// The widths fit the values the kind holds at the table's font: a
    /// 13-digit id, the longest label of an enumerated field and
    /// `100 medium` stay whole; a list of issues, mostly empty, starts
    /// narrower than a domain and shares what is left with the texts.
    pub(crate) fn layout(self) -> ColumnLayout {
        let (min_rem, share, wrap) = match self {
            // Values of a known width take no share of what is left.
            Kind::Id => (8.0, 0.0, Wrap::Never),
            Kind::Text => (7.5, 1.0, Wrap::Words),
            Kind::Domain => (10.0, 1.0, Wrap::Dots),
            Kind::Enum(choices) => (text_rem(choices.longest()), 0.0, Wrap::Never),
            Kind::Score => (7.0, 0.0, Wrap::Never),
            Kind::Issues => (8.0, 1.0, Wrap::Lines),
        };
        ColumnLayout {
            min_rem,
            share,
            wrap,
        }
    }
}

/// About how wide, in rem, a cell holding `chars` characters of the
/// table's text is: 0.5 rem a character (the table's 0.85 rem font, wide
/// fonts included) and 1 rem of padding.
pub(crate) fn text_rem(chars: usize) -> f64 {
    chars as f64 * 0.5 + 1.0
}

/// Where a table cell's text may break onto another line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Wrap {
    /// Nowhere: one line (ids, labels, scores).
    Never,
    /// Only after a dot (domains).
    Dots,
    /// At spaces (names, sentences).
    Words,
    /// One item a line (lists).
    Lines,
}

/// How a table column shows its values: its least width (in rem, the
/// root font size), its share of the width left over, and where its text
/// may break.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub(crate) struct ColumnLayout {
    /// The least width, in rem.
    pub(crate) min_rem: f64,
    /// Its share of the width beyond every column's least (a CSS `fr`).
    pub(crate) share: f64,
    /// Where its text may break.
    pub(crate) wrap: Wrap,
}

/// Where a field's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Origin {
    /// Read from the source (cleaned).
    Source,
    /// Computed from the source (the score and its reasons).
    Derived,
    /// Computed from a source field when the source has it, else drawn
    /// from the seed.
    DerivedOrSeeded,
    /// Always drawn from the seed: not data.
    Seeded,
}

impl Origin {
    /// Whether the seed can decide the value.
    pub(crate) fn depends_on_seed(self) -> bool {
        matches!(self, Origin::DerivedOrSeeded | Origin::Seeded)
    }
}

/// One field of the line.
#[derive(Debug)]
pub(crate) struct FieldSpec {
    /// The field.
    pub(crate) field: LineField,
    /// Its key in the report, the CSV header and the page's rows.
    pub(crate) key: &'static str,
    /// `,"key":`, what opens the field in a JSON line after the first.
    pub(crate) json_key: &'static str,
    /// Its column heading in the page's tables.
    pub(crate) heading: &'static str,
    /// Its name in titles and charts.
    pub(crate) title: &'static str,
    /// What it holds.
    pub(crate) kind: Kind,
    /// Where its value comes from.
    pub(crate) origin: Origin,
    /// Whether the customer table sorts by it.
    pub(crate) sortable: bool,
    /// Whether the dashboard charts it (and `metadata.distributions` counts it).
    pub(crate) charted: bool,
    /// Whether it names the customer beside a change (the changes file's
    /// `changed` lines and the page's table of changes).
    pub(crate) identifies: bool,
}

/// One entry of [`LINE`]: sortable unless a list, charted when enumerated.
macro_rules! spec {
    ($field:ident, $key:literal, $heading:literal, $title:literal, $kind:expr, $origin:expr $(,)?) => {
        FieldSpec {
            field: LineField::$field,
            key: $key,
            json_key: concat!(",\"", $key, "\":"),
            heading: $heading,
            title: $title,
            kind: $kind,
            origin: $origin,
            sortable: !matches!($kind, Kind::Issues),
            charted: matches!($kind, Kind::Enum(_)),
            identifies: matches!(
                LineField::$field,
                LineField::CustomerId | LineField::FullName
            ),
        }
    };
}

/// The customer line, in the report's order.
pub(crate) const LINE: [FieldSpec; 10] = [
    spec!(
        CustomerId,
        "customer_id",
        "ID",
        "Customer ID",
        Kind::Id,
        Origin::Source,
    ),
    spec!(
        FullName,
        "full_name",
        "Name",
        "Full name",
        Kind::Text,
        Origin::Source,
    ),
    spec!(
        EmailDomain,
        "email_domain",
        "Email domain",
        "Email domain",
        Kind::Domain,
        Origin::Source,
    ),
    spec!(
        EngagementLevel,
        "engagement_level",
        "Engagement",
        "Engagement level",
        Kind::Enum(&EngagementLevel::CHOICES),
        Origin::DerivedOrSeeded,
    ),
    spec!(
        ActivityStatus,
        "activity_status",
        "Activity",
        "Activity status",
        Kind::Enum(&ActivityStatus::CHOICES),
        Origin::DerivedOrSeeded,
    ),
    spec!(
        AcquisitionChannel,
        "acquisition_channel",
        "Channel",
        "Acquisition channel",
        Kind::Enum(&AcquisitionChannel::CHOICES),
        Origin::Seeded,
    ),
    spec!(
        MarketSegment,
        "market_segment",
        "Segment",
        "Market segment",
        Kind::Enum(&MarketSegment::CHOICES),
        Origin::Seeded,
    ),
    spec!(
        CustomerTier,
        "customer_tier",
        "Tier",
        "Customer tier",
        Kind::Enum(&CustomerTier::CHOICES),
        Origin::Seeded,
    ),
    spec!(
        DataQualityScore,
        "data_quality_score",
        "Quality",
        "Data quality score",
        Kind::Score,
        Origin::Derived,
    ),
    spec!(
        QualityIssues,
        "quality_issues",
        "Issues",
        "Quality issues",
        Kind::Issues,
        Origin::Derived,
    ),
];

macro_rules! all_fields {
    ($($field:ident),+) => {
        [$(LineField::$field),+]
    };
}

impl LineField {
    /// Every field, in the report's order.
    pub(crate) const ALL: [LineField; LINE.len()] = for_line_fields!(all_fields);

    /// The field's declaration.
    #[inline]
    pub(crate) const fn spec(self) -> &'static FieldSpec {
        &LINE[self as usize]
    }

    /// Its key in the report.
    pub(crate) const fn key(self) -> &'static str {
        self.spec().key
    }

    /// The field with this key, if there is one.
    pub(crate) fn from_key(key: &str) -> Option<LineField> {
        LINE.iter()
            .find(|spec| spec.key == key)
            .map(|spec| spec.field)
    }
}

/// The exported labels of an enumerated field's values: defined once here
/// (the report, the CSV, compare and the page all take them from here).
macro_rules! choices {
    ($ty:ident { $first:ident => $first_label:literal $(, $variant:ident => $label:literal)* $(,)? }) => {
        impl $ty {
            /// Every value, in the order the dashboard shows them.
            #[cfg(test)]
            pub(crate) const ALL: &'static [$ty] = &[$ty::$first $(, $ty::$variant)*];

            /// The labels, and how a message says them.
            pub(crate) const CHOICES: Choices = Choices {
                labels: &[$first_label $(, $label)*],
                expected: concat!("one of ", $first_label $(, ", ", $label)*),
            };

            /// The value as exported, e.g. in the report and the CSV.
            pub(crate) fn label(self) -> &'static str {
                match self {
                    $ty::$first => $first_label,
                    $($ty::$variant => $label),*
                }
            }

            /// The label in quotes, as a JSON string (labels need no escaping).
            pub(crate) fn quoted(self) -> &'static str {
                match self {
                    $ty::$first => concat!("\"", $first_label, "\""),
                    $($ty::$variant => concat!("\"", $label, "\"")),*
                }
            }

            /// Its place in [`Self::ALL`].
            pub(crate) fn code(self) -> u8 {
                self as u8
            }

            /// The value at place `code` (as [`Self::code`] gives it), if any.
            pub(crate) fn from_code(code: u8) -> Option<Self> {
                [$ty::$first $(, $ty::$variant)*].get(usize::from(code)).copied()
            }
        }

        impl Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.label())
            }
        }
    };
}

/// How engaged a customer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum EngagementLevel {
    /// `engagement_score` ≥ 70.
    High,
    /// `engagement_score` ≥ 40.
    Medium,
    /// `engagement_score` below 40.
    Low,
    /// The score was present but null or invalid.
    Unknown,
}

/// Whether a customer logged in recently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ActivityStatus {
    /// Last login within the active window before `as_of`.
    Active,
    /// Last login longer ago.
    Inactive,
    /// `last_login` was present but null, invalid or after `as_of`.
    Unknown,
}

/// Where the customer came from (always seeded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum AcquisitionChannel {
    /// `website`
    Website,
    /// `mobile_app`
    MobileApp,
    /// `email_campaign`
    EmailCampaign,
    /// Not drawn: the run does not simulate what the source lacks.
    Unknown,
}

/// The customer's market (always seeded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum MarketSegment {
    /// `US-West`
    UsWest,
    /// `US-East`
    UsEast,
    /// `EU-Central`
    EuCentral,
    /// `APAC`
    Apac,
    /// Not drawn: the run does not simulate what the source lacks.
    Unknown,
}

/// The customer's commercial tier (always seeded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum CustomerTier {
    /// `basic`
    Basic,
    /// `premium`
    Premium,
    /// `enterprise`
    Enterprise,
    /// Not drawn: the run does not simulate what the source lacks.
    Unknown,
}

// Listed in declaration order: a value's code is its place.
choices!(EngagementLevel {
    High => "high",
    Medium => "medium",
    Low => "low",
    Unknown => "unknown",
});
choices!(ActivityStatus {
    Active => "active",
    Inactive => "inactive",
    Unknown => "unknown",
});
choices!(AcquisitionChannel {
    Website => "website",
    MobileApp => "mobile_app",
    EmailCampaign => "email_campaign",
    Unknown => "unknown",
});
choices!(MarketSegment {
    UsWest => "US-West",
    UsEast => "US-East",
    EuCentral => "EU-Central",
    Apac => "APAC",
    Unknown => "unknown",
});
choices!(CustomerTier {
    Basic => "basic",
    Premium => "premium",
    Enterprise => "enterprise",
    Unknown => "unknown",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_lists_every_field_once_in_order() {
        for (index, spec) in LINE.iter().enumerate() {
            assert_eq!(spec.field as usize, index, "{}", spec.key);
            assert_eq!(LineField::ALL[index], spec.field);
            assert_eq!(LineField::from_key(spec.key), Some(spec.field));
        }
        assert_eq!(LineField::from_key("quality_bucket"), None);
    }

    #[test]
    fn codes_are_places_and_labels_are_the_exported_words() {
        for (code, value) in EngagementLevel::ALL.iter().enumerate() {
            assert_eq!(value.code() as usize, code);
        }
        for (code, value) in MarketSegment::ALL.iter().enumerate() {
            assert_eq!(value.code() as usize, code);
            assert_eq!(MarketSegment::from_code(code as u8), Some(*value));
        }
        assert_eq!(MarketSegment::from_code(5), None);
        assert_eq!(CustomerTier::from_code(3), Some(CustomerTier::Unknown));
        assert_eq!(MarketSegment::EuCentral.label(), "EU-Central");
        assert_eq!(CustomerTier::Enterprise.label(), "enterprise");
        assert_eq!(
            EngagementLevel::CHOICES.expected,
            "one of high, medium, low, unknown"
        );
        assert_eq!(
            serde_json::to_string(&AcquisitionChannel::MobileApp).unwrap(),
            "\"mobile_app\""
        );
    }

    #[test]
    fn the_seed_decides_only_seeded_fields() {
        let seeded: Vec<&str> = LINE
            .iter()
            .filter(|spec| spec.origin.depends_on_seed())
            .map(|spec| spec.key)
            .collect();
        assert_eq!(
            seeded,
            [
                "engagement_level",
                "activity_status",
                "acquisition_channel",
                "market_segment",
                "customer_tier"
            ]
        );
    }
}
