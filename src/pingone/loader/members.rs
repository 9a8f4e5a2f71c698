//! Memberships read per group: the cheaper plan when groups are far fewer than users.
//!
//! `GET /users?filter=memberOfGroups[id eq "G"]` lists a group's members, a page of users at a
//! time. The docs do not say whether it lists only direct members or nested and dynamic ones too,
//! and the answer decides who is DIRECT and who INDIRECT. So each group whose answer could depend
//! on it (one with child groups, a dynamic one, or any group while the nesting is not fully
//! known) is also read with `?include=totalMemberCounts`, and its listing is compared with both
//! counts:
//!
//! - as many as the total: the filter lists everyone (its members not in any child group are its
//!   direct members; when the direct count says some members of a child are direct too, those
//!   users are read one by one);
//! - as many as the direct count: the filter lists direct members only (the nested ones follow
//!   from the nesting, and are checked against the total; a dynamic group's filtered members
//!   cannot be told, so its users are read one by one);
//! - neither: the group changed while it was read; its users are read one by one.
//!
//! Every user's memberships are then derived as the per-user read reports them: her direct
//! groups DIRECT, and every group she reaches through nesting or a dynamic filter INDIRECT. The
//! derived totals are checked against every total read; a group that does not add up is not
//! trusted, and the users who could be its members (its population's, or everyone for an
//! environment-level group) are read one by one. The result is the per-user plan's, request for
//! request cheaper: `tests/live_load.rs` compares both on the same data for both behaviours.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::Deserialize;
use serde_json::Value;

use super::resume::Resume;
use super::stages::{Fetched, Ledger, per_entity};
use super::{LoadEvent, Sink};
use crate::model::*;
use crate::pingone::config::Connection;
use crate::pingone::error::Resource;
use crate::pingone::http::Client;
use crate::pingone::wire::{get_all_mapped, id_only};

/// What the per-group plan did, for the load's report.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroupPlanReport {
    pub groups: u64,
    /// Groups whose member counts were read to tell the filter's behaviour.
    pub counted: u64,
    /// Groups whose listing matched the direct count only / the total.
    pub direct_only: u64,
    pub total: u64,
    /// Groups that could not be decided (changed, failed, or dynamic under a direct-only filter).
    pub undecided: u64,
    /// Groups whose direct members were listed with `type eq "DIRECT"` in the filter.
    pub direct_listed: u64,
    /// Users read one by one because a group could not decide them.
    pub fallback_users: u64,
}

impl GroupPlanReport {
    pub fn line(&self) -> String {
        let behaviour = match (self.total > 0, self.direct_only > 0) {
            (true, false) => "lists nested and dynamic members",
            (false, true) => "lists direct members only",
            (true, true) => "answered both ways",
            (false, false) => "behaviour not needed",
        };
        format!(
            "memberships read per group: {} groups ({} counted, {} listed by direct members; the filter {behaviour}), {} undecided, {} users read one by one",
            self.groups, self.counted, self.direct_listed, self.undecided, self.fallback_users
        )
    }
}

#[derive(Deserialize)]
struct Counted {
    #[serde(default, rename = "directMemberCounts")]
    direct: Option<MemberCounts>,
    #[serde(default, rename = "totalMemberCounts")]
    total: Option<MemberCounts>,
}

/// One group's reads.
#[derive(Default)]
struct GroupRead {
    /// Its listed members (user positions), or `None` when the listing failed or was incomplete.
    members: Option<Vec<u32>>,
    /// (direct, total) from `include=totalMemberCounts`, when read.
    counts: Option<(u64, u64)>,
    /// A dynamic group's matches, listed with its own `userFilter` (when the member filter
    /// lists direct members only, and the API takes the group's filter).
    matched: Option<Vec<u32>>,
}

