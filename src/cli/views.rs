//! The JSON shapes of the CLI: a public contract (README "JSON output"). Fields may be added;
//! none of the documented ones may change meaning.
//!
//! Large answers (who-can over 100,000 users) are serialised lazily from iterators, so the output
//! streams and memory stays flat.

use std::cell::RefCell;

use serde::Serialize;
use serde::ser::{SerializeSeq, Serializer};

use crate::model::access::{Holder, Holders, Holding, Members, Via};
use crate::model::graph::ScopeTarget;
use crate::model::*;

#[derive(Clone, Serialize)]
pub struct HopView {
    pub kind: &'static str,
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<&'static str>,
    /// On a role hop: the scope of the assignment that grants it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<ScopeView>,
    /// On a role hop: "BUILT_IN" or "CUSTOM" (absent for a role not in the snapshot).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub role_type: Option<&'static str>,
}

pub fn path_view(graph: &Graph, path: &Path) -> Vec<HopView> {
    path.hops()
        .iter()
        .map(|hop| HopView {
            kind: hop.node.noun(),
            id: graph.node_id(&hop.node).to_string(),
            name: graph.node_name(&hop.node),
            link: hop.link.map(Link::as_str),
            scope: match hop.link {
                Some(Link::Assigned(a)) => Some(scope_view(graph, a)),
                _ => None,
            },
            role_type: match hop.node {
                Node::Role(r) => Some(graph.role(r).type_name()),
                _ => None,
            },
        })
        .collect()
}

#[derive(Serialize)]
pub struct RoleView {
    pub id: String,
    pub name: String,
    /// "BUILT_IN" or "CUSTOM": a custom role may carry a built-in role's name.
    #[serde(rename = "type")]
    pub kind: &'static str,
}

pub fn role_view(graph: &Graph, r: RoleIx) -> RoleView {
    let role = graph.role(r);
    RoleView {
        id: role.id.to_string(),
        name: role.name.clone(),
        kind: role.type_name(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserView<'a> {
    pub id: String,
    pub username: &'a str,
    pub enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub locked: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfa_enabled: Option<bool>,
}

pub fn user_view(graph: &Graph, u: UserIx) -> UserView<'_> {
    let user = graph.user(u);
    UserView {
        id: user.id.to_string(),
        username: &user.username,
        enabled: user.enabled,
        name: user.display_name(),
        locked: user.is_locked(),
        mfa_enabled: user.mfa_enabled,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppView<'a> {
    pub id: String,
    pub name: &'a str,
    pub enabled: bool,
    #[serde(rename = "type")]
    pub kind: &'a str,
    /// As the API sent them; empty when not reported (SAML, links, portals).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub grant_types: &'a [String],
}

pub fn app_view(graph: &Graph, a: AppIx) -> AppView<'_> {
    let app = graph.app(a);
    AppView {
        id: app.id.to_string(),
        name: &app.name,
        enabled: app.enabled,
        kind: app.kind.as_str(),
        grant_types: &app.grant_types,
    }
}

#[derive(Serialize)]
pub struct RefView {
    pub id: String,
    pub name: String,
    /// On a role: "BUILT_IN" or "CUSTOM" (absent for a role not in the snapshot).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
}

#[derive(Clone, Serialize)]
pub struct ScopeView {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    /// "this environment", "population Staff", ...
    pub label: String,
    /// False when the scope names an environment, population or application outside the snapshot.
    pub resolved: bool,
}

pub fn scope_view(graph: &Graph, a: AssignIx) -> ScopeView {
    let scope = &graph.assignment(a).raw.scope;
    ScopeView {
        kind: scope.kind.as_str().to_owned(),
        id: scope.id.to_string(),
        label: graph.scope_label(scope),
        resolved: graph.scope_target(scope) != ScopeTarget::Elsewhere,
    }
}

pub fn role_ref(graph: &Graph, a: AssignIx) -> RefView {
    let node = crate::model::access::role_node(graph, a);
    RefView {
        id: graph.node_id(&node).to_string(),
        name: graph.node_name(&node),
        kind: match node {
            Node::Role(r) => Some(graph.role(r).type_name()),
            _ => None,
        },
    }
}

#[derive(Serialize)]
pub struct AccessView<'a> {
    pub user: UserView<'a>,
    pub groups: Vec<GroupEntry>,
    pub roles: Vec<RoleEntry>,
    pub applications: Vec<AppEntry<'a>>,
    pub refused: Vec<RefusedEntry<'a>>,
    pub complete: bool,
    pub incomplete: Vec<String>,
}

