//! The loader's building blocks: the coverage ledger, a collection read, and a per-entity
//! stage run concurrently under the rate limiter.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::de::DeserializeOwned;

use super::super::error::{ApiError, Resource};
use super::super::http::Client;
use super::super::wire::{Listing, decode, get_all, get_collection};
use super::endpoint::Endpoint;
use super::resume::{Journaled, Resume};
use super::{LoadEvent, Sink};
use crate::model::*;

pub(super) struct Ledger {
    pub(super) coverage: Mutex<Coverage>,
}

impl Ledger {
    pub(super) fn gap(&self, stage: Stage, entity: Option<Id>, err: &ApiError) {
        self.push(Gap {
            stage,
            entity,
            status: err.status(),
            code: err.code().map(str::to_owned),
            message: err.to_string(),
        });
    }

    pub(super) fn push(&self, gap: Gap) {
        let mut c = self.coverage.lock().unwrap_or_else(|p| p.into_inner());
        // A stage failing for every entity would log U gaps: keep the first hundred per stage.
        let n = c.gaps.iter().filter(|g| g.stage == gap.stage).count();
        if n < 100 {
            c.gaps.push(gap);
        }
    }

    /// Items whose lone UTF-16 surrogates were replaced by U+FFFD: kept, and flagged.
    pub(super) fn repaired(&self, stage: Stage, ids: &[String]) {
        // At most 20 per call: flags, which must not crowd out the gaps that mean data is missing.
        for id in ids.iter().take(20) {
            self.push(Gap {
                stage,
                entity: Some(Id::new(id)),
                status: None,
                code: Some("REPAIRED_TEXT".into()),
                message: "its text held lone UTF-16 surrogates, shown as U+FFFD".into(),
            });
        }
    }

    pub(super) fn set(&self, stage: Stage, state: StageState, done: u64, total: Option<u64>) {
        self.coverage
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .set(stage, state, done, total);
    }

