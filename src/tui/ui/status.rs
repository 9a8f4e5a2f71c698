//! The status line (source, environment, region, age, coverage), the footer (breadcrumb, filter
//! line, messages, hints) and the loading screen.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use unicode_width::UnicodeWidthStr;

use crate::model::text::sanitize;
use crate::model::{EnvironmentType, Stage, StageState};
use crate::tui::action::Action;
use crate::tui::detail::ago;
use crate::tui::lists::target_name;
use crate::tui::state::{ListSpec, Location, State};

use super::{centered, fit, pad};

pub fn status_line(f: &mut Frame, area: Rect, s: &State) {
    let w = usize::from(area.width);
    let Some(d) = s.data.as_deref() else {
        f.render_widget(
            Paragraph::new(pad(" pingscope · loading…", w)).style(s.theme.status),
            area,
        );
        return;
    };
    let g = &d.graph;
    let env = &g.environment;
    let mut parts = vec![format!(" pingscope · {}", fit(&sanitize(&env.name), 40))];
    match &env.kind {
        Some(EnvironmentType::Production) => parts[0].push_str(" [PROD]"),
        Some(EnvironmentType::Sandbox) => parts[0].push_str(" [SANDBOX]"),
        Some(other) => parts[0].push_str(&format!(" [{}]", fit(&sanitize(other.as_str()), 12))),
        None => {}
    }
    if let Some(r) = &env.region {
        parts.push(fit(&sanitize(r), 12));
    }
    let age = g
        .meta
        .taken_at
        .millis()
        .map_or_else(String::new, |t| format!(", taken {}", ago(s.now_millis, t)));
    // A stored snapshot says whether the load replacing it still runs, or has failed.
    let refresh = match (d.stored, s.loading.is_some()) {
        (true, true) => ", refreshing",
        (true, false) => ", refresh failed",
        _ => "",
    };
    parts.push(format!("{}{refresh}{age}", fit(&sanitize(&d.source), 40)));
    let incomplete = g.coverage.incomplete();
    let complete = Stage::ALL.len() - incomplete.len();
    let mut spans = vec![Span::raw(parts.join(" · "))];
    if let Some((label, color)) = &d.cue {
        // The profile's colour cue: production stands out from a sandbox at a glance.
        let style = match color
            .as_deref()
            .and_then(|c| c.parse::<ratatui::style::Color>().ok())
        {
            Some(c) if std::env::var_os("NO_COLOR").is_none() => ratatui::style::Style::default()
                .fg(ratatui::style::Color::Black)
                .bg(c)
                .add_modifier(ratatui::style::Modifier::BOLD),
            _ => ratatui::style::Style::default().add_modifier(ratatui::style::Modifier::REVERSED),
        };
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            format!(" {} ", fit(&sanitize(label), 16)),
            style,
        ));
    }
    if let Some(l) = &s.loading {
        // The stage still running, with its count: the data shown is what is known so far.
        let running = l.stages.iter().find(|p| p.state.is_none());
        let what = match running {
            Some(p) => match p.total {
                Some(t) => format!(" · loading {} {}/{t}…", p.stage.label(), p.done),
                None => format!(" · loading {}…", p.stage.label()),
            },
            None if l.partial > 0 => " · loading…".to_owned(),
            None => " · reloading…".to_owned(),
        };
        spans.push(Span::styled(what, s.theme.warn));
    }
    if incomplete.is_empty() {
        spans.push(Span::raw(" · coverage complete"));
    } else {
        let names: Vec<&str> = incomplete.iter().map(|s| s.label()).collect();
        spans.push(Span::raw(" · "));
        spans.push(Span::styled(
            format!(
                "INCOMPLETE {complete}/{}: {}",
                Stage::ALL.len(),
                names.join(", ")
            ),
            s.theme.warn,
        ));
    }
    let used: usize = spans.iter().map(|s| s.content.width()).sum();
    if used < w {
        spans.push(Span::raw(" ".repeat(w - used)));
    }
    f.render_widget(
        Paragraph::new(Line::from(spans)).style(s.theme.status),
        area,
    );
}

fn crumb(s: &State, loc: &Location) -> String {
    let g = match s.graph() {
        Some(g) => g,
        None => return String::new(),
    };
    let list = match &loc.spec {
        ListSpec::Kind(k) => k.title().to_owned(),
        ListSpec::Lens(l) => l.title().to_owned(),
        ListSpec::Who(t) => format!("who has {}", sanitize(&target_name(g, *t))),
        ListSpec::Changes(c) => c.0.title.clone(),
    };
    match loc.selected {
        Some(t) if !matches!(loc.spec, ListSpec::Who(_)) => {
            format!("{list} › {}", sanitize(&target_name(g, t)))
        }
        _ => list,
    }
}

