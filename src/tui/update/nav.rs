//! Where the user is, and moving there: locations, jumps, history back and forward.

use super::*;

pub fn location(spec: ListSpec, selected: Option<Target>, focus: Focus) -> Location {
    Location {
        spec,
        query: String::new(),
        selected,
        focus,
        sort: Default::default(),
        detail_line: None,
    }
}

pub fn current_location(s: &State) -> Option<Location> {
    let l = s.list.as_ref()?;
    let selected = l.selected_target();
    Some(Location {
        spec: l.spec.clone(),
        query: l.query.clone(),
        selected,
        focus: s.focus,
        sort: l.sort,
        detail_line: s
            .detail
            .as_ref()
            .filter(|d| Some(d.target) == selected)
            .map(|d| d.sel),
    })
}

/// Shows `loc`, rebuilding the list only when it is another list.
pub fn goto(s: &mut State, loc: Location) {
    let Some(data) = s.data.clone() else { return };
    let g = &data.graph;
    let same = s.list.as_ref().is_some_and(|l| l.spec == loc.spec);
    if !same {
        // A filter search still running was for the list being left: its hits must not land on
        // this one.
        s.filter_gen.cancel();
        // A lens or a who-has-what answer over a big environment is built off the input loop;
        // `ListReady` comes back here with it.
        let slow = matches!(loc.spec, ListSpec::Lens(_) | ListSpec::Who(_));
        if slow && g.users.len() > s.background_users {
            let generation = s.list_gen.begin();
            s.list = Some(ListView::placeholder(&loc.spec));
            s.pending.push(Effect::List {
                generation,
                loc: Box::new(loc.clone()),
            });
            s.focus = loc.focus;
            s.filtering = false;
            refresh_detail(s);
            return;
        }
        s.list_gen.cancel();
        match ListView::build(g, &loc.spec, s.audit_days) {
            Some(l) => s.list = Some(l),
            None => {
                s.message = Some("nothing to list for that".into());
                return;
            }
        }
    }
    if let Some(l) = s.list.as_mut() {
        if l.query != loc.query || !same {
            l.set_query(g, &data.index, &loc.query);
        }
        let found = loc.selected.is_some_and(|t| l.select_target(t));
        if !found && loc.selected.is_some() && !loc.query.is_empty() {
            // The entity is filtered out: show it unfiltered rather than not at all.
            l.set_query(g, &data.index, "");
            loc.selected.map(|t| l.select_target(t));
        }
        if l.sort != loc.sort {
            // Sorting keeps the selection.
            l.set_sort(g, loc.sort);
        }
        if loc.selected.is_none() {
            l.sel = 0;
        }
    }
    if let Some(i) = s.nav.iter().position(|n| match (n, &loc.spec) {
        (NavItem::Kind(a), ListSpec::Kind(b)) => a == b,
        (NavItem::Lens(a), ListSpec::Lens(b)) => a == b,
        (NavItem::Changes, ListSpec::Changes(_)) => true,
        _ => false,
    }) {
        s.nav_sel = i;
    }
    s.focus = loc.focus;
    s.filtering = false;
    refresh_detail(s);
    // The detail's cursor where it was (now, or when a detail built off the loop arrives).
    s.detail_line = None;
    if let (Some(line), Some(t)) = (loc.detail_line, loc.selected) {
        match s.detail.as_mut() {
            Some(d) if d.target == t && !d.is_placeholder() => d.select_line(line),
            _ => s.detail_line = Some((t, line)),
        }
    }
    fix_offsets(s);
}

/// Goes to `loc`, remembering where we were.
pub fn jump(s: &mut State, loc: Location) {
    if let Some(here) = current_location(s) {
        if here == loc {
            return;
        }
        s.history.push(here);
        if s.history.len() > 200 {
            s.history.remove(0);
        }
    }
    s.forward.clear();
    goto(s, loc);
}

pub fn jump_to_target(s: &mut State, t: Target) {
    s.overlay = None;
    jump(s, location(ListSpec::Kind(t.kind), Some(t), Focus::Detail));
}

pub(super) fn back(s: &mut State) {
    if let Some(prev) = s.history.pop() {
        if let Some(here) = current_location(s) {
            s.forward.push(here);
        }
        goto(s, prev);
    } else {
        s.message = Some("nothing further back".into());
    }
}

pub(super) fn forward(s: &mut State) {
    if let Some(next) = s.forward.pop() {
        if let Some(here) = current_location(s) {
            s.history.push(here);
        }
        goto(s, next);
    }
}
