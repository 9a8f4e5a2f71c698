//! The well-known people get the access they were designed for; hostile strings survive.

use super::names_of_note as named;
use super::people_of_note as who;
use super::tests::demo;
use crate::model::access::{Ground, Holder};
use crate::model::graph::GroupRef;
use crate::model::{Access, Graph, Refusal, ScopeType, Snapshot};

#[test]
fn demo_keeps_hostile_strings_as_data() {
    let s = demo();
    let mut texts: Vec<String> = Vec::new();
    for u in &s.users {
        texts.extend(u.display_name());
        texts.push(u.username.to_string());
    }
    for g in &s.groups {
        texts.push(g.name.clone());
        texts.extend(g.display_name.clone());
    }
    texts.extend(s.applications.iter().map(|a| a.name.clone()));
    let any = |f: &dyn Fn(char) -> bool| texts.iter().any(|t| t.chars().any(f));
    assert!(any(&|c| ('\u{1F300}'..='\u{1FAFF}').contains(&c)), "emoji");
    assert!(
        any(&|c| ('\u{0590}'..='\u{06FF}').contains(&c)),
        "right-to-left script"
    );
    assert!(
        texts.iter().any(|t| t.contains("\u{1b}[31m")),
        "escape sequence"
    );
    assert!(any(&|c| c == '\u{202e}'), "bidi override");
    let longest = s
        .groups
        .iter()
        .filter_map(|g| g.description.as_ref())
        .chain(s.applications.iter().filter_map(|a| a.description.as_ref()))
        .map(|d| d.chars().count())
        .max()
        .unwrap_or(0);
    assert!(longest >= 2000, "{longest}");
    assert!(s.groups.iter().any(|g| g.name == named::ESCAPE_GROUP));
}

#[test]
fn fixed_people_get_the_access_they_were_designed_for() {
    let g = Graph::build(demo());
    let user = |name: &str| g.find_user(name).unwrap_or_else(|| panic!("{name} exists"));
    let app = |name: &str| g.find_app(name).unwrap_or_else(|| panic!("{name} exists"));
    let group = |name: &str| {
        g.find_group(name)
            .unwrap_or_else(|| panic!("{name} exists"))
    };
    let access = |name: &str| Access::compute(&g, user(name));
    let console = app(named::ADMIN_CONSOLE);

    // Admin only through a group.
    let priya = access(who::ADMIN_VIA_GROUP);
    assert!(g.user_assignments(user(who::ADMIN_VIA_GROUP)).is_empty());
    let d = &priya.apps[console.ix()];
    assert!(d.admitted());
    assert!(matches!(d.grounds[..], [Ground::AdminRole(grant)]
        if grant.holder == Holder::Group(group(named::ADMIN_GROUP))));

    // Four nesting hops to Confluence.
    let alice = access(who::DEEP_NESTING);
    let d = &alice.apps[app(named::DEEP_APP).ix()];
    assert!(d.admitted());
    let path = &d.paths(&g, &alice.groups)[0];
    let names: Vec<String> = path.hops().iter().map(|h| g.node_name(&h.node)).collect();
    assert_eq!(
        names,
        [
            who::DEEP_NESTING,
            "Platform Runtime",
            "Platform",
            "Engineering",
            "Technology",
            "All Staff",
            "Confluence"
        ]
    );

    // Disabled but still privileged.
    let derek = user(who::DISABLED_WITH_ROLE);
    assert!(!g.user(derek).enabled);
    assert!(!access(who::DISABLED_WITH_ROLE).roles.is_empty());

    // Locked, no MFA, Environment Admin of her own.
    let olga = user(who::LOCKED_ADMIN_NO_MFA);
    assert!(g.user(olga).is_locked() && g.user(olga).mfa_enabled == Some(false));
    let d = &access(who::LOCKED_ADMIN_NO_MFA).apps[console.ix()];
    assert!(matches!(d.grounds[..], [Ground::AdminRole(grant)] if grant.holder == Holder::User));

    // ALL_GROUPS: one missing group refuses, both admit.
    let aws = app(named::ALL_GROUPS_APP);
    let d = &access(who::MISSING_ONE_GROUP).apps[aws.ix()];
    assert_eq!(
        d.refusals,
        [Refusal::MissingGroups {
            missing: vec![GroupRef::Known(group("Production Access"))],
            held: vec![group("SRE")],
        }]
    );
    assert!(access(who::ALL_GROUPS_MEMBER).apps[aws.ix()].admitted());

    // A custom role named like a built-in one never satisfies ADMIN_USERS_ONLY.
    let helen = access(who::CUSTOM_ROLE_LOOKALIKE);
    assert_eq!(helen.apps[console.ix()].refusals, [Refusal::NoAdminRole]);
    assert!(helen.roles.iter().any(|r| {
        let role = g.assignment(r.assignment).role.map(|r| g.role(r));
        role.is_some_and(|r| r.is_custom() && r.name == "Environment Admin")
    }));

    // In a cycle: all three groups, and the traversal ends.
    let mei = access(who::IN_NESTING_CYCLE);
    for name in named::CYCLE {
        assert!(mei.groups.contains(group(name)), "{name}");
    }

    // A rule listing a deleted group.
    let board = app(named::DANGLING_APP);
    assert!(access(who::EXECUTIVE).apps[board.ix()].admitted());
    let refused = &alice.apps[board.ix()].refusals;
    assert!(matches!(&refused[..], [Refusal::NotInAnyGroup(gs)]
        if gs.iter().any(|g| matches!(g, GroupRef::Dangling(_)))));

    // Open to everyone, even a customer in no group but a dynamic one.
    let ben = user(who::GOOGLE_CUSTOMER);
    let only = g.user_groups(ben);
    assert_eq!(only.len(), 1);
    assert!(
        g.group(only[0].0).is_dynamic() && only[0].1 == crate::model::graph::MemberKind::Indirect
    );
    assert!(access(who::GOOGLE_CUSTOMER).apps[app(named::OPEN_APP).ix()].admitted());

    // Scopes: organisation, population, application, another environment.
    let scope_of = |name: &str| -> Vec<ScopeType> {
        g.user_assignments(user(name))
            .iter()
            .map(|&a| g.assignment(a).raw.scope.kind.clone())
            .collect()
    };
    assert_eq!(scope_of(who::ORG_ADMIN), [ScopeType::Organization]);
    assert_eq!(scope_of(who::POPULATION_ADMIN), [ScopeType::Population]);
    assert_eq!(scope_of(who::APP_OWNER), [ScopeType::Application]);
    let ravi = g.user_assignments(user(who::OTHER_ENV_ADMIN));
    assert!(ravi.iter().any(|&a| {
        matches!(
            g.scope_target(&g.assignment(a).raw.scope),
            crate::model::graph::ScopeTarget::Elsewhere
        )
    }));
    assert!(g.user(user(who::NEVER_SIGNED_ON)).last_sign_on.is_none());
    let worker = app(named::ADMIN_WORKER);
    assert!(g.app(worker).is_worker() && g.app_assignments(worker).len() >= 2);
    for name in [
        who::SAML_PARTNER,
        who::RTL_NAME,
        who::EMOJI_NAME,
        who::BIDI_NAME,
    ] {
        user(name);
    }
}

