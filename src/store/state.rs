//! What the first line of a source's file holds: the baseline, the latest version and what is
//! known of the page's stability.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One stored version of a source's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Version {
    pub(crate) sha256: String,
    pub(crate) captured_at: DateTime<Utc>,
    /// The extraction settings the text was made with (`Source::extract_fingerprint`); missing
    /// in stores made before it was kept (then the capture log says).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) fingerprint: Option<String>,
    /// The Content-Type the raw body came with, so it can be decoded the same way again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) content_type: Option<String>,
    /// The SHA-256 of the raw body kept for this text: its name under `RAW/`, checked before
    /// the body is used again. None when no body was kept (a 304 on a store that lost it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) raw_sha256: Option<String>,
    /// The challenge wording this text was captured with (`CaptureMeta::wall_words`): a 304 that
    /// points at it reads like a challenge too, and no date is refreshed from either.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) challenge: Option<String>,
}

/// A page that served a text other than the baseline's in a run that did not report it as a
/// change (a flap): until it has given the baseline's text on both fetches of
/// [`Unsettled::CALM_RUNS`] runs in a row, or someone accepts, no date is refreshed from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Unsettled {
    /// The other text, last seen.
    pub(crate) sha256: String,
    pub(crate) seen_at: DateTime<Utc>,
    /// Runs in a row since, in which both fetches gave the baseline's text.
    pub(crate) calm_runs: u32,
}

impl Unsettled {
    /// The page served `sha256` just now: the count of calm runs starts over.
    pub(crate) fn seen_now(sha256: String) -> Unsettled {
        Unsettled {
            sha256,
            seen_at: Utc::now(),
            calm_runs: 0,
        }
    }

    /// Three nightly runs: a CDN node that still serves an old (or a new) page is rarely
    /// missed by six fetches over three days, and three days of no refresh costs nothing.
    pub(crate) const CALM_RUNS: u32 = 3;
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct SourceState {
    pub(crate) format: u32,
    pub(crate) baseline: Option<Version>,
    pub(crate) latest: Option<Version>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) unsettled: Option<Unsettled>,
}

/// The first line of `source.jsonl`: `{"state": …}`, which no capture line can be read as.
#[derive(Serialize, Deserialize)]
pub(super) struct StateLine {
    pub(super) state: SourceState,
}
