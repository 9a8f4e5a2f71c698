//! Which live environment a command reads: a profile (named, or the default one) with its
//! secret from the keyring, overridden field by field by `PINGONE_*` variables and flags (CI
//! and containers need no keyring at all).

use std::io::IsTerminal;

use color_eyre::eyre::{Result, eyre};

use super::args::{LiveArgs, SECRET_VAR};
use crate::credentials::profiles::{Profile, Profiles};
use crate::credentials::store::{Backend, Store, StoreError};
use crate::pingone::{Connection, Secret, Tuning};

/// Where this run's client secret came from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SecretOrigin {
    EnvVar,
    Keyring(Backend),
    /// Typed at a prompt, for this run only.
    Prompt,
}

/// A live environment ready to load.
#[derive(Clone, Debug)]
pub struct LiveSource {
    pub connection: Connection,
    pub tuning: Tuning,
    /// Answer from a stored snapshot younger than this, with no request.
    pub max_age: Option<std::time::Duration>,
    /// Where loads are kept; `None` when storing is off.
    pub store: Option<super::store::Store>,
    /// The profile used, if any.
    pub profile: Option<String>,
    pub label: Option<String>,
    pub color: Option<String>,
    pub secret_from: SecretOrigin,
}

impl LiveSource {
    pub fn with_tuning(mut self, tuning: Tuning) -> LiveSource {
        self.tuning = tuning;
        self
    }
}

/// The profile a command would use (named, or the default), without touching the keyring.
pub fn selected_profile(name: Option<&str>) -> Result<Option<(String, Profile)>> {
    let profiles = Profiles::load().map_err(|e| eyre!(e))?;
    Ok(profiles
        .pick(name)
        .map_err(|e| eyre!(e))?
        .map(|(n, p)| (n, p.clone())))
}

/// Whether a live source is configured (flags, `PINGONE_*` or a profile). Cheap: no keyring.
pub fn live_configured(profile: Option<&str>, live: &LiveArgs) -> Result<bool> {
    Ok(live.is_configured() || profile.is_some() || selected_profile(None)?.is_some())
}

/// The profile's settings under the flags and `PINGONE_*` variables (which win, field by field).
pub fn merged(live: &LiveArgs, p: &Profile) -> LiveArgs {
    let mut m = live.clone();
    let or = |a: &mut Option<String>, b: &Option<String>| {
        if a.is_none() {
            a.clone_from(b);
        }
    };
    if m.environment_id.is_none() {
        m.environment_id = Some(p.environment_id.clone());
    }
    if m.client_id.is_none() {
        m.client_id = Some(p.client_id.clone());
    }
    if m.region.is_none() {
        m.region = Some(p.region.clone());
    }
    or(&mut m.auth_environment_id, &p.auth_environment_id);
    or(&mut m.token_auth_method, &p.token_auth_method);
    // Host overrides from the command line replace the profile's URLs too.
    if m.api_service_hostname.is_none() {
        or(&mut m.api_url, &p.api_url);
    }
    if m.auth_service_hostname.is_none() {
        or(&mut m.auth_url, &p.auth_url);
    }
    m
}

/// `merged` when there is a profile, else the flags and variables alone.
pub fn merged_if(live: &LiveArgs, p: Option<&Profile>) -> LiveArgs {
    p.map_or_else(|| live.clone(), |p| merged(live, p))
}

