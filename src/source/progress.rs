//! What a load reports while it runs, in one shape for every consumer (the CLI's progress bars,
//! the explorer's loading screen): the one place that reads the loader's events.

use crate::model::{Snapshot, Stage, StageState};
use crate::pingone::LoadEvent;

/// Progress of one stage of a load.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    pub stage: Stage,
    pub done: u64,
    pub total: Option<u64>,
    pub requests: u64,
    pub rate: f64,
    /// Set when the stage ended.
    pub state: Option<StageState>,
}

/// The requests of a live load, as they stand (sent every second while it runs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Requests {
    pub sent: u64,
    /// Waiting to be retried right now.
    pub waiting: u64,
    pub retried: u64,
    pub rate_limited: u64,
}

impl Requests {
    /// "1,204 requests · 3 waiting to retry · 12 retried · 0 rate-limited".
    pub fn line(&self) -> String {
        format!(
            "{} requests · {} waiting to retry · {} retried · {} rate-limited",
            self.sent, self.waiting, self.retried, self.rate_limited
        )
    }
}

/// One report of a running load.
#[derive(Debug)]
pub enum Update {
    Progress(Progress),
    /// What is known so far (only when partial snapshots were asked for): a user can start
    /// working before the slow per-user stages end. Its coverage says what is missing.
    Partial(Box<Snapshot>),
    Requests(Requests),
    /// How the load went about it, in one line (the membership plan and what it found).
    Note(String),
}

impl From<LoadEvent> for Update {
    fn from(e: LoadEvent) -> Update {
        match e {
            LoadEvent::Progress {
                stage,
                done,
                total,
                requests,
                rate,
            } => Update::Progress(Progress {
                stage,
                done,
                total,
                requests,
                rate,
                state: None,
            }),
            LoadEvent::StageDone { stage, state } => Update::Progress(Progress {
                stage,
                done: 0,
                total: None,
                requests: 0,
                rate: 0.0,
                state: Some(state),
            }),
            LoadEvent::Partial(s) => Update::Partial(s),
            LoadEvent::Note(n) => Update::Note(n),
            LoadEvent::GroupPlan(r) => Update::Note(r.line()),
        }
    }
}
