//! The interactive explorer: linked panes over one loaded environment.
//!
//! One `Action` vocabulary (keys and task results), a pure `update` returning `Effect`s, a pure
//! `draw`; loading runs in tokio tasks that report by `Action`, tagged with a generation so a
//! stale result is dropped. The terminal is restored on exit, on error and on panic.

pub mod action;
pub mod changes;
pub mod config;
pub mod detail;
pub mod export;
pub mod jobs;
pub mod keymap;
pub mod lists;
pub mod state;
pub mod theme;
pub mod ui;
pub mod update;
pub mod why;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_changes;
#[cfg(test)]
mod tests_filter;
#[cfg(test)]
mod tests_rules;
#[cfg(test)]
mod tests_snap;

use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::Result;
use crossterm::event::{Event, EventStream, KeyEvent, KeyEventKind, MouseEventKind};
use futures::StreamExt;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use crate::model::Graph;
use crate::source::{Source, SourceArgs, Update};

use action::{Action, Effect};
use state::{Data, Overlay, State};

pub struct Options {
    /// Capture the mouse (off by default: it breaks the terminal's own text selection).
    pub mouse: bool,
}

/// The action a key press means in the current state: text while typing, the keymap otherwise.
pub fn action_for_key(s: &State, ev: &KeyEvent) -> Option<Action> {
    use crossterm::event::{KeyCode, KeyModifiers};
    if ev.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
    let typing = s.filtering || matches!(s.overlay, Some(Overlay::Finder(_) | Overlay::Palette(_)));
    if typing {
        return match ev.code {
            KeyCode::Char('c') if ctrl => Some(Action::Quit),
            KeyCode::Char(c) if !ctrl => Some(Action::Char(c)),
            KeyCode::Backspace => Some(Action::DeleteChar),
            KeyCode::Enter => Some(Action::Open),
            KeyCode::Esc => Some(Action::Cancel),
            KeyCode::Tab => Some(Action::Complete),
            KeyCode::Up => Some(Action::MoveUp),
            KeyCode::Down => Some(Action::MoveDown),
            _ => None,
        };
    }
    s.keymap.lookup(&keymap::key_name(ev)?).cloned()
}

fn now_millis() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// How a refresh went, for the message line.
fn refresh_note(outcome: &crate::source::refresh::Outcome) -> String {
    use crate::source::refresh::Outcome;
    match outcome {
        Outcome::Incremental(s) => format!(
            "refreshed from the audit log: {} events, {} users and {} groups read again",
            s.events, s.users, s.groups
        ),
        Outcome::Full(reason) => {
            format!("loaded in full: {}", crate::model::text::sanitize(reason))
        }
    }
}

/// Makes a large index's one-letter answers on a thread of their own (about half a second at a
/// million users): until then the first keystroke scans, as before.
fn prepare_search(data: &Arc<Data>) {
    let data = data.clone();
    let _ = std::thread::Builder::new()
        .name("pingscope-letters".into())
        .spawn(move || data.index.prepare_letters(&data.graph));
}

