//! What changed between two snapshots of one environment: the effective access users, worker
//! applications and gateways gained and lost, each with the chain where it holds and what on
//! that chain exists on one side only ([`Hinge`]); and the entities added, removed or changed.
//!
//! Both sides are computed with the access module's own functions, one subject at a time: a
//! change is reported exactly when the subject's effective groups, roles at a scope or admitted
//! applications differ (the property tests compare with `Access::compute` on every user). Only
//! the changes get chains, so two 100,000-user snapshots compare in about a second.

mod compare;
mod entities;
mod hinge;
mod items;
#[cfg(test)]
mod tests;

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

/// One piece of effective access gained or lost.
#[derive(Clone, PartialEq, Debug)]
pub struct AccessChange {
    pub change: Change,
    pub subject: SubjectKind,
    pub subject_id: Id,
    pub subject_name: String,
    pub kind: ItemKind,
    pub target_id: Id,
    pub target_name: String,
    /// Roles only.
    pub scope: Option<RoleScope>,
    /// Where the role is (roles only): "environment Acme", "population Staff", ...
    pub scope_label: Option<String>,
    /// The chain in the snapshot where the access holds: the newer for a gain, the older for a
    /// loss. Its nodes index that snapshot's graph ([`AccessChange::side`]).
    pub path: Path,
    /// The first hop of `path` that the other snapshot lacks, when one does.
    pub hinge: Option<Hinge>,
    /// `compare`, for a missing item: the one group whose direct membership would give it.
    pub fix: Option<Named>,
    /// Rank for "what matters most": admin roles of non-human subjects, admin roles, apps open
    /// to admins only, other applications, groups (lower first).
    pub weight: u8,
}

impl AccessChange {
    /// The graph `path` indexes: the newer for a gain, the older for a loss.
    pub fn side<'g>(&self, old: &'g Graph, new: &'g Graph) -> &'g Graph {
        match self.change {
            Change::Gained | Change::Missing => new,
            Change::Lost | Change::Extra => old,
        }
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
            .scope_label
            .as_ref()
            .map(|s| format!(" at {}", clean(s)))
            .unwrap_or_default();
        let chain = self.path.render(g, &clean);
        let what = format!("{} {}{scope}", self.kind.noun(), clean(&self.target_name));
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
        [
            self.change.as_str().to_owned(),
            self.subject.noun().to_owned(),
            self.subject_id.to_string(),
            self.subject_name.clone(),
            self.kind.noun().to_owned(),
            self.target_id.to_string(),
            self.target_name.clone(),
            self.scope
                .as_ref()
                .map(|s| s.kind.clone())
                .unwrap_or_default(),
            self.scope
                .as_ref()
                .map(|s| s.id.to_string())
                .unwrap_or_default(),
            self.scope_label.clone().unwrap_or_default(),
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
    let mut changes = Vec::new();
    // Users, in the newer snapshot's order, then those only in the older one.
    let mut o_items = Items::default();
    let mut n_items = Items::default();
    for (ix, u) in new.users.iter().enumerate() {
        let nu = UserIx(ix as u32);
        common.user_items(new, nu, items::Side::New, &mut n_items);
        match old.user_by_id(&u.id) {
            Some(ou) => common.user_items(old, ou, items::Side::Old, &mut o_items),
            None => o_items.clear(),
        }
        compare(
            &common,
            Subject::User(old.user_by_id(&u.id), Some(nu)),
            &o_items,
            &n_items,
            &mut changes,
        );
    }
    for (ix, u) in old.users.iter().enumerate() {
        if new.user_by_id(&u.id).is_none() {
            let ou = UserIx(ix as u32);
            common.user_items(old, ou, items::Side::Old, &mut o_items);
            n_items.clear();
            compare(
                &common,
                Subject::User(Some(ou), None),
                &o_items,
                &n_items,
                &mut changes,
            );
        }
    }
    // Worker applications and gateways: their own admin roles.
    let mut apps: Vec<(Option<AppIx>, Option<AppIx>)> = new
        .apps
        .iter()
        .enumerate()
        .map(|(i, a)| (old.app_by_id(&a.id), Some(AppIx(i as u32))))
        .collect();
    apps.extend(
        (0..old.apps.len() as u32)
            .map(AppIx)
            .filter(|&a| new.app_by_id(&old.app(a).id).is_none())
            .map(|a| (Some(a), None)),
    );
    for (o, n) in apps {
        common.app_items(old, o, items::Side::Old, &mut o_items);
        common.app_items(new, n, items::Side::New, &mut n_items);
        compare(
            &common,
            Subject::App(o, n),
            &o_items,
            &n_items,
            &mut changes,
        );
    }
    let mut gateways: Vec<(Option<GatewayIx>, Option<GatewayIx>)> = new
        .gateways
        .iter()
        .enumerate()
        .map(|(i, g)| (old.gateway_by_id(&g.id), Some(GatewayIx(i as u32))))
        .collect();
    gateways.extend(
        (0..old.gateways.len() as u32)
            .map(GatewayIx)
            .filter(|&g| new.gateway_by_id(&old.gateway(g).id).is_none())
            .map(|g| (Some(g), None)),
    );
    for (o, n) in gateways {
        common.gateway_items(old, o, items::Side::Old, &mut o_items);
        common.gateway_items(new, n, items::Side::New, &mut n_items);
        compare(
            &common,
            Subject::Gateway(o, n),
            &o_items,
            &n_items,
            &mut changes,
        );
    }
    changes.sort_by(|a, b| {
        (
            a.subject,
            &a.subject_name,
            &a.subject_id,
            a.change,
            a.kind,
            &a.target_name,
            &a.scope,
        )
            .cmp(&(
                b.subject,
                &b.subject_name,
                &b.subject_id,
                b.change,
                b.kind,
                &b.target_name,
                &b.scope,
            ))
    });
    Diff {
        changes,
        entities: entities::compare(old, new),
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
