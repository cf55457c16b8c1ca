//! One capture: one fetch of a source turned into normalised text and its SHA-256, or into a
//! failure with its outcome.
//!
//! This is the value that flows from fetching and extraction into the store and the report.
//! Both the capture log line and the report row carry a [`CaptureRecord`] made by
//! [`Capture::record`], so the two can never disagree about a status code or a byte count.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::extract::{ExtractError, Extracted};
use crate::fetch::{FetchError, Response, Validators};
use crate::outcome::Outcome;

/// What is known about an exchange, whatever came of it.
#[derive(Debug, Clone, Default)]
pub(crate) struct CaptureMeta {
    pub(crate) at: DateTime<Utc>,
    pub(crate) http_status: Option<u16>,
    pub(crate) final_url: Option<String>,
    /// The validators to send next time (empty for a failure or a browser render).
    pub(crate) validators: Validators,
    /// Bytes of the body received (after decompression); 0 for a 304 or a failure.
    pub(crate) bytes: u64,
    pub(crate) duration_ms: u64,
    /// What a reviewer should know about how this capture was made (see `CaptureRecord::notes`).
    pub(crate) notes: Vec<String>,
    /// For a capture whose text differs from the baseline: seen on two fetches (`true`), or two
    /// fetches gave two different new texts (`false`); `None` when not asked.
    pub(crate) confirmed: Option<bool>,
    /// The baseline was re-extracted from its raw body after a settings change.
    pub(crate) reextracted: bool,
    /// The target of a permanent redirect (301, 308) from the source's URL.
    pub(crate) moved_to: Option<String>,
    /// Why this capture cannot re-verify a fact even where its quote is found: the page served
    /// another text in the same run, or the baseline could not be made with today's settings.
    /// Set, no date is refreshed from it.
    pub(crate) doubt: Option<String>,
    /// The page's words alone read as a challenge (`Response::wall_words`): the check judges it.
    pub(crate) wall_words: Option<String>,
}

impl CaptureMeta {
    /// What an answer with a body says of the exchange, and the body (as read and as sent) with
    /// its Content-Type.
    fn answered(response: Response) -> (CaptureMeta, Answered) {
        let meta = CaptureMeta {
            http_status: Some(response.status),
            final_url: Some(response.final_url),
            bytes: response.body.len() as u64,
            validators: response.validators,
            moved_to: response.moved_to,
            wall_words: response.wall_words,
            ..CaptureMeta::default()
        };
        let body = Answered {
            body: response.body,
            gzip: response.gzip,
            content_type: response.content_type,
        };
        (meta, body)
    }
}

/// The body of an answer, once its exchange is told in a [`CaptureMeta`].
struct Answered {
    body: Vec<u8>,
    gzip: Option<Vec<u8>>,
    content_type: Option<String>,
}

/// What a capture came to, as the log and the report both keep it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CaptureRecord {
    pub(crate) outcome: Outcome,
    pub(crate) http_status: Option<u16>,
    pub(crate) sha256: Option<String>,
    pub(crate) final_url: Option<String>,
    pub(crate) bytes: u64,
    pub(crate) duration_ms: u64,
    pub(crate) error: Option<String>,
    /// What a reviewer should know about how this capture was made: a baseline re-extracted
    /// after a settings change, a page that served two texts, a permanent redirect.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) notes: Vec<String>,
}

#[derive(Debug)]
pub(crate) enum Captured {
    /// A body fetched and extracted in this run, with the raw body it came from.
    Fresh {
        extracted: Extracted,
        raw: Vec<u8>,
        /// `raw` as the server sent it, gzip-compressed: stored as it is.
        gzip: Option<Vec<u8>>,
        content_type: Option<String>,
    },
    /// A 304, or the very body the stored latest capture came from: that capture still stands.
    /// Its text is read only when something in this run looks at it (facts to match, a diff
    /// against the baseline).
    Reused {
        sha256: String,
        text: Option<String>,
    },
    Failed {
        outcome: Outcome,
        error: String,
    },
}

#[derive(Debug)]
pub(crate) struct Capture {
    pub(crate) meta: CaptureMeta,
    pub(crate) captured: Captured,
    /// The extraction settings the text was made with (`Source::extract_fingerprint`).
    pub(crate) fingerprint: String,
}

