//! Colours: embedded defaults, overridable by name in the config file; `NO_COLOR` keeps only
//! bold, reverse and underline, so the explorer stays readable without any colour.

use std::collections::BTreeMap;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};

#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    pub border: Style,
    pub focus_border: Style,
    pub title: Style,
    pub selected: Style,
    pub heading: Style,
    pub dim: Style,
    pub warn: Style,
    pub matched: Style,
    pub status: Style,
}

/// The colour names a config file can set, with their defaults.
pub const COLOR_NAMES: &[(&str, &str)] = &[
    ("accent", "cyan"),
    ("selected_bg", "darkgray"),
    ("heading", "yellow"),
    ("dim", "gray"),
    ("warn", "red"),
    ("matched", "lightgreen"),
    ("status_bg", "blue"),
];

impl Theme {
    pub fn colored(user: &BTreeMap<String, String>) -> Theme {
        let c = |name: &str| {
            let default = COLOR_NAMES
                .iter()
                .find(|(n, _)| *n == name)
                .map_or("white", |(_, d)| d);
            user.get(name)
                .and_then(|v| Color::from_str(v).ok())
                .or_else(|| Color::from_str(default).ok())
                .unwrap_or(Color::Reset)
        };
        Theme {
            border: Style::new().fg(c("dim")),
            focus_border: Style::new().fg(c("accent")).add_modifier(Modifier::BOLD),
            title: Style::new().fg(c("accent")).add_modifier(Modifier::BOLD),
            selected: Style::new()
                .bg(c("selected_bg"))
                .add_modifier(Modifier::BOLD),
            heading: Style::new().fg(c("heading")).add_modifier(Modifier::BOLD),
            dim: Style::new().fg(c("dim")),
            warn: Style::new().fg(c("warn")).add_modifier(Modifier::BOLD),
            matched: Style::new()
                .fg(c("matched"))
                .add_modifier(Modifier::UNDERLINED),
            status: Style::new().bg(c("status_bg")).fg(Color::White),
        }
    }

    pub fn plain() -> Theme {
        let b = Style::new().add_modifier(Modifier::BOLD);
        Theme {
            border: Style::new(),
            focus_border: b,
            title: b,
            selected: Style::new().add_modifier(Modifier::REVERSED),
            heading: b,
            dim: Style::new(),
            warn: b,
            matched: Style::new().add_modifier(Modifier::UNDERLINED),
            status: Style::new().add_modifier(Modifier::REVERSED),
        }
    }

    /// `NO_COLOR` (set and not empty) wins over any configured colour.
    pub fn from_env(user: &BTreeMap<String, String>) -> Theme {
        match std::env::var_os("NO_COLOR") {
            Some(v) if !v.is_empty() => Theme::plain(),
            _ => Theme::colored(user),
        }
    }
}
