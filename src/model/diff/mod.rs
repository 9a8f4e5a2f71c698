//! What changed between two snapshots of one environment: the effective access users, worker
//! applications and gateways gained and lost, each with the chain where it holds and what on
//! that chain exists on one side only ([`Hinge`]); and the entities added, removed or changed.
//!
//! Both sides are computed with the access module's own functions, one subject at a time: a
//! change is reported exactly when the subject's effective groups, roles at a scope or admitted
//! applications differ (`src/demo/tests_diff.rs` compares with `Access::compute` on every
//! subject of generated pairs). Only the changes get chains, so two 100,000-user snapshots
//! compare in about 1.4 s (`cargo bench --bench diff`).

mod compare;
mod entities;
mod hinge;
mod items;

use std::collections::HashMap;

pub use compare::compare_users;
pub use entities::{Changed, EntityChanges, Named, Set};
pub use hinge::Hinge;

use super::entities::Id;
use super::explain::Path;
use super::graph::{AppIx, GatewayIx, Graph, UserIx};
use items::{Common, Items};

/// Access gained (it holds in the newer snapshot only) or lost (in the older only).
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Change {
    Gained,
    Lost,
    /// `compare`: the other user has it, the user compared does not (the subject is the other).
    Missing,
    /// `compare`: the user compared has it, the other does not.
    Extra,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Gained => "gained",
            Change::Lost => "lost",
            Change::Missing => "missing",
            Change::Extra => "extra",
        }
    }
}

/// Who gains or loses.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum SubjectKind {
    User,
    Application,
    Gateway,
}

impl SubjectKind {
    pub fn noun(self) -> &'static str {
        match self {
            SubjectKind::User => "user",
            SubjectKind::Application => "application",
            SubjectKind::Gateway => "gateway",
        }
    }
}

/// What is gained or lost.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum ItemKind {
    Role,
    Application,
    Group,
}

impl ItemKind {
    pub fn noun(self) -> &'static str {
        match self {
            ItemKind::Group => "group",
            ItemKind::Role => "role",
            ItemKind::Application => "application",
        }
    }

    /// `--only` takes the plural.
    pub fn plural(self) -> &'static str {
        match self {
            ItemKind::Group => "groups",
            ItemKind::Role => "roles",
            ItemKind::Application => "applications",
        }
    }

    pub const ALL: [ItemKind; 3] = [ItemKind::Role, ItemKind::Application, ItemKind::Group];
}

/// The scope of a role: its type as the API spells it, and its id.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct RoleScope {
    pub kind: String,
    pub id: Id,
}

/// One piece of effective access gained or lost. Small on purpose (a diff can hold hundreds of
/// thousands): who and what are the first and last hops of `path`, read through the accessors.
#[derive(Clone, PartialEq, Debug)]
pub struct AccessChange {
    pub change: Change,
    pub subject: SubjectKind,
    pub kind: ItemKind,
    /// Rank for "what matters most": admin roles of non-human subjects, admin roles, apps open
    /// to admins only, other roles, applications, groups (lower first).
    pub weight: u8,
    /// The chain in the snapshot where the access holds: the newer for a gain, the older for a
    /// loss, from the subject to the target. Its nodes index that snapshot's graph
    /// ([`AccessChange::side`]).
    pub path: Path,
    /// The first hop of `path` that the other snapshot lacks, when one does.
    pub hinge: Option<Box<Hinge>>,
    /// `compare`, for a missing item: the one group whose direct membership would give it.
    pub fix: Option<Box<Named>>,
}

impl AccessChange {
    /// The graph `path` indexes: the newer for a gain, the older for a loss.
    pub fn side<'g>(&self, old: &'g Graph, new: &'g Graph) -> &'g Graph {
        match self.change {
            Change::Gained | Change::Missing => new,
            Change::Lost | Change::Extra => old,
        }
    }

    fn end(&self, old: &Graph, new: &Graph, last: bool) -> (Id, String) {
        let g = self.side(old, new);
        let hop = if last {
            self.path.hops().last()
        } else {
            self.path.hops().first()
        };
        hop.map_or((Id::new(""), String::new()), |h| {
            (g.node_id(&h.node), g.node_name(&h.node))
        })
    }

    pub fn subject_id(&self, old: &Graph, new: &Graph) -> Id {
        self.end(old, new, false).0
    }

    /// A user's username, an application's or gateway's name.
    pub fn subject_name(&self, old: &Graph, new: &Graph) -> String {
        self.end(old, new, false).1
    }

    pub fn target_id(&self, old: &Graph, new: &Graph) -> Id {
        self.end(old, new, true).0
    }

    pub fn target_name(&self, old: &Graph, new: &Graph) -> String {
        self.end(old, new, true).1
    }

    /// The role assignment that grants a role (roles only).
    fn assignment(&self) -> Option<crate::model::graph::AssignIx> {
        match self.path.hops().last()?.link? {
            crate::model::explain::Link::Assigned(a) => Some(a),
            _ => None,
        }
    }

