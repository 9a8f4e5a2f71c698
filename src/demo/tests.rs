//! The demo meets every promise of the brief; shared checks for any generated snapshot.

use std::collections::{HashMap, HashSet, VecDeque};

use super::*;
use crate::model::{
    ADMIN_USERS_ONLY_ROLES, AppType, GroupRule, GroupSource, IdpType, MembershipKind, Protocol,
    RoleAssignment, RoleRule, ScopeType, Snapshot, User,
};

pub(super) fn demo() -> Snapshot {
    generate(&Params::demo())
}

/// Parents of every group, by index.
pub(super) fn parent_index(s: &Snapshot) -> Vec<Vec<usize>> {
    let ix: HashMap<&Id, usize> = s
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| (&g.id, i))
        .collect();
    s.groups
        .iter()
        .map(|g| {
            g.parent_groups
                .iter()
                .flatten()
                .filter_map(|p| ix.get(&p.id).copied())
                .collect()
        })
        .collect()
}

/// Breadth-first distances from `g` to each of its ancestors (itself excluded unless in a cycle).
pub(super) fn ancestors(parents: &[Vec<usize>], g: usize) -> Vec<(usize, usize)> {
    let mut dist = vec![usize::MAX; parents.len()];
    let mut out = Vec::new();
    let mut q = VecDeque::from([(g, 0usize)]);
    while let Some((x, d)) = q.pop_front() {
        for &p in &parents[x] {
            if dist[p] == usize::MAX {
                dist[p] = d + 1;
                out.push((p, d + 1));
                q.push_back((p, d + 1));
            }
        }
    }
    out
}

/// The longest shortest nesting chain, and whether some group is nested in itself.
pub(super) fn depth_and_cycle(s: &Snapshot) -> (usize, bool) {
    let parents = parent_index(s);
    let mut depth = 0;
    let mut cycle = false;
    for g in 0..parents.len() {
        let a = ancestors(&parents, g);
        depth = depth.max(a.iter().map(|x| x.1).max().unwrap_or(0));
        cycle |= a.iter().any(|x| x.0 == g);
    }
    (depth, cycle)
}

/// Memberships as the API reports them: every group reachable from a DIRECT group (or a dynamic
/// group that matched) through nesting is listed, every INDIRECT entry is so explained, no group
/// is listed twice.
pub(super) fn check_memberships(s: &Snapshot) {
    let ix: HashMap<&Id, usize> = s
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| (&g.id, i))
        .collect();
    let parents = parent_index(s);
    let mut indirect_seen = 0;
    for u in &s.users {
        let list = u.memberships.as_ref().expect("memberships read");
        let mut listed = HashSet::new();
        for m in list {
            assert!(listed.insert(&m.id), "{} lists {} twice", u.username, m.id);
        }
        let mut explained = HashSet::new();
        for m in list {
            let g = ix[&m.id];
            let seed = m.kind == MembershipKind::Direct || s.groups[g].is_dynamic();
            if seed {
                explained.insert(g);
                for (a, _) in ancestors(&parents, g) {
                    explained.insert(a);
                    assert!(
                        listed.contains(&s.groups[a].id),
                        "{} reaches {} by nesting but it is not listed",
                        u.username,
                        s.groups[a].name
                    );
                }
            }
        }
        for m in list {
            if m.kind == MembershipKind::Indirect {
                indirect_seen += 1;
                assert!(
                    explained.contains(&ix[&m.id]),
                    "{}: unexplained INDIRECT",
                    u.username
                );
            }
            if s.groups[ix[&m.id]].is_dynamic() {
                assert_eq!(
                    m.kind,
                    MembershipKind::Indirect,
                    "dynamic membership is INDIRECT"
                );
            }
        }
    }
    assert!(indirect_seen > 0);
}

