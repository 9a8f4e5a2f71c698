//! Credentials as a person at a desktop meets them: a real Secret Service (gnome-keyring in a
//! private D-Bus session) and the hidden prompts on a terminal. Skipped, saying so, where the
//! tools are missing.

mod support;

use serde_json::Value;
use support::cred::*;

/// A real Secret Service: gnome-keyring in a private D-Bus session, unlocked with a test
/// password. Chosen automatically (no PINGSCOPE_KEYRING) because a session bus answers.
/// Needs `dbus-run-session` and `gnome-keyring-daemon` (.ci/run installs them when it can).
#[test]
fn a_desktop_secret_service_is_chosen_when_a_session_bus_answers() {
    if !on_path("dbus-run-session") || !on_path("gnome-keyring-daemon") {
        eprintln!("dbus-run-session or gnome-keyring-daemon missing: skipped");
        return;
    }
    let ctx = Ctx::new("secretservice", config());
    let data = ctx.dir.path().join("data");
    let script = r#"
set -e
printf 'test-keyring-password' | gnome-keyring-daemon --unlock --components=secrets >/dev/null \
    || { echo "gnome-keyring-daemon did not start"; exit 0; }
printf '%s\n' "$SECRET" | "$P" login --profile sandbox --label sandbox --environment-id "$ENV" \
    --client-id "$CLIENT" --api-url "$API" --auth-url "$AUTH" --client-secret-stdin
"$P" profiles --json
"$P" stats --json > "$OUT"
"$P" logout --profile sandbox
"$P" profiles --json
"#;
    let mut cmd = std::process::Command::new("dbus-run-session");
    for (k, _) in std::env::vars() {
        if k.starts_with("PINGONE_") || k.starts_with("PINGSCOPE_") || k.starts_with("DBUS_") {
            cmd.env_remove(k);
        }
    }
    let stats = ctx.dir.path().join("stats.json");
    let out = cmd
        .args(["--", "sh", "-c", script])
        .env("P", env!("CARGO_BIN_EXE_pingscope"))
        .env("SECRET", SECRET)
        .env("ENV", ctx.mock.environment_id())
        .env("CLIENT", CLIENT_ID)
        .env("API", ctx.mock.api_url())
        .env("AUTH", ctx.mock.auth_url())
        .env("OUT", &stats)
        .env("XDG_CONFIG_HOME", ctx.config_dir())
        .env("XDG_DATA_HOME", ctx.config_dir())
        .env("XDG_DATA_HOME", &data)
        .env("HOME", ctx.dir.path())
        .env("PINGSCOPE_KEYRING_SERVICE", &ctx.service)
        .output()
        .unwrap();
    let said = ok(&out);
    if said.starts_with("gnome-keyring-daemon did not start") {
        eprintln!("gnome-keyring-daemon does not start here: skipped");
        return;
    }
    assert!(said.contains("secret kept in the Secret Service"), "{said}");
    assert!(said.contains(r#""backend": "secret-service""#), "{said}");
    assert!(said.contains(r#""state": "present""#), "{said}");
    assert!(said.contains("logged out"), "{said}");
    assert!(said.trim_end().ends_with("\"profiles\": []\n}"), "{said}");
    let written = std::fs::read(&stats).unwrap_or_default();
    let v: Value = serde_json::from_slice(&written).unwrap_or_else(|e| {
        panic!(
            "stats output {e}: {:?}; the session said: {said}",
            text(&written)
        )
    });
    assert_eq!(v["counts"]["users"], 60);
    for f in files(ctx.dir.path()) {
        // gnome-keyring may still be writing its keyring (temporary file, then rename) as the
        // session ends: a file gone by now was renamed into one this loop also reads.
        let bytes = match std::fs::read(&f) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => panic!("{}: {e}", f.display()),
        };
        assert!(
            !text(&bytes).contains(SECRET),
            "the secret reached {}",
            f.display()
        );
    }
}

#[test]
fn on_a_terminal_the_secret_is_asked_for_hidden_and_used_for_one_run_when_no_keyring() {
    if !on_path("script") || !keyutils_works() {
        eprintln!("no `script` or no kernel keyring: skipped");
        return;
    }
    let ctx = Ctx::new("terminal", config());
    let (env, api, auth) = (
        ctx.mock.environment_id(),
        ctx.mock.api_url(),
        ctx.mock.auth_url(),
    );
    let login = format!(
        "login --profile prod --environment-id {env} --client-id {CLIENT_ID} --api-url {api} --auth-url {auth}"
    );
    let (success, screen) = on_terminal(&ctx, &login, &[], SECRET);
    assert!(success, "{screen}");
    assert!(screen.contains("Client secret of worker app"), "{screen}");
    assert!(screen.contains("logged in"), "{screen}");
    assert!(!screen.contains(SECRET), "the secret was echoed: {screen}");

    // No keyring now: asked for this run only, nothing stored.
    let (success, screen) = on_terminal(
        &ctx,
        "stats --json",
        &[("PINGSCOPE_KEYRING", "none")],
        SECRET,
    );
    assert!(success, "{screen}");
    assert!(screen.contains("for this run only"), "{screen}");
    assert!(screen.contains("\"users\": 60"), "{screen}");
    assert!(!screen.contains(SECRET), "the secret was echoed: {screen}");
}
