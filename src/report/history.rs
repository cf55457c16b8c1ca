//! `history SOURCE_ID`: one source's captures from its log (`captures.jsonl`), newest first, each
//! with its time, outcome, HTTP status, hash and size, the captures of the baseline's text and of
//! the latest text marked. Text for people, JSON for programs.

use std::fmt::Write;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::SCHEMA_VERSION;
use crate::outcome::Outcome;
use crate::store::{LogEntry, SourceState};
use crate::term::{Look, Style, count};
use crate::text::short_sha;

#[derive(Debug, Clone, Serialize)]
pub(crate) struct History {
    pub(crate) schema_version: u32,
    pub(crate) source: String,
    pub(crate) url: String,
    pub(crate) baseline_sha256: Option<String>,
    pub(crate) latest_sha256: Option<String>,
    /// Newest first.
    pub(crate) captures: Vec<HistoryRow>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct HistoryRow {
    pub(crate) at: DateTime<Utc>,
    /// Against the baseline of its day, as the log has it.
    pub(crate) outcome: Outcome,
    pub(crate) http_status: Option<u16>,
    pub(crate) sha256: Option<String>,
    pub(crate) bytes: u64,
    pub(crate) duration_ms: u64,
    pub(crate) error: Option<String>,
    /// Its text is the baseline's.
    pub(crate) baseline: bool,
    /// Its text is the latest version's.
    pub(crate) latest: bool,
}

impl History {
    /// The history of `source` from its state and its log (oldest first, as stored).
    pub(crate) fn new(source: &str, url: &str, state: &SourceState, log: Vec<LogEntry>) -> Self {
        let baseline = state.baseline.as_ref().map(|v| v.sha256.clone());
        let latest = state.latest.as_ref().map(|v| v.sha256.clone());
        let captures = log
            .into_iter()
            .rev()
            .map(|e| {
                let sha = e.record.sha256;
                HistoryRow {
                    at: e.at,
                    outcome: e.record.outcome,
                    http_status: e.record.http_status,
                    baseline: sha.is_some() && sha == baseline,
                    latest: sha.is_some() && sha == latest,
                    sha256: sha,
                    bytes: e.record.bytes,
                    duration_ms: e.record.duration_ms,
                    error: e.record.error,
                }
            })
            .collect();
        History {
            schema_version: SCHEMA_VERSION,
            source: source.to_string(),
            url: url.to_string(),
            baseline_sha256: baseline,
            latest_sha256: latest,
            captures,
        }
    }

    pub(crate) fn to_json(&self) -> String {
        super::pretty_json(self)
    }
}

pub(crate) fn render_text(h: &History, look: &Look) -> String {
    let mut out = String::new();
    let short = |sha: &Option<String>| sha.as_deref().map_or("–", short_sha).to_string();
    let _ = writeln!(
        out,
        "{} · {} · {}",
        look.paint(Style::Bold, &h.source),
        h.url,
        count(h.captures.len(), "capture", "captures")
    );
    if h.captures.is_empty() {
        let _ = writeln!(
            out,
            "no capture yet; run `sourcewatch check --source {}`",
            h.source
        );
        return out;
    }
    let _ = writeln!(
        out,
        "baseline {} · latest {}",
        short(&h.baseline_sha256),
        short(&h.latest_sha256)
    );
    let _ = writeln!(
        out,
        "  {:<19}  {:<17}  {:>4}  {:<12}  {:>9}  text",
        "captured (UTC)", "outcome", "HTTP", "hash", "bytes"
    );
    for c in &h.captures {
        let outcome = format!("{:<17}", c.outcome.as_str());
        let marks = [(c.baseline, "baseline"), (c.latest, "latest")]
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, m)| *m)
            .collect::<Vec<_>>()
            .join(", ");
        let mut line = format!(
            "  {}  {}  {:>4}  {:<12}  {:>9}",
            c.at.format("%Y-%m-%d %H:%M:%S"),
            look.paint(super::text::outcome_style(c.outcome), &outcome),
            c.http_status.map_or(String::new(), |s| s.to_string()),
            short(&c.sha256),
            c.bytes
        );
        let used = 2 + 19 + 2 + 17 + 2 + 4 + 2 + 12 + 2 + 9;
        if !marks.is_empty() {
            let _ = write!(line, "  {}", look.paint(Style::Bold, &marks));
        }
        if let Some(e) = &c.error {
            let _ = write!(line, "  {}", look.wrap(e, used + 2, used + 2));
        }
        let _ = writeln!(out, "{line}");
    }
    let hint = format!(
        "Compare any two: sourcewatch diff {} --from REF --to REF (REF: a hash above, a date \
         YYYY-MM-DD, baseline or latest)",
        h.source
    );
    let _ = writeln!(out, "{}", look.wrap(&hint, 0, 2));
    out
}
