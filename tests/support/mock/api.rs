//! The management API's GET endpoints, served from the indexed snapshot.
//!
//! Handlers return `Result<_, Response>`: the error side is the (ready) error response, which
//! `?` carries out; its size does not matter at this rate, hence the allowance.
#![allow(clippy::result_large_err)]

use std::collections::HashSet;

use axum::http::StatusCode;
use axum::response::Response;
use pingscope::model::{Group, Id, MemberCounts, Role};
use serde::Serialize;

use super::errors::{Detail, api_error, bytes_response};
use super::pages::{Entity, IdRef, Links, NoExtra, envelope, slice};
use super::route::Route;
use super::server::Server;
use super::state::Active;
use super::wire::{Query, eq_filter, percent_encode};

/// One request to the management API, after authentication and the environment check.
pub struct Req<'a> {
    pub srv: &'a Server,
    /// The data served when the request arrived (see [`super::MockPingOne::replace`]).
    pub data: &'a super::Data,
    pub active: &'a Active,
    pub deleted: Option<&'a HashSet<Id>>,
    pub query: &'a Query,
    /// The path as received (still percent-encoded).
    pub path: &'a str,
    pub raw_query: Option<&'a str>,
}

/// `memberOfGroupIDs` on a single user read with `include=memberOfGroupIDs`.
#[derive(Serialize)]
pub(super) struct UserExtra<'a> {
    #[serde(rename = "memberOfGroupIDs", skip_serializing_if = "Option::is_none")]
    pub(super) member_of_group_ids: Option<Vec<&'a Id>>,
}

impl<'a> Req<'a> {
    pub fn error(
        &self,
        status: StatusCode,
        code: &str,
        message: &str,
        details: Vec<Detail>,
    ) -> Response {
        api_error(self.srv.shared.uuid(), status, code, message, details)
    }

