//! Property tests: effective access, who-can, holders and members against a brute-force reference
//! on random environments with nesting cycles, dangling ids, dynamic groups and every rule variant.
//! Every why-path is also checked hop by hop against the raw snapshot.

use std::collections::{BTreeSet, HashSet};

use pingscope::model::access::{Holder, Holding, RoleGrant, role_path};
use pingscope::model::*;
use proptest::prelude::*;
use serde_json::json;

const ADMIN: &str = "Environment Admin";

#[derive(Debug, Clone)]
struct Spec {
    users: usize,
    groups: usize,
    /// (user, group, kind 0=DIRECT 1=INDIRECT 2=unknown, dangling)
    memberships: Vec<(usize, usize, u8, bool)>,
    /// (child, parent) — cycles and self-loops allowed.
    nesting: Vec<(usize, usize)>,
    dynamic: Vec<bool>,
    /// (principal kind 0=user 1=group 2=app, principal, role 0..4 (4 = unresolved))
    assignments: Vec<(u8, usize, usize)>,
    /// per app: (group rule 0 none 1 any 2 all 3 unknown, groups (index or dangling), admin only)
    apps: Vec<(u8, Vec<Option<usize>>, bool)>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (1usize..9, 1usize..8).prop_flat_map(|(users, groups)| {
        (
            proptest::collection::vec(
                (0..users, 0..groups, 0u8..3, proptest::bool::weighted(0.1)),
                0..25,
            ),
            proptest::collection::vec((0..groups, 0..groups), 0..14),
            proptest::collection::vec(proptest::bool::weighted(0.2), groups),
            proptest::collection::vec((0u8..3, 0usize..9, 0usize..5), 0..12),
            proptest::collection::vec(
                (
                    prop_oneof![4 => 0u8..3, 1 => Just(3u8)],
                    proptest::collection::vec(proptest::option::weighted(0.9, 0..groups), 0..4),
                    proptest::bool::weighted(0.3),
                ),
                1..6,
            ),
        )
            .prop_map(
                move |(memberships, nesting, dynamic, assignments, apps)| Spec {
                    users,
                    groups,
                    memberships,
                    nesting,
                    dynamic,
                    assignments,
                    apps,
                },
            )
    })
}

fn uid(kind: u8, i: usize) -> String {
    format!("00000000-0000-4000-8000-{:04x}{:08x}", kind, i)
}

