//! Refreshing a stored snapshot from the audit log (API.md section 8): what to read again.
//!
//! The design Baton settled on, and issue 13 asks for: never interpret an event, re-read what it
//! names. The collections (users, groups, populations, roles, applications, gateways) are read
//! again whole: they are a few pages per thousand entities and they say what still exists. Every
//! per-entity read (memberships, nesting, role assignments) is taken from the stored snapshot,
//! as a resumed load takes an interrupted one's ([`Prior`]), except for the entities the events
//! name and those their changes reach:
//!
//! - a user named: her memberships and role assignments;
//! - a group named: its parents and role assignments, the parents of its child groups (a deleted
//!   group leaves them), and the memberships of everyone the stored snapshot lists in it (their
//!   INDIRECT memberships follow its nesting); a dynamic group named: every user's memberships
//!   (who its filter matches cannot be known without reading);
//! - an application or gateway named: its role assignments;
//! - a role assignment named: its holder's, when the stored snapshot knows it.
//!
//! Anything that cannot be placed means a full load, never a guess: a stored snapshot older than
//! the audit log keeps, a role assignment the snapshot does not know and no event names its
//! holder, or more work than a full load.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::error::Resource;
use super::loader::{Done, Prior};
use super::{ApiError, Client};
use crate::model::*;

/// How far back the audit log serves events.
pub const RETENTION_MS: i64 = 14 * 24 * 3600 * 1000;
/// Events are read from this long before the stored snapshot was taken (clock skew, late events).
pub const MARGIN_MS: i64 = 10 * 60 * 1000;
/// The newest events are not read: they may still arrive out of order.
pub const LAG_MS: i64 = 60 * 1000;
/// The audit log's pages are at least this far apart: its own rate limit is about 10/s.
pub const AUDIT_PAGE_MS: u64 = 100;

/// One audit event, as much of it as a refresh uses.
#[derive(Clone, Debug, PartialEq)]
pub struct Activity {
    pub id: String,
    pub action: String,
    /// `result.status` is SUCCESS (failed attempts changed nothing).
    pub success: bool,
    /// `resources[]`: type (upper case) and id.
    pub resources: Vec<(String, Id)>,
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
}

