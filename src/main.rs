use std::process::ExitCode;

use color_eyre::eyre::Result;
use pingscope::cli::{Cli, EXIT_INCOMPLETE, Incomplete};

/// mimalloc instead of the system allocator: a million users are tens of millions of small
/// allocations (read faster), and memory freed while the graph is built goes back to the OS
/// instead of staying resident (the peak of `stats` at 1M users: see README "Performance").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in the vendored `mimalloc.h` of libmimalloc-sys 0.1.49 (its Rust
/// bindings name the options before and after it, not this one).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // Freed memory goes back to the OS at once instead of 10 ms later: the peak of a load is
    // what counts here (100,000 users: 114 MiB instead of 154; a million: 895 MiB instead of 923).
    // SAFETY: sets a plain integer option of the allocator; no memory is touched.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    // Installs the panic and error report hooks (before any terminal setup: the order matters).
    let _ = color_eyre::install();
    on_signals();
    let result = dispatch(pingscope::cli::parse());
    // Quitting the explorer while a load runs: what it read stays for the next load.
    pingscope::source::checkpoint::flush_open();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // `pingscope export | head` closes the pipe early: that is not an error.
            if err.chain().any(broken_pipe) {
                return ExitCode::SUCCESS;
            }
            eprintln!("pingscope: {}", pingscope::source::one_line(&err));
            if err.downcast_ref::<Incomplete>().is_some() {
                return ExitCode::from(EXIT_INCOMPLETE);
            }
            ExitCode::FAILURE
        }
    }
}

/// The explorer, or one command: `main` is the only place that knows both faces.
fn dispatch(cli: Cli) -> Result<()> {
    if pingscope::cli::wants_explorer(&cli)? {
        return pingscope::tui::run(&cli.source, pingscope::tui::Options { mouse: cli.mouse });
    }
    pingscope::cli::run(cli)
}

/// SIGINT or SIGTERM: make the load's checkpoint durable, remove the temporary file of a
/// snapshot being written, then end as the signal would have (status 128 + signal).
fn on_signals() {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
            return;
        };
        std::thread::spawn(move || {
            if let Some(sig) = signals.forever().next() {
                // What the load read so far stays, for the next load to continue from.
                pingscope::source::checkpoint::flush_open();
                pingscope::model::snapshot::remove_unfinished();
                pingscope::tui::restore_terminal_if_active();
                std::process::exit(128 + sig);
            }
        });
    }
}

/// A closed output pipe, however wrapped: the CSV writer hands it back inside an `io::Error` of
/// another kind.
fn broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    if let Some(io) = e.downcast_ref::<std::io::Error>() {
        return io.kind() == std::io::ErrorKind::BrokenPipe
            || io.get_ref().is_some_and(|inner| broken_pipe(inner));
    }
    match e.downcast_ref::<csv::Error>().map(csv::Error::kind) {
        Some(csv::ErrorKind::Io(io)) => io.kind() == std::io::ErrorKind::BrokenPipe,
        _ => false,
    }
}
