//! Tests of the mock PingOne itself, with reqwest as the client: tokens, paging, relation
//! endpoints, error bodies and every failure knob.

mod support;

use std::collections::HashSet;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use pingscope::model::{Id, Snapshot};
use reqwest::header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use serde_json::{Value, json};
use support::mock::{self, Forbidden, MockConfig, MockPingOne, RateLimit};

const FORM: &str = "application/x-www-form-urlencoded";

fn uid(kind: u16, i: usize) -> String {
    format!("00000000-0000-4000-8000-{kind:04x}{i:08x}")
}
fn env_id() -> String {
    uid(0xe, 1)
}
fn user(i: usize) -> String {
    uid(1, i)
}
fn group(i: usize) -> String {
    uid(2, i)
}
fn app(i: usize) -> String {
    uid(3, i)
}
fn role(i: usize) -> String {
    uid(9, i)
}
fn pop(i: usize) -> String {
    uid(5, i)
}

fn assignment(i: usize, role_ix: usize, scope: &str, kind: &str) -> Value {
    json!({"id": uid(8, i), "role": {"id": role(role_ix)}, "scope": {"id": scope, "type": kind}})
}

/// `n` users. g0 "Engineering" (population p0) contains g1 "Admins", which contains g2; user 0
/// is DIRECT in g1 and INDIRECT in g0, user 1 DIRECT in g0, user 2's memberships were never read.
fn snapshot(n: usize) -> Snapshot {
    let users: Vec<Value> = (0..n)
        .map(|i| {
            let mut u = json!({
                "id": user(i), "username": format!("user{i:05}"), "enabled": true,
                "population": {"id": pop(0)}, "memberships": [], "roleAssignments": [],
            });
            match i {
                0 => {
                    u["memberships"] = json!([
                        {"id": group(1), "type": "DIRECT"}, {"id": group(0), "type": "INDIRECT"}
                    ]);
                    u["roleAssignments"] = json!([assignment(1, 0, &env_id(), "ENVIRONMENT")]);
                }
                1 => u["memberships"] = json!([{"id": group(0), "type": "DIRECT"}]),
                2 => {
                    u.as_object_mut().map(|o| o.remove("memberships"));
                }
                _ => {}
            }
            u
        })
        .collect();
    serde_json::from_value(json!({
        "meta": {"takenAt": "2026-01-01T00:00:00.000Z", "source": {"kind": "generated", "seed": 0}},
        "environment": {"id": env_id(), "name": "Mock Prod", "type": "PRODUCTION", "region": "NA"},
        "populations": [
            {"id": pop(0), "name": "Staff", "default": true, "userCount": n},
            {"id": pop(1), "name": "Partners"},
        ],
        "users": users,
        "groups": [
            {"id": group(0), "name": "Engineering", "population": {"id": pop(0)}, "parentGroups": []},
            {"id": group(1), "name": "Admins", "parentGroups": [{"id": group(0)}],
             "roleAssignments": [assignment(2, 0, &pop(0), "POPULATION")]},
            {"id": group(2), "name": "On call", "userFilter": "title eq \"SRE\"",
             "parentGroups": [{"id": group(0)}, {"id": group(1)}]},
        ],
        "roles": [
            {"id": role(0), "name": "Environment Admin", "applicableTo": ["ENVIRONMENT"]},
            {"id": role(1), "name": "Identity Data Read Only", "applicableTo": ["ENVIRONMENT", "POPULATION"]},
            {"id": role(2), "name": "Help desk", "type": "CUSTOM", "applicableTo": ["POPULATION"]},
        ],
        "applications": [
            {"id": app(0), "name": "pingscope worker", "type": "WORKER", "protocol": "OPENID_CONNECT",
             "roleAssignments": [assignment(3, 1, &env_id(), "ENVIRONMENT")]},
            {"id": app(1), "name": "Portal", "type": "WEB_APP",
             "accessControl": {"group": {"type": "ANY_GROUP", "groups": [{"id": group(0)}]}}},
        ],
    }))
    .expect("test snapshot")
}

/// One client for every test: building one (its TLS set-up) costs tens of milliseconds. No
/// idle connections are kept, as each test runs its own runtime and mock.
fn client() -> reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .unwrap_or_default()
        })
        .clone()
}

