//! Loading for CLI commands: progress on stderr (one bar per stage and a ticking line of
//! requests when stderr is a terminal; elsewhere a line every 30 s while waiting), and a
//! one-line summary when the load ends.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use color_eyre::eyre::Result;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::model::{Snapshot, Stage};
use crate::source::{Source, Update};

/// Progress on stderr: one bar per stage when stderr is a terminal, nothing otherwise.
struct Bars {
    multi: MultiProgress,
    bars: Mutex<HashMap<Stage, ProgressBar>>,
    status: ProgressBar,
    terminal: bool,
    ticks: AtomicU64,
}

impl Bars {
    fn new() -> Bars {
        let terminal = std::io::stderr().is_terminal();
        let target = if terminal {
            ProgressDrawTarget::stderr_with_hz(8)
        } else {
            ProgressDrawTarget::hidden()
        };
        let multi = MultiProgress::with_draw_target(target);
        let status = multi.add(ProgressBar::new_spinner());
        status.set_style(
            ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        status.enable_steady_tick(Duration::from_millis(250));
        Bars {
            multi,
            bars: Mutex::new(HashMap::new()),
            status,
            terminal,
            ticks: AtomicU64::new(0),
        }
    }

    fn update(&self, u: Update) {
        let mut bars = self.bars.lock().unwrap_or_else(|p| p.into_inner());
        match u {
            Update::Progress(p) => {
                let bar = bars.entry(p.stage).or_insert_with(|| {
                    let b = self.multi.add(ProgressBar::new(p.total.unwrap_or(0)));
                    b.set_style(
                        ProgressStyle::with_template(
                            "{prefix:>28} [{bar:30}] {pos}/{len} {msg} eta {eta}",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                    );
                    b.set_prefix(p.stage.label());
                    b
                });
                match p.state {
                    Some(state) => bar.finish_with_message(format!("{state:?}").to_lowercase()),
                    None => {
                        bar.set_position(p.done);
                        bar.set_message(format!("· {} requests · {:.0}/s", p.requests, p.rate));
                    }
                }
            }
            // While requests hang or wait to be retried no stage moves: the status line says
            // the load is alive and why it waits.
            Update::Requests(r) => {
                let n = self.ticks.fetch_add(1, Ordering::Relaxed) + 1;
                if self.terminal {
                    self.status.set_message(r.line());
                } else if n % 30 == 0 {
                    eprintln!("still loading after {n} s: {}", r.line());
                }
            }
            Update::Partial(_) => {}
            Update::Note(n) => {
                if self.terminal {
                    let _ = self.multi.println(format!("note: {n}"));
                } else {
                    eprintln!("note: {n}");
                }
            }
        }
    }
}

/// Loads `source` with progress on stderr; returns the snapshot and a one-line summary of the
/// requests made (empty for a source that is not live).
pub fn load(source: &Source) -> Result<(Snapshot, String)> {
    let bars = Bars::new();
    let result = source.load(&|u| bars.update(u), false);
    let _ = bars.multi.clear();
    let (snapshot, stats) = result?;
    if !source.is_live() {
        return Ok((snapshot, String::new()));
    }
    if let Some(p) = &stats.from_store {
        let age = crate::model::Timestamp::now().millis().unwrap_or(0)
            - snapshot.meta.taken_at.millis().unwrap_or(0);
        return Ok((
            snapshot,
            format!(
                "answered from the stored snapshot taken {} min ago ({}): no request to PingOne",
                age / 60_000,
                p.display()
            ),
        ));
    }
    if let (Some(Ok(_)), Some(why)) = (&stats.stored, &stats.unencrypted) {
        eprintln!(
            "note: stored unencrypted (0600, in a 0700 directory): the store's key cannot be kept ({why}); --no-store keeps nothing"
        );
    }
    match &stats.stored {
        Some(Ok(p)) => eprintln!("stored as {}", p.display()),
        Some(Err(e)) => eprintln!("warning: this load was not stored: {e}"),
        None => {}
    }
    let r = stats.requests;
    let summary = format!(
        "loaded {} users, {} groups, {} applications in {:.1} s with {} requests ({} rate-limited, {} retried)",
        snapshot.users.len(),
        snapshot.groups.len(),
        snapshot.applications.len(),
        stats.elapsed.as_secs_f64(),
        r.sent,
        r.rate_limited,
        r.retried
    );
    Ok((snapshot, summary))
}
