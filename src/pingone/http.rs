//! The HTTP client: GET-only by construction (plus the token POST, in `auth`), with retries,
//! `Retry-After`, exponential back-off with jitter, a token shared by every request, and the rate
//! limiter of [`super::limiter`], which learns the tenant's rate from its 429s.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::{StatusCode, Url};
use serde_json::Value;
use tokio::sync::Semaphore;

use super::auth::TokenCache;
use super::config::{Connection, Tuning};
use super::error::{ApiError, ErrorBody, Resource};
use super::limiter::Limiter;

/// Request counters, readable while a load runs.
#[derive(Debug, Default)]
pub struct Counters {
    /// Every HTTP request sent to the Management API, retries included.
    pub requests: AtomicU64,
    pub throttled: AtomicU64,
    pub retried: AtomicU64,
    pub token_requests: AtomicU64,
    /// Milliseconds from the client's start to the last successful answer.
    pub last_success_ms: AtomicU64,
    /// Requests waiting to be retried right now.
    pub waiting: AtomicU64,
}

impl Counters {
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
    pub fn throttled(&self) -> u64 {
        self.throttled.load(Ordering::Relaxed)
    }
    pub fn retried(&self) -> u64 {
        self.retried.load(Ordering::Relaxed)
    }
    pub fn waiting(&self) -> u64 {
        self.waiting.load(Ordering::Relaxed)
    }
}

/// Token refreshes one request may trigger on 401s before the 401 is reported.
const MAX_REFRESHES: u32 = 3;

/// The Management API client. Cloning shares everything (token, limiter, counters).
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    conn: Connection,
    tuning: Tuning,
    tokens: TokenCache,
    limiter: Limiter,
    inflight: Semaphore,
    counters: Counters,
    started: Instant,
}

fn network_error(url: &Url, e: &reqwest::Error) -> ApiError {
    let host = url
        .host_str()
        .map(|h| match url.port() {
            Some(p) => format!("{h}:{p}"),
            None => h.to_owned(),
        })
        .unwrap_or_default();
    // reqwest's own message can include the URL; the query could in theory carry data: keep
    // only the kind of failure.
    let detail = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "connection failed".to_owned()
    } else if e.is_body() || e.is_decode() {
        "the connection broke while reading the response".to_owned()
    } else {
        "request failed".to_owned()
    };
    ApiError::Network { host, detail }
}

/// `Retry-After` as seconds or an HTTP date.
pub fn parse_retry_after(v: &str, now: jiff::Timestamp) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = jiff::fmt::rfc2822::parse(v).ok()?.timestamp();
    let d = when.duration_since(now);
    Some(Duration::try_from(d).unwrap_or(Duration::ZERO))
}

