//! `pingscope refresh`: the newest stored snapshot of a live environment brought up to date
//! from the audit log (`pingone::refresh`), kept in the store as a new snapshot.

use std::time::{Duration, Instant};

use color_eyre::eyre::{Result, bail, eyre};

use super::{LoadStats, Source, Update, requests, seal};
use crate::model::{Snapshot, Source as Origin, Timestamp};
use crate::pingone::refresh::Outcome;
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
        let client = Client::new(l.connection.clone(), l.tuning.clone())?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        let started = Instant::now();
        let sink = |e: pingone::LoadEvent| on(Update::from(e));
        let now = Timestamp::now()
            .millis()
            .ok_or_else(|| eyre!("the clock is unreadable"))?;
        let run = async {
            match (&previous, full) {
                (_, true) => pingone::load(&client, &sink)
                    .await
                    .map(|s| (s, Outcome::Full("--full".into()))),
                (None, false) => pingone::load(&client, &sink).await.map(|s| {
                    let why = "no stored snapshot of this environment from this API";
                    (s, Outcome::Full(why.into()))
                }),
                (Some(p), false) => pingone::refresh::refresh(&client, &sink, p, now).await,
            }
        };
        let result = runtime.block_on(async {
            tokio::pin!(run);
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tokio::select! {
                    r = &mut run => break r,
                    _ = tick.tick() => on(Update::Requests(requests(&client))),
                }
            }
        });
        runtime.shutdown_timeout(Duration::from_millis(100));
        let (mut snapshot, outcome) = result?;
        snapshot.meta.profile.clone_from(&l.profile);
        let stats = LoadStats {
            requests: requests(&client),
            elapsed: started.elapsed(),
            stored: Some(store.save(&snapshot)),
            unencrypted: seal::key().err().map(str::to_owned),
            ..LoadStats::default()
        };
        Ok(Refreshed {
            snapshot,
            previous,
            outcome,
            stats,
        })
    }
}
