//! `draw(frame, &State)`: pure rendering, one file per pane or overlay. Every string reaching
//! the terminal was sanitised when the state was built (or is sanitised here) and is cut by
//! display width, never by bytes or chars.

mod detail;
pub mod layout;
mod list;
mod nav;
mod overlays;
mod status;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders};
use unicode_width::UnicodeWidthStr;

use super::state::{Focus, Overlay, State};

pub use layout::columns;

pub fn draw(f: &mut Frame, s: &State) {
    let area = f.area();
    let [top, body, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    status::status_line(f, top, s);
    status::footer(f, bottom, s);
    if s.data.is_none() {
        status::loading(f, body, s);
        return;
    }
    let (n, l) = columns(area.width, s.focus);
    let [nav_a, list_a, detail_a] = Layout::horizontal([
        Constraint::Length(n),
        Constraint::Length(l),
        Constraint::Min(10),
    ])
    .areas(body);
    nav::draw(f, nav_a, s);
    list::draw(f, list_a, s);
    detail::draw(f, detail_a, s);
    match &s.overlay {
        Some(Overlay::Why(v)) => overlays::why(f, body, s, v),
        Some(Overlay::Help { offset }) => overlays::help(f, body, s, *offset),
        Some(Overlay::Finder(fi)) => overlays::finder(f, body, s, fi),
        Some(Overlay::Palette(p)) => overlays::palette(f, body, s, p),
        None => {}
    }
}

/// A pane's frame, bright when it has the focus.
pub fn pane<'a>(s: &State, title: Line<'a>, focus: Focus) -> Block<'a> {
    let focused = s.focus == focus && s.overlay.is_none();
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(if focused {
            s.theme.focus_border
        } else {
            s.theme.border
        })
        .title(title)
}

/// `s` cut to `width` columns, with an ellipsis when cut.
pub fn fit(s: &str, width: usize) -> String {
    crate::model::text::truncate(s, width)
}

/// `s` cut or padded to exactly `width` columns.
pub fn pad(s: &str, width: usize) -> String {
    let mut t = fit(s, width);
    let w = t.width();
    t.extend(std::iter::repeat_n(' ', width.saturating_sub(w)));
    t
}

/// `text` cut to `width`, with the chars at `marks` (char indices) in `hl`.
pub fn highlighted<'a>(
    text: &str,
    marks: &[usize],
    width: usize,
    base: Style,
    hl: Style,
) -> Vec<Span<'a>> {
    let cut = fit(text, width);
    let mut spans = Vec::new();
    let mut cur = String::new();
    let mut cur_hl = false;
    for (i, c) in cut.chars().enumerate() {
        let h = marks.binary_search(&i).is_ok();
        if h != cur_hl && !cur.is_empty() {
            spans.push(Span::styled(
                std::mem::take(&mut cur),
                if cur_hl { hl } else { base },
            ));
        }
        cur_hl = h;
        cur.push(c);
    }
    if !cur.is_empty() {
        spans.push(Span::styled(cur, if cur_hl { hl } else { base }));
    }
    let w = cut.width();
    if w < width {
        spans.push(Span::styled(" ".repeat(width - w), base));
    }
    spans
}

/// A centred rectangle of at most `w`×`h` inside `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}
