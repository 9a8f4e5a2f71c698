//! From an application to the people it admits: the reverse of [`decide`], found from the
//! application's side, each user then explained by her own forward chain.

use super::*;
use crate::model::explain::{Link, Node, Path};
use crate::model::graph::*;
use crate::model::snapshot::Stage;

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
                nobody: Some(crate::model::explain::NO_USER_SIGN_ON),
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
