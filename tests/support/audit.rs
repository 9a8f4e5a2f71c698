//! What the refresh tests share: a client of the mock, audit events as PingOne records them,
//! and the comparison of a refreshed snapshot with a full load.
#![allow(dead_code)]

use std::time::Duration;

use pingscope::model::*;
use pingscope::pingone::{AuthMethod, Client, Tuning};
use serde_json::{Value, json};

use super::support::mock::{self, MockConfig, MockPingOne};

pub const CLIENT_ID: &str = "pingscope-test-worker";
pub const SECRET: &str = "s3cr3t-worker-secret";

pub fn config() -> MockConfig {
    MockConfig {
        client_id: CLIENT_ID.into(),
        client_secret: SECRET.into(),
        ..MockConfig::default()
    }
}

pub fn client(m: &MockPingOne) -> Client {
    let conn = m.connection(CLIENT_ID, SECRET, AuthMethod::Basic);
    let tuning = Tuning {
        backoff_base: Duration::from_millis(10),
        request_timeout: Duration::from_secs(5),
        ..Tuning::default()
    };
    Client::new(conn, tuning).unwrap()
}

pub fn now_ms() -> i64 {
    Timestamp::now().millis().unwrap()
}

pub fn assert_same(refreshed: Snapshot, full: Snapshot) {
    let (a, b) = (mock::content(refreshed), mock::content(full));
    assert_eq!(a.users.len(), b.users.len());
    for (x, y) in a.users.iter().zip(&b.users) {
        assert_eq!(x, y, "first differing user");
    }
    for (x, y) in a.groups.iter().zip(&b.groups) {
        assert_eq!(x, y, "first differing group");
    }
    for (x, y) in a.applications.iter().zip(&b.applications) {
        assert_eq!(x, y, "first differing application");
    }
    assert!(a == b, "snapshots differ");
}

pub fn event(at: i64, action: &str, resources: &[(&str, &Id)], ok: bool) -> Value {
    let resources: Vec<Value> = resources
        .iter()
        .map(|(t, id)| json!({"type": t, "id": id.to_string(), "name": "x"}))
        .collect();
    json!({
        "id": format!("{action}-{}", rand_id(&resources)),
        "recordedAt": Timestamp::from_millis(at).to_string(),
        "createdAt": Timestamp::from_millis(at).to_string(),
        "action": {"type": action, "description": action},
        "resources": resources,
        "result": {"status": if ok { "SUCCESS" } else { "FAILED" }},
    })
}

/// An event of `actor`'s own (a sign-on): she is its actor, and no resource is named.
pub fn acted(at: i64, action: &str, actor: &Id) -> Value {
    let mut e = event(at, action, &[], true);
    e["id"] = json!(format!("{action}-{actor}"));
    e["actors"] = json!({"user": {"id": actor.to_string(), "name": "x"}});
    e
}

pub fn rand_id(v: &[Value]) -> String {
    format!("{:x}", md5ish(&serde_json::to_string(v).unwrap()))
}

pub fn md5ish(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}
