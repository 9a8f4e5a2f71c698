//! The scripting CLI. stdout carries only results; diagnostics go to stderr.

pub mod audit;
mod compare;
pub mod diff;
pub mod export;
pub mod human;
pub mod live;
pub mod login;
mod refresh;
pub mod views;

mod args;

pub use args::{Cli, Command, DemoCommand, SnapshotCommand, command, parse};

use std::io::{self, BufWriter, Write};

use color_eyre::eyre::{Result, WrapErr, bail, eyre};

use crate::demo;
use crate::model::*;
use crate::source::{Source, SourceArgs};

/// Exit status of a command whose live load could not read everything (README "Exit codes").
pub const EXIT_INCOMPLETE: u8 = 3;

/// A live load ended incomplete: the output was written, and the exit status says so.
#[derive(Debug)]
pub struct Incomplete(pub String);

impl std::fmt::Display for Incomplete {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the load was incomplete ({}): the answer above lacks what could not be read; \
             --allow-incomplete accepts it",
            self.0
        )
    }
}

impl std::error::Error for Incomplete {}

/// The stages a live load of this run could not read fully (set by [`load_snapshot`]).
static LIVE_GAPS: std::sync::Mutex<Vec<Stage>> = std::sync::Mutex::new(Vec::new());

/// "Now" for staleness is when the data was taken: a saved snapshot is judged as of its own
/// day, and the demo's answers never drift with the calendar.
fn audit_now(graph: &Graph) -> i64 {
    graph
        .meta
        .taken_at
        .millis()
        .or_else(|| Timestamp::now().millis())
        .unwrap_or(0)
}

/// One entity by id or name, or an error naming the source (and, for a name several entities
/// share, every candidate with its id).
fn find(graph: &Graph, kind: Kind, key: &str, src: &SourceArgs) -> Result<u32> {
    graph.lookup(kind, key).map(|t| t.ix).map_err(|e| match e {
        LookupError::NotFound { .. } => eyre!("{e} in {}{}", source_name(src), e.hint()),
        LookupError::Ambiguous { .. } => eyre!("{e}"),
    })
}

/// Where the data came from, for messages.
fn source_name(src: &SourceArgs) -> String {
    match &src.snapshot {
        Some(p) => p.display().to_string(),
        None if src.demo => "the demo environment".into(),
        None => match (&src.live.environment_id, &src.profile) {
            (Some(id), _) => format!("environment {id}"),
            (None, Some(p)) => format!("profile {p}"),
            (None, None) => "the environment".into(),
        },
    }
}

pub fn load_snapshot(src: &SourceArgs) -> Result<Snapshot> {
    let source = Source::require(src)?;
    let (snapshot, summary) = live::load(&source)?;
    if !source.is_live() {
        return Ok(snapshot);
    }
    if !summary.is_empty() {
        eprintln!("{summary}");
    }
    let gaps = snapshot.coverage.incomplete();
    LIVE_GAPS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone_from(&gaps);
    if !gaps.is_empty() {
        let labels: Vec<&str> = gaps.iter().map(|s| s.label()).collect();
        eprintln!(
            "incomplete: {} (see `stats` for details)",
            labels.join(", ")
        );
        for gap in snapshot.coverage.gaps.iter().take(5) {
            eprintln!("  {}", text::sanitize(&gap.message));
        }
    }
    Ok(snapshot)
}

pub fn load_graph(src: &SourceArgs) -> Result<Graph> {
    Ok(Graph::build(load_snapshot(src)?))
}

fn generate_params(
    users: Option<usize>,
    groups: Option<usize>,
    apps: Option<usize>,
    seed: u64,
) -> demo::Params {
    match users {
        None => demo::Params::demo(),
        Some(n) => {
            let groups = groups.unwrap_or((n / 20).max(60));
            let apps = apps.unwrap_or((n / 100).clamp(30, 1000));
            demo::Params::sized(n, groups, apps, seed)
        }
    }
}

/// No subcommand, a source, and a terminal on both ends: `main` opens the explorer. (Piped,
/// the summary is printed instead, so scripts keep working.)
pub fn wants_explorer(cli: &Cli) -> Result<bool> {
    use std::io::IsTerminal;
    if cli.command.is_some() || !(io::stdout().is_terminal() && io::stdin().is_terminal()) {
        return Ok(false);
    }
    Source::configured(&cli.source)
}

