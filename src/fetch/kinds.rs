//! What an API looks like to a run: how its pages follow each other (the
//! pagination kind), where a page's records are, and how the key travels
//! (the auth kind). Small policies over text, apart from fetching, so each
//! is tested on its own; [`Preset`]s fill them for known APIs.

use std::collections::BTreeMap;

use super::url::{resolve, with_query, with_query_numbers};

/// How one page leads to the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pagination {
    /// Numbered pages: `page=N` (the name is configurable). Pages may be
    /// fetched concurrently once the API states how many there are.
    Page {
        /// The page number's parameter (default `page`).
        param: String,
    },
    /// `offset=N&limit=M`: page `n` starts at `(n - 1) × limit`. The walk
    /// ends at a short or empty page, or at the stated total.
    Offset {
        /// The offset's parameter (default `offset`).
        param: String,
    },
    /// A cursor read from each page's body at a dotted path, sent as a
    /// query parameter for the next page. Sequential.
    Cursor {
        /// Where the next cursor is (e.g. `paging.next.after`).
        path: String,
        /// The parameter it is sent as (e.g. `after`).
        param: String,
    },
    /// The RFC 8288 `Link` header's `rel="next"` target. Sequential.
    Link,
    /// The next page's URL at a dotted path of the body (e.g. `next`). Sequential.
    NextUrl {
        /// Where the next URL is.
        path: String,
    },
}

impl Pagination {
    /// Every kind's name, as settings and reports write it.
    pub(crate) const NAMES: [&'static str; 5] = ["page", "offset", "cursor", "link", "next_url"];

    /// The kind's name.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Pagination::Page { .. } => "page",
            Pagination::Offset { .. } => "offset",
            Pagination::Cursor { .. } => "cursor",
            Pagination::Link => "link",
            Pagination::NextUrl { .. } => "next_url",
        }
    }

    /// Whether each page's address comes from the page before it: such
    /// walks are sequential, and a pointer seen twice is a loop.
    pub(crate) fn is_linked(&self) -> bool {
        matches!(
            self,
            Pagination::Cursor { .. } | Pagination::Link | Pagination::NextUrl { .. }
        )
    }

    /// The body path of the next page's pointer, for the kinds that read one.
    pub(crate) fn next_path(&self) -> Option<&str> {
        match self {
            Pagination::Cursor { path, .. } | Pagination::NextUrl { path } => Some(path),
            _ => None,
        }
    }
}

/// How the key is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Auth {
    /// As the value of a header (default `x-api-key`).
    Header(String),
    /// `Authorization: Bearer <key>`.
    Bearer,
    /// `Authorization: Basic base64(<key>)`, the key being `user:password`.
    Basic,
    /// As a query parameter of every request; written as `***` wherever a
    /// URL is written down.
    Query(String),
}

impl Auth {
    /// As settings write it: `header:x-api-key`, `bearer`, `basic`, `query:hapikey`.
    pub(crate) fn text(&self) -> String {
        match self {
            Auth::Header(name) => format!("header:{name}"),
            Auth::Bearer => "bearer".into(),
            Auth::Basic => "basic".into(),
            Auth::Query(name) => format!("query:{name}"),
        }
    }

    /// Reads [`Auth::text`]'s forms (`header` alone is `header:x-api-key`);
    /// `None` for anything else, or a name a header or query cannot carry.
    pub(crate) fn parse(text: &str) -> Option<Auth> {
        let text = text.trim();
        let (kind, name) = match text.split_once(':') {
            Some((kind, name)) => (kind, Some(name.trim())),
            None => (text, None),
        };
        match (kind.to_ascii_lowercase().as_str(), name) {
            ("header", None) => Some(Auth::Header(DEFAULT_KEY_HEADER.into())),
            ("header", Some(name)) if is_token(name) => Some(Auth::Header(name.into())),
            ("bearer", None) => Some(Auth::Bearer),
            ("basic", None) => Some(Auth::Basic),
            ("query", Some(name)) if is_parameter_name(name) => Some(Auth::Query(name.into())),
            _ => None,
        }
    }

