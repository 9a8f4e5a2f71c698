//! The well-known people (see `people_of_note`): always the first users, at every size.

use super::apps::A_SALESFORCE;
use super::company::*;
use super::names::PLACES;
use super::people::{Idp, Person, Spec};
use super::people_of_note as who;
use super::roles::{self, RoleRef, ScopeRef};
use super::{CONTRACTORS, CUSTOMERS, DAY, EMPLOYEES, PARTNERS};

fn place(locality: &str) -> usize {
    PLACES.iter().position(|p| p.0 == locality).unwrap_or(0)
}

/// A healthy employee: enabled, MFA on, signed on yesterday.
fn employee(
    username: &str,
    given: &str,
    family: &str,
    dept: Option<usize>,
    direct: &[u32],
) -> Spec {
    Spec {
        username: username.to_owned(),
        given: given.to_owned(),
        family: family.to_owned(),
        formatted: Some(format!("{given} {family}")),
        person: Person {
            pop: EMPLOYEES,
            dept,
            kind: "Employee",
            place: 0,
            idp: Idp::PingOne,
        },
        direct: direct.to_vec(),
        roles: Vec::new(),
        enabled: true,
        locked: false,
        mfa: true,
        // Yesterday, at an hour that differs from person to person.
        sign_on_ago: Some(DAY + 3_600_000 * (username.len() as i64) + 60_000 * given.len() as i64),
        created_ago: 900 * DAY,
    }
}

fn at(mut s: Spec, locality: &str) -> Spec {
    s.person.place = place(locality);
    s
}

fn with_roles(mut s: Spec, roles: &[(RoleRef, ScopeRef)]) -> Spec {
    s.roles = roles.to_vec();
    s
}

fn in_pop(mut s: Spec, pop: usize, kind: &'static str, idp: Idp) -> Spec {
    s.person.pop = pop;
    s.person.kind = kind;
    s.person.idp = idp;
    s
}

