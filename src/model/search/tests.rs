//! Search tests: ranking tiers, narrowing, highlighting, ids, hostile text.

use serde_json::json;

use super::matching::*;
use super::*;
use crate::model::{AppIx, Group, GroupIx, Snapshot, User, UserIx};

const UID: &str = "a8890eb9-38ea-469a-bc00-b64be7903633";
const GID: &str = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";

pub(super) fn user(id: &str, username: &str, name: Option<&str>, email: Option<&str>) -> User {
    let mut v = json!({"id": id, "username": username});
    if let Some(n) = name {
        v["name"] = json!({"formatted": n});
    }
    if let Some(e) = email {
        v["email"] = json!(e);
    }
    serde_json::from_value(v).unwrap()
}

fn named<T: serde::de::DeserializeOwned>(id: &str, name: &str, extra: serde_json::Value) -> T {
    let mut v = json!({"id": id, "name": name});
    if let (Some(v), Some(extra)) = (v.as_object_mut(), extra.as_object()) {
        v.extend(extra.clone());
    }
    serde_json::from_value(v).unwrap()
}

pub(super) fn graph(users: Vec<User>, groups: &[(&str, &str)], apps: &[(&str, &str)]) -> Graph {
    Graph::build(Snapshot {
        users,
        groups: groups
            .iter()
            .map(|(i, n)| named::<Group>(i, n, json!({})))
            .collect(),
        applications: apps
            .iter()
            .map(|(i, n)| named(i, n, json!({"type": "WORKER"})))
            .collect(),
        roles: vec![named("r1", "Identity Data Admin", json!({}))],
        populations: vec![named("p1", "Employees", json!({}))],
        gateways: vec![named(
            "gw1",
            "PingFederate Edge",
            json!({"type": "PING_FEDERATE"}),
        )],
        ..Snapshot::default()
    })
}

fn names(g: &Graph, hits: &[Hit]) -> Vec<String> {
    hits.iter()
        .map(|h| field_text(g, h.target, h.field).unwrap_or_default())
        .collect()
}

fn sample() -> Graph {
    graph(
        vec![
            user("u1", "axlxi", None, None),
            user(
                "u2",
                "kalil.alami",
                Some("Kalil Alami"),
                Some("kalil@acme.test"),
            ),
            user(
                "u3",
                "alice.nguyen",
                Some("Alice Nguyen"),
                Some("alice@acme.test"),
            ),
            user("u4", "ali", Some("Ali"), Some("ali@acme.test")),
            user(UID, "bob", Some("Bob Stone"), None),
            user("u6", "émile.durand", Some("ÉMILE DURAND"), None),
            user("u7", "x", Some("İstanbul Team"), None),
            user("legacy:0042", "zed", None, None),
        ],
        &[(GID, "Engineering"), ("g2", "All Staff")],
        &[("a1", "Jira"), ("a2", "Salesforce")],
    )
}

#[test]
fn tiers_rank_exact_prefix_substring_fuzzy() {
    let g = sample();
    let ix = SearchIndex::build(&g);
    let hits = ix.search(&g, "ali", None);
    let tiers: Vec<Tier> = hits.iter().map(|h| h.tier).collect();
    assert_eq!(
        names(&g, &hits),
        ["ali", "alice.nguyen", "kalil.alami", "axlxi"],
        "{hits:?}"
    );
    assert_eq!(
        tiers,
        [Tier::Exact, Tier::Prefix, Tier::Substring, Tier::Fuzzy]
    );
    assert!(tiers.windows(2).all(|w| w[0] <= w[1]));
    // A word start beats an earlier match inside a word.
    let hits = ix.search(&g, "ala", Some(Kind::User));
    assert_eq!(names(&g, &hits)[0], "kalil.alami");
}

#[test]
fn case_insensitive_including_non_ascii() {
    let g = sample();
    let ix = SearchIndex::build(&g);
    for q in ["ÉMILE", "émile", "Émile.D", "  émile  "] {
        let hits = ix.search(&g, q, None);
        assert_eq!(hits.len(), 1, "{q}");
        assert_eq!(g.users[hits[0].target.ix as usize].username, "émile.durand");
        assert_eq!(hits[0].tier, Tier::Prefix);
    }
    let hits = ix.search(&g, "ENGINEERING", None);
    assert_eq!(
        (hits[0].target, hits[0].tier),
        (GroupIx(0).into(), Tier::Exact)
    );
    assert_eq!(
        ix.search(&g, "émile durand", None)[0].field,
        Field::DisplayName
    );
}