    /// Roles only: the scope's type as the API spells it, and its id.
    pub fn scope(&self, old: &Graph, new: &Graph) -> Option<RoleScope> {
        let s = &self.side(old, new).assignment(self.assignment()?).raw.scope;
        Some(RoleScope {
            kind: s.kind.as_str().to_owned(),
            id: s.id.clone(),
        })
    }

    /// Roles only: where the role is ("environment Acme", "population Staff", ...).
    pub fn scope_label(&self, old: &Graph, new: &Graph) -> Option<String> {
        let g = self.side(old, new);
        Some(g.scope_label(&g.assignment(self.assignment()?).raw.scope))
    }

    /// What made the difference, in a few words ("membership in Engineering removed").
    pub fn cause(&self) -> Option<String> {
        self.hinge.as_ref().map(|h| h.describe(self.change))
    }

    /// One line, every name through `clean`: `+ role Identity Data Admin at environment Acme:
    /// assignment ... added (alice → Security (direct member) → ...)`, or for a loss
    /// `- ...: membership in Engineering removed; was alice → ...`.
    pub fn line(&self, old: &Graph, new: &Graph, clean: impl Fn(&str) -> String) -> String {
        let g = self.side(old, new);
        let scope = self
            .scope_label(old, new)
            .map(|s| format!(" at {}", clean(&s)))
            .unwrap_or_default();
        let chain = self.path.render(g, &clean);
        let target = self.target_name(old, new);
        let what = format!("{} {}{scope}", self.kind.noun(), clean(&target));
        let gain = matches!(self.change, Change::Gained | Change::Missing);
        match (gain, self.cause()) {
            (true, Some(cause)) => format!("+ {what}: {} ({chain})", clean(&cause)),
            (true, None) => format!("+ {what}: {chain}"),
            (false, Some(cause)) => format!("- {what}: {}; was {chain}", clean(&cause)),
            (false, None) => format!("- {what}: was {chain}"),
        }
    }

    /// The change as a CSV record under [`CSV_HEADER`], unescaped (writers guard the cells).
    pub fn record(&self, old: &Graph, new: &Graph) -> [String; 12] {
        let g = self.side(old, new);
        let (subject_id, subject_name) = self.end(old, new, false);
        let (target_id, target_name) = self.end(old, new, true);
        let scope = self.scope(old, new);
        [
            self.change.as_str().to_owned(),
            self.subject.noun().to_owned(),
            subject_id.to_string(),
            subject_name,
            self.kind.noun().to_owned(),
            target_id.to_string(),
            target_name,
            scope.as_ref().map(|s| s.kind.clone()).unwrap_or_default(),
            scope.as_ref().map(|s| s.id.to_string()).unwrap_or_default(),
            self.scope_label(old, new).unwrap_or_default(),
            self.cause().unwrap_or_default(),
            self.path.render(g, |s| s.to_owned()),
        ]
    }
}

/// The columns of a change as CSV (`diff --format csv`, the explorer's export of Changes).
pub const CSV_HEADER: [&str; 12] = [
    "change",
    "subject_kind",
    "subject_id",
    "subject_name",
    "kind",
    "target_id",
    "target_name",
    "scope_type",
    "scope_id",
    "scope",
    "cause",
    "path",
];

/// Everything that differs between two snapshots.
#[derive(Clone, Debug, Default)]
pub struct Diff {
    /// Grouped by subject (users, then applications, then gateways, each by name), gains first.
    pub changes: Vec<AccessChange>,
    pub entities: EntityChanges,
}

impl Diff {
    /// Changes in "what matters most" order (stable within a weight).
    pub fn by_weight(&self) -> Vec<&AccessChange> {
        let mut v: Vec<&AccessChange> = self.changes.iter().collect();
        v.sort_by_key(|c| (c.weight, c.change));
        v
    }
}

/// Two snapshots must be of one environment: otherwise every entity would be "changed".
pub fn check_same_environment(old: &Graph, new: &Graph) -> Result<(), String> {
    let (a, b) = (&old.environment, &new.environment);
    if a.id == b.id {
        return Ok(());
    }
    let id = |e: &crate::model::entities::Environment| {
        e.id.as_ref()
            .map_or_else(|| "no id".to_owned(), |i| i.to_string())
    };
    Err(format!(
        "the snapshots are of different environments: {} ({}) and {} ({})",
        a.name,
        id(a),
        b.name,
        id(b)
    ))
}

