//! The one vocabulary of the explorer: what key bindings name (in config files too) and what
//! background tasks send back. Internal-only variants are `#[serde(skip)]`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::state::Data;
use crate::model::Target;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    MoveUp,
    MoveDown,
    PageUp,
    PageDown,
    Top,
    Bottom,
    FocusNext,
    FocusPrev,
    FocusLeft,
    FocusRight,
    /// Enter: open the selected thing (a kind, a related entity, a hop).
    Open,
    /// Esc: close the overlay, clear the filter.
    Cancel,
    Back,
    Forward,
    Why,
    /// `/`: filter the current list.
    Filter,
    /// Ctrl-P: the global finder over every kind.
    Finder,
    /// `:`: the command palette.
    Palette,
    Help,
    /// Write what is on screen to a default file in the current directory.
    Export,
    /// Copy the selected entity's id (OSC 52).
    Yank,
    /// Cycle the sort of a who-has-what or lens list.
    CycleSort,
    /// The full list of users who have the selected role, group or application.
    WhoHas,
    Reload,
    /// Open an audit lens by key (`no-mfa`, ...).
    Lens(String),
    /// Show every entity of a kind (`:users`, `:groups`, `:apps`, ...).
    #[serde(skip)]
    ShowKind(crate::model::Kind),
    /// Run a palette command line (`export out.csv`, `lens stale`, `find alice`): it is parsed
    /// into one of these actions.
    Command(String),
    /// Open the finder on this text.
    Find(String),
    /// Filter the current list by this text.
    SetFilter(String),
    /// Write what is on screen to this file (`.json` for JSON, else CSV).
    ExportTo(String),
    /// Compare the data shown with an earlier snapshot (`@2`, a file): the Changes view.
    Diff(String),
    /// Open the Changes view (the newest diff or comparison).
    Changes,
    /// Mark the selected user, to compare others with her.
    Mark,
    /// Compare the selected user with the marked one.
    Compare,

    #[serde(skip)]
    Char(char),
    #[serde(skip)]
    DeleteChar,
    #[serde(skip)]
    Complete,
    #[serde(skip)]
    Resize(u16, u16),
    #[serde(skip)]
    Click(u16, u16),
    #[serde(skip)]
    ScrollUp,
    #[serde(skip)]
    ScrollDown,
    /// Once a second: the clock, for ages.
    #[serde(skip)]
    Tick(i64),
    /// A stage's progress during a live load (generation, progress).
    #[serde(skip)]
    LoadProgress(u64, Progress),
    /// The requests of a live load, every second (generation, requests).
    #[serde(skip)]
    LoadRequests(u64, crate::source::Requests),
    #[serde(skip)]
    Loaded(u64, Arc<Data>),
    #[serde(skip)]
    LoadFailed(u64, String),
    /// What a live load knows so far (generation, sequence, data): shown while it goes on.
    #[serde(skip)]
    Partial(u64, u64, Arc<Data>),
    /// A detail computed in the background (generation, detail): dropped unless still wanted.
    #[serde(skip)]
    DetailReady(u64, Box<super::detail::Detail>),
    /// The hits of a background filter search (generation, query, hits): dropped unless newest.
    #[serde(skip)]
    Filtered(u64, String, Vec<crate::model::search::Hit>),
    /// A list built in the background (generation, where it was asked for, the list).
    #[serde(skip)]
    ListReady(
        u64,
        Box<super::state::Location>,
        Handover<super::lists::ListView>,
    ),
    /// The hits of a background finder search (generation, hits): dropped unless newest.
    #[serde(skip)]
    Found(u64, String, Vec<crate::model::search::Hit>),
    /// A line for the footer (from a task: "wrote access.csv").
    #[serde(skip)]
    Message(String),
    /// A diff built in the background, against the data it was asked for (by identity).
    #[serde(skip)]
    ChangesReady(Arc<Data>, Handover<super::changes::Changes>, bool),
}

pub use crate::source::Progress;

impl PartialEq for Data {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl std::fmt::Debug for Data {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Data({} users)", self.graph.users.len())
    }
}

/// A value a task built, handed to `update` once. Compared by identity, like `Data`.
#[derive(Debug)]
pub struct Handover<T>(Arc<std::sync::Mutex<Option<T>>>);

impl<T> Clone for Handover<T> {
    fn clone(&self) -> Self {
        Handover(self.0.clone())
    }
}

impl<T> Handover<T> {
    pub fn new(v: T) -> Self {
        Handover(Arc::new(std::sync::Mutex::new(Some(v))))
    }

    /// The value, the first time only.
    pub fn take(&self) -> Option<T> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

impl<T> PartialEq for Handover<T> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// What `update` asks the outside world to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Load (or reload) the data source; report with `Loaded(generation, ..)` or `LoadFailed`.
    Load { generation: u64, force: bool },
    /// Build an export (off the loop) and write it to `path` (or its default name, 0600),
    /// then report in the status message.
    Export {
        path: Option<String>,
        job: Handover<super::export::ExportJob>,
    },
    /// Put `text` on the clipboard through the terminal (OSC 52).
    Clipboard(String),
    /// Build the list of `loc` (a lens, a who-has-what answer); report with `ListReady`.
    List {
        generation: u64,
        loc: Box<super::state::Location>,
    },
    /// Build the detail of `target`; report with `DetailReady(generation, ..)`.
    Detail { generation: u64, target: Target },
    /// Run a filter search; report with `Filtered(generation, ..)`.
    Filter {
        generation: u64,
        job: super::lists::SearchJob,
    },
    /// Compare the data shown with the snapshot `reference` names; report with `ChangesReady`.
    Diff { reference: String },
    /// Compare two loads (the one before a reload, the one after); report with `ChangesReady`.
    DiffData { old: Arc<Data>, new: Arc<Data> },
    /// Search every kind for the finder (within `within` when narrowing); report with
    /// `Found(generation, ..)`.
    Find {
        generation: u64,
        query: String,
        within: Option<Vec<crate::model::search::Hit>>,
    },
}
