//! How to reach one PingOne environment: ids, region or base URLs, and the worker app's
//! credentials. Configured like PingOne's Terraform provider (`PINGONE_*` variables).

use std::net::IpAddr;
use std::time::Duration;

use reqwest::Url;

use super::error::{ApiError, Secret};
use super::region::Region;

#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum AuthMethod {
    /// HTTP Basic authentication of the client (`CLIENT_SECRET_BASIC`).
    #[default]
    Basic,
    /// `client_id` and `client_secret` in the form body (`CLIENT_SECRET_POST`).
    Post,
}

impl std::str::FromStr for AuthMethod {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "client_secret_basic" | "basic" => Ok(AuthMethod::Basic),
            "client_secret_post" | "post" => Ok(AuthMethod::Post),
            other => Err(format!(
                "unknown token auth method {other:?}: use client_secret_basic or client_secret_post"
            )),
        }
    }
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Basic => "client_secret_basic",
            AuthMethod::Post => "client_secret_post",
        }
    }
}

/// Everything needed to read one environment.
#[derive(Clone, Debug)]
pub struct Connection {
    /// The environment explored.
    pub environment_id: String,
    /// The environment holding the worker app (often the same one).
    pub auth_environment_id: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub auth_method: AuthMethod,
    pub region: Region,
    /// The Management API base, e.g. `https://api.pingone.com/v1`.
    pub api_url: Url,
    /// The authorization server base, e.g. `https://auth.pingone.com`.
    pub auth_url: Url,
}

/// How hard to push: concurrency, rate cap, timeouts and retries.
#[derive(Clone, Debug)]
pub struct Tuning {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// A ceiling on requests per second; `None` adapts to PingOne's 429s alone.
    pub max_rps: Option<f64>,
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    /// Attempts per request before giving up on retryable failures (the Go SDK uses 10).
    pub max_attempts: u32,
    /// Longest wait honoured from a `Retry-After` (the Go SDK caps it at 30 s).
    pub max_retry_after: Duration,
    /// First back-off step for 5xx and network errors (doubles each attempt, with jitter).
    pub backoff_base: Duration,
    /// The most one request may take, connecting, headers and body together.
    pub request_timeout: Duration,
    /// How long a load goes on retrying while nothing succeeds: past it (a server that hangs or
    /// refuses everything), failures are reported (and recorded as gaps) instead of retried.
    pub retry_budget: Duration,
    /// The largest response body read (see [`MAX_BODY`]).
    pub max_body: usize,
    /// How memberships are read (per user, per group, or whichever is cheaper).
    pub plan: MembershipPlan,
    /// The rate an earlier run against this environment learnt from its 429s: started at
    /// (creeping up slowly) instead of probing up from 100/s, which costs a short refresh a
    /// second per 429. `None`: nothing learnt yet.
    pub start_rps: Option<f64>,
}

/// How a load reads who is in which group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MembershipPlan {
    /// Per group when groups are far fewer than users (fewer than half), else per user.
    #[default]
    Auto,
    /// One `memberOfGroups` request per user.
    PerUser,
    /// One filtered users listing per group, with per-user reads only where it cannot decide.
    PerGroup,
}

impl MembershipPlan {
    /// Whether this load reads per group, for `users` users and `groups` groups.
    pub fn per_group(self, users: usize, groups: usize) -> bool {
        match self {
            MembershipPlan::Auto => groups > 0 && groups * 2 < users,
            MembershipPlan::PerUser => false,
            MembershipPlan::PerGroup => true,
        }
    }
}

impl std::str::FromStr for MembershipPlan {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(MembershipPlan::Auto),
            "per-user" => Ok(MembershipPlan::PerUser),
            "per-group" => Ok(MembershipPlan::PerGroup),
            other => Err(format!(
                "unknown plan {other:?}: use auto, per-user or per-group"
            )),
        }
    }
}

/// 64 MiB: a generated user averages 1.0 KB (at most 1.8 KB, memberships included), so a page of
/// 1,000 users is a few MB at most, and a body many times that is
/// not a page of PingOne's: it is refused rather than held in memory.
pub const MAX_BODY: usize = 64 << 20;

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            concurrency: 32,
            max_rps: None,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(60),
            max_attempts: 10,
            max_retry_after: Duration::from_secs(30),
            backoff_base: Duration::from_millis(250),
            request_timeout: Duration::from_secs(90),
            retry_budget: Duration::from_secs(300),
            max_body: MAX_BODY,
            plan: MembershipPlan::Auto,
            start_rps: None,
        }
    }
}

fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Parses a base URL: `https://` anywhere, plain `http://` only for loopback addresses (tests,
/// local mocks), so credentials never cross a network unencrypted.
pub fn parse_base_url(what: &str, text: &str) -> Result<Url, ApiError> {
    let trimmed = text.trim().trim_end_matches('/');
    let url = Url::parse(trimmed)
        .map_err(|e| ApiError::Config(format!("{what} {trimmed:?} is not a URL: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback_host(&url) => {}
        "http" => {
            return Err(ApiError::Config(format!(
                "{what} {trimmed:?} uses plain http: only https is allowed, except on loopback addresses"
            )));
        }
        s => {
            return Err(ApiError::Config(format!(
                "{what} {trimmed:?} has scheme {s:?}: use https"
            )));
        }
    }
    if url.host().is_none() {
        return Err(ApiError::Config(format!("{what} {trimmed:?} has no host")));
    }
    Ok(url)
}

impl Connection {
    /// Builds a connection, taking hosts from the region unless full base URLs are given.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        environment_id: &str,
        auth_environment_id: Option<&str>,
        client_id: &str,
        client_secret: Secret,
        auth_method: AuthMethod,
        region: Region,
        api_url: Option<&str>,
        auth_url: Option<&str>,
    ) -> Result<Connection, ApiError> {
        let check_id = |what: &str, v: &str| {
            let v = v.trim();
            if v.is_empty() {
                return Err(ApiError::Config(format!("{what} is empty")));
            }
            if !v
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(ApiError::Config(format!(
                    "{what} {v:?} is not a PingOne id (letters, digits and dashes)"
                )));
            }
            Ok(v.to_owned())
        };
        let environment_id = check_id("the environment id", environment_id)?;
        let auth_environment_id = match auth_environment_id {
            Some(a) if !a.trim().is_empty() => check_id("the worker app's environment id", a)?,
            _ => environment_id.clone(),
        };
        let client_id = check_id("the client id", client_id)?;
        if client_secret.is_empty() {
            return Err(ApiError::Config("the client secret is empty".into()));
        }
        let api_url = parse_base_url(
            "the API URL",
            api_url
                .map_or_else(|| region.api_base(), str::to_owned)
                .as_str(),
        )?;
        let auth_url = parse_base_url(
            "the auth URL",
            auth_url
                .map_or_else(|| region.auth_base(), str::to_owned)
                .as_str(),
        )?;
        Ok(Connection {
            environment_id,
            auth_environment_id,
            client_id,
            client_secret,
            auth_method,
            region,
            api_url,
            auth_url,
        })
    }

    /// `{api}/environments/{env}{suffix}`.
    pub fn env_url(&self, suffix: &str) -> String {
        format!(
            "{}/environments/{}{suffix}",
            self.api_url.as_str().trim_end_matches('/'),
            self.environment_id
        )
    }

    /// `{api}{suffix}` (organisation-wide resources such as `/roles`).
    pub fn api(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.api_url.as_str().trim_end_matches('/'))
    }

    pub fn token_url(&self) -> String {
        format!(
            "{}/{}/as/token",
            self.auth_url.as_str().trim_end_matches('/'),
            self.auth_environment_id
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(api: Option<&str>) -> Result<Connection, ApiError> {
        Connection::new(
            "env-1",
            None,
            "client",
            Secret::new("s".into()),
            AuthMethod::Basic,
            Region::EU,
            api,
            None,
        )
    }

    #[test]
    fn urls_come_from_the_region_unless_overridden() {
        let c = conn(None).unwrap();
        assert_eq!(
            c.env_url("/users"),
            "https://api.pingone.eu/v1/environments/env-1/users"
        );
        assert_eq!(c.token_url(), "https://auth.pingone.eu/env-1/as/token");
        let c = conn(Some("http://127.0.0.1:8080/v1/")).unwrap();
        assert_eq!(c.env_url(""), "http://127.0.0.1:8080/v1/environments/env-1");
    }

    #[test]
    fn plain_http_only_on_loopback() {
        assert!(conn(Some("http://[::1]:9/v1")).is_ok());
        assert!(conn(Some("http://localhost:9/v1")).is_ok());
        let e = conn(Some("http://api.example.com/v1"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("only https"), "{e}");
        assert!(conn(Some("ftp://x/v1")).is_err());
        assert!(conn(Some("not a url")).is_err());
    }

    #[test]
    fn ids_cannot_smuggle_paths() {
        let e = Connection::new(
            "../../admin",
            None,
            "c",
            Secret::new("s".into()),
            AuthMethod::Post,
            Region::NA,
            None,
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("not a PingOne id"), "{e}");
    }
}
