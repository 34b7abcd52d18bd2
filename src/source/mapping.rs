//! Which source field feeds each field of the contract.
//!
//! Analysts' exports name their columns their own way (`Customer ID`,
//! `E-mail`, `contact.email`). A [`Mapping`] says, for each contract field
//! (`id`, `first_name`, `last_name`, `email`, `avatar`, `last_login`,
//! `engagement_score`), which source column or JSON path holds it, or that
//! the source does not have it at all. It is proposed from a CSV header or
//! a record's keys by normalised name and a table of common aliases; a user
//! may change any field ([`MappingSpec`], e.g. from the `map` parameter).
//!
//! A field the source does not have is not scored: a Shopify export has no
//! avatar, and its customers must not all lose 10 points for that.

use std::fmt;

use serde::ser::{SerializeMap, Serializer};

use crate::common::wire::{Wire, WireError, WireReader, Writer};
use serde::Serialize;

/// A field of the input contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Field {
    /// `id`
    Id,
    /// `first_name`
    FirstName,
    /// `last_name`
    LastName,
    /// `email`
    Email,
    /// `avatar`
    Avatar,
    /// `last_login`
    LastLogin,
    /// `engagement_score`
    EngagementScore,
}

impl Field {
    /// Every field, in contract order.
    pub(crate) const ALL: [Field; 7] = [
        Field::Id,
        Field::FirstName,
        Field::LastName,
        Field::Email,
        Field::Avatar,
        Field::LastLogin,
        Field::EngagementScore,
    ];

    /// The contract's name of the field.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::Email => "email",
            Field::Avatar => "avatar",
            Field::LastLogin => "last_login",
            Field::EngagementScore => "engagement_score",
        }
    }

    /// The field as people read it.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Field::Id => "Customer ID",
            Field::FirstName => "First name",
            Field::LastName => "Last name",
            Field::Email => "Email",
            Field::Avatar => "Avatar URL",
            Field::LastLogin => "Last login",
            Field::EngagementScore => "Engagement score",
        }
    }

    /// The field named `name` in the contract, if it is one.
    pub(crate) fn named(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|field| field.name() == name)
    }

    /// Normalised names that propose this field, the contract's own first.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::Id => &["id", "customerid", "recordid", "userid", "contactid"],
            Field::FirstName => &["firstname", "givenname", "forename"],
            Field::LastName => &["lastname", "surname", "familyname"],
            Field::Email => &["email", "emailaddress", "mail"],
            Field::Avatar => &[
                "avatar",
                "avatarurl",
                "photo",
                "photourl",
                "image",
                "imageurl",
                "picture",
            ],
            Field::LastLogin => &[
                "lastlogin",
                "lastloginat",
                "lastactivitydate",
                "lastactivity",
                "lastseen",
                "lastseenat",
                // HubSpot's contacts.
                "noteslastupdated",
            ],
            Field::EngagementScore => &["engagementscore", "score", "engagement", "hubspotscore"],
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A set of contract fields, as a bit per field.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct FieldSet(u8);

impl FieldSet {
    /// Every field.
    pub(crate) const ALL: FieldSet = FieldSet(0x7f);

    /// Whether `field` is in the set.
    pub(crate) fn contains(self, field: Field) -> bool {
        self.0 & (1 << field.index()) != 0
    }

    fn insert(&mut self, field: Field) {
        self.0 |= 1 << field.index();
    }
}

/// A name as compared for proposals: lower case, without spaces, `_`, `-`.
pub(crate) fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-') && !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

impl Wire for Field {
    fn put(&self, out: &mut Writer) {
        out.u8(*self as u8);
    }

    fn take(from: &mut WireReader<'_>) -> Result<Self, WireError> {
        let at = usize::from(from.u8()?);
        Field::ALL.get(at).copied().ok_or(WireError)
    }
}

/// What the user said about some fields: a column or path, or "not in
/// this source". Fields not named keep the proposal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MappingSpec {
    overrides: Vec<(Field, Option<String>)>,
}