    pub(super) fn not_found(&self, id: &str) -> Response {
        self.error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!("Unable to find resource with id {id}."),
            Vec::new(),
        )
    }

    pub(super) fn invalid(&self, detail: &'static str, target: &str, message: &str) -> Response {
        self.error(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "The request could not be completed. One or more validation errors were in the request.",
            vec![Detail::new(detail, message).target(target)],
        )
    }

    pub(super) fn bad_filter(&self) -> Response {
        let f = self.query.get("filter").unwrap_or("");
        self.invalid(
            "INVALID_FILTER",
            "filter",
            &format!("The filter {f:?} is not supported on this resource."),
        )
    }

    pub(super) fn gone(&self, id: &Id) -> bool {
        self.deleted.is_some_and(|d| d.contains(id))
    }

    pub(super) fn env_href(&self) -> String {
        format!("{}/environments/{}", self.srv.api, self.srv.env_str)
    }

    pub(super) fn env_ref(&self) -> IdRef<'a, Id> {
        IdRef {
            id: &self.data.env_id,
        }
    }

    pub(super) fn self_href(&self) -> String {
        match self.raw_query {
            Some(q) if !q.is_empty() => format!("{}{}?{q}", self.srv.base, self.path),
            _ => format!("{}{}", self.srv.base, self.path),
        }
    }

    pub(super) fn ok(&self, body: &impl Serialize) -> Response {
        bytes_response(StatusCode::OK, serde_json::to_vec(body).unwrap_or_default())
    }

    /// A page of a list of `len` positions. `filtering`: some positions may be hidden
    /// (`visible` is consulted), either because of a filter or because of deletions.
    pub(super) fn page<T: Serialize>(
        &self,
        key: &'static str,
        len: usize,
        filtering: bool,
        visible: impl Fn(usize) -> bool,
        render: impl Fn(usize) -> T,
    ) -> Response {
        let max_page = self.active.cfg.max_page.max(1);
        let limit = match self.query.get("limit") {
            None => None,
            Some(text) => match text.trim().parse::<usize>() {
                Ok(n @ 1..=1000) => Some(n),
                _ => {
                    return self.invalid(
                        "INVALID_VALUE",
                        "limit",
                        &format!("limit must be an integer from 1 to 1000, not {text:?}"),
                    );
                }
            },
        };
        let size = limit.unwrap_or(max_page).min(max_page);
        let filter = self.query.get("filter");
        let list = format!("{}?{}", self.path, filter.unwrap_or(""));
        let start = match self.query.get("cursor") {
            None => 0,
            Some(c) => match self.srv.cursors.decode(&list, c) {
                Some(p) => p,
                None => {
                    return self.invalid(
                        "INVALID_VALUE",
                        "cursor",
                        "The cursor is not valid for this request.",
                    );
                }
            },
        };
        let filtering = filtering || self.deleted.is_some();
        let s = slice(len, start, size, filtering, visible);
        let items: Vec<T> = s.positions.iter().map(|&p| render(p)).collect();
        let next = s.next.map(|n| {
            let mut href = format!(
                "{}{}?limit={}&cursor={}",
                self.srv.base,
                self.path,
                limit.unwrap_or(size),
                self.srv.cursors.encode(&list, n)
            );
            if let Some(f) = filter {
                href.push_str(&format!("&filter={}", percent_encode(f)));
            }
            for e in self.query.list("expand") {
                href.push_str(&format!("&expand={}", percent_encode(e)));
            }
            href
        });
        bytes_response(
            StatusCode::OK,
            envelope(key, self.self_href(), next, s.count, &items),
        )
    }

    pub(super) fn entity<'b, T: Serialize, X: Serialize>(
        &self,
        href: String,
        entity: &'b T,
        extra: X,
    ) -> Entity<'b, T, X>
    where
        'a: 'b,
    {
        Entity {
            links: Links::this(href).with("environment", self.env_href()),
            entity,
            environment: Some(self.env_ref()),
            extra,
        }
    }

    pub(super) fn group_entity(&self, g: usize) -> Entity<'a, Group, NoExtra> {
        let d = self.data;
        let group = &d.groups[g];
        self.entity(
            format!("{}/groups/{}", self.env_href(), group.id),
            group,
            NoExtra {},
        )
    }

    /// Looks `id` up in `ix`, answering 404 for unknown and deleted ids.
    pub(super) fn find(
        &self,
        ix: &std::collections::HashMap<Id, usize>,
        id: &str,
    ) -> Result<usize, Response> {
        let key = Id::new(id);
        match ix.get(&key) {
            Some(&i) if !self.gone(&key) => Ok(i),
            _ => Err(self.not_found(id)),
        }
    }

    pub(super) fn no_filter(&self) -> Result<(), Response> {
        match self.query.get("filter") {
            Some(_) => Err(self.bad_filter()),
            None => Ok(()),
        }
    }

    pub fn serve(&self, route: &Route) -> Response {
        self.try_serve(route).unwrap_or_else(|r| r)
    }

    fn try_serve(&self, route: &Route) -> Result<Response, Response> {
        let d = self.data;
        let env = self.env_href();
        Ok(match route {
            Route::Environments => {
                self.no_filter()?;
                let href = env.clone();
                let one = [Entity {
                    links: Links::this(href),
                    entity: &d.environment,
                    environment: None,
                    extra: NoExtra {},
                }];
                self.page("environments", 1, false, |_| true, |i| &one[i])
            }
            Route::Environment { .. } if self.active.cfg.malformed_environment => {
                self.ok(&serde_json::json!({"id": 42, "name": ["not", "a", "name"]}))
            }
            Route::Environment { .. } => self.ok(&Entity {
                links: Links::this(env.clone()),
                entity: &d.environment,
                environment: None,
                extra: NoExtra {},
            }),
            Route::Populations { .. } => {
                self.no_filter()?;
                self.page(
                    "populations",
                    d.populations.len(),
                    false,
                    |i| !self.gone(&d.populations[i].id),
                    |i| {
                        let p = &d.populations[i];
                        self.entity(format!("{env}/populations/{}", p.id), p, NoExtra {})
                    },
                )
            }
            Route::Population { id, .. } => {
                let i = self.find(&d.population_ix, id)?;
                let p = &d.populations[i];
                self.ok(&self.entity(format!("{env}/populations/{}", p.id), p, NoExtra {}))
            }
            Route::Users { .. } => self.users()?,
            Route::User { id, .. } => {
                let u = self.find(&d.user_ix, id)?;
                let user = &d.users[u];
                let ids = self
                    .query
                    .list("include")
                    .contains(&"memberOfGroupIDs")
                    .then(|| self.group_ids(u));
                let extra = UserExtra {
                    member_of_group_ids: ids,
                };
                self.ok(&self.entity(format!("{env}/users/{}", user.id), user, extra))
            }
            Route::UserGroups { id, .. } => self.user_groups(id)?,
            Route::UserRoles { id, .. } => {
                let u = self.find(&d.user_ix, id)?;
                self.assignments("users", &d.users[u].id, &d.user_roles[u])?
            }
            Route::Groups { .. } => {
                self.no_filter()?;
                self.page(
                    "groups",
                    d.groups.len(),
                    false,
                    |i| !self.gone(&d.groups[i].id),
                    |i| self.group_entity(i),
                )
            }
            Route::Group { id, .. } => {
                let g = self.find(&d.group_ix, id)?;
                if self.query.list("include").contains(&"totalMemberCounts") {
                    let mut group = d.groups[g].clone();
                    let count = |n: u64| Some(MemberCounts { users: Some(n) });
                    group.direct_member_counts = count(d.group_direct[g]);
                    let skew = u64::from(self.active.cfg.miscount_members);
                    group.total_member_counts = count(d.group_members[g].len() as u64 + skew);
                    let href = format!("{env}/groups/{}", group.id);
                    self.ok(&self.entity(href, &group, NoExtra {}))
                } else {
                    self.ok(&self.group_entity(g))
                }
            }
            Route::GroupGroups { id, .. } => self.group_parents(id)?,
            Route::GroupRoles { id, .. } => {
                let g = self.find(&d.group_ix, id)?;
                self.assignments("groups", &d.groups[g].id, &d.group_roles[g])?
            }
            Route::Applications { .. } => {
                self.no_filter()?;
                self.page(
                    "applications",
                    d.applications.len(),
                    false,
                    |i| !self.gone(&d.applications[i].id),
                    |i| {
                        let a = &d.applications[i];
                        self.entity(format!("{env}/applications/{}", a.id), a, NoExtra {})
                    },
                )
            }
            Route::Application { id, .. } => {
                let i = self.find(&d.app_ix, id)?;
                let a = &d.applications[i];
                self.ok(&self.entity(format!("{env}/applications/{}", a.id), a, NoExtra {}))
            }
            Route::AppRoles { id, .. } => {
                let i = self.find(&d.app_ix, id)?;
                self.assignments("applications", &d.applications[i].id, &d.app_roles[i])?
            }
            Route::Gateways { .. } => {
                self.no_filter()?;
                self.page(
                    "gateways",
                    d.gateways.len(),
                    false,
                    |i| !self.gone(&d.gateways[i].id),
                    |i| {
                        let g = &d.gateways[i];
                        self.entity(format!("{env}/gateways/{}", g.id), g, NoExtra {})
                    },
                )
            }
            Route::Activities { .. } => self.activities()?,
            Route::Gateway { id, .. } => {
                let i = self.find(&d.gateway_ix, id)?;
                let g = &d.gateways[i];
                self.ok(&self.entity(format!("{env}/gateways/{}", g.id), g, NoExtra {}))
            }
            Route::GatewayRoles { id, .. } => {
                let i = self.find(&d.gateway_ix, id)?;
                self.assignments("gateways", &d.gateways[i].id, &d.gateway_roles[i])?
            }
            Route::OrgRoles => {
                self.no_filter()?;
                self.roles(&d.builtin_roles, &[])
            }
            Route::EnvRoles { .. } => match self.query.get("filter") {
                None => self.roles(&d.builtin_roles, &d.custom_roles),
                Some(f) => match eq_filter(f, "type") {
                    Some("CUSTOM") => self.roles(&[], &d.custom_roles),
                    Some("PLATFORM") => self.roles(&d.builtin_roles, &[]),
                    _ => return Err(self.bad_filter()),
                },
            },
            Route::OrgRole { id } | Route::EnvRole { id, .. } => {
                let i = self.find(&d.role_ix, id)?;
                self.ok(&self.role(&d.roles[i]))
            }
            Route::Token { .. }
            | Route::AppSecret { .. }
            | Route::UnknownInEnv { .. }
            | Route::Unknown => self.error(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                "The requested resource was not found.",
                Vec::new(),
            ),
        })
    }

    pub(super) fn role(&self, role: &'a Role) -> Entity<'a, Role, NoExtra> {
        if role.is_custom() {
            self.entity(
                format!("{}/roles/{}", self.env_href(), role.id),
                role,
                NoExtra {},
            )
        } else {
            Entity {
                links: Links::this(format!("{}/roles/{}", self.srv.api, role.id)),
                entity: role,
                environment: None,
                extra: NoExtra {},
            }
        }
    }

    /// Roles at the given positions, the first list then the second.
    pub(super) fn roles(&self, first: &[usize], second: &[usize]) -> Response {
        let d = self.data;
        let at = |i: usize| {
            if i < first.len() {
                first[i]
            } else {
                second[i - first.len()]
            }
        };
        self.page(
            "roles",
            first.len() + second.len(),
            false,
            |i| !self.gone(&d.roles[at(i)].id),
            |i| self.role(&d.roles[at(i)]),
        )
    }
}

