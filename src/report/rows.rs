//! The rows of a report: a source's (its capture, its comparison, the edits no fact covers)
//! and a fact's (its assessment, its clocks), made from the values the pipeline produced.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::assess::{Assessment, Change, ClosestPassage, Coverage};
use crate::capture::{Capture, CaptureRecord};
use crate::compare::{Comparison, HunkRange};
use crate::outcome::{Flag, Outcome, ValueKind};
use crate::registry::{Fact, FactId, Source};
use crate::store::{FactRecord, VerifiedBy};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SourceReport {
    pub(crate) id: String,
    pub(crate) url: String,
    /// Outcome, status, hash, final URL, bytes, duration and error, as the capture log has them.
    #[serde(flatten)]
    pub(crate) capture: CaptureRecord,
    pub(crate) baseline_sha256: Option<String>,
    pub(crate) diff: Option<String>,
    /// Extra: the hunks of `diff` in order, each with the facts whose passage it changes.
    #[serde(default)]
    pub(crate) hunks: Vec<DiffHunk>,
    /// The edits that touch no fact's passage ("changes no fact covers").
    #[serde(default)]
    pub(crate) uncovered: Vec<UncoveredChange>,
    /// The baseline was re-extracted from its raw body after a settings change.
    #[serde(default)]
    pub(crate) reextracted: bool,
    /// For a changed source: the change was seen on two fetches (`true`), or the page gave two
    /// different new texts (`false`, unstable); null when not asked.
    #[serde(default)]
    pub(crate) confirmed: Option<bool>,
    /// The target of a permanent redirect: update `url` in sources.toml.
    #[serde(default)]
    pub(crate) moved_to: Option<String>,
}

/// An edit of a changed source that no fact's passage explains: the lines it removed and the
/// lines it added, 1-based where they start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct UncoveredChange {
    pub(crate) old_start: usize,
    pub(crate) removed: Vec<String>,
    pub(crate) new_start: usize,
    pub(crate) added: Vec<String>,
}

impl UncoveredChange {
    /// The lines of `old` and `new` (baseline and capture) that `ranges` name.
    pub(crate) fn list(old: &str, new: &str, ranges: &[HunkRange]) -> Vec<UncoveredChange> {
        let (old, new): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
        let lines = |text: &[&str], r: &std::ops::Range<usize>| -> Vec<String> {
            text.get(r.clone())
                .unwrap_or_default()
                .iter()
                .map(|l| l.to_string())
                .collect()
        };
        ranges
            .iter()
            .map(|c| UncoveredChange {
                old_start: c.old.start + 1,
                removed: lines(&old, &c.old),
                new_start: c.new.start + 1,
                added: lines(&new, &c.new),
            })
            .collect()
    }
}