/// Loads the source on its own thread (a live load runs a runtime of its own) and reports by
/// `Action`s tagged `generation`.
fn spawn_load(source: Source, generation: u64, tx: UnboundedSender<Action>) {
    let failed = tx.clone();
    let spawned = std::thread::Builder::new()
        .name("pingscope-load".into())
        .spawn(move || {
            let label = source.label();
            let live = source.is_live();
            let cue = source.cue();
            // A live source opens at once on its newest stored snapshot, refreshed in place
            // when the load ends (its status line says it is stored, and its age).
            let stored = source
                .stored_newest()
                .filter(|_| source.stored_fresh().is_none())
                .and_then(|s| crate::source::seal::read(&s.path).ok());
            let showing_stored = stored.is_some();
            if let Some(snapshot) = stored {
                let mut data = Data::new(Graph::build(snapshot), format!("{label} · stored"), live);
                data.cue = cue.clone();
                data.stored = true;
                let data = Arc::new(data);
                prepare_search(&data);
                let _ = tx.send(Action::Partial(generation, 1, data));
            }
            let partial_seq = std::sync::atomic::AtomicU64::new(2);
            let progress_tx = tx.clone();
            let (partial_label, partial_cue) = (format!("{label} (loading)"), cue.clone());
            let on = move |u: Update| {
                let a = match u {
                    Update::Progress(p) => Action::LoadProgress(generation, p),
                    Update::Requests(r) => Action::LoadRequests(generation, r),
                    // What is known so far: the explorer opens on it while the slow per-user
                    // stages go on (its coverage flags what is missing). Built off the
                    // loader's task, in order of arrival; the update keeps only the newest.
                    // Over a complete stored snapshot, the load's partial data (incomplete by
                    // nature) would be a step back: only the finished load replaces it.
                    Update::Partial(_) if showing_stored => return,
                    // How the load goes about it (resuming, the membership plan): the message line.
                    Update::Note(n) => Action::Message(n),
                    Update::Partial(snapshot) => {
                        let seq = partial_seq.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let tx = progress_tx.clone();
                        let label = partial_label.clone();
                        let cue = partial_cue.clone();
                        let _ = std::thread::Builder::new()
                            .name("pingscope-partial".into())
                            .spawn(move || {
                                let mut data = Data::new(Graph::build(*snapshot), label, true);
                                data.cue = cue;
                                let _ = tx.send(Action::Partial(generation, seq, Arc::new(data)));
                            });
                        return;
                    }
                };
                let _ = progress_tx.send(a);
            };
            // Said once the data is in place (installing it clears the message line).
            let mut note = None;
            // Over a stored snapshot, a refresh from the audit log (a full load when that
            // cannot be trusted, saying why).
            let loaded = if showing_stored {
                source.refresh(&on, false).map(|r| {
                    note = Some(refresh_note(&r.outcome));
                    (r.snapshot, r.stats)
                })
            } else {
                source.load(&on, live)
            };
            let msg = match loaded {
                Ok((snapshot, stats)) => {
                    if let (Some(Ok(_)), Some(why), None) = (&stats.stored, &stats.unencrypted, &note) {
                        note = Some(format!(
                            "stored unencrypted (0600): the store's key cannot be kept ({why}); --no-store keeps nothing"
                        ));
                    }
                    let mut data = Data::new(Graph::build(snapshot), label, live);
                    data.cue = cue;
                    let data = Arc::new(data);
                    prepare_search(&data);
                    Action::Loaded(generation, data)
                }
                Err(e) => Action::LoadFailed(generation, crate::source::one_line(&e)),
            };
            let _ = tx.send(msg);
            if let Some(n) = note {
                let _ = tx.send(Action::Message(n));
            }
        });
    if let Err(e) = spawned {
        let _ = failed.send(Action::LoadFailed(generation, e.to_string()));
    }
}

/// Computes a big detail (who can use an app at 100k users) off the input loop.
fn spawn_detail(
    data: Arc<Data>,
    generation: u64,
    t: crate::model::Target,
    now: i64,
    tx: UnboundedSender<Action>,
) {
    tokio::task::spawn_blocking(move || {
        let d = detail::Detail::build(&data.graph, t, now);
        let _ = tx.send(Action::DetailReady(generation, Box::new(d)));
    });
}

/// Writes an export: it holds personal data, so it is readable by its owner only (0600, also
/// when it replaces a file that was not). An existing file is replaced only when `overwrite`
/// (the user asked twice); otherwise it is an error, never a silent loss.
pub fn write_private(path: &str, bytes: &[u8], overwrite: bool) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true);
    if overwrite {
        opts.create(true).truncate(true);
    } else {
        opts.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    f.write_all(bytes)?;
    f.sync_all()
}

