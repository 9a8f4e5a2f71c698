//! The server's mutable state: the live configuration, counters, issued tokens, the rate-limit
//! bucket and the random source. Every lock here is held for a few instructions only.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use pingscope::model::Id;

use super::{Counters, MockConfig, RateLimit};

/// Locks ignoring poisoning: no lock here is held across code that can panic mid-update.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The configuration in force, with what is derived from it.
pub struct Active {
    pub cfg: MockConfig,
    /// `delete_after`: (requests after which the ids vanish, the ids).
    pub deleted: Option<(u64, HashSet<Id>)>,
}

impl Active {
    pub fn new(cfg: MockConfig) -> Active {
        let deleted = cfg
            .delete_after
            .as_ref()
            .map(|(n, ids)| (*n, ids.iter().cloned().collect()));
        Active { cfg, deleted }
    }

    /// The ids deleted as seen by request number `seq` (1-based), if any.
    pub fn deleted_at(&self, seq: u64) -> Option<&HashSet<Id>> {
        match &self.deleted {
            Some((after, ids)) if seq > *after && !ids.is_empty() => Some(ids),
            _ => None,
        }
    }
}

/// What a request is about, for the per-endpoint counters.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Token,
    Environment,
    Populations,
    UsersList,
    User,
    UserGroups,
    UserRoles,
    GroupsList,
    Group,
    GroupGroups,
    GroupRoles,
    Applications,
    AppRoles,
    Gateways,
    GatewayRoles,
    Roles,
    Other,
}

const KINDS: usize = 17;

#[derive(Default)]
pub struct Atomics {
    pub requests: AtomicU64,
    by_kind: [AtomicU64; KINDS],
    pub rate_limited: AtomicU64,
    pub faults: AtomicU64,
    pub drops: AtomicU64,
    pub bad_requests: AtomicU64,
    pub unauthorized: AtomicU64,
    pub forbidden: AtomicU64,
    pub not_found: AtomicU64,
    pub tokens_issued: AtomicU64,
    pub non_get: AtomicU64,
    pub secret_reads: AtomicU64,
}

pub fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

impl Atomics {
    pub fn kind(&self, k: Kind) {
        bump(&self.by_kind[k as usize]);
    }

    pub fn status(&self, status: u16) {
        match status {
            400 => bump(&self.bad_requests),
            401 => bump(&self.unauthorized),
            403 => bump(&self.forbidden),
            404 => bump(&self.not_found),
            429 => bump(&self.rate_limited),
            _ => {}
        }
    }

    pub fn snapshot(&self) -> Counters {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let k = |kind: Kind| g(&self.by_kind[kind as usize]);
        Counters {
            requests: g(&self.requests),
            token: k(Kind::Token),
            environment: k(Kind::Environment),
            populations: k(Kind::Populations),
            users_list: k(Kind::UsersList),
            user: k(Kind::User),
            user_member_of_groups: k(Kind::UserGroups),
            user_role_assignments: k(Kind::UserRoles),
            groups_list: k(Kind::GroupsList),
            group: k(Kind::Group),
            group_member_of_groups: k(Kind::GroupGroups),
            group_role_assignments: k(Kind::GroupRoles),
            applications: k(Kind::Applications),
            app_role_assignments: k(Kind::AppRoles),
            gateways: k(Kind::Gateways),
            gateway_role_assignments: k(Kind::GatewayRoles),
            roles: k(Kind::Roles),
            other: k(Kind::Other),
            rate_limited: g(&self.rate_limited),
            faults: g(&self.faults),
            drops: g(&self.drops),
            bad_requests: g(&self.bad_requests),
            unauthorized: g(&self.unauthorized),
            forbidden: g(&self.forbidden),
            not_found: g(&self.not_found),
            tokens_issued: g(&self.tokens_issued),
            non_get: g(&self.non_get),
            secret_reads: g(&self.secret_reads),
        }
    }
}

/// A token bucket: `burst` requests at once, refilled at `per_second`.
pub struct Bucket {
    tokens: f64,
    last: Instant,
    limit: Option<RateLimit>,
}

