//! A Snapshot: everything pingscope knows about one environment at one moment, plus what it could
//! not read (the coverage ledger), and the versioned file format that stores it.

mod binary;
mod file;
mod write;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::entities::*;

pub use binary::MAGIC;
pub use file::{Head, MAX_LINE};
pub use write::remove_unfinished;

/// The two file formats. Reading tells them apart by their first bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// MessagePack records in a zstd frame: the store's format and the default for files
    /// (a tenth of the JSON Lines size; a ready graph in 60–70% of the time, measured at 100k
    /// and 1M users).
    #[default]
    Compact,
    /// JSON Lines: the documented interchange format, readable with `jq`.
    Jsonl,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "compact" | "binary" => Ok(Format::Compact),
            "jsonl" | "json" => Ok(Format::Jsonl),
            other => Err(format!("unknown format {other:?}: use compact or jsonl")),
        }
    }
}

/// The `format` marker every snapshot file carries.
pub const FORMAT: &str = "pingscope-snapshot";
/// The newest file format version this build reads and the one it writes.
pub const VERSION: u32 = 1;

#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub meta: Meta,
    #[serde(default)]
    pub coverage: Coverage,
    #[serde(default)]
    pub environment: Environment,
    #[serde(default)]
    pub populations: Vec<Population>,
    #[serde(default)]
    pub users: Vec<User>,
    #[serde(default)]
    pub groups: Vec<Group>,
    #[serde(default)]
    pub roles: Vec<Role>,
    #[serde(default)]
    pub applications: Vec<Application>,
    #[serde(default)]
    pub gateways: Vec<Gateway>,
}

/// When and from where a snapshot was taken.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    pub taken_at: Timestamp,
    pub source: Source,
    /// The pingscope version that took it.
    #[serde(default)]
    pub tool_version: String,
    /// The profile a live load used (its name only: never a secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Set when the load continued an interrupted one: when that one began. Its reads (at
    /// most a day old) stand beside this load's in the snapshot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resumed_from: Option<Timestamp>,
    /// Set when this snapshot is a refresh from the audit log: when the snapshot it brought up
    /// to date was taken (its per-entity reads not named by an event come from that one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refreshed_from: Option<Timestamp>,
}

impl Default for Meta {
    fn default() -> Self {
        Meta {
            taken_at: Timestamp::from_millis(0),
            source: Source::Generated { seed: 0 },
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            profile: None,
            resumed_from: None,
            refreshed_from: None,
        }
    }
}

#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Source {
    /// Read from the PingOne Management API at this base URL.
    Live {
        #[serde(rename = "apiUrl")]
        api_url: String,
    },
    /// Made by pingscope's generator (the demo environment is one).
    Generated { seed: u64 },
}

/// The load stages whose completeness answers depend on.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Stage {
    Environment,
    Populations,
    Users,
    Groups,
    Roles,
    Applications,
    Gateways,
    GroupNesting,
    GroupRoleAssignments,
    ApplicationRoleAssignments,
    GatewayRoleAssignments,
    UserMemberships,
    UserRoleAssignments,
}

impl Stage {
    pub const ALL: [Stage; 13] = [
        Stage::Environment,
        Stage::Populations,
        Stage::Users,
        Stage::Groups,
        Stage::Roles,
        Stage::Applications,
        Stage::Gateways,
        Stage::GroupNesting,
        Stage::GroupRoleAssignments,
        Stage::ApplicationRoleAssignments,
        Stage::GatewayRoleAssignments,
        Stage::UserMemberships,
        Stage::UserRoleAssignments,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Stage::Environment => "environment",
            Stage::Populations => "populations",
            Stage::Users => "users",
            Stage::Groups => "groups",
            Stage::Roles => "roles",
            Stage::Applications => "applications",
            Stage::Gateways => "gateways",
            Stage::GroupNesting => "group nesting",
            Stage::GroupRoleAssignments => "group role assignments",
            Stage::ApplicationRoleAssignments => "application role assignments",
            Stage::GatewayRoleAssignments => "gateway role assignments",
            Stage::UserMemberships => "user memberships",
            Stage::UserRoleAssignments => "user role assignments",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StageState {
    /// Every request of the stage succeeded (entities deleted mid-load excepted).
    Complete,
    /// Some of it is known: still loading, or some requests failed (see the gaps).
    Partial,
    /// Nothing of it could be read.
    Failed,
    NotStarted,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StageReport {
    pub stage: Stage,
    pub state: StageState,
    #[serde(default)]
    pub done: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
}

/// One thing that could not be read: a whole collection, or a per-entity lookup.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Gap {
    pub stage: Stage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub message: String,
}

/// The coverage ledger: how complete each stage is and what could not be read.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Coverage {
    #[serde(default)]
    pub stages: Vec<StageReport>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gaps: Vec<Gap>,
    /// Entities that disappeared between being listed and being read.
    #[serde(default)]
    pub deleted_during_load: u64,
}

impl Coverage {
    /// A ledger saying everything was read.
    pub fn complete() -> Self {
        Coverage {
            stages: Stage::ALL
                .iter()
                .map(|&stage| StageReport {
                    stage,
                    state: StageState::Complete,
                    done: 0,
                    total: None,
                })
                .collect(),
            gaps: Vec::new(),
            deleted_during_load: 0,
        }
    }

    pub fn state(&self, stage: Stage) -> StageState {
        self.stages
            .iter()
            .find(|r| r.stage == stage)
            .map_or(StageState::NotStarted, |r| r.state)
    }

