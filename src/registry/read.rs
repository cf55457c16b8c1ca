//! `sources.toml` text → the raw model, with every problem of the file collected on the way:
//! syntax errors (the parser recovers and goes on), unknown keys (all of them, see `keys`), and
//! values of the wrong type or missing keys, one table at a time, so one bad source or fact does
//! not hide the problems of the others.

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::diagnostics::{Diagnostic, Locator};
use super::keys;
use super::raw::{RawFact, RawFile, RawRoute, RawSettings, RawSource};

pub(super) fn read(text: &str, locator: &Locator<'_>) -> (RawFile, Vec<Diagnostic>) {
    let mut problems = Vec::new();
    let (root, syntax) = DeTable::parse_recoverable(text);
    for e in syntax {
        let span = e.span().unwrap_or(0..0);
        problems.push(locator.at(&span, e.message().trim()));
    }
    // A fact table before any route table makes the parser see `routes` as a table and then a
    // duplicate key: said instead as what it is, at the fact's header.
    let misplaced = fact_before_any_route(text);
    let mut root = root.into_inner();
    keys::check(&keys::FILE, &mut root, locator, &mut problems);
    let mut reader = Reader {
        locator,
        problems,
        unread_sources: Vec::new(),
    };
    let settings = match take(&mut root, "settings") {
        Some(v) => reader.one::<RawSettings>(v).unwrap_or_default(),
        None => RawSettings::default(),
    };
    let sources = reader.tables(take(&mut root, "sources"), "sources", |r, t| {
        let id = string_key(&t, "id");
        let read = r.one::<RawSource>(t);
        if read.is_none()
            && let Some(id) = id
        {
            // Facts naming it are not to be told the source does not exist.
            r.unread_sources.push(id);
        }
        read
    });
    let routes = reader.tables(take(&mut root, "routes"), "routes", |r, mut t| {
        let facts = match t.get_mut() {
            DeValue::Table(table) => take(table, "facts"),
            _ => None,
        };
        let mut route = r.one::<RawRoute>(t)?;
        route.facts = r.tables(facts, "routes.facts", |r, f| r.one::<RawFact>(f));
        Some(route)
    });
    let file = RawFile {
        settings,
        sources,
        routes,
        unread_sources: reader.unread_sources,
    };
    let mut problems = reader.problems;
    if let Some(at) = misplaced {
        problems.retain(|p| {
            !p.message.contains("duplicate key") && !p.message.starts_with("`routes` must be")
        });
        problems.push(locator.at(
            &(at..at),
            "`[[routes.facts]]` comes before any `[[routes]]`: a fact belongs to the `[[routes]]` \
             table above it, so put `[[routes]]` with the route's `id` and `title` first",
        ));
    }
    (file, problems)
}

struct Reader<'l, 'a> {
    locator: &'l Locator<'a>,
    problems: Vec<Diagnostic>,
    unread_sources: Vec<String>,
}

impl Reader<'_, '_> {
    /// One table as `T`; a problem is noted and `None` returned when it does not read.
    fn one<T: for<'de> Deserialize<'de>>(&mut self, value: Spanned<DeValue<'_>>) -> Option<T> {
        let span = value.span();
        // Which key a value belongs to, to name it when the value is of the wrong type.
        let keys: Vec<(String, std::ops::Range<usize>)> = match value.get_ref() {
            DeValue::Table(t) => t
                .iter()
                .map(|(k, v)| (k.get_ref().to_string(), v.span()))
                .collect(),
            _ => Vec::new(),
        };
        match T::deserialize(ValueDeserializer::from(value)) {
            Ok(v) => Some(v),
            Err(e) => {
                let at = e.span().unwrap_or(span);
                let mut message = in_words(e.message().trim());
                if let Some((key, _)) = keys.iter().find(|(_, s)| *s == at) {
                    message = format!("`{key}`: {message}");
                }
                self.problems.push(self.locator.at(&at, message));
                None
            }
        }
    }