pub fn footer(f: &mut Frame, area: Rect, s: &State) {
    let w = usize::from(area.width);
    if s.filtering {
        let q = s
            .list
            .as_ref()
            .map(|l| sanitize(&l.query).into_owned())
            .unwrap_or_default();
        let line = Line::from(vec![
            Span::styled("/", s.theme.title),
            Span::raw(fit(&q, w.saturating_sub(30))),
            Span::styled("▏", s.theme.title),
            Span::styled("  Enter keep · Esc clear", s.theme.dim),
        ]);
        f.render_widget(Paragraph::new(line), area);
        return;
    }
    if s.data.is_none() {
        let line = Line::styled(
            format!(
                " loading the environment… · {}",
                s.keymap.hints(&[(Action::Quit, "quit")])
            ),
            s.theme.dim,
        );
        f.render_widget(Paragraph::new(line), area);
        return;
    }
    if let Some(m) = &s.message {
        f.render_widget(
            Paragraph::new(Line::styled(fit(&sanitize(m), w), s.theme.heading)),
            area,
        );
        return;
    }
    let all_hints = [
        (Action::Filter, "filter"),
        (Action::Open, "open"),
        (Action::Why, "why"),
        (Action::WhoHas, "who"),
        (Action::Back, "back"),
        (Action::Palette, "cmd"),
        (Action::Help, "help"),
        (Action::Quit, "quit"),
    ];
    let mut trail: Vec<String> = s
        .history
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(|l| crumb(s, l))
        .collect();
    if let Some(here) = crate::tui::update::current_location(s) {
        trail.push(crumb(s, &here));
    }
    let mut left = format!(" {}", trail.join(" ‹ "));
    // The key hints give way from the front (help and quit stay), down to a breadcrumb of 24
    // columns; then the breadcrumb keeps its most recent end.
    let crumb_min = left.width().min(24);
    let mut first = 0;
    let mut hints = format!(" {}", s.keymap.hints(&all_hints));
    while first + 2 < all_hints.len() && hints.width() + crumb_min > w {
        first += 1;
        hints = format!(" {}", s.keymap.hints(&all_hints[first..]));
    }
    let hints = hints.as_str();
    let room = w.saturating_sub(hints.width()).max(crumb_min);
    if left.width() > room {
        // Keep the most recent end of the trail.
        let chars: Vec<char> = left.chars().collect();
        let mut start = 0;
        while chars[start..].iter().collect::<String>().width() + 1 > room && start < chars.len() {
            start += 1;
        }
        left = format!("…{}", chars[start..].iter().collect::<String>());
    }
    let hint_w = w.saturating_sub(left.width());
    let line = Line::from(vec![
        Span::styled(left, s.theme.title),
        Span::styled(format!("{:>hint_w$}", fit(hints, hint_w)), s.theme.dim),
    ]);
    f.render_widget(Paragraph::new(line), area);
}

pub fn loading(f: &mut Frame, area: Rect, s: &State) {
    let r = centered(area, 76, 16);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Line::styled(" Loading ", s.theme.title));
    let inner = block.inner(r);
    f.render_widget(block, r);
    let w = usize::from(inner.width);
    let mut lines = Vec::new();
    match &s.loading {
        Some(l) if l.error.is_some() => {
            lines.push(Line::styled("Loading failed:", s.theme.warn));
            lines.push(Line::raw(fit(
                &sanitize(l.error.as_deref().unwrap_or("")),
                w,
            )));
            lines.push(Line::raw(""));
            lines.push(Line::styled(
                s.keymap
                    .hints(&[(Action::Reload, "retry"), (Action::Quit, "quit")]),
                s.theme.dim,
            ));
        }
        Some(l) if !l.stages.is_empty() => {
            for p in &l.stages {
                let count = match p.total {
                    Some(t) => format!("{}/{}", p.done, t),
                    None if p.requests == 0 => String::new(),
                    None => p.done.to_string(),
                };
                let state = match p.state {
                    Some(StageState::Complete) => "done",
                    Some(StageState::Partial) => "PARTIAL",
                    Some(StageState::Failed) => "FAILED",
                    Some(StageState::NotStarted) => "skipped",
                    None => "…",
                };
                let text = if p.requests == 0 {
                    format!("{:<28} {:>13}  {:>16}  {state}", p.stage.label(), count, "")
                } else {
                    format!(
                        "{:<28} {:>13}  {:>6} req  {:>5.0}/s  {state}",
                        p.stage.label(),
                        count,
                        p.requests,
                        p.rate
                    )
                };
                let style = if matches!(p.state, Some(StageState::Partial | StageState::Failed)) {
                    s.theme.warn
                } else {
                    ratatui::style::Style::new()
                };
                lines.push(Line::styled(fit(&text, w), style));
            }
        }
        _ => lines.push(Line::raw("reading the environment…")),
    }
    f.render_widget(Paragraph::new(lines), inner);
}
