//! One source's way down the pipe: fetch (or a 304 that reuses the stored text), extract,
//! record, compare, assess; its rows of the report come out.

use std::sync::Arc;
use std::time::Instant;

use chrono::NaiveDate;

use crate::assess::assess_source;
use crate::capture::Capture;
use crate::compare::{self, Comparison};
use crate::fetch::{Fetched, Fetcher, Slot};
use crate::outcome::Outcome;
use crate::registry::{Fact, Registry, Source};
use crate::report::{Checked, FactReport, SourceReport};
use crate::store::{Ledger, SourceState, Store, StoreError};

/// A source's row and its facts' rows, each fact with its place in the registry.
pub(super) type SourceRows = (SourceReport, Vec<((usize, usize), FactReport)>);

/// Everything one source's capture needs.
pub(super) struct Job {
    pub(super) registry: Arc<Registry>,
    pub(super) store: Arc<Store>,
    pub(super) source: Arc<Source>,
    /// The store's state before this capture: its baseline is what the capture is compared with.
    pub(super) state: SourceState,
    /// (route index, fact index) of the facts assessed against this source.
    pub(super) facts: Vec<(usize, usize)>,
    pub(super) today: NaiveDate,
    /// What is known of each fact beyond the registry (machine and human verification dates).
    pub(super) ledger: Arc<Ledger>,
}

/// A capture, and what it took to get it.
struct Taken {
    capture: Capture,
    /// The stored text a 304 pointed at was damaged (its SHA-256): the fresh capture repairs it.
    damaged: Option<String>,
    /// The global request slot, held until the body is processed, so that no more bodies wait in
    /// memory than requests may be in flight.
    _slot: Option<Slot>,
}

impl Job {
    pub(super) async fn run(self, fetcher: &Fetcher) -> Result<SourceRows, StoreError> {
        let started = Instant::now();
        let taken = self.take(fetcher).await?;
        self.process(taken, started)
    }

    /// Fetches and extracts. A 304 is only as good as the stored text it points at: the text is
    /// read only when something will look at it (facts to match, a diff against the baseline),
    /// otherwise it is enough that it is still there, so a recheck of unchanged pages reads no
    /// text at all; if it is gone or altered, the page is fetched again in full.
    async fn take(&self, fetcher: &Fetcher) -> Result<Taken, StoreError> {
        let source = &*self.source;
        let store = self.store.source(&source.id);
        let mut validators = store
            .last_good_capture(&self.state)?
            .filter(|e| e.fingerprint.as_deref().unwrap_or_default() == source.extract_fingerprint)
            .map(|e| e.validators());
        let mut damaged = None;
        loop {
            let (fetched, slot) = match fetcher.get(source, validators.as_ref()).await {
                Ok(got) => got,
                Err(e) => {
                    return Ok(Taken {
                        capture: Capture::failed(&e),
                        damaged,
                        _slot: None,
                    });
                }
            };
            let (final_url, answered) = match fetched {
                Fetched::Body(response) => {
                    let timeout = self.registry.settings.timeout;
                    let facts = self
                        .facts
                        .iter()
                        .map(|&(r, f)| &self.registry.routes[r].facts[f]);
                    let quotes: Vec<&str> = facts.filter_map(|f| f.quote.as_deref()).collect();
                    let extracted =
                        crate::extract::extract_suggesting(source, &response, timeout, &quotes)
                            .await;
                    return Ok(Taken {
                        capture: Capture::fresh(response, extracted),
                        damaged,
                        _slot: Some(slot),
                    });
                }
                Fetched::NotModified {
                    final_url,
                    validators,
                } => (final_url, validators),
            };
            let latest = self
                .state
                .latest
                .as_ref()
                .expect("validators imply a latest capture");
            let needs_text = !self.facts.is_empty()
                || self.state.baseline.as_ref().map(|b| &b.sha256) != Some(&latest.sha256);
            let stored = if needs_text {
                store.verified_text(&latest.sha256).map(Some)
            } else {
                store.has_text(&latest.sha256).map(|()| None)
            };
            match stored {
                Ok(text) => {
                    return Ok(Taken {
                        capture: Capture::reused(final_url, answered, latest.sha256.clone(), text),
                        damaged,
                        _slot: Some(slot),
                    });
                }
                Err(e) => {
                    tracing::warn!(source = %source.id, "stored text unreadable ({e}); fetching again");
                    // An unconditional request cannot be answered 304: the loop ends next turn.
                    damaged = Some(latest.sha256.clone());
                    validators = None;
                }
            }
        }
    }

    /// Records the capture, compares it with the baseline and assesses the source's facts. Runs
    /// inline on the worker thread: see the module doc of `check`.
    fn process(self, taken: Taken, started: Instant) -> Result<SourceRows, StoreError> {
        let source = &*self.source;
        let store = self.store.source(&source.id);
        let capture = taken.capture.finished(started, &source.extract_fingerprint);
        let baseline = self.state.baseline.as_ref();
        let outcome = compare::outcome(baseline, &capture);
        let repair = taken.damaged.is_some() && taken.damaged.as_deref() == capture.sha256();
        store.record(&capture, outcome, &self.state, repair)?;
        let baseline_text = match (outcome, baseline) {
            (Outcome::Changed, Some(b)) => Some(store.text(&b.sha256)?),
            _ => None,
        };
        let comparison = Comparison::new(&source.id, outcome, baseline, &capture, baseline_text);

        let facts: Vec<&Fact> = self
            .facts
            .iter()
            .map(|&(ri, fi)| &self.registry.routes[ri].facts[fi])
            .collect();
        let change = comparison.change.as_ref().map(|(old, d)| (old.as_str(), d));
        let (assessed, coverage) =
            assess_source(&facts, self.today, outcome, capture.text(), change);
        let row = SourceReport::new(source, &capture, &comparison, coverage);
        let checked = Checked {
            at: capture.meta.at,
            outcome,
        };
        let fact_rows = self
            .facts
            .iter()
            .zip(facts)
            .zip(assessed)
            .map(|((&pos, fact), a)| {
                let record = self.ledger.fact(&fact.id);
                (pos, FactReport::new(fact, a, checked, &record, self.today))
            })
            .collect();
        Ok((row, fact_rows))
    }
}
