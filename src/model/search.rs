//! Fuzzy search over every entity of the graph, behind a small scorer trait.
//!
//! The index is one contiguous lowercase `String` holding every searchable field (usernames,
//! display names, emails, names), `u32` offsets into it, and a 64-bit character-class mask per
//! field that rejects most fields with one AND. Ids are not copied into it: exact ids go through
//! the graph's id maps, id prefixes compare the packed UUID bits.
//!
//! Ranking, best first: exact, prefix, substring, fuzzy (a subsequence inside one field). Within
//! a tier: a match at a word start, an earlier match, a shorter text (fuzzy: the score), then the
//! graph's order. Each entity appears once, under its best field.
//!
//! Fuzzy candidates are first scored by a cheap linear proxy; the best [`REFINE`] of them are
//! re-scored by the [`Scorer`] and ranked first, the rest follow in proxy order. Short queries
//! make tens of thousands of fuzzy candidates, and the scorer costs about a microsecond each.
//!
//! A hit is a sorted `u64`: tier, rank within the tier, entity, field. Sorting plain integers is
//! what keeps a 100,000-hit answer within a frame.

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

use super::entities::Id;
use super::graph::{AppIx, Graph, GroupIx, PopIx, RoleIx, UserIx};

/// The kinds of entity search covers, in the graph's order.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Kind {
    User,
    Group,
    Role,
    App,
    Population,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::User,
        Kind::Group,
        Kind::Role,
        Kind::App,
        Kind::Population,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::Group => "Group",
            Kind::Role => "Role",
            Kind::App => "App",
            Kind::Population => "Population",
        }
    }
}

/// One entity of the graph: its kind and its index in that kind's arena.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct Target {
    pub kind: Kind,
    pub ix: u32,
}

macro_rules! target_from {
    ($($ix:ty => $kind:ident),+) => {$(
        impl From<$ix> for Target {
            fn from(ix: $ix) -> Target {
                Target { kind: Kind::$kind, ix: ix.0 }
            }
        }
    )+};
}

target_from!(UserIx => User, GroupIx => Group, RoleIx => Role, AppIx => App, PopIx => Population);

/// Which field of the entity matched.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Field {
    Username,
    DisplayName,
    Email,
    Name,
    Id,
}

impl Field {
    const ALL: [Field; 5] = [
        Field::Username,
        Field::DisplayName,
        Field::Email,
        Field::Name,
        Field::Id,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Field::Username => "username",
            Field::DisplayName => "display name",
            Field::Email => "email",
            Field::Name => "name",
            Field::Id => "id",
        }
    }

    /// Tiebreak between fields matching equally well: the entity's main name first.
    fn penalty(self) -> u64 {
        match self {
            Field::Username | Field::Name => 0,
            Field::DisplayName => 1,
            Field::Email => 2,
            Field::Id => 3,
        }
    }
}

/// How well a field matched, best first.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Tier {
    Exact,
    Prefix,
    Substring,
    Fuzzy,
}

#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct Hit {
    pub target: Target,
    pub field: Field,
    pub tier: Tier,
    /// Higher is better; only comparable within one tier (`<= 0`).
    pub score: i64,
}

/// A fuzzy scorer. Both strings arrive already lowercased; `None` means no match.
pub trait Scorer: Send + Sync {
    fn score(&self, haystack: &str, needle: &str) -> Option<i64>;
    /// Char indices of `haystack` that match, for highlighting.
    fn positions(&self, haystack: &str, needle: &str) -> Option<Vec<usize>>;
}

/// Score matrices larger than this fall back to Skim's linear matcher.
const SKIM_CELLS: usize = 1 << 16;

/// The default scorer: skim's V2 algorithm (fzf-like).
pub struct SkimScorer(SkimMatcherV2);

impl Default for SkimScorer {
    fn default() -> Self {
        SkimScorer(
            SkimMatcherV2::default()
                .ignore_case()
                .element_limit(SKIM_CELLS),
        )
    }
}

impl Scorer for SkimScorer {
    fn score(&self, haystack: &str, needle: &str) -> Option<i64> {
        if haystack.len().saturating_mul(needle.len()) > SKIM_CELLS {
            // The positional variant honours `element_limit`; the score-only one does not.
            return self.0.fuzzy_indices(haystack, needle).map(|(s, _)| s);
        }
        self.0.fuzzy_match(haystack, needle)
    }

    fn positions(&self, haystack: &str, needle: &str) -> Option<Vec<usize>> {
        self.0.fuzzy_indices(haystack, needle).map(|(_, p)| p)
    }
}

/// Longer field texts are indexed up to this many bytes (at a char boundary).
const MAX_FIELD_BYTES: usize = 1024;
/// Id prefixes shorter than this are not matched (too many random hits).
const MIN_ID_PREFIX: usize = 4;
/// How many of the best fuzzy candidates (by the proxy) the scorer re-ranks.
pub const REFINE: usize = 256;
/// Below this many entities a search runs on the calling thread only.
const PARALLEL_MIN: usize = 20_000;

// A hit's key: tier | rank within the tier (lower is better) | entity | field.
const FIELD_BITS: u32 = 3;
const ENT_BITS: u32 = 25;
const RANK_BITS: u32 = 34;
const RANK_SHIFT: u32 = FIELD_BITS + ENT_BITS;
const TIER_SHIFT: u32 = RANK_SHIFT + RANK_BITS;
/// More entities than this are not searchable (33 million).
const MAX_ENTITIES: u32 = 1 << ENT_BITS;
const RANK_MAX: u64 = (1 << RANK_BITS) - 1;
/// Fuzzy ranks: the proxy-only ones follow every re-ranked one.
const PROXY_ONLY: u64 = 1 << 33;
/// Id prefixes follow every name prefix.
const ID_PREFIX: u64 = 1 << 20;

fn key(tier: Tier, rank: u64, e: u32, field: Field) -> u64 {
    (tier as u64) << TIER_SHIFT
        | rank.min(RANK_MAX) << RANK_SHIFT
        | u64::from(e & (MAX_ENTITIES - 1)) << FIELD_BITS
        | field as u64
}

fn key_entity(k: u64) -> u32 {
    ((k >> FIELD_BITS) & u64::from(MAX_ENTITIES - 1)) as u32
}

fn key_field(k: u64) -> Field {
    Field::ALL[((k & 7) as usize).min(4)]
}

fn key_rank(k: u64) -> u64 {
    (k >> RANK_SHIFT) & RANK_MAX
}

fn key_tier(k: u64) -> Tier {
    [Tier::Exact, Tier::Prefix, Tier::Substring, Tier::Fuzzy][(k >> TIER_SHIFT) as usize & 3]
}

fn len_rank(len: usize, field: Field) -> u64 {
    (len.min(4095) as u64) << 2 | field.penalty()
}

