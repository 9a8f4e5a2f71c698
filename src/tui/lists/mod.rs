//! The middle list: a kind, a lens's findings or a who-has-what answer, filtered by the search
//! index (narrowing on the previous hits while the query grows) and sorted.

use std::sync::Arc;

use crate::model::audit::{self, AuditOptions, Lens};
use crate::model::search::{Field, Hit, SearchIndex, Tier};
use crate::model::text::sanitize;
use crate::model::*;
use crate::model::{Kind, Target};

use super::state::ListSpec;

mod who;
pub use who::{WhoSrc, via_text};

/// A row of the list: an entity, and what the list says about it.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub target: Target,
    pub note: Note,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Note {
    None,
    /// A lens's reason (sanitised).
    Reason(String),
    /// The index of the entry in the who-has-what answer.
    Who(u32),
    /// The index of the change in the Changes view (`ListSpec::Changes`).
    Change(u32),
}

/// The audit lenses' periods, from `[audit]` in `config.toml`.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct AuditDays {
    /// A sign-on older than this is stale.
    pub stale: u32,
    /// Accounts younger than this are not stale yet.
    pub grace: u32,
}

impl Default for AuditDays {
    fn default() -> Self {
        AuditDays {
            stale: AuditOptions::DEFAULT_STALE_DAYS,
            grace: AuditOptions::DEFAULT_GRACE_DAYS,
        }
    }
}

#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub enum Sort {
    #[default]
    Natural,
    Name,
    Status,
    LastSignOn,
    Mfa,
}

impl Sort {
    pub fn next(self) -> Sort {
        match self {
            Sort::Natural => Sort::Name,
            Sort::Name => Sort::Status,
            Sort::Status => Sort::LastSignOn,
            Sort::LastSignOn => Sort::Mfa,
            Sort::Mfa => Sort::Natural,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::Natural => "",
            Sort::Name => "by name",
            Sort::Status => "by status",
            Sort::LastSignOn => "by last sign-on",
            Sort::Mfa => "by MFA",
        }
    }
}

/// One filter search, runnable anywhere.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchJob {
    pub query: String,
    /// `None`: any kind (who-has lists and lenses can mix kinds; `scope` limits them).
    kind: Option<Kind>,
    /// The entities to search; `None`: every entity of the kind.
    scope: Option<Arc<Vec<Hit>>>,
}

impl SearchJob {
    pub fn run(&self, graph: &Graph, index: &SearchIndex) -> Vec<Hit> {
        match &self.scope {
            Some(prev) => index.search_within(graph, &self.query, self.kind, prev),
            None => index.search(graph, &self.query, self.kind),
        }
    }

    /// The query, the job's share of the hits it narrowed let go: the list then holds them
    /// alone and can give them back to the index when the answer replaces them.
    pub fn into_query(self) -> String {
        self.query
    }
}

#[derive(Clone)]
pub struct ListView {
    pub spec: ListSpec,
    pub kind: Kind,
    pub title: String,
    pub rows: Vec<Row>,
    pub who: Option<WhoSrc>,
    pub query: String,
    /// The rows shown (indices into `rows`), when filtered or sorted.
    pub shown: Option<Vec<u32>>,
    /// The hits of the last search, ranked, kept to narrow the next keystroke.
    pub hits: Arc<Vec<Hit>>,
    hits_query: String,
    pub sort: Sort,
    pub sel: usize,
    pub offset: usize,
    /// A placeholder while the real list is built in the background.
    pub building: bool,
    /// Each row's visible text (name, status words, the reason, the how or the change),
    /// lowercased, made on the first filter of a who-has, lens or Changes list.
    texts: Option<Arc<Vec<String>>>,
}

impl std::fmt::Debug for ListView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ListView({:?}, {} rows)", self.spec, self.rows.len())
    }
}

/// The name a list shows first for an entity (unsanitised).
pub fn target_name(graph: &Graph, t: Target) -> String {
    graph.target_name(t).to_owned()
}

fn as_hit(target: Target) -> Hit {
    Hit {
        target,
        field: Field::Name,
        tier: Tier::Exact,
    }
}

