//! Facts → flags: what needs a human today (docs/outcomes.md).
//!
//! A fact is judged on its age against its staleness limit, on what an edit of its source did
//! to its own passage (not to the page as a whole), on whether its evidence quote is still in
//! the current text, and on whether its source could be captured at all.
//!
//! ```text
//! assess/
//!   mod.rs      assess(): one fact's flags; coverage(): which edits touch which facts
//!   quote.rs    quote matching, the lines a quote is on, the closest passage
//!   passage.rs  a fact's passage: its sentence, list item or table row
//!   change.rs   value / wording / gone / moved / elsewhere
//!   follow.rs   what the facts of one changed source share while they are followed
//!   values/     typed values in a line (durations, money, MCI, dates, …) and their changes
//! ```

mod change;
mod follow;
mod passage;
mod quote;
mod values;

use std::ops::Range;

use chrono::NaiveDate;

pub(crate) use change::{Change, PassageChange};
pub(crate) use passage::sentences;
pub(crate) use quote::ClosestPassage;
pub(crate) use quote::{CurrentText, evidence};
use quote::{evidence_found, same_item_reworded};
pub(crate) use values::{Value, values_agree, values_in};

/// The first date a text writes ("2026-06-09", "09.06.2026", "9 June 2026", "9 июня 2026 г.").
pub(crate) fn first_date(text: &str) -> Option<NaiveDate> {
    values_in(text)
        .into_iter()
        .filter(|v| v.kind == crate::outcome::ValueKind::Date)
        .find_map(|v| NaiveDate::parse_from_str(&v.key, "%Y-%m-%d").ok())
}

use crate::compare::{Diff, HunkRange, TextChange};
use crate::dom::Deadline;
use crate::outcome::{Flag, Outcome};
use crate::registry::{Fact, FactId};

/// How old a fact's verification is, and when it goes stale. The one staleness rule: a fact is
/// stale once more than `stale_after_days` days have passed since `last_verified`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Freshness {
    pub(crate) age_days: i64,
    pub(crate) due: NaiveDate,
    pub(crate) stale: bool,
}

pub(crate) fn freshness(
    last_verified: NaiveDate,
    stale_after_days: u32,
    today: NaiveDate,
) -> Freshness {
    let age_days = (today - last_verified).num_days();
    Freshness {
        age_days,
        due: last_verified + chrono::Days::new(stale_after_days.into()),
        stale: age_days > i64::from(stale_after_days),
    }
}

/// A changed source as assessment sees it: the baseline's text and the diff to the new text.
struct ChangedSource<'a> {
    baseline: CurrentText<'a>,
    diff: &'a Diff,
    /// What following passages through the edit shares among the source's facts.
    follow: change::Follow<'a>,
}

/// What a source's capture gives its facts to be judged against.
pub(crate) struct Against<'a> {
    pub(crate) outcome: Outcome,
    /// Its text now; `None` when the capture failed (or status has no readable text).
    pub(crate) text: Option<&'a str>,
    /// For a changed source that can be compared line by line: the baseline's text and diff.
    pub(crate) change: Option<&'a TextChange>,
    /// The capture can re-verify facts (`Capture::is_evidence`); never so in `status`, which
    /// only reads what checks recorded.
    pub(crate) evidence: bool,
    /// When the work on this source must end (see `check`): past it, the facts not yet
    /// followed through the edit are assessed roughly, each flagged `source_changed`, and
    /// closest passages are no longer searched for.
    pub(crate) deadline: Option<Deadline>,
}

