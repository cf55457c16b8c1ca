//! Format-preserving edits of `sources.toml`: only the `last_verified` values named change.
//!
//! The file is parsed with `toml_edit` for the byte span of each `last_verified` value, and only
//! those bytes are replaced in the file as read: line endings (LF, CRLF, mixed), a UTF-8 BOM,
//! spacing, comments and order stay as the user wrote them. A fact may be written as a
//! `[[routes.facts]]` table or as an inline table (`facts = [{ … }]`), in a route that is a
//! `[[routes]]` table or an inline table itself (`routes = [{ …, facts = [ … ] }]`). The result
//! is written with [`crate::atomic::edit_synced`]: through a symlink, hard links and mode kept.

use std::ops::Range;
use std::path::Path;

use chrono::NaiveDate;
use toml_edit::{Item, TableLike, Value};

use super::FactId;

/// A TOML string, quoted and escaped as the `toml_edit` writer does it: for the lines `probe`
/// and `import` draft.
pub(crate) fn toml_str(s: &str) -> String {
    Value::from(s).to_string().trim().to_string()
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum EditError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not valid TOML: {message}")]
    Parse { path: String, message: String },
    #[error("fact {0} has no last_verified value to edit (in [[routes.facts]] or an inline table)")]
    NotFound(String),
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// Sets `last_verified` for each fact and writes the file once, atomically. Nothing is written
/// unless every fact was found.
pub(crate) fn set_last_verified(
    path: &Path,
    updates: &[(FactId, NaiveDate)],
) -> Result<(), EditError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| EditError::Read {
        path: shown.clone(),
        source,
    })?;
    let doc = toml_edit::Document::parse(text.as_str()).map_err(|e| EditError::Parse {
        path: shown,
        message: e.message().to_string(),
    })?;
    let mut splices: Vec<(Range<usize>, String)> = Vec::with_capacity(updates.len());
    for (id, date) in updates {
        let span = find_last_verified(doc.as_table(), id.route(), id.name())
            .ok_or_else(|| EditError::NotFound(id.to_string()))?;
        // A later update of the same fact wins.
        splices.retain(|(s, _)| *s != span);
        splices.push((span, date.format("%Y-%m-%d").to_string()));
    }
    write_splices(path, &text, splices)
}

/// Sets a fact's `quote` and `last_verified` in one write (`verify --quote`): the quote's value
/// is replaced where it is written, or, for a fact without one, a `quote = "…"` is added after
/// its `last_verified` (a line of its own in a `[[routes.facts]]` table, a key beside it in an
/// inline table). Every other byte stays.
pub(crate) fn set_quote_and_date(
    path: &Path,
    id: &FactId,
    quote: &str,
    date: NaiveDate,
) -> Result<(), EditError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| EditError::Read {
        path: shown.clone(),
        source,
    })?;
    let doc = toml_edit::Document::parse(text.as_str()).map_err(|e| EditError::Parse {
        path: shown,
        message: e.message().to_string(),
    })?;
    let fact = find_fact(doc.as_table(), id.route(), id.name())
        .ok_or_else(|| EditError::NotFound(id.to_string()))?;
    let date_span = fact
        .get("last_verified")
        .and_then(Item::as_value)
        .and_then(Value::span)
        .ok_or_else(|| EditError::NotFound(id.to_string()))?;
    let mut splices = vec![(date_span.clone(), date.format("%Y-%m-%d").to_string())];
    let quoted = toml_str(quote);
    match fact
        .get("quote")
        .and_then(Item::as_value)
        .and_then(Value::span)
    {
        Some(span) => splices.push((span, quoted)),
        None if fact.is_inline() => {
            splices.push((date_span.end..date_span.end, format!(", quote = {quoted}")));
        }
        None => {
            // After the line of `last_verified`, comment included, in the file's line ending.
            let end = text[date_span.end..]
                .find('\n')
                .map_or(text.len(), |i| date_span.end + i + 1);
            let eol = if text[..end].ends_with("\r\n") {
                "\r\n"
            } else {
                "\n"
            };
            let lead = if end == text.len() && !text.ends_with('\n') {
                eol
            } else {
                ""
            };
            splices.push((end..end, format!("{lead}quote = {quoted}{eol}")));
        }
    }
    write_splices(path, &text, splices)
}

