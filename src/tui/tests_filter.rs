//! Filters at scale: each answer replaces the last, whose memory goes back to the index.

use std::sync::Arc;

use crate::model::Graph;

use super::action::Action;
use super::keymap::Keymap;
use super::state::{Data, State};
use super::tests::{demo_snapshot, filter_effect, keys};
use super::theme::Theme;
use super::update::update;

#[test]
fn a_filter_gives_the_hits_it_replaces_back_to_the_index() {
    // An index of its own: other tests search the shared demo at the same time.
    let data = Arc::new(Data::new(Graph::build(demo_snapshot()), "demo", false));
    let mut s = State::new(Keymap::default(), Theme::plain(), 0);
    update(&mut s, Action::Resize(100, 30));
    update(&mut s, Action::Loaded(0, data.clone()));
    s.background_users = 0;
    let mut search = |typed: &str| {
        let effects = keys(&mut s, typed);
        let (generation, job) = filter_effect(effects).expect("a search in the background");
        let hits = job.run(&data.graph, &data.index);
        let n = hits.len();
        update(&mut s, Action::Filtered(generation, job.into_query(), hits));
        n
    };
    assert!(search("/a") > 0);
    assert_eq!(data.index.answers_kept(), 0, "nothing was replaced yet");
    // "al" narrows within the hits of "a"; once shown, they are given back.
    assert!(search("l") > 0);
    assert_eq!(data.index.answers_kept(), 1);
    assert!(search("i") > 0);
    assert_eq!(data.index.answers_kept(), 2);
    // At most two are kept.
    assert!(search("c") > 0);
    assert_eq!(data.index.answers_kept(), 2);
}
