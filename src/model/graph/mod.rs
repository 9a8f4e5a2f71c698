//! The graph: a Snapshot turned into dense arenas with adjacency in both directions.
//!
//! Entities keep their attributes; the relations (memberships, nesting, role assignments) move out
//! of them into compressed adjacency lists indexed by `u32`. References to ids the snapshot does
//! not contain are kept as `Dangling` and shown, never dropped.

use std::collections::HashMap;

mod build;
mod cycles;

use super::address::Kind;
use super::entities::*;
use super::snapshot::{Coverage, Meta};

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

impl Graph {
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