#[test]
fn ids_are_exact_hits_and_prefixes_match() {
    let g = sample();
    let ix = SearchIndex::build(&g);
    for q in [UID, &UID.to_uppercase(), GID] {
        let hits = ix.search(&g, q, None);
        assert_eq!(hits.len(), 1, "{q}");
        assert_eq!((hits[0].tier, hits[0].field), (Tier::Exact, Field::Id));
    }
    assert_eq!(ix.search(&g, UID, None)[0].target, UserIx(4).into());
    let hits = ix.search(&g, "a8890eb9-38", None);
    assert_eq!(hits.len(), 1);
    assert_eq!((hits[0].tier, hits[0].target.ix), (Tier::Prefix, 4));
    // Non-UUID ids: exact through the map, never by a short prefix.
    let hits = ix.search(&g, "a2", None);
    assert_eq!(
        (hits[0].target, hits[0].tier),
        (AppIx(1).into(), Tier::Exact)
    );
    // Other ids: prefixes of four chars or more, case-insensitively.
    let hits = ix.search(&g, "LEGACY:00", None);
    assert_eq!(hits.len(), 1);
    assert_eq!((hits[0].tier, hits[0].field), (Tier::Prefix, Field::Id));
    assert_eq!(ix.search(&g, "legacy:0042", None)[0].tier, Tier::Exact);
    assert!(
        ix.search(&g, "a", Some(Kind::App))
            .iter()
            .all(|h| h.field != Field::Id)
    );
    // Kind filter applies to ids too.
    assert!(ix.search(&g, UID, Some(Kind::Group)).is_empty());
}

#[test]
fn kind_filter_and_one_hit_per_entity() {
    let g = sample();
    let ix = SearchIndex::build(&g);
    let hits = ix.search(&g, "a", Some(Kind::Group));
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h.target.kind == Kind::Group));
    let all = ix.search(&g, "e", None);
    let mut targets: Vec<Target> = all.iter().map(|h| h.target).collect();
    targets.sort();
    let n = targets.len();
    targets.dedup();
    assert_eq!(targets.len(), n);
    // "ali" matches username, display name and email; the best field wins.
    let ali = ix.search(&g, "ali", None)[0];
    assert_eq!((ali.field, ali.tier), (Field::Username, Tier::Exact));
    for kind in Kind::ALL {
        assert!(all.iter().any(|h| h.target.kind == kind), "{kind:?}");
        assert!(!kind.label().is_empty());
    }
}

#[test]
fn fuzzy_does_not_span_fields() {
    let g = graph(vec![user("u1", "ab", Some("Cd"), Some("ef@x"))], &[], &[]);
    let ix = SearchIndex::build(&g);
    assert!(ix.search(&g, "abcd", None).is_empty());
    assert!(ix.search(&g, "bcd", None).is_empty());
    assert_eq!(ix.search(&g, "e@x", None)[0].tier, Tier::Fuzzy);
    // Without an '@', an e-mail's domain is not searched.
    assert!(ix.search(&g, "ex", None).is_empty());
    assert!(ix.search(&g, "x", None).is_empty());
    assert_eq!(ix.search(&g, "@x", None)[0].tier, Tier::Substring);
}

#[test]
fn words_match_in_any_order_and_across_fields() {
    let g = graph(
        vec![
            user(
                "u1",
                "alice.nguyen",
                Some("Alice Nguyen"),
                Some("an@acme.example"),
            ),
            user(
                "u2",
                "bob.alison",
                Some("Bob Alison"),
                Some("bob@acme.example"),
            ),
            user("u3", "ng", Some("Alicia Keys"), None),
        ],
        &[],
        &[],
    );
    let ix = SearchIndex::build(&g);
    let users = |q: &str| -> Vec<u32> {
        let hits = ix.search(&g, q, Some(Kind::User));
        hits.iter().map(|h| h.target.ix).collect()
    };
    assert_eq!(users("nguyen alice"), [0]);
    assert_eq!(users("alice nguyen"), [0]);
    // "ng" is u3's whole username and a word of u1's; "ali" in both.
    assert_eq!(users("ng ali"), [2, 0]);
    // The phrase ranks as its worst word; a whole-phrase match is not beaten by its words.
    assert_eq!(ix.search(&g, "alice nguyen", None)[0].tier, Tier::Exact);
    // Every word must match.
    assert!(users("nguyen bob").is_empty());
    let h = ix.search(&g, "nguyen alice", None)[0];
    let pos = ix.positions(&g, &h, "nguyen alice");
    assert_eq!(pos.len(), 11, "{pos:?}");
}

