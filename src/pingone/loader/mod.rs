//! The staged loader: one environment, read-only, into a `Snapshot`.
//!
//! Plan (API.md section 7), for U users, G groups, W worker apps, pages of P:
//! 1. the environment and the populations, then the other collections at once: users (U/P
//!    pages; one listing per population, read in parallel, when the populations are known),
//!    groups (G/P), built-in and custom roles, applications, gateways;
//! 2. per group: its parents (nesting) and its role assignments (2G);
//! 3. per worker application and per gateway: its role assignments (W + GW; only workers and
//!    gateways among them hold admin roles: the environment's non-human admins);
//! 4. memberships, per group (`members`: one filtered users listing per group, with member counts
//!    where the filter's behaviour decides something; about G + memberships/P requests) when
//!    groups are far fewer than users, else per user (`memberOfGroups`, U requests);
//! 5. last, per user: role assignments (U; there is no bulk read).
//!
//! Both membership plans give the same snapshot: each user's memberships labelled DIRECT or
//! INDIRECT as the per-user read reports them, in one canonical order. Per-entity stages run
//! concurrently under the client's rate limiter. A 403 or a failure on one collection or entity
//! is recorded in the coverage ledger and the load goes on; entities that answer 404 were deleted
//! mid-load and are dropped and counted.

use std::collections::HashSet;
use std::sync::Mutex;

mod ahead;
mod endpoint;
mod known;
pub(crate) mod members;
mod resume;
mod stages;

pub use ahead::Ahead;
pub(crate) use endpoint::read_clean;
pub use members::GroupPlanReport;
pub use resume::{Done, Journal, KnownUsers, Prior, Resume};
use stages::{Fetched, Ledger, collection, collection_split, per_entity};

use super::error::{ApiError, Resource};
use super::http::Client;
use crate::model::*;

/// What a load reports while it runs.
#[derive(Clone, Debug)]
pub enum LoadEvent {
    /// Progress of a stage: `done` of `total` entities (or pages) handled.
    Progress {
        stage: Stage,
        done: u64,
        total: Option<u64>,
        requests: u64,
        rate: f64,
    },
    /// A stage ended.
    StageDone { stage: Stage, state: StageState },
    /// What is known so far (after the collections, and after each later stage), so that a user
    /// can start working before the slow per-user stages end. Its coverage says what is missing.
    /// Sent by [`load_with_partials`] only.
    Partial(Box<Snapshot>),
    /// How the load went about it, in one line (the filter refused, say).
    Note(String),
    /// What the per-group membership plan found (sent when it ran).
    GroupPlan(GroupPlanReport),
}

type Sink<'a> = &'a (dyn Fn(LoadEvent) + Send + Sync);

/// The number of requests the plan needs at best, for a loaded snapshot (pages of `page`
/// items): per user, or (`per_group`) per group with the users filter listing every member and
/// no user left to read one by one.
pub fn planned_requests(s: &Snapshot, page: usize, per_group: bool) -> u64 {
    let pages = |n: usize| n.div_ceil(page).max(1) as u64;
    let workers = s.applications.iter().filter(|a| a.is_worker()).count() as u64;
    let gateways = s.gateways.len() as u64;
    let user_listings = user_listing_pages(s, page);
    let memberships = if per_group {
        let mut members: std::collections::HashMap<&Id, usize> = Default::default();
        for m in s.users.iter().flat_map(|u| u.memberships.iter().flatten()) {
            *members.entry(&m.id).or_default() += 1;
        }
        let parents: HashSet<&Id> = s
            .groups
            .iter()
            .flat_map(|g| g.parent_groups.iter().flatten().map(|p| &p.id))
            .collect();
        let counted = s
            .groups
            .iter()
            .filter(|g| g.is_dynamic() || parents.contains(&g.id))
            .count() as u64;
        let listings: u64 = s
            .groups
            .iter()
            .map(|g| pages(members.get(&g.id).copied().unwrap_or(0)))
            .sum();
        counted + listings
    } else {
        s.users
            .iter()
            .map(|u| pages(u.memberships.as_ref().map_or(0, Vec::len)))
            .sum()
    };
    1 // environment
        + pages(s.populations.len())
        + user_listings
        + pages(s.groups.len())
        + 2 // built-in and custom roles
        + pages(s.applications.len())
        + pages(s.gateways.len())
        + 2 * s.groups.len() as u64
        + workers
        + gateways
        + memberships
        + s.users.len() as u64
}

/// The users endpoint's pages hold about this many users, whatever `limit` asks (API.md §3).
pub const USERS_PAGE: usize = 200;

