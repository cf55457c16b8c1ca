//! How an official page's text supports a claim: the passage to quote, or why there is none.

use std::collections::HashSet;

use crate::assess::{values_agree, values_in};
use crate::site::{Claim, ClaimKind};
use crate::text::fold_for_quote;

/// A quote is offered when its passage holds at least this share of the claim's words; below,
/// a reviewer would not recognise the claim in it. Measured on the fixtures: the passages a
/// reviewer accepts share 0.6–1.0 of the claim's words, the next best unrelated item under 0.4.
const LEAST_SHARE: f64 = 0.5;

/// For a claim whose typed values a passage states alike, the words may differ more: the page
/// says "Typical processing: ~45 days", the official page "rendered within 45 calendar days".
const LEAST_SHARE_WITH_VALUES: f64 = 0.25;

/// How a source's text supports a claim.
pub(super) enum Support {
    /// The passage to quote: `share` of the claim's words are in it; `values`: the claim has
    /// typed values and they agree.
    Quote {
        passage: String,
        share: f64,
        values: bool,
    },
    /// The most alike passage states other values.
    Disagrees {
        passage: String,
    },
    /// The most alike passage shares too little of the claim.
    Weak {
        passage: String,
        share: f64,
    },
    NoText,
}

impl Support {
    pub(super) fn score(&self) -> f64 {
        match self {
            Support::Quote { share, .. } => 2.0 + share,
            Support::Weak { share, .. } => *share,
            Support::Disagrees { .. } => 0.1,
            Support::NoText => 0.0,
        }
    }
}

/// A claim as a fact states it: a row's label and value read as one phrase.
pub(super) fn claim_text(claim: &Claim) -> String {
    let text = claim.text.trim().trim_end_matches('.').to_string();
    match claim.kind {
        ClaimKind::Row => {
            let cells: Vec<&str> = text.split(" | ").collect();
            match cells.as_slice() {
                [label, rest @ ..] if !rest.is_empty() => {
                    format!("{}: {}", label.trim_end_matches(':'), rest.join(", "))
                }
                _ => text,
            }
        }
        _ => text,
    }
}

/// Words that say nothing of which claim a passage states: a passage that shares only these
/// with a claim does not support it ("Job offer: Required" is not in "A medical certificate is
/// required").
const FILLER: &[&str] = &[
    "a",
    "an",
    "the",
    "of",
    "for",
    "to",
    "in",
    "on",
    "at",
    "by",
    "from",
    "with",
    "and",
    "or",
    "is",
    "are",
    "be",
    "must",
    "shall",
    "may",
    "required",
    "requires",
    "valid",
    "not",
    "no",
    "as",
    "this",
    "that",
    "its",
    "per",
    "via",
    "over",
    "under",
    "within",
    "up",
    "yes",
    "и",
    "в",
    "во",
    "на",
    "с",
    "со",
    "по",
    "для",
    "от",
    "до",
    "о",
    "об",
    "не",
    "или",
    "к",
    "у",
    "из",
    "за",
    "при",
    "требуется",
    "обязательно",
    "необходимо",
    "және",
    "мен",
    "бен",
    "пен",
    "үшін",
    "талап",
    "етіледі",
    "қажет",
];

/// A text's words that name what it is about: folded, punctuation and [`FILLER`] left out.
fn words(s: &str) -> HashSet<String> {
    fold_for_quote(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !FILLER.contains(w))
        .map(str::to_string)
        .collect()
}

/// The passage of `text` (a sentence, item or row) that best supports `claim`.
///
/// A claim that states typed values ("~45 days", "18–65") is supported by a passage that
/// states a value of the same kind that agrees ("within 45 calendar days") and shares at least
/// [`LEAST_SHARE_WITH_VALUES`] of its words; a passage of the same kind with other values is
/// said to differ, never quoted. A claim without values needs a passage that holds at least
/// [`LEAST_SHARE`] of its words. Ties go to more words shared, then to the more alike text.
pub(super) fn best_passage(text: &str, claim: &str) -> Support {
    let wanted = words(claim);
    let claim_values = values_in(claim);
    if wanted.is_empty() {
        return Support::NoText;
    }
    let folded_claim = fold_for_quote(claim);
    struct Scored {
        agree: bool,
        same_kind: bool,
        share: f64,
        closeness: f32,
        passage: String,
    }
    let mut scored: Vec<Scored> = Vec::new();
    for line in text.lines() {
        for sentence in crate::assess::sentences(line) {
            let passage = sentence.trim_start_matches("- ").trim();
            let have = words(passage);
            if have.is_empty() {
                continue;
            }
            let values = values_in(passage);
            scored.push(Scored {
                agree: values_agree(&claim_values, &values),
                same_kind: claim_values
                    .iter()
                    .any(|c| values.iter().any(|v| v.kind == c.kind)),
                share: wanted.intersection(&have).count() as f64 / wanted.len() as f64,
                closeness: crate::compare::similarity(&folded_claim, &fold_for_quote(passage)),
                passage: passage.to_string(),
            });
        }
    }
    let by_words = |a: &&Scored, b: &&Scored| {
        (a.share, a.closeness)
            .partial_cmp(&(b.share, b.closeness))
            .unwrap_or(std::cmp::Ordering::Equal)
    };
    let quote = |s: &Scored| Support::Quote {
        passage: s.passage.clone(),
        share: s.share,
        values: !claim_values.is_empty(),
    };
    if !claim_values.is_empty() {
        let of_kind = || {
            scored
                .iter()
                .filter(|s| s.same_kind && s.share >= LEAST_SHARE_WITH_VALUES)
        };
        if let Some(best) = of_kind().filter(|s| s.agree).max_by(by_words) {
            return quote(best);
        }
        if let Some(best) = of_kind().max_by(by_words) {
            return Support::Disagrees {
                passage: best.passage.clone(),
            };
        }
    }
    if let Some(best) = scored
        .iter()
        .filter(|s| s.agree && s.share >= LEAST_SHARE)
        .max_by(by_words)
    {
        return quote(best);
    }
    match scored.iter().max_by(by_words) {
        Some(best) => Support::Weak {
            passage: best.passage.clone(),
            share: best.share,
        },
        None => Support::NoText,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quote_is_offered_only_when_values_agree() {
        let text = "Term of rendering the service\nThe service is rendered within 45 calendar days.\n\
                    - Application for the issuance of a permanent residence permit";
        match best_passage(text, "Typical processing: ~45 days") {
            Support::Quote {
                passage, values, ..
            } => {
                assert_eq!(passage, "The service is rendered within 45 calendar days.");
                assert!(values);
            }
            _ => panic!("a quote"),
        }
        assert!(matches!(
            best_passage(text, "Typical processing: ~30 days"),
            Support::Disagrees { .. }
        ));
        match best_passage(
            text,
            "Application for the issuance of a permanent residence permit",
        ) {
            Support::Quote { passage, share, .. } => {
                assert_eq!(
                    passage,
                    "Application for the issuance of a permanent residence permit"
                );
                assert!(share > 0.99);
            }
            _ => panic!("a quote"),
        }
        assert!(matches!(
            best_passage(text, "Certificate of fingerprinting"),
            Support::Weak { .. }
        ));
        // Words that say nothing of the claim do not make a quote.
        assert!(matches!(
            best_passage("A medical certificate is required.", "Job offer: Required"),
            Support::Weak { .. }
        ));
    }
}
