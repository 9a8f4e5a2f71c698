//! Acme's groups: the organisation chart (All Staff → division → department → team → sub-team,
//! built in `orgchart.rs`), cross-cutting groups with nesting cycles, dynamic and external groups,
//! population groups, and generated squads and projects for large environments.
//!
//! PingOne's rules are kept: an environment-level group is never nested in a population group,
//! population groups nest only within their population or into environment-level groups, and
//! external groups are never nested.

use crate::model::{Group, GroupSource, MemberCounts, Ref};

use super::names::{CODENAMES, PLACES};
use super::orgchart::{Builder, EMP, core};
use super::rng::{Kind, Rng};
use super::roles::{self, RoleRef, ScopeRef};
use super::{CONTRACTORS, Ctx, DAY, PARTNERS};

pub(super) const DIVISIONS: [&str; 4] = ["Technology", "Corporate", "Go-To-Market", "Operations"];

pub(super) struct Dept {
    pub name: &'static str,
    pub division: usize,
    /// Relative head count.
    pub weight: u32,
}

pub(super) const DEPTS: &[Dept] = &[
    Dept {
        name: "Engineering",
        division: 0,
        weight: 22,
    },
    Dept {
        name: "Security",
        division: 0,
        weight: 5,
    },
    Dept {
        name: "IT",
        division: 0,
        weight: 5,
    },
    Dept {
        name: "Product",
        division: 0,
        weight: 6,
    },
    Dept {
        name: "Finance",
        division: 1,
        weight: 6,
    },
    Dept {
        name: "Legal",
        division: 1,
        weight: 2,
    },
    Dept {
        name: "People",
        division: 1,
        weight: 4,
    },
    Dept {
        name: "Sales",
        division: 2,
        weight: 14,
    },
    Dept {
        name: "Marketing",
        division: 2,
        weight: 6,
    },
    Dept {
        name: "Customer Success",
        division: 2,
        weight: 12,
    },
    Dept {
        name: "Supply Chain",
        division: 3,
        weight: 6,
    },
    Dept {
        name: "Field Operations",
        division: 3,
        weight: 10,
    },
];
/// `DEPTS`' weights, for weighted draws.
pub(super) const DEPT_WEIGHTS: [u32; DEPTS.len()] = {
    let mut w = [0; DEPTS.len()];
    let mut i = 0;
    while i < DEPTS.len() {
        w[i] = DEPTS[i].weight;
        i += 1;
    }
    w
};
pub(super) const ENGINEERING: usize = 0;
pub(super) const SECURITY: usize = 1;
pub(super) const IT: usize = 2;
pub(super) const PRODUCT: usize = 3;
pub(super) const FINANCE: usize = 4;
pub(super) const LEGAL: usize = 5;
pub(super) const SALES: usize = 7;
pub(super) const MARKETING: usize = 8;
pub(super) const CUSTOMER_SUCCESS: usize = 9;
pub(super) const SUPPLY_CHAIN: usize = 10;
pub(super) const FIELD_OPS: usize = 11;