/// A token by client_secret_basic with the default credentials.
async fn token(mock: &MockPingOne) -> String {
    let cfg = MockConfig::default();
    let resp = client()
        .post(mock.token_url())
        .basic_auth(&cfg.client_id, Some(&cfg.client_secret))
        .header(CONTENT_TYPE, FORM)
        .body("grant_type=client_credentials")
        .send()
        .await
        .expect("token request");
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("token body");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

/// GET `url` with a bearer token: status, headers, JSON body (Null if not JSON).
async fn get(token: &str, url: &str) -> (u16, HeaderMap, Value) {
    let resp = client()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body");
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

fn env_url(mock: &MockPingOne, suffix: &str) -> String {
    format!(
        "{}/environments/{}{suffix}",
        mock.api_url(),
        mock.environment_id()
    )
}

fn ids(page: &Value, key: &str) -> Vec<String> {
    page["_embedded"][key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn token_request(url: &str, basic: Option<(&str, &str)>, form: &str) -> (u16, Value) {
    let mut req = client()
        .post(url)
        .header(CONTENT_TYPE, FORM)
        .body(form.to_owned());
    if let Some((id, secret)) = basic {
        req = req.basic_auth(id, Some(secret));
    }
    let resp = req.send().await.expect("token request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn token_by_basic_and_by_post_and_refusals() {
    let mock = mock::start(snapshot(3), MockConfig::default()).await;
    let cfg = mock.config();
    let (id, secret) = (cfg.client_id.as_str(), cfg.client_secret.as_str());
    let url = mock.token_url();
    assert_eq!(url, format!("{}/{}/as/token", mock.auth_url(), env_id()));

    let (status, body) =
        token_request(&url, Some((id, secret)), "grant_type=client_credentials").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let basic_token = body["access_token"].as_str().unwrap_or_default().to_owned();
    assert!(basic_token.len() >= 32, "{body}");

    let form = format!("grant_type=client_credentials&client_id={id}&client_secret={secret}");
    // A client_id in the form alongside Basic credentials for the same client is tolerated.
    let with_id = format!("grant_type=client_credentials&client_id={id}");
    let (status, body) = token_request(&url, Some((id, secret)), &with_id).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = token_request(&url, None, &form).await;
    assert_eq!(status, 200, "{body}");
    let post_token = body["access_token"].as_str().unwrap_or_default().to_owned();
    assert_ne!(post_token, basic_token);
    for t in [&basic_token, &post_token] {
        let (status, _, env) = get(t, &env_url(&mock, "")).await;
        assert_eq!(status, 200);
        assert_eq!(env["id"], env_id());
        assert_eq!(env["name"], "Mock Prod");
    }

    type Case<'a> = (Option<(&'a str, &'a str)>, String, u16, &'a str);
    let refusals: Vec<Case> = vec![
        (
            Some((id, "wrong")),
            "grant_type=client_credentials".into(),
            401,
            "invalid_client",
        ),
        (
            None,
            format!("grant_type=client_credentials&client_id={id}&client_secret=wrong"),
            401,
            "invalid_client",
        ),
        (
            None,
            format!("grant_type=client_credentials&client_id={id}"),
            401,
            "invalid_client",
        ),
        (
            Some(("someone-else", secret)),
            "grant_type=client_credentials".into(),
            401,
            "invalid_client",
        ),
        (
            None,
            "grant_type=client_credentials".into(),
            401,
            "invalid_client",
        ),
        (Some((id, secret)), String::new(), 400, "invalid_request"),
        (
            Some((id, secret)),
            "grant_type=password".into(),
            400,
            "unsupported_grant_type",
        ),
        (Some((id, secret)), form.clone(), 400, "invalid_request"),
    ];
    for (basic, form, want_status, want_error) in refusals {
        let (status, body) = token_request(&url, basic, &form).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (want_status, Some(want_error)),
            "{form}: {body}"
        );
        assert!(body["error_description"].is_string(), "{body}");
    }

    // A token endpoint of another environment does not know the app.
    let other = format!("{}/{}/as/token", mock.auth_url(), uid(0xe, 2));
    let (status, body) =
        token_request(&other, Some((id, secret)), "grant_type=client_credentials").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );

    // JSON instead of a form.
    let resp = client()
        .post(&url)
        .basic_auth(id, Some(secret))
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 400);

    mock.set_app_disabled(true);
    let (status, body) =
        token_request(&url, Some((id, secret)), "grant_type=client_credentials").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    assert!(
        body["error_description"]
            .as_str()
            .is_some_and(|d| d.contains("disabled"))
    );

    let c = mock.counters();
    assert_eq!(c.tokens_issued, 3);
    assert_eq!(c.token, 14);
    assert_eq!(c.violations(), 0, "the token POST is not a violation");
}

#[tokio::test]
async fn the_worker_may_live_in_another_environment() {
    let worker_env = uid(0xe, 7);
    let cfg = MockConfig {
        worker_env_id: worker_env.clone(),
        ..MockConfig::default()
    };
    let mock = mock::start(snapshot(1), cfg.clone()).await;
    assert_eq!(
        mock.token_url(),
        format!("{}/{worker_env}/as/token", mock.auth_url())
    );
    let basic = Some((cfg.client_id.as_str(), cfg.client_secret.as_str()));
    let own = format!("{}/{}/as/token", mock.auth_url(), env_id());
    let (status, _) = token_request(&own, basic, "grant_type=client_credentials").await;
    assert_eq!(
        status, 401,
        "the explored environment does not hold the worker"
    );
    let t = token(&mock).await;
    let (status, _, env) = get(&t, &env_url(&mock, "")).await;
    assert_eq!((status, env["id"].as_str()), (200, Some(env_id().as_str())));
}

#[tokio::test]
async fn an_expired_or_unknown_token_gets_401_invalid_token() {
    let cfg = MockConfig {
        token_ttl: Duration::from_secs(1),
        ..MockConfig::default()
    };
    let mock = mock::start(snapshot(1), cfg).await;
    let url = env_url(&mock, "/users");
    let t = token(&mock).await;
    assert_eq!(get(&t, &url).await.0, 200);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, headers, body) = get(&t, &url).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["code"], "ACCESS_FAILED");
    assert_eq!(body["details"][0]["code"], "INVALID_TOKEN");
    assert!(
        body["id"].as_str().is_some_and(|id| id.len() == 36),
        "{body}"
    );
    assert!(headers.contains_key("www-authenticate"));

    let (status, _, body) = get("not-a-token", &url).await;
    assert_eq!(
        (status, body["details"][0]["code"].as_str()),
        (401, Some("INVALID_TOKEN"))
    );
    let resp = client().get(&url).send().await.expect("request");
    assert_eq!(resp.status(), 401, "no token at all");

    // Revocation knob: a fresh token stops working at once.
    let t = token(&mock).await;
    assert_eq!(get(&t, &url).await.0, 200);
    mock.expire_tokens();
    assert_eq!(get(&t, &url).await.0, 401);
    assert_eq!(mock.counters().unauthorized, 4);
}