impl Client {
    pub fn new(conn: Connection, tuning: Tuning) -> Result<Client, ApiError> {
        let http = reqwest::Client::builder()
            .connect_timeout(tuning.connect_timeout)
            .read_timeout(tuning.read_timeout)
            .timeout(tuning.request_timeout)
            .user_agent(concat!(
                "pingscope/",
                env!("CARGO_PKG_VERSION"),
                " (read-only)"
            ))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ApiError::Config(format!("cannot set up HTTP: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                tokens: TokenCache::default(),
                limiter: Limiter::starting(tuning.max_rps, tuning.start_rps),
                inflight: Semaphore::new(tuning.concurrency.max(1)),
                counters: Counters::default(),
                started: Instant::now(),
                http,
                conn,
                tuning,
            }),
        })
    }

    pub fn connection(&self) -> &Connection {
        &self.inner.conn
    }

    /// How this client's loads read memberships.
    pub fn plan(&self) -> super::config::MembershipPlan {
        self.inner.tuning.plan
    }

    pub fn counters(&self) -> &Counters {
        &self.inner.counters
    }

    pub fn current_rate(&self) -> f64 {
        self.inner.limiter.rate()
    }

    /// The tenant's rate as this client learnt it from 429s (or was told it at the start), to
    /// start the next run there; `None` when it never met the limit.
    pub fn learnt_rate(&self) -> Option<f64> {
        self.inner.limiter.learnt()
    }

    /// Fetches a token now (to check credentials before anything else).
    pub async fn authenticate(&self) -> Result<(), ApiError> {
        self.inner
            .tokens
            .get(
                &self.inner.http,
                &self.inner.conn,
                &self.inner.counters,
                self.inner.tuning.request_timeout,
            )
            .await
            .map(|_| ())
    }

    /// GET a Management API URL and parse the JSON body, retrying what is worth retrying.
    pub async fn get(&self, url: &str, resource: Resource) -> Result<Value, ApiError> {
        self.get_lenient(url, resource).await.map(|(v, _)| v)
    }

    /// [`Client::get`], reading a body with lone UTF-16 surrogate escapes (which strict JSON
    /// refuses) by replacing them with U+FFFD; also returns how many were replaced.
    pub async fn get_lenient(
        &self,
        url: &str,
        resource: Resource,
    ) -> Result<(Value, usize), ApiError> {
        self.fetch(url, resource, false).await
    }

    /// [`Client::get_lenient`] ahead of the requests waiting for the rate limiter
    /// ([`Limiter::acquire_first`]): for the pages of a listing under way.
    pub async fn get_lenient_first(
        &self,
        url: &str,
        resource: Resource,
    ) -> Result<(Value, usize), ApiError> {
        self.fetch(url, resource, true).await
    }

    async fn fetch(
        &self,
        url: &str,
        resource: Resource,
        first: bool,
    ) -> Result<(Value, usize), ApiError> {
        let url = Url::parse(url).map_err(|e| ApiError::Decode {
            path: url.to_owned(),
            detail: format!("bad URL: {e}"),
        })?;
        if url.origin() != self.inner.conn.api_url.origin() {
            return Err(ApiError::ForeignLink {
                path: self.inner.conn.api_url.path().to_owned(),
                link_host: url.host_str().unwrap_or("?").to_owned(),
            });
        }
        let inner = &self.inner;
        let path = url.path().to_owned();
        let mut attempt = 0u32;
        let mut refreshes = 0u32;
        loop {
            attempt += 1;
            if first {
                inner.limiter.acquire_first().await;
            } else {
                inner.limiter.acquire().await;
            }
            let permit = inner
                .inflight
                .acquire()
                .await
                .map_err(|_| ApiError::Config("client closed".into()))?;
            // Taken last, right before sending: waiting for a slot must not age the token.
            let token = inner
                .tokens
                .get(
                    &inner.http,
                    &inner.conn,
                    &inner.counters,
                    inner.tuning.request_timeout,
                )
                .await?;
            inner.counters.requests.fetch_add(1, Ordering::Relaxed);
            let sent = inner
                .http
                .get(url.clone())
                .bearer_auth(token.secret.expose())
                .header("Accept", "application/json")
                .send()
                .await;
            let result = match sent {
                Ok(resp) => {
                    let status = resp.status();
                    let retry_after = resp
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, jiff::Timestamp::now()));
                    match read_body(resp, inner.tuning.max_body).await {
                        Ok(body) => Ok((status, retry_after, body)),
                        Err(BodyError::TooLarge) => {
                            return Err(ApiError::Decode {
                                path,
                                detail: format!(
                                    "the response is larger than {} MiB, far beyond any page of PingOne's: refused",
                                    inner.tuning.max_body >> 20
                                ),
                            });
                        }
                        Err(BodyError::Network(e)) => Err(network_error(&url, &e)),
                    }
                }
                Err(e) => Err(network_error(&url, &e)),
            };
            drop(permit);
            let retryable_wait = match result {
                Ok((status, _, body)) if status.is_success() => {
                    inner.limiter.on_success();
                    inner.counters.last_success_ms.fetch_max(
                        inner.started.elapsed().as_millis() as u64,
                        Ordering::Relaxed,
                    );
                    return parse_json(&body).map_err(|detail| ApiError::Decode { path, detail });
                }
                Ok((StatusCode::TOO_MANY_REQUESTS, retry_after, _)) => {
                    inner.counters.throttled.fetch_add(1, Ordering::Relaxed);
                    let wait = retry_after
                        .unwrap_or(Duration::from_secs(1))
                        .min(inner.tuning.max_retry_after);
                    inner.limiter.on_throttled(wait);
                    Some((wait, http_error(429, resource, &path, &[])))
                }
                Ok((StatusCode::UNAUTHORIZED, _, _)) if refreshes < MAX_REFRESHES => {
                    // Expired token: refresh (one fetch shared with concurrent requests) and
                    // retry. A token refused again and again means it is not about expiry.
                    refreshes += 1;
                    inner.tokens.invalidate(token.generation);
                    attempt -= 1;
                    continue;
                }
                Ok((status, _, body)) => {
                    let code = status.as_u16();
                    let err = http_error(code, resource, &path, &body);
                    if matches!(code, 408 | 500 | 502 | 503 | 504) {
                        Some((self.backoff(attempt), err))
                    } else {
                        return Err(err);
                    }
                }
                Err(e) => Some((self.backoff(attempt), e)),
            };
            if let Some((wait, err)) = retryable_wait {
                if attempt >= inner.tuning.max_attempts {
                    return Err(err);
                }
                // The retry budget: once nothing has succeeded for that long (a server that hangs
                // or refuses everything), failures are reported instead of retried, so the load
                // ends. Sporadic faults in a long load, between successes, never exhaust it.
                let since =
                    Duration::from_millis(inner.counters.last_success_ms.load(Ordering::Relaxed));
                let quiet = inner.started.elapsed().saturating_sub(since);
                if quiet + wait > inner.tuning.retry_budget {
                    return Err(err);
                }
                inner.counters.retried.fetch_add(1, Ordering::Relaxed);
                inner.counters.waiting.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(wait).await;
                inner.counters.waiting.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }

    /// Exponential back-off with full jitter: a random wait in [0, base * 2^attempt], capped.
    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.inner.tuning.backoff_base.as_secs_f64();
        let ceiling = (base * 2f64.powi(attempt.min(16) as i32)).min(30.0);
        Duration::from_secs_f64(ceiling * (0.5 + fastrand::f64() * 0.5))
    }
}

