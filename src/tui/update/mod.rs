//! `update(&mut State, Action) -> Vec<Effect>`: every change of the explorer's state, with no I/O.

use std::sync::Arc;

use crate::model::Target;

mod changes;
mod input;
mod nav;

pub use changes::title as changes_title;
pub use input::{FINDER_MAX, completions, find};
use nav::{back, forward};
pub use nav::{current_location, goto, jump, jump_to_target, location};

use super::action::{Action, Effect, Progress};
use super::detail::{Detail, Why};
use super::lists::{ListView, Note, target_name};
use super::state::*;
use super::why::WhyView;

/// Applies one action: every change of state, and the effects the outside world must carry out
/// (background work among them), with no I/O.
pub fn update(s: &mut State, a: Action) -> Vec<Effect> {
    let mut effects = apply(s, a);
    effects.append(&mut s.pending);
    effects
}

fn apply(s: &mut State, a: Action) -> Vec<Effect> {
    match a {
        Action::Tick(now) => {
            s.now_millis = now;
            return Vec::new();
        }
        Action::Resize(w, h) => {
            s.size = (w, h);
            fix_offsets(s);
            return Vec::new();
        }
        Action::DetailReady(generation, d) => {
            let wanted = s.list.as_ref().and_then(ListView::selected_target);
            if s.detail_gen.is_current(generation) && wanted == Some(d.target) {
                let mut d = *d;
                if let Some((t, line)) = s.detail_line.take() {
                    if t == d.target {
                        d.select_line(line);
                    }
                }
                s.detail = Some(d);
                fix_offsets(s);
            }
            return Vec::new();
        }
        Action::Filtered(generation, _query, hits) => {
            if s.filter_gen.is_current(generation) {
                if let (Some(d), Some(l)) = (s.data.clone(), s.list.as_mut()) {
                    // The text as typed (a trailing space stays): no keystroke came since.
                    let typed = l.query.clone();
                    l.apply_hits(&d.graph, &d.index, &typed, hits);
                    fix_offsets(s);
                    refresh_detail(s);
                }
            }
            return Vec::new();
        }
        Action::ListReady(generation, loc, list) => {
            if s.list_gen.is_current(generation) {
                if let Some(list) = list.take() {
                    s.list = Some(list);
                    goto(s, *loc);
                }
            }
            return Vec::new();
        }
        Action::Found(generation, query, hits) => {
            if s.finder_gen.is_current(generation) {
                if let Some(Overlay::Finder(f)) = s.overlay.as_mut() {
                    if f.query == query {
                        f.hits = hits;
                        f.hits_query = query;
                        f.sel = 0;
                    }
                }
            }
            return Vec::new();
        }
        Action::Message(m) => {
            s.message = Some(m);
            return Vec::new();
        }
        Action::ChangesReady(data, changes, show) => {
            if let Some(c) = changes.take() {
                changes::ready(s, &data, c, show);
            }
            return Vec::new();
        }
        Action::LoadRequests(generation, r) => {
            if let Some(l) = s.loading.as_mut().filter(|l| l.generation == generation) {
                l.requests = Some(r);
            }
            return Vec::new();
        }
        Action::LoadProgress(generation, p) => {
            if let Some(l) = s.loading.as_mut().filter(|l| l.generation == generation) {
                match l.stages.iter_mut().find(|x| x.stage == p.stage) {
                    // A stage's end keeps its last counts; progress keeps a known end state.
                    Some(x) if p.state.is_some() => x.state = p.state,
                    Some(x) => {
                        *x = Progress {
                            state: x.state,
                            ..p
                        }
                    }
                    None => {
                        l.stages.push(p);
                        l.stages.sort_by_key(|x| x.stage);
                    }
                }
            }
            return Vec::new();
        }
        Action::Loaded(generation, data) => {
            if s.load_gen.is_current(generation) {
                install(s, data, true);
            }
            return Vec::new();
        }
        Action::Partial(generation, seq, data) => {
            let fresh = s
                .loading
                .as_ref()
                .is_some_and(|l| l.generation == generation && seq > l.partial);
            if fresh {
                let keep = s.loading.take();
                // The stored snapshot shown while a load runs is complete; partial loads are not.
                let complete = data.stored;
                install(s, data, complete);
                s.loading = keep.map(|l| Loading { partial: seq, ..l });
            }
            return Vec::new();
        }
        Action::LoadFailed(generation, e) => {
            if s.load_gen.is_current(generation) {
                match (&s.data, s.loading.as_mut()) {
                    (None, Some(l)) => l.error = Some(e),
                    _ => {
                        s.loading = None;
                        s.message = Some(format!("reload failed: {e}"));
                    }
                }
            }
            return Vec::new();
        }
        Action::Quit => {
            s.quit = true;
            return Vec::new();
        }
        _ => {}
    }
    s.message = None;
    if s.data.is_none() {
        // The failure screen offers "r retry".
        let failed = s.loading.as_ref().is_some_and(|l| l.error.is_some());
        if failed && matches!(a, Action::Reload) {
            return start_load_with(s, true);
        }
        return Vec::new();
    }
    // The overlay or the filter line has the keyboard; what they hand back is applied here.
    let next = if s.overlay.is_some() {
        input::overlay(s, a)
    } else if s.filtering {
        input::filter(s, a)
    } else {
        Some(a)
    };
    match next {
        Some(a) => normal(s, a),
        None => Vec::new(),
    }
}

