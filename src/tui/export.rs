//! What is on screen as CSV or JSON: the why chain when it is open, otherwise the whole list
//! (every shown row, not only the visible ones), with the list's "how" or reason column.

use serde_json::json;

use crate::model::Graph;
use crate::model::Target;
use crate::model::text::csv_cell;

use super::action::{Effect, Handover};
use super::lists::{ListView, Note, target_name};
use super::state::{Data, ListSpec, Overlay, State};
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
    list: Option<ListView>,
    ext: String,
}

impl ExportJob {
    /// The default file name and the contents; an error says why there is nothing to export.
    pub fn render(&self) -> Result<(String, String), String> {
        render(
            &self.data.graph,
            self.why.as_ref(),
            self.list.as_ref(),
            &self.ext,
        )
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
    let job = ExportJob {
        data,
        list: if why.is_none() { s.list.clone() } else { None },
        why,
        ext: ext.to_owned(),
    };
    vec![Effect::Export {
        path: path.filter(|p| !p.is_empty()),
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
    let (stem, header, rows): (String, Vec<&str>, Vec<Vec<String>>) = match why {
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
            (
                "pingscope-why".into(),
                vec!["path", "hop", "name", "id", "link"],
                rows,
            )
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
                (
                    "pingscope-changes".into(),
                    crate::model::diff::CSV_HEADER.to_vec(),
                    rows,
                )
            } else {
                let rows = (0..l.len())
                    .filter_map(|i| l.row(i))
                    .map(|r| {
                        let note = match &r.note {
                            Note::None => String::new(),
                            Note::Reason(x) => x.clone(),
                            Note::Who(i) => {
                                l.who.as_ref().map(|w| w.how(g, *i)).unwrap_or_default()
                            }
                            Note::Change(i) => l.change_line(*i),
                        };
                        vec![
                            r.target.kind.label().to_owned(),
                            target_id(g, r.target),
                            target_name(g, r.target),
                            note,
                        ]
                    })
                    .collect();
                let stem: String = l
                    .title
                    .to_lowercase()
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                    .collect();
                let stem = stem.trim_matches('-').chars().take(40).collect::<String>();
                (
                    format!("pingscope-{stem}"),
                    vec!["kind", "id", "name", "how"],
                    rows,
                )
            }
        }
    };
    let contents = if ext == "json" {
        to_json(&header, &rows)
    } else {
        to_csv(&header, &rows)?
    };
    Ok((format!("{stem}.{ext}"), contents))
}
