//! The detail pane's content for one entity: facts, then sections of related entities, each
//! related line linking to its entity and carrying the why-paths that explain it. Every string
//! from the API is sanitised here, once.

mod sections;

use sections::{app, gateway, group, population, role, user};

use crate::model::access;
use crate::model::text::sanitize;
use crate::model::*;
use crate::model::{Kind, Target};

use super::lists::target_name;

/// Related entities listed per section before "… N more".
pub const MAX_ITEMS: usize = 200;

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum LineKind {
    Fact,
    Heading,
    Item,
    Note,
}

#[derive(Clone, PartialEq, Debug)]
pub enum Why {
    Paths(Vec<Path>),
    /// A finding or refusal given as text: the subject's name and the reasons.
    Refused(String, Vec<String>),
    /// The application refuses the user: its name and the refusals, whose groups are jumpable.
    Refusals(String, Vec<Refusal>),
}

#[derive(Clone, PartialEq, Debug)]
pub struct DLine {
    pub kind: LineKind,
    pub left: String,
    pub right: String,
    pub link: Option<Target>,
    pub why: Option<Why>,
}

#[derive(Clone, PartialEq, Debug)]
pub struct Detail {
    pub target: Target,
    pub title: String,
    pub lines: Vec<DLine>,
    pub sel: usize,
    pub offset: usize,
}

pub(super) fn clean(s: &str) -> String {
    sanitize(s).into_owned()
}

pub fn ago(now: i64, then: i64) -> String {
    let s = (now - then).max(0) / 1000;
    match s {
        0..60 => "just now".into(),
        60..3600 => format!("{} min ago", s / 60),
        3600..86_400 => format!("{} h ago", s / 3600),
        _ => format!("{} d ago", s / 86_400),
    }
}

pub(super) struct B<'g> {
    pub(super) g: &'g Graph,
    pub(super) lines: Vec<DLine>,
    /// Items shown per section ([`MAX_ITEMS`] on screen; all of them for an export).
    pub(super) max_items: usize,
}

impl B<'_> {
    pub(super) fn push(&mut self, kind: LineKind, left: String, right: String) {
        self.lines.push(DLine {
            kind,
            left,
            right,
            link: None,
            why: None,
        });
    }
    pub(super) fn fact(&mut self, s: impl Into<String>) {
        self.push(LineKind::Fact, s.into(), String::new());
    }
    pub(super) fn heading(&mut self, s: impl Into<String>) {
        self.push(LineKind::Heading, s.into(), String::new());
    }
    pub(super) fn item(&mut self, t: Option<Target>, right: String, why: Option<Why>) {
        let left = t.map_or_else(String::new, |t| clean(&target_name(self.g, t)));
        // The flags that must never be missed lead the right column, so the name stays whole.
        let flags = t.map(|t| flags(self.g, t)).unwrap_or_default();
        let right = if flags.is_empty() {
            right
        } else if right.is_empty() {
            flags
        } else {
            format!("{flags} · {right}")
        };
        self.lines.push(DLine {
            kind: LineKind::Item,
            left,
            right,
            link: t,
            why,
        });
    }
    /// A role held through `assignment`: the role's name (marked custom), or `unresolved role
    /// <id>` for a role outside the snapshot; selectable either way, `w` showing `path`.
    pub(super) fn role_item(&mut self, assignment: AssignIx, right: String, path: Path) {
        let g = self.g;
        let t = g.assignment(assignment).role.map(Target::from);
        self.lines.push(DLine {
            kind: LineKind::Item,
            left: clean(&crate::model::audit::role_label(g, assignment)),
            right,
            link: t,
            why: Some(Why::Paths(vec![path])),
        });
    }
    pub(super) fn more(&mut self, total: usize, hint: &str) {
        if total > self.max_items {
            self.push(
                LineKind::Note,
                format!("… {} more{hint}", total - self.max_items),
                String::new(),
            );
        }
    }
    pub(super) fn incomplete(&mut self, gaps: &[String]) {
        for g in gaps {
            self.push(
                LineKind::Note,
                format!("INCOMPLETE: {}", clean(g)),
                String::new(),
            );
        }
    }
}

