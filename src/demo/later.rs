//! A later look at a generated environment: thirty days of the changes an access review meets
//! (people joining, leaving, moving teams, being disabled; groups nested and un-nested, created
//! and deleted; role assignments granted and revoked, to people, groups, worker apps and
//! gateways; an application's access control tightened and another's widened), deterministic for
//! a seed. `demo generate --later` writes it; the diff's tests compare against it.

use std::collections::{HashMap, HashSet};

use super::rng::Rng;
use crate::model::entities::*;
use crate::model::{Id, Snapshot};

const DAY_MS: i64 = 24 * 3600 * 1000;

fn new_id(r: &mut Rng) -> Id {
    // A v4-shaped UUID from the stream: fixed for a seed like every demo id.
    let v = u128::from(r.next_u64()) << 64 | u128::from(r.next_u64());
    Id::from_u128(v & !(0xF000 << 64) | (0x4000 << 64))
}

fn pick<T>(r: &mut Rng, v: &[T]) -> Option<usize> {
    (!v.is_empty()).then(|| r.below(v.len() as u64) as usize)
}

/// `snap` thirty days later, changed as a month of administration would change it.
pub fn later(snap: &Snapshot, seed: u64) -> Snapshot {
    let mut s = snap.clone();
    let mut r = Rng::stream(seed, 0x1a7e_0d1f, 0);
    let then = s.meta.taken_at.millis().unwrap_or(0);
    s.meta.taken_at = Timestamp::from_millis(then + 30 * DAY_MS);
    let touched = (s.users.len() / 50).max(4);
    let static_groups: Vec<Id> = s
        .groups
        .iter()
        .filter(|g| g.user_filter.is_none())
        .map(|g| g.id.clone())
        .collect();

    // People move teams: one direct membership less, one more.
    for _ in 0..touched {
        let Some(u) = pick(&mut r, &s.users) else {
            break;
        };
        if let Some(ms) = s.users[u].memberships.as_mut() {
            let direct: Vec<usize> = (0..ms.len())
                .filter(|&i| ms[i].kind == MembershipKind::Direct)
                .collect();
            if let Some(i) = pick(&mut r, &direct) {
                ms.remove(direct[i]);
            }
        }
        let Some(u) = pick(&mut r, &s.users) else {
            break;
        };
        if let (Some(g), Some(ms)) = (
            pick(&mut r, &static_groups),
            s.users[u].memberships.as_mut(),
        ) {
            let id = static_groups[g].clone();
            ms.retain(|m| m.id != id);
            ms.push(Membership {
                id,
                kind: MembershipKind::Direct,
            });
        }
    }
    // Disabled and locked accounts.
    for k in 0..touched / 3 {
        let Some(u) = pick(&mut r, &s.users) else {
            break;
        };
        if k % 2 == 0 {
            s.users[u].enabled = false;
        } else {
            let account = s.users[u].account.get_or_insert_with(Default::default);
            account.status = Some(AccountStatus::Locked);
        }
    }
    // Joiners (a teammate's copy, with her direct groups) and leavers.
    for _ in 0..touched / 3 {
        let Some(u) = pick(&mut r, &s.users) else {
            break;
        };
        let mut joiner = s.users[u].clone();
        joiner.id = new_id(&mut r);
        joiner.username = format!("{}.{}", joiner.username, r.below(90) + 10).into();
        joiner.email = joiner.email.map(|e| format!("new.{e}").into());
        if let Some(ms) = joiner.memberships.as_mut() {
            ms.retain(|m| m.kind == MembershipKind::Direct);
        }
        joiner.role_assignments = Some(Vec::new());
        s.users.push(joiner);
        let Some(leaver) = pick(&mut r, &s.users) else {
            break;
        };
        s.users.remove(leaver);
    }
    regroup(&mut s, &mut r);
    reassign(&mut s, &mut r, touched);
    reapply(&mut s, &mut r);
    derive_indirect(&mut s);
    s
}

