//! The curated core of Acme's groups: the organisation chart, the cross-cutting groups with
//! their nesting cycles, the role-holding groups, the dynamic, external and population groups.

use crate::model::GroupSource;

use super::company::*;
use super::names::long_description;
use super::roles::{self, RoleRef, ScopeRef};
use super::{CONTRACTORS, CUSTOMERS, EMPLOYEES, PARTNERS};

pub(super) struct Builder {
    pub drafts: Vec<GroupDraft>,
}

impl Builder {
    pub(super) fn add(
        &mut self,
        name: impl Into<String>,
        pop: Option<usize>,
        parents: &[u32],
    ) -> u32 {
        self.drafts.push(GroupDraft {
            name: name.into(),
            pop,
            parents: parents.to_vec(),
            ..GroupDraft::default()
        });
        (self.drafts.len() - 1) as u32
    }

    pub(super) fn with(&mut self, g: u32, f: impl FnOnce(&mut GroupDraft)) -> u32 {
        if let Some(d) = self.drafts.get_mut(g as usize) {
            f(d);
        }
        g
    }

    fn describe(&mut self, g: u32, text: &str) -> u32 {
        self.with(g, |d| d.description = Some(text.to_owned()))
    }
}

pub(super) const EMP: Option<usize> = Some(EMPLOYEES);

