//! The rules every answer shares (README "Who is admitted" and "Holders"), checked on the demo's
//! designed cases: grant types, gateways, one chain per answer, roles that look alike, one
//! definition of holders, one clock.

use super::names_of_note as named;
use super::people_of_note as who;
use super::tests::demo;
use crate::model::access::{Ground, Holding};
use crate::model::audit::{AuditOptions, Lens, run};
use crate::model::*;

fn role_of_ground(g: &Graph, d: &access::AppDecision) -> Option<String> {
    d.grounds.iter().find_map(|gr| match gr {
        Ground::AdminRole(grant) => g
            .assignment(grant.assignment)
            .role
            .map(|r| g.role(r).name.clone()),
        _ => None,
    })
}

#[test]
fn upper_case_grant_types_let_people_sign_on_to_a_worker() {
    let g = Graph::build(demo());
    let scripts = g.find_app(named::USER_GRANT_WORKER).expect("worker");
    assert_eq!(
        g.app(scripts).grant_types,
        ["AUTHORIZATION_CODE", "CLIENT_CREDENTIALS"]
    );
    assert!(!g.app(scripts).nobody_signs_on());
    // ADMIN_USERS_ONLY: priya (Environment Admin through a group) is admitted, alice is not,
    // and alice's refusal is the rule, not "nobody signs on".
    let priya = Access::compute(&g, g.find_user(who::ADMIN_VIA_GROUP).expect("priya"));
    assert!(priya.apps[scripts.ix()].admitted());
    let alice = Access::compute(&g, g.find_user(who::DEEP_NESTING).expect("alice"));
    assert_eq!(alice.apps[scripts.ix()].refusals, [Refusal::NoAdminRole]);
    let who_can = WhoCan::compute(&g, scripts);
    assert!(who_can.nobody.is_none());
    assert!(
        who_can
            .admitted
            .iter()
            .any(|(u, _)| g.user(*u).username == who::ADMIN_VIA_GROUP)
    );

    // Any case is accepted: the same worker spelled in lower case answers the same.
    let mut s = demo();
    let app = s
        .applications
        .iter_mut()
        .find(|a| a.name == named::USER_GRANT_WORKER)
        .expect("worker");
    app.grant_types = vec!["authorization_code".into(), "client_credentials".into()];
    let lower = Graph::build(s);
    let admitted = |g: &Graph| WhoCan::compute(g, scripts).admitted.len();
    assert_eq!(admitted(&lower), admitted(&g));
}

#[test]
fn any_application_without_a_user_grant_admits_nobody_and_is_not_open() {
    let g = Graph::build(demo());
    let billing = g.find_app(named::CLIENT_ONLY_SERVICE).expect("billing");
    assert_eq!(g.app(billing).kind, AppType::Service);
    assert!(
        g.app_policies[billing.ix()].is_open(),
        "it has no access rule"
    );
    let who_can = WhoCan::compute(&g, billing);
    assert!(who_can.admitted.is_empty());
    assert!(who_can.nobody.is_some());
    let alice = Access::compute(&g, g.find_user(who::DEEP_NESTING).expect("alice"));
    assert_eq!(alice.apps[billing.ix()].refusals, [Refusal::NoUserSignOn]);
    // Applications without grant types (SAML, links) follow their policy.
    let saml_open = (0..g.apps.len())
        .map(|a| AppIx(a as u32))
        .find(|&a| g.app(a).grant_types.is_empty() && g.app_policies[a.ix()].is_open())
        .expect("an open application without grant types");
    assert!(alice.apps[saml_open.ix()].admitted());
}

#[test]
fn gateways_hold_admin_roles_as_non_human_admins() {
    let g = Graph::build(demo());
    assert_eq!(g.gateways.len(), 3);
    let pf = g
        .gateways
        .iter()
        .position(|x| x.name == named::PF_GATEWAY)
        .map(|i| GatewayIx(i as u32))
        .expect("PingFederate gateway");
    assert_eq!(g.gateway(pf).kind, Some(GatewayType::PingFederate));
    let ida = g
        .roles
        .iter()
        .position(|r| r.name == "Identity Data Admin" && !r.is_custom())
        .map(|i| RoleIx(i as u32))
        .expect("role");
    let h = Holders::of_role(&g, ida);
    let held = h
        .holdings
        .iter()
        .find(|x| matches!(x, Holding::Gateway { gateway, .. } if *gateway == pf))
        .expect("the gateway is a holder");
    let path = h.path(&g, held);
    assert_eq!(path.hops()[0].node, Node::Gateway(pf));
    assert_eq!(
        path.render(&g, str::to_owned),
        "PingFederate Corporate SSO → Identity Data Admin (assigned at this environment)"
    );
    assert_eq!(h.counts(&g).gateways, 1);
}

