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

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::{NaiveDate, Utc};

use crate::assess::{CurrentText, assess};
use crate::compare;
use crate::extract::{self, ExtractError};
use crate::fetch::{FetchError, Fetched, Fetcher};
use crate::outcome::Outcome;
use crate::registry::{Format, Registry, Render, Source, did_you_mean};
use crate::report::{DiffHunk, FactReport, Report, SCHEMA_VERSION, SourceReport, Summary};
use crate::store::{
    GoodCapture, LogEntry, SourceState, Store, StoreError, Validators, Verification,
};

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
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
}

#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub sources: Vec<String>,
    pub routes: Vec<String>,
}

/// Which sources to capture and which facts to assess, by index into the registry.
struct Plan {
    sources: Vec<usize>,
    /// Per selected source index: the (route index, fact index) pairs assessed against it.
    facts: HashMap<usize, Vec<(usize, usize)>>,
}

fn plan(registry: &Registry, selection: &Selection) -> Result<Plan, CheckError> {
    let source_index: HashMap<&str, usize> = registry
        .sources
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    for id in &selection.sources {
        if !source_index.contains_key(id.as_str()) {
            let h = did_you_mean(id, registry.sources.iter().map(|s| s.id.as_str()));
            return Err(CheckError::UnknownSource(id.clone(), h));
        }
    }
    for id in &selection.routes {
        if !registry.routes.iter().any(|r| &r.id == id) {
            let h = did_you_mean(id, registry.routes.iter().map(|r| r.id.as_str()));
            return Err(CheckError::UnknownRoute(id.clone(), h));
        }
    }
    let everything = selection.sources.is_empty() && selection.routes.is_empty();
    let mut wanted_sources: Vec<bool> = registry
        .sources
        .iter()
        .map(|s| everything || selection.sources.contains(&s.id))
        .collect();
    let mut facts: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
    for (ri, route) in registry.routes.iter().enumerate() {
        let route_selected = selection.routes.contains(&route.id);
        for (fi, fact) in route.facts.iter().enumerate() {
            let si = source_index[fact.source.as_str()];
            if everything || route_selected || selection.sources.contains(&fact.source) {
                wanted_sources[si] = true;
                facts.entry(si).or_default().push((ri, fi));
            }
        }
    }
    Ok(Plan {
        sources: (0..registry.sources.len())
            .filter(|i| wanted_sources[*i])
            .collect(),
        facts,
    })
}

/// `check --refresh`: moves `last_verified` to today for every fact re-verified by this run (its
/// quote found on a source that is `unchanged`, or `new` today; without a quote, its source
/// `unchanged`), in `sources.toml` and in the report, and records that a machine did it.
pub fn refresh(
    registry: &Registry,
    store: &Store,
    report: &mut Report,
) -> Result<usize, RefreshError> {
    let today = report.today;
    let mut updates = Vec::new();
    for f in &mut report.facts {
        let Some(src) = report.sources.iter().find(|s| s.id == f.source) else {
            continue;
        };
        let reverified = match (f.quote.is_some(), src.outcome) {
            (true, Outcome::Unchanged | Outcome::New) => f.quote_found == Some(true),
            (false, Outcome::Unchanged) => true,
            _ => false,
        };
        if reverified && f.last_verified != today {
            updates.push((f.route.clone(), f.id.clone()));
            f.last_verified = today;
            f.age_days = 0;
            f.due = today + chrono::Days::new(f.stale_after_days.into());
            f.flags.retain(|fl| *fl != crate::outcome::Flag::Stale);
            f.refreshed = true;
            f.verified_by = Some(crate::report::VerifiedBy::Machine);
        }
    }
    if updates.is_empty() {
        return Ok(0);
    }
    let edits: Vec<(&str, &str, NaiveDate)> = updates
        .iter()
        .map(|(route, id)| (route.as_str(), &id[route.len() + 1..], today))
        .collect();
    crate::registry::edit::set_last_verified(&registry.path, &edits)?;
    let at = Utc::now();
    let log: Vec<Verification> = updates
        .iter()
        .map(|(_, id)| Verification {
            at,
            fact: id.clone(),
            date: today,
            by: crate::report::VerifiedBy::Machine,
        })
        .collect();
    store.record_verifications(&log)?;
    store.sync()?;
    report.summarise();
    Ok(updates.len())
}

