//! A PingOne that answers wrongly on purpose (the mock's `Breakage`): every broken answer ends
//! as a gap in the coverage ledger or a one-line error, never as a silent "complete", never as a
//! hang, and never with unbounded memory.

mod support;

use std::time::{Duration, Instant};

use pingscope::model::*;
use pingscope::pingone::{self, AuthMethod, Client, Tuning};
use support::mock::{self, Breakage, Endpoint, MockConfig, MockPingOne};

const CLIENT_ID: &str = "pingscope-test-worker";
const SECRET: &str = "s3cr3t-worker-secret";

fn env(users: usize) -> Snapshot {
    pingscope::demo::generate(&pingscope::demo::Params::sized(users, 70, 40, 11))
}

fn config(breakage: Vec<Breakage>) -> MockConfig {
    MockConfig {
        client_id: CLIENT_ID.into(),
        client_secret: SECRET.into(),
        breakage,
        ..MockConfig::default()
    }
}

fn tuning() -> Tuning {
    Tuning {
        backoff_base: Duration::from_millis(10),
        max_retry_after: Duration::from_secs(1),
        request_timeout: Duration::from_secs(2),
        retry_budget: Duration::from_secs(4),
        ..Tuning::default()
    }
}

fn client(m: &MockPingOne, tuning: Tuning) -> Client {
    Client::new(m.connection(CLIENT_ID, SECRET, AuthMethod::Basic), tuning).unwrap()
}

async fn load_broken(
    s: &Snapshot,
    b: Vec<Breakage>,
    t: Tuning,
) -> Result<Snapshot, pingone::ApiError> {
    let m = mock::start(s.clone(), config(b)).await;
    let c = client(&m, t);
    let r = pingone::load(&c, &|_| {}).await;
    assert_eq!(m.counters().violations(), 0);
    r
}

