//! Shared by the credentials tests: a config directory and a keyring service of their own per
//! test, the mock PingOne, and helpers to run the binary and read what it said.
#![allow(dead_code)]

use std::path::Path;
use std::process::Output;

use pingscope::credentials::store::{Backend, Store};
use pingscope::demo::{Params, generate};
use pingscope::model::Snapshot;
use serde_json::Value;

use crate::support::mock::{MockConfig, MockPingOne};

pub const CLIENT_ID: &str = "pingscope-cred-worker";
/// Recognisable, so a leak anywhere is found by a plain search.
pub const SECRET: &str = "Zq7-RECOGNISABLE-worker-secret-4f1d";

pub fn env() -> Snapshot {
    generate(&Params::sized(60, 70, 30, 3))
}

pub fn config() -> MockConfig {
    MockConfig {
        client_id: CLIENT_ID.into(),
        client_secret: SECRET.into(),
        ..MockConfig::default()
    }
}

/// A config directory and a keyring service of its own; secrets removed on drop.
pub struct Ctx {
    pub dir: tempfile::TempDir,
    pub service: String,
    pub mock: MockPingOne,
}

/// Runs `f` on a thread of its own. Opening the kernel keyring makes the calling thread join
/// a session keyring, which the binaries it starts would inherit; the test threads keep none,
/// so every `pingscope` here starts as it would from cron or a container: without one.
pub fn aside<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().unwrap())
}

/// Whether the kernel keyring works here (Docker's default seccomp profile, for one, blocks it).
pub fn keyutils_works() -> bool {
    aside(|| {
        Store::open(Backend::Keyutils, "pingscope-test-probe").is_ok_and(|s| s.probe().is_ok())
    })
}

impl Ctx {
    pub fn new(name: &str, config: MockConfig) -> Ctx {
        Ctx {
            dir: tempfile::tempdir().unwrap(),
            service: format!("pingscope-test-{name}-{}", std::process::id()),
            mock: MockPingOne::spawn_blocking(env(), config),
        }
    }

    pub fn config_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("config")
    }

    /// The binary with this test's config dir and keyring service, the kernel keyring forced
    /// (a developer's desktop keyring stays out of it), and no live settings from the shell.
    pub fn cmd(&self) -> assert_cmd::Command {
        let mut c = assert_cmd::Command::cargo_bin("pingscope").unwrap();
        for (k, _) in std::env::vars() {
            if k.starts_with("PINGONE_") || k.starts_with("PINGSCOPE_") {
                c.env_remove(k);
            }
        }
        c.env("XDG_CONFIG_HOME", self.config_dir())
            .env("XDG_DATA_HOME", self.config_dir())
            .env("PINGSCOPE_KEYRING_SERVICE", &self.service)
            .env("PINGSCOPE_KEYRING", "keyutils");
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    /// `login` against this test's mock, the secret piped in.
    pub fn login(&self, profile: &str, secret: &str, extra: &[&str]) -> Output {
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
    pub fn stored(&self, profile: &str) -> Option<String> {
        aside(|| {
            let store = Store::open(Backend::Keyutils, &self.service).unwrap();
            store.get(profile).unwrap().map(|s| s.expose().to_owned())
        })
    }

    /// Removes the keyring entry of `profile`, as a reboot would; whether there was one.
    pub fn forget(&self, profile: &str) -> bool {
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
                for name in ["default", "prod", "sandbox", "bad", "nokey", "@store-key"] {
                    let _ = store.delete(name);
                }
            }
        });
    }
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// stderr of a failed run: exit 1, one line.
pub fn failed(out: &Output) -> String {
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

pub fn profiles_json(ctx: &Ctx) -> Value {
    serde_json::from_str(&ok(&ctx.run(&["profiles", "--json"]))).unwrap()
}

/// Every file under `dir`, recursively.
pub fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files(&p));
            } else if p.is_file() {
                // Regular files only: sockets (a D-Bus or keyring daemon's) cannot be read.
                out.push(p);
            }
        }
    }
    out
}

/// Whether `program` is on PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

/// Runs `pingscope ARGS` on a pseudo-terminal (util-linux `script`), typing `typed` once the
/// prompt has had time to appear; returns everything the terminal showed.
pub fn on_terminal(
    ctx: &Ctx,
    args: &str,
    extra_env: &[(&str, &str)],
    typed: &str,
) -> (bool, String) {
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
        .env("XDG_DATA_HOME", ctx.config_dir())
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
