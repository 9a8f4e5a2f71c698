//! `cargo bench --bench model`: the access model at 100,000 users, 5,000 groups, 1,000 apps.
//!
//! Reports medians (and the spread) of: snapshot file → ready graph, graph build, one user's
//! effective access, who-can for an app open to everyone (and for group- and admin-ruled apps),
//! search keystrokes, and the peak resident memory of a separate `pingscope` process that loads
//! the file and builds the graph and the search index, as the explorer does.
//!
//! Sizes can be changed with BENCH_USERS, BENCH_GROUPS, BENCH_APPS.

use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};

use pingscope::demo::{Params, generate};
use pingscope::model::search::SearchIndex;
use pingscope::model::snapshot::Format;
use pingscope::model::*;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Stats {
    median: Duration,
    min: Duration,
    max: Duration,
    runs: usize,
}

fn measure<T>(runs: usize, mut f: impl FnMut() -> T) -> Stats {
    measure_with(runs, || (), |()| f())
}

/// Like `measure`, timing only `f`, on a fresh input from `setup` each run.
fn measure_with<I, T>(
    runs: usize,
    mut setup: impl FnMut() -> I,
    mut f: impl FnMut(I) -> T,
) -> Stats {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let input = setup();
            let t = Instant::now();
            black_box(f(input));
            t.elapsed()
        })
        .collect();
    times.sort();
    Stats {
        median: times[times.len() / 2],
        min: times[0],
        max: times[times.len() - 1],
        runs,
    }
}

fn fmt(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{us:.1} µs")
    } else if us < 1e6 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{:.2} s", us / 1e6)
    }
}

