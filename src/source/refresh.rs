//! `pingscope refresh`: the newest stored snapshot of a live environment brought up to date
//! from the audit log (`pingone::refresh`), kept in the store as a new snapshot.

use std::time::{Duration, Instant};

use color_eyre::eyre::{Result, bail, eyre};

use super::{LoadStats, Source, Update, requests, seal};
use crate::model::{Snapshot, Source as Origin, Timestamp};
use crate::pingone::refresh::Plan;
pub use crate::pingone::refresh::{Outcome, Summary};
use crate::pingone::{self, Client};

/// A refresh's result: the new snapshot, the one it refreshed (for the changes), how it went.
pub struct Refreshed {
    pub snapshot: Snapshot,
    pub previous: Option<Snapshot>,
    pub outcome: Outcome,
    pub stats: LoadStats,
}

impl Source {
    /// Refreshes the newest stored snapshot of a live environment (a full load when `full`, when
    /// there is none, or when the audit log cannot be trusted), and stores the result. Blocks
    /// on its own runtime: call it from a plain thread.
    pub fn refresh(&self, on: &(dyn Fn(Update) + Send + Sync), full: bool) -> Result<Refreshed> {
        let Source::Live(l) = self else {
            bail!(
                "refresh brings a stored live environment up to date: run `pingscope login` or set PINGONE_*, not --demo or --snapshot"
            );
        };
        let Some(store) = &l.store else {
            bail!("refresh keeps its result in the local store, which is turned off (--no-store)");
        };
        let api = l.connection.api_url.to_string();
        let previous = self
            .stored_newest()
            .and_then(|s| seal::read(&s.path).ok())
            .filter(|s| matches!(&s.meta.source, Origin::Live { api_url } if *api_url == api));
        let now = Timestamp::now()
            .millis()
            .ok_or_else(|| eyre!("the clock is unreadable"))?;
        // What the audit log says first; a full load goes the usual way (checkpointed).
        let client = super::client_for(l)?;
        let begun = Instant::now();
        // One runtime for the plan and the load: reads the plan starts go on into the load.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        let plan = match (&previous, full) {
            (_, true) => Plan::Full("--full".into()),
            (None, false) => {
                Plan::Full("no stored snapshot of this environment from this API".into())
            }
            (Some(p), false) => runtime.block_on(pingone::refresh::prepare(&client, p, now)),
        };
        let (mut snapshot, outcome, mut stats) = match plan {
            Plan::Full(reason) => {
                let (s, mut stats) = super::load_live(l, on, false)?;
                // The audit log's pages and the groups read before deciding count too.
                stats.requests.sent += requests(&client).sent;
                stats.elapsed = begun.elapsed();
                (s, Outcome::Full(reason), stats)
            }
            Plan::Incremental {
                prior,
                summary,
                ahead,
                started,
            } => {
                let resume = pingone::loader::Resume {
                    prior: Some(&prior),
                    ahead: &ahead,
                    started: started.as_ref(),
                    ..Default::default()
                };
                let (mut s, mut stats) = incremental(&runtime, &client, on, resume)?;
                // A full load keeps its own client's rate; this one read the incremental load.
                super::keep_rate(l, &client);
                // Provenance: its unnamed reads come from the snapshot it refreshed.
                s.meta.refreshed_from = previous.as_ref().map(|p| p.meta.taken_at.clone());
                stats.elapsed = begun.elapsed();
                (s, Outcome::Incremental(summary), stats)
            }
        };
        runtime.shutdown_timeout(Duration::from_millis(100));
        snapshot.meta.profile.clone_from(&l.profile);
        stats.stored = Some(store.save(&snapshot));
        stats.unencrypted = seal::key().err().map(str::to_owned);
        Ok(Refreshed {
            snapshot,
            previous,
            outcome,
            stats,
        })
    }
}

/// A load that keeps every stored read in `resume.prior` (the per-entity reads the events do
/// not reach), reading what they do reach while it reads the collections.
fn incremental(
    runtime: &tokio::runtime::Runtime,
    client: &Client,
    on: &(dyn Fn(Update) + Send + Sync),
    resume: pingone::loader::Resume<'_>,
) -> Result<(Snapshot, LoadStats)> {
    let started = Instant::now();
    let sink = |e: pingone::LoadEvent| on(Update::from(e));
    let result = runtime.block_on(async {
        let load = pingone::loader::load_resumable(client, &sink, false, resume);
        tokio::pin!(load);
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                r = &mut load => break r,
                _ = tick.tick() => on(Update::Requests(requests(client))),
            }
        }
    });
    Ok((
        result?,
        LoadStats {
            requests: requests(client),
            elapsed: started.elapsed(),
            ..LoadStats::default()
        },
    ))
}