#[test]
fn names_rank_above_emails_and_a_domain_matches_no_one() {
    let g = graph(
        vec![
            user("u1", "zed", None, Some("mark@corp.example")),
            user("u2", "markus.longname", None, Some("ml@corp.example")),
            user("u3", "p.mxa", None, None),
            user("u4", "pmxa", None, None),
        ],
        &[],
        &[],
    );
    let ix = SearchIndex::build(&g);
    let hits = ix.search(&g, "mark", Some(Kind::User));
    let order: Vec<(u32, Field)> = hits.iter().map(|h| (h.target.ix, h.field)).collect();
    assert_eq!(order, [(1, Field::Username), (0, Field::Email)]);
    // The local part alone is not the whole e-mail: a prefix, not an exact match.
    assert_eq!(hits[1].tier, Tier::Prefix);
    assert!(ix.search(&g, "corp", None).is_empty());
    assert_eq!(ix.search(&g, "@corp", None).len(), 2);
    assert_eq!(
        ix.search(&g, "mark@corp.example", None)[0].tier,
        Tier::Exact
    );
    // A subsequence starts at a word start: "ma" in "p.mxa", not in "pmxa".
    let ma: Vec<u32> = ix
        .search(&g, "ma", None)
        .iter()
        .map(|h| h.target.ix)
        .collect();
    assert_eq!(ma, [1, 0, 2]);
    let g = graph(vec![user("u1", "john.smith", None, None)], &[], &[]);
    let ix = SearchIndex::build(&g);
    assert_eq!(ix.search(&g, "jsm", None)[0].tier, Tier::Fuzzy);
}

#[test]
fn positions_for_substring_and_fuzzy() {
    let g = sample();
    let ix = SearchIndex::build(&g);
    let hits = ix.search(&g, "ALI", Some(Kind::User));
    let pos = |name: &str| {
        let h = hits
            .iter()
            .find(|h| field_text(&g, h.target, h.field).as_deref() == Some(name));
        ix.positions(&g, h.unwrap(), "ALI")
    };
    assert_eq!(pos("kalil.alami"), [1, 2, 3]);
    assert_eq!(pos("alice.nguyen"), [0, 1, 2]);
    assert_eq!(pos("axlxi"), [0, 2, 4]);
    // Folding can lengthen text: "İ" is "i̇" lowercased; positions are the original's.
    let h = ix.search(&g, "ist", None)[0];
    assert_eq!(
        field_text(&g, h.target, h.field).as_deref(),
        Some("İstanbul Team")
    );
    assert_eq!(h.tier, Tier::Fuzzy);
    assert_eq!(ix.positions(&g, &h, "ist"), [0, 1, 2]);
    let h = ix.search(&g, "DURAND", None)[0];
    assert_eq!(ix.positions(&g, &h, "DURAND"), [6, 7, 8, 9, 10, 11]);
    let h = ix.search(&g, UID, None)[0];
    assert_eq!(ix.positions(&g, &h, UID), (0..36).collect::<Vec<_>>());
    assert!(ix.positions(&g, &h, "").is_empty());
}

/// A reproducible stream of numbers below `n` (xorshift), from `seed` (not zero).
pub(super) fn below(mut seed: u64) -> impl FnMut(u64) -> u64 {
    move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    }
}

