//! Effective access, with provenance, following API.md section 5.
//!
//! Forward questions start from a user (which groups, roles and applications does she reach, and
//! through what); reverse ones from a group, role or application (who is in it, holds it, may use
//! it). Every traversal of the nesting graph is breadth-first with a visited set, so nesting
//! cycles, which PingOne allows, terminate, and the chain reported is a shortest one.

use std::collections::VecDeque;

use super::explain::{Link, Node, Path, Refusal};
use super::graph::*;
use super::snapshot::Stage;

const UNSEEN: u32 = u32::MAX;

/// How a user reaches one of her effective groups.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Via {
    /// A membership the API reported: `Direct`, `Dynamic`, `Indirect` or `Reported`.
    Membership(Link),
    /// Through nesting: the user reaches `child`, and `child` is nested in this group.
    Nested { child: GroupIx },
}

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct GroupReach {
    pub group: GroupIx,
    pub via: Via,
    /// Hops from the user: 1 for a membership, +1 per nesting level.
    pub depth: u16,
}

/// Every group a user is in, each with the shortest explanation.
#[derive(Clone, Debug)]
pub struct EffectiveGroups {
    pub user: UserIx,
    reaches: Vec<GroupReach>,
    /// Dense: group index → position in `reaches`, or `UNSEEN`.
    pos: Vec<u32>,
}

fn membership_link(graph: &Graph, g: GroupIx, kind: MemberKind) -> Link {
    match kind {
        MemberKind::Direct => Link::Direct,
        MemberKind::Indirect if graph.group(g).is_dynamic() => Link::Dynamic,
        MemberKind::Indirect => Link::Indirect,
        MemberKind::Other => Link::Reported,
    }
}

impl EffectiveGroups {
    pub fn compute(graph: &Graph, user: UserIx) -> Self {
        let mut eg = EffectiveGroups {
            user,
            reaches: Vec::new(),
            pos: vec![UNSEEN; graph.groups.len()],
        };
        let memberships = graph.user_groups(user);
        // Direct memberships seed first, so that a group reported INDIRECT but reachable by
        // nesting is explained by the nesting chain, which says more.
        for &(g, kind) in memberships {
            if kind == MemberKind::Direct {
                eg.visit(g, Via::Membership(Link::Direct), 1);
            }
        }
        eg.expand(graph, 0);
        let seeded = eg.reaches.len();
        for &(g, kind) in memberships {
            if kind != MemberKind::Direct {
                eg.visit(g, Via::Membership(membership_link(graph, g, kind)), 1);
            }
        }
        eg.expand(graph, seeded);
        eg
    }

    fn visit(&mut self, g: GroupIx, via: Via, depth: u16) {
        if self.pos[g.ix()] == UNSEEN {
            self.pos[g.ix()] = self.reaches.len() as u32;
            self.reaches.push(GroupReach {
                group: g,
                via,
                depth,
            });
        }
    }

    /// Breadth-first over parents from `reaches[from..]`: `reaches` is the queue.
    fn expand(&mut self, graph: &Graph, from: usize) {
        let mut head = from;
        while head < self.reaches.len() {
            let GroupReach { group, depth, .. } = self.reaches[head];
            for &p in graph.group_parents(group) {
                self.visit(p, Via::Nested { child: group }, depth.saturating_add(1));
            }
            head += 1;
        }
    }

    pub fn contains(&self, g: GroupIx) -> bool {
        self.pos.get(g.ix()).is_some_and(|&p| p != UNSEEN)
    }

    pub fn get(&self, g: GroupIx) -> Option<&GroupReach> {
        let p = *self.pos.get(g.ix())?;
        self.reaches.get(p as usize)
    }

    /// In breadth-first order: memberships first, then by nesting depth.
    pub fn reaches(&self) -> &[GroupReach] {
        &self.reaches
    }

    pub fn len(&self) -> usize {
        self.reaches.len()
    }

    pub fn is_empty(&self) -> bool {
        self.reaches.is_empty()
    }

