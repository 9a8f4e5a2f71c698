//! `pingscope compare USER OTHER`: the onboarding check, with the diff's records.

use std::io::Write;

use color_eyre::eyre::{Result, eyre};
use serde_json::json;

use super::diff::{CSV_HEADER, Format, change_csv, change_json};
use crate::model::diff::{AccessChange, Change, ItemKind, compare_users};
use crate::model::text::{csv_cell, sanitize};
use crate::model::{Graph, Kind, UserIx};

fn user(g: &Graph, key: &str) -> Result<UserIx> {
    g.lookup(Kind::User, key)
        .map(|t| UserIx(t.ix))
        .map_err(|e| eyre!("{e}"))
}

/// One line: `- application Jira: bob.smith → Engineering (direct member) → Jira (...); join Engineering`.
fn line(g: &Graph, c: &AccessChange) -> String {
    let scope = c
        .scope_label(g, g)
        .map(|s| format!(" at {}", sanitize(&s)))
        .unwrap_or_default();
    let mut s = format!(
        "{} {}{scope}: {}",
        c.kind.noun(),
        sanitize(&c.target_name(g, g)),
        c.path.render(g, |s| sanitize(s).into_owned())
    );
    match (&c.fix, c.change) {
        (Some(f), _) => s.push_str(&format!("; joining {} would close it", sanitize(&f.name))),
        (None, Change::Missing) => s.push_str("; no single group membership closes it"),
        _ => {}
    }
    s
}

pub fn run(
    out: &mut impl Write,
    g: &Graph,
    a: &str,
    b: &str,
    only: &[ItemKind],
    format: Format,
) -> Result<()> {
    let (u, o) = (user(g, a)?, user(g, b)?);
    let changes: Vec<AccessChange> = compare_users(g, u, o)
        .into_iter()
        .filter(|c| only.is_empty() || only.contains(&c.kind))
        .collect();
    let name = |x: UserIx| g.user(x).username.to_string();
    let view = |x: UserIx| json!({"id": g.user(x).id.to_string(), "username": name(x)});
    match format {
        Format::Json => {
            let records: Vec<serde_json::Value> = changes
                .iter()
                .map(|c| {
                    let mut v = change_json(c, g, g);
                    if let Some(f) = &c.fix {
                        v["closedBy"] =
                            json!({"kind": "group", "id": f.id.to_string(), "name": f.name});
                    }
                    v
                })
                .collect();
            super::views::write_json(
                &mut *out,
                &json!({"user": view(u), "other": view(o), "changes": records}),
            )?;
        }
        Format::Csv => {
            let mut csv = csv::Writer::from_writer(&mut *out);
            let mut header = CSV_HEADER.to_vec();
            header.push("closed_by");
            csv.write_record(&header)?;
            for c in &changes {
                let mut row = change_csv(c, g, g).to_vec();
                row.push(csv_cell(c.fix.as_ref().map_or("", |f| f.name.as_str())));
                csv.write_record(&row)?;
            }
            csv.flush()?;
        }
        Format::Text => {
            let (missing, extra): (Vec<&AccessChange>, Vec<&AccessChange>) =
                changes.iter().partition(|c| c.change == Change::Missing);
            let (un, on) = (
                sanitize(&name(u)).into_owned(),
                sanitize(&name(o)).into_owned(),
            );
            writeln!(out, "{un} lacks {} that {on} has:", missing.len())?;
            for c in &missing {
                writeln!(out, "  - {}", line(g, c))?;
            }
            writeln!(out, "{un} has {} that {on} lacks:", extra.len())?;
            for c in &extra {
                writeln!(out, "  + {}", line(g, c))?;
            }
        }
    }
    Ok(())
}
