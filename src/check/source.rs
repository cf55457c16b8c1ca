//! One source's way down the pipe: fetch (or a 304 that reuses the stored text), extract,
//! record, compare, assess; its rows of the report come out.

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Instant;

use chrono::NaiveDate;

use super::plan::SourcePlan;
use crate::assess::{Against, Day, assess_source};
use crate::capture::Capture;
use crate::compare::{self, Comparison};
use crate::dom::Deadline;
use crate::fetch::{Fetcher, Slot};
use crate::outcome::Outcome;
use crate::registry::{Fact, FactPos, Registry, Source};
use crate::report::{Checked, FactReport, SourceReport};
use crate::store::{Ledger, LogEntry, SourceState, Store, StoreError, Unsettled};

/// A source's row and its facts' rows, each fact with its place in the registry.
pub(super) struct SourceRows {
    pub(super) source: SourceReport,
    pub(super) facts: Vec<(FactPos, FactReport)>,
}

/// What every source's task of one check shares.
pub(super) struct Shared {
    pub(super) registry: Arc<Registry>,
    pub(super) store: Arc<Store>,
    pub(super) fetcher: Fetcher,
    /// What is known of each fact beyond the registry (machine and human verification dates).
    pub(super) ledger: Ledger,
    pub(super) day: Day,
    /// The day a re-verification records: the check's, never after the real date.
    pub(super) verified_on: NaiveDate,
    /// How many more `selector_missing` hints this run may search for.
    pub(super) hints: AtomicUsize,
}

/// One source's way down the pipe, and what it learns on the way.
pub(super) struct Job {
    pub(super) shared: Arc<Shared>,
    pub(super) source: Arc<Source>,
    pub(super) facts: Vec<FactPos>,
    /// The store's state before this capture: its baseline is what the capture is compared with
    /// (read when the job runs, so a damaged state is this source's trouble alone).
    pub(super) state: SourceState,
    /// The last capture before this one, read with the state: its validators may be sent.
    pub(super) last: Option<LogEntry>,
    /// What the capture's report row must say about how it was made.
    notes: Vec<String>,
    /// The baseline's text, once read and checked against its name for the diff.
    pub(super) baseline_text: Option<String>,
    /// The baseline cannot be held against this capture line by line (see
    /// [`Job::keep_unusable_baseline`]).
    baseline_unusable: bool,
    /// The one deadline for the work on this source's page (see [`Job::deadline`]), set when
    /// the work starts.
    work: std::sync::Mutex<Option<Deadline>>,
}

/// A body this large, or a changed page, is worked on with [`crate::runtime::heavy`]: its
/// parse, search or assessment can take seconds, and other sources' requests must not wait for
/// a worker meanwhile (their timeouts run while they wait).
pub(super) const HEAVY_BODY: usize = 256 * 1024;

/// A capture, and what it took to get it.
pub(super) struct Taken {
    pub(super) capture: Capture,
    /// The stored text a 304 pointed at was damaged (its SHA-256): the fresh capture repairs it.
    pub(super) damaged: Option<String>,
    /// The global request slot, held until the body is processed, so that no more bodies wait in
    /// memory than requests may be in flight.
    pub(super) slot: Option<Slot>,
    /// Other texts this run saw before the capture it reports (the first fetch of a flap, the
    /// second of an unstable page): recorded in the store first, so every text seen is kept.
    pub(super) seen: Vec<Capture>,
    /// Whether the page served two texts lately, as this run leaves it (see `confirm`).
    pub(super) unsettled: Option<Unsettled>,
}

impl Job {
    pub(super) fn new(shared: Arc<Shared>, plan: SourcePlan) -> Job {
        Job {
            shared,
            source: plan.source,
            facts: plan.facts,
            state: SourceState::default(),
            last: None,
            notes: Vec::new(),
            baseline_text: None,
            baseline_unusable: false,
            work: std::sync::Mutex::new(None),
        }
    }

