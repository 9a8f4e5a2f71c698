//! Acme's applications: the curated ones (every type, protocol and access-control variant, the
//! worker apps holding admin roles) and generated ones for large environments.

use crate::model::{
    AccessControl, AppType, Application, GroupAccess, GroupRule, Protocol, Ref, RoleAccess,
    RoleRule,
};

use super::company::*;
use super::names::{CODENAMES, SAAS};
use super::rng::{Kind, Rng};
use super::roles::{self, RoleRef, ScopeRef};
use super::{CONTRACTORS, Ctx, DAY, EMPLOYEES};

/// Curated applications referenced elsewhere, by index.
pub(super) const A_JIRA: usize = 4;
pub(super) const A_SALESFORCE: usize = 8;
pub(super) const A_CUSTOMER_DASHBOARD: usize = 17;
/// How many curated applications there are.
pub(super) const CORE_APPS: usize = 37;

/// Who may use an application, before group indices become ids.
#[derive(Clone, Debug)]
enum Rule {
    Open,
    Any(Vec<u32>),
    All(Vec<u32>),
    Admin,
    AdminAny(Vec<u32>),
    /// ANY_GROUP over these groups plus a group that no longer exists.
    AnyWithDeleted(Vec<u32>),
}

struct Draft {
    name: String,
    kind: AppType,
    protocol: Protocol,
    rule: Rule,
    enabled: bool,
    description: Option<String>,
    roles: Vec<(RoleRef, ScopeRef)>,
    /// Grant types other than the type's usual ones.
    grants: Option<&'static [&'static str]>,
}

fn app(name: &str, kind: AppType, protocol: Protocol, rule: Rule) -> Draft {
    Draft {
        name: name.to_owned(),
        kind,
        protocol,
        rule,
        enabled: true,
        description: None,
        roles: Vec::new(),
        grants: None,
    }
}

fn disabled(mut d: Draft) -> Draft {
    d.enabled = false;
    d
}

fn worker(name: &str, description: &str, roles: &[(RoleRef, ScopeRef)]) -> Draft {
    let mut d = app(name, AppType::Worker, Protocol::OpenIdConnect, Rule::Open);
    d.description = Some(description.to_owned());
    d.roles = roles.to_vec();
    d
}

fn described(mut d: Draft, text: &str) -> Draft {
    d.description = Some(text.to_owned());
    d
}

