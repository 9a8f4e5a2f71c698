//! `login`, `logout`, `profiles` and profile-based loads through the binary, against the mock
//! PingOne, with the real kernel keyring (keyutils). Each test files its secrets under its own
//! keyring service name and config directory, and removes them when it ends.

mod support;

use std::path::Path;
use std::process::Output;

use pingscope::credentials::store::{Backend, Store};
use pingscope::demo::{Params, generate, people_of_note as who};
use pingscope::model::Snapshot;
use serde_json::Value;
use support::mock::{Forbidden, MockConfig, MockPingOne};

const CLIENT_ID: &str = "pingscope-cred-worker";
/// Recognisable, so a leak anywhere is found by a plain search.
const SECRET: &str = "Zq7-RECOGNISABLE-worker-secret-4f1d";

fn env() -> Snapshot {
    generate(&Params::sized(60, 70, 30, 3))
}

fn config() -> MockConfig {
    MockConfig {
        client_id: CLIENT_ID.into(),
        client_secret: SECRET.into(),
        ..MockConfig::default()
    }
}

/// A config directory and a keyring service of its own; secrets removed on drop.
struct Ctx {
    dir: tempfile::TempDir,
    service: String,
    mock: MockPingOne,
}

/// Runs `f` on a thread of its own. Opening the kernel keyring makes the calling thread join
/// a session keyring, which the binaries it starts would inherit; the test threads keep none,
/// so every `pingscope` here starts as it would from cron or a container: without one.
fn aside<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().unwrap())
}

/// Whether the kernel keyring works here (Docker's default seccomp profile, for one, blocks it).
fn keyutils_works() -> bool {
    aside(|| {
        Store::open(Backend::Keyutils, "pingscope-test-probe").is_ok_and(|s| s.probe().is_ok())
    })
}

impl Ctx {
    fn new(name: &str, config: MockConfig) -> Ctx {
        Ctx {
            dir: tempfile::tempdir().unwrap(),
            service: format!("pingscope-test-{name}-{}", std::process::id()),
            mock: MockPingOne::spawn_blocking(env(), config),
        }
    }

