//! What a route page claims: its table rows, the items of its lists (a step of "how to apply"
//! only when it states a typed value), and the sentences that state a typed value, each with
//! the heading of the section it stands in. Sections that hold no claims of the route (where
//! the site names its sources, links other routes, answers questions or sells something) are
//! left out by their headings; the rules are listed here so a user can see them, and a route's
//! `exclude` leaves out anything else.

use std::sync::LazyLock;

use regex::Regex;

use super::page::{BlockKind, Page};

/// A section under such a heading holds no claim of the route.
static SKIPPED_SECTIONS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)^(?:sources?\b|verification|references|other\b.*\broutes?|related|see\s+also",
        r"|more\s+about|frequently\s+asked|faq\b|questions|not\s+sure|get\s+(?:your|a)\s+free",
        r"|contact|share|subscribe|disclaimer",
        r"|источник|другие|смотрите\s+также|частые\s+вопросы|вопросы|не\s+уверены",
        r"|дереккөз|басқа|жиі\s+қойылатын|сұрақтар)",
    ))
    .expect("a valid pattern")
});

/// A list under such a heading is steps, not facts.
static HOW_TO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:how\s+to|steps|what\s+to\s+do|как\s|порядок|шаги|қалай|қадамдар)")
        .expect("a valid pattern")
});

pub(crate) fn is_how_to(heading: &str) -> bool {
    HOW_TO.is_match(heading.trim())
}

fn is_skipped(heading: &str) -> bool {
    SKIPPED_SECTIONS.is_match(heading.trim())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ClaimKind {
    Row,
    Item,
    Sentence,
}

/// One claim of a route page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Claim {
    /// The heading of the section it stands in (none before the first heading under the title).
    pub(crate) section: Option<String>,
    pub(crate) kind: ClaimKind,
    /// As the page writes it: a row's cells joined by ` | `, an item, a sentence.
    pub(crate) text: String,
}

pub(crate) fn claims(page: &Page) -> Vec<Claim> {
    let mut out = Vec::new();
    let mut section: Option<String> = None;
    // The level of a skipped section's heading: everything under it is skipped too.
    let mut skipping: Option<u8> = None;
    for block in &page.blocks {
        if let BlockKind::Heading(level) = block.kind {
            if level == 1 {
                continue;
            }
            if skipping.is_some_and(|l| level > l) {
                continue;
            }
            skipping = is_skipped(&block.text).then_some(level);
            section = Some(block.text.clone());
            continue;
        }
        if skipping.is_some() {
            continue;
        }
        let has_value = |t: &str| !crate::assess::values_in(t).is_empty();
        let claim = |kind, text: &str| Claim {
            section: section.clone(),
            kind,
            text: text.to_string(),
        };
        match block.kind {
            BlockKind::Row => out.push(claim(ClaimKind::Row, &block.text)),
            BlockKind::Item if !block.step || has_value(&block.text) => {
                out.push(claim(ClaimKind::Item, &block.text));
            }
            BlockKind::Paragraph => {
                for sentence in crate::assess::sentences(&block.text) {
                    if has_value(sentence) && !super::date::says_verified(sentence) {
                        out.push(claim(ClaimKind::Sentence, sentence));
                    }
                }
            }
            _ => {}
        }
    }
    out
}