/// Carries out effects: background work becomes tasks that report back by `Action`.
fn run_effects(effects: Vec<Effect>, src: &Source, state: &State, tx: &UnboundedSender<Action>) {
    let data = state.data.clone();
    let now = state.now_millis;
    for e in effects {
        match e {
            Effect::Load { generation, force } => {
                let mut source = src.clone();
                if force {
                    source.ignore_max_age();
                }
                spawn_load(source, generation, tx.clone())
            }
            Effect::Export { path, job } => {
                let tx = tx.clone();
                tokio::task::spawn_blocking(move || {
                    let Some(job) = job.take() else { return };
                    let (path, contents) = match job.render() {
                        Ok((default, contents)) => (path.unwrap_or(default), contents),
                        Err(e) => {
                            let _ = tx.send(Action::Message(format!("export failed: {e}")));
                            return;
                        }
                    };
                    let msg = match write_private(&path, contents.as_bytes(), job.overwrite) {
                        Ok(()) => {
                            let full = std::fs::canonicalize(&path)
                                .map_or(path.clone(), |p| p.display().to_string());
                            format!("wrote {full}")
                        }
                        Err(e) => format!("cannot write {path}: {e}"),
                    };
                    let _ = tx.send(Action::Message(msg));
                });
            }
            Effect::List { generation, loc } => {
                if let Some(data) = data.clone() {
                    let tx = tx.clone();
                    let days = state.audit_days;
                    tokio::task::spawn_blocking(move || {
                        if let Some(list) = lists::ListView::build(&data.graph, &loc.spec, days) {
                            let _ = tx.send(Action::ListReady(
                                generation,
                                loc,
                                action::Handover::new(list),
                            ));
                        }
                    });
                }
            }
            Effect::Detail { generation, target } => {
                if let Some(data) = data.clone() {
                    spawn_detail(data, generation, target, now, tx.clone());
                }
            }
            Effect::Filter { generation, job } => {
                if let Some(data) = data.clone() {
                    let tx = tx.clone();
                    tokio::task::spawn_blocking(move || {
                        let hits = job.run(&data.graph, &data.index);
                        let query = job.into_query();
                        let _ = tx.send(Action::Filtered(generation, query, hits));
                    });
                }
            }
            Effect::Find {
                generation,
                query,
                within,
            } => {
                if let Some(data) = data.clone() {
                    let tx = tx.clone();
                    tokio::task::spawn_blocking(move || {
                        let hits = update::find(&data, &query, within.as_deref());
                        let _ = tx.send(Action::Found(generation, query, hits));
                    });
                }
            }
            Effect::Diff { reference } => {
                if let Some(data) = data.clone() {
                    let tx = tx.clone();
                    tokio::task::spawn_blocking(move || {
                        let a = match diff_with(&data, &reference) {
                            Ok(c) => Action::ChangesReady(data, action::Handover::new(c), true),
                            Err(e) => Action::Message(format!("diff failed: {e}")),
                        };
                        let _ = tx.send(a);
                    });
                }
            }
            Effect::DiffData { old, new } => {
                let tx = tx.clone();
                tokio::task::spawn_blocking(move || {
                    let against = if old.stored {
                        "the stored snapshot"
                    } else {
                        "the previous load"
                    };
                    let title = update::changes_title(against, &old.graph);
                    let c = changes::Changes::diff(old.graph.clone(), new.graph.clone(), title);
                    let _ = tx.send(Action::ChangesReady(new, action::Handover::new(c), false));
                });
            }
            Effect::Clipboard(text) => {
                // OSC 52: the terminal puts it on the clipboard (over SSH too).
                let mut out = std::io::stdout();
                let _ = crossterm::execute!(
                    out,
                    crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
                );
            }
        }
    }
}

/// The data shown against the snapshot `reference` names (`@2`, `@latest`, a file), as a
/// Changes view; an error in one line.
fn diff_with(data: &Data, reference: &str) -> std::result::Result<changes::Changes, String> {
    let g = &data.graph;
    let env = g.environment.id.as_ref().map(ToString::to_string);
    let path = crate::source::snapshot_path(std::path::Path::new(reference), env.as_deref())
        .map_err(|e| e.to_string())?;
    let snapshot = crate::source::seal::read(&path).map_err(|e| e.to_string())?;
    let other = Graph::build(snapshot);
    crate::model::diff::check_same_environment(&other, g)?;
    let title = update::changes_title(reference, &other);
    Ok(changes::Changes::diff(
        std::sync::Arc::new(other),
        data.graph.clone(),
        title,
    ))
}

/// Whether the explorer owns the terminal (raw mode, alternate screen).
static ACTIVE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Gives the terminal back if the explorer has it: for a signal handler about to end the
/// process (SIGTERM), so that the shell is not left in raw mode on the alternate screen.
pub fn restore_terminal_if_active() {
    if ACTIVE.swap(false, std::sync::atomic::Ordering::SeqCst) {
        ratatui::restore();
    }
}