/// The difference between `old` and `new` (of one environment: see
/// [`check_same_environment`]).
pub fn diff(old: &Graph, new: &Graph) -> Diff {
    let common = Common::new(old, new);
    let mut runs = Runs::default();
    let (mut o_items, mut n_items) = (Items::default(), Items::default());
    // Users of the newer snapshot, then those only in the older one.
    for (ix, u) in new.users.iter().enumerate() {
        let (ou, nu) = (old.user_by_id(&u.id), UserIx(ix as u32));
        common.user_items(new, nu, items::Side::New, &mut n_items);
        match ou {
            Some(ou) => common.user_items(old, ou, items::Side::Old, &mut o_items),
            None => o_items.clear(),
        }
        runs.add(&common, Subject::User(ou, Some(nu)), &o_items, &n_items);
    }
    for (ix, u) in old.users.iter().enumerate() {
        if new.user_by_id(&u.id).is_none() {
            let ou = UserIx(ix as u32);
            common.user_items(old, ou, items::Side::Old, &mut o_items);
            n_items.clear();
            runs.add(&common, Subject::User(Some(ou), None), &o_items, &n_items);
        }
    }
    // Worker applications and gateways: their own admin roles.
    let apps = pairs(
        new.apps.len(),
        old.apps.len(),
        |i| old.app_by_id(&new.apps[i].id).map(|a| a.ix()),
        |i| new.app_by_id(&old.apps[i].id).is_some(),
    );
    for (o, n) in apps {
        let (o, n) = (o.map(|i| AppIx(i as u32)), n.map(|i| AppIx(i as u32)));
        common.app_items(old, o, items::Side::Old, &mut o_items);
        common.app_items(new, n, items::Side::New, &mut n_items);
        runs.add(&common, Subject::App(o, n), &o_items, &n_items);
    }
    let gateways = pairs(
        new.gateways.len(),
        old.gateways.len(),
        |i| old.gateway_by_id(&new.gateways[i].id).map(|g| g.ix()),
        |i| new.gateway_by_id(&old.gateways[i].id).is_some(),
    );
    for (o, n) in gateways {
        let (o, n) = (
            o.map(|i| GatewayIx(i as u32)),
            n.map(|i| GatewayIx(i as u32)),
        );
        common.gateway_items(old, o, items::Side::Old, &mut o_items);
        common.gateway_items(new, n, items::Side::New, &mut n_items);
        runs.add(&common, Subject::Gateway(o, n), &o_items, &n_items);
    }
    Diff {
        changes: runs.into_changes(old, new),
        entities: entities::compare(old, new),
    }
}

/// Every entity of the newer snapshot with its index in the older (if any), then the older's
/// entities absent from the newer: (old index, new index).
fn pairs(
    new_len: usize,
    old_len: usize,
    old_of: impl Fn(usize) -> Option<usize>,
    in_new: impl Fn(usize) -> bool,
) -> Vec<(Option<usize>, Option<usize>)> {
    let mut v: Vec<(Option<usize>, Option<usize>)> =
        (0..new_len).map(|i| (old_of(i), Some(i))).collect();
    v.extend(
        (0..old_len)
            .filter(|&i| !in_new(i))
            .map(|i| (Some(i), None)),
    );
    v
}

/// The changes subject by subject: each subject's run sorted on its own (gains first, then by
/// kind and target), the runs by subject, so that no sort key is held for every change.
#[derive(Default)]
struct Runs(Vec<Vec<AccessChange>>);

impl Runs {
    fn add(&mut self, common: &Common, subject: Subject, o: &Items, n: &Items) {
        let mut run = Vec::new();
        compare(common, subject, o, n, &mut run);
        if !run.is_empty() {
            self.0.push(run);
        }
    }

    fn into_changes(self, old: &Graph, new: &Graph) -> Vec<AccessChange> {
        let mut runs = self.0;
        for run in &mut runs {
            run.sort_by_cached_key(|c| {
                (c.change, c.kind, c.target_name(old, new), c.scope(old, new))
            });
        }
        runs.sort_by_cached_key(|run| {
            let first = &run[0];
            let (id, name) = first.end(old, new, false);
            (first.subject, name, id)
        });
        let mut out = Vec::with_capacity(runs.iter().map(Vec::len).sum());
        for run in runs {
            out.extend(run);
        }
        out
    }
}

/// A subject on each side (`None`: absent there).
#[derive(Copy, Clone, Debug)]
pub(crate) enum Subject {
    User(Option<UserIx>, Option<UserIx>),
    App(Option<AppIx>, Option<AppIx>),
    Gateway(Option<GatewayIx>, Option<GatewayIx>),
}

/// Both sides' items (sorted by common index) merged: each item on one side only is a change.
fn compare(common: &Common, subject: Subject, o: &Items, n: &Items, out: &mut Vec<AccessChange>) {
    let (os, ns) = (o.sorted(), n.sorted());
    let (mut i, mut j) = (0, 0);
    loop {
        match (os.get(i), ns.get(j)) {
            (Some(x), Some(y)) if x.key == y.key => {
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x.key < y.key => {
                out.push(common.change(subject, Change::Lost, x, o));
                i += 1;
            }
            (Some(x), None) => {
                out.push(common.change(subject, Change::Lost, x, o));
                i += 1;
            }
            (_, Some(y)) => {
                out.push(common.change(subject, Change::Gained, y, n));
                j += 1;
            }
            (None, None) => break,
        }
    }
}

/// Ids to the common numbering of both snapshots, for one kind of item.
pub(crate) type IdMap = HashMap<Id, u32>;
