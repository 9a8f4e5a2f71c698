//! A hit as a sortable `u64` (tier | rank | entity | field), the parallel scan's chunks, and the
//! working vectors kept between searches.

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

#[cfg(test)]
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

/// A parallel scan takes its entities this many at a time.
const CHUNK: usize = 8192;

/// `scan(0..n)` into parts made by `take`, each part then passed to `finish` by the thread that
/// filled it: on two threads when `n` is large, each taking the next chunk of entities in turn
/// (one thread can run slower than the other: halves fixed in advance left the faster one idle).
/// A thread's chunks ascend, so each part's keys are in entity order, as from one scan.
pub(super) fn split<T, F, D>(n: usize, parallel: bool, take: T, scan: F, finish: D) -> [Part; 2]
where
    T: Fn() -> Part + Sync,
    F: Fn(std::ops::Range<usize>, &mut Part) + Sync,
    D: Fn(&mut Part) + Sync,
{
    let alone = || {
        let mut part = take();
        scan(0..n, &mut part);
        finish(&mut part);
        [part, Part::default()]
    };
    if n < PARALLEL_MIN || !parallel {
        return alone();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut part = take();
        loop {
            let start = next.fetch_add(CHUNK, std::sync::atomic::Ordering::Relaxed);
            if start >= n {
                finish(&mut part);
                return part;
            }
            scan(start..(start + CHUNK).min(n), &mut part);
        }
    };
    std::thread::scope(|s| {
        let other = std::thread::Builder::new().spawn_scoped(s, work);
        let mine = work();
        match other.map(|h| h.join()) {
            Ok(Ok(other)) => [mine, other],
            // No thread: this one took every chunk.
            Err(_) => [mine, Part::default()],
            // A thread that died (impossible) lost its chunks: scan everything here.
            Ok(Err(_)) => alone(),
        }
    })
}

/// Sorts keys that arrive in entity order (as a scan makes them: one key per entity, entities
/// ascending), as `sort_unstable` would: their low bits (entity, field) are already in order, so
/// a stable sort on the tier and rank above them is the whole sort. LSD radix, 12 bits a pass,
/// skipping a pass whose digit every key shares (short queries give few distinct ranks).
/// `scratch` is working room (its content is lost).
pub(super) fn sort_scanned(v: &mut Vec<u64>, scratch: &mut Vec<u64>) {
    const DIGIT: u32 = 12;
    const PASSES: u32 = (64 - RANK_SHIFT).div_ceil(DIGIT);
    if v.len() < 4096 {
        v.sort_unstable();
        return;
    }
    let digit =
        |k: u64, pass: u32| ((k >> (RANK_SHIFT + pass * DIGIT)) & ((1 << DIGIT) - 1)) as usize;
    let mut counts = vec![[0u32; 1 << DIGIT]; PASSES as usize];
    for &k in v.iter() {
        for (pass, c) in (0..PASSES).zip(counts.iter_mut()) {
            c[digit(k, pass)] += 1;
        }
    }
    scratch.clear();
    scratch.resize(v.len(), 0);
    for (pass, c) in (0..PASSES).zip(counts.iter_mut()) {
        if c.iter().any(|&n| n as usize == v.len()) {
            continue;
        }
        let mut at = 0;
        for n in c.iter_mut() {
            (*n, at) = (at, at + *n);
        }
        for &k in v.iter() {
            let slot = &mut c[digit(k, pass)];
            if let Some(s) = scratch.get_mut(*slot as usize) {
                *s = k;
            }
            *slot += 1;
        }
        std::mem::swap(v, scratch);
    }
}

/// Working vectors kept between searches: at a million entities a search's key lists are
/// megabytes, and fresh ones are page faults (the binary's allocator gives freed memory back at
/// once: a fresh 5 MB vector costs 1-2 ms more to fill than a reused one). At most `max` are kept.
pub(super) struct Pool<T> {
    kept: std::sync::Mutex<Vec<Vec<T>>>,
    max: usize,
}

impl<T> Pool<T> {
    pub(super) fn new(max: usize) -> Pool<T> {
        Pool {
            kept: std::sync::Mutex::new(Vec::new()),
            max,
        }
    }

    /// An empty vector with room for `n`: the smallest kept one that fits, else the roomiest.
    pub(super) fn take(&self, n: usize) -> Vec<T> {
        let mut v = self
            .kept
            .lock()
            .ok()
            .and_then(|mut p| {
                let fits = (0..p.len())
                    .filter(|&i| p[i].capacity() >= n)
                    .min_by_key(|&i| p[i].capacity());
                let i = fits.or_else(|| (0..p.len()).max_by_key(|&i| p[i].capacity()))?;
                Some(p.swap_remove(i))
            })
            .unwrap_or_default();
        v.clear();
        v.reserve(n);
        v
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.kept.lock().map_or(0, |p| p.len())
    }

    /// Keeps `v` for a later search.
    pub(super) fn give(&self, v: Vec<T>) {
        if v.capacity() == 0 {
            return;
        }
        if let Ok(mut p) = self.kept.lock() {
            if p.len() < self.max {
                p.push(v);
            }
        }
    }
}

/// Two sorted lists as one (in a vector from `pool`; theirs go back to it).
pub(super) fn merge(pool: &Pool<u64>, a: Vec<u64>, b: Vec<u64>) -> Vec<u64> {
    if b.is_empty() {
        pool.give(b);
        return a;
    }
    let mut out = pool.take(a.len() + b.len());
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
    pool.give(a);
    pool.give(b);
    out
}
