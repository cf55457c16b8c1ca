//! A capture against its baseline: the outcome by SHA-256, and a bounded unified diff.
//!
//! Diffs use similar's Patience algorithm with a deadline, so a page rewritten from top to bottom
//! costs a bounded time and yields a coarser (still correct) diff instead of stalling the run.

use std::time::Duration;

use similar::{Algorithm, TextDiff};

use crate::outcome::Outcome;

pub const DIFF_TIMEOUT: Duration = Duration::from_secs(2);

/// `new` when there is no baseline yet, `unchanged` when the hashes match, else `changed`.
pub fn outcome(baseline_sha: Option<&str>, current_sha: &str) -> Outcome {
    match baseline_sha {
        None => Outcome::New,
        Some(b) if b == current_sha => Outcome::Unchanged,
        Some(_) => Outcome::Changed,
    }
}

pub fn line_diff<'a>(old: &'a str, new: &'a str) -> TextDiff<'a, 'a, str> {
    TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .timeout(DIFF_TIMEOUT)
        .diff_lines(old, new)
}

/// A unified diff with three lines of context; `None` when the texts are equal.
pub fn unified_diff(old: &str, new: &str, old_label: &str, new_label: &str) -> Option<String> {
    if old == new {
        return None;
    }
    let diff = line_diff(old, new);
    let mut out = diff
        .unified_diff()
        .context_radius(3)
        .header(old_label, new_label)
        .to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes() {
        assert_eq!(outcome(None, "a"), Outcome::New);
        assert_eq!(outcome(Some("a"), "a"), Outcome::Unchanged);
        assert_eq!(outcome(Some("a"), "b"), Outcome::Changed);
    }

    #[test]
    fn diff_shows_both_sides() {
        let d = unified_diff("a\n45 days\nc", "a\n30 days\nc", "baseline", "latest").unwrap();
        assert!(d.contains("--- baseline"));
        assert!(d.contains("-45 days"));
        assert!(d.contains("+30 days"));
        assert!(unified_diff("x", "x", "a", "b").is_none());
    }
}