    /// user → group (membership) → parent (nested) → ... → `g`.
    pub fn path_to(&self, g: GroupIx) -> Option<Path> {
        let mut chain = Vec::new();
        let mut cur = self.get(g)?;
        loop {
            match cur.via {
                Via::Membership(link) => {
                    chain.push((cur.group, link));
                    break;
                }
                Via::Nested { child } => {
                    chain.push((cur.group, Link::Nested));
                    cur = self.get(child)?;
                }
            }
        }
        let mut path = Path::start(Node::User(self.user));
        for (g, link) in chain.into_iter().rev() {
            path.push(Node::Group(g), link);
        }
        Some(path)
    }
}

/// Who, among a user and her groups, holds a role assignment.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Holder {
    User,
    Group(GroupIx),
}

/// An admin role a user holds, and through whom.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct RoleGrant {
    pub assignment: AssignIx,
    pub holder: Holder,
}

/// The role assignments a user holds: her own, then her effective groups' (breadth-first order).
pub fn effective_roles(graph: &Graph, eg: &EffectiveGroups) -> Vec<RoleGrant> {
    let mut out: Vec<RoleGrant> = graph
        .user_assignments(eg.user)
        .iter()
        .map(|&assignment| RoleGrant {
            assignment,
            holder: Holder::User,
        })
        .collect();
    for reach in eg.reaches() {
        out.extend(
            graph
                .group_assignments(reach.group)
                .iter()
                .map(|&assignment| RoleGrant {
                    assignment,
                    holder: Holder::Group(reach.group),
                }),
        );
    }
    out
}

/// The hops from a user to a role she holds.
pub fn role_path(graph: &Graph, eg: &EffectiveGroups, grant: RoleGrant) -> Path {
    let mut path = match grant.holder {
        Holder::User => Path::start(Node::User(eg.user)),
        Holder::Group(g) => eg
            .path_to(g)
            .unwrap_or_else(|| Path::start(Node::User(eg.user))),
    };
    path.push(
        role_node(graph, grant.assignment),
        Link::Assigned(grant.assignment),
    );
    path
}

pub fn role_node(graph: &Graph, a: AssignIx) -> Node {
    let asg = graph.assignment(a);
    match asg.role {
        Some(r) => Node::Role(r),
        None => Node::UnresolvedRole(asg.raw.role.id.clone()),
    }
}

/// The order in which chains through roles are preferred, everywhere a choice is made (the one
/// rule of README "Who is admitted"): a scope on this environment first (then the organisation,
/// then a population, application or group of it, then anything outside the snapshot), then the
/// shortest chain, then the role's name, then the assignment's position for a stable answer.
pub fn grant_rank(
    graph: &Graph,
    eg: &EffectiveGroups,
    grant: &RoleGrant,
) -> (u8, u16, String, u32) {
    let asg = graph.assignment(grant.assignment);
    let hops = match grant.holder {
        Holder::User => 1,
        Holder::Group(g) => eg.get(g).map_or(u16::MAX, |r| r.depth.saturating_add(1)),
    };
    let name = match asg.role {
        Some(r) => graph.role(r).name.clone(),
        None => String::new(),
    };
    (
        graph.scope_rank(&asg.raw.scope),
        hops,
        name,
        grant.assignment.0,
    )
}

/// One reason an application admits a user.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Ground {
    /// No access control.
    Open,
    /// A group the rule lists (ANY_GROUP: one suffices; ALL_GROUPS: one ground per listed group).
    Group { group: GroupIx, all: bool },
    /// ADMIN_USERS_ONLY, satisfied by this grant.
    AdminRole(RoleGrant),
}

/// Whether an application admits a user, with the grounds or the refusals.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AppDecision {
    pub app: AppIx,
    pub grounds: Vec<Ground>,
    pub refusals: Vec<Refusal>,
}

impl AppDecision {
    pub fn admitted(&self) -> bool {
        self.refusals.is_empty()
    }