    /// The header that carries `key`, if this kind uses one: (name, value).
    pub(crate) fn header(&self, key: &str) -> Option<(String, String)> {
        match self {
            Auth::Header(name) => Some((name.clone(), key.to_owned())),
            Auth::Bearer => Some(("Authorization".into(), format!("Bearer {key}"))),
            Auth::Basic => Some(("Authorization".into(), format!("Basic {}", base64(key)))),
            Auth::Query(_) => None,
        }
    }

    /// The request URL: `url` with the key as a query parameter, for the kind that sends it so.
    pub(crate) fn request_url(&self, url: &str, key: Option<&str>) -> String {
        match (self, key) {
            (Auth::Query(name), Some(key)) => with_query(url, &[(name.as_str(), key.to_owned())]),
            _ => url.to_owned(),
        }
    }

    /// The key field's label and how the key is sent, for people.
    pub(crate) fn key_label(&self) -> (&'static str, String) {
        match self {
            Auth::Header(name) if name.eq_ignore_ascii_case(DEFAULT_KEY_HEADER) => {
                ("API key", format!("Sent as the {name} header"))
            }
            Auth::Header(name) => ("Access token", format!("Sent as the {name} header")),
            Auth::Bearer => ("Bearer token", "Sent as Authorization: Bearer".into()),
            Auth::Basic => (
                "User and password (user:password)",
                "Sent as Authorization: Basic".into(),
            ),
            Auth::Query(name) => (
                "API key",
                format!("Sent as the query parameter {name}, written as *** everywhere"),
            ),
        }
    }

    /// The query parameter the key travels in, if it does.
    pub(crate) fn query_name(&self) -> Option<&str> {
        match self {
            Auth::Query(name) => Some(name),
            _ => None,
        }
    }
}

/// The header a key is sent in unless said otherwise.
pub(crate) const DEFAULT_KEY_HEADER: &str = "x-api-key";

/// A known API's shape, or `custom`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Preset {
    /// reqres.in: `?page=N&per_page=M`, records in `data`, `x-api-key`.
    Reqres,
    /// Shopify Admin REST: `Link` pagination, `limit=250`, records in
    /// `customers`, `X-Shopify-Access-Token`.
    Shopify,
    /// HubSpot CRM v3: cursor `paging.next.after` sent as `after`,
    /// `limit=100`, records in `results`, a bearer token.
    Hubspot,
    /// Every setting as given (the defaults are reqres's).
    Custom,
}

impl Preset {
    /// Every preset, in the page's order.
    pub(crate) const ALL: [Preset; 4] = [
        Preset::Reqres,
        Preset::Shopify,
        Preset::Hubspot,
        Preset::Custom,
    ];

    /// The preset's name, as settings write it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Preset::Reqres => "reqres",
            Preset::Shopify => "shopify",
            Preset::Hubspot => "hubspot",
            Preset::Custom => "custom",
        }
    }

    /// Reads a name; empty is `reqres`.
    pub(crate) fn parse(text: &str) -> Option<Preset> {
        match text.trim() {
            "" => Some(Preset::Reqres),
            name => Preset::ALL.into_iter().find(|preset| preset.name() == name),
        }
    }

    /// The shape it stands for.
    pub(crate) fn shape(self) -> ApiShape {
        let base = ApiShape {
            preset: self,
            ..ApiShape::default()
        };
        match self {
            Preset::Reqres | Preset::Custom => base,
            Preset::Shopify => ApiShape {
                pagination: Pagination::Link,
                size_param: "limit".into(),
                default_size: Some(250),
                records: Some("customers".into()),
                auth: Auth::Header("X-Shopify-Access-Token".into()),
                ..base
            },
            Preset::Hubspot => ApiShape {
                pagination: Pagination::Cursor {
                    path: "paging.next.after".into(),
                    param: "after".into(),
                },
                size_param: "limit".into(),
                default_size: Some(100),
                records: Some("results".into()),
                auth: Auth::Bearer,
                ..base
            },
        }
    }

    /// The fields of the vendor's records the mapping proposes for
    /// contract fields: (contract field, the vendor's path).
    #[cfg(test)]
    pub(crate) fn mapping(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Preset::Hubspot => &[
                ("first_name", "properties.firstname"),
                ("last_name", "properties.lastname"),
                ("email", "properties.email"),
                ("engagement_score", "properties.hubspotscore"),
                ("last_login", "properties.notes_last_updated"),
            ],
            _ => &[],
        }
    }
}

