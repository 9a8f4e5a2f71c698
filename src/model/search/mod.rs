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

use super::address::{KINDS, Kind, Target};
use super::entities::Id;
use super::graph::Graph;

mod matching;

use matching::*;

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
    kind_starts: [u32; KINDS + 1],
    /// Entities whose id is not a canonical UUID (rare), for id-prefix matching.
    text_ids: Vec<u32>,
    scorer: Box<dyn Scorer>,
}

fn entity_id(graph: &Graph, t: Target) -> Option<&Id> {
    graph.target_id(t)
}

fn entity_count(graph: &Graph, kind: Kind) -> usize {
    graph.count(kind)
}

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
        (Kind::Gateway, Field::Name) => graph.gateways.get(ix)?.name.clone(),
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
            kind_starts: [0; KINDS + 1],
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
            .unwrap_or(KINDS - 1);
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
            None => 0..self.kind_starts[KINDS],
            Some(k) => self.kind_starts[k as usize]..self.kind_starts[k as usize + 1],
        }
    }

    /// Number of entities indexed.
    pub fn len(&self) -> usize {
        self.kind_starts[KINDS] as usize
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
                if let Some(t) = graph.target_by_id(kind, &id) {
                    found.push((t, Tier::Exact));
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
mod tests;