/// The day facts are judged on, and whether a re-verification moves their date today
/// (`check --refresh`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Day {
    pub(crate) today: NaiveDate,
    pub(crate) refresh: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Assessment {
    pub(crate) flags: Vec<Flag>,
    /// The fact's date after this check: today when `refreshed`, else the registry's.
    pub(crate) last_verified: NaiveDate,
    pub(crate) freshness: Freshness,
    /// This capture re-verified the fact ([`reverified`]).
    pub(crate) reverified: bool,
    /// ... and `--refresh` moves its date to today (it was another day).
    pub(crate) refreshed: bool,
    pub(crate) quote_found: Option<bool>,
    /// How many times the quote occurs in the current text (`None` without a quote or a text).
    pub(crate) quote_count: Option<usize>,
    /// When the quote occurs more than once: each occurrence's passage in the current text.
    pub(crate) quote_passages: Vec<String>,
    pub(crate) closest_passage: Option<ClosestPassage>,
    /// On a changed source: what the edit did to the fact's passage (the one it touched, when
    /// the quote occurs more than once); `None` when the source did not change, or when the
    /// fact has no quote that places it in the baseline.
    pub(crate) change: Option<PassageChange>,
    /// What the edit did to each passage of the quote in the baseline (one per occurrence).
    pub(crate) changes: Vec<PassageChange>,
    /// The time for the source ran out before this fact's passage was followed through the
    /// edit: it is flagged `source_changed` without a `change`, for a person to read.
    pub(crate) rough: bool,
}

/// Judges one fact. `current` is the text captured this run (`None` when the source failed);
/// `changed` is given when the source changed against its baseline.
fn assess<'t>(
    fact: &Fact,
    day: Day,
    against: &Against<'_>,
    current: Option<&CurrentText<'t>>,
    changed: Option<&ChangedSource<'t>>,
) -> Assessment {
    let outcome = against.outcome;
    let deadline = against.deadline.as_ref();
    let out_of_time = || deadline.is_some_and(Deadline::passed);
    let mut flags = Vec::new();
    let mut rough = false;
    let changes: Vec<PassageChange> = match (changed, current, &fact.quote) {
        (Some(changed), Some(current), Some(quote)) if !out_of_time() => {
            let followed: Option<Vec<PassageChange>> = place(&changed.baseline, quote)
                .iter()
                .map(|p| {
                    change::classify_by(
                        p,
                        changed.diff,
                        changed.baseline.lines(),
                        current.lines(),
                        &changed.follow,
                        deadline,
                    )
                })
                .collect();
            rough = followed.is_none();
            followed.unwrap_or_default()
        }
        (Some(_), Some(_), Some(_)) => {
            rough = true;
            Vec::new()
        }
        _ => Vec::new(),
    };
    let change = most_telling(&changes).cloned();
    // A fact that cannot be placed could be anywhere on the page: it takes every edit. One
    // placed at several passages is touched by an edit of any of them.
    if outcome == Outcome::Changed && change.as_ref().is_none_or(|c| c.change.touches_fact()) {
        flags.push(Flag::SourceChanged);
    }
    let (mut quote_found, mut quote_count, mut closest_passage) = (None, None, None);
    let mut quote_passages = Vec::new();
    match current {
        Some(current) if outcome.is_good() => {
            if let Some(quote) = &fact.quote {
                let evidence = if out_of_time() {
                    evidence_found(current, quote)
                } else {
                    evidence(current, quote)
                };
                quote_found = Some(evidence.found());
                quote_count = Some(evidence.passages.len());
                if !evidence.found() {
                    flags.push(Flag::EvidenceMissing);
                } else if evidence.passages.len() > 1 {
                    quote_passages = evidence.passages;
                }
                closest_passage = evidence.closest;
                // A removed passage has no new wording: the text most like it is shown only
                // when it is the same item reworded, never a neighbour that shares a word.
                if change.as_ref().is_some_and(|c| c.change == Change::Gone) {
                    closest_passage = closest_passage.filter(|c| same_item_reworded(quote, c));
                }
            }
        }
        _ => flags.push(Flag::Unverifiable),
    }
    // The one place a re-verification moves a date: before the row is made, so the staleness
    // rule is applied once, to the date the fact will have.
    let reverified = reverified(against.evidence, fact.quote.is_some(), outcome, quote_found);
    let refreshed = day.refresh && reverified && fact.last_verified != day.today;
    let last_verified = if refreshed {
        day.today
    } else {
        fact.last_verified
    };
    let freshness = freshness(last_verified, fact.stale_after_days, day.today);
    if freshness.stale {
        flags.insert(0, Flag::Stale);
    }
    Assessment {
        flags,
        last_verified,
        freshness,
        reverified,
        refreshed,
        quote_found,
        quote_count,
        quote_passages,
        closest_passage,
        change,
        changes,
        rough,
    }
}

