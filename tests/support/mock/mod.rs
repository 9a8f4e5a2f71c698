//! A faithful, stateful mock of the PingOne Management API (read side) and its token endpoint,
//! serving any [`Snapshot`] on 127.0.0.1 for tests and benchmarks.
//!
//! It reproduces the behaviour documented in `shared/pingone/API.md` sections 2-4: the
//! client-credentials token (Basic or form client authentication, expiring opaque tokens), the
//! collection envelope with opaque cursor paging (pages capped at `max_page` whatever `limit`
//! says), the per-entity relation endpoints, PingOne's error bodies, and the failure modes a
//! loader must survive: 429 with `Retry-After` from a shared token bucket, random 5xx, dropped
//! connections, 403 on collections the worker may not read, entities deleted mid-load, latency.
//! Any method but GET on the management API (and any POST but the token one) is refused and
//! counted: [`Counters::violations`] proves a loader read-only.
//!
//! ```ignore
//! let mock = mock::start(snapshot, MockConfig { max_page: 50, ..MockConfig::default() }).await;
//! // token: POST mock.token_url() (= {auth_url}/{worker_env_id}/as/token)
//! // API:   mock.api_url() + "/environments/" + mock.environment_id() + "/users"
//! mock.update_config(|c| c.fault_rate = 0.1);   // knobs change while it runs
//! assert_eq!(mock.counters().violations(), 0);  // the loader only read
//! ```
//!
//! Not modelled: `/users?filter=` other than `memberOfGroups[id eq "..."]`, dynamic-group
//! evaluation (a user's memberships are served as the snapshot lists them), `expand=role`
//! (accepted, ignored), and an `include` on list endpoints (ignored).
//!
//! Shared by the integration tests (`tests/support/mod.rs`) and `examples/mock_pingone.rs`; each
//! uses part of it, hence the `dead_code` allowance.
#![allow(dead_code)]

mod api;
mod breakage;
mod data;
mod errors;
mod pages;
mod relations;
mod route;
mod server;
mod state;
mod token;
mod wire;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::serve::ListenerExt;
use pingscope::model::{Id, Snapshot};
use tokio::sync::oneshot;

use data::Data;
use pages::Cursors;
use server::Server;
use state::Shared;

pub use breakage::Breakage;
#[allow(unused_imports)]
pub use state::Kind as Endpoint;

/// A token bucket shared by all requests: `burst` at once, refilled at `per_second`.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: u32,
}

/// What the worker app may not read: those endpoints answer 403 ACCESS_FAILED with detail
/// INSUFFICIENT_PERMISSIONS.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Forbidden {
    /// `GET /environments/{envId}` (and `GET /environments`).
    Environment,
    Populations,
    /// `/users` and `/users/{id}`.
    Users,
    /// `/users/{id}/memberOfGroups`, and reading memberships through the users endpoint
    /// (`filter=memberOfGroups[...]`, `include=memberOfGroupIDs`).
    Memberships,
    UserRoleAssignments,
    /// `/groups` and `/groups/{id}`.
    Groups,
    /// `/groups/{id}/memberOfGroups`.
    GroupNesting,
    GroupRoleAssignments,
    /// `/applications` and `/applications/{id}`.
    Applications,
    AppRoleAssignments,
    /// `/gateways` and `/gateways/{id}`.
    Gateways,
    GatewayRoleAssignments,
    /// `GET /v1/roles` and `/environments/{envId}/roles`.
    Roles,
    /// `/environments/{envId}/activities`: the worker has no role that reads the audit log.
    AuditLog,
}

impl Forbidden {
    pub fn describe(self) -> &'static str {
        match self {
            Forbidden::Environment => "the environment",
            Forbidden::Populations => "populations",
            Forbidden::Users => "users",
            Forbidden::Memberships => "group memberships",
            Forbidden::UserRoleAssignments => "user role assignments",
            Forbidden::Groups => "groups",
            Forbidden::GroupNesting => "group nesting",
            Forbidden::GroupRoleAssignments => "group role assignments",
            Forbidden::Applications => "applications",
            Forbidden::AppRoleAssignments => "application role assignments",
            Forbidden::Gateways => "gateways",
            Forbidden::GatewayRoleAssignments => "gateway role assignments",
            Forbidden::Roles => "roles",
            Forbidden::AuditLog => "the audit log",
        }
    }
}

