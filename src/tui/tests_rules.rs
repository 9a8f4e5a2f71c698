//! The explorer shows the model's one answer: holders counted alike everywhere, one clock,
//! status wherever an entity appears, unresolved roles as rows, `w` on every relation, why-not
//! groups that can be jumped to, and exports that fail out loud.

use crate::model::Kind;
use crate::model::access::Holders;
use crate::model::audit::{AuditOptions, Lens, run};
use crate::model::{RoleIx, Target};

use super::action::{Action, Effect};
use super::detail::Detail;
use super::state::{ListSpec, Overlay};
use super::tests::{find, keys, render, selected_name, state};
use super::update::{jump_to_target, update};

/// Moves the detail cursor to the first line `pick` accepts.
fn select_line(s: &mut super::state::State, pick: impl Fn(&super::detail::DLine) -> bool) {
    let i = s
        .detail
        .as_ref()
        .and_then(|d| d.lines.iter().position(&pick))
        .expect("a matching line");
    let d = s.detail.as_mut().expect("detail");
    d.sel = i;
    s.focus = super::state::Focus::Detail;
}

#[test]
fn a_roles_holders_are_counted_alike_in_the_list_the_detail_and_who_has() {
    let mut s = state(120, 40);
    let data = super::tests::demo_data();
    let g = &data.graph;
    let org = find(&s, Kind::Role, "Organization Admin");
    let h = Holders::of_role(g, RoleIx(org.ix));
    let summary = h.counts(g).summary();
    assert!(summary.contains("group"), "{summary}");
    jump_to_target(&mut s, org);
    let detail = s.detail.as_ref().expect("detail");
    assert!(
        detail.lines.iter().any(|l| l.left.contains(&summary)),
        "detail heading says {summary}"
    );
    // The Roles list says the same.
    let list = super::lists::ListView::build(g, &ListSpec::Kind(Kind::Role), Default::default())
        .expect("list");
    let row = list.rows.iter().find(|r| r.target == org).expect("row");
    assert!(
        matches!(&row.note, super::lists::Note::Reason(n) if n.contains(&summary)),
        "{:?}",
        row.note
    );
    // W lists every holder: the group and the worker app too.
    keys(&mut s, "W");
    let l = s.list.as_ref().expect("who list");
    assert_eq!(l.len(), h.holdings.len());
    let kinds: Vec<Kind> = l.rows.iter().map(|r| r.target.kind).collect();
    assert!(
        kinds.contains(&Kind::Group) && kinds.contains(&Kind::App),
        "{kinds:?}"
    );
}

#[test]
fn sign_on_ages_count_to_the_snapshot_on_every_screen() {
    let s = state(120, 40);
    let g = s.graph().expect("loaded");
    let opts = AuditOptions {
        now_millis: g.meta.taken_at.millis().expect("taken at"),
        stale_days: 90,
        grace_days: AuditOptions::DEFAULT_GRACE_DAYS,
    };
    let stale = run(g, Lens::Stale, &opts);
    let f = stale
        .iter()
        .find(|f| f.reason.starts_with("last sign-on"))
        .expect("a stale user who signed on once");
    // The detail, built a year after the snapshot, says the same number of days as the lens.
    let later = s.now_millis + 365 * 86_400_000;
    let d = Detail::build(g, f.target, later);
    let days: String = f
        .reason
        .trim_start_matches("last sign-on ")
        .split(' ')
        .next()
        .expect("days")
        .to_owned();
    let line = d
        .lines
        .iter()
        .find(|l| l.left.contains("last sign-on"))
        .expect("a sign-on fact");
    assert!(
        line.left
            .contains(&format!("last sign-on {days} days before the snapshot")),
        "{} vs {}",
        line.left,
        f.reason
    );
}