#[test]
fn the_lanes_matcher_agrees_with_the_bytewise_one() {
    let mut next = below(0x9e37_79b9_7f4a_7c15);
    // Word and non-word bytes, '@', NUL, and bytes of non-ASCII chars.
    let alphabet = b"abc.-@ \0\xc3\xa9";
    let mut fuzzy = 0;
    for _ in 0..40_000 {
        let t: Vec<u8> = (0..next(LANE_BYTES as u64 + 1))
            .map(|_| alphabet[next(alphabet.len() as u64) as usize])
            .collect();
        let q: Vec<u8> = (0..1 + next(6))
            .map(|_| alphabet[next(alphabet.len() as u64) as usize])
            .collect();
        let lanes = Lanes::of(&t).unwrap();
        let expected = match_bytes(&t, &q);
        assert_eq!(match_lanes(&lanes, &t, &q, true), expected, "{t:?} {q:?}");
        let substring = expected.filter(|m| matches!(m, Match::At(_)));
        assert_eq!(match_lanes(&lanes, &t, &q, false), substring, "{t:?} {q:?}");
        fuzzy += usize::from(matches!(expected, Some(Match::Fuzzy(_))));
        // A field cut short (an e-mail's local part) is matched on what is left.
        let cut = next(t.len() as u64 + 1) as usize;
        let valid = low_bits(cut);
        let bits = |k: usize| lanes.eq(q[k]) & valid;
        assert_eq!(
            match_bits(&t[..cut], q.len(), valid, bits, true),
            match_bytes(&t[..cut], &q),
            "{t:?} cut at {cut}, {q:?}"
        );
    }
    assert!(fuzzy > 1_000, "{fuzzy}");
    assert!(Lanes::of(&[b'a'; LANE_BYTES + 1]).is_none());
    let l = Lanes::of(b"kalil.alami").unwrap();
    assert_eq!(
        match_lanes(&l, b"kalil.alami", b"ali", true),
        Some(Match::At(1))
    );
    let l = Lanes::of(b"axlxi").unwrap();
    assert!(matches!(
        match_lanes(&l, b"axlxi", b"ali", true),
        Some(Match::Fuzzy(_))
    ));
}

#[test]
fn searches_with_lanes_equal_the_bytewise_ones() {
    // Every field short enough goes through the lanes; the byte-wise path is the reference.
    let mut users = synthetic(2_000, 80, 20).users;
    users.extend([
        user("u-1", "m", Some("M"), Some("m@m.example")),
        user(
            "u-2",
            &"long.name.".repeat(8),
            Some("Zed Q"),
            Some("x@b.example"),
        ),
        user("u-3", "mail", None, Some("@no-local.example")),
        user("u-4", "a-b_c", Some("A (B) c!"), Some("a+b%c@x.y")),
        user("u-5", "Éloïse Ärger", Some("élo ä"), Some("éa@ü.example")),
        // 59 bytes: the last lane holds the match.
        user(
            "u-6",
            "q",
            Some("The Display Name Of One Whose Name Runs Long, Z Maria"),
            None,
        ),
        user(
            "u-7",
            "r",
            None,
            Some("an.address.with.a.long.local.part.zmar@example.org"),
        ),
    ]);
    let g = graph(
        users,
        &[(GID, "Mar Team"), ("g2", "#1 ~ team")],
        &[("a1", "@app")],
    );
    let with = SearchIndex::build(&g);
    let mut without = SearchIndex::build(&g);
    without.lanes = false;
    let queries = [
        "m",
        "ma",
        "mar",
        "maria",
        "maria.",
        "a",
        "e",
        "é",
        "él",
        "ä",
        "@",
        "@b",
        "x@b.example",
        "long",
        "name.long",
        "mr",
        "mria",
        "a b",
        "ar m",
        "-",
        ".",
        "1",
        "zq",
        "Mar Team",
    ];
    let mut hits = 0;
    for q in queries {
        let a = with.search(&g, q, None);
        assert_eq!(a, without.search(&g, q, None), "{q:?}");
        hits += a.len();
        // Narrowing from one letter fewer takes the lanes on a list of entities.
        if let Some((cut, _)) = q.char_indices().last().filter(|&(i, _)| i > 0) {
            let prev = with.search(&g, &q[..cut], None);
            assert_eq!(
                with.search_within(&g, q, None, &prev),
                without.search_within(&g, q, None, &prev),
                "{q:?}"
            );
        }
    }
    assert!(hits > 5_000, "{hits}");
}

