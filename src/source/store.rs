//! The local store: every live load is kept under the platform's data directory
//! (`$XDG_DATA_HOME/pingscope` on Linux), one folder per environment, so that the next look can
//! answer at once (`--max-age`), a snapshot can be named `@latest` or `@2`, and changes can be
//! found later. Directories are 0700, files 0600 and written atomically; no secret is ever in
//! them (a snapshot holds none). Turned off by `--no-store` or `[store] enabled = false` in
//! `config.toml`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::model::{Head, Snapshot, Timestamp};

/// Stored snapshots are compact (see `model::snapshot::Format`); those stored as JSON Lines by
/// earlier versions (`.jsonl`) are still listed and read.
const STORED_EXT: &str = "pscope";

/// How many snapshots per environment are kept by default.
pub const DEFAULT_KEEP: usize = 10;

/// `[store]` in `config.toml`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "keep")]
    pub keep: usize,
}

fn yes() -> bool {
    true
}

fn keep() -> usize {
    DEFAULT_KEEP
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            enabled: true,
            keep: DEFAULT_KEEP,
        }
    }
}

#[derive(Deserialize, Default)]
struct ConfigFile {
    #[serde(default)]
    store: Option<StoreConfig>,
}

/// The `[store]` settings of `config.toml`, or the defaults when there is no file or no `[store]`.
/// A file that cannot be read as TOML, or a `[store]` that is wrong, turns storing **off**: a
/// user who asked for no personal data on disk must not get it because of a typo.
pub fn config() -> StoreConfig {
    let Ok(dir) = crate::credentials::profiles::config_dir() else {
        return StoreConfig::default();
    };
    let Ok(text) = std::fs::read_to_string(dir.join("config.toml")) else {
        return StoreConfig::default();
    };
    parse_config(&text)
}

/// [`config`] from the text of `config.toml`.
pub fn parse_config(text: &str) -> StoreConfig {
    let off = StoreConfig {
        enabled: false,
        keep: DEFAULT_KEEP,
    };
    let Ok(table) = toml::from_str::<toml::Table>(text) else {
        return off;
    };
    match toml::Value::Table(table).try_into::<ConfigFile>() {
        Ok(c) => c.store.unwrap_or_default(),
        Err(_) => off,
    }
}

/// The store's directory: `$XDG_DATA_HOME/pingscope` on Linux, the platform's data directory
/// elsewhere.
pub fn data_dir() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|x| !x.is_empty()) {
        return Some(PathBuf::from(x).join("pingscope"));
    }
    directories::ProjectDirs::from("", "", "pingscope").map(|d| d.data_dir().to_path_buf())
}

/// One stored snapshot, as its header describes it.
#[derive(Clone, Debug)]
pub struct Stored {
    pub path: PathBuf,
    /// `@1` is the newest of its environment, `@2` the one before, ...
    pub index: usize,
    pub head: Head,
    pub size: u64,
    /// Sealed with the store's key (see `seal`).
    pub encrypted: bool,
}

impl Stored {
    pub fn taken_millis(&self) -> i64 {
        self.head.meta.taken_at.millis().unwrap_or(0)
    }

    pub fn environment_id(&self) -> String {
        self.head
            .environment
            .id
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
    }
}

/// The file, in an environment's folder, that keeps the request rate learnt from its 429s.
const RATE_FILE: &str = "rate";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Store {
    root: PathBuf,
    keep: usize,
}