/// A mapping setting that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MappingError {
    /// Not a `field:column` pair naming a contract field.
    NotAPair {
        /// What was given.
        given: String,
    },
    /// One column chosen for two fields: a column feeds one field.
    ColumnTwice {
        /// The column.
        column: String,
        /// The two fields, in contract order.
        fields: [Field; 2],
    },
}

impl fmt::Display for MappingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MappingError::NotAPair { given } => write!(
                f,
                "The field mapping must look like `id:Customer ID,email:Email` (a contract \
                 field, a colon, then a column, or nothing for \"not in this source\"); got \
                 '{given}'."
            ),
            MappingError::ColumnTwice { column, fields } => write!(
                f,
                "The field mapping chooses '{column}' for both {} and {}; a column can feed \
                 one field only.",
                fields[0].name(),
                fields[1].name()
            ),
        }
    }
}

impl std::error::Error for MappingError {}

impl MappingSpec {
    /// No overrides: every field as proposed.
    pub(crate) fn none() -> Self {
        MappingSpec::default()
    }

    /// Reads overrides written as `field:column` pairs separated by
    /// commas, e.g. `id:Customer ID,avatar:` (nothing after the colon:
    /// "not in this source"). A column whose name holds a comma cannot be
    /// named here; pick it in the mapping panel instead.
    ///
    /// # Errors
    /// [`MappingError`] for a pair without a colon or an unknown field.
    pub(crate) fn parse(text: &str) -> Result<MappingSpec, MappingError> {
        let mut spec = MappingSpec::default();
        for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let not_a_pair = || MappingError::NotAPair {
                given: pair.to_owned(),
            };
            let (field, column) = pair.split_once(':').ok_or_else(not_a_pair)?;
            let field = Field::named(field.trim()).ok_or_else(not_a_pair)?;
            let column = column.trim();
            spec.set(field, (!column.is_empty()).then(|| column.to_owned()));
        }
        spec.checked()
    }

    /// Overrides given as (contract field, column) pairs, `None` (or a
    /// blank column) for "not in this source"; any column name may be given
    /// this way, exactly as written.
    ///
    /// # Errors
    /// [`MappingError`] for a name that is not a contract field.
    pub(crate) fn from_fields<'a>(
        fields: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
    ) -> Result<MappingSpec, MappingError> {
        let mut spec = MappingSpec::default();
        for (name, column) in fields {
            let field = Field::named(name.trim()).ok_or_else(|| MappingError::NotAPair {
                given: name.to_owned(),
            })?;
            // Taken exactly (a JSON key may have spaces around it); blank
            // is "not in this source", as in the text form.
            let column = column.filter(|column| !column.trim().is_empty());
            spec.set(field, column.map(str::to_owned));
        }
        spec.checked()
    }

    /// The spec, unless it chooses one column for two fields.
    fn checked(self) -> Result<MappingSpec, MappingError> {
        for (at, (field, column)) in self.overrides.iter().enumerate() {
            let Some(column) = column else { continue };
            let twice = self.overrides[at + 1..]
                .iter()
                .find(|(_, other)| other.as_deref() == Some(column.as_str()));
            if let Some((other, _)) = twice {
                return Err(MappingError::ColumnTwice {
                    column: column.clone(),
                    fields: [*field, *other],
                });
            }
        }
        Ok(self)
    }

    /// Sets one field: `None` means "not in this source".
    pub(crate) fn set(&mut self, field: Field, column: Option<String>) {
        self.overrides.retain(|(f, _)| *f != field);
        // In contract order, so equal specs compare equal however written.
        let at = self.overrides.partition_point(|(f, _)| *f < field);
        self.overrides.insert(at, (field, column));
    }

    fn get(&self, field: Field) -> Option<&Option<String>> {
        self.overrides
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, column)| column)
    }

    /// This spec with `other`'s fields over it: a field `other` names
    /// takes `other`'s choice, the rest keep this spec's. Not checked: a
    /// column chosen twice is refused when the result is read.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // used by the page (web)
    pub(crate) fn overridden_by(mut self, other: &MappingSpec) -> MappingSpec {
        for (field, column) in &other.overrides {
            self.set(*field, column.clone());
        }
        self
    }

    /// Whether the `map` text can name `column`: it splits at commas and
    /// trims names ([`MappingSpec::parse`]), so a column with a comma, or
    /// with spaces around it, or with no name, needs the object form.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // used by the page (web)
    pub(crate) fn writable(column: &str) -> bool {
        !column.trim().is_empty() && column.trim() == column && !column.contains(',')
    }

    /// This spec without the fields whose column the `map` text cannot name.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // used by the page (web)
    pub(crate) fn writable_only(mut self) -> MappingSpec {
        self.overrides
            .retain(|(_, column)| column.as_deref().is_none_or(MappingSpec::writable));
        self
    }

    /// The spec as `map` text ([`MappingSpec::parse`] reads it back), in
    /// contract order: `field:column` pairs separated by commas, nothing
    /// after the colon for "not in this source". A field whose column the
    /// text cannot name ([`MappingSpec::writable`]) is left out, so it
    /// keeps the proposal.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // used by the page (web)
    pub(crate) fn to_text(&self) -> String {
        let pairs: Vec<String> = self
            .overrides
            .iter()
            .filter_map(|(field, column)| match column {
                None => Some(format!("{}:", field.name())),
                Some(column) if MappingSpec::writable(column) => {
                    Some(format!("{}:{column}", field.name()))
                }
                Some(_) => None,
            })
            .collect();
        pairs.join(",")
    }
}