impl Summary {
    /// About how many requests the per-entity reads take (two per user or group, one per
    /// application or gateway, one less per group whose nesting is known), collections aside.
    pub fn requests(&self) -> usize {
        2 * self.users + 2 * self.groups - self.nesting_known + self.applications + self.gateways
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

/// The groups the successful `events` name.
pub fn named_groups(events: &[Activity]) -> HashSet<Id> {
    events
        .iter()
        .filter(|e| e.success)
        .flat_map(|e| &e.resources)
        .filter(|(kind, _)| kind.eq_ignore_ascii_case("GROUP"))
        .map(|(_, id)| id.clone())
        .collect()
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
    let mut seen_events = HashSet::new();
    for e in events {
        // Overlapping windows and retries: each event once.
        if !e.success || !seen_events.insert(e.id.as_str()) {
            continue;
        }
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
    }
}

/// A set's ids in one order (a plan is the same whatever the hashing).
fn sorted(ids: &HashSet<Id>) -> Vec<&Id> {
    let mut v: Vec<&Id> = ids.iter().collect();
    v.sort_unstable();
    v
}

/// One event of the audit log; `None` when it has no id (it cannot be told from a repeat).
pub fn parse_activity(v: &Value) -> Option<Activity> {
    let id = v.get("id")?.as_str()?.to_owned();
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_owned();
    let resources = v
        .get("resources")
        .and_then(Value::as_array)
        .map(|rs| {
            rs.iter()
                .filter_map(|r| {
                    let kind = r.get("type")?.as_str()?.to_ascii_uppercase();
                    let id = r.get("id")?.as_str()?;
                    Some((kind, Id::new(id)))
                })
                .collect()
        })
        .unwrap_or_default();
    Some(Activity {
        id,
        action: text(v.get("action").and_then(|a| a.get("type"))),
        success: text(v.get("result").and_then(|r| r.get("status")))
            .eq_ignore_ascii_case("SUCCESS"),
        resources,
    })
}

/// The events recorded in `[from, to)` (milliseconds), every page. An event without an id is an
/// error: it cannot be told from a repeat, so nothing it says can be trusted to be counted once.
/// The audit log has its own, lower rate limit (about 10 requests/s): its pages are read one
/// after the other, at least [`AUDIT_PAGE_MS`] apart; a day of changes is a page or two.
pub async fn read_activities(
    client: &Client,
    from: i64,
    to: i64,
) -> Result<Vec<Activity>, ApiError> {
    let filter = format!(
        "recordedAt gt \"{}\" and recordedAt lt \"{}\"",
        Timestamp::from_millis(from),
        Timestamp::from_millis(to)
    );
    let url = client.connection().env_url(&format!(
        "/activities?limit=1000&filter={}",
        super::loader::members::encode(&filter)
    ));
    // The audit log's own limit (about 10 requests/s): its pages never come faster than that.
    let mut pacer = super::wire::Pacer::new(std::time::Duration::from_millis(AUDIT_PAGE_MS));
    let listing =
        super::wire::get_all_paced(client, &url, "activities", Resource::AuditLog, &mut pacer)
            .await?;
    listing
        .items
        .iter()
        .map(|v| {
            parse_activity(v).ok_or_else(|| ApiError::Decode {
                path: "/activities".into(),
                detail: "an event without an id".into(),
            })
        })
        .collect()
}

/// How a refresh went.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The events were read and only what they reach was read again.
    Incremental(Summary),
    /// Everything was read again, for this reason.
    Full(String),
}

/// What a refresh of `stored` at `now` will do: read what the events reach again
/// ([`Plan::Incremental`]), or load everything and why ([`Plan::Full`]). Reads the audit log and
/// the groups it names; loads nothing else.
pub async fn prepare(client: &Client, stored: &Snapshot, now: i64) -> Plan {
    let Some(taken) = stored.meta.taken_at.millis() else {
        return Plan::Full("the stored snapshot has no time".into());
    };
    let (from, to) = match window(taken, now) {
        Ok(w) => w,
        Err(reason) => return Plan::Full(reason),
    };
    let events = match read_activities(client, from, to).await {
        Ok(e) => e,
        Err(e) => return Plan::Full(format!("the audit log could not be read: {e}")),
    };
    match check_groups(client, stored, &events).await {
        Ok(checked) => plan(stored, &events, Some(&checked)),
        Err(e) => Plan::Full(format!(
            "a group the audit log names could not be read: {e}"
        )),
    }
}

/// The environment now: `stored` (a snapshot of it taken earlier by pingscope) brought up to
/// date from the audit log, or, when that cannot be trusted, a full load saying why. `now` is
/// the caller's clock in milliseconds. The caller checks that `stored` is of this environment
/// and API.
pub async fn refresh(
    client: &Client,
    sink: &(dyn Fn(super::LoadEvent) + Send + Sync),
    stored: &Snapshot,
    now: i64,
) -> Result<(Snapshot, Outcome), ApiError> {
    match prepare(client, stored, now).await {
        Plan::Full(reason) => super::load(client, sink)
            .await
            .map(|s| (s, Outcome::Full(reason))),
        Plan::Incremental {
            prior,
            summary,
            ahead,
        } => {
            let resume = super::loader::Resume {
                prior: Some(&prior),
                ahead: &ahead,
                ..Default::default()
            };
            let s = super::loader::load_resumable(client, sink, false, resume).await?;
            Ok((s, Outcome::Incremental(summary)))
        }
    }
}

/// Reads the groups the events name: which of them changed in a way that reaches their members
/// (deleted, re-nested, or dynamic before or now), and their parents as they are now. A
/// membership event names a group too; one listing of the groups (deleted ones are absent,
/// dynamic ones have a filter) and one read of each named group's parents spare re-reading
/// every member, and those parents are this refresh's read of its nesting.
async fn check_groups(
    client: &Client,
    stored: &Snapshot,
    events: &[Activity],
) -> Result<Checked, ApiError> {
    use futures::StreamExt;
    let ids = named_groups(events);
    let named: Vec<&Group> = stored
        .groups
        .iter()
        .filter(|g| ids.contains(&g.id))
        .collect();
    let mut checked = Checked::default();
    if named.is_empty() {
        return Ok(checked);
    }
    let conn = client.connection();
    let listing = super::wire::get_all(
        client,
        &conn.env_url("/groups?limit=1000"),
        "groups",
        Resource::Groups,
    )
    .await?;
    if let Some(problem) = listing.problem {
        return Err(ApiError::Decode {
            path: "/groups".into(),
            detail: problem,
        });
    }
    // Each group as it is now: dynamic or not.
    let now: HashMap<Id, bool> = listing
        .items
        .iter()
        .filter_map(|v| {
            let id = Id::new(v.get("id")?.as_str()?);
            Some((id, v.get("userFilter").is_some_and(|f| !f.is_null())))
        })
        .collect();
    let mut to_read = Vec::new();
    for g in named {
        match now.get(&g.id) {
            None => {
                checked.reach.insert(g.id.clone());
            }
            Some(&dynamic) => {
                if dynamic || g.user_filter.is_some() {
                    checked.reach.insert(g.id.clone());
                }
                to_read.push(g);
            }
        }
    }
    // A few at a time, like the loader's per-entity stages (their pace set by the shared limiter).
    // Each group with its parents now (`None`: gone, or not read whole).
    type Read = Result<(Id, Option<Vec<Ref>>), ApiError>;
    let reads: Vec<Read> = futures::stream::iter(to_read)
        .map(|g| async move {
            let url = conn.env_url(&format!("/groups/{}/memberOfGroups?limit=1000", g.id));
            match super::wire::get_all(client, &url, "groupMemberships", Resource::GroupNesting)
                .await
            {
                Ok(l) => Ok((g.id.clone(), Some(l))),
                // Deleted since the listing.
                Err(e) if e.is_not_found() => Ok((g.id.clone(), None)),
                Err(e) => Err(e),
            }
            .map(|(id, l)| (id, l.and_then(clean_parents)))
        })
        .buffer_unordered(32)
        .collect()
        .await;
    let by_id: HashMap<&Id, &Group> = stored.groups.iter().map(|g| (&g.id, g)).collect();
    for r in reads {
        let (id, parents) = r?;
        let Some(parents) = parents else {
            // Gone, or a listing that cannot be trusted whole: it reaches its members.
            checked.reach.insert(id);
            continue;
        };
        let mut now: Vec<&Id> = parents.iter().map(|p| &p.id).collect();
        let mut before: Vec<&Id> = by_id
            .get(&id)
            .and_then(|g| g.parent_groups.as_ref())
            .map(|ps| ps.iter().map(|p| &p.id).collect())
            .unwrap_or_default();
        now.sort_unstable();
        before.sort_unstable();
        let unknown_before = by_id.get(&id).is_none_or(|g| g.parent_groups.is_none());
        if unknown_before || now != before {
            checked.reach.insert(id.clone());
        }
        checked.parents.insert(id, parents);
    }
    Ok(checked)
}

/// A group's parents from a listing read whole, every item decoded; `None` otherwise (the
/// load reads them again, recording what is wrong).
fn clean_parents(l: super::wire::Listing) -> Option<Vec<Ref>> {
    if l.problem.is_some() || !l.repaired.is_empty() {
        return None;
    }
    l.items
        .into_iter()
        .map(|v| serde_json::from_value::<Ref>(v).ok())
        .collect()
}