fn core(co: &Company) -> Vec<Draft> {
    use AppType::*;
    use Protocol::{ExternalLink as Link, OpenIdConnect as Oidc, Saml, WsFed};
    use Rule::*;
    let c = &co.core;
    let t = &c.teams;
    let d = &c.depts;
    let b = |r: usize| RoleRef::Builtin(r);
    let long = "Self-service exploration of the Acme data lake: curated datasets, notebooks and \
                dashboards. "
        .repeat(30);
    vec![
        described(
            app("PingOne Admin Console", AdminConsole, Oidc, Admin),
            "The admin console application which is used to manage this environment's \
             configuration and identity data.",
        ),
        app("PingOne Self-Service", SelfService, Oidc, Open),
        app("PingOne Application Portal", Portal, Oidc, Open),
        app("Confluence", WebApp, Saml, Any(vec![c.all_staff])),
        app(
            "Jira",
            WebApp,
            Saml,
            Any(vec![d[ENGINEERING], d[PRODUCT], d[IT], c.jira_admins]),
        ),
        app(
            "GitHub Enterprise",
            WebApp,
            Saml,
            Any(vec![d[ENGINEERING], d[SECURITY]]),
        ),
        app(
            "AWS Console",
            WebApp,
            Saml,
            All(vec![t[T_SRE], c.production_access]),
        ),
        app(
            "Workday",
            TemplateApp,
            Saml,
            Any(vec![c.all_staff, c.dyn_contractors]),
        ),
        app(
            "Salesforce",
            TemplateApp,
            Saml,
            Any(vec![d[SALES], d[CUSTOMER_SUCCESS], c.reseller_partners]),
        ),
        app(
            "Slack",
            TemplateApp,
            Saml,
            Any(vec![c.all_staff, c.dyn_contractors, c.technology_partners]),
        ),
        app("Zoom", TemplateApp, Saml, Open),
        app("NetSuite", WebApp, Saml, Any(vec![c.dyn_finance])),
        app(
            "ADP Payroll",
            WebApp,
            WsFed,
            All(vec![d[FINANCE], c.finance_approvers]),
        ),
        app("SharePoint Intranet", WebApp, WsFed, Any(vec![c.all_staff])),
        described(
            app("Acme Mobile", NativeApp, Oidc, Open),
            "Acme's customer app",
        ),
        app(
            "Field Service Mobile",
            NativeApp,
            Oidc,
            Any(vec![d[FIELD_OPS]]),
        ),
        disabled(app("Kiosk Check-In", NativeApp, Oidc, Open)),
        app("Customer Dashboard", SinglePageApp, Oidc, Open),
        app(
            "Partner Portal",
            SinglePageApp,
            Oidc,
            Any(vec![
                c.reseller_partners,
                c.technology_partners,
                c.ext_partner_eng,
            ]),
        ),
        app(
            "Grafana",
            CustomApp,
            Oidc,
            Any(vec![t[T_SRE], t[T_PLATFORM], c.on_call]),
        ),
        app(
            "Identity Admin Tools",
            CustomApp,
            Oidc,
            AdminAny(vec![c.identity_admins, t[T_IAM]]),
        ),
        app("HashiCorp Vault", WebApp, Oidc, AdminAny(vec![d[SECURITY]])),
        app(
            "Incident Console",
            WebApp,
            Oidc,
            Any(vec![c.incident_response]),
        ),
        described(
            app(
                "Board Portal",
                WebApp,
                Saml,
                AnyWithDeleted(vec![c.executives]),
            ),
            "Board papers. The second group of its rule was deleted in the 2025 re-org.",
        ),
        disabled(app("Legacy Intranet", WebApp, Saml, Any(vec![c.all_staff]))),
        app(
            "Tableau",
            WebApp,
            Saml,
            Any(vec![t[T_DATA], t[T_FPA], c.data_governance]),
        ),
        app("Benefits Hub", PortalLinkApp, Link, Open),
        app("Status Page", PortalLinkApp, Link, Open),
        app("Billing API", Service, Oidc, Open),
        worker(
            "Terraform Provisioner",
            "Infrastructure as code for PingOne (CI pipeline)",
            &[
                (b(roles::ENV_ADMIN), ScopeRef::Env),
                (b(roles::ORG_ADMIN), ScopeRef::Org),
            ],
        ),
        worker(
            "HRIS Sync",
            "Provisions staff and contractors from Workday",
            &[
                (b(roles::IDENTITY_DATA_ADMIN), ScopeRef::Pop(EMPLOYEES)),
                (b(roles::IDENTITY_DATA_ADMIN), ScopeRef::Pop(CONTRACTORS)),
            ],
        ),
        worker(
            "CI Deploy Bot",
            "Deploys the customer dashboard",
            &[
                (b(roles::CLIENT_APP_DEVELOPER), ScopeRef::Env),
                (b(roles::APP_OWNER), ScopeRef::App(A_CUSTOMER_DASHBOARD)),
                (
                    RoleRef::Custom(roles::CUSTOM_CURATOR),
                    ScopeRef::App(A_CUSTOMER_DASHBOARD),
                ),
            ],
        ),
        worker(
            "pingscope Reader",
            "Read-only worker for access reviews",
            &[
                (b(roles::IDENTITY_DATA_READ_ONLY), ScopeRef::Env),
                (b(roles::CONFIG_READ_ONLY), ScopeRef::Env),
                (RoleRef::Custom(roles::CUSTOM_AUDIT), ScopeRef::Env),
            ],
        ),
        disabled(worker(
            "Legacy LDAP Sync",
            "Decommissioned. Still holds Environment Admin on Acme Staging and a role from there.",
            &[
                (b(roles::ENV_ADMIN), ScopeRef::OtherEnv),
                (RoleRef::Foreign, ScopeRef::Env),
            ],
        )),
        described(
            app("Invoices\u{202e}fdp.exe", WebApp, Saml, Any(vec![t[T_AP]])),
            "Supplier invoices (the name holds a right-to-left override)",
        ),
        described(
            app(
                "Data Lake Explorer",
                SinglePageApp,
                Oidc,
                Any(vec![t[T_DATA]]),
            ),
            &long,
        ),
        {
            // A worker people sign on to (a user grant beside client credentials): its
            // ADMIN_USERS_ONLY rule admits the admins, whose tokens carry their own roles.
            let mut d = worker(
                "Admin Scripts",
                "Maintenance scripts admins run with their own roles",
                &[],
            );
            d.rule = Admin;
            d.grants = Some(&["AUTHORIZATION_CODE", "CLIENT_CREDENTIALS"]);
            d
        },
    ]
}