/// Dynamic groups filtering on modelled attributes hold exactly the users that match.
pub(super) fn check_dynamic_filters(s: &Snapshot) {
    for g in s.groups.iter().filter(|g| g.is_dynamic()) {
        let f = g.user_filter.as_deref().unwrap_or_default();
        type Rule = Box<dyn Fn(&User) -> bool>;
        let rule: Option<Rule> = match f {
            "type eq \"Contractor\"" => Some(Box::new(|u| u.kind.as_deref() == Some("Contractor"))),
            "address.countryCode eq \"DE\"" => Some(Box::new(|u| {
                u.address.as_ref().and_then(|a| a.country_code.as_deref()) == Some("DE")
            })),
            "identityProvider.type eq \"GOOGLE\"" => Some(Box::new(|u| {
                u.identity_provider.as_ref().and_then(|i| i.kind.as_ref()) == Some(&IdpType::Google)
            })),
            _ => None,
        };
        let Some(rule) = rule else { continue };
        for u in &s.users {
            let member = u.memberships.iter().flatten().any(|m| m.id == g.id);
            assert_eq!(member, rule(u), "{} vs {f}", u.username);
        }
    }
}

pub(super) fn all_assignments(s: &Snapshot) -> Vec<(&'static str, &RoleAssignment)> {
    let users = s
        .users
        .iter()
        .flat_map(|u| u.role_assignments.iter().flatten())
        .map(|a| ("user", a));
    let groups = s
        .groups
        .iter()
        .flat_map(|g| g.role_assignments.iter().flatten())
        .map(|a| ("group", a));
    let apps = s
        .applications
        .iter()
        .filter(|a| a.is_worker())
        .flat_map(|a| a.role_assignments.iter().flatten())
        .map(|a| ("worker", a));
    users.chain(groups).chain(apps).collect()
}

#[test]
fn demo_people_are_many_varied_and_imperfect() {
    let s = demo();
    let now = DEMO_NOW_MILLIS;
    assert_eq!(s.users.len(), 480);
    assert_eq!(s.populations.len(), 4);
    let pops: HashMap<&Id, usize> = s.populations.iter().map(|p| (&p.id, 0)).collect();
    let mut per_pop = pops.clone();
    for u in &s.users {
        *per_pop.get_mut(&u.population.as_ref().unwrap().id).unwrap() += 1;
        assert!(u.email.as_deref().is_some_and(|e| e.contains('@')));
        assert!(u.created_at.is_some() && u.updated_at.is_some());
        assert!(u.memberships.is_some() && u.role_assignments.is_some());
        assert!(u.kind.is_some(), "department-style type is set");
    }
    assert!(per_pop.values().all(|&n| n >= 10), "{per_pop:?}");
    let usernames: HashSet<&str> = s.users.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(usernames.len(), s.users.len(), "usernames are unique");
    assert!(s.users[40..].iter().all(|u| {
        let (a, b) = u.username.split_once('.').unwrap();
        !a.is_empty()
            && b.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    }));
    let given: HashSet<_> = s
        .users
        .iter()
        .filter_map(|u| u.name.as_ref()?.given.clone())
        .collect();
    let family: HashSet<_> = s
        .users
        .iter()
        .filter_map(|u| u.name.as_ref()?.family.clone())
        .collect();
    assert!(
        given.len() + family.len() >= 200,
        "{} + {}",
        given.len(),
        family.len()
    );

    let count = |f: &dyn Fn(&User) -> bool| s.users.iter().filter(|u| f(u)).count();
    assert!(count(&|u| !u.enabled) >= 5);
    assert!(count(&|u| u.is_locked()) >= 3);
    assert!(count(&|u| u.mfa_enabled == Some(false)) >= 20);
    assert!(count(&|u| u.last_sign_on.is_none()) >= 10);
    let stale = |u: &User| u.last_sign_on_millis().is_some_and(|t| now - t > 90 * DAY);
    assert!(count(&stale) >= 20);
    let idp = |k: IdpType| {
        count(&|u: &User| {
            u.identity_provider.as_ref().and_then(|i| i.kind.clone()) == Some(k.clone())
        })
    };
    assert!(idp(IdpType::PingOne) > s.users.len() / 2);
    for k in [IdpType::Google, IdpType::Saml, IdpType::OpenIdConnect] {
        assert!(idp(k.clone()) >= 3, "{k}");
    }
    for kind in ["Employee", "Contractor", "Partner", "Customer"] {
        assert!(count(&|u| u.kind.as_deref() == Some(kind)) >= 10, "{kind}");
    }
}

