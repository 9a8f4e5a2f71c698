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
use super::graph::{AppIx, AssignIx, GatewayIx, Graph, GroupIx, UserIx};
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
    /// Groups nested inside themselves, directly or through others.
    NestingCycles,
}

impl Lens {
    pub const ALL: [Lens; 9] = [
        Lens::Privileged,
        Lens::PrivilegedWeak,
        Lens::AdminViaGroupOnly,
        Lens::InactiveWithRoles,
        Lens::NoMfa,
        Lens::Stale,
        Lens::OpenApps,
        Lens::NonHumanAdmins,
        Lens::NestingCycles,
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
            Lens::NestingCycles => "nesting-cycles",
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
            Lens::NestingCycles => "Nesting cycles",
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
            Lens::NestingCycles => {
                "groups nested inside themselves: each member reaches all the others reach"
            }
        }
    }

    /// What the lens lists.
    pub fn kind(self) -> Kind {
        match self {
            Lens::OpenApps | Lens::NonHumanAdmins => Kind::App,
            Lens::NestingCycles => Kind::Group,
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
            Lens::NestingCycles => &[Stage::Groups, Stage::GroupNesting],
        }
    }
}

/// One entry of a lens.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Finding {
    pub target: Target,
    /// Why it is listed, in one line (entity names are not sanitized: sanitize before drawing).
    pub reason: String,
    /// What the reason rests on, for scripts (`audit --json`).
    pub facts: Facts,
}

/// The facts behind a finding.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Facts {
    /// The admin role assignments held (privileged lenses, non-human admins).
    pub assignments: Vec<AssignIx>,
    /// The groups they come through (privileged lenses).
    pub via_groups: Vec<GroupIx>,
    /// The account's state, as far as the lens looks: `disabled`, `locked`, `mfa-off`,
    /// `never-signed-on`, `stale`.
    pub flags: Vec<&'static str>,
    /// Whole days from the last sign-on to "now" (lenses that look at sign-ons).
    pub days_since_sign_on: Option<i64>,
    /// The other groups of its nesting cycle.
    pub cycle: Vec<GroupIx>,
}

#[derive(Copy, Clone, Debug)]
pub struct AuditOptions {
    /// "Now", in milliseconds since the Unix epoch.
    pub now_millis: i64,
    /// A sign-on older than this many days is stale.
    pub stale_days: u32,
    /// Accounts created less than this many days ago are not stale yet, signed on or not.
    pub grace_days: u32,
}

impl AuditOptions {
    pub const DEFAULT_STALE_DAYS: u32 = 90;
    pub const DEFAULT_GRACE_DAYS: u32 = 14;
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
        Lens::Privileged => privileged(graph, |u, p| {
            Some((with_state(graph, u, p.summary()), Facts::default()))
        }),
        Lens::PrivilegedWeak => privileged(graph, |u, p| {
            let (weak, facts) = weakness(graph, u, opts)?;
            Some((
                format!("{weak}; {}", with_state(graph, u, p.summary())),
                facts,
            ))
        }),
        Lens::AdminViaGroupOnly => privileged(graph, |u, p| {
            (p.direct == 0).then(|| {
                let line = format!("only through groups: {}", p.summary());
                (with_state(graph, u, line), Facts::default())
            })
        }),
        Lens::InactiveWithRoles => privileged(graph, |u, p| {
            let state = state_of(graph, u)?;
            Some((format!("{state}; {}", p.summary()), Facts::default()))
        }),
        Lens::NoMfa => users(graph, |u| {
            (graph.user(u).mfa_enabled == Some(false)).then(|| {
                let facts = Facts {
                    flags: vec!["mfa-off"],
                    ..Facts::default()
                };
                ("MFA off".to_owned(), facts)
            })
        }),
        Lens::Stale => {
            let mut found = users(graph, |u| stale(graph, u, opts));
            // The stalest first: never signed on (the oldest accounts first), then the oldest
            // sign-on; ties in entity order.
            found.sort_by_key(|f| {
                let u = graph.user(UserIx(f.target.ix));
                match f.facts.days_since_sign_on {
                    None => (
                        0,
                        u.created_at
                            .as_ref()
                            .and_then(|t| t.millis())
                            .unwrap_or(i64::MIN),
                    ),
                    Some(days) => (1, -days),
                }
            });
            found
        }
        Lens::NestingCycles => graph
            .nesting_cycles()
            .into_iter()
            .flat_map(|cycle| {
                cycle.clone().into_iter().map(move |g| {
                    let others: Vec<GroupIx> = cycle.iter().copied().filter(|&o| o != g).collect();
                    let reason = if others.is_empty() {
                        "nested in itself".to_owned()
                    } else {
                        // A few names, then how many more (a cycle can be thousands long).
                        let names: Vec<&str> = others
                            .iter()
                            .take(5)
                            .map(|&o| graph.group(o).name.as_str())
                            .collect();
                        let more = match others.len().saturating_sub(5) {
                            0 => String::new(),
                            n => format!(" and {n} more"),
                        };
                        format!("in a nesting cycle with {}{more}", names.join(", "))
                    };
                    Finding {
                        target: g.into(),
                        reason,
                        facts: Facts {
                            cycle: others,
                            ..Facts::default()
                        },
                    }
                })
            })
            .collect(),
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
                facts: Facts::default(),
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
                    let mut flags = Vec::new();
                    if !enabled {
                        reason.push_str("; DISABLED");
                        flags.push("disabled");
                    }
                    let facts = Facts {
                        assignments: held.to_vec(),
                        flags,
                        ..Facts::default()
                    };
                    Finding {
                        target,
                        reason,
                        facts,
                    }
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

fn users(graph: &Graph, mut reason: impl FnMut(UserIx) -> Option<(String, Facts)>) -> Vec<Finding> {
    (0..graph.users.len() as u32)
        .map(UserIx)
        .filter(|&u| graph.user(u).enabled)
        .filter_map(|u| {
            reason(u).map(|(reason, facts)| Finding {
                target: u.into(),
                reason,
                facts,
            })
        })
        .collect()
}

/// "disabled", "locked", "disabled and locked", or `None` for an active account.
fn state_of(graph: &Graph, u: UserIx) -> Option<&'static str> {
    let user = graph.user(u);
    match (user.enabled, user.is_locked()) {
        (false, true) => Some("disabled and locked"),
        (false, false) => Some("disabled"),
        (true, true) => Some("locked"),
        (true, false) => None,
    }
}

