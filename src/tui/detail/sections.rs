//! The detail of each kind of entity: its facts, then its sections of related entities.

use super::*;
use crate::model::access::{Access, Grants, Holder, Holders, Holding, Members, WhoCan};
use crate::tui::lists::via_text;

pub(super) fn user(b: &mut B, u: UserIx) {
    let g = b.g;
    let usr = g.user(u);
    let a = Access::compute(g, u);
    let mut facts = vec![usr.display_name().map(|n| clean(&n)).unwrap_or_default()];
    facts.extend(usr.status_facts().into_iter().map(String::from));
    facts.retain(|f| !f.is_empty());
    b.fact(facts.join(" · "));
    // A line of its own, short enough for a narrow detail: the stale lens's question.
    b.fact(match usr.last_sign_on_millis() {
        Some(t) => format!("last sign-on {} before the snapshot", before(as_of(g), t)),
        None => "never signed on".into(),
    });
    let mut facts = Vec::new();
    if let Some(e) = &usr.email {
        facts.push(clean(e));
    }
    if let Some(p) = usr
        .population
        .as_ref()
        .and_then(|p| g.population_by_id(&p.id))
    {
        facts.push(clean(&g.population(p).name));
    }
    if let Some(k) = usr.identity_provider.as_ref().and_then(|i| i.kind.as_ref()) {
        facts.push(clean(k.as_str()));
    }
    b.fact(facts.join(" · "));
    b.incomplete(&a.incomplete);

    let eg = &a.groups;
    let direct = eg.direct_count();
    b.heading(format!(
        "Groups  {direct} direct · {} inherited",
        eg.len() - direct
    ));
    for r in eg.reaches().iter().take(b.max_items) {
        let path = eg.path_to(r.group);
        let how = match r.via {
            access::Via::Membership(l) => l.phrase().to_owned(),
            access::Via::Nested { child } => format!("via {}", clean(&g.group(child).name)),
        };
        b.item(Some(r.group.into()), how, path.map(|p| Why::Paths(vec![p])));
    }
    b.more(eg.len(), "");

    b.heading(format!("Roles  {}", a.roles.len()));
    for grant in a.roles.iter().take(b.max_items) {
        let asg = g.assignment(grant.assignment);
        let how = match grant.holder {
            Holder::User => "direct".to_owned(),
            Holder::Group(gr) => format!("via {}", clean(&g.group(gr).name)),
        };
        let path = access::role_path(g, eg, *grant);
        let right = format!("{} · {how}", clean(&g.scope_label(&asg.raw.scope)));
        b.role_item(grant.assignment, right, path);
    }
    b.more(a.roles.len(), "");

    let admitted: Vec<&access::AppDecision> = a.admitted().collect();
    b.heading(format!(
        "Applications  {} of {}",
        admitted.len(),
        g.apps.len()
    ));
    for d in admitted.iter().take(b.max_items) {
        let paths = d.paths(g, eg);
        let how: Vec<String> = paths.iter().map(|p| via_text(g, p)).collect();
        b.item(Some(d.app.into()), how.join(" + "), Some(Why::Paths(paths)));
    }
    b.more(admitted.len(), "");
    let refused: Vec<&access::AppDecision> = a.apps.iter().filter(|d| !d.admitted()).collect();
    b.heading(format!("Refused  {}", refused.len()));
    for d in refused.iter().take(b.max_items) {
        let reasons: Vec<String> = d.refusals.iter().map(|r| clean(&r.describe(g))).collect();
        let name = clean(&g.app(d.app).name);
        b.item(
            Some(d.app.into()),
            reasons.join("; "),
            Some(Why::Refusals(name, d.refusals.clone())),
        );
    }
    b.more(refused.len(), "");
}