/// The pages of the users listing of a loaded snapshot (pages of `page` users): one listing
/// per population when there are several, else one.
pub fn user_listing_pages(s: &Snapshot, page: usize) -> u64 {
    let pages = |n: usize| n.div_ceil(page).max(1) as u64;
    if s.populations.len() <= 1 {
        return pages(s.users.len());
    }
    let mut per: std::collections::HashMap<&Id, usize> = Default::default();
    for u in &s.users {
        if let Some(p) = &u.population {
            *per.entry(&p.id).or_default() += 1;
        }
    }
    s.populations
        .iter()
        .map(|p| pages(per.get(&p.id).copied().unwrap_or(0)))
        .sum()
}

/// Loads the environment the client points at. Fails only when the credentials are refused or
/// nothing at all could be read; everything else ends up in the snapshot's coverage ledger.
/// Reports progress, but no partial snapshots (see [`load_with_partials`]).
pub async fn load(client: &Client, sink: Sink<'_>) -> Result<Snapshot, ApiError> {
    load_inner(client, sink, false, Resume::default()).await
}

/// [`load`] (with partial snapshots when `partials`), taking the reads of an interrupted load
/// from `resume.prior` and sending its own to `resume.journal`.
pub async fn load_resumable(
    client: &Client,
    sink: Sink<'_>,
    partials: bool,
    resume: Resume<'_>,
) -> Result<Snapshot, ApiError> {
    load_inner(client, sink, partials, resume).await
}

/// [`load`], also sending [`LoadEvent::Partial`] after the collections and after each later
/// stage. Each is a full copy of what is known, so only callers that show partial data (the
/// explorer) should pay for them.
pub async fn load_with_partials(client: &Client, sink: Sink<'_>) -> Result<Snapshot, ApiError> {
    load_inner(client, sink, true, Resume::default()).await
}

