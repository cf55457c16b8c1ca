//! JSON → text: the values at the source's JSON Pointers, one leaf per line.
//!
//! A selected string is read as it is (as HTML when it holds HTML). Any other value is written
//! leaf by leaf, each on its own line as its JSON Pointer from the document's root and its
//! value (`/supportworker: 12 months`), keys sorted: no line holds a comma or a brace that
//! depends on a neighbour, so adding or removing a key touches no other key's line, and
//! reordered keys are not a change.

use super::html::{Scope, walk};
use super::writer::{TextWriter, plain_lines};
use super::{ExtractError, Extracted, finished};
use crate::dom::{self, Deadline};
use crate::registry::Source;

/// A JSON document: the values at the source's JSON Pointers (the whole document without any),
/// in order, as text (see the module doc).
pub(super) fn extract_json(
    body: &[u8],
    source: &Source,
    deadline: &Deadline,
) -> Result<Extracted, ExtractError> {
    let doc: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ExtractError::Parse(format!("invalid JSON: {e}")))?;
    let pointers: Vec<&str> = if source.pointers.is_empty() {
        vec![""]
    } else {
        source.pointers.iter().map(String::as_str).collect()
    };
    let values: Vec<(&str, &serde_json::Value)> = pointers
        .into_iter()
        .filter_map(|p| Some((p, doc.pointer(p)?)))
        .collect();
    if values.is_empty() {
        return Err(ExtractError::SelectorMissing {
            selectors: format!("JSON Pointer(s) {}", source.pointers.join(", ")),
            suggestion: None,
        });
    }
    let mut writer = TextWriter::default();
    for (pointer, value) in values {
        match value {
            serde_json::Value::String(s) if looks_like_html(s) => {
                html_string(s, &mut writer, deadline)?;
            }
            serde_json::Value::String(s) => plain_lines(s, &mut writer),
            other => {
                let mut path = pointer.to_string();
                leaves(&mut path, other, &mut writer, deadline)?;
            }
        }
        writer.hard_break();
    }
    finished(writer, &source.ignore)
}

fn looks_like_html(s: &str) -> bool {
    let t = s.trim_start();
    t.starts_with('<') || (s.contains("</") && s.contains('>')) || s.contains("<br")
}

fn html_string(s: &str, writer: &mut TextWriter, deadline: &Deadline) -> Result<(), ExtractError> {
    let fragment = dom::parse_fragment(s, deadline)?;
    walk(&fragment, Scope::All, &[], writer, deadline)?;
    Ok(())
}

/// Writes every leaf of `value` on its own line as `pointer: value`, `path` being the pointer
/// of `value` itself; object keys in sorted order, so the order a server sends them in does not
/// matter. A string leaf holding HTML is written as its pointer on a line, then its text.
fn leaves(
    path: &mut String,
    value: &serde_json::Value,
    writer: &mut TextWriter,
    deadline: &Deadline,
) -> Result<(), ExtractError> {
    use serde_json::Value;
    let at = path.len();
    match value {
        Value::Object(map) if !map.is_empty() => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            for key in keys {
                path.push('/');
                // RFC 6901: `~` and `/` in a key are written `~0` and `~1`.
                path.push_str(&key.replace('~', "~0").replace('/', "~1"));
                leaves(path, &map[key.as_str()], writer, deadline)?;
                path.truncate(at);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, item) in items.iter().enumerate() {
                path.push('/');
                path.push_str(&i.to_string());
                leaves(path, item, writer, deadline)?;
                path.truncate(at);
            }
        }
        Value::String(s) if looks_like_html(s) => {
            writer.text(&format!("{path}:"));
            writer.hard_break();
            html_string(s, writer, deadline)?;
            writer.hard_break();
        }
        leaf => {
            if !path.is_empty() {
                writer.text(&format!("{path}: "));
            }
            match leaf {
                Value::String(s) => writer.text(s),
                other => writer.text(&other.to_string()),
            }
            writer.hard_break();
        }
    }
    Ok(())
}
