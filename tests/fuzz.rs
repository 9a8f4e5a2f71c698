//! Fuzz-style property tests of everything that reads untrusted bytes: the snapshot reader and
//! the API body decoders. A fixed seed makes CI reproducible; `PINGSCOPE_FUZZ_CASES` raises the
//! number of cases for a longer local run (README "Guarantees"):
//!
//! ```sh
//! PINGSCOPE_FUZZ_CASES=200000 cargo test --release --test fuzz
//! ```
//!
//! Properties: nothing panics; every refusal is one line naming the file, without parser
//! positions or debug text; a damaged snapshot is refused or reads exactly as the original
//! (never silently altered data); a page is either read or refused, and never reads more items
//! than it holds.

use std::path::Path;

use pingscope::model::Snapshot;
use pingscope::pingone::http::parse_json;
use pingscope::pingone::wire::{Pager, read_page, repair_lone_surrogates};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::Value;

fn runner(default_cases: u32) -> TestRunner {
    let cases = std::env::var("PINGSCOPE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &[0x5c; 32]),
    )
}

fn sample() -> (Vec<u8>, Snapshot) {
    let s = pingscope::demo::generate(&pingscope::demo::Params::sized(3, 0, 0, 5));
    let mut bytes = Vec::new();
    s.to_writer(&mut bytes).unwrap();
    let read = Snapshot::from_bytes(&bytes, Path::new("f")).unwrap();
    (bytes, read)
}

/// One way to damage a file.
#[derive(Debug, Clone)]
enum Damage {
    Flip(usize, u8),
    Set(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Remove(usize, usize),
    DuplicateLine(usize),
    DropLine(usize),
    SwapLines(usize, usize),
}

fn damage() -> impl Strategy<Value = Vec<Damage>> {
    let one = prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(i, b)| Damage::Flip(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Damage::Set(i, b)),
        any::<usize>().prop_map(Damage::Truncate),
        (
            any::<usize>(),
            proptest::collection::vec(any::<u8>(), 1..40)
        )
            .prop_map(|(i, b)| Damage::Insert(i, b)),
        (any::<usize>(), 1usize..200).prop_map(|(i, n)| Damage::Remove(i, n)),
        any::<usize>().prop_map(Damage::DuplicateLine),
        any::<usize>().prop_map(Damage::DropLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Damage::SwapLines(a, b)),
    ];
    proptest::collection::vec(one, 1..4)
}

fn apply(bytes: &[u8], damages: &[Damage]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    for d in damages {
        let n = b.len().max(1);
        match d {
            Damage::Flip(i, x) => {
                if let Some(c) = b.get_mut(i % n) {
                    *c ^= x;
                }
            }
            Damage::Set(i, x) => {
                if let Some(c) = b.get_mut(i % n) {
                    *c = *x;
                }
            }
            Damage::Truncate(i) => b.truncate(i % n),
            Damage::Insert(i, x) => {
                let at = i % (b.len() + 1);
                b.splice(at..at, x.iter().copied());
            }
            Damage::Remove(i, len) => {
                let at = i % n;
                let end = (at + len).min(b.len());
                if at < end {
                    b.drain(at..end);
                }
            }
            Damage::DuplicateLine(i) | Damage::DropLine(i) | Damage::SwapLines(i, _) => {
                let mut lines: Vec<Vec<u8>> = b
                    .split_inclusive(|&c| c == b'\n')
                    .map(<[u8]>::to_vec)
                    .collect();
                if lines.is_empty() {
                    continue;
                }
                let k = i % lines.len();
                match d {
                    Damage::DuplicateLine(_) => {
                        let l = lines[k].clone();
                        lines.insert(k, l);
                    }
                    Damage::DropLine(_) => {
                        lines.remove(k);
                    }
                    Damage::SwapLines(_, j) => {
                        let j = j % lines.len();
                        lines.swap(k, j);
                    }
                    _ => {}
                }
                b = lines.concat();
            }
        }
    }
    b
}

fn check_message(msg: &str) -> Result<(), TestCaseError> {
    prop_assert!(!msg.contains('\n'), "one line: {msg}");
    prop_assert!(msg.contains("/fuzz/s.json"), "names the file: {msg}");
    prop_assert!(
        !msg.contains(" at line 1 column"),
        "no parser position: {msg}"
    );
    prop_assert!(
        !msg.contains("Counts {") && !msg.contains("Error("),
        "no debug text: {msg}"
    );
    Ok(())
}