fn gap<'a>(s: &'a Snapshot, stage: Stage, code: &str) -> &'a Gap {
    s.coverage
        .gaps
        .iter()
        .find(|g| g.stage == stage && g.code.as_deref() == Some(code))
        .unwrap_or_else(|| panic!("no {code} gap for {stage:?}: {:?}", s.coverage.gaps))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_without_embedded_is_a_gap_not_an_empty_collection() {
    let s = env(120);
    for (endpoint, stage) in [
        (Endpoint::UsersList, Stage::Users),
        (Endpoint::Applications, Stage::Applications),
        (Endpoint::UserGroups, Stage::UserMemberships),
        (Endpoint::UserRoles, Stage::UserRoleAssignments),
        (Endpoint::GroupRoles, Stage::GroupRoleAssignments),
    ] {
        let loaded = load_broken(&s, vec![Breakage::NoEmbedded(endpoint)], tuning())
            .await
            .unwrap();
        assert_ne!(
            loaded.coverage.state(stage),
            StageState::Complete,
            "{stage:?}"
        );
        gap(&loaded, stage, "INCOMPLETE_LISTING");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fewer_items_than_the_count_says_is_incomplete() {
    let s = env(450);
    let loaded = load_broken(
        &s,
        vec![Breakage::ShortListing(Endpoint::UsersList)],
        tuning(),
    )
    .await
    .unwrap();
    assert!(loaded.users.len() < s.users.len());
    assert_eq!(loaded.coverage.state(Stage::Users), StageState::Partial);
    let g = gap(&loaded, Stage::Users, "INCOMPLETE_LISTING");
    // Users are listed population by population: the first listing came short.
    assert!(
        g.message.contains("items the collection reports"),
        "{}",
        g.message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lone_surrogate_loses_nothing_and_flags_the_user() {
    let s = env(120);
    let loaded = load_broken(
        &s,
        vec![Breakage::LoneSurrogate(Endpoint::UsersList)],
        tuning(),
    )
    .await
    .unwrap();
    assert_eq!(loaded.users.len(), s.users.len(), "no user lost");
    let flagged: Vec<&User> = loaded
        .users
        .iter()
        .filter(|u| u.username.starts_with('\u{FFFD}'))
        .collect();
    // The first user of each population's listing.
    assert_eq!(
        flagged.len(),
        s.populations.len(),
        "the first user of each listing"
    );
    let g = gap(&loaded, Stage::Users, "REPAIRED_TEXT");
    assert!(flagged.iter().any(|u| g.entity.as_ref() == Some(&u.id)));
    assert!(
        loaded.coverage.is_complete(Stage::Users),
        "kept, and flagged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_empty_pages_stop_and_say_so() {
    let s = env(60);
    let m = mock::start(
        s.clone(),
        config(vec![Breakage::EndlessEmptyPages(Endpoint::UsersList)]),
    )
    .await;
    let c = client(&m, tuning());
    let started = Instant::now();
    let loaded = pingone::load(&c, &|_| {}).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(20));
    // At most a few pages per population's listing.
    let listings = s.populations.len() as u64;
    assert!(
        m.counters().users_list <= 5 * listings,
        "{}",
        m.counters().users_list
    );
    assert_ne!(loaded.coverage.state(Stage::Users), StageState::Complete);
    let g = gap(&loaded, Stage::Users, "INCOMPLETE_LISTING");
    assert!(g.message.contains("without items"), "{}", g.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_hangs_or_trickles_ends_within_the_deadlines() {
    let s = env(40);
    for b in [
        Breakage::SlowHeaders(Endpoint::UsersList, Duration::from_secs(30)),
        Breakage::TrickleBody(Endpoint::UsersList, Duration::from_millis(200)),
    ] {
        let started = Instant::now();
        let loaded = load_broken(&s, vec![b.clone()], tuning()).await.unwrap();
        let took = started.elapsed();
        // request timeout 2 s, retry budget 4 s: well under the 30 s a hung request would take.
        assert!(took < Duration::from_secs(15), "{b:?} took {took:?}");
        assert_eq!(
            loaded.coverage.state(Stage::Users),
            StageState::Failed,
            "{b:?}"
        );
        let g = loaded
            .coverage
            .gaps
            .iter()
            .find(|g| g.stage == Stage::Users)
            .expect("a gap");
        assert!(g.message.contains("timed out"), "{b:?}: {}", g.message);
    }
    // A slow token endpoint: one line, within the token deadline.
    let started = Instant::now();
    let err = load_broken(
        &s,
        vec![Breakage::SlowToken(Duration::from_secs(30))],
        Tuning {
            request_timeout: Duration::from_millis(500),
            ..tuning()
        },
    )
    .await
    .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let msg = err.to_string();
    assert!(
        msg.contains("timed out") || msg.contains("too slow"),
        "{msg}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_larger_than_the_cap_is_refused_not_held() {
    let s = env(40);
    let loaded = load_broken(
        &s,
        vec![Breakage::HugeBody(Endpoint::UsersList, 8 << 20)],
        Tuning {
            max_body: 1 << 20,
            ..tuning()
        },
    )
    .await
    .unwrap();
    assert_eq!(loaded.coverage.state(Stage::Users), StageState::Failed);
    let g = loaded
        .coverage
        .gaps
        .iter()
        .find(|g| g.stage == Stage::Users)
        .expect("a gap");
    assert!(g.message.contains("larger than 1 MiB"), "{}", g.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_token_answer_says_what_is_wrong() {
    let s = env(10);
    for (body, want) in [
        ("<html><body>Sign in</body></html>", "HTML page"),
        ("{\"access_token\": ", "ends early"),
        ("{\"token_type\": \"Bearer\"}", "has no access_token"),
        (
            "{\"access_token\": \"t\", \"expires_in\": -100}",
            "expires_in (-100)",
        ),
        (
            "{\"access_token\": \"t\", \"expires_in\": 1e308}",
            "expires_in (1e+308)",
        ),
        ("[1, 2]", "not a JSON object"),
    ] {
        let err = load_broken(&s, vec![Breakage::TokenBody(body.into())], tuning())
            .await
            .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(want), "{body}: {msg}");
        assert!(!msg.contains('\n') && !msg.contains(" at line "), "{msg}");
    }
    // A numeric string is a lifetime all the same.
    let m = mock::start(
        s.clone(),
        config(vec![Breakage::TokenBody(
            "{\"access_token\": \"t\", \"expires_in\": \"3600\"}".into(),
        )]),
    )
    .await;
    assert!(client(&m, tuning()).authenticate().await.is_ok());
}

fn pingscope(m: &MockPingOne, dir: &std::path::Path) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("pingscope").unwrap();
    c.env("XDG_CONFIG_HOME", dir)
        .env("XDG_DATA_HOME", dir)
        .env("PINGONE_ENVIRONMENT_ID", m.environment_id())
        .env("PINGONE_AUTH_ENVIRONMENT_ID", m.worker_env_id())
        .env("PINGONE_CLIENT_ID", CLIENT_ID)
        .env("PINGONE_CLIENT_SECRET", SECRET)
        .env("PINGONE_REGION_CODE", "NA")
        .env("PINGONE_API_URL", m.api_url())
        .env("PINGONE_AUTH_URL", m.auth_url())
        .env_remove("PINGSCOPE_PROFILE");
    c
}

#[test]
fn an_incomplete_live_load_writes_its_snapshot_and_exits_3() {
    let s = env(80);
    let m = MockPingOne::spawn_blocking(
        s.clone(),
        config(vec![Breakage::NoEmbedded(Endpoint::Applications)]),
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("partial.json");
    let out = pingscope(&m, dir.path())
        .args(["snapshot", "save", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("incomplete") && err.contains("applications"),
        "{err}"
    );
    // The work is kept: the snapshot is written, and says what it lacks.
    let saved = Snapshot::read(&file).unwrap();
    assert_eq!(saved.users.len(), s.users.len());
    assert!(!saved.coverage.is_complete(Stage::Applications));
    // Accepted on request.
    let out = pingscope(&m, dir.path())
        .args(["--allow-incomplete", "stats", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A complete load exits 0.
    let m = MockPingOne::spawn_blocking(s, config(Vec::new()));
    let out = pingscope(&m, dir.path()).args(["stats"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[cfg(unix)]
#[test]
fn sigint_while_a_snapshot_is_written_leaves_no_partial_file() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("big.json");
    // A large environment, so the write lasts long enough to be interrupted.
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("pingscope"))
        .args(["demo", "generate", "--users", "150000", "--out"])
        .arg(&target)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let temp = || {
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .any(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(".pingscope-snapshot-")
            })
    };
    let started = Instant::now();
    while !temp() && started.elapsed() < Duration::from_secs(120) {
        if child.try_wait().unwrap().is_some() {
            panic!("the write ended before it could be interrupted");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(temp(), "the temporary file appeared");
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "ended as SIGINT would");
    assert!(!temp(), "the temporary file was removed");
    assert!(!target.exists(), "no partial snapshot at the target");
}
