//! The branch-light path for short queries against the general one.

use super::matching::*;
use super::tests::{below, graph, user};
use super::*;

/// `eval_short`'s key for entity `e`, if `q` takes that path.
fn short_key(ix: &SearchIndex, q: &Query, e: u32) -> Option<Option<u64>> {
    macro_rules! each {
        ($($m:literal)*) => {$(
            if let Some(n) = Needle::<$m>::of(q) {
                return Some(ix.eval_short(q, &n, e));
            }
        )*};
    }
    each!(2 3 4 5 6 7 8);
    None
}

#[test]
fn short_queries_rank_every_entity_as_the_general_path_does() {
    let mut next = below(0x2545_f491_4f6c_dd1d);
    // Word and non-word bytes, '@', capitals (folded by the index), a non-ASCII char.
    let alphabet: Vec<char> = "abmMA.-@ 1_é".chars().collect();
    let mut word = |max: u64| -> String {
        (0..next(max))
            .map(|_| alphabet[next(alphabet.len() as u64) as usize])
            .collect()
    };
    let mut users = Vec::new();
    for i in 0..3_000 {
        // Fields up to 80 chars: some do not fit the lanes.
        let (name, display, email) = (word(20), word(if i % 50 == 0 { 80 } else { 30 }), word(30));
        let display = (!display.is_empty()).then_some(display);
        let email = (i % 3 != 0).then_some(email);
        users.push(user(
            &format!("u-{i}"),
            &name,
            display.as_deref(),
            email.as_deref(),
        ));
    }
    // An e-mail whose local part repeats the username (its mask is empty), exact matches.
    users.push(user("v-1", "ma", Some("Ma"), Some("ma@m.example")));
    users.push(user("v-2", "am.ma", None, Some("am.ma@ma.example")));
    let g = graph(users, &[("g1", "Ma Team"), ("g2", "m-a")], &[("a1", "@ma")]);
    let ix = SearchIndex::build(&g);
    let mut reference = SearchIndex::build(&g);
    reference.lanes = false;
    let ascii: Vec<u8> = b"abm.-@ 1_".to_vec();
    let mut tiers = [0usize; 4];
    let mut queries = 0;
    for _ in 0..400 {
        let q: String = (0..2 + next(7))
            .map(|_| ascii[next(ascii.len() as u64) as usize] as char)
            .collect();
        let Some(q) = Query::new(&q) else { continue };
        queries += 1;
        for e in 0..ix.len() as u32 {
            let Some(got) = short_key(&ix, &q, e) else {
                continue;
            };
            let want = reference.eval_phrase(&q, e);
            assert_eq!(got, want, "query {:?}, entity {e}", q.folded);
            if let Some(k) = got {
                tiers[key_tier(k) as usize] += 1;
            }
        }
    }
    assert!(queries > 300, "{queries}");
    // Every tier was reached, often.
    assert!(tiers.iter().all(|&n| n > 200), "{tiers:?}");
    // Queries the short path does not take.
    for q in ["m", "ma ma", "mé", "abcdefghi"] {
        let q = Query::new(q).unwrap();
        assert_eq!(short_key(&ix, &q, 0), None, "{:?}", q.folded);
    }
}
