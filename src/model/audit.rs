//! Audit lenses: the quick questions of an onboarding check, each a list of users or applications
//! with a one-line reason. Every lens is a pure function of the graph (plus "now" for staleness),
//! so the CLI, the explorer and the tests all get the same answer.
//!
//! "Privileged" means holding any admin role assignment, directly or through a group at any
//! nesting depth, whatever the role or scope: PingOne admin roles are all powers over the tenant
//! (a population-scoped Identity Data Admin can still reset passwords), so the lens errs on the
//! side of listing.

use super::access::{Holders, Holding};
use super::address::{Kind, Target};
use super::graph::{AppIx, GatewayIx, Graph, UserIx};
use super::snapshot::Stage;

/// One audit question.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Lens {
    /// Users holding any admin role.
    Privileged,
    /// Privileged users without MFA, or whose last sign-on is stale (or never).
    PrivilegedWeak,
    /// Admins none of whose roles is assigned to them directly: every one comes through a group.
    AdminViaGroupOnly,
    /// Disabled or locked users who still hold admin roles.
    InactiveWithRoles,
    /// Enabled users with MFA off.
    NoMfa,
    /// Enabled users who have not signed on within the stale period (or never).
    Stale,
    /// Enabled applications with no access rule: every user of the environment may sign on.
    OpenApps,
    /// Applications (worker apps) and gateways holding admin roles: non-human admins.
    NonHumanAdmins,
}

impl Lens {
    pub const ALL: [Lens; 8] = [
        Lens::Privileged,
        Lens::PrivilegedWeak,
        Lens::AdminViaGroupOnly,
        Lens::InactiveWithRoles,
        Lens::NoMfa,
        Lens::Stale,
        Lens::OpenApps,
        Lens::NonHumanAdmins,
    ];

    /// The lens's name on the command line and in the command palette.
    pub fn key(self) -> &'static str {
        match self {
            Lens::Privileged => "privileged",
            Lens::PrivilegedWeak => "privileged-weak",
            Lens::AdminViaGroupOnly => "admin-via-group",
            Lens::InactiveWithRoles => "inactive-with-roles",
            Lens::NoMfa => "no-mfa",
            Lens::Stale => "stale",
            Lens::OpenApps => "open-apps",
            Lens::NonHumanAdmins => "non-human-admins",
        }
    }

    pub fn from_key(key: &str) -> Option<Lens> {
        if key == "worker-admins" {
            // The lens's name before gateways joined it.
            return Some(Lens::NonHumanAdmins);
        }
        Lens::ALL.into_iter().find(|l| l.key() == key)
    }

    /// A short title for a navigator or a heading.
    pub fn title(self) -> &'static str {
        match self {
            Lens::Privileged => "Privileged users",
            Lens::PrivilegedWeak => "Privileged, no MFA or stale",
            Lens::AdminViaGroupOnly => "Admins only through groups",
            Lens::InactiveWithRoles => "Disabled or locked with roles",
            Lens::NoMfa => "No MFA",
            Lens::Stale => "Stale sign-on",
            Lens::OpenApps => "Apps open to everyone",
            Lens::NonHumanAdmins => "Non-human admins",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Lens::Privileged => "users holding any admin role, directly or through a group",
            Lens::PrivilegedWeak => {
                "privileged users with MFA off, or no sign-on within the stale period"
            }
            Lens::AdminViaGroupOnly => {
                "admins who hold every admin role through a group, none assigned to them directly"
            }
            Lens::InactiveWithRoles => "disabled or locked users who still hold admin roles",
            Lens::NoMfa => "enabled users with MFA off",
            Lens::Stale => "enabled users with no sign-on within the stale period",
            Lens::OpenApps => {
                "enabled applications that people can sign on to with no access rule: every user may"
            }
            Lens::NonHumanAdmins => {
                "applications (worker apps) and gateways holding admin roles: non-human admins"
            }
        }
    }

    /// What the lens lists.
    pub fn kind(self) -> Kind {
        match self {
            Lens::OpenApps | Lens::NonHumanAdmins => Kind::App,
            _ => Kind::User,
        }
    }

    /// The collections the answer depends on.
    fn stages(self) -> &'static [Stage] {
        const ROLES: &[Stage] = &[
            Stage::Users,
            Stage::Groups,
            Stage::Roles,
            Stage::GroupNesting,
            Stage::GroupRoleAssignments,
            Stage::UserMemberships,
            Stage::UserRoleAssignments,
        ];
        match self {
            Lens::Privileged
            | Lens::PrivilegedWeak
            | Lens::AdminViaGroupOnly
            | Lens::InactiveWithRoles => ROLES,
            Lens::NoMfa | Lens::Stale => &[Stage::Users],
            Lens::OpenApps => &[Stage::Applications],
            Lens::NonHumanAdmins => &[
                Stage::Applications,
                Stage::ApplicationRoleAssignments,
                Stage::Gateways,
                Stage::GatewayRoleAssignments,
            ],
        }
    }
}