#[test]
fn disabled_applications_and_custom_roles_are_marked_wherever_they_appear() {
    let mut s = state(140, 40);
    let legacy = find(&s, Kind::App, "Legacy Intranet");
    keys(&mut s, "/alice.nguyen<enter>");
    let d = s.detail.as_ref().expect("alice");
    let line = d
        .lines
        .iter()
        .find(|l| l.link == Some(legacy))
        .expect("alice reaches Legacy Intranet");
    assert!(line.right.starts_with("DISABLED"), "{}", line.right);
    // The Applications list says so too.
    jump_to_target(&mut s, legacy);
    let screen = render(&s);
    let row = screen
        .lines()
        .find(|l| l.contains("▸ Legacy Intranet"))
        .expect("the list row");
    assert!(row.contains("DISABLED"), "{row}");
    // A custom role in a user's roles.
    keys(&mut s, "<ctrl-p>helen.fischer<enter>");
    let d = s.detail.as_ref().expect("helen");
    assert!(
        d.lines
            .iter()
            .any(|l| l.left == "Environment Admin (custom)"),
        "{:?}",
        d.lines.iter().map(|l| &l.left).collect::<Vec<_>>()
    );
}

#[test]
fn an_unresolved_role_is_a_selectable_row_and_w_explains_a_workers_own_roles() {
    let mut s = state(120, 40);
    let ldap = find(&s, Kind::App, "Legacy LDAP Sync");
    jump_to_target(&mut s, ldap);
    let d = s.detail.as_ref().expect("detail");
    let i = d
        .lines
        .iter()
        .position(|l| l.left.starts_with("unresolved role "))
        .expect("the foreign role is shown by its id");
    assert!(d.selectable().any(|j| j == i), "and can be selected");
    select_line(&mut s, |l| l.left.starts_with("unresolved role "));
    keys(&mut s, "w");
    let Some(Overlay::Why(v)) = &s.overlay else {
        panic!("w explains the row");
    };
    assert_eq!(v.items[0].text, "Legacy LDAP Sync");
    assert!(v.items[1].text.starts_with("unresolved role "), "{v:?}");
    // A worker's resolved role: w shows worker → role, Enter jumps to the role.
    keys(&mut s, "<esc>");
    let terraform = find(&s, Kind::App, "Terraform Provisioner");
    jump_to_target(&mut s, terraform);
    select_line(&mut s, |l| l.left == "Environment Admin");
    keys(&mut s, "w");
    let Some(Overlay::Why(v)) = &s.overlay else {
        panic!("w explains the worker's role");
    };
    let texts: Vec<&str> = v.items.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(texts, ["Terraform Provisioner", "Environment Admin"]);
    assert!(v.items[1].link.contains("assigned"), "{:?}", v.items[1]);
}

#[test]
fn why_not_lists_missing_and_held_groups_and_enter_jumps_to_them() {
    let mut s = state(120, 40);
    keys(&mut s, "/sam.okafor<enter>");
    let aws = find(&s, Kind::App, "AWS Console");
    let prod = find(&s, Kind::Group, "Production Access");
    let sre = find(&s, Kind::Group, "SRE");
    select_line(&mut s, |l| {
        l.link == Some(aws) && matches!(l.why, Some(super::detail::Why::Refusals(..)))
    });
    keys(&mut s, "w");
    let Some(Overlay::Why(v)) = &s.overlay else {
        panic!("no why-not overlay")
    };
    let targets: Vec<Option<Target>> = v.items.iter().map(|i| i.target).collect();
    assert!(targets.contains(&Some(prod)), "the missing group: {v:?}");
    assert!(targets.contains(&Some(sre)), "the group she has: {v:?}");
    assert_eq!(v.selected_target(), Some(prod), "the missing group first");
    keys(&mut s, "<enter>");
    assert!(s.overlay.is_none());
    assert_eq!(selected_name(&s), "Production Access");
}

