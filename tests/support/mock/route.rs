//! Which endpoint a path names, what it counts as, and which `Forbidden` knob covers it.

use super::Forbidden;
use super::state::Kind;
use super::wire::percent_decode;

/// A recognised path. Ids are kept as the (decoded) text of the path segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `POST /{envId}/as/token` on the auth base.
    Token {
        env: String,
    },
    /// `GET /v1/environments`.
    Environments,
    Environment {
        env: String,
    },
    Populations {
        env: String,
    },
    Population {
        env: String,
        id: String,
    },
    Users {
        env: String,
    },
    User {
        env: String,
        id: String,
    },
    UserGroups {
        env: String,
        id: String,
    },
    UserRoles {
        env: String,
        id: String,
    },
    Groups {
        env: String,
    },
    Group {
        env: String,
        id: String,
    },
    GroupGroups {
        env: String,
        id: String,
    },
    GroupRoles {
        env: String,
        id: String,
    },
    Applications {
        env: String,
    },
    Application {
        env: String,
        id: String,
    },
    AppRoles {
        env: String,
        id: String,
    },
    Gateways {
        env: String,
    },
    Gateway {
        env: String,
        id: String,
    },
    GatewayRoles {
        env: String,
        id: String,
    },
    /// `GET /applications/{id}/secret`: never to be called by a read-only explorer.
    AppSecret {
        env: String,
        id: String,
    },
    /// `GET /environments/{envId}/roles` (custom roles with `filter=type eq "CUSTOM"`).
    EnvRoles {
        env: String,
    },
    EnvRole {
        env: String,
        id: String,
    },
    /// `GET /v1/roles`: the organisation's built-in roles.
    OrgRoles,
    OrgRole {
        id: String,
    },
    /// `GET /environments/{envId}/activities`: the audit log.
    Activities {
        env: String,
    },
    /// Under `/v1/environments/{envId}` but not an endpoint the mock serves.
    UnknownInEnv {
        env: String,
    },
    Unknown,
}

impl Route {
    pub fn parse(path: &str) -> Route {
        let Some(segs) = path
            .strip_prefix('/')
            .unwrap_or(path)
            .split('/')
            .map(|s| percent_decode(s, false))
            .collect::<Option<Vec<String>>>()
        else {
            return Route::Unknown;
        };
        let s: Vec<&str> = segs.iter().map(String::as_str).collect();
        let o = |x: &str| x.to_owned();
        match s.as_slice() {
            [env, "as", "token"] => Route::Token { env: o(env) },
            ["v1", "environments"] => Route::Environments,
            ["v1", "roles"] => Route::OrgRoles,
            ["v1", "roles", id] => Route::OrgRole { id: o(id) },
            ["v1", "environments", env, rest @ ..] => {
                let env = o(env);
                match rest {
                    [] => Route::Environment { env },
                    ["populations"] => Route::Populations { env },
                    ["populations", id] => Route::Population { env, id: o(id) },
                    ["users"] => Route::Users { env },
                    ["users", id] => Route::User { env, id: o(id) },
                    ["users", id, "memberOfGroups"] => Route::UserGroups { env, id: o(id) },
                    ["users", id, "roleAssignments"] => Route::UserRoles { env, id: o(id) },
                    ["groups"] => Route::Groups { env },
                    ["groups", id] => Route::Group { env, id: o(id) },
                    ["groups", id, "memberOfGroups"] => Route::GroupGroups { env, id: o(id) },
                    ["groups", id, "roleAssignments"] => Route::GroupRoles { env, id: o(id) },
                    ["applications"] => Route::Applications { env },
                    ["applications", id] => Route::Application { env, id: o(id) },
                    ["applications", id, "roleAssignments"] => Route::AppRoles { env, id: o(id) },
                    ["applications", id, "secret"] => Route::AppSecret { env, id: o(id) },
                    ["gateways"] => Route::Gateways { env },
                    ["activities"] => Route::Activities { env },
                    ["gateways", id] => Route::Gateway { env, id: o(id) },
                    ["gateways", id, "roleAssignments"] => Route::GatewayRoles { env, id: o(id) },
                    ["roles"] => Route::EnvRoles { env },
                    ["roles", id] => Route::EnvRole { env, id: o(id) },
                    _ => Route::UnknownInEnv { env },
                }
            }
            _ => Route::Unknown,
        }
    }

