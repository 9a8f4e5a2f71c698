//! The relation endpoints: a user's groups (and a group's members through the users filter),
//! the groups containing a group, and role assignments.
#![allow(clippy::result_large_err)]

use std::collections::HashSet;

use axum::response::Response;
use pingscope::model::{Group, Id, Ref, RoleAssignment, Scope};
use serde::Serialize;

use super::MemberFilter;
use super::api::{Req, UserExtra};
use super::pages::{Entity, IdRef, Links, NoExtra};
use super::wire::{eq_filter, member_of_groups_typed};

/// An item of `memberOfGroups` (a user's groups, or the groups containing a group).
#[derive(Serialize)]
struct GroupMembership<'a> {
    #[serde(rename = "_links")]
    links: Links,
    id: &'a Id,
    environment: IdRef<'a, Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    population: Option<&'a Ref>,
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(rename = "_embedded", skip_serializing_if = "Option::is_none")]
    embedded: Option<EmbeddedGroup<'a>>,
}

#[derive(Serialize)]
struct EmbeddedGroup<'a> {
    group: Entity<'a, Group, NoExtra>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Assignment<'a> {
    #[serde(rename = "_links")]
    links: Links,
    id: &'a Id,
    role: &'a Ref,
    scope: &'a Scope,
    environment: IdRef<'a, Id>,
    read_only: bool,
}

impl<'a> Req<'a> {
    /// `GET /users/{id}/memberOfGroups`.
    pub(super) fn user_groups(&self, id: &str) -> Result<Response, Response> {
        let d = self.data;
        let env = self.env_href();
        let u = self.find(&d.user_ix, id)?;
        let uid = &d.users[u].id;
        let want = match self.query.get("filter") {
            None => None,
            Some(f) => Some(eq_filter(f, "type").ok_or_else(|| self.bad_filter())?),
        };
        let expand = self.query.list("expand").contains(&"group");
        let list = &d.user_memberships[u];
        Ok(self.page(
            "groupMemberships",
            list.len(),
            want.is_some(),
            |i| want.is_none_or(|k| list[i].kind.as_str() == k) && !self.gone(&list[i].id),
            |i| {
                let m = &list[i];
                let g = d.group_ix.get(&m.id).copied();
                let group = g.map(|g| &d.groups[g]);
                GroupMembership {
                    links: Links::this(format!("{env}/users/{uid}/memberOfGroups/{}", m.id))
                        .with("user", format!("{env}/users/{uid}"))
                        .with("group", format!("{env}/groups/{}", m.id)),
                    id: &m.id,
                    environment: self.env_ref(),
                    name: group.map(|g| g.name.as_str()),
                    population: group.and_then(|g| g.population.as_ref()),
                    kind: m.kind.as_str(),
                    embedded: g.filter(|_| expand).map(|g| EmbeddedGroup {
                        group: self.group_entity(g),
                    }),
                }
            },
        ))
    }

    /// `GET /groups/{id}/memberOfGroups`: the groups that contain group `id`.
    pub(super) fn group_parents(&self, id: &str) -> Result<Response, Response> {
        let d = self.data;
        let env = self.env_href();
        let g = self.find(&d.group_ix, id)?;
        self.no_filter()?;
        let gid = &d.groups[g].id;
        let parents = &d.group_parents[g];
        Ok(self.page(
            "groupMemberships",
            parents.len(),
            false,
            |i| !self.gone(&parents[i].id),
            |i| {
                let p = &parents[i];
                let group = d.group_ix.get(&p.id).map(|&x| &d.groups[x]);
                GroupMembership {
                    links: Links::this(format!("{env}/groups/{gid}/memberOfGroups/{}", p.id))
                        .with("group", format!("{env}/groups/{}", p.id))
                        .with("environment", env.clone()),
                    id: &p.id,
                    environment: self.env_ref(),
                    name: group.map(|g| g.name.as_str()),
                    population: group.and_then(|g| g.population.as_ref()),
                    kind: "DIRECT",
                    embedded: None,
                }
            },
        ))
    }

