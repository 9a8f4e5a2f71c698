//! A field of at most 64 bytes as four 16-byte SIMD lanes, so that where a query byte occurs in
//! it is four compares, not a loop over its bytes (`wide`: SSE2 on x86_64, NEON on aarch64,
//! plain arrays elsewhere). Most fields (names, usernames, e-mails) fit; longer ones take the
//! byte-wise matcher.

use wide::u8x16;

use super::matching::{Match, head, lowest_above};

/// The longest field the lanes hold.
pub(super) const LANE_BYTES: usize = 64;
/// Longer queries take the byte-wise path (they match few fields anyway).
pub(super) const SHORT_QUERY: usize = 16;

/// A field's bytes, and which of the 64 positions are in the field.
pub(super) struct Lanes {
    v: [u8x16; 4],
    valid: u64,
}

impl Lanes {
    /// The first `len` (at most 64) bytes of `window`; the rest are ignored.
    #[inline]
    pub(super) fn new(window: &[u8; LANE_BYTES], len: usize) -> Lanes {
        let mut v = [u8x16::ZERO; 4];
        let mut rest: &[u8] = window;
        for lane in &mut v {
            if let Some((chunk, tail)) = rest.split_first_chunk::<16>() {
                (*lane, rest) = (u8x16::new(*chunk), tail);
            }
        }
        Lanes {
            v,
            valid: low_bits(len),
        }
    }

    /// A copy of `t` as lanes, if it fits.
    #[cfg(test)]
    pub(super) fn of(t: &[u8]) -> Option<Lanes> {
        let mut window = [0; LANE_BYTES];
        window.get_mut(..t.len())?.copy_from_slice(t);
        Some(Lanes::new(&window, t.len()))
    }

    /// Bit `i` set where byte `i` of the field is `c`.
    #[inline]
    pub(super) fn eq(&self, c: u8) -> u64 {
        self.eq_splat(u8x16::splat(c))
    }

    /// [`Self::eq`] for a byte already repeated across a lane.
    #[inline]
    pub(super) fn eq_splat(&self, p: u8x16) -> u64 {
        let mask = |k: usize| u64::from(self.v[k].cmp_eq(p).move_mask() as u16) << (16 * k);
        (mask(0) | mask(1) | mask(2) | mask(3)) & self.valid
    }

    /// Where `c` first occurs.
    #[inline]
    pub(super) fn find(&self, c: u8) -> Option<usize> {
        first_bit(self.eq(c))
    }
}

/// Where `c` first occurs in the field `t`, through its lanes when it has them.
#[inline]
pub(super) fn find_in(lanes: Option<&Lanes>, t: &[u8], c: u8) -> Option<usize> {
    match lanes {
        Some(l) => l.find(c),
        None => t.iter().position(|&x| x == c),
    }
}

/// The lowest set bit's position.
#[inline]
fn first_bit(bits: u64) -> Option<usize> {
    (bits != 0).then(|| bits.trailing_zeros() as usize)
}

/// The low `len` bits (all of them from 64 on).
#[inline]
pub(super) fn low_bits(len: usize) -> u64 {
    u64::MAX
        .checked_shr(64u32.saturating_sub(len as u32))
        .filter(|_| len > 0)
        .unwrap_or(0)
}

/// [`super::matching::match_bytes`] for the field `t` held in `l` and a query of at most
/// [`SHORT_QUERY`] bytes: the same answers and scores. Without `fuzzy`, substrings only.
#[cfg(test)]
pub(super) fn match_lanes(l: &Lanes, t: &[u8], q: &[u8], fuzzy: bool) -> Option<Match> {
    match_bits(
        t,
        q.len(),
        l.valid,
        |i| q.get(i).map_or(0, |&c| l.eq(c)),
        fuzzy,
    )
}

/// [`match_lanes`] from where each query byte occurs: `bits(i)` has bit `p` set where byte `p`
/// of `t` is the query's byte `i` (within `valid`, the bits of `t`), for a query of `m` bytes.
#[inline]
pub(super) fn match_bits(
    t: &[u8],
    m: usize,
    valid: u64,
    bits: impl Fn(usize) -> u64,
    fuzzy: bool,
) -> Option<Match> {
    if m == 0 || m > t.len() || m > SHORT_QUERY {
        return None;
    }
    // Each query byte's positions, asked for once.
    let mut pos = [0u64; SHORT_QUERY];
    for (i, slot) in pos[..m].iter_mut().enumerate() {
        *slot = bits(i);
    }
    let sub = (0..m).fold(valid, |sub, i| sub & pos[i] >> i);
    if sub != 0 {
        return Some(Match::At(sub.trailing_zeros() as usize));
    }
    // A one-byte query matches as a substring or not at all.
    if !fuzzy || m == 1 {
        return None;
    }
    // The greedy leftmost subsequence that starts at a word start: its end (the first byte's
    // positions kept to word starts).
    let mut end = None;
    for (i, slot) in pos[..m].iter_mut().enumerate() {
        let mut b = *slot;
        if i == 0 {
            let mut starts = 0;
            let mut rest = b;
            while rest != 0 {
                let p = rest.trailing_zeros() as usize;
                if head(t, p) {
                    starts |= 1 << p;
                }
                rest &= rest - 1;
            }
            b = starts;
        }
        end = Some(lowest_above(b, end)?);
        *slot = b;
    }
    // The latest start of a match ending at `end`, then score forward from it.
    let mut start = end?;
    for &b in pos[..m - 1].iter().rev() {
        let below = b & ((1u64 << start) - 1);
        start = 63u32.checked_sub(below.leading_zeros())?;
    }
    let (mut score, mut prev) = (0i64, None::<u32>);
    for (i, &b) in pos[..m].iter().enumerate() {
        let p = if i == 0 {
            start
        } else {
            lowest_above(b, prev)?
        };
        score += 16
            + match (head(t, p as usize), i) {
                (false, _) => 0,
                (true, 0) => 16,
                (true, _) => 8,
            };
        match prev {
            Some(q) if p == q + 1 => score += 4,
            Some(q) => score -= 3 + i64::from(p - q - 1),
            None => {}
        }
        prev = Some(p);
    }
    Some(Match::Fuzzy(score))
}
