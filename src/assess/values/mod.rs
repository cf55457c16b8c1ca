//! Typed values in one line of official-page text, and what changed between
//! two versions of a line.
//!
//! This module owns the answer to "did a *fact* change?". Editors do not care
//! that a sentence was reworded; they care that "45 calendar days" became
//! "30 calendar days", that a fee went from 4 to 6 MCI, or that a deadline
//! moved. So a line is reduced to its typed values (durations, money, MCI,
//! percentages, dates, ranges, dimensions, counts), each with a canonical
//! `key`, and two lines are compared by key, not by text: "10 000 ₸" and
//! "10 000 тенге" are the same fact, "45 days" and "45 calendar days" are not.
//!
//! Pages are written in English, Russian and Kazakh, so every unit, qualifier
//! and month name is recognised in all three and mapped to one key.
//!
//! The guiding trade-off is precision over recall: a value that is not a
//! value (an article number, a form code such as "028/u", a visa class such
//! as "B9-1", a phone number) produces a false "value changed" alarm, which
//! costs editors more than a missed count. Hence the block lists, the strict
//! number boundaries and the narrow definition of a count.
//!
//! How a line is read: patterns run on a lower-cased copy with the same byte
//! offsets (so spans index the original line); spans that can never hold a
//! value (URLs, e-mail, phones) and spans whose numbers are references
//! (articles, forms, "№", lone years, section numbers) are found first;
//! then every kind proposes candidates, the longest candidate wins an
//! overlap (ties go to the more specific kind), and only numbers left over
//! may become counts.
//!
//! Input is expected to be normalised already (NFC, collapsed whitespace),
//! but no-break and thin spaces are still accepted inside numbers.

mod canon;
mod find;
mod months;
mod nouns;
mod patterns;
mod scan;

pub(crate) use crate::outcome::ValueKind;
use find::{
    Candidate, find_counts, find_dates, find_dimensions, find_durations, find_mci, find_money,
    find_percents, find_ranges,
};
use patterns::{HARD_BLOCK, SOFT_BLOCK};
use scan::{
    CURRENCY_MARKERS, MCI_MARKERS, PERCENT_MARKERS, block_spans, contains_any, fold_case, overlaps,
};

/// Tie-break between overlapping matches of equal length: the kind that
/// says more about the text wins (a date explains its digits better than
/// a range, a range better than the duration at its end).
fn precedence(kind: ValueKind) -> u8 {
    match kind {
        ValueKind::Date => 0,
        ValueKind::Range => 1,
        ValueKind::Dimension => 2,
        ValueKind::Money => 3,
        ValueKind::Mci => 4,
        ValueKind::Percent => 5,
        ValueKind::Duration => 6,
        ValueKind::Count => 7,
    }
}

/// One typed value found in a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Value {
    pub(crate) kind: ValueKind,
    /// Exactly as written in the line (`&line[span]`).
    pub(crate) text: String,
    /// Byte range in the line.
    pub(crate) span: std::ops::Range<usize>,
    /// Canonical form; two values are the same fact iff kind and key agree.
    /// A count's key is "number noun" ("2 photos") so that reordered counts
    /// pair up by noun; `value_changes` still ignores a change of noun alone.
    pub(crate) key: String,
}

/// One changed fact between two versions of a line, as written on the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ValueChange {
    pub(crate) kind: ValueKind,
    /// `None`: the value is new.
    pub(crate) before: Option<String>,
    /// `None`: the value went away.
    pub(crate) after: Option<String>,
}

/// Longest match first; equal lengths go to the more specific kind. Greedy
/// is enough here: candidates in one line are few and rarely chain.
fn resolve(mut candidates: Vec<Candidate>) -> Vec<Candidate> {
    candidates.sort_by_key(|c| {
        (
            std::cmp::Reverse(c.span.len()),
            precedence(c.kind),
            c.span.start,
        )
    });
    let mut chosen: Vec<Candidate> = Vec::with_capacity(candidates.len());
    for c in candidates {
        if !chosen.iter().any(|k| overlaps(&k.span, &c.span)) {
            chosen.push(c);
        }
    }
    chosen
}

