//! `pingscope diff OLD [NEW]` and `pingscope compare USER OTHER`: access gained and lost between
//! two looks, and between two people, as text, JSON (README "JSON output") or CSV.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use color_eyre::eyre::{Result, bail, eyre};
use serde_json::{Value, json};

use super::views::path_view;
use crate::model::diff::{self, AccessChange, Change, Diff, EntityChanges, ItemKind, SubjectKind};
use crate::model::text::{csv_cell, sanitize};
use crate::model::{Graph, Kind};
use crate::source::SourceArgs;

/// How `diff` and `compare` print.
#[derive(Copy, Clone, PartialEq, Eq, Debug, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Csv,
}

/// What to keep of a diff: `--only`, `--user`, `--app`.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub only: Vec<ItemKind>,
    pub user: Option<String>,
    pub app: Option<String>,
}

pub fn parse_only(s: &str) -> std::result::Result<ItemKind, String> {
    ItemKind::ALL
        .into_iter()
        .find(|k| k.plural() == s || k.noun() == s)
        .ok_or_else(|| format!("unknown kind {s:?}; one of: applications, roles, groups"))
}

/// A snapshot file, or a stored snapshot (`@latest`, `@2`) of `env`, else of the configured
/// environment.
fn locate(src: &SourceArgs, reference: &Path, env: Option<&str>) -> Result<PathBuf> {
    let env = match env {
        Some(e) => Some(e.to_owned()),
        None => crate::source::configured_environment(src)?,
    };
    crate::source::snapshot_path(reference, env.as_deref())
}

fn read(path: &Path) -> Result<Graph> {
    // The error names the file already.
    let snapshot =
        crate::source::seal::read(path).map_err(|e| eyre!("{}", sanitize(&e.to_string())))?;
    Ok(Graph::build(snapshot))
}

/// Both graphs of `diff OLD [NEW]`: with one argument, NEW is the newest stored snapshot of
/// OLD's environment.
pub fn load_pair(src: &SourceArgs, old: &Path, new: Option<&Path>) -> Result<(Graph, Graph)> {
    let old_path = locate(src, old, None)?;
    let old_graph = read(&old_path)?;
    let new_path = match new {
        Some(n) => locate(src, n, None)?,
        None => {
            let env = old_graph.environment.id.as_ref().map(|i| i.to_string());
            let latest = locate(src, Path::new("@latest"), env.as_deref())?;
            if latest == old_path {
                bail!(
                    "{} is the newest stored snapshot: name another to compare with (see `pingscope snapshots`)",
                    old.display()
                );
            }
            latest
        }
    };
    let new_graph = read(&new_path)?;
    diff::check_same_environment(&old_graph, &new_graph).map_err(|e| eyre!(e))?;
    Ok((old_graph, new_graph))
}

/// The changes the filter keeps (subject or target for `--app`).
pub fn keep(d: &Diff, old: &Graph, new: &Graph, f: &Filter) -> Result<Vec<usize>> {
    let find = |kind: Kind, key: &str| -> Result<crate::model::Id> {
        for g in [new, old] {
            match g.lookup(kind, key) {
                Ok(t) => {
                    if let Some(id) = g.target_id(t) {
                        return Ok(id.clone());
                    }
                }
                Err(crate::model::LookupError::Ambiguous { .. }) => {
                    bail!("{key:?} names several {}s: give the id", kind.noun())
                }
                Err(_) => {}
            }
        }
        bail!("no {} {key:?} in either snapshot", kind.noun())
    };
    let user = f.user.as_deref().map(|u| find(Kind::User, u)).transpose()?;
    let app = f.app.as_deref().map(|a| find(Kind::App, a)).transpose()?;
    Ok(d.changes
        .iter()
        .enumerate()
        .filter(|(_, c)| f.only.is_empty() || f.only.contains(&c.kind))
        .filter(|(_, c)| {
            user.as_ref()
                .is_none_or(|u| c.subject == SubjectKind::User && c.subject_id(old, new) == *u)
        })
        .filter(|(_, c)| {
            app.as_ref().is_none_or(|a| {
                (c.subject == SubjectKind::Application && c.subject_id(old, new) == *a)
                    || (c.kind == ItemKind::Application && c.target_id(old, new) == *a)
            })
        })
        .map(|(i, _)| i)
        .collect())
}

fn side(g: &Graph) -> Value {
    json!({
        "takenAt": g.meta.taken_at,
        "source": g.meta.source,
        "environment": {
            "id": g.environment.id.as_ref().map(|i| i.to_string()),
            "name": g.environment.name,
        },
    })
}

/// One change as JSON (the contract's record).
pub fn change_json(c: &AccessChange, old: &Graph, new: &Graph) -> Value {
    let g = c.side(old, new);
    let mut v = json!({
        "change": c.change.as_str(),
        "subject": {"kind": c.subject.noun(), "id": c.subject_id(old, new).to_string(), "name": c.subject_name(old, new)},
        "kind": c.kind.noun(),
        "target": {"id": c.target_id(old, new).to_string(), "name": c.target_name(old, new)},
        "path": path_view(g, &c.path),
    });
    if let Some(s) = c.scope(old, new) {
        v["scope"] =
            json!({"type": s.kind, "id": s.id.to_string(), "label": c.scope_label(old, new)});
    }
    if let Some(cause) = c.cause() {
        v["cause"] = json!(cause);
    }
    v
}

