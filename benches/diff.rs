//! `cargo bench --bench diff`: two looks at a 100,000-user environment (the second one thirty days
//! on, `demo::later`), compared. Reports the median time of the diff and its memory: the peak
//! resident memory while diffing against what holding the two graphs costs. Targets: under 2 s,
//! within 2x the memory of the two graphs. Sizes: BENCH_USERS, BENCH_GROUPS, BENCH_APPS.

use std::time::{Duration, Instant};

use pingscope::demo::{Params, generate, later};
use pingscope::model::diff::diff;
use pingscope::model::snapshot::Format;
use pingscope::model::{Graph, Snapshot};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// This process's resident memory and its peak since the last reset, in KiB.
fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Resets the peak (VmHWM) to the current resident memory (Linux).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn mb(kib: u64) -> String {
    format!("{:.1} MB", kib as f64 * 1024.0 / 1e6)
}

fn main() {
    // `cargo test --benches` runs this too: keep that quick.
    let quick = !std::env::args().any(|a| a == "--bench");
    let users = env_usize("BENCH_USERS", if quick { 2_000 } else { 100_000 });
    let groups = env_usize("BENCH_GROUPS", (users / 20).max(60));
    let apps = env_usize("BENCH_APPS", (users / 100).clamp(30, 1000));
    // Both looks as files, read back as `pingscope diff` reads them; what holding the graphs
    // costs is measured from a process that holds nothing else.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (a, b) = (dir.path().join("a.pscope"), dir.path().join("b.pscope"));
    {
        let base = generate(&Params::sized(users, groups, apps, 42));
        later(&base, 42).write(&b, Format::Compact).expect("write");
        base.write(&a, Format::Compact).expect("write");
    }
    let (before, _) = rss_kib();
    let read = |p: &std::path::Path| Graph::build(Snapshot::read(p).expect("read"));
    let (old, new) = (read(&a), read(&b));
    let (held, _) = rss_kib();
    let graphs = held.saturating_sub(before);
    let mut times: Vec<Duration> = Vec::new();
    let mut changes = 0;
    let mut peak = 0;
    for _ in 0..5 {
        reset_peak();
        let t = Instant::now();
        let d = diff(&old, &new);
        times.push(t.elapsed());
        changes = d.changes.len();
        peak = peak.max(rss_kib().1);
        drop(d);
    }
    times.sort();
    let extra = peak.saturating_sub(held);
    println!("{users} users, {groups} groups, {apps} applications: {changes} changes");
    println!(
        "diff (median of 5):                 {:.0} ms   target < 2000 ms",
        times[times.len() / 2].as_secs_f64() * 1000.0
    );
    println!("two graphs held:                    {}", mb(graphs));
    println!(
        "peak while diffing, above them:     {} (total {:.2}x the graphs; target within 2x)",
        mb(extra),
        (graphs + extra) as f64 / graphs.max(1) as f64
    );
}
