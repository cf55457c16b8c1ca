//! Which keys each table of `sources.toml` takes, checked on the parsed document before it is
//! read into the raw model, so that every unknown key of a file is reported in one run (serde's
//! `deny_unknown_fields` stops at the first), each at its place and with a did-you-mean.
//!
//! The lists must name exactly the fields of the raw model; a unit test holds them to serde's
//! own list, so a field added to `raw.rs` and forgotten here fails the build's tests.

use toml::de::{DeTable, DeValue};

use super::diagnostics::{Diagnostic, Locator};

/// One kind of table and the keys it takes; `children` are the keys whose values are tables
/// (or arrays of tables) of another kind.
pub(super) struct Table {
    pub(super) name: &'static str,
    pub(super) keys: &'static [&'static str],
    pub(super) children: &'static [(&'static str, &'static Table)],
}

pub(super) const SETTINGS: Table = Table {
    name: "[settings]",
    keys: &[
        "stale_after_days",
        "contact",
        "concurrency",
        "per_host_concurrency",
        "per_host_interval_ms",
        "timeout_secs",
        "retries",
        "max_body_bytes",
        "respect_robots",
        "schedule",
        "snapshots_dir",
        "timezone",
        "notify_webhook",
        "browser",
        "confirm_changes",
    ],
    children: &[],
};

pub(super) const SOURCE: Table = Table {
    name: "[[sources]]",
    keys: &[
        "id",
        "url",
        "select",
        "exclude",
        "ignore",
        "schedule",
        "charset",
        "ca_file",
        "respect_robots",
        "robots_override_reason",
        "format",
        "render",
        "wait_for",
        "wall",
    ],
    children: &[],
};

pub(super) const FACT: Table = Table {
    name: "[[routes.facts]]",
    keys: &[
        "id",
        "claim",
        "source",
        "quote",
        "last_verified",
        "stale_after_days",
    ],
    children: &[],
};

pub(super) const ROUTE: Table = Table {
    name: "[[routes]]",
    keys: &[
        "id",
        "title",
        "page",
        "select",
        "exclude",
        "stale_after_days",
        "facts",
    ],
    children: &[("facts", &FACT)],
};

pub(super) const FILE: Table = Table {
    name: "the top level",
    keys: &["settings", "sources", "routes"],
    children: &[
        ("settings", &SETTINGS),
        ("sources", &SOURCE),
        ("routes", &ROUTE),
    ],
};

/// Reports every key `table` does not take, at every depth, and removes them, so the document
/// can then be read strictly.
pub(super) fn check(
    table: &Table,
    doc: &mut DeTable<'_>,
    locator: &Locator<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let unknown: Vec<_> = doc
        .keys()
        .filter(|k| !table.keys.contains(&k.get_ref().as_ref()))
        .cloned()
        .collect();
    for key in unknown {
        let name = key.get_ref().as_ref();
        let hint = super::did_you_mean(name, table.keys.iter().copied());
        let known = if hint.is_empty() {
            format!("; {} takes {}", table.name, table.keys.join(", "))
        } else {
            hint
        };
        out.push(locator.at(
            &key.span(),
            format!("unknown key `{name}` in {}{known}", table.name),
        ));
        doc.remove(&key);
    }
    for (key, child) in table.children {
        let Some((_, value)) = doc.iter_mut().find(|(k, _)| k.get_ref().as_ref() == *key) else {
            continue;
        };
        match value.get_mut() {
            DeValue::Table(t) => check(child, t, locator, out),
            DeValue::Array(items) => {
                for item in items.iter_mut() {
                    if let DeValue::Table(t) = item.get_mut() {
                        check(child, t, locator, out);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::raw::{RawFact, RawRoute, RawSettings, RawSource};

    /// serde's own list of a raw struct's fields, read from its unknown-field error.
    fn serde_fields<T: for<'de> serde::Deserialize<'de>>(required: &str) -> Vec<String> {
        let err = toml::from_str::<T>(&format!("{required}\n__nope__ = 1\n"))
            .err()
            .expect("an unknown field is refused");
        let message = err.message().to_string();
        let list = message.split("expected one of ").nth(1).unwrap_or(&message);
        list.split(", ")
            .map(|f| f.trim().trim_matches('`').to_string())
            .collect()
    }

    #[test]
    fn each_list_names_exactly_the_raw_fields() {
        let cases: [(&Table, Vec<String>); 4] = [
            (&SETTINGS, serde_fields::<RawSettings>("")),
            (
                &SOURCE,
                serde_fields::<RawSource>("id = \"a\"\nurl = \"https://e.org/\""),
            ),
            (
                &ROUTE,
                serde_fields::<RawRoute>("id = \"r\"\ntitle = \"R\""),
            ),
            (
                &FACT,
                serde_fields::<RawFact>(
                    "id = \"f\"\nclaim = \"c\"\nsource = \"s\"\nlast_verified = 2026-01-01",
                ),
            ),
        ];
        for (table, fields) in cases {
            let mut ours: Vec<&str> = table.keys.to_vec();
            let mut theirs: Vec<&str> = fields.iter().map(String::as_str).collect();
            ours.sort_unstable();
            theirs.sort_unstable();
            assert_eq!(ours, theirs, "{}", table.name);
        }
    }
}
