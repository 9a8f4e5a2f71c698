//! `login`, `logout`, `profiles` and profile-based loads through the binary, against the mock
//! PingOne, with the real kernel keyring (keyutils). Each test files its secrets under its own
//! keyring service name and config directory, and removes them when it ends.

mod support;

use pingscope::demo::people_of_note as who;
use pingscope::model::Snapshot;
use serde_json::Value;
use support::cred::*;

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
fn a_first_run_explains_how_to_log_in_and_offers_the_demo() {
    let ctx = Ctx::new("firstrun", config());
    let out = ctx.run(&[]);
    let said = ok(&out);
    assert_eq!(said, pingscope::cli::first_run_message());
    for want in [
        "Worker",
        "Identity Data Read Only",
        "Configuration Read Only",
        "pingscope login",
        "--demo",
    ] {
        assert!(said.contains(want), "{want}: {said}");
    }
    // The explorer first (the main job), a command after it.
    let demo_line = said.lines().find(|l| l.contains("bundled demo")).unwrap();
    assert!(demo_line.trim_end().ends_with("pingscope --demo"), "{said}");
    if keyutils_works() {
        ok(&ctx.login("prod", SECRET, &[]));
        let said = ok(&ctx.run(&[]));
        assert!(said.contains("Try: pingscope access"), "{said}");
    }
}

/// With a keyring the store is encrypted: no secret, username or e-mail readable in a stored
/// snapshot or checkpoint; the next process reads it (`--max-age`, `snapshots`); a lost key
/// (a reboot clears the kernel keyring) costs only a fresh load, and says so.
#[test]
fn with_a_keyring_the_store_is_encrypted_and_a_lost_key_only_costs_a_fresh_load() {
    if !keyutils_works() {
        eprintln!("kernel keyutils unavailable: the sealed store is not checked here");
        return;
    }
    let ctx = Ctx::new("sealed", config());
    ok(&ctx.login("prod", SECRET, &[]));
    let first = ok(&ctx.run(&["stats", "--json"]));
    let stored: Vec<std::path::PathBuf> = files(&ctx.config_dir())
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "pscope"))
        .collect();
    assert_eq!(stored.len(), 1, "{stored:?}");
    let raw = std::fs::read(&stored[0]).unwrap();
    assert!(raw.starts_with(b"PSEALED"), "sealed");
    let people = env();
    let mut needles: Vec<String> = vec![SECRET.into()];
    for u in people.users.iter().take(30) {
        needles.push(u.username.to_string());
        needles.extend(u.email.as_ref().map(ToString::to_string));
    }
    for n in &needles {
        assert!(
            !raw.windows(n.len()).any(|w| w == n.as_bytes()),
            "{n} is readable in the store"
        );
    }
    // Not a snapshot to anything but pingscope with the key.
    assert!(Snapshot::read(&stored[0]).is_err());

    // The next process holds the key: an answer from the store, no request.
    let before = ctx.mock.counters().requests;
    let out = ctx.run(&["stats", "--json", "--max-age", "1h"]);
    assert_eq!(ok(&out), first);
    assert_eq!(ctx.mock.counters().requests, before);
    let list: Value = serde_json::from_str(&ok(&ctx.run(&["snapshots", "--json"]))).unwrap();
    assert_eq!(list[0]["encrypted"], Value::Bool(true), "{list}");
    // `snapshot save --encrypt`: sealed with the same key, read back by --snapshot.
    let sealed = ctx.dir.path().join("sealed.pscope");
    let f = sealed.to_str().unwrap();
    ok(&ctx.run(&["snapshot", "save", f, "--encrypt", "--max-age", "1h"]));
    assert!(std::fs::read(&sealed).unwrap().starts_with(b"PSEALED"));
    let again = ok(&ctx.run(&["--snapshot", f, "stats", "--json"]));
    assert!(again.contains("\"users\": 60"), "{again}");

    // The key lost: pingscope says so, loads afresh, and stores again under a new key.
    assert!(ctx.forget("@store-key"));
    let out = ctx.run(&["stats", "--json", "--max-age", "1h"]);
    let untimed = |s: &str| -> String {
        s.lines()
            .filter(|l| !l.contains("takenAt"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(untimed(&ok(&out)), untimed(&first));
    let said = text(&out.stderr);
    assert!(
        said.contains("cannot be read") && said.contains("key"),
        "{said}"
    );
    assert!(ctx.mock.counters().requests > before, "loaded afresh");
}
