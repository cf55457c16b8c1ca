//! What an edit did to a fact's passage: its typed values changed (`value`), only its words did
//! (`wording`), it was removed (`gone`), it stands unchanged in another place (`moved`), or the
//! page changed somewhere else (`elsewhere`).
//!
//! The line diff says which lines of the baseline were kept; a passage on a kept line is
//! untouched. For a passage on a changed line, its counterpart is looked for among the lines the
//! same edit put in its place: the sentence most like it, when it is alike enough to be the same
//! passage rewritten (see [`COUNTERPART_SIMILARITY`]) or differs only in its typed values.

use std::ops::Range;

use serde::{Deserialize, Serialize};

pub(crate) use super::follow::Follow;
use super::follow::most_similar;
use super::passage::{Passage, sentences};
use super::values::{ValueChange, value_changes, values_in};
use crate::compare::{Diff, HunkRange};
use crate::text::fold_for_match;

/// How alike (similar's character ratio on folded text, 0–1) a new sentence must be to a
/// passage to count as that passage rewritten rather than other text. Measured on official
/// pages: one changed number or word in a sentence or list item keeps it above 0.85 ("within
/// 45 calendar days" / "within 30 calendar days" 0.93, "45 календарных дней" / "30 календарных
/// дней" 0.89), while two different items of one document list share at most about 0.7 ("Copy
/// of the passport" / "Copy of the birth certificate" 0.62). Short lines whose only difference
/// is a value ("45 days" / "30 days", 0.71) are caught by the value mask instead.
pub(crate) const COUNTERPART_SIMILARITY: f32 = 0.8;

/// The lower bar for a new sentence that no other line the same edit removed is more like: a
/// rewrite in place ("Copy of the national passport" / "Copy of the passport of a foreign
/// citizen", 0.65), not another item ("Copy of the passport" / "Consent to personal data
/// processing", 0.35).
const REWRITE_SIMILARITY: f32 = 0.5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Change {
    Value,
    Wording,
    Gone,
    Moved,
    Elsewhere,
}

impl Change {
    /// Whether the fact's own passage changed: what raises `source_changed`.
    pub(crate) fn touches_fact(self) -> bool {
        matches!(self, Change::Value | Change::Wording | Change::Gone)
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Change::Value => "value",
            Change::Wording => "wording",
            Change::Gone => "gone",
            Change::Moved => "moved",
            Change::Elsewhere => "elsewhere",
        }
    }
}

/// A fact's passage held against the new text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PassageChange {
    pub(crate) change: Change,
    /// The passage in the baseline.
    pub(crate) before: Passage,
    /// Where it is now: the same text (moved, elsewhere) or its rewritten counterpart (value,
    /// wording); `None` when gone.
    pub(crate) after: Option<Passage>,
    /// For `value`: each typed value that changed, as written before and after.
    pub(crate) values: Vec<ValueChange>,
}

/// Lines of a rewrite looked at on each side of where a passage stood, for its counterpart:
/// a rewritten sentence stays near its place, and a search through every line of a rewritten
/// page costs a similarity per line and fact (about 30 µs each: 200 facts on 40,000 new lines
/// took over half a minute).
const NEAR: usize = 100;
/// Lines looked through between two looks at the deadline.
const LINES_PER_CHECK: usize = 256;
/// Lines compared (a similarity each) between two looks at the deadline.
const CANDIDATES_PER_CHECK: usize = 16;

/// Classifies what `diff` (baseline → new) did to `passage` (a passage of the baseline).
/// `old_lines` and `new_lines` are the lines of the two texts.
#[cfg(test)]
pub(crate) fn classify(
    passage: &Passage,
    diff: &Diff,
    old_lines: &[&str],
    new_lines: &[&str],
) -> PassageChange {
    classify_by(
        passage,
        diff,
        old_lines,
        new_lines,
        &Follow::default(),
        None,
    )
    .expect("no deadline")
}

