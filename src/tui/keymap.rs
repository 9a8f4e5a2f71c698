//! Key bindings as data: embedded defaults, merged with the user's config; the help overlay is
//! generated from the same table.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;

#[derive(Clone, Debug, PartialEq)]
pub struct Binding {
    pub key: String,
    pub action: Action,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
}

const DEFAULTS: &[(&str, Action)] = &[
    ("q", Action::Quit),
    ("ctrl-c", Action::Quit),
    ("j", Action::MoveDown),
    ("down", Action::MoveDown),
    ("k", Action::MoveUp),
    ("up", Action::MoveUp),
    ("g", Action::Top),
    ("home", Action::Top),
    ("G", Action::Bottom),
    ("end", Action::Bottom),
    ("pgdn", Action::PageDown),
    ("ctrl-d", Action::PageDown),
    ("pgup", Action::PageUp),
    ("ctrl-u", Action::PageUp),
    ("tab", Action::FocusNext),
    ("backtab", Action::FocusPrev),
    ("h", Action::FocusLeft),
    ("left", Action::FocusLeft),
    ("l", Action::FocusRight),
    ("right", Action::FocusRight),
    ("enter", Action::Open),
    ("esc", Action::Cancel),
    ("backspace", Action::Back),
    ("-", Action::Back),
    ("[", Action::Back),
    ("]", Action::Forward),
    ("w", Action::Why),
    ("W", Action::WhoHas),
    ("/", Action::Filter),
    ("ctrl-p", Action::Finder),
    (":", Action::Palette),
    ("?", Action::Help),
    ("s", Action::CycleSort),
    ("e", Action::Export),
    ("y", Action::Yank),
    ("r", Action::Reload),
    ("C", Action::Changes),
    ("m", Action::Mark),
    ("c", Action::Compare),
];

/// A key's name as people read it: "enter" is "Enter", "ctrl-p" is "Ctrl-P".
fn display_key(k: &str) -> String {
    match k {
        "enter" | "esc" | "tab" | "backtab" | "backspace" | "home" | "end" | "up" | "down"
        | "left" | "right" | "pgup" | "pgdn" => {
            let mut c = k.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        }
        _ => match k.strip_prefix("ctrl-") {
            Some(rest) => format!("Ctrl-{}", rest.to_uppercase()),
            None => k.to_owned(),
        },
    }
}

/// What an action does, for the help overlay and the palette.
pub fn describe(a: &Action) -> String {
    let s = match a {
        Action::Quit => "quit",
        Action::MoveDown => "move down",
        Action::MoveUp => "move up",
        Action::Top => "first row",
        Action::Bottom => "last row",
        Action::PageDown => "page down",
        Action::PageUp => "page up",
        Action::FocusNext => "next pane",
        Action::FocusPrev => "previous pane",
        Action::FocusLeft => "pane to the left (stops at the edge)",
        Action::FocusRight => "pane to the right (stops at the edge)",
        Action::Open => "open / jump to the selected entity",
        Action::Cancel => "close overlay, clear filter, else back",
        Action::Back => "back in history",
        Action::Forward => "forward in history",
        Action::Why => "why: the chain of hops (or the refusal)",
        Action::WhoHas => "who has it: every user, with how",
        Action::Filter => "filter the list as you type",
        Action::Finder => "find anything (every kind)",
        Action::Palette => "command palette",
        Action::Help => "this help",
        Action::CycleSort => "sort: name, status, last sign-on, MFA",
        Action::Export => "export what has the focus (CSV)",
        Action::Yank => "copy the selected id (OSC 52)",
        Action::Reload => "reload the data in the background",
        Action::Changes => "changes: what the last diff or comparison found",
        Action::Mark => "mark the selected user (to compare)",
        Action::Compare => "compare the selected user with the marked one",
        Action::Diff(r) => return format!("compare with snapshot {r}"),
        Action::Lens(l) => return format!("open lens {l}"),
        Action::Command(c) => return format!("run :{c}"),
        _ => "",
    };
    s.to_owned()
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap {
            bindings: DEFAULTS
                .iter()
                .map(|(k, a)| Binding {
                    key: (*k).to_owned(),
                    action: a.clone(),
                })
                .collect(),
        }
    }
}

impl Keymap {
    pub fn lookup(&self, key: &str) -> Option<&Action> {
        self.bindings
            .iter()
            .find(|b| b.key == key)
            .map(|b| &b.action)
    }

    /// Removes the bindings of `keys` (bound to `"none"` in the config).
    pub fn unbind(&mut self, keys: &[String]) {
        self.bindings.retain(|b| !keys.contains(&b.key));
    }