/// The mock's knobs. `Default` is fault-free and fast. Every knob can be changed while the mock
/// runs ([`MockPingOne::set_config`], [`MockPingOne::update_config`]).
#[derive(Clone, Debug)]
pub struct MockConfig {
    pub client_id: String,
    pub client_secret: String,
    /// The environment holding the worker app (in the token URL). Empty: the snapshot's own.
    pub worker_env_id: String,
    /// Lifetime of issued tokens (`expires_in`, rounded up to whole seconds).
    pub token_ttl: Duration,
    /// Every response is delayed by `latency` ± `latency_jitter` (uniform), concurrently.
    pub latency: Duration,
    pub latency_jitter: Duration,
    /// `None`: unlimited. Otherwise 429 REQUEST_LIMITED with `Retry-After` when the shared
    /// bucket is empty.
    pub rate_limit: Option<RateLimit>,
    /// `Retry-After` as an HTTP date instead of integer seconds.
    pub retry_after_http_date: bool,
    /// Probability that a request gets a random 500, 502, 503 or 504.
    pub fault_rate: f64,
    /// Probability that a request's connection is dropped (no response, or a truncated body).
    pub drop_rate: f64,
    pub forbidden: Vec<Forbidden>,
    /// `(n, ids)`: once `n` requests have been received (all endpoints, the token one
    /// included), these ids are gone: their URLs (and their sub-resources) answer 404, and
    /// pages served from then on leave them out. Pages already served listed them.
    pub delete_after: Option<(u64, Vec<Id>)>,
    /// The token endpoint answers `invalid_client` as for a disabled worker app.
    pub app_disabled: bool,
    /// A token request for an environment this server does not host answers 404 NOT_FOUND
    /// (as another region's auth server does: a wrong region) instead of `invalid_client`.
    pub unknown_env_not_found: bool,
    /// `GET /environments/{envId}` answers 200 with a body that is not an environment.
    pub malformed_environment: bool,
    /// Answers broken on purpose (see [`Breakage`]).
    pub breakage: Vec<Breakage>,
    /// The largest page served, whatever `limit` asks (PingOne's users endpoint: about 200).
    pub max_page: usize,
    /// Seeds the random source of faults, drops, jitter and tokens.
    pub seed: u64,
    /// What `GET /users?filter=memberOfGroups[id eq "G"]` lists (undocumented: both kinds).
    pub member_filter: MemberFilter,
    /// `include=totalMemberCounts` reports one member more than the group has (a group that
    /// changed between its listing and its counts).
    pub miscount_members: bool,
    /// `GET /users?filter=<a dynamic group's userFilter>` lists the users it matches (else 400).
    pub user_filters: bool,
    /// `memberOfGroups[id eq "G" and type eq "DIRECT"]` lists G's direct members (else 400).
    pub typed_member_filter: bool,
}

/// The two plausible behaviours of the users filter `memberOfGroups[id eq "G"]`, and a refusal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MemberFilter {
    /// Everyone in the group: direct, nested and dynamic members (the count is the total).
    #[default]
    AllMembers,
    /// Direct members only (the count is `directMemberCounts`).
    DirectOnly,
    /// 400 INVALID_FILTER, as a server that does not support it would answer.
    Refused,
}

impl Default for MockConfig {
    fn default() -> Self {
        MockConfig {
            client_id: "6f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b".into(),
            client_secret: "mock-secret-0123456789".into(),
            worker_env_id: String::new(),
            token_ttl: Duration::from_secs(3600),
            latency: Duration::ZERO,
            latency_jitter: Duration::ZERO,
            rate_limit: None,
            retry_after_http_date: false,
            fault_rate: 0.0,
            drop_rate: 0.0,
            forbidden: Vec::new(),
            delete_after: None,
            app_disabled: false,
            unknown_env_not_found: false,
            malformed_environment: false,
            breakage: Vec::new(),
            max_page: 200,
            seed: 0,
            member_filter: MemberFilter::AllMembers,
            miscount_members: false,
            user_filters: true,
            typed_member_filter: true,
        }
    }
}