fn entities_json(e: &EntityChanges) -> Value {
    let mut out = serde_json::Map::new();
    for (key, set) in e.sets() {
        let named = |v: &[diff::Named]| -> Vec<Value> {
            v.iter()
                .map(|n| json!({"id": n.id.to_string(), "name": n.name}))
                .collect()
        };
        let changed: Vec<Value> = set
            .changed
            .iter()
            .map(|c| json!({"id": c.id.to_string(), "name": c.name, "changes": c.what}))
            .collect();
        out.insert(
            key.to_owned(),
            json!({"added": named(&set.added), "removed": named(&set.removed), "changed": changed}),
        );
    }
    Value::Object(out)
}

pub use crate::model::diff::CSV_HEADER;

/// One change as a CSV record (cells that could run as formulas are quoted).
pub fn change_csv(c: &AccessChange, old: &Graph, new: &Graph) -> [String; 12] {
    c.record(old, new).map(|cell| csv_cell(&cell))
}

/// The diff in the chosen format. Text shows the entity changes unless `entities` is false
/// (a diff narrowed to one user or application); JSON always has them.
pub fn write(
    out: &mut impl Write,
    d: &Diff,
    kept: &[usize],
    (old, new): (&Graph, &Graph),
    format: Format,
    entities: bool,
) -> io::Result<()> {
    let changes = kept.iter().filter_map(|&i| d.changes.get(i));
    match format {
        Format::Json => {
            // Streamed: a month at a million users can be millions of changes.
            #[derive(serde::Serialize)]
            #[serde(bound(serialize = "I: Iterator, I::Item: serde::Serialize"))]
            struct Body<I> {
                from: Value,
                to: Value,
                changes: super::views::LazySeq<I>,
                entities: Value,
            }
            let body = Body {
                from: side(old),
                to: side(new),
                changes: super::views::LazySeq::new(changes.map(|c| change_json(c, old, new))),
                entities: entities_json(&d.entities),
            };
            super::views::write_json(&mut *out, &body)?;
        }
        Format::Csv => {
            let mut csv = csv::Writer::from_writer(&mut *out);
            csv.write_record(CSV_HEADER)?;
            for c in changes {
                csv.write_record(change_csv(c, old, new))?;
            }
            csv.flush()?;
        }
        Format::Text => text(out, d, kept, (old, new), entities)?,
    }
    Ok(())
}

pub fn change_line(c: &AccessChange, old: &Graph, new: &Graph) -> String {
    c.line(old, new, |s| sanitize(s).into_owned())
}

fn stamp(g: &Graph) -> String {
    g.meta.taken_at.to_string()
}

fn text(
    out: &mut impl Write,
    d: &Diff,
    kept: &[usize],
    (old, new): (&Graph, &Graph),
    entities: bool,
) -> io::Result<()> {
    let changes: Vec<&AccessChange> = kept.iter().filter_map(|&i| d.changes.get(i)).collect();
    let gained = changes
        .iter()
        .filter(|c| c.change == Change::Gained)
        .count();
    // Changes come grouped by subject: one heading per run.
    let ids: Vec<(SubjectKind, crate::model::Id)> = changes
        .iter()
        .map(|c| (c.subject, c.subject_id(old, new)))
        .collect();
    let mut distinct = ids.clone();
    distinct.dedup();
    let subjects = distinct.len();
    writeln!(
        out,
        "{}: {} → {}",
        sanitize(&new.environment.name),
        stamp(old),
        stamp(new)
    )?;
    writeln!(
        out,
        "{gained} gained, {} lost, by {subjects} subject{}",
        changes.len() - gained,
        if subjects == 1 { "" } else { "s" }
    )?;
    for (i, c) in changes.iter().enumerate() {
        if i == 0 || ids.get(i) != ids.get(i - 1) {
            writeln!(out)?;
            let name = c.subject_name(old, new);
            writeln!(out, "{} {}", c.subject.noun(), sanitize(&name))?;
        }
        writeln!(out, "  {}", change_line(c, old, new))?;
    }
    if entities && !d.entities.is_empty() {
        writeln!(out)?;
        writeln!(out, "entities")?;
        for (key, set) in d.entities.sets() {
            if set.is_empty() {
                continue;
            }
            writeln!(
                out,
                "  {key}: {} added, {} removed, {} changed",
                set.added.len(),
                set.removed.len(),
                set.changed.len()
            )?;
            for n in &set.added {
                writeln!(out, "    + {}", sanitize(&n.name))?;
            }
            for n in &set.removed {
                writeln!(out, "    - {}", sanitize(&n.name))?;
            }
            for c in &set.changed {
                let what: Vec<String> = c.what.iter().map(|w| sanitize(w).into_owned()).collect();
                writeln!(out, "    ~ {}: {}", sanitize(&c.name), what.join("; "))?;
            }
        }
    }
    Ok(())
}

/// `pingscope diff`.
pub fn run(
    out: &mut impl Write,
    src: &SourceArgs,
    old: &Path,
    new: Option<&Path>,
    filter: &Filter,
    format: Format,
) -> Result<()> {
    let (old, new) = load_pair(src, old, new)?;
    let d = diff::diff(&old, &new);
    let kept = keep(&d, &old, &new, filter)?;
    // A closed pipe (`| head`) stays an io::Error for `main` to recognise.
    let entities = filter.user.is_none() && filter.app.is_none();
    Ok(write(out, &d, &kept, (&old, &new), format, entities)?)
}
