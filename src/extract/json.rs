//! JSON → text: the values at the source's JSON Pointers, HTML strings read as HTML, other
//! values as canonical JSON so that reordered keys are not a change.

use super::html::{Scope, walk};
use super::writer::{TextWriter, plain_lines};
use super::{ExtractError, Extracted, finished};
use crate::dom::{self, Deadline};
use crate::registry::Source;

/// A JSON document: the values at the source's JSON Pointers (the whole document without any),
/// in order. A string holding HTML is read as HTML; other values become canonical JSON (keys
/// sorted, one member per line), so reordered keys are not a change.
pub(super) fn extract_json(
    body: &[u8],
    source: &Source,
    deadline: &Deadline,
) -> Result<Extracted, ExtractError> {
    let doc: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ExtractError::Parse(format!("invalid JSON: {e}")))?;
    let values: Vec<&serde_json::Value> = if source.pointers.is_empty() {
        vec![&doc]
    } else {
        source
            .pointers
            .iter()
            .filter_map(|p| doc.pointer(p))
            .collect()
    };
    if values.is_empty() {
        return Err(ExtractError::SelectorMissing {
            selectors: format!("JSON Pointer(s) {}", source.pointers.join(", ")),
            suggestion: None,
        });
    }
    let mut writer = TextWriter::default();
    for value in values {
        match value {
            serde_json::Value::String(s) if looks_like_html(s) => {
                let fragment = dom::parse_fragment(s, deadline)?;
                walk(&fragment, Scope::All, &[], &mut writer, deadline)?;
            }
            serde_json::Value::String(s) => plain_lines(s, &mut writer),
            other => plain_lines(&canonical_json(other), &mut writer),
        }
        writer.hard_break();
    }
    finished(writer, &source.ignore)
}

fn looks_like_html(s: &str) -> bool {
    let t = s.trim_start();
    t.starts_with('<') || (s.contains("</") && s.contains('>')) || s.contains("<br")
}

/// Pretty JSON with object keys sorted at every level.
fn canonical_json(value: &serde_json::Value) -> String {
    fn sorted(v: &serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(map) => {
                let mut entries: Vec<(&String, &serde_json::Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                let mut out = serde_json::Map::new();
                for (k, v) in entries {
                    out.insert(k.clone(), sorted(v));
                }
                serde_json::Value::Object(out)
            }
            serde_json::Value::Array(items) => {
                serde_json::Value::Array(items.iter().map(sorted).collect())
            }
            other => other.clone(),
        }
    }
    // serde_json's map keeps insertion order only with its preserve_order feature; inserting in
    // sorted order gives sorted output either way.
    serde_json::to_string_pretty(&sorted(value)).expect("a JSON value serialises")
}
