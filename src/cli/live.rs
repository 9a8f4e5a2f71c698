//! Loading a live environment for CLI commands: settings from flags or the same environment
//! variables as PingOne's Terraform provider, progress on stderr when it is a terminal.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use clap::Args;
use color_eyre::eyre::{Result, eyre};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::model::{Snapshot, Stage};
use crate::pingone::{self, AuthMethod, Client, Connection, LoadEvent, Region, Secret, Tuning};

/// The client secret comes only from `PINGONE_CLIENT_SECRET` (or the keyring once logged in),
/// never from a flag, which would land in shell history and process listings.
pub const SECRET_VAR: &str = "PINGONE_CLIENT_SECRET";

#[derive(Args, Debug, Clone, Default)]
pub struct LiveArgs {
    /// The environment to explore.
    #[arg(
        long,
        global = true,
        env = "PINGONE_ENVIRONMENT_ID",
        hide_env_values = true
    )]
    pub environment_id: Option<String>,
    /// The environment holding the worker app, if not the explored one.
    #[arg(
        long,
        global = true,
        env = "PINGONE_AUTH_ENVIRONMENT_ID",
        hide_env_values = true
    )]
    pub auth_environment_id: Option<String>,
    /// The worker app's client id (its secret: PINGONE_CLIENT_SECRET, or the keyring after
    /// `pingscope login`).
    #[arg(long, global = true, env = "PINGONE_CLIENT_ID", hide_env_values = true)]
    pub client_id: Option<String>,
    /// NA, CA, EU, AU, SG or AP.
    #[arg(
        long,
        global = true,
        env = "PINGONE_REGION_CODE",
        hide_env_values = true
    )]
    pub region: Option<String>,
    /// client_secret_basic (default) or client_secret_post.
    #[arg(
        long,
        global = true,
        env = "PINGONE_TOKEN_AUTH_METHOD",
        hide_env_values = true
    )]
    pub token_auth_method: Option<String>,
    /// Full Management API base URL, e.g. https://api.pingone.eu/v1 (overrides the region).
    #[arg(long, global = true, env = "PINGONE_API_URL", hide_env_values = true)]
    pub api_url: Option<String>,
    /// Full auth base URL, e.g. https://auth.pingone.eu (overrides the region).
    #[arg(long, global = true, env = "PINGONE_AUTH_URL", hide_env_values = true)]
    pub auth_url: Option<String>,
    /// API host only, as the Terraform provider takes it (e.g. api.pingone.eu).
    #[arg(
        long,
        global = true,
        env = "PINGONE_API_SERVICE_HOSTNAME",
        hide_env_values = true
    )]
    pub api_service_hostname: Option<String>,
    /// Auth host only (e.g. auth.pingone.eu).
    #[arg(
        long,
        global = true,
        env = "PINGONE_AUTH_SERVICE_HOSTNAME",
        hide_env_values = true
    )]
    pub auth_service_hostname: Option<String>,
    /// Never send more than this many requests per second (default: adapt to PingOne's limits).
    #[arg(long, global = true, env = "PINGONE_MAX_RPS", hide_env_values = true)]
    pub max_rps: Option<f64>,
    /// Requests in flight at once.
    #[arg(long, global = true, default_value_t = 32)]
    pub concurrency: usize,
}

impl LiveArgs {
    /// Whether anything live was configured (an environment id is the minimum).
    pub fn is_configured(&self) -> bool {
        self.environment_id.is_some()
    }

    /// The connection these settings describe, with the secret from `secret`.
    pub fn connection(&self, secret: Option<Secret>) -> Result<Connection> {
        let missing = |what: &str, var: &str| {
            eyre!(
                "{what} is missing: set {var} or pass --{}",
                var.trim_start_matches("PINGONE_")
                    .to_ascii_lowercase()
                    .replace('_', "-")
            )
        };
        let env_id = self
            .environment_id
            .as_deref()
            .ok_or_else(|| missing("the environment id", "PINGONE_ENVIRONMENT_ID"))?;
        let client_id = self
            .client_id
            .as_deref()
            .ok_or_else(|| missing("the worker app's client id", "PINGONE_CLIENT_ID"))?;
        let secret = secret
            .or_else(|| std::env::var(SECRET_VAR).ok().map(Secret::new))
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                eyre!("the worker app's client secret is missing: set {SECRET_VAR} (it is never taken from a flag)")
            })?;
        let region = match self.region.as_deref() {
            Some(r) => r.parse::<Region>().map_err(|e| eyre!(e))?,
            None => Region::NA,
        };
        let auth_method = match self.token_auth_method.as_deref() {
            Some(m) => m.parse::<AuthMethod>().map_err(|e| eyre!(e))?,
            None => AuthMethod::Basic,
        };
        let api_url = self.api_url.clone().or_else(|| {
            self.api_service_hostname
                .as_ref()
                .map(|h| format!("https://{}/v1", h.trim_end_matches('/')))
        });
        let auth_url = self.auth_url.clone().or_else(|| {
            self.auth_service_hostname
                .as_ref()
                .map(|h| format!("https://{}", h.trim_end_matches('/')))
        });
        Ok(Connection::new(
            env_id,
            self.auth_environment_id.as_deref(),
            client_id,
            secret,
            auth_method,
            region,
            api_url.as_deref(),
            auth_url.as_deref(),
        )?)
    }

    pub fn tuning(&self) -> Tuning {
        Tuning {
            concurrency: self.concurrency.max(1),
            max_rps: self.max_rps.filter(|r| *r > 0.0),
            ..Tuning::default()
        }
    }
}

