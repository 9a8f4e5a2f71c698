//! `pingscope login`, `logout` and `profiles`.

use std::io::{IsTerminal, Read, Write};

use clap::Args;
use color_eyre::eyre::{Result, bail, eyre};

use crate::credentials::profiles::{self, DEFAULT_PROFILE, Profile, Profiles, SecretLocation};
use crate::credentials::store::Store;
use crate::pingone::{Region, Secret};
use crate::source::LiveArgs;
use crate::source::verify::verify;

#[derive(Args, Debug, Clone, Default)]
pub struct LoginArgs {
    /// A word for people, e.g. prod or sandbox (shown with the environment).
    #[arg(long)]
    pub label: Option<String>,
    /// A colour cue for the label (default: red for prod*, green for sandbox/dev/test).
    #[arg(long)]
    pub color: Option<String>,
    /// Read the client secret from standard input (for scripts) instead of a hidden prompt.
    #[arg(long)]
    pub client_secret_stdin: bool,
    /// Make this the profile used when none is named.
    #[arg(long)]
    pub make_default: bool,
}

fn read_secret(args: &LoginArgs, client_id: &str) -> Result<Secret> {
    let secret = if args.client_secret_stdin {
        let mut s = String::new();
        std::io::stdin()
            .take(64 * 1024)
            .read_to_string(&mut s)
            .map_err(|e| eyre!("cannot read the secret from standard input: {e}"))?;
        let secret = Secret::new(s.trim_end_matches(['\r', '\n']).to_owned());
        zeroize::Zeroize::zeroize(&mut s);
        secret
    } else if std::io::stdin().is_terminal() {
        Secret::new(
            rpassword::prompt_password(format!("Client secret of worker app {client_id}: "))
                .map_err(|e| eyre!("cannot read the secret from the terminal: {e}"))?,
        )
    } else {
        bail!(
            "no client secret: run `pingscope login` in a terminal to type it, or pipe it in with \
             --client-secret-stdin (it is never taken from a flag)"
        );
    };
    if secret.is_empty() {
        bail!("the client secret is empty");
    }
    Ok(secret)
}

/// Verifies the worker app, then keeps the secret in the keyring and the settings in a profile.
pub fn login(
    profile: Option<&str>,
    live: &LiveArgs,
    args: &LoginArgs,
    out: &mut impl Write,
) -> Result<()> {
    let name = profile.unwrap_or(DEFAULT_PROFILE);
    profiles::check_name(name).map_err(|e| eyre!(e))?;
    let mut all = Profiles::load().map_err(|e| eyre!(e))?;
    // Logging in again keeps what is not given anew.
    let base = all.profiles.get(name).cloned().unwrap_or_default();
    let live = crate::source::merged_if(&live.expanded()?, all.profiles.get(name));
    let need = |v: &Option<String>, flag: &str| {
        v.clone()
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| eyre!("login needs {flag}"))
    };
    let environment_id = need(&live.environment_id, "--environment-id")?;
    let client_id = need(&live.client_id, "--client-id")?;
    let region: Region = live
        .region
        .as_deref()
        .unwrap_or("NA")
        .parse()
        .map_err(|e: String| eyre!(e))?;
    // Fail before asking for anything when no keyring can hold the secret.
    let store = Store::choose().map_err(|e| eyre!("login: {e}"))?;
    let secret = read_secret(args, &client_id)?;
    let conn = live.connection(Some(secret.clone()))?;
    eprintln!(
        "checking worker app {client_id} against environment {environment_id} ({})...",
        conn.region.code()
    );
    let found = verify(conn.clone()).map_err(|e| eyre!(e))?;

    let label = args.label.clone().or(base.label);
    let color = args
        .color
        .clone()
        .or_else(|| {
            label
                .as_deref()
                .and_then(profiles::default_color)
                .map(str::to_owned)
        })
        .or(base.color);
    let new = Profile {
        environment_id,
        // Always recorded: the worker app stays where it is when PINGONE_ENVIRONMENT_ID
        // points the profile at another environment its roles cover.
        auth_environment_id: Some(conn.auth_environment_id.clone()),
        region: region.code().to_owned(),
        client_id,
        token_auth_method: Some(conn.auth_method.as_str().to_owned()),
        api_url: live.api_url.clone().or_else(|| {
            live.api_service_hostname
                .as_ref()
                .map(|_| conn.api_url.to_string())
        }),
        auth_url: live.auth_url.clone().or_else(|| {
            live.auth_service_hostname
                .as_ref()
                .map(|_| conn.auth_url.to_string())
        }),
        label,
        color,
        environment_name: Some(found.name.clone()),
        secret: Some(SecretLocation {
            backend: store.backend().as_str().to_owned(),
            service: store.service().to_owned(),
        }),
    };
    store
        .set(name, &secret)
        .map_err(|e| eyre!("login: cannot keep the secret: {e}"))?;
    all.profiles.insert(name.to_owned(), new);
    if args.make_default {
        all.default = Some(name.to_owned());
    }
    if let Err(e) = all.save() {
        // Leave nothing half-done: a secret without its profile would be orphaned.
        let _ = store.delete(name);
        bail!(e);
    }
    writeln!(
        out,
        "logged in: profile {name:?} reads {} ({}{}), secret kept in {}",
        crate::model::text::sanitize(&found.name),
        found.kind.as_deref().unwrap_or("environment"),
        found
            .region
            .as_deref()
            .map(|r| format!(", {}", crate::model::text::sanitize(r)))
            .unwrap_or_default(),
        store.backend().describe()
    )?;
    let overridden = live.api_url.is_some() || live.api_service_hostname.is_some();
    if let Some(r) = found
        .region
        .as_deref()
        .filter(|r| !overridden && !r.eq_ignore_ascii_case(region.code()))
    {
        writeln!(
            out,
            "warning: PingOne says the environment's region is {}, not {}",
            crate::model::text::sanitize(r),
            region.code()
        )?;
    }
    for m in &found.missing {
        writeln!(out, "warning: {m}")?;
    }
    for w in &found.warnings {
        writeln!(out, "warning: {w}")?;
    }
    if found.missing.is_empty() && found.warnings.is_empty() {
        writeln!(out, "users, applications and role assignments are readable")?;
    }
    Ok(())
}