    fn config_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("config")
    }

    /// The binary with this test's config dir and keyring service, the kernel keyring forced
    /// (a developer's desktop keyring stays out of it), and no live settings from the shell.
    fn cmd(&self) -> assert_cmd::Command {
        let mut c = assert_cmd::Command::cargo_bin("pingscope").unwrap();
        for (k, _) in std::env::vars() {
            if k.starts_with("PINGONE_") || k.starts_with("PINGSCOPE_") {
                c.env_remove(k);
            }
        }
        c.env("XDG_CONFIG_HOME", self.config_dir())
            .env("PINGSCOPE_KEYRING_SERVICE", &self.service)
            .env("PINGSCOPE_KEYRING", "keyutils");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    /// `login` against this test's mock, the secret piped in.
    fn login(&self, profile: &str, secret: &str, extra: &[&str]) -> Output {
        let env = self.mock.environment_id();
        let api = self.mock.api_url();
        let auth = self.mock.auth_url();
        let mut args = vec![
            "login",
            "--profile",
            profile,
            "--environment-id",
            &env,
            "--client-id",
            CLIENT_ID,
            "--region",
            "EU",
            "--api-url",
            &api,
            "--auth-url",
            &auth,
            "--client-secret-stdin",
        ];
        args.extend_from_slice(extra);
        self.cmd()
            .args(&args)
            .write_stdin(format!("{secret}\n"))
            .output()
            .unwrap()
    }

    /// The secret the kernel keyring holds for `profile` (read from another thread).
    fn stored(&self, profile: &str) -> Option<String> {
        aside(|| {
            let store = Store::open(Backend::Keyutils, &self.service).unwrap();
            store.get(profile).unwrap().map(|s| s.expose().to_owned())
        })
    }

    /// Removes the keyring entry of `profile`, as a reboot would; whether there was one.
    fn forget(&self, profile: &str) -> bool {
        aside(|| {
            let store = Store::open(Backend::Keyutils, &self.service).unwrap();
            store.delete(profile).unwrap()
        })
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        aside(|| {
            if let Ok(store) = Store::open(Backend::Keyutils, &self.service) {
                for name in ["default", "prod", "sandbox", "bad", "nokey"] {
                    let _ = store.delete(name);
                }
            }
        });
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// stderr of a failed run: exit 1, one line.
fn failed(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let err = text(&out.stderr);
    let last = err.trim_end().lines().last().unwrap_or("").to_owned();
    assert!(last.starts_with("pingscope: "), "{err}");
    last
}

fn profiles_json(ctx: &Ctx) -> Value {
    serde_json::from_str(&ok(&ctx.run(&["profiles", "--json"]))).unwrap()
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn login_then_load_by_profile_then_logout_and_the_secret_never_leaks() {
    let ctx = Ctx::new("roundtrip", config());
    if !keyutils_works() {
        // No kernel keyring on this host: login must refuse with the alternatives, not
        // fall back to a file.
        let err = failed(&ctx.login("prod", SECRET, &[]));
        assert!(err.contains("PINGONE_CLIENT_SECRET"), "{err}");
        assert!(files(&ctx.config_dir()).is_empty());
        eprintln!("kernel keyutils unavailable: checked the refusal only");
        return;
    }
    let mut outputs = Vec::new();
    let out = ctx.login("prod", SECRET, &["--label", "prod"]);
    let said = ok(&out);
    assert!(
        said.contains("logged in") && said.contains("kernel keyring"),
        "{said}"
    );
    assert!(said.contains("readable"), "{said}");
    outputs.push(out);

    let p = profiles_json(&ctx);
    let prof = &p["profiles"][0];
    assert_eq!(prof["name"], "prod");
    assert_eq!(prof["label"], "prod");
    assert_eq!(prof["color"], "red");
    assert_eq!(prof["region"], "EU");
    assert_eq!(prof["clientId"], CLIENT_ID);
    assert_eq!(prof["environmentId"], ctx.mock.environment_id().as_str());
    assert_eq!(prof["secret"]["backend"], "keyutils");
    assert_eq!(prof["secret"]["state"], "present");
    assert_eq!(prof["default"], true, "the only profile is the default");

    // The profile file: 0600 and nothing secret.
    let file = ctx.config_dir().join("pingscope").join("profiles.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // Commands load live through the (default) profile and its keyring secret, in new
    // processes: the secret outlives the login process.
    let out = ctx.run(&["access", who::DEEP_NESTING, "--json"]);
    let v: Value = serde_json::from_str(&ok(&out)).unwrap();
    assert_eq!(v["user"]["username"], who::DEEP_NESTING);
    outputs.push(out);
    let saved = ctx.dir.path().join("out").join("live.json");
    std::fs::create_dir_all(saved.parent().unwrap()).unwrap();
    let out = ctx.run(&[
        "--profile",
        "prod",
        "snapshot",
        "save",
        saved.to_str().unwrap(),
    ]);
    ok(&out);
    outputs.push(out);
    let out = ctx.run(&["stats", "--json"]);
    ok(&out);
    outputs.push(out);
    assert!(Snapshot::read(&saved).is_ok());

    // The secret is nowhere: not in any file written, not in any output.
    for f in files(ctx.dir.path()) {
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !text(&bytes).contains(SECRET),
            "the secret reached {}",
            f.display()
        );
    }
    for o in &outputs {
        assert!(!text(&o.stdout).contains(SECRET) && !text(&o.stderr).contains(SECRET));
    }
    assert_eq!(ctx.mock.counters().violations(), 0);

    // Logout removes both.
    let said = ok(&ctx.run(&["logout", "--profile", "prod"]));
    assert!(said.contains("removed"), "{said}");
    assert!(
        profiles_json(&ctx)["profiles"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(ctx.stored("prod"), None);
    let err = failed(&ctx.run(&["stats"]));
    assert!(
        err.contains("no environment to read") && err.contains("login"),
        "{err}"
    );
}

#[test]
fn pingone_variables_override_a_profile_field_by_field() {
    let ctx = Ctx::new("override", config());
    if !keyutils_works() {
        eprintln!("kernel keyutils unavailable: skipped");
        return;
    }
    ok(&ctx.login("prod", SECRET, &[]));
    // Another environment id from the environment: the profile's other fields still apply,
    // and the mock refuses an environment it does not serve.
    let out = ctx
        .cmd()
        .env(
            "PINGONE_ENVIRONMENT_ID",
            "00000000-0000-4000-8000-00000000dead",
        )
        .args(["stats"])
        .output()
        .unwrap();
    let err = failed(&out);
    assert!(
        err.contains("403") && err.contains("/environments/00000000"),
        "{err}"
    );
    // A secret from the environment wins over the keyring's.
    let out = ctx
        .cmd()
        .env("PINGONE_CLIENT_SECRET", "not-the-secret")
        .args(["stats"])
        .output()
        .unwrap();
    let err = failed(&out);
    assert!(
        err.contains("invalid_client") && !err.contains("not-the-secret"),
        "{err}"
    );
    // CI: no keyring at all, the secret from the environment, the rest from the profile.
    let out = ctx
        .cmd()
        .env("PINGSCOPE_KEYRING", "none")
        .env("PINGONE_CLIENT_SECRET", SECRET)
        .args(["stats", "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_str(&ok(&out)).unwrap();
    assert_eq!(v["counts"]["users"], 60);
}

#[test]
fn no_keyring_and_a_missing_secret_each_say_what_to_do() {
    let ctx = Ctx::new("nokeyring", config());
    // Login with no keyring: refused before asking anything, nothing written.
    let out = ctx
        .cmd()
        .env("PINGSCOPE_KEYRING", "none")
        .args([
            "login",
            "--environment-id",
            "e",
            "--client-id",
            "c",
            "--client-secret-stdin",
        ])
        .write_stdin("x\n")
        .output()
        .unwrap();
    let err = failed(&out);
    assert!(err.contains("no OS keyring is available"), "{err}");
    assert!(
        err.contains("PINGONE_CLIENT_SECRET") && err.contains("terminal"),
        "{err}"
    );
    assert!(files(&ctx.config_dir()).is_empty());

    // Login without a terminal and without --client-secret-stdin: says how.
    if keyutils_works() {
        let out = ctx
            .cmd()
            .args(["login", "--environment-id", "e", "--client-id", "c"])
            .output()
            .unwrap();
        let err = failed(&out);
        assert!(err.contains("--client-secret-stdin"), "{err}");

        ok(&ctx.login("nokey", SECRET, &[]));
        // The keyring becomes unavailable later: the alternatives, no prompt (no terminal).
        let out = ctx
            .cmd()
            .env("PINGSCOPE_KEYRING", "none")
            .args(["stats"])
            .output()
            .unwrap();
        let err = failed(&out);
        assert!(
            err.contains("no OS keyring") && err.contains("PINGONE_CLIENT_SECRET"),
            "{err}"
        );
        // The entry vanished (a reboot clears keyutils): run login again.
        assert!(ctx.forget("nokey"));
        let err = failed(&ctx.run(&["stats"]));
        assert!(err.contains("missing from the kernel keyring"), "{err}");
        assert!(err.contains("pingscope login --profile nokey"), "{err}");
        let p = profiles_json(&ctx);
        assert_eq!(p["profiles"][0]["secret"]["state"], "missing");
    }
}

#[test]
fn a_wrong_secret_a_disabled_app_and_a_wrong_region_each_get_their_own_message() {
    let ctx = Ctx::new("refusals", config());
    if !keyutils_works() {
        eprintln!("kernel keyutils unavailable: skipped");
        return;
    }
    let err = failed(&ctx.login("bad", "not-the-secret", &[]));
    assert!(err.contains("refused the client secret"), "{err}");
    assert!(!err.contains("not-the-secret"), "{err}");

    ctx.mock.set_app_disabled(true);
    let err = failed(&ctx.login("bad", SECRET, &[]));
    assert!(
        err.contains("is disabled") && err.contains("enable it"),
        "{err}"
    );
    ctx.mock.set_app_disabled(false);

    // A wrong region: the other region's auth server does not know the environment.
    let other = MockPingOne::spawn_blocking(
        generate(&Params::sized(5, 60, 30, 9)),
        MockConfig {
            unknown_env_not_found: true,
            ..config()
        },
    );
    let env = ctx.mock.environment_id();
    let (api, auth) = (other.api_url(), other.auth_url());
    let out = ctx
        .cmd()
        .args([
            "login",
            "--profile",
            "bad",
            "--environment-id",
            &env,
            "--client-id",
            CLIENT_ID,
        ])
        .args([
            "--region",
            "EU",
            "--api-url",
            &api,
            "--auth-url",
            &auth,
            "--client-secret-stdin",
        ])
        .write_stdin(SECRET)
        .output()
        .unwrap();
    let err = failed(&out);
    assert!(err.contains("wrong region") && err.contains("EU"), "{err}");

    // An auth host nothing answers on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = format!("http://127.0.0.1:{port}");
    let out = ctx
        .cmd()
        .args([
            "login",
            "--profile",
            "bad",
            "--environment-id",
            &env,
            "--client-id",
            CLIENT_ID,
        ])
        .args([
            "--region",
            "SG",
            "--api-url",
            &dead,
            "--auth-url",
            &dead,
            "--client-secret-stdin",
        ])
        .write_stdin(SECRET)
        .output()
        .unwrap();
    let err = failed(&out);
    assert!(
        err.contains("cannot reach 127.0.0.1") && err.contains("region"),
        "{err}"
    );

    // None of these saved anything.
    assert!(
        profiles_json(&ctx)["profiles"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(ctx.stored("bad"), None);
}

#[test]
fn missing_roles_are_named_and_no_role_at_all_is_refused() {
    let ctx = Ctx::new("roles", config());
    if !keyutils_works() {
        eprintln!("kernel keyutils unavailable: skipped");
        return;
    }
    ctx.mock
        .set_forbidden(vec![Forbidden::Users, Forbidden::AppRoleAssignments]);
    let said = ok(&ctx.login("prod", SECRET, &[]));
    assert!(
        said.contains("cannot read users (403)") && said.contains("Identity Data Read Only"),
        "{said}"
    );
    assert!(
        said.contains("cannot read role assignments (403)"),
        "the assignment probe falls back to an application: {said}"
    );
    assert!(!said.contains("cannot read applications"), "{said}");
    assert_eq!(ctx.stored("prod").as_deref(), Some(SECRET));

    ctx.mock.set_forbidden(vec![Forbidden::Applications]);
    let said = ok(&ctx.login("prod", SECRET, &[]));
    assert!(
        said.contains("cannot read applications (403)") && said.contains("Configuration Read Only"),
        "{said}"
    );

    ctx.mock.set_forbidden(vec![Forbidden::Environment]);
    let err = failed(&ctx.login("sandbox", SECRET, &[]));
    assert!(err.contains("holds no role"), "{err}");
    assert!(
        err.contains("Identity Data Read Only and Configuration Read Only"),
        "{err}"
    );
    assert_eq!(ctx.stored("sandbox"), None);
}

#[test]
fn a_first_run_explains_how_to_log_in_and_offers_the_demo() {
    let ctx = Ctx::new("firstrun", config());
    let out = ctx.run(&[]);
    let said = ok(&out);
    assert_eq!(said, pingscope::credentials::first_run_message());
    for want in [
        "Worker",
        "Identity Data Read Only",
        "Configuration Read Only",
        "pingscope login",
        "--demo",
    ] {
        assert!(said.contains(want), "{want}: {said}");
    }
    if keyutils_works() {
        ok(&ctx.login("prod", SECRET, &[]));
        let said = ok(&ctx.run(&[]));
        assert!(said.contains("Try: pingscope access"), "{said}");
    }
}

/// Whether `program` is on PATH.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

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
    let v: Value = serde_json::from_slice(&std::fs::read(&stats).unwrap()).unwrap();
    assert_eq!(v["counts"]["users"], 60);
    for f in files(ctx.dir.path()) {
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !text(&bytes).contains(SECRET),
            "the secret reached {}",
            f.display()
        );
    }
}

/// Runs `pingscope ARGS` on a pseudo-terminal (util-linux `script`), typing `typed` once the
/// prompt has had time to appear; returns everything the terminal showed.
fn on_terminal(ctx: &Ctx, args: &str, extra_env: &[(&str, &str)], typed: &str) -> (bool, String) {
    use std::io::Write;
    let command = format!("{} {args}", env!("CARGO_BIN_EXE_pingscope"));
    let mut cmd = std::process::Command::new("script");
    cmd.args(["-qec", &command, "/dev/null"]);
    for (k, _) in std::env::vars() {
        if k.starts_with("PINGONE_") || k.starts_with("PINGSCOPE_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("XDG_CONFIG_HOME", ctx.config_dir())
        .env("PINGSCOPE_KEYRING_SERVICE", &ctx.service)
        .env("PINGSCOPE_KEYRING", "keyutils")
        .envs(extra_env.iter().copied())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(format!("{typed}\n").as_bytes());
    }
    let out = child.wait_with_output().unwrap();
    (out.status.success(), text(&out.stdout) + &text(&out.stderr))
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
