//! Why-paths: the chain of hops that explains an answer, and the reasons for a refusal.

use super::entities::Id;
use super::graph::{AppIx, AssignIx, GatewayIx, Graph, GroupIx, GroupRef, RoleIx, UserIx};

/// A node on a why-path.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Node {
    User(UserIx),
    Group(GroupIx),
    Role(RoleIx),
    /// A role id that names no role of the snapshot.
    UnresolvedRole(Id),
    App(AppIx),
    Gateway(GatewayIx),
}

impl Node {
    /// The entity this node is, or `None` for a role outside the snapshot.
    pub fn target(&self) -> Option<super::address::Target> {
        match *self {
            Node::User(u) => Some(u.into()),
            Node::Group(g) => Some(g.into()),
            Node::Role(r) => Some(r.into()),
            Node::App(a) => Some(a.into()),
            Node::Gateway(g) => Some(g.into()),
            Node::UnresolvedRole(_) => None,
        }
    }

    /// The node's kind in JSON: "user", "group", "role", "application", "gateway".
    pub fn noun(&self) -> &'static str {
        match self.target() {
            Some(t) => t.kind.noun(),
            None => "role",
        }
    }
}

/// How a hop follows from the one before it.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Link {
    /// The user is a direct member of the group.
    Direct,
    /// The API reports the membership as INDIRECT and the group is dynamic (its filter matches).
    Dynamic,
    /// The API reports the membership as INDIRECT and no nesting chain in the snapshot explains it.
    Indirect,
    /// The API reports a membership type pingscope does not know.
    Reported,
    /// The previous group is nested in this one (its members inherit this group).
    Nested,
    /// The role is assigned to the previous user or group.
    Assigned(AssignIx),
    /// The application's ANY_GROUP rule lists the previous group.
    AnyGroup,
    /// The application's ALL_GROUPS rule lists the previous group.
    AllGroups,
    /// The application's ADMIN_USERS_ONLY rule accepts the previous role.
    AdminRole,
    /// The application has no access control: every user may use it.
    Open,
}

impl Link {
    /// The stable name used in JSON and CSV output.
    pub fn as_str(self) -> &'static str {
        match self {
            Link::Direct => "direct",
            Link::Dynamic => "dynamic",
            Link::Indirect => "indirect",
            Link::Reported => "reported",
            Link::Nested => "nested",
            Link::Assigned(_) => "assigned",
            Link::AnyGroup => "ANY_GROUP",
            Link::AllGroups => "ALL_GROUPS",
            Link::AdminRole => "ADMIN_USERS_ONLY",
            Link::Open => "open",
        }
    }

    /// A short phrase for people: "direct member", "nested", ...
    pub fn phrase(self) -> &'static str {
        match self {
            Link::Direct => "direct member",
            Link::Dynamic => "dynamic filter",
            Link::Indirect => "indirect member",
            Link::Reported => "member (unknown type)",
            Link::Nested => "nested",
            Link::Assigned(_) => "assigned",
            Link::AnyGroup => "ANY_GROUP lists it",
            Link::AllGroups => "ALL_GROUPS lists it",
            Link::AdminRole => "ADMIN_USERS_ONLY accepts it",
            Link::Open => "open to every user",
        }
    }
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Hop {
    pub node: Node,
    /// How this hop follows from the previous one; `None` on the first hop.
    pub link: Option<Link>,
}

/// A chain of hops from a user (or application) to what it reaches.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Path(pub Vec<Hop>);

impl Path {
    pub fn start(node: Node) -> Path {
        Path(vec![Hop { node, link: None }])
    }

    pub fn push(&mut self, node: Node, link: Link) {
        self.0.push(Hop {
            node,
            link: Some(link),
        });
    }

    pub fn hops(&self) -> &[Hop] {
        &self.0
    }