fn generated(seed: u64, i: usize, ngroups: usize, napps: usize) -> Draft {
    use AppType::*;
    let mut r = Rng::stream(seed, 40, i as u64);
    const SUFFIX: &[&str] = &["Portal", "Console", "Tracker", "Hub", "Reports", "Admin"];
    let name = match SAAS.get(i) {
        Some(n) => (*n).to_owned(),
        None => format!(
            "{} {} {i}",
            CODENAMES[r.index(CODENAMES.len())],
            SUFFIX[r.index(SUFFIX.len())]
        ),
    };
    let kinds = [
        WebApp,
        SinglePageApp,
        NativeApp,
        Worker,
        Service,
        CustomApp,
        TemplateApp,
        PortalLinkApp,
    ];
    let kind = kinds[r.weighted(&[40, 12, 8, 4, 5, 6, 15, 10])].clone();
    let protocol = match kind {
        PortalLinkApp => Protocol::ExternalLink,
        WebApp | TemplateApp if r.chance(50) => Protocol::WsFed,
        WebApp | TemplateApp if r.chance(600) => Protocol::Saml,
        _ => Protocol::OpenIdConnect,
    };
    let groups = |r: &mut Rng, n: u64| -> Vec<u32> {
        let mut v: Vec<u32> = (0..n).map(|_| r.below(ngroups as u64) as u32).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let rule = match kind {
        PortalLinkApp | Worker | Service => Rule::Open,
        _ => match r.below(100) {
            0..25 => Rule::Open,
            25..55 => Rule::Any(groups(&mut r, 1)),
            55..75 => {
                let n = 2 + r.below(2);
                Rule::Any(groups(&mut r, n))
            }
            75..85 => Rule::All(groups(&mut r, 2)),
            85..90 => Rule::Admin,
            _ => Rule::AdminAny(groups(&mut r, 1)),
        },
    };
    let mut d = app(&name, kind.clone(), protocol, rule);
    d.enabled = !r.chance(50);
    if kind == Worker {
        d.roles.push(match r.below(10) {
            0..5 => (
                RoleRef::Builtin(roles::IDENTITY_DATA_READ_ONLY),
                ScopeRef::Env,
            ),
            5..8 => (
                RoleRef::Builtin(roles::APP_OWNER),
                ScopeRef::App(r.index(napps)),
            ),
            _ => (RoleRef::Builtin(roles::ENV_ADMIN), ScopeRef::Env),
        });
    }
    d
}

/// The curated applications, then generated ones up to `napps` in all.
pub(super) fn build(ctx: &mut Ctx, co: &Company, napps: usize) -> Vec<Application> {
    let ngroups = co.drafts.len();
    let seed = ctx.seed;
    let drafts = core(co)
        .into_iter()
        .chain((CORE_APPS..napps).map(|i| generated(seed, i - CORE_APPS, ngroups, napps)));
    let mut out = Vec::with_capacity(napps);
    for (i, d) in drafts.enumerate() {
        let mut r = Rng::stream(ctx.seed, 41, i as u64);
        let refs = |gs: &[u32]| -> Vec<Ref> {
            gs.iter()
                .map(|&g| Ref::new(ctx.id(Kind::Group, g as usize)))
                .collect()
        };
        let group = |kind: GroupRule, groups: Vec<Ref>| Some(GroupAccess { kind, groups });
        let admin = || {
            Some(RoleAccess {
                kind: RoleRule::AdminUsersOnly,
            })
        };
        let access_control = match &d.rule {
            Rule::Open => None,
            Rule::Any(gs) => Some(AccessControl {
                role: None,
                group: group(GroupRule::AnyGroup, refs(gs)),
            }),
            Rule::All(gs) => Some(AccessControl {
                role: None,
                group: group(GroupRule::AllGroups, refs(gs)),
            }),
            Rule::Admin => Some(AccessControl {
                role: admin(),
                group: None,
            }),
            Rule::AdminAny(gs) => Some(AccessControl {
                role: admin(),
                group: group(GroupRule::AnyGroup, refs(gs)),
            }),
            Rule::AnyWithDeleted(gs) => {
                let mut groups = refs(gs);
                groups.push(Ref::new(ctx.id(Kind::DeletedGroup, 0)));
                Some(AccessControl {
                    role: None,
                    group: group(GroupRule::AnyGroup, groups),
                })
            }
        };
        // Grant types as the Management API spells them (upper case).
        let (grant_types, auth): (&[&str], &str) = match (&d.kind, &d.protocol) {
            (AppType::Worker, _) => (&["CLIENT_CREDENTIALS"], "CLIENT_SECRET_BASIC"),
            (AppType::Service, _) => (&["CLIENT_CREDENTIALS"], "CLIENT_SECRET_POST"),
            (AppType::SinglePageApp | AppType::NativeApp, _) => (&["AUTHORIZATION_CODE"], "NONE"),
            (_, Protocol::OpenIdConnect) => (
                &["AUTHORIZATION_CODE", "REFRESH_TOKEN"],
                "CLIENT_SECRET_BASIC",
            ),
            _ => (&[], ""),
        };
        let grant_types = d.grants.unwrap_or(grant_types);
        let host: String = d
            .name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let created = r.range(30, 2000) * DAY + r.range(0, DAY);
        let updated = r.range(0, created);
        let role_assignments = d.roles.iter().map(|&(ro, sc)| ctx.assign(ro, sc)).collect();
        let hidden = matches!(d.kind, AppType::Worker | AppType::Service);
        out.push(Application {
            id: ctx.id(Kind::Application, i),
            description: d.description,
            enabled: d.enabled,
            protocol: Some(d.protocol),
            access_control,
            hidden_from_app_portal: Some(hidden),
            grant_types: grant_types.iter().map(|s| (*s).to_owned()).collect(),
            token_endpoint_auth_method: (!auth.is_empty()).then(|| auth.to_owned()),
            home_page_url: (!hidden).then(|| format!("https://{host}.acme.example/")),
            created_at: Some(ctx.ts(created)),
            updated_at: Some(ctx.ts(updated)),
            role_assignments: Some(role_assignments),
            kind: d.kind,
            name: d.name,
        });
    }
    out
}
