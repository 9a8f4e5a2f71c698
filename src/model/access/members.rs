//! From a group or a role to the people: everyone in a group (nesting inverted: PingOne lists
//! only a group's parents), and everyone holding a role, by the one definition of holders.

use super::*;
use crate::model::explain::{Link, Node, Path};
use crate::model::graph::*;

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
