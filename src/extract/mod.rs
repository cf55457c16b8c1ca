//! Bytes of a page → the normalised text that is hashed, diffed and searched for quotes.
//!
//! The walk keeps only visible text of the selected elements, in document order; block elements
//! start new lines, table rows become one line with cells joined by ` | `, list items start with
//! `- `, whitespace (NBSP too) collapses, the result is NFC, the source's `ignore` patterns are
//! removed and blank lines dropped (docs/registry.md, "Text").
//!
//! ```text
//! extract/
//!   mod.rs      extract(): the format dispatch, ExtractError (knows its outcome), finishing
//!   charset.rs  which charset a body is in
//!   html.rs     the DOM walk: selected, excluded and never-visible elements
//!   writer.rs   lines of collapsed text, tables and lists
//!   json.rs     JSON Pointers, HTML strings, one leaf per line
//!   pdf.rs      pdftotext on tokio::process
//!   candidates.rs  selectors that would capture given quotes (probe, selector_missing hints)
//!   names.rs    which ids and classes a person wrote (not generated ones)
//! ```
//!
//! HTML and JSON extraction is synchronous CPU work; `scraper::Html` is not `Send`, so a parsed
//! document never lives across an await. It runs inline on the worker thread (src/check/mod.rs
//! says why) and within limits: every parse goes through `dom`, which refuses absurd nesting
//! before html5ever sees it, and the source's `timeout` is a deadline for parsing and the walk as
//! it is for `pdftotext`. A deadline checked inside the work, not `spawn_blocking` under a
//! timeout: a blocking thread cannot be stopped, so a timed-out parse would go on burning a core
//! (and hold up the runtime's exit), and the hand-off would cost every page, not just the rare
//! hostile one. A check gives one deadline to a source's extraction and its selector search
//! together ([`extract_by`], [`extract_suggesting`]); `check` moves large pages off the threads
//! that drive requests (src/check/mod.rs).

mod candidates;
mod charset;
mod html;
mod json;
mod names;
mod pdf;
mod writer;

use std::borrow::Cow;
use std::time::Duration;

use regex::Regex;

use crate::dom::{Deadline, DomError};
use crate::fetch::Response;
use crate::outcome::Outcome;
use crate::registry::{Format, Source};
use crate::text::{nfc, sha256_hex};
pub(crate) use candidates::{Candidate, candidates, hint};
pub(crate) use charset::decode;
use writer::TextWriter;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum ExtractError {
    #[error("no text left after extraction")]
    Empty,
    #[error("{0}")]
    Parse(String),
    /// `selectors` names what matched nothing; `suggestion`, when the facts' quotes are on the
    /// page anyway, says where (see [`extract_suggesting`]).
    #[error(
        "the page loaded but no element matched {selectors}{}",
        suggestion.as_ref().map(|s| format!("; {s}")).unwrap_or_default()
    )]
    SelectorMissing {
        selectors: String,
        suggestion: Option<String>,
    },
}

impl From<DomError> for ExtractError {
    fn from(e: DomError) -> Self {
        ExtractError::Parse(e.to_string())
    }
}

impl ExtractError {
    pub(crate) fn outcome(&self) -> Outcome {
        match self {
            ExtractError::Empty => Outcome::Empty,
            ExtractError::Parse(_) => Outcome::ParseError,
            ExtractError::SelectorMissing { .. } => Outcome::SelectorMissing,
        }
    }
}

/// A page's normalised text and its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Extracted {
    pub(crate) text: String,
    pub(crate) sha256: String,
}

/// Extracts a fetched body as its source says: the source's `format`, else the one its
/// Content-Type announces. `timeout` bounds the work: parsing and walking HTML and JSON, or an
/// external converter (PDF).
pub(crate) async fn extract(
    source: &Source,
    response: &Response,
    timeout: Duration,
) -> Result<Extracted, ExtractError> {
    extract_by(source, response, &Deadline::after(timeout)).await
}

/// [`extract`] by a deadline the caller keeps: a check's one deadline per source covers its
/// extraction, the selector search and the assessment together.
pub(crate) async fn extract_by(
    source: &Source,
    response: &Response,
    deadline: &Deadline,
) -> Result<Extracted, ExtractError> {
    let deadline = *deadline;
    let format = source
        .format
        .unwrap_or_else(|| Format::from_content_type(response.content_type.as_deref()));
    match format {
        Format::Html => {
            let html = charset::decode(
                &response.body,
                response.content_type.as_deref(),
                source.charset,
            );
            html::extract_html(&html, source, &deadline)
        }
        Format::Json if !source.select.is_empty() => Err(ExtractError::Parse(
            "the server sent JSON but select holds CSS selectors; set format = \"json\" \
             and use JSON Pointers"
                .into(),
        )),
        Format::Json => json::extract_json(&response.body, source, &deadline),
        Format::Pdf => pdf::extract_pdf(&response.body, source, deadline.remaining()).await,
    }
}