/// `recordedAt gt "A" and recordedAt lt "B"` (any case, either order) as milliseconds.
fn recorded_range(filter: &str) -> Option<(i64, i64)> {
    let lower = filter.to_ascii_lowercase();
    let bound = |op: &str| -> Option<i64> {
        let at = lower.find(&format!("recordedat {op} \""))? + "recordedat gt \"".len();
        let rest = filter.get(at..)?;
        let end = rest.find('"')?;
        let ts: jiff::Timestamp = rest.get(..end)?.parse().ok()?;
        Some(ts.as_millisecond())
    };
    Some((bound("gt")?, bound("lt")?))
}

impl Req<'_> {
    /// The audit log: a `recordedAt` range is required, only the last 14 days are served.
    fn activities(&self) -> Result<Response, Response> {
        let filter = self.query.get("filter").unwrap_or("");
        let Some((from, to)) = recorded_range(filter) else {
            return Err(self.invalid(
                "INVALID_FILTER",
                "filter",
                "A range on recordedAt (gt and lt) is required.",
            ));
        };
        let now = jiff::Timestamp::now().as_millisecond();
        if from < now - 14 * 24 * 3600 * 1000 {
            return Err(self.invalid(
                "INVALID_VALUE",
                "filter",
                "Only the last 14 days of activities are available; older ones must be restored.",
            ));
        }
        let events: Vec<serde_json::Value> = super::state::lock(&self.srv.activities)
            .iter()
            .filter(|e| {
                let at = e
                    .get("recordedAt")
                    .and_then(serde_json::Value::as_str)
                    .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                    .map(jiff::Timestamp::as_millisecond);
                at.is_some_and(|t| t > from && t < to)
            })
            .cloned()
            .collect();
        Ok(self.page("activities", events.len(), false, |_| true, |i| &events[i]))
    }
}