pub(super) enum BodyError {
    TooLarge,
    Network(reqwest::Error),
}

/// Reads a body chunk by chunk, refusing one larger than `max` (announced or not).
pub(super) async fn read_body(
    mut resp: reqwest::Response,
    max: usize,
) -> Result<Vec<u8>, BodyError> {
    if resp.content_length().is_some_and(|n| n > max as u64) {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Network)? {
        if body.len() + chunk.len() > max {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Parses a JSON body; lone surrogate escapes are repaired (see
/// [`super::wire::repair_lone_surrogates`]). The error is one line, without serde's position.
pub fn parse_json(body: &[u8]) -> Result<(Value, usize), String> {
    match serde_json::from_slice(body) {
        Ok(v) => Ok((v, 0)),
        Err(e) => {
            if let Some((fixed, n)) = super::wire::repair_lone_surrogates(body) {
                if let Ok(v) = serde_json::from_slice(&fixed) {
                    return Ok((v, n));
                }
            }
            Err(not_json(body, &e))
        }
    }
}

/// "not JSON (an HTML page)", "not JSON (it ends early)", ...
pub fn not_json(body: &[u8], e: &serde_json::Error) -> String {
    let start = body.iter().find(|b| !b.is_ascii_whitespace());
    if start == Some(&b'<') {
        return "not JSON but an HTML page (a proxy, a login page or the wrong URL?)".into();
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return "an empty body where JSON was expected".into();
    }
    if e.is_eof() {
        return "not JSON: the body ends early (cut off)".into();
    }
    format!(
        "not JSON ({})",
        crate::model::text::without_position(&e.to_string())
    )
}

fn http_error(status: u16, resource: Resource, path: &str, body: &[u8]) -> ApiError {
    ApiError::Http {
        status,
        resource,
        path: path.to_owned(),
        body: serde_json::from_slice::<ErrorBody>(body).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 2026 00:00:05 GMT", now),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            parse_retry_after("Wed, 31 Dec 2025 23:59:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
