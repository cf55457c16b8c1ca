//! The terminal summary: what changed in facts (values first, then reworded or removed
//! passages), sources grouped by outcome with the edits no fact covers, the flagged facts, and
//! totals.
//!
//! Laid out by a [`Look`]: on a terminal, outcomes and flags in colour and every line fitted to
//! the terminal's width (errors and values wrapped, previews cut, a closest passage shown as the
//! window around the part that best matches its quote); in a file or a pipe, plain and whole.

use std::fmt::Write;

use super::{FactReport, Report};
use crate::outcome::{Flag, Outcome};
use crate::term::{Look, Style, count};
use crate::text::fold_for_match;

/// The colour of an outcome's name, wherever a terminal shows one.
pub(super) fn outcome_style(outcome: Outcome) -> Style {
    match outcome {
        Outcome::Changed => Style::Yellow,
        Outcome::New => Style::Cyan,
        Outcome::Unchanged => Style::Green,
        _ => Style::Red,
    }
}

/// The colour of a flag's name.
fn flag_style(flag: Flag) -> Style {
    match flag {
        Flag::Stale => Style::Yellow,
        Flag::SourceChanged => Style::Cyan,
        Flag::EvidenceMissing => Style::Red,
        Flag::Unverifiable => Style::Magenta,
        Flag::PageDiffers => Style::Yellow,
    }
}

