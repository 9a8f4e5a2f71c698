//! Actions while an overlay or the filter line has the keyboard: text entry, the finder, the
//! command palette, and the parsing of palette lines into actions. A one-way part of `update`:
//! it uses update's helpers and returns a follow-up action for update to apply, never calling
//! update itself; effects go to `State::pending`.

use crate::model::Kind;
use crate::model::audit::Lens;

use super::super::action::{Action, Effect};
use super::super::state::*;
use super::{jump_to_target, set_query};

/// How many finder hits are kept on screen.
pub const FINDER_MAX: usize = 200;

/// A key while the filter line has the keyboard; returns an action for update to apply next.
pub fn filter(s: &mut State, a: Action) -> Option<Action> {
    let mut q = s.list.as_ref().map(|l| l.query.clone()).unwrap_or_default();
    match a {
        Action::Char(c) => {
            q.push(c);
            set_query(s, &q);
        }
        Action::DeleteChar => {
            q.pop();
            set_query(s, &q);
        }
        // Enter keeps the filter and gives the keys back; Esc drops it.
        Action::Open => s.filtering = false,
        Action::Cancel => {
            s.filtering = false;
            set_query(s, "");
        }
        Action::MoveDown | Action::MoveUp => {
            s.filtering = false;
            return Some(a);
        }
        _ => {}
    }
    None
}

/// A key while an overlay has the keyboard; returns an action for update to apply next.
pub fn overlay(s: &mut State, a: Action) -> Option<Action> {
    let ov = s.overlay.as_mut()?;
    match ov {
        Overlay::Help { offset } => match a {
            Action::MoveDown | Action::ScrollDown => *offset += 1,
            Action::MoveUp | Action::ScrollUp => *offset = offset.saturating_sub(1),
            _ => s.overlay = None,
        },
        Overlay::Why(v) => match a {
            Action::MoveDown | Action::ScrollDown => v.step(1),
            Action::MoveUp | Action::ScrollUp => v.step(-1),
            Action::Open => {
                if let Some(t) = v.selected_target() {
                    jump_to_target(s, t);
                }
            }
            Action::Export => return Some(Action::Export),
            Action::Back => s.overlay = None,
            Action::Cancel | Action::Why | Action::Quit => s.overlay = None,
            _ => {}
        },
        Overlay::Finder(f) => match a {
            Action::Char(c) => {
                f.query.push(c);
                refind(s, true);
            }
            Action::DeleteChar => {
                f.query.pop();
                refind(s, false);
            }
            Action::MoveDown => f.sel = (f.sel + 1).min(f.hits.len().saturating_sub(1)),
            Action::MoveUp => f.sel = f.sel.saturating_sub(1),
            Action::Open => {
                if let Some(h) = f.hits.get(f.sel) {
                    let t = h.target;
                    jump_to_target(s, t);
                }
            }
            Action::Cancel => s.overlay = None,
            _ => {}
        },
        Overlay::Palette(p) => match a {
            Action::Char(c) => {
                p.text.push(c);
                p.completions = completions(&p.text);
                p.sel = 0;
            }
            Action::DeleteChar => {
                p.text.pop();
                p.completions = completions(&p.text);
                p.sel = 0;
            }
            Action::MoveDown => p.sel = (p.sel + 1).min(p.completions.len().saturating_sub(1)),
            Action::MoveUp => p.sel = p.sel.saturating_sub(1),
            // Tab completes; Tab again cycles through the other completions of what was typed.
            Action::Complete => {
                let n = p.completions.len();
                if n > 1 && p.completions.get(p.sel) == Some(&p.text) {
                    p.sel = (p.sel + 1) % n;
                }
                if let Some(c) = p.completions.get(p.sel) {
                    p.text.clone_from(c);
                    if n == 1 {
                        // One way on ("lens "): offer what follows it.
                        p.completions = completions(&p.text);
                        p.sel = 0;
                    }
                }
            }
            Action::Open => {
                let line = p.text.clone();
                // Enter on a half-typed command takes the highlighted completion.
                let line = match p.completions.get(p.sel) {
                    Some(c) if command(&line).is_err() => c.clone(),
                    _ => line,
                };
                s.overlay = None;
                return Some(Action::Command(line));
            }
            Action::Cancel => s.overlay = None,
            _ => {}
        },
    }
    None
}