#[test]
fn the_one_letter_path_agrees_with_the_general_one() {
    // The first keystroke takes `eval_byte`; every later one `eval_phrase`. Both must rank every
    // entity alike for every printable ASCII query, e-mails and one-letter fields included.
    let mut users = synthetic(1_500, 80, 20).users;
    users.extend([
        user(UID, "m", Some("M"), Some("m@m.example")),
        user("u-2", "x.y", Some("Zed Q"), Some("other.name@b.example")),
        user("u-3", "mail", None, Some("@no-local.example")),
        user("u-4", "a-b_c", Some("A (B) c!"), Some("a+b%c@x.y")),
        user("u-5", "solo", None, Some("k@k.example")),
    ]);
    let g = graph(users, &[(GID, "M"), ("g2", "#1 ~ team")], &[("a1", "@app")]);
    let ix = SearchIndex::build(&g);
    let mut matched = 0;
    for b in b'!'..=b'~' {
        let text = char::from(b).to_string();
        let q = Query::new(&text).unwrap();
        // As the scan takes it: folded ("A" searches "a").
        let folded = q.folded.as_bytes()[0];
        for e in 0..ix.len() as u32 {
            let lean = ix.eval_byte(&q, folded, e);
            assert_eq!(lean, ix.eval_phrase(&q, e), "query {text:?}, entity {e}");
            matched += usize::from(lean.is_some());
        }
    }
    // Not vacuous: most letters match many entities.
    assert!(matched > 10_000, "{matched}");
}

#[test]
fn empty_and_blank_queries_match_nothing() {
    let g = sample();
    let ix = SearchIndex::build(&g);
    for q in ["", " ", "\t\n "] {
        assert!(ix.search(&g, q, None).is_empty());
        assert!(
            ix.search_within(&g, q, None, &ix.search(&g, "a", None))
                .is_empty()
        );
    }
    assert!(ix.search(&g, "zzzq", None).is_empty());
}

#[test]
fn hostile_strings_do_not_panic() {
    let long = "ab".repeat(50_000);
    let nasty = [
        "🦀🦀 crab",
        "\u{202e}gnp.exe",
        "\u{1b}[31mred\u{1b}[0m",
        "\u{0}nul",
        "مرحبا بالعالم",
        "ǅemal İİİ ẞ ﬃ",
        "e\u{301}mile",
        "",
        long.as_str(),
    ];
    let users = nasty
        .iter()
        .enumerate()
        .map(|(i, n)| user(&format!("u{i}"), n, Some(n), Some(n)))
        .collect();
    let groups: Vec<(&str, &str)> = nasty.iter().map(|n| (*n, *n)).collect();
    let g = graph(users, &groups, &[]);
    let ix = SearchIndex::build(&g);
    let queries = nasty.iter().copied().chain([
        "🦀",
        "\u{1b}",
        "İ",
        "i",
        "ẞ",
        "ß",
        "\u{301}",
        "a\u{0}",
        "ba",
        "abababababx",
    ]);
    for q in queries {
        for kinds in [None, Some(Kind::User), Some(Kind::Group)] {
            let hits = ix.search(&g, q, kinds);
            for h in &hits {
                let text = field_text(&g, h.target, h.field).unwrap_or_default();
                let pos = ix.positions(&g, h, q);
                assert!(pos.iter().all(|&p| p < text.chars().count()), "{q:?}");
            }
            assert_eq!(ix.search_within(&g, q, kinds, &hits), hits, "{q:?}");
        }
    }
    let crab = ix.search(&g, "🦀", Some(Kind::User));
    assert_eq!(crab.len(), 1);
    assert_eq!(ix.positions(&g, &crab[0], "🦀"), [0]);
    let abab = ix.search(&g, "ababab", Some(Kind::User));
    assert_eq!((abab.len(), abab[0].tier), (1, Tier::Prefix));
    // Texts are indexed up to MAX_FIELD_BYTES: a longer query finds nothing, quickly.
    assert!(ix.search(&g, &long, Some(Kind::User)).is_empty());
    assert!(!ix.search(&g, "\u{1b}[31m", None).is_empty());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    #[test]
    fn arbitrary_text_never_panics_and_narrows_exactly(
        names in proptest::collection::vec("\\PC{0,12}|[a-cA-C .]{0,8}", 1..10),
        query in "\\PC{0,4}|[a-cA-C .]{1,4}",
        more in "\\PC{0,2}|[a-c]",
    ) {
        let users = names
            .iter()
            .enumerate()
            .map(|(i, n)| user(&format!("u{i}"), n, Some(&n.to_uppercase()), Some(n)))
            .collect();
        let groups: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), n.as_str())).collect();
        let g = graph(users, &groups, &[]);
        let ix = SearchIndex::build(&g);
        let first = ix.search(&g, &query, None);
        for h in &first {
            let len = field_text(&g, h.target, h.field).map_or(0, |t| t.chars().count());
            proptest::prop_assert!(ix.positions(&g, h, &query).iter().all(|&p| p < len));
        }
        let longer = format!("{query}{more}");
        if !query.trim().is_empty() && longer.trim().starts_with(query.trim()) {
            let narrowed = ix.search_within(&g, &longer, None, &first);
            proptest::prop_assert_eq!(narrowed, ix.search(&g, &longer, None));
        }
    }
}

