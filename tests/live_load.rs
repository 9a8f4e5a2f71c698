//! The live loader against the mock PingOne: round trips under adversity, and every error of
//! API.md section 3 with the message a user sees.

mod support;

use std::sync::Mutex;
use std::time::Duration;

use pingscope::demo::{Params, generate, people_of_note as who};
use pingscope::model::*;
use pingscope::pingone::loader::GroupPlanReport;
use pingscope::pingone::{
    self, AuthMethod, Client, Connection, LoadEvent, MembershipPlan, Region, Secret, Tuning,
};
use support::mock::{self, Forbidden, MemberFilter, MockConfig, MockPingOne, RateLimit};

const CLIENT_ID: &str = "pingscope-test-worker";
const SECRET: &str = "s3cr3t-worker-secret";

fn env(users: usize) -> Snapshot {
    generate(&Params::sized(users, 90, 40, 7))
}

fn config() -> MockConfig {
    MockConfig {
        client_id: CLIENT_ID.into(),
        client_secret: SECRET.into(),
        ..MockConfig::default()
    }
}

fn connection(m: &MockPingOne, secret: &str, method: AuthMethod) -> Connection {
    m.connection(CLIENT_ID, secret, method)
}

fn fast_tuning() -> Tuning {
    Tuning {
        backoff_base: Duration::from_millis(10),
        max_retry_after: Duration::from_secs(2),
        ..Tuning::default()
    }
}

async fn load(m: &MockPingOne, tuning: Tuning) -> (Result<Snapshot, pingone::ApiError>, Client) {
    let client = Client::new(connection(m, SECRET, AuthMethod::Basic), tuning).unwrap();
    let r = pingone::load(&client, &|_| {}).await;
    (r, client)
}