/// Damages `bytes` every way [`damage`] knows: each result is refused in one line, or reads
/// exactly as `original`.
fn refused_or_unaltered(bytes: &[u8], original: &Snapshot) {
    runner(3000)
        .run(&damage(), |damages| {
            let b = apply(bytes, &damages);
            match Snapshot::from_bytes(&b, Path::new("/fuzz/s.json")) {
                Ok(s) => prop_assert!(s == *original, "accepted altered data: {damages:?}"),
                Err(e) => check_message(&e.to_string())?,
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_damaged_snapshot_is_refused_in_one_line_or_reads_as_the_original() {
    let (bytes, original) = sample();
    refused_or_unaltered(&bytes, &original);
}

/// The same for the compact format (MessagePack in zstd): damage is refused in one line,
/// whatever it hits, or (bytes zstd ignores) the file reads exactly as the original.
#[test]
fn a_damaged_compact_snapshot_is_refused_in_one_line_or_reads_as_the_original() {
    let (_, original) = sample();
    let mut bytes = Vec::new();
    original.to_compact_writer(&mut bytes).unwrap();
    assert_eq!(
        Snapshot::from_bytes(&bytes, Path::new("f")).unwrap(),
        original
    );
    refused_or_unaltered(&bytes, &original);
}

/// The compact format's round trip on a generated environment: every value back exactly, text
/// ids and dates included, at a fraction of the JSON Lines size.
#[test]
fn the_compact_format_round_trips_exactly_and_is_small() {
    use pingscope::model::{Id, Timestamp};
    let mut s = pingscope::demo::generate(&pingscope::demo::Params::sized(300, 40, 20, 3));
    s.users[0].id = Id::new("not-a-uuid");
    s.users[0].created_at = Some(Timestamp::new("2024-02-30 (sic)"));
    let mut compact = Vec::new();
    s.to_compact_writer(&mut compact).unwrap();
    let mut jsonl = Vec::new();
    s.to_writer(&mut jsonl).unwrap();
    assert!(
        compact.len() * 5 < jsonl.len(),
        "{} vs {}",
        compact.len(),
        jsonl.len()
    );
    let back = Snapshot::from_bytes(&compact, Path::new("s")).unwrap();
    assert_eq!(back, s);
    assert!(matches!(back.users[0].id, Id::Text(_)));
    // A newer format version is named as such.
    let mut newer = compact.clone();
    newer[7] = 9;
    let e = Snapshot::from_bytes(&newer, Path::new("s")).unwrap_err();
    assert!(e.to_string().contains("newer pingscope"), "{e}");
}

#[test]
fn arbitrary_bytes_are_never_a_snapshot() {
    runner(3000)
        .run(&proptest::collection::vec(any::<u8>(), 0..400), |b| {
            match Snapshot::from_bytes(&b, Path::new("/fuzz/s.json")) {
                Ok(_) => prop_assert!(false, "accepted {b:?}"),
                Err(e) => check_message(&e.to_string())?,
            }
            Ok(())
        })
        .unwrap();
}

/// JSON values of any shape, biased toward what pages hold.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[a-z_]{0,8}".prop_map(Value::from),
        prop_oneof![
            Just("users"),
            Just("_embedded"),
            Just("count"),
            Just("size"),
            Just("next")
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("_embedded".to_owned()),
                    Just("users".to_owned()),
                    Just("_links".to_owned()),
                    Just("next".to_owned()),
                    Just("href".to_owned()),
                    Just("count".to_owned()),
                    Just("size".to_owned()),
                    "[a-z]{1,5}",
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn any_page_is_read_or_refused_and_never_grows() {
    runner(4000)
        .run(&proptest::collection::vec(json(), 1..4), |pages| {
            let mut pager = Pager::default();
            let mut held = 0;
            for p in pages {
                let page = match read_page(p, "users") {
                    Ok(page) => page,
                    Err(msg) => {
                        prop_assert!(!msg.contains('\n'));
                        break;
                    }
                };
                held += page.items.len();
                if pager.take(page).is_none() {
                    break;
                }
            }
            let listing = pager.finish();
            prop_assert!(listing.items.len() <= held);
            Ok(())
        })
        .unwrap();
}

#[test]
fn any_body_parses_or_gets_a_one_line_reason() {
    let bodies = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        // JSON-ish text with escapes, surrogates among them.
        proptest::collection::vec(
            prop_oneof![
                Just(&b"\\ud800"[..]),
                Just(&b"\\udc00"[..]),
                Just(&b"\\ud83d\\ude00"[..]),
                Just(&b"\\\\"[..]),
                Just(&b"\\u00"[..]),
                Just(&b"\""[..]),
                Just(&b"{"[..]),
                Just(&b"}"[..]),
                Just(&b"["[..]),
                Just(&b":"[..]),
                Just(&b","[..]),
                Just(&b"a"[..]),
            ],
            0..40
        )
        .prop_map(|parts| parts.concat()),
    ];
    runner(4000)
        .run(&bodies, |b| {
            if let Some((fixed, n)) = repair_lone_surrogates(&b) {
                prop_assert!(n > 0);
                prop_assert!(fixed.len() >= b.len() - 6 * n);
            }
            match parse_json(&b) {
                Ok(_) => {}
                Err(msg) => {
                    prop_assert!(!msg.contains('\n'), "{msg}");
                    prop_assert!(!msg.contains(" at line "), "{msg}");
                }
            }
            Ok(())
        })
        .unwrap();
    // A body with a lone surrogate inside a string parses after repair.
    let (v, n) = parse_json(br#"{"name": "a\ud800b"}"#).unwrap();
    assert_eq!((v["name"].as_str(), n), (Some("a\u{FFFD}b"), 1));
}
