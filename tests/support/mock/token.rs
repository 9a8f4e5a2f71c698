//! `POST {auth}/{workerEnvId}/as/token`: the client-credentials grant of a worker app, with
//! `client_secret_basic` or `client_secret_post` client authentication (API.md section 2).

use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::Response;
use serde_json::json;

use super::errors::{json_response, oauth_error};
use super::server::Server;
use super::state::Active;
use super::wire::{basic_credentials, parse_pairs};

pub fn token(
    srv: &Server,
    active: &Active,
    method: &Method,
    headers: &HeaderMap,
    env: &str,
    body: &[u8],
) -> Response {
    let cfg = &active.cfg;
    let invalid_request = |d: &str| oauth_error(StatusCode::BAD_REQUEST, "invalid_request", d);
    let invalid_client = |d: &str| oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", d);
    if method != Method::POST {
        let mut resp = oauth_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request",
            "The token endpoint accepts POST only.",
        );
        resp.headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
        return resp;
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = content_type.split(';').next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return invalid_request(
            "The request must be application/x-www-form-urlencoded (a form), not JSON or empty.",
        );
    }
    let Ok(text) = std::str::from_utf8(body) else {
        return invalid_request("The request body is not UTF-8.");
    };
    let Ok(form) = parse_pairs(text) else {
        return invalid_request("The request body is not a valid form.");
    };
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    match field("grant_type") {
        None => return invalid_request("Missing required parameter: grant_type."),
        Some("client_credentials") => {}
        Some(other) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                &format!(
                    "Unsupported grant type {other:?}: this client may only use client_credentials."
                ),
            );
        }
    }
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let basic = basic_credentials(auth);
    let post = field("client_id").map(|id| (id, field("client_secret")));
    let (client_id, secret) = match (basic, post) {
        // A client_id alongside Basic credentials is tolerated when it names the same client;
        // a secret in both places is two authentication methods (RFC 6749 section 2.3).
        (Some(Ok((id, secret))), Some((form_id, None))) if form_id == id => (id, Some(secret)),
        (Some(_), Some(_)) => {
            return invalid_request("Only one client authentication method may be used.");
        }
        (Some(Err(())), None) => return invalid_client("Malformed HTTP Basic credentials."),
        (Some(Ok((id, secret))), None) => (id, Some(secret)),
        (None, Some((id, secret))) => (id.to_owned(), secret.map(str::to_owned)),
        (None, None) => return invalid_client("Client authentication is required."),
    };
    let worker_env = if cfg.worker_env_id.is_empty() {
        srv.env_str.as_str()
    } else {
        cfg.worker_env_id.as_str()
    };
    if env != worker_env && cfg.unknown_env_not_found {
        return super::errors::api_error(
            srv.shared.uuid(),
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The requested resource was not found.",
            Vec::new(),
        );
    }
    if client_id != cfg.client_id || env != worker_env {
        return invalid_client(&format!(
            "Client authentication failed: no application {client_id:?} in environment {env:?}."
        ));
    }
    if secret.as_deref() != Some(cfg.client_secret.as_str()) {
        return invalid_client("Client authentication failed: invalid client secret.");
    }
    if cfg.app_disabled {
        return invalid_client("Client authentication failed: the application is disabled.");
    }
    let ttl = cfg.token_ttl;
    let token = srv.shared.issue_token(ttl);
    let expires_in = ttl.as_secs() + u64::from(ttl.subsec_nanos() > 0);
    let mut resp = json_response(
        StatusCode::OK,
        &json!({"access_token": token, "token_type": "Bearer", "expires_in": expires_in}),
    );
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    resp
}
