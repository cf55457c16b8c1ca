//! A capture against its baseline: the outcome by SHA-256, and a bounded unified diff.
//!
//! Diffs use similar's Patience algorithm with a deadline, so a page rewritten from top to bottom
//! costs a bounded time and yields a coarser (still correct) diff instead of stalling the run.

use std::time::Duration;

use std::ops::Range;

use similar::{Algorithm, ChangeTag, TextDiff};

use crate::capture::Capture;
use crate::outcome::Outcome;
use crate::store::Version;
use crate::text::short_sha;

const DIFF_TIMEOUT: Duration = Duration::from_secs(2);

/// The most one similarity of two short texts may take: a passage and a quote are a sentence
/// each, but a hostile page can make either huge.
const SIMILARITY_TIMEOUT: Duration = Duration::from_millis(100);

/// How alike two texts are, character by character, 0.0–1.0 (similar's ratio), within a
/// deadline: past it the diff is coarser and the ratio lower, never a stall.
pub(crate) fn similarity(a: &str, b: &str) -> f32 {
    TextDiff::configure()
        .timeout(SIMILARITY_TIMEOUT)
        .diff_chars(a, b)
        .ratio()
}

/// A page keeps "little" of its earlier text below this share of the earlier text's distinct
/// words: a page whose words read as a challenge is then one (`check/wall.rs` for a source, the
/// site's route pages alike).
///
/// Measured on tests/fixtures/walls (the test in check/wall.rs): each of the 10 pages that only
/// say challenge words, served instead of each of the 21 ordinary pages, keeps at most 0.26 of
/// its words (the most: a bilingual firewall page after an English page of terms, sharing "the",
/// "of", "by", "is"…); each ordinary page after its earlier version, and the notice whose 15
/// days became 30 under a new loader line, keeps at least 0.78. Words, not lines: on a short
/// page one edited sentence is half its lines. One half sits with a margin of about a quarter
/// both ways, and it is what a reader means by "lost the content": most of what it said is gone.
pub(crate) const KEPT_MIN: f64 = 0.5;

/// The share of `old`'s distinct words that `new` still has. A word is a run of letters and
/// digits, compared in lower case with `ё` as `е`.
pub(crate) fn kept_share(old: &str, new: &str) -> f64 {
    let old = word_set(old);
    if old.is_empty() {
        return 1.0;
    }
    let new = word_set(new);
    old.iter().filter(|w| new.contains(*w)).count() as f64 / old.len() as f64
}

fn word_set(text: &str) -> std::collections::HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().replace('ё', "е"))
        .collect()
}

/// A failed capture's own outcome; for a good one, `new` when there is no baseline yet,
/// `unchanged` when the hashes match, else `changed`.
pub(crate) fn outcome(baseline: Option<&Version>, capture: &Capture) -> Outcome {
    if let Some((failed, _)) = capture.failure() {
        return failed;
    }
    by_hash(
        baseline.map(|b| b.sha256.as_str()),
        capture.sha256().unwrap_or_default(),
    )
}

fn by_hash(baseline_sha: Option<&str>, current_sha: &str) -> Outcome {
    match baseline_sha {
        None => Outcome::New,
        Some(b) if b == current_sha => Outcome::Unchanged,
        Some(_) => Outcome::Changed,
    }
}

/// A text held against its baseline's: the baseline's text and the diff from it.
#[derive(Debug)]
pub(crate) struct TextChange {
    pub(crate) baseline_text: String,
    pub(crate) diff: Diff,
}

impl TextChange {
    /// `None` when the texts are equal.
    pub(crate) fn new(
        baseline_text: String,
        new: &str,
        old_label: &str,
        new_label: &str,
    ) -> Option<TextChange> {
        let diff = diff(&baseline_text, new, old_label, new_label)?;
        Some(TextChange {
            baseline_text,
            diff,
        })
    }
}

/// A capture held against its baseline.
#[derive(Debug)]
pub(crate) struct Comparison {
    pub(crate) outcome: Outcome,
    /// The baseline after this capture: the one it was compared with, or the capture itself
    /// when it became the first baseline; `None` for a failure on a source never captured.
    pub(crate) baseline_sha256: Option<String>,
    /// For a changed source: the baseline's text and the diff from it.
    pub(crate) change: Option<TextChange>,
}

