//! What is on screen as CSV or JSON: the why chain when it is open, otherwise the whole list
//! (every shown row, not only the visible ones), with the list's "how" or reason column.

use serde_json::json;

use crate::model::Graph;
use crate::model::Target;
use crate::model::text::csv_cell;

use super::action::Effect;
use super::lists::{Note, target_name};
use super::state::{Overlay, State};

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

/// The export of what is on screen as a write effect, or a message saying why there is none.
pub fn effect(s: &mut State, ext: &str, path: Option<String>) -> Vec<Effect> {
    match screen(s, ext) {
        Ok((default, contents)) => vec![Effect::Write {
            path: path.filter(|p| !p.is_empty()).unwrap_or(default),
            contents,
        }],
        Err(e) => {
            s.message = Some(format!("export failed: {e}"));
            Vec::new()
        }
    }
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

/// The default file name and the contents, in `ext` ("csv" or "json").
pub fn screen(s: &State, ext: &str) -> Result<(String, String), String> {
    let Some(g) = s.graph() else {
        return Err("nothing is loaded yet".into());
    };
    let (stem, header, rows): (String, Vec<&str>, Vec<Vec<String>>) = match &s.overlay {
        Some(Overlay::Why(v)) => {
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
        _ => {
            let Some(l) = s.list.as_ref() else {
                return Err("no list is open".into());
            };
            let rows = (0..l.len())
                .filter_map(|i| l.row(i))
                .map(|r| {
                    let note = match &r.note {
                        Note::None => String::new(),
                        Note::Reason(x) => x.clone(),
                        Note::Who(i) => l.who.as_ref().map(|w| w.how(g, *i)).unwrap_or_default(),
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
    };
    let contents = if ext == "json" {
        to_json(&header, &rows)
    } else {
        to_csv(&header, &rows)?
    };
    Ok((format!("{stem}.{ext}"), contents))
}
