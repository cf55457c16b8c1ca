//! Tests of the value finders, with real-shaped lines in English, Russian and Kazakh.

mod changes;
mod kinds;

use super::ValueKind::*;
use super::*;

/// (kind, text, key) of every value in the line.
fn vals(line: &str) -> Vec<(ValueKind, String, String)> {
    values_in(line)
        .into_iter()
        .map(|v| (v.kind, v.text, v.key))
        .collect()
}

/// The single value of a line, as (kind, text, key).
fn one(line: &str) -> (ValueKind, String, String) {
    let v = vals(line);
    assert_eq!(
        v.len(),
        1,
        "expected exactly one value in {line:?}, got {v:?}"
    );
    v.into_iter().next().unwrap()
}

fn key(line: &str) -> String {
    one(line).2
}

fn none(line: &str) {
    assert_eq!(vals(line), vec![], "expected no values in {line:?}");
}

fn ch(kind: ValueKind, before: Option<&str>, after: Option<&str>) -> ValueChange {
    ValueChange {
        kind,
        before: before.map(str::to_string),
        after: after.map(str::to_string),
    }
}

fn changed(kind: ValueKind, before: &str, after: &str) -> Vec<ValueChange> {
    vec![ch(kind, Some(before), Some(after))]
}