/// A directory name for an environment id: its characters that are safe in a path, nothing else.
fn folder(env_id: &str) -> String {
    let s: String = env_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(64)
        .collect();
    if s.is_empty() { "unknown".into() } else { s }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

impl Store {
    /// The store as configured, or `None` when storing is turned off or there is no place for it.
    pub fn open(no_store: bool) -> Option<Store> {
        let cfg = config();
        if no_store || !cfg.enabled {
            return None;
        }
        Some(Store::at(data_dir()?, cfg.keep))
    }

    pub fn at(root: PathBuf, keep: usize) -> Store {
        Store {
            root,
            keep: keep.max(1),
        }
    }

    fn env_dir(&self, env_id: &str) -> PathBuf {
        self.root.join("environments").join(folder(env_id))
    }

    /// [`Self::env_dir`], created (with the store's root) 0700 where missing.
    fn private_env_dir(&self, env_id: &str) -> std::io::Result<PathBuf> {
        let dir = self.env_dir(env_id);
        for d in [&self.root, &self.root.join("environments"), &dir] {
            create_private_dir(d).map_err(|e| {
                std::io::Error::new(e.kind(), format!("cannot create {}: {e}", d.display()))
            })?;
        }
        Ok(dir)
    }

    /// Keeps `s` (a live load of environment `s.environment.id`), then drops the oldest beyond
    /// the number to keep. Returns where it was written.
    pub fn save(&self, s: &Snapshot) -> Result<PathBuf, String> {
        let env = s
            .environment
            .id
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        let dir = self.private_env_dir(&env).map_err(|e| e.to_string())?;
        let millis = s.meta.taken_at.millis().unwrap_or(0);
        let path = dir.join(format!("{millis:013}.{STORED_EXT}"));
        // Encrypted with the store's key when the OS keyring has one (see `seal`).
        super::seal::write(s, &path, super::seal::key().ok()).map_err(|e| e.to_string())?;
        let all = self.list_env(&env);
        for old in all.iter().skip(self.keep) {
            let _ = std::fs::remove_file(&old.path);
        }
        Ok(path)
    }

    /// The checkpoint of a load of `env_id` starting now (see [`super::checkpoint`]), and
    /// what an interrupted load of it left, if it can be resumed.
    pub fn checkpoint(
        &self,
        env_id: &str,
        api_url: &str,
        now_millis: i64,
    ) -> std::io::Result<(
        super::checkpoint::Checkpoint,
        Option<super::checkpoint::Resumed>,
    )> {
        let dir = self.private_env_dir(env_id)?;
        super::checkpoint::Checkpoint::open(
            &dir,
            env_id,
            api_url,
            now_millis,
            super::seal::key().ok(),
        )
    }

    /// The request rate the last load or refresh of `env_id` learnt from PingOne's 429s (see
    /// `Tuning::start_rps`); `None` when none was kept or the file is not a rate.
    pub fn learnt_rate(&self, env_id: &str) -> Option<f64> {
        let text = std::fs::read_to_string(self.env_dir(env_id).join(RATE_FILE)).ok()?;
        let rate: f64 = text.trim().parse().ok()?;
        (rate.is_finite() && (1.0..=100_000.0).contains(&rate)).then_some(rate)
    }

    /// Keeps the rate a load of `env_id` learnt (a number, no personal data; 0600 all the same,
    /// written whole or not at all).
    pub fn keep_rate(&self, env_id: &str, rate: f64) -> std::io::Result<()> {
        let dir = self.private_env_dir(env_id)?;
        // NamedTempFile is created 0600 on Unix.
        let mut tmp = tempfile::NamedTempFile::new_in(&dir)?;
        std::io::Write::write_all(&mut tmp, format!("{rate:.1}\n").as_bytes())?;
        tmp.persist(dir.join(RATE_FILE)).map_err(|e| e.error)?;
        Ok(())
    }

    /// The stored snapshots of one environment, newest first.
    pub fn list_env(&self, env_id: &str) -> Vec<Stored> {
        let Ok(entries) = std::fs::read_dir(self.env_dir(env_id)) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.extension()
                    .is_some_and(|x| x == STORED_EXT || x == "jsonl")
            })
            .collect();
        // Named by the time taken (zero-padded): newest first.
        files.sort_by(|a, b| a.file_stem().cmp(&b.file_stem()));
        files.reverse();
        files
            .into_iter()
            .filter_map(|path| {
                let head = super::seal::read_head(&path).ok()?;
                let encrypted = super::seal::is_sealed(&path);
                let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                Some((path, head, size, encrypted))
            })
            .enumerate()
            .map(|(i, (path, head, size, encrypted))| Stored {
                path,
                index: i + 1,
                head,
                size,
                encrypted,
            })
            .collect()
    }

    /// Stored snapshots of `env_id` that cannot be read (their key lost, say): why, for each.
    pub fn unreadable(&self, env_id: &str) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.env_dir(env_id)) else {
            return Vec::new();
        };
        entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.extension()
                    .is_some_and(|x| x == STORED_EXT || x == "jsonl")
            })
            .filter_map(|p| super::seal::read_head(&p).err().map(|e| e.to_string()))
            .collect()
    }

    /// Every stored snapshot, environment by environment, newest first within each.
    pub fn list(&self) -> Vec<Stored> {
        let Ok(entries) = std::fs::read_dir(self.root.join("environments")) else {
            return Vec::new();
        };
        let mut envs: Vec<String> = entries
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        envs.sort();
        envs.iter().flat_map(|e| self.list_env(e)).collect()
    }

    /// The newest stored snapshot of `env_id` taken less than `max_age` before `now`.
    pub fn fresh(&self, env_id: &str, max_age: Duration, now: Timestamp) -> Option<Stored> {
        let newest = self
            .list_env(env_id)
            .into_iter()
            .find(|s| s.environment_id() == env_id)?;
        let age = now.millis()? - newest.taken_millis();
        (age >= 0 && (age as u128) < max_age.as_millis()).then_some(newest)
    }

    /// `@latest` or `@N` (N = 1 is the newest): of `env_id` when given, else of every
    /// environment together.
    pub fn resolve(&self, reference: &str, env_id: Option<&str>) -> Result<PathBuf, String> {
        let n = match reference.trim_start_matches('@') {
            "latest" => 1,
            n => n.parse::<usize>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                format!("{reference:?} is not a stored snapshot: use @latest, @1, @2, ...")
            })?,
        };
        let mut all = match env_id {
            Some(e) => self.list_env(e),
            None => {
                let all = self.list();
                let envs: std::collections::BTreeSet<String> =
                    all.iter().map(Stored::environment_id).collect();
                if envs.len() > 1 {
                    return Err(format!(
                        "{reference}: {} environments are stored; name one (--environment-id or \
                         --profile) or give the path (see `pingscope snapshots`)",
                        envs.len()
                    ));
                }
                all
            }
        };
        all.sort_by_key(|s| std::cmp::Reverse(s.taken_millis()));
        let count = all.len();
        all.into_iter().nth(n - 1).map(|s| s.path).ok_or_else(|| {
            format!(
                "no stored snapshot {reference} ({count} stored{}): load the environment once, or see `pingscope snapshots`",
                env_id.map(|e| format!(" for environment {e}")).unwrap_or_default()
            )
        })
    }
}

