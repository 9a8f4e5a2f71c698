//! Profiles: named, non-secret connection settings in `profiles.json` under the user's config
//! directory (`$XDG_CONFIG_HOME/pingscope` on Linux). Written atomically, readable by the user
//! only. The client secret is never here: only the name of the keyring that holds it.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::pingone::{AuthMethod, Region};

pub const FILE_NAME: &str = "profiles.json";
pub const DEFAULT_PROFILE: &str = "default";
const VERSION: u32 = 1;

/// One environment pingscope can log in to.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub environment_id: String,
    /// The environment holding the worker app, when not the explored one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_environment_id: Option<String>,
    /// NA, CA, EU, AU, SG or AP.
    pub region: String,
    pub client_id: String,
    /// `client_secret_basic` or `client_secret_post`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_auth_method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_url: Option<String>,
    /// A word for people, e.g. "prod" or "sandbox".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// A colour cue for the label (red for production by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// The environment's name, as read at login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_name: Option<String>,
    /// Where the secret is: the keyring backend and service name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<SecretLocation>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretLocation {
    /// `secret-service`, `keyutils` or `native`.
    pub backend: String,
    pub service: String,
}

/// The colour a label suggests: production red, sandboxes and tests green.
pub fn default_color(label: &str) -> Option<&'static str> {
    let l = label.to_ascii_lowercase();
    if l.contains("prod") || l.contains("live") {
        Some("red")
    } else if ["sandbox", "dev", "test", "stag", "demo"]
        .iter()
        .any(|w| l.contains(w))
    {
        Some("green")
    } else {
        None
    }
}

impl Profile {
    pub fn region(&self) -> Result<Region, String> {
        self.region.parse()
    }

    pub fn auth_method(&self) -> Result<AuthMethod, String> {
        self.token_auth_method
            .as_deref()
            .map_or(Ok(AuthMethod::Basic), str::parse)
    }
}

/// The whole file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Profiles {
    #[serde(default)]
    pub version: u32,
    /// The profile used when none is named (else the one named `default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// Profile names: letters, digits, `-`, `_`, `.`; at most 64.
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "profile name {name:?} is not allowed: use letters, digits, '-', '_' or '.' (at most 64)"
        ))
    }
}

/// `$XDG_CONFIG_HOME/pingscope` on Linux; the platform's config directory elsewhere.
pub fn config_dir() -> Result<PathBuf, String> {
    directories::ProjectDirs::from("", "", "pingscope")
        .map(|d| d.config_dir().to_path_buf())
        .ok_or_else(|| "cannot find your home directory to keep profiles in".to_owned())
}

pub fn profiles_path() -> Result<PathBuf, String> {
    Ok(config_dir()?.join(FILE_NAME))
}

