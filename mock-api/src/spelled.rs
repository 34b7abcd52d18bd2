//! Settings whose values are words (`redirect=same`, `rate=ietf`): each
//! word is declared once, beside its variant, and the flags, the query
//! parameters, the JSON view and the error messages all take it from there.

/// The words given, as an error lists what it accepts: "`a`, `b` or `c`".
macro_rules! listed {
    ($only:literal) => { concat!("`", $only, "`") };
    ($first:literal, $last:literal) => { concat!("`", $first, "` or `", $last, "`") };
    ($first:literal, $($rest:literal),+) => { concat!("`", $first, "`, ", $crate::spelled::listed!($($rest),+)) };
}

/// Declares an enum whose values are spelled as words, each `Variant =>
/// "word"`, with `ALL` (in the order given), `as_str`, `parse` and
/// `EXPECTED` (the words, as an error lists them).
macro_rules! spelled {
    (
        $(#[$meta:meta])*
        pub enum $ty:ident {
            $($(#[$variant_meta:meta])* $variant:ident => $word:literal,)+
        }
    ) => {
        $(#[$meta])*
        pub enum $ty {
            $($(#[$variant_meta])* $variant,)+
        }

        impl $ty {
            /// Every value, in the order the help lists them.
            pub const ALL: [$ty; [$($word),+].len()] = [$($ty::$variant),+];

            /// The words, as an error lists what it accepts.
            pub const EXPECTED: &'static str = $crate::spelled::listed!($($word),+);

            /// The spelling used by flags and query parameters.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $word,)+
                }
            }

            /// Reads a value from its spelling.
            pub fn parse(text: &str) -> Option<$ty> {
                $ty::ALL.into_iter().find(|value| value.as_str() == text)
            }
        }
    };
}

pub(crate) use listed;
pub(crate) use spelled;

#[cfg(test)]
mod tests {
    use crate::budget::RateMode;
    use crate::config::{Paging, Redirect, RetryAfterFormat, Shape};

    #[test]
    fn words_are_listed_as_a_sentence_says_them() {
        assert_eq!(listed!("a"), "`a`");
        assert_eq!(listed!("a", "b"), "`a` or `b`");
        assert_eq!(listed!("a", "b", "c", "d"), "`a`, `b`, `c` or `d`");
        assert_eq!(RetryAfterFormat::EXPECTED, "`seconds` or `http-date`");
        assert_eq!(Redirect::EXPECTED, "`none`, `same` or `cross`");
        assert_eq!(Shape::EXPECTED, "`reqres`, `shopify` or `hubspot`");
        assert_eq!(
            Paging::EXPECTED,
            "`page`, `offset`, `cursor`, `link` or `next_url`"
        );
        assert_eq!(RateMode::EXPECTED, "`xrl`, `ietf`, `shopify` or `hubspot`");
    }

    #[test]
    fn every_value_is_read_back_from_its_word_and_nothing_else_is() {
        for paging in Paging::ALL {
            assert_eq!(Paging::parse(paging.as_str()), Some(paging));
        }
        for redirect in Redirect::ALL {
            assert_eq!(Redirect::parse(redirect.as_str()), Some(redirect));
        }
        assert_eq!(Paging::parse("Page"), None);
        assert_eq!(Shape::parse(""), None);
        assert_eq!(RetryAfterFormat::parse("http_date"), None);
    }
}