#[derive(Serialize)]
pub struct GroupEntry {
    pub id: String,
    pub name: String,
    pub direct: bool,
    pub path: Vec<HopView>,
}

#[derive(Serialize)]
pub struct ViaView {
    pub kind: &'static str,
    pub id: String,
    pub name: String,
}

#[derive(Serialize)]
pub struct RoleEntry {
    pub role: RefView,
    pub scope: ScopeView,
    pub via: ViaView,
    pub path: Vec<HopView>,
}

#[derive(Serialize)]
pub struct AppEntry<'a> {
    #[serde(flatten)]
    pub app: AppView<'a>,
    /// The chain that admits; `alsoPaths`: one more chain per further condition the rule
    /// required (ALL_GROUPS of several groups, a group rule and ADMIN_USERS_ONLY), absent when
    /// there is none.
    pub path: Vec<HopView>,
    #[serde(rename = "alsoPaths", skip_serializing_if = "Vec::is_empty")]
    pub also_paths: Vec<Vec<HopView>>,
}

/// The first chain and the others.
fn split_paths(mut paths: Vec<Vec<HopView>>) -> (Vec<HopView>, Vec<Vec<HopView>>) {
    if paths.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let first = paths.remove(0);
    (first, paths)
}

#[derive(Serialize)]
pub struct RefusedEntry<'a> {
    #[serde(flatten)]
    pub app: AppView<'a>,
    pub reasons: Vec<String>,
}

pub fn access_view<'a>(graph: &'a Graph, u: UserIx, access: &Access) -> AccessView<'a> {
    let eg = &access.groups;
    let groups = eg
        .reaches()
        .iter()
        .map(|r| GroupEntry {
            id: graph.group(r.group).id.to_string(),
            name: graph.group(r.group).name.clone(),
            direct: r.via == Via::Membership(Link::Direct),
            path: eg
                .path_to(r.group)
                .map(|p| path_view(graph, &p))
                .unwrap_or_default(),
        })
        .collect();
    let roles = access
        .roles
        .iter()
        .map(|grant| {
            let via = match grant.holder {
                Holder::User => ViaView {
                    kind: "user",
                    id: graph.user(u).id.to_string(),
                    name: graph.user(u).username.to_string(),
                },
                Holder::Group(g) => ViaView {
                    kind: "group",
                    id: graph.group(g).id.to_string(),
                    name: graph.group(g).name.clone(),
                },
            };
            RoleEntry {
                role: role_ref(graph, grant.assignment),
                scope: scope_view(graph, grant.assignment),
                via,
                path: path_view(graph, &access::role_path(graph, eg, *grant)),
            }
        })
        .collect();
    let mut applications = Vec::new();
    let mut refused = Vec::new();
    for d in &access.apps {
        if d.admitted() {
            let paths: Vec<Vec<HopView>> = d
                .paths(graph, eg)
                .iter()
                .map(|p| path_view(graph, p))
                .collect();
            let (path, also_paths) = split_paths(paths);
            applications.push(AppEntry {
                app: app_view(graph, d.app),
                path,
                also_paths,
            });
        } else {
            refused.push(RefusedEntry {
                app: app_view(graph, d.app),
                reasons: d.refusals.iter().map(|r| r.describe(graph)).collect(),
            });
        }
    }
    AccessView {
        user: user_view(graph, u),
        groups,
        roles,
        applications,
        refused,
        complete: access.incomplete.is_empty(),
        incomplete: access.incomplete.clone(),
    }
}

/// Serialises an iterator as a JSON array without collecting it.
pub struct LazySeq<I>(RefCell<Option<I>>);

impl<I> LazySeq<I> {
    pub fn new(iter: I) -> Self {
        LazySeq(RefCell::new(Some(iter)))
    }
}

impl<I: Iterator<Item = T>, T: Serialize> Serialize for LazySeq<I> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        if let Some(iter) = self.0.borrow_mut().take() {
            for item in iter {
                seq.serialize_element(&item)?;
            }
        }
        seq.end()
    }
}

#[derive(Serialize)]
pub struct AdmittedUser<'a> {
    #[serde(flatten)]
    pub user: UserView<'a>,
    /// As [`AppEntry`]'s.
    pub path: Vec<HopView>,
    #[serde(rename = "alsoPaths", skip_serializing_if = "Vec::is_empty")]
    pub also_paths: Vec<Vec<HopView>>,
}

#[derive(Serialize)]
#[serde(bound(serialize = "I: Iterator<Item = AdmittedUser<'a>>"))]
pub struct WhoCanView<'a, I> {
    pub application: AppView<'a>,
    pub policy: String,
    pub count: usize,
    pub users: LazySeq<I>,
    pub complete: bool,
    pub incomplete: Vec<String>,
}