/// Requests received, by endpoint, and what the mock answered. A snapshot in time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Every request received.
    pub requests: u64,
    pub token: u64,
    /// `GET /environments/{envId}` (and `/environments`).
    pub environment: u64,
    pub populations: u64,
    /// `/users` pages (filtered or not).
    pub users_list: u64,
    /// `/users/{id}`.
    pub user: u64,
    pub user_member_of_groups: u64,
    pub user_role_assignments: u64,
    pub groups_list: u64,
    /// `/groups/{id}`.
    pub group: u64,
    pub group_member_of_groups: u64,
    pub group_role_assignments: u64,
    /// `/applications` and `/applications/{id}`.
    pub applications: u64,
    pub app_role_assignments: u64,
    /// `/gateways` and `/gateways/{id}`.
    pub gateways: u64,
    pub gateway_role_assignments: u64,
    /// Org-wide and environment roles.
    pub roles: u64,
    /// Anything else (unknown paths, the secret endpoint).
    pub other: u64,
    /// 429s sent.
    pub rate_limited: u64,
    /// Injected 5xx.
    pub faults: u64,
    /// Connections dropped on purpose.
    pub drops: u64,
    pub bad_requests: u64,
    /// 401s (token endpoint and API).
    pub unauthorized: u64,
    /// 403s (forbidden knobs, unknown environment, violations).
    pub forbidden: u64,
    pub not_found: u64,
    pub tokens_issued: u64,
    /// Requests with any method but GET, except POST to the token endpoint.
    pub non_get: u64,
    /// `GET /applications/{id}/secret`.
    pub secret_reads: u64,
}

impl Counters {
    /// What was counted since `earlier`.
    pub fn minus(&self, earlier: &Counters) -> Counters {
        Counters {
            requests: self.requests.saturating_sub(earlier.requests),
            token: self.token.saturating_sub(earlier.token),
            environment: self.environment.saturating_sub(earlier.environment),
            populations: self.populations.saturating_sub(earlier.populations),
            users_list: self.users_list.saturating_sub(earlier.users_list),
            user: self.user.saturating_sub(earlier.user),
            user_member_of_groups: self
                .user_member_of_groups
                .saturating_sub(earlier.user_member_of_groups),
            user_role_assignments: self
                .user_role_assignments
                .saturating_sub(earlier.user_role_assignments),
            groups_list: self.groups_list.saturating_sub(earlier.groups_list),
            group: self.group.saturating_sub(earlier.group),
            group_member_of_groups: self
                .group_member_of_groups
                .saturating_sub(earlier.group_member_of_groups),
            group_role_assignments: self
                .group_role_assignments
                .saturating_sub(earlier.group_role_assignments),
            applications: self.applications.saturating_sub(earlier.applications),
            app_role_assignments: self
                .app_role_assignments
                .saturating_sub(earlier.app_role_assignments),
            gateways: self.gateways.saturating_sub(earlier.gateways),
            gateway_role_assignments: self
                .gateway_role_assignments
                .saturating_sub(earlier.gateway_role_assignments),
            roles: self.roles.saturating_sub(earlier.roles),
            other: self.other.saturating_sub(earlier.other),
            rate_limited: self.rate_limited.saturating_sub(earlier.rate_limited),
            faults: self.faults.saturating_sub(earlier.faults),
            drops: self.drops.saturating_sub(earlier.drops),
            bad_requests: self.bad_requests.saturating_sub(earlier.bad_requests),
            unauthorized: self.unauthorized.saturating_sub(earlier.unauthorized),
            forbidden: self.forbidden.saturating_sub(earlier.forbidden),
            not_found: self.not_found.saturating_sub(earlier.not_found),
            tokens_issued: self.tokens_issued.saturating_sub(earlier.tokens_issued),
            non_get: self.non_get.saturating_sub(earlier.non_get),
            secret_reads: self.secret_reads.saturating_sub(earlier.secret_reads),
        }
    }

    /// What a read-only loader must never do: non-GET requests and secret reads.
    pub fn violations(&self) -> u64 {
        self.non_get + self.secret_reads
    }

