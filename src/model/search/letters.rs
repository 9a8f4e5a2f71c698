//! The first keystroke's answers, made ahead: every filter starts with one letter, and at a
//! million users that letter is in nearly half of them (416,046 users hold an 'm'), the most
//! expensive search there is. After a load the explorer has the answer of every letter and digit
//! made once, in the background, by the same search; a one-letter query then copies its answer.

use super::keys::{ENT_BITS, FIELD_BITS, TIER_SHIFT, key_entity, key_field, key_tier};
use super::{Field, Hit, Query, Scope, SearchIndex, Tier};
use crate::model::address::Kind;
use crate::model::entities::Id;
use crate::model::graph::Graph;

/// Below this many entities the scan is fast enough (100,000 users: 1.8 ms for 'm').
pub(super) const LETTERS_MIN: usize = 200_000;

/// The letters and digits made ahead.
const SYMBOLS: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// Each symbol's answer over every entity, best first, an entry a hit: entity, field, tier.
pub(super) struct Letters(Vec<Vec<u32>>);

/// A hit in 32 bits: a key's entity and field bits (28), then its tier (2).
fn pack(key: u64) -> u32 {
    let low = (key & ((1 << (ENT_BITS + FIELD_BITS)) - 1)) as u32;
    low << 2 | key_tier(key) as u32
}

fn unpack(v: u32) -> (u32, Field, Tier) {
    let low = u64::from(v >> 2);
    let tier = key_tier(u64::from(v & 3) << TIER_SHIFT);
    (key_entity(low), key_field(low), tier)
}

impl SearchIndex {
    /// Makes the answer of every one-letter (and one-digit) query, once, for large indexes
    /// (at a million users about half a second on two threads, and 4 bytes a hit: tens of MB).
    /// Searches answer as before until it is done, and the same after.
    pub fn prepare_letters(&self, graph: &Graph) {
        self.prepare_letters_from(graph, LETTERS_MIN);
    }

    /// [`Self::prepare_letters`] for indexes of at least `min` entities.
    pub(super) fn prepare_letters_from(&self, graph: &Graph, min: usize) {
        if self.len() < min || self.letters.get().is_some() {
            return;
        }
        let answers = SYMBOLS
            .iter()
            .map(|&c| {
                let q = Query::new(&char::from(c).to_string());
                let all = Scope::Range(self.range(None));
                let keys = q.map_or_else(Vec::new, |q| self.run_keys(graph, &q, None, all, true));
                let packed = keys.iter().map(|&k| pack(k)).collect();
                self.pool.give(keys);
                packed
            })
            .collect();
        let _ = self.letters.set(Letters(answers));
    }

    /// Heap bytes of the letters made ahead.
    pub(super) fn letters_bytes(&self) -> usize {
        self.letters
            .get()
            .map_or(0, |l| l.0.iter().map(|v| 4 * v.capacity()).sum())
    }

    /// The answer of `q` from the letters made ahead, if it is one letter or digit and they
    /// are ready, and no entity has that letter for its id (an id hit would rank first).
    pub(super) fn letter_answer(
        &self,
        graph: &Graph,
        q: &Query,
        kinds: Option<Kind>,
    ) -> Option<Vec<Hit>> {
        let letters = self.letters.get()?;
        let &[c] = q.folded.as_bytes() else {
            return None;
        };
        let i = SYMBOLS.iter().position(|&s| s == c)?;
        let answer = letters.0.get(i)?;
        let by_id = |key: &str| {
            Kind::ALL
                .iter()
                .any(|&k| graph.target_by_id(k, &Id::new(key)).is_some())
        };
        if by_id(&q.raw) || by_id(&q.folded) {
            return None;
        }
        let range = self.range(kinds);
        let mut hits = self.answer_vec(answer.len());
        hits.extend(answer.iter().filter_map(|&v| {
            let (e, field, tier) = unpack(v);
            range.contains(&e).then(|| Hit {
                target: self.target(e),
                field,
                tier,
            })
        }));
        Some(hits)
    }
}