impl Bucket {
    pub fn new(limit: Option<RateLimit>) -> Bucket {
        Bucket {
            tokens: limit.map_or(0.0, |l| f64::from(l.burst.max(1))),
            last: Instant::now(),
            limit,
        }
    }

    /// Takes one token; `Err(wait)` when none is available, `wait` being the time until one is.
    pub fn take(&mut self, limit: Option<RateLimit>) -> Result<(), Duration> {
        if self.limit != limit {
            *self = Bucket::new(limit);
        }
        let Some(limit) = limit else { return Ok(()) };
        let rate = if limit.per_second.is_finite() && limit.per_second > 0.0 {
            limit.per_second
        } else {
            f64::MIN_POSITIVE
        };
        let capacity = f64::from(limit.burst.max(1));
        let now = Instant::now();
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * rate).min(capacity);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - self.tokens) / rate).min(86_400.0);
            Err(Duration::from_secs_f64(wait))
        }
    }
}

/// Shared by every request.
pub struct Shared {
    active: RwLock<Arc<Active>>,
    pub counters: Atomics,
    /// Bearer token -> expiry.
    tokens: Mutex<HashMap<String, Instant>>,
    bucket: Mutex<Bucket>,
    rng: Mutex<fastrand::Rng>,
}

impl Shared {
    pub fn new(cfg: MockConfig) -> Shared {
        let rng = fastrand::Rng::with_seed(cfg.seed);
        let bucket = Bucket::new(cfg.rate_limit);
        Shared {
            active: RwLock::new(Arc::new(Active::new(cfg))),
            counters: Atomics::default(),
            tokens: Mutex::new(HashMap::new()),
            bucket: Mutex::new(bucket),
            rng: Mutex::new(rng),
        }
    }

    pub fn active(&self) -> Arc<Active> {
        self.active
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn set_config(&self, cfg: MockConfig) {
        *self.active.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(Active::new(cfg));
    }

    pub fn update_config(&self, f: impl FnOnce(&mut MockConfig)) {
        let mut guard = self.active.write().unwrap_or_else(|e| e.into_inner());
        let mut cfg = guard.cfg.clone();
        f(&mut cfg);
        *guard = Arc::new(Active::new(cfg));
    }

    pub fn take_rate_token(&self, limit: Option<RateLimit>) -> Result<(), Duration> {
        lock(&self.bucket).take(limit)
    }

    /// A uniform number in [0, 1).
    pub fn roll(&self) -> f64 {
        lock(&self.rng).f64()
    }

    pub fn rand_u64(&self) -> u64 {
        lock(&self.rng).u64(..)
    }

    /// A random (version 4) UUID for error ids.
    pub fn uuid(&self) -> uuid::Uuid {
        let bytes = lock(&self.rng).u128(..).to_le_bytes();
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }

    /// latency ± jitter.
    pub fn delay(&self, latency: Duration, jitter: Duration) -> Duration {
        if jitter.is_zero() {
            return latency;
        }
        let j = jitter.as_secs_f64() * (2.0 * self.roll() - 1.0);
        Duration::from_secs_f64((latency.as_secs_f64() + j).max(0.0))
    }

    /// Issues a new opaque token valid for `ttl`.
    pub fn issue_token(&self, ttl: Duration) -> String {
        let token: String = {
            let mut rng = lock(&self.rng);
            (0..4).map(|_| format!("{:016x}", rng.u64(..))).collect()
        };
        let now = Instant::now();
        let mut tokens = lock(&self.tokens);
        if tokens.len() > 4096 {
            tokens.retain(|_, exp| *exp > now);
        }
        tokens.insert(token.clone(), now + ttl);
        bump(&self.counters.tokens_issued);
        token
    }

    /// Whether `token` was issued and has not expired (expired ones are forgotten).
    pub fn token_valid(&self, token: &str) -> bool {
        let mut tokens = lock(&self.tokens);
        match tokens.get(token) {
            Some(exp) if *exp > Instant::now() => true,
            Some(_) => {
                tokens.remove(token);
                false
            }
            None => false,
        }
    }

    /// Forgets every token: the next API call with any of them gets 401 INVALID_TOKEN.
    pub fn expire_tokens(&self) {
        lock(&self.tokens).clear();
    }
}
