//! A runnable mock PingOne serving a snapshot file, for benchmarks and manual testing.
//!
//! ```text
//! cargo run --release --example mock_pingone -- --snapshot FILE [--port N]
//!     [--latency-ms N] [--jitter-ms N] [--rps N] [--burst N] [--fault-rate F] [--drop-rate F]
//!     [--token-ttl-s N] [--client-id X --client-secret Y] [--worker-env ID] [--max-page N]
//!     [--forbid users,memberships,...] [--seed N]
//! ```
//!
//! It prints the environment id, the URLs and the `PINGONE_*` variables to export, serves until
//! Ctrl-C, then prints the request counters.

#[path = "../tests/support/mock/mod.rs"]
mod mock;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use mock::{Forbidden, MemberFilter, MockConfig, MockPingOne, RateLimit};
use pingscope::model::Snapshot;

const USAGE: &str =
    "usage: mock_pingone --snapshot FILE [--port N] [--latency-ms N] [--jitter-ms N]
       [--rps N] [--burst N] [--fault-rate F] [--drop-rate F] [--token-ttl-s N]
       [--client-id X] [--client-secret Y] [--worker-env ID] [--max-page N]
       [--forbid LIST] [--member-filter all|direct|refused] [--seed N]

  --snapshot FILE    the pingscope snapshot to serve (required: the demo generator is not
                     available on this branch)
  --port N           port on 127.0.0.1 (default 0: any free port)
  --latency-ms N     delay every response by N ms (default 0)
  --jitter-ms N      ... plus or minus up to N ms (default 0)
  --rps N            rate limit: N requests per second over all requests (default: none)
  --burst N          rate limit bucket size (default: --rps rounded up)
  --fault-rate F     probability of a random 500/502/503/504 (default 0)
  --drop-rate F      probability of a dropped connection (default 0)
  --token-ttl-s N    token lifetime in seconds (default 3600)
  --client-id X, --client-secret Y   the worker app's credentials (defaults printed)
  --worker-env ID    the environment holding the worker app (default: the snapshot's)
  --max-page N       largest page served (default 200)
  --forbid LIST      comma-separated: environment, populations, users, memberships,
                     user-roles, groups, group-nesting, group-roles, applications,
                     app-roles, gateways, gateway-roles, roles
  --member-filter B  what GET /users?filter=memberOfGroups[...] lists: all members (default),
                     direct members only, or refused (400)
  --seed N           random seed for faults, drops and jitter (default 0)";

struct Args {
    snapshot: PathBuf,
    port: u16,
    config: MockConfig,
}

fn forbidden(name: &str) -> Result<Forbidden, String> {
    Ok(match name.trim().to_ascii_lowercase().as_str() {
        "environment" => Forbidden::Environment,
        "populations" => Forbidden::Populations,
        "users" => Forbidden::Users,
        "memberships" => Forbidden::Memberships,
        "user-roles" => Forbidden::UserRoleAssignments,
        "groups" => Forbidden::Groups,
        "group-nesting" => Forbidden::GroupNesting,
        "group-roles" => Forbidden::GroupRoleAssignments,
        "applications" => Forbidden::Applications,
        "app-roles" => Forbidden::AppRoleAssignments,
        "gateways" => Forbidden::Gateways,
        "gateway-roles" => Forbidden::GatewayRoleAssignments,
        "roles" => Forbidden::Roles,
        other => return Err(format!("--forbid: unknown collection {other:?}")),
    })
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut snapshot = None;
    let mut port = 0u16;
    let mut config = MockConfig::default();
    let mut rps: Option<f64> = None;
    let mut burst: Option<u32> = None;
    fn num<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
        value
            .parse()
            .map_err(|_| format!("{flag}: {value:?} is not a valid number"))
    }
    fn rate(flag: &str, value: &str) -> Result<f64, String> {
        let r: f64 = num(flag, value)?;
        if (0.0..=1.0).contains(&r) {
            Ok(r)
        } else {
            Err(format!("{flag}: {value} is not a probability (0 to 1)"))
        }
    }
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        let (flag, inline) = match flag.split_once('=') {
            Some((f, v)) => (f.to_owned(), Some(v.to_owned())),
            None => (flag, None),
        };
        let value = match inline.or_else(|| args.next()) {
            Some(v) => v,
            None => return Err(format!("{flag} needs a value")),
        };
        let ms = |v: &str| num::<u64>(&flag, v).map(Duration::from_millis);
        match flag.as_str() {
            "--snapshot" => snapshot = Some(PathBuf::from(value)),
            "--port" => port = num(&flag, &value)?,
            "--latency-ms" => config.latency = ms(&value)?,
            "--jitter-ms" => config.latency_jitter = ms(&value)?,
            "--rps" => {
                let r: f64 = num(&flag, &value)?;
                if !(r.is_finite() && r > 0.0) {
                    return Err(format!("--rps must be positive, not {value}"));
                }
                rps = Some(r);
            }
            "--burst" => burst = Some(num(&flag, &value)?),
            "--fault-rate" => config.fault_rate = rate(&flag, &value)?,
            "--drop-rate" => config.drop_rate = rate(&flag, &value)?,
            "--token-ttl-s" => config.token_ttl = Duration::from_secs(num(&flag, &value)?),
            "--client-id" => config.client_id = value,
            "--client-secret" => config.client_secret = value,
            "--worker-env" => config.worker_env_id = value,
            "--max-page" => config.max_page = num::<usize>(&flag, &value)?.max(1),
            "--seed" => config.seed = num(&flag, &value)?,
            "--member-filter" => {
                config.member_filter = match value.as_str() {
                    "all" => MemberFilter::AllMembers,
                    "direct" => MemberFilter::DirectOnly,
                    "refused" => MemberFilter::Refused,
                    other => return Err(format!("--member-filter: unknown behaviour {other:?}")),
                }
            }
            "--forbid" => {
                for name in value.split(',').filter(|s| !s.trim().is_empty()) {
                    config.forbidden.push(forbidden(name)?);
                }
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    config.rate_limit = match (rps, burst) {
        (Some(per_second), burst) => Some(RateLimit {
            per_second,
            burst: burst.unwrap_or(per_second.ceil() as u32).max(1),
        }),
        (None, Some(_)) => return Err("--burst needs --rps".into()),
        (None, None) => None,
    };
    let snapshot = snapshot.ok_or("--snapshot FILE is required")?;
    Ok(Args {
        snapshot,
        port,
        config,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("mock_pingone: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let snapshot = match Snapshot::read(&args.snapshot) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("mock_pingone: {e}");
            return ExitCode::from(2);
        }
    };
    let summary = format!(
        "{} users, {} groups, {} applications, {} roles, {} populations",
        snapshot.users.len(),
        snapshot.groups.len(),
        snapshot.applications.len(),
        snapshot.roles.len(),
        snapshot.populations.len()
    );
    let name = snapshot.environment.name.clone();
    let config = args.config.clone();
    let mock = match MockPingOne::start_on(snapshot, args.config, args.port).await {
        Ok(m) => m,
        Err(e) => {
            eprintln!(
                "mock_pingone: cannot listen on 127.0.0.1:{}: {e}",
                args.port
            );
            return ExitCode::from(1);
        }
    };
    println!(
        "mock PingOne: environment {} {name:?} ({summary})",
        mock.environment_id()
    );
    println!("  API:   {}", mock.api_url());
    println!("  auth:  {}", mock.auth_url());
    println!("  token: {}", mock.token_url());
    println!(
        "  knobs: latency {:?} ± {:?}, rate limit {}, fault rate {}, drop rate {}, token TTL {:?}, max page {}{}",
        config.latency,
        config.latency_jitter,
        config.rate_limit.map_or("none".to_owned(), |r| format!(
            "{}/s burst {}",
            r.per_second, r.burst
        )),
        config.fault_rate,
        config.drop_rate,
        config.token_ttl,
        config.max_page,
        if config.forbidden.is_empty() {
            String::new()
        } else {
            format!(", forbidden {:?}", config.forbidden)
        }
    );
    println!();
    println!("export PINGONE_ENVIRONMENT_ID={}", mock.environment_id());
    println!(
        "export PINGONE_AUTH_ENVIRONMENT_ID={}",
        mock.worker_env_id()
    );
    println!("export PINGONE_CLIENT_ID={}", config.client_id);
    println!("export PINGONE_CLIENT_SECRET={}", config.client_secret);
    println!("export PINGONE_API_URL={}", mock.api_url());
    println!("export PINGONE_AUTH_URL={}", mock.auth_url());
    println!();
    println!("serving until Ctrl-C");
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("mock_pingone: cannot wait for Ctrl-C: {e}");
    }
    println!("\n{}", mock.counters().summary());
    ExitCode::SUCCESS
}
