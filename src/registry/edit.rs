//! Format-preserving edits of `sources.toml`: only the `last_verified` values named change.
//!
//! As in cargo-release, the file is read as a `toml_edit` document, one value at a time is
//! replaced with its decor (spacing and trailing comment) carried over, and the result is written
//! with [`crate::atomic::edit_synced`] (atomically, through a symlink, hard links and mode kept).
//! Every other byte stays as the user wrote it.

use std::path::Path;

use chrono::{Datelike, NaiveDate};
use toml_edit::{DocumentMut, Item, Value};

use super::FactId;

#[derive(Debug, thiserror::Error)]
pub(crate) enum EditError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not valid TOML: {message}")]
    Parse { path: String, message: String },
    #[error("fact {0} has no [[routes.facts]] entry with a last_verified value to edit")]
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
    let mut doc: DocumentMut =
        text.parse()
            .map_err(|e: toml_edit::TomlError| EditError::Parse {
                path: shown.clone(),
                message: e.message().to_string(),
            })?;
    for (id, date) in updates {
        let slot = find_last_verified(&mut doc, id.route(), id.name())
            .ok_or_else(|| EditError::NotFound(id.to_string()))?;
        let decor = slot.decor().clone();
        let mut new = Value::from(toml_edit::Datetime {
            date: Some(toml_edit::Date {
                year: date.year() as u16,
                month: date.month() as u8,
                day: date.day() as u8,
            }),
            time: None,
            offset: None,
        });
        *new.decor_mut() = decor;
        *slot = new;
    }
    let out = doc.to_string();
    if out == text {
        return Ok(());
    }
    crate::atomic::edit_synced(path, out.as_bytes()).map_err(|source| EditError::Write {
        path: shown,
        source,
    })
}

fn find_last_verified<'d>(
    doc: &'d mut DocumentMut,
    route_id: &str,
    fact_id: &str,
) -> Option<&'d mut Value> {
    let routes = doc.get_mut("routes")?.as_array_of_tables_mut()?;
    let route = routes
        .iter_mut()
        .find(|t| t.get("id").and_then(Item::as_str) == Some(route_id))?;
    let facts = route.get_mut("facts")?.as_array_of_tables_mut()?;
    let fact = facts
        .iter_mut()
        .find(|t| t.get("id").and_then(Item::as_str) == Some(fact_id))?;
    fact.get_mut("last_verified")?.as_value_mut()
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

    #[test]
    fn only_the_named_value_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sources.toml");
        std::fs::write(&path, ORIGINAL).unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        set_last_verified(&path, &[(FactId::new("r", "a"), day)]).unwrap();
        let after = std::fs::read_to_string(&path).unwrap();
        let expected = ORIGINAL.replace(
            "last_verified   =   2026-01-01   # checked by hand",
            "last_verified   =   2026-11-25   # checked by hand",
        );
        assert_eq!(after, expected);
    }

    #[test]
    fn unknown_fact_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sources.toml");
        std::fs::write(&path, ORIGINAL).unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let err = set_last_verified(
            &path,
            &[(FactId::new("r", "a"), day), (FactId::new("r", "zzz"), day)],
        )
        .unwrap_err();
        assert!(matches!(err, EditError::NotFound(_)));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), ORIGINAL);
    }
}
