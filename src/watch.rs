//! `watch`: one scheduler for all sources, until SIGINT or SIGTERM.
//!
//! Each source has its own next due time from its schedule (or the settings'). The loop sleeps
//! until the earliest, runs every source due by then as one check, writes that run's reports
//! (JSON and Markdown, timestamped, plus `latest.json`), notifies, and computes the next due
//! times of the sources that ran from the moment the run ended, so a run that overruns a fire
//! time coalesces instead of piling up. `sources.toml` is reloaded when it changes; an invalid new
//! file is logged and the old one kept. Sources that missed their last scheduled run (the job
//! was down) run once at start, and so do sources never captured, at start or on the reload that
//! added them (a daily schedule would otherwise leave a new source unread for a day). A signal ends the sleep at once; a run in flight is abandoned,
//! which the store is built to survive (every write is atomic), and the process exits 0.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, NaiveDate, Utc};
use reqwest::Url;

use crate::check::{self, Selection};
use crate::notify::Notifier;
use crate::registry::{self, Registry};
use crate::store::{Store, StoreError};

pub(crate) struct WatchOptions {
    pub(crate) config: PathBuf,
    pub(crate) today: Option<NaiveDate>,
    pub(crate) report_dir: Option<PathBuf>,
    pub(crate) keep_reports: usize,
    pub(crate) notify: Option<Url>,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum WatchError {
    #[error(transparent)]
    Registry(#[from] registry::RegistryError),
    #[error("cannot write reports to {}: {source}", dir.display())]
    Reports {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("cannot build the notification client: {0}")]
    Notify(#[from] reqwest::Error),
}

fn file_stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}

pub(crate) fn run(opts: WatchOptions) -> Result<(), WatchError> {
    let runtime = crate::runtime::build()?;
    let result = runtime.block_on(watch_loop(opts));
    runtime.shutdown_timeout(crate::runtime::SHUTDOWN_GRACE);
    result
}

async fn watch_loop(opts: WatchOptions) -> Result<(), WatchError> {
    let today = || opts.today.unwrap_or_else(|| Utc::now().date_naive());
    let mut registry = Arc::new(registry::load(&opts.config, today())?);
    let mut stamp = file_stamp(&opts.config);
    let report_dir = opts.report_dir.clone().unwrap_or_else(|| {
        opts.config
            .parent()
            .unwrap_or(Path::new("."))
            .join("reports")
    });
    std::fs::create_dir_all(&report_dir).map_err(|source| WatchError::Reports {
        dir: report_dir.clone(),
        source,
    })?;
    let notifier = Notifier::configured(&registry.settings, opts.notify.as_ref())?;
    let mut shutdown = Box::pin(crate::runtime::shutdown_signal());

    let now = Utc::now();
    let mut due: HashMap<String, DateTime<Utc>> = HashMap::new();
    schedule_all(&registry, &mut due, now);
    if let Ok(store) = Store::open_read(&registry.settings.snapshots_dir) {
        for (id, missed_at) in crate::status::missed(&registry, &store, now) {
            tracing::warn!(source = %id, "missed its run due {missed_at}; running it now");
            due.insert(id, now);
        }
    }
    capture_new_now(&registry, &mut due, now);

    loop {
        let Some(next) = due.values().min().copied() else {
            tracing::warn!("no sources to watch; waiting for sources.toml to change");
            tokio::select! {
                _ = &mut shutdown => break,
                _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            }
            reload(&opts.config, &mut registry, &mut stamp, &mut due, today());
            continue;
        };
        let mut batch: Vec<&String> = due
            .iter()
            .filter(|(_, t)| **t <= next)
            .map(|(id, _)| id)
            .collect();
        batch.sort();
        tracing::info!(
            "next run at {} for {}: {}",
            next.format("%Y-%m-%d %H:%M:%S UTC"),
            crate::term::count(batch.len(), "source", "sources"),
            batch
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        // Sleep in short steps so a changed sources.toml is picked up while waiting.
        loop {
            let wait = (next - Utc::now()).to_std().unwrap_or(Duration::ZERO);
            if wait.is_zero() {
                break;
            }
            tokio::select! {
                _ = &mut shutdown => {
                    tracing::info!("stopping");
                    return Ok(());
                }
                _ = tokio::time::sleep(wait.min(Duration::from_secs(2))) => {}
            }
            if reload(&opts.config, &mut registry, &mut stamp, &mut due, today()) {
                break;
            }
        }
        let now = Utc::now();
        let ready: Vec<String> = due
            .iter()
            .filter(|(_, t)| **t <= now)
            .map(|(id, _)| id.clone())
            .collect();
        if ready.is_empty() {
            continue; // the registry changed under us; recompute
        }
        let finished = run_once(
            &registry,
            &ready,
            today(),
            check::Output::Runs {
                dir: report_dir.clone(),
                keep: opts.keep_reports,
            },
            notifier.as_ref(),
            &mut shutdown,
        )
        .await;
        if !finished {
            tracing::info!(
                "stopping: the run in flight is abandoned (captures already recorded are kept)"
            );
            return Ok(());
        }
        let after = Utc::now();
        for id in &ready {
            if let Some(source) = registry.source(id) {
                let next = registry
                    .schedule_of(source)
                    .next_in(registry.settings.timezone, &after);
                match next {
                    Some(t) => due.insert(id.clone(), t),
                    None => due.remove(id),
                };
            }
        }
    }
    tracing::info!("stopping");
    Ok(())
}

fn schedule_all(registry: &Registry, due: &mut HashMap<String, DateTime<Utc>>, now: DateTime<Utc>) {
    let tz = registry.settings.timezone;
    for s in &registry.sources {
        if let Some(t) = registry.schedule_of(s).next_in(tz, &now) {
            due.entry(s.id.clone()).or_insert(t);
        }
    }
}

/// A source never captured (new in the registry, or the store is new) runs now, at start or on
/// reload, not at its next slot: with a daily schedule it would otherwise wait a day before
/// anyone learns whether its selectors work.
fn capture_new_now(
    registry: &Registry,
    due: &mut HashMap<String, DateTime<Utc>>,
    now: DateTime<Utc>,
) {
    let store = match Store::open_read(&registry.settings.snapshots_dir) {
        Ok(store) => store,
        // No store yet: nothing was ever captured.
        Err(_) => {
            for s in &registry.sources {
                due.insert(s.id.clone(), now);
            }
            return;
        }
    };
    for id in crate::status::never_captured(registry, &store) {
        if due.get(&id).is_none_or(|t| *t > now) {
            tracing::info!(source = %id, "never captured; capturing it now");
            due.insert(id, now);
        }
    }
}

/// Reloads `sources.toml` if it changed. Returns true when the schedule was replaced.
fn reload(
    config: &Path,
    registry: &mut Arc<Registry>,
    stamp: &mut Option<(SystemTime, u64)>,
    due: &mut HashMap<String, DateTime<Utc>>,
    today: NaiveDate,
) -> bool {
    let now_stamp = file_stamp(config);
    if now_stamp == *stamp {
        return false;
    }
    *stamp = now_stamp;
    match registry::load(config, today) {
        Ok(new) => {
            tracing::info!("reloaded {}", config.display());
            // Keep due times of sources whose schedule is unchanged.
            let old = registry.clone();
            due.retain(|id, _| match (old.source(id), new.source(id)) {
                (Some(a), Some(b)) => {
                    old.schedule_of(a).to_string() == new.schedule_of(b).to_string()
                        && old.settings.timezone == new.settings.timezone
                }
                _ => false,
            });
            schedule_all(&new, due, Utc::now());
            capture_new_now(&new, due, Utc::now());
            *registry = Arc::new(new);
            true
        }
        Err(e) => {
            tracing::error!(
                "{} is invalid; keeping the previous version:\n{e}",
                config.display()
            );
            false
        }
    }
}

/// How long a run waits for a store another process holds (a manual `check`, a `verify`):
/// long enough for any check to end, short of the next night's run.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(60 * 60);
/// How often the lock is tried again while waiting.
const LOCK_POLL: std::time::Duration = std::time::Duration::from_millis(500);
/// How often the wait is logged.
const LOCK_LOG_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

enum Waited {
    Open(Store),
    Stopped,
    Failed(StoreError),
}

/// Opens the store, waiting (at most [`LOCK_WAIT`], logged) while another process holds it:
/// one manual check at the wrong minute must not cost a night's run.
async fn open_waiting(
    dir: &std::path::Path,
    mut stop: std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
) -> Waited {
    let started = std::time::Instant::now();
    let mut logged: Option<std::time::Instant> = None;
    loop {
        let e = match Store::open(dir) {
            Ok(s) => {
                if logged.is_some() {
                    tracing::info!(
                        "the store is free after {} s; running",
                        started.elapsed().as_secs()
                    );
                }
                return Waited::Open(s);
            }
            Err(e @ StoreError::Locked { .. }) => e,
            Err(e) => return Waited::Failed(e),
        };
        if started.elapsed() >= LOCK_WAIT {
            tracing::error!(
                "{e}; gave up this run after waiting {} min for it",
                LOCK_WAIT.as_secs() / 60
            );
            return Waited::Failed(e);
        }
        if logged.is_none_or(|at| at.elapsed() >= LOCK_LOG_EVERY) {
            tracing::warn!(
                "{e}; waiting for it (at most {} min) before this run",
                LOCK_WAIT.as_secs() / 60
            );
            logged = Some(std::time::Instant::now());
        }
        tokio::select! {
            () = tokio::time::sleep(LOCK_POLL) => {}
            () = stop.as_mut() => return Waited::Stopped,
        }
    }
}

/// One scheduled run: a check of the sources due, its reports written to `output`. False when
/// `stop` ended it.
async fn run_once(
    registry: &Arc<Registry>,
    ids: &[String],
    today: NaiveDate,
    output: check::Output,
    notifier: Option<&Notifier>,
    stop: impl std::future::Future<Output = ()>,
) -> bool {
    let mut stop = std::pin::pin!(stop);
    let store = match open_waiting(&registry.settings.snapshots_dir, stop.as_mut()).await {
        Waited::Open(s) => Arc::new(s),
        Waited::Stopped => return false,
        Waited::Failed(e) => {
            tracing::error!("run failed: {e}");
            return true;
        }
    };
    let request = check::Request {
        selection: Selection {
            sources: ids.to_vec(),
            routes: Vec::new(),
            shard: None,
        },
        today,
        notifier,
        outputs: vec![output],
        ..Default::default()
    };
    match check::check(registry, &store, &request, stop).await {
        Ok(check::Ended::Interrupted) => false,
        Ok(check::Ended::Finished(report)) => {
            // The one line a run leaves in the log (the progress line is for terminals).
            let s = &report.summary;
            tracing::info!(
                "run done: {} ({} changed, {} failed), {} flagged",
                crate::term::count(s.sources, "source", "sources"),
                s.changed,
                s.failed,
                crate::term::count(s.flags.flagged, "fact", "facts")
            );
            true
        }
        Err(e) => {
            tracing::error!("run failed: {e}");
            true
        }
    }
}
