//! Acme's people: the well-known fixed people first, then generated ones, with memberships as
//! `GET /users/{id}/memberOfGroups` reports them (DIRECT, then INDIRECT for every group reached
//! through nesting and every dynamic group whose filter matches).

use std::collections::{HashMap, HashSet};

use crate::model::{
    Account, AccountStatus, Address, IdentityProvider, IdpType, Lifecycle, LifecycleStatus,
    Membership, MembershipKind, PersonName, Ref, SignOn, User,
};

use super::company::*;
use super::fixed::fixed_people;
use super::names::{FAMILY, GIVEN, PLACES};
use super::rng::{Kind, Rng};
use super::roles::{self, RoleRef, ScopeRef};
use super::{CONTRACTORS, CUSTOMERS, Ctx, DAY, EMPLOYEES, PARTNERS};

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(super) enum Idp {
    PingOne,
    Google,
    Saml,
    Oidc,
}

/// The attributes dynamic group filters read.
#[derive(Copy, Clone, Debug)]
pub(super) struct Person {
    pub pop: usize,
    pub dept: Option<usize>,
    pub kind: &'static str,
    pub place: usize,
    pub idp: Idp,
}

impl Person {
    fn matches(&self, f: Filter) -> bool {
        let country = PLACES.get(self.place).map_or("", |p| p.2);
        match f {
            Filter::Department(d) => self.dept == Some(d),
            Filter::Type(t) => self.kind == t,
            Filter::Country(c) => country == c,
            Filter::Idp(i) => i == "GOOGLE" && self.idp == Idp::Google,
            Filter::DeptCountry(d, c) => self.dept == Some(d) && country == c,
        }
    }
}

/// One person, fully decided, before becoming a `User`.
pub(super) struct Spec {
    pub username: String,
    pub given: String,
    pub family: String,
    pub formatted: Option<String>,
    pub person: Person,
    pub direct: Vec<u32>,
    pub roles: Vec<(RoleRef, ScopeRef)>,
    pub enabled: bool,
    pub locked: bool,
    pub mfa: bool,
    /// Milliseconds before "now"; `None`: never signed on.
    pub sign_on_ago: Option<i64>,
    pub created_ago: i64,
}

pub(super) struct People {
    pub users: Vec<User>,
    pub direct_counts: Vec<u32>,
    pub total_counts: Vec<u32>,
    pub pop_counts: Vec<usize>,
}

fn email_domain(pop: usize, r: &mut Rng) -> &'static str {
    const PARTNER: &[&str] = &["northwind.example", "globex.example", "initech.example"];
    const CUSTOMER: &[&str] = &["mail.example", "inbox.example"];
    match pop {
        EMPLOYEES => "acme.example",
        CONTRACTORS => "ext.acme.example",
        PARTNERS => PARTNER[r.index(PARTNER.len())],
        CUSTOMERS => CUSTOMER[r.index(CUSTOMER.len())],
        _ => "example.org",
    }
}

fn slug(name: &str, out: &mut String) {
    out.extend(
        name.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase()),
    );
}

