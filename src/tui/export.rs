//! What is focused, as CSV or JSON: the why chain when it is open, else the detail when it has
//! the focus (its sections: a user's groups, roles and applications, each with how and the
//! chain), else the whole list (every shown row, not only the visible ones) with each entity's
//! status and the list's "how" or reason, and for who-has answers the chain. The columns
//! follow the CLI's export: status, MFA and last sign-on, how, chain.

use serde_json::json;

use crate::model::Graph;
use crate::model::Target;
use crate::model::text::csv_cell;

use super::action::{Effect, Handover};
use super::detail::{Detail, LineKind, Why};
use super::lists::{ListView, Note, target_name};
use super::state::{Data, Focus, ListSpec, Overlay, State};
use super::why::WhyView;

pub fn target_id(graph: &Graph, t: Target) -> String {
    graph
        .target_id(t)
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// CSV through the one spreadsheet guard ([`csv_cell`]); a failure is an error, never an empty
/// file.
fn to_csv(header: &[&str], rows: &[Vec<String>]) -> Result<String, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: &dyn std::fmt::Display| format!("cannot build the CSV: {e}");
    w.write_record(header).map_err(|e| fail(&e))?;
    for r in rows {
        w.write_record(r.iter().map(|c| csv_cell(c)))
            .map_err(|e| fail(&e))?;
    }
    let bytes = w.into_inner().map_err(|e| fail(&e))?;
    String::from_utf8(bytes).map_err(|e| fail(&e))
}

/// What an export needs, taken from the screen at once (cheap: shared data and the list as it
/// is shown), so that building the file (a chain per row at 100,000 rows) runs off the loop.
#[derive(Debug)]
pub struct ExportJob {
    data: std::sync::Arc<Data>,
    why: Option<WhyView>,
    detail: Option<Detail>,
    list: Option<ListView>,
    ext: String,
    /// The user confirmed replacing an existing file.
    pub overwrite: bool,
}

impl ExportJob {
    /// The default file name and the contents; an error says why there is nothing to export.
    pub fn render(&self) -> Result<(String, String), String> {
        let g = &self.data.graph;
        if let Some(d) = &self.detail {
            // Every item, not the screen's first MAX_ITEMS of a section (built here, off the loop).
            let whole = Detail::build_whole(g, d.target);
            let (header, rows) = detail_rows(g, &whole);
            let contents = encode(&header, &rows, &self.ext)?;
            return Ok((default_name(g, None, Some(d), None, &self.ext), contents));
        }
        render(g, self.why.as_ref(), self.list.as_ref(), &self.ext)
    }
}

/// The file an export writes when none is named: `pingscope-why`, `pingscope-user-alice.nguyen`,
/// `pingscope-who-can-use-confluence`, ... with the extension.
fn default_name(
    g: &Graph,
    why: Option<&WhyView>,
    detail: Option<&Detail>,
    list: Option<&ListView>,
    ext: &str,
) -> String {
    let stem = |text: &str| -> String {
        let s: String = text
            .to_lowercase()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        s.trim_matches(|c| c == '-' || c == '.')
            .chars()
            .take(40)
            .collect()
    };
    let name = match (why, detail, list) {
        (Some(_), _, _) => "why".to_owned(),
        (None, Some(d), _) => format!(
            "{}-{}",
            d.target.kind.label().to_lowercase(),
            stem(&target_name(g, d.target))
        ),
        (None, None, Some(l)) if matches!(l.spec, ListSpec::Changes(_)) => "changes".to_owned(),
        (None, None, Some(l)) => stem(&l.title),
        (None, None, None) => "export".to_owned(),
    };
    format!("pingscope-{name}.{ext}")
}