/// Starts a (re)load: the data shown stays until the new data arrives.
pub fn start_load(s: &mut State) -> Vec<Effect> {
    start_load_with(s, false)
}

/// [`start_load`]; `force`: a live source loads even when a stored snapshot is fresh enough
/// (`--max-age`): what the user's reload means.
pub fn start_load_with(s: &mut State, force: bool) -> Vec<Effect> {
    let generation = s.load_gen.begin();
    s.loading = Some(Loading {
        generation,
        ..Loading::default()
    });
    vec![Effect::Load { generation, force }]
}

fn install(s: &mut State, data: Arc<Data>, complete: bool) {
    // A Changes view indexes the data it was built on: not carried over.
    let here = current_location(s).filter(|l| !matches!(l.spec, ListSpec::Changes(_)));
    let reloaded = complete && s.data.is_some();
    changes::installed(s, &data, complete);
    s.data = Some(data);
    s.loading = None;
    // New data: the list and the detail are rebuilt from it, at the same place.
    s.list = None;
    s.detail = None;
    match here {
        Some(loc) => goto(s, loc),
        None => goto(
            s,
            Location {
                spec: ListSpec::Kind(crate::model::Kind::User),
                query: String::new(),
                selected: None,
                focus: Focus::List,
                sort: Default::default(),
                detail_line: None,
            },
        ),
    }
    if reloaded && s.message.is_none() {
        let users = s.data.as_ref().map_or(0, |d| d.graph.users.len());
        s.message = Some(format!(
            "reloaded: {}, at the same place",
            crate::model::text::count(users as i64, "user", "users")
        ));
    }
}

fn normal(s: &mut State, a: Action) -> Vec<Effect> {
    let page = s.list_height() as isize;
    // "Export again to replace it": any other key keeps the file.
    if !matches!(a, Action::Export | Action::ExportTo(_) | Action::Command(_)) {
        s.confirm_overwrite = None;
    }
    match a {
        Action::MoveDown | Action::ScrollDown => step(s, 1),
        Action::MoveUp | Action::ScrollUp => step(s, -1),
        Action::PageDown => step(s, page),
        Action::PageUp => step(s, -page),
        Action::Top => step(s, isize::MIN / 2),
        Action::Bottom => step(s, isize::MAX / 2),
        // Tab cycles the panes; h and l move to a neighbour and stop at the edges.
        Action::FocusNext => s.focus = next_focus(s.focus, 1, true),
        Action::FocusPrev => s.focus = next_focus(s.focus, -1, true),
        Action::FocusRight => s.focus = next_focus(s.focus, 1, false),
        Action::FocusLeft => s.focus = next_focus(s.focus, -1, false),
        Action::Open => match s.focus {
            Focus::Nav => s.focus = Focus::List,
            Focus::List => s.focus = Focus::Detail,
            Focus::Detail => {
                if let Some(t) = s.detail.as_ref().and_then(Detail::selected_link) {
                    jump_to_target(s, t);
                }
            }
        },
        Action::Cancel if s.list.as_ref().is_some_and(|l| !l.query.is_empty()) => {
            set_query(s, "");
        }
        // Nothing open to close: Esc goes back, as in k9s.
        Action::Back | Action::Cancel => back(s),
        Action::Forward => forward(s),
        Action::Why => why(s),
        Action::WhoHas => who_has(s),
        Action::Filter => {
            s.filtering = true;
            s.focus = Focus::List;
        }
        Action::Finder => s.overlay = Some(Overlay::Finder(Finder::default())),
        Action::Palette => {
            s.overlay = Some(Overlay::Palette(Palette {
                completions: input::completions(""),
                ..Palette::default()
            }));
        }
        Action::Help => s.overlay = Some(Overlay::Help { offset: 0 }),
        Action::CycleSort => {
            if let (Some(d), Some(l)) = (s.data.clone(), s.list.as_mut()) {
                let next = l.sort.next();
                l.set_sort(&d.graph, next);
                s.message = Some(format!("sorted {}", next.label()).trim().to_owned());
                fix_offsets(s);
                refresh_detail(s);
            }
        }
        Action::Export => return super::export::effect(s, "csv", None),
        Action::Yank => {
            if let (Some(g), Some(t)) = (s.graph(), s.selected_target()) {
                let id = super::export::target_id(g, t);
                s.message = Some(format!("copied {id}"));
                return vec![Effect::Clipboard(id)];
            }
        }
        Action::Reload => return start_load_with(s, true),
        Action::Changes => changes::open(s),
        Action::Mark => changes::mark(s),
        Action::Compare => changes::compare(s),
        Action::Diff(reference) => {
            s.message = Some(format!("comparing with {reference}…"));
            return vec![Effect::Diff { reference }];
        }
        Action::ShowKind(k) => jump(s, location(ListSpec::Kind(k), None, Focus::List)),
        Action::Lens(key) => match crate::model::audit::Lens::from_key(&key) {
            Some(l) => jump(s, location(ListSpec::Lens(l), None, Focus::List)),
            None => s.message = Some(format!("no lens {key}")),
        },
        Action::Command(line) => match input::command(&line) {
            Ok(a) => return apply(s, a),
            Err(m) if m.is_empty() => {}
            Err(m) => s.message = Some(m),
        },
        Action::Find(q) => input::open_finder(s, &q),
        Action::SetFilter(q) => set_query(s, &q),
        Action::ExportTo(path) => {
            let ext = if path.ends_with(".json") {
                "json"
            } else {
                "csv"
            };
            return super::export::effect(s, ext, Some(path));
        }
        Action::Click(x, y) => click(s, x, y),
        _ => {}
    }
    Vec::new()
}

