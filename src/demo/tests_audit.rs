//! The audit lenses find the demo's designed problems, and only people who have them.

use super::people_of_note as who;
use super::tests::demo;
use super::{DEMO_NOW_MILLIS, names_of_note as named};
use crate::model::Graph;
use crate::model::audit::{AuditOptions, Lens, report, run};
use crate::model::{Kind, Target};

const OPTS: AuditOptions = AuditOptions {
    now_millis: DEMO_NOW_MILLIS,
    stale_days: AuditOptions::DEFAULT_STALE_DAYS,
    grace_days: AuditOptions::DEFAULT_GRACE_DAYS,
};

fn users(g: &Graph, lens: Lens) -> Vec<String> {
    run(g, lens, &OPTS)
        .into_iter()
        .map(|f| {
            assert_eq!(f.target.kind, Kind::User, "{lens:?} lists users");
            assert!(!f.reason.is_empty());
            g.users[f.target.ix as usize].username.to_string()
        })
        .collect()
}

fn has(list: &[String], name: &str) -> bool {
    list.iter().any(|n| n == name)
}

#[test]
fn privileged_lenses_find_the_designed_admins() {
    let g = Graph::build(demo());
    let privileged = users(&g, Lens::Privileged);
    for name in [
        who::ADMIN_VIA_GROUP,
        who::DISABLED_WITH_ROLE,
        who::LOCKED_ADMIN_NO_MFA,
        who::ORG_ADMIN,
        who::APP_OWNER,
        who::POPULATION_ADMIN,
        who::CUSTOM_ROLE_LOOKALIKE,
    ] {
        assert!(has(&privileged, name), "{name} is privileged");
    }
    assert!(!has(&privileged, who::GOOGLE_CUSTOMER));
    // Every privileged user really holds an assignment, directly or through a group they reach.
    for f in run(&g, Lens::Privileged, &OPTS) {
        let u = crate::model::UserIx(f.target.ix);
        let access = crate::model::Access::compute(&g, u);
        assert!(
            !access.roles.is_empty(),
            "{} holds a role",
            g.user(u).username
        );
    }

    let via_group = users(&g, Lens::AdminViaGroupOnly);
    assert!(has(&via_group, who::ADMIN_VIA_GROUP));
    assert!(
        !has(&via_group, who::LOCKED_ADMIN_NO_MFA),
        "holds a direct role"
    );
    for name in &via_group {
        let u = g.find_user(name).unwrap_or_else(|| panic!("{name}"));
        assert!(
            g.user_assignments(u).is_empty(),
            "{name} has no direct role"
        );
    }

    let inactive = users(&g, Lens::InactiveWithRoles);
    assert!(has(&inactive, who::DISABLED_WITH_ROLE));
    assert!(has(&inactive, who::LOCKED_ADMIN_NO_MFA));
    assert!(!has(&inactive, who::ORG_ADMIN));
    for name in &inactive {
        let u = g.user(g.find_user(name).unwrap_or_else(|| panic!("{name}")));
        assert!(!u.enabled || u.is_locked(), "{name}");
    }

    let weak = users(&g, Lens::PrivilegedWeak);
    assert!(has(&weak, who::LOCKED_ADMIN_NO_MFA));
    assert!(weak.iter().all(|n| has(&privileged, n)));
    assert!(weak.len() < privileged.len(), "not every admin is weak");
}

