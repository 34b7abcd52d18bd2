//! Distinct strings, each stored once in one buffer and found by content.
//! Customers' names and email domains repeat a great deal; interning them
//! stores each once, makes the sort work on distinct names only, and costs
//! no allocation per entry (a map of owned strings would cost one each).

use std::hash::Hasher;

/// A piece of a text store: where it starts and how long it is, in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Span {
    /// Start offset.
    pub(crate) start: u32,
    /// Length.
    pub(crate) len: u32,
}

use hashbrown::HashTable;
use rustc_hash::FxHasher;

/// Interned strings, numbered from 0 in order of first appearance.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    text: String,
    spans: Vec<Span>,
    table: HashTable<u32>,
}

fn hash(text: &str) -> u64 {
    // The input is the user's own data, processed locally: a fast
    // non-keyed hash is fine.
    let mut hasher = FxHasher::default();
    hasher.write(text.as_bytes());
    hasher.finish()
}

fn slice(text: &str, span: Span) -> &str {
    let start = span.start as usize;
    &text[start..start + span.len as usize]
}

impl Interner {
    /// The number of `text`, stored if it is new.
    pub(crate) fn intern(&mut self, text: &str) -> u32 {
        let hash = hash(text);
        let (all, spans) = (&self.text, &self.spans);
        if let Some(&id) = self
            .table
            .find(hash, |&id| slice(all, spans[id as usize]) == text)
        {
            return id;
        }
        let id = self.spans.len() as u32;
        let start = self.text.len() as u32;
        self.text.push_str(text);
        self.spans.push(Span {
            start,
            len: text.len() as u32,
        });
        let (all, spans) = (&self.text, &self.spans);
        self.table
            .insert_unique(hash, id, |&other| hash_of(all, spans[other as usize]));
        id
    }

    /// The string numbered `id`.
    pub(crate) fn get(&self, id: u32) -> &str {
        slice(&self.text, self.spans[id as usize])
    }

    /// How many distinct strings there are.
    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }

    /// All the strings, one after another, and where each is: what
    /// [`Interner::from_parts`] takes back.
    pub(crate) fn parts(&self) -> (&str, &[Span]) {
        (&self.text, &self.spans)
    }

    /// The interner whose [`Interner::parts`] are `text` and `spans`
    /// (numbered as they were), or `None` when a span is not within `text`
    /// at character boundaries, or two spans hold the same string.
    pub(crate) fn from_parts(text: String, spans: Vec<Span>) -> Option<Interner> {
        let mut table = HashTable::with_capacity(spans.len());
        for (id, &span) in spans.iter().enumerate() {
            let start = span.start as usize;
            let piece = text.get(start..start.checked_add(span.len as usize)?)?;
            let hash = hash(piece);
            if table
                .find(hash, |&other: &u32| {
                    slice(&text, spans[other as usize]) == piece
                })
                .is_some()
            {
                return None;
            }
            table.insert_unique(hash, id as u32, |&other| {
                hash_of(&text, spans[other as usize])
            });
        }
        Some(Interner { text, spans, table })
    }
}

fn hash_of(all: &str, span: Span) -> u64 {
    hash(slice(all, span))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_strings_share_a_number_in_order_of_first_appearance() {
        let mut interner = Interner::default();
        let ids: Vec<u32> = ["b", "a", "b", "", "a", "ab"]
            .iter()
            .map(|s| interner.intern(s))
            .collect();
        assert_eq!(ids, [0, 1, 0, 2, 1, 3]);
        assert_eq!(interner.len(), 4);
        assert_eq!(interner.get(3), "ab");
        assert_eq!(interner.get(2), "");
    }

    #[test]
    fn an_interner_comes_back_from_its_parts() {
        let mut interner = Interner::default();
        for text in ["b", "a", "", "Émile"] {
            interner.intern(text);
        }
        let (text, spans) = interner.parts();
        let mut back = Interner::from_parts(text.to_owned(), spans.to_vec()).unwrap();
        assert_eq!(back.len(), 4);
        assert_eq!(back.get(3), "Émile");
        assert_eq!(back.intern("a"), 1, "found by content");
        assert_eq!(back.intern("new"), 4);
        // A span past the text, inside a character, or a string twice.
        let span = |start, len| Span { start, len };
        assert!(Interner::from_parts("ab".into(), vec![span(1, 2)]).is_none());
        assert!(Interner::from_parts("É".into(), vec![span(0, 1)]).is_none());
        assert!(Interner::from_parts("aa".into(), vec![span(0, 1), span(1, 1)]).is_none());
    }

    #[test]
    fn many_strings_survive_the_table_growing() {
        let mut interner = Interner::default();
        for n in 0..10_000 {
            assert_eq!(interner.intern(&n.to_string()), n);
        }
        for n in (0..10_000).rev() {
            assert_eq!(interner.intern(&n.to_string()), n);
        }
    }
}
