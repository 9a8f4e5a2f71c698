//! The detail pane: facts, then sections of related entities; only visible lines are drawn.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::detail::LineKind;
use crate::tui::state::{Focus, State};

use unicode_width::UnicodeWidthStr;

use super::{fit, pad, pane};

pub fn draw(f: &mut Frame, area: Rect, s: &State) {
    let Some(d) = s.detail.as_ref() else {
        f.render_widget(pane(s, Line::from(" Detail "), Focus::Detail), area);
        return;
    };
    let kind = d.target.kind.label();
    let title = Line::from(vec![
        Span::styled(format!(" {kind} "), s.theme.dim),
        Span::styled(
            format!(
                "{} ",
                fit(&d.title, usize::from(area.width).saturating_sub(12))
            ),
            s.theme.title,
        ),
    ]);
    let block = pane(s, title, Focus::Detail);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = usize::from(inner.width);
    let h = usize::from(inner.height);
    let widest = d
        .lines
        .iter()
        .skip(d.offset)
        .take(h)
        .filter(|l| l.kind == LineKind::Item)
        .map(|l| l.left.width())
        .max()
        .unwrap_or(10);
    let left_w = widest.clamp(10, (w / 2).max(10)).min(w.saturating_sub(4));
    let right_w = w.saturating_sub(left_w + 4);
    let focused = s.focus == Focus::Detail;
    let mut lines = Vec::with_capacity(h);
    for (i, l) in d.lines.iter().enumerate().skip(d.offset).take(h) {
        let selected = i == d.sel && (l.link.is_some() || l.why.is_some());
        let line = match l.kind {
            LineKind::Fact => Line::from(Span::raw(fit(&l.left, w))),
            LineKind::Heading => Line::styled(fit(&l.left, w), s.theme.heading),
            LineKind::Note => Line::styled(
                fit(&format!("  {}", l.left), w),
                if l.left.starts_with("INCOMPLETE") {
                    s.theme.warn
                } else {
                    s.theme.dim.add_modifier(Modifier::ITALIC)
                },
            ),
            LineKind::Item => {
                let base = if selected && focused {
                    s.theme.selected
                } else if selected {
                    s.theme.title
                } else {
                    Style::new()
                };
                let dim = if selected { base } else { s.theme.dim };
                Line::from(vec![
                    Span::styled(if selected { "▸ " } else { "  " }, base),
                    Span::styled(pad(&l.left, left_w), base),
                    Span::styled("  ", base),
                    Span::styled(pad(&l.right, right_w), dim),
                ])
            }
        };
        lines.push(line);
    }
    f.render_widget(Paragraph::new(lines), inner);
}
