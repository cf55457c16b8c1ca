//! Facts → flags: what needs a human today (docs/outcomes.md).
//!
//! A fact is judged on four things only: its age against its staleness limit, whether its source
//! changed against the accepted baseline, whether its evidence quote is still in the current text,
//! and whether its source could be captured at all. For a missing quote the most similar passage
//! of the current text is reported, so a reviewer sees "30 calendar days" next to the quoted
//! "45 calendar days" without opening the page.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::compare::Diff;
use crate::outcome::{Flag, Outcome};
use crate::registry::{Fact, FactId};
use crate::text::fold_for_match;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ClosestPassage {
    pub(crate) text: String,
    /// 0.0–1.0, how much of the quote the passage shares (similar's ratio).
    pub(crate) similarity: f32,
}

/// The current text of a source, with its folded form computed once for all of its facts.
pub(crate) struct CurrentText<'a> {
    pub(crate) text: &'a str,
    folded: String,
}

impl<'a> CurrentText<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        CurrentText {
            text,
            folded: fold_for_match(text),
        }
    }

    pub(crate) fn contains_quote(&self, quote: &str) -> bool {
        let q = fold_for_match(quote);
        !q.is_empty() && self.folded.contains(&q)
    }

    /// The 0-based line on which the quote starts, if it is in the text.
    pub(crate) fn line_of_quote(&self, quote: &str) -> Option<usize> {
        let q = fold_for_match(quote);
        if q.is_empty() {
            return None;
        }
        let mut folded = String::with_capacity(self.folded.len());
        let mut starts = Vec::new();
        for line in self.text.lines() {
            if !folded.is_empty() {
                folded.push(' ');
            }
            starts.push(folded.len());
            folded.push_str(&fold_for_match(line));
        }
        let pos = folded.find(&q)?;
        Some(starts.partition_point(|&s| s <= pos) - 1)
    }

    /// The 0-based line holding a passage returned by [`Self::closest_passage`].
    pub(crate) fn line_of_passage(&self, passage: &str) -> Option<usize> {
        let first_words: String = passage
            .split_whitespace()
            .take(6)
            .collect::<Vec<_>>()
            .join(" ");
        self.text.lines().position(|l| l.contains(&first_words))
    }

    /// The window of the text most similar to `quote`, widened to its line when the line is short.
    pub(crate) fn closest_passage(&self, quote: &str) -> Option<ClosestPassage> {
        let folded_quote = fold_for_match(quote);
        let quote_words: Vec<&str> = folded_quote.split(' ').collect();
        let q = quote_words.len().max(1);
        // (line index, original word, folded word)
        let mut words: Vec<(usize, &str, String)> = Vec::new();
        let lines: Vec<&str> = self.text.lines().collect();
        for (li, line) in lines.iter().enumerate() {
            for w in line.split_whitespace() {
                words.push((li, w, fold_for_match(w)));
            }
        }
        if words.is_empty() {
            return None;
        }
        // Windows stay inside one line: a passage that runs across list items or table rows
        // reads as nonsense. A line shorter than the quote is one window.
        let mut windows: Vec<(usize, usize)> = Vec::new(); // (start, len)
        let mut line_start = 0;
        while line_start < words.len() {
            let line = words[line_start].0;
            let line_end = words[line_start..]
                .iter()
                .position(|w| w.0 != line)
                .map_or(words.len(), |p| line_start + p);
            let len = q.min(line_end - line_start);
            windows.extend((line_start..=line_end - len).map(|s| (s, len)));
            line_start = line_end;
        }
        // Cheap first pass: how many quote words each window shares. Only the best windows get
        // the (costlier) character-level similarity.
        let mut candidates: Vec<(usize, usize, usize)> = windows
            .into_iter()
            .map(|(start, len)| {
                let shared = words[start..start + len]
                    .iter()
                    .filter(|(_, _, f)| quote_words.contains(&f.as_str()))
                    .count();
                (shared, start, len)
            })
            .collect();
        candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        candidates.truncate(64);
        let mut best: Option<(f32, usize, usize)> = None;
        for (_, start, len) in candidates {
            let joined = words[start..start + len]
                .iter()
                .map(|(_, _, f)| f.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let ratio =
                similar::TextDiff::from_chars(folded_quote.as_str(), joined.as_str()).ratio();
            if best.is_none_or(|(r, _, _)| ratio > r) {
                best = Some((ratio, start, len));
            }
        }
        let (similarity, start, window) = best?;
        let line = words[start].0;
        let text = if lines[line].chars().count() <= 240 {
            lines[line].trim().to_string()
        } else {
            let from = start.saturating_sub(4);
            let to = (start + window + 4).min(words.len());
            words[from..to]
                .iter()
                .filter(|(l, _, _)| *l == line)
                .map(|(_, w, _)| *w)
                .collect::<Vec<_>>()
                .join(" ")
        };
        Some(ClosestPassage { text, similarity })
    }
}

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

