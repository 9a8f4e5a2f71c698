//! Actions while an overlay or the filter line has the keyboard: text entry, the finder, the
//! command palette and its commands.

use crate::model::audit::Lens;

use super::action::{Action, Effect};
use super::state::*;
use super::update::{jump_to_target, set_query, start_load};

/// How many finder hits are kept on screen.
pub const FINDER_MAX: usize = 200;

pub fn filter(s: &mut State, a: Action) -> Vec<Effect> {
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
            return super::update::update(s, a);
        }
        _ => {}
    }
    Vec::new()
}

pub fn overlay(s: &mut State, a: Action) -> Vec<Effect> {
    let Some(ov) = s.overlay.as_mut() else {
        return Vec::new();
    };
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
            Action::Export => return super::export::effect(s, "csv", None),
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
            Action::Complete => {
                if let Some(c) = p.completions.get(p.sel) {
                    p.text.clone_from(c);
                    p.completions = completions(&p.text);
                    p.sel = 0;
                }
            }
            Action::Open => {
                let line = p.text.clone();
                // Enter on a half-typed command takes the highlighted completion.
                let line = match p.completions.get(p.sel) {
                    Some(c)
                        if !COMMANDS
                            .iter()
                            .any(|k| line.trim() == *k || line.starts_with(&format!("{k} "))) =>
                    {
                        c.clone()
                    }
                    _ => line,
                };
                s.overlay = None;
                return command(s, &line);
            }
            Action::Cancel => s.overlay = None,
            _ => {}
        },
    }
    Vec::new()
}

fn refind(s: &mut State, narrowing: bool) {
    let Some(d) = s.data.clone() else { return };
    let Some(Overlay::Finder(f)) = s.overlay.as_mut() else {
        return;
    };
    // Narrowing on the kept hits is exact only when they were not cut; keep them all.
    f.hits = if narrowing && !f.hits.is_empty() && f.query.chars().count() > 1 {
        d.index.search_within(&d.graph, &f.query, None, &f.hits)
    } else {
        d.index.search(&d.graph, &f.query, None)
    };
    f.sel = 0;
}

const COMMANDS: &[&str] = &[
    "find", "filter", "export", "lens", "who", "sort", "reload", "help", "quit",
];

/// The palette's suggestions for what is typed so far.
pub fn completions(text: &str) -> Vec<String> {
    let t = text.trim_start();
    let mut all: Vec<String> = vec![
        "find ".into(),
        "filter ".into(),
        "export pingscope.csv".into(),
        "export pingscope.json".into(),
    ];
    all.extend(Lens::ALL.iter().map(|l| format!("lens {}", l.key())));
    all.extend(["who", "sort", "reload", "help", "quit"].map(String::from));
    all.into_iter().filter(|c| c.starts_with(t)).collect()
}

/// Runs one palette command line.
pub fn command(s: &mut State, line: &str) -> Vec<Effect> {
    let line = line.trim();
    let (cmd, arg) = line.split_once(' ').unwrap_or((line, ""));
    let arg = arg.trim();
    match cmd {
        "q" | "quit" => s.quit = true,
        "find" => {
            s.overlay = Some(Overlay::Finder(Finder {
                query: arg.to_owned(),
                ..Finder::default()
            }));
            if !arg.is_empty() {
                refind(s, false);
            }
        }
        "filter" => set_query(s, arg),
        "export" => {
            let ext = if arg.ends_with(".json") {
                "json"
            } else {
                "csv"
            };
            return super::export::effect(s, ext, Some(arg.to_owned()));
        }
        "lens" => return super::update::update(s, Action::Lens(arg.to_owned())),
        "who" => return super::update::update(s, Action::WhoHas),
        "sort" => return super::update::update(s, Action::CycleSort),
        "reload" => return start_load(s),
        "help" => s.overlay = Some(Overlay::Help { offset: 0 }),
        "" => {}
        other => s.message = Some(format!("unknown command {other:?} (try : then Tab)")),
    }
    Vec::new()
}
