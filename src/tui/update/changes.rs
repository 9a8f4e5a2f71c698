//! The Changes view: after a reload, on demand (`:diff @2`), and two users side by side (`m` on
//! one, `c` on the other).

use std::sync::Arc;

use super::*;
use crate::tui::changes::{Changes, ChangesRef};

/// `C`: the newest diff or comparison.
pub fn open(s: &mut State) {
    match s.changes.clone() {
        Some(c) => jump(s, location(ListSpec::Changes(c), None, Focus::List)),
        None => {
            s.message = Some(format!(
                "no changes yet: a reload ({}) compares with the load before it, `:diff @2` with a stored snapshot, {} then {} two users",
                s.keymap.key(&Action::Reload),
                s.keymap.key(&Action::Mark),
                s.keymap.key(&Action::Compare)
            ));
        }
    }
}

/// A diff or comparison is ready: it becomes the Changes entry, and is offered.
pub fn ready(s: &mut State, data: &Arc<Data>, changes: Changes, show: bool) {
    if !s.data.as_ref().is_some_and(|d| Arc::ptr_eq(d, data)) {
        // Built for data no longer shown: its rows would point at the wrong entities.
        return;
    }
    let line = format!("{}: {}", changes.title, changes.summary);
    let c = ChangesRef(Arc::new(changes));
    s.changes = Some(c.clone());
    if !s.nav.contains(&NavItem::Changes) {
        s.nav.push(NavItem::Changes);
    }
    if show {
        jump(s, location(ListSpec::Changes(c), None, Focus::List));
    }
    s.message = Some(if show {
        line
    } else {
        format!("{line} · {} shows them", s.keymap.key(&Action::Changes))
    });
}

/// `m`: remember the selected user.
pub fn mark(s: &mut State) {
    let (Some(g), Some(t)) = (s.graph(), s.selected_target()) else {
        return;
    };
    if t.kind != crate::model::Kind::User {
        s.message = Some("select a user to mark".into());
        return;
    }
    let name = crate::model::text::sanitize(&target_name(g, t)).into_owned();
    s.marked = Some(t);
    s.message = Some(format!(
        "marked {name}: select another user and press {} to compare",
        s.keymap.key(&Action::Compare)
    ));
}

/// `c`: the selected user against the marked one (two users: computed at once).
pub fn compare(s: &mut State) {
    let (Some(data), Some(t)) = (s.data.clone(), s.selected_target()) else {
        return;
    };
    let Some(marked) = s.marked else {
        s.message = Some(format!(
            "mark a user first ({}), then select the one to compare with her",
            s.keymap.key(&Action::Mark)
        ));
        return;
    };
    if t.kind != crate::model::Kind::User || t == marked {
        s.message = Some("select another user to compare with the marked one".into());
        return;
    }
    let g = &data.graph;
    let changes = Changes::compare(
        g.clone(),
        crate::model::UserIx(t.ix),
        crate::model::UserIx(marked.ix),
    );
    ready(s, &data, changes, true);
}

/// New data is shown: a view built on the old one is dropped (its rows index the old data), and
/// a finished load is compared with the last complete data before it.
pub fn installed(s: &mut State, data: &Arc<Data>, complete: bool) {
    s.marked = None;
    if s.changes.take().is_some() {
        s.nav.retain(|n| *n != NavItem::Changes);
        s.nav_sel = s.nav_sel.min(s.nav.len().saturating_sub(1));
        s.history
            .retain(|l| !matches!(l.spec, ListSpec::Changes(_)));
        s.forward
            .retain(|l| !matches!(l.spec, ListSpec::Changes(_)));
    }
    if !complete {
        return;
    }
    if let Some(old) = s.base.replace(data.clone()) {
        let same_env = old.graph.environment.id == data.graph.environment.id;
        if same_env && !Arc::ptr_eq(&old, data) {
            s.pending.push(Effect::DiffData {
                old,
                new: data.clone(),
            });
        }
    }
}

/// The title of a diff against an earlier look.
pub fn title(against: &str, old: &crate::model::Graph) -> String {
    let day: String = old.meta.taken_at.to_string().chars().take(10).collect();
    format!("Changes since {against} ({day})")
}