fn next_focus(f: Focus, d: i8, wrap: bool) -> Focus {
    const ORDER: [Focus; 3] = [Focus::Nav, Focus::List, Focus::Detail];
    let i = ORDER.iter().position(|&x| x == f).unwrap_or(1) as i8;
    let next = if wrap {
        (i + d).rem_euclid(3)
    } else {
        (i + d).clamp(0, 2)
    };
    ORDER[next as usize]
}

fn clamp_step(cur: usize, delta: isize, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    (cur as isize)
        .saturating_add(delta)
        .clamp(0, len as isize - 1) as usize
}

fn step(s: &mut State, delta: isize) {
    match s.focus {
        Focus::Nav => {
            s.nav_sel = clamp_step(s.nav_sel, delta, s.nav.len());
            let spec = match s.nav[s.nav_sel] {
                NavItem::Kind(k) => ListSpec::Kind(k),
                NavItem::Lens(l) => ListSpec::Lens(l),
                NavItem::Changes => match &s.changes {
                    Some(c) => ListSpec::Changes(c.clone()),
                    None => return,
                },
            };
            if s.list.as_ref().map(|l| &l.spec) != Some(&spec) {
                goto(s, location(spec, None, Focus::Nav));
            }
        }
        Focus::List => {
            if let Some(l) = s.list.as_mut() {
                l.sel = clamp_step(l.sel, delta, l.len());
            }
            fix_offsets(s);
            refresh_detail(s);
        }
        Focus::Detail => {
            if let Some(d) = s.detail.as_mut() {
                d.step(delta);
            }
            fix_offsets(s);
        }
    }
}

pub fn fix_offsets(s: &mut State) {
    let (lh, dh) = (s.list_height(), s.detail_height());
    if let Some(l) = s.list.as_mut() {
        l.offset = fit_offset(l.sel, l.offset, lh);
    }
    if let Some(d) = s.detail.as_mut() {
        // Keep the heading above the first item visible when at the top.
        let first = d.selectable().next().unwrap_or(0);
        d.offset = if d.sel <= first && d.sel < dh {
            0
        } else {
            fit_offset(d.sel, d.offset, dh)
        };
    }
}

fn fit_offset(sel: usize, offset: usize, height: usize) -> usize {
    if sel < offset {
        sel
    } else if sel >= offset + height {
        sel + 1 - height
    } else {
        offset
    }
}