    /// `alice → Engineering (direct member) → All Staff (nested) → Jira (ANY_GROUP lists it)`,
    /// with every name passed through `clean` (for terminals: see `text::sanitize`).
    pub fn render(&self, graph: &Graph, clean: impl Fn(&str) -> String) -> String {
        let mut out = String::new();
        for (i, hop) in self.0.iter().enumerate() {
            if i > 0 {
                out.push_str(" → ");
            }
            out.push_str(&clean(&graph.node_name(&hop.node)));
            match hop.link {
                Some(Link::Assigned(a)) => {
                    out.push_str(" (assigned at ");
                    out.push_str(&clean(&graph.scope_label(&graph.assignment(a).raw.scope)));
                    out.push(')');
                }
                Some(link) => {
                    out.push_str(" (");
                    out.push_str(link.phrase());
                    out.push(')');
                }
                None => {}
            }
        }
        out
    }
}

/// Why an application does not admit a user.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Refusal {
    /// ANY_GROUP: the user is in none of these groups (dangling ones included).
    NotInAnyGroup(Vec<GroupRef>),
    /// ALL_GROUPS: the user is missing these groups, and has the others (`held`).
    MissingGroups {
        missing: Vec<GroupRef>,
        held: Vec<GroupIx>,
    },
    /// ADMIN_USERS_ONLY: the user holds none of the four admin roles.
    NoAdminRole,
    /// A rule type pingscope does not know, so it cannot say who it admits.
    UnknownRule(Box<str>),
    /// An application whose grant types offer no user sign-on: nobody signs on to it.
    NoUserSignOn,
}

/// Why an application whose grant types are known but offer no user sign-on admits nobody.
pub const NO_USER_SIGN_ON: &str = "its grant types offer no user sign-on (no AUTHORIZATION_CODE, IMPLICIT, DEVICE_CODE or CIBA): nobody signs on to it";

impl Refusal {
    pub fn describe(&self, graph: &Graph) -> String {
        let names = |gs: &[GroupRef]| {
            gs.iter()
                .map(|g| graph.group_ref_name(g))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Refusal::NotInAnyGroup(gs) if gs.is_empty() => {
                "ANY_GROUP lists no group, so nobody qualifies".into()
            }
            Refusal::NotInAnyGroup(gs) => {
                format!("not a member of any of: {} (ANY_GROUP)", names(gs))
            }
            Refusal::MissingGroups { missing, held } => {
                let mut s = format!("missing group {} (ALL_GROUPS)", names(missing));
                if !held.is_empty() {
                    let held: Vec<GroupRef> = held.iter().map(|&g| GroupRef::Known(g)).collect();
                    s.push_str(&format!("; has {}", names(&held)));
                }
                s
            }
            Refusal::NoAdminRole => format!(
                "holds none of {} (ADMIN_USERS_ONLY)",
                super::entities::ADMIN_USERS_ONLY_ROLES.join(", ")
            ),
            Refusal::UnknownRule(t) => format!("access rule {t} is unknown to pingscope"),
            Refusal::NoUserSignOn => NO_USER_SIGN_ON.into(),
        }
    }
}

impl Graph {
    /// The name shown for a node: username, group name, role name, application name, or the id.
    pub fn node_name(&self, node: &Node) -> String {
        match node {
            Node::User(u) => self.user(*u).username.to_string(),
            Node::Group(g) => self.group(*g).name.clone(),
            Node::Role(r) => self.role(*r).name.clone(),
            Node::UnresolvedRole(id) => format!("unresolved role {id}"),
            Node::App(a) => self.app(*a).name.clone(),
            Node::Gateway(g) => self.gateway(*g).name.clone(),
        }
    }

    pub fn node_id(&self, node: &Node) -> Id {
        match node {
            Node::User(u) => self.user(*u).id.clone(),
            Node::Group(g) => self.group(*g).id.clone(),
            Node::Role(r) => self.role(*r).id.clone(),
            Node::UnresolvedRole(id) => id.clone(),
            Node::App(a) => self.app(*a).id.clone(),
            Node::Gateway(g) => self.gateway(*g).id.clone(),
        }
    }

    pub fn group_ref_name(&self, g: &GroupRef) -> String {
        match g {
            GroupRef::Known(g) => self.group(*g).name.clone(),
            GroupRef::Dangling(id) => format!("deleted group {id}"),
        }
    }
}