/// A fuzzy score (higher is better) as a rank (lower is better): 18 bits of score, then length.
fn fuzzy_rank(score: i64, len: usize, field: Field) -> u64 {
    let s = (score.saturating_add(1 << 16)).clamp(0, (1 << 18) - 1) as u64;
    ((1 << 18) - 1 - s) << 14 | len_rank(len, field)
}

/// Case folding shared by the index, the query and highlighting: per-char lowercase.
fn fold(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

/// The character class of a byte: one bit per ASCII letter and digit, 27 buckets for other
/// ASCII, one bit for every byte of a non-ASCII char. A field can only match a query whose
/// mask it covers.
const fn byte_bit(b: u8) -> u64 {
    match b {
        b'a'..=b'z' => 1 << (b - b'a'),
        b'0'..=b'9' => 1 << (26 + b - b'0'),
        0x80.. => NON_ASCII,
        _ => 1 << (36 + b % 27),
    }
}

const NON_ASCII: u64 = 1 << 63;

const BITS: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = byte_bit(i as u8);
        i += 1;
    }
    t
};

fn mask_of(s: &[u8]) -> u64 {
    s.iter().fold(0, |m, &b| m | BITS[b as usize])
}

/// The first occurrence of `q` in `t`.
#[inline]
fn find_bytes(t: &[u8], q: &[u8]) -> Option<usize> {
    match *q {
        [] => None,
        [a] => t.iter().position(|&b| b == a),
        [a, b, ref rest @ ..] => {
            let last = t.len().checked_sub(q.len())?;
            (0..=last).find(|&i| {
                t[i] == a
                    && t[i + 1] == b
                    && t[i + 2..i + q.len()].iter().zip(rest).all(|(x, y)| x == y)
            })
        }
    }
}