/// One entry of a lens.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Finding {
    pub target: Target,
    /// Why it is listed, in one line (entity names are not sanitized: sanitize before drawing).
    pub reason: String,
}

#[derive(Copy, Clone, Debug)]
pub struct AuditOptions {
    /// "Now", in milliseconds since the Unix epoch.
    pub now_millis: i64,
    /// A sign-on older than this many days is stale.
    pub stale_days: u32,
}

impl AuditOptions {
    pub const DEFAULT_STALE_DAYS: u32 = 90;
}

/// The answer to one lens: findings in entity order, and what it depends on that was not read.
#[derive(Clone, Debug)]
pub struct Report {
    pub lens: Lens,
    pub findings: Vec<Finding>,
    pub incomplete: Vec<String>,
}

pub fn run(graph: &Graph, lens: Lens, opts: &AuditOptions) -> Vec<Finding> {
    match lens {
        Lens::Privileged => privileged(graph, |_, p| Some(p.summary())),
        Lens::PrivilegedWeak => privileged(graph, |u, p| {
            let weak = weakness(graph, u, opts)?;
            Some(format!("{weak}; {}", p.summary()))
        }),
        Lens::AdminViaGroupOnly => privileged(graph, |_, p| {
            (p.direct == 0).then(|| format!("only through groups: {}", p.summary()))
        }),
        Lens::InactiveWithRoles => privileged(graph, |u, p| {
            let user = graph.user(u);
            let state = match (user.enabled, user.is_locked()) {
                (false, true) => "disabled and locked",
                (false, false) => "disabled",
                (true, true) => "locked",
                (true, false) => return None,
            };
            Some(format!("{state}; {}", p.summary()))
        }),
        Lens::NoMfa => users(graph, |u| {
            (graph.user(u).mfa_enabled == Some(false)).then(|| "MFA off".to_owned())
        }),
        Lens::Stale => users(graph, |u| stale(graph, u, opts)),
        Lens::OpenApps => (0..graph.apps.len())
            .filter(|&a| {
                let app = &graph.apps[a];
                app.enabled && !app.nobody_signs_on() && graph.app_policies[a].is_open()
            })
            .map(|a| Finding {
                target: Target {
                    kind: Kind::App,
                    ix: a as u32,
                },
                reason: "no access rule: every user may sign on".to_owned(),
            })
            .collect(),
        Lens::NonHumanAdmins => {
            let apps = (0..graph.apps.len() as u32).map(|a| {
                let app = graph.app(AppIx(a));
                (
                    Target::from(AppIx(a)),
                    graph.app_assignments(AppIx(a)),
                    app.enabled,
                )
            });
            let gateways = (0..graph.gateways.len() as u32).map(|g| {
                let gw = graph.gateway(GatewayIx(g));
                (
                    Target::from(GatewayIx(g)),
                    graph.gateway_assignments(GatewayIx(g)),
                    gw.enabled,
                )
            });
            apps.chain(gateways)
                .filter(|(_, held, _)| !held.is_empty())
                .map(|(target, held, enabled)| {
                    let roles: Vec<String> = held
                        .iter()
                        .map(|&x| {
                            let scope = &graph.assignment(x).raw.scope;
                            format!("{} at {}", role_label(graph, x), graph.scope_label(scope))
                        })
                        .collect::<std::collections::BTreeSet<_>>()
                        .into_iter()
                        .collect();
                    let mut reason = roles.join("; ");
                    if !enabled {
                        reason.push_str("; DISABLED");
                    }
                    Finding { target, reason }
                })
                .collect()
        }
    }
}

