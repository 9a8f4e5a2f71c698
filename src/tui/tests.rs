//! Headless tests: key sequences driven through `action_for_key` + `update`, and screens rendered
//! on ratatui's `TestBackend` compared with insta snapshots.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use unicode_width::UnicodeWidthStr;

use crate::demo::DEMO_NOW_MILLIS;
use crate::model::{Graph, Snapshot};
use crate::model::{Kind, Target};
use crate::source::DEMO_SNAPSHOT;

use super::action::{Action, Effect};
use super::keymap::Keymap;
use super::state::{Data, Focus, ListSpec, Location, Overlay, State};
use super::theme::Theme;
use super::update::update;
use super::{action_for_key, ui};

pub(super) fn demo_snapshot() -> Snapshot {
    Snapshot::from_bytes(DEMO_SNAPSHOT, Path::new("demo")).expect("demo asset")
}

pub(super) fn demo_data() -> Arc<Data> {
    static DATA: OnceLock<Arc<Data>> = OnceLock::new();
    DATA.get_or_init(|| {
        let snap = Snapshot::from_bytes(DEMO_SNAPSHOT, Path::new("demo")).expect("demo asset");
        Arc::new(Data::new(Graph::build(snap), "demo", false))
    })
    .clone()
}

/// The demo loaded at `w`×`h`, a week after it was taken.
pub(super) fn state(w: u16, h: u16) -> State {
    let week = 7 * 86_400_000;
    let mut s = State::new(Keymap::default(), Theme::plain(), DEMO_NOW_MILLIS + week);
    // Exports are checked against what exists: a directory of its own, not the working one.
    s.export_dir = tempfile::tempdir().expect("tempdir").keep();
    update(&mut s, Action::Resize(w, h));
    update(&mut s, Action::Loaded(0, demo_data()));
    s
}

/// Types keys: plain characters, or `<enter>`, `<esc>`, `<ctrl-p>`, `<bs>`, `<tab>`, `<down>`.
pub(super) fn keys(s: &mut State, seq: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    let mut rest = seq;
    while let Some(c) = rest.chars().next() {
        let (ev, len) = if c == '<' {
            let end = rest.find('>').expect("closing >");
            let name = &rest[1..end];
            let ev = match name {
                "enter" => KeyEvent::from(KeyCode::Enter),
                "esc" => KeyEvent::from(KeyCode::Esc),
                "bs" => KeyEvent::from(KeyCode::Backspace),
                "tab" => KeyEvent::from(KeyCode::Tab),
                "down" => KeyEvent::from(KeyCode::Down),
                "up" => KeyEvent::from(KeyCode::Up),
                "lt" => KeyEvent::from(KeyCode::Char('<')),
                n if n.starts_with("ctrl-") => KeyEvent::new(
                    KeyCode::Char(n.chars().last().expect("key")),
                    KeyModifiers::CONTROL,
                ),
                other => panic!("unknown key {other}"),
            };
            (ev, end + 1)
        } else {
            let m = if c.is_uppercase() {
                KeyModifiers::SHIFT
            } else {
                KeyModifiers::NONE
            };
            (KeyEvent::new(KeyCode::Char(c), m), c.len_utf8())
        };
        rest = &rest[len..];
        if let Some(a) = action_for_key(s, &ev) {
            effects.extend(update(s, a));
        }
    }
    effects
}