#[test]
fn demo_round_trips_through_the_snapshot_file_format() {
    let s = demo();
    let mut bytes = Vec::new();
    s.to_writer(&mut bytes).unwrap();
    let back = Snapshot::from_bytes(&bytes, std::path::Path::new("demo.json")).unwrap();
    assert_eq!(back, s);
    let graph = Graph::build(back);
    assert!(graph.warnings.is_empty(), "{:?}", graph.warnings);
    assert!(graph.dangling_memberships.is_empty() && graph.dangling_parents.is_empty());
    assert!(graph.coverage.incomplete().is_empty());
}

#[test]
fn a_worker_with_client_credentials_only_admits_nobody_and_a_user_grant_restores_its_rule() {
    use crate::model::WhoCan;
    let g = Graph::build(demo());
    let worker = g.find_app(named::ADMIN_WORKER).expect("worker");
    assert_eq!(g.app(worker).grant_types, ["CLIENT_CREDENTIALS"]);
    assert!(g.app_policies[worker.ix()].is_open(), "no access rule");
    let who = WhoCan::compute(&g, worker);
    assert!(who.admitted.is_empty());
    assert!(who.nobody.is_some());
    let alice = Access::compute(&g, g.find_user(who::DEEP_NESTING).expect("alice"));
    assert_eq!(alice.apps[worker.ix()].refusals, [Refusal::NoUserSignOn]);

    // The same worker allowing AUTHORIZATION_CODE: people sign on, and its (empty) rule admits
    // all. The API spells grant types in upper case; any case is accepted.
    let mut snap = demo();
    let app = snap
        .applications
        .iter_mut()
        .find(|a| a.name == named::ADMIN_WORKER)
        .expect("worker");
    app.grant_types.push("AUTHORIZATION_CODE".into());
    let g = Graph::build(snap);
    let who = WhoCan::compute(&g, worker);
    assert_eq!(who.admitted.len(), g.users.len());
    assert!(who.nobody.is_none());
    let alice = Access::compute(&g, g.find_user(who::DEEP_NESTING).expect("alice"));
    assert!(alice.apps[worker.ix()].admitted());
}
