//! The command line: every command, its options and their help.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use super::{diff, export, login};
use crate::source::SourceArgs;

#[derive(Parser, Debug)]
#[command(
    name = "pingscope",
    version,
    about = "Who has what, and why, in a PingOne environment (read-only)",
    after_help = "Examples:\n  pingscope --demo                                    the explorer, on the bundled demo\n  pingscope --demo access alice.nguyen                everything she reaches, and why\n  pingscope --demo who-can \"ADP Payroll\" --json\n  pingscope --demo export --format csv > access.csv"
)]
pub struct Cli {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Capture the mouse in the explorer (click to select, wheel to scroll).
    #[arg(long, global = true)]
    pub mouse: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Everything a user reaches (groups, roles, applications), each with the chain that explains it.
    Access {
        /// User id, username or e-mail address.
        user: String,
        #[arg(long)]
        json: bool,
    },
    /// Who can use an application, each with the chain that admits them.
    WhoCan {
        /// Application id or exact name.
        app: String,
        #[arg(long)]
        json: bool,
    },
    /// Who holds an admin role (users, groups and their members, worker applications,
    /// gateways), at which scope.
    Holders {
        /// Role id or exact name (a name several roles share is refused: give the id).
        role: String,
        #[arg(long)]
        json: bool,
    },
    /// Who is in a group, directly and through nested groups.
    Members {
        /// Group id or exact name.
        group: String,
        #[arg(long)]
        json: bool,
    },
    /// The whole user × application / role matrix, one row per grant with its reason.
    Export {
        #[arg(long, value_enum, default_value = "json")]
        format: export::Format,
        #[arg(long, value_enum, default_value = "all")]
        what: export::What,
    },
    /// Audit lenses: privileged users, MFA-less or stale accounts, apps open to everyone...
    /// With no lens, a summary of every lens.
    Audit {
        /// One of: privileged, privileged-weak, admin-via-group, inactive-with-roles, no-mfa,
        /// stale, open-apps, non-human-admins (worker apps and gateways), nesting-cycles.
        #[arg(value_parser = parse_lens)]
        lens: Option<crate::model::audit::Lens>,
        /// A sign-on older than this many days is stale.
        #[arg(long, default_value_t = crate::model::audit::AuditOptions::DEFAULT_STALE_DAYS)]
        stale_days: u32,
        /// Accounts created fewer than this many days ago are not stale yet.
        #[arg(long, default_value_t = crate::model::audit::AuditOptions::DEFAULT_GRACE_DAYS)]
        grace_days: u32,
        #[arg(long)]
        json: bool,
    },
    /// Counts, coverage and provenance of the loaded environment.
    Stats {
        #[arg(long)]
        json: bool,
        /// Build the search index too, then print the process's peak resident memory to stderr
        /// (for benchmarks).
        #[arg(long, hide = true)]
        peak_rss: bool,
    },
    /// What changed between two snapshots of one environment: access gained and lost by each
    /// user, worker app and gateway, with the chain and what broke; entities added, removed,
    /// changed.
    #[command(
        after_help = "Examples:\n  pingscope demo generate --out before.pscope\n  pingscope demo generate --later --out after.pscope\n  pingscope diff before.pscope after.pscope --only roles,applications\n  pingscope diff before.pscope after.pscope --user chen.jensen --format csv\nStored snapshots (see `pingscope snapshots`): `pingscope diff @2` compares the one before the\nnewest with the newest."
    )]
    Diff {
        /// The older snapshot: a file, or a stored one (@latest, @2, ...: see `pingscope snapshots`).
        old: PathBuf,
        /// The newer one; default: the newest stored snapshot of OLD's environment.
        new: Option<PathBuf>,
        /// Same as --format json.
        #[arg(long)]
        json: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: diff::Format,
        /// Keep only these kinds of access: applications, roles, groups (comma-separated).
        #[arg(long, value_delimiter = ',', value_parser = diff::parse_only)]
        only: Vec<crate::model::diff::ItemKind>,
        /// Keep only this user's changes (id, username or e-mail).
        #[arg(long)]
        user: Option<String>,
        /// Keep only the changes of this application (id or name): its own roles, and who gained
        /// or lost it.
        #[arg(long)]
        app: Option<String>,
    },
    /// Two people side by side (the onboarding check): the groups, roles at a scope and
    /// applications one has and the other has not, each with its chain, and the group
    /// membership that would close each gap.
    Compare {
        /// The user to check (id, username or e-mail).
        user: String,
        /// The teammate to compare her with.
        other: String,
        #[arg(long)]
        json: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: diff::Format,
        #[arg(long, value_delimiter = ',', value_parser = diff::parse_only)]
        only: Vec<crate::model::diff::ItemKind>,
    },
    /// Bring the newest stored snapshot of a live environment up to date from its audit log
    /// (reading again only what the events name), or load it in full when that cannot be
    /// trusted (saying why); store the result.
    Refresh {
        #[arg(long)]
        json: bool,
        /// Load everything, whatever the audit log says.
        #[arg(long)]
        full: bool,
    },
    /// Snapshot files.
    #[command(subcommand)]
    Snapshot(SnapshotCommand),
    /// The snapshots kept in the local store, newest first per environment, with the reference
    /// (`@1`, `@2`, ...) `--snapshot` takes.
    Snapshots {
        #[arg(long)]
        json: bool,
    },
    /// Check a worker app's credentials against PingOne, keep its secret in the OS keyring and
    /// its settings in a profile (--profile NAME; default: "default").
    #[command(
        after_help = "Example:\n  pingscope login --profile prod --label prod --environment-id ENV_ID --client-id CLIENT_ID --region EU"
    )]
    Login(login::LoginArgs),
    /// Remove a profile and its secret from the keyring.
    Logout,
    /// List profiles, and where each secret is kept.
    Profiles {
        #[arg(long)]
        json: bool,
    },
    /// The demo environment and its generator.
    #[command(subcommand)]
    Demo(DemoCommand),
    /// Shell completions for bash, zsh, fish, elvish or powershell, on standard output.
    #[command(
        after_help = "Example:\n  pingscope completions bash > pingscope.bash\n(bash loads it from ~/.local/share/bash-completion/completions/pingscope)"
    )]
    Completions { shell: clap_complete::Shell },
    /// The manual page (roff), on standard output.
    #[command(after_help = "Example:\n  pingscope man > pingscope.1")]
    Man,
}

