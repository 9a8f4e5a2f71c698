//! The local store through the binary against the mock: a live load is kept (0600 in 0700, no
//! secret), a second look within `--max-age` sends no request and answers the same, `snapshots`
//! lists it, `@latest` names it, `--no-store` keeps nothing.

mod support;

use std::path::{Path, PathBuf};

use support::mock::{MockConfig, MockPingOne};

const CLIENT_ID: &str = "pingscope-test-worker";
const SECRET: &str = "s3cr3t-worker-secret-for-store";

fn run(m: &MockPingOne, dir: &Path, args: &[&str]) -> std::process::Output {
    command(m, dir, args).output().unwrap()
}

fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn a_second_look_within_max_age_sends_no_request_and_answers_the_same() {
    let s = pingscope::demo::generate(&pingscope::demo::Params::sized(60, 0, 0, 4));
    let m = MockPingOne::spawn_blocking(
        s,
        MockConfig {
            client_id: CLIENT_ID.into(),
            client_secret: SECRET.into(),
            ..MockConfig::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let first = ok(&run(&m, dir.path(), &["stats", "--json"]));
    let stored = files(&dir.path().join("data"));
    assert_eq!(stored.len(), 1, "{stored:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&stored[0]), 0o600);
        let mut d = stored[0].parent().unwrap().to_path_buf();
        while d.starts_with(dir.path().join("data")) && d != dir.path().join("data") {
            assert_eq!(mode(&d), 0o700, "{}", d.display());
            d = d.parent().unwrap().to_path_buf();
        }
    }
    assert!(!holds(&stored[0], SECRET), "a secret reached the store");

    // Within --max-age: no request at all, the same answer.
    let before = m.counters().requests;
    let out = run(&m, dir.path(), &["stats", "--json", "--max-age", "1h"]);
    assert_eq!(ok(&out), first);
    assert_eq!(m.counters().requests, before, "no request to PingOne");
    assert!(String::from_utf8_lossy(&out.stderr).contains("answered from the stored snapshot"));
    // `snapshot save` writes the stored snapshot out, still without a request.
    let saved = dir.path().join("out.json");
    ok(&run(
        &m,
        dir.path(),
        &[
            "snapshot",
            "save",
            saved.to_str().unwrap(),
            "--max-age",
            "1h",
        ],
    ));
    assert_eq!(m.counters().requests, before);
    assert!(pingscope::model::Snapshot::read(&saved).is_ok());

    // Listed, and usable by reference.
    let list: serde_json::Value =
        serde_json::from_str(&ok(&run(&m, dir.path(), &["snapshots", "--json"]))).unwrap();
    let items = list.as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["ref"], "@1");
    assert_eq!(
        items[0]["environment"]["id"],
        m.environment_id().to_string()
    );
    assert_eq!(items[0]["complete"], true);
    let by_ref = ok(&run(
        &m,
        dir.path(),
        &["--snapshot", "@latest", "stats", "--json"],
    ));
    assert_eq!(by_ref, first);
    assert_eq!(m.counters().requests, before);

    // --no-store keeps nothing new.
    ok(&run(&m, dir.path(), &["--no-store", "stats"]));
    assert_eq!(files(&dir.path().join("data")).len(), 1);
    assert!(m.counters().requests > before, "that one did load");
    assert_eq!(m.counters().violations(), 0);
}

/// Whether `needle` is in the stored file: in its bytes, or in what it holds once read.
fn holds(path: &Path, needle: &str) -> bool {
    let raw = std::fs::read(path).unwrap();
    let in_bytes = raw.windows(needle.len()).any(|w| w == needle.as_bytes());
    let mut decoded = Vec::new();
    pingscope::model::Snapshot::read(path)
        .unwrap()
        .to_writer(&mut decoded)
        .unwrap();
    in_bytes || String::from_utf8_lossy(&decoded).contains(needle)
}

fn command(m: &MockPingOne, dir: &Path, args: &[&str]) -> std::process::Command {
    // No keyring: the store is plain here (tests/credentials.rs covers the sealed store).
    let mut c = m.command(CLIENT_ID, SECRET, dir);
    c.args(args);
    c
}

/// The snapshot without when and how it was taken.
fn content(path: &Path) -> Vec<u8> {
    let mut s = pingscope::model::Snapshot::read(path).unwrap();
    s.meta = Default::default();
    let mut out = Vec::new();
    s.to_writer(&mut out).unwrap();
    out
}

/// Ctrl-C halfway through `snapshot save`: nothing at the target, a checkpoint in the store. The
/// next `snapshot save` continues from it: the same snapshot, and both runs together cost at
/// most 1.15 times one full load.
#[cfg(unix)]
#[test]
fn an_interrupted_snapshot_save_resumes_within_the_request_bound() {
    let s = pingscope::demo::generate(&pingscope::demo::Params::sized(1200, 60, 20, 4));
    let config = || MockConfig {
        client_id: CLIENT_ID.into(),
        client_secret: SECRET.into(),
        ..MockConfig::default()
    };
    let pace = ["--max-rps", "250"];
    // One full load, for the measure and the expected snapshot.
    let full_mock = MockPingOne::spawn_blocking(s.clone(), config());
    let full_dir = tempfile::tempdir().unwrap();
    let expected = full_dir.path().join("full.pscope");
    let args = |target: &Path| {
        let mut a = vec![
            "snapshot".to_owned(),
            "save".to_owned(),
            target.to_str().unwrap().to_owned(),
        ];
        a.extend(pace.iter().map(|s| s.to_string()));
        a
    };
    let a = args(&expected);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    ok(&run(&full_mock, full_dir.path(), &a));
    let full = full_mock.counters().requests;

    let m = MockPingOne::spawn_blocking(s, config());
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.pscope");
    let a = args(&target);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let mut child = command(&m, dir.path(), &a)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let waited = std::time::Instant::now();
    while m.counters().requests < full / 2 {
        assert!(
            waited.elapsed().as_secs() < 120,
            "the load did not get halfway"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let status = child.wait().unwrap();
    assert!(!status.success());
    let interrupted = m.counters().requests;
    assert!(
        interrupted < full,
        "interrupted after {interrupted} of {full}"
    );
    assert!(!target.exists(), "a partial file at the target");
    let journal: Vec<PathBuf> = files(&dir.path().join("data"))
        .into_iter()
        .filter(|p| p.ends_with("checkpoint.journal"))
        .collect();
    assert_eq!(journal.len(), 1, "a checkpoint is left");

    let out = run(&m, dir.path(), &a);
    ok(&out);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("resuming the load interrupted"), "{said}");
    let total = m.counters().requests;
    eprintln!(
        "full load {full}, interrupted {interrupted}, resumed {}",
        total - interrupted
    );
    assert!(
        total as f64 <= 1.15 * full as f64,
        "interrupted {interrupted} + resumed {} = {total} requests vs {full} for one full load",
        total - interrupted
    );
    assert_eq!(content(&target), content(&expected), "the same snapshot");
    assert!(
        pingscope::model::Snapshot::read(&target)
            .unwrap()
            .meta
            .resumed_from
            .is_some()
    );
    assert!(
        !journal[0].exists(),
        "a finished load removes its checkpoint"
    );
}

#[test]
fn the_rate_a_load_learnt_is_kept_and_the_next_load_starts_there() {
    // A tenant allowing 40 requests a second: the first load probes up from 100/s and is
    // refused; what it learnt is kept beside the snapshots, and the next load starts there.
    let s = pingscope::demo::generate(&pingscope::demo::Params::sized(120, 0, 0, 6));
    let m = MockPingOne::spawn_blocking(
        s,
        MockConfig {
            client_id: CLIENT_ID.into(),
            client_secret: SECRET.into(),
            rate_limit: Some(support::mock::RateLimit {
                per_second: 40.0,
                burst: 8,
            }),
            ..MockConfig::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let before = m.counters().rate_limited;
    ok(&run(&m, dir.path(), &["stats", "--json"]));
    let first = m.counters().rate_limited - before;
    assert!(first > 0, "the first load met the limit");
    let kept = files(&dir.path().join("data"))
        .into_iter()
        .find(|p| p.file_name().is_some_and(|n| n == "rate"))
        .expect("a rate file");
    let rate: f64 = std::fs::read_to_string(&kept)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!((1.0..100.0).contains(&rate), "{rate}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&kept).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let before = m.counters().rate_limited;
    ok(&run(&m, dir.path(), &["stats", "--json"]));
    let second = m.counters().rate_limited - before;
    assert!(
        second < first,
        "starting at the learnt {rate:.1}/s: {second} 429s, not {first}"
    );
}
