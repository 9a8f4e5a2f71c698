//! Per-entity reads made ahead of their stages. A refresh knows from the audit log which
//! entities it must read again before the collections say who exists; reading them while the
//! collections are read (whose pages go ahead of them at the rate limiter) keeps the limiter
//! busy from the start instead of after the longest listing has ended.
//!
//! Only clean reads are kept (read whole, every item decoded, no text repaired). Anything else
//! is left to the entity's stage, which reads it again and records what is wrong; an entity
//! that answers 404 is left too (its stage drops it if the collections still list it). An
//! entity's reads are made in order, and a 404 spares the rest.

use futures::StreamExt;

use super::super::http::Client;
use super::endpoint::read_clean;
use super::resume::{Done, Prior};
use crate::model::*;

/// How many entities are read ahead at once (their pace is the shared limiter's).
const CONCURRENCY: usize = 32;

/// The reads ahead, running on their own task; dropped unfinished, they stop.
pub struct Ahead(std::sync::Mutex<Option<tokio::task::JoinHandle<Prior>>>);

impl Drop for Ahead {
    fn drop(&mut self) {
        if let Some(task) = self.0.get_mut().ok().and_then(Option::take) {
            task.abort();
        }
    }
}

impl std::fmt::Debug for Ahead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ahead(..)")
    }
}

impl Ahead {
    /// Starts reading `wanted` (each entity's reads in the order given), or `None` when there
    /// is nothing to read.
    pub fn start(client: &Client, wanted: &[(Stage, Id)]) -> Option<Ahead> {
        if wanted.is_empty() {
            return None;
        }
        // Each entity once, its stages in order.
        let mut entities: Vec<(Id, Vec<Stage>)> = Vec::new();
        let mut at = std::collections::HashMap::new();
        for (stage, id) in wanted {
            let i = *at.entry(id.clone()).or_insert_with(|| {
                entities.push((id.clone(), Vec::new()));
                entities.len() - 1
            });
            if !entities[i].1.contains(stage) {
                entities[i].1.push(*stage);
            }
        }
        let client = client.clone();
        Some(Ahead(std::sync::Mutex::new(Some(tokio::spawn(
            async move {
                let reads: Vec<Vec<(Stage, Id, Done)>> = futures::stream::iter(entities)
                    .map(|(id, stages)| {
                        let client = &client;
                        async move {
                            let mut done = Vec::new();
                            for stage in stages {
                                match read_clean(client, stage, &id).await {
                                    Ok(Some(d)) => done.push((stage, id.clone(), d)),
                                    // 404: gone, its other reads spared.
                                    Err(e) if e.is_not_found() => break,
                                    // Failed, cut short or damaged: left to the stage.
                                    Ok(None) | Err(_) => {}
                                }
                            }
                            done
                        }
                    })
                    .buffer_unordered(CONCURRENCY)
                    .collect()
                    .await;
                let mut prior = Prior::default();
                for (stage, id, done) in reads.into_iter().flatten() {
                    prior.insert(stage, id, done);
                }
                prior
            },
        )))))
    }

    /// The clean reads made (none, if the task failed, or if they were taken already).
    pub(super) async fn finish(&self) -> Prior {
        let task = self.0.lock().ok().and_then(|mut t| t.take());
        match task {
            Some(task) => task.await.unwrap_or_default(),
            None => Prior::default(),
        }
    }
}