    /// The deadline for everything done with this source's page once it is fetched: parse,
    /// extraction, the selector search, re-extraction of the baseline, the diff's assessment.
    /// It is `timeout_secs` from the moment the first body is in (the network part has its own
    /// `timeout_secs` per request); a confirming fetch moves it on by the time it waited
    /// ([`Job::waited`]). Past it, each stage stops and says so (docs/outcomes.md).
    pub(super) fn deadline(&self) -> Deadline {
        let mut work = self.work.lock().expect("never poisoned");
        *work.get_or_insert_with(|| Deadline::after(self.registry().settings.timeout))
    }

    /// Time spent waiting on the network again is not time for work.
    pub(super) fn waited(&self, by: std::time::Duration) {
        let mut work = self.work.lock().expect("never poisoned");
        if let Some(d) = work.as_mut() {
            *d = d.later(by);
        }
    }

    pub(super) fn registry(&self) -> &Registry {
        &self.shared.registry
    }

    pub(super) fn facts(&self) -> impl Iterator<Item = &Fact> {
        self.facts
            .iter()
            .map(|&pos| self.shared.registry.fact_at(pos))
    }

    pub(super) async fn run(mut self) -> Result<SourceRows, StoreError> {
        let shared = self.shared.clone();
        let fetcher = &shared.fetcher;
        let started = Instant::now();
        (self.state, self.last) = match self.shared.store.source(&self.source.id).state_and_last() {
            Ok(read) => read,
            Err(e @ StoreError::Corrupt { .. }) => {
                tracing::warn!(source = %self.source.id, "{e}");
                self.notes.push(format!(
                    "the source's state was unreadable ({e}); this capture starts it over as \
                     its new baseline"
                ));
                (SourceState::default(), None)
            }
            Err(e) => return Err(e),
        };
        let mut taken = self.take(fetcher).await?;
        taken.capture.meta.notes.append(&mut self.notes);
        self.rebase(&mut taken.capture).await?;
        self.ensure_baseline_text(&mut taken.capture).await?;
        self.judge_wall_words(&mut taken.capture);
        if self.registry().settings.confirm_changes {
            taken = self.confirm(fetcher, taken).await?;
        }
        // A page that differs from its baseline is diffed and its facts followed through the
        // edit: possibly long work. A first capture has nothing to diff.
        let differs = self
            .state
            .baseline
            .as_ref()
            .is_some_and(|b| Some(b.sha256.as_str()) != taken.capture.sha256());
        if differs {
            crate::runtime::heavy(|| self.process(taken, started))
        } else {
            self.process(taken, started)
        }
    }

    /// When the source's extraction settings (select, exclude, ignore, charset, format, the
    /// normaliser's version) differ from those its baseline was made with, the baseline is made
    /// again from its stored raw body with today's settings before anything is compared: the
    /// same page is then `unchanged`, a changed page `changed` with only the real change in its
    /// diff. Where that cannot be done (no raw body, or the old page does not read with the new
    /// settings), this capture becomes the new baseline with a note, never `changed`.
    async fn rebase(&mut self, capture: &mut Capture) -> Result<(), StoreError> {
        let source = &*self.source;
        let (Some(baseline), Some(_)) = (self.state.baseline.clone(), capture.sha256()) else {
            return Ok(());
        };
        let folder = self.shared.store.source(&source.id);
        let made_with = folder.fingerprint_of(&baseline)?;
        if made_with.is_none() || made_with.as_deref() == Some(&source.extract_fingerprint) {
            return Ok(());
        }
        match self.reextract(&baseline).await {
            Ok((again, raw)) => {
                self.state = folder.rebase(
                    &self.state,
                    &again.sha256,
                    &again.text,
                    &raw,
                    &source.extract_fingerprint,
                )?;
                // Just made and hashed: the diff needs no second read of it.
                self.baseline_text = Some(again.text);
                capture.meta.reextracted = true;
                capture
                    .meta
                    .notes
                    .push("baseline re-extracted after a settings change".to_string());
            }
            // The page read with today's settings is the baseline's text: nothing to compare
            // across settings.
            Err(_) if capture.sha256() == Some(baseline.sha256.as_str()) => {}
            Err(why) => self.keep_unusable_baseline(
                capture,
                format!(
                    "the extraction settings changed and the baseline cannot be re-extracted \
                     ({why})"
                ),
            ),
        }
        Ok(())
    }