#[tokio::test]
async fn users_are_paged_by_opaque_cursor_at_200_whatever_the_limit() {
    let mock = mock::start(snapshot(450), MockConfig::default()).await;
    let t = token(&mock).await;
    let mut url = env_url(&mock, "/users?limit=1000");
    let mut sizes = Vec::new();
    let mut seen = Vec::new();
    loop {
        let (status, _, page) = get(&t, &url).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["count"], 450);
        let page_ids = ids(&page, "users");
        assert_eq!(page["size"], page_ids.len());
        sizes.push(page_ids.len());
        seen.extend(page_ids);
        assert!(page["_links"]["self"]["href"].is_string());
        match page["_links"]["next"]["href"].as_str() {
            Some(next) => {
                assert!(next.starts_with(&env_url(&mock, "/users?")), "{next}");
                assert!(next.contains("cursor="), "{next}");
                assert!(
                    !next.contains("offset") && !next.contains("=200") && !next.contains("=400"),
                    "{next}"
                );
                url = next.to_owned();
            }
            None => break,
        }
        assert!(sizes.len() < 10, "paging does not end");
    }
    assert_eq!(sizes, vec![200, 200, 50]);
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!((seen.len(), unique.len()), (450, 450));
    let want: HashSet<String> = (0..450).map(user).collect();
    assert_eq!(unique.into_iter().cloned().collect::<HashSet<_>>(), want);

    // A smaller limit is honoured, and groups page the same way.
    let (_, _, page) = get(&t, &env_url(&mock, "/users?limit=7")).await;
    assert_eq!(page["size"], 7);
    let (_, _, page) = get(&t, &env_url(&mock, "/groups?limit=2")).await;
    assert_eq!(ids(&page, "groups"), vec![group(0), group(1)]);
    let next = page["_links"]["next"]["href"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (_, _, page) = get(&t, &next).await;
    assert_eq!(ids(&page, "groups"), vec![group(2)]);
    assert!(page["_links"]["next"].is_null());

    // Bad limits, forged and foreign cursors are 400 INVALID_DATA.
    let foreign = next.replace("/groups?", "/users?");
    for bad in [
        env_url(&mock, "/users?limit=0"),
        env_url(&mock, "/users?limit=1001"),
        env_url(&mock, "/users?limit=ten"),
        env_url(&mock, "/users?cursor=200"),
        foreign,
    ] {
        let (status, _, body) = get(&t, &bad).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("INVALID_DATA")),
            "{bad}"
        );
        assert_eq!(body["details"][0]["code"], "INVALID_VALUE", "{bad}");
    }
}

