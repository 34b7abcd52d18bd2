//! Dotted paths into a JSON body (`data`, `paging.next.after`,
//! `properties.firstname`): where an API puts its records, its cursor or
//! its next page, read without building a tree of the whole body.

use std::collections::BTreeMap;

use serde_json::value::RawValue;

/// The value at a dotted `path` of the JSON `text`, when every step is an
/// object member. An empty path is the whole value.
pub(crate) fn at_path<'a>(text: &'a str, path: &str) -> Option<&'a RawValue> {
    let mut value: &'a RawValue = serde_json::from_str(text).ok()?;
    for step in path.split('.').filter(|step| !step.is_empty()) {
        if !value.get().starts_with('{') {
            return None;
        }
        let members: BTreeMap<String, &'a RawValue> = serde_json::from_str(value.get()).ok()?;
        value = *members.get(step)?;
    }
    Some(value)
}

/// The value at `path` as text: a string as it is, a number as written;
/// `None` for `null`, an empty string, anything else, or no such path
/// (an API that has no next page leaves it out or sends `null` or `""`).
pub(crate) fn text_at(text: &str, path: &str) -> Option<String> {
    let value = at_path(text, path)?;
    let raw = value.get();
    let found = if raw.starts_with('"') {
        serde_json::from_str::<String>(raw).ok()?
    } else if raw.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        raw.to_owned()
    } else {
        return None;
    };
    (!found.is_empty()).then_some(found)
}

/// Where the records of an object body are, when no path is given: `data`
/// when it is there, else the one member that is an array of objects (an
/// empty array counts). `None` when there is none, or more than one.
pub(crate) fn detect_records(text: &str) -> Option<String> {
    let members: BTreeMap<String, &RawValue> = serde_json::from_str(text).ok()?;
    if members.contains_key("data") {
        return Some("data".into());
    }
    let mut arrays = members.iter().filter(|(_, value)| {
        value.get().starts_with('[')
            && serde_json::from_str::<Vec<&RawValue>>(value.get())
                .is_ok_and(|items| items.iter().all(|item| item.get().starts_with('{')))
    });
    let (name, _) = arrays.next()?;
    arrays.next().is_none().then(|| name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str =
        r#"{"results":[{"id":"1"}],"paging":{"next":{"after":"abc","n":7}},"x":null}"#;

    #[test]
    fn paths_reach_nested_members_and_nothing_else() {
        assert_eq!(at_path(BODY, "results").unwrap().get(), r#"[{"id":"1"}]"#);
        assert_eq!(at_path(BODY, "paging.next.after").unwrap().get(), "\"abc\"");
        assert!(at_path(BODY, "paging.prev").is_none());
        assert!(at_path(BODY, "results.id").is_none());
        assert!(at_path("not json", "a").is_none());
        assert_eq!(text_at(BODY, "paging.next.after").as_deref(), Some("abc"));
        assert_eq!(text_at(BODY, "paging.next.n").as_deref(), Some("7"));
        assert_eq!(text_at(BODY, "x"), None);
        assert_eq!(text_at(r#"{"a":""}"#, "a"), None);
        assert_eq!(text_at(r#"{"a":{"b":1}}"#, "a"), None);
    }

    #[test]
    fn records_are_detected_only_when_one_array_of_objects_is_there() {
        assert_eq!(detect_records(BODY).as_deref(), Some("results"));
        assert_eq!(
            detect_records(r#"{"customers":[]}"#).as_deref(),
            Some("customers")
        );
        assert_eq!(
            detect_records(r#"{"data":7,"items":[{}]}"#).as_deref(),
            Some("data")
        );
        assert_eq!(detect_records(r#"{"a":[{}],"b":[{}]}"#), None);
        assert_eq!(detect_records(r#"{"a":[1,2]}"#), None);
        assert_eq!(detect_records(r#"{"a":{}}"#), None);
        assert_eq!(detect_records("[{}]"), None);
    }
}
