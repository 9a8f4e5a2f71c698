//! A tiny self-contained PRNG (SplitMix64) and the id derivation built on its mixer.
//!
//! Why not the `rand` crate: the demo environment is a fixture that docs, tests and screenshots
//! rely on, so a given seed must produce the very same values on every platform and with every
//! future build. `rand` documents that its value streams may change between versions (and std's
//! `HashMap` iteration order is randomised per process), so the generator owns its arithmetic:
//! plain wrapping integer operations whose results are fixed forever.

use crate::model::Id;

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 finaliser: a bijection on `u64` with good avalanche.
pub(super) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// SplitMix64 (Steele, Lea and Flood, 2014).
#[derive(Clone, Debug)]
pub(super) struct Rng(u64);

impl Rng {
    /// An independent stream for one entity: its values do not depend on how many values other
    /// entities drew, so adding a field to users does not reshuffle the groups.
    pub(super) fn stream(seed: u64, stream: u64, index: u64) -> Rng {
        Rng(mix(mix(seed ^ stream.wrapping_mul(GOLDEN)) ^ index))
    }

    pub(super) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix(self.0)
    }

    /// Uniform in `0..n` (multiply-high; 0 when `n` is 0).
    pub(super) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `0..len`; callers index non-empty slices with it.
    pub(super) fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// True with probability `permille / 1000`.
    pub(super) fn chance(&mut self, permille: u64) -> bool {
        self.below(1000) < permille
    }

    /// Uniform in `lo..hi` (`lo` when the range is empty).
    pub(super) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as u64) as i64
    }

    /// An element of a slice, `None` when it is empty.
    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            None
        } else {
            items.get(self.index(items.len()))
        }
    }

    /// An index drawn with the given weights (0 when they sum to 0).
    pub(super) fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut x = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if x < u64::from(w) {
                return i;
            }
            x -= u64::from(w);
        }
        0
    }
}

/// What an id names; part of the id derivation, so ids of different kinds never coincide.
#[derive(Copy, Clone, Debug)]
pub(super) enum Kind {
    Environment = 1,
    Organization,
    License,
    Population,
    User,
    Group,
    BuiltinRole,
    CustomRole,
    Application,
    Assignment,
    IdentityProvider,
    OtherEnvironment,
    DeletedGroup,
    ForeignRole,
    Gateway,
}

/// Built-in roles are organisation-wide in PingOne, with the same ids in every environment: their
/// ids do not depend on the seed.
pub(super) const BUILTIN_SEED: u64 = 0x5049_4E47_4F4E_4531;

/// A random-looking version-4 UUID derived from (seed, kind, index). The low half is a bijection
/// of (kind, index) for a given seed, so ids of one environment are distinct in practice (the
/// tests check it at every size they build).
pub(super) fn make_id(seed: u64, kind: Kind, index: u64) -> Id {
    let lo = mix(mix(seed) ^ ((kind as u64) << 48 | index));
    let hi = mix(lo ^ GOLDEN);
    let hi = (hi & !0xF000) | 0x4000; // version 4
    let lo = (lo & !(0b11 << 62)) | (0b10 << 62); // RFC 4122 variant
    Id::from_u128(u128::from(hi) << 64 | u128::from(lo))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_values_are_fixed_forever() {
        // Reference values of SplitMix64 seeded with 0 (from the published reference code).
        let mut r = Rng(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        let mut a = Rng::stream(7, 3, 11);
        let mut b = Rng::stream(7, 3, 11);
        assert_eq!(a.next_u64(), b.next_u64());
        assert_ne!(
            Rng::stream(7, 3, 11).next_u64(),
            Rng::stream(7, 3, 12).next_u64()
        );
    }

    #[test]
    fn draws_stay_in_range() {
        let mut r = Rng::stream(1, 2, 3);
        for _ in 0..1000 {
            assert!(r.below(7) < 7);
            let x = r.range(-5, 5);
            assert!((-5..5).contains(&x));
            assert!(r.weighted(&[0, 3, 0]) == 1);
        }
        assert_eq!(r.below(0), 0);
        assert!(r.pick::<u8>(&[]).is_none());
    }

    #[test]
    fn ids_look_like_v4_uuids() {
        let id = make_id(42, Kind::User, 0).to_string();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"), "{id}");
        assert_ne!(make_id(42, Kind::User, 0), make_id(42, Kind::Group, 0));
        assert_ne!(make_id(42, Kind::User, 0), make_id(43, Kind::User, 0));
    }
}