    pub(super) fn users(&self) -> Result<Response, Response> {
        let d = self.data;
        let env = self.env_href();
        let render = |u: usize| {
            let user = &d.users[u];
            let extra = UserExtra {
                member_of_group_ids: None,
            };
            self.entity(format!("{env}/users/{}", user.id), user, extra)
        };
        let Some(filter) = self.query.get("filter") else {
            return Ok(self.page(
                "users",
                d.users.len(),
                false,
                |i| !self.gone(&d.users[i].id),
                render,
            ));
        };
        if let Some(pid) = eq_filter(filter, "population.id") {
            let pid = Id::new(pid);
            let mut members: Vec<u32> = Vec::new();
            for (i, u) in d.users.iter().enumerate() {
                if u.population.as_ref().is_some_and(|p| p.id == pid) {
                    members.push(i as u32);
                }
            }
            return Ok(self.page(
                "users",
                members.len(),
                false,
                |i| !self.gone(&d.users[members[i] as usize].id),
                |i| render(members[i] as usize),
            ));
        }
        if let Some(matched) = d
            .user_filters
            .get(filter.trim())
            .filter(|_| self.active.cfg.user_filters)
        {
            return Ok(self.page(
                "users",
                matched.len(),
                false,
                |i| !self.gone(&d.users[matched[i] as usize].id),
                |i| render(matched[i] as usize),
            ));
        }
        let (gid, typed) = member_of_groups_typed(filter).ok_or_else(|| self.bad_filter())?;
        let cfg = &self.active.cfg;
        let direct_only = match typed {
            None => cfg.member_filter == MemberFilter::DirectOnly,
            Some(t) if t.eq_ignore_ascii_case("DIRECT") && cfg.typed_member_filter => true,
            Some(_) => return Err(self.bad_filter()),
        };
        let gid = Id::new(gid);
        let empty = Vec::new();
        let behaviour = match cfg.member_filter {
            MemberFilter::AllMembers if direct_only => MemberFilter::DirectOnly,
            b => b,
        };
        let members = match (d.group_ix.get(&gid), behaviour) {
            (_, MemberFilter::Refused) => return Err(self.bad_filter()),
            (Some(&g), MemberFilter::AllMembers) if !self.gone(&gid) => &d.group_members[g],
            (Some(&g), MemberFilter::DirectOnly) if !self.gone(&gid) => &d.group_direct_members[g],
            _ => &empty,
        };
        Ok(self.page(
            "users",
            members.len(),
            false,
            |i| !self.gone(&d.users[members[i] as usize].id),
            |i| render(members[i] as usize),
        ))
    }

    /// Every group id of user `u`'s memberships, once each, deleted groups left out.
    pub(super) fn group_ids(&self, u: usize) -> Vec<&'a Id> {
        let mut seen = HashSet::new();
        self.data.user_memberships[u]
            .iter()
            .map(|m| &m.id)
            .filter(|id| !self.gone(id) && seen.insert(*id))
            .collect()
    }

    pub(super) fn assignments(
        &self,
        owner_kind: &str,
        owner: &Id,
        list: &'a [RoleAssignment],
    ) -> Result<Response, Response> {
        self.no_filter()?;
        let env = self.env_href();
        Ok(self.page(
            "roleAssignments",
            list.len(),
            false,
            |i| !self.gone(&list[i].id),
            |i| {
                let ra = &list[i];
                Assignment {
                    links: Links::this(format!(
                        "{env}/{owner_kind}/{owner}/roleAssignments/{}",
                        ra.id
                    ))
                    .with("environment", env.clone()),
                    id: &ra.id,
                    role: &ra.role,
                    scope: &ra.scope,
                    environment: IdRef {
                        id: ra.environment.as_ref().map_or(&self.data.env_id, |r| &r.id),
                    },
                    read_only: false,
                }
            },
        ))
    }
}
