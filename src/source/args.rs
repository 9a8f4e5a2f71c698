//! The command-line settings of a source: which environment (`--demo`, `--snapshot FILE`, a
//! profile) and, for a live one, the connection settings from flags or the same environment
//! variables as PingOne's Terraform provider. Shared by the CLI and the explorer.

use std::path::PathBuf;

use clap::Args;
use color_eyre::eyre::{Result, eyre};

use crate::pingone::{AuthMethod, Connection, Region, Secret, Tuning};

#[derive(Args, Debug, Clone)]
pub struct SourceArgs {
    /// Use the bundled demo environment (no account needed).
    #[arg(long, global = true, conflicts_with = "snapshot")]
    pub demo: bool,
    /// Read a snapshot file written by `pingscope snapshot save` or `pingscope demo generate`.
    #[arg(long, global = true, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
    /// The saved profile to use (see `pingscope profiles`); default: the default profile.
    /// PINGONE_* variables and flags override its settings one by one.
    #[arg(
        long,
        global = true,
        env = "PINGSCOPE_PROFILE",
        value_name = "NAME",
        hide_env_values = true
    )]
    pub profile: Option<String>,
    #[command(flatten)]
    pub live: LiveArgs,
    /// Answer from the newest stored snapshot of the environment when it is younger than this
    /// (`30m`, `1h`, `7d`), with no request to PingOne.
    #[arg(long, global = true, value_name = "DURATION", value_parser = super::store::parse_duration)]
    pub max_age: Option<std::time::Duration>,
    /// Keep nothing on disk: no stored snapshot of this load (see README "Keeping environments").
    #[arg(long, global = true)]
    pub no_store: bool,
    /// Exit 0 even when a live load could not read everything (the default is exit status 3;
    /// the answer and any snapshot are written either way).
    #[arg(long, global = true)]
    pub allow_incomplete: bool,
}

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
    /// The worker's token endpoint as the PingOne console shows it
    /// (https://auth.pingone.eu/ENV_ID/as/token): gives the region and the worker's
    /// environment (and the environment to explore, unless --environment-id says another).
    #[arg(
        long,
        global = true,
        env = "PINGONE_TOKEN_ENDPOINT",
        value_name = "URL",
        hide_env_values = true
    )]
    pub token_endpoint: Option<String>,
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
    /// How memberships are read: per-group (one filtered listing per group, far fewer requests
    /// when groups are far fewer than users), per-user, or auto (the cheaper one).
    #[arg(long, global = true, value_name = "PLAN", default_value = "auto")]
    pub plan: crate::pingone::MembershipPlan,
}

impl LiveArgs {
    /// Whether anything live was configured (an environment id, or a token endpoint naming one,
    /// is the minimum).
    pub fn is_configured(&self) -> bool {
        self.environment_id.is_some() || self.token_endpoint.is_some()
    }

    /// These settings with what the token endpoint says filled in: its region, its environment
    /// as the worker's (and as the one to explore when none is named). A region or worker
    /// environment that disagrees with it is an error, never a silent choice.
    pub fn expanded(&self) -> Result<LiveArgs> {
        let Some(url) = &self.token_endpoint else {
            return Ok(self.clone());
        };
        let (region, env) = crate::pingone::parse_token_endpoint(url).map_err(|e| eyre!(e))?;
        let mut out = self.clone();
        if let Some(r) = &self.region {
            let given: Region = r.parse().map_err(|e: String| eyre!(e))?;
            if given != region {
                return Err(eyre!(
                    "the token endpoint is in region {} but the region given is {}",
                    region.code(),
                    given.code()
                ));
            }
        }
        if let Some(a) = &self.auth_environment_id {
            if !a.eq_ignore_ascii_case(&env) {
                return Err(eyre!(
                    "the token endpoint names environment {env} but --auth-environment-id says {a}"
                ));
            }
        }
        out.region = Some(region.code().to_owned());
        out.auth_environment_id = Some(env.clone());
        if out.environment_id.is_none() {
            out.environment_id = Some(env);
        }
        Ok(out)
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
            plan: self.plan,
            ..Tuning::default()
        }
    }
}

#[cfg(test)]
mod token_endpoint_tests {
    use super::*;

    const ENV: &str = "2b3c4d5e-0000-4000-8000-00000000abcd";

    fn with(endpoint: &str) -> LiveArgs {
        LiveArgs {
            token_endpoint: Some(endpoint.to_owned()),
            ..LiveArgs::default()
        }
    }

    #[test]
    fn a_token_endpoint_gives_region_and_environments() {
        let a = with(&format!("https://auth.pingone.eu/{ENV}/as/token"));
        assert!(a.is_configured());
        let e = a.expanded().unwrap();
        assert_eq!(e.region.as_deref(), Some("EU"));
        assert_eq!(e.auth_environment_id.as_deref(), Some(ENV));
        assert_eq!(e.environment_id.as_deref(), Some(ENV));
        // Another environment to explore, with the worker's from the endpoint.
        let other = LiveArgs {
            environment_id: Some("other-env".into()),
            ..a.clone()
        };
        let e = other.expanded().unwrap();
        assert_eq!(e.environment_id.as_deref(), Some("other-env"));
        assert_eq!(e.auth_environment_id.as_deref(), Some(ENV));
    }

    #[test]
    fn disagreements_and_other_urls_are_one_line_errors() {
        let a = LiveArgs {
            region: Some("NA".into()),
            ..with(&format!("https://auth.pingone.eu/{ENV}/as/token"))
        };
        let e = a.expanded().unwrap_err().to_string();
        assert!(e.contains("region EU") && e.contains("NA"), "{e}");
        let a = LiveArgs {
            auth_environment_id: Some("another".into()),
            ..with(&format!("https://auth.pingone.eu/{ENV}/as/token"))
        };
        assert!(a.expanded().is_err());
        let e = with("https://login.example.com/as/token")
            .expanded()
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("is not a PingOne token endpoint") && !e.contains('\n'),
            "{e}"
        );
    }
}