/// Progress on stderr: one bar per stage when stderr is a terminal, nothing otherwise.
struct Progress {
    multi: MultiProgress,
    bars: Mutex<HashMap<Stage, ProgressBar>>,
}

impl Progress {
    fn new() -> Progress {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr_with_hz(8)
        } else {
            ProgressDrawTarget::hidden()
        };
        Progress {
            multi: MultiProgress::with_draw_target(target),
            bars: Mutex::new(HashMap::new()),
        }
    }

    fn event(&self, e: &LoadEvent) {
        let mut bars = self.bars.lock().unwrap_or_else(|p| p.into_inner());
        match e {
            LoadEvent::Progress {
                stage,
                done,
                total,
                requests,
                rate,
            } => {
                let bar = bars.entry(*stage).or_insert_with(|| {
                    let b = self.multi.add(ProgressBar::new(total.unwrap_or(0)));
                    b.set_style(
                        ProgressStyle::with_template(
                            "{prefix:>28} [{bar:30}] {pos}/{len} {msg} eta {eta}",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                    );
                    b.set_prefix(stage.label());
                    b
                });
                bar.set_position(*done);
                bar.set_message(format!("· {requests} requests · {rate:.0}/s"));
            }
            LoadEvent::StageDone { stage, state } => {
                if let Some(b) = bars.get(stage) {
                    b.finish_with_message(format!("{state:?}").to_lowercase());
                }
            }
            LoadEvent::Partial(_) => {}
        }
    }
}

/// Loads the configured environment, showing progress; returns the snapshot and a one-line
/// summary of the requests made.
pub fn load(live: &LiveArgs, secret: Option<Secret>) -> Result<(Snapshot, String)> {
    load_connection(live.connection(secret)?, live.tuning())
}

/// Loads the environment of `conn` (from [`crate::credentials::resolve_live`] or [`load`]).
pub fn load_connection(conn: Connection, tuning: Tuning) -> Result<(Snapshot, String)> {
    let client = Client::new(conn, tuning)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let progress = Progress::new();
    let started = std::time::Instant::now();
    // While requests hang or wait to be retried no stage moves: a line that keeps ticking says
    // the load is alive and why it waits (on a terminal; elsewhere a line every 30 s).
    let watch = {
        let client = client.clone();
        let status = progress.multi.add(ProgressBar::new_spinner());
        status.set_style(
            ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        status.enable_steady_tick(Duration::from_millis(250));
        let terminal = std::io::stderr().is_terminal();
        runtime.spawn(async move {
            let mut tick = 0u64;
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                tick += 1;
                let c = client.counters();
                let line = format!(
                    "{} requests · {} waiting to retry · {} retried · {} rate-limited",
                    c.requests(),
                    c.waiting(),
                    c.retried(),
                    c.throttled()
                );
                if terminal {
                    status.set_message(line);
                } else if tick % 30 == 0 {
                    eprintln!("still loading after {tick} s: {line}");
                }
            }
        })
    };
    let snapshot = runtime.block_on(pingone::load(&client, &|e| progress.event(&e)));
    watch.abort();
    let _ = progress.multi.clear();
    let snapshot = snapshot?;
    let c = client.counters();
    let summary = format!(
        "loaded {} users, {} groups, {} applications in {:.1} s with {} requests ({} rate-limited, {} retried)",
        snapshot.users.len(),
        snapshot.groups.len(),
        snapshot.applications.len(),
        started.elapsed().as_secs_f64(),
        c.requests(),
        c.throttled(),
        c.retried()
    );
    runtime.shutdown_timeout(Duration::from_millis(100));
    Ok((snapshot, summary))
}
