//! Acme's gateways: the non-human admins beside the worker applications.

use crate::model::{Gateway, GatewayType};

use super::rng::Kind;
use super::roles::{self, RoleRef, ScopeRef};
use super::{CONTRACTORS, Ctx};

/// name, type, enabled, description, the roles it holds.
type Draft = (
    &'static str,
    GatewayType,
    bool,
    &'static str,
    &'static [(RoleRef, ScopeRef)],
);

/// A PingFederate gateway holding Identity Data Admin on the environment, an LDAP gateway with no
/// role, and a disabled RADIUS gateway that still holds Help Desk Admin on the Contractors.
pub(super) fn build(ctx: &mut Ctx) -> Vec<Gateway> {
    let drafts: [Draft; 3] = [
        (
            super::names_of_note::PF_GATEWAY,
            GatewayType::PingFederate,
            true,
            "Federates the corporate directory; provisions staff",
            &[(RoleRef::Builtin(roles::IDENTITY_DATA_ADMIN), ScopeRef::Env)],
        ),
        (
            "Active Directory Connector",
            GatewayType::Ldap,
            true,
            "LDAP pass-through authentication for staff",
            &[],
        ),
        (
            "VPN RADIUS",
            GatewayType::Radius,
            false,
            "Retired VPN gateway; its role was never removed",
            &[(
                RoleRef::Builtin(roles::HELP_DESK_ADMIN),
                ScopeRef::Pop(CONTRACTORS),
            )],
        ),
    ];
    drafts
        .into_iter()
        .enumerate()
        .map(|(i, (name, kind, enabled, description, held))| Gateway {
            id: ctx.id(Kind::Gateway, i),
            name: name.to_owned(),
            description: Some(description.to_owned()),
            kind: Some(kind),
            enabled,
            role_assignments: Some(held.iter().map(|&(r, s)| ctx.assign(r, s)).collect()),
        })
        .collect()
}
