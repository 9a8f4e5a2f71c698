//! The navigator: the kinds with their counts, then the audit lenses.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::state::{Focus, NavItem, State};

use super::{pad, pane};

pub fn draw(f: &mut Frame, area: Rect, s: &State) {
    let block = pane(s, Line::styled(" Explore ", s.theme.title), Focus::Nav);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(g) = s.graph() else { return };
    let w = usize::from(inner.width);
    let mut lines = Vec::new();
    for line in super::layout::nav_lines(&s.nav) {
        let Some(i) = line else {
            lines.push(Line::styled(pad("Lenses", w), s.theme.heading));
            continue;
        };
        let item = &s.nav[i];
        let marker = if i == s.nav_sel { "▸ " } else { "  " };
        let text = match item {
            NavItem::Kind(k) => {
                let n = g.count(*k).to_string();
                let name = k.title();
                let room = w.saturating_sub(2 + n.len() + 1);
                format!("{marker}{} {n}", pad(name, room))
            }
            NavItem::Lens(l) => format!("{marker}{}", l.title()),
            NavItem::Changes => {
                let n = s
                    .changes
                    .as_ref()
                    .map_or(0, |c| c.0.items.len())
                    .to_string();
                let room = w.saturating_sub(2 + n.len() + 1);
                format!("{marker}{} {n}", pad("Changes", room))
            }
        };
        let style = if i == s.nav_sel && s.focus == Focus::Nav {
            s.theme.selected
        } else if i == s.nav_sel {
            s.theme.title
        } else {
            ratatui::style::Style::new()
        };
        lines.push(Line::from(Span::styled(pad(&text, w), style)));
    }
    f.render_widget(Paragraph::new(lines), inner);
}
