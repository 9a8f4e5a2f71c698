//! Errors from PingOne, each one line that says what happened and what to do.
//! They carry the PingOne error `code`, `id` and the URL path, never a token or a secret.

use std::fmt;

use serde::Deserialize;

/// What kind of resource a request was for: decides which role a 403 asks for.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Resource {
    Token,
    Environment,
    Populations,
    Users,
    Groups,
    Memberships,
    GroupNesting,
    Roles,
    RoleAssignments,
    Applications,
    Gateways,
    /// The audit log (`/activities`), for refreshes.
    AuditLog,
}

impl Resource {
    /// The role a worker app needs to read this (API.md section 6).
    pub fn role_needed(self) -> &'static str {
        match self {
            Resource::Users | Resource::Groups | Resource::Memberships | Resource::GroupNesting => {
                "Identity Data Read Only"
            }
            Resource::Populations
            | Resource::Roles
            | Resource::Applications
            | Resource::Gateways => "Configuration Read Only",
            Resource::RoleAssignments => "Identity Data Read Only and Configuration Read Only",
            Resource::AuditLog => "an environment role that may read the audit log",
            Resource::Environment | Resource::Token => {
                "Identity Data Read Only and Configuration Read Only"
            }
        }
    }
}

/// PingOne's error body (API.md section 3).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub details: Vec<ErrorDetail>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ErrorDetail {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub target: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

/// The OAuth error body of the token endpoint.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct OAuthErrorBody {
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub error_description: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The token endpoint refused the client.
    #[error("{}", token_message(.status, .body, .auth_url))]
    Token {
        status: u16,
        body: OAuthErrorBody,
        auth_url: String,
    },
    /// The Management API answered with an error status.
    #[error("{}", http_message(self))]
    Http {
        status: u16,
        resource: Resource,
        /// The URL path, without query or host.
        path: String,
        body: ErrorBody,
    },
    /// The server could not be reached, or the connection broke.
    #[error("cannot reach {host} ({detail}): check the network, and that the region is right")]
    Network { host: String, detail: String },
    /// A response that is not what the API documents.
    #[error("unexpected response from {path}: {detail}")]
    Decode { path: String, detail: String },
    /// A `_links.next` that leaves the API's host: not followed, so the token never leaves it.
    #[error("refusing to follow a paging link to another host ({link_host}) from {path}")]
    ForeignLink { path: String, link_host: String },
    #[error("{0}")]
    Config(String),
}

impl ApiError {
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Token { status, .. } | ApiError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Http { body, .. } => body.code.as_deref(),
            ApiError::Token { body, .. } => body.error.as_deref(),
            _ => None,
        }
    }

    /// A missing permission (403): the load goes on without this part.
    pub fn is_forbidden(&self) -> bool {
        matches!(self, ApiError::Http { status: 403, .. })
    }

    /// The entity is gone (404): deleted since it was listed.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ApiError::Http { status: 404, .. })
    }
}

fn token_message(status: &u16, body: &OAuthErrorBody, auth_url: &str) -> String {
    let error = body.error.as_deref().unwrap_or("unknown error");
    let desc = body
        .error_description
        .as_deref()
        .map(|d| format!(" ({})", one_line(d)))
        .unwrap_or_default();
    let advice = match (error, *status) {
        ("invalid_client", _) | ("unauthorized_client", _) => {
            "usual causes: a wrong client secret, the worker app is disabled, the wrong environment id \
             for the worker app (PINGONE_AUTH_ENVIRONMENT_ID), or the app is not a Worker app"
                .to_owned()
        }
        (_, 404) => format!(
            "no such environment at {auth_url}: check the environment id and the region (PINGONE_REGION_CODE)"
        ),
        ("unsupported_grant_type", _) => {
            "the app must allow the client_credentials grant (a Worker app)".to_owned()
        }
        _ => "check the worker app's settings in the PingOne admin console".to_owned(),
    };
    format!("PingOne refused the worker app's credentials: {status} {error}{desc}; {advice}")
}

