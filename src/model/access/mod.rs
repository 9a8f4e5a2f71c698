//! Effective access, with provenance, following API.md section 5.
//!
//! Forward questions start from a user (which groups, roles and applications does she reach, and
//! through what); reverse ones from a group, role or application (who is in it, holds it, may use
//! it). Every traversal of the nesting graph is breadth-first with a visited set, so nesting
//! cycles, which PingOne allows, terminate, and the chain reported is a shortest one.

mod grants;
mod members;
mod who_can;

pub use grants::Grants;
pub use members::{Descent, HolderCounts, Holders, Holding, Member, Members};
pub use who_can::{Admit, WhoCan};

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

    /// How many of the groups are direct memberships.
    pub fn direct_count(&self) -> usize {
        self.reaches
            .iter()
            .filter(|r| r.via == Via::Membership(Link::Direct))
            .count()
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