pub(super) fn render(s: &State) -> String {
    let mut t = Terminal::new(TestBackend::new(s.size.0, s.size.1)).expect("test backend");
    t.draw(|f| ui::draw(f, s)).expect("draw");
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..buf.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            skip = sym.width().saturating_sub(1);
            line.push_str(sym);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

pub(super) fn selected_name(s: &State) -> String {
    let g = s.graph().expect("loaded");
    s.list
        .as_ref()
        .and_then(|l| l.selected_target())
        .map(|t| super::lists::target_name(g, t))
        .unwrap_or_default()
}

pub(super) fn find(s: &State, kind: Kind, name: &str) -> Target {
    let g = s.graph().expect("loaded");
    let ix = (0..g.count(kind) as u32)
        .find(|&ix| super::lists::target_name(g, Target { kind, ix }) == name)
        .expect(name);
    Target { kind, ix }
}

// ---- update: navigation, history, filtering, drill-down ----

#[test]
fn moving_the_list_updates_the_detail_at_once() {
    let mut s = state(100, 30);
    assert_eq!(s.focus, Focus::List);
    let first = s.detail.as_ref().map(|d| d.target);
    keys(&mut s, "j");
    let second = s.detail.as_ref().map(|d| d.target);
    assert_ne!(first, second);
    assert_eq!(second, s.list.as_ref().and_then(|l| l.selected_target()));
    keys(&mut s, "G");
    assert_eq!(s.list.as_ref().map(|l| l.sel), Some(479));
    assert!(
        s.list
            .as_ref()
            .is_some_and(|l| l.offset + s.list_height() > 479)
    );
    keys(&mut s, "g");
    assert_eq!(s.list.as_ref().map(|l| (l.sel, l.offset)), Some((0, 0)));
}

#[test]
fn navigator_switches_kinds_and_lenses() {
    let mut s = state(100, 30);
    keys(&mut s, "hj");
    assert_eq!(s.focus, Focus::Nav);
    assert_eq!(
        s.list.as_ref().map(|l| l.spec.clone()),
        Some(ListSpec::Kind(Kind::Group))
    );
    assert_eq!(s.list.as_ref().map(|l| l.len()), Some(80));
    keys(&mut s, "jjjjj");
    assert!(matches!(
        s.list.as_ref().map(|l| &l.spec),
        Some(ListSpec::Lens(_))
    ));
    keys(&mut s, "<enter>");
    assert_eq!(s.focus, Focus::List);
}

#[test]
fn filter_narrows_as_you_type_and_esc_clears() {
    let mut s = state(100, 30);
    keys(&mut s, "/alice.n");
    assert!(s.filtering);
    assert_eq!(selected_name(&s), "alice.nguyen");
    let narrowed = s.list.as_ref().map_or(0, |l| l.len());
    assert!((1..480).contains(&narrowed), "{narrowed}");
    // j while typing is text; Enter gives the keys back to the list.
    keys(&mut s, "<bs><bs>");
    let wider = s.list.as_ref().map_or(0, |l| l.len());
    assert!(wider >= narrowed);
    keys(&mut s, ".n<enter>");
    assert!(!s.filtering);
    assert_eq!(s.list.as_ref().map(|l| l.query.as_str()), Some("alice.n"));
    keys(&mut s, "<esc>");
    assert_eq!(s.list.as_ref().map(|l| l.len()), Some(480));
    // The filtered selection is kept when the filter goes (Esc while typing, or after Enter).
    assert_eq!(selected_name(&s), "alice.nguyen");
    keys(&mut s, "/kofi<esc>");
    assert_eq!(s.list.as_ref().map(|l| l.len()), Some(480));
    assert!(
        selected_name(&s).starts_with("kofi"),
        "{}",
        selected_name(&s)
    );
}

#[test]
fn h_and_l_stop_at_the_edges_tab_cycles_and_esc_goes_back() {
    let mut s = state(100, 30);
    keys(&mut s, "l");
    assert_eq!(s.focus, Focus::Detail);
    keys(&mut s, "l");
    assert_eq!(s.focus, Focus::Detail, "l on the detail stays there");
    keys(&mut s, "hhh");
    assert_eq!(s.focus, Focus::Nav, "h on the navigator stays there");
    keys(&mut s, "<tab>");
    assert_eq!(s.focus, Focus::List);
    keys(&mut s, "<tab><tab>");
    assert_eq!(s.focus, Focus::Nav, "Tab cycles");
    // Esc with nothing open goes back.
    keys(&mut s, ":groups<enter>");
    assert_eq!(
        s.list.as_ref().map(|l| l.spec.clone()),
        Some(ListSpec::Kind(Kind::Group))
    );
    keys(&mut s, "<esc>");
    assert_eq!(
        s.list.as_ref().map(|l| l.spec.clone()),
        Some(ListSpec::Kind(Kind::User))
    );
}

#[test]
fn palette_switches_kinds_and_tab_cycles_its_completions() {
    let mut s = state(100, 30);
    for (cmd, kind) in [
        ("apps", Kind::App),
        ("roles", Kind::Role),
        ("populations", Kind::Population),
        ("gateways", Kind::Gateway),
        ("users", Kind::User),
    ] {
        keys(&mut s, &format!(":{cmd}<enter>"));
        assert_eq!(
            s.list.as_ref().map(|l| l.spec.clone()),
            Some(ListSpec::Kind(kind)),
            "{cmd}"
        );
    }
    // "e" completes to the first command starting with it; Tab again gives the next.
    keys(&mut s, ":e<tab>");
    let first = palette_text(&s);
    keys(&mut s, "<tab>");
    let second = palette_text(&s);
    assert!(
        first.starts_with('e') && second.starts_with('e'),
        "{first} {second}"
    );
    assert_ne!(first, second);
    keys(&mut s, "<esc>");
}

fn palette_text(s: &State) -> String {
    match &s.overlay {
        Some(Overlay::Palette(p)) => p.text.clone(),
        _ => String::new(),
    }
}

#[test]
fn drill_down_jumps_and_history_goes_back_and_forward() {
    let mut s = state(100, 30);
    keys(&mut s, "/alice.nguyen<enter>l");
    assert_eq!(s.focus, Focus::Detail);
    // Down to the first application the user can use, and open it.
    let confluence = find(&s, Kind::App, "Confluence");
    let line = s
        .detail
        .as_ref()
        .and_then(|d| d.lines.iter().position(|l| l.link == Some(confluence)))
        .expect("Confluence in alice's detail");
    while s.detail.as_ref().is_some_and(|d| d.sel < line) {
        keys(&mut s, "j");
    }
    keys(&mut s, "<enter>");
    assert_eq!(s.detail.as_ref().map(|d| d.target), Some(confluence));
    assert_eq!(
        s.list.as_ref().map(|l| l.spec.clone()),
        Some(ListSpec::Kind(Kind::App))
    );
    assert_eq!(s.history.len(), 1);
    keys(&mut s, "-");
    assert_eq!(selected_name(&s), "alice.nguyen");
    assert_eq!(
        s.list.as_ref().map(|l| l.query.as_str()),
        Some("alice.nguyen")
    );
    keys(&mut s, "]");
    assert_eq!(s.detail.as_ref().map(|d| d.target), Some(confluence));
    keys(&mut s, "[");
    assert_eq!(selected_name(&s), "alice.nguyen");
}

#[test]
fn why_shows_the_chain_and_enter_jumps_to_a_hop() {
    let mut s = state(100, 30);
    keys(&mut s, "/alice.nguyen<enter>l");
    let confluence = find(&s, Kind::App, "Confluence");
    while s.detail.as_ref().and_then(|d| d.selected_link()) != Some(confluence) {
        keys(&mut s, "j");
    }
    keys(&mut s, "w");
    let Some(Overlay::Why(v)) = &s.overlay else {
        panic!("no why overlay")
    };
    let names: Vec<&str> = v.items.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(
        names,
        [
            "alice.nguyen",
            "Platform Runtime",
            "Platform",
            "Engineering",
            "Technology",
            "All Staff",
            "Confluence"
        ]
    );
    // Down to "Engineering" and jump there.
    keys(&mut s, "jjj<enter>");
    assert!(s.overlay.is_none());
    assert_eq!(selected_name(&s), "Engineering");
    keys(&mut s, "-");
    assert_eq!(selected_name(&s), "alice.nguyen");
}

#[test]
fn refused_application_explains_why_not() {
    let mut s = state(100, 30);
    keys(&mut s, "/sam.okafor<enter>l");
    let aws = find(&s, Kind::App, "AWS Console");
    let refused_line = s
        .detail
        .as_ref()
        .and_then(|d| {
            let head = d.lines.iter().position(|l| l.left.starts_with("Refused"))?;
            d.lines
                .iter()
                .skip(head)
                .position(|l| l.link == Some(aws))
                .map(|p| p + head)
        })
        .expect("AWS Console refused");
    while s.detail.as_ref().is_some_and(|d| d.sel < refused_line) {
        keys(&mut s, "j");
    }
    keys(&mut s, "w");
    let Some(Overlay::Why(v)) = &s.overlay else {
        panic!("no why overlay")
    };
    assert!(v.title.starts_with("Why not: AWS Console"), "{}", v.title);
    assert!(
        v.items.iter().any(|i| i.text.contains("Production Access")),
        "{v:?}"
    );
}

#[test]
fn who_has_lists_every_holder_and_sorts() {
    let mut s = state(100, 30);
    let confluence = find(&s, Kind::App, "Confluence");
    keys(&mut s, "hjjj<enter>");
    assert_eq!(
        s.list.as_ref().map(|l| l.spec.clone()),
        Some(ListSpec::Kind(Kind::App))
    );
    let l = s.list.as_mut().expect("list");
    l.select_target(confluence);
    super::update::refresh_detail(&mut s);
    keys(&mut s, "W");
    let l = s.list.as_ref().expect("who list");
    assert_eq!(l.spec, ListSpec::Who(confluence));
    let all_staff = l.len();
    assert!(all_staff > 300, "{all_staff}");
    keys(&mut s, "s");
    assert_eq!(
        s.list.as_ref().map(|l| l.sort),
        Some(super::lists::Sort::Name)
    );
    let names: Vec<String> = (0..5)
        .map(|i| {
            let t = s
                .list
                .as_ref()
                .and_then(|l| l.row(i))
                .map(|r| r.target)
                .expect("row");
            super::lists::target_name(s.graph().expect("g"), t).to_lowercase()
        })
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    keys(&mut s, "/alice<enter>");
    assert!(
        s.list
            .as_ref()
            .is_some_and(|l| !l.is_empty() && l.len() < all_staff)
    );
    keys(&mut s, "w");
    assert!(matches!(s.overlay, Some(Overlay::Why(_))));
}

/// Who-has, lens and Changes lists filter on every visible column, not only on names.
#[test]
fn lists_filter_on_every_visible_column() {
    let mut s = state(100, 30);
    let grafana = find(&s, Kind::App, "Grafana");
    super::update::jump_to_target(&mut s, grafana);
    s.focus = Focus::List;
    keys(&mut s, "W");
    assert_eq!(
        s.list.as_ref().map(|l| l.spec.clone()),
        Some(ListSpec::Who(grafana))
    );
    let total = s.list.as_ref().map_or(0, |l| l.len());
    assert!(total > 0);
    // "via Platform" is in the how column of some rows, no one is named Platform.
    keys(&mut s, "/Platform<enter>");
    let data = s.data.clone().expect("data");
    let g = &data.graph;
    let l = s.list.as_ref().expect("list");
    assert!((1..total).contains(&l.len()), "{} of {total}", l.len());
    for i in 0..l.len() {
        let r = l.row(i).expect("row");
        assert!(
            l.note_text(g, r).contains("Platform"),
            "{}",
            l.note_text(g, r)
        );
    }
    // Status words: the disabled ones.
    keys(&mut s, "<esc>/disabled<enter>");
    let l = s.list.as_ref().expect("list");
    assert!(!l.is_empty() && l.len() < total);
    for i in 0..l.len() {
        let t = l.row(i).expect("row").target;
        assert!(!g.users[t.ix as usize].enabled);
    }
    // A lens by its reason.
    keys(&mut s, "<esc>:lens privileged-weak<enter>/MFA off<enter>");
    let l = s.list.as_ref().expect("list");
    assert!(!l.is_empty());
    for i in 0..l.len() {
        let r = l.row(i).expect("row");
        assert!(l.note_text(g, r).contains("MFA off"));
    }
}

#[test]
fn finder_reaches_every_kind_and_palette_runs_commands() {
    let mut s = state(100, 30);
    keys(&mut s, "<ctrl-p>platform adm");
    let Some(Overlay::Finder(f)) = &s.overlay else {
        panic!("no finder")
    };
    assert_eq!(f.hits.first().map(|h| h.target.kind), Some(Kind::Group));
    keys(&mut s, "<enter>");
    assert_eq!(selected_name(&s), "Platform Admins");
    keys(&mut s, ":lens no-m<tab><enter>");
    assert!(
        matches!(s.list.as_ref().map(|l| &l.spec), Some(ListSpec::Lens(l)) if l.key() == "no-mfa")
    );
    let effects = keys(&mut s, ":export out.json<enter>");
    match effects.as_slice() {
        [Effect::Export { path, job }] => {
            assert!(
                path.as_deref().is_some_and(|p| p.ends_with("/out.json")),
                "{path:?}"
            );
            let (_, contents) = job.take().expect("a job").render().expect("rendered");
            let v: serde_json::Value = serde_json::from_str(&contents).expect("json");
            assert!(v.as_array().is_some_and(|a| !a.is_empty()));
        }
        other => panic!("{other:?}"),
    }
    let effects = keys(&mut s, "y");
    assert!(matches!(effects.as_slice(), [Effect::Clipboard(id)] if !id.is_empty()));
}

#[test]
fn stale_load_results_are_dropped() {
    let mut s = State::new(Keymap::default(), Theme::plain(), DEMO_NOW_MILLIS);
    let first = super::update::start_load(&mut s);
    let second = super::update::start_load(&mut s);
    assert_ne!(first, second);
    update(&mut s, Action::Loaded(1, demo_data()));
    assert!(s.data.is_none(), "generation 1 was superseded by 2");
    update(&mut s, Action::Loaded(2, demo_data()));
    assert!(s.data.is_some());
}

#[test]
fn reload_keeps_the_place_and_progress_keeps_counts() {
    let mut s = state(100, 30);
    keys(&mut s, "/priya<enter>");
    let effects = keys(&mut s, "r");
    // The user's reload loads afresh, whatever --max-age allows.
    let [
        Effect::Load {
            generation,
            force: true,
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    let p = |done, state| {
        Action::LoadProgress(
            *generation,
            super::action::Progress {
                stage: crate::model::Stage::UserMemberships,
                done,
                total: Some(480),
                requests: done,
                rate: 10.0,
                state,
            },
        )
    };
    update(&mut s, p(40, None));
    update(&mut s, p(0, Some(crate::model::StageState::Complete)));
    let stages = &s.loading.as_ref().expect("loading").stages;
    assert_eq!(
        (stages[0].done, stages[0].state),
        (40, Some(crate::model::StageState::Complete))
    );
    assert!(render(&s).contains("reloading"));
    update(&mut s, Action::Loaded(*generation, demo_data()));
    assert!(s.loading.is_none());
    assert_eq!(selected_name(&s), "priya.raman");
    assert_eq!(s.list.as_ref().map(|l| l.query.as_str()), Some("priya"));
    // It says so.
    assert!(
        s.message
            .as_deref()
            .is_some_and(|m| m.contains("reloaded") || m.contains("Changes")),
        "{:?}",
        s.message
    );
}

/// A sort and the detail's cursor survive a reload, history back and forward.
#[test]
fn sort_and_detail_cursor_survive_reload_and_history() {
    let mut s = state(100, 30);
    let sort_of = |s: &State| s.list.as_ref().map(|l| l.sort);
    keys(&mut s, "s");
    let sorted = sort_of(&s);
    assert_ne!(sorted, Some(super::lists::Sort::Natural));
    let first = selected_name(&s);
    // The detail's cursor a few lines down.
    keys(&mut s, "ljjj");
    let line = s.detail.as_ref().map(|d| d.sel);
    // Away (Enter jumps to the selected hop) and back.
    keys(&mut s, "<enter>");
    keys(&mut s, "-");
    assert_eq!(sort_of(&s), sorted, "back keeps the sort");
    assert_eq!(selected_name(&s), first);
    assert_eq!(
        s.detail.as_ref().map(|d| d.sel),
        line,
        "back keeps the detail's cursor"
    );
    keys(&mut s, "]");
    keys(&mut s, "-");
    assert_eq!(sort_of(&s), sorted, "forward and back keep the sort");
    // A reload keeps both.
    let effects = keys(&mut s, "r");
    let [Effect::Load { generation, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    update(&mut s, Action::Loaded(*generation, demo_data()));
    assert_eq!(sort_of(&s), sorted, "reload keeps the sort");
    assert_eq!(
        s.detail.as_ref().map(|d| d.sel),
        line,
        "reload keeps the detail's cursor"
    );
}

/// The last background detail asked for among `effects`.
fn detail_effect(effects: &[Effect]) -> Option<(u64, Target)> {
    effects.iter().rev().find_map(|e| match e {
        Effect::Detail { generation, target } => Some((*generation, *target)),
        _ => None,
    })
}

/// The last background filter search asked for among `effects`.
pub(super) fn filter_effect(effects: Vec<Effect>) -> Option<(u64, super::lists::SearchJob)> {
    effects.into_iter().rev().find_map(|e| match e {
        Effect::Filter { generation, job } => Some((generation, job)),
        _ => None,
    })
}

#[test]
fn big_finder_searches_run_in_the_background_and_the_latest_wins() {
    let mut s = state(100, 30);
    s.background_users = 0;
    let effects = keys(&mut s, "<ctrl-p>alice");
    let finds: Vec<(u64, String)> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Find {
                generation, query, ..
            } => Some((*generation, query.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(finds.len(), 5, "one search per keystroke: {finds:?}");
    let (old, _) = finds[0].clone();
    let (new, q) = finds[4].clone();
    assert_eq!(q, "alice");
    let d = demo_data();
    let hits = super::update::find(&d, &q, None);
    update(&mut s, Action::Found(old, "a".into(), Vec::new()));
    let Some(Overlay::Finder(f)) = &s.overlay else {
        panic!("finder")
    };
    assert!(
        f.hits.is_empty(),
        "nothing yet, and a stale answer is dropped"
    );
    update(&mut s, Action::Found(new, q.clone(), hits.clone()));
    let Some(Overlay::Finder(f)) = &s.overlay else {
        panic!("finder")
    };
    assert_eq!(f.hits, hits);
}

#[test]
fn big_details_are_computed_in_the_background_and_the_latest_wins() {
    let mut s = state(100, 30);
    s.background_users = 0;
    let (g1, t1) = detail_effect(&keys(&mut s, "hjjj<enter>")).expect("a job for the first app");
    assert!(
        s.detail
            .as_ref()
            .is_some_and(|d| d.lines[0].left == "computing…")
    );
    let (g2, t2) = detail_effect(&keys(&mut s, "j")).expect("a job for the second app");
    assert!(g2 > g1 && t1 != t2);
    let g = s.graph().expect("graph");
    let stale = super::detail::Detail::build(g, t1, 0);
    let fresh = super::detail::Detail::build(g, t2, 0);
    update(&mut s, Action::DetailReady(g1, Box::new(stale)));
    assert!(
        s.detail
            .as_ref()
            .is_some_and(|d| d.lines[0].left == "computing…")
    );
    update(&mut s, Action::DetailReady(g2, Box::new(fresh.clone())));
    assert_eq!(s.detail.as_ref(), Some(&fresh));
}

#[test]
fn partial_live_data_opens_the_explorer_while_loading_goes_on() {
    let mut s = State::new(Keymap::default(), Theme::plain(), DEMO_NOW_MILLIS);
    update(&mut s, Action::Resize(100, 30));
    let effects = super::update::start_load(&mut s);
    let [Effect::Load { generation, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    // What a load knows before the per-user stages: no memberships yet.
    let partial = {
        let mut snap = Snapshot::from_bytes(DEMO_SNAPSHOT, Path::new("demo")).expect("demo");
        for u in &mut snap.users {
            u.memberships = None;
        }
        Arc::new(Data::new(Graph::build(snap), "partial", true))
    };
    update(&mut s, Action::Partial(*generation, 2, partial));
    assert!(s.data.is_some() && s.loading.is_some());
    keys(&mut s, "/priya<enter>");
    let groups_line = |s: &State| {
        s.detail
            .as_ref()
            .and_then(|d| d.lines.iter().find(|l| l.left.starts_with("Groups")))
            .map(|l| l.left.clone())
            .unwrap_or_default()
    };
    assert_eq!(groups_line(&s), "Groups  0 direct · 0 inherited");
    assert!(
        s.detail
            .as_ref()
            .is_some_and(|d| d.lines.iter().any(|l| l.left.starts_with("INCOMPLETE"))),
        "the partial detail must say it is incomplete"
    );
    // An older partial arriving late is dropped; the final data keeps the place.
    let before = s.data.clone();
    let late = {
        let snap = Snapshot::from_bytes(DEMO_SNAPSHOT, Path::new("demo")).expect("demo asset");
        Arc::new(Data::new(Graph::build(snap), "late", true))
    };
    update(&mut s, Action::Partial(*generation, 1, late));
    assert!(Arc::ptr_eq(
        s.data.as_ref().expect("data"),
        before.as_ref().expect("data")
    ));
    assert!(render(&s).contains("loading"));
    update(&mut s, Action::Loaded(*generation, demo_data()));
    assert!(s.loading.is_none());
    assert_eq!(selected_name(&s), "priya.raman");
    assert_eq!(
        groups_line(&s),
        "Groups  2 direct · 3 inherited",
        "detail not rebuilt"
    );
}

#[test]
fn clicks_focus_panes_and_select_rows() {
    let mut s = state(100, 30);
    // Row 2 of the screen is the list's first row; row 4 its third.
    update(&mut s, Action::Click(30, 4));
    assert_eq!(
        (s.focus, s.list.as_ref().map(|l| l.sel)),
        (Focus::List, Some(2))
    );
    // The navigator's second row: Groups.
    update(&mut s, Action::Click(3, 3));
    assert_eq!(s.focus, Focus::Nav);
    assert_eq!(
        s.list.as_ref().map(|l| l.spec.clone()),
        Some(ListSpec::Kind(Kind::Group))
    );
    update(&mut s, Action::ScrollDown);
    assert_eq!(
        s.list.as_ref().map(|l| l.spec.clone()),
        Some(ListSpec::Kind(Kind::Role))
    );
    // A selectable line of the detail.
    update(&mut s, Action::Click(90, 2 + 4));
    assert_eq!(s.focus, Focus::Detail);
}

#[test]
fn big_filters_search_in_the_background_and_the_latest_wins() {
    let mut s = state(100, 30);
    s.background_users = 0;
    let (g1, job1) = filter_effect(keys(&mut s, "/al")).expect("a search for al");
    assert_eq!(
        s.list.as_ref().map(|l| (l.query.as_str(), l.len())),
        Some(("al", 480))
    );
    let (g2, job2) = filter_effect(keys(&mut s, "i")).expect("a search for ali");
    assert!(g2 > g1);
    let d = demo_data();
    let stale = job1.run(&d.graph, &d.index);
    let fresh = job2.run(&d.graph, &d.index);
    update(&mut s, Action::Filtered(g1, job1.query.clone(), stale));
    assert_eq!(
        s.list.as_ref().map(|l| l.len()),
        Some(480),
        "a stale search was shown"
    );
    let n = fresh.len();
    update(&mut s, Action::Filtered(g2, job2.query.clone(), fresh));
    assert_eq!(s.list.as_ref().map(|l| l.len()), Some(n));
    assert_eq!(s.list.as_ref().map(|l| l.query.as_str()), Some("ali"));
    // A trailing space survives its search's result.
    let (g, job) = filter_effect(keys(&mut s, " ")).expect("a search for 'ali '");
    let hits = job.run(&d.graph, &d.index);
    update(&mut s, Action::Filtered(g, job.query.clone(), hits));
    assert_eq!(s.list.as_ref().map(|l| l.query.as_str()), Some("ali "));
    let (g, job) = filter_effect(keys(&mut s, "<bs>")).expect("a search for 'ali'");
    let hits = job.run(&d.graph, &d.index);
    update(&mut s, Action::Filtered(g, job.query.clone(), hits));
    // The next keystroke narrows within the hits of "ali" and gives the same as a fresh search.
    let (_, job3) = filter_effect(keys(&mut s, "c")).expect("a search for alic");
    assert_eq!(
        job3.run(&d.graph, &d.index),
        d.index.search(&d.graph, "alic", Some(Kind::User))
    );
}

#[test]
fn a_profile_label_shows_in_the_status_line_with_its_colour_cue() {
    let snap = Snapshot::from_bytes(DEMO_SNAPSHOT, Path::new("demo")).expect("demo asset");
    let mut data = Data::new(Graph::build(snap), "live · profile prod", true);
    data.cue = Some(("prod".into(), Some("red".into())));
    let mut s = State::new(Keymap::default(), Theme::plain(), DEMO_NOW_MILLIS);
    update(&mut s, Action::Resize(160, 30));
    update(&mut s, Action::Loaded(0, Arc::new(data)));
    let screen = render(&s);
    let status = screen.lines().next().unwrap_or_default();
    assert!(status.contains("live · profile prod"), "{status}");
    assert!(status.contains(" prod "), "{status}");
    let mut t = Terminal::new(TestBackend::new(160, 30)).expect("test backend");
    t.draw(|f| ui::draw(f, &s)).expect("draw");
    let buf = t.backend().buffer();
    let cue = (0..160u16)
        .map(|x| &buf[(x, 0)])
        .find(|c| c.bg == ratatui::style::Color::Red);
    if std::env::var_os("NO_COLOR").is_none() {
        assert!(cue.is_some(), "the label has a red background: {status}");
    }
}

#[test]
fn big_lenses_are_built_in_the_background_and_the_latest_wins() {
    use crate::model::audit::Lens;
    let mut s = state(100, 30);
    s.background_users = 0;
    let list_effect = |effects: Vec<Effect>| {
        effects.into_iter().find_map(|e| match e {
            Effect::List { generation, loc } => Some((generation, loc)),
            _ => None,
        })
    };
    let (g1, loc1) = list_effect(keys(&mut s, ":lens stale<enter>")).expect("a list job");
    assert_eq!(
        s.list.as_ref().map(|l| (l.title.as_str(), l.len())),
        Some(("computing…", 0))
    );
    let (g2, loc2) = list_effect(keys(&mut s, ":lens no-mfa<enter>")).expect("a second job");
    let g = s.graph().expect("graph");
    let build = |loc: &Location| {
        super::action::Handover::new(
            super::lists::ListView::build(g, &loc.spec, Default::default()).expect("a list"),
        )
    };
    let (stale, fresh) = (build(&loc1), build(&loc2));
    update(&mut s, Action::ListReady(g1, loc1, stale));
    assert_eq!(
        s.list.as_ref().map(|l| l.len()),
        Some(0),
        "a stale list was shown"
    );
    update(&mut s, Action::ListReady(g2, loc2, fresh));
    let l = s.list.as_ref().expect("list");
    assert_eq!(l.spec, ListSpec::Lens(Lens::NoMfa));
    assert!(!l.is_empty());
}

/// A group's relations come before its members and a nesting cycle is named; an application's
/// policy groups are selectable and open; wide terminals show whole lens names; one finder hit
/// is "1 hit".
#[test]
fn details_put_relations_first_and_name_cycles_and_policy_groups() {
    let mut s = state(170, 40);
    let incident = find(&s, Kind::Group, "Incident Response");
    super::update::jump_to_target(&mut s, incident);
    let d = s.detail.as_ref().expect("detail");
    let at = |prefix: &str| d.lines.iter().position(|l| l.left.starts_with(prefix));
    assert!(at("in a nesting cycle with").is_some(), "{:?}", d.lines);
    let (parents, members) = (at("Parents").unwrap(), at("Members").unwrap());
    assert!(parents < members && at("Applications it opens").unwrap() < members);
    // AWS Console's policy groups: selectable, Enter opens one.
    let aws = find(&s, Kind::App, "AWS Console");
    super::update::jump_to_target(&mut s, aws);
    s.focus = Focus::Detail;
    let sre = find(&s, Kind::Group, "SRE");
    let d = s.detail.as_ref().expect("detail");
    let line = d
        .lines
        .iter()
        .position(|l| l.link == Some(sre))
        .expect("SRE listed");
    let heading = d
        .lines
        .iter()
        .position(|l| l.left.starts_with("Policy groups"))
        .unwrap();
    assert!(heading < line);
    while s.detail.as_ref().is_some_and(|d| d.sel < line) {
        keys(&mut s, "j");
    }
    keys(&mut s, "<enter>");
    assert_eq!(selected_name(&s), "SRE");
    // The navigator is wide enough for the lenses' whole names at 170 columns.
    let screen = render(&s);
    assert!(screen.contains("Disabled or locked with roles"), "{screen}");
    // "1 hit", not "1 hits".
    keys(&mut s, "<ctrl-p>alice.nguyen");
    let screen = render(&s);
    assert!(
        screen.contains(" 1 hit") && !screen.contains("1 hits"),
        "{screen}"
    );
}