/// An entity's state, as the CLI's export gives it: enabled, locked, MFA, last sign-on (users;
/// the rest have only what applies).
fn state_cells(g: &Graph, t: Target) -> [String; 4] {
    use crate::model::Kind;
    let flag = |b: bool| if b { "true" } else { "false" }.to_owned();
    match t.kind {
        Kind::User => match g.users.get(t.ix as usize) {
            Some(u) => [
                flag(u.enabled),
                flag(u.is_locked()),
                u.mfa_enabled.map(flag).unwrap_or_default(),
                u.last_sign_on_millis()
                    .map(|m| crate::model::Timestamp::from_millis(m).to_string())
                    .unwrap_or_else(|| "never".into()),
            ],
            None => Default::default(),
        },
        crate::model::Kind::App | crate::model::Kind::Gateway => [
            flag(!g.is_disabled(t)),
            String::new(),
            String::new(),
            String::new(),
        ],
        _ => Default::default(),
    }
}

/// A detail line's chain as text: the paths (" + " between conditions), or the reasons.
fn chain_text(g: &Graph, why: Option<&Why>) -> String {
    match why {
        None => String::new(),
        Some(Why::Paths(paths)) => paths
            .iter()
            .map(|p| p.render(g, |s| s.to_owned()))
            .collect::<Vec<_>>()
            .join(" + "),
        Some(Why::Refused(_, reasons)) => reasons.join("; "),
        Some(Why::Refusals(_, refusals)) => refusals
            .iter()
            .map(|r| r.describe(g))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// A list export's columns; a detail export's are these after the subject and the section.
const LIST_HEADER: [&str; 9] = [
    "kind",
    "id",
    "name",
    "enabled",
    "locked",
    "mfa",
    "last_sign_on",
    "how",
    "chain",
];
const DETAIL_COLUMNS: [&str; 4] = ["subject_kind", "subject_id", "subject_name", "section"];

/// The detail's sections: one row per item (a group, role, application, member, holder), with
/// the section it is in, its state, how and the chain.
fn detail_rows(g: &Graph, d: &Detail) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let subject = [
        d.target.kind.label().to_lowercase(),
        target_id(g, d.target),
        target_name(g, d.target),
    ];
    let mut section = String::new();
    let mut rows = Vec::new();
    for line in &d.lines {
        match line.kind {
            LineKind::Heading => {
                // "Groups  1 direct · 4 inherited" → "Groups".
                section = line.left.split("  ").next().unwrap_or_default().to_owned();
            }
            LineKind::Item if line.link.is_some() || line.why.is_some() => {
                let (kind, id, name) = match line.link {
                    Some(t) => (
                        t.kind.label().to_lowercase(),
                        target_id(g, t),
                        target_name(g, t),
                    ),
                    None => ("role".to_owned(), String::new(), line.left.clone()),
                };
                let state = line.link.map(|t| state_cells(g, t)).unwrap_or_default();
                let mut row = subject.to_vec();
                row.extend([section.clone(), kind, id, name]);
                row.extend(state);
                row.push(line.right.clone());
                row.push(chain_text(g, line.why.as_ref()));
                rows.push(row);
            }
            _ => {}
        }
    }
    let header = DETAIL_COLUMNS.iter().chain(&LIST_HEADER).copied().collect();
    (header, rows)
}

fn encode(header: &[&str], rows: &[Vec<String>], ext: &str) -> Result<String, String> {
    if ext == "json" {
        Ok(to_json(header, rows))
    } else {
        to_csv(header, rows)
    }
}

/// The export of what is on screen as an effect, or a message saying why there is none.
pub fn effect(s: &mut State, ext: &str, path: Option<String>) -> Vec<Effect> {
    let Some(data) = s.data.clone() else {
        s.message = Some("export failed: nothing is loaded yet".into());
        return Vec::new();
    };
    let why = match &s.overlay {
        Some(Overlay::Why(v)) => Some(v.clone()),
        _ => None,
    };
    if why.is_none() && s.list.is_none() {
        s.message = Some("export failed: no list is open".into());
        return Vec::new();
    }
    if why.is_none() && s.list.as_ref().is_some_and(|l| l.building) {
        // An empty file would read as "nobody has it".
        s.message =
            Some("export failed: the list is still being built; try again in a moment".into());
        return Vec::new();
    }
    // The detail when it has the focus (and is not still being built).
    let detail = match (&why, s.focus, &s.detail) {
        (None, Focus::Detail, Some(d)) if !d.is_placeholder() => Some(d.clone()),
        _ => None,
    };
    let list = if why.is_none() && detail.is_none() {
        s.list.clone()
    } else {
        None
    };
    let name = path.filter(|p| !p.is_empty()).unwrap_or_else(|| {
        default_name(
            &data.graph,
            why.as_ref(),
            detail.as_ref(),
            list.as_ref(),
            ext,
        )
    });
    let path = if s.export_dir == std::path::Path::new(".") {
        name
    } else {
        s.export_dir.join(name).display().to_string()
    };
    // An existing file (the last export, or anything else) is replaced only when asked twice.
    let exists = std::path::Path::new(&path).exists();
    let overwrite = exists && s.confirm_overwrite.as_deref() == Some(path.as_str());
    if exists && !overwrite {
        s.message = Some(format!(
            "{path} exists: export again to replace it (any other key keeps it)"
        ));
        s.confirm_overwrite = Some(path);
        return Vec::new();
    }
    s.confirm_overwrite = None;
    let job = ExportJob {
        data,
        list,
        detail,
        why,
        ext: ext.to_owned(),
        overwrite,
    };
    vec![Effect::Export {
        path: Some(path),
        job: Handover::new(job),
    }]
}

fn to_json(header: &[&str], rows: &[Vec<String>]) -> String {
    let items: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            let m: serde_json::Map<String, serde_json::Value> = header
                .iter()
                .zip(r)
                .map(|(h, v)| ((*h).to_owned(), json!(v)))
                .collect();
            serde_json::Value::Object(m)
        })
        .collect();
    serde_json::to_string_pretty(&items).unwrap_or_default() + "\n"
}