/// The resolved mapping of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mapping {
    /// Per field (contract order): the source column or JSON path, or
    /// `None` when the source does not have it.
    sources: [Option<String>; 7],
    /// Source columns (or the first record's keys) no field reads.
    ignored: Vec<String>,
    /// The source columns (or key paths) the mapping was proposed from.
    columns: Vec<String>,
}

impl Default for Mapping {
    /// The contract's own names, for reqres-shaped input.
    fn default() -> Self {
        Mapping {
            sources: Field::ALL.map(|field| Some(field.name().to_owned())),
            ignored: Vec::new(),
            columns: Vec::new(),
        }
    }
}

impl Mapping {
    /// Proposes a mapping for the given source names (a CSV header's
    /// columns, or a record's key paths such as `contact.email`), then
    /// applies the user's overrides. A field whose name matches no column
    /// is "not in this source" when `exhaustive` (a header lists every
    /// column); otherwise its contract name is kept (a record may lack a
    /// key that others have).
    pub(crate) fn propose(columns: &[String], spec: &MappingSpec, exhaustive: bool) -> Mapping {
        let normalised: Vec<(String, usize)> = columns
            .iter()
            .map(|column| {
                let last = column.rsplit('.').next().unwrap_or(column);
                (normalise(last), column.matches('.').count())
            })
            .collect();
        let mut taken = vec![false; columns.len()];
        let mut sources: [Option<String>; 7] = Default::default();
        // Fields the user named take their columns first.
        for field in Field::ALL {
            if let Some(choice) = spec.get(field) {
                if let Some(column) = choice {
                    if let Some(at) = columns.iter().position(|c| c == column) {
                        taken[at] = true;
                    }
                }
                sources[field.index()] = choice.clone();
            }
        }
        for field in Field::ALL {
            if spec.get(field).is_some() {
                continue;
            }
            // The best alias wins (the contract's own name first), then the
            // shallowest path, then the first column.
            let best = field.aliases().iter().find_map(|alias| {
                (0..columns.len())
                    .filter(|&at| !taken[at] && normalised[at].0 == *alias)
                    .min_by_key(|&at| normalised[at].1)
            });
            sources[field.index()] = match best {
                Some(at) => {
                    taken[at] = true;
                    Some(columns[at].clone())
                }
                None if exhaustive => None,
                None => Some(field.name().to_owned()),
            };
        }
        let ignored = columns
            .iter()
            .zip(&taken)
            .filter(|(_, taken)| !**taken)
            .map(|(column, _)| column.clone())
            .collect();
        Mapping {
            sources,
            ignored,
            columns: columns.to_vec(),
        }
    }