    /// One chain per ground: user → ... → application.
    pub fn paths(&self, graph: &Graph, eg: &EffectiveGroups) -> Vec<Path> {
        self.grounds
            .iter()
            .map(|ground| {
                let (mut path, link) = match *ground {
                    Ground::Open => (Path::start(Node::User(eg.user)), Link::Open),
                    Ground::Group { group, all } => (
                        eg.path_to(group)
                            .unwrap_or_else(|| Path::start(Node::User(eg.user))),
                        if all { Link::AllGroups } else { Link::AnyGroup },
                    ),
                    Ground::AdminRole(grant) => (role_path(graph, eg, grant), Link::AdminRole),
                };
                path.push(Node::App(self.app), link);
                path
            })
            .collect()
    }
}

/// Decides one application for a user whose groups and roles are known.
pub fn decide(graph: &Graph, app: AppIx, eg: &EffectiveGroups, roles: &[RoleGrant]) -> AppDecision {
    let policy = &graph.app_policies[app.ix()];
    let mut grounds = Vec::new();
    let mut refusals = Vec::new();
    if graph.app(app).nobody_signs_on() {
        return AppDecision {
            app,
            grounds,
            refusals: vec![Refusal::NoUserSignOn],
        };
    }
    if policy.is_open() {
        grounds.push(Ground::Open);
    }
    if let Some(gp) = &policy.group {
        match gp.rule {
            GroupMatch::Any => {
                let best = gp
                    .groups
                    .iter()
                    .filter_map(|g| match g {
                        GroupRef::Known(g) => eg.get(*g),
                        GroupRef::Dangling(_) => None,
                    })
                    .min_by(|a, b| {
                        (a.depth, &graph.group(a.group).name, a.group).cmp(&(
                            b.depth,
                            &graph.group(b.group).name,
                            b.group,
                        ))
                    });
                match best {
                    Some(r) => grounds.push(Ground::Group {
                        group: r.group,
                        all: false,
                    }),
                    None => refusals.push(Refusal::NotInAnyGroup(gp.groups.clone())),
                }
            }
            GroupMatch::All => {
                let mut missing = Vec::new();
                for g in &gp.groups {
                    match g {
                        GroupRef::Known(gi) if eg.contains(*gi) => grounds.push(Ground::Group {
                            group: *gi,
                            all: true,
                        }),
                        other => missing.push(other.clone()),
                    }
                }
                if !missing.is_empty() {
                    let held = grounds
                        .iter()
                        .filter_map(|g| match *g {
                            Ground::Group { group, .. } => Some(group),
                            _ => None,
                        })
                        .collect();
                    refusals.push(Refusal::MissingGroups { missing, held });
                }
            }
            GroupMatch::Unknown(ref t) => refusals.push(Refusal::UnknownRule(t.clone())),
        }
    }
    match &policy.role {
        RolePolicy::None => {}
        RolePolicy::AdminUsersOnly => {
            let admin = roles
                .iter()
                .filter(|grant| {
                    graph
                        .assignment(grant.assignment)
                        .role
                        .is_some_and(|r| graph.admin_role[r.ix()])
                })
                .min_by_key(|grant| grant_rank(graph, eg, grant));
            match admin {
                Some(&grant) => grounds.push(Ground::AdminRole(grant)),
                None => refusals.push(Refusal::NoAdminRole),
            }
        }
        RolePolicy::Unknown(t) => refusals.push(Refusal::UnknownRule(t.clone())),
    }
    if !refusals.is_empty() {
        grounds.clear();
    }
    AppDecision {
        app,
        grounds,
        refusals,
    }
}

/// Everything one user reaches.
#[derive(Clone, Debug)]
pub struct Access {
    pub groups: EffectiveGroups,
    pub roles: Vec<RoleGrant>,
    /// Every application, admitted or not, in the graph's order.
    pub apps: Vec<AppDecision>,
    /// What the snapshot could not read that these answers depend on; empty when complete.
    pub incomplete: Vec<String>,
}

impl Access {
    pub fn compute(graph: &Graph, user: UserIx) -> Access {
        let groups = EffectiveGroups::compute(graph, user);
        let roles = effective_roles(graph, &groups);
        let apps = (0..graph.apps.len())
            .map(|a| decide(graph, AppIx(a as u32), &groups, &roles))
            .collect();
        let incomplete = user_gaps(graph, &groups);
        Access {
            groups,
            roles,
            apps,
            incomplete,
        }
    }