/// Searches every kind for the finder: at once, or in a big environment in the background
/// (`Effect::Find`, newest wins), as the list filter does.
fn refind(s: &mut State, narrowing: bool) {
    let Some(d) = s.data.clone() else { return };
    let background = d.graph.users.len() > s.background_users;
    let Some(Overlay::Finder(f)) = s.overlay.as_mut() else {
        return;
    };
    // Narrowing on the kept hits is exact only when they answer a prefix of the new query.
    let within = (narrowing
        && !f.hits.is_empty()
        && !f.hits_query.is_empty()
        && f.query.starts_with(&f.hits_query))
    .then(|| f.hits.clone());
    if background {
        let generation = s.finder_gen.begin();
        let query = f.query.clone();
        s.pending.push(Effect::Find {
            generation,
            query,
            within,
        });
        return;
    }
    s.finder_gen.cancel();
    f.hits = find(&d, &f.query, within.as_deref());
    f.hits_query = f.query.clone();
    f.sel = 0;
}

/// The finder's search, anywhere.
pub fn find(
    d: &Data,
    query: &str,
    within: Option<&[crate::model::search::Hit]>,
) -> Vec<crate::model::search::Hit> {
    match within {
        Some(prev) => d.index.search_within(&d.graph, query, None, prev),
        None => d.index.search(&d.graph, query, None),
    }
}

/// The palette's commands, as completion offers them; [`command`] parses each into an action.
const COMMANDS: &[&str] = &[
    "users",
    "groups",
    "apps",
    "roles",
    "populations",
    "gateways",
    "find ",
    "filter ",
    "export pingscope.csv",
    "export pingscope.json",
    "lens ",
    "diff @2",
    "changes",
    "mark",
    "compare",
    "who",
    "sort",
    "reload",
    "help",
    "quit",
];

/// The palette's suggestions for what is typed so far (`lens` expanded to every lens).
pub fn completions(text: &str) -> Vec<String> {
    let t = text.trim_start();
    COMMANDS
        .iter()
        .flat_map(|c| match *c {
            "lens " => Lens::ALL
                .iter()
                .map(|l| format!("lens {}", l.key()))
                .collect(),
            c => vec![c.to_owned()],
        })
        .filter(|c| c.starts_with(t))
        .collect()
}

/// Parses one palette line into the action it names, or says why it names none.
pub fn command(line: &str) -> Result<Action, String> {
    let line = line.trim();
    let (cmd, arg) = line.split_once(' ').unwrap_or((line, ""));
    let arg = arg.trim().to_owned();
    Ok(match cmd {
        "q" | "quit" => Action::Quit,
        "find" => Action::Find(arg),
        "filter" => Action::SetFilter(arg),
        "export" => Action::ExportTo(arg),
        "lens" => Action::Lens(arg),
        "users" | "user" => Action::ShowKind(Kind::User),
        "groups" | "group" => Action::ShowKind(Kind::Group),
        "apps" | "app" | "applications" => Action::ShowKind(Kind::App),
        "roles" | "role" => Action::ShowKind(Kind::Role),
        "populations" | "population" | "pops" => Action::ShowKind(Kind::Population),
        "gateways" | "gateway" => Action::ShowKind(Kind::Gateway),
        "diff" if arg.is_empty() => {
            return Err(
                "diff needs a snapshot: :diff @2 (see `pingscope snapshots`) or :diff FILE".into(),
            );
        }
        "diff" => Action::Diff(arg),
        "changes" => Action::Changes,
        "mark" => Action::Mark,
        "compare" => Action::Compare,
        "who" => Action::WhoHas,
        "sort" => Action::CycleSort,
        "reload" => Action::Reload,
        "help" => Action::Help,
        "" => return Err(String::new()),
        other => return Err(format!("unknown command {other:?} (try : then Tab)")),
    })
}

/// Opens the finder on `query`.
pub fn open_finder(s: &mut State, query: &str) {
    s.overlay = Some(Overlay::Finder(Finder {
        query: query.to_owned(),
        ..Finder::default()
    }));
    if !query.is_empty() {
        refind(s, false);
    }
}
