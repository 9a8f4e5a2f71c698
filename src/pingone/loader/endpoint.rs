//! Where each per-entity stage reads one entity, and one clean read of it.

use serde::de::DeserializeOwned;

use super::super::error::{ApiError, Resource};
use super::super::http::Client;
use super::super::wire::{decode, get_all};
use super::resume::Done;
use crate::model::*;
use crate::pingone::config::Connection;

/// One entity's read in a per-entity stage: `{prefix}{id}{suffix}` under the environment, its
/// items under `key`, `resource` named in errors.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Endpoint {
    prefix: &'static str,
    suffix: &'static str,
    pub(crate) key: &'static str,
    pub(crate) resource: Resource,
}

impl Endpoint {
    /// The endpoint of a per-entity stage; `None` for the collections.
    pub(crate) fn of(stage: Stage) -> Option<Endpoint> {
        let (prefix, suffix, key, resource) = match stage {
            Stage::GroupNesting => (
                "/groups/",
                "/memberOfGroups?limit=1000",
                "groupMemberships",
                Resource::GroupNesting,
            ),
            Stage::GroupRoleAssignments => (
                "/groups/",
                "/roleAssignments",
                "roleAssignments",
                Resource::RoleAssignments,
            ),
            Stage::ApplicationRoleAssignments => (
                "/applications/",
                "/roleAssignments",
                "roleAssignments",
                Resource::RoleAssignments,
            ),
            Stage::GatewayRoleAssignments => (
                "/gateways/",
                "/roleAssignments",
                "roleAssignments",
                Resource::RoleAssignments,
            ),
            Stage::UserMemberships => (
                "/users/",
                "/memberOfGroups?limit=1000",
                "groupMemberships",
                Resource::Memberships,
            ),
            Stage::UserRoleAssignments => (
                "/users/",
                "/roleAssignments",
                "roleAssignments",
                Resource::RoleAssignments,
            ),
            _ => return None,
        };
        Some(Endpoint {
            prefix,
            suffix,
            key,
            resource,
        })
    }

    pub(crate) fn url(&self, conn: &Connection, id: &Id) -> String {
        // An id from an audit event is not trusted to be a path segment.
        let id = super::members::encode(&id.to_string());
        conn.env_url(&format!("{}{id}{}", self.prefix, self.suffix))
    }
}

/// One entity's read in `stage`, kept only when clean: `Ok(Some)` read whole with every item
/// decoded and no text repaired; `Ok(None)` read but cut short or damaged (its stage reads it
/// again and records what is wrong); `Err` the request failed (a 404: the entity is gone).
pub(crate) async fn read_clean(
    client: &Client,
    stage: Stage,
    id: &Id,
) -> Result<Option<Done>, ApiError> {
    let Some(ep) = Endpoint::of(stage) else {
        return Ok(None);
    };
    let listing = get_all(
        client,
        &ep.url(client.connection(), id),
        ep.key,
        ep.resource,
    )
    .await?;
    if listing.problem.is_some() || !listing.repaired.is_empty() {
        return Ok(None);
    }
    let items = listing.items;
    Ok(match stage {
        Stage::GroupNesting => clean::<Ref>(items, ep.key).map(Done::Parents),
        Stage::UserMemberships => clean::<Membership>(items, ep.key).map(Done::Memberships),
        _ => clean::<RoleAssignment>(items, ep.key).map(Done::Roles),
    })
}

fn clean<T: DeserializeOwned>(items: Vec<serde_json::Value>, key: &str) -> Option<Vec<T>> {
    let (good, bad) = decode::<T>(items, key);
    bad.is_empty().then_some(good)
}
