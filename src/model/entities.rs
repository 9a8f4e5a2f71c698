//! The entities of one PingOne environment, in the shape the Management API returns them.
//!
//! Field names follow the API (camelCase, nested objects), so a page from the API deserialises
//! straight into these types and a snapshot file reads like the API. Fields the API never sends
//! but pingscope must know are marked as such: `memberships` and `roleAssignments` on principals
//! and `parentGroups` on groups come from per-entity requests; `None` means "not read (yet)",
//! which is how answers know they may be incomplete.

/// Short text stored inline (no allocation up to 24 bytes): most of a user's strings.
pub type Str = compact_str::CompactString;

use serde::{Deserialize, Serialize};

pub use super::id::{Id, Timestamp};
pub use super::textenum::*;

/// `{"id": "..."}`: how the API refers to another entity.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct Ref {
    pub id: Id,
}

impl Ref {
    pub fn new(id: impl Into<Id>) -> Self {
        Ref { id: id.into() }
    }
}

#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Environment {
    pub id: Option<Id>,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<EnvironmentType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<Ref>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<Ref>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
}

#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Population {
    pub id: Id,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub default: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_count: Option<u64>,
}

#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct PersonName {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<Str>,
}

#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_authenticate: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<AccountStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unlock_at: Option<Timestamp>,
}

#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
pub struct Lifecycle {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<LifecycleStatus>,
}

#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignOn {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_ip: Option<Str>,
}

#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
pub struct IdentityProvider {
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<IdpType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Id>,
}

#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<Str>,
}

/// One entry of `GET /users/{id}/memberOfGroups`, reduced to what the model needs.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct Membership {
    /// The group's id.
    pub id: Id,
    #[serde(rename = "type")]
    pub kind: MembershipKind,
}

#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: Id,
    #[serde(default)]
    pub username: Str,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<PersonName>,
    /// The API always sends it; a missing flag is read as enabled, like PingOne's default.
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<Account>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<Lifecycle>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sign_on: Option<SignOn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<Ref>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_provider: Option<IdentityProvider>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_status: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    /// Not an API field: the user's `memberOfGroups`, DIRECT and INDIRECT. `None`: not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memberships: Option<Vec<Membership>>,
    /// Not an API field: `GET /users/{id}/roleAssignments`. `None`: not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_assignments: Option<Vec<RoleAssignment>>,
}

fn yes() -> bool {
    true
}

impl User {
    /// The best human name available: formatted, else given + family, else nothing.
    pub fn display_name(&self) -> Option<String> {
        let name = self.name.as_ref()?;
        if let Some(f) = name.formatted.as_deref().filter(|f| !f.is_empty()) {
            return Some(f.to_owned());
        }
        let parts: Vec<&str> = [name.given.as_deref(), name.family.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    /// "MFA on", "MFA off" or "MFA unknown" (not reported).
    pub fn mfa_label(&self) -> &'static str {
        match self.mfa_enabled {
            Some(true) => "MFA on",
            Some(false) => "MFA off",
            None => "MFA unknown",
        }
    }

    /// The account facts an auditor reads first: enabled or DISABLED, the MFA label, LOCKED.
    pub fn status_facts(&self) -> Vec<&'static str> {
        let mut facts = vec![
            if self.enabled { "enabled" } else { "DISABLED" },
            self.mfa_label(),
        ];
        if self.is_locked() {
            facts.push("LOCKED");
        }
        facts
    }

    pub fn is_locked(&self) -> bool {
        matches!(
            self.account.as_ref().and_then(|a| a.status.as_ref()),
            Some(AccountStatus::Locked)
        )
    }

    pub fn last_sign_on_millis(&self) -> Option<i64> {
        self.last_sign_on.as_ref()?.at.as_ref()?.millis()
    }
}

#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct MemberCounts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<u64>,
}

#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub id: Id,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Absent: an environment-level group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<Ref>,
    /// A SCIM filter: the group is dynamic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_filter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Set for external groups (provisioned by a gateway or an identity provider).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_type: Option<GroupSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct_member_counts: Option<MemberCounts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_member_counts: Option<MemberCounts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    /// Not an API field: `GET /groups/{id}/memberOfGroups`, the groups that contain this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_groups: Option<Vec<Ref>>,
    /// Not an API field: `GET /groups/{id}/roleAssignments`. `None`: not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_assignments: Option<Vec<RoleAssignment>>,
}

impl Group {
    pub fn is_dynamic(&self) -> bool {
        self.user_filter.as_deref().is_some_and(|f| !f.is_empty())
    }
    pub fn is_external(&self) -> bool {
        self.source_type.is_some()
    }
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Permission {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    pub id: Id,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub applicable_to: Vec<ScopeType>,
    /// `CUSTOM` for custom roles; absent (or `PLATFORM`) for PingOne's built-in roles.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<RoleType>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permissions: Vec<Permission>,
}

impl Role {
    pub fn is_custom(&self) -> bool {
        matches!(self.kind, Some(RoleType::Custom))
    }

    /// "built-in" or "custom": how every view tells a custom role from PingOne's own, since a
    /// custom role may carry a built-in role's name.
    pub fn kind_label(&self) -> &'static str {
        if self.is_custom() {
            "custom"
        } else {
            "built-in"
        }
    }

