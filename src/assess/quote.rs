//! Quote matching: whether a fact's evidence is in a text, on which lines, and, when it is not,
//! the most similar passage (so a reviewer sees "30 calendar days" next to the quoted
//! "45 calendar days" without opening the page). Matching compares folded text, whole tokens
//! only, and finds every occurrence (`text::quote_spans`; docs/registry.md, "Quotes").

use std::ops::Range;

use crate::text::{fold_for_match, fold_for_quote, quote_spans_in_lines};

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ClosestPassage {
    pub(crate) text: String,
    /// 0.0–1.0, how much of the quote the passage shares (similar's ratio).
    pub(crate) similarity: f32,
    /// The 0-based line it is on.
    pub(crate) line: usize,
    /// The words of the best window alone, as the page writes them (no sentence punctuation at
    /// its ends): what would replace the quote when the page's wording changed.
    pub(crate) window: String,
}

/// A source's text with its folded form (for quote matching) computed once for all of its
/// facts, line by line so a match can be traced back to the line it is on.
pub(crate) struct CurrentText<'a> {
    lines: Vec<&'a str>,
    /// Every line folded for quotes, joined by one space (what folding the whole text gives).
    folded: String,
    /// Where each line starts in `folded`.
    starts: Vec<usize>,
    /// Where the spaces that join two lines are in `folded`.
    joins: Vec<usize>,
    /// Every word with its line and its folded form, made on the first search for a closest
    /// passage and kept for the other facts of the source: folding every word again per fact
    /// made a 40,000-line page cost tens of milliseconds a fact.
    words: std::cell::OnceCell<Words<'a>>,
}

/// A word of the text: its line, as written, and folded for matching.
type Word<'a> = (usize, &'a str, String);

/// The words of a text, and each one's folded form as a number (equal forms, equal numbers), so
/// that telling which words are a quote's is a comparison of numbers.
struct Words<'a> {
    list: Vec<Word<'a>>,
    ids: Vec<u32>,
    dict: std::collections::HashMap<String, u32>,
}

impl<'a> CurrentText<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let lines: Vec<&str> = text.lines().collect();
        let mut folded = String::with_capacity(text.len());
        let mut starts = Vec::with_capacity(lines.len());
        let mut joins = Vec::with_capacity(lines.len());
        for line in &lines {
            let f = fold_for_quote(line);
            if !f.is_empty() && !folded.is_empty() {
                joins.push(folded.len());
                folded.push(' ');
            }
            starts.push(folded.len());
            folded.push_str(&f);
        }
        CurrentText {
            lines,
            folded,
            starts,
            joins,
            words: std::cell::OnceCell::new(),
        }
    }

    pub(crate) fn lines(&self) -> &[&'a str] {
        &self.lines
    }

    #[cfg(test)]
    pub(crate) fn contains_quote(&self, quote: &str) -> bool {
        !self.occurrences(quote).is_empty()
    }

    /// The 0-based lines each occurrence of the quote spans, in order: one range per
    /// occurrence (several may share a line).
    pub(crate) fn occurrences(&self, quote: &str) -> Vec<Range<usize>> {
        let line_at = |p: usize| self.starts.partition_point(|&s| s <= p).max(1) - 1;
        quote_spans_in_lines(&self.folded, &fold_for_quote(quote), &self.joins)
            .into_iter()
            .map(|span| line_at(span.start)..line_at(span.end - 1) + 1)
            .collect()
    }

    /// The 0-based line on which the quote first starts, if it is in the text.
    #[cfg(test)]
    pub(crate) fn line_of_quote(&self, quote: &str) -> Option<usize> {
        self.occurrences(quote).first().map(|r| r.start)
    }

    /// The window of the text most similar to `quote`, widened to its line when the line is short.
    pub(crate) fn closest_passage(&self, quote: &str) -> Option<ClosestPassage> {
        let folded_quote = fold_for_quote(quote);
        let quote_words: Vec<&str> = folded_quote.split(' ').collect();
        let q = quote_words.len().max(1);
        let lines = &self.lines;
        let Words {
            list: words,
            ids,
            dict,
        } = self.words.get_or_init(|| {
            let mut list = Vec::new();
            for (li, line) in lines.iter().enumerate() {
                // The cell separator is no word: a row reads as its cells.
                for w in line.split_whitespace().filter(|w| *w != "|") {
                    list.push((li, w, fold_for_match(w)));
                }
            }
            let mut dict = std::collections::HashMap::new();
            let ids = list
                .iter()
                .map(|(_, _, f)| {
                    let next = u32::try_from(dict.len()).unwrap_or(u32::MAX);
                    *dict.entry(f.clone()).or_insert(next)
                })
                .collect();
            Words { list, ids, dict }
        });
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
        // Cheap first pass: how many quote words each window shares, by a running count of the
        // words that are quote words. Only the best windows get the (costlier) character-level
        // similarity.
        let quote_ids: Vec<u32> = quote_words
            .iter()
            .filter_map(|w| dict.get(*w).copied())
            .collect();
        let mut hits = Vec::with_capacity(words.len() + 1);
        hits.push(0usize);
        for id in ids {
            let hit = usize::from(quote_ids.contains(id));
            hits.push(hits[hits.len() - 1] + hit);
        }
        let mut candidates: Vec<(usize, usize, usize)> = windows
            .into_iter()
            .map(|(start, len)| (hits[start + len] - hits[start], start, len))
            .collect();
        // The best 64, in order: a selection, then a sort of those alone (a sort of every
        // window of a long page cost more than the rest of the search).
        let order = |a: &(usize, usize, usize), b: &(usize, usize, usize)| {
            b.0.cmp(&a.0).then(a.1.cmp(&b.1))
        };
        if candidates.len() > 64 {
            candidates.select_nth_unstable_by(63, order);
            candidates.truncate(64);
        }
        candidates.sort_by(order);
        let mut best: Option<(f32, usize, usize)> = None;
        for (_, start, len) in candidates {
            let joined = words[start..start + len]
                .iter()
                .map(|(_, _, f)| f.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let ratio = crate::compare::similarity(&folded_quote, &joined);
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
        let window = words[start..start + window]
            .iter()
            .map(|(_, w, _)| *w)
            .collect::<Vec<_>>()
            .join(" ")
            .trim_matches(|c: char| matches!(c, '.' | ',' | ';' | ':'))
            .to_string();
        Some(ClosestPassage {
            text,
            similarity,
            line,
            window,
        })
    }
}

/// What a text says for a quote: the passage of each occurrence, or, when there is none, the
/// closest passage. The one search `check`, `status`, `probe` and `validate --store` share.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Evidence {
    /// The sentence, item or row of each occurrence, in order.
    pub(crate) passages: Vec<String>,
    /// When the quote is not there: the most similar passage of the text.
    pub(crate) closest: Option<ClosestPassage>,
}

