use std::process::ExitCode;

use clap::Parser;
use pingscope::cli::{Cli, run};

fn main() -> ExitCode {
    // Installs the panic and error report hooks (before any terminal setup: the order matters).
    let _ = color_eyre::install();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // `pingscope export | head` closes the pipe early: that is not an error.
            if err
                .chain()
                .filter_map(|e| e.downcast_ref::<std::io::Error>())
                .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            let line: Vec<String> = err.chain().map(ToString::to_string).collect();
            eprintln!("pingscope: {}", line.join(": "));
            ExitCode::FAILURE
        }
    }
}
