//! What one subject holds on one side, as sorted keys in a numbering both snapshots share.

use std::collections::HashMap;

use super::hinge;
use super::{AccessChange, Change, IdMap, ItemKind, Subject, SubjectKind};
use crate::model::access::{self, EffectiveGroups, RoleGrant};
use crate::model::entities::Id;
use crate::model::explain::{Link, Node, Path};
use crate::model::graph::{
    AppIx, AssignIx, GatewayIx, Graph, GroupMatch, GroupRef, RolePolicy, UserIx,
};

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) enum Side {
    Old,
    New,
}

/// How an item is held, to rebuild its chain.
#[derive(Copy, Clone, Debug)]
pub(crate) enum How {
    Group(crate::model::graph::GroupIx),
    Role(RoleGrant),
    /// An application's or gateway's own assignment.
    OwnRole(AssignIx),
    App(AppIx),
}

/// One item: its key (kind, then the common index) and how it is held.
#[derive(Copy, Clone, Debug)]
pub(crate) struct Item {
    pub key: u64,
    pub how: How,
}

fn key(kind: ItemKind, ix: u32) -> u64 {
    (kind as u64) << 32 | u64::from(ix)
}

/// A subject's items on one side, with what its chains need.
#[derive(Default)]
pub(crate) struct Items {
    v: Vec<Item>,
    eg: Option<EffectiveGroups>,
    roles: Vec<RoleGrant>,
}

impl Items {
    pub fn clear(&mut self) {
        self.v.clear();
        self.eg = None;
        self.roles.clear();
    }

    pub fn sorted(&self) -> &[Item] {
        &self.v
    }
}

/// One numbering of groups, applications and roles-at-a-scope for both snapshots, and the
/// applications any user is admitted to without a group.
pub(crate) struct Common<'g> {
    old: &'g Graph,
    new: &'g Graph,
    /// Per side (old, new): group index → common index; app index → common; assignment →
    /// common index of its (role, scope).
    groups: [Vec<u32>; 2],
    apps: [Vec<u32>; 2],
    assignments: [Vec<u32>; 2],
    /// Per side: the applications admitted with no group, to users without an admin role
    /// (`[0]`) and with one (`[1]`).
    free: [[Vec<AppIx>; 2]; 2],
}

fn number<'a>(map: &mut IdMap, ids: impl Iterator<Item = &'a Id>) -> Vec<u32> {
    ids.map(|id| {
        let next = map.len() as u32;
        *map.entry(id.clone()).or_insert(next)
    })
    .collect()
}

/// Apps whose group rule names no group of the snapshot: admitted (or not) whatever groups a
/// user reaches. Mirrors `access::decide` for that case; the property tests hold them equal.
fn free_apps(g: &Graph, admin: bool) -> Vec<AppIx> {
    (0..g.apps.len() as u32)
        .map(AppIx)
        .filter(|&a| {
            let policy = &g.app_policies[a.ix()];
            if g.app(a).nobody_signs_on() {
                return false;
            }
            let groups_ok = match &policy.group {
                None => true,
                Some(gp) if gp.groups.iter().any(|r| matches!(r, GroupRef::Known(_))) => {
                    return false;
                }
                Some(gp) => matches!(gp.rule, GroupMatch::All) && gp.groups.is_empty(),
            };
            let role_ok = match policy.role {
                RolePolicy::None => true,
                RolePolicy::AdminUsersOnly => admin,
                RolePolicy::Unknown(_) => false,
            };
            groups_ok && role_ok
        })
        .collect()
}

