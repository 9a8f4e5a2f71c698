//! Where an environment comes from: the bundled demo, a snapshot file, or a live PingOne
//! environment (a profile and the OS keyring, or `PINGONE_*` settings). The CLI and the
//! explorer both get their [`Snapshot`] here, and from nowhere else; the local store of
//! snapshots and refreshes plug in here too.

mod args;
pub mod checkpoint;
mod live;
mod progress;
pub mod refresh;
pub mod seal;
pub mod store;
pub mod verify;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use color_eyre::eyre::{Result, bail, eyre};

use crate::model::Snapshot;
use crate::pingone::{self, Client};

pub use args::{LiveArgs, SECRET_VAR, SourceArgs};
pub use live::{LiveSource, SecretOrigin, live_configured, merged_if, resolve_live};
pub use progress::{Progress, Requests, Update};
pub use store::{Store, Stored};

/// The bundled demo environment (regenerate with `pingscope demo generate --out assets/demo.json --format jsonl`).
pub const DEMO_SNAPSHOT: &[u8] = include_bytes!("../../assets/demo.json");

/// One way to obtain an environment.
#[derive(Clone, Debug)]
pub enum Source {
    Demo,
    File(PathBuf),
    Live(Box<LiveSource>),
}

/// What a live load cost, and where its result was kept.
#[derive(Clone, Debug, Default)]
pub struct LoadStats {
    pub requests: Requests,
    pub elapsed: Duration,
    /// Answered from this stored snapshot (within `--max-age`), with no request.
    pub from_store: Option<PathBuf>,
    /// Where the load was stored, or why it could not be.
    pub stored: Option<Result<PathBuf, String>>,
    /// Why the store keeps this load unencrypted (no OS keyring), when it does.
    pub unencrypted: Option<String>,
}

impl Source {
    /// The source the flags, the environment and the profiles name: `--snapshot`, `--demo`, or a
    /// live environment (its secret from `PINGONE_CLIENT_SECRET`, the keyring or a prompt, so
    /// call this before a terminal goes raw). `None` when nothing is configured.
    pub fn resolve(args: &SourceArgs) -> Result<Option<Source>> {
        if let Some(p) = &args.snapshot {
            let env = configured_environment(args)?;
            return Ok(Some(Source::File(snapshot_path(p, env.as_deref())?)));
        }
        if args.demo {
            return Ok(Some(Source::Demo));
        }
        Ok(resolve_live(args.profile.as_deref(), &args.live)?.map(|l| {
            let mut l = l.with_tuning(args.live.tuning());
            l.max_age = args.max_age;
            l.store = Store::open(args.no_store);
            Source::Live(Box::new(l))
        }))
    }

    /// The stored snapshot a live source would answer from now (`--max-age`), if any.
    pub fn stored_fresh(&self) -> Option<Stored> {
        let Source::Live(l) = self else { return None };
        let store = l.store.as_ref()?;
        store.fresh(
            &l.connection.environment_id,
            l.max_age?,
            crate::model::Timestamp::now(),
        )
    }

    /// The newest stored snapshot of a live source's environment, whatever its age.
    pub fn stored_newest(&self) -> Option<Stored> {
        let Source::Live(l) = self else { return None };
        l.store
            .as_ref()?
            .list_env(&l.connection.environment_id)
            .into_iter()
            .next()
    }

    /// Like [`Source::resolve`], with the message every command gives when nothing is set up.
    pub fn require(args: &SourceArgs) -> Result<Source> {
        match Source::resolve(args)? {
            Some(s) => Ok(s),
            None => bail!(
                "no environment to read: add --demo for the bundled demo, --snapshot FILE, run \
                 `pingscope login` once, or set PINGONE_ENVIRONMENT_ID, PINGONE_CLIENT_ID, \
                 PINGONE_CLIENT_SECRET and PINGONE_REGION_CODE"
            ),
        }
    }

    /// Whether any source is configured, without touching the keyring.
    pub fn configured(args: &SourceArgs) -> Result<bool> {
        Ok(args.demo
            || args.snapshot.is_some()
            || live_configured(args.profile.as_deref(), &args.live)?)
    }

