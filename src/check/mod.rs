//! The orchestration of one check, in one place: registry → fetch → extract → store → compare →
//! assess → report, then what every check does after (dates, ledger, saved report, outputs,
//! notification). [`check`] is the one entry point for `check`, `watch` and `demo`: they say
//! what to do with the result and choose how to show it.
//!
//! Each selected source is one task: it fetches (async, limited by the fetcher), then does the
//! CPU and file work (parse, extract, record, diff, assess that source's facts) and returns only
//! its rows of the report, so no page text outlives its task. A failing source becomes a failed
//! row, never an error of the run; only trouble with the store itself (I/O, a corrupt state
//! file) stops the check.
//!
//! The CPU work of an ordinary page runs inline on the runtime's worker threads (one per core),
//! not on the blocking pool: it is short (about a millisecond a page), holds no DOM across an
//! await (scraper's `Html` is not `Send` and never crosses one), and the hand-off to another
//! thread per page cost about a fifth of the wall time at 1,000 pages. A large body (256 KiB and
//! up) or a changed page, whose work can take seconds, is done under `block_in_place`: the
//! worker hands its other tasks to another thread first, so fetches in flight go on and their
//! timeouts measure the network, not another source's parse.
//!
//! All the work on one source's page shares one deadline, `timeout_secs` from the moment its
//! body is in (`Job::deadline`): extraction, the selector search, re-extraction, assessment.
//! Past it each stage stops and says so, and facts stay flagged (docs/registry.md, "Limits").
//!
//! ```text
//! check/
//!   mod.rs      check(): plan, one task per source, the report, then finish()
//!   plan.rs     --source / --route → a SourcePlan per source to capture
//!   source.rs   one source down the pipe
//!   confirm.rs  a new text fetched once more before it is reported
//!   wall.rs     a page whose words read as a challenge, judged against its baseline
//!   refresh.rs  the one way dates are written (--refresh, verify)
//!   output.rs   the finished report written where the caller asked
//! ```

mod confirm;
mod output;
mod plan;
mod refresh;
mod shard;
mod source;
mod take;
mod wall;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{NaiveDate, Utc};

use crate::assess::Day;
use crate::fetch::{Fetcher, HostKey};
use crate::notify::Notifier;
use crate::outcome::Outcome;
use crate::registry::{FactId, FactPos, Registry};
use crate::report::{FactReport, Report, RowsBuilder, SCHEMA_VERSION, Summary};
use crate::store::{Store, StoreError, VerifiedBy};
use crate::term::Progress;
pub(crate) use output::Output;
use plan::Lanes;
pub(crate) use refresh::{RefreshError, write_verified};
pub(crate) use shard::{Shard, merge_store};
use source::{Job, Shared};