impl<'g> Common<'g> {
    pub fn new(old: &'g Graph, new: &'g Graph) -> Common<'g> {
        let mut groups = IdMap::new();
        let mut apps = IdMap::new();
        let mut roles: HashMap<(Id, String, Id), u32> = HashMap::new();
        let mut role_numbers = |g: &Graph| -> Vec<u32> {
            g.assignments
                .iter()
                .map(|a| {
                    let k = (
                        a.raw.role.id.clone(),
                        a.raw.scope.kind.as_str().to_owned(),
                        a.raw.scope.id.clone(),
                    );
                    let next = roles.len() as u32;
                    *roles.entry(k).or_insert(next)
                })
                .collect()
        };
        let assignments = [role_numbers(old), role_numbers(new)];
        Common {
            old,
            new,
            groups: [
                number(&mut groups, old.groups.iter().map(|g| &g.id)),
                number(&mut groups, new.groups.iter().map(|g| &g.id)),
            ],
            apps: [
                number(&mut apps, old.apps.iter().map(|a| &a.id)),
                number(&mut apps, new.apps.iter().map(|a| &a.id)),
            ],
            assignments,
            free: [
                [free_apps(old, false), free_apps(old, true)],
                [free_apps(new, false), free_apps(new, true)],
            ],
        }
    }

    fn role_key(&self, side: Side, a: AssignIx) -> u64 {
        key(ItemKind::Role, self.assignments[side as usize][a.ix()])
    }

    /// Every group, role at a scope and admitted application of a user.
    pub fn user_items(&self, g: &Graph, u: UserIx, side: Side, out: &mut Items) {
        out.clear();
        let s = side as usize;
        let eg = EffectiveGroups::compute(g, u);
        let roles = access::effective_roles(g, &eg);
        for r in eg.reaches() {
            out.v.push(Item {
                key: key(ItemKind::Group, self.groups[s][r.group.ix()]),
                how: How::Group(r.group),
            });
        }
        let mut admin = false;
        for &grant in &roles {
            let asg = g.assignment(grant.assignment);
            admin |= asg.role.is_some_and(|r| g.admin_role[r.ix()]);
            out.v.push(Item {
                key: self.role_key(side, grant.assignment),
                how: How::Role(grant),
            });
        }
        for &a in &self.free[s][usize::from(admin)] {
            out.v.push(Item {
                key: key(ItemKind::Application, self.apps[s][a.ix()]),
                how: How::App(a),
            });
        }
        let mut listed: Vec<AppIx> = eg
            .reaches()
            .iter()
            .flat_map(|r| g.group_apps(r.group).iter().copied())
            .collect();
        listed.sort_unstable();
        listed.dedup();
        for a in listed {
            if access::decide(g, a, &eg, &roles).admitted() {
                out.v.push(Item {
                    key: key(ItemKind::Application, self.apps[s][a.ix()]),
                    how: How::App(a),
                });
            }
        }
        // One item per key; for a role held several ways, the chain the access module prefers.
        out.v.sort_by_key(|i| i.key);
        let rank = |i: &Item| match i.how {
            How::Role(grant) => Some(access::grant_rank(g, &eg, &grant)),
            _ => None,
        };
        let mut kept: Vec<Item> = Vec::with_capacity(out.v.len());
        for item in out.v.drain(..) {
            match kept.last_mut() {
                Some(last) if last.key == item.key => {
                    if rank(&item) < rank(last) {
                        *last = item;
                    }
                }
                _ => kept.push(item),
            }
        }
        out.v = kept;
        out.eg = Some(eg);
        out.roles = roles;
    }

    /// A worker application's own roles at a scope.
    pub fn app_items(&self, g: &Graph, a: Option<AppIx>, side: Side, out: &mut Items) {
        out.clear();
        if let Some(a) = a {
            self.own_roles(g.app_assignments(a), side, out);
        }
    }

    pub fn gateway_items(&self, g: &Graph, gw: Option<GatewayIx>, side: Side, out: &mut Items) {
        out.clear();
        if let Some(gw) = gw {
            self.own_roles(g.gateway_assignments(gw), side, out);
        }
    }

    fn own_roles(&self, assignments: &[AssignIx], side: Side, out: &mut Items) {
        out.v.extend(assignments.iter().map(|&a| Item {
            key: self.role_key(side, a),
            how: How::OwnRole(a),
        }));
        // The first assignment of a (role, scope) held twice.
        out.v.sort_by_key(|i| i.key);
        out.v.dedup_by_key(|i| i.key);
    }

    /// The change for `item`, held on the side `change` names only.
    pub fn change(
        &self,
        subject: Subject,
        change: Change,
        item: &Item,
        items: &Items,
    ) -> AccessChange {
        let side = match change {
            Change::Gained | Change::Missing => Side::New,
            Change::Lost | Change::Extra => Side::Old,
        };
        let (g, other) = match side {
            Side::Old => (self.old, self.new),
            Side::New => (self.new, self.old),
        };
        let (kind, start) = match subject {
            Subject::User(o, n) => (SubjectKind::User, pick(side, o, n).map(Node::User)),
            Subject::App(o, n) => (SubjectKind::Application, pick(side, o, n).map(Node::App)),
            Subject::Gateway(o, n) => (SubjectKind::Gateway, pick(side, o, n).map(Node::Gateway)),
        };
        let start = start.map(Path::start).unwrap_or_default();
        let eg = items.eg.as_ref();
        let (item_kind, paths) = match item.how {
            How::Group(gi) => {
                let path = eg.and_then(|eg| eg.path_to(gi)).unwrap_or(start);
                (ItemKind::Group, vec![path])
            }
            How::Role(grant) => {
                let path = match eg {
                    Some(eg) => access::role_path(g, eg, grant),
                    None => start,
                };
                (ItemKind::Role, vec![path])
            }
            How::OwnRole(a) => {
                let mut path = start;
                path.push(access::role_node(g, a), Link::Assigned(a));
                (ItemKind::Role, vec![path])
            }
            How::App(a) => {
                let paths = match eg {
                    Some(eg) => access::decide(g, a, eg, &items.roles).paths(g, eg),
                    None => Vec::new(),
                };
                (ItemKind::Application, paths)
            }
        };
        let hinge = paths.iter().find_map(|p| hinge::find(g, other, p));
        // Exact capacity: a diff can hold hundreds of thousands of chains.
        let mut path = paths.into_iter().next().unwrap_or_default();
        path.0.shrink_to_fit();
        AccessChange {
            change,
            subject: kind,
            kind: item_kind,
            weight: weight(g, kind, &item.how),
            path,
            hinge: hinge.map(Box::new),
            fix: None,
        }
    }
}

fn pick<T>(side: Side, old: Option<T>, new: Option<T>) -> Option<T> {
    match side {
        Side::Old => old,
        Side::New => new,
    }
}

/// What matters most first: admin roles of non-human subjects, then of users, then
/// applications open to admins only, other roles, other applications, groups.
fn weight(g: &Graph, subject: SubjectKind, how: &How) -> u8 {
    let admin = |a: AssignIx| g.assignment(a).role.is_some_and(|r| g.admin_role[r.ix()]);
    match *how {
        How::OwnRole(a) if admin(a) && subject != SubjectKind::User => 0,
        How::OwnRole(_) => 3,
        How::Role(grant) if admin(grant.assignment) => 1,
        How::Role(_) => 3,
        How::App(a) if g.app_policies[a.ix()].role == RolePolicy::AdminUsersOnly => 2,
        How::App(_) => 4,
        How::Group(_) => 5,
    }
}