async fn load_inner(
    client: &Client,
    sink: Sink<'_>,
    partials: bool,
    resume: Resume<'_>,
) -> Result<Snapshot, ApiError> {
    client.authenticate().await?;
    let conn = client.connection().clone();
    // Reads named ahead run while the collections are read; the stages take them.
    let ahead = Ahead::start(client, resume.ahead);
    let ledger = Ledger {
        coverage: Mutex::new(Coverage::default()),
    };
    for stage in Stage::ALL {
        ledger.set(stage, StageState::NotStarted, 0, None);
    }

    let mut env_error = None;
    let environment = match client.get(&conn.env_url(""), Resource::Environment).await {
        Ok(v) => match serde_json::from_value::<Environment>(v) {
            Ok(env) => {
                ledger.set(Stage::Environment, StageState::Complete, 1, Some(1));
                env
            }
            Err(e) => {
                // Its name, type and region are unknown: a gap, never a silent default.
                ledger.push(Gap {
                    stage: Stage::Environment,
                    entity: Some(Id::new(&conn.environment_id)),
                    status: None,
                    code: Some("MALFORMED".into()),
                    message: format!(
                        "the environment's body could not be read ({}): its name, type and region are unknown",
                        e
                    ),
                });
                ledger.set(Stage::Environment, StageState::Failed, 0, Some(1));
                Environment::default()
            }
        },
        Err(e) => {
            ledger.gap(Stage::Environment, None, &e);
            ledger.set(Stage::Environment, StageState::Failed, 0, Some(1));
            env_error = Some(e);
            Environment::default()
        }
    };
    let environment = Environment {
        id: environment
            .id
            .or_else(|| Some(Id::new(&conn.environment_id))),
        ..environment
    };

    let custom_roles = conn.env_url("/roles?filter=type%20eq%20%22CUSTOM%22");
    let (populations, e_pop) = collection::<Population>(
        client,
        &ledger,
        Stage::Populations,
        conn.env_url("/populations"),
        "populations",
        Resource::Populations,
    )
    .await;
    // Every user belongs to one population: with all of them known, their users are read as
    // one listing each, in parallel (a million users are 1,000 pages read one after another).
    let user_listings: Vec<String> = if populations.len() > 1
        && ledger.snapshot().state(Stage::Populations) == StageState::Complete
    {
        populations
            .iter()
            .map(|p| {
                conn.env_url(&format!(
                    "/users?limit=1000&filter=population.id%20eq%20%22{}%22",
                    p.id
                ))
            })
            .collect()
    } else {
        vec![conn.env_url("/users?limit=1000")]
    };
    let (
        (users, e_users),
        (groups, e_groups),
        (builtin, e_roles),
        (applications, e_apps),
        (gateways, _),
    ) = tokio::join!(
        async {
            match resume.prior.and_then(|p| p.users.as_ref()) {
                Some(known) => known::users(client, &ledger, known).await,
                None => {
                    collection_split::<User>(
                        client,
                        &ledger,
                        Stage::Users,
                        &user_listings,
                        "users",
                        Resource::Users,
                    )
                    .await
                }
            }
        },
        async {
            match resume.prior.and_then(|p| p.groups.as_deref().cloned()) {
                Some(listing) => {
                    stages::from_listing::<Group>(&ledger, Stage::Groups, "groups", listing)
                }
                None => {
                    collection::<Group>(
                        client,
                        &ledger,
                        Stage::Groups,
                        conn.env_url("/groups?limit=1000"),
                        "groups",
                        Resource::Groups,
                    )
                    .await
                }
            }
        },
        collection::<Role>(
            client,
            &ledger,
            Stage::Roles,
            conn.api("/roles"),
            "roles",
            Resource::Roles
        ),
        collection::<Application>(
            client,
            &ledger,
            Stage::Applications,
            conn.env_url("/applications"),
            "applications",
            Resource::Applications
        ),
        collection::<Gateway>(
            client,
            &ledger,
            Stage::Gateways,
            conn.env_url("/gateways"),
            "gateways",
            Resource::Gateways
        ),
    );
    let mut roles = builtin;
    if e_roles.is_none() {
        // Both reads make the roles stage: the worse of the two states stands.
        let built_in_state = ledger.snapshot().state(Stage::Roles);
        let (custom, _) = collection::<Role>(
            client,
            &ledger,
            Stage::Roles,
            custom_roles,
            "roles",
            Resource::Roles,
        )
        .await;
        let known: HashSet<Id> = roles.iter().map(|r| r.id.clone()).collect();
        roles.extend(custom.into_iter().filter(|r| !known.contains(&r.id)));
        let custom_state = ledger.snapshot().state(Stage::Roles);
        if custom_state == StageState::Complete && built_in_state != StageState::Complete {
            ledger.set(Stage::Roles, StageState::Partial, roles.len() as u64, None);
        }
    }
    if [&e_pop, &e_users, &e_groups, &e_apps]
        .iter()
        .all(|e| e.is_some())
    {
        // Nothing of the environment could be read (the organisation-wide roles do not count):
        // a wrong environment id, or a worker without any role on it. Say so with the reason.
        return Err(env_error
            .or(e_users)
            .or(e_groups)
            .or(e_apps)
            .or(e_pop)
            .unwrap_or_else(|| ApiError::Config("nothing could be read".into())));
    }

    let mut snapshot = Snapshot {
        meta: Meta {
            taken_at: Timestamp::now(),
            source: Source::Live {
                api_url: conn.api_url.to_string(),
            },
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            profile: None,
            resumed_from: None,
            refreshed_from: None,
        },
        coverage: Coverage::default(),
        environment,
        populations,
        users: dedup(users, |u: &User| u.id.clone()),
        groups: dedup(groups, |g: &Group| g.id.clone()),
        roles,
        applications: dedup(applications, |a: &Application| a.id.clone()),
        gateways: dedup(gateways, |g: &Gateway| g.id.clone()),
    };
    let partial = |s: &Snapshot| {
        if !partials {
            return;
        }
        let mut copy = s.clone();
        copy.coverage = ledger.snapshot();
        sink(LoadEvent::Partial(Box::new(copy)));
    };
    partial(&snapshot);

    let mut early = match ahead {
        Some(a) => a.finish().await,
        None => Prior::default(),
    };
    if let Some(a) = resume.started {
        early.extend(a.finish().await);
    }
    let resume = Resume {
        early: Some(&early),
        ..resume
    };

    // Groups: nesting and role assignments.
    let group_ids: Vec<Id> = snapshot.groups.iter().map(|g| g.id.clone()).collect();
    let (parents, group_roles) = tokio::join!(
        per_entity::<Ref>(
            client,
            &ledger,
            sink,
            resume,
            Stage::GroupNesting,
            &group_ids,
        ),
        per_entity::<RoleAssignment>(
            client,
            &ledger,
            sink,
            resume,
            Stage::GroupRoleAssignments,
            &group_ids,
        ),
    );
    let mut deleted_groups = HashSet::new();
    for ((g, p), r) in snapshot.groups.iter_mut().zip(parents).zip(group_roles) {
        if matches!(p, Fetched::Deleted) || matches!(r, Fetched::Deleted) {
            deleted_groups.insert(g.id.clone());
        }
        g.parent_groups = read(p);
        g.role_assignments = read(r);
    }

    // Worker applications' role assignments (other application types hold none).
    let worker_ids: Vec<Id> = snapshot
        .applications
        .iter()
        .filter(|a| a.is_worker())
        .map(|a| a.id.clone())
        .collect();
    let gateway_ids: Vec<Id> = snapshot.gateways.iter().map(|g| g.id.clone()).collect();
    let (worker_roles, gateway_roles) = tokio::join!(
        per_entity::<RoleAssignment>(
            client,
            &ledger,
            sink,
            resume,
            Stage::ApplicationRoleAssignments,
            &worker_ids,
        ),
        per_entity::<RoleAssignment>(
            client,
            &ledger,
            sink,
            resume,
            Stage::GatewayRoleAssignments,
            &gateway_ids,
        ),
    );
    let mut deleted_gateways = HashSet::new();
    for (gw, r) in snapshot.gateways.iter_mut().zip(gateway_roles) {
        if matches!(r, Fetched::Deleted) {
            deleted_gateways.insert(gw.id.clone());
        }
        gw.role_assignments = read(r);
    }
    let mut worker_roles = worker_ids.into_iter().zip(worker_roles);
    let mut deleted_apps = HashSet::new();
    for app in snapshot.applications.iter_mut() {
        if !app.is_worker() {
            app.role_assignments = Some(Vec::new());
            continue;
        }
        if let Some((_, r)) = worker_roles.next() {
            if matches!(r, Fetched::Deleted) {
                deleted_apps.insert(app.id.clone());
            }
            app.role_assignments = read(r);
        }
    }
    partial(&snapshot);

    // Users: memberships (per group when that is cheaper), then role assignments, the long
    // stage that has no cheaper plan.
    let user_ids: Vec<Id> = snapshot.users.iter().map(|u| u.id.clone()).collect();
    // Memberships an interrupted load read are kept when they are most of them; otherwise the
    // cheaper plan reads them all again (a few requests per group).
    let earlier = resume.prior.map_or(0, |p| p.count(Stage::UserMemberships));
    let by_group = if earlier * 2 < snapshot.users.len()
        && client
            .plan()
            .per_group(snapshot.users.len(), snapshot.groups.len())
    {
        let r = members::by_group(
            client,
            &conn,
            &ledger,
            sink,
            resume,
            &snapshot.users,
            &snapshot.groups,
        )
        .await;
        match &r {
            Some((_, report)) => sink(LoadEvent::GroupPlan(report.clone())),
            None => sink(LoadEvent::Note(
                "the users filter memberOfGroups[...] was refused: memberships read per user"
                    .into(),
            )),
        }
        r
    } else {
        None
    };
    let memberships = match by_group {
        Some((list, _)) => {
            let total = list.len() as u64;
            let read = list
                .iter()
                .filter(|r| matches!(r, Fetched::Read(_)))
                .count() as u64;
            let state = if read == total {
                StageState::Complete
            } else if read == 0 && total > 0 {
                StageState::Failed
            } else {
                StageState::Partial
            };
            ledger.set(Stage::UserMemberships, state, read, Some(total));
            sink(LoadEvent::StageDone {
                stage: Stage::UserMemberships,
                state,
            });
            list
        }
        None => members::per_user(client, &ledger, sink, resume, &user_ids).await,
    };
    let mut deleted_users = HashSet::new();
    for (u, m) in snapshot.users.iter_mut().zip(memberships) {
        if matches!(m, Fetched::Deleted) {
            deleted_users.insert(u.id.clone());
        }
        u.memberships = read(m);
    }
    partial(&snapshot);
    let user_roles = per_entity::<RoleAssignment>(
        client,
        &ledger,
        sink,
        resume,
        Stage::UserRoleAssignments,
        &user_ids,
    )
    .await;
    for (u, r) in snapshot.users.iter_mut().zip(user_roles) {
        if matches!(r, Fetched::Deleted) {
            deleted_users.insert(u.id.clone());
        }
        u.role_assignments = read(r);
    }

    snapshot.users.retain(|u| !deleted_users.contains(&u.id));
    snapshot.groups.retain(|g| !deleted_groups.contains(&g.id));
    snapshot
        .applications
        .retain(|a| !deleted_apps.contains(&a.id));
    snapshot
        .gateways
        .retain(|g| !deleted_gateways.contains(&g.id));
    let mut coverage = ledger.snapshot();
    coverage.deleted_during_load =
        (deleted_users.len() + deleted_groups.len() + deleted_apps.len() + deleted_gateways.len())
            as u64;
    coverage.stages.sort_by_key(|r| r.stage);
    snapshot.coverage = coverage;
    snapshot.meta.taken_at = Timestamp::now();
    Ok(snapshot)
}

fn read<T>(f: Fetched<T>) -> Option<Vec<T>> {
    match f {
        Fetched::Read(v) => Some(v),
        Fetched::Deleted | Fetched::Failed => None,
    }
}

/// Cursor paging over a changing collection can repeat an entity: keep the first.
fn dedup<T>(items: Vec<T>, id: impl Fn(&T) -> Id) -> Vec<T> {
    let mut seen = HashSet::with_capacity(items.len());
    items.into_iter().filter(|x| seen.insert(id(x))).collect()
}
