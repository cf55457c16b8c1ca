//! `status`: every fact of the current `sources.toml`, as of `--today`, from the store alone.
//!
//! Nothing here depends on which check ran last. For each source the store says what its
//! latest capture was (the log's last line) and holds its latest text and its baseline; each
//! fact is assessed offline against them, as a check would have assessed it against that
//! capture, so a fact added by hand shows at once, a `verify` or an `accept` shows at once, and
//! a partial check changes only what it captured. The ledger adds the dates only history knows
//! (`machine_verified`, `human_verified`); the verification log is its source.

use chrono::{DateTime, NaiveDate, Utc};

use crate::assess::{Against, Day, assess_source};
use crate::compare::TextChange;
use crate::outcome::Outcome;
use crate::registry::{Fact, Registry, Source};
use crate::report::status::{
    FailedSource, MissedRun, StatusReport, StatusSummary, UncoveredSource,
};
use crate::report::{Checked, FactReport, UncoveredChange};
use crate::store::{Ledger, Store, StoreError};

/// A verification is logged before its date moves in `sources.toml` (`check::write_verified`):
/// a logged date later than the file's is a `verify` or `--refresh` cut short between the two.
/// Said, with the command that completes it; the file is a person's, never rewritten here.
fn report_unfinished_writes(registry: &Registry, ledger: &Ledger) {
    for fact in registry.facts() {
        if let Some((date, _)) = ledger.fact(&fact.id).last_written
            && date > fact.last_verified
        {
            tracing::warn!(
                "{id}: a verification of {date} is logged but sources.toml still says \
                 last_verified = {was} (a run was cut short between the two); \
                 `sourcewatch verify {id} --date {date}` completes it",
                id = fact.id,
                was = fact.last_verified
            );
        }
    }
}

/// How late a scheduled run may be before `status` and `watch` call it missed.
pub(crate) const MISSED_GRACE: chrono::Duration = chrono::Duration::minutes(15);

pub(crate) fn status(
    registry: &Registry,
    store: &Store,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<StatusReport, StoreError> {
    let ledger = store.ledger()?;
    report_unfinished_writes(registry, &ledger);
    let by_source = BySource::of(registry);
    // Each source is a few small files to read and its facts to assess, independent of the
    // others: spread over the cores in batches, each batch's results taken in file order
    // before the next starts. Holding every source's result until all are done held every row
    // twice (about 100 MB more at 100,000 sources); a batch is small.
    let sources = &registry.sources;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let ctx = Context {
        registry,
        store,
        ledger: &ledger,
        by_source: &by_source,
        today,
    };
    let mut summary = StatusSummary::default();
    let (mut failed, mut uncovered, mut missed) = (Vec::new(), Vec::new(), Vec::new());
    let mut never_captured = Vec::new();
    let mut rows: Vec<FactReport> = Vec::with_capacity(by_source.facts.len());
    for batch in sources.chunks(STATUS_BATCH * threads) {
        let per_thread = batch.len().div_ceil(threads).max(1);
        let parts: Vec<Result<Vec<SourceStatus>, StoreError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = batch
                .chunks(per_thread)
                .map(|chunk| {
                    let ctx = &ctx;
                    scope.spawn(move || chunk.iter().map(|s| ctx.one(s)).collect())
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a status thread panicked"))
                .collect()
        });
        let mut batch_sources = batch.iter();
        for part in parts {
            // The part first: a zip that ran out on it must not take a source of the next.
            for (one, source) in part?.into_iter().zip(batch_sources.by_ref()) {
                match one.checked {
                    None => {
                        summary.never_checked += 1;
                        never_captured.push(source.id.clone());
                    }
                    Some(c) if !c.outcome.is_good() => {
                        summary.failed_sources += 1;
                        failed.push(FailedSource {
                            source: source.id.clone(),
                            outcome: c.outcome,
                            error: one.error,
                            at: c.at,
                        });
                    }
                    Some(_) => {}
                }
                if let Some(due) = one
                    .checked
                    .and_then(|c| missed_run(registry, source, c.at, now))
                {
                    missed.push(MissedRun {
                        source: source.id.clone(),
                        due,
                    });
                }
                summary.uncovered_changes += one.uncovered_count;
                uncovered.extend(one.uncovered);
                // Copied here, on the main thread's heap: the rows outlive the batch, and made
                // by the batch's threads they would grow those threads' heaps beside the
                // space the main heap has free after loading the registry.
                rows.extend(one.rows.iter().cloned());
            }
        }
    }
    // Rows come in source order, which is most often the facts' order already: then sorting
    // (and its 3 MB of keys at 100,000 facts) is skipped.
    if !rows.is_sorted_by_key(|r| registry.fact_pos(&r.id)) {
        rows.sort_by_cached_key(|r| registry.fact_pos(&r.id));
    }
    for row in &mut rows {
        crate::report::name_route(row, registry);
    }
    // Each route's page as last read, held against today's registry.
    let pages = crate::site::load_all(registry, store)?;
    let mut held = crate::report::Rows::from(rows);
    let routes = crate::report::routes::judge_pages(registry, &pages, &mut held)
        .expect("rows held in memory change in place");
    let rows = held.into_vec();
    let mut report =
        StatusReport::new(today, now, rows, summary, missed, failed, uncovered, routes);
    report.never_captured = never_captured;
    Ok(report)
}

/// Sources per thread in one batch of `status`: enough that starting the threads costs nothing
/// beside the work, few enough that a batch's results are a small part of the rows.
const STATUS_BATCH: usize = 512;

/// The facts grouped by source once (a scan per source grows with sources × facts): one list
/// in source order and where each source's run of it starts. A map of a list per source was
/// 8.6 MB at 100,000 sources; this is 2.4 MB.
struct BySource<'a> {
    facts: Vec<&'a Fact>,
    /// `facts[start[i]..start[i + 1]]` are the facts of source `i`.
    start: Vec<usize>,
}