fn assert_same(loaded: Snapshot, original: &Snapshot) {
    let (a, b) = (mock::content(loaded), mock::content(original.clone()));
    for (x, y) in a.users.iter().zip(&b.users) {
        assert_eq!(x, y, "first differing user");
    }
    for (x, y) in a.groups.iter().zip(&b.groups) {
        assert_eq!(x, y, "first differing group");
    }
    for (x, y) in a.applications.iter().zip(&b.applications) {
        assert_eq!(x, y, "first differing application");
    }
    assert_eq!(a.roles, b.roles);
    assert_eq!(a.populations, b.populations);
    assert_eq!(a.environment, b.environment);
    assert!(a == b, "snapshots differ in size");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_load_round_trips_exactly_with_the_planned_requests() {
    let s = env(450);
    let m = mock::start(s.clone(), config()).await;
    let events = Mutex::new(Vec::new());
    let tuning = Tuning {
        plan: MembershipPlan::PerUser,
        ..fast_tuning()
    };
    let client = Client::new(connection(&m, SECRET, AuthMethod::Basic), tuning).unwrap();
    let loaded = pingone::load_with_partials(&client, &|e| {
        if let LoadEvent::Partial(p) = e {
            events.lock().unwrap().push(*p);
        }
    })
    .await
    .unwrap();
    assert!(
        loaded.coverage.incomplete().is_empty(),
        "{:?}",
        loaded.coverage
    );
    assert!(matches!(loaded.meta.source, Source::Live { .. }));
    let requests = client.counters().requests();
    let planned = pingone::loader::planned_requests(&loaded, 200, false);
    assert_eq!(requests, planned, "requests made vs the plan's minimum");
    assert_same(loaded, &s);
    let c = m.counters();
    assert_eq!(c.violations(), 0, "{}", c.summary());
    assert_eq!(c.tokens_issued, 1);

    // The first partial snapshot came after the collections: usable, and honest about it.
    let partials = events.into_inner().unwrap();
    let first = partials.first().expect("a partial snapshot");
    assert_eq!(first.users.len(), s.users.len());
    assert!(!first.coverage.is_complete(Stage::UserMemberships));
    let graph = Graph::build(first.clone());
    let u = graph.find_user(who::DEEP_NESTING).unwrap();
    let a = Access::compute(&graph, u);
    assert!(
        a.incomplete
            .iter()
            .any(|m| m.contains("memberships were not read")),
        "{:?}",
        a.incomplete
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_under_rate_limits_faults_drops_and_expiring_tokens_still_round_trips() {
    let s = env(300);
    let m = mock::start(
        s.clone(),
        MockConfig {
            latency: Duration::from_millis(3),
            latency_jitter: Duration::from_millis(3),
            rate_limit: Some(RateLimit {
                per_second: 400.0,
                burst: 20,
            }),
            fault_rate: 0.05,
            drop_rate: 0.02,
            token_ttl: Duration::from_secs(1),
            seed: 11,
            ..config()
        },
    )
    .await;
    let (loaded, client) = load(
        &m,
        Tuning {
            max_rps: None,
            ..fast_tuning()
        },
    )
    .await;
    let loaded = loaded.unwrap();
    let gaps: Vec<&str> = loaded
        .coverage
        .gaps
        .iter()
        .take(3)
        .map(|g| g.message.as_str())
        .collect();
    assert!(
        loaded.coverage.incomplete().is_empty(),
        "{} gaps, first: {gaps:?}",
        loaded.coverage.gaps.len()
    );
    assert_same(loaded, &s);
    let c = m.counters();
    assert_eq!(c.violations(), 0, "{}", c.summary());
    assert!(c.faults > 0 && c.drops > 0, "{}", c.summary());
    assert!(
        c.tokens_issued > 1,
        "tokens were refreshed: {}",
        c.summary()
    );
    assert!(client.counters().retried() > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_as_an_http_date_is_honoured() {
    let s = env(100);
    let m = mock::start(
        s.clone(),
        MockConfig {
            rate_limit: Some(RateLimit {
                per_second: 60.0,
                burst: 5,
            }),
            retry_after_http_date: true,
            ..config()
        },
    )
    .await;
    let (loaded, client) = load(&m, fast_tuning()).await;
    assert_same(loaded.unwrap(), &s);
    assert!(client.counters().throttled() > 0);
}

/// Partial snapshots are full copies: a plain `load` (the CLI, `snapshot save`) must not make them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_load_reports_progress_but_copies_no_partial_snapshots() {
    let s = env(60);
    let m = mock::start(s.clone(), config()).await;
    let client = Client::new(connection(&m, SECRET, AuthMethod::Basic), fast_tuning()).unwrap();
    let (partials, progress) = (Mutex::new(0), Mutex::new(0));
    let loaded = pingone::load(&client, &|e| match e {
        LoadEvent::Partial(_) => *partials.lock().unwrap() += 1,
        _ => *progress.lock().unwrap() += 1,
    })
    .await
    .unwrap();
    assert_same(loaded, &s);
    assert_eq!(partials.into_inner().unwrap(), 0);
    assert!(progress.into_inner().unwrap() > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_client_authentication_methods_work() {
    let s = env(60);
    let m = mock::start(s.clone(), config()).await;
    for method in [AuthMethod::Basic, AuthMethod::Post] {
        let client = Client::new(connection(&m, SECRET, method), fast_tuning()).unwrap();
        client.authenticate().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_or_disabled_app_says_what_to_check_without_the_secret() {
    let m = mock::start(env(60), config()).await;
    let client = Client::new(
        connection(&m, "wrong-secret", AuthMethod::Basic),
        fast_tuning(),
    )
    .unwrap();
    let msg = pingone::load(&client, &|_| {})
        .await
        .unwrap_err()
        .to_string();
    for want in [
        "invalid_client",
        "wrong client secret",
        "disabled",
        "not a Worker",
    ] {
        assert!(msg.contains(want), "{want}: {msg}");
    }
    assert!(
        !msg.contains("wrong-secret") && !msg.contains('\n'),
        "{msg}"
    );

    m.set_app_disabled(true);
    let client = Client::new(connection(&m, SECRET, AuthMethod::Basic), fast_tuning()).unwrap();
    let msg = pingone::load(&client, &|_| {})
        .await
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("invalid_client") && !msg.contains(SECRET),
        "{msg}"
    );
    assert_eq!(m.counters().violations(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forbidden_collection_is_recorded_and_the_load_goes_on() {
    let s = env(80);
    let m = mock::start(
        s.clone(),
        MockConfig {
            forbidden: vec![Forbidden::Applications],
            ..config()
        },
    )
    .await;
    let (loaded, _) = load(&m, fast_tuning()).await;
    let loaded = loaded.unwrap();
    assert_eq!(loaded.users.len(), s.users.len());
    assert!(loaded.applications.is_empty());
    assert_eq!(
        loaded.coverage.state(Stage::Applications),
        StageState::Failed
    );
    let gap = loaded
        .coverage
        .gaps
        .iter()
        .find(|g| g.stage == Stage::Applications)
        .unwrap();
    assert_eq!(gap.status, Some(403));
    assert!(
        gap.message.contains("Configuration Read Only"),
        "{}",
        gap.message
    );
    assert!(
        gap.message
            .contains("403 ACCESS_FAILED (INSUFFICIENT_PERMISSIONS)"),
        "{}",
        gap.message
    );
    // Answers that depend on applications say so.
    let graph = Graph::build(loaded);
    let a = Access::compute(&graph, UserIx(0));
    assert!(
        a.incomplete.iter().any(|m| m.contains("applications")),
        "{:?}",
        a.incomplete
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forbidden_per_user_stage_stops_early_instead_of_asking_every_user() {
    let s = env(400);
    let m = mock::start(
        s.clone(),
        MockConfig {
            forbidden: vec![Forbidden::UserRoleAssignments],
            ..config()
        },
    )
    .await;
    let (loaded, _) = load(&m, fast_tuning()).await;
    let loaded = loaded.unwrap();
    assert_eq!(
        loaded.coverage.state(Stage::UserRoleAssignments),
        StageState::Failed
    );
    assert!(loaded.coverage.is_complete(Stage::UserMemberships));
    let refused = m.counters().forbidden;
    assert!(
        refused < 150,
        "asked {refused} times for a forbidden stage of 400 users"
    );
    assert!(loaded.coverage.gaps.iter().any(|g| {
        g.message
            .contains("stopped after the first requests were refused")
    }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entities_deleted_mid_load_are_skipped_and_counted() {
    let s = env(120);
    let victims: Vec<Id> = s.users[50..53].iter().map(|u| u.id.clone()).collect();
    let m = mock::start(
        s.clone(),
        MockConfig {
            // After the collections and the group stages have been read.
            delete_after: Some((220, victims.clone())),
            ..config()
        },
    )
    .await;
    let (loaded, _) = load(
        &m,
        Tuning {
            concurrency: 4,
            ..fast_tuning()
        },
    )
    .await;
    let loaded = loaded.unwrap();
    assert_eq!(
        loaded.coverage.deleted_during_load, 3,
        "{:?}",
        loaded.coverage
    );
    assert_eq!(loaded.users.len(), s.users.len() - 3);
    assert!(loaded.users.iter().all(|u| !victims.contains(&u.id)));
    assert!(
        loaded.coverage.incomplete().is_empty(),
        "{:?}",
        loaded.coverage.gaps
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_environment_fails_with_the_reason() {
    let m = mock::start(env(40), config()).await;
    let conn = Connection::new(
        "00000000-0000-4000-8000-00000000dead",
        Some(&m.worker_env_id()),
        CLIENT_ID,
        Secret::new(SECRET.into()),
        AuthMethod::Basic,
        Region::NA,
        Some(&m.api_url()),
        Some(&m.auth_url()),
    )
    .unwrap();
    let client = Client::new(conn, fast_tuning()).unwrap();
    let msg = match pingone::load(&client, &|_| {}).await {
        Ok(s) => panic!("loaded {} users from an unknown environment", s.users.len()),
        Err(e) => e.to_string(),
    };
    assert!(msg.contains("403"), "{msg}");
    assert!(msg.contains("Identity Data Read Only"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_host_names_the_host_and_the_region() {
    // A port nothing listens on: bind, note it, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let conn = Connection::new(
        "env",
        None,
        CLIENT_ID,
        Secret::new(SECRET.into()),
        AuthMethod::Basic,
        Region::EU,
        Some(&format!("http://127.0.0.1:{port}/v1")),
        Some(&format!("http://127.0.0.1:{port}")),
    )
    .unwrap();
    let client = Client::new(conn, fast_tuning()).unwrap();
    let msg = client.authenticate().await.unwrap_err().to_string();
    assert!(msg.contains("127.0.0.1") && msg.contains("region"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_request_and_a_missing_entity_give_their_own_messages() {
    let m = mock::start(env(40), config()).await;
    let tuning = Tuning {
        max_attempts: 4,
        ..fast_tuning()
    };
    let client = Client::new(connection(&m, SECRET, AuthMethod::Basic), tuning).unwrap();
    let conn = client.connection().clone();
    let e = client
        .get(
            &conn.env_url("/users?limit=5000"),
            pingone::error::Resource::Users,
        )
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(400));
    assert!(e.to_string().contains("rejects"), "{e}");
    let e = client
        .get(
            &conn.env_url("/users/00000000-0000-4000-8000-000000000404"),
            pingone::error::Resource::Users,
        )
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e}");
    assert!(e.to_string().contains("404 NOT_FOUND"), "{e}");
    // A 5xx that persists is retried, then reported.
    m.set_fault_rate(1.0);
    let e = client
        .get(
            &conn.env_url("/populations"),
            pingone::error::Resource::Populations,
        )
        .await
        .unwrap_err();
    assert!(e.status().is_some_and(|s| s >= 500), "{e}");
    assert!(e.to_string().contains("try again later"), "{e}");
    assert_eq!(client.counters().retried(), 3, "4 attempts, 3 retries");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_refreshed_once_and_shared() {
    let s = env(60);
    let m = mock::start(s.clone(), config()).await;
    let client = Client::new(connection(&m, SECRET, AuthMethod::Basic), fast_tuning()).unwrap();
    client.authenticate().await.unwrap();
    m.expire_tokens();
    let conn = client.connection().clone();
    // Many concurrent requests all see a 401, but only one new token is fetched.
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (c, url) = (client.clone(), conn.env_url("/populations"));
        tasks.push(tokio::spawn(async move {
            c.get(&url, pingone::error::Resource::Populations).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(m.counters().tokens_issued, 2, "{}", m.counters().summary());
}

#[test]
fn the_cli_reads_a_live_environment_from_pingone_variables() {
    let s = env(150);
    let m = MockPingOne::spawn_blocking(s.clone(), config());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("live.json");
    let run = |args: &[&str]| {
        assert_cmd::Command::cargo_bin("pingscope")
            .unwrap()
            .env("XDG_CONFIG_HOME", dir.path())
            .env("XDG_DATA_HOME", dir.path())
            .env("PINGSCOPE_KEYRING", "none")
            .env("PINGONE_ENVIRONMENT_ID", m.environment_id())
            .env("PINGONE_AUTH_ENVIRONMENT_ID", m.worker_env_id())
            .env("PINGONE_CLIENT_ID", CLIENT_ID)
            .env("PINGONE_CLIENT_SECRET", SECRET)
            .env("PINGONE_REGION_CODE", "EU")
            .env("PINGONE_TOKEN_AUTH_METHOD", "client_secret_post")
            .env("PINGONE_API_URL", m.api_url())
            .env("PINGONE_AUTH_URL", m.auth_url())
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["access", who::DEEP_NESTING, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["user"]["username"], who::DEEP_NESTING);
    assert_eq!(v["complete"], true);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("requests"),
        "a one-line load summary: {stderr}"
    );
    assert!(!stderr.contains(SECRET));

    let out = run(&["snapshot", "save", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let saved = Snapshot::read(&file).unwrap();
    // Neither in the file's bytes nor in anything it holds (the file is compressed).
    let raw = std::fs::read(&file).unwrap();
    assert!(
        !raw.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
        "the secret reached the snapshot file"
    );
    let decoded = String::from_utf8(bytes(&saved)).unwrap();
    assert!(!decoded.contains(SECRET), "the secret reached the snapshot");
    assert_same(saved, &s);
    assert_eq!(m.counters().violations(), 0);

    // A wrong secret: one line, exit 1, names the causes, never echoes the secret.
    let out = assert_cmd::Command::cargo_bin("pingscope")
        .unwrap()
        .env("XDG_CONFIG_HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path())
        .env("PINGSCOPE_KEYRING", "none")
        .env("PINGONE_ENVIRONMENT_ID", m.environment_id())
        .env("PINGONE_CLIENT_ID", CLIENT_ID)
        .env("PINGONE_CLIENT_SECRET", "not-the-secret")
        .env("PINGONE_API_URL", m.api_url())
        .env("PINGONE_AUTH_URL", m.auth_url())
        .args(["stats"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("invalid_client") && !err.contains("not-the-secret"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_refused_even_when_fresh_and_lasting_rate_limits_say_so() {
    let m = mock::start(
        env(40),
        MockConfig {
            token_ttl: Duration::ZERO,
            ..config()
        },
    )
    .await;
    let client = Client::new(connection(&m, SECRET, AuthMethod::Basic), fast_tuning()).unwrap();
    let url = client.connection().env_url("/populations");
    let e = client
        .get(&url, pingone::error::Resource::Populations)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(401));
    let msg = e.to_string();
    assert!(msg.contains("401 ACCESS_FAILED (INVALID_TOKEN)"), "{msg}");
    assert!(msg.contains("worker app is still enabled"), "{msg}");

    let m = mock::start(
        env(40),
        MockConfig {
            rate_limit: Some(RateLimit {
                per_second: 0.01,
                burst: 1,
            }),
            ..config()
        },
    )
    .await;
    let tuning = Tuning {
        max_attempts: 2,
        max_retry_after: Duration::from_millis(50),
        ..fast_tuning()
    };
    let client = Client::new(connection(&m, SECRET, AuthMethod::Basic), tuning).unwrap();
    let url = client.connection().env_url("/populations");
    let _ = client
        .get(&url, pingone::error::Resource::Populations)
        .await;
    let e = client
        .get(&url, pingone::error::Resource::Populations)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(429));
    assert!(e.to_string().contains("rate limited by PingOne"), "{e}");
    assert!(e.to_string().contains("--max-rps"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateways_and_their_roles_are_loaded_and_a_forbidden_gateway_read_is_a_gap() {
    let s = env(40);
    assert!(!s.gateways.is_empty(), "the demo has gateways");
    let m = mock::start(s.clone(), config()).await;
    let (loaded, _) = load(&m, fast_tuning()).await;
    let loaded = loaded.unwrap();
    assert_eq!(
        loaded.gateways, s.gateways,
        "gateways and their role assignments"
    );
    assert!(loaded.coverage.is_complete(Stage::GatewayRoleAssignments));
    let c = m.counters();
    assert_eq!(c.gateway_role_assignments, s.gateways.len() as u64);
    assert_eq!(c.violations(), 0);

    for (knob, stage) in [
        (Forbidden::Gateways, Stage::Gateways),
        (
            Forbidden::GatewayRoleAssignments,
            Stage::GatewayRoleAssignments,
        ),
    ] {
        let m = mock::start(
            s.clone(),
            MockConfig {
                forbidden: vec![knob],
                ..config()
            },
        )
        .await;
        let (loaded, _) = load(&m, fast_tuning()).await;
        let loaded = loaded.unwrap();
        assert_eq!(loaded.users.len(), s.users.len(), "the load goes on");
        assert_eq!(
            loaded.coverage.state(stage),
            StageState::Failed,
            "{stage:?}"
        );
        let gap = loaded
            .coverage
            .gaps
            .iter()
            .find(|g| g.stage == stage)
            .unwrap();
        assert_eq!(gap.status, Some(403));
        // The non-human admin lens says it is incomplete.
        let graph = Graph::build(loaded);
        let r = audit::report(
            &graph,
            audit::Lens::NonHumanAdmins,
            &audit::AuditOptions {
                now_millis: 0,
                stale_days: 90,
                grace_days: 14,
            },
        );
        assert!(!r.incomplete.is_empty(), "{stage:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_environment_body_is_a_gap_not_a_silent_default() {
    let s = env(30);
    let m = mock::start(
        s.clone(),
        MockConfig {
            malformed_environment: true,
            ..config()
        },
    )
    .await;
    let (loaded, _) = load(&m, fast_tuning()).await;
    let loaded = loaded.unwrap();
    assert_eq!(loaded.users.len(), s.users.len());
    assert_eq!(
        loaded.coverage.state(Stage::Environment),
        StageState::Failed
    );
    let gap = loaded
        .coverage
        .gaps
        .iter()
        .find(|g| g.stage == Stage::Environment)
        .expect("a gap for the environment");
    assert_eq!(gap.code.as_deref(), Some("MALFORMED"));
    assert!(gap.message.contains("could not be read"), "{}", gap.message);
    // The environment keeps the id it was asked for.
    assert_eq!(loaded.environment.id, s.environment.id);
}

/// Loads `m` with `plan`; the snapshot (its time zeroed), the requests made, and the per-group
/// plan's report when it ran.
async fn load_with_plan(
    m: &MockPingOne,
    plan: MembershipPlan,
) -> (Snapshot, u64, Option<GroupPlanReport>) {
    let tuning = Tuning {
        plan,
        ..fast_tuning()
    };
    let client = Client::new(connection(m, SECRET, AuthMethod::Basic), tuning).unwrap();
    let report = Mutex::new(None);
    let mut loaded = pingone::load(&client, &|e| {
        if let LoadEvent::GroupPlan(r) = e {
            *report.lock().unwrap() = Some(r);
        }
    })
    .await
    .unwrap();
    loaded.meta.taken_at = Timestamp::from_millis(0);
    (
        loaded,
        client.counters().requests(),
        report.into_inner().unwrap(),
    )
}

fn bytes(s: &Snapshot) -> Vec<u8> {
    let mut out = Vec::new();
    s.to_writer(&mut out).unwrap();
    out
}

/// The per-group plan writes the very snapshot the per-user plan writes, whichever way the users
/// filter behaves, and costs far fewer requests: where the filter lists every member, nobody is
/// read one by one; where it lists direct members only, only the dynamic groups' users are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_per_group_plan_gives_the_per_user_snapshot_byte_for_byte_for_both_filter_behaviours() {
    let s = env(600);
    for behaviour in [MemberFilter::AllMembers, MemberFilter::DirectOnly] {
        let m = mock::start(
            s.clone(),
            MockConfig {
                member_filter: behaviour,
                ..config()
            },
        )
        .await;
        let (per_user, user_requests, none) = load_with_plan(&m, MembershipPlan::PerUser).await;
        assert!(none.is_none());
        assert!(
            per_user.coverage.incomplete().is_empty(),
            "{:?}",
            per_user.coverage
        );
        let (per_group, group_requests, report) =
            load_with_plan(&m, MembershipPlan::PerGroup).await;
        let report = report.expect("the per-group plan ran");
        assert!(
            bytes(&per_user) == bytes(&per_group),
            "{behaviour:?}: the plans disagree ({report:?})"
        );
        assert_same(per_group.clone(), &s);
        assert!(
            group_requests < user_requests,
            "{behaviour:?}: {group_requests} requests per group vs {user_requests} per user ({report:?})"
        );
        match behaviour {
            MemberFilter::AllMembers => {
                assert!(report.total > 0 && report.direct_only == 0, "{report:?}");
                // Direct members of a group who are also in one of its children (the nesting
                // cycle's, say) are listed with `type eq "DIRECT"`: nobody is read one by one.
                assert!(
                    report.undecided == 0 && report.direct_listed > 0,
                    "{report:?}"
                );
                assert_eq!(report.fallback_users, 0, "{report:?}");
                assert_eq!(
                    group_requests,
                    pingone::loader::planned_requests(&per_group, 200, true) + report.direct_listed,
                    "{report:?}"
                );
            }
            _ => {
                assert!(report.direct_only > 0 && report.total == 0, "{report:?}");
                // Nesting and dynamic filters are followed: nobody is read one by one.
                assert!(
                    report.undecided == 0 && report.fallback_users == 0,
                    "{report:?}"
                );
            }
        }
        assert_eq!(m.counters().violations(), 0);
    }
}

/// Where the member filter lists direct members only and the users list refuses a dynamic
/// group's own filter, that group's users are read one by one: same snapshot, more requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamic_groups_the_api_cannot_list_are_read_per_user() {
    let s = env(300);
    let m = mock::start(
        s.clone(),
        MockConfig {
            member_filter: MemberFilter::DirectOnly,
            user_filters: false,
            ..config()
        },
    )
    .await;
    let (per_group, _, report) = load_with_plan(&m, MembershipPlan::PerGroup).await;
    let report = report.unwrap();
    assert!(
        report.undecided > 0 && report.fallback_users > 0,
        "{report:?}"
    );
    let (per_user, _, _) = load_with_plan(&m, MembershipPlan::PerUser).await;
    assert!(bytes(&per_user) == bytes(&per_group), "{report:?}");
    assert_same(per_group, &s);
}

/// Where the filter lists every member and refuses `type eq "DIRECT"`, the direct members of a
/// group who are also in one of its children are read one by one: same snapshot, exactly the
/// planned requests plus those reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_typed_member_filter_the_overlapping_members_are_read_per_user() {
    let s = env(400);
    let m = mock::start(
        s.clone(),
        MockConfig {
            typed_member_filter: false,
            ..config()
        },
    )
    .await;
    let (per_group, requests, report) = load_with_plan(&m, MembershipPlan::PerGroup).await;
    let report = report.unwrap();
    assert!(
        report.direct_listed == 0 && report.fallback_users > 0,
        "{report:?}"
    );
    assert_same(per_group.clone(), &s);
    // A few refused typed listings (those in flight when the first refusal came back), then
    // none: the rest is the plan and the one-by-one reads.
    let floor = pingone::loader::planned_requests(&per_group, 200, true) + report.fallback_users;
    assert!(
        requests > floor && requests <= floor + report.counted,
        "{requests} vs {floor}: {report:?}"
    );
}

/// A server that refuses the users filter gets the per-user plan, and the same snapshot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_member_filter_falls_back_to_reading_per_user() {
    let s = env(300);
    let m = mock::start(
        s.clone(),
        MockConfig {
            member_filter: MemberFilter::Refused,
            ..config()
        },
    )
    .await;
    let (loaded, _, report) = load_with_plan(&m, MembershipPlan::PerGroup).await;
    assert!(report.is_none());
    assert!(
        loaded.coverage.incomplete().is_empty(),
        "{:?}",
        loaded.coverage
    );
    assert_same(loaded, &s);
    assert_eq!(m.counters().user_member_of_groups, s.users.len() as u64);
}

/// Groups whose counts disagree with their listings (changed between the two reads) are not
/// trusted: the users who could be their members are read one by one, and the answer is right.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_that_do_not_add_up_are_read_per_user() {
    let s = env(300);
    let m = mock::start(
        s.clone(),
        MockConfig {
            miscount_members: true,
            ..config()
        },
    )
    .await;
    let (loaded, _, report) = load_with_plan(&m, MembershipPlan::PerGroup).await;
    let report = report.unwrap();
    assert!(report.undecided > 0, "{report:?}");
    assert_eq!(report.fallback_users, s.users.len() as u64, "{report:?}");
    assert!(
        loaded.coverage.incomplete().is_empty(),
        "{:?}",
        loaded.coverage
    );
    assert_same(loaded, &s);
}
