//! The diff and its reader, quote matching on changed sources, crontab schedules.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use super::{parts, today};
use crate::compare::{self, DiffLine};
use crate::outcome::{Flag, Outcome};
use crate::registry::{Fact, FactId};
use crate::schedule::Schedule;
use crate::text::fold_for_quote;

/// The unified diff and its reader. Input: the old and the new text, split at the first NUL.
///
/// Properties: a text against itself is no diff, any other pair is one; every old line is kept
/// or removed by exactly one change, every new line kept or added by exactly one, and a kept
/// line is the same line; the hunks lie inside both texts; reading the unified diff back finds
/// as many hunks, and as many removed and added lines, as the diff has.
pub fn diff(data: &[u8]) {
    let p = parts(data, 2);
    let (Ok(old), Ok(new)) = (
        std::str::from_utf8(p[0]),
        std::str::from_utf8(p.get(1).copied().unwrap_or_default()),
    ) else {
        return;
    };
    assert!(
        compare::diff(old, old, "a", "a").is_none(),
        "a text against itself"
    );
    let Some(d) = compare::diff(old, new, "s baseline 0123", "s capture 4567") else {
        assert_eq!(old, new, "different texts, no diff");
        return;
    };
    assert_ne!(old, new);
    let lines = compare::parse_unified(&d.unified);
    // Normalised text has no carriage return (extraction collapses it); with one, similar's
    // lines and str::lines may count differently, which is outside the contract.
    if old.contains('\r') || new.contains('\r') {
        return;
    }
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    assert_eq!(d.kept.len(), old_lines.len());
    let mut old_seen = vec![0u32; old_lines.len()];
    let mut new_seen = vec![0u32; new_lines.len()];
    for (i, k) in d.kept.iter().enumerate() {
        if let Some(j) = *k {
            assert_eq!(old_lines[i], new_lines[j], "kept line {i} → {j}");
            old_seen[i] += 1;
            new_seen[j] += 1;
        }
    }
    let mut removed = 0;
    let mut added = 0;
    for c in &d.changes {
        assert!(c.old.end <= old_lines.len() && c.new.end <= new_lines.len());
        assert!(!c.old.is_empty() || !c.new.is_empty(), "an empty change");
        for i in c.old.clone() {
            old_seen[i] += 1;
        }
        for j in c.new.clone() {
            new_seen[j] += 1;
        }
        removed += c.old.len();
        added += c.new.len();
    }
    assert!(old_seen.iter().all(|n| *n == 1), "old lines {old_seen:?}");
    assert!(new_seen.iter().all(|n| *n == 1), "new lines {new_seen:?}");
    for h in &d.hunks {
        assert!(h.old.end <= old_lines.len() && h.new.end <= new_lines.len());
    }
    let count = |f: fn(&DiffLine<'_>) -> bool| lines.iter().filter(|l| f(l)).count();
    assert_eq!(count(|l| matches!(l, DiffLine::Hunk(..))), d.hunks.len());
    assert_eq!(count(|l| matches!(l, DiffLine::File(_))), 2, "{lines:?}");
    assert_eq!(
        count(|l| matches!(l, DiffLine::Removed(..))),
        removed,
        "{lines:?}"
    );
    assert_eq!(
        count(|l| matches!(l, DiffLine::Added(..))),
        added,
        "{lines:?}"
    );
}

/// Crontab schedules. Input: a schedule line.
///
/// Properties: from a set of awkward instants (DST changes, leap days, year ends), in a set of
/// zones, a schedule that parses fires at a time after the start, and asking again from one
/// second before that time gives that time; in UTC (where validation reads it) it always fires,
/// within 28 years (the calendar's cycle; a date that must also be a given weekday can be 11
/// years apart).
pub fn cron(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(schedule) = text.parse::<Schedule>() else {
        return;
    };
    assert_eq!(schedule.to_string(), text.trim());
    let zones = [
        chrono_tz::UTC,
        chrono_tz::Europe::London,
        chrono_tz::America::New_York,
        chrono_tz::Asia::Almaty,
        chrono_tz::Australia::Lord_Howe,
        chrono_tz::Pacific::Apia,
    ];
    let starts: [DateTime<Utc>; 6] = [
        Utc.with_ymd_and_hms(2026, 3, 29, 0, 30, 0).unwrap(),
        Utc.with_ymd_and_hms(2026, 10, 25, 0, 59, 59).unwrap(),
        Utc.with_ymd_and_hms(2026, 11, 1, 5, 30, 0).unwrap(),
        Utc.with_ymd_and_hms(2027, 12, 31, 23, 59, 59).unwrap(),
        Utc.with_ymd_and_hms(2028, 2, 28, 12, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2011, 12, 29, 9, 0, 0).unwrap(),
    ];
    let limit = chrono::Duration::days(28 * 366 + 1);
    for tz in zones {
        for start in starts {
            let next = schedule.next_in(tz, &start);
            // A local time in the gap a zone skips when its clocks go forward does not happen
            // that day (`cron` skips it), so in a zone with DST a schedule that can only fall
            // in gaps never fires ("3 2 1 10 */49": 02:03 on 1 October when it is a Sunday,
            // which is Lord Howe's change day). Validation reads schedules in UTC.
            let Some(next) = next else {
                assert!(tz != chrono_tz::UTC, "{text:?} never fires after {start}");
                continue;
            };
            assert!(
                next > start,
                "{text:?} in {tz}: {next} is not after {start}"
            );
            assert!(
                next - start <= limit || tz != chrono_tz::UTC,
                "{text:?} in {tz}: {next} from {start}"
            );
            let again = schedule.next_in(tz, &(next - chrono::Duration::seconds(1)));
            assert_eq!(again, Some(next), "{text:?} in {tz}, again before {next}");
        }
    }
}

/// Normalised text as extraction leaves it: NFC, whitespace collapsed, no blank line.
fn normalised(text: &str) -> String {
    let text = crate::text::nfc(text);
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&words.join(" "));
    }
    out
}

