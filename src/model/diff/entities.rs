//! Entity-level changes: added, removed, and what changed on the ones in both snapshots.

use crate::model::entities::{Application, Gateway, Group, Id, Population, Role, User};
use crate::model::graph::Graph;

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Named {
    pub id: Id,
    pub name: String,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Changed {
    pub id: Id,
    pub name: String,
    /// Each change in a few words: "disabled", "renamed from Eng", "nested in All Staff".
    pub what: Vec<String>,
}

/// One kind's entities added, removed and changed (each by name).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Set {
    pub added: Vec<Named>,
    pub removed: Vec<Named>,
    pub changed: Vec<Changed>,
}

impl Set {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct EntityChanges {
    pub users: Set,
    pub groups: Set,
    pub applications: Set,
    pub gateways: Set,
    pub roles: Set,
    pub populations: Set,
}

impl EntityChanges {
    /// Each kind with its JSON key.
    pub fn sets(&self) -> [(&'static str, &Set); 6] {
        [
            ("users", &self.users),
            ("groups", &self.groups),
            ("applications", &self.applications),
            ("gateways", &self.gateways),
            ("roles", &self.roles),
            ("populations", &self.populations),
        ]
    }

    pub fn is_empty(&self) -> bool {
        self.sets().iter().all(|(_, s)| s.is_empty())
    }
}

trait Entity {
    fn id(&self) -> &Id;
    fn name(&self) -> String;
}

macro_rules! entity {
    ($t:ty, $name:expr) => {
        impl Entity for $t {
            fn id(&self) -> &Id {
                &self.id
            }
            fn name(&self) -> String {
                let f: fn(&$t) -> String = $name;
                f(self)
            }
        }
    };
}

entity!(User, |u| u.username.to_string());
entity!(Group, |g| g.name.clone());
entity!(Application, |a| a.name.clone());
entity!(Gateway, |g| g.name.clone());
entity!(Role, |r| r.name.clone());
entity!(Population, |p| p.name.clone());

/// Added, removed and changed entities of one kind; `find` looks an id up in the newer graph.
fn compare_kind<T: Entity>(
    old: &[T],
    new: &[T],
    find_old: impl Fn(&Id) -> Option<usize>,
    find_new: impl Fn(&Id) -> Option<usize>,
    what: impl Fn(usize, usize) -> Vec<String>,
) -> Set {
    let named = |e: &T| Named {
        id: e.id().clone(),
        name: e.name(),
    };
    let mut set = Set::default();
    for (i, e) in new.iter().enumerate() {
        match find_old(e.id()) {
            None => set.added.push(named(e)),
            Some(o) => {
                let w = what(o, i);
                if !w.is_empty() {
                    set.changed.push(Changed {
                        id: e.id().clone(),
                        name: e.name(),
                        what: w,
                    });
                }
            }
        }
    }
    set.removed = old
        .iter()
        .filter(|e| find_new(e.id()).is_none())
        .map(named)
        .collect();
    set.added
        .sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    set.removed
        .sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    set.changed
        .sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    set
}

fn renamed(old: String, new: String, out: &mut Vec<String>) {
    if old != new {
        out.push(format!("renamed from {old}"));
    }
}

fn flag(old: bool, new: bool, on: &str, off: &str, out: &mut Vec<String>) {
    if old != new {
        out.push(if new { on } else { off }.to_owned());
    }
}

pub(super) fn compare(old: &Graph, new: &Graph) -> EntityChanges {
    let users = compare_kind(
        &old.users,
        &new.users,
        |id| old.user_by_id(id).map(|u| u.ix()),
        |id| new.user_by_id(id).map(|u| u.ix()),
        |o, n| {
            let (a, b) = (&old.users[o], &new.users[n]);
            let mut w = Vec::new();
            renamed(a.name(), b.name(), &mut w);
            flag(a.enabled, b.enabled, "enabled", "disabled", &mut w);
            flag(a.is_locked(), b.is_locked(), "locked", "unlocked", &mut w);
            w
        },
    );
    let groups = compare_kind(
        &old.groups,
        &new.groups,
        |id| old.group_by_id(id).map(|g| g.ix()),
        |id| new.group_by_id(id).map(|g| g.ix()),
        |o, n| {
            let (a, b) = (&old.groups[o], &new.groups[n]);
            let mut w = Vec::new();
            renamed(a.name(), b.name(), &mut w);
            if a.user_filter != b.user_filter {
                w.push("dynamic filter changed".to_owned());
            }
            let parents = |g: &Graph, ix: usize| -> Vec<(String, Id)> {
                let gi = crate::model::graph::GroupIx(ix as u32);
                let mut v: Vec<(String, Id)> = g
                    .group_parents(gi)
                    .iter()
                    .map(|&p| (g.group(p).name.clone(), g.group(p).id.clone()))
                    .collect();
                v.sort();
                v
            };
            let (pa, pb) = (parents(old, o), parents(new, n));
            for (name, id) in &pb {
                if !pa.iter().any(|(_, x)| x == id) {
                    w.push(format!("nested in {name}"));
                }
            }
            for (name, id) in &pa {
                if !pb.iter().any(|(_, x)| x == id) {
                    w.push(format!("no longer nested in {name}"));
                }
            }
            w
        },
    );
    let applications = compare_kind(
        &old.apps,
        &new.apps,
        |id| old.app_by_id(id).map(|a| a.ix()),
        |id| new.app_by_id(id).map(|a| a.ix()),
        |o, n| {
            let (a, b) = (&old.apps[o], &new.apps[n]);
            let mut w = Vec::new();
            renamed(a.name(), b.name(), &mut w);
            flag(a.enabled, b.enabled, "enabled", "disabled", &mut w);
            if a.access_control != b.access_control {
                w.push(format!(
                    "access control changed: {} → {}",
                    rule(old, a),
                    rule(new, b)
                ));
            }
            if a.grant_types != b.grant_types {
                w.push(format!(
                    "grant types changed: [{}] → [{}]",
                    a.grant_types.join(", "),
                    b.grant_types.join(", ")
                ));
            }
            w
        },
    );
    let gateways = compare_kind(
        &old.gateways,
        &new.gateways,
        |id| old.gateway_by_id(id).map(|g| g.ix()),
        |id| new.gateway_by_id(id).map(|g| g.ix()),
        |o, n| {
            let (a, b) = (&old.gateways[o], &new.gateways[n]);
            let mut w = Vec::new();
            renamed(a.name(), b.name(), &mut w);
            flag(a.enabled, b.enabled, "enabled", "disabled", &mut w);
            w
        },
    );
    let roles = compare_kind(
        &old.roles,
        &new.roles,
        |id| old.role_by_id(id).map(|r| r.ix()),
        |id| new.role_by_id(id).map(|r| r.ix()),
        |o, n| {
            let mut w = Vec::new();
            renamed(old.roles[o].name(), new.roles[n].name(), &mut w);
            w
        },
    );
    let populations = compare_kind(
        &old.populations,
        &new.populations,
        |id| old.population_by_id(id).map(|p| p.ix()),
        |id| new.population_by_id(id).map(|p| p.ix()),
        |o, n| {
            let mut w = Vec::new();
            renamed(old.populations[o].name(), new.populations[n].name(), &mut w);
            w
        },
    );
    EntityChanges {
        users,
        groups,
        applications,
        gateways,
        roles,
        populations,
    }
}

/// "ANY_GROUP of Engineering, Sales; ADMIN_USERS_ONLY", or "none".
fn rule(g: &Graph, app: &Application) -> String {
    let Some(ac) = &app.access_control else {
        return "none".to_owned();
    };
    let mut parts = Vec::new();
    if let Some(group) = &ac.group {
        let names: Vec<String> = group
            .groups
            .iter()
            .map(|r| match g.group_by_id(&r.id) {
                Some(gi) => g.group(gi).name.clone(),
                None => format!("deleted group {}", r.id),
            })
            .collect();
        parts.push(format!("{} of {}", group.kind.as_str(), names.join(", ")));
    }
    if let Some(role) = &ac.role {
        parts.push(role.kind.as_str().to_owned());
    }
    if parts.is_empty() {
        "none".to_owned()
    } else {
        parts.join("; ")
    }
}