    pub fn admitted(&self) -> impl Iterator<Item = &AppDecision> {
        self.apps.iter().filter(|d| d.admitted())
    }
}

fn stage_gaps(graph: &Graph, stages: &[Stage]) -> Vec<String> {
    stages
        .iter()
        .filter(|&&s| !graph.coverage.is_complete(s))
        .map(|s| format!("{} not fully read", s.label()))
        .collect()
}

fn user_gaps(graph: &Graph, eg: &EffectiveGroups) -> Vec<String> {
    let mut out = stage_gaps(
        graph,
        &[
            Stage::Users,
            Stage::Groups,
            Stage::Roles,
            Stage::Applications,
        ],
    );
    let u = eg.user.ix();
    if !graph.memberships_read[u] {
        out.push("this user's group memberships were not read".into());
    }
    if !graph.user_assignments_read[u] {
        out.push("this user's role assignments were not read".into());
    }
    let unread = |read: &[bool]| eg.reaches().iter().filter(|r| !read[r.group.ix()]).count();
    let n = unread(&graph.parents_read);
    if n > 0 {
        out.push(format!(
            "the parents of {n} of this user's groups were not read"
        ));
    }
    let n = unread(&graph.group_assignments_read);
    if n > 0 {
        out.push(format!(
            "the role assignments of {n} of this user's groups were not read"
        ));
    }
    out
}

/// The groups nested (at any depth) inside a root group, breadth-first, each with the parent one
/// step closer to the root. This is how members of a group are found: PingOne offers no list of a
/// group's children, so it is the inverse of the parent lists.
#[derive(Clone, Debug)]
pub struct Descent {
    pub root: GroupIx,
    order: Vec<GroupIx>,
    /// Dense: group → the parent toward the root (`root` for the root), or `UNSEEN`.
    up: Vec<u32>,
}

impl Descent {
    pub fn compute(graph: &Graph, root: GroupIx) -> Descent {
        let mut up = vec![UNSEEN; graph.groups.len()];
        let mut order = vec![root];
        up[root.ix()] = root.0;
        let mut head = 0;
        while head < order.len() {
            let g = order[head];
            for &c in graph.group_children(g) {
                if up[c.ix()] == UNSEEN {
                    up[c.ix()] = g.0;
                    order.push(c);
                }
            }
            head += 1;
        }
        Descent { root, order, up }
    }

    /// The root and every group nested in it, nearest first.
    pub fn groups(&self) -> &[GroupIx] {
        &self.order
    }

    pub fn contains(&self, g: GroupIx) -> bool {
        self.up.get(g.ix()).is_some_and(|&u| u != UNSEEN)
    }

    /// Appends `entry` (nested) ... (nested) `root` to a path that ends just before `entry`.
    fn extend_path(&self, path: &mut Path, entry: GroupIx, entry_link: Link) {
        path.push(Node::Group(entry), entry_link);
        let mut g = entry;
        while g != self.root {
            let p = GroupIx(self.up[g.ix()]);
            if p == g {
                break;
            }
            path.push(Node::Group(p), Link::Nested);
            g = p;
        }
    }
}

/// A user in a group, directly or through a nested group.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Member {
    pub user: UserIx,
    /// The group of the descent the user is a member of (the root for a direct member).
    pub entry: GroupIx,
    pub kind: MemberKind,
}

/// Everyone in a group: direct members, and members of every group nested in it.
#[derive(Clone, Debug)]
pub struct Members {
    pub descent: Descent,
    pub members: Vec<Member>,
}

impl Members {
    pub fn compute(graph: &Graph, root: GroupIx) -> Members {
        let descent = Descent::compute(graph, root);
        let mut seen = vec![false; graph.users.len()];
        let mut members = Vec::new();
        // Direct memberships first (nearest group first), then the ones the API reported as
        // indirect, mirroring how a user's own groups are explained.
        for pass_direct in [true, false] {
            for &g in descent.groups() {
                for &(user, kind) in graph.group_users(g) {
                    if (kind == MemberKind::Direct) == pass_direct && !seen[user.ix()] {
                        seen[user.ix()] = true;
                        members.push(Member {
                            user,
                            entry: g,
                            kind,
                        });
                    }
                }
            }
        }
        Members { descent, members }
    }

