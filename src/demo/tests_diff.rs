//! The diff of two looks at one environment (`model::diff`) against the access computation run
//! on every subject of both: every change reported is real, every real change is reported; and
//! each kind of cause, named.

use std::collections::BTreeSet;

use super::later::derive_indirect;
use super::tests::demo;
use super::{Params, generate, later};
use crate::model::diff::{Change, Diff, Hinge, ItemKind, SubjectKind, diff};
use crate::model::entities::{AccessControl, GroupAccess, GroupRule, MembershipKind};
use crate::model::{Access, AssignIx, Graph, Id, Snapshot};

/// (kind, target id, scope type and id): one thing a subject holds.
type Fact = (ItemKind, Id, Option<(String, Id)>);

fn role_fact(g: &Graph, a: AssignIx) -> Fact {
    let raw = &g.assignment(a).raw;
    (
        ItemKind::Role,
        raw.role.id.clone(),
        Some((raw.scope.kind.as_str().to_owned(), raw.scope.id.clone())),
    )
}

fn user_facts(g: &Graph, id: &Id) -> BTreeSet<Fact> {
    let Some(u) = g.user_by_id(id) else {
        return BTreeSet::new();
    };
    let a = Access::compute(g, u);
    let mut out = BTreeSet::new();
    for r in a.groups.reaches() {
        out.insert((ItemKind::Group, g.group(r.group).id.clone(), None));
    }
    for grant in &a.roles {
        out.insert(role_fact(g, grant.assignment));
    }
    for d in a.admitted() {
        out.insert((ItemKind::Application, g.app(d.app).id.clone(), None));
    }
    out
}

fn own_facts(g: &Graph, kind: SubjectKind, id: &Id) -> BTreeSet<Fact> {
    let assignments = match kind {
        SubjectKind::Application => g.app_by_id(id).map(|a| g.app_assignments(a)),
        SubjectKind::Gateway => g.gateway_by_id(id).map(|x| g.gateway_assignments(x)),
        SubjectKind::User => None,
    };
    assignments
        .unwrap_or(&[])
        .iter()
        .map(|&a| role_fact(g, a))
        .collect()
}

/// Every difference of facts, subject by subject, as (subject, change, fact).
fn expected(old: &Graph, new: &Graph) -> BTreeSet<(SubjectKind, Id, Change, Fact)> {
    let mut out = BTreeSet::new();
    let mut add = |kind, id: &Id, a: BTreeSet<Fact>, b: BTreeSet<Fact>| {
        for f in a.difference(&b) {
            out.insert((kind, id.clone(), Change::Lost, f.clone()));
        }
        for f in b.difference(&a) {
            out.insert((kind, id.clone(), Change::Gained, f.clone()));
        }
    };
    let ids = |v: Vec<&Id>| -> BTreeSet<Id> { v.into_iter().cloned().collect() };
    let users = ids(old.users.iter().chain(&new.users).map(|u| &u.id).collect());
    for id in &users {
        add(
            SubjectKind::User,
            id,
            user_facts(old, id),
            user_facts(new, id),
        );
    }
    let apps = ids(old.apps.iter().chain(&new.apps).map(|a| &a.id).collect());
    for id in &apps {
        let k = SubjectKind::Application;
        add(k, id, own_facts(old, k, id), own_facts(new, k, id));
    }
    let gws = ids(old
        .gateways
        .iter()
        .chain(&new.gateways)
        .map(|a| &a.id)
        .collect());
    for id in &gws {
        let k = SubjectKind::Gateway;
        add(k, id, own_facts(old, k, id), own_facts(new, k, id));
    }
    out
}

fn reported(d: &Diff, old: &Graph, new: &Graph) -> BTreeSet<(SubjectKind, Id, Change, Fact)> {
    d.changes
        .iter()
        .map(|c| {
            let scope = c.scope(old, new).map(|s| (s.kind, s.id));
            let fact = (c.kind, c.target_id(old, new), scope);
            (c.subject, c.subject_id(old, new), c.change, fact)
        })
        .collect()
}

