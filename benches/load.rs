//! `cargo bench --bench load`: a live load from the mock PingOne at 50 ms latency and a 100
//! requests/second limit (20,000 users, 1,000 groups, 200 applications by default).
//!
//! For each membership plan (per user, per group) on the same served data: total time, answered
//! requests per user, 429s received, the ratio of total time to the floor (answered requests /
//! 100 per second) and the requests against the plan's minimum; then the same
//! load as a naive script would run it (one request at a time), for a bounded time and
//! extrapolated to the whole plan.
//!
//! Knobs: BENCH_USERS, BENCH_GROUPS, BENCH_APPS, BENCH_RPS, BENCH_LATENCY_MS, BENCH_NAIVE_SECONDS,
//! BENCH_PLANS (`per-group`: that plan only; `none`: no full load, only the refresh, against the
//! generated data as if it were stored).

#[path = "../tests/support/mock/mod.rs"]
#[allow(unused_imports)]
mod mock;

use std::time::{Duration, Instant};

use mock::{MockConfig, RateLimit};
use pingscope::demo::{Params, generate};
use pingscope::pingone::loader::planned_requests;
use pingscope::pingone::{
    self, AuthMethod, Client, Connection, MembershipPlan, Region, Secret, Tuning,
};

fn knob(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let users = knob("BENCH_USERS", if quick { 300.0 } else { 20_000.0 }) as usize;
    let groups = knob("BENCH_GROUPS", if quick { 80.0 } else { 1_000.0 }) as usize;
    let apps = knob("BENCH_APPS", if quick { 36.0 } else { 200.0 }) as usize;
    let rps = knob("BENCH_RPS", 100.0);
    let latency = Duration::from_millis(knob("BENCH_LATENCY_MS", 50.0) as u64);
    let naive_window =
        Duration::from_secs(knob("BENCH_NAIVE_SECONDS", if quick { 2.0 } else { 60.0 }) as u64);

    let snapshot = generate(&Params::sized(users, groups, apps, 42));
    let plan = planned_requests(&snapshot, 200, false);
    println!(
        "live load benchmark: {} users, {} groups, {} applications; mock at {} ms latency, {rps} requests/s",
        snapshot.users.len(),
        snapshot.groups.len(),
        snapshot.applications.len(),
        latency.as_millis()
    );
    println!(
        "plan minimum: {plan} requests (floor {:.1} s at {rps}/s)",
        plan as f64 / rps
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let config = MockConfig {
            client_id: "bench".into(),
            client_secret: "bench-secret".into(),
            latency,
            latency_jitter: latency / 5,
            rate_limit: Some(RateLimit {
                per_second: rps,
                burst: (rps / 5.0).max(1.0) as u32,
            }),
            ..MockConfig::default()
        };
        let m = mock::start(snapshot.clone(), config).await;
        let conn = || {
            Connection::new(
                &m.environment_id(),
                Some(&m.worker_env_id()),
                "bench",
                Secret::new("bench-secret".into()),
                AuthMethod::Basic,
                Region::NA,
                Some(&m.api_url()),
                Some(&m.auth_url()),
            )
            .expect("connection")
        };

        // pingscope's loader, default tuning (no cap: it learns the limit from 429s), with
        // each membership plan, on the same served data.
        let mut took_per_user = 0.0;
        let mut last = None;
        // BENCH_PLANS=per-group skips the per-user load (for a quicker look at the refresh).
        let plans: Vec<MembershipPlan> = match std::env::var("BENCH_PLANS").as_deref() {
            Ok("per-group") => vec![MembershipPlan::PerGroup],
            Ok("none") => Vec::new(),
            _ => vec![MembershipPlan::PerUser, MembershipPlan::PerGroup],
        };
        for plan in plans {
            let client = Client::new(
                conn(),
                Tuning {
                    plan,
                    ..Tuning::default()
                },
            )
            .expect("client");
            let throttled_before = m.counters().rate_limited;
            let started = Instant::now();
            let report = std::sync::Mutex::new(None);
            let loaded = pingone::load(&client, &|e| {
                if let pingone::LoadEvent::GroupPlan(r) = e {
                    *report.lock().unwrap_or_else(|p| p.into_inner()) = Some(r.line());
                }
            })
            .await
            .expect("load");
            let took = started.elapsed().as_secs_f64();
            let requests = client.counters().requests();
            let answered = requests - (m.counters().rate_limited - throttled_before);
            let floor = answered as f64 / rps;
            let planned = planned_requests(&loaded, 200, plan == MembershipPlan::PerGroup);
            if plan == MembershipPlan::PerUser {
                took_per_user = took;
            }
            println!(
                "pingscope {plan:?}: {took:.1} s, {answered} answered requests = {:.3} per user ({:+.2}% vs plan {planned}), {} 429s, time / floor {:.3} (target < 1.15), {:.2}x the per-user time, complete: {}",
                answered as f64 / loaded.users.len().max(1) as f64,
                (answered as f64 / planned as f64 - 1.0) * 100.0,
                client.counters().throttled(),
                took / floor,
                took / took_per_user,
                loaded.coverage.incomplete().is_empty()
            );
            if let Some(line) = report.into_inner().unwrap_or_else(|p| p.into_inner()) {
                println!("  {line}");
            }
            last = Some((loaded, took, answered, client.learnt_rate()));
        }

        // A working day later: 100 changes (70 people join a team, 30 are disabled) recorded in
        // the audit log, then a refresh of the last load against a full load's cost.
        // BENCH_PLANS=none: no full load; the generated data stands for the stored snapshot
        // (a quick look at the refresh alone: its seconds, not its share of a load).
        let last = last.or_else(|| {
            (std::env::var("BENCH_PLANS").as_deref() == Ok("none")).then(|| {
                let mut s = snapshot.clone();
                s.meta.taken_at = pingscope::model::Timestamp::now();
                (s, f64::NAN, u64::MAX, None)
            })
        });
        if let Some((stored, full_took, full_answered, learnt)) = last {
            let mut next = snapshot.clone();
            let teams: Vec<pingscope::model::Id> = next
                .groups
                .iter()
                .filter(|g| g.user_filter.is_none())
                .filter(|g| g.parent_groups.as_ref().is_none_or(Vec::is_empty))
                .map(|g| g.id.clone())
                .collect();
            let now = pingscope::model::Timestamp::now().millis().unwrap_or(0);
            let at = pingscope::model::Timestamp::from_millis(now).to_string();
            let mut events = Vec::new();
            let step = (next.users.len() / 100).max(1);
            for (k, u) in next.users.iter_mut().step_by(step).take(100).enumerate() {
                let mut resources = vec![serde_json::json!({"type": "USER", "id": u.id.to_string()})];
                if k < 70 {
                    let team = teams[k % teams.len()].clone();
                    resources.push(serde_json::json!({"type": "GROUP", "id": team.to_string()}));
                    let ms = u.memberships.get_or_insert_with(Vec::new);
                    ms.retain(|m| m.id != team);
                    ms.push(pingscope::model::Membership {
                        id: team,
                        kind: pingscope::model::MembershipKind::Direct,
                    });
                } else {
                    u.enabled = false;
                }
                events.push(serde_json::json!({
                    "id": format!("bench-{k}"), "recordedAt": at,
                    "action": {"type": "BENCH.CHANGE"}, "result": {"status": "SUCCESS"},
                    "resources": resources,
                }));
            }
            m.replace(next, events);
            // As `pingscope refresh` does: starting at the rate the stored load learnt.
            let client = Client::new(
                conn(),
                Tuning {
                    start_rps: learnt,
                    ..Tuning::default()
                },
            )
            .expect("client");
            let throttled_before = m.counters().rate_limited;
            let before = m.counters();
            let started = Instant::now();
            // When each stage first and last reported, from the refresh's start: where the time goes.
            let spans = std::sync::Mutex::new(std::collections::BTreeMap::new());
            let collections = std::sync::Mutex::new(None);
            let sink = |e: pingone::LoadEvent| {
                if let pingone::LoadEvent::Partial(_) = e {
                    let mut c = collections.lock().unwrap_or_else(|p| p.into_inner());
                    c.get_or_insert(started.elapsed().as_secs_f64());
                    return;
                }
                let stage = match e {
                    pingone::LoadEvent::Progress { stage, .. }
                    | pingone::LoadEvent::StageDone { stage, .. } => stage,
                    _ => return,
                };
                let at = started.elapsed().as_secs_f64();
                let mut spans = spans.lock().unwrap_or_else(|p| p.into_inner());
                let span = spans.entry(format!("{stage:?}")).or_insert((at, at));
                span.1 = at;
            };
            // As `pingscope refresh` does it: the audit log and the named groups, then the load.
            let plan = pingone::refresh::prepare(&client, &stored, now + 120_000).await;
            let planned = started.elapsed().as_secs_f64();
            let outcome = match plan {
                pingone::refresh::Plan::Incremental {
                    prior,
                    summary,
                    ahead,
                    started,
                } => {
                    let resume = pingone::loader::Resume {
                        prior: Some(&prior),
                        ahead: &ahead,
                        started: started.as_ref(),
                        ..Default::default()
                    };
                    pingone::loader::load_resumable(&client, &sink, true, resume)
                        .await
                        .expect("refresh");
                    format!("{summary:?}")
                }
                pingone::refresh::Plan::Full(reason) => format!("a full load would be needed: {reason}"),
            };
            let took = started.elapsed().as_secs_f64();
            let answered =
                client.counters().requests() - (m.counters().rate_limited - throttled_before);
            println!(
                "refresh after 100 changes: {took:.1} s, {answered} answered requests = {:.2}% of the per-group load's requests and {:.2}% of its time (target < 2%); {outcome}",
                answered as f64 / full_answered as f64 * 100.0,
                took / full_took * 100.0,
            );
            println!("  by endpoint: {}", m.counters().minus(&before).summary().replace('\n', "; "));
            let spans = spans.into_inner().unwrap_or_else(|p| p.into_inner());
            let mut spans: Vec<_> = spans.into_iter().collect();
            spans.sort_by(|a, b| a.1.0.total_cmp(&b.1.0));
            let line: Vec<String> = spans
                .iter()
                .map(|(stage, (a, b))| format!("{stage} {a:.1}-{b:.1} s"))
                .collect();
            let collections = collections.into_inner().unwrap_or_else(|p| p.into_inner());
            println!(
                "  the audit log read and the named groups checked at {planned:.1} s, the collections read at {:.1} s; per-entity stages (from the refresh's start): {}",
                collections.unwrap_or(f64::NAN),
                line.join(", ")
            );
        }
        let took = took_per_user;
        println!("mock counters: {}", m.counters().summary().replace('\n', "; "));

        // A naive script: the same plan, one request at a time, for a bounded window.
        let naive = Client::new(
            conn(),
            Tuning {
                concurrency: 1,
                ..Tuning::default()
            },
        )
        .expect("client");
        let started = Instant::now();
        let _ = tokio::time::timeout(naive_window, pingone::load(&naive, &|_| {})).await;
        let elapsed = started.elapsed().as_secs_f64();
        let done = naive.counters().requests();
        let per_second = done as f64 / elapsed;
        println!(
            "naive (sequential): {done} requests in {elapsed:.1} s = {per_second:.1}/s; whole plan ≈ {:.0} s ({:.1}x pingscope)",
            plan as f64 / per_second,
            plan as f64 / per_second / took
        );
    });
}