/// Typed values of one line: non-overlapping, in order of appearance.
pub(crate) fn values_in(line: &str) -> Vec<Value> {
    // Every kind needs a digit; most lines of prose have none.
    if !line.bytes().any(|b| b.is_ascii_digit()) {
        return Vec::new();
    }
    let folded = fold_case(line);
    let text = folded.as_ref();
    let mut hard = Vec::new();
    block_spans(&HARD_BLOCK, text, &mut hard);
    let mut blocked = hard.clone();
    block_spans(&SOFT_BLOCK, text, &mut blocked);

    // Dates only yield to hard blocks: "9 июня 2026 года" holds a soft-blocked
    // "2026 года", and "от 09.06.2026 № 5" a reference right next to it.
    let mut dates = Vec::new();
    find_dates(text, &mut dates);
    dates.retain(|c| !hard.iter().any(|b| overlaps(b, &c.span)));
    let mut candidates = Vec::new();
    find_ranges(text, &mut candidates);
    // The remaining kinds each need a marker that a substring test finds
    // far faster than a regex scan can rule it out.
    if text.contains(['x', '×', 'х']) {
        find_dimensions(text, &mut candidates);
    }
    if contains_any(text, CURRENCY_MARKERS) {
        find_money(text, &mut candidates);
    }
    if contains_any(text, MCI_MARKERS) {
        find_mci(text, &mut candidates);
    }
    if contains_any(text, PERCENT_MARKERS) {
        find_percents(text, &mut candidates);
    }
    find_durations(text, &mut candidates);
    candidates.retain(|c| !blocked.iter().any(|b| overlaps(b, &c.span)));
    candidates.extend(dates);

    let mut chosen = resolve(candidates);
    let mut counts = Vec::new();
    find_counts(line, text, &chosen, &blocked, &mut counts);
    chosen.extend(counts);
    chosen.sort_by_key(|c| c.span.start);
    chosen
        .into_iter()
        .map(|c| Value {
            kind: c.kind,
            text: line[c.span.clone()].to_string(),
            span: c.span,
            key: c.key,
        })
        .collect()
}

/// Whether every typed value of `claim` is stated in `passage`, allowing what wordings differ
/// in while the fact stays the same: a plain "days" is calendar days ("~45 days" and "45
/// calendar days" agree, "45 working days" does not), and a range may leave its unit out
/// ("18–65" and "aged 18 to 65 years"). What the values module calls equal (kind and key) always
/// agrees. A claim without values agrees with anything.
pub(crate) fn values_agree(claim: &[Value], passage: &[Value]) -> bool {
    claim.iter().all(|c| {
        passage
            .iter()
            .any(|p| c.kind == p.kind && keys_agree(&c.key, &p.key))
    })
}

fn keys_agree(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let split = |k: &str| -> (String, String) {
        let (number, unit) = k.split_once(' ').unwrap_or((k, ""));
        (
            number.to_string(),
            unit.strip_prefix("calendar-").unwrap_or(unit).to_string(),
        )
    };
    let ((na, ua), (nb, ub)) = (split(a), split(b));
    na == nb && (ua == ub || ua.is_empty() || ub.is_empty())
}

fn count_number(key: &str) -> &str {
    key.split(' ').next().unwrap_or(key)
}

/// Changed facts between two versions of a line. Values with equal keys
/// cancel out wherever they sit, so a reordered line with the same facts
/// reports nothing; the rest are paired by kind in order of appearance. A
/// pair of counts with the same number is a rewording, not a change. The
/// result follows the old line, then lists additions in new-line order.
pub(crate) fn value_changes(old_line: &str, new_line: &str) -> Vec<ValueChange> {
    if old_line == new_line {
        return Vec::new();
    }
    let old = values_in(old_line);
    let new = values_in(new_line);
    let mut old_used = vec![false; old.len()];
    let mut new_used = vec![false; new.len()];
    for (i, o) in old.iter().enumerate() {
        let partner =
            (0..new.len()).find(|&j| !new_used[j] && new[j].kind == o.kind && new[j].key == o.key);
        if let Some(j) = partner {
            old_used[i] = true;
            new_used[j] = true;
        }
    }

    let mut changes: Vec<((u8, usize), ValueChange)> = Vec::new();
    for kind in ValueKind::ALL {
        let olds: Vec<&Value> = old
            .iter()
            .zip(&old_used)
            .filter(|(v, used)| v.kind == kind && !**used)
            .map(|(v, _)| v)
            .collect();
        let news: Vec<&Value> = new
            .iter()
            .zip(&new_used)
            .filter(|(v, used)| v.kind == kind && !**used)
            .map(|(v, _)| v)
            .collect();
        for k in 0..olds.len().max(news.len()) {
            let (o, n) = (olds.get(k), news.get(k));
            // Same number, different noun: the wording changed, not the fact.
            let same_count = kind == ValueKind::Count
                && matches!((o, n), (Some(o), Some(n)) if count_number(&o.key) == count_number(&n.key));
            if same_count {
                continue;
            }
            // Old-line order for everything the old line had, then
            // additions in new-line order: positions of two lines don't mix.
            let at = match (o, n) {
                (Some(o), _) => (0, o.span.start),
                (None, Some(n)) => (1, n.span.start),
                (None, None) => unreachable!("k < max(len)"),
            };
            changes.push((
                at,
                ValueChange {
                    kind,
                    before: o.map(|v| v.text.clone()),
                    after: n.map(|v| v.text.clone()),
                },
            ));
        }
    }
    changes.sort_by_key(|(at, _)| *at);
    changes.into_iter().map(|(_, c)| c).collect()
}

#[cfg(test)]
mod tests;
