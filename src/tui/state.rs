//! Everything the explorer shows, as plain data. `update` changes it; `draw` only reads it.

use std::sync::Arc;

use crate::model::Graph;
use crate::model::audit::Lens;
use crate::model::search::SearchIndex;
use crate::model::{Kind, Target};

use super::action::Progress;
use super::changes::ChangesRef;
use super::detail::Detail;
use super::jobs::Latest;
use super::keymap::Keymap;
use super::lists::ListView;
use super::theme::Theme;
use super::why::WhyView;

/// A loaded environment: the graph and its search index, shared read-only with tasks.
pub struct Data {
    /// Shared: a Changes view keeps the graph it compares with after this data is replaced.
    pub graph: Arc<Graph>,
    pub index: SearchIndex,
    /// Where it came from: "demo", "snapshot prod.json", "live".
    pub source: String,
    pub live: bool,
    /// The profile's label and colour cue ("prod", "red"), shown in the status line.
    pub cue: Option<(String, Option<String>)>,
    /// A stored snapshot shown while a fresh load runs: the status line says whether it is
    /// still being refreshed or the refresh failed.
    pub stored: bool,
}

impl Data {
    pub fn new(graph: Graph, source: impl Into<String>, live: bool) -> Data {
        let index = SearchIndex::build(&graph);
        Data {
            graph: Arc::new(graph),
            index,
            source: source.into(),
            live,
            cue: None,
            stored: false,
        }
    }
}

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Focus {
    Nav,
    List,
    Detail,
}

/// An entry of the navigator.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum NavItem {
    Kind(Kind),
    Lens(Lens),
    /// The Changes view, once a diff or a comparison has been made.
    Changes,
}

impl NavItem {
    pub fn all() -> Vec<NavItem> {
        Kind::ALL
            .into_iter()
            .map(NavItem::Kind)
            .chain(Lens::ALL.into_iter().map(NavItem::Lens))
            .collect()
    }
}

/// What the middle list shows.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ListSpec {
    Kind(Kind),
    Lens(Lens),
    /// Every user who has this role, group or application, with how.
    Who(Target),
    /// What changed between two looks, or what two users differ in.
    Changes(ChangesRef),
}

/// A place in the history.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Location {
    pub spec: ListSpec,
    pub query: String,
    pub selected: Option<Target>,
    pub focus: Focus,
    /// The list's sort.
    pub sort: super::lists::Sort,
    /// The detail's selected line, when the detail showed the selected entity.
    pub detail_line: Option<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Overlay {
    Why(WhyView),
    Help { offset: usize },
    Finder(Finder),
    Palette(Palette),
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Finder {
    pub query: String,
    pub hits: Vec<crate::model::search::Hit>,
    /// The query `hits` answer (narrowing is exact only from a prefix of the new query).
    pub hits_query: String,
    pub sel: usize,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Palette {
    pub text: String,
    pub completions: Vec<String>,
    pub sel: usize,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Loading {
    pub generation: u64,
    /// The sequence number of the partial data shown, if any.
    pub partial: u64,
    pub stages: Vec<Progress>,
    /// The requests of a live load, as they stand.
    pub requests: Option<crate::source::Requests>,
    pub error: Option<String>,
}

pub struct State {
    pub data: Option<Arc<Data>>,
    /// Set while a load runs (the first one, or a reload over the data shown).
    pub loading: Option<Loading>,
    /// Background work, newest request wins (see `jobs`).
    pub load_gen: Latest,
    pub detail_gen: Latest,
    pub list_gen: Latest,
    pub filter_gen: Latest,
    pub finder_gen: Latest,
    /// Effects asked for by update's helpers during one `update`, returned by it at its end.
    /// Never outlives that call: the state holds no job handle.
    pub pending: Vec<super::action::Effect>,
    pub nav: Vec<NavItem>,
    pub nav_sel: usize,
    pub focus: Focus,
    pub list: Option<ListView>,
    pub detail: Option<Detail>,
    /// Above this many users, filter searches and the detail of an application, group or role
    /// (who can use it, members, holders: tens of ms at 100k users) run off the input loop.
    pub background_users: usize,
    /// Typing into the list's filter.
    pub filtering: bool,
    pub overlay: Option<Overlay>,
    /// Where Back goes (most recent last), and where Forward goes.
    pub history: Vec<Location>,
    pub forward: Vec<Location>,
    pub message: Option<String>,
    pub size: (u16, u16),
    pub now_millis: i64,
    pub keymap: Keymap,
    pub theme: Theme,
    pub quit: bool,
    /// How many days without sign-on make a user stale (lenses).
    pub audit_days: super::lists::AuditDays,
    /// A detail cursor to put back when the detail of this entity, built off the input loop,
    /// arrives (history and reloads keep the user's place).
    pub detail_line: Option<(Target, usize)>,
    /// An export asked to replace this existing file: asking again replaces it.
    pub confirm_overwrite: Option<String>,
    /// Where exports go when no directory is named (the current directory).
    pub export_dir: std::path::PathBuf,
    /// The newest diff or comparison, for the navigator's Changes entry.
    pub changes: Option<ChangesRef>,
    /// The user marked (`m`) to compare others with (`c`).
    pub marked: Option<Target>,
    /// The last complete data shown (a finished load, or the stored snapshot shown while one
    /// runs): what a finished reload is compared with.
    pub base: Option<Arc<Data>>,
}

impl State {
    pub fn new(keymap: Keymap, theme: Theme, now_millis: i64) -> State {
        State {
            data: None,
            loading: None,
            load_gen: Latest::default(),
            detail_gen: Latest::default(),
            list_gen: Latest::default(),
            filter_gen: Latest::default(),
            finder_gen: Latest::default(),
            pending: Vec::new(),
            nav: NavItem::all(),
            nav_sel: 0,
            focus: Focus::List,
            list: None,
            detail: None,
            background_users: 20_000,
            filtering: false,
            overlay: None,
            history: Vec::new(),
            forward: Vec::new(),
            message: None,
            size: (80, 24),
            now_millis,
            keymap,
            theme,
            quit: false,
            audit_days: Default::default(),
            detail_line: None,
            confirm_overwrite: None,
            export_dir: std::path::PathBuf::from("."),
            changes: None,
            marked: None,
            base: None,
        }
    }

    pub fn graph(&self) -> Option<&Graph> {
        self.data.as_deref().map(|d| &*d.graph)
    }

    /// The entity under the cursor: the detail's link when the detail has focus, else the list's.
    pub fn selected_target(&self) -> Option<Target> {
        if self.focus == Focus::Detail {
            if let Some(t) = self.detail.as_ref().and_then(|d| d.selected_link()) {
                return Some(t);
            }
        }
        self.list.as_ref().and_then(|l| l.selected_target())
    }

    /// Rows of list content visible at the current size (see `ui::layout`).
    pub fn list_height(&self) -> usize {
        super::ui::layout::content_rows(self.size.1)
    }

    pub fn detail_height(&self) -> usize {
        super::ui::layout::content_rows(self.size.1)
    }
}