/// [`extract`], and when the selectors matched nothing while the `quotes` (of the facts on the
/// source) are on the page, the error says which selector would hold them. The suggestion costs
/// a second parse and a search, paid only on that failure and only when `allow()` says so (a
/// check keeps a budget of them, so a redesign that breaks many sources does not stall it).
///
/// One `deadline` bounds both: the search stops where it is when the time is up, and says so.
pub(crate) async fn extract_suggesting(
    source: &Source,
    response: &Response,
    deadline: &Deadline,
    quotes: &[&str],
    allow: impl FnOnce() -> bool,
) -> Result<Extracted, ExtractError> {
    let mut result = extract_by(source, response, deadline).await;
    if let Err(ExtractError::SelectorMissing { suggestion, .. }) = &mut result
        && !quotes.is_empty()
        && allow()
    {
        *suggestion = candidates::suggestion(source, response, quotes, deadline);
    }
    result
}

/// The body of an HTML response as text, or `None` when the source reads it as JSON or PDF.
fn html_text<'a>(source: &Source, response: &'a Response) -> Option<Cow<'a, str>> {
    let format = source
        .format
        .unwrap_or_else(|| Format::from_content_type(response.content_type.as_deref()));
    (format == Format::Html).then(|| {
        charset::decode(
            &response.body,
            response.content_type.as_deref(),
            source.charset,
        )
    })
}

/// The end of every extraction: NFC, `ignore` patterns, the empty check and the hash.
fn finished(mut writer: TextWriter, ignore: &[Regex]) -> Result<Extracted, ExtractError> {
    writer.hard_break();
    let text = finish(writer.out, writer.needs_nfc, ignore);
    if text.is_empty() {
        return Err(ExtractError::Empty);
    }
    let sha256 = sha256_hex(&text);
    Ok(Extracted { text, sha256 })
}

/// The selectors of a `selector_missing` message, as written and in the registry's order:
/// `div.a`, or `any of div.a, div.b`. (`count` stands in when the text is not known.)
fn describe_selectors(text: &[String], count: usize) -> String {
    match text {
        [] => format!("{count} selector(s)"),
        [one] => one.clone(),
        many => format!("any of {}", many.join(", ")),
    }
}

/// NFC, then `ignore` patterns removed, then lines tidied again (a removal can leave a blank line
/// or a double space behind), then NFC again if anything was removed: a match between a letter
/// and its combining mark leaves the two side by side. Text that needed no NFC has no combining
/// characters at all, so no removal can make it need one.
fn finish(mut raw: String, needs_nfc: bool, ignore: &[Regex]) -> String {
    while raw.ends_with('\n') {
        raw.pop();
    }
    let text = match needs_nfc.then(|| nfc(&raw)) {
        Some(Cow::Owned(normalised)) => normalised,
        _ => raw,
    };
    if ignore.is_empty() {
        return text;
    }
    let mut stripped = text;
    let mut removed = false;
    for re in ignore {
        if let Cow::Owned(s) = re.replace_all(&stripped, "") {
            stripped = s;
            removed = true;
        }
    }
    let mut out = String::with_capacity(stripped.len());
    for line in stripped.lines() {
        let mut first = true;
        for word in line.split(' ').filter(|w| !w.is_empty()) {
            if first {
                if !out.is_empty() {
                    out.push('\n');
                }
                first = false;
            } else {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    match (removed && needs_nfc).then(|| nfc(&out)) {
        Some(Cow::Owned(normalised)) => normalised,
        _ => out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry;
    use chrono::NaiveDate;
    use std::path::Path;

    fn source(extra: &str) -> std::sync::Arc<Source> {
        let text = format!("[[sources]]\nid = \"s\"\nurl = \"https://e.org/\"\n{extra}\n");
        let reg = registry::parse(
            Path::new("t.toml"),
            &text,
            NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
        )
        .unwrap();
        reg.sources[0].clone()
    }

    fn text_of(html: &str, extra: &str) -> String {
        extract_html(html, &source(extra)).unwrap().text
    }

    fn extract_html(html: &str, source: &Source) -> Result<Extracted, ExtractError> {
        html::extract_html(html, source, &Deadline::after(Duration::from_secs(30)))
    }

    #[test]
    fn text_is_nfc_after_an_ignore_match_between_combining_marks() {
        // "и" + [ad] + combining breve: once the ad is gone, the two compose to "й".
        let t = text_of(
            "<p>ви<span>[ad]</span>\u{306}за</p>",
            r#"ignore = ['\[ad\]']"#,
        );
        assert_eq!(t, "вйза");
        assert_eq!(t, nfc(&t));
    }
}
