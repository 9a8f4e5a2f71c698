//! Admin roles: PingOne's built-in roles (API.md section 4) and the company's custom ones, and
//! the role assignments that reference them.

use crate::model::{Permission, Ref, Role, RoleAssignment, RoleType, Scope, ScopeType};

use super::Ctx;
use super::rng::{BUILTIN_SEED, Kind, make_id};

use ScopeType::{Application as A, Environment as E, Organization as O, Population as P};

struct Spec {
    name: &'static str,
    applicable: &'static [ScopeType],
    description: &'static str,
    permissions: &'static [&'static str],
}

/// The built-in roles, in the order of API.md section 4. Indices below name them.
const BUILTIN: &[Spec] = &[
    Spec {
        name: "Organization Admin",
        applicable: &[O],
        description: "Manages the organization: environments, licences and every admin role.",
        permissions: &[
            "orgmgt:read:organization",
            "orgmgt:update:organization",
            "orgmgt:create:environment",
        ],
    },
    Spec {
        name: "Environment Admin",
        applicable: &[O, E],
        description: "Manages everything in the environments it covers.",
        permissions: &[
            "orgmgt:update:environment",
            "orgmgt:read:environment",
            "orgmgt:delete:environment",
        ],
    },
    Spec {
        name: "Identity Data Admin",
        applicable: &[E, P],
        description: "Manages users, groups and populations.",
        permissions: &[
            "users:read:user",
            "users:update:user",
            "users:create:user",
            "groups:update:group",
        ],
    },
    Spec {
        name: "Identity Data Read Only",
        applicable: &[E, P],
        description: "Reads users, groups and populations.",
        permissions: &["users:read:user", "groups:read:group"],
    },
    Spec {
        name: "Client Application Developer",
        applicable: &[E],
        description: "Creates and manages applications.",
        permissions: &[
            "apps:create:application",
            "apps:update:application",
            "apps:read:application",
        ],
    },
    Spec {
        name: "Configuration Read Only",
        applicable: &[E],
        description: "Reads the environment's configuration.",
        permissions: &["apps:read:application", "orgmgt:read:population"],
    },
    Spec {
        name: "Application Owner",
        applicable: &[A],
        description: "Manages the applications it is assigned on.",
        permissions: &["apps:read:application", "apps:update:application"],
    },
    Spec {
        name: "Help Desk Admin",
        applicable: &[E, P],
        description: "Unlocks accounts, resets passwords and MFA devices.",
        permissions: &[
            "users:read:user",
            "users:update:password",
            "mfa:delete:device",
        ],
    },
    Spec {
        name: "Custom Roles Admin",
        applicable: &[E],
        description: "Creates and assigns custom admin roles.",
        permissions: &["roles:create:customRole", "roles:update:customRole"],
    },
    Spec {
        name: "DaVinci Admin",
        applicable: &[E],
        description: "Manages DaVinci flows.",
        permissions: &["davinci:update:flow", "davinci:read:flow"],
    },
    Spec {
        name: "DaVinci Admin Read Only",
        applicable: &[E],
        description: "Reads DaVinci flows.",
        permissions: &["davinci:read:flow"],
    },
    Spec {
        name: "PingFederate Administrator",
        applicable: &[E],
        description: "Administers linked PingFederate servers.",
        permissions: &["pingfederate:admin"],
    },
    Spec {
        name: "PingFederate Auditor",
        applicable: &[E],
        description: "Read-only access to linked PingFederate servers.",
        permissions: &["pingfederate:audit"],
    },
    Spec {
        name: "PingFederate Crypto Administrator",
        applicable: &[E],
        description: "Manages keys and certificates on linked PingFederate servers.",
        permissions: &["pingfederate:crypto"],
    },
    Spec {
        name: "PingFederate Expression Administrator",
        applicable: &[E],
        description: "Manages OGNL expressions on linked PingFederate servers.",
        permissions: &["pingfederate:expression"],
    },
    Spec {
        name: "PingFederate User Administrator",
        applicable: &[E],
        description: "Manages administrative accounts on linked PingFederate servers.",
        permissions: &["pingfederate:user"],
    },
    Spec {
        name: "Authorize Gateway Policy Evaluator",
        applicable: &[E],
        description: "Lets an Authorize gateway evaluate policies.",
        permissions: &["authorize:evaluate:decision"],
    },
    Spec {
        name: "Advanced Identity Cloud Super Admin",
        applicable: &[E],
        description: "Full control of a linked Advanced Identity Cloud tenant.",
        permissions: &["aic:admin:tenant"],
    },
    Spec {
        name: "Advanced Identity Cloud Tenant Admin",
        applicable: &[E],
        description: "Manages a linked Advanced Identity Cloud tenant.",
        permissions: &["aic:update:tenant"],
    },
];

