//! `pingscope diff` and `pingscope compare` through the binary: the JSON contract on two
//! generated snapshots (held equal to the model's diff), the filters, CSV, and the error paths.

#[path = "support/pipe.rs"]
mod pipe;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use pingscope::demo::{Params, generate, later};
use pingscope::model::Graph;
use pingscope::model::diff::{Change, diff};
use pingscope::model::snapshot::Format;
use serde_json::Value;

fn pingscope() -> Command {
    let mut c = Command::cargo_bin("pingscope").unwrap();
    for var in [
        "PINGONE_ENVIRONMENT_ID",
        "PINGONE_CLIENT_ID",
        "PINGSCOPE_PROFILE",
    ] {
        c.env_remove(var);
    }
    c.env(
        "XDG_CONFIG_HOME",
        std::env::temp_dir().join("pingscope-tests-no-config"),
    )
    .env("PINGSCOPE_KEYRING", "none");
    c
}

/// An environment and the same one a month later, as files, with the model's graphs.
struct Pair {
    _dir: tempfile::TempDir,
    old: PathBuf,
    new: PathBuf,
    graphs: (Graph, Graph),
}

fn pair(users: usize) -> Pair {
    let dir = tempfile::tempdir().unwrap();
    let base = generate(&Params::sized(users, 0, 0, 7));
    let next = later(&base, 7);
    let (old, new) = (dir.path().join("old.pscope"), dir.path().join("new.pscope"));
    base.write(&old, Format::Compact).unwrap();
    next.write(&new, Format::Jsonl).unwrap();
    Pair {
        _dir: dir,
        old,
        new,
        graphs: (Graph::build(base), Graph::build(next)),
    }
}