impl Comparison {
    /// `baseline_text` is the baseline's stored text, read by the caller only for a changed
    /// source.
    pub(crate) fn new(
        id: &str,
        outcome: Outcome,
        baseline: Option<&Version>,
        capture: &Capture,
        baseline_text: Option<String>,
    ) -> Comparison {
        let baseline_sha256 = match (baseline, capture.sha256()) {
            (Some(b), _) => Some(b.sha256.clone()),
            (None, sha) => sha.map(str::to_string),
        };
        let change = match (baseline, baseline_text, capture.text()) {
            (Some(b), Some(old), Some(new)) => {
                let sha = capture.sha256().unwrap_or_default();
                TextChange::new(
                    old,
                    new,
                    &format!("{id} baseline {}", short_sha(&b.sha256)),
                    &format!("{id} capture {}", short_sha(sha)),
                )
            }
            _ => None,
        };
        Comparison {
            outcome,
            baseline_sha256,
            change,
        }
    }

    pub(crate) fn diff(&self) -> Option<&Diff> {
        self.change.as_ref().map(|c| &c.diff)
    }
}

fn line_diff<'a>(old: &'a str, new: &'a str) -> TextDiff<'a, 'a, str> {
    TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .timeout(DIFF_TIMEOUT)
        .diff_lines(old, new)
}

/// Where one hunk of a unified diff sits in the old and the new text (0-based line ranges).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HunkRange {
    pub(crate) old: Range<usize>,
    pub(crate) new: Range<usize>,
}

/// A unified diff, the line ranges of its hunks (in the same order), and the line-level facts
/// that let assessment say which passages an edit touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Diff {
    pub(crate) unified: String,
    /// The hunks of `unified`, three lines of context each.
    pub(crate) hunks: Vec<HunkRange>,
    /// Each run of changed lines without context: the old lines removed and the new lines put
    /// in their place (either may be empty).
    pub(crate) changes: Vec<HunkRange>,
    /// For each line of the old text, its line in the new text when it was kept as it was.
    pub(crate) kept: Vec<Option<usize>>,
}

/// A unified diff with three lines of context; `None` when the texts are equal.
pub(crate) fn diff(old: &str, new: &str, old_label: &str, new_label: &str) -> Option<Diff> {
    if old == new {
        return None;
    }
    // Normalised text never ends with a newline. Diffed as it is, its last line would differ
    // from the same line followed by one, so an append at the end would show the unchanged last
    // line as removed and added again: every line ends with one here.
    let (old, new) = (format!("{old}\n"), format!("{new}\n"));
    let diff = line_diff(&old, &new);
    let mut udiff = diff.unified_diff();
    udiff.context_radius(3).header(old_label, new_label);
    let hunks = udiff
        .iter_hunks()
        .map(|h| {
            let ops = h.ops();
            let (first, last) = (ops[0], ops[ops.len() - 1]);
            HunkRange {
                old: first.old_range().start..last.old_range().end,
                new: first.new_range().start..last.new_range().end,
            }
        })
        .collect();
    let mut unified = udiff.to_string();
    if !unified.ends_with('\n') {
        unified.push('\n');
    }
    let mut kept = vec![None; old.lines().count()];
    let mut changes: Vec<HunkRange> = Vec::new();
    let mut open: Option<HunkRange> = None;
    for op in diff.ops() {
        let (tag, o, n) = op.as_tag_tuple();
        if tag == similar::DiffTag::Equal {
            for (i, line) in o.clone().enumerate() {
                if let Some(slot) = kept.get_mut(line) {
                    *slot = Some(n.start + i);
                }
            }
            changes.extend(open.take());
        } else {
            let run = open.get_or_insert(HunkRange {
                old: o.start..o.start,
                new: n.start..n.start,
            });
            run.old.end = o.end;
            run.new.end = n.end;
        }
    }
    changes.extend(open);
    Some(Diff {
        unified,
        hunks,
        changes,
        kept,
    })
}