impl<'a> BySource<'a> {
    fn of(registry: &'a Registry) -> BySource<'a> {
        // (source position, fact) in registry order; a stable sort keeps each source's facts
        // in registry order.
        let mut placed: Vec<(usize, &Fact)> = registry
            .facts()
            .filter_map(|f| Some((registry.source_pos(&f.source)?, f)))
            .collect();
        placed.sort_by_key(|&(i, _)| i);
        let mut start = vec![0; registry.sources.len() + 1];
        for &(i, _) in &placed {
            start[i + 1] += 1;
        }
        for i in 0..registry.sources.len() {
            start[i + 1] += start[i];
        }
        BySource {
            facts: placed.into_iter().map(|(_, f)| f).collect(),
            start,
        }
    }

    fn of_source(&self, registry: &Registry, source: &Source) -> &[&'a Fact] {
        match registry.source_pos(&source.id) {
            Some(i) => &self.facts[self.start[i]..self.start[i + 1]],
            None => &[],
        }
    }
}

/// What `status` reads and works out for one source.
struct SourceStatus {
    checked: Option<Checked>,
    error: Option<String>,
    uncovered_count: usize,
    uncovered: Option<UncoveredSource>,
    rows: Vec<FactReport>,
}

/// What every source's status is worked out from.
struct Context<'a> {
    registry: &'a Registry,
    store: &'a Store,
    ledger: &'a Ledger,
    by_source: &'a BySource<'a>,
    today: NaiveDate,
}

impl Context<'_> {
    fn one(&self, source: &Source) -> Result<SourceStatus, StoreError> {
        let facts = self.by_source.of_source(self.registry, source);
        let known = source_now(self.store, source, !facts.is_empty())?;
        let outcome = known.checked.map_or(Outcome::Unreachable, |c| c.outcome);
        let against = Against {
            outcome,
            text: known.text.as_deref(),
            change: known.change.as_ref(),
            // Status only reads: a re-verification it sees was recorded by the check that saw it.
            evidence: false,
            // Status is bounded like a check: each source's assessment gets `timeout_secs`.
            deadline: Some(crate::dom::Deadline::after(self.registry.settings.timeout)),
        };
        let day = Day {
            today: self.today,
            refresh: false,
        };
        let (assessed, coverage) = assess_source(facts, day, &against);
        let uncovered = match (&known.change, &known.text) {
            (Some(change), Some(new)) if !coverage.uncovered.is_empty() => Some(UncoveredSource {
                source: source.id.clone(),
                changes: UncoveredChange::list(&change.baseline_text, new, &coverage.uncovered),
            }),
            _ => None,
        };
        let rows = facts
            .iter()
            .zip(assessed)
            .map(|(fact, a)| row(fact, a, known.checked, self.ledger, self.today))
            .collect();
        Ok(SourceStatus {
            checked: known.checked,
            error: known.error,
            uncovered_count: coverage.uncovered.len(),
            uncovered,
            rows,
        })
    }
}

/// The sources of the registry with no capture in the store, failed or good: added since the
/// last check, or never run. `watch` captures them at start and on reload.
pub(crate) fn never_captured(registry: &Registry, store: &Store) -> Vec<String> {
    registry
        .sources
        .iter()
        .filter(|s| matches!(store.source(&s.id).last_capture(), Ok(None)))
        .map(|s| s.id.clone())
        .collect()
}

fn row(
    fact: &Fact,
    a: crate::assess::Assessment,
    checked: Option<Checked>,
    ledger: &Ledger,
    today: NaiveDate,
) -> FactReport {
    // Nothing is re-verified here (no capture is evidence to status), so `today` is never
    // recorded as a verification day.
    FactReport::new(fact, a, checked, &ledger.fact(&fact.id), today)
}

/// What the store says of a source now.
struct SourceNow {
    /// Its latest capture: when, and its outcome against the baseline of now (`None`: never
    /// captured).
    checked: Option<Checked>,
    /// Its latest text, when its latest capture was good (and facts need it).
    text: Option<String>,
    /// When the latest text differs from the baseline: the baseline's text and the diff.
    change: Option<TextChange>,
    /// Why the latest capture failed, when it did.
    error: Option<String>,
}