    /// A capture that differs from the baseline is diffed against the baseline's stored text;
    /// when that text is missing or no longer hashes to its name (damage, a hand edit, a forged
    /// file), it is made again from the baseline's raw body. If that cannot give the same text,
    /// this capture becomes the new baseline with a note: one source's damage never stops the
    /// run, and never reads as a change. The text, once good, is kept for the diff.
    async fn ensure_baseline_text(&mut self, capture: &mut Capture) -> Result<(), StoreError> {
        let (Some(baseline), Some(sha)) = (self.state.baseline.clone(), capture.sha256()) else {
            return Ok(());
        };
        if sha == baseline.sha256 || self.baseline_text.is_some() {
            return Ok(());
        }
        let folder = self.shared.store.source(&self.source.id);
        let damage = match folder.verified_text(&baseline.sha256) {
            Ok(text) => {
                self.baseline_text = Some(text);
                return Ok(());
            }
            Err(damage) => damage,
        };
        tracing::warn!(source = %self.source.id, "baseline text unreadable: {damage}");
        match self.reextract(&baseline).await {
            Ok((again, _)) if again.sha256 == baseline.sha256 => {
                folder.repair_text(&again.sha256, &again.text)?;
                self.baseline_text = Some(again.text);
                capture.meta.notes.push(
                    "the baseline's stored text was damaged and has been rebuilt from its raw body"
                        .to_string(),
                );
            }
            Ok(_) => self.keep_unusable_baseline(
                capture,
                format!(
                    "the baseline's stored text is damaged ({damage}) and its raw body gives \
                     another text today"
                ),
            ),
            Err(why) => self.keep_unusable_baseline(
                capture,
                format!(
                    "the baseline's stored text is damaged ({damage}) and cannot be rebuilt \
                     ({why})"
                ),
            ),
        }
        Ok(())
    }

