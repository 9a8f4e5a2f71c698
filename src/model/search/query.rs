//! Running a query over the index: the tiers, narrowing on previous hits, ids.

use super::matching::*;
use super::*;

impl SearchIndex {
    /// Every entity matching `query`, best first. An empty query matches nothing.
    pub fn search(&self, graph: &Graph, query: &str, kinds: Option<Kind>) -> Vec<Hit> {
        let Some(q) = Query::new(query) else {
            return Vec::new();
        };
        match self.letter_answer(graph, &q, kinds) {
            Some(hits) => hits,
            None => self.run(graph, &q, kinds, Scope::Range(self.range(kinds)), true),
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
        let mut ents = self.ents.take(previous.len());
        for (w, &bits) in (0u32..).zip(&marks) {
            let mut bits = bits;
            while bits != 0 {
                ents.push(w * 64 + bits.trailing_zeros());
                bits &= bits - 1;
            }
        }
        let hits = self.run(graph, &q, kinds, Scope::List(&ents), true);
        self.ents.give(ents);
        hits
    }

    /// The answer as sorted keys (tier, rank, entity, field), in a vector of the pool.
    pub(super) fn run_keys(
        &self,
        graph: &Graph,
        q: &Query,
        kinds: Option<Kind>,
        scope: Scope,
        parallel: bool,
    ) -> Vec<u64> {
        let n = match &scope {
            Scope::Range(r) => r.len(),
            Scope::List(l) => l.len(),
        };
        // Short queries keep most entities: growing the lists would copy them repeatedly.
        let room = if q.chars.len() <= 2 { n } else { n / 8 };
        let take = || Part {
            hits: self.pool.take(room),
            fuzzy: self.pool.take(room),
        };
        let scan = |r: std::ops::Range<usize>, part: &mut Part| match &scope {
            Scope::Range(all) => {
                let start = all.start + r.start as u32;
                self.scan(q, start..all.start + r.end as u32, false, part)
            }
            Scope::List(l) => self.scan(q, l.get(r).unwrap_or(&[]).iter().copied(), true, part),
        };
        // Each part's keys arrive in entity order: a radix sort on their ranks sorts them.
        let sort = |part: &mut Part| {
            let mut scratch = self.pool.take(0);
            sort_scanned(&mut part.hits, &mut scratch);
            sort_scanned(&mut part.fuzzy, &mut scratch);
            self.pool.give(scratch);
        };
        let [a, b] = split(n, parallel, take, scan, sort);
        let mut hits = merge(&self.pool, a.hits, b.hits);
        let mut fuzzy = merge(&self.pool, a.fuzzy, b.fuzzy);
        // Re-rank the best fuzzy candidates with the scorer.
        let refined = fuzzy.len().min(REFINE);
        for k in &mut fuzzy[..refined] {
            let (e, field) = (key_entity(*k), key_field(*k));
            let Some(mut t) = self.field_of(e, field).map(|f| self.field_str(f)) else {
                continue;
            };
            if field == Field::Email && !q.at {
                t = t.split('@').next().unwrap_or(t);
            }
            if let Some(s) = self.scorer.score(t, &q.folded) {
                let rank = fuzzy_rank(s, t.len(), field) | field_class(field);
                *k = key(Tier::Fuzzy, rank, e, field);
            }
        }
        fuzzy[..refined].sort_unstable();
        hits.append(&mut fuzzy);
        self.pool.give(fuzzy);
        self.add_id_hits(graph, q, kinds, &mut hits);
        hits
    }

    /// [`Self::run_keys`]' answer as hits.
    pub(super) fn run(
        &self,
        graph: &Graph,
        q: &Query,
        kinds: Option<Kind>,
        scope: Scope,
        parallel: bool,
    ) -> Vec<Hit> {
        let keys = self.run_keys(graph, q, kinds, scope, parallel);
        let mut hits = self.answer_vec(keys.len());
        hits.extend(keys.iter().map(|&k| Hit {
            target: self.target(key_entity(k)),
            field: key_field(k),
            tier: key_tier(k),
        }));
        self.pool.give(keys);
        hits
    }

    /// An empty answer with room for `n` hits. Large answers take the memory of an answer
    /// given back (small ones would keep megabytes for a few hits).
    pub(super) fn answer_vec(&self, n: usize) -> Vec<Hit> {
        if n >= RECYCLED_MIN {
            self.answers.take(n)
        } else {
            Vec::with_capacity(n)
        }
    }

    /// Evaluates `ents` (ascending), `scattered` when they are a list rather than a range, and
    /// adds their keys to `part` (better-than-fuzzy and fuzzy apart).
    fn scan(
        &self,
        q: &Query,
        ents: impl ExactSizeIterator<Item = u32> + Clone,
        scattered: bool,
        part: &mut Part,
    ) {
        // The first keystroke (one letter) searches everything: its own lean path.
        if let (&[b], true) = (q.folded.as_bytes(), q.words.is_empty()) {
            if b.is_ascii() {
                return self.scan_with(ents, scattered, part, |e| self.eval_byte(q, b, e));
            }
        }
        // The next few, with the query's length fixed at compile time.
        macro_rules! short {
            ($($m:literal)*) => {$(
                if let Some(n) = Needle::<$m>::of(q) {
                    return self.scan_with(ents, scattered, part, |e| self.eval_short(q, &n, e));
                }
            )*};
        }
        short!(2 3 4 5 6 7 8);
        self.scan_with(ents, scattered, part, |e| self.eval(q, e))
    }

    /// [`Self::scan`] with each entity's key from `eval`.
    #[inline]
    fn scan_with(
        &self,
        ents: impl ExactSizeIterator<Item = u32> + Clone,
        scattered: bool,
        part: &mut Part,
        eval: impl Fn(u32) -> Option<u64>,
    ) {
        // The memory of the entities a few steps ahead is asked for early: a narrowing search
        // visits scattered entities, and waiting on each one's text was most of its time. (A
        // range is read in order: the CPU's own prefetcher does better there.)
        let ahead = |n| ents.clone().skip(if scattered { n } else { usize::MAX });
        let mut far = ahead(16);
        let mut near = ahead(8);
        for e in ents {
            if let Some(a) = far.next() {
                self.prefetch_entity(a);
            }
            if let Some(a) = near.next() {
                self.prefetch_text(a);
            }
            match eval(e) {
                Some(k) if key_tier(k) == Tier::Fuzzy => part.fuzzy.push(k),
                Some(k) => part.hits.push(k),
                None => {}
            }
        }
    }

    /// Asks for entity `e`'s field records.
    #[inline]
    fn prefetch_entity(&self, e: u32) {
        if let Some(&f) = self.ent_fields.get(e as usize) {
            prefetch(self.starts.as_ptr().wrapping_add(f as usize).cast());
            prefetch(self.marks.as_ptr().wrapping_add(f as usize).cast());
        }
    }

    /// Asks for entity `e`'s text (its records asked for earlier).
    #[inline]
    fn prefetch_text(&self, e: u32) {
        if let Some(&f) = self.ent_fields.get(e as usize) {
            if let Some(&at) = self.starts.get(f as usize) {
                prefetch(self.text.as_ptr().wrapping_add(at as usize).cast());
                prefetch(self.text.as_ptr().wrapping_add(at as usize + 64).cast());
            }
        }
    }

    /// One entity's best field for the query, as a key (fuzzy: with its proxy rank). A query of
    /// several words also matches when every word matches somewhere in the entity, in any order,
    /// ranked as its worst word.
    #[inline]
    fn eval(&self, q: &Query, e: u32) -> Option<u64> {
        let whole = self.eval_phrase(q, e);
        if q.words.is_empty() {
            return whole;
        }
        let mut worst = 0;
        for w in &q.words {
            match self.eval_phrase(w, e) {
                Some(k) => worst = worst.max(k),
                None => return whole,
            }
        }
        Some(whole.map_or(worst, |k| k.min(worst)))
    }

    /// Entity `e`'s field spans (one more than its fields), marks and fields.
    #[inline]
    pub(super) fn entity_fields(&self, e: u32) -> Option<(&[u32], &[Marks], &[Field])> {
        let first = *self.ent_fields.get(e as usize)? as usize;
        let end = *self.ent_fields.get(e as usize + 1)? as usize;
        Some((
            self.starts.get(first..=end)?,
            self.marks.get(first..end)?,
            self.fields.get(first..end)?,
        ))
    }

    /// [`Self::eval_phrase`] for a query of one ASCII byte: a substring or nothing.
    #[inline]
    pub(super) fn eval_byte(&self, q: &Query, b: u8, e: u32) -> Option<u64> {
        // Most entities lack the letter: their fields' masks together say so at once.
        if !q.at
            && self
                .ent_masks
                .get(e as usize)
                .is_some_and(|&m| m & q.mask == 0)
        {
            return None;
        }
        let (spans, marks, fields) = self.entity_fields(e)?;
        let text = self.text.as_bytes();
        let mut best = u64::MAX;
        for i in 0..marks.len() {
            let field = fields[i];
            // (An e-mail's mask is none when its local part repeats a field.)
            if !q.may_match(marks[i].mask, field) {
                continue;
            }
            let span = spans[i] as usize..spans[i + 1] as usize;
            let t = text.get(span.clone()).unwrap_or(&[]);
            let lanes = self.lanes_of(span);
            let find = |c: u8| find_in(lanes.as_ref(), t, c);
            let Some(pos) = find(b) else {
                continue;
            };
            let cut_at = match (field, q.at) {
                (Field::Email, false) => find(b'@'),
                _ => None,
            };
            let len = match cut_at {
                Some(at) if at <= pos => continue,
                Some(at) => at,
                None => t.len(),
            };
            let searched = t.get(..len).unwrap_or(t);
            let (tier, rank) = substring_rank(searched, pos, 1, cut_at.is_some(), field);
            best = best.min(key(tier, rank | field_class(field), e, field));
        }
        (best != u64::MAX).then_some(best)
    }

    #[inline]
    pub(super) fn eval_phrase(&self, q: &Query, e: u32) -> Option<u64> {
        // Plain slices and an index: the zipped iterators kept their state on the stack.
        let (spans, marks, fields) = self.entity_fields(e)?;
        let qb = q.folded.as_bytes();
        let ascii = q.mask & NON_ASCII == 0;
        let mut best: Option<(Tier, u64, Field)> = None;
        let text = self.text.as_bytes();
        for i in 0..marks.len() {
            let field = fields[i];
            if !q.may_match(marks[i].mask, field) {
                continue;
            }
            let span = spans[i] as usize..spans[i + 1] as usize;
            let mut t = text.get(span.clone()).unwrap_or(&[]);
            let lanes = self.lanes_of(span).filter(|_| qb.len() <= SHORT_QUERY);
            let mut cut = false;
            if field == Field::Email && !q.at {
                if let Some(at) = find_in(lanes.as_ref(), t, b'@') {
                    (t, cut) = (&t[..at], true);
                }
            }
            // A subsequence cannot beat a substring already found.
            let fuzzy = best.is_none_or(|b| b.0 >= Tier::Fuzzy);
            let found = if !ascii {
                // Substrings are byte-exact in UTF-8; subsequences must be char-wise.
                find_bytes(t, qb).map(Match::At).or_else(|| {
                    let t: Vec<char> = String::from_utf8_lossy(t).chars().collect();
                    proxy_score(&t, &q.chars).map(Match::Fuzzy)
                })
            } else if let Some(l) = &lanes {
                // The lanes hold the whole field: an e-mail's cut is a mask.
                let valid = low_bits(t.len());
                let bits = |k: usize| qb.get(k).map_or(0, |&c| l.eq(c) & valid);
                match_bits(t, qb.len(), valid, bits, fuzzy)
            } else if qb.len() == 1 || !fuzzy {
                find_bytes(t, qb).map(Match::At)
            } else {
                match_bytes(t, qb)
            };
            let (tier, rank) = match found {
                None => continue,
                Some(Match::At(pos)) => substring_rank(t, pos, qb.len(), cut, field),
                Some(Match::Fuzzy(s)) => (Tier::Fuzzy, PROXY_ONLY | fuzzy_rank(s, t.len(), field)),
            };
            let rank = rank | field_class(field);
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
        *hits = merge(&self.pool, std::mem::take(hits), ids);
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
        // An e-mail is matched on its local part unless the query has an '@'.
        let searched = match (hit.field, q.contains('@')) {
            (Field::Email, false) => folded.split('@').next().unwrap_or(&folded),
            _ => folded.as_str(),
        };
        let mut matched = self.phrase_positions(searched, &q);
        if matched.is_empty() {
            // Words in any order: each word's own.
            for word in q.split_whitespace() {
                matched.extend(self.phrase_positions(searched, word));
            }
            matched.sort_unstable();
        }
        let mut out: Vec<usize> = matched
            .iter()
            .filter_map(|&i| origin.get(i).copied())
            .collect();
        out.dedup();
        out
    }

    /// Char positions of `q` in `folded`: the first substring, else the scorer's subsequence.
    fn phrase_positions(&self, folded: &str, q: &str) -> Vec<usize> {
        match folded.find(q) {
            Some(at) => {
                let start = folded.get(..at).map_or(0, |s| s.chars().count());
                (start..start + q.chars().count()).collect()
            }
            None => {
                let limit = MAX_FIELD_BYTES.max(SKIM_CELLS / q.len().max(1));
                if folded.len() > limit {
                    return Vec::new();
                }
                self.scorer.positions(folded, q).unwrap_or_default()
            }
        }
    }
}

/// How a substring of `qlen` bytes at byte `pos` of `t` (the text searched: an e-mail's local
/// part when `cut`) ranks: exact, prefix, or a substring (a word start first, then earlier).
#[inline]
fn substring_rank(t: &[u8], pos: usize, qlen: usize, cut: bool, field: Field) -> (Tier, u64) {
    match pos {
        0 if t.len() == qlen && !cut => (Tier::Exact, field.penalty()),
        0 => (Tier::Prefix, len_rank(t.len(), field)),
        _ => {
            let mid_word = t.get(pos - 1).is_some_and(|b| b.is_word());
            let rank =
                u64::from(mid_word) << 26 | (pos.min(4095) as u64) << 14 | len_rank(t.len(), field);
            (Tier::Substring, rank)
        }
    }
}