pub(super) fn fixed_people(co: &Company) -> Vec<Spec> {
    let c = &co.core;
    let t = &c.teams;
    let b = |r: usize| RoleRef::Builtin(r);
    vec![
        at(
            employee(
                who::DEEP_NESTING,
                "Alice",
                "Nguyen",
                Some(ENGINEERING),
                &[c.platform_runtime],
            ),
            "Austin",
        ),
        at(
            employee(
                who::ADMIN_VIA_GROUP,
                "Priya",
                "Raman",
                Some(IT),
                &[t[T_ENDPOINT], c.platform_admins],
            ),
            "Denver",
        ),
        {
            let s = employee(
                who::DISABLED_WITH_ROLE,
                "Derek",
                "Walsh",
                Some(FINANCE),
                &[t[T_AP]],
            );
            let mut s = with_roles(
                at(s, "New York"),
                &[(b(roles::IDENTITY_DATA_ADMIN), ScopeRef::Env)],
            );
            s.enabled = false;
            s.sign_on_ago = Some(200 * DAY);
            s
        },
        {
            let s = employee(
                who::LOCKED_ADMIN_NO_MFA,
                "Olga",
                "Petrova",
                Some(SECURITY),
                &[t[T_SECOPS]],
            );
            let mut s = with_roles(at(s, "Berlin"), &[(b(roles::ENV_ADMIN), ScopeRef::Env)]);
            s.locked = true;
            s.mfa = false;
            s
        },
        at(
            employee(
                who::MISSING_ONE_GROUP,
                "Sam",
                "Okafor",
                Some(ENGINEERING),
                &[t[T_SRE]],
            ),
            "London",
        ),
        at(
            employee(
                who::ALL_GROUPS_MEMBER,
                "Wei",
                "Zhang",
                Some(ENGINEERING),
                &[t[T_SRE], c.production_access],
            ),
            "Singapore",
        ),
        with_roles(
            at(
                employee(
                    who::CUSTOM_ROLE_LOOKALIKE,
                    "Helen",
                    "Fischer",
                    Some(IT),
                    &[t[T_HELPDESK]],
                ),
                "Munich",
            ),
            &[(RoleRef::Custom(roles::CUSTOM_ENV_ADMIN), ScopeRef::Env)],
        ),
        at(
            employee(
                who::IN_NESTING_CYCLE,
                "Mei",
                "Tanaka",
                Some(ENGINEERING),
                &[c.incident_response],
            ),
            "Tokyo",
        ),
        with_roles(
            at(
                employee(who::ORG_ADMIN, "Kofi", "Mensah", None, &[c.executives]),
                "Lagos",
            ),
            &[(b(roles::ORG_ADMIN), ScopeRef::Org)],
        ),
        with_roles(
            at(
                employee(
                    who::APP_OWNER,
                    "Lucia",
                    "Romero",
                    Some(SALES),
                    &[t[T_NA_SALES]],
                ),
                "Austin",
            ),
            &[(b(roles::APP_OWNER), ScopeRef::App(A_SALESFORCE))],
        ),
        with_roles(
            in_pop(
                at(
                    employee(
                        who::POPULATION_ADMIN,
                        "Tom",
                        "Becker",
                        Some(CUSTOMER_SUCCESS),
                        &[c.contract_support],
                    ),
                    "Toronto",
                ),
                CONTRACTORS,
                "Contractor",
                Idp::PingOne,
            ),
            &[(b(roles::HELP_DESK_ADMIN), ScopeRef::Pop(CONTRACTORS))],
        ),
        with_roles(
            at(
                employee(
                    who::OTHER_ENV_ADMIN,
                    "Ravi",
                    "Iyer",
                    Some(ENGINEERING),
                    &[t[T_PLATFORM]],
                ),
                "Bengaluru",
            ),
            &[
                (b(roles::CLIENT_APP_DEVELOPER), ScopeRef::Env),
                (b(roles::ENV_ADMIN), ScopeRef::OtherEnv),
            ],
        ),
        at(
            employee(who::EXECUTIVE, "James", "Osei", None, &[c.executives]),
            "London",
        ),
        {
            let direct = [c.contract_engineers, c.contractor_onboarding];
            let s = employee(
                who::NEVER_SIGNED_ON,
                "Jonas",
                "Weber",
                Some(ENGINEERING),
                &direct,
            );
            let mut s = in_pop(at(s, "Berlin"), CONTRACTORS, "Contractor", Idp::PingOne);
            s.sign_on_ago = None;
            s.created_ago = 5 * DAY;
            s
        },
        {
            let direct = [c.reseller_partners, c.ext_partner_eng];
            let s = employee(who::SAML_PARTNER, "Grace", "Obi", None, &direct);
            in_pop(at(s, "Lagos"), PARTNERS, "Partner", Idp::Saml)
        },
        {
            let s = employee(who::GOOGLE_CUSTOMER, "Ben", "Carter", None, &[]);
            let mut s = in_pop(at(s, "Seattle"), CUSTOMERS, "Customer", Idp::Google);
            s.mfa = false;
            s
        },
        {
            let direct = [t[T_FPA], c.data_governance];
            let mut s = employee(who::RTL_NAME, "ليلى", "حداد", Some(FINANCE), &direct);
            s.formatted = Some("ليلى حداد".into());
            at(s, "Dublin")
        },
        {
            let mut s = employee(
                who::EMOJI_NAME,
                "Sam",
                "Rivera",
                Some(MARKETING),
                &[c.depts[MARKETING]],
            );
            s.formatted = Some("Sam 🚀 Rivera".into());
            at(s, "Seattle")
        },
        {
            let family = "Quinn\u{202e}nimda";
            let mut s = employee(
                who::BIDI_NAME,
                "Mallory",
                family,
                Some(IT),
                &[t[T_ENDPOINT]],
            );
            s.formatted = Some(format!("Mallory {family}"));
            at(s, "London")
        },
    ]
}