pub(super) const ORG_ADMIN: usize = 0;
pub(super) const ENV_ADMIN: usize = 1;
pub(super) const IDENTITY_DATA_ADMIN: usize = 2;
pub(super) const IDENTITY_DATA_READ_ONLY: usize = 3;
pub(super) const CLIENT_APP_DEVELOPER: usize = 4;
pub(super) const CONFIG_READ_ONLY: usize = 5;
pub(super) const APP_OWNER: usize = 6;
pub(super) const HELP_DESK_ADMIN: usize = 7;
pub(super) const DAVINCI_ADMIN: usize = 9;

/// Custom roles (`type: CUSTOM`). The first is named exactly like a built-in admin role: it must
/// never satisfy ADMIN_USERS_ONLY.
const CUSTOM: &[Spec] = &[
    Spec {
        name: "Environment Admin",
        applicable: &[E],
        description: "Helpdesk pilot: a custom clone of Environment Admin without licence and \
                      environment management. Not the built-in role.",
        permissions: &[
            "users:read:user",
            "users:update:user",
            "apps:read:application",
        ],
    },
    Spec {
        name: "Identity Data Admin (Helpdesk)",
        applicable: &[E, P],
        description: "Helpdesk agents: edit profiles and reset MFA, nothing else.",
        permissions: &["users:read:user", "users:update:user", "mfa:delete:device"],
    },
    Spec {
        name: "App Catalog Curator",
        applicable: &[E, A],
        description: "Keeps the application portal tidy: icons, names, visibility.",
        permissions: &["apps:read:application", "apps:update:application"],
    },
    Spec {
        name: "Audit Reader",
        applicable: &[E],
        description: "Read-only access to audit events and identity data for the audit team.",
        permissions: &["audit:read:activity", "users:read:user"],
    },
];

pub(super) const CUSTOM_ENV_ADMIN: usize = 0;
pub(super) const CUSTOM_HELPDESK: usize = 1;
pub(super) const CUSTOM_CURATOR: usize = 2;
pub(super) const CUSTOM_AUDIT: usize = 3;

/// A role an assignment names.
#[derive(Copy, Clone, Debug)]
pub(super) enum RoleRef {
    Builtin(usize),
    Custom(usize),
    /// A custom role of another environment: its id is not in the snapshot.
    Foreign,
}

/// Where an assignment applies.
#[derive(Copy, Clone, Debug)]
pub(super) enum ScopeRef {
    Env,
    /// Another environment of the organisation (not in the snapshot).
    OtherEnv,
    Org,
    Pop(usize),
    App(usize),
}

fn to_role(r: &Spec, id: crate::model::Id, custom: bool) -> Role {
    Role {
        id,
        name: r.name.to_owned(),
        description: Some(r.description.to_owned()),
        applicable_to: r.applicable.to_vec(),
        kind: custom.then_some(RoleType::Custom),
        permissions: r
            .permissions
            .iter()
            .map(|p| Permission {
                id: (*p).to_owned(),
                classifier: p.split(':').next().map(str::to_owned),
                description: None,
            })
            .collect(),
    }
}

/// Every role of the snapshot: the built-in ones (no `type`), then the custom ones.
pub(super) fn all(ctx: &Ctx) -> Vec<Role> {
    let builtin = BUILTIN
        .iter()
        .enumerate()
        .map(|(i, r)| to_role(r, make_id(BUILTIN_SEED, Kind::BuiltinRole, i as u64), false));
    let custom = CUSTOM
        .iter()
        .enumerate()
        .map(|(i, r)| to_role(r, ctx.id(Kind::CustomRole, i), true));
    builtin.chain(custom).collect()
}

impl Ctx {
    /// A new role assignment with the next assignment id.
    pub(super) fn assign(&mut self, role: RoleRef, scope: ScopeRef) -> RoleAssignment {
        let role_id = match role {
            RoleRef::Builtin(i) => make_id(BUILTIN_SEED, Kind::BuiltinRole, i as u64),
            RoleRef::Custom(i) => self.id(Kind::CustomRole, i),
            RoleRef::Foreign => self.id(Kind::ForeignRole, 0),
        };
        let env = self.id(Kind::Environment, 0);
        let (id, kind, home) = match scope {
            ScopeRef::Env => (env.clone(), ScopeType::Environment, env),
            ScopeRef::OtherEnv => {
                let other = self.id(Kind::OtherEnvironment, 0);
                (other.clone(), ScopeType::Environment, other)
            }
            ScopeRef::Org => (self.id(Kind::Organization, 0), ScopeType::Organization, env),
            ScopeRef::Pop(p) => (self.id(Kind::Population, p), ScopeType::Population, env),
            ScopeRef::App(a) => (self.id(Kind::Application, a), ScopeType::Application, env),
        };
        let n = self.assignments;
        self.assignments += 1;
        RoleAssignment {
            id: self.id(Kind::Assignment, n as usize),
            role: Ref { id: role_id },
            scope: Scope { id, kind },
            environment: Some(Ref { id: home }),
        }
    }
}