/// Classifies what `diff` (baseline → new) did to `passage`, as `classify` does, by a
/// deadline: `None` once it has passed, the passage not followed. `follow` holds what the
/// facts of one source share.
pub(crate) fn classify_by<'t>(
    passage: &Passage,
    diff: &Diff,
    old_lines: &[&'t str],
    new_lines: &[&'t str],
    follow: &Follow<'t>,
    deadline: Option<&crate::dom::Deadline>,
) -> Option<PassageChange> {
    let out_of_time = || deadline.is_some_and(|d| d.passed());
    let kept: Option<Vec<usize>> = passage
        .lines
        .clone()
        .map(|l| diff.kept.get(l).copied().flatten())
        .collect();
    if let Some(kept) = kept {
        let lines = kept[0]..kept[kept.len() - 1] + 1;
        return Some(unchanged(passage, Change::Elsewhere, lines, new_lines));
    }
    let edits: Vec<&HunkRange> = diff
        .changes
        .iter()
        .filter(|c| c.old.start < passage.lines.end && passage.lines.start < c.old.end)
        .collect();
    let block: Range<usize> = edits
        .iter()
        .map(|c| c.new.clone())
        .reduce(|a, b| a.start.min(b.start)..a.end.max(b.end))
        .unwrap_or(0..0);
    let old_block: Range<usize> = edits
        .iter()
        .map(|c| c.old.clone())
        .reduce(|a, b| a.start.min(b.start)..a.end.max(b.end))
        .unwrap_or(0..0);
    // In a long rewrite, only the lines near the passage's place: as far into the new lines
    // as the passage was into the old ones.
    let near = |range: &Range<usize>, at: usize| {
        at.saturating_sub(NEAR).max(range.start)..(at + NEAR + 1).min(range.end)
    };
    let into = passage.lines.start.saturating_sub(old_block.start);
    let at_new = block.start
        + (into as u128 * block.len() as u128 / old_block.len().max(1) as u128) as usize;
    let block_near = near(&block, at_new);
    let old_near = near(&old_block, passage.lines.start);
    // The other lines the same edits removed: a candidate that is more like one of them is
    // that line's rewrite, not this passage's.
    let rivals: Vec<(usize, &'t str)> = edits
        .iter()
        .flat_map(|e| e.old.clone())
        .filter(|l| old_near.contains(l) && !passage.lines.contains(l))
        .filter_map(|l| old_lines.get(l).map(|t| (l, *t)))
        .collect();
    // The passage as written may survive a rewrite of the line around it, or stand elsewhere.
    // Whole sentences only: an item that merely grew a word still holds its old text, but it
    // was rewritten.
    let whole = fold_for_match(&passage.text);
    let folded = follow.folded(new_lines);
    // The folded line holds the folded passage whenever one of its sentences is it: a
    // substring test first (one searcher for all the lines), the sentences only for the lines
    // that pass it.
    let finder = memchr::memmem::Finder::new(whole.as_bytes());
    let holds = |i: usize| {
        let (Some(l), Some(f)) = (new_lines.get(i), folded.get(i)) else {
            return false;
        };
        if passage.lines.len() > 1 {
            *f == whole
        } else {
            finder.find(f.as_bytes()).is_some()
                && sentences(l).iter().any(|s| fold_for_match(s) == whole)
        }
    };
    let mut found = None;
    let elsewhere = (0..block.start).chain(block.end..new_lines.len());
    for (n, l) in block.clone().chain(elsewhere).enumerate() {
        if n % LINES_PER_CHECK == 0 && out_of_time() {
            return None;
        }
        if holds(l) {
            found = Some((l, block.contains(&l)));
            break;
        }
    }
    match found {
        Some((l, true)) => {
            return Some(unchanged(passage, Change::Elsewhere, l..l + 1, new_lines));
        }
        Some((l, false)) => return Some(unchanged(passage, Change::Moved, l..l + 1, new_lines)),
        None => {}
    }
    let from = block_near.start.min(new_lines.len());
    let candidates = &new_lines[from..block_near.end.min(new_lines.len())];
    let near = Near {
        from,
        candidates,
        rivals: &rivals,
        follow,
    };
    Some(match counterpart(passage, &near, &out_of_time)? {
        Some((offset, text)) => {
            let values = value_changes(&passage.text, &text);
            let line = from + offset;
            PassageChange {
                change: if values.is_empty() {
                    Change::Wording
                } else {
                    Change::Value
                },
                before: passage.clone(),
                after: Some(Passage {
                    lines: line..line + 1,
                    text,
                }),
                values,
            }
        }
        None => PassageChange {
            change: Change::Gone,
            before: passage.clone(),
            after: None,
            values: Vec::new(),
        },
    })
}

fn unchanged(
    passage: &Passage,
    change: Change,
    lines: Range<usize>,
    new_lines: &[&str],
) -> PassageChange {
    let text = if passage.lines.len() > 1 {
        new_lines[lines.clone()].join("\n")
    } else {
        passage.text.clone()
    };
    PassageChange {
        change,
        before: passage.clone(),
        after: Some(Passage { lines, text }),
        values: Vec::new(),
    }
}

/// The sentence among `candidates` (the lines an edit put in place of the passage's) that is
/// the passage rewritten: equal but for its values, or the most similar one if it is similar
/// enough ([`COUNTERPART_SIMILARITY`]), or fairly similar ([`REWRITE_SIMILARITY`]) and no
/// `rival` (another line the edit removed) is more like it. Returns its line's offset among the
/// candidates and its text. `None` (outside) when `out_of_time` says so first.
fn counterpart(
    passage: &Passage,
    near: &Near<'_, '_>,
    out_of_time: &dyn Fn() -> bool,
) -> Option<Option<(usize, String)>> {
    let candidates = near.candidates;
    if passage.lines.len() > 1 {
        // A passage across lines is compared with the whole replacement.
        let joined = candidates.join("\n");
        let ratio =
            crate::compare::similarity(&fold_for_match(&passage.text), &fold_for_match(&joined));
        return Some(
            (!candidates.is_empty() && ratio >= COUNTERPART_SIMILARITY).then_some((0, joined)),
        );
    }
    let masked = masked(&passage.text);
    let target = fold_for_match(&passage.text);
    let mut best: Option<(usize, String, f32)> = None;
    for (i, line) in candidates.iter().enumerate() {
        if i % CANDIDATES_PER_CHECK == 0 && out_of_time() {
            return None;
        }
        let sentences = near.follow.new.of(near.from + i, line);
        if let Some(s) = sentences.iter().find(|s| s.masked == masked && s.valued()) {
            return Some(Some((i, s.text.to_string())));
        }
        if let Some((s, ratio)) = most_similar(&sentences, &target)
            && best.as_ref().is_none_or(|(_, _, r)| ratio > *r)
        {
            best = Some((i, s.to_string(), ratio));
        }
    }
    let Some((i, sentence, ratio)) = best else {
        return Some(None);
    };
    if ratio >= COUNTERPART_SIMILARITY {
        return Some(Some((i, sentence)));
    }
    if ratio < REWRITE_SIMILARITY {
        return Some(None);
    }
    let folded = fold_for_match(&sentence);
    for (n, &(l, r)) in near.rivals.iter().enumerate() {
        if n % CANDIDATES_PER_CHECK == 0 && out_of_time() {
            return None;
        }
        let sentences = near.follow.old.of(l, r);
        if most_similar(&sentences, &folded).is_some_and(|(_, x)| x > ratio) {
            return Some(None);
        }
    }
    Some(Some((i, sentence)))
}

/// Where a passage's counterpart is looked for: the new lines near its place (from line
/// `from` on), the other old lines the same edit removed, and the shared sentences.
struct Near<'n, 't> {
    from: usize,
    candidates: &'n [&'t str],
    rivals: &'n [(usize, &'t str)],
    follow: &'n Follow<'t>,
}