/// Runs one command; the returned error is printed as one line by `main`.
pub fn run(cli: Cli) -> Result<()> {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let Some(command) = cli.command else {
        return no_command(&cli.source, &mut out);
    };
    match command {
        Command::Access { user, json } => {
            let graph = load_graph(&cli.source)?;
            let u = UserIx(find(&graph, Kind::User, &user, &cli.source)?);
            let a = Access::compute(&graph, u);
            if json {
                views::write_json(&mut out, &views::access_view(&graph, u, &a))?;
            } else {
                human::access(&mut out, &graph, u, &a)?;
            }
        }
        Command::WhoCan { app, json } => {
            let graph = load_graph(&cli.source)?;
            let a = AppIx(find(&graph, Kind::App, &app, &cli.source)?);
            let who = WhoCan::compute(&graph, a);
            if json {
                views::write_json(&mut out, &views::who_can_view(&graph, &who))?;
            } else {
                human::who_can(&mut out, &graph, &who)?;
            }
        }
        Command::Holders { role, json } => {
            let graph = load_graph(&cli.source)?;
            let r = RoleIx(find(&graph, Kind::Role, &role, &cli.source)?);
            let holders = Holders::of_role(&graph, r);
            if json {
                let counts = holders.counts(&graph);
                views::write_json(
                    &mut out,
                    &serde_json::json!({
                        "role": views::role_view(&graph, r),
                        "count": holders.holdings.len(),
                        "counts": {
                            "users": counts.users,
                            "throughGroups": counts.through_groups,
                            "groups": counts.groups,
                            "applications": counts.apps,
                            "gateways": counts.gateways,
                        },
                        "holders": views::LazySeq::new(views::holder_entries(&graph, &holders)),
                    }),
                )?;
            } else {
                human::holders(&mut out, &graph, r, &holders)?;
            }
        }
        Command::Members { group, json } => {
            let graph = load_graph(&cli.source)?;
            let g = GroupIx(find(&graph, Kind::Group, &group, &cli.source)?);
            let members = Members::compute(&graph, g);
            if json {
                views::write_json(
                    &mut out,
                    &serde_json::json!({
                        "group": {"id": graph.group(g).id.to_string(), "name": graph.group(g).name},
                        "count": members.members.len(),
                        "users": views::LazySeq::new(views::member_entries(&graph, &members)),
                    }),
                )?;
            } else {
                human::members(&mut out, &graph, &members)?;
            }
        }
        Command::Export { format, what } => {
            let graph = load_graph(&cli.source)?;
            export::export(&graph, format, what, &mut out)?;
        }
        Command::Audit {
            lens,
            stale_days,
            grace_days,
            json,
        } => {
            let graph = load_graph(&cli.source)?;
            let opts = crate::model::audit::AuditOptions {
                now_millis: audit_now(&graph),
                stale_days,
                grace_days,
            };
            audit::run(&mut out, &graph, lens, &opts, json)?;
        }
        Command::Stats { json, peak_rss } => {
            let graph = load_graph(&cli.source)?;
            stats(&mut out, &graph, json)?;
            if peak_rss {
                // What `stats` itself holds at most (the graph), then what the explorer holds:
                // the graph and the search index over it.
                eprintln!("peak_rss_graph_kib={}", peak_rss_kib().unwrap_or(0));
                let index = crate::model::search::SearchIndex::build(&graph);
                std::hint::black_box(&index);
                eprintln!("peak_rss_kib={}", peak_rss_kib().unwrap_or(0));
            }
        }
        Command::Diff {
            old,
            new,
            json,
            format,
            only,
            user,
            app,
        } => {
            let format = if json { diff::Format::Json } else { format };
            let filter = diff::Filter { only, user, app };
            diff::run(&mut out, &cli.source, &old, new.as_deref(), &filter, format)?;
        }
        Command::Compare {
            user,
            other,
            json,
            format,
            only,
        } => {
            let format = if json { diff::Format::Json } else { format };
            let graph = load_graph(&cli.source)?;
            compare::run(&mut out, &graph, &user, &other, &only, format)?;
        }
        Command::Refresh { json, full } => refresh::run(&mut out, &cli.source, full, json)?,
        Command::Snapshots { json } => snapshots(&mut out, json)?,
        Command::Login(args) => {
            login::login(
                cli.source.profile.as_deref(),
                &cli.source.live,
                &args,
                &mut out,
            )?;
        }
        Command::Logout => login::logout(cli.source.profile.as_deref(), &mut out)?,
        Command::Profiles { json } => login::list(json, &mut out)?,
        Command::Snapshot(SnapshotCommand::Save {
            file,
            format,
            encrypt,
        }) => {
            let snapshot = load_snapshot(&cli.source)?;
            if encrypt {
                if format != crate::model::snapshot::Format::Compact {
                    bail!("--encrypt writes the compact format only: leave out --format jsonl");
                }
                let key = crate::source::seal::key().map_err(|e| {
                    eyre!("--encrypt needs the OS keyring, which holds the store's key: {e}")
                })?;
                crate::source::seal::write(&snapshot, &file, Some(key))?;
            } else {
                snapshot.write(&file, format)?;
            }
            eprintln!("wrote {}", file.display());
        }
        Command::Completions { shell } => {
            // The fallible form: a closed pipe ends quietly instead of panicking.
            use clap_complete::Generator;
            let mut cmd = args::command();
            cmd.set_bin_name("pingscope");
            cmd.build();
            shell.try_generate(&cmd, &mut out)?;
        }
        Command::Man => clap_mangen::Man::new(args::command()).render(&mut out)?,
        Command::Demo(DemoCommand::Generate {
            users,
            groups,
            apps,
            seed,
            out: file,
            format,
            later,
        }) => {
            let params = generate_params(users, groups, apps, seed);
            let mut snapshot = demo::generate(&params);
            if later {
                snapshot = demo::later(&snapshot, seed);
            }
            snapshot
                .write(&file, format)
                .wrap_err("cannot save the generated environment")?;
            eprintln!(
                "wrote {} ({} users, {} groups, {} applications)",
                file.display(),
                snapshot.users.len(),
                snapshot.groups.len(),
                snapshot.applications.len()
            );
        }
    }
    out.flush()?;
    let gaps = LIVE_GAPS.lock().unwrap_or_else(|p| p.into_inner()).clone();
    if !gaps.is_empty() && !cli.source.allow_incomplete {
        let labels: Vec<&str> = gaps.iter().map(|s| s.label()).collect();
        return Err(Incomplete(labels.join(", ")).into());
    }
    Ok(())
}