/// Percent-encodes a query value (everything but unreserved characters).
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The user positions of a listing's items, each once (unknown ids left out: users created
/// after the users were listed).
fn ids_of(items: &[Value], uix: &HashMap<&Id, u32>) -> Vec<u32> {
    let mut seen = HashSet::new();
    items
        .iter()
        .filter_map(|v| v.get("id").and_then(Value::as_str))
        .filter_map(|s| uix.get(&Id::new(s)).copied())
        .filter(|u| seen.insert(*u))
        .collect()
}

/// Reads every user's memberships per group. `None` when the API refuses the filter (the caller
/// then reads per user); otherwise each user's memberships in the users' order.
pub(super) async fn by_group(
    client: &Client,
    conn: &Connection,
    ledger: &Ledger,
    sink: Sink<'_>,
    resume: Resume<'_>,
    users: &[User],
    groups: &[Group],
) -> Option<(Vec<Fetched<Membership>>, GroupPlanReport)> {
    let uix: HashMap<&Id, u32> = users
        .iter()
        .enumerate()
        .map(|(i, u)| (&u.id, i as u32))
        .collect();
    let gix: HashMap<&Id, usize> = groups.iter().enumerate().map(|(i, g)| (&g.id, i)).collect();
    let nesting_known = groups.iter().all(|g| g.parent_groups.is_some());
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
    let mut parents: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
    for (c, g) in groups.iter().enumerate() {
        for p in g.parent_groups.iter().flatten() {
            if let Some(&pi) = gix.get(&p.id) {
                children[pi].push(c);
                parents[c].push(pi);
            }
        }
    }
    let needs_counts =
        |g: usize| !nesting_known || groups[g].is_dynamic() || !children[g].is_empty();

    // 1. Every group's listing, and the counts where they decide something.
    let refused = AtomicBool::new(false);
    let done = AtomicU64::new(0);
    let last_report = Mutex::new(Instant::now());
    let total = groups.len() as u64;
    let reads: Vec<(usize, GroupRead)> = futures::stream::iter(0..groups.len())
        .map(|g| {
            let (refused, done, last_report, uix) = (&refused, &done, &last_report, &uix);
            let id = &groups[g].id;
            async move {
                if refused.load(Ordering::Relaxed) {
                    return (g, GroupRead::default());
                }
                let filter = encode(&format!("memberOfGroups[id eq \"{id}\"]"));
                let url = conn.env_url(&format!("/users?filter={filter}&limit=1000"));
                let mut read = GroupRead::default();
                match get_all_mapped(client, &url, "users", Resource::Memberships, id_only).await {
                    Ok(listing) if listing.problem.is_none() => {
                        read.members = Some(ids_of(&listing.items, uix));
                    }
                    Ok(_) => {}
                    // Deleted while the load ran: nobody is its member any more.
                    Err(e) if e.is_not_found() => read.members = Some(Vec::new()),
                    Err(e) if e.status() == Some(400) => refused.store(true, Ordering::Relaxed),
                    Err(_) => {}
                }
                if read.members.is_some() && needs_counts(g) {
                    let url = conn.env_url(&format!("/groups/{id}?include=totalMemberCounts"));
                    if let Ok(v) = client.get(&url, Resource::Groups).await
                        && let Ok(c) = serde_json::from_value::<Counted>(v)
                        && let (Some(d), Some(t)) = (
                            c.direct.and_then(|m| m.users),
                            c.total.and_then(|m| m.users),
                        )
                    {
                        read.counts = Some((d, t));
                    }
                }
                // A direct-only member filter leaves out whom a dynamic group's filter adds: the
                // users list takes the same SCIM filter (a 400 leaves the group undecided).
                if let (Some(members), Some((_, t)), Some(f)) =
                    (&read.members, read.counts, groups[g].user_filter.as_deref())
                    && members.len() as u64 != t
                    && groups[g].is_dynamic()
                {
                    let url = conn.env_url(&format!("/users?filter={}&limit=1000", encode(f)));
                    if let Ok(listing) =
                        get_all_mapped(client, &url, "users", Resource::Memberships, id_only).await
                        && listing.problem.is_none()
                    {
                        let population = groups[g].population.as_ref().map(|p| &p.id);
                        read.matched = Some(
                            ids_of(&listing.items, uix)
                                .into_iter()
                                .filter(|&u| {
                                    population.is_none_or(|p| {
                                        users[u as usize]
                                            .population
                                            .as_ref()
                                            .is_some_and(|up| &up.id == p)
                                    })
                                })
                                .collect(),
                        );
                    }
                }
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                let mut last = last_report.lock().unwrap_or_else(|p| p.into_inner());
                if last.elapsed() > Duration::from_millis(200) || n == total {
                    *last = Instant::now();
                    sink(LoadEvent::Progress {
                        stage: Stage::UserMemberships,
                        done: n,
                        total: Some(total),
                        requests: client.counters().requests(),
                        rate: client.current_rate(),
                    });
                }
                (g, read)
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    if refused.load(Ordering::Relaxed) {
        return None;
    }
    let mut by: Vec<GroupRead> = (0..groups.len()).map(|_| GroupRead::default()).collect();
    for (g, r) in reads {
        by[g] = r;
    }

    // 2. Each group's direct members (and a dynamic group's filtered ones), from its listing
    //    and counts; what cannot be told is set aside for one-by-one reads.
    let mut report = GroupPlanReport {
        groups: total,
        ..GroupPlanReport::default()
    };
    let mut direct: Vec<Vec<u32>> = vec![Vec::new(); groups.len()];
    let mut filtered: Vec<Vec<u32>> = vec![Vec::new(); groups.len()];
    let mut expected: Vec<Option<u64>> = vec![None; groups.len()];
    // The group's listing is its whole membership (so its undecided members are known).
    let mut lists_all = vec![false; groups.len()];
    let mut undecided: Vec<usize> = Vec::new();
    let mut ambiguous: HashSet<u32> = HashSet::new();
    let mut ask_direct: Vec<(usize, Vec<u32>, u64)> = Vec::new();
    for g in 0..groups.len() {
        let Some(listed) = by[g].members.as_deref() else {
            undecided.push(g);
            continue;
        };
        let n = listed.len() as u64;
        let (d, t) = match by[g].counts {
            Some(c) => {
                report.counted += 1;
                c
            }
            None if !needs_counts(g) => {
                direct[g] = listed.to_vec();
                expected[g] = Some(n);
                lists_all[g] = true;
                continue;
            }
            None => {
                undecided.push(g);
                continue;
            }
        };
        let dynamic = groups[g].is_dynamic();
        if n == t {
            if d != t {
                report.total += 1;
            }
            expected[g] = Some(t);
            lists_all[g] = true;
            // Members of a child group reach this one through it.
            let mut via_child: HashSet<u32> = HashSet::new();
            let mut children_known = true;
            for &c in &children[g] {
                match by[c].members.as_deref() {
                    Some(m) => via_child.extend(m.iter().copied()),
                    None => children_known = false,
                }
            }
            if !children_known {
                ambiguous.extend(listed.iter().copied());
                continue;
            }
            let own: Vec<u32> = listed
                .iter()
                .copied()
                .filter(|u| !via_child.contains(u))
                .collect();
            if dynamic {
                if d == 0 {
                    filtered[g] = own;
                } else {
                    ambiguous.extend(listed.iter().copied());
                }
            } else if own.len() as u64 == d {
                direct[g] = own;
            } else if d == t {
                direct[g] = listed.to_vec();
            } else {
                // Some members of a child are direct members too: which ones, a listing of
                // direct members only can say (if the API takes it), else only they can.
                direct[g] = own;
                let candidates = listed.iter().copied().filter(|u| via_child.contains(u));
                ask_direct.push((g, candidates.collect(), d));
            }
        } else if n == d && !dynamic {
            report.direct_only += 1;
            direct[g] = listed.to_vec();
            expected[g] = Some(t);
        } else if let (true, Some(matched)) = (n == d && dynamic, by[g].matched.as_deref()) {
            report.direct_only += 1;
            direct[g] = listed.to_vec();
            let own: HashSet<u32> = listed.iter().copied().collect();
            filtered[g] = matched
                .iter()
                .copied()
                .filter(|u| !own.contains(u))
                .collect();
            expected[g] = Some(t);
        } else {
            undecided.push(g);
        }
    }

    // 2b. `memberOfGroups[id eq "G" and type eq "DIRECT"]` (undocumented: tried, and given up
    //     at the first refusal) names the direct members exactly.
    let refused = AtomicBool::new(false);
    type Answer = (usize, Vec<u32>, u64, Option<Vec<u32>>);
    let answers: Vec<Answer> = futures::stream::iter(ask_direct)
        .map(|(g, candidates, d)| {
            let (refused, uix) = (&refused, &uix);
            let id = &groups[g].id;
            async move {
                if refused.load(Ordering::Relaxed) {
                    return (g, candidates, d, None);
                }
                let filter = encode(&format!(
                    "memberOfGroups[id eq \"{id}\" and type eq \"DIRECT\"]"
                ));
                let url = conn.env_url(&format!("/users?filter={filter}&limit=1000"));
                let listed =
                    match get_all_mapped(client, &url, "users", Resource::Memberships, id_only)
                        .await
                    {
                        Ok(l) if l.problem.is_none() => Some(ids_of(&l.items, uix)),
                        Ok(_) => None,
                        Err(e) => {
                            if e.status() == Some(400) {
                                refused.store(true, Ordering::Relaxed);
                            }
                            None
                        }
                    };
                (g, candidates, d, listed)
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    for (g, candidates, d, listed) in answers {
        match listed {
            Some(list) if list.len() as u64 == d => {
                report.direct_listed += 1;
                direct[g] = list;
            }
            _ => ambiguous.extend(candidates),
        }
    }

    // 3. Every user's memberships: direct groups DIRECT, every group reached from them (and from
    //    her dynamic groups) through parents INDIRECT. Totals are counted to check each group.
    let mut user_direct: Vec<Vec<u32>> = vec![Vec::new(); users.len()];
    let mut user_filtered: Vec<Vec<u32>> = vec![Vec::new(); users.len()];
    for g in 0..groups.len() {
        for &u in &direct[g] {
            user_direct[u as usize].push(g as u32);
        }
        for &u in &filtered[g] {
            user_filtered[u as usize].push(g as u32);
        }
    }
    // Users read one by one anyway are not counted: their derived memberships are not used.
    let mut reached_count = vec![0u64; groups.len()];
    let mut stamp = vec![u32::MAX; groups.len()];
    let mut derived: Vec<Vec<Membership>> = Vec::with_capacity(users.len());
    let mut stack: Vec<usize> = Vec::new();
    for u in 0..users.len() {
        let mark = u as u32;
        let mut list = Vec::new();
        let mut reach = |g: usize, kind: MembershipKind, list: &mut Vec<Membership>| {
            if stamp[g] == mark {
                return false;
            }
            stamp[g] = mark;
            list.push(Membership {
                id: groups[g].id.clone(),
                kind,
            });
            true
        };
        for &g in &user_direct[u] {
            if reach(g as usize, MembershipKind::Direct, &mut list) {
                stack.push(g as usize);
            }
        }
        for &g in &user_filtered[u] {
            if reach(g as usize, MembershipKind::Indirect, &mut list) {
                stack.push(g as usize);
            }
        }
        while let Some(g) = stack.pop() {
            for &p in &parents[g] {
                if reach(p, MembershipKind::Indirect, &mut list) {
                    stack.push(p);
                }
            }
        }
        if !ambiguous.contains(&mark) {
            for m in &list {
                if let Some(&g) = gix.get(&m.id) {
                    reached_count[g] += 1;
                }
            }
        }
        derived.push(canonical(list));
    }
    for g in 0..groups.len() {
        let Some(t) = expected[g] else { continue };
        // A listing of every member says how many of them are read one by one.
        let set_aside = if lists_all[g] {
            by[g].members.as_deref().map_or(0, |m| {
                m.iter().filter(|u| ambiguous.contains(u)).count() as u64
            })
        } else {
            0
        };
        if reached_count[g] + set_aside != t && !undecided.contains(&g) {
            undecided.push(g);
        }
    }
    report.undecided = undecided.len() as u64;

    // 4. The users nobody could decide for: read one by one.
    let mut fallback: HashSet<u32> = ambiguous;
    for &g in &undecided {
        match &groups[g].population {
            Some(p) => fallback.extend(
                users
                    .iter()
                    .enumerate()
                    .filter(|(_, u)| u.population.as_ref().is_some_and(|up| up.id == p.id))
                    .map(|(i, _)| i as u32),
            ),
            None => fallback.extend(0..users.len() as u32),
        }
        if fallback.len() == users.len() {
            break;
        }
    }
    report.fallback_users = fallback.len() as u64;
    let mut out: Vec<Fetched<Membership>> = Vec::with_capacity(users.len());
    for (u, list) in derived.into_iter().enumerate() {
        // Recorded for a resumed load (those read one by one are recorded as they come).
        let list = if fallback.contains(&(u as u32)) {
            list
        } else {
            resume.record(Stage::UserMemberships, &users[u].id, list)
        };
        out.push(Fetched::Read(list));
    }
    if !fallback.is_empty() {
        let mut which: Vec<u32> = fallback.into_iter().collect();
        which.sort_unstable();
        let ids: Vec<Id> = which
            .iter()
            .map(|&u| users[u as usize].id.clone())
            .collect();
        // Recorded as they come; never taken from an earlier load (this plan reads afresh).
        let journal_only = Resume {
            journal: resume.journal,
            ..Resume::default()
        };
        let read = per_user(client, ledger, sink, journal_only, &ids).await;
        for (u, r) in which.into_iter().zip(read) {
            out[u as usize] = r;
        }
    }
    Some((out, report))
}

/// The per-user plan: each user's `memberOfGroups`, in canonical order.
pub(super) async fn per_user(
    client: &Client,
    ledger: &Ledger,
    sink: Sink<'_>,
    resume: Resume<'_>,
    ids: &[Id],
) -> Vec<Fetched<Membership>> {
    per_entity::<Membership>(client, ledger, sink, resume, Stage::UserMemberships, ids)
        .await
        .into_iter()
        .map(|r| match r {
            Fetched::Read(list) => Fetched::Read(canonical(list)),
            other => other,
        })
        .collect()
}

/// One user's memberships in one order whichever plan read them: by group id, each group once
/// (DIRECT when the API listed it both ways).
pub(super) fn canonical(mut list: Vec<Membership>) -> Vec<Membership> {
    list.sort_by(|a, b| {
        a.id.cmp(&b.id).then_with(|| {
            (a.kind != MembershipKind::Direct).cmp(&(b.kind != MembershipKind::Direct))
        })
    });
    list.dedup_by(|later, first| later.id == first.id);
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_orders_by_group_and_keeps_direct_over_indirect() {
        let m = |id: &str, kind| Membership {
            id: Id::new(id),
            kind,
        };
        let list = vec![
            m("b", MembershipKind::Indirect),
            m("a", MembershipKind::Indirect),
            m("b", MembershipKind::Direct),
        ];
        assert_eq!(
            canonical(list),
            vec![
                m("a", MembershipKind::Indirect),
                m("b", MembershipKind::Direct)
            ]
        );
    }

    #[test]
    fn filter_values_are_percent_encoded() {
        assert_eq!(
            encode("memberOfGroups[id eq \"g-1\"]"),
            "memberOfGroups%5Bid%20eq%20%22g-1%22%5D"
        );
    }
}