impl Evidence {
    pub(crate) fn found(&self) -> bool {
        !self.passages.is_empty()
    }
}

/// [`evidence`] without the search for a closest passage: what is left to do once the time for
/// a source has run out.
pub(super) fn evidence_found(text: &CurrentText<'_>, quote: &str) -> Evidence {
    let passages: Vec<String> = super::passage::locate_all(text, quote)
        .into_iter()
        .map(|p| p.text)
        .collect();
    Evidence {
        passages,
        closest: None,
    }
}

pub(crate) fn evidence(text: &CurrentText<'_>, quote: &str) -> Evidence {
    let mut found = evidence_found(text, quote);
    if !found.found() {
        found.closest = text.closest_passage(quote);
    }
    found
}

/// Whether `closest` is the quoted item in new words rather than another item beside it: as
/// alike as a rewrite ([`super::change::COUNTERPART_SIMILARITY`]), holding at least half of the quote's
/// words, and writing every kind of typed value the quote writes (a duration stays a duration).
/// "Certificate of fingerprinting" is not "Certificate on passing the eligibility assessment"
/// (0.71 alike, one word of three shared).
pub(super) fn same_item_reworded(quote: &str, closest: &ClosestPassage) -> bool {
    if closest.similarity < super::change::COUNTERPART_SIMILARITY {
        return false;
    }
    let words = |t: &str| -> Vec<String> {
        crate::text::fold_for_match(t)
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (quoted, passage) = (words(quote), words(&closest.text));
    let shared = quoted.iter().filter(|w| passage.contains(w)).count();
    if shared * 2 < quoted.len() {
        return false;
    }
    let kinds: Vec<_> = super::values_in(&closest.text)
        .into_iter()
        .map(|v| v.kind)
        .collect();
    super::values_in(quote)
        .iter()
        .all(|v| kinds.contains(&v.kind))
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
    }

    #[test]
    fn occurrences_are_whole_tokens_across_lines_and_cells() {
        let text = CurrentText::new(
            "Fee | 2 MCI\nCopy | also 2 MCI\nLate fee | 12 MCI\nTotal: 1\n100 тенге",
        );
        assert_eq!(text.occurrences("2 MCI"), [0..1, 1..2]);
        assert_eq!(text.occurrences("fee 2 mci"), vec![0..1]);
        assert_eq!(text.occurrences("Copy also 2 MCI"), vec![1..2]);
        // A line break is not a thousands separator.
        assert_eq!(text.occurrences("100 тенге"), vec![4..5]);
        assert!(!text.contains_quote("fee 1"));
        assert!(text.contains_quote("late fee 12 mci"));
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