pub fn who_can_view<'a>(
    graph: &'a Graph,
    who: &'a WhoCan,
) -> WhoCanView<'a, impl Iterator<Item = AdmittedUser<'a>> + 'a> {
    let users = who.admitted.iter().map(move |(u, admits)| {
        let paths: Vec<Vec<HopView>> = who
            .paths(graph, *u, admits)
            .iter()
            .map(|p| path_view(graph, p))
            .collect();
        let (path, also_paths) = split_paths(paths);
        AdmittedUser {
            user: user_view(graph, *u),
            path,
            also_paths,
        }
    });
    let mut incomplete = who.incomplete.clone();
    if let Some(rule) = &who.unknown_rule {
        incomplete.push(format!("access rule {rule} is unknown to pingscope"));
    }
    WhoCanView {
        application: app_view(graph, who.app),
        policy: graph.policy_text(who.app),
        count: who.admitted.len(),
        users: LazySeq::new(users),
        complete: incomplete.is_empty(),
        incomplete,
    }
}

/// A gateway as JSON: id, name, type, enabled.
pub fn gateway_json(graph: &Graph, g: GatewayIx) -> serde_json::Value {
    let gw = graph.gateway(g);
    serde_json::json!({
        "id": gw.id.to_string(),
        "name": gw.name,
        "type": gw.type_label(),
        "enabled": gw.enabled,
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HolderEntry {
    /// "user", "group", "application" or "gateway".
    pub kind: &'static str,
    pub id: String,
    pub name: String,
    pub enabled: bool,
    /// Users only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked: Option<bool>,
    /// Users only (absent also when PingOne did not report it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfa_enabled: Option<bool>,
    /// Gateways: their type ("PING_FEDERATE", ...); applications: theirs ("WORKER", ...).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<String>,
    pub scope: ScopeView,
    pub via: Option<ViaView>,
    pub path: Vec<HopView>,
}

pub fn holder_entries<'a>(
    graph: &'a Graph,
    holders: &'a Holders,
) -> impl Iterator<Item = HolderEntry> + 'a {
    holders.holdings.iter().map(move |h| {
        let path = path_view(graph, &holders.path(graph, h));
        let scope = scope_view(graph, h.assignment());
        let target = h.target();
        let mut e = HolderEntry {
            kind: "",
            id: graph
                .target_id(target)
                .map(ToString::to_string)
                .unwrap_or_default(),
            name: graph.target_name(target).to_owned(),
            enabled: !graph.is_disabled(target),
            locked: None,
            mfa_enabled: None,
            entity_type: None,
            scope,
            via: None,
            path,
        };
        match *h {
            Holding::App { app, .. } => {
                e.kind = "application";
                e.entity_type = Some(graph.app(app).kind.as_str().to_owned());
            }
            Holding::Gateway { gateway, .. } => {
                e.kind = "gateway";
                e.entity_type = Some(graph.gateway(gateway).type_label().to_owned());
            }
            Holding::Group { .. } => e.kind = "group",
            Holding::User { user, via, .. } => {
                e.kind = "user";
                e.locked = Some(graph.user(user).is_locked());
                e.mfa_enabled = graph.user(user).mfa_enabled;
                e.via = via.map(|(gi, _)| {
                    let g = holders.groups[gi].descent.root;
                    ViaView {
                        kind: "group",
                        id: graph.group(g).id.to_string(),
                        name: graph.group(g).name.clone(),
                    }
                });
            }
        }
        e
    })
}

#[derive(Serialize)]
pub struct MemberEntry<'a> {
    #[serde(flatten)]
    pub user: UserView<'a>,
    pub direct: bool,
    pub path: Vec<HopView>,
}

pub fn member_entries<'a>(
    graph: &'a Graph,
    members: &'a Members,
) -> impl Iterator<Item = MemberEntry<'a>> + 'a {
    members.members.iter().map(move |m| MemberEntry {
        user: user_view(graph, m.user),
        direct: members.is_direct(m),
        path: path_view(graph, &members.path(graph, m)),
    })
}

/// Writes any view as JSON followed by a newline.
pub fn write_json<W: std::io::Write, T: Serialize>(mut w: W, value: &T) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut w, value)?;
    w.write_all(b"\n")?;
    w.flush()
}

pub fn write_seq<W: std::io::Write, T: Serialize>(
    w: W,
    items: impl Iterator<Item = T>,
) -> std::io::Result<()> {
    write_json(w, &LazySeq::new(items))
}