    pub fn is_complete(&self, stage: Stage) -> bool {
        self.state(stage) == StageState::Complete
    }

    /// The stages that are not complete.
    pub fn incomplete(&self) -> Vec<Stage> {
        Stage::ALL
            .into_iter()
            .filter(|&s| !self.is_complete(s))
            .collect()
    }

    pub fn set(&mut self, stage: Stage, state: StageState, done: u64, total: Option<u64>) {
        let report = StageReport {
            stage,
            state,
            done,
            total,
        };
        match self.stages.iter_mut().find(|r| r.stage == stage) {
            Some(r) => *r = report,
            None => self.stages.push(report),
        }
    }
}

/// Why a snapshot file could not be read or written. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("cannot read snapshot {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write snapshot {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is empty, not a pingscope snapshot")]
    Empty { path: PathBuf },
    #[error("{path} is not a pingscope snapshot ({detail})")]
    NotASnapshot { path: PathBuf, detail: String },
    #[error(
        "{path} was written by a newer pingscope (snapshot format {found}; this build reads up to {VERSION}): upgrade pingscope"
    )]
    TooNew { path: PathBuf, found: u32 },
    #[error(
        "{path} is truncated (it ends at line {line}, column {column}): take the snapshot again"
    )]
    Truncated {
        path: PathBuf,
        line: usize,
        column: usize,
    },
    #[error("{path} is damaged: {detail}")]
    Damaged { path: PathBuf, detail: String },
    #[error("{path} is truncated (it ends after {records} records): take the snapshot again")]
    Cut { path: PathBuf, records: usize },
    #[error("{path} is damaged at line {line}, column {column}: {detail}")]
    Malformed {
        path: PathBuf,
        line: usize,
        column: usize,
        detail: String,
    },
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::Path;

    use super::*;

    fn tiny() -> Snapshot {
        Snapshot {
            meta: Meta::default(),
            coverage: Coverage::complete(),
            environment: Environment {
                id: Some(Id::new("b4f5e266-a946-4f77-9cc5-5dc91b046431")),
                name: "Acme \u{1b}[2J Prod".into(),
                ..Default::default()
            },
            users: vec![
                serde_json::from_value(serde_json::json!({
                    "id": "a8890eb9-38ea-469a-bc00-b64be7903633",
                    "username": "zoë 🦀 \u{202e}reversed",
                    "memberships": [{"id": "not-a-uuid", "type": "SOMETHING_NEW"}],
                }))
                .unwrap(),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn write_then_read_round_trips_with_owner_only_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let s = tiny();
        for format in [Format::Compact, Format::Jsonl] {
            s.write(&path, format).unwrap();
            assert_eq!(Snapshot::read(&path).unwrap(), s, "{format:?}");
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
                assert_eq!(mode, 0o600);
            }
        }
        // Overwriting keeps the mode and leaves no temporary file behind.
        s.write(&path, Format::Compact).unwrap();
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    fn err_of(bytes: &[u8]) -> String {
        Snapshot::from_bytes(bytes, Path::new("/tmp/x.json"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn malformed_files_get_clear_errors_naming_the_file() {
        let mut good = Vec::new();
        tiny().to_writer(&mut good).unwrap();
        let text = String::from_utf8(good.clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "header, one user, end: {text}");
        let header = lines[0];
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"".to_vec(), "is empty"),
            (b"  \n\n".to_vec(), "is empty"),
            // Cut inside a line, and cut exactly at a line boundary: both are truncation.
            (good[..good.len() - 10].to_vec(), "is truncated"),
            (
                format!("{}\n{}\n", lines[0], lines[1]).into_bytes(),
                "is truncated",
            ),
            (b"\x00\xff garbage".to_vec(), "not JSON"),
            (b"[1,2,3]".to_vec(), "not JSON"),
            (b"{\"users\": []}".to_vec(), "marker"),
            (
                b"{\"format\": \"pingscope-snapshot\", \"version\": 99}".to_vec(),
                "newer pingscope (snapshot format 99",
            ),
            (
                b"{\"format\": \"pingscope-snapshot\", \"version\": \"one\"}".to_vec(),
                "no valid \"version\"",
            ),
            (
                format!("{header}\n{{\"user\": {{\"id\": 5}}}}\n").into_bytes(),
                "damaged at line 2",
            ),
            (
                format!("{header}\n{{\"gizmo\": {{}}}}\n").into_bytes(),
                "damaged at line 2",
            ),
            (
                format!("{header}\n{}\n", lines[2]).into_bytes(),
                "its last line counts 0 populations, 1 users",
            ),
        ];
        for (bytes, want) in cases {
            let msg = err_of(&bytes);
            assert!(!msg.contains("Counts {"), "no Rust debug text: {msg}");
            assert!(msg.contains("/tmp/x.json"), "{msg}");
            assert!(msg.contains(want), "want {want:?} in {msg:?}");
        }
    }

    #[test]
    fn a_missing_file_is_a_read_error() {
        let msg = Snapshot::read(Path::new("/nonexistent/s.json"))
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with("cannot read snapshot /nonexistent/s.json"),
            "{msg}"
        );
    }

    #[test]
    fn coverage_reports_incomplete_stages() {
        let mut c = Coverage::complete();
        assert!(c.incomplete().is_empty());
        c.set(
            Stage::UserRoleAssignments,
            StageState::Partial,
            10,
            Some(20),
        );
        assert_eq!(c.incomplete(), vec![Stage::UserRoleAssignments]);
        assert!(!Coverage::default().is_complete(Stage::Users));
    }
}