/// A generated person of population `pop` (names are filled in by the caller).
fn random(r: &mut Rng, pop: usize, co: &Company, napps: usize, npops: usize) -> Spec {
    let c = &co.core;
    let place = r.index(PLACES.len());
    let mut direct = Vec::with_capacity(4);
    let mut roles = Vec::new();
    let mut dept = None;
    let (kind, idp, mfa_off, created, never) = match pop {
        EMPLOYEES => {
            let d = r.weighted(&DEPT_WEIGHTS);
            dept = Some(d);
            match r.pick(&co.units[d]) {
                Some(&u) if !r.chance(80) => direct.push(u),
                _ => direct.push(c.depts[d]),
            }
            let mut maybe = |r: &mut Rng, cond: bool, permille: u64, g: u32| {
                if cond && r.chance(permille) {
                    direct.push(g);
                }
            };
            maybe(r, d == ENGINEERING, 150, c.production_access);
            maybe(r, d == ENGINEERING || d == IT, 4, c.platform_admins);
            maybe(r, d == ENGINEERING, 15, c.jira_admins);
            maybe(r, d == ENGINEERING, 10, c.escalation);
            maybe(r, d == SECURITY, 60, c.incident_response);
            maybe(r, d == FINANCE, 100, c.finance_approvers);
            maybe(r, d == SUPPLY_CHAIN, 120, c.procurement_approvers);
            maybe(r, d == FINANCE || d == LEGAL, 40, c.data_governance);
            maybe(r, true, 6, c.executives);
            maybe(r, true, 40, c.beta_testers);
            maybe(r, true, 30, c.coffee_club);
            maybe(r, true, 10, c.tel_aviv);
            maybe(r, true, 80, c.ext_vpn);
            if r.chance(150) {
                if let Some(&g) = r.pick(&co.projects) {
                    direct.push(g);
                }
            }
            if r.chance(40) {
                if let Some(&g) = r.pick(&co.externals) {
                    direct.push(g);
                }
            }
            if r.chance(8) {
                roles.push(match r.below(5) {
                    0 => (
                        RoleRef::Builtin(roles::IDENTITY_DATA_READ_ONLY),
                        ScopeRef::Env,
                    ),
                    1 => (
                        RoleRef::Builtin(roles::HELP_DESK_ADMIN),
                        ScopeRef::Pop(r.index(npops)),
                    ),
                    2 => (
                        RoleRef::Builtin(roles::APP_OWNER),
                        ScopeRef::App(r.index(napps)),
                    ),
                    3 => (RoleRef::Builtin(roles::CONFIG_READ_ONLY), ScopeRef::Env),
                    _ => (RoleRef::Custom(roles::CUSTOM_CURATOR), ScopeRef::Env),
                });
            }
            let idp = if r.chance(80) {
                Idp::Oidc
            } else {
                Idp::PingOne
            };
            ("Employee", idp, 70, r.range(30, 2200), 30)
        }
        CONTRACTORS => {
            if let Some(&(g, d)) = r.pick(&co.contractor_pool) {
                direct.push(g);
                dept = Some(d);
            }
            if r.chance(150) {
                direct.push(c.contractor_onboarding);
            }
            let idp = if r.chance(200) {
                Idp::Oidc
            } else {
                Idp::PingOne
            };
            if idp == Idp::Oidc && r.chance(600) {
                direct.push(c.ext_legacy_contractors);
            }
            if r.chance(100) {
                direct.push(c.ext_vpn);
            }
            ("Contractor", idp, 250, r.range(10, 700), 80)
        }
        PARTNERS => {
            if let Some(&g) = r.pick(&co.partner_pool) {
                direct.push(g);
            }
            if r.chance(40) {
                direct.push(c.partner_admins);
            }
            let idp = if r.chance(450) {
                Idp::Saml
            } else {
                Idp::PingOne
            };
            if idp == Idp::Saml && r.chance(500) {
                direct.push(c.ext_partner_eng);
            }
            if r.chance(5) {
                let pop = ScopeRef::Pop(PARTNERS);
                roles.push((RoleRef::Builtin(roles::IDENTITY_DATA_ADMIN), pop));
            }
            ("Partner", idp, 350, r.range(30, 1500), 60)
        }
        CUSTOMERS => {
            if r.chance(250) {
                direct.push(c.beta_customers);
            }
            if r.chance(60) {
                direct.push(c.customer_advisory);
            }
            let idp = if r.chance(350) {
                Idp::Google
            } else {
                Idp::PingOne
            };
            ("Customer", idp, 600, r.range(1, 900), 150)
        }
        _ => ("External", Idp::PingOne, 500, r.range(1, 900), 200),
    };
    direct.dedup();
    let created_ago = created * DAY + r.range(0, DAY);
    let enabled = !r.chance(40);
    let roll = r.below(1000);
    let sign_on_ago = if roll < never {
        None
    } else if roll < never + 110 || (!enabled && r.chance(700)) {
        Some(r.range(91, 800) * DAY + r.range(0, DAY))
    } else if roll < never + 190 {
        Some(r.range(31, 90) * DAY + r.range(0, DAY))
    } else {
        Some(r.range(0, 30) * DAY + r.range(0, DAY))
    }
    .map(|ago| ago.min(created_ago));
    Spec {
        username: String::new(),
        given: String::new(),
        family: String::new(),
        formatted: None,
        person: Person {
            pop,
            dept,
            kind,
            place,
            idp,
        },
        direct,
        roles,
        enabled,
        locked: r.chance(20),
        mfa: !r.chance(mfa_off),
        sign_on_ago,
        created_ago,
    }
}

/// Builds `n` users (at least the fixed people) over `npops` populations.
pub(super) fn build(ctx: &mut Ctx, n: usize, npops: usize, co: &Company, napps: usize) -> People {
    let ngroups = co.drafts.len();
    let ancestors = co.ancestors();
    let fixed = fixed_people(co);
    let n = n.max(fixed.len());
    let taken: HashSet<String> = fixed.iter().map(|s| s.username.clone()).collect();
    let mut seen_names: HashMap<(u16, u16), u32> = HashMap::new();
    let mut pop_weights = vec![62u32, 14, 12, 12];
    pop_weights.resize(npops, 3);

    let mut people = People {
        users: Vec::with_capacity(n),
        direct_counts: vec![0; ngroups],
        total_counts: vec![0; ngroups],
        pop_counts: vec![0; npops],
    };
    let mut stamp = vec![u32::MAX; ngroups];
    let mut fixed = fixed.into_iter();
    for i in 0..n {
        let mut r = Rng::stream(ctx.seed, 30, i as u64);
        let spec = match fixed.next() {
            Some(s) => s,
            None => {
                let pop = r.weighted(&pop_weights);
                let mut s = random(&mut r, pop, co, napps, npops);
                let (gi, fi) = (r.index(GIVEN.len()), r.index(FAMILY.len()));
                s.given = GIVEN[gi].to_owned();
                s.family = FAMILY[fi].to_owned();
                let mut base = String::with_capacity(24);
                slug(&s.given, &mut base);
                base.push('.');
                slug(&s.family, &mut base);
                let count = seen_names.entry((gi as u16, fi as u16)).or_insert(0);
                loop {
                    *count += 1;
                    let name = if *count == 1 {
                        base.clone()
                    } else {
                        format!("{base}{count}")
                    };
                    if !taken.contains(&name) {
                        s.username = name;
                        break;
                    }
                }
                s.username.shrink_to_fit();
                s
            }
        };
        if let Some(c) = people.pop_counts.get_mut(spec.person.pop) {
            *c += 1;
        }
        let user = to_user(
            ctx,
            i,
            spec,
            &mut r,
            co,
            &ancestors,
            &mut stamp,
            &mut people,
        );
        people.users.push(user);
    }
    people
}