    /// Loads from PingOne even when a stored snapshot is younger than `--max-age` (a reload).
    pub fn ignore_max_age(&mut self) {
        if let Source::Live(l) = self {
            l.max_age = None;
        }
    }

    pub fn is_live(&self) -> bool {
        matches!(self, Source::Live(_))
    }

    /// For the status line: "demo", "snapshot FILE", "live · profile prod".
    pub fn label(&self) -> String {
        match self {
            Source::Demo => "demo".into(),
            Source::File(p) => format!("snapshot {}", p.display()),
            Source::Live(l) => match &l.profile {
                Some(p) => format!("live · profile {p}"),
                None => "live".into(),
            },
        }
    }

    /// For messages: "the demo environment", "snapshot FILE", "PingOne environment ID".
    pub fn name(&self) -> String {
        match self {
            Source::Demo => "the demo environment".into(),
            Source::File(p) => format!("snapshot {}", p.display()),
            Source::Live(l) => format!("PingOne environment {}", l.connection.environment_id),
        }
    }

    /// The profile's label and colour cue ("prod", "red"), shown in the status line.
    pub fn cue(&self) -> Option<(String, Option<String>)> {
        match self {
            Source::Live(l) => l.label.clone().map(|label| (label, l.color.clone())),
            _ => None,
        }
    }

    /// Reads the environment. A live load reports progress to `on` (and, with `partials`,
    /// copies of what is known so far: only for callers that show partial data). Runs its own
    /// runtime: call it from a plain thread.
    pub fn load(
        &self,
        on: &(dyn Fn(Update) + Send + Sync),
        partials: bool,
    ) -> Result<(Snapshot, LoadStats)> {
        match self {
            Source::Demo => Ok((
                Snapshot::from_bytes(DEMO_SNAPSHOT, Path::new("<bundled demo>"))?,
                LoadStats::default(),
            )),
            Source::File(p) => Ok((seal::read(p)?, LoadStats::default())),
            Source::Live(l) => {
                // A stored snapshot that cannot be read (damaged, from a newer pingscope, its
                // key lost) is passed over, and said so: the environment is loaded afresh.
                if let (Some(store), Some(_)) = (&l.store, l.max_age) {
                    let bad = store.unreadable(&l.connection.environment_id);
                    if let Some(first) = bad.first() {
                        on(Update::Note(format!(
                            "{} stored snapshot(s) of this environment cannot be read, so it is loaded afresh: {first}",
                            bad.len()
                        )));
                    }
                }
                if let Some((s, snapshot)) = self
                    .stored_fresh()
                    .and_then(|s| seal::read(&s.path).ok().map(|snap| (s, snap)))
                {
                    return Ok((
                        snapshot,
                        LoadStats {
                            from_store: Some(s.path),
                            ..LoadStats::default()
                        },
                    ));
                }
                let (mut snapshot, mut stats) = load_live(l, on, partials)?;
                snapshot.meta.profile.clone_from(&l.profile);
                stats.stored = l.store.as_ref().map(|st| st.save(&snapshot));
                if l.store.is_some() {
                    stats.unencrypted = seal::key().err().map(str::to_owned);
                }
                Ok((snapshot, stats))
            }
        }
    }
}

pub(crate) fn requests(c: &Client) -> Requests {
    let n = c.counters();
    Requests {
        sent: n.requests(),
        waiting: n.waiting(),
        retried: n.retried(),
        rate_limited: n.throttled(),
    }
}

/// A client for `l`'s environment, starting at the request rate the last run against it learnt
/// (kept in the store; under `--max-rps` when one is given).
pub(crate) fn client_for(l: &LiveSource) -> Result<Client> {
    let mut tuning = l.tuning.clone();
    if tuning.start_rps.is_none() {
        tuning.start_rps = l
            .store
            .as_ref()
            .and_then(|s| s.learnt_rate(&l.connection.environment_id));
    }
    Ok(Client::new(l.connection.clone(), tuning)?)
}