/// Everything about an API's shape a run needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiShape {
    /// The preset it came from.
    pub(crate) preset: Preset,
    /// How pages follow each other.
    pub(crate) pagination: Pagination,
    /// The page size's parameter (`per_page`, `limit`), sent when a size is set.
    pub(crate) size_param: String,
    /// The page size asked for when none is set.
    pub(crate) default_size: Option<u32>,
    /// Where each page's records are (a dotted path); `None`: `data`, or
    /// the body's one array of objects.
    pub(crate) records: Option<String>,
    /// How the key is sent.
    pub(crate) auth: Auth,
}

impl Default for ApiShape {
    /// reqres's shape: `page` and `per_page`, records in `data`, `x-api-key`.
    fn default() -> Self {
        ApiShape {
            preset: Preset::Reqres,
            pagination: Pagination::Page {
                param: "page".into(),
            },
            size_param: "per_page".into(),
            default_size: None,
            records: None,
            auth: Auth::Header(DEFAULT_KEY_HEADER.into()),
        }
    }
}

/// The page size an offset walk asks for when none is set: offsets need one.
pub(crate) const DEFAULT_OFFSET_LIMIT: u32 = 100;

impl ApiShape {
    /// The page size the run asks for: the one set, or the shape's
    /// default (an offset walk always asks for one).
    pub(crate) fn page_size(&self, per_page: Option<u32>) -> Option<u32> {
        per_page
            .or(self.default_size)
            .or(matches!(self.pagination, Pagination::Offset { .. })
                .then_some(DEFAULT_OFFSET_LIMIT))
    }

    /// The address of numbered page `page` (its key left out), for the
    /// page and offset kinds; for linked kinds, the first page's address.
    pub(crate) fn page_address(&self, base: &str, page: u64, size: Option<u32>) -> String {
        let size = size.map(|size| (self.size_param.as_str(), u64::from(size)));
        let position = match &self.pagination {
            Pagination::Page { param } => Some((param.as_str(), page)),
            Pagination::Offset { param } => {
                let step = size.map_or(u64::from(DEFAULT_OFFSET_LIMIT), |(_, size)| size);
                Some((param.as_str(), (page - 1).saturating_mul(step)))
            }
            _ => None,
        };
        let set: Vec<(&str, u64)> = position.into_iter().chain(size).collect();
        if set.is_empty() {
            base.to_owned()
        } else {
            with_query_numbers(base, &set)
        }
    }

    /// The next page's address from the pointer a page gave (`next`): the
    /// first page's address with the cursor set, or the link or URL
    /// resolved against the page's own URL. `None` when it is no URL.
    pub(crate) fn next_address(&self, first: &str, current: &str, next: &str) -> Option<String> {
        match &self.pagination {
            Pagination::Cursor { param, .. } => {
                Some(with_query(first, &[(param.as_str(), next.to_owned())]))
            }
            _ => resolve(current, next),
        }
    }

