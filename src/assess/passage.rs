//! A fact's passage: the sentence, list item or table row of a text that holds its quote.
//!
//! Normalised text has one block per line (a paragraph, a list item, a table row). A list item or
//! a table row is one passage; a paragraph is split into sentences, so that an edit to one
//! sentence of a long paragraph does not touch the facts quoted from its other sentences.

use std::ops::Range;

use super::quote::CurrentText;
use crate::text::{fold_for_match, fold_for_quote, quote_spans};

/// Where a fact's evidence stands in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Passage {
    /// The lines it is on: one, or several when the quote runs across lines.
    pub(crate) lines: Range<usize>,
    /// The sentence (or item, or row, or run of lines) as written.
    pub(crate) text: String,
}

/// The sentences of one line of normalised text, as written. A list item (`- …`) or a table row
/// (`a | b`) is one; a paragraph breaks after `.`, `!`, `?` or `;` followed by a space and a
/// capital letter, a digit or an opening quote, unless the word before the mark is a short
/// abbreviation or an initial ("г.", "No.", "ст.", "J."), or the mark sits inside a number
/// ("0.5", "09.06.2026").
pub(crate) fn sentences(line: &str) -> Vec<&str> {
    if line.starts_with("- ") || line.contains(" | ") {
        return vec![line.trim()];
    }
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if !matches!(c, '.' | '!' | '?' | ';') {
            continue;
        }
        let after = i + c.len_utf8();
        let rest = &line[after..];
        let Some(next) = rest.strip_prefix(' ').and_then(|r| r.chars().next()) else {
            continue;
        };
        if !(next.is_uppercase() || next.is_ascii_digit() || "«\"“(".contains(next)) {
            continue;
        }
        if c == '.' && is_abbreviation(&line[start..i]) {
            continue;
        }
        out.push(line[start..after].trim());
        start = after + 1;
        while chars.peek().is_some_and(|(j, _)| *j < start) {
            chars.next();
        }
    }
    if start < line.len() {
        out.push(line[start..].trim());
    }
    out.retain(|s| !s.is_empty());
    out
}

/// Whether the word before a period is too short to end a sentence: an initial or an
/// abbreviation of one or two letters ("г.", "ул.", "No.", "J.").
fn is_abbreviation(before: &str) -> bool {
    let word: String = before
        .chars()
        .rev()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    letters > 0 && letters <= 2 && word.chars().all(|c| c.is_alphabetic())
}

/// The passages of `quote` in `text`, one per occurrence in order: the sentence whose folded
/// form holds it, else its whole line, else the run of lines it spans; empty when the quote is
/// not in the text. Two occurrences in one sentence give that sentence twice.
pub(crate) fn locate_all(text: &CurrentText<'_>, quote: &str) -> Vec<Passage> {
    let folded_quote = fold_for_quote(quote);
    let mut passages = Vec::new();
    // How many occurrences of the quote were met so far on the current line.
    let mut on_line = (usize::MAX, 0);
    for lines in text.occurrences(quote) {
        if lines.len() > 1 {
            let joined = text.lines()[lines.clone()].join("\n");
            passages.push(Passage {
                lines,
                text: joined,
            });
            continue;
        }
        let line = text.lines()[lines.start];
        let nth = if on_line.0 == lines.start {
            on_line.1
        } else {
            0
        };
        on_line = (lines.start, nth + 1);
        // The line's sentences, each as many times as it holds the quote: the n-th occurrence
        // on a line is in the n-th of these.
        let sentence = sentences(line)
            .into_iter()
            .flat_map(|s| {
                let times = quote_spans(&fold_for_quote(s), &folded_quote).len();
                std::iter::repeat_n(s, times)
            })
            .nth(nth)
            .unwrap_or(line);
        passages.push(Passage {
            lines,
            text: sentence.to_string(),
        });
    }
    passages
}

/// The passage of the first occurrence of `quote` in `text`.
#[cfg(test)]
pub(crate) fn locate(text: &CurrentText<'_>, quote: &str) -> Option<Passage> {
    locate_all(text, quote).into_iter().next()
}

/// The sentence of `line` most similar to `target` (folded, character level), with its
/// similarity 0.0–1.0.
pub(crate) fn most_similar_sentence<'l>(line: &'l str, target: &str) -> Option<(&'l str, f32)> {
    let target = fold_for_match(target);
    sentences(line)
        .into_iter()
        .map(|s| {
            let ratio = crate::compare::similarity(&target, &fold_for_match(s));
            (s, ratio)
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_split_into_sentences_items_and_rows_do_not() {
        assert_eq!(
            sentences("The permit is issued within 45 calendar days. The fee is 4 MCI."),
            [
                "The permit is issued within 45 calendar days.",
                "The fee is 4 MCI."
            ]
        );
        assert_eq!(
            sentences(
                "Срок – 15 рабочих дней. Адрес: г. Астана, ул. Мангилик Ел, 8. Приём с 9.00."
            ),
            [
                "Срок – 15 рабочих дней.",
                "Адрес: г. Астана, ул. Мангилик Ел, 8.",
                "Приём с 9.00."
            ]
        );
        assert_eq!(
            sentences("Valid until 09.06.2026. A fee of 0.5 MCI applies"),
            ["Valid until 09.06.2026.", "A fee of 0.5 MCI applies"]
        );
        assert_eq!(
            sentences("- Copy of the passport. Original on request."),
            ["- Copy of the passport. Original on request."]
        );
        assert_eq!(
            sentences("Fee | 4 MCI. Paid online"),
            ["Fee | 4 MCI. Paid online"]
        );
        assert_eq!(
            sentences("one sentence without a stop"),
            ["one sentence without a stop"]
        );
    }

    #[test]
    fn a_quote_is_placed_in_its_sentence() {
        let text = CurrentText::new(
            "Term of service\nThe permit is issued within 45 calendar days. The fee is 4 MCI.\n- Passport",
        );
        let p = locate(&text, "issued within 45 calendar days").unwrap();
        assert_eq!(p.lines, 1..2);
        assert_eq!(p.text, "The permit is issued within 45 calendar days.");
        let p = locate(&text, "days. The fee").unwrap();
        assert_eq!(
            p.text,
            "The permit is issued within 45 calendar days. The fee is 4 MCI."
        );
        let p = locate(&text, "4 MCI. - passport").unwrap();
        assert_eq!(p.lines, 1..3);
        assert!(locate(&text, "30 calendar days").is_none());
    }

    #[test]
    fn every_occurrence_has_its_passage() {
        let text = CurrentText::new(
            "Fee: 2 MCI. A duplicate costs also 2 MCI. Late: 12 MCI.\n- Receipt (2 MCI)",
        );
        let found = locate_all(&text, "2 MCI");
        let shown: Vec<&str> = found.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(
            shown,
            [
                "Fee: 2 MCI.",
                "A duplicate costs also 2 MCI.",
                "- Receipt (2 MCI)"
            ]
        );
        assert_eq!(found[1].lines, 0..1);
        assert_eq!(found[2].lines, 1..2);
    }
}