#[tokio::test]
async fn relation_endpoints_serve_memberships_nesting_and_role_assignments() {
    let mock = mock::start(snapshot(4), MockConfig::default()).await;
    let t = token(&mock).await;
    let e = env_id();

    // The user body mirrors the model, without the non-API fields.
    let (status, _, u) = get(&t, &env_url(&mock, &format!("/users/{}", user(0)))).await;
    assert_eq!(status, 200);
    assert_eq!(u["username"], "user00000");
    assert_eq!(u["environment"]["id"], e);
    assert_eq!(u["population"]["id"], pop(0));
    assert!(
        u["_links"]["self"]["href"]
            .as_str()
            .is_some_and(|h| h.ends_with(&user(0)))
    );
    for field in ["memberships", "roleAssignments", "memberOfGroupIDs"] {
        assert!(u.get(field).is_none(), "{field} in {u}");
    }
    let url = env_url(
        &mock,
        &format!("/users/{}?include=memberOfGroupIDs", user(0)),
    );
    let (_, _, u) = get(&t, &url).await;
    assert_eq!(u["memberOfGroupIDs"], json!([group(1), group(0)]));

    // A user's groups, DIRECT and INDIRECT, with names and populations.
    let url = env_url(&mock, &format!("/users/{}/memberOfGroups", user(0)));
    let (status, _, page) = get(&t, &url).await;
    assert_eq!(status, 200, "{page}");
    let items = &page["_embedded"]["groupMemberships"];
    assert_eq!(page["count"], 2);
    assert_eq!(items[0]["id"], group(1));
    assert_eq!(items[0]["name"], "Admins");
    assert_eq!(items[0]["type"], "DIRECT");
    assert!(items[0].get("population").is_none());
    assert_eq!(items[1]["type"], "INDIRECT");
    assert_eq!(items[1]["population"]["id"], pop(0));
    assert_eq!(items[1]["environment"]["id"], e);
    let (_, _, page) = get(
        &t,
        &format!("{url}?filter=type%20eq%20%22DIRECT%22&expand=group"),
    )
    .await;
    assert_eq!(ids(&page, "groupMemberships"), vec![group(1)]);
    assert_eq!(
        page["_embedded"]["groupMemberships"][0]["_embedded"]["group"]["name"],
        "Admins"
    );
    let (status, _, body) = get(&t, &format!("{url}?filter=name%20sw%20%22A%22")).await;
    assert_eq!(
        (status, body["details"][0]["code"].as_str()),
        (400, Some("INVALID_FILTER"))
    );
    // Memberships never read are served as an empty list.
    let url = env_url(&mock, &format!("/users/{}/memberOfGroups", user(2)));
    let (status, _, page) = get(&t, &url).await;
    assert_eq!((status, page["count"].as_u64()), (200, Some(0)));

    // A group's members through the users filter: DIRECT and INDIRECT.
    let url = env_url(&mock, "/users");
    let filter = format!("memberOfGroups%5Bid%20eq%20%22{}%22%5D", group(0));
    let (_, _, page) = get(&t, &format!("{url}?filter={filter}")).await;
    assert_eq!(ids(&page, "users"), vec![user(0), user(1)]);
    let filter = format!("memberOfGroups[id+eq+\"{}\"]", group(1));
    let (_, _, page) = get(&t, &format!("{url}?filter={filter}")).await;
    assert_eq!(ids(&page, "users"), vec![user(0)]);
    let (status, _, body) = get(&t, &format!("{url}?filter=name.family%20eq%20%22x%22")).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("INVALID_DATA")));
    assert_eq!(body["details"][0]["code"], "INVALID_FILTER");

    // Nesting: the groups that contain g2.
    let (_, _, g) = get(&t, &env_url(&mock, &format!("/groups/{}", group(2)))).await;
    assert!(
        g.get("parentGroups").is_none() && g.get("roleAssignments").is_none(),
        "{g}"
    );
    assert_eq!(g["userFilter"], "title eq \"SRE\"");
    let url = env_url(&mock, &format!("/groups/{}/memberOfGroups", group(2)));
    let (_, _, page) = get(&t, &url).await;
    assert_eq!(ids(&page, "groupMemberships"), vec![group(0), group(1)]);
    assert_eq!(
        page["_embedded"]["groupMemberships"][0]["name"],
        "Engineering"
    );
    assert_eq!(page["_embedded"]["groupMemberships"][1]["type"], "DIRECT");
    let (_, _, g) = get(
        &t,
        &env_url(
            &mock,
            &format!("/groups/{}?include=totalMemberCounts", group(0)),
        ),
    )
    .await;
    assert_eq!(
        (
            g["directMemberCounts"]["users"].as_u64(),
            g["totalMemberCounts"]["users"].as_u64()
        ),
        (Some(1), Some(2))
    );

    // Role assignments of a group, a user and an application.
    let url = env_url(&mock, &format!("/groups/{}/roleAssignments", group(1)));
    let (_, _, page) = get(&t, &url).await;
    let ra = &page["_embedded"]["roleAssignments"][0];
    assert_eq!(ra["id"], uid(8, 2));
    assert_eq!(ra["role"], json!({"id": role(0)}));
    assert_eq!(ra["scope"], json!({"id": pop(0), "type": "POPULATION"}));
    assert_eq!(ra["environment"], json!({"id": e}));
    assert_eq!(ra["readOnly"], false);
    let url = env_url(&mock, &format!("/users/{}/roleAssignments", user(0)));
    assert_eq!(
        ids(&get(&t, &url).await.2, "roleAssignments"),
        vec![uid(8, 1)]
    );
    let url = env_url(&mock, &format!("/users/{}/roleAssignments", user(3)));
    assert_eq!(get(&t, &url).await.2["count"], 0);
    let url = env_url(&mock, &format!("/applications/{}/roleAssignments", app(0)));
    assert_eq!(
        ids(&get(&t, &url).await.2, "roleAssignments"),
        vec![uid(8, 3)]
    );
    let (_, _, a) = get(&t, &env_url(&mock, &format!("/applications/{}", app(0)))).await;
    assert_eq!(a["type"], "WORKER");
    assert!(a.get("roleAssignments").is_none(), "{a}");

    // Collections and roles.
    let (_, _, page) = get(&t, &env_url(&mock, "/applications")).await;
    assert_eq!(ids(&page, "applications"), vec![app(0), app(1)]);
    assert_eq!(
        page["_embedded"]["applications"][1]["accessControl"]["group"]["type"],
        "ANY_GROUP"
    );
    let (_, _, page) = get(&t, &env_url(&mock, "/populations")).await;
    assert_eq!(ids(&page, "populations"), vec![pop(0), pop(1)]);
    let (_, _, page) = get(&t, &format!("{}/roles", mock.api_url())).await;
    assert_eq!(ids(&page, "roles"), vec![role(0), role(1)]);
    let (_, _, page) = get(
        &t,
        &env_url(&mock, "/roles?filter=type%20eq%20%22CUSTOM%22"),
    )
    .await;
    assert_eq!(ids(&page, "roles"), vec![role(2)]);
    assert_eq!(page["_embedded"]["roles"][0]["type"], "CUSTOM");

    // Unknown ids and paths are 404 NOT_FOUND.
    for suffix in [
        format!("/users/{}", user(99)),
        format!("/users/{}/memberOfGroups", user(99)),
        format!("/groups/{}/roleAssignments", group(99)),
        "/nothing-here".to_owned(),
    ] {
        let (status, _, body) = get(&t, &env_url(&mock, &suffix)).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("NOT_FOUND")),
            "{suffix}"
        );
    }
    assert_eq!(mock.counters().violations(), 0);
}

