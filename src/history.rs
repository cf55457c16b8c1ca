//! `history` and the REFs of `diff --from/--to`: one source's captures as its log has them, and
//! which stored text a REF names.
//!
//! A REF is `baseline`, `latest`, a short hash (a unique prefix of at least
//! [`MIN_PREFIX`] hex digits of a text's SHA-256), or a date `YYYY-MM-DD` (UTC): the last capture
//! that day that has a text. Captures that failed have no text and are never named.

use chrono::{DateTime, NaiveDate, Utc};

use crate::registry::Source;
use crate::report::history::History;
use crate::store::{LogEntry, Store, StoreError};
use crate::text::short_sha;

/// The fewest hex digits a short hash may have.
pub(crate) const MIN_PREFIX: usize = 4;

#[derive(Debug, thiserror::Error)]
pub(crate) enum RefError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("source {0:?} has no capture yet; run `sourcewatch check --source {0}`")]
    NoCapture(String),
    #[error(
        "{reference:?} is not a REF: give a hash (at least {MIN_PREFIX} hex digits), a date \
         YYYY-MM-DD, baseline or latest"
    )]
    Malformed { reference: String },
    #[error(
        "no capture of {id} has a hash starting with {prefix}; `sourcewatch history {id}` lists them"
    )]
    UnknownHash { id: String, prefix: String },
    #[error(
        "{prefix} is the start of more than one hash of {id} ({}); give more digits",
        .candidates.join(", ")
    )]
    Ambiguous {
        id: String,
        prefix: String,
        candidates: Vec<String>,
    },
    #[error("{id} has no capture on {date} (UTC); `sourcewatch history {id}` lists them")]
    NoCaptureThatDay { id: String, date: NaiveDate },
    #[error("{id} has no capture with text on {date} (UTC): {failed} that day failed")]
    OnlyFailuresThatDay {
        id: String,
        date: NaiveDate,
        failed: String,
    },
}

/// A stored text a REF names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Named {
    pub(crate) sha256: String,
    /// When it was captured: for `baseline` and `latest` and a hash, the first capture of this
    /// text; for a date, that day's capture.
    pub(crate) captured_at: DateTime<Utc>,
    /// `baseline`, `latest` or `capture`, for the diff's labels.
    pub(crate) what: &'static str,
}

pub(crate) fn history(store: &Store, source: &Source) -> Result<History, StoreError> {
    let folder = store.source(&source.id);
    Ok(History::new(
        &source.id,
        source.url.as_str(),
        &folder.state()?,
        folder.log()?,
    ))
}

/// The text `reference` names among the captures of source `id`.
pub(crate) fn resolve(store: &Store, id: &str, reference: &str) -> Result<Named, RefError> {
    let folder = store.source(id);
    let state = folder.state()?;
    let what = |sha: &str| {
        if state.baseline.as_ref().is_some_and(|v| v.sha256 == sha) {
            "baseline"
        } else if state.latest.as_ref().is_some_and(|v| v.sha256 == sha) {
            "latest"
        } else {
            "capture"
        }
    };
    if let named @ ("baseline" | "latest") = reference {
        let version = if named == "baseline" {
            state.baseline.as_ref()
        } else {
            state.latest.as_ref()
        };
        let v = version.ok_or_else(|| RefError::NoCapture(id.to_string()))?;
        return Ok(Named {
            sha256: v.sha256.clone(),
            captured_at: v.captured_at,
            what: if named == "baseline" {
                "baseline"
            } else {
                "latest"
            },
        });
    }
    let log: Vec<LogEntry> = folder.log()?;
    let good = || {
        log.iter()
            .filter_map(|e| e.record.sha256.as_deref().map(|sha| (e, sha)))
    };
    if let Ok(date) = NaiveDate::parse_from_str(reference, "%Y-%m-%d") {
        let that_day: Vec<&LogEntry> = log.iter().filter(|e| e.at.date_naive() == date).collect();
        let Some((e, sha)) = good().rfind(|(e, _)| e.at.date_naive() == date) else {
            if that_day.is_empty() {
                return Err(RefError::NoCaptureThatDay {
                    id: id.to_string(),
                    date,
                });
            }
            return Err(RefError::OnlyFailuresThatDay {
                id: id.to_string(),
                date,
                failed: crate::term::count(that_day.len(), "capture", "captures"),
            });
        };
        return Ok(Named {
            sha256: sha.to_string(),
            captured_at: e.at,
            what: what(sha),
        });
    }
    let prefix = reference.to_ascii_lowercase();
    if prefix.len() < MIN_PREFIX || !prefix.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(RefError::Malformed {
            reference: reference.to_string(),
        });
    }
    // Each text once, with its first capture (the log is oldest first).
    let mut texts: Vec<(&str, DateTime<Utc>)> = Vec::new();
    for (e, sha) in good() {
        if sha.starts_with(&prefix) && !texts.iter().any(|(s, _)| *s == sha) {
            texts.push((sha, e.at));
        }
    }
    match texts.as_slice() {
        [] => Err(RefError::UnknownHash {
            id: id.to_string(),
            prefix,
        }),
        [(sha, at)] => Ok(Named {
            sha256: sha.to_string(),
            captured_at: *at,
            what: what(sha),
        }),
        many => Err(RefError::Ambiguous {
            id: id.to_string(),
            prefix,
            candidates: many.iter().map(|(s, _)| short_sha(s).to_string()).collect(),
        }),
    }
}