/// Teams (population Employees), each nested in its department.
pub(super) const TEAMS: &[(&str, usize)] = &[
    ("Platform", ENGINEERING),
    ("Payments", ENGINEERING),
    ("Mobile", ENGINEERING),
    ("Data", ENGINEERING),
    ("SRE", ENGINEERING),
    ("SecOps", SECURITY),
    ("AppSec", SECURITY),
    ("IAM", SECURITY),
    ("Helpdesk", IT),
    ("Endpoint Management", IT),
    ("Accounts Payable", FINANCE),
    ("FP&A", FINANCE),
    ("Payroll", FINANCE),
    ("Recruiting", 6),
    ("People Partners", 6),
    ("NA Sales", SALES),
    ("EMEA Sales", SALES),
    ("APAC Sales", SALES),
    ("Support Tier 1", CUSTOMER_SUCCESS),
    ("Support Tier 2", CUSTOMER_SUCCESS),
    ("Account Management", CUSTOMER_SUCCESS),
    ("Procurement", SUPPLY_CHAIN),
    ("Logistics", SUPPLY_CHAIN),
    ("Field Technicians", FIELD_OPS),
];
pub(super) const T_PLATFORM: usize = 0;
pub(super) const T_PAYMENTS: usize = 1;
pub(super) const T_DATA: usize = 3;
pub(super) const T_SRE: usize = 4;
pub(super) const T_SECOPS: usize = 5;
pub(super) const T_APPSEC: usize = 6;
pub(super) const T_IAM: usize = 7;
pub(super) const T_HELPDESK: usize = 8;
pub(super) const T_ENDPOINT: usize = 9;
pub(super) const T_AP: usize = 10;
pub(super) const T_FPA: usize = 11;
pub(super) const T_NA_SALES: usize = 15;

