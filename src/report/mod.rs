//! One [`Report`] value per check, rendered for people (terminal text) and programs (JSON, SPEC
//! §6). The value is also what `LAST_CHECK.json` stores, so `status` and `report` render exactly
//! what the check saw.

pub mod html;
pub mod markdown;
pub mod text;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::assess::ClosestPassage;
use crate::outcome::{Flag, Outcome};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: String,
    pub today: NaiveDate,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub summary: Summary,
    pub sources: Vec<SourceReport>,
    pub facts: Vec<FactReport>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub sources: usize,
    pub new: usize,
    pub unchanged: usize,
    pub changed: usize,
    pub failed: usize,
    pub facts: usize,
    pub flagged: usize,
    pub stale: usize,
    pub source_changed: usize,
    pub evidence_missing: usize,
    pub unverifiable: usize,
    pub refreshed: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SourceReport {
    pub id: String,
    pub url: String,
    pub final_url: Option<String>,
    pub outcome: Outcome,
    pub http_status: Option<u16>,
    pub sha256: Option<String>,
    pub baseline_sha256: Option<String>,
    pub error: Option<String>,
    pub diff: Option<String>,
    /// Extra: bytes received and time taken, for spotting slow or bloated sources.
    pub bytes: u64,
    pub duration_ms: u64,
    /// Extra: the hunks of `diff` in order, each with the facts whose quote (or closest passage)
    /// lies in or next to it.
    #[serde(default)]
    pub hunks: Vec<DiffHunk>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffHunk {
    /// 1-based first line and line count in the baseline, as in the `@@` header.
    pub old_start: usize,
    pub old_lines: usize,
    pub new_start: usize,
    pub new_lines: usize,
    /// Full fact ids.
    pub facts: Vec<String>,
}

/// Who last moved a fact's `last_verified`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerifiedBy {
    /// `check --refresh`: the quote was found on an unchanged source.
    Machine,
    /// `verify`: a person checked the fact.
    Human,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FactReport {
    pub id: String,
    pub route: String,
    pub source: String,
    pub claim: String,
    pub quote: Option<String>,
    pub last_verified: NaiveDate,
    pub age_days: i64,
    pub stale_after_days: u32,
    /// Extra: the day the fact becomes stale.
    pub due: NaiveDate,
    pub flags: Vec<Flag>,
    pub quote_found: Option<bool>,
    pub closest_passage: Option<String>,
    /// Extra: how similar `closest_passage` is to the quote, 0.0–1.0.
    pub closest_similarity: Option<f32>,
    pub refreshed: bool,
    /// Extra: who set the current `last_verified`, when sourcewatch recorded it.
    #[serde(default)]
    pub verified_by: Option<VerifiedBy>,
}

impl Summary {
    /// The counts every renderer shows, in one wording.
    pub fn counts(&self) -> String {
        format!(
            "sources {} (new {}, unchanged {}, changed {}, failed {}) · stale {} · \
             source_changed {} · evidence_missing {} · unverifiable {} · refreshed {}",
            self.sources,
            self.new,
            self.unchanged,
            self.changed,
            self.failed,
            self.stale,
            self.source_changed,
            self.evidence_missing,
            self.unverifiable,
            self.refreshed
        )
    }
}

impl SourceReport {
    /// What went wrong, or the HTTP status, for a row of a report.
    pub fn detail(&self) -> String {
        self.error
            .clone()
            .or_else(|| self.http_status.map(|c| format!("HTTP {c}")))
            .unwrap_or_default()
    }
}

impl FactReport {
    /// " (92% similar)" after a closest passage, or nothing.
    pub fn similarity_note(&self) -> String {
        self.closest_similarity
            .map(|x| format!(" ({:.0}% similar)", x * 100.0))
            .unwrap_or_default()
    }

    pub fn set_closest(&mut self, passage: Option<ClosestPassage>) {
        self.closest_similarity = passage.as_ref().map(|p| p.similarity);
        self.closest_passage = passage.map(|p| p.text);
    }
}

impl Report {
    /// Counts derived from the rows; called after the rows are final.
    pub fn summarise(&mut self) {
        let mut s = Summary {
            sources: self.sources.len(),
            facts: self.facts.len(),
            ..Summary::default()
        };
        for src in &self.sources {
            match src.outcome {
                Outcome::New => s.new += 1,
                Outcome::Unchanged => s.unchanged += 1,
                Outcome::Changed => s.changed += 1,
                _ => s.failed += 1,
            }
        }
        for f in &self.facts {
            if !f.flags.is_empty() {
                s.flagged += 1;
            }
            for flag in &f.flags {
                match flag {
                    Flag::Stale => s.stale += 1,
                    Flag::SourceChanged => s.source_changed += 1,
                    Flag::EvidenceMissing => s.evidence_missing += 1,
                    Flag::Unverifiable => s.unverifiable += 1,
                }
            }
            if f.refreshed {
                s.refreshed += 1;
            }
        }
        self.summary = s;
    }

    /// Exit status 1 when anything needs a human: a flagged fact or a failed source.
    pub fn needs_review(&self) -> bool {
        self.summary.flagged > 0 || self.summary.failed > 0
    }

    /// Flagged facts in review order: facts inside a changed hunk first (they are where the page
    /// moved), then the rest, each group in registry order.
    pub fn facts_for_review(&self) -> Vec<&FactReport> {
        let touched: std::collections::HashSet<&str> = self
            .sources
            .iter()
            .flat_map(|s| {
                s.hunks
                    .iter()
                    .flat_map(|h| h.facts.iter().map(String::as_str))
            })
            .collect();
        let flagged = self.facts.iter().filter(|f| !f.flags.is_empty());
        let (mut first, rest): (Vec<_>, Vec<_>) =
            flagged.partition(|f| touched.contains(f.id.as_str()));
        first.extend(rest);
        first
    }

    pub fn source(&self, id: &str) -> Option<&SourceReport> {
        self.sources.iter().find(|s| s.id == id)
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("report serialises");
        s.push('\n');
        s
    }

    /// Ages and flags as of another day, for `status` between checks. Only `stale` depends on the
    /// day; the other flags are what the check saw.
    pub fn as_of(&mut self, today: NaiveDate) {
        self.today = today;
        for f in &mut self.facts {
            f.age_days = (today - f.last_verified).num_days();
            let stale = f.age_days > i64::from(f.stale_after_days);
            f.flags.retain(|fl| *fl != Flag::Stale);
            if stale {
                f.flags.insert(0, Flag::Stale);
            }
        }
        self.summarise();
    }
}