/// A deterministic environment of `n` users with realistic names.
fn synthetic(n: usize, groups: usize, apps: usize) -> Graph {
    const FIRST: [&str; 24] = [
        "alice", "alina", "kalil", "bob", "carol", "dmitri", "emile", "fatima", "george", "hana",
        "ivan", "julia", "kenji", "lena", "mateo", "nadia", "oscar", "priya", "quinn", "rosa",
        "sven", "tariq", "ursula", "zoe",
    ];
    const LAST: [&str; 20] = [
        "nguyen", "kaur", "alami", "smith", "garcia", "müller", "ng", "okafor", "rossi", "tanaka",
        "ivanova", "dubois", "haddad", "kowalski", "silva", "lee", "novak", "berg", "costa",
        "engel",
    ];
    const DEPT: [&str; 8] = [
        "Engineering",
        "Sales",
        "Finance",
        "Legal",
        "Support",
        "Marketing",
        "SecOps",
        "HR",
    ];
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let users = (0..n)
        .map(|i| {
            let r = next() as usize;
            let (f, l) = (FIRST[r % FIRST.len()], LAST[(r >> 8) % LAST.len()]);
            let username = format!("{f}.{l}{}", i / (FIRST.len() * LAST.len()));
            let mut u = user(
                &Id::from_u128(u128::from(next()) << 64 | i as u128).to_string(),
                &username,
                Some(&format!(
                    "{}{} {}{}",
                    &f[..1].to_uppercase(),
                    &f[1..],
                    &l[..1].to_uppercase(),
                    &l[1..]
                )),
                Some(&format!("{username}@acme.example")),
            );
            u.enabled = r % 7 != 0;
            u
        })
        .collect();
    let gnames: Vec<(String, String)> = (0..groups)
        .map(|i| {
            let id = Id::from_u128(u128::from(next()) << 64 | i as u128).to_string();
            (id, format!("{} Team {i}", DEPT[i % DEPT.len()]))
        })
        .collect();
    let anames: Vec<(String, String)> = (0..apps)
        .map(|i| {
            let id = Id::from_u128(u128::from(next()) << 64 | i as u128).to_string();
            (id, format!("{} App {i}", DEPT[(i / 3) % DEPT.len()]))
        })
        .collect();
    let gs: Vec<(&str, &str)> = gnames
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let aps: Vec<(&str, &str)> = anames
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    graph(users, &gs, &aps)
}

#[test]
fn narrowing_equals_a_fresh_search() {
    let g = synthetic(3_000, 300, 60);
    let ix = SearchIndex::build(&g);
    let uid = g.users[1234].id.to_string();
    let typed: [&str; 6] = [
        "alice.nguyen0",
        "eng team 1",
        "kalil alami",
        "alami kal",
        "zoe.costa@",
        &uid,
    ];
    for word in typed {
        for kinds in [None, Some(Kind::User), Some(Kind::Group)] {
            let mut previous = ix.search(&g, &word[..1], kinds);
            for end in 2..=word.len() {
                let Some(q) = word.get(..end) else { continue };
                let narrowed = ix.search_within(&g, q, kinds, &previous);
                assert_eq!(narrowed, ix.search(&g, q, kinds), "{q:?} {kinds:?}");
                previous = narrowed;
            }
        }
    }
    // The pasted id of a user outside the previous result is still found.
    let subset: Vec<Hit> = ix.search(&g, "zoe", None);
    assert!(subset.iter().all(|h| h.target.ix != 1234));
    let paste = ix.search_within(&g, &uid, None, &subset);
    assert_eq!(paste[0].target, UserIx(1234).into());
}