    pub fn kind(&self) -> Kind {
        match self {
            Route::Token { .. } => Kind::Token,
            Route::Environments | Route::Environment { .. } => Kind::Environment,
            Route::Populations { .. } | Route::Population { .. } => Kind::Populations,
            Route::Users { .. } => Kind::UsersList,
            Route::User { .. } => Kind::User,
            Route::UserGroups { .. } => Kind::UserGroups,
            Route::UserRoles { .. } => Kind::UserRoles,
            Route::Groups { .. } => Kind::GroupsList,
            Route::Group { .. } => Kind::Group,
            Route::GroupGroups { .. } => Kind::GroupGroups,
            Route::GroupRoles { .. } => Kind::GroupRoles,
            Route::Applications { .. } | Route::Application { .. } => Kind::Applications,
            Route::AppRoles { .. } => Kind::AppRoles,
            Route::Gateways { .. } | Route::Gateway { .. } => Kind::Gateways,
            Route::GatewayRoles { .. } => Kind::GatewayRoles,
            Route::Activities { .. } => Kind::Other,
            Route::EnvRoles { .. }
            | Route::EnvRole { .. }
            | Route::OrgRoles
            | Route::OrgRole { .. } => Kind::Roles,
            Route::AppSecret { .. } | Route::UnknownInEnv { .. } | Route::Unknown => Kind::Other,
        }
    }

    /// The environment named in the path, for routes under `/v1/environments/{envId}`.
    pub fn env(&self) -> Option<&str> {
        match self {
            Route::Environment { env }
            | Route::Populations { env }
            | Route::Population { env, .. }
            | Route::Users { env }
            | Route::User { env, .. }
            | Route::UserGroups { env, .. }
            | Route::UserRoles { env, .. }
            | Route::Groups { env }
            | Route::Group { env, .. }
            | Route::GroupGroups { env, .. }
            | Route::GroupRoles { env, .. }
            | Route::Applications { env }
            | Route::Application { env, .. }
            | Route::AppRoles { env, .. }
            | Route::AppSecret { env, .. }
            | Route::Gateways { env }
            | Route::Activities { env }
            | Route::Gateway { env, .. }
            | Route::GatewayRoles { env, .. }
            | Route::EnvRoles { env }
            | Route::EnvRole { env, .. }
            | Route::UnknownInEnv { env } => Some(env),
            _ => None,
        }
    }

    /// The knob that denies this route. (A request reading memberships through the users
    /// endpoint is denied by `Memberships` too: the caller checks that.)
    pub fn covered_by(&self) -> Option<Forbidden> {
        Some(match self {
            Route::Environments | Route::Environment { .. } => Forbidden::Environment,
            Route::Populations { .. } | Route::Population { .. } => Forbidden::Populations,
            Route::Users { .. } | Route::User { .. } => Forbidden::Users,
            Route::UserGroups { .. } => Forbidden::Memberships,
            Route::UserRoles { .. } => Forbidden::UserRoleAssignments,
            Route::Groups { .. } | Route::Group { .. } => Forbidden::Groups,
            Route::GroupGroups { .. } => Forbidden::GroupNesting,
            Route::GroupRoles { .. } => Forbidden::GroupRoleAssignments,
            Route::Applications { .. } | Route::Application { .. } => Forbidden::Applications,
            Route::AppRoles { .. } => Forbidden::AppRoleAssignments,
            Route::Gateways { .. } | Route::Gateway { .. } => Forbidden::Gateways,
            Route::GatewayRoles { .. } => Forbidden::GatewayRoleAssignments,
            Route::Activities { .. } => Forbidden::AuditLog,
            Route::EnvRoles { .. }
            | Route::EnvRole { .. }
            | Route::OrgRoles
            | Route::OrgRole { .. } => Forbidden::Roles,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(
            Route::parse("/e1/as/token"),
            Route::Token { env: "e1".into() }
        );
        assert_eq!(
            Route::parse("/v1/environments/e1/users/u%2D1/memberOfGroups"),
            Route::UserGroups {
                env: "e1".into(),
                id: "u-1".into()
            }
        );
        assert_eq!(Route::parse("/v1/roles"), Route::OrgRoles);
        assert_eq!(
            Route::parse("/v1/environments/e1/users/"),
            Route::User {
                env: "e1".into(),
                id: String::new()
            }
        );
        assert_eq!(Route::parse("/v1/environments/e1/x%zz"), Route::Unknown);
        assert_eq!(Route::parse("/nope"), Route::Unknown);
    }
}
