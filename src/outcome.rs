//! The words of docs/outcomes.md that every stage speaks: one [`Outcome`] per capture, zero or more
//! [`Flag`]s per fact, the [`ValueKind`] of each typed value that changed. Their serialised names
//! are part of the JSON contract.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Outcome {
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
    pub(crate) fn is_good(self) -> bool {
        matches!(self, Outcome::New | Outcome::Unchanged | Outcome::Changed)
    }

    pub(crate) fn as_str(self) -> &'static str {
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
pub(crate) enum Flag {
    Stale,
    SourceChanged,
    EvidenceMissing,
    Unverifiable,
    /// The route's published page no longer states the fact's claim.
    PageDiffers,
}

impl Flag {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Flag::Stale => "stale",
            Flag::SourceChanged => "source_changed",
            Flag::EvidenceMissing => "evidence_missing",
            Flag::Unverifiable => "unverifiable",
            Flag::PageDiffers => "page_differs",
        }
    }
}

impl std::fmt::Display for Flag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What sort of fact a typed value is (docs/outcomes.md, "Typed values").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ValueKind {
    Duration,
    Money,
    Mci,
    Percent,
    Date,
    Range,
    Dimension,
    Count,
}

impl ValueKind {
    /// Every kind, in the order changes are walked.
    pub(crate) const ALL: [ValueKind; 8] = [
        ValueKind::Duration,
        ValueKind::Money,
        ValueKind::Mci,
        ValueKind::Percent,
        ValueKind::Date,
        ValueKind::Range,
        ValueKind::Dimension,
        ValueKind::Count,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ValueKind::Duration => "duration",
            ValueKind::Money => "money",
            ValueKind::Mci => "mci",
            ValueKind::Percent => "percent",
            ValueKind::Date => "date",
            ValueKind::Range => "range",
            ValueKind::Dimension => "dimension",
            ValueKind::Count => "count",
        }
    }
}