#[test]
fn every_reported_change_is_real_and_every_real_change_is_reported() {
    for seed in 1..=5u64 {
        let base = generate(&Params::sized(300, 90, 40, seed));
        let one = later(&base, seed);
        let two = later(&one, seed + 100);
        for (a, b) in [(&base, &one), (&one, &base), (&base, &two), (&one, &two)] {
            let (old, new) = (Graph::build(a.clone()), Graph::build(b.clone()));
            let d = diff(&old, &new);
            let want = expected(&old, &new);
            assert!(want.len() > 20, "seed {seed}: only {} changes", want.len());
            let got = reported(&d, &old, &new);
            assert_eq!(got.len(), d.changes.len(), "one record per change");
            let missing: Vec<_> = want.difference(&got).take(3).collect();
            let extra: Vec<_> = got.difference(&want).take(3).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "seed {seed}: missing {missing:?}, extra {extra:?}"
            );
            // Every chain starts at its subject and ends at its target, in the right snapshot.
            for c in &d.changes {
                let g = c.side(&old, &new);
                let hops = c.path.hops();
                let (first, last) = (hops.first().map(|h| g.node_id(&h.node)), hops.last());
                assert_eq!(first.as_ref(), Some(&c.subject_id(&old, &new)), "{c:?}");
                assert_eq!(
                    last.map(|h| g.node_id(&h.node)).as_ref(),
                    Some(&c.target_id(&old, &new))
                );
            }
        }
    }
}

#[test]
fn the_same_snapshot_twice_differs_in_nothing() {
    let g = Graph::build(demo());
    let d = diff(&g, &Graph::build(demo()));
    assert!(d.changes.is_empty(), "{:?}", d.changes.first());
    assert!(d.entities.is_empty());
}

/// The demo and a copy changed by `edit`, as graphs, with their diff.
fn edited(edit: impl FnOnce(&mut Snapshot)) -> (Graph, Graph, Diff) {
    let old = demo();
    let mut new = old.clone();
    edit(&mut new);
    derive_indirect(&mut new);
    let (old, new) = (Graph::build(old), Graph::build(new));
    let d = diff(&old, &new);
    (old, new, d)
}

fn causes(d: &Diff, change: Change, kind: ItemKind) -> Vec<String> {
    d.changes
        .iter()
        .filter(|c| c.change == change && c.kind == kind)
        .filter_map(|c| c.cause())
        .collect()
}

#[test]
fn a_removed_membership_is_named() {
    let (old, new, d) = edited(|s| {
        let u = s
            .users
            .iter_mut()
            .find(|u| u.username == "alice.nguyen")
            .unwrap();
        let ms = u.memberships.as_mut().unwrap();
        let i = ms
            .iter()
            .position(|m| m.kind == MembershipKind::Direct)
            .unwrap();
        ms.remove(i);
    });
    let lost = causes(&d, Change::Lost, ItemKind::Group);
    assert!(!lost.is_empty());
    assert!(
        lost.iter()
            .all(|c| c.starts_with("membership in ") && c.ends_with(" removed")),
        "{lost:?}"
    );
    assert!(
        d.changes
            .iter()
            .all(|c| c.subject_name(&old, &new) == "alice.nguyen")
    );
}

#[test]
fn a_removed_nesting_edge_is_named() {
    let (_, _, d) = edited(|s| {
        let g = s
            .groups
            .iter_mut()
            .find(|g| g.parent_groups.as_ref().is_some_and(|p| !p.is_empty()))
            .unwrap();
        g.parent_groups.as_mut().unwrap().clear();
    });
    let lost = causes(&d, Change::Lost, ItemKind::Group);
    assert!(!lost.is_empty(), "someone lost the parent");
    assert!(
        lost.iter()
            .any(|c| c.starts_with("nesting of ") && c.ends_with(" removed")),
        "{lost:?}"
    );
    assert!(
        d.entities
            .groups
            .changed
            .iter()
            .any(|c| c.what.iter().any(|w| w.starts_with("no longer nested in ")))
    );
}

