//! The module rules of README "Architecture", kept by reading every `use` and path in `src/`:
//! `model` is pure (no outer module, no async, network, terminal or keyring crate); `pingone`
//! and `credentials` never reach a face (`cli`, `tui`); `cli` and `tui` never reach each other;
//! both get data only through `source`. The checker is tested on fixtures too, so a rule that
//! stopped matching would be noticed.

use std::path::{Path, PathBuf};

/// (module, modules of this crate it may not use, external crates it may not use)
const RULES: &[(&str, &[&str], &[&str])] = &[
    (
        "model",
        &["cli", "tui", "source", "pingone", "credentials", "demo"],
        &[
            "tokio",
            "reqwest",
            "ratatui",
            "crossterm",
            "keyring",
            "indicatif",
            "futures",
            "clap",
            "directories",
            "rpassword",
            "signal_hook",
            "linux_keyutils",
            "color_eyre",
        ],
    ),
    (
        "pingone",
        &["cli", "tui", "credentials", "source", "demo"],
        &["ratatui", "crossterm", "clap", "indicatif"],
    ),
    (
        "credentials",
        &["cli", "tui", "source", "demo"],
        &["ratatui", "crossterm", "indicatif"],
    ),
    (
        "demo",
        &["cli", "tui", "source", "pingone", "credentials"],
        &["tokio", "reqwest", "ratatui", "crossterm"],
    ),
    (
        "source",
        &["cli", "tui"],
        &["ratatui", "crossterm", "indicatif"],
    ),
    ("cli", &["tui"], &["ratatui", "crossterm"]),
    ("tui", &["cli"], &["indicatif"]),
];

/// Code without comments (doc comments may name anything).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn word_at(text: &str, i: usize, len: usize) -> bool {
    let before = text[..i].chars().next_back();
    let after = text[i + len..].chars().next();
    !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
        && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// What `text`, a file of `module`, uses that the rules forbid.
fn violations(module: &str, text: &str) -> Vec<String> {
    let Some((_, mods, crates)) = RULES.iter().find(|(m, _, _)| *m == module) else {
        return Vec::new();
    };
    let code = code(text);
    let mut found = Vec::new();
    for m in *mods {
        let needle = format!("crate::{m}");
        for (i, _) in code.match_indices(&needle) {
            if word_at(&code, i, needle.len()) {
                found.push(format!("{module} uses crate::{m}"));
            }
        }
    }
    for c in *crates {
        for prefix in ["use ", "extern crate ", "", " "] {
            let needle = format!("{prefix}{c}::");
            for (i, _) in code.match_indices(&needle) {
                let start = i + prefix.len();
                if word_at(&code, start, c.len()) && !code[..start].ends_with("::") {
                    found.push(format!("{module} uses the {c} crate"));
                }
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_module_keeps_its_dependency_rules() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut bad = Vec::new();
    let mut checked = 0;
    for (module, _, _) in RULES {
        let mut files = Vec::new();
        rust_files(&src.join(module), &mut files);
        let single = src.join(format!("{module}.rs"));
        if single.exists() {
            files.push(single);
        }
        assert!(!files.is_empty(), "no files for {module}");
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            checked += 1;
            for v in violations(module, &text) {
                bad.push(format!("{}: {v}", f.display()));
            }
        }
    }
    assert!(checked > 50, "read {checked} files");
    assert!(
        bad.is_empty(),
        "forbidden dependencies:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_checker_catches_each_kind_of_forbidden_use() {
    // Each would fail the rules; each must be caught.
    let cases = [
        ("cli", "use crate::tui::run;"),
        ("cli", "    crate::tui::run(&src, opts)?;"),
        ("tui", "use crate::cli::views::policy_text;"),
        ("credentials", "use crate::cli::live::LiveArgs;"),
        ("pingone", "fn f() { crate::credentials::resolve(); }"),
        ("model", "use tokio::time::sleep;"),
        ("model", "use crate::pingone::Client;"),
        ("model", "let t = ratatui::text::Line::default();"),
        ("demo", "use crate::source::Source;"),
        ("source", "use crate::tui::state::State;"),
    ];
    for (module, line) in cases {
        assert!(!violations(module, line).is_empty(), "{module}: {line}");
    }
    // And what is allowed stays allowed.
    let fine = [
        ("cli", "use crate::source::{Source, SourceArgs};"),
        ("tui", "use crate::model::{Kind, Target};"),
        ("model", "/// Unlike [`crate::tui`], this is pure."),
        ("model", "use super::graph::Graph; // not crate::cli"),
        ("source", "use crate::pingone::Client;"),
        ("cli", "use crate::tuimodel::X;"),
        ("model", "let s = my_tokio::x();"),
    ];
    for (module, line) in fine {
        assert!(
            violations(module, line).is_empty(),
            "{module}: {line} {:?}",
            violations(module, line)
        );
    }
}
