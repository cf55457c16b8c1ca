//! The one tokio runtime every command that fetches runs on, and the signals that end it.
//!
//! Two worker threads, one per core of the machines we run on: a check is a CPU-bound batch
//! (parsing dominates), so more threads would only contend.

use std::time::Duration;

pub(crate) fn build() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

/// How long blocking work of an abandoned run (an atomic write, a parse) gets to finish when
/// the runtime shuts down after a signal.
pub(crate) const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// SIGINT or SIGTERM, whichever comes first.
pub(crate) async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
