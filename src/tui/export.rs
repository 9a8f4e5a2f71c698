//! What is on screen as CSV or JSON: the why chain when it is open, otherwise the whole list
//! (every shown row, not only the visible ones), with the list's "how" or reason column.

use serde_json::json;

use crate::model::Graph;
use crate::model::search::{Kind, Target};

use super::lists::{Note, target_name};
use super::state::{Overlay, State};

pub fn target_id(graph: &Graph, t: Target) -> String {
    let ix = t.ix as usize;
    match t.kind {
        Kind::User => graph.users.get(ix).map(|x| x.id.to_string()),
        Kind::Group => graph.groups.get(ix).map(|x| x.id.to_string()),
        Kind::Role => graph.roles.get(ix).map(|x| x.id.to_string()),
        Kind::App => graph.apps.get(ix).map(|x| x.id.to_string()),
        Kind::Population => graph.populations.get(ix).map(|x| x.id.to_string()),
    }
    .unwrap_or_default()
}

fn to_csv(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(header);
    for r in rows {
        let _ = w.write_record(r);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
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
pub fn screen(s: &State, ext: &str) -> (String, String) {
    let Some(g) = s.graph() else {
        return (format!("pingscope.{ext}"), String::new());
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
                return (format!("pingscope.{ext}"), String::new());
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
        to_csv(&header, &rows)
    };
    (format!("{stem}.{ext}"), contents)
}
