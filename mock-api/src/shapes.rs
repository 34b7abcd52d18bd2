//! Answers in other APIs' shapes and pagination kinds: Shopify's
//! `customers` with a `Link` header, HubSpot's `results` with string
//! fields under `properties` and a `paging.next.after` cursor, and offset
//! and next-URL paging over any shape. Pure functions; faults and attempts
//! are the reqres answer's ([`crate::api::answer`]).

use std::time::SystemTime;

use serde_json::{json, Map, Value};

use crate::api::{answer, ApiError, Outcome, PageRequest, Reply};
use crate::config::{Paging, Settings, Shape};
use crate::dataset::Record;

/// Where a page starts and how long it is, as the request names them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Position {
    /// The index of the page's first record (`offset`, `after`,
    /// `page_info=p<N>`, `cursor`); `None`: the first page.
    pub start: Option<usize>,
    /// `limit`, when given.
    pub limit: Option<usize>,
}

/// The parameters a position is read from, which are not settings.
pub const POSITION_PARAMETERS: [&str; 5] = ["offset", "limit", "after", "page_info", "cursor"];

/// Reads the position parameters of decoded query pairs.
///
/// # Errors
/// [`ApiError::BadPage`] for a value that is not a position this mock gave.
pub fn position(pairs: &[(String, String)]) -> Result<Position, ApiError> {
    let mut found = Position::default();
    for (name, value) in pairs {
        let number = |text: &str| {
            text.trim().parse::<usize>().map_err(|_| ApiError::BadPage {
                value: format!("{name}={value}"),
            })
        };
        match name.as_str() {
            "offset" | "after" | "cursor" => found.start = Some(number(value)?),
            "page_info" => found.start = Some(number(value.trim_start_matches('p'))?),
            "limit" => {
                let limit = number(value)?;
                if limit == 0 || limit > crate::config::MAX_PER_PAGE {
                    return Err(ApiError::BadPage {
                        value: format!("limit={value}"),
                    });
                }
                found.limit = Some(limit);
            }
            _ => {}
        }
    }
    Ok(found)
}

/// Whether answers need this module (another shape or paging than reqres pages).
pub fn is_shaped(settings: &Settings) -> bool {
    settings.shape != Shape::Reqres || settings.paging() != Paging::Page
}

/// The key a request presents the way `settings` asks for it: a header
/// (`header` looks one up by name), `Authorization: Bearer`/`Basic`, or a
/// query parameter.
pub fn presented_key<'a>(
    settings: &Settings,
    header: impl Fn(&str) -> Option<&'a str>,
    pairs: &'a [(String, String)],
) -> Option<String> {
    let auth = settings.auth_kind();
    if let Some(name) = auth.strip_prefix("header:") {
        return header(name).map(str::to_owned);
    }
    if let Some(name) = auth.strip_prefix("query:") {
        return pairs
            .iter()
            .find(|(pair_name, _)| pair_name == name)
            .map(|(_, value)| value.clone());
    }
    let scheme = if auth == "basic" { "Basic " } else { "Bearer " };
    let value = header("authorization")?.strip_prefix(scheme)?;
    if auth == "basic" {
        decode_base64(value)
    } else {
        Some(value.to_owned())
    }
}