/// Where a unit of text starts a word.
trait Unit: Copy + PartialEq {
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

/// The cheap fuzzy score (higher is better), or `None` if `q` is no subsequence of `t`: the
/// shortest window ending at the earliest full match (fzf v1), scored like Skim's linear
/// matcher: 16 per matched unit, 8 at a word start (doubled for the first), 4 when consecutive,
/// -3 to open a gap and -1 per skipped unit.
fn proxy_score<T: Unit>(t: &[T], q: &[T]) -> Option<i64> {
    let m = q.len();
    if m == 0 || t.len() < m {
        return None;
    }
    // Earliest end of a match, then the latest start of a match ending there.
    let mut qi = 0;
    let mut end = t.len();
    for (i, &c) in t.iter().enumerate() {
        if c == q[qi] {
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
        if t[start] == q[qi - 1] {
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
enum Match {
    At(usize),
    Fuzzy(i64),
}

/// The byte-wise matcher: exact for ASCII queries (they can only match ASCII bytes).
fn match_bytes(t: &[u8], q: &[u8]) -> Option<Match> {
    match find_bytes(t, q) {
        Some(p) => Some(Match::At(p)),
        None => proxy_score(t, q).map(Match::Fuzzy),
    }
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Bit `k` set where byte `k` of `w` equals `b` (SWAR: eight bytes at once).
#[inline]
fn eq_bits(w: u64, b: u8) -> u64 {
    let x = w ^ (LO * u64::from(b));
    let zero = !(((x & !HI) + !HI) | x) & HI;
    (zero >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56
}

/// The lowest set bit of `bits` above `p` (any, if `p` is `None`).
#[inline]
fn lowest_above(bits: u64, p: Option<u32>) -> Option<u32> {
    let m = match p {
        None => bits,
        Some(p) => bits & (!0u64).checked_shl(p + 1).unwrap_or(0),
    };
    (m != 0).then(|| m.trailing_zeros())
}

/// Longer queries take the byte-wise path (they match few fields anyway).
const SHORT_QUERY: usize = 16;

/// [`match_bytes`] for a field of at most 64 bytes, with one bitmask of positions per query byte.
/// Same answers, same scores.
fn match_short(t: &[u8], q: &[u8]) -> Option<Match> {
    let m = q.len();
    if m < 2 || m > t.len() || m > SHORT_QUERY || t.len() > 64 {
        return match_bytes(t, q);
    }
    let mut words = [0u64; 8];
    let chunks = t.chunks_exact(8);
    let tail = chunks.remainder();
    let mut n = 0;
    for (w, chunk) in words.iter_mut().zip(chunks) {
        *w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        n += 1;
    }
    if !tail.is_empty() {
        let last = tail
            .iter()
            .rev()
            .fold(0u64, |acc, &b| acc << 8 | u64::from(b));
        if let Some(w) = words.get_mut(n) {
            *w = last;
            n += 1;
        }
    }
    let words = &words[..n];
    let valid = (!0u64).checked_shr(64 - t.len() as u32).unwrap_or(0);
    let mut bits = [0u64; SHORT_QUERY];
    let (mut sub, mut end) = (valid, None);
    for (i, &c) in q.iter().enumerate() {
        let b = words
            .iter()
            .enumerate()
            .fold(0, |acc, (k, &w)| acc | eq_bits(w, c) << (8 * k))
            & valid;
        // Greedy leftmost subsequence: no next position, no match at all.
        end = Some(lowest_above(b, end)?);
        sub &= b >> i;
        bits[i] = b;
    }
    if sub != 0 {
        return Some(Match::At(sub.trailing_zeros() as usize));
    }
    // The latest start of a match ending at `end`, then score forward from it.
    let mut start = end?;
    for &b in bits[..m - 1].iter().rev() {
        let below = b & ((1u64 << start) - 1);
        start = 63u32.checked_sub(below.leading_zeros())?;
    }
    let (mut score, mut prev) = (0i64, None::<u32>);
    for (i, &b) in bits[..m].iter().enumerate() {
        let pos = if i == 0 {
            start
        } else {
            lowest_above(b, prev)?
        };
        let head = pos == 0 || !t.get(pos as usize - 1).is_some_and(|p| p.is_word());
        score += 16
            + match (head, i) {
                (false, _) => 0,
                (true, 0) => 16,
                (true, _) => 8,
            };
        match prev {
            Some(p) if pos == p + 1 => score += 4,
            Some(p) => score -= 3 + i64::from(pos - p - 1),
            None => {}
        }
        prev = Some(pos);
    }
    Some(Match::Fuzzy(score))
}

/// A prepared query.
struct Query {
    /// Trimmed, as typed.
    raw: String,
    folded: String,
    chars: Vec<char>,
    mask: u64,
}

impl Query {
    fn new(query: &str) -> Option<Query> {
        let raw = query.trim();
        if raw.is_empty() {
            return None;
        }
        let folded = fold(raw);
        Some(Query {
            raw: raw.to_owned(),
            chars: folded.chars().collect(),
            mask: mask_of(folded.as_bytes()),
            folded,
        })
    }
}

/// The bits and mask of a canonical lowercase UUID's prefix, if `q` is one.
fn uuid_prefix(q: &str) -> Option<(u128, u128)> {
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

/// One scan's keys, each list sorted: better-than-fuzzy hits, fuzzy hits (proxy ranks).
#[derive(Default)]
struct Part {
    hits: Vec<u64>,
    fuzzy: Vec<u64>,
}

/// `scan(0..n)`, as two halves on two threads when `n` is large.
fn split<F>(n: usize, parallel: bool, scan: F) -> [Part; 2]
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
fn merge(a: Vec<u64>, b: Vec<u64>) -> Vec<u64> {
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

/// The searchable text of every entity of one graph.
pub struct SearchIndex {
    /// Every field's folded text, back to back.
    text: String,
    /// Field `f` is `text[starts[f]..starts[f + 1]]`.
    starts: Vec<u32>,
    masks: Vec<u64>,
    fields: Vec<Field>,
    /// Entity `e`'s fields are `ent_fields[e]..ent_fields[e + 1]`. Entities are numbered
    /// users first, then groups, roles, apps, populations.
    ent_fields: Vec<u32>,
    /// Kind `k`'s entities are `kind_starts[k]..kind_starts[k + 1]`.
    kind_starts: [u32; 6],
    /// Entities whose id is not a canonical UUID (rare), for id-prefix matching.
    text_ids: Vec<u32>,
    scorer: Box<dyn Scorer>,
}

fn entity_id(graph: &Graph, t: Target) -> Option<&Id> {
    let ix = t.ix as usize;
    match t.kind {
        Kind::User => graph.users.get(ix).map(|x| &x.id),
        Kind::Group => graph.groups.get(ix).map(|x| &x.id),
        Kind::Role => graph.roles.get(ix).map(|x| &x.id),
        Kind::App => graph.apps.get(ix).map(|x| &x.id),
        Kind::Population => graph.populations.get(ix).map(|x| &x.id),
    }
}

fn entity_count(graph: &Graph, kind: Kind) -> usize {
    match kind {
        Kind::User => graph.users.len(),
        Kind::Group => graph.groups.len(),
        Kind::Role => graph.roles.len(),
        Kind::App => graph.apps.len(),
        Kind::Population => graph.populations.len(),
    }
}

/// The displayed text of one field of one entity.
pub fn field_text(graph: &Graph, target: Target, field: Field) -> Option<String> {
    let ix = target.ix as usize;
    let text = match (target.kind, field) {
        (_, Field::Id) => entity_id(graph, target)?.to_string(),
        (Kind::User, Field::Username) => graph.users.get(ix)?.username.to_string(),
        (Kind::User, Field::DisplayName) => graph.users.get(ix)?.display_name()?,
        (Kind::User, Field::Email) => graph.users.get(ix)?.email.as_deref()?.to_owned(),
        (Kind::Group, Field::DisplayName) => graph.groups.get(ix)?.display_name.clone()?,
        (Kind::Group, Field::Name) => graph.groups.get(ix)?.name.clone(),
        (Kind::Role, Field::Name) => graph.roles.get(ix)?.name.clone(),
        (Kind::App, Field::Name) => graph.apps.get(ix)?.name.clone(),
        (Kind::Population, Field::Name) => graph.populations.get(ix)?.name.clone(),
        _ => return None,
    };
    Some(text)
}

/// The entities one search looks at.
#[derive(Clone)]
enum Scope<'a> {
    Range(std::ops::Range<u32>),
    List(&'a [u32]),
}

impl SearchIndex {
    /// Indexes every entity of the graph, with the default (Skim) scorer.
    pub fn build(graph: &Graph) -> SearchIndex {
        SearchIndex::with_scorer(graph, Box::new(SkimScorer::default()))
    }

    pub fn with_scorer(graph: &Graph, scorer: Box<dyn Scorer>) -> SearchIndex {
        let mut ix = SearchIndex {
            text: String::new(),
            starts: vec![0],
            masks: Vec::new(),
            fields: Vec::new(),
            ent_fields: vec![0],
            kind_starts: [0; 6],
            text_ids: Vec::new(),
            scorer,
        };
        for (k, kind) in Kind::ALL.into_iter().enumerate() {
            let room = (MAX_ENTITIES - ix.kind_starts[k]) as usize;
            for i in 0..entity_count(graph, kind).min(room) {
                let t = Target { kind, ix: i as u32 };
                let fields: &[Field] = match kind {
                    Kind::User => &[Field::Username, Field::DisplayName, Field::Email],
                    Kind::Group => &[Field::Name, Field::DisplayName],
                    _ => &[Field::Name],
                };
                for &f in fields {
                    if let Some(text) = field_text(graph, t, f) {
                        ix.push_field(f, &text);
                    }
                }
                if let Some(Id::Text(_)) = entity_id(graph, t) {
                    ix.text_ids.push(ix.ent_fields.len() as u32 - 1);
                }
                ix.ent_fields.push(ix.fields.len() as u32);
            }
            ix.kind_starts[k + 1] = ix.ent_fields.len() as u32 - 1;
        }
        ix.text.shrink_to_fit();
        ix.starts.shrink_to_fit();
        ix.masks.shrink_to_fit();
        ix.fields.shrink_to_fit();
        ix.ent_fields.shrink_to_fit();
        ix.text_ids.shrink_to_fit();
        ix
    }

    fn push_field(&mut self, field: Field, text: &str) {
        let start = self.text.len();
        for c in text.chars().flat_map(char::to_lowercase) {
            if self.text.len() - start + c.len_utf8() > MAX_FIELD_BYTES {
                break;
            }
            self.text.push(c);
        }
        // Duplicate texts (a display name equal to the username) add nothing.
        let own = self.ent_fields.last().copied().unwrap_or(0) as usize..self.fields.len();
        let dup = own
            .into_iter()
            .any(|f| self.field_bytes(f) == &self.text.as_bytes()[start..]);
        if self.text.len() == start || dup || u32::try_from(self.text.len()).is_err() {
            self.text.truncate(start);
            return;
        }
        self.masks.push(mask_of(&self.text.as_bytes()[start..]));
        self.fields.push(field);
        self.starts.push(self.text.len() as u32);
    }

    fn field_bytes(&self, f: usize) -> &[u8] {
        match (self.starts.get(f), self.starts.get(f + 1)) {
            (Some(&a), Some(&b)) => self
                .text
                .as_bytes()
                .get(a as usize..b as usize)
                .unwrap_or(&[]),
            _ => &[],
        }
    }

    fn field_str(&self, f: usize) -> &str {
        match (self.starts.get(f), self.starts.get(f + 1)) {
            (Some(&a), Some(&b)) => self.text.get(a as usize..b as usize).unwrap_or(""),
            _ => "",
        }
    }

    /// Where entity `e`'s text for `field` is.
    fn field_of(&self, e: u32, field: Field) -> Option<usize> {
        let first = *self.ent_fields.get(e as usize)? as usize;
        let end = *self.ent_fields.get(e as usize + 1)? as usize;
        (first..end).find(|&f| self.fields.get(f) == Some(&field))
    }

    fn target(&self, e: u32) -> Target {
        let k = self.kind_starts[1..]
            .iter()
            .position(|&end| e < end)
            .unwrap_or(4);
        Target {
            kind: Kind::ALL[k],
            ix: e - self.kind_starts[k],
        }
    }

    fn entity(&self, t: Target) -> Option<u32> {
        let k = t.kind as usize;
        let e = self.kind_starts[k].checked_add(t.ix)?;
        (e < self.kind_starts[k + 1]).then_some(e)
    }

    /// The entities searched: all, or one kind's.
    fn range(&self, kinds: Option<Kind>) -> std::ops::Range<u32> {
        match kinds {
            None => 0..self.kind_starts[5],
            Some(k) => self.kind_starts[k as usize]..self.kind_starts[k as usize + 1],
        }
    }

    /// Number of entities indexed.
    pub fn len(&self) -> usize {
        self.kind_starts[5] as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Heap bytes held by the index (excluding the scorer).
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity()
            + 4 * self.starts.capacity()
            + 8 * self.masks.capacity()
            + self.fields.capacity()
            + 4 * self.ent_fields.capacity()
            + 4 * self.text_ids.capacity()
    }

    /// Every entity matching `query`, best first. An empty query matches nothing.
    pub fn search(&self, graph: &Graph, query: &str, kinds: Option<Kind>) -> Vec<Hit> {
        match Query::new(query) {
            Some(q) => self.run(graph, &q, kinds, Scope::Range(self.range(kinds)), true),
            None => Vec::new(),
        }
    }

    /// `search` limited to the entities of `previous`, plus id matches anywhere (a pasted id
    /// need not extend the previous query). When `query` extends the query that produced
    /// `previous` (same `kinds`), the answer equals a fresh `search`; for any other `previous`
    /// it equals the fresh search restricted to those entities as long as at most [`REFINE`]
    /// fuzzy candidates are in play (beyond that, which ones the scorer re-ranks depends on
    /// the candidates present).
    pub fn search_within(
        &self,
        graph: &Graph,
        query: &str,
        kinds: Option<Kind>,
        previous: &[Hit],
    ) -> Vec<Hit> {
        let Some(q) = Query::new(query) else {
            return Vec::new();
        };
        let range = self.range(kinds);
        // The previous entities in the graph's order, through a bitset (cheaper than sorting).
        let mut marks = vec![0u64; (range.end as usize).div_ceil(64)];
        for e in previous.iter().filter_map(|h| self.entity(h.target)) {
            if let (true, Some(w)) = (range.contains(&e), marks.get_mut(e as usize / 64)) {
                *w |= 1 << (e % 64);
            }
        }
        let mut ents = Vec::with_capacity(previous.len());
        for (w, &bits) in (0u32..).zip(&marks) {
            let mut bits = bits;
            while bits != 0 {
                ents.push(w * 64 + bits.trailing_zeros());
                bits &= bits - 1;
            }
        }
        self.run(graph, &q, kinds, Scope::List(&ents), true)
    }

    fn run(
        &self,
        graph: &Graph,
        q: &Query,
        kinds: Option<Kind>,
        scope: Scope,
        parallel: bool,
    ) -> Vec<Hit> {
        let n = match &scope {
            Scope::Range(r) => r.len(),
            Scope::List(l) => l.len(),
        };
        let [a, b] = split(n, parallel, |r| match &scope {
            Scope::Range(all) => {
                let start = all.start + r.start as u32;
                self.scan(q, start..all.start + r.end as u32)
            }
            Scope::List(l) => self.scan(q, l.get(r).unwrap_or(&[]).iter().copied()),
        });
        let mut hits = merge(a.hits, b.hits);
        let mut fuzzy = merge(a.fuzzy, b.fuzzy);
        // Re-rank the best fuzzy candidates with the scorer.
        let refined = fuzzy.len().min(REFINE);
        for k in &mut fuzzy[..refined] {
            let (e, field) = (key_entity(*k), key_field(*k));
            let Some(t) = self.field_of(e, field).map(|f| self.field_str(f)) else {
                continue;
            };
            if let Some(s) = self.scorer.score(t, &q.folded) {
                *k = key(Tier::Fuzzy, fuzzy_rank(s, t.len(), field), e, field);
            }
        }
        fuzzy[..refined].sort_unstable();
        hits.append(&mut fuzzy);
        self.add_id_hits(graph, q, kinds, &mut hits);
        hits.into_iter()
            .map(|k| Hit {
                target: self.target(key_entity(k)),
                field: key_field(k),
                tier: key_tier(k),
                score: -(key_rank(k) as i64),
            })
            .collect()
    }

    fn scan(&self, q: &Query, ents: impl ExactSizeIterator<Item = u32>) -> Part {
        // Short queries keep most entities: growing the lists would copy them repeatedly.
        let room = if q.chars.len() <= 2 {
            ents.len()
        } else {
            ents.len() / 8
        };
        let mut part = Part {
            hits: Vec::with_capacity(room),
            fuzzy: Vec::with_capacity(room),
        };
        for e in ents {
            match self.eval(q, e) {
                Some(k) if key_tier(k) == Tier::Fuzzy => part.fuzzy.push(k),
                Some(k) => part.hits.push(k),
                None => {}
            }
        }
        part.hits.sort_unstable();
        part.fuzzy.sort_unstable();
        part
    }

    /// One entity's best field for the query, as a key (fuzzy: with its proxy rank).
    #[inline]
    fn eval(&self, q: &Query, e: u32) -> Option<u64> {
        let first = *self.ent_fields.get(e as usize)? as usize;
        let end = *self.ent_fields.get(e as usize + 1)? as usize;
        let qb = q.folded.as_bytes();
        let ascii = q.mask & NON_ASCII == 0;
        let mut best: Option<(Tier, u64, Field)> = None;
        let spans = self.starts.get(first..=end)?.windows(2);
        let masks = self.masks.get(first..end)?;
        for (f, (span, &mask)) in (first..).zip(spans.zip(masks)) {
            if mask & q.mask != q.mask {
                continue;
            }
            let t = self
                .text
                .as_bytes()
                .get(span[0] as usize..span[1] as usize)
                .unwrap_or(&[]);
            let found = if !ascii {
                // Substrings are byte-exact in UTF-8; subsequences must be char-wise.
                find_bytes(t, qb).map(Match::At).or_else(|| {
                    let t: Vec<char> = self.field_str(f).chars().collect();
                    proxy_score(&t, &q.chars).map(Match::Fuzzy)
                })
            } else if qb.len() == 1 || best.is_some_and(|b| b.0 < Tier::Fuzzy) {
                // A subsequence cannot beat a substring already found.
                find_bytes(t, qb).map(Match::At)
            } else if t.len() <= 64 {
                match_short(t, qb)
            } else {
                match_bytes(t, qb)
            };
            let field = self.fields[f];
            let (tier, rank) = match found {
                None => continue,
                Some(Match::At(0)) if t.len() == qb.len() => (Tier::Exact, field.penalty()),
                Some(Match::At(0)) => (Tier::Prefix, len_rank(t.len(), field)),
                Some(Match::At(pos)) => {
                    let mid_word = t.get(pos - 1).is_some_and(|b| b.is_word());
                    let rank = u64::from(mid_word) << 26
                        | (pos.min(4095) as u64) << 14
                        | len_rank(t.len(), field);
                    (Tier::Substring, rank)
                }
                Some(Match::Fuzzy(s)) => (Tier::Fuzzy, PROXY_ONLY | fuzzy_rank(s, t.len(), field)),
            };
            if best.is_none_or(|b| (tier, rank) < (b.0, b.1)) {
                best = Some((tier, rank, field));
            }
        }
        best.map(|(tier, rank, field)| key(tier, rank, e, field))
    }

    /// Exact ids (through the graph's maps) and id prefixes, merged into the sorted `hits`,
    /// keeping each entity's better key.
    fn add_id_hits(&self, graph: &Graph, q: &Query, kinds: Option<Kind>, hits: &mut Vec<u64>) {
        let kinds: &[Kind] = match &kinds {
            None => &Kind::ALL,
            Some(k) => std::slice::from_ref(k),
        };
        let mut found: Vec<(Target, Tier)> = Vec::new();
        for key in [q.raw.as_str(), q.folded.as_str()] {
            let id = Id::new(key);
            for &kind in kinds {
                let ix = match kind {
                    Kind::User => graph.user_by_id(&id).map(|i| i.0),
                    Kind::Group => graph.group_by_id(&id).map(|i| i.0),
                    Kind::Role => graph.role_by_id(&id).map(|i| i.0),
                    Kind::App => graph.app_by_id(&id).map(|i| i.0),
                    Kind::Population => graph.population_by_id(&id).map(|i| i.0),
                };
                if let Some(ix) = ix {
                    found.push((Target { kind, ix }, Tier::Exact));
                }
            }
        }
        if q.chars.len() >= MIN_ID_PREFIX {
            if let Some((bits, mask)) = uuid_prefix(&q.folded) {
                let tier = if q.folded.len() == 36 {
                    Tier::Exact
                } else {
                    Tier::Prefix
                };
                for &kind in kinds {
                    for ix in 0..entity_count(graph, kind) as u32 {
                        let t = Target { kind, ix };
                        if let Some(Id::Uuid(v)) = entity_id(graph, t) {
                            if v.as_u128() & mask == bits {
                                found.push((t, tier));
                            }
                        }
                    }
                }
            }
            for &e in &self.text_ids {
                let t = self.target(e);
                if let (true, Some(Id::Text(id))) = (kinds.contains(&t.kind), entity_id(graph, t)) {
                    let mut id = id.chars().flat_map(char::to_lowercase);
                    if q.chars.iter().all(|&c| id.next() == Some(c)) {
                        let whole = id.next().is_none();
                        found.push((t, if whole { Tier::Exact } else { Tier::Prefix }));
                    }
                }
            }
        }
        let mut ids: Vec<u64> = found
            .into_iter()
            .filter_map(|(t, tier)| {
                let e = self.entity(t)?;
                let len = entity_id(graph, t).map_or(0, |id| match id {
                    Id::Uuid(_) => 36,
                    Id::Text(t) => t.len(),
                });
                let rank = match tier {
                    Tier::Exact => Field::Id.penalty(),
                    _ => ID_PREFIX | len_rank(len, Field::Id),
                };
                Some(key(tier, rank, e, Field::Id))
            })
            .collect();
        if ids.is_empty() {
            return;
        }
        // One key per entity: the best (lowest).
        ids.sort_unstable_by_key(|&k| (key_entity(k), k));
        ids.dedup_by_key(|k| key_entity(*k));
        let best_id = |e: u32| {
            ids.binary_search_by_key(&e, |&k| key_entity(k))
                .ok()
                .and_then(|i| ids.get(i).copied())
        };
        // Entities whose other hit beats their id hit.
        let mut beaten = Vec::new();
        hits.retain(|&k| match best_id(key_entity(k)) {
            Some(id) if id < k => false,
            Some(_) => {
                beaten.push(key_entity(k));
                true
            }
            None => true,
        });
        beaten.sort_unstable();
        ids.retain(|&id| beaten.binary_search(&key_entity(id)).is_err());
        ids.sort_unstable();
        *hits = merge(std::mem::take(hits), ids);
    }

    /// Char positions in the hit's field text (as [`field_text`] shows it) to highlight.
    pub fn positions(&self, graph: &Graph, hit: &Hit, query: &str) -> Vec<usize> {
        let q = fold(query.trim());
        let Some(text) = field_text(graph, hit.target, hit.field) else {
            return Vec::new();
        };
        if q.is_empty() {
            return Vec::new();
        }
        // Folded text, and for each of its chars the index of the char it came from.
        let mut folded = String::with_capacity(text.len());
        let mut origin = Vec::with_capacity(text.len());
        for (i, c) in text.chars().enumerate() {
            for l in c.to_lowercase() {
                folded.push(l);
                origin.push(i);
            }
        }
        let matched: Vec<usize> = match folded.find(&q) {
            Some(at) => {
                let start = folded.get(..at).map_or(0, |s| s.chars().count());
                (start..start + q.chars().count()).collect()
            }
            None => {
                let limit = MAX_FIELD_BYTES.max(SKIM_CELLS / q.len().max(1));
                if folded.len() > limit {
                    return Vec::new();
                }
                self.scorer.positions(&folded, &q).unwrap_or_default()
            }
        };
        let mut out: Vec<usize> = matched
            .iter()
            .filter_map(|&i| origin.get(i).copied())
            .collect();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::{Group, Snapshot, User};

    const UID: &str = "a8890eb9-38ea-469a-bc00-b64be7903633";
    const GID: &str = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";

    fn user(id: &str, username: &str, name: Option<&str>, email: Option<&str>) -> User {
        let mut v = json!({"id": id, "username": username});
        if let Some(n) = name {
            v["name"] = json!({"formatted": n});
        }
        if let Some(e) = email {
            v["email"] = json!(e);
        }
        serde_json::from_value(v).unwrap()
    }

    fn named<T: serde::de::DeserializeOwned>(id: &str, name: &str, extra: serde_json::Value) -> T {
        let mut v = json!({"id": id, "name": name});
        if let (Some(v), Some(extra)) = (v.as_object_mut(), extra.as_object()) {
            v.extend(extra.clone());
        }
        serde_json::from_value(v).unwrap()
    }

    fn graph(users: Vec<User>, groups: &[(&str, &str)], apps: &[(&str, &str)]) -> Graph {
        Graph::build(Snapshot {
            users,
            groups: groups
                .iter()
                .map(|(i, n)| named::<Group>(i, n, json!({})))
                .collect(),
            applications: apps
                .iter()
                .map(|(i, n)| named(i, n, json!({"type": "WORKER"})))
                .collect(),
            roles: vec![named("r1", "Identity Data Admin", json!({}))],
            populations: vec![named("p1", "Employees", json!({}))],
            ..Snapshot::default()
        })
    }

    fn names(g: &Graph, hits: &[Hit]) -> Vec<String> {
        hits.iter()
            .map(|h| field_text(g, h.target, h.field).unwrap_or_default())
            .collect()
    }

    fn sample() -> Graph {
        graph(
            vec![
                user("u1", "axlxi", None, None),
                user(
                    "u2",
                    "kalil.alami",
                    Some("Kalil Alami"),
                    Some("kalil@acme.test"),
                ),
                user(
                    "u3",
                    "alice.nguyen",
                    Some("Alice Nguyen"),
                    Some("alice@acme.test"),
                ),
                user("u4", "ali", Some("Ali"), Some("ali@acme.test")),
                user(UID, "bob", Some("Bob Stone"), None),
                user("u6", "émile.durand", Some("ÉMILE DURAND"), None),
                user("u7", "x", Some("İstanbul Team"), None),
                user("legacy:0042", "zed", None, None),
            ],
            &[(GID, "Engineering"), ("g2", "All Staff")],
            &[("a1", "Jira"), ("a2", "Salesforce")],
        )
    }

    #[test]
    fn tiers_rank_exact_prefix_substring_fuzzy() {
        let g = sample();
        let ix = SearchIndex::build(&g);
        let hits = ix.search(&g, "ali", None);
        let tiers: Vec<Tier> = hits.iter().map(|h| h.tier).collect();
        assert_eq!(
            names(&g, &hits),
            ["ali", "alice.nguyen", "kalil.alami", "axlxi"],
            "{hits:?}"
        );
        assert_eq!(
            tiers,
            [Tier::Exact, Tier::Prefix, Tier::Substring, Tier::Fuzzy]
        );
        assert!(tiers.windows(2).all(|w| w[0] <= w[1]));
        // A word start beats an earlier match inside a word.
        let hits = ix.search(&g, "ala", Some(Kind::User));
        assert_eq!(names(&g, &hits)[0], "kalil.alami");
    }

    #[test]
    fn case_insensitive_including_non_ascii() {
        let g = sample();
        let ix = SearchIndex::build(&g);
        for q in ["ÉMILE", "émile", "Émile.D", "  émile  "] {
            let hits = ix.search(&g, q, None);
            assert_eq!(hits.len(), 1, "{q}");
            assert_eq!(g.users[hits[0].target.ix as usize].username, "émile.durand");
            assert_eq!(hits[0].tier, Tier::Prefix);
        }
        let hits = ix.search(&g, "ENGINEERING", None);
        assert_eq!(
            (hits[0].target, hits[0].tier),
            (GroupIx(0).into(), Tier::Exact)
        );
        assert_eq!(
            ix.search(&g, "émile durand", None)[0].field,
            Field::DisplayName
        );
    }

    #[test]
    fn ids_are_exact_hits_and_prefixes_match() {
        let g = sample();
        let ix = SearchIndex::build(&g);
        for q in [UID, &UID.to_uppercase(), GID] {
            let hits = ix.search(&g, q, None);
            assert_eq!(hits.len(), 1, "{q}");
            assert_eq!((hits[0].tier, hits[0].field), (Tier::Exact, Field::Id));
        }
        assert_eq!(ix.search(&g, UID, None)[0].target, UserIx(4).into());
        let hits = ix.search(&g, "a8890eb9-38", None);
        assert_eq!(hits.len(), 1);
        assert_eq!((hits[0].tier, hits[0].target.ix), (Tier::Prefix, 4));
        // Non-UUID ids: exact through the map, never by a short prefix.
        let hits = ix.search(&g, "a2", None);
        assert_eq!(
            (hits[0].target, hits[0].tier),
            (AppIx(1).into(), Tier::Exact)
        );
        // Other ids: prefixes of four chars or more, case-insensitively.
        let hits = ix.search(&g, "LEGACY:00", None);
        assert_eq!(hits.len(), 1);
        assert_eq!((hits[0].tier, hits[0].field), (Tier::Prefix, Field::Id));
        assert_eq!(ix.search(&g, "legacy:0042", None)[0].tier, Tier::Exact);
        assert!(
            ix.search(&g, "a", Some(Kind::App))
                .iter()
                .all(|h| h.field != Field::Id)
        );
        // Kind filter applies to ids too.
        assert!(ix.search(&g, UID, Some(Kind::Group)).is_empty());
    }

    #[test]
    fn kind_filter_and_one_hit_per_entity() {
        let g = sample();
        let ix = SearchIndex::build(&g);
        let hits = ix.search(&g, "a", Some(Kind::Group));
        assert!(!hits.is_empty());
        assert!(hits.iter().all(|h| h.target.kind == Kind::Group));
        let all = ix.search(&g, "e", None);
        let mut targets: Vec<Target> = all.iter().map(|h| h.target).collect();
        targets.sort();
        let n = targets.len();
        targets.dedup();
        assert_eq!(targets.len(), n);
        // "ali" matches username, display name and email; the best field wins.
        let ali = ix.search(&g, "ali", None)[0];
        assert_eq!((ali.field, ali.tier), (Field::Username, Tier::Exact));
        for kind in Kind::ALL {
            assert!(all.iter().any(|h| h.target.kind == kind), "{kind:?}");
            assert!(!kind.label().is_empty());
        }
    }

    #[test]
    fn fuzzy_does_not_span_fields() {
        let g = graph(vec![user("u1", "ab", Some("Cd"), Some("ef@x"))], &[], &[]);
        let ix = SearchIndex::build(&g);
        assert!(ix.search(&g, "abcd", None).is_empty());
        assert!(ix.search(&g, "bcd", None).is_empty());
        assert_eq!(ix.search(&g, "ex", None)[0].tier, Tier::Fuzzy);
    }

    #[test]
    fn positions_for_substring_and_fuzzy() {
        let g = sample();
        let ix = SearchIndex::build(&g);
        let hits = ix.search(&g, "ALI", Some(Kind::User));
        let pos = |name: &str| {
            let h = hits
                .iter()
                .find(|h| field_text(&g, h.target, h.field).as_deref() == Some(name));
            ix.positions(&g, h.unwrap(), "ALI")
        };
        assert_eq!(pos("kalil.alami"), [1, 2, 3]);
        assert_eq!(pos("alice.nguyen"), [0, 1, 2]);
        assert_eq!(pos("axlxi"), [0, 2, 4]);
        // Folding can lengthen text: "İ" is "i̇" lowercased; positions are the original's.
        let h = ix.search(&g, "ist", None)[0];
        assert_eq!(
            field_text(&g, h.target, h.field).as_deref(),
            Some("İstanbul Team")
        );
        assert_eq!(h.tier, Tier::Fuzzy);
        assert_eq!(ix.positions(&g, &h, "ist"), [0, 1, 2]);
        let h = ix.search(&g, "DURAND", None)[0];
        assert_eq!(ix.positions(&g, &h, "DURAND"), [6, 7, 8, 9, 10, 11]);
        let h = ix.search(&g, UID, None)[0];
        assert_eq!(ix.positions(&g, &h, UID), (0..36).collect::<Vec<_>>());
        assert!(ix.positions(&g, &h, "").is_empty());
    }

    #[test]
    fn short_field_matcher_agrees_with_bytewise_one() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let alphabet = b"abc.-@ \0";
        for _ in 0..20_000 {
            let t: Vec<u8> = (0..next(65))
                .map(|_| alphabet[next(alphabet.len() as u64) as usize])
                .collect();
            let q: Vec<u8> = (0..1 + next(6))
                .map(|_| alphabet[next(alphabet.len() as u64) as usize])
                .collect();
            assert_eq!(match_short(&t, &q), match_bytes(&t, &q), "{t:?} {q:?}");
        }
        assert_eq!(match_short(b"kalil.alami", b"ali"), Some(Match::At(1)));
        assert_eq!(match_short(b"axlxi", b"ali"), match_bytes(b"axlxi", b"ali"));
        assert!(matches!(
            match_short(b"axlxi", b"ali"),
            Some(Match::Fuzzy(_))
        ));
    }

    #[test]
    fn empty_and_blank_queries_match_nothing() {
        let g = sample();
        let ix = SearchIndex::build(&g);
        for q in ["", " ", "\t\n "] {
            assert!(ix.search(&g, q, None).is_empty());
            assert!(
                ix.search_within(&g, q, None, &ix.search(&g, "a", None))
                    .is_empty()
            );
        }
        assert!(ix.search(&g, "zzzq", None).is_empty());
    }

    #[test]
    fn hostile_strings_do_not_panic() {
        let long = "ab".repeat(50_000);
        let nasty = [
            "🦀🦀 crab",
            "\u{202e}gnp.exe",
            "\u{1b}[31mred\u{1b}[0m",
            "\u{0}nul",
            "مرحبا بالعالم",
            "ǅemal İİİ ẞ ﬃ",
            "e\u{301}mile",
            "",
            long.as_str(),
        ];
        let users = nasty
            .iter()
            .enumerate()
            .map(|(i, n)| user(&format!("u{i}"), n, Some(n), Some(n)))
            .collect();
        let groups: Vec<(&str, &str)> = nasty.iter().map(|n| (*n, *n)).collect();
        let g = graph(users, &groups, &[]);
        let ix = SearchIndex::build(&g);
        let queries = nasty.iter().copied().chain([
            "🦀",
            "\u{1b}",
            "İ",
            "i",
            "ẞ",
            "ß",
            "\u{301}",
            "a\u{0}",
            "ba",
            "abababababx",
        ]);
        for q in queries {
            for kinds in [None, Some(Kind::User), Some(Kind::Group)] {
                let hits = ix.search(&g, q, kinds);
                for h in &hits {
                    let text = field_text(&g, h.target, h.field).unwrap_or_default();
                    let pos = ix.positions(&g, h, q);
                    assert!(pos.iter().all(|&p| p < text.chars().count()), "{q:?}");
                }
                assert_eq!(ix.search_within(&g, q, kinds, &hits), hits, "{q:?}");
            }
        }
        let crab = ix.search(&g, "🦀", Some(Kind::User));
        assert_eq!(crab.len(), 1);
        assert_eq!(ix.positions(&g, &crab[0], "🦀"), [0]);
        let abab = ix.search(&g, "ababab", Some(Kind::User));
        assert_eq!((abab.len(), abab[0].tier), (1, Tier::Prefix));
        // Texts are indexed up to MAX_FIELD_BYTES: a longer query finds nothing, quickly.
        assert!(ix.search(&g, &long, Some(Kind::User)).is_empty());
        assert!(!ix.search(&g, "\u{1b}[31m", None).is_empty());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn arbitrary_text_never_panics_and_narrows_exactly(
            names in proptest::collection::vec("\\PC{0,12}|[a-cA-C .]{0,8}", 1..10),
            query in "\\PC{0,4}|[a-cA-C .]{1,4}",
            more in "\\PC{0,2}|[a-c]",
        ) {
            let users = names
                .iter()
                .enumerate()
                .map(|(i, n)| user(&format!("u{i}"), n, Some(&n.to_uppercase()), Some(n)))
                .collect();
            let groups: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), n.as_str())).collect();
            let g = graph(users, &groups, &[]);
            let ix = SearchIndex::build(&g);
            let first = ix.search(&g, &query, None);
            for h in &first {
                let len = field_text(&g, h.target, h.field).map_or(0, |t| t.chars().count());
                proptest::prop_assert!(ix.positions(&g, h, &query).iter().all(|&p| p < len));
            }
            let longer = format!("{query}{more}");
            if !query.trim().is_empty() && longer.trim().starts_with(query.trim()) {
                let narrowed = ix.search_within(&g, &longer, None, &first);
                proptest::prop_assert_eq!(narrowed, ix.search(&g, &longer, None));
            }
        }
    }

    /// A deterministic environment of `n` users with realistic names.
    fn synthetic(n: usize, groups: usize, apps: usize) -> Graph {
        const FIRST: [&str; 24] = [
            "alice", "alina", "kalil", "bob", "carol", "dmitri", "emile", "fatima", "george",
            "hana", "ivan", "julia", "kenji", "lena", "mateo", "nadia", "oscar", "priya", "quinn",
            "rosa", "sven", "tariq", "ursula", "zoe",
        ];
        const LAST: [&str; 20] = [
            "nguyen", "kaur", "alami", "smith", "garcia", "müller", "ng", "okafor", "rossi",
            "tanaka", "ivanova", "dubois", "haddad", "kowalski", "silva", "lee", "novak", "berg",
            "costa", "engel",
        ];
        const DEPT: [&str; 8] = [
            "Engineering",
            "Sales",
            "Finance",
            "Legal",
            "Support",
            "Marketing",
            "SecOps",
            "HR",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let users = (0..n)
            .map(|i| {
                let r = next() as usize;
                let (f, l) = (FIRST[r % FIRST.len()], LAST[(r >> 8) % LAST.len()]);
                let username = format!("{f}.{l}{}", i / (FIRST.len() * LAST.len()));
                let mut u = user(
                    &Id::from_u128(u128::from(next()) << 64 | i as u128).to_string(),
                    &username,
                    Some(&format!(
                        "{}{} {}{}",
                        &f[..1].to_uppercase(),
                        &f[1..],
                        &l[..1].to_uppercase(),
                        &l[1..]
                    )),
                    Some(&format!("{username}@acme.example")),
                );
                u.enabled = r % 7 != 0;
                u
            })
            .collect();
        let gnames: Vec<(String, String)> = (0..groups)
            .map(|i| {
                let id = Id::from_u128(u128::from(next()) << 64 | i as u128).to_string();
                (id, format!("{} Team {i}", DEPT[i % DEPT.len()]))
            })
            .collect();
        let anames: Vec<(String, String)> = (0..apps)
            .map(|i| {
                let id = Id::from_u128(u128::from(next()) << 64 | i as u128).to_string();
                (id, format!("{} App {i}", DEPT[(i / 3) % DEPT.len()]))
            })
            .collect();
        let gs: Vec<(&str, &str)> = gnames
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let aps: Vec<(&str, &str)> = anames
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        graph(users, &gs, &aps)
    }

    #[test]
    fn narrowing_equals_a_fresh_search() {
        let g = synthetic(3_000, 300, 60);
        let ix = SearchIndex::build(&g);
        let uid = g.users[1234].id.to_string();
        let typed: [&str; 5] = [
            "alice.nguyen0",
            "eng team 1",
            "kalil alami",
            "zoe.costa@",
            &uid,
        ];
        for word in typed {
            for kinds in [None, Some(Kind::User), Some(Kind::Group)] {
                let mut previous = ix.search(&g, &word[..1], kinds);
                for end in 2..=word.len() {
                    let Some(q) = word.get(..end) else { continue };
                    let narrowed = ix.search_within(&g, q, kinds, &previous);
                    assert_eq!(narrowed, ix.search(&g, q, kinds), "{q:?} {kinds:?}");
                    previous = narrowed;
                }
            }
        }
        // The pasted id of a user outside the previous result is still found.
        let subset: Vec<Hit> = ix.search(&g, "zoe", None);
        assert!(subset.iter().all(|h| h.target.ix != 1234));
        let paste = ix.search_within(&g, &uid, None, &subset);
        assert_eq!(paste[0].target, UserIx(1234).into());
    }

    #[test]
    fn within_any_subset_equals_the_restricted_search() {
        let g = synthetic(200, 30, 10);
        let ix = SearchIndex::build(&g);
        let subset: Vec<Hit> = ix.search(&g, "a", None).into_iter().step_by(3).collect();
        for q in ["al", "alic", "en", "ng"] {
            let full = ix.search(&g, q, None);
            // (Holds while the scorer re-ranks every fuzzy candidate.)
            assert!(full.iter().filter(|h| h.tier == Tier::Fuzzy).count() <= REFINE);
            let fresh: Vec<Hit> = full
                .into_iter()
                .filter(|h| subset.iter().any(|s| s.target == h.target))
                .collect();
            assert!(fresh.len() > 10, "{q}");
            assert_eq!(ix.search_within(&g, q, None, &subset), fresh, "{q}");
        }
    }

    #[test]
    fn large_graphs_scan_in_two_halves_identically_and_narrow_exactly() {
        let g = synthetic(PARALLEL_MIN + 1_000, 50, 10);
        let ix = SearchIndex::build(&g);
        let mut previous: Option<Vec<Hit>> = None;
        for q in ["a", "al", "ali", "alic", "alice.", "alice.ng"] {
            let query = Query::new(q).unwrap();
            let scope = Scope::Range(ix.range(None));
            let both = ix.search(&g, q, None);
            assert_eq!(both, ix.run(&g, &query, None, scope, false), "{q}");
            if q == "al" {
                let fuzzy = both.iter().filter(|h| h.tier == Tier::Fuzzy).count();
                assert!(fuzzy > REFINE, "{fuzzy}: the proxy-only path is exercised");
                let refined = &both[both.len() - fuzzy..][..REFINE];
                assert!(refined.iter().all(|h| h.score > -(PROXY_ONLY as i64)));
                assert!(both[both.len() - 1].score <= -(PROXY_ONLY as i64));
            }
            if let Some(p) = &previous {
                assert_eq!(ix.search_within(&g, q, None, p), both, "{q}");
            }
            previous = Some(both);
        }
    }

    fn median(mut v: Vec<f64>) -> f64 {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    }

    fn rss_kb() -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                let line = s.lines().find(|l| l.starts_with("VmRSS:"))?.to_owned();
                line.split_whitespace().nth(1)?.parse().ok()
            })
            .unwrap_or(0)
    }

    /// `cargo test --release --lib model::search::tests::timing -- --ignored --nocapture`
    #[test]
    #[ignore = "timing, run by hand in release mode"]
    fn timing() {
        use std::time::Instant;
        let g = synthetic(100_000, 5_000, 1_000);
        let rss_graph = rss_kb();
        let t = Instant::now();
        let ix = SearchIndex::build(&g);
        println!(
            "build {:.1} ms, index heap {} KB, text {} KB, {} fields, RSS {} -> {} KB",
            t.elapsed().as_secs_f64() * 1e3,
            ix.heap_bytes() / 1024,
            ix.text.len() / 1024,
            ix.fields.len(),
            rss_graph,
            rss_kb()
        );
        let id = g.users[777].id.to_string();
        let chains: [&[&str]; 5] = [
            &["a", "al", "ali", "alic", "alice.ng"],
            &["e", "en", "eng"],
            &["zzzq"],
            &["s", "sa", "sales team 4"],
            &[&id[..1], &id[..6], &id],
        ];
        for chain in chains {
            let mut prev: Option<Vec<Hit>> = None;
            for &q in chain {
                let (mut times, mut within) = (Vec::new(), Vec::new());
                let mut hits = Vec::new();
                for _ in 0..15 {
                    let t = Instant::now();
                    hits = ix.search(&g, q, None);
                    times.push(t.elapsed().as_secs_f64() * 1e3);
                    if let Some(p) = &prev {
                        let t = Instant::now();
                        let narrowed = ix.search_within(&g, q, None, p);
                        within.push(t.elapsed().as_secs_f64() * 1e3);
                        assert_eq!(narrowed.len(), hits.len());
                    }
                }
                let fuzzy = hits.iter().filter(|h| h.tier == Tier::Fuzzy).count();
                println!(
                    "{q:>14}: search median {:5.2} ms (max {:5.2}), narrowing median {:5.2} ms, {} hits, {fuzzy} fuzzy",
                    median(times.clone()),
                    times.iter().copied().fold(0.0, f64::max),
                    if within.is_empty() {
                        f64::NAN
                    } else {
                        median(within)
                    },
                    hits.len(),
                );
                prev = Some(hits);
            }
        }
    }
}