pub(super) fn group(b: &mut B, gi: GroupIx) {
    let g = b.g;
    let grp = g.group(gi);
    let mut facts = Vec::new();
    if grp.is_dynamic() {
        facts.push(format!(
            "dynamic: {}",
            clean(grp.user_filter.as_deref().unwrap_or(""))
        ));
    }
    if grp.is_external() {
        facts.push("external".into());
    }
    match grp
        .population
        .as_ref()
        .and_then(|p| g.population_by_id(&p.id))
    {
        Some(p) => facts.push(format!("population {}", clean(&g.population(p).name))),
        None => facts.push("environment group".into()),
    }
    b.fact(facts.join(" · "));
    if let Some(d) = grp.description.as_deref().filter(|d| !d.is_empty()) {
        b.fact(clean(d));
    }
    let cycle = g.cycle_of(gi);
    if !cycle.is_empty() {
        let names: Vec<String> = cycle.iter().map(|&c| clean(&g.group(c).name)).collect();
        b.fact(if cycle == [gi] {
            "nesting cycle: nested in itself".to_owned()
        } else {
            format!("in a nesting cycle with {}", names.join(", "))
        });
    }
    let parents = g.group_parents(gi);
    b.heading(format!("Parents  {}", parents.len()));
    for &p in parents {
        b.item(Some(p.into()), "its members inherit it".into(), None);
    }
    let children = g.group_children(gi);
    b.heading(format!("Children  {}", children.len()));
    for &c in children {
        b.item(Some(c.into()), "nested in this group".into(), None);
    }
    let grants = Grants::compute(g, gi);
    let own = |from: GroupIx| {
        if from == gi {
            "own".to_owned()
        } else {
            format!("via parent {}", clean(&g.group(from).name))
        }
    };
    b.heading(format!("Roles it grants  {}", grants.roles.len()));
    for &(a, from) in &grants.roles {
        let asg = g.assignment(a);
        let right = format!("{} · {}", clean(&g.scope_label(&asg.raw.scope)), own(from));
        let mut path = grants.path_to(from);
        path.push(access::role_node(g, a), Link::Assigned(a));
        b.role_item(a, right, path);
    }
    b.heading(format!("Applications it opens  {}", grants.apps.len()));
    for &(a, from) in &grants.apps {
        b.item(Some(a.into()), own(from), None);
    }
    // Members last: at a large group they are thousands, the relations above are a few.
    let m = Members::compute(g, gi);
    let direct = m.members.iter().filter(|x| m.is_direct(x)).count();
    b.heading(format!(
        "Members  {} · {direct} direct · {} inherited",
        m.members.len(),
        m.members.len() - direct
    ));
    for x in m.members.iter().take(b.max_items) {
        let p = m.path(g, x);
        let how = if m.is_direct(x) {
            "direct".to_owned()
        } else {
            via_text(g, &p)
        };
        b.item(Some(x.user.into()), how, Some(Why::Paths(vec![p])));
    }
    b.more(m.members.len(), " (W: all of them)");
}

pub(super) fn role(b: &mut B, r: RoleIx) {
    let g = b.g;
    let role = g.role(r);
    let scopes: Vec<&str> = role.applicable_to.iter().map(|s| s.as_str()).collect();
    b.fact(format!(
        "{} · applicable to {} · {} permissions{}",
        if role.is_custom() {
            "custom"
        } else {
            "built-in"
        },
        clean(&scopes.join(", ")),
        role.permissions.len(),
        if g.admin_role[r.ix()] {
            " · satisfies ADMIN_USERS_ONLY"
        } else {
            ""
        }
    ));
    if let Some(d) = role.description.as_deref().filter(|d| !d.is_empty()) {
        b.fact(clean(d));
    }
    let h = Holders::of_role(g, r);
    // Holders by scope: sorted by the scope's label, one heading per scope.
    let mut order: Vec<(String, usize)> = h
        .holdings
        .iter()
        .enumerate()
        .map(|(i, x)| {
            (
                clean(&g.scope_label(&g.assignment(x.assignment()).raw.scope)),
                i,
            )
        })
        .collect();
    order.sort();
    b.heading(format!(
        "Holders  {} (W: all of them)",
        h.counts(g).summary()
    ));
    let mut last = None;
    for (scope, i) in order.iter().take(b.max_items) {
        if last != Some(scope) {
            b.push(LineKind::Note, format!("scope {scope}"), String::new());
            last = Some(scope);
        }
        let x = &h.holdings[*i];
        let p = h.path(g, x);
        let how: String = match *x {
            Holding::User { via: None, .. } => "direct".into(),
            Holding::User { via: Some(_), .. } => via_text(g, &p),
            Holding::Group { group, .. } => {
                let n = g.group_users(group).len();
                format!("group · {n} direct member{}", if n == 1 { "" } else { "s" })
            }
            Holding::App { .. } => "application".into(),
            Holding::Gateway { .. } => "gateway".into(),
        };
        b.item(Some(x.target()), how, Some(Why::Paths(vec![p])));
    }
    b.more(h.holdings.len(), "");
}

