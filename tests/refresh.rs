//! Refreshing a stored snapshot from the audit log (issue 13), against the mock: a month of
//! changes applied to the served data with the events PingOne would record (naming only what
//! was changed directly, never the users whose INDIRECT memberships follow), then a refresh of
//! the first load equals a full load of the changed environment, entity for entity; and every
//! condition that cannot be trusted falls back to a full load, saying why.

mod support;

use std::collections::{BTreeMap, HashMap, HashSet};

use pingscope::demo::{Params, generate, later};
use pingscope::model::*;
use pingscope::pingone;
use pingscope::pingone::loader::Done;
use pingscope::pingone::refresh::*;
use serde_json::Value;
use support::mock::{self, Forbidden, MockPingOne};

#[path = "support/audit.rs"]
mod audit;
use audit::*;

/// The events PingOne would record between `a` and `b`: every entity changed directly (its own
/// fields, its DIRECT memberships with the group, its nesting, its role assignments), created or
/// deleted. Users whose INDIRECT memberships changed through nesting are not named.
fn events_between(a: &Snapshot, b: &Snapshot, at: i64) -> Vec<Value> {
    fn direct(u: &User) -> Vec<Id> {
        let mut v: Vec<Id> = u
            .memberships
            .iter()
            .flatten()
            .filter(|m| m.kind == MembershipKind::Direct)
            .map(|m| m.id.clone())
            .collect();
        v.sort();
        v
    }
    fn own(u: &User) -> User {
        let mut u = u.clone();
        u.memberships = None;
        u
    }
    let mut out = Vec::new();
    let users_a: BTreeMap<&Id, &User> = a.users.iter().map(|u| (&u.id, u)).collect();
    let users_b: BTreeMap<&Id, &User> = b.users.iter().map(|u| (&u.id, u)).collect();
    for (id, u) in &users_b {
        match users_a.get(id) {
            None => out.push(event(at, "USER.CREATED", &[("USER", id)], true)),
            Some(old) => {
                if own(old) != own(u) {
                    out.push(event(at, "USER.UPDATED", &[("USER", id)], true));
                }
                let (x, y) = (direct(old), direct(u));
                for g in y.iter().filter(|g| !x.contains(g)) {
                    out.push(event(
                        at,
                        "GROUP_MEMBERSHIP.ADDED",
                        &[("USER", id), ("GROUP", g)],
                        true,
                    ));
                }
                for g in x.iter().filter(|g| !y.contains(g)) {
                    out.push(event(
                        at,
                        "GROUP_MEMBERSHIP.REMOVED",
                        &[("USER", id), ("GROUP", g)],
                        true,
                    ));
                }
            }
        }
    }
    for id in users_a.keys().filter(|id| !users_b.contains_key(*id)) {
        out.push(event(at, "USER.DELETED", &[("USER", id)], true));
    }
    let named =
        |kind: &str, xs: Vec<(&Id, String)>, ys: Vec<(&Id, String)>, out: &mut Vec<Value>| {
            let xs: BTreeMap<&Id, String> = xs.into_iter().collect();
            let ys: BTreeMap<&Id, String> = ys.into_iter().collect();
            let ids: HashSet<&&Id> = xs.keys().chain(ys.keys()).collect();
            for id in ids {
                if xs.get(*id) != ys.get(*id) {
                    out.push(event(at, &format!("{kind}.UPDATED"), &[(kind, id)], true));
                }
            }
        };
    let text = |v: &dyn erased::Ser| v.json();
    named(
        "GROUP",
        a.groups.iter().map(|g| (&g.id, text(g))).collect(),
        b.groups.iter().map(|g| (&g.id, text(g))).collect(),
        &mut out,
    );
    named(
        "APPLICATION",
        a.applications.iter().map(|g| (&g.id, text(g))).collect(),
        b.applications.iter().map(|g| (&g.id, text(g))).collect(),
        &mut out,
    );
    named(
        "GATEWAY",
        a.gateways.iter().map(|g| (&g.id, text(g))).collect(),
        b.gateways.iter().map(|g| (&g.id, text(g))).collect(),
        &mut out,
    );
    // What pingscope does not model, and a failed attempt: both change nothing.
    let policy = Id::new("5e1f0000-0000-4000-8000-000000000001");
    out.push(event(
        at,
        "SIGN_ON_POLICY.UPDATED",
        &[("SIGN_ON_POLICY", &policy)],
        true,
    ));
    if let Some(u) = b.users.first() {
        out.push(event(at, "USER.DELETED", &[("USER", &u.id)], false));
    }
    out
}