pub(super) fn core(b: &mut Builder) -> Core {
    let mut c = Core {
        all_staff: b.add("All Staff", None, &[]),
        ..Core::default()
    };
    b.describe(c.all_staff, "Everyone who works at Acme");
    let divisions: Vec<u32> = DIVISIONS
        .iter()
        .map(|d| b.add(*d, None, &[c.all_staff]))
        .collect();
    c.depts = DEPTS
        .iter()
        .map(|d| b.add(d.name, None, &[divisions[d.division]]))
        .collect();
    for (d, g) in c.depts.iter().enumerate() {
        if !TEAMS.iter().any(|t| t.1 == d) {
            b.with(*g, |g| g.unit_of = Some(d));
        }
    }
    c.teams = TEAMS
        .iter()
        .map(|&(name, d)| {
            let g = b.add(name, EMP, &[c.depts[d]]);
            b.with(g, |g| g.unit_of = Some(d))
        })
        .collect();
    let unit = |b: &mut Builder, name: &str, parent: u32, d: usize| {
        let g = b.add(name, EMP, &[parent]);
        b.with(g, |g| g.unit_of = Some(d))
    };
    c.platform_runtime = unit(b, "Platform Runtime", c.teams[T_PLATFORM], ENGINEERING);
    c.runtime_tiger = unit(b, "Runtime Tiger Team", c.platform_runtime, ENGINEERING);
    unit(b, "Payments Risk", c.teams[T_PAYMENTS], ENGINEERING);
    unit(b, "Data Science", c.teams[T_DATA], ENGINEERING);
    unit(b, "SRE Europe", c.teams[T_SRE], ENGINEERING);

    // The incident cycle: Incident Response ⊂ Escalation Managers ⊂ On-Call Rotation ⊂ Incident
    // Response. SRE sits in On-Call Rotation, so every SRE reaches all three.
    c.incident_response = b.add("Incident Response", None, &[]);
    c.on_call = b.add("On-Call Rotation", None, &[c.incident_response]);
    c.escalation = b.add("Escalation Managers", None, &[c.on_call]);
    b.with(c.incident_response, |g| g.parents.push(c.escalation));
    b.describe(c.incident_response, "Major-incident commanders and scribes");
    b.with(c.teams[T_SRE], |g| g.parents.push(c.on_call));
    // Approvers: a two-group cycle.
    c.finance_approvers = b.add("Finance Approvers", None, &[]);
    c.procurement_approvers = b.add("Procurement Approvers", None, &[c.finance_approvers]);
    b.with(c.finance_approvers, |g| {
        g.parents.push(c.procurement_approvers)
    });

    c.platform_admins = b.add("Platform Admins", None, &[]);
    b.describe(
        c.platform_admins,
        "Break-glass administrators of the PingOne environment",
    );
    b.with(c.platform_admins, |g| {
        g.roles
            .push((RoleRef::Builtin(roles::ENV_ADMIN), ScopeRef::Env))
    });
    c.identity_admins = b.add("Identity Admins", None, &[]);
    b.with(c.identity_admins, |g| {
        g.roles
            .push((RoleRef::Builtin(roles::IDENTITY_DATA_ADMIN), ScopeRef::Env));
        g.roles
            .push((RoleRef::Builtin(roles::DAVINCI_ADMIN), ScopeRef::Env));
    });
    b.with(c.teams[T_IAM], |g| g.parents.push(c.identity_admins));
    let helpdesk_ops = b.add("Helpdesk Operators", None, &[]);
    b.with(helpdesk_ops, |g| {
        let pop = ScopeRef::Pop(EMPLOYEES);
        g.roles
            .push((RoleRef::Builtin(roles::HELP_DESK_ADMIN), pop));
        g.roles.push((RoleRef::Custom(roles::CUSTOM_HELPDESK), pop));
    });
    b.with(c.teams[T_HELPDESK], |g| g.parents.push(helpdesk_ops));
    c.org_admins = b.add("Org Admins", None, &[]);
    b.describe(
        c.org_admins,
        "Organisation owners (kept empty; use named accounts)",
    );
    b.with(c.org_admins, |g| {
        g.roles
            .push((RoleRef::Builtin(roles::ORG_ADMIN), ScopeRef::Org))
    });
    c.jira_admins = b.add("Jira Admins", None, &[]);
    b.with(c.jira_admins, |g| {
        let app = ScopeRef::App(super::apps::A_JIRA);
        g.roles.push((RoleRef::Builtin(roles::APP_OWNER), app));
        g.roles.push((RoleRef::Custom(roles::CUSTOM_CURATOR), app));
    });
    c.production_access = b.add("Production Access", None, &[]);
    b.describe(
        c.production_access,
        "Approved for production cloud accounts (quarterly review)",
    );
    c.executives = b.add("Executives", None, &[]);
    c.beta_testers = b.add("Beta Testers", None, &[]);
    c.red_team = b.add(
        super::names_of_note::ESCAPE_GROUP,
        None,
        &[c.depts[SECURITY]],
    );
    b.describe(
        c.red_team,
        "Offensive security. Yes, the name really has colour codes in it.",
    );
    b.with(c.teams[T_APPSEC], |g| g.parents.push(c.red_team));
    c.coffee_club = b.add("Coffee Club", None, &[]);
    b.with(c.coffee_club, |g| {
        g.display_name = Some("☕ Coffee Club 🍩".into())
    });
    c.data_governance = b.add("Data Governance Council", None, &[]);
    b.with(c.data_governance, |g| {
        g.description = Some(long_description());
        g.roles
            .push((RoleRef::Custom(roles::CUSTOM_AUDIT), ScopeRef::Env));
    });
    c.tel_aviv = b.add("צוות תל אביב", None, &[c.all_staff]);
    b.with(c.tel_aviv, |g| {
        g.display_name = Some("Tel Aviv office".into())
    });

    let dynamic = |b: &mut Builder, name: &str, f: Filter| {
        let g = b.add(name, None, &[]);
        b.with(g, |g| g.filter = Some(f))
    };
    c.dyn_finance = dynamic(b, "Finance (dynamic)", Filter::Department(FINANCE));
    c.dyn_contractors = dynamic(b, "All Contractors", Filter::Type("Contractor"));
    dynamic(b, "Germany", Filter::Country(super::names::GERMANY));
    dynamic(b, "Google Sign-In Users", Filter::Idp("GOOGLE"));

    let external = |b: &mut Builder, name: &str, src: GroupSource, ext: &str| {
        let g = b.add(name, None, &[]);
        b.with(g, |g| g.source = Some((src, ext.to_owned())))
    };
    c.ext_partner_eng = external(
        b,
        "Azure AD: Partner Engineering",
        GroupSource::Idp,
        "6f1c2a9e-93d4-4a57-b2c1-0d9e8f7a6b51",
    );
    c.ext_legacy_contractors = external(
        b,
        "Okta: Legacy Contractors",
        GroupSource::Idp,
        "00g1legacyctr",
    );
    c.ext_vpn = external(
        b,
        "LDAP: vpn-users",
        GroupSource::Gateway,
        "cn=vpn-users,ou=groups,dc=acme,dc=example",
    );

    let ctr = Some(CONTRACTORS);
    c.contract_engineers = b.add("Contract Engineers", ctr, &[c.depts[ENGINEERING]]);
    c.contract_support = b.add("Contract Support Agents", ctr, &[c.depts[CUSTOMER_SUCCESS]]);
    c.contractor_onboarding = b.add("Contractor Onboarding", ctr, &[]);
    let ptn = Some(PARTNERS);
    c.reseller_partners = b.add("Reseller Partners", ptn, &[]);
    c.technology_partners = b.add("Technology Partners", ptn, &[]);
    c.partner_admins = b.add("Partner Admins", ptn, &[c.reseller_partners]);
    b.with(c.partner_admins, |g| {
        let pop = ScopeRef::Pop(PARTNERS);
        g.roles
            .push((RoleRef::Builtin(roles::IDENTITY_DATA_ADMIN), pop));
    });
    let cus = Some(CUSTOMERS);
    c.customer_advisory = b.add("Customer Advisory Board", cus, &[]);
    c.beta_customers = b.add("Beta Customers", cus, &[]);
    c
}
