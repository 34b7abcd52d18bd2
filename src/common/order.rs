//! Orders by a key, an integer or a text, through two shared sorts.
//!
//! Each `sort*` call with its own element type or comparison is a copy of
//! the standard library's sort in the page's module (2-9 KB each). The
//! sorts by an integer key (a customer id, a page number, a score) and by
//! a text key (a lower-cased name) go through here instead: they sort
//! `(key, position)` pairs, one element type and one comparison each, so
//! two copies. The position breaks ties, which makes the order stable; and
//! sorting small pairs is no slower than sorting positions that look their
//! key up at every comparison.

/// A key and a position, sorted by key, then position.
pub(crate) type Keyed = (u64, u32);

/// A text key and a position, sorted by text (as `str` orders: by
/// character), then position.
pub(crate) type TextKeyed<'a> = (&'a str, u32);

/// Sorts `pairs` by key, then position: the sort by integer key.
pub(crate) fn sort_keyed(pairs: &mut [Keyed]) {
    pairs.sort_unstable();
}

/// Sorts `pairs` by text, then position: the sort by text key.
pub(crate) fn sort_text_keyed(pairs: &mut [TextKeyed<'_>]) {
    pairs.sort_unstable();
}

/// The positions of sorted `pairs`, ascending, or with the keys descending
/// (equal keys still in position order, as a stable sort gives them).
pub(crate) fn positions<K: PartialEq>(pairs: &[(K, u32)], descending: bool) -> Vec<u32> {
    if !descending {
        return pairs.iter().map(|&(_, position)| position).collect();
    }
    let mut out = Vec::with_capacity(pairs.len());
    let mut end = pairs.len();
    while end > 0 {
        let key = &pairs[end - 1].0;
        let start = pairs[..end]
            .iter()
            .rposition(|(k, _)| k != key)
            .map_or(0, |at| at + 1);
        out.extend(pairs[start..end].iter().map(|&(_, position)| position));
        end = start;
    }
    out
}

/// The positions of `keys` in ascending key order, equal keys in position
/// order (a stable sort's order). At most `u32::MAX` keys.
pub(crate) fn order_by_key(keys: impl IntoIterator<Item = u64>) -> Vec<u32> {
    let mut pairs: Vec<Keyed> = keys.into_iter().zip(0..).collect();
    sort_keyed(&mut pairs);
    pairs.into_iter().map(|(_, position)| position).collect()
}

/// Sorts `items` by `key`, stably, as `sort_by_key` does.
pub(crate) fn sort_by_key<T>(items: &mut Vec<T>, key: impl FnMut(&T) -> u64) {
    let order = order_by_key(items.iter().map(key));
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    // Every position is in `order` once, so every slot is taken once.
    items.extend(
        order
            .into_iter()
            .filter_map(|position| slots[position as usize].take()),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_keys_keep_their_order() {
        assert_eq!(order_by_key([5, 1, 5, 0, 1]), vec![3, 1, 4, 0, 2]);
        assert_eq!(order_by_key([]), Vec::<u32>::new());
        let mut items = vec![(3, 'a'), (1, 'b'), (3, 'c'), (2, 'd'), (1, 'e')];
        sort_by_key(&mut items, |&(key, _)| key);
        assert_eq!(items, [(1, 'b'), (1, 'e'), (2, 'd'), (3, 'a'), (3, 'c')]);
    }

    #[test]
    fn descending_keeps_equal_keys_in_position_order() {
        let mut pairs = vec![("b", 0), ("a", 1), ("b", 2), ("c", 3), ("a", 4)];
        sort_text_keyed(&mut pairs);
        assert_eq!(positions(&pairs, false), [1, 4, 0, 2, 3]);
        assert_eq!(positions(&pairs, true), [3, 0, 2, 1, 4]);
        assert_eq!(positions::<u64>(&[], true), Vec::<u32>::new());
    }

    #[test]
    fn the_order_is_std_stable_sorts() {
        let mut state = 7u64;
        let keys: Vec<u64> = (0..1000)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                (state >> 33) % 50
            })
            .collect();
        let mut expected: Vec<u32> = (0..keys.len() as u32).collect();
        expected.sort_by_key(|&i| keys[i as usize]);
        assert_eq!(order_by_key(keys.iter().copied()), expected);
    }
}
