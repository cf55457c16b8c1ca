//! `status`: every fact of the current `sources.toml` as of today, with its three clocks. The
//! JSON form is the contract the site build reads (README, "Status JSON"); text and Markdown are
//! for people.

use std::fmt::Write;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{FactReport, SCHEMA_VERSION};
use crate::outcome::Flag;
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
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StatusSummary {
    pub(crate) facts: usize,
    pub(crate) flagged: usize,
    pub(crate) stale: usize,
    pub(crate) source_changed: usize,
    pub(crate) evidence_missing: usize,
    pub(crate) unverifiable: usize,
    /// Sources whose latest capture failed.
    pub(crate) failed_sources: usize,
    /// Sources never captured.
    pub(crate) never_checked: usize,
    /// Edits of changed sources, held against their baselines, that touch no fact's passage.
    pub(crate) uncovered_changes: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct MissedRun {
    pub(crate) source: String,
    pub(crate) due: DateTime<Utc>,
}

impl StatusReport {
    pub(crate) fn new(
        today: NaiveDate,
        facts: Vec<FactReport>,
        mut summary: StatusSummary,
        missed_runs: Vec<MissedRun>,
    ) -> StatusReport {
        summary.facts = facts.len();
        for f in &facts {
            summary.flagged += usize::from(!f.flags.is_empty());
            for flag in &f.flags {
                match flag {
                    Flag::Stale => summary.stale += 1,
                    Flag::SourceChanged => summary.source_changed += 1,
                    Flag::EvidenceMissing => summary.evidence_missing += 1,
                    Flag::Unverifiable => summary.unverifiable += 1,
                }
            }
        }
        StatusReport {
            schema_version: SCHEMA_VERSION,
            tool: format!("sourcewatch {}", env!("CARGO_PKG_VERSION")),
            today,
            generated_at: Utc::now(),
            summary,
            facts,
            missed_runs,
        }
    }

    /// Exit status 1 when anything needs a human.
    pub(crate) fn needs_review(&self) -> bool {
        let s = &self.summary;
        s.flagged > 0
            || s.failed_sources > 0
            || s.uncovered_changes > 0
            || !self.missed_runs.is_empty()
    }

    pub(crate) fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("status serialises");
        s.push('\n');
        s
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
    for m in &status.missed_runs {
        let _ = writeln!(
            out,
            "missed run: {} was due {} and has not been checked since",
            m.source,
            m.due.format("%Y-%m-%d %H:%M UTC")
        );
    }
    let s = &status.summary;
    let _ = writeln!(
        out,
        "{}, {} flagged · stale {} · source_changed {} · evidence_missing {} · unverifiable {}",
        count(s.facts, "fact", "facts"),
        s.flagged,
        s.stale,
        s.source_changed,
        s.evidence_missing,
        s.unverifiable
    );
    out
}

pub(crate) fn render_markdown(status: &StatusReport) -> String {
    use super::markdown::escape;
    let mut out = String::new();
    let s = &status.summary;
    let _ = writeln!(out, "## sourcewatch status · {}\n", status.today);
    let _ = writeln!(
        out,
        "**{}** · stale {} · source_changed {} · evidence_missing {} · unverifiable {}\n",
        super::need_review(s.flagged, s.facts),
        s.stale,
        s.source_changed,
        s.evidence_missing,
        s.unverifiable
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
    if !status.missed_runs.is_empty() {
        let _ = writeln!(out, "\n### Missed runs\n");
        for m in &status.missed_runs {
            let _ = writeln!(
                out,
                "- `{}` was due {} and has not been checked since",
                escape(&m.source),
                m.due.format("%Y-%m-%d %H:%M UTC")
            );
        }
    }
    out
}