#[test]
fn user_hygiene_lenses_list_only_enabled_users_with_the_problem() {
    let g = Graph::build(demo());
    let stale = users(&g, Lens::Stale);
    // Jonas never signed on, but his account is five days old: within the grace period.
    assert!(!has(&stale, who::NEVER_SIGNED_ON));
    assert!(stale.iter().any(|n| {
        g.user(g.find_user(n).unwrap())
            .last_sign_on_millis()
            .is_none()
    }));
    let limit = DEMO_NOW_MILLIS - 90 * 86_400_000;
    for name in &stale {
        let u = g.user(g.find_user(name).unwrap_or_else(|| panic!("{name}")));
        assert!(u.enabled);
        assert!(
            u.last_sign_on_millis().is_none_or(|at| at < limit),
            "{name}"
        );
    }
    let fresh = g.users.iter().filter(|u| u.enabled).count() - stale.len();
    assert!(fresh > 0, "some users signed on recently");

    let no_mfa = users(&g, Lens::NoMfa);
    assert!(!no_mfa.is_empty());
    for name in &no_mfa {
        let u = g.user(g.find_user(name).unwrap_or_else(|| panic!("{name}")));
        assert_eq!(u.mfa_enabled, Some(false), "{name}");
        assert!(u.enabled);
    }
    // Olga is locked but enabled with MFA off: she is listed.
    assert!(has(&no_mfa, who::LOCKED_ADMIN_NO_MFA));
}

#[test]
fn application_lenses_find_open_apps_and_non_human_admins() {
    let g = Graph::build(demo());
    let open = run(&g, Lens::OpenApps, &OPTS);
    assert!(!open.is_empty());
    for f in &open {
        assert_eq!(f.target.kind, Kind::App);
        let a = f.target.ix as usize;
        assert!(
            g.apps[a].enabled && g.app_policies[a].is_open(),
            "{}",
            g.apps[a].name
        );
        assert!(!g.apps[a].nobody_signs_on(), "nobody signs on to it");
    }
    let expected_open = (0..g.apps.len())
        .filter(|&a| {
            g.apps[a].enabled && !g.apps[a].nobody_signs_on() && g.app_policies[a].is_open()
        })
        .count();
    assert_eq!(open.len(), expected_open);
    let console = g.find_app(named::ADMIN_CONSOLE).expect("console");
    assert!(!open.iter().any(|f| f.target == Target::from(console)));
    // A SERVICE app with client credentials only has no rule, yet admits nobody: not "open".
    let billing = g.find_app(named::CLIENT_ONLY_SERVICE).expect("billing");
    assert!(!open.iter().any(|f| f.target == Target::from(billing)));

    let admins = run(&g, Lens::NonHumanAdmins, &OPTS);
    assert!(admins.iter().any(|f| f.target.kind == Kind::App));
    let pf = admins
        .iter()
        .find(|f| f.target.kind == Kind::Gateway && g.target_name(f.target) == named::PF_GATEWAY)
        .expect("the PingFederate gateway is a non-human admin");
    assert_eq!(pf.reason, "Identity Data Admin at this environment");
    let radius = admins
        .iter()
        .find(|f| g.target_name(f.target) == "VPN RADIUS")
        .expect("a disabled gateway still holding a role is listed");
    assert!(radius.reason.ends_with("; DISABLED"), "{}", radius.reason);
    for f in &admins {
        let held = match f.target.kind {
            Kind::App => g.app_assignments(crate::model::AppIx(f.target.ix)),
            _ => g.gateway_assignments(crate::model::GatewayIx(f.target.ix)),
        };
        assert!(!held.is_empty());
        assert!(f.reason.contains(" at "), "names the scope: {}", f.reason);
    }
    // One role at two scopes reads as two grants, each with its scope.
    let hris = g.find_app("HRIS Sync").expect("hris");
    let line = &admins
        .iter()
        .find(|f| f.target == Target::from(hris))
        .expect("hris")
        .reason;
    assert_eq!(
        line,
        "Identity Data Admin at population Contractors; Identity Data Admin at population Employees"
    );
}

#[test]
fn lens_keys_round_trip_and_reports_name_their_gaps() {
    for lens in Lens::ALL {
        assert_eq!(Lens::from_key(lens.key()), Some(lens));
    }
    assert_eq!(Lens::from_key("nope"), None);
    let mut snap = demo();
    snap.coverage.set(
        crate::model::Stage::UserRoleAssignments,
        crate::model::StageState::Partial,
        10,
        Some(20),
    );
    let g = Graph::build(snap);
    let r = report(&g, Lens::Privileged, &OPTS);
    assert!(
        r.incomplete.iter().any(|s| s.contains("not fully read")),
        "{:?}",
        r.incomplete
    );
    assert!(report(&g, Lens::OpenApps, &OPTS).incomplete.is_empty());
}