    /// The stable name of the role's kind in JSON: "BUILT_IN" or "CUSTOM".
    pub fn type_name(&self) -> &'static str {
        if self.is_custom() {
            "CUSTOM"
        } else {
            "BUILT_IN"
        }
    }
}

/// The built-in roles that satisfy an application's `ADMIN_USERS_ONLY` rule (API.md section 5).
pub const ADMIN_USERS_ONLY_ROLES: [&str; 4] = [
    "Organization Admin",
    "Environment Admin",
    "Identity Data Admin",
    "Client Application Developer",
];

#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct Scope {
    pub id: Id,
    #[serde(rename = "type")]
    pub kind: ScopeType,
}

/// An admin role held by a user, a group or an application, at a scope.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignment {
    pub id: Id,
    pub role: Ref,
    pub scope: Scope,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Ref>,
}

#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct GroupAccess {
    #[serde(rename = "type")]
    pub kind: GroupRule,
    #[serde(default)]
    pub groups: Vec<Ref>,
}

#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct RoleAccess {
    #[serde(rename = "type")]
    pub kind: RoleRule,
}

/// `accessControl` of an application: who may sign on to it.
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
pub struct AccessControl {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<RoleAccess>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<GroupAccess>,
}

#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    pub id: Id,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(rename = "type")]
    pub kind: AppType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Protocol>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_control: Option<AccessControl>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden_from_app_portal: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grant_types: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_page_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    /// Not an API field: `GET /applications/{id}/roleAssignments` (worker apps). `None`: not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_assignments: Option<Vec<RoleAssignment>>,
}

/// OAuth grants through which a person signs on, as the API spells them
/// (`EnumApplicationOIDCGrantType`). Compared case-insensitively; the device-code URN some
/// clients send is accepted too.
pub const USER_GRANTS: [&str; 5] = [
    "AUTHORIZATION_CODE",
    "IMPLICIT",
    "DEVICE_CODE",
    "CIBA",
    "urn:ietf:params:oauth:grant-type:device_code",
];

/// Is this grant type one through which a person signs on?
pub fn is_user_grant(grant: &str) -> bool {
    USER_GRANTS
        .iter()
        .any(|g| g.eq_ignore_ascii_case(grant.trim()))
}

impl Application {
    pub fn is_worker(&self) -> bool {
        self.kind == AppType::Worker
    }

    /// An application whose grant types are known and offer no way for a person to sign on
    /// (client credentials, refresh or token exchange only): its access control admits nobody,
    /// whatever it says. This holds for every application type, not only workers. When the
    /// grant types were not reported (SAML, WS-Fed, links, the PingOne portals), pingscope
    /// follows the access control.
    pub fn nobody_signs_on(&self) -> bool {
        !self.grant_types.is_empty() && !self.grant_types.iter().any(|g| is_user_grant(g))
    }

    /// "enabled" or "DISABLED", the words every view uses.
    pub fn status_word(&self) -> &'static str {
        if self.enabled { "enabled" } else { "DISABLED" }
    }
}

/// A gateway (PingFederate, LDAP, RADIUS, ...): `GET /gateways`. Gateways hold admin roles like
/// worker applications do; they are the environment's other non-human admins.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Gateway {
    pub id: Id,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<GatewayType>,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Not an API field: `GET /gateways/{id}/roleAssignments`. `None`: not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_assignments: Option<Vec<RoleAssignment>>,
}

impl Gateway {
    /// "enabled" or "DISABLED", the words every view uses.
    pub fn status_word(&self) -> &'static str {
        if self.enabled { "enabled" } else { "DISABLED" }
    }

    /// The type as received ("PING_FEDERATE"), or "unknown type".
    pub fn type_label(&self) -> &str {
        self.kind
            .as_ref()
            .map_or("unknown type", GatewayType::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> String {
        let path = format!(
            "{}/../shared/pingone/samples/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn api_user_body_deserialises() {
        let u: User = serde_json::from_str(&sample("user.xsoar-fixture.json")).unwrap();
        assert_eq!(u.username, "emma.sharp");
        assert_eq!(u.mfa_enabled, Some(false));
        assert_eq!(u.display_name().as_deref(), Some("Emma Sharp"));
        assert_eq!(
            u.identity_provider.and_then(|i| i.kind),
            Some(IdpType::PingOne)
        );
        assert!(u.memberships.is_none(), "not an API field");
    }

    #[test]
    fn api_application_and_role_bodies_deserialise() {
        let a: Application =
            serde_json::from_str(&sample("application-admin-console.qodex.json")).unwrap();
        assert_eq!(a.kind, AppType::AdminConsole);
        let rule = a.access_control.and_then(|c| c.role).map(|r| r.kind);
        assert_eq!(rule, Some(RoleRule::AdminUsersOnly));
        let r: Role = serde_json::from_str(&sample("role.SYNTHETIC.json")).unwrap();
        assert_eq!(r.name, "Identity Data Admin");
        assert!(!r.is_custom());
        let ra: RoleAssignment =
            serde_json::from_str(&sample("role-assignment.SYNTHETIC.json")).unwrap();
        assert_eq!(ra.scope.kind, ScopeType::Environment);
        let g: Group = serde_json::from_str(&sample("group.SYNTHETIC.json")).unwrap();
        assert!(g.is_dynamic());
    }
}