/// `line`, after the account's state when it is not active.
fn with_state(graph: &Graph, u: UserIx, line: String) -> String {
    match state_of(graph, u) {
        Some(state) => format!("{state}; {line}"),
        None => line,
    }
}

const DAY_MS: i64 = 86_400_000;

/// Whole days, "1 day" or "N days".
fn days(n: i64) -> String {
    super::text::count(n, "day", "days")
}

/// Why `u` is stale (no sign-on within the stale period, or never), unless her account is
/// younger than the grace period.
fn stale(graph: &Graph, u: UserIx, opts: &AuditOptions) -> Option<(String, Facts)> {
    let user = graph.user(u);
    let created = user.created_at.as_ref().and_then(|t| t.millis());
    if created.is_some_and(|c| c > opts.now_millis - i64::from(opts.grace_days) * DAY_MS) {
        return None;
    }
    let limit = opts.now_millis - i64::from(opts.stale_days) * DAY_MS;
    match user.last_sign_on_millis() {
        None => {
            let age =
                created.map(|c| format!(" (account {} old)", days((opts.now_millis - c) / DAY_MS)));
            let facts = Facts {
                flags: vec!["never-signed-on"],
                ..Facts::default()
            };
            Some((format!("never signed on{}", age.unwrap_or_default()), facts))
        }
        Some(at) if at < limit => {
            let n = (opts.now_millis - at) / DAY_MS;
            let facts = Facts {
                flags: vec!["stale"],
                days_since_sign_on: Some(n),
                ..Facts::default()
            };
            Some((
                format!("last sign-on {} before the snapshot", days(n)),
                facts,
            ))
        }
        Some(_) => None,
    }
}

fn weakness(graph: &Graph, u: UserIx, opts: &AuditOptions) -> Option<(String, Facts)> {
    let mfa_off = graph.user(u).mfa_enabled == Some(false);
    match (mfa_off, stale(graph, u, opts)) {
        (true, Some((s, mut facts))) => {
            facts.flags.insert(0, "mfa-off");
            Some((format!("MFA off, {s}"), facts))
        }
        (true, None) => Some((
            "MFA off".to_owned(),
            Facts {
                flags: vec!["mfa-off"],
                ..Facts::default()
            },
        )),
        (false, s) => s,
    }
}

/// What one user holds, summed over every admin role assignment that reaches them.
#[derive(Default)]
struct Privilege {
    /// "Role at scope", each once.
    roles: std::collections::BTreeSet<String>,
    assignments: std::collections::BTreeSet<AssignIx>,
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

/// Every user holding an admin role, with the lens's reason and facts (or `None` to leave them
/// out); the roles, their groups and the account's state join the facts here.
fn privileged(
    graph: &Graph,
    mut keep: impl FnMut(UserIx, &Privilege) -> Option<(String, Facts)>,
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
            let scope = graph.scope_label(&graph.assignment(assignment).raw.scope);
            p.roles
                .insert(format!("{} at {scope}", role_label(graph, assignment)));
            p.assignments.insert(assignment);
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
            keep(u, &p).map(|(reason, mut facts)| {
                facts.assignments = p.assignments.iter().copied().collect();
                facts.via_groups = p.groups.iter().map(|&g| GroupIx(g)).collect();
                let user = graph.user(u);
                let mut state = Vec::new();
                if !user.enabled {
                    state.push("disabled");
                }
                if user.is_locked() {
                    state.push("locked");
                }
                state.extend(facts.flags.iter().copied());
                facts.flags = state;
                Finding {
                    target: u.into(),
                    reason,
                    facts,
                }
            })
        })
        .collect()
}