    /// The baseline's text made again from its stored raw body with today's settings, and that
    /// body; or why it cannot be.
    async fn reextract(
        &self,
        baseline: &crate::store::Version,
    ) -> Result<(crate::extract::Extracted, Vec<u8>), String> {
        let settings = &self.registry().settings;
        let raw = self
            .shared
            .store
            .source(&self.source.id)
            .verified_raw(baseline, settings.max_body_bytes)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "no raw body is stored for it".to_string())?;
        let response = crate::fetch::Response {
            status: 200,
            final_url: self.source.url.to_string(),
            content_type: baseline.content_type.clone(),
            validators: Default::default(),
            body: raw,
            gzip: None,
            moved_to: None,
            wall_words: None,
        };
        let deadline = self.deadline();
        let again = crate::runtime::heavy_async(crate::extract::extract_by(
            &self.source,
            &response,
            &deadline,
        ))
        .await
        .map_err(|e| format!("it does not read with today's settings: {e}"))?;
        Ok((again, response.body))
    }

    /// When the baseline cannot be held against the capture line by line (it cannot be made
    /// with today's settings, or its text is damaged beyond repair), the capture is judged by
    /// its hash alone and never silently becomes the baseline: a different text is `changed`
    /// without a diff, every fact of the source is flagged, and no date is refreshed, until a
    /// person reviews the page and accepts it.
    fn keep_unusable_baseline(&mut self, capture: &mut Capture, why: String) {
        tracing::warn!(source = %self.source.id, "{why}");
        self.baseline_text = None;
        self.baseline_unusable = true;
        capture.meta.notes.push(format!(
            "{why}: the page cannot be compared line by line, so every fact of this source is \
             flagged and no date is refreshed until someone reviews the page \
             (`sourcewatch diff {id}`) and runs `sourcewatch accept {id}`",
            id = self.source.id
        ));
        capture.meta.doubt = Some(why);
    }

    /// Records the capture, compares it with the baseline and assesses the source's facts. Runs
    /// inline on the worker thread: see the module doc of `check`.
    fn process(mut self, taken: Taken, started: Instant) -> Result<SourceRows, StoreError> {
        let source = &*self.source;
        let store = self.shared.store.source(&source.id);
        let baseline = self.state.baseline.as_ref();
        // Every text this run saw is kept, the one reported last (the latest).
        let mut state = self.state.clone();
        for seen in taken.seen {
            let seen = seen.finished(started, &source.extract_fingerprint);
            state = store.record(&seen, compare::outcome(baseline, &seen), &state, false)?;
        }
        let mut capture = taken.capture.finished(started, &source.extract_fingerprint);
        let outcome = compare::outcome(baseline, &capture);
        let repair = taken.damaged.is_some() && taken.damaged.as_deref() == capture.sha256();
        let state = store.record(&capture, outcome, &state, repair)?;
        store.settle(state, taken.unsettled)?;
        log_capture(&source.id, outcome, &capture);
        let baseline_text = match (outcome, baseline, self.baseline_text.take()) {
            _ if self.baseline_unusable => None,
            (Outcome::Changed, Some(_), Some(text)) => Some(text),
            (Outcome::Changed, Some(b), None) => Some(store.text(&b.sha256)?),
            _ => None,
        };
        let comparison = Comparison::new(&source.id, outcome, baseline, &capture, baseline_text);

        let facts: Vec<&Fact> = self.facts().collect();
        let against = Against {
            outcome,
            text: capture.text(),
            change: comparison.change.as_ref(),
            evidence: capture.is_evidence(),
            deadline: Some(self.deadline()),
        };
        let (assessed, coverage) = assess_source(&facts, self.shared.day, &against);
        if coverage.rough > 0 {
            tracing::warn!(source = %source.id, facts = coverage.rough, "assessed roughly: time limit");
            capture.meta.notes.push(format!(
                "facts assessed roughly: the page changed too much to follow each passage \
                 within the time limit ({} s after the fetch); {} of them are flagged \
                 source_changed without a change kind, for a person to read",
                self.registry().settings.timeout.as_secs(),
                coverage.rough
            ));
        }
        let row = SourceReport::new(source, &capture, &comparison, coverage);
        let checked = Checked {
            at: capture.meta.at,
            outcome,
        };
        let ledger = &self.shared.ledger;
        let verified_on = self.shared.verified_on;
        let fact_rows = self
            .facts
            .iter()
            .zip(facts)
            .zip(assessed)
            .map(|((&pos, fact), a)| {
                let record = ledger.fact(&fact.id);
                (pos, FactReport::new(fact, a, checked, &record, verified_on))
            })
            .collect();
        Ok(SourceRows {
            source: row,
            facts: fact_rows,
        })
    }
}

/// The one log line per source at `-v`, what a nightly job's log should say it did: outcome,
/// HTTP status, bytes, time, and the error of a failure.
fn log_capture(id: &str, outcome: Outcome, capture: &Capture) {
    let status = capture
        .meta
        .http_status
        .map_or("no HTTP status".to_string(), |s| format!("HTTP {s}"));
    let (bytes, ms) = (capture.meta.bytes, capture.meta.duration_ms);
    match capture.failure() {
        Some((_, error)) => {
            tracing::info!("{id}: {outcome} ({status}, {bytes} bytes, {ms} ms): {error}")
        }
        None => tracing::info!("{id}: {outcome} ({status}, {bytes} bytes, {ms} ms)"),
    }
}
