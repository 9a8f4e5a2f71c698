//! Fuzzy search over every entity of the graph, behind a small scorer trait.
//!
//! The index is one contiguous lowercase `String` holding every searchable field (usernames,
//! display names, emails, names), `u32` offsets into it, and a 64-bit character-class mask per
//! field that rejects most fields with one AND. Ids are not copied into it: exact ids go through
//! the graph's id maps, id prefixes compare the packed UUID bits. A field of up to 64 bytes is
//! matched in SIMD lanes (`lanes`); a query of 2 to 8 ASCII bytes takes a path with few branches
//! (`short`); large indexes make every one-letter answer ahead (`letters`).
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

mod keys;
mod lanes;
mod letters;
mod matching;
mod query;
mod short;

use keys::*;
use lanes::*;
use matching::*;
use short::*;

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
/// Answers of fewer hits than this are allocated afresh rather than from those given back.
const RECYCLED_MIN: usize = 4096;
/// Below this many entities a search runs on the calling thread only.
const PARALLEL_MIN: usize = 20_000;

/// The searchable text of every entity of one graph.
pub struct SearchIndex {
    /// Every field's folded text, back to back, then [`LANE_BYTES`] of padding: any field's
    /// first 64 bytes can be read as one window.
    text: String,
    /// Field `f` is `text[starts[f]..starts[f + 1]]`.
    starts: Vec<u32>,
    /// Each field's [`Marks`].
    marks: Vec<Marks>,
    /// Each entity's field masks together (as in `marks`).
    ent_masks: Vec<u64>,
    fields: Vec<Field>,
    /// Entity `e`'s fields are `ent_fields[e]..ent_fields[e + 1]`. Entities are numbered
    /// users first, then groups, roles, apps, populations.
    ent_fields: Vec<u32>,
    /// Kind `k`'s entities are `kind_starts[k]..kind_starts[k + 1]`.
    kind_starts: [u32; KINDS + 1],
    /// Entities whose id is not a canonical UUID (rare), for id-prefix matching.
    text_ids: Vec<u32>,
    scorer: Box<dyn Scorer>,
    /// Working vectors kept between searches: keys, entity lists, answers given back.
    pool: keys::Pool<u64>,
    ents: keys::Pool<u32>,
    answers: keys::Pool<Hit>,
    /// Every one-letter query's answer, once made (large indexes only).
    letters: std::sync::OnceLock<letters::Letters>,
    /// Match short fields with SIMD lanes (off in tests, to compare with the byte-wise path).
    lanes: bool,
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

/// A field's character classes and word starts, side by side: a search reads both, and one
/// cache line then serves them (apart, the second array cost a narrowing search up to 20%).
#[derive(Clone, Copy)]
struct Marks {
    /// The character classes it holds ([`matching::mask_of`]; an e-mail's: its local part's, or none
    /// when that repeats another field).
    mask: u64,
    /// Its word starts: bit `p` set when byte `p` starts a word (its first 64 bytes).
    heads: u64,
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
            marks: Vec::new(),
            ent_masks: Vec::new(),
            fields: Vec::new(),
            ent_fields: vec![0],
            kind_starts: [0; KINDS + 1],
            text_ids: Vec::new(),
            scorer,
            pool: keys::Pool::new(8),
            ents: keys::Pool::new(2),
            answers: keys::Pool::new(2),
            letters: std::sync::OnceLock::new(),
            lanes: true,
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
                let own = *ix.ent_fields.last().unwrap_or(&0) as usize;
                let own = ix.marks.get(own..).unwrap_or(&[]);
                ix.ent_masks.push(own.iter().fold(0, |a, m| a | m.mask));
                ix.ent_fields.push(ix.fields.len() as u32);
            }
            ix.kind_starts[k + 1] = ix.ent_fields.len() as u32 - 1;
        }
        ix.text.extend(std::iter::repeat_n(' ', LANE_BYTES));
        ix.text.shrink_to_fit();
        ix.starts.shrink_to_fit();
        ix.marks.shrink_to_fit();
        ix.ent_masks.shrink_to_fit();
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
        let mut mask = mask_of(&self.text.as_bytes()[start..]);
        if field == Field::Email {
            // Matched on its local part unless the query has an '@' (see `Query::at`); a local
            // part that repeats another field (the username, usually) is never matched alone.
            let bytes = &self.text.as_bytes()[start..];
            let local = bytes.split(|&b| b == b'@').next().unwrap_or(bytes);
            let own = self.ent_fields.last().copied().unwrap_or(0) as usize..self.fields.len();
            let repeats = own.into_iter().any(|f| self.field_bytes(f) == local);
            mask = if repeats { 0 } else { mask_of(local) };
        }
        let heads = word_starts(&self.text.as_bytes()[start..]);
        self.marks.push(Marks { mask, heads });
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

    /// The field whose text is `text[span]` as lanes, if it is short enough.
    #[inline]
    fn lanes_of(&self, span: std::ops::Range<usize>) -> Option<Lanes> {
        let len = span.len();
        if !self.lanes || len > LANE_BYTES {
            return None;
        }
        let window = self.text.as_bytes().get(span.start..)?.first_chunk()?;
        Some(Lanes::new(window, len))
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

    /// Takes back an answer no longer needed, so that the next search fills its memory instead
    /// of fresh pages (the explorer gives back each filter's previous hits; at most two are kept).
    pub fn recycle(&self, hits: Vec<Hit>) {
        self.answers.give(hits);
    }

    /// How many answers given back are kept.
    #[cfg(test)]
    pub(crate) fn answers_kept(&self) -> usize {
        self.answers.len()
    }

    /// Heap bytes held by the index (excluding the scorer and working vectors).
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity()
            + 4 * self.starts.capacity()
            + size_of::<Marks>() * self.marks.capacity()
            + 8 * self.ent_masks.capacity()
            + self.fields.capacity()
            + 4 * self.ent_fields.capacity()
            + 4 * self.text_ids.capacity()
            + self.letters_bytes()
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_short;