/// A dynamic group's `userFilter`, kept structured so members can be computed.
#[derive(Copy, Clone, Debug)]
pub(super) enum Filter {
    /// `department eq "..."` (a custom user attribute).
    Department(usize),
    /// `type eq "..."`.
    Type(&'static str),
    /// `address.countryCode eq "..."`.
    Country(&'static str),
    /// `identityProvider.type eq "..."`.
    Idp(&'static str),
    /// Department and country (generated groups; each combination at most once).
    DeptCountry(usize, &'static str),
}

impl Filter {
    fn text(self) -> String {
        match self {
            Filter::Department(d) => format!("department eq \"{}\"", DEPTS[d].name),
            Filter::Type(t) => format!("type eq \"{t}\""),
            Filter::Country(c) => format!("address.countryCode eq \"{c}\""),
            Filter::Idp(i) => format!("identityProvider.type eq \"{i}\""),
            Filter::DeptCountry(d, c) => format!(
                "department eq \"{}\" and address.countryCode eq \"{c}\"",
                DEPTS[d].name
            ),
        }
    }
}

#[derive(Default)]
pub(super) struct GroupDraft {
    pub name: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub pop: Option<usize>,
    pub filter: Option<Filter>,
    pub source: Option<(GroupSource, String)>,
    pub parents: Vec<u32>,
    pub roles: Vec<(RoleRef, ScopeRef)>,
    /// The department whose people are placed in it directly (teams, squads).
    pub unit_of: Option<usize>,
}

/// The curated groups, by what they are for.
#[derive(Default)]
pub(super) struct Core {
    pub all_staff: u32,
    pub depts: Vec<u32>,
    pub teams: Vec<u32>,
    pub platform_runtime: u32,
    pub runtime_tiger: u32,
    pub incident_response: u32,
    pub on_call: u32,
    pub escalation: u32,
    pub finance_approvers: u32,
    pub procurement_approvers: u32,
    pub platform_admins: u32,
    pub identity_admins: u32,
    pub org_admins: u32,
    pub jira_admins: u32,
    pub production_access: u32,
    pub executives: u32,
    pub beta_testers: u32,
    pub red_team: u32,
    pub coffee_club: u32,
    pub data_governance: u32,
    pub tel_aviv: u32,
    pub dyn_finance: u32,
    pub dyn_contractors: u32,
    pub ext_partner_eng: u32,
    pub ext_legacy_contractors: u32,
    pub ext_vpn: u32,
    pub contract_engineers: u32,
    pub contract_support: u32,
    pub contractor_onboarding: u32,
    pub reseller_partners: u32,
    pub technology_partners: u32,
    pub partner_admins: u32,
    pub customer_advisory: u32,
    pub beta_customers: u32,
}

pub(super) struct Company {
    pub drafts: Vec<GroupDraft>,
    pub core: Core,
    /// Per department: the groups its employees are placed in (teams, sub-teams, squads).
    pub units: Vec<Vec<u32>>,
    /// Primary groups of contractors (with the department they work for) and of partners.
    pub contractor_pool: Vec<(u32, usize)>,
    pub partner_pool: Vec<u32>,
    /// Generated environment-level project groups and external groups.
    pub projects: Vec<u32>,
    pub externals: Vec<u32>,
    /// Dynamic groups (index, filter).
    pub dynamic: Vec<(u32, Filter)>,
}

/// Builds the curated core, then generated groups up to `ngroups` in all.
pub(super) fn build(ctx: &Ctx, ngroups: usize, napps: usize) -> Company {
    let mut b = Builder {
        drafts: Vec::with_capacity(ngroups.max(100)),
    };
    let core = core(&mut b);
    let ncore = b.drafts.len();
    let mut units: Vec<Vec<u32>> = vec![Vec::new(); DEPTS.len()];
    for (i, d) in b.drafts.iter().enumerate() {
        if let Some(dept) = d.unit_of {
            units[dept].push(i as u32);
        }
    }
    let mut co = Company {
        drafts: Vec::new(),
        contractor_pool: vec![
            (core.contract_engineers, ENGINEERING),
            (core.contract_support, CUSTOMER_SUCCESS),
        ],
        partner_pool: vec![core.reseller_partners, core.technology_partners],
        core,
        units,
        projects: Vec::new(),
        externals: vec![],
        dynamic: Vec::new(),
    };
    let mut countries: Vec<&'static str> = Vec::new();
    for p in PLACES {
        if !countries.contains(&p.2) {
            countries.push(p.2);
        }
    }
    let mut combos_used = 0usize;
    let mut deeper_count = 0usize;
    // Squads below a curated unit: 1 for a squad directly under it, +1 per squad level.
    let mut depth: Vec<u8> = vec![0; ncore];
    let core_units = co.units.clone();
    let mut squads: Vec<Vec<u32>> = vec![Vec::new(); DEPTS.len()];
    for i in 0..ngroups.saturating_sub(ncore) {
        let mut r = Rng::stream(ctx.seed, 20, i as u64);
        let code = CODENAMES[r.index(CODENAMES.len())];
        let roll = r.below(1000);
        let combos = DEPTS.len() * countries.len();
        if roll < 20 && combos_used < combos {
            // Each (department, country) pair once: a user matches at most one of these.
            let (d, c) = (
                combos_used % DEPTS.len(),
                countries[combos_used / DEPTS.len()],
            );
            combos_used += 1;
            let g = b.add(format!("{} in {c} (dynamic)", DEPTS[d].name), None, &[]);
            b.with(g, |g| g.filter = Some(Filter::DeptCountry(d, c)));
        } else if roll < 40 {
            let g = b.add(format!("Azure AD: {code} {i}"), None, &[]);
            b.with(g, |g| {
                g.source = Some((GroupSource::Idp, format!("aad-{code}-{i}").to_lowercase()))
            });
            co.externals.push(g);
        } else if roll < 100 {
            let parents = if r.chance(500) {
                vec![co.core.depts[r.index(DEPTS.len())]]
            } else {
                Vec::new()
            };
            let g = b.add(format!("Project {code} {i}"), None, &parents);
            co.projects.push(g);
        } else if roll < 125 {
            let (parent, d) = co.contractor_pool[r.index(2)];
            let g = b.add(format!("Vendor {code} {i}"), Some(CONTRACTORS), &[parent]);
            co.contractor_pool.push((g, d));
        } else if roll < 150 {
            let parent = co.partner_pool[r.index(2)];
            let g = b.add(
                format!("Partner Tier {code} {i}"),
                Some(PARTNERS),
                &[parent],
            );
            co.partner_pool.push(g);
        } else {
            let d = r.weighted(&DEPT_WEIGHTS);
            // Under another squad (at most 4 squads deep), else under a curated unit.
            let squad = r.pick(&squads[d]).copied();
            let curated = core_units[d][r.index(core_units[d].len())];
            let parent = match squad {
                Some(s) if r.chance(350) && depth[s as usize] < 4 => s,
                _ => curated,
            };
            let deeper = depth[parent as usize] > 0;
            let g = b.add(format!("Squad {code}-{i}"), EMP, &[parent]);
            depth.resize(g as usize + 1, 0);
            depth[g as usize] = depth[parent as usize] + 1;
            b.with(g, |g| g.unit_of = Some(d));
            if deeper {
                deeper_count += 1;
                if deeper_count % 100 == 30 {
                    // A generated cycle: the parent squad is also nested in its new child.
                    b.with(parent, |p| p.parents.push(g));
                }
            }
            if r.chance(5) && napps > 0 {
                let app = ScopeRef::App(r.index(napps));
                b.with(g, |g| {
                    g.roles.push((RoleRef::Builtin(roles::APP_OWNER), app))
                });
            }
            squads[d].push(g);
            co.units[d].push(g);
        }
    }
    co.dynamic = b
        .drafts
        .iter()
        .enumerate()
        .filter_map(|(i, d)| d.filter.map(|f| (i as u32, f)))
        .collect();
    co.drafts = b.drafts;
    co
}

impl Company {
    /// Every group's ancestors (the groups it is nested in, at any depth), breadth-first. A group
    /// in a cycle is not listed among its own ancestors.
    pub fn ancestors(&self) -> Vec<Vec<u32>> {
        let n = self.drafts.len();
        let mut seen = vec![u32::MAX; n];
        (0..n)
            .map(|g| {
                let mut out: Vec<u32> = Vec::new();
                seen[g] = g as u32;
                let mut head = 0;
                let mut cur = g as u32;
                loop {
                    for &p in &self.drafts[cur as usize].parents {
                        if seen[p as usize] != g as u32 {
                            seen[p as usize] = g as u32;
                            out.push(p);
                        }
                    }
                    match out.get(head) {
                        Some(&next) => {
                            cur = next;
                            head += 1;
                        }
                        None => break,
                    }
                }
                out
            })
            .collect()
    }

    /// The snapshot's groups, with ids, role assignments and member counts.
    pub fn materialize(self, ctx: &mut Ctx, direct: &[u32], total: &[u32]) -> Vec<Group> {
        self.drafts
            .into_iter()
            .enumerate()
            .map(|(i, d)| {
                let mut r = Rng::stream(ctx.seed, 21, i as u64);
                let created = r.range(200, 2500) * DAY + r.range(0, DAY);
                let updated = r.range(0, created / DAY) * DAY;
                let (source_type, external_id) = match d.source {
                    Some((s, e)) => (Some(s), Some(e)),
                    None => (None, None),
                };
                let role_assignments = d
                    .roles
                    .iter()
                    .map(|&(role, scope)| ctx.assign(role, scope))
                    .collect();
                let count = |v: &[u32]| {
                    Some(MemberCounts {
                        users: Some(u64::from(v.get(i).copied().unwrap_or(0))),
                    })
                };
                Group {
                    id: ctx.id(Kind::Group, i),
                    display_name: d.display_name,
                    description: d.description,
                    population: d.pop.map(|p| Ref::new(ctx.id(Kind::Population, p))),
                    user_filter: d.filter.map(Filter::text),
                    external_id,
                    source_type,
                    direct_member_counts: count(direct),
                    total_member_counts: count(total),
                    created_at: Some(ctx.ts(created)),
                    updated_at: Some(ctx.ts(updated)),
                    parent_groups: Some(
                        d.parents
                            .iter()
                            .map(|&p| Ref::new(ctx.id(Kind::Group, p as usize)))
                            .collect(),
                    ),
                    role_assignments: Some(role_assignments),
                    name: d.name,
                }
            })
            .collect()
    }
}
