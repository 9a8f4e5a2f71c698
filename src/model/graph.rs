//! The graph: a Snapshot turned into dense arenas with adjacency in both directions.
//!
//! Entities keep their attributes; the relations (memberships, nesting, role assignments) move out
//! of them into compressed adjacency lists indexed by `u32`. References to ids the snapshot does
//! not contain are kept as `Dangling` and shown, never dropped.

use std::collections::HashMap;

use super::address::Kind;
use super::entities::*;
use super::snapshot::{Coverage, Meta, Snapshot};

macro_rules! index_type {
    ($($(#[$m:meta])* $name:ident),+) => {$(
        $(#[$m])*
        #[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord, Default)]
        pub struct $name(pub u32);
        impl $name {
            #[inline]
            pub fn ix(self) -> usize {
                self.0 as usize
            }
        }
    )+};
}

index_type!(
    /// A user's position in [`Graph::users`].
    UserIx,
    /// A group's position in [`Graph::groups`].
    GroupIx,
    /// A role's position in [`Graph::roles`].
    RoleIx,
    /// An application's position in [`Graph::apps`].
    AppIx,
    /// A population's position in [`Graph::populations`].
    PopIx,
    /// A role assignment's position in [`Graph::assignments`].
    AssignIx,
    /// A gateway's position in [`Graph::gateways`].
    GatewayIx
);

/// Compressed adjacency lists: node `n`'s neighbours are `targets[offsets[n]..offsets[n + 1]]`,
/// in the order the edges were given.
#[derive(Clone, Debug, Default)]
pub struct Csr<T> {
    offsets: Vec<u32>,
    targets: Vec<T>,
}

impl<T: Copy + Default> Csr<T> {
    pub fn from_edges(nodes: usize, edges: &[(u32, T)]) -> Self {
        Csr::from_edges_by(nodes, edges, |&e| e)
    }

    /// Builds from any edge list through `edge`, which maps an item to (source, target); this is
    /// how the reverse direction is built without a reversed copy of the list.
    pub fn from_edges_by<E>(nodes: usize, items: &[E], edge: impl Fn(&E) -> (u32, T)) -> Self {
        let mut offsets = vec![0u32; nodes + 1];
        for item in items {
            offsets[edge(item).0 as usize + 1] += 1;
        }
        for i in 0..nodes {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut targets = vec![T::default(); items.len()];
        for item in items {
            let (src, t) = edge(item);
            let slot = &mut fill[src as usize];
            targets[*slot as usize] = t;
            *slot += 1;
        }
        Csr { offsets, targets }
    }

    #[inline]
    pub fn get(&self, node: usize) -> &[T] {
        match (self.offsets.get(node), self.offsets.get(node + 1)) {
            (Some(&a), Some(&b)) => &self.targets[a as usize..b as usize],
            _ => &[],
        }
    }

    pub fn edge_count(&self) -> usize {
        self.targets.len()
    }
}

/// How a user is in a group, as the API reported it.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Default)]
pub enum MemberKind {
    #[default]
    Direct,
    /// `INDIRECT`: through nesting, or added by a dynamic group's filter.
    Indirect,
    /// A membership type pingscope does not know; its text is in [`Graph::unknown_membership_kinds`].
    Other,
}

/// Who holds a role assignment.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Principal {
    User(UserIx),
    Group(GroupIx),
    App(AppIx),
    Gateway(GatewayIx),
}

#[derive(Clone, Debug)]
pub struct Assignment {
    pub principal: Principal,
    /// `None`: the role id names no role of this snapshot (another environment's custom role).
    pub role: Option<RoleIx>,
    pub raw: RoleAssignment,
}

/// A group named by an application's access control.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum GroupRef {
    Known(GroupIx),
    /// The id names no group of this snapshot (deleted): never satisfied.
    Dangling(Id),
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum GroupMatch {
    Any,
    All,
    /// A group rule type pingscope does not know: it cannot be evaluated.
    Unknown(Box<str>),
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct GroupPolicy {
    pub rule: GroupMatch,
    pub groups: Vec<GroupRef>,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum RolePolicy {
    None,
    AdminUsersOnly,
    Unknown(Box<str>),
}

/// An application's access control, resolved against the graph.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AppPolicy {
    pub group: Option<GroupPolicy>,
    pub role: RolePolicy,
}

impl AppPolicy {
    /// No rule at all: every user of the environment may use the application.
    pub fn is_open(&self) -> bool {
        self.group.is_none() && self.role == RolePolicy::None
    }
}

/// Where a role assignment's scope points.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ScopeTarget {
    ThisEnvironment,
    Organization,
    Population(PopIx),
    Application(AppIx),
    Group(GroupIx),
    /// An environment, population, application or group outside this snapshot, or a scope type
    /// pingscope does not know.
    Elsewhere,
}

pub struct Graph {
    pub meta: Meta,
    pub coverage: Coverage,
    pub environment: Environment,
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    pub roles: Vec<Role>,
    pub apps: Vec<Application>,
    pub populations: Vec<Population>,
    pub gateways: Vec<Gateway>,
    pub assignments: Vec<Assignment>,
    pub app_policies: Vec<AppPolicy>,
    /// Roles that satisfy `ADMIN_USERS_ONLY`.
    pub admin_role: Vec<bool>,

    user_ix: HashMap<Id, UserIx>,
    group_ix: HashMap<Id, GroupIx>,
    role_ix: HashMap<Id, RoleIx>,
    app_ix: HashMap<Id, AppIx>,
    pop_ix: HashMap<Id, PopIx>,
    gateway_ix: HashMap<Id, GatewayIx>,

    pub(crate) user_groups: Csr<(GroupIx, MemberKind)>,
    pub(crate) group_users: Csr<(UserIx, MemberKind)>,
    pub(crate) group_parents: Csr<GroupIx>,
    pub(crate) group_children: Csr<GroupIx>,
    pub(crate) user_assignments: Csr<AssignIx>,
    pub(crate) group_assignments: Csr<AssignIx>,
    pub(crate) app_assignments: Csr<AssignIx>,
    pub(crate) gateway_assignments: Csr<AssignIx>,
    pub(crate) role_assignments: Csr<AssignIx>,
    /// Applications whose group rule lists the group.
    pub(crate) group_apps: Csr<AppIx>,
    pub(crate) pop_users: Csr<UserIx>,

    /// Per user: were its memberships / role assignments read?
    pub memberships_read: Vec<bool>,
    pub user_assignments_read: Vec<bool>,
    /// Per group: were its parents / role assignments read?
    pub parents_read: Vec<bool>,
    pub group_assignments_read: Vec<bool>,
    /// Per application: were its role assignments read?
    pub app_assignments_read: Vec<bool>,
    /// Per gateway: were its role assignments read?
    pub gateway_assignments_read: Vec<bool>,

    /// Memberships naming groups this snapshot does not have.
    pub dangling_memberships: Vec<(UserIx, Id)>,
    /// Parent links naming groups this snapshot does not have.
    pub dangling_parents: Vec<(GroupIx, Id)>,
    /// Membership types pingscope does not know, as received.
    pub unknown_membership_kinds: Vec<(UserIx, GroupIx, Box<str>)>,
    /// Problems found while building (duplicate ids, ...). Nothing is dropped because of them.
    pub warnings: Vec<String>,
}

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
                        unknown_membership_kinds.push((UserIx(u), g, text));
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
                        GroupRule::Other(t) => GroupMatch::Unknown(t.clone()),
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
                    Some(RoleRule::Other(t)) => RolePolicy::Unknown(t.clone()),
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

    pub fn user(&self, u: UserIx) -> &User {
        &self.users[u.ix()]
    }
    pub fn group(&self, g: GroupIx) -> &Group {
        &self.groups[g.ix()]
    }
    pub fn role(&self, r: RoleIx) -> &Role {
        &self.roles[r.ix()]
    }
    pub fn app(&self, a: AppIx) -> &Application {
        &self.apps[a.ix()]
    }
    pub fn population(&self, p: PopIx) -> &Population {
        &self.populations[p.ix()]
    }
    pub fn gateway(&self, g: GatewayIx) -> &Gateway {
        &self.gateways[g.ix()]
    }
    pub fn assignment(&self, a: AssignIx) -> &Assignment {
        &self.assignments[a.ix()]
    }

    pub fn user_by_id(&self, id: &Id) -> Option<UserIx> {
        self.user_ix.get(id).copied()
    }
    pub fn group_by_id(&self, id: &Id) -> Option<GroupIx> {
        self.group_ix.get(id).copied()
    }
    pub fn role_by_id(&self, id: &Id) -> Option<RoleIx> {
        self.role_ix.get(id).copied()
    }
    pub fn app_by_id(&self, id: &Id) -> Option<AppIx> {
        self.app_ix.get(id).copied()
    }
    pub fn population_by_id(&self, id: &Id) -> Option<PopIx> {
        self.pop_ix.get(id).copied()
    }
    pub fn gateway_by_id(&self, id: &Id) -> Option<GatewayIx> {
        self.gateway_ix.get(id).copied()
    }

    /// A user by id, username or e-mail (see [`Graph::lookup`]; `None` also when ambiguous).
    pub fn find_user(&self, key: &str) -> Option<UserIx> {
        self.lookup(Kind::User, key).ok().map(|t| UserIx(t.ix))
    }

    /// An application by id or name (`None` also when ambiguous).
    pub fn find_app(&self, key: &str) -> Option<AppIx> {
        self.lookup(Kind::App, key).ok().map(|t| AppIx(t.ix))
    }

    /// A role by id or name (`None` also when ambiguous).
    pub fn find_role(&self, key: &str) -> Option<RoleIx> {
        self.lookup(Kind::Role, key).ok().map(|t| RoleIx(t.ix))
    }

    /// A group by id or name (`None` also when ambiguous).
    pub fn find_group(&self, key: &str) -> Option<GroupIx> {
        self.lookup(Kind::Group, key).ok().map(|t| GroupIx(t.ix))
    }

    pub fn user_groups(&self, u: UserIx) -> &[(GroupIx, MemberKind)] {
        self.user_groups.get(u.ix())
    }
    pub fn group_users(&self, g: GroupIx) -> &[(UserIx, MemberKind)] {
        self.group_users.get(g.ix())
    }
    pub fn group_parents(&self, g: GroupIx) -> &[GroupIx] {
        self.group_parents.get(g.ix())
    }
    pub fn group_children(&self, g: GroupIx) -> &[GroupIx] {
        self.group_children.get(g.ix())
    }
    pub fn user_assignments(&self, u: UserIx) -> &[AssignIx] {
        self.user_assignments.get(u.ix())
    }
    pub fn group_assignments(&self, g: GroupIx) -> &[AssignIx] {
        self.group_assignments.get(g.ix())
    }
    pub fn app_assignments(&self, a: AppIx) -> &[AssignIx] {
        self.app_assignments.get(a.ix())
    }
    pub fn gateway_assignments(&self, g: GatewayIx) -> &[AssignIx] {
        self.gateway_assignments.get(g.ix())
    }
    pub fn role_assignments(&self, r: RoleIx) -> &[AssignIx] {
        self.role_assignments.get(r.ix())
    }
    /// Applications whose group rule names this group.
    pub fn group_apps(&self, g: GroupIx) -> &[AppIx] {
        self.group_apps.get(g.ix())
    }
    pub fn population_users(&self, p: PopIx) -> &[UserIx] {
        self.pop_users.get(p.ix())
    }

    /// Role assignments whose role is not in this snapshot.
    pub fn unresolved_role_assignments(&self) -> impl Iterator<Item = AssignIx> + '_ {
        self.assignments
            .iter()
            .enumerate()
            .filter(|(_, a)| a.role.is_none())
            .map(|(i, _)| AssignIx(i as u32))
    }

    pub fn scope_target(&self, scope: &Scope) -> ScopeTarget {
        match scope.kind {
            ScopeType::Environment if self.environment.id.as_ref() == Some(&scope.id) => {
                ScopeTarget::ThisEnvironment
            }
            ScopeType::Organization => ScopeTarget::Organization,
            ScopeType::Population => self
                .population_by_id(&scope.id)
                .map_or(ScopeTarget::Elsewhere, ScopeTarget::Population),
            ScopeType::Application => self
                .app_by_id(&scope.id)
                .map_or(ScopeTarget::Elsewhere, ScopeTarget::Application),
            ScopeType::Group => self
                .group_by_id(&scope.id)
                .map_or(ScopeTarget::Elsewhere, ScopeTarget::Group),
            _ => ScopeTarget::Elsewhere,
        }
    }

    /// How close a scope is to this environment, for choosing between chains: this
    /// environment 0, the organisation 1, a population, application or group of it 2, anything
    /// outside the snapshot 3.
    pub fn scope_rank(&self, scope: &Scope) -> u8 {
        match self.scope_target(scope) {
            ScopeTarget::ThisEnvironment => 0,
            ScopeTarget::Organization => 1,
            ScopeTarget::Population(_) | ScopeTarget::Application(_) | ScopeTarget::Group(_) => 2,
            ScopeTarget::Elsewhere => 3,
        }
    }

    /// A short human description of a scope: "environment", "population Staff", ...
    pub fn scope_label(&self, scope: &Scope) -> String {
        match self.scope_target(scope) {
            ScopeTarget::ThisEnvironment => "this environment".into(),
            ScopeTarget::Organization => "organization".into(),
            ScopeTarget::Population(p) => format!("population {}", self.population(p).name),
            ScopeTarget::Application(a) => format!("application {}", self.app(a).name),
            ScopeTarget::Group(g) => format!("group {}", self.group(g).name),
            ScopeTarget::Elsewhere => format!(
                "{} {} (not in this snapshot)",
                scope.kind.as_str().to_lowercase(),
                scope.id
            ),
        }
    }
}
