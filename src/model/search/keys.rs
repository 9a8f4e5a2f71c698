//! A hit as a sortable `u64` (tier | rank | entity | field), and the parallel scan's halves.

use super::{Field, PARALLEL_MIN, Tier};

// A hit's key: tier | rank within the tier (lower is better) | entity | field.
pub(super) const FIELD_BITS: u32 = 3;
pub(super) const ENT_BITS: u32 = 25;
pub(super) const RANK_BITS: u32 = 34;
pub(super) const RANK_SHIFT: u32 = FIELD_BITS + ENT_BITS;
pub(super) const TIER_SHIFT: u32 = RANK_SHIFT + RANK_BITS;
/// More entities than this are not searchable (33 million).
pub(super) const MAX_ENTITIES: u32 = 1 << ENT_BITS;
pub(super) const RANK_MAX: u64 = (1 << RANK_BITS) - 1;
/// Fuzzy ranks: the proxy-only ones follow every re-ranked one.
pub(super) const PROXY_ONLY: u64 = 1 << 33;
/// Id prefixes follow every name prefix.
pub(super) const ID_PREFIX: u64 = 1 << 33;
/// Within a tier, e-mail matches follow every name and username match.
pub(super) const EMAIL: u64 = 1 << 32;

/// The rank bits that order fields within a tier.
pub(super) fn field_class(field: Field) -> u64 {
    if field == Field::Email { EMAIL } else { 0 }
}

pub(super) fn key(tier: Tier, rank: u64, e: u32, field: Field) -> u64 {
    (tier as u64) << TIER_SHIFT
        | rank.min(RANK_MAX) << RANK_SHIFT
        | u64::from(e & (MAX_ENTITIES - 1)) << FIELD_BITS
        | field as u64
}

pub(super) fn key_entity(k: u64) -> u32 {
    ((k >> FIELD_BITS) & u64::from(MAX_ENTITIES - 1)) as u32
}

pub(super) fn key_field(k: u64) -> Field {
    Field::ALL[((k & 7) as usize).min(4)]
}

pub(super) fn key_rank(k: u64) -> u64 {
    (k >> RANK_SHIFT) & RANK_MAX
}

pub(super) fn key_tier(k: u64) -> Tier {
    [Tier::Exact, Tier::Prefix, Tier::Substring, Tier::Fuzzy][(k >> TIER_SHIFT) as usize & 3]
}

pub(super) fn len_rank(len: usize, field: Field) -> u64 {
    (len.min(4095) as u64) << 2 | field.penalty()
}

/// A fuzzy score (higher is better) as a rank (lower is better): 18 bits of score, then length.
pub(super) fn fuzzy_rank(score: i64, len: usize, field: Field) -> u64 {
    let s = (score.saturating_add(1 << 16)).clamp(0, (1 << 18) - 1) as u64;
    ((1 << 18) - 1 - s) << 14 | len_rank(len, field)
}

/// One scan's keys, each list sorted: better-than-fuzzy hits, fuzzy hits (proxy ranks).
#[derive(Default)]
pub(super) struct Part {
    pub(super) hits: Vec<u64>,
    pub(super) fuzzy: Vec<u64>,
}

/// `scan(0..n)`, as two halves on two threads when `n` is large.
pub(super) fn split<F>(n: usize, parallel: bool, scan: F) -> [Part; 2]
where
    F: Fn(std::ops::Range<usize>) -> Part + Sync,
{
    if n < PARALLEL_MIN || !parallel {
        return [scan(0..n), Part::default()];
    }
    let mid = n / 2;
    std::thread::scope(|s| {
        let upper = std::thread::Builder::new().spawn_scoped(s, || scan(mid..n));
        let lower = scan(0..mid);
        // No thread (or, impossibly, a dead one): scan that half here.
        let upper = match upper.map(|h| h.join()) {
            Ok(Ok(upper)) => upper,
            _ => scan(mid..n),
        };
        [lower, upper]
    })
}

/// Two sorted lists as one.
pub(super) fn merge(a: Vec<u64>, b: Vec<u64>) -> Vec<u64> {
    if b.is_empty() {
        return a;
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] <= b[j] {
            out.push(a[i]);
            i += 1;
        } else {
            out.push(b[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}
