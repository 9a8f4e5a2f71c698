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
//!
//! The plan is pure (`plan.rs`); this module reads the audit log and the groups it names.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::error::Resource;
use super::loader::Done;
use super::wire::Listing;
use super::{ApiError, Client};
use crate::model::*;

mod plan;

pub use plan::*;

/// The audit log's pages are at least this far apart: its own rate limit is about 10/s.
pub const AUDIT_PAGE_MS: u64 = 100;

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
        actor: v
            .get("actors")
            .and_then(|a| a.get("user"))
            .and_then(|u| u.get("id"))
            .and_then(Value::as_str)
            .map(Id::new),
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
    // The named users' reads are needed whatever the groups show: under way at once, while
    // the groups are checked.
    let early = named_user_reads(&events);
    let started = super::loader::Ahead::start(client, &early);
    let (checked, listing) = match check_groups(client, stored, &events).await {
        Ok(checked) => checked,
        Err(e) => {
            return Plan::Full(format!(
                "a group the audit log names could not be read: {e}"
            ));
        }
    };
    match plan(stored, &events, Some(&checked)) {
        Plan::Incremental {
            mut prior,
            summary,
            mut ahead,
            ..
        } => {
            // The groups were listed a moment ago: the load takes that listing.
            prior.groups = listing.map(Box::new);
            let early: HashSet<&(Stage, Id)> = early.iter().collect();
            ahead.retain(|read| !early.contains(read));
            Plan::Incremental {
                prior,
                summary,
                ahead,
                started,
            }
        }
        full => full,
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
            started,
        } => {
            let resume = super::loader::Resume {
                prior: Some(&prior),
                ahead: &ahead,
                started: started.as_ref(),
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
/// every member, and those parents are this refresh's read of its nesting. Also gives the
/// listing (whole: one with a problem is an error), which the load then need not read again;
/// `None` when no group was named (nothing was listed).
async fn check_groups(
    client: &Client,
    stored: &Snapshot,
    events: &[Activity],
) -> Result<(Checked, Option<Listing>), ApiError> {
    use futures::StreamExt;
    let ids = named_groups(events);
    let named: Vec<&Group> = stored
        .groups
        .iter()
        .filter(|g| ids.contains(&g.id))
        .collect();
    let mut checked = Checked::default();
    if named.is_empty() {
        return Ok((checked, None));
    }
    let conn = client.connection();
    // The listing says which named groups are gone or dynamic; each named group's parents are
    // read meanwhile (a group gone answers 404; its read is then not used).
    type Read = (Id, Result<Option<Vec<Ref>>, ApiError>);
    let url = conn.env_url("/groups?limit=1000");
    let (listing, reads) = tokio::join!(
        super::wire::get_all(client, &url, "groups", Resource::Groups),
        // A few at a time, like the loader's per-entity stages (their pace set by the shared
        // limiter). Each group with its parents now (`None`: gone, or not read whole).
        futures::stream::iter(named.iter().copied())
            .map(|g| async move {
                let read = match super::loader::read_clean(client, Stage::GroupNesting, &g.id).await
                {
                    Ok(Some(Done::Parents(p))) => Ok(Some(p)),
                    // Not read whole (the load reads it again, recording what is wrong).
                    Ok(_) => Ok(None),
                    // Deleted.
                    Err(e) if e.is_not_found() => Ok(None),
                    Err(e) => Err(e),
                };
                (g.id.clone(), read)
            })
            .buffer_unordered(32)
            .collect::<Vec<Read>>()
    );
    let listing = listing?;
    if let Some(problem) = &listing.problem {
        return Err(ApiError::Decode {
            path: "/groups".into(),
            detail: problem.clone(),
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
    let mut exists = HashSet::new();
    for g in &named {
        match now.get(&g.id) {
            None => {
                checked.reach.insert(g.id.clone());
            }
            Some(&dynamic) => {
                if dynamic || g.user_filter.is_some() {
                    checked.reach.insert(g.id.clone());
                }
                exists.insert(&g.id);
            }
        }
    }
    let by_id: HashMap<&Id, &Group> = stored.groups.iter().map(|g| (&g.id, g)).collect();
    for (id, read) in reads {
        if !exists.contains(&id) {
            // Gone from the listing: reached already, whatever its read said.
            continue;
        }
        let parents = read?;
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
    Ok((checked, Some(listing)))
}