#[test]
fn demo_groups_nest_deeply_with_cycles_dynamic_and_external_groups() {
    let s = demo();
    assert!((60..=100).contains(&s.groups.len()), "{}", s.groups.len());
    let (depth, cycle) = depth_and_cycle(&s);
    assert!(depth >= 4, "deepest chain {depth}");
    assert!(cycle, "a nesting cycle exists");
    let dynamic: Vec<_> = s.groups.iter().filter(|g| g.is_dynamic()).collect();
    assert!(dynamic.len() >= 3);
    assert!(
        dynamic
            .iter()
            .any(|g| g.user_filter.as_deref() == Some("department eq \"Finance\""))
    );
    let external: Vec<_> = s.groups.iter().filter(|g| g.is_external()).collect();
    assert!(
        external
            .iter()
            .any(|g| g.source_type == Some(GroupSource::Idp))
    );
    assert!(s.groups.iter().any(|g| g.population.is_some()));
    assert!(s.groups.iter().any(|g| g.population.is_none()));

    let by_id: HashMap<&Id, &crate::model::Group> = s.groups.iter().map(|g| (&g.id, g)).collect();
    for g in &s.groups {
        assert!(g.parent_groups.is_some() && g.role_assignments.is_some());
        for p in g.parent_groups.iter().flatten() {
            let p = by_id[&p.id];
            assert!(
                !g.is_external() && !p.is_external(),
                "external groups are not nested"
            );
            match (&g.population, &p.population) {
                (None, Some(_)) => {
                    panic!("{} (environment) nested in {} (population)", g.name, p.name)
                }
                (Some(a), Some(b)) => assert_eq!(a, b, "{} nested across populations", g.name),
                _ => {}
            }
        }
    }
    check_memberships(&s);
    check_dynamic_filters(&s);
    let dyn_members = s
        .users
        .iter()
        .flat_map(|u| u.memberships.iter().flatten())
        .filter(|m| dynamic.iter().any(|g| g.id == m.id))
        .count();
    assert!(dyn_members >= 20);
}

#[test]
fn demo_roles_are_assigned_to_everyone_at_every_scope() {
    let s = demo();
    for name in [
        "Organization Admin",
        "Environment Admin",
        "Identity Data Admin",
        "Identity Data Read Only",
        "Client Application Developer",
        "Configuration Read Only",
        "Application Owner",
        "Help Desk Admin",
        "Custom Roles Admin",
        "DaVinci Admin",
        "DaVinci Admin Read Only",
        "PingFederate Administrator",
        "PingFederate Auditor",
        "PingFederate Crypto Administrator",
        "PingFederate Expression Administrator",
        "PingFederate User Administrator",
        "Authorize Gateway Policy Evaluator",
        "Advanced Identity Cloud Super Admin",
        "Advanced Identity Cloud Tenant Admin",
    ] {
        assert!(
            s.roles.iter().any(|r| r.name == name && r.kind.is_none()),
            "{name}"
        );
    }
    let custom: Vec<_> = s.roles.iter().filter(|r| r.is_custom()).collect();
    assert!(custom.len() >= 3);
    assert!(
        custom
            .iter()
            .any(|r| ADMIN_USERS_ONLY_ROLES.contains(&r.name.as_str()))
    );

    let env = s.environment.id.clone().unwrap();
    let org = s.environment.organization.clone().unwrap().id;
    let roles: HashMap<&Id, bool> = s.roles.iter().map(|r| (&r.id, r.is_custom())).collect();
    let pops: HashSet<&Id> = s.populations.iter().map(|p| &p.id).collect();
    let apps: HashSet<&Id> = s.applications.iter().map(|a| &a.id).collect();
    let all = all_assignments(&s);
    let (mut elsewhere, mut unresolved) = (0, 0);
    for (who, a) in &all {
        match a.scope.kind {
            ScopeType::Environment if a.scope.id != env => elsewhere += 1,
            ScopeType::Organization => assert_eq!(a.scope.id, org),
            ScopeType::Population => assert!(pops.contains(&a.scope.id), "{who}"),
            ScopeType::Application => assert!(apps.contains(&a.scope.id), "{who}"),
            _ => {}
        }
        if !roles.contains_key(&a.role.id) {
            unresolved += 1;
        }
    }
    assert!(
        elsewhere >= 1 && unresolved >= 1,
        "{elsewhere} {unresolved}"
    );
    for principal in ["user", "group", "worker"] {
        let mine: Vec<_> = all
            .iter()
            .filter(|x| x.0 == principal)
            .map(|x| x.1)
            .collect();
        for scope in [
            ScopeType::Environment,
            ScopeType::Population,
            ScopeType::Application,
            ScopeType::Organization,
        ] {
            assert!(
                mine.iter().any(|a| a.scope.kind == scope),
                "{principal} at {scope}"
            );
        }
        assert!(
            mine.iter().any(|a| roles.get(&a.role.id) == Some(&true)),
            "{principal} custom"
        );
        assert!(
            mine.iter().any(|a| roles.get(&a.role.id) == Some(&false)),
            "{principal} built-in"
        );
    }
    let admin_ids: HashSet<&Id> = s
        .roles
        .iter()
        .filter(|r| !r.is_custom() && ADMIN_USERS_ONLY_ROLES.contains(&r.name.as_str()))
        .map(|r| &r.id)
        .collect();
    let admin_workers = s
        .applications
        .iter()
        .filter(|a| a.is_worker())
        .filter(|a| {
            a.role_assignments
                .iter()
                .flatten()
                .any(|r| admin_ids.contains(&r.role.id))
        })
        .count();
    assert!((2..=4).contains(&admin_workers), "{admin_workers}");
}

