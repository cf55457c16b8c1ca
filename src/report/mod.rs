//! One [`Report`] value per check, rendered for people (terminal text, Markdown, HTML) and
//! programs (JSON; docs/reports.md is the contract). The value is also what `LAST_CHECK.json`
//! stores, so `report` renders exactly what the check saw.
//!
//! Rows are made from the values the pipeline produced: a source row from its [`Capture`] and
//! [`Comparison`], a fact row from its [`Assessment`].
//!
//! [`Capture`]: crate::capture::Capture
//! [`Comparison`]: crate::compare::Comparison
//! [`Assessment`]: crate::assess::Assessment

mod document;
pub(crate) mod history;
pub(crate) mod html;
pub(crate) mod markdown;
pub(crate) mod routes;
mod rows;
mod spill;
pub(crate) mod status;
pub(crate) mod text;

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::assess::Change;
use crate::outcome::{Flag, Outcome};
use crate::registry::Registry;
pub(crate) use rows::{Checked, FactReport, SourceReport, UncoveredChange};
pub(crate) use spill::{Rows, RowsBuilder};

pub(crate) const SCHEMA_VERSION: u32 = 1;

/// Pretty JSON and a final newline: how every JSON document sourcewatch prints or saves looks.
/// [`pretty_json`] written to `out` as it is made.
pub(crate) fn write_pretty_json(
    out: &mut dyn std::io::Write,
    value: &impl Serialize,
) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")
}

pub(crate) fn pretty_json(value: &impl Serialize) -> String {
    let mut s = serde_json::to_string_pretty(value).expect("sourcewatch's own values serialise");
    s.push('\n');
    s
}

/// The report in `format`, as written to a file (text plain and whole).
pub(crate) fn render(report: &Report, format: crate::cli::ReportFormat) -> String {
    use crate::cli::ReportFormat;
    match format {
        ReportFormat::Text => text::render(report),
        ReportFormat::Json => report.to_json(),
        ReportFormat::Markdown => markdown::render(report),
        ReportFormat::Html => html::render(report),
    }
}

/// Written only as a whole pretty document ([`write_pretty_json`], [`pretty_json`]): rows a
/// large check spilled are kept in that shape and copied into it (see `spill`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Report {
    pub(crate) schema_version: u32,
    pub(crate) tool: String,
    pub(crate) today: NaiveDate,
    pub(crate) started_at: DateTime<Utc>,
    pub(crate) finished_at: DateTime<Utc>,
    pub(crate) summary: Summary,
    pub(crate) sources: Rows<SourceReport>,
    pub(crate) facts: Rows<FactReport>,
    /// The routes whose published page was read in this check (docs/site.md).
    #[serde(default)]
    pub(crate) routes: Vec<routes::RouteReport>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Summary {
    pub(crate) sources: usize,
    pub(crate) new: usize,
    pub(crate) unchanged: usize,
    pub(crate) changed: usize,
    pub(crate) failed: usize,
    pub(crate) facts: usize,
    #[serde(flatten)]
    pub(crate) flags: FlagTally,
    pub(crate) refreshed: usize,
    /// Edits of changed sources that touch no fact's passage.
    #[serde(default)]
    pub(crate) uncovered_changes: usize,
    #[serde(flatten)]
    pub(crate) site: routes::SiteTally,
}

impl Summary {
    /// Counted in as the source's row is made (a check) or read (`summarise`).
    pub(crate) fn count_source(&mut self, src: &SourceReport) {
        self.sources += 1;
        self.uncovered_changes += src.uncovered.len();
        match src.capture.outcome {
            Outcome::New => self.new += 1,
            Outcome::Unchanged => self.unchanged += 1,
            Outcome::Changed => self.changed += 1,
            _ => self.failed += 1,
        }
    }

    pub(crate) fn count_fact(&mut self, f: &FactReport) {
        self.facts += 1;
        self.flags.count(f);
        self.refreshed += usize::from(f.refreshed);
    }

