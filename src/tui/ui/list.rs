//! The middle list: one line per row, only the visible rows are built; the filter's matched
//! characters are highlighted.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::model::Graph;
use crate::model::text::sanitize;
use crate::model::{Kind, Target};
use crate::tui::detail::{as_of, before};
use crate::tui::lists::{ListView, Note, Row, Sort, target_name};
use crate::tui::state::{Focus, ListSpec, State};

use unicode_width::UnicodeWidthStr;

use super::{fit, highlighted, pad, pane};

/// The value the list is sorted by, shown first so the order can be seen.
fn sort_value(g: &Graph, sort: Sort, t: Target, now: i64) -> Option<String> {
    let u = (t.kind == Kind::User)
        .then(|| g.users.get(t.ix as usize))
        .flatten()?;
    Some(match sort {
        Sort::Natural | Sort::Name => return None,
        Sort::Status if !u.enabled => "DISABLED".into(),
        Sort::Status if u.is_locked() => "LOCKED".into(),
        Sort::Status => "enabled".into(),
        Sort::LastSignOn => u.last_sign_on_millis().map_or_else(
            || "never signed on".into(),
            |t| format!("{} before snapshot", before(now, t)),
        ),
        Sort::Mfa => u.mfa_label().into(),
    })
}

fn note(g: &Graph, l: &ListView, r: &Row, now: i64) -> String {
    let text = match &r.note {
        Note::None => g.summary(r.target),
        _ => l.note_text(g, r),
    };
    match sort_value(g, l.sort, r.target, now) {
        Some(v) if !matches!(r.note, Note::None) => format!("{v} · {text}"),
        _ => text,
    }
}

pub fn draw(f: &mut Frame, area: Rect, s: &State) {
    let (Some(g), Some(l)) = (s.graph(), s.list.as_ref()) else {
        f.render_widget(pane(s, Line::from(" List "), Focus::List), area);
        return;
    };
    // The query and the count always show; the list's name gives way first, then the sort.
    let count = if l.shown.is_some() && !l.query.is_empty() {
        format!("{} of {} ", l.len(), l.rows.len())
    } else {
        format!("{} ", l.rows.len())
    };
    let query = if !l.query.is_empty() || s.filtering {
        format!("/{} ", fit(&sanitize(&l.query), 24))
    } else {
        String::new()
    };
    let room = usize::from(area.width).saturating_sub(4 + count.width() + query.width());
    let sort = if l.sort.label().is_empty() || room < 24 {
        String::new()
    } else {
        format!("{} ", l.sort.label())
    };
    let name_room = room.saturating_sub(sort.width() + 2).max(4);
    let title = vec![
        Span::styled(format!(" {} ", fit(&l.title, name_room)), s.theme.title),
        Span::raw(count),
        Span::styled(query, s.theme.matched),
        Span::styled(sort, s.theme.dim),
    ];
    let block = pane(s, Line::from(title), Focus::List);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = usize::from(inner.width);
    let h = usize::from(inner.height);
    if l.is_empty() {
        let msg = if l.query.is_empty() {
            "nothing here"
        } else {
            "no match"
        };
        f.render_widget(Paragraph::new(Line::styled(msg, s.theme.dim)), inner);
        return;
    }
    // The name column is as wide as the widest visible name, within reason.
    let widest = (l.offset..(l.offset + h).min(l.len()))
        .filter_map(|i| l.row(i))
        .map(|r| sanitize(&target_name(g, r.target)).width())
        .max()
        .unwrap_or(8);
    // A change's line is what a Changes list is about: its subject's name gives way first.
    let most = if matches!(l.spec, ListSpec::Changes(_)) {
        w / 3
    } else {
        w * 3 / 5
    };
    let name_w = widest.clamp(8, most.max(8)).min(w.saturating_sub(2));
    let note_w = w.saturating_sub(name_w + 3);
    let mut lines = Vec::with_capacity(h);
    for i in l.offset..(l.offset + h).min(l.len()) {
        let Some(r) = l.row(i) else { break };
        let selected = i == l.sel;
        let base = if selected && s.focus == Focus::List {
            s.theme.selected
        } else if selected {
            s.theme.title
        } else {
            Style::new()
        };
        let name = sanitize(&target_name(g, r.target)).into_owned();
        let marks = l
            .hit_for(i, r.target)
            .filter(|h| {
                matches!(
                    h.field,
                    crate::model::search::Field::Username | crate::model::search::Field::Name
                )
            })
            .map(|h| {
                s.data
                    .as_ref()
                    .map(|d| d.index.positions(g, h, &l.query))
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        let mut spans = vec![Span::styled(if selected { "▸ " } else { "  " }, base)];
        spans.extend(highlighted(
            &name,
            &marks,
            name_w,
            base,
            base.patch(s.theme.matched),
        ));
        spans.push(Span::styled(" ", base));
        let dim = if selected { base } else { s.theme.dim };
        spans.push(Span::styled(pad(&note(g, l, r, as_of(g)), note_w), dim));
        lines.push(Line::from(spans));
    }
    f.render_widget(Paragraph::new(lines), inner);
}