#[tokio::test]
async fn an_unknown_environment_is_403_access_failed() {
    let mock = mock::start(snapshot(1), MockConfig::default()).await;
    let t = token(&mock).await;
    let other = uid(0xe, 9);
    for suffix in ["", "/users", "/groups/x/memberOfGroups"] {
        let url = format!("{}/environments/{other}{suffix}", mock.api_url());
        let (status, _, body) = get(&t, &url).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (403, Some("ACCESS_FAILED")),
            "{url}"
        );
        assert_eq!(body["details"][0]["code"], "INSUFFICIENT_PERMISSIONS");
    }
    assert_eq!(mock.counters().forbidden, 3);
}

#[tokio::test]
async fn forbidden_collections_are_403_and_others_still_served() {
    let cfg = MockConfig {
        forbidden: vec![Forbidden::Users, Forbidden::GroupNesting],
        ..MockConfig::default()
    };
    let mock = mock::start(snapshot(2), cfg).await;
    let t = token(&mock).await;
    for suffix in [
        "/users".to_owned(),
        format!("/users/{}", user(0)),
        format!("/groups/{}/memberOfGroups", group(2)),
    ] {
        let (status, _, body) = get(&t, &env_url(&mock, &suffix)).await;
        assert_eq!(status, 403, "{suffix}");
        assert_eq!(body["code"], "ACCESS_FAILED");
        assert_eq!(body["details"][0]["code"], "INSUFFICIENT_PERMISSIONS");
        assert!(body["details"][0]["message"].is_string());
    }
    assert_eq!(get(&t, &env_url(&mock, "/groups")).await.0, 200);
    let url = env_url(&mock, &format!("/users/{}/memberOfGroups", user(0)));
    assert_eq!(get(&t, &url).await.0, 200);
    mock.set_forbidden(vec![Forbidden::Memberships]);
    assert_eq!(get(&t, &url).await.0, 403);
    assert_eq!(
        get(&t, &env_url(&mock, "/users")).await.0,
        200,
        "knobs change live"
    );
    let c = mock.counters();
    assert_eq!((c.forbidden, c.users_list, c.user), (4, 2, 1));
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let mock = mock::start(snapshot(1), MockConfig::default()).await;
    let t = token(&mock).await;
    mock.set_rate_limit(Some(RateLimit {
        per_second: 0.5,
        burst: 3,
    }));
    let url = env_url(&mock, "");
    let mut statuses = Vec::new();
    let mut limited = None;
    for _ in 0..5 {
        let (status, headers, body) = get(&t, &url).await;
        statuses.push(status);
        if status == 429 {
            limited = Some((headers, body));
        }
    }
    assert_eq!(statuses, vec![200, 200, 200, 429, 429]);
    let (headers, body) = limited.unwrap_or_default();
    assert_eq!(body["code"], "REQUEST_LIMITED");
    assert_eq!(body["details"][0]["code"], "LIMIT_EXCEEDED");
    assert!(body["details"][0]["innerError"]["retryAfter"].is_string());
    let secs: u64 = headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!((1..=2).contains(&secs), "Retry-After {secs}");
    assert_eq!(mock.counters().rate_limited, 2);

    mock.update_config(|c| c.retry_after_http_date = true);
    let (status, headers, _) = get(&t, &url).await;
    assert_eq!(status, 429);
    let date = headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(date.ends_with(" GMT") && date.len() == 29, "{date:?}");

    mock.set_rate_limit(None);
    assert_eq!(get(&t, &url).await.0, 200);
}