#[test]
fn an_export_that_cannot_be_built_says_so_instead_of_writing_an_empty_file() {
    // Nothing to export (no list open): a message, no file.
    let mut s = state(100, 30);
    s.list = None;
    let effects = update(&mut s, Action::Export);
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Export { .. })),
        "nothing to write"
    );
    assert!(
        s.message
            .as_deref()
            .is_some_and(|m| m.starts_with("export failed")),
        "{:?}",
        s.message
    );
    // With a list, the export is built off the loop (here, as the task would).
    let mut s = state(100, 30);
    let effects = keys(&mut s, "e");
    let Some(Effect::Export { job, .. }) = effects.first() else {
        panic!("an export")
    };
    let (name, contents) = job.take().expect("a job").render().expect("rendered");
    assert_eq!(name, "pingscope-users.csv");
    assert!(
        contents.starts_with("kind,id,name,enabled,locked,mfa,last_sign_on,how,chain"),
        "{contents}"
    );
}

/// `e` exports what has the focus: the detail's sections with how and the chain; an existing
/// file is replaced only when asked twice, and every export is 0600.
#[test]
fn e_exports_the_focused_detail_and_never_overwrites_unasked() {
    let mut s = state(100, 30);
    keys(&mut s, "/alice.nguyen<enter>l");
    let effects = keys(&mut s, "e");
    let Some(Effect::Export { job, path }) = effects.first() else {
        panic!("an export: {effects:?} {:?}", s.message)
    };
    let path = path.clone().expect("a path");
    assert!(path.ends_with("pingscope-user-alice.nguyen.csv"), "{path}");
    let (_, csv) = job.take().expect("job").render().expect("csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("subject_kind,subject_id,subject_name,section,kind,id,name"));
    // Her groups, roles and applications, each with how and the chain.
    for section in ["Groups", "Applications"] {
        assert!(
            lines.iter().any(|l| l.contains(&format!(",{section},"))),
            "{section}: {csv}"
        );
    }
    let confluence = lines
        .iter()
        .find(|l| l.contains(",Confluence,"))
        .expect("Confluence");
    assert!(
        confluence.contains("alice.nguyen → Platform Runtime"),
        "{confluence}"
    );
    // Nothing is cut: All Staff's members all exported, not the screen's first 200.
    let all_staff = find(&s, Kind::Group, "All Staff");
    jump_to_target(&mut s, all_staff);
    s.focus = super::state::Focus::Detail;
    let effects = keys(&mut s, "e");
    let Some(Effect::Export { job: all, .. }) = effects.first() else {
        panic!("an export: {effects:?}")
    };
    let (_, all_csv) = all.take().expect("job").render().expect("csv");
    let members = all_csv.lines().filter(|l| l.contains(",Members,")).count();
    let graph = s.graph().expect("graph");
    let expected =
        crate::model::access::Members::compute(graph, crate::model::GroupIx(all_staff.ix))
            .members
            .len();
    assert_eq!(members, expected);
    assert!(members > super::detail::MAX_ITEMS, "{members}");
    let alice = find(&s, Kind::User, "alice.nguyen");
    jump_to_target(&mut s, alice);
    s.focus = super::state::Focus::Detail;
    // The file exists: the next export asks first; a second `e` replaces it, 0600.
    std::fs::write(&path, "old").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    assert!(keys(&mut s, "e").is_empty());
    assert!(
        s.message.as_deref().is_some_and(|m| m.contains("exists")),
        "{:?}",
        s.message
    );
    // Any other key keeps it.
    keys(&mut s, "j");
    assert!(keys(&mut s, "e").is_empty());
    let effects = keys(&mut s, "e");
    let Some(Effect::Export { job, path }) = effects.first() else {
        panic!("{effects:?}")
    };
    let job = job.take().expect("job");
    let (_, csv) = job.render().expect("csv");
    let path = path.clone().expect("path");
    assert!(
        super::write_private(&path, b"x", false).is_err(),
        "not replaced unasked"
    );
    super::write_private(&path, csv.as_bytes(), job.overwrite).expect("replaced");
    assert_ne!(std::fs::read_to_string(&path).unwrap(), "old");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn zero_width_characters_are_visible_and_never_shift_a_line() {
    use std::sync::Arc;

    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use unicode_width::UnicodeWidthStr;

    let mut snap = crate::model::Snapshot::from_bytes(
        crate::source::DEMO_SNAPSHOT,
        std::path::Path::new("demo"),
    )
    .expect("demo");
    let hostile = [
        "ad\u{200B}min",
        "zw\u{200D}j\u{200C}n\u{2060}j\u{FEFF}",
        "👨\u{200D}👩\u{200D}👧 family",
        "a\u{200D}\u{200D}\u{200D}b wide 数据",
    ];
    for (u, name) in snap.users.iter_mut().zip(hostile) {
        u.username = name.into();
        if let Some(n) = u.name.as_mut() {
            n.formatted = Some(format!("{name} {name}").into());
        }
    }
    snap.groups[0].name = hostile[1].repeat(3);
    let data = Arc::new(super::state::Data::new(
        crate::model::Graph::build(snap),
        "demo",
        false,
    ));
    for width in [60u16, 80, 100, 140] {
        let mut s = super::state::State::new(
            super::keymap::Keymap::default(),
            super::theme::Theme::plain(),
            0,
        );
        update(&mut s, Action::Resize(width, 24));
        update(&mut s, Action::Loaded(0, data.clone()));
        for step in ["", "j", "j", "j", "l", "hhj"] {
            keys(&mut s, step);
            let mut t = Terminal::new(TestBackend::new(width, 24)).expect("backend");
            t.draw(|f| super::ui::draw(f, &s)).expect("draw");
            let buf = t.backend().buffer();
            for y in 0..24 {
                let mut w = 0;
                let mut x = 0;
                while x < width {
                    let sym = buf[(x, y)].symbol();
                    assert!(
                        !sym.chars().any(|c| matches!(
                            c,
                            '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}'
                        )),
                        "a zero-width character reached the screen at {width}: {sym:?}"
                    );
                    let sw = sym.width().max(1);
                    w += sw;
                    x += sw as u16;
                }
                assert_eq!(w, usize::from(width), "row {y} at width {width}");
            }
        }
    }
    // The names are there, made visible.
    let mut s = super::state::State::new(
        super::keymap::Keymap::default(),
        super::theme::Theme::plain(),
        0,
    );
    update(&mut s, Action::Resize(100, 30));
    update(&mut s, Action::Loaded(0, data));
    let screen = render(&s);
    assert!(screen.contains("ad\u{FFFD}min"), "{screen}");
}

#[test]
fn hints_and_messages_name_the_keys_of_the_keymap() {
    let mut km = super::keymap::Keymap::default();
    // Why moves from w to x (w now yanks).
    km.merge(
        [
            ("x".to_owned(), Action::Why),
            ("w".to_owned(), Action::Yank),
        ]
        .into_iter()
        .collect(),
    );
    let mut s = super::state::State::new(km, super::theme::Theme::plain(), 0);
    update(&mut s, Action::Resize(120, 30));
    update(&mut s, Action::Loaded(0, super::tests::demo_data()));
    let screen = render(&s);
    let footer = screen.lines().last().expect("footer");
    assert!(
        footer.contains("x why") && !footer.contains("w why"),
        "{footer}"
    );
    // A message that teaches a key teaches the bound one.
    update(&mut s, Action::Why);
    let m = s.message.clone().unwrap_or_default();
    assert!(m.starts_with("x explains a relation"), "{m}");
    // And a palette line is parsed into the same action a key would send.
    let mut s = state(100, 30);
    keys(&mut s, ":lens stale<enter>");
    assert_eq!(
        s.list.as_ref().map(|l| l.spec.clone()),
        Some(ListSpec::Lens(Lens::Stale))
    );
}

#[test]
fn a_list_still_being_built_is_not_exported_as_empty() {
    let mut s = state(100, 30);
    s.background_users = 0;
    keys(&mut s, ":lens stale<enter>");
    assert!(s.list.as_ref().is_some_and(|l| l.building));
    let effects = keys(&mut s, "e");
    assert!(
        effects.iter().all(|e| !matches!(e, Effect::Export { .. })),
        "{effects:?}"
    );
    assert!(
        s.message
            .as_deref()
            .is_some_and(|m| m.contains("still being built")),
        "{:?}",
        s.message
    );
}

#[test]
fn the_finder_narrows_only_from_hits_of_a_prefix_of_the_query() {
    let mut s = state(100, 30);
    s.background_users = 0;
    let find = |effects: Vec<Effect>| {
        effects.into_iter().find_map(|e| match e {
            Effect::Find {
                generation,
                query,
                within,
            } => Some((generation, query, within)),
            _ => None,
        })
    };
    let (g, q, _) = find(keys(&mut s, "<ctrl-p>ab")).expect("a search");
    let d = super::tests::demo_data();
    let hits = super::update::find(&d, &q, None);
    update(&mut s, Action::Found(g, q, hits));
    // Backspace: the search for "a" runs; before its answer, "c" is typed: "ac" must not be
    // searched within the hits of "ab".
    keys(&mut s, "<bs>");
    let (_, q, within) = find(keys(&mut s, "c")).expect("a search");
    assert_eq!(q, "ac");
    assert!(within.is_none(), "narrowed from the hits of another query");
}

/// A stored snapshot shown while a fresh load runs says "refreshing"; when the load fails it
/// says so (the message line gives the reason) instead of refreshing forever.
#[test]
fn a_stored_snapshot_says_refreshing_then_refresh_failed() {
    use std::sync::Arc;
    let mut s = state(120, 40);
    let generation = s.load_gen.begin();
    let snap = crate::model::Snapshot::from_bytes(
        crate::source::DEMO_SNAPSHOT,
        std::path::Path::new("demo"),
    )
    .expect("demo");
    let mut data = super::state::Data::new(crate::model::Graph::build(snap), "prod · stored", true);
    data.stored = true;
    s.data = Some(Arc::new(data));
    s.loading = Some(super::state::Loading {
        generation,
        partial: 1,
        stages: Vec::new(),
        requests: None,
        error: None,
    });
    let top = render(&s).lines().next().unwrap_or_default().to_owned();
    assert!(top.contains("stored, refreshing"), "{top}");
    update(
        &mut s,
        Action::LoadFailed(generation, "network down".into()),
    );
    let screen = render(&s);
    let top = screen.lines().next().unwrap_or_default();
    assert!(top.contains("stored, refresh failed"), "{top}");
    assert!(screen.contains("reload failed: network down"), "{screen}");
}

/// "r retry" on the failure screen (no data yet) starts the load again.
#[test]
fn r_on_the_failure_screen_retries() {
    use super::keymap::Keymap;
    use super::state::State;
    use super::theme::Theme;
    let mut s = State::new(Keymap::default(), Theme::plain(), 0);
    update(&mut s, Action::Resize(100, 30));
    let first = s.load_gen.begin();
    s.loading = Some(super::state::Loading {
        generation: first,
        ..super::state::Loading::default()
    });
    update(&mut s, Action::LoadFailed(first, "network down".into()));
    assert!(render(&s).contains("network down"));
    let effects = keys(&mut s, "r");
    assert!(
        matches!(effects.as_slice(), [Effect::Load { force: true, generation }] if *generation != first),
        "{effects:?}"
    );
    assert!(s.loading.as_ref().is_some_and(|l| l.error.is_none()));
    // Other keys do nothing there.
    assert!(keys(&mut s, "j").is_empty());
}