#[derive(Subcommand, Debug)]
pub enum SnapshotCommand {
    /// Write the loaded environment to FILE (atomically, readable by you only).
    Save {
        file: PathBuf,
        /// compact (MessagePack in zstd: small and fast) or jsonl (JSON Lines, for jq and
        /// other tools). Reading tells them apart.
        #[arg(long, default_value = "compact", value_name = "FORMAT")]
        format: crate::model::snapshot::Format,
        /// Encrypt it with the local store's key from the OS keyring: readable by pingscope on
        /// this machine only (files you move elsewhere stay plain without it).
        #[arg(long)]
        encrypt: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum DemoCommand {
    /// Generate an environment of any size (deterministic for a seed) and write it as a snapshot.
    Generate {
        /// Number of users, at least 19 (the demo's well-known people); default: the bundled
        /// demo's own parameters.
        #[arg(long, value_parser = parse_users)]
        users: Option<usize>,
        /// Number of groups; default: one per 20 users, at least 60.
        #[arg(long)]
        groups: Option<usize>,
        /// Number of applications; default: one per 100 users, 30 to 1,000.
        #[arg(long)]
        apps: Option<usize>,
        /// The random seed: the same seed and sizes give the same environment.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The snapshot file to write (atomically, readable by you only).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// compact (MessagePack in zstd) or jsonl (JSON Lines).
        #[arg(long, default_value = "compact", value_name = "FORMAT")]
        format: crate::model::snapshot::Format,
        /// The same environment thirty days later: people joined, left, moved teams; groups,
        /// role assignments and access control changed (to try `pingscope diff`).
        #[arg(long)]
        later: bool,
    },
}

/// The fewest users a generated environment has: its well-known people.
pub const MIN_USERS: usize = 19;

fn parse_users(s: &str) -> std::result::Result<usize, String> {
    let n: usize = s.parse().map_err(|e| format!("{e}"))?;
    if n < MIN_USERS {
        return Err(format!(
            "at least {MIN_USERS}: the demo's well-known people are in every generated environment"
        ));
    }
    Ok(n)
}

/// The options each command does not use, hidden from its help (they are global, so that they
/// may come before or after the command; using one where it means nothing is refused by
/// [`unused_option`]).
const SOURCE_ONLY: &[&str] = &[
    "demo",
    "snapshot",
    "max_age",
    "no_store",
    "allow_incomplete",
];
const LIVE: &[&str] = &[
    "token_endpoint",
    "environment_id",
    "auth_environment_id",
    "client_id",
    "region",
    "token_auth_method",
    "api_url",
    "auth_url",
    "api_service_hostname",
    "auth_service_hostname",
    "max_rps",
    "concurrency",
    "plan",
];

/// The options `command` (a path of subcommand names) does not read.
pub fn unused_options(command: &[&str]) -> Vec<&'static str> {
    if command.is_empty() {
        return Vec::new();
    }
    // The mouse is the explorer's only.
    let mut out = vec!["mouse"];
    match command {
        ["login"] => out.extend(SOURCE_ONLY),
        ["logout"] => {
            out.extend(SOURCE_ONLY);
            out.extend(LIVE);
        }
        ["profiles"] | ["snapshots"] | ["demo", ..] | ["completions"] | ["man"] => {
            out.extend(SOURCE_ONLY);
            out.extend(LIVE);
            out.push("profile");
        }
        ["refresh"] => out.extend(["demo", "snapshot", "max_age"]),
        _ => {}
    }
    out
}

/// The command line's definition, with each command's help showing only the options it uses:
/// the global options a command does not read are given to it hidden (clap then does not
/// propagate the shown ones to it).
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    let cmd = Cli::command();
    let globals: Vec<clap::Arg> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set())
        .cloned()
        .collect();
    hide_unused(cmd, &globals, &mut Vec::new())
}