/// Of what an edit did to each passage of a quote, what the fact's row shows: a changed value
/// first, then a removed or reworded passage, then a move, then nothing.
fn most_telling(changes: &[PassageChange]) -> Option<&PassageChange> {
    let rank = |c: &PassageChange| match c.change {
        Change::Value => 0,
        Change::Gone => 1,
        Change::Wording => 2,
        Change::Moved => 3,
        Change::Elsewhere => 4,
    };
    changes.iter().min_by_key(|c| rank(c))
}

/// Whether a capture re-verifies a fact: the capture is evidence (the server's own answer, not
/// doubted: see `Capture::is_evidence`), and the fact's quote is found on a source that is
/// `unchanged` (or `new` in this run); without a quote, its source `unchanged`. `check
/// --refresh` moves such a fact's date, and the ledger notes the day as `machine_verified`.
fn reverified(
    evidence: bool,
    has_quote: bool,
    outcome: Outcome,
    quote_found: Option<bool>,
) -> bool {
    evidence
        && match (has_quote, outcome) {
            (true, Outcome::Unchanged | Outcome::New) => quote_found == Some(true),
            (false, Outcome::Unchanged) => true,
            _ => false,
        }
}

/// Assesses the facts of one source against what is known of it (see [`Against`]). Returns each
/// fact's assessment, in order, and which edits touch which facts.
pub(crate) fn assess_source(
    facts: &[&Fact],
    day: Day,
    against: &Against<'_>,
) -> (Vec<Assessment>, Coverage) {
    // Folding the text for quote matching is only worth it when facts will be matched.
    let current = against
        .text
        .filter(|_| !facts.is_empty())
        .map(CurrentText::new);
    // Folding the baseline is only worth it when there are facts to place in it.
    let changed = against
        .change
        .filter(|_| !facts.is_empty())
        .map(|c| ChangedSource {
            baseline: CurrentText::new(&c.baseline_text),
            diff: &c.diff,
            follow: change::Follow::default(),
        });
    let assessed: Vec<Assessment> = facts
        .iter()
        .map(|fact| assess(fact, day, against, current.as_ref(), changed.as_ref()))
        .collect();
    let mut coverage = match against.change {
        Some(c) => {
            let pairs: Vec<(&Fact, &Assessment)> =
                facts.iter().copied().zip(assessed.iter()).collect();
            coverage(&c.diff, &pairs)
        }
        None => Coverage::default(),
    };
    coverage.rough = assessed.iter().filter(|a| a.rough).count();
    (assessed, coverage)
}

/// The passages a quote rests on in the baseline: where the quote is (every occurrence), or,
/// when it is not there verbatim, the passage most like it if that is alike enough to be the
/// same passage.
fn place(baseline: &CurrentText<'_>, quote: &str) -> Vec<passage::Passage> {
    let mut found = passage::locate_all(baseline, quote);
    if !found.is_empty() {
        // Two occurrences in one sentence are one passage to follow.
        found.dedup();
        return found;
    }
    let Some(closest) = baseline.closest_passage(quote) else {
        return found;
    };
    if closest.similarity < change::COUNTERPART_SIMILARITY {
        return found;
    }
    let line = closest.line;
    if let Some((sentence, _)) = passage::most_similar_sentence(baseline.lines()[line], quote) {
        found.push(passage::Passage {
            lines: line..line + 1,
            text: sentence.to_string(),
        });
    }
    found
}

/// Which edits of a changed source touch which facts.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Coverage {
    /// Per hunk of the diff: the facts whose passage it changes (value, wording, gone).
    pub(crate) hunk_facts: Vec<Vec<FactId>>,
    /// The lines edits removed or added that are no fact's passage, as runs (0-based line ranges
    /// of the old and the new text, either may be empty): new official text nobody quotes,
    /// which a person should read.
    pub(crate) uncovered: Vec<HunkRange>,
    /// How many facts were assessed roughly: the time for the source ran out first.
    pub(crate) rough: usize,
}

