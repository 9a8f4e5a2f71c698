//! The request pipeline: count, rate-limit, delay, inject drops and faults, authenticate,
//! check the environment and permissions, then serve.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use pingscope::model::Id;
use serde_json::json;

use super::api::Req;
use super::data::Data;
use super::errors::{Detail, api_error, dropped, fault, oauth_error};
use super::pages::Cursors;
use super::route::Route;
use super::state::{Active, Shared, bump};
use super::wire::{Query, bearer_token, member_of_groups_typed};
use super::{Forbidden, token};

/// Everything a request needs: the indexed snapshot (immutable) and the shared state.
pub struct Server {
    /// Replaced whole between two loads ([`super::MockPingOne::replace`]); a request keeps the
    /// one it started with.
    pub data: std::sync::RwLock<Arc<Data>>,
    /// The audit log: events recorded by `replace`, served by `/activities`.
    pub activities: std::sync::Mutex<Vec<serde_json::Value>>,
    /// `http://127.0.0.1:PORT`: the auth base, and the origin of every link.
    pub base: String,
    /// `{base}/v1`.
    pub api: String,
    pub env_str: String,
    pub cursors: Cursors,
    pub shared: Shared,
}

impl Server {
    /// The data served now.
    pub fn data(&self) -> Arc<Data> {
        self.data.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

fn timestamp(ts: jiff::Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The largest token request body read (a client-credentials form is a few hundred bytes).
const MAX_FORM: usize = 64 * 1024;

pub async fn handle(State(srv): State<Arc<Server>>, req: Request) -> Response {
    let counters = &srv.shared.counters;
    let seq = counters.requests.fetch_add(1, Ordering::Relaxed) + 1;
    let active = srv.shared.active();
    let cfg = &active.cfg;
    let (parts, body) = req.into_parts();
    let route = Route::parse(parts.uri.path());
    counters.kind(route.kind());
    let is_token = matches!(route, Route::Token { .. });
    let violation = parts.method != Method::GET && !(is_token && parts.method == Method::POST);
    if violation {
        bump(&counters.non_get);
    } else if matches!(route, Route::AppSecret { .. }) {
        bump(&counters.secret_reads);
    }

    let limited = srv.shared.take_rate_token(cfg.rate_limit).err();
    let delay = srv.shared.delay(cfg.latency, cfg.latency_jitter)
        + super::breakage::delay(&cfg.breakage, route.kind());
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }

    let resp = if let Some(wait) = limited {
        rate_limited(&srv, &active, wait)
    } else if violation {
        api_error(
            srv.shared.uuid(),
            StatusCode::FORBIDDEN,
            "ACCESS_FAILED",
            "The request could not be completed. The mock PingOne is read-only.",
            vec![Detail::new(
                "INSUFFICIENT_PERMISSIONS",
                format!("{} is not allowed: pingscope only reads.", parts.method),
            )],
        )
    } else if cfg.drop_rate > 0.0 && srv.shared.roll() < cfg.drop_rate {
        bump(&counters.drops);
        // Half the drops send nothing, half break off mid-body.
        let sent = if srv.shared.roll() < 0.5 { 0 } else { 100 };
        return dropped(512, sent);
    } else if cfg.fault_rate > 0.0 && srv.shared.roll() < cfg.fault_rate {
        bump(&counters.faults);
        let status = [500, 502, 503, 504][(srv.shared.rand_u64() % 4) as usize];
        return fault(srv.shared.uuid(), status);
    } else if let Route::Token { env } = &route {
        match to_bytes(body, MAX_FORM).await {
            Ok(bytes) => token::token(&srv, &active, &parts.method, &parts.headers, env, &bytes),
            Err(_) => oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "The request body could not be read.",
            ),
        }
    } else {
        management(&srv, &active, seq, &parts, &route)
    };
    let resp = super::breakage::apply(&cfg.breakage, route.kind(), resp, seq).await;
    counters.status(resp.status().as_u16());
    resp
}

fn management(
    srv: &Server,
    active: &Active,
    seq: u64,
    parts: &axum::http::request::Parts,
    route: &Route,
) -> Response {
    let err = |status, code: &str, message: &str, details| {
        api_error(srv.shared.uuid(), status, code, message, details)
    };
    let auth = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let authorised = bearer_token(auth).is_some_and(|t| srv.shared.token_valid(t));
    if !authorised {
        let mut resp = err(
            StatusCode::UNAUTHORIZED,
            "ACCESS_FAILED",
            "The request could not be completed. You are not authorized to access the resource.",
            vec![Detail::new(
                "INVALID_TOKEN",
                if auth.is_some() {
                    "The access token is expired, revoked or invalid."
                } else {
                    "An access token is required (Authorization: Bearer ...)."
                },
            )],
        );
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
        return resp;
    }
    let forbidden = |message: String| {
        err(
            StatusCode::FORBIDDEN,
            "ACCESS_FAILED",
            "The request could not be completed. You do not have access to this resource.",
            vec![Detail::new("INSUFFICIENT_PERMISSIONS", message)],
        )
    };
    if let Some(env) = route.env() {
        if Id::new(env) != srv.data().env_id {
            return forbidden(format!(
                "Actor does not have permissions to access environment {env:?} (or it does not exist)."
            ));
        }
    }
    if matches!(route, Route::AppSecret { .. }) {
        return forbidden("Reading an application's secret is not allowed.".into());
    }
    let query = match Query::parse(parts.uri.query()) {
        Ok(q) => q,
        Err(name) => {
            return err(
                StatusCode::BAD_REQUEST,
                "INVALID_REQUEST",
                "The request could not be completed. The query string is malformed.",
                vec![Detail::new("INVALID_VALUE", "Malformed percent-encoding.").target(&name)],
            );
        }
    };
    let cfg = &active.cfg;
    let member_data = match route {
        Route::Users { .. } => query
            .get("filter")
            .is_some_and(|f| member_of_groups_typed(f).is_some()),
        Route::User { .. } => query.list("include").contains(&"memberOfGroupIDs"),
        _ => false,
    };
    let denied = route
        .covered_by()
        .into_iter()
        .chain(member_data.then_some(Forbidden::Memberships))
        .find(|f| cfg.forbidden.contains(f));
    if let Some(what) = denied {
        return forbidden(format!(
            "The worker application lacks the role needed to read {}.",
            what.describe()
        ));
    }
    let data = srv.data();
    Req {
        srv,
        data: &data,
        active,
        deleted: active.deleted_at(seq),
        query: &query,
        path: parts.uri.path(),
        raw_query: parts.uri.query(),
    }
    .serve(route)
}

fn rate_limited(srv: &Server, active: &Active, wait: Duration) -> Response {
    let secs = wait.as_secs_f64().ceil().max(1.0) as i64;
    let now = jiff::Timestamp::now();
    let at = now
        .checked_add(jiff::SignedDuration::from_secs(secs))
        .unwrap_or(now);
    let mut detail = Detail::new(
        "LIMIT_EXCEEDED",
        format!("The request rate limit was exceeded. Retry after {secs} second(s)."),
    );
    detail.inner = Some(json!({
        "retryAfter": timestamp(at),
        "quotaLimit": active.cfg.rate_limit.map_or(0, |r| r.burst),
        "quotaResetTime": timestamp(at),
    }));
    let mut resp = api_error(
        srv.shared.uuid(),
        StatusCode::TOO_MANY_REQUESTS,
        "REQUEST_LIMITED",
        "The request could not be completed. Too many requests.",
        vec![detail],
    );
    let value = if active.cfg.retry_after_http_date {
        at.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string()
    } else {
        secs.to_string()
    };
    if let Ok(v) = HeaderValue::from_str(&value) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}