    /// user → entry group → ... → root: the chain the user's own view explains it with
    /// (computed from her side, so both directions always show the same chain).
    pub fn path(&self, graph: &Graph, m: &Member) -> Path {
        if let Some(p) = EffectiveGroups::compute(graph, m.user).path_to(self.descent.root) {
            return p;
        }
        let mut path = Path::start(Node::User(m.user));
        self.descent
            .extend_path(&mut path, m.entry, membership_link(graph, m.entry, m.kind));
        path
    }

    /// Did the group itself list the user as a direct member?
    pub fn is_direct(&self, m: &Member) -> bool {
        m.entry == self.descent.root && m.kind == MemberKind::Direct
    }
}

/// A holder of a role assignment. The one definition every view uses: the principal an
/// assignment names (a user, a group, an application or a gateway), and every user who holds it
/// through that group, nested members included. A group is a holder even with no member: an
/// empty admin group is a latent privilege.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Holding {
    User {
        assignment: AssignIx,
        user: UserIx,
        /// Index into [`Holders::groups`] when held through a group.
        via: Option<(usize, Member)>,
    },
    Group {
        assignment: AssignIx,
        group: GroupIx,
    },
    App {
        assignment: AssignIx,
        app: AppIx,
    },
    Gateway {
        assignment: AssignIx,
        gateway: GatewayIx,
    },
}

impl Holding {
    pub fn assignment(&self) -> AssignIx {
        match *self {
            Holding::User { assignment, .. }
            | Holding::Group { assignment, .. }
            | Holding::App { assignment, .. }
            | Holding::Gateway { assignment, .. } => assignment,
        }
    }

    /// The entity holding it.
    pub fn target(&self) -> crate::model::Target {
        match *self {
            Holding::User { user, .. } => user.into(),
            Holding::Group { group, .. } => group.into(),
            Holding::App { app, .. } => app.into(),
            Holding::Gateway { gateway, .. } => gateway.into(),
        }
    }
}

/// How many holders of each kind: what every view says a role's holders are.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct HolderCounts {
    /// Distinct users, directly or through groups.
    pub users: usize,
    /// Of those, the ones who hold it only through a group.
    pub through_groups: usize,
    pub groups: usize,
    pub apps: usize,
    pub gateways: usize,
}

impl HolderCounts {
    pub fn total(&self) -> usize {
        self.users + self.groups + self.apps + self.gateways
    }

    /// "5 users (3 through groups), 1 group, 1 application, 1 gateway", or "no holder".
    pub fn summary(&self) -> String {
        let n =
            |k: usize, one: &str, many: &str| format!("{k} {}", if k == 1 { one } else { many });
        let mut parts = Vec::new();
        if self.users > 0 {
            let mut s = n(self.users, "user", "users");
            if self.through_groups > 0 {
                s.push_str(&format!(" ({} through groups)", self.through_groups));
            }
            parts.push(s);
        }
        if self.groups > 0 {
            parts.push(n(self.groups, "group", "groups"));
        }
        if self.apps > 0 {
            parts.push(n(self.apps, "application", "applications"));
        }
        if self.gateways > 0 {
            parts.push(n(self.gateways, "gateway", "gateways"));
        }
        if parts.is_empty() {
            "no holder".into()
        } else {
            parts.join(", ")
        }
    }
}

/// Everyone holding one role (or any of a set of roles), and how.
#[derive(Clone, Debug, Default)]
pub struct Holders {
    pub groups: Vec<Members>,
    pub holdings: Vec<Holding>,
}

