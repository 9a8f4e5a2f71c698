//! `pingscope export`: the whole user × application / role matrix, one row per grant, each with
//! its reason, then the roles the non-human admins (worker applications, gateways) hold. Rows
//! are written as they are computed, so memory stays flat at any size.

use std::io::Write;

use serde::Serialize;

use crate::model::access::role_path;
use crate::model::*;

use super::views::{HopView, path_view};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Json,
    Csv,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum What {
    Applications,
    Roles,
    All,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Row<'a> {
    /// The subject: a user, or (role rows only) a worker application or gateway; see
    /// `subject_kind`. The names stay `user*` for scripts written before gateways.
    user_id: String,
    username: &'a str,
    user_enabled: bool,
    /// "user", "application" or "gateway".
    subject_kind: &'static str,
    kind: &'static str,
    target_id: String,
    target_name: String,
    target_enabled: bool,
    /// Roles: "BUILT_IN" or "CUSTOM"; applications: their type.
    #[serde(skip_serializing_if = "Option::is_none")]
    target_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
    /// For CSV: the chain as text.
    #[serde(skip)]
    reason: String,
    path: Vec<HopView>,
}

fn rows<'a>(graph: &'a Graph, u: UserIx, what: What) -> Vec<Row<'a>> {
    let a = Access::compute(graph, u);
    let user = graph.user(u);
    let mut out = Vec::new();
    let base = |kind, target_id, target_name, target_enabled, target_type, scope, path: Path| Row {
        user_id: user.id.to_string(),
        username: &user.username,
        user_enabled: user.enabled,
        subject_kind: "user",
        kind,
        target_id,
        target_name,
        target_enabled,
        target_type,
        scope,
        reason: path.render(graph, |s| s.to_owned()),
        path: path_view(graph, &path),
    };
    if matches!(what, What::Applications | What::All) {
        for d in a.admitted() {
            let app = graph.app(d.app);
            let paths = d.paths(graph, &a.groups);
            let mut path = paths.into_iter().next().unwrap_or_default();
            if path.hops().is_empty() {
                path = Path::start(Node::User(u));
            }
            out.push(base(
                "application",
                app.id.to_string(),
                app.name.clone(),
                app.enabled,
                Some(app.kind.as_str()),
                None,
                path,
            ));
        }
    }
    if matches!(what, What::Roles | What::All) {
        for grant in &a.roles {
            let node = access::role_node(graph, grant.assignment);
            let asg = graph.assignment(grant.assignment);
            out.push(base(
                "role",
                graph.node_id(&node).to_string(),
                graph.node_name(&node),
                true,
                asg.role.map(|r| graph.role(r).type_name()),
                Some(graph.scope_label(&asg.raw.scope)),
                role_path(graph, &a.groups, *grant),
            ));
        }
    }
    out
}

/// The roles worker applications and gateways hold: one row per assignment.
fn non_human_rows(graph: &Graph) -> impl Iterator<Item = Row<'_>> {
    let all: Vec<AssignIx> = (0..graph.assignments.len() as u32).map(AssignIx).collect();
    let holders = access::Holders::of_assignments(graph, &all);
    let rows: Vec<Row<'_>> = holders
        .holdings
        .iter()
        .filter_map(|h| {
            let (subject_kind, target) = match *h {
                access::Holding::App { app, .. } => ("application", Target::from(app)),
                access::Holding::Gateway { gateway, .. } => ("gateway", Target::from(gateway)),
                _ => return None,
            };
            let a = h.assignment();
            let asg = graph.assignment(a);
            let node = access::role_node(graph, a);
            let path = holders.path(graph, h);
            Some(Row {
                user_id: graph
                    .target_id(target)
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                username: graph.target_name(target),
                user_enabled: !graph.is_disabled(target),
                subject_kind,
                kind: "role",
                target_id: graph.node_id(&node).to_string(),
                target_name: graph.node_name(&node),
                target_enabled: true,
                target_type: asg.role.map(|r| graph.role(r).type_name()),
                scope: Some(graph.scope_label(&asg.raw.scope)),
                reason: path.render(graph, |s| s.to_owned()),
                path: path_view(graph, &path),
            })
        })
        .collect();
    rows.into_iter()
}

pub fn export(graph: &Graph, format: Format, what: What, w: impl Write) -> std::io::Result<()> {
    let users = (0..graph.users.len() as u32).map(UserIx);
    let non_human = matches!(what, What::Roles | What::All);
    let others = || {
        non_human
            .then(|| non_human_rows(graph))
            .into_iter()
            .flatten()
    };
    match format {
        Format::Json => {
            let items = users.flat_map(|u| rows(graph, u, what)).chain(others());
            super::views::write_seq(w, items)
        }
        Format::Csv => {
            let mut csv = csv::Writer::from_writer(w);
            csv.write_record([
                "user_id",
                "username",
                "user_enabled",
                "kind",
                "target_id",
                "target_name",
                "target_enabled",
                "scope",
                "reason",
                "subject_kind",
                "target_type",
            ])?;
            for r in users.flat_map(|u| rows(graph, u, what)).chain(others()) {
                {
                    csv.write_record([
                        r.user_id.as_str(),
                        &csv_cell(r.username),
                        if r.user_enabled { "true" } else { "false" },
                        r.kind,
                        &r.target_id,
                        &csv_cell(&r.target_name),
                        if r.target_enabled { "true" } else { "false" },
                        &csv_cell(r.scope.as_deref().unwrap_or("")),
                        &csv_cell(&r.reason),
                        r.subject_kind,
                        r.target_type.unwrap_or(""),
                    ])?;
                }
            }
            csv.flush()
        }
    }
}

pub use crate::model::text::csv_cell;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_cannot_run_formulas_or_escapes() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("a\u{1b}[2J"), "a␛[2J");
        assert_eq!(csv_cell("alice"), "alice");
    }
}
