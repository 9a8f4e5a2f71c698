//! A deterministic generator of believable PingOne environments.
//!
//! [`generate`] builds the environment of Acme Corporation, a mid-sized company with staff,
//! contractors, partners and customers, at any size: the bundled demo ([`Params::demo`]) and
//! large environments for benchmarks ([`Params::sized`]). The same [`Params`] always give the
//! same snapshot, byte for byte, on every platform (see `rng.rs` for why the generator owns its
//! PRNG).
//!
//! Every environment, whatever its size, contains the curated core of Acme: its organisation
//! chart of nested groups, the cross-cutting groups (with nesting cycles), the dynamic and
//! external groups, the roles, the curated applications and the well-known people listed on
//! [`generate`]. Larger sizes add generated squads, projects and applications around that core,
//! so counts below the core's own are raised to it.

mod apps;
mod company;
mod fixed;
mod gateways;
mod later;
pub use later::later;
mod names;
mod orgchart;
mod people;
mod rng;
mod roles;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_access;
#[cfg(test)]
mod tests_audit;
#[cfg(test)]
mod tests_diff;
#[cfg(test)]
mod tests_rules;
#[cfg(test)]
mod tests_scale;

use crate::model::{
    Coverage, Environment, EnvironmentType, Id, Meta, Population, Ref, Snapshot, Source, Stage,
    StageState, Timestamp,
};

use rng::{Kind, make_id};

/// 2026-11-01T00:00:00Z: "now" for the demo, so it never changes with the calendar.
pub const DEMO_NOW_MILLIS: i64 = 1_793_491_200_000;
/// The demo's seed.
pub const DEMO_SEED: u64 = 0xAC3E_2026;

const DAY: i64 = 86_400_000;

/// How big an environment to generate, from which seed, and when "now" is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    pub seed: u64,
    /// Users; at least the well-known people.
    pub users: usize,
    /// Groups; at least the curated core (78).
    pub groups: usize,
    /// Applications; at least the curated core (36).
    pub apps: usize,
    /// Populations; at least 4 (Employees, Contractors, Partners, Customers).
    pub populations: usize,
    /// "Now" in milliseconds since the epoch: sign-on ages and dates are relative to it.
    pub now_millis: i64,
}

impl Params {
    /// The bundled demo: 480 people in 4 populations, 80 groups, 37 applications, 3 gateways,
    /// fixed seed and fixed "now", so it is the same environment forever.
    pub fn demo() -> Params {
        Params {
            seed: DEMO_SEED,
            users: 480,
            groups: 80,
            apps: 37,
            populations: 4,
            now_millis: DEMO_NOW_MILLIS,
        }
    }

    /// A larger environment (benchmarks): 4 populations, the demo's fixed "now".
    pub fn sized(users: usize, groups: usize, apps: usize, seed: u64) -> Params {
        Params {
            seed,
            users,
            groups,
            apps,
            populations: 4,
            now_millis: DEMO_NOW_MILLIS,
        }
    }
}

/// Well-known people, present in every generated environment (tests and docs rely on them).
pub mod people_of_note {
    /// Holds Environment Admin only through the group "Platform Admins" (no role of her own), so
    /// the PingOne Admin Console admits her through that group.
    pub const ADMIN_VIA_GROUP: &str = "priya.raman";
    /// Reaches Confluence (ANY_GROUP: All Staff) through a 4-deep nesting chain:
    /// Platform Runtime → Platform → Engineering → Technology → All Staff.
    pub const DEEP_NESTING: &str = "alice.nguyen";
    /// Disabled (a leaver) but still holds Identity Data Admin on the environment.
    pub const DISABLED_WITH_ROLE: &str = "derek.walsh";
    /// Locked, MFA off, and holds Environment Admin directly.
    pub const LOCKED_ADMIN_NO_MFA: &str = "olga.petrova";
    /// In SRE but not in Production Access: refused AWS Console (ALL_GROUPS) for that one group.
    pub const MISSING_ONE_GROUP: &str = "sam.okafor";
    /// In SRE and Production Access: admitted to AWS Console.
    pub const ALL_GROUPS_MEMBER: &str = "wei.zhang";
    /// Holds the custom role named "Environment Admin" (and, through Helpdesk, a custom "Identity
    /// Data Admin (Helpdesk)"): still refused the Admin Console, custom roles never count.
    pub const CUSTOM_ROLE_LOOKALIKE: &str = "helen.fischer";
    /// A direct member of Incident Response, which sits in a 3-group nesting cycle.
    pub const IN_NESTING_CYCLE: &str = "mei.tanaka";
    /// Holds Organization Admin at the organisation scope.
    pub const ORG_ADMIN: &str = "kofi.mensah";
    /// Application Owner of Salesforce (APPLICATION scope).
    pub const APP_OWNER: &str = "lucia.romero";
    /// A contractor with Help Desk Admin on the Contractors population (POPULATION scope).
    pub const POPULATION_ADMIN: &str = "tom.becker";
    /// Client Application Developer here, and Environment Admin of another environment (a scope
    /// outside the snapshot).
    pub const OTHER_ENV_ADMIN: &str = "ravi.iyer";
    /// In Executives: admitted to Board Portal, whose rule also lists a deleted group.
    pub const EXECUTIVE: &str = "james.osei";
    /// A contractor who has never signed on.
    pub const NEVER_SIGNED_ON: &str = "jonas.weber";
    /// A partner signing on through SAML, member of an external (IDP) group.
    pub const SAML_PARTNER: &str = "grace.obi";
    /// A customer signing on with Google, added to no group: his only membership is the dynamic
    /// group "Google Sign-In Users" (INDIRECT).
    pub const GOOGLE_CUSTOMER: &str = "ben.carter";
    /// Name written in Arabic (right to left); a member of the Data Governance Council, whose
    /// description is very long.
    pub const RTL_NAME: &str = "layla.haddad";
    /// Display name with an emoji.
    pub const EMOJI_NAME: &str = "sam.rivera";
    /// Family name with a right-to-left override (U+202E) that makes it read "Quinnadmin".
    pub const BIDI_NAME: &str = "mallory.quinn";
}

