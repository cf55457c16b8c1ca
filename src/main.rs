use std::process::ExitCode;

use sourcewatch::app::{self, Exit};
use sourcewatch::cli::{Cli, Command};
use sourcewatch::term::{self, Stream};

fn main() -> ExitCode {
    let cli = match Cli::from_env() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                Exit::Trouble as u8
            } else {
                0
            });
        }
    };
    // A long-running service logs its schedule by default.
    let service = matches!(cli.command, Command::Watch { .. });
    init_tracing(
        cli.verbose + u8::from(service),
        cli.quiet,
        term::colour(cli.color.forced(), Stream::Stderr),
    );
    match app::run(cli) {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(e) => {
            eprintln!("error: {}", causes(&e));
            ExitCode::from(Exit::Trouble as u8)
        }
    }
}

/// Logs go to standard error, coloured only when `colour` (a terminal, or `--color always`): a
/// log file, a pipe or journald gets no escape codes.
fn init_tracing(verbose: u8, quiet: bool, colour: bool) {
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "sourcewatch=info",
        (false, _) => "sourcewatch=debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(term::LogWriter)
        .with_ansi(colour)
        .with_target(false)
        .init();
}

/// The error and its causes, each said once: many errors already print their cause ("path: No
/// such file or directory"), and anyhow's chain would say it again.
fn causes(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !out.contains(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
    }
    out
}