#[tokio::test]
async fn a_fault_rate_of_one_gives_only_5xx() {
    let mock = mock::start(snapshot(1), MockConfig::default()).await;
    let t = token(&mock).await;
    mock.set_fault_rate(1.0);
    let mut seen = HashSet::new();
    for _ in 0..24 {
        let (status, _, body) = get(&t, &env_url(&mock, "/users")).await;
        assert!([500, 502, 503, 504].contains(&status), "{status}");
        if status == 500 {
            assert_eq!(body["code"], "UNEXPECTED_ERROR");
        }
        seen.insert(status);
    }
    assert!(seen.len() >= 3, "{seen:?}");
    assert_eq!(mock.counters().faults, 24);
}

#[tokio::test]
async fn a_drop_rate_of_one_breaks_every_response() {
    let mock = mock::start(snapshot(1), MockConfig::default()).await;
    let t = token(&mock).await;
    mock.set_drop_rate(1.0);
    for _ in 0..8 {
        let result = async {
            let resp = client()
                .get(env_url(&mock, "/users"))
                .bearer_auth(&t)
                .send()
                .await?;
            resp.bytes().await
        }
        .await;
        assert!(
            result.is_err(),
            "a dropped connection must fail: {result:?}"
        );
    }
    assert_eq!(mock.counters().drops, 8);
    mock.set_drop_rate(0.0);
    assert_eq!(get(&t, &env_url(&mock, "/users")).await.0, 200);
}