#[test]
fn one_chain_per_answer_prefers_this_environments_scope() {
    let g = Graph::build(demo());
    let console = g.find_app(named::ADMIN_CONSOLE).expect("console");
    let ravi = g.find_user(who::OTHER_ENV_ADMIN).expect("ravi");
    let a = Access::compute(&g, ravi);
    // He holds Environment Admin of another environment and Client Application Developer here:
    // the chain shown is the one scoped to this environment.
    assert_eq!(
        role_of_ground(&g, &a.apps[console.ix()]).as_deref(),
        Some("Client Application Developer")
    );
    let forward = a.apps[console.ix()].paths(&g, &a.groups);
    let who_can = WhoCan::compute(&g, console);
    let (u, admits) = who_can
        .admitted
        .iter()
        .find(|(u, _)| *u == ravi)
        .expect("ravi is admitted");
    let reverse = who_can.paths(&g, *u, admits);
    assert_eq!(reverse, forward, "who-can and access explain him alike");
    let text = reverse[0].render(&g, str::to_owned);
    assert!(
        text.contains("Client Application Developer (assigned at this environment)"),
        "a role hop shows its scope: {text}"
    );
}

#[test]
fn roles_that_look_alike_are_told_apart_and_never_picked_silently() {
    let g = Graph::build(demo());
    let err = g
        .lookup(Kind::Role, "Environment Admin")
        .expect_err("two roles share the name");
    let LookupError::Ambiguous { candidates, .. } = &err else {
        panic!("{err}");
    };
    assert_eq!(candidates.len(), 2);
    let notes: Vec<&str> = candidates.iter().map(|c| c.note.as_str()).collect();
    assert!(
        notes.contains(&"built-in") && notes.contains(&"custom"),
        "{notes:?}"
    );
    let msg = err.to_string();
    for c in candidates {
        assert!(msg.contains(&c.id), "{msg}");
    }
    // By id, each is found.
    for c in candidates {
        let t = g.lookup(Kind::Role, &c.id).expect("by id");
        assert_eq!(g.target_id(t).map(ToString::to_string), Some(c.id.clone()));
    }
    // Every audit line marks the custom one.
    let helen = g.find_user(who::CUSTOM_ROLE_LOOKALIKE).expect("helen");
    let privileged = run(&g, Lens::Privileged, &opts());
    let line = &privileged
        .iter()
        .find(|f| f.target == Target::from(helen))
        .expect("helen is privileged")
        .reason;
    assert!(line.contains("Environment Admin (custom)"), "{line}");
}

#[test]
fn holders_mean_one_thing_groups_included_even_empty_ones() {
    let g = Graph::build(demo());
    for r in 0..g.roles.len() {
        let r = RoleIx(r as u32);
        let h = Holders::of_role(&g, r);
        let c = h.counts(&g);
        // Every assignment's principal is a holder, groups included.
        for &a in g.role_assignments(r) {
            let principal = g.assignment(a).principal;
            assert!(
                h.holdings.iter().any(|x| x.assignment() == a
                    && match (*x, principal) {
                        (
                            Holding::User {
                                user, via: None, ..
                            },
                            Principal::User(p),
                        ) => user == p,
                        (Holding::Group { group, .. }, Principal::Group(p)) => group == p,
                        (Holding::App { app, .. }, Principal::App(p)) => app == p,
                        (Holding::Gateway { gateway, .. }, Principal::Gateway(p)) => gateway == p,
                        _ => false,
                    }),
                "{} misses a principal",
                g.role(r).name
            );
        }
        let groups = h
            .holdings
            .iter()
            .filter(|x| matches!(x, Holding::Group { .. }))
            .count();
        assert_eq!(c.groups, groups);
    }
    // The organisation's admin group has no member: a latent privilege, still a holder.
    let org_admin = g.find_role("Organization Admin").expect("role");
    let h = Holders::of_role(&g, org_admin);
    let empty = h.holdings.iter().find_map(|x| match *x {
        Holding::Group { group, .. } if g.group_users(group).is_empty() => Some(group),
        _ => None,
    });
    assert!(
        empty.is_some(),
        "an empty admin group holds Organization Admin"
    );
    assert!(
        h.counts(&g).summary().contains("1 group"),
        "{}",
        h.counts(&g).summary()
    );
}

fn opts() -> AuditOptions {
    AuditOptions {
        now_millis: super::DEMO_NOW_MILLIS,
        stale_days: AuditOptions::DEFAULT_STALE_DAYS,
        grace_days: AuditOptions::DEFAULT_GRACE_DAYS,
    }
}

#[test]
fn scope_types_are_kept_as_text_and_shown() {
    let mut s = demo();
    let gid = s.groups[0].id.clone();
    let gname = s.groups[0].name.clone();
    let role = s.roles[0].id.clone();
    let user = &mut s.users[0];
    let list = user.role_assignments.get_or_insert_with(Vec::new);
    let mut add = |kind: &str, id: &Id| {
        list.push(
            serde_json::from_value(serde_json::json!({
                "id": format!("ra-{kind}"),
                "role": {"id": role.to_string()},
                "scope": {"type": kind, "id": id.to_string()},
            }))
            .expect("a role assignment"),
        );
    };
    add("GROUP", &gid);
    add("SOMETHING_NEW", &gid);
    let g = Graph::build(s);
    let a = Access::compute(&g, UserIx(0));
    let labels: Vec<String> = a
        .roles
        .iter()
        .map(|r| g.scope_label(&g.assignment(r.assignment).raw.scope))
        .collect();
    assert!(labels.contains(&format!("group {gname}")), "{labels:?}");
    assert!(
        labels.iter().any(|l| l.starts_with("something_new ")),
        "{labels:?}"
    );
}