fn run_json(args: &[&str]) -> Value {
    let out = pingscope().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn the_json_contract_holds_every_change_of_the_model() {
    let p = pair(600);
    let v = run_json(&["diff", s(&p.old), s(&p.new), "--json"]);
    let (old, new) = (&p.graphs.0, &p.graphs.1);
    let d = diff(old, new);
    let changes = v["changes"].as_array().unwrap();
    assert_eq!(changes.len(), d.changes.len());
    assert!(changes.len() > 50, "{}", changes.len());
    for side in ["from", "to"] {
        assert_eq!(v[side]["environment"]["id"], v["from"]["environment"]["id"]);
        assert!(v[side]["takenAt"].is_string());
        assert!(v[side]["source"].is_object());
    }
    assert_ne!(v["from"]["takenAt"], v["to"]["takenAt"]);
    for (c, m) in changes.iter().zip(&d.changes) {
        assert_eq!(c["change"], m.change.as_str());
        assert_eq!(c["subject"]["id"], m.subject_id(old, new).to_string());
        assert_eq!(c["subject"]["kind"], m.subject.noun());
        assert_eq!(c["kind"], m.kind.noun());
        assert_eq!(c["target"]["id"], m.target_id(old, new).to_string());
        let path = c["path"].as_array().unwrap();
        assert_eq!(path[0]["id"], c["subject"]["id"]);
        assert_eq!(path.last().unwrap()["id"], c["target"]["id"]);
        assert_eq!(c["scope"].is_object(), c["kind"] == "role", "{c}");
        if c["kind"] == "role" {
            assert!(c["scope"]["type"].is_string() && c["scope"]["id"].is_string());
        }
        assert_eq!(c.get("cause").and_then(Value::as_str), m.cause().as_deref());
    }
    // Each loss of the month names what broke.
    let lost: Vec<&Value> = changes.iter().filter(|c| c["change"] == "lost").collect();
    assert!(!lost.is_empty());
    assert!(
        lost.iter().all(|c| c["cause"].is_string()),
        "every loss is explained"
    );
    for key in [
        "users",
        "groups",
        "applications",
        "gateways",
        "roles",
        "populations",
    ] {
        for part in ["added", "removed", "changed"] {
            assert!(v["entities"][key][part].is_array(), "{key}.{part}");
        }
    }
    assert_eq!(
        v["entities"]["users"]["added"].as_array().unwrap().len(),
        d.entities.users.added.len()
    );
    assert!(!d.entities.users.added.is_empty() && !d.entities.groups.changed.is_empty());
}

#[test]
fn filters_keep_kinds_one_user_or_one_application_and_csv_has_the_same_rows() {
    let p = pair(600);
    let d = diff(&p.graphs.0, &p.graphs.1);
    let v = run_json(&[
        "diff",
        s(&p.old),
        s(&p.new),
        "--json",
        "--only",
        "roles,applications",
    ]);
    let kept = v["changes"].as_array().unwrap();
    let want = d
        .changes
        .iter()
        .filter(|c| c.kind.noun() != "group")
        .count();
    assert_eq!(kept.len(), want);
    assert!(kept.iter().all(|c| c["kind"] != "group"));

    let who = d.changes.iter().find(|c| c.change == Change::Lost).unwrap();
    let name = who.subject_name(&p.graphs.0, &p.graphs.1);
    let v = run_json(&["diff", s(&p.old), s(&p.new), "--json", "--user", &name]);
    let mine = v["changes"].as_array().unwrap();
    assert!(!mine.is_empty());
    assert!(mine.iter().all(|c| c["subject"]["name"] == name.as_str()));

    let app = d
        .changes
        .iter()
        .find(|c| c.kind.noun() == "application")
        .unwrap();
    let v = run_json(&[
        "diff",
        s(&p.old),
        s(&p.new),
        "--json",
        "--app",
        &app.target_id(&p.graphs.0, &p.graphs.1).to_string(),
    ]);
    let about = v["changes"].as_array().unwrap();
    assert!(
        about
            .iter()
            .all(|c| c["target"]["id"] == app.target_id(&p.graphs.0, &p.graphs.1).to_string())
    );

    let out = pingscope()
        .args(["diff", s(&p.old), s(&p.new), "--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut csv = csv::Reader::from_reader(out.stdout.as_slice());
    assert_eq!(csv.headers().unwrap().get(0), Some("change"));
    assert_eq!(csv.records().count(), d.changes.len());

    let text = pingscope()
        .args(["diff", s(&p.old), s(&p.new)])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains(&format!("user {name}")), "grouped by subject");
    assert!(text.contains("\nentities\n"));
}

#[test]
fn other_environments_and_damaged_files_are_one_line_errors_with_nothing_on_stdout() {
    let p = pair(300);
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.pscope");
    generate(&Params::sized(300, 0, 0, 99))
        .write(&other, Format::Compact)
        .unwrap();
    let garbage = dir.path().join("garbage.pscope");
    std::fs::write(&garbage, b"\x00\x01 not a snapshot").unwrap();
    let cut = dir.path().join("cut.pscope");
    let bytes = std::fs::read(&p.new).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let cases: [(&Path, &str); 3] = [
        (&other, "different environments"),
        (&garbage, "garbage.pscope"),
        (&cut, "cut.pscope"),
    ];
    for (file, says) in cases {
        let out = pingscope()
            .args(["diff", s(&p.old), s(file)])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{file:?}");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(says), "{err}");
    }
    let out = pingscope()
        .args(["diff", s(&p.old), s(&other), "--json"])
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    let ids: Vec<String> = [&p.graphs.0]
        .iter()
        .map(|g| g.environment.id.as_ref().unwrap().to_string())
        .collect();
    assert!(err.contains(&ids[0]), "names both: {err}");
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let p = pair(600);
    let (first, out) =
        pipe::first_line_then_close(&["diff", s(&p.old), s(&p.new), "--format", "csv"]);
    assert!(first.starts_with("change,"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty());
}

#[test]
fn compare_lists_what_each_has_and_the_group_that_closes_a_gap() {
    let v = run_json(&["--demo", "compare", "alice.nguyen", "kofi.mensah", "--json"]);
    assert_eq!(v["user"]["username"], "alice.nguyen");
    let changes = v["changes"].as_array().unwrap();
    let missing: Vec<&Value> = changes
        .iter()
        .filter(|c| c["change"] == "missing")
        .collect();
    let extra: Vec<&Value> = changes.iter().filter(|c| c["change"] == "extra").collect();
    assert!(!missing.is_empty() && !extra.is_empty());
    assert!(
        missing
            .iter()
            .all(|c| c["subject"]["name"] == "kofi.mensah")
    );
    assert!(extra.iter().all(|c| c["subject"]["name"] == "alice.nguyen"));
    let board = missing
        .iter()
        .find(|c| c["target"]["name"] == "Board Portal")
        .expect("kofi reaches the Board Portal through Executives");
    assert_eq!(board["closedBy"]["name"], "Executives");
    // A role assigned to kofi himself: no group closes it.
    let org = missing.iter().find(|c| c["kind"] == "role").unwrap();
    assert!(org.get("closedBy").is_none());
    let text = pingscope()
        .args(["--demo", "compare", "alice.nguyen", "kofi.mensah"])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("joining Executives would close it"), "{text}");
    let out = pingscope()
        .args(["--demo", "compare", "alice.nguyen", "nobody.here"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("nobody.here")
    );
}

#[test]
fn stored_references_and_one_argument_compare_with_the_newest_stored_snapshot() {
    let data = tempfile::tempdir().unwrap();
    let base = generate(&Params::sized(300, 0, 0, 3));
    let next = later(&base, 3);
    let env = base.environment.id.as_ref().unwrap().to_string();
    let dir = data
        .path()
        .join("pingscope")
        .join("environments")
        .join(&env);
    std::fs::create_dir_all(&dir).unwrap();
    let file = |s: &pingscope::model::Snapshot| {
        dir.join(format!("{:013}.pscope", s.meta.taken_at.millis().unwrap()))
    };
    base.write(&file(&base), Format::Compact).unwrap();
    next.write(&file(&next), Format::Compact).unwrap();
    let run = |args: &[&str]| {
        pingscope()
            .env("XDG_DATA_HOME", data.path())
            .args(args)
            .output()
            .unwrap()
    };
    let want = diff(&Graph::build(base.clone()), &Graph::build(next.clone()))
        .changes
        .len();
    let older = file(&base);
    for args in [
        vec!["diff", "@2", "@1", "--json"],
        vec!["diff", "@2", "--json"],
        vec!["diff", s(&older), "--json"],
    ] {
        let out = run(&args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["changes"].as_array().unwrap().len(), want, "{args:?}");
    }
    let out = run(&["diff", "@1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is the newest stored snapshot"));
    let out = run(&["diff", "@7"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no stored snapshot @7"));
}