    /// A few readable lines: requests by endpoint, then what was answered.
    pub fn summary(&self) -> String {
        let by_endpoint = [
            ("token", self.token),
            ("environment", self.environment),
            ("populations", self.populations),
            ("users list", self.users_list),
            ("user", self.user),
            ("user memberOfGroups", self.user_member_of_groups),
            ("user roleAssignments", self.user_role_assignments),
            ("groups list", self.groups_list),
            ("group", self.group),
            ("group memberOfGroups", self.group_member_of_groups),
            ("group roleAssignments", self.group_role_assignments),
            ("applications", self.applications),
            ("app roleAssignments", self.app_role_assignments),
            ("gateways", self.gateways),
            ("gateway roleAssignments", self.gateway_role_assignments),
            ("roles", self.roles),
            ("other", self.other),
        ];
        let answers = [
            ("tokens issued", self.tokens_issued),
            ("400", self.bad_requests),
            ("401", self.unauthorized),
            ("403", self.forbidden),
            ("404", self.not_found),
            ("429", self.rate_limited),
            ("injected 5xx", self.faults),
            ("dropped", self.drops),
        ];
        let join = |items: &[(&str, u64)]| {
            items
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(|(k, n)| format!("{k} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "requests: {}\n  by endpoint: {}\n  answers: {}\n  violations: {} (non-GET {}, secret reads {})",
            self.requests,
            join(&by_endpoint),
            join(&answers),
            self.violations(),
            self.non_get,
            self.secret_reads
        )
    }
}

/// A running mock. Stops serving when dropped.
pub struct MockPingOne {
    addr: SocketAddr,
    server: Arc<Server>,
    shutdown: Option<oneshot::Sender<()>>,
    /// Set when the mock runs on its own runtime thread ([`MockPingOne::spawn_blocking`]).
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Starts a mock on 127.0.0.1 with an ephemeral port, on the current tokio runtime.
///
/// # Panics
/// When no loopback port can be bound (a broken test host).
pub async fn start(snapshot: Snapshot, config: MockConfig) -> MockPingOne {
    match MockPingOne::start_on(snapshot, config, 0).await {
        Ok(mock) => mock,
        Err(e) => panic!("mock PingOne: cannot bind 127.0.0.1:0: {e}"),
    }
}

/// The environment id served when the snapshot has none.
const FALLBACK_ENV: &str = "00000000-0000-4000-8000-00000000e001";

impl MockPingOne {
    /// Serves `snapshot` from now on (a later look at the same environment), and records
    /// `events` in the audit log (`/activities`). Requests under way finish on the data they
    /// started with.
    pub fn replace(&self, snapshot: Snapshot, events: Vec<serde_json::Value>) {
        let data = Arc::new(Data::new(snapshot, Id::new(FALLBACK_ENV)));
        *self.server.data.write().unwrap_or_else(|p| p.into_inner()) = data;
        state::lock(&self.server.activities).extend(events);
    }

    /// Starts on 127.0.0.1:`port` (0: ephemeral) on the current tokio runtime.
    pub async fn start_on(
        snapshot: Snapshot,
        config: MockConfig,
        port: u16,
    ) -> std::io::Result<MockPingOne> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let addr = listener.local_addr()?;
        let base = format!("http://{addr}");
        let fallback_env = Id::new(FALLBACK_ENV);
        let shared = Shared::new(config);
        let cursors = Cursors::new(shared.rand_u64());
        let data = Data::new(snapshot, fallback_env);
        let server = Arc::new(Server {
            env_str: data.env_id.to_string(),
            data: std::sync::RwLock::new(Arc::new(data)),
            activities: std::sync::Mutex::new(Vec::new()),
            api: format!("{base}/v1"),
            base,
            cursors,
            shared,
        });
        let app = Router::new()
            .fallback(server::handle)
            .with_state(server.clone());
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(MockPingOne {
            addr,
            server,
            shutdown: Some(tx),
            thread: None,
        })
    }

    /// Starts a mock on its own runtime thread, for tests that are not async (for example
    /// those running the CLI as a subprocess). Dropping it stops the thread.
    ///
    /// # Panics
    /// When the runtime or the loopback port cannot be set up.
    pub fn spawn_blocking(snapshot: Snapshot, config: MockConfig) -> MockPingOne {
        match Self::try_spawn_blocking(snapshot, config, 0) {
            Ok(mock) => mock,
            Err(e) => panic!("mock PingOne: cannot start: {e}"),
        }
    }

    /// [`MockPingOne::spawn_blocking`] on a given port (0: ephemeral), reporting failures.
    pub fn try_spawn_blocking(
        snapshot: Snapshot,
        config: MockConfig,
        port: u16,
    ) -> std::io::Result<MockPingOne> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("mock-pingone".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(4)
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                rt.block_on(async move {
                    let (stop_tx, stop_rx) = oneshot::channel::<()>();
                    match MockPingOne::start_on(snapshot, config, port).await {
                        Ok(mut mock) => {
                            // The caller's handle stops this thread; the inner one stops serving.
                            let inner = mock.shutdown.take();
                            let _ = ready_tx.send(Ok((mock.addr, mock.server.clone(), stop_tx)));
                            let _ = stop_rx.await;
                            drop(inner);
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
            })?;
        let (addr, server, stop) = ready_rx
            .recv()
            .map_err(|_| std::io::Error::other("mock thread ended before starting"))??;
        Ok(MockPingOne {
            addr,
            server,
            shutdown: Some(stop),
            thread: Some(thread),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The Management API base, `http://127.0.0.1:PORT/v1`.
    pub fn api_url(&self) -> String {
        self.server.api.clone()
    }

    /// The auth base, `http://127.0.0.1:PORT` (the token URL is `{auth}/{workerEnvId}/as/token`).
    pub fn auth_url(&self) -> String {
        self.server.base.clone()
    }

    /// The environment served.
    pub fn environment_id(&self) -> String {
        self.server.env_str.clone()
    }

    /// The environment holding the worker app (the token URL's).
    pub fn worker_env_id(&self) -> String {
        let cfg = self.config();
        if cfg.worker_env_id.is_empty() {
            self.environment_id()
        } else {
            cfg.worker_env_id
        }
    }

    /// A connection to this mock as the worker `client_id` with `secret`, in region NA.
    pub fn connection(
        &self,
        client_id: &str,
        secret: &str,
        method: pingscope::pingone::AuthMethod,
    ) -> pingscope::pingone::Connection {
        pingscope::pingone::Connection::new(
            &self.environment_id(),
            Some(&self.worker_env_id()),
            client_id,
            pingscope::pingone::Secret::new(secret.into()),
            method,
            pingscope::pingone::Region::NA,
            Some(&self.api_url()),
            Some(&self.auth_url()),
        )
        .expect("a connection to the mock")
    }

    /// The pingscope binary pointed at this mock through the `PINGONE_*` variables, as the
    /// worker `client_id` with `secret`, with its config and store under `dir` and no keyring.
    pub fn command(
        &self,
        client_id: &str,
        secret: &str,
        dir: &std::path::Path,
    ) -> std::process::Command {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("pingscope"));
        c.env("XDG_CONFIG_HOME", dir.join("config"))
            .env("XDG_DATA_HOME", dir.join("data"))
            .env("PINGONE_ENVIRONMENT_ID", self.environment_id())
            .env("PINGONE_AUTH_ENVIRONMENT_ID", self.worker_env_id())
            .env("PINGONE_CLIENT_ID", client_id)
            .env("PINGONE_CLIENT_SECRET", secret)
            .env("PINGONE_API_URL", self.api_url())
            .env("PINGONE_AUTH_URL", self.auth_url())
            .env_remove("PINGSCOPE_PROFILE")
            .env("PINGSCOPE_KEYRING", "none");
        c
    }

    /// `{auth}/{workerEnvId}/as/token`.
    pub fn token_url(&self) -> String {
        format!("{}/{}/as/token", self.auth_url(), self.worker_env_id())
    }

    pub fn counters(&self) -> Counters {
        self.server.shared.counters.snapshot()
    }

    pub fn config(&self) -> MockConfig {
        self.server.shared.active().cfg.clone()
    }

    /// Replaces every knob at once (tokens and counters are kept).
    pub fn set_config(&self, config: MockConfig) {
        self.server.shared.set_config(config);
    }

    /// Changes some knobs: `mock.update_config(|c| c.fault_rate = 0.5)`.
    pub fn update_config(&self, f: impl FnOnce(&mut MockConfig)) {
        self.server.shared.update_config(f);
    }

    pub fn set_latency(&self, latency: Duration, jitter: Duration) {
        self.update_config(|c| {
            c.latency = latency;
            c.latency_jitter = jitter;
        });
    }

    pub fn set_rate_limit(&self, rate_limit: Option<RateLimit>) {
        self.update_config(|c| c.rate_limit = rate_limit);
    }

    pub fn set_fault_rate(&self, rate: f64) {
        self.update_config(|c| c.fault_rate = rate);
    }

    pub fn set_drop_rate(&self, rate: f64) {
        self.update_config(|c| c.drop_rate = rate);
    }

    pub fn set_forbidden(&self, forbidden: Vec<Forbidden>) {
        self.update_config(|c| c.forbidden = forbidden);
    }

    pub fn set_app_disabled(&self, disabled: bool) {
        self.update_config(|c| c.app_disabled = disabled);
    }

    pub fn set_delete_after(&self, delete_after: Option<(u64, Vec<Id>)>) {
        self.update_config(|c| c.delete_after = delete_after);
    }

    /// Invalidates every token issued so far (the next API call with one gets 401 INVALID_TOKEN).
    pub fn expire_tokens(&self) {
        self.server.shared.expire_tokens();
    }
}

impl Drop for MockPingOne {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The parts of a snapshot a load or a refresh must get exactly right (not when or how it was
/// taken), in one order: users come population by population, memberships by group id.
pub fn content(mut s: Snapshot) -> Snapshot {
    s.meta = Default::default();
    s.coverage = Default::default();
    s.roles.sort_by_key(|r| r.id.to_string());
    s.users.sort_by(|a, b| a.id.cmp(&b.id));
    for u in &mut s.users {
        if let Some(m) = &mut u.memberships {
            m.sort_by(|a, b| a.id.cmp(&b.id));
        }
    }
    s
}