    /// The same mapping over more of the source's columns (key paths seen
    /// in later records): those no field reads are listed as ignored.
    pub(crate) fn with_columns(mut self, columns: Vec<String>) -> Mapping {
        self.ignored = columns
            .iter()
            .filter(|column| {
                !self
                    .sources
                    .iter()
                    .any(|source| source.as_deref() == Some(column.as_str()))
            })
            .cloned()
            .collect();
        self.columns = columns;
        self
    }

    /// The source's columns no field reads.
    // Used by the page (`web`, wasm32 only) and by tests.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    #[cfg(test)]
    pub(crate) fn ignored_columns(&self) -> &[String] {
        &self.ignored
    }

    /// The source columns (or key paths) the mapping was proposed from.
    // Used by the page (`web`, wasm32 only) and by tests.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The source of `field`, or `None` when the source does not have it.
    pub(crate) fn source(&self, field: Field) -> Option<&str> {
        self.sources[field.index()].as_deref()
    }

    /// The fields the source has.
    pub(crate) fn mapped(&self) -> FieldSet {
        let mut set = FieldSet::default();
        for field in Field::ALL {
            if self.source(field).is_some() {
                set.insert(field);
            }
        }
        set
    }

    /// Whether every field reads the key of its own name (reqres input).
    pub(crate) fn is_identity(&self) -> bool {
        Field::ALL
            .into_iter()
            .all(|field| self.source(field) == Some(field.name()))
    }

    /// The fields read from each source column, by column (CSV): `None`
    /// for a column no field reads.
    pub(crate) fn by_column(&self, columns: &[String]) -> Vec<Option<Field>> {
        columns
            .iter()
            .map(|column| {
                Field::ALL
                    .into_iter()
                    .find(|field| self.source(*field) == Some(column.as_str()))
            })
            .collect()
    }
}

/// `metadata.mapping`: `fields` (contract field → source column or
/// `null`), `unmapped` and `ignored_columns`.
impl Serialize for Mapping {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Fields<'m>(&'m Mapping);
        impl Serialize for Fields<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(7))?;
                for field in Field::ALL {
                    map.serialize_entry(field.name(), &self.0.source(field))?;
                }
                map.end()
            }
        }
        let unmapped: Vec<&str> = Field::ALL
            .into_iter()
            .filter(|field| self.source(*field).is_none())
            .map(Field::name)
            .collect();
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("fields", &Fields(self))?;
        map.serialize_entry("unmapped", &unmapped)?;
        map.serialize_entry("ignored_columns", &self.ignored)?;
        map.end()
    }
}

impl Wire for MappingSpec {
    fn put(&self, out: &mut Writer) {
        out.usize(self.overrides.len());
        for (field, column) in &self.overrides {
            field.put(out);
            out.option(column.as_ref());
        }
    }

    fn take(from: &mut WireReader<'_>) -> Result<Self, WireError> {
        let mut spec = MappingSpec::default();
        for _ in 0..from.usize()? {
            let field = Field::take(from)?;
            let column = from.option::<String>()?;
            spec.set(field, column);
        }
        Ok(spec)
    }
}

impl Wire for Mapping {
    fn put(&self, out: &mut Writer) {
        for source in &self.sources {
            out.option(source.as_ref());
        }
        out.list(&self.ignored);
        out.list(&self.columns);
    }

