//! `cargo bench --bench tui`: the explorer at 100,000 users, 5,000 groups, 1,000 apps.
//!
//! Reports medians of: one frame rendered at 200x60 on ratatui's TestBackend (the users list with
//! a user's detail; a who-has-what list of an app open to everyone), each keystroke of a filter
//! typed into the users list (the first from the one-letter answers made after a load, or
//! scanning everything before they are; later ones narrow), a selection
//! change in the apps list (the detail computes who can use the app). Targets: < 4 ms per frame,
//! < 16 ms per keystroke. Sizes: BENCH_USERS, BENCH_GROUPS, BENCH_APPS.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pingscope::demo::{Params, generate};
use pingscope::model::Graph;
use pingscope::model::Kind;
use pingscope::tui::action::{Action, Effect};
use pingscope::tui::keymap::Keymap;
use pingscope::tui::state::{Data, ListSpec, State};
use pingscope::tui::theme::Theme;
use pingscope::tui::update::{goto, location, update};
use pingscope::tui::{state::Focus, ui};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The binary's allocator, set up as `main` sets it (purge delay 0: freed pages go back to the
/// OS at once), so that each answer's fresh vectors cost here what they cost in the explorer.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
/// `mi_option_purge_delay` (see `src/main.rs`).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn fmt(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn state(data: &Arc<Data>) -> State {
    let mut s = State::new(Keymap::default(), Theme::colored(&Default::default()), 0);
    update(&mut s, Action::Resize(200, 60));
    update(&mut s, Action::Loaded(0, data.clone()));
    s
}

fn frame_median(s: &State, runs: usize) -> Duration {
    let mut t = Terminal::new(TestBackend::new(200, 60)).expect("backend");
    let times = (0..runs)
        .map(|_| {
            let start = Instant::now();
            t.draw(|f| ui::draw(f, s)).expect("draw");
            // A real terminal diffs against the last frame; force a full redraw each time.
            let e = start.elapsed();
            t.clear().expect("clear");
            e
        })
        .collect();
    median(times)
}