/// `pingscope` alone: a summary of the configured source, or the first-run guide when there is
/// none.
fn no_command(src: &SourceArgs, out: &mut impl Write) -> Result<()> {
    if !Source::configured(src)? {
        write!(out, "{}", first_run_message())?;
        return Ok(out.flush()?);
    }
    let graph = load_graph(src)?;
    stats(&mut *out, &graph, false)?;
    writeln!(
        out,
        "\nTry: pingscope {}access {}",
        if src.demo {
            "--demo "
        } else if src.snapshot.is_some() {
            "--snapshot FILE "
        } else {
            ""
        },
        graph.users.first().map_or("USER", |u| u.username.as_str())
    )?;
    Ok(out.flush()?)
}

fn stats(out: &mut impl Write, graph: &Graph, json: bool) -> Result<()> {
    let source = match &graph.meta.source {
        crate::model::Source::Live { api_url } => format!("live {api_url}"),
        crate::model::Source::Generated { seed } => format!("generated (seed {seed})"),
    };
    let counts = serde_json::json!({
        "users": graph.users.len(),
        "groups": graph.groups.len(),
        "roles": graph.roles.len(),
        "applications": graph.apps.len(),
        "gateways": graph.gateways.len(),
        "populations": graph.populations.len(),
        "roleAssignments": graph.assignments.len(),
        "memberships": graph.user_groups.edge_count(),
        "nestingLinks": graph.group_parents.edge_count(),
    });
    let incomplete: Vec<&str> = graph
        .coverage
        .incomplete()
        .into_iter()
        .map(Stage::label)
        .collect();
    if json {
        views::write_json(
            &mut *out,
            &serde_json::json!({
                "environment": {"id": graph.environment.id.as_ref().map(ToString::to_string), "name": graph.environment.name},
                "source": source,
                "takenAt": graph.meta.taken_at.to_string(),
                "refreshedFrom": graph.meta.refreshed_from.as_ref().map(ToString::to_string),
                "resumedFrom": graph.meta.resumed_from.as_ref().map(ToString::to_string),
                "counts": counts,
                "incompleteStages": incomplete,
                "gaps": graph.coverage.gaps.len(),
                "warnings": graph.warnings,
            }),
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "{} · {} · taken {}",
        human::fit(&graph.environment.name, 60),
        source,
        graph.meta.taken_at
    )?;
    if let Some(from) = &graph.meta.refreshed_from {
        writeln!(
            out,
            "refreshed from the audit log over the snapshot taken {from}"
        )?;
    }
    if let Some(from) = &graph.meta.resumed_from {
        writeln!(out, "resumed a load interrupted at {from}")?;
    }
    if let Some(map) = counts.as_object() {
        let mut t = human::Table::default();
        for (k, v) in map {
            t.row([k.as_str(), &v.to_string()]);
        }
        t.write(out, "  ")?;
    }
    if incomplete.is_empty() {
        writeln!(out, "coverage: complete")?;
    } else {
        writeln!(out, "coverage: incomplete: {}", incomplete.join(", "))?;
    }
    for w in &graph.warnings {
        writeln!(out, "warning: {}", text::sanitize(w))?;
    }
    Ok(())
}

/// `pingscope snapshots`: what the local store holds.
fn snapshots(out: &mut impl Write, json: bool) -> Result<()> {
    let Some(store) = crate::source::Store::open(false) else {
        if json {
            views::write_json(&mut *out, &serde_json::json!([]))?;
        } else {
            writeln!(
                out,
                "the local store is turned off ([store] enabled = false in config.toml)"
            )?;
        }
        return Ok(());
    };
    let all = store.list();
    if json {
        let items: Vec<serde_json::Value> = all
            .iter()
            .map(|s| {
                serde_json::json!({
                    "ref": format!("@{}", s.index),
                    "path": s.path.display().to_string(),
                    "environment": {"id": s.environment_id(), "name": s.head.environment.name},
                    "profile": s.head.meta.profile,
                    "takenAt": s.head.meta.taken_at.to_string(),
                    "complete": s.head.coverage.incomplete().is_empty(),
                    "counts": {"users": s.head.users, "groups": s.head.groups, "applications": s.head.applications},
                    "size": s.size,
                    "encrypted": s.encrypted,
                })
            })
            .collect();
        views::write_json(&mut *out, &items)?;
        return Ok(());
    }
    if all.is_empty() {
        writeln!(
            out,
            "nothing stored yet: every live load is kept here (--no-store to keep nothing)"
        )?;
        return Ok(());
    }
    let mut t = human::Table::default();
    t.row([
        "ref",
        "environment",
        "profile",
        "taken",
        "coverage",
        "users",
        "size",
        "encrypted",
        "path",
    ]);
    for s in &all {
        t.row_with_tail(
            [
                format!("@{}", s.index),
                format!("{} ({})", s.head.environment.name, s.environment_id()),
                s.head.meta.profile.clone().unwrap_or_else(|| "-".into()),
                s.head.meta.taken_at.to_string(),
                if s.head.coverage.incomplete().is_empty() {
                    "complete".into()
                } else {
                    "INCOMPLETE".into()
                },
                s.head.users.to_string(),
                format!("{:.1} MB", s.size as f64 / 1e6),
                if s.encrypted { "yes" } else { "NO" }.into(),
            ],
            &s.path.display().to_string(),
        );
    }
    t.write(out, "")?;
    Ok(())
}

/// Peak resident memory of this process (Linux), in KiB.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// What `pingscope` says when nothing is configured yet: how to connect a real environment,
/// and the demo to try first.
pub fn first_run_message() -> String {
    format!(
        "pingscope explores who has what, and why, in a PingOne environment (read-only).\n\
     \n\
     No environment is set up yet. To connect one:\n\
     \n\
     1. In the PingOne admin console, open the environment, then Applications > Applications > +:\n\
     \x20   create a Worker application (it uses the client credentials grant) and enable it.\n\
     2. On the app's Roles tab, give it Identity Data Read Only and Configuration Read Only\n\
     \x20   on that environment.\n\
     3. Note the environment id, the region (NA, EU, CA, AU, SG or AP) and the app's client id;\n\
     \x20   copy its client secret from the Configuration tab.\n\
     4. Run:  pingscope login --environment-id ENV_ID --client-id CLIENT_ID --region EU\n\
     \x20   It asks for the secret, checks it against PingOne, keeps it in your OS keyring\n\
     \x20   and saves a profile (add --profile NAME --label prod for several environments).\n\
     \n\
     In CI, set PINGONE_ENVIRONMENT_ID, PINGONE_CLIENT_ID, PINGONE_CLIENT_SECRET and\n\
     PINGONE_REGION_CODE instead; no keyring is needed.\n\
     \n\
     No account at hand? Explore the bundled demo:  pingscope --demo\n\
     \x20   or ask it from the command line:         pingscope --demo access {}\n",
        crate::demo::people_of_note::DEEP_NESTING
    )
}