impl Holders {
    /// Holders of the given assignments. A user holding several of them appears once per
    /// assignment, which is how auditors read "who holds what at which scope".
    pub fn of_assignments(graph: &Graph, assignments: &[AssignIx]) -> Holders {
        let mut h = Holders::default();
        for &a in assignments {
            match graph.assignment(a).principal {
                Principal::User(user) => h.holdings.push(Holding::User {
                    assignment: a,
                    user,
                    via: None,
                }),
                Principal::App(app) => h.holdings.push(Holding::App { assignment: a, app }),
                Principal::Gateway(gateway) => h.holdings.push(Holding::Gateway {
                    assignment: a,
                    gateway,
                }),
                Principal::Group(g) => {
                    h.holdings.push(Holding::Group {
                        assignment: a,
                        group: g,
                    });
                    let members = Members::compute(graph, g);
                    let gi = h.groups.len();
                    h.holdings
                        .extend(members.members.iter().map(|&m| Holding::User {
                            assignment: a,
                            user: m.user,
                            via: Some((gi, m)),
                        }));
                    h.groups.push(members);
                }
            }
        }
        h
    }

    pub fn of_role(graph: &Graph, role: RoleIx) -> Holders {
        Holders::of_assignments(graph, graph.role_assignments(role))
    }

    /// Holders by kind, users counted once however many assignments they hold.
    pub fn counts(&self, graph: &Graph) -> HolderCounts {
        let mut c = HolderCounts::default();
        let mut direct = vec![false; graph.users.len()];
        let mut any = vec![false; graph.users.len()];
        for h in &self.holdings {
            match *h {
                Holding::User { user, via, .. } => {
                    any[user.ix()] = true;
                    if via.is_none() {
                        direct[user.ix()] = true;
                    }
                }
                Holding::Group { .. } => c.groups += 1,
                Holding::App { .. } => c.apps += 1,
                Holding::Gateway { .. } => c.gateways += 1,
            }
        }
        c.users = any.iter().filter(|&&x| x).count();
        c.through_groups = any.iter().zip(&direct).filter(|&(&a, &d)| a && !d).count();
        c
    }

    /// holder (→ groups) → role: for a user through a group, the chain her own view shows.
    pub fn path(&self, graph: &Graph, h: &Holding) -> Path {
        let assigned = |mut p: Path, assignment| {
            p.push(role_node(graph, assignment), Link::Assigned(assignment));
            p
        };
        match *h {
            Holding::App { assignment, app } => assigned(Path::start(Node::App(app)), assignment),
            Holding::Gateway {
                assignment,
                gateway,
            } => assigned(Path::start(Node::Gateway(gateway)), assignment),
            Holding::Group { assignment, group } => {
                assigned(Path::start(Node::Group(group)), assignment)
            }
            Holding::User {
                assignment,
                user,
                via: None,
            } => assigned(Path::start(Node::User(user)), assignment),
            Holding::User {
                assignment,
                user,
                via: Some((gi, m)),
            } => {
                let g = self.groups[gi].descent.root;
                let eg = EffectiveGroups::compute(graph, user);
                if eg.contains(g) {
                    role_path(
                        graph,
                        &eg,
                        RoleGrant {
                            assignment,
                            holder: Holder::Group(g),
                        },
                    )
                } else {
                    assigned(self.groups[gi].path(graph, &m), assignment)
                }
            }
        }
    }
}

/// The users an application admits, each with its grounds.
#[derive(Clone, Debug)]
pub struct WhoCan {
    pub app: AppIx,
    /// Users admitted, in user order, with one ground per condition of the rule.
    pub admitted: Vec<(UserIx, Vec<Admit>)>,
    descents: Vec<Members>,
    admins: Holders,
    /// What the answer depends on that was not (fully) read; empty when complete.
    pub incomplete: Vec<String>,
    /// A rule pingscope cannot evaluate: nobody is listed, and this says why.
    pub unknown_rule: Option<Box<str>>,
    /// Nobody can sign on to the application at all (a worker with client credentials only):
    /// nobody is listed, and this says why.
    pub nobody: Option<&'static str>,
}

/// Why an application admits a user, as found from the application's side.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Admit {
    Open,
    /// Member of the listed group `descent` (index into the listed-group descents).
    Group {
        descent: usize,
        member: Member,
        all: bool,
    },
    /// Holder of an admin role (index into the admin holdings).
    AdminRole {
        holding: usize,
    },
}

