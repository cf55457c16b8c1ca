//! The terminal summary: what changed in facts (values first, then reworded or removed
//! passages), sources grouped by outcome with the edits no fact covers, the flagged facts, and
//! totals.

use std::fmt::Write;

use super::Report;
use crate::outcome::Outcome;

pub(super) fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "sourcewatch check · {} · {} source(s), {} fact(s)",
        report.today, report.summary.sources, report.summary.facts
    );

    let values: Vec<_> = report.value_changes().collect();
    if !values.is_empty() {
        let _ = writeln!(out, "\nValues changed ({})", values.len());
        for f in values {
            let _ = writeln!(out, "  {}  {}  ({})", f.id, f.value_line(), f.source);
        }
    }
    let passages: Vec<_> = report.passage_changes().collect();
    if !passages.is_empty() {
        let _ = writeln!(out, "\nPassages changed ({})", passages.len());
        for f in passages {
            let kind = f.change.map_or("", |c| c.as_str());
            let _ = writeln!(out, "  {}  {kind}  ({})", f.id, f.source);
            if let Some(p) = &f.passage {
                let _ = writeln!(out, "    was: {}", clip(p, 110));
            }
            if let Some(p) = &f.new_passage {
                let _ = writeln!(out, "    now: {}", clip(p, 110));
            }
        }
    }

    let order = [
        Outcome::Changed,
        Outcome::New,
        Outcome::Unchanged,
        Outcome::Unreachable,
        Outcome::HttpError,
        Outcome::Blocked,
        Outcome::TlsError,
        Outcome::RobotsDisallowed,
        Outcome::TooLarge,
        Outcome::Empty,
        Outcome::SelectorMissing,
        Outcome::RenderError,
        Outcome::ParseError,
    ];
    let _ = writeln!(out, "\nSources");
    for outcome in order {
        let group: Vec<_> = report
            .sources
            .iter()
            .filter(|s| s.capture.outcome == outcome)
            .collect();
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(out, "  {outcome} ({})", group.len());
        for s in group {
            let detail = clip(&s.detail(), 100);
            let _ = writeln!(out, "    {:<32} {}", s.id, detail);
            for note in s.notes() {
                let _ = writeln!(out, "      note: {note}");
            }
            if outcome == Outcome::Changed
                && let Some(diff) = &s.diff
            {
                for line in diff
                    .lines()
                    .filter(|l| {
                        (l.starts_with('+') || l.starts_with('-'))
                            && !l.starts_with("+++")
                            && !l.starts_with("---")
                    })
                    .take(6)
                {
                    let _ = writeln!(out, "      {}", clip(line, 110));
                }
            }
            if !s.uncovered.is_empty() {
                let _ = writeln!(out, "      changes no fact covers ({}):", s.uncovered.len());
                for c in &s.uncovered {
                    for l in &c.removed {
                        let _ = writeln!(out, "        -{}", clip(l, 106));
                    }
                    for l in &c.added {
                        let _ = writeln!(out, "        +{}", clip(l, 106));
                    }
                }
            }
        }
    }

    let flagged: Vec<_> = report
        .facts
        .iter()
        .filter(|f| !f.flags.is_empty())
        .collect();
    if flagged.is_empty() {
        let _ = writeln!(out, "\nNo fact needs review.");
    } else {
        let _ = writeln!(out, "\nFacts that need review ({})", flagged.len());
        let id_width = flagged
            .iter()
            .map(|f| f.id.chars().count())
            .max()
            .unwrap_or(0)
            .min(48);
        let _ = writeln!(out, "  {:<id_width$}  {:>5}  flags", "fact", "age");
        for f in flagged {
            let flags = f
                .flags
                .iter()
                .map(|fl| fl.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(
                out,
                "  {:<id_width$}  {:>4}d  {}",
                clip(&f.id, id_width),
                f.age_days,
                flags
            );
            if let (Some(quote), Some(passage)) = (&f.quote, &f.closest_passage) {
                let _ = writeln!(
                    out,
                    "  {:id_width$}         quote:   {}",
                    "",
                    clip(quote, 90)
                );
                let _ = writeln!(
                    out,
                    "  {:id_width$}         closest: {}{}",
                    "",
                    clip(passage, 90),
                    f.similarity_note()
                );
            }
        }
    }

    let s = &report.summary;
    let _ = writeln!(
        out,
        "
Totals: {} of {} facts need review · {}",
        s.flagged,
        s.facts,
        s.counts()
    );
    out
}

/// A unified diff with ANSI colours and the changed words of paired lines emphasised.
pub fn colour_diff(unified: &str) -> String {
    use crate::compare::{DiffLine, Segment, parse_unified};
    const RED: &str = "\x1b[31m";
    const GREEN: &str = "\x1b[32m";
    const CYAN: &str = "\x1b[36m";
    const BOLD: &str = "\x1b[1m";
    const STRONG_RED: &str = "\x1b[1;37;41m";
    const STRONG_GREEN: &str = "\x1b[1;37;42m";
    const RESET: &str = "\x1b[0m";
    let words = |segs: &[Segment], base: &str, strong: &str| -> String {
        segs.iter()
            .map(|s| {
                if s.changed {
                    format!("{strong}{}{RESET}{base}", s.text)
                } else {
                    s.text.clone()
                }
            })
            .collect()
    };
    let mut out = String::new();
    for line in parse_unified(unified) {
        let _ = match line {
            DiffLine::File(t) => writeln!(out, "{BOLD}{t}{RESET}"),
            DiffLine::Hunk(t, _) => writeln!(out, "{CYAN}{t}{RESET}"),
            DiffLine::Context(t) => writeln!(out, " {t}"),
            DiffLine::Removed(t, segs) => {
                let body = segs.map_or_else(|| t.to_string(), |s| words(&s, RED, STRONG_RED));
                writeln!(out, "{RED}-{body}{RESET}")
            }
            DiffLine::Added(t, segs) => {
                let body = segs.map_or_else(|| t.to_string(), |s| words(&s, GREEN, STRONG_GREEN));
                writeln!(out, "{GREEN}+{body}{RESET}")
            }
        };
    }
    out
}