/// One line of a unified diff, as renderers need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DiffLine<'a> {
    /// `--- a` / `+++ b`
    File(&'a str),
    /// `@@ -1,3 +1,3 @@`, with its 0-based index among the hunks.
    Hunk(&'a str, usize),
    Context(&'a str),
    /// A removed line and, when it pairs with an added one, the word-level segments.
    Removed(&'a str, Option<Vec<Segment>>),
    Added(&'a str, Option<Vec<Segment>>),
}

/// A run of words in a changed line; `changed` marks what differs from the paired line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Segment {
    pub(crate) text: String,
    pub(crate) changed: bool,
}

/// Reads a unified diff back into lines and pairs each block of removed lines with the added
/// lines that follow it, word-diffing each pair. Works on the stored report alone, so `report`
/// can render word highlights long after the check.
pub(crate) fn parse_unified(unified: &str) -> Vec<DiffLine<'_>> {
    let mut out: Vec<DiffLine<'_>> = Vec::new();
    let lines: Vec<&str> = unified.lines().collect();
    let mut hunk_no = 0;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        // File headers come before the first hunk only: after it, "--- x" is a removed line
        // that read "-- x" (a page can hold one).
        if hunk_no == 0 && (line.starts_with("--- ") || line.starts_with("+++ ")) {
            out.push(DiffLine::File(line));
            i += 1;
        } else if line.starts_with("@@") {
            out.push(DiffLine::Hunk(line, hunk_no));
            hunk_no += 1;
            i += 1;
        } else if line.starts_with('-') {
            let removed_start = i;
            while i < lines.len() && lines[i].starts_with('-') {
                i += 1;
            }
            let added_start = i;
            while i < lines.len() && lines[i].starts_with('+') {
                i += 1;
            }
            let removed = &lines[removed_start..added_start];
            let added = &lines[added_start..i];
            let pairs = removed.len().min(added.len());
            let mut words: Vec<(Vec<Segment>, Vec<Segment>)> = (0..pairs)
                .map(|k| word_diff(&removed[k][1..], &added[k][1..]))
                .collect();
            for (k, r) in removed.iter().enumerate() {
                out.push(DiffLine::Removed(
                    &r[1..],
                    words.get_mut(k).map(|w| std::mem::take(&mut w.0)),
                ));
            }
            for (k, a) in added.iter().enumerate() {
                out.push(DiffLine::Added(
                    &a[1..],
                    words.get_mut(k).map(|w| std::mem::take(&mut w.1)),
                ));
            }
        } else if let Some(rest) = line.strip_prefix('+') {
            out.push(DiffLine::Added(rest, None));
            i += 1;
        } else {
            out.push(DiffLine::Context(line.strip_prefix(' ').unwrap_or(line)));
            i += 1;
        }
    }
    out
}

/// Word-level difference of two lines: (old segments, new segments).
fn word_diff(old: &str, new: &str) -> (Vec<Segment>, Vec<Segment>) {
    let diff = TextDiff::configure()
        .timeout(Duration::from_millis(200))
        .diff_words(old, new);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let push = |v: &mut Vec<Segment>, text: &str, changed: bool| match v.last_mut() {
        Some(last) if last.changed == changed => last.text.push_str(text),
        _ => v.push(Segment {
            text: text.to_string(),
            changed,
        }),
    };
    for change in diff.iter_all_changes() {
        let text = change.value();
        match change.tag() {
            ChangeTag::Equal => {
                push(&mut a, text, false);
                push(&mut b, text, false);
            }
            ChangeTag::Delete => push(&mut a, text, !text.trim().is_empty()),
            ChangeTag::Insert => push(&mut b, text, !text.trim().is_empty()),
        }
    }
    (a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_share_counts_the_earlier_texts_distinct_words() {
        assert_eq!(kept_share("a b c d", "a b c d e f"), 1.0);
        assert_eq!(kept_share("a a b c", "A, b!"), 2.0 / 3.0);
        assert_eq!(kept_share("Ёлка", "елка"), 1.0);
        assert_eq!(kept_share("", "anything"), 1.0);
        assert_eq!(kept_share("a b", ""), 0.0);
    }

    fn unified_diff(old: &str, new: &str, a: &str, b: &str) -> Option<String> {
        diff(old, new, a, b).map(|d| d.unified)
    }

    #[test]
    fn outcomes() {
        assert_eq!(by_hash(None, "a"), Outcome::New);
        assert_eq!(by_hash(Some("a"), "a"), Outcome::Unchanged);
        assert_eq!(by_hash(Some("a"), "b"), Outcome::Changed);
    }

    #[test]
    fn diff_shows_both_sides() {
        let d = unified_diff("a\n45 days\nc", "a\n30 days\nc", "baseline", "latest").unwrap();
        assert!(d.contains("--- baseline"));
        assert!(d.contains("-45 days"));
        assert!(d.contains("+30 days"));
        assert!(unified_diff("x", "x", "a", "b").is_none());
    }

    #[test]
    fn hunk_ranges_match_the_unified_text() {
        let old: String = (0..30).map(|i| format!("line {i}\n")).collect();
        let new = old
            .replace("line 3\n", "line three\n")
            .replace("line 25\n", "");
        let d = diff(&old, &new, "a", "b").unwrap();
        assert_eq!(d.hunks.len(), 2);
        assert_eq!(d.hunks[0].old, 0..7);
        assert!(d.hunks[1].old.contains(&25));
        assert_eq!(d.unified.matches("@@ -").count(), 2);
        // Without context: exactly the two edits.
        assert_eq!(d.changes.len(), 2);
        assert_eq!(
            (d.changes[0].old.clone(), d.changes[0].new.clone()),
            (3..4, 3..4)
        );
        assert_eq!(
            (d.changes[1].old.clone(), d.changes[1].new.clone()),
            (25..26, 25..25)
        );
        assert_eq!(d.kept[2], Some(2));
        assert_eq!(d.kept[3], None);
        assert_eq!(d.kept[29], Some(28));
    }

    #[test]
    fn an_append_at_the_end_shows_only_the_new_line() {
        let d = diff(
            "a\n- Medical certificate",
            "a\n- Medical certificate\n- Photo",
            "x",
            "y",
        )
        .unwrap();
        let changed: Vec<&str> = d
            .unified
            .lines()
            .filter(|l| l.starts_with(['+', '-']) && !l.starts_with("+++") && !l.starts_with("---"))
            .collect();
        assert_eq!(changed, ["+- Photo"]);
        assert_eq!(d.changes.len(), 1);
        assert_eq!(
            (d.changes[0].old.clone(), d.changes[0].new.clone()),
            (2..2, 2..3)
        );
        assert_eq!(d.kept, [Some(0), Some(1)]);
    }

    #[test]
    fn page_lines_that_look_like_headers_stay_diff_lines() {
        let d = unified_diff("a\n-- note\nb", "a\n++ note\nb", "x", "y").unwrap();
        let lines = parse_unified(&d);
        assert!(
            lines
                .iter()
                .any(|l| matches!(l, DiffLine::Removed("-- note", _))),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| matches!(l, DiffLine::Added("++ note", _))),
            "{lines:?}"
        );
        assert_eq!(
            lines
                .iter()
                .filter(|l| matches!(l, DiffLine::File(_)))
                .count(),
            2
        );
    }

    #[test]
    fn paired_lines_get_word_segments() {
        let d = unified_diff(
            "a\nissued within 45 days\nc\n",
            "a\nissued within 30 days\nc\n",
            "x",
            "y",
        )
        .unwrap();
        let lines = parse_unified(&d);
        let removed = lines.iter().find_map(|l| match l {
            DiffLine::Removed(_, Some(w)) => Some(w.clone()),
            _ => None,
        });
        let changed: Vec<String> = removed
            .unwrap()
            .into_iter()
            .filter(|s| s.changed)
            .map(|s| s.text)
            .collect();
        assert_eq!(changed, ["45"]);
        assert!(lines.iter().any(|l| matches!(l, DiffLine::Hunk(_, 0))));
    }
}