#[tokio::test]
async fn writes_and_secret_reads_are_refused_and_counted() {
    let mock = mock::start(snapshot(1), MockConfig::default()).await;
    let t = token(&mock).await;
    assert_eq!(mock.counters().violations(), 0);
    let users = env_url(&mock, "/users");
    let resp = client()
        .post(&users)
        .bearer_auth(&t)
        .json(&json!({"username": "x"}))
        .send()
        .await;
    assert_eq!(resp.expect("request").status(), 403);
    let resp = client()
        .delete(env_url(&mock, &format!("/users/{}", user(0))))
        .bearer_auth(&t)
        .send()
        .await;
    assert_eq!(resp.expect("request").status(), 403);
    let c = mock.counters();
    assert_eq!((c.non_get, c.violations()), (2, 2));
    let (status, _, _) = get(
        &t,
        &env_url(&mock, &format!("/applications/{}/secret", app(0))),
    )
    .await;
    assert_eq!(status, 403);
    let c = mock.counters();
    assert_eq!((c.secret_reads, c.violations()), (1, 3));
    // The user was not created or deleted.
    let (_, _, page) = get(&t, &users).await;
    assert_eq!(ids(&page, "users"), vec![user(0)]);
}

#[tokio::test]
async fn deleted_entities_vanish_mid_load() {
    let cfg = MockConfig {
        max_page: 3,
        // Request 1 is the token, 2 the first page, 3 the first read of user 1.
        delete_after: Some((
            3,
            vec![Id::new(&user(1)), Id::new(&user(4)), Id::new(&group(0))],
        )),
        ..MockConfig::default()
    };
    let mock = mock::start(snapshot(8), cfg).await;
    let t = token(&mock).await;
    let (_, _, first) = get(&t, &env_url(&mock, "/users")).await;
    assert_eq!(ids(&first, "users"), vec![user(0), user(1), user(2)]);
    assert_eq!(first["count"], 8);
    let u1 = env_url(&mock, &format!("/users/{}", user(1)));
    assert_eq!(get(&t, &u1).await.0, 200);

    let (status, _, body) = get(&t, &u1).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("NOT_FOUND")));
    let url = env_url(&mock, &format!("/users/{}/roleAssignments", user(1)));
    assert_eq!(get(&t, &url).await.0, 404);
    let next = first["_links"]["next"]["href"].as_str().unwrap_or_default();
    let (_, _, second) = get(&t, next).await;
    assert_eq!(
        ids(&second, "users"),
        vec![user(3), user(5), user(6)],
        "no entity skipped"
    );
    assert_eq!(second["count"], 6);
    // A deleted group is gone from memberships too.
    let url = env_url(&mock, &format!("/users/{}/memberOfGroups", user(0)));
    assert_eq!(
        ids(&get(&t, &url).await.2, "groupMemberships"),
        vec![group(1)]
    );
    assert_eq!(mock.counters().not_found, 2);
}

#[tokio::test]
async fn latency_delays_responses_without_serialising_them() {
    let cfg = MockConfig {
        latency: Duration::from_millis(150),
        latency_jitter: Duration::from_millis(20),
        ..MockConfig::default()
    };
    let mock = mock::start(snapshot(5), cfg).await;
    let t = token(&mock).await;
    let started = Instant::now();
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let url = env_url(&mock, &format!("/users/{}", user(i % 5)));
            let t = t.clone();
            tokio::spawn(async move { get(&t, &url).await.0 })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.ok(), Some(200));
    }
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(130), "{elapsed:?}");
    assert!(
        elapsed < Duration::from_millis(1500),
        "requests were not concurrent: {elapsed:?}"
    );
    assert_eq!(mock.counters().user, 100);
}

