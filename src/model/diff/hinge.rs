//! The first hop of a chain that the other snapshot lacks: what broke (for a loss) or what was
//! added (for a gain).

use super::Change;
use crate::model::explain::{Link, Node, Path};
use crate::model::graph::Graph;

/// A hop of a chain, present in one snapshot only.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Hinge {
    /// The user, application or gateway itself.
    Subject {
        noun: &'static str,
        name: String,
    },
    Group {
        name: String,
    },
    Membership {
        group: String,
    },
    Nesting {
        child: String,
        parent: String,
    },
    Role {
        name: String,
    },
    Assignment {
        role: String,
        scope: String,
    },
    Application {
        name: String,
    },
    /// The application's access control or grant types differ.
    AccessControl {
        app: String,
    },
}

impl Hinge {
    /// "membership in Engineering removed" for a loss, "... added" for a gain.
    pub fn describe(&self, change: Change) -> String {
        let lost = matches!(change, Change::Lost | Change::Extra);
        let (gone, new) = ("removed", "added");
        let verb = if lost { gone } else { new };
        match self {
            Hinge::Subject { noun, name } if lost => format!("{noun} {name} deleted"),
            Hinge::Subject { noun, name } => format!("new {noun} {name}"),
            Hinge::Group { name } if lost => format!("group {name} deleted"),
            Hinge::Group { name } => format!("new group {name}"),
            Hinge::Membership { group } => format!("membership in {group} {verb}"),
            Hinge::Nesting { child, parent } => {
                format!("nesting of {child} in {parent} {verb}")
            }
            Hinge::Role { name } if lost => format!("role {name} deleted"),
            Hinge::Role { name } => format!("new role {name}"),
            Hinge::Assignment { role, scope } => {
                format!("assignment of {role} at {scope} {verb}")
            }
            Hinge::Application { name } if lost => format!("application {name} deleted"),
            Hinge::Application { name } => format!("new application {name}"),
            Hinge::AccessControl { app } => format!("access control of {app} changed"),
        }
    }

    /// A stable one-word name for filters and CSV.
    pub fn key(&self) -> &'static str {
        match self {
            Hinge::Subject { .. } => "subject",
            Hinge::Group { .. } => "group",
            Hinge::Membership { .. } => "membership",
            Hinge::Nesting { .. } => "nesting",
            Hinge::Role { .. } => "role",
            Hinge::Assignment { .. } => "assignment",
            Hinge::Application { .. } => "application",
            Hinge::AccessControl { .. } => "access-control",
        }
    }
}

/// The first hop of `path` (in `g`) that `other` lacks, or `None` when the whole chain holds
/// there too.
pub fn find(g: &Graph, other: &Graph, path: &Path) -> Option<Hinge> {
    let mut prev: Option<&Node> = None;
    for hop in path.hops() {
        let name = || g.node_name(&hop.node);
        let hinge = match (&hop.node, hop.link) {
            (Node::User(u), None) => other
                .user_by_id(&g.user(*u).id)
                .is_none()
                .then(|| subject("user", name())),
            (Node::App(a), None) => other
                .app_by_id(&g.app(*a).id)
                .is_none()
                .then(|| subject("application", name())),
            (Node::Gateway(x), None) => other
                .gateway_by_id(&g.gateway(*x).id)
                .is_none()
                .then(|| subject("gateway", name())),
            (Node::Group(gi), Some(Link::Nested)) => {
                match (other.group_by_id(&g.group(*gi).id), prev) {
                    (None, _) => Some(Hinge::Group { name: name() }),
                    (Some(parent), Some(Node::Group(child))) => {
                        let kept = other
                            .group_by_id(&g.group(*child).id)
                            .is_some_and(|c| other.group_parents(c).contains(&parent));
                        (!kept).then(|| Hinge::Nesting {
                            child: g.group(*child).name.clone(),
                            parent: name(),
                        })
                    }
                    _ => None,
                }
            }
            (Node::Group(gi), Some(_)) => match (other.group_by_id(&g.group(*gi).id), prev) {
                (None, _) => Some(Hinge::Group { name: name() }),
                (Some(og), Some(Node::User(u))) => {
                    let kept = other
                        .user_by_id(&g.user(*u).id)
                        .is_some_and(|ou| other.user_groups(ou).iter().any(|&(x, _)| x == og));
                    (!kept).then(|| Hinge::Membership { group: name() })
                }
                _ => None,
            },
            (_, Some(Link::Assigned(a))) => {
                let raw = &g.assignment(a).raw;
                let kept = other
                    .assignments
                    .iter()
                    .any(|x| x.raw.id == raw.id && same_principal(g, a, other, x));
                match (kept, &hop.node) {
                    (true, _) => None,
                    (false, Node::Role(_)) if other.role_by_id(&raw.role.id).is_none() => {
                        Some(Hinge::Role { name: name() })
                    }
                    (false, _) => Some(Hinge::Assignment {
                        role: name(),
                        scope: g.scope_label(&raw.scope),
                    }),
                }
            }
            (Node::App(a), Some(_)) => match other.app_by_id(&g.app(*a).id) {
                None => Some(Hinge::Application { name: name() }),
                Some(oa) => {
                    let (x, y) = (g.app(*a), other.app(oa));
                    let same =
                        x.access_control == y.access_control && x.grant_types == y.grant_types;
                    (!same).then(|| Hinge::AccessControl { app: name() })
                }
            },
            _ => None,
        };
        if hinge.is_some() {
            return hinge;
        }
        prev = Some(&hop.node);
    }
    None
}

fn subject(noun: &'static str, name: String) -> Hinge {
    Hinge::Subject { noun, name }
}

/// Whether an assignment of `other` is held by the same principal as `a` of `g` (ids are
/// unique in PingOne; this guards against a reused id in hand-made snapshots).
fn same_principal(
    g: &Graph,
    a: crate::model::graph::AssignIx,
    other: &Graph,
    x: &crate::model::graph::Assignment,
) -> bool {
    use crate::model::graph::Principal;
    let id_of = |graph: &Graph, p: &Principal| match *p {
        Principal::User(u) => graph.user(u).id.clone(),
        Principal::Group(gr) => graph.group(gr).id.clone(),
        Principal::App(ap) => graph.app(ap).id.clone(),
        Principal::Gateway(gw) => graph.gateway(gw).id.clone(),
    };
    id_of(g, &g.assignment(a).principal) == id_of(other, &x.principal)
}