impl Profiles {
    /// Reads the file; a missing file is no profiles.
    pub fn load_from(path: &Path) -> Result<Profiles, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Profiles::default()),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let p: Profiles = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{} is not a pingscope profiles file ({e}); fix or delete it",
                path.display()
            )
        })?;
        if p.version > VERSION {
            return Err(format!(
                "{} was written by a newer pingscope (version {}); upgrade pingscope",
                path.display(),
                p.version
            ));
        }
        Ok(p)
    }

    pub fn load() -> Result<Profiles, String> {
        Profiles::load_from(&profiles_path()?)
    }

    /// Writes the file atomically (temp file + rename), mode 0600, in a 0700 directory.
    pub fn save_to(&self, path: &Path) -> Result<(), String> {
        let dir = path
            .parent()
            .ok_or_else(|| format!("{} has no directory", path.display()))?;
        create_private_dir(dir)?;
        let err = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
        let mut file = self.clone();
        file.version = VERSION;
        let mut text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?;
        text.push('\n');
        // NamedTempFile is created 0600 on Unix.
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(err)?;
        tmp.write_all(text.as_bytes()).map_err(err)?;
        tmp.as_file().sync_all().map_err(err)?;
        tmp.persist(path).map_err(|e| err(e.error))?;
        Ok(())
    }

    pub fn save(&self) -> Result<(), String> {
        self.save_to(&profiles_path()?)
    }

    /// The profile to use when none is named: the marked default, else `default`, else the
    /// only one.
    pub fn default_name(&self) -> Option<&str> {
        if let Some(d) = self
            .default
            .as_deref()
            .filter(|d| self.profiles.contains_key(*d))
        {
            return Some(d);
        }
        if self.profiles.contains_key(DEFAULT_PROFILE) {
            return Some(DEFAULT_PROFILE);
        }
        match self.profiles.len() {
            1 => self.profiles.keys().next().map(String::as_str),
            _ => None,
        }
    }

    /// `name`, or the default profile; errors name what exists.
    pub fn pick(&self, name: Option<&str>) -> Result<Option<(String, &Profile)>, String> {
        match name {
            Some(n) => match self.profiles.get(n) {
                Some(p) => Ok(Some((n.to_owned(), p))),
                None => Err(format!(
                    "no profile named {n:?} ({}): create it with `pingscope login --profile {n} ...`",
                    self.names_line()
                )),
            },
            None => Ok(self
                .default_name()
                .and_then(|n| self.profiles.get(n).map(|p| (n.to_owned(), p)))),
        }
    }

    fn names_line(&self) -> String {
        if self.profiles.is_empty() {
            "there are none yet".into()
        } else {
            let names: Vec<&str> = self.profiles.keys().map(String::as_str).collect();
            format!("profiles: {}", names.join(", "))
        }
    }
}

fn create_private_dir(dir: &Path) -> Result<(), String> {
    let err = |e: std::io::Error| format!("cannot create {}: {e}", dir.display());
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(err)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir).map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Profile {
        Profile {
            environment_id: "env-1".into(),
            region: "EU".into(),
            client_id: "client-1".into(),
            label: Some("prod".into()),
            ..Profile::default()
        }
    }

    #[test]
    fn saves_atomically_with_private_permissions_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cfg").join(FILE_NAME);
        let mut p = Profiles::default();
        p.profiles.insert("prod".into(), sample());
        p.save_to(&path).unwrap();
        assert_eq!(Profiles::load_from(&path).unwrap().profiles, p.profiles);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let dmode = std::fs::metadata(path.parent().unwrap())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(dmode & 0o777, 0o700);
        }
        // No temp files left beside it.
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1
        );
    }

    #[test]
    fn the_default_is_the_marked_one_then_default_then_the_only_one() {
        let mut p = Profiles::default();
        assert_eq!(p.default_name(), None);
        p.profiles.insert("prod".into(), sample());
        assert_eq!(p.default_name(), Some("prod"));
        p.profiles.insert("sandbox".into(), sample());
        assert_eq!(p.default_name(), None);
        p.profiles.insert(DEFAULT_PROFILE.into(), sample());
        assert_eq!(p.default_name(), Some(DEFAULT_PROFILE));
        p.default = Some("sandbox".into());
        assert_eq!(p.default_name(), Some("sandbox"));
        let e = p.pick(Some("nope")).unwrap_err();
        assert!(e.contains("default, prod, sandbox"), "{e}");
    }

    #[test]
    fn bad_files_and_names_are_refused_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        assert!(Profiles::load_from(&path).unwrap().profiles.is_empty());
        std::fs::write(&path, "{not json").unwrap();
        assert!(
            Profiles::load_from(&path)
                .unwrap_err()
                .contains("fix or delete")
        );
        std::fs::write(&path, r#"{"version": 99}"#).unwrap();
        assert!(Profiles::load_from(&path).unwrap_err().contains("newer"));
        assert!(check_name("prod-eu_2.x").is_ok());
        for bad in ["", "../x", "a b", ".hidden", &"x".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn labels_suggest_a_colour() {
        assert_eq!(default_color("Prod"), Some("red"));
        assert_eq!(default_color("sandbox"), Some("green"));
        assert_eq!(default_color("eu"), None);
    }
}