#[test]
fn demo_apps_cover_every_type_protocol_and_rule() {
    let s = demo();
    assert_eq!(s.applications.len(), 37);
    use AppType::*;
    for t in [
        WebApp,
        NativeApp,
        SinglePageApp,
        Worker,
        Service,
        CustomApp,
        SelfService,
        AdminConsole,
        Portal,
        TemplateApp,
        PortalLinkApp,
    ] {
        assert!(s.applications.iter().any(|a| a.kind == t), "{t}");
    }
    for p in [
        Protocol::OpenIdConnect,
        Protocol::Saml,
        Protocol::WsFed,
        Protocol::ExternalLink,
    ] {
        assert!(
            s.applications
                .iter()
                .any(|a| a.protocol.as_ref() == Some(&p)),
            "{p}"
        );
    }
    let groups: HashSet<&Id> = s.groups.iter().map(|g| &g.id).collect();
    let has = |f: &dyn Fn(&crate::model::Application) -> bool| s.applications.iter().any(f);
    let rule = |a: &crate::model::Application| {
        let ac = a.access_control.as_ref();
        let g = ac
            .and_then(|c| c.group.as_ref())
            .map(|g| (g.kind.clone(), g.groups.len()));
        let admin = ac
            .and_then(|c| c.role.as_ref())
            .map(|r| r.kind == RoleRule::AdminUsersOnly);
        (g, admin.unwrap_or(false))
    };
    assert!(has(&|a| a.access_control.is_none() && a.kind != Worker));
    assert!(has(&|a| rule(a) == (Some((GroupRule::AnyGroup, 1)), false)));
    assert!(has(
        &|a| matches!(rule(a), (Some((GroupRule::AnyGroup, n)), false) if n >= 2)
    ));
    assert!(has(
        &|a| matches!(rule(a), (Some((GroupRule::AllGroups, n)), false) if n >= 2)
    ));
    assert!(has(&|a| rule(a) == (None, true)));
    assert!(has(&|a| matches!(rule(a), (Some(_), true))));
    assert!(has(&|a| !a.enabled));
    let dangling: Vec<_> = s
        .applications
        .iter()
        .flat_map(|a| a.access_control.iter().flat_map(|c| c.group.iter()))
        .flat_map(|g| g.groups.iter())
        .filter(|r| !groups.contains(&r.id))
        .collect();
    assert_eq!(dangling.len(), 1, "exactly one deleted group is referenced");
}