#[test]
fn within_any_subset_equals_the_restricted_search() {
    let g = synthetic(200, 30, 10);
    let ix = SearchIndex::build(&g);
    let subset: Vec<Hit> = ix.search(&g, "a", None).into_iter().step_by(3).collect();
    for q in ["al", "ali", "en", "ng"] {
        let full = ix.search(&g, q, None);
        // (Holds while the scorer re-ranks every fuzzy candidate.)
        assert!(full.iter().filter(|h| h.tier == Tier::Fuzzy).count() <= REFINE);
        let fresh: Vec<Hit> = full
            .into_iter()
            .filter(|h| subset.iter().any(|s| s.target == h.target))
            .collect();
        assert!(fresh.len() > 5, "{q}: {}", fresh.len());
        assert_eq!(ix.search_within(&g, q, None, &subset), fresh, "{q}");
    }
}

#[test]
fn large_graphs_scan_in_two_threads_identically_and_narrow_exactly() {
    let g = synthetic(PARALLEL_MIN + 1_000, 50, 10);
    let ix = SearchIndex::build(&g);
    let mut previous: Option<Vec<Hit>> = None;
    for q in ["a", "al", "ali", "alic", "alice.", "alice.ng"] {
        let query = Query::new(q).unwrap();
        let scope = Scope::Range(ix.range(None));
        let both = ix.search(&g, q, None);
        assert_eq!(both, ix.run(&g, &query, None, scope, false), "{q}");
        if let Some(p) = &previous {
            assert_eq!(ix.search_within(&g, q, None, p), both, "{q}");
        }
        previous = Some(both);
    }
    // "sa": an s starting a word, an a later ("sven.tanaka"), in thousands of users.
    let both = ix.search(&g, "sa", None);
    let fuzzy = both.iter().filter(|h| h.tier == Tier::Fuzzy).count();
    assert!(fuzzy > REFINE, "{fuzzy}: the proxy-only path is exercised");
    let query = Query::new("sa").unwrap();
    let scope = Scope::Range(ix.range(None));
    let keys = ix.run_keys(&g, &query, None, scope.clone(), true);
    let refined = &keys[keys.len() - fuzzy..][..REFINE];
    assert!(refined.iter().all(|&k| key_rank(k) < PROXY_ONLY));
    assert!(key_rank(keys[keys.len() - 1]) >= PROXY_ONLY);
    assert_eq!(both, ix.run(&g, &query, None, scope, false));
    // An answer given back is the memory of the next large one, and answers the same.
    let a = ix.search(&g, "a", None);
    assert!(a.len() >= RECYCLED_MIN, "{}", a.len());
    let (at, expected) = (a.as_ptr(), a.clone());
    ix.recycle(a);
    let again = ix.search(&g, "a", None);
    assert_eq!(again.as_ptr(), at);
    assert_eq!(again, expected);
    // A small answer is not: it would hold megabytes for a few hits.
    ix.recycle(again);
    let few = ix.search(&g, "alice.ng", None);
    assert!(few.len() < RECYCLED_MIN && few.as_ptr() != at);
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmRSS:"))?.to_owned();
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

/// `cargo test --release --lib model::search::tests::timing -- --ignored --nocapture`
#[test]
#[ignore = "timing, run by hand in release mode"]
fn timing() {
    use std::time::Instant;
    let g = synthetic(100_000, 5_000, 1_000);
    let rss_graph = rss_kb();
    let t = Instant::now();
    let ix = SearchIndex::build(&g);
    println!(
        "build {:.1} ms, index heap {} KB, text {} KB, {} fields, RSS {} -> {} KB",
        t.elapsed().as_secs_f64() * 1e3,
        ix.heap_bytes() / 1024,
        ix.text.len() / 1024,
        ix.fields.len(),
        rss_graph,
        rss_kb()
    );
    let id = g.users[777].id.to_string();
    let chains: [&[&str]; 5] = [
        &["a", "al", "ali", "alic", "alice.ng"],
        &["e", "en", "eng"],
        &["zzzq"],
        &["s", "sa", "sales team 4"],
        &[&id[..1], &id[..6], &id],
    ];
    for chain in chains {
        let mut prev: Option<Vec<Hit>> = None;
        for &q in chain {
            let (mut times, mut within) = (Vec::new(), Vec::new());
            let mut hits = Vec::new();
            for _ in 0..15 {
                let t = Instant::now();
                hits = ix.search(&g, q, None);
                times.push(t.elapsed().as_secs_f64() * 1e3);
                if let Some(p) = &prev {
                    let t = Instant::now();
                    let narrowed = ix.search_within(&g, q, None, p);
                    within.push(t.elapsed().as_secs_f64() * 1e3);
                    assert_eq!(narrowed.len(), hits.len());
                }
            }
            let fuzzy = hits.iter().filter(|h| h.tier == Tier::Fuzzy).count();
            println!(
                "{q:>14}: search median {:5.2} ms (max {:5.2}), narrowing median {:5.2} ms, {} hits, {fuzzy} fuzzy",
                median(times.clone()),
                times.iter().copied().fold(0.0, f64::max),
                if within.is_empty() {
                    f64::NAN
                } else {
                    median(within)
                },
                hits.len(),
            );
            prev = Some(hits);
        }
    }
}

#[test]
fn the_radix_sort_of_scanned_keys_equals_a_full_sort() {
    // Keys as a scan makes them: entities ascending, one key each, ranks from few distinct
    // values (a one-letter query) to many, every tier; small lists take the plain sort.
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut scratch = Vec::new();
    for (n, distinct) in [
        (10, 3),
        (5_000, 4),
        (50_000, 50),
        (50_000, u64::MAX),
        (70_000, 1),
    ] {
        let tiers = [Tier::Exact, Tier::Prefix, Tier::Substring, Tier::Fuzzy];
        let mut keys: Vec<u64> = (0..n as u32)
            .map(|e| {
                let r = next();
                let rank = if distinct == u64::MAX {
                    r >> 30
                } else {
                    (r % distinct) << 14
                };
                key(
                    tiers[(r % 4) as usize],
                    rank,
                    e,
                    Field::ALL[(r % 4) as usize],
                )
            })
            .collect();
        let mut expected = keys.clone();
        expected.sort_unstable();
        sort_scanned(&mut keys, &mut scratch);
        assert_eq!(keys, expected, "{n} keys, {distinct} ranks");
    }
}

#[test]
fn one_letter_answers_made_ahead_equal_the_scan() {
    let mut users = synthetic(3_000, 60, 20).users;
    users.extend([
        user("u-1", "M", Some("m"), Some("m@m.example")),
        user("u-2", "q9", None, Some("someone@x.example")),
    ]);
    let g = graph(
        users,
        &[(GID, "Mar Team"), ("g2", "#1 ~ team")],
        &[("a1", "@app")],
    );
    let ix = SearchIndex::build(&g);
    // Large indexes only: this one is not.
    ix.prepare_letters(&g);
    assert!(ix.letters.get().is_none());
    ix.prepare_letters_from(&g, 0);
    assert!(ix.letters_bytes() > 0);
    let mut kinds: Vec<Option<Kind>> = Kind::ALL.into_iter().map(Some).collect();
    kinds.push(None);
    let mut answered = 0;
    for c in "abcdefghijklmnopqrstuvwxyz0123456789MZ@. ".chars() {
        let text = c.to_string();
        for &k in &kinds {
            let q = Query::new(&text);
            let scanned = q.as_ref().map_or_else(Vec::new, |q| {
                ix.run(&g, q, k, Scope::Range(ix.range(k)), false)
            });
            let made = q.as_ref().and_then(|q| ix.letter_answer(&g, q, k));
            answered += usize::from(made.is_some());
            assert_eq!(ix.search(&g, &text, k), scanned, "{c:?} {k:?}");
            if let Some(made) = made {
                assert_eq!(made, scanned, "{c:?} {k:?}");
            }
        }
    }
    // Every letter and digit (and 'M' and 'Z', folded), for each kind and for all of them.
    assert_eq!(answered, 38 * kinds.len());
    // An entity whose id is the letter: its id hit ranks first, so the scan answers.
    let mut users = synthetic(500, 5, 5).users;
    users.push(user("k", "kim", None, None));
    let g = graph(users, &[], &[]);
    let ix = SearchIndex::build(&g);
    ix.prepare_letters_from(&g, 0);
    let q = Query::new("k").unwrap();
    assert!(ix.letter_answer(&g, &q, None).is_none());
    let hits = ix.search(&g, "k", None);
    assert_eq!((hits[0].field, hits[0].tier), (Field::Id, Tier::Exact));
}
