//! The matching primitives behind the index: case folding, character-class masks, SWAR
//! substring search, the cheap fuzzy proxy score, and query preparation.

/// Case folding shared by the index, the query and highlighting: per-char lowercase.
pub(super) fn fold(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

/// The character class of a byte: one bit per ASCII letter and digit, 27 buckets for other
/// ASCII, one bit for every byte of a non-ASCII char. A field can only match a query whose
/// mask it covers.
pub(super) const fn byte_bit(b: u8) -> u64 {
    match b {
        b'a'..=b'z' => 1 << (b - b'a'),
        b'0'..=b'9' => 1 << (26 + b - b'0'),
        0x80.. => NON_ASCII,
        _ => 1 << (36 + b % 27),
    }
}

pub(super) const NON_ASCII: u64 = 1 << 63;

pub(super) const BITS: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = byte_bit(i as u8);
        i += 1;
    }
    t
};

pub(super) fn mask_of(s: &[u8]) -> u64 {
    s.iter().fold(0, |m, &b| m | BITS[b as usize])
}

/// Asks the CPU to bring the memory at `p` into its cache: a hint that never faults and
/// changes no result (a no-op on other architectures).
#[inline(always)]
pub(super) fn prefetch(p: *const i8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: PREFETCHT0 only loads a cache line; an invalid address is ignored, never read.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// The first occurrence of byte `b` in `t[from..]`, eight bytes at a time (field texts are a
/// few words: a byte loop spent most of a one-letter search here).
#[inline]
pub(super) fn find_byte(t: &[u8], b: u8, from: usize) -> Option<usize> {
    let pattern = LO * u64::from(b);
    let mut at = from;
    while at < t.len() {
        let x = load(t, at) ^ pattern;
        // High bit of each zero byte of `x` (a borrow only marks bytes above a true zero, so
        // the lowest mark is exact); bytes past the end are not looked at.
        let mut zero = x.wrapping_sub(LO) & !x & HI;
        if t.len() - at < 8 {
            zero &= (1u64 << (8 * (t.len() - at))) - 1;
        }
        if zero != 0 {
            return Some(at + zero.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    None
}

/// The first occurrence of `q` in `t`.
#[inline]
pub(super) fn find_bytes(t: &[u8], q: &[u8]) -> Option<usize> {
    match *q {
        [] => None,
        [a] => t.iter().position(|&b| b == a),
        [a, b, ref rest @ ..] => {
            let last = t.len().checked_sub(q.len())?;
            let mut from = 0;
            while let Some(i) = find_byte(t, a, from) {
                if i > last {
                    return None;
                }
                if t[i + 1] == b && t[i + 2..i + q.len()].iter().zip(rest).all(|(x, y)| x == y) {
                    return Some(i);
                }
                from = i + 1;
            }
            None
        }
    }
}

/// Where a unit of text starts a word.
pub(super) trait Unit: Copy + PartialEq {
    fn is_word(self) -> bool;
}

impl Unit for u8 {
    fn is_word(self) -> bool {
        self.is_ascii_alphanumeric() || self >= 0x80
    }
}

impl Unit for char {
    fn is_word(self) -> bool {
        self.is_alphanumeric()
    }
}

/// Whether unit `i` of `t` starts a word.
#[inline]
pub(super) fn head<T: Unit>(t: &[T], i: usize) -> bool {
    i == 0 || !t.get(i - 1).is_some_and(|p| p.is_word())
}

/// The cheap fuzzy score (higher is better), or `None` if `q` is no subsequence of `t` that
/// begins at a word start (so "ma" finds Maria and Thomas-Mann, not every "…m…a…"): the
/// shortest window ending at the earliest such match (fzf v1), scored like Skim's linear
/// matcher: 16 per matched unit, 8 at a word start (doubled for the first), 4 when consecutive,
/// -3 to open a gap and -1 per skipped unit.
pub(super) fn proxy_score<T: Unit>(t: &[T], q: &[T]) -> Option<i64> {
    let m = q.len();
    if m == 0 || t.len() < m {
        return None;
    }
    // Earliest end of a match, then the latest start of a match ending there.
    let mut qi = 0;
    let mut end = t.len();
    for (i, &c) in t.iter().enumerate() {
        if c == q[qi] && (qi > 0 || head(t, i)) {
            qi += 1;
            if qi == m {
                end = i;
                break;
            }
        }
    }
    if qi < m {
        return None;
    }
    let mut start = end;
    while qi > 0 {
        if t[start] == q[qi - 1] && (qi > 1 || head(t, start)) {
            qi -= 1;
            if qi == 0 {
                break;
            }
        }
        let Some(before) = start.checked_sub(1) else {
            break;
        };
        start = before;
    }
    let (mut score, mut prev_matched, mut in_gap) = (0i64, false, false);
    for i in start..=end {
        if qi < m && t[i] == q[qi] {
            let head = i == 0 || !t[i - 1].is_word();
            let bonus = match (head, qi) {
                (false, _) => 0,
                (true, 0) => 16,
                (true, _) => 8,
            };
            score += 16 + bonus + if prev_matched { 4 } else { 0 };
            qi += 1;
            prev_matched = true;
            in_gap = false;
        } else {
            score -= if in_gap { 1 } else { 4 };
            prev_matched = false;
            in_gap = true;
        }
    }
    Some(score)
}

/// How a field matched: a substring at this byte, or a subsequence with this proxy score.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Match {
    At(usize),
    Fuzzy(i64),
}

/// The byte-wise matcher: exact for ASCII queries (they can only match ASCII bytes).
pub(super) fn match_bytes(t: &[u8], q: &[u8]) -> Option<Match> {
    match find_bytes(t, q) {
        Some(p) => Some(Match::At(p)),
        None => proxy_score(t, q).map(Match::Fuzzy),
    }
}

pub(super) const LO: u64 = 0x0101_0101_0101_0101;
pub(super) const HI: u64 = 0x8080_8080_8080_8080;

/// The lowest set bit of `bits` above `p` (any, if `p` is `None`).
#[inline]
pub(super) fn lowest_above(bits: u64, p: Option<u32>) -> Option<u32> {
    let m = match p {
        None => bits,
        Some(p) => bits & (!0u64).checked_shl(p + 1).unwrap_or(0),
    };
    (m != 0).then(|| m.trailing_zeros())
}

/// The eight bytes of `t` from `at`, little-endian, zero past its end.
#[inline]
fn load(t: &[u8], at: usize) -> u64 {
    let eight = |c: &[u8]| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
    match t.get(at..at + 8) {
        // Indexing a slice known to hold eight bytes: one load, no call to memcpy.
        Some(c) => eight(c),
        // Near the end of a text of eight bytes or more: its last eight, shifted down.
        None if at < t.len() && t.len() >= 8 => {
            let base = t.len() - 8;
            t.get(base..).map_or(0, eight) >> (8 * (at - base))
        }
        None => t
            .get(at..)
            .unwrap_or(&[])
            .iter()
            .rev()
            .fold(0, |acc, &b| acc << 8 | u64::from(b)),
    }
}

/// A prepared query.
pub(super) struct Query {
    /// Trimmed, as typed.
    pub(super) raw: String,
    pub(super) folded: String,
    pub(super) chars: Vec<char>,
    pub(super) mask: u64,
    /// The query names an e-mail domain ('@'): e-mail fields are matched whole. Otherwise only
    /// their local part is, or a shared domain would match everyone.
    pub(super) at: bool,
    /// Two words or more: each word on its own, so they match in any order and across fields.
    pub(super) words: Vec<Query>,
}

impl Query {
    pub(super) fn new(query: &str) -> Option<Query> {
        let raw = query.trim();
        if raw.is_empty() {
            return None;
        }
        let folded = fold(raw);
        let mut words: Vec<Query> = Vec::new();
        if raw.split_whitespace().nth(1).is_some() {
            words = raw.split_whitespace().filter_map(Query::new).collect();
        }
        Some(Query {
            raw: raw.to_owned(),
            chars: folded.chars().collect(),
            mask: mask_of(folded.as_bytes()),
            at: folded.contains('@'),
            folded,
            words,
        })
    }
}

impl Query {
    /// Whether a field of character classes `mask` may hold this query: it has every class of
    /// the query, or it is an e-mail matched whole (its mask covers its local part only).
    #[inline]
    pub(super) fn may_match(&self, mask: u64, field: super::Field) -> bool {
        mask & self.mask == self.mask || (self.at && field == super::Field::Email)
    }
}

/// The bits and mask of a canonical lowercase UUID's prefix, if `q` is one.
pub(super) fn uuid_prefix(q: &str) -> Option<(u128, u128)> {
    if q.len() > 36 {
        return None;
    }
    let (mut bits, mut mask, mut nibble) = (0u128, 0u128, 0u32);
    for (i, b) in q.bytes().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if b != b'-' {
                return None;
            }
            continue;
        }
        let v = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            _ => return None,
        };
        let shift = 124 - 4 * nibble;
        bits |= u128::from(v) << shift;
        mask |= 0xF << shift;
        nibble += 1;
    }
    Some((bits, mask))
}