    /// The shape as the report's `metadata.source` writes it: the preset,
    /// the kinds and their parameter names.
    pub(crate) fn describe(&self) -> BTreeMap<String, String> {
        let mut settings = BTreeMap::new();
        let mut put = |name: &str, value: &str| {
            settings.insert(name.to_owned(), value.to_owned());
        };
        put("preset", self.preset.name());
        put("pagination", self.pagination.name());
        put("size_param", &self.size_param);
        match &self.pagination {
            Pagination::Page { param } => put("page_param", param),
            Pagination::Offset { param } => put("offset_param", param),
            Pagination::Cursor { path, param } => {
                put("cursor_path", path);
                put("cursor_param", param);
            }
            Pagination::Link => {}
            Pagination::NextUrl { path } => put("next_path", path),
        }
        put("records", self.records.as_deref().unwrap_or("auto"));
        put("auth", &self.auth.text());
        settings
    }
}

/// The `rel="next"` target of an RFC 8288 `Link` header, if it has one.
/// Relation types are compared without regard to case, and `rel` may list
/// several (`rel="next last"`).
pub(crate) fn link_next(header: &str) -> Option<String> {
    let mut rest = header;
    while let Some(open) = rest.find('<') {
        let close = open + rest[open..].find('>')?;
        let target = &rest[open + 1..close];
        // This link's parameters run to the next link's '<' (a '<' cannot
        // appear in a parameter without quoting, which links do not use).
        let params_end = rest[close..].find('<').map_or(rest.len(), |at| close + at);
        let params = &rest[close + 1..params_end];
        let is_next = params.split(';').any(|param| {
            let Some((name, value)) = param.split_once('=') else {
                return false;
            };
            name.trim().eq_ignore_ascii_case("rel")
                && value
                    .trim()
                    .trim_end_matches(',')
                    .trim()
                    .trim_matches('"')
                    .split_ascii_whitespace()
                    .any(|rel| rel.eq_ignore_ascii_case("next"))
        });
        if is_next {
            return Some(target.trim().to_owned());
        }
        rest = &rest[params_end..];
    }
    None
}

/// Whether `name` is an HTTP token (a header name).
pub(crate) fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Whether `name` is a plain query parameter name.
pub(crate) fn is_parameter_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.[]".contains(&b))
}

/// Whether `path` is a dotted path of member names (`paging.next.after`).
pub(crate) fn is_dotted_path(path: &str) -> bool {
    path.len() <= 200
        && path
            .split('.')
            .all(|step| !step.is_empty() && !step.contains(char::is_whitespace))
}

