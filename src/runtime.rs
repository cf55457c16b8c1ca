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

/// Runs CPU work that may be long where it does not hold up the runtime: the worker thread
/// hands its other tasks to another thread first (`block_in_place`), so fetches in flight go on
/// and their timeouts measure the network, not another source's parse. No DOM crosses a thread.
pub(crate) fn heavy<R>(work: impl FnOnce() -> R) -> R {
    if multi_thread() {
        tokio::task::block_in_place(work)
    } else {
        work()
    }
}

/// [`heavy`] for work that is a future (extraction, which may run `pdftotext`).
pub(crate) async fn heavy_async<F: std::future::Future>(work: F) -> F::Output {
    if multi_thread() {
        tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(work))
    } else {
        work.await
    }
}

/// `block_in_place` needs the multi-thread runtime (every command's: see [`build`]).
fn multi_thread() -> bool {
    tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread)
}