fn report(what: &str, s: &Stats, target: &str) {
    println!(
        "{what:<48} median {:>10}  (min {}, max {}, {} runs)  target {target}",
        fmt(s.median),
        fmt(s.min),
        fmt(s.max),
        s.runs
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this too: keep that quick.
    let quick = !std::env::args().any(|a| a == "--bench");
    let users = env_usize("BENCH_USERS", if quick { 2_000 } else { 100_000 });
    let groups = env_usize("BENCH_GROUPS", if quick { 200 } else { 5_000 });
    let apps = env_usize("BENCH_APPS", if quick { 50 } else { 1_000 });
    let runs = if quick { 2 } else { 9 };

    println!("pingscope model benchmark: {users} users, {groups} groups, {apps} applications");
    let t = Instant::now();
    let snapshot = generate(&Params::sized(users, groups, apps, 42));
    println!("generated in {}", fmt(t.elapsed()));

    let dir = tempfile::tempdir().expect("temp dir");
    // Both file formats, measured in this run: size, file → ready graph, and the peak memory of
    // `pingscope stats` (a separate process) reading each.
    let file = dir.path().join("bench.pscope");
    let jsonl = dir.path().join("bench.jsonl");
    for (path, format) in [(&file, Format::Compact), (&jsonl, Format::Jsonl)] {
        let t = Instant::now();
        snapshot.write(path, format).expect("write snapshot");
        let took = t.elapsed();
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        println!(
            "{:<48} {:>10.1} MB, written in {}",
            format!("snapshot file ({format:?})"),
            size as f64 / 1e6,
            fmt(took)
        );
    }
    for (path, format, target) in [
        (&file, Format::Compact, "< 4 s at 1M users"),
        (&jsonl, Format::Jsonl, ""),
    ] {
        let s = measure(runs.min(5), || {
            Graph::build(Snapshot::read(path).expect("read"))
        });
        report(
            &format!("snapshot file → ready graph ({format:?})"),
            &s,
            target,
        );
    }
    let s = measure_with(
        runs.min(5),
        || Snapshot::read(&file).expect("read"),
        Graph::build,
    );
    report("graph build (from a parsed snapshot)", &s, "");
    let mut explorer_rss = None;
    for (path, format) in [(&file, Format::Compact), (&jsonl, Format::Jsonl)] {
        let rss = peak_rss(path);
        match rss {
            Some((graph, with_index)) => {
                println!(
                    "{:<48} {:>10.1} MB  target < 1 GB at 1M users",
                    format!("peak RSS: pingscope stats ({format:?})"),
                    graph as f64 * 1024.0 / 1e6
                );
                if format == Format::Compact {
                    explorer_rss = Some(with_index);
                }
            }
            None => println!("peak RSS ({format:?}): not measured"),
        }
    }
    let _ = std::fs::remove_file(&jsonl);

    let graph = Graph::build(snapshot);
    let sample: Vec<UserIx> = (0..200u32)
        .map(|i| UserIx(i.wrapping_mul(2_654_435_761) % graph.users.len() as u32))
        .collect();
    let mut i = 0;
    let s = measure(runs * 100, || {
        i = (i + 1) % sample.len();
        Access::compute(&graph, sample[i])
    });
    report(
        "one user's effective access (groups, roles, apps)",
        &s,
        "well under 1 ms",
    );

    let open = (0..graph.apps.len())
        .map(|a| AppIx(a as u32))
        .find(|&a| graph.app_policies[a.ix()].is_open())
        .expect("an app open to everyone");
    let s = measure(runs, || WhoCan::compute(&graph, open));
    report(
        &format!(
            "who-can, open app ({} admitted)",
            WhoCan::compute(&graph, open).admitted.len()
        ),
        &s,
        "< 50 ms",
    );
    for (label, pick) in [
        ("who-can, group-ruled app", 0usize),
        ("who-can, ADMIN_USERS_ONLY app", 1),
    ] {
        let app = (0..graph.apps.len()).map(|a| AppIx(a as u32)).find(|&a| {
            let p = &graph.app_policies[a.ix()];
            if pick == 0 {
                p.group.is_some()
            } else {
                p.role == pingscope::model::graph::RolePolicy::AdminUsersOnly
            }
        });
        if let Some(app) = app {
            let n = WhoCan::compute(&graph, app).admitted.len();
            let s = measure(runs, || WhoCan::compute(&graph, app));
            report(&format!("{label} ({n} admitted)"), &s, "< 50 ms");
        }
    }

    let opts = pingscope::model::audit::AuditOptions {
        now_millis: pingscope::demo::DEMO_NOW_MILLIS,
        stale_days: 90,
        grace_days: 14,
    };
    for lens in [
        pingscope::model::audit::Lens::Privileged,
        pingscope::model::audit::Lens::Stale,
    ] {
        let n = pingscope::model::audit::run(&graph, lens, &opts).len();
        let s = measure(runs, || pingscope::model::audit::run(&graph, lens, &opts));
        report(
            &format!("audit lens {} ({n} found)", lens.key()),
            &s,
            "< 100 ms",
        );
    }

    let t = Instant::now();
    let index = SearchIndex::build(&graph);
    println!("search index built in {}", fmt(t.elapsed()));
    for q in ["a", "al", "ali", "alice", "mar.gar", "eng", "zzqx"] {
        let n = index.search(&graph, q, None).len();
        let s = measure(runs * 3, || index.search(&graph, q, None));
        report(
            &format!("search keystroke {q:?} over all ({n} hits)"),
            &s,
            "< 16 ms",
        );
    }

    if let Some(kib) = explorer_rss {
        println!(
            "{:<48} {:>10.1} MB ({:.1} MiB)  target < 150 MB at 100k users",
            "peak RSS: pingscope loads file, graph + search",
            kib as f64 * 1024.0 / 1e6,
            kib as f64 / 1024.0
        );
    }
}

/// Peak memory (KiB) of a separate `pingscope stats` reading `path`: with the graph only, and
/// with the explorer's search index built too.
fn peak_rss(path: &std::path::Path) -> Option<(u64, u64)> {
    let out = Command::new(env!("CARGO_BIN_EXE_pingscope"))
        .arg("--snapshot")
        .arg(path)
        .args(["stats", "--json", "--peak-rss"])
        .output()
        .ok()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let field = |name: &str| {
        stderr
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    Some((field("peak_rss_graph_kib=")?, field("peak_rss_kib=")?))
}
