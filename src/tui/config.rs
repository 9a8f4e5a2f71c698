//! The explorer's config file: key bindings, colours and mouse, merged over embedded defaults.
//! `$XDG_CONFIG_HOME/pingscope/config.toml` (or `config.json`), else the platform's config dir.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use super::action::Action;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Key name (`j`, `ctrl-p`, `G`) → action (`move_down`, `{ lens = "no-mfa" }`).
    #[serde(default)]
    pub keys: BTreeMap<String, Action>,
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

/// The config, or the default when there is no file; a broken file is an error to show.
pub fn load() -> Result<Config, String> {
    let Some(dir) = dir() else {
        return Ok(Config::default());
    };
    let toml_path = dir.join("config.toml");
    let json_path = dir.join("config.json");
    if let Ok(text) = std::fs::read_to_string(&toml_path) {
        return parse_toml(&text).map_err(|e| format!("{}: {e}", toml_path.display()));
    }
    if let Ok(text) = std::fs::read_to_string(&json_path) {
        return serde_json::from_str(&text).map_err(|e| format!("{}: {e}", json_path.display()));
    }
    Ok(Config::default())
}

pub fn parse_toml(text: &str) -> Result<Config, String> {
    toml::from_str(text).map_err(|e| e.to_string().lines().next().unwrap_or("").to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keys_colours_and_mouse() {
        let c = parse_toml(
            "mouse = true\n[keys]\nx = \"quit\"\n\"ctrl-n\" = \"move_down\"\n[colors]\naccent = \"magenta\"\n",
        )
        .unwrap();
        assert!(c.mouse);
        assert_eq!(c.keys.get("ctrl-n"), Some(&Action::MoveDown));
        assert_eq!(c.colors.get("accent").map(String::as_str), Some("magenta"));
        assert!(parse_toml("[keys]\nx = \"no_such_action\"\n").is_err());
        assert!(parse_toml("colour = 1\n").is_err());
    }
}