mod erased {
    /// Any entity as its JSON text (what differs between two looks).
    pub trait Ser {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Ser for T {
        fn json(&self) -> String {
            serde_json::to_string(self).unwrap_or_default()
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_after_a_month_of_changes_equals_a_full_load() {
    let mut incremental = 0;
    for seed in [1u64, 2, 3, 4] {
        let base = generate(&Params::sized(400, 0, 0, seed));
        let m = mock::start(base.clone(), config()).await;
        let c = client(&m);
        let stored = pingone::load(&c, &|_| {}).await.unwrap();
        let next = later(&base, seed);
        let at = now_ms();
        m.replace(next.clone(), events_between(&base, &next, at));
        // Run as if two minutes later (the newest events are left for late arrivals).
        let before = m.counters().requests;
        let (refreshed, outcome) = refresh(&c, &|_| {}, &stored, at + 120_000).await.unwrap();
        let spent = m.counters().requests - before;
        let before = m.counters().requests;
        let full = pingone::load(&c, &|_| {}).await.unwrap();
        let full_cost = m.counters().requests - before;
        match outcome {
            Outcome::Incremental(summary) => {
                incremental += 1;
                assert_eq!(summary.unknown_types, ["SIGN_ON_POLICY"]);
                assert!(summary.users > 0 && summary.groups > 0, "{summary:?}");
                assert!(
                    spent < full_cost,
                    "seed {seed}: {spent} vs {full_cost} requests"
                );
            }
            // A month in a 400-person company can reach most of it (a big group re-nested).
            Outcome::Full(reason) => assert!(reason.contains("a full load costs"), "{reason}"),
        }
        assert_same(refreshed, full);
    }
    assert!(
        incremental >= 2,
        "{incremental} of 4 refreshes were incremental"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_working_day_refreshes_in_a_fraction_of_a_full_load() {
    let base = generate(&Params::sized(1500, 0, 0, 21));
    let m = mock::start(base.clone(), config()).await;
    let c = client(&m);
    let stored = pingone::load(&c, &|_| {}).await.unwrap();
    // Ten people join a top-level team (a DIRECT membership each) and one is disabled.
    let mut next = base.clone();
    let groups: Vec<Id> = next
        .groups
        .iter()
        .filter(|g| g.user_filter.is_none())
        .filter(|g| g.parent_groups.as_ref().is_none_or(Vec::is_empty))
        .map(|g| g.id.clone())
        .collect();
    for (k, u) in next.users.iter_mut().step_by(150).take(10).enumerate() {
        let g = groups[k % groups.len()].clone();
        let ms = u.memberships.get_or_insert_with(Vec::new);
        if !ms.iter().any(|m| m.id == g) {
            ms.push(Membership {
                id: g,
                kind: MembershipKind::Direct,
            });
        }
    }
    next.users[7].enabled = false;
    let at = now_ms();
    m.replace(next.clone(), events_between(&base, &next, at));
    let before = m.counters();
    let (refreshed, outcome) = refresh(&c, &|_| {}, &stored, at + 120_000).await.unwrap();
    let used = m.counters().minus(&before);
    let spent = used.requests;
    let Outcome::Incremental(summary) = &outcome else {
        panic!("{outcome:?}")
    };
    assert!(summary.users <= 11, "{summary:?}");
    // What is read ahead (while the collections are read) is read once: its stage takes it.
    assert_eq!(used.user_member_of_groups, summary.users as u64);
    assert_eq!(used.user_role_assignments, summary.users as u64);
    assert_eq!(used.group_role_assignments, summary.groups as u64);
    let before = m.counters();
    let full = pingone::load(&c, &|_| {}).await.unwrap();
    let full_used = m.counters().minus(&before);
    let full_cost = full_used.requests;
    // The groups are listed once: the load takes the listing the check of the named groups read.
    assert_eq!(used.groups_list, full_used.groups_list);
    assert!(
        spent * 10 < full_cost,
        "refresh {spent} vs full {full_cost} requests"
    );
    assert_same(refreshed, full);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_cannot_be_trusted_falls_back_to_a_full_load() {
    let base = generate(&Params::sized(200, 0, 0, 5));
    let m = mock::start(base.clone(), config()).await;
    let c = client(&m);
    let stored = pingone::load(&c, &|_| {}).await.unwrap();
    let now = now_ms() + 120_000;

    // Older than the audit log keeps.
    let mut old = stored.clone();
    old.meta.taken_at = Timestamp::from_millis(now - 15 * 24 * 3600 * 1000);
    let (s, outcome) = refresh(&c, &|_| {}, &old, now).await.unwrap();
    assert!(
        matches!(&outcome, Outcome::Full(r) if r.contains("14 days")),
        "{outcome:?}"
    );
    assert_same(s, stored.clone());

    // A role assignment the snapshot does not know, its holder not named.
    let unknown = Id::new("aaaaaaaa-0000-4000-8000-000000000001");
    m.replace(
        base.clone(),
        vec![event(
            now_ms(),
            "ROLE_ASSIGNMENT.CREATED",
            &[("ROLE_ASSIGNMENT", &unknown)],
            true,
        )],
    );
    let (_, outcome) = refresh(&c, &|_| {}, &stored, now).await.unwrap();
    assert!(
        matches!(&outcome, Outcome::Full(r) if r.contains("role assignment")),
        "{outcome:?}"
    );

    // The worker may not read the audit log.
    m.update_config(|c| c.forbidden.push(Forbidden::AuditLog));
    let (s, outcome) = refresh(&c, &|_| {}, &stored, now).await.unwrap();
    assert!(
        matches!(&outcome, Outcome::Full(r) if r.contains("audit log")),
        "{outcome:?}"
    );
    assert_same(s, stored.clone());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_events_reads_only_the_collections_and_deleted_entities_go() {
    let base = generate(&Params::sized(300, 0, 0, 8));
    let m = mock::start(base.clone(), config()).await;
    let c = client(&m);
    let stored = pingone::load(&c, &|_| {}).await.unwrap();
    let before = m.counters().requests;
    let (same, outcome) = refresh(&c, &|_| {}, &stored, now_ms() + 120_000)
        .await
        .unwrap();
    let spent = m.counters().requests - before;
    assert!(matches!(&outcome, Outcome::Incremental(s) if s.users == 0 && s.groups == 0));
    assert_same(same, stored.clone());
    // A few pages of collections: nothing per entity.
    assert!(spent < 40, "{spent} requests");

    // An event recorded outside the window (an hour before the stored snapshot) is not read.
    let early = stored.meta.taken_at.millis().unwrap() - 3600 * 1000;
    let u = base.users[5].id.clone();
    m.replace(
        base.clone(),
        vec![event(early, "USER.UPDATED", &[("USER", &u)], true)],
    );
    let (_, outcome) = refresh(&c, &|_| {}, &stored, now_ms() + 120_000)
        .await
        .unwrap();
    assert!(
        matches!(&outcome, Outcome::Incremental(s) if s.events == 0 && s.users == 0),
        "{outcome:?}"
    );

    // A user deleted (named by its event), outside any group.
    let mut next = base.clone();
    let gone = next.users.remove(3).id;
    let at = now_ms();
    m.replace(
        next.clone(),
        vec![event(at, "USER.DELETED", &[("USER", &gone)], true)],
    );
    let (refreshed, _) = refresh(&c, &|_| {}, &stored, at + 120_000).await.unwrap();
    assert!(refreshed.users.iter().all(|u| u.id != gone));
    let full = pingone::load(&c, &|_| {}).await.unwrap();
    assert_same(refreshed, full);
}

// The plan alone (pure): windows, events that change nothing, what a named entity reaches.

fn ev(id: &str, ok: bool, res: &[(&str, &Id)]) -> Activity {
    Activity {
        id: id.into(),
        action: "X".into(),
        success: ok,
        resources: res
            .iter()
            .map(|(t, i)| ((*t).into(), (*i).clone()))
            .collect(),
        actor: None,
    }
}

fn demo() -> Snapshot {
    generate(&Params::demo())
}

#[test]
fn the_window_starts_before_the_snapshot_and_stops_before_now() {
    let day = 24 * 3600 * 1000;
    let (from, to) = window(100 * day, 101 * day).unwrap();
    assert_eq!((from, to), (100 * day - MARGIN_MS, 101 * day - LAG_MS));
    assert!(
        window(100 * day, 115 * day)
            .unwrap_err()
            .contains("15 days old")
    );
}

#[test]
fn failed_repeated_and_unknown_events_change_nothing() {
    let s = demo();
    let u = s.users[0].id.clone();
    let policy = Id::new("p-1");
    let events = [
        ev("1", false, &[("USER", &u)]),
        ev("2", true, &[("SIGN_ON_POLICY", &policy)]),
        ev("2", true, &[("SIGN_ON_POLICY", &policy)]),
    ];
    let Plan::Incremental {
        prior,
        summary,
        ahead,
        ..
    } = plan(&s, &events, None)
    else {
        panic!("full")
    };
    assert!(ahead.is_empty(), "{ahead:?}");
    assert_eq!(summary.events, 1);
    assert_eq!(summary.unknown_types, ["SIGN_ON_POLICY"]);
    assert_eq!((summary.users, summary.groups), (0, 0));
    // Every stored per-entity read is kept.
    assert_eq!(prior.count(Stage::UserMemberships), s.users.len());
}

#[test]
fn a_named_user_group_or_assignment_is_read_again() {
    let s = demo();
    let u = s.users[0].id.clone();
    let Plan::Incremental {
        prior,
        summary,
        ahead,
        ..
    } = plan(&s, &[ev("1", true, &[("user", &u)])], None)
    else {
        panic!("full")
    };
    assert_eq!(summary.users, 1);
    // Her two reads are made while the collections are read.
    assert_eq!(
        ahead,
        [
            (Stage::UserMemberships, u.clone()),
            (Stage::UserRoleAssignments, u.clone())
        ]
    );
    assert_eq!(prior.count(Stage::UserMemberships), s.users.len() - 1);
    // A group re-nested: every member of it is read again, and its children's parents.
    let members_of = |g: &Group| {
        s.users
            .iter()
            .filter(|u| u.memberships.iter().flatten().any(|m| m.id == g.id))
            .count()
    };
    // The smallest team (a big group's members would make a full load cheaper).
    let g = s
        .groups
        .iter()
        .filter(|g| g.user_filter.is_none() && members_of(g) > 0)
        .min_by_key(|g| members_of(g))
        .unwrap();
    let members = members_of(g);
    let reach = Checked {
        reach: HashSet::from([g.id.clone()]),
        ..Checked::default()
    };
    let events = [ev("2", true, &[("GROUP", &g.id)])];
    let Plan::Incremental { summary, .. } = plan(&s, &events, Some(&reach)) else {
        panic!("full")
    };
    assert_eq!(summary.users, members);
    // The same group named by a membership event only: no member is read again; the parents
    // read while checking it are kept, only its role assignments are asked again.
    let fresh = vec![Ref::new("a-parent")];
    let checked = Checked {
        parents: HashMap::from([(g.id.clone(), fresh.clone())]),
        ..Checked::default()
    };
    let Plan::Incremental {
        summary,
        prior,
        ahead,
        ..
    } = plan(&s, &events, Some(&checked))
    else {
        panic!("full")
    };
    // Only its role assignments are read again (ahead of their stage).
    assert_eq!(ahead, [(Stage::GroupRoleAssignments, g.id.clone())]);
    assert_eq!(summary.users, 0);
    assert_eq!((summary.groups, summary.nesting_known), (1, 1));
    assert_eq!(summary.requests(), 1);
    assert_eq!(
        prior.done(Stage::GroupNesting, &g.id),
        Some(&Done::Parents(fresh))
    );
    assert_eq!(prior.done(Stage::GroupRoleAssignments, &g.id), None);
    // A known assignment: its holder; an unknown one without a holder: a full load.
    let holder = s
        .users
        .iter()
        .find(|u| u.role_assignments.as_ref().is_some_and(|r| !r.is_empty()))
        .unwrap();
    let a = holder.role_assignments.as_ref().unwrap()[0].id.clone();
    let Plan::Incremental { summary, .. } =
        plan(&s, &[ev("3", true, &[("ROLE_ASSIGNMENT", &a)])], None)
    else {
        panic!("full")
    };
    assert_eq!(summary.users, 1);
    let unknown = Id::new("nobody-knows");
    assert!(matches!(
        plan(&s, &[ev("4", true, &[("ROLE_ASSIGNMENT", &unknown)])], None),
        Plan::Full(r) if r.contains("does not hold")
    ));
}

#[test]
fn events_reaching_most_of_the_environment_mean_a_full_load() {
    let s = demo();
    let events: Vec<Activity> = s
        .users
        .iter()
        .enumerate()
        .map(|(i, u)| ev(&i.to_string(), true, &[("USER", &u.id)]))
        .collect();
    assert!(matches!(plan(&s, &events, None), Plan::Full(r) if r.contains("a full load costs")));
}

#[test]
fn an_event_without_an_id_is_refused_and_types_are_read_in_any_case() {
    let v = serde_json::json!({
        "id": "e1", "action": {"type": "USER.UPDATED"}, "result": {"status": "success"},
        "resources": [{"type": "user", "id": "u1"}, {"type": "GROUP"}]
    });
    let a = parse_activity(&v).unwrap();
    assert!(a.success);
    assert_eq!(a.resources, [("USER".to_owned(), Id::new("u1"))]);
    assert!(parse_activity(&serde_json::json!({"action": {}})).is_none());
}

fn pingscope(m: &MockPingOne, dir: &std::path::Path, args: &[&str]) -> Value {
    let out = m
        .command(CLIENT_ID, SECRET, dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

#[test]
fn the_refresh_command_refreshes_stores_and_says_how() {
    let base = generate(&Params::sized(600, 0, 0, 31));
    let m = MockPingOne::spawn_blocking(base.clone(), config());
    let dir = tempfile::tempdir().unwrap();
    // The first look has nothing stored: a full load, saying so.
    let v = pingscope(&m, dir.path(), &["refresh", "--json"]);
    assert_eq!(v["mode"], "full");
    assert!(v["reason"].as_str().unwrap().contains("no stored snapshot"));
    assert!(v["changes"].is_null());
    // A few people change teams; the refresh reads only them again.
    let mut next = base.clone();
    let team = next
        .groups
        .iter()
        .find(|g| g.user_filter.is_none())
        .unwrap()
        .id
        .clone();
    for u in next.users.iter_mut().step_by(100).take(4) {
        let ms = u.memberships.get_or_insert_with(Vec::new);
        ms.retain(|m| m.id != team);
        ms.push(Membership {
            id: team.clone(),
            kind: MembershipKind::Direct,
        });
    }
    let at = now_ms() - 5 * 60 * 1000;
    m.replace(next.clone(), events_between(&base, &next, at));
    let v = pingscope(&m, dir.path(), &["refresh", "--json"]);
    assert_eq!(v["mode"], "incremental", "{v}");
    assert!(v["reread"]["users"].as_u64().unwrap() <= 4, "{v}");
    assert!(v["events"].as_u64().unwrap() >= 4);
    assert!(v["stored"].is_string());
    // Its provenance says it is a refresh, and of which snapshot (the one stored before it).
    let newest = pingscope(&m, dir.path(), &["--snapshot", "@1", "stats", "--json"]);
    let before = pingscope(&m, dir.path(), &["--snapshot", "@2", "stats", "--json"]);
    assert_eq!(newest["refreshedFrom"], before["takenAt"], "{newest}");
    assert!(
        before["refreshedFrom"].is_null(),
        "a full load is no refresh: {before}"
    );
    // The diff against the previous snapshot is part of the summary.
    assert!(
        v["changes"]["gained"].is_u64() && v["changes"]["lost"].is_u64(),
        "{v}"
    );
    let full = pingscope(&m, dir.path(), &["refresh", "--full", "--json"]);
    assert_eq!(full["reason"], "--full");
    assert!(
        full["requests"].as_u64().unwrap() > 5 * v["requests"].as_u64().unwrap(),
        "{full} vs {v}"
    );
    // Without the audit log: a full load, and why.
    m.update_config(|c| c.forbidden.push(Forbidden::AuditLog));
    let v = pingscope(&m, dir.path(), &["refresh", "--json"]);
    assert_eq!(v["mode"], "full");
    assert!(v["reason"].as_str().unwrap().contains("audit log"), "{v}");
    // Three stored snapshots now: `snapshots` lists them.
    let listed = pingscope(&m, dir.path(), &["snapshots", "--json"]);
    assert!(listed.as_array().is_some_and(|a| a.len() >= 3), "{listed}");
}