#[derive(Debug, Clone)]
pub(crate) struct Assessment {
    pub(crate) flags: Vec<Flag>,
    pub(crate) freshness: Freshness,
    pub(crate) quote_found: Option<bool>,
    pub(crate) closest_passage: Option<ClosestPassage>,
}

/// Judges one fact. `current` is the text captured this run, `None` when the source failed.
pub(crate) fn assess(
    fact: &Fact,
    today: NaiveDate,
    outcome: Outcome,
    current: Option<&CurrentText<'_>>,
) -> Assessment {
    let freshness = freshness(fact.last_verified, fact.stale_after_days, today);
    let mut flags = Vec::new();
    if freshness.stale {
        flags.push(Flag::Stale);
    }
    if outcome == Outcome::Changed {
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
    }
}

/// For each hunk of a changed source's diff, the facts whose evidence lies in it: the quote's
/// line in the baseline, or the quote's (else the closest passage's) line in the new text. Hunks
/// carry three lines of context, so "next to" a change counts too.
pub(crate) fn facts_in_hunks(
    diff: &Diff,
    old: &CurrentText<'_>,
    new: &CurrentText<'_>,
    facts: &[(&Fact, &Assessment)],
) -> Vec<Vec<FactId>> {
    let located: Vec<(&FactId, Option<usize>, Option<usize>)> = facts
        .iter()
        .filter_map(|(fact, a)| {
            let quote = fact.quote.as_deref()?;
            let new_line = new.line_of_quote(quote).or_else(|| {
                a.closest_passage
                    .as_ref()
                    .and_then(|p| new.line_of_passage(&p.text))
            });
            Some((&fact.id, old.line_of_quote(quote), new_line))
        })
        .collect();
    diff.hunks
        .iter()
        .map(|h| {
            located
                .iter()
                .filter(|(_, o, n)| {
                    o.is_some_and(|l| h.old.contains(&l)) || n.is_some_and(|l| h.new.contains(&l))
                })
                .map(|(id, _, _)| (*id).clone())
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_space_quotes_dashes() {
        let text = CurrentText::new(
            "Processing time:\n45  CALENDAR days\nThe applicant’s “work permit” — valid 12\u{00A0}months",
        );
        assert!(text.contains_quote("processing time: 45 calendar days"));
        assert!(text.contains_quote("the applicant's \"work permit\" - valid 12 months"));
        assert!(text.contains_quote("«work permit» – valid"));
        assert!(!text.contains_quote("30 calendar days"));
        assert!(!text.contains_quote("   "));
    }

    #[test]
    fn folding_handles_cyrillic_case() {
        let text = CurrentText::new("СПРАВКА о состоянии здоровья");
        assert!(text.contains_quote("справка О СОСТОЯНИИ здоровья"));
        assert!(!text.contains_quote("справка о несудимости"));
    }

    #[test]
    fn closest_passage_points_at_the_new_number() {
        let text = CurrentText::new(
            "Services for foreigners\nThe permit is issued within 30 calendar days.\nFee: free of charge",
        );
        let p = text.closest_passage("45 calendar days").unwrap();
        assert_eq!(p.text, "The permit is issued within 30 calendar days.");
        assert!(p.similarity > 0.7, "{}", p.similarity);
    }

    #[test]
    fn lines_of_quotes_and_passages() {
        let text = CurrentText::new("Title\nFee: free\nIssued within 45\ncalendar days\nEnd");
        assert_eq!(text.line_of_quote("45 calendar days"), Some(2));
        assert_eq!(text.line_of_quote("fee: FREE"), Some(1));
        assert_eq!(text.line_of_quote("absent"), None);
        assert_eq!(text.line_of_passage("calendar days"), Some(3));
    }

    #[test]
    fn closest_passage_of_a_long_line_is_a_window() {
        let long = format!(
            "{} needle in 45 days {}",
            "word ".repeat(80),
            "tail ".repeat(80)
        );
        let text = CurrentText::new(&long);
        let p = text.closest_passage("needle in 46 days").unwrap();
        assert_eq!(
            p.text,
            "word word word word needle in 45 days tail tail tail tail"
        );
    }
}
