//! Checks the unit tests of several floors share.

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