/// Roles: 0 Environment Admin (built-in), 1 Identity Data Read Only (built-in), 2 a CUSTOM role
/// named like an admin role, 3 Client Application Developer (built-in), 4 unresolved.
fn build(spec: &Spec) -> Snapshot {
    let role_id = |r: usize| uid(9, r);
    let ra = |i: usize, r: usize| {
        json!({"id": uid(8, i), "role": {"id": role_id(r)},
               "scope": {"id": uid(7, 0), "type": "ENVIRONMENT"}})
    };
    let mut users: Vec<serde_json::Value> = (0..spec.users)
        .map(|u| {
            json!({"id": uid(1, u), "username": format!("u{u}"), "enabled": u % 3 != 0,
                        "memberships": [], "roleAssignments": []})
        })
        .collect();
    for &(u, g, kind, dangling) in &spec.memberships {
        let id = if dangling { uid(6, g) } else { uid(2, g) };
        let kind = ["DIRECT", "INDIRECT", "SOMETHING_NEW"][kind as usize];
        if let Some(list) = users[u]["memberships"].as_array_mut() {
            list.push(json!({"id": id, "type": kind}));
        }
    }
    let mut groups: Vec<serde_json::Value> = (0..spec.groups)
        .map(|g| {
            let mut v = json!({"id": uid(2, g), "name": format!("g{g}"), "parentGroups": [],
                               "roleAssignments": []});
            if spec.dynamic[g] {
                v["userFilter"] = json!("department eq \"x\"");
            }
            v
        })
        .collect();
    for &(c, p) in &spec.nesting {
        if let Some(list) = groups[c]["parentGroups"].as_array_mut() {
            list.push(json!({"id": uid(2, p)}));
        }
    }
    let mut apps: Vec<serde_json::Value> = spec
        .apps
        .iter()
        .enumerate()
        .map(|(a, (rule, gs, admin))| {
            let mut ac = serde_json::Map::new();
            if *rule > 0 {
                let t = ["", "ANY_GROUP", "ALL_GROUPS", "SOME_FUTURE_RULE"][*rule as usize];
                let ids: Vec<_> = gs
                    .iter()
                    .map(|g| match g {
                        Some(g) => json!({"id": uid(2, *g)}),
                        None => json!({"id": uid(6, 99)}),
                    })
                    .collect();
                ac.insert("group".into(), json!({"type": t, "groups": ids}));
            }
            if *admin {
                ac.insert("role".into(), json!({"type": "ADMIN_USERS_ONLY"}));
            }
            json!({"id": uid(3, a), "name": format!("a{a}"), "type": "WORKER",
                   "accessControl": ac, "roleAssignments": []})
        })
        .collect();
    for (i, &(kind, p, r)) in spec.assignments.iter().enumerate() {
        let list = match kind {
            0 => users.get_mut(p % spec.users),
            1 => groups.get_mut(p % spec.groups),
            _ => {
                let n = apps.len();
                apps.get_mut(p % n)
            }
        };
        if let Some(list) = list.and_then(|v| v["roleAssignments"].as_array_mut()) {
            list.push(ra(i, r));
        }
    }
    let roles = json!([
        {"id": role_id(0), "name": ADMIN},
        {"id": role_id(1), "name": "Identity Data Read Only"},
        {"id": role_id(2), "name": ADMIN, "type": "CUSTOM"},
        {"id": role_id(3), "name": "Client Application Developer"},
    ]);
    serde_json::from_value(json!({
        "meta": {"takenAt": "2026-01-01T00:00:00.000Z", "source": {"kind": "generated", "seed": 0}},
        "coverage": serde_json::to_value(Coverage::complete()).unwrap(),
        "environment": {"id": uid(7, 0), "name": "prop"},
        "users": users, "groups": groups, "roles": roles, "applications": apps,
    }))
    .unwrap()
}

/// The brute-force reference, computed from the spec alone.
struct Reference {
    eff: Vec<BTreeSet<usize>>,
    admin: Vec<bool>,
}

impl Reference {
    fn new(spec: &Spec) -> Reference {
        let eff = (0..spec.users)
            .map(|u| {
                let mut set: BTreeSet<usize> = spec
                    .memberships
                    .iter()
                    .filter(|m| m.0 == u && !m.3)
                    .map(|m| m.1)
                    .collect();
                loop {
                    let more: Vec<usize> = spec
                        .nesting
                        .iter()
                        .filter(|(c, p)| set.contains(c) && !set.contains(p))
                        .map(|&(_, p)| p)
                        .collect();
                    if more.is_empty() {
                        break set;
                    }
                    set.extend(more);
                }
            })
            .collect::<Vec<_>>();
        let admin = (0..spec.users)
            .map(|u| {
                spec.assignments.iter().any(|&(k, p, r)| {
                    (r == 0 || r == 3)
                        && ((k == 0 && p % spec.users == u)
                            || (k == 1 && eff[u].contains(&(p % spec.groups))))
                })
            })
            .collect();
        Reference { eff, admin }
    }

    fn admitted(&self, spec: &Spec, u: usize, a: usize) -> bool {
        let (rule, gs, admin) = &spec.apps[a];
        let group_ok = match rule {
            0 => true,
            1 => gs
                .iter()
                .any(|g| g.is_some_and(|g| self.eff[u].contains(&g))),
            2 => gs
                .iter()
                .all(|g| g.is_some_and(|g| self.eff[u].contains(&g))),
            _ => false,
        };
        group_ok && (!admin || self.admin[u])
    }
}