#[derive(Debug, thiserror::Error)]
pub(crate) enum CheckError {
    #[error("unknown source {shown}{hint}", shown = crate::registry::shown_id(.0), hint = .1)]
    UnknownSource(String, String),
    #[error("unknown route {shown}{hint}", shown = crate::registry::shown_id(.0), hint = .1)]
    UnknownRoute(String, String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot build the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
    #[error("a capture task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error(transparent)]
    Refresh(#[from] RefreshError),
    #[error("keeping the report's rows in a temporary file in the store: {0}")]
    Spill(std::io::Error),
    #[error("writing the report to {}: {source}", path.display())]
    Output {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// `selector_missing` hints searched for in one run: each can take a second parse and dozens of
/// walks of the page; past this, a broken selector is still named, without a suggestion.
const HINTS_PER_RUN: usize = 8;

/// `--source`, `--route` and `--shard` as given; none means everything.
#[derive(Debug, Clone, Default)]
pub(crate) struct Selection {
    pub(crate) sources: Vec<String>,
    pub(crate) routes: Vec<String>,
    /// `--shard I/N`: only the sources (and route pages) on this shard's hosts.
    pub(crate) shard: Option<Shard>,
}

/// What a check is asked to do besides capturing.
#[derive(Default)]
pub(crate) struct Request<'a> {
    pub(crate) selection: Selection,
    /// The day facts are judged on (`--today`).
    pub(crate) today: NaiveDate,
    /// `--refresh`: re-verified facts get `last_verified = today`.
    pub(crate) refresh: bool,
    pub(crate) notifier: Option<&'a Notifier>,
    /// The terminal's progress line: told the hosts it will wait on and each source as its
    /// capture is recorded.
    pub(crate) progress: Option<&'a Progress>,
    /// Where the finished report is written, besides `LAST_CHECK.json`.
    pub(crate) outputs: Vec<Output>,
}

/// How a check ended.
pub(crate) enum Ended {
    Finished(Box<Report>),
    /// Stopped by a signal: the captures recorded before it are kept (each was written
    /// atomically); nothing after the captures (dates, ledger, reports) was done.
    Interrupted,
}

/// One whole check: captures every selected source and records it, assesses the facts, then
/// moves re-verified dates (`refresh`), merges what was learnt into the fact ledger, keeps the
/// report for `report` and `status`, writes the `outputs` and announces new findings. When
/// `stop` resolves first (SIGINT, SIGTERM), the captures in flight are abandoned and every
/// browser is killed.
pub(crate) async fn check(
    registry: &Arc<Registry>,
    store: &Arc<Store>,
    request: &Request<'_>,
    stop: impl std::future::Future<Output = ()>,
) -> Result<Ended, CheckError> {
    let (mut report, verified) = tokio::select! {
        captured = capture(registry, store, request) => captured?,
        () = stop => {
            crate::fetch::kill_browsers();
            return Ok(Ended::Interrupted);
        }
    };
    finish(registry, store, &mut report, verified, request).await?;
    Ok(Ended::Finished(Box::new(report)))
}

/// What the fact rows say was verified, gathered as they are made: `finish` then needs no pass
/// over rows that a large check keeps in a file.
#[derive(Default)]
struct Verified {
    /// Facts whose date this check moves (`--refresh`), with their place in the registry.
    refreshed: Vec<(Option<FactPos>, FactId)>,
    /// Facts the machine re-verified, and the day.
    by_machine: Vec<(FactId, NaiveDate)>,
}

/// Captures, records and assesses every selected source; the report, rows in file order, and
/// what its facts say was verified.
async fn capture(
    registry: &Arc<Registry>,
    store: &Arc<Store>,
    request: &Request<'_>,
) -> Result<(Report, Verified), CheckError> {
    let started_at = Utc::now();
    let plans = plan::plan(registry, &request.selection)?;
    if let Some(p) = request.progress {
        p.start(plans.iter().map(|p| HostKey::of(&p.source.url).to_string()));
    }
    let shared = Arc::new(Shared {
        fetcher: Fetcher::new(&registry.settings, &registry.sources)?,
        ledger: store.ledger()?,
        registry: registry.clone(),
        store: store.clone(),
        day: Day {
            today: request.today,
            refresh: request.refresh,
        },
        verified_on: request.today.min(started_at.date_naive()),
        hints: std::sync::atomic::AtomicUsize::new(HINTS_PER_RUN),
    });
    // The routes' own pages are read beside the sources, through the same gates.
    let mut page_tasks = tokio::task::JoinSet::new();
    for route in plan::pages(registry, &plans, request.selection.shard) {
        let (shared, id) = (shared.clone(), route.id.clone());
        // The page as last read well: what a challenge is told from, and what a wall leaves.
        let stored = crate::site::load(store, &id)?.and_then(|c| c.page);
        page_tasks.spawn(async move {
            let route = shared.registry.route(&id).expect("a planned route");
            let settings = &shared.registry.settings;
            let capture =
                crate::site::capture(&shared.fetcher, route, settings, stored.as_ref()).await;
            (id, capture, stored.is_some())
        });
    }
    // Rows go to their builder as jobs finish, which spills them to a file in a large check:
    // at 100,000 sources they are over 100 MB.
    let mut sources = RowsBuilder::new(plans.len(), store.dir()).map_err(CheckError::Spill)?;
    let facts_planned = plans.iter().map(|p| p.facts.len()).sum();
    let mut facts = RowsBuilder::new(facts_planned, store.dir()).map_err(CheckError::Spill)?;
    let (mut summary, mut verified) = (Summary::default(), Verified::default());
    let mut lanes = Lanes::new(plans, &registry.settings);
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        while let Some((i, host, plan)) = lanes.next() {
            let job = Job::new(shared.clone(), plan);
            tasks.spawn(async move { (i, host, job.run().await) });
        }
        let Some(joined) = tasks.join_next().await else {
            break;
        };
        let (i, host, rows) = joined?;
        lanes.finished(&host);
        let rows = rows?;
        if let Some(p) = request.progress {
            p.done(&host.to_string(), !rows.source.capture.outcome.is_good());
        }
        summary.count_source(&rows.source);
        sources.push(i, rows.source).map_err(CheckError::Spill)?;
        for (_, mut f) in rows.facts {
            crate::report::name_route(&mut f, registry);
            summary.count_fact(&f);
            // Facts in registry order, whatever order their sources finished in.
            let place = registry.fact_pos(&f.id);
            if f.refreshed {
                verified.refreshed.push((place, f.id.clone()));
            }
            if let Some(day) = f.machine_verified {
                verified.by_machine.push((f.id.clone(), day));
            }
            facts.push(place, f).map_err(CheckError::Spill)?;
        }
    }
    let sources = sources.finish().map_err(CheckError::Spill)?;
    let mut facts = facts.finish().map_err(CheckError::Spill)?;
    let mut pages = HashMap::new();
    while let Some(joined) = page_tasks.join_next().await {
        let (id, capture, read_before) = joined?;
        // A wall is never the page: the read it stood in front of stays.
        if !(capture.outcome == Outcome::Blocked && read_before) {
            crate::site::save(store, &id, &capture)?;
        }
        pages.insert(id, capture);
    }
    if request.selection.shard.is_some() {
        // A route page on another shard's host is judged as that shard last read it, so this
        // shard's facts are flagged (exit code, webhook) when their page no longer agrees.
        for (id, capture) in crate::site::load_all(registry, store)? {
            pages.entry(id).or_insert(capture);
        }
    }
    let routes = crate::report::routes::judge_pages(registry, &pages, &mut facts)
        .map_err(CheckError::Spill)?;
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        tool: format!("sourcewatch {}", env!("CARGO_PKG_VERSION")),
        today: request.today,
        started_at,
        finished_at: Utc::now(),
        summary: summary.with_routes(&routes),
        sources,
        facts,
        routes,
    };
    if !report.routes.is_empty() {
        // Route pages flag facts: counted again from the rows.
        report.summarise();
    }
    // No sync here: the store syncs once when the run lets go of it (see `atomic`).
    Ok((report, verified))
}

/// What every check does once its captures are recorded: write the dates its rows already
/// carry, merge what it learnt into the fact ledger, keep the report, write the outputs,
/// announce new findings.
async fn finish(
    registry: &Registry,
    store: &Store,
    report: &mut Report,
    verified: Verified,
    request: &Request<'_>,
) -> Result<(), CheckError> {
    // Written in registry order, as the log of verifications and any warning list them.
    let Verified {
        mut refreshed,
        by_machine,
    } = verified;
    refreshed.sort_by_key(|(place, _)| *place);
    let refreshed: Vec<FactId> = refreshed.into_iter().map(|(_, id)| id).collect();
    // A shard waits here for the others to be done with the files they all write.
    let _shared = store.shared_files()?;
    if !refreshed.is_empty() {
        let skipped = write_verified(
            registry,
            store,
            &refreshed,
            request.today,
            VerifiedBy::Machine,
        )?;
        if !skipped.is_empty() {
            // Edited by hand during the run: the row says what the file still says.
            let undo = |f: &mut FactReport| {
                if !skipped.contains(&f.id) {
                    return false;
                }
                let Some(fact) = registry.fact(f.id.as_str()) else {
                    return false;
                };
                let fresh = crate::assess::freshness(
                    fact.last_verified,
                    fact.stale_after_days,
                    request.today,
                );
                f.refreshed = false;
                f.verified_by = None;
                (f.last_verified, f.age_days, f.due) =
                    (fact.last_verified, fresh.age_days, fresh.due);
                if fresh.stale && !f.flags.contains(&crate::outcome::Flag::Stale) {
                    f.flags.insert(0, crate::outcome::Flag::Stale);
                }
                true
            };
            report.facts.update_all(undo).map_err(CheckError::Spill)?;
            report.summarise();
        }
    }
    // Merged fact by fact: a partial check leaves the others as they were; a fact no longer
    // in sources.toml is dropped (its verifications stay in VERIFICATIONS.jsonl).
    store.update_ledger(|ledger| {
        ledger
            .facts
            .retain(|id, _| registry.fact(id.as_str()).is_some());
        for (id, day) in by_machine {
            let record = ledger.facts.entry(id).or_default();
            record.machine_verified = record.machine_verified.max(Some(day));
        }
    })?;
    let saved_json = if store.is_shard() {
        // The last check is all shards' latest rows together: `report` after every shard
        // has run shows what one whole run would.
        let whole = shard::into_last_check(registry, store, report)?;
        store.save_last_check(|out| crate::report::write_pretty_json(out, &whole))?;
        None
    } else {
        store.save_last_check(|out| crate::report::write_pretty_json(out, &*report))?;
        Some(store.last_check_path())
    };
    for output in &request.outputs {
        output.write(report, saved_json.as_deref())?;
    }
    if let Some(notifier) = request.notifier {
        notifier.announce(store, report).await;
    }
    Ok(())
}