/// Names of curated applications and groups that tests and docs refer to.
pub mod names_of_note {
    /// No access control: every user may use it.
    pub const OPEN_APP: &str = "PingOne Self-Service";
    /// ADMIN_USERS_ONLY alone.
    pub const ADMIN_CONSOLE: &str = "PingOne Admin Console";
    /// ANY_GROUP [All Staff].
    pub const DEEP_APP: &str = "Confluence";
    /// ALL_GROUPS [SRE, Production Access].
    pub const ALL_GROUPS_APP: &str = "AWS Console";
    /// ANY_GROUP [Executives, a deleted group].
    pub const DANGLING_APP: &str = "Board Portal";
    /// The 3-cycle: each group is nested in the one before it, and the first in the last.
    pub const CYCLE: [&str; 3] = [
        "Incident Response",
        "On-Call Rotation",
        "Escalation Managers",
    ];
    /// A group holding Environment Admin.
    pub const ADMIN_GROUP: &str = "Platform Admins";
    /// A worker application holding Environment Admin and Organization Admin.
    pub const ADMIN_WORKER: &str = "Terraform Provisioner";
    /// A worker allowing AUTHORIZATION_CODE beside CLIENT_CREDENTIALS, ADMIN_USERS_ONLY: admins
    /// sign on through it with their own roles.
    pub const USER_GRANT_WORKER: &str = "Admin Scripts";
    /// A SERVICE application with client credentials only and no access rule: admits nobody.
    pub const CLIENT_ONLY_SERVICE: &str = "Billing API";
    /// The PingFederate gateway holding Identity Data Admin on the environment.
    pub const PF_GATEWAY: &str = "PingFederate Corporate SSO";
    /// The group whose name carries terminal escape sequences.
    pub const ESCAPE_GROUP: &str = "\u{1b}[31mRed Team\u{1b}[0m";
}

/// Generation context: the seed, "now", and the running role-assignment counter.
pub(crate) struct Ctx {
    seed: u64,
    now: i64,
    assignments: u64,
}

impl Ctx {
    fn id(&self, kind: Kind, index: usize) -> Id {
        make_id(self.seed, kind, index as u64)
    }

    fn ts(&self, millis_ago: i64) -> Timestamp {
        Timestamp::from_millis(self.now - millis_ago)
    }
}

/// Population names; beyond these, "Population N".
const POPULATIONS: &[(&str, &str)] = &[
    ("Employees", "Acme staff on permanent contracts"),
    (
        "Contractors",
        "Contractors and agency staff, managed by their Acme sponsor",
    ),
    ("Partners", "Resellers and technology partners"),
    ("Customers", "Customer accounts for Acme's own products"),
    ("Retail Customers", "Consumer accounts from the web shop"),
    ("Suppliers", "Supplier portal accounts"),
    ("Alumni", "Former staff kept for the alumni network"),
];
pub(crate) const EMPLOYEES: usize = 0;
pub(crate) const CONTRACTORS: usize = 1;
pub(crate) const PARTNERS: usize = 2;
pub(crate) const CUSTOMERS: usize = 3;

