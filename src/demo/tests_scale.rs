//! Determinism, well-formedness at other sizes, and the large-environment budget.

use std::collections::HashSet;
use std::time::Instant;

use super::names_of_note as named;
use super::people_of_note as who;
use super::tests::{all_assignments, check_dynamic_filters, check_memberships, depth_and_cycle};
use super::*;
use crate::model::{Graph, Snapshot};

fn bytes(s: &Snapshot) -> Vec<u8> {
    let mut out = Vec::new();
    s.to_writer(&mut out).unwrap();
    out
}

#[test]
fn generation_is_deterministic() {
    let a = generate(&Params::demo());
    let b = generate(&Params::demo());
    assert_eq!(a, b);
    assert_eq!(bytes(&a), bytes(&b));
    let c = generate(&Params::sized(480, 80, 36, DEMO_SEED + 1));
    assert_ne!(a.users, c.users, "another seed gives other people");
    // The fixed people are the same at every seed and size.
    for (x, y) in a.users.iter().zip(&c.users).take(19) {
        assert_eq!(x.username, y.username);
    }
}

/// Every id is unique; every reference resolves, except the deliberate ones.
fn check_well_formed(s: &Snapshot) {
    let mut ids = HashSet::new();
    let all = s
        .users
        .iter()
        .map(|u| &u.id)
        .chain(s.groups.iter().map(|g| &g.id))
        .chain(s.applications.iter().map(|a| &a.id))
        .chain(s.roles.iter().map(|r| &r.id))
        .chain(s.populations.iter().map(|p| &p.id))
        .chain(s.environment.id.iter());
    for id in all {
        assert!(ids.insert(id.clone()), "duplicate id {id}");
    }
    let assignments = all_assignments(s);
    for (_, a) in &assignments {
        assert!(ids.insert(a.id.clone()), "duplicate assignment id {}", a.id);
    }
    let groups: HashSet<&Id> = s.groups.iter().map(|g| &g.id).collect();
    for u in &s.users {
        assert!(u.memberships.is_some() && u.role_assignments.is_some());
        for m in u.memberships.iter().flatten() {
            assert!(groups.contains(&m.id));
        }
    }
    for g in &s.groups {
        for p in g.parent_groups.as_ref().expect("parents read") {
            assert!(groups.contains(&p.id));
        }
    }
    let dangling = s
        .applications
        .iter()
        .inspect(|a| assert!(a.role_assignments.is_some()))
        .flat_map(|a| a.access_control.iter().flat_map(|c| c.group.iter()))
        .flat_map(|g| g.groups.iter())
        .filter(|r| !groups.contains(&r.id))
        .count();
    assert_eq!(dangling, 1, "only the deliberately deleted group dangles");
    let roles: HashSet<&Id> = s.roles.iter().map(|r| &r.id).collect();
    let unresolved = assignments
        .iter()
        .filter(|(_, a)| !roles.contains(&a.role.id))
        .count();
    assert_eq!(unresolved, 1, "only the foreign custom role is unresolved");
    assert!(s.coverage.incomplete().is_empty());
    let (depth, cycle) = depth_and_cycle(s);
    assert!(depth >= 4 && cycle, "depth {depth}, cycle {cycle}");
    assert!(
        s.applications
            .iter()
            .any(|a| a.name == named::OPEN_APP && a.access_control.is_none()),
        "an app open to everyone"
    );
    check_memberships(s);
    check_dynamic_filters(s);
    let graph = Graph::build(s.clone());
    assert!(graph.warnings.is_empty(), "{:?}", graph.warnings);
    assert!(graph.find_user(who::DEEP_NESTING).is_some());
}

#[test]
fn sized_environment_is_well_formed() {
    let s = generate(&Params::sized(2000, 200, 50, 7));
    assert_eq!(
        (s.users.len(), s.groups.len(), s.applications.len()),
        (2000, 200, 50)
    );
    assert_eq!(s.populations.len(), 4);
    let total: u64 = s.populations.iter().filter_map(|p| p.user_count).sum();
    assert_eq!(total, 2000);
    check_well_formed(&s);
}

#[test]
fn the_demo_is_well_formed_too() {
    check_well_formed(&generate(&Params::demo()));
}

#[test]
fn more_groups_keep_generated_cycles_and_deeper_squads() {
    let s = generate(&Params::sized(3000, 1500, 120, 11));
    check_well_formed(&s);
    // Cycles among generated squads, beyond the curated ones.
    let parents = super::tests::parent_index(&s);
    let core = generate(&Params::sized(1, 1, 1, 11)).groups.len();
    let generated_cycle = (core..parents.len()).any(|g| {
        super::tests::ancestors(&parents, g)
            .iter()
            .any(|a| a.0 == g)
    });
    assert!(generated_cycle);
    let with_extra_pops = generate(&Params {
        populations: 6,
        ..Params::sized(500, 100, 40, 3)
    });
    assert_eq!(with_extra_pops.populations.len(), 6);
    check_well_formed(&with_extra_pops);
}

#[test]
fn tiny_sizes_are_raised_to_the_core() {
    let s = generate(&Params::sized(0, 0, 0, 1));
    assert_eq!(s.users.len(), 19, "the fixed people");
    assert!(s.groups.len() >= 60);
    assert_eq!(s.applications.len(), 37);
    check_well_formed(&s);
}

/// `cargo test --release --lib demo::tests_scale::large -- --ignored --nocapture`
#[test]
#[ignore = "timing: run in release"]
fn large_environment_generates_quickly() {
    let t = Instant::now();
    let s = generate(&Params::sized(100_000, 5_000, 1_000, 1));
    let took = t.elapsed();
    let memberships: usize = s
        .users
        .iter()
        .map(|u| u.memberships.as_ref().map_or(0, Vec::len))
        .sum();
    let (depth, cycle) = depth_and_cycle(&s);
    println!(
        "100k users, {} groups, {} apps in {took:?}; {memberships} memberships ({:.1}/user), depth {depth}, cycle {cycle}",
        s.groups.len(),
        s.applications.len(),
        memberships as f64 / s.users.len() as f64
    );
    assert!(depth >= 4 && cycle);
    let t = Instant::now();
    let graph = Graph::build(s);
    println!("graph built in {:?}", t.elapsed());
    assert!(graph.warnings.is_empty());
}