impl ListView {
    /// What shows while a big list (a lens, a who-has-what answer) is built in the background.
    pub fn placeholder(spec: &ListSpec) -> ListView {
        let mut l = ListView::new(spec, Kind::User, "computing…".into(), Vec::new(), None);
        l.building = true;
        l
    }

    /// A list of `rows`, unfiltered, unsorted, at its top.
    fn new(
        spec: &ListSpec,
        kind: Kind,
        title: String,
        rows: Vec<Row>,
        who: Option<WhoSrc>,
    ) -> ListView {
        ListView {
            spec: spec.clone(),
            kind,
            title,
            rows,
            who,
            query: String::new(),
            shown: None,
            hits: Arc::default(),
            hits_query: String::new(),
            sort: Sort::Natural,
            sel: 0,
            offset: 0,
            building: false,
            texts: None,
        }
    }

    pub fn build(graph: &Graph, spec: &ListSpec, days: AuditDays) -> Option<ListView> {
        let (kind, title, rows, who) = match spec {
            ListSpec::Kind(kind) => {
                let rows = (0..graph.count(*kind) as u32)
                    .map(|ix| Row {
                        target: Target { kind: *kind, ix },
                        note: match kind {
                            // One definition of holders, counted as the role's detail does.
                            Kind::Role => {
                                let r = graph.role(RoleIx(ix));
                                let h = Holders::of_role(graph, RoleIx(ix));
                                Note::Reason(format!(
                                    "{} · {}",
                                    r.kind_label(),
                                    h.counts(graph).summary()
                                ))
                            }
                            _ => Note::None,
                        },
                    })
                    .collect();
                (*kind, kind.title().to_owned(), rows, None)
            }
            ListSpec::Lens(lens) => {
                let opts = AuditOptions {
                    now_millis: graph.meta.taken_at.millis().unwrap_or(0),
                    stale_days: days.stale,
                    grace_days: days.grace,
                };
                let rows = audit::run(graph, *lens, &opts)
                    .into_iter()
                    .map(|f| Row {
                        target: f.target,
                        note: Note::Reason(sanitize(&f.reason).into_owned()),
                    })
                    .collect();
                (lens.kind(), lens.title().to_owned(), rows, None)
            }
            ListSpec::Who(of) => {
                let (src, rows, title) = WhoSrc::build(graph, *of)?;
                (Kind::User, title, rows, Some(src))
            }
            ListSpec::Changes(c) => {
                // A change whose subject and target are both gone from the data shown has no
                // row to stand on: the title counts them.
                let rows: Vec<Row> = (0u32..)
                    .zip(&c.0.items)
                    .filter_map(|(i, it)| {
                        Some(Row {
                            target: it.subject.or(it.target)?,
                            note: Note::Change(i),
                        })
                    })
                    .collect();
                let unseen = c.0.items.len() - rows.len();
                let mut title = format!("{} · {}", c.0.title, c.0.summary);
                if unseen > 0 {
                    title.push_str(&format!(" · {unseen} about entities gone"));
                }
                (Kind::User, title, rows, None)
            }
        };
        Some(ListView::new(spec, kind, title, rows, who))
    }

    /// The Changes view a Changes list shows.
    pub fn changes(&self) -> Option<&super::changes::Changes> {
        match &self.spec {
            ListSpec::Changes(c) => Some(&c.0),
            _ => None,
        }
    }

    /// The line of change `i` of a Changes list.
    /// What a row shows after its name: the lens's reason, how a holder holds it, the change.
    pub fn note_text(&self, graph: &Graph, r: &Row) -> String {
        match &r.note {
            Note::None => String::new(),
            Note::Reason(x) => x.clone(),
            Note::Change(i) => self.change_line(*i),
            Note::Who(i) => self
                .who
                .as_ref()
                .map(|w| w.how(graph, *i))
                .unwrap_or_default(),
        }
    }