fn decode_base64(text: &str) -> Option<String> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for byte in text.trim().bytes().filter(|&b| b != b'=') {
        let value = ALPHABET.iter().position(|&a| a == byte)? as u32;
        bits = (bits << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A record as HubSpot sends a contact: `id` and every property a string.
fn hubspot_contact(record: &Record) -> Value {
    let text = |name: &str| match record.get(name) {
        Some(Value::String(s)) => Value::from(s.clone()),
        Some(Value::Null) | None => Value::Null,
        Some(other) => Value::from(other.to_string()),
    };
    let mut properties = Map::new();
    for (theirs, ours) in [
        ("firstname", "first_name"),
        ("lastname", "last_name"),
        ("email", "email"),
        ("hubspotscore", "engagement_score"),
        ("notes_last_updated", "last_login"),
    ] {
        if record.get(ours).is_some() {
            properties.insert(theirs.into(), text(ours));
        }
    }
    properties.insert("hs_object_id".into(), text("id"));
    json!({
        "id": text("id"),
        "properties": properties,
        "createdAt": "2025-01-01T00:00:00.000Z",
        "archived": false,
    })
}

/// The answer to a shaped request for the page starting at `start`
/// (`per_page` records), and its `Link` header. `again` is the request's
/// path and query without the position parameters: the base of next-page
/// URLs, so that the scenario's parameters stay on every page.
#[allow(clippy::too_many_arguments)]
pub fn shaped_answer(
    settings: &Settings,
    start: usize,
    per_page: usize,
    attempt: u32,
    key: Option<&str>,
    dataset: &[Record],
    now: SystemTime,
    again: &str,
) -> (Reply, Option<String>) {
    let per_page = per_page.max(1);
    let page = u32::try_from(start / per_page + 1).unwrap_or(u32::MAX);
    let mut reply = answer(
        settings,
        PageRequest { page, per_page },
        attempt,
        key,
        dataset,
        now,
    );
    if !matches!(reply.outcome, Outcome::Ok | Outcome::Slow) {
        return (reply, None);
    }
    let total = dataset.len();
    let begin = start.min(total);
    let end = (start + per_page).min(total);
    let records = &dataset[begin..end];
    let paging = settings.paging();
    let mut next = (end < total).then_some(end);
    if settings.cursor_loop && page == 2 {
        // The next page of page 1 again: a client following it loops.
        next = Some(per_page.min(total));
    }
    let separator = if again.contains('?') { '&' } else { '?' };
    let next_url =
        |name: &str, value: String| format!("{again}{separator}limit={per_page}&{name}={value}");
    let member = match settings.shape {
        Shape::Reqres => "data",
        Shape::Shopify => "customers",
        Shape::Hubspot => "results",
    };
    let items: Vec<Value> = records
        .iter()
        .map(|record| match settings.shape {
            Shape::Hubspot => hubspot_contact(record),
            _ => serde_json::to_value(record).unwrap_or(Value::Null),
        })
        .collect();
    let mut body = Map::new();
    if settings.shape == Shape::Reqres {
        match paging {
            Paging::Page => {
                body.insert("page".into(), json!(page));
                body.insert("per_page".into(), json!(per_page));
            }
            Paging::Offset => {
                body.insert("offset".into(), json!(start));
                body.insert("limit".into(), json!(per_page));
            }
            _ => {}
        }
        if !settings.hide_total {
            body.insert("total".into(), json!(total));
        }
    }
    body.insert(member.into(), Value::Array(items));
    let mut link = None;
    match (paging, next) {
        (Paging::Cursor, Some(at)) => {
            body.insert(
                "paging".into(),
                json!({"next": {"after": at.to_string(), "link": next_url("after", at.to_string())}}),
            );
        }
        (Paging::NextUrl, next) => {
            body.insert(
                "next".into(),
                next.map_or(Value::Null, |at| {
                    Value::from(next_url("cursor", at.to_string()))
                }),
            );
        }
        (Paging::Link, Some(at)) => {
            link = Some(format!(
                "<{}>; rel=\"next\"",
                next_url("page_info", format!("p{at}"))
            ));
        }
        _ => {}
    }
    reply.body = Value::Object(body).to_string();
    reply.records = records.len();
    reply.summary = format!(
        "200 ok ({} records, {} {}, start {start})",
        records.len(),
        settings.shape.as_str(),
        paging.as_str()
    );
    (reply, link)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::{build, DatasetSpec};

    fn settings(query: &str) -> Settings {
        let mut s = Settings {
            failure_rate: 0.0,
            ..Settings::default()
        };
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            s.apply(name, value).unwrap();
        }
        s
    }

    fn data(users: usize) -> Vec<Record> {
        build(DatasetSpec {
            users: Some(users),
            seed: 1,
            defects: false,
            duplicate_rate_bits: 0,
        })
    }

    /// The answer from `start`, 2 records a page, to a first attempt
    /// without a key; `again` as `shaped_answer` takes it.
    fn two_a_page(
        s: &Settings,
        start: usize,
        records: &[Record],
        again: &str,
    ) -> (Reply, Option<String>) {
        shaped_answer(s, start, 2, 1, None, records, SystemTime::now(), again)
    }

    fn body(reply: &Reply) -> Value {
        serde_json::from_str(&reply.body).unwrap()
    }

    #[test]
    fn hubspot_pages_by_cursor_with_string_properties() {
        let s = settings("shape=hubspot");
        let records = data(5);
        let (first, link) = two_a_page(&s, 0, &records, "/api/users?shape=hubspot");
        assert_eq!(link, None);
        let first = body(&first);
        assert_eq!(first["results"].as_array().unwrap().len(), 2);
        assert_eq!(first["paging"]["next"]["after"], "2");
        let contact = &first["results"][0];
        assert!(contact["id"].is_string());
        assert!(
            contact["properties"]["hubspotscore"].is_string(),
            "{contact}"
        );
        assert!(contact["properties"]["firstname"].is_string());
        let (last, _) = two_a_page(&s, 4, &records, "/api/users");
        let last = body(&last);
        assert_eq!(last["results"].as_array().unwrap().len(), 1);
        assert!(last.get("paging").is_none(), "no cursor on the last page");
    }

    #[test]
    fn shopify_pages_by_link_header_keeping_the_scenario() {
        let s = settings("shape=shopify");
        let records = data(3);
        let (first, link) = two_a_page(&s, 0, &records, "/api/users?shape=shopify");
        assert_eq!(body(&first)["customers"].as_array().unwrap().len(), 2);
        assert_eq!(
            link.as_deref(),
            Some("</api/users?shape=shopify&limit=2&page_info=p2>; rel=\"next\"")
        );
        let (_, link) = two_a_page(&s, 2, &records, "/api/users?shape=shopify");
        assert_eq!(link, None);
    }

    #[test]
    fn offset_and_next_url_paging_and_a_cursor_loop() {
        let records = data(5);
        let offset = settings("pagination=offset");
        let (page, _) = two_a_page(&offset, 2, &records, "/api/users");
        let page = body(&page);
        assert_eq!(
            (page["offset"].clone(), page["total"].clone()),
            (json!(2), json!(5))
        );
        let next = settings("pagination=next_url");
        let (page, _) = two_a_page(&next, 0, &records, "/api/users");
        assert_eq!(body(&page)["next"], "/api/users?limit=2&cursor=2");
        let (page, _) = two_a_page(&next, 4, &records, "/api/users");
        assert_eq!(body(&page)["next"], Value::Null);
        let looping = settings("shape=hubspot&cursor_loop=1");
        let (page, _) = two_a_page(&looping, 2, &records, "/api/users");
        assert_eq!(
            body(&page)["paging"]["next"]["after"],
            "2",
            "page 2 points to itself"
        );
    }

    #[test]
    fn positions_and_keys_are_read_as_each_kind_sends_them() {
        let pairs = |q: &str| crate::url::parse_query(q).unwrap();
        assert_eq!(
            position(&pairs("offset=4&limit=2")).unwrap(),
            Position {
                start: Some(4),
                limit: Some(2)
            }
        );
        assert_eq!(position(&pairs("page_info=p6")).unwrap().start, Some(6));
        assert!(position(&pairs("after=x")).is_err());
        assert!(position(&pairs("limit=0")).is_err());
        let none: &[(String, String)] = &[];
        let headers = |name: &str| match name {
            "X-Shopify-Access-Token" => Some("shp"),
            "authorization" => Some("Bearer tok"),
            _ => None,
        };
        assert_eq!(
            presented_key(&settings("shape=shopify"), headers, none).as_deref(),
            Some("shp")
        );
        assert_eq!(
            presented_key(&settings("shape=hubspot"), headers, none).as_deref(),
            Some("tok")
        );
        assert_eq!(
            presented_key(&settings("auth=header:x-api-key"), headers, none),
            None
        );
        let basic = |_: &str| Some("Basic dXNlcjpwYXNz");
        assert_eq!(
            presented_key(&settings("auth=basic"), basic, none).as_deref(),
            Some("user:pass")
        );
        let query = pairs("hapikey=k1");
        assert_eq!(
            presented_key(&settings("auth=query:hapikey"), |_| None, &query).as_deref(),
            Some("k1")
        );
    }
}
