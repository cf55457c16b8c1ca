//! `status`: every fact of the current `sources.toml` as of today, with its three clocks. The
//! JSON form is the contract the site build reads (README, "Status JSON"); text and Markdown are
//! for people.

use std::fmt::Write;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::routes::{RouteReport, SiteTally};
use super::{FactReport, FlagTally, SCHEMA_VERSION, UncoveredChange};
use crate::outcome::Outcome;
use crate::term::{Look, Style, clip, count};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StatusReport {
    pub(crate) schema_version: u32,
    pub(crate) tool: String,
    pub(crate) today: NaiveDate,
    pub(crate) generated_at: DateTime<Utc>,
    pub(crate) summary: StatusSummary,
    pub(crate) facts: Vec<FactReport>,
    /// Sources whose last scheduled run did not happen (the nightly job stopped).
    pub(crate) missed_runs: Vec<MissedRun>,
    /// Sources whose latest capture failed, with or without facts.
    #[serde(default)]
    pub(crate) failed_sources: Vec<FailedSource>,
    /// Per changed source: the lines no fact covers, held against its baseline.
    #[serde(default)]
    pub(crate) uncovered: Vec<UncoveredSource>,
    /// Each route with a page, held against the page as last read (docs/site.md).
    #[serde(default)]
    pub(crate) routes: Vec<RouteReport>,
    /// Sources of the registry no check has captured yet (added since, or never run).
    #[serde(default)]
    pub(crate) never_captured: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FailedSource {
    pub(crate) source: String,
    pub(crate) outcome: Outcome,
    pub(crate) error: Option<String>,
    pub(crate) at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct UncoveredSource {
    pub(crate) source: String,
    pub(crate) changes: Vec<UncoveredChange>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StatusSummary {
    pub(crate) facts: usize,
    #[serde(flatten)]
    pub(crate) flags: FlagTally,
    /// Sources whose latest capture failed.
    pub(crate) failed_sources: usize,
    /// Sources never captured.
    pub(crate) never_checked: usize,
    /// Edits of changed sources, held against their baselines, that touch no fact's passage.
    pub(crate) uncovered_changes: usize,
    #[serde(flatten)]
    pub(crate) site: SiteTally,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct MissedRun {
    pub(crate) source: String,
    pub(crate) due: DateTime<Utc>,
}

impl StatusReport {
    #[expect(
        clippy::too_many_arguments,
        reason = "one per section of the report; a struct would only name them again"
    )]
    pub(crate) fn new(
        today: NaiveDate,
        now: DateTime<Utc>,
        facts: Vec<FactReport>,
        mut summary: StatusSummary,
        missed_runs: Vec<MissedRun>,
        failed_sources: Vec<FailedSource>,
        uncovered: Vec<UncoveredSource>,
        routes: Vec<RouteReport>,
    ) -> StatusReport {
        summary.facts = facts.len();
        summary.flags = FlagTally::of(&facts);
        summary.site = SiteTally::of(&routes);
        StatusReport {
            schema_version: SCHEMA_VERSION,
            tool: format!("sourcewatch {}", env!("CARGO_PKG_VERSION")),
            today,
            generated_at: now,
            summary,
            facts,
            missed_runs,
            failed_sources,
            uncovered,
            routes,
            never_captured: Vec::new(),
        }
    }

    /// Every reason the exit code is 1, one line each (nothing when it is 0).
    pub(crate) fn reasons(&self) -> Vec<String> {
        let s = &self.summary;
        let mut out = Vec::new();
        if s.flags.flagged > 0 {
            out.push(super::need_review(s.flags.flagged, s.facts));
        }
        for f in &self.failed_sources {
            out.push(format!(
                "source {} failed ({}) at {}: {}",
                f.source,
                f.outcome,
                f.at.format("%Y-%m-%d %H:%M UTC"),
                f.error.as_deref().unwrap_or("no detail")
            ));
        }
        for u in &self.uncovered {
            out.push(format!(
                "source {} changed where no fact quotes it ({}): review with `sourcewatch diff \
                 {}`, add facts if it matters, then `sourcewatch accept {}`",
                u.source,
                count(u.changes.len(), "change", "changes"),
                u.source,
                u.source
            ));
        }
        for r in self.routes.iter().filter(|r| r.date_matches == Some(false)) {
            out.push(format!(
                "route {}: its page shows last verified {}, its facts say {}",
                r.id,
                r.published_last_verified
                    .map_or("nothing".to_string(), |d| d.to_string()),
                r.expected_last_verified
                    .map_or("nothing".to_string(), |d| d.to_string())
            ));
        }
        for m in &self.missed_runs {
            out.push(format!(
                "missed run: {} was due {} and has not been checked since",
                m.source,
                m.due.format("%Y-%m-%d %H:%M UTC")
            ));
        }
        out
    }

    /// Exit status 1 when anything needs a human.
    pub(crate) fn needs_review(&self) -> bool {
        let s = &self.summary;
        s.flags.flagged > 0
            || s.site.date_mismatches > 0
            || s.failed_sources > 0
            || s.uncovered_changes > 0
            || !self.missed_runs.is_empty()
    }
}

fn flags(f: &FactReport, look: &Look) -> String {
    if f.flags.is_empty() {
        look.paint(Style::Green, "verified")
    } else {
        super::text::flags(f, look)
    }
}

fn date(d: Option<NaiveDate>) -> String {
    d.map_or_else(|| "–".to_string(), |d| d.to_string())
}

fn checked(f: &FactReport) -> String {
    match (f.last_checked, f.source_outcome) {
        (Some(at), Some(o)) => format!("{} {o}", at.format("%Y-%m-%d")),
        _ => "never".to_string(),
    }
}

pub(crate) fn render_text(status: &StatusReport, look: &Look) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "status as of {}", status.today);
    let longest = status
        .facts
        .iter()
        .map(|f| f.id.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    // On a terminal a very long id is cut so the other columns stay in view; elsewhere never.
    let id_width = if look.width.is_some() {
        longest.min(48)
    } else {
        longest
    };
    let _ = writeln!(
        out,
        "  {:<id_width$}  {:>5}  {:<10}  {:<22}  {:<10}  {:<10}  flags",
        "fact", "age", "due", "last checked", "machine", "human"
    );
    for f in &status.facts {
        let _ = writeln!(
            out,
            "  {:<id_width$}  {:>4}d  {:<10}  {:<22}  {:<10}  {:<10}  {}",
            clip(&f.id, id_width),
            f.age_days,
            f.due,
            checked(f),
            date(f.machine_verified),
            date(f.human_verified),
            flags(f, look)
        );
    }
    for u in &status.uncovered {
        let _ = writeln!(out, "changes no fact covers in {}:", u.source);
        for c in &u.changes {
            for l in &c.removed {
                let _ = writeln!(out, "  -{}", look.fit(l, 3));
            }
            for l in &c.added {
                let _ = writeln!(out, "  +{}", look.fit(l, 3));
            }
        }
    }
    if !status.routes.is_empty() {
        let _ = writeln!(out, "site:");
        super::text::site_lines(&mut out, &status.routes, &status.facts, look);
    }
    if !status.never_captured.is_empty() {
        let line = format!(
            "never captured: {} (no check has fetched {} yet; the next `sourcewatch check`, or \
             `watch` at its start, captures {})",
            status.never_captured.join(", "),
            if status.never_captured.len() == 1 {
                "it"
            } else {
                "them"
            },
            if status.never_captured.len() == 1 {
                "it"
            } else {
                "them"
            },
        );
        let _ = writeln!(out, "{}", look.wrap(&line, 0, 2));
    }
    let reasons = status.reasons();
    if !reasons.is_empty() {
        let _ = writeln!(out, "needs review because:");
        for r in reasons {
            let _ = writeln!(out, "  {}", look.wrap(&r, 2, 4));
        }
    }
    let s = &status.summary;
    let _ = writeln!(
        out,
        "{}, {} flagged · {}",
        count(s.facts, "fact", "facts"),
        s.flags.flagged,
        s.flags.by_flag()
    );
    out
}

pub(crate) fn render_markdown(status: &StatusReport) -> String {
    use super::markdown::escape;
    let mut out = String::new();
    let s = &status.summary;
    super::markdown::title(
        &mut out,
        &format!("status · {}", status.today),
        &super::need_review(s.flags.flagged, s.facts),
        &s.flags.by_flag(),
    );
    let _ = writeln!(
        out,
        "| Fact | Last verified | Due | Last checked | Machine verified | Human verified | Flags |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for f in &status.facts {
        let flags = if f.flags.is_empty() {
            "verified".to_string()
        } else {
            f.flags
                .iter()
                .map(|fl| format!("`{fl}`"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            escape(&f.id),
            f.last_verified,
            f.due,
            checked(f),
            date(f.machine_verified),
            date(f.human_verified),
            flags
        );
    }
    for u in &status.uncovered {
        let _ = writeln!(out, "\n### Changes no fact covers: {}\n", escape(&u.source));
        let _ = write!(out, "{}", super::markdown::uncovered_block(&u.changes));
    }
    let reasons = status.reasons();
    if !reasons.is_empty() {
        let _ = writeln!(out, "\n### Needs review because\n");
        for r in reasons {
            let _ = writeln!(out, "- {}", escape(&r));
        }
    }
    out
}
