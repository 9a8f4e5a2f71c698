//! The detail pane's content for one entity: facts, then sections of related entities, each
//! related line linking to its entity and carrying the why-paths that explain it. Every string
//! from the API is sanitised here, once.

use crate::model::access::{self, Access, Grants, Holder, Holders, Holding, Members, WhoCan};
use crate::model::text::sanitize;
use crate::model::*;
use crate::model::{Kind, Target};

use super::lists::{target_name, via_text};

/// Related entities listed per section before "… N more".
pub const MAX_ITEMS: usize = 200;

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum LineKind {
    Fact,
    Heading,
    Item,
    Note,
}

#[derive(Clone, PartialEq, Debug)]
pub enum Why {
    Paths(Vec<Path>),
    /// A finding or refusal given as text: the subject's name and the reasons.
    Refused(String, Vec<String>),
    /// The application refuses the user: its name and the refusals, whose groups are jumpable.
    Refusals(String, Vec<Refusal>),
}

#[derive(Clone, PartialEq, Debug)]
pub struct DLine {
    pub kind: LineKind,
    pub left: String,
    pub right: String,
    pub link: Option<Target>,
    pub why: Option<Why>,
}

#[derive(Clone, PartialEq, Debug)]
pub struct Detail {
    pub target: Target,
    pub title: String,
    pub lines: Vec<DLine>,
    pub sel: usize,
    pub offset: usize,
}

fn clean(s: &str) -> String {
    sanitize(s).into_owned()
}

pub fn ago(now: i64, then: i64) -> String {
    let s = (now - then).max(0) / 1000;
    match s {
        0..60 => "just now".into(),
        60..3600 => format!("{} min ago", s / 60),
        3600..86_400 => format!("{} h ago", s / 3600),
        _ => format!("{} d ago", s / 86_400),
    }
}

struct B<'g> {
    g: &'g Graph,
    lines: Vec<DLine>,
}

impl B<'_> {
    fn push(&mut self, kind: LineKind, left: String, right: String) {
        self.lines.push(DLine {
            kind,
            left,
            right,
            link: None,
            why: None,
        });
    }
    fn fact(&mut self, s: impl Into<String>) {
        self.push(LineKind::Fact, s.into(), String::new());
    }
    fn heading(&mut self, s: impl Into<String>) {
        self.push(LineKind::Heading, s.into(), String::new());
    }
    fn item(&mut self, t: Option<Target>, right: String, why: Option<Why>) {
        let left = t.map_or_else(String::new, |t| clean(&target_name(self.g, t)));
        // The flags that must never be missed lead the right column, so the name stays whole.
        let flags = t.map(|t| flags(self.g, t)).unwrap_or_default();
        let right = if flags.is_empty() {
            right
        } else if right.is_empty() {
            flags
        } else {
            format!("{flags} · {right}")
        };
        self.lines.push(DLine {
            kind: LineKind::Item,
            left,
            right,
            link: t,
            why,
        });
    }
    /// A role held through `assignment`: the role's name (marked custom), or `unresolved role
    /// <id>` for a role outside the snapshot; selectable either way, `w` showing `path`.
    fn role_item(&mut self, assignment: AssignIx, right: String, path: Path) {
        let g = self.g;
        let t = g.assignment(assignment).role.map(Target::from);
        self.lines.push(DLine {
            kind: LineKind::Item,
            left: clean(&crate::model::audit::role_label(g, assignment)),
            right,
            link: t,
            why: Some(Why::Paths(vec![path])),
        });
    }
    fn more(&mut self, total: usize, hint: &str) {
        if total > MAX_ITEMS {
            self.push(
                LineKind::Note,
                format!("… {} more{hint}", total - MAX_ITEMS),
                String::new(),
            );
        }
    }
    fn incomplete(&mut self, gaps: &[String]) {
        for g in gaps {
            self.push(
                LineKind::Note,
                format!("INCOMPLETE: {}", clean(g)),
                String::new(),
            );
        }
    }
}

