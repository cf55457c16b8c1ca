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
//!   values/     typed values in a line (durations, money, MCI, dates, …) and their changes
//! ```

mod change;
mod passage;
mod quote;
mod values;

use std::ops::Range;

use chrono::NaiveDate;

pub(crate) use change::{Change, PassageChange};
pub(crate) use quote::ClosestPassage;
pub(crate) use quote::CurrentText;

use crate::compare::Diff;
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
}

#[derive(Debug, Clone)]
pub(crate) struct Assessment {
    pub(crate) flags: Vec<Flag>,
    pub(crate) freshness: Freshness,
    pub(crate) quote_found: Option<bool>,
    pub(crate) closest_passage: Option<ClosestPassage>,
    /// On a changed source: what the edit did to the fact's passage; `None` when the source did
    /// not change, or when the fact has no quote that places it in the baseline.
    pub(crate) change: Option<PassageChange>,
}

/// Judges one fact. `current` is the text captured this run (`None` when the source failed);
/// `changed` is given when the source changed against its baseline.
fn assess(
    fact: &Fact,
    today: NaiveDate,
    outcome: Outcome,
    current: Option<&CurrentText<'_>>,
    changed: Option<&ChangedSource<'_>>,
) -> Assessment {
    let freshness = freshness(fact.last_verified, fact.stale_after_days, today);
    let mut flags = Vec::new();
    if freshness.stale {
        flags.push(Flag::Stale);
    }
    let change = match (changed, current, &fact.quote) {
        (Some(changed), Some(current), Some(quote)) => place(&changed.baseline, quote)
            .map(|p| change::classify(&p, changed.diff, changed.baseline.lines(), current.lines())),
        _ => None,
    };
    // A fact that cannot be placed could be anywhere on the page: it takes every edit.
    if outcome == Outcome::Changed && change.as_ref().is_none_or(|c| c.change.touches_fact()) {
        flags.push(Flag::SourceChanged);
    }
    let (mut quote_found, mut closest_passage) = (None, None);
    match current {
        Some(current) if outcome.is_good() => {
            if let Some(quote) = &fact.quote {
                let found = current.contains_quote(quote);
                quote_found = Some(found);
                if !found {
                    flags.push(Flag::EvidenceMissing);
                    closest_passage = current.closest_passage(quote);
                }
            }
        }
        _ => flags.push(Flag::Unverifiable),
    }
    Assessment {
        flags,
        freshness,
        quote_found,
        closest_passage,
        change,
    }
}

/// Whether a capture re-verifies a fact: its quote found on a source that is `unchanged` (or
/// `new` in this run); without a quote, its source `unchanged`. `check --refresh` moves such a
/// fact's date, and the ledger notes the day as `machine_verified`.
pub(crate) fn reverified(has_quote: bool, outcome: Outcome, quote_found: Option<bool>) -> bool {
    match (has_quote, outcome) {
        (true, Outcome::Unchanged | Outcome::New) => quote_found == Some(true),
        (false, Outcome::Unchanged) => true,
        _ => false,
    }
}

/// Assesses the facts of one source against what is known of it: `text` is its current text
/// (`None` when the capture failed), `change` the baseline's text and the diff from it when the
/// source changed. Returns each fact's assessment, in order, and which edits touch which facts.
pub(crate) fn assess_source(
    facts: &[&Fact],
    today: NaiveDate,
    outcome: Outcome,
    text: Option<&str>,
    change: Option<(&str, &Diff)>,
) -> (Vec<Assessment>, Coverage) {
    // Folding the text for quote matching is only worth it when facts will be matched.
    let current = text.filter(|_| !facts.is_empty()).map(CurrentText::new);
    // Folding the baseline is only worth it when there are facts to place in it.
    let changed = change
        .filter(|_| !facts.is_empty())
        .map(|(old, diff)| ChangedSource {
            baseline: CurrentText::new(old),
            diff,
        });
    let assessed: Vec<Assessment> = facts
        .iter()
        .map(|fact| assess(fact, today, outcome, current.as_ref(), changed.as_ref()))
        .collect();
    let coverage = match change {
        Some((_, diff)) => {
            let pairs: Vec<(&Fact, &Assessment)> =
                facts.iter().copied().zip(assessed.iter()).collect();
            coverage(diff, &pairs)
        }
        None => Coverage::default(),
    };
    (assessed, coverage)
}

/// The passage a quote rests on in the baseline: where the quote is, or, when it is not there
/// verbatim, the passage most like it if that is alike enough to be the same passage.
fn place(baseline: &CurrentText<'_>, quote: &str) -> Option<passage::Passage> {
    if let Some(p) = passage::locate(baseline, quote) {
        return Some(p);
    }
    let closest = baseline.closest_passage(quote)?;
    if closest.similarity < change::COUNTERPART_SIMILARITY {
        return None;
    }
    let line = closest.line;
    let (sentence, _) = passage::most_similar_sentence(baseline.lines()[line], quote)?;
    Some(passage::Passage {
        lines: line..line + 1,
        text: sentence.to_string(),
    })
}

/// Which edits of a changed source touch which facts.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Coverage {
    /// Per hunk of the diff: the facts whose passage it changes (value, wording, gone).
    pub(crate) hunk_facts: Vec<Vec<FactId>>,
    /// Indices into `Diff::changes` of the edits that touch no fact's passage: new official
    /// text nobody quotes, which a person should read.
    pub(crate) uncovered: Vec<usize>,
}

fn coverage(diff: &Diff, facts: &[(&Fact, &Assessment)]) -> Coverage {
    let overlaps = |a: &Range<usize>, b: &Range<usize>| a.start < b.end && b.start < a.end;
    let changes: Vec<(&FactId, &PassageChange)> = facts
        .iter()
        .filter_map(|(fact, a)| Some((&fact.id, a.change.as_ref()?)))
        .collect();
    let hunk_facts = diff
        .hunks
        .iter()
        .map(|h| {
            changes
                .iter()
                .filter(|(_, c)| c.change.touches_fact())
                .filter(|(_, c)| {
                    // Changed in this hunk, not merely shown as its context.
                    c.before
                        .lines
                        .clone()
                        .any(|l| h.old.contains(&l) && diff.kept.get(l) == Some(&None))
                })
                .map(|(id, _)| (*id).clone())
                .collect()
        })
        .collect();
    // An edit is covered when it removed or rewrote a fact's passage, or put a fact's passage
    // (rewritten or moved) where it now stands. A passage that only stands next to an edit, or
    // inside a line rewritten around it, does not explain that edit.
    let uncovered = diff
        .changes
        .iter()
        .enumerate()
        .filter(|(_, edit)| {
            !changes.iter().any(|(_, c)| {
                c.change != Change::Elsewhere
                    && (overlaps(&c.before.lines, &edit.old)
                        || c.after
                            .as_ref()
                            .is_some_and(|p| overlaps(&p.lines, &edit.new)))
            })
        })
        .map(|(i, _)| i)
        .collect();
    Coverage {
        hunk_facts,
        uncovered,
    }
}
