//! The person's end of the review loop: `verify` held against the page as last captured.
//!
//! After an official page changed, a reviewer accepts its text and verifies the facts on it.
//! When the wording changed too, the fact's `quote` must follow, or every later check says
//! `evidence_missing`. `verify FACT --quote TEXT` adopts the new wording together with the date,
//! after making sure the latest capture of the fact's source holds it; a plain `verify` warns
//! when a fact's quote is not in that capture, and shows the command that would adopt the
//! closest passage. Nothing here fetches: the latest capture is what the last check stored.

use anyhow::Context;
use chrono::NaiveDate;

use crate::assess::{CurrentText, evidence};
use crate::registry::{Fact, Registry};
use crate::store::{Store, VerifiedBy};

/// The text of the latest capture of `source`, with the time it was taken; `None` before any.
fn latest_text(
    store: &Store,
    source: &str,
) -> anyhow::Result<Option<(String, chrono::DateTime<chrono::Utc>)>> {
    let stored = store.source(source);
    let Some(latest) = stored.state()?.latest else {
        return Ok(None);
    };
    let text = stored
        .text(&latest.sha256)
        .with_context(|| format!("reading the latest capture of {source}"))?;
    Ok(Some((text, latest.captured_at)))
}

/// `quote` as one shell word: in single quotes unless it holds one, else in double quotes with
/// `"`, `$`, `` ` `` and `\` escaped.
pub(crate) fn shell_word(quote: &str) -> String {
    if !quote.contains('\'') {
        return format!("'{quote}'");
    }
    let mut out = String::from("\"");
    for c in quote.chars() {
        if matches!(c, '"' | '$' | '`' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// `verify FACT --quote TEXT`: the latest capture of the fact's source must hold `quote` (matched
/// as every quote is); then the quote and the date are written into sources.toml in one edit and
/// the verification is logged. Refused, with the closest passage and nothing written, when the
/// capture does not hold it. The caller holds the store's lock.
pub(crate) fn adopt_quote(
    registry: &Registry,
    store: &Store,
    fact: &Fact,
    quote: &str,
    date: NaiveDate,
) -> anyhow::Result<()> {
    let quote = quote.trim();
    if quote.is_empty() || quote.contains('\n') {
        anyhow::bail!(
            "--quote must be words of the page on one line (a phrase of the fact's sentence, \
             list item or table row); nothing was written"
        );
    }
    let source = &fact.source;
    let Some((text, captured_at)) = latest_text(store, source)? else {
        anyhow::bail!(
            "{source} has no capture yet, so --quote cannot be checked against it; run \
             `sourcewatch check --source {source}` first (nothing was written)"
        );
    };
    let current = CurrentText::new(&text);
    let found = evidence(&current, quote);
    if !found.found() {
        let closest = match found.closest {
            Some(c) => format!(
                "; the closest passage is “{}” ({:.0}% similar)",
                c.text,
                c.similarity * 100.0
            ),
            None => String::new(),
        };
        anyhow::bail!(
            "the latest capture of {source} ({}) does not hold “{quote}”{closest}; nothing was \
             written (copy the words as the page writes them: `sourcewatch diff {source}` shows \
             them)",
            captured_at.format("%Y-%m-%d %H:%M UTC")
        );
    }
    // The log first, then the file: the order `write_verified` keeps.
    store.record_verifications(std::slice::from_ref(&fact.id), date, VerifiedBy::Human)?;
    crate::registry::edit::set_quote_and_date(&registry.path, &fact.id, quote, date)?;
    store.sync()?;
    Ok(())
}

/// For each verified fact whose quote is not in the latest capture of its source: a warning with
/// the closest passage and the command that adopts it. Facts without a quote or a capture have
/// nothing to warn about.
pub(crate) fn missing_quote_warnings(
    store: &Store,
    facts: &[&Fact],
) -> anyhow::Result<Vec<String>> {
    let mut warnings = Vec::new();
    for fact in facts {
        let Some(quote) = &fact.quote else { continue };
        let Some((text, captured_at)) = latest_text(store, &fact.source)? else {
            continue;
        };
        let found = evidence(&CurrentText::new(&text), quote);
        if found.found() {
            continue;
        }
        let mut warning = format!(
            "the quote of {} “{quote}” is not in the latest capture of {} ({}), so checks keep \
             flagging it evidence_missing",
            fact.id,
            fact.source,
            captured_at.format("%Y-%m-%d %H:%M UTC")
        );
        match found.closest {
            Some(c) => warning.push_str(&format!(
                "; closest now: “{}”. If that is the new official wording: sourcewatch verify {} \
                 --quote {}",
                c.text,
                fact.id,
                shell_word(&c.window)
            )),
            None => warning.push_str(&format!(
                "; adopt the new wording with `sourcewatch verify {} --quote TEXT`",
                fact.id
            )),
        }
        warnings.push(warning);
    }
    Ok(warnings)
}

#[cfg(test)]
mod tests {
    use super::shell_word;

    #[test]
    fn a_quote_becomes_one_shell_word() {
        assert_eq!(shell_word("30 calendar days"), "'30 calendar days'");
        assert_eq!(shell_word("it's $5 \"now\""), "\"it's \\$5 \\\"now\\\"\"");
    }
}