/// Generates the environment `p` describes. Deterministic: the same `p` gives an equal snapshot
/// (and the same file bytes) every time, on every platform.
///
/// Every stage is complete and every user, group and application carries `Some` memberships,
/// parents and role assignments (empty when it has none), as if everything had been read.
///
/// Well-known people (usernames in [`people_of_note`]), present at every size:
/// - `priya.raman`: Environment Admin only through the group Platform Admins; the Admin Console
///   (ADMIN_USERS_ONLY) admits her through it.
/// - `alice.nguyen`: Confluence (ANY_GROUP All Staff) through Platform Runtime → Platform →
///   Engineering → Technology → All Staff (four nesting hops).
/// - `derek.walsh`: disabled, still Identity Data Admin on the environment.
/// - `olga.petrova`: locked, MFA off, Environment Admin of her own.
/// - `sam.okafor`: refused AWS Console (ALL_GROUPS SRE + Production Access), missing only
///   Production Access; `wei.zhang`, in both, is admitted.
/// - `helen.fischer`: holds the custom role "Environment Admin" and is still refused the Admin
///   Console.
/// - `mei.tanaka`: in Incident Response, part of the cycle Incident Response → Escalation Managers
///   → On-Call Rotation → Incident Response.
/// - `kofi.mensah` (Organization Admin at ORGANIZATION scope), `lucia.romero` (Application Owner
///   of Salesforce), `tom.becker` (Help Desk Admin of the Contractors population), `ravi.iyer`
///   (Environment Admin of another environment), `james.osei` (Executives; Board Portal lists a
///   deleted group too), `jonas.weber` (never signed on), `grace.obi` (SAML partner in an external
///   group), `ben.carter` (Google customer, only in a dynamic group), `layla.haddad` (Arabic name),
///   `sam.rivera` (emoji name), `mallory.quinn` (U+202E in her name).
pub fn generate(p: &Params) -> Snapshot {
    let mut ctx = Ctx {
        seed: p.seed,
        now: p.now_millis,
        assignments: 0,
    };
    let npops = p.populations.max(4);
    let napps = p.apps.max(apps::CORE_APPS);
    let company = company::build(&ctx, p.groups, napps);
    let applications = apps::build(&mut ctx, &company, napps);
    let people = people::build(&mut ctx, p.users, npops, &company, napps);
    let groups = company.materialize(&mut ctx, &people.direct_counts, &people.total_counts);
    let roles = roles::all(&ctx);
    let gateways = gateways::build(&mut ctx);

    let populations: Vec<Population> = (0..npops)
        .map(|i| {
            let (name, description) = match POPULATIONS.get(i) {
                Some(&(n, d)) => (n.to_owned(), Some(d.to_owned())),
                None => (format!("Population {}", i + 1), None),
            };
            Population {
                id: ctx.id(Kind::Population, i),
                name,
                description,
                default: i == EMPLOYEES,
                user_count: people.pop_counts.get(i).map(|&n| n as u64),
            }
        })
        .collect();

    let environment = Environment {
        id: Some(ctx.id(Kind::Environment, 0)),
        name: "Acme Prod".into(),
        description: Some("Acme Corporation production identities".into()),
        kind: Some(EnvironmentType::Production),
        region: Some("NA".into()),
        license: Some(Ref::new(ctx.id(Kind::License, 0))),
        organization: Some(Ref::new(ctx.id(Kind::Organization, 0))),
        created_at: Some(ctx.ts(6 * 365 * DAY)),
    };

    let mut coverage = Coverage::complete();
    let all = |n: usize| (n as u64, Some(n as u64));
    for (stage, (done, total)) in [
        (Stage::Environment, all(1)),
        (Stage::Populations, all(populations.len())),
        (Stage::Users, all(people.users.len())),
        (Stage::Groups, all(groups.len())),
        (Stage::Roles, all(roles.len())),
        (Stage::Applications, all(applications.len())),
        (Stage::Gateways, all(gateways.len())),
        (Stage::GroupNesting, all(groups.len())),
        (Stage::GroupRoleAssignments, all(groups.len())),
        (Stage::ApplicationRoleAssignments, all(applications.len())),
        (Stage::GatewayRoleAssignments, all(gateways.len())),
        (Stage::UserMemberships, all(people.users.len())),
        (Stage::UserRoleAssignments, all(people.users.len())),
    ] {
        coverage.set(stage, StageState::Complete, done, total);
    }

    Snapshot {
        meta: Meta {
            taken_at: Timestamp::from_millis(p.now_millis),
            source: Source::Generated { seed: p.seed },
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            profile: None,
            resumed_from: None,
            refreshed_from: None,
        },
        coverage,
        environment,
        populations,
        users: people.users,
        groups,
        roles,
        applications,
        gateways,
    }
}
