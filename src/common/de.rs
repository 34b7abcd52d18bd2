//! An object read key by key: `Deserialize` for a type that walks the
//! object's entries itself (to borrow from the input, to refuse a repeated
//! key, to keep the order), without writing serde's visitor out each time.

/// Implements `Deserialize<'de>` for `$ty<'de>` from a JSON object:
/// `$expecting` is what an error says was expected, and the block reads
/// the object from the `serde::de::MapAccess` bound to `$map`, returning
/// `Result<$ty<'de>, A::Error>`.
macro_rules! deserialize_from_map {
    (<$de:lifetime> $ty:ident, $expecting:literal, |$map:ident| $body:block) => {
        impl<$de> serde::Deserialize<$de> for $ty<$de> {
            fn deserialize<D: serde::Deserializer<$de>>(deserializer: D) -> Result<Self, D::Error> {
                struct ObjectVisitor;
                impl<$de> serde::de::Visitor<$de> for ObjectVisitor {
                    type Value = $ty<$de>;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_map<A: serde::de::MapAccess<$de>>(
                        self,
                        mut $map: A,
                    ) -> Result<Self::Value, A::Error> {
                        $body
                    }
                }
                deserializer.deserialize_map(ObjectVisitor)
            }
        }
    };
}

pub(crate) use deserialize_from_map;