    /// The user's bindings replace the defaults for the same keys.
    pub fn merge(&mut self, user: BTreeMap<String, Action>) {
        for (key, action) in user {
            match self.bindings.iter_mut().find(|b| b.key == key) {
                Some(b) => b.action = action,
                None => self.bindings.push(Binding { key, action }),
            }
        }
    }

    /// The key a person presses for `action`, as hints show it ("Enter", "w", "Ctrl-P"): the
    /// shortest of its keys, or "(unbound)".
    pub fn key(&self, action: &Action) -> String {
        let best = self
            .bindings
            .iter()
            .filter(|b| &b.action == action)
            .map(|b| b.key.as_str())
            .min_by_key(|k| k.chars().count());
        match best {
            None => "(unbound)".into(),
            Some(k) => display_key(k),
        }
    }

    /// "/ filter · Enter open · w why": each action's key, then what it does.
    pub fn hints(&self, items: &[(Action, &str)]) -> String {
        items
            .iter()
            .map(|(a, what)| format!("{} {what}", self.key(a)))
            .collect::<Vec<_>>()
            .join(" · ")
    }

    /// One row per action: its keys and what it does, in the table's order.
    pub fn help_rows(&self) -> Vec<(String, String)> {
        let mut rows: Vec<(Vec<&str>, &Action)> = Vec::new();
        for b in &self.bindings {
            match rows.iter_mut().find(|(_, a)| *a == &b.action) {
                Some((keys, _)) => keys.push(&b.key),
                None => rows.push((vec![&b.key], &b.action)),
            }
        }
        rows.into_iter()
            .map(|(keys, a)| (keys.join(" "), describe(a)))
            .collect()
    }
}

/// The name of a key as config files write it: `j`, `G`, `ctrl-p`, `enter`, `pgdn`.
pub fn key_name(ev: &KeyEvent) -> Option<String> {
    let base = match ev.code {
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "enter".into(),
        KeyCode::Esc => "esc".into(),
        KeyCode::Backspace => "backspace".into(),
        KeyCode::Tab => "tab".into(),
        KeyCode::BackTab => "backtab".into(),
        KeyCode::Up => "up".into(),
        KeyCode::Down => "down".into(),
        KeyCode::Left => "left".into(),
        KeyCode::Right => "right".into(),
        KeyCode::Home => "home".into(),
        KeyCode::End => "end".into(),
        KeyCode::PageUp => "pgup".into(),
        KeyCode::PageDown => "pgdn".into(),
        KeyCode::Delete => "delete".into(),
        KeyCode::F(n) => format!("f{n}"),
        _ => return None,
    };
    let mut name = String::new();
    if ev.modifiers.contains(KeyModifiers::CONTROL) {
        name.push_str("ctrl-");
    }
    if ev.modifiers.contains(KeyModifiers::ALT) {
        name.push_str("alt-");
    }
    name.push_str(&base);
    Some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_bindings_override_and_extend_defaults() {
        let mut km = Keymap::default();
        let user: BTreeMap<String, Action> =
            toml::from_str("x = \"quit\"\nj = \"move_up\"\nL = { lens = \"no-mfa\" }\n").unwrap();
        km.merge(user);
        assert_eq!(km.lookup("x"), Some(&Action::Quit));
        assert_eq!(km.lookup("j"), Some(&Action::MoveUp));
        assert_eq!(km.lookup("L"), Some(&Action::Lens("no-mfa".into())));
        assert!(
            km.help_rows()
                .iter()
                .any(|(k, d)| k == "L" && d.contains("no-mfa"))
        );
        let ev = KeyEvent::new(KeyCode::Char('p'), KeyModifiers::CONTROL);
        assert_eq!(key_name(&ev).as_deref(), Some("ctrl-p"));
    }

    #[test]
    fn the_docs_key_table_is_the_default_keymap() {
        let docs = include_str!("../../README.md");
        for (keys, what) in Keymap::default().help_rows() {
            let cells: Vec<String> = keys.split(' ').map(|k| format!("`{k}`")).collect();
            let row = format!("| {} | {what} |", cells.join(" ").replace('|', "\\|"));
            assert!(docs.contains(&row), "docs lack the row {row}");
        }
        for lens in crate::model::audit::Lens::ALL {
            let key = format!("`{}`", lens.key());
            assert!(docs.contains(&key), "docs lack the lens {key}");
        }
    }

    #[test]
    fn ctrl_names() {
        let ev = KeyEvent::new(KeyCode::Char('p'), KeyModifiers::CONTROL);
        assert_eq!(key_name(&ev).as_deref(), Some("ctrl-p"));
    }
}
