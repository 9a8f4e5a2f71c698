//! Screens rendered on ratatui's `TestBackend` and compared with insta snapshots (every pane at
//! 80x24, the why view, help, a lens, the finder, who-has-what, and the demo's hostile names).

use unicode_width::UnicodeWidthStr;

use crate::model::Kind;

use super::tests::{find, keys, render, state};

#[test]
fn snapshot_user_detail() {
    let mut s = state(100, 30);
    keys(&mut s, "/alice.nguyen<enter>");
    insta::assert_snapshot!(render(&s));
}

#[test]
fn snapshot_panes_at_80x24_group_role_app_population() {
    let mut s = state(80, 24);
    keys(&mut s, "hj");
    insta::assert_snapshot!("group_pane", render(&s));
    keys(&mut s, "j");
    insta::assert_snapshot!("role_pane", render(&s));
    keys(&mut s, "j<enter>/terraform<enter>");
    insta::assert_snapshot!("app_pane_worker", render(&s));
    keys(&mut s, "hj");
    insta::assert_snapshot!("population_pane", render(&s));
}

#[test]
fn snapshot_why_overlay() {
    let mut s = state(100, 30);
    keys(&mut s, "/alice.nguyen<enter>l");
    let confluence = find(&s, Kind::App, "Confluence");
    while s.detail.as_ref().and_then(|d| d.selected_link()) != Some(confluence) {
        keys(&mut s, "j");
    }
    keys(&mut s, "w");
    insta::assert_snapshot!(render(&s));
}

#[test]
fn snapshot_help_overlay() {
    let mut s = state(100, 40);
    keys(&mut s, "?");
    insta::assert_snapshot!(render(&s));
}

#[test]
fn snapshot_lens_privileged_weak() {
    let mut s = state(120, 30);
    keys(&mut s, ":lens privileged-weak<enter>");
    insta::assert_snapshot!(render(&s));
}

#[test]
fn snapshot_hostile_strings_stay_inert() {
    let mut s = state(100, 30);
    keys(&mut s, "/mallory<enter>");
    let a = render(&s);
    keys(&mut s, "<esc>hj<enter>/red team<enter>");
    let b = render(&s);
    keys(&mut s, "<esc>hk<enter>/layla<enter>");
    let c = render(&s);
    for screen in [&a, &b, &c] {
        assert!(!screen.contains('\u{1b}'), "an escape reached the screen");
        assert!(
            !screen.contains('\u{202e}'),
            "a bidi override reached the screen"
        );
        for line in screen.lines() {
            assert!(line.width() <= 100, "{line}");
        }
    }
    assert!(b.contains("␛[31mRed Team"), "{b}");
    insta::assert_snapshot!("hostile_bidi", a);
    insta::assert_snapshot!("hostile_escape", b);
    insta::assert_snapshot!("hostile_rtl_long", c);
}

#[test]
fn snapshot_finder() {
    let mut s = state(100, 30);
    keys(&mut s, "<ctrl-p>conf");
    insta::assert_snapshot!(render(&s));
}

#[test]
fn snapshot_who_has_sorted_by_last_sign_on() {
    let mut s = state(120, 30);
    keys(&mut s, ":find platform admins<enter><enter>");
    let admins = find(&s, Kind::Group, "Platform Admins");
    assert_eq!(s.detail.as_ref().map(|d| d.target), Some(admins));
    keys(&mut s, "hW");
    keys(&mut s, "sss");
    insta::assert_snapshot!(render(&s));
}
