//! The Changes view: a diff (this look against an earlier one) or a comparison (two users), as a
//! list the explorer filters, jumps from, explains with `w` and exports like any other.

use std::sync::Arc;

use crate::model::diff::{self, AccessChange, Change, ItemKind, SubjectKind};
use crate::model::text::sanitize;
use crate::model::{Graph, Kind, Target, UserIx};

use super::why::{WhyItem, WhyView};

/// A hop of a change's chain, named as in its snapshot, jumpable when the entity is in the one
/// shown.
#[derive(Clone, Debug, PartialEq)]
pub struct HopLine {
    pub name: String,
    pub link: String,
    pub target: Option<Target>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub change: Change,
    /// The subject and what it gained or lost, in the data shown (`None`: not there).
    pub subject: Option<Target>,
    pub target: Option<Target>,
    /// The line the list shows (sanitised).
    pub line: String,
    pub headline: String,
    pub cause: Option<String>,
    pub hops: Vec<HopLine>,
    /// `diff --format csv`'s columns, unescaped.
    pub record: [String; 12],
}

#[derive(Debug, PartialEq)]
pub struct Changes {
    pub title: String,
    /// "14 gained, 5 lost" (or "4 missing, 13 extra").
    pub summary: String,
    /// What matters most first (admin roles of non-human subjects, admin roles, admin-only
    /// applications, other roles, applications, groups).
    pub items: Vec<Item>,
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
    /// What changed from `old` to `new`; `shown` is the one of the two the explorer shows.
    pub fn diff(old: &Graph, new: &Graph, shown: &Graph, title: String) -> Changes {
        let d = diff::diff(old, new);
        let mut records = d.changes;
        records.sort_by_key(|c| (c.weight, c.change));
        let gained = records
            .iter()
            .filter(|c| c.change == Change::Gained)
            .count();
        let summary = format!("{gained} gained, {} lost", records.len() - gained);
        Changes::of(records, old, new, shown, title, summary)
    }

    /// What `user` lacks that `other` has, and the reverse.
    pub fn compare(g: &Graph, user: UserIx, other: UserIx) -> Changes {
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
        Changes::of(records, g, g, g, title, summary)
    }

    fn of(
        records: Vec<AccessChange>,
        old: &Graph,
        new: &Graph,
        shown: &Graph,
        title: String,
        summary: String,
    ) -> Changes {
        let clean = |s: &str| sanitize(s).into_owned();
        let items = records
            .iter()
            .map(|c| {
                let g = c.side(old, new);
                let subject_id = c.subject_id(old, new);
                let subject = shown.target_by_id(subject_kind(c.subject), &subject_id);
                let target = shown.target_by_id(item_kind(c.kind), &c.target_id(old, new));
                let mut line = c.line(old, new, clean);
                if subject.is_none() {
                    // The row shows the target's name: say whose change it is.
                    let name = c.subject_name(old, new);
                    line = format!("{} {}: {line}", c.subject.noun(), clean(&name));
                }
                if let Some(f) = &c.fix {
                    line.push_str(&format!(" · joining {} would close it", clean(&f.name)));
                }
                let hops = c
                    .path
                    .hops()
                    .iter()
                    .map(|h| HopLine {
                        name: clean(&g.node_name(&h.node)),
                        link: h.link.map_or("", |l| l.phrase()).to_owned(),
                        target: h
                            .node
                            .target()
                            .and_then(|t| shown.target_by_id(t.kind, &g.node_id(&h.node))),
                    })
                    .collect();
                Item {
                    change: c.change,
                    subject,
                    target,
                    headline: format!(
                        "{} {} {}",
                        c.change.as_str(),
                        c.kind.noun(),
                        clean(&c.target_name(old, new))
                    ),
                    line,
                    cause: c.cause().map(|x| clean(&x)),
                    hops,
                    record: c.record(old, new),
                }
            })
            .collect();
        Changes {
            title,
            summary,
            items,
        }
    }

    /// `w` on a change: its chain (in the snapshot where it holds), what broke or was added,
    /// every hop still in the data shown jumpable.
    pub fn why(&self, i: usize) -> Option<WhyView> {
        let it = self.items.get(i)?;
        let mut items = Vec::new();
        if let Some(cause) = &it.cause {
            items.push(WhyItem {
                depth: 0,
                text: cause.clone(),
                link: "what changed".into(),
                target: None,
            });
        }
        let heading = match it.change {
            Change::Gained | Change::Missing => "the chain now",
            Change::Lost | Change::Extra => "the chain before",
        };
        items.push(WhyItem {
            depth: 0,
            text: heading.into(),
            link: String::new(),
            target: None,
        });
        items.extend(it.hops.iter().map(|h| WhyItem {
            depth: 1,
            text: h.name.clone(),
            link: h.link.clone(),
            target: h.target,
        }));
        let mut v = WhyView {
            title: format!("{}: {}", self.title, it.headline),
            items,
            sel: 0,
            paths: Vec::new(),
        };
        v.sel = v.items.iter().position(|i| i.target.is_some()).unwrap_or(0);
        Some(v)
    }
}