pub(super) fn flags(f: &FactReport, look: &Look) -> String {
    f.flags
        .iter()
        .map(|fl| look.paint(flag_style(*fl), fl.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A `+` or `-` line of a diff, fitted after `used` columns and coloured.
fn diff_line(line: &str, used: usize, look: &Look) -> String {
    let fitted = look.fit(line, used);
    match line.chars().next() {
        Some('+') => look.paint(Style::Green, &fitted),
        Some('-') => look.paint(Style::Red, &fitted),
        _ => fitted,
    }
}

/// The words of `passage` around the part most like `quote`, widened word by word on both sides
/// while the whole fits `room` characters; "…" marks what is left out on either side. A passage
/// that fits is returned whole.
pub(super) fn window(passage: &str, quote: &str, room: usize) -> String {
    if passage.chars().count() <= room {
        return passage.to_string();
    }
    let key = |w: &str| {
        fold_for_match(w)
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_string()
    };
    let words: Vec<&str> = passage.split_whitespace().collect();
    let quote_words: Vec<String> = quote.split_whitespace().map(key).collect();
    let span = quote_words.len().clamp(1, words.len().max(1));
    let keys: Vec<String> = words.iter().map(|w| key(w)).collect();
    // The first window of the quote's length sharing the most words with it.
    let mut best = (0, 0);
    for start in 0..=words.len().saturating_sub(span) {
        let shared = keys[start..start + span]
            .iter()
            .filter(|k| !k.is_empty() && quote_words.contains(k))
            .count();
        if shared > best.1 {
            best = (start, shared);
        }
    }
    let len = |from: usize, to: usize| {
        let body: usize = words[from..to]
            .iter()
            .map(|w| w.chars().count())
            .sum::<usize>()
            + (to - from).saturating_sub(1);
        body + if from > 0 { 2 } else { 0 } + if to < words.len() { 2 } else { 0 }
    };
    let (mut from, mut to) = (best.0, (best.0 + span).min(words.len()));
    // Then wider, a word to the right and one to the left in turn, while it fits.
    loop {
        let mut grew = false;
        if to < words.len() && len(from, to + 1) <= room {
            to += 1;
            grew = true;
        }
        if from > 0 && len(from - 1, to) <= room {
            from -= 1;
            grew = true;
        }
        if !grew {
            break;
        }
    }
    let mut out = String::new();
    if from > 0 {
        out.push_str("… ");
    }
    out.push_str(&words[from..to].join(" "));
    if to < words.len() {
        out.push_str(" …");
    }
    crate::term::clip(&out, room)
}

pub(crate) fn render(report: &Report) -> String {
    render_for(report, &Look::plain())
}

pub(crate) fn render_for(report: &Report, look: &Look) -> String {
    let mut out = String::new();
    let heading = |text: &str| look.paint(Style::Bold, text);
    let _ = writeln!(
        out,
        "{} · {} · {}, {}",
        heading("sourcewatch check"),
        report.today,
        count(report.summary.sources, "source", "sources"),
        count(report.summary.facts, "fact", "facts")
    );

    let values: Vec<_> = report.value_changes().collect();
    if !values.is_empty() {
        let _ = writeln!(out, "\n{} ({})", heading("Values changed"), values.len());
        for f in values {
            let line = format!("{}  {}  ({})", f.id, f.value_line(), f.source);
            let _ = writeln!(out, "  {}", look.wrap(&line, 2, 4));
        }
    }
    let passages: Vec<_> = report.passage_changes().collect();
    if !passages.is_empty() {
        let _ = writeln!(
            out,
            "\n{} ({})",
            heading("Passages changed"),
            passages.len()
        );
        for f in passages {
            let kind = f.change.map_or("", |c| c.as_str());
            let _ = writeln!(out, "  {}  {kind}  ({})", f.id, f.source);
            if let Some(p) = &f.passage {
                let _ = writeln!(out, "    was: {}", look.wrap(p, 9, 9));
            }
            if let Some(p) = &f.new_passage {
                let _ = writeln!(out, "    now: {}", look.wrap(p, 9, 9));
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
    let _ = writeln!(out, "\n{}", heading("Sources"));
    // One pass over the rows, each written under its outcome: spilled rows are read back once,
    // and never held (100,000 unchanged sources are a listing, not a vector of rows).
    let mut groups: Vec<(usize, String)> = vec![(0, String::new()); order.len()];
    for s in report.sources.iter() {
        let outcome = s.capture.outcome;
        let Some(place) = order.iter().position(|&o| o == outcome) else {
            continue;
        };
        let (count, lines) = &mut groups[place];
        *count += 1;
        source_lines(lines, &s, look);
    }
    for (outcome, (count, lines)) in order.into_iter().zip(groups) {
        if count == 0 {
            continue;
        }
        let name = look.paint(outcome_style(outcome), outcome.as_str());
        let _ = writeln!(out, "  {name} ({count})");
        out.push_str(&lines);
    }

    let flagged: Vec<_> = report.flagged_facts().collect();
    if flagged.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            look.paint(Style::Green, "No fact needs review.")
        );
    } else {
        let _ = writeln!(
            out,
            "\n{} ({})",
            heading("Facts that need review"),
            flagged.len()
        );
        let longest = flagged
            .iter()
            .map(|f| f.id.chars().count())
            .max()
            .unwrap_or(0);
        // On a terminal a very long id is cut so the flags stay in view; elsewhere never.
        let id_width = if look.width.is_some() {
            longest.min(48)
        } else {
            longest
        };
        let _ = writeln!(out, "  {:<id_width$}  {:>5}  flags", "fact", "age");
        for f in flagged {
            let _ = writeln!(
                out,
                "  {:<id_width$}  {:>4}d  {}",
                crate::term::clip(&f.id, id_width),
                f.age_days,
                flags(&f, look)
            );
            if let (Some(quote), Some(passage)) = (&f.quote, &f.closest_passage) {
                let used = 6 + "closest: ".len();
                let _ = writeln!(out, "      quote:   {}", look.fit(quote, used));
                let note = f.similarity_note();
                let shown = match look.room(used + note.chars().count()) {
                    Some(room) => window(passage, quote, room),
                    None => passage.clone(),
                };
                let _ = writeln!(out, "      closest: {shown}{note}");
            } else if let (Some(quote), true) = (&f.quote, f.nothing_similar()) {
                let used = 6 + "closest: ".len();
                let _ = writeln!(out, "      quote:   {}", look.fit(quote, used));
                let _ = writeln!(out, "      closest: nothing similar remains on the page");
            }
        }
    }

    if !report.routes.is_empty() {
        let _ = writeln!(out, "\n{}", heading("Site"));
        let unstated: Vec<FactReport> = (report.facts.iter())
            .filter(|f| f.published == Some(false))
            .map(std::borrow::Cow::into_owned)
            .collect();
        site_lines(&mut out, &report.routes, &unstated, look);
    }

    let fact_notes: Vec<_> = report
        .facts
        .iter()
        .filter_map(|f| {
            let note = f.occurrences_note()?;
            Some((f, note))
        })
        .collect();
    if !fact_notes.is_empty() {
        let _ = writeln!(out, "\n{}", heading("Notes"));
        for (f, note) in fact_notes {
            let line = format!("{}: {note}", f.id);
            let _ = writeln!(out, "  {}", look.wrap(&line, 2, 4));
        }
    }

    let s = &report.summary;
    let totals = format!(
        "Totals: {} · {}",
        super::need_review(s.flags.flagged, s.facts),
        s.counts()
    );
    let _ = writeln!(out, "\n{}", look.wrap(&totals, 0, 2));
    out
}

/// A source's lines under its outcome: its detail, notes, the first lines of its diff and the
/// edits no fact covers.
fn source_lines(out: &mut String, s: &super::SourceReport, look: &Look) {
    let outcome = s.capture.outcome;
    let id = format!("{:<32}", s.id);
    let used = 4 + id.chars().count() + 1;
    let detail = look.wrap(&s.detail(), used, 4 + 32 + 1);
    let _ = writeln!(out, "    {id} {detail}");
    for note in s.notes() {
        let _ = writeln!(out, "      note: {}", look.wrap(&note, 12, 12));
    }
    if outcome == Outcome::Changed
        && let Some(diff) = &s.diff
    {
        let changed = crate::compare::parse_unified(diff)
            .into_iter()
            .filter_map(|l| match l {
                crate::compare::DiffLine::Removed(t, _) => Some(format!("-{t}")),
                crate::compare::DiffLine::Added(t, _) => Some(format!("+{t}")),
                _ => None,
            });
        for line in changed.take(6) {
            let _ = writeln!(out, "      {}", diff_line(&line, 6, look));
        }
    }
    if !s.uncovered.is_empty() {
        let _ = writeln!(out, "      changes no fact covers ({}):", s.uncovered.len());
        for c in &s.uncovered {
            for l in &c.removed {
                let _ = writeln!(out, "        {}", diff_line(&format!("-{l}"), 8, look));
            }
            for l in &c.added {
                let _ = writeln!(out, "        {}", diff_line(&format!("+{l}"), 8, look));
            }
        }
    }
}

/// Each route page's coverage and dates, the facts it no longer states and the figures no fact
/// watches: the "Site" section of the check and of `status`.
pub(super) fn site_lines(
    out: &mut String,
    routes: &[super::routes::RouteReport],
    facts: &[FactReport],
    look: &Look,
) {
    for r in routes {
        let dates = super::routes::dates_words(r);
        let dates = if r.date_matches == Some(false) {
            look.paint(Style::Red, &dates)
        } else {
            dates
        };
        let line = format!(
            "{}  {} · last verified (page / facts) {}",
            r.id,
            super::routes::coverage_words(r),
            dates
        );
        let _ = writeln!(out, "  {}", look.wrap(&line, 2, 4));
        for f in facts
            .iter()
            .filter(|f| f.published == Some(false) && f.route == r.id)
        {
            let line = format!("page no longer states {}: {}", f.id, f.claim);
            let _ = writeln!(out, "    {}", look.wrap(&line, 4, 6));
            if let Some(p) = &f.published_passage {
                let _ = writeln!(out, "      closest: {}", look.fit(p, 15));
            }
        }
        for line in &r.unmonitored {
            let _ = writeln!(out, "    not watched: {}", look.fit(line, 17));
        }
    }
}

/// A unified diff with ANSI colours and the changed words of paired lines emphasised.
pub(crate) fn colour_diff(unified: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closest_passage_is_shown_around_its_best_match() {
        let passage = format!(
            "{} the permit is issued within 30 calendar days {}",
            "Opening words of a long paragraph that say nothing about the fact at all".repeat(2),
            "and then a long tail about other matters entirely".repeat(2)
        );
        let shown = window(&passage, "issued within 45 calendar days", 60);
        assert!(shown.contains("issued within 30 calendar days"), "{shown}");
        assert!(shown.starts_with("… ") && shown.ends_with(" …"), "{shown}");
        assert!(shown.chars().count() <= 60, "{shown}");
        // A passage that fits is shown whole.
        assert_eq!(window("short passage", "quote", 60), "short passage");
    }
}