/// Nesting edges added and removed, a group deleted, a group created with a few members.
fn regroup(s: &mut Snapshot, r: &mut Rng) {
    let n = s.groups.len();
    for _ in 0..3 {
        let (Some(child), Some(parent)) = (pick(r, &s.groups), pick(r, &s.groups)) else {
            return;
        };
        if child != parent {
            let pid = s.groups[parent].id.clone();
            let parents = s.groups[child].parent_groups.get_or_insert_with(Vec::new);
            if !parents.iter().any(|p| p.id == pid) {
                parents.push(Ref { id: pid });
            }
        }
    }
    let nested: Vec<usize> = (0..n)
        .filter(|&g| {
            s.groups[g]
                .parent_groups
                .as_ref()
                .is_some_and(|p| !p.is_empty())
        })
        .collect();
    for _ in 0..2 {
        if let Some(i) = pick(r, &nested) {
            if let Some(p) = s.groups[nested[i]].parent_groups.as_mut() {
                p.remove(0);
            }
        }
    }
    // A group deleted: PingOne removes its memberships and nesting; application rules keep
    // naming it (a dangling reference).
    if let Some(g) = pick(r, &s.groups) {
        let gone = s.groups.remove(g).id;
        for u in &mut s.users {
            if let Some(ms) = u.memberships.as_mut() {
                ms.retain(|m| m.id != gone);
            }
        }
        for grp in &mut s.groups {
            if let Some(p) = grp.parent_groups.as_mut() {
                p.retain(|x| x.id != gone);
            }
        }
    }
    // A new project group under an existing one, with a few direct members.
    if let Some(parent) = pick(r, &s.groups) {
        let mut group = s.groups[parent].clone();
        group.id = new_id(r);
        group.name = format!("Project {}", r.below(900) + 100);
        group.display_name = None;
        group.user_filter = None;
        group.role_assignments = Some(Vec::new());
        group.parent_groups = Some(vec![Ref {
            id: s.groups[parent].id.clone(),
        }]);
        let id = group.id.clone();
        s.groups.push(group);
        for _ in 0..5 {
            if let Some(u) = pick(r, &s.users) {
                if let Some(ms) = s.users[u].memberships.as_mut() {
                    ms.push(Membership {
                        id: id.clone(),
                        kind: MembershipKind::Direct,
                    });
                }
            }
        }
    }
}

/// Role assignments granted (copies of existing ones, new ids) and revoked.
fn reassign(s: &mut Snapshot, r: &mut Rng, touched: usize) {
    let mut pool: Vec<RoleAssignment> = Vec::new();
    for u in &s.users {
        pool.extend(u.role_assignments.iter().flatten().cloned());
    }
    for g in &s.groups {
        pool.extend(g.role_assignments.iter().flatten().cloned());
    }
    let grant = |r: &mut Rng| {
        pick(r, &pool).map(|i| {
            let mut a = pool[i].clone();
            a.id = new_id(r);
            a
        })
    };
    for _ in 0..(touched / 10).max(2) {
        let (Some(u), Some(a)) = (pick(r, &s.users), grant(r)) else {
            break;
        };
        s.users[u]
            .role_assignments
            .get_or_insert_with(Vec::new)
            .push(a);
    }
    let holding: Vec<usize> = (0..s.users.len())
        .filter(|&u| {
            s.users[u]
                .role_assignments
                .as_ref()
                .is_some_and(|v| !v.is_empty())
        })
        .collect();
    if let Some(i) = pick(r, &holding) {
        if let Some(v) = s.users[holding[i]].role_assignments.as_mut() {
            v.remove(0);
        }
    }
    if let (Some(g), Some(a)) = (pick(r, &s.groups), grant(r)) {
        s.groups[g]
            .role_assignments
            .get_or_insert_with(Vec::new)
            .push(a);
    }
    let holding: Vec<usize> = (0..s.groups.len())
        .filter(|&g| {
            s.groups[g]
                .role_assignments
                .as_ref()
                .is_some_and(|v| !v.is_empty())
        })
        .collect();
    if let Some(i) = pick(r, &holding) {
        if let Some(v) = s.groups[holding[i]].role_assignments.as_mut() {
            v.remove(0);
        }
    }
    // A worker app gains a role; a gateway loses one.
    let workers: Vec<usize> = (0..s.applications.len())
        .filter(|&a| s.applications[a].is_worker())
        .collect();
    if let Some(i) = pick(r, &workers) {
        let app = &mut s.applications[workers[i]];
        let held = app.role_assignments.get_or_insert_with(Vec::new);
        // A role at a scope it does not hold yet.
        let fresh = (0..16).filter_map(|_| grant(r)).find(|a| {
            !held
                .iter()
                .any(|h| h.role.id == a.role.id && h.scope.id == a.scope.id)
        });
        held.extend(fresh);
    }
    if let Some(gw) = s
        .gateways
        .iter_mut()
        .find(|g| g.role_assignments.as_ref().is_some_and(|v| !v.is_empty()))
    {
        if let Some(v) = gw.role_assignments.as_mut() {
            v.pop();
        }
    }
}