    pub(super) fn snapshot(&self) -> Coverage {
        self.coverage
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// Reads a collection into entities; a failure becomes a gap and an empty list.
pub(super) async fn collection<T: DeserializeOwned>(
    client: &Client,
    ledger: &Ledger,
    stage: Stage,
    url: String,
    key: &str,
    resource: Resource,
) -> (Vec<T>, Option<ApiError>) {
    collection_split(client, ledger, stage, &[url], key, resource).await
}

/// [`collection`] read as several listings at once (the users of each population), merged in
/// the order given. A listing that fails makes the collection incomplete, not empty: what the
/// others read is kept, and the failure is a gap.
pub(super) async fn collection_split<T: DeserializeOwned>(
    client: &Client,
    ledger: &Ledger,
    stage: Stage,
    urls: &[String],
    key: &str,
    resource: Resource,
) -> (Vec<T>, Option<ApiError>) {
    let parts: Vec<Result<Listing, ApiError>> = futures::stream::iter(urls)
        .map(|url| get_collection(client, url, key, resource))
        .buffered(8)
        .collect()
        .await;
    let mut merged: Option<Listing> = None;
    let mut first_error = None;
    for part in parts {
        match part {
            Ok(l) => match &mut merged {
                None => merged = Some(l),
                Some(m) => {
                    m.items.extend(l.items);
                    m.repaired.extend(l.repaired);
                    if m.problem.is_none() {
                        m.problem = l.problem;
                    }
                }
            },
            Err(e) => {
                if merged.is_some() || urls.len() > 1 {
                    ledger.gap(stage, None, &e);
                }
                first_error.get_or_insert(e);
            }
        }
    }
    let listing = match (merged, first_error) {
        (Some(mut m), Some(e)) => {
            m.problem
                .get_or_insert_with(|| format!("one of its listings failed: {e}"));
            Ok(m)
        }
        (Some(m), None) => Ok(m),
        (None, Some(e)) => Err(e),
        (None, None) => Ok(Listing::default()),
    };
    match listing {
        Ok(l) => from_listing(ledger, stage, key, l),
        Err(e) => {
            if urls.len() == 1 {
                ledger.gap(stage, None, &e);
            }
            ledger.set(stage, StageState::Failed, 0, None);
            (Vec::new(), Some(e))
        }
    }
}

/// A collection's entities from what was read of it (by the load, or just before it by a
/// refresh), recording in the ledger what is wrong with it.
pub(super) fn from_listing<T: DeserializeOwned>(
    ledger: &Ledger,
    stage: Stage,
    key: &str,
    listing: Listing,
) -> (Vec<T>, Option<ApiError>) {
    let Listing {
        items,
        problem,
        repaired,
    } = listing;
    let total = items.len() as u64;
    let (good, bad) = decode::<T>(items, key.trim_end_matches('s'));
    for message in &bad {
        ledger.push(Gap {
            stage,
            entity: None,
            status: None,
            code: Some("MALFORMED".into()),
            message: message.clone(),
        });
    }
    // The reason a collection is incomplete first: the gap list per stage is capped.
    if let Some(p) = &problem {
        ledger.push(Gap {
            stage,
            entity: None,
            status: None,
            code: Some("INCOMPLETE_LISTING".into()),
            message: format!("{}: {p}", stage.label()),
        });
    }
    ledger.repaired(stage, &repaired);
    let state = if bad.is_empty() && problem.is_none() {
        StageState::Complete
    } else {
        StageState::Partial
    };
    ledger.set(stage, state, good.len() as u64, Some(total));
    (good, None)
}

/// The outcome of a per-entity request.
pub(super) enum Fetched<T> {
    Read(Vec<T>),
    Deleted,
    Failed,
}

/// Runs one per-entity stage over `ids` with up to `concurrency` requests in flight, returning
/// each entity's result in order. Stops early when the first requests are all refused (403): the
/// worker app lacks a role, and asking U more times would only waste the rate limit.
pub(super) async fn per_entity<T: DeserializeOwned + Send + Journaled>(
    client: &Client,
    ledger: &Ledger,
    sink: Sink<'_>,
    resume: Resume<'_>,
    stage: Stage,
    ids: &[Id],
) -> Vec<Fetched<T>> {
    let Some(ep) = Endpoint::of(stage) else {
        // Not a per-entity stage: nothing can be read (a caller's mistake, never a guess).
        return ids.iter().map(|_| Fetched::Failed).collect();
    };
    let (key, resource) = (ep.key, ep.resource);
    let total = ids.len() as u64;
    let done = AtomicU64::new(0);
    let ok = AtomicU64::new(0);
    let forbidden = AtomicU64::new(0);
    let abandoned = AtomicBool::new(false);
    // Entities read with an item that could not be decoded (the item is lost, and recorded).
    let damaged = AtomicU64::new(0);
    let last_report = Mutex::new(Instant::now());
    let concurrency = 64;
    let results: Vec<(usize, Fetched<T>)> = futures::stream::iter(ids.iter().enumerate())
        .map(|(i, id)| {
            let url = ep.url(client.connection(), id);
            let (done, ok, forbidden, abandoned, last_report, damaged) =
                (&done, &ok, &forbidden, &abandoned, &last_report, &damaged);
            async move {
                if abandoned.load(Ordering::Relaxed) {
                    return (i, Fetched::Failed);
                }
                // Read by an interrupted load of this environment: not asked again.
                let earlier = resume.get::<T>(stage, id);
                let r = match earlier {
                    Some(items) => Ok(Fetched::Read(items)),
                    None => Err(get_all(client, &url, key, resource).await),
                };
                let r = match r {
                    Ok(done) => done,
                    Err(answer) => match answer {
                        Ok(Listing {
                            problem: Some(p), ..
                        }) => {
                            // Part of this entity's list: not read, rather than read short.
                            ledger.push(Gap {
                                stage,
                                entity: Some(id.clone()),
                                status: None,
                                code: Some("INCOMPLETE_LISTING".into()),
                                message: p,
                            });
                            Fetched::Failed
                        }
                        Ok(Listing {
                            items, repaired, ..
                        }) => {
                            ok.fetch_add(1, Ordering::Relaxed);
                            ledger.repaired(stage, &repaired);
                            let (good, bad) = decode::<T>(items, key);
                            if !bad.is_empty() {
                                damaged.fetch_add(1, Ordering::Relaxed);
                            }
                            for message in bad {
                                ledger.push(Gap {
                                    stage,
                                    entity: Some(id.clone()),
                                    status: None,
                                    code: Some("MALFORMED".into()),
                                    message,
                                });
                            }
                            Fetched::Read(resume.record(stage, id, good))
                        }
                        Err(e) if e.is_not_found() => Fetched::Deleted,
                        Err(e) => {
                            if e.is_forbidden()
                                && forbidden.fetch_add(1, Ordering::Relaxed) >= 2
                                && ok.load(Ordering::Relaxed) == 0
                            {
                                abandoned.store(true, Ordering::Relaxed);
                            }
                            ledger.gap(stage, Some(id.clone()), &e);
                            Fetched::Failed
                        }
                    },
                };
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                let mut last = last_report.lock().unwrap_or_else(|p| p.into_inner());
                if last.elapsed() > Duration::from_millis(200) || n == total {
                    *last = Instant::now();
                    sink(LoadEvent::Progress {
                        stage,
                        done: n,
                        total: Some(total),
                        requests: client.counters().requests(),
                        rate: client.current_rate(),
                    });
                }
                (i, r)
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let mut ordered: Vec<Option<Fetched<T>>> = (0..ids.len()).map(|_| None).collect();
    for (i, r) in results {
        ordered[i] = Some(r);
    }
    let out: Vec<Fetched<T>> = ordered
        .into_iter()
        .map(|r| r.unwrap_or(Fetched::Failed))
        .collect();
    let failed = out.iter().filter(|r| matches!(r, Fetched::Failed)).count() as u64;
    let read = total - failed;
    let state = if failed == 0 && damaged.load(Ordering::Relaxed) == 0 {
        StageState::Complete
    } else if read == 0 && total > 0 {
        StageState::Failed
    } else {
        StageState::Partial
    };
    if abandoned.load(Ordering::Relaxed) {
        ledger.push(Gap {
            stage,
            entity: None,
            status: Some(403),
            code: Some("ACCESS_FAILED".into()),
            message: format!(
                "{}: stopped after the first requests were refused; the worker app needs the {} role",
                stage.label(),
                resource.role_needed()
            ),
        });
    }
    ledger.set(stage, state, read, Some(total));
    resume.flush();
    sink(LoadEvent::StageDone { stage, state });
    out
}