impl WhoCan {
    pub fn compute(graph: &Graph, app: AppIx) -> WhoCan {
        let policy = &graph.app_policies[app.ix()];
        let n = graph.users.len();
        let mut incomplete = stage_gaps(
            graph,
            &[
                Stage::Users,
                Stage::Groups,
                Stage::GroupNesting,
                Stage::UserMemberships,
            ],
        );
        let mut unknown_rule = None;
        // Per user: the grounds collected so far, and how many conditions they satisfy.
        let mut grounds: Vec<Vec<Admit>> = Vec::new();
        let mut descents = Vec::new();
        let mut admins = Holders::default();
        let mut needed = 0usize;
        let mut satisfied = vec![0u16; n];

        if graph.app(app).nobody_signs_on() {
            return WhoCan {
                app,
                admitted: Vec::new(),
                descents,
                admins,
                incomplete: stage_gaps(graph, &[Stage::Applications]),
                unknown_rule,
                nobody: Some(super::explain::NO_USER_SIGN_ON),
            };
        }
        if policy.is_open() {
            return WhoCan {
                app,
                admitted: (0..n as u32)
                    .map(|u| (UserIx(u), vec![Admit::Open]))
                    .collect(),
                descents,
                admins,
                incomplete: stage_gaps(graph, &[Stage::Users]),
                unknown_rule,
                nobody: None,
            };
        }
        grounds.resize_with(n, Vec::new);
        if let Some(gp) = &policy.group {
            match &gp.rule {
                GroupMatch::Unknown(t) => unknown_rule = Some(t.clone()),
                GroupMatch::Any => {
                    needed += 1;
                    for g in &gp.groups {
                        let GroupRef::Known(g) = g else { continue };
                        let members = Members::compute(graph, *g);
                        let d = descents.len();
                        for m in &members.members {
                            let u = m.user.ix();
                            if grounds[u].is_empty() {
                                satisfied[u] += 1;
                                grounds[u].push(Admit::Group {
                                    descent: d,
                                    member: *m,
                                    all: false,
                                });
                            }
                        }
                        descents.push(members);
                    }
                }
                GroupMatch::All => {
                    let dangling = gp.groups.iter().any(|g| matches!(g, GroupRef::Dangling(_)));
                    needed += 1;
                    let mut count = vec![0u32; n];
                    let known: Vec<GroupIx> = gp
                        .groups
                        .iter()
                        .filter_map(|g| match g {
                            GroupRef::Known(g) => Some(*g),
                            GroupRef::Dangling(_) => None,
                        })
                        .collect();
                    let mut distinct = known.clone();
                    distinct.sort_unstable();
                    distinct.dedup();
                    for &g in &distinct {
                        let members = Members::compute(graph, g);
                        let d = descents.len();
                        for m in &members.members {
                            count[m.user.ix()] += 1;
                            grounds[m.user.ix()].push(Admit::Group {
                                descent: d,
                                member: *m,
                                all: true,
                            });
                        }
                        descents.push(members);
                    }
                    for u in 0..n {
                        if !dangling && count[u] as usize == distinct.len() {
                            satisfied[u] += 1;
                        } else {
                            grounds[u].clear();
                        }
                    }
                }
            }
        }
        match &policy.role {
            RolePolicy::None => {}
            RolePolicy::Unknown(t) => unknown_rule = Some(t.clone()),
            RolePolicy::AdminUsersOnly => {
                needed += 1;
                incomplete.extend(stage_gaps(
                    graph,
                    &[
                        Stage::Roles,
                        Stage::UserRoleAssignments,
                        Stage::GroupRoleAssignments,
                    ],
                ));
                let admin_assignments: Vec<AssignIx> = (0..graph.roles.len())
                    .filter(|&r| graph.admin_role[r])
                    .flat_map(|r| graph.role_assignments(RoleIx(r as u32)).iter().copied())
                    .collect();
                admins = Holders::of_assignments(graph, &admin_assignments);
                let mut counted = vec![false; n];
                for (i, h) in admins.holdings.iter().enumerate() {
                    if let Holding::User { user, .. } = *h {
                        if !counted[user.ix()] {
                            counted[user.ix()] = true;
                            satisfied[user.ix()] += 1;
                            grounds[user.ix()].push(Admit::AdminRole { holding: i });
                        }
                    }
                }
            }
        }
        let admitted = if unknown_rule.is_some() {
            Vec::new()
        } else {
            grounds
                .into_iter()
                .enumerate()
                .filter(|(u, _)| satisfied[*u] as usize == needed)
                .map(|(u, g)| (UserIx(u as u32), g))
                .collect()
        };
        incomplete.sort();
        incomplete.dedup();
        WhoCan {
            app,
            admitted,
            descents,
            admins,
            incomplete,
            unknown_rule,
            nobody: None,
        }
    }