    fn take(from: &mut WireReader<'_>) -> Result<Self, WireError> {
        let mut sources: [Option<String>; 7] = Default::default();
        for source in &mut sources {
            *source = from.option()?;
        }
        Ok(Mapping {
            sources,
            ignored: from.list()?,
            columns: from.list()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    fn sources(mapping: &Mapping) -> Vec<Option<&str>> {
        Field::ALL.iter().map(|f| mapping.source(*f)).collect()
    }

    #[test]
    fn a_spec_is_written_as_text_that_reads_back_the_same() {
        for text in [
            "",
            "id:Customer ID,avatar:",
            "email:E-mail,id:Record ID,last_login:Last: Seen",
            "first_name:a.b,last_name:,engagement_score:Score",
        ] {
            let spec = MappingSpec::parse(text).unwrap();
            assert_eq!(MappingSpec::parse(&spec.to_text()).unwrap(), spec, "{text}");
        }
        // Contract order, trimmed, whatever the order given.
        let spec = MappingSpec::parse(" avatar: , id : Customer ID ").unwrap();
        assert_eq!(spec.to_text(), "id:Customer ID,avatar:");
        // What the text cannot name is left out: the field keeps the proposal.
        let spec = MappingSpec::from_fields([
            ("id", Some("Customer, ID")),
            ("email", Some(" Email")),
            ("avatar", None),
            ("first_name", Some("Given")),
        ])
        .unwrap();
        assert_eq!(spec.to_text(), "first_name:Given,avatar:");
        assert_eq!(spec.clone().writable_only().to_text(), spec.to_text());
        assert_eq!(
            spec.writable_only(),
            MappingSpec::parse("first_name:Given,avatar:").unwrap()
        );
        assert!(!MappingSpec::writable(""));
        assert!(!MappingSpec::writable("a,b"));
        assert!(!MappingSpec::writable("a "));
        assert!(MappingSpec::writable("Last: Seen"));
    }

    #[test]
    fn a_spec_overridden_by_another_takes_its_fields() {
        let link = MappingSpec::parse("id:Customer ID,email:Email").unwrap();
        let picks = MappingSpec::from_fields([("email", None), ("avatar", Some("Photo"))]).unwrap();
        assert_eq!(
            link.overridden_by(&picks).to_text(),
            "id:Customer ID,email:,avatar:Photo"
        );
    }

    #[test]
    fn names_are_normalised() {
        assert_eq!(normalise("Customer ID"), "customerid");
        assert_eq!(normalise("customerId"), "customerid");
        assert_eq!(normalise("user_id"), "userid");
        assert_eq!(normalise("E-mail"), "email");
        assert_eq!(normalise(" Last\tActivity Date "), "lastactivitydate");
    }

    #[test]
    fn a_shopify_header_is_proposed() {
        let header = columns(&[
            "Customer ID",
            "First Name",
            "Last Name",
            "Email",
            "Accepts Email Marketing",
            "Total Spent",
            "Total Orders",
            "Note",
            "Tax Exempt",
            "Tags",
        ]);
        let mapping = Mapping::propose(&header, &MappingSpec::none(), true);
        assert_eq!(
            sources(&mapping),
            [
                Some("Customer ID"),
                Some("First Name"),
                Some("Last Name"),
                Some("Email"),
                None,
                None,
                None
            ]
        );
        let json = serde_json::to_value(&mapping).unwrap();
        assert_eq!(
            json["unmapped"],
            serde_json::json!(["avatar", "last_login", "engagement_score"])
        );
        assert_eq!(json["ignored_columns"][0], "Accepts Email Marketing");
        assert_eq!(json["ignored_columns"].as_array().unwrap().len(), 6);
    }

    #[test]
    fn a_column_feeds_one_field_only() {
        let error = MappingSpec::parse("email:Email,avatar:Email").unwrap_err();
        assert_eq!(
            error,
            MappingError::ColumnTwice {
                column: "Email".to_owned(),
                fields: [Field::Email, Field::Avatar],
            }
        );
        assert_eq!(
            error.to_string(),
            "The field mapping chooses 'Email' for both email and avatar; a column can feed one \
             field only."
        );
        let spaced = MappingSpec::from_fields([("email", Some(" E-mail ")), ("avatar", Some(" "))]);
        let mut expected = MappingSpec::none();
        expected.set(Field::Email, Some(" E-mail ".to_owned()));
        expected.set(Field::Avatar, None);
        assert_eq!(spaced, Ok(expected), "the object form names a key exactly");
        let twice = [("avatar", Some("Email")), ("email", Some("Email"))];
        assert!(matches!(
            MappingSpec::from_fields(twice),
            Err(MappingError::ColumnTwice { .. })
        ));
        // Two fields "not in this source" are fine, and so is a column
        // the user takes from the field it was proposed for.
        assert!(MappingSpec::parse("email:,avatar:").is_ok());
        let spec = MappingSpec::parse("avatar:Email").unwrap();
        let mapping = Mapping::propose(&columns(&["Email", "Photo"]), &spec, true);
        assert_eq!(mapping.source(Field::Avatar), Some("Email"));
        assert_eq!(mapping.source(Field::Email), None);
    }

    #[test]
    fn aliases_table() {
        let cases = [
            ("Record ID", Field::Id),
            ("customerId", Field::Id),
            ("user_id", Field::Id),
            ("E-mail", Field::Email),
            ("Email Address", Field::Email),
            ("given_name", Field::FirstName),
            ("firstName", Field::FirstName),
            ("surname", Field::LastName),
            ("family_name", Field::LastName),
            ("avatar_url", Field::Avatar),
            ("photo", Field::Avatar),
            ("image", Field::Avatar),
            ("Last Activity Date", Field::LastLogin),
            ("last_seen", Field::LastLogin),
            ("lastLoginAt", Field::LastLogin),
            ("score", Field::EngagementScore),
            ("engagement", Field::EngagementScore),
        ];
        for (column, field) in cases {
            let mapping = Mapping::propose(&columns(&[column]), &MappingSpec::none(), true);
            assert_eq!(mapping.source(field), Some(column), "{column}");
        }
    }

    #[test]
    fn the_contract_name_beats_an_alias_and_shallow_beats_deep() {
        let mapping = Mapping::propose(
            &columns(&["score", "engagement_score", "contact.email", "email"]),
            &MappingSpec::none(),
            true,
        );
        assert_eq!(
            mapping.source(Field::EngagementScore),
            Some("engagement_score")
        );
        assert_eq!(mapping.source(Field::Email), Some("email"));
        assert_eq!(
            Mapping::propose(&columns(&["contact.email"]), &MappingSpec::none(), true)
                .source(Field::Email),
            Some("contact.email")
        );
    }

    #[test]
    fn overrides_win_and_may_say_not_in_this_source() {
        let spec = MappingSpec::parse("id:Record ID, email:Work Email,avatar:").unwrap();
        let mapping = Mapping::propose(
            &columns(&["Record ID", "Email", "Work Email", "avatar"]),
            &spec,
            true,
        );
        assert_eq!(mapping.source(Field::Id), Some("Record ID"));
        assert_eq!(mapping.source(Field::Email), Some("Work Email"));
        assert_eq!(mapping.source(Field::Avatar), None);
        assert!(!mapping.mapped().contains(Field::Avatar));
        assert!(mapping.mapped().contains(Field::Id));
        assert_eq!(
            MappingSpec::parse("idx:Customer").unwrap_err().to_string(),
            "The field mapping must look like `id:Customer ID,email:Email` (a contract field, a \
             colon, then a column, or nothing for \"not in this source\"); got 'idx:Customer'."
        );
        assert!(MappingSpec::parse("email").is_err());
    }

    #[test]
    fn without_a_header_missing_fields_keep_their_names() {
        let mapping = Mapping::propose(&columns(&["id", "email"]), &MappingSpec::none(), false);
        assert_eq!(mapping.source(Field::Avatar), Some("avatar"));
        assert_eq!(mapping.mapped(), FieldSet::ALL);
        assert!(Mapping::default().is_identity());
    }
}