#[allow(clippy::too_many_arguments)]
fn to_user(
    ctx: &mut Ctx,
    i: usize,
    s: Spec,
    r: &mut Rng,
    co: &Company,
    ancestors: &[Vec<u32>],
    stamp: &mut [u32],
    people: &mut People,
) -> User {
    let mark = i as u32;
    let mut memberships: Vec<Membership> = Vec::with_capacity(s.direct.len() * 5);
    let mut add = |g: u32, kind: MembershipKind, people: &mut People| {
        let slot = &mut stamp[g as usize];
        if *slot != mark {
            *slot = mark;
            if kind == MembershipKind::Direct {
                people.direct_counts[g as usize] += 1;
            }
            people.total_counts[g as usize] += 1;
            memberships.push(Membership {
                id: ctx.id(Kind::Group, g as usize),
                kind,
            });
        }
    };
    for &g in &s.direct {
        add(g, MembershipKind::Direct, people);
    }
    let mut reached: Vec<u32> = s.direct.clone();
    for &(g, f) in &co.dynamic {
        if s.person.matches(f) {
            reached.push(g);
            add(g, MembershipKind::Indirect, people);
        }
    }
    for g in reached {
        for &a in &ancestors[g as usize] {
            add(a, MembershipKind::Indirect, people);
        }
    }
    memberships.shrink_to_fit();

    let domain = email_domain(s.person.pop, r);
    let email = format!("{}@{domain}", s.username);
    let (idp_kind, idp_ix) = match s.person.idp {
        Idp::PingOne => (IdpType::PingOne, None),
        Idp::Google => (IdpType::Google, Some(1)),
        Idp::Saml => (IdpType::Saml, Some(2)),
        Idp::Oidc => (IdpType::OpenIdConnect, Some(3)),
    };
    let place = PLACES.get(s.person.place).copied().unwrap_or(("", "", ""));
    let updated_ago = r.range(0, s.created_ago);
    let locked_ago = r.range(DAY / 24, 20 * DAY);
    let ip = match r.below(3) {
        0 => "203.0.113",
        1 => "198.51.100",
        _ => "192.0.2",
    };
    let last_sign_on = s.sign_on_ago.map(|ago| SignOn {
        at: Some(ctx.ts(ago)),
        remote_ip: Some(format!("{ip}.{}", r.below(255) + 1).into()),
    });
    let lifecycle = if last_sign_on.is_none() && s.person.pop == CUSTOMERS {
        LifecycleStatus::VerificationRequired
    } else {
        LifecycleStatus::AccountOk
    };
    let role_assignments = s.roles.iter().map(|&(ro, sc)| ctx.assign(ro, sc)).collect();
    User {
        id: ctx.id(Kind::User, i),
        email: Some(email.into()),
        name: Some(PersonName {
            given: Some(s.given.into()),
            family: Some(s.family.into()),
            formatted: s.formatted.map(Into::into),
        }),
        enabled: s.enabled,
        account: Some(Account {
            can_authenticate: Some(!s.locked),
            status: Some(if s.locked {
                AccountStatus::Locked
            } else {
                AccountStatus::Ok
            }),
            locked_at: s.locked.then(|| ctx.ts(locked_ago)),
            unlock_at: (s.locked && locked_ago < DAY).then(|| ctx.ts(locked_ago - DAY)),
        }),
        lifecycle: Some(Lifecycle {
            status: Some(lifecycle),
        }),
        mfa_enabled: Some(s.mfa),
        last_sign_on,
        population: Some(Ref::new(ctx.id(Kind::Population, s.person.pop))),
        identity_provider: Some(IdentityProvider {
            kind: Some(idp_kind),
            id: idp_ix.map(|n| ctx.id(Kind::IdentityProvider, n)),
        }),
        kind: Some(s.person.kind.into()),
        verify_status: None,
        address: Some(Address {
            locality: Some(place.0.into()),
            region: Some(place.1.into()),
            country_code: Some(place.2.into()),
        }),
        created_at: Some(ctx.ts(s.created_ago)),
        updated_at: Some(ctx.ts(updated_ago)),
        memberships: Some(memberships),
        role_assignments: Some(role_assignments),
        username: s.username.into(),
    }
}