/// A typed value of a fact's passage that changed, as written on the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ValueReport {
    pub(crate) kind: ValueKind,
    pub(crate) before: Option<String>,
    pub(crate) after: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DiffHunk {
    /// 1-based first line and line count in the baseline, as in the `@@` header.
    pub(crate) old_start: usize,
    pub(crate) old_lines: usize,
    pub(crate) new_start: usize,
    pub(crate) new_lines: usize,
    /// Full fact ids.
    pub(crate) facts: Vec<FactId>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FactReport {
    pub(crate) id: FactId,
    pub(crate) route: String,
    /// Extra: the route's `title` and `page` (the site's page for it), from sources.toml; null in
    /// reports saved before they were recorded.
    #[serde(default)]
    pub(crate) route_title: Option<String>,
    #[serde(default)]
    pub(crate) route_page: Option<String>,
    pub(crate) source: String,
    pub(crate) claim: String,
    pub(crate) quote: Option<String>,
    pub(crate) last_verified: NaiveDate,
    pub(crate) age_days: i64,
    pub(crate) stale_after_days: u32,
    /// Extra: the day the fact becomes stale.
    pub(crate) due: NaiveDate,
    pub(crate) flags: Vec<Flag>,
    pub(crate) quote_found: Option<bool>,
    /// Extra: how many times the quote occurs in the current text (null without a quote or
    /// without a text); every occurrence is a passage an edit can touch.
    #[serde(default)]
    pub(crate) quote_count: Option<usize>,
    /// Extra: when the quote occurs more than once, the passage of each occurrence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) quote_passages: Vec<String>,
    pub(crate) closest_passage: Option<String>,
    /// Whether the route's published page still states the claim (null: the route has no page,
    /// or its page could not be read).
    #[serde(default)]
    pub(crate) published: Option<bool>,
    /// When it does not: the page's claim most like it.
    #[serde(default)]
    pub(crate) published_passage: Option<String>,
    /// Extra: how similar `closest_passage` is to the quote, 0.0–1.0.
    pub(crate) closest_similarity: Option<f32>,
    pub(crate) refreshed: bool,
    /// Extra: who set the current `last_verified`, when sourcewatch recorded it.
    #[serde(default)]
    pub(crate) verified_by: Option<VerifiedBy>,
    /// On a changed source: what the edit did to this fact's passage (docs/outcomes.md).
    #[serde(default)]
    pub(crate) change: Option<Change>,
    /// For `change: value`: the typed values that changed.
    #[serde(default)]
    pub(crate) values: Vec<ValueReport>,
    /// Extra, on a changed source: the fact's passage in the baseline, and where it stands now
    /// (its rewritten form, or itself when moved or untouched; null when gone).
    #[serde(default)]
    pub(crate) passage: Option<String>,
    #[serde(default)]
    pub(crate) new_passage: Option<String>,
    /// The three clocks: when its source was last captured and with what outcome (against the
    /// baseline of now), the day a machine last found its quote on an unchanged source, the day
    /// a person last verified it.
    #[serde(default)]
    pub(crate) last_checked: Option<DateTime<Utc>>,
    #[serde(default)]
    pub(crate) source_outcome: Option<Outcome>,
    #[serde(default)]
    pub(crate) machine_verified: Option<NaiveDate>,
    #[serde(default)]
    pub(crate) human_verified: Option<NaiveDate>,
}

/// The latest capture of a fact's source, as the fact's row shows it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Checked {
    pub(crate) at: DateTime<Utc>,
    pub(crate) outcome: Outcome,
}

impl SourceReport {
    /// What a reviewer should know besides the outcome: the capture's notes (a re-extracted
    /// baseline, a flap, an unstable page) and a permanent move.
    pub(crate) fn notes(&self) -> Vec<String> {
        let mut notes = self.capture.notes.clone();
        if let Some(url) = &self.moved_to {
            notes.push(format!(
                "moved permanently to {url}: update `url` in sources.toml"
            ));
        }
        notes
    }

    /// What went wrong, or the HTTP status, for a row of a report.
    pub(crate) fn detail(&self) -> String {
        self.capture
            .error
            .clone()
            .or_else(|| self.capture.http_status.map(|c| format!("HTTP {c}")))
            .unwrap_or_default()
    }
}

