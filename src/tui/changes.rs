//! The Changes view: a diff (this look against an earlier one) or a comparison (two users), as a
//! list the explorer filters, jumps from, explains with `w` and exports like any other.

use std::sync::Arc;

use crate::model::diff::{self, AccessChange, Change, ItemKind, SubjectKind};
use crate::model::text::sanitize;
use crate::model::{Graph, Kind, Target, UserIx};

use super::why::{WhyItem, WhyView};

/// One change, with where its subject and target are in the data shown (`None`: not there).
/// Its line, chain and record are made when asked: a month at 100,000 users can be hundreds
/// of thousands of changes, and a screen shows thirty.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub change: AccessChange,
    pub subject: Option<Target>,
    pub target: Option<Target>,
}

pub struct Changes {
    pub title: String,
    /// "14 gained, 5 lost" (or "4 missing, 13 extra").
    pub summary: String,
    /// What matters most first (admin roles of non-human subjects, admin roles, admin-only
    /// applications, other roles, applications, groups).
    pub items: Vec<Item>,
    /// The graphs the chains index (the older one only while this view lives).
    old: Arc<Graph>,
    new: Arc<Graph>,
}

impl std::fmt::Debug for Changes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Changes({:?}, {} items)", self.title, self.items.len())
    }
}

impl PartialEq for Changes {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

/// Shared by a list spec and the history: equal when the same view.
#[derive(Clone, Debug)]
pub struct ChangesRef(pub Arc<Changes>);

impl PartialEq for ChangesRef {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for ChangesRef {}

fn subject_kind(k: SubjectKind) -> Kind {
    match k {
        SubjectKind::User => Kind::User,
        SubjectKind::Application => Kind::App,
        SubjectKind::Gateway => Kind::Gateway,
    }
}

fn item_kind(k: ItemKind) -> Kind {
    match k {
        ItemKind::Group => Kind::Group,
        ItemKind::Role => Kind::Role,
        ItemKind::Application => Kind::App,
    }
}

impl Changes {
    /// What changed from `old` to `shown` (the graph the explorer shows).
    pub fn diff(old: Arc<Graph>, shown: Arc<Graph>, title: String) -> Changes {
        let d = diff::diff(&old, &shown);
        let mut records = d.changes;
        records.sort_by_key(|c| (c.weight, c.change));
        let gained = records
            .iter()
            .filter(|c| c.change == Change::Gained)
            .count();
        let summary = format!("{gained} gained, {} lost", records.len() - gained);
        Changes::of(records, old, shown, title, summary)
    }

    /// What `user` lacks that `other` has, and the reverse.
    pub fn compare(shown: Arc<Graph>, user: UserIx, other: UserIx) -> Changes {
        let g = &shown;
        let records = diff::compare_users(g, user, other);
        let missing = records
            .iter()
            .filter(|c| c.change == Change::Missing)
            .count();
        let title = format!(
            "{} vs {}",
            sanitize(&g.user(user).username),
            sanitize(&g.user(other).username)
        );
        let summary = format!("{missing} missing, {} extra", records.len() - missing);
        Changes::of(records, shown.clone(), shown, title, summary)
    }

    fn of(
        records: Vec<AccessChange>,
        old: Arc<Graph>,
        new: Arc<Graph>,
        title: String,
        summary: String,
    ) -> Changes {
        let items = records
            .into_iter()
            .map(|c| {
                let (o, n) = (&*old, &*new);
                Item {
                    subject: n.target_by_id(subject_kind(c.subject), &c.subject_id(o, n)),
                    target: n.target_by_id(item_kind(c.kind), &c.target_id(o, n)),
                    change: c,
                }
            })
            .collect();
        Changes {
            title,
            summary,
            items,
            old,
            new,
        }
    }

    fn graphs(&self) -> (&Graph, &Graph) {
        (&self.old, &self.new)
    }

    /// The line the list shows for change `i` (sanitised).
    pub fn line(&self, i: usize) -> String {
        let Some(it) = self.items.get(i) else {
            return String::new();
        };
        let (old, new) = self.graphs();
        let clean = |s: &str| sanitize(s).into_owned();
        let c = &it.change;
        let mut line = c.line(old, new, clean);
        if it.subject.is_none() {
            // The row shows the target's name: say whose change it is.
            let name = c.subject_name(old, new);
            line = format!("{} {}: {line}", c.subject.noun(), clean(&name));
        }
        if let Some(f) = &c.fix {
            line.push_str(&format!(" · joining {} would close it", clean(&f.name)));
        }
        line
    }

    /// Change `i` as `diff --format csv`'s record, unescaped.
    pub fn record(&self, i: usize) -> Option<[String; 12]> {
        let (old, new) = self.graphs();
        Some(self.items.get(i)?.change.record(old, new))
    }

    /// `w` on a change: its chain (in the snapshot where it holds), what broke or was added,
    /// every hop still in the data shown jumpable.
    pub fn why(&self, i: usize) -> Option<WhyView> {
        let it = self.items.get(i)?;
        let (old, new) = self.graphs();
        let c = &it.change;
        let g = c.side(old, new);
        let clean = |s: &str| sanitize(s).into_owned();
        let mut items = Vec::new();
        if let Some(cause) = c.cause() {
            items.push(WhyItem {
                depth: 0,
                text: clean(&cause),
                link: "what changed".into(),
                target: None,
            });
        }
        let heading = match c.change {
            Change::Gained | Change::Missing => "the chain now",
            Change::Lost | Change::Extra => "the chain before",
        };
        items.push(WhyItem {
            depth: 0,
            text: heading.into(),
            link: String::new(),
            target: None,
        });
        items.extend(c.path.hops().iter().map(|h| {
            WhyItem {
                depth: 1,
                text: clean(&g.node_name(&h.node)),
                link: h.link.map_or("", |l| l.phrase()).to_owned(),
                target: h
                    .node
                    .target()
                    .and_then(|t| new.target_by_id(t.kind, &g.node_id(&h.node))),
            }
        }));
        let headline = format!(
            "{} {} {}",
            c.change.as_str(),
            c.kind.noun(),
            clean(&c.target_name(old, new))
        );
        let mut v = WhyView {
            title: format!("{}: {headline}", self.title),
            items,
            sel: 0,
            paths: Vec::new(),
        };
        v.sel = v.items.iter().position(|i| i.target.is_some()).unwrap_or(0);
        Some(v)
    }
}