fn coverage(diff: &Diff, facts: &[(&Fact, &Assessment)]) -> Coverage {
    let changes: Vec<(&FactId, &PassageChange)> = facts
        .iter()
        .flat_map(|(fact, a)| a.changes.iter().map(|c| (&fact.id, c)))
        .collect();
    let hunk_facts = diff
        .hunks
        .iter()
        .map(|h| {
            let mut ids: Vec<FactId> = Vec::new();
            for (id, c) in &changes {
                // Changed in this hunk, not merely shown as its context.
                let touched = c.change.touches_fact()
                    && c.before
                        .lines
                        .clone()
                        .any(|l| h.old.contains(&l) && diff.kept.get(l) == Some(&None));
                if touched && !ids.contains(id) {
                    ids.push((*id).clone());
                }
            }
            ids
        })
        .collect();
    // A removed line is covered when it held a fact's passage that the edit removed or
    // rewrote; an added line when it holds a fact's passage (rewritten or moved) where it now
    // stands. Line by line, so a new row added beside an edited one is still new text nobody
    // quotes. A passage the edit left alone (`elsewhere`) covers nothing.
    let explained: Vec<&PassageChange> = changes
        .iter()
        .map(|(_, c)| *c)
        .filter(|c| c.change != Change::Elsewhere)
        .collect();
    // Sets of lines, so a rewrite of many lines with many facts costs lines + facts, not their
    // product.
    let removed: std::collections::HashSet<usize> = explained
        .iter()
        .flat_map(|c| c.before.lines.clone())
        .collect();
    let added: std::collections::HashSet<usize> = explained
        .iter()
        .filter_map(|c| c.after.as_ref())
        .flat_map(|p| p.lines.clone())
        .collect();
    let removed_covered = |l: usize| removed.contains(&l);
    let added_covered = |l: usize| added.contains(&l);
    let mut uncovered = Vec::new();
    for edit in &diff.changes {
        let old = runs(edit.old.clone().filter(|&l| !removed_covered(l)));
        let new = runs(edit.new.clone().filter(|&l| !added_covered(l)));
        // Runs of one edit in order, the n-th removed beside the n-th added.
        // A side with fewer runs is empty there, placed after its last run (or the edit).
        let empty_after = |runs: &[Range<usize>], edit: &Range<usize>| {
            let at = runs.last().map_or(edit.end, |r| r.end);
            at..at
        };
        for i in 0..old.len().max(new.len()) {
            uncovered.push(HunkRange {
                old: old
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| empty_after(&old, &edit.old)),
                new: new
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| empty_after(&new, &edit.new)),
            });
        }
    }
    Coverage {
        hunk_facts,
        uncovered,
        rough: 0,
    }
}

/// Consecutive numbers as ranges: 3, 4, 7 → 3..5, 7..8.
fn runs(lines: impl Iterator<Item = usize>) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    for l in lines {
        match out.last_mut() {
            Some(run) if run.end == l => run.end = l + 1,
            _ => out.push(l..l + 1),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn closest(text: &str, similarity: f32) -> ClosestPassage {
        ClosestPassage {
            text: text.to_string(),
            similarity,
            line: 0,
            window: text.to_string(),
        }
    }

    #[test]
    fn only_the_same_item_reworded_stands_for_a_gone_passage() {
        let quote = "Certificate of fingerprinting";
        // Another item of the same list: alike in letters, one word of three shared.
        assert!(!same_item_reworded(
            quote,
            &closest("Certificate on passing the eligibility assessment", 0.71)
        ));
        assert!(same_item_reworded(
            quote,
            &closest("Certificate of fingerprint registration", 0.9)
        ));
        // A duration reworded stays a duration; words without it are another item.
        assert!(same_item_reworded(
            "within 45 calendar days",
            &closest("within 30 calendar days", 0.9)
        ));
        assert!(!same_item_reworded(
            "within 45 calendar days",
            &closest("within 45 calendar dais", 0.9)
        ));
    }
}