impl Capture {
    pub(crate) fn fresh(response: Response, extracted: Result<Extracted, ExtractError>) -> Self {
        let (meta, response) = CaptureMeta::answered(response);
        let captured = match extracted {
            Ok(extracted) => Captured::Fresh {
                extracted,
                raw: response.body,
                gzip: response.gzip,
                content_type: response.content_type,
            },
            Err(e) => Captured::Failed {
                outcome: e.outcome(),
                error: e.to_string(),
            },
        };
        Capture {
            meta,
            captured,
            fingerprint: String::new(),
        }
    }

    pub(crate) fn reused(
        final_url: String,
        validators: Validators,
        sha256: String,
        text: Option<String>,
    ) -> Self {
        Capture {
            meta: CaptureMeta {
                http_status: Some(304),
                final_url: Some(final_url),
                validators,
                ..CaptureMeta::default()
            },
            captured: Captured::Reused { sha256, text },
            fingerprint: String::new(),
        }
    }

    /// A body whose bytes are the raw body of the stored latest version (under the same
    /// extraction settings): that version's text stands, as after a 304, with this answer's
    /// status, size and validators.
    pub(crate) fn same_body(response: Response, sha256: String, text: Option<String>) -> Self {
        Capture {
            meta: CaptureMeta::answered(response).0,
            captured: Captured::Reused { sha256, text },
            fingerprint: String::new(),
        }
    }

    pub(crate) fn failed(error: &FetchError) -> Self {
        let final_url = match error {
            FetchError::Http { final_url, .. } | FetchError::NotModifiedUnasked { final_url } => {
                Some(final_url.clone())
            }
            _ => None,
        };
        Capture {
            meta: CaptureMeta {
                http_status: error.http_status(),
                final_url,
                ..CaptureMeta::default()
            },
            captured: Captured::Failed {
                outcome: error.outcome(),
                error: error.to_string(),
            },
            fingerprint: String::new(),
        }
    }

    /// Stamps the time, the duration and the extraction settings, once the capture is complete.
    pub(crate) fn finished(mut self, started: std::time::Instant, fingerprint: &str) -> Self {
        self.meta.at = Utc::now();
        self.meta.duration_ms = started.elapsed().as_millis() as u64;
        self.fingerprint = fingerprint.to_string();
        self
    }

    /// The SHA-256 of the captured text; `None` for a failure.
    pub(crate) fn sha256(&self) -> Option<&str> {
        match &self.captured {
            Captured::Fresh { extracted, .. } => Some(&extracted.sha256),
            Captured::Reused { sha256, .. } => Some(sha256),
            Captured::Failed { .. } => None,
        }
    }

    /// The captured text, when this run has it.
    pub(crate) fn text(&self) -> Option<&str> {
        match &self.captured {
            Captured::Fresh { extracted, .. } => Some(&extracted.text),
            Captured::Reused { text, .. } => text.as_deref(),
            Captured::Failed { .. } => None,
        }
    }

    /// The record of this capture, whose outcome against the baseline is `outcome`.
    pub(crate) fn record(&self, outcome: Outcome) -> CaptureRecord {
        CaptureRecord {
            outcome,
            http_status: self.meta.http_status,
            sha256: self.sha256().map(str::to_string),
            final_url: self.meta.final_url.clone(),
            bytes: self.meta.bytes,
            duration_ms: self.meta.duration_ms,
            error: self.failure().map(|(_, e)| e.to_string()),
            notes: self.meta.notes.clone(),
        }
    }

    /// Whether this capture is evidence a fact can be re-verified by: the server's own answer
    /// (2xx, or 304 to the stored text), not a failure (walls and error pages are failures),
    /// and nothing in the run cast doubt on it.
    pub(crate) fn is_evidence(&self) -> bool {
        let answered = self
            .meta
            .http_status
            .is_some_and(|s| (200..300).contains(&s) || s == 304);
        answered && self.failure().is_none() && self.meta.doubt.is_none()
    }

    /// The outcome and message of a failed capture.
    pub(crate) fn failure(&self) -> Option<(Outcome, &str)> {
        match &self.captured {
            Captured::Failed { outcome, error } => Some((*outcome, error)),
            _ => None,
        }
    }
}