/// Standard base64 with padding, for the `Basic` scheme.
fn base64(text: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_and_offset_addresses() {
        let page = ApiShape::default();
        assert_eq!(
            page.page_address("http://h/u?x=1", 3, Some(6)),
            "http://h/u?x=1&page=3&per_page=6"
        );
        assert_eq!(
            page.page_address("http://h/u", 1, None),
            "http://h/u?page=1"
        );
        let offset = ApiShape {
            pagination: Pagination::Offset {
                param: "start".into(),
            },
            size_param: "count".into(),
            ..ApiShape::default()
        };
        assert_eq!(
            offset.page_address("http://h/u", 3, Some(25)),
            "http://h/u?start=50&count=25"
        );
        assert_eq!(offset.page_size(None), Some(DEFAULT_OFFSET_LIMIT));
        assert_eq!(page.page_size(None), None);
        let hubspot = Preset::Hubspot.shape();
        assert_eq!(
            hubspot.page_address(
                "https://api.hubapi.com/crm/v3/objects/contacts",
                1,
                hubspot.page_size(None)
            ),
            "https://api.hubapi.com/crm/v3/objects/contacts?limit=100"
        );
    }

    #[test]
    fn next_addresses_per_kind() {
        let hubspot = Preset::Hubspot.shape();
        assert_eq!(
            hubspot.next_address(
                "http://h/c?limit=100",
                "http://h/c?limit=100&after=1",
                "a/b"
            ),
            Some("http://h/c?limit=100&after=a%2Fb".into())
        );
        let link = Preset::Shopify.shape();
        assert_eq!(
            link.next_address("http://h/c?limit=2", "http://h/c?limit=2", "/c?page_info=x"),
            Some("http://h/c?page_info=x".into())
        );
        assert_eq!(link.next_address("x", "not a url", "/c"), None);
    }

    #[test]
    fn link_headers_table() {
        let cases = [
            (
                r#"<https://s/c?page_info=2>; rel="next""#,
                Some("https://s/c?page_info=2"),
            ),
            (
                r#"<https://s/c?page_info=1>; rel="previous", <https://s/c?page_info=3>; rel="next""#,
                Some("https://s/c?page_info=3"),
            ),
            (r#"<https://s/c?page_info=1>; rel="previous""#, None),
            (r#"</c?p=2>; rel=next"#, Some("/c?p=2")),
            (r#"</c?p=2>; title="a, b"; REL="Next Last""#, Some("/c?p=2")),
            (r#"</c?p=2>; rel="nextish""#, None),
            ("", None),
            ("garbage <unclosed", None),
        ];
        for (header, expected) in cases {
            assert_eq!(link_next(header).as_deref(), expected, "{header}");
        }
    }

    #[test]
    fn auth_kinds_read_and_carry_the_key() {
        assert_eq!(
            Auth::parse("header"),
            Some(Auth::Header("x-api-key".into()))
        );
        assert_eq!(
            Auth::parse("header:X-Shopify-Access-Token"),
            Some(Auth::Header("X-Shopify-Access-Token".into()))
        );
        assert_eq!(Auth::parse("bearer"), Some(Auth::Bearer));
        assert_eq!(Auth::parse("basic"), Some(Auth::Basic));
        assert_eq!(
            Auth::parse("query:hapikey"),
            Some(Auth::Query("hapikey".into()))
        );
        for bad in [
            "",
            "query",
            "query:",
            "header:a b",
            "header:a\nb",
            "token",
            "bearer:x",
        ] {
            assert_eq!(Auth::parse(bad), None, "{bad:?}");
        }
        assert_eq!(
            Auth::Bearer.header("t0k"),
            Some(("Authorization".into(), "Bearer t0k".into()))
        );
        assert_eq!(
            Auth::Basic.header("Aladdin:open sesame"),
            Some((
                "Authorization".into(),
                "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==".into()
            ))
        );
        assert_eq!(base64("a"), "YQ==");
        assert_eq!(base64("ab"), "YWI=");
        assert_eq!(base64(""), "");
        assert_eq!(Auth::Query("k".into()).header("s"), None);
        assert_eq!(
            Auth::Query("k".into()).request_url("http://h/u?page=1", Some("s")),
            "http://h/u?page=1&k=s"
        );
        assert_eq!(
            Auth::Bearer.request_url("http://h/u", Some("s")),
            "http://h/u"
        );
        for auth in [
            Auth::Header("x".into()),
            Auth::Bearer,
            Auth::Basic,
            Auth::Query("q".into()),
        ] {
            assert_eq!(Auth::parse(&auth.text()), Some(auth));
        }
    }

    #[test]
    fn presets_fill_the_shape() {
        assert_eq!(Preset::parse(""), Some(Preset::Reqres));
        assert_eq!(Preset::parse("stripe"), None);
        assert_eq!(Preset::Reqres.shape(), ApiShape::default());
        let shopify = Preset::Shopify.shape().describe();
        assert_eq!(shopify["pagination"], "link");
        assert_eq!(shopify["records"], "customers");
        assert_eq!(shopify["auth"], "header:X-Shopify-Access-Token");
        let hubspot = Preset::Hubspot.shape().describe();
        assert_eq!(hubspot["cursor_path"], "paging.next.after");
        assert_eq!(hubspot["cursor_param"], "after");
        assert_eq!(hubspot["auth"], "bearer");
        assert!(Preset::Hubspot
            .mapping()
            .contains(&("engagement_score", "properties.hubspotscore")));
    }
}