#[test]
fn a_revoked_assignment_a_deleted_group_and_user_and_a_changed_policy_are_named() {
    let (old, _, d) = edited(|s| {
        let u = s
            .users
            .iter_mut()
            .find(|u| u.role_assignments.as_ref().is_some_and(|v| !v.is_empty()))
            .unwrap();
        u.role_assignments.as_mut().unwrap().clear();
    });
    let lost = causes(&d, Change::Lost, ItemKind::Role);
    assert!(
        lost.iter()
            .any(|c| c.starts_with("assignment of ") && c.ends_with(" removed")),
        "{lost:?}"
    );

    let (_, _, d) = edited(|s| {
        let gone = s
            .groups
            .iter()
            .position(|g| g.name == "Engineering")
            .unwrap();
        let id = s.groups.remove(gone).id;
        for u in &mut s.users {
            if let Some(ms) = u.memberships.as_mut() {
                ms.retain(|m| m.id != id);
            }
        }
    });
    assert!(
        causes(&d, Change::Lost, ItemKind::Group).contains(&"group Engineering deleted".to_owned())
    );
    assert_eq!(d.entities.groups.removed.len(), 1);

    let (_, _, d) = edited(|s| {
        s.users.retain(|u| u.username != "alice.nguyen");
    });
    assert!(!d.changes.is_empty());
    assert!(
        d.changes.iter().all(|c| c.change == Change::Lost
            && c.cause().as_deref() == Some("user alice.nguyen deleted"))
    );
    assert_eq!(d.entities.users.removed[0].name, "alice.nguyen");

    // An ANY_GROUP application that lists no group any more: everyone it admitted loses it.
    let app = old
        .apps
        .iter()
        .position(|a| {
            a.access_control
                .as_ref()
                .is_some_and(|ac| ac.group.is_some())
        })
        .unwrap();
    let (_, _, d) = edited(|s| {
        s.applications[app].access_control = Some(AccessControl {
            role: None,
            group: Some(GroupAccess {
                kind: GroupRule::AnyGroup,
                groups: Vec::new(),
            }),
        });
    });
    let name = &old.apps[app].name;
    let lost = causes(&d, Change::Lost, ItemKind::Application);
    assert!(!lost.is_empty());
    assert!(
        lost.iter()
            .all(|c| *c == format!("access control of {name} changed")),
        "{lost:?}"
    );
    assert!(d.entities.applications.changed[0].what[0].starts_with("access control changed: "));
}

#[test]
fn a_worker_granted_a_role_and_a_new_user_gain_with_the_reason() {
    let (old, new, d) = edited(|s| {
        let held = s
            .users
            .iter()
            .flat_map(|u| u.role_assignments.iter().flatten())
            .next()
            .cloned()
            .unwrap();
        let w = s.applications.iter_mut().find(|a| a.is_worker()).unwrap();
        let mut a = held;
        a.id = Id::new("11111111-2222-4333-8444-555555555555");
        w.role_assignments.get_or_insert_with(Vec::new).push(a);
        let mut joiner = s.users[0].clone();
        joiner.id = Id::new("99999999-2222-4333-8444-555555555555");
        joiner.username = "new.joiner".into();
        s.users.push(joiner);
    });
    let worker = d
        .changes
        .iter()
        .find(|c| c.subject == SubjectKind::Application)
        .unwrap();
    assert_eq!(worker.change, Change::Gained);
    assert!(matches!(
        worker.hinge.as_deref(),
        Some(Hinge::Assignment { .. })
    ));
    assert_eq!(worker.weight, 0, "a non-human admin matters most");
    let joiner = d
        .changes
        .iter()
        .filter(|c| c.subject_name(&old, &new) == "new.joiner")
        .collect::<Vec<_>>();
    assert!(!joiner.is_empty());
    assert!(
        joiner
            .iter()
            .all(|c| c.cause().as_deref() == Some("new user new.joiner"))
    );
    assert_eq!(d.by_weight()[0].weight, 0);
    assert!(new.user_by_id(&joiner[0].subject_id(&old, &new)).is_some());
}