/// Parses the command line (exiting with clap's message on an error), refusing an option given
/// to a command that does not read it: one line saying so, rather than silently ignoring it.
pub fn parse() -> Cli {
    use clap::FromArgMatches;
    use clap::parser::ValueSource;
    let matches = command().get_matches();
    let mut path = Vec::new();
    let mut leaf = &matches;
    while let Some((name, sub)) = leaf.subcommand() {
        path.push(name);
        leaf = sub;
    }
    for id in unused_options(&path) {
        let given = leaf
            .try_contains_id(id)
            .is_ok_and(|known| known && leaf.value_source(id) == Some(ValueSource::CommandLine));
        if given {
            command()
                .error(
                    clap::error::ErrorKind::ArgumentConflict,
                    format!(
                        "--{} does not apply to `pingscope {}`",
                        id.replace('_', "-"),
                        path.join(" ")
                    ),
                )
                .exit();
        }
    }
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

fn hide_unused(
    mut cmd: clap::Command,
    globals: &[clap::Arg],
    path: &mut Vec<String>,
) -> clap::Command {
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    for name in names {
        path.push(name.clone());
        let p: Vec<&str> = path.iter().map(String::as_str).collect();
        let unused = unused_options(&p);
        cmd = cmd.mut_subcommand(&name, |mut sub| {
            for a in globals {
                if unused.contains(&a.get_id().as_str()) {
                    sub = sub.arg(a.clone().hide(true));
                }
            }
            hide_unused(sub, globals, path)
        });
        path.pop();
    }
    cmd
}

fn parse_lens(s: &str) -> std::result::Result<crate::model::audit::Lens, String> {
    use crate::model::audit::Lens;
    Lens::from_key(s).ok_or_else(|| {
        let keys: Vec<&str> = Lens::ALL.iter().map(|l| l.key()).collect();
        format!("unknown lens {s:?}; one of: {}", keys.join(", "))
    })
}