fn source_now(store: &Store, source: &Source, needs_text: bool) -> Result<SourceNow, StoreError> {
    let folder = store.source(&source.id);
    let (state, last) = folder.state_and_last()?;
    let Some(last) = last else {
        return Ok(SourceNow {
            checked: None,
            text: None,
            change: None,
            error: None,
        });
    };
    let failed = || SourceNow {
        checked: Some(Checked {
            at: last.at,
            outcome: last.record.outcome,
        }),
        text: None,
        change: None,
        error: last.record.error.clone(),
    };
    let (Some(latest), Some(baseline), true) = (
        &state.latest,
        &state.baseline,
        last.record.outcome.is_good(),
    ) else {
        return Ok(failed());
    };
    // Held against the baseline of now: after `accept`, a changed capture is unchanged.
    let outcome = if latest.sha256 != baseline.sha256 {
        Outcome::Changed
    } else if last.record.outcome == Outcome::New {
        Outcome::New
    } else {
        Outcome::Unchanged
    };
    let checked = Some(Checked {
        at: last.at,
        outcome,
    });
    if !needs_text && outcome != Outcome::Changed {
        return Ok(SourceNow {
            checked,
            text: None,
            change: None,
            error: None,
        });
    }
    // A damaged or missing text makes this source's facts unverifiable, not the whole status
    // fail: `validate --store` names the damage.
    let read = |sha: &str| match folder.text(sha) {
        Ok(text) => Some(text),
        Err(e) => {
            tracing::warn!(source = %source.id, "stored text unreadable: {e}");
            None
        }
    };
    let Some(text) = read(&latest.sha256) else {
        return Ok(SourceNow {
            checked,
            text: None,
            change: None,
            error: None,
        });
    };
    // A baseline made with other extraction settings (one a check could not re-extract) cannot
    // be held against the latest text line by line: the facts are then flagged, unplaced.
    let comparable = baseline
        .fingerprint
        .as_ref()
        .is_none_or(|f| *f == source.extract_fingerprint);
    let change = match outcome {
        Outcome::Changed if comparable => {
            read(&baseline.sha256).and_then(|old| TextChange::new(old, &text, "baseline", "latest"))
        }
        _ => None,
    };
    Ok(SourceNow {
        checked,
        text: Some(text),
        change,
        error: None,
    })
}

/// For `validate --store`: each quote held against its source's latest stored text, when that
/// says something a person should know: the quote occurs more than once (every occurrence is a
/// passage an edit can touch), or not at all.
pub(crate) fn quote_notes(registry: &Registry, store: &Store) -> Result<Vec<String>, StoreError> {
    let mut quoted: std::collections::HashMap<&str, Vec<(&Fact, &str)>> = Default::default();
    for fact in registry.facts() {
        if let Some(quote) = fact.quote.as_deref() {
            quoted.entry(&fact.source).or_default().push((fact, quote));
        }
    }
    let mut notes = Vec::new();
    for source in &registry.sources {
        let Some(facts) = quoted.remove(source.id.as_str()) else {
            continue;
        };
        let folder = store.source(&source.id);
        let Some(latest) = folder.state()?.latest else {
            continue;
        };
        let Ok(text) = folder.text(&latest.sha256) else {
            // Damage is reported with the store's other damage.
            continue;
        };
        let current = crate::assess::CurrentText::new(&text);
        for (fact, quote) in facts {
            let evidence = crate::assess::evidence(&current, quote);
            let shown = |p: &str| format!("“{}”", crate::term::clip(p, 120));
            match evidence.passages.len() {
                1 => {}
                0 => notes.push(format!(
                    "{}: the quote is not in the latest text of {}{}",
                    fact.id,
                    source.id,
                    evidence.closest.map_or(String::new(), |c| format!(
                        " (closest: {}, {:.0}% similar)",
                        shown(&c.text),
                        c.similarity * 100.0
                    ))
                )),
                n => notes.push(format!(
                    "{}: the quote occurs {n} times in the latest text of {}: {}",
                    fact.id,
                    source.id,
                    evidence
                        .passages
                        .iter()
                        .map(|p| shown(p))
                        .collect::<Vec<_>>()
                        .join(" · ")
                )),
            }
        }
    }
    Ok(notes)
}

/// The sources missing their last scheduled run, per the store's last capture times.
pub(crate) fn missed(
    registry: &Registry,
    store: &Store,
    now: DateTime<Utc>,
) -> Vec<(String, DateTime<Utc>)> {
    registry
        .sources
        .iter()
        .filter_map(|s| {
            let last = store.source(&s.id).last_capture().ok()??.at;
            Some((s.id.clone(), missed_run(registry, s, last, now)?))
        })
        .collect()
}

/// When the run of `source` that should have followed its capture at `last` was due, if it is
/// missing (past the grace) at `now`.
fn missed_run(
    registry: &Registry,
    source: &Source,
    last: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    registry
        .schedule_of(source)
        .missed_since(registry.settings.timezone, &last, &now, MISSED_GRACE)
}