fn main() {
    // SAFETY: sets a plain integer option of the allocator, as `main` does; no memory is touched.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    let users = env_usize("BENCH_USERS", 100_000);
    let groups = env_usize("BENCH_GROUPS", 5_000);
    let apps = env_usize("BENCH_APPS", 1_000);
    let t = Instant::now();
    let graph = Graph::build(generate(&Params::sized(users, groups, apps, 42)));
    let data = Arc::new(Data::new(graph, "bench", false));
    println!(
        "{users} users, {groups} groups, {apps} apps: graph + index ready in {}",
        fmt(t.elapsed())
    );

    let mut s = state(&data);
    println!(
        "frame 200x60, users list + user detail:       median {}",
        fmt(frame_median(&s, 101))
    );

    // Who can use an app open to everyone: 100k rows, how computed for the visible ones only.
    let open = (0..data.graph.apps.len())
        .find(|&a| data.graph.app_policies[a].is_open() && !data.graph.apps[a].nobody_signs_on())
        .expect("an open app");
    let open_t = pingscope::model::Target {
        kind: Kind::App,
        ix: open as u32,
    };
    // At this size the list is built by a background task: build it here, as the task would.
    let t = Instant::now();
    let who = location(ListSpec::Who(open_t), None, Focus::List);
    let built = pingscope::tui::lists::ListView::build(&data.graph, &who.spec, Default::default());
    black_box(&built);
    let build_time = t.elapsed();
    s.background_users = usize::MAX;
    goto(&mut s, who);
    println!(
        "who-has-what of an open app ({} rows) built in {} (shown in {})",
        s.list.as_ref().map_or(0, |l| l.len()),
        fmt(build_time),
        fmt(t.elapsed())
    );
    println!(
        "frame 200x60, who-has-what list:              median {}",
        fmt(frame_median(&s, 101))
    );

    // After a load the explorer makes the one-letter answers in the background (large
    // indexes only); the first keystrokes below are typed once they are ready. Typed before,
    // the first one scans:
    let scans: Vec<Duration> = (0..15)
        .map(|_| {
            let start = Instant::now();
            black_box(data.index.search(&data.graph, "m", Some(Kind::User)));
            start.elapsed()
        })
        .collect();
    println!(
        "  search index alone, query m, scanned         median {}  (before the letters are made)",
        fmt(median(scans))
    );
    let t = Instant::now();
    let before = data.index.heap_bytes();
    data.index.prepare_letters(&data.graph);
    println!(
        "one-letter answers made ahead in {} ({:.1} MB; index {:.1} MB in all)",
        fmt(t.elapsed()),
        (data.index.heap_bytes() - before) as f64 / 1e6,
        data.index.heap_bytes() as f64 / 1e6
    );

    // Keystrokes into the users filter: update, including the detail of the new first row.
    let queries = ["m", "ma", "mar", "mari", "maria", "maria."];
    let mut per_key: Vec<Vec<Duration>> = vec![Vec::new(); queries.len()];
    for _ in 0..15 {
        let mut s = state(&data);
        update(&mut s, Action::Filter);
        for (i, q) in queries.iter().enumerate() {
            let c = q.chars().last().expect("char");
            let start = Instant::now();
            let effects = update(&mut s, Action::Char(c));
            // At this size the search runs as a background job: run it here, as the loop's
            // task would, and apply its result.
            for e in effects {
                if let Effect::Filter { generation, job } = e {
                    let hits = job.run(&data.graph, &data.index);
                    update(&mut s, Action::Filtered(generation, job.into_query(), hits));
                }
            }
            per_key[i].push(start.elapsed());
            black_box(s.list.as_ref().map(|l| l.len()));
        }
    }
    // The same keystrokes through the search index alone, to see what the explorer adds.
    let mut model: Vec<Vec<Duration>> = vec![Vec::new(); queries.len()];
    let mut found = vec![0; queries.len()];
    for _ in 0..15 {
        let mut prev = Vec::new();
        for (i, q) in queries.iter().enumerate() {
            let start = Instant::now();
            prev = if i == 0 {
                data.index.search(&data.graph, q, Some(Kind::User))
            } else {
                data.index
                    .search_within(&data.graph, q, Some(Kind::User), &prev)
            };
            model[i].push(start.elapsed());
            found[i] = prev.len();
        }
    }
    for ((q, times), n) in queries.iter().zip(model).zip(found) {
        println!(
            "  search index alone, query {q:<7}            median {}  ({n} hits)",
            fmt(median(times))
        );
    }
    for (q, times) in queries.iter().zip(per_key) {
        println!(
            "keystroke -> filtered list, query {q:<7}        median {}",
            fmt(median(times))
        );
    }
    let mut s = state(&data);
    update(&mut s, Action::Filter);
    s.background_users = usize::MAX;
    for c in "maria".chars() {
        update(&mut s, Action::Char(c));
    }
    println!(
        "frame 200x60, filtered users (/maria):        median {}",
        fmt(frame_median(&s, 101))
    );
    // One letter: the most hits a filter has (every row's highlight looks its hit up).
    let mut s = state(&data);
    update(&mut s, Action::Filter);
    s.background_users = usize::MAX;
    update(&mut s, Action::Char('m'));
    println!(
        "frame 200x60, filtered users (/m, {} rows):  median {}",
        s.list.as_ref().map_or(0, |l| l.len()),
        fmt(frame_median(&s, 101))
    );

    // Lenses: built by a background task at this size; timed here as that task.
    for lens in pingscope::model::audit::Lens::ALL {
        let mut s = state(&data);
        s.background_users = usize::MAX;
        let start = Instant::now();
        goto(&mut s, location(ListSpec::Lens(lens), None, Focus::Nav));
        println!(
            "lens {:<22} {:>6} findings         {}",
            lens.key(),
            s.list.as_ref().map_or(0, |l| l.len()),
            fmt(start.elapsed())
        );
    }

    // Moving through the apps list: the detail (who can use the app) is computed in the
    // background; the keystroke only asks for it.
    let times: Vec<Duration> = (0..data.graph.apps.len().min(60))
        .map(|a| {
            let t = pingscope::model::Target {
                kind: Kind::App,
                ix: a as u32,
            };
            let start = Instant::now();
            black_box(pingscope::tui::detail::Detail::build(&data.graph, t, 0));
            start.elapsed()
        })
        .collect();
    println!(
        "app detail (who can use it), in background:   median {}  max {}",
        fmt(median(times.clone())),
        fmt(times.iter().max().copied().unwrap_or_default())
    );
    let mut s = state(&data);
    goto(
        &mut s,
        location(ListSpec::Kind(Kind::App), None, Focus::List),
    );
    let times: Vec<Duration> = (0..60)
        .map(|_| {
            let start = Instant::now();
            update(&mut s, Action::MoveDown);
            start.elapsed()
        })
        .collect();
    println!(
        "j in the apps list (keystroke, on the loop):  median {}  max {}",
        fmt(median(times.clone())),
        fmt(times.iter().max().copied().unwrap_or_default())
    );
}
