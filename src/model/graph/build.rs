//! Building the graph from a snapshot: ids to dense indices, relations out of the entities into
//! adjacency lists in both directions, application policies resolved.

use std::collections::HashMap;

use super::*;
use crate::model::snapshot::Snapshot;

fn index_of<T, K: Copy>(
    items: &[T],
    id: impl Fn(&T) -> &Id,
    make: impl Fn(u32) -> K,
    what: &str,
    warnings: &mut Vec<String>,
) -> HashMap<Id, K> {
    let mut map = HashMap::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let key = id(item);
        if map.contains_key(key) {
            warnings.push(format!(
                "two {what} share the id {key}; references resolve to the first"
            ));
            continue;
        }
        map.insert(key.clone(), make(i as u32));
    }
    map
}

impl Graph {
    pub fn build(snapshot: Snapshot) -> Graph {
        let Snapshot {
            meta,
            coverage,
            environment,
            populations,
            mut users,
            mut groups,
            roles,
            mut applications,
            mut gateways,
        } = snapshot;
        let mut warnings = Vec::new();
        let user_ix = index_of(&users, |u| &u.id, UserIx, "users", &mut warnings);
        let group_ix = index_of(&groups, |g| &g.id, GroupIx, "groups", &mut warnings);
        let role_ix = index_of(&roles, |r| &r.id, RoleIx, "roles", &mut warnings);
        let app_ix = index_of(
            &applications,
            |a| &a.id,
            AppIx,
            "applications",
            &mut warnings,
        );
        let pop_ix = index_of(&populations, |p| &p.id, PopIx, "populations", &mut warnings);
        let gateway_ix = index_of(&gateways, |g| &g.id, GatewayIx, "gateways", &mut warnings);

        // Memberships.
        let total: usize = users
            .iter()
            .map(|u| u.memberships.as_ref().map_or(0, Vec::len))
            .sum();
        let mut member_edges: Vec<(u32, (GroupIx, MemberKind))> = Vec::with_capacity(total);
        let mut memberships_read = Vec::with_capacity(users.len());
        let mut dangling_memberships = Vec::new();
        let mut unknown_membership_kinds = Vec::new();
        let mut pop_edges = Vec::new();
        for (u, user) in users.iter_mut().enumerate() {
            let u = u as u32;
            if let Some(p) = user.population.as_ref().and_then(|p| pop_ix.get(&p.id)) {
                pop_edges.push((p.0, UserIx(u)));
            }
            let list = user.memberships.take();
            memberships_read.push(list.is_some());
            for m in list.into_iter().flatten() {
                let Some(&g) = group_ix.get(&m.id) else {
                    dangling_memberships.push((UserIx(u), m.id));
                    continue;
                };
                let kind = match m.kind {
                    MembershipKind::Direct => MemberKind::Direct,
                    MembershipKind::Indirect => MemberKind::Indirect,
                    MembershipKind::Other(text) => {
                        unknown_membership_kinds.push((UserIx(u), g, *text));
                        MemberKind::Other
                    }
                };
                member_edges.push((u, (g, kind)));
            }
        }
        let user_groups = Csr::from_edges(users.len(), &member_edges);
        let group_users = Csr::from_edges_by(groups.len(), &member_edges, |&(u, (g, k))| {
            (g.0, (UserIx(u), k))
        });
        drop(member_edges);
        let pop_users = Csr::from_edges(populations.len(), &pop_edges);

        // Nesting.
        let mut parent_edges = Vec::new();
        let mut parents_read = Vec::with_capacity(groups.len());
        let mut dangling_parents = Vec::new();
        for (g, group) in groups.iter_mut().enumerate() {
            let list = group.parent_groups.take();
            parents_read.push(list.is_some());
            for p in list.into_iter().flatten() {
                match group_ix.get(&p.id) {
                    Some(&pg) => parent_edges.push((g as u32, pg)),
                    None => dangling_parents.push((GroupIx(g as u32), p.id)),
                }
            }
        }
        let group_parents = Csr::from_edges(groups.len(), &parent_edges);
        let child_edges: Vec<(u32, GroupIx)> = parent_edges
            .iter()
            .map(|&(c, p)| (p.0, GroupIx(c)))
            .collect();
        let group_children = Csr::from_edges(groups.len(), &child_edges);

        // Role assignments, from every kind of principal.
        let mut assignments = Vec::new();
        let mut take = |principal: Principal, list: Option<Vec<RoleAssignment>>| {
            let read = list.is_some();
            for raw in list.into_iter().flatten() {
                assignments.push(Assignment {
                    principal,
                    role: role_ix.get(&raw.role.id).copied(),
                    raw,
                });
            }
            read
        };
        let user_assignments_read: Vec<bool> = users
            .iter_mut()
            .enumerate()
            .map(|(i, u)| take(Principal::User(UserIx(i as u32)), u.role_assignments.take()))
            .collect();
        let group_assignments_read: Vec<bool> = groups
            .iter_mut()
            .enumerate()
            .map(|(i, g)| {
                take(
                    Principal::Group(GroupIx(i as u32)),
                    g.role_assignments.take(),
                )
            })
            .collect();
        let app_assignments_read: Vec<bool> = applications
            .iter_mut()
            .enumerate()
            .map(|(i, a)| take(Principal::App(AppIx(i as u32)), a.role_assignments.take()))
            .collect();
        let gateway_assignments_read: Vec<bool> = gateways
            .iter_mut()
            .enumerate()
            .map(|(i, g)| {
                take(
                    Principal::Gateway(GatewayIx(i as u32)),
                    g.role_assignments.take(),
                )
            })
            .collect();
        let mut by_user = Vec::new();
        let mut by_group = Vec::new();
        let mut by_app = Vec::new();
        let mut by_gateway = Vec::new();
        let mut by_role = Vec::new();
        for (i, a) in assignments.iter().enumerate() {
            let ai = AssignIx(i as u32);
            match a.principal {
                Principal::User(u) => by_user.push((u.0, ai)),
                Principal::Group(g) => by_group.push((g.0, ai)),
                Principal::App(p) => by_app.push((p.0, ai)),
                Principal::Gateway(g) => by_gateway.push((g.0, ai)),
            }
            if let Some(r) = a.role {
                by_role.push((r.0, ai));
            }
        }

        // Application policies.
        let mut group_app_edges = Vec::new();
        let app_policies: Vec<AppPolicy> = applications
            .iter()
            .enumerate()
            .map(|(ai, app)| {
                let ac = app.access_control.as_ref();
                let group = ac.and_then(|c| c.group.as_ref()).map(|g| {
                    let rule = match &g.kind {
                        GroupRule::AnyGroup => GroupMatch::Any,
                        GroupRule::AllGroups => GroupMatch::All,
                        GroupRule::Other(t) => GroupMatch::Unknown((**t).clone()),
                    };
                    let groups = g
                        .groups
                        .iter()
                        .map(|r| match group_ix.get(&r.id) {
                            Some(&gi) => {
                                group_app_edges.push((gi.0, AppIx(ai as u32)));
                                GroupRef::Known(gi)
                            }
                            None => GroupRef::Dangling(r.id.clone()),
                        })
                        .collect();
                    GroupPolicy { rule, groups }
                });
                let role = match ac.and_then(|c| c.role.as_ref()).map(|r| &r.kind) {
                    None => RolePolicy::None,
                    Some(RoleRule::AdminUsersOnly) => RolePolicy::AdminUsersOnly,
                    Some(RoleRule::Other(t)) => RolePolicy::Unknown((**t).clone()),
                };
                AppPolicy { group, role }
            })
            .collect();
        group_app_edges.sort_unstable();
        group_app_edges.dedup();

        let admin_role = roles
            .iter()
            .map(|r| !r.is_custom() && ADMIN_USERS_ONLY_ROLES.contains(&r.name.as_str()))
            .collect();

        Graph {
            user_assignments: Csr::from_edges(users.len(), &by_user),
            group_assignments: Csr::from_edges(groups.len(), &by_group),
            app_assignments: Csr::from_edges(applications.len(), &by_app),
            gateway_assignments: Csr::from_edges(gateways.len(), &by_gateway),
            role_assignments: Csr::from_edges(roles.len(), &by_role),
            group_apps: Csr::from_edges(groups.len(), &group_app_edges),
            meta,
            coverage,
            environment,
            users,
            groups,
            roles,
            apps: applications,
            populations,
            gateways,
            assignments,
            app_policies,
            admin_role,
            user_ix,
            group_ix,
            role_ix,
            app_ix,
            pop_ix,
            gateway_ix,
            user_groups,
            group_users,
            group_parents,
            group_children,
            pop_users,
            memberships_read,
            user_assignments_read,
            parents_read,
            group_assignments_read,
            app_assignments_read,
            gateway_assignments_read,
            dangling_memberships,
            dangling_parents,
            unknown_membership_kinds,
            warnings,
        }
    }
}