fn http_message(e: &ApiError) -> String {
    let ApiError::Http {
        status,
        resource,
        path,
        body,
    } = e
    else {
        return String::new();
    };
    let code = body.code.as_deref().unwrap_or("error");
    let details: Vec<&str> = body
        .details
        .iter()
        .filter_map(|d| d.code.as_deref())
        .collect();
    let details = if details.is_empty() {
        String::new()
    } else {
        format!(" ({})", details.join(", "))
    };
    let message = body
        .message
        .as_deref()
        .map(|m| format!(": {}", one_line(m)))
        .unwrap_or_default();
    let id = body
        .id
        .as_deref()
        .map(|i| format!(" [error id {}]", one_line(i)))
        .unwrap_or_default();
    let advice = match status {
        401 => " — fresh access tokens were refused; check that the worker app is still enabled"
            .to_owned(),
        403 if *resource == Resource::Environment => format!(
            " — the environment does not exist in this region, or the worker app holds no role on it \
             (it needs {})",
            resource.role_needed()
        ),
        403 => format!(
            " — the worker app needs the {} role on this environment",
            resource.role_needed()
        ),
        404 => " — not found (deleted?)".to_owned(),
        429 => " — rate limited by PingOne; try again later or lower --max-rps".to_owned(),
        400 => " — pingscope sent a request PingOne rejects; please report it".to_owned(),
        s if *s >= 500 => " — PingOne is having trouble; try again later".to_owned(),
        _ => String::new(),
    };
    format!("GET {path}: {status} {code}{details}{message}{id}{advice}")
}

/// Collapses a server-supplied string to one line of bounded length, without control characters.
fn one_line(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut out: String = clean.split_whitespace().collect::<Vec<_>>().join(" ");
    if out.chars().count() > 300 {
        out = out.chars().take(300).collect::<String>() + "…";
    }
    out
}

/// A secret (client secret, access token): zeroed on drop, never shown by `Debug` or `Display`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(zeroize::Zeroizing<String>);

impl Secret {
    pub fn new(s: String) -> Self {
        Secret(zeroize::Zeroizing::new(s))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(redacted)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: &str) -> ErrorBody {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn forbidden_names_the_role_the_worker_needs() {
        let e = ApiError::Http {
            status: 403,
            resource: Resource::Users,
            path: "/v1/environments/e1/users".into(),
            body: body(
                r#"{"id":"abc","code":"ACCESS_FAILED","message":"Request denied",
                    "details":[{"code":"INSUFFICIENT_PERMISSIONS","message":"x"}]}"#,
            ),
        };
        let msg = e.to_string();
        assert!(
            msg.starts_with(
                "GET /v1/environments/e1/users: 403 ACCESS_FAILED (INSUFFICIENT_PERMISSIONS)"
            ),
            "{msg}"
        );
        assert!(msg.contains("Identity Data Read Only"), "{msg}");
        assert!(msg.contains("[error id abc]"), "{msg}");
        assert!(!msg.contains('\n'));
    }

    #[test]
    fn invalid_client_lists_the_usual_causes() {
        let e = ApiError::Token {
            status: 401,
            body: serde_json::from_str(r#"{"error":"invalid_client","error_description":"Request denied:\nUnsupported authentication method"}"#).unwrap(),
            auth_url: "https://auth.pingone.com".into(),
        };
        let msg = e.to_string();
        for want in [
            "invalid_client",
            "wrong client secret",
            "disabled",
            "environment id",
            "not a Worker",
        ] {
            assert!(msg.contains(want), "{want}: {msg}");
        }
        assert!(!msg.contains('\n'), "{msg}");
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let s = Secret::new("hunter2".into());
        assert_eq!(format!("{s:?}"), "Secret(redacted)");
        assert_eq!(s.expose(), "hunter2");
    }
}