#[tokio::test]
async fn malformed_requests_get_400_bodies() {
    let mock = mock::start(snapshot(1), MockConfig::default()).await;
    let t = token(&mock).await;
    let (status, _, body) = get(&t, &env_url(&mock, "/users?filter=%zz")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("INVALID_REQUEST"))
    );
    let (status, body) = token_request(&mock.token_url(), None, "grant_type=%").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let resp = client()
        .post(mock.token_url())
        .header("authorization", "Basic !!!")
        .header(CONTENT_TYPE, FORM)
        .body("grant_type=client_credentials")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 401);
    // The server is still up.
    assert_eq!(get(&t, &env_url(&mock, "")).await.0, 200);
}

#[test]
fn spawn_blocking_serves_from_its_own_thread_until_dropped() {
    let mock = MockPingOne::spawn_blocking(snapshot(2), MockConfig::default());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let url = env_url(&mock, "/users");
    let status = rt.block_on(async {
        let t = token(&mock).await;
        get(&t, &url).await.0
    });
    assert_eq!(status, 200);
    assert_eq!(mock.counters().users_list, 1);
    drop(mock);
    let after = rt.block_on(async { client().get(&url).send().await });
    assert!(after.is_err(), "still serving after drop: {after:?}");
}

/// Scale check, run by hand: `cargo test --release --test mock_pingone -- --ignored --nocapture`.
/// 100,000 users in 1,000 groups: pages every user, then reads 5,000 users' memberships and
/// role assignments 200 at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "scale check, a few seconds in release"]
async fn scale_100k_users() {
    let n = 100_000;
    let started = Instant::now();
    let mut snap = snapshot(0);
    snap.users = (0..n)
        .map(|i| {
            serde_json::from_value(json!({
                "id": user(i), "username": format!("user{i:06}"), "email": format!("u{i}@example.com"),
                "name": {"given": "Given", "family": format!("Family{i}")}, "enabled": true,
                "population": {"id": pop(0)}, "createdAt": "2024-01-01T00:00:00.000Z",
                "memberships": [{"id": group(i % 1000), "type": "DIRECT"},
                                {"id": group((i / 7) % 1000), "type": "INDIRECT"}],
                "roleAssignments": if i % 100 == 0 { json!([assignment(i, 1, &env_id(), "ENVIRONMENT")]) } else { json!([]) },
            }))
            .expect("user")
        })
        .collect();
    snap.groups = (0..1000)
        .map(|g| {
            serde_json::from_value(json!({"id": group(g), "name": format!("group {g}")}))
                .expect("group")
        })
        .collect();
    let built = started.elapsed();
    let started = Instant::now();
    let mock = mock::start(snap, MockConfig::default()).await;
    let indexed = started.elapsed();
    let t = token(&mock).await;

    let started = Instant::now();
    let mut url = env_url(&mock, "/users?limit=1000");
    let mut count = 0;
    loop {
        let (status, _, page) = get(&t, &url).await;
        assert_eq!(status, 200);
        count += ids(&page, "users").len();
        match page["_links"]["next"]["href"].as_str() {
            Some(next) => url = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(count, n);
    let paged = started.elapsed();

    let started = Instant::now();
    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(200));
    let mut tasks = Vec::new();
    for i in 0..5000 {
        for kind in ["memberOfGroups", "roleAssignments"] {
            let url = env_url(&mock, &format!("/users/{}/{kind}", user(i * 20)));
            let (t, sem) = (t.clone(), sem.clone());
            tasks.push(tokio::spawn(async move {
                let _permit = sem.acquire().await;
                get(&t, &url).await.0
            }));
        }
    }
    for task in tasks {
        assert_eq!(task.await.ok(), Some(200));
    }
    let per_user = started.elapsed();
    let filter = format!(
        "/users?filter=memberOfGroups%5Bid%20eq%20%22{}%22%5D",
        group(3)
    );
    let (_, _, page) = get(&t, &env_url(&mock, &filter)).await;
    assert!(
        page["count"].as_u64().is_some_and(|c| c >= 100),
        "{}",
        page["count"]
    );
    println!(
        "built {built:?}, indexed {indexed:?}, paged {n} users in {paged:?}, \
         10,000 relation reads (200 in flight) in {per_user:?}\n{}",
        mock.counters().summary()
    );
    assert_eq!(mock.counters().violations(), 0);
}