/// Removes a profile and its secret.
pub fn logout(profile: Option<&str>, out: &mut impl Write) -> Result<()> {
    let mut all = Profiles::load().map_err(|e| eyre!(e))?;
    let Some((name, p)) = all.pick(profile).map_err(|e| eyre!(e))? else {
        bail!("no profile to log out of: name one with --profile (see `pingscope profiles`)");
    };
    let p = p.clone();
    let removed = match &p.secret {
        Some(loc) => Store::for_profile(&loc.backend, &loc.service)
            .and_then(|s| s.delete(&name).map(|r| (r, s.backend())))
            .map_err(|e| {
                eyre!("logout: the profile is kept, the secret could not be removed: {e}")
            })?,
        None => (false, crate::credentials::store::Backend::Mock),
    };
    all.profiles.remove(&name);
    if all.default.as_deref() == Some(name.as_str()) {
        all.default = None;
    }
    all.save().map_err(|e| eyre!(e))?;
    match removed {
        (true, b) => writeln!(
            out,
            "logged out: profile {name:?} and its secret in {} removed",
            b.describe()
        )?,
        (false, _) => writeln!(
            out,
            "logged out: profile {name:?} removed (no secret was stored)"
        )?,
    }
    Ok(())
}

/// Lists profiles and where each secret is.
pub fn list(json: bool, out: &mut impl Write) -> Result<()> {
    let all = Profiles::load().map_err(|e| eyre!(e))?;
    let default = all.default_name().map(str::to_owned);
    let mut rows = Vec::new();
    for (name, p) in &all.profiles {
        let (backend, state) = match &p.secret {
            None => ("none".to_owned(), "missing".to_owned()),
            Some(loc) => match Store::for_profile(&loc.backend, &loc.service) {
                // The backend that answers (PINGSCOPE_KEYRING may differ from the recorded one).
                Ok(store) => (
                    store.backend().as_str().to_owned(),
                    match store.get(name) {
                        Ok(Some(_)) => "present".to_owned(),
                        Ok(None) => "missing".to_owned(),
                        Err(e) => format!("unavailable: {e}"),
                    },
                ),
                Err(e) => (loc.backend.clone(), format!("unavailable: {e}")),
            },
        };
        rows.push(serde_json::json!({
            "name": name,
            "default": default.as_deref() == Some(name.as_str()),
            "label": p.label,
            "color": p.color,
            "region": p.region,
            "environmentId": p.environment_id,
            "environmentName": p.environment_name,
            "clientId": p.client_id,
            "secret": {"backend": backend, "state": state},
        }));
    }
    if json {
        serde_json::to_writer_pretty(&mut *out, &serde_json::json!({"profiles": rows}))?;
        writeln!(out)?;
        return Ok(());
    }
    if rows.is_empty() {
        writeln!(
            out,
            "no profiles yet: `pingscope login --environment-id ... --client-id ... --region ...`"
        )?;
        return Ok(());
    }
    let s = |v: &serde_json::Value| {
        crate::model::text::sanitize(v.as_str().unwrap_or("-")).into_owned()
    };
    let mut t = super::human::Table::default();
    t.row(
        [
            "",
            "PROFILE",
            "LABEL",
            "REGION",
            "ENVIRONMENT",
            "CLIENT ID",
            "SECRET",
        ]
        .map(str::to_owned),
    );
    for r in &rows {
        t.row([
            if r["default"] == true { "*" } else { "" }.to_owned(),
            s(&r["name"]),
            s(&r["label"]),
            s(&r["region"]),
            format!(
                "{} {}",
                s(&r["environmentId"]),
                r["environmentName"]
                    .as_str()
                    .map(|n| format!("({})", crate::model::text::sanitize(n)))
                    .unwrap_or_default()
            ),
            s(&r["clientId"]),
            format!(
                "{} {}",
                s(&r["secret"]["backend"]),
                s(&r["secret"]["state"])
            ),
        ]);
    }
    t.write(out, "")?;
    Ok(())
}
