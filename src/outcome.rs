//! The words of docs/outcomes.md that every stage speaks: one [`Outcome`] per capture, zero or more
//! [`Flag`]s per fact. Their serialised names are part of the JSON contract.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    New,
    Unchanged,
    Changed,
    Unreachable,
    HttpError,
    Blocked,
    TlsError,
    RobotsDisallowed,
    TooLarge,
    Empty,
    SelectorMissing,
    RenderError,
    ParseError,
}

impl Outcome {
    /// A good capture has text: it can become or match a baseline.
    pub fn is_good(self) -> bool {
        matches!(self, Outcome::New | Outcome::Unchanged | Outcome::Changed)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::New => "new",
            Outcome::Unchanged => "unchanged",
            Outcome::Changed => "changed",
            Outcome::Unreachable => "unreachable",
            Outcome::HttpError => "http_error",
            Outcome::Blocked => "blocked",
            Outcome::TlsError => "tls_error",
            Outcome::RobotsDisallowed => "robots_disallowed",
            Outcome::TooLarge => "too_large",
            Outcome::Empty => "empty",
            Outcome::SelectorMissing => "selector_missing",
            Outcome::RenderError => "render_error",
            Outcome::ParseError => "parse_error",
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    Stale,
    SourceChanged,
    EvidenceMissing,
    Unverifiable,
}

impl Flag {
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Stale => "stale",
            Flag::SourceChanged => "source_changed",
            Flag::EvidenceMissing => "evidence_missing",
            Flag::Unverifiable => "unverifiable",
        }
    }
}

impl std::fmt::Display for Flag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
