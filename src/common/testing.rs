//! Checks and helpers the unit tests of several floors share.

use std::time::Duration;

use serde::Serialize;

/// Fails unless each of `values` serializes as the string `name` gives it
/// (the name the vocabulary, errors and events use is serde's too).
pub(crate) fn assert_serialized_as<T: Serialize + Copy + std::fmt::Debug>(
    values: &[T],
    name: impl Fn(T) -> &'static str,
) {
    for &value in values {
        let serialized = serde_json::to_value(value).expect("serializable");
        assert_eq!(serialized, name(value), "{value:?}");
    }
}

/// Fails unless `each` (one event of every kind, in the order of `kinds`)
/// names its kinds as `kinds` lists them, and each serializes with that
/// name in `kind`.
pub(crate) fn assert_kinds_named<K: Serialize>(
    each: &[K],
    kinds: &[(&str, &str)],
    name: impl Fn(&K) -> &'static str,
) {
    let names: Vec<&str> = each.iter().map(&name).collect();
    let listed: Vec<&str> = kinds.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, listed);
    for kind in each {
        assert_eq!(
            serde_json::to_value(kind).expect("serializable")["kind"],
            name(kind)
        );
    }
}

/// Whole seconds as durations, as waits are asserted.
pub(crate) fn secs(list: &[u64]) -> Vec<Duration> {
    list.iter().map(|s| Duration::from_secs(*s)).collect()
}
