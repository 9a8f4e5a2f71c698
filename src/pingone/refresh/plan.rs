//! What a refresh reads again, from the events and the stored snapshot: pure, no I/O.

use std::collections::{HashMap, HashSet};

use super::super::loader::{Done, KnownUsers, Prior, USERS_PAGE, user_listing_pages};
use crate::model::*;

/// How far back the audit log serves events.
pub const RETENTION_MS: i64 = 14 * 24 * 3600 * 1000;
/// Events are read from this long before the stored snapshot was taken (clock skew, late events).
pub const MARGIN_MS: i64 = 10 * 60 * 1000;
/// The newest events are not read: they may still arrive out of order.
pub const LAG_MS: i64 = 60 * 1000;

/// One audit event, as much of it as a refresh uses.
#[derive(Clone, Debug, PartialEq)]
pub struct Activity {
    pub id: String,
    pub action: String,
    /// `result.status` is SUCCESS (failed attempts changed nothing).
    pub success: bool,
    /// `resources[]`: type (upper case) and id.
    pub resources: Vec<(String, Id)>,
    /// `actors.user.id`: who acted. A sign-on is its user's act, and changes her last sign-on:
    /// that user's record is read again (not her memberships or roles, which an act of hers
    /// does not change).
    pub actor: Option<Id>,
}

/// What a refresh reads again, or why it loads everything.
#[derive(Debug)]
pub enum Plan {
    /// The stored reads to keep, and what the events named.
    Incremental {
        prior: Prior,
        summary: Summary,
        /// The per-entity reads to make again, read while the collections are read.
        ahead: Vec<(Stage, Id)>,
        /// Those of them already under way (the named users', started as soon as the events
        /// were read): the load takes them as it takes `ahead`'s.
        started: Option<super::super::loader::Ahead>,
    },
    Full(String),
}

/// What the events named and what will be read again.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    pub events: usize,
    /// Distinct entities the successful events name, by type (upper case).
    pub named: Vec<(String, usize)>,
    /// Resource types pingscope does not model (their events change nothing it shows).
    pub unknown_types: Vec<String>,
    /// Per-entity reads to do again: users (memberships and role assignments), groups (parents
    /// and role assignments), applications and gateways (role assignments).
    pub users: usize,
    pub groups: usize,
    pub applications: usize,
    pub gateways: usize,
    /// Of the groups read again, those whose parents were read while checking them (only their
    /// role assignments are left to read).
    pub nesting_known: usize,
    /// Users whose records are read again one by one: those read again and those who acted
    /// (signed on, say); 0 when the users listing is read instead (it has fewer pages).
    pub user_records: usize,
    /// The users listing is read instead of reading users one by one.
    pub users_listed: bool,
}

impl Summary {
    /// About how many requests the per-entity reads take (two per user or group, one per
    /// application or gateway, one less per group whose nesting is known, one per user record
    /// read one by one), collections aside.
    pub fn requests(&self) -> usize {
        2 * self.users + self.user_records + 2 * self.groups - self.nesting_known
            + self.applications
            + self.gateways
    }
}

/// The window of events to read for a snapshot taken at `taken`, at `now`: from a margin
/// before it to a little before now; `Err` when the audit log no longer holds its start.
pub fn window(taken: i64, now: i64) -> Result<(i64, i64), String> {
    let from = taken - MARGIN_MS;
    let to = now - LAG_MS;
    if from < now - RETENTION_MS {
        let days = (now - taken) / (24 * 3600 * 1000);
        return Err(format!(
            "the stored snapshot is {days} days old; the audit log keeps 14 days"
        ));
    }
    Ok((from, to.max(from)))
}

/// The entities of `kind` (any case) the successful `events` name.
pub fn named(events: &[Activity], kind: &str) -> HashSet<Id> {
    events
        .iter()
        .filter(|e| e.success)
        .flat_map(|e| &e.resources)
        .filter(|(k, _)| k.eq_ignore_ascii_case(kind))
        .map(|(_, id)| id.clone())
        .collect()
}

/// The groups the successful `events` name.
pub fn named_groups(events: &[Activity]) -> HashSet<Id> {
    named(events, "GROUP")
}

/// What reading the groups the events name found, before planning.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Checked {
    /// The named groups whose change reaches their members: deleted, re-nested or dynamic
    /// (before or now).
    pub reach: HashSet<Id>,
    /// The parents just read of named groups that still exist (read whole and decoded cleanly):
    /// kept as this refresh's read of their nesting instead of asked again.
    pub parents: HashMap<Id, Vec<Ref>>,
}

