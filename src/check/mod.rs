//! The orchestration of one check, in one place: registry → fetch → extract → store → compare →
//! assess → report.
//!
//! Each selected source is one task: it fetches (async, limited by the fetcher), then does the
//! CPU and file work (parse, extract, record, diff, assess that source's facts) and returns only
//! its rows of the report, so no page text outlives its task. A failing source becomes a failed
//! row, never an error of the run; only trouble with the store itself (I/O, a corrupt state
//! file) stops the check.
//!
//! The CPU work runs inline on the runtime's worker threads (one per core), not on the blocking
//! pool: it is short (about a millisecond a page), holds no DOM across an await (scraper's `Html`
//! is not `Send` and never crosses one), and the hand-off to another thread per page cost about
//! a fifth of the wall time at 1,000 pages. A worker busy parsing is the point of a CPU-bound
//! batch job; fetches in flight wait for the next free worker.

//!
//! ```text
//! check/
//!   mod.rs      run(): plan, one task per source, the report; finish(): what every check
//!               does after (refresh, save, notify), for `check`, `watch` and `demo` alike
//!   plan.rs     --source / --route → sources to capture, facts to assess
//!   source.rs   one source down the pipe
//!   wall.rs     a page whose words read as a challenge, judged against its baseline
//!   refresh.rs  --refresh, and the one way dates are written (verify too)
//! ```

mod plan;
mod refresh;
mod source;
mod wall;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{NaiveDate, Utc};

use crate::fetch::Fetcher;
use crate::notify::Notifier;
use crate::registry::Registry;
use crate::report::{Report, SCHEMA_VERSION, Summary};
use crate::store::{Store, StoreError};
use crate::term::Progress;
pub(crate) use refresh::{RefreshError, write_verified};
use source::{Job, SourceRows};

#[derive(Debug, thiserror::Error)]
pub(crate) enum CheckError {
    #[error("unknown source {0:?}{1}")]
    UnknownSource(String, String),
    #[error("unknown route {0:?}{1}")]
    UnknownRoute(String, String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot build the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
    #[error("a capture task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error(transparent)]
    Refresh(#[from] RefreshError),
}

/// `selector_missing` hints searched for in one run: each can take a second parse and dozens of
/// walks of the page; past this, a broken selector is still named, without a suggestion.
const HINTS_PER_RUN: usize = 8;

/// `--source` and `--route` as given; both empty means everything.
#[derive(Debug, Clone, Default)]
pub(crate) struct Selection {
    pub(crate) sources: Vec<String>,
    pub(crate) routes: Vec<String>,
}

/// Runs one check and records every capture in `store`. The caller then calls [`finish`].
pub(crate) async fn run(
    registry: Arc<Registry>,
    store: Arc<Store>,
    selection: &Selection,
    today: NaiveDate,
) -> Result<Report, CheckError> {
    run_with(registry, store, selection, today, None).await
}

/// [`run`], telling `progress` (the terminal's progress line) the hosts it will wait on and each
/// source as its capture is recorded.
pub(crate) async fn run_with(
    registry: Arc<Registry>,
    store: Arc<Store>,
    selection: &Selection,
    today: NaiveDate,
    progress: Option<&Progress>,
) -> Result<Report, CheckError> {
    let started_at = Utc::now();
    let plan = plan::plan(&registry, selection)?;
    let host = |si: usize| host(&registry.sources[si].url);
    if let Some(p) = progress {
        p.start(plan.sources.iter().map(|&si| host(si)));
    }
    let fetcher = Arc::new(Fetcher::new(&registry.settings, &registry.sources)?);
    let ledger = Arc::new(store.ledger()?);
    let hints = Arc::new(std::sync::atomic::AtomicUsize::new(HINTS_PER_RUN));
    let mut tasks = tokio::task::JoinSet::new();
    for &si in &plan.sources {
        let source = registry.sources[si].clone();
        let job = Job {
            state: Default::default(),
            notes: Vec::new(),
            baseline_text: None,
            hints: hints.clone(),
            registry: registry.clone(),
            store: store.clone(),
            source,
            facts: plan.facts.get(&si).cloned().unwrap_or_default(),
            today,
            ledger: ledger.clone(),
        };
        let fetcher = fetcher.clone();
        tasks.spawn(async move { (si, job.run(&fetcher).await) });
    }
    let mut by_source: HashMap<usize, SourceRows> = HashMap::new();
    while let Some(joined) = tasks.join_next().await {
        let (si, rows) = joined?;
        let rows = rows?;
        if let Some(p) = progress {
            p.done(&host(si), !rows.0.capture.outcome.is_good());
        }
        by_source.insert(si, rows);
    }
    let mut sources = Vec::with_capacity(plan.sources.len());
    let mut facts = Vec::new();
    for si in &plan.sources {
        let (src, fact_rows) = by_source.remove(si).expect("every task reported");
        sources.push(src);
        facts.extend(fact_rows);
    }
    // Facts in registry order, whatever order their sources finished in.
    facts.sort_by_key(|(pos, _)| *pos);
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        tool: format!("sourcewatch {}", env!("CARGO_PKG_VERSION")),
        today,
        started_at,
        finished_at: Utc::now(),
        summary: Summary::default(),
        sources,
        facts: facts.into_iter().map(|(_, f)| f).collect(),
    };
    crate::report::name_routes(&mut report.facts, &registry);
    report.summarise();
    // No sync here: the store syncs once when the run lets go of it (see `atomic`).
    Ok(report)
}

/// A URL's host as a person names it, with the port when it is not the scheme's.
fn host(url: &reqwest::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => url.to_string(),
    }
}

/// What a check does once its captures are recorded, whoever ran it.
#[derive(Default)]
pub(crate) struct Finish<'a> {
    /// `--refresh`: move the dates of re-verified facts.
    pub(crate) refresh: bool,
    pub(crate) notifier: Option<&'a Notifier>,
}

/// The one path after a check, for `check`, `watch` and `demo`: refresh dates if asked, merge
/// what the check learnt into the fact ledger, keep the report for `report`, announce new
/// findings. Rendering is the caller's.
pub(crate) async fn finish(
    registry: &Registry,
    store: &Store,
    report: &mut Report,
    finish: Finish<'_>,
) -> Result<(), CheckError> {
    if finish.refresh {
        refresh::refresh(registry, store, report)?;
    }
    // Merged fact by fact: a partial check leaves the others as they were.
    store.update_ledger(|ledger| {
        for f in &report.facts {
            if let Some(day) = f.machine_verified {
                let record = ledger.facts.entry(f.id.clone()).or_default();
                record.machine_verified = record.machine_verified.max(Some(day));
            }
        }
    })?;
    store.save_last_check(report.to_json().as_bytes())?;
    if let Some(notifier) = finish.notifier {
        notifier.announce(store, report).await;
    }
    Ok(())
}