/// Rebuilds the detail when the list's selection names another entity. For big answers it only
/// asks for one (`Effect::Detail`) and shows a placeholder; the newest request wins.
pub fn refresh_detail(s: &mut State) {
    use crate::model::Kind;
    let t = s.list.as_ref().and_then(ListView::selected_target);
    if s.detail.as_ref().map(|d| d.target) == t && t.is_some() {
        return;
    }
    let Some((data, t)) = s.data.clone().zip(t) else {
        s.detail = None;
        return;
    };
    let g = &data.graph;
    let big = g.users.len() > s.background_users && t.kind != Kind::User;
    if big {
        let generation = s.detail_gen.begin();
        s.pending.push(Effect::Detail {
            generation,
            target: t,
        });
        s.detail = Some(Detail::placeholder(g, t));
    } else {
        s.detail_gen.cancel();
        s.detail = Some(Detail::build(g, t, s.now_millis));
    }
}

fn why(s: &mut State) {
    let Some(g) = s.graph() else { return };
    let view = match s.focus {
        Focus::Detail => s.detail.as_ref().and_then(|d| {
            let line = d.selected()?;
            let why = line.why.as_ref()?;
            Some(WhyView::build(
                g,
                &format!("{} → {}", d.title, line.left),
                why,
            ))
        }),
        _ => s.list.as_ref().and_then(|l| {
            let row = l.selected_row()?;
            let name = crate::model::text::sanitize(&target_name(g, row.target)).into_owned();
            match &row.note {
                Note::Who(i) => {
                    let paths = l.who.as_ref()?.paths(g, *i);
                    Some(WhyView::build(
                        g,
                        &format!("{name} · {}", l.title),
                        &Why::Paths(paths),
                    ))
                }
                Note::Reason(r) => {
                    let mut v = WhyView::build(g, "", &Why::Refused(name.clone(), vec![r.clone()]));
                    v.title = format!("{}: {name}", l.title);
                    if let Some(it) = v.items.first_mut() {
                        it.link = "finding".into();
                    }
                    Some(v)
                }
                Note::Change(i) => l.changes().and_then(|c| c.why(*i as usize)),
                Note::None => None,
            }
        }),
    };
    match view {
        Some(v) => s.overlay = Some(Overlay::Why(v)),
        None => {
            s.message = Some(format!(
                "{} explains a relation: select one in the detail pane ({}, then {}/{})",
                s.keymap.key(&Action::Why),
                s.keymap.key(&Action::FocusRight),
                s.keymap.key(&Action::MoveDown),
                s.keymap.key(&Action::MoveUp)
            ))
        }
    }
}

fn who_has(s: &mut State) {
    use crate::model::Kind;
    let mut t = s.selected_target();
    if !matches!(
        t.map(|t| t.kind),
        Some(Kind::Role | Kind::Group | Kind::App)
    ) {
        t = s.detail.as_ref().map(|d| d.target);
    }
    match t {
        Some(t) if matches!(t.kind, Kind::Role | Kind::Group | Kind::App) => {
            jump(s, location(ListSpec::Who(t), None, Focus::List));
        }
        _ => {
            s.message = Some(format!(
                "{} works on a role, a group or an application",
                s.keymap.key(&Action::WhoHas)
            ))
        }
    }
}

/// Filters the list. In a big environment the search runs in the background (the query shows at
/// once, the rows when the newest search ends); otherwise at once.
pub fn set_query(s: &mut State, q: &str) {
    let Some(d) = s.data.clone() else { return };
    let background = d.graph.users.len() > s.background_users;
    let Some(l) = s.list.as_mut() else { return };
    match l.search_job(q) {
        Some(job) if background => {
            l.query = q.to_owned();
            let generation = s.filter_gen.begin();
            s.pending.push(Effect::Filter { generation, job });
            return;
        }
        _ => {
            // Any search still running is now stale.
            s.filter_gen.cancel();
            l.set_query(&d.graph, &d.index, q);
        }
    }
    fix_offsets(s);
    refresh_detail(s);
}

/// A click: the pane and row come from the layout the screen was drawn with.
fn click(s: &mut State, x: u16, y: u16) {
    use super::ui::layout;
    let Some((pane, row)) = layout::hit(s.size, s.focus, x, y) else {
        return;
    };
    s.focus = pane;
    match pane {
        Focus::Nav => {
            if let Some(Some(item)) = layout::nav_lines(&s.nav).get(row) {
                let d = *item as isize - s.nav_sel as isize;
                step(s, d);
            }
        }
        Focus::List => {
            let target = s.list.as_ref().map_or(0, |l| l.offset + row);
            let d = target as isize - s.list.as_ref().map_or(0, |l| l.sel) as isize;
            step(s, d);
        }
        Focus::Detail => {
            if let Some(d) = s.detail.as_mut() {
                let line = d.offset + row;
                if d.selectable().any(|i| i == line) {
                    d.sel = line;
                }
            }
        }
    }
}