    /// Each table of an array of tables (`[[name]]`), read by `each`; those that do not read
    /// are left out, their problems noted.
    fn tables<T>(
        &mut self,
        value: Option<Spanned<DeValue<'_>>>,
        name: &str,
        mut each: impl FnMut(&mut Self, Spanned<DeValue<'_>>) -> Option<T>,
    ) -> Vec<T> {
        let Some(value) = value else {
            return Vec::new();
        };
        let span = value.span();
        match value.into_inner() {
            DeValue::Array(items) => items.into_iter().filter_map(|t| each(self, t)).collect(),
            _ => {
                self.problems.push(self.locator.at(
                    &span,
                    format!("`{name}` must be a list of [[{name}]] tables"),
                ));
                Vec::new()
            }
        }
    }
}

/// Where the first `[[routes.facts]]` header is, when no `[[routes]]` header comes before it.
fn fact_before_any_route(text: &str) -> Option<usize> {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let trimmed = line.trim_start();
        let Some(rest) = trimmed.strip_prefix("[[") else {
            continue;
        };
        let Some(end) = rest.find("]]") else {
            continue;
        };
        let name: String = rest[..end].chars().filter(|c| !c.is_whitespace()).collect();
        match name.as_str() {
            "routes" => return None,
            "routes.facts" => return Some(start + (line.len() - trimmed.len())),
            _ => {}
        }
    }
    None
}

fn take<'i>(table: &mut DeTable<'i>, key: &str) -> Option<Spanned<DeValue<'i>>> {
    let k = table.keys().find(|k| k.get_ref().as_ref() == key)?.clone();
    table.remove(&k)
}

fn string_key(value: &Spanned<DeValue<'_>>, key: &str) -> Option<String> {
    let DeValue::Table(t) = value.get_ref() else {
        return None;
    };
    t.iter()
        .find(|(k, _)| k.get_ref().as_ref() == key)
        .and_then(|(_, v)| match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            _ => None,
        })
}

/// serde's type errors in the words of the file: "invalid type: string \"ninety\", expected
/// i64" becomes "expected a whole number, found the text \"ninety\"".
fn in_words(message: &str) -> String {
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|m| m.strip_suffix('`'))
    {
        return format!("missing key `{field}`");
    }
    let Some((found, expected)) = message
        .strip_prefix("invalid type: ")
        .and_then(|m| m.rsplit_once(", expected "))
    else {
        return message.to_string();
    };
    let expected = match expected {
        "i64" | "u64" | "u32" | "an integer" => "a whole number",
        "a boolean" => "true or false",
        "a string" => "text in quotes",
        "a sequence" => "a list such as [\"…\"]",
        "a TOML datetime" | "a datetime" => "a date such as 2026-06-09",
        other => other,
    };
    let found = if let Some(text) = found.strip_prefix("string ") {
        format!("the text {text}")
    } else if let Some(n) = found
        .strip_prefix("integer `")
        .or_else(|| found.strip_prefix("floating point `"))
    {
        format!("the number {}", n.trim_end_matches('`'))
    } else if let Some(b) = found.strip_prefix("boolean `") {
        b.trim_end_matches('`').to_string()
    } else {
        match found {
            "sequence" => "a list".to_string(),
            "map" => "a table".to_string(),
            other => other.to_string(),
        }
    };
    format!("expected {expected}, found {found}")
}

#[cfg(test)]
mod tests {
    use super::in_words;

    #[test]
    fn type_errors_read_in_words() {
        assert_eq!(
            in_words("invalid type: string \"ninety\", expected i64"),
            "expected a whole number, found the text \"ninety\""
        );
        assert_eq!(
            in_words("invalid type: integer `3`, expected a string"),
            "expected text in quotes, found the number 3"
        );
        assert_eq!(
            in_words("invalid type: string \"yes\", expected a boolean"),
            "expected true or false, found the text \"yes\""
        );
        assert_eq!(in_words("missing field `claim`"), "missing key `claim`");
        assert_eq!(in_words("something else"), "something else");
    }
}
