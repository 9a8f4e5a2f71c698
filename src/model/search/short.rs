//! A short ASCII query (2 to 8 bytes) against an entity whose fields fit the SIMD lanes, with
//! few branches: each query byte's positions are one compare per lane, and the substring and
//! the fuzzy subsequence are both worked out with bit operations on them and on the field's
//! stored word starts. The second keystroke of a filter at a million users evaluates most
//! fields of nearly half the entities, and which tier a field falls in is unpredictable: the
//! general path's branches (a loop over the first byte's positions, a word-start test per
//! matched byte) cost more than all of this arithmetic.
//!
//! Gives the keys of [`SearchIndex::eval_phrase`], which stays the reference (`tests_short`).

use wide::u8x16;

use super::*;

/// Bit `p` set where position `p` of `t` starts a word (its first 64 bytes).
pub(super) fn word_starts(t: &[u8]) -> u64 {
    (0..t.len().min(LANE_BYTES))
        .filter(|&p| head(t, p))
        .fold(0, |w, p| w | 1 << p)
}

/// The query's bytes, each repeated across a lane.
pub(super) struct Needle<const M: usize> {
    splat: [u8x16; M],
}

impl<const M: usize> Needle<M> {
    /// `None` unless `q` is one phrase of `M` ASCII bytes.
    pub(super) fn of(q: &Query) -> Option<Needle<M>> {
        let qb: &[u8; M] = q.folded.as_bytes().try_into().ok()?;
        let ascii = q.mask & NON_ASCII == 0;
        (ascii && q.words.is_empty() && M >= 2).then(|| Needle {
            splat: qb.map(u8x16::splat),
        })
    }
}

impl SearchIndex {
    /// [`Self::eval_phrase`] for the query `n` was made of.
    #[inline]
    pub(super) fn eval_short<const M: usize>(
        &self,
        q: &Query,
        n: &Needle<M>,
        e: u32,
    ) -> Option<u64> {
        let (spans, marks, fields) = self.entity_fields(e)?;
        let mut best = u64::MAX;
        for i in 0..marks.len() {
            let field = fields[i];
            if !q.may_match(marks[i].mask, field) {
                continue;
            }
            let (start, len) = (spans[i] as usize, (spans[i + 1] - spans[i]) as usize);
            let Some(l) = self.lanes_of(start..start + len) else {
                // A long field (rare): the whole entity the general way.
                return self.eval_phrase(q, e);
            };
            // An e-mail is matched on its local part unless the query has an '@'.
            let (mut tlen, mut cut) = (len, false);
            if field == Field::Email && !q.at {
                let ats = l.eq(b'@');
                if ats != 0 {
                    (tlen, cut) = (ats.trailing_zeros() as usize, true);
                }
            }
            let valid = low_bits(tlen);
            let pos: [u64; M] = std::array::from_fn(|k| l.eq_splat(n.splat[k]) & valid);
            let class = field_class(field);
            let at = (0..M).fold(valid, |s, k| s & pos[k] >> k);
            let k = if at != 0 {
                let (tier, rank) = substring_rank_bits(at, tlen, M, cut, marks[i].heads, field);
                key(tier, rank | class, e, field)
            } else {
                match fuzzy_bits(&pos, marks[i].heads) {
                    Some(s) => key(
                        Tier::Fuzzy,
                        PROXY_ONLY | fuzzy_rank(s, tlen, field) | class,
                        e,
                        field,
                    ),
                    None => u64::MAX,
                }
            };
            best = best.min(k);
        }
        (best != u64::MAX).then_some(best)
    }
}

/// `substring_rank` (in `query`) for the substring found at the lowest bit of `at`, with
/// the field's word starts `heads` in place of its bytes.
#[inline]
fn substring_rank_bits(
    at: u64,
    tlen: usize,
    m: usize,
    cut: bool,
    heads: u64,
    field: Field,
) -> (Tier, u64) {
    let pos = at.trailing_zeros() as u64;
    let len_rank = len_rank(tlen, field);
    if pos == 0 {
        if tlen == m && !cut {
            (Tier::Exact, field.penalty())
        } else {
            (Tier::Prefix, len_rank)
        }
    } else {
        let mid_word = (heads >> pos) & 1 ^ 1;
        (Tier::Substring, mid_word << 26 | pos << 14 | len_rank)
    }
}

/// [`super::lanes::match_bits`]' fuzzy score from each query byte's positions `pos` (within the
/// searched text) and the text's word starts: the greedy leftmost subsequence that starts at a
/// word start, its latest start, scored forward from there. No branch depends on the text.
#[inline]
fn fuzzy_bits<const M: usize>(pos: &[u64; M], heads: u64) -> Option<i64> {
    let first = pos[0] & heads;
    // Bits of `b` above position `p` (at most 63), and the lowest of them.
    let above = |b: u64, p: u32| b & (!1u64 << p);
    let mut ok = first != 0;
    let mut end = first.trailing_zeros() & 63;
    for &b in &pos[1..] {
        let b = above(b, end);
        ok &= b != 0;
        end = b.trailing_zeros() & 63;
    }
    // The latest start of a match ending at `end`.
    let mut start = end;
    for k in (0..M - 1).rev() {
        let b = if k == 0 { first } else { pos[k] };
        let below = b & ((1u64 << start) - 1);
        start = 63u32.wrapping_sub(below.leading_zeros()) & 63;
    }
    // The first byte is at a word start: 16 + 16.
    let (mut score, mut prev) = (32i64, start);
    for &b in &pos[1..] {
        let p = above(b, prev).trailing_zeros() & 63;
        let head = (heads >> p) & 1;
        let gap = i64::from(p) - i64::from(prev) - 1;
        score += 16 + 8 * head as i64 + if gap == 0 { 4 } else { -3 - gap };
        prev = p;
    }
    ok.then_some(score)
}
