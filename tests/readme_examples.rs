//! Every example command README documents on the demo runs as written: the `cargo run --release
//! -- --demo ...` lines of its shell blocks (and `--snapshot /tmp/...` ones reading what an
//! example before them wrote) and the `pingscope --demo ...` commands in its text
//! (placeholders like USER or [--json] aside). One is documented as an error (a role name two
//! roles share) and must fail the way README says.

use std::path::Path;

/// Words as a shell would split them (double quotes group; no other shell syntax is used).
fn split(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

fn examples() -> Vec<String> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let mut out = Vec::new();
    let mut in_sh = false;
    for line in readme.lines() {
        if line.starts_with("```sh") {
            in_sh = true;
            continue;
        }
        if line.starts_with("```") {
            in_sh = false;
            continue;
        }
        if in_sh {
            if let Some(rest) = line.strip_prefix("cargo run --release -- ") {
                let rest = rest.split(" > ").next().unwrap_or(rest);
                let rest = rest.split("  #").next().unwrap_or(rest).trim();
                // The demo, and files the examples before them wrote (`--demo` sorts first, and
                // `demo generate` before `diff`).
                let writes_tmp = rest.starts_with("demo generate ") && rest.contains(" /tmp/");
                if rest.starts_with("--demo ")
                    || rest.starts_with("--snapshot /tmp/")
                    || rest.starts_with("diff /tmp/")
                    || writes_tmp
                {
                    out.push(rest.to_owned());
                }
            }
        }
        // Inline commands: `pingscope --demo ...`.
        for part in line.split('`').skip(1).step_by(2) {
            if let Some(rest) = part.strip_prefix("pingscope ") {
                let placeholder = rest
                    .split_whitespace()
                    .any(|w| w.contains('[') || w.chars().all(|c| c.is_ascii_uppercase()));
                if rest.starts_with("--demo ") && !placeholder && !rest.contains("snapshot save") {
                    out.push(rest.to_owned());
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn every_documented_demo_command_runs_as_written() {
    let cases = examples();
    assert!(cases.len() >= 8, "found {cases:?}");
    let dir = tempfile::tempdir().unwrap();
    for case in &cases {
        let args = split(case);
        let out = assert_cmd::Command::cargo_bin("pingscope")
            .unwrap()
            .env("XDG_CONFIG_HOME", dir.path())
            .env("XDG_DATA_HOME", dir.path())
            .env_remove("PINGSCOPE_PROFILE")
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        if case.contains("holders \"Environment Admin\"") {
            // README: "lists both ids".
            assert_eq!(out.status.code(), Some(1), "{case}");
            assert!(err.contains("names 2 roles"), "{case}: {err}");
        } else if case.contains("snapshot save") || case.starts_with("demo generate") {
            assert!(out.status.success(), "{case}: {err}");
            assert!(err.contains("wrote"), "{case}: {err}");
        } else {
            assert!(out.status.success(), "{case}: {err}");
            assert!(!out.stdout.is_empty(), "{case} printed nothing");
        }
    }
}

/// The example lines (`  pingscope ...`) of a help text.
fn help_examples(help: &str) -> Vec<String> {
    help.lines()
        .filter_map(|l| l.strip_prefix("  pingscope "))
        // "  pingscope --demo      the explorer, ...": the command, not its gloss.
        .map(|l| l.split("   ").next().unwrap_or(l).trim().to_owned())
        .collect()
}

#[test]
fn every_help_example_runs_as_written() {
    let bin = || assert_cmd::Command::cargo_bin("pingscope").unwrap();
    let top = String::from_utf8(bin().arg("--help").output().unwrap().stdout).unwrap();
    // The commands `--help` lists, each with its own help.
    let commands: Vec<String> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .filter(|c| c != "help")
        .collect();
    assert!(commands.len() >= 10, "{commands:?}");
    let mut cases = help_examples(&top);
    for c in &commands {
        let help = bin().args([c.as_str(), "--help"]).output().unwrap().stdout;
        cases.extend(help_examples(&String::from_utf8(help).unwrap()));
    }
    assert!(cases.len() >= 6, "{cases:?}");
    let dir = tempfile::tempdir().unwrap();
    let mut ran = 0;
    for case in &cases {
        // Placeholders (ENV_ID) stand for the reader's own tenant; the explorer alone needs a
        // terminal (tests/tui_pty.rs runs it).
        let placeholder = split(case)
            .iter()
            .any(|w| w.len() > 2 && w.chars().all(|c| c.is_ascii_uppercase() || c == '_'));
        if placeholder || case == "--demo" {
            continue;
        }
        let (command, into) = match case.split_once(" > ") {
            Some((c, file)) => (c, Some(file.trim())),
            None => (case.as_str(), None),
        };
        let out = bin()
            .current_dir(dir.path())
            .env("XDG_CONFIG_HOME", dir.path())
            .env("XDG_DATA_HOME", dir.path())
            .env("PINGSCOPE_KEYRING", "none")
            .env_remove("PINGSCOPE_PROFILE")
            .args(split(command))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{case}: {err}");
        assert!(
            !out.stdout.is_empty() || err.contains("wrote"),
            "{case} printed nothing"
        );
        if let Some(file) = into {
            std::fs::write(dir.path().join(file), &out.stdout).unwrap();
        }
        ran += 1;
    }
    assert!(ran >= 6, "{cases:?}");
}