/// Replaces each span of `text` with its new text and writes the file once, atomically and
/// synced; nothing is written when the text comes out the same.
fn write_splices(
    path: &Path,
    text: &str,
    mut splices: Vec<(Range<usize>, String)>,
) -> Result<(), EditError> {
    splices.sort_by_key(|(span, _)| span.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (span, new) in &splices {
        out.push_str(&text[at..span.start]);
        out.push_str(new);
        at = span.end;
    }
    out.push_str(&text[at..]);
    if out == text {
        return Ok(());
    }
    crate::atomic::edit_synced(path, out.as_bytes()).map_err(|source| EditError::Write {
        path: path.display().to_string(),
        source,
    })
}

/// A fact's table, `[[routes.facts]]` or inline, wherever its route is written.
struct FactTable<'d> {
    table: &'d dyn TableLike,
    inline: bool,
}

impl FactTable<'_> {
    fn get(&self, key: &str) -> Option<&Item> {
        self.table.get(key)
    }

    fn is_inline(&self) -> bool {
        self.inline
    }
}

fn find_fact<'d>(
    root: &'d toml_edit::Table,
    route_id: &str,
    fact_id: &str,
) -> Option<FactTable<'d>> {
    let route = tables(root.get("routes")?)
        .find(|t| t.get("id").and_then(Item::as_str) == Some(route_id))?;
    let facts = route.get("facts")?;
    let table = tables(facts).find(|t| t.get("id").and_then(Item::as_str) == Some(fact_id))?;
    Some(FactTable {
        table,
        inline: !matches!(facts, Item::ArrayOfTables(_)),
    })
}

/// The byte span of the `last_verified` value of `route_id/fact_id`, wherever it is written.
fn find_last_verified(
    root: &toml_edit::Table,
    route_id: &str,
    fact_id: &str,
) -> Option<Range<usize>> {
    let route = tables(root.get("routes")?)
        .find(|t| t.get("id").and_then(Item::as_str) == Some(route_id))?;
    let fact = tables(route.get("facts")?)
        .find(|t| t.get("id").and_then(Item::as_str) == Some(fact_id))?;
    fact.get("last_verified")?.as_value().and_then(Value::span)
}

/// The tables of an array of tables (`[[x]]`) or of an array of inline tables (`x = [{ … }]`).
fn tables(item: &Item) -> Box<dyn Iterator<Item = &dyn TableLike> + '_> {
    match item {
        Item::ArrayOfTables(array) => Box::new(array.iter().map(|t| t as &dyn TableLike)),
        Item::Value(Value::Array(array)) => Box::new(
            array
                .iter()
                .filter_map(Value::as_inline_table)
                .map(|t| t as &dyn TableLike),
        ),
        _ => Box::new(std::iter::empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGINAL: &str = r#"# Registry
[[sources]]
id = "s"   # the source
url = "https://e.org/"

[[routes]]
id = "r"
title = "R"

[[routes.facts]]
id = "a"
claim = "A"
source = "s"
last_verified   =   2026-01-01   # checked by hand
[[routes.facts]]
id = "b"
claim = "B"
source = "s"
last_verified = 2026-02-02
"#;

    fn edited(original: &str, updates: &[(&str, &str)]) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sources.toml");
        std::fs::write(&path, original).unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let updates: Vec<_> = updates
            .iter()
            .map(|(r, f)| (FactId::new(r, f), day))
            .collect();
        set_last_verified(&path, &updates).unwrap();
        std::fs::read_to_string(&path).unwrap()
    }

    #[test]
    fn crlf_and_bom_stay() {
        let original = format!("\u{feff}{}", ORIGINAL.replace('\n', "\r\n"));
        let expected = original.replace(
            "last_verified = 2026-02-02\r\n",
            "last_verified = 2026-11-25\r\n",
        );
        assert_eq!(edited(&original, &[("r", "b")]), expected);
    }

    #[test]
    fn inline_tables_are_found() {
        let original = "routes = [\n  { id = \"r\", facts = [{ id = \"a\", last_verified = 2026-01-01 }] },\n  \
            { id = \"q\", facts = [{ id = \"a\", last_verified = 2026-01-01 }, \
            {id=\"b\",last_verified=2026-01-01}] },\n]\n";
        let expected = "routes = [\n  { id = \"r\", facts = [{ id = \"a\", last_verified = 2026-01-01 }] },\n  \
            { id = \"q\", facts = [{ id = \"a\", last_verified = 2026-11-25 }, \
            {id=\"b\",last_verified=2026-11-25}] },\n]\n";
        assert_eq!(edited(original, &[("q", "a"), ("q", "b")]), expected);
        let tables = "[[routes]]\nid = \"r\"\nfacts = [\n  {id = \"a\", last_verified = 2026-01-01},  # x\n]\n";
        assert_eq!(
            edited(tables, &[("r", "a")]),
            tables.replace("2026-01-01", "2026-11-25")
        );
    }
}