    /// One chain per ground: user → ... → application, as the user's own view explains it
    /// (the forward decision, so `access`, `who-can` and the explorer always agree). The
    /// reverse grounds are the fallback if the two computations ever disagreed.
    pub fn paths(&self, graph: &Graph, user: UserIx, admits: &[Admit]) -> Vec<Path> {
        let eg = EffectiveGroups::compute(graph, user);
        let roles = effective_roles(graph, &eg);
        let d = decide(graph, self.app, &eg, &roles);
        if d.admitted() {
            return d.paths(graph, &eg);
        }
        admits
            .iter()
            .map(|admit| {
                let (mut path, link) = match *admit {
                    Admit::Open => (Path::start(Node::User(user)), Link::Open),
                    Admit::Group {
                        descent,
                        member,
                        all,
                    } => (
                        self.descents[descent].path(graph, &member),
                        if all { Link::AllGroups } else { Link::AnyGroup },
                    ),
                    Admit::AdminRole { holding } => (
                        self.admins.path(graph, &self.admins.holdings[holding]),
                        Link::AdminRole,
                    ),
                };
                path.push(Node::App(self.app), link);
                path
            })
            .collect()
    }
}

/// What membership of a group brings: the group and every group it is nested in, the roles
/// those hold, and the applications their rules name.
#[derive(Clone, Debug)]
pub struct Grants {
    /// The group's ancestors with the group itself first (a user's view with one membership).
    pub ancestors: Vec<(GroupIx, u16)>,
    pub roles: Vec<(AssignIx, GroupIx)>,
    pub apps: Vec<(AppIx, GroupIx)>,
    /// Per ancestor (same order as `ancestors`): the group one step closer to the root.
    down: Vec<GroupIx>,
}

impl Grants {
    pub fn compute(graph: &Graph, group: GroupIx) -> Grants {
        let mut seen = vec![false; graph.groups.len()];
        let mut ancestors = vec![(group, 0u16)];
        let mut down = vec![group];
        seen[group.ix()] = true;
        let mut q = VecDeque::from([(group, 0u16)]);
        while let Some((g, d)) = q.pop_front() {
            for &p in graph.group_parents(g) {
                if !seen[p.ix()] {
                    seen[p.ix()] = true;
                    ancestors.push((p, d + 1));
                    down.push(g);
                    q.push_back((p, d + 1));
                }
            }
        }
        let roles = ancestors
            .iter()
            .flat_map(|&(g, _)| graph.group_assignments(g).iter().map(move |&a| (a, g)))
            .collect();
        let apps = ancestors
            .iter()
            .flat_map(|&(g, _)| graph.group_apps(g).iter().map(move |&a| (a, g)))
            .collect();
        Grants {
            ancestors,
            roles,
            apps,
            down,
        }
    }

    /// root group → (nested) → ... → `to`, one of its ancestors (just the root if it is not).
    pub fn path_to(&self, to: GroupIx) -> Path {
        let root = self.ancestors[0].0;
        let mut chain = Vec::new();
        let mut cur = to;
        while cur != root {
            let Some(i) = self.ancestors.iter().position(|&(g, _)| g == cur) else {
                chain.clear();
                break;
            };
            chain.push(cur);
            cur = self.down[i];
        }
        let mut path = Path::start(Node::Group(root));
        for g in chain.into_iter().rev() {
            path.push(Node::Group(g), Link::Nested);
        }
        path
    }
}
