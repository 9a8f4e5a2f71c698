//! `pingscope export`: the whole user × application / role matrix, one row per grant, each with
//! its reason. Rows are written as they are computed, so memory stays flat at any size.

use std::io::Write;

use serde::Serialize;

use crate::model::access::role_path;
use crate::model::text::sanitize;
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
    user_id: String,
    username: &'a str,
    user_enabled: bool,
    kind: &'static str,
    target_id: String,
    target_name: String,
    target_enabled: bool,
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
    let base = |kind, target_id, target_name, target_enabled, scope, path: Path| Row {
        user_id: user.id.to_string(),
        username: &user.username,
        user_enabled: user.enabled,
        kind,
        target_id,
        target_name,
        target_enabled,
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
                Some(graph.scope_label(&asg.raw.scope)),
                role_path(graph, &a.groups, *grant),
            ));
        }
    }
    out
}

pub fn export(graph: &Graph, format: Format, what: What, w: impl Write) -> std::io::Result<()> {
    let users = (0..graph.users.len() as u32).map(UserIx);
    match format {
        Format::Json => {
            let items = users.flat_map(|u| rows(graph, u, what));
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
            ])?;
            for u in users {
                for r in rows(graph, u, what) {
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
                    ])?;
                }
            }
            csv.flush()
        }
    }
}

/// CSV lands in spreadsheets and terminals: control characters are neutralised, and a cell that
/// a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) gets a leading apostrophe.
pub fn csv_cell(s: &str) -> String {
    let clean = sanitize(s);
    if clean.starts_with(['=', '+', '-', '@']) {
        format!("'{clean}")
    } else {
        clean.into_owned()
    }
}

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