/// What to read again after `events`, for the stored snapshot `s`. `checked`: what reading the
/// named groups found; `None` when unknown, and then every named group reaches its members.
pub fn plan(s: &Snapshot, events: &[Activity], checked: Option<&Checked>) -> Plan {
    let mut named: HashMap<String, HashSet<Id>> = HashMap::new();
    let mut acted: HashSet<Id> = HashSet::new();
    let mut seen_events = HashSet::new();
    for e in events {
        // Overlapping windows and retries: each event once.
        if !e.success || !seen_events.insert(e.id.as_str()) {
            continue;
        }
        acted.extend(e.actor.clone());
        for (kind, id) in &e.resources {
            named
                .entry(kind.to_ascii_uppercase())
                .or_default()
                .insert(id.clone());
        }
    }
    let ids = |kind: &str| named.get(kind).cloned().unwrap_or_default();
    let mut users = ids("USER");
    let mut groups = ids("GROUP");
    let mut apps = ids("APPLICATION");
    let mut gateways = ids("GATEWAY");

    // A role assignment: its holder, as the stored snapshot knows it.
    let mut holders: HashMap<&Id, (&str, &Id)> = HashMap::new();
    for u in &s.users {
        for a in u.role_assignments.iter().flatten() {
            holders.insert(&a.id, ("USER", &u.id));
        }
    }
    for g in &s.groups {
        for a in g.role_assignments.iter().flatten() {
            holders.insert(&a.id, ("GROUP", &g.id));
        }
    }
    for x in &s.applications {
        for a in x.role_assignments.iter().flatten() {
            holders.insert(&a.id, ("APPLICATION", &x.id));
        }
    }
    for x in &s.gateways {
        for a in x.role_assignments.iter().flatten() {
            holders.insert(&a.id, ("GATEWAY", &x.id));
        }
    }
    for a in ids("ROLE_ASSIGNMENT") {
        let holder = holders.get(&a).map(|&(kind, id)| (kind, id.clone()));
        match holder {
            Some(("USER", id)) => {
                users.insert(id);
            }
            Some(("GROUP", id)) => {
                groups.insert(id);
            }
            Some(("APPLICATION", id)) => {
                apps.insert(id);
            }
            Some((_, id)) => {
                gateways.insert(id);
            }
            None => {
                // A new assignment: placed only if an event names a holder with it.
                let placed = events.iter().any(|e| {
                    e.success
                        && e.resources.iter().any(|(_, id)| *id == a)
                        && e.resources.iter().any(|(t, _)| {
                            matches!(
                                t.to_ascii_uppercase().as_str(),
                                "USER" | "GROUP" | "APPLICATION" | "GATEWAY"
                            )
                        })
                });
                if !placed {
                    return Plan::Full(format!(
                        "an event names role assignment {a}, which the stored snapshot does not hold, without its holder"
                    ));
                }
            }
        }
    }

    // A group's change reaches its members' INDIRECT memberships and its children's parents.
    let named_groups = match checked {
        Some(c) => c.reach.clone(),
        None => ids("GROUP"),
    };
    let fresh_parents = |id: &Id| checked.and_then(|c| c.parents.get(id));
    let mut all_users = false;
    for g in &s.groups {
        if named_groups.contains(&g.id) && g.user_filter.is_some() {
            all_users = true;
        }
        if g.parent_groups
            .iter()
            .flatten()
            .any(|p| named_groups.contains(&p.id))
        {
            groups.insert(g.id.clone());
        }
    }
    for u in &s.users {
        let member = u
            .memberships
            .iter()
            .flatten()
            .any(|m| named_groups.contains(&m.id));
        if all_users || member {
            users.insert(u.id.clone());
        }
    }

    let mut summary = Summary {
        events: seen_events.len(),
        ..Summary::default()
    };
    let mut kinds: Vec<(String, usize)> = named.iter().map(|(k, v)| (k.clone(), v.len())).collect();
    kinds.sort();
    summary.unknown_types = kinds
        .iter()
        .map(|(k, _)| k.clone())
        .filter(|k| {
            !matches!(
                k.as_str(),
                "USER"
                    | "GROUP"
                    | "APPLICATION"
                    | "GATEWAY"
                    | "ROLE_ASSIGNMENT"
                    | "POPULATION"
                    | "ENVIRONMENT"
                    | "ROLE"
            )
        })
        .collect();
    summary.named = kinds;

    // What will be read again, named now so that it is read while the collections are: every
    // user and group named or reached (new ones too), the named worker apps and gateways.
    let mut ahead: Vec<(Stage, Id)> = Vec::new();
    for id in sorted(&users) {
        ahead.push((Stage::UserMemberships, id.clone()));
        ahead.push((Stage::UserRoleAssignments, id.clone()));
    }
    for id in sorted(&groups) {
        if fresh_parents(id).is_none() {
            ahead.push((Stage::GroupNesting, id.clone()));
        }
        ahead.push((Stage::GroupRoleAssignments, id.clone()));
    }
    for a in s.applications.iter().filter(|a| a.is_worker()) {
        if apps.contains(&a.id) {
            ahead.push((Stage::ApplicationRoleAssignments, a.id.clone()));
        }
    }
    for id in sorted(&gateways) {
        ahead.push((Stage::GatewayRoleAssignments, id.clone()));
    }

    let mut prior = Prior::default();
    for u in &s.users {
        if users.contains(&u.id) {
            summary.users += 1;
            continue;
        }
        if let Some(m) = &u.memberships {
            prior.insert(
                Stage::UserMemberships,
                u.id.clone(),
                Done::Memberships(m.clone()),
            );
        }
        if let Some(r) = &u.role_assignments {
            prior.insert(
                Stage::UserRoleAssignments,
                u.id.clone(),
                Done::Roles(r.clone()),
            );
        }
    }
    for g in &s.groups {
        if groups.contains(&g.id) {
            summary.groups += 1;
            // Its nesting was read a moment ago, while checking it: not asked twice.
            if let Some(p) = fresh_parents(&g.id) {
                summary.nesting_known += 1;
                prior.insert(Stage::GroupNesting, g.id.clone(), Done::Parents(p.clone()));
            }
            continue;
        }
        if let Some(p) = &g.parent_groups {
            prior.insert(Stage::GroupNesting, g.id.clone(), Done::Parents(p.clone()));
        }
        if let Some(r) = &g.role_assignments {
            prior.insert(
                Stage::GroupRoleAssignments,
                g.id.clone(),
                Done::Roles(r.clone()),
            );
        }
    }
    for a in &s.applications {
        match (&a.role_assignments, apps.contains(&a.id)) {
            (_, true) => summary.applications += 1,
            (Some(r), false) => prior.insert(
                Stage::ApplicationRoleAssignments,
                a.id.clone(),
                Done::Roles(r.clone()),
            ),
            (None, false) => {}
        }
    }
    for x in &s.gateways {
        match (&x.role_assignments, gateways.contains(&x.id)) {
            (_, true) => summary.gateways += 1,
            (Some(r), false) => prior.insert(
                Stage::GatewayRoleAssignments,
                x.id.clone(),
                Done::Roles(r.clone()),
            ),
            (None, false) => {}
        }
    }
    // The users' records: every stored one, with those read again asked for one by one, when
    // that asks no more than listing every user (a few named users in a large environment).
    // Who acted is read again only if stored (an administrator acting from another
    // environment is no user of this one, and is not asked for).
    let stored_ids: HashSet<&Id> = s.users.iter().map(|u| &u.id).collect();
    let mut records: HashSet<Id> = users.clone();
    records.extend(acted.into_iter().filter(|id| stored_ids.contains(id)));
    if records.len() as u64 <= user_listing_pages(s, USERS_PAGE) {
        let bare = |u: &User| User {
            memberships: None,
            role_assignments: None,
            ..u.clone()
        };
        summary.user_records = records.len();
        prior.users = Some(Box::new(KnownUsers {
            stored: s.users.iter().map(bare).collect(),
            reread: sorted(&records).into_iter().cloned().collect(),
        }));
    } else {
        summary.users_listed = true;
    }
    // A full load reads two things per user and group, one per application and gateway.
    let full = 2 * s.users.len() + 2 * s.groups.len() + s.applications.len() + s.gateways.len();
    if summary.requests() * 2 > full {
        return Plan::Full(format!(
            "{} events reach {} users and {} groups: a full load costs about as much",
            summary.events, summary.users, summary.groups
        ));
    }
    Plan::Incremental {
        prior,
        summary,
        ahead,
        started: None,
    }
}

/// The reads every user the successful `events` name needs whatever else they reach (her
/// memberships and role assignments): known before the groups are checked.
pub fn named_user_reads(events: &[Activity]) -> Vec<(Stage, Id)> {
    let users = named(events, "USER");
    sorted(&users)
        .into_iter()
        .flat_map(|id| {
            [
                (Stage::UserMemberships, id.clone()),
                (Stage::UserRoleAssignments, id.clone()),
            ]
        })
        .collect()
}

/// A set's ids in one order (a plan is the same whatever the hashing).
fn sorted(ids: &HashSet<Id>) -> Vec<&Id> {
    let mut v: Vec<&Id> = ids.iter().collect();
    v.sort_unstable();
    v
}