/// Opens the explorer on the source and runs it until the user quits.
pub fn run(src: &SourceArgs, opts: Options) -> Result<()> {
    let (cfg, problems) = config::load();
    // The first problem on the message line, with how many more.
    let cfg_error = problems.first().map(|p| match problems.len() {
        1 => p.clone(),
        n => format!("{p} (and {} more)", n - 1),
    });
    let mouse = opts.mouse || cfg.mouse;
    let mut keymap = keymap::Keymap::default();
    keymap.unbind(&cfg.unbound);
    keymap.merge(cfg.keys.clone());
    let audit_days = cfg.audit;
    let theme = theme::Theme::from_env(&cfg.colors);
    // Credentials first: a prompt for the secret needs the terminal as it is.
    let loader = Source::require(src)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut terminal = ratatui::init();
    ACTIVE.store(true, std::sync::atomic::Ordering::SeqCst);
    if mouse {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture);
    }
    let result = runtime.block_on(event_loop(
        &mut terminal,
        &loader,
        keymap,
        theme,
        cfg_error,
        audit_days,
    ));
    if mouse {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
    }
    if ACTIVE.swap(false, std::sync::atomic::Ordering::SeqCst) {
        ratatui::restore();
    }
    runtime.shutdown_timeout(Duration::from_millis(100));
    result
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    src: &Source,
    keymap: keymap::Keymap,
    theme: theme::Theme,
    cfg_error: Option<String>,
    audit_days: lists::AuditDays,
) -> Result<()> {
    let mut state = State::new(keymap, theme, now_millis());
    state.message = cfg_error;
    state.audit_days = audit_days;
    let size = terminal.size()?;
    update::update(&mut state, Action::Resize(size.width, size.height));
    let (tx, mut rx) = unbounded_channel::<Action>();
    let effects = update::start_load(&mut state);
    run_effects(effects, src, &state, &tx);
    // Terminal events arrive through a channel, so that what is ready can be drained without
    // polling the EventStream with a throwaway waker (which would lose its wake-up).
    let (ev_tx, mut ev_rx) = unbounded_channel::<std::io::Result<Event>>();
    tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(ev) = events.next().await {
            if ev_tx.send(ev).is_err() {
                break;
            }
        }
    });
    let mut tick = tokio::time::interval(Duration::from_secs(15));
    let test_panic = std::env::var_os("PINGSCOPE_TEST_PANIC").is_some();
    let mut dirty = true;
    loop {
        if dirty {
            terminal.draw(|f| ui::draw(f, &state))?;
            dirty = false;
            if test_panic {
                panic!(
                    "PINGSCOPE_TEST_PANIC: a panic inside the event loop, after the first frame"
                );
            }
        }
        if state.quit {
            return Ok(());
        }
        let first = tokio::select! {
            ev = ev_rx.recv() => match ev {
                Some(Ok(ev)) => event_action(&state, ev),
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(()),
            },
            Some(a) = rx.recv() => Some(a),
            _ = tick.tick() => Some(Action::Tick(now_millis())),
        };
        // Apply it, then whatever else is ready, before drawing once. Each key is mapped in the
        // state the keys before it left ("/" then "a" typed together: "a" is filter text).
        let mut next = first;
        loop {
            if let Some(a) = next.take() {
                let eff = update::update(&mut state, a);
                run_effects(eff, src, &state, &tx);
                dirty = true;
            }
            if let Ok(a) = rx.try_recv() {
                next = Some(a);
                continue;
            }
            // An event that means nothing (a key release) leaves `next` empty: look for more.
            match ev_rx.try_recv() {
                Ok(Ok(ev)) => next = event_action(&state, ev),
                _ => break,
            }
        }
    }
}

fn event_action(s: &State, ev: Event) -> Option<Action> {
    match ev {
        Event::Key(k) => action_for_key(s, &k),
        Event::Resize(w, h) => Some(Action::Resize(w, h)),
        Event::Mouse(m) => match m.kind {
            MouseEventKind::Down(_) => Some(Action::Click(m.column, m.row)),
            MouseEventKind::ScrollDown => Some(Action::ScrollDown),
            MouseEventKind::ScrollUp => Some(Action::ScrollUp),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod osc52_tests {
    /// The yank writes OSC 52 with the text in base64 (crossterm's encoder).
    #[test]
    fn the_clipboard_sequence_is_osc52_in_base64() {
        use crossterm::Command;
        let mut out = String::new();
        crossterm::clipboard::CopyToClipboard::to_clipboard_from("abc-12")
            .write_ansi(&mut out)
            .unwrap();
        assert_eq!(out, "\x1b]52;c;YWJjLTEy\x1b\\");
    }
}