/// The status flags that must never be missed ("DISABLED", "LOCKED", "custom"), in the words
/// every view uses; empty for an entity in good standing.
pub fn flags(g: &Graph, t: Target) -> String {
    g.target_status(t)
        .into_iter()
        .filter(|f| matches!(*f, "DISABLED" | "LOCKED" | "custom"))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// "27 days", "5 h", "under an hour": how long before the snapshot was taken.
pub fn before(as_of: i64, then: i64) -> String {
    let s = (as_of - then).max(0) / 1000;
    match s {
        0..3600 => "under an hour".into(),
        3600..86_400 => format!("{} h", s / 3600),
        86_400..172_800 => "1 day".into(),
        _ => format!("{} days", s / 86_400),
    }
}

/// The one clock of every sign-on age: when the snapshot was taken (README "One clock").
pub fn as_of(g: &Graph) -> i64 {
    g.meta.taken_at.millis().unwrap_or(0)
}

impl Detail {
    /// `_now` is not used: ages count to the snapshot's time (see [`as_of`]).
    pub fn build(graph: &Graph, target: Target, _now: i64) -> Detail {
        Detail::build_with(graph, target, MAX_ITEMS)
    }

    /// [`Detail::build`] with every item of every section (for an export: nothing cut).
    pub fn build_whole(graph: &Graph, target: Target) -> Detail {
        Detail::build_with(graph, target, usize::MAX)
    }

    fn build_with(graph: &Graph, target: Target, max_items: usize) -> Detail {
        let mut b = B {
            g: graph,
            lines: Vec::new(),
            max_items,
        };
        let ix = target.ix;
        match target.kind {
            Kind::User => user(&mut b, UserIx(ix)),
            Kind::Group => group(&mut b, GroupIx(ix)),
            Kind::Role => role(&mut b, RoleIx(ix)),
            Kind::App => app(&mut b, AppIx(ix)),
            Kind::Population => population(&mut b, PopIx(ix)),
            Kind::Gateway => gateway(&mut b, GatewayIx(ix)),
        }
        let mut d = Detail {
            target,
            title: clean(&target_name(graph, target)),
            lines: b.lines,
            sel: 0,
            offset: 0,
        };
        let first = d.selectable().next().unwrap_or(0);
        d.sel = first;
        d
    }

    /// What shows while the real detail is computed in the background.
    pub fn placeholder(graph: &Graph, target: Target) -> Detail {
        Detail {
            target,
            title: clean(&target_name(graph, target)),
            lines: vec![DLine {
                kind: LineKind::Note,
                left: "computing…".into(),
                right: String::new(),
                link: None,
                why: None,
            }],
            sel: 0,
            offset: 0,
        }
    }

    /// Whether this is the stand-in shown while the real detail is built off the input loop.
    pub fn is_placeholder(&self) -> bool {
        self.lines.len() == 1 && self.lines[0].left == "computing…" && self.lines[0].link.is_none()
    }

    /// Puts the cursor on `line` when the cursor may rest there, else on the nearest such line
    /// before it (the detail may have changed since).
    pub fn select_line(&mut self, line: usize) {
        if let Some(i) = self.selectable().take_while(|&i| i <= line).last() {
            self.sel = i;
        }
    }

    /// Indices of the lines the cursor can rest on.
    pub fn selectable(&self) -> impl Iterator<Item = usize> + '_ {
        self.lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.link.is_some() || l.why.is_some())
            .map(|(i, _)| i)
    }

    pub fn selected(&self) -> Option<&DLine> {
        self.lines
            .get(self.sel)
            .filter(|l| l.link.is_some() || l.why.is_some())
    }

    pub fn selected_link(&self) -> Option<Target> {
        self.selected().and_then(|l| l.link)
    }

    /// Moves the cursor by `delta` selectable lines.
    pub fn step(&mut self, delta: isize) {
        let sel: Vec<usize> = self.selectable().collect();
        if sel.is_empty() {
            return;
        }
        let cur = sel.iter().position(|&i| i >= self.sel).unwrap_or(0) as isize;
        let next = (cur + delta).clamp(0, sel.len() as isize - 1) as usize;
        self.sel = sel[next];
    }
}