#[test]
fn new_accounts_get_a_grace_period_and_the_stale_lens_lists_the_stalest_first() {
    let mut snap = demo();
    // A user created five days before "now", who never signed on.
    let newcomer = snap
        .users
        .iter_mut()
        .find(|u| u.enabled && u.last_sign_on.is_none())
        .expect("someone never signed on");
    newcomer.created_at = Some(crate::model::Timestamp::from_millis(
        DEMO_NOW_MILLIS - 5 * 86_400_000,
    ));
    let name = newcomer.username.to_string();
    let g = Graph::build(snap);
    assert!(
        !has(&users(&g, Lens::Stale), &name),
        "within the grace period"
    );
    let no_grace = AuditOptions {
        grace_days: 0,
        ..OPTS
    };
    let listed = run(&g, Lens::Stale, &no_grace);
    assert!(
        listed
            .iter()
            .any(|f| g.users[f.target.ix as usize].username.as_str() == name)
    );
    // Never signed on first, then from the oldest sign-on to the newest.
    let ages: Vec<Option<i64>> = run(&g, Lens::Stale, &OPTS)
        .iter()
        .map(|f| f.facts.days_since_sign_on)
        .collect();
    let never = ages.iter().take_while(|a| a.is_none()).count();
    assert!(never > 0 && never < ages.len(), "{ages:?}");
    let days: Vec<i64> = ages[never..].iter().map(|a| a.unwrap()).collect();
    assert!(days.windows(2).all(|w| w[0] >= w[1]), "{days:?}");
    assert!(ages[never..].iter().all(Option::is_some), "{ages:?}");
}

#[test]
fn lens_lines_name_role_scope_and_status_with_structured_facts() {
    let g = Graph::build(demo());
    let found = run(&g, Lens::Privileged, &OPTS);
    let derek = found
        .iter()
        .find(|f| g.users[f.target.ix as usize].username.as_str() == who::DISABLED_WITH_ROLE)
        .expect("derek is privileged");
    assert!(derek.reason.starts_with("disabled; "), "{}", derek.reason);
    assert!(
        derek.reason.contains("Identity Data Admin at "),
        "{}",
        derek.reason
    );
    assert_eq!(derek.facts.flags, ["disabled"]);
    assert!(!derek.facts.assignments.is_empty());
    let priya = found
        .iter()
        .find(|f| g.users[f.target.ix as usize].username.as_str() == who::ADMIN_VIA_GROUP)
        .expect("priya is privileged");
    assert!(!priya.facts.via_groups.is_empty());
    assert!(priya.facts.flags.is_empty());
    // One role at two scopes is two entries, each named with its scope.
    for f in run(&g, Lens::NonHumanAdmins, &OPTS) {
        let scopes = f.reason.matches(" at ").count();
        assert_eq!(scopes, f.facts.assignments.len(), "{}", f.reason);
    }
}

#[test]
fn nesting_cycles_are_a_lens_of_groups() {
    let g = Graph::build(demo());
    let found = run(&g, Lens::NestingCycles, &OPTS);
    assert!(found.len() >= 3, "the demo has a 3-group cycle");
    for f in &found {
        assert_eq!(f.target.kind, Kind::Group);
        let gi = crate::model::GroupIx(f.target.ix);
        assert_eq!(f.facts.cycle, g.cycle_of(gi), "{}", f.reason);
        assert!(
            f.reason.starts_with("in a nesting cycle with "),
            "{}",
            f.reason
        );
    }
    // Nothing else: a graph without cycles gives none.
    let mut snap = demo();
    for grp in &mut snap.groups {
        grp.parent_groups = Some(Vec::new());
    }
    assert!(run(&Graph::build(snap), Lens::NestingCycles, &OPTS).is_empty());
}