/// Access control tightened on one group-ruled application (a listed group dropped) and
/// widened on another (a group added).
fn reapply(s: &mut Snapshot, r: &mut Rng) {
    let ruled: Vec<usize> = (0..s.applications.len())
        .filter(|&a| {
            s.applications[a]
                .access_control
                .as_ref()
                .and_then(|ac| ac.group.as_ref())
                .is_some_and(|g| g.groups.len() >= 2)
        })
        .collect();
    fn groups(s: &mut Snapshot, a: usize) -> Option<&mut Vec<Ref>> {
        s.applications[a]
            .access_control
            .as_mut()
            .and_then(|ac| ac.group.as_mut())
            .map(|g| &mut g.groups)
    }
    if let Some(i) = pick(r, &ruled) {
        if let Some(listed) = groups(s, ruled[i]) {
            listed.pop();
        }
    }
    if let (Some(i), Some(g)) = (pick(r, &ruled), pick(r, &s.groups)) {
        let id = s.groups[g].id.clone();
        if let Some(listed) = groups(s, ruled[i]) {
            if !listed.iter().any(|x| x.id == id) {
                listed.push(Ref { id });
            }
        }
    }
}

/// The INDIRECT memberships PingOne would report after these changes: every ancestor of a
/// direct group or of a dynamic group the user matches (kept as they were).
pub(super) fn derive_indirect(s: &mut Snapshot) {
    let parents: HashMap<Id, Vec<Id>> = s
        .groups
        .iter()
        .map(|g| {
            let p = g.parent_groups.iter().flatten().map(|r| r.id.clone());
            (g.id.clone(), p.collect())
        })
        .collect();
    let dynamic: HashSet<&Id> = s
        .groups
        .iter()
        .filter(|g| g.user_filter.is_some())
        .map(|g| &g.id)
        .collect();
    for u in &mut s.users {
        let Some(ms) = u.memberships.as_mut() else {
            continue;
        };
        let seeds: Vec<Membership> = ms
            .iter()
            .filter(|m| {
                parents.contains_key(&m.id)
                    && (m.kind == MembershipKind::Direct || dynamic.contains(&m.id))
            })
            .cloned()
            .collect();
        let mut seen: HashSet<Id> = seeds.iter().map(|m| m.id.clone()).collect();
        let mut out = seeds.clone();
        let mut queue: Vec<Id> = seeds.into_iter().map(|m| m.id).collect();
        while let Some(g) = queue.pop() {
            for p in parents.get(&g).into_iter().flatten() {
                if seen.insert(p.clone()) {
                    out.push(Membership {
                        id: p.clone(),
                        kind: MembershipKind::Indirect,
                    });
                    queue.push(p.clone());
                }
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        *ms = out;
    }
}