    pub(crate) fn with_routes(self, routes: &[routes::RouteReport]) -> Summary {
        Summary {
            site: routes::SiteTally::of(routes),
            ..self
        }
    }

    /// The counts every renderer shows, in one wording.
    pub(crate) fn counts(&self) -> String {
        format!(
            "sources {} (new {}, unchanged {}, changed {}, failed {}) · {} · refreshed {}",
            self.sources,
            self.new,
            self.unchanged,
            self.changed,
            self.failed,
            self.flags.by_flag(),
            self.refreshed
        ) + &if self.uncovered_changes > 0 {
            format!(" · changes no fact covers {}", self.uncovered_changes)
        } else {
            String::new()
        }
    }
}

/// How many facts carry a flag, and how many carry each: what a check's and status's summaries
/// both count, from the same rows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FlagTally {
    pub(crate) flagged: usize,
    pub(crate) stale: usize,
    pub(crate) source_changed: usize,
    pub(crate) evidence_missing: usize,
    pub(crate) unverifiable: usize,
    #[serde(default)]
    pub(crate) page_differs: usize,
}

impl FlagTally {
    pub(crate) fn of<F: std::ops::Deref<Target = FactReport>>(
        facts: impl IntoIterator<Item = F>,
    ) -> FlagTally {
        let mut t = FlagTally::default();
        for f in facts {
            t.count(&f);
        }
        t
    }

    fn count(&mut self, f: &FactReport) {
        self.flagged += usize::from(!f.flags.is_empty());
        for flag in &f.flags {
            match flag {
                Flag::Stale => self.stale += 1,
                Flag::SourceChanged => self.source_changed += 1,
                Flag::EvidenceMissing => self.evidence_missing += 1,
                Flag::Unverifiable => self.unverifiable += 1,
                Flag::PageDiffers => self.page_differs += 1,
            }
        }
    }

    /// "stale 1 · source_changed 2 · evidence_missing 0 · unverifiable 1", and page_differs
    /// when a page differs.
    pub(crate) fn by_flag(&self) -> String {
        let mut s = format!(
            "stale {} · source_changed {} · evidence_missing {} · unverifiable {}",
            self.stale, self.source_changed, self.evidence_missing, self.unverifiable
        );
        if self.page_differs > 0 {
            s.push_str(&format!(" · page_differs {}", self.page_differs));
        }
        s
    }
}

/// "3 of 4 facts need review", "1 of 1 fact needs review", "0 of 1 fact needs review" (the verb
/// agrees with "fact" when there is one), "no facts to review" when there are none.
pub(crate) fn need_review(flagged: usize, facts: usize) -> String {
    if facts == 0 {
        return "no facts to review".to_string();
    }
    format!(
        "{flagged} of {} {} review",
        crate::term::count(facts, "fact", "facts"),
        if flagged == 1 || facts == 1 {
            "needs"
        } else {
            "need"
        }
    )
}

/// Fills in the row's route title and page from the registry.
pub(crate) fn name_route(f: &mut FactReport, registry: &Registry) {
    if let Some(route) = registry.route(&f.route) {
        f.route_title = Some(route.title.clone());
        f.route_page = route.page.as_ref().map(|p| p.to_string());
    }
}

impl Report {
    /// Counts derived from the rows; called after the rows are final.
    pub(crate) fn summarise(&mut self) {
        let mut s = Summary::default();
        for src in self.sources.iter() {
            s.count_source(&src);
        }
        for f in self.facts.iter() {
            s.count_fact(&f);
        }
        self.summary = s.with_routes(&self.routes);
    }

    /// Exit status 1 when anything needs a human: a flagged fact, a failed source, or new
    /// official text nobody quotes.
    pub(crate) fn needs_review(&self) -> bool {
        let s = &self.summary;
        s.flags.flagged > 0 || s.failed > 0 || s.uncovered_changes > 0 || s.site.date_mismatches > 0
    }