/// The live environment to read, or `None` when neither a profile nor `PINGONE_*` settings
/// exist. The secret comes from `PINGONE_CLIENT_SECRET`, else the profile's keyring entry, else
/// (on a terminal) a prompt for this run only. Never from a file.
///
/// For the TUI: call it before entering raw mode (the prompt reads the terminal), and show
/// `label`/`color` and `secret_from` in the status line. The keyring is read synchronously
/// (Secret Service via zbus's own executor): call it outside async code.
pub fn resolve_live(profile: Option<&str>, live: &LiveArgs) -> Result<Option<LiveSource>> {
    let chosen = selected_profile(profile)?;
    if chosen.is_none() && !live.is_configured() {
        return Ok(None);
    }
    // The profile first, then what a token endpoint says: it names the worker's environment and
    // region, and the environment to explore only when neither the flags nor the profile do.
    let args = match &chosen {
        Some((_, p)) => merged(live, p),
        None => live.clone(),
    }
    .expanded()?;
    let env_secret = std::env::var(SECRET_VAR)
        .ok()
        .filter(|s| !s.is_empty())
        .map(Secret::new);
    let (secret, origin) = match (env_secret, &chosen) {
        (Some(s), _) => (s, SecretOrigin::EnvVar),
        (None, Some((name, p))) => keyring_secret(name, p, &args)?,
        (None, None) => match prompt_secret(&args, "")? {
            Some(s) => (s, SecretOrigin::Prompt),
            None => {
                return Err(eyre!(
                    "the worker app's client secret is missing: set {SECRET_VAR}, or run \
                     `pingscope login` once to keep it in the OS keyring"
                ));
            }
        },
    };
    let connection = args.connection(Some(secret))?;
    Ok(Some(LiveSource {
        tuning: args.tuning(),
        max_age: None,
        store: None,
        connection,
        label: chosen.as_ref().and_then(|(_, p)| p.label.clone()),
        color: chosen.as_ref().and_then(|(_, p)| p.color.clone()),
        profile: chosen.map(|(n, _)| n),
        secret_from: origin,
    }))
}

fn keyring_secret(name: &str, p: &Profile, args: &LiveArgs) -> Result<(Secret, SecretOrigin)> {
    // The keyring holds the secret of the profile's worker app; a different client id from
    // the environment is another app, whose secret must come from PINGONE_CLIENT_SECRET.
    if args.client_id.as_deref() != Some(p.client_id.as_str()) {
        return Err(eyre!(
            "the client id differs from profile {name:?}'s, so its keyring secret does not apply: \
             set {SECRET_VAR} for this client"
        ));
    }
    let Some(loc) = &p.secret else {
        return Err(eyre!(
            "profile {name:?} records no keyring entry: run `pingscope login --profile {name}` \
             again, or set {SECRET_VAR}"
        ));
    };
    let looked_up = Store::for_profile(&loc.backend, &loc.service).and_then(|s| {
        let b = s.backend();
        s.get(name).map(|o| (o, b))
    });
    match looked_up {
        Ok((Some(secret), backend)) => Ok((secret, SecretOrigin::Keyring(backend))),
        Ok((None, backend)) => Err(eyre!(
            "the client secret of profile {name:?} is missing from {} (keyutils forgets at \
             reboot): run `pingscope login --profile {name}` again, or set {SECRET_VAR}",
            backend.describe()
        )),
        Err(e @ (StoreError::Unavailable(_) | StoreError::Locked { .. })) => {
            match prompt_secret(args, &format!(" ({e})"))? {
                Some(s) => Ok((s, SecretOrigin::Prompt)),
                None => Err(eyre!("profile {name:?}: {e}")),
            }
        }
        Err(e) => Err(eyre!("profile {name:?}: {e}")),
    }
}

/// Asks for the secret on the terminal, for this run only; `None` when stdin is not a terminal.
fn prompt_secret(args: &LiveArgs, why: &str) -> Result<Option<Secret>> {
    if !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    let client = args.client_id.as_deref().unwrap_or("the worker app");
    eprintln!("pingscope: no stored secret{why}");
    let s = rpassword::prompt_password(format!(
        "Client secret of {client} (for this run only, not stored): "
    ))
    .map_err(|e| eyre!("cannot read the secret from the terminal: {e}"))?;
    let s = Secret::new(s);
    if s.is_empty() {
        return Err(eyre!("no secret entered"));
    }
    Ok(Some(s))
}