/// The status flags that must never be missed ("DISABLED", "LOCKED", "custom"), in the words
/// every view uses; empty for an entity in good standing.
pub fn flags(g: &Graph, t: Target) -> String {
    g.target_status(t)
        .into_iter()
        .filter(|f| matches!(*f, "DISABLED" | "LOCKED" | "custom"))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// "27 days", "5 h", "under an hour": how long before the snapshot was taken.
pub fn before(as_of: i64, then: i64) -> String {
    let s = (as_of - then).max(0) / 1000;
    match s {
        0..3600 => "under an hour".into(),
        3600..86_400 => format!("{} h", s / 3600),
        86_400..172_800 => "1 day".into(),
        _ => format!("{} days", s / 86_400),
    }
}

/// The one clock of every sign-on age: when the snapshot was taken (README "One clock").
pub fn as_of(g: &Graph) -> i64 {
    g.meta.taken_at.millis().unwrap_or(0)
}

impl Detail {
    /// `_now` is not used: ages count to the snapshot's time (see [`as_of`]).
    pub fn build(graph: &Graph, target: Target, _now: i64) -> Detail {
        let mut b = B {
            g: graph,
            lines: Vec::new(),
        };
        let ix = target.ix;
        match target.kind {
            Kind::User => user(&mut b, UserIx(ix)),
            Kind::Group => group(&mut b, GroupIx(ix)),
            Kind::Role => role(&mut b, RoleIx(ix)),
            Kind::App => app(&mut b, AppIx(ix)),
            Kind::Population => population(&mut b, PopIx(ix)),
            Kind::Gateway => gateway(&mut b, GatewayIx(ix)),
        }
        let mut d = Detail {
            target,
            title: clean(&target_name(graph, target)),
            lines: b.lines,
            sel: 0,
            offset: 0,
        };
        let first = d.selectable().next().unwrap_or(0);
        d.sel = first;
        d
    }

    /// What shows while the real detail is computed in the background.
    pub fn placeholder(graph: &Graph, target: Target) -> Detail {
        Detail {
            target,
            title: clean(&target_name(graph, target)),
            lines: vec![DLine {
                kind: LineKind::Note,
                left: "computing…".into(),
                right: String::new(),
                link: None,
                why: None,
            }],
            sel: 0,
            offset: 0,
        }
    }

    /// Indices of the lines the cursor can rest on.
    pub fn selectable(&self) -> impl Iterator<Item = usize> + '_ {
        self.lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.link.is_some() || l.why.is_some())
            .map(|(i, _)| i)
    }

    pub fn selected(&self) -> Option<&DLine> {
        self.lines
            .get(self.sel)
            .filter(|l| l.link.is_some() || l.why.is_some())
    }

    pub fn selected_link(&self) -> Option<Target> {
        self.selected().and_then(|l| l.link)
    }

    /// Moves the cursor by `delta` selectable lines.
    pub fn step(&mut self, delta: isize) {
        let sel: Vec<usize> = self.selectable().collect();
        if sel.is_empty() {
            return;
        }
        let cur = sel.iter().position(|&i| i >= self.sel).unwrap_or(0) as isize;
        let next = (cur + delta).clamp(0, sel.len() as isize - 1) as usize;
        self.sel = sel[next];
    }
}

fn user(b: &mut B, u: UserIx) {
    let g = b.g;
    let usr = g.user(u);
    let a = Access::compute(g, u);
    let mut facts = vec![usr.display_name().map(|n| clean(&n)).unwrap_or_default()];
    facts.extend(usr.status_facts().into_iter().map(String::from));
    facts.retain(|f| !f.is_empty());
    b.fact(facts.join(" · "));
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
    facts.push(match usr.last_sign_on_millis() {
        Some(t) => format!("last sign-on {} before the snapshot", before(as_of(g), t)),
        None => "never signed on".into(),
    });
    b.fact(facts.join(" · "));
    b.incomplete(&a.incomplete);

    let eg = &a.groups;
    let direct = eg
        .reaches()
        .iter()
        .filter(|r| r.via == access::Via::Membership(Link::Direct))
        .count();
    b.heading(format!(
        "Groups  {direct} direct · {} inherited",
        eg.len() - direct
    ));
    for r in eg.reaches().iter().take(MAX_ITEMS) {
        let path = eg.path_to(r.group);
        let how = match r.via {
            access::Via::Membership(l) => l.phrase().to_owned(),
            access::Via::Nested { child } => format!("via {}", clean(&g.group(child).name)),
        };
        b.item(Some(r.group.into()), how, path.map(|p| Why::Paths(vec![p])));
    }
    b.more(eg.len(), "");

    b.heading(format!("Roles  {}", a.roles.len()));
    for grant in a.roles.iter().take(MAX_ITEMS) {
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
    for d in admitted.iter().take(MAX_ITEMS) {
        let paths = d.paths(g, eg);
        let how: Vec<String> = paths.iter().map(|p| via_text(g, p)).collect();
        b.item(Some(d.app.into()), how.join(" + "), Some(Why::Paths(paths)));
    }
    b.more(admitted.len(), "");
    let refused: Vec<&access::AppDecision> = a.apps.iter().filter(|d| !d.admitted()).collect();
    b.heading(format!("Refused  {}", refused.len()));
    for d in refused.iter().take(MAX_ITEMS) {
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

fn group(b: &mut B, gi: GroupIx) {
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
    let m = Members::compute(g, gi);
    let direct = m.members.iter().filter(|x| m.is_direct(x)).count();
    b.heading(format!(
        "Members  {} · {direct} direct · {} inherited",
        m.members.len(),
        m.members.len() - direct
    ));
    for x in m.members.iter().take(MAX_ITEMS) {
        let p = m.path(g, x);
        let how = if m.is_direct(x) {
            "direct".to_owned()
        } else {
            via_text(g, &p)
        };
        b.item(Some(x.user.into()), how, Some(Why::Paths(vec![p])));
    }
    b.more(m.members.len(), " (W: all of them)");
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
}

fn role(b: &mut B, r: RoleIx) {
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
    for (scope, i) in order.iter().take(MAX_ITEMS) {
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

fn app(b: &mut B, a: AppIx) {
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
    if ap.is_worker() || !g.app_assignments(a).is_empty() {
        own_roles(b, Node::App(a), g.app_assignments(a));
    }
    let who = WhoCan::compute(g, a);
    b.heading(format!(
        "Who can use it  {} (W: all, with how)",
        who.admitted.len()
    ));
    for (u, admits) in who.admitted.iter().take(MAX_ITEMS) {
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

fn gateway(b: &mut B, gi: GatewayIx) {
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

fn population(b: &mut B, p: PopIx) {
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
    for &u in users.iter().take(MAX_ITEMS) {
        let usr = g.user(u);
        b.item(
            Some(u.into()),
            clean(&usr.display_name().unwrap_or_default()),
            None,
        );
    }
    b.more(users.len(), "");
}