/// [`run`], with the coverage gaps the answer depends on.
pub fn report(graph: &Graph, lens: Lens, opts: &AuditOptions) -> Report {
    let mut incomplete: Vec<String> = lens
        .stages()
        .iter()
        .filter(|&&s| !graph.coverage.is_complete(s))
        .map(|s| format!("{} not fully read", s.label()))
        .collect();
    if lens == Lens::NonHumanAdmins {
        let n = graph
            .apps
            .iter()
            .enumerate()
            .filter(|(a, app)| app.is_worker() && !graph.app_assignments_read[*a])
            .count();
        if n > 0 {
            incomplete.push(format!(
                "the role assignments of {n} worker application(s) were not read"
            ));
        }
        let n = graph
            .gateway_assignments_read
            .iter()
            .filter(|read| !**read)
            .count();
        if n > 0 {
            incomplete.push(format!(
                "the role assignments of {n} gateway(s) were not read"
            ));
        }
    }
    Report {
        lens,
        findings: run(graph, lens, opts),
        incomplete,
    }
}

/// A role's name as every audit line shows it: "(custom)" after a custom role's name, so a custom
/// "Environment Admin" is never read as the built-in one; an unknown id as "unresolved role <id>".
pub fn role_label(graph: &Graph, a: super::graph::AssignIx) -> String {
    let asg = graph.assignment(a);
    match asg.role {
        Some(r) if graph.role(r).is_custom() => format!("{} (custom)", graph.role(r).name),
        Some(r) => graph.role(r).name.clone(),
        None => format!("unresolved role {}", asg.raw.role.id),
    }
}

fn users(graph: &Graph, mut reason: impl FnMut(UserIx) -> Option<String>) -> Vec<Finding> {
    (0..graph.users.len() as u32)
        .map(UserIx)
        .filter(|&u| graph.user(u).enabled)
        .filter_map(|u| {
            reason(u).map(|reason| Finding {
                target: u.into(),
                reason,
            })
        })
        .collect()
}

fn stale(graph: &Graph, u: UserIx, opts: &AuditOptions) -> Option<String> {
    let limit = opts.now_millis - i64::from(opts.stale_days) * 86_400_000;
    match graph.user(u).last_sign_on_millis() {
        None => Some("never signed on".to_owned()),
        Some(at) if at < limit => {
            let days = (opts.now_millis - at) / 86_400_000;
            Some(format!("last sign-on {days} days before the snapshot"))
        }
        Some(_) => None,
    }
}

fn weakness(graph: &Graph, u: UserIx, opts: &AuditOptions) -> Option<String> {
    let mfa_off = graph.user(u).mfa_enabled == Some(false);
    match (mfa_off, stale(graph, u, opts)) {
        (true, Some(s)) => Some(format!("MFA off, {s}")),
        (true, None) => Some("MFA off".to_owned()),
        (false, s) => s,
    }
}

/// What one user holds, summed over every admin role assignment that reaches them.
#[derive(Default)]
struct Privilege {
    roles: std::collections::BTreeSet<String>,
    direct: usize,
    groups: std::collections::BTreeSet<u32>,
    group_names: Vec<String>,
}

impl Privilege {
    fn summary(&self) -> String {
        let roles: Vec<&str> = self.roles.iter().map(String::as_str).collect();
        let mut s = roles.join(", ");
        if !self.group_names.is_empty() {
            s.push_str(" via ");
            s.push_str(&self.group_names.join(", "));
        }
        s
    }
}

/// Every user holding an admin role, with the lens's reason (or `None` to leave them out).
fn privileged(
    graph: &Graph,
    mut keep: impl FnMut(UserIx, &Privilege) -> Option<String>,
) -> Vec<Finding> {
    let all: Vec<_> = (0..graph.assignments.len() as u32)
        .map(super::graph::AssignIx)
        .collect();
    let holders = Holders::of_assignments(graph, &all);
    let mut by_user: std::collections::BTreeMap<UserIx, Privilege> = Default::default();
    for h in &holders.holdings {
        if let Holding::User {
            assignment,
            user,
            via,
        } = *h
        {
            let p = by_user.entry(user).or_default();
            p.roles.insert(role_label(graph, assignment));
            match via {
                None => p.direct += 1,
                Some((gi, _)) => {
                    let g = holders.groups[gi].descent.root;
                    if p.groups.insert(g.0) {
                        p.group_names.push(graph.group(g).name.clone());
                    }
                }
            }
        }
    }
    by_user
        .into_iter()
        .filter_map(|(u, p)| {
            keep(u, &p).map(|reason| Finding {
                target: u.into(),
                reason,
            })
        })
        .collect()
}