impl FactReport {
    /// "45 calendar days → 30 calendar days", one pair per changed value.
    pub(crate) fn value_line(&self) -> String {
        self.values
            .iter()
            .map(|v| {
                format!(
                    "{} → {}",
                    v.before.as_deref().unwrap_or("(new)"),
                    v.after.as_deref().unwrap_or("(removed)")
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// "the quote occurs 2 times: “…” · “…”" for a quote found more than once.
    pub(crate) fn occurrences_note(&self) -> Option<String> {
        if self.quote_passages.len() < 2 {
            return None;
        }
        let shown: Vec<String> = self
            .quote_passages
            .iter()
            .map(|p| format!("“{}”", crate::term::clip(p, 120)))
            .collect();
        Some(format!(
            "the quote occurs {} times; an edit of any of them flags the fact: {}",
            self.quote_passages.len(),
            shown.join(" · ")
        ))
    }

    /// Whether the fact's passage was removed and nothing on the page now is that item reworded
    /// (the report says so instead of offering an unrelated passage to copy).
    pub(crate) fn nothing_similar(&self) -> bool {
        self.quote.is_some()
            && self.closest_passage.is_none()
            && self.quote_found == Some(false)
            && self.change == Some(Change::Gone)
    }

    /// " (92% similar)" after a closest passage, or nothing.
    pub(crate) fn similarity_note(&self) -> String {
        self.closest_similarity
            .map(|x| format!(" ({:.0}% similar)", x * 100.0))
            .unwrap_or_default()
    }

    /// A fact's row: its assessment against the source's capture `checked` (`None` when the
    /// source has never been captured), with what the ledger knows of it. A capture that
    /// re-verifies the fact makes `verified_on` its `machine_verified` day (the check's day,
    /// never after the real date: `--today` may look ahead, a record may not).
    pub(crate) fn new(
        fact: &Fact,
        a: Assessment,
        checked: impl Into<Option<Checked>>,
        record: &FactRecord,
        verified_on: NaiveDate,
    ) -> Self {
        let checked = checked.into();
        let machine_verified = if a.reverified {
            Some(verified_on)
        } else {
            record.machine_verified
        };
        let (closest_passage, closest_similarity) = match a.closest_passage {
            Some(ClosestPassage {
                text, similarity, ..
            }) => (Some(text), Some(similarity)),
            None => (None, None),
        };
        let change = a.change.as_ref().map(|c| c.change);
        let values = a
            .change
            .as_ref()
            .map(|c| {
                c.values
                    .iter()
                    .map(|v| ValueReport {
                        kind: v.kind,
                        before: v.before.clone(),
                        after: v.after.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let passage = a.change.as_ref().map(|c| c.before.text.clone());
        let new_passage = a.change.and_then(|c| c.after).map(|p| p.text);
        FactReport {
            id: fact.id.clone(),
            route: fact.id.route().to_string(),
            route_title: None,
            route_page: None,
            source: fact.source.clone(),
            claim: fact.claim.clone(),
            quote: fact.quote.clone(),
            last_verified: a.last_verified,
            age_days: a.freshness.age_days,
            stale_after_days: fact.stale_after_days,
            due: a.freshness.due,
            flags: a.flags,
            quote_found: a.quote_found,
            quote_count: a.quote_count,
            quote_passages: a.quote_passages,
            closest_passage,
            published: None,
            published_passage: None,
            closest_similarity,
            refreshed: a.refreshed,
            verified_by: if a.refreshed {
                Some(VerifiedBy::Machine)
            } else {
                record.verified_by(fact.last_verified)
            },
            change,
            values,
            passage,
            new_passage,
            last_checked: checked.map(|c| c.at),
            source_outcome: checked.map(|c| c.outcome),
            machine_verified,
            human_verified: record.human_verified,
        }
    }
}

impl SourceReport {
    /// The row of a source: what its capture was, how it compares with the baseline, and which
    /// of its edits touch which facts.
    pub(crate) fn new(
        source: &Source,
        capture: &Capture,
        comparison: &Comparison,
        coverage: Coverage,
    ) -> Self {
        let diff = comparison.diff();
        let Coverage {
            hunk_facts,
            uncovered,
            ..
        } = coverage;
        let uncovered = match (&comparison.change, capture.text()) {
            (Some(c), Some(new)) => UncoveredChange::list(&c.baseline_text, new, &uncovered),
            _ => Vec::new(),
        };
        let hunks = diff
            .map(|d| {
                d.hunks
                    .iter()
                    .zip(hunk_facts.into_iter().chain(std::iter::repeat(Vec::new())))
                    .map(|(h, facts)| DiffHunk::new(h, facts))
                    .collect()
            })
            .unwrap_or_default();
        SourceReport {
            id: source.id.clone(),
            url: source.url.to_string(),
            capture: capture.record(comparison.outcome),
            baseline_sha256: comparison.baseline_sha256.clone(),
            diff: diff.map(|d| d.unified.clone()),
            hunks,
            uncovered,
            reextracted: capture.meta.reextracted,
            confirmed: capture
                .meta
                .confirmed
                .filter(|_| comparison.outcome == Outcome::Changed),
            moved_to: capture.meta.moved_to.clone(),
        }
    }
}

impl SourceReport {
    /// The hunks of its diff that change some fact's passage, each with its 0-based index.
    pub(crate) fn hunks_touching_facts(&self) -> impl Iterator<Item = (usize, &DiffHunk)> {
        self.hunks
            .iter()
            .enumerate()
            .filter(|(_, h)| !h.facts.is_empty())
    }
}

impl DiffHunk {
    fn new(range: &HunkRange, facts: Vec<FactId>) -> Self {
        DiffHunk {
            old_start: range.old.start + 1,
            old_lines: range.old.len(),
            new_start: range.new.start + 1,
            new_lines: range.new.len(),
            facts,
        }
    }
}
