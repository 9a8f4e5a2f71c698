//! The explorer's config file: key bindings, colours, mouse and the audit periods, merged over
//! embedded defaults. `$XDG_CONFIG_HOME/pingscope/config.toml` (or `config.json`), else the
//! platform's config dir. Read setting by setting: a bad line is named (key and problem) and
//! skipped, the rest of the file is kept.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use super::action::Action;
use super::lists::AuditDays;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Key name (`j`, `ctrl-p`, `G`) → action (`move_down`, `{ lens = "no-mfa" }`).
    #[serde(default)]
    pub keys: BTreeMap<String, Action>,
    /// Keys bound to `"none"`: their default binding is removed.
    #[serde(skip)]
    pub unbound: Vec<String>,
    /// `[audit]`: `stale_days`, `grace_days`.
    #[serde(skip)]
    pub audit: AuditDays,
    /// Colour name (see `theme::COLOR_NAMES`) → colour (`cyan`, `#ff8800`, `214`).
    #[serde(default)]
    pub colors: BTreeMap<String, String>,
    #[serde(default)]
    pub mouse: bool,
    /// `[store]`: read by `source::store` (kept here so the file parses as one).
    #[serde(default)]
    pub store: Option<crate::source::store::StoreConfig>,
}

/// The directory holding the config file.
pub fn dir() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CONFIG_HOME").filter(|x| !x.is_empty()) {
        return Some(PathBuf::from(x).join("pingscope"));
    }
    directories::ProjectDirs::from("", "", "pingscope").map(|d| d.config_dir().to_path_buf())
}

/// The config (the default when there is no file) and what was wrong in it, one line each
/// naming the file and the setting; a file that is not TOML at all is one problem and the
/// defaults.
pub fn load() -> (Config, Vec<String>) {
    let Some(dir) = dir() else {
        return (Config::default(), Vec::new());
    };
    let toml_path = dir.join("config.toml");
    let json_path = dir.join("config.json");
    let (path, parsed) = if let Ok(text) = std::fs::read_to_string(&toml_path) {
        (toml_path, parse_toml(&text))
    } else if let Ok(text) = std::fs::read_to_string(&json_path) {
        let parsed = serde_json::from_str::<serde_json::Value>(&text)
            .map_err(|e| e.to_string())
            .and_then(|v| serde_json::from_value::<toml::Table>(v).map_err(|e| e.to_string()))
            .map(parse_table);
        (json_path, parsed)
    } else {
        return (Config::default(), Vec::new());
    };
    match parsed {
        Ok((c, problems)) => (
            c,
            problems
                .into_iter()
                .map(|p| format!("{}: {p}", path.display()))
                .collect(),
        ),
        Err(e) => (
            Config::default(),
            vec![format!("{}: {e} (the file is ignored)", path.display())],
        ),
    }
}

/// A TOML text: the config and its problems; `Err` when it is not TOML.
pub fn parse_toml(text: &str) -> Result<(Config, Vec<String>), String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        let first = e.to_string();
        let line = first.lines().next().unwrap_or("").to_owned();
        format!("not valid TOML: {line}")
    })?;
    Ok(parse_table(table))
}

/// Each setting on its own: a bad one is named and skipped, the rest kept.
fn parse_table(table: toml::Table) -> (Config, Vec<String>) {
    let mut c = Config::default();
    let mut problems = Vec::new();
    for (name, value) in table {
        match (name.as_str(), value) {
            ("keys", toml::Value::Table(keys)) => {
                for (key, v) in keys {
                    if v.as_str() == Some("none") {
                        c.unbound.push(key);
                        continue;
                    }
                    match Action::deserialize(v.clone()) {
                        Ok(a) => {
                            c.keys.insert(key, a);
                        }
                        Err(_) => problems.push(format!(
                            "keys.{key} = {v}: not an action (README \"Keys\" lists them; \"none\" unbinds)"
                        )),
                    }
                }
            }
            ("colors", toml::Value::Table(colors)) => {
                for (key, v) in colors {
                    match v.as_str() {
                        Some(colour) => {
                            c.colors.insert(key, colour.to_owned());
                        }
                        None => problems.push(format!("colors.{key} = {v}: not a colour name")),
                    }
                }
            }
            ("mouse", toml::Value::Boolean(b)) => c.mouse = b,
            ("store", v) => match crate::source::store::StoreConfig::deserialize(v) {
                Ok(store) => c.store = Some(store),
                Err(e) => problems.push(format!("[store]: {}", one_line(&e.to_string()))),
            },
            ("audit", toml::Value::Table(audit)) => {
                for (key, v) in audit {
                    let days = v.as_integer().and_then(|n| u32::try_from(n).ok());
                    match (key.as_str(), days) {
                        ("stale_days", Some(n)) => c.audit.stale = n,
                        ("grace_days", Some(n)) => c.audit.grace = n,
                        ("stale_days" | "grace_days", None) => {
                            problems.push(format!("audit.{key} = {v}: not a number of days"))
                        }
                        _ => problems.push(format!(
                            "audit.{key}: unknown setting (stale_days, grace_days)"
                        )),
                    }
                }
            }
            (name @ ("keys" | "colors" | "audit"), v) => {
                problems.push(format!("{name} = {v}: a table ([{name}]) is expected"))
            }
            ("mouse", v) => problems.push(format!("mouse = {v}: true or false is expected")),
            (other, _) => problems.push(format!(
                "{other}: unknown setting (keys, colors, mouse, audit, store)"
            )),
        }
    }
    (c, problems)
}

fn one_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keys_colours_mouse_and_audit() {
        let (c, problems) = parse_toml(
            "mouse = true\n[keys]\nx = \"quit\"\n\"ctrl-n\" = \"move_down\"\n[colors]\naccent = \"magenta\"\n[audit]\nstale_days = 30\ngrace_days = 7\n",
        )
        .unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert!(c.mouse);
        assert_eq!(c.keys.get("ctrl-n"), Some(&Action::MoveDown));
        assert_eq!(c.colors.get("accent").map(String::as_str), Some("magenta"));
        assert_eq!((c.audit.stale, c.audit.grace), (30, 7));
    }

    #[test]
    fn a_bad_setting_is_named_and_the_rest_kept() {
        let (c, problems) = parse_toml(
            "colour = 1\nmouse = \"yes\"\n[keys]\nj = \"nonsense\"\nx = \"quit\"\nq = \"none\"\n[audit]\nstale_days = -3\n",
        )
        .unwrap();
        // The good lines are kept.
        assert_eq!(c.keys.get("x"), Some(&Action::Quit));
        assert_eq!(c.unbound, ["q"]);
        // Each bad one named with its problem.
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("keys.j = \"nonsense\": not an action"))
        );
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("colour: unknown setting"))
        );
        assert!(problems.iter().any(|p| p.starts_with("mouse = \"yes\"")));
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("audit.stale_days = -3"))
        );
        assert!(problems.iter().all(|p| !p.contains('\n')));
        // Not TOML at all: one error.
        let e = parse_toml("[keys\n").unwrap_err();
        assert!(e.starts_with("not valid TOML") && !e.contains('\n'), "{e}");
    }
}
