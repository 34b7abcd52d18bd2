//! Hashing shared by the whole crate: SplitMix64's mixing function, its
//! generator, and a hash of byte strings built on it.
//!
//! Seeded assignments (see `enrich`), jittered retry delays, the
//! page cache's key identities and the fetcher's repeated-page check all
//! need a fast, stable, well-mixed hash; none needs a cryptographic one.

/// SplitMix64's increment (the golden ratio as a 64-bit fraction).
pub(crate) const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64's step and finaliser: a fast, well-mixed 64-bit bijection.
/// `mix(s)`, `mix(s + GOLDEN_GAMMA)`, … is the SplitMix64 sequence of seed `s`.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(GOLDEN_GAMMA);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A 64-bit hash of a byte string (FNV's offset basis, then one [`mix`]
/// per byte): stable across platforms and runs. Not for untrusted keys of
/// a hash table an attacker could flood; here inputs are the user's own.
pub(crate) fn hash_bytes(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        mix(hash ^ u64::from(byte))
    })
}

/// The SplitMix64 generator: a deterministic stream of well-mixed numbers
/// from a seed, for test and benchmark data (the pipeline itself only
/// hashes, it never draws).
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next number.
    pub(crate) fn next_u64(&mut self) -> u64 {
        let out = mix(self.0);
        self.0 = self.0.wrapping_add(GOLDEN_GAMMA);
        out
    }

    /// A number in `0..n` (`n` at least 1; the tiny modulo bias is fine for test data).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_the_reference_sequence() {
        // The published SplitMix64 outputs for seed 0.
        let mut generator = SplitMix64::new(0);
        assert_eq!(generator.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(generator.next_u64(), 0x6e78_9e6a_a1b9_65f4);
        assert!((0..1000).all(|_| generator.below(7) < 7));
    }

    #[test]
    fn byte_hashes_are_pinned_and_order_sensitive() {
        // Pinned: the page cache's key identities are built on these.
        assert_eq!(hash_bytes(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(
            hash_bytes(b"ab"),
            mix(mix(0xcbf2_9ce4_8422_2325 ^ 0x61) ^ 0x62)
        );
        assert_ne!(hash_bytes(b"ab"), hash_bytes(b"ba"));
    }
}
