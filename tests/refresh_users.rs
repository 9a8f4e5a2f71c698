//! A refresh reads the users the audit log names by id instead of listing every user (issue 13):
//! a changed, a deleted and a new user, and one who signed on (the actor of her own event), one
//! request each, and the result equals a full load. A user who cannot be read is kept as stored
//! and the gap is said.

mod support;

#[path = "support/audit.rs"]
mod audit;

use audit::*;
use pingscope::demo::{Params, generate};
use pingscope::model::*;
use pingscope::pingone::{self, refresh::*};
use support::mock::{self, Forbidden};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn few_named_users_are_read_by_id_instead_of_listing_every_user() {
    let base = generate(&Params::sized(2000, 0, 0, 31));
    let m = mock::start(base.clone(), config()).await;
    let c = client(&m);
    let stored = pingone::load(&c, &|_| {}).await.unwrap();

    let at = now_ms();
    let mut next = base.clone();
    let changed = next.users[10].id.clone();
    next.users[10].enabled = !next.users[10].enabled;
    let signed_on = next.users[20].id.clone();
    next.users[20].last_sign_on = Some(SignOn {
        at: Some(Timestamp::from_millis(at - 60_000)),
        ..SignOn::default()
    });
    let gone = next.users.remove(30).id;
    let mut hired = next.users[40].clone();
    hired.id = Id::new("0f0f0f0f-0000-4000-8000-000000000042");
    hired.username = "new.hire".into();
    hired.email = Some("new.hire@example.com".into());
    hired.memberships = Some(Vec::new());
    hired.role_assignments = Some(Vec::new());
    next.users.push(hired.clone());
    m.replace(
        next.clone(),
        vec![
            event(at, "USER.UPDATED", &[("USER", &changed)], true),
            event(at, "USER.DELETED", &[("USER", &gone)], true),
            event(at, "USER.CREATED", &[("USER", &hired.id)], true),
            acted(at, "USER.ACCESS_ALLOWED", &signed_on),
        ],
    );
    let before = m.counters();
    let (refreshed, outcome) = refresh(&c, &|_| {}, &stored, at + 120_000).await.unwrap();
    let used = m.counters().minus(&before);
    let Outcome::Incremental(summary) = &outcome else {
        panic!("{outcome:?}")
    };
    assert!(!summary.users_listed, "{summary:?}");
    assert_eq!(summary.user_records, 4, "{summary:?}");
    // Four users asked for by id; not one page of the users listing.
    assert_eq!((used.users_list, used.user), (0, 4), "{used:?}");
    // The one who signed on changed nothing else: her memberships are not asked for again.
    assert_eq!(used.user_member_of_groups, 3, "{used:?}");
    assert_eq!(refreshed.coverage.state(Stage::Users), StageState::Complete);
    let full = pingone::load(&c, &|_| {}).await.unwrap();
    assert!(full.users.iter().any(|u| u.id == hired.id));
    assert_same(refreshed.clone(), full);

    // The worker may no longer read users: the changed one stays as stored, the gap is said.
    let mut later = next.clone();
    let k = later.users.iter().position(|u| u.id == changed).unwrap();
    later.users[k].enabled = !later.users[k].enabled;
    let at = now_ms();
    m.replace(
        later,
        vec![event(at, "USER.UPDATED", &[("USER", &changed)], true)],
    );
    m.update_config(|c| c.forbidden.push(Forbidden::Users));
    let (kept, outcome) = refresh(&c, &|_| {}, &refreshed, at + 120_000)
        .await
        .unwrap();
    assert!(matches!(outcome, Outcome::Incremental(_)), "{outcome:?}");
    let was = refreshed.users.iter().find(|u| u.id == changed).unwrap();
    let now = kept.users.iter().find(|u| u.id == changed).unwrap();
    assert_eq!(now.enabled, was.enabled, "kept as stored, not guessed");
    assert_eq!(kept.users.len(), refreshed.users.len(), "nobody dropped");
    assert_eq!(kept.coverage.state(Stage::Users), StageState::Partial);
    assert!(
        kept.coverage
            .gaps
            .iter()
            .any(|g| g.stage == Stage::Users && g.entity.as_ref() == Some(&changed)),
        "{:?}",
        kept.coverage.gaps
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_named_users_mean_the_users_listing() {
    // 300 users are a few pages of the listing (one per population): five named users cost
    // more read one by one.
    let base = generate(&Params::sized(300, 0, 0, 32));
    let m = mock::start(base.clone(), config()).await;
    let c = client(&m);
    let stored = pingone::load(&c, &|_| {}).await.unwrap();
    let at = now_ms();
    let mut next = base.clone();
    let mut events = Vec::new();
    for k in [3, 50, 120, 200, 280] {
        next.users[k].enabled = !next.users[k].enabled;
        events.push(event(
            at,
            "USER.UPDATED",
            &[("USER", &next.users[k].id)],
            true,
        ));
    }
    m.replace(next, events);
    let before = m.counters();
    let (refreshed, outcome) = refresh(&c, &|_| {}, &stored, at + 120_000).await.unwrap();
    let used = m.counters().minus(&before);
    let Outcome::Incremental(summary) = &outcome else {
        panic!("{outcome:?}")
    };
    assert!(
        summary.users_listed && summary.user_records == 0,
        "{summary:?}"
    );
    assert!(used.users_list > 0 && used.user == 0, "{used:?}");
    let full = pingone::load(&c, &|_| {}).await.unwrap();
    assert_same(refreshed, full);
}