/// Keeps the request rate `client` learnt, for the next run against `l`'s environment. A hint
/// only: a store that cannot take it loses nothing else, so a failure is not reported.
pub(crate) fn keep_rate(l: &LiveSource, client: &Client) {
    if let (Some(store), Some(rate)) = (&l.store, client.learnt_rate()) {
        let _ = store.keep_rate(&l.connection.environment_id, rate);
    }
}

pub(crate) fn load_live(
    l: &LiveSource,
    on: &(dyn Fn(Update) + Send + Sync),
    partials: bool,
) -> Result<(Snapshot, LoadStats)> {
    let client = client_for(l)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let started = Instant::now();
    // With the store on, the load keeps a checkpoint, and continues an interrupted one.
    let (checkpoint, resumed) = match &l.store {
        Some(store) => {
            let now = crate::model::Timestamp::now().millis().unwrap_or(0);
            match store.checkpoint(
                &l.connection.environment_id,
                l.connection.api_url.as_str(),
                now,
            ) {
                Ok((c, r)) => (Some(c), r),
                Err(e) => {
                    on(Update::Note(format!(
                        "no checkpoint for this load (an interruption will lose it): {e}"
                    )));
                    (None, None)
                }
            }
        }
        None => (None, None),
    };
    if let Some(r) = &resumed {
        on(Update::Note(format!(
            "resuming the load interrupted at {}: {} reads kept",
            crate::model::Timestamp::from_millis(r.started_at),
            r.prior.len()
        )));
    }
    let resume = pingone::loader::Resume {
        prior: resumed.as_ref().map(|r| &r.prior),
        journal: checkpoint
            .as_ref()
            .map(|c| c as &dyn pingone::loader::Journal),
        ..Default::default()
    };
    let sink = |e: pingone::LoadEvent| on(Update::from(e));
    let snapshot = runtime.block_on(async {
        // While requests hang or wait to be retried no stage moves: report the requests every
        // second, so that every consumer can say the load is alive and why it waits.
        let load = pingone::loader::load_resumable(&client, &sink, partials, resume);
        tokio::pin!(load);
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                r = &mut load => break r,
                _ = tick.tick() => on(Update::Requests(requests(&client))),
            }
        }
    });
    runtime.shutdown_timeout(Duration::from_millis(100));
    keep_rate(l, &client);
    let mut snapshot = snapshot?;
    if let Some(r) = &resumed {
        snapshot.meta.resumed_from = Some(crate::model::Timestamp::from_millis(r.started_at));
    }
    // Read in full: nothing left to resume (an error above keeps the checkpoint).
    if let Some(c) = checkpoint {
        c.finish();
    }
    Ok((
        snapshot,
        LoadStats {
            requests: requests(&client),
            elapsed: started.elapsed(),
            ..LoadStats::default()
        },
    ))
}

/// A snapshot file, or a stored snapshot (`@latest`, `@2`, ...) of environment `env` (of the
/// only one stored when `None`).
pub fn snapshot_path(reference: &Path, env: Option<&str>) -> Result<PathBuf> {
    let Some(r) = reference.to_str().filter(|r| r.starts_with('@')) else {
        return Ok(reference.to_path_buf());
    };
    let store = Store::open(false)
        .ok_or_else(|| eyre!("{r}: there is no local store (it is turned off)"))?;
    store.resolve(r, env).map_err(|e| eyre!(e))
}

/// The environment the flags or the profile name, without touching the keyring.
pub fn configured_environment(args: &SourceArgs) -> Result<Option<String>> {
    if let Some(e) = &args.live.environment_id {
        return Ok(Some(e.clone()));
    }
    Ok(live::selected_profile(args.profile.as_deref())?.map(|(_, p)| p.environment_id))
}

/// An error and its causes on one line, each said once (an I/O error's text is often repeated by
/// the context around it).
pub fn one_line(err: &color_eyre::eyre::Report) -> String {
    let mut parts: Vec<String> = Vec::new();
    for e in err.chain() {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ").replace('\n', " ")
}