/// Quote matching and the passage of a fact on a changed source: folding, the closest passage,
/// passages and sentences, and the typed values of a rewritten passage
/// (`assess::assess_source`, as a check calls it). Input: the old text, the new text and a quote,
/// NUL-separated (texts are normalised first, as stored texts are); without a quote, the old
/// text's first line is quoted. A second fact quotes one line of the new text whole.
///
/// Properties: a quote that is a whole line of the text is found; a similarity lies in 0–1 and
/// a closest passage is only given for a quote not found; `evidence_missing` is flagged exactly
/// when the quote is not found; passages lie inside their texts; one list of facts per hunk.
pub fn quotes(data: &[u8]) {
    let p = parts(data, 3);
    let Ok(all): Result<Vec<&str>, _> = p.iter().map(|b| std::str::from_utf8(b)).collect() else {
        return;
    };
    let old = normalised(all[0]);
    let new = normalised(all.get(1).copied().unwrap_or(""));
    let quote: Cow<'_, str> = match all.get(2) {
        Some(q) if !q.is_empty() => Cow::Borrowed(*q),
        _ => Cow::Owned(old.lines().next().unwrap_or("").to_string()),
    };
    let new_lines: Vec<&str> = new.lines().collect();
    let whole_line = new_lines
        .get(all[0].len() % new_lines.len().max(1))
        .copied()
        .unwrap_or("");
    let fact = |name: &str, quote: &str| Fact {
        id: FactId::new("r", name),
        claim: "claim".into(),
        source: "s".into(),
        quote: Some(quote.to_string()),
        last_verified: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        stale_after_days: 90,
    };
    let facts = [fact("quoted", &quote), fact("line", whole_line)];
    let refs: Vec<&Fact> = facts.iter().collect();
    let change = compare::TextChange::new(old.clone(), &new, "a", "b");
    let diff = change.as_ref().map(|c| &c.diff);
    let outcome = match &diff {
        Some(_) => Outcome::Changed,
        None => Outcome::Unchanged,
    };
    let against = crate::assess::Against {
        outcome,
        text: Some(&new),
        change: change.as_ref(),
        evidence: true,
        deadline: None,
    };
    let day = crate::assess::Day {
        today: today(),
        refresh: false,
    };
    let (assessed, coverage) = crate::assess::assess_source(&refs, day, &against);
    assert_eq!(assessed.len(), facts.len());
    if !fold_for_quote(whole_line).is_empty() {
        assert_eq!(
            assessed[1].quote_found,
            Some(true),
            "a whole line {whole_line:?} of {new:?}"
        );
    }
    let old_count = old.lines().count();
    for a in &assessed {
        let found = a.quote_found.expect("a good capture and a quote");
        assert_eq!(a.flags.contains(&Flag::EvidenceMissing), !found);
        if diff.is_none() {
            assert!(
                !a.flags.contains(&Flag::SourceChanged),
                "an unchanged source changed"
            );
        }
        if let Some(c) = &a.closest_passage {
            assert!(!found, "a closest passage for a quote that was found");
            assert!((0.0..=1.0).contains(&c.similarity), "{}", c.similarity);
        }
        if let Some(c) = &a.change {
            assert!(c.before.lines.end <= old_count && !c.before.lines.is_empty());
            if let Some(after) = &c.after {
                assert!(after.lines.end <= new_lines.len(), "{after:?} in {new:?}");
            }
        }
    }
    match &diff {
        Some(d) => {
            assert_eq!(coverage.hunk_facts.len(), d.hunks.len());
            let (old_lines, new_lines) = (old.lines().count(), new.lines().count());
            assert!(
                coverage
                    .uncovered
                    .iter()
                    .all(|u| u.old.end <= old_lines && u.new.end <= new_lines)
            );
        }
        None => assert!(coverage.hunk_facts.is_empty() && coverage.uncovered.is_empty()),
    }
}
