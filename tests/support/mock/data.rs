//! The snapshot, indexed once at start: entities stripped of the fields the API does not send
//! (those are kept aside and served from their own endpoints), id -> position maps, and the
//! inverted membership lists behind `/users?filter=memberOfGroups[...]`.

use std::collections::HashMap;

use pingscope::model::{
    Application, Environment, Gateway, Group, Id, Membership, MembershipKind, Population, Ref,
    Role, RoleAssignment, Snapshot, User,
};

pub struct Data {
    pub env_id: Id,
    pub environment: Environment,
    pub populations: Vec<Population>,
    pub population_ix: HashMap<Id, usize>,
    pub users: Vec<User>,
    pub user_ix: HashMap<Id, usize>,
    pub user_memberships: Vec<Vec<Membership>>,
    pub user_roles: Vec<Vec<RoleAssignment>>,
    pub groups: Vec<Group>,
    pub group_ix: HashMap<Id, usize>,
    pub group_parents: Vec<Vec<Ref>>,
    pub group_roles: Vec<Vec<RoleAssignment>>,
    /// Per group: the users whose memberships name it (DIRECT or INDIRECT), in user order.
    pub group_members: Vec<Vec<u32>>,
    /// Per group: how many of those are DIRECT.
    pub group_direct: Vec<u64>,
    /// Each group's direct members (user positions).
    pub group_direct_members: Vec<Vec<u32>>,
    /// A dynamic group's `userFilter` → the users it matches (its members not in a child
    /// group): what `GET /users?filter=<that filter>` lists.
    pub user_filters: std::collections::HashMap<String, Vec<u32>>,
    pub applications: Vec<Application>,
    pub app_ix: HashMap<Id, usize>,
    pub app_roles: Vec<Vec<RoleAssignment>>,
    pub gateways: Vec<Gateway>,
    pub gateway_ix: HashMap<Id, usize>,
    pub gateway_roles: Vec<Vec<RoleAssignment>>,
    pub roles: Vec<Role>,
    pub role_ix: HashMap<Id, usize>,
    /// Positions in `roles` of the built-in roles (served by `GET /v1/roles`).
    pub builtin_roles: Vec<usize>,
    /// Positions in `roles` of the custom roles (`type` CUSTOM, served under the environment).
    pub custom_roles: Vec<usize>,
}

fn index<T>(items: &[T], id: impl Fn(&T) -> &Id) -> HashMap<Id, usize> {
    let mut map = HashMap::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        map.entry(id(item).clone()).or_insert(i);
    }
    map
}

impl Data {
    /// Indexes `snapshot`; `fallback_env` names the environment when the snapshot has no id.
    pub fn new(snapshot: Snapshot, fallback_env: Id) -> Data {
        let Snapshot {
            mut environment,
            populations,
            mut users,
            mut groups,
            roles,
            mut applications,
            mut gateways,
            ..
        } = snapshot;
        let env_id = environment.id.clone().unwrap_or(fallback_env);
        environment.id = Some(env_id.clone());

        let user_memberships: Vec<Vec<Membership>> = users
            .iter_mut()
            .map(|u| u.memberships.take().unwrap_or_default())
            .collect();
        let user_roles = users
            .iter_mut()
            .map(|u| u.role_assignments.take().unwrap_or_default())
            .collect();
        let group_parents: Vec<Vec<Ref>> = groups
            .iter_mut()
            .map(|g| g.parent_groups.take().unwrap_or_default())
            .collect();
        let group_roles = groups
            .iter_mut()
            .map(|g| g.role_assignments.take().unwrap_or_default())
            .collect();
        let app_roles = applications
            .iter_mut()
            .map(|a| a.role_assignments.take().unwrap_or_default())
            .collect();

        let gateway_roles = gateways
            .iter_mut()
            .map(|g| g.role_assignments.take().unwrap_or_default())
            .collect();
        let group_ix = index(&groups, |g| &g.id);
        let mut group_members: Vec<Vec<u32>> = vec![Vec::new(); groups.len()];
        let mut group_direct = vec![0u64; groups.len()];
        let mut group_direct_members: Vec<Vec<u32>> = vec![Vec::new(); groups.len()];
        for (u, list) in user_memberships.iter().enumerate() {
            for m in list {
                if let Some(&g) = group_ix.get(&m.id) {
                    let members = &mut group_members[g];
                    // A user listed twice for one group (DIRECT and INDIRECT) is one member.
                    if members.last() != Some(&(u as u32)) {
                        members.push(u as u32);
                    }
                    if m.kind == MembershipKind::Direct {
                        group_direct[g] += 1;
                        group_direct_members[g].push(u as u32);
                    }
                }
            }
        }
        let mut user_filters = std::collections::HashMap::new();
        for (g, group) in groups.iter().enumerate() {
            let Some(f) = group.user_filter.as_ref().filter(|f| !f.is_empty()) else {
                continue;
            };
            let mut via_child = std::collections::HashSet::new();
            for (c, parents) in group_parents.iter().enumerate() {
                if parents.iter().any(|p| p.id == group.id) {
                    via_child.extend(group_members[c].iter().copied());
                }
            }
            let matched: Vec<u32> = group_members[g]
                .iter()
                .copied()
                .filter(|u| !via_child.contains(u))
                .collect();
            user_filters.insert(f.clone(), matched);
        }
        let (custom_roles, builtin_roles): (Vec<usize>, Vec<usize>) =
            (0..roles.len()).partition(|&i| roles[i].is_custom());

        Data {
            env_id,
            environment,
            population_ix: index(&populations, |p| &p.id),
            populations,
            user_ix: index(&users, |u| &u.id),
            users,
            user_memberships,
            user_roles,
            group_ix,
            groups,
            group_parents,
            group_roles,
            group_members,
            group_direct,
            group_direct_members,
            user_filters,
            app_ix: index(&applications, |a| &a.id),
            applications,
            app_roles,
            gateway_ix: index(&gateways, |g| &g.id),
            gateways,
            gateway_roles,
            role_ix: index(&roles, |r| &r.id),
            roles,
            builtin_roles,
            custom_roles,
        }
    }
}