/// The default file name and the contents, in `ext` ("csv" or "json"): the why chain when it is
/// open, else the list.
fn render(
    g: &crate::model::Graph,
    why: Option<&WhyView>,
    list: Option<&ListView>,
    ext: &str,
) -> Result<(String, String), String> {
    let (header, rows): (Vec<&str>, Vec<Vec<String>>) = match why {
        Some(v) => {
            let mut rows = Vec::new();
            for (pi, p) in v.paths.iter().enumerate() {
                for (hi, hop) in p.hops().iter().enumerate() {
                    rows.push(vec![
                        (pi + 1).to_string(),
                        (hi + 1).to_string(),
                        g.node_name(&hop.node),
                        g.node_id(&hop.node).to_string(),
                        hop.link.map_or("", |l| l.as_str()).to_owned(),
                    ]);
                }
            }
            if v.paths.is_empty() {
                for it in &v.items {
                    rows.push(vec![
                        "1".into(),
                        "1".into(),
                        it.text.clone(),
                        String::new(),
                        it.link.clone(),
                    ]);
                }
            }
            (vec!["path", "hop", "name", "id", "link"], rows)
        }
        None => {
            let Some(l) = list else {
                return Err("no list is open".into());
            };
            if let ListSpec::Changes(c) = &l.spec {
                // The records of `pingscope diff --format csv`, in the order shown.
                let rows = (0..l.len())
                    .filter_map(|i| l.row(i))
                    .filter_map(|r| match r.note {
                        Note::Change(i) => c.0.record(i as usize),
                        _ => None,
                    })
                    .map(|record| record.to_vec())
                    .collect();
                (crate::model::diff::CSV_HEADER.to_vec(), rows)
            } else {
                let rows = (0..l.len())
                    .filter_map(|i| l.row(i))
                    .map(|r| {
                        let chain = match (&r.note, &l.who) {
                            (Note::Who(i), Some(w)) => {
                                chain_text(g, Some(&Why::Paths(w.paths(g, *i))))
                            }
                            _ => String::new(),
                        };
                        let mut row = vec![
                            r.target.kind.label().to_lowercase(),
                            target_id(g, r.target),
                            target_name(g, r.target),
                        ];
                        row.extend(state_cells(g, r.target));
                        row.push(l.note_text(g, r));
                        row.push(chain);
                        row
                    })
                    .collect();
                (LIST_HEADER.to_vec(), rows)
            }
        }
    };
    let contents = encode(&header, &rows, ext)?;
    Ok((default_name(g, why, None, list, ext), contents))
}