#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error(transparent)]
    Edit(#[from] crate::registry::edit::EditError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Runs one check and records every capture in `store`. The caller saves and renders the report.
pub async fn run(
    registry: Arc<Registry>,
    store: Arc<Store>,
    selection: &Selection,
    today: NaiveDate,
) -> Result<Report, CheckError> {
    let started_at = Utc::now();
    let plan = plan(&registry, selection)?;
    let fetcher = Arc::new(Fetcher::new(&registry.settings, &registry.sources)?);
    let verifications = Arc::new(store.verifications()?);
    let mut tasks = tokio::task::JoinSet::new();
    for &si in &plan.sources {
        let source = registry.sources[si].clone();
        let job = Job {
            state: store.state(&source.id)?,
            registry: registry.clone(),
            store: store.clone(),
            source,
            facts: plan.facts.get(&si).cloned().unwrap_or_default(),
            today,
            verifications: verifications.clone(),
        };
        let fetcher = fetcher.clone();
        tasks.spawn(async move { (si, capture_source(job, &fetcher).await) });
    }
    let mut by_source: HashMap<usize, SourceRows> = HashMap::new();
    while let Some(joined) = tasks.join_next().await {
        let (si, rows) = joined?;
        by_source.insert(si, rows?);
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
    report.summarise();
    store.sync()?;
    Ok(report)
}

type SourceRows = (SourceReport, Vec<((usize, usize), FactReport)>);
type Verifications = HashMap<String, Verification>;

/// For each hunk of a changed source, the facts whose evidence lies in it: the quote's line in the
/// baseline, or the quote's (else the closest passage's) line in the new text. Hunks carry three
/// lines of context, so "next to" a change counts too.
fn hunks_with_facts(
    d: &compare::Diff,
    old: &CurrentText<'_>,
    new: &CurrentText<'_>,
    fact_rows: &[((usize, usize), FactReport)],
) -> Vec<DiffHunk> {
    let located: Vec<(&str, Option<usize>, Option<usize>)> = fact_rows
        .iter()
        .filter_map(|(_, f)| {
            let quote = f.quote.as_deref()?;
            let new_line = new.line_of_quote(quote).or_else(|| {
                f.closest_passage
                    .as_deref()
                    .and_then(|p| new.line_of_passage(p))
            });
            Some((f.id.as_str(), old.line_of_quote(quote), new_line))
        })
        .collect();
    d.hunks
        .iter()
        .map(|h| DiffHunk {
            old_start: h.old.start + 1,
            old_lines: h.old.len(),
            new_start: h.new.start + 1,
            new_lines: h.new.len(),
            facts: located
                .iter()
                .filter(|(_, o, n)| {
                    o.is_some_and(|l| h.old.contains(&l)) || n.is_some_and(|l| h.new.contains(&l))
                })
                .map(|(id, _, _)| id.to_string())
                .collect(),
        })
        .collect()
}

/// Everything one source's capture needs.
struct Job {
    registry: Arc<Registry>,
    store: Arc<Store>,
    source: Arc<Source>,
    /// The store's state before this capture: its baseline is what the capture is compared with.
    state: SourceState,
    facts: Vec<(usize, usize)>,
    today: NaiveDate,
    verifications: Arc<Verifications>,
}

async fn capture_source(job: Job, fetcher: &Fetcher) -> Result<SourceRows, StoreError> {
    let source = &job.source;
    let validators = job
        .store
        .validators(&source.id, &job.state)?
        .filter(|v| v.fingerprint == source.extract_fingerprint);
    let started = Instant::now();
    let (mut fetched, mut _slot) = match source.render {
        Render::Http => split(fetcher.fetch(source, validators.as_ref()).await),
        Render::Browser => split(fetcher.render(source).await),
    };
    // A 304 need not repeat the validators; keep the ones it answered to for the next run.
    if let (
        Ok(Fetched::NotModified {
            etag,
            last_modified,
            ..
        }),
        Some(v),
    ) = (&mut fetched, &validators)
    {
        etag.get_or_insert_with(|| v.etag.clone().unwrap_or_default());
        last_modified.get_or_insert_with(|| v.last_modified.clone().unwrap_or_default());
        etag.take_if(|e| e.is_empty());
        last_modified.take_if(|l| l.is_empty());
    }
    // A 304 is only as good as the stored text it points at; if that is gone, fetch it again.
    // The text itself is read only when something will look at it (facts to match, a diff
    // against the baseline); otherwise it is enough that it is still there. A recheck of
    // unchanged pages then reads no text at all.
    let mut reused = None;
    let mut damaged = None;
    if let Ok(Fetched::NotModified { .. }) = &fetched {
        let latest = job
            .state
            .latest
            .as_ref()
            .expect("validators imply a latest capture");
        let needs_text = !job.facts.is_empty()
            || job.state.baseline.as_ref().map(|b| &b.sha256) != Some(&latest.sha256);
        let stored = if needs_text {
            job.store
                .verified_text(&source.id, &latest.sha256)
                .map(Some)
        } else {
            job.store
                .has_text(&source.id, &latest.sha256)
                .map(|()| None)
        };
        match stored {
            Ok(text) => {
                reused = Some(Reused {
                    sha256: latest.sha256.clone(),
                    text,
                })
            }
            Err(e) => {
                tracing::warn!(source = %source.id, "stored text unreadable ({e}); fetching again");
                damaged = Some(latest.sha256.clone());
                (fetched, _slot) = split(fetcher.fetch(source, None).await);
            }
        }
    }
    let elapsed_ms = started.elapsed().as_millis() as u64;
    // One parse per core at a time: more would only hold more DOMs in memory at once.
    job.process(fetched, reused, damaged, elapsed_ms)
}

/// The stored capture a 304 points at: its SHA-256, and its text when something needs it.
struct Reused {
    sha256: String,
    text: Option<String>,
}

fn split(
    r: Result<(Fetched, crate::fetch::Slot), FetchError>,
) -> (Result<Fetched, FetchError>, Option<crate::fetch::Slot>) {
    match r {
        Ok((f, slot)) => (Ok(f), Some(slot)),
        Err(e) => (Err(e), None),
    }
}

/// What a capture came to before comparison: text, or a failure with its outcome.
struct Captured {
    text: Result<(String, String), (Outcome, String)>,
    http_status: Option<u16>,
    final_url: Option<String>,
    raw: Vec<u8>,
    validators: Validators,
}

fn captured_from(
    source: &Source,
    fetched: Result<Fetched, FetchError>,
    reused: Option<Reused>,
    pdf_timeout: std::time::Duration,
) -> Captured {
    let fingerprint = source.extract_fingerprint.clone();
    match fetched {
        Err(e) => Captured {
            http_status: e.http_status(),
            final_url: match &e {
                FetchError::Http { final_url, .. } => Some(final_url.clone()),
                _ => None,
            },
            text: Err((e.outcome(), e.to_string())),
            raw: Vec::new(),
            validators: Validators::default(),
        },
        Ok(Fetched::NotModified {
            final_url,
            etag,
            last_modified,
        }) => {
            let Reused { sha256, text } = reused.expect("304 handled with stored text");
            Captured {
                // No text means nothing in this run reads it (see `capture_source`).
                text: Ok((text.unwrap_or_default(), sha256)),
                http_status: Some(304),
                final_url: Some(final_url),
                raw: Vec::new(),
                validators: Validators {
                    etag,
                    last_modified,
                    fingerprint,
                },
            }
        }
        Ok(Fetched::Body(resp)) => {
            let format = source
                .format
                .unwrap_or_else(|| Format::from_content_type(resp.content_type.as_deref()));
            let extracted = match format {
                Format::Html => {
                    let html =
                        extract::decode(&resp.body, resp.content_type.as_deref(), source.charset);
                    extract::extract_html(&html, source)
                }
                Format::Json if !source.select.is_empty() => Err(ExtractError::Parse(
                    "the server sent JSON but select holds CSS selectors; set format = \"json\" \
                     and use JSON Pointers"
                        .into(),
                )),
                Format::Json => extract::extract_json(&resp.body, source),
                Format::Pdf => extract::extract_pdf(&resp.body, source, pdf_timeout),
            };
            let text = match extracted {
                Ok(x) => Ok((x.text, x.sha256)),
                Err(e @ ExtractError::Empty) => Err((Outcome::Empty, e.to_string())),
                Err(e @ ExtractError::SelectorMissing(_)) => {
                    Err((Outcome::SelectorMissing, e.to_string()))
                }
                Err(e @ ExtractError::Parse(_)) => Err((Outcome::ParseError, e.to_string())),
            };
            Captured {
                text,
                http_status: Some(resp.status),
                final_url: Some(resp.final_url),
                raw: resp.body,
                validators: Validators {
                    etag: resp.etag,
                    last_modified: resp.last_modified,
                    fingerprint,
                },
            }
        }
    }
}

impl Job {
    fn process(
        self,
        fetched: Result<Fetched, FetchError>,
        reused: Option<Reused>,
        damaged_text: Option<String>,
        duration_ms: u64,
    ) -> Result<SourceRows, StoreError> {
        let Job {
            registry,
            store,
            source,
            state,
            facts,
            today,
            verifications,
        } = self;
        let source = &*source;
        let bytes = match &fetched {
            Ok(Fetched::Body(r)) => r.body.len() as u64,
            _ => 0,
        };
        let captured = captured_from(source, fetched, reused, registry.settings.timeout);
        let mut entry = LogEntry {
            at: Utc::now(),
            outcome: Outcome::Unreachable,
            http_status: captured.http_status,
            sha256: None,
            etag: captured.validators.etag.clone(),
            last_modified: captured.validators.last_modified.clone(),
            final_url: captured.final_url.clone(),
            bytes,
            duration_ms,
            error: None,
            fingerprint: None,
        };
        let mut row = SourceReport {
            id: source.id.clone(),
            url: source.url.to_string(),
            final_url: captured.final_url.clone(),
            outcome: Outcome::Unreachable,
            http_status: captured.http_status,
            sha256: None,
            baseline_sha256: None,
            error: None,
            diff: None,
            bytes,
            duration_ms,
            hunks: Vec::new(),
        };
        let mut changed_from: Option<(String, compare::Diff)> = None;
        let text = match captured.text {
            Ok((text, sha)) => {
                let baseline = state.baseline.as_ref();
                let outcome = compare::outcome(baseline.map(|b| b.sha256.as_str()), &sha);
                entry.outcome = outcome;
                entry.sha256 = Some(sha.clone());
                entry.fingerprint = Some(captured.validators.fingerprint.clone());
                store.record_good(
                    &source.id,
                    &state,
                    &GoodCapture {
                        text: &text,
                        sha256: &sha,
                        raw: &captured.raw,
                        repair: damaged_text.as_ref() == Some(&sha),
                    },
                    &entry,
                )?;
                if let (Outcome::Changed, Some(b)) = (outcome, baseline) {
                    let old = store.text(&source.id, &b.sha256)?;
                    let d = compare::diff(
                        &old,
                        &text,
                        &format!("{} baseline {}", source.id, &b.sha256[..12]),
                        &format!("{} capture {}", source.id, &sha[..12]),
                    );
                    if let Some(d) = d {
                        row.diff = Some(d.unified.clone());
                        changed_from = Some((old, d));
                    }
                }
                row.outcome = outcome;
                row.sha256 = Some(sha);
                row.baseline_sha256 = Some(baseline.map_or_else(
                    || row.sha256.clone().unwrap_or_default(),
                    |b| b.sha256.clone(),
                ));
                Some(text)
            }
            Err((outcome, error)) => {
                entry.outcome = outcome;
                entry.error = Some(error.clone());
                store.record_failed(&source.id, &entry)?;
                row.outcome = outcome;
                row.error = Some(error);
                row.baseline_sha256 = state.baseline.as_ref().map(|b| b.sha256.clone());
                None
            }
        };
        // Folding the text for quote matching is only worth it when facts will be matched.
        let current = text
            .as_deref()
            .filter(|_| !facts.is_empty())
            .map(CurrentText::new);
        let fact_rows: Vec<((usize, usize), FactReport)> = facts
            .iter()
            .map(|&(ri, fi)| {
                let fact = &registry.routes[ri].facts[fi];
                let a = assess(fact, today, row.outcome, current.as_ref());
                let mut fr = FactReport {
                    id: fact.id.clone(),
                    route: fact.route.clone(),
                    source: fact.source.clone(),
                    claim: fact.claim.clone(),
                    quote: fact.quote.clone(),
                    last_verified: fact.last_verified,
                    age_days: a.age_days,
                    stale_after_days: fact.stale_after_days,
                    due: a.due,
                    flags: a.flags,
                    quote_found: a.quote_found,
                    closest_passage: None,
                    closest_similarity: None,
                    refreshed: false,
                    verified_by: verifications
                        .get(&fact.id)
                        .filter(|v| v.date == fact.last_verified)
                        .map(|v| v.by),
                };
                fr.set_closest(a.closest_passage);
                ((ri, fi), fr)
            })
            .collect();
        if let (Some((old, d)), Some(current)) = (changed_from, current.as_ref()) {
            row.hunks = hunks_with_facts(&d, &CurrentText::new(&old), current, &fact_rows);
        }
        Ok((row, fact_rows))
    }
}
