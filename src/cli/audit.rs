//! `pingscope audit`: the audit lenses, as a summary of every lens or one lens's findings.

use std::io::{self, Write};

use serde::Serialize;

use crate::model::Kind;
use crate::model::audit::{self, AuditOptions, Finding, Lens, Report};
use crate::model::text::sanitize;
use crate::model::{AppIx, GatewayIx, Graph, GroupIx, Timestamp, UserIx};

use super::human::{Table, write_incomplete};
use super::views::{self, AppView, LazySeq, UserView};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary {
    lens: &'static str,
    title: &'static str,
    count: usize,
    incomplete: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FindingView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<UserView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    application: Option<AppView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gateway: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<NamedView<'a>>,
    reason: &'a str,
    /// The account's state as the lens saw it: disabled, locked, mfa-off, never-signed-on, stale.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    flags: &'a [&'static str],
    #[serde(skip_serializing_if = "Option::is_none")]
    last_sign_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    days_since_sign_on: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_at: Option<String>,
    /// The admin roles held, each at its scope.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    roles: Vec<serde_json::Value>,
    /// The groups those roles come through.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    via_groups: Vec<NamedView<'a>>,
    /// The other groups of a nesting cycle.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cycle: Vec<NamedView<'a>>,
}

#[derive(Serialize)]
struct NamedView<'a> {
    id: String,
    name: &'a str,
}

fn group_named(graph: &Graph, g: GroupIx) -> NamedView<'_> {
    let group = graph.group(g);
    NamedView {
        id: group.id.to_string(),
        name: &group.name,
    }
}

fn finding_view<'a>(graph: &'a Graph, f: &'a Finding) -> FindingView<'a> {
    let facts = &f.facts;
    let mut v = FindingView {
        user: None,
        application: None,
        gateway: None,
        group: None,
        reason: &f.reason,
        flags: &facts.flags,
        last_sign_on: None,
        days_since_sign_on: facts.days_since_sign_on,
        created_at: None,
        roles: facts
            .assignments
            .iter()
            .map(|&a| {
                serde_json::json!({
                    "role": views::role_ref(graph, a),
                    "scope": views::scope_view(graph, a),
                })
            })
            .collect(),
        via_groups: facts
            .via_groups
            .iter()
            .map(|&g| group_named(graph, g))
            .collect(),
        cycle: facts.cycle.iter().map(|&g| group_named(graph, g)).collect(),
    };
    match f.target.kind {
        Kind::App => v.application = Some(views::app_view(graph, AppIx(f.target.ix))),
        Kind::Gateway => v.gateway = Some(views::gateway_json(graph, GatewayIx(f.target.ix))),
        Kind::Group => v.group = Some(group_named(graph, GroupIx(f.target.ix))),
        _ => {
            let user = graph.user(UserIx(f.target.ix));
            v.user = Some(views::user_view(graph, UserIx(f.target.ix)));
            if facts
                .flags
                .iter()
                .any(|f| *f == "stale" || *f == "never-signed-on")
            {
                v.last_sign_on = user
                    .last_sign_on_millis()
                    .map(|m| Timestamp::from_millis(m).to_string());
                v.created_at = user.created_at.as_ref().map(ToString::to_string);
            }
        }
    }
    v
}

pub fn run(
    out: &mut impl Write,
    graph: &Graph,
    lens: Option<Lens>,
    opts: &AuditOptions,
    json: bool,
) -> io::Result<()> {
    let as_of = Timestamp::from_millis(opts.now_millis).to_string();
    match lens {
        None => {
            let reports: Vec<Report> = Lens::ALL
                .iter()
                .map(|&l| audit::report(graph, l, opts))
                .collect();
            if json {
                let lenses: Vec<Summary> = reports
                    .into_iter()
                    .map(|r| Summary {
                        lens: r.lens.key(),
                        title: r.lens.title(),
                        count: r.findings.len(),
                        incomplete: r.incomplete,
                    })
                    .collect();
                return views::write_json(
                    out,
                    &serde_json::json!({
                        "asOf": as_of,
                        "staleDays": opts.stale_days,
                        "graceDays": opts.grace_days,
                        "lenses": lenses,
                    }),
                );
            }
            writeln!(
                out,
                "Audit of {} as of {as_of} (stale: no sign-on in {} days)\n",
                sanitize(&graph.environment.name),
                opts.stale_days
            )?;
            let mut t = Table::default();
            for r in &reports {
                let flag = if r.incomplete.is_empty() {
                    ""
                } else {
                    "INCOMPLETE"
                };
                t.row([
                    r.lens.key(),
                    &r.findings.len().to_string(),
                    r.lens.title(),
                    flag,
                ]);
            }
            t.write(out, "  ")?;
            writeln!(out, "\nDetails: pingscope audit <lens> [--json]")
        }
        Some(lens) => {
            let r = audit::report(graph, lens, opts);
            if json {
                return views::write_json(
                    out,
                    &serde_json::json!({
                        "lens": lens.key(),
                        "title": lens.title(),
                        "description": lens.description(),
                        "asOf": as_of,
                        "staleDays": opts.stale_days,
                        "graceDays": opts.grace_days,
                        "count": r.findings.len(),
                        "incomplete": r.incomplete,
                        "findings": LazySeq::new(r.findings.iter().map(|f| finding_view(graph, f))),
                    }),
                );
            }
            writeln!(
                out,
                "{} ({}): {}\n",
                lens.title(),
                r.findings.len(),
                lens.description()
            )?;
            let mut t = Table::default();
            for f in &r.findings {
                match f.target.kind {
                    Kind::App => {
                        let app = graph.app(AppIx(f.target.ix));
                        t.row_with_tail([app.name.as_str(), app.kind.as_str()], &f.reason);
                    }
                    Kind::Gateway => {
                        let gw = graph.gateway(GatewayIx(f.target.ix));
                        t.row_with_tail([gw.name.as_str(), "gateway"], &f.reason);
                    }
                    Kind::Group => {
                        let g = graph.group(GroupIx(f.target.ix));
                        t.row_with_tail([g.name.as_str(), "group"], &f.reason);
                    }
                    _ => {
                        let user = graph.user(UserIx(f.target.ix));
                        let name = user.display_name().unwrap_or_default();
                        t.row_with_tail([user.username.as_str(), name.as_str()], &f.reason);
                    }
                }
            }
            t.write(out, "  ")?;
            write_incomplete(out, &r.incomplete)
        }
    }
}