pub(super) fn app(b: &mut B, a: AppIx) {
    let g = b.g;
    let ap = g.app(a);
    let mut facts = vec![clean(ap.kind.as_str())];
    if let Some(p) = &ap.protocol {
        facts.push(clean(p.as_str()));
    }
    facts.push(ap.status_word().to_owned());
    if !ap.grant_types.is_empty() {
        facts.push(format!("grants {}", clean(&ap.grant_types.join(", "))));
    }
    b.fact(facts.join(" · "));
    b.fact(format!("access policy: {}", clean(&g.policy_text(a))));
    if let Some(d) = ap.description.as_deref().filter(|d| !d.is_empty()) {
        b.fact(clean(d));
    }
    // The policy's groups, each selectable: Enter opens it.
    if let Some(policy) = &g.app_policies[a.ix()].group {
        use crate::model::graph::{GroupMatch, GroupRef};
        let why = match policy.rule {
            GroupMatch::Any => "any one of them admits",
            GroupMatch::All => "every one of them is required",
            GroupMatch::Unknown(_) => "a rule pingscope does not know",
        };
        b.heading(format!("Policy groups  {}", policy.groups.len()));
        for r in &policy.groups {
            match r {
                GroupRef::Known(gi) => b.item(Some((*gi).into()), why.to_owned(), None),
                GroupRef::Dangling(id) => b.push(
                    LineKind::Note,
                    format!(
                        "group {} (deleted: never satisfied)",
                        clean(&id.to_string())
                    ),
                    String::new(),
                ),
            }
        }
    }
    if ap.is_worker() || !g.app_assignments(a).is_empty() {
        own_roles(b, Node::App(a), g.app_assignments(a));
    }
    let who = WhoCan::compute(g, a);
    b.heading(format!(
        "Who can use it  {} (W: all, with how)",
        who.admitted.len()
    ));
    for (u, admits) in who.admitted.iter().take(b.max_items) {
        let paths = who.paths(g, *u, admits);
        let how: Vec<String> = paths.iter().map(|p| via_text(g, p)).collect();
        b.item(Some((*u).into()), how.join(" + "), Some(Why::Paths(paths)));
    }
    b.more(who.admitted.len(), "");
    if let Some(rule) = &who.unknown_rule {
        b.push(
            LineKind::Note,
            format!("access rule {} is unknown to pingscope", clean(rule)),
            String::new(),
        );
    }
    if let Some(why) = who.nobody {
        b.push(LineKind::Note, why.to_owned(), String::new());
    }
    b.incomplete(&who.incomplete);
}

/// A non-human admin's own role assignments, each selectable with its chain.
fn own_roles(b: &mut B, holder: Node, held: &[AssignIx]) {
    let g = b.g;
    b.heading(format!("Its own admin roles  {}", held.len()));
    for &x in held {
        let mut path = Path::start(holder.clone());
        path.push(access::role_node(g, x), Link::Assigned(x));
        let scope = clean(&g.scope_label(&g.assignment(x).raw.scope));
        b.role_item(x, scope, path);
    }
}

pub(super) fn gateway(b: &mut B, gi: GatewayIx) {
    let g = b.g;
    let gw = g.gateway(gi);
    b.fact(format!(
        "gateway · {} · {}",
        clean(gw.type_label()),
        gw.status_word()
    ));
    if let Some(d) = gw.description.as_deref().filter(|d| !d.is_empty()) {
        b.fact(clean(d));
    }
    if !g.gateway_assignments_read[gi.ix()] {
        b.incomplete(&["this gateway's role assignments were not read".to_owned()]);
    }
    own_roles(b, Node::Gateway(gi), g.gateway_assignments(gi));
}

pub(super) fn population(b: &mut B, p: PopIx) {
    let g = b.g;
    let pop = g.population(p);
    let users = g.population_users(p);
    b.fact(format!(
        "{}{} users",
        if pop.default { "default · " } else { "" },
        users.len()
    ));
    if let Some(d) = pop.description.as_deref().filter(|d| !d.is_empty()) {
        b.fact(clean(d));
    }
    b.heading(format!("Users  {}", users.len()));
    for &u in users.iter().take(b.max_items) {
        let usr = g.user(u);
        b.item(
            Some(u.into()),
            clean(&usr.display_name().unwrap_or_default()),
            None,
        );
    }
    b.more(users.len(), "");
}
