//! The worker app's access token: client credentials, refreshed before it expires and once on a
//! 401, with one refresh shared by every request in flight.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::config::{AuthMethod, Connection};
use super::error::{ApiError, OAuthErrorBody, Resource, Secret};
use super::http::Counters;

#[derive(Clone, Debug)]
pub struct Token {
    pub secret: Secret,
    /// Increases with every new token; a 401 invalidates only the token it was seen with.
    pub generation: u64,
    expires: Instant,
}

#[derive(Debug, Default)]
pub struct TokenCache {
    current: Mutex<Option<Token>>,
    refresh: tokio::sync::Mutex<()>,
    /// Generations only grow, even across invalidation, so a late 401 cannot kill a newer token.
    generations: AtomicU64,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// The longest a token fetch may take, retries included, and one attempt of it.
const TOKEN_DEADLINE: Duration = Duration::from_secs(60);
const TOKEN_ATTEMPT: Duration = Duration::from_secs(20);

/// The longest token lifetime believed: a week (PingOne's are an hour).
const MAX_TTL_SECS: u64 = 7 * 86_400;

/// Reads a token endpoint's success body, saying precisely what is wrong with a bad one.
fn token_response(body: &[u8]) -> Result<TokenResponse, String> {
    let v: serde_json::Value = super::http::parse_json(body)
        .map(|(v, _)| v)
        .map_err(|e| format!("the token response is {e}"))?;
    let Some(obj) = v.as_object() else {
        return Err("the token response is not a JSON object".into());
    };
    let access_token = match obj.get("access_token") {
        Some(serde_json::Value::String(t)) if !t.is_empty() => t.clone(),
        Some(_) => return Err("the token response's access_token is not a token".into()),
        None => return Err("the token response has no access_token".into()),
    };
    let expires_in = match obj.get("expires_in") {
        None | Some(serde_json::Value::Null) => None,
        Some(e) => {
            let secs = e
                .as_u64()
                .or_else(|| e.as_str().and_then(|s| s.trim().parse::<u64>().ok()))
                .filter(|s| *s <= MAX_TTL_SECS);
            match secs {
                Some(s) => Some(s),
                None => {
                    let shown = crate::model::text::truncate(&e.to_string(), 40);
                    return Err(format!(
                        "the token response's expires_in ({shown}) is not a lifetime in seconds"
                    ));
                }
            }
        }
    };
    Ok(TokenResponse {
        access_token,
        expires_in,
    })
}

impl TokenCache {
    fn valid(&self) -> Option<Token> {
        let guard = self.current.lock().unwrap_or_else(|p| p.into_inner());
        guard
            .as_ref()
            .filter(|t| Instant::now() < t.expires)
            .cloned()
    }

    /// A valid token, fetching one if needed. Concurrent callers wait for one fetch.
    pub async fn get(
        &self,
        http: &reqwest::Client,
        conn: &Connection,
        counters: &Counters,
        request_timeout: Duration,
    ) -> Result<Token, ApiError> {
        if let Some(t) = self.valid() {
            return Ok(t);
        }
        let _one_at_a_time = self.refresh.lock().await;
        if let Some(t) = self.valid() {
            return Ok(t);
        }
        let generation = self.generations.fetch_add(1, Ordering::Relaxed) + 1;
        counters.token_requests.fetch_add(1, Ordering::Relaxed);
        let token = fetch(http, conn, generation, request_timeout).await?;
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = Some(token.clone());
        Ok(token)
    }

    /// Forgets the token of this generation (after a 401), unless a newer one already replaced it.
    pub fn invalidate(&self, generation: u64) {
        let mut guard = self.current.lock().unwrap_or_else(|p| p.into_inner());
        if guard.as_ref().is_some_and(|t| t.generation == generation) {
            *guard = None;
        }
    }
}

async fn fetch(
    http: &reqwest::Client,
    conn: &Connection,
    generation: u64,
    request_timeout: Duration,
) -> Result<Token, ApiError> {
    let url = conn.token_url();
    let mut form = vec![("grant_type", "client_credentials")];
    let mut req = http.post(&url);
    match conn.auth_method {
        AuthMethod::Basic => {
            req = req.basic_auth(&conn.client_id, Some(conn.client_secret.expose()));
        }
        AuthMethod::Post => {
            form.push(("client_id", conn.client_id.as_str()));
            form.push(("client_secret", conn.client_secret.expose()));
        }
    }
    let host = conn
        .auth_url
        .host_str()
        .unwrap_or("the auth server")
        .to_owned();
    let mut last = None;
    // Token requests retry transient failures a few times, all within TOKEN_DEADLINE;
    // credentials errors are final.
    let total = TOKEN_DEADLINE.min(request_timeout * 2);
    let per_attempt = TOKEN_ATTEMPT.min(request_timeout);
    let deadline = Instant::now() + total;
    for attempt in 0..4u32 {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(250 * 2u64.pow(attempt))).await;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            last = Some(ApiError::Network {
                host: host.clone(),
                detail: format!(
                    "no token within {:.0} s (the token endpoint is too slow)",
                    total.as_secs_f64()
                ),
            });
            break;
        }
        let Some(r) = req.try_clone() else { break };
        let resp = match r.timeout(left.min(per_attempt)).form(&form).send().await {
            Ok(resp) => resp,
            Err(e) => {
                last = Some(ApiError::Network {
                    host: host.clone(),
                    detail: if e.is_timeout() {
                        "timed out"
                    } else {
                        "connection failed"
                    }
                    .into(),
                });
                continue;
            }
        };
        let status = resp.status().as_u16();
        let body = match super::http::read_body(resp, 1 << 20).await {
            Ok(b) => b,
            Err(super::http::BodyError::TooLarge) => {
                return Err(ApiError::Decode {
                    path: format!("/{}/as/token", conn.auth_environment_id),
                    detail: "the token response is larger than 1 MiB: not a token".into(),
                });
            }
            Err(super::http::BodyError::Network(e)) => {
                last = Some(ApiError::Network {
                    host: host.clone(),
                    detail: if e.is_timeout() {
                        "timed out reading the token".into()
                    } else {
                        "the connection broke while reading the token".into()
                    },
                });
                continue;
            }
        };
        if (200..300).contains(&status) {
            let t = token_response(&body).map_err(|detail| ApiError::Decode {
                path: format!("/{}/as/token", conn.auth_environment_id),
                detail,
            })?;
            let ttl = Duration::from_secs(t.expires_in.unwrap_or(3600).max(1));
            // Refresh early: a minute before expiry, or a quarter of a short lifetime.
            let margin = Duration::from_secs(60).min(ttl / 4);
            return Ok(Token {
                secret: Secret::new(t.access_token),
                generation,
                expires: Instant::now() + ttl - margin,
            });
        }
        if matches!(status, 408 | 429 | 500 | 502 | 503 | 504) {
            last = Some(ApiError::Http {
                status,
                resource: Resource::Token,
                path: format!("/{}/as/token", conn.auth_environment_id),
                body: serde_json::from_slice(&body).unwrap_or_default(),
            });
            continue;
        }
        return Err(ApiError::Token {
            status,
            body: serde_json::from_slice::<OAuthErrorBody>(&body).unwrap_or_default(),
            auth_url: conn.auth_url.to_string(),
        });
    }
    Err(last.unwrap_or_else(|| ApiError::Network {
        host,
        detail: "no response".into(),
    }))
}
