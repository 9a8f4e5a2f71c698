//! The Changes view: offered after a reload, listed by what matters most, filtered, explained
//! with `w`, jumped from, exported; two users compared with `m` and `c`; views built for data
//! no longer shown are dropped.

use std::sync::Arc;

use crate::model::Graph;
use crate::model::diff::CSV_HEADER;

use super::action::{Action, Effect, Handover};
use super::changes::Changes;
use super::lists::Note;
use super::state::{Data, ListSpec, NavItem, Overlay, State};
use super::tests::{demo_data, find, keys, render, selected_name, state};
use super::update::update;

/// The demo a month later, as a reload would bring it.
fn later_data() -> Arc<Data> {
    let snapshot = crate::demo::later(&super::tests::demo_snapshot(), 1);
    Arc::new(Data::new(Graph::build(snapshot), "demo", false))
}

/// Reloads `s` with the later demo and carries out the diff the reload asks for.
fn reload_later(s: &mut State) -> Arc<Data> {
    let effects = keys(s, "r");
    let Some(Effect::Load { generation, .. }) = effects.first() else {
        panic!("{effects:?}")
    };
    let new = later_data();
    let effects = update(s, Action::Loaded(*generation, new.clone()));
    let diff = effects.iter().find_map(|e| match e {
        Effect::DiffData { old, new } => Some((old.clone(), new.clone())),
        _ => None,
    });
    let (old, shown) = diff.expect("a finished reload compares with the load before it");
    assert!(Arc::ptr_eq(&shown, &new));
    let c = Changes::diff(old.graph.clone(), shown.graph.clone(), "Changes".into());
    update(s, Action::ChangesReady(shown, Handover::new(c), false));
    new
}

#[test]
fn a_reload_offers_the_changes_most_important_first() {
    let mut s = state(120, 30);
    reload_later(&mut s);
    let msg = s.message.clone().unwrap_or_default();
    assert!(
        msg.contains("gained") && msg.contains("C shows them"),
        "{msg}"
    );
    assert!(s.nav.contains(&NavItem::Changes));
    keys(&mut s, "C");
    let l = s.list.as_ref().expect("the Changes list");
    assert!(matches!(l.spec, ListSpec::Changes(_)));
    assert!(l.len() > 50, "{}", l.len());
    // The first rows are admin roles (of a non-human subject first), groups come last.
    let lines: Vec<String> = (0..l.len())
        .filter_map(|i| l.row(i))
        .filter_map(|r| match r.note {
            Note::Change(i) => Some(l.change_line(i)),
            _ => None,
        })
        .collect();
    assert!(lines[0].contains(" role "), "{}", lines[0]);
    assert!(
        lines.last().is_some_and(|x| x.contains(" group ")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .all(|x| x.starts_with('+') || x.starts_with('-') || x.starts_with("user "))
    );
    let screen = render(&s);
    assert!(screen.contains("Changes"), "{screen}");
}

#[test]
fn changes_filter_explain_jump_and_export() {
    let mut s = state(120, 30);
    reload_later(&mut s);
    keys(&mut s, "C");
    let who = selected_name(&s);
    // Filtered by the subject's name.
    keys(&mut s, &format!("/{who}<enter>"));
    let l = s.list.as_ref().expect("list");
    assert!(!l.is_empty());
    assert!(
        (0..l.len())
            .filter_map(|i| l.row(i))
            .all(|r| r.target == l.row(0).unwrap().target)
    );
    // `w`: the chain with what changed, its hops jumpable.
    keys(&mut s, "w");
    let Some(Overlay::Why(v)) = &s.overlay else {
        panic!("no why overlay")
    };
    assert!(v.items.iter().any(|i| i.link == "what changed"));
    let hop = v.selected_target().expect("a hop in the data shown");
    keys(&mut s, "<enter>");
    assert!(s.overlay.is_none());
    assert_eq!(s.list.as_ref().and_then(|l| l.selected_target()), Some(hop));
    // Back to the Changes list, and its export has the diff's columns.
    keys(&mut s, "C");
    let effects = keys(&mut s, "e");
    let Some(Effect::Export { job, .. }) = effects.first() else {
        panic!("{effects:?}")
    };
    let (name, csv) = job.take().expect("job").render().expect("csv");
    assert_eq!(name, "pingscope-changes.csv");
    assert!(csv.starts_with(&CSV_HEADER.join(",")), "{csv}");
    assert!(csv.lines().count() > 50);
}

#[test]
fn two_users_compared_with_mark_and_compare() {
    let mut s = state(120, 30);
    keys(&mut s, "/alice.nguyen<enter>m");
    assert!(
        s.message
            .as_deref()
            .unwrap_or("")
            .starts_with("marked alice.nguyen")
    );
    keys(&mut s, "<esc>/kofi.mensah<enter>c");
    let l = s.list.as_ref().expect("list");
    assert!(
        l.title.starts_with("kofi.mensah vs alice.nguyen"),
        "{}",
        l.title
    );
    let board = find(&s, crate::model::Kind::App, "Board Portal");
    let c = match &l.spec {
        ListSpec::Changes(c) => c.0.clone(),
        _ => panic!("not the Changes list"),
    };
    // kofi has the Board Portal through Executives; alice lacks it: an "extra" of kofi's.
    let it = c
        .items
        .iter()
        .find(|i| i.target == Some(board))
        .expect("Board Portal");
    assert_eq!(it.change.change, crate::model::diff::Change::Extra);
    // Alice's groups are what kofi lacks, and joining her direct group closes them.
    assert!((0..c.items.len()).any(|i| {
        c.line(i)
            .contains("joining Platform Runtime would close it")
    }));
    insta::assert_snapshot!("changes_compare", render(&s));
}

#[test]
fn views_built_for_other_data_are_dropped_and_a_reload_clears_the_old_view() {
    let mut s = state(120, 30);
    let other = later_data();
    let c = Changes::diff(demo_data().graph.clone(), other.graph.clone(), "x".into());
    update(&mut s, Action::ChangesReady(other, Handover::new(c), true));
    assert!(s.changes.is_none(), "built for data not shown");
    let new = reload_later(&mut s);
    keys(&mut s, "C");
    assert!(matches!(
        s.list.as_ref().map(|l| &l.spec),
        Some(ListSpec::Changes(_))
    ));
    // Another reload: the view of the previous pair is gone, the list moves off it.
    let effects = keys(&mut s, "r");
    let Some(Effect::Load { generation, .. }) = effects.first() else {
        panic!()
    };
    update(&mut s, Action::Loaded(*generation, new));
    assert!(s.changes.is_none());
    assert!(!s.nav.contains(&NavItem::Changes));
    assert!(!matches!(
        s.list.as_ref().map(|l| &l.spec),
        Some(ListSpec::Changes(_))
    ));
    let effects = update(&mut s, Action::Command("diff".into()));
    assert!(!effects.iter().any(|e| matches!(e, Effect::Diff { .. })));
    assert!(
        s.message
            .as_deref()
            .unwrap_or("")
            .starts_with("diff needs a snapshot")
    );
    let effects = keys(&mut s, ":diff @2<enter>");
    assert!(effects.contains(&Effect::Diff {
        reference: "@2".into()
    }));
}

#[test]
fn snapshot_changes_view() {
    let mut s = state(120, 30);
    reload_later(&mut s);
    keys(&mut s, "C");
    insta::assert_snapshot!("changes_view", render(&s));
}
