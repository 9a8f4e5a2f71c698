//! Overlays: why chains, the help generated from the keymap, the finder and the palette.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use crate::model::text::sanitize;
use crate::tui::action::Action;
use crate::tui::lists::target_name;
use crate::tui::state::{Finder, Palette, State};
use crate::tui::update::FINDER_MAX;
use crate::tui::why::WhyView;

use super::{centered, fit, highlighted, pad};

fn frame(f: &mut Frame, area: Rect, s: &State, title: &str, w: u16, h: u16) -> Rect {
    let r = centered(area, w, h);
    f.render_widget(Clear, r);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(s.theme.focus_border)
        .title(Line::styled(
            format!(" {} ", fit(title, usize::from(w).saturating_sub(6))),
            s.theme.title,
        ));
    let inner = block.inner(r);
    f.render_widget(block, r);
    inner
}

fn window<T>(items: &[T], sel: usize, h: usize) -> usize {
    if sel >= h {
        (sel + 1 - h).min(items.len().saturating_sub(h))
    } else {
        0
    }
}

pub fn why(f: &mut Frame, area: Rect, s: &State, v: &WhyView) {
    let w = area.width.saturating_sub(4).min(100);
    let h = (v.items.len() as u16 + 3).min(area.height);
    let inner = frame(f, area, s, &v.title, w, h);
    let iw = usize::from(inner.width);
    let ih = usize::from(inner.height).saturating_sub(1);
    let start = window(&v.items, v.sel, ih);
    let mut lines = Vec::new();
    for (i, it) in v.items.iter().enumerate().skip(start).take(ih) {
        let sel = i == v.sel && it.target.is_some();
        let base = if sel { s.theme.selected } else { Style::new() };
        if it.depth == 0 {
            lines.push(Line::styled(fit(&it.text, iw), s.theme.heading));
            continue;
        }
        let arrow = match (sel, it.link.is_empty()) {
            (true, _) => "▶ ",
            (false, true) => "  ",
            (false, false) => "└▸",
        };
        // A refusal is a sentence, not a hop: give it the whole width.
        let name_w = if it.target.is_none() && it.link == "refused" {
            iw.saturating_sub(6 + "refused".len() + 2)
        } else {
            (iw / 2).min(40)
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {arrow} "), s.theme.dim),
            Span::styled(pad(&it.text, name_w), base),
            Span::styled(
                format!("  {}", pad(&it.link, iw.saturating_sub(name_w + 6))),
                if sel { base } else { s.theme.dim },
            ),
        ]));
    }
    lines.push(Line::styled(
        fit(
            &format!(
                "{}/{} hop · {}",
                s.keymap.key(&Action::MoveDown),
                s.keymap.key(&Action::MoveUp),
                s.keymap.hints(&[
                    (Action::Open, "jump to it"),
                    (Action::Export, "export"),
                    (Action::Cancel, "close"),
                ])
            ),
            iw,
        ),
        s.theme.dim,
    ));
    f.render_widget(Paragraph::new(lines), inner);
}

pub fn help(f: &mut Frame, area: Rect, s: &State, offset: usize) {
    let rows = s.keymap.help_rows();
    let inner = frame(
        f,
        area,
        s,
        "Keys (from your keymap) · Esc close",
        72,
        rows.len() as u16 + 6,
    );
    let iw = usize::from(inner.width);
    let mut lines: Vec<Line> = rows
        .iter()
        .skip(offset)
        .map(|(k, d)| {
            Line::from(vec![
                Span::styled(pad(k, 22), s.theme.title),
                Span::raw(fit(d, iw.saturating_sub(22))),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        fit(
            "typing in / : Ctrl-P — Enter accept · Esc cancel · Tab complete",
            iw,
        ),
        s.theme.dim,
    ));
    lines.push(Line::styled(
        fit(
            "config: keys and colours in pingscope/config.toml (see README)",
            iw,
        ),
        s.theme.dim,
    ));
    f.render_widget(Paragraph::new(lines), inner);
}

pub fn finder(f: &mut Frame, area: Rect, s: &State, fi: &Finder) {
    let Some(d) = s.data.as_deref() else { return };
    let inner = frame(
        f,
        area,
        s,
        "Find anything · Enter jump · Esc close",
        area.width.saturating_sub(8).min(90),
        area.height.saturating_sub(2),
    );
    let iw = usize::from(inner.width);
    let ih = usize::from(inner.height).saturating_sub(2);
    let mut lines = vec![
        Line::from(vec![
            Span::styled("> ", s.theme.title),
            Span::raw(fit(&sanitize(&fi.query), iw.saturating_sub(14))),
            Span::styled("▏", s.theme.title),
            Span::styled(
                format!(
                    "  {}",
                    crate::model::text::count(fi.hits.len() as i64, "hit", "hits")
                ),
                s.theme.dim,
            ),
        ]),
        Line::raw(""),
    ];
    let shown = &fi.hits[..fi.hits.len().min(FINDER_MAX)];
    let start = window(shown, fi.sel, ih);
    for (i, h) in shown.iter().enumerate().skip(start).take(ih) {
        let base = if i == fi.sel {
            s.theme.selected
        } else {
            Style::new()
        };
        let mut spans = vec![Span::styled(
            format!("{:<11}", h.target.kind.label()),
            if i == fi.sel { base } else { s.theme.dim },
        )];
        let name = sanitize(&target_name(&d.graph, h.target)).into_owned();
        let marks = if matches!(
            h.field,
            crate::model::search::Field::Username | crate::model::search::Field::Name
        ) {
            d.index.positions(&d.graph, h, &fi.query)
        } else {
            Vec::new()
        };
        let name_w = iw.saturating_sub(11 + 16).min(50);
        spans.extend(highlighted(
            &name,
            &marks,
            name_w,
            base,
            base.patch(s.theme.matched),
        ));
        spans.push(Span::styled(
            pad(
                &format!("  {}", h.field.label()),
                iw.saturating_sub(11 + name_w),
            ),
            if i == fi.sel { base } else { s.theme.dim },
        ));
        lines.push(Line::from(spans));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

pub fn palette(f: &mut Frame, area: Rect, s: &State, p: &Palette) {
    let h = (p.completions.len() as u16 + 4).min(16);
    let inner = frame(
        f,
        area,
        s,
        "Command · Tab complete · Enter run · Esc close",
        60,
        h,
    );
    let iw = usize::from(inner.width);
    let mut lines = vec![Line::from(vec![
        Span::styled(":", s.theme.title),
        Span::raw(fit(&sanitize(&p.text), iw.saturating_sub(3))),
        Span::styled("▏", s.theme.title),
    ])];
    let ih = usize::from(inner.height).saturating_sub(1);
    let start = window(&p.completions, p.sel, ih);
    for (i, c) in p.completions.iter().enumerate().skip(start).take(ih) {
        let style = if i == p.sel {
            s.theme.selected
        } else {
            s.theme.dim
        };
        lines.push(Line::styled(pad(&format!("  {c}"), iw), style));
    }
    f.render_widget(Paragraph::new(lines), inner);
}
