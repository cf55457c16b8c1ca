//! Registry parsing and validation, and the format-preserving `last_verified` edit.

use std::path::Path;

use chrono::{NaiveDate, TimeZone, Utc};

use super::{scratch, today};
use crate::registry::{self, FactId, RegistryError};

/// Registry parsing and validation. Input: the text of `sources.toml`.
///
/// Properties: a refusal lists at least one diagnostic, in file order, one per place, each at a
/// line and column inside the file; an accepted registry has valid, unique ids, facts whose
/// source exists, no date after today, and a schedule for every source that fires.
pub fn registry(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // `ca_file` is read at validation: keep the fuzzer away from device and proc files.
    if ["/dev", "/proc", "/sys", ".."]
        .iter()
        .any(|p| text.contains(p))
    {
        return;
    }
    let path = Path::new("fuzz-registry/sources.toml");
    match registry::parse(path, text, today()) {
        Ok(reg) => {
            let mut source_ids = std::collections::HashSet::new();
            for s in &reg.sources {
                assert!(registry::is_valid_id(&s.id), "source id {:?}", s.id);
                assert!(
                    source_ids.insert(s.id.as_str()),
                    "duplicate source {:?}",
                    s.id
                );
                let start = Utc.with_ymd_and_hms(2030, 6, 1, 12, 0, 0).unwrap();
                let next = reg.schedule_of(s).next_after(&start);
                assert!(next.is_some_and(|n| n > start), "schedule of {:?}", s.id);
            }
            let mut route_ids = std::collections::HashSet::new();
            let mut fact_ids = std::collections::HashSet::new();
            for r in &reg.routes {
                assert!(registry::is_valid_id(&r.id), "route id {:?}", r.id);
                assert!(
                    route_ids.insert(r.id.as_str()),
                    "duplicate route {:?}",
                    r.id
                );
                for f in &r.facts {
                    assert_eq!(f.id.route(), r.id);
                    assert!(registry::is_valid_id(f.id.name()), "fact id {:?}", f.id);
                    assert!(fact_ids.insert(f.id.as_str()), "duplicate fact {}", f.id);
                    assert!(reg.source(&f.source).is_some(), "{} names no source", f.id);
                    assert!(f.last_verified <= today(), "{} is in the future", f.id);
                    assert!(reg.fact(&f.id).is_some());
                }
            }
        }
        Err(RegistryError::Invalid(all)) => {
            assert!(!all.is_empty(), "a refusal says why");
            let lines = text.split('\n').count();
            for pair in all.windows(2) {
                assert!(
                    (pair[0].line, pair[0].col) < (pair[1].line, pair[1].col),
                    "diagnostics in file order, one per place: {all:?}"
                );
            }
            for d in &all {
                assert!(d.line >= 1 && d.line <= lines, "line of {d}");
                assert!(d.col >= 1, "column of {d}");
                assert!(!d.message.is_empty());
            }
            let _ = RegistryError::Invalid(all).to_string();
        }
        Err(e @ RegistryError::Read { .. }) => panic!("parse does not read: {e}"),
    }
}

/// Format-preserving edits of `last_verified`. Input: the text of `sources.toml`; every fact
/// the file names (up to 8) gets a new date, and, for an input of odd length, a fact that does
/// not exist is asked for as well.
///
/// Properties: an edit that fails writes nothing; one that succeeds leaves a file that parses
/// and holds the same data as before with the named facts' dates changed (`toml` as the oracle,
/// a parser other than the `toml_edit` the edit uses); where every old value was a date, the
/// bytes differ only in digits.
pub fn edit(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let before: Option<toml::Table> = toml::from_str(text).ok();
    let mut targets: Vec<(String, String)> = Vec::new();
    if let Some(table) = &before {
        for route in tables_of(table.get("routes")) {
            let Some(r) = route.get("id").and_then(toml::Value::as_str) else {
                continue;
            };
            for fact in tables_of(route.get("facts")) {
                if let Some(f) = fact.get("id").and_then(toml::Value::as_str)
                    && targets.len() < 8
                {
                    targets.push((r.to_string(), f.to_string()));
                }
            }
        }
    }
    if targets.is_empty() {
        targets.push(("r".into(), "f".into()));
    }
    let missing = data.len() % 2 == 1;
    let date = NaiveDate::from_ymd_opt(2031, 7, 9).unwrap();
    let mut updates: Vec<(FactId, NaiveDate)> = targets
        .iter()
        .map(|(r, f)| (FactId::new(r, f), date))
        .collect();
    if missing {
        updates.push((FactId::new("no-such-route", "x"), date));
    }

    let dir = scratch();
    let path = dir.path().join("sources.toml");
    std::fs::write(&path, data).unwrap();
    let result = registry::edit::set_last_verified(&path, &updates);
    let after = std::fs::read(&path).unwrap();
    if result.is_err() {
        assert_eq!(after, data, "a failed edit wrote the file");
        return;
    }
    let asked_missing = ("no-such-route".to_string(), "x".to_string());
    assert!(
        !missing || before.is_none() || targets.contains(&asked_missing),
        "a fact that does not exist was found"
    );
    let after = String::from_utf8(after).expect("the edit keeps UTF-8");
    toml_edit::Document::parse(after.as_str()).expect("an edited file still parses");
    let Some(mut expected) = before else {
        return;
    };
    let mut all_dates = true;
    for (r, f) in &targets {
        let Some(fact) = fact_mut(&mut expected, r, f) else {
            panic!("edited {r}/{f}, which the oracle cannot find");
        };
        let old = fact.insert(
            "last_verified".into(),
            toml::Value::Datetime(toml::value::Datetime {
                date: Some(toml::value::Date {
                    year: 2031,
                    month: 7,
                    day: 9,
                }),
                time: None,
                offset: None,
            }),
        );
        all_dates &= matches!(
            old,
            Some(toml::Value::Datetime(toml::value::Datetime {
                date: Some(_),
                time: None,
                offset: None,
            }))
        );
    }
    let got: toml::Table = toml::from_str(&after).expect("the oracle reads the edited file");
    assert_eq!(got, expected, "the data changed beyond the named dates");
    if all_dates {
        assert_eq!(after.len(), text.len(), "a date replaced by a date");
        for (a, b) in after.bytes().zip(text.bytes()) {
            assert!(a == b || (a.is_ascii_digit() && b.is_ascii_digit()));
        }
    }
}

/// The tables of an array of tables or of inline tables, as the edit reads `routes` and `facts`.
fn tables_of(value: Option<&toml::Value>) -> impl Iterator<Item = &toml::Table> {
    value
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(toml::Value::as_table)
}

/// The first fact `f` of the first route `r`, as the edit finds it.
fn fact_mut<'t>(root: &'t mut toml::Table, r: &str, f: &str) -> Option<&'t mut toml::Table> {
    let route = root
        .get_mut("routes")?
        .as_array_mut()?
        .iter_mut()
        .filter_map(toml::Value::as_table_mut)
        .find(|t| t.get("id").and_then(toml::Value::as_str) == Some(r))?;
    route
        .get_mut("facts")?
        .as_array_mut()?
        .iter_mut()
        .filter_map(toml::Value::as_table_mut)
        .find(|t| t.get("id").and_then(toml::Value::as_str) == Some(f))
}