    /// Flagged facts in review order: those whose typed values changed first, then those whose
    /// passage was reworded or removed, then the rest, each group in registry order.
    pub(crate) fn facts_for_review(&self) -> Vec<Cow<'_, FactReport>> {
        let rank = |f: &FactReport| match f.change {
            Some(Change::Value) => 0,
            Some(Change::Wording | Change::Gone) => 1,
            _ => 2,
        };
        let mut flagged: Vec<Cow<'_, FactReport>> =
            self.facts.iter().filter(|f| !f.flags.is_empty()).collect();
        flagged.sort_by_key(|f| rank(f));
        flagged
    }

    /// Facts whose typed values changed, in registry order: what reports lead with.
    pub(crate) fn value_changes(&self) -> impl Iterator<Item = Cow<'_, FactReport>> {
        self.facts
            .iter()
            .filter(|f| f.change == Some(Change::Value))
    }

    /// Facts whose passage was reworded or removed.
    pub(crate) fn passage_changes(&self) -> impl Iterator<Item = Cow<'_, FactReport>> {
        self.facts
            .iter()
            .filter(|f| matches!(f.change, Some(Change::Wording | Change::Gone)))
    }

    /// What the "Notes" section lists, as (source or fact id, note): the notes of sources that
    /// did not change (a changed source shows its own beside its diff), then facts whose quote
    /// occurs more than once.
    pub(crate) fn notes(&self) -> Vec<(String, String)> {
        let sources = self
            .sources
            .iter()
            .filter(|s| s.capture.outcome != Outcome::Changed)
            .flat_map(|s| {
                let notes = s.notes();
                notes.into_iter().map(move |n| (s.id.clone(), n))
            });
        let facts = self
            .facts
            .iter()
            .filter_map(|f| Some((f.id.to_string(), f.occurrences_note()?)));
        sources.chain(facts).collect()
    }

    /// Sources whose capture failed, in file order.
    pub(crate) fn failed_sources(&self) -> impl Iterator<Item = Cow<'_, SourceReport>> {
        self.sources.iter().filter(|s| !s.capture.outcome.is_good())
    }

    /// Sources that changed, in file order.
    pub(crate) fn changed_sources(&self) -> impl Iterator<Item = Cow<'_, SourceReport>> {
        self.sources
            .iter()
            .filter(|s| s.capture.outcome == Outcome::Changed)
    }

    /// Facts with at least one flag, in file order.
    pub(crate) fn flagged_facts(&self) -> impl Iterator<Item = Cow<'_, FactReport>> {
        self.facts.iter().filter(|f| !f.flags.is_empty())
    }

    /// The URL of each source in `ids`, in one pass over the rows.
    pub(crate) fn source_urls<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> std::collections::HashMap<String, String> {
        let wanted: std::collections::HashSet<&str> = ids.into_iter().collect();
        if wanted.is_empty() {
            return Default::default();
        }
        self.sources
            .iter()
            .filter(|s| wanted.contains(s.id.as_str()))
            .map(|s| (s.id.clone(), s.url.clone()))
            .collect()
    }

    pub(crate) fn to_json(&self) -> String {
        pretty_json(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fact_row_saved_before_route_titles_still_loads() {
        let old = r#"{"id": "r/f", "route": "r", "source": "s", "claim": "c", "quote": null,
            "last_verified": "2026-11-01", "age_days": 24, "stale_after_days": 90,
            "due": "2027-01-30", "flags": [], "quote_found": null, "closest_passage": null,
            "closest_similarity": null, "refreshed": false}"#;
        let row: FactReport = serde_json::from_str(old).unwrap();
        assert_eq!((row.route_title, row.route_page), (None, None));
    }

    #[test]
    fn review_counts_read_right() {
        assert_eq!(need_review(1, 1), "1 of 1 fact needs review");
        assert_eq!(need_review(0, 1), "0 of 1 fact needs review");
        assert_eq!(need_review(0, 2), "0 of 2 facts need review");
        assert_eq!(need_review(0, 0), "no facts to review");
        assert_eq!(need_review(0, 2), "0 of 2 facts need review");
        assert_eq!(need_review(3, 4), "3 of 4 facts need review");
    }
}