/// Checks that every hop of a path is an edge of the raw snapshot.
fn check_path(snap: &Snapshot, graph: &Graph, path: &Path) -> Result<(), String> {
    let hops = path.hops();
    if hops.is_empty() || hops[0].link.is_some() {
        return Err(format!("bad start: {path:?}"));
    }
    for w in hops.windows(2) {
        let (a, b) = (&w[0].node, &w[1]);
        let link = b.link.ok_or("missing link")?;
        let ok = match (a, &b.node, link) {
            (Node::User(u), Node::Group(g), l) => {
                let ms = snap.users[u.ix()]
                    .memberships
                    .as_ref()
                    .ok_or("no memberships")?;
                let gid = &graph.group(*g).id;
                ms.iter().any(|m| {
                    &m.id == gid
                        && match l {
                            Link::Direct => m.kind == MembershipKind::Direct,
                            Link::Indirect | Link::Dynamic => m.kind == MembershipKind::Indirect,
                            Link::Reported => matches!(m.kind, MembershipKind::Other(_)),
                            _ => false,
                        }
                })
            }
            (Node::Group(c), Node::Group(p), Link::Nested) => snap.groups[c.ix()]
                .parent_groups
                .as_ref()
                .is_some_and(|ps| ps.iter().any(|r| r.id == graph.group(*p).id)),
            (
                Node::User(_) | Node::Group(_) | Node::App(_),
                Node::Role(_) | Node::UnresolvedRole(_),
                Link::Assigned(ai),
            ) => {
                let asg = graph.assignment(ai);
                match (a, asg.principal) {
                    (Node::User(u), Principal::User(p)) => *u == p,
                    (Node::Group(g), Principal::Group(p)) => *g == p,
                    (Node::App(x), Principal::App(p)) => *x == p,
                    _ => false,
                }
            }
            (Node::User(_), Node::App(_), Link::Open) => true,
            (Node::Group(g), Node::App(x), Link::AnyGroup | Link::AllGroups) => snap.applications
                [x.ix()]
            .access_control
            .as_ref()
            .and_then(|c| c.group.as_ref())
            .is_some_and(|gp| gp.groups.iter().any(|r| r.id == graph.group(*g).id)),
            (Node::Role(r), Node::App(_), Link::AdminRole) => graph.admin_role[r.ix()],
            _ => false,
        };
        if !ok {
            return Err(format!("hop {a:?} -> {b:?} is not an edge: {path:?}"));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn forward_and_reverse_access_match_the_reference(spec in spec()) {
        let snap = build(&spec);
        let graph = Graph::build(snap.clone());
        let reference = Reference::new(&spec);

        for u in 0..spec.users {
            let ui = UserIx(u as u32);
            let a = Access::compute(&graph, ui);
            // Effective groups, each with a valid shortest-first explanation ending at the group.
            let got: BTreeSet<usize> = a.groups.reaches().iter().map(|r| r.group.ix()).collect();
            prop_assert_eq!(&got, &reference.eff[u], "user {}", u);
            for r in a.groups.reaches() {
                let p = a.groups.path_to(r.group).unwrap();
                check_path(&snap, &graph, &p).map_err(TestCaseError::fail)?;
                prop_assert_eq!(&p.hops().last().unwrap().node, &Node::Group(r.group));
                prop_assert_eq!(p.hops().len() as u16, r.depth + 1);
            }
            // Roles: own assignments plus every effective group's.
            let want: BTreeSet<usize> = graph.assignments.iter().enumerate().filter(|(_, asg)| match asg.principal {
                Principal::User(p) => p.ix() == u,
                Principal::Group(g) => reference.eff[u].contains(&g.ix()),
                Principal::App(_) | Principal::Gateway(_) => false,
            }).map(|(i, _)| i).collect();
            let got: BTreeSet<usize> = a.roles.iter().map(|g| g.assignment.ix()).collect();
            prop_assert_eq!(got, want);
            for grant in &a.roles {
                check_path(&snap, &graph, &role_path(&graph, &a.groups, *grant)).map_err(TestCaseError::fail)?;
            }
            // Applications: admitted exactly when the reference says so, with valid chains.
            for d in &a.apps {
                prop_assert_eq!(d.admitted(), reference.admitted(&spec, u, d.app.ix()), "user {} app {}", u, d.app.ix());
                if d.admitted() {
                    let paths = d.paths(&graph, &a.groups);
                    prop_assert!(!paths.is_empty() || matches!(spec.apps[d.app.ix()].0, 2));
                    for p in paths {
                        check_path(&snap, &graph, &p).map_err(TestCaseError::fail)?;
                        prop_assert_eq!(&p.hops().last().unwrap().node, &Node::App(d.app));
                    }
                } else {
                    prop_assert!(d.grounds.is_empty());
                }
            }
        }

        // Who can use each application: the same set, seen from the application.
        for app in 0..spec.apps.len() {
            let w = WhoCan::compute(&graph, AppIx(app as u32));
            let got: BTreeSet<usize> = w.admitted.iter().map(|(u, _)| u.ix()).collect();
            let want: BTreeSet<usize> = (0..spec.users).filter(|&u| reference.admitted(&spec, u, app)).collect();
            prop_assert_eq!(got, want, "app {}", app);
            for (u, admits) in &w.admitted {
                let paths = w.paths(&graph, *u, admits);
                for p in &paths {
                    check_path(&snap, &graph, p).map_err(TestCaseError::fail)?;
                    prop_assert_eq!(&p.hops()[0].node, &Node::User(*u));
                }
                // One chain for one answer: who-can explains a user exactly as her own access does.
                let a = Access::compute(&graph, *u);
                prop_assert_eq!(&paths, &a.apps[app].paths(&graph, &a.groups), "app {} user {}", app, u.ix());
            }
        }

        // Members of each group, and holders of each role.
        for g in 0..spec.groups {
            let m = Members::compute(&graph, GroupIx(g as u32));
            let got: BTreeSet<usize> = m.members.iter().map(|x| x.user.ix()).collect();
            let want: BTreeSet<usize> = (0..spec.users).filter(|&u| reference.eff[u].contains(&g)).collect();
            prop_assert_eq!(got, want, "group {}", g);
            for x in &m.members {
                let p = m.path(&graph, x);
                check_path(&snap, &graph, &p).map_err(TestCaseError::fail)?;
                prop_assert_eq!(&p.hops().last().unwrap().node, &Node::Group(GroupIx(g as u32)));
                // The same chain as the member's own view of her groups.
                let eg = EffectiveGroups::compute(&graph, x.user);
                prop_assert_eq!(Some(p), eg.path_to(GroupIx(g as u32)));
            }
        }
        for r in 0..graph.roles.len() {
            let h = Holders::of_role(&graph, RoleIx(r as u32));
            let mut got = HashSet::new();
            for holding in &h.holdings {
                check_path(&snap, &graph, &h.path(&graph, holding)).map_err(TestCaseError::fail)?;
                if let Holding::User { assignment, user, via } = holding {
                    got.insert((assignment.ix(), user.ix()));
                    if let Some((gi, _)) = via {
                        // Through a group: the chain her own roles show.
                        let eg = EffectiveGroups::compute(&graph, *user);
                        let grant = RoleGrant { assignment: *assignment, holder: Holder::Group(h.groups[*gi].descent.root) };
                        prop_assert_eq!(h.path(&graph, holding), role_path(&graph, &eg, grant));
                    }
                }
            }
            let mut want = HashSet::new();
            for (i, asg) in graph.assignments.iter().enumerate() {
                if asg.role != Some(RoleIx(r as u32)) { continue; }
                match asg.principal {
                    Principal::User(u) => { want.insert((i, u.ix())); }
                    Principal::Group(g) => {
                        for u in 0..spec.users {
                            if reference.eff[u].contains(&g.ix()) { want.insert((i, u)); }
                        }
                    }
                    Principal::App(_) | Principal::Gateway(_) => {}
                }
            }
            prop_assert_eq!(got, want);
        }
    }
}

#[test]
fn a_custom_role_named_like_an_admin_role_never_satisfies_admin_users_only() {
    let spec = Spec {
        users: 1,
        groups: 1,
        memberships: vec![],
        nesting: vec![],
        dynamic: vec![false],
        assignments: vec![(0, 0, 2)],
        apps: vec![(0, vec![], true)],
    };
    let graph = Graph::build(build(&spec));
    let a = Access::compute(&graph, UserIx(0));
    assert!(!a.apps[0].admitted());
    assert_eq!(a.apps[0].refusals, vec![Refusal::NoAdminRole]);
    assert!(WhoCan::compute(&graph, AppIx(0)).admitted.is_empty());
}

#[test]
fn a_dangling_group_under_all_groups_can_never_be_satisfied() {
    let spec = Spec {
        users: 1,
        groups: 1,
        memberships: vec![(0, 0, 0, false)],
        nesting: vec![],
        dynamic: vec![false],
        assignments: vec![],
        apps: vec![(2, vec![Some(0), None], false)],
    };
    let graph = Graph::build(build(&spec));
    let a = Access::compute(&graph, UserIx(0));
    let why = a.apps[0].refusals[0].describe(&graph);
    assert!(why.contains("deleted group"), "{why}");
    assert!(why.contains("ALL_GROUPS"), "{why}");
    assert!(WhoCan::compute(&graph, AppIx(0)).admitted.is_empty());
}

#[test]
fn nesting_cycles_terminate_and_explain_the_shortest_chain() {
    // u0 ∈ g0; g0 → g1 → g2 → g0 (cycle); g2 → g3.
    let spec = Spec {
        users: 1,
        groups: 4,
        memberships: vec![(0, 0, 0, false)],
        nesting: vec![(0, 1), (1, 2), (2, 0), (2, 3)],
        dynamic: vec![false; 4],
        assignments: vec![],
        apps: vec![(1, vec![Some(3)], false)],
    };
    let graph = Graph::build(build(&spec));
    let a = Access::compute(&graph, UserIx(0));
    assert_eq!(a.groups.len(), 4);
    let p = a.apps[0].paths(&graph, &a.groups).remove(0);
    assert_eq!(
        p.render(&graph, |s| s.to_owned()),
        "u0 → g0 (direct member) → g1 (nested) → g2 (nested) → g3 (nested) → a0 (ANY_GROUP lists it)"
    );
    assert_eq!(Members::compute(&graph, GroupIx(1)).members.len(), 1);
}

#[test]
fn an_indirect_membership_explained_by_nesting_shows_the_nesting() {
    // The API reports g1 as INDIRECT because g0 (direct) is nested in it.
    let spec = Spec {
        users: 1,
        groups: 2,
        memberships: vec![(0, 1, 1, false), (0, 0, 0, false)],
        nesting: vec![(0, 1)],
        dynamic: vec![false, false],
        assignments: vec![],
        apps: vec![(1, vec![Some(1)], false)],
    };
    let graph = Graph::build(build(&spec));
    let a = Access::compute(&graph, UserIx(0));
    let p = a.groups.path_to(GroupIx(1)).unwrap();
    assert_eq!(
        p.render(&graph, |s| s.to_owned()),
        "u0 → g0 (direct member) → g1 (nested)"
    );
    let m = Members::compute(&graph, GroupIx(1));
    assert_eq!(
        m.path(&graph, &m.members[0])
            .render(&graph, |s| s.to_owned()),
        "u0 → g0 (direct member) → g1 (nested)"
    );
}

#[test]
fn a_dynamic_group_membership_is_named_dynamic() {
    let spec = Spec {
        users: 1,
        groups: 1,
        memberships: vec![(0, 0, 1, false)],
        nesting: vec![],
        dynamic: vec![true],
        assignments: vec![],
        apps: vec![(0, vec![], false)],
    };
    let graph = Graph::build(build(&spec));
    let a = Access::compute(&graph, UserIx(0));
    let p = a.groups.path_to(GroupIx(0)).unwrap();
    assert_eq!(p.hops()[1].link, Some(Link::Dynamic));
}
