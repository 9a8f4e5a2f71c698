//! Checking a worker app before its secret is kept: a token, the environment, then one small
//! read of users, applications and role assignments to tell which PingOne roles are missing.

use std::time::Duration;

use serde_json::Value;

use crate::pingone::error::Resource;
use crate::pingone::{ApiError, Client, Connection, Tuning};

/// What login learnt about the environment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verified {
    pub name: String,
    /// PRODUCTION or SANDBOX.
    pub kind: Option<String>,
    pub region: Option<String>,
    /// One line per probe that was refused, naming the role it needs.
    pub missing: Vec<String>,
    /// Probes that failed for other reasons.
    pub warnings: Vec<String>,
}

/// Gets a token, reads the environment and probes; the error is one line for people.
pub fn verify(conn: Connection) -> Result<Verified, String> {
    let tuning = Tuning {
        concurrency: 4,
        max_attempts: 3,
        connect_timeout: Duration::from_secs(10),
        read_timeout: Duration::from_secs(30),
        backoff_base: Duration::from_millis(200),
        ..Tuning::default()
    };
    let describe = conn.clone();
    let client = Client::new(conn, tuning).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the network runtime: {e}"))?;
    let result = runtime.block_on(run(&client));
    result.map_err(|e| explain(&describe, &e))
}

async fn run(client: &Client) -> Result<Verified, ApiError> {
    client.authenticate().await?;
    let conn = client.connection();
    let env = client.get(&conn.env_url(""), Resource::Environment).await?;
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let mut v = Verified {
        name: text(&env, "name").unwrap_or_else(|| conn.environment_id.clone()),
        kind: text(&env, "type"),
        region: text(&env, "region"),
        ..Verified::default()
    };
    let first_id = |what: &str,
                    resource: Resource,
                    v: &mut Verified,
                    body: Result<Value, ApiError>| {
        match body {
            Ok(b) => b
                .pointer(&format!("/_embedded/{what}/0/id"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            Err(e) => {
                note(v, what, resource, &e);
                None
            }
        }
    };
    let users = client
        .get(&conn.env_url("/users?limit=1"), Resource::Users)
        .await;
    let user = first_id("users", Resource::Users, &mut v, users);
    let apps = client
        .get(
            &conn.env_url("/applications?limit=1"),
            Resource::Applications,
        )
        .await;
    let app = first_id("applications", Resource::Applications, &mut v, apps);
    let assignments = match (user, app) {
        (Some(u), _) => Some(format!("/users/{u}/roleAssignments?limit=1")),
        (None, Some(a)) => Some(format!("/applications/{a}/roleAssignments?limit=1")),
        (None, None) => None,
    };
    if let Some(path) = assignments {
        if let Err(e) = client
            .get(&conn.env_url(&path), Resource::RoleAssignments)
            .await
        {
            note(&mut v, "role assignments", Resource::RoleAssignments, &e);
        }
    }
    Ok(v)
}

fn note(v: &mut Verified, what: &str, resource: Resource, e: &ApiError) {
    if e.is_forbidden() {
        v.missing.push(format!(
            "cannot read {what} (403): give the worker app the {} role on this environment",
            resource.role_needed()
        ));
    } else {
        v.warnings.push(format!("reading {what} failed: {e}"));
    }
}

/// The login-specific reading of a failure: what is most likely wrong, and where to fix it.
pub fn explain(conn: &Connection, e: &ApiError) -> String {
    let region = conn.region.code();
    let client = &conn.client_id;
    match e {
        ApiError::Token { status, body, .. } => {
            let desc = body
                .error_description
                .as_deref()
                .unwrap_or("")
                .to_ascii_lowercase();
            let error = body.error.as_deref().unwrap_or("");
            if *status == 404 {
                format!(
                    "login failed: no environment {} at {} (token request answered 404): wrong \
                     region? You gave {region}; an environment lives in one region (NA, EU, CA, \
                     AU, SG, AP), shown in the admin console's environment settings",
                    conn.auth_environment_id,
                    host(conn.auth_url.as_str())
                )
            } else if desc.contains("disabled") {
                format!(
                    "login failed: the worker app {client} is disabled: enable it in the PingOne \
                     admin console (Applications, the app's toggle) and log in again"
                )
            } else if error == "invalid_client" && desc.contains("secret") {
                format!(
                    "login failed: PingOne refused the client secret of {client}: copy it again \
                     from the app's Configuration tab (it may have been rotated)"
                )
            } else {
                format!("login failed: {e}")
            }
        }
        ApiError::Network { host, .. } => format!(
            "login failed: cannot reach {host}: check the network, and the region (you gave \
             {region}; environments in other regions live on other hosts)"
        ),
        ApiError::Http {
            status: 403,
            resource: Resource::Environment,
            ..
        } => format!(
            "login failed: the worker app may not read environment {} in region {region}: it \
             holds no role there, or the environment is in another region. Give the app the \
             Identity Data Read Only and Configuration Read Only roles on this environment",
            conn.environment_id
        ),
        other => format!("login failed: {other}"),
    }
}

fn host(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| u.port().map_or(h.to_owned(), |p| format!("{h}:{p}")))
        })
        .unwrap_or_else(|| url.to_owned())
}