/// A sentence folded with its typed values replaced by their kind: "within 45 calendar days"
/// and "within 30 calendar days" mask alike.
pub(super) fn masked(sentence: &str) -> String {
    let mut out = String::with_capacity(sentence.len());
    let mut at = 0;
    for v in values_in(sentence) {
        out.push_str(&sentence[at..v.span.start]);
        out.push('\u{1}');
        out.push_str(v.kind.as_str());
        out.push('\u{1}');
        at = v.span.end;
    }
    out.push_str(&sentence[at..]);
    fold_for_match(&out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assess::passage::locate;
    use crate::assess::quote::CurrentText;

    /// What the edit `old` → `new` did to the passage of `quote`.
    fn change_of(old: &str, new: &str, quote: &str) -> PassageChange {
        let d = crate::compare::diff(old, new, "a", "b").expect("texts differ");
        let baseline = CurrentText::new(old);
        let passage = locate(&baseline, quote).expect("quote in the baseline");
        let old_lines: Vec<&str> = old.lines().collect();
        let new_lines: Vec<&str> = new.lines().collect();
        classify(&passage, &d, &old_lines, &new_lines)
    }

    const PAGE: &str = "Term of service\n\
        The permit is issued within 45 calendar days. Applications are taken online.\n\
        List of documents\n\
        - Copy of the passport\n\
        - Medical certificate (form 028/u)\n\
        - One photo (35x45 mm)\n\
        Fee | 4 MCI\n\
        Last updated 01.02.2026";

    #[test]
    fn a_changed_number_is_a_value_change_with_before_and_after() {
        let new = PAGE.replace("45 calendar days", "30 calendar days");
        let c = change_of(PAGE, &new, "issued within 45 calendar days");
        assert_eq!(c.change, Change::Value);
        assert_eq!(c.values.len(), 1);
        assert_eq!(c.values[0].before.as_deref(), Some("45 calendar days"));
        assert_eq!(c.values[0].after.as_deref(), Some("30 calendar days"));
        assert_eq!(
            c.after.unwrap().text,
            "The permit is issued within 30 calendar days."
        );
        // The other sentence of the same line is untouched.
        let c = change_of(PAGE, &new, "Applications are taken online");
        assert_eq!(c.change, Change::Elsewhere);
    }

    #[test]
    fn words_without_values_are_wording() {
        let new = PAGE.replace("Copy of the passport", "Copy of the national passport");
        let c = change_of(PAGE, &new, "Copy of the passport");
        assert_eq!(c.change, Change::Wording);
        assert!(c.values.is_empty());
        // An item that grew a word still holds the quote, but it was rewritten.
        let new = PAGE.replace(
            "Copy of the passport",
            "Copy of the passport of the applicant",
        );
        assert_eq!(
            change_of(PAGE, &new, "Copy of the passport").change,
            Change::Wording
        );
    }

    #[test]
    fn a_removed_item_is_gone_and_its_neighbours_are_elsewhere() {
        let new = PAGE.replace("- Medical certificate (form 028/u)\n", "");
        assert_eq!(
            change_of(PAGE, &new, "Medical certificate").change,
            Change::Gone
        );
        assert_eq!(
            change_of(PAGE, &new, "Copy of the passport").change,
            Change::Elsewhere
        );
        assert_eq!(change_of(PAGE, &new, "35x45 mm").change, Change::Elsewhere);
    }

    #[test]
    fn swapped_items_are_moved_or_elsewhere_never_changed() {
        let new = PAGE.replace(
            "- Copy of the passport\n- Medical certificate (form 028/u)",
            "- Medical certificate (form 028/u)\n- Copy of the passport",
        );
        for quote in ["Copy of the passport", "Medical certificate"] {
            let c = change_of(PAGE, &new, quote);
            assert!(
                matches!(c.change, Change::Moved | Change::Elsewhere),
                "{quote}: {c:?}"
            );
        }
    }

    #[test]
    fn a_short_row_whose_only_difference_is_a_value() {
        let new = PAGE.replace("Fee | 4 MCI", "Fee | 6 MCI");
        let c = change_of(PAGE, &new, "4 MCI");
        assert_eq!(c.change, Change::Value);
        assert_eq!(c.values[0].after.as_deref(), Some("6 MCI"));
    }

    #[test]
    fn an_unrelated_line_in_place_of_a_passage_is_not_its_counterpart() {
        let new = PAGE.replace(
            "- Copy of the passport",
            "- Consent to personal data processing",
        );
        assert_eq!(
            change_of(PAGE, &new, "Copy of the passport").change,
            Change::Gone
        );
    }

    #[test]
    fn russian_and_kazakh_values() {
        let ru = "Срок оказания услуги – 45 календарных дней.\nГоспошлина | 4 МРП";
        let c = change_of(ru, &ru.replace("45", "30"), "45 календарных дней");
        assert_eq!(c.change, Change::Value);
        assert_eq!(c.values[0].before.as_deref(), Some("45 календарных дней"));
        let kz = "Қызмет көрсету мерзімі – 45 күнтізбелік күн";
        let c = change_of(kz, &kz.replace("45", "30"), "45 күнтізбелік күн");
        assert_eq!(c.change, Change::Value);
        assert_eq!(c.values[0].after.as_deref(), Some("30 күнтізбелік күн"));
    }
}
