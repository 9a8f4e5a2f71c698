//! `pingscope refresh [--json] [--full]`: a live environment's newest stored snapshot brought up
//! to date from the audit log, with what it cost and what changed.

use std::io::Write;

use color_eyre::eyre::Result;
use serde_json::json;

use crate::model::Graph;
use crate::model::diff::{Change, diff};
use crate::source::refresh::Outcome;
use crate::source::{Source, SourceArgs, Update};

pub fn run(out: &mut impl Write, src: &SourceArgs, full: bool, json: bool) -> Result<()> {
    let source = Source::require(src)?;
    let quiet = json;
    let on = move |u: Update| {
        if let (Update::Note(n), false) = (&u, quiet) {
            eprintln!("note: {n}");
        }
    };
    let r = source.refresh(&on, full)?;
    // What changed since the refreshed snapshot (access gained and lost).
    let changes = r.previous.as_ref().map(|p| {
        let (old, new) = (Graph::build(p.clone()), Graph::build(r.snapshot.clone()));
        let d = diff(&old, &new);
        let gained = d
            .changes
            .iter()
            .filter(|c| c.change == Change::Gained)
            .count();
        (gained, d.changes.len() - gained)
    });
    let stored = match &r.stats.stored {
        Some(Ok(p)) => Some(p.display().to_string()),
        _ => None,
    };
    let secs = r.stats.elapsed.as_secs_f64();
    let requests = r.stats.requests.sent;
    if json {
        let mut v = json!({
            "mode": match r.outcome { Outcome::Incremental(_) => "incremental", Outcome::Full(_) => "full" },
            "requests": requests,
            "seconds": (secs * 10.0).round() / 10.0,
            "stored": stored,
            "changes": changes.map(|(g, l)| json!({"gained": g, "lost": l})),
        });
        match &r.outcome {
            Outcome::Full(reason) => v["reason"] = json!(reason),
            Outcome::Incremental(s) => {
                v["events"] = json!(s.events);
                v["reread"] = json!({
                    "users": s.users, "groups": s.groups,
                    "applications": s.applications, "gateways": s.gateways,
                    "userRecords": s.user_records, "usersListed": s.users_listed,
                });
                v["unknownTypes"] = json!(s.unknown_types);
            }
        }
        super::views::write_json(&mut *out, &v)?;
        return Ok(());
    }
    let name = crate::model::text::sanitize(&r.snapshot.environment.name).into_owned();
    match &r.outcome {
        Outcome::Incremental(s) => {
            writeln!(
                out,
                "refreshed {name} from the audit log: {} events; read again {} users, {} groups, {} applications, {} gateways",
                s.events, s.users, s.groups, s.applications, s.gateways
            )?;
            if !s.unknown_types.is_empty() {
                writeln!(
                    out,
                    "events about what pingscope does not read were passed over: {}",
                    s.unknown_types.join(", ")
                )?;
            }
        }
        Outcome::Full(reason) => writeln!(
            out,
            "loaded {name} in full: {}",
            crate::model::text::sanitize(reason)
        )?,
    }
    writeln!(out, "{requests} requests in {secs:.1} s")?;
    if let Some(p) = stored {
        writeln!(out, "stored {p}")?;
    }
    if let Some((g, l)) = changes {
        writeln!(
            out,
            "access since the previous snapshot: {g} gained, {l} lost (`pingscope diff @2` lists them)"
        )?;
    }
    Ok(())
}