    /// The rows' visible texts, lowercased (made once).
    fn texts(&mut self, graph: &Graph) -> Arc<Vec<String>> {
        if let Some(t) = &self.texts {
            return t.clone();
        }
        let texts: Vec<String> = self
            .rows
            .iter()
            .map(|r| {
                format!("{} {}", graph.summary(r.target), self.note_text(graph, r)).to_lowercase()
            })
            .collect();
        let texts = Arc::new(texts);
        self.texts = Some(texts.clone());
        texts
    }

    pub fn change_line(&self, i: u32) -> String {
        self.changes()
            .map(|c| c.line(i as usize))
            .unwrap_or_default()
    }

    pub fn lens(&self) -> Option<Lens> {
        match self.spec {
            ListSpec::Lens(l) => Some(l),
            _ => None,
        }
    }

    pub fn len(&self) -> usize {
        self.shown.as_ref().map_or(self.rows.len(), Vec::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn row(&self, i: usize) -> Option<&Row> {
        let r = match &self.shown {
            Some(s) => *s.get(i)? as usize,
            None => i,
        };
        self.rows.get(r)
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.row(self.sel)
    }

    pub fn selected_target(&self) -> Option<Target> {
        self.selected_row().map(|r| r.target)
    }

    /// The hit that matched the entity `t` shown at position `pos`, for highlighting. A
    /// filtered list in rank order shows its hits in their order, so that one is tried first:
    /// at a million users a search for one letter has hundreds of thousands of hits, too many
    /// to scan for every row of every frame.
    pub fn hit_for(&self, pos: usize, t: Target) -> Option<&Hit> {
        if self.query.trim().is_empty() {
            return None;
        }
        match self.hits.get(pos) {
            Some(h) if h.target == t => Some(h),
            _ => self.hits.iter().find(|h| h.target == t),
        }
    }

    /// Selects the row of `t` if it is shown.
    pub fn select_target(&mut self, t: Target) -> bool {
        match (0..self.len()).find(|&i| self.row(i).is_some_and(|r| r.target == t)) {
            Some(i) => {
                self.sel = i;
                true
            }
            None => false,
        }
    }

    /// The search `query` needs, self-contained so that it can run off the input loop: when the
    /// query extends the one that produced the current hits, only those hits are searched.
    pub fn search_job(&self, query: &str) -> Option<SearchJob> {
        let q = query.trim();
        if q.is_empty() {
            return None;
        }
        let narrowing = !self.hits_query.is_empty() && q.starts_with(&self.hits_query);
        let scope = match (&self.spec, narrowing) {
            // Shared, not copied: at a million users the first keystroke's hits are 10 MB.
            (_, true) => Some(self.hits.clone()),
            (ListSpec::Kind(_), false) => None,
            (_, false) => {
                let mut base: Vec<Hit> = self.rows.iter().map(|r| as_hit(r.target)).collect();
                base.dedup();
                Some(Arc::new(base))
            }
        };
        Some(SearchJob {
            query: q.to_owned(),
            kind: match self.spec {
                ListSpec::Kind(k) => Some(k),
                _ => None,
            },
            scope,
        })
    }

    /// Shows the hits of `query` (ranked: exact and prefix matches first), then the sort.
    /// The hits replaced go back to `index` when nothing else holds them, for the next search.
    pub fn apply_hits(&mut self, graph: &Graph, index: &SearchIndex, query: &str, hits: Vec<Hit>) {
        // Clearing the filter keeps what was selected in it; a new query starts at its best hit.
        let keep = if query.trim().is_empty() {
            self.selected_target()
        } else {
            None
        };
        self.query = query.to_owned();
        self.hits_query = if hits.is_empty() && query.trim().is_empty() {
            String::new()
        } else {
            query.trim().to_owned()
        };
        let old = std::mem::replace(&mut self.hits, Arc::new(hits));
        if let Ok(old) = Arc::try_unwrap(old) {
            index.recycle(old);
        }
        self.reshow(graph);
        self.sel = 0;
        self.offset = 0;
        if let Some(t) = keep {
            self.select_target(t);
        }
    }

    /// Searches and shows `query` at once.
    pub fn set_query(&mut self, graph: &Graph, index: &SearchIndex, query: &str) {
        let hits = self
            .search_job(query)
            .map(|j| j.run(graph, index))
            .unwrap_or_default();
        self.apply_hits(graph, index, query, hits);
    }

    pub fn set_sort(&mut self, graph: &Graph, sort: Sort) {
        let keep = self.selected_target();
        self.sort = sort;
        self.reshow(graph);
        if let Some(t) = keep {
            self.select_target(t);
        }
    }

    fn reshow(&mut self, graph: &Graph) {
        let filtered = !self.query.trim().is_empty();
        if !filtered && self.sort == Sort::Natural {
            self.shown = None;
            return;
        }
        // The last list's memory, refilled: at a million users a fresh one is page faults.
        let mut last = self.shown.take().unwrap_or_default();
        last.clear();
        let mut shown: Vec<u32> = if filtered {
            match self.spec {
                ListSpec::Kind(_) => {
                    last.extend(self.hits.iter().map(|h| h.target.ix));
                    last
                }
                _ => {
                    // Rank of each matching entity (dense per kind: lists can mix kinds), then
                    // the rows of those entities in rank order.
                    let mut rank: Vec<Vec<u32>> = Kind::ALL
                        .iter()
                        .map(|&k| {
                            let any = self.hits.iter().any(|h| h.target.kind == k);
                            vec![u32::MAX; if any { graph.count(k) } else { 0 }]
                        })
                        .collect();
                    for (i, h) in self.hits.iter().enumerate() {
                        if let Some(r) = rank[h.target.kind as usize].get_mut(h.target.ix as usize)
                        {
                            *r = (*r).min(i as u32);
                        }
                    }
                    let rank_of = |r: &Row| {
                        rank[r.target.kind as usize]
                            .get(r.target.ix as usize)
                            .copied()
                    };
                    // Every visible column filters too (`/disabled`, `/Platform` in a "via
                    // Platform" column): rows whose text holds every word, after the name hits.
                    let words: Vec<String> = self
                        .query
                        .split_whitespace()
                        .map(str::to_lowercase)
                        .collect();
                    let texts = self.texts(graph);
                    let shown_text = |i: usize| {
                        texts
                            .get(i)
                            .is_some_and(|t| words.iter().all(|w| t.contains(w.as_str())))
                    };
                    let mut v: Vec<(u32, u32)> = (0..self.rows.len() as u32)
                        .filter_map(|i| {
                            match rank_of(&self.rows[i as usize]).filter(|&r| r != u32::MAX) {
                                Some(r) => Some((r, i)),
                                None => shown_text(i as usize).then_some((u32::MAX, i)),
                            }
                        })
                        .collect();
                    v.sort_unstable();
                    v.into_iter().map(|(_, i)| i).collect()
                }
            }
        } else {
            (0..self.rows.len() as u32).collect()
        };
        if self.sort != Sort::Natural {
            let rows = &self.rows;
            shown.sort_by(|&a, &b| {
                let (ta, tb) = (rows[a as usize].target, rows[b as usize].target);
                sort_key(graph, self.sort, ta).cmp(&sort_key(graph, self.sort, tb))
            });
        }
        self.shown = Some(shown);
    }
}

/// The sort key of an entity: the attribute first, the name as tiebreak.
fn sort_key(graph: &Graph, sort: Sort, t: Target) -> (i64, String) {
    let name = target_name(graph, t).to_lowercase();
    let Some(u) = (t.kind == Kind::User)
        .then(|| graph.users.get(t.ix as usize))
        .flatten()
    else {
        return (0, name);
    };
    let k = match sort {
        Sort::Natural | Sort::Name => 0,
        // Disabled and locked first: those are the ones to look at.
        Sort::Status => {
            if !u.enabled {
                0
            } else if u.is_locked() {
                1
            } else {
                2
            }
        }
        // Longest without a sign-on first; never signed on before everyone.
        Sort::LastSignOn => u.last_sign_on_millis().unwrap_or(i64::MIN),
        // MFA off, then unknown, then on.
        Sort::Mfa => match u.mfa_enabled {
            Some(false) => 0,
            None => 1,
            Some(true) => 2,
        },
    };
    (k, name)
}