/// A duration like `30m`, `1h`, `7d`, `2w` or `90s` (plain seconds without a unit).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{text:?} is not a duration: use 30m, 1h, 7d, ..."))?;
    let secs = match unit.trim() {
        "" | "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(format!("{text:?} is not a duration: use 30m, 1h, 7d, ...")),
    };
    Ok(Duration::from_secs(n.saturating_mul(secs)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(env: &str, millis: i64) -> Snapshot {
        let mut s = Snapshot::default();
        s.environment.id = Some(crate::model::Id::new(env));
        s.environment.name = "Acme".into();
        s.meta.taken_at = Timestamp::from_millis(millis);
        s
    }

    #[test]
    fn the_learnt_rate_is_kept_privately_and_nonsense_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path().join("pingscope"), 3);
        assert_eq!(store.learnt_rate("env-1"), None);
        store.keep_rate("env-1", 87.46).unwrap();
        assert_eq!(store.learnt_rate("env-1"), Some(87.5));
        assert_eq!(store.learnt_rate("env-2"), None);
        let file = store.env_dir("env-1").join(RATE_FILE);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&file), 0o600);
            assert_eq!(mode(&store.env_dir("env-1")), 0o700);
        }
        // Not a snapshot: neither listed nor called unreadable.
        assert!(store.list_env("env-1").is_empty());
        assert!(store.unreadable("env-1").is_empty());
        for nonsense in ["", "fast", "NaN", "-3", "0", "1e9"] {
            std::fs::write(&file, nonsense).unwrap();
            assert_eq!(store.learnt_rate("env-1"), None, "{nonsense:?}");
        }
    }

    #[test]
    fn saves_privately_keeps_the_newest_and_resolves_references() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path().join("pingscope"), 3);
        for t in 1..=5 {
            store.save(&snap("env-1", t * 1000)).unwrap();
        }
        store.save(&snap("env-2", 9000)).unwrap();
        let kept = store.list_env("env-1");
        assert_eq!(kept.len(), 3, "only the newest three");
        assert_eq!(kept[0].taken_millis(), 5000);
        assert_eq!(kept[0].index, 1);
        assert_eq!(store.resolve("@2", Some("env-1")).unwrap(), kept[1].path);
        // Two environments stored: a reference must name one.
        assert!(
            store
                .resolve("@latest", None)
                .unwrap_err()
                .contains("2 environments")
        );
        assert_eq!(
            store.resolve("@latest", Some("env-2")).unwrap(),
            store.list_env("env-2")[0].path
        );
        assert!(
            store
                .resolve("@9", Some("env-1"))
                .unwrap_err()
                .contains("3 stored")
        );
        assert!(store.resolve("@x", None).is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&kept[0].path), 0o600);
            assert_eq!(mode(kept[0].path.parent().unwrap()), 0o700);
            assert_eq!(mode(&dir.path().join("pingscope")), 0o700);
        }
        let now = Timestamp::from_millis(5000 + 30_000);
        assert!(
            store
                .fresh("env-1", Duration::from_secs(60), now.clone())
                .is_some()
        );
        assert!(store.fresh("env-1", Duration::from_secs(10), now).is_none());
        // A hostile environment id stays inside the store.
        let p = store.save(&snap("../../etc", 1)).unwrap();
        assert!(p.starts_with(dir.path().join("pingscope").join("environments")));
    }

    #[test]
    fn a_config_that_cannot_be_read_turns_storing_off() {
        assert_eq!(parse_config(""), StoreConfig::default());
        assert_eq!(parse_config("mouse = true\n"), StoreConfig::default());
        assert!(!parse_config("[store]\nenabled = false\n").enabled);
        assert_eq!(parse_config("[store]\nkeep = 3\n").keep, 3);
        for broken in [
            "[store]\nenable = false\n",
            "[store]\nkeep = \"5\"\n",
            "[store\n",
        ] {
            assert!(!parse_config(broken).enabled, "{broken}");
        }
    }

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(parse_duration("30m").unwrap(), Duration::from_secs(1800));
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(
            parse_duration("7d").unwrap(),
            Duration::from_secs(7 * 86_400)
        );
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5y").is_err());
    }
}
